"""Splitter: one embedding per social context of a node (Epasto & Perozzi, 2019)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

# Design notes
# ------------
# * The graph is read as undirected: the pattern of A + A.T without self-loops,
#   with weights (A + A.T) / 2 (A itself when A is symmetric).
# * Persona graph (ego-splitting, Epasto, Lattanzi & Paes Leme, KDD 2017, with
#   connected components as the local clustering, as in the Splitter paper).
#   One numba pass, parallel over blocks of nodes: node u's ego-net components
#   come from a union-find over the positions of u's sorted CSR row, joining
#   the positions of v and w whenever v - w is an edge (a triangle u, v, w).
#   For each neighbour v the common neighbours w > v are found by walking the
#   shorter of "v's row after v" (each w looked up in O(1) in a per-thread
#   array that maps u's neighbours to their positions) and "u's row after v"
#   (each w binary-searched in v's row), so an edge costs at most
#   min(deg) * log(deg) (the O(m^1.5 log) triangle bound, hubs included), and
#   u stops as soon as its ego-net is connected. Memory: O(m), plus one
#   n-entry int32 array per thread.
#   Components are numbered by their smallest neighbour, so persona ids are
#   deterministic: node u's personas are the consecutive rows
#   persona_indptr[u] ... persona_indptr[u + 1] - 1.
# * Persona edges: slot (u, v) of the CSR row becomes an edge from u's
#   persona holding v to v's persona holding u (found by binary search of u in
#   v's row). A counting sort by persona inside each row writes the persona
#   CSR directly: its rows come out sorted, no global sort, memory O(edges).
# * An isolated node has an empty ego-net; it keeps one persona without edges
#   (trained by the regulariser only), so that every node has a row.
# * Training: DeepWalk on the original graph gives the base embedding
#   (skdeep's walk engine and numba skip-gram). Walks on the persona graph
#   (same engine) train skip-gram with every persona initialised to its
#   node's base vector (as both reference implementations do) and, with weight
#   ``regularization``, the anchor term of skdeep's SGNS kernel: every
#   occurrence of a persona also predicts its original node's fixed base
#   vector against ``negative`` noise nodes (the paper's
#   -lambda log Pr(v_o | Phi(persona)), with negative sampling in place of
#   the softmax over all nodes).
# * numba is imported lazily: ``import skdeep.graph`` works without it.

from collections import namedtuple
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

from skdeep.graph._embedders import (
    _GRAPH_DOC,
    _NOT_CACHED,
    _BaseWalkEmbedder,
    _skipgram_embedding,
    common_params_doc,
)
from skdeep.graph._progress import silent
from skdeep.graph._sgns import sgns_embedding
from skdeep.graph._walks import CSRGraph, numba_threads, random_walks
from skdeep.utils._sklearn import Interval

_KERNELS = {}

PersonaGraph = namedtuple("PersonaGraph", "graph persona_to_node persona_indptr")
PersonaGraph.__doc__ = """The ego-splitting of a graph: ``graph`` is the
``(n_personas, n_personas)`` CSR persona graph, ``persona_to_node`` the node of
each persona and ``persona_indptr`` the ``n_nodes + 1`` offsets of each node's
(consecutive) personas."""


def _kernels():
    """Compile (once, cached on disk by numba) the ego-splitting kernels.

    The binary searches and union-find roots are written out inside each
    kernel: a kernel that calls another jitted function defined in this
    closure gets a new on-disk cache entry (and a fresh compilation) in every
    process.
    """
    if _KERNELS:
        return _KERNELS
    from numba import njit, prange

    @njit(parallel=True, cache=True)
    def ego_components(indptr, indices, n_blocks):
        # comp[slot]: which of u's personas holds the neighbour in that slot;
        # n_personas[u]: how many (1 for an isolated node).
        n = indptr.shape[0] - 1
        comp = np.empty(indices.shape[0], dtype=np.int32)
        n_personas = np.ones(n, dtype=np.int64)
        max_degree = 1
        for u in range(n):
            max_degree = max(max_degree, indptr[u + 1] - indptr[u])
        for block in prange(n_blocks):
            parent = np.empty(max_degree, dtype=np.int64)
            label = np.empty(max_degree, dtype=np.int32)
            # where[w]: w's position in u's row, -1 when w is not u's
            # neighbour (set for u, reset after it)
            where = np.full(n, -1, dtype=np.int32)
            for u in range(block, n, n_blocks):
                lo = indptr[u]
                hi = indptr[u + 1]
                d = hi - lo
                if d == 0:
                    continue
                for i in range(d):
                    parent[i] = i
                    where[indices[lo + i]] = i
                groups = d
                for i in range(d - 1):
                    if groups == 1:
                        break
                    v = indices[lo + i]
                    # start: first slot of v's row after v
                    a = indptr[v]
                    b = indptr[v + 1]
                    while a < b:
                        mid = (a + b) >> 1
                        if indices[mid] <= v:
                            a = mid + 1
                        else:
                            b = mid
                    start = a
                    # walk the shorter of "v's row after v" (looking its
                    # nodes up in where) and "u's row after v" (binary search
                    # in v's row)
                    scan_v = indptr[v + 1] - start <= d - i - 1
                    first = start if scan_v else lo + i + 1
                    last = indptr[v + 1] if scan_v else hi
                    floor = start  # the searched w increase: so do their slots
                    for e in range(first, last):
                        if scan_v:
                            j = where[indices[e]]
                            if j < 0:
                                continue  # w is not u's neighbour
                        else:
                            w = indices[e]
                            a = floor
                            b = indptr[v + 1]
                            while a < b:
                                mid = (a + b) >> 1
                                if indices[mid] < w:
                                    a = mid + 1
                                else:
                                    b = mid
                            floor = a
                            if a == indptr[v + 1]:
                                break  # no w of v's row is left
                            if indices[a] != w:
                                continue  # v - w is not an edge
                            j = e - lo
                        x = i
                        y = j
                        while parent[x] != x:
                            parent[x] = parent[parent[x]]  # path halving
                            x = parent[x]
                        while parent[y] != y:
                            parent[y] = parent[parent[y]]
                            y = parent[y]
                        if x != y:
                            parent[max(x, y)] = min(x, y)
                            groups -= 1
                            if groups == 1:
                                break
                for i in range(d):
                    where[indices[lo + i]] = -1
                # number the components by their smallest neighbour
                for i in range(d):
                    label[i] = -1
                k = 0
                for i in range(d):
                    r = i
                    while parent[r] != r:
                        r = parent[r]
                    if label[r] < 0:
                        label[r] = k
                        k += 1
                    comp[lo + i] = label[r]
                n_personas[u] = k
        return comp, n_personas

    @njit(parallel=True, cache=True)
    def persona_edges(indptr, indices, comp, offset, persona_indptr, n_blocks):
        # The persona CSR's column indices, and for each of its slots the slot
        # of the original edge (to carry the weights).
        n = indptr.shape[0] - 1
        out = np.empty(indices.shape[0], dtype=np.int32)
        source = np.empty(indices.shape[0], dtype=np.int64)
        max_personas = 1
        for u in range(n):
            max_personas = max(max_personas, offset[u + 1] - offset[u])
        for block in prange(n_blocks):
            fill = np.empty(max_personas, dtype=np.int64)
            for u in range(block, n, n_blocks):
                for c in range(offset[u + 1] - offset[u]):
                    fill[c] = persona_indptr[offset[u] + c]
                for e in range(indptr[u], indptr[u + 1]):
                    v = indices[e]
                    # the slot of u in v's row: which persona of v holds u
                    a = indptr[v]
                    b = indptr[v + 1]
                    while a < b:
                        mid = (a + b) >> 1
                        if indices[mid] < u:
                            a = mid + 1
                        else:
                            b = mid
                    c = comp[e]
                    out[fill[c]] = offset[v] + comp[a]
                    source[fill[c]] = e
                    fill[c] += 1
        return out, source

    _KERNELS.update(ego_components=ego_components, persona_edges=persona_edges)
    return _KERNELS


def _n_blocks():
    """Blocks of nodes for the parallel kernels: a few per numba thread."""
    import numba

    return 4 * numba.get_num_threads()


def undirected(adjacency):
    """``(A + A.T) / 2`` without self-loops, as a sorted CSR float64 matrix."""
    A = sp.coo_matrix(adjacency, dtype=np.float64)
    off = (A.row != A.col) & (A.data != 0)
    row, col, data = A.row[off], A.col[off], A.data[off] / 2
    S = sp.csr_matrix(
        (np.r_[data, data], (np.r_[row, col], np.r_[col, row])), shape=A.shape
    )
    S.sum_duplicates()
    S.eliminate_zeros()
    S.sort_indices()
    return S


def persona_graph(adjacency, *, n_jobs=None):
    """The ego-splitting persona graph of a graph (connected components).

    Every node ``u`` gets one persona per connected component of its ego-net
    (the subgraph induced by ``u``'s neighbours, ``u`` removed); an isolated
    node gets one persona. Every edge ``(u, v)`` becomes an edge between
    ``u``'s persona whose component holds ``v`` and ``v``'s persona whose
    component holds ``u``, with the same weight.

    Parameters
    ----------
    adjacency : scipy.sparse matrix of shape (n_nodes, n_nodes)
        The graph, read as undirected (:func:`undirected`).
    n_jobs : int, default=None
        numba threads (``None`` means 1, ``-1`` all cores). The result does
        not depend on it.

    Returns
    -------
    personas : PersonaGraph
        Node ``u``'s personas are the rows ``persona_indptr[u]`` to
        ``persona_indptr[u + 1] - 1``, numbered by the smallest neighbour
        of their component.

    Examples
    --------
    Two triangles sharing node 0: node 0 gets two personas.

    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from skdeep.graph._splitter import persona_graph
    >>> edges = np.array([[0, 1], [1, 2], [2, 0], [0, 3], [3, 4], [4, 0]])
    >>> A = sp.coo_matrix((np.ones(6), edges.T), shape=(5, 5))
    >>> personas = persona_graph(A)
    >>> personas.persona_to_node
    array([0, 0, 1, 2, 3, 4])
    >>> personas.graph.nnz // 2
    6
    """
    S = undirected(adjacency)
    n = S.shape[0]
    indptr = S.indptr.astype(np.int64)
    indices = S.indices.astype(np.int32)
    kernels = _kernels()
    with numba_threads(n_jobs):
        blocks = _n_blocks()
        # one n-entry lookup array per block: a block per thread here
        comp, n_personas = kernels["ego_components"](
            indptr, indices, max(1, blocks // 4)
        )
        offset = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(n_personas, out=offset[1:])
        n_total = int(offset[-1])
        # a persona's degree: the slots of its node's row that it holds
        owner_of_slot = np.repeat(offset[:-1], np.diff(indptr)) + comp
        persona_indptr = np.zeros(n_total + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner_of_slot, minlength=n_total),
                  out=persona_indptr[1:])
        out, source = kernels["persona_edges"](
            indptr, indices, comp, offset, persona_indptr, blocks
        )
    graph = sp.csr_matrix(
        (S.data[source], out, persona_indptr), shape=(n_total, n_total)
    )
    graph.has_sorted_indices = True
    return PersonaGraph(
        graph=graph,
        persona_to_node=np.repeat(np.arange(n, dtype=np.int64), n_personas),
        persona_indptr=offset,
    )


def _splitter_embedding(adjacency, walk_params, sg_params, regularization,
                        n_jobs, workers, memory, progress=None):
    """Base DeepWalk, persona graph, persona walks and anchored skip-gram."""
    progress = silent(progress)
    S = undirected(adjacency)
    progress("base DeepWalk embedding")
    base = _skipgram_embedding(
        S, walk_params, {**sg_params, "backend": "numba"}, n_jobs, workers, memory,
        progress,
    )
    personas = persona_graph(S, n_jobs=n_jobs)
    owner = personas.persona_to_node
    progress(f"persona graph: {owner.shape[0]} personas of {S.shape[0]} nodes")
    walks = random_walks(
        CSRGraph(personas.graph, weighted=walk_params["weighted"]),
        n_walks=walk_params["n_walks"], walk_length=walk_params["walk_length"],
        random_state=walk_params["seed"] + 1, n_jobs=n_jobs, progress=progress,
    )
    persona_embedding = sgns_embedding(
        [walks], owner.shape[0], **sg_params, workers=workers,
        seed=walk_params["seed"] + 1, initial=base[owner],
        anchor=base, owner=owner, anchor_weight=float(regularization),
        progress=progress,
    )
    return base, personas, persona_embedding


def _params_doc():
    """The shared walk/skip-gram parameter text, adapted to Splitter."""
    replaced = {
        "backend": None,
        "n_jobs": (
            "    n_jobs : int, default=None\n"
            "        Threads for the persona graph and the walks (numba). ``None``\n"
            "        means 1, ``-1`` all cores. Results do not depend on it."
        ),
        "workers": (
            "    workers : int, default=1\n"
            "        Threads for skip-gram (both trainings). ``workers=1`` makes the\n"
            "        embeddings bitwise reproducible for a given ``random_state``\n"
            "        on a given machine; more workers are faster but not\n"
            "        reproducible (lock-free updates)."
        ),
        "memory": (
            "    memory : str or joblib.Memory, default=None\n"
            "        Cache for the base walks and the whole fit: fits that share\n"
            "        all parameters reuse the embeddings. Only useful with an\n"
            "        integer ``random_state``."
        ),
        "weighted": (
            "    weighted : bool, default=True\n"
            "        Draw neighbours proportionally to edge weights (in both graphs:\n"
            "        a persona edge keeps its edge's weight); ``False`` ignores\n"
            "        them. The ego-nets depend on the structure only."
        ),
    }
    return common_params_doc(replaced, walk_length=40, n_walks=10)


class SplitterEmbedder(_BaseWalkEmbedder):
    __doc__ = """Splitter: several embeddings per node, one per social context.

    A node that belongs to several communities gets one *persona* per
    community, each with its own vector (Epasto & Perozzi, 2019). The
    personas come from ego-splitting: node ``u``'s personas are the connected
    components of its ego-net (the subgraph induced by its neighbours, ``u``
    removed), and edge ``(u, v)`` becomes an edge between ``u``'s persona that
    holds ``v`` and ``v``'s persona that holds ``u``. DeepWalk on the original
    graph gives a base embedding; skip-gram on random walks over the persona
    graph then trains the personas, each initialised to its node's base
    vector, with the paper's regulariser: every occurrence of a persona also
    predicts its original node under the fixed base embedding, with weight
    ``regularization`` (negative sampling in place of the softmax).

    The persona graph is built by a compiled (numba) union-find over each
    node's triangles, in parallel (``n_jobs``), with time about
    ``O(m^1.5 log d)`` and memory ``O(m)`` for ``m`` edges; the walks and
    skip-gram are skdeep's numba engine and kernel (the anchor term is part of
    it), so a fit costs about two DeepWalk fits.

    The graph is read as undirected: the pattern of ``A + A.T`` with weights
    ``(A + A.T) / 2``, self-loops dropped.

    {graph_doc}

    Parameters
    ----------
    dimensions : int, default=128
        Size of each persona's (and the base) embedding.

    regularization : float, default=0.1
        The paper's ``lambda``: weight of the term that makes each persona
        predict its original node's base vector (per occurrence of the
        persona, relative to its skip-gram pairs). 0 leaves the personas free
        after their initialisation to the base vectors.

    window : int, default=5
        Skip-gram context size (nodes on each side), for both embeddings.

{common}

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, dimensions)
        Node-level embedding: the mean of each node's persona vectors. An
        isolated node's single persona has no skip-gram context: it starts at
        its base vector and moves under the regulariser only.

    persona_embedding_ : ndarray of shape (n_personas, dimensions)
        One row per persona; node ``i``'s personas are the rows
        ``persona_indptr_[i]`` to ``persona_indptr_[i + 1] - 1``, or
        ``persona_embedding_[persona_to_node_ == i]``.

    persona_to_node_ : ndarray of shape (n_personas,)
        The original node of each persona (non-decreasing).

    persona_indptr_ : ndarray of shape (n_nodes + 1,)
        Offsets of each node's personas.

    persona_graph_ : scipy.sparse.csr_matrix of shape (n_personas, n_personas)
        The persona graph (symmetric, edge weights of the original graph).

    base_embedding_ : ndarray of shape (n_nodes, dimensions)
        The DeepWalk embedding of the original graph that the personas start
        from and are regularised towards.

    n_nodes_ : int
        Number of nodes of the graph.

    n_features_in_ : int
        ``n_nodes`` when the graph is ``X``, 1 (the node-id column) with
        ``graph=`` set.

    See Also
    --------
    DeepWalkEmbedder : One vector per node from the same walks.
    Node2VecEmbedder : Biased walks.

    Notes
    -----
    ``fit_transform`` and ``transform`` return node-level rows (the persona
    mean), so the embedder drops into the usual pipelines. For the paper's
    link prediction, score a pair of nodes by the best pair of their personas,
    e.g. ``max`` over ``persona_embedding_[persona_to_node_ == u] @
    persona_embedding_[persona_to_node_ == v].T``.

    The paper's experiments used hierarchical softmax and gensim; skdeep uses
    negative sampling for both embeddings and the regulariser.

    References
    ----------
    Epasto, A. and Perozzi, B. "Is a Single Embedding Enough? Learning Node
    Representations that Capture Multiple Social Contexts", WWW 2019.
    :doi:`10.1145/3308558.3313660`

    Epasto, A., Lattanzi, S. and Paes Leme, R. "Ego-Splitting Framework: from
    Non-Overlapping to Overlapping Clusters", KDD 2017.
    :doi:`10.1145/3097983.3098054`

    Examples
    --------
    Two 5-cliques that share node 0: node 0 gets one persona per clique.

    >>> import networkx as nx
    >>> from skdeep.graph import SplitterEmbedder
    >>> G = nx.disjoint_union(nx.complete_graph(5), nx.complete_graph(4))
    >>> G.add_edges_from((0, v) for v in range(5, 9))
    >>> emb = SplitterEmbedder(8, walk_length=10, n_walks=5, sample=0,
    ...                        random_state=0)
    >>> emb.fit_transform(G).shape
    (9, 8)
    >>> emb.persona_to_node_
    array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
    >>> emb.persona_embedding_.shape
    (10, 8)
    """.format(graph_doc=_GRAPH_DOC.replace("\n", "\n    "), common=_params_doc())

    _required_modules = ("numba",)

    _parameter_constraints: dict = {
        **{k: v for k, v in _BaseWalkEmbedder._parameter_constraints.items()
           if k != "backend"},
        "regularization": [Interval(Real, 0, None, closed="left")],
        "window": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        dimensions=128,
        *,
        regularization=0.1,
        window=5,
        graph=None,
        input_format="auto",
        walk_length=40,
        n_walks=10,
        epochs=1,
        negative=5,
        lr=0.025,
        sample=1e-3,
        weighted=True,
        memory=None,
        n_jobs=None,
        workers=1,
        random_state=None,
        verbose=0,
    ):
        self.dimensions = dimensions
        self.regularization = regularization
        self.window = window
        self.graph = graph
        self.input_format = input_format
        self.walk_length = walk_length
        self.n_walks = n_walks
        self.epochs = epochs
        self.negative = negative
        self.lr = lr
        self.sample = sample
        self.weighted = weighted
        self.memory = memory
        self.n_jobs = n_jobs
        self.workers = workers
        self.random_state = random_state
        self.verbose = verbose

    def _embed(self, adjacency, seed, memory):
        walk_params = dict(
            weighted=self.weighted, n_walks=self.n_walks,
            walk_length=self.walk_length, p=1.0, q=1.0, seed=seed,
        )
        sg_params = dict(
            dimensions=self.dimensions, window=int(self.window),
            epochs=self.epochs, negative=self.negative, lr=self.lr,
            sample=self.sample,
        )
        embed = memory.cache(_splitter_embedding, ignore=_NOT_CACHED)
        base, personas, persona_embedding = embed(
            adjacency, walk_params, sg_params, self.regularization, self.n_jobs,
            self.workers, memory, self._progress(),
        )
        self.base_embedding_ = base
        self.persona_embedding_ = persona_embedding
        self.persona_to_node_ = personas.persona_to_node
        self.persona_indptr_ = personas.persona_indptr
        self.persona_graph_ = personas.graph
        # every node has at least one persona: reduceat sees no empty slice
        sums = np.add.reduceat(persona_embedding, personas.persona_indptr[:-1], axis=0)
        return sums / np.diff(personas.persona_indptr)[:, None]

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"dimensions": 4, "walk_length": 5, "n_walks": 2, "window": 2},
            {"dimensions": 3, "walk_length": 6, "n_walks": 1, "window": 2,
             "regularization": 0.0, "weighted": False},
        ]
