"""The graph input format (``input_format``) and ``verbose`` progress of the
graph estimators (issue #23, item 7)."""

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("numba")
pytest.importorskip("gensim")

import skdeep.graph as graph_module  # noqa: E402
from skdeep.graph import (  # noqa: E402
    DeepWalkEmbedder,
    Node2VecEmbedder,
    WalkletsEmbedder,
    to_adjacency,
)

EMBEDDERS = [
    "Node2VecEmbedder", "DeepWalkEmbedder", "WalkletsEmbedder", "Diff2VecEmbedder",
    "SplitterEmbedder", "Struc2VecEmbedder", "SDNEEmbedder", "GEMSECEmbedder",
]
# Two edges among three nodes, or the adjacency of two nodes.
EDGES_2x2 = np.array([[0, 1], [1, 2]])
# Three weighted edges among four nodes, or the adjacency of three nodes.
EDGES_3x3 = np.array([[0, 1, 2.0], [1, 2, 0.5], [2, 3, 1.0]])
FAST = dict(dimensions=4, walk_length=5, n_walks=2, window=2, sample=0.0,
            random_state=0)


def _embedder(name, **params):
    cls = getattr(graph_module, name)
    test_params = cls.get_test_params()
    test_params = test_params if isinstance(test_params, dict) else test_params[0]
    return cls(**{**test_params, "random_state": 0, **params})


# -- to_adjacency ------------------------------------------------------------


@pytest.mark.parametrize("X", [EDGES_2x2, EDGES_3x3, np.eye(2), np.ones((3, 3))])
def test_auto_refuses_arrays_that_are_both(X):
    with pytest.raises(ValueError, match="ambiguous.*input_format"):
        to_adjacency(X)


def test_explicit_format_reads_either_graph():
    A, _ = to_adjacency(EDGES_2x2, "edgelist")
    np.testing.assert_array_equal(A.toarray(), [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    A, _ = to_adjacency(EDGES_2x2, "adjacency")
    np.testing.assert_array_equal(A.toarray(), EDGES_2x2)
    W, _ = to_adjacency(EDGES_3x3, "edgelist")
    assert W.shape == (4, 4)
    assert W[0, 1] == W[1, 0] == 2.0 and W[1, 2] == 0.5 and W[3, 2] == 1.0
    assert to_adjacency(EDGES_3x3, "adjacency")[0].shape == (3, 3)
    # a single edge is a graph for "edgelist"
    assert to_adjacency([[0, 1]], "edgelist")[0].shape == (2, 2)


def test_auto_keeps_unambiguous_reads():
    # square arrays that cannot be edge arrays are adjacencies ...
    assert to_adjacency(np.eye(4))[0].shape == (4, 4)
    weights = np.array([[0, 0.5, 0], [0.5, 0, 0.25], [0, 0.25, 0]])
    np.testing.assert_array_equal(to_adjacency(weights)[0].toarray(), weights)
    # ... and 2- or 3-column arrays that are not square edge arrays
    edges = np.array([[0, 1], [1, 2], [2, 3]])
    assert to_adjacency(edges)[0].shape == (4, 4)
    assert to_adjacency(np.array([[0, 1, 1.5], [1, 2, 1.0]]))[0][1, 0] == 1.5


def test_wrong_shapes_for_the_format_raise():
    with pytest.raises(ValueError, match="input_format='adjacency' needs a square"):
        to_adjacency(np.array([[0, 1], [1, 2], [2, 3]]), "adjacency")
    with pytest.raises(ValueError, match="2 or 3 columns"):
        to_adjacency(np.eye(4), "edgelist")
    with pytest.raises(ValueError, match="non-negative integers"):
        to_adjacency([[0, 0.5], [0.5, 0]], "edgelist")
    with pytest.raises(ValueError, match="input_format must be one of"):
        to_adjacency(EDGES_2x2, "edges")


def test_sparse_and_networkx_are_unaffected():
    nx = pytest.importorskip("networkx")
    S = sp.csr_matrix(np.array([[0, 1], [1, 0]]))
    for fmt in ("auto", "adjacency"):
        assert to_adjacency(S, fmt)[0].shape == (2, 2)
    with pytest.raises(ValueError, match="edgelist.*sparse"):
        to_adjacency(S, "edgelist")
    G = nx.path_graph(3)
    for fmt in ("auto", "adjacency", "edgelist"):
        A, nodes = to_adjacency(G, fmt)
        assert A.shape == (3, 3) and nodes == [0, 1, 2]


# -- the embedders -------------------------------------------------------------


@pytest.mark.parametrize("name", EMBEDDERS)
@pytest.mark.parametrize("X", [EDGES_2x2, EDGES_3x3], ids=["2x2", "3x3"])
def test_every_embedder_refuses_ambiguous_input(name, X):
    est = _embedder(name)
    assert est.get_params()["input_format"] == "auto"
    with pytest.raises(ValueError, match="input_format"):
        est.fit(X)
    with pytest.raises(ValueError, match="input_format"):
        _embedder(name, graph=X).fit(np.arange(3).reshape(-1, 1))


def test_the_issue_example_with_an_explicit_format():
    X = np.array([[0, 1], [1, 2]])
    emb = Node2VecEmbedder(**FAST, input_format="edgelist").fit_transform(X)
    assert emb.shape == (3, 4)
    emb = Node2VecEmbedder(**FAST, input_format="adjacency").fit_transform(X)
    assert emb.shape == (2, 4)


def test_weighted_edge_list_and_walklets():
    est = WalkletsEmbedder(2, n_scales=2, walk_length=6, n_walks=2, random_state=0,
                           input_format="edgelist")
    assert est.fit_transform(EDGES_3x3).shape == (4, 4)
    assert est.n_nodes_ == 4 and est.n_features_in_ == 4


def test_edge_list_gives_the_embedding_of_its_adjacency():
    # same graph, same seed: the same embedding whatever the way it is given
    rng = np.random.RandomState(0)
    upper = np.triu(rng.rand(12, 12) < 0.4, 1)
    A = sp.csr_matrix((upper | upper.T).astype(float))
    coo = sp.triu(A).tocoo()
    edges = np.c_[coo.row, coo.col]
    a = DeepWalkEmbedder(**FAST).fit_transform(A)
    b = DeepWalkEmbedder(**FAST, input_format="edgelist").fit_transform(edges)
    c = DeepWalkEmbedder(**FAST, input_format="adjacency").fit_transform(A.toarray())
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_fixed_graph_with_explicit_format():
    est = Node2VecEmbedder(**FAST, graph=EDGES_2x2, input_format="edgelist")
    out = est.fit_transform(np.array([[0], [1], [2]]))
    assert out.shape == (3, 4) and est.n_nodes_ == 3
    np.testing.assert_array_equal(est.transform([[2]]), est.embedding_[[2]])


def test_non_square_with_adjacency_format_raises():
    est = Node2VecEmbedder(**FAST, input_format="adjacency")
    with pytest.raises(ValueError, match="square"):
        est.fit(np.array([[0, 1], [1, 2], [2, 3]]))
    est = Node2VecEmbedder(**FAST, input_format="edgelist")
    with pytest.raises(ValueError, match="sparse"):
        est.fit(sp.csr_matrix(np.ones((3, 3))))


@pytest.mark.parametrize("name", EMBEDDERS)
def test_inputs_refused_or_read_as_the_other_forms_are(name):
    nx = pytest.importorskip("networkx")
    est = _embedder(name)
    # a complex sparse adjacency was cut to its real part (edge 0-1 dropped)
    complex_graph = sp.csr_matrix(np.array([[0, 1j, 1], [1j, 0, 1], [1, 1, 0]]))
    with pytest.raises(ValueError, match="Complex data not supported"):
        est.fit(complex_graph)
    # too large weights: advice that fits a graph, not StandardScaler
    huge = sp.csr_matrix(np.array([[0, 1e39, 1], [1e39, 0, 1], [1, 1, 0.0]]))
    with pytest.raises(ValueError, match="Divide the edge weights"):
        est.fit(huge)
    # with graph= set, a networkx X was read as node ids (its labels)
    G = nx.relabel_nodes(nx.path_graph(6), {i: 5 - i for i in range(6)})
    with pytest.raises(ValueError, match="got a networkx graph"):
        _embedder(name, graph=G).fit(G)


def test_auto_reads_one_edge_as_the_edgelist_format_does():
    # "auto" refused a one-row edge array with scikit-learn's two-sample error
    one_edge = np.array([[0, 1]])
    auto = DeepWalkEmbedder(**FAST).fit_transform(one_edge)
    edges = DeepWalkEmbedder(**FAST, input_format="edgelist").fit_transform(one_edge)
    np.testing.assert_array_equal(auto, edges)
    with pytest.raises(ValueError, match="minimum of 2"):
        DeepWalkEmbedder(**FAST).fit(np.array([[0.0]]))  # one node


def test_bad_input_format_value_raises():
    with pytest.raises(ValueError, match="input_format"):
        Node2VecEmbedder(**FAST, input_format="edges").fit(np.eye(4))


def test_sparse_and_networkx_embeddings_unaffected():
    nx = pytest.importorskip("networkx")
    S = sp.csr_matrix(np.array([[0, 1], [1, 0]]))
    assert Node2VecEmbedder(**FAST).fit_transform(S).shape == (2, 4)
    assert Node2VecEmbedder(**FAST).fit_transform(nx.path_graph(3)).shape == (3, 4)


def test_edge_list_input_is_not_pairwise():
    # cross-validation slices a pairwise X on both axes: an edge array is rows
    assert Node2VecEmbedder().__sklearn_tags__().input_tags.pairwise
    tags = Node2VecEmbedder(input_format="edgelist").__sklearn_tags__()
    assert not tags.input_tags.pairwise


@pytest.mark.parametrize("mode", ["graph", "edgelist"])
def test_the_sparse_tag_holds_in_every_input_mode(mode):
    # input_tags.sparse was True in every mode, but node ids (graph=) and
    # edge lists are refused sparse: scikit-learn's own check of the tag
    # failed in both
    from sklearn.utils.estimator_checks import check_estimator_sparse_tag

    A = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float))
    params = dict(FAST, random_state=0)
    if mode == "graph":
        est = Node2VecEmbedder(graph=A, **params)
    else:
        est = Node2VecEmbedder(input_format="edgelist", **params)
    assert not est.__sklearn_tags__().input_tags.sparse
    check_estimator_sparse_tag("Node2VecEmbedder", est)
    assert Node2VecEmbedder(**params).__sklearn_tags__().input_tags.sparse


# -- GNN classifiers -----------------------------------------------------------


def test_gnn_classifier_reads_the_format():
    pytest.importorskip("torch")
    from skdeep.gnn import GCNClassifier

    nodes, y = np.array([[0], [1], [2]]), np.array([0, 1, 0])
    params = dict(hidden_layer_sizes=(2,), max_epochs=2, random_state=0)
    with pytest.raises(ValueError, match="input_format"):
        GCNClassifier(graph=EDGES_2x2, **params).fit(nodes, y)
    clf = GCNClassifier(graph=EDGES_2x2, input_format="edgelist", **params)
    assert clf.fit(nodes, y).n_nodes_ == 3
    assert clf.predict([[2]]).shape == (1,)
    clf = GCNClassifier(graph=EDGES_2x2, input_format="adjacency", **params)
    assert clf.fit(nodes[:2], y[:2]).n_nodes_ == 2


# -- verbose -------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["gensim", "numba"])
def test_verbose_prints_walks_and_epochs(backend, capsys):
    A = to_adjacency(np.array([[0, 1], [1, 2], [2, 3], [3, 0]]))[0]
    quiet = Node2VecEmbedder(**FAST, epochs=2, backend=backend).fit_transform(A)
    assert capsys.readouterr().out == ""
    loud = Node2VecEmbedder(**FAST, epochs=2, backend=backend,
                            verbose=1).fit_transform(A)
    out = capsys.readouterr().out
    assert "[Node2VecEmbedder] walks 8/8" in out
    assert "skip-gram epoch 1/2" in out and "skip-gram epoch 2/2" in out
    assert " s)" in out  # elapsed time
    # progress output does not change the result
    np.testing.assert_array_equal(quiet, loud)


@pytest.mark.parametrize("name", ["WalkletsEmbedder", "Diff2VecEmbedder",
                                  "SplitterEmbedder", "Struc2VecEmbedder",
                                  "GEMSECEmbedder"])
def test_verbose_of_the_other_walk_embedders(name, capsys):
    A = to_adjacency(np.array([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]]))[0]
    _embedder(name).fit(A)
    assert capsys.readouterr().out == ""
    _embedder(name, verbose=1).fit(A)
    out = capsys.readouterr().out
    assert f"[{name}]" in out
    assert "walks" in out or "sequences" in out
    assert "epoch" in out


def test_gensim_logs_nothing_at_info(caplog):
    # gensim logged a dozen INFO lines per fit (WalkletsEmbedder: 56) into an
    # application logging at INFO; the level is put back afterwards
    import logging

    A = to_adjacency(np.array([[0, 1], [1, 2], [2, 3], [3, 0]]))[0]
    gensim_logger = logging.getLogger("gensim")
    before = gensim_logger.level
    with caplog.at_level(logging.INFO):
        Node2VecEmbedder(**FAST, epochs=2, backend="gensim").fit(A)
    assert not [r for r in caplog.records if r.name.startswith("gensim")]
    assert gensim_logger.level == before


def test_pandas_output_keeps_the_index_of_a_dataframe_adjacency():
    # the index of the nodes was dropped (scikit-learn's set_output checks)
    pd = pytest.importorskip("pandas")
    nx = pytest.importorskip("networkx")
    names = [f"n{i}" for i in range(12)]
    adjacency = pd.DataFrame(nx.to_numpy_array(nx.cycle_graph(12)), index=names,
                             columns=names)
    est = DeepWalkEmbedder(**FAST).set_output(transform="pandas")
    assert est.fit_transform(adjacency).index.tolist() == names
    edges = pd.DataFrame([[0, 1], [1, 2], [2, 0]], index=list("abc"))  # not nodes
    found = DeepWalkEmbedder(**FAST, input_format="edgelist").set_output(
        transform="pandas").fit_transform(edges)
    assert found.index.tolist() == [0, 1, 2]


def test_pandas_output_indexes_a_networkx_graph_by_its_node_labels():
    # the rows follow G.nodes(), yet the frame's index was 0..n-1: nothing
    # in the output said which row was which node
    pd = pytest.importorskip("pandas")
    nx = pytest.importorskip("networkx")
    G = nx.relabel_nodes(nx.cycle_graph(12), {i: f"n{(i * 5) % 12}" for i in range(12)})
    est = DeepWalkEmbedder(**FAST).set_output(transform="pandas")
    out = est.fit_transform(G)
    assert out.index.tolist() == list(G.nodes())
    plain = DeepWalkEmbedder(**FAST).fit_transform(G)
    np.testing.assert_array_equal(out.to_numpy(), plain)
    assert isinstance(plain, np.ndarray)  # default output: an array, as before


def test_out_of_range_node_ids_are_named_as_given():
    # ids were cast to int64 before the range check: 1e19 was reported as
    # -9223372036854775808
    est = DeepWalkEmbedder(graph=np.ones((6, 6)) - np.eye(6), **FAST)
    for ids, shown in ((np.array([0, 1e19]), "0..10000000000000000000"),
                       (np.array([0, 2**63 + 1], dtype=np.uint64),
                        "0..9223372036854775809")):
        with pytest.raises(ValueError, match=rf"\[0, 6\).*got {shown}\."):
            est.fit(ids)


def test_networkx_nodes_labelled_0_to_n_minus_1_are_rows_in_label_order():
    # nx.Graph(edges) adds nodes in order of first appearance: rows followed
    # that order, so node ids and label-indexed features named other nodes
    nx = pytest.importorskip("networkx")
    pd = pytest.importorskip("pandas")
    edges = list(nx.karate_club_graph().edges())
    np.random.RandomState(0).shuffle(edges)
    G = nx.Graph(edges)
    assert list(G.nodes()) != list(range(34))
    A, nodes = to_adjacency(G)
    assert nodes == list(range(34))
    degrees = np.asarray((A != 0).sum(axis=1)).ravel()
    np.testing.assert_array_equal(degrees, [G.degree(i) for i in range(34)])
    full = DeepWalkEmbedder(**FAST).fit_transform(G)
    fixed = DeepWalkEmbedder(**FAST, graph=G).fit(np.arange(34)[:, None])
    np.testing.assert_array_equal(fixed.transform([[0], [33]]), full[[0, 33]])
    out = DeepWalkEmbedder(**FAST).set_output(transform="pandas").fit_transform(G)
    assert out.index.tolist() == list(range(34))
    # other labels (here numbers, but not 0..n-1) keep G.nodes() order
    H = nx.relabel_nodes(G, {i: i + 1 for i in range(34)})
    assert to_adjacency(H)[1] == list(H.nodes())
    assert to_adjacency(nx.Graph([(True, False)]))[1] == [True, False]  # not ints


def test_repeated_integer_entries_add_up_in_float64():
    # scipy summed repeated COO entries in their own dtype: three uint8
    # weights of 100 made 44 (int8: -76, refused as negative)
    rows, cols = np.array([0, 0, 0, 1, 1, 1]), np.array([1, 1, 1, 0, 0, 0])
    for dtype in (np.uint8, np.int8):
        value = 100 if dtype == np.uint8 else 60
        data = np.full(6, value, dtype=dtype)
        A = to_adjacency(sp.coo_matrix((data, (rows, cols)), shape=(2, 2)))[0]
        assert A.dtype == np.float64 and A[0, 1] == 3 * value


def test_negative_entries_are_refused_before_they_add_up():
    # repeated sparse entries and parallel multigraph edges are summed: 3 and
    # -1 made an edge of 2, w and -w no edge, without a word
    import networkx as nx

    rows, cols = np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0])
    coo = sp.coo_matrix((np.array([3.0, -1.0, 3.0, -1.0]), (rows, cols)), shape=(2, 2))
    multi = nx.MultiGraph([(0, 1, {"weight": 3.0}), (0, 1, {"weight": -1.0})])
    csr = sp.csr_matrix((np.array([3.0, -1.0, 3.0, -1.0]), np.array([1, 1, 0, 0]),
                         np.array([0, 2, 4])), shape=(2, 2))  # (not summed yet)
    for graph in (coo, csr, multi):
        with pytest.raises(ValueError, match="edge weights must be non-negative"):
            to_adjacency(graph)
    with pytest.raises(ValueError, match="edge weights must be non-negative"):
        DeepWalkEmbedder(2).fit(coo)
    positive = nx.MultiGraph([(0, 1, {"weight": 3.0}), (0, 1), (1, 2)])
    assert to_adjacency(positive)[0][0, 1] == 4.0  # (summed, as documented)


def test_unreadable_graphs_get_a_clear_error():
    nx = pytest.importorskip("networkx")
    pd = pytest.importorskip("pandas")
    G = nx.path_graph(4)
    G.edges[1, 2]["weight"] = "strong"  # scipy: "does not support dtype <U21"
    with pytest.raises(ValueError, match=r"edge \(1, 2\) has weight 'strong'"):
        DeepWalkEmbedder(**FAST).fit(G)
    # ids past 2**63 wrapped around in the int64 cast: scipy's "negative
    # axis 0 index"
    for big in (np.array([[0, 1], [1, 2], [1, 2**63 + 5]], dtype=np.uint64),
                np.array([[0.0, 1.0], [1.0, 2.0], [1.0, 1e19]])):
        with pytest.raises(ValueError, match=r"largest node id is \d{19,20}, for 3"):
            DeepWalkEmbedder(**FAST).fit(big)
    labels = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]})
    with pytest.raises(ValueError, match="holds numbers only.*from_pandas_edgelist"):
        DeepWalkEmbedder(**FAST).fit(labels)


def test_complex_networkx_weights_are_refused_as_everywhere_else():
    # to_scipy_sparse_array gave a complex array, which the float64 cast cut
    # to its real parts with a bare ComplexWarning; sparse and dense complex
    # adjacencies were refused
    nx = pytest.importorskip("networkx")
    G = nx.Graph()
    G.add_edge(0, 1, weight=2.0)
    G.add_edge(1, 2, weight=3 + 4j)
    with pytest.raises(ValueError, match=r"edge \(1, 2\) has weight \(3\+4j\)"):
        graph_module.to_adjacency(G)
    # (boolean weights read as 1, as a boolean adjacency's)
    B = nx.path_graph(4)
    nx.set_edge_attributes(B, True, "weight")
    assert graph_module.to_adjacency(B)[0].sum() == 6.0
