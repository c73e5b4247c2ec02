"""Tests of the NEAT estimators (NEATClassifier, NEATRegressor)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import NotFittedError

from skdeep.neuroevolution import NEATConfig
from skdeep.neuroevolution._estimators import (
    BaseNEATEstimator,
    NEATClassifier,
    NEATRegressor,
)

FAST = dict(n_generations=8, pop_size=30)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(
        n_samples=120, n_features=5, n_informative=3, n_redundant=0, random_state=0
    )
    return X, np.where(y == 1, "yes", "no")


@pytest.fixture(scope="module")
def regression():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(120, 3))
    Y = np.c_[X[:, 0] - 2 * X[:, 1], 3 * X[:, 2] + 10]
    return X, Y


# -- learning ----------------------------------------------------------------


def test_classifier_learns_iris(iris):
    X, y = iris
    clf = NEATClassifier(n_generations=20, pop_size=50, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.85  # chance is 1/3
    assert clf.n_outputs_ == 3 and clf.best_genome_.n_outputs == 3
    assert clf.best_genome_.n_inputs == X.shape[1]


def test_binary_classifier_has_one_logit_output(binary):
    X, y = binary
    clf = NEATClassifier(**FAST, random_state=0).fit(X, y)
    assert clf.n_outputs_ == 1
    assert list(clf.classes_) == ["no", "yes"]
    assert clf.score(X, y) > 0.65  # chance 0.5; logistic regression: 0.74
    z = clf.decision_function(X)
    assert z.shape == (len(X),)
    # the logit of classes_[1]: positive <=> predicted "yes"
    np.testing.assert_array_equal(clf.predict(X), np.where(z > 0, "yes", "no"))


@pytest.mark.parametrize("data", ["iris", "binary"])
def test_predict_proba_is_a_distribution(data, request):
    X, y = request.getfixturevalue(data)
    clf = NEATClassifier(**FAST, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(clf.classes_))
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-10)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_regressor_multi_output(regression):
    X, Y = regression
    reg = NEATRegressor(n_generations=20, pop_size=50, random_state=0).fit(X, Y)
    pred = reg.predict(X)
    assert pred.shape == Y.shape
    assert reg.n_outputs_ == 2 and reg.best_genome_.n_outputs == 2
    assert reg.score(X, Y) > 0.8
    # targets are standardised internally: the offset of 10 is learned for free
    assert abs(pred[:, 1].mean() - Y[:, 1].mean()) < 0.5


def test_regressor_one_dimensional_target(regression):
    X, Y = regression
    reg = NEATRegressor(**FAST, random_state=0).fit(X, Y[:, 0])
    assert reg.predict(X).shape == (len(X),)
    reg2 = NEATRegressor(**FAST, random_state=0).fit(X, Y[:, :1])
    assert reg2.predict(X).shape == (len(X), 1)


# -- determinism, warm start, persistence ----------------------------------------


def test_random_state_determinism(iris):
    X, y = iris
    a = NEATClassifier(**FAST, random_state=3).fit(X, y)
    b = NEATClassifier(**FAST, random_state=3).fit(X, y)
    c = NEATClassifier(**FAST, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.history_["best_fitness"] == b.history_["best_fitness"]
    assert a.history_["best_fitness"] != c.history_["best_fitness"]


def test_warm_start_continues_the_run(iris):
    X, y = iris
    one_go = NEATClassifier(n_generations=10, pop_size=30, random_state=0).fit(X, y)
    warm = NEATClassifier(n_generations=4, pop_size=30, warm_start=True, random_state=0)
    warm.fit(X, y)
    assert warm.n_generations_ == 4
    warm.set_params(n_generations=6).fit(X, y)
    assert warm.n_generations_ == 10 and len(warm.history_["best_fitness"]) == 10
    assert warm.n_evaluations_ == one_go.n_evaluations_
    # 4 + 6 generations are exactly the 10 of one run
    assert warm.history_["best_fitness"] == one_go.history_["best_fitness"]
    np.testing.assert_array_equal(warm.predict_proba(X), one_go.predict_proba(X))
    # without warm_start, fit starts over
    cold = NEATClassifier(n_generations=4, pop_size=30, random_state=0).fit(X, y)
    cold.fit(X, y)
    assert cold.n_generations_ == 4


def test_warm_start_refuses_other_classes_or_features(iris):
    X, y = iris
    clf = NEATClassifier(n_generations=2, pop_size=20, warm_start=True, random_state=0)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="classes not seen"):
        clf.fit(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match="features"):
        clf.fit(X[:, :3], y)


def test_warm_start_regressor_names_the_shape_of_y(regression):
    # a column after a 1-D y was refused with "y has 1 targets, the first
    # fit had 1": no reason at all
    X, Y = regression
    reg = NEATRegressor(n_generations=2, pop_size=20, warm_start=True,
                        random_state=0).fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="y is 2-D with 1 column.*first fit had y 1-D"):
        reg.fit(X, Y[:, :1])
    with pytest.raises(ValueError, match="y is 2-D with 2 column"):
        reg.fit(X, Y)
    assert reg.fit(X, Y[:, 1]).n_generations_ == 4


def test_pickle_round_trip_keeps_outputs_and_population(iris):
    X, y = iris
    clf = NEATClassifier(n_generations=4, pop_size=30, warm_start=True, random_state=0)
    clf.fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    loaded.set_params(n_generations=2).fit(X, y)  # the population came along
    assert loaded.n_generations_ == 6


def test_skdeep_io_round_trip(regression, tmp_path):
    import skdeep.neuroevolution
    from skdeep import io

    # skdeep.io saves registered estimators only; the plugin registers the exports
    if not hasattr(skdeep.neuroevolution, "NEATRegressor"):
        pytest.skip("NEATRegressor is not exported (so not registered) yet")
    X, Y = regression
    reg = NEATRegressor(**FAST, random_state=0).fit(X, Y)
    io.save(reg, tmp_path / "neat.skdeep")
    loaded = io.load(tmp_path / "neat.skdeep")
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    assert loaded.n_connections_ == reg.n_connections_
    # history_ is the record of generations here, not a torch net's (it
    # was skipped as for those, and lost)
    assert loaded.history_.keys() == reg.history_.keys()
    for key, values in reg.history_.items():
        np.testing.assert_array_equal(loaded.history_[key], values)
    # a NEATConfig as config= (the documented form; refused as "cannot save")
    config = NEATConfig(pop_size=10, activation_options=("tanh", "sigmoid"))
    reg = NEATRegressor(n_generations=2, config=config, random_state=0).fit(X, Y)
    io.save(reg, tmp_path / "configured.skdeep")
    loaded = io.load(tmp_path / "configured.skdeep")
    assert type(loaded.config) is NEATConfig and loaded.config == config
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


# -- fitness ------------------------------------------------------------------------


def test_sample_weight_zero_equals_removing_rows(iris):
    X, y = iris
    w = np.ones(len(X))
    w[::3] = 0.0
    keep = w > 0
    a = NEATClassifier(**FAST, random_state=0).fit(X, y, sample_weight=w)
    b = NEATClassifier(**FAST, random_state=0).fit(X[keep], y[keep])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-7)


def test_sample_weight_shifts_predictions(binary):
    X, y = binary
    w = np.where(y == "yes", 20.0, 1.0)
    plain = NEATClassifier(**FAST, random_state=0).fit(X, y)
    weighted = NEATClassifier(**FAST, random_state=0).fit(X, y, sample_weight=w)
    assert (weighted.predict(X) == "yes").mean() > (plain.predict(X) == "yes").mean()


def test_sample_weight_errors(iris):
    X, y = iris
    clf = NEATClassifier(n_generations=1, pop_size=10)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="Negative"):
        clf.fit(X, y, sample_weight=-np.ones(len(X)))


def test_complexity_penalty_shrinks_networks():
    X, y = make_classification(n_samples=150, n_features=12, n_informative=4,
                               random_state=0)
    params = dict(n_generations=15, pop_size=40, random_state=0)
    free = NEATClassifier(complexity_penalty=0.0, **params).fit(X, y)
    lean = NEATClassifier(complexity_penalty=0.05, **params).fit(X, y)
    assert lean.n_connections_ < free.n_connections_
    assert lean.n_connections_ == lean.best_genome_.n_connections


def test_fitness_is_loss_plus_penalty(iris):
    X, y = iris
    clf = NEATClassifier(**FAST, complexity_penalty=0.01, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    log_loss = -np.log(proba[np.arange(len(y)), y]).mean()
    expected = -log_loss - 0.01 * clf.n_connections_
    assert clf.best_fitness_ == pytest.approx(expected, rel=1e-9)
    assert max(clf.history_["best_fitness"]) == pytest.approx(expected, rel=1e-9)


def test_max_samples_subsets_rows_and_rescores_on_all(iris):
    X, y = iris
    clf = NEATClassifier(**FAST, max_samples=40, random_state=0).fit(X, y)
    assert clf.n_evaluations_ == 8 * 30
    proba = clf.predict_proba(X)
    log_loss = -np.log(proba[np.arange(len(y)), y]).mean()
    # best_fitness_ is measured on all rows, not on the last subset
    expected = -log_loss - clf.complexity_penalty * clf.n_connections_
    assert clf.best_fitness_ == pytest.approx(expected, rel=1e-9)
    assert clf.score(X, y) > 0.6
    # subsets are drawn among the rows of positive weight: a draw of
    # zero-weight rows only was scored unweighted, their labels steering it
    w = np.zeros(len(X))
    w[::5] = 1.0
    flipped = np.where(w > 0, y, (y + 1) % 3)  # only zero-weight rows differ
    a = NEATClassifier(**FAST, max_samples=4, random_state=1).fit(X, flipped,
                                                                 sample_weight=w)
    b = NEATClassifier(**FAST, max_samples=4, random_state=1).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_ctrl_c_with_max_samples_rescores_the_kept_genome_on_all_rows(
        iris, monkeypatch):
    # after a Ctrl-C, best_fitness_ was the kept genome's score on its last
    # random subset (-0.157 where all rows give -0.343), not on the data
    import warnings

    X, y = iris
    clf = NEATClassifier(**FAST, max_samples=15, random_state=0)
    outputs, calls = NEATClassifier._population_outputs, []

    def interrupt(self, *args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return outputs(self, *args)

    monkeypatch.setattr(NEATClassifier, "_population_outputs", interrupt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ("interrupted")
        clf.fit(X, y)
    monkeypatch.undo()
    assert clf.n_generations_ == 3
    proba = clf.predict_proba(X)
    log_loss = -np.log(proba[np.arange(len(y)), y]).mean()
    expected = -log_loss - clf.complexity_penalty * clf.n_connections_
    assert clf.best_fitness_ == pytest.approx(expected, rel=1e-9)


def test_fractional_max_samples_is_a_share_of_the_weighted_rows(iris, monkeypatch):
    # zero weight is no row: half of 30 weighted rows is 15 (the share was
    # of all 150 rows, 75, which then took all 30 weighted rows every time)
    X, y = iris
    w = np.zeros(len(X))
    w[::5] = 1.0
    seen = []
    evaluate = NEATClassifier._population_outputs

    def counting(self, phenotypes, Xb):
        seen.append(len(Xb))
        return evaluate(self, phenotypes, Xb)

    monkeypatch.setattr(NEATClassifier, "_population_outputs", counting)
    NEATClassifier(**FAST, max_samples=0.5, random_state=0).fit(X, y, sample_weight=w)
    assert seen[:FAST["n_generations"]] == [15] * FAST["n_generations"]
    assert seen[-1] == len(X)  # the final choice scores all rows


def test_config_errors_for_the_estimators(iris):
    X, y = iris
    with pytest.raises(ValueError, match="evaluates feed-forward networks"):
        NEATClassifier(**FAST, config={"feed_forward": False}).fit(X, y)
    with pytest.raises(ValueError, match="weight_init_stdev must be >= 0"):
        NEATClassifier(**FAST, config={"weight_init_stdev": -1.0}).fit(X, y)
    # a NEATConfig instance skipped the estimator's own check (the engine's
    # message then named step/reset)
    with pytest.raises(ValueError, match="evaluates feed-forward networks"):
        NEATClassifier(**FAST, config=NEATConfig(feed_forward=False)).fit(X, y)
    config = NEATConfig()
    config.weight_max_value = float("nan")  # set after it was validated
    with pytest.raises(ValueError, match="weight_max_value must be a finite"):
        NEATClassifier(**FAST, config=config).fit(X, y)


@pytest.mark.parametrize("change, message", [
    ({"weight_max_value": float("nan")}, "weight_max_value must be a finite number"),
    ({"compatibility_threshold": float("nan")}, "compatibility_threshold must be a "),
    ({"weight_init_stdev": float("inf")}, "weight_init_stdev must be a finite"),
    ({"bias_mutate_rate": -0.5}, r"bias_mutate_rate must be in \[0, 1\]"),
    ({"weight_replace_rate": -1.0}, r"weight_replace_rate must be in \[0, 1\]"),
    ({"max_stagnation": -1}, "max_stagnation must be >= 1"),
    ({"target_n_species": -3}, "target_n_species must be >= 1"),
    ({"num_hidden": -1}, "num_hidden must be >= 0"),
    ({"max_nodes": 0}, "max_nodes must be >= 1"),
    ({"pop_size": 2.5}, "pop_size must be an int, got 2.5"),
    ({"enabled_default": "no"}, "enabled_default must be True or False"),
])
def test_config_refuses_wrong_types_and_out_of_range_values(iris, change, message):
    # these passed: a NaN weight bound gave a model predicting NaN, a NaN
    # threshold or negative rates evolved silently, 2.5 failed in range()
    X, y = iris
    with pytest.raises(ValueError, match=message):
        NEATConfig(**change)
    with pytest.raises(ValueError, match=message):
        NEATClassifier(**FAST, config=change).fit(X, y)


def test_config_takes_numpy_scalars_as_python_ones():
    config = NEATConfig(pop_size=np.int64(20), weight_init_mean=np.float32(0.5),
                        feed_forward=np.True_)
    assert type(config.pop_size) is int and config.pop_size == 20
    assert type(config.feed_forward) is bool and config.weight_init_mean == 0.5


# -- configuration --------------------------------------------------------------


def test_config_dict_and_activation(iris):
    X, y = iris
    clf = NEATClassifier(n_generations=3, pop_size=50, activation=("relu", "sin"),
                         config={"pop_size": 12, "node_add_prob": 1.0},
                         random_state=0).fit(X, y)
    assert clf.n_evaluations_ == 3 * 12  # the dict wins over pop_size
    population, _ = clf.__dict__["__population"]
    assert population.config.activation_options == ("relu", "sin")
    assert population.config.output_activation == "identity"
    hidden = [a for k, a in zip(clf.best_genome_.node_keys, clf.best_genome_.activation)
              if k >= 3]
    assert set(hidden) <= {"relu", "sin"}


def test_config_instance_is_used_as_given(iris):
    X, y = iris
    config = NEATConfig(pop_size=16, output_activation="identity")
    clf = NEATClassifier(n_generations=2, pop_size=99, config=config,
                         random_state=0).fit(X, y)
    assert clf.n_evaluations_ == 2 * 16
    assert clf.config is config and config.pop_size == 16  # not modified


def test_standardize_false_changes_the_inputs(iris):
    X, y = iris
    a = NEATClassifier(**FAST, random_state=0).fit(X, y)
    b = NEATClassifier(**FAST, standardize=False, random_state=0).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), b.predict_proba(X))
    # shifting and scaling features does nothing with standardisation
    c = NEATClassifier(**FAST, random_state=0).fit(X * 100 + 5, y)
    np.testing.assert_allclose(c.predict_proba(X * 100 + 5), a.predict_proba(X),
                               rtol=1e-9)


def test_population_is_evaluated_in_one_call_per_generation(iris):
    X, y = iris
    calls = []

    class Counting(NEATClassifier):
        def _population_outputs(self, phenotypes, X):
            out = super()._population_outputs(phenotypes, X)
            calls.append(out.shape)
            return out

    Counting(n_generations=5, pop_size=20, random_state=0).fit(X, y)
    assert calls == [(20, len(X), 3)] * 5


def test_history_and_verbose(iris, capsys):
    X, y = iris
    clf = NEATClassifier(n_generations=3, pop_size=20, verbose=1, random_state=0)
    clf.fit(X, y)
    assert set(clf.history_) >= {"best_fitness", "mean_fitness", "n_species",
                                 "n_connections"}
    assert clf.history_["generation"] == [0, 1, 2]
    assert "NEAT" in capsys.readouterr().err


# -- errors ------------------------------------------------------------------------


def test_input_errors(iris):
    X, y = iris
    clf = NEATClassifier(n_generations=1, pop_size=10)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    with pytest.raises(NotFittedError):  # (a plain AttributeError)
        clf.best_genome_
    assert not hasattr(clf, "best_genome_")
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(bad, y)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :2])
    with pytest.raises(ValueError, match=r"only one class: 0\.0\.$"):
        NEATClassifier(n_generations=1, pop_size=10).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown activation"):
        NEATClassifier(activation=("tanh", "nope")).fit(X, y)
    with pytest.raises(ValueError, match="not NEATConfig fields"):
        NEATClassifier(config={"pop_sise": 3}).fit(X, y)
    with pytest.raises(ValueError, match="n_generations"):
        NEATClassifier(n_generations=0).fit(X, y)
    with pytest.raises(AttributeError):
        NEATRegressor().best_genome_


def test_hooks_are_documented():
    doc = BaseNEATEstimator.__doc__
    hooks = ("_genome_shape", "_population_outputs", "_best_outputs", "_base_config")
    for hook in hooks:
        assert hook in doc and callable(getattr(BaseNEATEstimator, hook))


def test_warm_start_on_new_data_picks_the_best_on_them():
    # the best genome of the earlier fit, scored on its data, outranked every
    # genome scored on the new data: with inverted labels the warm fit kept
    # a model scoring 0 (and its stale best_fitness_)
    rng = np.random.RandomState(0)
    X = rng.randn(60, 2)
    y = (X[:, 0] > 0).astype(int)
    clf = NEATClassifier(n_generations=10, pop_size=30, warm_start=True, random_state=0)
    first = clf.fit(X, y).best_genome_
    assert clf.score(X, y) > 0.9
    clf.fit(X, 1 - y)
    assert clf.best_genome_ != first
    assert clf.score(X, 1 - y) > 0.9
    assert clf.best_fitness_ == max(clf.history_["best_fitness"][10:])


def test_config_from_a_path_like_whose_folders_hold_brackets(tmp_path):
    # a pathlib path with "[" in a folder name was read as the file's text
    folder = tmp_path / "run[1]"
    folder.mkdir()
    (folder / "config").write_text("[NEAT]\npop_size = 40\n")
    from skdeep.neuroevolution import NEATConfig

    assert NEATConfig.from_neat_python(folder / "config")[0].pop_size == 40


@pytest.mark.parametrize("unit", [1e-13, 1e-30])
def test_standardize_holds_for_columns_of_tiny_units(regression, iris, unit):
    # a spread under 1e-12 read as a constant column (scale 1): targets of
    # 1e-13 predicted one value (R^2 -4e17), features of 1e-13 chance
    X, Y = regression
    y = Y[:, 0]
    plain = NEATRegressor(**FAST, random_state=0).fit(X, y)
    tiny = NEATRegressor(**FAST, random_state=0).fit(X, y * unit)
    np.testing.assert_allclose(tiny.predict(X) / unit, plain.predict(X), rtol=1e-9)
    Xi, yi = iris
    clf = NEATClassifier(**FAST, random_state=0)
    np.testing.assert_array_equal(clf.fit(Xi * unit, yi).predict(Xi * unit),
                                  clf.fit(Xi, yi).predict(Xi))
