"""Random-walk node embedders: node2vec, DeepWalk and Walklets."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.utils import TransformerTags, check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, check_memory, validate_data

from skdeep.graph._graph_input import (
    INPUT_FORMAT_DOC,
    INPUT_FORMATS,
    check_node_ids,
    node_label_frame,
    to_adjacency,
)
from skdeep.graph._progress import Progress
from skdeep.graph._sgns import sgns_embedding
from skdeep.graph._walks import (
    CSRGraph,
    _check_dependencies,
    check_edge_weights,
    random_walks,
)
from skdeep.graph._word2vec import MAX_SEQUENCE_LENGTH, word2vec_embedding
from skdeep.utils._sklearn import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    wrap_transform_output,
)
from skdeep.utils.validation import check_float32_range

# check_clustering gives X as (50, 2) rows of blob features, whatever the
# estimator's tags: a graph clusterer refuses them as not square.
CLUSTERING_CHECK_REASON = (
    "check_clustering fits on (50, 2) rows of blob features, not a graph (it "
    "ignores the pairwise tag), and is refused as not square; the tests check "
    "labels_ against planted communities"
)

_GRAPH_DOC = """\
The graph is given in one of two ways (docs/graph.rst, "Two ways to give the graph"):

    * ``graph=None`` (default): ``fit(X)`` takes the graph itself, a square
      scipy.sparse (or dense) adjacency whose entry ``[i, j]`` weighs edge
      ``i -> j``, an ``(n_edges, 2|3)`` integer edge array (undirected,
      optional weight column) or a networkx graph (rows in ``G.nodes()``
      order; nodes labelled ``0 .. n-1`` in label order). A dense 2x2 or
      3x3 array of non-negative integers is both an adjacency and an edge
      array: ``input_format`` then says which it is (the
      default ``"auto"`` refuses to guess). ``fit_transform`` returns one
      row per node, as
      :class:`~sklearn.manifold.SpectralEmbedding` does; there is no
      ``transform`` (new graphs need a new fit).
    * ``graph=A``: the graph is fixed and ``X`` is a column of node ids
      (row indices of ``A``). ``fit`` embeds the whole graph (unsupervised,
      transductive) and ``transform`` returns the rows of the given nodes, so
      the embedder sits in a :class:`~sklearn.pipeline.Pipeline` in front of a
      classifier and :class:`~sklearn.model_selection.GridSearchCV` tunes its
      parameters on labelled nodes (the node2vec paper's protocol)."""

# The ``input_format`` paragraph of every node embedder.
INPUT_FORMAT_PARAM_DOC = INPUT_FORMAT_DOC.format(
    where="``X``, or\n        ``graph`` when it is set"
)

_COMMON_PARAMS_DOC = """\
    graph : scipy.sparse matrix, ndarray or networkx graph, default=None
        A fixed graph; ``X`` is then a column of node ids. See above.

""" + INPUT_FORMAT_PARAM_DOC.replace("{", "{{").replace("}", "}}") + """

    walk_length : int, default={walk_length}
        Nodes per random walk (at most 10000).

    n_walks : int, default={n_walks}
        Walks started from every node.

    epochs : int, default=1
        Passes of skip-gram over the walks.

    negative : int, default=5
        Negative samples per positive pair (skip-gram with negative sampling).

    lr : float, default=0.025
        Initial skip-gram learning rate (gensim's ``alpha``), decayed linearly.

    sample : float, default=1e-3
        Down-sampling threshold of frequent nodes (gensim's ``sample``, the
        value of the node2vec and DeepWalk reference code); 0 disables it. On
        small graphs (a few hundred nodes) every node is "frequent" and most
        of the walks are discarded: set ``sample=0`` there.

    weighted : bool, default=True
        Draw neighbours proportionally to edge weights; ``False`` ignores them.

    memory : str or joblib.Memory, default=None
        Cache for walks and embeddings: folds of a grid search that share the
        walk parameters reuse the walks, and those that share all parameters
        reuse the embedding. Only useful with an integer ``random_state``.

    n_jobs : int, default=None
        Threads for the walks (numba). ``None`` means 1, ``-1`` all cores.
        Walks do not depend on it.

    workers : int, default=1
        Threads for skip-gram. ``workers=1`` makes the embedding bitwise
        reproducible for a given ``random_state`` on a given machine; more
        workers are faster but not reproducible (lock-free updates).

    backend : {{"gensim", "numba"}}, default="gensim"
        Skip-gram implementation. ``"gensim"`` trains gensim's ``Word2Vec``
        (``sg=1``, negative sampling). ``"numba"`` runs skdeep's compiled
        kernel of the same algorithm (same down-sampling, window shrinking,
        noise distribution and learning-rate decay): about twice as fast per
        thread, no temporary corpus file, and no gensim needed; the two give
        embeddings of the same quality but not the same numbers.

    random_state : int, RandomState instance or None, default=None
        Seeds the walks and skip-gram. Walks are bitwise identical for a
        given integer seed whatever ``n_jobs``.

    verbose : int, default=0
        0 is silent; 1 or more prints the progress of the fit to stdout,
        with the elapsed time: the walks done (node2vec's walks in tenths of
        the total) and each finished skip-gram epoch."""


def common_params_doc(replaced, *, walk_length=80, n_walks=10):
    """The shared walk/skip-gram parameter text with some entries replaced.

    ``replaced`` maps a parameter name to its new numpydoc paragraph, or to
    ``None`` to leave the parameter out (embedders that do not have it).
    """
    paragraphs = []
    for paragraph in _COMMON_PARAMS_DOC.format(
        walk_length=walk_length, n_walks=n_walks
    ).split("\n\n"):
        name = paragraph.split(":")[0].strip()
        paragraph = replaced.get(name, paragraph)
        if paragraph is not None:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


# The parameters whose defaults differ in node2vec and DeepWalk (chosen on
# generated weighted hub-heavy graphs, benchmarks/graph_embeddings.py, part
# "defaults"; held out on PPI and BlogCatalog).
_WALK_DEFAULTS_DOC = {
    "epochs": """    epochs : int, default=1
        Passes of skip-gram over the walks. More passes help on large graphs
        (BlogCatalog: 2 epochs gain about 0.02 Macro-F1 over 1, see
        docs/graph.rst) and hurt on small, noisy ones; tune it with p and q.""",
    "sample": """    sample : float, default=0.0
        Down-sampling threshold of frequent nodes (gensim's ``sample``); 0
        keeps every node. The threshold is relative to the corpus: a node is
        down-sampled when it holds more than ``sample`` of all walk tokens,
        and on walks a node's share is its share of the (weighted) degree.
        On weighted, hub-heavy graphs the reference code's ``1e-3`` drops a
        large part of the walks (36% of the tokens on the generated graphs
        of the benchmark, costing 0.014 Macro-F1); on BlogCatalog or PPI it
        drops about 2%.""",
    "weighted": """    weighted : bool, default=True
        Draw neighbours proportionally to edge weights; ``False`` ignores
        them, as the node2vec reference code does unless told otherwise.
        Weights that follow the hubs rather than the communities (such as
        co-occurrence counts) can mislead the walks: on a generated
        co-occurrence graph of the benchmark ``weighted=False`` scored
        better (see docs/graph.rst).""",
    "backend": """    backend : {"numba", "gensim"}, default="numba"
        Skip-gram implementation. ``"numba"`` runs skdeep's compiled kernel
        of gensim's algorithm (same down-sampling, window shrinking, noise
        distribution and learning-rate decay; no temporary corpus file, no
        gensim needed), about twice as fast per thread. ``"gensim"`` trains
        gensim's ``Word2Vec`` (``sg=1``, negative sampling). The two give
        embeddings of the same quality but not the same numbers.""",
}


def _walks(adjacency, *, weighted, n_walks, walk_length, p, q, seed, n_jobs,
           progress=None):
    return random_walks(
        CSRGraph(adjacency, weighted=weighted), n_walks=n_walks,
        walk_length=walk_length, p=p, q=q, random_state=seed, n_jobs=n_jobs,
        progress=progress,
    )


# Arguments that do not change a cached result (joblib.Memory's ``ignore``).
# (Not ``workers``: more than one makes the embedding irreproducible, and a
# ``workers=1`` fit was served the cached result of a faster run.)
_NOT_CACHED = ["n_jobs", "memory", "progress"]


_SKIPGRAM_BACKENDS = {"gensim": word2vec_embedding, "numba": sgns_embedding}


def _skipgram_trainer(sg_params):
    """The training function of ``sg_params["backend"]`` and its other params."""
    params = {k: v for k, v in sg_params.items() if k != "backend"}
    return _SKIPGRAM_BACKENDS[sg_params["backend"]], params


def _train_skipgram(walks, n_nodes, sg_params, seed, workers, progress=None):
    """Skip-gram (``sg_params["backend"]``) over one block of walks."""
    train, sg_params = _skipgram_trainer(sg_params)
    return train(
        [walks], n_nodes, **sg_params, seed=seed, workers=workers, progress=progress
    )


def _skipgram_embedding(adjacency, walk_params, sg_params, n_jobs, workers, memory,
                        progress=None):
    """Walks, then skip-gram over them (both cached through ``memory``)."""
    walks = memory.cache(_walks, ignore=["n_jobs", "progress"])(
        adjacency, **walk_params, n_jobs=n_jobs, progress=progress
    )
    return _train_skipgram(
        walks, adjacency.shape[0], sg_params, walk_params["seed"], workers, progress
    )


def _walklets_embedding(adjacency, walk_params, sg_params, n_scales, n_jobs, workers,
                        memory, progress=None):
    """Walks, then one skip-gram per scale over the skip sequences, concatenated."""
    walks = memory.cache(_walks, ignore=["n_jobs", "progress"])(
        adjacency, **walk_params, n_jobs=n_jobs, progress=progress
    )
    train, sg_params = _skipgram_trainer(sg_params)
    parts = []
    for scale in range(1, n_scales + 1):
        blocks = [walks[:, offset::scale] for offset in range(scale)]
        if progress:
            progress(f"scale {scale}/{n_scales}")
        parts.append(
            train(
                blocks, adjacency.shape[0], **sg_params, window=1,
                seed=walk_params["seed"] + scale, workers=workers, progress=progress,
            )
        )
    return np.hstack(parts)


_WALK_CONSTRAINTS = {
    "dimensions": [Interval(Integral, 1, None, closed="left")],
    "walk_length": [Interval(Integral, 2, MAX_SEQUENCE_LENGTH, closed="both")],
    "n_walks": [Interval(Integral, 1, None, closed="left")],
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "negative": [Interval(Integral, 1, None, closed="left")],
    # Skip-gram trains in float32: a larger lr is inf there (gensim crashes).
    "lr": [Interval(Real, 0, float(np.finfo(np.float32).max), closed="neither")],
    "sample": [Interval(Real, 0, None, closed="left")],
    "weighted": ["boolean"],
    "n_jobs": [None, Integral],
    "workers": [Interval(Integral, 1, None, closed="left")],
    "backend": [StrOptions({"gensim", "numba"})],
    "verbose": ["verbose"],
}


class BaseNodeEmbedder(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
    auto_wrap_output_keys=None,
):
    """Base class of node embedders: graph input, ``graph=`` mode, caching, tags.

    Subclasses define ``__init__`` with (at least) the parameters ``graph``,
    ``input_format``, ``memory`` and ``random_state``, list the modules they need in
    ``_required_modules`` and implement ``_embed(adjacency, seed, memory)``,
    which returns the ``(n_nodes, n_columns)`` embedding of a CSR float64
    adjacency given an integer seed and a :class:`joblib.Memory`. The base
    class provides ``fit``, ``fit_transform``, ``transform`` (node ids, only
    with ``graph=`` set), ``get_feature_names_out``, ``set_output`` and the
    tags that let scikit-learn's checks send square non-negative matrices.
    Plugins (such as skdeep-karateclub) build on it.

    Examples
    --------
    A two-dimensional spectral embedder in a few lines:

    >>> import networkx as nx
    >>> import numpy as np
    >>> import scipy.sparse.linalg as spla
    >>> from skdeep.graph import BaseNodeEmbedder
    >>> class SpectralEmbedder(BaseNodeEmbedder):
    ...     def __init__(self, graph=None, *, input_format="auto", memory=None,
    ...                  random_state=None):
    ...         self.graph, self.input_format = graph, input_format
    ...         self.memory, self.random_state = memory, random_state
    ...
    ...     def _embed(self, adjacency, seed, memory):
    ...         v0 = np.random.RandomState(seed).uniform(size=adjacency.shape[0])
    ...         return spla.eigsh(adjacency, k=2, v0=v0)[1]
    >>> graph = nx.Graph(nx.karate_club_graph().edges)
    >>> SpectralEmbedder(random_state=0).fit_transform(graph).shape
    (34, 2)
    >>> SpectralEmbedder().fit(graph).get_feature_names_out()[:2].tolist()
    ['spectralembedder0', 'spectralembedder1']
    """

    _required_modules = ()

    def __init_subclass__(cls, **kwargs):
        # scikit-learn's automatic wrapping of transform and fit_transform
        # (for set_output) would replace their available_if descriptors:
        # transform would exist without graph= set. The methods wrap their
        # outputs themselves (wrap_transform_output).
        kwargs.pop("auto_wrap_output_keys", None)
        super().__init_subclass__(auto_wrap_output_keys=None, **kwargs)
        cls._sklearn_auto_wrap_output_keys = {"transform"}

    _parameter_constraints: dict = {
        "graph": [None, "array-like", "sparse matrix", HasMethods(["nodes", "adj"])],
        "input_format": [StrOptions(set(INPUT_FORMATS))],
        "memory": [None, str, HasMethods(["cache"])],
        "random_state": ["random_state"],
    }

    def _embed(self, adjacency, seed, memory):
        raise NotImplementedError

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Embed the graph's nodes.

        Parameters
        ----------
        X : graph or array-like of shape (n_samples, 1)
            The graph (sparse or dense square adjacency, edge array, networkx
            graph) when ``graph=None``; node ids when ``graph`` is set (all
            nodes are embedded either way).

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        adjacency, seed = self._fit_graph(X)
        self.embedding_ = self._embed(adjacency, seed, check_memory(self.memory))
        self.n_nodes_ = adjacency.shape[0]
        return self

    def _fit_graph(self, X):
        """The CSR adjacency to fit on and an integer seed from ``random_state``.

        Validates ``X`` (the graph, or node ids with ``graph=`` set) as ``fit``
        does; subclasses whose ``fit`` yields more than an embedding (the
        karateclub plugin's community detectors) build on it.
        """
        _check_dependencies(self._required_modules, type(self).__name__)
        if self.graph is None:
            adjacency, _ = to_adjacency(X, self._input_format())
            validate_data(
                self, adjacency, accept_sparse="csr", dtype=np.float64,
                ensure_min_samples=2, ensure_min_features=2,
            )
        else:
            self._node_ids(X, reset=True)
            adjacency, _ = to_adjacency(self.graph, self._input_format())
        # (the graph= road has not been through validate_data's NaN check)
        check_edge_weights(adjacency)
        check_float32_range(
            adjacency, input_name="graph", estimator=self,
            # (standardizing an adjacency would make weights negative)
            advice="Divide the edge weights by their largest first.",
        )
        rng = check_random_state(self.random_state)
        return adjacency, int(rng.randint(np.iinfo(np.int32).max))

    def fit_transform(self, X, y=None):
        """Fit, then return the embedding.

        Parameters
        ----------
        X : graph or array-like of shape (n_samples, 1)
            See :meth:`fit`.

        y : Ignored

        Returns
        -------
        X_new : ndarray of shape (n_nodes, n_columns) or (n_samples, n_columns)
            One row per node of the graph when ``graph=None``, else the rows of
            the nodes in ``X``. ``n_columns`` is ``embedding_.shape[1]``:
            ``dimensions``, except for the embedders that join several
            embeddings (Walklets: one per scale).
        """
        self.fit(X, y)
        if self.graph is None:
            # one row per node of the graph, not per row of X (an edge list's
            # index does not label them); a square DataFrame read as an
            # adjacency has a row per node: its index labels them, and a
            # networkx graph's node labels do (pandas output only)
            square = (hasattr(X, "iloc") and X.shape[0] == X.shape[1] == self.n_nodes_
                      and self._input_format() != "edgelist")
            labelled = X if square else node_label_frame(self, X)
            return wrap_transform_output(self, self.embedding_.copy(), labelled)
        return wrap_transform_output(
            self, self.embedding_[self._node_ids(X, reset=False)], X
        )

    def _graph_is_fixed(self):
        return self.graph is not None

    def _input_format(self):
        # Subclasses written before the parameter existed (plugins) read
        # their graphs as before: "auto".
        return getattr(self, "input_format", "auto")

    def _progress(self):
        """A :class:`Progress` printer of this fit (silent unless ``verbose``)."""
        return Progress(getattr(self, "verbose", 0), type(self).__name__)

    @available_if(_graph_is_fixed)
    def transform(self, X):
        """Embeddings of the given nodes (only with a fixed ``graph``).

        Parameters
        ----------
        X : array-like of shape (n_samples, 1) or (n_samples,)
            Node ids, row indices of ``graph``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_columns)
            The nodes' rows of ``embedding_`` (``n_columns`` its width).
        """
        check_is_fitted(self)
        return wrap_transform_output(
            self, self.embedding_[self._node_ids(X, reset=False)], X
        )

    def _node_ids(self, X, *, reset):
        n = (
            self.n_nodes_ if not reset
            else to_adjacency(self.graph, self._input_format())[0].shape[0]
        )
        return check_node_ids(
            self, X, n, reset=reset, min_samples=2 if reset else 1,
            hint=(" With graph= set, X holds node ids; to embed X itself, set "
                  "graph=None."),
        )

    @property
    def _n_features_out(self):
        return self.embedding_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.graph is None and self._input_format() != "edgelist":
            # X is a (non-negative) adjacency: the common checks then send
            # square matrices, as for precomputed kernels.
            tags.input_tags.pairwise = True
            tags.input_tags.positive_only = True
            tags.input_tags.sparse = True
            tags.transformer_tags = None  # no transform without graph=
        else:
            # node ids in, embeddings out: a transformer in a pipeline.
            # (Node ids and edge lists are dense: sparse X is refused.)
            tags.transformer_tags = TransformerTags(preserves_dtype=[])
        if getattr(self, "workers", 1) != 1:  # lock-free skip-gram threads
            tags.non_deterministic = True
        return tags

    def _expected_failed_checks(self):
        """Checks this embedder is known to fail, ``{check_name: reason}``;
        subclasses (plugins too) extend the dict."""
        return {}


class NodeClustererMixin(ClusterMixin):
    """``fit_predict`` and ``predict`` of node embedders that are also
    clusterers (``labels_``: one community per node).

    Put it first among the bases of a :class:`BaseNodeEmbedder` subclass whose
    ``fit`` sets ``labels_`` (GEMSEC here, the karateclub plugin's community
    detectors). With ``graph=`` set, both methods take node ids.
    """

    def fit_predict(self, X, y=None):
        """Fit, then return the community of each node.

        Parameters
        ----------
        X : graph or array-like of shape (n_samples, 1)
            See :meth:`fit`.

        y : Ignored

        Returns
        -------
        labels : ndarray of shape (n_nodes,) or (n_samples,)
            ``labels_`` when ``graph=None``, else the labels of the nodes in
            ``X``.
        """
        self.fit(X, y)
        if self.graph is None:
            return self.labels_.copy()
        return self.labels_[self._node_ids(X, reset=False)]

    @available_if(BaseNodeEmbedder._graph_is_fixed)
    def predict(self, X):
        """Communities of the given nodes (only with a fixed ``graph``).

        Parameters
        ----------
        X : array-like of shape (n_samples, 1) or (n_samples,)
            Node ids, row indices of ``graph``.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.labels_[self._node_ids(X, reset=False)]

    def _expected_failed_checks(self):
        # a more specific reason from the embedder's side wins
        return {
            "check_clustering": CLUSTERING_CHECK_REASON,
            **super()._expected_failed_checks(),
        }


class _BaseWalkEmbedder(BaseNodeEmbedder):
    """Shared parameters of the random-walk + skip-gram embedders."""

    _parameter_constraints: dict = {
        **BaseNodeEmbedder._parameter_constraints,
        **_WALK_CONSTRAINTS,
    }

    @property
    def _required_modules(self):
        return ("numba",) if self.backend == "numba" else ("numba", "gensim")

    def _skipgram_params(self, **extra):
        """The skip-gram parameters for ``_skipgram_trainer``, plus ``extra``."""
        return dict(
            dimensions=self.dimensions, epochs=self.epochs, negative=self.negative,
            lr=self.lr, sample=self.sample, backend=self.backend, **extra,
        )


class Node2VecEmbedder(_BaseWalkEmbedder):
    __doc__ = """node2vec: skip-gram node embeddings from biased second-order walks.

    Simulates ``n_walks`` walks of ``walk_length`` nodes from every node, biased
    by the return parameter ``p`` and the in-out parameter ``q`` (Grover &
    Leskovec, 2016), and trains skip-gram with negative sampling on them
    (skdeep's compiled numba kernel, or gensim's Word2Vec with
    ``backend="gensim"``). ``p = q = 1`` gives DeepWalk's uniform walks (see
    :class:`DeepWalkEmbedder`). The walks are compiled with numba, run in
    parallel (``n_jobs``), need memory proportional to the number of edges
    (rejection sampling, no per-edge alias tables) and are reproducible.

    {graph_doc}

    Parameters
    ----------
    dimensions : int, default=128
        Size of each node's embedding.

    p : float, default=1.0
        Return parameter: a walk goes straight back to the previous node with
        weight ``1/p``. Small ``p`` keeps walks local.

    q : float, default=1.0
        In-out parameter: a walk moves to a node that is not a neighbour of
        the previous node with weight ``1/q`` (on a directed graph, ``x`` is
        a neighbour of the previous node ``t`` if there is an edge ``t ->
        x``; the authors' code tests ``x -> t``). ``q < 1`` explores outward
        (DFS-like, homophily), ``q > 1`` stays close (BFS-like, structural
        roles). A step draws candidates until one is accepted with
        probability ``weight / max(1/p, 1, 1/q)``: a ``p`` or ``q`` far below
        1 (``q=1e-4`` where most moves stay among neighbours of the previous
        node) takes up to about ``1/q`` draws per step.

    window : int, default=10
        Skip-gram context size (nodes on each side).

{common}

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, dimensions)
        One row per node. A walk starts at every node, so every node has a
        row; an isolated node's walks hold it alone, so its row is the
        skip-gram's random starting vector, untrained (it says nothing of
        the graph).

    n_nodes_ : int
        Number of nodes of the graph.

    n_features_in_ : int
        ``n_nodes`` when the graph is ``X``, 1 (the node-id column) with
        ``graph=`` set.

    See Also
    --------
    DeepWalkEmbedder : node2vec with ``p = q = 1``.
    WalkletsEmbedder : Multi-scale embeddings from skip walks.
    sklearn.manifold.SpectralEmbedding : The spectral analogue.

    References
    ----------
    Grover, A. and Leskovec, J. "node2vec: Scalable Feature Learning for
    Networks", KDD 2016. :doi:`10.1145/2939672.2939754`

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import kneighbors_graph
    >>> from skdeep.graph import Node2VecEmbedder
    >>> X, y = load_iris(return_X_y=True)
    >>> A = kneighbors_graph(X, 5)
    >>> emb = Node2VecEmbedder(8, p=0.5, q=2, walk_length=10, n_walks=2,
    ...                        random_state=0)
    >>> emb.fit_transform(A).shape
    (150, 8)

    With a fixed graph, ``X`` holds node ids and the embedder is a pipeline
    step:

    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> import numpy as np
    >>> nodes = np.arange(150).reshape(-1, 1)
    >>> pipe = make_pipeline(
    ...     Node2VecEmbedder(8, graph=A, walk_length=10, n_walks=2, random_state=0),
    ...     LogisticRegression())
    >>> pipe.fit(nodes[::2], y[::2]).predict(nodes[1::2]).shape
    (75,)
    """.format(graph_doc=_GRAPH_DOC.replace("\n", "\n    "),
               common=common_params_doc(_WALK_DEFAULTS_DOC))

    _parameter_constraints: dict = {
        **_BaseWalkEmbedder._parameter_constraints,
        "p": [Interval(Real, 0, None, closed="neither")],
        "q": [Interval(Real, 0, None, closed="neither")],
        "window": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        dimensions=128,
        *,
        p=1.0,
        q=1.0,
        window=10,
        graph=None,
        input_format="auto",
        walk_length=80,
        n_walks=10,
        epochs=1,
        negative=5,
        lr=0.025,
        sample=0.0,
        weighted=True,
        memory=None,
        n_jobs=None,
        workers=1,
        backend="numba",
        random_state=None,
        verbose=0,
    ):
        self.dimensions = dimensions
        self.p = p
        self.q = q
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
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    def _pq(self):
        return float(self.p), float(self.q)

    def _embed(self, adjacency, seed, memory):
        p, q = self._pq()
        walk_params = dict(
            weighted=self.weighted, n_walks=self.n_walks,
            walk_length=self.walk_length, p=p, q=q, seed=seed,
        )
        sg_params = self._skipgram_params(window=self.window)
        embed = memory.cache(_skipgram_embedding, ignore=_NOT_CACHED)
        return embed(
            adjacency, walk_params, sg_params, self.n_jobs, self.workers, memory,
            self._progress(),
        )

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"dimensions": 4, "walk_length": 5, "n_walks": 2, "window": 2},
            {"dimensions": 3, "walk_length": 6, "n_walks": 1, "window": 3,
             "p": 0.5, "q": 2.0, "weighted": False},
            {"dimensions": 4, "walk_length": 5, "n_walks": 2, "window": 2,
             "p": 2.0, "backend": "numba"},
        ]


class DeepWalkEmbedder(Node2VecEmbedder):
    __doc__ = """DeepWalk: skip-gram node embeddings from uniform random walks.

    :class:`Node2VecEmbedder` with ``p = q = 1`` (first-order walks, weighted
    by edge weights when ``weighted=True``; Perozzi et al., 2014). Training
    uses skip-gram with negative sampling, as node2vec does, where the
    original DeepWalk used hierarchical softmax.

    {graph_doc}

    Parameters
    ----------
    dimensions : int, default=128
        Size of each node's embedding.

    window : int, default=10
        Skip-gram context size (nodes on each side).

{common}

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, dimensions)
        One row per node. A walk starts at every node, so every node has a
        row; an isolated node's walks hold it alone, so its row is the
        skip-gram's random starting vector, untrained (it says nothing of
        the graph).

    n_nodes_ : int
        Number of nodes of the graph.

    n_features_in_ : int
        ``n_nodes`` when the graph is ``X``, 1 with ``graph=`` set.

    See Also
    --------
    Node2VecEmbedder : Biased (second-order) walks.

    References
    ----------
    Perozzi, B., Al-Rfou, R. and Skiena, S. "DeepWalk: Online Learning of
    Social Representations", KDD 2014. :doi:`10.1145/2623330.2623732`

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import kneighbors_graph
    >>> from skdeep.graph import DeepWalkEmbedder
    >>> X, _ = load_iris(return_X_y=True)
    >>> emb = DeepWalkEmbedder(8, walk_length=10, n_walks=2, random_state=0)
    >>> emb.fit_transform(kneighbors_graph(X, 5)).shape
    (150, 8)
    """.format(graph_doc=_GRAPH_DOC.replace("\n", "\n    "),
               common=common_params_doc(_WALK_DEFAULTS_DOC))

    _parameter_constraints: dict = {
        k: v for k, v in Node2VecEmbedder._parameter_constraints.items()
        if k not in ("p", "q")
    }

    def __init__(
        self,
        dimensions=128,
        *,
        window=10,
        graph=None,
        input_format="auto",
        walk_length=80,
        n_walks=10,
        epochs=1,
        negative=5,
        lr=0.025,
        sample=0.0,
        weighted=True,
        memory=None,
        n_jobs=None,
        workers=1,
        backend="numba",
        random_state=None,
        verbose=0,
    ):
        self.dimensions = dimensions
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
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    def _pq(self):
        return 1.0, 1.0

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return {"dimensions": 4, "walk_length": 5, "n_walks": 2, "window": 2}


class WalkletsEmbedder(_BaseWalkEmbedder):
    __doc__ = """Walklets: multi-scale node embeddings from skip random walks.

    Simulates DeepWalk's uniform walks, then for each scale ``k = 1 ...
    n_scales`` trains skip-gram (window 1) on the walks' every-``k``-th-node
    subsequences, so that scale ``k`` learns which nodes lie ``k`` steps
    apart (Perozzi et al., 2017). The per-scale embeddings are concatenated:
    ``embedding_`` has ``dimensions * n_scales`` columns, scale 1 first.
    Window 1 yields few skip-gram pairs per walk: on small graphs (a few
    thousand nodes) raise ``epochs`` (e.g. 5) or ``n_walks``. Down-sampling
    (``sample > 0``) drops nodes from the subsequences before the pairs are
    formed, as word2vec (and karateclub's Walklets) do, so a scale-``k`` pair
    may join nodes ``2k`` or more steps apart where many are dropped (a
    34-node graph at ``sample=1e-3``: 19% of scale-1 pairs were neighbours;
    a 3,000-node one: 97%): set ``sample=0`` for exact scales on small
    graphs.

    {graph_doc}

    Parameters
    ----------
    dimensions : int, default=32
        Size of the embedding of each scale.

    n_scales : int, default=4
        Number of scales (the largest skip); at most ``walk_length - 1``.

{common}

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, dimensions * n_scales)
        One row per node, the scales side by side.

    n_nodes_ : int
        Number of nodes of the graph.

    n_features_in_ : int
        ``n_nodes`` when the graph is ``X``, 1 with ``graph=`` set.

    See Also
    --------
    DeepWalkEmbedder : A single scale mixed over a window.

    References
    ----------
    Perozzi, B., Kulkarni, V., Chen, H. and Skiena, S. "Don't Walk, Skip!
    Online Learning of Multi-scale Network Embeddings", ASONAM 2017.
    :doi:`10.1145/3110025.3110086`

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import kneighbors_graph
    >>> from skdeep.graph import WalkletsEmbedder
    >>> X, _ = load_iris(return_X_y=True)
    >>> emb = WalkletsEmbedder(4, n_scales=3, walk_length=10, n_walks=2,
    ...                        random_state=0)
    >>> emb.fit_transform(kneighbors_graph(X, 5)).shape
    (150, 12)
    """.format(graph_doc=_GRAPH_DOC.replace("\n", "\n    "),
               common=_COMMON_PARAMS_DOC.format(walk_length=80, n_walks=10))

    _parameter_constraints: dict = {
        **_BaseWalkEmbedder._parameter_constraints,
        "n_scales": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        dimensions=32,
        *,
        n_scales=4,
        graph=None,
        input_format="auto",
        walk_length=80,
        n_walks=10,
        epochs=1,
        negative=5,
        lr=0.025,
        sample=1e-3,
        weighted=True,
        memory=None,
        n_jobs=None,
        workers=1,
        backend="gensim",
        random_state=None,
        verbose=0,
    ):
        self.dimensions = dimensions
        self.n_scales = n_scales
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
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    def _embed(self, adjacency, seed, memory):
        if self.n_scales >= self.walk_length:
            # a skip of walk_length or more leaves one node per sequence: no
            # pairs, and that scale's columns stayed at their random start
            raise ValueError(
                f"n_scales={self.n_scales} needs walks of more nodes: the "
                f"largest skip pairs nodes n_scales steps apart, so "
                f"walk_length must be at least n_scales + 1; got "
                f"walk_length={self.walk_length}."
            )
        walk_params = dict(
            weighted=self.weighted, n_walks=self.n_walks,
            walk_length=self.walk_length, p=1.0, q=1.0, seed=seed,
        )
        sg_params = self._skipgram_params()
        embed = memory.cache(_walklets_embedding, ignore=_NOT_CACHED)
        return embed(
            adjacency, walk_params, sg_params, self.n_scales, self.n_jobs,
            self.workers, memory, self._progress(),
        )

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"dimensions": 2, "n_scales": 2, "walk_length": 6, "n_walks": 2},
            {"dimensions": 2, "n_scales": 2, "walk_length": 6, "n_walks": 2,
             "backend": "numba"},
        ]
