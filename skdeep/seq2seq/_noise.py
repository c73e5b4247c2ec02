"""BART's input corruptions (Lewis et al., 2019), vectorised over a batch.

Every corruption maps a batch of sequences to a new batch of sequences whose
elements are *positions of the original sequence* or ``-1`` for a mask
token. Working on positions rather than on token ids lets one code path
corrupt token sequences and numeric series alike (the model embeds the
original elements, gathers them by position and puts its learned mask vector
where the position is ``-1``), and lets corruptions compose.

A batch of positions is a pair ``(index, lengths)``: ``index`` of shape
``(n, W)`` (entries after a row's length are meaningless) and ``lengths`` of
shape ``(n,)``. All randomness comes from torch's global generator, which
skdeep's training road seeds from ``random_state``.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import torch

NOISE_RATES = {
    "mask": 0.15,
    "delete": 0.15,
    "infill": 0.3,
    "permute": 1.0,
    "rotate": 1.0,
}
"""The corruptions and their default rates: the share of tokens masked or
deleted, the share of tokens inside infilled spans, and the probability that a
sequence has its segments permuted or is rotated."""

NOISE_ORDER = ("permute", "rotate", "infill", "mask", "delete")
"""The order in which several corruptions are applied."""

SPAN_POISSON_LAMBDA = 3.0
"""Mean span length of text infilling, as in BART."""


def _valid(index, lengths):
    return torch.arange(index.shape[1], device=index.device) < lengths[:, None]


def _compact(index, keep):
    """Keep the entries where ``keep`` is True, moved to the front of each row."""
    lengths = keep.sum(dim=1)
    width = max(int(lengths.max()), 1)
    target = torch.where(keep, keep.cumsum(dim=1) - 1, width)
    out = index.new_zeros((index.shape[0], width + 1))
    out.scatter_(1, target, index)
    return out[:, :width], lengths


def mask_tokens(index, lengths, rate):
    """Replace each element by the mask with probability ``rate``."""
    hit = (torch.rand(index.shape, device=index.device) < rate) & _valid(index, lengths)
    return torch.where(hit, torch.full_like(index, -1), index), lengths


def delete_tokens(index, lengths, rate):
    """Delete each element with probability ``rate`` (at least one stays)."""
    valid = _valid(index, lengths)
    keep = valid & (torch.rand(index.shape, device=index.device) >= rate)
    empty = ~keep.any(dim=1)
    keep[:, 0] |= empty  # a sequence keeps its first element rather than vanish
    return _compact(index, keep)


def infill_spans(index, lengths, rate, lam=SPAN_POISSON_LAMBDA):
    """Text infilling: spans of Poisson(``lam``) length each become one mask.

    Spans start at each element with probability ``-log(1 - rate) / lam``
    (at most 1), so about ``rate`` of the elements fall inside a span:
    spans of mean length ``lam`` starting with probability ``p`` leave an
    element outside all of them with probability about ``exp(-p lam)``.
    (``rate / lam`` covered about ``1 - exp(-rate)``: 26% at 0.3.) A span
    of length 0 inserts a mask, and overlapping spans merge.
    """
    n, W = index.shape
    device = index.device
    valid = _valid(index, lengths)
    pos = torch.arange(W, device=device).expand(n, W)
    p_start = min(1.0, -math.log1p(-rate) / lam) if rate < 1 else 1.0
    start = valid & (torch.rand((n, W), device=device) < p_start)
    span = torch.poisson(torch.full((n, W), float(lam), device=device)).long()
    end = torch.where(start, pos + span, torch.full_like(pos, -1))
    reach = end.cummax(dim=1).values  # the furthest any span so far reaches
    before = torch.cat([torch.full_like(reach[:, :1], -1), reach[:, :-1]], dim=1)
    fresh = start & (before <= pos)  # a start not inside an earlier span
    covered = reach > pos
    insert = fresh & (span == 0)
    replace = fresh & (span > 0)
    # Two slots per element: an inserted mask before it, then the element
    # itself, or the mask that stands for the span it starts.
    slots = torch.stack(
        [torch.full_like(index, -1), torch.where(replace, -1, index)], dim=2
    ).view(n, 2 * W)
    keep = torch.stack([insert, valid & (~covered | replace)], dim=2).view(n, 2 * W)
    return _compact(slots, keep)


def rotate(index, lengths, rate=1.0):
    """Document rotation: start each sequence (with probability ``rate``) at a
    uniformly drawn element and wrap around."""
    n, W = index.shape
    device = index.device
    shift = (torch.rand(n, device=device) * lengths).long()
    shift = torch.where(torch.rand(n, device=device) < rate, shift, 0)
    pos = torch.arange(W, device=device).expand(n, W)
    source = (pos + shift[:, None]) % lengths[:, None]
    return index.gather(1, source), lengths


def permute_segments(index, lengths, is_separator, rate=1.0):
    """Sentence permutation: shuffle the segments between separators.

    Parameters
    ----------
    index, lengths
        The batch of positions.
    is_separator : Tensor of bool of shape (n, W)
        Which entries of ``index`` are separators (in the current order).
    rate : float
        Probability that a sequence is permuted.

    The k-th separator stays the k-th separator; the segments between them
    are drawn in a random order (a permutation per sequence).
    """
    n, W = index.shape
    device = index.device
    valid = _valid(index, lengths)
    sep = is_separator & valid
    pos = torch.arange(W, device=device).expand(n, W)
    n_sep = sep.sum(dim=1)
    segment = sep.long().cumsum(dim=1)  # of an element: separators before it
    # n_sep + 1 segments, up to W + 1 (a row of W separators): segment
    # tables have W + 1 columns (with W, such a row indexed past them)
    keys = torch.rand((n, W), device=device)
    keys = torch.where(torch.rand((n, 1), device=device) < rate, keys, pos.float())
    keys = torch.cat([keys, torch.full_like(keys[:, :1], float("inf"))], dim=1)
    seg_pos = torch.arange(W + 1, device=device).expand(n, W + 1)
    keys = keys.masked_fill(seg_pos > n_sep[:, None], float("inf"))
    order = keys.argsort(dim=1)  # order[r] = the segment drawn r-th
    rank = order.argsort(dim=1)  # rank[s] = where segment s goes
    member = valid & ~sep
    seg_len = torch.zeros((n, W + 1), dtype=torch.long, device=device)
    seg_len.scatter_add_(1, torch.where(member, segment, 0), member.long())
    len_by_rank = seg_len.gather(1, order)
    # + the separators before each rank
    start_by_rank = len_by_rank.cumsum(dim=1) - len_by_rank + seg_pos
    seg_start = torch.where(sep, pos + 1, 0).cummax(dim=1).values
    offset = pos - seg_start
    new_pos = start_by_rank.gather(1, rank.gather(1, segment)) + offset
    k = (segment - 1).clamp(min=0)  # a separator's number, in order
    sep_pos = start_by_rank.gather(1, k + 1) - 1
    target = torch.where(member, new_pos, torch.where(sep, sep_pos, W))
    out = index.new_zeros((n, W + 1))
    out.scatter_(1, target, index)
    return out[:, :W], lengths


def corrupt(lengths, width, noise, separator_mask=None):
    """Compose the corruptions in ``noise`` (name -> rate), in :data:`NOISE_ORDER`.

    Parameters
    ----------
    lengths : Tensor of shape (n,)
        Lengths of the clean sequences.
    width : int
        Columns of the clean batch.
    noise : dict
        Corruption name -> rate (see :data:`NOISE_RATES`).
    separator_mask : Tensor of bool of shape (n, width) or None
        Which clean elements are segment separators, for ``"permute"``; None
        (no separators) leaves ``"permute"`` out: a sequence is one segment.

    Returns
    -------
    index : Tensor of long of shape (n, W')
        Clean positions, ``-1`` for a mask.
    lengths : Tensor of shape (n,)
    """
    index = torch.arange(width, device=lengths.device).expand(len(lengths), width)
    index = index.clone()
    for name in NOISE_ORDER:
        if name not in noise:
            continue
        rate = noise[name]
        if name == "permute":
            if separator_mask is None:
                continue  # no separators: one segment, nothing to permute
            is_sep = separator_mask.gather(1, index.clamp(min=0)) & (index >= 0)
            index, lengths = permute_segments(index, lengths, is_sep, rate)
        elif name == "rotate":
            index, lengths = rotate(index, lengths, rate)
        elif name == "infill":
            index, lengths = infill_spans(index, lengths, rate)
        elif name == "mask":
            index, lengths = mask_tokens(index, lengths, rate)
        else:
            index, lengths = delete_tokens(index, lengths, rate)
    return index, lengths
