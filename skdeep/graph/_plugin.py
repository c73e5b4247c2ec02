"""Registers the graph family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.graph import DeepWalkEmbedder, Node2VecEmbedder, WalkletsEmbedder

    register(Node2VecEmbedder)
    register(DeepWalkEmbedder)
    register(WalkletsEmbedder)

    from skdeep.graph import Struc2VecEmbedder

    register(Struc2VecEmbedder)

    from skdeep.graph import Diff2VecEmbedder, SplitterEmbedder

    register(Diff2VecEmbedder)
    register(SplitterEmbedder)

    from skdeep.graph import SDNEEmbedder  # torch, imported lazily

    register(SDNEEmbedder)

    from skdeep.graph import GEMSECEmbedder  # torch, imported lazily

    register(GEMSECEmbedder)
