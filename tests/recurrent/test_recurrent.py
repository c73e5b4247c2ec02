"""Tests of the recurrent family: RNNClassifier and RNNRegressor."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skdeep.recurrent import RNNClassifier, RNNRegressor
from skdeep.recurrent._modules import RNNModule

T = 30


def waves(n=60, seed=0, T=T):
    """Noisy sine (class 0) vs square (class 1) waves, random phase and frequency."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 1, T)
    freq = rng.uniform(1.0, 3.0, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    y = np.arange(n) % 2
    base = np.sin(2 * np.pi * freq[:, None] * t + phase[:, None])
    X = np.where(y[:, None] == 1, np.sign(base), base)
    X = X + 0.1 * rng.randn(n, T)
    return X, y, freq


FAST = dict(hidden_size=8, max_epochs=15, lr=0.03, batch_size=16, random_state=0)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_classifier_learns_all_cells(cell):
    X, y, _ = waves(80, seed=0)
    X_test, y_test, _ = waves(60, seed=1)
    clf = RNNClassifier(cell, **FAST).fit(X, y)
    assert clf.score(X_test, y_test) > 0.8
    assert clf.predict_proba(X_test).shape == (60, 2)
    np.testing.assert_allclose(clf.predict_proba(X_test).sum(1), 1.0, rtol=1e-6)


def test_regressor_learns_frequency():
    X, _, freq = waves(120, seed=0)
    X_test, _, freq_test = waves(60, seed=1)
    reg = RNNRegressor("gru", hidden_size=16, max_epochs=30, lr=0.02, batch_size=16,
                       random_state=0).fit(X, freq)
    pred = reg.predict(X_test)
    assert pred.shape == (60,)
    mse = np.mean((pred - freq_test) ** 2)
    assert mse < 0.5 * np.var(freq_test)  # much better than predicting the mean


def test_regressor_multioutput():
    X, _, freq = waves(40, seed=0)
    Y = np.column_stack([freq, -freq])
    reg = RNNRegressor(max_epochs=2, hidden_size=4, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (40, 2)
    assert reg.n_outputs_ == 2


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
def test_bidirectional_merge_modes(merge_mode):
    module = RNNModule(3, 5, hidden_size=6, bidirectional=True, merge_mode=merge_mode)
    x = torch.randn(4, 3, 10)
    width = 12 if merge_mode == "concat" else 6
    assert module.encode(x).shape == (4, width)
    assert module(x).shape == (4, 5)
    X, y, _ = waves(30, seed=0, T=12)
    clf = RNNClassifier(bidirectional=True, merge_mode=merge_mode, num_layers=2,
                        max_epochs=2, hidden_size=4, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (30, 2)
    assert clf.module_.head.in_features == (8 if merge_mode == "concat" else 4)


def test_unit_forget_bias():
    module = RNNModule(1, 1, hidden_size=4, unit_forget_bias=True)
    b_ih, b_hh = module.encoder.rnn.bias_ih_l0.detach(), module.encoder.rnn.bias_hh_l0.detach()
    assert torch.all(b_ih[4:8] == 1) and torch.all(b_hh[4:8] == 0)
    off = RNNModule(1, 1, hidden_size=4, unit_forget_bias=False)
    assert not torch.all(off.encoder.rnn.bias_ih_l0.detach()[4:8] == 1)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_does_not_change_prediction(cell, bidirectional):
    X, y, _ = waves(40, seed=0)
    X = X[:, None, :].copy()
    X[::3, :, 20:] = np.nan  # variable lengths in training too
    clf = RNNClassifier(cell, bidirectional=bidirectional, hidden_size=6,
                        max_epochs=3, batch_size=8, random_state=0).fit(X, y)
    seq = waves(1, seed=5)[0][0, :18]
    padded = np.full((1, 1, T), np.nan)
    padded[0, 0, :18] = seq
    proba_padded = clf.predict_proba(padded)
    # through the estimator: the unpadded series (3-D input, any length)
    np.testing.assert_array_equal(clf.predict_proba(seq[None, None, :]), proba_padded)
    np.testing.assert_array_equal(clf.predict_proba([seq[None, :]]), proba_padded)
    # the same series alone, with no padding at all, straight through the module
    clf.module_.eval()
    with torch.no_grad():
        logits = clf.module_(torch.as_tensor(seq[None, None, :], dtype=torch.float32))
    proba_raw = torch.softmax(logits, dim=1).numpy()
    np.testing.assert_allclose(proba_padded, proba_raw, rtol=1e-5, atol=1e-6)
    # and more or less padding (a longer series cut at the same point) agrees too
    other = np.full((3, 1, T), np.nan)
    other[:, 0, :18] = seq
    np.testing.assert_allclose(clf.predict_proba(other), np.repeat(proba_padded, 3, 0),
                               rtol=1e-5, atol=1e-6)
    # padding with values instead of NaN would change it: the NaN really is skipped
    zeros = np.nan_to_num(padded)
    assert not np.allclose(clf.predict_proba(zeros), proba_padded, atol=1e-6)


def test_max_epochs_auto_resolves_from_the_training_rows():
    # "auto": max(100, min(400, ceil(2000 / batches per epoch)))
    clf = RNNClassifier()
    assert clf.max_epochs == "auto" and RNNRegressor().max_epochs == "auto"
    for n, epochs in [(40, 400), (640, 400), (768, 334), (2560, 100), (60_000, 100)]:
        clf._resolve_max_epochs(n)
        assert clf.max_epochs_ == epochs
    clf = RNNClassifier(early_stopping=True, validation_fraction=0.5)
    # 640 rows train
    clf._resolve_max_epochs(clf._rows_per_epoch(torch.zeros(1280, 1), None))
    assert clf.max_epochs_ == 400
    t = np.linspace(0, 4 * np.pi, 16)
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 40)
    X = np.sin(np.outer([1.0, 1.4, 1.8], t)[y] + rng.uniform(0, 2 * np.pi, (120, 1)))
    X = X[:, None] + 0.3 * rng.normal(size=(120, 1, 16))
    train, test = slice(0, None, 2), slice(1, None, 2)
    auto = RNNClassifier(hidden_size=8, random_state=0).fit(X[train], y[train])
    assert auto.max_epochs_ == auto.n_iter_ == len(auto.loss_curve_) == 400
    assert auto.score(X[test], y[test]) >= 0.7  # three frequencies, chance 1/3


def test_gradient_clipping_bounds_the_step_gradient(gradient_norms):
    X, y, _ = waves(40, seed=0)
    with pytest.raises(ValueError, match="gradient_clipping"):
        RNNClassifier(gradient_clipping=0.0, max_epochs=1).fit(X, y)

    norms, Recorder = gradient_norms
    assert RNNClassifier().gradient_clipping == 5.0
    assert RNNRegressor().gradient_clipping is None
    free = RNNClassifier(hidden_size=8, max_epochs=1, random_state=0,
                         gradient_clipping=None,
                         callbacks=[Recorder("free")]).fit(X, y)
    clipped = RNNClassifier(hidden_size=8, max_epochs=1, random_state=0,
                            gradient_clipping=1e-3,
                            callbacks=[Recorder("clipped")]).fit(X, y)
    assert norms["free"] > 1e-2
    assert norms["clipped"] <= 1e-3 * (1 + 1e-5)
    assert "gradient_clipping" in dict(clipped.net_.callbacks_)
    assert "gradient_clipping" not in dict(free.net_.callbacks_)


def test_determinism_random_state():
    X, y, _ = waves(40, seed=0)
    a = RNNClassifier(**{**FAST, "max_epochs": 3}).fit(X, y).predict_proba(X)
    b = RNNClassifier(**{**FAST, "max_epochs": 3}).fit(X, y).predict_proba(X)
    c = RNNClassifier(**{**FAST, "max_epochs": 3, "random_state": 1}).fit(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c.predict_proba(X))


def test_multichannel_input():
    X, y, _ = waves(60, seed=0)
    rng = np.random.RandomState(0)
    X3 = np.stack([X, rng.randn(*X.shape) * 0.1, X ** 2], axis=1)  # (n, 3, T)
    clf = RNNClassifier(**FAST).fit(X3, y)
    assert clf.n_channels_ == 3 and clf.n_timepoints_ == T and clf.input_ndim_ == 3
    assert clf.module_.encoder.rnn.input_size == 3
    assert clf.score(X3, y) > 0.8
    reg = RNNRegressor(max_epochs=2, hidden_size=4, random_state=0).fit(X3, X[:, 0])
    assert reg.predict(X3[:5]).shape == (5,)


def test_class_weight():
    X, y, _ = waves(40, seed=0)
    y = np.where(np.arange(40) < 30, 0, 1)
    clf = RNNClassifier(class_weight="balanced", max_epochs=2, hidden_size=4,
                        random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.class_weight_, [40 / 60, 40 / 20])
    clf = RNNClassifier(class_weight={0: 1.0, 1: 3.0}, max_epochs=2, hidden_size=4,
                        random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.class_weight_, [1.0, 3.0])
    assert clf.net_.criterion_.class_weight.tolist() == [1.0, 3.0]


def test_errors():
    X, y, _ = waves(20, seed=0)
    with pytest.raises(NotFittedError):
        RNNClassifier().predict(X)
    with pytest.raises(NotFittedError):
        RNNRegressor().predict(X)
    bad = X.copy()
    bad[2, 5] = np.nan
    with pytest.raises(ValueError, match="NaN inside sample 2"):
        RNNClassifier(max_epochs=1).fit(bad, y)
    empty = X.copy()
    empty[3] = np.nan
    with pytest.raises(ValueError, match="NaN only for sample 3"):
        RNNClassifier(max_epochs=1).fit(empty, y)
    partial = np.stack([X, X], axis=1)
    partial[1, 0, -3:] = np.nan  # one channel padded, the other not
    with pytest.raises(ValueError, match="some channels but not all"):
        RNNClassifier(max_epochs=1).fit(partial, y)
    with pytest.raises(ValueError, match="inf|infinity"):
        RNNClassifier(max_epochs=1).fit(np.where(X > 0.9, np.inf, X), y)

    X3 = np.stack([X, X], axis=1)
    clf = RNNClassifier(max_epochs=1, hidden_size=4, random_state=0).fit(X3, y)
    with pytest.raises(ValueError, match="expecting 2 features"):  # channels
        clf.predict(X3[:, :1])
    with pytest.raises(ValueError, match="expecting 2 features"):
        clf.predict([np.zeros((3, 5)), np.zeros((3, 6))])
    assert clf.predict(X3[:, :, :10]).shape == (20,)  # 3-D: any length at predict
    with pytest.raises(ValueError, match="3-D"):
        clf.predict(X)
    with pytest.raises(ValueError, match="NaN inside"):
        mid = X3.copy()
        mid[0, :, 3] = np.nan
        clf.predict(mid)
    clf2 = RNNClassifier(max_epochs=1, hidden_size=4, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf2.predict(X[:, :10])
    with pytest.raises(ValueError, match="n_timepoints"):
        RNNClassifier(max_epochs=1).fit(np.zeros((4, 2, 3, 5)), [0, 1, 0, 1])


def test_invalid_params():
    X, y, _ = waves(20, seed=0)
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        RNNClassifier(cell="transformer").fit(X, y)
    with pytest.raises(InvalidParameterError):
        RNNClassifier(merge_mode="max").fit(X, y)


def running_data(n=80, T=15, seed=0):
    """Per-step targets that need memory: the running mean of the series so far."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, T)
    X[::4, 10:] = np.nan  # some shorter series
    running = np.nancumsum(X, axis=1) / np.arange(1, T + 1)
    return X, running


def test_return_sequences_tags_say_one_target_per_step():
    # the tags said single-output while fit refuses a 1-D y
    from sklearn.utils import get_tags

    for cls in (RNNClassifier, RNNRegressor):
        per_step = get_tags(cls(return_sequences=True)).target_tags
        assert per_step.multi_output and not per_step.single_output
        assert get_tags(cls()).target_tags.single_output


def test_return_sequences_regressor():
    X, y = running_data()
    X_test, y_test = running_data(seed=1)
    reg = RNNRegressor("gru", return_sequences=True, hidden_size=16, max_epochs=40,
                       lr=0.02, batch_size=16, random_state=0).fit(X, y)
    pred = reg.predict(X_test)
    assert pred.shape == y_test.shape
    assert reg.score(X_test, y_test) > 0.5  # R² over the valid steps
    # padding steps repeat the last valid step's prediction
    np.testing.assert_array_equal(pred[0, 10:], np.repeat(pred[0, 9], 5))
    # y at padding steps is ignored (NaN there is fine, so is garbage)
    y_garbage = y.copy()
    y_garbage[np.isnan(X)] = 1e6
    reg2 = RNNRegressor("gru", return_sequences=True, hidden_size=16, max_epochs=40,
                        lr=0.02, batch_size=16, random_state=0).fit(X, y_garbage)
    np.testing.assert_allclose(reg2.predict(X_test), pred, rtol=1e-6, atol=1e-6)
    # ragged label lists, as X's lists of series may be: numpy's
    # "inhomogeneous shape" error before, now the estimator's own
    rng = np.random.RandomState(0)
    series = [rng.randn(n) for n in (5, 7, 6)]
    with pytest.raises(ValueError, match="rows of different lengths. Pad each"):
        clone(reg).fit(series, [rng.randn(len(s)) for s in series])


def test_return_sequences_classifier():
    X, running = running_data()
    y = np.where(running > 0, "up", "down")
    X_test, running_test = running_data(seed=1)
    y_test = np.where(running_test > 0, "up", "down")
    clf = RNNClassifier(return_sequences=True, bidirectional=False, hidden_size=16,
                        max_epochs=30, lr=0.02, batch_size=16,
                        class_weight="balanced", random_state=0).fit(X, y)
    assert clf.predict_proba(X_test).shape == (80, 15, 2)
    assert clf.predict(X_test).shape == (80, 15)
    assert clf.score(X_test, y_test) > 0.8
    assert list(clf.classes_) == ["down", "up"]
    with pytest.raises(ValueError, match="n_timepoints"):
        clf.fit(X, y[:, 0])


@pytest.mark.parametrize("merge_mode", ["concat", "mul"])
def test_return_sequences_bidirectional_padding(merge_mode):
    X, y = running_data(n=20)
    reg = RNNRegressor("lstm", return_sequences=True, bidirectional=True,
                       merge_mode=merge_mode, hidden_size=4, max_epochs=2,
                       random_state=0).fit(X[:, None, :], y)
    seq = X[1, :10]  # a full series, cut to 10 steps and NaN-padded to 15
    padded = np.full((1, 1, 15), np.nan)
    padded[0, 0, :10] = seq
    reg.module_.eval()
    with torch.no_grad():
        raw = reg.module_(torch.as_tensor(seq[None, None, :], dtype=torch.float32))
    expected = reg._in_target_units(raw[0, :, 0].numpy())
    np.testing.assert_allclose(reg.predict(padded)[0, :10], expected,
                               rtol=1e-5, atol=1e-6)


def test_list_of_variable_length_series():
    X, y, _ = waves(30, seed=0)
    rng = np.random.RandomState(0)
    lengths = rng.randint(15, T + 1, size=30)
    series = [X[i, : lengths[i]] for i in range(30)]
    clf = RNNClassifier(hidden_size=4, max_epochs=2, random_state=0).fit(series, y)
    assert clf.n_timepoints_ == lengths.max() and clf.input_ndim_ == 2
    padded = np.full((30, lengths.max()), np.nan)
    for i, s in enumerate(series):
        padded[i, : len(s)] = s
    np.testing.assert_array_equal(clf.predict_proba(series), clf.predict_proba(padded))
    clf2 = RNNClassifier(hidden_size=4, max_epochs=2, random_state=0).fit(padded, y)
    np.testing.assert_array_equal(clf2.predict_proba(padded), clf.predict_proba(padded))
    multi = [np.stack([s, -s]) for s in series]  # (2, T_i) each
    reg = RNNRegressor(hidden_size=4, max_epochs=2, random_state=0).fit(multi, lengths)
    assert reg.n_channels_ == 2 and reg.predict(multi[:3]).shape == (3,)
    with pytest.raises(ValueError, match="at most"):
        clf.predict([np.zeros(T + 5), np.zeros(3)])  # 2-D input: fixed length
    # short series of one length, or a single one, are padded like ragged ones
    one = np.full((1, clf.n_timepoints_), np.nan)
    one[0, :6] = series[0][:6]
    np.testing.assert_array_equal(clf.predict_proba([series[0][:6]]),
                                  clf.predict_proba(one))
    np.testing.assert_array_equal(
        clf.predict_proba([s[:6] for s in series[:3]]),
        clf.predict_proba([s[:6] for s in series[:3]] + [series[3][:5]])[:3])
    longer = [np.stack([s, -s]) for s in waves(3, seed=3, T=T + 10)[0]]
    assert reg.predict(longer + multi[:2]).shape == (5,)  # 3-D input: any length
    with pytest.raises(ValueError, match="different numbers of channels"):
        reg.predict([np.zeros((2, 5)), np.zeros((3, 6))])
    # series of one length too (numpy's "inhomogeneous shape" before)
    with pytest.raises(ValueError, match=r"channels: 5, 7\..*transpose"):
        reg.fit([np.zeros((5, 2)), np.zeros((7, 2))], [0.0, 1.0])
    with pytest.raises(ValueError, match="not both"):
        reg.fit([np.zeros(5), np.zeros((1, 5))], [0.0, 1.0])


def test_per_step_labels_padded_with_none_keep_their_type():
    # integer labels padded with None (an object array) failed with
    # "Unknown label type: unknown"
    X = [np.array([0.1, 0.5, -0.3]), np.array([0.2, -0.1]),
         np.array([0.4, 0.3, 0.0]), np.array([-0.2])]
    y = [[0, 1, 1], [1, 0, None], [0, 0, 1], [1, None, None]]
    clf = RNNClassifier(return_sequences=True, hidden_size=2, max_epochs=1,
                        random_state=0).fit(X, y)
    assert clf.classes_.dtype.kind == "i"
    assert clf.predict(X).dtype.kind == "i"
    assert 0 <= clf.score(X, y) <= 1


def test_per_step_score_checks_sample_weight():
    X = np.random.RandomState(0).randn(20, 6)
    Y = np.random.RandomState(1).randint(0, 3, (20, 6))
    clf = RNNClassifier(return_sequences=True, max_epochs=1, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="sample_weight.shape == \\(5,\\), expected"):
        clf.score(X, Y, sample_weight=np.ones(5))


@pytest.mark.parametrize("shape", [(20, 0, 5), (20, 2, 0)])
def test_no_channels_or_no_time_points_is_a_clear_error(shape):
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match="at least one channel and one time point"):
        RNNClassifier(max_epochs=1).fit(np.zeros(shape), y)
    clf = RNNClassifier(max_epochs=1, random_state=0).fit(np.zeros((20, 2, 5)), y)
    with pytest.raises(ValueError, match="at least one channel and one time point"):
        clf.predict(np.zeros((3, 2, 0)))


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_partial_fit_reads_a_ragged_list_against_the_fitted_length(cls):
    # a continuing call padded a list to its own longest series: the fitted
    # length (n_features_in_) changed from 10 to 8 without a word, and the
    # model then refused the series of its first call
    rng = np.random.RandomState(0)
    first = [rng.randn(k) for k in (10, 7, 9, 10)]
    est = cls(hidden_size=4, random_state=0)
    kwargs = {"classes": [0, 1]} if cls is RNNClassifier else {}
    est.partial_fit(first, [0, 1, 0, 1], **kwargs)
    est.partial_fit([rng.randn(k) for k in (6, 8)], [1, 0])
    assert est.n_features_in_ == est.n_timepoints_ == 10
    assert est.predict(first).shape == (4,)
    with pytest.raises(ValueError, match="12 time points.*at most 10"):
        est.partial_fit([rng.randn(12), rng.randn(8)], [1, 0])
    assert est.n_iter_ == 2

def test_probabilities_sum_to_one_in_float64():
    # the softmax ran in float32: rows summed to 1 within 1e-7 only
    from skdeep.recurrent import HierarchicalRNNClassifier

    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 2, 8), np.arange(40) % 3
    for model, target in ((RNNClassifier(max_epochs=2, random_state=0), y),
                          (RNNClassifier(max_epochs=2, return_sequences=True,
                                         random_state=0), np.tile(y[:, None], 8))):
        proba = model.fit(X, target).predict_proba(X)
        np.testing.assert_allclose(proba.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    X4 = rng.randn(40, 3, 2, 4)
    proba = HierarchicalRNNClassifier(max_epochs=2, random_state=0).fit(
        X4, y).predict_proba(X4)
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


def test_star_import_without_sktime():
    # LSTMForecaster, listed in __all__, failed `from skdeep.recurrent import *`
    # where sktime (the timeseries extra) is not installed
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['sktime'] = None\n"
        "from skdeep.recurrent import *\n"
        "import skdeep.recurrent as r\n"
        "assert 'LSTMForecaster' not in r.__all__ and 'RNNClassifier' in dir()\n"
        "try:\n"
        "    r.LSTMForecaster\n"
        "except ImportError as e:\n"
        "    assert 'skdeep[timeseries]' in str(e)\n"
        "else:\n"
        "    raise AssertionError('no ImportError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    import skdeep.recurrent

    assert "LSTMForecaster" in skdeep.recurrent.__all__  # (sktime installed here)
