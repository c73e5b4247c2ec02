"""Parameter and input checks shared by skdeep estimators, scikit-learn style."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from sklearn.utils import assert_all_finite

from skdeep.utils._sklearn import InvalidParameterError


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


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_float32_range(X, *, input_name="X", estimator=None, advice=None):
    """Refuse finite values too large for float32, with a clear ``ValueError``.

    skdeep's networks compute in float32: a value such as ``1e200`` is a
    valid float64 but becomes ``inf`` there, and then NaN in every output
    (in float64 code, its square overflows). skdeep refuses such values
    everywhere. Call this after scikit-learn's validation (which refuses NaN
    and inf).

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix
        Validated numeric input; other dtypes than floats are returned as is.
    input_name : str, default="X"
        Name of the input in the message.
    estimator : estimator instance, str or None, default=None
        The estimator (or its name) named in the message.
    advice : str or None, default=None
        The message's last sentence; None suggests a ``StandardScaler``.

    Returns
    -------
    X : ndarray or scipy.sparse matrix
        ``X``, unchanged.

    Raises
    ------
    ValueError
        If a finite value's magnitude exceeds float32's largest value (about
        3.4e38). NaN and inf are left to scikit-learn's validation.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils.validation import check_float32_range
    >>> check_float32_range(np.array([[1.0, 2.0]]))
    array([[1., 2.]])
    >>> check_float32_range(np.array([[1.0, 1e200]]))
    Traceback (most recent call last):
    ...
    ValueError: Input X contains values too large for float32 (largest magnitude \
1e+200 > 3.4e+38); the estimator accepts only values in float32's range. \
Scale X first, for example with StandardScaler.
    """
    import scipy.sparse as sp

    values = X
    if sp.issparse(X):
        # (dok and lil matrices hold no flat array of their values: a dok
        # matrix failed here with "has no attribute 'data'")
        values = X.data if X.format in ("csr", "csc", "coo", "bsr", "dia") else (
            X.tocoo().data)
    dtype = getattr(values, "dtype", None)
    if dtype is None or dtype.kind not in "fc" or dtype.itemsize <= 4:
        return X  # float32 input is in range by construction
    if dtype.kind == "f" and np.size(values):
        # Fast path: two reductions, no temporary array (fmin/fmax skip NaN).
        lo, hi = np.fmin.reduce(values, axis=None), np.fmax.reduce(values, axis=None)
        if abs(lo) <= _FLOAT32_MAX and abs(hi) <= _FLOAT32_MAX:
            return X
    shape = np.shape(values)
    rows = (shape[0], -1) if len(shape) > 1 and shape[0] else (-1, 1)
    values = np.reshape(values, rows)
    # in blocks of rows, so that a large (memory-mapped) X is not copied whole
    step = max(1, 2**22 // max(1, values.shape[1]))
    largest = 0.0
    for start in range(0, len(values), step):
        block = np.abs(values[start : start + step])
        block[np.isinf(block)] = 0.0  # inf is scikit-learn's business
        if block.size:
            largest = max(largest, float(np.nanmax(block, initial=0.0)))
    if largest > _FLOAT32_MAX:
        who = (
            "the estimator" if estimator is None
            else estimator if isinstance(estimator, str)
            else type(estimator).__name__
        )
        raise ValueError(
            f"Input {input_name} contains values too large for float32 (largest "
            f"magnitude {largest:.3g} > {_FLOAT32_MAX:.2g}); {who} accepts only "
            f"values in float32's range. "
            + (advice or f"Scale {input_name} first, for example with "
                         f"StandardScaler.")
        )
    return X


# Data far from the origin (sum of squared feature means over this many times
# the summed variances) are better computed on shifted by their mean: float32
# distances ||x||^2 - 2 x.c + ||c||^2 lose about 1e-7 of ||x||^2, which
# swamps the distances between nearby points (coordinates around 48 degrees
# that differ by 0.01, a 1e6 offset). Below it the error stays under ~1e-5.
FAR_FROM_ORIGIN_RATIO = 100.0
_OFFSET_SAMPLE_ROWS = 256

# Squared float32 distances ||x - c||^2 of rows whose mean squared norm (about
# their level, see distance_offset) lies outside these bounds underflow to 0
# (values below about 1e-19: every node or center ties) or overflow float32
# (above about 1e19).
_DISTANCE_SCALE_BOUNDS = (1e-36, 1e37)


def distance_offset(X, estimator):
    """The per-feature level (float64) to subtract from ``X`` before float32
    squared distances, or None; refuses rows too small or too large for them.

    The level is None unless ``X`` lies far from the origin compared with its
    spread (:data:`FAR_FROM_ORIGIN_RATIO`), so standardized data are left as
    they are. Any level near the data serves: it need not be the exact mean.
    Rows (about that level) whose mean squared norm lies outside
    ``_DISTANCE_SCALE_BOUNDS`` are refused; rows that are all zero pass (their
    distances are exact). Both are judged on one evenly strided sample of at
    most 256 rows (about 10 us on small data), or, for out-of-core rows with
    streaming statistics (:class:`~skdeep.utils._lazy.LazyRows`), on their
    sums and ranges (the ranges standing for the spread).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), or LazyRows with ``stats``
    estimator : estimator instance
        Named in the message.

    Returns
    -------
    offset : ndarray of shape (n_features,) or None

    Raises
    ------
    ValueError
        Where the squared distances would underflow to 0 or overflow float32.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.cluster import KMeans
    >>> from skdeep.utils.validation import distance_offset
    >>> X = np.random.RandomState(0).randn(100, 2)
    >>> distance_offset(X, KMeans()) is None
    True
    >>> distance_offset(X + 1e6, KMeans()).round()
    array([1000000., 1000000.])
    >>> distance_offset(X * 1e-30, KMeans())
    Traceback (most recent call last):
    ...
    ValueError: KMeans computes squared distances in float32, which underflow ...
    """
    stats = getattr(X, "stats", None)
    if stats is not None:
        mean = (stats["sum"] / len(X)).numpy()
        half_range = (stats["max"] - stats["min"]).double().numpy() / 2.0
        level = float(mean @ mean)
        spread = float(half_range @ half_range)
    else:
        # the mean and the mean squared norm of a strided sample (their
        # difference, the summed variances, may lose every digit to
        # cancellation exactly when the level is large: then it is shifted)
        sample = np.asarray(X[:: max(1, len(X) // _OFFSET_SAMPLE_ROWS)], np.float64)
        n = max(len(sample), 1)
        mean = np.ones(len(sample)) @ sample / n  # (faster than .mean)
        flat = sample.ravel()
        level = float(mean @ mean)
        # einsum, not BLAS: OpenBLAS splits a dot product of this length
        # over its threads, which took 15 ms instead of 15 us on a machine
        # whose cores were busy (a loaded CI runner, a parallel search)
        spread = float(np.einsum("i,i->", flat, flat)) / n - level
    offset = None if level <= FAR_FROM_ORIGIN_RATIO * spread else mean
    if stats is not None:
        mean_square = spread
    elif offset is None:
        mean_square = spread + level
    else:
        # about the level, computed on the shifted rows (the cancelled
        # difference above is only good enough to decide on the shift)
        centered = (sample - offset).ravel()
        mean_square = float(np.einsum("i,i->", centered, centered)) / n
    low, high = _DISTANCE_SCALE_BOUNDS
    if mean_square == 0.0 or low <= mean_square <= high:
        return offset
    name = type(estimator).__name__
    finite = (
        np.isfinite(sample).all() if stats is None
        else all(np.isfinite(stats[k].numpy()).all() for k in ("min", "max"))
    )
    if not finite:
        # (reached with scikit-learn's assume_finite=True, which skips the
        # scan for them: it was reported as a float32 overflow; finite rows
        # past 1e154 overflow mean_square too, and are too large indeed)
        raise ValueError(
            f"Input X contains NaN or infinity, which {name} cannot take "
            "(scikit-learn's assume_finite=True skipped the check for them)."
        )
    what = "underflow to 0" if mean_square < low else "overflow float32"
    raise ValueError(
        f"{name} computes squared distances in float32, which {what} for "
        f"this X (root mean square norm of its rows {np.sqrt(mean_square):.2g}"
        + (" about their mean" if offset is not None else "")
        + "). Scale X first, for example with StandardScaler."
    )


def subtract_offset(X, offset, dtype=None):
    """``X - offset`` computed in float64, stored as ``dtype`` (``X``'s by
    default): the shift loses no digits before a float32 computation."""
    dtype = X.dtype if dtype is None else dtype
    return np.subtract(X, offset, out=np.empty(X.shape, dtype), casting="same_kind")


# Values per chunk of standardize_columns' float64 arithmetic
_STANDARDIZE_ELEMENTS = 1 << 18


def standardize_columns(X, mean, scale, dtype=None):
    """``(X - mean) / scale`` computed in float64, stored as ``dtype`` (``X``'s
    by default), row chunk by row chunk: the float64 temporaries of the
    whole array (two to four times a float32 input) are never held. A
    float32 result too large for float32 is refused (see
    :func:`check_float32_range`).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils.validation import standardize_columns
    >>> X = np.array([[1.0, 10.0], [3.0, 30.0]], dtype=np.float32)
    >>> standardize_columns(X, np.array([2.0, 20.0]), np.array([1.0, 10.0]))
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    """
    out = np.empty(X.shape, dtype=X.dtype if dtype is None else dtype)
    rows = max(1, _STANDARDIZE_ELEMENTS // max(int(np.prod(X.shape[1:])), 1))
    for start in range(0, len(X), rows):
        chunk = (X[start : start + rows] - mean) / scale
        with np.errstate(over="ignore"):
            out[start : start + rows] = chunk
        if out.dtype == np.float32 and np.isinf(out[start : start + rows]).any():
            check_float32_range(chunk)  # finite, too large for float32
    return out


def float_targets(y):
    """Regression targets ``y`` as float64, checked for NaN and infinity
    after the cast: scikit-learn's check comes before it, and an object y
    holding ``None`` (a pandas column with a missing value) passed it and
    became NaN (NEAT trained on nothing without a word, the networks blamed
    ``lr`` and ``X``).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils.validation import float_targets
    >>> float_targets(np.array([1, 2], dtype=object)).dtype
    dtype('float64')
    """
    y = np.asarray(y, dtype=np.float64)
    assert_all_finite(y, input_name="y")
    return y


def column_standardization(Y, weights=None, *, targets=False):
    """Mean and scale of each column of ``Y`` (n, n_columns): targets, or
    the features of estimators that standardize their input.

    Weighted by ``weights`` (an array of shape (n,) or None); NaN entries
    (padding steps of many-to-many targets) are left out. A constant column
    gets scale 1, also where rounding left it a variance of about
    ``(n eps mean)^2`` (scikit-learn's ``StandardScaler`` test: a feature
    constant at 0.1 got scale 4e-17, and a new value 1e-9 away became 2e7);
    a constant target column (``targets=True``) gets its magnitude
    ``|mean|`` where that is below 1 (else 1): with scale 1 the network's
    leftover output came back in y's absolute units (a target constant at
    1e-12 was predicted as 0.01), and with ``|mean|`` above 1 it grew with
    the level (0.18 became 1.8e3 at 1e4). Float64 arrays of shape
    (n_columns,).
    """
    # C order: numpy's column sums of a Fortran array (a DataFrame's values)
    # add in another order, and a model then differed in the last bits
    Y = np.asarray(Y, dtype=np.float64, order="C")
    missing = np.isnan(Y)
    # computed on Y over a power of two near each column's largest magnitude
    # (exact, so the statistics of ordinary columns are unchanged to the
    # bit): squares of values past 1e154 overflowed (the column read as
    # constant, scale 1, and its unscaled values became inf in float32)
    peak = np.nanmax(np.abs(Y), axis=0, initial=0.0) if Y.size else np.ones(Y.shape[1:])
    # (the exponent less one: 2**1024 overflows, for |y| from 2**1023 on,
    # and the statistics came out NaN)
    peak = np.ldexp(1.0, np.frexp(np.where(np.isfinite(peak), peak, 1.0))[1] - 1)
    Y = Y / peak
    if not missing.any():
        n = len(Y)
        if weights is None:
            mean, scale = Y.mean(axis=0), Y.std(axis=0)
        else:
            mean = np.average(Y, axis=0, weights=weights)
            scale = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=weights))
    else:
        n = (~missing).sum(axis=0)
        W = np.where(missing, 0.0, 1.0 if weights is None else weights[:, None])
        Y0 = np.where(missing, 0.0, Y)
        total = W.sum(axis=0)
        mean = (W * Y0).sum(axis=0) / total
        scale = np.sqrt((W * (Y0 - mean) ** 2).sum(axis=0) / total)
    eps = np.finfo(np.float64).eps
    var = scale**2
    constant = var <= n * eps * var + (n * mean * eps) ** 2
    mean, scale = mean * peak, scale * peak
    if targets:
        small = np.where(mean != 0, np.minimum(np.abs(mean), 1.0), 1.0)
        return mean, np.where(constant, small, scale)
    return mean, np.where(constant, 1.0, scale)


def plain_numbers(value):
    """``value`` with numpy scalars (also inside tuples and lists) as Python
    numbers: what a parameter grid of numpy arrays sets (``np.int64(8)``,
    ``np.True_``), as torch, gensim and optimizer state take them.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils.validation import plain_numbers
    >>> plain_numbers((np.int64(3), np.True_)), type(plain_numbers(np.float32(0.5)))
    ((3, True), <class 'float'>)
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return type(value)(plain_numbers(v) for v in value)
    return value
