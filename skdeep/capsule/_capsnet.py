"""The capsule network classifier (Sabour, Frosst & Hinton, 2017)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import check_is_fitted, column_or_1d

from skdeep.capsule._modules import (
    CapsNetModule,
    CapsuleDecoder,
    CapsuleLoss,
    PrimaryCapsules,
    RoutingCapsules,
)
from skdeep.cnn._augment import Augment, check_augment
from skdeep.cnn._cnn import _BaseCNN
from skdeep.cnn._modules import FeatureStack, output_spatial_shape
from skdeep.utils._input import check_trailing_nan_padding
from skdeep.utils._mixins import LogProbaMixin
from skdeep.utils._sklearn import Interval, StrOptions, _fit_context
from skdeep.utils._torch import global_rng_kept
from skdeep.utils._training import (
    CLASS_WEIGHT_CONSTRAINT,
    CLASS_WEIGHT_DOC,
    LR_SCHEDULE_DOC,
    SAMPLE_WEIGHT_FIT_DOC,
    BaseTorchEstimator,
    auto_epochs_doc,
    encode_classes,
    store_init_params,
    training_parameters_doc,
    validate_sample_weight,
)
from skdeep.utils.validation import check_layer_sizes

_NOT_FOR_CAPSULES = ("global_pooling", "head_hidden", "head_lr")

_X_DOC = """X : array-like of shape (n_samples, C, H, W), (n_samples, C, T), \
(n_samples, T) or (n_samples, n_features)"""


class CapsNetClassifier(LogProbaMixin, ClassifierMixin, _BaseCNN):
    """Capsule network classifier with dynamic routing (Sabour et al., 2017).

    A convolutional stem (the CNN family's feature stack), a convolutional
    layer of primary capsules, and one capsule per class fed by
    routing-by-agreement. Capsules output vectors: the length of a class
    capsule stands for the presence of its class, its orientation (the
    *pose*) for the instance's properties. Training minimises the margin
    loss plus a small reconstruction error: a dense decoder redraws the
    input from the true class's capsule alone (the others are masked out),
    which makes the pose carry what the input looks like.

    Input is images ``(n_samples, C, H, W)``, series ``(n_samples, C, T)``
    or ``(n_samples, T)``, or flat rows read through ``input_shape``, as for
    :class:`~skdeep.cnn.CNNClassifier` (whose input handling this shares);
    grayscale images ``(n_samples, H, W)`` need ``conv_dims=2``. Every
    primary capsule has its own prediction matrices, so inputs must keep the
    fitted size; NaN is refused.

    Parameters
    ----------
    architecture : {{"plain", "fcn", "resnet", "inception", "tcn"}}, \
default="plain"
        The stem, one of the CNN family's feature stacks (see
        :class:`~skdeep.cnn.CNNClassifier`). The paper's stem is one plain
        9x9 convolution without padding or pooling, the default.

    conv_channels : tuple of int, default=(64,)
        Widths of the stem's blocks. The paper uses 256 (with 32 primary
        capsule types); (64,) with 16 types was as accurate as (128,) with
        16 or 32 types on a validation split of the Fashion-MNIST training
        set, at a fraction of the computation (see the user guide).

    kernel_size : int or tuple of int, default=9
        Kernel size of the stem's convolutions.

    stride, dilation : int or tuple of int, default=1
        Of the stem's plain convolutions.

    padding : {{"same", "valid"}} or int, default="valid"
        Padding of the stem's plain convolutions.

    pooling : {{"max", "avg"}} or None, default=None
        Pooling after each plain stem block; capsule networks avoid pooling
        (routing replaces it).

    pool_size : int, default=2
        Window and stride of that pooling.

    batch_norm : bool, default=True
        Batch normalisation in the stem (not in the paper; it speeds up
        training).

    dropout : float, default=0.0
        Dropout after each plain stem block.

    bottleneck : int or None, default=None
        1x1 channel reductions in the stem, as for the CNN family.

    activation : {{"relu", "tanh", "sigmoid", "elu", "leaky_relu", "gelu", \
"identity"}}, default="relu"
        Non-linearity of the stem.

    primary_capsules : int, default=16
        Capsule types of the primary layer (32 in the paper); each position
        of the primary convolution's output holds one capsule of each type.

    primary_dim : int, default=8
        Length of a primary capsule.

    primary_kernel_size : int, default=9
        Kernel of the primary convolution (no padding).

    primary_stride : int, default=2
        Stride of the primary convolution.

    capsule_dim : int, default=16
        Length of a class capsule (the pose's dimensions).

    routing_iters : int, default=3
        Iterations of routing-by-agreement; 1 averages the predictions of
        all primary capsules with equal weights (no routing).

    routing_gradient : {{"last", "all"}}, default="last"
        ``"all"`` back-propagates through every routing iteration;
        ``"last"`` treats the coupling coefficients as constants, so the
        gradient reaches the predictions through the last iteration only.
        Same forward pass; a training step of the default network at 3
        iterations took 384 ms against 591 ms on a CPU. See
        :class:`~skdeep.capsule._modules.RoutingCapsules`.

    m_plus, m_minus : float, default=0.9, 0.1
        Margins of the margin loss: the true class's capsule is pushed
        longer than ``m_plus``, the others shorter than ``m_minus``.

    lambda_ : float, default=0.5
        Down-weighting of the absent classes' margin terms.

    reconstruction_weight : float, default=0.0005
        Weight of the reconstruction error (summed over the input's values)
        in the loss; 0 builds no decoder, and :meth:`reconstruct` and
        :meth:`pose_sweep` are then unavailable.

    decoder_hidden : tuple of int, default=(512, 1024)
        Widths of the decoder's ReLU layers.

    reconstruction_output : {{"auto", "sigmoid", "linear"}}, default="auto"
        The decoder's output layer: a sigmoid (values in ``[0, 1]``, as the
        paper's pixels) or linear. ``"auto"`` uses the sigmoid when all
        training inputs lie in ``[0, 1]``.

    conv_dims : {{"auto", 1, 2}}, default="auto"
        Series (1-D) or images (2-D); see :class:`~skdeep.cnn.CNNClassifier`.

    input_shape : tuple of int or None, default=None
        ``(C, H, W)`` or ``(C, T)`` of flat rows.

    augment : None, "auto", str or tuple of str, default=None
        Random augmentation of the training batches (``"shift"`` and
        ``"flip"`` for images...), as for the CNN family. The reconstruction
        target is the augmented input.

    init_from : fitted CNN estimator, path or None, default=None
        A fitted :class:`~skdeep.cnn.CNNClassifier`, ``CNNRegressor`` or
        ``CapsNetClassifier`` (or a file saved from one) whose feature stack
        initialises the stem; the stem parameters must match.

    freeze : None, "features" or int, default=None
        Keep the whole stem, or its first ``freeze`` blocks, fixed.

{lr_schedule}

{class_weight}

{training_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the loss.

    n_primary_capsules_ : int
        Number of primary capsules (types times positions).

    reconstruction_output_ : {{"sigmoid", "linear"}} or None
        The decoder's output layer (None without a decoder).

    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the
        :class:`~skdeep.capsule._modules.CapsNetModule`.

    history_, loss_curve_, n_iter_
        Training record, mean training loss per epoch, epochs run.

    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.

    max_epochs_ : int
        The epochs of the fit: ``max_epochs``, or what ``"auto"`` resolved to.

    n_features_in_ : int
        Columns of flat input, else the number of channels.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    input_ndim_ : int
        2, 3 or 4, the dimensionality of ``X`` seen in ``fit``;
        :meth:`reconstruct` and :meth:`pose_sweep` answer in that layout.

    input_shape_ : tuple of int
        ``(C, H, W)`` or ``(C, T)`` of the training inputs.

    conv_dims_ : int
        1 (series) or 2 (images).

    min_input_size_ : int
        The smallest side the stem and the primary convolution accept.

    See Also
    --------
    skdeep.cnn.CNNClassifier : The convolutional classifier whose stem and
        input handling this reuses.

    Notes
    -----
    ``predict_proba`` is the capsule lengths divided by their sum. The
    lengths are trained by a margin loss, not by likelihood: each lies in
    ``[0, 1)`` on its own and they need not sum to one, so the normalised
    values rank the classes but are not calibrated probabilities (wrap the
    estimator in :class:`~sklearn.calibration.CalibratedClassifierCV` when
    probabilities matter). :meth:`capsule_lengths` gives the raw lengths.

    References
    ----------
    S. Sabour, N. Frosst and G. E. Hinton, "Dynamic Routing Between
    Capsules", NeurIPS 2017, arXiv:1710.09829.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.capsule import CapsNetClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(0, 0.2, size=(60, 1, 12, 12))
    >>> y = np.repeat([0, 1], 30)
    >>> X[y == 0, :, 2:10, 5:7] = 1.0  # class 0: a vertical bar
    >>> X[y == 1, :, 5:7, 2:10] = 1.0  # class 1: a horizontal bar
    >>> clf = CapsNetClassifier(conv_channels=(8,), kernel_size=3,
    ...     primary_capsules=4, primary_kernel_size=3, capsule_dim=8,
    ...     decoder_hidden=(32,), lr=0.01, batch_size=16, max_epochs=20,
    ...     random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.transform(X[:2]).shape  # the two class capsules' poses, flattened
    (2, 16)
    >>> clf.reconstruct(X[:2]).shape
    (2, 1, 12, 12)
    """

    # max_epochs="auto": the CNN family's rule (at least 2000 Adam steps)
    # with 10 to 100 epochs. The fixed 10 epochs before (the stem was chosen
    # at 5 epochs on 20,000 Fashion-MNIST images) gave 300 images 30 steps
    # (0.69 validation accuracy against 0.76); the cap was chosen in a
    # declared round on other data, benchmarks/capsule_runs/
    # capsnet_small_data.py (session 32).
    _auto_epoch_range = (10, 100)

    _parameter_constraints: dict = {
        **{
            key: value
            for key, value in _BaseCNN._parameter_constraints.items()
            if key not in _NOT_FOR_CAPSULES
        },
        **CLASS_WEIGHT_CONSTRAINT,
        "primary_capsules": [Interval(Integral, 1, None, closed="left")],
        "primary_dim": [Interval(Integral, 1, None, closed="left")],
        "primary_kernel_size": [Interval(Integral, 1, None, closed="left")],
        "primary_stride": [Interval(Integral, 1, None, closed="left")],
        "capsule_dim": [Interval(Integral, 1, None, closed="left")],
        "routing_iters": [Interval(Integral, 1, None, closed="left")],
        "routing_gradient": [StrOptions({"last", "all"})],
        "m_plus": [Interval(Real, 0, 1, closed="right")],
        "m_minus": [Interval(Real, 0, 1, closed="left")],
        "lambda_": [Interval(Real, 0, None, closed="left")],
        "reconstruction_weight": [Interval(Real, 0, None, closed="left")],
        "decoder_hidden": [tuple, list],
        "reconstruction_output": [StrOptions({"auto", "sigmoid", "linear"})],
    }

    def __init__(
        self,
        architecture="plain",
        *,
        conv_channels=(64,),
        kernel_size=9,
        stride=1,
        dilation=1,
        padding="valid",
        pooling=None,
        pool_size=2,
        batch_norm=True,
        dropout=0.0,
        bottleneck=None,
        activation="relu",
        primary_capsules=16,
        primary_dim=8,
        primary_kernel_size=9,
        primary_stride=2,
        capsule_dim=16,
        routing_iters=3,
        routing_gradient="last",
        m_plus=0.9,
        m_minus=0.1,
        lambda_=0.5,
        reconstruction_weight=0.0005,
        decoder_hidden=(512, 1024),
        reconstruction_output="auto",
        conv_dims="auto",
        input_shape=None,
        augment=None,
        init_from=None,
        freeze=None,
        lr_schedule="cosine",
        class_weight=None,
        lr=0.001,
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

    def __sklearn_is_fitted__(self):
        # The parameter lambda_ ends in "_", which check_is_fitted would
        # otherwise take for a fitted attribute.
        return hasattr(self, "net_")

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the capsule network.

        Parameters
        ----------
        {X}
            Training images or series.

        y : array-like of shape (n_samples,)
            Class labels.

{sample_weight}

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if self.m_minus >= self.m_plus:
            raise ValueError(
                f"m_minus={self.m_minus} must be smaller than m_plus={self.m_plus}."
            )
        X, y = self._validate_X(X, y, reset=True)
        # checked first: class_weight broadcast a wrong length in numpy's words
        weights = validate_sample_weight(sample_weight, X)
        codes = encode_classes(self, y, weights)
        if self.reconstruction_weight == 0:
            self.reconstruction_output_ = None
        elif self.reconstruction_output == "auto":
            # of the rows that train (those weighing 0 are dropped)
            rows = X if weights is None else X[np.asarray(weights) > 0]
            inside = rows.min() >= 0 and rows.max() <= 1
            self.reconstruction_output_ = "sigmoid" if inside else "linear"
        else:
            self.reconstruction_output_ = self.reconstruction_output
        return self._fit_network(
            X,
            torch.as_tensor(codes, dtype=torch.long),
            weights,
            stratified=True,
        )

    def _training_input(self, X, y):
        # The labels also reach forward(), which masks the reconstruction
        # to the true class's capsule during training.
        return {"x": X, "target": y}

    # ----------------------------------------------------------- the network
    def _primary(self, in_channels):
        return PrimaryCapsules(
            self.conv_dims_,
            in_channels,
            self.primary_capsules,
            self.primary_dim,
            self.primary_kernel_size,
            self.primary_stride,
        )

    def _size_skeleton(self):
        stack = self._stack_skeleton()
        with global_rng_kept(), torch.device("meta"):
            primary = self._primary(stack.out_channels)
        return FeatureStack(
            [*stack.blocks, primary.conv],
            in_channels=stack.in_channels,
            out_channels=primary.conv.out_channels,
            n_dims=self.conv_dims_,
        )

    def _build_module(self):
        stack = self._stack()
        primary = self._primary(stack.out_channels)
        grid = output_spatial_shape(self._size_skeleton(), self.input_shape_[1:])
        self.n_primary_capsules_ = self.primary_capsules * math.prod(grid)
        classes = RoutingCapsules(
            self.n_primary_capsules_,
            self.primary_dim,
            len(self.classes_),
            self.capsule_dim,
            self.routing_iters,
            self.routing_gradient,
        )
        decoder = None
        if self.reconstruction_output_ is not None:
            decoder = CapsuleDecoder(
                len(self.classes_),
                self.capsule_dim,
                # (a width 0 decoded every input to one constant image)
                check_layer_sizes(self.decoder_hidden, "decoder_hidden"),
                self.input_shape_,
                sigmoid=self.reconstruction_output_ == "sigmoid",
            )
        names = check_augment(self.augment, self.conv_dims_)
        module = CapsNetModule(
            stack,
            primary,
            classes,
            decoder,
            augment=Augment(names) if names else None,
        )
        self._initialise_stack(module.stack)
        return module

    def _criterion(self):
        return CapsuleLoss(
            self.m_plus,
            self.m_minus,
            self.lambda_,
            self.reconstruction_weight if self.reconstruction_output_ else 0.0,
            class_weight=torch.tensor(self.class_weight_, dtype=torch.float32),
        )

    def _optimizer_params(self):
        return BaseTorchEstimator._optimizer_params(self)  # no head_lr groups

    # ------------------------------------------------------ input (overrides)
    def _check_values(self, X, reset):
        if not np.isnan(X).any():
            return False  # never padded
        if X.ndim == 3:  # series: NaN that is trailing padding of whole steps
            try:
                check_trailing_nan_padding(X)
            except ValueError:
                pass  # NaN inside a series: the message below
            else:  # (a list of series of several lengths, padded)
                padding = np.isnan(X).all(axis=1)
                lengths = sorted(set((~padding).sum(axis=1).tolist()))
                needed = "" if reset else f" ({self.input_shape_[-1]}, as fitted)"
                shown = ", ".join(map(str, lengths[:5])) + (
                    ", ..." if len(lengths) > 5 else "")
                if len(lengths) == 1 and (  # one length (the fitted one), padded
                        reset or lengths[0] == self.input_shape_[-1]):
                    raise ValueError(
                        f"{type(self).__name__} needs series of one length"
                        f"{needed} without NaN padding; got series of length "
                        f"{shown} padded with NaN to {X.shape[-1]} steps: "
                        f"drop the padding columns."
                    )
                raise ValueError(
                    f"{type(self).__name__} needs series of one length"
                    f"{needed}; got series of length {shown} (NaN-padded, or "
                    f"a list of series of several lengths)."
                )
        raise ValueError(
            f"Input contains NaN. {type(self).__name__} needs complete "
            f"images or equal-length series; impute missing values first."
        )

    def _check_size(self, spatial):
        what = "time points" if self.conv_dims_ == 1 else "pixels per side"
        if min(spatial) < self.min_input_size_:
            raise ValueError(
                f"Input of size {tuple(spatial)} is smaller than the "
                f"{self.min_input_size_} {what} that the stem (conv_channels="
                f"{self.conv_channels!r}, kernel_size={self.kernel_size!r}, "
                f"padding={self.padding!r}, stride={self.stride!r}, pooling="
                f"{self.pooling!r}, pool_size={self.pool_size!r}) and the primary "
                f"capsules (primary_kernel_size={self.primary_kernel_size}, "
                f"primary_stride={self.primary_stride}) need: pooling, strides "
                f"and kernels without padding shrink it. Use larger inputs, or "
                f"change what shrinks them (fewer blocks, no pooling, smaller "
                f"kernels)."
            )
        fitted = tuple(self.input_shape_[1:])
        if tuple(spatial) != fitted:
            raise ValueError(
                f"Input of size {tuple(spatial)} differs from the fitted size "
                f"{fitted}: each primary capsule has its own prediction matrices, "
                f"so a capsule network takes inputs of the size it was fitted on."
            )

    # -------------------------------------------------------------- inference
    def capsule_lengths(self, X):
        """Length of each class capsule, in ``[0, 1)``.

        Parameters
        ----------
        {X}

        Returns
        -------
        lengths : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._batched(self.module_.lengths, X, out_dtype=np.float64)

    def predict_proba(self, X):
        """Capsule lengths normalised to sum to one (not calibrated; see Notes).

        Parameters
        ----------
        {X}

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        lengths = self.capsule_lengths(X)
        total = lengths.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            proba = lengths / total
        return np.where(total > 0, proba, 1.0 / lengths.shape[1])

    def predict(self, X):
        """The class of the longest capsule.

        Parameters
        ----------
        {X}

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        lengths = self.capsule_lengths(X)
        return self.classes_[np.argmax(lengths, axis=1)]

    @property
    def _n_features_out(self):
        # the fitted class capsules' width (capsule_dim may have changed since)
        check_is_fitted(self)
        return self.module_.classes.n_out * self._capsule_width()

    def _capsule_width(self):
        """The fitted class capsules' dimension (``capsule_dim`` may have
        been set anew since fit)."""
        return self.module_.classes.out_dim

    def transform(self, X):
        """The class capsules' pose vectors, flattened class after class.

        Parameters
        ----------
        {X}

        Returns
        -------
        poses : ndarray of shape (n_samples, n_classes * capsule_dim)
            Columns ``k * capsule_dim`` to ``(k + 1) * capsule_dim - 1`` are
            the capsule of ``classes_[k]``.
        """
        return self._poses(X)

    def _poses(self, X):
        """:meth:`transform`'s arrays (reconstruct and pose_sweep read them
        too, whatever ``set_output`` asks of transform: a pandas output was
        a DataFrame without ``reshape``)."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._batched(self.module_.flat_poses, X, out_dtype=np.float64)

    def _codes(self, y, poses):
        """Class indices of ``y``, or of the longest capsules when None."""
        if y is None:
            return np.linalg.norm(poses, axis=-1).argmax(axis=1)
        y = column_or_1d(y, warn=True)
        if len(y) != len(poses):
            raise ValueError(
                f"y has {len(y)} labels but X has {len(poses)} samples."
            )
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y contains labels not seen in fit: {np.unique(y[unknown])[:5]}."
            )
        return np.searchsorted(self.classes_, y)

    def _decode(self, capsules, codes):
        """Decoder images of class capsules ``(m, capsule_dim)``, each placed
        as the capsule of class ``codes[i]`` with the others masked out, in
        the layout of the fitted input."""
        if self.module_.decoder is None:
            raise ValueError(
                f"This {type(self).__name__} was fitted with "
                f"reconstruction_weight=0 and has no decoder."
            )
        masked = np.zeros((len(capsules), len(self.classes_), self._capsule_width()))
        masked[np.arange(len(capsules)), codes] = capsules
        images = self._batched(
            self.module_.decoder.decode_masked,
            masked.reshape(len(masked), -1).astype(np.float32),
            out_dtype=np.float64,
        )
        return self._input_layout(images)

    def _input_layout(self, images):
        """``(n, C, *spatial)`` arrays in the layout ``X`` was fitted with."""
        if self.input_ndim_ == 2:
            return images.reshape(len(images), -1)
        if self.input_ndim_ == 3 and self.conv_dims_ == 2:
            return images[:, 0]  # grayscale (n, H, W)
        return images

    def reconstruct(self, X, y=None):
        """The decoder's reconstruction of ``X`` from one class capsule.

        Parameters
        ----------
        {X}

        y : array-like of shape (n_samples,) or None, default=None
            Decode the capsule of these classes; None decodes the longest
            capsule (the predicted class).

        Returns
        -------
        X_reconstructed : ndarray of the layout of the training input
            ``(n_samples, C, H, W)``, ``(n_samples, H, W)``,
            ``(n_samples, C, T)`` or flat rows, as ``X`` was given in ``fit``.
        """
        poses = self._poses(X).reshape(-1, len(self.classes_), self._capsule_width())
        codes = self._codes(y, poses)
        return self._decode(poses[np.arange(len(poses)), codes], codes)

    def pose_sweep(self, X, deltas=None, dimensions=None, y=None):
        """Decode poses with one dimension shifted (the paper's Figure 4).

        For each sample, the capsule of its predicted class (or of ``y``) is
        decoded with ``delta`` added to one of its dimensions, for every
        pair of ``dimensions`` and ``deltas``: what each pose dimension
        encodes (stroke width, skew, scale...) shows as the images change.

        Parameters
        ----------
        {X}

        deltas : array-like of float or None, default=None
            Shifts added to the pose dimension; None is the paper's
            ``-0.25, -0.20, ..., 0.25``.

        dimensions : array-like of int or None, default=None
            Pose dimensions to shift; None is all ``capsule_dim`` of them.

        y : array-like of shape (n_samples,) or None, default=None
            The class whose capsule is decoded; None is the predicted class.

        Returns
        -------
        images : ndarray of shape (n_samples, n_dimensions, n_deltas, ...)
            The decoder's images, each in the layout of the training input.
        """
        check_is_fitted(self)
        width = self._capsule_width()  # (as fitted: see _capsule_width)
        deltas = np.linspace(-0.25, 0.25, 11) if deltas is None else deltas
        deltas = np.asarray(deltas, dtype=np.float64).ravel()
        if dimensions is None:
            dimensions = np.arange(width)
        if deltas.size == 0 or not np.isfinite(deltas).all():
            # (NaN decoded to NaN images, none failed in a reshape)
            raise ValueError(
                f"deltas must be one or more finite numbers; got {deltas.tolist()}."
            )
        dimensions = np.asarray(dimensions).ravel()
        if not (
            dimensions.size
            and np.issubdtype(dimensions.dtype, np.integer)
            and ((dimensions >= 0) & (dimensions < width)).all()
        ):
            raise ValueError(
                f"dimensions must be integers in [0, {width}); got "
                f"{dimensions.tolist()}."
            )
        poses = self._poses(X).reshape(-1, len(self.classes_), width)
        codes = self._codes(y, poses)
        capsules = poses[np.arange(len(poses)), codes]  # (n, width)
        offsets = np.zeros((len(dimensions), len(deltas), width))
        offsets[np.arange(len(dimensions)), :, dimensions] = deltas
        swept = capsules[:, None, None, :] + offsets  # (n, n_dims, n_deltas, D)
        shape = swept.shape[:3]
        images = self._decode(
            swept.reshape(-1, width), np.repeat(codes, np.prod(shape[1:]))
        )
        return images.reshape(*shape, *images.shape[1:])

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            # "same" padding and 1-wide primary kernels: the checks' data
            # have as few as 2 features (read as series of length 2).
            {"conv_channels": (8,), "kernel_size": 3, "padding": "same",
             "primary_capsules": 4, "primary_kernel_size": 1,
             "primary_stride": 1, "capsule_dim": 4,
             "decoder_hidden": (16,), "lr": 0.02, "max_epochs": 30,
             "batch_size": 32},
        ]


CapsNetClassifier.__doc__ = (
    CapsNetClassifier.__doc__.replace(
        "{lr_schedule}", LR_SCHEDULE_DOC.format(default="cosine")
    )
    .replace("{class_weight}", CLASS_WEIGHT_DOC)
    .replace("{training_parameters}", training_parameters_doc(
        max_epochs='"auto"',
        auto_epochs=auto_epochs_doc(CapsNetClassifier, note=(
            " (the fixed default before, run on 60,000 Fashion-MNIST images)")),
    ))
    .replace("{{", "{")
    .replace("}}", "}")
)
for _name in ("fit", "capsule_lengths", "predict_proba", "predict", "transform",
              "reconstruct", "pose_sweep"):
    _method = getattr(CapsNetClassifier, _name)
    _method.__doc__ = _method.__doc__.replace("{X}", _X_DOC).replace(
        "{sample_weight}\n", SAMPLE_WEIGHT_FIT_DOC + "\n"
    )
