"""Torch modules of learned shapelets: batched shapelet distances and the LTS model.

Plain torch, no scikit-learn. The distance of a series to a shapelet is the
mean squared difference between the shapelet and a window of the series,
over the window's values (all channels), minimised over the window's start:
the hard minimum, or the soft minimum of Grabocka et al. (KDD 2014).

All shapelets of one length are compared with all series and all positions in
one computation, through the identity ``||x - s||^2 = ||x||^2 - 2 x.s +
||s||^2`` evaluated with two ``conv1d`` calls; only the (few) distinct lengths
are looped over. The positions are processed in chunks whose size keeps
``batch x shapelets x positions`` below ``max_chunk_elements``, and chunked
results are combined exactly (a streaming soft minimum), so memory stays
bounded on long series. NaN trailing padding is excluded: a window that
reaches into a series' padding is never a match.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
import torch.nn.functional as F
from torch import nn
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


def min_distances(
    x,
    shapelets,
    lengths=None,
    *,
    alpha=100.0,
    exact=False,
    return_positions=False,
    max_chunk_elements=MAX_CHUNK_ELEMENTS,
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
        it tends to the minimum as ``alpha`` grows.
    exact : bool, default=False
        The exact minimum instead.
    return_positions : bool, default=False
        Also return the start of the best-matching (exact minimum) window,
        the first one on ties. Implies ``exact``.
    max_chunk_elements : int
        Bound on ``n x K x positions`` computed at once.

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
        (series around 1000 that differ by 0.01). The parameters ``blocks``
        hold the shifted shapelets; :meth:`shapelets` gives them back.

    The output columns are the blocks' shapelets in order.
    """

    def __init__(
        self, shapelets, alpha=100.0, max_chunk_elements=MAX_CHUNK_ELEMENTS, offset=None
    ):
        super().__init__()
        shapelets = [torch.as_tensor(s, dtype=torch.float32) for s in shapelets]
        channels = shapelets[0].shape[1]
        if offset is None:
            offset = torch.zeros(channels)
        offset = torch.as_tensor(offset, dtype=torch.float32).reshape(channels)
        self.register_buffer("offset", offset)
        self.blocks = nn.ParameterList(
            [nn.Parameter((s - offset[:, None]).clone()) for s in shapelets]
        )
        self.alpha = float(alpha)
        self.max_chunk_elements = int(max_chunk_elements)

    @property
    def n_shapelets(self):
        return sum(block.shape[0] for block in self.blocks)

    def shapelets(self):
        """The shapelets in the data's units, a ``(K_j, C, L_j)`` tensor per length."""
        return [block + self.offset[:, None] for block in self.blocks]

    def _shift(self, x):
        return x - self.offset[None, :, None]

    def forward(self, x, exact=False):
        """Distances ``(n, n_shapelets)``: soft minimum, or the exact one."""
        lengths, x = series_lengths(self._shift(x))
        return torch.cat(
            [
                min_distances(
                    x,
                    block,
                    lengths,
                    alpha=self.alpha,
                    exact=exact,
                    max_chunk_elements=self.max_chunk_elements,
                )
                for block in self.blocks
            ],
            dim=1,
        )

    def best_positions(self, x):
        """Start of each shapelet's best-matching window, ``(n, n_shapelets)``."""
        lengths, x = series_lengths(self._shift(x))
        return torch.cat(
            [
                min_distances(
                    x,
                    block,
                    lengths,
                    return_positions=True,
                    max_chunk_elements=self.max_chunk_elements,
                )[1]
                for block in self.blocks
            ],
            dim=1,
        )


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
