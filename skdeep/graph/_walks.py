"""Random-walk engine: first- and second-order (node2vec) walks over CSR arrays."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

# Design notes
# ------------
# * The graph is a CSR adjacency (``indptr``, sorted ``indices``, optional
#   per-row cumulative ``cumweights``): memory is O(edges). Weighted first-order
#   steps draw from the row's cumulative weights by binary search (O(log deg)).
# * Second-order (node2vec) steps use rejection sampling instead of the paper's
#   per-edge alias tables: draw a candidate ``x`` from the first-order
#   distribution of the current node ``v`` (proportional to ``w_vx``), accept it
#   with probability ``alpha(t, x) / max(1/p, 1, 1/q)`` where ``alpha`` is
#   ``1/p`` if ``x`` is the previous node ``t``, ``1`` if ``x`` is a neighbour
#   of ``t`` (binary search in ``t``'s sorted row) and ``1/q`` otherwise. The
#   accepted ``x`` is distributed exactly as ``alpha(t, x) * w_vx``, the
#   node2vec transition. Per-edge alias tables would need sum_v deg(v)^2 entries
#   (369 million entries, ~4.4 GB, on BlogCatalog; see docs/graph.rst).
# * Every walk owns a counter-based random stream (splitmix64 seeded from the
#   user seed and the walk's index), so the walks are bitwise identical for
#   a given seed whatever the number of threads.
# * numba is imported lazily: ``import skdeep.graph`` works without it.

import sys
from contextlib import contextmanager
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from skdeep.graph._progress import chunk_bounds, silent

_KERNELS = {}


def _check_dependencies(modules=("numba", "gensim"), what="this graph embedder"):
    """Raise an ImportError naming the missing ``modules`` and the extra.

    ``what`` names the caller in the message ("DeepWalkEmbedder needs
    gensim: pip install 'skdeep[graph]'.").
    """
    missing = []
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        # the graph extra's modules, else the packages themselves (a plugin's)
        extra = set(missing) <= {"numba", "gensim", "networkx"}
        install = "'skdeep[graph]'" if extra else " ".join(missing)
        raise ImportError(
            f"{what} needs {' and '.join(missing)}: pip install {install}."
        )


def _primitives():
    """Compile (once, cached on disk by numba) the kernels' building blocks.

    Returns a dict: ``stream`` (the state of walk ``index``'s own random
    stream given the kernel's seed), ``uniform`` (one step of a splitmix64
    stream: ``(new state, float in [0, 1))``), ``first_order``
    (a neighbour of ``v`` drawn from the row's cumulative weights, or
    uniformly, given a uniform number) and ``has_edge`` (binary search in a
    sorted CSR row). The struc2vec walks use them too.
    """
    if "primitives" in _KERNELS:
        return _KERNELS["primitives"]
    from numba import njit

    golden = np.uint64(0x9E3779B97F4A7C15)
    m1 = np.uint64(0xBF58476D1CE4E5B9)
    m2 = np.uint64(0x94D049BB133111EB)
    s30, s27, s31, s11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
    inv53 = 1.0 / 9007199254740992.0

    @njit(inline="always", cache=True)
    def _mix(z):
        z = (z ^ (z >> s30)) * m1
        z = (z ^ (z >> s27)) * m2
        return z ^ (z >> s31)

    @njit(inline="always", cache=True)
    def _uniform(state):
        # splitmix64 step: returns (new state, float in [0, 1)).
        state = state + golden
        return state, np.float64(_mix(state) >> s11) * inv53

    @njit(inline="always", cache=True)
    def _stream(seed, index):
        # counter-based: walk ``index``'s stream depends on nothing else
        useed = _mix(np.uint64(seed) * golden + np.uint64(0x2545F4914F6CDD1D))
        return _mix(useed ^ (np.uint64(index) * m1))

    @njit(inline="always", cache=True)
    def _first_order(v, u, indptr, indices, cumweights, weighted):
        lo = indptr[v]
        hi = indptr[v + 1]
        if not weighted:
            k = lo + np.int64(u * (hi - lo))
            if k >= hi:
                k = hi - 1
            return indices[k]
        target = u * cumweights[hi - 1]
        # first k in [lo, hi) with cumweights[k] > target
        a = lo
        b = hi - 1
        while a < b:
            mid = (a + b) >> 1
            if cumweights[mid] > target:
                b = mid
            else:
                a = mid + 1
        return indices[a]

    @njit(inline="always", cache=True)
    def _has_edge(t, x, indptr, indices):
        a = indptr[t]
        b = indptr[t + 1]
        while a < b:
            mid = (a + b) >> 1
            val = indices[mid]
            if val == x:
                return True
            if val < x:
                a = mid + 1
            else:
                b = mid
        return False

    _KERNELS["primitives"] = dict(
        stream=_stream, uniform=_uniform, first_order=_first_order,
        has_edge=_has_edge,
    )
    return _KERNELS["primitives"]


def _compile():
    """Compile (once, cached on disk by numba) and return the walk kernel."""
    # The kernels reach their helpers as module globals, not closure cells:
    # numba keys its on-disk cache on the pickled closure, and a captured
    # dispatcher pickles differently in every process, so closure kernels
    # were compiled again in every process (about 5 s before a first fit).
    global prange, _stream, _uniform, _first_order, _has_edge
    if "walks" in _KERNELS:
        return _KERNELS["walks"]
    from numba import njit, prange

    primitives = _primitives()
    _stream = primitives["stream"]
    _uniform = primitives["uniform"]
    _first_order = primitives["first_order"]
    _has_edge = primitives["has_edge"]

    @njit(parallel=True, cache=True)
    def walks_kernel(
        indptr, indices, cumweights, weighted, starts, walk_length, inv_p, inv_q,
        seed, skip, offset, out,
    ):
        # Walk w writes row w of out (pre-filled with -1) from random stream
        # offset + w: walks run in chunks are the walks of a single run.
        n = starts.shape[0]
        first_order = inv_p == 1.0 and inv_q == 1.0
        envelope = max(1.0, inv_q)
        for w in prange(n):
            state = _stream(seed, offset + w)
            v = starts[w]
            out[w, 0] = v
            t = np.int64(-1)
            for step in range(1, walk_length * skip - skip + 1):
                if indptr[v + 1] == indptr[v]:
                    break  # dead end: the rest of the walk stays -1
                if first_order or t < 0:
                    state, u = _uniform(state)
                    x = _first_order(v, u, indptr, indices, cumweights, weighted)
                else:
                    # Rejection sampling under the envelope h * w_vx, with the
                    # return edge's excess mass (1/p - h) * w_vt folded out as
                    # its own region ("outlier folding", KnightKing, SOSP'19).
                    lo = indptr[v]
                    hi = indptr[v + 1]
                    if weighted:
                        total = cumweights[hi - 1]
                        w_vt = 0.0
                        if inv_p > envelope:
                            a = lo
                            b = hi
                            while a < b:
                                mid = (a + b) >> 1
                                if indices[mid] < t:
                                    a = mid + 1
                                else:
                                    b = mid
                            if a < hi and indices[a] == t:
                                prev = cumweights[a - 1] if a > lo else 0.0
                                w_vt = cumweights[a] - prev
                    else:
                        total = np.float64(hi - lo)
                        w_vt = 0.0
                        if inv_p > envelope and _has_edge(v, t, indptr, indices):
                            w_vt = 1.0
                    main = envelope * total
                    area = main
                    if inv_p > envelope:
                        area = main + (inv_p - envelope) * w_vt
                    while True:
                        state, u = _uniform(state)
                        u = u * area
                        if u >= main:
                            x = t
                            break
                        x = _first_order(
                            v, u / main, indptr, indices, cumweights, weighted
                        )
                        if x == t:
                            alpha = min(inv_p, envelope)
                        elif _has_edge(t, x, indptr, indices):
                            alpha = 1.0
                        else:
                            alpha = inv_q
                        state, r = _uniform(state)
                        if r * envelope < alpha:
                            break
                t = v
                v = x
                if step % skip == 0:
                    out[w, step // skip] = v

    _KERNELS["walks"] = walks_kernel
    return walks_kernel


def check_edge_weights(adjacency):
    """Refuse NaN, infinite or negative weights in a sparse adjacency.

    A NaN weight made every row stored after it step to its last neighbour
    (the cumulative weights turn NaN), and hid a negative weight from a
    ``min() < 0`` check.
    """
    data = adjacency.data
    if data.size and not np.isfinite(data).all():
        raise ValueError("The graph's edge weights contain NaN or infinity.")
    if data.size and data.min() < 0:
        raise ValueError(
            "Negative values in data passed to the graph: edge weights must be "
            "non-negative."
        )


def row_normalized_cumsum(indptr, data):
    """Cumulative sums of each CSR row's weights over the row's total, in one
    float64 array: row ``i``'s run rises by 1 (about ``i + 1`` at its end).

    The neighbour draws read each row's run alone. A cumulative sum of the
    raw weights over the whole graph lost a row's weights to rounding where
    the rows before it weigh orders of magnitude more (after 1,000 edges of
    weight 1e9, a row of weights 3e-4, 7e-4 and 5e-4 drew its first
    neighbour 17% of the time instead of 20%); divided by their row's total,
    the weights before a row add up to its index, and a row keeps about
    ``1e-16 * i`` of absolute precision.
    """
    data = np.asarray(data, dtype=np.float64)
    counts = np.diff(indptr)
    row = np.repeat(np.arange(len(counts)), counts)
    totals = np.bincount(row, weights=data, minlength=len(counts))
    return np.cumsum(data / np.where(totals > 0, totals, 1.0)[row])


class CSRGraph:
    """A graph as CSR arrays ready for the walk kernel (memory O(edges)).

    Parameters
    ----------
    adjacency : scipy.sparse matrix of shape (n_nodes, n_nodes)
        Non-negative edge weights; row ``i`` holds the out-edges of node ``i``.
    weighted : bool, default=True
        Draw neighbours proportionally to the edge weights. When ``False`` (or
        when all weights are equal) neighbours are drawn uniformly.
    """

    def __init__(self, adjacency, *, weighted=True):
        A = sp.csr_matrix(adjacency, dtype=np.float64, copy=True)
        A.eliminate_zeros()
        A.sum_duplicates()
        A.sort_indices()
        check_edge_weights(A)
        self.n_nodes = A.shape[0]
        self.indptr = A.indptr.astype(np.int64)
        self.indices = A.indices.astype(np.int32)
        self.weighted = bool(
            weighted and A.nnz and not np.all(A.data == A.data[0])
        )
        if self.weighted:
            cum = row_normalized_cumsum(self.indptr, A.data)
            row_start = np.repeat(cum[self.indptr[:-1] - 1] * (self.indptr[:-1] > 0),
                                  np.diff(self.indptr))
            self.cumweights = cum - row_start
        else:
            self.cumweights = np.zeros(1, dtype=np.float64)

    @property
    def degrees(self):
        return np.diff(self.indptr)


def random_walks(
    graph, *, n_walks=10, walk_length=80, p=1.0, q=1.0, skip=1, start_nodes=None,
    random_state=0, n_jobs=None, progress=None,
):
    """Simulate truncated random walks (node2vec when ``p`` or ``q`` differ from 1).

    Parameters
    ----------
    graph : CSRGraph, networkx graph or adjacency of shape (n_nodes, n_nodes)
        The graph (an adjacency: scipy.sparse or dense; a networkx graph's
        nodes are numbered in ``G.nodes()`` order, or by label where they
        are the integers ``0 .. n-1``).
    n_walks : int, default=10
        Walks started from every start node.
    walk_length : int, default=80
        Nodes per walk, the start node included.
    p, q : float, default=1.0
        node2vec's return and in-out parameters. ``p = q = 1`` gives DeepWalk's
        uniform (or weight-proportional) first-order walks.
    skip : int, default=1
        Keep every ``skip``-th node of a walk ``skip * (walk_length - 1) + 1``
        steps long (Walklets' skip walks from a single start).
    start_nodes : array-like of int, default=None
        Nodes to start from; all nodes by default.
    random_state : int, RandomState instance or None, default=0
        Seed. Walks are bitwise identical for a given int, whatever ``n_jobs``.
    n_jobs : int, default=None
        Threads; ``None`` means 1 and ``-1`` all cores.
    progress : skdeep.graph._progress.Progress, default=None
        If given and active, the walks run in about ten chunks and each
        prints the walks done so far (same walks as in one run).

    Returns
    -------
    walks : ndarray of shape (n_walks * n_starts, walk_length), dtype int32
        Pass ``r`` visits the start nodes in a seeded random order. A walk
        that reaches a node without out-edges stops; its remaining entries
        are ``-1``.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from skdeep.graph import random_walks
    >>> path = sp.diags([1.0, 1.0], [-1, 1], shape=(4, 4), format="csr")
    >>> walks = random_walks(path, n_walks=2, walk_length=5, random_state=0)
    >>> walks.shape, walks.dtype.name
    ((8, 5), 'int32')
    >>> bool((abs(walks[:, 1:] - walks[:, :-1]) == 1).all())  # along the path
    True
    """
    # a bare "No module named 'numba'" would come from deep inside
    _check_dependencies(("numba",), "random_walks")
    if not isinstance(graph, CSRGraph):
        from skdeep.graph._graph_input import to_adjacency

        graph = CSRGraph(to_adjacency(graph, "adjacency")[0])  # square
    elif graph.indices.size and graph.indices.max() >= graph.n_nodes:
        raise ValueError("The graph's edges lead outside its rows: random walks "
                         "need a square adjacency.")
    # the numba kernel has no bounds checks: bad counts or start nodes would
    # read and write outside its arrays
    for name, value in (("n_walks", n_walks), ("walk_length", walk_length),
                        ("skip", skip)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}.")
    if not p > 0 or not q > 0:
        raise ValueError(f"p and q must be positive, got p={p}, q={q}.")
    # the kernel reads 1/p and 1/q: an infinite one (p below ~5.6e-309)
    # reversed the bias, or made a NaN index that read outside the graph
    if not (np.isfinite(1.0 / float(p)) and np.isfinite(1.0 / float(q))):
        raise ValueError(
            f"p and q must be at least about 1e-308 (their reciprocals weigh "
            f"the steps and must be finite), got p={p}, q={q}."
        )
    if start_nodes is not None:
        start_nodes = np.asarray(start_nodes)
        if (start_nodes.ndim != 1 or start_nodes.dtype.kind not in "iu"
                or start_nodes.size == 0 or start_nodes.min() < 0
                or start_nodes.max() >= graph.n_nodes):
            raise ValueError(
                f"start_nodes must be a non-empty 1-D array of node ids in "
                f"[0, {graph.n_nodes}); got {start_nodes!r}."
            )
    if not isinstance(random_state, Integral):
        random_state = check_random_state(random_state).randint(2**31 - 1)
    kernel = _compile()
    order, seed = start_order(graph.n_nodes, n_walks, random_state, start_nodes)
    progress = silent(progress)
    out = np.full((len(order), int(walk_length)), -1, dtype=np.int32)
    bounds = chunk_bounds(len(order), progress)
    with numba_threads(n_jobs):
        for a, b in zip(bounds[:-1], bounds[1:]):
            kernel(
                graph.indptr, graph.indices, graph.cumweights, graph.weighted,
                order[a:b], int(walk_length), 1.0 / float(p), 1.0 / float(q),
                seed, int(skip), int(a), out[a:b],
            )
            progress(f"walks {b}/{len(order)}")
    return out


def start_order(n_nodes, n_walks, random_state, start_nodes=None):
    """Walk start nodes, pass by pass, and the walk kernel's seed.

    Pass ``r`` visits the start nodes (all nodes by default) in a random order
    drawn from ``random_state`` (an int); returns ``(starts, seed)``, an int32
    array of ``n_walks * n_starts`` nodes and an int.
    """
    starts = (
        np.arange(n_nodes, dtype=np.int32)
        if start_nodes is None
        else np.asarray(start_nodes, dtype=np.int32)
    )
    rng = np.random.RandomState(int(random_state) % (2**32))
    order = np.concatenate([rng.permutation(starts) for _ in range(n_walks)])
    seed = int(rng.randint(np.iinfo(np.int32).max))
    return order.astype(np.int32), seed


@contextmanager
def numba_threads(n_jobs):
    """Run numba's parallel kernels on ``n_jobs`` threads (joblib's meaning:
    ``None`` is 1, ``-1`` all cores), restoring the previous count after."""
    import numba
    from joblib import effective_n_jobs

    # numba's OpenMP pool shares libgomp with torch: starting it (on the first
    # numba thread call) sets torch's thread count to numba's (all cores),
    # slowing every later torch model; read torch's count before it
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    threads = min(effective_n_jobs(n_jobs), numba.config.NUMBA_NUM_THREADS)
    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, threads))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
        if torch_threads is not None:
            torch.set_num_threads(torch_threads)
