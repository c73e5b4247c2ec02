"""Radial basis function networks: each hidden unit stores a prototype (its
center) and fires by the input's distance to it."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.rbf._rbf import RBFNetworkClassifier, RBFNetworkRegressor

__all__ = ["RBFNetworkClassifier", "RBFNetworkRegressor"]
