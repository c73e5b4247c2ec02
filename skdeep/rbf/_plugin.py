"""Registers the RBF network family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.rbf import RBFNetworkClassifier, RBFNetworkRegressor

    register(RBFNetworkClassifier)
    register(RBFNetworkRegressor)
