"""Demo: each autoencoder beside its classical counterpart, tuned in a Pipeline."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time


def _timed_search(pipe, grid, X, y, X_test, y_test, **kwargs):
    from sklearn.model_selection import GridSearchCV

    start = time.perf_counter()
    search = GridSearchCV(pipe, grid, cv=3, **kwargs).fit(X, y)
    return search.score(X_test, y_test), time.perf_counter() - start


def demo():
    """Fit every autoencoder of the family on data scikit-learn ships."""
    import numpy as np
    from sklearn.datasets import load_breast_cancer, load_digits
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    from skdeep.autoencoder import (
        AutoencoderOutlierDetector,
        AutoencoderTransformer,
        ConvAutoencoderTransformer,
        VariationalAutoencoder,
    )

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    classifier = lambda: LogisticRegression(max_iter=2000)  # noqa: E731
    pca_score = {}
    for k in (2, 8):
        pca_score[k] = _timed_search(
            make_pipeline(StandardScaler(), PCA(k, random_state=0), classifier()),
            {"pca__whiten": [False, True]}, X_train, y_train, X_test, y_test,
        )[0]
    rows = []
    for k in (2, 8):
        score, seconds = _timed_search(
            make_pipeline(
                StandardScaler(),
                AutoencoderTransformer((128,), code_size=k, max_epochs=60, random_state=0),
                classifier(),
            ),
            {"autoencodertransformer__lr": [1e-3, 3e-3]},
            X_train, y_train, X_test, y_test,
        )
        rows.append(("AutoencoderTransformer", k, score, seconds))
    score, seconds = _timed_search(
        make_pipeline(
            MinMaxScaler(),
            ConvAutoencoderTransformer(
                (1, 8, 8), code_size=8, max_epochs=30, batch_size=64, random_state=0
            ),
            classifier(),
        ),
        {"convautoencodertransformer__lr": [3e-3]},
        X_train, y_train, X_test, y_test,
    )
    rows.append(("ConvAutoencoderTransformer", 8, score, seconds))
    score, seconds = _timed_search(
        make_pipeline(
            StandardScaler(),
            VariationalAutoencoder(code_size=8, max_epochs=60, random_state=0),
            classifier(),
        ),
        {"variationalautoencoder__beta": [0.5, 1.0]},
        X_train, y_train, X_test, y_test,
    )
    rows.append(("VariationalAutoencoder", 8, score, seconds))
    results = [
        {
            "task": f"digits accuracy from {k}-d codes",
            "model": model,
            "score": score,
            "baseline": f"PCA({k})",
            "baseline_score": pca_score[k],
            "metric": "accuracy",
            "seconds": seconds,
        }
        for model, k, score, seconds in rows
    ]

    # Outliers: benign tumours plus a few malignant ones (label -1).
    Xc, yc = load_breast_cancer(return_X_y=True)
    rng = np.random.RandomState(0)
    keep = np.r_[np.flatnonzero(yc == 1), rng.choice(np.flatnonzero(yc == 0), 30, False)]
    Xc, yc = Xc[keep], np.where(yc[keep] == 1, 1, -1)
    Xc_tr, Xc_te, yc_tr, yc_te = train_test_split(
        Xc, yc, test_size=0.4, random_state=0, stratify=yc
    )
    score, seconds = _timed_search(
        make_pipeline(StandardScaler(), AutoencoderOutlierDetector(max_epochs=50, random_state=0)),
        {"autoencoderoutlierdetector__code_size": [4, 32]},
        Xc_tr, yc_tr, Xc_te, yc_te, scoring="roc_auc",
    )
    baseline, _ = _timed_search(
        make_pipeline(StandardScaler(), IsolationForest(random_state=0)),
        {"isolationforest__n_estimators": [100, 300]},
        Xc_tr, yc_tr, Xc_te, yc_te, scoring="roc_auc",
    )
    results.append(
        {
            "task": "breast-cancer outliers (malignant, 7%)",
            "model": "AutoencoderOutlierDetector",
            "score": score,
            "baseline": "IsolationForest",
            "baseline_score": baseline,
            "metric": "ROC-AUC",
            "seconds": seconds,
        }
    )
    return results
