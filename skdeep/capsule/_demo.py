"""Demo of the capsule family: a capsule network on digits, against an RBF SVC."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

from skdeep.utils._torch import torch_threads


def demo():
    """Classify handwritten digits with a capsule network, against ``SVC``.

    scikit-learn's digits (1,797 8x8 images, pixels scaled to [0, 1]), split
    2:1 (stratified, seeded). :class:`~skdeep.capsule.CapsNetClassifier`
    with 3x3 kernels (the default 9x9 ones need images of 17 pixels or
    more) for 15 epochs, against ``SVC(kernel="rbf")`` with its defaults.
    Scores are test accuracies.

    Returns
    -------
    results : list of dict
        One row with ``task``, ``model``, ``score``, ``baseline``,
        ``baseline_score``, ``metric`` and ``seconds``.
    """
    with torch_threads(1):
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.svm import SVC

        from skdeep.capsule import CapsNetClassifier

        start = time.perf_counter()
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=1 / 3, stratify=y, random_state=0
        )
        capsnet = CapsNetClassifier(
            input_shape=(1, 8, 8), kernel_size=3, primary_kernel_size=3,
            primary_stride=1, max_epochs=15, batch_size=32, random_state=0,
        ).fit(X_train, y_train)
        svc = SVC().fit(X_train, y_train)
        return [
            {
                "task": "digits (8x8 images, 10 classes)",
                "model": "CapsNetClassifier (3x3 kernels)",
                "score": float(capsnet.score(X_test, y_test)),
                "baseline": "SVC(kernel='rbf')",
                "baseline_score": float(svc.score(X_test, y_test)),
                "metric": "accuracy",
                "seconds": time.perf_counter() - start,
            }
        ]
