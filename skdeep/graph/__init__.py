"""The graph family: node embeddings from random walks (node2vec, DeepWalk,
Walklets), diffusion trees (Diff2Vec), ego-net personas (Splitter), structural
roles (struc2vec), walks with self-clustering (GEMSEC) and a deep autoencoder
on adjacency rows (SDNE).

``import skdeep.graph`` needs neither numba, gensim nor torch; they are
imported when an embedder is fitted (``pip install 'skdeep[graph]'``).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.graph._diff2vec import Diff2VecEmbedder
from skdeep.graph._embedders import (
    BaseNodeEmbedder,
    DeepWalkEmbedder,
    Node2VecEmbedder,
    WalkletsEmbedder,
)
from skdeep.graph._graph_input import to_adjacency
from skdeep.graph._splitter import SplitterEmbedder
from skdeep.graph._struc2vec import Struc2VecEmbedder
from skdeep.graph._walks import random_walks
from skdeep.utils._lazy_names import lazy_names

__all__ = [
    "BaseNodeEmbedder",
    "DeepWalkEmbedder",
    "Diff2VecEmbedder",
    "GEMSECEmbedder",
    "Node2VecEmbedder",
    "SDNEEmbedder",
    "SplitterEmbedder",
    "Struc2VecEmbedder",
    "WalkletsEmbedder",
    "random_walks",
    "to_adjacency",
]


# Torch-backed embedders, imported on first access: ``import skdeep.graph``
# stays free of torch.
_LAZY = {
    "GEMSECEmbedder": "skdeep.graph._gemsec",
    "SDNEEmbedder": "skdeep.graph._sdne",
}

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
