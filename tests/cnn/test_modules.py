"""Tests of the convolutional family's plain torch modules."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import pytest
import torch
from torch import nn

from skdeep.cnn._modules import (
    ARCHITECTURES,
    DEFAULT_CHANNELS,
    CNNModule,
    FeatureStack,
    GlobalPool,
    build_feature_stack,
    min_input_size,
    output_spatial_shape,
    series_output_lengths,
)

# Tiny widths keep every test fast on a CPU.
SMALL = {
    "plain": dict(conv_channels=(4, 6, 8)),
    "fcn": dict(conv_channels=(4, 6, 8)),
    "resnet": dict(conv_channels=(4, 6, 6)),
    "inception": dict(conv_channels=(2, 2, 2, 3), kernel_size=8, bottleneck=2),
    "tcn": dict(conv_channels=(4, 4, 6), dropout=0.1),
}
CASES = [(a, d) for a in ARCHITECTURES for d in (1, 2) if (a, d) != ("tcn", 2)]


def small_stack(architecture, n_dims, in_channels=3, **kwargs):
    return build_feature_stack(
        architecture,
        n_dims=n_dims,
        in_channels=in_channels,
        **{**SMALL[architecture], **kwargs},
    )


@pytest.fixture(autouse=True)
def seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("architecture, n_dims", CASES)
def test_output_shapes(architecture, n_dims):
    stack = small_stack(architecture, n_dims)
    spatial = (16,) * n_dims
    h = stack(torch.randn(2, 3, *spatial))
    last_width = SMALL[architecture]["conv_channels"][-1]
    # Inception concatenates four branches of ``n_filters`` channels.
    expected_channels = 4 * last_width if architecture == "inception" else last_width
    # Three max-pool-2 layers divide each side by 8; the other presets keep it.
    expected_spatial = (2,) * n_dims if architecture == "plain" else spatial
    assert stack.out_channels == expected_channels
    assert stack.n_dims == n_dims
    assert h.shape == (2, expected_channels, *expected_spatial)
    assert output_spatial_shape(stack, spatial) == expected_spatial

    model = CNNModule(stack, 5)
    assert model(torch.randn(2, 3, *spatial)).shape == (2, 5)


@pytest.mark.parametrize("n_dims", [1, 2])
def test_default_stacks_run(n_dims):
    for architecture in ARCHITECTURES:
        if architecture == "tcn" and n_dims == 2:
            continue
        stack = build_feature_stack(architecture, n_dims=n_dims, in_channels=1)
        side = max(min_input_size(stack, n_dims), 4)
        out = stack(torch.randn(2, 1, *(side,) * n_dims))
        assert out.shape[1] == stack.out_channels
    # Defaults: 6 inception modules of 32 filters, concatenated 4 ways.
    assert build_feature_stack("inception", n_dims=1, in_channels=1).out_channels == 128


def test_tcn_rejects_images():
    with pytest.raises(ValueError, match="architecture='tcn' is for 1-D series"):
        build_feature_stack("tcn", n_dims=2, in_channels=3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(architecture="lenet"), "plain.*fcn.*resnet.*inception.*tcn"),
        (dict(pooling="median"), "max.*avg"),
        (dict(activation="swishy"), "relu"),
        (dict(padding="full"), "padding"),
        (dict(n_dims=3), "n_dims"),
        (dict(conv_channels=()), "conv_channels"),
        (dict(dropout=1.0), "dropout"),
    ],
)
def test_invalid_parameters(kwargs, match):
    params = {**dict(architecture="plain", n_dims=1, in_channels=2), **kwargs}
    with pytest.raises(ValueError, match=match):
        build_feature_stack(params.pop("architecture"), **params)


@pytest.mark.parametrize(
    "architecture, kwargs, name",
    [
        ("plain", dict(conv_channels=(4, 4, 4), kernel_size=(3, 3)), "kernel_size"),
        ("plain", dict(conv_channels=(4, 4), stride=(1, 1, 1)), "stride"),
        ("plain", dict(conv_channels=(4, 4), dilation=(1,)), "dilation"),
        ("fcn", dict(conv_channels=(4, 4), kernel_size=(8, 5, 3)), "kernel_size"),
        ("resnet", dict(conv_channels=(4,), kernel_size=(8, 5)), "kernel_size"),
        ("inception", dict(conv_channels=(2, 2), kernel_size=(8,)), "kernel_size"),
        ("tcn", dict(conv_channels=(4, 4), kernel_size=(3, 3, 3)), "kernel_size"),
    ],
)
def test_per_layer_tuples_of_wrong_length_raise(architecture, kwargs, name):
    with pytest.raises(ValueError, match=name):
        build_feature_stack(architecture, n_dims=1, in_channels=2, **kwargs)


def test_per_layer_values_are_used():
    stack = build_feature_stack(
        "plain",
        n_dims=1,
        in_channels=2,
        conv_channels=(4, 4),
        kernel_size=(5, 3),
        dilation=(1, 2),
        pooling=None,
        padding="valid",
    )
    convs = [m for m in stack.modules() if isinstance(m, nn.Conv1d)]
    assert [c.kernel_size for c in convs] == [(5,), (3,)]
    assert [c.dilation for c in convs] == [(1,), (2,)]
    # Valid padding: 20 - 4 - 2 * 2 steps remain.
    assert stack(torch.randn(1, 2, 20)).shape == (1, 4, 12)


def test_fcn_default_kernels_adapt_to_depth():
    stack = build_feature_stack("fcn", n_dims=1, in_channels=1, conv_channels=(4,) * 4)
    kernels = [m.kernel_size[0] for m in stack.modules() if isinstance(m, nn.Conv1d)]
    assert kernels == [8, 5, 3, 3]
    # Even kernels still keep the length with "same" padding.
    assert stack(torch.randn(1, 1, 11)).shape == (1, 4, 11)


def test_same_padding_with_stride_halves_length():
    stack = build_feature_stack(
        "plain", n_dims=1, in_channels=1, conv_channels=(2,), stride=2, pooling=None
    )
    # padding = (3 - 1) // 2 = 1, so ceil(9 / 2) steps remain.
    assert stack(torch.randn(1, 1, 9)).shape == (1, 2, 5)


def test_bottleneck_in_plain_stack():
    stack = build_feature_stack(
        "plain",
        n_dims=2,
        in_channels=8,
        conv_channels=(16, 4),
        bottleneck=4,
        pooling=None,
    )
    one_by_one = [
        m
        for m in stack.modules()
        if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1)
    ]
    # Before the first conv (8 > 4) and the second (16 > 4), never widening.
    assert [(m.in_channels, m.out_channels) for m in one_by_one] == [(8, 4), (16, 4)]
    assert stack(torch.randn(2, 8, 5, 5)).shape == (2, 4, 5, 5)


def test_inception_kernel_sizes_and_grouping():
    stack = build_feature_stack("inception", n_dims=1, in_channels=3)
    modules = [m for m in stack.modules() if type(m).__name__ == "InceptionModule"]
    assert len(modules) == 6
    assert modules[0].kernel_sizes == (39, 19, 9)
    # One residual block per group of three modules.
    assert len(stack.blocks) == 2
    assert len(small_stack("inception", 1).blocks) == 2  # 4 modules: 3 + 1


@pytest.mark.parametrize("architecture", ["plain", "fcn", "resnet", "tcn"])
def test_one_block_per_channel_entry(architecture):
    n_entries = len(SMALL[architecture]["conv_channels"])
    assert len(small_stack(architecture, 1).blocks) == n_entries
    stack = build_feature_stack(architecture, n_dims=1, in_channels=1)
    assert len(stack.blocks) == len(DEFAULT_CHANNELS[architecture])


def test_tcn_is_causal():
    stack = small_stack("tcn", 1).eval()
    x = torch.randn(2, 3, 20)
    t = 9
    x2 = x.clone()
    x2[:, :, t:] = torch.randn(2, 3, 20 - t)
    h, h2 = stack(x), stack(x2)
    assert h.shape == (2, 6, 20)
    torch.testing.assert_close(h[:, :, :t], h2[:, :, :t])
    assert not torch.allclose(h[:, :, t:], h2[:, :, t:])


@pytest.mark.parametrize("mode", ["avg", "max"])
def test_global_pool_ignores_padding(mode):
    pool = GlobalPool(mode)
    h = torch.randn(3, 4, 10)
    lengths = torch.tensor([10, 4, 1])
    h[1, :, 4:] = 1e6  # garbage in the padding must not leak
    h[2, :, 1:] = -1e6
    pooled = pool(h, lengths=lengths)
    for i, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(pooled[i], pool(h[i : i + 1, :, :n])[0])
    reduce = torch.mean if mode == "avg" else torch.amax
    torch.testing.assert_close(pool(h), reduce(h, dim=2))
    images = torch.randn(2, 4, 3, 5)
    torch.testing.assert_close(pool(images), reduce(images, dim=(2, 3)))
    with pytest.raises(ValueError, match="1-D"):
        pool(images, lengths=torch.tensor([1, 2]))


def nan_pad(series, total):
    """Stack (C, T_i) series into (n, C, total) with trailing NaN steps."""
    out = torch.full((len(series), series[0].shape[0], total), float("nan"))
    for i, s in enumerate(series):
        out[i, :, : s.shape[1]] = s
    return out


@pytest.mark.parametrize(
    "architecture, kwargs",
    [
        ("tcn", {}),  # causal: the padding is never seen by valid steps
        ("fcn", dict(conv_channels=(5,))),  # one "same" conv sees zeros either way
        # deeper "same" stacks: the padded steps' features (bias, batch norm's
        # shift) reached the boundary from the second layer on, so a series'
        # output depended on whether a longer one was in the call
        ("fcn", {}),
        ("resnet", {}),
        ("inception", {}),
        ("plain", {}),
        ("plain", dict(kernel_size=4, bottleneck=2)),  # even "same": a pad layer
        ("plain", dict(padding="valid", stride=2, pooling="avg", pool_size=3)),
        ("plain", dict(padding=1, dilation=2, pooling=None)),
    ],
)
@pytest.mark.parametrize("global_pooling", ["avg", "max"])
def test_nan_padding_equals_truncated_series(architecture, kwargs, global_pooling):
    stack = small_stack(architecture, 1, in_channels=2, **kwargs)
    model = CNNModule(stack, 3, global_pooling=global_pooling, head_hidden=(4,))
    with torch.no_grad():  # batch norm statistics and shifts far from 0, 1
        for module in model.modules():
            if isinstance(module, nn.BatchNorm1d):
                module.running_mean.uniform_(-2, 2)
                module.running_var.uniform_(0.5, 2)
                module.bias.uniform_(-2, 2)
    model.eval()
    smallest = min_input_size(stack, 1)
    series = [torch.randn(2, n) for n in (smallest + 20, smallest + 9, smallest)]
    batch = nan_pad(series, smallest + 40)
    out = model(batch)
    for i, s in enumerate(series):
        torch.testing.assert_close(out[i], model(s[None])[0])


@pytest.mark.parametrize(
    "architecture, kwargs",
    [("fcn", {}), ("resnet", {}), ("inception", {}), ("plain", {}),
     ("plain", dict(padding="valid", stride=2, pooling="avg", pool_size=3))],
)
def test_nan_padding_in_training_is_left_out_of_batch_norm(architecture, kwargs):
    # the batch statistics were taken over the padding's features too, so
    # a training step (outputs and running statistics) moved with the
    # length of the batch's padding
    stack = small_stack(architecture, 1, in_channels=2, **kwargs)
    smallest = min_input_size(stack, 1)
    series = [torch.randn(2, n) for n in (smallest + 20, smallest + 9, smallest)]
    outputs, statistics = [], []
    for width in (smallest + 20, smallest + 45):
        torch.manual_seed(0)
        model = CNNModule(stack, 3, head_hidden=(4,)).train()
        for module in model.modules():
            if isinstance(module, nn.BatchNorm1d):
                module.reset_running_stats()
        outputs.append(model(nan_pad(series, width)))
        statistics.append([t.clone() for t in model.state_dict().values()])
    torch.testing.assert_close(outputs[0], outputs[1])
    for a, b in zip(*statistics):
        torch.testing.assert_close(a, b)


def test_masked_batch_norm_takes_the_valid_steps_statistics():
    from skdeep.cnn._modules import _masked_batch_norm

    x = torch.randn(3, 2, 10, dtype=torch.float64)
    lengths = torch.tensor([10, 4, 7])
    valid = torch.cat([x[i, :, :n] for i, n in enumerate(lengths)], dim=1)
    norm = nn.BatchNorm1d(2, momentum=0.5).double().train()
    with torch.no_grad():
        norm.weight.copy_(torch.tensor([2.0, 0.5]))
        norm.bias.copy_(torch.tensor([1.0, -1.0]))
    out = _masked_batch_norm(norm, x, lengths)
    # torch's own batch norm of the 21 valid steps, as one series
    plain = nn.BatchNorm1d(2, momentum=0.5).double().train()
    plain.load_state_dict({**norm.state_dict(), "running_mean": torch.zeros(2),
                           "running_var": torch.ones(2),
                           "num_batches_tracked": torch.tensor(0)})
    expected = plain(valid[None])[0]
    torch.testing.assert_close(
        torch.cat([out[i, :, :n] for i, n in enumerate(lengths)], dim=1), expected)
    torch.testing.assert_close(norm.running_mean, plain.running_mean)
    torch.testing.assert_close(norm.running_var, plain.running_var)
    assert int(norm.num_batches_tracked) == 1
    norm.momentum = None  # a cumulative average: the first batch's values
    norm.reset_running_stats()
    _masked_batch_norm(norm, x, lengths)
    torch.testing.assert_close(norm.running_mean, valid.mean(1))
    torch.testing.assert_close(norm.running_var, valid.var(1))
    # no padding: the layer itself
    torch.testing.assert_close(_masked_batch_norm(plain, x, torch.tensor([10] * 3)),
                               plain(x))


def test_nan_padding_of_an_unknown_layer_is_zero_padding():
    # A stack with a layer of unknown size arithmetic: zero-filled input,
    # pooling over the proportional valid steps, rows independent.
    stack = FeatureStack([small_stack("resnet", 1, in_channels=2), _Unknown()],
                         in_channels=2, out_channels=6, n_dims=1)
    model = CNNModule(stack, 3).eval()
    series = [torch.randn(2, n) for n in (10, 6)]
    batch = nan_pad(series, 10)
    zero_filled = torch.nan_to_num(batch, nan=0.0)
    expected = GlobalPool("avg")(stack(zero_filled), lengths=torch.tensor([10, 6]))
    torch.testing.assert_close(model.features(batch), expected)
    torch.testing.assert_close(model(batch)[1], model(batch[1:])[0])


class _Unknown(nn.Module):
    """A length-keeping layer with a child: unknown to the length arithmetic."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Identity()

    def forward(self, x):
        return self.inner(x) * 2.0


def test_nan_padding_lengths_follow_pooling():
    stack = small_stack("plain", 1, in_channels=1, conv_channels=(3,))
    model = CNNModule(stack, 2, global_pooling="max").eval()
    x = torch.randn(1, 1, 12)
    x[:, :, 4] = 10.0  # the valid step of the third pooling window stands out
    x[:, :, 5:] = float("nan")
    # 12 steps pool to 6; 5 valid steps pool to 2 (the third window holds
    # step 5, padding: the proportional ceil(5 * 6 / 12) = 3 pooled it).
    h = stack(torch.nan_to_num(x, nan=0.0))
    assert not torch.equal(h[:, :, :2].amax(dim=2), h[:, :, :3].amax(dim=2))
    torch.testing.assert_close(model.features(x), h[:, :, :2].amax(dim=2))


@pytest.mark.parametrize(
    "architecture, kwargs",
    [
        ("plain", {}),
        ("plain", dict(padding="valid", kernel_size=4)),
        ("plain", dict(padding="valid", stride=2, pooling="avg", pool_size=3)),
        ("plain", dict(padding=1, dilation=2, pooling=None)),
        ("plain", dict(kernel_size=4, bottleneck=2)),  # even "same": a pad layer
        ("fcn", {}),
        ("resnet", {}),
        ("inception", {}),
        ("tcn", {}),
    ],
)
def test_series_output_lengths_are_each_lengths_own(architecture, kwargs):
    # what the stack gives a series of that length alone
    stack = small_stack(architecture, 1, in_channels=3, **kwargs)
    smallest = min_input_size(stack, 1)
    width = smallest + 60
    lengths = torch.arange(smallest, width + 1)
    n_out = output_spatial_shape(stack, width)[0]
    got = series_output_lengths(stack, lengths, width, n_out)
    expected = [output_spatial_shape(stack, int(n))[0] for n in lengths]
    assert got.tolist() == expected


def test_nan_padding_equals_truncated_series_with_shrinking_layers():
    # (valid convolutions and pooling: the proportional mapping pooled steps
    # computed from the padding, more of them the wider the batch)
    stack = small_stack("plain", 1, in_channels=2, conv_channels=(4, 4),
                        kernel_size=3, padding="valid", pooling="max")
    model = CNNModule(stack, 3, global_pooling="max", head_hidden=(4,)).eval()
    series = [torch.randn(2, n) for n in (40, 17, 10)]
    for width in (40, 64, 120):
        out = model(nan_pad(series, width))
        for i, s in enumerate(series):
            torch.testing.assert_close(out[i], model(s[None])[0])


def test_nan_padding_needs_global_pooling():
    stack = small_stack("fcn", 1, in_channels=1)
    model = CNNModule(stack, 2, global_pooling=None, flat_features=8 * 6)
    assert model(torch.randn(2, 1, 6)).shape == (2, 2)
    x = torch.randn(2, 1, 6)
    x[0, :, 4:] = float("nan")
    with pytest.raises(ValueError, match="global_pooling='avg' or 'max'"):
        model(x)


def test_min_input_size_of_pooled_plain_stack():
    for n_dims in (1, 2):
        stack = build_feature_stack(
            "plain",
            n_dims=n_dims,
            in_channels=1,
            conv_channels=(2, 2, 2),
            kernel_size=3,
            padding="same",
            pooling="max",
            pool_size=2,
        )
        assert min_input_size(stack, n_dims) == 8
        assert output_spatial_shape(stack, (8,) * n_dims) == (1,) * n_dims
        assert stack(torch.randn(2, 1, *(8,) * n_dims)).shape == (2, 2, *(1,) * n_dims)
        assert output_spatial_shape(stack, (7,) * n_dims) is None
        with pytest.raises(RuntimeError):
            stack(torch.randn(2, 1, *(7,) * n_dims))


def test_min_input_size_of_valid_convolutions():
    stack = build_feature_stack(
        "plain",
        n_dims=1,
        in_channels=1,
        conv_channels=(2, 2),
        kernel_size=(5, 3),
        padding="valid",
        pooling=None,
    )
    assert min_input_size(stack, 1) == 7
    assert output_spatial_shape(stack, 6) is None


def test_output_spatial_shape_leaves_stack_untouched():
    stack = small_stack("resnet", 2)
    before = {k: v.clone() for k, v in stack.state_dict().items()}
    assert output_spatial_shape(stack, (9, 4)) == (9, 4)
    after = stack.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.device.type == "cpu" for p in stack.parameters())


@pytest.mark.parametrize("head_hidden", [(), (7, 5)])
def test_features_width(head_hidden):
    stack = small_stack("fcn", 2)
    model = CNNModule(stack, 4, head_hidden=head_hidden, dropout=0.2)
    feats = model.features(torch.randn(3, 3, 6, 6))
    assert feats.shape == (3, model.n_features)
    assert model.n_features == (head_hidden[-1] if head_hidden else stack.out_channels)
    assert model.output.in_features == model.n_features
    assert isinstance(model.head_hidden, nn.Sequential)
    assert len(model.head_hidden) == 3 * len(head_hidden)


def test_flatten_head():
    stack = small_stack("plain", 2)
    spatial = output_spatial_shape(stack, (16, 8))
    flat = stack.out_channels * math.prod(spatial)
    model = CNNModule(stack, 2, global_pooling=None, flat_features=flat)
    assert model.features(torch.randn(2, 3, 16, 8)).shape == (2, flat)
    with pytest.raises(ValueError, match="flat_features"):
        model(torch.randn(2, 3, 16, 16))
    with pytest.raises(ValueError, match="flat_features"):
        CNNModule(stack, 2, global_pooling=None)


@pytest.mark.parametrize("architecture, n_dims", CASES)
def test_gradients_flow(architecture, n_dims):
    model = CNNModule(small_stack(architecture, n_dims), 3, head_hidden=(4,))
    x = torch.randn(2, 3, *(8,) * n_dims)
    if n_dims == 1:
        x[1, :, 6:] = float("nan")  # the masked path must be differentiable too
    loss = nn.functional.cross_entropy(model(x), torch.tensor([0, 2]))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
    assert any(p.grad.abs().sum() > 0 for p in model.stack.blocks[0].parameters())


def test_stack_transfers_by_state_dict():
    source = CNNModule(small_stack("resnet", 1), 3)
    target = CNNModule(small_stack("resnet", 1), 5, head_hidden=(4,))
    target.stack.load_state_dict(source.stack.state_dict())
    x = torch.randn(2, 3, 10)
    source.eval(), target.eval()
    torch.testing.assert_close(target.stack(x), source.stack(x))
