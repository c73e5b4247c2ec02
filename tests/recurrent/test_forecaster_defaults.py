"""Tests of LSTMForecaster's robust defaults (issue #15, item 3).

Differencing chosen by KPSS, the auto strategy (direct with a horizon, block
feedback beyond it), the automatic window, and conformal intervals from
rolling origins inside the training data.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from skdeep.recurrent import LSTMForecaster  # noqa: E402
from skdeep.recurrent._forecaster import (  # noqa: E402
    _choose_difference,
    _kpss_level,
)

SMALL = {"hidden_size": 8, "max_epochs": 20, "lr": 0.01}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def ar1(n=120, phi=0.6, seed=0):
    rng = np.random.RandomState(seed)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.randn()
    return pd.Series(5.0 + x)


def test_kpss_statistic_matches_statsmodels():
    kpss = pytest.importorskip("statsmodels.tsa.stattools").kpss
    rng = np.random.RandomState(0)
    series = (rng.randn(100), np.cumsum(rng.randn(80)), np.arange(50.0) + rng.randn(50))
    for x in series:
        lags = int(3 * np.sqrt(len(x)) / 13)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = kpss(x, regression="c", nlags=lags)[0]
        assert _kpss_level(x) == pytest.approx(expected, rel=1e-10)


def test_difference_auto_differences_wandering_series_only():
    rng = np.random.RandomState(0)
    t = np.arange(120)
    assert _choose_difference(np.cumsum(rng.randn(120))) == 1  # random walk
    assert _choose_difference(0.5 * t + rng.randn(120)) == 1  # trend
    noise = 5.0 + rng.randn(120)
    assert _choose_difference(noise) == 0
    # KPSS with the short lag over-rejects on persistent stationary series
    # (as in auto.arima): AR(1) with phi = 0.6 gets differenced here
    assert _kpss_level(ar1(phi=0.3).to_numpy()) < 0.463 < _kpss_level(ar1().to_numpy())
    cycle = 10 + np.sin(2 * np.pi * t / 10) + 0.2 * rng.randn(120)
    assert _choose_difference(cycle) == 0
    assert _choose_difference(np.ones(30)) == 0
    quick = {"hidden_size": 4, "max_epochs": 1, "random_state": 0}
    f = LSTMForecaster(**quick).fit(pd.Series(0.5 * t + rng.randn(120)))
    assert f.difference_ == 1
    assert LSTMForecaster(**quick).fit(pd.Series(noise)).difference_ == 0


def test_differencing_extrapolates_a_trend():
    rng = np.random.RandomState(1)
    y = pd.Series(2.0 * np.arange(100) + 0.3 * rng.randn(100))
    fh = np.arange(1, 11)
    pred = LSTMForecaster(**SMALL, random_state=0).fit(y, fh=fh).predict()
    truth = 2.0 * np.arange(100, 110)
    # a level model cannot leave the training range; the differenced one can
    assert np.max(np.abs(pred.to_numpy() - truth)) < 3.0
    levels = LSTMForecaster(**SMALL, difference=0, random_state=0).fit(y, fh=fh)
    assert np.max(levels.predict().to_numpy()) < y.max() + 3.0


def test_strategy_auto_direct_with_horizon_and_blocks_beyond_it():
    y = ar1()
    f = LSTMForecaster(**SMALL, random_state=0).fit(y, fh=[1, 2, 3])
    assert f.strategy_ == "direct" and f.horizon_ == 3
    first = f.predict([1, 2, 3])
    longer = f.predict(np.arange(1, 8))  # fed back block by block
    assert longer.shape == (7,) and np.all(np.isfinite(longer))
    np.testing.assert_allclose(longer.to_numpy()[:3], first.to_numpy())
    ints = f.predict_interval(np.arange(1, 8), coverage=0.9)
    assert np.all(ints.iloc[:, 0] < longer) and np.all(longer < ints.iloc[:, 1])
    g = LSTMForecaster(**SMALL, random_state=0).fit(y)
    assert g.strategy_ == "recursive" and g.horizon_ == 1
    assert not LSTMForecaster().get_tag("requires-fh-in-fit")


def test_window_auto_shrinks_on_short_series():
    rng = np.random.RandomState(0)
    long = LSTMForecaster(**SMALL, random_state=0).fit(ar1(), fh=[1, 2])
    assert long.window_length_ == 12
    short = pd.Series(60000 + 800 * np.arange(12) + 300 * rng.randn(12))
    f = LSTMForecaster(**SMALL, random_state=0).fit(short, fh=[1, 2])
    assert f.window_length_ == 2 and f.difference_ == 1
    n = int(np.isfinite(f.conformal_errors_).any(axis=1).sum())
    assert n / (n + 1) < 0.9
    assert np.all(np.isfinite(f.predict_interval(coverage=0.8).to_numpy()))
    # 0.9 is beyond what n origins certify: infinite, with a warning (it
    # was capped at the largest error, the same interval for every coverage)
    with pytest.warns(UserWarning, match=rf"{n} calibration origin\(s\) certify "
                                         rf"a coverage of at most"):
        beyond = f.predict_interval(coverage=[0.8, 0.9, 0.99]).to_numpy()
    assert np.all(np.isfinite(beyond[:, :2]))
    assert np.all(beyond[:, 2::2] == -np.inf) and np.all(beyond[:, 3::2] == np.inf)
    with pytest.raises(ValueError, match="too few"):
        LSTMForecaster(window_length=12, max_epochs=1).fit(short, fh=[1, 2])


def test_conformal_intervals_from_rolling_origin_errors():
    y = ar1(100)
    fh = np.arange(1, 7)
    f = LSTMForecaster(**SMALL, random_state=0).fit(y, fh=fh)
    assert f.noise_source_ == "holdout"
    errors = f.conformal_errors_
    # n - L - k + 1 = 83 windows, blocks of 20% = 16 origins: three blocks
    # (the earliest network trains on 83 - 48 = 35 windows), all 6 steps;
    # the last block's far steps fall beyond the data
    assert errors.shape == (48, 6) and f._conformal_block_sizes == [16, 16, 16]
    counts = np.isfinite(errors).sum(axis=0)
    np.testing.assert_array_equal(counts, 32 + np.arange(16, 10, -1))
    # the intervals are the point forecast plus scaled error quantiles, the
    # finite-sample level counting origins (48), not pooled errors
    point = f.predict(fh).to_numpy()
    scale, scores = f._conformal_scores(6)
    assert np.all(np.diff(scale) >= 0)
    assert len(scores) == counts.sum()
    q = np.quantile(np.abs(scores), 0.9 * 49 / 48)
    ints = f.predict_interval(fh, coverage=0.9).to_numpy()
    np.testing.assert_allclose(ints[:, 0], point - scale * q)
    np.testing.assert_allclose(ints[:, 1], point + scale * q)
    quantiles = f.predict_quantiles(fh, alpha=[0.05, 0.25, 0.5, 0.75, 0.95]).to_numpy()
    assert np.all(np.diff(quantiles, axis=1) > 0)
    np.testing.assert_allclose(quantiles[:, 2], point)  # symmetric about predict
    var = f.predict_var(fh).to_numpy()[:, 0]
    np.testing.assert_allclose(var, scale**2 * np.mean(scores**2))
    # same seed, same intervals; the Monte-Carlo methods remain available
    g = LSTMForecaster(**SMALL, random_state=0).fit(y, fh=fh)
    np.testing.assert_allclose(g.predict_interval(fh).to_numpy(), ints)
    mc = LSTMForecaster(**SMALL, interval_method="empirical", random_state=0)
    assert not hasattr(mc.fit(y, fh=fh), "conformal_errors_")


def test_conformal_blocks_are_rolling_origin_refits():
    y = ar1(100)
    fh = np.arange(1, 5)
    three = LSTMForecaster(**SMALL, random_state=0).fit(y, fh=fh)
    one = LSTMForecaster(**SMALL, conformal_blocks=1, random_state=0).fit(y, fh=fh)
    # the last block's network does not depend on the earlier blocks
    n_last = one._conformal_block_sizes[0]
    np.testing.assert_allclose(three.conformal_errors_[-n_last:], one.conformal_errors_)
    # earlier blocks: every origin measured at every step (the truth lies
    # in later training data)
    early = three.conformal_errors_[:-n_last]
    assert early.shape == (2 * n_last, 4) and np.isfinite(early).all()
    # the final network is the same, so are the point forecasts
    np.testing.assert_allclose(three.predict(fh), one.predict(fh))
    # a short series keeps only the blocks that leave enough to train on
    # (40 points, window 7, horizon 8: 26 samples, blocks of 8; a third
    # block would leave 2 samples to train on)
    short = LSTMForecaster(**SMALL, random_state=0).fit(ar1(40), fh=np.arange(1, 9))
    assert short._conformal_block_sizes == [8, 8]
    assert short.conformal_errors_.shape == (16, 8)
    with pytest.raises(ValueError, match="conformal_blocks"):
        LSTMForecaster(conformal_blocks=0).fit(y)


def test_conformal_coverage_near_nominal_on_short_heavy_tailed_series():
    # The failure mode of a single 20% tail: short training series (40
    # points: three blocks of 5 origins) with Student-t(3) noise. An
    # untrained network (max_epochs=0) keeps the test fast and the errors
    # exchangeable, so conformal coverage should hold: 32 fits on sliding
    # 40-point windows, 128 test points inside the 90% intervals about 90%.
    rng = np.random.RandomState(0)
    y = pd.Series(10 + rng.standard_t(3, 300))
    fh = np.arange(1, 5)
    inside = []
    for cut in range(40, 296, 8):
        f = LSTMForecaster(hidden_size=4, max_epochs=0, random_state=0)
        ints = f.fit(y[cut - 40 : cut], fh=fh).predict_interval(fh, coverage=0.9)
        truth = y[cut : cut + 4].to_numpy()
        inside.extend((truth >= ints.iloc[:, 0]) & (truth <= ints.iloc[:, 1]))
    assert f._conformal_block_sizes == [5, 5, 5]
    assert 0.85 <= np.mean(inside) <= 0.97, np.mean(inside)


def test_conformal_coverage_near_nominal_on_a_stationary_series():
    # 10 rolling origins on an AR(1) series, fitted at each: the 80%
    # intervals cover about 80% of the 60 test points.
    y = ar1(200, seed=3)
    fh = np.arange(1, 7)
    inside = []
    for cut in range(140, 200, 6):
        f = LSTMForecaster(hidden_size=4, max_epochs=5, lr=0.01, random_state=0)
        ints = f.fit(y[:cut], fh=fh).predict_interval(fh, coverage=0.8).to_numpy()
        truth = y[cut : cut + 6].to_numpy()
        inside.extend((truth >= ints[:, 0]) & (truth <= ints[:, 1]))
    assert 0.65 <= np.mean(inside) <= 0.95, np.mean(inside)


def test_in_sample_errors_without_holdout():
    f = LSTMForecaster(**SMALL, noise_holdout=0.0, random_state=0).fit(ar1(), fh=[1, 2])
    assert f.noise_source_ == "in-sample"
    assert np.isfinite(f.conformal_errors_).any()
    assert np.all(np.isfinite(f.predict_interval().to_numpy()))


def test_lynx_defaults_beat_naive_without_runaway():
    # The series of issue #15: at the old defaults (window 12, recursive,
    # levels) the 14-step forecast from year 100 ran away to -6000 (sMAPE 2.0).
    from sktime.datasets import load_lynx

    y = load_lynx().astype(float)
    train, test = y.iloc[:100], y.iloc[100:114].to_numpy()
    fh = np.arange(1, 15)
    f = LSTMForecaster(random_state=0).fit(train, fh=fh)
    pred = f.predict().to_numpy()

    def smape(p):
        return np.mean(2 * np.abs(p - test) / (np.abs(p) + np.abs(test)))

    assert f.strategy_ == "direct" and f.difference_ == 0
    assert pred.min() > -0.2 * train.max()
    assert smape(pred) < 0.8 * smape(np.repeat(train.iloc[-1], 14))


def test_parameter_errors():
    y = ar1(40)
    with pytest.raises(ValueError, match="difference"):
        LSTMForecaster(difference=2).fit(y)
    with pytest.raises(ValueError, match="difference"):
        LSTMForecaster(difference=True).fit(y)
    with pytest.raises(ValueError, match="window_length"):
        LSTMForecaster(window_length="long").fit(y)
    with pytest.raises(ValueError, match="interval_method"):
        LSTMForecaster(interval_method="bootstrap").fit(y)
