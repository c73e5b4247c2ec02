"""Diff2Vec: node embeddings from Euler tours of diffusion trees
(Rozemberczki & Sarkar, 2018)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

# Design notes
# ------------
# * The graph is read as undirected: the tour walks every tree edge both ways,
#   so the diffusion runs on max(A, A.T) without self-loops (a self-loop never
#   infects a new node). ``weighted=True`` draws the neighbour of the chosen
#   infected node proportionally to the edge weights (the paper's diffusion is
#   unweighted; on unweighted graphs the two agree).
# * One diffusion: pick an infected node uniformly, one of its neighbours
#   (uniformly or by weight); infect the neighbour with the tree edge if it is
#   new, else draw again. Drawing again can take long when the infected set
#   has few edges leading out (the last nodes of a small component, a weak
#   bridge): after as many failed draws in a row as the infected nodes have
#   edges, the kernel scans those edges and draws the new (node, neighbour)
#   pair exactly from the distribution the rejection loop would end with
#   (proportional to p(neighbour | node) over the edges leaving the set).
#   Rejection is memoryless, so the switch changes the time, not the result's
#   distribution; the cost per infection stays at most twice the scan's
#   (ski rental).
# * The cover of a node is capped at the size of its connected component
#   (karateclub's diffuser loops forever there; the reference code caps it,
#   per component), so an isolated node's sequence is the node alone.
# * Linearisation: the Euler tour of the doubled tree from the source is a
#   depth-first traversal that writes a node on the way down and its parent
#   on the way back, 2 * cover - 1 nodes, source first and last. Children are
#   visited in the order they were infected. (networkx's Eulerian circuit, as
#   used by karateclub, gives another depth-first order and leaves out the
#   final return to the source.)
# * Infected nodes are kept in a small open-addressing hash set per block of
#   work (2 * cover slots or more, stamped with the sequence's index, never
#   cleared): memory O(cover) per thread, not O(nodes). Output: one int32 row
#   of 2 * max_cover - 1 per (diffusion, node), right-padded with -1; with
#   the CSR graph, memory is O(edges + output).
# * Every sequence owns a counter-based random stream (the walk engine's
#   splitmix64), so sequences are bitwise identical for a seed whatever the
#   number of threads; the parallel loop runs over (diffusion, node) pairs.
# * numba is imported lazily: ``import skdeep.graph`` works without it.

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from skdeep.graph._embedders import (
    _GRAPH_DOC,
    _NOT_CACHED,
    _BaseWalkEmbedder,
    _train_skipgram,
    common_params_doc,
)
from skdeep.graph._graph_input import drop_self_loops
from skdeep.graph._walks import CSRGraph, _primitives, numba_threads, start_order
from skdeep.graph._word2vec import MAX_SEQUENCE_LENGTH
from skdeep.utils._sklearn import Interval

MAX_COVER = (MAX_SEQUENCE_LENGTH + 1) // 2  # tours of 2 * cover - 1 nodes

_KERNELS = {}


def _kernels():
    """Compile (once, cached on disk by numba) the diffusion kernel."""
    # The kernel reaches its helpers as module globals, not closure cells:
    # numba keys its on-disk cache on the pickled closure, and a captured
    # dispatcher pickles differently in every process, so a closure kernel
    # would be compiled again in every process.
    global prange, _stream, _uniform, _first_order, _contains, _add, _edge_mass
    if _KERNELS:
        return _KERNELS
    from numba import njit, prange

    primitives = _primitives()
    _stream = primitives["stream"]
    _uniform = primitives["uniform"]
    _first_order = primitives["first_order"]
    golden = np.uint64(0x9E3779B97F4A7C15)

    @njit(inline="always", cache=True)
    def _slot(x, shift):
        # Fibonacci hashing: the high bits of x * golden
        return np.int64((np.uint64(x) * golden) >> shift)

    @njit(inline="always", cache=True)
    def _contains(keys, stamps, stamp, x, shift, mask):
        h = _slot(x, shift)
        while stamps[h] == stamp:
            if keys[h] == x:
                return True
            h = (h + 1) & mask
        return False

    @njit(inline="always", cache=True)
    def _add(keys, stamps, stamp, x, shift, mask):
        # Insert x; False if it was already there.
        h = _slot(x, shift)
        while stamps[h] == stamp:
            if keys[h] == x:
                return False
            h = (h + 1) & mask
        stamps[h] = stamp
        keys[h] = x
        return True

    @njit(inline="always", cache=True)
    def _edge_mass(e, x, cumweights, weighted, indptr):
        # p(indices[e] | x): the probability of drawing edge e from x
        lo = indptr[x]
        hi = indptr[x + 1]
        if not weighted:
            return 1.0 / (hi - lo)
        prev = cumweights[e - 1] if e > lo else 0.0
        return (cumweights[e] - prev) / cumweights[hi - 1]

    @njit(parallel=True, cache=True)
    def diffusions(indptr, indices, cumweights, weighted, starts, covers, seed,
                   n_blocks, patience):
        n = starts.shape[0]
        max_cover = 1
        for w in range(n):
            max_cover = max(max_cover, covers[starts[w]])
        out = np.full((n, 2 * max_cover - 1), -1, dtype=np.int32)
        bits = 1
        while (1 << bits) < 2 * max_cover:
            bits += 1
        mask = (1 << bits) - 1
        shift = np.uint64(64 - bits)
        for block in prange(n_blocks):
            keys = np.empty(1 << bits, dtype=np.int32)
            stamps = np.full(1 << bits, -1, dtype=np.int64)
            nodes = np.empty(max_cover, dtype=np.int32)
            parent = np.empty(max_cover, dtype=np.int64)
            first_child = np.empty(max_cover + 1, dtype=np.int64)
            children = np.empty(max_cover, dtype=np.int64)
            next_child = np.empty(max_cover, dtype=np.int64)
            stack = np.empty(max_cover, dtype=np.int64)
            for w in range(block, n, n_blocks):
                state = _stream(seed, w)
                source = starts[w]
                cover = covers[source]
                nodes[0] = source
                parent[0] = -1
                _add(keys, stamps, w, source, shift, mask)
                k = 1
                edges_out = indptr[source + 1] - indptr[source]
                failures = 0
                while k < cover:
                    if failures <= patience * edges_out:
                        state, u = _uniform(state)
                        i = min(np.int64(u * k), k - 1)
                        x = nodes[i]
                        state, u = _uniform(state)
                        y = _first_order(x, u, indptr, indices, cumweights, weighted)
                        if not _add(keys, stamps, w, y, shift, mask):
                            failures += 1
                            continue
                    else:
                        # exact draw over the edges leaving the infected set
                        total = 0.0
                        for j in range(k):
                            x = nodes[j]
                            for e in range(indptr[x], indptr[x + 1]):
                                if not _contains(keys, stamps, w, indices[e], shift,
                                                 mask):
                                    total += _edge_mass(e, x, cumweights, weighted,
                                                        indptr)
                        if total <= 0.0:
                            break  # component exhausted (covers prevent it)
                        state, u = _uniform(state)
                        target = u * total
                        i = -1
                        y = -1
                        acc = 0.0
                        for j in range(k):
                            x = nodes[j]
                            for e in range(indptr[x], indptr[x + 1]):
                                if not _contains(keys, stamps, w, indices[e], shift,
                                                 mask):
                                    acc += _edge_mass(e, x, cumweights, weighted,
                                                      indptr)
                                    i = j
                                    y = indices[e]
                                    if acc > target:
                                        break
                            if acc > target:
                                break
                        _add(keys, stamps, w, y, shift, mask)
                    nodes[k] = y
                    parent[k] = i
                    edges_out += indptr[y + 1] - indptr[y]
                    k += 1
                    failures = 0
                # children lists, in order of infection
                for j in range(k + 1):
                    first_child[j] = 0
                for j in range(1, k):
                    first_child[parent[j] + 1] += 1
                for j in range(k):
                    first_child[j + 1] += first_child[j]
                    next_child[j] = first_child[j]
                for j in range(1, k):
                    p = parent[j]
                    children[next_child[p]] = j
                    next_child[p] += 1
                for j in range(k):
                    next_child[j] = first_child[j]
                # Euler tour of the doubled tree: down to each child, back up
                out[w, 0] = source
                pos = 1
                stack[0] = 0
                depth = 1
                while depth > 0:
                    v = stack[depth - 1]
                    if next_child[v] < first_child[v + 1]:
                        c = children[next_child[v]]
                        next_child[v] += 1
                        out[w, pos] = nodes[c]
                        pos += 1
                        stack[depth] = c
                        depth += 1
                    else:
                        depth -= 1
                        if depth > 0:
                            out[w, pos] = nodes[stack[depth - 1]]
                            pos += 1
        return out

    _KERNELS.update(diffusions=diffusions)
    return _KERNELS


def _n_blocks():
    """Blocks of work for the parallel kernel: a few per numba thread."""
    import numba

    return 4 * numba.get_num_threads()


def undirected(adjacency):
    """``max(A, A.T)`` without self-loops, as CSR (the graph diffusions run on)."""
    A = sp.csr_matrix(adjacency, dtype=np.float64)
    return drop_self_loops(A.maximum(A.T))


def component_covers(adjacency, diffusion_cover):
    """Each node's cover: ``diffusion_cover`` capped at its component's size."""
    _, labels = connected_components(adjacency, directed=False)
    sizes = np.bincount(labels)
    return np.minimum(sizes[labels], diffusion_cover).astype(np.int64)


def diffusion_sequences(adjacency, *, n_diffusions=10, diffusion_cover=40,
                        weighted=True, random_state=0, n_jobs=None, _patience=1.0):
    """Euler tours of random diffusion trees grown from every node.

    Parameters
    ----------
    adjacency : scipy.sparse matrix of shape (n_nodes, n_nodes)
        The graph, read as undirected (``max(A, A.T)``, self-loops dropped).
    n_diffusions : int, default=10
        Diffusions grown from every node.
    diffusion_cover : int, default=40
        Nodes per diffusion tree, capped at the size of the source's
        connected component.
    weighted : bool, default=True
        Draw neighbours proportionally to edge weights.
    random_state : int, default=0
        Seed. Sequences are bitwise identical for a given seed, whatever
        ``n_jobs``.
    n_jobs : int, default=None
        Threads; ``None`` means 1 and ``-1`` all cores.

    Returns
    -------
    sequences : ndarray of shape (n_diffusions * n_nodes, 2 * max_cover - 1), int32
        Pass ``r`` visits the nodes in a seeded random order. Row ``i`` is
        the closed Euler tour (source first and last) of a tree of
        ``c`` nodes, ``2 * c - 1`` entries, right-padded with -1 when ``c``
        (the source's capped cover) is below ``max_cover``, the largest one.
    """
    # _patience: failed draws allowed per edge of the tree's nodes before the
    # exact scan (the tests force scan-only with 0, rejection-only with 1e9)
    if not 1 <= diffusion_cover <= MAX_COVER:
        raise ValueError(
            f"diffusion_cover must be in [1, {MAX_COVER}], got {diffusion_cover}."
        )
    S = undirected(adjacency)
    graph = CSRGraph(S, weighted=weighted)
    covers = component_covers(S, int(diffusion_cover))
    starts, seed = start_order(graph.n_nodes, int(n_diffusions), random_state)
    kernel = _kernels()["diffusions"]
    with numba_threads(n_jobs):
        return kernel(
            graph.indptr, graph.indices, graph.cumweights, graph.weighted, starts,
            covers, seed, _n_blocks(), float(_patience),
        )


def _sequences(adjacency, sequence_params, n_jobs):
    return diffusion_sequences(adjacency, **sequence_params, n_jobs=n_jobs)


def _diff2vec_embedding(adjacency, sequence_params, sg_params, n_jobs, workers,
                        memory, progress=None):
    """Diffusion sequences, then skip-gram (both cached through ``memory``)."""
    if progress:
        progress("diffusion sequences...")
    sequences = memory.cache(_sequences, ignore=["n_jobs"])(
        adjacency, sequence_params, n_jobs
    )
    if progress:
        progress(f"diffusion sequences {len(sequences)}/{len(sequences)}")
    return _train_skipgram(
        sequences, adjacency.shape[0], sg_params, sequence_params["random_state"],
        workers, progress,
    )


def _params_doc():
    """The shared walk/skip-gram parameter text, adapted to Diff2Vec."""
    replaced = {
        "walk_length": None,
        "n_walks": None,
        "weighted": (
            "    weighted : bool, default=True\n"
            "        Diffuse to a neighbour drawn proportionally to the edge weight\n"
            "        (of ``max(A, A.T)``); ``False`` ignores weights, as the paper's\n"
            "        diffusion does. Unweighted graphs give the same result either way."
        ),
        "n_jobs": (
            "    n_jobs : int, default=None\n"
            "        Threads for the diffusions (numba). ``None`` means 1, ``-1``\n"
            "        all cores. Sequences do not depend on it."
        ),
        "memory": (
            "    memory : str or joblib.Memory, default=None\n"
            "        Cache for the diffusion sequences and embeddings: fits that\n"
            "        share ``n_diffusions``, ``diffusion_cover``, ``weighted`` and\n"
            "        the seed reuse the sequences, and those that share all\n"
            "        parameters reuse the embedding. Only useful with an integer\n"
            "        ``random_state``."
        ),
        "random_state": (
            "    random_state : int, RandomState instance or None, default=None\n"
            "        Seeds the diffusions and skip-gram. Sequences are bitwise\n"
            "        identical for a given integer seed whatever ``n_jobs``."
        ),
    }
    return common_params_doc(replaced)


class Diff2VecEmbedder(_BaseWalkEmbedder):
    __doc__ = """Diff2Vec: node embeddings from Euler tours of diffusion trees.

    From every node, ``n_diffusions`` diffusion trees of ``diffusion_cover``
    nodes are grown at random: pick a node of the tree uniformly, one of its
    neighbours; if the neighbour is new, it joins the tree with that edge
    (Rozemberczki & Sarkar, 2018). Each tree is linearised by the Euler tour
    of its doubled edges from the source (a depth-first traversal that
    records every node on the way down and again on the way back: ``2 *
    diffusion_cover - 1`` nodes, source first and last), and skip-gram with
    negative sampling on these sequences gives the embedding. A tree covers
    a node's neighbourhood more evenly than a random walk of the same length,
    which returns often to where it has been.

    The diffusions and tours are compiled with numba and run in parallel over
    (diffusion, node) pairs (``n_jobs``), reproducibly, in memory
    proportional to the edges plus the sequences.

    The graph is read as undirected (``max(A, A.T)``, self-loops dropped). A
    node whose connected component has fewer than ``diffusion_cover`` nodes
    grows trees of its whole component (an isolated node's sequence is the
    node alone, and its vector stays at skip-gram's random start), as the
    reference code does; karateclub's ``Diff2Vec`` never ends there.

    {graph_doc}

    Parameters
    ----------
    dimensions : int, default=128
        Size of each node's embedding.

    n_diffusions : int, default=10
        Diffusion trees grown from every node (the paper's and karateclub's
        default).

    diffusion_cover : int, default=40
        Nodes per diffusion tree (the paper's vertex set cardinality), at most
        {max_cover}; sequences hold ``2 * diffusion_cover - 1`` nodes, so the
        default gives 79, the length of node2vec's walks. It is the reference
        code's default (its README and karateclub say 80); chosen on CiteSeer
        (see Notes).

    window : int, default=10
        Skip-gram context size (nodes on each side), the reference code's.

{common}

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, dimensions)
        One row per node.

    n_nodes_ : int
        Number of nodes of the graph.

    n_features_in_ : int
        ``n_nodes`` when the graph is ``X``, 1 (the node-id column) with
        ``graph=`` set.

    See Also
    --------
    DeepWalkEmbedder : Skip-gram on uniform random walks.
    Node2VecEmbedder : Skip-gram on biased second-order walks.

    Notes
    -----
    Training: skip-gram with negative sampling (gensim's ``sg=1``, or the
    numba kernel), the model of the reference code's default ("pooled") run
    and of the other walk embedders, so the backends, ``sample`` and
    ``memory`` behave the same. karateclub instead trains gensim's default
    CBOW with hierarchical softmax on top of negative sampling (``hs=1``),
    window 5 and learning rate 0.05.

    Defaults were chosen on CiteSeer, a graph the benchmark does not report
    (``benchmarks/diff2vec.py --part tune``: Planetoid split, validation
    accuracy of a logistic regression, best C, 10 diffusions, 128
    dimensions, seeds 0-2). Mean validation accuracy, cover x window:
    20 x 5: 0.547, 20 x 10: 0.543, 40 x 5: 0.541, 40 x 10: 0.547, 80 x 5:
    0.526, 80 x 10: 0.543. The declared rule (best mean, ties within 0.005
    to the reference code's 40 x 10) keeps 40 and 10; cover 20 with window
    5 scored the same at a third of the cost.

    Time: an infection costs a few draws when many of the tree's edges lead
    out of it, so a tree costs ``O(cover)`` expected steps on most graphs;
    in the worst case an infection costs at most about three times the
    number of edges of the tree's nodes (as many failed draws, then two
    passes over those edges). Memory: the CSR graph and the sequences,
    ``n_diffusions * n_nodes * (2 * cover - 1)`` int32 entries.

    References
    ----------
    Rozemberczki, B. and Sarkar, R. "Fast Sequence-Based Embedding with
    Diffusion Graphs", CompleNet 2018. :doi:`10.1007/978-3-319-73198-8_9`

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import kneighbors_graph
    >>> from skdeep.graph import Diff2VecEmbedder
    >>> X, y = load_iris(return_X_y=True)
    >>> A = kneighbors_graph(X, 5)
    >>> emb = Diff2VecEmbedder(8, n_diffusions=2, diffusion_cover=10,
    ...                        random_state=0)
    >>> emb.fit_transform(A).shape
    (150, 8)
    """.format(graph_doc=_GRAPH_DOC.replace("\n", "\n    "), common=_params_doc(),
               max_cover=MAX_COVER)

    _parameter_constraints: dict = {
        **{k: v for k, v in _BaseWalkEmbedder._parameter_constraints.items()
           if k not in ("walk_length", "n_walks")},
        "n_diffusions": [Interval(Integral, 1, None, closed="left")],
        "diffusion_cover": [Interval(Integral, 2, MAX_COVER, closed="both")],
        "window": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        dimensions=128,
        *,
        n_diffusions=10,
        diffusion_cover=40,
        window=10,
        graph=None,
        input_format="auto",
        epochs=1,
        negative=5,
        lr=0.025,
        sample=1e-3,
        weighted=True,
        memory=None,
        n_jobs=None,
        workers=1,
        backend="gensim",
        random_state=None,
        verbose=0,
    ):
        self.dimensions = dimensions
        self.n_diffusions = n_diffusions
        self.diffusion_cover = diffusion_cover
        self.window = window
        self.graph = graph
        self.input_format = input_format
        self.epochs = epochs
        self.negative = negative
        self.lr = lr
        self.sample = sample
        self.weighted = weighted
        self.memory = memory
        self.n_jobs = n_jobs
        self.workers = workers
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    def _embed(self, adjacency, seed, memory):
        sequence_params = dict(
            n_diffusions=self.n_diffusions, diffusion_cover=self.diffusion_cover,
            weighted=bool(self.weighted), random_state=seed,
        )
        embed = memory.cache(_diff2vec_embedding, ignore=_NOT_CACHED)
        return embed(
            adjacency, sequence_params, self._skipgram_params(window=self.window),
            self.n_jobs, self.workers, memory, self._progress(),
        )

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"dimensions": 4, "n_diffusions": 2, "diffusion_cover": 4, "window": 2,
             "backend": "numba"},
            {"dimensions": 3, "n_diffusions": 1, "diffusion_cover": 3, "window": 2,
             "weighted": False},
        ]
