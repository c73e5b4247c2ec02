"""Demo of the neuroevolution family: NEAT on the wine data, against an MLP."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time


def demo():
    """Classify wines with an evolved network, against ``MLPClassifier``.

    scikit-learn's wine data (178 rows, 13 features, 3 cultivars), split
    3:1 (stratified, seeded). :class:`~skdeep.neuroevolution.NEATClassifier`
    with its defaults (300 generations of 150 networks, evolved from inputs
    wired straight to outputs) against a standardized ``MLPClassifier`` with
    its defaults. Scores are test accuracies; the NEAT row names the size of
    the evolved network.

    Returns
    -------
    results : list of dict
        One row with ``task``, ``model``, ``score``, ``baseline``,
        ``baseline_score``, ``metric`` and ``seconds``.
    """
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep.neuroevolution import NEATClassifier

    start = time.perf_counter()
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    neat = NEATClassifier(random_state=0).fit(X_train, y_train)
    mlp = make_pipeline(StandardScaler(), MLPClassifier(max_iter=1000, random_state=0))
    mlp.fit(X_train, y_train)
    return [
        {
            "task": "wine, 3 classes",
            "model": f"NEAT ({neat.n_nodes_} nodes, {neat.n_connections_} conns)",
            "score": float(neat.score(X_test, y_test)),
            "baseline": "MLPClassifier",
            "baseline_score": float(mlp.score(X_test, y_test)),
            "metric": "accuracy",
            "seconds": time.perf_counter() - start,
        }
    ]
