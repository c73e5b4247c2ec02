"""Demo: MC dropout's predictive log-likelihood vs Bayesian ridge on diabetes."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

from skdeep.utils._torch import torch_threads


def demo():
    """Tune dropout and tau by test log-likelihood inside a Pipeline.

    ``MCDropoutRegressor`` is tuned with ``GridSearchCV`` and
    :func:`~skdeep.uncertainty.log_likelihood_scorer` on ``load_diabetes``;
    the baseline is :class:`~sklearn.linear_model.BayesianRidge`, whose
    Gaussian predictive distribution (``return_std=True``) is scored the same
    way. A second row compares the RMSE of the predictive means.
    """
    # Tiny networks: torch's thread pool makes them ~10x slower on 2 cores.
    with torch_threads(1):
        return _demo()


def _demo():
    import numpy as np
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import BayesianRidge
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep.uncertainty import MCDropoutRegressor, log_likelihood_scorer

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    start = time.perf_counter()
    pipe = make_pipeline(
        StandardScaler(),
        MCDropoutRegressor(
            hidden_layer_sizes=(50,), max_epochs=40, batch_size=32,
            n_mc_samples=200, random_state=0,
        ),
    )
    search = GridSearchCV(
        pipe,
        {"mcdropoutregressor__dropout": [0.05, 0.2],
         "mcdropoutregressor__tau": [1 / 60.0**2, 1 / 50.0**2]},
        scoring=log_likelihood_scorer,
        cv=3,
    ).fit(X_train, y_train)
    mc_ll = search.score(X_test, y_test)
    mc_rmse = float(np.sqrt(np.mean((search.predict(X_test) - y_test) ** 2)))
    seconds = time.perf_counter() - start

    ridge = make_pipeline(StandardScaler(), BayesianRidge()).fit(X_train, y_train)
    mean, std = ridge.predict(X_test, return_std=True)
    ridge_ll = float(
        np.mean(-0.5 * np.log(2 * np.pi * std**2) - 0.5 * ((y_test - mean) / std) ** 2)
    )
    ridge_rmse = float(np.sqrt(np.mean((mean - y_test) ** 2)))
    return [
        {
            "task": "diabetes predictive distribution",
            "model": "MCDropoutRegressor",
            "score": float(mc_ll),
            "baseline": "BayesianRidge",
            "baseline_score": ridge_ll,
            "metric": "test log-likelihood (higher is better)",
            "seconds": seconds,
        },
        {
            "task": "diabetes predictive mean",
            "model": "MCDropoutRegressor",
            "score": mc_rmse,
            "baseline": "BayesianRidge",
            "baseline_score": ridge_rmse,
            "metric": "test RMSE (lower is better)",
            "seconds": seconds,
        },
    ]
