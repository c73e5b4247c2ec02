"""Parameter checks shared by skdeep estimators, with scikit-learn-style messages."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

from sklearn.utils._param_validation import InvalidParameterError


def check_layer_sizes(sizes, name="hidden_layer_sizes"):
    """Validate a tuple of positive layer widths; return it as a tuple of int."""
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = None
    if sizes is None or not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes
    ):
        raise InvalidParameterError(
            f"The '{name}' parameter must be a tuple of positive ints; got {sizes!r}."
        )
    return tuple(int(s) for s in sizes)
