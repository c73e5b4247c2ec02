"""Plain torch modules of the convolutional family (no scikit-learn here).

One code path serves 1-D data (series, ``(n, C, T)``) and 2-D data (images,
``(n, C, H, W)``): :func:`build_feature_stack` assembles a
:class:`FeatureStack` of convolutional blocks from a named preset, and
:class:`CNNModule` puts a global pooling (or flattening) and a dense head on
top of it. Capsule networks and Siamese encoders reuse the feature stack.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from skdeep.autoencoder._modules import ACTIVATIONS
from skdeep.utils._torch import BatchNorm1d, BatchNorm2d

ARCHITECTURES = ("plain", "fcn", "resnet", "inception", "tcn")
POOLINGS = ("max", "avg")
DEFAULT_CHANNELS = {
    "plain": (32, 64, 128),
    "fcn": (128, 256, 128),
    "resnet": (64, 128, 128),
    "inception": (32,) * 6,
    "tcn": (64,) * 4,
}
DEFAULT_KERNELS = {
    "plain": 3,
    "fcn": (8, 5, 3),
    "resnet": (8, 5, 3),
    "inception": 40,
    "tcn": 3,
}
# Width of InceptionTime's 1x1 bottleneck when ``bottleneck=None``.
_INCEPTION_BOTTLENECK = 32
# Largest side length that :func:`min_input_size` tries.
_MAX_INPUT_SIZE = 2**16

_CONV = {1: nn.Conv1d, 2: nn.Conv2d}
_BATCH_NORM = {1: BatchNorm1d, 2: BatchNorm2d}
_POOL = {
    ("max", 1): nn.MaxPool1d,
    ("max", 2): nn.MaxPool2d,
    ("avg", 1): nn.AvgPool1d,
    ("avg", 2): nn.AvgPool2d,
}


# ---------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------


def _check_positive_int(value, name, *, minimum=1):
    # Integral: numpy ints too (a GridSearchCV grid from np.arange)
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _per_layer(value, n_layers, name):
    """An int repeated ``n_layers`` times, or a tuple with one value per layer."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise ValueError(
                f"{name} has {len(value)} entries but the stack has {n_layers} "
                f"layers; give an int or one value per layer"
            )
        values = tuple(value)
    else:
        values = (value,) * n_layers
    for v in values:
        _check_positive_int(v, name)
    return values


def _activation(name):
    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}"
        )
    return ACTIVATIONS[name]()


def _batch_norm(n_dims, channels, enabled):
    return _BATCH_NORM[n_dims](channels) if enabled else nn.Identity()


# ---------------------------------------------------------------------------
# Layer factories
# ---------------------------------------------------------------------------


def _conv(
    n_dims,
    c_in,
    c_out,
    kernel_size,
    *,
    stride=1,
    dilation=1,
    padding="same",
    bias=True,
):
    """Convolution layers (a list) with the requested padding.

    ``"same"`` with stride 1 keeps the spatial size. torch's own
    ``padding="same"`` warns and copies the input for even kernels, so an
    asymmetric zero pad (one more step on the right/bottom, as torch does)
    is placed in front of an unpadded convolution instead. With stride > 1
    ``"same"`` falls back to ``dilation * (kernel_size - 1) // 2``.
    """
    pre = []
    if padding == "same":
        total = dilation * (kernel_size - 1)
        if stride > 1 or total % 2 == 0:
            pad = total // 2
        else:
            left, right = total // 2, total - total // 2
            pad_cls = nn.ConstantPad1d if n_dims == 1 else nn.ConstantPad2d
            pre.append(pad_cls((left, right) * n_dims, 0.0))
            pad = 0
    elif padding == "valid":
        pad = 0
    else:
        pad = padding
    conv = _CONV[n_dims](
        c_in,
        c_out,
        kernel_size,
        stride=stride,
        dilation=dilation,
        padding=pad,
        bias=bias,
    )
    return [*pre, conv]


def _bottleneck(n_dims, c_in, width):
    """A linear 1x1 channel reduction, as in InceptionTime (no bias)."""
    return _CONV[n_dims](c_in, width, 1, bias=False)


class CausalConv1d(nn.Conv1d):
    """1-D convolution padded on the left only, by ``dilation * (kernel_size - 1)``.

    The output has the input's length and step ``t`` depends on input steps
    ``<= t`` only, so no future leaks into the past.
    """

    def __init__(self, in_channels, out_channels, kernel_size, *, dilation=1):
        super().__init__(
            in_channels, out_channels, kernel_size, dilation=dilation, padding=0
        )
        self.left_pad = dilation * (kernel_size - 1)

    def forward(self, x):
        return super().forward(F.pad(x, (self.left_pad, 0)))


# ---------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------


class ResidualBlock(nn.Module):
    """``activation(body(x) + shortcut(x))``: the unit of resnet, tcn and inception.

    Parameters
    ----------
    body : nn.Module
        The main path.
    shortcut : nn.Module
        The skip path; it must produce ``body``'s output shape.
    activation : nn.Module
        Applied after the sum.
    """

    def __init__(self, body, shortcut, activation):
        super().__init__()
        self.body = body
        self.shortcut = shortcut
        self.activation = activation

    def forward(self, x):
        return self.activation(self.body(x) + self.shortcut(x))


class InceptionModule(nn.Module):
    """One InceptionTime module (Ismail Fawaz et al., 2020).

    An optional 1x1 bottleneck feeds three parallel convolutions of odd
    kernel sizes derived from ``kernel_size`` (``k, k // 2, k // 4``, each
    lowered by one when even, so ``"same"`` padding is symmetric: 40 gives
    39, 19 and 9); a fourth branch max-pools the module input (3, stride 1)
    and applies a 1x1 convolution. The four outputs are concatenated
    (``4 * n_filters`` channels), batch-normalised and activated.

    Parameters
    ----------
    n_dims : {1, 2}
        Spatial dimensions.
    in_channels : int
        Input channels.
    n_filters : int
        Output channels of each branch.
    kernel_size : int
        Largest kernel size.
    bottleneck : int or None
        Width of the 1x1 bottleneck, used when ``in_channels > 1``; ``None``
        or 0 disables it.
    batch_norm : bool
        Batch normalisation after the concatenation.
    activation : str
        A key of ``ACTIVATIONS``.
    """

    def __init__(
        self,
        n_dims,
        in_channels,
        n_filters,
        kernel_size,
        *,
        bottleneck=32,
        batch_norm=True,
        activation="relu",
    ):
        super().__init__()
        if bottleneck and in_channels > 1:
            self.bottleneck = _bottleneck(n_dims, in_channels, bottleneck)
            branch_in = bottleneck
        else:
            self.bottleneck = nn.Identity()
            branch_in = in_channels
        kernels = [
            max(1, k - 1 if k % 2 == 0 else k)
            for k in (kernel_size, kernel_size // 2, kernel_size // 4)
        ]
        self.kernel_sizes = tuple(kernels)
        self.branches = nn.ModuleList(
            nn.Sequential(*_conv(n_dims, branch_in, n_filters, k, bias=False))
            for k in kernels
        )
        pool = nn.MaxPool1d if n_dims == 1 else nn.MaxPool2d
        self.pool_branch = nn.Sequential(
            pool(3, stride=1, padding=1),
            _CONV[n_dims](in_channels, n_filters, 1, bias=False),
        )
        self.norm = _batch_norm(n_dims, 4 * n_filters, batch_norm)
        self.activation = _activation(activation)
        self.out_channels = 4 * n_filters

    def forward(self, x):
        z = self.bottleneck(x)
        outs = [branch(z) for branch in self.branches]
        outs.append(self.pool_branch(x))
        return self.activation(self.norm(torch.cat(outs, dim=1)))


class FeatureStack(nn.Module):
    """Convolutional blocks run in order: ``(n, C, *spatial)`` to a feature map.

    Parameters
    ----------
    blocks : sequence of nn.Module
        The blocks; freezing ``k`` blocks (transfer learning) means freezing
        ``blocks[:k]``.
    in_channels : int
        Channels the first block expects.
    out_channels : int
        Channels the last block produces.
    n_dims : {1, 2}
        Spatial dimensions: 1 for series ``(n, C, T)``, 2 for images
        ``(n, C, H, W)``.
    architecture : str or None
        The preset's name, for reference.

    Attributes
    ----------
    blocks : nn.ModuleList
    in_channels, out_channels, n_dims : int
    architecture : str or None
    """

    def __init__(self, blocks, *, in_channels, out_channels, n_dims, architecture=None):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.n_dims = n_dims
        self.architecture = architecture

    n_frozen = 0
    # set on the fitted network by partial_fit (freeze may change between
    # calls) and without effect on outputs: not a setting that makes a
    # rebuilt network another model (see rebuilt_module_differs)
    _training_settings = ("n_frozen",)

    def freeze(self, n_blocks):
        """Fix the parameters of the first ``n_blocks`` blocks (transfer learning).

        Their weights stop receiving gradients, and :meth:`train` keeps them in
        evaluation mode so batch normalisation statistics stay fixed as well.
        ``freeze(0)`` unfreezes everything.
        """
        self.n_frozen = int(n_blocks)
        for i, block in enumerate(self.blocks):
            for parameter in block.parameters():
                parameter.requires_grad_(i >= self.n_frozen)
        return self.train(self.training)

    def train(self, mode=True):
        super().train(mode)
        for block in self.blocks[: self.n_frozen]:
            block.train(False)
        return self

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


# ---------------------------------------------------------------------------
# Presets
# ---------------------------------------------------------------------------


def _plain_blocks(
    n_dims,
    in_channels,
    channels,
    kernels,
    strides,
    dilations,
    padding,
    pooling,
    pool_size,
    batch_norm,
    dropout,
    bottleneck,
    activation,
):
    blocks, c_in = [], in_channels
    for c_out, k, s, d in zip(channels, kernels, strides, dilations):
        layers = []
        if bottleneck and c_in > bottleneck:
            layers.append(_bottleneck(n_dims, c_in, bottleneck))
            c_in = bottleneck
        layers += _conv(
            n_dims,
            c_in,
            c_out,
            k,
            stride=s,
            dilation=d,
            padding=padding,
            bias=not batch_norm,  # batch norm's shift makes a bias redundant
        )
        if batch_norm:
            layers.append(_BATCH_NORM[n_dims](c_out))
        layers.append(_activation(activation))
        if pooling is not None:
            layers.append(_POOL[pooling, n_dims](pool_size))
        if dropout:
            layers.append(nn.Dropout(dropout))
        blocks.append(nn.Sequential(*layers))
        c_in = c_out
    return blocks, c_in


def _fcn_blocks(n_dims, in_channels, channels, kernels, batch_norm, activation):
    blocks, c_in = [], in_channels
    for c_out, k in zip(channels, kernels):
        blocks.append(
            nn.Sequential(
                *_conv(n_dims, c_in, c_out, k, bias=not batch_norm),
                _batch_norm(n_dims, c_out, batch_norm),
                _activation(activation),
            )
        )
        c_in = c_out
    return blocks, c_in


def _resnet_blocks(n_dims, in_channels, channels, kernels, batch_norm, activation):
    blocks, c_in = [], in_channels
    for c_out in channels:
        body, c = [], c_in
        for j, k in enumerate(kernels):
            body += _conv(n_dims, c, c_out, k, bias=not batch_norm)
            body.append(_batch_norm(n_dims, c_out, batch_norm))
            if j < len(kernels) - 1:  # the last activation follows the sum
                body.append(_activation(activation))
            c = c_out
        if c_in != c_out:
            shortcut = nn.Sequential(
                _CONV[n_dims](c_in, c_out, 1, bias=not batch_norm),
                _batch_norm(n_dims, c_out, batch_norm),
            )
        else:
            # Wang et al.'s reference code normalises the identity path too.
            shortcut = _batch_norm(n_dims, c_out, batch_norm)
        blocks.append(
            ResidualBlock(nn.Sequential(*body), shortcut, _activation(activation))
        )
        c_in = c_out
    return blocks, c_in


def _inception_blocks(
    n_dims, in_channels, channels, kernels, bottleneck, batch_norm, activation
):
    # A block is a group of (up to) three modules wrapped in one residual
    # connection, so freezing whole blocks never cuts a shortcut in half.
    blocks, c_in = [], in_channels
    for start in range(0, len(channels), 3):
        modules, c = [], c_in
        for n_filters, k in zip(
            channels[start : start + 3], kernels[start : start + 3]
        ):
            module = InceptionModule(
                n_dims,
                c,
                n_filters,
                k,
                bottleneck=bottleneck,
                batch_norm=batch_norm,
                activation=activation,
            )
            modules.append(module)
            c = module.out_channels
        shortcut = nn.Sequential(
            _CONV[n_dims](c_in, c, 1, bias=not batch_norm),
            _batch_norm(n_dims, c, batch_norm),
        )
        blocks.append(
            ResidualBlock(nn.Sequential(*modules), shortcut, _activation(activation))
        )
        c_in = c
    return blocks, c_in


def _tcn_blocks(in_channels, channels, kernels, dropout, activation):
    blocks, c_in = [], in_channels
    for i, (c_out, k) in enumerate(zip(channels, kernels)):
        d = 2**i
        body = nn.Sequential(
            CausalConv1d(c_in, c_out, k, dilation=d),
            _activation(activation),
            nn.Dropout(dropout),
            CausalConv1d(c_out, c_out, k, dilation=d),
            _activation(activation),
            nn.Dropout(dropout),
        )
        shortcut = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        blocks.append(ResidualBlock(body, shortcut, _activation(activation)))
        c_in = c_out
    return blocks, c_in


def build_feature_stack(
    architecture,
    *,
    n_dims,
    in_channels,
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
    activation="relu",
):
    """Build the convolutional feature extractor of a named preset.

    ======================= ======= ======= ========= ========= =======
    parameter               plain   fcn     resnet    inception tcn
    ======================= ======= ======= ========= ========= =======
    conv_channels           block   block   block     module    block
    kernel_size             layer   layer   conv      module    block
    stride                  layer   --      --        --        --
    dilation                layer   --      --        --        2**i
    padding                 yes     same    same      same      causal
    pooling, pool_size      yes     --      --        --        --
    batch_norm              yes     yes     yes       yes       --
    dropout                 yes     --      --        --        yes
    bottleneck              yes     --      --        yes (32)  --
    activation              yes     yes     yes       yes       yes
    ======================= ======= ======= ========= ========= =======

    "block"/"module"/"layer": one entry per block (an int is repeated);
    "conv" (resnet): a tuple of 3 kernel sizes used by the three convolutions
    of every block; "--": ignored. Kernels are square in 2-D.

    - **plain**: per entry, an optional 1x1 bottleneck (when the block's
      input has more than ``bottleneck`` channels), a convolution, optional
      batch norm, the activation, optional pooling and optional element-wise
      dropout (``nn.Dropout``, the same in 1-D and 2-D).
    - **fcn** (Wang, Yan & Oates, 2017): convolution, batch norm and
      activation per entry. When ``kernel_size`` is None and the stack is not
      3 layers deep, the defaults ``(8, 5, 3)`` are cut or extended with 3.
    - **resnet** (Wang et al., 2017): residual blocks of three convolutions;
      the shortcut is a 1x1 convolution plus batch norm when the width
      changes, batch norm otherwise (as in the reference code).
    - **inception** (InceptionTime, Ismail Fawaz et al., 2020): one
      :class:`InceptionModule` per entry (``n_filters`` = the entry); each
      group of three modules (the last group may be shorter) is one block
      with a 1x1 convolution plus batch norm shortcut from the group input.
      So ``blocks`` has ``ceil(len(conv_channels) / 3)`` entries and
      ``out_channels`` is ``4 * conv_channels[-1]``.
    - **tcn** (Bai, Kolter & Koltun, 2018), 1-D only: residual blocks of two
      causal convolutions with dilation ``2**i`` in block ``i``, each
      followed by the activation and dropout; 1x1 convolution shortcut when
      the width changes. Output length equals input length.

    Parameters
    ----------
    architecture : {"plain", "fcn", "resnet", "inception", "tcn"}
        The preset.
    n_dims : {1, 2}
        1 for series ``(n, C, T)``, 2 for images ``(n, C, H, W)``.
    in_channels : int
        Input channels.
    conv_channels : tuple of int or None
        Widths, one per block (per module for inception); ``None`` uses
        ``DEFAULT_CHANNELS[architecture]``.
    kernel_size : int, tuple of int or None
        See the table; ``None`` uses ``DEFAULT_KERNELS[architecture]``.
    stride, dilation : int or tuple of int
        Per layer, plain only.
    padding : {"same", "valid"} or int
        Plain only. ``"same"`` keeps the size when the stride is 1; with a
        larger stride it means ``dilation * (kernel_size - 1) // 2``.
    pooling : {"max", "avg"} or None
        Pooling after each plain block; ``None`` disables it.
    pool_size : int
        Pooling window and stride.
    batch_norm : bool
        Batch normalisation after the convolutions.
    dropout : float
        Dropout rate in ``[0, 1)``.
    bottleneck : int or None
        Width of 1x1 channel reductions (0 disables them). Plain: ``None``
        means none. Inception: ``None`` means 32.
    activation : str
        A key of ``skdeep.autoencoder._modules.ACTIVATIONS``.

    Returns
    -------
    FeatureStack
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"unknown architecture {architecture!r}; expected one of {ARCHITECTURES}"
        )
    if n_dims not in (1, 2):
        raise ValueError(f"n_dims must be 1 or 2, got {n_dims!r}")
    if architecture == "tcn" and n_dims == 2:
        raise ValueError(
            "architecture='tcn' is for 1-D series (causal convolutions over time); "
            "use 'plain', 'fcn', 'resnet' or 'inception' for images"
        )
    _check_positive_int(in_channels, "in_channels")
    if pooling is not None and pooling not in POOLINGS:
        raise ValueError(
            f"unknown pooling {pooling!r}; expected one of {POOLINGS} or None"
        )
    _check_positive_int(pool_size, "pool_size")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    if bottleneck is not None and bottleneck is not False:
        _check_positive_int(bottleneck, "bottleneck", minimum=0)
    _activation(activation)  # fail early on an unknown name
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(
                f"padding must be 'same', 'valid' or an int >= 0, got {padding!r}"
            )
    else:
        _check_positive_int(padding, "padding", minimum=0)

    channels = conv_channels
    if channels is None:
        channels = DEFAULT_CHANNELS[architecture]
    if isinstance(channels, Integral) or len(channels) == 0:
        raise ValueError(
            f"conv_channels must be a non-empty tuple of int, got {conv_channels!r}"
        )
    channels = tuple(channels)
    for c in channels:
        _check_positive_int(c, "conv_channels")
    n = len(channels)
    if kernel_size is None:
        kernel_size = DEFAULT_KERNELS[architecture]
        if architecture == "fcn" and n != len(kernel_size):
            kernel_size = (kernel_size + (3,) * n)[:n]

    common = dict(n_dims=n_dims, in_channels=in_channels, architecture=architecture)
    if architecture == "plain":
        blocks, c_out = _plain_blocks(
            n_dims,
            in_channels,
            channels,
            _per_layer(kernel_size, n, "kernel_size"),
            _per_layer(stride, n, "stride"),
            _per_layer(dilation, n, "dilation"),
            padding,
            pooling,
            pool_size,
            batch_norm,
            dropout,
            bottleneck,
            activation,
        )
    elif architecture == "fcn":
        blocks, c_out = _fcn_blocks(
            n_dims,
            in_channels,
            channels,
            _per_layer(kernel_size, n, "kernel_size"),
            batch_norm,
            activation,
        )
    elif architecture == "resnet":
        blocks, c_out = _resnet_blocks(
            n_dims,
            in_channels,
            channels,
            _per_layer(kernel_size, 3, "kernel_size"),
            batch_norm,
            activation,
        )
    elif architecture == "inception":
        width = _INCEPTION_BOTTLENECK if bottleneck is None else bottleneck
        blocks, c_out = _inception_blocks(
            n_dims,
            in_channels,
            channels,
            _per_layer(kernel_size, n, "kernel_size"),
            width,
            batch_norm,
            activation,
        )
    else:  # tcn
        blocks, c_out = _tcn_blocks(
            in_channels,
            channels,
            _per_layer(kernel_size, n, "kernel_size"),
            dropout,
            activation,
        )
    return FeatureStack(blocks, out_channels=c_out, **common)


# ---------------------------------------------------------------------------
# Shape arithmetic
# ---------------------------------------------------------------------------


def output_spatial_shape(stack, spatial):
    """Spatial shape of ``stack``'s output for inputs of spatial shape ``spatial``.

    The stack runs on meta-device stand-ins of its parameters and of a
    2-sample input, so nothing is computed and the stack is not modified.

    Parameters
    ----------
    stack : FeatureStack
        Any module with ``in_channels`` works.
    spatial : int or tuple of int
        ``(T,)`` for series, ``(H, W)`` for images (an int means ``(T,)``).

    Returns
    -------
    tuple of int or None
        ``None`` when the stack cannot run on that size or an output
        dimension would be smaller than 1.
    """
    spatial = (spatial,) if isinstance(spatial, Integral) else tuple(spatial)
    if any(s < 1 for s in spatial):
        return None
    meta = {
        name: torch.empty_like(t, device="meta")
        for name, t in [*stack.named_parameters(), *stack.named_buffers()]
    }
    # Two samples: batch norm in training mode rejects one value per channel.
    x = torch.empty((2, stack.in_channels, *spatial), device="meta")
    try:
        out = functional_call(stack, meta, (x,))
    except (RuntimeError, ValueError):
        return None
    shape = tuple(out.shape[2:])
    return shape if all(s >= 1 for s in shape) else None


def min_input_size(stack, n_dims):
    """Smallest side ``s`` such that inputs of spatial shape ``(s,) * n_dims`` run.

    Output sizes grow with input sizes, so a doubling search followed by a
    bisection finds the threshold in ``O(log s)`` meta-device passes.

    Parameters
    ----------
    stack : FeatureStack
    n_dims : {1, 2}

    Returns
    -------
    int

    Raises
    ------
    ValueError
        When no side up to ``2**16`` works.
    """

    def works(s):
        return output_spatial_shape(stack, (s,) * n_dims) is not None

    hi = 1
    while not works(hi):
        if hi >= _MAX_INPUT_SIZE:
            raise ValueError(
                f"the feature stack gives no output for inputs up to "
                f"{_MAX_INPUT_SIZE} per side"
            )
        hi *= 2
    lo = hi // 2  # fails (or is 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if works(mid):
            hi = mid
        else:
            lo = mid
    return hi


# ---------------------------------------------------------------------------
# Pooling and the full model
# ---------------------------------------------------------------------------


def _layer_output_lengths(module, lengths):
    """``lengths`` (an int tensor) through ``module`` by each layer's size
    arithmetic, or None where it holds a layer that arithmetic does not know
    (parallel paths other than the length-keeping ones below)."""
    if isinstance(module, (CausalConv1d, InceptionModule)):
        return lengths  # length-keeping by construction
    if isinstance(module, nn.ConstantPad1d):
        return lengths + sum(module.padding)
    if isinstance(module, (nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d)):
        (k,), (s,) = _pair1(module.kernel_size), _pair1(module.stride)
        padding = module.padding
        if padding == "same":
            return lengths
        (p,) = (0,) if padding == "valid" else _pair1(padding)
        (d,) = _pair1(getattr(module, "dilation", 1))
        span = lengths + 2 * p - d * (k - 1) - 1
        if getattr(module, "ceil_mode", False):
            out = -torch.div(-span, s, rounding_mode="floor") + 1
            # (torch drops a last window that starts in the right padding)
            return out - ((out - 1) * s >= lengths + p).long()
        return torch.div(span, s, rounding_mode="floor") + 1
    if isinstance(module, FeatureStack):
        children = list(module.blocks)
    elif isinstance(module, ResidualBlock):
        children = [module.body]  # (the shortcut matches it: they are summed)
    elif isinstance(module, nn.Sequential):
        children = list(module)
    elif next(module.children(), None) is None:
        return lengths  # batch norm, activations, dropout, identity
    else:
        return None
    for child in children:
        lengths = _layer_output_lengths(child, lengths)
        if lengths is None:
            return None
    return lengths


def _pair1(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def series_output_lengths(stack, lengths, n_in, n_out):
    """Output lengths of ``stack`` for series of ``lengths`` NaN-padded to
    ``n_in`` steps (the stack gives ``n_out`` for ``n_in``).

    Each layer's size arithmetic (kernel, stride, padding, dilation,
    pooling) gives a series the output steps it has alone, so padding never
    reaches a pooled step through a kernel that shrinks ("valid") or a
    pooling window. Stacks the arithmetic does not know, or does not
    reproduce ``n_out`` for, get the proportional ``ceil(L * n_out /
    n_in)``.

    Parameters
    ----------
    stack : nn.Module
        A 1-D feature stack.
    lengths : torch.Tensor of int
        Observed steps of each series.
    n_in, n_out : int
        Padded input length and the stack's output length for it.

    Returns
    -------
    torch.Tensor of int
        Output steps of each series, at least 1.
    """
    probe = torch.cat([lengths, lengths.new_tensor([n_in])])
    exact = _layer_output_lengths(stack, probe)
    if exact is not None and int(exact[-1]) == n_out:
        out = exact[:-1]
    else:
        out = (lengths * n_out + n_in - 1) // n_in  # integer ceil
    return out.clamp(min=1, max=n_out)


def _mask_steps(x, lengths, value):
    """``x`` ``(n, C, T)`` with the steps from ``lengths[i]`` on set to ``value``."""
    past_end = torch.arange(x.shape[2], device=x.device) >= lengths[:, None]
    return x.masked_fill(past_end[:, None, :], value)


def _masked_batch_norm(norm, x, lengths):
    """Batch norm ``norm`` of ``(n, C, T)`` series in training, its batch
    statistics taken over each series' first ``lengths`` steps only (the
    padding's features moved them with the batch's longest series).

    The running statistics are updated as torch does (unbiased variance,
    ``momentum``, or the cumulative mean where it is None); without padding
    this is the layer itself. One value per channel: as the layer does with
    it (:class:`skdeep.utils._torch.BatchNorm1d`).
    """
    valid = torch.arange(x.shape[2], device=x.device) < lengths[:, None]
    count = int(valid.sum())
    if count == valid.numel() or count == 0:
        return norm(x)
    if count == 1 and norm.running_mean is not None:  # (see BatchNorm1d)
        return nn.functional.batch_norm(
            x, norm.running_mean, norm.running_var, norm.weight, norm.bias,
            training=False, momentum=0.0, eps=norm.eps,
        )
    valid = valid[:, None, :].to(x.dtype)
    mean = (x * valid).sum(dim=(0, 2)) / count
    centered = x - mean[:, None]
    var = (centered.square() * valid).sum(dim=(0, 2)) / count
    if norm.training and norm.track_running_stats:
        with torch.no_grad():
            norm.num_batches_tracked.add_(1)
            momentum = norm.momentum
            if momentum is None:  # a cumulative moving average
                momentum = 1.0 / float(norm.num_batches_tracked)
            norm.running_mean.lerp_(mean, momentum)
            norm.running_var.lerp_(var * (count / (count - 1)), momentum)
    out = centered * torch.rsqrt(var + norm.eps)[:, None]
    if norm.affine:
        out = out * norm.weight[:, None] + norm.bias[:, None]
    return out


def masked_series_forward(module, x, lengths):
    """``module(x)`` for zero-filled padded series ``x`` ``(n, C, T)`` whose
    series have ``lengths`` steps, as each series alone would give it.

    Every layer that reads neighbouring steps (a convolution, a padding, a
    pooling) first sees its input past the series' end set to what the
    series alone would have there: zeros (the layer's own zero padding), or
    -inf before max pooling. Without this, a "same" layer after the first
    read the previous layer's features of the padded steps (its bias, batch
    norm's shift), so a series' output depended on whether a longer series
    was in the same call. Batch norm computing batch statistics (training)
    takes them over the series' own steps. Steps past a series' output
    length hold anything; the global pooling leaves them out.

    Returns the output and the output lengths, or ``None`` where ``module``
    holds a layer this does not know (see :func:`_layer_output_lengths`).
    """
    if isinstance(module, InceptionModule):
        z = module.bottleneck(x)  # (1x1: step by step)
        outs = [masked_series_forward(b, z, lengths)[0] for b in module.branches]
        outs.append(masked_series_forward(module.pool_branch, x, lengths)[0])
        out = masked_series_forward(module.norm, torch.cat(outs, dim=1), lengths)
        return module.activation(out[0]), lengths
    if isinstance(module, nn.BatchNorm1d) and (
        module.training or module.running_mean is None
    ):
        return _masked_batch_norm(module, x, lengths), lengths
    if isinstance(module, ResidualBlock):
        body = masked_series_forward(module.body, x, lengths)
        shortcut = masked_series_forward(module.shortcut, x, lengths)
        if body is None or shortcut is None:
            return None
        return module.activation(body[0] + shortcut[0]), body[1]
    if isinstance(module, (nn.Conv1d, nn.ConstantPad1d, nn.AvgPool1d, nn.MaxPool1d)):
        fill = float("-inf") if isinstance(module, nn.MaxPool1d) else 0.0
        return module(_mask_steps(x, lengths, fill)), _layer_output_lengths(
            module, lengths
        )
    if isinstance(module, (FeatureStack, nn.Sequential)):
        for child in module.blocks if isinstance(module, FeatureStack) else module:
            out = masked_series_forward(child, x, lengths)
            if out is None:
                return None
            x, lengths = out
        return x, lengths
    if next(module.children(), None) is None and not isinstance(
        module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.ConstantPad2d)
    ):
        return module(x), lengths  # batch norm, activations, dropout, identity
    return None


def nan_padding_lengths(x):
    """Valid lengths of ``(n, C, T)`` series padded with trailing NaN steps.

    A step is padding when all its channels are NaN; the length is the
    index of the last other step plus one (0 for an all-NaN series), so
    missing steps inside a series are kept.
    """
    valid = ~torch.isnan(x).all(dim=1)
    steps = torch.arange(1, x.shape[2] + 1, device=x.device)
    return (valid * steps).amax(dim=1)


class GlobalPool(nn.Module):
    """Average or max over all spatial positions: ``(n, C, *spatial)`` to ``(n, C)``.

    Parameters
    ----------
    mode : {"avg", "max"}
    """

    def __init__(self, mode="avg"):
        super().__init__()
        if mode not in ("avg", "max"):
            raise ValueError(
                f"unknown global pooling {mode!r}; expected 'avg' or 'max'"
            )
        self.mode = mode

    def forward(self, h, lengths=None):
        """Pool ``h``; ``lengths`` ``(n,)`` (1-D only) restricts sample ``i``
        to its first ``lengths[i]`` steps (clamped to ``[1, T]``)."""
        if lengths is None:
            dims = tuple(range(2, h.ndim))
            return h.mean(dim=dims) if self.mode == "avg" else h.amax(dim=dims)
        if h.ndim != 3:
            raise ValueError(
                "lengths are only supported for 1-D feature maps (n, C, T)"
            )
        n_steps = h.shape[2]
        lengths = lengths.to(device=h.device).clamp(1, n_steps)
        mask = torch.arange(n_steps, device=h.device) < lengths[:, None]
        mask = mask[:, None, :]
        if self.mode == "avg":
            total = h.masked_fill(~mask, 0.0).sum(dim=2)
            return total / lengths[:, None].to(h.dtype)
        return h.masked_fill(~mask, float("-inf")).amax(dim=2)


class CNNModule(nn.Module):
    """A :class:`FeatureStack`, a global pooling (or flattening) and a dense head.

    1-D inputs may be variable-length series padded with trailing NaN time
    steps (all channels NaN): the NaN are replaced by zeros before the stack
    and the global pooling only covers each series' valid output steps, the
    valid length ``L`` of an input of length ``T_in`` mapping to
    ``ceil(L * T_out / T_in)`` output steps. Causal stacks (tcn) thus give
    exactly the result of the truncated series; for other stacks the
    boundary steps see zeros where the truncated series would see the
    convolutions' own zero padding of the deeper layers' inputs, so the
    result equals the zero-padded series pooled over its valid steps.

    Parameters
    ----------
    stack : FeatureStack
        The convolutional feature extractor.
    n_outputs : int
        Width of the output layer.
    global_pooling : {"avg", "max"} or None
        ``None`` flattens the feature map instead (fixed input size only).
    flat_features : int or None
        ``out_channels * prod(spatial_out)``; required when
        ``global_pooling`` is None.
    head_hidden : tuple of int
        Widths of hidden dense layers (Linear, activation, dropout) between
        the pooled features and the output layer.
    dropout : float
        Dropout after each hidden dense layer.
    activation : str
        Activation of the hidden dense layers.
    augment : nn.Module or None
        Applied to the input first; a training-time augmentation such as
        :class:`skdeep.cnn._augment.Augment` is the identity in eval mode.

    Attributes
    ----------
    stack : FeatureStack
    head_hidden : nn.Sequential
        The hidden dense layers (may be empty).
    output : nn.Linear
        The output layer.
    n_features : int
        Width of :meth:`features`, the input of ``output``.
    """

    def __init__(
        self,
        stack,
        n_outputs,
        *,
        global_pooling="avg",
        flat_features=None,
        head_hidden=(),
        dropout=0.0,
        activation="relu",
        augment=None,
    ):
        super().__init__()
        self.augment = augment
        self.stack = stack
        if global_pooling is None:
            if flat_features is None:
                raise ValueError("global_pooling=None (flatten) needs flat_features")
            self.pool = None
            width = flat_features
        else:
            self.pool = GlobalPool(global_pooling)
            width = stack.out_channels
        self.flat_features = flat_features
        layers = []
        for n_out in head_hidden:
            layers += [nn.Linear(width, n_out), _activation(activation)]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = n_out
        self.head_hidden = nn.Sequential(*layers)
        self.output = nn.Linear(width, n_outputs)
        self.n_features = width

    def pooled(self, x):
        """Stack output pooled (or flattened) to ``(n, d)``, before the head."""
        if self.augment is not None:
            x = self.augment(x)  # an identity outside training mode
        if x.ndim == 3 and torch.isnan(x).any():
            if self.pool is None:
                raise ValueError(
                    "variable-length (NaN-padded) series need global_pooling="
                    "'avg' or 'max'"
                )
            lengths = nan_padding_lengths(x)
            x = x.masked_fill(torch.isnan(x), 0.0)
            masked = masked_series_forward(self.stack, x, lengths)
            if masked is not None:  # each series as it would be alone
                h, out_lengths = masked
                return self.pool(h, lengths=out_lengths.clamp(1, h.shape[2]))
            # a stack with layers of unknown size arithmetic: zero padding
            h = self.stack(x)
            out_lengths = series_output_lengths(
                self.stack, lengths, x.shape[2], h.shape[2]
            )
            return self.pool(h, lengths=out_lengths)
        h = self.stack(x)
        if self.pool is not None:
            return self.pool(h)
        h = h.flatten(1)
        if h.shape[1] != self.flat_features:
            raise ValueError(
                f"the flattened feature map has {h.shape[1]} values but "
                f"flat_features={self.flat_features}; inputs must have the "
                f"spatial size the model was built for"
            )
        return h

    def features(self, x):
        """Penultimate features ``(n, n_features)``: the input of ``output``."""
        return self.head_hidden(self.pooled(x))

    def forward(self, x):
        return self.output(self.features(x))
