"""The graph a message-passing network reads: validated on the CPU, then torch.

:func:`prepare_graph` checks a ``graph=`` / ``node_features=`` pair once
(scipy and numpy) and :class:`GraphTensors` holds it on the training device,
building each view a layer asks for (the normalised adjacency of GCN, the
edge list of GAT, the neighbour lists of GraphSAGE) once, on first use.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
import torch

from skdeep.graph._graph_input import drop_self_loops, to_adjacency
from skdeep.utils.validation import check_float32_range

NODE_FEATURE_KINDS = ("identity", "degree")
# "degree" features: one-hot of min(degree, N_DEGREE_BINS - 1).
N_DEGREE_BINS = 32
# Dense features with at most this fraction of non-zeros are stored as CSR:
# a sparse product then costs a third of the dense one or less (measured on
# CPU for 2-20k nodes x 0.5-3.7k features, forward + backward: the two break
# even near 4%), and the CSR copy takes a sixth of the memory or less.
SPARSE_FEATURE_DENSITY = 0.02


def _numeric_objects(given, array):
    """An object array of numbers (from ``given``, a DataFrame or array) as
    float64, missing values (``pd.NA``) as NaN; ``array`` itself where it
    holds anything else (refused by the caller)."""
    if hasattr(given, "to_numpy"):
        try:
            return given.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            return array
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError):
        return array


def _check_feature_order(node_features, labels):
    """Refuse a feature frame indexed by the graph's node labels in another
    order than the graph's: rows are read by position (row i: the graph's
    node i), so such a frame gave every node another node's features,
    without a word. A default RangeIndex (0, 1, ..., n - 1) says nothing
    and is left alone; another range (``index=range(1, n + 1)``) names
    labels like any index."""
    if labels is None or not hasattr(node_features, "iloc"):
        return  # (not a pandas object)
    import pandas as pd

    index = node_features.index
    default = (isinstance(index, pd.RangeIndex) and index.start == 0
               and index.step == 1)
    if default or len(index) != len(labels):
        return
    labels = list(labels)
    if list(index) != labels and set(index) == set(labels):
        # (the rows' order is list(graph.nodes), but label order for nodes
        # labelled 0..n-1: the advice named the first, which such graphs
        # refused again)
        shown = ", ".join(map(repr, labels[:5])) + (", ..." if len(labels) > 5 else "")
        raise ValueError(
            "node_features' index holds the graph's node labels in another order "
            "than the rows are read in: by position, row i the graph's node i "
            "(list(graph.nodes), or label order where the nodes are the integers "
            f"0..n-1). Pass node_features.loc[nodes] with the nodes in that order: "
            f"[{shown}]."
        )


def prepare_graph(graph, node_features, input_format="auto"):
    """The undirected adjacency and the node features of a GNN's graph.

    Parameters
    ----------
    graph : scipy.sparse matrix, ndarray or networkx graph
        Anything :func:`skdeep.graph.to_adjacency` accepts.
    node_features : array-like, scipy.sparse matrix, "identity", "degree" or None
        One row per node; None means "identity".
    input_format : {"auto", "adjacency", "edgelist"}, default="auto"
        How a dense ``graph`` array is read (see
        :func:`skdeep.graph.to_adjacency`).

    Returns
    -------
    adjacency : scipy.sparse.csr_matrix of float32, shape (n_nodes, n_nodes)
        Symmetric, non-negative, no self-loops (each layer adds its own):
        a directed graph is made undirected with ``max(A, A.T)``.
    features : ndarray of float32, scipy.sparse.csr_matrix of float32 or "identity"
        Dense features with at most ``SPARSE_FEATURE_DENSITY`` (2%) non-zeros
        (bag-of-words rows, one-hot codes) come back as CSR, which the
        layers multiply faster; the values are the same.
    """
    if graph is None:
        raise ValueError(
            "graph= is required: a scipy.sparse adjacency, an (n_edges, 2|3) edge "
            "array or a networkx graph."
        )
    A, labels = to_adjacency(graph, input_format)
    # (an adjacency's or edge array's nodes are the integers 0..n-1: a frame
    # indexed by them shuffled was read by position without a word)
    _check_feature_order(node_features,
                         range(A.shape[0]) if labels is None else labels)
    if A.nnz and not np.all(np.isfinite(A.data)):
        raise ValueError("The graph's edge weights contain NaN or infinity.")
    if A.nnz and A.data.min() < 0:
        raise ValueError("The graph's edge weights must be non-negative.")
    # past float32's range they became inf, and the normalized adjacency
    # empty: every node was predicted alike, silently
    check_float32_range(A, input_name="graph",
                        advice="Divide the edge weights by their largest first.")
    # undirected: an edge either way is an edge
    A = drop_self_loops(A.maximum(A.T))
    A = A.astype(np.float32)
    # Positive weights below float32's smallest (1.4e-45) became stored
    # zeros, which some views of the graph dropped and others kept: batches
    # then read wrong neighbours, or failed. Such an edge stays an edge, of
    # the smallest float32 weight.
    A.data[A.data == 0] = np.finfo(np.float32).smallest_subnormal
    n = A.shape[0]
    if node_features is None or isinstance(node_features, str):
        kind = "identity" if node_features is None else node_features
        if kind not in NODE_FEATURE_KINDS:
            raise ValueError(
                f"node_features must be an array, a sparse matrix, None, or one of "
                f"{NODE_FEATURE_KINDS}; got {node_features!r}."
            )
        if kind == "identity":
            return A, "identity"
        degree = np.minimum(np.diff(A.indptr), N_DEGREE_BINS - 1)
        return A, sp.csr_matrix(
            (np.ones(n, np.float32), (np.arange(n), degree)), shape=(n, N_DEGREE_BINS)
        )
    if sp.issparse(node_features):
        if node_features.dtype.kind not in "biuf":  # (the cast kept real parts)
            raise ValueError(
                f"node_features must be numeric; got dtype {node_features.dtype}."
            )
        # (values past float32's range became inf in the cast, and were
        # refused as "NaN or infinity")
        check_float32_range(node_features, input_name="node_features")
        # canonical: sparse dropout draws one mask value per stored entry, so a
        # value stored as two duplicates was half dropped, and stored zeros
        # took draws (other weights than the same features given dense); a
        # copy, since a float32 CSR input shares its arrays with the user's
        F = sp.csr_matrix(node_features, dtype=np.float32, copy=True)
        F.sum_duplicates()
        F.eliminate_zeros()
        values = F.data
    else:
        F = np.asarray(node_features)
        if F.dtype.kind == "O":
            # numbers numpy keeps as objects: a DataFrame of mixed numeric
            # and bool columns, or of nullable Float64/Int64 (pd.NA as NaN)
            F = _numeric_objects(node_features, F)
        if F.dtype.kind not in "biuf":
            raise ValueError(
                f"node_features must be numeric; got dtype {F.dtype}."
            )
        if F.ndim == 1:
            F = F.reshape(-1, 1)
        if F.ndim != 2:
            raise ValueError(
                f"node_features must be 2-D (n_nodes, n_features); got shape {F.shape}."
            )
        check_float32_range(F, input_name="node_features")
        F = np.ascontiguousarray(F, dtype=np.float32)
        if not F.flags.writeable:
            # (a read-only float32 array came through as it was, a joblib
            # memmap in a search's worker, and torch warned of it)
            F = F.copy()
        values = F
    if F.shape[0] != n:
        raise ValueError(
            f"node_features has {F.shape[0]} rows but the graph has {n} nodes; "
            f"row i must hold the features of node i."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("node_features contains NaN or infinity.")
    if not sp.issparse(F) and F.size and (
        np.count_nonzero(F) <= SPARSE_FEATURE_DENSITY * F.size
    ):
        F = sp.csr_matrix(F)
    return A, F


def _coo_tensor(matrix, device):
    """A coalesced torch COO tensor of a scipy matrix (no invariant checks)."""
    coo = matrix.tocoo()
    index = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    values = torch.from_numpy(coo.data.astype(np.float32))
    tensor = torch.sparse_coo_tensor(
        index, values, coo.shape, is_coalesced=True, check_invariants=False
    )
    return tensor.to(device)


def _block(matrix, rows, columns, device):
    """Rows ``rows`` of a CSR ``matrix`` with its columns narrowed to
    ``columns`` (sorted, holding every column the rows use), as a COO
    tensor of shape ``(len(rows), len(columns))``."""
    A = matrix[rows]
    block = sp.csr_matrix((A.data, np.searchsorted(columns, A.indices), A.indptr),
                          shape=(len(rows), len(columns)))
    return _coo_tensor(block, device)


class GraphTensors:
    """A prepared graph on a device, with the views the layers need.

    Parameters
    ----------
    adjacency, features :
        The output of :func:`prepare_graph`.
    device : torch.device

    Attributes
    ----------
    n_nodes : int
    n_features : int
        Columns of the features (``n_nodes`` for identity features).
    """

    def __init__(self, adjacency, features, device):
        self.adjacency = adjacency
        self.features = features
        self.device = torch.device(device)
        self.n_nodes = adjacency.shape[0]
        self.n_features = (
            self.n_nodes if isinstance(features, str) else features.shape[1]
        )
        self._cache = {}

    def _cached(self, key, build):
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    # --- features ---------------------------------------------------------
    @property
    def identity_features(self):
        return isinstance(self.features, str)

    def feature_tensor(self):
        """Dense float32 tensor, or a COO tensor for sparse features; None
        for identity features (the first layer's weight is looked up)."""
        if self.identity_features:
            return None
        if sp.issparse(self.features):
            return self._cached("x", lambda: _coo_tensor(self.features, self.device))
        return self._cached(
            "x", lambda: torch.from_numpy(self.features).to(self.device)
        )

    def feature_rows(self, ids):
        """The features of nodes ``ids`` (a CPU or device tensor): dense, COO,
        or None for identity features."""
        if self.identity_features:
            return None
        if sp.issparse(self.features):
            rows = self.features[ids.cpu().numpy()]
            return _coo_tensor(rows, self.device)
        return self.feature_tensor()[ids]

    # --- adjacency views --------------------------------------------------
    def _with_self_loops(self):
        """``A + I`` as CSR (the edges every GCN and GAT layer reads)."""
        return self._cached("loops", lambda: (self.adjacency + sp.identity(
            self.n_nodes, dtype=np.float32, format="csr")).tocsr())

    def _gcn_matrix(self):
        def build():
            A = self._with_self_loops()
            # degrees in float64: float32 row sums of weights near its
            # largest value overflowed, and inf ** -0.5 zeroed those rows
            scale = np.asarray(A.astype(np.float64).sum(axis=1)).ravel() ** -0.5
            return (sp.diags(scale) @ A @ sp.diags(scale)).astype(np.float32).tocsr()

        return self._cached("gcn_csr", build)

    def gcn_adjacency(self):
        """``D^-1/2 (A + I) D^-1/2`` (Kipf & Welling) as a COO tensor; the
        edge weights are kept, every node gets a self-loop of weight 1."""
        return self._cached("gcn", lambda: _coo_tensor(self._gcn_matrix(), self.device))

    # --- the neighbourhoods of a batch of nodes -----------------------------
    def receptive_fields(self, node_ids, n_layers, limit):
        """The nodes each of ``n_layers`` layers reads for the outputs of
        ``node_ids``: ``[S_0, ..., S_L]``, sorted int64 arrays, ``S_L`` the
        distinct ids and ``S_l`` the nodes of ``S_(l+1)`` with their
        neighbours; None where ``S_0`` would hold more than ``limit`` nodes
        (the whole graph then costs about as little)."""
        A = self._with_self_loops()
        nodes = np.unique(node_ids.cpu().numpy())
        fields = [nodes]
        for _ in range(n_layers):
            nodes = np.unique(A[nodes].indices)  # (self-loops: a superset)
            if len(nodes) > limit:
                return None
            fields.append(nodes)
        return fields[::-1]

    def gcn_block(self, rows, columns):
        """The ``rows`` of :meth:`gcn_adjacency`, its columns narrowed to
        ``columns`` (sorted, holding every neighbour of the rows): a COO
        tensor of shape ``(len(rows), len(columns))``."""
        return _block(self._gcn_matrix(), rows, columns, self.device)

    def mean_block(self, rows, columns):
        """The same block of :meth:`mean_adjacency`."""
        return _block(self._mean_matrix(), rows, columns, self.device)

    def edges_into(self, rows, columns, self_loops=True):
        """``(source, target)`` of the edges into ``rows`` (self-loops
        included if asked), as positions in ``columns`` (sorted, holding
        every neighbour of the rows); sorted by target, as :meth:`edges`."""
        A = (self._with_self_loops() if self_loops else self.adjacency)[rows]
        target = np.repeat(np.searchsorted(columns, rows), np.diff(A.indptr))
        source = np.searchsorted(columns, A.indices)
        return (torch.from_numpy(source.astype(np.int64)).to(self.device),
                torch.from_numpy(target.astype(np.int64)).to(self.device))

    def _mean_matrix(self):
        def build():
            A = self.adjacency.copy()
            A.data[:] = 1
            degree = np.maximum(np.diff(A.indptr), 1).astype(np.float32)
            return (sp.diags(1 / degree) @ A).tocsr()

        return self._cached("mean_csr", build)

    def mean_adjacency(self):
        """Row-normalised ``A`` (the mean over neighbours, weights ignored),
        a COO tensor; nodes without neighbours get an empty row."""
        return self._cached(
            "mean", lambda: _coo_tensor(self._mean_matrix(), self.device))

    def edges(self, self_loops=True):
        """``(source, target)`` long tensors of the directed edges (each
        undirected edge both ways), plus one self-loop per node if asked;
        sorted by target."""

        def build():
            A = self._with_self_loops() if self_loops else self.adjacency
            coo = A.tocsr().tocoo()  # CSR order: rows (targets) sorted
            target = torch.from_numpy(coo.row.astype(np.int64)).to(self.device)
            source = torch.from_numpy(coo.col.astype(np.int64)).to(self.device)
            return source, target

        return self._cached(("edges", self_loops), build)

    def neighbour_lists(self):
        """``(indptr, indices, degree)`` long tensors of the CSR adjacency,
        for neighbour sampling."""

        def build():
            A = self.adjacency
            indptr = torch.from_numpy(A.indptr.astype(np.int64)).to(self.device)
            indices = torch.from_numpy(A.indices.astype(np.int64)).to(self.device)
            return indptr, indices, indptr[1:] - indptr[:-1]

        return self._cached("lists", build)
