"""The bad-input sweep of the conformance kit and the float32 range check."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from skdeep.utils import estimator_checks
from skdeep.utils.estimator_checks import (
    bad_input_cases,
    bad_input_report,
    check_bad_input,
)
from skdeep.utils.validation import check_float32_range


class _Fragile(TransformerMixin, BaseEstimator):
    """Accepts values that overflow float32 and crashes on one row."""

    def fit(self, X, y=None):
        validate_data(self, X)
        self.scale_ = np.float32(1.0)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        if len(X) == 1:
            return np.zeros((0, 0))[0]  # an IndexError, as a real bug would
        with np.errstate(over="ignore"):
            return X.astype(np.float32) * self.scale_


class _Sturdy(_Fragile):
    """The same transformer, fixed."""

    def fit(self, X, y=None):
        check_float32_range(validate_data(self, X), estimator=self)
        self.scale_ = np.float32(1.0)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        check_float32_range(X, estimator=self)
        return X.astype(np.float32) * self.scale_


def test_check_float32_range_refuses_overflow_only():
    X = np.array([[1.0, -1e200], [np.nan, 2.0]])
    with pytest.raises(ValueError, match=r"too large for float32 .*1e\+200.*_Sturdy"):
        check_float32_range(X, estimator=_Sturdy())
    with pytest.raises(ValueError, match="Input graph contains"):
        check_float32_range(sp.csr_matrix(X), input_name="graph")
    # dok and lil matrices too (dok: "has no attribute 'data'"; lil's object
    # arrays of lists passed unchecked)
    for kind in (sp.dok_matrix, sp.lil_matrix):
        with pytest.raises(ValueError, match="too large for float32"):
            check_float32_range(kind(np.nan_to_num(X)))
        assert check_float32_range(kind(np.eye(2))) is not None
    # NaN (series padding), float32 and integer input pass unchanged
    ok = np.array([[np.nan, 3e38]])
    assert check_float32_range(ok) is ok
    assert check_float32_range(ok.astype(np.float32)) is not None
    check_float32_range(np.array([[2**62, 1]]))


def test_torch_conversion_refuses_overflow():
    from skdeep.utils._torch import as_float32_tensor

    with pytest.raises(ValueError, match="too large for float32"):
        as_float32_tensor(np.array([[1.0, 1e39]]))
    # inf itself is scikit-learn's business (refused, or allowed by design)
    assert np.isinf(as_float32_tensor(np.array([np.inf])).numpy()).all()


def test_sweep_reports_every_failure_in_one_message():
    with pytest.raises(AssertionError) as info:
        check_bad_input("_Fragile", _Fragile())
    message = str(info.value)
    assert "fit:overflow_float32: transform gave non-finite values" in message
    assert "predict:overflow_float32" in message
    assert re.search(r"predict:one_row: IndexError", message)
    check_bad_input("_Sturdy", _Sturdy())


def test_sweep_runs_without_pandas(monkeypatch):
    # pandas is no dependency of skdeep's core: the sweep (and so `skdeep
    # check` and plugins' parametrize_with_checks) failed with "No module
    # named 'pandas'" on every estimator of a core install
    monkeypatch.setattr(estimator_checks, "_pandas", lambda: None)  # as missing
    names = [case.name for case in bad_input_cases(_Sturdy())]
    assert "predict:other_column_names" not in names
    check_bad_input("_Sturdy", _Sturdy())


def test_allowlist_is_strict(monkeypatch):
    allow = {("_Sturdy", "fit:nan"): "pretend it fails"}
    monkeypatch.setattr(estimator_checks, "BAD_INPUT_ALLOWLIST", allow)
    with pytest.raises(AssertionError, match="fit:nan: passes now, remove it"):
        check_bad_input("_Sturdy", _Sturdy())
    allow = {("_Fragile", c): "known" for c in (
        "fit:overflow_float32", "predict:overflow_float32", "predict:one_row",
        "fit:one_row",
    )}
    monkeypatch.setattr(estimator_checks, "BAD_INPUT_ALLOWLIST", allow)
    check_bad_input("_Fragile", _Fragile())


def test_cases_follow_the_input_kind():
    from skdeep.graph import DeepWalkEmbedder
    from skdeep.siamese import SiamesePairClassifier

    names = {c.name for c in bad_input_cases(_Sturdy())}
    assert {"fit:nan", "predict:wrong_n_features", "predict:other_column_names",
            "fit:sparse", "unfitted"} <= names
    graph = {c.name for c in bad_input_cases(DeepWalkEmbedder())}
    assert {"fit:non_square", "fit:negative_weight", "fit:nan_weight",
            "predict:node_id_out_of_range"} <= graph
    pairs = bad_input_cases(SiamesePairClassifier())
    wide = next(c for c in pairs if c.name == "predict:wrong_n_features")
    assert wide.X.shape[1:] == (2, 5)


def test_conv_estimator_refuses_other_ndim_at_predict():
    from skdeep.cnn import CNNClassifier

    X = np.random.RandomState(0).normal(size=(12, 8))
    clf = CNNClassifier(max_epochs=1).fit(X, np.arange(12) % 2)
    with pytest.raises(ValueError, match="fitted on 2-D input but X is 5-D"):
        clf.predict(X[:, :, None, None, None])


def test_numba_walks_leave_torch_threads_alone():
    # numba's OpenMP pool, started by the walks, used to set torch's thread
    # count to all cores for the rest of the process.
    pytest.importorskip("numba")
    torch = pytest.importorskip("torch")
    from skdeep.graph._walks import numba_threads

    before = torch.get_num_threads()
    with numba_threads(None):
        pass
    assert torch.get_num_threads() == before


def test_report_names_each_case_once():
    report = bad_input_report(_Sturdy())
    names = [name for name, _ in report]
    assert len(names) == len(set(names)) and all(p is None for _, p in report)


@pytest.mark.parametrize("params", [{"code_size": True}, {"weight_decay": True},
                                    {"max_epochs": np.True_}])
def test_booleans_are_not_numbers_for_numeric_parameters(params):
    # True is an Integral to Python: code_size=True or weight_decay=True
    # passed scikit-learn's interval and failed inside torch
    from sklearn.utils._param_validation import InvalidParameterError

    from skdeep.autoencoder import AutoencoderTransformer

    name = next(iter(params))
    with pytest.raises(InvalidParameterError,
                       match=f"'{name}' parameter .* Got (np.)?True"):
        AutoencoderTransformer(**params).fit(np.random.RandomState(0).randn(20, 3))


def test_unfitted_module_is_a_not_fitted_error():
    # (was an AttributeError naming the private net_; best_cppn_ named
    # best_genome_)
    from sklearn.exceptions import NotFittedError

    from skdeep.autoencoder import AutoencoderTransformer
    from skdeep.neuroevolution import HyperNEATClassifier
    from skdeep.siamese import SiameseTransformer

    for model, attribute in ((AutoencoderTransformer(), "module_"),
                             (SiameseTransformer(), "embedding_net_"),
                             (HyperNEATClassifier(), "best_cppn_")):
        with pytest.raises(NotFittedError, match="is not fitted yet"):
            getattr(model, attribute)
        assert not hasattr(model, attribute)


def test_skdeeps_checks_fail_on_estimators_that_break_them(monkeypatch):
    # checks that could not fail: the io round trip and the seeding check
    # compared nothing for estimators without an output method (their result
    # is embedding_ or labels_), the dtype check saw no float64 leak, and
    # "infer" read as a clear message about infinity
    import torch

    import skdeep.io
    from skdeep.graph import DeepWalkEmbedder
    from skdeep.utils.estimator_checks import test_instances

    pytest.importorskip("gensim")
    embedder = test_instances(DeepWalkEmbedder)[0]
    estimator_checks.check_io_roundtrip("DeepWalkEmbedder", embedder)
    load = skdeep.io.load

    def lossy(path, **kwargs):
        loaded = load(path, **kwargs)
        loaded.embedding_ = np.zeros_like(loaded.embedding_)
        return loaded

    monkeypatch.setattr(skdeep.io, "load", lossy)
    with pytest.raises(AssertionError, match="embedding_ differs after load"):
        estimator_checks.check_io_roundtrip("DeepWalkEmbedder", embedder)
    monkeypatch.undo()

    class Unseeded(DeepWalkEmbedder):
        def fit(self, X, y=None):
            super().fit(X, y)
            self.labels_ = np.random.default_rng().integers(0, 1 << 30, len(X))
            return self

    with pytest.raises(AssertionError, match="labels_ differs"):
        estimator_checks.check_random_state_reproducible(
            "Unseeded", Unseeded(**embedder.get_params()))

    class ConstantSeed(DeepWalkEmbedder):
        # reproducible whatever random_state says: passes the reproducibility
        # check, and must fail the one that reads other seeds
        def fit(self, X, y=None):
            seed, self.random_state = self.random_state, 7
            try:
                return super().fit(X, y)
            finally:
                self.random_state = seed

    constant = ConstantSeed(**embedder.get_params())
    estimator_checks.check_random_state_reproducible("ConstantSeed", constant)
    with pytest.raises(AssertionError, match="random_state seems to be ignored"):
        estimator_checks.check_random_state_used("ConstantSeed", constant)
    estimator_checks.check_random_state_used("DeepWalkEmbedder", embedder)
    # NaN outputs off the training rows compared unequal: a seed-blind
    # estimator passed
    from sklearn.base import BaseEstimator, RegressorMixin

    class SeedBlind(RegressorMixin, BaseEstimator):
        def __init__(self, random_state=None):
            self.random_state = random_state

        def fit(self, X, y):
            self.n_features_in_ = X.shape[1]
            return self

        def predict(self, X):
            return np.sqrt(np.asarray(X)[:, 1] + 2.2)

    with pytest.raises(AssertionError, match="random_state seems to be ignored"):
        with np.errstate(invalid="ignore"):
            estimator_checks.check_random_state_used("SeedBlind", SeedBlind())
    # a tree fits the training rows exactly whatever its seed: the check
    # also compares rows spread over their range (it failed trees)
    from sklearn.tree import DecisionTreeClassifier

    estimator_checks.check_random_state_used(
        "DecisionTreeClassifier", DecisionTreeClassifier(random_state=0))

    class LeaksFloat64(AutoencoderLike):
        def fit(self, X, y=None):
            torch.set_default_dtype(torch.float64)
            return super().fit(X, y)

    with pytest.raises(AssertionError, match="changed torch's default dtype"):
        estimator_checks.check_torch_default_dtype("LeaksFloat64", LeaksFloat64())
    assert torch.get_default_dtype() == torch.float32
    assert estimator_checks._error_problem(
        ValueError("Could not infer the batch count"), estimator_checks._MATCH["inf"])
    assert estimator_checks._error_problem(
        ValueError("Maintenance mode"), estimator_checks._MATCH["nan"])
    for message, kind in (("Input X contains infinity", "inf"),
                          ("Input contains NaN.", "nan"),
                          ("values must be finite", "inf")):
        assert estimator_checks._error_problem(
            ValueError(message), estimator_checks._MATCH[kind]) is None


class AutoencoderLike(TransformerMixin, BaseEstimator):
    """A tiny transformer for the checks' own tests."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float)


def test_a_stale_expected_failure_is_reported(monkeypatch):
    # an expected failure that passes was reported as a plain "passed" (and
    # pytest's xfails were lenient in a plugin's own test run)
    def passing_check(estimator):
        return None

    monkeypatch.setattr(estimator_checks, "expected_failed_checks",
                        lambda est: {"passing_check": "listed long ago"})
    monkeypatch.setattr(estimator_checks, "all_checks",
                        lambda est, **kwargs: [(est, passing_check)])
    (result,) = estimator_checks.check_estimator(AutoencoderLike())
    assert result["status"] == "xpass" and result["reason"] == "listed long ago"
    monkeypatch.undo()
    marks = [
        p.marks[0] for p in estimator_checks.all_checks(
            _ListsAFailure(), mark="xfail") if getattr(p, "marks", None)
    ]
    assert marks and all(m.kwargs["strict"] for m in marks)


class _ListsAFailure(AutoencoderLike):
    def _expected_failed_checks(self):
        return {"check_io_roundtrip": "not registered",
                "check_transformer_general": "a stand-in"}


def test_parameter_equality_of_the_io_check_is_exact():
    # 1 and True were equal, and lists of arrays differing inside too (their
    # reprs are cut short)
    equal = estimator_checks._value_equal
    long = np.zeros(2000)
    changed = long.copy()
    changed[1000] = 1.0
    assert not equal(1, True) and not equal({"a": 1}, {"a": True})
    assert not equal([long], [changed]) and equal([long], [long.copy()])
    assert not equal((1, 2), [1, 2]) and equal({"k": (1.0, "x")}, {"k": (1.0, "x")})


def test_prediction_parameter_checks_follow_skip_parameter_validation():
    # fit skips its parameter checks under scikit-learn's
    # skip_parameter_validation; the checks that prediction runs did not
    import sklearn
    from sklearn.utils._param_validation import InvalidParameterError

    from skdeep.uncertainty import MCDropoutRegressor
    from skdeep.utils._sklearn import validate_prediction_params

    est = MCDropoutRegressor(n_mc_samples=0)
    with pytest.raises(InvalidParameterError, match="n_mc_samples"):
        validate_prediction_params(est, "n_mc_samples")
    with sklearn.config_context(skip_parameter_validation=True):
        validate_prediction_params(est, "n_mc_samples")
