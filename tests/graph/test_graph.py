"""Tests of the graph family: walk engine, graph inputs and walk embedders."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

pytest.importorskip("numba")
pytest.importorskip("gensim")

from _graph_data import light_row_after_heavy_rows, planted_partition  # noqa: E402

from skdeep.graph import (  # noqa: E402
    DeepWalkEmbedder,
    Node2VecEmbedder,
    WalkletsEmbedder,
    random_walks,
    to_adjacency,
)

FAST = dict(walk_length=20, n_walks=5, window=4, sample=0.0, random_state=0)


def small_weighted(n=7, seed=0):
    A = sp.random(n, n, density=0.6, random_state=seed)
    A = (A + A.T).tolil()
    A.setdiag(0)
    A = A.tocsr()
    A.eliminate_zeros()
    return A


# -- walk engine ---------------------------------------------------------------


@pytest.mark.parametrize("p, q", [(1.0, 1.0), (0.25, 4.0), (4.0, 0.25), (2.0, 2.0)])
@pytest.mark.parametrize("weighted", [True, False])
def test_second_order_transitions_match_node2vec(p, q, weighted):
    """Empirical P(x | t, v) equals alpha_pq(t, x) * w_vx normalised."""
    A = small_weighted()
    if not weighted:
        A.data[:] = 1.0
    D = A.toarray()
    n = D.shape[0]
    W = random_walks(A, n_walks=30000, walk_length=3, p=p, q=q, random_state=1)
    worst = 0.0
    for t in range(n):
        for v in np.flatnonzero(D[t]):
            mask = (W[:, 0] == t) & (W[:, 1] == v)
            if mask.sum() < 3000:
                continue
            alpha = np.where(np.arange(n) == t, 1 / p, np.where(D[t] > 0, 1.0, 1 / q))
            expected = D[v] * alpha / (D[v] * alpha).sum()
            observed = np.bincount(W[mask, 2], minlength=n) / mask.sum()
            worst = max(worst, np.abs(observed - expected).max())
    assert 0 < worst < 0.04  # ~4 standard errors at 3000 samples


def test_walks_deterministic_whatever_n_jobs():
    A, _ = planted_partition()
    a = random_walks(A, n_walks=3, walk_length=15, p=0.5, q=2, random_state=7, n_jobs=1)
    b = random_walks(A, n_walks=3, walk_length=15, p=0.5, q=2, random_state=7, n_jobs=2)
    c = random_walks(A, n_walks=3, walk_length=15, p=0.5, q=2, random_state=8, n_jobs=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (3 * 40, 15) and a.dtype == np.int32


def test_walks_without_numba_say_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "numba", None)
    A, _ = planted_partition()
    with pytest.raises(ImportError, match=r"random_walks needs numba: pip install "
                       r"'skdeep\[graph\]'"):
        random_walks(A, n_walks=1, walk_length=3)


def test_embedders_without_their_modules_name_themselves_and_the_install(
        monkeypatch):
    from skdeep.graph._walks import _check_dependencies

    monkeypatch.setitem(sys.modules, "gensim", None)
    A, _ = planted_partition()
    with pytest.raises(ImportError, match=r"^DeepWalkEmbedder needs gensim: pip "
                       r"install 'skdeep\[graph\]'\.$"):
        DeepWalkEmbedder(backend="gensim").fit(A)
    # a plugin's module is not in skdeep's graph extra: the package itself
    with pytest.raises(ImportError, match=r"^Plugged needs gensim and "
                       r"skdeep_no_such_module: pip install gensim "
                       r"skdeep_no_such_module\.$"):
        _check_dependencies(("numba", "gensim", "skdeep_no_such_module"), "Plugged")


def test_walks_follow_edges_and_stop_at_dead_ends():
    # directed path 0 -> 1 -> 2, node 2 has no out-edge
    A = sp.csr_matrix(([1.0, 1.0], ([0, 1], [1, 2])), shape=(3, 3))
    W = random_walks(A, n_walks=2, walk_length=5, random_state=0)
    for row in W:
        nodes = row[row >= 0]
        assert np.all(row[len(nodes):] == -1)
        for a, b in zip(nodes[:-1], nodes[1:]):
            assert A[a, b] > 0
    from_zero = W[W[:, 0] == 0]
    np.testing.assert_array_equal(from_zero[0], [0, 1, 2, -1, -1])


def test_walks_skip_and_start_nodes():
    A, _ = planted_partition()
    W = random_walks(A, n_walks=2, walk_length=4, skip=3, start_nodes=[0, 5],
                     random_state=0)
    assert W.shape == (4, 4)
    assert set(W[:, 0]) == {0, 5}
    with pytest.raises(ValueError, match="positive"):
        random_walks(A, p=0)


@pytest.mark.parametrize("kwargs, match", [
    ({"start_nodes": [100_000]}, r"start_nodes must be .* in \[0, 4\)"),
    ({"start_nodes": [-5]}, "start_nodes"),
    ({"start_nodes": [0.5]}, "start_nodes"),
    ({"walk_length": 0}, "walk_length must be an int >= 1"),
    ({"n_walks": -1}, "n_walks"),
    ({"skip": 0}, "skip"),
    # subnormal p or q: 1/p = inf reversed the bias or made a NaN index
    ({"p": 1e-310}, "p and q must be at least about 1e-308"),
    ({"q": 1e-310}, "p and q must be at least about 1e-308"),
])
def test_walks_refuse_what_the_kernel_would_read_out_of_bounds(kwargs, match):
    # the numba kernel has no bounds checks: these crashed the process
    # (SIGSEGV) or returned garbage walks
    path = sp.diags([1.0, 1.0], [-1, 1], shape=(4, 4), format="csr")
    with pytest.raises(ValueError, match=match):
        random_walks(path, **kwargs)


def test_walks_take_any_graph_form_and_random_state():
    import networkx as nx

    path = sp.diags([1.0, 1.0], [-1, 1], shape=(5, 5), format="csr")
    with pytest.raises(ValueError, match="must be square"):
        random_walks(sp.csr_matrix(np.ones((3, 5))))
    expected = random_walks(path, n_walks=2, walk_length=4, random_state=3)
    for graph in (nx.path_graph(5), path.toarray()):  # were read as garbage
        np.testing.assert_array_equal(
            random_walks(graph, n_walks=2, walk_length=4, random_state=3), expected)
    walks = random_walks(path, n_walks=2, walk_length=4, random_state=None)
    assert (np.abs(np.diff(walks, axis=1)) == 1).all()
    again = random_walks(path, n_walks=2, walk_length=4,
                         random_state=np.random.RandomState(3))
    assert again.shape == (10, 4)


def test_walks_return_parameter_changes_backtracking():
    A, _ = planted_partition()

    def backtrack_rate(p):
        W = random_walks(A, n_walks=5, walk_length=30, p=p, q=1, random_state=0)
        return np.mean(W[:, 2:] == W[:, :-2])

    assert backtrack_rate(0.1) > 3 * backtrack_rate(10.0)


def test_corpus_writer_matches_python_formatting():
    """The compiled corpus writer gives the bytes of a plain Python join."""
    import io

    from skdeep.graph._word2vec import _write_corpus

    rng = np.random.RandomState(0)
    W = rng.randint(-1, 123456, (300, 17)).astype(np.int32)
    W[5] = -1  # a row with no node: no line
    W[7, 3:] = -1
    blocks = [W, W[:, 1::3], np.zeros((0, 4), np.int32), np.array([[0, 10]], np.int32)]
    expected = "".join(
        " ".join(map(str, row[row >= 0])) + "\n"
        for block in blocks for row in block if (row >= 0).any()
    )
    out = io.BytesIO()
    n_lines = _write_corpus(out, blocks, rows_per_chunk=29)
    assert out.getvalue().decode() == expected
    assert n_lines == expected.count("\n")


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_word2vec_threads_get_the_full_learning_rate_decay(workers, monkeypatch):
    """gensim's corpus_file threads decay the rate by their own line count:
    each must be told its share of the lines, not the total."""
    from gensim.models import Word2Vec

    from skdeep.graph._word2vec import word2vec_embedding

    seen = {}
    train = Word2Vec.train

    def spy(self, *args, **kwargs):
        seen.update(kwargs)
        return train(self, *args, **kwargs)

    monkeypatch.setattr(Word2Vec, "train", spy)
    walks = np.random.RandomState(0).randint(0, 30, (100, 8)).astype(np.int32)
    emb = word2vec_embedding([walks], 30, dimensions=4, window=2, epochs=1,
                             negative=2, lr=0.025, sample=0, workers=workers, seed=0)
    assert emb.shape == (30, 4)
    assert seen["total_examples"] == -(-100 // workers)
    assert seen["total_words"] == 800


@pytest.mark.parametrize("lr", [0.025, 1e-6])
def test_word2vec_decays_the_rate_to_at_most_lr(lr, monkeypatch):
    """gensim's end rate (min_alpha) defaults to 1e-4: a smaller lr rose to
    it during training instead of decaying (the numba backend's end rate is
    min(lr, 1e-4))."""
    from gensim.models import Word2Vec

    from skdeep.graph._word2vec import word2vec_embedding

    seen = {}
    train = Word2Vec.train

    def spy(self, *args, **kwargs):
        seen.update(alpha=self.alpha, min_alpha=self.min_alpha)
        return train(self, *args, **kwargs)

    monkeypatch.setattr(Word2Vec, "train", spy)
    walks = np.random.RandomState(0).randint(0, 30, (100, 8)).astype(np.int32)
    word2vec_embedding([walks], 30, dimensions=4, window=2, epochs=1, negative=2,
                       lr=lr, sample=0, workers=1, seed=0)
    assert seen == {"alpha": lr, "min_alpha": min(lr, 1e-4)}


# -- graph inputs --------------------------------------------------------------


def test_to_adjacency_inputs():
    nx = pytest.importorskip("networkx")
    edges = np.array([[0, 1], [1, 2], [2, 2]])
    A, nodes = to_adjacency(edges)
    assert nodes is None
    np.testing.assert_array_equal(
        A.toarray(), [[0, 1, 0], [1, 0, 1], [0, 1, 1]]
    )
    weighted, _ = to_adjacency(np.array([[0, 1, 2.5], [1, 2, 1.0]]))
    assert weighted[1, 0] == 2.5 and weighted[0, 1] == 2.5
    G = nx.Graph()
    G.add_edge("a", "b", weight=3.0)
    G.add_edge("b", "c")
    A, nodes = to_adjacency(G)
    assert nodes == ["a", "b", "c"] and A[0, 1] == 3.0 and A[1, 2] == 1.0
    dense, _ = to_adjacency(np.eye(4))
    assert sp.issparse(dense) and dense.shape == (4, 4)
    # a 3x3 0/1 matrix is also 3 weighted edges: "auto" refuses to guess
    with pytest.raises(ValueError, match="input_format"):
        to_adjacency(np.eye(3))
    dense, _ = to_adjacency(np.eye(3), "adjacency")
    assert sp.issparse(dense) and dense.shape == (3, 3)
    with pytest.raises(ValueError, match="must be a graph"):
        to_adjacency(np.random.RandomState(0).rand(10, 4))
    with pytest.raises(ValueError, match="square"):
        to_adjacency(sp.csr_matrix((3, 4)))


# -- embedders -----------------------------------------------------------------


def test_node2vec_separates_communities():
    A, y = planted_partition()
    emb = Node2VecEmbedder(16, **FAST).fit_transform(A)
    assert emb.shape == (40, 16) and emb.dtype == np.float64
    acc = cross_val_score(LogisticRegression(), emb, y, cv=4).mean()
    assert acc > 0.9  # chance is 0.5


def test_same_seed_same_embedding_and_n_jobs_free():
    A, _ = planted_partition()
    a = Node2VecEmbedder(8, p=0.5, q=2, n_jobs=1, **FAST).fit_transform(A)
    b = Node2VecEmbedder(8, p=0.5, q=2, n_jobs=2, **FAST).fit_transform(A)
    np.testing.assert_array_equal(a, b)
    c = Node2VecEmbedder(8, p=0.5, q=2, **{**FAST, "random_state": 1}).fit_transform(A)
    assert not np.array_equal(a, c)


def test_deepwalk_is_node2vec_with_p_q_one():
    A, _ = planted_partition()
    a = DeepWalkEmbedder(8, **FAST).fit_transform(A)
    b = Node2VecEmbedder(8, p=1, q=1, **FAST).fit_transform(A)
    np.testing.assert_array_equal(a, b)
    assert "p" not in DeepWalkEmbedder().get_params()


def test_walklets_concatenates_scales():
    A, y = planted_partition()
    est = WalkletsEmbedder(6, n_scales=3, walk_length=20, n_walks=5, sample=0.0,
                           random_state=0)
    emb = est.fit_transform(A)
    assert emb.shape == (40, 18)
    assert list(est.get_feature_names_out()[:2]) == [
        "walkletsembedder0", "walkletsembedder1"]
    assert cross_val_score(LogisticRegression(), emb, y, cv=4).mean() > 0.8
    # a skip of walk_length or more has no pairs: its columns stayed random
    with pytest.raises(ValueError, match="walk_length must be at least n_scales"):
        est.set_params(walk_length=3).fit(A)
    assert est.set_params(walk_length=4).fit_transform(A).shape == (40, 18)


def test_graph_inputs_give_same_embedding():
    A, _ = planted_partition()
    coo = sp.triu(A).tocoo()
    edges = np.c_[coo.row, coo.col]
    a = DeepWalkEmbedder(4, **FAST).fit_transform(A)
    b = DeepWalkEmbedder(4, **FAST).fit_transform(edges)
    c = DeepWalkEmbedder(4, **FAST).fit_transform(A.toarray())
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_bad_graphs_raise():
    A, _ = planted_partition()
    with pytest.raises(ValueError, match="Negative values"):
        DeepWalkEmbedder(4, **FAST).fit(-A)
    with pytest.raises(ValueError, match="must be a graph"):
        DeepWalkEmbedder(4, **FAST).fit(np.ones((10, 5)))
    with pytest.raises(ValueError, match="p == 0|p"):
        Node2VecEmbedder(4, p=0, **FAST).fit(A)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_weights_of_a_graph_parameter_are_refused(bad):
    # fit(G) refused them through validate_data; with graph=G they went
    # through, and one NaN weight sent every later node to its last neighbour
    import skdeep.graph as graph_family

    A, _ = planted_partition()
    A = A.tolil()
    A[0, 1] = A[1, 0] = bad
    A = A.tocsr()
    ids = np.arange(A.shape[0])
    for name in ("DeepWalkEmbedder", "Node2VecEmbedder", "WalkletsEmbedder",
                 "Diff2VecEmbedder", "SplitterEmbedder", "Struc2VecEmbedder",
                 "SDNEEmbedder", "GEMSECEmbedder"):
        est = getattr(graph_family, name)(4, graph=A)
        with pytest.raises(ValueError, match="NaN or infinity"):
            est.fit(ids)
    with pytest.raises(ValueError, match="NaN or infinity"):
        random_walks(A, n_walks=1, walk_length=3)


def test_edge_array_weights_and_ids_are_checked_before_they_add_up():
    fast = dict(n_walks=2, walk_length=5, input_format="edgelist")
    # opposite weights of a repeated edge cancelled out, hiding the negative
    with pytest.raises(ValueError, match="Negative values"):
        DeepWalkEmbedder(4, **fast).fit(np.array([[0, 1, 2], [1, 0, -2], [1, 2, 1]]))
    # a label-like id made numpy allocate tens of GB (a bare MemoryError)
    with pytest.raises(ValueError, match="largest node id is 10000000000"):
        DeepWalkEmbedder(4, **fast).fit(np.array([[0, 1], [1, 10**10]]))


def test_weighted_walks_keep_each_rows_probabilities_whatever_came_before():
    # The cumulative weights were one sum over the whole graph minus each
    # row's start: after heavy edges a light row lost its precision (its
    # first neighbour drawn 17% of the time, not 20%).
    walks = random_walks(light_row_after_heavy_rows(), n_walks=20000, walk_length=2,
                         start_nodes=[2000], random_state=0)
    share = np.bincount(walks[:, 1], minlength=2004)[2001:] / len(walks)
    np.testing.assert_allclose(share, [0.2, 0.4667, 0.3333], atol=0.01)


def test_fixed_graph_pipeline_grid_search_and_memory(tmp_path):
    A, y = planted_partition()
    nodes = np.arange(40).reshape(-1, 1)
    pipe = make_pipeline(
        Node2VecEmbedder(8, graph=A, memory=str(tmp_path), **FAST),
        LogisticRegression(),
    )
    search = GridSearchCV(
        pipe, {"node2vecembedder__p": [0.5, 2.0], "node2vecembedder__q": [1.0]}, cv=3
    ).fit(nodes, y)
    assert search.best_score_ > 0.9
    # 2 (p, q) settings: 2 walk sets and 2 embeddings cached, reused by all folds
    cached = [d for d in tmp_path.rglob("*") if d.name == "output.pkl"]
    assert len(cached) == 4
    emb = search.best_estimator_[0]
    assert emb.n_features_in_ == 1 and emb.embedding_.shape == (40, 8)
    np.testing.assert_array_equal(emb.transform([[3], [1]]), emb.embedding_[[3, 1]])
    flat = emb.transform(np.array([3, 1]))
    np.testing.assert_array_equal(flat, emb.embedding_[[3, 1]])
    with pytest.raises(ValueError, match="lie in"):
        emb.transform([[40]])
    with pytest.raises(ValueError, match="integers"):
        emb.transform([[1.5]])
    assert not hasattr(Node2VecEmbedder(), "transform")


def test_memory_keeps_apart_embeddings_of_other_worker_counts(tmp_path):
    # workers > 1 is not reproducible: a workers=1 fit sharing the cache was
    # served a faster run's embedding (0.87 from its own); the tag says so
    from sklearn.utils import get_tags

    A, _ = planted_partition()
    reference = DeepWalkEmbedder(8, **FAST).fit_transform(A)
    DeepWalkEmbedder(8, workers=2, memory=str(tmp_path), **FAST).fit(A)
    cached = DeepWalkEmbedder(8, workers=1, memory=str(tmp_path), **FAST)
    np.testing.assert_array_equal(cached.fit_transform(A), reference)
    # one walk set, one embedding per worker count
    assert len([d for d in tmp_path.rglob("output.pkl")]) == 3
    assert get_tags(DeepWalkEmbedder(workers=2)).non_deterministic
    assert not get_tags(DeepWalkEmbedder()).non_deterministic


def test_set_output_pandas_in_both_modes():
    """set_output works as for scikit-learn's transformers: node ids keep
    their index (pipeline mode); a graph's rows are its nodes, so an edge
    list's index is not used. transform still exists only with graph=."""
    pd = pytest.importorskip("pandas")
    from sklearn.base import clone

    A, y = planted_partition(size=10)
    ids = pd.DataFrame({"node": np.arange(20)}, index=[f"v{i}" for i in range(20)])
    emb = DeepWalkEmbedder(3, graph=A, **FAST).set_output(transform="pandas")
    pipe = make_pipeline(clone(emb), LogisticRegression()).set_output(
        transform="pandas"
    )
    assert pipe.fit(ids, y[:20]).score(ids, y[:20]) > 0.8
    out = pipe[0].transform(ids)
    assert list(out.index) == list(ids.index)
    assert list(out.columns) == ["deepwalkembedder0", "deepwalkembedder1",
                                 "deepwalkembedder2"]
    np.testing.assert_array_equal(out.to_numpy(), pipe[0].embedding_[:20])
    np.testing.assert_array_equal(emb.fit_transform(ids).to_numpy(),
                                  pipe[0].embedding_[:20])
    rows, cols = sp.triu(A).nonzero()
    edges = pd.DataFrame({"u": rows, "v": cols}, index=np.arange(len(rows)) + 1000)
    graph_mode = DeepWalkEmbedder(3, input_format="edgelist", **FAST)
    assert not hasattr(graph_mode, "transform")
    out = graph_mode.set_output(transform="pandas").fit_transform(edges)
    assert out.shape == (A.shape[0], 3) and list(out.index) == list(range(A.shape[0]))
    plain = DeepWalkEmbedder(3, input_format="edgelist", **FAST).fit_transform(edges)
    assert isinstance(plain, np.ndarray)
    np.testing.assert_array_equal(out.to_numpy(), plain)


def test_pickle_round_trip():
    A, _ = planted_partition()
    est = WalkletsEmbedder(3, n_scales=2, walk_length=10, n_walks=2, random_state=0)
    est.fit(A)
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.embedding_, est.embedding_)


@pytest.mark.parametrize("cls", [Node2VecEmbedder, DeepWalkEmbedder, WalkletsEmbedder])
def test_skdeep_contract_checks_on_a_graph(cls, monkeypatch):
    """skdeep's reproducibility, RNG and io checks, fed an adjacency."""
    from skdeep.utils import estimator_checks as ec

    A, y = planted_partition(size=10)
    monkeypatch.setattr(ec, "_check_data", lambda est: (A.toarray(), y))
    est = cls(**cls.get_test_params() if isinstance(cls.get_test_params(), dict)
              else cls.get_test_params()[0])
    for check in (ec.check_random_state_reproducible, ec.check_global_rng_untouched,
                  ec.check_io_roundtrip):
        check(cls.__name__, est)


def test_reproducibility_check_compares_the_embedding(monkeypatch):
    """Embedders have no output method: the check compared nothing, so one
    that ignored random_state passed."""
    from skdeep.utils import estimator_checks as ec

    class IgnoresSeed(DeepWalkEmbedder):
        def fit(self, X, y=None):
            seed, self.random_state = self.random_state, None
            try:
                return super().fit(X, y)
            finally:
                self.random_state = seed

    A, y = planted_partition(size=10)
    monkeypatch.setattr(ec, "_check_data", lambda est: (A.toarray(), y))
    with pytest.raises(AssertionError, match="embedding_ differs"):
        ec.check_random_state_reproducible(
            "IgnoresSeed", IgnoresSeed(8, walk_length=10, n_walks=2))


def test_import_without_numba_or_gensim():
    code = (
        "import sys; sys.modules['numba'] = None; sys.modules['gensim'] = None\n"
        "import numpy as np, skdeep.graph as g\n"
        "try:\n"
        "    g.DeepWalkEmbedder(backend='gensim').fit(np.ones((3, 3)))\n"
        "except ImportError as e:\n"
        "    print('ImportError', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert ("ImportError DeepWalkEmbedder needs numba and gensim"
            in out.stdout), out.stderr


_HASH_SEED_SCRIPT = """
import hashlib, sys, warnings
import networkx as nx, numpy as np
import skdeep
from sklearn.base import clone
from skdeep.utils.estimator_checks import test_instances
warnings.simplefilter("ignore")
graph = nx.relabel_nodes(nx.karate_club_graph(), lambda i: f"member {i}")
classes = dict((name, cls) for name, cls, _ in skdeep.all_estimators())
for name in sys.argv[1:]:
    est = clone(test_instances(classes[name])[0]).set_params(random_state=0)
    if name == "DeepWalkEmbedder":
        est.set_params(backend="gensim")  # node ids as strings in its vocabulary
    emb = np.ascontiguousarray(est.fit(graph).embedding_)
    print(name, hashlib.sha1(emb.tobytes()).hexdigest())
"""


def test_seeded_embeddings_do_not_depend_on_the_python_hash_seed():
    """Python randomizes string hashing per process (PYTHONHASHSEED): sets of
    string node labels, or a vocabulary of node-id strings, could iterate in
    another order in every process. A seeded fit gives the same embedding in
    two processes with different hash seeds (the karateclub plugin checks its
    Doc2Vec wrappers, whose gensim inference hashed strings, in its tests)."""
    import os

    names = ["DeepWalkEmbedder", "SplitterEmbedder", "Struc2VecEmbedder"]
    runs = [  # both at once: each spends most of its time compiling walkers
        subprocess.Popen(
            [sys.executable, "-c", _HASH_SEED_SCRIPT, *names],
            env={**os.environ, "PYTHONHASHSEED": seed}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )
        for seed in ("1", "2")
    ]
    digests = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        digests.append(out.split())
    assert len(digests[0]) == 2 * len(names)
    assert digests[0] == digests[1]
