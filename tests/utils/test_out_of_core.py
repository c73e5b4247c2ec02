"""Out-of-core training: partial_fit on the shared road, fit on memory maps."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

import skdeep.som._som as som_module
import skdeep.utils._lazy as lazy
from skdeep.autoencoder import AutoencoderTransformer, VariationalAutoencoder
from skdeep.cnn import CNNClassifier
from skdeep.recurrent import RNNClassifier
from skdeep.som import SOMClusterer
from skdeep.uncertainty import MCDropoutClassifier, MCDropoutRegressor
from skdeep.utils._lazy import LazyRows, is_lazy_input


def blobs(n=1200, n_features=6, seed=0):
    rng = np.random.RandomState(seed)
    centres = rng.normal(scale=3.0, size=(3, n_features))
    labels = rng.randint(0, 3, n)
    X = (centres[labels] + rng.randn(n, n_features)).astype(np.float32)
    return X, labels


def as_memmap(X, tmp_path, name="X.f32"):
    path = tmp_path / name
    out = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    out[:] = X
    out.flush()
    del out
    return np.memmap(path, dtype=X.dtype, mode="r", shape=X.shape)


@pytest.fixture(autouse=True)
def lazy_from_any_size(monkeypatch):
    """Memory maps of any size take the lazy road (the default is 64 MiB)."""
    monkeypatch.setattr(lazy, "LAZY_MIN_BYTES", 0)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4 KiB: a small memory map spans many shuffled buffers."""
    monkeypatch.setattr(lazy, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(lazy, "SCAN_ELEMENTS", 1024)
    monkeypatch.setattr(lazy, "SUM_ELEMENTS", 256)
    monkeypatch.setattr(som_module, "_BLOCK_ELEMENTS", 1024)


# -- which inputs are lazy ------------------------------------------------------


def test_is_lazy_input(tmp_path, monkeypatch):
    X, _ = blobs(20)
    mapped = as_memmap(X, tmp_path)
    assert is_lazy_input(mapped)
    monkeypatch.setattr(lazy, "LAZY_MIN_BYTES", X.nbytes + 1)
    assert not is_lazy_input(mapped)  # small maps are loaded
    som = SOMClusterer(2, n_columns=2, max_epochs=1).fit(mapped)
    assert som.labels_.shape == (20,)  # the in-memory road keeps labels_
    monkeypatch.setattr(lazy, "LAZY_MIN_BYTES", 0)
    assert not is_lazy_input(X)
    assert not is_lazy_input(X.tolist())
    assert not is_lazy_input(torch.from_numpy(X))
    pd = pytest.importorskip("pandas")
    assert not is_lazy_input(pd.DataFrame(X))
    # joblib memory-maps large ndarrays it hands its workers (FeatureUnion
    # with n_jobs=2): they took the lazy road, a model that depended on n_jobs
    shared = tmp_path / "joblib_memmapping_folder_1_ab_cd"
    shared.mkdir()
    assert not is_lazy_input(as_memmap(X, shared, "123-456.pkl"))


def test_lazy_rows_batches_cover_every_row_once(small_blocks):
    X = np.arange(3000 * 4, dtype=np.float32).reshape(3000, 4)
    rows = LazyRows(X)
    assert rows.block_rows(batch_size=10) == 256  # 4096 bytes of 16-byte rows
    seen = []
    for index, Xb in rows.batches(100, shuffle=True, generator=torch.Generator().manual_seed(0)):
        np.testing.assert_array_equal(Xb.numpy(), X[index.numpy()])
        seen.append(index.numpy())
    seen = np.concatenate(seen)
    assert sorted(seen.tolist()) == list(range(3000))
    assert not np.array_equal(seen, np.arange(3000))  # shuffled
    head, tail = rows.split_tail(0.1)
    assert (len(head), len(tail)) == (2700, 300)


# -- fit on a memory map ----------------------------------------------------------


def test_autoencoder_memmap_fit_equals_loaded_array(tmp_path):
    # One buffer holds the whole map: the same shuffles, the same model.
    X, _ = blobs()
    params = dict(hidden_layer_sizes=(8,), code_size=2, max_epochs=3, batch_size=64,
                  random_state=0)
    loaded = AutoencoderTransformer(**params).fit(X)
    mapped = AutoencoderTransformer(**params).fit(as_memmap(X, tmp_path))
    assert mapped.loss_curve_ == loaded.loss_curve_
    np.testing.assert_array_equal(mapped.transform(X), loaded.transform(X))
    assert mapped.n_features_in_ == 6


def test_autoencoder_memmap_many_blocks_learns(tmp_path, small_blocks):
    # Shuffled blocks instead of shuffled rows: another batch order, so the
    # model differs from the loaded array's but trains as well.
    X, _ = blobs()
    params = dict(hidden_layer_sizes=(8,), code_size=2, max_epochs=5, batch_size=32,
                  lr=0.01, random_state=0)
    loaded = AutoencoderTransformer(**params).fit(X)
    mapped = AutoencoderTransformer(**params).fit(as_memmap(X, tmp_path))
    assert mapped.loss_curve_[-1] < 0.7 * mapped.loss_curve_[0]
    assert mapped.score(X) == pytest.approx(loaded.score(X), rel=0.25)


def test_autoencoder_memmap_early_stopping_holds_out_the_tail(tmp_path):
    X, _ = blobs(400)
    ae = AutoencoderTransformer((8,), code_size=2, max_epochs=3, early_stopping=True,
                                validation_fraction=0.25, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_epochs reached before stopping
        ae.fit(as_memmap(X, tmp_path))
    assert len(ae.validation_scores_) == 3
    # the validation loss is the reconstruction error of the last 100 rows
    assert all(np.isfinite(ae.validation_scores_))
    # the fitted model keeps no reference to the held-out tail: its pickle
    # carried the whole memory map (the tail's source)
    big, _ = blobs(4000, n_features=32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae.fit(as_memmap(big, tmp_path, "big.f32"))
    assert len(pickle.dumps(ae)) < 0.2 * big.astype(np.float32).nbytes


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"training": "online", "batch_size": 64},
        {"initialization": "sample"},
        {"initialization": "random", "neighborhood": "mexican_hat", "sigma_final": 1.5},
    ],
)
def test_som_memmap_fit_equals_loaded_array(tmp_path, params):
    X, _ = blobs()
    loaded = SOMClusterer(4, n_columns=3, max_epochs=3, random_state=0, **params).fit(X)
    mapped = SOMClusterer(4, n_columns=3, max_epochs=3, random_state=0, **params)
    mapped.fit(as_memmap(X, tmp_path))
    np.testing.assert_array_equal(mapped.cluster_centers_, loaded.cluster_centers_)
    assert mapped.quantization_error_ == pytest.approx(loaded.quantization_error_)
    assert mapped.topographic_error_ == pytest.approx(loaded.topographic_error_)
    assert not hasattr(mapped, "labels_")  # one label per row is not kept
    np.testing.assert_array_equal(mapped.predict(X), loaded.labels_)


@pytest.mark.parametrize("blocks", ["one", "many"])
def test_som_memmap_pca_start_equals_loaded_array(tmp_path, blocks, request):
    # The lazy mean was a float64 sum of the rows, the in-memory one float32
    # block sums added in float64: 5e-9 apart, and batch maps 0.3-0.8 apart
    # after two epochs (hexagonal, map_size="auto"). Wide inputs (more than
    # 256 features) took the d x d covariance, not the Krylov or Gram roads
    # of the array in memory (1.1 GB for 64 MB of data at 6,000 features).
    if blocks == "many":
        request.getfixturevalue("small_blocks")
    rng = np.random.default_rng(0)
    narrow = rng.standard_normal((1500, 6)).astype(np.float32)
    # wide: a strong plane (Krylov converges), and noise only (it stalls)
    plane = rng.standard_normal((2100, 2)) @ rng.standard_normal((2, 300)) * 3
    wide = (plane + rng.standard_normal((2100, 300))).astype(np.float32)
    noise = rng.standard_normal((200, 400)).astype(np.float32)  # fewer rows
    params = dict(map_size="auto", topology="hexagonal", neighborhood="bubble",
                  training="batch", max_epochs=2, random_state=0)
    for i, X in enumerate((narrow, wide, noise)):
        loaded = SOMClusterer(**params).fit(X)
        mapped = SOMClusterer(**params).fit(as_memmap(X, tmp_path, f"{i}.f32"))
        np.testing.assert_array_equal(mapped.cluster_centers_, loaded.cluster_centers_)


def test_som_memmap_batch_training_is_exact_across_blocks(tmp_path, small_blocks):
    # Batch training sums over all rows: block boundaries change only the
    # float rounding of the sums, not the result beyond it.
    X, _ = blobs()
    params = dict(max_epochs=3, training="batch", random_state=0)
    loaded = SOMClusterer(4, n_columns=3, **params).fit(X)
    mapped = SOMClusterer(4, n_columns=3, **params)
    mapped.fit(as_memmap(X, tmp_path))
    np.testing.assert_allclose(mapped.cluster_centers_, loaded.cluster_centers_,
                               rtol=1e-4, atol=1e-4)


def test_memmap_is_not_copied(tmp_path, monkeypatch):
    # A 2 MB memory map, read in 16 KiB blocks: numpy never holds a copy of it.
    monkeypatch.setattr(lazy, "BLOCK_BYTES", 1 << 14)
    monkeypatch.setattr(lazy, "SCAN_ELEMENTS", 1 << 12)
    monkeypatch.setattr(lazy, "SUM_ELEMENTS", 1 << 8)
    monkeypatch.setattr(som_module, "_BLOCK_ELEMENTS", 1 << 12)
    X, _ = blobs(n=32_000, n_features=16)
    mapped = as_memmap(X, tmp_path)
    for est in (
        SOMClusterer(3, n_columns=3, max_epochs=1, random_state=0),
        AutoencoderTransformer((4,), code_size=2, max_epochs=1, batch_size=256,
                               random_state=0),
    ):
        # a first fit in the process imports and builds what later ones reuse
        # (tens of MB traced: the test failed when run alone)
        clone(est).fit(as_memmap(X[:2_000], tmp_path, "warm.f32"))
        tracemalloc.start()
        est.fit(mapped)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        # numpy holds no copy (X.nbytes) nor half of one; it may hold per-row
        # results: the SOM's row minima come from numpy's argmin and each
        # row's best score is kept for the epoch's QE (4 bytes a row, X.nbytes
        # / 16 here), with a batch's indices beside them
        assert peak < X.nbytes / 4, (type(est).__name__, peak)
        # (the in-memory road copies a read-only map whole: torch needs
        # writable memory; its peak here is above X.nbytes)
    assert X.nbytes == 2_048_000


def test_lazy_validation_errors(tmp_path):
    X, _ = blobs(100)
    X[50, 2] = np.nan
    with pytest.raises(ValueError, match="NaN, infinity"):
        AutoencoderTransformer(max_epochs=1).fit(as_memmap(X, tmp_path))
    big = np.full((10, 3), 1e200)  # finite in float64, infinite in float32
    with pytest.raises(ValueError, match="too large for float32"):
        SOMClusterer(2, n_columns=2).fit(as_memmap(big, tmp_path, "big.f64"))
    complex_map = as_memmap(np.ones((10, 3), dtype=np.complex64), tmp_path, "c.c64")
    with pytest.raises(ValueError, match="dtype complex64"):
        AutoencoderTransformer(max_epochs=1).fit(complex_map)
    with pytest.raises(ValueError, match="minimum of 2"):
        SOMClusterer().fit(as_memmap(np.ones((1, 3), np.float32), tmp_path, "one.f32"))


def test_dask_array_fit_equals_loaded_array():
    da = pytest.importorskip("dask.array")
    X, _ = blobs()
    params = dict(hidden_layer_sizes=(8,), code_size=2, max_epochs=2, batch_size=64,
                  random_state=0)
    loaded = AutoencoderTransformer(**params).fit(X)
    chunked = da.from_array(X, chunks=(250, 6))
    assert is_lazy_input(chunked)
    ae = AutoencoderTransformer(**params).fit(chunked)
    assert ae.loss_curve_ == loaded.loss_curve_
    som = SOMClusterer(3, n_columns=3, max_epochs=2, random_state=0).fit(chunked)
    ref = SOMClusterer(3, n_columns=3, max_epochs=2, random_state=0).fit(X)
    np.testing.assert_array_equal(som.cluster_centers_, ref.cluster_centers_)


# -- partial_fit ------------------------------------------------------------------


def chunks(X, *arrays, size=200):
    for start in range(0, len(X), size):
        yield (X[start : start + size],) + tuple(a[start : start + size] for a in arrays)


def test_autoencoder_first_partial_fit_is_one_epoch_of_fit():
    X, _ = blobs(300)
    params = dict(hidden_layer_sizes=(8,), code_size=2, random_state=0)
    fitted = AutoencoderTransformer(**params, max_epochs=1).fit(X)
    partial = AutoencoderTransformer(**params).partial_fit(X)
    assert partial.loss_curve_ == fitted.loss_curve_
    np.testing.assert_array_equal(partial.transform(X), fitted.transform(X))


def test_autoencoder_partial_fit_learns_and_is_reproducible():
    X, _ = blobs()
    state = torch.random.get_rng_state()
    runs = []
    for _ in range(2):
        ae = AutoencoderTransformer((8,), code_size=2, lr=0.01, random_state=0)
        for _ in range(3):
            for (Xc,) in chunks(X):
                ae.partial_fit(Xc)
        runs.append(ae)
    assert torch.equal(torch.random.get_rng_state(), state)
    ae = runs[0]
    assert ae.n_iter_ == len(ae.history_) == 18
    first, last = np.mean(ae.loss_curve_[:6]), np.mean(ae.loss_curve_[-6:])
    assert last < 0.7 * first
    assert runs[1].loss_curve_ == ae.loss_curve_


def test_partial_fit_after_fit_continues_and_fit_starts_over():
    X, _ = blobs(300)
    ae = AutoencoderTransformer((8,), code_size=2, max_epochs=2, random_state=0).fit(X)
    before = ae.transform(X)
    ae.partial_fit(X)
    assert ae.n_iter_ == 3 and len(ae.loss_curve_) == 3
    assert not np.array_equal(ae.transform(X), before)
    ae.fit(X)
    assert ae.n_iter_ == 2
    np.testing.assert_array_equal(ae.transform(X), before)


def test_partial_fit_feature_mismatch():
    X, _ = blobs(100)
    for est in (AutoencoderTransformer(max_epochs=1), SOMClusterer(2, n_columns=2)):
        est.partial_fit(X)
        with pytest.raises(ValueError, match="X has 5 features, but"):
            est.partial_fit(X[:, :5])


def test_partial_fit_on_memmap_chunks(tmp_path):
    X, _ = blobs()
    mapped = as_memmap(X, tmp_path)
    vae = VariationalAutoencoder((8,), code_size=2, lr=0.01, random_state=0)
    for (Xc,) in chunks(mapped, size=400):
        vae.partial_fit(Xc)
    assert vae.n_iter_ == 3
    assert np.isfinite(vae.loss_curve_).all()


def test_som_partial_fit_learns_and_follows_the_schedule():
    X, _ = blobs()
    som = SOMClusterer(4, n_columns=3, max_epochs=6, random_state=0)
    initial = None
    for (Xc,) in chunks(X):
        som.partial_fit(Xc)
        if initial is None:
            initial = som.score(X)
    assert som.n_iter_ == len(som.quantization_error_curve_) == 6
    assert som.score(X) > initial
    fitted = SOMClusterer(4, n_columns=3, max_epochs=6, random_state=0).fit(X)
    assert som.score(X) == pytest.approx(fitted.score(X), rel=0.2)
    assert len(som.labels_) == 200  # the last chunk's
    # beyond max_epochs the radius stays at sigma_final: more calls still work
    som.partial_fit(X[:200])
    assert som.n_iter_ == 7


def test_classifier_partial_fit_needs_classes_and_learns():
    X, y = blobs()
    clf = MCDropoutClassifier((32,), lr=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X[:100], y[:100])
    for _ in range(2):
        for Xc, yc in chunks(X, y):
            clf.partial_fit(Xc, yc, classes=[0, 1, 2])
    assert clf.score(X, y) > 0.9  # chance is 1/3
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X[:10], y[:10], classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes"):
        clf.partial_fit(X[:10], np.full(10, 7))
    with pytest.raises(ValueError, match="X has 4 features"):
        clf.partial_fit(X[:10, :4], y[:10])


def test_balanced_partial_fit_needs_every_class_in_its_first_chunk():
    # "balanced" weights are fixed by the first call: a first chunk without
    # a class gets a clear error (not scikit-learn's "classes should have
    # valid labels that are in y"), and the estimator stays unfitted.
    X, y = blobs()
    zeros = np.flatnonzero(y == 0)[:30]
    clf = MCDropoutClassifier((8,), class_weight="balanced", random_state=0)
    with pytest.raises(ValueError, match=r"no sample \(of non-zero weight\) of "
                                         r"class\(es\) \[1, 2\]"):
        clf.partial_fit(X[zeros], y[zeros], classes=[0, 1, 2])
    first = np.concatenate([np.flatnonzero(y == k)[:10] for k in (0, 1, 2)])
    clf.partial_fit(X[first], y[first], classes=[0, 1, 2])
    np.testing.assert_allclose(clf.class_weight_, [1.0, 1.0, 1.0])
    clf.partial_fit(X[zeros], y[zeros])  # later chunks may lack classes


def test_regressor_partial_fit_keeps_first_standardization():
    X, labels = blobs()
    y = X[:, 0] * 2.0 + labels
    reg = MCDropoutRegressor((32,), lr=0.01, random_state=0)
    for _ in range(3):
        for Xc, yc in chunks(X, y):
            reg.partial_fit(Xc, yc)
    first_mean = X[:200].mean(axis=0)
    np.testing.assert_allclose(reg.x_mean_, first_mean, rtol=1e-6)
    assert reg.y_mean_ == pytest.approx(float(y[:200].mean()))
    assert reg.score(X, y) > 0.8


@pytest.mark.parametrize("Est", [RNNClassifier, CNNClassifier])
def test_series_classifiers_partial_fit(Est):
    rng = np.random.RandomState(0)
    X = rng.randn(120, 1, 16).astype(np.float32)
    y = (X[:, 0, :8].mean(1) > 0).astype(int)
    clf = Est(random_state=0, lr=0.01)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    for _ in range(4):
        for Xc, yc in chunks(X, y, size=60):
            clf.partial_fit(Xc, yc, classes=[0, 1])
    assert clf.n_iter_ == 8
    assert np.mean(clf.loss_curve_[-2:]) < np.mean(clf.loss_curve_[:2])


def test_partial_fit_after_fit_drops_early_stopping_and_lr_schedule():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 1, 16).astype(np.float32)
    y = X[:, 0, :8].mean(1)
    from skdeep.cnn import CNNRegressor

    reg = CNNRegressor(max_epochs=2, early_stopping=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_epochs reached before stopping
        reg.fit(X, y)
    reg.partial_fit(X, y)
    assert reg.n_iter_ == 3
    assert "valid_loss" not in reg.history_[-1]
    names = [name for name, _ in reg.net_.callbacks_]
    assert "early_stopping" not in names and "lr_scheduler" not in names
    # the cosine schedule ended at lr 0: the later calls train at the rates
    # it started from (they changed nothing), head_lr's group included
    from skdeep.cnn import CNNClassifier

    clf = CNNClassifier(conv_channels=(4,), max_epochs=2, batch_size=16,
                        head_lr=0.01, random_state=0).fit(X, y > np.median(y))
    before = {k: v.clone() for k, v in clf.module_.state_dict().items()}
    clf.partial_fit(X, y > np.median(y))
    assert sorted(group["lr"] for group in clf.net_.optimizer_.param_groups) == [
        clf.lr, 0.01]
    assert any(not torch.equal(before[k], v)
               for k, v in clf.module_.state_dict().items()
               if k.endswith(("weight", "bias")))


_PARTIAL_FIT_ESTIMATORS = [
    AutoencoderTransformer(batch_norm=True),
    VariationalAutoencoder(),
    CNNClassifier(),
    RNNClassifier(),
    MCDropoutClassifier((16,)),
    MCDropoutRegressor((16,)),
    SOMClusterer(n_rows=3, n_columns=3),
]


@pytest.mark.parametrize(
    "est", _PARTIAL_FIT_ESTIMATORS, ids=lambda e: type(e).__name__
)
def test_partial_fit_goes_on_row_by_row(est):
    # Online learning as with scikit-learn's MLP: after a first call of two
    # rows or more (it fixes the scaling), calls of one row each train on.
    from sklearn.base import clone, is_classifier, is_regressor

    X, labels = blobs(n=40, n_features=8)
    y = X[:, 0] if is_regressor(est) else labels
    supervised = is_classifier(est) or is_regressor(est)
    classes = {"classes": [0, 1, 2]} if is_classifier(est) else {}

    def output(model):
        for method in ("predict_proba", "transform", "predict"):
            if hasattr(model, method):
                return np.asarray(getattr(model, method)(X), dtype=np.float64)

    def partial_fit(model, rows, **kwargs):
        if supervised:
            return model.partial_fit(X[rows], y[rows], **kwargs)
        return model.partial_fit(X[rows])

    with pytest.raises(ValueError, match="minimum of 2 is required"):
        partial_fit(clone(est), slice(0, 1), **classes)
    model = partial_fit(clone(est).set_params(random_state=0), slice(0, 20), **classes)
    before = output(model)
    for i in range(20, 25):
        partial_fit(model, slice(i, i + 1))
    after = output(model)
    if hasattr(model, "history_"):
        assert len(model.history_) == 6
    else:
        assert model.n_iter_ == 6
    assert np.isfinite(after).all()
    assert not np.array_equal(before, after)  # the single rows trained it


def test_som_fit_predict_out_of_core_predicts_the_rows(tmp_path):
    # an out-of-core fit keeps no labels_; fit_predict (ClusterMixin's
    # fit(X).labels_) raised an unexplained AttributeError
    X, _ = blobs()
    som = SOMClusterer(3, n_columns=3, max_epochs=1, training="batch",
                       random_state=0)
    labels = som.fit_predict(as_memmap(X, tmp_path))
    np.testing.assert_array_equal(labels, som.predict(X))
    with pytest.raises(AttributeError, match="out of core keeps no labels_"):
        som.labels_
