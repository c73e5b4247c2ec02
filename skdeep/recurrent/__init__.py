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


def __getattr__(name):
    if name in _LAZY:
        try:
            module = importlib.import_module(_LAZY[name])
        except ImportError as exc:
            raise ImportError(
                f"skdeep.recurrent.{name} needs sktime: "
                "pip install 'skdeep[timeseries]'."
            ) from exc
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
