"""Features of images from torchvision's classification networks (``vision`` extra)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import difflib
import os
import pickle
import sys
import warnings
from collections.abc import Mapping
from numbers import Integral

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn
from torch.nn import functional as F

from skdeep.utils._input import prepare_conv_input, read_input_shape
from skdeep.utils._sklearn import (
    Interval,
    StrOptions,
    _fit_context,
    external_stacklevel,
)
from skdeep.utils._torch import (
    CONV_CPU_INFERENCE_ROWS,
    batched_numpy,
    derive_seed,
    inference_rows,
    resolve_device,
    seeded,
)
from skdeep.utils._training import CPUPicklingMixin

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_INSTALL_HINT = (
    "PretrainedFeatureExtractor needs torchvision: pip install 'skdeep[vision]'"
)

# The ops whose fake (meta) kernels torchvision registers unconditionally on
# import; see _import_torchvision.
_TORCHVISION_OP_SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)
_op_library = None  # kept alive: a torch.library.Library drops its ops when freed


def _import_torchvision():
    """Import torchvision, also where its C++ ops cannot load.

    PyPI's torchvision wheels link their C++ ops against the CUDA build of
    torch. Beside a CPU-only torch (``torch==2.13.0+cpu``, when the matching
    ``+cpu`` torchvision cannot be installed) that library does not load, and
    ``import torchvision`` then fails with "operator torchvision::nms does
    not exist" (pytorch/vision#9085): it registers fake kernels for ``nms``
    and ``qnms`` whether or not the ops exist. Declaring the two schemas
    (without kernels) lets the pure-Python part import; the classification
    networks use none of the C++ ops, and calling one (``torchvision.ops.nms``)
    still raises torchvision's own "Couldn't load custom C++ ops" error.
    Where the ops load, nothing is declared.

    Returns
    -------
    torchvision : module

    Raises
    ------
    ImportError
        If torchvision is not installed, or cannot be imported even so.
    """
    global _op_library
    try:
        import torchvision
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    except RuntimeError as exc:
        if "torchvision::" not in str(exc) or _op_library is not None:
            raise ImportError(
                f"{_INSTALL_HINT} (torchvision is installed but fails to import: "
                f"{exc}; install the torchvision release built for torch "
                f"{torch.__version__})."
            ) from exc
        # Forget the half-imported package, declare the ops, import again.
        for name in [m for m in sys.modules if m.split(".")[0] == "torchvision"]:
            del sys.modules[name]
        _op_library = torch.library.Library("torchvision", "FRAGMENT")
        for schema in _TORCHVISION_OP_SCHEMAS:
            _op_library.define(schema)
        return _import_torchvision()
    return torchvision


class _AfterTorchvision:
    """A module that holds torchvision classes, pickled so that unpickling
    imports torchvision through :func:`_import_torchvision` first: a fresh
    process that unpickled the module itself imported torchvision directly,
    which fails beside a CPU-only torch ("operator torchvision::nms does not
    exist"), while skdeep.io.load and the same process worked."""

    def __init__(self, module):
        self.module = module

    def __reduce__(self):
        data = pickle.dumps(self.module, protocol=pickle.HIGHEST_PROTOCOL)
        return _module_after_torchvision, (data,)


def _module_after_torchvision(data):
    """Unpickle a module pickled by :class:`_AfterTorchvision`."""
    _import_torchvision()
    return pickle.loads(data)


class _FeatureShapeError(ValueError):
    """The feature layer's output is neither a map nor a vector."""


def _pool(features, where):
    """Global average pooling of a (N, C, H, W) map; (N, F) passes through."""
    if features.ndim == 4:
        return features.mean(dim=(2, 3))
    if features.ndim == 2:
        return features
    raise _FeatureShapeError(
        f"The output of {where} has shape {tuple(features.shape)}; only (N, C, H, W) "
        f"feature maps (averaged over H and W) and (N, F) vectors are supported. "
        f"Choose another layer."
    )


class _ImageFeatures(nn.Module):
    """Preprocessing, then the backbone cut at the feature layer, then pooling.

    The preprocessing lives in the module so that ``model_`` alone maps raw
    images to features (and moves to the GPU with them).
    """

    def __init__(self, backbone, *, output_key, offset, scale, size, channels, mean,
                 std, where):
        super().__init__()
        self.backbone = backbone
        self.output_key = output_key
        self.offset, self.scale = offset, scale
        self.size = size
        self.channels = channels
        self.where = where
        # Not persistent: rebuilt from the parameters, so the state_dict holds
        # exactly the backbone's weights.
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("std", std, persistent=False)

    def forward(self, x):
        if self.scale is not None:
            x = (x - self.offset) / self.scale
        if self.size is not None and tuple(x.shape[2:]) != self.size:
            # antialias only acts when shrinking, where it avoids aliasing.
            x = F.interpolate(
                x, size=self.size, mode="bilinear", align_corners=False, antialias=True
            )
        if x.shape[1] != self.channels:  # grayscale="repeat", checked in fit
            x = x.expand(-1, self.channels, -1, -1)
        if self.mean is not None:
            x = (x - self.mean) / self.std
        out = self.backbone(x)
        if self.output_key is not None:
            out = out[self.output_key]
        return _pool(out, self.where)


class PretrainedFeatureExtractor(
    CPUPicklingMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Image features from a torchvision network with weights from a local file.

    Runs images through a classification network of
    :mod:`torchvision.models` (ResNet, MobileNet, EfficientNet, VGG,
    ConvNeXt, ViT, ...) and returns, for each image, a vector: by default
    the penultimate ("pre-logits") features, the input of the network's last
    linear layer (the global average pool of ResNets and EfficientNets);
    with ``layer``, the globally average-pooled output of any inner module.
    A linear model on such features is a strong, cheap image classifier
    when the weights were pretrained on ImageNet (transfer learning without
    fine-tuning). Needs the ``vision`` extra (``pip install
    'skdeep[vision]'``).

    Nothing is ever downloaded: the weights come from a file holding the
    network's ``state_dict``. Make it once, on a machine with network
    access::

        import torch, torchvision
        model = torchvision.models.resnet18(weights="IMAGENET1K_V1")
        torch.save(model.state_dict(), "resnet18.pt")

    and pass ``weights_path="resnet18.pt"`` (with the same
    ``architecture``). Without a file the network keeps its random
    initialisation (seeded by ``random_state``): random convolutional
    features, a baseline, not pretrained ones.

    Input is images ``(n_samples, C, H, W)``, grayscale images
    ``(n_samples, H, W)``, or flat rows ``(n_samples, n_features)`` read
    through ``input_shape`` (without it, as images one pixel high). Each
    batch is scaled from ``input_range`` to [0, 1], resized, repeated to
    three channels if grayscale, and standardised with the ImageNet channel
    statistics, which is the preprocessing torchvision's weights expect.
    Images of another size than in ``fit`` are accepted; the channel count
    must stay the same.

    Parameters
    ----------
    architecture : str, default="resnet18"
        A builder of :mod:`torchvision.models`, one of
        ``torchvision.models.list_models(module=torchvision.models)``:
        ``"resnet18"``, ``"resnet50"``, ``"mobilenet_v3_small"``,
        ``"efficientnet_b0"``, ``"vgg11"``, ``"convnext_tiny"``, ...

    weights_path : str, path-like or None, default=None
        File holding a ``state_dict`` of that architecture, read with
        ``torch.load(weights_path, map_location="cpu", weights_only=True)``
        (which never runs code from the file) and loaded strictly. ``None``
        keeps the random initialisation.

    layer : str or None, default=None
        ``None``: the penultimate features (the input of the last
        ``nn.Linear``; 512 values for ResNet-18, 1024 for
        MobileNetV3-Small, 1280 for EfficientNet-B0, 4096 for VGG).
        Otherwise the name of a module (from ``model.named_modules()``,
        such as ``"layer3"`` or ``"features.6"``) whose output is taken and
        averaged over its spatial positions, read as ``(N, C, H, W)``. Swin
        transformers' ``"features.*"`` blocks are ``(N, H, W, C)``: take
        ``"permute"`` there. Earlier layers give more generic, less
        ImageNet-specific features.

    model_kwargs : dict or None, default=None
        Keyword arguments of the builder, so that the network matches the
        file and behaves as with its weights: ``{"num_classes": 10}`` for a
        fine-tuned ResNet, ``{"aux_logits": False, "transform_input": True}``
        for torchvision's GoogLeNet weights, ``{"transform_input": True}``
        for its Inception-v3 weights. ``weights`` is not accepted.

    input_shape : tuple of int or None, default=None
        ``(C, H, W)`` to read flat rows, so that the extractor works after a
        scikit-learn transformer. ``None`` reads flat rows as images of
        shape ``(1, 1, n_features)``.

    resize : int, tuple of int or None, default=None
        Resize every image to ``(resize, resize)`` or ``(H, W)`` (bilinear,
        antialiased when shrinking) before the network. Small images (8x8
        digits, 28x28 Fashion-MNIST) need it: deep networks shrink their
        input 32-fold, and ImageNet features work best at 100-224 pixels.

    input_range : tuple of 2 float or None, default=(0, 255)
        The ``(low, high)`` values of the input, mapped to 0 and 1: the
        default suits 8-bit images, use ``(0, 16)`` for scikit-learn's
        digits. ``None`` takes the input as already in [0, 1]. ``fit`` warns
        when the values do not look like this range (float images in [0, 1]
        under a range of 2 or more; values outside it by more than its
        width).

    normalize : "imagenet", tuple of 2 sequences or None, default="imagenet"
        Channel standardisation after scaling: ``"imagenet"`` uses the mean
        ``(0.485, 0.456, 0.406)`` and standard deviation
        ``(0.229, 0.224, 0.225)`` that torchvision's weights were trained
        with; ``(mean, std)`` gives one value (or one per channel) of each;
        ``None`` does not standardise.

    grayscale : {"repeat"} or None, default="repeat"
        One-channel images for a three-channel network: ``"repeat"`` copies
        the channel three times; ``None`` refuses them.

    batch_size : int, default=64
        Images per forward pass (at most 16 on the CPU: a network's cost per
        image is the same from a few images up, and each pass is padded to
        one constant size, so that an image's features do not depend on the
        images sent with it).

    device : str or torch.device, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or ``"auto"``.

    random_state : int, RandomState instance or None, default=None
        Seeds the random initialisation when ``weights_path`` is None.
        Torch's global random state is left untouched.

    Attributes
    ----------
    model_ : torch.nn.Module
        The network, in evaluation mode: preprocessing, the backbone cut
        after the feature layer (``model_.backbone``), pooling. It maps a
        float tensor ``(N, C, H, W)`` of raw images to ``(N,
        n_features_out_)`` features.

    n_features_out_ : int
        Width of the feature vectors.

    input_ndim_ : int
        2, 3 or 4, the dimensionality of ``X`` seen in ``fit`` (3 for
        grayscale images ``(n_samples, H, W)``).

    input_shape_ : tuple of int
        ``(C, H, W)`` of the training images.

    n_features_in_ : int
        Columns of flat input, else the number of channels.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    skdeep.cnn.CNNClassifier : A convolutional network trained from scratch
        (or fine-tuned) on the task.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdeep.cnn import PretrainedFeatureExtractor
    >>> X, y = load_digits(return_X_y=True)
    >>> images = X[:100].reshape(-1, 8, 8)  # grayscale, values 0..16
    >>> # Random weights here; pass weights_path=... for pretrained features.
    >>> extractor = PretrainedFeatureExtractor(
    ...     "resnet18", input_range=(0, 16), resize=32, random_state=0)
    >>> extractor.fit_transform(images).shape
    (100, 512)
    >>> extractor.get_feature_names_out()[:2]
    array(['pretrainedfeatureextractor0', 'pretrainedfeatureextractor1'],
          dtype=object)
    """

    _module_attributes = ("model_",)  # (CPUPicklingMixin)

    _parameter_constraints: dict = {
        "architecture": [str],
        "weights_path": [str, os.PathLike, None],
        "layer": [str, None],
        "model_kwargs": [dict, None],
        "input_shape": ["array-like", None],
        "resize": [Interval(Integral, 1, None, closed="left"), "array-like", None],
        "input_range": ["array-like", None],
        "normalize": [StrOptions({"imagenet"}), "array-like", None],
        "grayscale": [StrOptions({"repeat"}), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        architecture="resnet18",
        *,
        weights_path=None,
        layer=None,
        model_kwargs=None,
        input_shape=None,
        resize=None,
        input_range=(0, 255),
        normalize="imagenet",
        grayscale="repeat",
        batch_size=64,
        device="cpu",
        random_state=None,
    ):
        self.architecture = architecture
        self.weights_path = weights_path
        self.layer = layer
        self.model_kwargs = model_kwargs
        self.input_shape = input_shape
        self.resize = resize
        self.input_range = input_range
        self.normalize = normalize
        self.grayscale = grayscale
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state

    def __getstate__(self):
        # the network through _AfterTorchvision (see there)
        state = super().__getstate__()
        if isinstance(state.get("model_"), nn.Module):
            state = dict(state)  # may be the live __dict__
            state["model_"] = _AfterTorchvision(state["model_"])
        return state

    # ------------------------------------------------------------------ input
    def _validate_X(self, X, *, reset):
        """Validate ``X``; return it as ``(n, C, H, W)``, and its float dtype."""
        if getattr(X, "ndim", None) is None:  # lists and other array-likes
            X = np.asarray(X)
        if X.ndim > 4:
            raise ValueError(
                f"Expected images (n_samples, C, H, W) or (n_samples, H, W), or flat "
                f"rows (n_samples, n_features); got an array with shape {X.shape}."
            )
        X, ndim = prepare_conv_input(X, self, reset=reset, grayscale=True)
        # "numeric" keeps uint8 images as they are (8x smaller than float64);
        # each batch becomes float32 on its way to the network.
        X = validate_data(self, X, reset=reset, dtype="numeric", allow_nd=True)
        if reset:
            self.input_ndim_ = ndim
            self.input_shape_ = self._flat_shape(X) if X.ndim == 2 else X.shape[1:]
        images = X.reshape(len(X), *self.input_shape_) if X.ndim == 2 else X
        out_dtype = np.float64 if X.dtype == np.float64 else np.float32
        return images, out_dtype

    def _flat_shape(self, X):
        if self.input_shape is None:
            return (1, 1, X.shape[1])
        return read_input_shape(self.input_shape, X.shape[1], ndims=(3,))

    # ---------------------------------------------------------------- network
    def _builder_kwargs(self):
        kwargs = dict(self.model_kwargs or {})
        if "weights" in kwargs:
            raise ValueError(
                "model_kwargs may not hold 'weights': nothing is downloaded. Save "
                "the weights' state_dict to a file and pass weights_path."
            )
        return kwargs

    def _backbone(self, torchvision, seed):
        """The full network, randomly initialised (seeded), in evaluation mode."""
        names = torchvision.models.list_models(module=torchvision.models)
        if self.architecture not in names:
            close = difflib.get_close_matches(self.architecture, names, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(
                f"Unknown architecture {self.architecture!r}.{hint} torchvision "
                f"{torchvision.__version__} has {len(names)} classification networks, "
                f"for example 'resnet18', 'resnet50', 'mobilenet_v3_small', "
                f"'efficientnet_b0', 'vgg11', 'convnext_tiny', 'vit_b_16' (see "
                f"torchvision.models.list_models(module=torchvision.models))."
            )
        kwargs = self._builder_kwargs()
        with seeded(seed):
            model = torchvision.models.get_model(self.architecture, weights=None,
                                                 **kwargs)
        return model.eval()

    def _load_weights(self, model):
        path = os.fspath(self.weights_path)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"weights_path={path!r}: no such file. Save the weights once, on "
                f"a machine with network access: torch.save(torchvision.models."
                f"{self.architecture}(weights='DEFAULT').state_dict(), {path!r})."
            )
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
            # torch's message is a page long; its "WeightsUnpickler error" line
            # names what the file holds besides tensors.
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            detail = next(
                (line for line in lines if line.startswith("WeightsUnpickler")),
                lines[0] if lines else type(exc).__name__,
            )
            raise ValueError(
                f"{path} cannot be read as a state_dict with torch.load("
                f"weights_only=True) ({detail}). Save model.state_dict(), not the "
                f"model."
            ) from exc
        if not isinstance(state, Mapping) or not all(
            isinstance(v, torch.Tensor) for v in state.values()
        ):
            raise ValueError(
                f"{path} holds a {type(state).__name__}, not a state_dict (a mapping "
                f"of parameter names to tensors). Save model.state_dict()."
            )
        expected = model.state_dict()
        missing = [k for k in expected if k not in state]
        unexpected = [k for k in state if k not in expected]
        mismatched = [
            f"{k}: {tuple(state[k].shape)} in the file, {tuple(v.shape)} in the model"
            for k, v in expected.items()
            if k in state and state[k].shape != v.shape
        ]
        if missing or unexpected or mismatched:
            parts = [
                f"{label} {items[:5]}{f' ({len(items)} in all)' * (len(items) > 5)}"
                for label, items in (
                    ("missing keys", missing),
                    ("unexpected keys", unexpected),
                    ("shape mismatches", mismatched),
                )
                if items
            ]
            raise ValueError(
                f"The state_dict in {path} does not fit architecture "
                f"{self.architecture!r} (model_kwargs={self.model_kwargs!r}): "
                f"{'; '.join(parts)}. Was it saved from torchvision.models."
                f"{self.architecture}? A fine-tuned head needs model_kwargs="
                f"{{'num_classes': ...}}."
            )
        model.load_state_dict(state, strict=True)

    def _cut(self, model):
        """The backbone up to the feature layer, the key of its output, a label."""
        if self.layer is None:
            linears = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
            if not linears:
                raise ValueError(
                    f"Architecture {self.architecture!r} has no linear layer, so it "
                    f"has no penultimate features; choose a module with layer=, "
                    f"e.g. one of {[n for n, _ in model.named_children()]}."
                )
            # The input of the last linear layer is the pre-logits vector:
            # replacing that layer by the identity returns it.
            parent, _, child = linears[-1].rpartition(".")
            setattr(model.get_submodule(parent), child, nn.Identity())
            return model, None, f"the input of {linears[-1]!r}"
        modules = dict(model.named_modules())
        if self.layer not in modules or self.layer == "":
            close = difflib.get_close_matches(self.layer, list(modules), n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(
                f"layer={self.layer!r} is not a module of {self.architecture!r}.{hint}"
                f" Its top-level modules are {[n for n, _ in model.named_children()]};"
                f" list all with dict(model.named_modules())."
            )
        from torchvision.models.feature_extraction import create_feature_extractor

        # Traced with torch.fx, the network stops after the requested module.
        extractor = create_feature_extractor(
            model, return_nodes={self.layer: "features"}, suppress_diff_warning=True
        )
        return extractor.eval(), "features", f"layer {self.layer!r}"

    def _preprocessing(self, channels):
        """Keyword arguments of :class:`_ImageFeatures` from the parameters."""
        offset = scale = None
        if self.input_range is not None:
            try:
                low, high = (float(v) for v in self.input_range)
            except (TypeError, ValueError):
                low = high = float("nan")  # refused below, by name
            if not (high > low and np.isfinite(high - low)):
                raise ValueError(
                    f"input_range must be (low, high) with low < high; got "
                    f"{self.input_range!r}."
                )
            offset, scale = low, high - low
        size = None
        if self.resize is not None:
            size = (
                (int(self.resize),) * 2
                if isinstance(self.resize, Integral)
                else tuple(int(s) for s in self.resize)
            )
            if len(size) != 2 or min(size) < 1:
                raise ValueError(
                    f"resize must be an int or (H, W); got {self.resize!r}."
                )
        mean = std = None
        if self.normalize is not None:
            if isinstance(self.normalize, str):
                mean, std = IMAGENET_MEAN, IMAGENET_STD
            elif len(self.normalize) == 2:
                mean, std = self.normalize
            else:
                raise ValueError(
                    f"normalize must be 'imagenet', None or (mean, std); got "
                    f"{self.normalize!r}."
                )
            shape = (1, -1, 1, 1)
            mean = torch.as_tensor(mean, dtype=torch.float32).reshape(shape)
            std = torch.as_tensor(std, dtype=torch.float32).reshape(shape)
            for what, values in (("mean", mean), ("std", std)):
                if values.numel() not in (1, channels):
                    raise ValueError(
                        f"normalize {what} has {values.numel()} values; give 1 or one "
                        f"per channel ({channels})."
                    )
            # (a zero std divided every feature into NaN, silently)
            if not bool(torch.isfinite(mean).all()) or not bool((std > 0).all()) or (
                not bool(torch.isfinite(std).all())
            ):
                raise ValueError(
                    f"normalize needs finite means and positive, finite standard "
                    f"deviations; got {self.normalize!r}."
                )
        return dict(offset=offset, scale=scale, size=size, mean=mean, std=std)

    def _build_model(self, *, load_weights):
        torchvision = _import_torchvision()
        random_weights = load_weights and self.weights_path is None
        # Random weights follow random_state; weights that will be overwritten
        # (from the file, or by skdeep.io.load) take any fixed seed, so that
        # numpy's global RNG is not drawn.
        seed = derive_seed(self.random_state) if random_weights else 0
        model = self._backbone(torchvision, seed)
        if load_weights and self.weights_path is not None:
            self._load_weights(model)
        convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
        channels = convs[0].in_channels if convs else 3
        backbone, key, where = self._cut(model)
        return _ImageFeatures(
            backbone, output_key=key, channels=channels, where=where,
            **self._preprocessing(channels),
        ).eval()

    def _rebuild_module(self, name, device):
        """The untrained ``model_`` for :func:`skdeep.io.load` to fill (and
        move to ``device``)."""
        if name != "model_":
            raise KeyError(name)
        return self._build_model(load_weights=False)

    # ------------------------------------------------------------------- API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Build the network and load its weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, H, W) or \
(n_samples, n_features)
            Images, or flat rows read through ``input_shape``.

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted extractor.
        """
        self._builder_kwargs()  # refuse weights= before any work
        images, _ = self._validate_X(X, reset=True)
        channels_in = self.input_shape_[0]
        model = self._build_model(load_weights=True)
        if channels_in != model.channels and not (
            channels_in == 1 and self.grayscale == "repeat"
        ):
            repeat = " (grayscale='repeat' adapts 1-channel images)" if (
                channels_in == 1 or self.grayscale == "repeat") else ""
            raise ValueError(
                f"Architecture {self.architecture!r} reads {model.channels}-channel "
                f"images, but X has {channels_in} channels{repeat}."
            )
        self._warn_outside_input_range(images)
        device = resolve_device(self.device)
        model = model.to(device)
        # One image measures the feature width, and fails early (with a hint)
        # on images the network cannot read.
        width = self._probe(model, self.input_shape_, device)
        self.model_ = model
        self.n_features_out_ = int(width)
        return self

    def _probe(self, model, shape, device):
        """The feature width of one image of ``shape``; a ValueError with a
        hint where the network cannot read such images."""
        probe = torch.zeros((1, *shape), device=device)
        try:
            with torch.no_grad():
                return model(probe).shape[1]
        except _FeatureShapeError:
            raise
        except (RuntimeError, ValueError, AssertionError) as exc:
            raise ValueError(
                f"Architecture {self.architecture!r} cannot read images of shape "
                f"{tuple(shape)} (resize={self.resize!r}): {exc}. Resize them, "
                f"e.g. resize=32 (224 for the ImageNet resolution; ViTs need "
                f"exactly their image_size)."
            ) from exc

    def _warn_outside_input_range(self, images):
        """Warn where the images' values do not look like ``input_range``:
        float images in [0, 1] under a range of 2 or more (the default 0-255
        made them nearly black), or values outside it by more than its width
        (0-255 images under (0, 16))."""
        if self.input_range is None or images.size == 0:
            return
        low, high = (float(v) for v in self.input_range)
        lo, hi = float(images.min()), float(images.max())
        span = high - low
        if not lo < hi:  # (constant images tell nothing of their range)
            return
        if images.dtype.kind == "f" and 0 <= lo and hi <= 1 < span:
            advice = "input_range=(0, 1), or None"
        elif lo < low - span or hi > high + span:
            advice = "the input_range of the data"
        else:
            return
        warnings.warn(
            f"{type(self).__name__}: X holds values from {lo:.4g} to {hi:.4g}, "
            f"but input_range={self.input_range!r} maps {low:.4g} and {high:.4g} "
            f"to 0 and 1; pass {advice}.",
            UserWarning,
            stacklevel=external_stacklevel(),
        )

    def transform(self, X):
        """Compute the features of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, H, W) or \
(n_samples, n_features)
            Images with the fitted number of channels (any size the network
            reads), or flat rows like those of ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out_)
            float64 for float64 input, else float32.
        """
        check_is_fitted(self, "model_")
        images, out_dtype = self._validate_X(X, reset=False)
        device = next(self.model_.parameters()).device
        if tuple(images.shape[1:]) != tuple(self.input_shape_):
            # (another size than fit's: torch's own error, without the hint)
            self._probe(self.model_, images.shape[1:], device)
        rows = inference_rows(self.batch_size, device, CONV_CPU_INFERENCE_ROWS)
        return batched_numpy(
            self.model_, images, batch_size=rows, device=device, out_dtype=out_dtype
        )

    @property
    def _n_features_out(self):
        return self.n_features_out_

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"architecture": "mobilenet_v3_small", "batch_size": 16,
             "random_state": 0},
            {"architecture": "resnet18", "layer": "layer2", "resize": 8,
             "input_range": None, "normalize": None, "batch_size": 16,
             "random_state": 0},
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.three_d_array = True
        return tags
