"""Bayesian deep learning with Monte-Carlo dropout: predictions with uncertainty."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.uncertainty._mc_dropout import (
    MCDropoutClassifier,
    MCDropoutRegressor,
    log_likelihood_scorer,
)

__all__ = ["MCDropoutClassifier", "MCDropoutRegressor", "log_likelihood_scorer"]
