"""Autoencoders as scikit-learn transformers: dense, sparse, denoising, convolutional."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from skdeep.autoencoder._modules import (
    ACTIVATIONS,
    AutoencoderLoss,
    ConvAutoencoderModule,
    DenseAutoencoderModule,
)
from skdeep.utils._input import (
    read_input_shape,
    refuse_sktime_panel_frames,
    series_arrays,
    warn_if_channels_last,
)
from skdeep.utils._lazy import LazyRows, check_lazy_array, is_lazy_input
from skdeep.utils._sklearn import Interval, StrOptions, _fit_context
from skdeep.utils._torch import as_float32_tensor
from skdeep.utils._training import (
    BaseTorchEstimator,
    PartialFitTransformerMixin,
    training_parameters_doc,
)
from skdeep.utils.validation import check_layer_sizes

# Values of X per chunk of the reconstruction errors (whole inference calls)
_ERROR_CHUNK_ELEMENTS = 1 << 20

AUTOENCODER_PARAMETERS_DOC = """\
    activation : {{"relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu", \
"identity"}}, default="relu"
        Non-linearity between hidden layers. The code and output layers are
        linear.

    dropout : float, default={dropout}
        Dropout rate after each hidden layer (training only).

    batch_norm : bool, default={batch_norm}
        Batch normalisation before each hidden activation.

    noise : {{"gaussian", "masking"}} or None, default=None
        Corrupt the inputs during training only, and learn to reconstruct the
        clean rows: the denoising autoencoder. ``"gaussian"`` adds
        ``noise_level`` times standard normal noise; ``"masking"`` zeroes each
        entry with probability ``noise_level``.

    noise_level : float, default=0.1
        Strength of the corruption."""


class _BaseAutoencoder(BaseTorchEstimator):
    """What every autoencoder shares: reconstruction-based training and scoring."""

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "code_size": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "noise": [StrOptions({"gaussian", "masking"}), None],
        "noise_level": [Interval(Real, 0, None, closed="left")],
    }

    @property
    def _n_features_out(self):
        # the fitted code's width (code_size may have changed since); the
        # property always exists, so the fitted check is explicit
        check_is_fitted(self)
        return self.__dict__.get("_code_width", self.code_size)

    def _validate_train(self, X, lazy=False):
        """Validated training rows; with ``lazy``, a memory map or Dask array
        is checked block by block and comes back as
        :class:`~skdeep.utils._lazy.LazyRows` instead of being loaded."""
        min_samples = self._min_training_samples()
        if lazy and is_lazy_input(X):
            return check_lazy_array(
                self, X, reset=not self._continues_training(),
                ensure_min_samples=min_samples,
            )
        return validate_data(
            self, X, dtype=[np.float64, np.float32], ensure_min_samples=min_samples
        )

    def _validate_predict(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def reconstruct(self, X):
        """Encode and decode ``X`` in one pass (``inverse_transform(transform(X))``;
        the variational autoencoder decodes the posterior mean code).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
            In the units of ``X`` (a detector that standardizes its input
            maps the reconstruction back).
        """
        X = self._validate_predict(X)
        return self._from_network_units(self._reconstruct(self._to_network_units(X)), X)

    def _to_network_units(self, X):
        """``X`` as the network sees it (a validated array)."""
        return X

    def _from_network_units(self, reconstructed, X):
        """A reconstruction in the units of ``X``."""
        return reconstructed

    def _train(self, X):
        """Train the module to reconstruct ``X`` (a validated 2-D array, or
        out-of-core :class:`~skdeep.utils._lazy.LazyRows`)."""
        if getattr(self, "noise", None) == "masking" and self.noise_level > 1:
            # a probability (above 1 every entry was zeroed: nothing to learn)
            raise ValueError(
                f"noise='masking' zeroes each entry with probability "
                f"noise_level, which must be in [0, 1]; got {self.noise_level}."
            )
        self._training_setup()
        self._code_width = int(self.code_size)  # (set_params may change it)
        if isinstance(X, LazyRows):
            validation = None
            if self.early_stopping and getattr(self, "_partial_fit_mode", None) is None:
                # a random split would read rows one by one: hold out the tail
                X, tail = X.split_tail(self.validation_fraction)
                validation = (tail, tail)
            self._fit_module(X, X, validation=validation)
            return self
        X_t = as_float32_tensor(X)
        self._fit_module(X_t, X_t)
        return self

    def _check_codes(self, X):
        """Validate codes given to ``inverse_transform``."""
        check_is_fitted(self)
        codes = check_array(X, dtype=[np.float64, np.float32])
        width = self._n_features_out  # as fitted
        if codes.shape[1] != width:
            raise ValueError(
                f"X has {codes.shape[1]} features, but inverse_transform expects "
                f"codes of code_size={width} features."
            )
        return codes

    def _reconstruct(self, X):
        return self._batched(lambda xb: self.module_(xb)[0], X)

    def _reconstruction_errors(self, X):
        """Mean squared error of each row (X validated), over row chunks of
        whole inference calls (the same calls, hence the same numbers, as
        one pass): the reconstruction and its difference from ``X`` are never
        held for the whole input (they were three times its size)."""
        step = self._inference_batch_rows(X)
        width = max(int(np.prod(X.shape[1:])), 1)
        rows = step * max(1, _ERROR_CHUNK_ELEMENTS // (step * width))
        errors = None
        for start in range(0, len(X), rows):
            chunk = X[start : start + rows]
            X_rec = self._reconstruct(chunk)
            e = np.mean((chunk.astype(X_rec.dtype, copy=False) - X_rec) ** 2, axis=1)
            if errors is None:
                errors = np.empty(len(X), dtype=e.dtype)
            errors[start : start + rows] = e
        return errors

    def _criterion(self):
        return AutoencoderLoss(
            getattr(self, "sparsity", 0.0),
            getattr(self, "sparsity_type", "l1"),
            getattr(self, "sparsity_target", 0.05),
        )


class AutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    PartialFitTransformerMixin,
    _BaseAutoencoder,
):
    """Dense autoencoder: a non-linear, learned alternative to PCA.

    An encoder maps each row to a ``code_size``-wide code and a mirrored
    decoder maps the code back; both are trained to minimise the mean squared
    reconstruction error. ``transform`` returns codes, ``inverse_transform``
    reconstructions and ``score`` the negative reconstruction error, so the
    model can be tuned without labels by :class:`~sklearn.model_selection.GridSearchCV`.

    The classic variants are parameters: a sparse autoencoder (``sparsity``),
    a denoising autoencoder (``noise``), regularised ones (``dropout``,
    ``weight_decay``, ``batch_norm``) and tied encoder/decoder weights.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64,)
        Widths of the encoder's hidden layers, from the input towards the
        code; the decoder mirrors them. ``()`` gives a linear autoencoder.

    code_size : int, default=8
        Width of the code, the number of output features of ``transform``.

{autoencoder_parameters}

    sparsity : float, default=0.0
        Weight of the sparsity penalty on the code; 0 turns it off.

    sparsity_type : {"l1", "kl"}, default="l1"
        ``"l1"``: the mean absolute code activation (an L1 activity
        penalty). ``"kl"``: the KL divergence between ``sparsity_target`` and
        each code unit's mean sigmoid activation over the batch.

    sparsity_target : float, default=0.05
        Target mean activation of the ``"kl"`` penalty.

    tied_weights : bool, default=False
        The decoder reuses the transposed encoder weights (half the weights).

{training_parameters}

    Attributes
    ----------
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

    n_iter_ : int
        Number of epochs run.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    sklearn.decomposition.PCA : The linear analogue.
    VariationalAutoencoder : A generative autoencoder.
    AutoencoderOutlierDetector : Reconstruction error as an outlier score.

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
        **_BaseAutoencoder._parameter_constraints,
        "hidden_layer_sizes": ["array-like"],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "sparsity_type": [StrOptions({"l1", "kl"})],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "tied_weights": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        *,
        code_size=8,
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        noise=None,
        noise_level=0.1,
        sparsity=0.0,
        sparsity_type="l1",
        sparsity_target=0.05,
        tied_weights=False,
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
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.noise = noise
        self.noise_level = noise_level
        self.sparsity = sparsity
        self.sparsity_type = sparsity_type
        self.sparsity_target = sparsity_target
        self.tied_weights = tied_weights
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

        A :class:`numpy.memmap` or a Dask array of 64 MiB or more is not
        loaded (smaller ones are): it is validated in one streaming pass and
        read in contiguous blocks whose order, and the rows within each
        64 MiB buffer of blocks, are shuffled every epoch, so memory stays
        bounded whatever the number of rows (see :mod:`skdeep.utils._lazy`).
        Early stopping then holds out the last ``validation_fraction`` of
        the rows.

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
        return self._train(self._validate_train(X, lazy=True))

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
        X = self._validate_predict(X)
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
        codes = self._check_codes(X)
        return self._batched(self.module_.decode, codes)

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
        return -self._reconstruction_errors(self._validate_predict(X))

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
            {"hidden_layer_sizes": (8, 4), "code_size": 2, "max_epochs": 2,
             "noise": "masking", "noise_level": 0.2, "sparsity": 0.1,
             "sparsity_type": "kl", "dropout": 0.1, "batch_norm": True,
             "tied_weights": True},
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _build_module(self):
        return DenseAutoencoderModule(
            self.n_features_in_,
            tuple(self.hidden_layer_sizes),
            self.code_size,
            self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            tied_weights=self.tied_weights,
            noise=self.noise,
            noise_level=self.noise_level,
        )


class ConvAutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    PartialFitTransformerMixin,
    _BaseAutoencoder,
):
    """Convolutional autoencoder for images and multichannel series.

    Stride-2 convolutions shrink the input stage by stage, a linear layer
    maps the result to a ``code_size``-wide code, and transposed convolutions
    rebuild the exact input shape.

    Input is either flat rows with ``input_shape`` saying how to read them,
    or arrays of shape ``(n_samples, C, H, W)`` (images) or
    ``(n_samples, C, T)`` (series). Without ``input_shape``, flat rows are read
    as one-channel series.

    Parameters
    ----------
    input_shape : tuple of int or None, default=None
        ``(C, H, W)`` or ``(C, T)`` of one sample; ``None`` takes it from an
        N-D ``X``, or reads flat rows as ``(1, n_features)``.

    channels : tuple of int, default=(16, 32)
        Output channels of each stride-2 convolution stage.

    kernel_size : int, default=3
        Convolution kernel size (odd).

    code_size : int, default=8
        Width of the code.

    activation : {"relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu", \
"identity"}, default="relu"
        Non-linearity after each convolution.

    batch_norm : bool, default=False
        Batch normalisation after each convolution.

    noise : {"gaussian", "masking"} or None, default=None
        Training-only input corruption (denoising).

    noise_level : float, default=0.1
        Strength of the corruption.

{training_parameters}

    Attributes
    ----------
    input_shape_ : tuple of int
        The per-sample shape the model reads.

    net_ : skorch.NeuralNet
        The trained skorch net.

    history_ : skorch.History
        Per-epoch training record (losses, durations).

    loss_curve_ : list of float
        Mean training loss of each epoch.

    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.

    n_iter_ : int
        Number of epochs run.

    n_features_in_ : int
        Values per sample (the product of ``input_shape_``).

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdeep.autoencoder import ConvAutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> images = (X / 16).reshape(-1, 1, 8, 8)
    >>> cae = ConvAutoencoderTransformer(code_size=4, max_epochs=1, random_state=0)
    >>> cae.fit_transform(images).shape
    (1797, 4)
    >>> cae.inverse_transform(cae.transform(images[:2])).shape
    (2, 1, 8, 8)
    """

    _parameter_constraints: dict = {
        **_BaseAutoencoder._parameter_constraints,
        "input_shape": ["array-like", None],
        "channels": ["array-like"],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
    }
    _parameter_constraints.pop("dropout")
    # (inference keeps batch_size: the default network is so small that
    # calls of 16 rows took 2.2x as long over 1,000 rows, in per-call costs;
    # benchmarks/results/inference_rows.md)

    def __init__(
        self,
        input_shape=None,
        *,
        channels=(16, 32),
        kernel_size=3,
        code_size=8,
        activation="relu",
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
        self.input_shape = input_shape
        self.channels = channels
        self.kernel_size = kernel_size
        self.code_size = code_size
        self.activation = activation
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

    def _flatten(self, X, *, reset):
        """Flat rows from flat or N-D input, checking the per-sample shape."""
        # sktime's panels: pd-multiindex was read as a table, silently (one
        # "series" of channel values per time point), and df-list frames
        # with time and channels swapped. A frame of flat rows of the
        # declared (or fitted) shape is a table whatever its row index (a
        # (subject, trial) MultiIndex was refused as a panel).
        shape = self.input_shape if reset else getattr(self, "input_shape_", None)
        flat_rows = (
            shape is not None and getattr(X, "ndim", 0) == 2
            and X.shape[1] == math.prod(shape) > 1
        )
        if not flat_rows:
            refuse_sktime_panel_frames(X, type(self).__name__)
        X = series_arrays(X)
        if isinstance(X, (list, tuple, torch.Tensor)):
            # nested lists and tensors of images or series, as arrays
            as_array = np.asarray(X)
            if as_array.ndim > 2:
                X = as_array
        if isinstance(X, np.ndarray) and X.ndim > 2:
            if reset:
                warn_if_channels_last(X, type(self).__name__)
            shape = tuple(X.shape[1:])
            if len(shape) not in (2, 3):
                raise ValueError(
                    f"Expected (n_samples, C, T) or (n_samples, C, H, W) input; "
                    f"got an array with shape {X.shape}."
                )
            expected = (
                tuple(self.input_shape) if reset and self.input_shape is not None
                else (None if reset else self.input_shape_)
            )
            if expected is not None and shape != expected:
                raise ValueError(
                    f"Each sample has shape {shape}, but {type(self).__name__} "
                    f"expects {expected}."
                )
            if reset:
                self._nd_output = True
            # (math.prod, not -1: 0 rows then give scikit-learn's "Found
            # array with 0 sample(s)" instead of numpy's reshape error)
            return X.reshape(len(X), math.prod(shape)), shape
        if reset:
            self._nd_output = False
        return X, None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder to reconstruct ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
(n_samples, C, H, W) or (n_samples, C, T)
            Training data, scaled.

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        check_layer_sizes(self.channels, "channels")
        # partial_fit continuing: the first call's sample shape and output
        # layout are kept (an N-D chunk is checked against input_shape_)
        continuing = self._continues_training()
        X, nd_shape = self._flatten(X, reset=not continuing)
        X = self._validate_train(X)
        if continuing:
            shape = self.input_shape_
        elif nd_shape is not None:
            shape = nd_shape
        elif self.input_shape is not None:
            # (a negative shape of the right product failed inside torch)
            shape = read_input_shape(self.input_shape, X.shape[1])
        else:
            shape = (1, X.shape[1])
        if len(shape) not in (2, 3) or math.prod(shape) != X.shape[1]:
            raise ValueError(
                f"input_shape={shape} does not match rows of {X.shape[1]} values; "
                f"it must be (C, T) or (C, H, W) with C*T or C*H*W == n_features."
            )
        self.input_shape_ = shape
        return self._train(X)

    def _partial_fit_n_features(self, shape):
        # n_features_in_ counts the values of a flattened sample
        return math.prod(shape[1:]) if len(shape) > 2 else shape[1]

    def _validate_nd(self, X):
        check_is_fitted(self)
        X, _ = self._flatten(X, reset=False)
        return self._validate_predict(X)

    def transform(self, X):
        """Encode ``X`` (flat rows or N-D samples) into codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or N-D

        Returns
        -------
        codes : ndarray of shape (n_samples, code_size)
        """
        X = self._validate_nd(X)  # first: it raises NotFittedError before module_ is read
        return self._batched(self.module_.encode, X)

    def inverse_transform(self, X):
        """Decode codes; N-D samples if the model was fitted on N-D input.

        Parameters
        ----------
        X : array-like of shape (n_samples, code_size)

        Returns
        -------
        X_reconstructed : ndarray
            ``(n_samples, n_features)``, or ``(n_samples, *input_shape_)``.
        """
        codes = self._check_codes(X)
        return self._shape_output(self._batched(self.module_.decode, codes))

    def reconstruct(self, X):
        """Encode and decode ``X`` in one pass, in the fitted input's layout.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, C, T) or \
(n_samples, n_features)
            Images, series or flat rows, as in ``fit``.

        Returns
        -------
        X_reconstructed : ndarray
            In the layout of ``fit``'s input (as ``inverse_transform``):
            ``(n_samples, *input_shape_)`` after images or series,
            ``(n_samples, n_features)`` after flat rows, whichever layout
            ``X`` has here.
        """
        return self._shape_output(self._reconstruct(self._validate_nd(X)))

    def score_samples(self, X):
        """Negative mean squared reconstruction error of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            As in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher is better (closer to the training data).
        """
        return -self._reconstruction_errors(self._validate_nd(X))

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            As in ``fit``.
        y : None
            Ignored.

        Returns
        -------
        score : float
            The mean of :meth:`score_samples`.
        """
        return float(np.mean(self.score_samples(X)))

    def _shape_output(self, flat):
        if getattr(self, "_nd_output", False):
            return flat.reshape(len(flat), *self.input_shape_)
        return flat

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"channels": (4,), "code_size": 2, "max_epochs": 2, "batch_size": 16},
            {"channels": (4, 4), "kernel_size": 5, "code_size": 3, "max_epochs": 2,
             "batch_norm": True, "noise": "gaussian"},
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.three_d_array = True
        return tags

    def _build_module(self):
        return ConvAutoencoderModule(
            self.input_shape_,
            tuple(self.channels),
            self.kernel_size,
            self.code_size,
            self.activation,
            batch_norm=self.batch_norm,
            noise=self.noise,
            noise_level=self.noise_level,
        )


def autoencoder_parameters_doc(dropout=0.0, batch_norm=False):
    """The shared autoencoder parameter text, with this estimator's defaults."""
    return AUTOENCODER_PARAMETERS_DOC.format(dropout=dropout, batch_norm=batch_norm)


for _cls in (AutoencoderTransformer, ConvAutoencoderTransformer):
    _cls.__doc__ = _cls.__doc__.replace(
        "{autoencoder_parameters}", autoencoder_parameters_doc()
    ).replace("{training_parameters}", training_parameters_doc())
