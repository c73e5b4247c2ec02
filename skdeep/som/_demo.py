"""Demo of the self-organizing map family: SOM distance features on the digits."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time
import warnings

from skdeep.utils._torch import torch_threads


def demo():
    """Tune a SOM inside a Pipeline with GridSearchCV, against KMeans.

    The map's distances to its nodes (``transform``) feed a logistic
    regression on :func:`~sklearn.datasets.load_digits`; the grid searches the
    map size and topology. The baseline is the same pipeline with
    :class:`~sklearn.cluster.KMeans` and as many clusters as the best map has
    nodes. Scores are test-set accuracies.

    Returns
    -------
    results : list of dict
        One row with ``task``, ``model``, ``score``, ``baseline``,
        ``baseline_score``, ``metric`` and ``seconds``.
    """
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    # Small matrices: one thread is as fast, and immune to the stalls that
    # threaded kernels suffer on a busy machine. Both limits are restored.
    with torch_threads(1), threadpool_limits(1):
        return _demo(start)


def _demo(start):
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from skdeep.som import SOMClusterer

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    pipe = make_pipeline(
        MinMaxScaler(),
        SOMClusterer(random_state=0),
        LogisticRegression(max_iter=500),
    )
    grid = [
        {"somclusterer__n_rows": [size], "somclusterer__n_columns": [size],
         "somclusterer__topology": ["rectangular", "hexagonal"]}
        for size in (8, 12)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=3).fit(X_train, y_train)
        score = search.score(X_test, y_test)
        best = search.best_params_
        n_nodes = best["somclusterer__n_rows"] * best["somclusterer__n_columns"]
        baseline = make_pipeline(
            MinMaxScaler(),
            KMeans(n_nodes, n_init=1, random_state=0),
            LogisticRegression(max_iter=500),
        ).fit(X_train, y_train)
        baseline_score = baseline.score(X_test, y_test)
    return [
        {
            "task": "load_digits: node-distance features + LogisticRegression",
            "model": (
                f"SOMClusterer({best['somclusterer__n_rows']}x"
                f"{best['somclusterer__n_columns']}, "
                f"{best['somclusterer__topology']})"
            ),
            "score": float(score),
            "baseline": f"KMeans({n_nodes})",
            "baseline_score": float(baseline_score),
            "metric": "test accuracy",
            "seconds": time.perf_counter() - start,
        }
    ]
