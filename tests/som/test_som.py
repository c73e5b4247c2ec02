"""Tests of the self-organizing map family."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, make_blobs
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep.som import SOMClusterer
from skdeep.som import _som as som_module
from skdeep.som._grid import (
    grid_distances,
    neighbour_mask,
    neighbour_pairs,
    node_positions,
    quarter_squared_distances,
)
from skdeep.utils.estimator_checks import numpy_global_rng_state

X_BLOBS, Y_BLOBS = make_blobs(n_samples=300, n_features=5, centers=4, random_state=0)
X_BLOBS = StandardScaler().fit_transform(X_BLOBS)


def power_decay(start, end, progress):
    """A user schedule: a module-level function, so the estimator pickles."""
    return start * (end / start) ** (progress**0.5)


class StepDecay:
    """A user schedule as a picklable object."""

    def __init__(self, at=0.5):
        self.at = at

    def __call__(self, start, end, progress):
        return start if progress < self.at else end


def _qe(X, centers):
    d = np.linalg.norm(X[:, None, :] - centers[None], axis=2)
    return d.min(1).mean()


# -- geometry ------------------------------------------------------------------


def test_hexagonal_interior_nodes_have_six_neighbours():
    n_rows, n_cols = 7, 9
    adjacent = neighbour_mask(grid_distances(n_rows, n_cols, "hexagonal", False))
    counts = adjacent.sum(1).reshape(n_rows, n_cols)
    assert (counts[1:-1, 1:-1] == 6).all()
    assert counts.max() == 6
    assert (counts[[0, -1], :] < 6).all() and (counts[:, [0, -1]] < 6).all()
    # the six neighbours are at distance 1, nothing else is closer than sqrt(3)
    d = grid_distances(n_rows, n_cols, "hexagonal", False)
    off = d[~np.eye(len(d), dtype=bool)]
    assert np.isclose(off[off > 1 + 1e-6].min(), np.sqrt(3))


def test_rectangular_interior_nodes_have_four_neighbours():
    counts = neighbour_mask(grid_distances(5, 6, "rectangular", False)).sum(1)
    assert (counts.reshape(5, 6)[1:-1, 1:-1] == 4).all()
    assert counts.min() == 2  # corners


@pytest.mark.parametrize("topology, k", [("rectangular", 4), ("hexagonal", 6)])
def test_toroidal_maps_have_no_edges(topology, k):
    adjacent = neighbour_mask(grid_distances(6, 8, topology, True))
    assert (adjacent.sum(1) == k).all()
    assert (adjacent == adjacent.T).all()


def test_toroidal_distances_wrap():
    d = grid_distances(4, 5, "rectangular", True)
    assert d[0, 4] == 1.0  # (0, 0) and (0, 4) are glued across the columns
    assert d[0, 15] == 1.0  # (0, 0) and (3, 0) across the rows
    assert np.isclose(d[0, 19], np.sqrt(2))  # opposite corners touch diagonally
    assert d.max() <= np.hypot(2, 2.5) + 1e-9
    flat = grid_distances(4, 5, "rectangular", False)
    assert flat[0, 19] == pytest.approx(np.hypot(3, 4))
    assert (d <= flat + 1e-12).all()
    dh = grid_distances(4, 6, "hexagonal", True)
    assert (dh <= grid_distances(4, 6, "hexagonal", False) + 1e-12).all()
    assert np.allclose(dh, dh.T)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("toroidal", [False, True])
@pytest.mark.parametrize("n_rows, n_cols", [(1, 1), (1, 5), (4, 3), (6, 7)])
def test_quarter_squared_distances_are_exact(topology, toroidal, n_rows, n_cols):
    """4 d^2 built from the row and column parts equals the brute force over
    periodic images of the node positions, as exact integers."""
    if topology == "hexagonal" and toroidal and n_rows % 2:
        n_rows += 1
    got = quarter_squared_distances(n_rows, n_cols, topology, toroidal)
    assert got.dtype.kind == "i"
    pos = node_positions(n_rows, n_cols, topology)
    row_step = np.sqrt(3) / 2 if topology == "hexagonal" else 1.0
    period = np.array([n_cols, n_rows * row_step])
    images = (-1, 0, 1) if toroidal else (0,)
    shifts = [(a, b) for a in images for b in images]
    d2 = np.min([(((pos[:, None] - pos[None] + np.array(s) * period) ** 2).sum(-1))
                 for s in shifts], axis=0)
    np.testing.assert_array_equal(got, np.rint(4 * d2).astype(np.int64))
    np.testing.assert_allclose(grid_distances(n_rows, n_cols, topology, toroidal),
                               np.sqrt(d2), atol=1e-12)


def test_row_minimum_matches_torch_including_ties():
    scores = torch.tensor([[3.0, 1.0, 1.0, 2.0], [0.5, 0.5, 0.5, 0.5],
                           [-1.0, 4.0, -2.0, -2.0]])
    values, index = som_module._row_min(scores)
    want = scores.min(1)
    assert torch.equal(values, want.values) and torch.equal(index, want.indices)
    assert index.tolist() == [1, 0, 2]  # the first of equal minima


def test_node_positions_are_row_major():
    pos = node_positions(3, 4, "rectangular")
    assert pos[5].tolist() == [1.0, 1.0]  # node 5 = row 1, column 1
    hex_pos = node_positions(3, 4, "hexagonal")
    assert hex_pos[4, 0] == 0.5 and hex_pos[0, 0] == 0.0  # odd rows shifted


# -- fitting -------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"topology": "hexagonal"},
        {"toroidal": True},
        {"training": "online", "batch_size": 16},
        {"neighborhood": "bubble", "sigma": 2.0},
        {"initialization": "random"},
        {"initialization": "sample", "training": "online"},
    ],
)
def test_learned_prototypes_beat_random_ones(params):
    som = SOMClusterer(5, n_columns=5, random_state=0, **params).fit(X_BLOBS)
    rng = np.random.RandomState(0)
    random_centers = rng.uniform(X_BLOBS.min(0), X_BLOBS.max(0), size=(25, 5))
    sample_centers = X_BLOBS[rng.choice(len(X_BLOBS), 25, replace=False)]
    assert som.quantization_error_ < 0.5 * _qe(X_BLOBS, random_centers)
    assert som.quantization_error_ < 1.1 * _qe(X_BLOBS, sample_centers)
    assert som.quantization_error_ == pytest.approx(
        _qe(X_BLOBS, som.cluster_centers_), rel=1e-5
    )
    assert 0.0 <= som.topographic_error_ <= 1.0
    assert len(som.quantization_error_curve_) == som.n_iter_ == 10


def test_quality_close_to_kmeans_on_blobs_and_iris():
    """General case: the SOM's prototypes are nearly as good as k-means'."""
    som = SOMClusterer(4, n_columns=5, random_state=0, max_epochs=20).fit(X_BLOBS)
    km = KMeans(20, n_init=3, random_state=0).fit(X_BLOBS)
    assert som.quantization_error_ < 1.25 * _qe(X_BLOBS, km.cluster_centers_)
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    som = SOMClusterer(6, n_columns=6, topology="hexagonal", random_state=0).fit(X)
    km = KMeans(36, n_init=3, random_state=0).fit(X)
    assert som.quantization_error_ < 1.5 * _qe(X, km.cluster_centers_)
    # each node mostly holds one species (purity of the majority label)
    purity = sum(np.bincount(y[som.labels_ == k]).max() for k in set(som.labels_))
    assert purity / len(y) > 0.9
    assert som.topographic_error_ < 0.25


def test_same_random_state_gives_identical_maps():
    for params in [
        {"training": "online", "initialization": "random"},
        {"initialization": "sample"},
        {"topology": "hexagonal", "toroidal": True, "training": "online"},
    ]:
        a = SOMClusterer(4, n_columns=4, random_state=3, **params).fit(X_BLOBS)
        b = SOMClusterer(4, n_columns=4, random_state=3, **params).fit(X_BLOBS)
        c = SOMClusterer(4, n_columns=4, random_state=4, **params).fit(X_BLOBS)
        np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
        np.testing.assert_array_equal(a.labels_, b.labels_)
        assert not np.array_equal(a.cluster_centers_, c.cluster_centers_)


def test_batch_pca_training_needs_no_randomness():
    a = SOMClusterer(4, n_columns=3, training="batch", random_state=0).fit(X_BLOBS)
    b = SOMClusterer(4, n_columns=3, training="batch", random_state=1).fit(X_BLOBS)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)


def test_fit_leaves_global_rngs_alone():
    torch_state = torch.get_rng_state().clone()
    np_state = numpy_global_rng_state()
    SOMClusterer(3, n_columns=3, training="online", initialization="random",
                 random_state=0).fit(X_BLOBS)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np_state == numpy_global_rng_state()


def test_predict_transform_and_scores_agree():
    som = SOMClusterer(3, n_columns=4, random_state=0).fit(X_BLOBS)
    labels = som.predict(X_BLOBS)
    np.testing.assert_array_equal(labels, som.labels_)
    np.testing.assert_array_equal(som.fit_predict(X_BLOBS), labels)
    D = som.transform(X_BLOBS)
    assert D.shape == (300, 12) and D.dtype == np.float64
    np.testing.assert_array_equal(D.argmin(1), labels)
    np.testing.assert_allclose(som.score_samples(X_BLOBS), -D.min(1), atol=1e-9)
    assert som.score(X_BLOBS) == pytest.approx(-som.quantization_error_, rel=1e-5)
    # score_samples flags far-away points as the least typical
    outliers = np.full((3, 5), 8.0)
    assert som.score_samples(outliers).max() < som.score_samples(X_BLOBS).min()
    coords = som.bmu_coordinates(X_BLOBS)
    np.testing.assert_array_equal(coords[:, 0] * 4 + coords[:, 1], labels)
    hits = som.hit_map(X_BLOBS)
    assert hits.shape == (3, 4) and hits.sum() == 300
    np.testing.assert_array_equal(hits.ravel(), np.bincount(labels, minlength=12))
    grid = som.cluster_centers_grid_
    assert grid.shape == (3, 4, 5)
    np.testing.assert_array_equal(grid[1, 2], som.cluster_centers_[6])
    u = som.u_matrix()
    assert u.shape == (3, 4) and (u > 0).all()
    assert list(som.get_feature_names_out()[:2]) == ["somclusterer0", "somclusterer1"]


def test_u_matrix_is_mean_neighbour_distance():
    som = SOMClusterer(3, n_columns=3, random_state=0).fit(X_BLOBS)
    W = som.cluster_centers_
    centre = np.mean([np.linalg.norm(W[4] - W[k]) for k in (1, 3, 5, 7)])
    corner = np.mean([np.linalg.norm(W[0] - W[k]) for k in (1, 3)])
    assert som.u_matrix()[1, 1] == pytest.approx(centre)
    assert som.u_matrix()[0, 0] == pytest.approx(corner)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("toroidal", [False, True])
def test_neighbour_pairs_are_the_nodes_at_distance_one(topology, toroidal):
    for n_rows, n_columns in ((1, 1), (1, 4), (2, 2), (2, 3), (4, 6), (6, 5)):
        if topology == "hexagonal" and toroidal and n_rows % 2:
            continue
        adjacent = neighbour_mask(
            grid_distances(n_rows, n_columns, topology, toroidal))
        pairs = neighbour_pairs(n_rows, n_columns, topology, toroidal)
        for got, expected in zip(pairs, np.nonzero(adjacent)):
            np.testing.assert_array_equal(got, expected)


def test_u_matrix_of_a_large_map_needs_no_node_pair_table():
    # u_matrix built the (n_nodes, n_nodes) distance table and looped over
    # the nodes in Python: 150 MB and 0.2 s on a 50 x 50 map
    import tracemalloc

    rng = np.random.RandomState(0)
    som = SOMClusterer(40, n_columns=40, max_epochs=1, random_state=0)
    som.fit(rng.randn(200, 3))
    tracemalloc.start()
    try:
        u = som.u_matrix()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4e6, peak
    W = som.cluster_centers_
    assert u[0, 0] == np.mean([np.linalg.norm(W[0] - W[k]) for k in (1, 40)])
    assert u[5, 7] == np.mean([np.linalg.norm(W[207] - W[k])
                               for k in (167, 206, 208, 247)])


def test_float32_in_float32_out():
    X32 = X_BLOBS.astype(np.float32)
    som = SOMClusterer(3, n_columns=3, random_state=0).fit(X32)
    assert som.cluster_centers_.dtype == np.float32
    assert som.transform(X32).dtype == np.float32
    assert som.score_samples(X32).dtype == np.float32
    assert som.predict(X32).dtype == np.int64


def test_blocked_distances_match_one_block(monkeypatch):
    som = SOMClusterer(4, n_columns=4, random_state=0).fit(X_BLOBS)
    D = som.transform(X_BLOBS)
    monkeypatch.setattr(som_module, "_BLOCK_ELEMENTS", 16 * 7)  # 7 rows per block
    np.testing.assert_allclose(som.transform(X_BLOBS), D, rtol=1e-12, atol=1e-12)
    small = SOMClusterer(4, n_columns=4, random_state=0).fit(X_BLOBS)
    np.testing.assert_allclose(small.cluster_centers_, som.cluster_centers_, atol=1e-5)
    online = dict(training="online", random_state=0)
    a = SOMClusterer(4, n_columns=4, **online).fit(X_BLOBS)
    monkeypatch.setattr(som_module, "_BLOCK_ELEMENTS", 1 << 22)
    b = SOMClusterer(4, n_columns=4, **online).fit(X_BLOBS)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, atol=1e-5)


def test_one_hot_sums_match_index_add(monkeypatch):
    """The CUDA code path (one-hot products for per-node sums), run on the CPU."""
    a = SOMClusterer(5, n_columns=4, random_state=0).fit(X_BLOBS)
    monkeypatch.setattr(som_module, "_INDEX_ADD_DEVICES", set())
    b = SOMClusterer(5, n_columns=4, random_state=0).fit(X_BLOBS)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, atol=1e-5)


@pytest.mark.parametrize("neighborhood", ["gaussian", "mexican_hat"])
def test_online_grouped_by_bmu_matches_per_sample(monkeypatch, neighborhood):
    params = dict(training="online", batch_size=64, neighborhood=neighborhood,
                  random_state=0, max_epochs=3)
    monkeypatch.setattr(som_module, "_GROUP_BY_BMU_RATIO", 1e9)  # never group
    a = SOMClusterer(3, n_columns=4, **params).fit(X_BLOBS)
    monkeypatch.setattr(som_module, "_GROUP_BY_BMU_RATIO", 0.0)  # always group
    b = SOMClusterer(3, n_columns=4, **params).fit(X_BLOBS)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, atol=1e-4)


def test_online_batch_size_one_is_the_classic_rule():
    """With one sample per step, a node moves by lr * h * (x - w)."""
    som = SOMClusterer(2, n_columns=2, training="online", batch_size=1,
                       max_epochs=1, random_state=0)
    X = X_BLOBS[:2]
    som.fit(X)  # smoke: runs, finite
    assert np.isfinite(som.cluster_centers_).all()
    W = torch.zeros(4, 2)
    d2 = torch.tensor([[0.0, 1, 1, 2], [1, 0, 2, 1], [1, 2, 0, 1], [2, 1, 1, 0]])
    sched = som_module._Schedules(
        som_module.DECAY_SCHEDULES["constant"], 1.0, 1.0,
        som_module.DECAY_SCHEDULES["constant"], 0.5, 0.5,
    )
    x = torch.tensor([[1.0, 2.0]])
    from skdeep.som._grid import gaussian

    W_new, _ = som_module._online_epoch(
        x, W, d2, gaussian, sched, 0, 1, batch_size=1,
        generator=torch.Generator().manual_seed(0),
    )
    h = torch.exp(-d2[:, 0] / 2.0)
    np.testing.assert_allclose(W_new.numpy(), (0.5 * h[:, None] * x).numpy(), rtol=1e-5)


def test_map_size_auto():
    som = SOMClusterer(map_size="auto", random_state=0).fit(X_BLOBS)
    n_nodes = som.n_rows_ * som.n_columns_
    assert abs(n_nodes - 5 * np.sqrt(300)) <= max(som.n_rows_, som.n_columns_)
    assert som.cluster_centers_.shape == (n_nodes, 5)
    X = np.column_stack([np.linspace(0, 10, 400), np.random.RandomState(0).rand(400)])
    elongated = SOMClusterer(map_size="auto").fit(X)
    assert elongated.n_columns_ > 2 * elongated.n_rows_  # long side along PC1
    hexa = SOMClusterer(map_size="auto", topology="hexagonal", toroidal=True).fit(X)
    assert hexa.n_rows_ % 2 == 0
    # hexagonal rows are sqrt(3)/2 apart: round data gets a map about as high
    # as wide (the correction went the other way: width / height 1.48)
    round_data = np.random.RandomState(0).randn(400, 2)
    hexa = SOMClusterer(map_size="auto", topology="hexagonal", max_epochs=1,
                        random_state=0).fit(round_data)
    aspect = hexa.n_columns_ / (hexa.n_rows_ * np.sqrt(0.75))
    assert 0.85 < aspect < 1.2 and hexa.n_rows_ > hexa.n_columns_


def test_sigma_default_and_schedules():
    som = SOMClusterer(8, n_columns=12).fit(X_BLOBS)
    assert som.sigma_ == 1.5  # an eighth of the longer side
    assert SOMClusterer(4, n_columns=4).fit(X_BLOBS).sigma_ == 1.0  # at least 1
    for decay in ["linear", "exponential", "inverse", "asymptotic", "constant",
                  power_decay, StepDecay(0.3)]:
        fitted = SOMClusterer(4, n_columns=4, sigma_decay=decay,
                              learning_rate_decay=decay, training="online",
                              random_state=0).fit(X_BLOBS)
        assert np.isfinite(fitted.cluster_centers_).all()
    est = SOMClusterer(3, n_columns=3, sigma_decay=StepDecay(), random_state=0)
    est.fit(X_BLOBS)
    clone_ = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone_.predict(X_BLOBS), est.predict(X_BLOBS))
    assert isinstance(clone(est).sigma_decay, StepDecay)


def test_default_schedule_beats_the_old_batch_defaults_in_few_epochs():
    """The default (16 online updates per epoch, short radius ending at 0.3)
    reaches in 1-3 epochs a quantization error that the earlier defaults
    (batch map, radius from a quarter of the map to 0.5) did not reach in 10.
    """
    X, _ = make_blobs(n_samples=2000, n_features=6, centers=8, random_state=1)
    X = StandardScaler().fit_transform(X)
    old = dict(training="batch", sigma=2.0, sigma_final=0.5, sigma_decay="linear")
    old_10 = SOMClusterer(8, n_columns=8, max_epochs=10, **old).fit(X)
    old_1 = SOMClusterer(8, n_columns=8, max_epochs=1, **old).fit(X)
    for epochs in (1, 3):
        new = SOMClusterer(8, n_columns=8, max_epochs=epochs, random_state=0).fit(X)
        # one batch update from the PCA plane is far from converged
        assert new.quantization_error_ < 0.5 * old_1.quantization_error_
        assert new.quantization_error_ < 0.97 * old_10.quantization_error_
        # still a map: most samples' two best units are neighbours
        assert new.topographic_error_ < 0.5


def test_auto_batch_size_gives_16_updates_per_epoch(monkeypatch):
    sizes = []
    shuffled = som_module._shuffled_batches

    def spy(X, batch_size, generator, **kwargs):
        for Xb in shuffled(X, batch_size, generator, **kwargs):
            sizes.append(len(Xb))
            yield Xb

    monkeypatch.setattr(som_module, "_shuffled_batches", spy)
    SOMClusterer(3, n_columns=3, max_epochs=2, random_state=0).fit(X_BLOBS)
    assert len(sizes) == 2 * 16 and sum(sizes) == 2 * len(X_BLOBS)
    assert max(sizes) == 19  # ceil(300 / 16)
    sizes.clear()
    SOMClusterer(3, n_columns=3, max_epochs=1, batch_size=100,
                 random_state=0).fit(X_BLOBS)
    assert sizes == [100, 100, 100]


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("toroidal", [False, True])
@pytest.mark.parametrize("neighborhood", ["gaussian", "bubble", "mexican_hat"])
def test_kernel_lookup_matches_the_dense_kernel(topology, toroidal, neighborhood):
    """Online steps gather the kernel from its values at the few distinct grid
    distances; the result equals the kernel computed on every pair."""
    from skdeep.som._grid import NEIGHBORHOODS

    d2 = torch.as_tensor(grid_distances(6, 7, topology, toroidal) ** 2,
                         dtype=torch.float32)
    codes = som_module._distance_codes(d2)
    assert codes is not None and codes[1].numel() < d2.numel()
    kernel = NEIGHBORHOODS[neighborhood]
    bmu = torch.tensor([0, 5, 17, 41, 41])
    for sigma, lr in [(2.5, 0.5), (0.3, 0.05), (1.0, 1.0)]:
        for cols, sub in [(slice(None), codes[0]), (bmu, codes[0][:, bmu])]:
            got = som_module._step_matrices(None, (sub, codes[1]), kernel, sigma, lr)
            want = som_module._step_matrices(d2[:, cols], None, kernel, sigma, lr)
            for g, w in zip(got, want):
                torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-6)
    # a hand-made distance matrix is not a lattice: the dense road
    assert som_module._distance_codes(torch.tensor([[0.0, 0.3], [0.3, 0.0]])) is None


@pytest.mark.parametrize("neighborhood", ["gaussian", "mexican_hat"])
def test_online_kernel_tables_match_the_dense_road(monkeypatch, neighborhood):
    """Each epoch's steps come from one table over its batches' radii and
    rates; a map trained through the dense kernel is the same."""
    params = dict(topology="hexagonal", neighborhood=neighborhood, max_epochs=3,
                  learning_rate=1.0, random_state=0)
    fast = SOMClusterer(4, n_columns=5, **params).fit(X_BLOBS)
    # no distance codes anywhere: every batch computes its kernel densely
    real_geometry, real_steps = som_module._map_geometry, som_module._step_matrices
    dense_calls = []

    def geometry_without_codes(*args):
        return real_geometry(*args)[0], None

    def spy_steps(d2, codes, *args):
        dense_calls.append(codes is None)
        return real_steps(d2, codes, *args)

    monkeypatch.setattr(som_module, "_map_geometry", geometry_without_codes)
    monkeypatch.setattr(som_module, "_distance_codes", lambda grid_d2: None)
    monkeypatch.setattr(som_module, "_step_matrices", spy_steps)
    dense = SOMClusterer(4, n_columns=5, **params).fit(X_BLOBS)
    assert dense_calls and all(dense_calls)
    np.testing.assert_allclose(fast.cluster_centers_, dense.cluster_centers_,
                               atol=1e-4)


def test_smaller_final_radius_lowers_quantization_error():
    wide = SOMClusterer(5, n_columns=5, sigma_final=2.0).fit(X_BLOBS)
    narrow = SOMClusterer(5, n_columns=5, sigma_final=0.5).fit(X_BLOBS)
    assert narrow.quantization_error_ < wide.quantization_error_
    assert wide.topographic_error_ <= narrow.topographic_error_


@pytest.mark.parametrize("training", ["batch", "online"])
@pytest.mark.parametrize("sigma_final", [0.5, 1.5])
def test_mexican_hat_stays_bounded(training, sigma_final):
    som = SOMClusterer(5, n_columns=5, neighborhood="mexican_hat",
                       sigma_final=sigma_final, training=training,
                       random_state=0).fit(X_BLOBS)
    W = som.cluster_centers_
    assert np.isfinite(W).all()
    assert (W >= X_BLOBS.min(0) - 1e-6).all() and (W <= X_BLOBS.max(0) + 1e-6).all()
    assert som.quantization_error_ < 2 * X_BLOBS.std(0).sum()


def test_pickle_and_skdeep_io_roundtrip(tmp_path):
    from skdeep import io

    som = SOMClusterer(3, n_columns=4, topology="hexagonal", random_state=0)
    som.fit(X_BLOBS)
    loaded = pickle.loads(pickle.dumps(som))
    np.testing.assert_array_equal(loaded.transform(X_BLOBS), som.transform(X_BLOBS))
    io.save(som, tmp_path / "som.skdeep")
    restored = io.load(tmp_path / "som.skdeep")
    np.testing.assert_array_equal(restored.u_matrix(), som.u_matrix())
    np.testing.assert_array_equal(restored.predict(X_BLOBS), som.predict(X_BLOBS))


def test_grid_search_uses_negative_quantization_error():
    pipe = make_pipeline(StandardScaler(), SOMClusterer(random_state=0, max_epochs=3))
    search = GridSearchCV(pipe, {"somclusterer__n_rows": [2, 6]}, cv=3)
    search.fit(X_BLOBS)
    assert search.best_params_ == {"somclusterer__n_rows": 6}  # more nodes, lower QE
    assert search.best_score_ < 0


def test_verbose_shows_a_progress_bar(capsys):
    SOMClusterer(3, n_columns=3, max_epochs=2, verbose=1).fit(X_BLOBS)
    err = capsys.readouterr().err
    assert "SOM" in err and "2/2" in err
    SOMClusterer(3, n_columns=3, max_epochs=2).fit(X_BLOBS)
    assert capsys.readouterr().err == ""


def test_one_feature_and_one_node():
    som = SOMClusterer(1, n_columns=4, random_state=0).fit(X_BLOBS[:, :1])
    assert np.all(np.diff(som.cluster_centers_[:, 0]) > 0)  # an ordered 1-D map
    single = SOMClusterer(1, n_columns=1, training="batch").fit(X_BLOBS)
    np.testing.assert_allclose(single.cluster_centers_[0], X_BLOBS.mean(0), atol=1e-5)
    assert np.isnan(single.topographic_error_)
    # online: a running mean of the shuffled batches, near the mean
    single = SOMClusterer(1, n_columns=1, random_state=0).fit(X_BLOBS)
    np.testing.assert_allclose(single.cluster_centers_[0], X_BLOBS.mean(0), atol=0.2)


# -- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_rows": 0}, "n_rows"),
        ({"topology": "triangular"}, "topology"),
        ({"neighborhood": "cosine"}, "neighborhood"),
        ({"training": "sgd"}, "training"),
        ({"learning_rate": 1.5}, "learning_rate"),
        ({"sigma": -1.0}, "sigma"),
        ({"sigma_decay": "cubic"}, "sigma_decay"),
        ({"sigma_decay": lambda s, e, p: s}, "picklable"),
        ({"initialization": "kmeans"}, "initialization"),
        ({"device": "tpu"}, "device"),
        ({"topology": "hexagonal", "toroidal": True, "n_rows": 5}, "even number"),
        ({"map_size": "large"}, "map_size"),
    ],
)
def test_bad_parameters_raise(params, match):
    with pytest.raises(ValueError, match=match):
        SOMClusterer(**params).fit(X_BLOBS)


def test_nested_function_schedule_refused():
    def local_decay(start, end, progress):
        return start

    with pytest.raises(ValueError, match="picklable"):
        SOMClusterer(learning_rate_decay=local_decay).fit(X_BLOBS)


def test_schedule_returning_garbage_raises():
    with pytest.raises(ValueError, match="non-negative"):
        SOMClusterer(3, n_columns=3, sigma_decay=negative_decay).fit(X_BLOBS)


def negative_decay(start, end, progress):
    return -1.0


def test_bad_input_raises():
    som = SOMClusterer(3, n_columns=3)
    with pytest.raises(ValueError, match="1 sample"):
        som.fit(X_BLOBS[:1])
    bad = X_BLOBS.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        som.fit(bad)
    som.fit(X_BLOBS)
    with pytest.raises(ValueError, match="features"):
        som.predict(X_BLOBS[:, :3])
    with pytest.raises(ValueError, match="features"):
        som.transform(X_BLOBS[:, :3])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SOMClusterer().predict(X_BLOBS)
    with pytest.raises(NotFittedError):
        SOMClusterer().u_matrix()


# -- pictures --------------------------------------------------------------------


def test_a_plot_refused_leaves_no_figure_open():
    # the figure was made before the colormap was read: each failed call
    # left one open
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skdeep.som import plot_component_planes, plot_map

    som = SOMClusterer(n_rows=3, n_columns=3, max_epochs=1, random_state=0)
    som.fit(X_BLOBS)
    before = plt.get_fignums()
    for plot, args in ((plot_map, (som.hit_map(X_BLOBS),)),
                       (plot_component_planes, ())):
        with pytest.raises(ValueError, match="no_such_cmap"):
            plot(som, *args, cmap="no_such_cmap")
    assert plt.get_fignums() == before


def test_plots_draw_the_right_cells():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skdeep.som import (
        plot_component_planes,
        plot_hit_map,
        plot_map,
        plot_u_matrix,
    )

    for topology, n_vertices in [("rectangular", 4), ("hexagonal", 6)]:
        som = SOMClusterer(4, n_columns=5, topology=topology, random_state=0)
        som.fit(X_BLOBS)
        ax = plot_u_matrix(som)
        (cells,) = ax.collections
        assert len(cells.get_paths()) == 20
        assert len(cells.get_paths()[0].vertices) >= n_vertices
        np.testing.assert_allclose(cells.get_array(), som.u_matrix().ravel())
        ax = plot_hit_map(som, X_BLOBS, annotate=True)
        assert len(ax.texts) == 20
        fig = plot_component_planes(som, feature_names=list("abcde"), n_cols=3)
        assert [a.get_title() for a in fig.axes if a.get_visible()][:5] == list("abcde")
        # names of a subset's panels, or all names indexed by the features
        for names in (["A", "C"], list("ABCDE")):
            fig = plot_component_planes(som, features=[0, 2], feature_names=names)
            assert [a.get_title() for a in fig.axes[:2]] == ["A", "C"]
        for kwargs, match in [({"features": []}, "features is empty"),
                              ({"features": [7]}, "indices of the map's 5"),
                              ({"feature_names": ["a"]}, "name all 5 features"),
                              ({"features": [True]}, "indices of the map's 5"),
                              ({"n_cols": 0}, "n_cols must be a positive"),
                              ({"n_cols": 1.5}, "n_cols must be a positive")]:
            with pytest.raises(ValueError, match=match):
                plot_component_planes(som, **kwargs)
        with pytest.raises(ValueError, match="one value per node"):
            plot_map(som, np.zeros(3))
        # a transposed layout was flattened and drawn scrambled
        with pytest.raises(ValueError, match=r"must be of shape \(4, 5\)"):
            plot_map(som, som.u_matrix().T)
        np.testing.assert_array_equal(
            plot_map(som, som.u_matrix()).collections[0].get_array(),
            som.u_matrix().ravel())
        # a feature drawn twice keeps each panel's title (the last was used)
        fig = plot_component_planes(som, features=[0, 0], feature_names=["p", "q"])
        assert [a.get_title() for a in fig.axes[:2]] == ["p", "q"]
        plt.close("all")
    # a 150 x 1 map drew a 750-inch tall figure
    tall = SOMClusterer(150, n_columns=1, max_epochs=1, random_state=0).fit(X_BLOBS)
    assert max(plot_u_matrix(tall).figure.get_size_inches()) <= 10
    plt.close("all")


def test_partial_fit_reads_a_sigma_set_since():
    # sigma_ was resolved on the first call only: a sigma set between calls
    # was ignored while sigma_final and the learning rates took effect
    som = SOMClusterer(4, n_columns=4, sigma=1.0, max_epochs=4, random_state=0)
    som.partial_fit(X_BLOBS)
    other = pickle.loads(pickle.dumps(som))
    som.set_params(sigma=3.0).partial_fit(X_BLOBS)
    other.partial_fit(X_BLOBS)
    assert som.sigma_ == 3.0 and other.sigma_ == 1.0
    assert not np.allclose(som.cluster_centers_, other.cluster_centers_)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu():
    cpu = SOMClusterer(6, n_columns=6, random_state=0).fit(X_BLOBS)
    gpu = SOMClusterer(6, n_columns=6, random_state=0, device="cuda").fit(X_BLOBS)
    np.testing.assert_allclose(gpu.cluster_centers_, cpu.cluster_centers_, atol=1e-4)
    gpu2 = SOMClusterer(6, n_columns=6, random_state=0, device="cuda").fit(X_BLOBS)
    np.testing.assert_array_equal(gpu.cluster_centers_, gpu2.cluster_centers_)
    loaded = pickle.loads(pickle.dumps(gpu))
    assert loaded.predict(X_BLOBS).shape == (300,)


@pytest.mark.parametrize("start_rows", [None, 100])
def test_wide_pca_start_by_krylov_iteration_equals_sklearn_pca(monkeypatch, start_rows):
    """On more than _PCA_ITERATIVE_FEATURES features the two leading components
    come from block Krylov iteration on the data (no d x d covariance); they
    equal scikit-learn's PCA up to sign, and so does the fallback (the full
    covariance) where the spectrum is too flat for the iteration to converge.
    With ``start_rows``, the iteration on all rows starts from the leading
    directions of an evenly spaced sample (used on many rows): same result."""
    from sklearn.decomposition import PCA

    if start_rows is not None:
        monkeypatch.setattr(som_module, "_PCA_START_ROWS", start_rows)
        sampled = []
        iterate_from = som_module._block_krylov

        def spy_start(X, *args):
            sampled.append(len(X))
            return iterate_from(X, *args)

        monkeypatch.setattr(som_module, "_block_krylov", spy_start)
    rng = np.random.RandomState(0)
    d = som_module._PCA_ITERATIVE_FEATURES + 44
    low_rank = rng.randn(400, 4) @ (rng.randn(4, d) * [[4.0], [2.0], [1.0], [0.5]])
    flat = rng.randn(400, d)  # no gap after the second variance
    calls = []
    iterate = som_module._leading_components

    def spy(*args):
        found = iterate(*args)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(som_module, "_leading_components", spy)
    for X, iterative in [(low_rank + 3.0 + 0.05 * rng.randn(400, d), True),
                         (flat, False)]:
        X = X.astype(np.float32)
        mean, variances, components = som_module._pca_moments(torch.from_numpy(X))
        assert calls.pop() is iterative
        pca = PCA(2, svd_solver="full").fit(X.astype(np.float64))
        np.testing.assert_allclose(mean, X.astype(np.float64).mean(0), atol=1e-6)
        np.testing.assert_allclose(variances[:2], pca.explained_variance_, rtol=1e-5)
        signs = np.sign((components[:2] * pca.components_).sum(1))
        np.testing.assert_allclose(components[:2], signs[:, None] * pca.components_,
                                   atol=1e-4 if not iterative else 1e-5)
    # the whole fit on wide data: a finite map started from the PCA plane
    som = SOMClusterer(3, n_columns=4, max_epochs=1, random_state=0)
    som.fit(low_rank.astype(np.float32))
    assert calls == [True] and np.isfinite(som.cluster_centers_).all()
    if start_rows is not None:  # every run: the 100-row sample, then all rows
        assert sampled[:2] == [100, 400] and sampled[-2:] == [100, 400]


def test_pca_start_of_fewer_rows_than_features_never_forms_the_covariance(
        monkeypatch):
    """Where the iteration stops early on data of fewer rows than features
    (a flat spectrum), the moments come from the rows' n x n Gram matrix:
    the d x d covariance and its eigh took 30 s at 60 rows of 4,000
    features (and would take 3 GB at 20,000)."""
    from sklearn.decomposition import PCA

    formed = []
    monkeypatch.setattr(som_module, "_covariance",
                        lambda *args: formed.append(args) or None)
    monkeypatch.setattr(som_module, "_leading_components", lambda *args: None)
    rng = np.random.RandomState(0)
    X = (rng.randn(40, 3000) * np.linspace(1, 3, 3000)).astype(np.float32)
    mean, variances, components = som_module._pca_moments(torch.from_numpy(X))
    pca = PCA(2, svd_solver="full").fit(X.astype(np.float64))
    np.testing.assert_allclose(variances[:2], pca.explained_variance_, rtol=1e-5)
    signs = np.sign((components[:2] * pca.components_).sum(1))
    np.testing.assert_allclose(components[:2], signs[:, None] * pca.components_,
                               atol=1e-5)
    som = SOMClusterer(2, n_columns=2, max_epochs=1, random_state=0).fit(X)
    assert not formed and np.isfinite(som.cluster_centers_).all()
    # two rows: one direction, then a unit vector of no variance
    _, variances, components = som_module._pca_moments(torch.from_numpy(X[:2]))
    assert variances[1] < 1e-6 * variances[0]
    np.testing.assert_allclose(np.linalg.norm(components, axis=1), 1.0)


@pytest.mark.parametrize("offset, scale", [(0.0, 1.0), (1e3, 1.0), (0.0, 1e19)])
def test_narrow_pca_start_from_float32_blocks_equals_sklearn_pca(
    monkeypatch, offset, scale
):
    """Up to _PCA_ITERATIVE_FEATURES features, the covariance comes from
    float32 products of row blocks added in float64 (here 5 blocks): the
    moments equal scikit-learn's PCA to float32 rounding, also for data far
    from the origin (centred before the products), and for data whose
    squares pass float32's range (then from float64 products)."""
    from sklearn.decomposition import PCA

    monkeypatch.setattr(som_module, "_PCA_BLOCK_ROWS", 1000)
    rng = np.random.RandomState(0)
    X = (rng.randn(4500, 12) @ rng.randn(12, 12) + offset) * scale
    X = X.astype(np.float32)
    mean, variances, components = som_module._pca_moments(torch.from_numpy(X))
    pca = PCA(2, svd_solver="full").fit(X.astype(np.float64))
    np.testing.assert_allclose(mean, X.astype(np.float64).mean(0), rtol=1e-6,
                               atol=1e-6 * scale)
    np.testing.assert_allclose(variances[:2], pca.explained_variance_, rtol=1e-5)
    signs = np.sign((components[:2] * pca.components_).sum(1))
    np.testing.assert_allclose(components[:2], signs[:, None] * pca.components_,
                               atol=1e-5)


@pytest.mark.parametrize("topology, toroidal", [("rectangular", False),
                                                ("hexagonal", True)])
def test_topographic_error_is_the_second_bmu_definition(topology, toroidal):
    """The fit finds "second BMU adjacent" without indexing the second BMU;
    the share equals the definition computed by brute force."""
    som = SOMClusterer(4, n_columns=6, topology=topology, toroidal=toroidal,
                       max_epochs=2, random_state=0).fit(X_BLOBS)
    d = np.linalg.norm(X_BLOBS[:, None, :] - som.cluster_centers_[None], axis=2)
    first, second = np.argsort(d, axis=1, kind="stable")[:, :2].T
    adjacent = neighbour_mask(grid_distances(4, 6, topology, toroidal))
    np.testing.assert_array_equal(som.labels_, first)
    assert som.topographic_error_ == pytest.approx(1.0 - adjacent[first, second].mean())


def test_cache_sized_batch_blocks_learn_the_same_map(monkeypatch):
    """Online epochs gather their shuffled batches in cache-sized blocks
    (one batch per block on wide data, into one reused buffer with the ones
    column) and, on large data, take the rows' norms batch by batch: with a
    cache small enough to force both on small data, the map and the
    quantization-error curve are those of one block and one norm pass."""
    X = make_blobs(n_samples=2000, n_features=6, centers=5, random_state=1)[0]
    X = StandardScaler().fit_transform(X).astype(np.float32)
    params = dict(n_rows=4, n_columns=4, max_epochs=2, random_state=0)
    reference = SOMClusterer(**params).fit(X)
    blocks = []
    gather = som_module._shuffled_batches

    def spy(*args, **kwargs):
        for batch in gather(*args, **kwargs):
            blocks.append(batch.data_ptr())
            yield batch

    monkeypatch.setattr(som_module, "_shuffled_batches", spy)
    monkeypatch.setattr(som_module, "_CACHE_BLOCK_ELEMENTS", 600)
    som = SOMClusterer(**params).fit(X)
    # 16 batches per epoch, each gathered into the epoch's one buffer
    assert len(blocks) == 32
    assert len(set(blocks[:16])) == 1 and len(set(blocks[16:])) == 1
    np.testing.assert_allclose(som.cluster_centers_, reference.cluster_centers_,
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(som.quantization_error_curve_,
                               reference.quantization_error_curve_, rtol=1e-6)
    np.testing.assert_array_equal(som.labels_, reference.labels_)


def test_training_labels_are_computed_when_first_read(monkeypatch, tmp_path):
    """Small fits defer the final labelling until labels_ or an error is read
    (or the map is pickled or saved); the rows are the training rows as they
    were, even if the caller's float32 array changes after fit."""
    from skdeep import io

    X = X_BLOBS.astype(np.float32)
    params = dict(n_rows=4, n_columns=4, max_epochs=2, random_state=0)
    som = SOMClusterer(**params).fit(X)
    assert "labels_" not in vars(som) and "_unlabelled" in vars(som)
    X_fit = X.copy()
    X[:] = 0.0
    np.testing.assert_array_equal(som.labels_, som.predict(X_fit))
    assert som.quantization_error_ == pytest.approx(-som.score(X_fit), rel=1e-6)
    assert 0.0 <= som.topographic_error_ <= 1.0
    assert "_unlabelled" not in vars(som)
    for copy in (pickle.loads(pickle.dumps(SOMClusterer(**params).fit(X_fit))),):
        assert "_unlabelled" not in vars(copy)
        np.testing.assert_array_equal(copy.labels_, som.labels_)
    unread = SOMClusterer(**params).fit(X_fit)
    io.save(unread, tmp_path / "som.skdeep")
    loaded = io.load(tmp_path / "som.skdeep")
    np.testing.assert_array_equal(loaded.labels_, som.labels_)
    assert loaded.quantization_error_ == som.quantization_error_
    # large inputs are labelled inside fit, with the same result
    monkeypatch.setattr(som_module, "_DEFERRED_LABELS_ELEMENTS", 10)
    eager = SOMClusterer(**params).fit(X_fit)
    assert "labels_" in vars(eager) and "_unlabelled" not in vars(eager)
    np.testing.assert_array_equal(eager.labels_, som.labels_)
    assert eager.topographic_error_ == som.topographic_error_
    with pytest.raises(AttributeError, match="no attribute 'labels_'"):
        SOMClusterer().labels_


def test_deferred_training_labels_ignore_edits_of_the_centers():
    # float32 data about the origin: cluster_centers_ was the memory of the
    # map kept for the deferred labels, and scaling it changed labels_ and
    # the errors read afterwards (QE 0.842 -> 0.991)
    X = np.random.RandomState(0).randn(60, 3).astype(np.float32)
    params = dict(n_rows=3, n_columns=3, max_epochs=2, random_state=0)
    reference = SOMClusterer(**params).fit(X)
    som = SOMClusterer(**params).fit(X)
    som.cluster_centers_ *= -1.0
    np.testing.assert_array_equal(som.labels_, reference.labels_)
    assert som.quantization_error_ == reference.quantization_error_
    assert som.topographic_error_ == reference.topographic_error_


def test_training_labels_read_by_two_threads_at_once(monkeypatch):
    """A thread reading labels_ while another computes them waits for them
    (it used to find no labels and raise AttributeError)."""
    import threading
    import time

    som = SOMClusterer(4, n_columns=4, max_epochs=2, random_state=0).fit(X_BLOBS)
    expected = som.predict(X_BLOBS)
    inside, bmus = threading.Event(), som_module._bmus

    def slow_bmus(*args):
        inside.set()
        time.sleep(0.2)  # the second thread reads labels_ meanwhile
        return bmus(*args)

    monkeypatch.setattr(som_module, "_bmus", slow_bmus)
    results = {}

    def read(key):
        try:
            results[key] = som.labels_
        except AttributeError as exc:
            results[key] = exc

    first = threading.Thread(target=read, args=("first",))
    first.start()
    assert inside.wait(10)
    read("second")
    first.join(20)
    for key in ("first", "second"):
        np.testing.assert_array_equal(results[key], expected)


def test_fast_input_check_matches_the_full_check():
    """Plain float arrays skip sklearn's check_array; the map, the feature
    bookkeeping and the errors are those of the full check."""
    pd = pytest.importorskip("pandas")
    params = dict(n_rows=3, n_columns=3, max_epochs=1, random_state=0)
    ref = SOMClusterer(**params).fit(X_BLOBS.tolist())  # the full road
    for X in (X_BLOBS, np.asfortranarray(X_BLOBS), X_BLOBS.astype(np.float32)):
        som = SOMClusterer(**params).fit(X)
        np.testing.assert_allclose(som.cluster_centers_, ref.cluster_centers_,
                                   rtol=1e-6, atol=1e-6)
        assert som.cluster_centers_.dtype == X.dtype and som.n_features_in_ == 5
    frame = pd.DataFrame(X_BLOBS, columns=list("abcde"))
    som = SOMClusterer(**params).fit(frame)
    assert list(som.feature_names_in_) == list("abcde")
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        som.partial_fit(X_BLOBS)
    som.fit(X_BLOBS)
    assert not hasattr(som, "feature_names_in_")
    with pytest.raises(ValueError, match="features"):
        som.partial_fit(X_BLOBS[:, :4])
    bad = X_BLOBS.copy()
    bad[3, 1] = np.nan
    for X, match in [(bad, "NaN"), (X_BLOBS[:1], "minimum of 2"),
                     (np.full((4, 2), np.inf), "infinity"),
                     (np.full((4, 2), 1e39), "float32")]:
        with pytest.raises(ValueError, match=match):
            SOMClusterer(**params).fit(X)


def test_parameter_check_cache_still_refuses_bad_values():
    """Valid sets of plain parameter values are checked once; a bad value
    raises every time, and True is not taken for 1 (nor 2.0 for 2)."""
    X = X_BLOBS[:40]
    SOMClusterer(2, n_columns=2, toroidal=True, max_epochs=1).fit(X)
    SOMClusterer(2, n_columns=2, max_epochs=1).fit(X)
    for bad in [dict(toroidal=1), dict(n_rows=2.0), dict(sigma=-1.0),
                dict(topology="square")]:
        for _ in range(2):
            with pytest.raises(ValueError):
                SOMClusterer(**{"n_columns": 2, "max_epochs": 1, **bad}).fit(X)


@pytest.mark.parametrize("neighborhood", ["gaussian", "bubble", "mexican_hat"])
@pytest.mark.parametrize("decay", ["inverse", "linear", "exponential", "constant",
                                   power_decay])
def test_step_plan_equals_the_tables_of_each_epoch(neighborhood, decay):
    """A fit's step tables come from one computation over all its epochs (and
    from a small cache on later fits); every epoch's rows equal the tables
    computed for that epoch alone, bit for bit."""
    from skdeep.som._grid import NEIGHBORHOODS

    kernel = NEIGHBORHOODS[neighborhood]
    codes = som_module._build_geometry(5, 6, "rectangular", False)[1]
    decay = som_module.DECAY_SCHEDULES[decay] if isinstance(decay, str) else decay
    for lr0 in (0.5, 1.0):  # 1.0: the first steps are capped
        sched = som_module._Schedules(
            decay, 2.0, 0.3, som_module.DECAY_SCHEDULES["linear"], lr0, 0.05)
        n_batches, n_epochs = 7, 3
        plan = som_module._StepPlan(codes[1], kernel, sched, n_batches, n_epochs)
        total = n_batches * n_epochs
        for epoch in range(n_epochs):
            progress = [min((epoch * n_batches + b) / (total - 1), 1.0)
                        for b in range(n_batches)]
            want = som_module._step_tables(
                codes[1], kernel, [sched.sigma(t) for t in progress],
                [sched.learning_rate(t) for t in progress])
            got, fused, _ = plan.epoch(epoch)
            assert got[3] == want[3]
            for g, w in zip(got[:3], want[:3]):
                assert torch.equal(g, w)
            if not want[3]:
                assert torch.equal(fused, torch.cat([want[0], want[2]], 1))
            else:
                assert fused is None
        assert sched.sigmas(progress) == [sched.sigma(t) for t in progress]


@pytest.mark.parametrize("n_rows, n_columns", [(3, 4), (6, 7)])
def test_online_step_roads_learn_the_same_map(monkeypatch, n_rows, n_columns):
    """The fused online step has several roads to the same sums: per-epoch
    node tables or per-batch gathers, one product or two for batches grouped
    by BMU (a 3 x 4 map: 300 rows in batches of 19), and the sample-by-node
    sums (a 6 x 7 map, larger than a batch). Every road learns the same map,
    to rounding, and so does the unfused road (which signed steps take;
    forced here for the same gaussian kernel)."""
    params = dict(n_rows=n_rows, n_columns=n_columns, max_epochs=2, random_state=0)
    maps = []
    for node_table_elements in (0, 1 << 30):
        for one_product_flops in (0, 1 << 30):
            monkeypatch.setattr(som_module, "_NODE_TABLE_ELEMENTS",
                                node_table_elements)
            monkeypatch.setattr(som_module, "_ONE_PRODUCT_FLOPS", one_product_flops)
            som_module._clear_caches()
            maps.append(SOMClusterer(**params).fit(X_BLOBS).cluster_centers_)
    real_plan_epoch = som_module._StepPlan.epoch

    def unfused(self, epoch):
        tables, _, _ = real_plan_epoch(self, epoch)
        return (*tables[:3], True), None, None  # "signed": the unfused road

    monkeypatch.setattr(som_module._StepPlan, "epoch", unfused)
    som_module._clear_caches()
    maps.append(SOMClusterer(**params).fit(X_BLOBS).cluster_centers_)
    som_module._clear_caches()
    for other in maps[1:]:
        np.testing.assert_allclose(other, maps[0], rtol=1e-5, atol=1e-5)
    assert not np.allclose(maps[0], SOMClusterer(
        **{**params, "random_state": 1}).fit(X_BLOBS).cluster_centers_)


def test_step_plans_are_cached_for_builtin_schedules_only():
    som_module._plan_cache.clear()
    params = dict(n_rows=4, n_columns=5, max_epochs=2, random_state=0)
    a = SOMClusterer(**params).fit(X_BLOBS)
    assert len(som_module._plan_cache) == 1
    plan = next(iter(som_module._plan_cache.values()))
    b = SOMClusterer(**params).fit(X_BLOBS)
    assert next(iter(som_module._plan_cache.values())) is plan
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    SOMClusterer(sigma_decay=StepDecay(), **params).fit(X_BLOBS)  # may change
    assert len(som_module._plan_cache) == 1
    for k in range(2 * som_module._CACHED_PLANS):
        SOMClusterer(sigma=1.0 + k / 10, **params).fit(X_BLOBS[:50])
    assert len(som_module._plan_cache) == som_module._CACHED_PLANS


def test_clear_caches_empties_every_cache_and_keeps_the_map():
    """``_clear_caches`` (the benchmark's "cold" fits) empties the geometry,
    parameter and step-plan caches; a fit after it learns the same map."""
    params = dict(n_rows=4, n_columns=5, max_epochs=2, random_state=0)
    warm = SOMClusterer(**params).fit(X_BLOBS)
    assert som_module._plan_cache and som_module._cached_geometry.cache_info().currsize
    som_module._clear_caches()
    assert not som_module._plan_cache
    for cached in (som_module._node_positions, som_module._pca_plane,
                   som_module._param_names, som_module._validate_plain_params,
                   som_module._cached_geometry, som_module._cached_neighbours):
        assert cached.cache_info().currsize == 0
    cold = SOMClusterer(**params).fit(X_BLOBS)
    np.testing.assert_array_equal(cold.cluster_centers_, warm.cluster_centers_)
    np.testing.assert_array_equal(cold.labels_, warm.labels_)


def test_distance_codes_number_only_the_distances_that_occur():
    d2 = torch.as_tensor(grid_distances(6, 7, "hexagonal", False) ** 2,
                         dtype=torch.float32)
    codes, values = som_module._distance_codes(d2)
    assert torch.equal(torch.unique(codes), torch.arange(len(values)))
    assert torch.equal(values[codes], d2.round(decimals=2).mul(4).round().div(4))


def test_param_names_without_inspect_match_sklearn():
    class Wider(SOMClusterer):
        def __init__(self, n_rows=3, *, extra=1, **kwargs):
            super().__init__(n_rows, **kwargs)
            self.extra = extra

    assert som_module._param_names(SOMClusterer) == tuple(
        SOMClusterer._get_param_names())
    assert som_module._param_names(Wider) == ("extra", "n_rows")


@pytest.mark.parametrize("training", ["batch", "online"])
def test_data_far_from_the_origin_learn_the_map_of_the_centred_data(training, tmp_path):
    # Coordinates around 1e6 that differ by about 1: float32 distances of the
    # raw values (||x||^2 about 1e12) used to lose every digit that mattered
    # (a garbage map, a reported quantization error of 0).
    X = StandardScaler().fit_transform(load_iris().data)
    som = SOMClusterer(n_rows=4, n_columns=4, training=training, max_epochs=5,
                       random_state=0)
    near = clone(som).fit(X)
    assert getattr(near, "_offset", None) is None  # standardized: as it was
    far = clone(som).fit(X + 1e6)
    np.testing.assert_array_equal(far.labels_, near.labels_)
    np.testing.assert_allclose(far.cluster_centers_ - 1e6, near.cluster_centers_,
                               atol=1e-5)
    assert far.quantization_error_ == pytest.approx(near.quantization_error_, rel=1e-5)
    np.testing.assert_allclose(far.transform(X + 1e6), near.transform(X), rtol=1e-5,
                               atol=1e-6)
    # partial_fit continues in the same frame; a memory map learns the same
    far.partial_fit(X[:50] + 1e6)
    near.partial_fit(X[:50])
    np.testing.assert_array_equal(far.predict(X + 1e6), near.predict(X))
    path = tmp_path / "X.f64"
    rows = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    rows[:] = X + 1e6
    rows.flush()
    lazy = clone(som).fit(np.memmap(path, dtype=np.float64, mode="r", shape=X.shape))
    np.testing.assert_array_equal(lazy.predict(X + 1e6), clone(som).fit(X).predict(X))


_PROGRESS_SEEN = []


def _recording_decay(start, end, progress):
    _PROGRESS_SEEN.append(float(progress))
    return start + (end - start) * progress


@pytest.mark.parametrize("training", ["online", "batch"])
def test_partial_fit_past_max_epochs_stays_at_the_final_values(training):
    # each call after max_epochs replayed the last epoch's part of the
    # schedule (max_epochs=1: from sigma and learning_rate again)
    som = SOMClusterer(4, n_columns=4, max_epochs=2, training=training,
                       sigma_decay=_recording_decay, batch_size=16,
                       random_state=0)
    som.partial_fit(X_BLOBS)
    _PROGRESS_SEEN.clear()
    for _ in range(3):  # epoch 2 of 2, then two more
        som.partial_fit(X_BLOBS)
    after_first = _PROGRESS_SEEN[len(_PROGRESS_SEEN) // 3:]
    assert max(_PROGRESS_SEEN) == 1.0 and set(after_first) == {1.0}


@pytest.mark.parametrize("scale, what", [(1e-25, "underflow to 0"),
                                         (1e20, "overflow float32")])
def test_rows_too_small_or_large_for_float32_distances_are_refused(scale, what):
    # at 1e-25 every float32 squared distance underflowed to 0: all rows
    # went to node 0, a quantization error of 0, and labels_ disagreed with
    # predict on the same rows
    X = np.random.RandomState(0).randn(20, 3)
    with pytest.raises(ValueError, match=f"float32, which {what} for this X"):
        SOMClusterer(3, n_columns=3, max_epochs=2, random_state=0).fit(X * scale)
    small = SOMClusterer(3, n_columns=3, max_epochs=2, random_state=0).fit(X * 1e-17)
    np.testing.assert_array_equal(small.predict(X * 1e-17), small.labels_)
    assert len(np.unique(small.labels_)) > 1


def test_nan_let_through_by_assume_finite_is_named():
    # scikit-learn's assume_finite=True skips the NaN scan; the distance
    # scale check then said the rows "overflow float32" (scale X first)
    import sklearn

    X = np.random.RandomState(0).randn(20, 3)
    X[:, 1] = np.nan
    with sklearn.config_context(assume_finite=True):
        with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
            SOMClusterer(3, n_columns=3, max_epochs=1, random_state=0).fit(X)
    # finite rows past 1e154 overflow the mean square too: too large, not NaN
    from skdeep.utils.validation import distance_offset

    huge = np.random.RandomState(0).randn(20, 3) * 1e170
    with np.errstate(over="ignore"), pytest.raises(ValueError,
                                                   match="overflow float32"):
        distance_offset(huge, SOMClusterer())


def test_a_property_that_raises_keeps_its_message():
    # SOMClusterer.__getattr__ (the deferred labels) replaced a property's
    # AttributeError by "object has no attribute <the property>"
    som = SOMClusterer(3, n_columns=3)
    with pytest.raises(AttributeError, match="'cluster_centers_'"):
        som.cluster_centers_grid_
    import sklearn

    with sklearn.config_context(display="text"):
        with pytest.raises(AttributeError, match="'display' configuration"):
            som._repr_html_
    assert not hasattr(som, "labels_")
    # names of the metaclass (type's __name__ descriptor) are not properties
    # of an instance: a TypeError broke pytest's ids of parametrized maps
    for name in ("__name__", "__qualname__", "mro", "__bases__"):
        assert not hasattr(som, name)


def test_fit_forgets_the_mexican_hat_box_of_an_earlier_fit():
    # the data's bounding box (mexican_hat) of an earlier fit on other data
    # was merged into a later partial_fit's: fit must start over
    rng = np.random.RandomState(0)
    X_old, X = rng.uniform(-100, 100, (40, 2)), rng.uniform(0, 1, (40, 2))

    def run(earlier_fit):
        som = SOMClusterer(4, n_columns=4, neighborhood="mexican_hat", sigma=2.0,
                           learning_rate=1.0, learning_rate_final=1.0,
                           max_epochs=2, random_state=0)
        if earlier_fit:
            som.fit(X_old)
        som.set_params(neighborhood="gaussian").fit(X)
        som.set_params(neighborhood="mexican_hat")
        for _ in range(3):
            som.partial_fit(X)
        return som.cluster_centers_

    np.testing.assert_array_equal(run(True), run(False))


@pytest.mark.parametrize("change", [{"topology": "hexagonal"}, {"toroidal": True},
                                    {"n_rows": 4}, {"map_size": "auto"}])
def test_partial_fit_refuses_a_map_changed_since_its_first_call(change):
    # a continuing partial_fit trained the first call's map with the new
    # topology (unchecked: an odd-rowed hexagonal torus, which fit refuses)
    # and left node_positions_ as they were; a new n_rows was ignored
    som = SOMClusterer(3, n_columns=2, max_epochs=3, random_state=0)
    som.partial_fit(X_BLOBS)
    centers = som.cluster_centers_.copy()
    som.set_params(**change)
    with pytest.raises(ValueError, match=f"{next(iter(change))} changed with "
                                         "set_params since.*Call fit"):
        som.partial_fit(X_BLOBS)
    np.testing.assert_array_equal(som.cluster_centers_, centers)
    som.fit(X_BLOBS)  # starts anew with the new map
    som.partial_fit(X_BLOBS)


def test_u_matrix_and_plots_describe_the_fitted_lattice():
    # u_matrix read the live topology: a set_params after fit changed it
    som = SOMClusterer(4, n_columns=4, topology="hexagonal", max_epochs=2,
                       random_state=0).fit(X_BLOBS)
    u = som.u_matrix()
    som.set_params(topology="rectangular")
    np.testing.assert_array_equal(som.u_matrix(), u)


def test_numpy_integer_batch_size_from_a_grid():
    # GridSearchCV over np.array([8, 16]) sets numpy integers: the online
    # epoch's split refused them ("must be tuple of ints")
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(SOMClusterer(3, n_columns=3, max_epochs=1, random_state=0),
                          {"batch_size": np.array([8, 16])}, cv=2)
    search.fit(X_BLOBS)
    assert search.best_params_["batch_size"] in (8, 16)
