"""Graph neural networks: GCN, GAT and GraphSAGE node classifiers.

Message passing runs in plain torch (sparse products, ``index_add_`` and
``scatter_reduce_``); training takes skdeep's shared road. The graph and the
node features are parameters, ``X`` is a column of node ids (the second of
the two ways to give a graph in docs/graph.rst).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.gnn._estimators import GATClassifier, GCNClassifier, GraphSAGEClassifier

__all__ = ["GATClassifier", "GCNClassifier", "GraphSAGEClassifier"]
