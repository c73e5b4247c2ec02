"""Tests of GEMSECEmbedder: clustering quality, loss terms, schedules, API."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score

pytest.importorskip("numba")
torch = pytest.importorskip("torch")

from _graph_data import planted_partition  # noqa: E402

from skdeep.graph._gemsec import (  # noqa: E402
    GEMSECEmbedder,
    GEMSECModule,
    WalkGraph,
    annealed_gamma,
    gemsec_loss_terms,
    kmeans_centers,
    neighbourhood_overlap,
)
from skdeep.utils._torch import torch_threads  # noqa: E402

FAST = dict(dimensions=8, n_walks=4, walk_length=20, window=3, negative=5,
            max_epochs=4, batch_size=16, lr=0.2)


@pytest.fixture(scope="module")
def blocks():
    return planted_partition(n_blocks=4, size=30, p_in=0.3, p_out=0.02, seed=0)


@pytest.fixture(scope="module")
def fitted(blocks):
    A, _ = blocks
    return GEMSECEmbedder(n_clusters=4, random_state=0, **FAST).fit(A)


def test_recovers_planted_communities(blocks, fitted):
    _, y = blocks
    assert fitted.embedding_.shape == (120, 8)
    assert fitted.cluster_centers_.shape == (4, 8)
    assert fitted.labels_.shape == (120,)
    assert set(fitted.labels_) <= set(range(4))
    # chance is an adjusted Rand index of 0
    assert adjusted_rand_score(y, fitted.labels_) > 0.8
    # labels_ is each node's nearest centre; embeddings lie in the unit ball
    d = np.linalg.norm(
        fitted.embedding_[:, None] - fitted.cluster_centers_[None], axis=2)
    np.testing.assert_array_equal(fitted.labels_, d.argmin(1))
    # (exactly: clipped in float32, rows were up to 7e-8 longer than 1)
    assert np.linalg.norm(fitted.embedding_, axis=1).max() <= 1


def test_fit_predict_returns_labels(blocks, fitted):
    A, _ = blocks
    est = GEMSECEmbedder(n_clusters=4, random_state=0, **FAST)
    np.testing.assert_array_equal(est.fit_predict(A), fitted.labels_)
    assert not hasattr(est, "predict")  # transductive: only with graph= set


def test_fixed_graph_node_ids(blocks, fitted):
    A, _ = blocks
    est = GEMSECEmbedder(graph=A, n_clusters=4, random_state=0, **FAST)
    ids = np.arange(0, 120, 7).reshape(-1, 1)
    labels = est.fit_predict(ids)
    np.testing.assert_array_equal(labels, fitted.labels_[ids.ravel()])
    np.testing.assert_array_equal(est.predict(ids[:3]), fitted.labels_[[0, 7, 14]])
    np.testing.assert_array_equal(est.transform(ids), fitted.embedding_[ids.ravel()])
    with pytest.raises(ValueError):
        est.predict([[120]])


def test_deterministic_under_random_state(blocks, fitted):
    A, _ = blocks
    again = GEMSECEmbedder(n_clusters=4, random_state=0, **FAST).fit(A)
    np.testing.assert_array_equal(again.embedding_, fitted.embedding_)
    np.testing.assert_array_equal(again.cluster_centers_, fitted.cluster_centers_)
    other = GEMSECEmbedder(n_clusters=4, random_state=1, **FAST).fit(A)
    assert not np.allclose(other.embedding_, fitted.embedding_)
    # the global torch RNG is left as it was
    state = torch.get_rng_state()
    GEMSECEmbedder(n_clusters=2, random_state=0, **{**FAST, "max_epochs": 1}).fit(A)
    assert torch.equal(state, torch.get_rng_state())


def test_pickle_round_trip(blocks):
    A, _ = blocks
    est = GEMSECEmbedder(graph=A, n_clusters=4, random_state=0,
                         **{**FAST, "max_epochs": 1})
    est.fit(np.arange(120).reshape(-1, 1))
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.labels_, est.labels_)
    np.testing.assert_array_equal(back.embedding_, est.embedding_)
    np.testing.assert_array_equal(back.predict([[3], [90]]), est.labels_[[3, 90]])
    assert back.net_.module_.graph is None  # the fit-time tensors are not kept


def test_clustering_term_tightens_clusters(blocks):
    A, _ = blocks

    def spread(gamma):
        est = GEMSECEmbedder(n_clusters=4, gamma=gamma, random_state=0,
                             **FAST).fit(A)
        d = np.linalg.norm(
            est.embedding_[:, None] - est.cluster_centers_[None], axis=2)
        # nearest-centre distance relative to the embedding's overall spread
        return d.min(1).mean() / np.linalg.norm(
            est.embedding_ - est.embedding_.mean(0), axis=1).mean()

    assert spread((1.0, 4.0)) < 0.8 * spread(0.0)


def test_loss_terms_match_direct_computation():
    torch.manual_seed(0)
    n, d, window, negative = 6, 3, 2, 2
    A = sp.csr_matrix(np.array([
        [0, 1, 1, 0, 0, 0],
        [1, 0, 1, 0, 0, 0],
        [1, 1, 0, 1, 0, 0],
        [0, 0, 1, 0, 1, 1],
        [0, 0, 0, 1, 0, 1],
        [0, 0, 0, 1, 1, 0],
    ], dtype=float))
    walks = np.array([[0, 1, 2, 3, 4], [5, 3, 2, -1, -1]], dtype=np.int32)
    module = GEMSECModule(n, d, 2, window, negative)
    with torch.no_grad():  # embeddings of norm > 1 exercise the unit-ball clip
        module.embedding.mul_(40.0)
    module.graph = WalkGraph(A, walks, "cpu")
    noise = torch.randint(n, (*walks.shape, negative))
    out = module(torch.from_numpy(walks), noise=noise)
    skipgram, clustering, smoothness = (
        term.item() for term in gemsec_loss_terms(*out))

    E = module.embedding.detach().double().numpy()
    E = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1.0)
    C = module.context.detach().double().numpy()
    M = module.centers.detach().double().numpy()
    G = nx.from_scipy_sparse_array(A)

    def log_sigmoid(x):
        return -np.log1p(np.exp(-x))

    pairs, positions, steps = [], [], []
    for r, walk in enumerate(walks):
        nodes = [v for v in walk if v >= 0]
        for i, u in enumerate(nodes):
            positions.append(u)
            for j, v in enumerate(nodes):
                if 0 < abs(i - j) <= window:
                    pairs.append(log_sigmoid(E[u] @ C[v]) + sum(
                        log_sigmoid(-E[u] @ C[k]) for k in noise[r, i].tolist()))
        for u, v in zip(nodes[:-1], nodes[1:]):
            nu, nv = set(G[u]), set(G[v])
            steps.append(len(nu & nv) / len(nu | nv) * np.linalg.norm(E[u] - E[v]))
    expected_skipgram = -np.mean(pairs)
    expected_clustering = np.mean(
        [np.linalg.norm(E[u] - M, axis=1).min() for u in positions])
    expected_smoothness = np.sum(steps) / len(walks)
    np.testing.assert_allclose(skipgram, expected_skipgram, rtol=1e-5)
    np.testing.assert_allclose(clustering, expected_clustering, rtol=1e-5)
    np.testing.assert_allclose(smoothness, expected_smoothness, rtol=1e-5)
    assert expected_smoothness > 0


def test_neighbourhood_overlap_is_jaccard():
    G = nx.karate_club_graph()
    A = nx.to_scipy_sparse_array(G, format="csr")
    W = neighbourhood_overlap(A)
    for u, v, j in nx.jaccard_coefficient(G, list(G.edges())):
        assert W[u, v] == pytest.approx(j) and W[v, u] == pytest.approx(j)
    graph = WalkGraph(A, np.arange(34, dtype=np.int32).reshape(-1, 2), "cpu")
    u, v = torch.tensor([0, 0, 33]), torch.tensor([1, 9, 32])  # 0-9: no edge
    np.testing.assert_allclose(
        graph.overlap(u, v).numpy(), [W[0, 1], 0.0, W[33, 32]], rtol=1e-6)


def test_neighbourhood_overlap_runs_on_n_jobs_threads(monkeypatch):
    # GEMSECEmbedder(n_jobs=None) ran the overlap kernel on every core
    # (the walks alone read n_jobs)
    import numba

    from skdeep.graph import _gemsec

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs two numba threads")
    kernel, seen = _gemsec._overlap_kernel(), []

    def counting(indptr, indices):
        seen.append(numba.get_num_threads())
        return kernel(indptr, indices)

    monkeypatch.setattr(_gemsec, "_overlap_kernel", lambda: counting)
    A = nx.to_scipy_sparse_array(nx.karate_club_graph(), format="csr")
    neighbourhood_overlap(A)
    neighbourhood_overlap(A, n_jobs=2)
    GEMSECEmbedder(n_clusters=2, dimensions=4, walk_length=5, n_walks=1,
                   max_epochs=1, random_state=0).fit(A)
    assert seen == [1, 2, 1]


def test_noise_follows_walk_frequencies():
    walks = np.array([[0, 1, 0, 1], [2, 0, -1, -1]], dtype=np.int32)
    A = sp.csr_matrix(np.ones((3, 3)) - np.eye(3))
    graph = WalkGraph(A, walks, "cpu")
    torch.manual_seed(0)
    draws = graph.sample_noise((20000,)).numpy()
    freq = np.bincount(draws, minlength=3) / len(draws)
    expected = np.array([3, 2, 1]) ** 0.75
    np.testing.assert_allclose(freq, expected / expected.sum(), atol=0.02)


def test_schedules():
    assert annealed_gamma(0.1, 0.5, 0.0) == pytest.approx(0.1)
    assert annealed_gamma(0.1, 0.5, 1.0) == pytest.approx(0.5)
    assert annealed_gamma(0.1, 0.5, 0.5) == pytest.approx(np.sqrt(0.05))
    assert annealed_gamma(0.0, 0.4, 0.5) == pytest.approx(0.2)
    x = torch.cat([torch.randn(50, 2) * 0.1 + 5, torch.randn(50, 2) * 0.1 - 5])
    with torch.random.fork_rng():
        torch.manual_seed(0)
        centers = kmeans_centers(x, 2)
    assert sorted(centers[:, 0].round().tolist()) == [-5.0, 5.0]


def test_seeded_fits_agree_on_two_threads():
    # a batch of 32 walks makes some 25k (centre, context) pairs, whose
    # gathered rows an accumulating backward would add in parallel, in no
    # fixed order: seeded fits on two threads must agree bit for bit
    G = nx.karate_club_graph()
    with torch_threads(2):
        fits = [GEMSECEmbedder(n_clusters=4, max_epochs=2, random_state=0)
                .fit(G).embedding_ for _ in range(3)]
    np.testing.assert_array_equal(fits[1], fits[0])
    np.testing.assert_array_equal(fits[2], fits[0])


def test_dead_ends_and_isolated_nodes():
    # a directed chain ends in a sink; node 4 has no edge at all
    A = sp.csr_matrix(([1.0, 1.0, 1.0], ([0, 1, 2], [1, 2, 3])), shape=(5, 5))
    est = GEMSECEmbedder(2, n_clusters=2, walk_length=5, n_walks=2, window=2,
                         max_epochs=2, random_state=0).fit(A)
    assert np.isfinite(est.embedding_).all()
    assert est.labels_.shape == (5,)


@pytest.mark.parametrize("params, message", [
    ({"n_clusters": 11}, "n_clusters=11 must be at most the number of nodes, 10"),
    ({"gamma": (0.1, 0.2, 0.3)}, "gamma must be"),
    ({"gamma": (-0.1, 0.5)}, "non-negative"),
    ({"gamma": -1.0}, "gamma"),
    ({"warmup": 1.0}, "warmup"),
    ({"smoothness": -1}, "smoothness"),
])
def test_bad_parameters(params, message):
    A, _ = planted_partition(2, 5)
    with pytest.raises(ValueError, match=message):
        GEMSECEmbedder(**params).fit(A)


def test_bad_graphs():
    A, _ = planted_partition(2, 5)
    with pytest.raises(ValueError, match="non-negative"):
        GEMSECEmbedder(n_clusters=2).fit(-A)
    with pytest.raises(ValueError, match="square"):
        GEMSECEmbedder(n_clusters=2).fit(np.ones((4, 5)))


@pytest.mark.filterwarnings("ignore:.*reached max_epochs")
def test_early_stopping_keeps_an_epoch_after_the_k_means_step():
    # the validation loss was scored with each epoch's own (rising) gamma,
    # 0 in the warm-up: the warm-up epochs looked best, and early stopping
    # restored weights from before k-means (random centres of norm ~0.02,
    # two or three of four communities used)
    G = nx.planted_partition_graph(4, 25, 0.3, 0.01, seed=0)
    model = GEMSECEmbedder(8, n_clusters=4, n_walks=5, walk_length=20,
                           batch_size=16, max_epochs=10, early_stopping=True,
                           random_state=0)
    with torch_threads(1):
        labels = model.fit_predict(G)
    # 4 of 10 epochs of warm-up: k-means runs in epoch 5
    assert model._first_early_stopping_epoch() == 5
    stopper = dict(model.net_.callbacks_)["early_stopping"]
    assert stopper.lowest_epoch_ >= 5
    assert np.linalg.norm(model.cluster_centers_, axis=1).min() > 0.5
    assert len(set(labels)) == 4
    assert adjusted_rand_score(np.repeat(np.arange(4), 25), labels) > 0.5
