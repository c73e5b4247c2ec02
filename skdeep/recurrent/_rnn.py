"""Recurrent classifiers and regressors (LSTM, GRU, RNN, RWA, QRNN, SRU) for time series."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import check_is_fitted, validate_data

from skdeep.recurrent._cells import (
    CELL_PARAMETERS_DOC,
    CELLS,
    MERGE_MODES,
    QRNN_POOLINGS,
)
from skdeep.recurrent._modules import RNNModule
from skdeep.utils._input import check_trailing_nan_padding, pad_ragged_series
from skdeep.utils._losses import ClassificationLoss, WeightedMSELoss
from skdeep.utils._mixins import LogProbaMixin
from skdeep.utils._sklearn import (
    Interval,
    StrOptions,
    _fit_context,
    check_sample_weight,
)
from skdeep.utils._torch import as_float32_tensor, inference_mode
from skdeep.utils._training import (
    AUTO_EPOCHS_CONSTRAINT,
    CLASS_WEIGHT_CONSTRAINT,
    CLASS_WEIGHT_DOC,
    GRADIENT_CLIPPING_CONSTRAINT,
    GRADIENT_CLIPPING_DOC,
    SAMPLE_WEIGHT_EQUIVALENCE_XFAIL,
    SAMPLE_WEIGHT_FIT_DOC,
    BaseTorchEstimator,
    PartialFitClassifierMixin,
    PartialFitRegressorMixin,
    auto_epochs_doc,
    encode_classes,
    store_init_params,
    training_parameters_doc,
    validate_sample_weight,
)
from skdeep.utils.validation import float_targets

RNN_PARAMETERS_DOC = CELL_PARAMETERS_DOC + """

    hidden_size : int, default=32
        Width of the hidden state of each layer and direction.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        Read each series forwards and backwards.

    merge_mode : {"concat", "sum", "mul", "ave"}, default="concat"
        How the two directions' last hidden states are combined when
        ``bidirectional=True`` (as in Keras' ``Bidirectional``).

    dropout : float, default=0.0
        Dropout between stacked layers and before the output layer (training
        only).

    unit_forget_bias : bool, default=True
        Initialise the forget-gate bias to 1 (Jozefowicz et al., 2015), so
        that the cell remembers by default early in training: LSTM, QRNN and
        SRU. Ignored for ``"gru"``, ``"rnn"`` and ``"rwa"``.

    return_sequences : bool, default=False
        ``False``: many-to-one, one output per series. ``True``: many-to-many,
        the same output layer is applied at every time step (Keras'
        ``TimeDistributed``); ``y`` then has shape ``(n_samples,
        n_timepoints)``, its values at padding steps are ignored by the loss
        and by ``score``, and predictions at padding steps repeat the last
        valid step's.

    stateful : bool, default=False
        ``True``: the rows of ``X`` are consecutive, non-overlapping,
        equal-length windows of one long series, in time order. Training
        reads them as ``batch_size`` contiguous streams, each window starting
        from the state the previous window of its stream left (gradients stop
        at window boundaries; the state is reset every epoch; rows are never
        shuffled), and ``predict`` reads the rows as one series from a fresh
        state. Needs ``bidirectional=False``, ``early_stopping=False`` and
        windows without NaN (clear errors otherwise). See the user guide's
        "Stateful training on long series".

{gradient_clipping}"""

# Why the classifier clips by default (the regressor does not: no regression
# data took part in the round).
_CLIPPING_NOTE = """
        Without clipping, long series can diverge: on PLAID's training part
        (537 series of up to 1,344 steps) the LSTM's training loss fell to
        0.74 by epoch 135 of 400, then jumped to 2.0 and ended at 1.6
        (training accuracy 0.45); clipped at 1.0 it fell to 0.14 (0.91). The
        classifier's 5.0 was chosen in a declared round on other data,
        ``benchmarks/sequence_runs/rnn_clipping.py`` (session 30)."""

INPUT_DOC = """\
    ``X`` is ``(n_samples, n_channels, n_timepoints)`` (sktime and torch
    convolution order), or ``(n_samples, n_timepoints)`` for univariate
    series. Series of different lengths are given either padded at the end
    with NaN (a time step is padding when all its channels are NaN), or as a
    list of arrays of shape ``(n_timepoints_i,)`` or ``(n_channels,
    n_timepoints_i)``, which is NaN-padded to its longest series (lists of
    1-D series at ``predict``: to the fitted length). The padding never
    reaches a valid step's output (each series is read up to its own last
    valid step), so a series' prediction does not depend on how much
    padding follows it. NaN anywhere
    else is an error. 3-D input (and lists of 2-D series) may have any
    number of time points at ``predict``, the RNN reads series of any length;
    2-D input must keep the fitted ``n_timepoints`` (scikit-learn's
    ``n_features_in_``). Scale the inputs (to about [-1, 1]) first: the cells
    saturate through tanh and sigmoid."""


class _BaseRNN(BaseTorchEstimator):
    """Input handling and module building shared by the RNN estimators."""

    # max_epochs="auto" (both estimators' default): at least 2000 Adam steps,
    # 100 to 400 epochs. 100 epochs of 128-row batches gave a UCR/UEA set of
    # 40 series 100 steps; the cap was chosen in a declared selection round
    # on other data, benchmarks/sequence_runs/rnn_small_data.py (session 30),
    # and the regressor took the same rule in its own round on generated
    # regression tasks, benchmarks/sequence_runs/regressor_epochs.py (31).
    _auto_steps = 2000
    _auto_epoch_range = (100, 400)

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        **AUTO_EPOCHS_CONSTRAINT,
        **GRADIENT_CLIPPING_CONSTRAINT,
        "cell": [StrOptions(set(CELLS))],
        "window": [Interval(Integral, 1, None, closed="left")],
        "qrnn_pooling": [StrOptions(set(QRNN_POOLINGS))],
        "stateful": ["boolean"],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "merge_mode": [StrOptions(set(MERGE_MODES))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "unit_forget_bias": ["boolean"],
        "return_sequences": ["boolean"],
        "readout": [StrOptions({"auto", "last", "mean"})],
    }

    def _validate_X(self, X, y="no_validation", *, reset):
        """Validate ``X`` (and ``y`` at fit); return ``X`` as (n, C, T) floats."""
        # A partial_fit call that continues reads a list of univariate series
        # against the fitted length, as predict does (the first call's series
        # length is n_features_in_; a list padded to its own longest series
        # reset it without a word)
        fitted = not reset or (self._continues_training() and self.input_ndim_ == 2)
        X = pad_ragged_series(
            X,
            max_length=self.n_timepoints_ if fitted else None,
            estimator_name=type(self).__name__,
        )
        if (
            not reset
            and hasattr(X, "shape")
            and len(X.shape) in (2, 3)
            and len(X.shape) != self.input_ndim_
        ):
            raise ValueError(
                f"{type(self).__name__} was fitted on {self.input_ndim_}-D input "
                f"but X is {len(X.shape)}-D with shape {X.shape}."
            )
        kwargs = dict(
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
            allow_nd=True,
            reset=reset,
        )
        if reset:
            kwargs["ensure_min_samples"] = self._min_training_samples()
        fit = not (isinstance(y, str) and y == "no_validation")
        if not fit:
            X = validate_data(self, X, **kwargs)
        else:
            X, y = validate_data(self, X, y, **self._y_validation(), **kwargs)
        if X.ndim not in (2, 3):
            raise ValueError(
                f"Expected X of shape (n_samples, n_timepoints) or (n_samples, "
                f"n_channels, n_timepoints); got an array with shape {X.shape}."
            )
        if reset:
            self.input_ndim_ = X.ndim
        elif X.ndim != self.input_ndim_:
            raise ValueError(
                f"{type(self).__name__} was fitted on {self.input_ndim_}-D input "
                f"but X is {X.ndim}-D with shape {X.shape}."
            )
        X3 = X[:, None, :] if X.ndim == 2 else X
        if 0 in X3.shape[1:]:  # (scikit-learn's checks count 2-D features only)
            raise ValueError(
                f"{type(self).__name__} needs at least one channel and one time "
                f"point; X has shape {X.shape}."
            )
        if reset:
            self.n_channels_, self.n_timepoints_ = X3.shape[1], X3.shape[2]
        elif X3.shape[1] != self.n_channels_:
            raise ValueError(
                f"X has {X3.shape[1]} channels, but {type(self).__name__} was "
                f"fitted on {self.n_channels_} channels."
            )
        check_trailing_nan_padding(X3)
        return (X3, y) if fit else X3

    def _y_validation(self):
        return {}

    def _module(self, n_outputs, **kwargs):
        return RNNModule(
            self.n_channels_,
            n_outputs,
            cell=self.cell,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            merge_mode=self.merge_mode,
            dropout=self.dropout,
            unit_forget_bias=self.unit_forget_bias,
            return_sequences=self.return_sequences,
            window=self.window,
            qrnn_pooling=self.qrnn_pooling,
            stateful=self.stateful,
            readout=self.readout,
            **kwargs,
        )

    def _sequence_targets(self, X3, y):
        """``y`` of shape (n, T) for ``return_sequences``, and the valid-step mask."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                f"is None."
            )
        expected = (
            f"With return_sequences=True, y must have shape (n_samples, "
            f"n_timepoints) = {X3.shape[::2]}"
        )
        try:
            y = np.asarray(y)
        except ValueError:  # ragged lists: numpy's "inhomogeneous shape"
            raise ValueError(
                f"{expected}; got rows of different lengths. Pad each row to "
                f"n_timepoints (steps at X's NaN padding are not trained on)."
            ) from None
        if y.shape != X3.shape[::2]:
            raise ValueError(f"{expected}; got {y.shape}.")
        return y, ~np.isnan(X3).all(axis=1)

    @staticmethod
    def _valid_steps(y, valid):
        """``y`` at the valid steps; labels padded with None (an object
        array) take the dtype of their values, as unpadded labels would."""
        y = y[valid]
        return np.asarray(y.tolist()) if y.dtype == object else y

    def _check_stateful(self, X3):
        """The conditions of ``stateful=True`` on the parameters and data."""
        name = type(self).__name__
        if not self.stateful:
            return
        if self.bidirectional:
            raise ValueError(
                f"{name}(stateful=True) carries the state forwards in time and "
                f"needs bidirectional=False."
            )
        if self.early_stopping:
            raise ValueError(
                f"{name}(stateful=True) does not support early_stopping: a "
                f"validation split would break the order of the windows."
            )
        if np.isnan(X3).any():
            raise ValueError(
                f"{name}(stateful=True) needs consecutive equal-length windows; "
                f"X contains NaN (padding or missing values)."
            )

    def _fitted(self, name):
        """``return_sequences`` or ``stateful`` as the network was fitted (the
        parameter may have been set anew since: inference follows the
        network; modules of older models without the attribute: the
        parameter)."""
        return getattr(self.module_, name, getattr(self, name))

    def _forward_all(self, fn, X3):
        """``fn(module output)`` for every row as float64 numpy: in batches,
        or, with ``stateful=True``, over the rows read as one series."""
        if not self._fitted("stateful"):
            return self._batched_padded(lambda xb: fn(self.module_(xb)), X3)
        self._check_stateful(X3)
        with inference_mode(self.module_) as module:
            x = as_float32_tensor(X3, self.net_.device)
            out = fn(module.forward_stream(x))
        return out.cpu().numpy().astype(np.float64)

    def _batched_padded(self, fn, X3):
        """``self._batched`` with the last batch filled by copies of the last row.

        ``_batched`` fills it with zero rows, which count as series of the full
        padded length; copies keep the batch the same whatever the
        array's padding, so a series' output does not depend on it.
        """
        n = len(X3)
        extra = -n % self._inference_batch_rows(X3)
        if extra:
            X3 = np.concatenate([X3, np.repeat(X3[-1:], extra, axis=0)])
        return self._batched(fn, X3, out_dtype=np.float64)[:n]

    @staticmethod
    def _fill_padding(out, X3):
        """Outputs at padding steps repeat the last valid step's."""
        lengths = np.maximum((~np.isnan(X3).all(axis=1)).sum(axis=1), 1)
        idx = np.minimum(np.arange(X3.shape[2]), lengths[:, None] - 1)
        return out[np.arange(len(out))[:, None], idx]

    def _sequence_score(self, metric, X, y, sample_weight):
        X3 = self._validate_X(X, reset=False)
        y, valid = self._sequence_targets(X3, y)
        pred = self.predict(X)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X3)
            sample_weight = np.broadcast_to(sample_weight[:, None], valid.shape)[valid]
        truth = self._valid_steps(y, valid)
        return float(metric(truth, pred[valid], sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # allow_nan stays False: NaN is accepted only as trailing padding, and
        # scikit-learn's checks put NaN anywhere when allow_nan is True.
        if self.return_sequences:  # y: one target per time step, (n, T)
            tags.target_tags.multi_output = True
            tags.target_tags.single_output = False
        return tags


_ATTRIBUTES_DOC = """\
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module.

    history_ : skorch.History
        Per-epoch training record (losses, durations).

    loss_curve_ : list of float
        Mean training loss of each epoch.

    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.

    max_epochs_ : int
        The epochs of the fit: ``max_epochs``, or what ``"auto"`` resolved to.

    n_iter_ : int
        Number of epochs run (at most ``max_epochs_``).

    n_features_in_ : int
        ``n_timepoints`` for 2-D input, ``n_channels`` for 3-D input (what
        scikit-learn's ``validate_data`` counts).

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    n_channels_ : int
        Channels of each series.

    n_timepoints_ : int
        Time points of the (padded) training series.

    input_ndim_ : int
        2 or 3, the dimensionality of ``X`` seen in ``fit``."""


class RNNClassifier(
    LogProbaMixin, PartialFitClassifierMixin, ClassifierMixin, _BaseRNN
):
    """Recurrent (LSTM, GRU or plain RNN) classifier of time series.

    A stack of recurrent layers reads each series; the last hidden state
    (both directions merged when ``bidirectional``) goes through a linear
    layer and a softmax (many-to-one). With ``cell="qrnn"`` or ``"sru"``
    (and ``stateful=False``) the mean of the top layer's outputs over the
    series' valid steps replaces the last hidden state by default
    (``readout``): their state is a gated moving average with no
    hidden-to-hidden path, so the last output alone mostly reflects the last
    few steps (chosen by cross-validation on training parts, issue #14; see
    ``benchmarks/sequence.py``).

{input_doc}

    Parameters
    ----------
{rnn_parameters}

    readout : {"auto", "last", "mean"}, default="auto"
        What the output layer reads of each series (many-to-one): the top
        layer's last valid output (``"last"``), or the mean of its outputs
        over the series' valid steps (``"mean"``). ``"auto"``: the mean for
        ``"qrnn"`` and ``"sru"`` without ``stateful``, else the last output.
        Ignored with ``return_sequences=True``.

{class_weight}

{training_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the cross-entropy loss (ones without
        ``class_weight``).

{attributes}

    See Also
    --------
    RNNRegressor : The regressor.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.recurrent import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> t = np.linspace(0, 4 * np.pi, 30)
    >>> X = np.vstack([np.sin(t + p) for p in rng.uniform(0, 6, 40)]
    ...               + [np.sign(np.sin(t + p)) for p in rng.uniform(0, 6, 40)])
    >>> y = np.repeat(["sine", "square"], 40)
    >>> clf = RNNClassifier(hidden_size=8, max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    >>> X3 = X[:, None, :]  # (n_samples, n_channels, n_timepoints)
    >>> X3[0, :, 20:] = np.nan  # a shorter series, padded with trailing NaN
    >>> clf.fit(X3, y).predict(X3[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **_BaseRNN._parameter_constraints,
        **CLASS_WEIGHT_CONSTRAINT,
    }

    def __init__(
        self,
        cell="lstm",
        *,
        window=2,
        qrnn_pooling="fo",
        hidden_size=32,
        num_layers=1,
        bidirectional=False,
        merge_mode="concat",
        dropout=0.0,
        unit_forget_bias=True,
        return_sequences=False,
        stateful=False,
        gradient_clipping=5.0,
        readout="auto",
        class_weight=None,
        lr=0.01,
        max_epochs="auto",
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
        """Fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints) or \
(n_samples, n_channels, n_timepoints)
            Training series, optionally NaN-padded at the end.

        y : array-like of shape (n_samples,) or (n_samples, n_timepoints)
            Class labels; one per time step with ``return_sequences=True``.

{sample_weight}
            With ``return_sequences=True`` a series' weight applies to each
            of its valid time steps.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if self.return_sequences:
            X = self._validate_X(X, reset=True)
            y_all, valid = self._sequence_targets(X, y)
            y = self._valid_steps(y_all, valid)
        else:
            X, y = self._validate_X(X, y, reset=True)
        self._check_stateful(X)
        weights = validate_sample_weight(sample_weight, X)
        codes = encode_classes(
            self, y, weights, valid=valid if self.return_sequences else None
        )
        self._training_setup()
        y_t = torch.as_tensor(codes, dtype=torch.long)
        self._fit_module(
            as_float32_tensor(X),
            y_t,
            stratified=not self.return_sequences,
            sample_weight=weights,
            streams=self.stateful,
        )
        return self

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints) or \
(n_samples, n_channels, n_timepoints)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or \
(n_samples, n_timepoints, n_classes)
            The latter with ``return_sequences=True``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        # in float64: float32 rows summed to 1 within 1e-7 only
        proba = self._forward_all(lambda out: torch.softmax(out.double(), dim=-1), X)
        if self._fitted("return_sequences"):
            return self._fill_padding(proba, X)
        return proba

    def predict(self, X):
        """Most probable class of each series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints) or \
(n_samples, n_channels, n_timepoints)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_timepoints)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=-1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy; over the valid (non-padding) steps with
        ``return_sequences=True``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints) or \
(n_samples, n_channels, n_timepoints)

        y : array-like of shape (n_samples,) or (n_samples, n_timepoints)

        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        if not self._fitted("return_sequences"):
            return super().score(X, y, sample_weight=sample_weight)
        return self._sequence_score(accuracy_score, X, y, sample_weight)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"hidden_size": 8, "max_epochs": 30, "lr": 0.05, "batch_size": 32},
            {"cell": "sru", "hidden_size": 8, "num_layers": 2, "dropout": 0.1,
             "bidirectional": True, "merge_mode": "sum", "max_epochs": 30,
             "lr": 0.05, "batch_size": 32},
        ]

    def _build_module(self):
        return self._module(len(self.classes_))

    def _expected_failed_checks(self):
        return dict(SAMPLE_WEIGHT_EQUIVALENCE_XFAIL)

    def _criterion(self):
        # Padding steps carry the code -100, which the loss ignores.
        return ClassificationLoss(
            class_weight=torch.tensor(self.class_weight_, dtype=torch.float32)
        )


class RNNRegressor(PartialFitRegressorMixin, RegressorMixin, _BaseRNN):
    """Recurrent (LSTM, GRU or plain RNN) regressor of time series.

    A stack of recurrent layers reads each series; the last hidden state
    (both directions merged when ``bidirectional``) goes through a linear
    layer (many-to-one). Trained on the mean squared error of the
    standardized target (over the valid steps with ``return_sequences``),
    so the units of ``y`` do not change the fit (see ``y_mean_``).

{input_doc}

    Parameters
    ----------
{rnn_parameters}

    readout : {"last", "mean", "auto"}, default="last"
        What the output layer reads of each series (many-to-one): the top
        layer's last valid output (``"last"``), or the mean of its outputs
        over the series' valid steps (``"mean"``); ``"auto"`` is the
        classifier's rule (the mean for ``"qrnn"`` and ``"sru"`` without
        ``stateful``), which was chosen on classification data only. Ignored
        with ``return_sequences=True``.

{training_parameters}

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    y_mean_, y_scale_ : float or ndarray of shape (n_outputs_,)
        Standardization of the target (weighted by ``sample_weight``; floats
        for a 1-D ``y``): the network is trained on ``(y - y_mean_) /
        y_scale_`` and ``predict`` answers in ``y``'s units.

{attributes}

    See Also
    --------
    RNNClassifier : The classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.recurrent import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> freq = rng.uniform(0.5, 2.0, 60)
    >>> X = np.sin(np.outer(freq, np.linspace(0, 6, 25)))
    >>> reg = RNNRegressor(cell="gru", hidden_size=8, max_epochs=5, random_state=0)
    >>> reg.fit(X, freq).predict(X[:4]).shape
    (4,)
    """

    def __init__(
        self,
        cell="lstm",
        *,
        window=2,
        qrnn_pooling="fo",
        hidden_size=32,
        num_layers=1,
        bidirectional=False,
        merge_mode="concat",
        dropout=0.0,
        unit_forget_bias=True,
        return_sequences=False,
        stateful=False,
        gradient_clipping=None,
        readout="last",
        lr=0.01,
        max_epochs="auto",
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

    def _y_validation(self):
        return {"multi_output": True, "y_numeric": True}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the regressor.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints) or \
(n_samples, n_channels, n_timepoints)
            Training series, optionally NaN-padded at the end.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each series in the squared error (with
            ``return_sequences=True``, of each of its valid time steps). An
            integer weight ``k`` acts like ``k`` copies of the series in
            expectation; a zero weight removes it from training.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if self.return_sequences:
            X = self._validate_X(X, reset=True)
            y, valid = self._sequence_targets(X, y)
            y = np.array(y, dtype=np.float64)
            y[~valid] = np.nan  # masked out of the loss
            if not np.isfinite(y[valid]).all():
                raise ValueError("y contains NaN or infinity at a valid time step.")
        else:
            X, y = self._validate_X(X, y, reset=True)
            y = float_targets(y)
        self._check_stateful(X)
        weights = validate_sample_weight(sample_weight, X)
        if not self._continues_training():  # (a later call keeps the first's)
            self._y_1d = y.ndim == 1
        elif self._y_1d and y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()  # a column y continues a 1-D fit as 1-D
        if self.return_sequences:  # every valid step of every series: one output
            steps = None if weights is None else weights.repeat_interleave(y.shape[1])
            y2 = self._standardize_targets(y.reshape(-1, 1), steps, as_floats=True)
            y2 = y2.reshape(y.shape)
        else:
            y2 = self._standardize_targets(
                y.reshape(len(y), -1), weights, as_floats=self._y_1d
            )
        self.n_outputs_ = 1 if self.return_sequences else y2.shape[1]
        self._training_setup()
        self._fit_module(
            as_float32_tensor(X),
            as_float32_tensor(y2),
            sample_weight=weights,
            streams=self.stateful,
        )
        return self

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints) or \
(n_samples, n_channels, n_timepoints)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), (n_samples, n_outputs) or \
(n_samples, n_timepoints)
            The latter with ``return_sequences=True``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        out = self._in_target_units(self._forward_all(lambda out: out, X))
        if self._fitted("return_sequences"):
            return self._fill_padding(out[..., 0], X)
        return out[:, 0] if self._y_1d else out

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R²; with ``return_sequences=True``,
        one R² of all valid (non-padding) steps pooled (``r2_score`` of the
        flattened steps), not scikit-learn's mean of per-step R²
        (``scoring="r2"`` on the ``(n_samples, n_timepoints)`` predictions,
        which padding would distort).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timepoints) or \
(n_samples, n_channels, n_timepoints)

        y : array-like of shape (n_samples,), (n_samples, n_outputs) or \
(n_samples, n_timepoints)

        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        if not self._fitted("return_sequences"):
            return super().score(X, y, sample_weight=sample_weight)
        return self._sequence_score(r2_score, X, y, sample_weight)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"hidden_size": 16, "max_epochs": 60, "lr": 0.02, "batch_size": 32},
            {"cell": "qrnn", "hidden_size": 16, "bidirectional": True,
             "merge_mode": "ave", "max_epochs": 60, "lr": 0.05, "batch_size": 32},
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _build_module(self):
        return self._module(self.n_outputs_)

    def _expected_failed_checks(self):
        return dict(SAMPLE_WEIGHT_EQUIVALENCE_XFAIL)

    def _criterion(self):
        # Padding steps of many-to-many targets are NaN, left out of the loss.
        return WeightedMSELoss(ignore_nan=self.return_sequences)


def _fill_doc(cls):
    defaults = cls()
    cls.__doc__ = (
        cls.__doc__.replace("{input_doc}", INPUT_DOC)
        .replace("{rnn_parameters}", RNN_PARAMETERS_DOC.replace(
            "{gradient_clipping}", GRADIENT_CLIPPING_DOC.format(
                default=defaults.gradient_clipping, note=_CLIPPING_NOTE)))
        .replace("{class_weight}", CLASS_WEIGHT_DOC)
        .replace("{training_parameters}", training_parameters_doc(
            lr=0.01,
            max_epochs=defaults.max_epochs,
            auto_epochs=auto_epochs_doc(cls),
        ))
        .replace("{attributes}", _ATTRIBUTES_DOC)
    )


for _cls in (RNNClassifier, RNNRegressor):
    _fill_doc(_cls)
RNNClassifier.fit.__doc__ = RNNClassifier.fit.__doc__.replace(
    "{sample_weight}", SAMPLE_WEIGHT_FIT_DOC
)
