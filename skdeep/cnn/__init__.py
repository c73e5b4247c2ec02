"""Convolutional networks: CNN classifiers and regressors for images and series.

The feature stacks (plain, FCN, ResNet, Inception, TCN) live in
:mod:`skdeep.cnn._modules` as plain torch modules that other families (capsule
networks, Siamese encoders) build on. ``PretrainedFeatureExtractor`` needs the
``vision`` extra (torchvision) and is imported on first access.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.cnn._cnn import CNNClassifier, CNNRegressor
from skdeep.utils._lazy_names import lazy_names

_LAZY = {"PretrainedFeatureExtractor": "skdeep.cnn._pretrained"}

__all__ = ["CNNClassifier", "CNNRegressor", "PretrainedFeatureExtractor"]

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
