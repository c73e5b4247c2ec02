"""What the karateclub wrappers share: graphs, quiet and RNG-neutral fits."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import random
import warnings

import numpy as np
import scipy.sparse as sp


def karateclub_class(name):
    import karateclub

    return getattr(karateclub, name)


def to_networkx(adjacency, weighted=True):
    """Undirected networkx graph with nodes ``0 .. n-1`` (karateclub's indexing)."""
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


@contextlib.contextmanager
def karateclub_call():
    """Run karateclub code: its expected warnings silenced, global RNGs restored.

    karateclub seeds Python's and numpy's global generators (``_set_seed``);
    their states are put back on exit, whatever happens inside.
    """
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        with warnings.catch_warnings():
            # Warnings of karateclub's own code, not the user's: gensim's renamed
            # ``docvecs`` (AE, ASNE, MUSAE, Graph2Vec, GL2Vec) and numpy's
            # divisions by zero on degenerate toy graphs (BoostNE) say nothing
            # the user can act on.
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
            yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


def fit_model(cls, params, seed, *fit_args, attempts=3):
    """``cls(**params, seed=seed).fit(*fit_args)``, retried when ARPACK fails.

    Some karateclub models (GLEE, ...) call scipy's ``eigsh`` without a start
    vector, so ARPACK draws one from its own Fortran generator, which no seed
    reaches; on small graphs an unlucky draw ends in ``ArpackError``
    ("no shifts could be applied") where another draw converges. ``seed=None``
    is for the models without a ``seed`` parameter.
    """
    from scipy.sparse.linalg import ArpackError

    kwargs = dict(params) if seed is None else {**params, "seed": seed}
    for attempt in range(attempts):
        model = cls(**kwargs)
        try:
            model.fit(*fit_args)
            return model
        except ArpackError:
            if attempt == attempts - 1:
                raise


class KarateClubParams:
    """Mixin of the generated wrappers: their karateclub parameters, as a dict."""

    _model_params = ()  # karateclub's parameter names, set by the generator

    def _karateclub_params(self):
        params = {}
        for key in self._model_params:
            value = getattr(self, key)
            params[key] = list(value) if isinstance(value, tuple) else value
        return params
