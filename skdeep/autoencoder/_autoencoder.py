"""Dense autoencoders as scikit-learn transformers."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from torch import nn

from skdeep.autoencoder._modules import ACTIVATIONS, DenseAutoencoderModule
from skdeep.utils._sklearn import Interval, StrOptions, _fit_context
from skdeep.utils._torch import as_float32_tensor
from skdeep.utils._training import BaseTorchEstimator, training_parameters_doc
from skdeep.utils.validation import check_layer_sizes


class AutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseTorchEstimator
):
    """Dense autoencoder: a non-linear, learned alternative to PCA.

    An encoder maps each row to a ``code_size``-wide code and a mirrored
    decoder maps the code back; both are trained to minimise the mean squared
    reconstruction error. ``transform`` returns codes, ``inverse_transform``
    reconstructions and ``score`` the negative reconstruction error, so the
    model can be tuned without labels by :class:`~sklearn.model_selection.GridSearchCV`.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64,)
        Widths of the encoder's hidden layers, from the input towards the
        code; the decoder mirrors them. ``()`` gives a linear autoencoder.

    code_size : int, default=8
        Width of the code, the number of output features of ``transform``.

    activation : {"relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu", \
"identity"}, default="relu"
        Non-linearity between hidden layers. The code and output layers are
        linear.

{training_parameters}

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module.

    history_ : skorch.History
        Per-epoch training record (losses, durations).

    loss_curve_ : list of float
        Mean training loss of each epoch.

    n_iter_ : int
        Number of epochs run.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    See Also
    --------
    sklearn.decomposition.PCA : The linear analogue.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdeep.autoencoder import AutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoencoderTransformer(code_size=2, max_epochs=2, random_state=0)
    >>> ae.fit_transform(X / 16).shape
    (1797, 2)
    >>> ae.inverse_transform(ae.transform(X[:3] / 16)).shape
    (3, 64)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "hidden_layer_sizes": ["array-like"],
        "code_size": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
    }

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        *,
        code_size=8,
        activation="relu",
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
        self.activation = activation
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
        """Train the autoencoder to reconstruct ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; scale it first (StandardScaler or MinMaxScaler).

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        check_layer_sizes(self.hidden_layer_sizes)
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        self._training_setup()
        X_t = as_float32_tensor(X)
        self._fit_module(X_t, X_t)
        return self

    def transform(self, X):
        """Encode ``X`` into codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        codes : ndarray of shape (n_samples, code_size)
            In the input's floating dtype.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._batched(self.module_.encode, X)

    def inverse_transform(self, X):
        """Decode codes back into the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, code_size)
            Codes, as returned by ``transform``.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        codes = check_array(X, dtype=[np.float64, np.float32])
        if codes.shape[1] != self.code_size:
            raise ValueError(
                f"X has {codes.shape[1]} features, but inverse_transform expects "
                f"codes of code_size={self.code_size} features."
            )
        return self._batched(self.module_.decode, codes)

    def reconstruct(self, X):
        """Encode and decode ``X`` in one pass (``inverse_transform(transform(X))``)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._batched(self.module_, X)

    def score_samples(self, X):
        """Negative mean squared reconstruction error of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher is better; the least typical rows score lowest.
        """
        X_rec = self.reconstruct(X)
        X = np.asarray(X_rec.dtype.type(0) + check_array(X, dtype=X_rec.dtype))
        return -np.mean((X - X_rec) ** 2, axis=1)

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        y : Ignored

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"hidden_layer_sizes": (8,), "code_size": 2, "max_epochs": 3,
             "batch_size": 16},
            {"hidden_layer_sizes": (), "code_size": 3, "max_epochs": 2,
             "activation": "tanh", "optimizer": "sgd", "lr": 0.01},
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @property
    def _n_features_out(self):
        return self.code_size

    def _build_module(self):
        return DenseAutoencoderModule(
            self.n_features_in_,
            tuple(self.hidden_layer_sizes),
            self.code_size,
            self.activation,
        )

    def _criterion(self):
        return nn.MSELoss()


AutoencoderTransformer.__doc__ = AutoencoderTransformer.__doc__.replace(
    "{training_parameters}", training_parameters_doc()
)
