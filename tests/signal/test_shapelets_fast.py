"""The fast soft-minimum roads of the learned shapelets (conv and FFT products,
hand-written backward pass) against the plain autograd expression."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
import pytest
import torch

from skdeep.signal import ShapeletClassifier
from skdeep.signal import _shapelet_modules as sm
from skdeep.signal._shapelet_modules import (
    ShapeletDistances,
    fft_size,
    min_distances,
    use_fft,
)


def _batch(n=6, C=2, T=50, L=9, K=3, padded=True, seed=0, dtype=torch.float32):
    """Random series (zeroed after each length when padded), shapelets, lengths."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, C, T, generator=gen, dtype=dtype)
    lengths = None
    if padded:
        lengths = torch.randint(L, T + 1, (n,), generator=gen)
        lengths[0] = T
        lengths[1] = L  # a single window
        for i in range(n):
            x[i, :, lengths[i] :] = 0.0
    s = 0.5 * torch.randn(K, C, L, generator=gen, dtype=dtype)
    return x, s, lengths


def _value_and_grad(x, s0, lengths, weights, **kwargs):
    s = s0.clone().requires_grad_(True)
    out = min_distances(x, s, lengths, **kwargs)
    (grad,) = torch.autograd.grad((out * weights).sum(), s)
    return out.detach(), grad


@pytest.mark.parametrize("road", ["conv", "fft"])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("chunk", [10**9, 40])  # kept / recomputed by chunks
@pytest.mark.parametrize("C", [1, 3])
def test_roads_match_autograd_values_and_gradients(road, padded, chunk, C):
    x, s, lengths = _batch(C=C, padded=padded)
    gen = torch.Generator().manual_seed(1)
    weights = torch.randn(len(x), s.shape[0], generator=gen)
    ref, g_ref = _value_and_grad(x, s, lengths, weights, alpha=7.0, road="autograd")
    got, g_got = _value_and_grad(
        x, s, lengths, weights, alpha=7.0, road=road, max_chunk_elements=chunk
    )
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(g_got, g_ref, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("road", ["conv", "fft", "gemm"])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("chunk", [10**9, 40, 7])
@pytest.mark.parametrize("C", [1, 3])
def test_exact_minimum_roads_match_the_plain_expression(
    road, padded, chunk, C, monkeypatch
):
    # the exact minimum and its first position on the soft minimum's roads
    # and chunks (sorted, trimmed blocks where padded) equal the plain one
    x, s, lengths = _batch(n=9, C=C, padded=padded)
    if road == "gemm":  # trimmed padded blocks as matrix products
        monkeypatch.setattr(sm, "GEMM_MEMORY_RATIO", 100)
        road = "conv"
    ref, where = min_distances(x, s, lengths, return_positions=True, road="autograd")
    got, at = min_distances(
        x, s, lengths, return_positions=True, road=road, max_chunk_elements=chunk
    )
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(at, where)
    only = min_distances(x, s, lengths, exact=True, road=road, max_chunk_elements=chunk)
    torch.testing.assert_close(only, got)


def test_exact_minimum_of_long_shapelets_takes_the_fft_road(monkeypatch):
    # best_match_positions and inference_min="exact" of long shapelets on
    # long series: the direct products cost P L per series and shapelet
    # (64 series of 100,000 steps, shapelets of 10,000 to 30,000: 430 s
    # instead of 3 s), so they take the FFT road as the soft minimum does
    x, s, lengths = _batch(n=4, C=1, T=600, L=200, K=2, padded=True)
    assert use_fft(600, 200)
    ref, where = min_distances(x, s, lengths, return_positions=True, road="autograd")

    def no_direct_products(*args, **kwargs):
        raise AssertionError("conv1d called")

    monkeypatch.setattr(torch.nn.functional, "conv1d", no_direct_products)
    got, at = min_distances(x, s, lengths, return_positions=True)
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(at, where)
    module = ShapeletDistances([s.numpy()])
    xn = x.masked_fill(torch.arange(600) >= lengths[:, None, None], float("nan"))
    with torch.no_grad():  # (as at inference: the shapelets need no gradient)
        torch.testing.assert_close(module.best_positions(xn), where)
        torch.testing.assert_close(module(xn, exact=True), ref, rtol=1e-5, atol=1e-6)


def test_exact_minimum_ties_go_to_the_first_window():
    # a shapelet cut from a series that repeats it: both windows match
    # exactly (the expanded square may round either below zero, clamped to
    # 0), and the first one is the best match on every road
    x = torch.randn(1, 1, 40, generator=torch.Generator().manual_seed(6))
    x[..., 25:33] = x[..., 5:13]
    s = x[:, :, 5:13].clone()
    for road in ("conv", "fft", "autograd"):
        d, p = min_distances(x, s, None, return_positions=True, road=road)
        assert float(d) < 1e-6 and int(p) == 5, road


@pytest.mark.parametrize("road", ["conv", "fft"])
def test_cache_blocks_of_series_change_nothing(road, monkeypatch):
    x, s, lengths = _batch(n=9, padded=True)
    weights = torch.randn(9, s.shape[0], generator=torch.Generator().manual_seed(2))
    whole = _value_and_grad(x, s, lengths, weights, alpha=5.0, road=road)
    monkeypatch.setattr(sm, "CACHE_BLOCK_ELEMENTS", 2)  # one series per block
    blocks = _value_and_grad(x, s, lengths, weights, alpha=5.0, road=road)
    for a, b in zip(blocks, whole):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("C", [1, 3])
def test_padded_blocks_matrix_products_equal_conv(C, monkeypatch):
    # sorted, trimmed blocks of padded series: matrix products over the
    # windows (GEMM) or conv1d give the same values and gradients
    x, s, lengths = _batch(n=9, C=C, T=60, L=7, K=4, padded=True)
    weights = torch.randn(9, 4, generator=torch.Generator().manual_seed(4))
    monkeypatch.setattr(sm, "CACHE_BLOCK_ELEMENTS", 300)  # several blocks
    monkeypatch.setattr(sm, "GEMM_MEMORY_RATIO", 0)
    conv = _value_and_grad(x, s, lengths, weights, alpha=6.0, road="conv")
    monkeypatch.setattr(sm, "GEMM_MEMORY_RATIO", 100)
    gemm = _value_and_grad(x, s, lengths, weights, alpha=6.0, road="conv")
    ref = _value_and_grad(x, s, lengths, weights, alpha=6.0, road="autograd")
    for a, b, c in zip(gemm, conv, ref):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(a, c, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("road", ["conv", "fft"])
def test_gradcheck_in_float64(road):
    x, s, lengths = _batch(n=4, C=2, T=24, L=5, K=2, dtype=torch.float64)
    s.requires_grad_(True)

    def f(shapelets):
        return min_distances(x, shapelets, lengths, alpha=2.0, road=road)

    assert torch.autograd.gradcheck(f, (s,), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("road", ["conv", "fft", "gemm"])
def test_a_second_backward_pass_recomputes_the_same_gradient(road, monkeypatch):
    # the first backward frees the kept chunks; a second one (retain_graph,
    # gradcheck) recomputes them: on the matrix-product road of padded
    # blocks the recomputed weights were strided and the pass raised
    x, s, lengths = _batch(n=5, C=2, T=24, L=3, K=4, padded=True)
    if road == "gemm":
        monkeypatch.setattr(sm, "GEMM_MEMORY_RATIO", 100)
        road = "conv"
    s.requires_grad_(True)
    out = min_distances(x, s, lengths, alpha=10.0, road=road)
    (first,) = torch.autograd.grad(out.sum(), s, retain_graph=True)
    (second,) = torch.autograd.grad(out.sum(), s)
    torch.testing.assert_close(second, first)


@pytest.mark.parametrize("road", ["conv", "fft", "autograd"])
def test_extreme_alphas_give_the_mean_and_the_minimum(road):
    # alpha is any positive float (and 0 or inf through the module): past
    # about 1e-40 and 1e38 the scaled exponents underflowed or overflowed in
    # float32 and the soft minimum was NaN; it is the mean, resp. minimum
    x, s, lengths = _batch(n=4, C=2, T=40, L=8, K=3, padded=False)
    d = sm.window_distances(x.double(), s.double())
    for alpha, expected in ((0.0, d.mean(-1)), (1e-300, d.mean(-1)),
                            (1e300, d.amin(-1)), (math.inf, d.amin(-1))):
        got = min_distances(x, s, lengths, alpha=alpha, road=road)
        torch.testing.assert_close(got.double(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("road", ["conv", "fft"])
def test_the_largest_alpha_on_large_distances_in_position_chunks(road):
    # chunks of positions combined: alpha 1e30 times distances of ~6e8
    # overflowed float32 in the combination's exponents (0 * inf: NaN)
    x, s, _ = _batch(n=3, C=1, T=60, L=5, K=2, padded=False)
    x, s = x * 3e4, s * 6e4
    exact = min_distances(x, s, None, exact=True, road=road)
    for alpha in (1e30, math.inf):
        got = min_distances(x, s, None, alpha=alpha, road=road, max_chunk_elements=20)
        torch.testing.assert_close(got, exact, rtol=1e-6, atol=0.0)


@pytest.mark.parametrize("road", ["conv", "fft"])
def test_sharp_soft_minimum_and_the_weight_floor(road):
    # alpha large: most weights fall below exp(-50) and are floored; the
    # soft minimum still equals the autograd one and nears the exact minimum.
    x, s, lengths = _batch(padded=True)
    weights = torch.ones(len(x), s.shape[0])
    ref, g_ref = _value_and_grad(x, s, lengths, weights, alpha=1e4, road="autograd")
    got, g_got = _value_and_grad(x, s, lengths, weights, alpha=1e4, road=road)
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(g_got, g_ref, rtol=1e-3, atol=1e-5)
    exact = min_distances(x, s, lengths, exact=True)
    assert (got - exact).abs().max() < 1e-3


@pytest.mark.parametrize("road", ["conv", "fft"])
def test_padded_series_equal_their_unpadded_selves(road):
    # A window reaching into the padding is never a match, on both roads.
    x, s, lengths = _batch(n=5, T=40, padded=True)
    together = min_distances(x, s, lengths, alpha=4.0, road=road)
    for i in range(len(x)):
        alone = min_distances(
            x[i : i + 1, :, : lengths[i]].contiguous(), s, None, alpha=4.0, road=road
        )
        torch.testing.assert_close(together[i : i + 1], alone, rtol=1e-5, atol=1e-6)


def test_far_level_and_perfect_match_stay_finite():
    # series far from zero (offset not removed) and a shapelet cut from the
    # series: the expanded square can round below zero; it is clamped.
    gen = torch.Generator().manual_seed(3)
    x = 300.0 + torch.randn(3, 1, 30, generator=gen)
    s = x[:1, :, 4:12].clone().requires_grad_(True)
    for road in ("conv", "fft"):
        out = min_distances(x, s, None, alpha=100.0, road=road)
        (grad,) = torch.autograd.grad(out.sum(), s)
        assert torch.isfinite(out).all() and (out >= 0).all()
        assert torch.isfinite(grad).all()
        assert out[0, 0] < 1e-2


@pytest.mark.parametrize("road", ["conv", "fft"])
@pytest.mark.parametrize("scale", [1e4, 1e8])
def test_large_distances_keep_the_soft_minimum_finite_and_near_the_minimum(
    road, scale
):
    # Series in the thousands: distances of 1e8 and more. The logits used to
    # come from a m - a D, whose rounding (1e-7 alpha d) turned positive and
    # overflowed exp: NaN distances and training stopped at its first epoch.
    x, s, lengths = _batch(padded=True)
    x, s = x * scale, (s * scale).requires_grad_(True)
    out = min_distances(x, s, lengths, alpha=100.0, road=road)
    (grad,) = torch.autograd.grad(out.sum(), s)
    assert torch.isfinite(out).all() and torch.isfinite(grad).all()
    exact = min_distances(x, s.detach(), lengths, exact=True)
    torch.testing.assert_close(out.detach(), exact, rtol=1e-4, atol=0.0)


def test_shapelet_models_learn_series_in_any_units():
    # The same series in units 1e4 times larger: finite distances, and the
    # classifier learns (it used to stop with a NaN loss at the first epoch).
    rng = np.random.RandomState(0)
    X = rng.randn(40, 30)
    y = np.repeat([0, 1], 20)
    X[y == 1, 10:16] += 3.0
    for scale in (1.0, 1e4):
        clf = ShapeletClassifier(
            n_shapelets=4, max_epochs=100, lr=0.05, batch_size=16, random_state=0
        )
        assert clf.fit(X * scale, y).score(X * scale, y) >= 0.9
        assert np.isfinite(clf.transform(X * scale)).all()


def test_a_large_common_level_is_removed_before_the_float32_cast():
    # the channels' level was subtracted in float32, after the cast: series
    # at 1e8 (float32 spacing 8) that differ by a sine of amplitude 1 all
    # became one constant (identical features, a classifier at chance)
    from skdeep.signal import ShapeletTransformer

    rng = np.random.RandomState(0)
    t = np.linspace(0, 1, 32)
    y = np.arange(20) % 2
    X = np.array([np.sin(2 * np.pi * (3 + 4 * c) * t) for c in y])
    X += 0.1 * rng.randn(20, 32)
    params = dict(n_shapelets=4, shapelet_lengths=(0.5,), random_state=0)
    centred = ShapeletTransformer(**params).fit(X).transform(X)
    for level in (1e7, 1e8):
        far = ShapeletTransformer(**params).fit(X + level).transform(X + level)
        np.testing.assert_allclose(far, centred, rtol=1e-4, atol=1e-5)
    clf = ShapeletClassifier(**params, max_epochs=30, lr=0.05).fit(X + 1e8, y)
    assert clf.score(X + 1e8, y) == 1.0
    assert abs(np.mean(clf.shapelets_) - 1e8) < 10  # in the data's units


def test_integer_weights_start_the_shapelets_as_repeated_series():
    # the k-means start and the level counted every series once, whatever
    # its weight: weighted and repeated fits differed with nothing random
    # (one full batch, every window in the k-means)
    rng = np.random.RandomState(1)
    X = rng.randn(24, 30).cumsum(1)
    y = (X[:, -1] > 0).astype(int)
    w = rng.randint(1, 4, 24).astype(float)
    repeated = np.repeat(np.arange(24), w.astype(int))
    params = dict(n_shapelets=2, shapelet_lengths=(5,), max_epochs=1,
                  batch_size=1000, random_state=0)
    a = ShapeletClassifier(**params).fit(X, y, sample_weight=w)
    b = ShapeletClassifier(**params).fit(X[repeated], y[repeated])
    for p, q in zip(a.shapelets_, b.shapelets_):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-5)


def test_values_whose_squared_distances_overflow_float32_are_refused():
    # Valid float32 values of about 1e19 made the float32 distances inf and the
    # features NaN without a word (fit, transform and predict_proba alike).
    from skdeep.signal import ShapeletTransformer

    rng = np.random.RandomState(0)
    X = rng.randn(30, 40)
    y = np.repeat([0, 1], 15)
    transformer = ShapeletTransformer(n_shapelets=2, random_state=0)
    assert np.isfinite(transformer.fit_transform(X * 1e17)).all()
    with pytest.raises(ValueError, match="overflow them for a series of 1 channel"):
        transformer.transform(X * 1e19)
    with pytest.raises(ValueError, match="Divide X by a constant"):
        ShapeletTransformer(n_shapelets=2, random_state=0).fit(X * 1e19)
    clf = ShapeletClassifier(n_shapelets=2, max_epochs=2, random_state=0).fit(X, y)
    for method in (clf.predict_proba, clf.predict, clf.decision_function):
        with pytest.raises(ValueError, match="float32"):
            method(X * 1e19)
    padded = np.vstack([X[:2], X[:2]]).copy()
    padded[2:, 30:] = np.nan  # the NaN padding does not count
    assert np.isfinite(clf.predict_proba(padded)).all()
    # each series against its own length: a short series of large values was
    # refused next to a long one (the bound took the batch's padded width)
    short = np.full(20, 1.8e18)  # (allowed for 20 steps, not for 40)
    alone = clf.transform([short])
    assert np.isfinite(alone).all()
    np.testing.assert_array_equal(clf.transform([short, rng.randn(40)])[:1], alone)


def test_fft_size_is_the_smallest_5_smooth_multiple_of_8():
    def fast(m):
        if m % 8:
            return False
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        return m == 1

    for n in [1, 2, 7, 8, 9, 97, 1000, 1344, 1460, 1802, 4097]:
        size = fft_size(n)
        assert size >= n and fast(size)
        assert not any(fast(m) for m in range(n, size))
    # not 1,500 (2^2 3 5^3), 1,350 (2 3^3 5^2) or 1,875 (3 5^4)
    assert fft_size(1460) == 1536 and fft_size(1344) == 1440
    assert fft_size(1802) == 1920


def test_cost_rule_picks_fft_for_long_shapelets_only():
    # ACSF1-like series (1,460 steps): conv for short shapelets, FFT for long.
    assert not use_fft(1460, 30)
    assert use_fft(1460, 146) and use_fft(1460, 292) and use_fft(1460, 438)
    # the short series of the benchmark sets keep the conv road
    assert not any(use_fft(100, L, 6) for L in range(1, 101))
    assert not any(use_fft(72, L) for L in range(1, 73))
    # padded batches count the windows inside their series, which are all
    # the conv road computes (PLAID-like: 100 to 1,344 steps)
    assert use_fft(1344, 50) and not use_fft(1344, 50, positions=600)
    assert use_fft(1344, 134, positions=600)
    # monotone in L up to T / 2, and the switch sits where the rule says
    picks = [use_fft(1460, L) for L in range(2, 731)]
    assert picks == sorted(picks)
    L0 = picks.index(True) + 2
    N = fft_size(1460)
    bound = sm.FFT_COST_RATIO * N * math.log2(N)
    assert (1460 - L0 + 1) * L0 >= bound > (1460 - L0 + 2) * (L0 - 1)


def test_distances_module_takes_the_fast_road_unless_x_needs_gradient():
    x, s, _ = _batch(n=4, padded=False)
    module = ShapeletDistances([s.numpy()], alpha=3.0)
    fast = module(x)
    roads = [type(f[0]).__name__ for f in fast.grad_fn.next_functions if f[0]]
    assert roads and all("SoftMin" in r for r in roads)
    x_grad = x.clone().requires_grad_(True)
    plain = module(x_grad)  # the autograd expression, gradients for x too
    torch.testing.assert_close(plain, fast, rtol=1e-5, atol=1e-6)
    (gx,) = torch.autograd.grad(plain.sum(), x_grad)
    assert gx.shape == x.shape


def test_classifier_fits_the_same_model_on_both_roads(monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.normal(scale=0.3, size=(30, 80))
    y = np.arange(30) % 2
    for i in np.flatnonzero(y == 1):
        p = rng.randint(0, 40)
        X[i, p : p + 30] += 2.0 * np.hanning(30)
    X[::3, 60:] = np.nan  # unequal lengths
    params = dict(n_shapelets=3, shapelet_lengths=(0.3, 0.5), max_timepoints=None,
                  max_epochs=15, lr=0.05, batch_size=16, random_state=0)
    monkeypatch.setattr(sm, "FFT_COST_RATIO", 1e30)  # conv for every length
    conv = ShapeletClassifier(**params).fit(X, y)
    monkeypatch.setattr(sm, "FFT_COST_RATIO", 0.0)  # FFT for every length
    fft = ShapeletClassifier(**params).fit(X, y)
    np.testing.assert_allclose(fft.loss_curve_, conv.loss_curve_, rtol=1e-4)
    for a, b in zip(fft.shapelets_, conv.shapelets_):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    np.testing.assert_array_equal(fft.predict(X), conv.predict(X))


@pytest.mark.parametrize("C", [1, 3])
def test_distances_module_sorts_padded_series_once_and_puts_them_back(C):
    # ShapeletDistances sorts padded series by length once for all lengths;
    # each column and its gradient equal min_distances on the given order.
    x, _, lengths = _batch(n=9, C=C, T=40, L=12, padded=True)
    x = x.masked_fill(torch.arange(40) >= lengths[:, None, None], float("nan"))
    assert bool((lengths[1:] < lengths[:-1]).any())  # not sorted already
    gen = torch.Generator().manual_seed(5)
    blocks = [0.5 * torch.randn(3, C, L, generator=gen) for L in (4, 12)]
    module = ShapeletDistances([b.numpy() for b in blocks], alpha=6.0)
    weights = torch.randn(9, 6, generator=gen)
    out = module(x)
    grads = torch.autograd.grad((out * weights).sum(), list(module.blocks))
    x0 = torch.nan_to_num(x, nan=0.0)
    for j, block in enumerate(blocks):
        cols = slice(3 * j, 3 * j + 3)
        ref, g_ref = _value_and_grad(
            x0, block, lengths, weights[:, cols], alpha=6.0, road="autograd"
        )
        got = out[:, cols].detach()
        torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(grads[j], g_ref, rtol=1e-4, atol=1e-6)


def test_window_matrix_of_a_sliced_batch():
    # the windows of a slice (an offset, strided view) as the columns of one
    # (C L, r p) matrix, equal to the plain unfold
    x = torch.randn(5, 3, 30)
    part = x[1:4, :, 6:20]
    got = sm._windows(part, 5)
    ref = part.unfold(2, 5, 1).permute(1, 3, 0, 2).reshape(15, -1)
    assert torch.equal(got, ref)


@pytest.mark.parametrize("C", [1, 3])
def test_cumulative_squares_in_float64(C):
    x = torch.randn(4, C, 25)
    csum = sm.cumulative_squares(x)
    ref = torch.cat(
        [torch.zeros(4, 1, dtype=torch.float64), (x.double() ** 2).sum(1).cumsum(1)], 1
    )
    assert csum.dtype == torch.float64 and torch.equal(csum, ref)
    norms = sm.window_squared_norms(x, 6, csum)
    torch.testing.assert_close(norms, (x.unfold(2, 6, 1) ** 2).sum((1, 3))[:, None])


def test_float32_series_fit_the_model_of_their_float64_values():
    # the channels' mean level (the distances' offset) was summed in float32
    # for float32 series: another model than float64 series of equal values
    rng = np.random.RandomState(0)
    X = rng.randn(30, 24).astype(np.float32)
    y = np.repeat([0, 1, 2], 10)
    X[y == 1, 5:12] += 2.0
    params = dict(n_shapelets=3, shapelet_lengths=(0.3,), max_epochs=3,
                  batch_size=16, random_state=0)
    a = ShapeletClassifier(**params).fit(X, y)
    b = ShapeletClassifier(**params).fit(X.astype(np.float64), y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
