"""Registers the recurrent family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.recurrent import (
        HierarchicalRNNClassifier,
        HierarchicalRNNRegressor,
        RNNClassifier,
        RNNRegressor,
    )

    register(RNNClassifier)
    register(RNNRegressor)
    register(HierarchicalRNNClassifier)
    register(HierarchicalRNNRegressor)
    try:  # the forecaster is an sktime object: only with the ``timeseries`` extra
        from skdeep.recurrent._forecaster import LSTMForecaster
    except ImportError:
        register.unavailable(
            "LSTMForecaster",
            "it needs sktime (pip install 'skdeep[timeseries]').",
        )
        return
    register(LSTMForecaster)
