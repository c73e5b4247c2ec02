"""Torch modules of the Siamese family: the embedding network and the
metric-learning losses with in-batch mining (no scikit-learn here).

The embedding network wraps a body (an MLP, the CNN family's convolutional
stack with a pooling head, or a user's module) and optionally L2-normalises
its output. The losses take a batch of embeddings and either class labels
(pairs and triplets are mined inside the batch, vectorised over the whole
distance matrix) or explicit pairs.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
import torch.nn.functional as F
from torch import nn

from skdeep.utils._torch import gather_rows

LOSSES = ("contrastive", "triplet")
MININGS = ("random", "hard", "semihard")
DISTANCES = ("euclidean", "cosine")


class EmbeddingNet(nn.Module):
    """A body network whose output is the embedding, L2-normalised or not."""

    def __init__(self, body, normalize=True):
        super().__init__()
        self.body = body
        self.normalize = normalize

    def forward(self, x):
        z = self.body(x)
        if z.ndim != 2:
            z = z.flatten(1)
        return F.normalize(z, dim=1) if self.normalize else z


def pairwise_distances(z, distance="euclidean"):
    """Distances ``(n, n)`` between the rows of ``z``.

    Euclidean distances are computed from the Gram matrix with a small floor
    under the square root, so that the gradient at zero distance (a row with
    itself, or two equal embeddings) stays finite. The rows are centred on
    their mean first (distances do not change): the Gram form cancels
    ``|z|^2`` terms, and embeddings far from the origin next to their spread
    (``normalize=False``) lost their distances to float32 rounding (off by
    0.41 where they were 0.39, at an offset of 100).
    """
    if distance == "cosine":
        zn = F.normalize(z, dim=1)
        return (1.0 - zn @ zn.T).clamp(min=0.0)
    z = z - z.mean(dim=0, keepdim=True)
    sq = (z * z).sum(dim=1)
    d2 = (sq[:, None] - 2.0 * z @ z.T + sq[None]).clamp(min=0.0)
    return torch.sqrt(d2 + 1e-12)


def paired_distances(a, b, distance="euclidean", floor=1e-12):
    """Distances ``(n,)`` between rows ``a[i]`` and ``b[i]``; ``floor``,
    under the square root, keeps the training gradient finite at zero
    distance (inference passes 0: equal members read 1e-6, and every
    distance under about 1e-6 was lost to it)."""
    if distance == "cosine":
        return (1.0 - F.cosine_similarity(a, b, dim=1)).clamp(min=0.0)
    return torch.sqrt(((a - b) ** 2).sum(dim=1) + floor)


def _masks(labels):
    same = labels[:, None] == labels[None]
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    return same & ~eye, ~same


def triplet_loss(D, labels, margin, mining):
    """Triplet loss ``max(0, d(a, p) - d(a, n) + margin)`` mined in a batch.

    Parameters
    ----------
    D : Tensor (n, n)
        Distances within the batch.
    labels : Tensor (n,)
    margin : float
    mining : {"random", "hard", "semihard"}
        ``"random"``: every anchor-positive pair with one negative drawn at
        random. ``"hard"``: for each anchor its farthest positive and its
        nearest negative (batch-hard, Hermans et al., 2017). ``"semihard"``:
        every anchor-positive pair with the nearest negative that is farther
        than the positive (FaceNet, Schroff et al., 2015), or the farthest
        negative when none is.

    Returns
    -------
    loss : Tensor ()
        The mean over the mined triplets (0 if the batch has none).
    """
    positive, negative = _masks(labels)
    has_negative = negative.any(dim=1)
    if mining == "hard":
        hardest_pos = D.masked_fill(~positive, float("-inf")).amax(dim=1)
        hardest_neg = D.masked_fill(~negative, float("inf")).amin(dim=1)
        valid = positive.any(dim=1) & has_negative
        if not valid.any():
            return D.sum() * 0.0
        return F.relu(hardest_pos - hardest_neg + margin)[valid].mean()
    anchors, positives = torch.nonzero(positive & has_negative[:, None], as_tuple=True)
    if len(anchors) == 0:
        return D.sum() * 0.0
    d_ap = D[anchors, positives]
    neg = negative[anchors]  # (m, n) candidate negatives of each pair
    # The negative of each pair is chosen without autograd (the (pairs x
    # batch) distances, masked and reduced, were all recorded: 2x the fit
    # time of the mining itself); only the chosen distances are gathered.
    with torch.no_grad():
        if mining == "random":
            scores = torch.rand(neg.shape, device=D.device).masked_fill(~neg, -1.0)
            chosen = scores.argmax(dim=1)
        else:  # semihard
            d_an_all = D.detach()[anchors]
            farther = neg & (d_an_all > d_ap.detach()[:, None])
            semi = d_an_all.masked_fill(~farther, float("inf")).argmin(dim=1)
            fallback = d_an_all.masked_fill(~neg, float("-inf")).argmax(dim=1)
            chosen = torch.where(farther.any(dim=1), semi, fallback)
    # (pairs share negatives: gather_rows's backward adds them in order)
    d_an = gather_rows(D.reshape(-1), anchors * D.shape[1] + chosen)
    return F.relu(d_ap - d_an + margin).mean()


def contrastive_loss(D, labels, margin, mining):
    """Contrastive loss (Hadsell, Chopra & LeCun, 2006) mined in a batch.

    ``d^2`` for pairs of one class, ``max(0, margin - d)^2`` for pairs of two
    classes; the positive and negative terms are averaged separately and
    added, so a batch's class balance does not weigh them. ``"random"``: all
    pairs. ``"hard"``: per anchor its farthest positive and nearest negative.
    ``"semihard"``: only the pairs that violate the margin structure, the
    positives within ``margin`` of the anchor's nearest negative or farther
    (``d > d_nearest_negative - margin``) and the negatives inside the
    margin (the pairs with a non-zero negative loss).
    """
    positive, negative = _masks(labels)
    if mining == "hard":
        pos = D.masked_fill(~positive, float("-inf")).amax(dim=1)
        neg = D.masked_fill(~negative, float("inf")).amin(dim=1)
        terms = []
        if positive.any():
            terms.append((pos[positive.any(dim=1)] ** 2).mean())
        if negative.any():
            terms.append((F.relu(margin - neg[negative.any(dim=1)]) ** 2).mean())
        return sum(terms) if terms else D.sum() * 0.0
    if mining == "semihard":
        nearest_neg = D.masked_fill(~negative, float("inf")).amin(dim=1, keepdim=True)
        positive = positive & (D > nearest_neg - margin)
        negative = negative & (D < margin)
    terms = []
    if positive.any():
        terms.append((D[positive] ** 2).mean())
    if negative.any():
        terms.append((F.relu(margin - D[negative]) ** 2).mean())
    return sum(terms) if terms else D.sum() * 0.0


class MetricLoss(nn.Module):
    """The training loss of :class:`EmbeddingNet` outputs.

    ``forward(z, target)``: ``z`` is a batch of embeddings and ``target`` the
    class labels (mined in the batch); or, for pair training, ``z`` is
    ``(n, 2, d)`` (both members of each pair embedded) and ``target`` is 1 for
    similar and 0 for dissimilar pairs, or ``(target, pair_weight)`` as
    :class:`~skdeep.utils._training.TensorBatchIterator` yields it when
    ``fit`` got ``sample_weight``. Pairs are scored with the contrastive
    loss, the weighted mean over the similar pairs plus the weighted mean
    over the dissimilar ones; ``loss="triplet"`` cannot use explicit pairs.
    """

    def __init__(
        self, loss="triplet", margin=1.0, mining="semihard", distance="euclidean"
    ):
        super().__init__()
        self.loss, self.margin, self.mining, self.distance = (
            loss,
            margin,
            mining,
            distance,
        )

    def forward(self, z, target):
        weight = None
        if isinstance(target, (tuple, list)):  # skorch turns the pair into a list
            if z.ndim != 3:
                raise ValueError("sample weights apply to explicit pairs only.")
            target, weight = target
        if z.ndim == 3:  # explicit pairs
            d = paired_distances(z[:, 0], z[:, 1], self.distance)
            similar = target.to(d.dtype)
            dissimilar = 1.0 - similar
            if weight is None:
                pos = (similar * d**2).sum() / similar.sum().clamp(min=1.0)
                neg = (dissimilar * F.relu(self.margin - d) ** 2).sum() / (
                    dissimilar.sum().clamp(min=1.0)
                )
                return pos + neg
            weight = weight.to(d.dtype)
            similar, dissimilar = similar * weight, dissimilar * weight
            # A side without weight in the batch adds 0, not 0 / 0 = NaN.
            tiny = torch.finfo(d.dtype).tiny
            pos = (similar * d**2).sum() / similar.sum().clamp(min=tiny)
            neg = (dissimilar * F.relu(self.margin - d) ** 2).sum() / (
                dissimilar.sum().clamp(min=tiny)
            )
            return pos + neg
        D = pairwise_distances(z, self.distance)
        if self.loss == "triplet":
            return triplet_loss(D, target, self.margin, self.mining)
        return contrastive_loss(D, target, self.margin, self.mining)


class PairNet(nn.Module):
    """Embeds both members of pairs ``(n, 2, ...)`` with one shared network."""

    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, pairs):
        n = pairs.shape[0]
        z = self.embedding(pairs.reshape(2 * n, *pairs.shape[2:]))
        return z.view(n, 2, -1)
