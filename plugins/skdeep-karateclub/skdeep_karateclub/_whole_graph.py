"""Base of the karateclub whole-graph embedders: transformers over lists of graphs."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import types

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from skdeep.graph import to_adjacency
from skdeep.utils._sklearn import _fit_context
from skdeep.utils.validation import check_float32_range
from skdeep_karateclub._common import (
    KarateClubParams,
    fit_model,
    karateclub_call,
    karateclub_class,
    process_independent_doc2vec_starts,
    seeded_arpack,
    model_graph,
)

# Models whose ``infer`` needs the fitted gensim Doc2Vec model.
_DOC2VEC = {"Graph2Vec", "GL2Vec"}
_DOC2VEC_IO = (
    "transform needs the fitted gensim Doc2Vec model (infer_vector), which "
    "skdeep.io cannot store without pickle: use pickle or joblib"
)

# Smallest graphs the models' eigensolvers accept: IGE's eigsh asks for 6
# eigenpairs, NetLSD's and SF's for n - 1 or so.
_MIN_NODES = {"IGE": 7, "NetLSD": 3, "SF": 2}


def _is_networkx(X):
    return hasattr(X, "adj") and hasattr(X, "nodes") and hasattr(X, "is_directed")


def check_graphs(X, *, features=False, min_nodes=1, model=None):
    """karateclub-ready networkx graphs from a list of graphs.

    Each graph is a square adjacency (scipy.sparse or dense), an
    ``(n_edges, 2|3)`` edge array or a networkx graph (see
    :func:`skdeep.graph.to_adjacency`); a 3-D array is a stack of equally sized
    adjacencies. The result has nodes ``0 .. n-1`` (networkx graphs in
    ``G.nodes()`` order, or by label where they are the integers ``0 .. n-1``),
    undirected edges and edge weights under
    ``"weight"`` (none for the ``model`` names that cannot use them, see
    :func:`~skdeep_karateclub._common.model_graph`). karateclub's
    graph-level models need connected graphs: others are refused, as are
    graphs of fewer than ``min_nodes`` nodes. With
    ``features=True`` the networkx inputs' node attribute ``"feature"`` is
    kept (Graph2Vec's ``attributed=True``).
    """
    stacked = isinstance(X, np.ndarray) and X.ndim == 3
    if stacked:
        X = list(X)
    elif (
        sp.issparse(X) or _is_networkx(X) or isinstance(X, (str, bytes))
        or (hasattr(X, "ndim") and getattr(X, "dtype", None) != object)
        or not hasattr(X, "__iter__")
    ):
        shape = getattr(X, "shape", None)
        raise ValueError(
            "X must be a list of graphs (scipy.sparse or dense square adjacencies, "
            "edge arrays or networkx graphs) or a 3-D array of adjacencies, one "
            f"output row per graph; got {type(X).__name__}"
            + (f" of shape {shape}" if shape is not None else "")
            + ". To embed the nodes of one graph, use a node embedder."
        )
    graphs = list(X)
    if not graphs:
        raise ValueError("X must hold at least one graph; got an empty list.")
    out = []
    for i, graph in enumerate(graphs):
        try:
            # (a stack holds adjacencies: small ones are not ambiguous there)
            adjacency, nodes = to_adjacency(
                graph, "adjacency" if stacked else "auto"
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Graph {i} of X is not a graph: {exc}") from exc
        n_nodes = adjacency.shape[0]
        if n_nodes == 0:
            raise ValueError(f"Graph {i} of X has no nodes.")
        if n_nodes < min_nodes:
            raise ValueError(
                f"Graph {i} of X has {n_nodes} node(s); karateclub's {model} needs "
                f"at least {min_nodes} (its eigensolver calls)."
            )
        if adjacency.nnz and (
            not np.all(np.isfinite(adjacency.data)) or adjacency.data.min() < 0
        ):
            raise ValueError(
                f"Graph {i} of X has negative or non-finite edge weights; they "
                "must be non-negative and finite."
            )
        check_float32_range(adjacency, input_name=f"graph {i} of X", estimator=model)
        # (of the edges the model sees: a stored zero linked two parts)
        linked = adjacency.copy()
        linked.eliminate_zeros()
        n_parts = connected_components(linked, directed=True, connection="weak")[0]
        if n_parts > 1:
            raise ValueError(
                f"Graph {i} of X is not connected ({n_parts} components): "
                "karateclub's graph-level models need connected graphs. Embed "
                "each component as a graph, or keep the largest."
            )
        G = model_graph(model, adjacency)
        if features:
            attributes = (
                [graph.nodes[node].get("feature") for node in nodes]
                if nodes is not None else [None]
            )
            if any(a is None for a in attributes):
                raise ValueError(
                    f"Graph {i} of X: attributed=True needs networkx graphs whose "
                    "nodes all have a 'feature' attribute."
                )
            for node, value in enumerate(attributes):
                G.nodes[node]["feature"] = value
        out.append(G)
    return out


class _NetworkxShim:
    """networkx, except that ``laplacian_matrix`` returns a scipy sparse *matrix*.

    karateclub's IGE calls ``nx.laplacian_matrix(graph).asfptype()``; networkx 3
    returns a sparse *array*, which lost ``asfptype`` in scipy 1.14.
    """

    def __getattr__(self, name):
        import networkx

        return getattr(networkx, name)

    @staticmethod
    def laplacian_matrix(G, *args, **kwargs):
        import networkx

        return sp.csr_matrix(networkx.laplacian_matrix(G, *args, **kwargs),
                             dtype=np.float64)


def _with_networkx_shim(function):
    """``function`` (karateclub's own code) with ``nx`` bound to the shim."""
    namespace = {**function.__globals__, "nx": _NetworkxShim()}
    return types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, function.__closure__)


def _ige_class():
    """karateclub's IGE, its two Laplacian methods run against the shim."""
    base = karateclub_class("IGE")
    return type("IGE", (base,), {
        "_get_spectral_features": _with_networkx_shim(base._get_spectral_features),
        "_get_histogram_features": _with_networkx_shim(
            base._get_histogram_features),
    })


def _model_class(name):
    return _ige_class() if name == "IGE" else karateclub_class(name)


def _add_self_loops(graphs):
    """karateclub's ``_ensure_integrity``, done up front to read the degrees."""
    for G in graphs:
        G.add_edges_from((node, node) for node in range(G.number_of_nodes()))
    return graphs


def fit_graph_embedder(name, params, graphs, seed):
    """Fit karateclub's whole-graph model ``name``; global RNG states are restored.

    Returns the embedding, one row per graph, and the state ``transform``
    needs beyond the parameters (the Doc2Vec model of Graph2Vec and GL2Vec,
    the largest degree for IGE; ``None`` for the others).
    """
    cls = _model_class(name)
    if name == "IGE":
        graphs = _add_self_loops(graphs)
    with karateclub_call():
        try:
            model = fit_model(cls, params, seed, graphs)
        except RuntimeError as exc:
            if name in _DOC2VEC and "build vocabulary" in str(exc):
                raise ValueError(
                    f"No Weisfeiler-Lehman feature of the graphs occurs "
                    f"min_count={params['min_count']} times, so {name}'s Doc2Vec "
                    "has an empty vocabulary: lower min_count (few or small "
                    "graphs)."
                ) from exc
            raise
        embedding = np.asarray(model.get_embedding(), dtype=np.float64)
    state = None
    if name in _DOC2VEC:
        state = model.model
        # infer_vector reads the word vectors only (and dv's width): the
        # training graphs' vectors, a second copy of embedding_ with a tag
        # per graph, made every pickle O(n_graphs) (half again at 128
        # dimensions)
        from gensim.models.keyedvectors import KeyedVectors

        state.dv = KeyedVectors(state.dv.vector_size, count=0)
    elif name == "IGE":
        state = int(model.max_deg)
    return embedding.reshape(len(graphs), -1), state


def infer_graph_embedder(name, params, graphs, seed, state):
    """karateclub's ``infer`` of the fitted model on new graphs."""
    cls = _model_class(name)
    model = cls(**params) if seed is None else cls(**params, seed=seed)
    if name in _DOC2VEC:
        # A shallow copy with a fresh generator: gensim's infer_vector draws its
        # negative samples from the model's RandomState, so inferring twice
        # would otherwise differ; the vectors are shared, and not trained.
        model.model = copy.copy(state)
        model.model.random = np.random.RandomState(seed)
    elif name == "IGE":
        graphs = _add_self_loops(graphs)
        for i, G in enumerate(graphs):
            degree = max(d for _, d in G.degree())
            if degree > state:
                raise ValueError(
                    f"Graph {i} of X has a node of degree {degree} (its self-loop "
                    f"counted twice, as karateclub does), more than the largest "
                    f"degree seen in fit ({state}): IGE's degree features have "
                    "one slot per degree up to that one. Fit on graphs that "
                    "include such degrees."
                )
        model.max_deg = state
    # the start vectors fit drew (its first attempt): a model that learns
    # nothing embeds the training graphs as fit did; Doc2Vec's inferred
    # vectors start where they would in any other process
    with (karateclub_call(), seeded_arpack(seed),
          process_independent_doc2vec_starts()):
        embedding = model.infer(graphs)
    return np.asarray(embedding, dtype=np.float64).reshape(len(graphs), -1)


class KarateClubGraphEmbedder(KarateClubParams, ClassNamePrefixFeaturesOutMixin,
                              TransformerMixin, BaseEstimator):
    """Base of the generated karateclub whole-graph embedders."""

    _model_name = None
    _kind = "whole-graph"
    _model_params = ()
    _seeded = True
    _xfails = {}  # {check_name: reason}, set per model by the class generator

    _parameter_constraints: dict = {"random_state": ["random_state"]}

    def _check_graphs(self, X, features=None):
        if features is None:
            features = bool(getattr(self, "attributed", False))
        return check_graphs(
            X, features=features,
            min_nodes=_MIN_NODES.get(self._model_name, 1), model=self._model_name,
        )

    def _fitted_params(self):
        """karateclub's parameters as fit used them: ``transform`` rebuilds
        the model from these, not from parameters set anew since (other
        Weisfeiler-Lehman features, or an output of another width than
        ``get_feature_names_out``); models saved before: the parameters."""
        fitted = getattr(self, "_fit_params", None)
        return dict(fitted) if fitted is not None else self._karateclub_params()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Embed a list of graphs.

        Parameters
        ----------
        X : list of graphs or ndarray of shape (n_graphs, n_nodes, n_nodes)
            Connected graphs: scipy.sparse or dense square adjacencies, edge
            arrays or networkx graphs (they may differ in size).

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        graphs = self._check_graphs(X)
        seed = None
        if self._seeded:
            rng = check_random_state(self.random_state)
            seed = int(rng.randint(np.iinfo(np.int32).max))
        params = self._karateclub_params()
        self.embedding_, state = fit_graph_embedder(
            self._model_name, params, graphs, seed
        )
        self._fit_params = params
        self.__dict__.pop("_fitted_state", None)  # (of an earlier fit)
        self._fit_attributed = bool(getattr(self, "attributed", False))
        self._seed = seed
        if state is not None:
            self._fitted_state = state
        self.n_graphs_ = len(graphs)
        return self

    def fit_transform(self, X, y=None):
        """Fit, then return the embedding of the graphs (``embedding_``).

        Parameters
        ----------
        X : list of graphs or ndarray of shape (n_graphs, n_nodes, n_nodes)
            See :meth:`fit`.

        y : Ignored

        Returns
        -------
        X_new : ndarray of shape (n_graphs, n_components)
        """
        return self.fit(X, y).embedding_.copy()

    def transform(self, X):
        """Embed new graphs with the fitted model (karateclub's ``infer``).

        Parameters
        ----------
        X : list of graphs or ndarray of shape (n_graphs, n_nodes, n_nodes)
            See :meth:`fit`.

        Returns
        -------
        X_new : ndarray of shape (n_graphs, n_components)
        """
        check_is_fitted(self)
        graphs = self._check_graphs(X, getattr(self, "_fit_attributed", None))
        return infer_graph_embedder(
            self._model_name, self._fitted_params(), graphs, self._seed,
            getattr(self, "_fitted_state", None),
        )

    def _before_save(self):
        # skdeep.io.save calls this first: name the model that cannot be
        # stored, not the private attribute that holds it
        if (self._model_name in _DOC2VEC
                and getattr(self, "_fitted_state", None) is not None):
            raise TypeError(
                f"Cannot save a fitted {type(self).__name__} with skdeep.io: "
                f"its {_DOC2VEC_IO}."
            )

    @property
    def _n_features_out(self):
        return self.embedding_.shape[1]

    def _conformance_data(self):
        """Graphs and labels for skdeep's own checks: rings and cliques."""
        graphs, y = [], []
        for n in range(8, 14):
            rows = np.arange(n)
            ring = sp.coo_matrix((np.ones(n), (rows, (rows + 1) % n)), shape=(n, n))
            graphs += [sp.csr_matrix(ring + ring.T), np.ones((n, n)) - np.eye(n)]
            y += [0, 1]
        return graphs, np.array(y)

    def _expected_failed_checks(self):
        return dict(self._xfails)
