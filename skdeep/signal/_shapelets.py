"""Learned shapelets (Grabocka et al., KDD 2014): a transformer and a classifier."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from skdeep.signal._shapelet_modules import LearningShapelets
from skdeep.utils._input import check_trailing_nan_padding, pad_ragged_series
from skdeep.utils._losses import ClassificationLoss
from skdeep.utils._mixins import LogProbaMixin
from skdeep.utils._sklearn import Interval, RealNotInt, StrOptions, _fit_context
from skdeep.utils._torch import as_float32_tensor, seeded
from skdeep.utils._training import (
    CLASS_WEIGHT_CONSTRAINT,
    CLASS_WEIGHT_DOC,
    SAMPLE_WEIGHT_EQUIVALENCE_XFAIL,
    SAMPLE_WEIGHT_FIT_DOC,
    BaseTorchEstimator,
    encode_classes,
    store_init_params,
    training_parameters_doc,
    validate_sample_weight,
)

#: Values (channels x time steps, after PAA) of the series in one inference
#: call, at most (see ``_BaseShapelets._max_inference_rows``).
INFERENCE_VALUES = 1 << 20

_SHAPELET_PARAMETERS_DOC = """\
    n_shapelets : int, default=20
        Shapelets learned per length (the output has ``n_shapelets`` columns
        per distinct length). The defaults of ``n_shapelets`` and
        ``max_timepoints`` were chosen by the protocol in
        ``benchmarks/signal.py`` (parts ``shapelet_defaults`` and
        ``shapelet_defaults2``) on generated series and on validation parts
        of training splits.

    shapelet_lengths : int, float or sequence of int and float, \
default=(0.1, 0.2, 0.3)
        The shapelet lengths, several scales at once. An int is a length in
        time steps; a float in ``(0, 1]`` is a fraction of the *shortest*
        training series (its observed steps, padding excluded), rounded,
        at least 1. Lengths that coincide after rounding are merged. A
        length longer than the shortest training series is an error.

    alpha : float, default=100.0
        Sharpness of the soft minimum over positions, ``M = sum_p d_p
        exp(-alpha d_p) / sum_p exp(-alpha d_p)`` (Grabocka et al. write it
        with a negative ``alpha``). It tends to the exact minimum as
        ``alpha`` grows. The distances ``d_p`` are
        mean squared differences per value, so ``alpha`` is in the units of
        the squared data: standardise the series first. Values beyond
        ``[1e-30, 1e30]`` act as those bounds (the mean, resp. the minimum,
        to float rounding).

    inference_min : {{"soft", "exact"}}, default="soft"
        The minimum used by ``transform``{predict}: the soft minimum
        (the quantity training optimises) or the exact minimum over positions.
        :meth:`best_match_positions` always takes the exact minimum. Read
        at each call: set on a fitted model, it applies without a refit.

    max_timepoints : int, "auto" or None, default="auto"
        Longest series, in time steps, that the shapelets are learned on.
        When the training array has more time steps (padding included),
        every series (in ``fit`` and after) is first shortened by piecewise
        aggregate approximation (PAA): the means of consecutive blocks of
        ``paa_factor_ = ceil(n_timepoints_ / max_timepoints)`` steps. The
        cost of an epoch falls about as ``paa_factor_ ** 2`` (fewer
        positions, shorter shapelets). Shapelets, fractional lengths and
        distances are then in the shortened time axis;
        ``shapelet_lengths_`` and :meth:`best_match_positions` are given
        back in the original steps. None: never shortened. ``"auto"``: the
        block length is read off the training series' spectrum, the largest
        ``f`` (keeping at least 64 blocks of the shortest series) for which
        at most 1% of the spectral energy (per series and channel, mean
        removed, averaged) lies above the blocks' Nyquist frequency
        ``1 / (2 f)`` cycles per step, so that oscillations the blocks would
        average away keep the series at full resolution.

    n_init_segments : int, default=10000
        Windows drawn at random (seeded by ``random_state``) per length for
        the k-means initialisation; all windows when there are fewer.

    l2 : float, default=0.01
        Weight of the penalty ``l2 * ||W||^2`` on the linear head's weights
        (not its bias), added to the mean cross-entropy (the ``lambda_W`` of
        Grabocka et al.). It is applied as weight decay ``2 * l2`` of those
        weights, which is exactly this penalty for the ``"adam"``, ``"sgd"``
        and ``"rmsprop"`` optimizers (``"adamw"`` decouples it)."""

_INPUT_DOC = """\
    Input is series ``(n_samples, n_channels, n_timepoints)`` (sktime's
    numpy3D order) or ``(n_samples, n_timepoints)`` (univariate). Series of
    different lengths are given NaN-padded at the end (a time step is padding
    when all its channels are NaN) or as a list of arrays, as for
    :class:`~skdeep.recurrent.RNNClassifier`; a window that reaches into the
    padding is never a match. Each shapelet spans all channels: its distance to
    a window is the mean, over channels and steps, of the squared differences.
    After ``fit`` on 3-D input, series of any length (at least the longest
    shapelet) are accepted; 2-D input keeps the fitted number of columns."""

_ATTRIBUTES_DOC = """\
    shapelets_ : list of ndarray of shape (n_channels_, length)
        The shapelets, in the order of the output columns (``length`` is
        ``shapelet_lengths_ / paa_factor_`` values, one per PAA block).

    shapelet_lengths_ : ndarray of shape (n_shapelets_,)
        The length of each shapelet (column), in time steps of the input.

    paa_factor_ : int
        Steps averaged into one by the PAA (1: series not shortened; see
        ``max_timepoints``).

    n_shapelets_ : int
        Number of shapelets (output columns).

    n_features_in_ : int
        ``n_timepoints`` for 2-D input, ``n_channels`` for 3-D input.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    input_ndim_ : int
        2 or 3, the dimensionality of ``X`` seen in ``fit``.

    n_channels_ : int
        Channels of the training series (1 for 2-D input).

    n_timepoints_ : int
        Time steps of the training array (padding included).

    net_ : skorch.NeuralNet
        The skorch net; ``net_.module_`` is the torch module
        (:class:`~skdeep.signal._shapelet_modules.LearningShapelets`).

    history_ : skorch.History
        Per-epoch training record (empty without gradient training).

    loss_curve_ : list of float
        Mean training loss of each epoch.

    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.

    n_iter_ : int
        Number of epochs run (0 without gradient training)."""

_REFERENCES_DOC = """\
    J. Grabocka, N. Schilling, M. Wistuba and L. Schmidt-Thieme, "Learning
    time-series shapelets", Proceedings of the 20th ACM SIGKDD International
    Conference on Knowledge Discovery and Data Mining (KDD), 2014,
    :doi:`10.1145/2623330.2623613`."""

_ALGORITHM_DOC = """\
    **Initialisation.** For each length, ``n_init_segments`` windows of the
    training series are drawn at random and the shapelets start at their
    ``n_shapelets`` k-means centroids (one k-means run, seeded).

    **Supervised training** (the LTS objective). The soft-minimum distances
    of each series to all shapelets feed a linear head; shapelets, head
    weights and bias are trained jointly by minibatch gradient descent on
    the cross-entropy plus ``l2 * ||W||^2``. Grabocka et al. train one
    logistic model per class (one-vs-all); here the head is a multinomial
    softmax, which is the same for two classes.

    **Distance computation.** All series, shapelets of a length and
    positions are compared in one batched computation (``||x - s||^2 =
    ||x||^2 - 2 x.s + ||s||^2``, the windowed ``||x||^2`` from a cumulative
    sum, the products ``x.s`` from ``conv1d`` or, for long shapelets, an FFT
    cross-correlation chosen by a cost rule; a loop runs only over the
    distinct lengths), in chunks so that memory stays bounded on long
    series; chunks are combined exactly. The soft minimum and its gradient
    are one hand-written autograd function (equal to the plain torch
    expression up to float rounding)."""


def _resolve_lengths(spec, min_length, factor=1, min_steps=None):
    """Distinct shapelet lengths (sorted, in PAA blocks of ``factor`` steps)
    from ``shapelet_lengths``; ``min_length`` is in blocks too, ``min_steps``
    the same series' observed steps (default ``min_length * factor``)."""
    if min_steps is None:
        min_steps = min_length * factor
    values = [spec] if isinstance(spec, Real) else list(spec)
    if not values:
        raise ValueError("The 'shapelet_lengths' parameter must not be empty.")
    lengths = []
    for value in values:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
            length = None
        elif isinstance(value, Integral):
            # steps of the input, as close as the blocks allow
            length = max(1, int(round(int(value) / factor))) if value >= 1 else None
        elif 0 < value <= 1:
            length = max(1, int(round(float(value) * min_length)))
        else:
            length = None
        if length is None:
            raise ValueError(
                f"The 'shapelet_lengths' parameter must hold ints >= 1 (lengths) "
                f"and floats in (0, 1] (fractions of the shortest series); got "
                f"{value!r} in {spec!r}."
            )
        # an int in steps (rounding to blocks let up to factor / 2 more
        # steps through), a fraction in blocks
        if length > min_length or (isinstance(value, Integral) and value > min_steps):
            raise ValueError(
                f"shapelet length {length * factor} (from shapelet_lengths entry "
                f"{value!r}) is longer than the shortest training series, which "
                f"has {min_steps} observed time steps"
                + (f" ({min_length} PAA blocks of {factor})" if factor > 1 else "")
                + ". Use shorter shapelets or fractions of the series length."
            )
        lengths.append(length)
    return sorted(set(lengths))


def _weighted_level(X3, weights):
    """Each channel's mean over the series' observed steps, the series
    weighted by ``weights`` (or equally), rounded to the float32 the module
    keeps so that fit and inference shift by the same value."""
    # (float64 sums, whatever X's dtype: float32 sums of float32 series
    # fitted another model than float64 ones of equal values)
    if weights is None:
        level = np.nanmean(X3, axis=(0, 2), dtype=np.float64)
    else:
        observed = ~np.isnan(X3)
        sums = np.where(observed, X3, 0.0).sum(axis=2, dtype=np.float64)
        level = (weights @ sums) / (weights @ observed.sum(axis=2))
    return level.astype(np.float32).astype(np.float64)


def _paa(X3, lengths, factor):
    """Means of consecutive blocks of ``factor`` steps (NaN padding stays NaN).

    A block that holds the last observed steps of a series and padding is the
    mean of its observed steps; the shortened series has ``ceil(length /
    factor)`` observed blocks.
    """
    n, C, T = X3.shape
    blocks = -(-T // factor)
    out = np.full((n, C, blocks), np.nan, dtype=X3.dtype)
    # In blocks of rows (each row's means alone): the padded copy, its mask
    # and the masked copy of the whole input held 2.3 times its size (171 MB
    # on top of 76 MB of float32 series at inference)
    rows = max(1, _PAA_BLOCK_VALUES // max(1, C * blocks * factor))
    for start in range(0, n, rows):
        part = X3[start : start + rows]
        padded = np.full((len(part), C, blocks * factor), np.nan, dtype=X3.dtype)
        padded[..., :T] = part
        # np.nanmean's sum and division, without its all-NaN warning (silencing
        # it would change the process's warning filters, which threads share)
        padded = padded.reshape(len(part), C, blocks, factor)
        observed = ~np.isnan(padded)
        counts = observed.sum(-1)
        np.divide(np.where(observed, padded, 0).sum(-1), counts,
                  out=out[start : start + rows], where=counts > 0)
    return out, -(-lengths // factor)


_PAA_BLOCK_VALUES = 1 << 20


def _spectral_paa_factor(X3, lengths, tol=0.01, min_blocks=64):
    """PAA factor for ``max_timepoints="auto"``: the largest ``f`` in
    ``1 .. max(1, min(lengths) // min_blocks)`` such that, averaged over the
    series and channels, at most ``tol`` of the spectral energy lies above the
    blocks' Nyquist frequency ``1 / (2 f)`` cycles per step.

    Each series' observed steps, mean removed, give the energies
    ``|rfft|^2`` without the zero frequency, normalised to sum 1 (a constant
    series counts as having none above any cut-off).
    """
    f_max = max(1, int(lengths.min()) // min_blocks)
    if f_max == 1:
        return 1
    factors = np.arange(1, f_max + 1)
    above = np.zeros(f_max)  # summed fractions above each cut-off
    count = 0
    for m in np.unique(lengths):  # one FFT per distinct length
        m = int(m)
        x = X3[lengths == m, :, :m].reshape(-1, m)
        x = x - x.mean(axis=1, keepdims=True)
        power = np.abs(np.fft.rfft(x, axis=1)[:, 1:]) ** 2  # frequencies k / m
        total = power.sum(axis=1, keepdims=True)
        cum = np.cumsum(power, axis=1) / np.where(total > 0, total, 1.0)
        cum[total[:, 0] == 0] = 1.0
        # energy above 1/(2f): beyond the first floor(m / (2f)) frequencies
        k_cut = np.minimum(m // (2 * factors), cum.shape[1])
        below = np.where(k_cut > 0, cum[:, np.maximum(k_cut - 1, 0)], 0.0)
        above += (1.0 - below).sum(axis=0)
        count += len(x)
    ok = factors[above / count <= tol]
    return int(ok.max()) if ok.size else 1


class _BaseShapelets(TransformerMixin, BaseTorchEstimator):
    """Input handling, initialisation, the torch road and inference shared by
    the shapelet estimators; ``transform`` gives the shapelet distances."""

    # SktimeAdapter fits these once on the training panel (they learn)
    _sktime_stateful = True

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_shapelets": [Interval(Integral, 1, None, closed="left")],
        "shapelet_lengths": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
            tuple,
            list,
        ],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "max_timepoints": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "inference_min": [StrOptions({"soft", "exact"})],
        "n_init_segments": [Interval(Integral, 1, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
    }

    # ------------------------------------------------------------------ input
    def _validate_X(self, X, y=None, *, reset, with_y=False, rows=None):
        """Validate; return ``(X3, y, lengths)``: ``(n, C, T)`` floats, the
        labels (when ``with_y``) and each series' observed steps. ``rows``
        (a mask, at fit): the series whose PAA factor and shortest length
        count (those of positive weight)."""
        name = type(self).__name__
        fitted_2d = not reset and self.input_ndim_ == 2
        X = pad_ragged_series(
            X, max_length=self.n_timepoints_ if fitted_2d else None, estimator_name=name
        )
        ndim = getattr(X, "ndim", None)
        if not reset:
            self._check_shape(X, ndim)
        kwargs = dict(
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
            allow_nd=True,
            reset=reset,
        )
        if reset:
            kwargs["ensure_min_samples"] = 2
        if with_y:
            X, y = validate_data(self, X, y, **kwargs)
        else:
            X = validate_data(self, X, **kwargs)
        if X.ndim not in (2, 3):
            raise ValueError(
                f"{name} takes series of shape (n_samples, n_timepoints) or "
                f"(n_samples, n_channels, n_timepoints); got an array of shape "
                f"{X.shape}."
            )
        if not reset:
            self._check_shape(X, X.ndim)
        X3 = X[:, None, :] if X.ndim == 2 else X
        if reset:
            self.input_ndim_ = X.ndim
            self.n_channels_ = int(X3.shape[1])
            self.n_timepoints_ = int(X3.shape[2])
        nan = np.isnan(X3)
        if nan.any():
            check_trailing_nan_padding(X3)
            lengths = (~nan.all(axis=1)).sum(axis=1)
        else:
            lengths = np.full(len(X3), X3.shape[2])
        counted = slice(None) if rows is None else rows
        if reset:
            limit = self.max_timepoints
            if limit == "auto":
                self.paa_factor_ = _spectral_paa_factor(X3[counted], lengths[counted])
            else:
                self.paa_factor_ = (
                    1 if limit is None or self.n_timepoints_ <= limit
                    else -(-self.n_timepoints_ // limit)
                )
        self._check_magnitude(X3, lengths)
        factor = self.paa_factor_
        if reset:  # in steps: an int shapelet length is checked against it
            self._shortest_steps = int(lengths[counted].min())
        if factor > 1:
            X3, lengths = _paa(X3, lengths, factor)
        if not reset:
            longest = int(self.shapelet_lengths_.max()) // factor
            if lengths.min() < longest:
                i = int(np.argmin(lengths))
                raise ValueError(
                    f"Series {i} has {lengths[i] * factor} observed time steps"
                    + (f" after PAA in blocks of {factor}" if factor > 1 else "")
                    + f", fewer than the longest shapelet ({longest * factor}); "
                    f"{name} needs series at least as long as its shapelets."
                )
        return X3, y, lengths

    def _check_magnitude(self, X3, lengths):
        """Refuse values whose window norms overflow float32.

        Distances are computed as ``|x|^2 - 2 x.s + |s|^2`` over windows, in
        float32: values of about 1e19 (valid float32 numbers) made them inf,
        and the features NaN, without a word. The bound takes, for each
        series, a window as long as its observed steps (``lengths``; not the
        padded width, which depends on the other series given with it) and
        shapelets as large as its values.
        """
        if not X3.size:
            return
        # (fmax/fmin skip the NaN padding, and need no |X| copy of the data)
        largest = np.maximum(np.fmax.reduce(X3, axis=(1, 2)),
                             -np.fmin.reduce(X3, axis=(1, 2)))
        limits = np.sqrt(np.finfo(np.float32).max
                         / (4.0 * X3.shape[1] * np.maximum(lengths, 1)))
        over = np.flatnonzero(largest > limits)
        if over.size:
            i = over[0]
            raise ValueError(
                f"{type(self).__name__} computes squared distances in float32, and "
                f"values as large as {largest[i]:.3g} can overflow them for a "
                f"series of {X3.shape[1]} channel(s) x {int(lengths[i])} steps "
                f"(series {i}; largest allowed magnitude {limits[i]:.3g}). "
                f"Divide X by a constant first."
            )

    def _check_shape(self, X, ndim):
        name = type(self).__name__
        if ndim in (2, 3) and ndim != self.input_ndim_:
            raise ValueError(
                f"{name} was fitted on {self.input_ndim_}-D input but X is "
                f"{ndim}-D with shape {X.shape}."
            )
        if ndim == 3 and X.shape[1] != self.n_channels_:
            raise ValueError(
                f"X has {X.shape[1]} channels, but {name} was fitted on series "
                f"with {self.n_channels_} channels."
            )

    def _validate_classes(self, y, sample_weight):
        """Encode the labels; refuse too few classes or series per class."""
        codes = encode_classes(self, y, sample_weight)
        n, n_classes = len(codes), len(self.classes_)
        name = type(self).__name__
        if n_classes < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes to learn shapelets "
                f"with labels; got 1 class."
            )
        if n < 2 * n_classes:
            raise ValueError(
                f"{name} needs at least twice as many series as classes to learn "
                f"shapelets with labels; got {n} series for {n_classes} classes."
            )
        if sample_weight is not None:
            weighted = np.bincount(
                codes, weights=sample_weight.double().cpu().numpy(), minlength=n_classes
            )
            if (weighted > 0).sum() < 2:
                raise ValueError(
                    f"{name} needs at least 2 classes with positive sample_weight; "
                    f"only 1 class has weight left."
                )
        return codes

    # ------------------------------------------------------------- the model
    def _init_shapelets(self, X3, lengths, rng, weights=None):
        """k-means centroids of random windows, one ``(K, C, L)`` block per
        length; each window weighs as its series (``weights``, or 1)."""
        blocks = []
        for L in self._lengths:
            counts = lengths - L + 1  # windows inside each series' observed part
            total = int(counts.sum())
            k = self.n_shapelets
            if total < k:
                raise ValueError(
                    f"n_shapelets={k}, but the training series hold only {total} "
                    f"windows of length {L}. Use fewer shapelets, shorter shapelets "
                    f"or more series."
                )
            m = max(min(self.n_init_segments, total), k)
            if m >= total:
                flat = np.arange(total)
            elif total <= 10_000_000:
                flat = rng.choice(total, size=m, replace=False)
            else:  # a permutation of that many windows is too costly
                flat = rng.randint(total, size=m)
            offsets = np.cumsum(counts) - counts
            series = np.searchsorted(offsets, flat, side="right") - 1
            starts = flat - offsets[series]
            windows = np.lib.stride_tricks.sliding_window_view(X3, L, axis=2)
            segments = windows[series, :, starts].astype(np.float64)  # (m, C, L)
            flat_segments = segments.reshape(m, -1)
            with warnings.catch_warnings():
                # Repeated windows (flat parts) can leave fewer distinct
                # clusters than k; duplicated shapelets then start equal.
                warnings.filterwarnings(
                    "ignore", message="Number of distinct clusters",
                    category=ConvergenceWarning,
                )
                centers = (
                    KMeans(
                        n_clusters=k,
                        n_init=1,
                        random_state=rng.randint(np.iinfo(np.int32).max),
                    )
                    .fit(flat_segments,
                         sample_weight=None if weights is None else weights[series])
                    .cluster_centers_
                )
            blocks.append(centers.reshape(k, X3.shape[1], L))
        return blocks

    def _n_outputs(self):
        return len(self.classes_) if self.supervised_ else None

    def _build_module(self):
        blocks = getattr(self, "_initial_shapelets", None)
        offset = getattr(self, "_initial_offset", None)
        if blocks is None:  # skdeep.io.load: the weights come from the file
            lengths, counts = np.unique(self.shapelet_lengths_, return_counts=True)
            blocks = [
                np.zeros((int(k), self.n_channels_, int(L) // self.paa_factor_))
                for L, k in zip(lengths, counts)
            ]
        return LearningShapelets(
            blocks, self._n_outputs(), alpha=self.alpha, offset=offset
        )

    def _criterion(self):
        class_weight = getattr(self, "class_weight_", None)
        if class_weight is not None:
            class_weight = torch.tensor(class_weight, dtype=torch.float32)
        return ClassificationLoss(class_weight=class_weight)

    def _optimizer_params(self):
        params = super()._optimizer_params()
        if self.supervised_:
            decay = self.weight_decay + 2.0 * self.l2
            params["param_groups"] = [("head.weight", {"weight_decay": decay})]
        return params

    def _fit_shapelets(self, X3, lengths, codes=None, sample_weight=None):
        """Initialise the shapelets; train them with the head when ``codes``."""
        self._training_setup()
        self.supervised_ = codes is not None
        if not self.supervised_:
            for stale in ("classes_", "class_weight_", "validation_scores_"):
                self.__dict__.pop(stale, None)
        rng = check_random_state(self.random_state)
        # the series of weight 0 take no part (as in training): the k-means
        # start and the level came from every series, and ten junk series of
        # weight 0 moved the distances by 1e4
        counted, weights = slice(None), None
        if sample_weight is not None:
            counted = (sample_weight > 0).cpu().numpy()
            # (an integer weight k starts the shapelets as k copies of the
            # series would: it weighed 1 in the k-means and the level)
            weights = sample_weight.double().cpu().numpy()[counted]
        try:
            self._lengths = _resolve_lengths(
                self.shapelet_lengths, int(lengths[counted].min()), self.paa_factor_,
                self._shortest_steps,
            )
            self._initial_shapelets = self._init_shapelets(
                X3[counted], lengths[counted], rng, weights
            )
            # Distances are computed relative to the channels' mean level, which
            # keeps float32 precision on series far from zero (see the module).
            self._initial_offset = _weighted_level(X3[counted], weights)
            self.shapelet_lengths_ = np.repeat(
                np.asarray(self._lengths, dtype=np.int64) * self.paa_factor_,
                self.n_shapelets,
            )
            self.n_shapelets_ = int(len(self.shapelet_lengths_))
            if self.supervised_:
                self._fit_module(
                    as_float32_tensor(self._shifted(X3, self._initial_offset)),
                    torch.as_tensor(codes, dtype=torch.long),
                    stratified=True,
                    sample_weight=sample_weight,
                )
            else:
                self._initialise_net()
        finally:
            for name in ("_initial_shapelets", "_initial_offset", "_lengths"):
                self.__dict__.pop(name, None)
        return self

    def _shifted(self, X3, offset=None):
        """``X3`` minus the channels' level (the module's ``offset``), in
        float64: before the float32 cast, which alone made series at 1e8
        that differ by 1 equal (see :class:`ShapeletDistances`). At
        inference (``offset`` None) row blocks made as they are read
        (:class:`_ShiftedRows`)."""
        if offset is None:
            offset = self.module_.distances.offset.detach().cpu().double().numpy()
            return _ShiftedRows(X3, offset)
        return np.asarray(X3, dtype=np.float64) - offset[None, :, None]

    def _initialise_net(self):
        """The skorch net around the k-means shapelets, without training."""
        with seeded(self._seed, self._device):
            net = self._make_net(self._build_module(), self._criterion())
            net.initialize()
        net.module_.eval()  # at rest in eval mode, as a trained net
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = 0
        self.loss_curve_ = []

    # -------------------------------------------------------------- inference
    def _max_inference_rows(self, X3):
        # Every call is padded to its number of rows, and holds about 40
        # bytes per value of its series (the series, their cumulative squares
        # in float64, window norms, spectra): at most INFERENCE_VALUES values
        # per call (about 40 MiB), so that a few long series neither take
        # batch_size times their memory nor pay for batch_size rows.
        return max(1, INFERENCE_VALUES // max(1, X3.shape[1] * X3.shape[2]))

    def _exact(self):
        return self.inference_min == "exact"

    def transform(self, X):
        """Distance of each series to each shapelet.

        The mean squared difference between the shapelet and a window of the
        series, minimised over the window's position: the soft minimum, or
        the exact one with ``inference_min="exact"``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timepoints) or \
(n_samples, n_timepoints), or list of series
            The series, NaN-padded at the end where shorter.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_shapelets_)
        """
        check_is_fitted(self)
        X3, _, _ = self._validate_X(X, reset=False)
        features = self.module_.features
        exact = self._exact()
        return self._batched(
            lambda x: features(x, exact=exact), self._shifted(X3), out_dtype=np.float64
        )

    def best_match_positions(self, X):
        """Start of the window where each shapelet best matches each series.

        The position of the exact minimum distance (the first one on ties);
        a window reaching into a series' NaN padding is never chosen. The
        match of shapelet ``k`` in series ``i`` covers the time steps
        ``positions[i, k]`` to ``positions[i, k] + shapelet_lengths_[k] - 1``.
        With PAA (``paa_factor_ > 1``) positions are multiples of
        ``paa_factor_``, and a match in a series' last, partial block can
        reach up to ``paa_factor_ - 1`` steps past its end.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timepoints) or \
(n_samples, n_timepoints), or list of series
            The series, NaN-padded at the end where shorter.

        Returns
        -------
        positions : ndarray of int64 of shape (n_samples, n_shapelets_)
        """
        check_is_fitted(self)
        X3, _, _ = self._validate_X(X, reset=False)
        positions = self._batched(
            self.module_.distances.best_positions, self._shifted(X3),
            out_dtype=np.int64,
        )
        return positions * self.paa_factor_

    @property
    def shapelets_(self):
        """The shapelets, a list of ``(n_channels_, length)`` arrays in column order."""
        check_is_fitted(self)
        with torch.no_grad():
            blocks = self.module_.distances.shapelets()
        return [s.cpu().double().numpy() for block in blocks for s in block]

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, ``shapelet{k}_length{L}``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the input seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        if not hasattr(self, "shapelet_lengths_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call "
                f"'fit' with appropriate arguments before using this estimator."
            )
        if input_features is not None:
            input_features = np.asarray(input_features, dtype=object)
            names_in = getattr(self, "feature_names_in_", None)
            if names_in is not None and not np.array_equal(names_in, input_features):
                raise ValueError("input_features is not equal to feature_names_in_")
            if len(input_features) != self.n_features_in_:
                raise ValueError(
                    f"input_features should have length equal to number of "
                    f"features ({self.n_features_in_}), got {len(input_features)}"
                )
        return np.asarray(
            [f"shapelet{k}_length{L}" for k, L in enumerate(self.shapelet_lengths_)],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


class _ShiftedRows:
    """Series minus the channels' level, in float64, made a block of rows at
    a time as inference reads them: a float64 copy of the whole input came
    first (152 MB for 76 MB of float32 series, where the docs promise
    inference batches of about 40 MiB)."""

    dtype = np.dtype(np.float64)

    def __init__(self, X3, offset):
        self.X3, self.offset = X3, np.asarray(offset)[None, :, None]

    @property
    def shape(self):
        return self.X3.shape

    def __len__(self):
        return len(self.X3)

    def __getitem__(self, rows):
        return np.asarray(self.X3[rows], dtype=np.float64) - self.offset


class ShapeletTransformer(_BaseShapelets):
    """Learned shapelets as features: the distance of each series to each shapelet.

    Shapelets are short patterns; a series' distance to a shapelet is how
    well the pattern matches the series at its best position. The shapelets
    are learned as in "Learning Time-Series Shapelets" (LTS, Grabocka et al.,
    2014), at several lengths, and ``transform`` returns one distance column
    per shapelet, ready for any scikit-learn classifier.

    ``fit(X, y)`` learns the shapelets with the labels (the LTS objective:
    shapelets and a linear head trained jointly; the head is then dropped and
    only the shapelets are used). ``fit(X)`` without labels, or with
    ``supervised=False``, keeps the k-means initialisation: the shapelets
    are the k-means centroids of windows of the training series, the
    unsupervised objective being the k-means one (each window close to its
    nearest shapelet: a dictionary of the typical patterns of each length).

{input_doc}

    Parameters
    ----------
{shapelet_parameters}

    supervised : bool, default=True
        Use ``y`` when ``fit`` is given labels. ``False`` ignores ``y``
        (the k-means shapelets), for example in a ``Pipeline``, which
        always passes ``y`` on.

{training_parameters}

    Attributes
    ----------
    supervised_ : bool
        Whether the shapelets were trained with labels.

    classes_ : ndarray of shape (n_classes,)
        Class labels, defined only after supervised training.

    class_weight_ : ndarray of shape (n_classes,)
        Ones (the transformer weighs the classes equally), defined only after
        supervised training.

{attributes}

    See Also
    --------
    ShapeletClassifier : The LTS classifier (shapelets and head) end to end.
    WaveletFeaturizer : Time-frequency features.

    Notes
    -----
{algorithm}

    References
    ----------
{references}

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.signal import ShapeletTransformer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(scale=0.3, size=(40, 60))
    >>> y = np.repeat([0, 1], 20)
    >>> starts = rng.randint(0, 50, size=40)
    >>> for i in np.flatnonzero(y == 1):  # class 1: a bump somewhere
    ...     X[i, starts[i]:starts[i] + 10] += np.hanning(10) * 3
    >>> st = ShapeletTransformer(n_shapelets=3, shapelet_lengths=10,
    ...                          max_epochs=20, random_state=0).fit(X, y)
    >>> st.transform(X).shape
    (40, 3)
    >>> st.get_feature_names_out()
    array(['shapelet0_length10', 'shapelet1_length10', 'shapelet2_length10'],
          dtype=object)
    """

    # encode_classes reads it; the transformer weighs classes equally
    class_weight = None

    _parameter_constraints: dict = {
        **_BaseShapelets._parameter_constraints,
        "supervised": ["boolean"],
    }

    def __init__(
        self,
        n_shapelets=20,
        *,
        shapelet_lengths=(0.1, 0.2, 0.3),
        alpha=100.0,
        inference_min="soft",
        max_timepoints="auto",
        n_init_segments=10000,
        l2=0.01,
        supervised=True,
        lr=0.01,
        max_epochs=200,
        batch_size=128,
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_params(self, locals())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the shapelets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timepoints) or \
(n_samples, n_timepoints), or list of series
            Training series.

        y : array-like of shape (n_samples,) or None, default=None
            Class labels: with them (and ``supervised=True``) the shapelets
            are trained with the LTS objective; without, they are the
            k-means centroids of random windows.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        use_y = y is not None and self.supervised
        X3, y, lengths = self._validate_X(
            X, y if use_y else None, reset=True, with_y=use_y
        )
        codes = self._validate_classes(y, None) if use_y else None
        return self._fit_shapelets(X3, lengths, codes)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"n_shapelets": 4, "shapelet_lengths": (0.5, 1.0), "max_epochs": 5,
             "lr": 0.05, "batch_size": 32},
            {"n_shapelets": 3, "shapelet_lengths": 0.5, "supervised": False,
             "inference_min": "exact"},
        ]


class ShapeletClassifier(LogProbaMixin, ClassifierMixin, _BaseShapelets):
    """Learning Time-Series Shapelets (LTS): shapelets and a linear classifier.

    The model of Grabocka et al. (2014): the (soft-minimum) distances of a
    series to learned shapelets of several lengths feed a linear softmax
    head; shapelets and head are trained jointly by gradient descent on the
    cross-entropy with an L2 penalty on the head. The shapelets are
    interpretable: :meth:`best_match_positions` says where each matches each
    series, ``coef_`` how much each speaks for each class.

{input_doc}

    Parameters
    ----------
{shapelet_parameters}

{class_weight}

{training_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the loss (ones without ``class_weight``).

    coef_ : ndarray of shape (n_classes, n_shapelets_)
        Weights of the linear head (one row per class).

    intercept_ : ndarray of shape (n_classes,)
        Bias of the linear head.

    supervised_ : bool
        Always True: the shapelets are trained with the labels.

{attributes}

    See Also
    --------
    ShapeletTransformer : The shapelet distances as features.
    skdeep.cnn.CNNClassifier : Convolutional networks for series.

    Notes
    -----
{algorithm}

    References
    ----------
{references}

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.signal import ShapeletClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(scale=0.3, size=(40, 60))
    >>> y = np.repeat([0, 1], 20)
    >>> starts = rng.randint(0, 50, size=40)
    >>> for i in np.flatnonzero(y == 1):  # class 1: a bump somewhere
    ...     X[i, starts[i]:starts[i] + 10] += np.hanning(10) * 3
    >>> clf = ShapeletClassifier(n_shapelets=3, shapelet_lengths=10,
    ...                          max_epochs=100, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> clf.best_match_positions(X).shape  # where each shapelet matches best
    (40, 3)
    >>> clf.shapelets_[0].shape  # (n_channels, length)
    (1, 10)
    """

    _parameter_constraints: dict = {
        **_BaseShapelets._parameter_constraints,
        **CLASS_WEIGHT_CONSTRAINT,
    }

    def __init__(
        self,
        n_shapelets=20,
        *,
        shapelet_lengths=(0.1, 0.2, 0.3),
        alpha=100.0,
        inference_min="soft",
        max_timepoints="auto",
        n_init_segments=10000,
        l2=0.01,
        class_weight=None,
        lr=0.02,
        max_epochs=200,
        batch_size=128,
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_params(self, locals())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the shapelets and the linear head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timepoints) or \
(n_samples, n_timepoints), or list of series
            Training series.

        y : array-like of shape (n_samples,)
            Class labels; at least two classes and twice as many series as
            classes.

{sample_weight}

        Returns
        -------
        self : object
            Fitted classifier.
        """
        X3, labels, lengths = self._validate_X(X, y, reset=True, with_y=True)
        sample_weight = validate_sample_weight(sample_weight, X3)
        if sample_weight is not None and not bool((sample_weight > 0).all()):
            # the PAA factor and the shortest length of the series that count
            X3, labels, lengths = self._validate_X(
                X, y, reset=True, with_y=True, rows=(sample_weight > 0).cpu().numpy()
            )
        codes = self._validate_classes(labels, sample_weight)
        return self._fit_shapelets(X3, lengths, codes, sample_weight)

    def _logits(self, X):
        check_is_fitted(self)
        X3, _, _ = self._validate_X(X, reset=False)
        module, exact = self.module_, self._exact()
        return self._batched(lambda x: module(x, exact=exact), self._shifted(X3),
                             out_dtype=np.float64)

    def decision_function(self, X):
        """Class scores of the linear head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timepoints) or \
(n_samples, n_timepoints), or list of series
            The series, NaN-padded at the end where shorter.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,)
            for two classes (the second class's score minus the first's).
        """
        scores = self._logits(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict_proba(self, X):
        """Class probabilities (softmax of the head's scores).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timepoints) or \
(n_samples, n_timepoints), or list of series
            The series, NaN-padded at the end where shorter.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._logits(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timepoints) or \
(n_samples, n_timepoints), or list of series
            The series, NaN-padded at the end where shorter.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        logits = self._logits(X)  # checks the fit first
        return self.classes_[np.argmax(logits, axis=1)]

    @property
    def coef_(self):
        """Weights of the linear head, ``(n_classes, n_shapelets_)``."""
        check_is_fitted(self)
        return self.module_.head.weight.detach().cpu().double().numpy()

    @property
    def intercept_(self):
        """Bias of the linear head, ``(n_classes,)``."""
        check_is_fitted(self)
        return self.module_.head.bias.detach().cpu().double().numpy()

    def _expected_failed_checks(self):
        return dict(SAMPLE_WEIGHT_EQUIVALENCE_XFAIL)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"n_shapelets": 4, "shapelet_lengths": (0.5, 1.0), "max_epochs": 40,
             "lr": 0.05, "batch_size": 32},
        ]


def _fill_doc(cls, predict="", class_weight="", lr=0.01):
    cls.__doc__ = (
        cls.__doc__.replace("{input_doc}", _INPUT_DOC)
        .replace(
            "{shapelet_parameters}",
            _SHAPELET_PARAMETERS_DOC.replace("{predict}", predict),
        )
        .replace("{class_weight}", class_weight)
        .replace(
            "{training_parameters}", training_parameters_doc(lr=lr, max_epochs=200)
        )
        .replace("{attributes}", _ATTRIBUTES_DOC)
        .replace("{algorithm}", _ALGORITHM_DOC)
        .replace("{references}", _REFERENCES_DOC)
        .replace("{{", "{")
        .replace("}}", "}")
    )


_fill_doc(ShapeletTransformer)
_fill_doc(
    ShapeletClassifier,
    predict=", ``predict``, ``predict_proba`` and ``decision_function``",
    class_weight=CLASS_WEIGHT_DOC,
    lr=0.02,  # chosen in benchmarks/signal.py's third selection round
)
ShapeletClassifier.fit.__doc__ = ShapeletClassifier.fit.__doc__.replace(
    "{sample_weight}\n", SAMPLE_WEIGHT_FIT_DOC + "\n"
)
