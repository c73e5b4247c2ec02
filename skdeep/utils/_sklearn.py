"""The one place where skdeep imports private scikit-learn APIs."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils._set_output import _wrap_data_with_container
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "RealNotInt",
    "StrOptions",
    "_fit_context",
    "check_sample_weight",
    "validate_parameter_constraints",
    "validate_params",
    "wrap_transform_output",
]


def wrap_transform_output(estimator, data, original_input):
    """``data`` in the container that ``estimator.set_output`` (or the global
    ``transform_output``) asks for, as scikit-learn wraps ``transform``:
    column names from ``get_feature_names_out``, the index of
    ``original_input`` when it is a DataFrame (None: a fresh index).

    For methods scikit-learn cannot wrap itself (it would replace their
    ``available_if`` descriptors).
    """
    return _wrap_data_with_container("transform", data, original_input, estimator)


def check_sample_weight(sample_weight, X, dtype=None):
    """Validated non-negative ``sample_weight`` of shape ``(n_samples,)``,
    scikit-learn's checks and messages, a scalar expanded (None stays None:
    unweighted fits keep their unweighted road).

    All-zero weights are refused with scikit-learn's message on every
    supported release: scikit-learn 1.7's ``_check_sample_weight`` lets them
    through, and fits then failed with unrelated errors (or fitted nothing).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils._sklearn import check_sample_weight
    >>> check_sample_weight(2.0, np.zeros((3, 1)))
    array([2., 2., 2.])
    """
    if sample_weight is None:
        return None
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=dtype, ensure_non_negative=True
    )
    if not (sample_weight != 0).any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sample_weight
