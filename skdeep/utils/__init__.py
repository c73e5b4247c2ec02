"""Shared machinery for skdeep estimators and plugin authors.

Plugin authors building torch estimators subclass :class:`BaseTorchEstimator`
and test with :mod:`skdeep.utils.estimator_checks`. The names below are
imported on first use, so families that do not train with torch (graph
embeddings, signal featurizers) do not pay for importing it.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.utils._lazy_names import lazy_names

_EXPORTS = {
    "BaseTorchEstimator": "skdeep.utils._training",
    "LogProbaMixin": "skdeep.utils._mixins",
    "TensorBatchIterator": "skdeep.utils._training",
    "training_parameters_doc": "skdeep.utils._training",
    "derive_seed": "skdeep.utils._torch",
    "resolve_device": "skdeep.utils._torch",
    "seeded": "skdeep.utils._torch",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS)
