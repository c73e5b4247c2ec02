"""Registers the neuroevolution family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.neuroevolution import (
        HyperNEATClassifier,
        HyperNEATRegressor,
        NEATClassifier,
        NEATRegressor,
    )

    register(NEATClassifier)
    register(NEATRegressor)
    register(HyperNEATClassifier)
    register(HyperNEATRegressor)
