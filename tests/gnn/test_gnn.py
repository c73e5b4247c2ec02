"""GCN, GAT and GraphSAGE node classifiers: the message-passing pieces against
dense references, learning on planted partitions, the estimator contract on
node ids (scikit-learn's own checks feed feature rows), inductive use and bad
input."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score

from skdeep.gnn import GATClassifier, GCNClassifier, GraphSAGEClassifier
from skdeep.gnn._graph import GraphTensors, prepare_graph
from skdeep.gnn._modules import GATLayer, edge_softmax, sample_blocks
from skdeep.utils._torch import torch_threads

FAST = {
    GCNClassifier: dict(max_epochs=60),
    GATClassifier: dict(max_epochs=60, hidden_layer_sizes=(4,), n_heads=2, lr=0.02),
    GraphSAGEClassifier: dict(max_epochs=60, hidden_layer_sizes=(16,)),
}
SAMPLED = dict(max_epochs=40, hidden_layer_sizes=(16,), n_samples=(10, 10),
               batch_size=16)
ALL = [
    (GCNClassifier, FAST[GCNClassifier]),
    (GATClassifier, FAST[GATClassifier]),
    (GraphSAGEClassifier, FAST[GraphSAGEClassifier]),
    (GraphSAGEClassifier, SAMPLED),
]
IDS = ["gcn", "gat", "sage", "sage-sampled"]


def planted_partition(n_per_class=40, n_classes=3, p_in=0.25, p_out=0.01, seed=0,
                      signal=0.3):
    """A graph whose communities are the classes; features: class signal
    buried in noise (weak alone)."""
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    n = len(y)
    prob = np.where(y[:, None] == y[None, :], p_in, p_out)
    upper = np.triu(rng.rand(n, n) < prob, 1)
    A = sp.csr_matrix((upper | upper.T).astype(np.float64))
    features = rng.normal(size=(n, 4)) + signal * np.eye(n_classes, 4)[y]
    return A, features, y


@pytest.fixture(scope="module")
def graph():
    A, features, y = planted_partition()
    train = np.concatenate([np.flatnonzero(y == c)[:8] for c in range(3)])
    test = np.setdiff1d(np.arange(len(y)), train)
    return A, features, y, train, test


# ------------------------------------------------------------ building blocks


def test_gcn_adjacency_matches_dense_formula():
    A, _, _ = planted_partition(10, 2, seed=1)
    A = A.multiply(2.0).tocsr()  # weights are kept
    g = GraphTensors(*prepare_graph(A, None), "cpu")
    dense = A.toarray() + np.eye(A.shape[0])
    d = dense.sum(1) ** -0.5
    expected = d[:, None] * dense * d[None, :]
    adjacency = g.gcn_adjacency().to_dense().numpy()
    np.testing.assert_allclose(adjacency, expected, rtol=1e-6)
    # weights near float32's largest (accepted) overflowed its degree sums,
    # and inf ** -0.5 zeroed those rows
    big = GraphTensors(*prepare_graph(A * 1e38, None), "cpu")
    np.testing.assert_allclose(big.gcn_adjacency().to_dense().numpy(),
                               _gcn_reference(A.toarray() * 1e38), rtol=1e-5)


def _gcn_reference(A):
    """D^-1/2 (A + I) D^-1/2 in float64."""
    dense = A + np.eye(len(A))
    d = dense.sum(1) ** -0.5
    return d[:, None] * dense * d[None, :]


def test_edge_softmax_matches_loop_and_is_stable():
    rng = np.random.RandomState(0)
    target = torch.tensor([0, 0, 0, 1, 1, 2])
    scores = torch.tensor(rng.normal(size=(6, 2)) * 1e4, dtype=torch.float32)
    alpha = edge_softmax(scores, target, 3)
    assert torch.isfinite(alpha).all()
    for node in range(3):
        rows = target == node
        expected = torch.softmax(scores[rows].double(), 0).float()
        torch.testing.assert_close(alpha[rows], expected)


def test_inference_sampling_is_batch_independent_and_skips_isolated_nodes():
    A, _, _ = planted_partition(20, 2, seed=2)
    A = sp.lil_matrix(A)
    A[5, :] = 0
    A[:, 5] = 0  # an isolated node
    g = GraphTensors(*prepare_graph(sp.csr_matrix(A), None), "cpu")
    _, blocks = sample_blocks(torch.tensor([5, 0, 7]), (4, 3), g, training=False)
    mask = blocks[-1][2]  # the hop nearest the targets
    assert mask.shape == (3, 4) and not mask[0].any() and mask[1:].all()

    def drawn(batch, node):
        nodes, blocks = sample_blocks(torch.tensor(batch), (4,), g, training=False)
        neighbours = blocks[0][1]
        return nodes[neighbours[batch.index(node)]].tolist()

    assert drawn([7], 7) == drawn([0, 7, 9], 7) == drawn([9, 3, 7], 7)


def test_sampled_ids_are_true_neighbours():
    A, _, _ = planted_partition(20, 2, seed=3)
    g = GraphTensors(*prepare_graph(A, None), "cpu")
    indptr, indices, _ = g.neighbour_lists()
    targets = torch.arange(g.n_nodes)
    for training in (True, False):
        nodes, blocks = sample_blocks(targets, (5,), g, training=training)
        own, neighbours, mask = blocks[0]
        np.testing.assert_array_equal(nodes[own].numpy(), targets.numpy())
        dense = g.adjacency.toarray()
        picked = nodes[neighbours]
        for i in range(g.n_nodes):
            for j in picked[i][mask[i]].tolist():
                assert dense[i, j] > 0


# ------------------------------------------------------------------ learning


@pytest.mark.parametrize("cls, params", ALL, ids=IDS)
def test_learns_communities_without_features(cls, params, graph):
    A, _, y, train, test = graph
    clf = cls(graph=A, random_state=0, **params).fit(train, y[train])
    assert clf.score(test, y[test]) > 0.8  # chance is 1/3
    proba = clf.predict_proba(test)
    assert proba.shape == (len(test), 3)
    np.testing.assert_allclose(proba.sum(1), 1)
    assert clf.transform(test).shape[0] == len(test)


@pytest.mark.parametrize("cls, params", ALL, ids=IDS)
def test_graph_beats_features_alone(cls, params, graph):
    from sklearn.linear_model import LogisticRegression

    A, features, y, train, test = graph
    floor = LogisticRegression().fit(features[train], y[train]).score(
        features[test], y[test])
    clf = cls(graph=A, node_features=features, random_state=0, **params)
    assert clf.fit(train, y[train]).score(test, y[test]) > floor + 0.1


def test_sparse_and_dense_features_agree(graph):
    A, features, y, train, test = graph
    dense = GCNClassifier(graph=A, node_features=features, dropout=0.0,
                          random_state=0, max_epochs=20).fit(train, y[train])
    sparse = GCNClassifier(graph=A, node_features=sp.csr_matrix(features), dropout=0.0,
                           random_state=0, max_epochs=20).fit(train, y[train])
    np.testing.assert_allclose(dense.predict_proba(test), sparse.predict_proba(test),
                               atol=1e-4)


def test_graph_kinds_directed_and_self_loops(graph):
    import networkx as nx

    A, features, y, train, test = graph
    base = GCNClassifier(graph=A, node_features=features, random_state=0,
                         max_epochs=10).fit(train, y[train]).predict_proba(test)
    upper = sp.triu(A, 1).tocsr()  # directed: one direction per edge
    looped = (A + sp.identity(A.shape[0])).tocsr()
    edges = np.argwhere(sp.triu(A, 1).toarray())
    G = nx.from_scipy_sparse_array(A)
    for graph_in in (upper, looped, edges, G, A.toarray()):
        other = GCNClassifier(graph=graph_in, node_features=features, random_state=0,
                              max_epochs=10).fit(train, y[train]).predict_proba(test)
        np.testing.assert_allclose(other, base, atol=1e-5)


def test_validation_data_and_early_stopping(graph):
    A, features, y, train, test = graph
    clf = GATClassifier(graph=A, node_features=features, early_stopping=True,
                        n_iter_no_change=5, max_epochs=300, random_state=0,
                        hidden_layer_sizes=(4,), n_heads=2)
    clf.fit(train, y[train], validation_data=(test[:30], y[test[:30]]))
    assert len(clf.validation_scores_) == clf.n_iter_ < 300
    with pytest.raises(ValueError, match=r"not classes of y: \['x', 'y', 'z'\]"):
        clf.fit(train, y[train], validation_data=(test[:3], ["x", "y", "z"]))
    with pytest.raises(ValueError, match="3 node ids but 2 labels"):
        clf.fit(train, y[train], validation_data=(test[:3], y[test[:2]]))
    # a column of labels, as fit's y: flattened with scikit-learn's warning
    clf.set_params(early_stopping=False, max_epochs=2)
    with pytest.warns(DataConversionWarning):
        clf.fit(train, y[train], validation_data=(test[:30], y[test[:30], None]))
    assert len(clf.validation_scores_) == 2
    with pytest.raises(ValueError, match=r"only one class \(0\);"):
        clf.fit(train, np.zeros(len(train), dtype=np.int64))


def test_mostly_zero_dense_features_are_stored_sparse():
    A, features, _ = planted_partition(10, 2, seed=5)
    rng = np.random.RandomState(0)
    bag_of_words = (rng.rand(A.shape[0], 500) < 0.01).astype(np.float64)
    _, stored = prepare_graph(A, bag_of_words)
    assert sp.issparse(stored) and stored.dtype == np.float32
    np.testing.assert_array_equal(stored.toarray(), bag_of_words)
    _, stored = prepare_graph(A, features)  # dense values stay dense
    assert isinstance(stored, np.ndarray)


def test_non_canonical_sparse_features_train_as_canonical_ones():
    # sparse dropout draws per stored entry: a value stored as two halves
    # was half dropped, and stored zeros took draws (other weights)
    A, _, y = planted_partition(10, 2, seed=5)
    rng = np.random.RandomState(0)
    bag_of_words = (rng.rand(A.shape[0], 50) < 0.05) * rng.rand(A.shape[0], 50)
    # each value stored as two halves, and a stored zero in every row
    data, indices, indptr = [], [], [0]
    for row in bag_of_words:
        columns = np.flatnonzero(row)
        data += [*(row[columns] / 2), *(row[columns] / 2), 0.0]
        indices += [*columns, *columns, int(np.flatnonzero(row == 0)[0])]
        indptr.append(len(data))
    halves = sp.csr_matrix((data, indices, indptr), shape=bag_of_words.shape)
    assert not halves.has_canonical_format
    np.testing.assert_allclose(halves.toarray(), bag_of_words)
    before = halves.copy()
    for cls in (GCNClassifier, GraphSAGEClassifier):
        fitted = [cls(graph=A, node_features=features, dropout=0.5, max_epochs=3,
                      random_state=0).fit(np.arange(0, 20, 2), y[::2])
                  for features in (sp.csr_matrix(bag_of_words), halves)]
        np.testing.assert_allclose(fitted[1].predict_proba(np.arange(20)),
                                   fitted[0].predict_proba(np.arange(20)),
                                   rtol=1e-5, atol=1e-6)
    # the user's matrix is left as it was
    np.testing.assert_array_equal(halves.data, before.data)
    np.testing.assert_array_equal(halves.indices, before.indices)


def test_read_only_float32_features_fit_without_warnings():
    # (what a search's workers get from joblib's memmapping: torch warned)
    A, features, y = planted_partition(10, 2, seed=5)
    features = features.astype(np.float32)
    features.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GCNClassifier(graph=A, node_features=features, max_epochs=1,
                      random_state=0).fit(np.arange(0, 20, 2), y[::2])


def test_value_dropout_acts_in_training_only():
    A, features, _ = planted_partition(10, 2, seed=6)
    g = GraphTensors(*prepare_graph(A, features), "cpu")
    ids = torch.arange(g.n_nodes)
    layer = GATLayer(features.shape[1], 4, 2, concat=True, negative_slope=0.2,
                     attention_dropout=0.0, value_dropout=0.5)
    source, target = g.edges(self_loops=True)
    x = g.feature_tensor()
    layer.eval()
    reference = layer(x, ids, source, target, 0.0)
    layer.train()
    torch.manual_seed(0)
    dropped = layer(x, ids, source, target, 0.0)
    assert not torch.allclose(dropped, reference)
    # the attention is computed from undropped messages
    _, alpha_train = layer(x, ids, source, target, 0.0, return_attention=True)
    _, alpha_eval = layer.eval()(x, ids, source, target, 0.0, return_attention=True)
    torch.testing.assert_close(alpha_train, alpha_eval)


def test_attention_weights_sum_to_one(graph):
    A, features, y, train, _ = graph
    clf = GATClassifier(graph=A, node_features=features, random_state=0,
                        **FAST[GATClassifier]).fit(train, y[train])
    edges, weights = clf.attention()
    assert weights.shape == (len(edges), 2)
    totals = np.zeros((A.shape[0], 2))
    np.add.at(totals, edges[:, 1], weights)
    np.testing.assert_allclose(totals, 1, rtol=1e-5)
    assert (edges[:, 0] == edges[:, 1]).sum() == A.shape[0]  # one self-loop each
    # a layer the network lacks was a bare IndexError
    n = len(clf.module_.layers)
    np.testing.assert_array_equal(clf.attention(-n)[1], weights)
    for layer in (n, -n - 1, 0.5, True):  # (True was read as layer 1)
        with pytest.raises(ValueError, match=f"layer must be an int in \\[{-n}, "):
            clf.attention(layer)
    # an empty graph was a torch reshape error
    with pytest.raises(ValueError, match="Found a graph with 0 nodes"):
        clf.attention(graph=sp.csr_matrix((0, 0)),
                      node_features=np.zeros((0, features.shape[1])))


@pytest.mark.parametrize("cls, params", [
    (GCNClassifier, {"dropout": 0.0}),
    (GATClassifier, {"dropout": 0.0, "attention_dropout": 0.0, "n_heads": 2}),
    (GraphSAGEClassifier, {"dropout": 0.0}),
    (GraphSAGEClassifier, {"dropout": 0.0, "aggregator": "pool"}),
], ids=["gcn", "gat", "sage", "sage-pool"])
@pytest.mark.parametrize("features", ["dense", "sparse", "identity"])
def test_minibatches_read_only_their_neighbourhoods(cls, params, features,
                                                    monkeypatch):
    # every mini-batch step computed every node of the graph (an epoch cost
    # n_nodes x n_batches: 30 s for GCN on 32k nodes against 0.1 s full batch)
    from skdeep.gnn import _modules

    rng = np.random.RandomState(0)
    n = 600
    ring = np.arange(n)
    A = sp.coo_matrix((np.ones(n), (ring, (ring + 1) % n)), shape=(n, n)).tocsr()
    X = {"dense": rng.randn(n, 3), "identity": None,
         "sparse": sp.random(n, 20, density=0.1, format="csr", random_state=0)}
    y = (ring // 50) % 3
    fields = []
    real_fields = _modules.GraphModule._fields

    def spy(self, node_ids):
        found = real_fields(self, node_ids)
        fields.append(None if found is None else len(found[0]))
        return found

    monkeypatch.setattr(_modules.GraphModule, "_fields", spy)
    model = cls(graph=A, node_features=X[features], hidden_layer_sizes=(4,),
                batch_size=16, max_epochs=2, random_state=0, **params)
    model.fit(ring, y)
    # a step reads its 16 nodes and their neighbours two hops away
    assert fields and all(size is not None and size <= 16 * 5 for size in fields)
    some = rng.choice(n, 7)
    proba = model.predict_proba(some)
    # (equal but for the rounding of products over fewer rows)
    np.testing.assert_allclose(proba, model.predict_proba(ring)[some], atol=1e-6)
    np.testing.assert_allclose(model.transform(some), model.transform(ring)[some],
                               atol=1e-6)
    # the same training as steps that compute the whole graph
    monkeypatch.setattr(_modules.GraphModule, "_fields", lambda self, ids: None)
    whole = clone(model).fit(ring, y)
    np.testing.assert_allclose(whole.predict_proba(some), proba, atol=1e-5)


# --------------------------------------------------- the contract on node ids


@pytest.mark.parametrize("cls, params", ALL, ids=IDS)
def test_contract_on_node_ids(cls, params, graph):
    A, features, y, train, test = graph
    clf = cls(graph=A, node_features=features, random_state=0, **params)
    with pytest.raises(NotFittedError):
        clf.predict(test)
    before = clf.get_params()
    graph_copy, features_copy = A.copy(), features.copy()
    assert clf.fit(train.reshape(-1, 1), y[train]) is clf
    assert clf.n_features_in_ == 1
    for key, value in before.items():  # fit leaves the parameters alone
        assert clf.get_params()[key] is value
    assert (clf.graph != graph_copy).nnz == 0
    np.testing.assert_array_equal(clf.node_features, features_copy)
    assert type(clone(clf)) is cls and not hasattr(clone(clf), "classes_")
    proba = clf.predict_proba(test)
    # 1-D ids, any subset, any order: the same rows
    np.testing.assert_array_equal(clf.predict_proba(test.reshape(-1, 1)), proba)
    np.testing.assert_allclose(clf.predict_proba(test[:5]), proba[:5], atol=1e-6)
    order = np.random.RandomState(0).permutation(len(test))
    np.testing.assert_allclose(clf.predict_proba(test[order]), proba[order], atol=1e-6)
    # reproducible, and the seed matters
    again = cls(graph=A, node_features=features, random_state=0, **params)
    np.testing.assert_array_equal(again.fit(train, y[train]).predict_proba(test), proba)
    other = cls(graph=A, node_features=features, random_state=1, **params)
    assert not np.array_equal(other.fit(train, y[train]).predict_proba(test), proba)
    # pickle round trip
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(test), proba)
    # refitting is idempotent
    np.testing.assert_array_equal(clf.fit(train, y[train]).predict_proba(test), proba)


@pytest.mark.parametrize("cls, params", [
    (GATClassifier, dict(max_epochs=5, n_heads=4)),
    (GATClassifier, dict(max_epochs=3, n_heads=4, batch_size=64)),
    (GraphSAGEClassifier, dict(max_epochs=5, aggregator="pool")),
    (GraphSAGEClassifier, dict(max_epochs=3, n_samples=(10, 10), batch_size=64)),
], ids=["gat", "gat-batches", "sage-pool", "sage-sampled"])
def test_seeded_fits_agree_on_two_threads(cls, params):
    # Gathers of edge rows with repeats, large enough (about 50k values) for
    # torch to parallelise an accumulating backward pass, which then adds in
    # no fixed order: seeded fits on two threads must agree bit for bit.
    A, features, y = planted_partition(n_per_class=150, p_in=0.1, p_out=0.005)
    ids = np.arange(len(y))

    def fit():
        clf = cls(graph=A, node_features=features, random_state=0, **params)
        return clf.fit(ids, y).predict_proba(ids)

    with torch_threads(2):
        first = fit()
        for _ in range(2):
            np.testing.assert_array_equal(fit(), first)


@pytest.mark.parametrize("cls", [GCNClassifier, GATClassifier, GraphSAGEClassifier])
def test_embeddings_as_named_pandas_features(cls, graph):
    """transform's node embeddings carry names and follow set_output, as the
    other networks' features do (a ColumnTransformer over node ids)."""
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer

    A, features, y, train, test = graph
    clf = cls(graph=A, node_features=features, random_state=0, max_epochs=5,
              hidden_layer_sizes=(3,))
    emb = clf.fit(train, y[train]).transform(test)
    width = 3 * clf.n_heads if cls is GATClassifier else 3  # GAT joins its heads
    assert emb.shape == (len(test), width)
    names = clf.get_feature_names_out()
    assert names.tolist() == [f"{cls.__name__.lower()}{i}" for i in range(width)]
    ids = pd.DataFrame({"node": test}, index=[f"v{i}" for i in test])
    columns = ColumnTransformer([("gnn", clf, ["node"])]).set_output(transform="pandas")
    out = columns.fit(pd.DataFrame({"node": train}), y[train]).transform(ids)
    assert list(out.index) == list(ids.index)
    assert list(out.columns) == [f"gnn__{n}" for n in names]
    np.testing.assert_array_equal(out.to_numpy(), emb)
    # no hidden layer, no embedding: a clear error, not a crash
    bare = cls(graph=A, node_features=features, max_epochs=2, hidden_layer_sizes=())
    with pytest.raises(ValueError, match="no hidden layer"):
        bare.fit(train, y[train]).transform(test)


def test_string_labels_and_model_selection(graph):
    A, features, y, train, test = graph
    names = np.array(["red", "green", "blue"])[y]
    clf = GCNClassifier(graph=A, node_features=features, random_state=0, max_epochs=30)
    search = GridSearchCV(clf, {"hidden_layer_sizes": [(4,), (16,)]}, cv=2)
    search.fit(np.arange(len(y)), names)
    assert set(search.predict(test)) <= set(names)
    scores = cross_val_score(clf, np.arange(len(y)), names, cv=3)
    assert scores.mean() > 0.6


def test_io_round_trip_with_sparse_features(graph, tmp_path):
    from skdeep import io

    A, features, y, train, test = graph
    clf = GraphSAGEClassifier(graph=A, node_features=sp.csr_matrix(features),
                              random_state=0, **SAMPLED).fit(train, y[train])
    io.save(clf, tmp_path / "sage.skdeep")
    loaded = io.load(tmp_path / "sage.skdeep")
    np.testing.assert_array_equal(loaded.predict_proba(test), clf.predict_proba(test))


# ------------------------------------------------------------------ inductive


@pytest.mark.parametrize("cls, params", ALL, ids=IDS)
def test_inductive_prediction_on_a_grown_graph(cls, params):
    A, features, y = planted_partition(60, 3, seed=4, signal=1.0)
    old = np.flatnonzero(np.arange(len(y)) % 60 < 40)  # 40 per class seen
    new = np.setdiff1d(np.arange(len(y)), old)
    A_old, F_old = A[old][:, old], features[old]
    clf = cls(graph=A_old, node_features=F_old, random_state=0, **params)
    clf.fit(np.arange(len(old))[::2], y[old][::2])
    # the training graph passed explicitly gives the same predictions
    np.testing.assert_allclose(
        clf.predict_proba(np.arange(len(old)), graph=A_old, node_features=F_old),
        clf.predict_proba(np.arange(len(old))), atol=1e-6)
    assert clf.score(new, y[new], graph=A, node_features=features) > 0.9
    with pytest.raises(ValueError, match="columns"):
        clf.predict(new, graph=A, node_features=features[:, :2])
    with pytest.raises(ValueError, match="node_features"):
        clf.predict(new, graph=A)


def test_identity_features_are_not_inductive(graph):
    A, _, y, train, test = graph
    clf = GCNClassifier(graph=A, max_epochs=5, random_state=0).fit(train, y[train])
    with pytest.raises(ValueError, match="identity features"):
        clf.predict(test, graph=A, node_features="identity")
    degree = GCNClassifier(graph=A, node_features="degree", max_epochs=5,
                           random_state=0).fit(train, y[train])
    assert degree.predict(test, graph=A).shape == test.shape
    # a model of real features asked for identity ones: it was told to fit
    # with real features, which it had
    features = np.random.RandomState(0).normal(size=(A.shape[0], 3))
    real = GCNClassifier(graph=A, node_features=features, max_epochs=2,
                         random_state=0).fit(train, y[train])
    with pytest.raises(ValueError,
                       match=r"pass that graph's node_features \(3 columns"):
        real.predict(test, graph=A, node_features="identity")


def test_feature_frames_indexed_by_node_labels_in_another_order_are_refused():
    # rows are read by position: such a frame gave every node another node's
    # features without a word
    import networkx as nx
    import pandas as pd

    G = nx.relabel_nodes(nx.karate_club_graph(), {i: f"n{i}" for i in range(34)})
    F = pd.DataFrame(np.random.RandomState(0).rand(34, 3), index=list(G.nodes))
    y, ids = np.arange(34) % 2, np.arange(34)
    GCNClassifier(graph=G, node_features=F, max_epochs=1).fit(ids, y)
    with pytest.raises(ValueError, match=r"node_features.loc\[nodes\] .*\['n0', "):
        GCNClassifier(graph=G, node_features=F.iloc[::-1], max_epochs=1).fit(ids, y)
    # a default index says nothing of labels: read by position, as documented
    GCNClassifier(graph=G, node_features=F.iloc[::-1].reset_index(drop=True),
                  max_epochs=1).fit(ids, y)
    model = GCNClassifier(graph=G, node_features=F, max_epochs=1).fit(ids, y)
    with pytest.raises(ValueError, match="another order"):  # (a new graph too)
        model.predict(ids[:3], graph=G, node_features=F.iloc[::-1])
    # nodes labelled 0..n-1 are rows in label order, whatever order the graph
    # added them in: the advice named list(G.nodes), which was refused again
    H = nx.Graph([(2, 0), (0, 1), (1, 3), (3, 2)])  # G.nodes: 2, 0, 1, 3
    F = pd.DataFrame({"f": [10.0, 20.0, 30.0, 40.0]})
    y4 = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"\[0, 1, 2, 3\]"):
        GCNClassifier(graph=H, node_features=F.loc[list(H.nodes)],
                      max_epochs=1).fit(ids[:4], y4)
    GCNClassifier(graph=H, node_features=F.loc[list(H.nodes)].sort_index(),
                  max_epochs=1).fit(ids[:4], y4)
    # a range other than 0..n-1 names labels too (range(1, 5) was read by
    # position: node 3 got node 1's features)
    K = nx.Graph([(3, 1), (1, 2), (2, 4)])  # K.nodes: 3, 1, 2, 4
    ranged = pd.DataFrame({"f": [10.0, 20.0, 30.0, 40.0]}, index=range(1, 5))
    with pytest.raises(ValueError, match=r"\[3, 1, 2, 4\]"):
        GCNClassifier(graph=K, node_features=ranged, max_epochs=1).fit(ids[:4], y4)
    # an adjacency's nodes are 0..n-1: a frame indexed by them shuffled was
    # read by position (F.sample(frac=1) gave nodes each other's features)
    A = nx.to_scipy_sparse_array(H, nodelist=range(4))
    for graph in (A, A.toarray()):
        with pytest.raises(ValueError, match=r"\[0, 1, 2, 3\]"):
            GCNClassifier(graph=graph, node_features=F.iloc[[2, 0, 1, 3]],
                          max_epochs=1).fit(ids[:4], y4)
    GCNClassifier(graph=A, node_features=F.set_axis(["a", "b", "c", "d"]),
                  max_epochs=1).fit(ids[:4], y4)  # (other labels: by position)


@pytest.mark.parametrize("cls", [GCNClassifier, GATClassifier, GraphSAGEClassifier])
def test_edge_weights_below_float32s_range_stay_edges(cls):
    # a positive weight of 1e-50 became a stored 0 in float32, which some
    # views of the graph kept and others dropped: mini-batches read wrong
    # neighbours (other predictions than full-graph steps) or failed
    n = 200
    features = np.random.RandomState(0).normal(size=(n, 3))
    y = (np.arange(n) // 50) % 2
    train = np.arange(0, n, 4)
    rows = np.arange(n - 1)
    A = sp.coo_matrix((np.ones(n - 1), (rows, rows + 1)), shape=(n, n)).tocsr()
    A = (A + A.T).tolil()
    A[0, 199] = A[199, 0] = 1e-50
    A = A.tocsr()
    assert prepare_graph(A, None, "auto")[0][0, 199] > 0  # an edge, not a stored 0
    model = cls(graph=A, node_features=features, dropout=0.0, max_epochs=3,
                random_state=0, batch_size=4).fit(train, y[train])
    batched = model.predict_proba([0, 199])
    model.net_.module_.neighbourhood_batches = False
    np.testing.assert_allclose(model.predict_proba([0, 199]), batched, atol=1e-6)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("cls", [GCNClassifier, GATClassifier, GraphSAGEClassifier])
def test_bad_input(cls, graph):
    A, features, y, train, test = graph
    n = A.shape[0]
    fit = dict(max_epochs=2)
    with pytest.raises(ValueError, match=r"lie in \[0, 120\)"):
        cls(graph=A, **fit).fit(np.r_[train, n], np.r_[y[train], 0])
    with pytest.raises(ValueError, match="integers"):
        cls(graph=A, **fit).fit(train + 0.5, y[train])
    with pytest.raises(ValueError, match="one column of node ids"):
        cls(graph=A, **fit).fit(features[train], y[train])
    with pytest.raises(ValueError, match="119 rows but the graph has 120"):
        cls(graph=A, node_features=features[1:], **fit).fit(train, y[train])
    bad = features.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cls(graph=A, node_features=bad, **fit).fit(train, y[train])
    with pytest.raises(ValueError, match="non-negative"):
        cls(graph=-A, **fit).fit(train, y[train])
    with pytest.raises(ValueError, match="graph= is required"):
        cls(**fit).fit(train, y[train])
    with pytest.raises(ValueError, match="two or more"):
        cls(graph=A, **fit).fit(train[:5], np.zeros(5))
    with pytest.raises(ValueError, match="one label per node id"):
        cls(graph=A, **fit).fit(train, y[train][:-1])
    # a sparse matrix of node ids: scikit-learn's message (np.asarray made it
    # a 0-d object array: "Expected 2D array, got scalar array instead")
    with pytest.raises(TypeError, match="Sparse data was passed"):
        cls(graph=A, **fit).fit(sp.csr_matrix(train[:, None]), y[train])
    clf = cls(graph=A, **fit).fit(train, y[train])
    with pytest.raises(ValueError, match=r"lie in \[0, 120\)"):
        clf.predict([-1])
    with pytest.raises(TypeError, match="Sparse data was passed"):
        clf.predict(sp.csr_matrix(test[:, None]))


def test_bad_sampling_parameters(graph):
    A, _, y, train, _ = graph
    with pytest.raises(ValueError, match="n_samples must hold 2 positive"):
        GraphSAGEClassifier(graph=A, n_samples=(5,), max_epochs=1).fit(train, y[train])


def test_isolated_nodes_get_finite_predictions():
    A, features, y = planted_partition(20, 2, seed=5)
    A = sp.lil_matrix(A)
    A[0, :] = 0
    A[:, 0] = 0
    A = sp.csr_matrix(A)
    for cls, params in ALL:
        clf = cls(graph=A, node_features=features, random_state=0, **params)
        proba = clf.fit(np.arange(1, 40, 2), y[1::2]).predict_proba([0])
        assert np.all(np.isfinite(proba))


def test_predictions_follow_a_parameter_replaced_after_fit():
    # The fitted graph's tensors were cached under id(graph), id(features):
    # an array given after fit could take the id of the freed array the cache
    # was built from, and predict then used the old features.
    import gc

    import networkx as nx

    G, y, ids = nx.path_graph(20), np.arange(20) % 2, np.arange(20)
    est = GCNClassifier(graph=G, node_features=np.random.RandomState(0).rand(20, 4),
                        max_epochs=5, random_state=0).fit(ids[:10], y[:10])
    for value in range(1, 6):
        est.predict_proba(ids)  # cached from features only est holds
        est.set_params(node_features=np.ones((20, 3)))  # frees them
        gc.collect()
        est.set_params(node_features=np.full((20, 4), value * np.arange(4.0)))
        np.testing.assert_array_equal(
            est.predict_proba(ids),
            est.predict_proba(ids, graph=G, node_features=est.node_features))


@pytest.mark.parametrize("cls", [GCNClassifier, GATClassifier, GraphSAGEClassifier])
def test_graph_or_features_set_since_fit_are_checked_like_predicts(cls, graph):
    # the class invites set_params(graph=..., node_features=...) after fit;
    # other feature columns reached the first layer's product (a torch shape
    # error), and one-hot ids of a bigger graph an IndexError
    A, features, y, train, _ = graph
    clf = cls(graph=A, node_features=features, max_epochs=2, random_state=0)
    clf.fit(train, y[train])
    clf.set_params(node_features=features[:, :3])
    with pytest.raises(ValueError, match="of 3 columns, but .* fitted with 4"):
        clf.predict(train)
    clf.set_params(node_features=features * 2.0)  # same columns: reads them
    assert clf.predict(train).shape == train.shape
    ids = cls(graph=A, max_epochs=2, random_state=0).fit(train, y[train])
    small = A[:60][:, :60]
    ids.set_params(graph=small)  # one-hot ids: a graph of other nodes
    with pytest.raises(ValueError, match="one-hot node ids"):
        ids.predict(train[:5])
    # given to predict, the same graph is refused for what it is
    with pytest.raises(ValueError, match="fitted with identity features"):
        cls(graph=A, max_epochs=2, random_state=0).fit(train, y[train]).predict(
            train[:5], graph=small)


def test_hidden_layer_sizes_take_numpy_integers(graph):
    # GraphSAGE's split refused np.int64 sizes (a GridSearchCV over np.arange)
    A, features, y, train, _ = graph
    clf = GraphSAGEClassifier(graph=A, node_features=features, max_epochs=1,
                              hidden_layer_sizes=(np.int64(8),)).fit(train, y[train])
    assert clf.transform(train).shape == (len(train), 8)


def test_graph_weights_past_float32_and_complex_sparse_features_are_refused(graph):
    # weights of 1e39 became inf: an empty normalized adjacency, every node
    # predicted alike; complex sparse features lost their imaginary parts
    A, features, y, train, _ = graph
    with pytest.raises(ValueError, match="graph contains values too large"):
        GCNClassifier(graph=A * 1e39, node_features=features, max_epochs=1).fit(
            train, y[train])
    # finite features past float32's range were refused as "NaN or infinity"
    for huge in (features * 1e300, sp.csr_matrix(features * 1e300)):
        with pytest.raises(ValueError, match="node_features contains values too "
                                             "large for float32"):
            GCNClassifier(graph=A, node_features=huge, max_epochs=1).fit(
                train, y[train])
    complex_features = sp.csr_matrix(features.astype(np.complex128) * 1j)
    with pytest.raises(ValueError, match="numeric; got dtype complex128"):
        GCNClassifier(graph=A, node_features=complex_features, max_epochs=1).fit(
            train, y[train])


def test_networkx_nodes_labelled_0_to_n_minus_1_are_ids_and_feature_rows(graph):
    # nx.Graph(edges) adds nodes in order of first appearance: ids and the
    # rows of label-indexed features named other nodes, silently
    nx = pytest.importorskip("networkx")
    A, features, y, train, test = graph
    edges = np.transpose(sp.triu(A).nonzero())
    np.random.RandomState(0).shuffle(edges)
    G = nx.Graph(edges.tolist())
    assert len(G) == len(y) and list(G.nodes()) != list(range(len(y)))
    params = dict(node_features=features, random_state=0, **FAST[GCNClassifier])
    shuffled = GCNClassifier(graph=G, **params).fit(train, y[train])
    ordered = GCNClassifier(graph=A, **params).fit(train, y[train])
    np.testing.assert_allclose(shuffled.predict_proba(test),
                               ordered.predict_proba(test), atol=1e-6)


def test_fit_transform_routes_graph_metadata_to_transform(graph):
    # scikit-learn's fit_transform gave graph= to fit, which refused it
    # ("unexpected keyword argument 'graph'"), in a pipeline routing it to
    # transform
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    A, features, y, train, _ = graph
    gnn = GraphSAGEClassifier(graph=A, node_features=features, random_state=0,
                              hidden_layer_sizes=(4,), max_epochs=2)
    embedded = clone(gnn).fit_transform(train, y[train], graph=A,
                                        node_features=features)
    np.testing.assert_array_equal(
        embedded, clone(gnn).fit(train, y[train]).transform(train))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline([
            ("gnn", clone(gnn).set_transform_request(graph=True,
                                                     node_features=True)),
            ("head", LogisticRegression())])
        pipe.fit(train, y[train], graph=A, node_features=features)
        assert pipe.predict(train, graph=A, node_features=features).shape == (
            len(train),)


def test_numeric_feature_frames_and_object_ids_are_read_as_numbers():
    # a DataFrame of float and bool columns, or of nullable Float64, is an
    # object array to numpy and was refused as "must be numeric"; node ids
    # as an object array of ints were refused as "must be integers"
    import pandas as pd

    rng = np.random.RandomState(0)
    A = sp.random(30, 30, density=0.15, random_state=0, format="csr")
    A.data[:] = 1
    ids, y = np.arange(30).reshape(-1, 1), np.arange(30) % 2
    frame = pd.DataFrame({"age": rng.rand(30), "member": rng.rand(30) > 0.5})
    params = dict(graph=A, max_epochs=2, random_state=0)
    expected = GCNClassifier(**params, node_features=frame.to_numpy(float)).fit(
        ids, y).predict_proba(ids)
    for features in (frame, frame.astype({"age": "Float64"}),
                     frame.to_numpy(dtype=object)):
        got = GCNClassifier(**params, node_features=features).fit(ids, y)
        np.testing.assert_allclose(got.predict_proba(ids), expected, rtol=1e-6)
    plain = GCNClassifier(**params).fit(ids, y).predict_proba(ids)
    by_objects = GCNClassifier(**params).fit(ids.astype(object), y)
    np.testing.assert_array_equal(by_objects.predict_proba(ids.astype(object)), plain)
    missing = frame.astype({"age": "Float64"})
    missing.iloc[3, 0] = pd.NA
    with pytest.raises(ValueError, match="node_features contains NaN"):
        GCNClassifier(**params, node_features=missing).fit(ids, y)
    with pytest.raises(ValueError, match="node_features must be numeric"):
        GCNClassifier(**params, node_features=pd.DataFrame({"a": ["x"] * 30})).fit(
            ids, y)


def test_a_missing_label_is_a_nan_error():
    # a Categorical with NaN among string labels raised "'<' not supported
    # between instances of 'float' and 'str'"
    import pandas as pd

    A = sp.random(30, 30, density=0.15, random_state=0, format="csr")
    A.data[:] = 1
    y = pd.Categorical(["a", "b"] * 14 + [np.nan, "a"])
    with pytest.raises(ValueError, match="contains NaN"):
        GCNClassifier(graph=A, max_epochs=1).fit(np.arange(30).reshape(-1, 1), y)


def test_a_graph_changed_in_place_is_not_served_from_the_cache():
    # the cache compared the graph and features by identity only: a graph
    # grown in place kept its old tensors in this process (the unpickled
    # model, rebuilt from the parameters, predicted otherwise) and refused
    # the node it had gained
    import pickle

    import networkx as nx

    G = nx.path_graph(6)
    ids, y = np.arange(6).reshape(-1, 1), np.array([0, 0, 0, 1, 1, 1])
    model = GCNClassifier(graph=G, node_features="degree", max_epochs=5,
                          random_state=0).fit(ids, y)
    G.add_edges_from([(0, 3), (0, 4), (0, 5), (5, 6)])
    fresh = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(model.predict_proba([[0]]),
                                  fresh.predict_proba([[0]]))
    assert model.predict([[6]]).shape == (1,)
    F = np.random.RandomState(0).rand(6, 3)
    model = GCNClassifier(graph=nx.path_graph(6), node_features=F, max_epochs=5,
                          random_state=0).fit(ids, y)
    before = model.predict_proba(ids)
    F[:] = 0.0  # features changed in place
    fresh = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(model.predict_proba(ids), fresh.predict_proba(ids))
    assert not np.array_equal(model.predict_proba(ids), before)
    # sparse formats without data/indices arrays: a DOK graph's key was its
    # shape, a DIA graph's left out its offsets
    ring = sp.diags([1.0, 1.0], [-1, 1], shape=(6, 6))
    for graph, edit in [(sp.dok_matrix(ring), "dok"), (sp.dia_matrix(ring), "dia")]:
        model = GCNClassifier(graph=graph, node_features=F + 1.0, max_epochs=5,
                              random_state=0).fit(ids, y)
        before = model.predict_proba(ids)
        if edit == "dok":
            graph[0, 3] = graph[3, 0] = 1.0
        else:
            graph.offsets *= 2  # (the second diagonals above and below)
        fresh = pickle.loads(pickle.dumps(model))
        np.testing.assert_array_equal(model.predict_proba(ids),
                                      fresh.predict_proba(ids))
        assert not np.array_equal(model.predict_proba(ids), before)
