"""Demo: autoencoder codes vs PCA components as features for a classifier."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time


def demo():
    """Tune the code size on load_digits inside a Pipeline; PCA is the baseline."""
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep.autoencoder import AutoencoderTransformer

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    rows = []
    for code_size in (2, 8):
        results = {}
        for name, reducer, key in (
            (
                "AutoencoderTransformer",
                AutoencoderTransformer(
                    hidden_layer_sizes=(128,), max_epochs=60, random_state=0
                ),
                "autoencodertransformer__lr",
            ),
            ("PCA", PCA(random_state=0), None),
        ):
            start = time.perf_counter()
            reducer.set_params(
                **({"code_size": code_size} if key else {"n_components": code_size})
            )
            pipe = make_pipeline(
                StandardScaler(), reducer, LogisticRegression(max_iter=2000)
            )
            grid = {key: [1e-3, 3e-3]} if key else {"pca__whiten": [False, True]}
            search = GridSearchCV(pipe, grid, cv=3).fit(X_train, y_train)
            results[name] = (search.score(X_test, y_test), time.perf_counter() - start)
        rows.append(
            {
                "task": f"digits accuracy from {code_size}-d features",
                "model": "AutoencoderTransformer",
                "score": results["AutoencoderTransformer"][0],
                "baseline": "PCA",
                "baseline_score": results["PCA"][0],
                "metric": "accuracy",
                "seconds": results["AutoencoderTransformer"][1],
            }
        )
    return rows
