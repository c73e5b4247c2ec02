"""Multi-output MCDropoutRegressor: a 2-D y of shape (n_samples, n_outputs), as
MLPRegressor takes it (#23), and the 2-D y of the other skdeep regressors."""

import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import r2_score

from skdeep.uncertainty import MCDropoutRegressor

NOISE = 0.1


def _two_outputs(n, seed):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 0] * X[:, 1] / 2])
    return X, Y + NOISE * rng.randn(n, 2)


X_TRAIN, Y_TRAIN = _two_outputs(400, 0)
X_TEST, Y_TEST = _two_outputs(200, 1)


@pytest.fixture(scope="module")
def reg():
    return MCDropoutRegressor(
        (32,), dropout=0.05, tau=1 / NOISE**2, max_epochs=60, batch_size=64,
        lr=0.01, n_mc_samples=50, random_state=0,
    ).fit(X_TRAIN, Y_TRAIN)


def test_shapes(reg):
    n, T = 7, reg.n_mc_samples
    assert reg.n_outputs_ == 2
    assert reg.y_mean_.shape == reg.y_scale_.shape == (2,)
    mean, std = reg.predict(X_TEST[:n], return_std=True)
    assert mean.shape == std.shape == (n, 2)
    assert reg.predict(X_TEST[:n]).shape == (n, 2)
    assert reg.sample_predictions(X_TEST[:n]).shape == (T, n, 2)
    intervals = reg.predict_interval(X_TEST[:n], coverage=0.8)
    assert intervals.shape == (n, 2, 2)
    assert (intervals[..., 0] < mean).all() and (mean < intervals[..., 1]).all()
    assert reg.log_likelihood(X_TEST[:n], Y_TEST[:n], average=False).shape == (n,)
    assert np.isfinite(reg.log_likelihood(X_TEST, Y_TEST))


def test_learns_both_outputs_better_than_the_mean(reg):
    r2 = r2_score(Y_TEST, reg.predict(X_TEST), multioutput="raw_values")
    assert (r2 > 0.8).all(), r2
    assert reg.score(X_TEST, Y_TEST) > 0.8


def test_std_and_samples_agree_per_output(reg):
    samples = reg.sample_predictions(X_TEST[:20])
    mean, std = reg.predict(X_TEST[:20], return_std=True)
    np.testing.assert_allclose(samples.mean(axis=0), mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        std, np.sqrt(samples.var(axis=0) + 1 / reg.tau), rtol=1e-4
    )


def test_intervals_cover_about_the_nominal_rate(reg):
    for coverage in (0.5, 0.9):
        intervals = reg.predict_interval(X_TEST, coverage=coverage)
        inside = (intervals[..., 0] <= Y_TEST) & (Y_TEST <= intervals[..., 1])
        rate = inside.mean(axis=0)  # per output
        assert (np.abs(rate - coverage) < 0.12).all(), (coverage, rate)


def test_log_likelihood_is_the_joint_density(reg):
    # the mixture over passes of products of per-output Gaussians
    f = reg.sample_predictions(X_TEST[:10])  # (T, n, 2)
    tau = reg.tau
    log_gauss = -0.5 * tau * ((Y_TEST[:10] - f) ** 2).sum(-1) + (
        math.log(tau) - math.log(2 * math.pi)
    )
    expected = np.logaddexp.reduce(log_gauss, axis=0) - math.log(len(f))
    np.testing.assert_allclose(
        reg.log_likelihood(X_TEST[:10], Y_TEST[:10], average=False), expected,
        rtol=1e-6,
    )
    with pytest.raises(ValueError, match="shape"):
        reg.log_likelihood(X_TEST[:10], Y_TEST[:10, 0])


def test_each_output_keeps_its_units():
    # The second target is 1000 times the first (plus its own noise): its
    # predictive deviation of the function part scales with it.
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(200, 1))
    Y = np.column_stack([np.sin(X[:, 0]), 1000 * np.cos(X[:, 0])])
    reg = MCDropoutRegressor((16,), dropout=0.2, max_epochs=30, batch_size=64,
                             lr=0.01, n_mc_samples=20, random_state=0).fit(X, Y)
    np.testing.assert_allclose(reg.y_scale_, Y.std(axis=0))
    spread = reg.sample_predictions(X[:20]).std(axis=0).mean(axis=0)
    assert spread[1] > 100 * spread[0]


def test_column_vector_y_is_one_output_as_in_mlp_regressor():
    X, Y = X_TRAIN[:100], Y_TRAIN[:100, :1]
    reg = MCDropoutRegressor((8,), max_epochs=3, n_mc_samples=5, random_state=0)
    with pytest.warns(DataConversionWarning):
        reg.fit(X, Y)
    assert reg.n_outputs_ == 1 and isinstance(reg.y_mean_, float)
    assert reg.predict(X[:4]).shape == (4,)
    assert reg.predict_interval(X[:4]).shape == (4, 2)
    assert reg.sample_predictions(X[:4]).shape == (5, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg1d = MCDropoutRegressor((8,), max_epochs=3, n_mc_samples=5,
                                   random_state=0).fit(X, Y[:, 0])
    np.testing.assert_allclose(reg.predict(X), reg1d.predict(X))


def test_weighted_multi_output_standardization():
    w = np.linspace(0, 2, len(X_TRAIN))
    reg = MCDropoutRegressor((8,), max_epochs=2, n_mc_samples=3,
                             random_state=0).fit(X_TRAIN, Y_TRAIN, sample_weight=w)
    # the weights reach the statistics as float32, hence rtol=1e-6
    np.testing.assert_allclose(reg.y_mean_, np.average(Y_TRAIN, axis=0, weights=w),
                               rtol=1e-6)
    np.testing.assert_allclose(
        reg.y_scale_,
        np.sqrt(np.average((Y_TRAIN - reg.y_mean_) ** 2, axis=0, weights=w)),
        rtol=1e-6,
    )


def test_save_and_load_round_trip(tmp_path, reg):
    import skdeep.io

    path = tmp_path / "mc.skdeep"
    skdeep.io.save(reg, path)
    loaded = skdeep.io.load(path)
    np.testing.assert_allclose(loaded.predict(X_TEST[:5]), reg.predict(X_TEST[:5]))


def _other_regressors():
    from skdeep.rbf import RBFNetworkRegressor
    from skdeep.recurrent import HierarchicalRNNRegressor, RNNRegressor

    return [
        RNNRegressor(hidden_size=4, max_epochs=2, random_state=0),
        HierarchicalRNNRegressor(inner_hidden_size=4, outer_hidden_size=4,
                                 input_shape=(2, 1), max_epochs=2, random_state=0),
        RBFNetworkRegressor(n_centers=5, random_state=0),
    ]


@pytest.mark.parametrize("est", _other_regressors(), ids=lambda e: type(e).__name__)
def test_other_regressors_take_2d_y(est):
    # They predict (n, n_outputs) for a 2-D y, and keep a column vector y
    # as (n, 1) (unlike MLPRegressor, which ravels it).
    X, Y = X_TRAIN[:40], Y_TRAIN[:40]
    assert est.fit(X, Y).predict(X[:3]).shape == (3, 2)
    assert est.fit(X, Y[:, :1]).predict(X[:3]).shape == (3, 1)
    assert est.fit(X, Y[:, 0]).predict(X[:3]).shape == (3,)
