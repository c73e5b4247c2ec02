"""Sequence models as scikit-learn estimators: RNN, LSTM and GRU classifiers and
regressors."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.recurrent._rnn import RNNClassifier, RNNRegressor

__all__ = ["RNNClassifier", "RNNRegressor"]
