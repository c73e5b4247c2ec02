"""Tests of the uncertainty family: MCDropoutRegressor and MCDropoutClassifier."""

import pickle
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skdeep.uncertainty import (
    MCDropoutClassifier,
    MCDropoutRegressor,
    log_likelihood_scorer,
)
from skdeep.uncertainty._modules import MCDropoutMLP
from skdeep.utils.estimator_checks import numpy_global_rng_state


def _sine(n=200, seed=0, low=-2.0, high=2.0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(low, high, size=(n, 1))
    y = np.sin(2 * X[:, 0]) * 3.0 + 10.0 + 0.1 * rng.randn(n)
    return X, y


@pytest.fixture(scope="module")
def sine_model():
    X, y = _sine()
    model = MCDropoutRegressor(
        hidden_layer_sizes=(50,), dropout=0.1, tau=100.0, max_epochs=150,
        batch_size=32, lr=0.01, n_mc_samples=200, random_state=0,
    ).fit(X, y)
    return model, X, y


def test_n_mc_samples_set_after_fit_is_checked(sine_model):
    # read at prediction time, it was checked in fit only: 0 gave a
    # ZeroDivisionError, -3 torch's "negative dimension"
    import copy

    from sklearn.utils._param_validation import InvalidParameterError

    model, X, _ = sine_model
    for bad in (0, -3, 2.5, None):
        changed = copy.deepcopy(model).set_params(n_mc_samples=bad)
        with pytest.raises(InvalidParameterError, match="'n_mc_samples' parameter"):
            changed.predict(X[:3])


def test_regressor_learns_and_unstandardizes(sine_model):
    model, X, y = sine_model
    pred = model.predict(X)
    rmse = np.sqrt(np.mean((pred - y) ** 2))
    assert rmse < 0.3 * y.std()  # learned far better than the mean
    assert abs(pred.mean() - y.mean()) < 0.5  # outputs are in y's units
    assert model.y_mean_ == pytest.approx(y.mean())
    assert model.weight_decay_ == pytest.approx(
        2 * 1e-2**2 * (1 - 0.1) / (2 * len(X) * 100.0)
    )


def test_regressor_shapes_and_std(sine_model):
    model, X, _ = sine_model
    samples = model.sample_predictions(X[:7])
    assert samples.shape == (200, 7) and samples.dtype == np.float64
    mean, std = model.predict(X[:7], return_std=True)
    np.testing.assert_allclose(mean, samples.mean(0), rtol=1e-6)
    np.testing.assert_allclose(
        std, np.sqrt(samples.var(0) + 1 / model.tau), rtol=1e-5
    )
    assert np.all(std > np.sqrt(1 / model.tau) - 1e-12)


def test_uncertainty_grows_away_from_data(sine_model):
    model, _, _ = sine_model
    _, std_in = model.predict(np.linspace(-1.5, 1.5, 20)[:, None], return_std=True)
    _, std_out = model.predict(np.linspace(6, 8, 20)[:, None], return_std=True)
    assert std_out.mean() > 2 * std_in.mean()


def test_predict_interval_coverage(sine_model):
    model, _, _ = sine_model
    X, _ = _sine(n=3000, seed=1)
    intervals = model.predict_interval(X, coverage=0.9)
    assert intervals.shape == (3000, 2)
    assert np.all(intervals[:, 0] < intervals[:, 1])
    # targets drawn from the model's own predictive mixture: exact coverage
    rng = np.random.RandomState(0)
    samples = model.sample_predictions(X)
    pick = rng.randint(model.n_mc_samples, size=len(X))
    y = samples[pick, np.arange(len(X))] + rng.randn(len(X)) / np.sqrt(model.tau)
    covered = np.mean((y >= intervals[:, 0]) & (y <= intervals[:, 1]))
    assert covered == pytest.approx(0.9, abs=0.02)
    narrow = model.predict_interval(X, coverage=0.5)
    assert np.all(narrow[:, 1] - narrow[:, 0] < intervals[:, 1] - intervals[:, 0])
    assert np.all((narrow[:, 0] > intervals[:, 0]) & (narrow[:, 1] < intervals[:, 1]))
    with pytest.raises(ValueError, match="coverage"):
        model.predict_interval(X, coverage=1.5)


def test_log_likelihood_matches_paper_formula(sine_model):
    from scipy.special import logsumexp

    model, _, _ = sine_model
    X, y = _sine(n=50, seed=2)
    samples = model.sample_predictions(X)
    tau, T = model.tau, model.n_mc_samples
    expected = (
        logsumexp(-0.5 * tau * (y[None] - samples) ** 2, axis=0)
        - np.log(T) - 0.5 * np.log(2 * np.pi) + 0.5 * np.log(tau)
    )
    per_sample = model.log_likelihood(X, y, average=False)
    np.testing.assert_allclose(per_sample, expected, rtol=1e-8, atol=1e-8)
    for average in ("yes", 0, None):  # read as true or false
        with pytest.raises(ValueError, match="average must be True or False"):
            model.log_likelihood(X, y, average=average)
    assert model.log_likelihood(X, y) == pytest.approx(expected.mean())
    # a wrong target scores worse
    assert model.log_likelihood(X, y + 3.0) < model.log_likelihood(X, y)
    with pytest.raises(ValueError, match="samples"):
        model.log_likelihood(X, y[:-1])
    # non-finite targets: an error, not a NaN or -inf score
    for bad, match in [(np.nan, "y contains NaN"), (np.inf, "y contains inf")]:
        with pytest.raises(ValueError, match=match):
            model.log_likelihood(X, np.r_[y[:-1], bad])


def test_predict_interval_of_a_dataframe_does_not_warn():
    # X was validated twice, the second time a plain array against the
    # fitted feature names: "X does not have valid feature names"
    import warnings

    import pandas as pd

    X, y = _sine(n=60, seed=3)
    frame = pd.DataFrame(X, columns=["x"])
    model = MCDropoutRegressor((8,), max_epochs=2, n_mc_samples=5,
                               random_state=0).fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        intervals = model.predict_interval(frame)
    assert intervals.shape == (60, 2)
    assert np.all(intervals[:, 0] < intervals[:, 1])


def test_predictions_deterministic_and_batch_independent(sine_model):
    model, X, _ = sine_model
    a = model.predict(X)
    np.testing.assert_array_equal(a, model.predict(X))
    # one row alone gives the same samples as inside a batch: masks are per pass
    np.testing.assert_allclose(
        model.sample_predictions(X[5:6])[:, 0],
        model.sample_predictions(X)[:, 5],
        rtol=1e-6,
    )
    # the passes differ from each other (dropout is on at prediction time)
    assert model.sample_predictions(X[:3]).std(0).min() > 0


def test_reproducible_and_rng_untouched():
    X, y = _sine(n=80)
    torch_state = torch.get_rng_state().clone()
    np_state = numpy_global_rng_state()
    params = dict(max_epochs=3, n_mc_samples=10, random_state=3)
    a = MCDropoutRegressor(**params).fit(X, y).sample_predictions(X)
    b = MCDropoutRegressor(**params).fit(X, y).sample_predictions(X)
    np.testing.assert_array_equal(a, b)
    c = MCDropoutRegressor(**{**params, "random_state": 4}).fit(X, y)
    assert not np.array_equal(a, c.sample_predictions(X))
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np_state == numpy_global_rng_state()


def test_many_passes_are_cheap_and_consistent():
    X, y = _sine(n=100)
    model = MCDropoutRegressor(
        max_epochs=2, n_mc_samples=1000, random_state=0
    ).fit(X, y)
    samples = model.sample_predictions(X)
    assert samples.shape == (1000, 100)
    np.testing.assert_allclose(model.predict(X), samples.mean(0), rtol=1e-6)


_PREDICT_MEMORY_SCRIPT = """
import resource, sys
import numpy as np, torch
torch.set_num_threads(1)
from skdeep.uncertainty import MCDropoutRegressor
rng = np.random.RandomState(0)
X, X_new = rng.randn(500, 20), rng.randn(60_000, 20)
model = MCDropoutRegressor(max_epochs=1, random_state=0).fit(X, X[:, 0])
model.predict(X_new[:1000])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
model.predict(X_new, return_std=True)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in kB")
def test_prediction_memory_does_not_grow_with_the_rows():
    # Each chunk's result used to be kept as a numpy view of its tensor and
    # concatenated at the end; with glibc's allocator the heap then grew by
    # a chunk's temporaries per chunk: 17 kB per row at the defaults, about
    # 1 GB for these 60,000 rows (their output is 1 MB). In a fresh process,
    # so that the peak resident size is this call's.
    out = subprocess.run([sys.executable, "-c", _PREDICT_MEMORY_SCRIPT],
                         capture_output=True, text=True, timeout=300, check=True)
    growth_mb = float(out.stdout.split()[-1])
    assert growth_mb < 200, growth_mb


def test_prediction_standardizes_chunk_by_chunk():
    # predict standardized the whole input in float64 before its chunks
    # (numpy's peak: 2.4 times a float64 input); now each chunk alone, in
    # the same float64 arithmetic
    rng = np.random.RandomState(0)
    X = rng.randn(300, 50) * 3.0 + 1.0
    model = MCDropoutRegressor(max_epochs=1, random_state=0).fit(X, X[:, 0])
    np.testing.assert_array_equal(
        model._standardize(X),
        ((X - model.x_mean_) / model.x_scale_).astype(np.float32),
    )
    X_new = rng.randn(40_000, 50)
    model.predict(X_new[:10])
    tracemalloc.start()
    try:
        model.predict(X_new, return_std=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * X_new.nbytes, peak / X_new.nbytes


def test_batched_forward_equals_loop_of_passes():
    torch.manual_seed(0)
    module = MCDropoutMLP(3, (5, 4), 2, dropout=0.3)
    gen = torch.Generator().manual_seed(0)
    masks = module.draw_masks(6, gen)
    X = torch.randn(7, 3)
    batched = module.forward_mc(X, masks)
    assert batched.shape == (6, 7, 2)
    for t in range(6):
        h = X
        for i, layer in enumerate(module.linears):
            h = layer(h * masks[i][t])
            if i < len(module.linears) - 1:
                h = torch.relu(h)
        torch.testing.assert_close(batched[t], h)
    # masks are Bernoulli(1 - p) scaled to mean one
    big = module.draw_masks(2000, gen)[0]
    values = torch.unique(big).tolist()
    assert len(values) == 2 and values[0] == 0.0
    assert values[1] == pytest.approx(1 / 0.7)
    assert big.mean().item() == pytest.approx(1.0, abs=0.05)


def test_dropout_zero_gives_identical_passes():
    X, y = _sine(n=60)
    model = MCDropoutRegressor(
        dropout=0.0, max_epochs=2, n_mc_samples=5, random_state=0
    ).fit(X, y)
    samples = model.sample_predictions(X)
    np.testing.assert_allclose(samples, np.broadcast_to(samples[0], samples.shape))


def test_weight_decay_override_and_biases_free():
    X, y = _sine(n=60)
    model = MCDropoutRegressor(
        weight_decay=0.5, max_epochs=1, random_state=0
    ).fit(X, y)
    assert model.weight_decay_ == 0.5
    groups = model.net_.optimizer_.param_groups
    decays = sorted(g["weight_decay"] for g in groups)
    assert decays == [0.0, 0.5]


def test_lr_schedule_cosine_anneals_to_zero():
    X, y = _sine(n=60)
    params = dict(max_epochs=4, batch_size=16, lr=0.01, n_mc_samples=5,
                  random_state=0)
    constant = MCDropoutRegressor(**params).fit(X, y)
    cosine = MCDropoutRegressor(lr_schedule="cosine", **params).fit(X, y)
    assert MCDropoutRegressor().lr_schedule == "constant"
    assert [g["lr"] for g in constant.net_.optimizer_.param_groups] == [0.01, 0.01]
    # every group (weights with decay, biases without) ends at zero
    assert [g["lr"] for g in cosine.net_.optimizer_.param_groups] == [0.0, 0.0]
    assert not np.allclose(cosine.predict(X), constant.predict(X))
    clf = MCDropoutClassifier(lr_schedule="cosine", **params).fit(X, y > 0)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 0.0
    with pytest.raises(InvalidParameterError):
        MCDropoutRegressor(lr_schedule="linear").fit(X, y)


def test_max_epochs_auto_gives_small_data_enough_steps():
    # "auto": max(40, ceil(2000 / batches per epoch)), on the rows that train
    model = MCDropoutRegressor()
    assert model.max_epochs == "auto"
    for n, epochs in [(120, 2000), (150, 1000), (1000, 250), (6272, 41),
                      (6273, 40), (100_000, 40)]:
        model._resolve_max_epochs(n)
        assert model.max_epochs_ == epochs
    model.set_params(early_stopping=True, validation_fraction=0.2)
    model._resolve_max_epochs(model._rows_per_epoch(torch.zeros(320, 1), None))
    assert model.max_epochs_ == 1000  # 256 training rows: 2 batches of 128
    # scikit-learn's split holds out ceil(0.07 * 100) = 8 rows (100 * 0.07 is
    # 7.000000000000001): 92 train, one batch of 92; counted 93 (two)
    model.set_params(validation_fraction=0.07, batch_size=92)
    assert model._rows_per_epoch(torch.zeros(100, 1), None) == 92
    X, y = _sine(n=100)
    fitted = clone(model).set_params(n_iter_no_change=1, tol=10.0,  # (stops at 2)
                                     hidden_layer_sizes=(4,), random_state=0)
    fitted.fit(X, y)
    assert fitted.max_epochs_ == 2000
    assert sum("train_loss" in b for b in fitted.history_[-1]["batches"]) == 1
    model.set_params(batch_size=128)
    model.set_params(max_epochs=7)._resolve_max_epochs(320)
    assert model.max_epochs_ == 7
    with pytest.raises(InvalidParameterError, match="max_epochs"):
        MCDropoutRegressor(max_epochs="many").fit(*_sine(n=20))
    # iris at the defaults: a fixed 40 epochs were 40 steps (0.81 accuracy in
    # 5-fold CV); "auto" trains 100 rows for 2000 epochs, the cosine schedule
    # anneals over those
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(0)
    train = rng.permutation(len(y))[:100]
    test = np.setdiff1d(np.arange(len(y)), train)
    clf = MCDropoutClassifier(lr_schedule="cosine", random_state=0)
    clf.fit(X[train], y[train])
    assert clf.max_epochs_ == clf.n_iter_ == 2000
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 0.0
    assert clf.score(X[test], y[test]) >= 0.9


def test_grid_search_with_log_likelihood_scorer():
    X, y = _sine(n=160)
    search = GridSearchCV(
        make_pipeline(
            StandardScaler(),
            MCDropoutRegressor(max_epochs=100, batch_size=16, lr=0.01,
                               n_mc_samples=30, random_state=0),
        ),
        {"mcdropoutregressor__dropout": [0.05, 0.2],
         "mcdropoutregressor__tau": [0.01, 100.0]},
        scoring=log_likelihood_scorer,
        cv=2,
    ).fit(X, y)
    assert set(search.best_params_) == {
        "mcdropoutregressor__dropout", "mcdropoutregressor__tau"
    }
    # noise sd is 0.1 and the fit is decent: tau=0.01 (sd 10) is far too wide
    assert search.best_params_["mcdropoutregressor__tau"] == 100.0
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert search.score(X, y) == pytest.approx(
        search.best_estimator_[-1].log_likelihood(
            search.best_estimator_[0].transform(X), y
        )
    )


def test_invalid_parameters():
    X, y = _sine(n=20)
    with pytest.raises(InvalidParameterError):
        MCDropoutRegressor(dropout=1.0).fit(X, y)
    with pytest.raises(InvalidParameterError):
        MCDropoutRegressor(tau=0.0).fit(X, y)
    with pytest.raises(InvalidParameterError):
        MCDropoutRegressor(n_mc_samples=0).fit(X, y)
    with pytest.raises(InvalidParameterError):
        MCDropoutClassifier(hidden_layer_sizes=(0,)).fit(X, y > 10)


def test_pickle_roundtrip(sine_model):
    model, X, _ = sine_model
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


# -- classifier ---------------------------------------------------------------


@pytest.fixture(scope="module")
def iris_model():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = MCDropoutClassifier(
        hidden_layer_sizes=(32,), dropout=0.1, max_epochs=60, lr=0.01,
        batch_size=16, n_mc_samples=50, random_state=0,
    ).fit(X, labels)
    return model, X, labels


def test_classifier_learns(iris_model):
    model, X, labels = iris_model
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]
    assert model.score(X, labels) > 0.9
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(
        model.predict(X), model.classes_[proba.argmax(1)]
    )


def test_classifier_proba_is_mean_of_passes(iris_model):
    model, X, _ = iris_model
    samples = model.sample_proba(X[:10])
    assert samples.shape == (50, 10, 3)
    np.testing.assert_allclose(samples.mean(0), model.predict_proba(X[:10]), rtol=1e-5)


def test_classifier_uncertainty_measures(iris_model):
    model, X, _ = iris_model
    u = model.uncertainty(X)
    samples = model.sample_proba(X)
    mean = samples.mean(0)
    entropy = -(mean * np.log(mean)).sum(1)
    expected = -(samples * np.log(samples)).sum(2).mean(0)
    np.testing.assert_allclose(u.entropy, entropy, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(u.expected_entropy, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        u.mutual_information, np.maximum(entropy - expected, 0), atol=1e-5
    )
    votes = samples.argmax(2)
    modal = np.array([np.bincount(v, minlength=3).max() for v in votes.T])
    np.testing.assert_allclose(u.variation_ratio, 1 - modal / 50)
    assert np.all(u.mutual_information >= 0)
    assert np.all((u.variation_ratio >= 0) & (u.variation_ratio < 1))
    assert np.all(u.entropy <= np.log(3) + 1e-9)


def test_classifier_more_uncertain_on_unseen_digits():
    X, y = load_digits(return_X_y=True)
    seen = y < 5
    model = MCDropoutClassifier(
        hidden_layer_sizes=(64,), dropout=0.5, max_epochs=30, lr=0.003,
        n_mc_samples=50, random_state=0,
    ).fit(X[seen][::2], y[seen][::2])
    assert model.score(X[seen][1::2], y[seen][1::2]) > 0.9
    u_seen = model.uncertainty(X[seen][1::2])
    u_unseen = model.uncertainty(X[~seen])
    assert u_unseen.entropy.mean() > 1.5 * u_seen.entropy.mean()
    assert u_unseen.mutual_information.mean() > u_seen.mutual_information.mean()


def test_classifier_binary_and_errors():
    X, y = load_iris(return_X_y=True)
    y = (y == 0).astype(int)
    model = MCDropoutClassifier(max_epochs=10, lr=0.01, random_state=0).fit(X, y)
    assert model.predict_proba(X).shape == (150, 2)
    assert model.score(X, y) > 0.9
    with pytest.raises(ValueError, match="Unknown label type"):
        clone(model).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :2])


def test_registered_with_skdeep():
    import skdeep

    names = {name for name, _, _ in skdeep.all_estimators()}
    assert {"MCDropoutRegressor", "MCDropoutClassifier"} <= names


def test_demo_runs_quickly():
    from skdeep.uncertainty._demo import demo

    rows = demo()
    assert rows and {"task", "model", "score", "baseline", "baseline_score",
                     "metric", "seconds"} <= set(rows[0])
    for row in rows:
        assert np.isfinite(row["score"]) and np.isfinite(row["baseline_score"])


def test_log_likelihood_of_a_read_only_y_is_silent():
    # torch warned "The given NumPy array is not writable" (joblib memmaps in
    # a parallel search, a pandas Series' values)
    import warnings

    rng = np.random.RandomState(0)
    X = rng.randn(30, 3)
    y = X[:, 0] + rng.randn(30)
    reg = MCDropoutRegressor(max_epochs=1, random_state=0).fit(X, y)
    read_only = y.copy()
    read_only.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert reg.log_likelihood(X, read_only) == reg.log_likelihood(X, y)


@pytest.mark.parametrize("change", [{"dropout": 0.5}, {"activation": "tanh"}])
def test_layers_changed_by_set_params_are_refused_by_partial_fit_and_save(
    change, tmp_path
):
    # the module's printed form did not show dropout or activation, so the
    # rebuilt network looked the same: partial_fit went on with the old
    # layers, and the saved file loaded as another model
    from skdeep import io

    X = np.random.RandomState(0).randn(30, 4)
    reg = MCDropoutRegressor(max_epochs=2, n_mc_samples=5, random_state=0)
    reg.fit(X, X[:, 0]).set_params(**change)
    with pytest.raises(ValueError, match="cannot continue the model"):
        reg.partial_fit(X, X[:, 0])
    with pytest.raises(ValueError, match="Cannot save this MCDropoutRegressor"):
        io.save(reg, tmp_path / "model.skdeep")


@pytest.mark.parametrize("cls", [MCDropoutRegressor, MCDropoutClassifier])
def test_a_constant_feature_with_rounding_variance_is_not_scaled_up(cls):
    # a feature constant at 0.1 got scale 4e-17 (the rounding of its
    # variance), so a new value 1e-9 away moved the predictions by millions
    X = np.column_stack([np.random.RandomState(0).randn(30, 3), np.full(30, 0.1)])
    y = X[:, 0] if cls is MCDropoutRegressor else (X[:, 0] > 0).astype(int)
    est = cls(max_epochs=2, n_mc_samples=5, random_state=0).fit(X, y)
    assert est.x_scale_[3] == 1.0
    moved = X[:5].copy()
    moved[:, 3] += 1e-9
    output = getattr(est, "predict_proba", est.predict)
    np.testing.assert_allclose(output(moved), output(X[:5]), rtol=1e-5)


def test_predict_interval_works_chunk_by_chunk(sine_model, monkeypatch):
    # all samples and the bisection's temporaries over them were held at
    # once (760 MB for 3e5 rows); chunks give the same bounds to rounding
    import skdeep.uncertainty._mc_dropout as mc_dropout

    model, _, _ = sine_model
    X, _ = _sine(n=300, seed=2)
    whole = model.predict_interval(X, coverage=0.8)
    rows = 7 * model.n_mc_samples * 50  # chunks of 7 rows (50 hidden units)
    monkeypatch.setattr(mc_dropout, "_MC_ELEMENTS_PER_CHUNK", rows)
    chunked = model.predict_interval(X, coverage=0.8)
    np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=1e-12)
    samples = model.sample_predictions(X[:5])  # the mixture of these passes
    sigma = 1.0 / np.sqrt(model._noise_tau())
    low = mc_dropout._mixture_quantile(samples.T, sigma, 0.1)
    np.testing.assert_allclose(whole[:5, 0], low, rtol=1e-10)
