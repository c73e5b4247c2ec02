"""Siamese metric learning: embeddings in which examples of one class lie
close together, pair verification, and few-shot classification by prototypes."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.siamese._siamese import (
    PrototypeClassifier,
    SiamesePairClassifier,
    SiameseTransformer,
)

__all__ = ["PrototypeClassifier", "SiamesePairClassifier", "SiameseTransformer"]
