"""Tests of the learned shapelets: ShapeletTransformer and ShapeletClassifier."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skdeep.signal import ShapeletClassifier, ShapeletTransformer
from skdeep.signal._shapelet_modules import ShapeletDistances, min_distances

FAST = dict(max_epochs=40, lr=0.05, batch_size=32, random_state=0)


def _planted(n=60, T=60, L=10, channels=None, seed=0, noise=0.3):
    """Class 1 carries a bump of length L at a random position, class 0 not.

    Returns X of shape (n, T) or (n, channels, T) (the bump in channel 1
    only), the labels and the bump starts.
    """
    rng = np.random.RandomState(seed)
    shape = (n, T) if channels is None else (n, channels, T)
    X = rng.normal(scale=noise, size=shape)
    y = np.arange(n) % 2
    starts = rng.randint(0, T - L + 1, size=n)
    bump = 3.0 * np.hanning(L)
    for i in np.flatnonzero(y == 1):
        if channels is None:
            X[i, starts[i] : starts[i] + L] += bump
        else:
            X[i, 1, starts[i] : starts[i] + L] += bump
    return X, y, starts


def _window_distances(x, s, length=None):
    """Brute force: mean squared difference of every valid window, float64."""
    x = np.atleast_2d(x)
    s = np.atleast_2d(s)
    L = s.shape[-1]
    T = x.shape[-1] if length is None else length
    return np.array(
        [np.mean((x[:, p : p + L] - s) ** 2) for p in range(T - L + 1)]
    )


def _reference(est, X3, lengths=None, alpha=None):
    """Exact (alpha None) or soft minimum distances and argmin, by brute force."""
    n = len(X3)
    out = np.zeros((n, est.n_shapelets_))
    where = np.zeros((n, est.n_shapelets_), dtype=int)
    for i in range(n):
        for k, s in enumerate(est.shapelets_):
            d = _window_distances(X3[i], s, None if lengths is None else lengths[i])
            where[i, k] = np.argmin(d)
            if alpha is None:
                out[i, k] = d.min()
            else:
                w = np.exp(-alpha * (d - d.min()))
                out[i, k] = (w * d).sum() / w.sum()
    return out, where


# -- shapes, names, attributes -------------------------------------------------


def test_shapes_names_and_attributes():
    X, y, _ = _planted(n=30)
    clf = ShapeletClassifier(n_shapelets=3, shapelet_lengths=(0.1, 8, 0.25), **FAST)
    clf.fit(X, y)
    # 0.1 * 60 = 6, 8, 0.25 * 60 = 15: three lengths, three shapelets each
    np.testing.assert_array_equal(clf.shapelet_lengths_, [6] * 3 + [8] * 3 + [15] * 3)
    assert clf.n_shapelets_ == 9
    assert [s.shape for s in clf.shapelets_] == [(1, L) for L in clf.shapelet_lengths_]
    assert clf.transform(X).shape == (30, 9)
    assert clf.predict_proba(X).shape == (30, 2)
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    assert clf.decision_function(X).shape == (30,)
    assert clf.coef_.shape == (2, 9) and clf.intercept_.shape == (2,)
    pos = clf.best_match_positions(X)
    assert pos.shape == (30, 9) and pos.dtype == np.int64
    assert (pos >= 0).all() and (pos + clf.shapelet_lengths_ <= 60).all()
    names = clf.get_feature_names_out()
    assert names[0] == "shapelet0_length6" and names[-1] == "shapelet8_length15"
    assert len(names) == clf.transform(X[:2]).shape[1]
    # lengths that coincide after rounding are merged
    st = ShapeletTransformer(n_shapelets=2, shapelet_lengths=(0.1, 6, 0.105)).fit(X)
    np.testing.assert_array_equal(st.shapelet_lengths_, [6, 6])


# -- the distances against a brute-force reference ----------------------------


def test_exact_transform_matches_brute_force():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(7, 30))
    st = ShapeletTransformer(
        n_shapelets=3, shapelet_lengths=(4, 9), inference_min="exact", random_state=0
    ).fit(X)
    expected, where = _reference(st, X[:, None])
    np.testing.assert_allclose(st.transform(X), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(st.best_match_positions(X), where)
    # Far from zero: float32 ||x||^2 - 2 x.s + ||s||^2 would lose the distances
    # (about 1e-7 * 1e6 * L); they are computed relative to the data's level.
    far = 1000.0 + X
    st.fit(far)
    expected, where = _reference(st, far[:, None])
    np.testing.assert_allclose(st.transform(far), expected, rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(st.best_match_positions(far), where)


def test_soft_transform_matches_reference_and_tends_to_min():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(6, 2, 25))
    exact = ShapeletTransformer(
        n_shapelets=2, shapelet_lengths=(3, 7), inference_min="exact", random_state=0
    ).fit(X)
    minimum = exact.transform(X)
    gaps = []
    for alpha in (0.5, 5.0, 50.0, 500.0):
        # unsupervised fits with one seed: the same k-means shapelets
        st = clone(exact).set_params(alpha=alpha, inference_min="soft").fit(X)
        for a, b in zip(st.shapelets_, exact.shapelets_):
            np.testing.assert_array_equal(a, b)
        soft = st.transform(X)
        expected, _ = _reference(st, X, alpha=alpha)
        np.testing.assert_allclose(soft, expected, rtol=1e-4, atol=1e-5)
        assert (soft >= minimum - 1e-5).all()  # a weighted mean of distances
        gaps.append(np.abs(soft - minimum).max())
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-3 < gaps[0]


def test_chunked_distances_equal_one_chunk():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(5, 2, 40, generator=gen)
    lengths = torch.tensor([40, 33, 12, 40, 20])
    s = torch.randn(3, 2, 6, generator=gen, requires_grad=True)
    for kwargs in ({"exact": True}, {"alpha": 3.0}):
        whole = min_distances(x, s, lengths, max_chunk_elements=10**9, **kwargs)
        parts = min_distances(x, s, lengths, max_chunk_elements=7, **kwargs)
        torch.testing.assert_close(parts, whole, rtol=1e-5, atol=1e-6)
        if "alpha" in kwargs:  # the checkpointed chunks give the same gradient
            (g_whole,) = torch.autograd.grad(whole.sum(), s)
            (g_parts,) = torch.autograd.grad(parts.sum(), s)
            torch.testing.assert_close(g_parts, g_whole, rtol=1e-4, atol=1e-5)
    _, p_whole = min_distances(x, s, lengths, return_positions=True)
    _, p_parts = min_distances(
        x, s, lengths, return_positions=True, max_chunk_elements=7
    )
    torch.testing.assert_close(p_parts, p_whole)


# -- unequal lengths: NaN padding ----------------------------------------------


def test_padding_is_never_a_match():
    # Zero padding would match the zero shapelet perfectly; NaN padding must not.
    x = torch.full((2, 1, 20), 5.0)
    x[0, 0, 12:] = float("nan")
    layer = ShapeletDistances([np.zeros((1, 1, 4))])
    with torch.no_grad():
        np.testing.assert_allclose(layer(x, exact=True).numpy(), 25.0)
        np.testing.assert_allclose(layer(x).numpy(), 25.0)
        assert layer.best_positions(x)[0, 0] <= 12 - 4


def test_paa_shortens_long_series_and_maps_back():
    X, y, _ = _planted(n=40, T=61, L=12)
    # 61 steps, at most 20: blocks of ceil(61 / 20) = 4 steps, 16 blocks
    clf = ShapeletClassifier(
        n_shapelets=2, shapelet_lengths=(0.25, 8), max_timepoints=20, **FAST
    ).fit(X, y)
    assert clf.paa_factor_ == 4
    # 0.25 of 16 blocks = 4 blocks; 8 steps = 2 blocks: spans in input steps
    np.testing.assert_array_equal(clf.shapelet_lengths_, [8, 8, 16, 16])
    assert [s.shape for s in clf.shapelets_] == [(1, 2)] * 2 + [(1, 4)] * 2
    # the same as the model fitted on the block means, by hand
    padded = np.pad(X, ((0, 0), (0, 3)), constant_values=np.nan)
    Xp = np.nanmean(padded.reshape(40, 16, 4), axis=-1)
    ref = ShapeletClassifier(
        n_shapelets=2, shapelet_lengths=(0.25, 2), **FAST
    ).fit(Xp, y)
    np.testing.assert_allclose(clf.transform(X), ref.transform(Xp), rtol=1e-5)
    np.testing.assert_array_equal(
        clf.best_match_positions(X), 4 * ref.best_match_positions(Xp)
    )
    np.testing.assert_array_equal(clf.predict(X), ref.predict(Xp))
    assert clf.score(X, y) > 0.9
    # 2-D input after fit keeps 61 columns; a limit above T changes nothing
    with pytest.raises(ValueError, match="61"):
        clf.transform(X[:, :60])
    loose = ShapeletTransformer(n_shapelets=2, shapelet_lengths=8,
                                max_timepoints=61, random_state=0).fit(X)
    plain = ShapeletTransformer(n_shapelets=2, shapelet_lengths=8,
                                random_state=0).fit(X)
    assert loose.paa_factor_ == plain.paa_factor_ == 1
    np.testing.assert_allclose(loose.transform(X), plain.transform(X))


def test_paa_on_nan_padded_series():
    rng = np.random.RandomState(1)
    lengths = np.array([40, 23, 31, 17])
    X = np.full((4, 1, 40), np.nan)
    for i, m in enumerate(lengths):
        X[i, 0, :m] = rng.normal(size=m)
    st = ShapeletTransformer(n_shapelets=2, shapelet_lengths=1.0, max_timepoints=10,
                             inference_min="exact", random_state=0).fit(X)
    # blocks of 4: the shortest series (17 steps) has ceil(17 / 4) = 5 blocks
    assert st.paa_factor_ == 4
    np.testing.assert_array_equal(st.shapelet_lengths_, [20, 20])
    pos = st.best_match_positions(X)
    assert (pos % 4 == 0).all() and (pos // 4 + 5 <= -(-lengths[:, None] // 4)).all()
    assert np.isfinite(st.transform(X)).all()
    with pytest.raises(ValueError, match="after PAA in blocks of 4"):
        st.transform(X[:, :, :16])
    # an int length is checked in steps: 18 to 20 rounded to 5 blocks, within
    # the shortest series' 5 (partial) blocks, and were accepted
    for steps, accepted in [(17, True), (18, False), (20, False)]:
        est = ShapeletTransformer(n_shapelets=2, shapelet_lengths=steps,
                                  max_timepoints=10, max_epochs=1, random_state=0)
        if accepted:
            assert est.fit(X).shapelet_lengths_.tolist() == [16, 16]
        else:
            with pytest.raises(ValueError, match="has 17 observed time steps"):
                est.fit(X)


def test_inference_works_a_block_of_rows_at_a_time(monkeypatch):
    # PAA's padded and masked copies and the float64 level shift were made of
    # the whole input: 76 MB of float32 series peaked at +193 MB in transform
    # (+27 MB now); the blocks give the same numbers, bit for bit
    import skdeep.signal._shapelets as shapelets

    rng = np.random.RandomState(0)
    lengths = rng.randint(30, 41, size=9)
    X = np.full((9, 2, 40), np.nan, dtype=np.float32)
    for i, m in enumerate(lengths):
        X[i, :, :m] = rng.normal(size=(2, m)) + 1e3
    whole, _ = shapelets._paa(X, lengths, 3)
    monkeypatch.setattr(shapelets, "_PAA_BLOCK_VALUES", 2 * 14 * 3 * 2)  # 2 rows
    blocked, _ = shapelets._paa(X, lengths, 3)
    np.testing.assert_array_equal(blocked, whole)
    st = ShapeletTransformer(n_shapelets=2, shapelet_lengths=0.3, max_timepoints=14,
                             max_epochs=1, random_state=0).fit(X)
    rows = st._shifted(X)
    assert not isinstance(rows, np.ndarray)  # (made as inference reads them)
    offset = st.module_.distances.offset.double().numpy()[None, :, None]
    np.testing.assert_array_equal(rows[2:5], X[2:5].astype(np.float64) - offset)
    assert st.transform(X).shape == (9, st.n_shapelets_)


def test_auto_paa_keeps_oscillations_and_shortens_smooth_series():
    from skdeep.signal._shapelets import _spectral_paa_factor

    rng = np.random.RandomState(0)
    t = np.arange(640)
    full = np.full(6, 640)
    # period 10: blocks of f > 5 steps would average the oscillation away
    # (its frequency 0.1 lies above 1 / (2 f) only for f >= 6)
    X = np.sin(2 * np.pi * t / 10)[None, None] + 0.01 * rng.normal(size=(6, 1, 640))
    assert _spectral_paa_factor(X, full) == 5
    # white noise: energy at every frequency, never shortened
    assert _spectral_paa_factor(rng.normal(size=(6, 1, 640)), full) == 1
    # a slow sine: at most 640 // 64 = 10 steps a block (64 blocks remain)
    slow = np.sin(2 * np.pi * t / 320)[None, None].repeat(6, axis=0)
    assert _spectral_paa_factor(slow, full) == 10
    # NaN padding: the shortest series (130 steps) bounds f by 130 // 64 = 2
    Xp = slow.copy()
    Xp[0, :, 130:] = np.nan
    lengths = np.where(np.arange(6) == 0, 130, 640)
    assert _spectral_paa_factor(Xp, lengths) == 2
    # through the estimator: the factor is fitted, lengths map back to steps
    y = np.arange(6) % 2
    clf = ShapeletClassifier(n_shapelets=2, shapelet_lengths=(0.1,),
                             max_timepoints="auto", max_epochs=2,
                             random_state=0).fit(slow[:, 0], y)
    assert clf.paa_factor_ == 10
    np.testing.assert_array_equal(clf.shapelet_lengths_, [60, 60])
    assert clf.transform(slow[:, 0]).shape == (6, 2)
    with pytest.raises(ValueError, match="max_timepoints"):
        ShapeletClassifier(max_timepoints="fast").fit(slow[:, 0], y)


def test_nan_padded_series(recwarn):
    rng = np.random.RandomState(3)
    lengths = np.array([30, 18, 25, 12, 30, 21, 16, 27])
    ragged = [rng.normal(size=(2, n)) for n in lengths]
    X = np.full((8, 2, 30), np.nan)
    for i, r in enumerate(ragged):
        X[i, :, : lengths[i]] = r
    # 0.5 of the shortest series (12 steps) = 6
    st = ShapeletTransformer(
        n_shapelets=3, shapelet_lengths=(0.5, 10), inference_min="exact", random_state=0
    ).fit(X)
    np.testing.assert_array_equal(np.unique(st.shapelet_lengths_), [6, 10])
    expected, where = _reference(st, X, lengths)
    np.testing.assert_allclose(st.transform(X), expected, rtol=1e-4, atol=1e-5)
    pos = st.best_match_positions(X)
    np.testing.assert_array_equal(pos, where)
    assert (pos + st.shapelet_lengths_ <= lengths[:, None]).all()
    # a list of arrays is padded the same way; one series alone gives the same
    np.testing.assert_allclose(st.transform(ragged), st.transform(X), rtol=1e-6)
    np.testing.assert_allclose(
        st.transform(ragged[3][None]), st.transform(X)[3:4], rtol=1e-4, atol=1e-6
    )
    # supervised training runs on padded series too
    y = np.arange(8) % 2
    clf = ShapeletClassifier(n_shapelets=2, shapelet_lengths=0.5, **FAST).fit(X, y)
    assert np.isfinite(clf.loss_curve_).all()
    assert np.isfinite(clf.predict_proba(X)).all()
    assert (clf.best_match_positions(X) + 6 <= lengths[:, None]).all()


# -- learning -------------------------------------------------------------------


def test_classifier_learns_planted_pattern_and_finds_it():
    X, y, starts = _planted(n=120)
    train, test = slice(0, 60), slice(60, None)
    clf = ShapeletClassifier(n_shapelets=4, shapelet_lengths=10, **FAST)
    clf.fit(X[train], y[train])
    assert clf.score(X[test], y[test]) >= 0.9  # chance is 0.5
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    # the shapelet speaking most for a class finds the bump in class-1 series
    k = np.argmax(np.abs(clf.coef_[1] - clf.coef_[0]))
    pos = clf.best_match_positions(X[test])[:, k]
    ones = y[test] == 1
    overlap = np.abs(pos[ones] - starts[test][ones]) < 10
    assert overlap.mean() >= 0.9


def test_transformer_supervised_and_unsupervised_features():
    X, y, _ = _planted(n=120, seed=4)
    train, test = slice(0, 60), slice(60, None)
    for st in (
        ShapeletTransformer(n_shapelets=4, shapelet_lengths=10, **FAST),
        ShapeletTransformer(n_shapelets=4, shapelet_lengths=10, supervised=False,
                            random_state=0),
    ):
        pipe = make_pipeline(st, LogisticRegression())
        assert pipe.fit(X[train], y[train]).score(X[test], y[test]) >= 0.85
    supervised = ShapeletTransformer(n_shapelets=4, shapelet_lengths=10, **FAST)
    supervised.fit(X, y)
    unsupervised = ShapeletTransformer(n_shapelets=4, shapelet_lengths=10,
                                       random_state=0).fit(X)
    assert supervised.supervised_ and supervised.n_iter_ == FAST["max_epochs"]
    assert not unsupervised.supervised_ and unsupervised.n_iter_ == 0
    assert not hasattr(unsupervised, "classes_")


def test_multivariate_series():
    X, y, starts = _planted(n=80, channels=3, seed=5)
    clf = ShapeletClassifier(n_shapelets=3, shapelet_lengths=10, **FAST)
    clf.fit(X[:40], y[:40])
    assert clf.n_features_in_ == 3 and clf.n_channels_ == 3
    assert all(s.shape == (3, 10) for s in clf.shapelets_)
    assert clf.score(X[40:], y[40:]) >= 0.85
    # each shapelet spans all channels: mean over channels and steps
    clf.set_params(inference_min="exact")
    expected, where = _reference(clf, X[:5])
    np.testing.assert_allclose(clf.transform(X[:5]), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(clf.best_match_positions(X[:5]), where)
    # other lengths are accepted for 3-D input
    assert clf.transform(X[:2, :, :35]).shape == (2, 3)


def test_l2_penalises_the_head_and_early_stopping_works():
    X, y, _ = _planted(n=40, seed=9)
    params = dict(n_shapelets=3, shapelet_lengths=10, **FAST)
    free = ShapeletClassifier(l2=0.0, **params).fit(X, y)
    tight = ShapeletClassifier(l2=1.0, **params).fit(X, y)
    assert np.linalg.norm(tight.coef_) < 0.5 * np.linalg.norm(free.coef_)
    stopped = ShapeletClassifier(
        early_stopping=True, n_iter_no_change=2, validation_fraction=0.25,
        **{**params, "max_epochs": 300},
    ).fit(X, y)
    assert stopped.n_iter_ < 300
    assert len(stopped.validation_scores_) == stopped.n_iter_


# -- reproducibility and persistence -------------------------------------------


def test_random_state_reproducible():
    X, y, _ = _planted(n=40, seed=6)
    params = dict(n_shapelets=3, shapelet_lengths=(0.1, 0.2), **FAST)
    a = ShapeletClassifier(**params).fit(X, y)
    b = ShapeletClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    c = ShapeletClassifier(**{**params, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a.transform(X), c.transform(X))
    u1 = ShapeletTransformer(n_shapelets=3, random_state=0).fit(X)
    u2 = ShapeletTransformer(n_shapelets=3, random_state=0).fit(X)
    np.testing.assert_array_equal(u1.transform(X), u2.transform(X))


def test_pickle_round_trip():
    X, y, _ = _planted(n=30, seed=7)
    clf = ShapeletClassifier(n_shapelets=2, shapelet_lengths=(5, 10), **FAST).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.transform(X), clf.transform(X))
    np.testing.assert_array_equal(
        loaded.best_match_positions(X), clf.best_match_positions(X)
    )
    st = ShapeletTransformer(n_shapelets=2, shapelet_lengths=5, random_state=0).fit(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(st)).transform(X),
                                  st.transform(X))


# -- bad input -------------------------------------------------------------------


def test_errors_on_bad_input():
    X, y, _ = _planted(n=20, T=30)
    with pytest.raises(ValueError, match="longer than the shortest training series"):
        ShapeletTransformer(shapelet_lengths=40).fit(X)
    ragged = [np.zeros(30), np.ones(8), np.ones(25)]
    with pytest.raises(ValueError, match="longer than the shortest training series"):
        ShapeletTransformer(n_shapelets=2, shapelet_lengths=10).fit(ragged)
    with pytest.raises(ValueError, match="twice as many series as classes"):
        ShapeletClassifier(shapelet_lengths=5).fit(X[:5], [0, 1, 2, 0, 1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        ShapeletClassifier(shapelet_lengths=5).fit(X, np.zeros(20))
    bad = X.copy()
    bad[3, 10] = np.nan
    with pytest.raises(ValueError, match="NaN inside sample 3"):
        ShapeletTransformer(shapelet_lengths=5).fit(bad)
    with pytest.raises(ValueError, match="shapelet_lengths"):
        ShapeletTransformer(shapelet_lengths=(0.5, -2)).fit(X)
    with pytest.raises(ValueError, match="shapelet_lengths"):
        ShapeletTransformer(shapelet_lengths=1.5).fit(X)
    with pytest.raises(ValueError, match="windows of length"):
        ShapeletTransformer(n_shapelets=50, shapelet_lengths=30).fit(X)

    st = ShapeletTransformer(n_shapelets=2, shapelet_lengths=5)
    with pytest.raises(NotFittedError):
        st.transform(X)
    with pytest.raises(NotFittedError):
        st.best_match_positions(X)
    with pytest.raises(NotFittedError):
        st.get_feature_names_out()
    with pytest.raises(NotFittedError):
        st.shapelets_
    with pytest.raises(NotFittedError):
        ShapeletClassifier().predict(X)

    X3 = np.random.RandomState(0).normal(size=(10, 2, 30))
    st3 = ShapeletTransformer(n_shapelets=2, shapelet_lengths=(5, 12), random_state=0)
    st3.fit(X3)
    with pytest.raises(ValueError, match="X has 3 channels, but .* 2 channels"):
        st3.transform(np.zeros((2, 3, 30)))
    with pytest.raises(ValueError, match="fitted on 3-D input"):
        st3.transform(np.zeros((2, 30)))
    with pytest.raises(ValueError, match="fewer than the longest shapelet"):
        st3.transform(X3[:, :, :10])
    with pytest.raises(ValueError, match="NaN inside"):
        st3.transform(np.where(np.arange(30) == 4, np.nan, X3))
    st2 = ShapeletTransformer(n_shapelets=2, shapelet_lengths=5, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 25 features"):
        st2.transform(X[:, :25])


def test_pipeline_and_clone():
    X, y, _ = _planted(n=60, seed=8)
    pipe = make_pipeline(
        ShapeletTransformer(n_shapelets=3, shapelet_lengths=10, **FAST),
        LogisticRegression(),
    )
    pipe.set_params(shapelettransformer__n_shapelets=2)
    pipe.fit(X[:30], y[:30])
    assert pipe.score(X[30:], y[30:]) >= 0.8
    names = pipe[:-1].get_feature_names_out()
    assert list(names) == ["shapelet0_length10", "shapelet1_length10"]
    assert clone(pipe).get_params()["shapelettransformer__n_shapelets"] == 2


def test_series_of_weight_zero_take_no_part():
    # the k-means start, the level and the PAA factor came from every series:
    # ten junk series of weight 0 moved the distances by 1e4
    rng = np.random.RandomState(0)
    t = np.linspace(0, 1, 30)
    X = np.r_[[np.sin(6 * t) + 0.1 * rng.randn(30) for _ in range(20)],
              [np.cos(6 * t) + 0.1 * rng.randn(30) for _ in range(20)]]
    y = np.repeat([0, 1], 20)
    junk, junk_y = 100 + 50 * rng.randn(10, 30), rng.randint(0, 2, 10)
    params = dict(n_shapelets=3, max_epochs=5, batch_size=1000, random_state=0)
    weighted = ShapeletClassifier(**params).fit(
        np.r_[X, junk], np.r_[y, junk_y],
        sample_weight=np.r_[np.ones(40), np.zeros(10)])
    dropped = ShapeletClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(weighted.transform(X), dropped.transform(X))
    np.testing.assert_array_equal(weighted.predict_proba(X), dropped.predict_proba(X))


def test_inference_calls_of_long_series_hold_a_bounded_number_of_values(monkeypatch):
    # Every inference call is padded to its number of rows: on long series
    # the rows are fewer (a bound on channels x steps per call), so that one
    # long series does not cost batch_size series' memory and time. The
    # outputs do not change.
    from skdeep.signal import _shapelets

    rng = np.random.RandomState(0)
    X = rng.normal(size=(7, 2, 60))
    st = ShapeletTransformer(n_shapelets=2, shapelet_lengths=(5, 0.5),
                             max_timepoints=None, max_epochs=1, batch_size=64,
                             inference_min="exact", random_state=0).fit(X)
    expected = st.transform(X), st.best_match_positions(X)
    rows = []
    features = st.module_.features
    st.module_.features = lambda x, **kw: rows.append(len(x)) or features(x, **kw)
    monkeypatch.setattr(_shapelets, "INFERENCE_VALUES", 3 * 2 * 60 + 5)
    np.testing.assert_array_equal(st.transform(X), expected[0])
    np.testing.assert_array_equal(st.best_match_positions(X), expected[1])
    assert rows == [3, 3, 3]  # 7 series: three calls of 3 rows, the last padded
