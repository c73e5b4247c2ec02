"""Demo: node2vec, DeepWalk and Walklets classify the nodes of a digits k-NN graph."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time


def demo():
    """Embed the 10-NN graph of scikit-learn's digits and classify its nodes.

    Each image is a node, linked to its 10 nearest neighbours; the embedders
    see only the graph. Half of the nodes are labelled; a Pipeline
    ``embedder(graph=A) -> LogisticRegression`` is tuned by GridSearchCV on
    them (the node2vec paper's protocol, with ``memory`` caching the walks and
    embeddings across folds) and scored on the other half. The baseline is
    spectral embedding of the same graph (Laplacian eigenmaps), the classical
    counterpart.
    """
    import tempfile

    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.manifold import SpectralEmbedding
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.neighbors import kneighbors_graph
    from sklearn.pipeline import make_pipeline

    from skdeep.graph import DeepWalkEmbedder, Node2VecEmbedder, WalkletsEmbedder
    from skdeep.graph._embedders import _check_dependencies

    X, y = load_digits(return_X_y=True)
    A = kneighbors_graph(X, 10, include_self=False)
    A = A.maximum(A.T)
    nodes = np.arange(len(y)).reshape(-1, 1)
    train, test = train_test_split(nodes, test_size=0.5, random_state=0, stratify=y)
    classifier = lambda: LogisticRegression(max_iter=2000)  # noqa: E731

    spectral = SpectralEmbedding(32, affinity="precomputed", random_state=0)
    emb = spectral.fit_transform(A)
    base = classifier().fit(emb[train[:, 0]], y[train[:, 0]])
    baseline_score = base.score(emb[test[:, 0]], y[test[:, 0]])

    fast = dict(walk_length=20, n_walks=5, random_state=0, n_jobs=-1)
    candidates = [
        ("Node2VecEmbedder", Node2VecEmbedder(32, window=5, **fast),
         {"p": [0.5, 2.0]}),
        ("DeepWalkEmbedder", DeepWalkEmbedder(32, window=5, **fast),
         {"window": [3, 5]}),
        # window 1 per scale gives few skip-gram pairs: more epochs
        ("WalkletsEmbedder", WalkletsEmbedder(8, n_scales=4, epochs=5, **fast),
         {"n_scales": [2, 4]}),
    ]
    for _, embedder, _ in candidates:
        # an ImportError here skips the family; inside the search it became
        # GridSearchCV's "All the 6 fits failed"
        _check_dependencies(embedder._required_modules, type(embedder).__name__)
    rows = []
    with tempfile.TemporaryDirectory(prefix="skdeep-demo-") as cache:
        for name, embedder, grid in candidates:
            embedder.set_params(graph=A, memory=cache)
            pipe = make_pipeline(embedder, classifier())
            step = pipe.steps[0][0]
            grid = {f"{step}__{k}": v for k, v in grid.items()}
            start = time.perf_counter()
            search = GridSearchCV(pipe, grid, cv=3).fit(train, y[train[:, 0]])
            score = search.score(test, y[test[:, 0]])
            rows.append({
                "task": "node classification, digits 10-NN graph (50% labelled)",
                "model": name,
                "score": float(score),
                "baseline": "SpectralEmbedding(32) + LogisticRegression",
                "baseline_score": float(baseline_score),
                "metric": "accuracy",
                "seconds": time.perf_counter() - start,
            })
    return rows
