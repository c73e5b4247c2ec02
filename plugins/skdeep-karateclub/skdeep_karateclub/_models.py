"""karateclub's node-embedding models as skdeep node embedders (generated classes)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect
import random
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp

from skdeep.graph import BaseNodeEmbedder

# name -> (kind, fast parameters for the conformance checks and tests).
# "graph" models see only the graph; "attributed" ones also take node features.
WORKING = {
    "BoostNE": ("graph", {"dimensions": 2, "iterations": 2, "order": 2}),
    "DeepWalk": ("graph", {"walk_number": 2, "walk_length": 5, "dimensions": 4,
                           "window_size": 2}),
    "Diff2Vec": ("graph", {"diffusion_number": 2, "diffusion_cover": 3,
                           "dimensions": 4, "window_size": 2}),
    "FirstOrderLINE": ("graph", {"dimensions": 4, "epochs": 3}),
    "GLEE": ("graph", {"dimensions": 2}),
    "GraRep": ("graph", {"dimensions": 2, "iteration": 2, "order": 2}),
    "HOPE": ("graph", {"dimensions": 2}),
    "LaplacianEigenmaps": ("graph", {"dimensions": 2}),
    "NMFADMM": ("graph", {"dimensions": 2, "iterations": 5}),
    "NetMF": ("graph", {"dimensions": 2, "iteration": 2, "order": 2}),
    "Node2Vec": ("graph", {"walk_number": 1, "walk_length": 5, "dimensions": 4,
                           "window_size": 2, "p": 0.5, "q": 2.0}),
    "NodeSketch": ("graph", {"dimensions": 4, "iterations": 2}),
    "RandNE": ("graph", {"dimensions": 4}),
    "SecondOrderLINE": ("graph", {"dimensions": 4, "epochs": 3}),
    "SocioDim": ("graph", {"dimensions": 2}),
    "Walklets": ("graph", {"walk_number": 2, "walk_length": 6, "dimensions": 2,
                           "window_size": 2}),
    "Role2Vec": ("graph", {"walk_number": 2, "walk_length": 5, "dimensions": 4,
                           "window_size": 2, "min_count": 1}),
    "AE": ("attributed", {"walk_number": 2, "walk_length": 5, "dimensions": 2,
                          "window_size": 2, "epochs": 1}),
    "ASNE": ("attributed", {"dimensions": 4, "epochs": 2}),
    "BANE": ("attributed", {"dimensions": 2, "svd_iterations": 2, "iterations": 2,
                            "binarization_iterations": 2}),
    "FSCNMF": ("attributed", {"dimensions": 2, "iterations": 5}),
    "FeatherNode": ("attributed", {"reduction_dimensions": 2, "svd_iterations": 2,
                                   "eval_points": 2, "order": 2}),
    "MUSAE": ("attributed", {"walk_number": 2, "walk_length": 5, "dimensions": 2,
                             "window_size": 2, "epochs": 1}),
    "SINE": ("attributed", {"walk_number": 2, "walk_length": 5, "dimensions": 4,
                            "window_size": 2}),
    "TADW": ("attributed", {"dimensions": 2, "reduction_dimensions": 2,
                            "svd_iterations": 2, "iterations": 2}),
    "TENE": ("attributed", {"dimensions": 2, "iterations": 5}),
}

NOT_WORKING = {
    "GraphWave": (
        "calls pygsp.filters.Heat(tau=...); pygsp 0.6 renamed the argument "
        "(scale), and pygsp 0.5.1, the last release with tau, predates numpy 2"
    ),
    "NEU": (
        "a meta-model: fit(graph, model) post-processes another fitted model's "
        "embedding, so it is not a node embedder on its own"
    ),
}

# Models whose karateclub code breaks on weighted undirected graphs.
_UNWEIGHTED = {"Node2Vec"}

_ARPACK = (
    "ARPACK (scipy eigsh/svds) draws its start vector from its own RNG, not from "
    "seed, and does not always converge on the checks' graphs (linear kernels of "
    "random data, nearly rank one)"
)
_SOCIODIM = (
    "the checks' graphs (linear kernels of random positive data, nearly rank one) "
    "have a near-zero modularity matrix, on which karateclub's eigsh call fails "
    "('Starting vector is zero')"
)
_SOCIODIM_CHECKS = (
    "check_dict_unchanged check_dont_overwrite_parameters check_dtype_object "
    "check_estimators_dtypes check_estimators_fit_returns_self "
    "check_estimators_nan_inf check_estimators_overwrite_params "
    "check_estimators_pickle check_f_contiguous_array_estimator "
    "check_fit2d_predict1d check_fit_check_is_fitted check_fit_idempotent "
    "check_fit_score_takes_y check_methods_sample_order_invariance "
    "check_methods_subset_invariance check_n_features_in "
    "check_n_features_in_after_fitting check_pipeline_consistency "
    "check_readonly_memmap_input"
).split()
_DIFF2VEC = (
    "graphs with a connected component smaller than diffusion_cover are refused "
    "(karateclub's Diff2Vec would loop forever); the checks' sparse and "
    "one-feature inputs have isolated nodes"
)
EXPECTED_FAILED_CHECKS = {
    "SocioDim": dict.fromkeys(_SOCIODIM_CHECKS, _SOCIODIM),
    "GLEE": dict.fromkeys(
        ["check_pipeline_consistency", "check_estimators_pickle",
         "check_estimator_sparse_array", "check_estimator_sparse_matrix",
         "check_fit_idempotent", "check_dtype_object"], _ARPACK),
    "HOPE": dict.fromkeys(["check_pipeline_consistency", "check_fit_idempotent"],
                          _ARPACK),
    "LaplacianEigenmaps": dict.fromkeys(
        ["check_pipeline_consistency", "check_fit_idempotent"], _ARPACK),
    "Diff2Vec": dict.fromkeys(
        ["check_estimator_sparse_array", "check_estimator_sparse_matrix",
         "check_estimator_sparse_tag", "check_fit2d_1feature"], _DIFF2VEC),
}

# Defaults we change from karateclub's: reproducible and silent by default.
_DEFAULT_OVERRIDES = {"workers": 1, "verbose": False}


def _karateclub_class(name):
    import karateclub

    return getattr(karateclub, name)


def _to_networkx(adjacency, weighted=True):
    import networkx as nx

    A = sp.csr_matrix(adjacency)
    A = A.maximum(A.T)  # karateclub models read undirected graphs
    if weighted:
        return nx.from_scipy_sparse_array(A, edge_attribute="weight")
    G = nx.Graph()
    G.add_nodes_from(range(A.shape[0]))
    coo = sp.triu(A).tocoo()
    G.add_edges_from(zip(coo.row.tolist(), coo.col.tolist()))
    return G


def _check_diff2vec(G, params):
    import networkx as nx

    smallest = min(len(c) for c in nx.connected_components(G))
    if params["diffusion_cover"] > smallest:
        raise ValueError(
            f"diffusion_cover={params['diffusion_cover']} exceeds the size of the "
            f"smallest connected component ({smallest} nodes); karateclub's "
            "Diff2Vec would loop forever."
        )


def _fit_with_arpack_retries(cls, params, seed, G, features, attempts=3):
    """Fit, retrying when ARPACK fails to converge from its random start.

    Some karateclub models (GLEE, ...) call scipy's ``eigsh`` without a start
    vector, so ARPACK draws one from its own Fortran generator, which no seed
    reaches; on small graphs an unlucky draw ends in ``ArpackError``
    ("no shifts could be applied") where another draw converges.
    """
    from scipy.sparse.linalg import ArpackError

    for attempt in range(attempts):
        model = cls(**params, seed=seed)
        try:
            if features is None:
                model.fit(G)
            else:
                model.fit(G, features)
            return model
        except ArpackError:
            if attempt == attempts - 1:
                raise


def fit_karateclub(name, params, adjacency, features, seed):
    """Fit karateclub's ``name`` on the graph; global RNG states are restored."""
    cls = _karateclub_class(name)
    weighted = name not in _UNWEIGHTED
    if not weighted and adjacency.nnz and np.ptp(adjacency.data) > 0:
        warnings.warn(
            f"karateclub's {name} cannot read the edge weights of undirected graphs "
            "(its walker looks for edge data that Graph.edges(node) does not "
            "return); the walks ignore them. skdeep.graph.Node2VecEmbedder "
            "handles weights.",
            UserWarning,
        )
    G = _to_networkx(adjacency, weighted=weighted)
    if name == "Diff2Vec":
        _check_diff2vec(G, params)
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        with warnings.catch_warnings():
            # Warnings of karateclub's own code, not the user's: gensim's renamed
            # ``docvecs`` (AE, ASNE, MUSAE) and numpy's divisions by zero on
            # degenerate toy graphs (BoostNE) say nothing the user can act on.
            warnings.filterwarnings(
                "ignore", message="Call to deprecated `docvecs`",
                category=DeprecationWarning,
            )
            warnings.filterwarnings(
                "ignore", category=RuntimeWarning, module="karateclub"
            )
            # ... and of the scikit-learn decompositions it runs inside
            # (NMF iterations, TruncatedSVD's variance ratio on rank-poor
            # toy matrices).
            warnings.filterwarnings(
                "ignore", category=RuntimeWarning, module="sklearn.decomposition"
            )
            warnings.filterwarnings(
                "ignore", message="Maximum number of iterations", module="sklearn"
            )
            model = _fit_with_arpack_retries(cls, params, seed, G, features)
            embedding = np.asarray(model.get_embedding(), dtype=np.float64)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    return embedding


class KarateClubEmbedder(BaseNodeEmbedder):
    """Base of the generated karateclub wrappers."""

    _required_modules = ("karateclub", "networkx")
    _model_name = None
    _kind = "graph"

    def _karateclub_params(self):
        params = {}
        for key in self._model_params:
            value = getattr(self, key)
            params[key] = list(value) if isinstance(value, tuple) else value
        return params

    def _embed(self, adjacency, seed, memory):
        features = None
        if self._kind == "attributed":
            features = self.node_features
            if features is None:
                features = adjacency  # the adjacency rows as node features
            features = sp.coo_matrix(features, dtype=np.float64)
            if features.shape[0] != adjacency.shape[0]:
                raise ValueError(
                    f"node_features has {features.shape[0]} rows for a graph of "
                    f"{adjacency.shape[0]} nodes."
                )
        fit = memory.cache(fit_karateclub)
        return fit(self._model_name, self._karateclub_params(), adjacency, features,
                   seed)

    def _expected_failed_checks(self):
        return {
            **super()._expected_failed_checks(),
            **EXPECTED_FAILED_CHECKS.get(self._model_name, {}),
        }


_DOC = """karateclub's ``{name}`` ({kind} node embedding) as an skdeep node embedder.

    Follows skdeep's graph conventions: ``fit(X)`` with the graph (square
    adjacency, edge array or networkx graph; karateclub reads it as undirected)
    and ``fit_transform`` returning one row per node, or ``graph=`` fixed and
    ``X`` a column of node ids (``transform`` then returns their rows).
    karateclub's global ``random``/``numpy`` seeding is undone after ``fit``.
{features}
    Parameters
    ----------
{params}
    graph : scipy.sparse matrix, ndarray or networkx graph, default=None
        A fixed graph; ``X`` is then a column of node ids.
{features_param}
    memory : str or joblib.Memory, default=None
        Caches fitted embeddings across identical fits (grid-search folds).

    random_state : int, RandomState instance or None, default=None
        Seed passed to karateclub (its ``seed``).

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, n_components)
        karateclub's ``get_embedding()``.

    n_nodes_ : int
        Number of nodes.

    n_features_in_ : int
        ``n_nodes`` when the graph is ``X``, 1 with ``graph=`` set.

    Notes
    -----
    karateclub's own documentation of the model:

    {original}
"""


def _make_class(name, kind, test_params):
    cls = _karateclub_class(name)
    sig = inspect.signature(cls.__init__)
    params = [(k, p.default) for k, p in sig.parameters.items()
              if k not in ("self", "seed")]
    defaults = {}
    for key, default in params:
        default = _DEFAULT_OVERRIDES.get(key, default)
        if isinstance(default, list):
            default = tuple(default)
        defaults[key] = default
    keys = [k for k, _ in params]
    first, rest = keys[0], keys[1:]
    extra = ["graph"] + (["node_features"] if kind == "attributed" else [])
    all_keys = [first] + extra + rest + ["memory", "random_state"]
    signature = (
        f"self, {first}=_d[{first!r}], *, "
        + ", ".join(
            f"{k}=_d[{k!r}]" if k in defaults else f"{k}=None"
            for k in all_keys[1:]
        )
    )
    body = "\n".join(f"    self.{k} = {k}" for k in all_keys)
    namespace = {"_d": defaults}
    exec(f"def __init__({signature}):\n{body}\n", namespace)  # noqa: S102
    init = namespace["__init__"]

    constraints = dict(BaseNodeEmbedder._parameter_constraints)
    constraints["node_features"] = [None, "array-like", "sparse matrix"]
    for key, default in defaults.items():
        if isinstance(default, bool):
            constraints[key] = ["boolean"]
        elif isinstance(default, Integral):
            constraints[key] = [Integral]

    def get_test_params(klass, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return dict(test_params)

    doc_params = "\n\n".join(
        f"    {k} : {type(v).__name__}, default={v!r}\n"
        f"        karateclub's ``{k}``" + (
            " (karateclub's default is changed here)" if k in _DEFAULT_OVERRIDES
            else "") + "."
        for k, v in defaults.items()
    )
    original = inspect.getdoc(cls) or ""
    original = "\n    ".join(original.splitlines()[:12]).replace("`_", "`")
    doc = _DOC.format(
        name=name, kind=kind, params=doc_params + "\n",
        features=("\n    The node features are ``node_features`` (n_nodes, n_features);"
                  "\n    without them the adjacency rows serve as features.\n"
                  if kind == "attributed" else ""),
        features_param=("\n    node_features : array-like or sparse matrix of shape "
                        "(n_nodes, n_features), default=None\n        Node "
                        "attributes; ``None`` uses the adjacency rows.\n"
                        if kind == "attributed" else ""),
        original=original,
    )
    klass = type(
        f"KarateClub{name}",
        (KarateClubEmbedder,),
        {
            "__init__": init,
            "__doc__": doc,
            "__module__": __name__,
            "_model_name": name,
            "_kind": kind,
            "_model_params": tuple(keys),
            "_parameter_constraints": constraints,
            "get_test_params": classmethod(get_test_params),
        },
    )
    init.__qualname__ = f"{klass.__name__}.__init__"
    return klass


def make_classes():
    """The wrapper classes, ``{class_name: class}``, for the models that import."""
    classes = {}
    for name, (kind, test_params) in WORKING.items():
        klass = _make_class(name, kind, test_params)
        classes[klass.__name__] = klass
    return classes


CLASSES = make_classes()
globals().update(CLASSES)  # module-level names, so the classes pickle
__all__ = ["KarateClubEmbedder", *CLASSES]
