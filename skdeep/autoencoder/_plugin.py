"""Registers the autoencoder family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.autoencoder import (
        AutoencoderOutlierDetector,
        AutoencoderTransformer,
        ConvAutoencoderTransformer,
        VariationalAutoencoder,
    )

    for cls in (
        AutoencoderTransformer,
        ConvAutoencoderTransformer,
        VariationalAutoencoder,
        AutoencoderOutlierDetector,
    ):
        register(cls)
