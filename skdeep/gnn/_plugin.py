"""Registers the graph neural network family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.gnn import GATClassifier, GCNClassifier, GraphSAGEClassifier

    register(GCNClassifier)
    register(GATClassifier)
    register(GraphSAGEClassifier)
