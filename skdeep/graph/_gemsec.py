"""GEMSEC: node embeddings and cluster centres learned together from random walks."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

# Design notes
# ------------
# * Facts from the paper (Rozemberczki et al., ASONAM 2019) and its reference
#   code (benedekrozemberczki/GEMSEC, src/layers.py, src/model.py,
#   src/calculation_helper.py, src/param_parser.py); the code here is our own.
#   Reference defaults: 16 dimensions, 5 walks of 80 nodes per node, window
#   5, 10 negative samples drawn from the walk frequencies ^ 0.75, 20
#   clusters, Adam with a polynomial (power 1) decay of the learning rate
#   from 0.01 to 0.001 over the whole run, the clustering weight gamma raised
#   from 0.1 towards 0.5, smoothness lambda = 2^-4 with the Jaccard overlap
#   of the two end nodes' neighbourhoods as edge weight. Embeddings start
#   uniform in +-0.1/d, cluster centres too, context vectors truncated-normal
#   with std 1/sqrt(d); every embedding is read through a unit-norm clip
#   (``embedding_lookup(..., max_norm=1)``); both the clustering and the
#   smoothness terms use the Euclidean distance itself, not its square.
# * The reference code's gamma update, g <- g * 10^(-log10(g0)/T) * (g1 - g0)
#   + g0, settles near g0 / (1 - (g1 - g0)) ~ 0.17 after a few steps instead
#   of reaching g1; we anneal geometrically from g0 to g1 over the run, as
#   the paper describes. The reference regulariser indexes the rows of the
#   window-repeated centre batch instead of the walk's nodes; we use the
#   walk's own consecutive nodes (the paper's intent).
# * Skip-gram here uses negative sampling (logistic loss on the positive
#   pair and on ``negative`` noise nodes, no biases) where the reference code
#   uses TensorFlow's sampled softmax; the window is symmetric (word2vec's),
#   so a pair (u, v) is trained in both directions.
# * Training takes skdeep's torch road: the rows of the training tensor are
#   whole walks; a batch of walks becomes all its (centre, context) pairs,
#   its walk positions (clustering term) and its consecutive-node steps
#   (smoothness term) by tensor slicing, with no Python loop over pairs, on
#   the device the user chose. The reference code trains one walk per Adam
#   step; batches of walks take fewer, larger steps (see ``batch_size``).
# * Warm-up (our addition, ``warmup``): skip-gram alone for the first 40% of
#   the steps, then k-means places the centres, then gamma's schedule. With
#   the reference code's random centres near the origin, all nodes went to
#   one or a few centres (the embeddings share a large common direction).
# * Defaults chosen on generated planted-partition graphs, never on the
#   benchmark's graphs: 10 blocks of 100 nodes (``planted_partition`` of
#   tests/graph/_graph_data.py, seed 1), 10 clusters, one thread; adjusted
#   Rand index (ARI) against the blocks.
#   - p_in/p_out 0.1/0.005, batches of 64, lr 0.01 -> 0.001, no warm-up:
#     ARI 0.00 (one cluster); lr 0.05: 0.00; batches of 16: 0.10. With the
#     warm-up: lr 0.01: 0.76, lr 0.05: 0.998 (warm-up 0.2: 0.991; gamma 0:
#     1.000).
#   - p_in/p_out 0.08/0.004 (harder), seed 0 unless said: batches of 8 with
#     lr 0.01/0.02/0.05: 0.85/0.85/0.84; 16 with lr 0.05/0.1: 0.85/0.98; 32
#     with lr 0.1/0.2: 0.84/0.98 (seed 1: 0.98); 64 with lr 0.3: 0.88
#     (seed 1: 0.65). Chosen: 32 walks per batch, lr 0.2, 5 epochs. At that
#     setting (seed 1): gamma 0: 0.98, smoothness 0: 0.97, warm-up 0: 0.23
#     (3 of 10 centres used).
#   - p_in/p_out 0.06/0.01 (near the detection limit), lr 0.05/0.1, batches
#     of 64: 0.15/0.34; gamma 0: 0.23; smoothness 0: 0.08.

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from skorch.callbacks import Callback
from torch import nn

from skdeep.graph._embedders import (
    _GRAPH_DOC,
    INPUT_FORMAT_PARAM_DOC,
    BaseNodeEmbedder,
    NodeClustererMixin,
)
from skdeep.graph._walks import CSRGraph, numba_threads, random_walks
from skdeep.utils._sklearn import Interval
from skdeep.utils._torch import gather_rows, resolve_device
from skdeep.utils._training import BaseTorchEstimator, store_init_params

_KERNELS = {}

# The learning rate decays linearly to this fraction of ``lr`` (the reference
# code: 0.01 -> 0.001).
_FINAL_LR_FRACTION = 0.1
# Added under the square roots of the distances: their gradient at zero
# distance (a node on its centre, a walk step u -> u) stays finite. The
# reference code adds uniform noise of 1e-8 to the differences instead.
_EPS = 1e-12
# Lloyd iterations of the k-means that places the centres after the warm-up.
_KMEANS_ITER = 20


# -- the graph side: neighbourhood overlaps and noise distribution ---------------


def _overlap_kernel():
    """Compile (once, cached on disk by numba) the Jaccard kernel."""
    if "jaccard" in _KERNELS:
        return _KERNELS["jaccard"]
    from numba import njit, prange

    @njit(parallel=True, cache=True)
    def jaccard(indptr, indices):
        out = np.empty(indices.shape[0], dtype=np.float32)
        for u in prange(indptr.shape[0] - 1):
            a0, a1 = indptr[u], indptr[u + 1]
            for e in range(a0, a1):
                v = indices[e]
                b0, b1 = indptr[v], indptr[v + 1]
                i, j, common = a0, b0, 0
                while i < a1 and j < b1:  # merge of two sorted rows
                    x, y = indices[i], indices[j]
                    if x == y:
                        common += 1
                        i += 1
                        j += 1
                    elif x < y:
                        i += 1
                    else:
                        j += 1
                out[e] = common / ((a1 - a0) + (b1 - b0) - common)
        return out

    _KERNELS["jaccard"] = jaccard
    return jaccard


def neighbourhood_overlap(adjacency, n_jobs=None):
    """The Jaccard overlap of the neighbourhoods of each edge's two ends.

    ``w_uv = |N(u) & N(v)| / |N(u) | N(v)|`` with ``N`` the neighbours in the
    undirected, unweighted pattern of ``A + A.T`` (a self-loop puts a node in
    its own neighbourhood), the reference code's ``normalized_overlap``.
    Computed on ``n_jobs`` numba threads (joblib's meaning: None is 1).

    Returns
    -------
    pattern : scipy.sparse.csr_matrix
        The undirected pattern, indices sorted; ``pattern.data`` holds
        ``w_uv`` for each of its entries (float32).
    """
    A = sp.csr_matrix(adjacency)
    pattern = (A + A.T).tocsr()
    pattern.eliminate_zeros()
    pattern.sum_duplicates()
    pattern.sort_indices()
    indptr = pattern.indptr.astype(np.int64)
    indices = pattern.indices.astype(np.int32)
    kernel = _overlap_kernel()
    with numba_threads(n_jobs):  # (it ran on every core whatever n_jobs said)
        weights = kernel(indptr, indices)
    return sp.csr_matrix((weights, indices, indptr), shape=pattern.shape)


class WalkGraph:
    """What a training step needs of the graph, as tensors on the device.

    Parameters
    ----------
    adjacency : scipy.sparse matrix
        The graph the walks ran on.
    walks : ndarray of shape (n_walks, walk_length)
        The walks (``-1`` after a dead end); their node counts give the
        noise distribution ``count ^ 0.75`` (the reference code's unigram
        sampler with distortion 0.75).
    device : torch.device
    n_jobs : int or None, default=None
        numba threads of the neighbourhood overlaps (None is 1).
    """

    def __init__(self, adjacency, walks, device, n_jobs=None):
        n = adjacency.shape[0]
        self.n_nodes = n
        self.device = torch.device(device)
        counts = np.bincount(walks[walks >= 0].ravel(), minlength=n)
        noise = np.cumsum(counts.astype(np.float64) ** 0.75)
        self.noise_cdf = torch.from_numpy(noise / noise[-1]).to(self.device)
        overlap = neighbourhood_overlap(adjacency, n_jobs)
        # Edge (u, v) is entry ``u * n + v`` of a sorted key list: a walk
        # step finds its weight by binary search, on the device.
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(overlap.indptr))
        keys = rows * n + overlap.indices.astype(np.int64)
        self.edge_keys = torch.from_numpy(keys).to(self.device)
        self.edge_weights = torch.from_numpy(overlap.data).to(self.device)

    def sample_noise(self, shape):
        """Nodes drawn from the noise distribution (torch's RNG)."""
        u = torch.rand(shape, dtype=torch.float64, device=self.device)
        nodes = torch.searchsorted(self.noise_cdf, u, right=True)
        return nodes.clamp_(max=self.n_nodes - 1)

    def overlap(self, u, v):
        """``w_uv`` of the walk steps ``u -> v`` (0 for a pair that is no edge)."""
        if len(self.edge_keys) == 0 or len(u) == 0:
            return torch.zeros(len(u), device=self.device)
        keys = u * self.n_nodes + v
        last = len(self.edge_keys) - 1
        pos = torch.searchsorted(self.edge_keys, keys).clamp_(max=last)
        found = self.edge_keys[pos] == keys
        return torch.where(found, self.edge_weights[pos], 0.0)


def window_pairs(valid, window):
    """The skip-gram pairs of a batch of walks, by offset.

    Position ``i`` of a walk is paired with every position ``j``, ``0 < |i -
    j| <= window``, both ends valid (not the ``-1`` padding after a dead
    end), in both directions. Yields ``(k, mask)`` for each offset ``k``:
    ``mask[r, i]`` says whether positions ``i`` and ``i + k`` of walk ``r``
    make a pair.
    """
    for k in range(1, min(window, valid.shape[1] - 1) + 1):
        yield k, valid[:, :-k] & valid[:, k:]


def unit_ball(x):
    """Rows of ``x`` longer than 1 scaled to length 1 (the reference code's
    ``max_norm=1`` lookups); shorter rows unchanged. Differentiable."""
    norm = x.square().sum(-1, keepdim=True).add(_EPS).sqrt()
    return x / norm.clamp(min=1.0)


def _distance(a, b):
    return (a - b).square().sum(-1).add(_EPS).sqrt()


# -- plain torch: the model and the loss -----------------------------------------


class GEMSECModule(nn.Module):
    """GEMSEC's parameters: node embeddings, context vectors, cluster centres.

    ``forward(walks)`` builds the batch's skip-gram pairs (with ``negative``
    noise nodes each), positions and walk steps, and returns the pieces of
    :class:`GEMSECLoss`: positive and negative logits, each position's
    distance to its nearest centre, each step's weighted distance and the
    number of walks. The graph is read from the attribute ``graph`` (a
    :class:`WalkGraph`), which the estimator sets for training and which is
    never part of the state.
    """

    graph = None

    def __init__(self, n_nodes, dimensions, n_clusters, window, negative):
        super().__init__()
        self.window = window
        self.negative = negative
        scale = 0.1 / dimensions
        self.embedding = nn.Parameter(
            torch.empty(n_nodes, dimensions).uniform_(-scale, scale))
        self.context = nn.Parameter(
            nn.init.trunc_normal_(torch.empty(n_nodes, dimensions),
                                  std=dimensions ** -0.5,
                                  a=-2 * dimensions ** -0.5,
                                  b=2 * dimensions ** -0.5))
        self.centers = nn.Parameter(
            torch.empty(n_clusters, dimensions).uniform_(-scale, scale))

    def embed(self, nodes):
        return unit_ball(gather_rows(self.embedding, nodes))

    def forward(self, walks, noise=None):
        """The loss's pieces for a batch of walks (``noise``: the noise nodes
        of each position, ``(n_walks, walk_length, negative)``, else drawn)."""
        valid = walks >= 0
        nodes = walks.long().clamp(min=0)
        f = self.embed(nodes)
        g = gather_rows(self.context, nodes)
        # Positive pairs, offset by offset: (i, i + k) and (i + k, i).
        positive, n_contexts = [], torch.zeros(valid.shape, device=f.device)
        for k, pair in window_pairs(valid, self.window):
            positive += [(f[:, :-k] * g[:, k:]).sum(-1)[pair],
                         (f[:, k:] * g[:, :-k]).sum(-1)[pair]]
            n_contexts[:, :-k] += pair
            n_contexts[:, k:] += pair
        positive = torch.cat(positive) if positive else f.new_zeros(0)
        # Negatives: ``negative`` noise nodes per position, shared by that
        # position's pairs (weighted by its number of contexts below), so the
        # expected loss per pair is skip-gram's with per-pair noise, at a
        # window-th of the cost.
        if noise is None:
            noise = self.graph.sample_noise((*walks.shape, self.negative))
        negative = torch.einsum("rld,rlkd->rlk", f, gather_rows(self.context, noise))
        f_valid = f[valid]
        with torch.no_grad():
            sq = (f_valid.square().sum(1, keepdim=True)
                  - 2 * f_valid @ self.centers.T + self.centers.square().sum(1))
            nearest_center = sq.argmin(1)
        nearest = _distance(f_valid, gather_rows(self.centers, nearest_center))
        step = valid[:, :-1] & valid[:, 1:]
        overlap = self.graph.overlap(nodes[:, :-1][step], nodes[:, 1:][step])
        smooth = overlap * _distance(f[:, :-1][step], f[:, 1:][step])
        return (positive, negative[valid], n_contexts[valid], nearest, smooth,
                len(walks))

    def __getstate__(self):
        state = super().__getstate__().copy()
        state.pop("graph", None)
        return state


def gemsec_loss_terms(positive, negative, n_contexts, nearest, smooth, n_walks):
    """The batch's three terms, before their weights.

    * skip-gram: the mean over pairs ``(u, v)`` of ``-log s(f_u . g_v) -
      sum_k log s(-f_u . g_k)`` (``s`` the logistic function, ``g`` the
      context vectors, ``k`` the noise nodes of ``u``'s position, counted
      once per pair of that position: ``n_contexts`` times);
    * clustering: the mean over walk positions of ``min_c ||f_u - mu_c||``;
    * smoothness: the sum over walk steps ``u -> v`` of ``w_uv ||f_u -
      f_v||``, per walk (the reference code's per-walk sum).
    """
    n_pairs = max(len(positive), 1)
    noise = (n_contexts * nn.functional.softplus(negative).sum(-1)).sum()
    skipgram = (nn.functional.softplus(-positive).sum() + noise) / n_pairs
    clustering = nearest.sum() / max(len(nearest), 1)
    smoothness = smooth.sum() / max(n_walks, 1)
    return skipgram, clustering, smoothness


class GEMSECLoss(nn.Module):
    """``skipgram + gamma * clustering + smoothness * regulariser`` of a batch
    (skorch criterion); ``gamma`` is set by the annealing callback."""

    def __init__(self, gamma, smoothness):
        super().__init__()
        self.gamma = gamma
        self.smoothness = smoothness

    def forward(self, outputs, target=None):
        skipgram, clustering, smoothness = gemsec_loss_terms(*outputs)
        loss = skipgram
        if self.gamma:
            loss = loss + self.gamma * clustering
        if self.smoothness:
            loss = loss + self.smoothness * smoothness
        return loss


def kmeans_centers(x, n_clusters, n_iter=_KMEANS_ITER):
    """k-means++ seeds refined by Lloyd iterations, in torch (its RNG).

    Returns ``(n_clusters, dimensions)`` centres; an emptied cluster keeps
    its previous centre.
    """
    n = len(x)
    centers = x[torch.randint(n, (1,), device=x.device)]
    closest = (x - centers[0]).square().sum(1)
    for _ in range(1, n_clusters):
        if float(closest.sum()) > 0:
            pick = torch.multinomial(closest, 1)
        else:  # fewer distinct points than clusters
            pick = torch.randint(n, (1,), device=x.device)
        centers = torch.cat([centers, x[pick]])
        closest = torch.minimum(closest, (x - x[pick]).square().sum(1))
    for _ in range(n_iter):
        labels = torch.cdist(x, centers).argmin(1)
        sums = torch.zeros_like(centers).index_add_(0, labels, x)
        counts = torch.bincount(labels, minlength=n_clusters).unsqueeze(1)
        centers = torch.where(counts > 0, sums / counts.clamp(min=1), centers)
    return centers


class _Annealing(Callback):
    """The schedules, per training step (``total_steps`` in all).

    The learning rate decays linearly from ``lr`` to ``lr * final_fraction``.
    With ``warmup_steps > 0``, the first steps train skip-gram alone (gamma
    0), then the centres are set by k-means on the embedding; gamma then
    grows geometrically from ``gamma0`` to ``gamma1`` (linearly when
    ``gamma0`` is 0) over the remaining steps.
    """

    def __init__(self, lr, final_fraction, gamma0, gamma1, total_steps,
                 warmup_steps):
        self.lr = lr
        self.final_fraction = final_fraction
        self.gamma0 = gamma0
        self.gamma1 = gamma1
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps

    def initialize(self):
        self.step_ = 0
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            # one objective for every epoch's validation loss, the final
            # one: scored with the gamma of the epoch's last step, the
            # rising gamma made early epochs look best (early stopping
            # restored the weights of the warm-up, before k-means)
            net.criterion_.gamma = self.gamma1
            return
        step, warmup = self.step_, self.warmup_steps
        t = min(1.0, step / max(self.total_steps - 1, 1))
        lr = self.lr * (1.0 - (1.0 - self.final_fraction) * t)
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        if step < warmup:
            gamma = 0.0
        else:
            if step == warmup and warmup > 0:
                module = net.module_
                with torch.no_grad():
                    module.centers.copy_(kmeans_centers(
                        unit_ball(module.embedding), len(module.centers)))
            t = min(1.0, (step - warmup) / max(self.total_steps - warmup - 1, 1))
            gamma = annealed_gamma(self.gamma0, self.gamma1, t)
        net.criterion_.gamma = gamma
        self.step_ += 1


def annealed_gamma(gamma0, gamma1, t):
    """Gamma at progress ``t`` in [0, 1]: geometric from ``gamma0`` to ``gamma1``."""
    if gamma0 > 0 and gamma1 > 0:
        return gamma0 * (gamma1 / gamma0) ** t
    return gamma0 + (gamma1 - gamma0) * t


def _check_gamma(gamma):
    if isinstance(gamma, Real) and not isinstance(gamma, bool):
        values = (float(gamma), float(gamma))
    else:
        values = tuple(gamma) if isinstance(gamma, (tuple, list)) else ()
        if len(values) != 2 or not all(
            isinstance(g, Real) and not isinstance(g, bool) for g in values
        ):
            raise ValueError(
                "gamma must be a non-negative number or a pair (initial, final) "
                f"of them; got {gamma!r}."
            )
    values = tuple(float(g) for g in values)
    if not all(np.isfinite(g) and g >= 0 for g in values):
        raise ValueError(f"gamma must be non-negative and finite; got {gamma!r}.")
    return values


# -- the estimator ---------------------------------------------------------------


class GEMSECEmbedder(NodeClustererMixin, BaseNodeEmbedder, BaseTorchEstimator):
    __doc__ = """GEMSEC: graph embedding with self clustering (Rozemberczki et al.).

    Learns a node embedding and ``n_clusters`` cluster centres in the same
    space, at the same time, by minimising

    ``L = skip-gram(walks) + gamma * sum_v min_c ||f(v) - mu_c||
    + smoothness * sum_(u,v) w_uv ||f(u) - f(v)||``

    * skip-gram with negative sampling over the (centre, context) pairs of
      DeepWalk random walks (``n_walks`` walks of ``walk_length`` nodes from
      every node, pairs up to ``window`` apart, ``negative`` noise nodes per
      pair drawn from the walk frequencies to the power 0.75);
    * a k-means-like cost: each node's distance to its nearest centre (the
      centres are parameters trained with the embedding); ``gamma`` grows
      during training, so the embedding first learns the graph and is then
      pulled into clusters;
    * a smoothness regulariser over the walks' consecutive nodes ``u -> v``
      (edges of the graph), weighted by the Jaccard overlap ``w_uv`` of
      their neighbourhoods: linked nodes with many common neighbours are
      kept close (the paper's "GEMSEC with regularization"; ``smoothness=0``
      gives plain GEMSEC).

    ``labels_`` is each node's nearest centre: the embedder is also a
    clusterer of the graph's nodes (``fit_predict``). Embeddings are kept in
    the unit ball (the reference code's ``max_norm=1`` lookups).

    Training takes skdeep's shared torch road (skorch: ``max_epochs``,
    ``batch_size``, ``lr``, ``optimizer``, ``device``, ``random_state``,
    ``verbose``, ``callbacks``). The walks are simulated once (numba); an
    epoch is a pass over them in batches of ``batch_size`` walks, each
    batch turned into its skip-gram pairs, positions and steps by tensor
    slicing on the chosen device. The learning rate decays linearly from
    ``lr`` to ``lr / 10`` over the run and gamma grows geometrically from
    its initial to its final value, step by step (the reference code's
    schedules).

    {graph_doc}

    Parameters
    ----------
    dimensions : int, default=16
        Size of each node's embedding (the reference code's default).

    graph : scipy.sparse matrix, ndarray or networkx graph, default=None
        A fixed graph; ``X`` is then a column of node ids. See above.

{input_format_doc}

    n_clusters : int, default=20
        Number of cluster centres (the reference code's default). Some may
        end up with no node.

    gamma : float or (float, float), default=(0.1, 0.5)
        Weight of the clustering cost. A pair ``(initial, final)`` is
        annealed geometrically over the run (the paper's schedule, the
        reference code's 0.1 and 0.5); a number is kept constant. 0 turns
        the clustering cost off: the centres then stay where the k-means of
        the warm-up put them (DeepWalk followed by k-means on a partly
        trained embedding), and ``labels_`` still picks the nearest one.

    smoothness : float, default=0.0625
        Weight ``lambda`` of the smoothness regulariser (the reference
        code's 2^-4); 0 disables it.

    warmup : float in [0, 1), default=0.4
        Share of the training steps that train skip-gram alone; at its end
        the centres are placed by k-means (k-means++ seeds and 20 Lloyd
        iterations, in torch, seeded) on the embedding, and gamma's
        schedule runs over the remaining steps. ``warmup=0`` is the
        reference code: centres drawn at random near the origin and the
        clustering cost on from the first step. The skip-gram embeddings
        share a large common direction (their mean has a norm close to 1
        in the unit ball), so centres near the origin all look alike and
        one of them tends to take every node: on the planted-partition
        tuning graph (see the module's notes) ``warmup=0`` used 3 of 10
        centres (adjusted Rand 0.23) where ``warmup=0.4`` found the ten
        blocks (0.98).

    walk_length : int, default=80
        Nodes per random walk.

    n_walks : int, default=5
        Walks started from every node.

    window : int, default=5
        Skip-gram context size (nodes on each side).

    negative : int, default=10
        Noise nodes per (centre, context) pair.

    weighted : bool, default=True
        Walks draw neighbours proportionally to the edge weights; ``False``
        ignores them. (The overlaps ``w_uv`` never use the weights.)

    n_jobs : int, default=None
        Threads for the walks (numba). ``None`` means 1, ``-1`` all cores.
        Walks do not depend on it.

    lr : float, default=0.2
        Initial learning rate, decayed linearly to ``lr / 10`` over the
        ``max_epochs`` passes. The reference code starts at 0.01 with one
        walk per Adam step; Adam moves each weight by about ``lr`` per
        step whatever the batch, so batches of walks (fewer steps) need a
        larger rate (see the module's notes for the numbers).

    max_epochs : int, default=5
        Passes over the walks. (The reference code makes one pass with one
        walk per step.)

    batch_size : int, default=32
        Walks per training step; a batch holds about ``2 * window *
        walk_length * batch_size`` skip-gram pairs. Smaller batches take
        more (cheaper) steps per epoch; larger ones need a larger ``lr``.

    optimizer : {{"adam", "adamw", "sgd", "rmsprop"}} or torch optimizer class, \
default="adam"
        The optimizer (the reference code's Adam).

    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the walks and stop when their
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs;
        the weights of the epoch with the lowest validation loss are
        restored. The validation loss is the final objective (with
        ``gamma``'s last value) in every epoch, and only epochs from the
        one of the k-means step on count (a warm-up epoch's centres are
        the random start).

    validation_fraction : float, default=0.1
        Share of the walks held out for early stopping.

    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.

    tol : float, default=1e-4
        Relative improvement of the validation loss that counts as progress.

    device : str or torch.device, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``. The walks and the
        graph's overlaps are moved there once per fit.

    random_state : int, RandomState instance or None, default=None
        Seeds the walks, the initial weights, the walk order and the noise
        draws; an int makes fits bitwise reproducible on the CPU and leaves
        the global random states untouched.

    verbose : int, default=0
        0 is silent; 1 shows a progress bar and a per-epoch table.

    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (not an ``LRScheduler``: the
        learning rate's annealing is part of the model); see the
        ``callbacks`` parameter of :class:`~skdeep.uncertainty.MCDropoutRegressor`.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, dimensions)
        One row per node (float64), of norm at most 1.

    cluster_centers_ : ndarray of shape (n_clusters, dimensions)
        The learned centres (float64).

    labels_ : ndarray of shape (n_nodes,)
        Each node's community: the index of its nearest centre.

    n_nodes_ : int
        Number of nodes of the graph.

    n_features_in_ : int
        ``n_nodes`` when the graph is ``X``, 1 (the node-id column) with
        ``graph=`` set.

    history_, n_iter_, loss_curve_, validation_scores_, net_ :
        The training record, as for every skdeep torch estimator
        (``validation_scores_`` only with early stopping: the validation loss
        of each epoch, lower is better).

    See Also
    --------
    DeepWalkEmbedder : The same walks and skip-gram without clustering.
    sklearn.cluster.KMeans : Clustering an embedding after the fact.

    References
    ----------
    B. Rozemberczki, R. Davies, R. Sarkar and C. Sutton, "GEMSEC: Graph
    Embedding with Self Clustering", ASONAM 2019.
    :doi:`10.1145/3341161.3342890`

    Examples
    --------
    >>> import networkx as nx
    >>> import numpy as np
    >>> from sklearn.metrics import adjusted_rand_score
    >>> from skdeep.graph import GEMSECEmbedder
    >>> G = nx.planted_partition_graph(3, 30, 0.3, 0.02, seed=0)
    >>> blocks = np.repeat([0, 1, 2], 30)
    >>> gemsec = GEMSECEmbedder(8, n_clusters=3, n_walks=4, walk_length=20,
    ...                         max_epochs=4, batch_size=16, random_state=0)
    >>> labels = gemsec.fit_predict(G)
    >>> gemsec.embedding_.shape, gemsec.cluster_centers_.shape
    ((90, 8), (3, 8))
    >>> adjusted_rand_score(blocks, labels) > 0.8
    True

    With ``graph=G`` set instead, ``X`` holds node ids: ``fit_predict``,
    ``predict`` and ``transform`` then return the rows of those nodes.
    """.format(graph_doc=_GRAPH_DOC.replace("\n", "\n    "),
               input_format_doc=INPUT_FORMAT_PARAM_DOC)

    _required_modules = ("numba",)

    _parameter_constraints: dict = {
        **{
            k: v for k, v in BaseNodeEmbedder._parameter_constraints.items()
            if k != "memory"
        },
        **BaseTorchEstimator._parameter_constraints,
        "dimensions": [Interval(Integral, 1, None, closed="left")],
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="left"), tuple, list],
        "smoothness": [Interval(Real, 0, None, closed="left")],
        "warmup": [Interval(Real, 0, 1, closed="left")],
        "walk_length": [Interval(Integral, 2, None, closed="left")],
        "n_walks": [Interval(Integral, 1, None, closed="left")],
        "window": [Interval(Integral, 1, None, closed="left")],
        "negative": [Interval(Integral, 1, None, closed="left")],
        "weighted": ["boolean"],
        "n_jobs": [None, Integral],
    }

    # BaseNodeEmbedder.fit caches through ``memory``; nothing here is worth
    # caching, so the (non-parameter) class attribute makes it a no-op cache.
    memory = None

    def __init__(
        self,
        dimensions=16,
        *,
        graph=None,
        input_format="auto",
        n_clusters=20,
        gamma=(0.1, 0.5),
        smoothness=0.0625,
        warmup=0.4,
        walk_length=80,
        n_walks=5,
        window=5,
        negative=10,
        weighted=True,
        n_jobs=None,
        lr=0.2,
        max_epochs=5,
        batch_size=32,
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

    def _embed(self, adjacency, seed, memory):
        self._gamma = _check_gamma(self.gamma)
        n = adjacency.shape[0]
        if self.n_clusters > n:
            raise ValueError(
                f"n_clusters={self.n_clusters} must be at most the number of "
                f"nodes, {n}."
            )
        if adjacency.nnz and not np.all(np.isfinite(adjacency.data)):
            raise ValueError("The graph's edge weights contain NaN or infinity.")
        self._device = resolve_device(self.device)
        self._seed = seed
        self.n_nodes_ = n
        walks = random_walks(
            CSRGraph(adjacency, weighted=self.weighted), n_walks=self.n_walks,
            walk_length=self.walk_length, random_state=seed, n_jobs=self.n_jobs,
            progress=self._progress(),
        )
        self._fit_graph_tensors = WalkGraph(adjacency, walks, self._device,
                                            n_jobs=self.n_jobs)
        n_train = len(walks)
        if self.early_stopping:
            n_train = len(walks) - int(np.ceil(self.validation_fraction * len(walks)))
        self._total_steps = self.max_epochs * -(-max(n_train, 1) // self.batch_size)
        try:
            walks = torch.from_numpy(walks)
            module = self._fit_module(walks, walks)
        finally:
            del self._fit_graph_tensors
            if hasattr(self, "net_"):
                vars(self.net_.module_).pop("graph", None)  # (class default)
        with torch.no_grad():
            # (in float64: scaled in float32, rows came out up to 7e-8 too long)
            embedding = unit_ball(module.embedding.double()).cpu()
            centers = module.centers.detach().to("cpu", torch.float64, copy=True)
        self.cluster_centers_ = centers.numpy()
        nearest = torch.cdist(embedding, centers).argmin(1)
        self.labels_ = nearest.numpy().astype(np.int64)
        return embedding.numpy()

    def _build_module(self):
        module = GEMSECModule(self.n_nodes_, self.dimensions, self.n_clusters,
                              self.window, self.negative)
        if hasattr(self, "_fit_graph_tensors"):
            module.graph = self._fit_graph_tensors
        return module

    def _criterion(self):
        return GEMSECLoss(self._gamma[0], float(self.smoothness))

    def _warmup_steps(self):
        return int(self.warmup * self._total_steps)

    def _first_early_stopping_epoch(self):
        # the epoch of the k-means step, the first whose centres are not the
        # random start (steps per epoch: _total_steps / max_epochs)
        warmup = self._warmup_steps()
        return warmup // (self._total_steps // self.max_epochs) + 1 if warmup else 1

    def _lr_scheduler(self):
        # Per step, not per epoch: the reference code's schedules span the
        # whole run.
        warmup = self._warmup_steps()
        return _Annealing(float(self.lr), _FINAL_LR_FRACTION, *self._gamma,
                          self._total_steps, warmup)



    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"dimensions": 2, "n_clusters": 2, "walk_length": 5, "n_walks": 1,
             "window": 2, "negative": 2, "max_epochs": 2, "batch_size": 8},
            {"dimensions": 3, "n_clusters": 1, "gamma": 0.2, "smoothness": 0.0,
             "walk_length": 4, "n_walks": 2, "window": 1, "negative": 1,
             "max_epochs": 1, "batch_size": 64},
        ]
