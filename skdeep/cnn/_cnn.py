"""Convolutional classifiers and regressors for images and time series."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import os
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
    clone,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from skdeep.autoencoder._modules import ACTIVATIONS
from skdeep.cnn._augment import AUGMENTATIONS, Augment, check_augment
from skdeep.cnn._modules import (
    ARCHITECTURES,
    CNNModule,
    build_feature_stack,
    min_input_size,
    output_spatial_shape,
)
from skdeep.utils._input import (
    check_trailing_nan_padding,
    conv_data_shape,
    prepare_conv_input,
)
from skdeep.utils._losses import ClassificationLoss, WeightedMSELoss
from skdeep.utils._mixins import LogProbaMixin
from skdeep.utils._sklearn import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    clone_with_params,
)
from skdeep.utils._torch import (
    CONV_CPU_INFERENCE_ROWS,
    as_float32_tensor,
    global_rng_kept,
)
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
    store_init_params,
    training_parameters_doc,
    validate_sample_weight,
)
from skdeep.utils.validation import float_targets

_CNN_PARAMETERS_DOC = """\
    architecture : {"plain", "fcn", "resnet", "inception", "tcn"}, \
default="plain"
        The convolutional feature stack.

        - ``"plain"``: one block per entry of ``conv_channels``: an optional
          1x1 ``bottleneck``, a convolution (``kernel_size``, ``stride``,
          ``dilation``, ``padding``), batch normalisation, the activation,
          ``pooling`` and dropout.
        - ``"fcn"`` and ``"resnet"``: the fully convolutional network and
          the residual network of Wang, Yan & Oates (2017), the standard
          deep time-series baselines (kernels 8, 5, 3).
        - ``"inception"``: InceptionTime (Ismail Fawaz et al., 2020): a 1x1
          bottleneck, three parallel kernels (``kernel_size``, halved,
          quartered) and a max-pool branch per module, a residual
          connection every three modules.
        - ``"tcn"``: a temporal convolutional network (Bai, Kolter & Koltun,
          2018): causal dilated residual blocks, the dilation doubling per
          block. 1-D only.

        Every architecture except ``"tcn"`` works on images and on series.

    conv_channels : tuple of int or None, default=None
        Width of each block (each module for ``"inception"``, where the
        module outputs four times as many channels). ``None`` takes the
        architecture's published default: plain (32, 64, 128), fcn
        (128, 256, 128), resnet (64, 128, 128), inception (32,) * 6, tcn
        (64,) * 4.

    kernel_size : int, tuple of int or None, default=None
        Kernel size, one for all layers or one per layer. ``None`` takes
        the architecture's default: 3 (plain, tcn), (8, 5, 3) (fcn and the
        three convolutions of each resnet block), 40 (inception's longest
        kernel).

    stride : int or tuple of int, default=1
        Convolution stride of each plain block.

    dilation : int or tuple of int, default=1
        Dilation of each plain block's convolution (``"tcn"`` doubles its
        own).

    padding : {"same", "valid"} or int, default="same"
        Padding of the plain blocks' convolutions.

    pooling : {"max", "avg"} or None, default="max"
        Pooling after each plain block.

    pool_size : int, default=2
        Window and stride of that pooling.

    batch_norm : bool, default=True
        Batch normalisation after the convolutions of the ``"plain"``,
        ``"fcn"``, ``"resnet"`` and ``"inception"`` stacks (``False`` removes
        all of it; ``"tcn"`` has none).

    dropout : float, default=0.0
        Dropout after each plain (and tcn) block and after each hidden dense
        layer.

    bottleneck : int or None, default=None
        A 1x1 convolution reducing the channels to this number before each
        wide convolution (plain blocks whose input is wider, and inception
        modules, which default to 32).

    global_pooling : {"avg", "max"} or None, default="avg"
        How the last feature map becomes a vector: global average or max
        pooling over all positions, or ``None`` to flatten it (then inputs
        must keep the fitted size, and NaN-padded series are refused).

    head_hidden : tuple of int, default=()
        Hidden dense layers between the pooled features and the output.

    activation : {"relu", "tanh", "sigmoid", "elu", "leaky_relu", "gelu", \
"identity"}, default="relu"
        Non-linearity of the convolutional blocks (of every architecture)
        and of the dense head.

    conv_dims : {"auto", 1, 2}, default="auto"
        Series (1-D convolutions) or images (2-D). ``"auto"``: 4-D arrays
        and a 3-entry ``input_shape`` are images, everything else is
        series. Set ``conv_dims=2`` for grayscale images given as
        ``(n_samples, H, W)``, which would otherwise read as series with
        ``H`` channels.

    input_shape : tuple of int or None, default=None
        How to read flat rows ``(n_samples, n_features)``: ``(C, H, W)`` or
        ``(C, T)``, so the estimator works after a scikit-learn
        transformer. Without it, flat rows are univariate series.

    augment : None, "auto", str or tuple of str, default=None
        Random augmentation of the training batches (never at predict):
        ``"shift"`` and ``"flip"`` for images, ``"jitter"``, ``"scale"``
        and ``"slice"`` (window slicing) for series; ``"auto"`` picks
        shift+flip or jitter+scale.

    init_from : fitted CNN estimator, path or None, default=None
        Transfer learning: a fitted :class:`CNNClassifier` or
        :class:`CNNRegressor` (or a file saved from one with
        :func:`skdeep.io.save`, or wrapped in
        :class:`sklearn.frozen.FrozenEstimator`) whose feature stack
        initialises this one. The stack parameters (``architecture``,
        ``conv_channels``, ...) and the channel count must match the
        source's; the dense head is built anew for this task. The source is
        only read, never refitted. Cloning this estimator passes the source on
        unchanged; in a ``GridSearchCV`` grid, whose values scikit-learn
        clones, give it as a ``FrozenEstimator`` or a path.

    freeze : None, "features" or int, default=None
        Keep parameters fixed during training: the whole feature stack, or
        its first ``freeze`` blocks. Frozen blocks also keep their batch
        normalisation statistics (evaluation mode).

    head_lr : float or None, default=None
        Learning rate of the dense head; ``lr`` then applies to the feature
        stack only (discriminative fine-tuning: a small ``lr``, a larger
        ``head_lr``). ``None`` uses ``lr`` everywhere.

{lr_schedule}"""

_INPUT_DOC = """\
    Input is images ``(n_samples, C, H, W)``, series ``(n_samples, C, T)``
    (sktime's numpy3D order) or ``(n_samples, T)``, or flat rows read
    through ``input_shape``. Grayscale images ``(n_samples, H, W)`` need
    ``conv_dims=2``. Series of different lengths are given NaN-padded at the
    end (a time step is padding when all its channels are NaN) or as a list
    of arrays, as for :class:`~skdeep.recurrent.RNNClassifier`; global
    pooling then averages (or maxes) over the output steps each series has
    on its own (after the stack's kernels, strides and pooling), and each
    series must be as long as ``min_input_size_`` before its padding. With
    global pooling, series ``(n_samples, C, T)`` and images of another size
    than in ``fit`` are accepted at predict, down to the smallest size the
    stack accepts (``min_input_size_``); 2-D input (``(n_samples, T)`` or
    flat rows) keeps its fitted number of columns, as every scikit-learn
    estimator (a list of shorter series is NaN-padded to it). The network
    takes the values as they are, as scikit-learn's MLP does: scale them
    first (z-normalize each series, divide pixels by 255, or use a scaler);
    far from unit scale (raw values around 1e6) training learns nothing."""

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
        Columns of flat input, else the number of channels.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    input_ndim_ : int
        2, 3 or 4, the dimensionality of ``X`` seen in ``fit`` (3 for
        grayscale images ``(n_samples, H, W)``).

    input_shape_ : tuple of int
        ``(C, H, W)`` or ``(C, T)`` of the training inputs.

    conv_dims_ : int
        1 (series) or 2 (images).

    min_input_size_ : int
        The smallest side length (time points or pixels) the feature stack
        accepts."""


def _positive_ints(value, name, allow_int=True):
    values = (value,) if allow_int and isinstance(value, Integral) else value
    try:
        values = tuple(values)
    except TypeError:
        values = None
    if not values or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in values
    ):
        from skdeep.utils._sklearn import InvalidParameterError

        raise InvalidParameterError(
            f"The '{name}' parameter must be a positive int or a tuple of "
            f"positive ints; got {value!r}."
        )
    return value if allow_int and isinstance(value, Integral) else tuple(values)


def _wiring_difference(source, target):
    """The first layer setting in which two stacks of the same weight shapes
    differ (a stride, dilation, padding, pooling or activation), or None.
    Dropout rates may differ: they hold no weights."""
    from skdeep.utils._training import _settings

    def layers(stack):
        return [(name, type(sub).__name__) for name, sub in stack.named_modules()
                if not isinstance(sub, torch.nn.modules.dropout._DropoutNd)]

    def settings(stack):
        return {key: value for key, value in _settings(stack).items()
                if not isinstance(stack.get_submodule(key[0]),
                                  torch.nn.modules.dropout._DropoutNd)}

    for (name, kind), (other, other_kind) in zip(layers(source), layers(target)):
        if kind != other_kind:
            return f"{name or 'the stack'} is {kind} there, {other_kind} here"
    if len(layers(source)) != len(layers(target)):
        return "another number of layers"
    theirs, ours = settings(source), settings(target)
    for key in sorted(set(theirs) | set(ours), key=str):
        if theirs.get(key) != ours.get(key):
            name, setting = key
            return (f"{name or 'the stack'}.{setting} is {theirs.get(key)!r} there, "
                    f"{ours.get(key)!r} here")
    return None


class _BaseCNN(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseTorchEstimator):
    """Input handling, module building and transfer shared by the CNN estimators.

    ``transform`` gives the penultimate features, so the estimators are
    transformers too (scikit-learn's transformer checks run on them).
    """

    _cpu_inference_rows = CONV_CPU_INFERENCE_ROWS

    # max_epochs="auto" (both estimators' default): at least 2000 Adam steps,
    # 10 to 200 epochs. 10 epochs (the defaults were chosen on 50,000
    # Fashion-MNIST images, ~3,900 steps) gave 200 digit images 20 steps
    # (0.62 accuracy); the cap was chosen in a declared selection round on
    # other data, benchmarks/cnn_runs/cnn_small_data.py (session 29), and
    # the regressor took the same rule in its own round on generated
    # regression tasks, benchmarks/sequence_runs/regressor_epochs.py (31).
    _auto_steps = 2000
    _auto_epoch_range = (10, 200)

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        **AUTO_EPOCHS_CONSTRAINT,
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "conv_channels": [tuple, list, None],
        "kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
        "stride": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "dilation": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "padding": [StrOptions({"same", "valid"}), Interval(Integral, 0, None, closed="left")],
        "pooling": [StrOptions({"max", "avg"}), None],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "batch_norm": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "bottleneck": [Interval(Integral, 1, None, closed="left"), None],
        "global_pooling": [StrOptions({"avg", "max"}), None],
        "head_hidden": [tuple, list],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "conv_dims": [StrOptions({"auto"}), Interval(Integral, 1, 2, closed="both")],
        "input_shape": ["array-like", None],
        "augment": [StrOptions({"auto", *AUGMENTATIONS}), tuple, list, None],
        "init_from": [HasMethods(["predict"]), str, os.PathLike, None],
        "freeze": [StrOptions({"features"}), Interval(Integral, 0, None, closed="left"), None],
        "head_lr": [Interval(Real, 0, None, closed="neither"), None],
        **LR_SCHEDULE_CONSTRAINT,
    }

    # ------------------------------------------------------------------ input
    def _data_shape(self, X):
        """``(n_dims, (C, *spatial))`` for a validated array at fit time."""
        return conv_data_shape(X, self.input_shape, self.conv_dims)

    def _validate_X(self, X, y="no_validation", *, reset):
        """Validate ``X`` (and ``y`` at fit); return ``(n, C, *spatial)`` floats."""
        fit = not (isinstance(y, str) and y == "no_validation")
        # (a list of flat rows, 2-D input, holds n_features_in_ values each:
        # input_shape may lay them out as several channels)
        # (a partial_fit call that continues reads a list of flat rows
        # against the fitted length too, as for RNNs)
        fitted = not reset or (self._continues_training() and self.input_ndim_ == 2)
        max_length = None if not fitted else (
            self.n_features_in_ if self.input_ndim_ == 2 else self.input_shape_[-1])
        X, given_ndim = prepare_conv_input(
            X,
            self,
            reset=reset,
            grayscale=(self.conv_dims if reset else self.conv_dims_) == 2,
            ragged=self._reads_series(reset),
            max_length=max_length,
        )
        kwargs = dict(
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
            allow_nd=True,
            reset=reset,
        )
        if reset:
            kwargs["ensure_min_samples"] = self._min_training_samples()
        if fit:
            X, y = validate_data(self, X, y, **self._y_validation(), **kwargs)
        else:
            X = validate_data(self, X, **kwargs)
        if reset:
            conv_dims, shape = self._data_shape(X)
            if not self._continues_training():
                self.input_ndim_ = given_ndim if given_ndim is not None else X.ndim
                self.conv_dims_, self.input_shape_ = conv_dims, shape
            elif conv_dims != self.conv_dims_:
                raise ValueError(
                    f"X holds {'images' if conv_dims == 2 else 'series'}, but "
                    f"{type(self).__name__} was fitted on "
                    f"{'images' if self.conv_dims_ == 2 else 'series'}."
                )
            # (a continuing partial_fit keeps the fitted sizes, and its chunk
            # is checked against them: they were replaced by the chunk's, so
            # 12 x 8 images after 8 x 12 ones trained the flattened head of
            # global_pooling=None on other positions, without a word)
        elif X.ndim == 2:
            shape = self.input_shape_
        else:
            shape = X.shape[1:]
        Xs = X.reshape(len(X), *shape)
        padded = self._check_values(Xs, reset)
        if reset:
            self.min_input_size_ = min_input_size(self._size_skeleton(), self.conv_dims_)
        self._check_size(Xs.shape[2:])
        if padded:
            self._check_padded_lengths(Xs)
        return (Xs, y) if fit else Xs

    def _reads_series(self, reset):
        conv_dims = self.conv_dims if reset else self.conv_dims_
        return conv_dims != 2

    def _partial_fit_n_features(self, shape):
        # grayscale images (n, H, W) count one feature, their channel, as
        # prepare_conv_input gives them to validate_data (partial_fit refused
        # them: "X has 8 features, but ... is expecting 1")
        if len(shape) == 3 and self.conv_dims_ == 2:
            return 1
        return shape[1]

    def _check_values(self, X, reset):
        """Refuse NaN where it cannot be padding; return whether ``X`` is
        NaN-padded (series of several lengths)."""
        if not np.isnan(X).any():
            return False
        if X.ndim == 4:
            raise ValueError(
                "Input contains NaN. Images may not contain NaN; impute them first."
            )
        if self.global_pooling is None:
            raise ValueError(
                "Input contains NaN: variable-length (NaN-padded) series need "
                "global_pooling='avg' or 'max'; with global_pooling=None every "
                "series must have the fitted length."
            )
        check_trailing_nan_padding(X)
        if reset and "slice" in check_augment(self.augment, 1):
            raise ValueError(
                "augment='slice' resamples whole series and cannot be combined "
                "with NaN-padded (variable-length) series."
            )
        return True

    def _check_size(self, spatial):
        what = "time points" if self.conv_dims_ == 1 else "pixels per side"
        if min(spatial) < self.min_input_size_:
            raise ValueError(
                f"Input of size {tuple(spatial)} is smaller than the "
                f"{self.min_input_size_} {what} that architecture="
                f"{self.architecture!r} with these parameters needs (pooling, "
                f"strides, and kernels with padding='valid' shrink it; dilation "
                f"widens the kernels). Use larger inputs or fewer blocks, or "
                f"change what shrinks it here (kernel_size={self.kernel_size!r}, "
                f"padding={self.padding!r}, dilation={self.dilation!r}, "
                f"stride={self.stride!r}, pooling={self.pooling!r}, "
                f"pool_size={self.pool_size!r})."
            )
        fitted = tuple(self.input_shape_[1:])
        if self.global_pooling is None and tuple(spatial) != fitted:
            raise ValueError(
                f"Input of size {tuple(spatial)} differs from the fitted size "
                f"{fitted}; with global_pooling=None the flattened features need "
                f"the fitted size (use global_pooling='avg' to accept any size)."
            )

    def _check_padded_lengths(self, Xs):
        """Each NaN-padded series is long enough for the stack on its own
        (the padded width was checked instead: a series too short alone was
        accepted padded, its features read mostly from the padding)."""
        observed = ~np.isnan(Xs).all(axis=1)
        lengths = (observed * np.arange(1, Xs.shape[2] + 1)).max(axis=1)
        short = np.flatnonzero(lengths < self.min_input_size_)
        if short.size:
            i = int(short[0])
            raise ValueError(
                f"Series {i} has {int(lengths[i])} observed time points (before "
                f"its NaN padding), fewer than the {self.min_input_size_} that "
                f"architecture={self.architecture!r} with these parameters "
                f"needs ({short.size} series are that short). Drop or lengthen "
                f"them, or change what shrinks the input (kernel_size, padding, "
                f"dilation, stride, pooling, pool_size)."
            )

    def _y_validation(self):
        return {}

    # ------------------------------------------------------------------ model
    def _stack(self):
        conv_channels = self.conv_channels
        if conv_channels is not None:
            conv_channels = _positive_ints(conv_channels, "conv_channels", False)
        return build_feature_stack(
            self.architecture,
            n_dims=self.conv_dims_,
            in_channels=self.input_shape_[0],
            conv_channels=conv_channels,
            kernel_size=self.kernel_size,
            stride=self.stride,
            dilation=self.dilation,
            padding=self.padding,
            pooling=self.pooling,
            pool_size=self.pool_size,
            batch_norm=self.batch_norm,
            dropout=self.dropout,
            bottleneck=self.bottleneck,
            activation=self.activation,
        )

    def _stack_skeleton(self):
        """The stack on the meta device, for shapes only: no memory, no compute,
        and the global RNG untouched (weight initialisation draws nothing on
        meta; a subclass's stack might, on another device)."""
        with global_rng_kept(), torch.device("meta"):
            return self._stack()

    def _size_skeleton(self):
        """The layers that bound the input size (``min_input_size_``), as a
        meta-device module with ``in_channels``; subclasses with layers after
        the stack (capsule networks) extend it."""
        return self._stack_skeleton()

    def _n_outputs(self):
        raise NotImplementedError

    def _build_module(self):
        stack = self._stack()
        flat = None
        if self.global_pooling is None:
            out = output_spatial_shape(stack, self.input_shape_[1:])
            flat = stack.out_channels * int(np.prod(out))
        names = check_augment(self.augment, self.conv_dims_)
        module = CNNModule(
            stack,
            self._n_outputs(),
            global_pooling=self.global_pooling,
            flat_features=flat,
            # (a width 0 gave a constant predictor)
            head_hidden=(_positive_ints(self.head_hidden, "head_hidden", False)
                         if len(self.head_hidden) else ()),
            dropout=self.dropout,
            activation=self.activation,
            augment=Augment(names) if names else None,
        )
        self._initialise_stack(module.stack)
        return module

    def _initialise_stack(self, stack):
        """Load ``init_from``'s weights into a freshly built stack and freeze
        the requested blocks (transfer learning)."""
        transfer = getattr(self, "_transfer_state", None)
        if transfer is not None:
            stack.load_state_dict(transfer)
        stack.freeze(self._n_frozen(stack))

    def _continue_module(self, module):
        # partial_fit after set_params(freeze=...): applies (gradual
        # unfreezing; the stack was frozen at its build only)
        module.stack.freeze(self._n_frozen(module.stack))

    def _n_frozen(self, stack):
        if self.freeze is None:
            return 0
        if self.freeze == "features":
            return len(stack.blocks)
        if self.freeze > len(stack.blocks):
            raise ValueError(
                f"freeze={self.freeze} but the feature stack has only "
                f"{len(stack.blocks)} blocks."
            )
        return int(self.freeze)

    def _optimizer_params(self):
        params = super()._optimizer_params()
        if self.head_lr is not None:
            params["param_groups"] = [
                ("head_hidden.*", {"lr": self.head_lr}),
                ("output.*", {"lr": self.head_lr}),
            ]
        return params

    def _source_stack_state(self):
        """The feature-stack weights of ``init_from``, checked against this model."""
        source = self.init_from
        if source is None:
            return None
        if isinstance(source, (str, os.PathLike)):
            from skdeep import io

            source = io.load(source, device="cpu")
        from sklearn.frozen import FrozenEstimator

        if isinstance(source, FrozenEstimator):
            # (only this wrapper: any object's .estimator was read, and a
            # fitted GridSearchCV's, its unfitted template, was "unfitted")
            source = source.estimator
        if not isinstance(source, _BaseCNN):
            best = getattr(source, "best_estimator_", None)
            raise TypeError(
                f"init_from must be a fitted CNNClassifier or CNNRegressor or a "
                f"file saved from one; got {type(source).__name__}"
                + (" (pass its best_estimator_)." if best is not None else ".")
            )
        if not hasattr(source, "net_"):
            raise ValueError(
                "init_from is an unfitted estimator. scikit-learn's clone (which "
                "GridSearchCV applies to every value of a parameter grid) turns "
                "a fitted estimator into an unfitted copy: wrap the source in "
                "sklearn.frozen.FrozenEstimator, or pass the path of a file saved "
                "with skdeep.io.save."
            )
        if source.conv_dims_ != self.conv_dims_:
            raise ValueError(
                f"init_from was fitted on {source.conv_dims_}-D convolutions "
                f"({'images' if source.conv_dims_ == 2 else 'series'}), this data "
                f"needs {self.conv_dims_}-D."
            )
        state = {k: v.detach().cpu().clone() for k, v in
                 source.module_.stack.state_dict().items()}
        # every weight of either stack: one only the source has (a deeper
        # source) failed in torch's load_state_dict with its own error
        skeleton = self._stack_skeleton()
        target = skeleton.state_dict()
        where = None
        for key in [*target, *(k for k in state if k not in target)]:
            here = None if key not in target else tuple(target[key].shape)
            got = None if key not in state else tuple(state[key].shape)
            if here != got:
                where = f"at {key!r} (source {got}, here {here})"
                break
        if where is None:
            # (weights of the same shapes went into a stack of other
            # strides, dilations, padding, pooling or activations)
            differs = _wiring_difference(source.module_.stack, skeleton)
            where = None if differs is None else f"in its layers: {differs}"
        if where is not None:
            raise ValueError(
                f"init_from's feature stack does not match this one {where}. "
                f"Use the source's architecture parameters and channel count "
                f"(source: architecture={source.architecture!r}, "
                f"input channels {source.input_shape_[0]})."
            )
        return state

    def _fit_network(self, X, y, weights, *, stratified=False, balance=None):
        """Train on ``X`` and the target tensor ``y``; ``weights``: the
        sample weights as :func:`validate_sample_weight` returns them."""
        self._training_setup()
        # a partial_fit that continues keeps its trained stack: the source
        # (a file, maybe moved since) is not read again
        self._transfer_state = (
            None if self._continues_training() else self._source_stack_state()
        )
        try:
            self._fit_module(
                self._training_input(as_float32_tensor(X), y),
                y,
                stratified=stratified,
                sample_weight=weights,
                balance=balance,
            )
        finally:
            del self._transfer_state
        return self

    def _training_input(self, X, y):
        """What the module's ``forward`` is trained on: the images or series,
        or a dict of keyword arguments (capsule networks also take the labels,
        to mask their reconstruction)."""
        return X

    def __sklearn_clone__(self):
        # A fitted init_from is passed on as it is (scikit-learn would clone it
        # into an unfitted copy); the source is only ever read.
        if self.init_from is None or isinstance(self.init_from, (str, os.PathLike)):
            return super().__sklearn_clone__()
        params = {
            k: clone(v, safe=False)
            for k, v in self.get_params(deep=False).items()
            if k != "init_from"
        }
        return clone_with_params(self, {**params, "init_from": self.init_from})

    def get_params(self, deep=True):
        # init_from's own parameters are not ours to tune: exposing them as
        # init_from__* would let set_params modify the source estimator.
        return super().get_params(deep=False)

    def set_params(self, **params):
        """Set the parameters (see :meth:`sklearn.base.BaseEstimator.set_params`).

        ``init_from``'s own parameters (``init_from__...``) are refused: the
        source is only read, and setting them changed the caller's model
        (every candidate of a search over them wrote into the one source,
        and scored alike).

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
        """
        nested = sorted(k for k in params if k.startswith("init_from__"))
        if nested:
            raise ValueError(
                f"Cannot set {nested}: init_from is the source model whose "
                f"weights are transferred, and its parameters are not "
                f"{type(self).__name__}'s to set. Set them on the source and "
                f"fit it, or pass another init_from."
            )
        return super().set_params(**params)

    # -------------------------------------------------------------- inference
    def transform(self, X):
        """The pooled penultimate features (the input of the output layer).

        A fitted CNN is so a feature extractor in a ``Pipeline``.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, C, T), \
(n_samples, T) or (n_samples, n_features)

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._batched(self.module_.features, X, out_dtype=np.float64)

    @property
    def _n_features_out(self):
        # the width of transform's features: get_feature_names_out, and
        # set_output in pipelines that use the CNN as a feature extractor
        return self.module_.output.in_features

    def _outputs(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._batched(self.module_, X, out_dtype=np.float64)

    def _expected_failed_checks(self):
        return dict(SAMPLE_WEIGHT_EQUIVALENCE_XFAIL)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


class CNNClassifier(
    LogProbaMixin, PartialFitClassifierMixin, ClassifierMixin, _BaseCNN
):
    """Convolutional neural network classifier of images and time series.

    A convolutional feature stack (plain, FCN, ResNet, Inception or TCN),
    global pooling and a dense softmax head, trained with cross-entropy or
    focal loss. One code path serves 1-D series and 2-D images.

{input_doc}

    Parameters
    ----------
{cnn_parameters}

{class_weight}

    sampling : {{"oversample", "undersample"}} or None, default=None
        Draw a class-balanced training set anew each epoch: every class
        drawn up to the largest class's size (each sample at least once),
        or down to the smallest's (Buda, Maki & Mazurowski, 2018). Seeded
        by ``random_state``; the validation split is never resampled. With
        ``max_epochs="auto"``, ``n`` is the rows such an epoch draws.

    loss : {{"cross_entropy", "focal"}}, default="cross_entropy"
        The training loss; focal loss (Lin et al., 2017) down-weights
        well-classified examples by ``(1 - p)**focal_gamma``.

    focal_gamma : float, default=2.0
        Focusing parameter of the focal loss (0 gives cross-entropy).

{training_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the loss (ones without ``class_weight``).

{attributes}

    See Also
    --------
    CNNRegressor : The regressor.
    skdeep.recurrent.RNNClassifier : Recurrent networks for series.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.cnn import CNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 1, 12, 12))
    >>> y = np.repeat([0, 1], 30)
    >>> X[y == 1, :, 3:9, 5:7] += 2.0  # class 1: a bright vertical bar
    >>> clf = CNNClassifier(conv_channels=(8,), lr=0.01, batch_size=16, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.transform(X[:2]).shape  # pooled features, for a Pipeline
    (2, 8)
    """

    _parameter_constraints: dict = {
        **_BaseCNN._parameter_constraints,
        **CLASS_WEIGHT_CONSTRAINT,
        "sampling": [StrOptions({"oversample", "undersample"}), None],
        "loss": [StrOptions({"cross_entropy", "focal"})],
        "focal_gamma": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        architecture="plain",
        *,
        conv_channels=None,
        kernel_size=None,
        stride=1,
        dilation=1,
        padding="same",
        pooling="max",
        pool_size=2,
        batch_norm=True,
        dropout=0.0,
        bottleneck=None,
        global_pooling="avg",
        head_hidden=(),
        activation="relu",
        conv_dims="auto",
        input_shape=None,
        augment=None,
        init_from=None,
        freeze=None,
        head_lr=None,
        lr_schedule="cosine",
        class_weight=None,
        sampling=None,
        loss="cross_entropy",
        focal_gamma=2.0,
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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, C, T), \
(n_samples, T) or (n_samples, n_features)
            Training images or series.

        y : array-like of shape (n_samples,)
            Class labels.

{sample_weight}

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = self._validate_X(X, y, reset=True)
        # (checked first: class_weight="balanced" broadcast a wrong length)
        weights = validate_sample_weight(sample_weight, X)
        codes = encode_classes(self, y, weights)
        return self._fit_network(
            X,
            torch.as_tensor(codes, dtype=torch.long),
            weights,
            stratified=True,
            balance=self.sampling,
        )

    def _n_outputs(self):
        return len(self.classes_)

    def _criterion(self):
        return ClassificationLoss(
            self.loss,
            focal_gamma=self.focal_gamma,
            class_weight=torch.tensor(self.class_weight_, dtype=torch.float32),
        )

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, C, T), \
(n_samples, T) or (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._outputs(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, C, T), \
(n_samples, T) or (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self._outputs(X), axis=1)]

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"conv_channels": (16,), "pooling": None, "max_epochs": 30,
             "lr": 0.02, "batch_size": 32},
            {"architecture": "tcn", "conv_channels": (8, 8), "global_pooling": None,
             "max_epochs": 30, "lr": 0.02, "batch_size": 32},
        ]


class CNNRegressor(PartialFitRegressorMixin, RegressorMixin, _BaseCNN):
    """Convolutional neural network regressor of images and time series.

    A convolutional feature stack (plain, FCN, ResNet, Inception or TCN),
    global pooling and a dense linear head, trained on the (weighted) mean
    squared error of the standardized target, so the units of ``y`` do not
    change the fit (see ``y_mean_``).

{input_doc}

    Parameters
    ----------
{cnn_parameters}

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
    CNNClassifier : The classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.cnn import CNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> freq = rng.uniform(1, 3, 80)
    >>> X = np.sin(np.outer(freq, np.linspace(0, 6, 40)))  # (n_samples, T)
    >>> reg = CNNRegressor("fcn", conv_channels=(8, 8), max_epochs=5, random_state=0)
    >>> reg.fit(X, freq).predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        architecture="plain",
        *,
        conv_channels=None,
        kernel_size=None,
        stride=1,
        dilation=1,
        padding="same",
        pooling="max",
        pool_size=2,
        batch_norm=True,
        dropout=0.0,
        bottleneck=None,
        global_pooling="avg",
        head_hidden=(),
        activation="relu",
        conv_dims="auto",
        input_shape=None,
        augment=None,
        init_from=None,
        freeze=None,
        head_lr=None,
        lr_schedule="cosine",
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

    def _y_validation(self):
        return {"multi_output": True, "y_numeric": True}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the regressor.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, C, T), \
(n_samples, T) or (n_samples, n_features)
            Training images or series.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the squared error.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = self._validate_X(X, y, reset=True)
        y = float_targets(y)
        weights = validate_sample_weight(sample_weight, X)
        if not self._continues_training():  # (a later call keeps the first's)
            self._y_1d = y.ndim == 1
        elif self._y_1d and y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()  # a column y continues a 1-D fit as 1-D
        y2 = self._standardize_targets(
            y.reshape(len(y), -1), weights, as_floats=self._y_1d
        )
        self.n_outputs_ = y2.shape[1]
        return self._fit_network(X, as_float32_tensor(y2), weights)

    def _n_outputs(self):
        return self.n_outputs_

    def _criterion(self):
        return WeightedMSELoss()

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, C, T), \
(n_samples, T) or (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        out = self._in_target_units(self._outputs(X))
        return out[:, 0] if self._y_1d else out

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"conv_channels": (16,), "pooling": None, "global_pooling": None,
             "max_epochs": 60, "lr": 0.02, "batch_size": 32},
            {"architecture": "resnet", "conv_channels": (8,), "kernel_size": 3,
             "max_epochs": 40, "lr": 0.02, "batch_size": 32},
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _fill_doc(cls, class_weight=""):
    defaults = cls()
    cls.__doc__ = (
        cls.__doc__.replace("{input_doc}", _INPUT_DOC)
        .replace("{cnn_parameters}", _CNN_PARAMETERS_DOC)
        .replace("{lr_schedule}", LR_SCHEDULE_DOC.format(default="cosine"))
        .replace("{class_weight}", class_weight)
        .replace("{training_parameters}", training_parameters_doc(
            max_epochs=defaults.max_epochs,
            auto_epochs=auto_epochs_doc(cls, note=(
                " (the number the defaults were chosen with, on 50,000 images)")),
        ))
        .replace("{attributes}", _ATTRIBUTES_DOC)
        .replace("{{", "{")
        .replace("}}", "}")
    )


_fill_doc(CNNClassifier, CLASS_WEIGHT_DOC)
CNNClassifier.fit.__doc__ = CNNClassifier.fit.__doc__.replace(
    "{sample_weight}\n", SAMPLE_WEIGHT_FIT_DOC + "\n"
)
_fill_doc(CNNRegressor)
