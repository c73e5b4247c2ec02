"""The karateclub plugin is discovered by skdeep; its wrappers follow the contract."""

import os
import pickle
import random
import unittest

import numpy as np
import pytest
import scipy.sparse as sp
from skdeep_karateclub import (
    CLASSES,
    NOT_WORKING,
    WORKING,
    KarateClubDeepWalk,
)
from sklearn.base import clone, is_clusterer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

import skdeep
from skdeep.plugins import list_plugins
from skdeep.utils.estimator_checks import (
    expected_failed_checks,
    parametrize_with_checks,
)

pytestmark = pytest.mark.filterwarnings(
    # the warning of the models that drop edge weights (Node2Vec, GraRep,
    # ...), raised on purpose when the conformance checks give them
    # weighted graphs
    "ignore:karateclub.s .* cannot read the edge weights:UserWarning"
)


def _by_kind(kind):
    return sorted(f"KarateClub{name}" for name, (k, _) in WORKING.items()
                  if k == kind)


COMMUNITY = _by_kind("community")
WHOLE_GRAPH = _by_kind("whole-graph")
NODE = _by_kind("node") + _by_kind("attributed")

# Parameters under which each community detector finds two planted
# communities; None: it chooses the number of communities itself.
CLUSTERING_PARAMS = {
    "BigClam": dict(dimensions=2, iterations=50),
    "DANMF": dict(layers=(8, 2), pre_iterations=5, iterations=5),
    "EdMot": dict(),
    "EgoNetSplitter": dict(),
    "GEMSEC": dict(walk_number=5, walk_length=20, dimensions=8, window_size=3,
                   clusters=2),
    "LabelPropagation": dict(),
    "MNMF": dict(dimensions=16, clusters=2, iterations=200),
    "NNSED": dict(dimensions=2, iterations=200),
    "SCD": dict(),
    "SymmNMF": dict(dimensions=2, iterations=200),
}
# Graph2Vec and GL2Vec learn their vectors: enough epochs for 24 graphs.
EMBEDDING_PARAMS = {
    "Graph2Vec": dict(wl_iterations=2, dimensions=8, epochs=50, min_count=1),
    "GL2Vec": dict(wl_iterations=2, dimensions=8, epochs=50, min_count=1),
}


def two_communities(n=40, p_in=0.5, p_out=0.02, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1], n // 2)
    prob = np.where(y[:, None] == y[None, :], p_in, p_out)
    upper = np.triu(rng.rand(n, n) < prob, 1)
    return sp.csr_matrix((upper | upper.T).astype(float)), y


def ring(n):
    rows = np.arange(n)
    A = sp.coo_matrix((np.ones(n), (rows, (rows + 1) % n)), shape=(n, n))
    return sp.csr_matrix(A + A.T)


def rings_and_cliques(n_pairs=12, seed=0):
    """Cycles (label 0) and complete graphs (label 1) of 10 to 15 nodes."""
    import networkx as nx

    rng = np.random.RandomState(seed)
    graphs, y = [], []
    for _ in range(n_pairs):
        n = rng.randint(10, 16)
        graphs += [ring(n), nx.complete_graph(n)]
        y += [0, 1]
    return graphs, np.array(y)


def _rng_states():
    return random.getstate(), np.random.get_state()[1].copy()


def _assert_rng_states(before):
    assert random.getstate() == before[0]
    np.testing.assert_array_equal(np.random.get_state()[1], before[1])


def test_plugin_is_installed():
    plugins = {p["name"]: p for p in list_plugins()}
    assert plugins["karateclub"]["error"] is None
    assert sorted(plugins["karateclub"]["estimators"]) == sorted(CLASSES)
    assert skdeep.get_estimator("KarateClubDeepWalk") is KarateClubDeepWalk
    assert not set(WORKING) & set(NOT_WORKING)
    assert len(COMMUNITY) == 10 and len(WHOLE_GRAPH) == 10
    assert all(is_clusterer(CLASSES[name]()) for name in COMMUNITY)


# -- node embedders -----------------------------------------------------------


@pytest.mark.parametrize("name", NODE)
def test_every_model_embeds_every_node(name):
    A, y = two_communities()
    klass = CLASSES[name]
    emb = klass(**klass.get_test_params(), random_state=0).fit_transform(A)
    assert emb.shape[0] == 40 and np.all(np.isfinite(emb))


def test_deepwalk_learns_communities_and_fixed_graph_pipeline():
    A, y = two_communities()
    nodes = np.arange(40).reshape(-1, 1)
    pipe = make_pipeline(
        KarateClubDeepWalk(10, graph=A, walk_length=20, dimensions=16,
                           random_state=0),
        LogisticRegression(),
    )
    assert cross_val_score(pipe, nodes, y, cv=4).mean() > 0.9  # chance 0.5


def test_gensim_logs_nothing_at_info_or_warning(caplog):
    # gensim logged INFO lines, and a warning about karateclub's own settings
    # ("Both hierarchical softmax and negative sampling are activated"), on
    # every fit under logging.basicConfig
    import logging

    A, _ = two_communities()
    with caplog.at_level(logging.INFO):
        KarateClubDeepWalk(2, walk_length=10, dimensions=4, random_state=0).fit(A)
    assert not [r for r in caplog.records if r.name.startswith("gensim")]


def test_seeded_and_global_rng_untouched():
    A, _ = two_communities()
    state = _rng_states()
    params = dict(walk_length=10, dimensions=4, random_state=3)
    a = KarateClubDeepWalk(2, **params).fit_transform(A)
    b = KarateClubDeepWalk(2, **params).fit_transform(A)
    np.testing.assert_array_equal(a, b)
    _assert_rng_states(state)


def test_attributed_model_uses_node_features():
    A, y = two_communities()
    features = np.c_[y, 1 - y, np.random.RandomState(0).rand(40, 8)]
    klass = CLASSES["KarateClubTENE"]
    emb = klass(dimensions=2, iterations=20, node_features=features,
                random_state=0).fit_transform(A)
    assert emb.shape[0] == 40
    with pytest.raises(ValueError, match="rows"):
        klass(node_features=features[:5]).fit(A)


def test_graphs_out_of_a_models_reach_get_a_clear_error():
    # RandNE and TADW embedded such graphs as NaN without a word; GLEE and
    # AE raised scipy's and gensim's bare errors (LaplacianEigenmaps on an
    # edgeless graph too, with scipy 1.17 but not 1.13)
    import networkx as nx

    nan = "gave NaN or infinite embeddings"
    cases = [
        ("KarateClubRandNE", dict(dimensions=4), nx.path_graph(2), nan),
        ("KarateClubTADW", dict(dimensions=2, reduction_dimensions=2,
                                svd_iterations=2, iterations=2),
         nx.empty_graph(5), nan),
        ("KarateClubGLEE", dict(dimensions=2), nx.path_graph(3), "failed"),
        ("KarateClubAE", dict(dimensions=4, walk_number=2, walk_length=5, epochs=1),
         nx.empty_graph(5), "failed"),
    ]
    for name, params, G, what in cases:
        model = name.removeprefix("KarateClub")
        with pytest.raises(ValueError, match=rf"^{name}: karateclub's {model} "
                                             rf"{what} on this graph \({len(G)} nodes"):
            CLASSES[name](random_state=0, **params).fit(G)
    # HOPE squares the adjacency in float32: weights of 1e10 broke LAPACK with
    # scipy 1.17 (not 1.13), and the message blamed the graph's size
    from skdeep_karateclub._node import _graph_size

    G = nx.karate_club_graph()
    assert "often out of its reach" in _graph_size(G, G.number_of_edges())
    nx.set_edge_attributes(G, 1e10, "weight")
    assert "edge weights up to 1e+10: such weights can overflow" in _graph_size(
        G, G.number_of_edges())
    try:
        CLASSES["KarateClubHOPE"](dimensions=2, random_state=0).fit(G)
    except ValueError as error:
        assert "edge weights up to 1e+10" in str(error)


def test_diff2vec_cover_larger_than_component_raises():
    A, _ = two_communities(n=10)
    with pytest.raises(ValueError, match="loop forever"):
        CLASSES["KarateClubDiff2Vec"](diffusion_cover=80).fit(A)


# -- community detection --------------------------------------------------------


@pytest.mark.parametrize("name", COMMUNITY)
def test_clusterer_recovers_planted_communities(name):
    A, y = two_communities()
    klass = CLASSES[name]
    params = CLUSTERING_PARAMS[name.removeprefix("KarateClub")]
    state = _rng_states()
    est = klass(**params, random_state=0)
    labels = est.fit_predict(A)
    _assert_rng_states(state)
    assert labels.shape == (40,) and labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels, est.labels_)
    assert set(labels) == set(range(labels.max() + 1))  # 0 .. k-1
    assert adjusted_rand_score(y, labels) > 0.5  # chance: 0
    # same seed, same communities
    again = klass(**params, random_state=0).fit_predict(A)
    np.testing.assert_array_equal(labels, again)
    # a fixed graph: labels of node ids, as a pipeline would ask
    nodes = np.arange(40)[::-1].reshape(-1, 1)
    fixed = klass(**params, graph=A, random_state=0)
    np.testing.assert_array_equal(fixed.fit_predict(nodes), labels[::-1])
    np.testing.assert_array_equal(fixed.predict(nodes[:5]), labels[::-1][:5])
    assert not hasattr(klass(**params), "predict")  # no graph, no predict
    if est._embeds:
        emb = est.embedding_
        assert emb.shape[0] == 40 and np.all(np.isfinite(emb))
        np.testing.assert_array_equal(fixed.transform(nodes[:3]), emb[[39, 38, 37]])
        assert len(est.get_feature_names_out()) == emb.shape[1]
    else:
        assert not hasattr(est, "transform")
        assert not hasattr(est, "fit_transform")
        assert not hasattr(est, "embedding_")
    pickle.loads(pickle.dumps(est))


def test_clusterer_input_forms_agree():
    """A networkx graph, a dense adjacency and an edge array give one result."""
    import networkx as nx

    A, _ = two_communities()
    est = CLASSES["KarateClubLabelPropagation"](random_state=0)
    labels = est.fit_predict(A)
    np.testing.assert_array_equal(est.fit_predict(A.toarray()), labels)
    np.testing.assert_array_equal(est.fit_predict(nx.from_scipy_sparse_array(A)),
                                  labels)
    coo = sp.triu(A).tocoo()
    np.testing.assert_array_equal(est.fit_predict(np.c_[coo.row, coo.col]), labels)


def test_label_propagation_reads_random_state():
    # (its check_random_state_used is an expected failure: on the checks'
    # graph every seed ends in one community)
    import networkx as nx

    G = nx.gnp_random_graph(200, 0.03, seed=1)
    G = nx.convert_node_labels_to_integers(
        G.subgraph(max(nx.connected_components(G), key=len)))
    cls = CLASSES["KarateClubLabelPropagation"]
    first = cls(random_state=0).fit_predict(G)
    np.testing.assert_array_equal(cls(random_state=0).fit_predict(G), first)
    assert not np.array_equal(cls(random_state=1).fit_predict(G), first)


def test_ego_splitter_memberships():
    A, y = two_communities()
    est = CLASSES["KarateClubEgoNetSplitter"](random_state=0).fit(A)
    M = est.memberships_
    assert sp.issparse(M) and M.shape == (40, est.n_clusters_)
    # every node belongs to its label's community
    assert np.all(M.toarray()[np.arange(40), est.labels_] == 1)


def test_ego_splitter_weight_names_the_only_edge_attribute():
    # karateclub documents weight=None (an unweighted run), which was
    # refused; another name ran unweighted silently (the graph built here
    # carries its weights as "weight" only)
    import networkx as nx
    from karateclub import EgoNetSplitter

    A, _ = two_communities()
    klass = CLASSES["KarateClubEgoNetSplitter"]
    unweighted = klass(weight=None, random_state=0).fit(A)
    reference = EgoNetSplitter(weight=None, seed=42)
    reference.fit(nx.from_scipy_sparse_array(A))
    assert unweighted.n_clusters_ == len(set().union(
        *map(set, reference.get_memberships().values())))
    with pytest.raises(ValueError, match="weight"):
        klass(weight="capacity").fit(A)
    assert "weight : {\"weight\"} or None" in klass.__doc__


def test_karateclub_failure_counts_the_edges_given():
    # karateclub adds a self-loop to every node of the graph it fits: the
    # message counted them as edges ("3 nodes, 5 edges" for a path of 2)
    import networkx as nx

    with pytest.raises(ValueError, match="3 nodes, 2 edges"):
        CLASSES["KarateClubGLEE"](random_state=0).fit(nx.path_graph(3))


def test_clusterer_bad_input():
    klass = CLASSES["KarateClubSCD"]
    with pytest.raises(ValueError, match="must be a graph"):
        klass().fit(np.random.RandomState(0).rand(10, 4))
    with pytest.raises(ValueError, match="non-negative"):
        klass().fit(-sp.eye(5, format="csr"))
    A, _ = two_communities()
    with pytest.raises(ValueError, match="Node ids must lie"):
        klass(graph=A).fit(np.array([[0], [100]]))


# -- whole-graph embedders --------------------------------------------------------


def _embedder(name, **extra):
    klass = CLASSES[name]
    params = {**klass.get_test_params(),
              **EMBEDDING_PARAMS.get(name.removeprefix("KarateClub"), {}), **extra}
    if "random_state" in klass().get_params():
        params["random_state"] = 0
    return klass(**params)


@pytest.mark.parametrize("name", WHOLE_GRAPH)
def test_whole_graph_embedder_separates_graph_families(name):
    graphs, y = rings_and_cliques()
    state = _rng_states()
    est = _embedder(name)
    emb = est.fit_transform(graphs)
    _assert_rng_states(state)
    assert emb.shape[0] == len(graphs) and np.all(np.isfinite(emb))
    np.testing.assert_array_equal(emb, est.embedding_)
    assert est.n_graphs_ == len(graphs)
    accuracy = cross_val_score(LogisticRegression(max_iter=1000), emb, y, cv=3)
    assert accuracy.mean() > 0.8  # chance 0.5
    # the same seed, the same embedding (ARPACK's start vectors included)
    np.testing.assert_array_equal(clone(est).fit_transform(graphs), emb)
    # new graphs go through karateclub's infer, repeatably
    new_graphs, new_y = rings_and_cliques(n_pairs=3, seed=1)
    state = _rng_states()
    new = est.transform(new_graphs)
    _assert_rng_states(state)
    assert new.shape == (6, emb.shape[1])
    np.testing.assert_array_equal(est.transform(new_graphs), new)
    assert len(est.get_feature_names_out()) == emb.shape[1]
    pickle.loads(pickle.dumps(est))


@pytest.mark.parametrize("name", ["KarateClubGraph2Vec", "KarateClubGL2Vec"])
def test_doc2vec_embedders_keep_no_vector_per_training_graph(name):
    # the kept Doc2Vec model held every training graph's vector and tag, a
    # second copy of embedding_ in every pickle; transform needs neither
    graphs, _ = rings_and_cliques(n_pairs=3)
    new_graphs, _ = rings_and_cliques(n_pairs=2, seed=1)
    est = _embedder(name).fit(graphs)
    assert len(est._fitted_state.dv) == 0
    assert est._fitted_state.dv.vector_size == est.embedding_.shape[1]
    embedded = est.transform(new_graphs)
    assert embedded.shape == (len(new_graphs), est.embedding_.shape[1])
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(est)).transform(new_graphs), embedded)


@pytest.mark.parametrize("name", ["KarateClubGraph2Vec", "KarateClubGL2Vec"])
def test_doc2vec_embedders_refuse_skdeep_io_naming_the_model(name, tmp_path):
    # (the message named a private attribute, '_fitted_state')
    from skdeep import io

    graphs, _ = rings_and_cliques(n_pairs=3)
    est = _embedder(name).fit(graphs)
    with pytest.raises(TypeError, match="Doc2Vec model.*pickle or joblib") as info:
        io.save(est, tmp_path / "model.skdeep")
    assert "_fitted_state" not in str(info.value)
    assert not (tmp_path / "model.skdeep").exists()


@pytest.mark.parametrize("name", ["KarateClubGraph2Vec", "KarateClubGL2Vec"])
def test_doc2vec_embedders_transform_alike_in_every_process(name, tmp_path):
    """A saved Graph2Vec or GL2Vec embeds new graphs the same way in another
    process: gensim seeds each inferred vector's start by Python's hash(),
    which is salted per process (PYTHONHASHSEED)."""
    import subprocess
    import sys

    graphs, _ = rings_and_cliques(n_pairs=3)
    new_graphs, _ = rings_and_cliques(n_pairs=2, seed=1)
    est = _embedder(name).fit(graphs)
    here = est.transform(new_graphs)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps((est, new_graphs)))
    child = (
        "import pickle, sys, numpy as np\n"
        "est, graphs = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "np.save(sys.argv[2], est.transform(graphs))\n"
    )
    for hash_seed in ("1", "2"):
        out = tmp_path / f"emb{hash_seed}.npy"
        subprocess.run(
            [sys.executable, "-c", child, str(tmp_path / "model.pkl"), str(out)],
            check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        np.testing.assert_array_equal(np.load(out), here)
    # gensim is left as it was, for other code in this process
    import gensim.models.doc2vec
    import gensim.models.keyedvectors

    assert (gensim.models.doc2vec.pseudorandom_weak_vector
            is gensim.models.keyedvectors.pseudorandom_weak_vector)


@pytest.mark.parametrize("name", sorted(set(WHOLE_GRAPH) - {
    "KarateClubGraph2Vec", "KarateClubGL2Vec"}))
def test_whole_graph_transform_equals_fit_for_feature_models(name):
    """The models that learn nothing transform the training graphs as fit did."""
    graphs, _ = rings_and_cliques(n_pairs=3)
    est = _embedder(name)
    np.testing.assert_array_equal(est.fit_transform(graphs), est.transform(graphs))


def test_whole_graph_pipeline_cross_validates():
    """In a pipeline, held-out graphs go through transform (karateclub's infer)."""
    graphs, y = rings_and_cliques()
    pipe = make_pipeline(_embedder("KarateClubFeatherGraph"),
                         LogisticRegression(max_iter=1000))
    assert cross_val_score(pipe, graphs, y, cv=3).mean() > 0.8


def test_whole_graph_input_forms_agree():
    import networkx as nx

    graphs = [ring(8), nx.complete_graph(6), nx.path_graph(7)]
    dense = [sp.csr_matrix(nx.to_scipy_sparse_array(g)).toarray()
             if not sp.issparse(g) else g.toarray() for g in graphs]
    est = _embedder("KarateClubFGSD")
    emb = est.fit_transform(graphs)
    np.testing.assert_allclose(est.fit_transform(dense), emb)
    # networkx node labels need not be 0 .. n-1; a 3-D stack is a list
    relabelled = nx.relabel_nodes(nx.path_graph(7), {i: f"v{i}" for i in range(7)})
    np.testing.assert_allclose(est.transform([relabelled])[0], emb[2])
    stack = np.stack([ring(6).toarray(), ring(6).toarray()])
    assert est.transform(stack).shape == (2, emb.shape[1])


def test_whole_graph_bad_input():
    import networkx as nx

    est = _embedder("KarateClubLDP")
    with pytest.raises(ValueError, match="must be a list of graphs"):
        est.fit(np.random.RandomState(0).rand(10, 4))
    with pytest.raises(ValueError, match="must be a list of graphs"):
        est.fit(ring(5))
    with pytest.raises(ValueError, match="at least one graph"):
        est.fit([])
    two_parts = nx.disjoint_union(nx.cycle_graph(4), nx.cycle_graph(5))
    with pytest.raises(ValueError, match="Graph 1 of X is not connected"):
        est.fit([ring(5), two_parts])
    with pytest.raises(ValueError, match="Graph 0 of X is not a graph"):
        est.fit([np.ones((3, 4))])
    with pytest.raises(ValueError, match="non-negative"):
        est.fit([-ring(5)])
    with pytest.raises(ValueError, match="needs at least 7"):
        _embedder("KarateClubIGE").fit([ring(10), ring(5)])
    with pytest.raises(ValueError, match="lower min_count"):
        CLASSES["KarateClubGraph2Vec"]().fit([ring(3)])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        _embedder("KarateClubSF").transform([ring(5)])


def test_ige_refuses_larger_degrees_than_fit():
    import networkx as nx

    est = _embedder("KarateClubIGE").fit([ring(10), ring(12)])
    with pytest.raises(ValueError, match="largest degree seen in fit"):
        est.transform([nx.complete_graph(10)])


def test_graph2vec_uses_node_features():
    import networkx as nx

    graphs = []
    for i in range(6):
        G = nx.cycle_graph(8)
        nx.set_node_attributes(G, {n: f"{(n + i) % 2}" for n in G}, "feature")
        graphs.append(G)
    est = _embedder("KarateClubGraph2Vec", attributed=True)
    assert est.fit_transform(graphs).shape == (6, est.dimensions)
    with pytest.raises(ValueError, match="'feature' attribute"):
        est.fit([nx.cycle_graph(8)])


# -- conformance ------------------------------------------------------------------


# Every xfail is strict (pyproject's xfail_strict): a check that starts
# passing fails, so its entry in the expected failures is removed.
@parametrize_with_checks(list(CLASSES.values()))
def test_conformance(estimator, check):
    name = getattr(check, "func", check).__name__
    if name not in expected_failed_checks(estimator):
        check(estimator)
        return
    try:
        check(estimator)
    except unittest.SkipTest:
        raise
    except Exception as exc:  # noqa: BLE001 - an expected failure (xfail mark)
        # Reported without its traceback: pytest would otherwise parse the
        # source of every frame (scikit-learn's long check modules) for each of
        # the ~350 expected failures, most of the plugin's test time.
        pytest.fail(f"{type(exc).__name__}: {exc}", pytrace=False)


def test_seeded_arpack_starts_repeat_and_leave_scipy_as_it_was():
    import threading

    import scipy.sparse.linalg as spla
    from skdeep_karateclub import _common

    eigsh, svds = spla.eigsh, spla.svds
    A = sp.random(40, 40, density=0.2, random_state=0)
    A = A + A.T

    def solve(seed):
        with _common.seeded_arpack(seed):
            return spla.eigsh(A, k=3, tol=1e-3)[1], spla.svds(A, k=2, tol=1e-3)[0]

    first, again, other = solve(1), solve(1), solve(2)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    assert (spla.eigsh, spla.svds) == (eigsh, svds)
    # another thread, outside the context, gets no seeded start
    generators = []
    local = _common._arpack_patch.local
    with _common.seeded_arpack(1):
        thread = threading.Thread(
            target=lambda: generators.append(getattr(local, "rng", None))
        )
        thread.start()
        thread.join()
    assert generators == [None] and (spla.eigsh, spla.svds) == (eigsh, svds)


def test_karateclub_calls_of_two_threads_take_turns():
    # karateclub seeds and draws from numpy's global generator; two calls at
    # once used to draw from each other's streams (BigClam and DeepWalk fits
    # on a 400-node graph in four threads all differed from a fit alone).
    import threading

    from skdeep_karateclub._common import karateclub_call

    first_in, second_in, first_done = (threading.Event() for _ in range(3))

    def draws(seed, pause=lambda: None):
        with karateclub_call():
            np.random.seed(seed)
            a = np.random.rand(2)
            pause()  # the other thread's block would run here, were it let in
            return np.concatenate([a, np.random.rand(2)])

    alone_1, alone_2 = draws(1), draws(2)
    results = {}

    def first():
        def pause():
            first_in.set()
            second_in.wait(0.3)

        results[1] = draws(1, pause)
        first_done.set()

    def second():
        assert first_in.wait(10)

        def pause():
            second_in.set()
            first_done.wait(0.3)

        results[2] = draws(2, pause)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    np.testing.assert_array_equal(results[1], alone_1)
    np.testing.assert_array_equal(results[2], alone_2)


@pytest.mark.parametrize("name, param, value", [
    ("KarateClubDeepWalk", "walk_number", 0),  # gensim: "build vocabulary first"
    ("KarateClubDANMF", "iterations", 0),  # karateclub: AttributeError
    ("KarateClubBoostNE", "order", 0),  # karateclub: ZeroDivisionError
    ("KarateClubNode2Vec", "learning_rate", -1.0),  # was accepted silently
    ("KarateClubTENE", "alpha", -1.0),  # was accepted silently
])
def test_out_of_range_parameters_are_refused_by_name(name, param, value):
    from sklearn.utils._param_validation import InvalidParameterError

    A = sp.csr_matrix(np.ones((6, 6)) - np.eye(6))
    est = CLASSES[name](**{param: value})
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        est.fit(A)


def test_whole_graph_transform_uses_the_fitted_settings():
    # transform rebuilt the karateclub model from the current parameters:
    # Graph2Vec's Weisfeiler-Lehman features changed with wl_iterations set
    # since fit, and FGSD's width with hist_bins (pandas output then failed:
    # its columns are the fitted width's)
    import copy

    import networkx as nx

    from skdeep import get_estimator

    graphs = ([nx.cycle_graph(n) for n in range(8, 14)]
              + [nx.complete_graph(n) for n in range(8, 12)])
    g2v = get_estimator("KarateClubGraph2Vec")(random_state=0, min_count=1).fit(graphs)
    before = g2v.transform(graphs)
    changed = copy.deepcopy(g2v).set_params(wl_iterations=1, erase_base_features=True)
    np.testing.assert_array_equal(changed.transform(graphs), before)
    fgsd = get_estimator("KarateClubFGSD")(hist_bins=8).fit(graphs)
    fgsd.set_params(hist_bins=16).set_output(transform="pandas")
    assert fgsd.transform(graphs).shape == (len(graphs), 8)


def test_community_detectors_without_an_embedding_are_not_listed_as_transformers():
    # they inherit TransformerMixin, but their transform is unavailable:
    # all_estimators("transformer") listed them, and fit_transform failed
    import skdeep

    transformers = {name for name, _, _ in skdeep.all_estimators("transformer")}
    for name in ("KarateClubEdMot", "KarateClubLabelPropagation", "KarateClubSCD"):
        assert name not in transformers
        assert name in {n for n, _, _ in skdeep.all_estimators("cluster")}
    assert {"KarateClubGEMSEC", "KarateClubDeepWalk"} <= transformers


@pytest.mark.parametrize("name", ["KarateClubBoostNE", "KarateClubDANMF"])
def test_global_pandas_output_leaves_karateclubs_own_decompositions_alone(name):
    # the global transform_output reached the NMF / TruncatedSVD karateclub
    # runs inside, which it indexes as arrays: pandas' InvalidIndexError
    import sklearn

    import skdeep

    cls = skdeep.get_estimator(name)
    rng = np.random.RandomState(0)
    A = np.triu((rng.uniform(size=(40, 40)) < 0.2).astype(float), 1)
    A = A + A.T
    expected = cls(random_state=0).fit_transform(A)
    with sklearn.config_context(transform_output="pandas"):
        framed = cls(random_state=0).fit_transform(A)
    np.testing.assert_allclose(framed.to_numpy(), expected)


@pytest.mark.parametrize("name, params", [
    ("KarateClubGraRep", {}),
    ("KarateClubBoostNE", dict(dimensions=2, iterations=2)),
    ("KarateClubNetMF", dict(dimensions=2, iteration=2)),
])
def test_degree_normalizing_models_read_graphs_without_weights(name, params):
    # their code divides the weighted adjacency by the unweighted degrees:
    # the same graph with its weights times a constant gave another
    # embedding (GraRep at 1e6: every node the same; BoostNE: overflow)
    rng = np.random.RandomState(0)
    A = np.triu((rng.uniform(size=(40, 40)) < 0.2).astype(float), 1)
    A = A + A.T
    est = CLASSES[name](random_state=0, **params)
    plain = clone(est).fit_transform(A)
    for factor in (2.0, 1e6):
        np.testing.assert_array_equal(clone(est).fit_transform(A * factor), plain)
    weights = A * rng.uniform(1, 3, A.shape)
    with pytest.warns(UserWarning, match="cannot read the edge weights"):
        varied = clone(est).fit_transform(np.maximum(weights, weights.T))
    np.testing.assert_array_equal(varied, plain)


def test_a_graphs_features_do_not_depend_on_the_rest_of_the_list():
    # ARPACK's start vectors came from one seeded stream for the whole list:
    # a graph with repeated eigenvalues (star, cycle) got IGE features that
    # depended on the graphs solved before it, and fit_transform's rows
    # differed from transform of each graph alone
    import networkx as nx

    train = [nx.cycle_graph(8), nx.path_graph(10), nx.star_graph(6), nx.wheel_graph(9)]
    est = _embedder("KarateClubIGE").set_params(
        feature_embedding_dimensions=(2,), spectral_embedding_dimensions=(3,),
        histogram_bins=(5,), random_state=0)
    together = est.fit_transform(train)
    alone = np.vstack([est.transform([g]) for g in train])
    np.testing.assert_array_equal(alone, together)
    np.testing.assert_array_equal(est.transform(train[::-1])[::-1], together)


@pytest.mark.parametrize("bad", [np.nan, np.inf, "pd.NA"])
def test_non_finite_node_features_are_refused(bad):
    # TENE and FSCNMF gave an all-NaN embedding without a word; a nullable
    # frame's pd.NA gave pandas' "boolean value of NA is ambiguous"
    import networkx as nx
    import pandas as pd

    features = np.random.RandomState(0).rand(34, 6)
    if bad == "pd.NA":
        features = pd.DataFrame(features).astype("Float64")
        features.iloc[3, 2] = pd.NA
    else:
        features[3, 2] = bad
    est = _embedder("KarateClubTENE").set_params(node_features=features)
    with pytest.raises(ValueError, match="node_features contains NaN or infinity"):
        est.fit_transform(nx.karate_club_graph())


def test_input_format_reads_small_dense_graphs_and_stacks():
    # the wrappers had no input_format: a triangle as a dense array was
    # "ambiguous" (set input_format, which they refused), and a 3-D stack of
    # small adjacencies, which can only be adjacencies, was refused too
    triangle = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    walker = _embedder("KarateClubDeepWalk")
    with pytest.raises(ValueError, match="ambiguous"):
        clone(walker).fit_transform(triangle)
    read = clone(walker).set_params(input_format="adjacency", random_state=0)
    expected = clone(walker).set_params(random_state=0).fit_transform(
        sp.csr_matrix(triangle))
    np.testing.assert_array_equal(read.fit_transform(triangle), expected)
    graphs = _embedder("KarateClubFeatherGraph")
    stacked = clone(graphs).fit_transform(np.stack([triangle, triangle]))
    listed = clone(graphs).fit_transform([sp.csr_matrix(triangle)] * 2)
    np.testing.assert_array_equal(stacked, listed)


def test_verbose_takes_scikit_learns_integers():
    # karateclub's default is False, and the bool constraint refused verbose=0
    import networkx as nx

    G = nx.karate_club_graph()
    for verbose in (0, False):
        model = CLASSES["KarateClubFirstOrderLINE"](dimensions=4, epochs=1,
                                                    verbose=verbose, random_state=0)
        assert model.fit(G).embedding_.shape == (34, 4)
    with pytest.raises(ValueError, match="verbose"):
        CLASSES["KarateClubFirstOrderLINE"](verbose=-1).fit(G)


def test_sociodim_needs_more_nodes_than_dimensions():
    # (scipy's RuntimeWarning "k >= N", and 34 columns instead of 128)
    import networkx as nx

    G = nx.karate_club_graph()
    with pytest.raises(ValueError, match="dimensions=128 needs a graph of more "
                                         "nodes than that.*this one has 34"):
        CLASSES["KarateClubSocioDim"](random_state=0).fit(G)
    assert CLASSES["KarateClubSocioDim"](dimensions=8, random_state=0).fit(
        G).embedding_.shape == (34, 8)


def test_models_that_divide_by_unweighted_degrees_read_graphs_unweighted():
    # IGE and FeatherGraph divided the weighted adjacency by unweighted
    # degrees: scaling every weight by 100 moved IGE's embedding by 5.6e10
    import networkx as nx

    graphs = [nx.cycle_graph(8), nx.path_graph(10), nx.wheel_graph(9)]
    adjacency = [sp.csr_matrix(nx.to_scipy_sparse_array(g, dtype=float))
                 for g in graphs]
    for name in ("KarateClubIGE", "KarateClubFeatherGraph"):
        est = CLASSES[name](random_state=0)
        np.testing.assert_array_equal(
            est.fit_transform(adjacency),
            clone(est).fit_transform([100.0 * a for a in adjacency]))


def test_attributed_models_read_features_as_karateclub_users_give_them():
    # FEATHER-N always got a sparse matrix, which karateclub reduces with a
    # truncated SVD (failing below reduction_dimensions columns: the karate
    # club at the defaults), where a dense one is taken as it is; and stored
    # zeros of sparse features counted as present features (SINE, MUSAE ...)
    import networkx as nx
    from karateclub import FeatherNode

    G = nx.Graph(nx.karate_club_graph().edges)
    X = np.random.RandomState(0).uniform(size=(34, 3))
    reference = FeatherNode(reduction_dimensions=3, seed=42)
    reference.fit(G.copy(), X)
    wrapped = CLASSES["KarateClubFeatherNode"](reduction_dimensions=3, node_features=X,
                                               random_state=0)
    # (no random part with dense features of at most reduction_dimensions)
    np.testing.assert_allclose(wrapped.fit_transform(G), reference.get_embedding())
    default = CLASSES["KarateClubFeatherNode"](random_state=0)
    assert default.fit_transform(G).shape[0] == 34
    present = (np.random.RandomState(0).uniform(size=(34, 8)) < 0.3).astype(float)
    stored = sp.csr_matrix(np.ones((34, 8)))
    stored.data[:] = present.ravel()  # the same matrix, with stored zeros
    params = dict(walk_number=2, walk_length=5, dimensions=4, window_size=2,
                  random_state=0)
    sine = CLASSES["KarateClubSINE"]
    np.testing.assert_array_equal(
        sine(**params, node_features=sp.csr_matrix(present)).fit_transform(G),
        sine(**params, node_features=stored).fit_transform(G))
    # the stored zeros went from a copy: eliminate_zeros compacted the
    # arrays the user's matrix shares (its nnz, indptr and indices changed)
    assert stored.nnz == 34 * 8
    A = sp.csr_matrix(nx.to_scipy_sparse_array(G, nodelist=range(34)), dtype=float)
    A.data[[0, 5]] = 0.0
    indptr = A.indptr.copy()
    sine(**params).fit(A)  # the adjacency rows as features
    assert A.nnz == 156 and np.array_equal(A.indptr, indptr)
    # duplicates are one feature, and the stored order does not matter (the
    # models sample the stored entries: unsorted indices changed SINE's
    # embedding, a 1.0 stored as two halves counted twice in MUSAE's)
    data, indices, indptr = [], [], [0]
    for i, row in enumerate(present):
        columns = np.flatnonzero(row)[::-1] if i % 2 else np.flatnonzero(row)
        halves = i % 3 == 0
        data += [0.5] * (2 * len(columns)) if halves else [1.0] * len(columns)
        indices += [*columns, *columns] if halves else [*columns]
        indptr.append(len(data))
    messy = sp.csr_matrix((data, indices, indptr), shape=present.shape)
    assert not messy.has_canonical_format
    np.testing.assert_array_equal(messy.toarray(), present)
    for name in ("KarateClubSINE", "KarateClubMUSAE"):
        model = CLASSES[name]
        np.testing.assert_array_equal(
            model(**params, node_features=messy).fit_transform(G),
            model(**params, node_features=present).fit_transform(G))


def test_whole_graph_models_refuse_parts_linked_by_a_stored_zero():
    import networkx as nx

    edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]
    rows = [u for u, v in edges] + [v for u, v in edges] + [2, 3]
    cols = [v for u, v in edges] + [u for u, v in edges] + [3, 2]
    A = sp.csr_matrix(([1.0] * 12 + [0.0, 0.0], (rows, cols)), shape=(6, 6))
    with pytest.raises(ValueError, match="not connected"):
        CLASSES["KarateClubLDP"]().fit([A, nx.cycle_graph(5)])
