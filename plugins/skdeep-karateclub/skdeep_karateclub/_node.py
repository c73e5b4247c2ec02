"""Base of the karateclub node embedders (one row per node of one graph)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause


import numpy as np
import scipy.sparse as sp

from skdeep.graph import BaseNodeEmbedder
from skdeep_karateclub._common import (
    KarateClubParams,
    fit_model,
    karateclub_call,
    karateclub_class,
    model_graph,
)

_ARPACK = (
    "ARPACK (scipy eigsh inside karateclub) does not converge on the checks' "
    "graphs (linear kernels of random data, nearly rank one) from any of the "
    "three seeded start vectors fit tries"
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
# Whether eigsh fails there depends on scipy's ARPACK build: it fails with
# scipy 1.17 and passes with 1.13 (the lowest release skdeep allows), so
# these expected failures are not strict (see
# skdeep.utils.estimator_checks.build_dependent_checks).
# RandNE's outcome on the same graphs turns on its random base embedding.
BUILD_DEPENDENT_CHECKS = {"SocioDim": frozenset(_SOCIODIM_CHECKS),
                          "RandNE": frozenset(_SOCIODIM_CHECKS)}
_DIFF2VEC = (
    "graphs with a connected component smaller than diffusion_cover are refused "
    "(karateclub's Diff2Vec would loop forever); the checks' sparse and "
    "one-feature inputs have isolated nodes"
)
_RANDNE = (
    "the checks' graphs (kernels of random data: complete, nearly rank one) "
    "are smoothed by karateclub's RandNE to nearly constant columns, which it "
    "divides by their standard deviation: for most random base embeddings "
    "(the checks' random_state=None) it is 0 and the embedding NaN, refused "
    "with a ValueError (it was returned silently); not strict, since some "
    "draws give a finite embedding"
)
EXPECTED_FAILED_CHECKS = {
    "SocioDim": dict.fromkeys(_SOCIODIM_CHECKS, _SOCIODIM),
    "RandNE": dict.fromkeys(_SOCIODIM_CHECKS, _RANDNE),
    "GLEE": dict.fromkeys(
        ["check_pipeline_consistency", "check_estimators_pickle"], _ARPACK),
    "Diff2Vec": dict.fromkeys(
        ["check_estimator_sparse_array", "check_estimator_sparse_matrix",
         "check_estimator_sparse_tag", "check_fit2d_1feature"], _DIFF2VEC),
}


def _check_diff2vec(G, params):
    import networkx as nx

    smallest = min(len(c) for c in nx.connected_components(G))
    if params["diffusion_cover"] > smallest:
        raise ValueError(
            f"diffusion_cover={params['diffusion_cover']} exceeds the size of the "
            f"smallest connected component ({smallest} nodes); karateclub's "
            "Diff2Vec would loop forever."
        )


def _check_sociodim(G, params):
    # scipy's eigsh falls back to a full eigh when k >= N, with a bare
    # RuntimeWarning, and the embedding had N columns, not ``dimensions``
    if params["dimensions"] >= G.number_of_nodes():
        raise ValueError(
            f"KarateClubSocioDim: dimensions={params['dimensions']} needs a "
            f"graph of more nodes than that (it takes the leading eigenvectors "
            f"of the modularity matrix); this one has {G.number_of_nodes()}."
        )


def _graph_size(G, n_edges):
    """The graph's size for an error message, and the likely cause
    (``n_edges`` counted before the fit: karateclub adds a self-loop to every
    node of the graph it is given)."""
    largest = max((abs(w) for *_, w in G.edges(data="weight", default=1.0)), default=0)
    if largest > 1e4:
        # karateclub multiplies the adjacency in float32 (HOPE: A @ A): weights
        # of 1e10 overflowed LAPACK, and the message blamed the graph's size
        return (f"({G.number_of_nodes()} nodes, {n_edges} edges, edge "
                f"weights up to {largest:.3g}: such weights can overflow its "
                f"float32 arithmetic; divide them by the largest one first)")
    return (f"({G.number_of_nodes()} nodes, {n_edges} edges; small "
            f"or edgeless graphs are often out of its reach)")


def fit_karateclub(name, params, adjacency, features, seed):
    """Fit karateclub's ``name`` on the graph; global RNG states are restored."""
    cls = karateclub_class(name)
    G = model_graph(name, adjacency)
    if name == "Diff2Vec":
        _check_diff2vec(G, params)
    if name == "SocioDim":
        _check_sociodim(G, params)
    fit_args = (G,) if features is None else (G, features)
    n_edges = G.number_of_edges()
    with karateclub_call():
        try:
            model = fit_model(cls, params, seed, *fit_args)
        except (TypeError, ValueError, RuntimeError) as exc:
            # scipy's eigensolvers and gensim failed on small graphs with
            # "k >= N", "Starting vector is zero", "build vocabulary first"
            raise ValueError(
                f"KarateClub{name}: karateclub's {name} failed on this graph "
                f"{_graph_size(G, n_edges)}: {type(exc).__name__}: {exc}"
            ) from exc
        embedding = np.asarray(model.get_embedding(), dtype=np.float64)
    if not np.isfinite(embedding).all():  # (RandNE and TADW gave NaN rows)
        raise ValueError(
            f"KarateClub{name}: karateclub's {name} gave NaN or infinite "
            f"embeddings on this graph {_graph_size(G, n_edges)}."
        )
    return embedding


class KarateClubEmbedder(KarateClubParams, BaseNodeEmbedder):
    """Base of the generated karateclub node embedders."""

    _required_modules = ("karateclub", "networkx")
    _model_name = None
    _kind = "node"
    _xfails = {}  # {check_name: reason}, set per model by the class generator

    def _embed(self, adjacency, seed, memory):
        features = None
        if self._kind == "attributed":
            features = self.node_features
            if features is None:
                features = adjacency  # the adjacency rows as node features
            elif hasattr(features, "to_numpy"):
                # a nullable frame's pd.NA gave pandas' bare "boolean value of
                # NA is ambiguous": as NaN, refused below
                features = features.to_numpy(dtype=np.float64, na_value=np.nan)
            dense = not sp.issparse(features)
            # canonical: stored zeros are no features, duplicates are one
            # (MUSAE, SINE, AE and ASNE read every stored entry as one present
            # feature, and their sampling follows the stored order: unsorted
            # indices changed the embedding)
            # (a copy: these compact the arrays a CSR float64 input shares
            # with it, the user's X, graph or node_features)
            features = sp.csr_matrix(features, dtype=np.float64, copy=True)
            features.sum_duplicates()
            features.eliminate_zeros()
            features = features.tocoo()
            if self._model_name == "FeatherNode" and (
                dense or features.shape[1] <= self.reduction_dimensions
            ):
                # karateclub reduces a sparse matrix with a truncated SVD of
                # reduction_dimensions components (it failed below that many
                # columns: the 34-node karate club at the defaults) and takes
                # a dense one as it is up to that width: dense features, and
                # narrow defaults, go as karateclub's own users give them
                features = features.toarray()
            if features.shape[0] != adjacency.shape[0]:
                raise ValueError(
                    f"node_features has {features.shape[0]} rows for a graph of "
                    f"{adjacency.shape[0]} nodes."
                )
            values = features if isinstance(features, np.ndarray) else features.data
            if not np.isfinite(values).all():
                # (TENE and FSCNMF embedded every node as NaN, silently)
                raise ValueError("node_features contains NaN or infinity.")
        fit = memory.cache(fit_karateclub)
        return fit(self._model_name, self._karateclub_params(), adjacency, features,
                   seed)

    def _expected_failed_checks(self):
        return {**super()._expected_failed_checks(), **self._xfails}

    def _build_dependent_checks(self):
        return BUILD_DEPENDENT_CHECKS.get(self._model_name, frozenset())
