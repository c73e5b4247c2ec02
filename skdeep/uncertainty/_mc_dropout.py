"""Monte-Carlo dropout (Gal & Ghahramani, 2016) as scikit-learn estimators."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils import Bunch
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from skdeep.uncertainty._modules import _MASK_SEED_OFFSET, ACTIVATIONS, MCDropoutMLP
from skdeep.utils._losses import ClassificationLoss, WeightedMSELoss
from skdeep.utils._mixins import LogProbaMixin
from skdeep.utils._sklearn import (
    Interval,
    StrOptions,
    _fit_context,
    validate_prediction_params,
)
from skdeep.utils._torch import as_float32_tensor, inference_mode, write_rows
from skdeep.utils._training import (
    AUTO_EPOCHS_CONSTRAINT,
    CLASS_WEIGHT_CONSTRAINT,
    CLASS_WEIGHT_DOC,
    LR_SCHEDULE_CONSTRAINT,
    LR_SCHEDULE_DOC,
    SAMPLE_WEIGHT_EQUIVALENCE_XFAIL,
    SAMPLE_WEIGHT_FIT_DOC,
    BaseTorchEstimator,
    PartialFitClassifierMixin,
    PartialFitRegressorMixin,
    auto_epochs_doc,
    encode_classes,
    training_parameters_doc,
    validate_sample_weight,
)
from skdeep.utils.validation import (
    check_layer_sizes,
    column_standardization,
    float_targets,
    standardize_columns,
)

# Activations of one MC forward (n_mc_samples x rows x width floats) are kept
# under this many elements, so n_mc_samples=10_000 stays within memory.
_MC_ELEMENTS_PER_CHUNK = 2**20

_COMMON_PARAMETERS_DOC = """\
    hidden_layer_sizes : tuple of int, default=(50,)
        Widths of the hidden layers (Gal & Ghahramani use one layer of 50
        units, 100 for large data sets).

    dropout : float, default=0.05
        Probability of dropping a unit. Dropout acts on the inputs and on
        every hidden layer, during training *and* prediction.

    n_mc_samples : int, default=100
        Number of stochastic forward passes (Monte-Carlo samples) averaged
        at prediction time. All passes run as one batched forward, so
        thousands stay cheap.

    length_scale : float, default=1e-2
        Prior length-scale :math:`l` of the weights. Together with
        ``dropout`` and the number of training rows :math:`N` it sets the
        L2 penalty on the weights (not the biases), see ``weight_decay``.

    activation : {"relu", "tanh", "sigmoid", "elu", "gelu"}, default="relu"
        Non-linearity of the hidden layers."""

_WEIGHT_DECAY_DOC = """\
    weight_decay : float or None, default=None
        L2 penalty on the weights. ``None`` derives it from the prior as
        Gal & Ghahramani's code does (see ``weight_decay_``); a float
        overrides that."""


def _check_mc_params(est):
    check_layer_sizes(est.hidden_layer_sizes)


class _BaseMCDropout(BaseTorchEstimator):
    """Shared machinery of the MC-dropout estimators (private)."""

    # max_epochs="auto": at least 2000 Adam steps and at least 40 epochs.
    # 40 epochs of 128-row batches gave iris's 120 training rows 40 steps
    # (accuracy 0.81); chosen in a declared selection round on other data,
    # benchmarks/uncertainty_runs/mc_dropout_small_data.py (session 29).
    _auto_steps = 2000
    _auto_epoch_range = (40, None)

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        **AUTO_EPOCHS_CONSTRAINT,
        "hidden_layer_sizes": ["array-like"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "n_mc_samples": [Interval(Integral, 1, None, closed="left")],
        "length_scale": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "weight_decay": [Interval(Real, 0, None, closed="left"), None],
        **LR_SCHEDULE_CONSTRAINT,
    }

    def _prior_precision(self):
        """:math:`\\tau` in the weight-decay formula (1 for classification)."""
        return 1.0

    def _fit_standardized(self, X, y_tensor, *, stratified=False, sample_weight=None):
        """Standardize X, set the weight decay, train the module.

        With ``sample_weight`` (a float tensor, or None) the means, deviations
        and the number of rows :math:`N` in the weight decay are the weighted
        ones, what repeating each row ``sample_weight`` times would give.
        A ``partial_fit`` call that continues training keeps the first
        call's statistics and weight decay (the trained weights assume them).
        """
        if self._continues_training():
            self._training_setup()
            self._fit_module(as_float32_tensor(self._standardize(X)), y_tensor,
                             sample_weight=sample_weight)
            return
        if sample_weight is None:
            w, n = None, X.shape[0]
        else:
            w = sample_weight.double().numpy()
            n = float(w.sum())
        self.x_mean_, self.x_scale_ = column_standardization(X, w)
        if self.weight_decay is None:
            # Gal & Ghahramani: reg = l^2 (1 - p) / (2 N tau) multiplies
            # sum(W^2) in the loss (Keras' l2(reg)); its gradient 2 reg W is
            # torch's coupled weight_decay = 2 reg.
            reg = self.length_scale**2 * (1 - self.dropout) / (
                2.0 * n * self._prior_precision()
            )
            self.weight_decay_ = 2.0 * reg
        else:
            self.weight_decay_ = float(self.weight_decay)
        self._training_setup()
        self._fit_module(as_float32_tensor(self._standardize(X)), y_tensor,
                         stratified=stratified, sample_weight=sample_weight)

    def _optimizer_params(self):
        # Weight decay on the weights only, as Keras' W_regularizer.
        return {
            "weight_decay": self.weight_decay_,
            "param_groups": [("*bias", {"weight_decay": 0.0})],
        }

    def _standardize(self, X):
        # float32, what the network takes, from float64 arithmetic in row
        # chunks (no float64 copies of the whole input)
        return standardize_columns(X, self.x_mean_, self.x_scale_, np.float32)

    def _n_outputs(self):
        raise NotImplementedError

    def _build_module(self):
        return MCDropoutMLP(
            self.n_features_in_,
            tuple(self.hidden_layer_sizes),
            self._n_outputs(),
            self.dropout,
            self.activation,
        )

    def _mc_map(self, X, fn, y=None):
        """Run all passes over validated ``X`` in chunks; ``fn`` reduces them.

        ``fn`` gets the outputs of a chunk, a tensor of shape
        ``(n_mc_samples, rows, n_outputs)`` (and the matching rows of ``y``
        as a float64 tensor when ``y`` is given), and returns a tensor or a
        tuple of tensors with one row per input row. The dropout masks come
        from a ``torch.Generator`` seeded from ``random_state`` and are drawn
        once per call, so predictions of a fitted model are deterministic and
        do not depend on how the rows are batched.
        """
        validate_prediction_params(self, "n_mc_samples")
        T = self.n_mc_samples
        module = self.module_
        device = self.net_.device
        # Masks are drawn on the CPU and moved: they are small, and the same
        # seed then gives the same masks, hence predictions, on every device.
        generator = torch.Generator()
        generator.manual_seed(int(self._seed) + _MASK_SEED_OFFSET)
        widest = max([*module.layer_inputs, self._n_outputs()])
        rows = max(1, min(len(X), _MC_ELEMENTS_PER_CHUNK // (T * widest)))

        def chunks():
            for start in range(0, len(X), rows):
                out = module.forward_mc(
                    as_float32_tensor(self._standardize(X[start : start + rows]),
                                      device),
                    masks,
                )
                if y is None:
                    yield start, fn(out)
                else:
                    # a copy: y may be read-only (a joblib memmap, a pandas
                    # Series' values), which torch warns about when wrapping
                    yb = torch.tensor(
                        y[start : start + rows], dtype=torch.float64, device=device
                    )
                    yield start, fn(out, yb)

        with inference_mode(module):
            masks = module.draw_masks(T, generator)
            return write_rows(chunks(), len(X), np.float64)

    def _validate_predict_input(self, X):
        check_is_fitted(self)
        return validate_data(
            self, X, dtype=[np.float64, np.float32], reset=False
        ).astype(np.float64, copy=False)


class MCDropoutRegressor(PartialFitRegressorMixin, RegressorMixin, _BaseMCDropout):
    """Regression with Monte-Carlo dropout: predictions with uncertainty.

    A fully connected network trained with dropout, and kept stochastic at
    prediction time: each of ``n_mc_samples`` forward passes samples the
    weights from an approximate posterior (Gal & Ghahramani, 2016). The
    predictive distribution is the mixture of Gaussians
    :math:`\\frac1T\\sum_t \\mathcal N(f_t(x), \\tau^{-1})`; ``predict``
    returns its mean (and standard deviation with ``return_std=True``, as
    :class:`~sklearn.gaussian_process.GaussianProcessRegressor` does),
    ``predict_interval`` its central intervals and ``log_likelihood`` the
    test log-likelihood as the paper computes it.

    The inputs and the target are standardized internally with the training
    means and standard deviations (as Gal & Ghahramani's code does); every
    output is in the units of ``y``. A 2-D ``y`` of shape ``(n_samples,
    n_outputs)`` trains one network with ``n_outputs`` outputs, as
    :class:`~sklearn.neural_network.MLPRegressor` does; each output is
    standardized on its own.

    Parameters
    ----------
{common}

    tau : float, default=1.0
        Model precision :math:`\\tau`: the inverse variance of the observation
        noise, in the units of ``y`` (``1 / y_units**2``), as in Gal &
        Ghahramani's code; the same for every output of a 2-D ``y`` (give
        the outputs comparable units). It sets the noise part of the predictive variance
        and, with ``length_scale``, the weight decay, both at ``fit`` (a value
        set since applies at the next fit). Tune it (and
        ``dropout``) with :class:`~sklearn.model_selection.GridSearchCV` and
        :func:`log_likelihood_scorer`.

{weight_decay}

{training_parameters}

{lr_schedule}

    Attributes
    ----------
    weight_decay_ : float
        The L2 penalty used on the weights: unless ``weight_decay`` is set,
        :math:`2 \\cdot l^2 (1 - p) / (2 N \\tau)` (Keras' ``l2(reg)`` term
        ``reg * sum(W**2)`` has gradient ``2 reg W``, which is torch's
        ``weight_decay``), with :math:`N` the number of training rows, or
        the sum of ``sample_weight``.

    x_mean_, x_scale_ : ndarray of shape (n_features_in_,)
        Standardization of the inputs (a zero deviation counts as one;
        weighted by ``sample_weight`` when it is given).

    y_mean_, y_scale_ : float or ndarray of shape (n_outputs_,)
        Standardization of the target (floats for one output; weighted by
        ``sample_weight`` when it is given).

    n_outputs_ : int
        Number of targets: 1 for a 1-D ``y`` (or a column vector, which is
        raveled with a ``DataConversionWarning`` as ``MLPRegressor`` does).

    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module.

    history_ : skorch.History
        Per-epoch training record.

    loss_curve_ : list of float
        Mean training loss (on the standardized target) of each epoch.

    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.

    max_epochs_ : int
        The epochs of the fit: ``max_epochs``, or what ``"auto"`` resolved to.

    n_iter_ : int
        Number of epochs run (at most ``max_epochs_``).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    MCDropoutClassifier : The classification counterpart.
    sklearn.gaussian_process.GaussianProcessRegressor : Exact Bayesian
        regression for small data sets.

    Notes
    -----
    Dropout acts on the inputs and on every hidden layer, in training and at
    prediction. At prediction all ``n_mc_samples`` passes run as one batched
    forward over ``n_mc_samples x rows``; rows are taken in chunks that keep
    each activation tensor near a million elements (``batch_size`` only sets
    the training batches). The masks are drawn from a ``torch.Generator``
    seeded from ``random_state``, once per call, and pass ``t`` uses the same
    masks for every row (one sample of the weights), so predictions of a
    fitted model are deterministic and do not depend on the other rows.

    References
    ----------
    Y. Gal and Z. Ghahramani, "Dropout as a Bayesian Approximation:
    Representing Model Uncertainty in Deep Learning", ICML 2016,
    arXiv:1506.02142.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.uncertainty import MCDropoutRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-3, 3, size=(200, 1))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.randn(200)
    >>> reg = MCDropoutRegressor(max_epochs=5, tau=100.0, random_state=0).fit(X, y)
    >>> mean, std = reg.predict(X[:3], return_std=True)
    >>> mean.shape, std.shape
    ((3,), (3,))
    >>> reg.sample_predictions(X[:3]).shape
    (100, 3)
    >>> reg.predict_interval(X[:3], coverage=0.9).shape
    (3, 2)
    >>> Y = np.column_stack([y, np.cos(X[:, 0])])  # two targets
    >>> mean, std = reg.fit(X, Y).predict(X[:3], return_std=True)
    >>> mean.shape, std.shape
    ((3, 2), (3, 2))
    """

    _parameter_constraints: dict = {
        **_BaseMCDropout._parameter_constraints,
        "tau": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        hidden_layer_sizes=(50,),
        *,
        dropout=0.05,
        n_mc_samples=100,
        length_scale=1e-2,
        activation="relu",
        tau=1.0,
        weight_decay=None,
        lr=0.001,
        max_epochs="auto",
        batch_size=128,
        optimizer="adam",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        lr_schedule="constant",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.n_mc_samples = n_mc_samples
        self.length_scale = length_scale
        self.activation = activation
        self.tau = tau
        self.weight_decay = weight_decay
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.lr_schedule = lr_schedule

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network with dropout on standardized data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values; a column vector ``(n_samples, 1)`` is raveled
            with a ``DataConversionWarning``, as ``MLPRegressor`` does.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the squared error. An
            integer weight ``k`` acts like ``k`` copies of the sample in
            expectation; a zero weight removes it from training. The
            standardization of ``X`` and ``y`` and the :math:`N` of the
            weight decay are weighted too.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _check_mc_params(self)
        X, y = validate_data(
            self, X, y, dtype=np.float64, y_numeric=True, multi_output=True,
            ensure_min_samples=self._min_training_samples(),
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # one target, as MLPRegressor
        y = float_targets(y)
        weights = validate_sample_weight(sample_weight, X)
        Y = y.reshape(len(y), -1)
        self.n_outputs_ = Y.shape[1]
        # Floats for one output, as models fitted before multi-output stored.
        y_t = as_float32_tensor(
            self._standardize_targets(Y, weights, as_floats=y.ndim == 1)
        )
        # the noise precision of this fit: the predictive variance and the
        # log-likelihood read it, not a tau set anew since (see _noise_tau)
        self._fitted_tau = float(self.tau)
        self._fit_standardized(X, y_t, sample_weight=weights)
        return self

    def _noise_tau(self):
        """The ``tau`` of the fit (models saved before it kept none)."""
        return getattr(self, "_fitted_tau", float(self.tau))

    def _prior_precision(self):
        return float(self.tau)

    def _n_outputs(self):
        # Models fitted before multi-output have no n_outputs_.
        return getattr(self, "n_outputs_", 1)

    def _expected_failed_checks(self):
        return dict(SAMPLE_WEIGHT_EQUIVALENCE_XFAIL)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _criterion(self):
        return WeightedMSELoss()

    def _samples_fn(self, out):
        return out.transpose(0, 1)  # (rows, T, n_outputs)

    def _unstandardize(self, values):
        """Standardized outputs ``(..., n_outputs)`` in the units of ``y``:
        ``(...)`` for one output, as ``y`` was 1-D."""
        values = self._in_target_units(values)
        return values[..., 0] if self._n_outputs() == 1 else values

    def sample_predictions(self, X):
        """Predictions of every stochastic pass.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        samples : ndarray of shape (n_mc_samples, n_samples) or \
(n_mc_samples, n_samples, n_outputs_)
            :math:`f_t(x)` in the units of ``y`` (without observation noise);
            the latter for a 2-D ``y``.
        """
        return self._sample_predictions(self._validate_predict_input(X))

    def _sample_predictions(self, X):
        """:meth:`sample_predictions` of validated ``X``."""
        samples = self._mc_map(X, self._samples_fn).transpose(1, 0, 2)
        return self._unstandardize(samples)

    def predict(self, X, return_std=False):
        """Predictive mean, and optionally standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        return_std : bool, default=False
            Also return the predictive standard deviation
            :math:`\\sqrt{\\tau^{-1} + \\mathrm{Var}_t f_t(x)}`.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_outputs_)
            Mean of the ``n_mc_samples`` passes; the latter for a 2-D ``y``.

        y_std : ndarray of the shape of ``y_mean``
            Only with ``return_std=True``: one deviation per output.
        """
        X = self._validate_predict_input(X)

        def moments(out):
            out = out.double()
            return out.mean(0), out.var(0, unbiased=False)

        mean, var = self._mc_map(X, moments)  # (n, n_outputs), standardized
        mean = self._unstandardize(mean)
        if not return_std:
            return mean
        var = var * np.asarray(self.y_scale_) ** 2
        if self._n_outputs() == 1:
            var = var[:, 0]
        return mean, np.sqrt(var + 1.0 / self._noise_tau())

    def predict_interval(self, X, coverage=0.9):
        """Central predictive intervals.

        The bounds are the exact quantiles of the predictive mixture
        :math:`\\frac1T\\sum_t \\mathcal N(f_t(x), \\tau^{-1})`, found by
        bisection.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        coverage : float, default=0.9
            Probability mass inside each interval, in (0, 1).

        Returns
        -------
        intervals : ndarray of shape (n_samples, 2) or (n_samples, n_outputs_, 2)
            Lower and upper bounds (the last axis), of each output for a 2-D
            ``y``: ``intervals[..., 0]`` are the lower bounds either way.
        """
        if not (isinstance(coverage, Real) and 0 < coverage < 1):
            raise ValueError(f"coverage must be a float in (0, 1); got {coverage!r}.")
        X = self._validate_predict_input(X)
        sigma = 1.0 / math.sqrt(self._noise_tau())

        def bounds(out):
            # the chunk's passes (T, rows, n_outputs) reduced to its bounds:
            # all samples at once, and the bisection's temporaries over
            # them, took 760 MB for 3e5 rows (2.5 KB a row at T=100)
            samples = self._in_target_units(out.double().cpu().numpy())
            T, rows, n_outputs = samples.shape
            mixtures = np.moveaxis(samples, 0, -1).reshape(-1, T)
            found = np.column_stack(
                [
                    _mixture_quantile(mixtures, sigma, (1 - coverage) / 2),
                    _mixture_quantile(mixtures, sigma, (1 + coverage) / 2),
                ]
            )
            return torch.from_numpy(found.reshape(rows, n_outputs, 2))

        intervals = self._mc_map(X, bounds)  # (n, n_outputs, 2)
        return intervals[:, 0] if self._n_outputs() == 1 else intervals

    def log_likelihood(self, X, y, *, average=True):
        """Test log-likelihood as Gal & Ghahramani compute it.

        .. math::
            \\log p(y \\mid x) \\approx \\operatorname{logsumexp}_t
            \\left(-\\tfrac{\\tau}{2}\\lVert y - f_t(x)\\rVert^2\\right) - \\log T
            - \\tfrac{m}{2} \\log 2\\pi + \\tfrac{m}{2} \\log \\tau

        with :math:`m` = ``n_outputs_``: for a 2-D ``y`` the joint density of
        all outputs (independent given the weights, each with precision
        :math:`\\tau`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        y : array-like of shape (n_samples,) or (n_samples, n_outputs_)
            True targets.

        average : bool, default=True
            Return the mean over samples (the paper's number) rather than
            one value per sample.

        Returns
        -------
        log_likelihood : float or ndarray of shape (n_samples,)
            Higher is better.
        """
        if not isinstance(average, (bool, np.bool_)):  # ("yes" and 0 were read)
            raise ValueError(f"average must be True or False; got {average!r}.")
        X = self._validate_predict_input(X)
        m = self._n_outputs()
        # finite, as fit's targets (NaN gave a NaN score, inf -inf)
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if m == 1:
            y = column_or_1d(y, warn=True)[:, None]
        else:
            if y.ndim != 2 or y.shape[1] != m:
                raise ValueError(
                    f"y must have shape (n_samples, {m}), the targets of fit; "
                    f"got {y.shape}."
                )
        if len(y) != len(X):
            raise ValueError(
                f"X has {len(X)} samples but y has {len(y)}; they must match."
            )
        T, tau = self.n_mc_samples, self._noise_tau()
        y_mean, y_scale = np.atleast_1d(self.y_mean_), np.atleast_1d(self.y_scale_)

        def loglik(out, yb):
            mean = torch.as_tensor(y_mean, device=out.device)
            scale = torch.as_tensor(y_scale, device=out.device)
            f = mean + scale * out.double()  # (T, rows, m)
            sq = ((yb[None] - f) ** 2).sum(-1)
            return torch.logsumexp(-0.5 * tau * sq, dim=0)

        lse = self._mc_map(X, loglik, y=y)
        ll = lse - math.log(T) + 0.5 * m * (math.log(tau) - math.log(2 * math.pi))
        return float(ll.mean()) if average else ll

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"hidden_layer_sizes": (16,), "max_epochs": 20, "batch_size": 32,
             "lr": 0.01, "n_mc_samples": 10},
            {"hidden_layer_sizes": (8, 8), "dropout": 0.1, "max_epochs": 15,
             "batch_size": 16, "lr": 0.01, "n_mc_samples": 5, "tau": 10.0,
             "activation": "tanh"},
        ]


def _mixture_quantile(samples, sigma, q, n_iter=60):
    """Quantile ``q`` of ``mean_t N(samples[:, t], sigma^2)``, row by row."""
    from scipy.special import ndtr

    lo = samples.min(axis=1) - 10 * sigma
    hi = samples.max(axis=1) + 10 * sigma
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        cdf = ndtr((mid[:, None] - samples) / sigma).mean(axis=1)
        below = cdf < q
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


class MCDropoutClassifier(
    LogProbaMixin, PartialFitClassifierMixin, ClassifierMixin, _BaseMCDropout
):
    """Classification with Monte-Carlo dropout: probabilities and uncertainty.

    A fully connected network trained with dropout, kept stochastic at
    prediction time: ``predict_proba`` averages the softmax outputs of
    ``n_mc_samples`` passes, each a sample of the weights from the
    approximate posterior of Gal & Ghahramani (2016). ``uncertainty``
    separates what the model does not know (mutual information) from what
    is ambiguous in the data (expected entropy).

    The inputs are standardized internally with the training means and
    standard deviations.

    Parameters
    ----------
{common}

{class_weight}

{weight_decay}

{training_parameters}

{lr_schedule}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the cross-entropy loss (ones without
        ``class_weight``).

    weight_decay_ : float
        The L2 penalty used on the weights: unless ``weight_decay`` is set,
        :math:`l^2 (1 - p) / N` (Gal & Ghahramani's ``l^2 (1-p) / (2N)``
        coefficient of ``sum(W**2)``, as a gradient), with :math:`N` the
        number of training rows, or the sum of ``sample_weight``.

    x_mean_, x_scale_ : ndarray of shape (n_features_in_,)
        Standardization of the inputs (weighted by ``sample_weight`` when
        it is given).

    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module.

    history_ : skorch.History
        Per-epoch training record.

    loss_curve_ : list of float
        Mean training cross-entropy of each epoch.

    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.

    max_epochs_ : int
        The epochs of the fit: ``max_epochs``, or what ``"auto"`` resolved to.

    n_iter_ : int
        Number of epochs run (at most ``max_epochs_``).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    MCDropoutRegressor : The regression counterpart.
    sklearn.neural_network.MLPClassifier : A deterministic network.

    Notes
    -----
    Dropout acts on the inputs and on every hidden layer, in training and at
    prediction. At prediction all ``n_mc_samples`` passes run as one batched
    forward over ``n_mc_samples x rows``; rows are taken in chunks that keep
    each activation tensor near a million elements (``batch_size`` only sets
    the training batches). The masks are drawn from a ``torch.Generator``
    seeded from ``random_state``, once per call, and pass ``t`` uses the same
    masks for every row (one sample of the weights), so predictions of a
    fitted model are deterministic and do not depend on the other rows.

    References
    ----------
    Y. Gal and Z. Ghahramani, "Dropout as a Bayesian Approximation:
    Representing Model Uncertainty in Deep Learning", ICML 2016.
    N. Houlsby et al., "Bayesian Active Learning for Classification and
    Preference Learning" (BALD), 2011.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdeep.uncertainty import MCDropoutClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MCDropoutClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> u = clf.uncertainty(X[:2])
    >>> sorted(u)
    ['entropy', 'expected_entropy', 'mutual_information', 'variation_ratio']
    >>> u.entropy.shape
    (2,)
    """

    _parameter_constraints: dict = {
        **_BaseMCDropout._parameter_constraints,
        **CLASS_WEIGHT_CONSTRAINT,
    }

    def __init__(
        self,
        hidden_layer_sizes=(50,),
        *,
        dropout=0.05,
        n_mc_samples=100,
        length_scale=1e-2,
        activation="relu",
        class_weight=None,
        weight_decay=None,
        lr=0.001,
        max_epochs="auto",
        batch_size=128,
        optimizer="adam",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        lr_schedule="constant",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.n_mc_samples = n_mc_samples
        self.length_scale = length_scale
        self.activation = activation
        self.class_weight = class_weight
        self.weight_decay = weight_decay
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.lr_schedule = lr_schedule

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network with dropout.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.

        y : array-like of shape (n_samples,)
            Class labels.

{sample_weight}
            The standardization of ``X`` and the :math:`N` of the weight
            decay are weighted too.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _check_mc_params(self)
        X, y = validate_data(
            self, X, y, dtype=np.float64,
            ensure_min_samples=self._min_training_samples(),
        )
        weights = validate_sample_weight(sample_weight, X)
        codes = encode_classes(self, y, weights)
        y_t = torch.as_tensor(codes, dtype=torch.long)
        self._fit_standardized(
            X, y_t, stratified=self.early_stopping, sample_weight=weights
        )
        return self

    def _n_outputs(self):
        return len(self.classes_)

    def _expected_failed_checks(self):
        return dict(SAMPLE_WEIGHT_EQUIVALENCE_XFAIL)

    def _criterion(self):
        # Models saved before class_weight existed have no class_weight_.
        class_weight = getattr(self, "class_weight_", None)
        return ClassificationLoss(
            class_weight=None
            if class_weight is None
            else torch.tensor(class_weight, dtype=torch.float32)
        )

    def sample_proba(self, X):
        """Class probabilities of every stochastic pass.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_mc_samples, n_samples, n_classes)
        """
        X = self._validate_predict_input(X)
        out = self._mc_map(X, lambda o: torch.softmax(o, -1).transpose(0, 1))
        return out.transpose(1, 0, 2)

    def predict_proba(self, X):
        """Class probabilities averaged over the stochastic passes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._validate_predict_input(X)
        return self._mc_map(X, lambda o: torch.softmax(o.double(), -1).mean(0))

    def predict(self, X):
        """The most probable class under the averaged probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def uncertainty(self, X):
        """Per-sample uncertainty measures from the stochastic passes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        measures : :class:`~sklearn.utils.Bunch` of ndarrays of shape (n_samples,)
            ``entropy``: predictive entropy :math:`H[\\bar p]` of the averaged
            probabilities (nats), total uncertainty.
            ``expected_entropy``: :math:`\\frac1T\\sum_t H[p_t]`, the part due
            to ambiguity in the data (aleatoric).
            ``mutual_information``: ``entropy - expected_entropy``, the
            information gain about the weights (BALD, Houlsby et al. 2011),
            the model's (epistemic) uncertainty.
            ``variation_ratio``: :math:`1 - f_m / T`, with :math:`f_m` the
            number of passes voting for the modal class.
        """
        X = self._validate_predict_input(X)
        k = len(self.classes_)

        def stats(out):
            p = torch.softmax(out.double(), -1)  # (T, rows, k)
            mean = p.mean(0)
            entropy = -(mean * torch.log(mean.clamp_min(1e-300))).sum(-1)
            expected = -(p * torch.log(p.clamp_min(1e-300))).sum(-1).mean(0)
            votes = torch.nn.functional.one_hot(p.argmax(-1), k).sum(0)
            modal = votes.max(-1).values.double()
            return entropy, expected, 1.0 - modal / p.shape[0]

        entropy, expected, variation = self._mc_map(X, stats)
        return Bunch(
            entropy=entropy,
            expected_entropy=expected,
            mutual_information=np.maximum(entropy - expected, 0.0),
            variation_ratio=variation,
        )

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"hidden_layer_sizes": (16,), "max_epochs": 20, "batch_size": 32,
             "lr": 0.01, "n_mc_samples": 10},
            {"hidden_layer_sizes": (8, 8), "dropout": 0.1, "max_epochs": 15,
             "batch_size": 16, "lr": 0.01, "n_mc_samples": 5,
             "activation": "tanh"},
        ]


def log_likelihood_scorer(estimator, X, y):
    """Scorer: the mean test log-likelihood of an :class:`MCDropoutRegressor`.

    Pass it as ``scoring=`` to :class:`~sklearn.model_selection.GridSearchCV`
    to choose ``dropout`` and ``tau`` as Gal & Ghahramani do. Works on a
    Pipeline ending in the regressor.

    Parameters
    ----------
    estimator : fitted MCDropoutRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)

    Returns
    -------
    score : float
        Higher is better.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skdeep.uncertainty import MCDropoutRegressor, log_likelihood_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(120, 2); y = X[:, 0] + 0.1 * rng.randn(120)
    >>> search = GridSearchCV(
    ...     MCDropoutRegressor(max_epochs=3, random_state=0),
    ...     {"dropout": [0.01, 0.1], "tau": [10.0, 100.0]},
    ...     scoring=log_likelihood_scorer, cv=2,
    ... ).fit(X, y)
    >>> sorted(search.best_params_)
    ['dropout', 'tau']
    """
    if hasattr(estimator, "steps"):
        Xt = X
        for _, step in estimator.steps[:-1]:
            if step is not None and step != "passthrough":
                Xt = step.transform(Xt)
        return estimator.steps[-1][1].log_likelihood(Xt, y)
    return estimator.log_likelihood(X, y)


_TRAINING_DOC = training_parameters_doc(
    max_epochs='"auto"',
    auto_epochs=auto_epochs_doc(_BaseMCDropout),
)

for _cls in (MCDropoutRegressor, MCDropoutClassifier):
    _cls.__doc__ = (
        _cls.__doc__.replace("{common}", _COMMON_PARAMETERS_DOC)
        .replace("{class_weight}", CLASS_WEIGHT_DOC)
        .replace("{weight_decay}", _WEIGHT_DECAY_DOC)
        .replace("{lr_schedule}", LR_SCHEDULE_DOC.format(default="constant"))
        .replace(
            "{training_parameters}",
            _TRAINING_DOC.split("    weight_decay : float")[0].rstrip()
            + "\n\n"
            + "    early_stopping"
            + _TRAINING_DOC.split("    early_stopping", 1)[1],
        )
    )
del _cls
MCDropoutClassifier.fit.__doc__ = MCDropoutClassifier.fit.__doc__.replace(
    "{sample_weight}", SAMPLE_WEIGHT_FIT_DOC
)
