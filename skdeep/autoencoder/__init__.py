"""Autoencoders as scikit-learn estimators: dense (sparse, denoising, regularised),
convolutional, variational, and autoencoder outlier detection."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.autoencoder._autoencoder import (
    AutoencoderTransformer,
    ConvAutoencoderTransformer,
)
from skdeep.autoencoder._outlier import AutoencoderOutlierDetector
from skdeep.autoencoder._variational import VariationalAutoencoder

__all__ = [
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "ConvAutoencoderTransformer",
    "VariationalAutoencoder",
]
