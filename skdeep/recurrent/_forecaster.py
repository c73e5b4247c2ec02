"""LSTM (or other cell) forecaster for sktime with Monte-Carlo dropout intervals."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import copy

import numpy as np
import pandas as pd
import torch
from scipy.stats import norm
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon
from torch import nn
from torch.nn import functional as F

from skdeep.recurrent._cells import CELLS, RecurrentStack, detach_state
from skdeep.uncertainty._modules import _MASK_SEED_OFFSET, MCDropoutMLP
from skdeep.utils._torch import as_float32_tensor, derive_seed, resolve_device, seeded
from skdeep.utils._training import keep_finished_epochs, raise_if_non_finite

_STRATEGIES = ("recursive", "direct")
_INTERVAL_METHODS = ("empirical", "gaussian")


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

    def predict_head(self, h, exog, masks=None):
        """Head outputs from top-layer outputs ``h`` (``(..., hidden)``)."""
        x = h if exog is None else torch.cat([h, exog], dim=-1)
        if masks is None:
            return self.head(x)
        # One row per pass: a (T, 1, width) input makes forward_mc pair row t
        # with mask t (the masks broadcast over the middle axis).
        return self.head.forward_mc(x[:, None, :], masks)[0, :, 0, :]


class LSTMForecaster(BaseForecaster):
    """LSTM forecaster with Monte-Carlo dropout prediction intervals.

    An sktime forecaster: an LSTM (or another ``cell``) reads the last ``window_length`` values of
    the series (scaled to [-1, 1] with the training minimum and maximum),
    together with optional exogenous variables ``X``, and a linear head
    predicts the next value (``strategy="recursive"``, fed back step by step
    for longer horizons) or all steps of the horizon at once
    (``strategy="direct"``).

    Prediction intervals and quantiles follow Zhu & Laptev (Uber, 2017):
    dropout stays on at prediction, each of ``n_mc_samples`` passes is one
    sample of the weights (Gal & Ghahramani, 2016), and the inherent noise is
    estimated from the residuals on held-out training samples. Each pass
    produces a whole trajectory: with the recursive strategy a pass feeds its
    own sampled values back, so uncertainty compounds along the horizon.

    Parameters
    ----------
    window_length : int, default=12
        Number of past time steps the LSTM reads (stateless), or the length
        of the truncated back-propagation chunks (``stateful=True``).

    strategy : {"recursive", "direct"}, default="recursive"
        ``"recursive"``: one-step-ahead model applied repeatedly.
        ``"direct"``: one output per step up to the furthest step of the
        horizon, which must be given to ``fit`` (sktime then holds
        ``predict`` to that horizon).

    hidden_size : int, default=32
        Width of the recurrent state.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    cell : {"lstm", "gru", "rnn", "rwa", "qrnn", "sru"}, default="lstm"
        The recurrent cell, as in :class:`~skdeep.recurrent.RNNRegressor`
        (QRNN with its defaults ``window=2``, ``qrnn_pooling="fo"``).

    dropout : float, default=0.1
        Probability of dropping a unit, in training and at prediction for the
        intervals: on the inputs of the head (last LSTM output and future
        exogenous values) and between stacked layers (one mask per sequence,
        the same at every time step).

    n_mc_samples : int, default=100
        Number of Monte-Carlo passes (trajectories) behind the intervals,
        quantiles and variance. All passes run as one batch.

    interval_method : {"empirical", "gaussian"}, default="empirical"
        ``"empirical"``: quantiles of the sampled trajectories.
        ``"gaussian"``: normal quantiles from the trajectories' mean and
        standard deviation.

    inherent_noise : bool, default=True
        Add the inherent noise to each trajectory: Gaussian with the
        root-mean-square residual (one per horizon step for the direct
        strategy), fed back with the sampled values by the recursive
        strategy. ``False``: the intervals reflect the model (dropout)
        uncertainty only, which usually under-covers.

    noise_holdout : float, default=0.2
        Share of the training samples (the latest windows) held out to
        estimate the inherent noise, as Zhu & Laptev do with a validation
        set: a first network is trained without them and its residuals on
        them set the noise level; the forecasting network is then trained on
        all samples, with the same seed (so fitting costs two trainings).
        In-sample residuals, which are smaller and give narrower intervals,
        are used when it is 0, when it leaves no sample on either side, or
        when ``inherent_noise=False``.

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
        Print the training loss every epoch when positive.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network.

    loss_curve_ : list of float
        Mean training loss (scaled units) of each epoch.

    noise_std_ : ndarray of shape (n_outputs,)
        Standard deviation of the inherent noise in the units of ``y``: the
        root-mean-square residual (one value for the recursive strategy, one
        per horizon step for the direct one).

    noise_source_ : {"holdout", "in-sample"}
        Which residuals ``noise_std_`` comes from (see ``noise_holdout``).

    y_min_, y_max_ : float
        The training range of ``y``, mapped to [-1, 1].

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
    (dropout off); the quantiles come from the trajectories and need not be
    centred on it. Masks and noise come from a ``torch.Generator`` seeded
    from ``random_state``, drawn afresh at every call, so a fitted model
    returns the same intervals every time and quantiles of one call are
    nested. ``update`` extends the history forecasts start from; it does not
    retrain (refit, or wrap the forecaster in sktime's ``UpdateRefitsEvery``).
    In-sample forecasts are not supported. A pickled forecaster stores its
    network on the CPU and moves it back to ``device`` when loaded, or keeps
    it on the CPU where that device is missing.

    References
    ----------
    L. Zhu and N. Laptev, "Deep and Confident Prediction for Time Series at
    Uber", ICDM Workshops 2017, arXiv:1709.01907.
    Y. Gal and Z. Ghahramani, "A Theoretically Grounded Application of
    Dropout in Recurrent Neural Networks", NeurIPS 2016.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skdeep.recurrent import LSTMForecaster
    >>> y = pd.Series(np.sin(np.arange(60) / 3.0))
    >>> f = LSTMForecaster(window_length=6, max_epochs=5, random_state=0)
    >>> f.fit(y).predict(fh=[1, 2, 3]).shape
    (3,)
    >>> f.predict_interval(fh=[1, 2, 3], coverage=0.9).shape
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
        window_length=12,
        *,
        strategy="recursive",
        hidden_size=32,
        num_layers=1,
        cell="lstm",
        dropout=0.1,
        n_mc_samples=100,
        interval_method="empirical",
        inherent_noise=True,
        noise_holdout=0.2,
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
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell = cell
        self.dropout = dropout
        self.n_mc_samples = n_mc_samples
        self.interval_method = interval_method
        self.inherent_noise = inherent_noise
        self.noise_holdout = noise_holdout
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
    def _check_params(self):
        def positive_int(name, minimum=1):
            value = getattr(self, name)
            if (
                not isinstance(value, (int, np.integer))
                or isinstance(value, bool)
                or value < minimum
            ):
                raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}.")

        for name in (
            "window_length",
            "hidden_size",
            "num_layers",
            "n_mc_samples",
            "batch_size",
        ):
            positive_int(name)
        positive_int("max_epochs", 0)
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}; got {self.cell!r}.")
        if self.strategy not in _STRATEGIES:
            raise ValueError(
                f"strategy must be one of {_STRATEGIES}; got {self.strategy!r}."
            )
        if self.interval_method not in _INTERVAL_METHODS:
            raise ValueError(
                f"interval_method must be one of {_INTERVAL_METHODS}; got "
                f"{self.interval_method!r}."
            )
        if not 0 <= self.noise_holdout < 1:
            raise ValueError(
                f"noise_holdout must be in [0, 1); got {self.noise_holdout!r}."
            )
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1); got {self.dropout!r}.")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive; got {self.lr!r}.")
        if not self.weight_decay >= 0:
            raise ValueError(
                f"weight_decay must be non-negative; got {self.weight_decay!r}."
            )

    def _scale_y(self, y):
        return (
            2.0 * (np.asarray(y, dtype=np.float64) - self.y_min_) / self._y_range - 1.0
        )

    def _unscale_y(self, z):
        return (z + 1.0) / 2.0 * self._y_range + self.y_min_

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
    def _fit(self, y, X, fh):
        """Scale the series, build the training windows and train the LSTM."""
        self._check_params()
        values = y.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise ValueError(
                "y contains NaN or infinite values; LSTMForecaster "
                "needs a complete series."
            )
        if self.strategy == "direct":
            steps = self._relative_steps(fh)
            self.horizon_ = int(steps.max())
        else:
            self.horizon_ = 1
        k = self.horizon_ if self.strategy == "direct" else 1
        n, L = len(values), self.window_length
        if n < L + k:
            raise ValueError(
                f"y has {n} time points, too few for window_length={L}"
                + (f" and a direct horizon of {k} steps" if k > 1 else "")
                + f": at least {L + k} are needed. Use a smaller window_length."
            )
        self.y_min_, self.y_max_ = float(values.min()), float(values.max())
        self._y_range = self.y_max_ - self.y_min_ or 1.0
        if X is not None and X.shape[1] > 0:
            Xv = X.to_numpy(dtype=np.float64)
            if not np.all(np.isfinite(Xv)):
                raise ValueError("X contains NaN or infinite values.")
            self.n_exog_ = Xv.shape[1]
            self._x_min = Xv.min(axis=0)
            rng = Xv.max(axis=0) - self._x_min
            rng[rng == 0] = 1.0
            self._x_range = rng
            Xs = self._scale_X(Xv)
            self._cur_X = X.copy()
        else:
            self.n_exog_ = 0
            Xs = np.zeros((n, 0))
            self._cur_X = None
        self._cur_y = y.copy()
        ys = self._scale_y(values)
        Z = self._steps(ys, Xs)  # (n, n_in)

        self._device = resolve_device(self.device)
        self._seed = derive_seed(self.random_state)
        self.__dict__.pop("_fit_interrupted", None)
        train = self._train_stateful if self.stateful else self._train_windows
        n_samples = n - k if self.stateful else n - L - k + 1
        n_holdout = int(self.noise_holdout * n_samples)
        if self.inherent_noise and 1 <= n_holdout < n_samples:
            # Zhu & Laptev: the noise level from residuals on held-out data
            # (the latest samples), then the network is retrained on all.
            with seeded(self._seed, self._device):
                self.module_ = self._build(Z.shape[1], k)
                residuals = train(Z, ys, Xs, k, n_samples - n_holdout)
            self.noise_source_ = "holdout"
        else:
            residuals = None
            self.noise_source_ = "in-sample"
        # A Ctrl-C in the hold-out training ends the fit with that network.
        if not self.__dict__.get("_fit_interrupted", False):
            with seeded(self._seed, self._device):
                self.module_ = self._build(Z.shape[1], k)
                in_sample = train(Z, ys, Xs, k, n_samples)
        self.__dict__.pop("_fit_interrupted", None)
        self.module_.eval()
        if residuals is None:
            residuals = in_sample
        self._noise_scaled = np.sqrt(np.mean(residuals**2, axis=0))
        self.noise_std_ = self._noise_scaled * self._y_range / 2.0
        return self

    def __getstate__(self):
        # The network travels on the CPU, so a model fitted on a GPU loads
        # on a machine without one.
        state = self.__dict__.copy()
        module = state.get("module_")
        if module is not None and any(
            p.device.type != "cpu" for p in module.parameters()
        ):
            state["module_"] = copy.deepcopy(module).cpu()
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
            print(f"epoch {epoch + 1:4d}  loss {loss:.6f}")

    def _train_windows(self, Z, ys, Xs, k, n_train):
        """Stateless training on the first ``n_train`` windows.

        Returns the residuals on the other windows (on all when there are
        none), in scaled units.
        """
        L, n = self.window_length, len(ys)
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
        with keep_finished_epochs(self, lambda: len(self.loss_curve_)):
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
        n, L, dev = len(ys), self.window_length, self._device
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
        with keep_finished_epochs(self, lambda: len(self.loss_curve_)):
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
        rest = slice(n_train, None) if n_train < J else slice(None)
        with torch.no_grad():
            h, _ = module.encode(Zs)
            out = module.predict_head(h, Es)
        return (out - Ys)[0, rest].cpu().numpy().astype(np.float64)

    def _update(self, y, X=None, update_params=True):
        """Append new observations to the history forecasts start from."""
        from sktime.datatypes import update_data

        values = y.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise ValueError("y contains NaN or infinite values.")
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
        known = self._cur_X
        if X is not None and len(X):
            if X.shape[1] != self.n_exog_:
                raise ValueError(
                    f"X has {X.shape[1]} columns; the forecaster was fitted with "
                    f"{self.n_exog_}."
                )
            known = pd.concat([known, X.set_axis(known.columns, axis=1)])
            known = known[~known.index.duplicated(keep="last")]
        future = known.reindex(index)
        if X is not None and len(X) >= H and future.isna().all(axis=None):
            future = pd.DataFrame(
                X.iloc[:H].to_numpy(), index=index, columns=known.columns
            )  # index types differ: by position
        # missing rows repeat the latest earlier value (the history's last)
        last = self._cur_X.iloc[-1:]
        filled = pd.concat([last, future]).ffill().iloc[1:]
        return self._scale_X(filled.to_numpy(dtype=np.float64))

    def _history(self):
        """Scaled LSTM input steps of the history the forecasts start from."""
        y = self._cur_y.to_numpy(dtype=np.float64)
        if not self.stateful:
            y = y[-self.window_length :]
        if self.n_exog_:
            Xh = self._cur_X.reindex(self._cur_y.index).ffill().bfill()
            Xs = self._scale_X(Xh.to_numpy(dtype=np.float64))
            if not self.stateful:
                Xs = Xs[-self.window_length :]
        else:
            Xs = None
        return self._steps(self._scale_y(y), Xs)

    def _trajectories(self, H, x_future, n_passes):
        """Scaled forecasts ``(n_passes, H)``; ``n_passes=None``: deterministic."""
        module, dev = self.module_, self._device
        mc = n_passes is not None
        T = n_passes if mc else 1
        # Masks and noise are drawn on the CPU and moved (as the uncertainty
        # family does): the same seed gives the same trajectories on any device.
        generator = torch.Generator()
        generator.manual_seed(int(self._seed) + _MASK_SEED_OFFSET)
        module.eval()
        with torch.no_grad():
            masks = module.draw_masks(T, generator) if mc else (None, None)
            noise = (
                as_float32_tensor(self._noise_scaled, dev)
                if mc and self.inherent_noise
                else None
            )
            xf = None if x_future is None else as_float32_tensor(x_future, dev)
            z = as_float32_tensor(self._history(), dev)[None].expand(T, -1, -1)
            h, states = module.encode(z.contiguous(), None, masks[0])
            h = h[:, -1]
            if self.strategy == "direct":
                exog = None if xf is None else xf[: self.horizon_].reshape(1, -1)
                out = module.predict_head(
                    h, None if exog is None else exog.expand(T, -1), masks[1]
                )
                if noise is not None:
                    out = out + noise * torch.randn(out.shape, generator=generator).to(
                        dev
                    )
                return out[:, :H].cpu().numpy().astype(np.float64)
            window, outputs = z, []
            for s in range(H):
                exog = None if xf is None else xf[s : s + 1].expand(T, -1)
                out = module.predict_head(h, exog, masks[1])  # (T, 1)
                if noise is not None:
                    out = out + noise * torch.randn(out.shape, generator=generator).to(
                        dev
                    )
                outputs.append(out)
                if s == H - 1:
                    break
                step = (
                    out[:, None, :]
                    if exog is None
                    else torch.cat([out, exog], dim=1)[:, None, :]
                )
                if self.stateful:
                    h, states = module.encode(step, states, masks[0])
                else:
                    window = torch.cat([window[:, 1:], step], dim=1)
                    h, _ = module.encode(window, None, masks[0])
                h = h[:, -1]
            return torch.cat(outputs, dim=1).cpu().numpy().astype(np.float64)

    def _prepare_predict(self, fh, X):
        steps = self._relative_steps(fh)
        H = int(steps.max())
        if self.strategy == "direct" and H > self.horizon_:
            raise ValueError(
                f"The direct strategy was fitted for {self.horizon_} steps ahead; "
                f"fh asks for {H}. Refit with the longer horizon."
            )
        return steps, H, self._future_exog(fh, X, H)

    def _index(self, fh):
        return fh.to_absolute_index(self.cutoff)

    def _predict(self, fh, X):
        """Deterministic forecast (dropout off)."""
        steps, H, xf = self._prepare_predict(fh, X)
        path = self._trajectories(H, xf, None)[0]
        return pd.Series(
            self._unscale_y(path[steps - 1]),
            index=self._index(fh),
            name=self._cur_y.name,
        )

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
            absolute forecast times.
        """
        self.check_is_fitted()
        fh = self._check_fh(fh)
        X = None if X is None else pd.DataFrame(X)
        samples = self._mc_samples(fh, X)
        return pd.DataFrame(samples, columns=self._index(fh))

    def _mc_samples(self, fh, X):
        steps, H, xf = self._prepare_predict(fh, X)
        paths = self._trajectories(H, xf, int(self.n_mc_samples))
        return self._unscale_y(paths[:, steps - 1])

    def _predict_quantiles(self, fh, X, alpha):
        """Quantiles of the Monte-Carlo trajectories (or of their Gaussian fit)."""
        samples = self._mc_samples(fh, X)
        alpha = list(alpha)
        if self.interval_method == "empirical":
            values = np.quantile(samples, alpha, axis=0).T
        else:
            mean, std = samples.mean(axis=0), samples.std(axis=0)
            values = mean[:, None] + std[:, None] * norm.ppf(alpha)[None, :]
        name = self._cur_y.name if self._cur_y.name is not None else 0
        columns = pd.MultiIndex.from_product([[name], alpha])
        return pd.DataFrame(values, index=self._index(fh), columns=columns)

    def _predict_var(self, fh, X=None, cov=False):
        """Variance of the Monte-Carlo trajectories."""
        if cov:
            return super()._predict_var(fh, X, cov=cov)
        samples = self._mc_samples(fh, X)
        name = self._cur_y.name if self._cur_y.name is not None else 0
        return pd.DataFrame({name: samples.var(axis=0)}, index=self._index(fh))

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
                "stateful": True,
                "dropout": 0.2,
                "interval_method": "gaussian",
                "max_epochs": 2,
                "n_mc_samples": 10,
                "random_state": 0,
            },
        ]
