"""Tests of struc2vec: rings, DTW, OPT1-OPT3, the context graph, walks, embeddings."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import normalize
from sklearn.utils._param_validation import InvalidParameterError

pytest.importorskip("numba")
nx = pytest.importorskip("networkx")

from _graph_data import planted_partition  # noqa: E402

from skdeep.graph import Struc2VecEmbedder, to_adjacency  # noqa: E402
from skdeep.graph import _struc2vec as s2v  # noqa: E402

TOY = Path(__file__).resolve().parents[3] / "shared" / "data" / "struc2vec_toy"
FAST = dict(walk_length=40, n_walks=5, sample=0.0, backend="numba", random_state=0)


def plain_dtw(a, b, cost):
    """Textbook DTW over the full table: D[i, j] = cost + min of 3 neighbours."""
    D = np.full((len(a) + 1, len(b) + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            D[i, j] = cost(a[i - 1], b[j - 1]) + min(D[i - 1, j], D[i, j - 1],
                                                     D[i - 1, j - 1])
    return D[-1, -1]


def ratio(x, y):
    x, y = x[0] if isinstance(x, tuple) else x, y[0] if isinstance(y, tuple) else y
    return 0.0 if x == y else max(x, y) / max(min(x, y), 0.5) - 1.0


def run_cost(x, y):
    return ratio(x, y) * max(x[1], y[1])


def runs(seq):
    values, counts = np.unique(seq, return_counts=True)
    return list(zip(values.tolist(), counts.tolist()))


def random_sequences(rng, n_pairs=60):
    for _ in range(n_pairs):
        yield (np.sort(rng.randint(1, 9, rng.randint(1, 12))),
               np.sort(rng.randint(1, 9, rng.randint(1, 12))))


def mirrored_karate():
    if not (TOY / "karate_mirrored.npz").exists():
        pytest.skip("shared struc2vec toy data not present")
    edges = np.load(TOY / "karate_mirrored.npz")["edges"] - 1  # ids 1-68
    G = nx.Graph()
    G.add_edges_from(edges.tolist())
    halves = G.subgraph(range(34)), G.subgraph(range(34, 68))
    # the bridge joins node 0 to its mirror 36
    mirror = next(m for m in nx.isomorphism.GraphMatcher(*halves).isomorphisms_iter()
                  if m[0] == 36)
    return to_adjacency(edges)[0], mirror


def barbell():
    # two 10-cliques (0-9, 20-29) joined through the path 10-19 (the shared
    # file is networkx's barbell_graph(10, 10)): roles by position, the same
    # on either side
    path = TOY / "barbell.npz"
    A, _ = to_adjacency(np.load(path)["edges"] if path.exists()
                        else nx.barbell_graph(10, 10))
    role = np.r_[[0] * 9, 1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1, [0] * 9]
    return A, role


# -- DTW (OPT1) -----------------------------------------------------------------


def test_dtw_kernel_matches_textbook_dtw():
    rng = np.random.RandomState(0)
    for a, b in random_sequences(rng):
        assert s2v.dtw_distance(a, b, compress=False) == pytest.approx(
            plain_dtw(a, b, ratio), abs=1e-12)
        assert s2v.dtw_distance(a, b, compress=True) == pytest.approx(
            plain_dtw(runs(a), runs(b), run_cost), abs=1e-12)
    # the cost: max / min - 1, an isolated node's degree 0 counting as 1/2
    assert s2v.dtw_distance([2], [6], compress=False) == pytest.approx(2.0)
    assert s2v.dtw_distance([0], [0]) == 0.0
    assert s2v.dtw_distance([0], [3]) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="empty"):
        s2v.dtw_distance([], [1])


def test_compressed_dtw_bounds_plain_dtw_and_matches_it_run_to_run():
    rng = np.random.RandomState(1)
    for a, b in random_sequences(rng):
        # any alignment of runs unfolds into an alignment of the elements
        # that costs no more: OPT1 is an upper bound
        assert (s2v.dtw_distance(a, b) + 1e-12
                >= s2v.dtw_distance(a, b, compress=False))
    equal_cases = [
        ([1, 2, 2, 5], [1, 2, 2, 5]),  # identical: 0
        ([3, 3, 3], [5, 5]),  # one run each
        ([2], [1, 3, 3, 4]),  # a single element against runs
        ([1, 1, 2, 5, 5], [1, 1, 3, 6, 6]),  # runs matched one to one
    ]
    for a, b in equal_cases:
        assert s2v.dtw_distance(a, b) == pytest.approx(
            s2v.dtw_distance(a, b, compress=False), abs=1e-12)
    assert s2v.dtw_distance([1, 2, 2, 5], [1, 2, 5, 2]) == 0.0  # sorted first
    # and where it differs: a run aligned with several runs is charged whole
    assert s2v.dtw_distance([1, 1, 3, 3], [2, 2, 2]) == pytest.approx(4.5)
    assert s2v.dtw_distance([1, 1, 3, 3], [2, 2, 2], compress=False) == 3.0


# -- rings and distances --------------------------------------------------------


def brute_force_rings(A, n_layers):
    G = nx.from_scipy_sparse_array(s2v.structure(A))
    degree = dict(G.degree())
    out = []
    for u in G:
        dist = nx.single_source_shortest_path_length(G, u, cutoff=n_layers - 1)
        out.append([sorted(degree[v] for v in dist if dist[v] == k)
                    for k in range(n_layers)])
    return out


def ring_of(rings, u, k):
    a, b = rings.ptr[u * rings.n_layers + k], rings.ptr[u * rings.n_layers + k + 1]
    return np.repeat(rings.run_degrees[a:b], rings.run_counts[a:b]).tolist()


def test_rings_match_breadth_first_search(monkeypatch):
    A, _ = planted_partition(size=15, p_in=0.3, p_out=0.05)
    A = A.tolil()
    A[3, 3] = 1.0  # a self-loop: not a neighbour
    A[5, 7] = 2.5  # a directed edge, read as undirected
    A = A.tocsr()
    expected = brute_force_rings(A, 4)
    monkeypatch.setattr(s2v, "_CHUNK_ENTRIES", 50)  # several chunks of nodes
    rings = s2v.structural_rings(A, 4, n_jobs=2)
    for u in range(A.shape[0]):
        assert rings.n_rings[u] == sum(1 for r in expected[u] if r)
        for k in range(4):
            assert ring_of(rings, u, k) == expected[u][k]
    np.testing.assert_array_equal(rings.degrees, s2v.structure(A).sum(axis=1).A1)


def test_distances_accumulate_dtw_over_rings():
    G = nx.lollipop_graph(5, 4)
    A, _ = to_adjacency(G)
    expected = brute_force_rings(A, 6)
    rings = s2v.structural_rings(A, 6)
    pairs = np.array([[0, 1], [0, 5], [4, 8], [5, 7]])
    for compress in (True, False):
        f = s2v.structural_distances(rings, pairs, compress=compress)
        for p, (u, v) in enumerate(pairs):
            total = 0.0
            for k in range(6):
                if not (expected[u][k] and expected[v][k]):
                    assert np.isnan(f[p, k:]).all()
                    break
                total += s2v.dtw_distance(expected[u][k], expected[v][k],
                                          compress=compress)
                assert f[p, k] == pytest.approx(total)
    # nodes 0 and 1 of the clique are equivalent: distance 0 at every layer
    np.testing.assert_array_equal(f[0, :rings.n_rings[0]], 0.0)


# -- OPT2: candidates ------------------------------------------------------------


def test_candidates_are_the_closest_degrees_and_bounded():
    G = nx.barabasi_albert_graph(500, 3, seed=0)
    degrees = np.array([d for _, d in G.degree()])
    n = len(degrees)
    c = s2v.default_n_candidates(n)
    assert c == int(np.ceil(2 * np.log2(n)))
    pairs = s2v.candidate_pairs(degrees, c, random_state=0)
    assert np.all(pairs[:, 0] < pairs[:, 1])
    assert len(np.unique(pairs, axis=0)) == len(pairs) <= n * c
    partners = np.bincount(pairs.ravel(), minlength=n)
    assert partners.min() >= c and partners.max() <= 2 * c
    # each node is paired with c nodes of its c nearest degrees: the c
    # smallest degree differences among its partners are the c smallest of
    # all (the window of the smallest largest difference could drop a node
    # of u's own degree for one further away)
    small = np.array([1, 1, 2, 2, 2, 2, 3, 3])
    for degs, k in [(degrees, c), (small, 4)]:
        found = s2v.candidate_pairs(degs, k, random_state=0)
        for u in range(len(degs)):
            others = np.delete(np.arange(len(degs)), u)
            nearest = np.sort(np.abs(degs[others] - degs[u]))[:k]
            mine = np.r_[found[found[:, 0] == u, 1], found[found[:, 1] == u, 0]]
            np.testing.assert_array_equal(
                np.sort(np.abs(degs[mine] - degs[u]))[:k], nearest)
    # all pairs once c reaches n - 1
    assert len(s2v.candidate_pairs(degrees[:20], 50, 0)) == 20 * 19 // 2
    # ties among equal degrees are broken by the seed
    other = s2v.candidate_pairs(degrees, c, random_state=1)
    assert not np.array_equal(pairs, other)


# -- context graph and walks ----------------------------------------------------


def test_context_graph_weights_and_layer_moves():
    A, role = barbell()
    context = s2v.context_graph(A, n_layers=3, n_candidates=29)
    n, K = 30, 3
    assert context.n_layers == K and context.graph.n_nodes == K * n
    rings = s2v.structural_rings(A, K)
    pairs = s2v.candidate_pairs(rings.degrees, 29, 0)
    f = s2v.structural_distances(rings, pairs)
    g = context.graph
    for k in range(K):
        for u in (0, 9, 12):
            row = k * n + u
            nbrs = g.indices[g.indptr[row]:g.indptr[row + 1]]
            weights = np.diff(np.r_[0.0, g.cumweights[g.indptr[row]:g.indptr[row + 1]]])
            mine = (pairs[:, 0] == u) | (pairs[:, 1] == u)
            other = np.where(pairs[mine, 0] == u, pairs[mine, 1], pairs[mine, 0])
            fk = f[mine, k]
            expected = np.exp(-fk[np.argsort(other)])
            # (weights come back as differences of cumulative sums)
            np.testing.assert_allclose(weights / weights.sum(),
                                       expected / expected.sum(), atol=1e-12)
            assert set(nbrs) == set(other)
        # Gamma_k(u): edges heavier than the layer mean; up = x / (x + 1)
        valid = ~np.isnan(f[:, k])
        w = np.exp(-f[valid, k])
        heavy = np.bincount(pairs[valid][w > w.mean()].ravel(), minlength=n)
        x = np.log(heavy + np.e)
        np.testing.assert_allclose(context.up[k * n:(k + 1) * n], x / (x + 1))
    # clique nodes have 29 equivalent-or-near partners: above 1/2 moving up
    assert np.all(context.up >= 0.5)


def test_walks_follow_pairs_and_are_reproducible():
    A, _ = barbell()
    context = s2v.context_graph(A, n_layers=4, n_candidates=5)
    W = s2v.struc2vec_walks(context, n_walks=3, walk_length=30, random_state=0)
    assert W.shape == (90, 30) and W.dtype == np.int32 and (W >= 0).all()
    np.testing.assert_array_equal(np.sort(W[:30, 0]), np.arange(30))
    pairs = {tuple(p) for p in s2v.candidate_pairs(
        s2v.structural_rings(A, 4).degrees, 5, 0)}
    steps = {tuple(sorted(p)) for p in zip(W[:, :-1].ravel(), W[:, 1:].ravel())}
    assert steps <= pairs
    W2 = s2v.struc2vec_walks(context, n_walks=3, walk_length=30, random_state=0,
                             n_jobs=2)
    np.testing.assert_array_equal(W, W2)
    W3 = s2v.struc2vec_walks(context, n_walks=3, walk_length=30, random_state=1)
    assert not np.array_equal(W, W3)


def test_walks_never_leave_layer_zero_with_stay_probability_one():
    A, role = barbell()
    one = s2v.context_graph(A, n_layers=1, n_candidates=29)
    many = s2v.context_graph(A, n_layers=6, n_candidates=29)
    a = s2v.struc2vec_walks(one, n_walks=2, walk_length=20, stay_probability=1.0)
    b = s2v.struc2vec_walks(many, n_walks=2, walk_length=20, stay_probability=1.0)
    np.testing.assert_array_equal(a, b)
    # layer 0 compares degrees only: clique and bridge nodes (9 and 10) mix
    steps = np.c_[a[:, :-1].ravel(), a[:, 1:].ravel()]
    assert np.any((role[steps[:, 0]] == 0) & (role[steps[:, 1]] == 1))


# -- the estimator ---------------------------------------------------------------


def test_mirrored_nodes_are_closer_than_random_pairs():
    A, mirror = mirrored_karate()
    X = normalize(Struc2VecEmbedder(32, **FAST).fit_transform(A))
    d = 1 - X @ X.T
    u = np.array(list(mirror))
    v = np.array([mirror[x] for x in u])
    rng = np.random.RandomState(0)
    a, b = rng.randint(0, 68, (2, 3000))
    a, b = a[a != b], b[a != b]
    # mirrored nodes are 2 to 21 hops apart; measured: 0.015 against 0.56
    assert d[u, v].mean() < 0.25 * d[a, b].mean()
    # few nodes lie closer to u than its mirror (measured ~1.3 of 66)
    closer = [(d[x] < d[x, mirror[x]]).sum() - 1 for x in u]
    assert np.mean(closer) < 5


def test_barbell_roles_are_separated():
    A, role = barbell()
    est = Struc2VecEmbedder(32, **FAST)
    X = normalize(est.fit_transform(A))
    assert est.n_layers_ == 5  # the default cap (the barbell's rings reach 11)
    d = 1 - X @ X.T
    same = role[:, None] == role[None, :]
    np.fill_diagonal(same, False)
    # measured: 0.11 against 0.69
    assert d[same].mean() < 0.4 * d[role[:, None] != role[None, :]].mean()


def test_same_seed_same_embedding_whatever_n_jobs():
    A, _ = barbell()
    a = Struc2VecEmbedder(8, **FAST, n_jobs=1).fit_transform(A)
    b = Struc2VecEmbedder(8, **FAST, n_jobs=2).fit_transform(A)
    np.testing.assert_array_equal(a, b)
    c = Struc2VecEmbedder(8, **{**FAST, "random_state": 1}).fit_transform(A)
    assert not np.array_equal(a, c)
    pytest.importorskip("gensim")
    gensim = {**FAST, "backend": "gensim"}
    np.testing.assert_array_equal(Struc2VecEmbedder(8, **gensim).fit_transform(A),
                                  Struc2VecEmbedder(8, **gensim).fit_transform(A))


def test_structure_only_inputs_give_the_same_embedding():
    """Weights and directions are ignored; every graph input is accepted."""
    A, _ = barbell()
    edges = np.argwhere(sp.triu(A).toarray())
    reference = Struc2VecEmbedder(8, **FAST).fit_transform(A)
    weighted = sp.triu(A) * 3.5 + sp.tril(A) * 0.5
    directed = sp.triu(A)
    G = nx.from_scipy_sparse_array(A)
    for X in (weighted, directed, edges, A.toarray(), G):
        np.testing.assert_array_equal(Struc2VecEmbedder(8, **FAST).fit_transform(X),
                                      reference)


def test_fixed_graph_pipeline_and_memory(tmp_path):
    A, role = barbell()
    nodes = np.arange(30).reshape(-1, 1)
    pipe = make_pipeline(
        Struc2VecEmbedder(16, graph=A, memory=str(tmp_path), **FAST),
        LogisticRegression(max_iter=1000),
    )
    clique = role <= 1  # clique or bridge: the structural role
    pipe.fit(nodes[::2], clique[::2])
    assert pipe.score(nodes[1::2], clique[1::2]) == 1.0
    emb = pipe[0]
    np.testing.assert_array_equal(emb.transform([[4], [1]]), emb.embedding_[[4, 1]])
    n_cached = len(list(tmp_path.rglob("output.pkl")))
    assert n_cached == 2  # the walks and the embedding
    clone = Struc2VecEmbedder(16, graph=A, memory=str(tmp_path), **FAST).fit(nodes)
    np.testing.assert_array_equal(clone.embedding_, emb.embedding_)
    assert clone.n_layers_ == emb.n_layers_
    assert len(list(tmp_path.rglob("output.pkl"))) == n_cached


def test_bad_inputs_and_parameters_raise():
    A, _ = barbell()
    bad = A.toarray()
    bad[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Struc2VecEmbedder(4, **FAST).fit(bad)
    with pytest.raises(ValueError, match="Negative values"):
        Struc2VecEmbedder(4, **FAST).fit(-A)
    with pytest.raises(ValueError, match="must be a graph"):
        Struc2VecEmbedder(4, **FAST).fit(np.ones((10, 5)))
    with pytest.raises(ValueError, match="1 sample"):
        Struc2VecEmbedder(4, **FAST).fit(np.ones((1, 1)))
    for params in ({"stay_probability": 0.0}, {"n_layers": 0}, {"n_candidates": 0},
                   {"weighted": False}):
        with pytest.raises((InvalidParameterError, TypeError)):
            Struc2VecEmbedder(4, **FAST, **params).fit(A)


def test_isolated_nodes_and_tiny_graphs():
    A = sp.csr_matrix(([1.0, 1.0], ([0, 1], [1, 0])), shape=(4, 4))  # 2 isolated
    est = Struc2VecEmbedder(4, **FAST)
    X = est.fit_transform(A)
    assert X.shape == (4, 4) and np.isfinite(X).all()
    assert est.n_layers_ == 2
