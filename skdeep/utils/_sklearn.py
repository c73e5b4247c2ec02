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

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "RealNotInt",
    "StrOptions",
    "_fit_context",
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
