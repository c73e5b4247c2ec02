"""What the karateclub wrappers share: graphs, quiet and RNG-neutral fits."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import hashlib
import logging
import random
import threading
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn

from skdeep.utils._logging import quiet_logger
from skdeep.utils.validation import plain_numbers


def karateclub_class(name):
    import karateclub

    return getattr(karateclub, name)


# Models that cannot use edge weights, with the reason; they read the graph
# without its weights (a warning says so where the weights differ):
# * karateclub's Node2Vec walker looks for edge data that Graph.edges(node)
#   does not return;
# * the others divide the weighted adjacency (nx.adjacency_matrix) by the
#   unweighted degrees (graph.degree), or build a modularity matrix from the
#   unweighted degrees and edge count: on a weighted graph their D^-1 A is
#   not row-stochastic, and the same graph with its weights times a constant
#   gave another embedding (GraRep: every node the same at 1e6; BoostNE:
#   overflow).
_UNWEIGHTED_REASON = {
    "Node2Vec": (
        "its walker looks for edge data that Graph.edges(node) does not "
        "return); the walks ignore them. skdeep.graph.Node2VecEmbedder "
        "handles weights."
    ),
}
_UNWEIGHTED_REASON.update(dict.fromkeys(
    ["BoostNE", "FSCNMF", "FeatherGraph", "FeatherNode", "GeoScattering",
     "GraRep", "IGE", "MNMF", "NMFADMM", "NNSED", "NetMF", "RandNE", "SymmNMF",
     "TENE", "WaveletCharacteristic"],
    "its code divides the weighted adjacency by the unweighted degrees); it "
    "reads the graph without them.",
))


def model_graph(name, adjacency):
    """The networkx graph karateclub's model ``name`` fits on: weighted, or
    unweighted for models that cannot use the weights (warned where the
    weights differ)."""
    reason = _UNWEIGHTED_REASON.get(name)
    weights = sp.csr_matrix(adjacency).data
    if reason is not None and weights.size and np.ptp(weights) > 0:
        warnings.warn(
            f"karateclub's {name} cannot read the edge weights of undirected "
            f"graphs ({reason}",
            UserWarning,
        )
    return to_networkx(adjacency, weighted=reason is None)


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
            # (scipy's eigensolver warnings name their caller, which is the
            # seeded-start wrapper below when karateclub calls through it)
            warnings.filterwarnings(
                "ignore", category=RuntimeWarning, module="skdeep_karateclub._common"
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
            # arrays from those decompositions, whatever the caller's
            # transform_output (karateclub indexes them as arrays: BoostNE
            # and DANMF failed under a global pandas output)
            # gensim's INFO lines and its warning about karateclub's own
            # settings ("Both hierarchical softmax and negative sampling are
            # activated") go through logging, which filters do not reach
            with sklearn.config_context(transform_output="default"), \
                    quiet_logger("gensim", logging.ERROR):
                yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


class _PatchWhileInside:
    """Module attributes replaced while any thread is inside :meth:`inside`.

    ``targets()`` lists ``(owner, name, wrap)``: ``owner.name`` becomes
    ``wrap(original)`` when the first thread enters and is put back when the
    last one leaves. The wrappers read the calling thread's settings (the
    ``threading.local`` that :meth:`inside` yields), so threads outside keep
    the library's own behaviour.
    """

    def __init__(self, targets):
        self._targets = targets
        self._lock = threading.Lock()
        self._users = 0
        self._originals = []
        self.local = threading.local()

    @contextlib.contextmanager
    def inside(self):
        with self._lock:
            if self._users == 0:
                for owner, name, wrap in self._targets():
                    original = getattr(owner, name)
                    self._originals.append((owner, name, original))
                    setattr(owner, name, wrap(original))
            self._users += 1
        try:
            yield self.local
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    for owner, name, original in self._originals:
                        setattr(owner, name, original)
                    self._originals.clear()


def _solver_with_seeded_start(solve, length):
    def solve_from_seeded_start(A, *args, **kwargs):
        seed = getattr(_arpack_patch.local, "seed", None)
        # v0 is the fifth argument after A of both solvers
        if (seed is not None and len(args) < 5 and kwargs.get("v0") is None
                and kwargs.get("solver", "arpack") == "arpack"):
            # drawn afresh for every solve: a graph's start vector does not
            # depend on the graphs solved before it in the list
            rng = np.random.RandomState(seed)
            kwargs["v0"] = rng.uniform(-1.0, 1.0, length(A.shape))
        return solve(A, *args, **kwargs)

    return solve_from_seeded_start


def _arpack_targets():
    import sys

    import scipy.sparse.linalg as spla

    def wrap(length):
        return lambda solve: _solver_with_seeded_start(solve, length)

    targets = [(spla, "eigsh", wrap(lambda shape: shape[0])), (spla, "svds", wrap(min))]
    sf = sys.modules.get("karateclub.graph_embedding.sf")
    if sf is not None:  # it imported eigsh by name
        targets.append((sf, "eigsh", wrap(lambda shape: shape[0])))
    return targets


_arpack_patch = _PatchWhileInside(_arpack_targets)


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
    this context; the wrappers read the calling thread's seed, so other
    threads' solves, inside or outside karateclub, are not affected. Every
    solve draws its start vector from a generator seeded afresh: one drawn
    stream gave each graph of a list a start that depended on the graphs
    solved before it, and IGE's features of a graph with repeated
    eigenvalues then depended on the rest of the batch.
    """
    with _arpack_patch.inside() as local:
        previous = getattr(local, "seed", None)
        local.seed = 0 if seed is None else seed
        try:
            yield
        finally:
            local.seed = previous


def _process_independent_hash(text):
    """A hash of ``text`` that is the same in every Python process (the
    built-in ``hash`` of a string is salted per process)."""
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little"
    )


def _weak_vector_with_stable_seed(original):
    def weak_vector(size, seed_string=None, hashfxn=hash):
        if getattr(_doc2vec_patch.local, "active", False) and hashfxn is hash:
            hashfxn = _process_independent_hash
        return original(size, seed_string=seed_string, hashfxn=hashfxn)

    return weak_vector


def _doc2vec_targets():
    import gensim.models.doc2vec as doc2vec

    return [(doc2vec, "pseudorandom_weak_vector", _weak_vector_with_stable_seed)]


_doc2vec_patch = _PatchWhileInside(_doc2vec_targets)


@contextlib.contextmanager
def process_independent_doc2vec_starts():
    """Make gensim's ``Doc2Vec.infer_vector`` start from the same vector in
    every process.

    ``infer_vector`` starts a new document's vector from a generator seeded
    by ``hash(" ".join(words))``, and Python salts string hashes per process
    (``PYTHONHASHSEED``): a fitted Graph2Vec or GL2Vec, saved and loaded
    elsewhere, embedded the same new graphs differently. Inside this context
    the seed is a process-independent hash of the same words, for the calling
    thread only (see :class:`_PatchWhileInside`).
    """
    with _doc2vec_patch.inside() as local:
        previous = getattr(local, "active", False)
        local.active = True
        try:
            yield
        finally:
            local.active = previous


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
            # numpy scalars from a parameter grid as Python ones (gensim gave
            # Graph2Vec other vectors for dimensions=np.int64(4))
            value = plain_numbers(getattr(self, key))
            params[key] = list(value) if isinstance(value, tuple) else value
        return params
