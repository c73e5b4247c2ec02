"""Input helpers shared by the time-series families (recurrent, convolutional).

Series of different lengths reach the estimators either NaN-padded at the end
or as a list of arrays; these helpers turn the list into one padded array and
check that NaN is only ever trailing padding of whole time steps.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral

import numpy as np

from skdeep.utils._sklearn import external_stacklevel


def series_arrays(X):
    """A list of pandas series read in skdeep's series layout, ``X`` itself
    otherwise.

    Each ``pandas.Series`` becomes its values, each ``pandas.DataFrame``
    (an item of sktime's ``df-list`` panels: time points as rows, variables
    as columns) its ``(n_channels, n_timepoints)`` transpose. Lists of
    frames were read as ``(n_timepoints, n_channels)`` arrays: a univariate
    panel became as many channels of one time point as it has time points.

    Examples
    --------
    >>> import pandas as pd
    >>> from skdeep.utils._input import series_arrays
    >>> frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})
    >>> series_arrays([frame])[0]
    array([[1., 2., 3.],
           [4., 5., 6.]])
    """
    if not isinstance(X, (list, tuple)) or not any(_is_pandas(x) for x in X):
        return X
    return [
        (x.to_numpy().T if getattr(x, "ndim", 1) == 2 else x.to_numpy())
        if _is_pandas(x) else x
        for x in X
    ]


def _is_pandas(x):
    """A pandas Series or DataFrame (pandas need not be installed)."""
    return type(x).__module__.startswith("pandas") and hasattr(x, "to_numpy")


def refuse_sktime_panel_frames(X, estimator_name="The estimator", what="X",
                               layout=None):
    """A clear error for sktime's pandas panels (``nested_univ``, whose cells
    hold series, and ``pd-multiindex``, one row per instance and time point):
    read as tables, they gave numpy's "setting an array element with a
    sequence", a count of rows for labels, or, for a multivariate
    ``pd-multiindex`` panel, one "series" of channel values per time point,
    silently. ``layout``: the shape the estimator takes, where it is not
    sktime's ``numpy3D`` (the message then names no conversion)."""
    if not _is_pandas(X) or getattr(X, "ndim", 1) != 2:
        return
    if X.index.nlevels > 1:
        kind = "a pd-multiindex panel (rows of instances and time points)"
    elif X.size and any(_is_pandas(value) for value in X.iloc[0]):
        kind = "a nested_univ panel (cells holding series)"
    else:
        return
    if layout is not None:
        raise ValueError(f"{what} is {kind}; {estimator_name} takes arrays of "
                         f"shape {layout}.")
    raise ValueError(
        f"{what} is {kind}; {estimator_name} takes arrays of shape "
        f"(n_instances, n_channels, n_timepoints). Convert it with sktime's "
        f"convert_to({what}, 'numpy3D') (or 'df-list' for series of different "
        f"lengths), load it with return_type='numpy3D', or use "
        f"skdeep.signal.SktimeAdapter for sktime pipelines."
    )


def pad_ragged_series(X, *, max_length=None, estimator_name="The estimator"):
    """Turn a list of series of different lengths into one NaN-padded array.

    Parameters
    ----------
    X : object
        Training or test input. Only a list (or tuple) of series of different
        lengths is changed, each series of shape ``(n_timepoints_i,)`` or
        ``(n_channels, n_timepoints_i)``; anything else (arrays, lists of
        equal-length rows, data that is not numeric) is returned as is, for
        scikit-learn's validation to judge.

    max_length : int or None, default=None
        Length to pad a list of 1-D series to: the fitted number of time
        points at ``predict``, because 2-D input has ``n_features_in_ =
        n_timepoints`` fixed, as scikit-learn requires. ``None`` (at ``fit``)
        pads to the longest series. Lists of 2-D series are always padded to
        their longest series, since 3-D input may have any length.

    estimator_name : str, default="The estimator"
        Name used in the error messages.

    Returns
    -------
    X : ndarray of shape (n_samples, T) or (n_samples, n_channels, T), or ``X``
        The padded array (NaN after each series' end), or ``X`` unchanged.

    Raises
    ------
    ValueError
        If the list mixes 1-D and 2-D series, if the 2-D series have different
        numbers of channels, or if a 1-D series is longer than ``max_length``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils._input import pad_ragged_series
    >>> pad_ragged_series([np.array([1.0, 2.0]), np.array([3.0])])
    array([[ 1.,  2.],
           [ 3., nan]])
    """
    refuse_sktime_panel_frames(X, estimator_name)
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return X
    X = series_arrays(X)
    try:
        arrays = [np.asarray(x, dtype=np.float64) for x in X]
    except (TypeError, ValueError):
        return X
    ndims = {a.ndim for a in arrays}
    lengths = [a.shape[-1] if a.ndim else 0 for a in arrays]
    if not ndims <= {1, 2}:
        return X
    # checked before "nothing ragged" below: series of one length but mixed
    # dimensions or channel counts gave numpy's "inhomogeneous shape"
    if len(ndims) != 1:
        raise ValueError(
            "A list of series must hold either 1-D series (n_timepoints,) or "
            "2-D series (n_channels, n_timepoints), not both."
        )
    channels = {a.shape[0] for a in arrays} if ndims == {2} else {None}
    if len(channels) != 1:
        counts = ", ".join(map(str, sorted(channels)[:4]))
        raise ValueError(
            f"The series in the list have different numbers of channels: "
            f"{counts}{', ...' if len(channels) > 4 else ''}. 2-D series are "
            f"(n_channels, n_timepoints), "
            f"time last: transpose series of shape (n_timepoints, n_channels)."
        )
    if len(set(lengths)) == 1 and (
        max_length is None or ndims != {1} or lengths[0] == max_length
    ):
        return X  # (1-D series of one length below max_length are padded)
    # 3-D input may have any length at predict; 2-D input has
    # n_features_in_ = n_timepoints fixed, as scikit-learn requires.
    T = max(lengths) if max_length is None or ndims == {2} else max_length
    if max(lengths) > T:
        raise ValueError(
            f"A series has {max(lengths)} time points, but "
            f"{estimator_name} was fitted on series of at most {T}."
        )
    shape = (len(arrays), T) if ndims == {1} else (len(arrays), *channels, T)
    out = np.full(shape, np.nan)
    for i, a in enumerate(arrays):
        out[i, ..., : a.shape[-1]] = a
    return out


def check_trailing_nan_padding(X3):
    """Raise a clear ValueError unless every NaN in ``X3`` is trailing padding.

    A time step is padding when all its channels are NaN; padding may only
    follow a series' last observed step, and every series needs at least one
    observed step.

    Parameters
    ----------
    X3 : ndarray of shape (n_samples, n_channels, n_timepoints)
        Validated float input.

    Raises
    ------
    ValueError
        Naming the first sample (and time step) where NaN is not trailing
        padding of whole time steps.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils._input import check_trailing_nan_padding
    >>> check_trailing_nan_padding(np.array([[[1.0, 2.0, np.nan]]]))  # fine
    >>> check_trailing_nan_padding(np.array([[[1.0, np.nan, 2.0]]]))
    Traceback (most recent call last):
    ...
    ValueError: Input contains NaN inside sample 0 (time step 1 is NaN but a later \
step is not). NaN is only allowed as trailing padding of variable-length series; \
impute missing values first.
    """
    nan = np.isnan(X3)
    if not nan.any():
        return
    padding = nan.all(axis=1)  # (n, T)
    partial = nan.any(axis=1) & ~padding
    if partial.any():
        i, t = np.argwhere(partial)[0]
        raise ValueError(
            f"Input contains NaN in some channels but not all at sample {i}, time "
            f"step {t}. NaN is only allowed as trailing padding of whole time "
            f"steps (all channels NaN)."
        )
    inner = padding[:, :-1] & ~padding[:, 1:]
    if inner.any():
        i, t = np.argwhere(inner)[0]
        raise ValueError(
            f"Input contains NaN inside sample {i} (time step {t} is NaN but a "
            f"later step is not). NaN is only allowed as trailing padding of "
            f"variable-length series; impute missing values first."
        )
    empty = padding.all(axis=1)
    if empty.any():
        raise ValueError(
            f"Input contains NaN only for sample {np.flatnonzero(empty)[0]}: every "
            f"series needs at least one observed time step."
        )


def read_input_shape(input_shape, n_features, *, ndims=(2, 3)):
    """The per-sample shape that an ``input_shape`` parameter gives flat rows.

    Parameters
    ----------
    input_shape : array-like of int
        ``(C, T)`` (series) or ``(C, H, W)`` (images), as allowed by ``ndims``.
    n_features : int
        Values per flat row; their product must equal it.
    ndims : tuple of int, default=(2, 3)
        Allowed lengths of ``input_shape``.

    Returns
    -------
    shape : tuple of int

    Examples
    --------
    >>> from skdeep.utils._input import read_input_shape
    >>> read_input_shape([1, 28, 28], 784)
    (1, 28, 28)
    """
    # (int() of a float cut 2.9 to 2 silently: a shape of another product
    # of the same row count was learned)
    if any(isinstance(s, (bool, np.bool_)) or not isinstance(s, Integral)
           for s in input_shape):
        raise ValueError(
            f"input_shape must hold integers; got {input_shape!r}."
        )
    shape = tuple(int(s) for s in input_shape)
    if len(shape) not in ndims or min(shape) < 1:
        kinds = {2: "(C, T) for series", 3: "(C, H, W) for images"}
        raise ValueError(
            f"input_shape must be {' or '.join(kinds[n] for n in ndims)}; got "
            f"{input_shape!r}."
        )
    if int(np.prod(shape)) != n_features:
        raise ValueError(
            f"input_shape={shape} holds {int(np.prod(shape))} values, but X has "
            f"{n_features} features per row."
        )
    return shape


def prepare_conv_input(X, estimator, *, reset, grayscale, ragged=False,
                       max_length=None):
    """Shape checks of image/series input that come before ``validate_data``.

    Checks that ``X`` has the ndim seen in ``fit`` (``estimator.input_ndim_``),
    refuses ``input_shape`` for input that is not flat, turns grayscale images
    ``(n, H, W)`` into ``(n, 1, H, W)`` when ``grayscale`` (so that
    scikit-learn counts one feature, the channel), and checks the channel
    count against ``estimator.input_shape_[0]``. With ``ragged``, a list of
    series of different lengths is first padded by :func:`pad_ragged_series`
    (to ``max_length``).

    Returns
    -------
    X : array-like
        ``X``, with the channel axis added where it applies.
    ndim : int or None
        The ndim ``X`` was given with (None for input without one).
    """
    name = type(estimator).__name__
    if ragged:  # (which refuses sktime's panel frames too)
        X = pad_ragged_series(X, max_length=max_length, estimator_name=name)
    else:
        refuse_sktime_panel_frames(X, name)
    if getattr(X, "ndim", None) is None and isinstance(X, (list, tuple)):
        # nested lists are read as their array (grayscale images given as
        # lists lost their channel axis and were read as H channels)
        X = series_arrays(X)
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            pass  # ragged or not numbers: validate_data's message follows
    ndim = getattr(X, "ndim", None)
    if not reset and ndim is not None and ndim >= 2 and ndim != estimator.input_ndim_:
        raise ValueError(
            f"{name} was fitted on {estimator.input_ndim_}-D input but X is "
            f"{ndim}-D with shape {X.shape}."
        )
    if reset and ndim is not None and ndim > 2 and estimator.input_shape is not None:
        raise ValueError(
            f"input_shape is for flat rows (n_samples, n_features); X already has "
            f"shape {X.shape}. Drop input_shape or flatten X."
        )
    if reset:
        warn_if_channels_last(X, name)
    if ndim == 3 and grayscale:
        X = np.asarray(X)[:, None]
    if not reset and ndim in (3, 4) and X.shape[1] != estimator.input_shape_[0]:
        raise ValueError(
            f"X has {X.shape[1]} channels, but {name} was fitted on "
            f"{estimator.input_shape_[0]} channels."
        )
    return X, ndim


def warn_if_channels_last(X, estimator_name="The estimator"):
    """Warn when 4-D ``X`` looks like channels-last images ``(n, H, W, C)``
    with 1, 3 or 4 channels: skdeep reads ``(n, C, H, W)``, so such images
    were trained on as H channels of W x C images, without a word.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skdeep.utils._input import warn_if_channels_last
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_channels_last(np.zeros((2, 16, 16, 3)))
    ...     warn_if_channels_last(np.zeros((2, 3, 16, 16)))
    >>> len(caught)
    1
    """
    shape = getattr(X, "shape", ())
    if len(shape) == 4 and shape[-1] in (1, 3, 4) and min(shape[1], shape[2]) >= 5:
        warnings.warn(
            f"{estimator_name} reads images as (n_samples, channels, height, "
            f"width); X has shape {tuple(shape)}, which looks channels-last "
            f"({shape[-1]} channels). If it is, pass X.transpose(0, 3, 1, 2).",
            UserWarning, stacklevel=external_stacklevel(),
        )


def conv_data_shape(X, input_shape=None, conv_dims="auto"):
    """How an image or series estimator reads a validated array at fit time.

    Parameters
    ----------
    X : ndarray
        2-D flat rows (a series of one channel, or images or series laid out
        by ``input_shape``), 3-D ``(n, C, T)`` series (``(n, H, W)`` grayscale
        images with ``conv_dims=2``) or 4-D ``(n, C, H, W)`` images.
    input_shape : array-like of int or None
        The per-sample shape of flat rows, see :func:`read_input_shape`.
    conv_dims : {"auto", 1, 2}
        Force series (1) or images (2); ``"auto"`` decides from the shape.

    Returns
    -------
    n_dims : {1, 2}
        Spatial dimensions of a sample.
    shape : tuple of int
        ``(C, *spatial)`` of a sample.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils._input import conv_data_shape
    >>> conv_data_shape(np.zeros((5, 784)), input_shape=(1, 28, 28))
    (2, (1, 28, 28))
    >>> conv_data_shape(np.zeros((5, 3, 100)))
    (1, (3, 100))
    """
    if X.ndim == 2:
        if input_shape is not None:
            shape = read_input_shape(input_shape, X.shape[1])
            n_dims = len(shape) - 1
            if conv_dims != "auto" and conv_dims != n_dims:
                raise ValueError(
                    f"conv_dims={conv_dims} contradicts input_shape={shape}."
                )
            return n_dims, shape
        if conv_dims == 2:
            raise ValueError(
                "Flat rows with conv_dims=2 need input_shape=(C, H, W) to be "
                "read as images."
            )
        return 1, (1, X.shape[1])
    if X.ndim == 3:
        if conv_dims == 2:
            return 2, (1, *X.shape[1:])
        return 1, tuple(X.shape[1:])
    if X.ndim == 4:
        if conv_dims == 1:
            raise ValueError(
                f"conv_dims=1 (series) but X is 4-D with shape {X.shape}; "
                f"series are (n_samples, n_channels, n_timepoints)."
            )
        return 2, tuple(X.shape[1:])
    raise ValueError(
        f"Expected images (n_samples, C, H, W) or (n_samples, H, W), series "
        f"(n_samples, C, T) or (n_samples, T), or flat rows with input_shape; "
        f"got an array with shape {X.shape}."
    )
