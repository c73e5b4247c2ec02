"""Registers the convolutional family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.cnn import CNNClassifier, CNNRegressor

    register(CNNClassifier)
    register(CNNRegressor)
    try:
        import torchvision  # noqa: F401  (the optional ``vision`` extra)
    except Exception:  # missing, or built for another torch: skip it alone
        return
    from skdeep.cnn import PretrainedFeatureExtractor

    register(PretrainedFeatureExtractor)
