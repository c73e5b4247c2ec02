"""CNNClassifier and CNNRegressor: input forms, learning, errors, imbalance, transfer."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skdeep import io
from skdeep.cnn import CNNClassifier, CNNRegressor

FAST = dict(max_epochs=15, lr=0.01, batch_size=16, random_state=0)


def bar_images(n=60, size=12, seed=0):
    """Noise images; class 1 carries a bright vertical bar somewhere."""
    rng = np.random.RandomState(seed)
    X = rng.normal(scale=0.5, size=(n, 1, size, size))
    y = np.arange(n) % 2
    for i in np.flatnonzero(y):
        col = rng.randint(0, size - 2)
        X[i, 0, 2:-2, col : col + 2] += 2.0
    return X, y


def wave_series(n=60, length=40, channels=1, seed=0):
    """Sines (class 0) against square waves (class 1) with random phase."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 4 * np.pi, length)
    phase = rng.uniform(0, 2 * np.pi, (n, channels, 1))
    y = np.arange(n) % 2
    X = np.sin(t + phase)
    X[y == 1] = np.sign(X[y == 1])
    return X + rng.normal(scale=0.1, size=X.shape), y


@pytest.mark.parametrize("architecture", ["plain", "fcn", "resnet", "inception", "tcn"])
def test_every_architecture_learns_series(architecture):
    X, y = wave_series()
    small = {"plain": (8, 8), "fcn": (8, 8, 8), "resnet": (8,), "inception": (4, 4, 4),
             "tcn": (8, 8)}[architecture]
    clf = CNNClassifier(architecture, conv_channels=small, **FAST).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.predict_proba(X).shape == (60, 2)
    assert np.allclose(clf.predict_proba(X).sum(axis=1), 1)
    assert clf.conv_dims_ == 1 and clf.input_shape_ == (1, 40)


@pytest.mark.parametrize("architecture", ["plain", "fcn", "resnet", "inception"])
def test_image_architectures(architecture):
    X, y = bar_images()
    small = {"plain": (8,), "fcn": (8, 8, 8), "resnet": (8,), "inception": (4,)}
    kernel = {"inception": 8}.get(architecture)
    clf = CNNClassifier(architecture, conv_channels=small[architecture],
                        kernel_size=kernel, **FAST).fit(X, y)
    assert clf.conv_dims_ == 2
    assert clf.score(X, y) > 0.85


def test_tcn_refuses_images():
    X, y = bar_images(n=10)
    with pytest.raises(ValueError, match="1-D series"):
        CNNClassifier("tcn", max_epochs=1).fit(X, y)


def test_input_forms_agree():
    """(n, H, W) with conv_dims=2 and flat rows with input_shape are the same images."""
    X, y = bar_images(n=40)
    a = CNNClassifier(conv_channels=(4,), max_epochs=2, random_state=0).fit(X, y)
    b = CNNClassifier(conv_channels=(4,), max_epochs=2, random_state=0, conv_dims=2)
    b.fit(X[:, 0], y)
    c = CNNClassifier(conv_channels=(4,), max_epochs=2, random_state=0,
                      input_shape=(1, 12, 12)).fit(X.reshape(40, -1), y)
    expected = a.predict_proba(X)
    np.testing.assert_allclose(b.predict_proba(X[:, 0]), expected, rtol=1e-5)
    np.testing.assert_allclose(c.predict_proba(X.reshape(40, -1)), expected, rtol=1e-5)
    assert b.n_features_in_ == 1 and c.n_features_in_ == 144


def test_flat_rows_after_a_transformer_in_a_pipeline():
    X, y = bar_images()
    pipe = make_pipeline(StandardScaler(), CNNClassifier(
        conv_channels=(8,), input_shape=(1, 12, 12), **FAST))
    assert pipe.fit(X.reshape(60, -1), y).score(X.reshape(60, -1), y) > 0.85


def test_transform_is_a_feature_extractor():
    X, y = wave_series()
    clf = CNNClassifier(conv_channels=(8, 16), head_hidden=(5,), **FAST).fit(X, y)
    assert clf.transform(X).shape == (60, 5)  # the input of the output layer
    clf = CNNClassifier(conv_channels=(8, 16), **FAST).fit(X, y)
    features = clf.transform(X)
    assert features.shape == (60, 16)
    from sklearn.linear_model import LogisticRegression

    pipe = make_pipeline(clf, LogisticRegression()).fit(X, y)  # CNN as a step
    assert pipe.score(X, y) > 0.9
    names = [f"cnnclassifier{i}" for i in range(16)]
    assert list(clf.get_feature_names_out()) == names
    # as a featurizer in a pandas pipeline (set_output used to be missing)
    pd = pytest.importorskip("pandas")
    rows = X.reshape(60, -1)
    featurizer = make_pipeline(
        StandardScaler(),
        CNNClassifier(conv_channels=(8, 16), input_shape=X.shape[1:], **FAST),
    ).set_output(transform="pandas")
    frame = featurizer.fit(rows, y).transform(pd.DataFrame(rows))
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == names


def test_a_padded_series_too_short_for_the_stack_is_refused():
    # (the padded width was checked: a series too short alone was accepted
    # NaN-padded, at fit and at predict)
    X, y = wave_series(n=20, length=24, channels=1)
    clf = CNNClassifier(conv_channels=(4, 4), kernel_size=5, padding="valid",
                        max_epochs=1, random_state=0)
    short = X.copy()
    short[3, :, 8:] = np.nan
    with pytest.raises(ValueError, match=r"Series 3 has 8 observed time points .*"
                       r"fewer than the 16 that architecture='plain'"):
        clf.fit(short, y)
    clf.fit(X, y)
    assert clf.min_input_size_ == 16
    with pytest.raises(ValueError, match="Series 3 has 8 observed time points"):
        clf.predict(short)
    with pytest.raises(ValueError, match="smaller than the 16 time points"):
        clf.predict(X[3:4, :, :8])  # as unpadded
    long_enough = X.copy()
    long_enough[3, :, 16:] = np.nan
    assert clf.predict(long_enough).shape == (20,)


def test_unequal_length_series():
    X, y = wave_series(n=40, length=50, channels=2)
    X_padded = X.copy()
    X_padded[::3, :, 37:] = np.nan  # every third series is shorter (odd:
    # the last pooling window of the first block holds a padding step)
    clf = CNNClassifier(conv_channels=(8, 8), **FAST).fit(X_padded, y)
    assert clf.score(X_padded, y) > 0.9
    # a list of ragged series is padded the same way
    ragged = [x[:, : 37 if i % 3 == 0 else 50] for i, x in enumerate(X)]
    np.testing.assert_allclose(clf.predict_proba(ragged), clf.predict_proba(X_padded))
    # A padded series gets the output of the series alone, whatever the
    # padding (the default 'same' stack too: its deeper layers saw the
    # padding's activations, and a short series' prediction changed when a
    # longer one was in the call)
    longer = np.concatenate([X_padded, np.full((40, 2, 10), np.nan)], axis=2)
    truncated = [x[:, : 37 if i % 3 == 0 else 50] for i, x in enumerate(X)]
    tcn = CNNClassifier("tcn", conv_channels=(8, 8), **FAST).fit(X_padded, y)
    for model in (clf, tcn):
        for method in ("predict_proba", "transform"):  # (features: not saturated)
            out = getattr(model, method)
            np.testing.assert_allclose(out(longer), out(X_padded), rtol=1e-5,
                                       atol=1e-6)
            alone = np.vstack([out(t[None]) for t in truncated])
            np.testing.assert_allclose(alone, out(X_padded), rtol=1e-5, atol=1e-6)
    # and global pooling accepts series of another length
    assert clf.predict(X[:, :, :30]).shape == (40,)


def test_nan_padding_needs_global_pooling():
    X, y = wave_series(n=20)
    X[0, :, 30:] = np.nan
    with pytest.raises(ValueError, match="global_pooling"):
        CNNClassifier(global_pooling=None, max_epochs=1).fit(X, y)


def test_flatten_needs_the_fitted_size():
    X, y = wave_series(n=20)
    clf = CNNClassifier(conv_channels=(4,), global_pooling=None, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="fitted size"):
        clf.predict(X[:, :, :32])


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda X: np.where(np.arange(12) == 5, np.nan, X), "NaN"),  # NaN in images
        (lambda X: X[:, :, :3, :3], "smaller than the 8 pixels"),
        (lambda X: np.concatenate([X, X], axis=1), "2 channels"),
        (lambda X: X[:, 0, 0, :], "fitted on 4-D input"),
    ],
)
def test_clear_errors_at_predict(make_X, match):
    X, y = bar_images(n=20)
    clf = CNNClassifier(conv_channels=(4, 4, 4), max_epochs=1).fit(X, y)
    assert clf.min_input_size_ == 8
    with pytest.raises(ValueError, match=match):
        clf.predict(make_X(X.copy()))


def test_too_small_at_fit_names_the_minimum():
    X, y = bar_images(n=20, size=6)
    with pytest.raises(ValueError, match="smaller than the 8 pixels"):
        CNNClassifier(max_epochs=1).fit(X, y)  # three 2x2 poolings need 8x8


def test_nan_inside_a_series_is_refused():
    X, y = wave_series(n=20)
    X[0, 0, 10] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CNNClassifier(max_epochs=1).fit(X, y)


def test_unfitted_and_bad_parameters():
    from sklearn.exceptions import NotFittedError

    X, y = wave_series(n=20)
    with pytest.raises(NotFittedError):
        CNNClassifier().predict(X)
    with pytest.raises(ValueError, match="conv_channels"):
        CNNClassifier(conv_channels=(8, -1), max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="kernel_size"):
        CNNClassifier(conv_channels=(8, 8), kernel_size=(3, 3, 3), max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="input_shape"):
        CNNClassifier(input_shape=(1, 7, 7), max_epochs=1).fit(X[:, 0], y)
    with pytest.raises(ValueError, match="not an augmentation for series"):
        CNNClassifier(augment="flip", max_epochs=1).fit(X, y)


def test_max_epochs_auto_trains_small_data_long_enough():
    # "auto": max(10, min(200, ceil(2000 / batches per epoch)))
    clf = CNNClassifier()
    assert clf.max_epochs == "auto" and CNNRegressor().max_epochs == "auto"
    for n, epochs in [(60, 200), (1280, 200), (1408, 182), (25_599, 10),
                      (60_000, 10)]:
        clf._resolve_max_epochs(n)
        assert clf.max_epochs_ == epochs
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 1, 12, 12))
    y = np.repeat([0, 1], 60)
    X[y == 1, :, 3:9, 5:7] += 1.0  # a faint bar
    train, test = slice(0, None, 2), slice(1, None, 2)
    ten = CNNClassifier(conv_channels=(8,), max_epochs=10, random_state=0)
    auto = CNNClassifier(conv_channels=(8,), random_state=0)
    assert ten.fit(X[train], y[train]).score(X[test], y[test]) == 0.5  # 10 steps
    auto.fit(X[train], y[train])
    assert auto.max_epochs_ == auto.n_iter_ == 200
    assert auto.score(X[test], y[test]) >= 0.75
    # the cosine schedule anneals over the resolved epochs
    assert auto.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


def test_random_state_makes_fits_reproducible():
    X, y = wave_series(n=30)
    a = CNNClassifier(conv_channels=(4,), max_epochs=2, random_state=3).fit(X, y)
    b = CNNClassifier(conv_channels=(4,), max_epochs=2, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_regressor_learns_frequency():
    rng = np.random.RandomState(0)
    freq = rng.uniform(1, 3, 100)
    X = np.sin(np.outer(freq, np.linspace(0, 6, 40)))
    reg = CNNRegressor("fcn", conv_channels=(8, 8), max_epochs=60, lr=0.01,
                       batch_size=16, random_state=0).fit(X, freq)
    assert reg.score(X, freq) > 0.8
    Y = np.column_stack([freq, -freq])
    reg2 = CNNRegressor(conv_channels=(8,), max_epochs=5, random_state=0).fit(X, Y)
    assert reg2.predict(X).shape == (100, 2)


def test_regressor_sample_weight_zero_ignores_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 1, 16))
    y = X.mean(axis=(1, 2))
    y_bad = y.copy()
    y_bad[:10] = 100.0  # outliers given zero weight
    w = np.ones(40)
    w[:10] = 0
    kw = dict(conv_channels=(4,), max_epochs=3, random_state=0)
    a = CNNRegressor(**kw).fit(X[10:], y[10:])
    b = CNNRegressor(**kw).fit(X, y_bad, sample_weight=w)
    assert np.abs(b.predict(X[10:]) - y[10:]).max() < 5  # outliers did not drag it
    assert a.predict(X).shape == b.predict(X).shape


# ---------------------------------------------------------------- imbalance
def imbalanced_series(seed=0, n_minority=6):
    X, y = wave_series(n=220, length=30, seed=seed)
    keep = np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:n_minority]])
    return X[keep], y[keep]


@pytest.mark.parametrize(
    "params",
    [dict(class_weight="balanced"), dict(sampling="oversample"),
     dict(sampling="undersample"), dict(class_weight={0: 1.0, 1: 20.0})],
)
def test_imbalance_remedies_raise_minority_recall(params):
    """110:6 imbalance, a short budget: the plain fit mostly predicts the
    majority class; each remedy finds more of the minority (3 seeds)."""
    Xt, yt = wave_series(n=200, length=30, seed=5)
    gains = []
    for seed in range(3):
        X, y = imbalanced_series(seed)
        kw = dict(conv_channels=(4,), max_epochs=5, lr=0.003, batch_size=64,
                  random_state=seed)
        none = CNNClassifier(**kw).fit(X, y)
        remedy = CNNClassifier(**kw, **params).fit(X, y)
        gains.append(recall_score(yt, remedy.predict(Xt), pos_label=1)
                     - recall_score(yt, none.predict(Xt), pos_label=1))
    assert np.mean(gains) > 0.15


def test_focal_loss_trains_and_equals_cross_entropy_at_gamma_zero():
    X, y = imbalanced_series(n_minority=20)
    kw = dict(conv_channels=(4,), max_epochs=3, random_state=0)
    ce = CNNClassifier(**kw).fit(X, y)
    focal0 = CNNClassifier(loss="focal", focal_gamma=0.0, **kw).fit(X, y)
    np.testing.assert_allclose(focal0.predict_proba(X), ce.predict_proba(X), rtol=1e-4)
    focal = CNNClassifier(loss="focal", conv_channels=(8,), max_epochs=20, lr=0.01,
                          batch_size=32, random_state=0).fit(X, y)
    Xt, yt = wave_series(n=100, length=30, seed=1)
    assert recall_score(yt, focal.predict(Xt), average="macro") > 0.7


def test_sample_weight_shapes_and_errors():
    X, y = wave_series(n=20)
    with pytest.raises(ValueError):
        CNNClassifier(max_epochs=1).fit(X, y, sample_weight=np.ones(19))
    with pytest.raises(ValueError, match="(?i)negative"):
        CNNClassifier(max_epochs=1).fit(X, y, sample_weight=-np.ones(20))
    CNNClassifier(conv_channels=(4,), max_epochs=1).fit(X, y, sample_weight=np.ones(20))


# ----------------------------------------------------------------- transfer
@pytest.fixture(scope="module")
def source():
    X, y = wave_series(n=60, length=40, seed=2)
    return CNNClassifier(conv_channels=(8, 8), **FAST).fit(X, y)


def _stack_state(est):
    return {k: v.clone() for k, v in est.module_.stack.state_dict().items()}


def test_init_from_copies_frozen_features_and_leaves_the_source_alone(source):
    before = _stack_state(source)
    proba_before = source.predict_proba(wave_series(n=5)[0])
    X, y = wave_series(n=30, length=40, seed=7)
    y = np.where(y == 1, "b", "a")  # other labels: a new head is built
    clf = CNNClassifier(conv_channels=(8, 8), init_from=source, freeze="features",
                        **FAST).fit(X, y)
    after = _stack_state(clf)
    for key, value in before.items():
        torch.testing.assert_close(after[key], value)  # frozen: weights and BN stats
        torch.testing.assert_close(_stack_state(source)[key], value)  # untouched
    np.testing.assert_array_equal(source.predict_proba(wave_series(n=5)[0]), proba_before)
    assert list(clf.classes_) == ["a", "b"]


def test_freeze_first_blocks_only(source):
    X, y = wave_series(n=30, seed=8)
    clf = CNNClassifier(conv_channels=(8, 8), init_from=source, freeze=1,
                        **FAST).fit(X, y)
    blocks_src, blocks_new = source.module_.stack.blocks, clf.module_.stack.blocks
    for a, b in zip(blocks_src[0].state_dict().values(), blocks_new[0].state_dict().values()):
        torch.testing.assert_close(a, b)
    changed = any(not torch.equal(a, b) for a, b in zip(
        blocks_src[1].state_dict().values(), blocks_new[1].state_dict().values()))
    assert changed
    with pytest.raises(ValueError, match="only 2 blocks"):
        CNNClassifier(conv_channels=(8, 8), freeze=3, max_epochs=1).fit(X, y)


def test_init_from_without_freeze_starts_from_the_source(source):
    X, y = wave_series(n=30, seed=9)
    kw = dict(conv_channels=(8, 8), max_epochs=1, lr=1e-6, random_state=1)
    tuned = CNNClassifier(init_from=source, **kw).fit(X, y)
    scratch = CNNClassifier(**kw).fit(X, y)
    s, t, r = (_stack_state(e) for e in (source, tuned, scratch))
    key = next(k for k in s if k.endswith("weight"))
    assert torch.allclose(t[key], s[key], atol=1e-4)  # lr ~ 0: still the source's
    assert not torch.allclose(r[key], s[key], atol=1e-2)


def test_init_from_survives_clone_and_grid_search(source):
    from sklearn.frozen import FrozenEstimator

    clf = CNNClassifier(conv_channels=(8, 8), init_from=source, max_epochs=2)
    assert clone(clf).init_from is source
    assert "init_from__lr" not in clf.get_params()
    # nor settable: sklearn's set_params passed it on to the caller's source
    # (a search over init_from__max_epochs rewrote it for every candidate)
    lr = source.lr
    with pytest.raises(ValueError, match=r"Cannot set \['init_from__lr'\]"):
        clone(clf).set_params(init_from__lr=0.5)
    assert source.lr == lr
    assert clf.set_params(max_epochs=3).max_epochs == 3
    X, y = wave_series(n=30, seed=4)
    grid = {"init_from": [None, FrozenEstimator(source)], "freeze": [None, "features"]}
    search = GridSearchCV(clf, grid, cv=2, error_score="raise").fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # A bare fitted estimator in a grid is cloned unfitted by scikit-learn:
    # the error says what to do instead.
    with pytest.raises(ValueError, match="FrozenEstimator"):
        GridSearchCV(clf, {"init_from": [source]}, cv=2, error_score="raise").fit(X, y)


def test_init_from_a_saved_file(source, tmp_path):
    path = tmp_path / "source.skdeep"
    io.save(source, path)
    X, y = wave_series(n=30, seed=4)
    clf = CNNClassifier(conv_channels=(8, 8), init_from=str(path), freeze="features",
                        max_epochs=1).fit(X, y)
    for key, value in _stack_state(source).items():
        torch.testing.assert_close(_stack_state(clf)[key], value)
    io.save(clf, tmp_path / "target.skdeep")  # a path parameter is storable


def test_init_from_mismatch_is_explained(source):
    X, y = wave_series(n=30, seed=4)
    with pytest.raises(ValueError, match="does not match"):
        CNNClassifier(conv_channels=(16, 8), init_from=source, max_epochs=1).fit(X, y)
    X2, _ = wave_series(n=30, channels=2)
    with pytest.raises(ValueError, match="does not match"):
        CNNClassifier(conv_channels=(8, 8), init_from=source, max_epochs=1).fit(X2, y)
    with pytest.raises(TypeError, match="init_from"):
        CNNClassifier(init_from=StandardScaler().fit(X[:, 0]), max_epochs=1).fit(X, y)
    # weights only the (deeper) source has: torch's RuntimeError before; an
    # architecture whose weights happen to fit: accepted before
    with pytest.raises(ValueError, match=r"at 'blocks.1.0.weight' \(source"):
        CNNClassifier(conv_channels=(8,), init_from=source, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="does not match this one in its layers"):
        CNNClassifier("fcn", conv_channels=(8, 8), kernel_size=3, init_from=source,
                      max_epochs=1).fit(X, y)
    # the same weight shapes, other wiring: the source's weights went into it
    for params, what in ((dict(dilation=2), "dilation is"),
                         (dict(pooling="avg"), "is MaxPool1d there, AvgPool1d here"),
                         (dict(activation="tanh"), "is ReLU there, Tanh here")):
        with pytest.raises(ValueError, match=f"in its layers: .*{what}"):
            CNNClassifier(conv_channels=(8, 8), init_from=source, max_epochs=1,
                          **params).fit(X, y)
    CNNClassifier(conv_channels=(8, 8), init_from=source, max_epochs=1,
                  dropout=0.3).fit(X, y)  # dropout holds no weights
    # a fitted search: its .estimator is the unfitted template ("unfitted")
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(CNNClassifier(conv_channels=(8, 8), max_epochs=1),
                          {"lr": [1e-3]}, cv=2).fit(X, y)
    with pytest.raises(TypeError, match="got GridSearchCV \\(pass its best_estimator_"):
        CNNClassifier(conv_channels=(8, 8), init_from=search, max_epochs=1).fit(X, y)


def test_partial_fit_applies_freeze_and_needs_no_source(source, tmp_path):
    # freeze set since was ignored by partial_fit (the stack kept training,
    # or stayed frozen); a file init_from was read again at every call
    X, y = wave_series(n=30, length=40, seed=4)
    path = tmp_path / "source.skdeep"
    io.save(source, path)
    clf = CNNClassifier(conv_channels=(8, 8), init_from=str(path), **FAST).fit(X, y)
    path.unlink()
    before = _stack_state(clf)
    clf.set_params(freeze="features").partial_fit(X, y)
    for key, value in before.items():
        torch.testing.assert_close(_stack_state(clf)[key], value)
    clf.set_params(freeze=None).partial_fit(X, y)  # gradual unfreezing
    assert not torch.equal(_stack_state(clf)["blocks.0.0.weight"],
                           before["blocks.0.0.weight"])


def test_numpy_ints_and_bad_head_widths():
    # numpy ints (a grid from np.arange) were refused by the stack's own
    # check; a head width of 0 trained a constant predictor
    X, y = wave_series(n=20)
    search = GridSearchCV(CNNClassifier(conv_channels=(4,), max_epochs=1),
                          {"kernel_size": np.arange(3, 6, 2),
                           "pool_size": np.array([2])}, cv=2, error_score="raise")
    assert np.isfinite(search.fit(X, y).cv_results_["mean_test_score"]).all()
    from sklearn.utils._param_validation import InvalidParameterError

    for widths in ((0,), (-1,), (2.5,)):
        with pytest.raises(InvalidParameterError, match="head_hidden"):
            CNNClassifier(conv_channels=(4,), head_hidden=widths,
                          max_epochs=1).fit(X, y)
    # too small an input: the message names what shrinks it here
    with pytest.raises(ValueError, match="kernel_size=7, padding='valid'"):
        CNNClassifier(conv_channels=(4,), kernel_size=7, padding="valid",
                      pooling=None, max_epochs=1).fit(X[:, :, :5], y)


def test_head_lr_sets_discriminative_learning_rates():
    X, y = wave_series(n=20)
    clf = CNNClassifier(conv_channels=(4,), head_hidden=(3,), lr=1e-4, head_lr=1e-2,
                        lr_schedule="constant", max_epochs=1).fit(X, y)
    lrs = sorted(g["lr"] for g in clf.net_.optimizer_.param_groups)
    assert lrs[0] == 1e-4 and lrs[-1] == 1e-2


def test_cosine_schedule_anneals_every_group_to_zero():
    X, y = wave_series(n=20)
    clf = CNNClassifier(conv_channels=(4,), lr=0.01, head_lr=0.1, max_epochs=4).fit(X, y)
    # skorch records the last parameter group's rate: the head's
    np.testing.assert_allclose(clf.history_[:, "event_lr"],
                               0.1 * (1 + np.cos(np.pi * np.arange(4) / 4)) / 2)
    assert all(g["lr"] < 1e-12 for g in clf.net_.optimizer_.param_groups)


def test_regressor_transfers_from_a_classifier(source):
    X, _ = wave_series(n=30, seed=4)
    reg = CNNRegressor(conv_channels=(8, 8), init_from=source, freeze="features",
                       max_epochs=2).fit(X, X.mean(axis=(1, 2)))
    for key, value in _stack_state(source).items():
        torch.testing.assert_close(_stack_state(reg)[key], value)


# ------------------------------------------------------------- augmentation
def test_augmentation_only_in_training():
    X, y = bar_images(n=40)
    plain = CNNClassifier(conv_channels=(4,), max_epochs=2, random_state=0).fit(X, y)
    aug = CNNClassifier(conv_channels=(4,), max_epochs=2, random_state=0,
                        augment=("shift", "flip")).fit(X, y)
    assert not np.allclose(plain.predict_proba(X), aug.predict_proba(X))
    np.testing.assert_array_equal(aug.predict_proba(X), aug.predict_proba(X))
    Xs, ys = wave_series(n=40)
    CNNClassifier(conv_channels=(4,), max_epochs=2, augment="auto").fit(Xs, ys)
    CNNClassifier(conv_channels=(4,), max_epochs=2, augment=("slice",)).fit(Xs, ys)


# -------------------------------------------------------------- persistence
def test_pickle_and_io_round_trip(tmp_path):
    X, y = bar_images(n=30)
    clf = CNNClassifier(conv_channels=(4,), max_epochs=2, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X), expected)
    io.save(clf, tmp_path / "cnn.skdeep")
    np.testing.assert_array_equal(io.load(tmp_path / "cnn.skdeep").predict_proba(X), expected)


def test_function_transformer_pipeline_reshapes():
    X, y = bar_images(n=40)
    pipe = make_pipeline(FunctionTransformer(lambda Z: Z.reshape(len(Z), 1, 12, 12)),
                         CNNClassifier(conv_channels=(8,), **FAST))
    assert pipe.fit(X.reshape(40, -1), y).score(X.reshape(40, -1), y) > 0.85


def test_lists_read_as_their_arrays():
    # grayscale images given as nested lists lost their channel axis (read as
    # 8 channels of 8 steps), and a list of flat rows laid out by input_shape
    # as 2 channels was refused ("a series has 16 time points, at most 8")
    rng = np.random.RandomState(0)
    images, y = rng.normal(size=(20, 8, 8)), np.repeat([0, 1], 10)
    params = dict(conv_channels=(4,), max_epochs=1, random_state=0)
    from_list = CNNClassifier(conv_dims=2, **params).fit(images.tolist(), y)
    from_array = CNNClassifier(conv_dims=2, **params).fit(images, y)
    assert from_list.n_features_in_ == 1
    np.testing.assert_array_equal(from_list.predict_proba(images[:3].tolist()),
                                  from_array.predict_proba(images[:3]))
    rows = rng.normal(size=(20, 16))
    flat = CNNClassifier(input_shape=(2, 8), **params).fit(rows, y)
    np.testing.assert_array_equal(flat.predict_proba(list(rows[:2])),
                                  flat.predict_proba(rows[:2]))


def test_training_on_padded_series_does_not_see_the_amount_of_padding():
    # batch norm's training statistics took in the padding steps: the same
    # series padded further gave another model (predict_proba 0.08 apart)
    rng = np.random.RandomState(0)
    X = rng.randn(32, 1, 24).astype(np.float32)
    y = (X[:, 0, :8].mean(1) > 0).astype(int)
    for i, n in enumerate(rng.randint(12, 25, len(X))):
        X[i, :, n:] = np.nan
    wider = np.concatenate([X, np.full((32, 1, 10), np.nan, np.float32)], axis=2)
    params = dict(architecture="fcn", conv_channels=(4, 4), max_epochs=2,
                  batch_size=16, random_state=0)
    np.testing.assert_allclose(
        CNNClassifier(**params).fit(wider, y).predict_proba(wider),
        CNNClassifier(**params).fit(X, y).predict_proba(X), atol=1e-6)


def test_auto_epochs_count_the_rows_an_undersampled_epoch_draws():
    # "auto" promises 2000 gradient steps; it counted every training row,
    # and an undersampled epoch draws 2 x the minority (a fifth of them)
    rng = np.random.RandomState(0)
    X = rng.randn(600, 16)
    y = np.r_[np.zeros(480, int), np.ones(120, int)]
    X[y == 1] += 1.0
    clf = CNNClassifier(conv_channels=(4,), batch_size=8, sampling="undersample",
                        early_stopping=True, n_iter_no_change=1, tol=10.0,
                        random_state=0).fit(X, y)
    # 540 training rows (stratified): 108 of the minority, 216 a balanced
    # epoch, 27 batches: ceil(2000 / 27) = 75 epochs (540 rows: 40)
    steps = sum("train_loss" in b for b in clf.history_[-1]["batches"])
    assert steps == 27
    assert clf.max_epochs_ == 75


def test_jitter_reaches_nan_padded_series():
    # their standard deviation was NaN, made 0: no jitter at all
    from skdeep.cnn._augment import Augment

    x = torch.randn(4, 2, 20, generator=torch.Generator().manual_seed(0))
    x[0, :, 12:] = float("nan")
    noisy = Augment(("jitter",))._jitter(x)
    assert torch.isnan(noisy[0, :, 12:]).all()  # the padding stays padding
    change = (noisy - x)[:, :, :12].abs().amax(dim=(1, 2))
    assert (change > 0).all()
    # the noise follows each series' own spread (3% of its std)
    observed = x[0, :, :12].std(dim=-1)
    assert (noisy - x)[0, :, :12].std(dim=-1).lt(0.2 * observed).all()
    # unpadded series: the noise of their plain standard deviation (ddof=1)
    torch.manual_seed(1)
    noisy = Augment(("jitter",))._jitter(x[1:])
    torch.manual_seed(1)
    expected = x[1:] + torch.randn_like(x[1:]) * 0.03 * x[1:].std(-1, keepdim=True)
    torch.testing.assert_close(noisy, expected)


def test_clone_with_a_fitted_source_keeps_output_and_routing_settings(source):
    # the custom clone built the copy from the parameters only: set_output
    # and set_fit_request were lost (as scikit-learn's own clone keeps them)
    import sklearn

    with sklearn.config_context(enable_metadata_routing=True):
        est = CNNClassifier(init_from=source).set_fit_request(sample_weight=True)
        copy = clone(est.set_output(transform="pandas"))
        assert copy.init_from is source
        assert copy.get_metadata_routing().fit.requests == {"sample_weight": True}
        assert copy._sklearn_output_config == {"transform": "pandas"}


def test_balanced_class_weight_with_a_wrong_length_sample_weight():
    # the class weights broadcast the raw weights first: numpy's "operands
    # could not be broadcast" instead of scikit-learn's shape message
    rng = np.random.RandomState(0)
    clf = CNNClassifier(class_weight="balanced", conv_channels=(4,), max_epochs=1)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(19,\), expected"):
        clf.fit(rng.randn(20, 16), np.repeat([0, 1], 10), sample_weight=np.ones(19))


def test_regressor_partial_fit_with_a_column_y_keeps_1d_predictions():
    # a later call with y of shape (n, 1) turned the 1-D model's predictions
    # (and y_mean_) two-dimensional
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 1, 16), rng.randn(20)
    reg = CNNRegressor(conv_channels=(4,), max_epochs=1, batch_size=8, random_state=0)
    reg.fit(X, y).partial_fit(X, y[:, None])
    assert reg.predict(X[:3]).shape == (3,) and np.ndim(reg.y_mean_) == 0


@pytest.mark.parametrize("cls", [CNNClassifier, CNNRegressor])
def test_partial_fit_continues_on_grayscale_images(cls):
    # (n, H, W) images count one feature, their channel: a second call
    # refused them ("X has 8 features, but ... is expecting 1")
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 8, 8)), np.repeat([0, 1], 10)
    est = cls(conv_dims=2, conv_channels=(4,), max_epochs=1, random_state=0)
    est.fit(X, y).partial_fit(X, y)
    assert est.n_iter_ == 2 and est.n_features_in_ == 1
    with pytest.raises(ValueError, match="fitted on 3-D input but X is 4-D"):
        est.partial_fit(rng.normal(size=(20, 2, 8, 8)), y)  # as predict says


@pytest.mark.parametrize("cls", [CNNClassifier, CNNRegressor])
def test_partial_fit_of_other_dimensionality_says_so(cls):
    # images after series: a feature count read off the channel axis said
    # "X has 1 features, but ... is expecting 8", as if a column were missing
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 8, 8)), np.repeat([0, 1], 10)
    est = cls(conv_channels=(4,), max_epochs=1, random_state=0).fit(X, y)
    for other in (X[:, None], X.reshape(20, 64)):
        with pytest.raises(ValueError, match=r"fitted on 3-D input but X is "
                           rf"{other.ndim}-D with shape \(20, "):
            est.partial_fit(other, y)
    assert est.n_iter_ == 1  # nothing trained


def test_continuing_partial_fit_keeps_the_fitted_size():
    # each call set input_shape_ anew: with global_pooling=None, 12 x 8
    # images after 8 x 12 ones (the same flattened width) trained the head
    # on other positions, and predict then refused the first size
    rng = np.random.RandomState(0)
    y = np.arange(20) % 2
    wide, tall = rng.normal(size=(20, 1, 8, 12)), rng.normal(size=(20, 1, 12, 8))
    est = CNNClassifier(conv_channels=(4,), global_pooling=None, random_state=0)
    est.partial_fit(wide, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"Input of size \(12, 8\) differs from "
                                         r"the fitted size \(8, 12\)"):
        est.partial_fit(tall, y)
    assert est.input_shape_ == (1, 8, 12) and est.n_iter_ == 1
    assert est.predict(wide).shape == (20,)
    # with global pooling another length trains; the fitted shape stays
    series = CNNClassifier(conv_channels=(4,), random_state=0)
    series.partial_fit(rng.normal(size=(20, 1, 24)), y, classes=[0, 1])
    series.partial_fit(rng.normal(size=(20, 1, 30)), y)
    assert series.input_shape_ == (1, 24) and series.n_iter_ == 2
    # the kind of input is the fitted one too (conv_dims changed since)
    grey = CNNClassifier(conv_channels=(4,), random_state=0)
    grey.partial_fit(rng.normal(size=(20, 8, 8)), y, classes=[0, 1])
    with pytest.raises(ValueError, match="X holds images, but CNNClassifier was "
                                         "fitted on series"):
        grey.set_params(conv_dims=2).partial_fit(rng.normal(size=(20, 8, 8)), y)


def test_partial_fit_reads_a_ragged_list_against_the_fitted_length():
    # as for RNNs: a continuing call's list of series set the fitted length
    rng = np.random.RandomState(0)
    first = [rng.randn(k) for k in (10, 7, 9, 10)]
    est = CNNClassifier(conv_channels=(4,), random_state=0)
    est.partial_fit(first, [0, 1, 0, 1], classes=[0, 1])
    est.partial_fit([rng.randn(k) for k in (6, 8)], [1, 0])
    assert est.n_features_in_ == 10 and est.input_shape_ == (1, 10)
    assert est.predict(first).shape == (4,)
    with pytest.raises(ValueError, match="12 time points.*at most 10"):
        est.partial_fit([rng.randn(12), rng.randn(8)], [1, 0])


def test_channels_last_images_are_warned_about():
    # (n, H, W, 3) images were read as 8 channels of 8 x 3 images, silently
    from skdeep.autoencoder import ConvAutoencoderTransformer
    from skdeep.siamese import SiameseTransformer

    rng = np.random.RandomState(0)
    last = rng.rand(20, 8, 8, 3).astype(np.float32)
    first = np.ascontiguousarray(last.transpose(0, 3, 1, 2))
    y = np.arange(20) % 2
    for est in (CNNClassifier(conv_channels=(2,), max_epochs=1, random_state=0),
                ConvAutoencoderTransformer(channels=(2,), code_size=2, max_epochs=1,
                                           random_state=0),
                SiameseTransformer(max_epochs=1, random_state=0)):
        with pytest.warns(UserWarning, match=r"looks channels-last \(3 channels\)"):
            try:
                est.fit(last, y)
            except ValueError:  # (too small once read the wrong way round)
                pass
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            est.fit(first, y)
