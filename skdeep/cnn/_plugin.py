"""Registers the convolutional family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.cnn import CNNClassifier, CNNRegressor

    register(CNNClassifier)
    register(CNNRegressor)
    try:  # the optional ``vision`` extra
        from skdeep.cnn._pretrained import _import_torchvision

        _import_torchvision()
    except ImportError as error:  # (it vanished: "no estimator named ...")
        register.unavailable("PretrainedFeatureExtractor", str(error))
        return
    from skdeep.cnn import PretrainedFeatureExtractor

    register(PretrainedFeatureExtractor)
