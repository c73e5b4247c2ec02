"""Regressors on the shared torch road train on standardized targets."""

import numpy as np
import pytest

from skdeep.cnn import CNNRegressor
from skdeep.recurrent import HierarchicalRNNRegressor, RNNRegressor
from skdeep.uncertainty import MCDropoutRegressor
from skdeep.utils.validation import column_standardization

FAST = {"max_epochs": 3, "batch_size": 16, "random_state": 0}
REGRESSORS = [
    pytest.param(lambda: CNNRegressor(conv_channels=(4,), **FAST), id="cnn"),
    pytest.param(lambda: RNNRegressor(hidden_size=4, **FAST), id="rnn"),
    pytest.param(
        lambda: HierarchicalRNNRegressor(
            input_shape=(3, 4), inner_hidden_size=4, outer_hidden_size=4, **FAST
        ),
        id="hierarchical",
    ),
    pytest.param(
        lambda: MCDropoutRegressor(hidden_layer_sizes=(8,), n_mc_samples=5, **FAST),
        id="mc_dropout",
    ),
]


def _data(n=40, T=12, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T))
    return X, X[:, :3].sum(axis=1) + 0.1 * rng.normal(size=n)


@pytest.mark.parametrize("make", REGRESSORS)
def test_predictions_follow_the_units_of_y(make):
    # y in other units (times 1e4, shifted by 1e5) trains the same network
    # on the same standardized targets: the same predictions in those units
    X, y = _data()
    base = make().fit(X, y)
    moved = make().fit(X, 1e4 * y + 1e5)
    np.testing.assert_allclose(
        moved.predict(X), 1e4 * base.predict(X) + 1e5, rtol=1e-5, atol=1e-2
    )
    # floats for a 1-D y, as MCDropoutRegressor stored them first
    assert isinstance(moved.y_mean_, float) and isinstance(moved.y_scale_, float)
    assert moved.y_mean_ == pytest.approx(1e4 * y.mean() + 1e5)
    assert moved.y_scale_ == pytest.approx(1e4 * y.std())


@pytest.mark.parametrize("make", REGRESSORS[:2])
def test_a_target_far_from_zero_is_learned(make):
    # The output bias no longer has to walk to 1e3 at Adam's step size
    # (trained on y + 1e3 in its units before, R^2 was -2.2e5).
    X, y = _data(n=64)
    reg = make().set_params(max_epochs=30, lr=0.02).fit(X, y + 1e3)
    assert reg.score(X, y + 1e3) > 0.3


def test_multi_output_and_weighted_statistics():
    X, y = _data()
    Y = np.column_stack([y, 100 * y - 7])
    w = np.linspace(0.5, 2.0, len(y))
    reg = CNNRegressor(conv_channels=(4,), **FAST).fit(X, Y, sample_weight=w)
    mean, scale = column_standardization(Y, w)
    np.testing.assert_allclose(reg.y_mean_, mean)
    np.testing.assert_allclose(reg.y_scale_, scale)
    np.testing.assert_allclose(mean, np.average(Y, axis=0, weights=w))
    assert reg.predict(X).shape == Y.shape


def test_partial_fit_keeps_the_first_calls_statistics():
    X, y = _data()
    reg = RNNRegressor(hidden_size=4, **FAST).partial_fit(X[:20], y[:20])
    first = (reg.y_mean_, reg.y_scale_)
    reg.partial_fit(X[20:], 5 * y[20:] + 3)
    assert (reg.y_mean_, reg.y_scale_) == first
    with pytest.raises(ValueError, match="2 output"):
        reg.partial_fit(X[20:], np.column_stack([y[20:], y[20:]]))


def test_many_to_many_statistics_leave_out_the_padding():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(10, 8))
    X[:5, 6:] = np.nan  # five series of 6 steps
    Y = np.cumsum(np.nan_to_num(X), axis=1) + 50.0
    reg = RNNRegressor(hidden_size=4, return_sequences=True, **FAST).fit(X, Y)
    valid = Y[~np.isnan(X)]
    assert isinstance(reg.y_mean_, float)
    assert reg.y_mean_ == pytest.approx(valid.mean())
    assert reg.y_scale_ == pytest.approx(valid.std())
    assert reg.predict(X).shape == Y.shape


def test_constant_target_gets_unit_scale():
    mean, scale = column_standardization(np.full((5, 2), 3.0))
    np.testing.assert_array_equal(mean, [3.0, 3.0])
    np.testing.assert_array_equal(scale, [1.0, 1.0])


def test_statistics_of_extreme_magnitudes():
    # squares of values past 1e154 overflowed: the column read as constant
    # (scale 1) and the unscaled targets became inf in float32 (RBF: NaN
    # predictions without an error); columns of 1e-300 keep their spread
    rng = np.random.RandomState(0)
    base = rng.normal(size=(30, 1))
    for unit in (1e-300, 1e156, 1e300):
        mean, scale = column_standardization(base * unit + 3 * unit)
        np.testing.assert_allclose(mean / unit, base.mean(axis=0) + 3, rtol=1e-12)
        np.testing.assert_allclose(scale / unit, base.std(axis=0), rtol=1e-12)
    # a constant column of large values is still constant
    assert column_standardization(np.full((4, 1), 1e200))[1][0] == 1.0
    # from 2**1023 on the power of two overflowed, and the statistics were NaN
    # (NEAT predicted NaN without an error)
    for top in (2.0**1023, 1e308):
        mean, scale = column_standardization(np.array([[top], [1.0], [-top]]))
        assert mean[0] == 0.0 and scale[0] == pytest.approx(top * np.sqrt(2 / 3))


REGRESSORS_WITH_Y_CAST = [
    *REGRESSORS,
    pytest.param(lambda: _rbf(), id="rbf"),
    pytest.param(lambda: _neat(), id="neat"),
]


def _rbf():
    from skdeep.rbf import RBFNetworkRegressor

    return RBFNetworkRegressor(n_centers=4, random_state=0)


def _neat():
    from skdeep.neuroevolution import NEATRegressor

    return NEATRegressor(n_generations=2, pop_size=10, random_state=0)


@pytest.mark.parametrize("make", REGRESSORS_WITH_Y_CAST)
def test_a_missing_target_in_an_object_y_is_refused(make):
    # an object y holding None (a pandas column with a missing value)
    # passed scikit-learn's check, made before its cast to float: NEAT
    # evolved on NaN fitness without a word, the networks blamed lr and X
    X, y = _data()
    y = y.astype(object)
    y[3] = None
    with pytest.raises(ValueError, match="Input y contains NaN"):
        make().fit(X, y)


@pytest.mark.parametrize("make", REGRESSORS[1:3])
def test_partial_fit_with_a_column_y_keeps_the_first_calls_shape(make):
    # the predictions' shape flipped between (n,) and (n, 1) with each call
    X, y = _data()
    model = make()
    model.partial_fit(X, y)
    model.partial_fit(X, y[:, None])
    assert model.predict(X[:3]).shape == (3,)
    column = make()
    column.partial_fit(X, y[:, None])
    column.partial_fit(X, y)
    assert column.predict(X[:3]).shape == (3, 1)


@pytest.mark.parametrize("make", REGRESSORS[-1:])
def test_a_target_of_huge_units_is_learned(make):
    X, y = _data()
    np.testing.assert_allclose(make().fit(X, y * 1e156).predict(X) / 1e156,
                               make().fit(X, y).predict(X), rtol=1e-5, atol=1e-6)


def test_models_saved_before_standardization_predict_in_their_units():
    # A model fitted before its family standardized y has no y_mean_ /
    # y_scale_; its outputs are already in y's units.
    X, y = _data()
    reg = CNNRegressor(conv_channels=(4,), **FAST).fit(X, y)
    raw = reg._outputs(X)[:, 0]
    del reg.y_mean_, reg.y_scale_
    np.testing.assert_array_equal(reg.predict(X), raw)


@pytest.mark.parametrize("make", [REGRESSORS[0], REGRESSORS[3]])
def test_fortran_ordered_targets_fit_the_same_model(make):
    # numpy summed the columns of a Fortran-ordered y (a DataFrame's values)
    # in another order: the statistics, hence every prediction, differed in
    # the last bits
    X, y = _data()
    Y = np.column_stack([y, 3.0 * X[:, 3] - 1.0, X[:, 4] ** 2])
    assert not np.array_equal(Y.mean(axis=0), np.asfortranarray(Y).mean(axis=0))
    fortran = column_standardization(np.asfortranarray(Y))
    for stats in zip(column_standardization(Y), fortran):
        np.testing.assert_array_equal(*stats)
    np.testing.assert_array_equal(make().fit(X, np.asfortranarray(Y)).predict(X),
                                  make().fit(X, Y).predict(X))
