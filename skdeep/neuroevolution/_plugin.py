"""Registers the neuroevolution family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    try:  # the engine's kernels: the optional ``neat`` extra
        import numba  # noqa: F401
    except ImportError:
        for name in ("NEATClassifier", "NEATRegressor", "HyperNEATClassifier",
                     "HyperNEATRegressor"):
            register.unavailable(name, "it needs numba (pip install 'skdeep[neat]').")
        return
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
