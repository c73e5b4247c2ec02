"""Demo of the GNN family: GCN on the digits k-NN graph with few labels."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

from skdeep.utils._torch import torch_threads


def demo():
    """Semi-supervised digits: 10 labels per class, the rest through the graph.

    scikit-learn's digits (1,797 images) as a graph: each image a node,
    linked to its 10 nearest neighbours (pixels scaled to [0, 1] are the node
    features). 10 images per class are labelled (seeded draw); the others are
    the test set. :class:`~skdeep.gnn.GCNClassifier` with its defaults
    against ``LabelSpreading(kernel="knn", n_neighbors=10)``, the classical
    graph-based semi-supervised learner. Scores are test accuracies.

    Returns
    -------
    results : list of dict
        One row with ``task``, ``model``, ``score``, ``baseline``,
        ``baseline_score``, ``metric`` and ``seconds``.
    """
    with torch_threads(1):
        import numpy as np
        from sklearn.datasets import load_digits
        from sklearn.neighbors import kneighbors_graph
        from sklearn.semi_supervised import LabelSpreading

        from skdeep.gnn import GCNClassifier

        start = time.perf_counter()
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
        rng = np.random.RandomState(0)
        train = np.concatenate(
            [rng.choice(np.flatnonzero(y == c), 10, replace=False) for c in range(10)]
        )
        test = np.setdiff1d(np.arange(len(y)), train)
        A = kneighbors_graph(X, 10)
        gcn = GCNClassifier(graph=A, node_features=X, random_state=0)
        gcn.fit(train, y[train])
        partial = np.full(len(y), -1)
        partial[train] = y[train]
        spreading = LabelSpreading(kernel="knn", n_neighbors=10).fit(X, partial)
        return [
            {
                "task": "digits 10-NN graph, 10 labels per class",
                "model": "GCNClassifier",
                "score": float(gcn.score(test, y[test])),
                "baseline": "LabelSpreading(knn)",
                "baseline_score": float(spreading.score(X[test], y[test])),
                "metric": "accuracy",
                "seconds": time.perf_counter() - start,
            }
        ]
