"""Convolutional networks: CNN classifiers and regressors for images and series.

The feature stacks (plain, FCN, ResNet, Inception, TCN) live in
:mod:`skdeep.cnn._modules` as plain torch modules that other families (capsule
networks, Siamese encoders) build on. ``PretrainedFeatureExtractor`` needs the
``vision`` extra (torchvision) and is imported on first access.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.cnn._cnn import CNNClassifier, CNNRegressor

_LAZY = {"PretrainedFeatureExtractor": "skdeep.cnn._pretrained"}

__all__ = ["CNNClassifier", "CNNRegressor", "PretrainedFeatureExtractor"]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
