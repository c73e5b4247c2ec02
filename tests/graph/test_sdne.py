"""Tests of SDNEEmbedder: its loss against a dense computation, memory, quality."""

import json
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from _graph_data import light_row_after_heavy_rows, planted_partition
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from skdeep.graph import SDNEEmbedder
from skdeep.graph._sdne import SDNELoss, SDNEModule, SparseRows, sdne_loss_terms
from skdeep.utils.estimator_checks import numpy_global_rng_state

FAST = dict(hidden_layer_sizes=(16,), max_epochs=5, batch_size=16, random_state=0)


def weighted_graph():
    """7 nodes: weighted undirected edges, a self-loop, an isolated node (6)."""
    S = np.zeros((7, 7))
    for i, j, w in [(0, 1, 1.0), (0, 2, 3.0), (1, 2, 0.5), (2, 3, 2.0), (3, 4, 1.0),
                    (4, 5, 4.0), (1, 5, 1.5)]:
        S[i, j] = S[j, i] = w
    S[3, 3] = 2.0
    return S


# -- the pieces: rows, neighbour draws, loss terms -------------------------------


def test_sparse_rows_match_dense_rows():
    S = weighted_graph()
    rows = SparseRows(sp.csr_matrix(S), "cpu")
    ids = torch.tensor([5, 0, 6, 3, 3])
    dense = rows.sparse(ids).to_dense().numpy()
    np.testing.assert_array_equal(dense, S[[5, 0, 6, 3, 3]])
    np.testing.assert_allclose(rows.degree.numpy(), S.sum(1))


def test_neighbour_draws_follow_edge_weights():
    S = weighted_graph()
    rows = SparseRows(sp.csr_matrix(S), "cpu")
    n_draws = 20000
    ids = torch.arange(7).repeat(n_draws)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        drawn = rows.sample_neighbours(ids).numpy().reshape(n_draws, 7)
    for i in range(6):
        freq = np.bincount(drawn[:, i], minlength=7) / n_draws
        np.testing.assert_allclose(freq, S[i] / S[i].sum(), atol=0.015)
    assert np.all(drawn[:, 6] == 6)  # no edge: the node itself (zero term)


def test_neighbour_draws_of_a_light_row_after_heavy_rows():
    # one cumulative sum of the raw weights over the whole graph lost a light
    # row's weights to rounding after heavy rows (1e9 each)
    rows = SparseRows(light_row_after_heavy_rows(), "cpu")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        drawn = rows.sample_neighbours(torch.full((20000,), 2000)).numpy()
    share = np.bincount(drawn, minlength=2004)[2001:] / len(drawn)
    np.testing.assert_allclose(share, [0.2, 0.4667, 0.3333], atol=0.01)


def test_loss_terms_match_dense_computation():
    """Second order against the dense weighted error, first order against
    the dense Laplacian: each draw's term is exact, and its expectation over
    the neighbour draws is sum_ij s_ij ||y_i - y_j||^2 = 2 tr(Y^T L Y)."""
    S = weighted_graph()
    beta, alpha = 5.0, 0.3
    rows = SparseRows(sp.csr_matrix(S), "cpu")
    module = SDNEModule(7, (5,), 3, "tanh").double()
    module.rows = rows
    rows.data = rows.data.double()
    rows.degree = rows.degree.double()
    ids = torch.tensor([0, 2, 3, 6])
    with torch.random.fork_rng():
        torch.manual_seed(0)
        outputs = module(ids)
    recon, entries, y, y_nb, degree = outputs
    X = S[ids.numpy()]
    B = np.where(X > 0, beta, 1.0)
    R = recon.detach().numpy()
    second_dense = np.sum(((R - X) * B) ** 2)
    # the embeddings are the encoder on the dense rows (the sparse product agrees)
    lin = module.input_layer
    y_dense = module.encoder(torch.from_numpy(X) @ lin.weight + lin.bias)
    np.testing.assert_allclose(y.detach().numpy(), y_dense.detach().numpy(), rtol=1e-12)
    second, first = sdne_loss_terms(*outputs, beta=beta)
    np.testing.assert_allclose(second.item(), second_dense, rtol=1e-12)
    # first order of this draw: d_i ||y_i - y_J(i)||^2 with J(i) a neighbour
    Y_all = module.embed(torch.arange(7)).detach().numpy()
    d = S.sum(1)
    per_node = d[ids.numpy()] * ((y - y_nb).detach().numpy() ** 2).sum(1)
    np.testing.assert_allclose(first.item(), per_node.sum(), rtol=1e-12)
    for k, i in enumerate(ids.numpy()):
        dist = ((Y_all - y.detach().numpy()[k]) ** 2).sum(1)
        nb_dist = ((y_nb.detach().numpy()[k] - y.detach().numpy()[k]) ** 2).sum()
        assert i == 6 or np.isclose(dist[S[i] > 0], nb_dist).any()
    # expectation over draws: the batch rows of the dense Laplacian term
    diff2 = ((Y_all[:, None, :] - Y_all[None, :, :]) ** 2).sum(-1)
    expected_first = np.sum(S[ids.numpy()] * diff2[ids.numpy()])
    L = np.diag(d) - S
    np.testing.assert_allclose(
        np.sum(S * diff2), 2 * np.trace(Y_all.T @ L @ Y_all), rtol=1e-10
    )
    expected = (second_dense + alpha * expected_first) / len(ids)
    losses = []
    with torch.random.fork_rng():
        torch.manual_seed(1)
        for _ in range(3000):
            losses.append(SDNELoss(alpha, beta)(module(ids)).item())
    assert abs(np.mean(losses) - expected) < 0.01 * expected


def test_beta_one_is_plain_reconstruction_and_alpha_zero_ignores_edges():
    S = weighted_graph()
    rows = SparseRows(sp.csr_matrix(S), "cpu")
    module = SDNEModule(7, (), 2, "relu")
    module.rows = rows
    ids = torch.arange(7)
    outputs = module(ids)
    second, _ = sdne_loss_terms(*outputs, beta=1.0)
    expected = ((outputs[0].detach().numpy() - S) ** 2).sum()
    np.testing.assert_allclose(second.item(), expected, rtol=1e-5)
    loss = SDNELoss(0.0, 1.0)(outputs)
    np.testing.assert_allclose(loss.item(), expected / 7, rtol=1e-5)


# -- memory: nothing is n x n --------------------------------------------------

_MEMORY_SCRIPT = r"""
import json, resource, sys
import skdeep.graph
out = {"torch_imported": "torch" in sys.modules}  # import skdeep.graph stays light
import numpy as np, scipy.sparse as sp, torch
torch.set_num_threads(1)
from skdeep.graph import SDNEEmbedder
from skdeep.graph._sdne import SDNELoss, SDNEModule, SparseRows

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def ring(n):
    i = np.arange(n)
    A = sp.coo_matrix((np.ones(n), (i, (i + 1) % n)), shape=(n, n))
    return (A + A.T).tocsr()

params = dict(hidden_layer_sizes=(8,), max_epochs=1, batch_size=256, random_state=0)
SDNEEmbedder(4, **params).fit(ring(1000))  # torch's first-use allocations
out["start_mb"] = peak_mb()
# 15,000 nodes through the estimator, 1 epoch (a dense adjacency: 900 MB)
est = SDNEEmbedder(4, **params).fit(ring(15_000))
out["embedding"] = list(est.embedding_.shape)
out["fit_mb"] = peak_mb()
# 200,000 nodes (a dense adjacency would take 160 GB): training steps of the
# module and loss that the estimator trains, on batches of 32 nodes
n = 200_000
rows = SparseRows(ring(n), "cpu")
torch.manual_seed(0)
module = SDNEModule(n, (8,), 4, "relu")
module.rows = rows
optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
shapes = set()
for step in range(3):
    ids = torch.randint(n, (32,))
    outputs = module(ids)
    shapes |= {tuple(t.shape) for t in outputs if isinstance(t, torch.Tensor)}
    loss = SDNELoss(1.0, 5.0)(outputs)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
out["shapes"] = sorted(shapes)
out["big_mb"] = peak_mb()
print(json.dumps(out))
"""


def test_memory_is_linear_in_nodes():
    """Peak memory of a fit and of training steps on large sparse graphs (one
    subprocess, so that the peak is this test's own)."""
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT], capture_output=True, text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert not out["torch_imported"]
    assert out["embedding"] == [15_000, 4]
    # 256 x 15k batches (about 8 such tensors) and small weights: far below
    # the dense 900 MB
    assert out["fit_mb"] - out["start_mb"] < 250, out
    # the only n-wide tensor is the batch's reconstruction (32 x 200k)
    n = 200_000
    wide = [s for s in map(tuple, out["shapes"]) if len(s) > 1 and s[-1] == n]
    assert wide == [(32, n)], out["shapes"]
    # weights, Adam state and the batch: a few hundred MB, not 160 GB
    assert out["big_mb"] - out["start_mb"] < 400, out


# -- the estimator ---------------------------------------------------------------


def test_sdne_separates_communities():
    A, y = planted_partition(n_blocks=3, size=30, p_in=0.3, p_out=0.05)
    est = SDNEEmbedder(16, hidden_layer_sizes=(32,), max_epochs=40, batch_size=32,
                       lr=0.01, random_state=0)
    emb = est.fit_transform(A)
    assert emb.shape == (90, 16) and emb.dtype == np.float64
    acc = cross_val_score(LogisticRegression(max_iter=1000), emb, y, cv=3).mean()
    assert acc > 0.85  # chance is 1/3
    assert est.n_iter_ == 40 and est.loss_curve_[-1] < 0.5 * est.loss_curve_[0]
    assert list(est.get_feature_names_out()[:2]) == ["sdneembedder0", "sdneembedder1"]


def test_same_seed_same_embedding_and_rng_untouched():
    A, _ = planted_partition()
    torch_before = torch.get_rng_state().clone()
    numpy_before = numpy_global_rng_state()
    a = SDNEEmbedder(4, **FAST).fit_transform(A)
    b = SDNEEmbedder(4, **FAST).fit_transform(A)
    np.testing.assert_array_equal(a, b)
    c = SDNEEmbedder(4, **{**FAST, "random_state": 1}).fit_transform(A)
    assert not np.array_equal(a, c)
    assert torch.equal(torch_before, torch.get_rng_state())
    assert numpy_before == numpy_global_rng_state()


def test_graph_inputs_give_same_embedding():
    nx = pytest.importorskip("networkx")
    A, _ = planted_partition()
    coo = sp.triu(A).tocoo()
    a = SDNEEmbedder(4, **FAST).fit_transform(A)
    b = SDNEEmbedder(4, **FAST).fit_transform(np.c_[coo.row, coo.col])
    c = SDNEEmbedder(4, **FAST).fit_transform(A.toarray())
    d = SDNEEmbedder(4, **FAST).fit_transform(nx.from_scipy_sparse_array(A))
    for other in (b, c, d):
        np.testing.assert_array_equal(a, other)


def test_fixed_graph_pipeline_and_transform():
    A, y = planted_partition()
    nodes = np.arange(40).reshape(-1, 1)
    pipe = make_pipeline(SDNEEmbedder(8, graph=A, **FAST), LogisticRegression())
    pipe.fit(nodes[::2], y[::2])
    emb = pipe[0]
    assert emb.n_features_in_ == 1 and emb.embedding_.shape == (40, 8)
    np.testing.assert_array_equal(emb.transform([[3], [1]]), emb.embedding_[[3, 1]])
    with pytest.raises(ValueError, match="lie in"):
        emb.transform([[40]])
    assert not hasattr(SDNEEmbedder(), "transform")


def test_early_stopping_records_validation_loss():
    A, _ = planted_partition()
    est = SDNEEmbedder(4, **{**FAST, "max_epochs": 30}, early_stopping=True,
                       n_iter_no_change=2, tol=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(A)
    assert len(est.validation_scores_) == est.n_iter_ < 30


def test_pickle_and_skdeep_io_round_trip(tmp_path):
    from skdeep import io

    A, _ = planted_partition()
    est = SDNEEmbedder(4, graph=A, **FAST).fit(np.arange(40))
    clone = pickle.loads(pickle.dumps(est))
    ids = [[1], [2]]
    np.testing.assert_array_equal(clone.transform(ids), est.transform(ids))
    io.save(est, tmp_path / "sdne.skdeep")
    loaded = io.load(tmp_path / "sdne.skdeep")
    np.testing.assert_array_equal(loaded.embedding_, est.embedding_)
    for name, p in est.module_.state_dict().items():
        assert torch.equal(loaded.module_.state_dict()[name], p)
    assert loaded.module_.rows is None and est.module_.rows is None


def test_bad_inputs_raise():
    A, _ = planted_partition()
    with pytest.raises(ValueError, match="Negative values"):
        SDNEEmbedder(4, **FAST).fit(-A)
    with pytest.raises(ValueError, match="must be a graph"):
        SDNEEmbedder(4, **FAST).fit(np.ones((10, 5)))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        SDNEEmbedder(4, **{**FAST, "hidden_layer_sizes": (8, 0)}).fit(A)
    with pytest.raises(ValueError, match="beta"):
        SDNEEmbedder(4, beta=0).fit(A)
    bad = A.copy()
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SDNEEmbedder(4, graph=bad, **FAST).fit(np.arange(40))


def test_the_callers_sparse_graph_is_left_as_it_was():
    # the cast to float32 shared the caller's index arrays, which the
    # in-place sort and clean-up then rewrote: weights landed on other edges,
    # and a second fit on the same object gave another embedding
    nx = pytest.importorskip("networkx")
    A = sp.csr_matrix(nx.to_scipy_sparse_array(nx.karate_club_graph()))
    A[0, 1] = A[1, 0] = 0  # an edge removed: two stored zeros
    order = np.random.RandomState(0).permutation(34)
    B = A[order][:, order]  # unsorted column indices
    for graph in (A, B):
        before = graph.toarray()
        params = dict(hidden_layer_sizes=(4,), max_epochs=1, random_state=0)
        first = SDNEEmbedder(2, **params).fit_transform(graph)
        np.testing.assert_array_equal(graph.toarray(), before)
        np.testing.assert_array_equal(SDNEEmbedder(2, **params).fit_transform(graph),
                                      first)


def test_a_uniform_scale_of_the_edge_weights_changes_nothing():
    # the raw weights entered the loss, which grows with their squares:
    # weights of 1e20 overflowed float32 (an error advising StandardScaler
    # on X), weights of 1e-6 gave a flat embedding
    import networkx as nx

    A = nx.to_scipy_sparse_array(nx.connected_caveman_graph(3, 6), format="csr")
    A = A.astype(float)
    params = dict(dimensions=2, hidden_layer_sizes=(8,), max_epochs=5, random_state=0)
    reference = SDNEEmbedder(**params).fit_transform(A)
    for scale in (1e-6, 1e20):
        np.testing.assert_array_equal(
            SDNEEmbedder(**params).fit_transform(A * scale), reference)
