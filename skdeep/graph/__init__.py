"""The graph family: random-walk node embeddings (node2vec, DeepWalk, Walklets).

``import skdeep.graph`` needs neither numba nor gensim; they are imported when
an embedder is fitted (``pip install 'skdeep[graph]'``).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.graph._embedders import (
    BaseNodeEmbedder,
    DeepWalkEmbedder,
    Node2VecEmbedder,
    WalkletsEmbedder,
)
from skdeep.graph._graph_input import to_adjacency
from skdeep.graph._walks import random_walks

__all__ = [
    "BaseNodeEmbedder",
    "DeepWalkEmbedder",
    "Node2VecEmbedder",
    "WalkletsEmbedder",
    "random_walks",
    "to_adjacency",
]
