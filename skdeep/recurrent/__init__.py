"""Recurrent sequence models: RNN/LSTM/GRU estimators, hierarchical RNNs for
sequences of sequences, and an LSTM forecaster."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib.util

from skdeep.recurrent._hierarchical import (
    HierarchicalRNNClassifier,
    HierarchicalRNNRegressor,
)
from skdeep.recurrent._rnn import RNNClassifier, RNNRegressor
from skdeep.utils._lazy_names import lazy_names

# LSTMForecaster subclasses sktime's BaseForecaster; sktime is optional (the
# ``timeseries`` extra), so the forecaster is imported on first access.
_LAZY = {"LSTMForecaster": "skdeep.recurrent._forecaster"}

__all__ = [
    "HierarchicalRNNClassifier",
    "HierarchicalRNNRegressor",
    "RNNClassifier",
    "RNNRegressor",
]


def _has_sktime():
    try:
        return importlib.util.find_spec("sktime") is not None
    except (ImportError, ValueError):  # (a None entry in sys.modules)
        return False


# (listed only where sktime is installed: `from skdeep.recurrent import *`
# failed without it)
if _has_sktime():
    __all__.insert(2, "LSTMForecaster")


__getattr__, __dir__ = lazy_names(
    __name__, _LAZY, needs="sktime: pip install 'skdeep[timeseries]'"
)
