"""What the karateclub wrappers share: graphs, quiet and RNG-neutral fits."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import random
import threading
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


# karateclub draws from Python's and numpy's global generators, which belong
# to the process, and warnings.catch_warnings changes the process's filters:
# calls from several threads take turns, or each would draw from the others'
# streams and put back the states it found on entry.
_karateclub_lock = threading.RLock()


@contextlib.contextmanager
def karateclub_call():
    """Run karateclub code: its expected warnings silenced, global RNGs restored.

    karateclub seeds Python's and numpy's global generators (``_set_seed``);
    their states are put back on exit, whatever happens inside. Calls from
    several threads take turns, so a seeded fit gives the same embedding
    whatever runs beside it.
    """
    with _karateclub_lock:
        yield from _karateclub_call()


def _karateclub_call():
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


# The solver patches of seeded_arpack: installed while any thread is inside
# it, each thread drawing from its own generator (others solve as scipy does).
_arpack_lock = threading.Lock()
_arpack_users = 0
_arpack_originals = []
_arpack_local = threading.local()


def _solver_with_seeded_start(solve, length):
    def solve_from_seeded_start(A, *args, **kwargs):
        rng = getattr(_arpack_local, "rng", None)
        # v0 is the fifth argument after A of both solvers
        if (rng is not None and len(args) < 5 and kwargs.get("v0") is None
                and kwargs.get("solver", "arpack") == "arpack"):
            kwargs["v0"] = rng.uniform(-1.0, 1.0, length(A.shape))
        return solve(A, *args, **kwargs)

    return solve_from_seeded_start


@contextlib.contextmanager
def seeded_arpack(seed):
    """Give the ARPACK solves inside karateclub start vectors drawn from ``seed``.

    karateclub calls scipy's ``eigsh`` and ``svds`` without a start vector
    (``v0``), so ARPACK draws one from its own Fortran generator, which no seed
    reaches: two fits with the same ``random_state`` differed in their last
    digits, and on the nearly degenerate graphs of the conformance checks in
    their eigenvectors. Inside this context, calls that give no ``v0`` get one
    from ``np.random.RandomState(seed)`` (uniform on [-1, 1), like ARPACK's own).
    The solvers are wrapped on the ``scipy.sparse.linalg`` module (and on
    karateclub's SF, which imported ``eigsh`` by name) while any thread is in
    this context; the wrappers read the calling thread's generator, so other
    threads' solves, inside or outside karateclub, are not affected.
    """
    global _arpack_users
    import sys

    import scipy.sparse.linalg as spla

    with _arpack_lock:
        if _arpack_users == 0:
            owners = [(spla, "eigsh", lambda shape: shape[0]), (spla, "svds", min)]
            sf = sys.modules.get("karateclub.graph_embedding.sf")
            if sf is not None:
                owners.append((sf, "eigsh", lambda shape: shape[0]))
            for owner, name, length in owners:
                original = getattr(owner, name)
                _arpack_originals.append((owner, name, original))
                setattr(owner, name, _solver_with_seeded_start(original, length))
        _arpack_users += 1
    previous = getattr(_arpack_local, "rng", None)
    _arpack_local.rng = np.random.RandomState(0 if seed is None else seed)
    try:
        yield
    finally:
        _arpack_local.rng = previous
        with _arpack_lock:
            _arpack_users -= 1
            if _arpack_users == 0:
                for owner, name, original in _arpack_originals:
                    setattr(owner, name, original)
                _arpack_originals.clear()


def fit_model(cls, params, seed, *fit_args, attempts=3):
    """``cls(**params, seed=seed).fit(*fit_args)`` with seeded ARPACK starts
    (:func:`seeded_arpack`), retried from another start when ARPACK fails.

    On small graphs a start vector can end in ``ArpackError`` ("no shifts
    could be applied") where another converges; attempt ``k`` starts from
    ``seed + k``, so the result is still a function of ``seed``. ``seed=None``
    is for the models without a ``seed`` parameter (their starts come from 0).
    """
    from scipy.sparse.linalg import ArpackError

    kwargs = dict(params) if seed is None else {**params, "seed": seed}
    for attempt in range(attempts):
        model = cls(**kwargs)
        try:
            with seeded_arpack(((seed or 0) + attempt) % 2**32):
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
