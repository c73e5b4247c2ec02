"""Conformance checks for skdeep estimators, for skdeep's own tests and plugins'.

scikit-learn's ``check_estimator`` checks run on each instance built from the
class's ``get_test_params()``, plus skdeep's own contract checks
(reproducibility under ``random_state``, global RNG left alone, ``get_test_params``
well formed, safe save/load round trip).

An estimator lists the checks it is known to fail, each with its reason, in an
optional method ``_expected_failed_checks(self) -> dict`` (check name ->
reason). Keep that list short and honest.

A plugin's test module needs two lines::

    from skdeep.utils.estimator_checks import parametrize_with_checks
    @parametrize_with_checks([MyEstimator])
    def test_conformance(estimator, check):
        check(estimator)
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
import inspect
import tempfile
import unittest
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import make_blobs
from sklearn.utils.estimator_checks import estimator_checks_generator

_OUTPUT_METHODS = (
    "transform",
    "predict",
    "predict_proba",
    "decision_function",
    "score_samples",
)


def test_instances(estimator_cls):
    """Instances of ``estimator_cls`` built from its ``get_test_params()``."""
    params = (
        estimator_cls.get_test_params()
        if hasattr(estimator_cls, "get_test_params")
        else {}
    )
    if isinstance(params, dict):
        params = [params]
    return [estimator_cls(**p) for p in params]


def expected_failed_checks(estimator):
    """The estimator's expected failures: ``{check_name: reason}``."""
    method = getattr(estimator, "_expected_failed_checks", None)
    return dict(method()) if method is not None else {}


def _instances(estimators):
    out = []
    for est in estimators:
        out.extend(test_instances(est) if inspect.isclass(est) else [est])
    return out


def _is_sklearn_estimator(est):
    from sklearn.base import BaseEstimator

    return isinstance(est, BaseEstimator)


def all_checks(estimator, *, legacy=True, mark=None):
    """Yield ``(estimator, check)`` pairs: scikit-learn's, then skdeep's."""
    xfails = expected_failed_checks(estimator)
    if _is_sklearn_estimator(estimator):
        yield from estimator_checks_generator(
            estimator, legacy=legacy, expected_failed_checks=xfails, mark=mark
        )
    for check in SKDEEP_CHECKS:
        check = functools.partial(check, type(estimator).__name__)
        if check.func.__name__ in xfails and mark == "xfail":
            import pytest

            yield pytest.param(
                estimator,
                check,
                marks=pytest.mark.xfail(reason=xfails[check.func.__name__]),
            )
        else:
            yield estimator, check


def _check_id(obj):
    if isinstance(obj, functools.partial):
        return obj.func.__name__
    if hasattr(obj, "get_params"):
        changed = {
            k: v
            for k, v in obj.get_params(deep=False).items()
            if not _same(v, inspect.signature(type(obj)).parameters[k].default)
        }
        args = ",".join(f"{k}={_short(v)}" for k, v in changed.items())
        return f"{type(obj).__name__}({args})"
    return None


def _short(value):
    """A parameter value for a test id: arrays and matrices by shape only."""
    shape = getattr(value, "shape", None)
    if shape is not None and not np.isscalar(value):
        return f"<{type(value).__name__} {'x'.join(map(str, shape))}>"
    return value


def _same(a, b):
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and odd objects compare as different
        return False


def parametrize_with_checks(estimators, *, legacy=True):
    """Pytest decorator running every conformance check on each estimator.

    Parameters
    ----------
    estimators : list of estimator classes or instances
        Classes are instantiated from their ``get_test_params()``.
    legacy : bool, default=True
        Include scikit-learn's legacy checks.

    Returns
    -------
    decorator : ``pytest.mark.parametrize("estimator, check", ...)``
    """
    import pytest

    params = [
        pair
        for est in _instances(estimators)
        for pair in all_checks(est, legacy=legacy, mark="xfail")
    ]
    return pytest.mark.parametrize("estimator, check", params, ids=_check_id)


def check_estimator(estimator, *, legacy=True):
    """Run every conformance check on one estimator; never raises.

    Parameters
    ----------
    estimator : estimator instance

    Returns
    -------
    results : list of dict
        ``{"estimator", "check_name", "status", "exception", "reason"}`` with
        ``status`` one of ``"passed"``, ``"failed"``, ``"xfail"``,
        ``"skipped"``.
    """
    from sklearn.exceptions import SkipTestWarning

    xfails = expected_failed_checks(estimator)
    results = []
    for est, check in all_checks(estimator, legacy=legacy, mark=None):
        name = _check_id(check) or getattr(check, "__name__", str(check))
        status, exc = "passed", None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                check(est)
            except unittest.SkipTest as e:
                status, exc = "skipped", e
            except Exception as e:  # noqa: BLE001 - a report, not a test run
                status, exc = "failed", e
        if status == "passed" and any(
            issubclass(w.category, SkipTestWarning) for w in caught
        ):
            status = "skipped"
        if name in xfails and status == "failed":
            status = "xfail"
        results.append(
            {
                "estimator": estimator,
                "check_name": name,
                "status": status,
                "exception": exc,
                "reason": xfails.get(name),
            }
        )
    return results


# -- skdeep's own contract checks ---------------------------------------------


def _check_data(estimator):
    from sklearn.utils import get_tags

    data = getattr(estimator, "_conformance_data", None)
    if data is not None:
        # Estimators whose X is not rows of features (node ids of a fixed
        # graph) give their own small data set.
        return data()
    X, y = make_blobs(n_samples=40, n_features=4, centers=3, random_state=0)
    if get_tags(estimator).input_tags.pairwise:
        # A square, symmetric, non-negative matrix: an adjacency or affinity.
        rng = np.random.RandomState(0)
        A = np.triu((rng.uniform(size=(40, 40)) < 0.2).astype(np.float64), 1)
        return A + A.T, y
    X = (X - X.mean(0)) / X.std(0)
    if getattr(estimator, "_takes_pairs", False):
        # Pair learners (metric learning): pairs of rows, 1 when same blob.
        rng = np.random.RandomState(0)
        i, j = rng.randint(len(X), size=(2, 60))
        return np.stack([X[i], X[j]], axis=1), (y[i] == y[j]).astype(int)
    if is_regressor(estimator):
        y = X[:, 0] * 2.0 + 0.5
    return X, y


def _outputs(estimator, X):
    out = {}
    for method in _OUTPUT_METHODS:
        if hasattr(estimator, method):
            out[method] = np.asarray(getattr(estimator, method)(X))
    return out


def _fit(estimator, X, y):
    from sklearn.utils import get_tags

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        needs_y = (
            is_classifier(estimator)
            or is_regressor(estimator)
            or get_tags(estimator).target_tags.required
        )
        return estimator.fit(X, y) if needs_y else estimator.fit(X)


def check_get_test_params(name, estimator_orig):
    """``get_test_params`` exists and gives dicts of valid parameters."""
    cls = type(estimator_orig)
    assert hasattr(cls, "get_test_params"), f"{name} has no get_test_params()"
    params = cls.get_test_params()
    params = [params] if isinstance(params, dict) else list(params)
    assert params, f"{name}.get_test_params() returned no parameter set"
    valid = set(cls().get_params(deep=False))
    for p in params:
        unknown = set(p) - valid
        assert not unknown, f"{name}.get_test_params() has unknown keys {unknown}"


def check_random_state_reproducible(name, estimator_orig):
    """Two fits with the same integer ``random_state`` give identical outputs."""
    if "random_state" not in estimator_orig.get_params():
        return
    X, y = _check_data(estimator_orig)
    a = _fit(clone(estimator_orig).set_params(random_state=0), X, y)
    b = _fit(clone(estimator_orig).set_params(random_state=0), X, y)
    out_a, out_b = _outputs(a, X), _outputs(b, X)
    for method in out_a:
        np.testing.assert_array_equal(
            out_a[method], out_b[method], err_msg=f"{name}.{method} differs"
        )


def check_global_rng_untouched(name, estimator_orig):
    """Fitting with an integer seed leaves torch's and numpy's global RNGs alone."""
    import torch

    if "random_state" not in estimator_orig.get_params():
        return
    X, y = _check_data(estimator_orig)
    torch_before = torch.get_rng_state().clone()
    numpy_before = np.random.get_state()[1].copy()
    est = _fit(clone(estimator_orig).set_params(random_state=0), X, y)
    _outputs(est, X)
    assert torch.equal(torch_before, torch.get_rng_state()), (
        f"{name}.fit changed the global torch RNG state"
    )
    np.testing.assert_array_equal(
        numpy_before,
        np.random.get_state()[1],
        err_msg=f"{name}.fit changed numpy's global RNG state",
    )


def check_io_roundtrip(name, estimator_orig):
    """``skdeep.io.save`` then ``load`` gives an estimator with identical outputs."""
    from skdeep import io

    X, y = _check_data(estimator_orig)
    est = clone(estimator_orig)
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    est = _fit(est, X, y)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.skdeep"
        io.save(est, path)
        loaded = io.load(path)
    assert type(loaded) is type(est)
    assert _params_equal(loaded.get_params(), est.get_params()), (
        f"{name}: parameters changed in the save/load round trip"
    )
    out_a, out_b = _outputs(est, X), _outputs(loaded, X)
    for method in out_a:
        np.testing.assert_array_equal(
            out_a[method], out_b[method], err_msg=f"{name}.{method} differs after load"
        )


def _params_equal(a, b):
    return a.keys() == b.keys() and all(_value_equal(a[k], b[k]) for k in a)


def _value_equal(a, b):
    """Parameter equality that also holds for arrays and sparse matrices."""
    import scipy.sparse as sp

    if sp.issparse(a) or sp.issparse(b):
        return (
            sp.issparse(a) and sp.issparse(b) and a.shape == b.shape
            and (sp.csr_matrix(a) != sp.csr_matrix(b)).nnz == 0
        )
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    try:
        return bool(a == b) or repr(a) == repr(b)
    except (TypeError, ValueError):
        return repr(a) == repr(b)


SKDEEP_CHECKS = (
    check_get_test_params,
    check_random_state_reproducible,
    check_global_rng_untouched,
    check_io_roundtrip,
)
