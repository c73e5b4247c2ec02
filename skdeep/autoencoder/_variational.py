"""Variational autoencoder (and beta-VAE) as a scikit-learn transformer."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from skdeep.autoencoder._autoencoder import (
    _BaseAutoencoder,
    autoencoder_parameters_doc,
)
from skdeep.autoencoder._modules import VAELoss, VariationalAutoencoderModule, vae_terms
from skdeep.utils._sklearn import Interval, StrOptions, _fit_context
from skdeep.utils._torch import derive_seed
from skdeep.utils._training import PartialFitTransformerMixin, training_parameters_doc
from skdeep.utils.validation import check_layer_sizes

# Posterior points of the ELBO's quasi-Monte-Carlo expectation
# (score_samples): a power of two, as Sobol sequences want.
_ELBO_DRAWS = 32
# score_samples decodes several draws of a batch in one call, up to this
# many values of the output (16 MB in float32; at least one draw a call, as
# before): more draws per call for narrow rows, the memory of a batch stays
# bounded for wide ones.
_ELBO_DECODE_VALUES = 2**22


def _normal_draws(n, dims):
    """``n`` fixed standard-normal points in ``dims`` dimensions from a
    scrambled Sobol sequence (seed 0): against 4,000 random draws, the ELBO
    of 32 of them erred by 0.03-0.12 nats per row (root mean square), of 32
    random draws by 0.17-0.33."""
    u = torch.quasirandom.SobolEngine(dims, scramble=True, seed=0).draw(
        n, dtype=torch.float64)
    return math.sqrt(2.0) * torch.erfinv(2.0 * u.clamp(1e-9, 1.0 - 1e-9) - 1.0)


class VariationalAutoencoder(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    PartialFitTransformerMixin,
    _BaseAutoencoder,
):
    """Variational autoencoder (Kingma & Welling), a generative model of rows.

    The encoder gives a Gaussian posterior over a ``code_size``-wide latent
    code, the decoder a likelihood of the row given the code; training
    maximises the evidence lower bound (ELBO). ``beta > 1`` weighs the KL term
    more, the disentangling beta-VAE (Higgins et al., 2017).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Encoder widths from the input towards the code; the decoder mirrors
        them.

    code_size : int, default=2
        Latent dimension.

    beta : float, default=1.0
        Weight of the KL term; 1 is the plain VAE.

    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        ``"gaussian"`` (unit variance): for standardized data.
        ``"bernoulli"``: for data in [0, 1], such as pixel intensities; the
        decoder then outputs probabilities.

    sample_codes : bool, default=False
        ``transform`` returns the posterior mean (default) or one draw from
        the posterior per row (drawn from a generator seeded by
        ``random_state``, so repeated calls agree). The draw belongs to the
        row's position in ``X``: the same row elsewhere in ``X``, or alone,
        gets another draw.

{autoencoder_parameters}

{training_parameters}

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net.

    history_ : skorch.History
        Per-epoch training record (losses, durations).

    loss_curve_ : list of float
        Mean negative ELBO (with ``beta``) of each epoch.

    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.

    n_iter_ : int
        Number of epochs run.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    AutoencoderTransformer : The deterministic autoencoder.

    References
    ----------
    Kingma, D. P. and Welling, M. "Auto-Encoding Variational Bayes", ICLR 2014.
    Higgins, I. et al. "beta-VAE: Learning Basic Visual Concepts with a
    Constrained Variational Framework", ICLR 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdeep.autoencoder import VariationalAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> vae = VariationalAutoencoder(likelihood="bernoulli", max_epochs=2,
    ...                              random_state=0).fit(X / 16)
    >>> vae.transform(X[:5] / 16).shape
    (5, 2)
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    """

    _parameter_constraints: dict = {
        **_BaseAutoencoder._parameter_constraints,
        "hidden_layer_sizes": ["array-like"],
        "beta": [Interval(Real, 0, None, closed="left")],
        "likelihood": [StrOptions({"gaussian", "bernoulli"})],
        "sample_codes": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(128, 64),
        *,
        code_size=2,
        beta=1.0,
        likelihood="gaussian",
        sample_codes=False,
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        noise=None,
        noise_level=0.1,
        lr=0.001,
        max_epochs=100,
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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.code_size = code_size
        self.beta = beta
        self.likelihood = likelihood
        self.sample_codes = sample_codes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.noise = noise
        self.noise_level = noise_level
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the VAE on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Standardized data (``likelihood="gaussian"``) or data in [0, 1]
            (``likelihood="bernoulli"``).

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        check_layer_sizes(self.hidden_layer_sizes)
        X = self._validate_train(X, lazy=True)  # memory maps stay on disk
        stats = getattr(X, "stats", None)
        low, high = (
            (float(stats["min"].min()), float(stats["max"].max()))
            if stats is not None
            else (X.min(), X.max())
        )
        if self.likelihood == "bernoulli" and (low < 0 or high > 1):
            raise ValueError(
                "likelihood='bernoulli' needs X in [0, 1]; scale it with "
                "MinMaxScaler or use likelihood='gaussian'."
            )
        return self._train(X)

    def transform(self, X):
        """Posterior mean of each row's code (or a draw, with ``sample_codes``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        codes : ndarray of shape (n_samples, code_size)
        """
        X = self._validate_predict(X)
        mu, logvar = self._batched(self.module_.encode, X)
        if not self.sample_codes:
            return mu
        rng = np.random.RandomState(self._seed)
        return (mu + rng.standard_normal(mu.shape) * np.exp(0.5 * logvar)).astype(
            mu.dtype
        )

    def inverse_transform(self, X):
        """Decode codes into rows (the likelihood's mean).

        Parameters
        ----------
        X : array-like of shape (n_samples, code_size)

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features_in_)
        """
        codes = self._check_codes(X)
        return self._batched(self._decode_mean, codes)

    def sample(self, n_samples=1, random_state=None):
        """Generate new rows: decode codes drawn from the standard normal prior.

        Parameters
        ----------
        n_samples : int, default=1
            How many rows to generate.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws from the prior. None: the estimator's own
            ``random_state``, as scikit-learn's ``GaussianMixture.sample``
            does: an int gives the same rows on every call, a
            ``RandomState`` is advanced, and None draws from numpy's global
            generator.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        if (not isinstance(n_samples, Integral) or isinstance(n_samples, bool)
                or n_samples < 1):
            raise ValueError(f"n_samples must be an int >= 1; got {n_samples!r}.")
        if random_state is None:  # (it drew from numpy's global generator)
            random_state = self.random_state
        rng = np.random.RandomState(derive_seed(random_state))
        codes = rng.standard_normal((n_samples, self._n_features_out))
        return self._batched(self._decode_mean, codes)

    def score_samples(self, X):
        """Evidence lower bound (ELBO) of each row, in nats (higher is better).

        ``E_q[log p(x | z)] - KL(q(z | x) || p(z))``: the KL term is exact,
        the expectation a quasi-Monte-Carlo mean over 32 points of each
        row's posterior, made from the same 32 standard-normal points (a
        scrambled Sobol sequence, fixed) for every row and call, so scores
        repeat and a row's score does not depend on the rows scored with
        it, up to float32 rounding (BLAS may compute a row at another
        position of its batch with other kernels). ``beta`` does not
        enter: this is the plain ELBO, a lower bound on ``log p(x)``.
        Measured against 4,000 random draws on digits and breast cancer,
        the estimate is within 0.03 to 0.12 nats per row
        (root mean square). (Decoding the posterior mean instead, as before
        this version, gave a plug-in value above ``log p(x)`` on most
        held-out rows, by 0.5 to 1.5 nats.)

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
        """
        X = self._validate_predict(X)
        module, likelihood = self.module_, self._fitted_likelihood()
        draws = _normal_draws(_ELBO_DRAWS, self._n_features_out)

        def elbo(xb):
            mu, logvar = module.encode(xb)
            std = torch.exp(0.5 * logvar)
            e_all = draws.to(device=mu.device, dtype=mu.dtype)
            rows = len(xb)
            # The draws are decoded together, a group of them per decoder
            # call (see _ELBO_DECODE_VALUES).
            values = max(rows * xb[0].numel(), 1)
            group = max(1, min(len(e_all), _ELBO_DECODE_VALUES // values))
            nll = 0.0
            for e in e_all.split(group):
                z = (mu + std * e[:, None, :]).reshape(-1, mu.shape[1])
                nll_e, kl = vae_terms(module.decode(z), mu.repeat(len(e), 1),
                                      logvar.repeat(len(e), 1),
                                      xb.repeat(len(e), 1), likelihood)
                nll = nll + nll_e.view(len(e), rows).sum(0)
            return -(nll / len(e_all) + kl[:rows])

        return self._batched(elbo, X)

    def score(self, X, y=None):
        """Mean ELBO per row (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
            The mean of :meth:`score_samples`, in nats.
        """
        return float(np.mean(self.score_samples(X)))

    def _decode_mean(self, codes):
        out = self.module_.decode(codes)
        bernoulli = self._fitted_likelihood() == "bernoulli"
        return torch.sigmoid(out) if bernoulli else out

    def _fitted_likelihood(self):
        """The likelihood the decoder was trained for (``likelihood`` may have
        been set anew since fit; modules pickled before it kept none)."""
        return getattr(self.module_, "likelihood", self.likelihood)

    def _reconstruct(self, X):
        return self._batched(lambda xb: self._decode_mean(self.module_.encode(xb)[0]), X)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"hidden_layer_sizes": (8,), "code_size": 2, "max_epochs": 3,
             "batch_size": 16},
            {"hidden_layer_sizes": (6, 4), "code_size": 1, "max_epochs": 2,
             "beta": 4.0, "sample_codes": True, "batch_norm": True},
        ]

    def _expected_failed_checks(self):
        if not self.sample_codes:
            return {}
        reason = (
            "sample_codes=True draws one posterior sample per row position, so "
            "a row's code depends on where it stands in X"
        )
        return {
            "check_methods_sample_order_invariance": reason,
            "check_methods_subset_invariance": reason,
        }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _build_module(self):
        return VariationalAutoencoderModule(
            self.n_features_in_,
            tuple(self.hidden_layer_sizes),
            self.code_size,
            self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            noise=self.noise,
            noise_level=self.noise_level,
            likelihood=self.likelihood,
        )

    def _criterion(self):
        return VAELoss(self.beta, self.likelihood)


VariationalAutoencoder.__doc__ = VariationalAutoencoder.__doc__.replace(
    "{autoencoder_parameters}", autoencoder_parameters_doc()
).replace("{training_parameters}", training_parameters_doc())
