"""struc2vec: node embeddings from structural identity (Ribeiro et al., 2017)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

# Design notes
# ------------
# * Structure only: the graph is read as undirected and unweighted (the
#   pattern of A + A.T without self-loops). A node's degree is its number of
#   distinct neighbours; R_k(u), its ring at distance k, holds the nodes k hops
#   away.
# * Rings. One breadth-first search per node, cut at depth n_layers - 1,
#   compiled with numba and run in parallel blocks of nodes. Each block keeps
#   one "seen" array stamped with the current node (no clearing between
#   searches), so a search costs the size of its ball, not O(n). Every ring is
#   stored compressed (OPT1): its distinct degrees in increasing order with
#   their counts, the ordered degree sequence s(R_k(u)) as runs.
# * Distances. f_k(u, v) = f_{k-1}(u, v) + DTW(s(R_k(u)), s(R_k(v))) with the
#   cost d(a, b) = max(a, b) / min(a, b) - 1, multiplied by max(count_a,
#   count_b) on compressed runs (OPT1). f_k is defined while both nodes have a
#   ring k. DTW keeps two rows of the table (memory O(length)); a parallel
#   loop runs it over the candidate pairs.
# * Candidates (OPT2): every node is compared with the c nodes of closest
#   degree (c = ceil(2 log2 n) by default), a window of c + 1 consecutive
#   positions of the nodes sorted by degree, ties broken by a seeded random
#   permutation. The pairs are symmetrised, so a node has between c and 2c
#   partners and there are at most n * c pairs: the distances cost O(n log n)
#   DTWs instead of O(n^2).
# * Layers (OPT3): at most n_layers (default: up to the largest ring
#   distance, capped at _MAX_DEFAULT_LAYERS), so the searches stay local.
# * The multilayer context graph is one CSR matrix of n_layers * n rows (row
#   k * n + u holds u's partners in layer k) with weights exp(-f_k), shifted
#   per row by the row's smallest f (the same transition probabilities
#   without underflow). Walks reuse the node2vec engine's per-walk
#   counter-based random streams and weighted neighbour draws, so they are
#   bitwise identical for a seed whatever the number of threads.
# * numba is imported lazily: ``import skdeep.graph`` works without it.

from collections import namedtuple
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

from skdeep.graph._embedders import (
    _GRAPH_DOC,
    _NOT_CACHED,
    _BaseWalkEmbedder,
    _train_skipgram,
    common_params_doc,
)
from skdeep.graph._progress import silent
from skdeep.graph._walks import CSRGraph, _primitives, numba_threads, start_order
from skdeep.utils._sklearn import Interval

_MAX_DEFAULT_LAYERS = 5  # n_layers=None: rings up to distance 4 at most
# Entries (runs of a ring) buffered per chunk of nodes by the ring kernel.
_CHUNK_ENTRIES = 1 << 22

_KERNELS = {}

Rings = namedtuple("Rings", "degrees ptr run_degrees run_counts n_rings n_layers")
Rings.__doc__ = """Compressed ordered degree sequences of every node's rings.

Ring ``k`` of node ``u`` is the runs ``ptr[u * n_layers + k]`` to
``ptr[u * n_layers + k + 1]`` of ``run_degrees`` (increasing) and
``run_counts``; ``n_rings[u]`` rings are non-empty (distances 0 ...
``n_rings[u] - 1``)."""

ContextGraph = namedtuple("ContextGraph", "graph n_nodes n_layers n_rings up")
ContextGraph.__doc__ = """The multilayer graph: ``graph`` is a :class:`CSRGraph`
of ``n_layers * n_nodes`` rows (row ``k * n_nodes + u``: ``u``'s partners in
layer ``k``), ``up[k * n_nodes + u]`` the probability of moving up rather than
down from there."""


def _kernels():
    """Compile (once, cached on disk by numba) the struc2vec kernels."""
    # The kernels reach their helpers as module globals, not closure cells:
    # numba keys its on-disk cache on the pickled closure, and a captured
    # dispatcher pickles differently in every process, so closure kernels
    # were compiled again in every process (about 5 s before a first fit).
    global prange, _stream, _uniform, _first_order, cost, dtw, expand
    if _KERNELS:
        return _KERNELS
    from numba import njit, prange

    primitives = _primitives()
    _stream = primitives["stream"]
    _uniform = primitives["uniform"]
    _first_order = primitives["first_order"]

    @njit(parallel=True, cache=True)
    def rings(indptr, indices, rank, values, lo, hi, n_layers, cap, seen):
        # Compressed rings 0 ... n_layers - 1 of the nodes lo ... hi - 1.
        n = indptr.shape[0] - 1
        m = hi - lo
        n_blocks = seen.shape[0]
        out_degrees = np.empty((m, cap), dtype=np.int64)
        out_counts = np.empty((m, cap), dtype=np.int64)
        lengths = np.zeros((m, n_layers), dtype=np.int64)
        n_values = values.shape[0]
        for block in prange(n_blocks):
            mark = seen[block]
            queue = np.empty(n, dtype=np.int32)
            hist = np.zeros(n_values, dtype=np.int64)
            touched = np.empty(n_values, dtype=np.int64)
            for i in range(block, m, n_blocks):
                u = lo + i
                queue[0] = u
                mark[u] = u
                start = 0
                end = 1
                pos = 0
                for k in range(n_layers):
                    if end == start:
                        break
                    n_touched = 0
                    for q in range(start, end):
                        r = rank[queue[q]]
                        if hist[r] == 0:
                            touched[n_touched] = r
                            n_touched += 1
                        hist[r] += 1
                    # ranks increase with the degree: sorted ranks give the
                    # ordered degree sequence
                    ordered = np.sort(touched[:n_touched])
                    for t in range(n_touched):
                        r = ordered[t]
                        out_degrees[i, pos] = values[r]
                        out_counts[i, pos] = hist[r]
                        hist[r] = 0
                        pos += 1
                    lengths[i, k] = n_touched
                    if k + 1 < n_layers:
                        new_end = end
                        for q in range(start, end):
                            v = queue[q]
                            for e in range(indptr[v], indptr[v + 1]):
                                x = indices[e]
                                if mark[x] != u:
                                    mark[x] = u
                                    queue[new_end] = x
                                    new_end += 1
                        start = end
                        end = new_end
        return out_degrees, out_counts, lengths

    @njit(inline="always", cache=True)
    def cost(a, b):
        # max(a, b) / min(a, b) - 1; a degree 0 (an isolated node's ring 0)
        # counts as 1/2.
        if a == b:
            return 0.0
        high = max(a, b)
        low = max(min(a, b), 0.5)
        return high / low - 1.0

    @njit(cache=True)
    def dtw(a_degrees, a_counts, b_degrees, b_counts, prev, cur):
        # DTW between two run-length sequences; the cost of aligning two runs
        # is cost(degrees) * max(counts) (OPT1). Unit counts give plain DTW.
        # prev and cur are scratch rows of at least len(b) floats.
        la = a_degrees.shape[0]
        lb = b_degrees.shape[0]
        for i in range(la):
            for j in range(lb):
                c = cost(a_degrees[i], b_degrees[j]) * max(a_counts[i], b_counts[j])
                if i == 0:
                    best = 0.0 if j == 0 else cur[j - 1]
                elif j == 0:
                    best = prev[0]
                else:
                    best = min(prev[j], prev[j - 1], cur[j - 1])
                cur[j] = c + best
            prev, cur = cur, prev
        return prev[lb - 1]

    @njit(inline="always", cache=True)
    def expand(degrees, counts, a, b, out):
        # the runs a ... b - 1 as a plain sequence in out; returns its length
        length = 0
        for r in range(a, b):
            for _ in range(counts[r]):
                out[length] = degrees[r]
                length += 1
        return length

    @njit(parallel=True, cache=True)
    def distances(first, second, ptr, run_degrees, run_counts, n_rings, n_layers,
                  compress, max_length, n_blocks):
        # f_k(u, v) for every pair and layer; NaN where a node has no ring k.
        m = first.shape[0]
        out = np.full((m, n_layers), np.nan)
        for block in prange(n_blocks):
            prev = np.empty(max_length)
            cur = np.empty(max_length)
            plain_a = np.empty(max_length, dtype=np.int64)
            plain_b = np.empty(max_length, dtype=np.int64)
            ones = np.ones(max_length, dtype=np.int64)
            for p in range(block, m, n_blocks):
                u = first[p]
                v = second[p]
                f = 0.0
                for k in range(min(n_rings[u], n_rings[v])):
                    a0 = ptr[u * n_layers + k]
                    a1 = ptr[u * n_layers + k + 1]
                    b0 = ptr[v * n_layers + k]
                    b1 = ptr[v * n_layers + k + 1]
                    if compress:
                        d = dtw(run_degrees[a0:a1], run_counts[a0:a1],
                                run_degrees[b0:b1], run_counts[b0:b1], prev, cur)
                    else:
                        la = expand(run_degrees, run_counts, a0, a1, plain_a)
                        lb = expand(run_degrees, run_counts, b0, b1, plain_b)
                        d = dtw(plain_a[:la], ones[:la], plain_b[:lb], ones[:lb],
                                prev, cur)
                    f += d
                    out[p, k] = f
        return out

    @njit(parallel=True, cache=True)
    def walks(indptr, indices, cumweights, weighted, n_nodes, n_rings, up, starts,
              walk_length, stay, max_moves, seed):
        # Walks over the multilayer graph, all starting in layer 0. A step
        # stays in the layer with probability ``stay`` (moving to a partner
        # drawn by weight; the node is recorded), else moves up or down a
        # layer (same node, nothing recorded). A node with no partner in its
        # layer, or no layer to move to, does what it can; a walk that can
        # do neither stops (the rest stays -1).
        n = starts.shape[0]
        out = np.full((n, walk_length), -1, dtype=np.int32)
        for w in prange(n):
            state = _stream(seed, w)
            v = starts[w]
            out[w, 0] = v
            k = 0
            step = 1
            moves = 0
            while step < walk_length:
                row = k * n_nodes + v
                has_partners = indptr[row + 1] > indptr[row]
                can_up = k + 1 < n_rings[v]
                can_down = k > 0
                state, r = _uniform(state)
                if has_partners and (r < stay or not (can_up or can_down)
                                     or moves >= max_moves):
                    state, r = _uniform(state)
                    v = _first_order(row, r, indptr, indices, cumweights, weighted)
                    out[w, step] = v
                    step += 1
                    moves = 0
                elif (can_up or can_down) and moves < max_moves:
                    moves += 1
                    if can_up and can_down:
                        state, r = _uniform(state)
                        k = k + 1 if r < up[row] else k - 1
                    elif can_up:
                        k += 1
                    else:
                        k -= 1
                else:
                    break
        return out

    _KERNELS.update(rings=rings, dtw=dtw, distances=distances, walks=walks)
    return _KERNELS


def _n_blocks():
    """Blocks of work for the parallel kernels: a few per numba thread."""
    import numba

    return 4 * numba.get_num_threads()


def structure(adjacency):
    """The undirected, unweighted pattern of a graph without self-loops (CSR)."""
    A = sp.coo_matrix(adjacency)
    off = (A.row != A.col) & (A.data != 0)
    row, col = A.row[off], A.col[off]
    S = sp.csr_matrix(
        (np.ones(2 * row.size, dtype=np.int8), (np.r_[row, col], np.r_[col, row])),
        shape=A.shape,
    )
    S.sum_duplicates()
    S.data[:] = 1
    S.sort_indices()
    return S


def structural_rings(adjacency, n_layers, *, n_jobs=None):
    """Compressed ordered degree sequences of the rings at distance 0 ...
    ``n_layers - 1`` of every node (OPT1).

    Parameters
    ----------
    adjacency : scipy.sparse matrix of shape (n_nodes, n_nodes)
        The graph, read as undirected and unweighted (see :func:`structure`).
    n_layers : int
        Rings per node, at most.
    n_jobs : int, default=None
        numba threads (``None`` means 1, ``-1`` all cores).

    Returns
    -------
    rings : Rings
    """
    S = structure(adjacency)
    n = S.shape[0]
    indptr = S.indptr.astype(np.int64)
    indices = S.indices.astype(np.int32)
    degrees = np.diff(indptr)
    values, rank = np.unique(degrees, return_inverse=True)
    # a node's runs: at most one per distinct degree per ring, n in all
    cap = int(max(1, min(n, n_layers * len(values))))
    chunk = int(max(1, min(n, _CHUNK_ENTRIES // cap)))
    kernel = _kernels()["rings"]
    run_degrees, run_counts = [], []
    lengths = np.zeros((n, n_layers), dtype=np.int64)
    with numba_threads(n_jobs):
        seen = np.full((_n_blocks(), n), -1, dtype=np.int32)
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            deg, cnt, lens = kernel(indptr, indices, rank.astype(np.int64),
                                    values.astype(np.int64), lo, hi, n_layers, cap,
                                    seen)
            kept = np.arange(cap) < lens.sum(axis=1)[:, None]
            run_degrees.append(deg[kept])
            run_counts.append(cnt[kept])
            lengths[lo:hi] = lens
    ptr = np.zeros(n * n_layers + 1, dtype=np.int64)
    np.cumsum(lengths.ravel(), out=ptr[1:])
    return Rings(
        degrees=degrees, ptr=ptr, run_degrees=np.concatenate(run_degrees),
        run_counts=np.concatenate(run_counts),
        n_rings=(lengths > 0).sum(axis=1).astype(np.int64), n_layers=n_layers,
    )


def default_n_candidates(n_nodes):
    """OPT2's partners per node by default: ``ceil(2 log2 n)``, at most n - 1."""
    return int(min(max(n_nodes - 1, 0), np.ceil(2 * np.log2(max(n_nodes, 2)))))


def candidate_pairs(degrees, n_candidates, random_state):
    """Pairs whose structural distance is computed (OPT2), as ``(m, 2)`` ``u < v``.

    Node ``u`` is paired with the ``n_candidates`` nodes of closest degree
    (smallest total ``|d_v - d_u|``): a window of consecutive positions,
    centred on ``u`` where totals tie, in the nodes sorted by degree (ties in
    a random order drawn from ``random_state``, an int). The pairs are
    symmetrised and deduplicated.
    """
    degrees = np.asarray(degrees, dtype=np.int64)
    n = degrees.shape[0]
    c = int(min(n_candidates, n - 1))
    if c < 1:
        return np.empty((0, 2), dtype=np.int64)
    rng = np.random.RandomState(int(random_state) % (2**32))
    order = np.lexsort((rng.permutation(n), degrees))
    sorted_degrees = degrees[order]
    pos = np.arange(n)
    # windows [s, s + c] that hold pos: s in [lo, hi]
    lo = np.clip(pos - c, 0, n - 1 - c)
    hi = np.clip(pos, 0, n - 1 - c)
    starts = lo[:, None] + np.arange(c + 1)[None, :]
    valid = starts <= hi[:, None]
    starts = np.minimum(starts, hi[:, None])
    # the c nearest degrees are the window of smallest total distance
    # sum |d - d_u| (sorted values: the c nearest are consecutive); among
    # equal totals the most centred one. (The largest distance alone tied
    # windows that dropped a node of u's own degree for one further away.)
    # From prefix sums: below split, d < d_u.
    prefix = np.concatenate([[0], np.cumsum(sorted_degrees)])
    du = sorted_degrees[:, None]
    split = np.searchsorted(sorted_degrees, sorted_degrees, side="left")[:, None]
    stops = starts + c + 1
    mid = np.clip(split, starts, stops)
    total = (du * (mid - starts) - (prefix[mid] - prefix[starts])
             + (prefix[stops] - prefix[mid]) - du * (stops - mid))
    centring = np.abs(2 * starts + c - 2 * pos[:, None])
    key = np.where(valid, total * (2 * c + 2) + centring, np.iinfo(np.int64).max)
    best = starts[pos, np.argmin(key, axis=1)]
    window = best[:, None] + np.arange(c + 1)[None, :]
    mine = np.repeat(pos, c + 1).reshape(n, c + 1)
    keep = window != mine
    u = order[mine[keep]]
    v = order[window[keep]]
    first, second = np.minimum(u, v), np.maximum(u, v)
    codes = np.unique(first * n + second)
    return np.column_stack([codes // n, codes % n])


def structural_distances(rings, pairs, *, compress=True, n_jobs=None):
    """``f_k(u, v)`` for the pairs and layers ``k < rings.n_layers``.

    Returns an ``(n_pairs, n_layers)`` float64 array: the cumulative DTW
    distances of the pairs' ordered ring degree sequences, NaN from the first
    layer where one of the two nodes has no ring. ``compress=False`` runs DTW
    on the plain sequences (each node of a ring one element); ``True`` on the
    (degree, count) runs (OPT1).
    """
    if compress:
        lengths = np.diff(rings.ptr)  # runs per ring
    else:
        counted = np.r_[0, np.cumsum(rings.run_counts)]
        lengths = counted[rings.ptr[1:]] - counted[rings.ptr[:-1]]  # ring sizes
    max_length = int(lengths.max(initial=0))
    kernel = _kernels()["distances"]
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    with numba_threads(n_jobs):
        return kernel(
            pairs[:, 0].copy(), pairs[:, 1].copy(), rings.ptr, rings.run_degrees,
            rings.run_counts, rings.n_rings, rings.n_layers, bool(compress),
            max(max_length, 1), _n_blocks(),
        )


def dtw_distance(a, b, *, compress=True):
    """Struc2vec's DTW distance between two degree sequences (sorted first).

    With ``compress`` the sequences become (degree, count) runs and aligning
    two runs costs ``(max / min - 1) * max(counts)`` (OPT1); without, every
    element is its own run. Mostly for tests and exploration.
    """
    kernel = _kernels()["dtw"]
    runs = []
    for seq in (a, b):
        seq = np.sort(np.asarray(seq, dtype=np.int64))
        if seq.size == 0:
            raise ValueError("Degree sequences must not be empty.")
        if compress:
            values, counts = np.unique(seq, return_counts=True)
        else:
            values, counts = seq, np.ones_like(seq)
        runs.append((values, counts.astype(np.int64)))
    length = max(len(runs[1][0]), 1)
    return float(kernel(*runs[0], *runs[1], np.empty(length), np.empty(length)))


def context_graph(adjacency, *, n_layers=None, n_candidates=None, compress=True,
                  seed=0, n_jobs=None):
    """The struc2vec multilayer context graph of a graph.

    Parameters
    ----------
    adjacency : scipy.sparse matrix of shape (n_nodes, n_nodes)
    n_layers : int, default=None
        Layers at most (OPT3); ``None``: up to the largest ring distance, at
        most ``_MAX_DEFAULT_LAYERS``.
    n_candidates : int, default=None
        Partners per node (OPT2); ``None``: :func:`default_n_candidates`.
    compress : bool, default=True
        OPT1 (see :func:`structural_distances`).
    seed : int, default=0
        Breaks degree ties among the candidates.
    n_jobs : int, default=None
        numba threads.

    Returns
    -------
    context : ContextGraph
    """
    n = adjacency.shape[0]
    rings = structural_rings(
        adjacency, n_layers or _MAX_DEFAULT_LAYERS, n_jobs=n_jobs
    )
    # Layers beyond every node's last ring are empty: drop them.
    K = int(max(1, rings.n_rings.max(initial=1)))
    if n_candidates is None:
        n_candidates = default_n_candidates(n)
    pairs = candidate_pairs(rings.degrees, n_candidates, seed)
    f = structural_distances(rings, pairs, compress=compress, n_jobs=n_jobs)[:, :K]
    rows, cols, fs = [], [], []
    up = np.empty(K * n)
    for k in range(K):
        valid = ~np.isnan(f[:, k])
        u, v, fk = pairs[valid, 0], pairs[valid, 1], f[valid, k]
        w = np.exp(-fk)
        # Gamma_k(u): u's layer-k edges heavier than the layer's mean edge
        above = w > w.mean() * (1 + 1e-9) if w.size else w.astype(bool)
        gamma = np.bincount(u[above], minlength=n) + np.bincount(v[above],
                                                                  minlength=n)
        x = np.log(gamma + np.e)
        up[k * n:(k + 1) * n] = x / (x + 1)
        rows += [k * n + u, k * n + v]
        cols += [v, u]
        fs += [fk, fk]
    rows = np.concatenate(rows)
    fs = np.concatenate(fs)
    smallest = np.full(K * n, np.inf)
    np.minimum.at(smallest, rows, fs)
    layered = sp.csr_matrix(
        (np.exp(-(fs - smallest[rows])), (rows, np.concatenate(cols))),
        shape=(K * n, n),
    )
    return ContextGraph(
        graph=CSRGraph(layered, weighted=True), n_nodes=n, n_layers=K,
        n_rings=np.minimum(rings.n_rings, K), up=up,
    )


def struc2vec_walks(context, *, n_walks=10, walk_length=80, stay_probability=0.3,
                    random_state=0, n_jobs=None):
    """Walks over a :class:`ContextGraph`, starting in layer 0 at every node.

    Returns an ``(n_walks * n_nodes, walk_length)`` int32 array (pass ``r``
    visits the nodes in a seeded random order; walks that cannot go on end
    in -1), bitwise identical for a given seed whatever ``n_jobs``.
    """
    g = context.graph
    starts, seed = start_order(context.n_nodes, n_walks, random_state)
    kernel = _kernels()["walks"]
    with numba_threads(n_jobs):
        return kernel(
            g.indptr, g.indices, g.cumweights, g.weighted, context.n_nodes,
            context.n_rings, context.up, starts, int(walk_length),
            float(stay_probability), 16 * context.n_layers + 64, seed,
        )


def _struc2vec_walks(adjacency, structure_params, walk_params, n_jobs, progress=None):
    progress = silent(progress)
    progress("context graph (structural distances)...")
    context = context_graph(adjacency, **structure_params, n_jobs=n_jobs)
    progress(f"context graph of {context.n_layers} layers; walks...")
    walks = struc2vec_walks(context, **walk_params, n_jobs=n_jobs)
    return walks, context.n_layers


def _struc2vec_embedding(adjacency, structure_params, walk_params, sg_params,
                         n_jobs, workers, memory, progress=None):
    """Context graph and walks, then skip-gram (both cached through ``memory``)."""
    walks, n_layers = memory.cache(_struc2vec_walks, ignore=["n_jobs", "progress"])(
        adjacency, structure_params, walk_params, n_jobs, progress
    )
    if progress:
        progress(f"walks {len(walks)}/{len(walks)}")
    embedding = _train_skipgram(
        walks, adjacency.shape[0], sg_params, walk_params["random_state"], workers,
        progress,
    )
    return embedding, n_layers


def _params_doc():
    """The shared walk/skip-gram parameter text, adapted to struc2vec."""
    replaced = {
        "weighted": None,
        "n_jobs": (
            "    n_jobs : int, default=None\n"
            "        Threads for the rings, the structural distances and the walks\n"
            "        (numba). ``None`` means 1, ``-1`` all cores. Results do not\n"
            "        depend on it."
        ),
        "memory": (
            "    memory : str or joblib.Memory, default=None\n"
            "        Cache for the walks (context graph included) and embeddings:\n"
            "        fits that share the structural and walk parameters reuse\n"
            "        the walks. Only useful with an integer ``random_state``."
        ),
        "random_state": (
            "    random_state : int, RandomState instance or None, default=None\n"
            "        Seeds the tie-breaking among candidates of equal degree, the\n"
            "        walks and skip-gram."
        ),
    }
    return common_params_doc(replaced)


class Struc2VecEmbedder(_BaseWalkEmbedder):
    __doc__ = """struc2vec: node embeddings from structural identity.

    Nodes with similar neighbourhood structure get close vectors, however far
    apart they lie in the graph (Ribeiro, Saverese & Figueiredo, 2017). The
    structural distance of two nodes at scale ``k`` sums, over the rings at
    distance ``0 ... k``, the dynamic time warping (DTW) distance of the rings'
    ordered degree sequences, with cost ``max(a, b) / min(a, b) - 1``. A
    multilayer graph has one layer per scale, with edge weights
    ``exp(-f_k(u, v))``; walks stay in their layer with probability
    ``stay_probability`` or move up (weight ``log(Gamma_k(u) + e)``, where
    ``Gamma_k(u)`` counts ``u``'s layer-``k`` edges heavier than the layer's
    mean) or down (weight 1). Skip-gram with negative sampling on the walks
    gives the embedding (the paper used hierarchical softmax).

    The paper's three optimisations are built in: degree sequences are
    compressed to (degree, count) runs (OPT1, ``compress``), each node is
    compared only with the ``n_candidates`` nodes of closest degree (OPT2, about
    ``2 log2 n``), and the layers are limited (OPT3, ``n_layers``). The ring
    searches, DTW and walks are compiled with numba and run in parallel
    (``n_jobs``); with OPT2 the cost grows as ``n log n`` times the cost of a
    node's local searches, not as ``n^2``.

    The structure alone counts: the graph is read as undirected and
    unweighted (the pattern of ``A + A.T``, self-loops dropped).

    {graph_doc}

    Parameters
    ----------
    dimensions : int, default=128
        Size of each node's embedding.

    n_layers : int, default=None
        Layers of the multilayer graph (the paper's ``k* + 1``): rings up to
        distance ``n_layers - 1`` are compared. ``None`` takes every layer up
        to the largest ring distance of the graph, at most {max_layers}. Each
        layer costs a search one hop deeper, the whole graph once it reaches
        the diameter: keep it small on large small-world graphs.

    n_candidates : int, default=None
        Nodes of closest degree each node is compared with (OPT2); the pairs
        are symmetrised, so a node has ``n_candidates`` to
        ``2 * n_candidates`` partners per layer. ``None`` means
        ``ceil(2 * log2(n_nodes))``; ``n_nodes - 1`` or more compares all
        pairs (O(n^2), the paper without OPT2).

    compress : bool, default=True
        Compare (degree, count) runs (OPT1), aligning two runs at the cost
        ``(max / min - 1) * max(counts)``: faster, equal to DTW on the plain
        sequences when the best alignment pairs runs one to one (identical
        degree sets, for one), otherwise an upper bound of it (a run aligned
        with several runs is charged in full each time).

    stay_probability : float, default=0.3
        Probability that a walk step stays in its layer (the paper's ``q``).

    window : int, default=5
        Skip-gram context size (nodes on each side). Half of node2vec's
        default: a walk on the context graph jumps between structurally
        similar nodes anywhere in the graph, and near neighbours in a walk
        carry the signal.

{common}

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, dimensions)
        One row per node.

    n_layers_ : int
        Layers of the multilayer graph actually used.

    n_nodes_ : int
        Number of nodes of the graph.

    n_features_in_ : int
        ``n_nodes`` when the graph is ``X``, 1 (the node-id column) with
        ``graph=`` set.

    See Also
    --------
    Node2VecEmbedder : Embeddings of proximity (homophily) rather than role.

    Notes
    -----
    Time: one breadth-first search per node cut at depth ``n_layers - 1``
    (the size of the balls), ``O(n log n)`` DTWs per layer on compressed
    sequences (their length is at most the number of distinct degrees in a
    ring), then ``n * n_walks * walk_length`` walk steps (``O(log n)`` each)
    and skip-gram. Memory: the compressed rings (at most one run per distinct
    degree per ring) and ``O(n log n)`` weighted pairs per layer.

    References
    ----------
    Ribeiro, L. F. R., Saverese, P. H. P. and Figueiredo, D. R. "struc2vec:
    Learning Node Representations from Structural Identity", KDD 2017.
    :doi:`10.1145/3097983.3098061`

    Examples
    --------
    Two cliques joined by a path: nodes in the same position of either half
    have the same role.

    >>> import networkx as nx
    >>> from skdeep.graph import Struc2VecEmbedder
    >>> G = nx.barbell_graph(6, 4)
    >>> emb = Struc2VecEmbedder(8, walk_length=20, n_walks=5, sample=0,
    ...                         backend="numba", random_state=0)
    >>> emb.fit_transform(G).shape
    (16, 8)
    >>> emb.n_layers_
    5
    """.format(graph_doc=_GRAPH_DOC.replace("\n", "\n    "), common=_params_doc(),
               max_layers=_MAX_DEFAULT_LAYERS)

    _parameter_constraints: dict = {
        **{k: v for k, v in _BaseWalkEmbedder._parameter_constraints.items()
           if k != "weighted"},
        "n_layers": [None, Interval(Integral, 1, None, closed="left")],
        "n_candidates": [None, Interval(Integral, 1, None, closed="left")],
        "compress": ["boolean"],
        "stay_probability": [Interval(Real, 0, 1, closed="right")],
        "window": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        dimensions=128,
        *,
        n_layers=None,
        n_candidates=None,
        compress=True,
        stay_probability=0.3,
        window=5,
        graph=None,
        input_format="auto",
        walk_length=80,
        n_walks=10,
        epochs=1,
        negative=5,
        lr=0.025,
        sample=1e-3,
        memory=None,
        n_jobs=None,
        workers=1,
        backend="gensim",
        random_state=None,
        verbose=0,
    ):
        self.dimensions = dimensions
        self.n_layers = n_layers
        self.n_candidates = n_candidates
        self.compress = compress
        self.stay_probability = stay_probability
        self.window = window
        self.graph = graph
        self.input_format = input_format
        self.walk_length = walk_length
        self.n_walks = n_walks
        self.epochs = epochs
        self.negative = negative
        self.lr = lr
        self.sample = sample
        self.memory = memory
        self.n_jobs = n_jobs
        self.workers = workers
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    def _embed(self, adjacency, seed, memory):
        structure_params = dict(
            n_layers=self.n_layers, n_candidates=self.n_candidates,
            compress=bool(self.compress), seed=seed,
        )
        walk_params = dict(
            n_walks=self.n_walks, walk_length=self.walk_length,
            stay_probability=float(self.stay_probability), random_state=seed,
        )
        embed = memory.cache(_struc2vec_embedding, ignore=_NOT_CACHED)
        embedding, self.n_layers_ = embed(
            adjacency, structure_params, walk_params,
            self._skipgram_params(window=self.window), self.n_jobs, self.workers,
            memory, self._progress(),
        )
        return embedding

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"dimensions": 4, "walk_length": 5, "n_walks": 2, "window": 2,
             "n_layers": 2, "backend": "numba"},
            {"dimensions": 3, "walk_length": 6, "n_walks": 1, "window": 2,
             "n_candidates": 3, "compress": False, "stay_probability": 0.5},
        ]
