"""Graph inputs: networkx graphs, sparse or dense adjacencies and edge arrays to CSR."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array


def _is_networkx(X):
    return hasattr(X, "adj") and hasattr(X, "nodes") and hasattr(X, "is_directed")


def graph_nodes(G):
    """The nodes of the networkx graph ``G`` in the order of the rows read
    from it: ``G.nodes()`` order, except that nodes labelled exactly by the
    integers ``0 .. n-1`` are in label order, row i node i (``nx.Graph(edges)``
    adds them in order of first appearance; rows in that order mismatched
    node ids and feature rows indexed by label, silently)."""
    nodes = list(G.nodes())
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
           for v in nodes) and sorted(nodes) == list(range(len(nodes))):
        return list(range(len(nodes)))
    return nodes


def node_label_frame(estimator, X):
    """An empty DataFrame indexed by the node labels of the networkx graph
    ``X`` (its rows' order, :func:`graph_nodes`) where ``estimator``'s transform
    output is pandas, else None: the index scikit-learn's output wrapping
    gives one row per node (a fresh 0..n-1 index named no node)."""
    from skdeep.utils._sklearn import _get_output_config

    if not _is_networkx(X):
        return None
    if _get_output_config("transform", estimator)["dense"] != "pandas":
        return None
    import pandas as pd

    return pd.DataFrame(index=pd.Index(graph_nodes(X)))


# An edge array whose largest id exceeds both 2**24 and this many times its
# number of edges names mostly nodes without edges: a labelling, not ids.
_MAX_ID_PER_EDGE = 1000


def _numeric_graph_array(X):
    """``check_array`` of a dense graph, whose failure on labels that are not
    numbers ("could not convert string to float") says what to do."""
    try:
        return check_array(X, dtype=np.float64, ensure_min_samples=1)
    except ValueError as exc:
        if "could not convert" not in str(exc):
            raise
        raise ValueError(
            f"A graph given as an array holds numbers only: {exc}. Edge arrays "
            f"name nodes by row number 0 .. n_nodes - 1; for nodes with other "
            f"labels build a networkx graph (for example "
            f"networkx.from_pandas_edgelist) or renumber them (numpy.unique(..., "
            f"return_inverse=True))."
        ) from exc


def edges_to_adjacency(edges, n_nodes=None):
    """Undirected adjacency from an ``(n_edges, 2)`` or ``(n_edges, 3)`` edge array.

    Columns are source, target and (optionally) a non-negative weight. Each
    edge is added in both directions (use a sparse adjacency for directed
    graphs); repeated edges add up their weights.
    """
    edges = _numeric_graph_array(edges)
    if edges.shape[1] not in (2, 3):
        raise ValueError(
            f"An edge array must have 2 or 3 columns, got {edges.shape[1]}."
        )
    ends = edges[:, :2]
    if np.any(ends < 0) or np.any(ends != np.round(ends)):
        raise ValueError("Edge array node ids must be non-negative integers.")
    weights = edges[:, 2] if edges.shape[1] == 3 else np.ones(len(edges))
    # before repeated edges add up: (0, 1, 2) and (1, 0, -2) cancelled out
    _refuse_negative_entries(weights)
    # (from the float ids: past 2**63 their int64 cast wrapped around)
    n = int(ends.max()) + 1 if n_nodes is None else int(n_nodes)
    if n_nodes is None and n > max(_MAX_ID_PER_EDGE * len(edges), 1 << 24):
        # (ids are row numbers: a sparse id like 10**10 made numpy allocate
        # tens of GB and fail with a bare MemoryError)
        raise ValueError(
            f"The edge array's largest node id is {n - 1}, for {len(edges)} "
            f"edges: node ids are row numbers 0 .. n_nodes - 1 of the "
            f"embedding. Renumber the nodes first (for example with "
            f"numpy.unique(edges[:, :2], return_inverse=True))."
        )
    ends = ends.astype(np.int64)
    # both directions of each edge, a self-loop once
    mirror = ends[:, 0] != ends[:, 1]
    rows = np.r_[ends[:, 0], ends[mirror, 1]]
    cols = np.r_[ends[:, 1], ends[mirror, 0]]
    data = np.r_[weights, weights[mirror]]
    A = sp.coo_matrix((data, (rows, cols)), shape=(n, n)).tocsr()
    A.eliminate_zeros()
    return A


def drop_self_loops(A):
    """A CSR copy of the sparse matrix ``A`` without its diagonal entries
    (and without stored zeros).

    (Not ``setdiag(0)``: before scipy 1.13 it first stores the missing
    diagonal entries, with a SparseEfficiencyWarning.)

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from skdeep.graph._graph_input import drop_self_loops
    >>> drop_self_loops(sp.csr_matrix([[1.0, 2.0], [0.0, 3.0]])).toarray()
    array([[0., 2.],
           [0., 0.]])
    """
    A = sp.coo_matrix(A)
    off = (A.row != A.col) & (A.data != 0)
    A = sp.csr_matrix((A.data[off], (A.row[off], A.col[off])), shape=A.shape)
    A.sum_duplicates()
    return A


INPUT_FORMATS = ("auto", "adjacency", "edgelist")

# numpydoc paragraph of the ``input_format`` parameter, shared by every
# estimator that reads a graph (graph embedders, GNN classifiers).
INPUT_FORMAT_DOC = """\
    input_format : {{"auto", "adjacency", "edgelist"}}, default="auto"
        How a dense array given as the graph is read ({where}).
        ``"adjacency"``: a square matrix whose entry ``[i, j]`` weighs edge
        ``i -> j``. ``"edgelist"``: an ``(n_edges, 2)`` or ``(n_edges, 3)``
        array of ``(source, target[, weight])`` rows, node ids non-negative
        integers, each edge undirected. ``"auto"`` reads a square array as
        an adjacency and a 2- or 3-column one as an edge list; a 2x2 or 3x3
        array whose first two columns are non-negative integers is both
        (``[[0, 1], [1, 2]]`` is 2 nodes, or 2 edges among 3 nodes) and
        raises a ValueError asking for ``input_format``. scipy.sparse
        matrices are always adjacencies (``"edgelist"`` refuses them) and
        networkx graphs are read as they are under every format."""


def _refuse_non_numeric_weights(G):
    """Name the first edge whose ``"weight"`` attribute is not a number
    (scipy said only "does not support dtype <U21")."""
    for u, v, weight in G.edges(data="weight", default=1.0):
        if isinstance(weight, (bool, np.bool_)) or not isinstance(
            weight, (int, float, np.integer, np.floating)
        ):
            raise ValueError(
                f"The networkx graph's edge ({u!r}, {v!r}) has weight "
                f"{weight!r}: the 'weight' attribute must be a number (edges "
                f"without one weigh 1)."
            )


def _could_be_edges(X):
    """Whether a dense 2-D float array is a valid edge array."""
    if X.shape[1] not in (2, 3):
        return False
    ends = X[:, :2]
    return bool(np.all(ends >= 0) and np.all(ends == np.round(ends)))


def _refuse_negative_entries(weights):
    """Refuse negative weights among entries that are then summed: a sum
    hid them (3 and -1 gave an edge of 2, w and -w no edge, without a word),
    as the edge-array reader refuses before summing."""
    if (np.asarray(weights, dtype=np.float64) < 0).any():
        raise ValueError(
            "Negative values in data passed to the graph: edge weights must be "
            "non-negative."
        )


def to_adjacency(X, input_format="auto"):
    """CSR float64 adjacency and node labels (``None`` unless networkx) of a graph.

    A CSR float64 input comes back as it is, and other sparse inputs may
    share their index arrays with the result: copy it before changing it in
    place (``sort_indices``, ``eliminate_zeros``, ...).

    Parameters
    ----------
    X : scipy.sparse matrix, array-like or networkx graph
        A square adjacency (sparse or dense; entry ``[i, j]`` is the weight of
        edge ``i -> j``), an ``(n_edges, 2|3)`` integer edge array (undirected,
        optional weight column) or a networkx graph (edge attribute
        ``"weight"``, rows in :func:`graph_nodes` order: ``G.nodes()``, or
        label order for nodes labelled ``0 .. n-1``).
    input_format : {"auto", "adjacency", "edgelist"}, default="auto"
        How a dense array is read. ``"auto"`` reads square arrays as
        adjacencies and 2- or 3-column ones as edge lists, and refuses a
        2x2 or 3x3 array that is a valid edge array (it is both). Sparse
        matrices are adjacencies and networkx graphs graphs whatever the
        format (``"edgelist"`` refuses a sparse matrix).

    Returns
    -------
    adjacency : scipy.sparse.csr_matrix of shape (n_nodes, n_nodes)
    nodes : list or None

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.graph import to_adjacency
    >>> edges = np.array([[0, 1], [1, 2]])
    >>> to_adjacency(edges, "edgelist")[0].shape
    (3, 3)
    >>> to_adjacency(edges, "adjacency")[0].shape
    (2, 2)
    """
    if input_format not in INPUT_FORMATS:
        raise ValueError(
            f"input_format must be one of {INPUT_FORMATS}; got {input_format!r}."
        )
    if _is_networkx(X):
        import networkx as nx

        nodes = graph_nodes(X)
        if X.is_multigraph():  # (parallel edges are summed below)
            _refuse_negative_entries(
                [w for *_, w in X.edges(data="weight", default=1)
                 if isinstance(w, (int, float, np.number)) and not isinstance(w, bool)]
            )
        try:  # (networkx 3.2 fails with "Unknown sparse matrix format")
            A = nx.to_scipy_sparse_array(X, nodelist=nodes, weight="weight",
                                         format="csr")
            if A.dtype.kind not in "biuf":
                # complex weights were cut to their real parts (with a bare
                # ComplexWarning), as no other input format does
                _refuse_non_numeric_weights(X)
            A = sp.csr_matrix(A, dtype=np.float64)
        except (TypeError, ValueError, nx.NetworkXError) as exc:
            _refuse_non_numeric_weights(X)
            raise ValueError(f"The networkx graph cannot be read: {exc}") from exc
        return A, nodes
    if sp.issparse(X):
        if input_format == "edgelist":
            raise ValueError(
                "input_format='edgelist' reads a dense (n_edges, 2) or (n_edges, 3) "
                "array; got a scipy.sparse matrix, which is read as an adjacency "
                "(input_format='adjacency' or 'auto')."
            )
        if X.ndim != 2 or X.shape[0] != X.shape[1]:
            raise ValueError(
                f"A sparse adjacency must be square, got shape {X.shape}."
            )
        if np.iscomplexobj(X):  # the cast would keep the real parts
            raise ValueError("Complex data not supported: the edge weights of a "
                             "graph are real numbers.")
        # cast first: converting to CSR sums repeated COO entries in their
        # own dtype (three uint8 entries of 100 gave a weight of 44)
        X = X.astype(np.float64, copy=False)
        if X.format in ("coo", "csr", "csc"):  # (repeated entries: summed below)
            _refuse_negative_entries(X.data)
        return sp.csr_matrix(X), None
    if input_format == "edgelist":
        # one edge is a graph: a single row is fine here
        return edges_to_adjacency(X), None
    # one row is a graph of one edge ("edgelist" takes it too); a 1x1
    # adjacency (one node) is refused where the estimators need two nodes
    X = _numeric_graph_array(X)
    square = X.shape[0] == X.shape[1]
    if input_format == "adjacency":
        if not square:
            raise ValueError(
                f"input_format='adjacency' needs a square matrix (n_nodes, n_nodes); "
                f"got shape {X.shape}. Edge arrays need input_format='edgelist' "
                f"(or 'auto')."
            )
        return sp.csr_matrix(X), None
    edges = _could_be_edges(X)
    if square and edges:
        # Only 2x2 and 3x3 arrays get here: an edge array has 2 or 3 columns.
        n = X.shape[0]
        what, columns = (
            ("of non-negative integers", "source, target") if n == 2 else (
                "with non-negative integers in its first two columns",
                "source, target, weight",
            )
        )
        raise ValueError(
            f"The graph is ambiguous: a dense {n}x{n} array {what} reads both as "
            f"the adjacency matrix of {n} nodes and as {n} edges ({columns}), two "
            f"different graphs. Set input_format='adjacency' or "
            f"input_format='edgelist' (or pass a scipy.sparse adjacency)."
        )
    if square:
        return sp.csr_matrix(X), None
    if edges:
        return edges_to_adjacency(X), None
    raise ValueError(
        "X must be a graph: a square adjacency matrix (scipy.sparse or dense), an "
        "(n_edges, 2) or (n_edges, 3) array of non-negative integer node ids with "
        f"optional weights, or a networkx graph. Got an array of shape {X.shape}. "
        "To embed nodes of a fixed graph, pass it as graph= and node ids as X."
    )


def check_node_ids(estimator, X, n_nodes, *, reset, min_samples=1, hint=""):
    """The node ids in ``X`` (one column, or a 1-D array) as int64.

    Runs scikit-learn's ``validate_data`` (so ``n_features_in_`` is 1) and
    checks that the ids are integers in ``[0, n_nodes)``. ``hint`` ends the
    message of the one-column error.
    """
    from sklearn.utils.validation import validate_data

    if _is_networkx(X):  # np.asarray would read its node labels as ids
        raise ValueError(
            f"X must be node ids (row indices of graph); got a networkx graph."
            f"{hint}"
        )
    if not (hasattr(X, "iloc") or sp.issparse(X)):  # sparse: sklearn's message
        X = np.asarray(X)
    if getattr(X, "ndim", 2) == 1:
        X = np.asarray(X).reshape(-1, 1)
    X = validate_data(estimator, X, dtype=None, reset=reset,
                      ensure_min_samples=min_samples)
    if X.shape[1] != 1:
        raise ValueError(
            f"X must be one column of node ids (row indices of graph); got "
            f"{X.shape[1]} columns.{hint}"
        )
    ids = X[:, 0]
    if ids.dtype.kind == "O":  # an object array of Python ints, as numpy reads them
        try:
            converted = np.array(ids.tolist())
        except (TypeError, ValueError):
            converted = ids
        if converted.dtype.kind in "iuf":
            ids = converted
    if ids.dtype.kind not in "iuf" or (
        ids.dtype.kind == "f" and np.any(ids != np.round(ids))
    ):
        raise ValueError(f"Node ids must be integers; got dtype {ids.dtype}.")
    # the range on the ids as given (cast first, 1e19 read as -9.2e18)
    if ids.size and (ids.min() < 0 or ids.max() >= n_nodes):
        low, high = (int(v) if np.isfinite(v) else v for v in (ids.min(), ids.max()))
        raise ValueError(
            f"Node ids must lie in [0, {n_nodes}), the graph's nodes; got "
            f"{low}..{high}."
        )
    return ids.astype(np.int64)
