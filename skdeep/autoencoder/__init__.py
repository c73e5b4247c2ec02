"""Autoencoders as scikit-learn transformers."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.autoencoder._autoencoder import AutoencoderTransformer

__all__ = ["AutoencoderTransformer"]
