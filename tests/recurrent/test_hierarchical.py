"""Tests of HierarchicalRNNClassifier and HierarchicalRNNRegressor."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skdeep import io
from skdeep.recurrent import HierarchicalRNNClassifier, HierarchicalRNNRegressor
from skdeep.recurrent._cells import CELLS

O, I, F = 4, 6, 2  # outer steps, inner steps, features


def bumps(n=90, seed=0, n_outer=O, n_inner=I):
    """Noise with a bump in feature 0 of one outer step; ``row`` is that step.

    The label is ``row`` itself: which inner sequence holds the bump, a fact
    about the order of the outer steps that no single inner sequence shows.
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(0.0, 0.3, size=(n, n_outer, n_inner, F))
    row = rng.randint(0, 3, n)
    start = rng.randint(0, n_inner - 2, n)
    for i in range(n):
        X[i, row[i], start[i] : start[i] + 3, 0] += 1.5
    return X, row


FAST = dict(inner_hidden_size=8, outer_hidden_size=8, batch_size=16, lr=0.03,
            random_state=0)
TINY = dict(inner_hidden_size=4, outer_hidden_size=4, max_epochs=1, batch_size=8,
            random_state=0)


def ragged(X):
    """``X`` with padding: shorter inner sequences and fewer outer steps."""
    X = X.copy()
    X[0, 3] = np.nan  # sample 0: three outer steps
    X[1, 2:] = np.nan  # sample 1: two outer steps
    X[1, 1, 4:] = np.nan  # ... the second of four inner steps
    X[2, 0, 1:] = np.nan  # sample 2: a first inner sequence of one step
    return X


# -- learning -----------------------------------------------------------------


@pytest.mark.parametrize("attention", [None, "both"])
def test_classifier_learns_which_outer_step(attention):
    X, y = bumps(120, seed=0)
    X_test, y_test = bumps(90, seed=1)
    clf = HierarchicalRNNClassifier(attention=attention, max_epochs=15, **FAST)
    clf.fit(X, y)
    assert clf.score(X_test, y_test) > 0.8  # chance: 1/3
    proba = clf.predict_proba(X_test)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert list(clf.classes_) == [0, 1, 2]


def test_regressor_learns_which_outer_step():
    X, row = bumps(120, seed=0)
    X_test, row_test = bumps(90, seed=1)
    reg = HierarchicalRNNRegressor("gru", attention="outer", max_epochs=15, **FAST)
    pred = reg.fit(X, row.astype(float)).predict(X_test)
    assert pred.shape == (90,)
    assert reg.score(X_test, row_test) > 0.6  # R^2; the mean scores 0


def test_partial_fit_learns_from_chunks_and_checks_them():
    X, y = bumps(120, seed=0)
    X_test, y_test = bumps(90, seed=1)
    clf = HierarchicalRNNClassifier(**FAST)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    for epoch in range(15):
        for chunk in np.array_split(np.arange(120), 3):
            clf.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    assert len(clf.history_) == 45 and clf.score(X_test, y_test) > 0.8
    clf.partial_fit(X[:10, :3], y[:10])  # fewer outer steps: still samples of F
    with pytest.raises(ValueError, match="X has 1 features, but .* expecting 2"):
        clf.partial_fit(X[..., :1], y)
    # the first call equals one epoch of fit; later calls continue it
    one = HierarchicalRNNClassifier(**FAST, max_epochs=1).fit(X, y)
    first = HierarchicalRNNClassifier(**FAST).partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(first.predict_proba(X_test), one.predict_proba(X_test),
                               rtol=1e-5, atol=1e-6)
    # flat rows: later calls read them with the first call's shape
    flat = X.reshape(120, -1)
    reg = HierarchicalRNNRegressor(input_shape=(O, I, F), **FAST)
    reg.partial_fit(flat, 100.0 + y)
    mean = reg.y_mean_
    reg.partial_fit(flat[:30], 500.0 + y[:30])  # keeps the first call's scale
    assert reg.y_mean_ == mean and reg.input_shape_ == (O, I, F)
    with pytest.raises(ValueError, match="fitted on 2-D input but X is 4-D"):
        reg.partial_fit(X, y)


def test_regressor_multioutput():
    X, row = bumps(30)
    Y = np.column_stack([row, -row])
    reg = HierarchicalRNNRegressor(**TINY).fit(X, Y)
    assert reg.predict(X).shape == (30, 2) and reg.n_outputs_ == 2


# -- input shapes ---------------------------------------------------------------


def test_input_layouts_and_fitted_attributes():
    X, y = bumps(24)
    clf = HierarchicalRNNClassifier(**TINY).fit(X, y)
    assert clf.n_features_in_ == F and clf.n_step_features_ == F
    assert clf.input_shape_ == (O, I, F) and clf.input_ndim_ == 4
    # 3-D and 4-D arrays may have other step counts at predict
    assert clf.predict(X[:, :2, :3]).shape == (24,)
    assert clf.predict(np.concatenate([X, X], axis=1)).shape == (24,)
    # 3-D: one feature per step
    X3 = X[..., 0]
    clf3 = HierarchicalRNNClassifier(**TINY).fit(X3, y)
    assert clf3.n_features_in_ == 1 and clf3.input_shape_ == (O, I, 1)
    np.testing.assert_array_equal(clf3.predict_proba(X3),
                                  clf3.predict_proba(X3[..., None]))
    # nested lists
    assert clf3.predict(X3[:3].tolist()).shape == (3,)
    # flat rows without input_shape: one outer step of n_columns inner steps
    flat = X.reshape(24, -1)
    clf2 = HierarchicalRNNClassifier(**TINY).fit(flat, y)
    assert clf2.n_features_in_ == O * I * F and clf2.input_shape_ == (1, O * I * F, 1)
    # flat rows with input_shape (outer, inner): one feature per step
    clf_flat = HierarchicalRNNClassifier(input_shape=(O, I * F), **TINY).fit(flat, y)
    assert clf_flat.n_features_in_ == O * I * F
    assert clf_flat.input_shape_ == (O, I * F, 1) and clf_flat.input_ndim_ == 2
    # flat rows with input_shape (outer, inner, features): exactly the 4-D model
    clf_flat = HierarchicalRNNClassifier(input_shape=(O, I, F), **TINY).fit(flat, y)
    assert clf_flat.input_shape_ == (O, I, F)
    np.testing.assert_array_equal(clf_flat.predict_proba(flat), clf.predict_proba(X))


def test_works_after_a_transformer():
    X, row = bumps(30)
    pipe = make_pipeline(
        StandardScaler(),
        HierarchicalRNNRegressor(input_shape=(O, I, F), attention="both", **TINY),
    )
    pipe.fit(X.reshape(30, -1), row)
    assert pipe.predict(X.reshape(30, -1)).shape == (30,)
    inner, outer = pipe[-1].attention_weights(pipe[:-1].transform(X.reshape(30, -1)))
    assert inner.shape == (30, O, I) and outer.shape == (30, O)


def test_module_widths():
    X, y = bumps(20)
    clf = HierarchicalRNNClassifier(bidirectional=True, attention="inner",
                                    attention_size=3, **TINY).fit(X, y)
    module = clf.module_
    assert module.inner.output_size == 8 and module.outer.input_size == 8
    assert module.head.in_features == 8 and module.head.out_features == 3
    assert module.inner_attention.proj.out_features == 3
    assert module.outer_attention is None
    clf.set_params(merge_mode="sum", attention="outer", attention_size=None).fit(X, y)
    assert clf.module_.head.in_features == 4
    assert clf.module_.outer_attention.proj.out_features == 4


# -- every cell, padding --------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_every_cell_runs(cell):
    X, y = bumps(24)
    clf = HierarchicalRNNClassifier(cell, num_layers=2, dropout=0.1,
                                    attention="both", **TINY)
    assert clf.fit(ragged(X), y).predict_proba(X).shape == (24, 3)
    reg = HierarchicalRNNRegressor(cell, **{**TINY, "max_epochs": 2})
    assert np.isfinite(reg.fit(ragged(X), y.astype(float)).predict(X)).all()


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("attention", [None, "both"])
def test_padding_does_not_change_prediction(cell, attention):
    X, y = bumps(24)
    reg = HierarchicalRNNRegressor(cell, bidirectional=True, attention=attention,
                                   **TINY).fit(ragged(X), y)
    sample = X[5, :3].copy()  # three outer steps,
    sample[1, 4:] = np.nan  # the second one of four inner steps
    more = np.full((1, O + 2, I + 3, F), np.nan)
    more[0, :3, :I] = sample
    pred, pred_more = reg.predict(sample[None]), reg.predict(more)
    np.testing.assert_allclose(pred_more, pred, rtol=1e-5, atol=1e-6)
    # in a batch of other samples, of any padding
    batch = np.concatenate([ragged(X)[:, :, :I], more[:, :O, :I]])
    np.testing.assert_allclose(reg.predict(batch)[-1:], pred, rtol=1e-5, atol=1e-6)
    # padding with values instead of NaN changes it: the NaN really is skipped
    zeros = np.nan_to_num(more)
    assert not np.allclose(reg.predict(zeros), pred, atol=1e-6)
    if attention:
        inner, outer = reg.attention_weights(sample[None])
        inner_more, outer_more = reg.attention_weights(more)
        np.testing.assert_allclose(inner_more[0, :3, :I], inner[0], atol=1e-6)
        np.testing.assert_allclose(outer_more[0, :3], outer[0], atol=1e-6)


# -- attention weights ----------------------------------------------------------


def test_attention_weights_sum_to_one_and_vanish_at_padding():
    X, y = bumps(40)
    Xr = ragged(X)
    clf = HierarchicalRNNClassifier(attention="both", **TINY).fit(Xr, y)
    inner, outer = clf.attention_weights(Xr)
    assert inner.shape == (40, O, I) and outer.shape == (40, O)
    step_valid = ~np.isnan(Xr).all(axis=3)
    outer_valid = step_valid.any(axis=2)
    assert np.all(inner[~step_valid] == 0) and np.all(outer[~outer_valid] == 0)
    assert np.all(inner[step_valid] > 0) and np.all(outer[outer_valid] > 0)
    np.testing.assert_allclose(inner.sum(axis=2)[outer_valid], 1.0, rtol=1e-5)
    np.testing.assert_allclose(outer.sum(axis=1), 1.0, rtol=1e-5)
    assert outer[0, 3] == 0 and np.all(inner[0, 3] == 0)
    assert inner[2, 0, 0] == pytest.approx(1.0)  # a one-step inner sequence


def test_attention_weights_of_one_level():
    X, y = bumps(20)
    inner, outer = HierarchicalRNNClassifier(attention="inner", **TINY).fit(
        X, y).attention_weights(X)
    assert inner.shape == (20, O, I) and outer is None
    inner, outer = HierarchicalRNNRegressor(attention="outer", **TINY).fit(
        X, y).attention_weights(X)
    assert inner is None and outer.shape == (20, O)


def test_attention_weights_needs_attention():
    X, y = bumps(20)
    clf = HierarchicalRNNClassifier(attention="both")
    with pytest.raises(NotFittedError):
        clf.attention_weights(X)
    clf = HierarchicalRNNClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="fitted with attention=None"):
        clf.attention_weights(X)


# -- determinism, persistence -----------------------------------------------------


def test_determinism_random_state():
    X, y = bumps(30)
    params = {**TINY, "max_epochs": 2, "attention": "both"}
    a = HierarchicalRNNClassifier(**params).fit(X, y).predict_proba(X)
    b = HierarchicalRNNClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = HierarchicalRNNClassifier(**{**params, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a, c.predict_proba(X))


def test_pickle_and_io_round_trip(tmp_path):
    X, y = bumps(30)
    Xr = ragged(X)
    clf = HierarchicalRNNClassifier("qrnn", attention="both", class_weight="balanced",
                                    **TINY).fit(Xr, y)
    expected = clf.predict_proba(Xr)
    weights = clf.attention_weights(Xr)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(Xr), expected)
    io.save(clf, tmp_path / "han.skdeep")
    loaded = io.load(tmp_path / "han.skdeep")
    assert type(loaded) is HierarchicalRNNClassifier
    assert loaded.get_params() == clf.get_params()
    assert loaded.input_shape_ == (O, I, F)
    np.testing.assert_array_equal(loaded.predict_proba(Xr), expected)
    for a, b in zip(loaded.attention_weights(Xr), weights):
        np.testing.assert_array_equal(a, b)
    # a regressor fitted on flat rows keeps reading them with the same shape
    reg = HierarchicalRNNRegressor(input_shape=(O, I * F), **TINY)
    reg.fit(X.reshape(30, -1), y)
    io.save(reg, tmp_path / "reg.skdeep")
    loaded = io.load(tmp_path / "reg.skdeep")
    assert loaded.input_shape_ == (O, I * F, 1)
    np.testing.assert_array_equal(loaded.predict(X.reshape(30, -1)),
                                  reg.predict(X.reshape(30, -1)))


def test_class_and_sample_weight():
    X, y = bumps(30)
    clf = HierarchicalRNNClassifier(class_weight={0: 2.0}, **TINY)
    clf.fit(X, y, sample_weight=np.linspace(0.5, 1.5, 30))
    np.testing.assert_array_equal(clf.class_weight_, [2.0, 1.0, 1.0])


# -- errors ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted():
    X, y = bumps(20)
    return HierarchicalRNNClassifier(**TINY).fit(X, y), X, y


def _nan_at(X, index, value=np.nan):
    X = X.copy()
    X[index] = value
    return X


def test_classifier_max_epochs_auto():
    # "auto": max(100, min(400, ceil(2000 / batches per epoch))); the
    # regressor keeps a fixed 100
    clf = HierarchicalRNNClassifier()
    assert clf.max_epochs == "auto" and HierarchicalRNNRegressor().max_epochs == 100
    for n, epochs in [(40, 400), (640, 400), (768, 334), (2560, 100), (60_000, 100)]:
        clf._resolve_max_epochs(n)
        assert clf.max_epochs_ == epochs
    X, y = bumps(24)
    auto = HierarchicalRNNClassifier(**{**TINY, "max_epochs": "auto", "batch_size": 64})
    auto.fit(X, y)  # one batch per epoch: 2000 epochs, capped at 400
    assert auto.max_epochs_ == auto.n_iter_ == 400
    with pytest.raises(ValueError, match="max_epochs"):
        HierarchicalRNNRegressor(max_epochs="auto").fit(X, y.astype(float))


@pytest.mark.parametrize("Estimator", [HierarchicalRNNClassifier,
                                       HierarchicalRNNRegressor])
def test_gradient_clipping_bounds_the_step_gradient(Estimator, gradient_norms):
    X, y = bumps(40, seed=0)
    with pytest.raises(InvalidParameterError, match="gradient_clipping"):
        Estimator(gradient_clipping=0.0, **TINY).fit(X, y)

    norms, Recorder = gradient_norms
    assert Estimator().gradient_clipping is None
    free = Estimator(**TINY, callbacks=[Recorder("free")]).fit(X, y)
    clipped = Estimator(gradient_clipping=1e-3, **TINY,
                        callbacks=[Recorder("clipped")]).fit(X, y)
    assert norms["free"] > 1e-2
    assert norms["clipped"] <= 1e-3 * (1 + 1e-5)
    assert "gradient_clipping" in dict(clipped.net_.callbacks_)
    assert "gradient_clipping" not in dict(free.net_.callbacks_)


def test_not_fitted():
    X, _ = bumps(4)
    for est in (HierarchicalRNNClassifier(), HierarchicalRNNRegressor()):
        with pytest.raises(NotFittedError):
            est.predict(X)


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda X: X[:, 0, 0, 0], "Expected 2D array"),
        (lambda X: X[..., None], "Expected X of shape"),
        (lambda X: X[:, :, :, :1], "X has 1 features, but .* expecting 2 features"),
        (lambda X: X[..., 0], "one feature per step, but .* 2 features per step"),
        (lambda X: X.reshape(len(X), -1), "fitted on 4-D input but X is 2-D"),
        (lambda X: X[:, :0], "at least one step"),
        (lambda X: _nan_at(X, (1, 2, 3, 0)), "NaN in some features but not all "
                                            "at sample 1, outer step 2, inner step 3"),
        (lambda X: _nan_at(X, (1, 2, 3)), r"NaN inside sample 1, outer step 2 "
                                         r"\(inner step 3"),
        (lambda X: _nan_at(X, (1, 2)), "empty .* inner sequence inside sample 1: "
                                       "outer step 2"),
        (lambda X: _nan_at(X, 3), "NaN only for sample 3"),
        (lambda X: _nan_at(X, (0, 0, 0, 0), np.inf), "contains infinity"),
    ],
)
def test_bad_input_at_predict(fitted, make_X, match):
    clf, X, _ = fitted
    with pytest.raises(ValueError, match=match):
        clf.predict(make_X(X))


def test_bad_input_at_fit():
    X, y = bumps(20)
    flat = X.reshape(20, -1)
    est = HierarchicalRNNClassifier(**TINY)
    with pytest.raises(ValueError, match="empty .* inner sequence inside sample 1"):
        est.fit(_nan_at(X, (1, 0)), y)
    with pytest.raises(ValueError, match="NaN inside sample 0"):
        est.fit(_nan_at(flat, (0, 3)), y)  # a flat row is one inner sequence
    with pytest.raises(ValueError, match="input_shape is for flat rows"):
        clone(est).set_params(input_shape=(O, I)).fit(X, y)
    with pytest.raises(ValueError, match="holds 24 values, but X has 48 features"):
        clone(est).set_params(input_shape=(O, I)).fit(flat, y)
    with pytest.raises(ValueError, match="input_shape must be"):
        clone(est).set_params(input_shape=(48,)).fit(flat, y)
    clf = clone(est).set_params(input_shape=(O, I, F)).fit(flat, y)
    with pytest.raises(ValueError, match="X has 47 features, but .* expecting 48"):
        clf.predict(flat[:, 1:])
    with pytest.raises(ValueError, match="fitted on 2-D input but X is 4-D"):
        clf.predict(X)
    for bad in [{"cell": "lstmx"}, {"attention": True}, {"attention_size": 0},
                {"qrnn_pooling": "x"}, {"inner_hidden_size": 0}]:
        with pytest.raises(InvalidParameterError):
            clone(est).set_params(**bad).fit(X, y)
    # sktime's pandas panels: "inconsistent numbers of samples" or numpy's
    # "setting an array element with a sequence"
    import pandas as pd

    index = pd.MultiIndex.from_product([range(20), range(I)])
    panel = pd.DataFrame(X[:, 0].reshape(20 * I, F), index=index)
    nested = pd.DataFrame({0: [pd.Series(row) for row in X[:, 0, :, 0]]})
    for frame in (panel, nested):
        with pytest.raises(ValueError, match=r"panel .*; HierarchicalRNNClassifier "
                           r"takes arrays of shape \(n_samples, outer_steps"):
            clone(est).fit(frame, y)


def test_module_directly_handles_nan_padding():
    X, y = bumps(20)
    clf = HierarchicalRNNClassifier(attention="both", **TINY).fit(X, y)
    clf.module_.eval()
    with torch.no_grad():
        out = clf.module_(torch.as_tensor(ragged(X), dtype=torch.float32))
    assert out.shape == (20, 3) and torch.isfinite(out).all()


def test_ragged_nested_lists_are_named():
    # numpy's "inhomogeneous shape" came through; the message says how to pad
    ragged = [[[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0, 4.0]]]
    with pytest.raises(ValueError, match="nested list of unequal lengths.*NaN"):
        HierarchicalRNNClassifier(max_epochs=1).fit(ragged, [0, 1])
    padded = [[[1.0, 2.0], [3.0, np.nan]], [[1.0, 2.0], [3.0, 4.0]]]
    clf = HierarchicalRNNClassifier(max_epochs=1, random_state=0).fit(padded, [0, 1])
    assert clf.predict(padded).shape == (2,)
