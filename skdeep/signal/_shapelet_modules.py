"""Torch modules of learned shapelets: batched shapelet distances and the LTS model.

Plain torch, no scikit-learn. The distance of a series to a shapelet is the
mean squared difference between the shapelet and a window of the series,
over the window's values (all channels), minimised over the window's start:
the hard minimum, or the soft minimum of Grabocka et al. (KDD 2014).

All shapelets of one length are compared with all series and all positions in
one computation, through the identity ``||x - s||^2 = ||x||^2 - 2 x.s +
||s||^2``; only the (few) distinct lengths are looped over. The windowed
``||x||^2`` comes from one cumulative sum per batch (shared by all lengths);
the products ``x.s`` from ``conv1d``, or, for long shapelets, from an FFT
cross-correlation (see :func:`use_fft`). Positions (or, on the FFT road,
series) are processed in chunks whose size keeps ``batch x shapelets x
positions`` below ``max_chunk_elements``, and chunked results are combined
exactly (a streaming soft minimum), so memory stays bounded on long series.
NaN trailing padding is excluded: a window that reaches into a series'
padding is never a match. Padded series are sorted by length (once per
batch, for all lengths) and worked through in blocks that stop at their
longest series' last window, so that windows in the padding are not
computed at all.

The soft minimum used in training is one autograd function
(:class:`_SoftMinDistance`) with a hand-written backward pass: it keeps two
``(batch, shapelets, positions)`` tensors where autograd kept a dozen, and it
leaves out the weights ``exp(-alpha (d_p - min d))`` below ``exp(-50)``
(relative to the largest weight, 1), which change no float32 sum but whose
subnormal values made ``exp`` and the products after it many times slower.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable
from torch.utils.checkpoint import checkpoint

#: Default bound on ``batch x shapelets x positions`` per chunk (16 MiB of float32).
MAX_CHUNK_ELEMENTS = 1 << 22


def series_lengths(x):
    """The number of observed steps of each series, and ``x`` with NaN zeroed.

    Parameters
    ----------
    x : Tensor of shape (n, C, T)
        Series whose NaN (if any) are trailing padding of whole time steps.

    Returns
    -------
    lengths : LongTensor of shape (n,)
    x : Tensor of shape (n, C, T)
        With the padding replaced by zeros (their windows are masked anyway).
    """
    nan = torch.isnan(x)
    if not bool(nan.any()):
        full = torch.full((x.shape[0],), x.shape[-1], dtype=torch.long, device=x.device)
        return full, x
    observed = ~nan.all(dim=1)  # (n, T)
    return observed.sum(dim=1), torch.nan_to_num(x, nan=0.0)


def window_distances(x, shapelets, ss=None):
    """Mean squared distances of every window of ``x`` to every shapelet.

    Parameters
    ----------
    x : Tensor of shape (n, C, T)
    shapelets : Tensor of shape (K, C, L), ``L <= T``
    ss : Tensor of shape (K,) or None
        ``||s||^2`` of each shapelet, computed if None.

    Returns
    -------
    d : Tensor of shape (n, K, T - L + 1)
        ``d[i, k, p] = mean_{c, l} (x[i, c, p + l] - s[k, c, l])**2``,
        clamped at zero (rounding of the expanded square can cross it).
    """
    K, C, L = shapelets.shape
    if ss is None:
        ss = (shapelets * shapelets).sum(dim=(1, 2))
    xx = F.conv1d(x * x, x.new_ones(1, C, L))  # (n, 1, P)
    xs = F.conv1d(x, shapelets)  # (n, K, P)
    return (xx - 2.0 * xs + ss[None, :, None]).clamp_min(0.0) / (C * L)


def _chunk_stats(x, shapelets, ss, valid, alpha, exact):
    """The soft-minimum statistics (or the exact minimum) of one chunk."""
    d = window_distances(x, shapelets, ss)  # (n, K, p)
    mask = valid[:, None, :]
    if exact:
        d = torch.where(mask, d, torch.full_like(d, float("inf")))
        best, where = d.min(dim=-1)
        return best, where
    logits = torch.where(mask, -alpha * d, torch.full_like(d, float("-inf")))
    # The soft minimum is shift-invariant: subtract the chunk's largest logit
    # (detached) so that no exponential overflows or underflows to all zeros.
    # A chunk with no valid window keeps -inf as its shift and weighs nothing.
    shift = logits.amax(dim=-1).detach()
    safe = torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))
    weights = torch.exp(logits - safe[..., None])  # 0 at masked positions
    return shift, weights.sum(dim=-1), (weights * d).sum(dim=-1)


#: Soft-minimum weights ``exp(z)``, ``z = -alpha (d_p - min_p d_p) <= 0``, are
#: floored at ``exp(-SOFT_MIN_CUTOFF)`` (2e-22, against 1 for the best window;
#: padded windows weigh 0): no float32 sum changes, and ``exp`` and the
#: products that follow avoid the subnormal range (weights from 1e-38 down),
#: where they run ten to fifty times slower.
SOFT_MIN_CUTOFF = 50.0

LOG2E, LN2 = math.log2(math.e), math.log(2.0)

#: ``alpha`` is clipped to these bounds, where the soft minimum is already
#: the mean, resp. the minimum, to float rounding: past them its scaled
#: exponents underflow to 0 or overflow to inf in float32 (0 / 0, 0 inf).
ALPHA_BOUNDS = (1e-30, 1e30)

#: Exponents ``d`` from which ``exp2(-d)`` is exactly 0 in each float type
#: (past the smallest subnormal).
_EXP2_ZERO = {torch.float16: 26.0, torch.bfloat16: 135.0, torch.float32: 160.0,
              torch.float64: 1100.0}

#: Working block of the soft minimum, ``series x shapelets x positions``
#: (1 MiB of float32): the passes over a block run from the CPU's L2 cache.
CACHE_BLOCK_ELEMENTS = 1 << 18

#: Trimmed blocks of padded series take matrix products over their windows
#: (instead of ``conv1d``) while the windows need at most this many times
#: the memory of the block's distances, ``C L <= GEMM_MEMORY_RATIO K``.
GEMM_MEMORY_RATIO = 4

#: The FFT road's cost constant, see :func:`use_fft`.
FFT_COST_RATIO = 3.5


@functools.lru_cache(maxsize=None)
def fft_size(n):
    """The smallest ``2^a 3^b 5^c`` with ``a >= 3`` at least ``n`` (fast
    lengths of real FFTs).

    Real transforms of odd lengths ran about three times slower per
    ``N log2 N`` than those with a factor 8, and lengths with one or two
    factors 2 about 1.4 to 1.6 times (torch 2.13's CPU FFT, one thread;
    timed by ``benchmarks/signal_runs/calibrate_fft_sizes.py`` for every
    5-smooth length from 96 to 4,200, two runs). On average over series of
    100 to 3,499 steps, the smallest 5-smooth length took 1.5 to 1.7 times
    as long as the fastest 5-smooth length up to 1.6 T (up to five times,
    for example 1,875 for 1,802 steps); the smallest multiple of 8, 1.07 to
    1.23 times (1,536 instead of 1,500 for 1,460 steps).
    """
    return 8 * _smooth_size(-(-max(1, int(n)) // 8))


def _smooth_size(n):
    """The smallest ``2^a 3^b 5^c`` at least ``n``."""
    best = 1 << max(0, int(n) - 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def use_fft(n_timepoints, length, n_channels=1, positions=None):
    """Whether the products ``x.s`` of one shapelet length take the FFT road.

    The cost rule, per series and shapelet: direct correlation (``conv1d``
    forward, and its weight gradient in training) costs about ``C P L``
    multiply-adds (``P = T - L + 1`` positions), the FFT road (the spectra,
    their product, the inverse transform, and the same for the gradient)
    about ``C N log2 N`` with ``N = fft_size(T)``, so the FFT road is taken
    when ``P L >= FFT_COST_RATIO N log2 N``. The constant 3.5 comes from
    timing both roads (``benchmarks/signal_runs/calibrate_fft_rule.py``, one
    CPU thread, FFT lengths from :func:`fft_size`; two calibrations, each
    the faster of two runs per road): of 72 shapes of one to six channels
    and 100 to 1,460 steps, the 45 with ``P L / (N log2 N) >= 3.5`` ran
    faster on the FFT road in both (1.16 to 7.0 times); below, the ratios
    were 0.5 to 1.5. (The constant was 7 while FFT lengths could be odd,
    which made the FFT road slower.)
    For one channel of 1,460 steps the FFT road starts at ``L = 41``. Both
    roads give the same distances up to float rounding.

    In a batch of NaN-padded series the conv road computes only the windows
    inside each series, the FFT road all ``N`` steps: ``positions``, the
    mean number of valid windows per series, then replaces ``P``. (On
    PLAID-like batches, 100 to 1,344 steps, the full ``P`` would take the
    FFT road for ``L = 50`` where the conv road ran 1.4 times faster; with
    the mean, the pick was the faster road for 15 of 16 padded shapes, the
    other 1.06 to 1.34 times slower.)
    """
    T, L = int(n_timepoints), int(length)
    P = T - L + 1
    if P < 2 or L < 2:
        return False
    if positions is not None:
        P = min(P, float(positions))
    N = fft_size(T)
    return P * L >= FFT_COST_RATIO * N * math.log2(N)


def cumulative_squares(x):
    """Cumulative sums over time of ``||x[:, :, t]||^2``, ``(n, T + 1)`` in float64.

    Windowed squared norms of every length are differences of two entries
    (:func:`window_squared_norms`); float64 keeps them exact to float32
    rounding however long the series.
    """
    x = x.double()
    sq = x[:, 0].square() if x.shape[1] == 1 else x.square().sum(dim=1)
    return F.pad(sq.cumsum(dim=1), (1, 0))


def window_squared_norms(x, length, csum=None, stop=None):
    """``||x[i, :, p:p + length]||^2`` for every window, ``(n, 1, T - length + 1)``
    (the windows starting before ``stop`` only, when given)."""
    if csum is None:
        csum = cumulative_squares(x)
    if stop is None:
        stop = csum.shape[1] - length
    return (csum[:, length : length + stop] - csum[:, :stop]).to(x.dtype)[:, None, :]


def _shapelet_spectrum(weight, nfft):
    """``conj(rfft(weight))``, ``(K, C, nfft // 2 + 1)``: its product with
    ``rfft(x)``, summed over channels, transforms back to the
    cross-correlation ``x . weight`` at every lag."""
    return torch.fft.rfft(weight, n=nfft).conj()


def _fft_correlate(xf, spec, ss, nfft, positions):
    """``x . weight + ss`` at lags ``0 .. positions - 1``, ``(n, K, positions)``."""
    # broadcast products, not einsum: complex bmm takes a slow road on the CPU
    if xf.shape[1] == 1:
        prod = xf[:, 0, None, :] * spec[None, :, 0, :]
    else:
        prod = (xf[:, None] * spec[None]).sum(dim=2)
    prod[:, :, 0] += ss * nfft  # a constant: frequency 0 (irfft divides by nfft)
    return torch.fft.irfft(prod, n=nfft)[..., :positions]


class _SoftMinDistance(torch.autograd.Function):
    """Soft-minimum distances of one shapelet length, with a hand-written backward.

    ``forward(x, shapelets, xx, valid, alpha, chunks, nfft, keep, whole,
    gemm)``:
    ``x`` (n, C, T) without gradient, ``xx`` its windowed squared norms
    (n, 1, P), +inf at windows that reach into the padding, ``valid``
    (n, 1, P) 0/1 floats or None (no padding); the work runs in ``chunks``,
    ``(rows, positions)`` slices (see :func:`_soft_min_distances`);
    ``nfft > 0``: the FFT road; ``whole``: one convolution for all series
    and positions, the passes after it chunk by chunk; ``gemm``: the
    products as matrix products over the chunk's windows.

    With ``D_p = ||x_p||^2 - 2 x_p.s + ||s||^2``, ``m = min_p D_p``,
    ``a = alpha / (C L)``, ``z_p = a (m - D_p)`` (floored at
    ``-SOFT_MIN_CUTOFF``), ``w_p = exp(z_p)`` (0 where padded), ``W = sum w``
    and ``S = sum w z``, the soft minimum of ``d_p = D_p / (C L)`` is
    ``M = (m - S / (a W)) / (C L)`` and ``dM / dD_p = w_p (1 - S / W + z_p)
    / (W C L)``. In the code ``a``, ``z`` and ``S`` are in base 2 (``a``
    times ``log2 e``, ``w = exp2(z)``: the same weights, and torch's
    ``exp2`` runs about three times faster than ``exp`` on the CPU);
    ``S / a`` is unchanged, and the backward pass converts back with
    ``ln 2``. Chunks of positions are combined by moving each part's
    reference ``m`` to the common one. ``keep``: each chunk's ``w`` and
    ``z`` are kept for the backward pass (the chunks are then blocks of
    series sized for the CPU cache), with the series' conjugate spectra (FFT
    road) or the matrix of their windows (matrix products, at most
    ``GEMM_MEMORY_RATIO`` times the size of ``w``); otherwise they are
    recomputed chunk by chunk (memory stays one chunk, as with
    checkpointing).
    """

    @staticmethod
    def _products(x, shapelets, nfft, whole):
        """What every chunk's distances need: ``(ss, weight, spec, full)``,
        ``||s||^2``, the weight ``-2 s`` of ``conv1d(x, weight, ss) = ss -
        2 x.s``, its spectrum (FFT road) and, with ``whole``, that
        convolution over every series and position at once (the conv road's
        one call: small ones run slower per element)."""
        ss = (shapelets * shapelets).sum(dim=(1, 2))
        weight = -2.0 * shapelets
        spec = _shapelet_spectrum(weight, nfft) if nfft else None
        full = F.conv1d(x, weight, ss) if whole else None
        return ss, weight, spec, full

    @staticmethod
    def _chunk(x, xx, rows, pos, products, nfft, gemm):
        """``D`` of one chunk and its ``aux`` (see :meth:`_distances`), from
        the whole convolution where there is one."""
        ss, weight, spec, full = products
        if full is not None:
            return full[rows].add_(xx[rows]), None
        return _SoftMinDistance._distances(
            x, weight, ss, xx, rows, pos, nfft, spec, gemm
        )

    @staticmethod
    def _distances(x, weight, ss, xx, rows, pos, nfft, spec, gemm=False):
        """``D`` of one chunk (+inf at padded windows, from ``xx``), and what
        the backward pass reuses: the conjugate spectrum of the series (FFT
        road) or the matrix of their windows (matrix products), else None."""
        L = weight.shape[-1]
        aux = None
        if nfft:
            xf = torch.fft.rfft(x[rows], n=nfft)
            # a view of the inverse transform, completed in place
            D = _fft_correlate(xf, spec, ss, nfft, xx.shape[-1]).add_(xx[rows])
            # conj(g^) x^ = conj(g^ conj(x^)) exactly: the backward multiplies
            # by this small conjugate instead of conjugating the large g^
            aux = xf.conj().resolve_conj()
        elif gemm:
            # shapelet-major (K, r, p): the product's own layout, kept by
            # every pass after it (a (r, K, p) view of it made them strided)
            U = _windows(x[rows, :, pos.start : pos.stop + L - 1], L)
            K = len(weight)
            D = (weight.reshape(K, -1) @ U).view(K, -1, pos.stop - pos.start)
            D.add_(ss[:, None, None]).add_(xx[rows, :, pos].transpose(0, 1))
            aux = U  # at most GEMM_MEMORY_RATIO times D's size
        else:
            D = F.conv1d(x[rows, :, pos.start : pos.stop + L - 1], weight, ss)
            D.add_(xx[rows, :, pos])
        return D, aux

    @staticmethod
    def _weights(D, m, a, valid):
        """``z`` and ``w`` of a chunk against the reference ``m`` (finite);
        ``valid``: the chunk's (n, 1, p) 0/1 mask of windows, or None."""
        # The difference first: m <= D, so z <= 0 however large D. (A fused
        # a m - a D rounds both products, an error of about 1e-7 alpha d in
        # z: past d ~ 1e8, as for series in the thousands, exp overflowed.)
        z = torch.sub(m[..., None], D).mul_(a).clamp_min_(-SOFT_MIN_CUTOFF * LOG2E)
        w = torch.exp2(z)  # base 2, see the class docstring
        if valid is not None:
            w.mul_(valid)  # a broadcast product is faster than masked_fill_
        return z, w

    @staticmethod
    def forward(ctx, x, shapelets, xx, valid, alpha, chunks, nfft, keep, whole, gemm):
        n, P = xx.shape[0], xx.shape[-1]
        K, C, L = shapelets.shape
        a = float(alpha) * LOG2E / (C * L)  # base 2, see the class docstring
        products = _SoftMinDistance._products(x, shapelets, nfft, whole)
        m_all, W_all, S_all = (x.new_empty(n, K) for _ in range(3))
        kept = []
        for rows, pos in chunks:
            D, aux = _SoftMinDistance._chunk(x, xx, rows, pos, products, nfft, gemm)
            m = D.amin(dim=-1)  # inf where the chunk has no valid window
            neg = None
            if bool((m < 0).any()):  # the expanded square rounded below 0
                neg = D < 0
                D.clamp_min_(0.0)
                m = m.clamp_min(0.0)
            found = torch.isfinite(m)
            z, w = _SoftMinDistance._weights(
                D,
                torch.where(found, m, torch.zeros_like(m)),
                a,
                _chunk_valid(valid, rows, pos, gemm),
            )
            del D
            W = w.sum(dim=-1)
            S = torch.linalg.vecdot(w, z)
            if gemm:  # back from the shapelet-major layout: (r, K)
                m, found, W, S = m.T, found.T, W.T, S.T
            if keep:
                kept.append((w, z, aux, neg))
            if pos.start > 0:  # combine with the positions before
                m0, W0, S0 = m_all[rows], W_all[rows], S_all[rows]
                ref = torch.minimum(m0, m)
                # capped where exp2(-d) is 0 already: a large alpha times a
                # large distance overflowed to inf, and 0 * inf gave NaN
                cap = _EXP2_ZERO.get(x.dtype, 160.0)
                d0 = (a * (m0 - ref)).clamp_max_(cap)
                d1 = torch.where(found, (a * (m - ref)).clamp_max_(cap),
                                 torch.zeros_like(m))
                s0 = torch.exp2(-d0)
                s1 = torch.where(found, torch.exp2(-d1), torch.zeros_like(m))
                W, S = s0 * W0 + s1 * W, s0 * (S0 - d0 * W0) + s1 * (S - d1 * W)
                m = ref
            m_all[rows], W_all[rows], S_all[rows] = m, W, S
        ctx.a, ctx.shape, ctx.kept = a, (K, C, L), kept
        ctx.steps = (chunks, nfft, whole, gemm)
        ctx.save_for_backward(x, shapelets, xx, valid, m_all, W_all, S_all)
        return (m_all - S_all / (a * W_all)) / (C * L)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, shapelets, xx, valid, m, W, S = ctx.saved_tensors
        K, C, L = ctx.shape
        chunks, nfft, whole, gemm = ctx.steps
        a, kept = ctx.a, ctx.kept
        n, P = xx.shape[0], xx.shape[-1]
        c1 = grad / (W * (C * L))  # dM/dD_p = w_p (c0 + c1 z_p)
        c0 = c1 * (1.0 - LN2 * S / W)  # S and z in base 2
        c1 = c1 * LN2
        if not kept:
            products = _SoftMinDistance._products(x, shapelets, nfft, whole=False)
        corr = torch.zeros_like(shapelets)
        total = shapelets.new_zeros(K)
        # conv road, all positions at once: one weight gradient at the end
        whole = x.new_empty(n, K, P) if whole else None
        # FFT road: each chunk's g is written into one zero-padded buffer
        # (rfft would otherwise copy it into a padded one)
        padded = None
        if nfft:
            rmax = max(r.stop - r.start for r, _ in chunks)
            padded = x.new_zeros(rmax, K, nfft)
        for i, (rows, pos) in enumerate(chunks):
            if kept:
                w, z, aux, neg = kept[i]
            else:
                D, aux = _SoftMinDistance._chunk(
                    x, xx, rows, pos, products, nfft, gemm
                )
                neg = D < 0 if bool(D.amin() < 0) else None
                # (contiguous: z, w and g take m's layout, and the products
                # below view g as (K, r p))
                z, w = _SoftMinDistance._weights(
                    D.clamp_min_(0.0),
                    m[rows].T.contiguous() if gemm else m[rows],
                    a,
                    _chunk_valid(valid, rows, pos, gemm),
                )
                del D
            if gemm:  # z, w and g shapelet-major (K, r, p)
                g = torch.addcmul(
                    c0[rows].T[:, :, None],
                    z,
                    c1[rows].T[:, :, None],
                    out=torch.empty_like(z),
                )
            elif nfft:
                gp = padded[: rows.stop - rows.start]
                g = torch.addcmul(
                    c0[rows, :, None], z, c1[rows, :, None], out=gp[..., :P]
                )
            elif whole is None:
                g = torch.addcmul(c0[rows, :, None], z, c1[rows, :, None])
            else:
                g = torch.addcmul(
                    c0[rows, :, None], z, c1[rows, :, None], out=whole[rows]
                )
            g.mul_(w)
            if neg is not None:
                g.masked_fill_(neg, 0.0)
            if whole is not None:
                continue
            # summed in the (r, K, p) layout: the same order, the same float32 sums
            total += (g.transpose(0, 1).contiguous() if gemm else g).sum(dim=(0, 2))
            if nfft:
                gf = torch.fft.rfft(gp)  # g, zero-padded to nfft
                cf = (gf[:, :, None] * aux[:, None]).sum(dim=0).conj()
                corr += torch.fft.irfft(cf, n=nfft)[..., :L]
            elif gemm:
                corr += (g.view(K, -1) @ aux.T).view(K, C, L)  # aux: windows
            else:
                xc = x[rows, :, pos.start : pos.stop + L - 1]
                corr += torch.nn.grad.conv1d_weight(xc, shapelets.shape, g)
        if whole is not None:
            total = whole.sum(dim=(0, 2))
            corr = torch.nn.grad.conv1d_weight(x, shapelets.shape, whole)
        ctx.kept = None
        # D = ||x||^2 - 2 x.s + ||s||^2
        grad_s = 2.0 * (shapelets * total[:, None, None] - corr)
        return None, grad_s, None, None, None, None, None, None, None, None


def _windows(x, L):
    """Every window of ``x`` (r, C, p + L - 1) as a column, ``(C L, r p)``
    (one matrix: CPU batched products loop over the batch)."""
    r, C, T = x.shape
    p = T - L + 1
    # One strided view (C, L, r, p) copied out: a permuted ``unfold`` has two
    # unit-stride dimensions, and its copy ran up to four times slower.
    sc, sr, st = x.stride(1), x.stride(0), x.stride(2)
    view = x.as_strided((C, L, r, p), (sc, st, sr, st), x.storage_offset())
    return view.reshape(C * L, r * p)


def _chunk_valid(valid, rows, pos, gemm):
    """The chunk's 0/1 window mask, (r, 1, p), or (1, r, p) shapelet-major."""
    if valid is None:
        return None
    v = valid[rows, :, pos]
    return v.transpose(0, 1) if gemm else v


def _chunks(n, P, row_step, pos_step):
    """``(rows, positions)`` slices of the work, positions innermost."""
    return [
        (slice(r, min(n, r + row_step)), slice(p, min(P, p + pos_step)))
        for r in range(0, n, row_step)
        for p in range(0, P, pos_step)
    ]


def _trimmed_chunks(counts, K, block):
    """Blocks of consecutive series, sorted by ``counts`` (their valid
    positions, ascending), each computed only up to its last series' count
    and holding about ``block`` elements ``series x K x positions``."""
    chunks, r, n = [], 0, len(counts)
    while r < n:
        stop = r + 1
        while stop < n and (stop + 1 - r) * K * counts[stop] <= block:
            stop += 1
        chunks.append((slice(r, stop), slice(0, counts[stop - 1])))
        r = stop
    return chunks


def min_distances(
    x,
    shapelets,
    lengths=None,
    *,
    alpha=100.0,
    exact=False,
    return_positions=False,
    max_chunk_elements=MAX_CHUNK_ELEMENTS,
    csum=None,
    road="auto",
):
    """Distance of each series to each shapelet of one length, minimised over positions.

    Parameters
    ----------
    x : Tensor of shape (n, C, T)
        NaN-free series (zero where padded, see :func:`series_lengths`).
    shapelets : Tensor of shape (K, C, L)
    lengths : LongTensor of shape (n,) or None
        Observed steps of each series; windows reaching beyond are ignored.
        Every length must be at least ``L``. None: all ``T`` steps.
    alpha : float, default=100.0
        Sharpness of the soft minimum ``sum_p d_p exp(-alpha d_p) / sum_p
        exp(-alpha d_p)`` (Grabocka et al. write it with a negative alpha);
        it tends to the minimum as ``alpha`` grows. Values outside
        ``[1e-30, 1e30]`` are taken as those bounds, where it is already the
        mean, resp. the minimum, to float rounding (beyond, the scaled
        exponents underflow or overflow: 0, inf and 1e-300 gave NaN). The
        plain ``"autograd"`` road also needs ``alpha`` times the distances
        within the float type's range (about 3e38 in float32).
    exact : bool, default=False
        The exact minimum instead.
    return_positions : bool, default=False
        Also return the start of the best-matching (exact minimum) window,
        the first one on ties. Implies ``exact``.
    max_chunk_elements : int
        Bound on ``n x K x positions`` computed at once.
    csum : Tensor of shape (n, T + 1) or None
        :func:`cumulative_squares` of ``x`` (shared by several lengths);
        computed if None.
    road : {"auto", "conv", "fft", "autograd"}
        How the products are computed: ``"conv"`` or ``"fft"`` (see
        :func:`use_fft`, which ``"auto"`` asks), the soft minimum in the
        hand-written autograd function, or ``"autograd"``, the plain torch
        expression (the reference; also taken when ``x`` itself needs a
        gradient, and for the exact minimum when the shapelets need one).

    Returns
    -------
    distances : Tensor of shape (n, K)
    positions : LongTensor of shape (n, K)
        Only with ``return_positions``.
    """
    n, C, T = x.shape
    K, _, L = shapelets.shape
    P = T - L + 1
    if P < 1:
        raise ValueError(f"Series of {T} steps are shorter than a shapelet of {L}.")
    exact = exact or return_positions
    alpha = min(max(float(alpha), ALPHA_BOUNDS[0]), ALPHA_BOUNDS[1])
    if road != "autograd" and not x.requires_grad:
        if not exact:
            return _soft_min_distances(
                x, shapelets, lengths, alpha, max_chunk_elements, csum, road
            )
        if not (torch.is_grad_enabled() and shapelets.requires_grad):
            best, where = _exact_min_distances(
                x, shapelets, lengths, max_chunk_elements, csum, road
            )
            return (best, where) if return_positions else best
    if lengths is None:
        lengths = torch.full((n,), T, dtype=torch.long, device=x.device)
    valid = torch.arange(P, device=x.device)[None, :] < (lengths - L + 1)[:, None]
    ss = (shapelets * shapelets).sum(dim=(1, 2))
    step = max(1, int(max_chunk_elements) // max(1, n * K))
    starts = range(0, P, step)
    use_checkpoint = torch.is_grad_enabled() and len(starts) > 1 and not exact
    # Running results, combined chunk by chunk (nothing per chunk is kept).
    best = where = top = total = weighted = None
    for start in starts:
        stop = min(P, start + step)
        args = (x[..., start : stop + L - 1], shapelets, ss, valid[:, start:stop])
        if use_checkpoint:
            # Recomputed in the backward pass: training memory stays one chunk.
            out = checkpoint(_chunk_stats, *args, alpha, exact, use_reentrant=False)
        else:
            out = _chunk_stats(*args, alpha, exact)
        if exact:
            d, p = out
            if best is None:
                best, where = d, p + start
            else:
                better = d < best  # strict: the first position wins ties
                best = torch.where(better, d, best)
                where = torch.where(better, p + start, where)
        elif top is None:
            # finite: position 0 of every series is valid, and in this chunk
            top, total, weighted = out
        else:
            shift, chunk_total, chunk_weighted = out
            new_top = torch.maximum(top, shift)
            old_scale = torch.exp(top - new_top)
            scale = torch.exp(shift - new_top)  # 0 for a chunk without a valid window
            total = total * old_scale + chunk_total * scale
            weighted = weighted * old_scale + chunk_weighted * scale
            top = new_top
    if exact:
        return (best, where) if return_positions else best
    return weighted / total


def _soft_min_distances(x, shapelets, lengths, alpha, max_chunk_elements, csum, road):
    """The soft minimum through :class:`_SoftMinDistance` (conv or FFT road)."""
    x, xx, valid, chunks, nfft, keep, whole, gemm, order = _road(
        x, shapelets, lengths, max_chunk_elements, csum, road
    )
    out = _SoftMinDistance.apply(
        x, shapelets, xx, valid, float(alpha), chunks, nfft, keep, whole, gemm
    )
    return out if order is None else out[_inverse(order)]


def _exact_min_distances(x, shapelets, lengths, max_chunk_elements, csum, road):
    """The exact minimum and its first position, ``(n, K)`` each, on the road
    and in the chunks of the soft minimum (no gradient): the FFT road keeps
    long shapelets on long series from costing ``P L`` per window."""
    x, xx, _, chunks, nfft, _, whole, gemm, order = _road(
        x, shapelets, lengths, max_chunk_elements, csum, road
    )
    n, K, (_, C, L) = len(x), len(shapelets), shapelets.shape
    products = _SoftMinDistance._products(x, shapelets, nfft, whole)
    best = x.new_full((n, K), float("inf"))
    where = torch.zeros((n, K), dtype=torch.long, device=x.device)
    # chunks run through each block of series' positions in increasing order:
    # a strictly smaller minimum wins, so the first position wins ties
    for rows, pos in chunks:
        D, _ = _SoftMinDistance._chunk(x, xx, rows, pos, products, nfft, gemm)
        # clamped first (the expanded square can round below zero): windows
        # that match exactly tie at 0, and the first one wins
        d, p = D.clamp_min_(0.0).min(dim=-1)  # +inf where padded
        if gemm:  # back from the shapelet-major layout: (r, K)
            d, p = d.T, p.T
        better = d < best[rows]
        best[rows] = torch.where(better, d, best[rows])
        where[rows] = torch.where(better, p + pos.start, where[rows])
    best = best / (C * L)
    if order is not None:
        inverse = _inverse(order)
        best, where = best[inverse], where[inverse]
    return best, where


def _road(x, shapelets, lengths, max_chunk_elements, csum, road):
    """How the distances of one shapelet length are computed: ``(x, xx,
    valid, chunks, nfft, keep, whole, gemm, order)`` as
    :class:`_SoftMinDistance` takes them, with ``x`` sorted by length where
    the trimmed blocks need it (``order``, else None)."""
    n, C, T = x.shape
    K, _, L = shapelets.shape
    P = T - L + 1
    padded = lengths is not None and bool((lengths < T).any())
    if road == "auto":
        # padded batches: the conv road skips the windows in the padding
        positions = float((lengths - L + 1).double().mean()) if padded else None
        fft = use_fft(T, L, C, positions=positions)
    else:
        fft = road == "fft"
    nfft = fft_size(T) if fft else 0
    width = C * nfft if fft else P  # elements per series and shapelet
    limit = int(max_chunk_elements)
    keep = n * K * width <= limit
    order = None
    trimmed = keep and padded and not fft
    if trimmed:
        # Series sorted by length, in blocks that stop at their longest
        # series' last window: padded windows are not computed at all.
        # (ShapeletDistances sorts once for all lengths.)
        if bool((lengths[1:] < lengths[:-1]).any()):
            order = torch.argsort(lengths, stable=True)
            x, lengths = x[order], lengths[order]
            csum = None if csum is None else csum[order]
        counts = (lengths - L + 1).tolist()
        chunks = _trimmed_chunks(counts, K, min(CACHE_BLOCK_ELEMENTS, limit))
        xx, valid = _trimmed_norms(x, L, csum, lengths, chunks)
    else:
        xx = window_squared_norms(x, L, csum)
        valid = None
        if padded:
            # +inf in xx makes D infinite at windows that reach into the padding
            starts = torch.arange(P, device=x.device)[None, None, :]
            valid = starts < (lengths - L + 1)[:, None, None]
            xx = torch.where(valid, xx, float("inf"))
            valid = valid.to(x.dtype)
        if keep or fft:
            # Blocks of series: sized for the CPU cache when everything is
            # kept (the dozen passes over a block then run from the cache),
            # else the largest that the memory bound allows.
            block = min(CACHE_BLOCK_ELEMENTS, limit) if keep else limit
            chunks = _chunks(n, P, max(1, block // max(1, K * width)), P)
        else:
            chunks = _chunks(n, P, n, max(1, limit // max(1, n * K)))
    # conv road, nothing trimmed: one convolution over all series (small
    # ones run slower per element), the passes after it block by block.
    # Trimmed blocks (a few series, many positions each) run faster as one
    # matrix product over their windows, which cost ``C L / K`` times the
    # block's memory: taken when that is at most GEMM_MEMORY_RATIO.
    whole = keep and not fft and not trimmed
    gemm = trimmed and C * L <= GEMM_MEMORY_RATIO * K
    return x, xx, valid, chunks, nfft, keep, whole, gemm, order


def _trimmed_norms(x, L, csum, lengths, chunks):
    """``xx`` (+inf at padded windows) and ``valid`` (0/1) as
    :func:`_soft_min_distances` makes them, computed only inside the trimmed
    blocks ``chunks`` (the only parts read): a batch's longest series no
    longer sets the width of this work for all series."""
    n, _, T = x.shape
    P = T - L + 1
    if csum is None:
        csum = cumulative_squares(x)
    xx = x.new_full((n, 1, P), float("inf"))
    valid = x.new_zeros(n, 1, P)
    counts = (lengths - L + 1)[:, None]
    starts = torch.arange(P, device=x.device)
    for rows, pos in chunks:
        norms = window_squared_norms(x, L, csum[rows], stop=pos.stop)[:, 0]
        inside = starts[: pos.stop] < counts[rows]
        xx[rows, 0, pos] = torch.where(inside, norms, float("inf"))
        valid[rows, 0, pos] = inside
    return xx, valid


def _inverse(order):
    """The inverse of the permutation ``order``."""
    inverse = torch.empty_like(order)
    inverse[order] = torch.arange(len(order), device=order.device)
    return inverse


class ShapeletDistances(nn.Module):
    """Learnable shapelets of several lengths and their distances to series.

    Parameters
    ----------
    shapelets : list of Tensor or ndarray of shape (K_j, C, L_j)
        Initial shapelets, one block per distinct length ``L_j`` (trainable).
    alpha : float, default=100.0
        Sharpness of the soft minimum (see :func:`min_distances`).
    max_chunk_elements : int, default=MAX_CHUNK_ELEMENTS
        Memory bound of the distance computation (see :func:`min_distances`).
    offset : Tensor or ndarray of shape (C,) or None, default=None
        A per-channel level (the training data's mean) subtracted from the
        series and the shapelets alike. Distances do not change, but the
        expanded square loses no float32 precision to a large common level
        (series around 1000 that differ by 0.01). The caller subtracts it
        from the series in float64, before their float32 cast (which alone
        made series at 1e8 that differ by 1 equal): the inputs of
        :meth:`forward` and :meth:`best_positions` are the shifted series.
        The initial ``shapelets`` are in the data's units (shifted here, in
        float64); the parameters ``blocks`` hold the shifted shapelets;
        :meth:`shapelets` gives them back in the data's units.

    The output columns are the blocks' shapelets in order.
    """

    def __init__(
        self, shapelets, alpha=100.0, max_chunk_elements=MAX_CHUNK_ELEMENTS, offset=None
    ):
        super().__init__()
        shapelets = [torch.as_tensor(s, dtype=torch.float64) for s in shapelets]
        channels = shapelets[0].shape[1]
        if offset is None:
            offset = torch.zeros(channels)
        offset = torch.as_tensor(offset, dtype=torch.float32).reshape(channels)
        self.register_buffer("offset", offset)
        level = offset.double()[:, None]  # (the float32 value the caller shifts by)
        self.blocks = nn.ParameterList(
            [nn.Parameter((s - level).float()) for s in shapelets]
        )
        self.alpha = float(alpha)
        self.max_chunk_elements = int(max_chunk_elements)

    @property
    def n_shapelets(self):
        return sum(block.shape[0] for block in self.blocks)

    def shapelets(self):
        """The shapelets in the data's units, a ``(K_j, C, L_j)`` tensor per length."""
        return [block + self.offset[:, None] for block in self.blocks]

    def forward(self, x, exact=False):
        """Distances ``(n, n_shapelets)``: soft minimum, or the exact one."""
        return self._per_length(x, exact=exact)

    def best_positions(self, x):
        """Start of each shapelet's best-matching window, ``(n, n_shapelets)``."""
        return self._per_length(x, return_positions=True)

    def _per_length(self, x, **kwargs):
        """:func:`min_distances` of every block of shapelets, side by side."""
        lengths, x = series_lengths(x)
        order = None
        if bool((lengths[1:] < lengths[:-1]).any()):
            # Sorted by length once for all shapelet lengths (padded series
            # are worked through in sorted, trimmed blocks), put back at the
            # end.
            order = torch.argsort(lengths, stable=True)
            x, lengths = x[order], lengths[order]
        csum = cumulative_squares(x)  # shared by the lengths
        positions = kwargs.get("return_positions", False)

        def of(block):
            out = min_distances(
                x,
                block,
                lengths,
                alpha=self.alpha,
                max_chunk_elements=self.max_chunk_elements,
                csum=csum,
                **kwargs,
            )
            return out[1] if positions else out

        out = torch.cat([of(block) for block in self.blocks], dim=1)
        return out if order is None else out[_inverse(order)]


class LearningShapelets(nn.Module):
    """The LTS model: shapelet distances and a linear head (Grabocka et al., 2014).

    Parameters
    ----------
    shapelets : list of array of shape (K_j, C, L_j)
        Initial shapelets, see :class:`ShapeletDistances`.
    n_outputs : int or None
        Classes of the linear head; None builds no head (the distances only).
    alpha, max_chunk_elements, offset
        See :class:`ShapeletDistances`.
    """

    def __init__(
        self,
        shapelets,
        n_outputs=None,
        alpha=100.0,
        max_chunk_elements=MAX_CHUNK_ELEMENTS,
        offset=None,
    ):
        super().__init__()
        self.distances = ShapeletDistances(shapelets, alpha, max_chunk_elements, offset)
        k = self.distances.n_shapelets
        self.head = None if n_outputs is None else nn.Linear(k, int(n_outputs))

    def features(self, x, exact=False):
        """The shapelet distances, ``(n, n_shapelets)``."""
        return self.distances(x, exact=exact)

    def forward(self, x, exact=False):
        """Class scores (logits) ``(n, n_outputs)``; the distances without a head."""
        d = self.distances(x, exact=exact)
        return d if self.head is None else self.head(d)
