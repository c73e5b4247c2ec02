"""Demo of the RBF family: an RBF network on digits, against an RBF-kernel SVC."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

from skdeep.utils._torch import torch_threads


def demo():
    """Classify handwritten digits with an RBF network, against ``SVC``.

    scikit-learn's digits (1,797 8x8 images), standardized, split 2:1
    (stratified, seeded). :class:`~skdeep.rbf.RBFNetworkClassifier` with 200
    centers from per-class k-means and its output layer in closed form,
    against ``SVC(kernel="rbf")`` with its defaults. Scores are test
    accuracies.

    Returns
    -------
    results : list of dict
        One row with ``task``, ``model``, ``score``, ``baseline``,
        ``baseline_score``, ``metric`` and ``seconds``.
    """
    with torch_threads(1):
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        from skdeep.rbf import RBFNetworkClassifier

        start = time.perf_counter()
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=1 / 3, stratify=y, random_state=0
        )
        rbf = make_pipeline(
            StandardScaler(),
            RBFNetworkClassifier(
                n_centers=200, centers="kmeans_per_class", random_state=0
            ),
        ).fit(X_train, y_train)
        svc = make_pipeline(StandardScaler(), SVC()).fit(X_train, y_train)
        return [
            {
                "task": "digits (8x8 images, 10 classes)",
                "model": "RBFNetworkClassifier(200)",
                "score": float(rbf.score(X_test, y_test)),
                "baseline": "SVC(kernel='rbf')",
                "baseline_score": float(svc.score(X_test, y_test)),
                "metric": "accuracy",
                "seconds": time.perf_counter() - start,
            }
        ]
