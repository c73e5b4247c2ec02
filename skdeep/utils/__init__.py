"""Shared machinery for skdeep estimators and plugin authors.

Plugin authors building torch estimators subclass :class:`BaseTorchEstimator`
and test with :mod:`skdeep.utils.estimator_checks`.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.utils._torch import derive_seed, resolve_device, seeded
from skdeep.utils._training import (
    BaseTorchEstimator,
    TensorBatchIterator,
    training_parameters_doc,
)

__all__ = [
    "BaseTorchEstimator",
    "TensorBatchIterator",
    "derive_seed",
    "resolve_device",
    "seeded",
    "training_parameters_doc",
]
