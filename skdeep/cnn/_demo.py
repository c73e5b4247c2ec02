"""Demo of the convolutional family: the default CNN on handwritten digits."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time


def demo():
    """The default :class:`~skdeep.cnn.CNNClassifier` against logistic regression.

    scikit-learn's bundled digits (1,797 8x8 images, 10 classes), a
    stratified 75/25 split (seed 0), pixels scaled to [0, 1]. The CNN runs
    with its defaults (plain (32, 64, 128) stack, 10 epochs, cosine
    schedule): defaults chosen on Fashion-MNIST, so this is also a check on
    data they were not tuned on. The baseline is
    :class:`~sklearn.linear_model.LogisticRegression` on the 64 pixels.
    Scores are test-set accuracies.

    Returns
    -------
    results : list of dict
        One row with ``task``, ``model``, ``score``, ``baseline``,
        ``baseline_score``, ``metric`` and ``seconds``.
    """
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from skdeep.cnn import CNNClassifier

    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 1, 8, 8) / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    start = time.perf_counter()
    cnn = CNNClassifier(random_state=0).fit(X_train, y_train)
    score = cnn.score(X_test, y_test)
    seconds = time.perf_counter() - start
    flat = LogisticRegression(max_iter=2000).fit(X_train.reshape(len(X_train), -1),
                                                 y_train)
    baseline = flat.score(X_test.reshape(len(X_test), -1), y_test)
    return [
        {
            "task": "digits 8x8, 10 classes (test accuracy)",
            "model": "CNNClassifier() defaults",
            "score": float(score),
            "baseline": "LogisticRegression",
            "baseline_score": float(baseline),
            "metric": "accuracy",
            "seconds": seconds,
        }
    ]
