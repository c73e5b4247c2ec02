"""Capsule networks: vector-output capsules with routing-by-agreement.

The stem is the CNN family's convolutional feature stack and the input
handling is the CNN family's; only the capsule layers live here.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.capsule._capsnet import CapsNetClassifier

__all__ = ["CapsNetClassifier"]
