"""Tests of LSTMForecaster, the sktime forecaster of the recurrent family."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

pytest.importorskip("sktime")

from sktime.utils import check_estimator  # noqa: E402

from skdeep.recurrent import LSTMForecaster  # noqa: E402
from skdeep.utils.estimator_checks import numpy_global_rng_state  # noqa: E402

FAST = {
    "window_length": 12,
    "hidden_size": 16,
    "max_epochs": 60,
    "lr": 0.01,
    "n_mc_samples": 50,
}


def seasonal(n=120, seed=0):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    values = 10 + 3 * np.sin(2 * np.pi * t / 12) + 0.03 * t + 0.3 * rng.randn(n)
    return pd.Series(values, index=pd.period_range("2000-01", periods=n, freq="M"))


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


@pytest.mark.parametrize(
    "params", LSTMForecaster.get_test_params(), ids=["recursive", "direct-stateful"]
)
def test_sktime_conformance(params):
    results = check_estimator(
        LSTMForecaster(**params), raise_exceptions=True, verbose=False
    )
    assert results and all(v == "PASSED" for v in results.values())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"strategy": "recursive"},
        {"strategy": "direct"},
        {"strategy": "recursive", "stateful": True},
    ],
)
def test_beats_naive_last_value(kwargs):
    y = seasonal()
    train, test = y[:108], y[108:]
    fh = np.arange(1, 13)
    f = LSTMForecaster(**FAST, **kwargs, random_state=0).fit(train, fh=fh)
    pred = f.predict(fh)
    assert pred.shape == (12,)
    assert pred.index.equals(test.index)
    assert np.all(np.isfinite(pred))
    mae = np.mean(np.abs(pred.to_numpy() - test.to_numpy()))
    naive = np.mean(np.abs(train.iloc[-1] - test.to_numpy()))
    assert mae < 0.75 * naive, (mae, naive)


@pytest.mark.parametrize("level", [1e-6, -3e4])
def test_a_constant_series_is_forecast_on_the_scale_of_its_level(level):
    # a zero range fell back to 1 in y's units: the network's leftover
    # error came back as an absolute one (a series at 1e-6 forecast 0.005)
    f = LSTMForecaster(window_length=3, hidden_size=8, random_state=0)
    f.fit(np.full(60, level))
    forecast = np.asarray(f.predict(fh=[1, 2, 3]), dtype=float).ravel()
    np.testing.assert_allclose(forecast, level, rtol=0.01)
    assert f.noise_std_[0] < 0.01 * abs(level)


def test_same_seed_same_forecasts_and_global_rng_untouched():
    y = seasonal(72)
    fh = [1, 2, 3, 4, 5, 6]
    torch_state, np_state = torch.get_rng_state(), numpy_global_rng_state()
    a = LSTMForecaster(window_length=6, max_epochs=10, random_state=3).fit(y)
    b = LSTMForecaster(window_length=6, max_epochs=10, random_state=3).fit(y)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np_state == numpy_global_rng_state()
    pd.testing.assert_series_equal(a.predict(fh), b.predict(fh))
    pd.testing.assert_frame_equal(a.predict_interval(fh), b.predict_interval(fh))
    # a fitted model gives the same intervals at every call
    pd.testing.assert_frame_equal(a.predict_interval(fh), a.predict_interval(fh))
    c = LSTMForecaster(window_length=6, max_epochs=10, random_state=4).fit(y)
    assert not np.allclose(a.predict(fh), c.predict(fh))


def test_fits_and_forecasts_in_threads_at_once_match_a_fit_alone():
    # (sktime objects get sktime's checks, not skdeep's threaded ones)
    from skdeep.utils.estimator_checks import _in_threads

    y, fh = seasonal(72), [1, 2, 3]

    def fit_and_forecast():
        model = LSTMForecaster(window_length=6, max_epochs=10, random_state=3).fit(y)
        return model, model.predict(fh), model.predict_interval(fh)

    model, forecast, interval = fit_and_forecast()
    for _, got, got_interval in _in_threads(fit_and_forecast, n_threads=2):
        pd.testing.assert_series_equal(got, forecast)
        pd.testing.assert_frame_equal(got_interval, interval)
    for got, got_interval in _in_threads(
        lambda: (model.predict(fh), model.predict_interval(fh)), n_threads=3
    ):
        pd.testing.assert_series_equal(got, forecast)
        pd.testing.assert_frame_equal(got_interval, interval)


def test_fits_and_forecasts_under_a_float64_default_dtype():
    # (an sktime object: skdeep's check_torch_default_dtype never ran on it;
    # the network was built in float64, sampled noise was float64)
    y, fh = seasonal(48), [1, 2, 3]
    params = dict(window_length=4, hidden_size=4, max_epochs=2, random_state=0)
    alone = LSTMForecaster(interval_method="empirical", **params).fit(y)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for method in ("empirical", "conformal"):
            model = LSTMForecaster(interval_method=method, **params).fit(y)
            model.predict_interval(fh)
        trajectories = alone.sample_trajectories(fh)
        again = LSTMForecaster(interval_method="empirical", **params).fit(y)
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(previous)
    pd.testing.assert_frame_equal(again.sample_trajectories(fh), trajectories)
    pd.testing.assert_series_equal(again.predict(fh), alone.predict(fh))


@pytest.mark.parametrize("interval_method", ["empirical", "gaussian"])
@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_intervals_nested_and_quantiles_monotone(interval_method, strategy):
    y = seasonal(72)
    fh = np.arange(1, 7)
    f = LSTMForecaster(
        window_length=6,
        max_epochs=15,
        strategy=strategy,
        interval_method=interval_method,
        random_state=0,
    ).fit(y, fh=fh)
    ints = f.predict_interval(fh, coverage=[0.5, 0.9])
    name = ints.columns.levels[0][0]
    lo50, hi50 = ints[(name, 0.5, "lower")], ints[(name, 0.5, "upper")]
    lo90, hi90 = ints[(name, 0.9, "lower")], ints[(name, 0.9, "upper")]
    assert np.all(lo90 <= lo50) and np.all(hi50 <= hi90)
    assert np.all(hi90 - lo90 > hi50 - lo50)
    alpha = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
    q = f.predict_quantiles(fh, alpha=alpha).to_numpy()
    assert q.shape == (6, 7)
    assert np.all(np.diff(q, axis=1) >= 0)
    var = f.predict_var(fh)
    assert var.shape == (6, 1) and np.all(var.to_numpy() > 0)


def test_noise_from_held_out_windows():
    y = seasonal(72)
    held = LSTMForecaster(window_length=6, max_epochs=10, random_state=0).fit(y)
    assert held.noise_source_ == "holdout"
    insample = LSTMForecaster(
        window_length=6, max_epochs=10, noise_holdout=0.0, random_state=0
    ).fit(y)
    assert insample.noise_source_ == "in-sample"
    # the forecasting network is the same: only the noise level differs
    pd.testing.assert_series_equal(held.predict([1, 2]), insample.predict([1, 2]))
    assert held.noise_std_[0] != insample.noise_std_[0]


def test_trajectories_without_dropout_or_noise_equal_the_forecast():
    y = seasonal(72)
    fh = [1, 2, 3, 4]
    f = LSTMForecaster(
        window_length=6,
        max_epochs=10,
        dropout=0.0,
        inherent_noise=False,
        n_mc_samples=5,
        random_state=0,
    ).fit(y)
    paths = f.sample_trajectories(fh)
    assert paths.shape == (5, 4)
    np.testing.assert_allclose(
        paths.to_numpy(), np.tile(f.predict(fh), (5, 1)), rtol=1e-6
    )


def test_recursive_trajectories_feed_back_their_own_samples():
    # With noise fed back, the spread of the recursive trajectories grows
    # with the horizon on a persistent (random-walk-like) series.
    rng = np.random.RandomState(0)
    y = pd.Series(np.cumsum(rng.randn(150)))
    f = LSTMForecaster(
        window_length=8, max_epochs=30, lr=0.01, n_mc_samples=200, random_state=0
    ).fit(y)
    paths = f.sample_trajectories(np.arange(1, 11)).to_numpy()
    assert paths.std(axis=0)[-1] > 1.5 * paths.std(axis=0)[0]


def test_exogenous_X_changes_forecasts():
    rng = np.random.RandomState(0)
    n = 100
    x = rng.randn(n)
    y = pd.Series(np.r_[0.0, 2.0 * x[1:]] + 0.1 * rng.randn(n))
    X = pd.DataFrame({"x": x})
    fh = [1, 2, 3]
    f = LSTMForecaster(
        window_length=4, hidden_size=8, max_epochs=60, lr=0.01, random_state=0
    ).fit(y[:90], X=X[:90])
    assert f.n_exog_ == 1
    X_future = X[90:93]
    low = f.predict(fh, X=X_future - 1.0)
    high = f.predict(fh, X=X_future + 1.0)
    assert np.all(high.to_numpy() > low.to_numpy() + 0.5)
    # the learned effect tracks the true one: y = 2 x
    pred = f.predict(fh, X=X_future)
    assert np.corrcoef(pred, 2 * X_future["x"])[0, 1] > 0.9
    f_direct = LSTMForecaster(
        window_length=4, hidden_size=8, max_epochs=5, strategy="direct", random_state=0
    )
    f_direct.fit(y[:90], X=X[:90], fh=fh)
    assert not np.allclose(
        f_direct.predict(fh, X=X_future - 1.0), f_direct.predict(fh, X=X_future + 1.0)
    )


def test_exogenous_X_reaching_past_y_gives_the_future_values():
    # sktime only asks X's index to contain y's; the extra rows used to
    # crash fit (a numpy column_stack of 50 rows with 40)
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.randn(50)})
    y = pd.Series(np.sin(np.arange(50) / 3) + 0.3 * X["x"])
    params = dict(window_length=4, hidden_size=4, max_epochs=3, random_state=0)
    whole = LSTMForecaster(**params).fit(y[:40], X=X)
    cut = LSTMForecaster(**params).fit(y[:40], X=X[:40])
    fh = [1, 2, 3]
    np.testing.assert_array_equal(whole.predict(fh), cut.predict(fh, X=X[40:43]))


def test_future_X_without_the_forecast_index_is_read_by_position():
    # an X whose index names no forecast time (a numpy array) was read only
    # when it covered the direct strategy's whole blocks from step 1: one
    # row per step of fh = [1, 2, 3] with a horizon of 2, or rows for fh =
    # [2, 3], were dropped without a word (the forecast of no X)
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.randn(50)})
    y = pd.Series(np.sin(np.arange(50) / 3) + 0.3 * X["x"])
    params = dict(window_length=4, hidden_size=4, max_epochs=3, random_state=0)
    blocks = LSTMForecaster(**params).fit(y[:40], X=X[:40], fh=[1, 2])
    recursive = LSTMForecaster(**params).fit(y[:40], X=X[:40])
    for f, fh in ((blocks, [1, 2, 3]), (recursive, [2, 3])):
        rows = X[40:43] if fh[0] == 1 else X[41:43]
        indexed = f.predict(fh, X=rows)
        np.testing.assert_array_equal(f.predict(fh, X=rows.to_numpy()), indexed)
        assert not np.allclose(f.predict(fh, X=10 * rows.to_numpy()), indexed)
    with pytest.raises(ValueError, match="neither one per step of fh"):
        recursive.predict([2, 3, 4, 5], X=X[40:43].to_numpy())


def test_future_X_by_position_overrides_future_rows_given_to_fit():
    # with X given to fit past the cutoff (future values known in advance),
    # an X given to predict as an array was dropped for the stored rows: a
    # what-if scenario gave the forecast of the stored future
    rng = np.random.RandomState(0)
    index = pd.date_range("2022-01-01", periods=50, freq="D")
    X = pd.DataFrame({"x": rng.randn(50)}, index=index)
    y = pd.Series(np.sin(np.arange(50) / 3) + 0.3 * X["x"], index=index)
    params = dict(window_length=4, hidden_size=4, max_epochs=3, random_state=0)
    ahead = LSTMForecaster(**params).fit(y[:40], X=X[:45])
    scenario = np.full((3, 1), 2.0)
    indexed = ahead.predict([1, 2, 3], X=pd.DataFrame(
        scenario, index=index[40:43], columns=["x"]))
    assert not np.allclose(indexed, ahead.predict([1, 2, 3]))
    np.testing.assert_array_equal(ahead.predict([1, 2, 3], X=scenario), indexed)
    # one row per step of a later fh replaces those steps only (step 1
    # keeps its stored row)
    np.testing.assert_array_equal(
        ahead.predict([2, 3], X=scenario[1:]),
        ahead.predict([2, 3], X=pd.DataFrame(scenario[1:], index=index[41:43],
                                             columns=["x"])))


def test_future_X_naming_other_times_is_refused():
    # an X indexed by other times of the same kind (the training X passed
    # again) was read by position, as if it held the forecast times' values
    rng = np.random.RandomState(0)
    index = pd.period_range("2000-01", periods=50, freq="M")
    X = pd.DataFrame({"x": rng.randn(50)}, index=index)
    y = pd.Series(np.sin(np.arange(50) / 3) + 0.3 * X["x"].to_numpy(), index=index)
    f = LSTMForecaster(window_length=4, hidden_size=4, max_epochs=3,
                       random_state=0).fit(y[:40], X=X[:40])
    with pytest.raises(ValueError, match="X's index names none of the forecast "
                                         "times"):
        f.predict([1, 2], X=X[:2])
    # an array's rows (or a frame's 0, 1, ...) are still read by position
    np.testing.assert_array_equal(f.predict([1, 2], X=X[40:42].to_numpy()),
                                  f.predict([1, 2], X=X[40:42]))
    np.testing.assert_array_equal(
        f.predict([1, 2], X=X[40:42].reset_index(drop=True)),
        f.predict([1, 2], X=X[40:42]))


def test_update_with_earlier_observations_forecasts_from_the_cutoff():
    # sktime moves the cutoff back, but the forecasts started from the end of
    # the stored history: a backtest over past windows read the future
    import copy

    rng = np.random.RandomState(0)
    y = pd.Series(np.sin(np.arange(80) / 4) + 0.1 * rng.randn(80))
    f = LSTMForecaster(window_length=3, hidden_size=4, max_epochs=2,
                       random_state=0).fit(y[:70])
    g = copy.deepcopy(f)
    g.update(y[65:70] + 100.0, update_params=False)  # other values after 64
    for model in (f, g):
        model.update(y[60:65], update_params=False)
        assert model.cutoff[0] == 64
    np.testing.assert_array_equal(f.predict([1, 2]), g.predict([1, 2]))
    np.testing.assert_array_equal(f.predict_interval([1, 2]),
                                  g.predict_interval([1, 2]))
    assert f.predict([1]).index[0] == 65


def test_update_refuses_X_of_another_width_or_not_finite():
    # accepted, they broke every later predict with pandas' own errors (or
    # were forecast from); unnamed columns are matched by position
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.randn(50, 2))
    y = pd.Series(np.sin(np.arange(50) / 3) + 0.3 * X[0])
    f = LSTMForecaster(window_length=4, hidden_size=4, max_epochs=2,
                       random_state=0).fit(y[:40], X=X[:40])
    wide = pd.DataFrame(rng.randn(1, 3), index=[40])
    bad = X[40:41].copy()
    bad.iloc[0, 0] = np.inf
    for X_new, match in ((wide, "X has 3 columns; the forecaster was fitted "
                                "with 2"), (bad, "X contains NaN or infinite")):
        with pytest.raises(ValueError, match=match):
            f.update(y[40:41], X=X_new)
        assert f.cutoff[0] == 39
    f.update(y[40:41], X=X[40:41].set_axis([5, 6], axis=1))
    assert list(f._cur_X.columns) == [0, 1]
    assert np.isfinite(f.predict([1, 2], X=X[41:43])).all()
    # new time points without their X: the forecasts read the last earlier
    # row of X in their place (no error, no warning)
    with pytest.raises(ValueError, match="update needs X at the new time points"):
        f.update(y[41:43])
    with pytest.raises(ValueError, match="missing at 1 of them"):
        f.update(y[41:43], X=X[41:42])
    assert f.cutoff[0] == 40
    f.update(y[40:41])  # an earlier time point: its X is known


def test_update_checks_one_exogenous_variable_given_as_a_series():
    # a Series skipped every check: inf was forecast from, and another name
    # became a new column that broke every later predict
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.randn(50)})
    y = pd.Series(np.sin(np.arange(50) / 3) + 0.3 * X["a"])
    f = LSTMForecaster(window_length=4, hidden_size=4, max_epochs=2,
                       random_state=0).fit(y[:40], X=X[:40])
    for bad, match in ((X["a"][40:42].replace(X["a"][41], np.inf), "NaN or inf"),
                       (X["a"][40:42].rename("b"), r"columns \['b'\]")):
        with pytest.raises(ValueError, match=match):
            f.update(y[40:42], X=bad)
        assert f.cutoff[0] == 39
    f.update(y[40:42], X=X["a"][40:42].rename(None))  # unnamed: by position
    assert list(f._cur_X.columns) == ["a"] and f.cutoff[0] == 41
    assert np.isfinite(f.predict([1, 2], X=X[42:44])).all()


def test_future_X_columns_are_matched_by_name():
    # they were taken by position: swapped columns gave another forecast
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.randn(50), "b": 10 + rng.randn(50)})
    y = pd.Series(np.sin(np.arange(50) / 3) + 0.3 * X["a"])
    f = LSTMForecaster(window_length=4, hidden_size=4, max_epochs=3,
                       random_state=0).fit(y[:40], X=X[:40])
    fh = [1, 2, 3]
    np.testing.assert_array_equal(f.predict(fh, X=X[40:43][["b", "a"]]),
                                  f.predict(fh, X=X[40:43]))
    with pytest.raises(ValueError, match=r"columns \['a', 'c'\].*\['a', 'b'\]"):
        f.predict(fh, X=X[40:43].rename(columns={"b": "c"}))
    # update merges by name too (swapped columns are the same data)
    swapped = LSTMForecaster(window_length=4, hidden_size=4, max_epochs=3,
                             random_state=0).fit(y[:40], X=X[:40])
    f.update(y[40:45], X=X[40:45], update_params=False)
    swapped.update(y[40:45], X=X[40:45][["b", "a"]], update_params=False)
    np.testing.assert_array_equal(swapped.predict(fh, X=X[45:48]),
                                  f.predict(fh, X=X[45:48]))
    # a refused update changes nothing: sktime had moved the cutoff and the
    # history had grown by y alone, and the next forecasts silently filled
    # the missing exogenous rows
    expected = swapped.predict(fh, X=X[45:48])
    for bad_y, bad_X in [
        (y[45:46], X[45:46].rename(columns={"b": "c"})),
        (y[45:46].replace(y[45], np.nan), X[45:46]),
    ]:
        with pytest.raises(ValueError, match="fitted with columns|NaN or inf"):
            swapped.update(bad_y, X=bad_X, update_params=False)
        assert swapped.cutoff[0] == 44
        np.testing.assert_array_equal(swapped.predict(fh, X=X[45:48]), expected)


def test_refused_update_keeps_the_cutoff_of_several_series():
    # with several variables (or a panel) sktime fits one forecaster each:
    # X was checked by those only, after the outer cutoff had moved, so a
    # refused update left it 5 steps ahead of the forecasts
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.randn(40), "b": rng.randn(40)})
    Y = pd.DataFrame({"u": np.sin(np.arange(40) / 3), "v": 0.1 * np.arange(40)})
    f = LSTMForecaster(window_length=3, hidden_size=4, max_epochs=1,
                       random_state=0).fit(Y[:30], X=X[:30], fh=[1, 2])
    expected = f.predict(X=X[30:32])
    for bad_X in [X[30:35][["a"]], X[30:35].rename(columns={"b": "c"}),
                  X[30:35].replace(X["a"][31], np.inf)]:
        with pytest.raises(ValueError, match="columns|NaN or inf"):
            f.update(Y[30:35], X=bad_X, update_params=False)
        assert f.cutoff[0] == 29
        pd.testing.assert_frame_equal(f.predict(X=X[30:32]), expected)
    f.update(Y[30:35], X=X[30:35][["b", "a"]], update_params=False)  # by name
    assert f.cutoff[0] == 34
    assert list(f.predict(X=X[35:37]).index) == [35, 36]


def test_refused_panel_update_keeps_the_cutoff():
    # each series is checked by its own forecaster before sktime moves the
    # outer cutoff (refused inside, the panel's cutoff stayed moved)
    rng = np.random.RandomState(0)
    index = pd.MultiIndex.from_product([["s0", "s1"], range(46)])
    y = pd.DataFrame({"y": np.sin(np.arange(92) / 3) + 2}, index=index)
    X = pd.DataFrame(rng.rand(92, 2), index=index, columns=["a", "b"])
    t = y.index.get_level_values(1)
    f = LSTMForecaster(window_length=3, hidden_size=4, max_epochs=1,
                       random_state=0).fit(y[t < 40], X=X[t < 40])
    new = (t >= 40) & (t < 43)
    for bad_X in (None, X[new].replace(X["a"].iloc[41], np.inf)):
        with pytest.raises(ValueError, match="new time points|NaN or inf"):
            f.update(y[new], X=bad_X, update_params=False)
        assert f.cutoff[0] == 39
    f.update(y[new], X=X[new], update_params=False)
    assert f.cutoff[0] == 42
    assert f.predict([1], X=X[t == 43]).index.tolist() == [("s0", 43), ("s1", 43)]


def test_fits_as_a_scikit_learn_pipeline_step():
    # scikit-learn >= 1.9 sets a callback context on the step it fits and
    # deletes it after; sktime's reset at the start of fit deleted it first
    from sklearn.pipeline import Pipeline

    y = seasonal(40)
    params = dict(window_length=3, hidden_size=4, max_epochs=2, random_state=0)
    pipe = Pipeline([("lstm", LSTMForecaster(**params))]).fit(y, lstm__fh=[1, 2])
    pd.testing.assert_series_equal(pipe[0].predict(),
                                   LSTMForecaster(**params).fit(y, fh=[1, 2]).predict())
    assert not hasattr(pipe[0], "_parent_callback_ctx")


def test_direct_strategy_needs_the_horizon():
    y = seasonal(60)
    f = LSTMForecaster(window_length=6, max_epochs=2, strategy="direct")
    assert f.get_tag("requires-fh-in-fit")
    assert not LSTMForecaster().get_tag("requires-fh-in-fit")
    with pytest.raises(ValueError, match="fh"):
        f.fit(y)
    f.fit(y, fh=[1, 3])
    assert f.predict().shape == (2,)
    assert f.horizon_ == 3 and f.noise_std_.shape == (3,)
    with pytest.raises(ValueError, match="different forecasting horizon"):
        f.predict(fh=[1, 2, 3, 4])


def test_stateful_reads_whole_history_and_update_moves_the_start():
    y = seasonal(96)
    fh = [1, 2, 3]
    f = LSTMForecaster(
        window_length=12, hidden_size=8, max_epochs=10, stateful=True, random_state=0
    ).fit(y[:84])
    before = f.predict(fh)
    f.update(y[84:], update_params=False)
    after = f.predict(fh)
    assert after.index[0] == y.index[-1] + 1
    assert not np.allclose(before.to_numpy(), after.to_numpy())


def test_stateful_calibration_reads_the_history_once(monkeypatch):
    # The conformal errors of a stateful model re-read the history from the
    # start for every origin (quadratic in the length: 19 s of a 1-epoch
    # fit on 5,000 steps, 4.6 s now); the states are carried from origin to
    # origin, and each origin's forecast is the one from its whole history.
    n = 300
    y = seasonal(n)
    f = LSTMForecaster(window_length=6, hidden_size=4, max_epochs=1,
                       stateful=True, random_state=0)
    from skdeep.recurrent._forecaster import _LSTMForecastNet

    layer_type = type(_LSTMForecastNet(1, 0, 1, 4, 1, 0.0).layers[0])
    forward, steps = layer_type.forward, []

    def spy(self, x, *args, **kwargs):
        steps.append(x.shape[0] * x.shape[1])
        return forward(self, x, *args, **kwargs)

    original, checked = LSTMForecaster._origin_errors, []

    def check(self, values, Z, origins):
        errors = original(self, values, Z, origins)
        alone = [original(self, values, Z, origins[i:i + 1])[0, 0]
                 for i in range(0, len(origins), 7)]  # (each from the start)
        np.testing.assert_allclose(errors[::7, 0], alone, rtol=1e-5, atol=1e-5)
        checked.append(len(origins))
        return errors

    monkeypatch.setattr(layer_type, "forward", spy)
    monkeypatch.setattr(LSTMForecaster, "_origin_errors", check)
    f.fit(y, fh=[1, 2, 3])
    assert checked and sum(checked) >= 0.2 * n
    calls = sum(steps)
    monkeypatch.undo()
    steps.clear()
    monkeypatch.setattr(layer_type, "forward", spy)
    LSTMForecaster(window_length=6, hidden_size=4, max_epochs=1, stateful=True,
                   random_state=0).fit(y, fh=[1, 2, 3])
    # training reads each step a few times, every origin a rollout of its
    # horizon; from the start, the origins alone read about 0.2 n^2 steps
    assert sum(steps) < 25 * n, sum(steps)
    assert calls > sum(steps)  # (the check's extra reads were seen)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_stateful_passes_encode_the_history_once(num_layers, monkeypatch):
    # Monte-Carlo passes of a stateful model each re-read its whole history
    # (memory and time x n_mc_samples: 30 MB for 100 passes over 1,200 steps);
    # the first layer reads the same steps for all: it runs once
    from skdeep.recurrent._forecaster import _LSTMForecastNet

    y = seasonal(60)
    f = LSTMForecaster(window_length=6, hidden_size=4, num_layers=num_layers,
                       dropout=0.3, max_epochs=2, n_mc_samples=7, stateful=True,
                       random_state=0).fit(y)
    rows = []
    layer = f.module_.layers[0]
    forward = type(layer).forward

    def spy(self, x, *args, **kwargs):
        if self is layer:
            rows.append(tuple(x.shape[:2]))
        return forward(self, x, *args, **kwargs)

    monkeypatch.setattr(type(layer), "forward", spy)
    paths = f.sample_trajectories(fh=[1, 2]).to_numpy()
    assert rows[0] == (1, 60)  # the history once, then one step per pass
    assert all(r == (7, 1) for r in rows[1:])
    monkeypatch.undo()
    # as encoding every pass (to float32 rounding)
    net = f.module_
    z = torch.randn(1, 30, 1)
    masks = net.draw_masks(7, torch.Generator().manual_seed(0))[0]
    whole, states = net.encode(z.expand(7, -1, -1).contiguous(), None, masks)
    once, repeated = _LSTMForecastNet.encode_repeated(net, z, 7, masks)
    torch.testing.assert_close(once[:, -1], whole[:, -1])
    for a, b in zip(states, repeated):
        for x, w in zip(a, b):
            for t, u in zip(x, w):
                torch.testing.assert_close(t, u)
    assert paths.shape[1:] == (2,) and np.isfinite(paths).all()


def test_pickle_round_trip_falls_back_to_cpu():
    import pickle

    y = seasonal(60)
    f = LSTMForecaster(window_length=6, max_epochs=3, random_state=0).fit(y)
    expected = f.predict([1, 2, 3])
    loaded = pickle.loads(pickle.dumps(f))
    pd.testing.assert_series_equal(loaded.predict([1, 2, 3]), expected)
    # a model saved on a device this machine lacks predicts on the CPU
    f._device = torch.device("cuda:7")
    loaded = pickle.loads(pickle.dumps(f))
    assert loaded._device == torch.device("cpu")
    pd.testing.assert_series_equal(loaded.predict([1, 2, 3]), expected)


def test_non_finite_future_X_is_refused():
    # inf was forecast from (predict gave inf), and sample_trajectories
    # forward-filled NaN rows with the last training row
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.randn(50)})
    y = pd.Series(np.sin(np.arange(50) / 3) + 0.3 * X["a"])
    f = LSTMForecaster(window_length=4, hidden_size=4, max_epochs=2, n_mc_samples=5,
                       random_state=0).fit(y[:40], X=X[:40])
    fh = [1, 2, 3]
    for bad in (np.inf, np.nan):
        future = X[40:43].copy()
        future.iloc[0, 0] = bad
        for call in (lambda: f.predict(fh, X=future),
                     lambda: f.sample_trajectories(fh, X=future)):
            with pytest.raises(ValueError, match="NaN or infinite|missing"):
                call()


def test_verbose_names_each_training(capsys):
    # a fit trains up to conformal_blocks + 1 networks; their epoch lines all
    # started at epoch 1 with nothing saying which was which
    y = pd.Series(np.sin(np.arange(60) / 3.0))
    LSTMForecaster(window_length=5, hidden_size=4, max_epochs=2, verbose=1,
                   random_state=0).fit(y, fh=[1])
    lines = capsys.readouterr().out.splitlines()
    stages = [line.split(":")[0] for line in lines]
    assert stages == [
        f"[LSTMForecaster] {stage}"
        for stage in ["hold-out training", "calibration block 2",
                      "calibration block 3", "final training"]
        for _ in range(2)
    ]


def test_ctrl_c_in_a_calibration_block_keeps_the_hold_out_network():
    # it kept the calibration block's partly trained network, fitted on a
    # shorter prefix of the series, and threw the finished one away
    y = pd.Series(np.sin(np.arange(120) / 5.0) + 0.01 * np.arange(120))
    fitted = {}
    for stage in ("calibration block 2", "calibration block 3"):
        model = LSTMForecaster(window_length=5, hidden_size=4, max_epochs=3,
                               random_state=0)
        log = model._log_epoch

        def interrupt(epoch, loss, model=model, log=log, stage=stage):
            if model.__dict__.get("_stage") == stage and epoch == 1:
                raise KeyboardInterrupt
            return log(epoch, loss)

        model._log_epoch = interrupt
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(y, fh=[1, 2, 3])
        del model._log_epoch
        fitted[stage] = model
        # the warning says what the fit keeps (it spoke of the calibration
        # network's one finished epoch, which the fit threw away)
        messages = [str(w.message) for w in caught]
        assert len(messages) == 1, messages
        assert f"in conformal {stage};" in messages[0]
        assert "hold-out network" in messages[0]
        assert "its 3 epochs in loss_curve_" in messages[0]
    second, third = fitted["calibration block 2"], fitted["calibration block 3"]
    assert second._conformal_block_sizes == [22]  # the finished blocks
    assert third._conformal_block_sizes == [22, 22]
    # both end with the same network, the hold-out one, fully trained
    assert len(second.loss_curve_) == 3 and second.loss_curve_ == third.loss_curve_
    for a, b in zip(second.module_.state_dict().values(),
                    third.module_.state_dict().values()):
        assert torch.equal(a, b)
    np.testing.assert_array_equal(second.predict([1, 2, 3]).to_numpy(),
                                  third.predict([1, 2, 3]).to_numpy())


def test_errors():
    with pytest.raises(ValueError, match="too few"):
        LSTMForecaster(window_length=12, max_epochs=1).fit(seasonal(10))
    with pytest.raises(ValueError, match="too few"):
        LSTMForecaster(window_length=6, strategy="direct", max_epochs=1).fit(
            seasonal(10), fh=np.arange(1, 6)
        )
    y = seasonal(40)
    y.iloc[5] = np.nan
    with pytest.raises(ValueError, match="(?i)nan|missing"):
        LSTMForecaster(window_length=6, max_epochs=1).fit(y)
    with pytest.raises(ValueError, match="strategy"):
        LSTMForecaster(strategy="mimo").fit(seasonal(40))
    with pytest.raises(ValueError, match="dropout"):
        LSTMForecaster(dropout=1.0).fit(seasonal(40))


def test_every_parameter_is_validated_before_the_data():
    # scikit-learn's parameter contract, as check_param_validation asks of
    # the scikit-learn estimators: a constraint per parameter, and a value of
    # a wrong type or out of range named in InvalidParameterError by fit.
    from sklearn.utils._param_validation import (
        InvalidParameterError,
        generate_invalid_param_val,
        make_constraint,
    )

    params = LSTMForecaster().get_params(deep=False)
    assert set(LSTMForecaster._parameter_constraints) == set(params)
    bad_type = type("BadType", (), {})()
    y = seasonal(40)
    for name, constraints in LSTMForecaster._parameter_constraints.items():
        bad_values = [bad_type]
        for constraint in constraints:
            try:
                bad = generate_invalid_param_val(make_constraint(constraint))
                bad_values.append(bad)
            except NotImplementedError:
                pass
        for value in bad_values:
            match = f"The '{name}' parameter of LSTMForecaster must be .* Got"
            with pytest.raises(InvalidParameterError, match=match):
                LSTMForecaster(**{"max_epochs": 1, name: value}).fit(y, fh=[1])


def test_registered_listed_and_checked_with_sktimes_checks(monkeypatch, capsys):
    import skdeep
    from skdeep import cli

    assert "LSTMForecaster" in [name for name, _, _ in skdeep.all_estimators("forecaster")]
    cli.main(["list"])
    assert any("LSTMForecaster" in line and "forecaster" in line
               for line in capsys.readouterr().out.splitlines())
    checked = []

    def fake_sktime_check(estimator):  # the real one runs in test_sktime_conformance
        checked.append(estimator)
        return [{"status": "passed", "check_name": "fake"}]

    from skdeep.utils import estimator_checks

    monkeypatch.setattr(estimator_checks, "sktime_check_results", fake_sktime_check)
    assert cli.main(["check", "LSTMForecaster"]) == 0
    assert len(checked) == len(LSTMForecaster.get_test_params())
    assert all(isinstance(e, LSTMForecaster) for e in checked)


def test_sample_trajectories_of_several_variables_and_of_a_panel():
    # sktime fits one forecaster per variable or instance: sample_trajectories
    # failed with "no attribute 'horizon_'" (the wrapper holds no network)
    t = np.arange(30) / 3
    Y = pd.DataFrame({"a": np.sin(t), "b": np.cos(t)})
    f = LSTMForecaster(window_length=3, hidden_size=2, max_epochs=1,
                       n_mc_samples=4, random_state=0).fit(Y, fh=[1, 2])
    paths = f.sample_trajectories(fh=[1, 2])
    assert paths.shape == (4, 4)
    assert list(paths.columns) == [("a", 30), ("a", 31), ("b", 30), ("b", 31)]
    pd.testing.assert_frame_equal(
        paths["b"], f.forecasters_.loc["forecasters", "b"].sample_trajectories([1, 2])
    )
    index = pd.MultiIndex.from_product([["i1", "i2"], range(30)])
    P = pd.DataFrame({"a": np.sin(np.arange(60) / 3)}, index=index)
    g = LSTMForecaster(window_length=3, hidden_size=2, max_epochs=1,
                       n_mc_samples=3, random_state=0).fit(P, fh=[1, 2])
    panel = g.sample_trajectories(fh=[1, 2])
    assert panel.shape == (6, 2)
    assert list(panel.index) == [(i, k) for i in ("i1", "i2") for k in range(3)]


def test_predict_var_covariance_between_steps():
    # cov=True raised TypeError (sktime's _predict_var got fh as cov)
    y = pd.Series(np.sin(np.arange(30) / 3))
    f = LSTMForecaster(window_length=3, hidden_size=2, max_epochs=1,
                       interval_method="gaussian", n_mc_samples=50,
                       random_state=0).fit(y, fh=[1, 2, 3])
    cov = f.predict_var(cov=True)
    assert cov.shape == (3, 3)
    assert list(cov.columns) == [(0, 30), (0, 31), (0, 32)]
    np.testing.assert_allclose(cov.to_numpy(), cov.to_numpy().T)
    np.testing.assert_allclose(np.diag(cov.to_numpy()), f.predict_var()[0])
    conformal = LSTMForecaster(window_length=3, hidden_size=2, max_epochs=1,
                               random_state=0).fit(y, fh=[1, 2])
    with pytest.raises(NotImplementedError, match="joint distribution"):
        conformal.predict_var(cov=True)


def test_io_save_of_several_series_names_the_limitation(tmp_path):
    from skdeep import io

    Y = pd.DataFrame(np.random.RandomState(0).rand(30, 2), columns=["a", "b"])
    f = LSTMForecaster(hidden_size=4, max_epochs=1, window_length=3,
                       random_state=0).fit(Y, fh=[1, 2])
    with pytest.raises(TypeError, match="fitted on several variables or a panel"):
        io.save(f, tmp_path / "f.skdeep")


def test_conformal_intervals_under_a_global_pandas_output():
    # IsotonicRegression.fit_transform gave a DataFrame there: np.interp
    # failed with "object too deep for desired array"
    import sklearn

    y = pd.Series(np.sin(np.arange(60) / 4.0))
    f = LSTMForecaster(window_length=3, hidden_size=4, max_epochs=2,
                       random_state=0).fit(y, fh=[1, 2, 3])
    expected = f.predict_interval()
    with sklearn.config_context(transform_output="pandas"):
        pd.testing.assert_frame_equal(f.predict_interval(), expected)


def test_probabilistic_forecasts_name_the_variable_of_a_one_column_frame():
    # predict_quantiles and predict_var labelled their columns 0 for y given
    # as a one-column DataFrame (predict and predict_interval said "sales")
    y = pd.DataFrame({"sales": np.sin(np.arange(40) / 3) + 10})
    f = LSTMForecaster(window_length=4, hidden_size=4, max_epochs=2,
                       random_state=0).fit(y)
    assert f.predict_quantiles([1], alpha=[0.1, 0.9]).columns.tolist() == [
        ("sales", 0.1), ("sales", 0.9)]
    assert f.predict_var([1]).columns.tolist() == ["sales"]
    assert f.predict_interval([1]).columns.get_level_values(0)[0] == "sales"


def test_x_of_another_index_kind_or_the_training_rows_is_not_read_by_position():
    # a timestamped X for monthly periods was taken for an unrelated index
    # and read by position: its first rows (January 2000) as the future's;
    # so was the training X passed again on a y without times
    n = 50
    months = pd.period_range("2000-01", periods=n, freq="M")
    y = pd.Series(np.sin(np.arange(n) / 3.0) * 10 + np.arange(n), index=months)
    X = pd.DataFrame({"a": np.arange(n, dtype=float)}, index=months)
    params = dict(window_length=3, hidden_size=4, max_epochs=2, random_state=0)
    f = LSTMForecaster(**params).fit(y.iloc[:40], X=X.iloc[:40])
    expected = f.predict([1, 2, 3], X=X.iloc[40:43])
    stamped = X.set_axis(X.index.to_timestamp())
    pd.testing.assert_series_equal(f.predict([1, 2, 3], X=stamped), expected)
    np.testing.assert_array_equal(
        f.predict([1, 2, 3], X=X.iloc[40:43].to_numpy()).to_numpy(), expected)
    plain_y, plain_X = y.reset_index(drop=True), X.reset_index(drop=True)
    g = LSTMForecaster(**params).fit(plain_y.iloc[:40], X=plain_X.iloc[:40])
    with pytest.raises(ValueError, match="names none of the forecast times"):
        g.predict([1, 2, 3], X=plain_X.iloc[:40])
    # an array of other values for 40 steps has that index too: it is read
    what_if = np.random.RandomState(1).rand(40, 1)
    assert len(g.predict(np.arange(1, 41), X=what_if)) == 40
