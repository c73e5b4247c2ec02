"""LSTM (or other cell) sktime forecaster with conformal or Monte-Carlo intervals."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from scipy.stats import norm
from sklearn.isotonic import IsotonicRegression
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon
from torch import nn
from torch.nn import functional as F

from skdeep.recurrent._cells import CELLS, RecurrentStack, detach_state, repeat_state
from skdeep.uncertainty._modules import _MASK_SEED_OFFSET, MCDropoutMLP
from skdeep.utils._sklearn import (
    Interval,
    InvalidParameterError,
    KeepsMetaEstimatorContext,
    Options,
    StrOptions,
    external_stacklevel,
    float32_default_dtype,
    outside_inference_mode,
    validate_parameter_constraints,
)
from skdeep.utils._torch import as_float32_tensor, derive_seed, resolve_device, seeded
from skdeep.utils._training import (
    _cpu_copy,
    _on_accelerator,
    BaseTorchEstimator,
    keep_finished_epochs,
    raise_if_non_finite,
)

_STRATEGIES = ("auto", "recursive", "direct")
_INTERVAL_METHODS = ("conformal", "empirical", "gaussian")
# Values fed back to the network (recursive steps, direct blocks) are clipped
# to the scaled training range [-1, 1] widened by one range on each side: a
# bound on runaway feedback, far outside what a sound forecast reaches.
_FEEDBACK_CLIP = 3.0
# 5% critical value of the KPSS level-stationarity statistic (Kwiatkowski et
# al., 1992, table 1), the test auto.arima uses to choose d.
_KPSS_CRITICAL = 0.463


def _kpss_level(x):
    """KPSS statistic of level stationarity (Bartlett window, short lag).

    The lag is ``int(3 * sqrt(n) / 13)`` (``lshort`` in R's ``tseries``).
    Large values say the series wanders (a unit root or a trend).
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    e = x - x.mean()
    lags = int(3 * np.sqrt(n) / 13)
    s2 = e @ e / n
    for j in range(1, lags + 1):
        s2 += 2.0 * (1.0 - j / (lags + 1.0)) * (e[j:] @ e[:-j]) / n
    if not s2 > 0:
        return 0.0
    partial = np.cumsum(e)
    return float(partial @ partial / (n * n * s2))


def _choose_difference(values):
    """0 or 1: difference once where KPSS rejects level stationarity at 5%."""
    if len(values) < 8 or np.ptp(values) == 0:
        return 0
    return int(_kpss_level(values) > _KPSS_CRITICAL)


def _auto_window(n, k):
    """Default window: 12 steps, fewer on short series (a quarter of them)."""
    return int(min(12, max(2, (n - k) // 4)))


class _LSTMForecastNet(nn.Module):
    """Stacked recurrent layers with a Monte-Carlo dropout linear head.

    The recurrent layers (one :class:`~skdeep.recurrent._cells.RecurrentStack`
    each, of any cell) read steps ``(y_t, X_t)``; the head reads the top
    layer's last output together with the exogenous values at the
    ``n_outputs`` target times. Dropout acts between stacked layers with one
    mask per sequence (the same at every step, Gal & Ghahramani's variational
    RNN dropout) and on the head's inputs (an
    :class:`~skdeep.uncertainty._modules.MCDropoutMLP` without hidden layers).
    """

    def __init__(
        self, n_inputs, n_head_exog, n_outputs, hidden_size, num_layers, dropout,
        cell="lstm",
    ):
        super().__init__()
        self.hidden_size = hidden_size
        self.dropout = float(dropout)
        # Forget-gate bias 1 (Jozefowicz et al., 2015): RecurrentStack's
        # unit_forget_bias default.
        self.layers = nn.ModuleList(
            RecurrentStack(n_inputs if i == 0 else hidden_size, hidden_size, cell=cell)
            for i in range(num_layers)
        )
        self.head = MCDropoutMLP(hidden_size + n_head_exog, (), n_outputs, dropout)

    def draw_masks(self, n_passes, generator):
        """Masks of ``n_passes`` weight samples: ``(between_layers, head)``."""
        keep = 1.0 - self.dropout
        device = self.head.linears[0].weight.device
        between = []
        for _ in range(len(self.layers) - 1):
            u = torch.rand(
                n_passes,
                1,
                self.hidden_size,
                generator=generator,
                device=generator.device,
            ).to(device)
            between.append((u < keep).to(torch.float32) / keep)
        return between, self.head.draw_masks(n_passes, generator)

    def encode(self, z, states=None, masks=None):
        """Top-layer outputs ``(B, S, hidden)`` and the new per-layer states.

        ``masks`` are the between-layer masks of :meth:`draw_masks` (one row
        per sequence); ``None`` means ordinary dropout in training mode and
        none in eval mode.
        """
        h, new_states = z, []
        for i, layer in enumerate(self.layers):
            if i > 0:
                if masks is not None:
                    h = h * masks[i - 1]
                elif self.training and self.dropout > 0:
                    ones = h.new_ones(h.shape[0], 1, h.shape[2])
                    h = h * F.dropout(ones, self.dropout, True)
            h, _, state = layer(h, None, None if states is None else states[i])
            new_states.append(state)
        return h, new_states

    def encode_repeated(self, z, n_rows, masks=None):
        """:meth:`encode` of ``n_rows`` copies of the one sequence ``z``
        ``(1, S, n_in)``, in eval mode.

        The first layer reads the same steps in every row: it runs once, and
        its outputs and state are repeated (the rows differ from the second
        layer on, through their masks). A stateful model's Monte-Carlo
        passes read its whole history: 100 passes over 1,200 steps held
        30 MB and ran the history 100 times.
        """
        h, _, state = self.layers[0](z, None, None)
        h = h.expand(n_rows, *h.shape[1:])
        states = [repeat_state(state, n_rows)]
        for i, layer in enumerate(self.layers[1:], start=1):
            if masks is not None:
                h = h * masks[i - 1]
            h, _, state = layer(h, None, None)
            states.append(state)
        return h, states

    def predict_head(self, h, exog, masks=None):
        """Head outputs from top-layer outputs ``h`` (``(..., hidden)``)."""
        x = h if exog is None else torch.cat([h, exog], dim=-1)
        if masks is None:
            return self.head(x)
        # One row per pass: a (T, 1, width) input makes forward_mc pair row t
        # with mask t (the masks broadcast over the middle axis).
        return self.head.forward_mc(x[:, None, :], masks)[0, :, 0, :]


def _cat_batches(items):
    """Tensors, or nests of lists and tuples of them, joined along the
    batch (first) axis, item by item."""
    first = items[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(items)
    return type(first)(_cat_batches(list(parts)) for parts in zip(*items))


def _unrelated_index(index, times):
    """Whether ``index`` cannot name the forecast ``times``: another kind
    of index, or the 0, 1, ... of an array given as X (read by position);
    an index of times of the same kind names other times."""
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return True
    if isinstance(index, pd.PeriodIndex) and isinstance(times, pd.PeriodIndex):
        return index.freq != times.freq
    return type(index) is not type(times) and not (
        pd.api.types.is_integer_dtype(index) and pd.api.types.is_integer_dtype(times))


def _match_columns(X, columns):
    """``X`` with its columns in the fitted order when both are named with
    the same strings; a clear error when they are named differently. (Others,
    unnamed ones, stay matched by position, as before.)"""
    names, fitted = list(X.columns), list(columns)
    if names == fitted or not all(
        isinstance(c, str) for c in names + fitted
    ):
        return X
    if sorted(names) == sorted(fitted):
        return X[fitted]
    raise ValueError(
        f"X has columns {names}, but the forecaster was fitted with columns "
        f"{fitted}."
    )


class LSTMForecaster(KeepsMetaEstimatorContext, BaseForecaster):
    """LSTM forecaster with conformal or Monte-Carlo dropout prediction intervals.

    An sktime forecaster: an LSTM (or another ``cell``) reads the last
    ``window_length`` values of the series (differenced once where the
    training series wanders, see ``difference``, and scaled to [-1, 1] with
    the training minimum and maximum), together with optional exogenous
    variables ``X``, and a linear head predicts the next value (recursive
    strategy, fed back step by step for longer horizons) or all steps of the
    horizon at once (direct strategy).

    The default prediction intervals are conformal: the network is first
    trained without the latest part of the series, forecasts from every
    origin in that held-out part, and the quantiles of these out-of-sample
    errors (scaled per step of the horizon) set the intervals of the final
    network. ``interval_method="empirical"`` or ``"gaussian"`` gives the
    Monte-Carlo dropout intervals of Zhu & Laptev (Uber, 2017) instead:
    dropout stays on at prediction, each of ``n_mc_samples`` passes is one
    sample of the weights (Gal & Ghahramani, 2016) and the inherent noise is
    estimated from the residuals on held-out training samples. Each pass
    produces a whole trajectory: with the recursive strategy a pass feeds its
    own sampled values back, so uncertainty compounds along the horizon.

    Parameters
    ----------
    window_length : int or "auto", default="auto"
        Number of past time steps the LSTM reads (stateless), or the length
        of the truncated back-propagation chunks (``stateful=True``).
        ``"auto"``: 12, or a quarter of the training samples on series too
        short for 12 (at least 2).

    strategy : {"auto", "recursive", "direct"}, default="auto"
        ``"recursive"``: one-step-ahead model applied repeatedly.
        ``"direct"``: one output per step up to the furthest step of the
        horizon, which must be given to ``fit`` (sktime then holds
        ``predict`` to that horizon).
        ``"auto"``: direct when ``fit`` is given the horizon, recursive
        otherwise; a direct model asked for steps beyond its horizon feeds
        its forecasts back block by block. Recursion compounds its errors
        and can run away on long horizons; the direct model does not.

    difference : {"auto", 0, 1}, default="auto"
        Model the first differences of the series (1) or its levels (0).
        ``"auto"``: difference where the KPSS test rejects level
        stationarity of the training series at the 5% level (the rule
        auto.arima uses to choose ``d``), so trending and wandering series
        are differenced and cyclic ones are not.

    hidden_size : int, default=32
        Width of the recurrent state.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    cell : {"lstm", "gru", "rnn", "rwa", "qrnn", "sru"}, default="lstm"
        The recurrent cell, as in :class:`~skdeep.recurrent.RNNRegressor`
        (QRNN with its defaults ``window=2``, ``qrnn_pooling="fo"``).

    dropout : float, default=0.1
        Probability of dropping a unit, in training and, for the Monte-Carlo
        intervals and ``sample_trajectories``, at prediction: on the inputs
        of the head (last LSTM output and future exogenous values) and
        between stacked layers (one mask per sequence, the same at every
        time step).

    n_mc_samples : int, default=100
        Number of Monte-Carlo passes (trajectories) behind
        ``sample_trajectories`` and the Monte-Carlo intervals. All passes run
        as one batch.

    interval_method : {"conformal", "empirical", "gaussian"}, default="conformal"
        ``"conformal"``: split-conformal intervals from rolling origins
        inside the training data. A first network, trained without the
        latest ``noise_holdout`` share of the training samples (at least the
        fitted horizon's number of steps), forecasts from every origin in
        that held-out tail; with ``conformal_blocks`` > 1, networks trained
        on shorter prefixes do the same for the blocks before it (rolling
        origins). The errors at step ``h`` give a per-step scale (root mean
        square, made non-decreasing in ``h`` and growing as ``sqrt(h)``
        beyond the steps it measured); the quantiles of the pooled absolute
        scaled errors (with the finite-sample correction ``(n + 1) / n``, n
        the number of origins) give intervals symmetric about ``predict``;
        a coverage above ``n / (n + 1)``, which n origins cannot certify,
        gets infinite bounds and a warning.
        ``predict_var`` is the squared scale times the mean squared scaled
        error.
        ``"empirical"``: quantiles of the Monte-Carlo trajectories.
        ``"gaussian"``: normal quantiles from the trajectories' mean and
        standard deviation.

    inherent_noise : bool, default=True
        Monte-Carlo trajectories: add the inherent noise to each trajectory
        (Gaussian with the root-mean-square residual, one per horizon step
        for the direct strategy, fed back with the sampled values by the
        recursive strategy). ``False``: the trajectories reflect the model
        (dropout) uncertainty only, which usually under-covers.

    noise_holdout : float, default=0.2
        Share of the training samples (the latest windows) held out for the
        conformal errors, or to estimate the inherent noise as Zhu & Laptev
        do with a validation set: a first network is trained without them;
        the forecasting network is then trained on all samples, with the
        same seed (so fitting costs two trainings). In-sample errors, which
        are smaller and give narrower intervals, are used when it is 0, when
        it leaves no sample on either side, or (Monte-Carlo methods) when
        ``inherent_noise=False``.

    conformal_blocks : int, default=3
        ``interval_method="conformal"``: number of consecutive held-out
        blocks (each ``noise_holdout`` of the samples, the latest first)
        whose origins give the conformal errors. Block ``j`` is forecast by
        a network trained on all samples before it, so fitting costs
        ``conformal_blocks + 1`` trainings. More blocks give more origins and
        span more of the history (a single recent tail is small on short
        series and misses turbulence earlier in long ones). Blocks that would
        leave fewer training samples than their own size are skipped.

    stateful : bool, default=False
        ``False``: every forecast starts from a zero LSTM state and reads the
        last ``window_length`` values. ``True``: the LSTM is trained on the
        whole series in order, carrying its state from chunk to chunk (Keras'
        ``stateful=True``), and forecasts start from the state reached after
        reading the whole history (from the start of the series given to
        ``fit``, plus any ``update`` data).

    lr : float, default=0.005
        Adam learning rate.

    max_epochs : int, default=200
        Number of passes over the training windows.

    batch_size : int, default=32
        Training windows per step (stateless; stateful training steps once
        per chunk of ``window_length`` steps).

    weight_decay : float, default=0.0
        L2 penalty (Adam's coupled ``weight_decay``).

    device : str, default="cpu"
        Torch device, see :func:`skdeep.utils._torch.resolve_device`.

    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the batch order and the Monte-Carlo passes: the
        same int gives identical forecasts. Global RNGs are left untouched.

    verbose : int, default=0
        Print the training loss every epoch when positive, with the
        training it belongs to (a fit trains the network once without the
        latest part of the series, for the intervals, possibly for earlier
        calibration blocks, then on all of it).

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network.

    loss_curve_ : list of float
        Mean training loss (scaled units) of each epoch.

    strategy_ : {"recursive", "direct"}
        The strategy in use (``strategy="auto"`` resolved).

    difference_ : int
        0 (levels) or 1 (first differences), ``difference="auto"`` resolved.

    window_length_ : int
        The window in use (``window_length="auto"`` resolved).

    noise_std_ : ndarray of shape (n_outputs,)
        Standard deviation of the inherent noise in the units of the series
        the network reads (``y`` or its differences): the root-mean-square
        residual (one value for the recursive strategy, one per horizon step
        for the direct one).

    noise_source_ : {"holdout", "in-sample"}
        Which residuals ``noise_std_`` and ``conformal_errors_`` come from
        (see ``noise_holdout``).

    conformal_errors_ : ndarray of shape (n_origins, n_steps)
        ``interval_method="conformal"`` only: errors (truth minus forecast,
        units of ``y``) of the calibration network's forecasts from the
        rolling origins, NaN where a step falls beyond the training data.

    y_min_, y_max_ : float
        The training range of the series the network reads (``y`` or its
        differences), mapped to [-1, 1] (a constant one to 0, on a range of
        its magnitude, at most 1).

    n_exog_ : int
        Number of exogenous columns seen in ``fit`` (0 without ``X``).

    horizon_ : int
        Number of steps the network outputs: 1 for the recursive strategy,
        the furthest step of ``fh`` for the direct one.

    See Also
    --------
    skdeep.recurrent.RNNRegressor : Sequence-to-value regression.
    skdeep.uncertainty.MCDropoutRegressor : Monte-Carlo dropout for tabular data.

    Notes
    -----
    Inputs: the LSTM reads steps ``(y_t, X_t)`` and the head reads the last
    output together with ``X`` at the target time(s), so exogenous values
    must be known over the horizon. Missing future rows of ``X`` are filled
    with the last known values. ``predict`` is the deterministic forecast
    (dropout off); the Monte-Carlo quantiles need not be centred on it.
    Masks and noise come from a ``torch.Generator`` seeded from
    ``random_state``, drawn afresh at every call, so a fitted model returns
    the same intervals every time and quantiles of one call are nested.
    Values fed back to the network are clipped to the training range widened
    by the range itself on either side, a guard against runaway recursion.
    ``update`` extends the history forecasts start from; it does not retrain
    or recalibrate (refit, or wrap the forecaster in sktime's
    ``UpdateRefitsEvery``). In-sample forecasts are
    not supported. A pickled forecaster stores its network on the CPU and
    moves it back to ``device`` when loaded, or keeps it on the CPU where
    that device is missing; :func:`skdeep.io.save` and :func:`skdeep.io.load`
    do the same without pickle, for a forecaster of one series (fitted on
    several variables or a panel, sktime's one forecaster per series: pickle
    or joblib).

    References
    ----------
    L. Zhu and N. Laptev, "Deep and Confident Prediction for Time Series at
    Uber", ICDM Workshops 2017, arXiv:1709.01907.
    Y. Gal and Z. Ghahramani, "A Theoretically Grounded Application of
    Dropout in Recurrent Neural Networks", NeurIPS 2016.
    D. Kwiatkowski, P. Phillips, P. Schmidt and Y. Shin, "Testing the null
    hypothesis of stationarity against the alternative of a unit root",
    Journal of Econometrics 54, 1992.
    K. Stankeviciute, A. Alaa and M. van der Schaar, "Conformal Time-series
    Forecasting", NeurIPS 2021.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skdeep.recurrent import LSTMForecaster
    >>> y = pd.Series(np.sin(np.arange(60) / 3.0))
    >>> f = LSTMForecaster(window_length=6, max_epochs=5, random_state=0)
    >>> f.fit(y, fh=[1, 2, 3]).predict().shape
    (3,)
    >>> f.strategy_, f.difference_
    ('direct', 0)
    >>> f.predict_interval(coverage=0.9).shape
    (3, 2)
    """

    _tags = {
        "authors": ["skdeep developers"],
        "python_dependencies": "torch",
        "y_inner_mtype": "pd.Series",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": False,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:categorical_in_X": False,
        "requires-fh-in-fit": False,
        "capability:random_state": True,
    }
    # Forecasts start from the forecaster's own copy of the history.
    _config = {"remember_data": False}

    def __init__(
        self,
        window_length="auto",
        *,
        strategy="auto",
        difference="auto",
        hidden_size=32,
        num_layers=1,
        cell="lstm",
        dropout=0.1,
        n_mc_samples=100,
        interval_method="conformal",
        inherent_noise=True,
        noise_holdout=0.2,
        conformal_blocks=3,
        stateful=False,
        lr=0.005,
        max_epochs=200,
        batch_size=32,
        weight_decay=0.0,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.window_length = window_length
        self.strategy = strategy
        self.difference = difference
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell = cell
        self.dropout = dropout
        self.n_mc_samples = n_mc_samples
        self.interval_method = interval_method
        self.inherent_noise = inherent_noise
        self.noise_holdout = noise_holdout
        self.conformal_blocks = conformal_blocks
        self.stateful = stateful
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        super().__init__()
        # Set by sktime when the remember_data config is switched on.
        self._y, self._X = getattr(self, "_y", None), getattr(self, "_X", None)
        if strategy == "direct":
            self.set_tags(**{"requires-fh-in-fit": True})

    # ------------------------------------------------------------ validation
    # scikit-learn's parameter constraints, checked by sklearn's validator
    # (an sktime forecaster has no _fit_context): clear, uniform messages.
    _parameter_constraints: dict = {
        "window_length": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "strategy": [StrOptions(set(_STRATEGIES))],
        "difference": [StrOptions({"auto"}), Options(Integral, {0, 1})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "cell": [StrOptions(set(CELLS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "n_mc_samples": [Interval(Integral, 1, None, closed="left")],
        "interval_method": [StrOptions(set(_INTERVAL_METHODS))],
        "inherent_noise": ["boolean"],
        "noise_holdout": [Interval(Real, 0, 1, closed="left")],
        "conformal_blocks": [Interval(Integral, 1, None, closed="left")],
        "stateful": ["boolean"],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        **{
            name: BaseTorchEstimator._parameter_constraints[name]
            for name in (
                "lr", "batch_size", "weight_decay", "device", "random_state",
                "verbose",
            )
        },
    }

    def _check_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        if isinstance(self.difference, bool):
            # True == 1 would pass the constraint; a bool reads as an on/off
            # switch, which 'auto' is the way to ask for.
            raise InvalidParameterError(
                f"The 'difference' parameter of {type(self).__name__} must be "
                f"'auto', 0 or 1 (not a bool). Got {self.difference!r} instead."
            )

    @property
    def _y_at_minus_one(self):
        # (models saved before constant series were scaled have no _y_low)
        return getattr(self, "_y_low", self.y_min_)

    def _scale_y(self, y):
        return (
            2.0 * (np.asarray(y, dtype=np.float64) - self._y_at_minus_one)
            / self._y_range - 1.0
        )

    def _unscale_y(self, z):
        return (z + 1.0) / 2.0 * self._y_range + self._y_at_minus_one

    def _scale_X(self, X):
        return (
            2.0 * (np.asarray(X, dtype=np.float64) - self._x_min) / self._x_range - 1.0
        )

    def _steps(self, y_scaled, X_scaled):
        """``(n, 1 + n_exog)`` LSTM input steps."""
        if self.n_exog_ == 0:
            return y_scaled[:, None]
        return np.column_stack([y_scaled, X_scaled])

    # ------------------------------------------------------------------- fit
    # (an sktime object: no _fit_context to build and train in float32 when
    # the caller set torch's default dtype to float64, and with autograd
    # inside the caller's torch.inference_mode())
    @float32_default_dtype()
    @outside_inference_mode()
    def _fit(self, y, X, fh):
        """Scale the series, build the training windows and train the LSTM."""
        self._check_params()
        values = y.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise ValueError(
                "y contains NaN or infinite values; LSTMForecaster "
                "needs a complete series."
            )
        fit_steps = None if fh is None else self._relative_steps(fh)
        if self.strategy == "direct" or (self.strategy == "auto" and fh is not None):
            self.strategy_ = "direct"
            self.horizon_ = int(fit_steps.max())
        else:
            self.strategy_ = "recursive"
            self.horizon_ = 1
        k = self.horizon_
        self.difference_ = (
            _choose_difference(values)
            if isinstance(self.difference, str)
            else int(self.difference)
        )
        d = self.difference_
        w = np.diff(values) if d else values  # the series the network reads
        n = len(w)
        if self.window_length == "auto":
            self.window_length_ = _auto_window(n, k)
        else:
            self.window_length_ = int(self.window_length)
        L = self.window_length_
        if n < L + k:
            raise ValueError(
                f"y has {len(values)} time points, too few for window_length={L}"
                + (f" and a direct horizon of {k} steps" if k > 1 else "")
                + (" after differencing" if d else "")
                + f": at least {L + k + d} are needed. Use a smaller window_length."
            )
        self.y_min_, self.y_max_ = float(w.min()), float(w.max())
        self._y_range = self.y_max_ - self.y_min_
        self._y_low = self.y_min_  # (the value mapped to -1)
        if self._y_range == 0:
            # A constant series (or constant differences): a range of 1 in
            # y's units made the network's leftover error an absolute one
            # (a series at 1e-6 forecast 0.005, 5,000 times its level). The
            # range is now the constant's magnitude where that is below 1
            # (else 1, as before: a range growing with the level made the
            # error grow with it), and the constant maps to 0, not to the
            # range's edge.
            half = min(abs(self.y_min_), 0.5) or 0.5
            self._y_range, self._y_low = 2.0 * half, self.y_min_ - half
        if X is not None and X.shape[1] > 0:
            # sktime lets X reach past y (its index only has to contain y's):
            # the network trains on the rows at y's times, and the later ones
            # are kept as known future values
            Xv = X.loc[y.index].to_numpy(dtype=np.float64)
            if not np.all(np.isfinite(Xv)):
                raise ValueError("X contains NaN or infinite values.")
            self.n_exog_ = Xv.shape[1]
            self._x_min = Xv.min(axis=0)
            rng = Xv.max(axis=0) - self._x_min
            rng[rng == 0] = 1.0
            self._x_range = rng
            Xs = self._scale_X(Xv)[d:]  # X at the times of w
            self._cur_X = X.copy()
        else:
            self.n_exog_ = 0
            Xs = np.zeros((n, 0))
            self._cur_X = None
        self._cur_y = y.copy()
        ws = self._scale_y(w)
        Z = self._steps(ws, Xs)  # (n, n_in)

        self._device = resolve_device(self.device)
        self._seed = derive_seed(self.random_state)
        self.__dict__.pop("_fit_interrupted", None)
        trainer = self._train_stateful if self.stateful else self._train_windows

        def train(Z, ws, Xs, k, n_train, stage="final training"):
            # verbose names the training its epochs belong to (a fit trains
            # up to conformal_blocks + 1 networks, each from epoch 1)
            self._stage = stage
            try:
                return trainer(Z, ws, Xs, k, n_train)
            finally:
                del self._stage

        n_samples = n - k if self.stateful else n - L - k + 1
        n_holdout = int(self.noise_holdout * n_samples)
        conformal = self.interval_method == "conformal"
        if conformal and n_holdout >= 1:
            # Enough origins that every fitted step has held-out errors.
            wanted = k if fit_steps is None else int(fit_steps.max())
            n_holdout = min(max(n_holdout, wanted), n_samples - 1)
        self.__dict__.pop("conformal_errors_", None)
        self.__dict__.pop("_conformal_block_sizes", None)
        if (self.inherent_noise or conformal) and 1 <= n_holdout < n_samples:
            # Zhu & Laptev: the noise level from residuals on held-out data
            # (the latest samples), then the network is retrained on all.
            # The same network gives the conformal errors (no refit per
            # origin: one training, as many origins as held-out samples).
            with seeded(self._seed, self._device):
                self.module_ = self._build(Z.shape[1], k)
                residuals = train(Z, ws, Xs, k, n_samples - n_holdout,
                                  "hold-out training")
            self.noise_source_ = "holdout"
            if conformal and not self.__dict__.get("_fit_interrupted", False):
                n = len(Z)
                blocks = [self._origin_errors(values, Z, np.arange(n - n_holdout, n))]
                # Rolling-origin refits: earlier blocks of the same size, each
                # forecast by a network trained on all samples before it, so
                # the calibration set is larger and spans more of the history
                # (a block is kept only while at least as many samples as
                # the block remain to train on).
                holdout = (self.module_, self.loss_curve_)
                for j in range(2, int(self.conformal_blocks) + 1):
                    n_train = n_samples - j * n_holdout
                    if n_train < n_holdout or self.__dict__.get("_fit_interrupted"):
                        break
                    with seeded(self._seed, self._device):
                        self.module_ = self._build(Z.shape[1], k)
                        train(Z, ws, Xs, k, n_train, f"calibration block {j}")
                    if self.__dict__.get("_fit_interrupted"):
                        # a partly trained network measures nothing; the fit
                        # ends with the finished hold-out network (it ended
                        # with this one, trained on less of the series)
                        self.module_, self.loss_curve_ = holdout
                        warnings.warn(
                            f"Training of {type(self).__name__} was interrupted "
                            f"by a KeyboardInterrupt in conformal calibration "
                            f"block {j}; the fit keeps the finished hold-out "
                            f"network (trained without the last {n_holdout} "
                            f"samples, its {len(self.loss_curve_)} epochs in "
                            f"loss_curve_) and the conformal errors of the "
                            f"{len(blocks)} finished block(s).",
                            UserWarning,
                            stacklevel=external_stacklevel(),
                        )
                        break
                    start = n - j * n_holdout
                    blocks.insert(
                        0,
                        self._origin_errors(
                            values, Z, np.arange(start, start + n_holdout)
                        ),
                    )
                self._conformal_block_sizes = [len(b) for b in blocks]
                width = max(b.shape[1] for b in blocks)
                self.conformal_errors_ = np.vstack(
                    [
                        np.pad(b, ((0, 0), (0, width - b.shape[1])),
                               constant_values=np.nan)
                        for b in blocks
                    ]
                )
        else:
            residuals = None
            self.noise_source_ = "in-sample"
        # A Ctrl-C in the hold-out training ends the fit with that network.
        if not self.__dict__.get("_fit_interrupted", False):
            with seeded(self._seed, self._device):
                self.module_ = self._build(Z.shape[1], k)
                in_sample = train(Z, ws, Xs, k, n_samples)
        self.__dict__.pop("_fit_interrupted", None)
        self.module_.eval()
        if residuals is None:
            residuals = in_sample
        if conformal and "conformal_errors_" not in self.__dict__:
            n_origins = max(1, int(0.2 * n_samples))
            self.conformal_errors_ = self._origin_errors(
                values, Z, np.arange(len(Z) - n_origins, len(Z))
            )
            self._conformal_block_sizes = [n_origins]
        self._noise_scaled = np.sqrt(np.mean(residuals**2, axis=0))
        self.noise_std_ = self._noise_scaled * self._y_range / 2.0
        return self

    def _origin_errors(self, values, Z, origins):
        """Forecast errors of ``module_`` from the given origins.

        Origin ``o`` knows the first ``o`` steps of ``Z``; its forecast is
        compared with the training data, in the units of ``y``. Returns
        ``(n_origins, n_steps)`` with NaN beyond the end of the data.
        """
        d, L = self.difference_, self.window_length_
        n_origins = len(origins)
        # (strategy_: "auto" resolved; the direct network's errors are
        # measured up to its horizon)
        H = n_origins if self.strategy_ != "direct" else min(n_origins, self.horizon_)
        dev = self._device
        n_x = self.n_exog_
        errors = np.full((n_origins, H), np.nan)
        with torch.no_grad():
            if self.stateful:
                # The history is read once, origin to origin (not again from
                # the start for each: quadratic in the series' length), and
                # the forecasts from every origin's state are one batch.
                module, starts, previous, states = self.module_, [], 0, None
                for o in origins:  # (ascending)
                    h, states = module.encode(
                        as_float32_tensor(Z[None, previous:o], dev), states)
                    starts.append((h[:, -1:], states))
                    previous = o
                xf = (torch.cat([self._future_block(Z, o, H, n_x, dev)
                                 for o in origins]) if n_x else None)
                paths = self._rollout(None, xf, H, start=_cat_batches(starts))
            else:
                z = as_float32_tensor(np.stack([Z[o - L : o] for o in origins]), dev)
                xf = (
                    torch.cat([self._future_block(Z, o, H, n_x, dev) for o in origins])
                    if n_x
                    else None
                )
                paths = self._rollout(z, xf, H)
        paths = self._unscale_y(paths.cpu().numpy().astype(np.float64))
        for i, o in enumerate(origins):
            last = o + d - 1  # index in y of the last known value
            if d:
                paths[i] = values[last] + np.cumsum(paths[i])
            m = min(H, len(values) - 1 - last)
            errors[i, :m] = values[last + 1 : last + 1 + m] - paths[i, :m]
        return errors

    @staticmethod
    def _future_block(Z, o, H, n_x, dev):
        """Scaled exogenous values after origin ``o``, ``(1, H, n_x)``."""
        if not n_x:
            return None
        future = Z[o : o + H, 1:]
        if len(future) < H:  # beyond the data: repeat the last known row
            future = np.vstack([future, np.repeat(Z[-1:, 1:], H - len(future), 0)])
        return as_float32_tensor(future[None], dev)

    def __getstate__(self):
        # The network travels on the CPU, so a model fitted on a GPU loads
        # on a machine without one.
        state = self.__dict__.copy()
        if _on_accelerator(state.get("module_")):
            state["module_"] = _cpu_copy(state["module_"])  # (CPUPicklingMixin's copy)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if state.get("module_") is not None:
            try:
                device = resolve_device(str(state["_device"]))
            except ValueError:  # fitted on a device this machine does not have
                device = torch.device("cpu")
            self._device = device
            self.module_ = self.module_.to(device)

    def _rebuild_module(self, name, device):
        """The empty network of ``module_``, for :func:`skdeep.io.load`, on the
        loading ``device``, where the forecaster then runs."""
        self._device = device
        return self._build(1 + self.n_exog_, self.horizon_)

    def _build(self, n_inputs, k):
        return _LSTMForecastNet(
            n_inputs,
            k * self.n_exog_,
            k,
            self.hidden_size,
            self.num_layers,
            self.dropout,
            cell=self.cell,
        ).to(self._device)

    def _optimizer(self):
        return torch.optim.Adam(
            self.module_.parameters(), lr=self.lr, weight_decay=self.weight_decay
        )

    def _log_epoch(self, epoch, loss):
        raise_if_non_finite(loss, epoch + 1, self)
        if self.verbose:
            stage = self.__dict__.get("_stage", "training")
            print(f"[LSTMForecaster] {stage}: epoch {epoch + 1:4d}  loss {loss:.6f}")

    def _calibrating(self):
        """Whether the training under way is a conformal calibration block's
        (an interrupt there keeps the hold-out network: ``_fit`` warns)."""
        return self.__dict__.get("_stage", "").startswith("calibration")

    def _train_windows(self, Z, ys, Xs, k, n_train):
        """Stateless training on the first ``n_train`` windows.

        Returns the residuals on the other windows (on all when there are
        none), in scaled units.
        """
        L, n = self.window_length_, len(ys)
        starts = np.arange(L, n - k + 1)
        dev = self._device
        Zw = as_float32_tensor(np.stack([Z[t - L : t] for t in starts]), dev)
        Yw = as_float32_tensor(np.stack([ys[t : t + k] for t in starts]), dev)
        Ew = (
            as_float32_tensor(np.stack([Xs[t : t + k].ravel() for t in starts]), dev)
            if self.n_exog_
            else None
        )
        module, opt = self.module_, self._optimizer()
        N = n_train
        self.loss_curve_ = []
        module.train()
        # A Ctrl-C keeps the epochs done so far (as on the skorch road).
        with keep_finished_epochs(self, lambda: len(self.loss_curve_),
                                  warn=not self._calibrating()):
            for epoch in range(self.max_epochs):
                perm = torch.randperm(N, device=dev)
                total = 0.0
                for b in range(0, N, self.batch_size):
                    idx = perm[b : b + self.batch_size]
                    h, _ = module.encode(Zw[idx])
                    out = module.predict_head(h[:, -1], None if Ew is None else Ew[idx])
                    loss = F.mse_loss(out, Yw[idx])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += loss.item() * len(idx)
                self.loss_curve_.append(total / N)
                self._log_epoch(epoch, self.loss_curve_[-1])
        module.eval()
        opt.zero_grad(set_to_none=True)  # the last step's, never read again
        rest = slice(n_train, None) if n_train < len(starts) else slice(None)
        with torch.no_grad():
            h, _ = module.encode(Zw[rest])
            out = module.predict_head(h[:, -1], None if Ew is None else Ew[rest])
        return (out - Yw[rest]).cpu().numpy().astype(np.float64)

    def _train_stateful(self, Z, ys, Xs, k, n_train):
        """Stateful training (truncated BPTT) on the first ``n_train`` steps.

        Returns the residuals of the later steps after reading the series
        from its start (of all steps when there are none), in scaled units.
        """
        n, L, dev = len(ys), self.window_length_, self._device
        J = n - k  # step j predicts ys[j + 1 : j + 1 + k]
        Zs = as_float32_tensor(Z[None, :J], dev)
        Ys = as_float32_tensor(
            np.stack([ys[j + 1 : j + 1 + k] for j in range(J)])[None], dev
        )
        Es = (
            as_float32_tensor(
                np.stack([Xs[j + 1 : j + 1 + k].ravel() for j in range(J)])[None], dev
            )
            if self.n_exog_
            else None
        )
        module, opt = self.module_, self._optimizer()
        self.loss_curve_ = []
        module.train()
        # A Ctrl-C keeps the epochs done so far (as on the skorch road).
        with keep_finished_epochs(self, lambda: len(self.loss_curve_),
                                  warn=not self._calibrating()):
            for epoch in range(self.max_epochs):
                states, total = None, 0.0
                for c in range(0, n_train, L):
                    chunk = slice(c, min(c + L, n_train))
                    h, states = module.encode(Zs[:, chunk], states)
                    states = [detach_state(st) for st in states]
                    out = module.predict_head(h, None if Es is None else Es[:, chunk])
                    loss = F.mse_loss(out, Ys[:, chunk])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += loss.item() * out.shape[1]
                self.loss_curve_.append(total / n_train)
                self._log_epoch(epoch, self.loss_curve_[-1])
        module.eval()
        opt.zero_grad(set_to_none=True)  # the last step's, never read again
        rest = slice(n_train, None) if n_train < J else slice(None)
        with torch.no_grad():
            h, _ = module.encode(Zs)
            out = module.predict_head(h, Es)
        return (out - Ys)[0, rest].cpu().numpy().astype(np.float64)

    def update(self, y, X=None, update_params=True):
        """Append new observations to the history forecasts start from.

        sktime's ``update``; bad input raises a ``ValueError`` and changes
        nothing (the cutoff stays). The network is not retrained.

        Parameters
        ----------
        y : pd.Series or pd.DataFrame
            The new observations, after the cutoff; NaN or infinite values
            are refused. Earlier ones (sktime's ``update_predict`` over past
            windows) move the cutoff back, and the forecasts start from it.
        X : pd.DataFrame, pd.Series or None, default=None
            Exogenous values at those times (when fitted with ``X``), named
            by the columns of ``fit`` (unnamed ones: in their order); other
            widths and NaN or infinite values are refused, and so are new
            time points of ``y`` whose values are neither here nor stored
            (by ``fit`` as known future values).
        update_params : bool, default=True
            Accepted for sktime's interface; changes nothing.

        Returns
        -------
        self : LSTMForecaster
        """
        if self.is_fitted:
            # checked before sktime stores y and moves the cutoff: a refused
            # update left the cutoff moved and y longer than X, and the next
            # forecasts silently filled the missing exogenous rows. (X goes
            # on in the fitted column order; _update trusts it.) Where sktime
            # fits one forecaster per variable or instance, those hold what
            # X is checked against: checked there only, a refused update
            # left this outer forecaster's cutoff moved.
            vectorized = getattr(self, "_is_vectorized", False)
            if vectorized and isinstance(getattr(y, "index", None), pd.MultiIndex):
                self._check_panel_update(y, X)
            else:
                checker = self.forecasters_.iloc[0, 0] if vectorized else self
                X = checker._checked_update(y, X)
        return super().update(y, X=X, update_params=update_params)

    def _check_panel_update(self, y, X):
        """A ValueError for a panel's update that a series' forecaster
        would refuse (each series checked against its own forecaster's
        history: the time points of one series are not another's)."""
        for key, inner in self.forecasters_.iloc[:, 0].items():
            try:
                y_part = y.loc[key]
            except KeyError:  # (not updated)
                continue
            X_part = X
            if isinstance(getattr(X, "index", None), pd.MultiIndex):
                try:
                    X_part = X.loc[key]
                except KeyError:
                    X_part = None
            inner._checked_update(y_part, X_part)

    def _checked_update(self, y, X):
        """``X`` in the fitted column order, or a ValueError for ``y`` or ``X``."""
        values = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
        if values.dtype.kind in "biuf" and not np.all(np.isfinite(values)):
            raise ValueError("y contains NaN or infinite values.")
        if isinstance(X, pd.Series):  # one variable: checked as a frame of it
            # (skipped, inf was forecast from, and another name became a new
            # column that broke every later predict)
            X = X.to_frame()
        n_exog = getattr(self, "n_exog_", 0)
        index = getattr(y, "index", None)
        if (n_exog and isinstance(index, pd.Index)
                and not isinstance(index, pd.MultiIndex)
                and not isinstance(self._cur_X.index, pd.MultiIndex)):
            # new time points need their exogenous values (X here, or stored
            # by fit as known future values): the forecasts read the last
            # earlier row in their place, silently. (A panel's series are
            # checked one by one: _check_panel_update.)
            missing = index.difference(self._cur_X.index)
            if isinstance(X, pd.DataFrame):
                missing = missing.difference(X.index)
            if len(missing):
                raise ValueError(
                    f"The forecaster was fitted with X: update needs X at the "
                    f"new time points of y; missing at {len(missing)} of them "
                    f"(first {missing[0]})."
                )
        if n_exog and isinstance(X, pd.DataFrame):
            if X.shape[1] != self.n_exog_:
                # (accepted, it broke every later predict with pandas' errors)
                raise ValueError(
                    f"X has {X.shape[1]} columns; the forecaster was fitted with "
                    f"{self.n_exog_}."
                )
            # (merged by column name: other names made new, empty columns)
            X = _match_columns(X, self._cur_X.columns)
            if list(X.columns) != list(self._cur_X.columns):  # unnamed: by position
                X = X.set_axis(self._cur_X.columns, axis=1)
            try:
                finite = np.isfinite(X.to_numpy(dtype=np.float64)).all()
            except (TypeError, ValueError):
                raise ValueError(
                    f"X must hold numbers; got columns of dtypes "
                    f"{sorted({str(t) for t in X.dtypes})}."
                ) from None
            if not finite:  # (as fit and predict: inf was forecast from)
                raise ValueError("X contains NaN or infinite values.")
        return X

    def _update(self, y, X=None, update_params=True):
        from sktime.datatypes import update_data

        # (y and X were checked, X reordered, by update)
        self._cur_y = update_data(self._cur_y, y)
        if self.n_exog_ and X is not None:
            self._cur_X = update_data(self._cur_X, X)
        return self

    # --------------------------------------------------------------- predict
    def _relative_steps(self, fh):
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=np.int64)
        if steps.min() < 1:
            raise NotImplementedError(
                "LSTMForecaster makes out-of-sample forecasts only (fh > 0)."
            )
        return steps

    def _future_exog(self, fh, X, H):
        """Scaled exogenous values at the next ``H`` time points, ``(H, n_exog)``."""
        if not self.n_exog_:
            return None
        full = ForecastingHorizon(np.arange(1, H + 1), is_relative=True, freq=fh.freq)
        index = full.to_absolute_index(self.cutoff)
        # (rows of X past the cutoff, given to fit or update, are future
        # values known in advance: they are read)
        known = self._cur_X
        observed, history = self._observed()
        if X is not None and len(X):
            if X.shape[1] != self.n_exog_:
                raise ValueError(
                    f"X has {X.shape[1]} columns; the forecaster was fitted with "
                    f"{self.n_exog_}."
                )
            X = _match_columns(X, known.columns)
            try:
                values = X.to_numpy(dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"X must hold numbers; got columns of dtypes "
                    f"{sorted({str(t) for t in X.dtypes})}."
                ) from None
            if not np.isfinite(values).all():
                # as in fit: inf was forecast from, NaN forward-filled silently
                raise ValueError("X contains NaN or infinite values.")
        if (X is not None and len(X) and isinstance(index, pd.PeriodIndex)
                and isinstance(X.index, pd.DatetimeIndex)):
            # timestamps name periods: those of X were taken for another
            # kind of index and X read by position, its first rows (the
            # start of the training data) as the future's
            X = X.set_axis(X.index.to_period(index.freq))
        # An X that names none of the forecast times and whose index cannot
        # (a numpy array's 0, 1, ...) is read by position, over any future
        # rows stored by fit or update (they were read instead: a what-if X
        # given as an array was dropped without a word).
        by_position = (
            X is not None and len(X) and _unrelated_index(X.index, index)
            and not X.index.isin(index).any()
        )
        if X is not None and len(X) and not by_position:
            known = pd.concat([known, X.set_axis(known.columns, axis=1)])
            known = known[~known.index.duplicated(keep="last")]
        future = known.reindex(index)
        if by_position or (X is not None and len(X) and future.isna().all(axis=None)):
            future = self._exog_by_position(fh, X, future)
        # missing rows repeat the latest earlier value (the history's last)
        last = history.reindex(observed.index).ffill().iloc[-1:]
        filled = pd.concat([last, future]).ffill().iloc[1:]
        return self._scale_X(filled.to_numpy(dtype=np.float64))

    def _exog_by_position(self, fh, X, future):
        """``future`` (the next H time points) filled with the rows of an ``X``
        whose index names none of them (a numpy array, another index type):
        one row per step of ``fh``, or rows for the steps 1, 2, ... up to
        ``fh``'s last at least. (Only the second was read, and against
        the direct strategy's whole blocks: X of one row per step of fh = [1,
        2, 3] with a horizon of 2 was dropped without a word.)"""
        steps = self._relative_steps(fh)
        _, trained = self._observed()
        if not _unrelated_index(X.index, future.index) or (
            trained is not None and X.index.equals(trained.index)
            and np.array_equal(X.to_numpy(dtype=np.float64),
                               trained.to_numpy(dtype=np.float64))
        ):
            # (the training X passed again was read as the future's rows,
            # also on the 0, 1, ... index of a y without times)
            raise ValueError(
                f"X's index names none of the forecast times "
                f"({future.index[0]} to {future.index[-1]}); it runs from "
                f"{X.index[0]} to {X.index[-1]}. Pass X at the forecast times "
                f"(or a numpy array of one row per step)."
            )
        values = X.to_numpy()
        future = future.copy()
        if len(X) == len(steps):
            future.iloc[steps - 1] = values
        elif len(X) >= steps.max():
            rows = min(len(X), len(future))
            future.iloc[:rows] = values[:rows]
        else:
            raise ValueError(
                f"X's index names none of the forecast times, and its {len(X)} "
                f"rows are neither one per step of fh ({len(steps)}) nor the "
                f"{int(steps.max())} steps ahead up to fh's last. Index X by "
                f"the forecast times."
            )
        return future

    def _observed(self):
        """The stored ``y`` and ``X`` (None without) up to the cutoff.

        sktime's ``update`` with earlier observations moves the cutoff back;
        forecasts read only what is known at it (they started from the end
        of the stored history: a backtest over past windows saw the future).
        """
        y = self._cur_y[self._cur_y.index <= self.cutoff[0]]
        X = self._cur_X
        if self.n_exog_ and X is not None:
            X = X[X.index <= self.cutoff[0]]
        return y, X

    def _history(self):
        """Scaled LSTM input steps of the history the forecasts start from."""
        observed, X = self._observed()
        y = observed.to_numpy(dtype=np.float64)
        d, L = self.difference_, self.window_length_
        w = np.diff(y) if d else y
        if not self.stateful:
            w = w[-L:]
        if self.n_exog_:
            Xh = X.reindex(observed.index).ffill().bfill()
            Xs = self._scale_X(Xh.to_numpy(dtype=np.float64))[d:]
            if not self.stateful:
                Xs = Xs[-L:]
        else:
            Xs = None
        return self._steps(self._scale_y(w), Xs)

    def _rollout(self, z, xf, H, masks=(None, None), noise=None, generator=None,
                 start=None):
        """Scaled outputs ``(B, H)`` of the network from histories ``z``.

        ``z`` is ``(B, S, n_in)``, ``xf`` the scaled future exogenous values
        ``(B, >= 1, n_exog)`` or None (missing rows repeat the last one).
        The network predicts ``horizon_`` steps at a time (1: recursive);
        longer horizons feed its outputs back, clipped, block by block.
        A stateful network may start instead from ``start``: the top-layer
        outputs ``(B, 1, hidden)`` and states its histories left (``z``
        None).
        """
        module, dev = self.module_, self._device
        B = (z if start is None else start[0]).shape[0]
        k, L = self.horizon_, self.window_length_
        n_blocks = -(-H // k)
        if xf is not None and xf.shape[1] < n_blocks * k:
            pad = xf[:, -1:].expand(-1, n_blocks * k - xf.shape[1], -1)
            xf = torch.cat([xf, pad], dim=1)
        if start is not None:
            h, states = start
        elif self.stateful and z.stride(0) == 0:  # (one history, repeated)
            h, states = module.encode_repeated(z[:1], B, masks[0])
        else:
            h, states = module.encode(z.contiguous(), None, masks[0])
        h, window, outputs = h[:, -1], z, []
        for b in range(n_blocks):
            block = slice(b * k, (b + 1) * k)
            exog = None if xf is None else xf[:, block].reshape(B, -1)
            out = module.predict_head(h, exog, masks[1])  # (B, k)
            if noise is not None:
                out = out + noise * torch.randn(
                    out.shape, generator=generator, dtype=torch.float32
                ).to(dev)
            outputs.append(out)
            if b == n_blocks - 1:
                break
            step = out.clamp(-_FEEDBACK_CLIP, _FEEDBACK_CLIP)[:, :, None]
            if xf is not None:
                step = torch.cat([step, xf[:, block]], dim=2)
            if self.stateful:
                h, states = module.encode(step, states, masks[0])
            else:
                window = torch.cat([window, step], dim=1)[:, -L:]
                h, _ = module.encode(window, None, masks[0])
            h = h[:, -1]
        return torch.cat(outputs, dim=1)[:, :H]

    @float32_default_dtype()
    def _trajectories(self, H, x_future, n_passes):
        """Forecasts ``(n_passes, H)`` in units of ``y``; None: deterministic."""
        dev = self._device
        mc = n_passes is not None
        T = n_passes if mc else 1
        # Masks and noise are drawn on the CPU and moved (as the uncertainty
        # family does): the same seed gives the same trajectories on any device.
        generator = torch.Generator()
        generator.manual_seed(int(self._seed) + _MASK_SEED_OFFSET)
        self.module_.eval()
        with torch.no_grad():
            masks = self.module_.draw_masks(T, generator) if mc else (None, None)
            noise = (
                as_float32_tensor(self._noise_scaled, dev)
                if mc and self.inherent_noise
                else None
            )
            xf = (
                None
                if x_future is None
                else as_float32_tensor(x_future, dev)[None].expand(T, -1, -1)
            )
            z = as_float32_tensor(self._history(), dev)[None].expand(T, -1, -1)
            out = self._rollout(z, xf, H, masks, noise, generator)
        paths = self._unscale_y(out.cpu().numpy().astype(np.float64))
        if self.difference_:
            paths = float(self._observed()[0].iloc[-1]) + np.cumsum(paths, axis=1)
        return paths

    def _prepare_predict(self, fh, X):
        steps = self._relative_steps(fh)
        H = int(steps.max())
        if self.strategy == "direct" and H > self.horizon_:
            raise ValueError(
                f"The direct strategy was fitted for {self.horizon_} steps ahead; "
                f"fh asks for {H}. Refit with the longer horizon."
            )
        k = self.horizon_
        return steps, H, self._future_exog(fh, X, -(-H // k) * k)

    def _before_save(self):
        """Called by :func:`skdeep.io.save` (its message named an internal
        attribute, ``_yvec``, where sktime fitted one forecaster per series)."""
        if self.is_fitted and self._is_vectorized:
            raise TypeError(
                "LSTMForecaster fitted on several variables or a panel holds one "
                "forecaster per series, which skdeep.io does not save; use "
                "pickle or joblib."
            )

    def _index(self, fh):
        return fh.to_absolute_index(self.cutoff)

    def _point(self, fh, X):
        steps, H, xf = self._prepare_predict(fh, X)
        return steps, self._trajectories(H, xf, None)[0][steps - 1]

    def _predict(self, fh, X):
        """Deterministic forecast (dropout off)."""
        _, point = self._point(fh, X)
        return pd.Series(point, index=self._index(fh), name=self._cur_y.name)

    def sample_trajectories(self, fh, X=None):
        """Monte-Carlo trajectories, one per dropout pass.

        Parameters
        ----------
        fh : int, list or ForecastingHorizon
            Out-of-sample steps, relative to the cutoff.

        X : pd.DataFrame, optional
            Exogenous values over the horizon (when fitted with ``X``).

        Returns
        -------
        paths : pd.DataFrame of shape (n_mc_samples, len(fh))
            Sampled values in the units of ``y``, the columns indexed by the
            absolute forecast times. For a ``y`` of several variables the
            columns are (variable, time) pairs; for a panel, the rows are
            (instance, sample) pairs (one fitted forecaster each, as sktime
            fits them).
        """
        self.check_is_fitted()
        if self._is_vectorized:  # sktime fitted one forecaster per series
            if X is not None:
                raise NotImplementedError(
                    "sample_trajectories with exogenous X supports one series "
                    "y; fit one LSTMForecaster per series of a panel or per "
                    "variable."
                )
            forecasters = self.forecasters_
            rows = {
                r: {c: forecasters.loc[r, c].sample_trajectories(fh)
                    for c in forecasters.columns}
                for r in forecasters.index
            }
            # (sktime's label of a level with one entry: "forecasters")
            by_row = {
                r: cells["forecasters"] if list(cells) == ["forecasters"]
                else pd.concat(cells, axis=1)
                for r, cells in rows.items()
            }
            if list(by_row) == ["forecasters"]:
                return by_row["forecasters"]
            return pd.concat(by_row, axis=0)
        fh = self._check_fh(fh)
        X = None if X is None else pd.DataFrame(X)
        samples = self._mc_samples(fh, X)
        return pd.DataFrame(samples, columns=self._index(fh))

    def _mc_samples(self, fh, X):
        steps, H, xf = self._prepare_predict(fh, X)
        return self._trajectories(H, xf, int(self.n_mc_samples))[:, steps - 1]

    def _conformal_scores(self, H):
        """Per-step scales ``(H,)`` and the pooled scaled errors."""
        errors = self.conformal_errors_
        measured = np.isfinite(errors)
        counts = measured.sum(axis=0)
        cols = counts > 0
        rms = np.sqrt(np.nansum(errors**2, axis=0)[cols] / counts[cols])
        steps = np.flatnonzero(cols) + 1
        # Errors do not shrink with the horizon: isotonic in the step,
        # weighted by how many origins measured each step.
        if len(steps) > 1:
            # (predict, never wrapped by set_output: fit_transform gave a
            # DataFrame under a global pandas output, which np.interp refused)
            rms = IsotonicRegression().fit(
                steps, rms, sample_weight=counts[cols]
            ).predict(steps)
        floor = 1e-12 * max(1.0, float(np.abs(self._cur_y).max()))
        rms = np.maximum(rms, floor)
        scale = np.interp(np.arange(1, H + 1), steps, rms)
        beyond = np.arange(1, H + 1) > steps[-1]
        scale[beyond] = rms[-1] * np.sqrt(np.arange(1, H + 1)[beyond] / steps[-1])
        per_step = np.full(errors.shape[1], np.nan)
        per_step[cols] = np.interp(np.flatnonzero(cols) + 1, steps, rms)
        scores = (errors / per_step)[measured]
        return scale, scores

    def _predict_quantiles(self, fh, X, alpha):
        """Conformal quantiles, or those of the Monte-Carlo trajectories."""
        alpha = list(alpha)
        if self.interval_method == "conformal":
            steps, point = self._point(fh, X)
            scale, scores = self._conformal_scores(int(steps.max()))
            # Symmetric: quantile alpha is the edge of the central interval
            # of coverage |2 alpha - 1|, from the absolute scaled errors
            # (both tails' errors inform every interval), with the
            # split-conformal finite-sample correction (n + 1) / n.
            a = np.asarray(alpha, dtype=np.float64)
            # n counts origins, not pooled errors: the errors of one origin
            # (its steps) are strongly dependent, so the origins are the
            # honest sample size of the correction.
            n = int(np.isfinite(self.conformal_errors_).any(axis=1).sum())
            levels = np.abs(2.0 * a - 1.0) * (n + 1) / n
            # n scores certify coverage n / (n + 1) at most: beyond it the
            # bound is infinite (it was capped at the largest error, so every
            # higher coverage gave the same interval)
            beyond = levels > 1.0 + 1e-12
            if beyond.any():
                warnings.warn(
                    f"{type(self).__name__}: {n} calibration origin(s) certify "
                    f"a coverage of at most {n / (n + 1):.3g}; the bounds of "
                    f"higher coverages are infinite. Fit on a longer series, "
                    f"or raise noise_holdout or conformal_blocks for more "
                    f"origins.",
                    UserWarning, stacklevel=external_stacklevel(),
                )
            q = np.sign(a - 0.5) * np.quantile(np.abs(scores),
                                               np.minimum(levels, 1.0))
            q[beyond] = np.sign(a[beyond] - 0.5) * np.inf
            values = point[:, None] + scale[steps - 1][:, None] * q[None, :]
        else:
            samples = self._mc_samples(fh, X)
            if self.interval_method == "empirical":
                values = np.quantile(samples, alpha, axis=0).T
            else:
                mean, std = samples.mean(axis=0), samples.std(axis=0)
                values = mean[:, None] + std[:, None] * norm.ppf(alpha)[None, :]
        name = self._variable_name()
        columns = pd.MultiIndex.from_product([[name], alpha])
        return pd.DataFrame(values, index=self._index(fh), columns=columns)

    def _variable_name(self):
        """The name of ``y``'s variable in probabilistic forecasts' columns,
        as sktime names it: a one-column DataFrame's column (its Series, as
        stored, has no name: the columns said 0)."""
        names = self._get_varnames()
        if len(names):
            return names[0]
        return self._cur_y.name if self._cur_y.name is not None else 0

    def _predict_var(self, fh, X=None, cov=False):
        """Conformal variance, or that of the Monte-Carlo trajectories; with
        ``cov``, the trajectories' covariance between forecast times (columns
        (name, time), rows time: sktime's format)."""
        name = self._variable_name()
        if cov:
            if self.interval_method == "conformal":
                raise NotImplementedError(
                    "predict_var(cov=True) needs the joint distribution of the "
                    "steps, which conformal intervals do not give; use "
                    "interval_method='empirical' or 'gaussian' (Monte-Carlo "
                    "trajectories), or cov=False."
                )
            samples = self._mc_samples(fh, X)
            index = self._index(fh)
            return pd.DataFrame(
                np.atleast_2d(np.cov(samples, rowvar=False, ddof=0)),
                index=index,
                columns=pd.MultiIndex.from_product([[name], index]),
            )
        if self.interval_method == "conformal":
            steps = self._relative_steps(fh)
            scale, scores = self._conformal_scores(int(steps.max()))
            var = scale[steps - 1] ** 2 * np.mean(scores**2)
        else:
            var = self._mc_samples(fh, X).var(axis=0)
        return pd.DataFrame({name: var}, index=self._index(fh))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny, fast settings for sktime's conformance checks."""
        return [
            {
                "window_length": 3,
                "hidden_size": 4,
                "max_epochs": 2,
                "n_mc_samples": 10,
                "random_state": 0,
            },
            {
                "window_length": 5,
                "hidden_size": 3,
                "cell": "sru",
                "num_layers": 2,
                "strategy": "direct",
                "difference": 1,
                "stateful": True,
                "dropout": 0.2,
                "interval_method": "gaussian",
                "max_epochs": 2,
                "n_mc_samples": 10,
                "random_state": 0,
            },
        ]
