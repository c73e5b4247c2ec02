"""Registers the neuroevolution family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


_ESTIMATORS = ("NEATClassifier", "NEATRegressor", "HyperNEATClassifier",
               "HyperNEATRegressor")


@hookimpl
def register_estimators(register):
    try:  # the engine's kernels: the optional ``neat`` extra
        import numba  # noqa: F401
    except ImportError:
        for name in _ESTIMATORS:
            register.unavailable(name, "it needs numba (pip install 'skdeep[neat]').")
        return
    import skdeep.neuroevolution as family

    for name in _ESTIMATORS:
        register(getattr(family, name))
