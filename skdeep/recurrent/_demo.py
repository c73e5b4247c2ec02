"""Demo of the recurrent family: an RNN classifier of motion series vs 1-NN."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from skdeep.utils._torch import torch_threads


class _ChannelScaler(TransformerMixin, BaseEstimator):
    """Standardize each channel of ``(n, C, T)`` series with training statistics."""

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=(0, 2))[:, None]
        self.scale_ = X.std(axis=(0, 2))[:, None]
        self.scale_[self.scale_ == 0] = 1.0
        return self

    def transform(self, X):
        return (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_


def demo():
    """Tune an RNN classifier inside a Pipeline with GridSearchCV, against 1-NN.

    On sktime's bundled BasicMotions (6 accelerometer and gyroscope channels,
    4 activities, its standard 40/40 train/test split; without sktime, a
    generated 3-channel sine/square/sawtooth problem), a per-channel
    standardization feeds :class:`~skdeep.recurrent.RNNClassifier`; the grid
    searches the cell (LSTM or GRU) and bidirectionality by 3-fold CV on the
    training part. The baseline is the classical 1-nearest-neighbour
    classifier with the Euclidean distance on the same standardized series.
    Scores are test-set accuracies. Torch runs on one thread (restored
    after).

    Returns
    -------
    results : list of dict
        One row with ``task``, ``model``, ``score``, ``baseline``,
        ``baseline_score``, ``metric`` and ``seconds``.
    """
    # Small recurrent nets: one thread is faster than torch's pool on 2 cores.
    with torch_threads(1):
        return _demo()


def _load():
    """BasicMotions (sktime) or, without sktime, a generated problem."""
    try:
        from sktime.datasets import load_basic_motions
    except ImportError:
        return _generated() + ("generated sine/square/sawtooth",)
    X_train, y_train = load_basic_motions(
        split="train", return_X_y=True, return_type="numpy3D"
    )
    X_test, y_test = load_basic_motions(
        split="test", return_X_y=True, return_type="numpy3D"
    )
    return X_train, X_test, np.asarray(y_train), np.asarray(y_test), "BasicMotions"


def _generated(n=120, T=60, seed=0):
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 1, T)
    y = np.arange(n) % 3
    freq, shift = rng.uniform(1, 3, (n, 3, 1)), rng.uniform(0, 1, (n, 3, 1))
    phase = 2 * np.pi * (freq * t + shift)
    shapes = [np.sin(phase), np.sign(np.sin(phase)), (phase / np.pi) % 2 - 1]
    X = np.choose(y[:, None, None], shapes) + 0.2 * rng.randn(n, 3, T)
    return X[: n // 2], X[n // 2 :], y[: n // 2], y[n // 2 :]


def _demo():
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from skdeep.recurrent import RNNClassifier

    X_train, X_test, y_train, y_test, name = _load()
    start = time.perf_counter()
    pipe = make_pipeline(
        _ChannelScaler(),
        RNNClassifier(hidden_size=32, max_epochs=100, batch_size=32, random_state=0),
    )
    search = GridSearchCV(
        pipe,
        {"rnnclassifier__cell": ["lstm", "gru"],
         "rnnclassifier__bidirectional": [False, True]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X_train, y_train)
    score = search.score(X_test, y_test)
    seconds = time.perf_counter() - start

    flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    baseline = make_pipeline(_ChannelScaler(), flatten, KNeighborsClassifier(1))
    baseline_score = baseline.fit(X_train, y_train).score(X_test, y_test)
    best = search.best_params_
    cell = best["rnnclassifier__cell"].upper()
    return [
        {
            "task": f"{name}: multichannel series classification",
            "model": "RNNClassifier("
            + ("Bi" if best["rnnclassifier__bidirectional"] else "")
            + f"{cell})",
            "score": float(score),
            "baseline": "1-NN Euclidean",
            "baseline_score": float(baseline_score),
            "metric": "test accuracy",
            "seconds": seconds,
        }
    ]
