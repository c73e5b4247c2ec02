"""GCN, GAT and GraphSAGE node classifiers on skdeep's shared training road."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import weakref
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import (
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import TransformerTags
from sklearn.utils.validation import check_is_fitted, column_or_1d

from skdeep.gnn._graph import GraphTensors, prepare_graph
from skdeep.gnn._modules import GATModule, GCNModule, SAGEModule
from skdeep.graph._graph_input import (
    INPUT_FORMAT_DOC,
    INPUT_FORMATS,
    _is_networkx,
    check_node_ids,
)
from skdeep.utils._losses import ClassificationLoss
from skdeep.utils._mixins import LogProbaMixin
from skdeep.utils._sklearn import Interval, StrOptions, _fit_context
from skdeep.utils._torch import inference_mode, write_rows
from skdeep.utils._training import (
    SAMPLE_WEIGHT_CHECKS,
    BaseTorchEstimator,
    encode_classes,
    store_init_params,
    validate_sample_weight,
)

# estimator -> (graph, node features, (input format, device, contents),
# GraphTensors)
_GRAPH_CACHE = weakref.WeakKeyDictionary()


def _contents(obj):
    """A summary of a graph's or feature array's contents, so that the cache
    notices one changed in place (it served the stale tensors: the same
    model predicted otherwise once unpickled, and refused a node the graph
    had gained): checksums of arrays, and a networkx graph's nodes, edge
    count and total weight (an edit that keeps all three, an edge moved,
    is not seen: a hash of every edge took twice as long again, 0.32 s
    against 0.17 s for 200,000 edges, on every predict; docs/gnn.rst says
    so). Objects it cannot summarise are never reused."""
    import zlib

    if obj is None or isinstance(obj, str):
        return obj
    if _is_networkx(obj):
        try:  # (weights that are no numbers: prepare_graph names the edge)
            weight = obj.size(weight="weight")
        except TypeError:
            return object()
        return ("networkx", hash(tuple(obj.nodes)), obj.number_of_edges(), weight)
    if hasattr(obj, "to_numpy"):  # a DataFrame of features
        try:
            values = obj.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            return object()
        return ("frame", hash(tuple(obj.index)), _contents(values))
    arrays = [obj]
    if sp.issparse(obj):
        # a format's own arrays (dia's offsets too), or those of its COO form
        # where it keeps none (dok: its key was its shape, whatever its edits)
        own = obj.format in ("csr", "csc", "bsr", "coo", "dia")
        parts = obj if own else obj.tocoo()
        arrays = [getattr(parts, name) for name in ("data", "indices", "indptr", "row",
                                                    "col", "offsets")
                  if hasattr(parts, name)]
    key = [type(obj).__name__, getattr(obj, "shape", None)]
    for array in arrays:
        array = np.asarray(array)
        if array.dtype.kind not in "biuf":  # (lil's lists, object arrays)
            return object()
        key += [array.dtype.str, zlib.crc32(np.ascontiguousarray(array))]
    return tuple(key)

_GRAPH_PARAMS_DOC = """\
    graph : scipy.sparse matrix, ndarray, networkx graph or None, default=None
        Required (None, the default that scikit-learn's cloning needs, is
        an error at ``fit``). The graph: a square adjacency (entry ``[i, j]``
        weighs edge ``i -> j``), an ``(n_edges, 2|3)`` integer edge array
        with an optional weight column, or a networkx graph (rows in
        ``G.nodes()`` order; nodes labelled ``0 .. n-1`` in label order, so
        that node ids and ``node_features`` rows are the labels).
        It is treated as undirected (``max(A, A.T)``); self-loops in it are
        dropped and each layer adds its own. Weights must be non-negative.
        An edge array lists each edge once: its rows are added in both
        directions and repeated edges add up, so an array that also lists
        ``(j, i)`` for ``(i, j)`` (``numpy.argwhere`` of a symmetric
        adjacency) weighs every edge 2 (GCN's output changes; GAT and
        GraphSAGE do not read weights).
        ``predict`` and ``transform`` read this parameter (and
        ``node_features``) as it is then. Do not change these objects in
        place after ``fit`` (set new objects, or refit): the fitted model
        keeps what it read from them, but its copies (pickle, ``skdeep.io``,
        ``copy.deepcopy``, joblib's workers) read them afresh, so the two
        would predict differently.
        GCN uses them in its normalised adjacency; GAT and GraphSAGE only
        read which edges exist.

    node_features : array-like, scipy.sparse matrix, {"identity", "degree"} \
or None, default=None
        One row of features per node (row ``i`` is node ``i``). ``None`` or
        ``"identity"``: one-hot node ids (featureless, transductive only);
        ``"degree"``: one-hot of the node degree (capped at 31), which does
        carry to new graphs. Sparse features stay sparse, and dense ones with at
        most 2% non-zeros are multiplied as sparse (faster). The papers
        row-normalise bag-of-words features first
        (``sklearn.preprocessing.normalize(F, "l1")``).

""" + INPUT_FORMAT_DOC.format(
    where="``graph``, at fit time\n        and for another graph at predict time"
)

_TRAINING_DOC = """\
    lr : float, default={lr}
        Learning rate of the optimizer.

    max_epochs : int, default={max_epochs}
        Passes over the labelled nodes (fewer with early stopping).

    batch_size : int or None, default=None
        Labelled nodes per step; None takes all of them in one step (full
        batch, the papers' setting). A step computes only what its nodes
        read (their neighbourhoods, as many hops as there are layers), or
        the whole graph where that covers more than half of it; GraphSAGE
        with ``n_samples`` samples the neighbourhoods instead.

    optimizer : {{"adam", "adamw", "sgd", "rmsprop"}} or torch optimizer class, \
default="adam"
        The optimizer.

    weight_decay : float, default=5e-4
        {weight_decay_doc}

    early_stopping : bool, default=False
        Stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs and restore the weights of the epoch
        with the lowest validation loss. The
        validation nodes are those passed as ``fit(..., validation_data=)``,
        else a stratified ``validation_fraction`` of the labelled nodes.

    validation_fraction : float, default=0.1
        Share of the labelled nodes held out for early stopping when
        ``validation_data`` is not given.

    n_iter_no_change : int, default={patience}
        Patience of early stopping, in epochs.

    tol : float, default=0.0
        Relative improvement of the validation loss that counts as progress.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss.

    device : str or torch.device, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``. The graph and its
        features are moved there once per fit.

    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, dropout and neighbour sampling; an int makes
        fits bitwise reproducible on the CPU.

    verbose : int, default=0
        0 is silent; 1 shows a progress bar and a per-epoch table.

    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks; see the ``callbacks``
        parameter of :class:`~skdeep.uncertainty.MCDropoutRegressor`."""

_USAGE_DOC = """\
    The classifier is semi-supervised and transductive (Kipf & Welling): the
    graph and the features of every node are parameters, and ``X`` is a
    column of node ids (row indices of ``graph``). ``fit(train_ids,
    y_train)`` learns from the labelled nodes while messages flow over the
    whole graph; ``predict(ids)`` labels any node. Because ``X`` is node ids,
    :class:`~sklearn.model_selection.GridSearchCV` and
    :func:`~sklearn.model_selection.cross_val_score` split the labelled nodes
    as they split rows.

    Inductive use: ``predict``, ``predict_proba`` and ``transform`` take
    ``graph=`` and ``node_features=`` for another (or grown) graph whose
    features have the same columns; the ids in ``X`` then refer to that
    graph. The trained weights do not depend on the graph's size."""


def _check_hidden(sizes):
    sizes = tuple(sizes)
    if not all(isinstance(s, Integral) and s > 0 for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must hold positive integers; got {sizes!r}."
        )
    return tuple(int(s) for s in sizes)  # (torch's split refuses numpy ints)


class _BaseGNNClassifier(
    LogProbaMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    ClassifierMixin,
    BaseTorchEstimator,
):
    """Shared fitting and prediction of the node classifiers (private)."""

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "graph": "no_validation",
        "node_features": "no_validation",
        "input_format": [StrOptions(set(INPUT_FORMATS))],
        "hidden_layer_sizes": ["array-like"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    # --- input ------------------------------------------------------------
    def _node_ids(self, X, n_nodes, *, reset):
        return check_node_ids(self, X, n_nodes, reset=reset, hint=(
            " The node features are the node_features= parameter."))

    def _graph_tensors(self, graph=None, node_features=None, device=None):
        """The fitted graph (cached), or another graph for inductive use, on
        ``device`` (the training device by default)."""
        device = self._device if device is None else device
        if graph is None:
            if node_features is not None:
                raise ValueError("node_features= at predict time needs graph= too.")
            # Cached per estimator, outside its attributes (skdeep.io and
            # pickle store the parameters, from which it is rebuilt). The
            # entry keeps the very graph and features it was built from and
            # serves only while the parameters are those objects (an id()
            # key served stale tensors once a freed object's id was reused)
            # with the same contents (see _contents).
            key = (self._input_format(), torch.device(device),
                   _contents(self.graph), _contents(self.node_features))
            cached = _GRAPH_CACHE.get(self)
            if (cached is None or cached[0] is not self.graph
                    or cached[1] is not self.node_features or cached[2] != key):
                A, F = prepare_graph(
                    self.graph, self.node_features, self._input_format()
                )
                cached = (self.graph, self.node_features, key,
                          GraphTensors(A, F, device))
                _GRAPH_CACHE[self] = cached
            return cached[3]
        if node_features is None and not self._identity_features():
            if not isinstance(self.node_features, str):
                raise ValueError(
                    "A new graph needs its node_features= (the features this "
                    "model was fitted with belong to the training graph)."
                )
            node_features = self.node_features
        # (before asking for node_features=, which such a model cannot use)
        if self._identity_features():
            raise ValueError(
                "A model fitted with identity features (node_features=None) "
                "cannot embed another graph: its first layer has one weight "
                "row per training node. Fit with real or 'degree' features."
            )
        if node_features is None or (
            isinstance(node_features, str) and node_features == "identity"
        ):  # (it was told to fit with the real features it was fitted with)
            raise ValueError(
                f"Identity features cannot describe another graph's nodes; pass "
                f"that graph's node_features ({self.n_node_features_} columns, "
                f"as at fit)."
            )
        g = GraphTensors(
            *prepare_graph(graph, node_features, self._input_format()), device
        )
        if g.n_features != self.n_node_features_:
            raise ValueError(
                f"node_features has {g.n_features} columns, but "
                f"{type(self).__name__} was fitted with {self.n_node_features_}."
            )
        return g

    def _inference_graph(self, graph, node_features, device):
        """:meth:`_graph_tensors` for ``predict`` and the like: the stored
        ``graph`` and ``node_features`` may have been set anew since fit
        (as the class documents), so their width is checked as that of a
        graph given to ``predict`` is (it reached the first layer's product,
        or one-hot ids past the training nodes, as a torch error)."""
        g = self._graph_tensors(graph, node_features, device)
        if graph is None and g.n_features != self.n_node_features_:
            identity = " (one-hot node ids: one per node)" * self._identity_features()
            raise ValueError(
                f"graph and node_features, set since fit, give node features "
                f"of {g.n_features} columns{identity}, but {type(self).__name__} "
                f"was fitted with {self.n_node_features_}. Set the fitted ones "
                f"back, or refit; another graph whose features have the fitted "
                f"columns goes to predict(X, graph=..., node_features=...)."
            )
        return g

    def _input_format(self):
        # models saved or pickled before the parameter existed read "auto"
        return getattr(self, "input_format", "auto")

    def _identity_features(self):
        return self.node_features is None or (
            isinstance(self.node_features, str) and self.node_features == "identity"
        )

    # --- fit --------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Train on the labelled nodes ``X``.

        Parameters
        ----------
        X : array-like of shape (n_labelled, 1) or (n_labelled,)
            Ids of the labelled nodes.
        y : array-like of shape (n_labelled,)
            Their labels.
        sample_weight : array-like of shape (n_labelled,), default=None
            Non-negative weight of each labelled node in the loss, times its
            class weight (a zero weight removes the node's label; the node
            stays in the graph). Not combined with ``validation_data``.
        validation_data : tuple (X_val, y_val) or None, default=None
            Labelled validation nodes (for instance the Planetoid split's
            500): scored after every epoch (``validation_scores_``) and, with
            ``early_stopping=True``, watched for stopping.

        Returns
        -------
        self : object
        """
        _GRAPH_CACHE.pop(self, None)
        self._training_setup()
        graph = self._fit_graph = self._graph_tensors()
        self._hidden = _check_hidden(self.hidden_layer_sizes)
        self._check_architecture()
        ids = self._node_ids(X, graph.n_nodes, reset=True)
        y = column_or_1d(y, warn=True)  # a column, as scikit-learn's classifiers
        if len(y) != len(ids):
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"{len(ids)} node ids but {len(y)} labels (y holds one label per "
                f"node id)."
            )
        weights = validate_sample_weight(sample_weight, ids)
        codes = encode_classes(self, y, weights)
        if len(self.classes_) < 2:
            raise ValueError(
                f"The labelled nodes hold only one class "
                f"({self.classes_[:1].tolist()[0]!r}); "
                f"a classifier needs two or more."
            )
        validation = None
        if validation_data is not None:
            X_val, y_val = validation_data
            val_ids = self._node_ids(X_val, graph.n_nodes, reset=False)
            y_val = column_or_1d(y_val, warn=True)  # a column, as y
            if len(y_val) != len(val_ids):
                raise ValueError(
                    f"validation_data must be (node ids, labels) with one label "
                    f"per id: {len(val_ids)} node ids but {len(y_val)} labels."
                )
            unknown = np.setdiff1d(y_val, self.classes_)
            if len(unknown):
                raise ValueError(
                    f"validation_data holds labels that are not classes of y: "
                    f"{unknown[:5].tolist()}; the classes are "
                    f"{self.classes_[:10].tolist()}."
                )
            validation = (
                torch.as_tensor(val_ids),
                torch.as_tensor(np.searchsorted(self.classes_, y_val)),
            )
        self.n_nodes_ = graph.n_nodes
        self.n_node_features_ = graph.n_features
        self._fit_module(
            torch.as_tensor(ids),
            torch.as_tensor(codes),
            stratified=True,
            sample_weight=weights,
            validation=validation,
        )
        # (the class default None again: an instance value of None made the
        # fitted network differ from a rebuilt one once a copy dropped it)
        vars(self.net_.module_).pop("graph", None)
        del self._fit_graph
        return self

    def _check_architecture(self):
        """Extra parameter checks of a subclass (run in ``fit``)."""

    def _criterion(self):
        return ClassificationLoss(
            class_weight=torch.tensor(self.class_weight_, dtype=torch.float32)
        )

    def _build_module(self):
        module = self._make_module()
        # The graph is not part of the module's state: fit attaches the
        # training graph, inference attaches the graph it predicts on.
        if hasattr(self, "_fit_graph"):
            module.graph = self._fit_graph
        return module

    # --- inference --------------------------------------------------------
    def _run(self, method, X, graph, node_features):
        check_is_fitted(self, "net_")
        device = torch.device(self.net_.device)
        g = self._inference_graph(graph, node_features, device)
        ids = torch.as_tensor(self._node_ids(X, g.n_nodes, reset=False), device=device)
        module = self._module_reading(g)
        with inference_mode(module), torch.no_grad():
            return self._run_batches(getattr(module, method), ids)

    def _module_reading(self, g):
        """The trained module with graph ``g`` attached, for one inference
        call: a shallow copy that shares the weights. Predictions of several
        threads at once, each on its own graph, never see one another's."""
        module = copy.copy(self.net_.module_)
        module.graph = g
        return module

    def _run_batches(self, fn, ids):
        """``fn`` over ``ids``: full-graph networks compute every node at
        once, so one call; GraphSAGE with sampling overrides this."""
        return fn(ids).cpu().numpy()

    def predict_proba(self, X, *, graph=None, node_features=None):
        """Class probabilities of the given nodes.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1) or (n_samples,)
            Node ids.
        graph, node_features : optional
            Another graph and its features (inductive use); the ids refer to it.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._run("forward", X, graph, node_features)
        return torch.softmax(torch.from_numpy(logits).double(), 1).numpy()

    def predict(self, X, *, graph=None, node_features=None):
        """Class labels of the given nodes (see :meth:`predict_proba`).

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        logits = self._run("forward", X, graph, node_features)
        return self.classes_[np.argmax(logits, axis=1)]

    def fit_transform(self, X, y=None, *, graph=None, node_features=None,
                      **fit_params):
        """Fit on the labelled nodes ``X``, then embed them.

        ``fit_params`` (``sample_weight``, ``validation_data``) go to
        :meth:`fit`, ``graph`` and ``node_features`` to :meth:`transform`
        (scikit-learn's ``fit_transform`` passed them all to ``fit``, which
        refused them, in a pipeline that routes them to ``transform``).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_hidden)
        """
        return self.fit(X, y, **fit_params).transform(
            X, graph=graph, node_features=node_features)

    def transform(self, X, *, graph=None, node_features=None):
        """Node embeddings: the last hidden layer's output for the given nodes.

        Named by ``get_feature_names_out``; follows ``set_output``. A
        network without a hidden layer has none (ValueError).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_hidden)
            ``n_hidden`` the last hidden layer's width (GAT: times
            ``n_heads`` when its heads are concatenated).
        """
        self._embedding_width()  # a clear error without a hidden layer
        out = self._run("embed", X, graph, node_features)
        return out.astype(np.float64)

    def _embedding_width(self):
        """Columns of :meth:`transform`'s output (the last hidden layer)."""
        check_is_fitted(self, "net_")
        width = self.net_.module_.embedding_width
        if width is None:
            raise ValueError(
                f"{type(self).__name__} has no hidden layer "
                f"(hidden_layer_sizes={self.hidden_layer_sizes!r}), so there is no "
                f"node embedding to transform to; fit with one or more hidden layers."
            )
        return width

    @property
    def _n_features_out(self):
        # get_feature_names_out, and set_output in pipelines that use the
        # network as a node feature extractor
        return self._embedding_width()

    # --- persistence and tags ---------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # transform() gives node embeddings, as MLP-style extractors do
        tags.transformer_tags = TransformerTags(preserves_dtype=[])
        return tags

    def _conformance_data(self):
        """Node ids and labels for skdeep's own checks (on ``_test_graph``)."""
        ids = np.arange(_TEST_GRAPH_NODES)
        return ids.reshape(-1, 1), ids * 3 // _TEST_GRAPH_NODES

    def _expected_failed_checks(self):
        reason = (
            "X is a column of node ids of the graph= parameter; scikit-learn's "
            "check feeds rows of float features (the same property is tested "
            "with node ids in tests/gnn)"
        )
        return {name: reason for name in _NODE_ID_XFAILS}

    def score(self, X, y, sample_weight=None, *, graph=None, node_features=None):
        """Accuracy on the given nodes (of another graph with ``graph=``).

        Returns
        -------
        score : float
        """
        from sklearn.metrics import accuracy_score

        return accuracy_score(
            y, self.predict(X, graph=graph, node_features=node_features),
            sample_weight=sample_weight,
        )


def _training_doc(**values):
    return _TRAINING_DOC.format(**values)


class GCNClassifier(_BaseGNNClassifier):
    __doc__ = """Graph convolutional network node classifier (Kipf & Welling, 2017).

    Each layer computes ``H' = D^-1/2 (A + I) D^-1/2 dropout(H) W + b``, with
    ReLU between layers and a softmax over the last layer's outputs; the
    loss counts the labelled nodes only.

{usage}

    Parameters
    ----------
{graph}

    hidden_layer_sizes : tuple of int, default=(16,)
        Width of each hidden graph convolution.

    dropout : float, default=0.5
        Dropout on the input of every layer (on the stored values of sparse
        features).

{training}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the loss (ones without ``class_weight``).
    n_nodes_ : int
        Nodes of the training graph.
    n_node_features_ : int
        Columns of its node features.
    n_features_in_ : int
        Always 1: ``X`` is a column of node ids.
    history_, n_iter_, loss_curve_, validation_scores_, net_ :
        The training record, as for every skdeep torch estimator;
        ``validation_scores_``, only with a validation set, holds its loss per
        epoch (lower is better).

    See Also
    --------
    GATClassifier : Attention over the neighbours instead of fixed weights.
    GraphSAGEClassifier : Sampled neighbourhoods for large graphs.
    skdeep.graph.Node2VecEmbedder : Unsupervised embeddings without features.

    References
    ----------
    T. N. Kipf and M. Welling, "Semi-Supervised Classification with Graph
    Convolutional Networks", ICLR 2017, arXiv:1609.02907.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.neighbors import kneighbors_graph
    >>> from skdeep.gnn import GCNClassifier
    >>> features, y = make_blobs(200, n_features=5, centers=3, random_state=0)
    >>> A = kneighbors_graph(features, 5)
    >>> nodes = np.arange(200)
    >>> clf = GCNClassifier(graph=A, node_features=features, random_state=0)
    >>> clf.fit(nodes[:30], y[:30]).score(nodes[30:], y[30:]) > 0.9
    True
    >>> clf.transform(nodes[:2]).shape
    (2, 16)
    """.format(
        usage=_USAGE_DOC,
        graph=_GRAPH_PARAMS_DOC,
        training=_training_doc(
            lr=0.01, max_epochs=200, patience=10,
            weight_decay_doc=(
                "L2 penalty on the first layer's weights only, as in the paper."
            ),
        ),
    )

    _parameter_constraints: dict = {**_BaseGNNClassifier._parameter_constraints}

    def __init__(
        self,
        graph=None,
        node_features=None,
        *,
        input_format="auto",
        hidden_layer_sizes=(16,),
        dropout=0.5,
        lr=0.01,
        max_epochs=200,
        batch_size=None,
        optimizer="adam",
        weight_decay=5e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=0.0,
        class_weight=None,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_params(self, locals())

    def _make_module(self):
        module = GCNModule(
            self.n_node_features_, _check_hidden(self.hidden_layer_sizes),
            len(self.classes_), self.dropout,
        )
        module.neighbourhood_batches = self.batch_size is not None
        return module

    def _optimizer_params(self):
        # Kipf & Welling decay the first layer's weights only.
        return {
            "weight_decay": 0.0,
            "param_groups": [("layers.0.*", {"weight_decay": self.weight_decay})],
        }

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """A small graph for the conformance checks."""
        return {**_test_graph(), "hidden_layer_sizes": (4,), "max_epochs": 3}


class GATClassifier(_BaseGNNClassifier):
    __doc__ = """Graph attention network node classifier (Velickovic et al., 2018).

    Each layer weighs a node's neighbours (and itself) by attention
    coefficients ``softmax_j(LeakyReLU(a . [W h_i || W h_j]))``, computed
    per head over an edge list with a numerically stable edge softmax;
    hidden layers concatenate (or average) their heads and apply ELU, the
    output layer averages its heads.

{usage}

    Parameters
    ----------
{graph}

    hidden_layer_sizes : tuple of int, default=(8,)
        Features per head of each hidden attention layer.

    n_heads : int, default=8
        Attention heads of each hidden layer.

    output_heads : int, default=1
        Heads of the output layer, averaged (the paper uses 8 on PubMed).

    concat : bool, default=True
        Concatenate the hidden layers' heads (``n_heads * size`` features);
        False averages them.

    dropout : float, default=0.6
        Dropout on the input of every layer.

    attention_dropout : float, default=0.6
        Dropout on the attention coefficients (each node then sees a random
        subset of its neighbourhood in training).

    value_dropout : float, default=0.0
        Dropout on the transformed features ``W h_j`` that are summed (the
        messages; the attention scores see them undropped). The paper's
        reference code uses ``dropout`` here too (0.6), and on the CiteSeer
        Planetoid split that scores about a point higher
        (``benchmarks/gnn.py``); the default 0 is torch_geometric's
        ``GATConv``, which has no such dropout, and is safer for narrow
        networks: 0.6 on a 2-head x 4-feature network in 60 epochs cost up
        to half its accuracy on a small planted-partition graph.

    negative_slope : float, default=0.2
        Slope of the LeakyReLU inside the attention.

{training}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the loss (ones without ``class_weight``).
    n_nodes_ : int
    n_node_features_ : int
    n_features_in_ : int
        Always 1: ``X`` is a column of node ids.
    history_, n_iter_, loss_curve_, validation_scores_, net_ :
        The training record, as for every skdeep torch estimator;
        ``validation_scores_``, only with a validation set, holds its loss per
        epoch (lower is better).

    See Also
    --------
    GCNClassifier : Fixed, degree-normalised neighbour weights.

    References
    ----------
    P. Velickovic, G. Cucurull, A. Casanova, A. Romero, P. Liò and Y. Bengio,
    "Graph Attention Networks", ICLR 2018, arXiv:1710.10903.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.neighbors import kneighbors_graph
    >>> from skdeep.gnn import GATClassifier
    >>> features, y = make_blobs(200, n_features=5, centers=3, random_state=0)
    >>> A = kneighbors_graph(features, 5)
    >>> nodes = np.arange(200)
    >>> clf = GATClassifier(graph=A, node_features=features, random_state=0)
    >>> clf.fit(nodes[:30], y[:30]).score(nodes[30:], y[30:]) > 0.9
    True
    >>> edges, weights = clf.attention()
    >>> weights.shape[1]  # one column per head of the first layer
    8
    """.format(
        usage=_USAGE_DOC,
        graph=_GRAPH_PARAMS_DOC,
        training=_training_doc(
            lr=0.005, max_epochs=200, patience=100,
            weight_decay_doc="L2 penalty on all weights, as in the paper.",
        ),
    )

    _parameter_constraints: dict = {
        **_BaseGNNClassifier._parameter_constraints,
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "output_heads": [Interval(Integral, 1, None, closed="left")],
        "concat": ["boolean"],
        "attention_dropout": [Interval(Real, 0, 1, closed="left")],
        "value_dropout": [Interval(Real, 0, 1, closed="left")],
        "negative_slope": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        graph=None,
        node_features=None,
        *,
        input_format="auto",
        hidden_layer_sizes=(8,),
        n_heads=8,
        output_heads=1,
        concat=True,
        dropout=0.6,
        attention_dropout=0.6,
        value_dropout=0.0,
        negative_slope=0.2,
        lr=0.005,
        max_epochs=200,
        batch_size=None,
        optimizer="adam",
        weight_decay=5e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=100,
        tol=0.0,
        class_weight=None,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_params(self, locals())

    def _make_module(self):
        module = GATModule(
            self.n_node_features_, _check_hidden(self.hidden_layer_sizes),
            len(self.classes_), n_heads=self.n_heads, output_heads=self.output_heads,
            concat=self.concat, dropout=self.dropout,
            attention_dropout=self.attention_dropout,
            negative_slope=self.negative_slope, value_dropout=self.value_dropout,
        )
        module.neighbourhood_batches = self.batch_size is not None
        return module

    def attention(self, layer=0, *, graph=None, node_features=None):
        """The attention coefficients of one layer, edge by edge.

        Parameters
        ----------
        layer : int, default=0
            Which attention layer (0 is the first, -1 the output layer).
        graph, node_features : optional
            Another graph (inductive use).

        Returns
        -------
        edges : ndarray of shape (n_edges, 2)
            ``(source, target)`` pairs, each undirected edge both ways plus a
            self-loop per node; sorted by target.
        weights : ndarray of shape (n_edges, n_layer_heads)
            ``alpha[target <- source]`` per head (``n_heads`` of a hidden
            layer, ``output_heads`` of the output layer); for each target
            they sum to 1 over its incoming edges.
        """
        check_is_fitted(self, "net_")
        n_layers = len(self.module_.layers)
        if (not isinstance(layer, Integral) or isinstance(layer, bool)
                or not -n_layers <= layer < n_layers):
            raise ValueError(
                f"layer must be an int in [{-n_layers}, {n_layers - 1}] (this "
                f"network has {n_layers} attention layers); got {layer!r}."
            )
        device = torch.device(self.net_.device)
        g = self._inference_graph(graph, node_features, device)
        if g.n_nodes == 0:  # (a torch reshape error came from the first layer)
            raise ValueError("Found a graph with 0 nodes, while attention "
                             "needs at least one.")
        module = self._module_reading(g)
        with inference_mode(module), torch.no_grad():
            ids = torch.arange(1, device=device)
            attention = module.propagate(ids, return_attention=True)[2]
        source, target = g.edges(self_loops=True)
        edges = torch.stack([source, target], 1).cpu().numpy()
        return edges, attention[layer].cpu().numpy().astype(np.float64)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """A small graph for the conformance checks."""
        return {**_test_graph(), "hidden_layer_sizes": (2,), "n_heads": 2,
                "max_epochs": 3}


class GraphSAGEClassifier(_BaseGNNClassifier):
    __doc__ = """GraphSAGE node classifier (Hamilton, Ying & Leskovec, 2017).

    Each layer combines a node's own representation with an aggregate of
    its neighbours': ``h' = W_self h + W_neigh agg(h_neighbours) + b``, the
    mean or the max-pool aggregator, ReLU and dropout between layers. With
    ``n_samples`` set, training and inference run in mini-batches of nodes
    whose neighbourhoods are sampled hop by hop, so memory is bounded by the
    batch, not the graph: the way to train on graphs of millions of nodes.

{usage}

    Parameters
    ----------
{graph}

    hidden_layer_sizes : tuple of int, default=(64,)
        Width of each hidden layer.

    aggregator : {{"mean", "pool"}}, default="mean"
        ``"mean"``: average of the neighbours; ``"pool"``: element-wise max
        of ``ReLU(W_pool h_j + b)`` over the neighbours.

    n_samples : tuple of int or None, default=None
        Neighbours sampled per node and hop, nearest hop first (the paper's
        ``(25, 10)``); one entry per layer, so ``len(hidden_layer_sizes) + 1``
        entries. Sampling is uniform with replacement; at predict time the
        draws are a fixed function of the node, so predictions do not depend
        on the batch. None aggregates over all neighbours of every node (full
        graph, exact; right for graphs that fit in memory).

    dropout : float, default=0.5
        Dropout on the input of every layer.

{training}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the loss (ones without ``class_weight``).
    n_nodes_ : int
    n_node_features_ : int
    n_features_in_ : int
        Always 1: ``X`` is a column of node ids.
    history_, n_iter_, loss_curve_, validation_scores_, net_ :
        The training record, as for every skdeep torch estimator;
        ``validation_scores_``, only with a validation set, holds its loss per
        epoch (lower is better).

    See Also
    --------
    GCNClassifier : Symmetric-normalised convolutions, full batch.

    References
    ----------
    W. L. Hamilton, R. Ying and J. Leskovec, "Inductive Representation
    Learning on Large Graphs", NeurIPS 2017, arXiv:1706.02216.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.neighbors import kneighbors_graph
    >>> from skdeep.gnn import GraphSAGEClassifier
    >>> features, y = make_blobs(300, n_features=5, centers=3, random_state=0)
    >>> A = kneighbors_graph(features, 5)
    >>> nodes = np.arange(300)
    >>> clf = GraphSAGEClassifier(graph=A[:200, :200], node_features=features[:200],
    ...                           n_samples=(5, 5), batch_size=32, random_state=0)
    >>> clf.fit(nodes[:40], y[:40]).score(nodes[40:200], y[40:200]) > 0.9
    True

    Inductive: nodes 200-299 were never seen; predict on the grown graph.

    >>> clf.score(nodes[200:], y[200:], graph=A, node_features=features) > 0.9
    True
    """.format(
        usage=_USAGE_DOC,
        graph=_GRAPH_PARAMS_DOC,
        training=_training_doc(
            lr=0.01, max_epochs=200, patience=10,
            weight_decay_doc="L2 penalty on all weights.",
        ),
    )

    _parameter_constraints: dict = {
        **_BaseGNNClassifier._parameter_constraints,
        "aggregator": [StrOptions({"mean", "pool"})],
        "n_samples": ["array-like", None],
    }

    def __init__(
        self,
        graph=None,
        node_features=None,
        *,
        input_format="auto",
        hidden_layer_sizes=(64,),
        aggregator="mean",
        n_samples=None,
        dropout=0.5,
        lr=0.01,
        max_epochs=200,
        batch_size=None,
        optimizer="adam",
        weight_decay=5e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=0.0,
        class_weight=None,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_params(self, locals())

    def _n_samples(self):
        if self.n_samples is None:
            return None
        samples = tuple(self.n_samples)
        n_layers = len(_check_hidden(self.hidden_layer_sizes)) + 1
        if len(samples) != n_layers or not all(
            isinstance(k, Integral) and k > 0 for k in samples
        ):
            raise ValueError(
                f"n_samples must hold {n_layers} positive integers (one per layer: "
                f"len(hidden_layer_sizes) + 1); got {self.n_samples!r}."
            )
        return samples

    def _check_architecture(self):
        self._n_samples()

    def _make_module(self):
        module = SAGEModule(
            self.n_node_features_, _check_hidden(self.hidden_layer_sizes),
            len(self.classes_), aggregator=self.aggregator, dropout=self.dropout,
            n_samples=self._n_samples(),
        )
        module.neighbourhood_batches = self.batch_size is not None
        return module

    def _run_batches(self, fn, ids):
        if self.n_samples is None:
            return fn(ids).cpu().numpy()
        step = self.batch_size or 1024
        chunks = ((i, fn(ids[i : i + step])) for i in range(0, len(ids), step))
        return write_rows(chunks, len(ids))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small graphs for the conformance checks: full batch and sampled."""
        return [
            {**_test_graph(), "hidden_layer_sizes": (4,), "max_epochs": 3},
            {**_test_graph(), "hidden_layer_sizes": (4,), "max_epochs": 3,
             "aggregator": "pool", "n_samples": (3, 2), "batch_size": 8},
        ]


_TEST_GRAPH_NODES = 60


def _test_graph():
    """A 60-node ring (each node linked to the next two) with 3 features
    (conformance checks); ``_conformance_data`` labels thirds of the ring."""
    import scipy.sparse as sp

    n = _TEST_GRAPH_NODES
    rows = np.arange(n)
    A = sp.coo_matrix(
        (np.ones(2 * n), (np.r_[rows, rows], np.r_[(rows + 1) % n, (rows + 2) % n])),
        shape=(n, n),
    ).tocsr()
    features = np.random.RandomState(0).rand(n, 3)
    return {"graph": A, "node_features": features}

# scikit-learn's checks that fit or predict on rows of float features: a node
# classifier's X is a column of node ids (they fail on "X must be one column
# of node ids"). tests/gnn checks the same properties with node ids.
_NODE_ID_XFAILS = (
    "check_class_weight_classifiers",
    "check_classifier_data_not_an_array",
    "check_classifiers_classes",
    "check_classifiers_one_label",
    "check_classifiers_regression_target",
    "check_classifiers_train",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_requires_y_none",
    "check_supervised_y_2d",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    # the sample_weight checks fit on rows of floats too (weights of labelled
    # nodes are tested in tests/utils/test_sample_weight.py)
    *SAMPLE_WEIGHT_CHECKS,
)
