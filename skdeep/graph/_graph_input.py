"""Graph inputs: networkx graphs, sparse or dense adjacencies and edge arrays to CSR."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array


def _is_networkx(X):
    return hasattr(X, "adj") and hasattr(X, "nodes") and hasattr(X, "is_directed")


def edges_to_adjacency(edges, n_nodes=None):
    """Undirected adjacency from an ``(n_edges, 2)`` or ``(n_edges, 3)`` edge array.

    Columns are source, target and (optionally) a non-negative weight. Each
    edge is added in both directions (use a sparse adjacency for directed
    graphs); repeated edges add up their weights.
    """
    edges = check_array(edges, dtype=np.float64, ensure_min_samples=1)
    if edges.shape[1] not in (2, 3):
        raise ValueError(
            f"An edge array must have 2 or 3 columns, got {edges.shape[1]}."
        )
    ends = edges[:, :2]
    if np.any(ends < 0) or np.any(ends != np.round(ends)):
        raise ValueError("Edge array node ids must be non-negative integers.")
    ends = ends.astype(np.int64)
    weights = edges[:, 2] if edges.shape[1] == 3 else np.ones(len(edges))
    n = int(ends.max()) + 1 if n_nodes is None else int(n_nodes)
    rows = np.r_[ends[:, 0], ends[:, 1]]
    cols = np.r_[ends[:, 1], ends[:, 0]]
    A = sp.coo_matrix((np.r_[weights, weights], (rows, cols)), shape=(n, n)).tocsr()
    # self-loops were added twice
    A.setdiag(A.diagonal() / 2)
    A.eliminate_zeros()
    return A


def to_adjacency(X):
    """CSR float64 adjacency and node labels (``None`` unless networkx) of a graph.

    Parameters
    ----------
    X : scipy.sparse matrix, array-like or networkx graph
        A square adjacency (sparse or dense; entry ``[i, j]`` is the weight of
        edge ``i -> j``), an ``(n_edges, 2|3)`` integer edge array (undirected,
        optional weight column) or a networkx graph (edge attribute
        ``"weight"``, rows in ``G.nodes()`` order).

    Returns
    -------
    adjacency : scipy.sparse.csr_matrix of shape (n_nodes, n_nodes)
    nodes : list or None
    """
    if _is_networkx(X):
        import networkx as nx

        nodes = list(X.nodes())
        A = nx.to_scipy_sparse_array(X, nodelist=nodes, weight="weight", format="csr")
        return sp.csr_matrix(A, dtype=np.float64), nodes
    if sp.issparse(X):
        if X.ndim != 2 or X.shape[0] != X.shape[1]:
            raise ValueError(
                f"A sparse adjacency must be square, got shape {X.shape}."
            )
        return sp.csr_matrix(X, dtype=np.float64), None
    X = check_array(X, dtype=np.float64, ensure_min_samples=2)
    if X.shape[0] == X.shape[1]:
        return sp.csr_matrix(X), None
    if X.shape[1] in (2, 3) and np.all(X[:, :2] >= 0) and np.all(
        X[:, :2] == np.round(X[:, :2])
    ):
        return edges_to_adjacency(X), None
    raise ValueError(
        "X must be a graph: a square adjacency matrix (scipy.sparse or dense), an "
        "(n_edges, 2) or (n_edges, 3) array of integer node ids with optional "
        f"weights, or a networkx graph. Got an array of shape {X.shape}. To "
        "embed nodes of a fixed graph, pass it as graph= and node ids as X."
    )


def check_node_ids(estimator, X, n_nodes, *, reset, min_samples=1, hint=""):
    """The node ids in ``X`` (one column, or a 1-D array) as int64.

    Runs scikit-learn's ``validate_data`` (so ``n_features_in_`` is 1) and
    checks that the ids are integers in ``[0, n_nodes)``. ``hint`` ends the
    message of the one-column error.
    """
    from sklearn.utils.validation import validate_data

    X = X if hasattr(X, "iloc") else np.asarray(X)
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
    if ids.dtype.kind not in "iuf" or (
        ids.dtype.kind == "f" and np.any(ids != np.round(ids))
    ):
        raise ValueError(f"Node ids must be integers; got dtype {ids.dtype}.")
    ids = ids.astype(np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= n_nodes):
        raise ValueError(
            f"Node ids must lie in [0, {n_nodes}), the graph's nodes; got "
            f"{ids.min()}..{ids.max()}."
        )
    return ids
