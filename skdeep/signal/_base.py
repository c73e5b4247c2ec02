"""Shared input handling for the stateless signal transformers."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_array, validate_data

from skdeep.utils._input import refuse_sktime_panel_frames, series_arrays
from skdeep.utils._sklearn import _fit_context
from skdeep.utils.validation import check_float32_range

_FLOAT_DTYPES = [np.float64, np.float32]


class _BaseSignalTransformer(TransformerMixin, BaseEstimator):
    """Stateless transformer of series stored as ``(n, T)`` or ``(n, C, T)`` arrays.

    ``fit`` only validates ``X`` and records its shape (``n_features_in_``,
    ``n_channels_``, ``n_timepoints_``); ``transform`` works without ``fit``
    (``requires_fit=False``) but, after ``fit``, refuses series of another
    shape. Subclasses implement ``_check_params(n_timepoints)`` and
    ``_transform_3d(X)`` on a ``(n, C, T)`` array.
    """

    # What an sktime pipeline sees (skdeep.signal.SktimeAdapter): a table of
    # features ("Primitives") or series of the input's shape ("Series").
    _sktime_output = "Primitives"

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate ``X`` and record its shape; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints) or \
(n_samples, n_channels, n_timepoints)
            Series, one per row; 2-D input is univariate.

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The transformer, with ``n_features_in_``, ``n_channels_`` and
            ``n_timepoints_`` set.
        """
        X = self._validate(X, reset=True)
        self.n_channels_ = int(X.shape[1]) if X.ndim == 3 else 1
        self.n_timepoints_ = int(X.shape[-1])
        self._check_params(self.n_timepoints_)
        return self

    def transform(self, X):
        """Transform each series of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints) or \
(n_samples, n_channels, n_timepoints)
            After ``fit``, the same number of channels and time points as
            the data seen in ``fit``.

        Returns
        -------
        X_new : ndarray
            In the input's floating dtype (float32 stays float32).
        """
        fitted = hasattr(self, "n_timepoints_")
        X = self._validate(X, reset=False, fitted=fitted)
        if fitted:
            if (X.ndim == 3) != (self._fit_ndim == 3):
                raise ValueError(
                    f"X is {X.ndim}-D, but {type(self).__name__} was fitted on "
                    f"{self._fit_ndim}-D series."
                )
            if X.shape[-1] != self.n_timepoints_:
                raise ValueError(
                    f"X has series of length {X.shape[-1]}, but "
                    f"{type(self).__name__} was fitted on series of length "
                    f"{self.n_timepoints_}."
                )
        else:  # fit validates the parameters; without fit, here (a typo
            # such as threshold="bayse" silently ran the default)
            self._validate_params()
            self._check_params(X.shape[-1])
        X3 = X if X.ndim == 3 else X[:, None, :]
        if X.dtype == np.float32:
            # (overflow warnings would come before the error below)
            with np.errstate(over="ignore", invalid="ignore"):
                out = self._finish(self._transform_3d(X3), X)
        else:
            out = self._finish(self._transform_3d(X3), X)
        if X.dtype == np.float32 and not np.isfinite(out).all():
            # X is finite (validated): its powers and energies passed
            # float32's range (from values of about 1e19), which left inf
            # and NaN features without a word
            raise ValueError(
                f"{type(self).__name__}'s output for this float32 X overflows "
                f"float32 (largest magnitude in X {np.abs(X).max():.2g}: its "
                f"squares pass 3.4e+38). Pass X as float64 (the output is then "
                f"float64), or divide it by a constant first."
            )
        return out

    def _finish(self, Xt, X):
        """Shape the ``(n, C, ...)`` result of ``_transform_3d`` for output."""
        return Xt.reshape(X.shape[0], -1).astype(X.dtype, copy=False)

    def _validate(self, X, reset, fitted=True):
        refuse_sktime_panel_frames(X, type(self).__name__)
        # sktime's df-list (frames of time points x variables) as the other
        # families read it: a frame was read as (time points, channels)
        X = series_arrays(X)
        if isinstance(X, (list, tuple)):
            shapes = {np.shape(x) for x in X}
            if len(shapes) > 1:
                raise ValueError(
                    f"{type(self).__name__} needs series of one length and "
                    f"channel count; got a list of {len(X)} series of shapes "
                    f"{sorted(shapes)[:4]}{' ...' if len(shapes) > 4 else ''}. "
                    f"Pad, truncate or resample them to one length first (for "
                    f"example with sktime's PaddingTransformer)."
                )
        # One series is enough: nothing is learned, and transform takes one too.
        kwargs = {"ensure_min_features": 2} if reset else {}
        if fitted or reset:
            X = validate_data(
                self, X, dtype=_FLOAT_DTYPES, allow_nd=True, reset=reset, **kwargs
            )
        else:  # transform without fit: no fitted names or counts to check X
            # against (validate_data warned that X has feature names "but the
            # estimator was fitted without")
            X = check_array(X, dtype=_FLOAT_DTYPES, allow_nd=True)
        # powers and energies of larger values overflow to inf
        check_float32_range(X, estimator=self)
        if X.ndim > 3:
            raise ValueError(
                f"X must be 2-D (n_samples, n_timepoints) or 3-D (n_samples, "
                f"n_channels, n_timepoints); got shape {X.shape}."
            )
        if X.shape[-1] < 2:
            raise ValueError(
                f"Series need at least 2 time points; got shape {X.shape}."
            )
        if reset:
            self._fit_ndim = X.ndim
        return X

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in ``fit``; output names are
            built from channels, bands and statistics, not from time points.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        if not hasattr(self, "n_timepoints_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: call "
                f"'fit' so that it knows the series' shape."
            )
        self._check_input_features(input_features)
        names = self._feature_names(self.n_timepoints_)
        if self._fit_ndim == 3:
            names = [f"c{c}_{name}" for c in range(self.n_channels_) for name in names]
        return np.asarray(names, dtype=object)

    def _check_input_features(self, input_features):
        if input_features is None:
            return
        input_features = np.asarray(input_features, dtype=object)
        names_in = getattr(self, "feature_names_in_", None)
        if names_in is not None and not np.array_equal(names_in, input_features):
            raise ValueError("input_features is not equal to feature_names_in_")
        if len(input_features) != self.n_features_in_:
            raise ValueError(
                f"input_features should have length equal to number of features "
                f"({self.n_features_in_}), got {len(input_features)}"
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def check_statistics(statistics, allowed, name="statistics"):
    """Resolve ``"all"`` or a list of statistic names into a tuple (a set's
    names in ``allowed``'s order)."""
    if isinstance(statistics, str):
        if statistics == "all":
            return tuple(allowed)
        statistics = (statistics,)
    if isinstance(statistics, (set, frozenset)):
        # (a set's own order changes with the hash seed, from process to
        # process and across a pickle: the output columns came permuted,
        # and a fitted pipeline predicted from the wrong ones)
        statistics = [s for s in allowed if s in statistics] + sorted(
            (s for s in statistics if s not in allowed), key=repr
        )
    statistics = tuple(statistics)
    unknown = [s for s in statistics if s not in allowed]
    if unknown or not statistics or len(set(statistics)) != len(statistics):
        raise ValueError(
            f"The '{name}' parameter must be 'all' or a non-empty list of distinct "
            f"names among {list(allowed)}; got {statistics!r}."
        )
    return statistics
