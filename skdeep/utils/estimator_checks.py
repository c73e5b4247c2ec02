"""Conformance checks for skdeep estimators, for skdeep's own tests and plugins'.

scikit-learn's ``check_estimator`` checks run on each instance built from the
class's ``get_test_params()``, plus skdeep's own contract checks
(every parameter validated before the data; reproducibility under
``random_state``, also with two fits at once in two threads, and other
outputs from another seed; the same
outputs when threads predict at once; global RNG left alone;
``get_test_params`` well formed; safe save/load round trip; features named
and following ``set_output``; and a sweep of
bad inputs: NaN, inf, values overflowing float32, empty or one-row input,
wrong shapes, strings, complex numbers, bad labels, bad graphs, use before
``fit``; see :func:`check_bad_input`).

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

import contextlib
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


test_instances.__test__ = False  # a helper, not a test for pytest to collect


def expected_failed_checks(estimator):
    """The estimator's expected failures: ``{check_name: reason}``."""
    method = getattr(estimator, "_expected_failed_checks", None)
    return dict(method()) if method is not None else {}


def build_dependent_checks(estimator):
    """Names of expected failures that pass with some builds of the numerical
    libraries (an estimator's ``_build_dependent_checks()``; for example an
    ARPACK call that fails on the checks' degenerate data with one scipy
    release and not another). Their xfail marks are not strict."""
    method = getattr(estimator, "_build_dependent_checks", None)
    return frozenset(method()) if method is not None else frozenset()


def _instances(estimators):
    out = []
    for est in estimators:
        out.extend(test_instances(est) if inspect.isclass(est) else [est])
    return out


def _is_sklearn_estimator(est):
    from sklearn.base import BaseEstimator

    return isinstance(est, BaseEstimator)


# Expected failures whose outcome turns on float32 rounding: a weighted fit
# and a fit on repeated rows agree to about 1e-7, and some configurations land
# inside scikit-learn's rtol=1e-7 (then reported as XPASS). Every other xfail
# is strict, marked so here (not only by skdeep's pyproject: a plugin's own
# test run had lenient ones): a check that starts passing fails.
_ROUNDING_DEPENDENT_CHECKS = frozenset(
    {"check_sample_weight_equivalence_on_dense_data"}
)


def _lenient_checks(estimator):
    """The expected failures whose outcome may flip (float32 rounding, the
    build): not strict, and a pass of one is no stale entry."""
    return _ROUNDING_DEPENDENT_CHECKS | set(build_dependent_checks(estimator))


def all_checks(estimator, *, legacy=True, mark=None, exclude=()):
    """Yield ``(estimator, check)`` pairs: scikit-learn's, then skdeep's
    (those named in ``exclude`` left out)."""
    xfails = expected_failed_checks(estimator)
    nonstrict = _lenient_checks(estimator)
    if _is_sklearn_estimator(estimator):
        for pair in estimator_checks_generator(
            estimator, legacy=legacy, expected_failed_checks=xfails, mark=mark
        ):
            check = pair.values[1] if hasattr(pair, "values") else pair[1]
            name = _check_name(check)
            if name in exclude:
                continue
            if name in xfails and hasattr(pair, "marks"):
                import pytest

                pair = pytest.param(*pair.values, marks=pytest.mark.xfail(
                    reason=xfails[name], strict=name not in nonstrict))
            yield pair
    # sktime objects (forecasters, panel transformers) get sktime's checks:
    # the rest assume scikit-learn's rows and tags
    checks = SKDEEP_CHECKS if _is_sklearn_estimator(estimator) else SKTIME_CHECKS
    for check in checks:
        if check.__name__ in exclude:
            continue
        check = functools.partial(check, type(estimator).__name__)
        if check.func.__name__ in xfails and mark == "xfail":
            import pytest

            name = check.func.__name__
            yield pytest.param(
                estimator,
                check,
                marks=pytest.mark.xfail(reason=xfails[name],
                                        strict=name not in nonstrict),
            )
        else:
            yield estimator, check


def _check_name(check):
    while isinstance(check, functools.partial):
        check = check.func
    return getattr(check, "__name__", "")


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


def parametrize_with_checks(estimators, *, legacy=True, exclude=()):
    """Pytest decorator running every conformance check on each estimator.

    Parameters
    ----------
    estimators : list of estimator classes or instances
        Classes are instantiated from their ``get_test_params()``.
    legacy : bool, default=True
        Include scikit-learn's legacy checks.
    exclude : collection of str, default=()
        Names of checks to leave out, e.g. ``{"check_bad_input"}`` where a
        test runs the bad-input sweep once per class instead.

    Returns
    -------
    decorator : ``pytest.mark.parametrize("estimator, check", ...)``
    """
    import pytest

    params = [
        pair
        for est in _instances(estimators)
        for pair in all_checks(est, legacy=legacy, mark="xfail", exclude=exclude)
    ]
    return pytest.mark.parametrize("estimator, check", params, ids=_check_id)


def check_estimator(estimator, *, legacy=True):
    """Run every conformance check on one estimator; never raises.

    Parameters
    ----------
    estimator : estimator instance
        The estimator to check.
    legacy : bool, default=True
        Include scikit-learn's legacy checks.

    Returns
    -------
    results : list of dict
        ``{"estimator", "check_name", "status", "exception", "reason"}`` with
        ``status`` one of ``"passed"``, ``"failed"``, ``"xfail"``,
        ``"xpass"`` (a check listed as an expected failure that passes: the
        list is stale), ``"skipped"``.
    """
    from sklearn.exceptions import SkipTestWarning

    xfails = expected_failed_checks(estimator)
    nonstrict = _lenient_checks(estimator)
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
        elif name in xfails and status == "passed" and name not in nonstrict:
            status = "xpass"
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


# What a fit itself returns, where an estimator has no output method (node
# embedders of a graph, community detectors): without them the checks that
# compare outputs compared nothing for those, and passed whatever happened
_FITTED_RESULTS = ("embedding_", "labels_", "memberships_")


def _results(estimator, X):
    """:func:`_outputs` and the fitted results (:data:`_FITTED_RESULTS`)."""
    import scipy.sparse as sp

    out = _outputs(estimator, X)
    for name in _FITTED_RESULTS:
        value = getattr(estimator, name, None)
        if value is not None:
            out[name] = value.toarray() if sp.issparse(value) else np.asarray(value)
    return out


def _fit(estimator, X, y, *, quiet=True):
    """Fit on ``X`` (and ``y`` where the estimator takes one); ``quiet``
    silences warnings (not thread-safe: threads silence them around)."""
    with warnings.catch_warnings() if quiet else contextlib.nullcontext():
        if quiet:
            warnings.simplefilter("ignore")
        return estimator.fit(X, y) if _needs_y(estimator) else estimator.fit(X)


def check_get_test_params(name, estimator_orig):
    """``get_test_params`` exists and gives dicts of valid parameters."""
    cls = type(estimator_orig)
    assert hasattr(cls, "get_test_params"), f"{name} has no get_test_params()"
    params = cls.get_test_params()
    params = [params] if isinstance(params, dict) else list(params)
    assert params, f"{name}.get_test_params() returned no parameter set"
    # (from the signature: a class may have parameters without defaults,
    # as sktime's adapters do)
    valid = set(inspect.signature(cls).parameters) - {"self"}
    for p in params:
        unknown = set(p) - valid
        assert not unknown, f"{name}.get_test_params() has unknown keys {unknown}"


def check_param_validation(name, estimator_orig):
    """Every constructor parameter has a constraint, and a value of the wrong
    type or out of range ends each fitting method in scikit-learn's
    ``InvalidParameterError`` naming the parameter, before the data are read.

    scikit-learn's own check (run on its estimators, not by
    ``check_estimator``): a classifier's ``partial_fit`` without ``classes``
    must name the bad parameter first, and the check's 20 x 5 table must not
    matter to graph, sequence or pair learners, because parameters come first.
    Objects that are not scikit-learn estimators (sktime's) are not checked.
    """
    from sklearn.utils.estimator_checks import (
        check_param_validation as sklearn_check_param_validation,
    )

    if not _is_sklearn_estimator(estimator_orig):
        return
    assert hasattr(estimator_orig, "_parameter_constraints"), (
        f"{name} has no _parameter_constraints: give each constructor "
        f"parameter a constraint (scikit-learn's parameter validation)."
    )
    with warnings.catch_warnings():
        # a fit that did start (a bug the check then reports) may warn
        warnings.simplefilter("ignore")
        sklearn_check_param_validation(name, estimator_orig)


def check_random_state_reproducible(name, estimator_orig):
    """Fits with the same integer ``random_state`` give identical outputs: one
    after the other, and two at once in two threads of the process (where they
    share torch's global generators)."""
    if "random_state" not in estimator_orig.get_params():
        return
    X, y = _check_data(estimator_orig)

    def fit_and_output(quiet=True):
        est = _fit(clone(estimator_orig).set_params(random_state=0), X, y,
                   quiet=quiet)
        return _results(est, X)

    first = fit_and_output()
    concurrent = _in_threads(lambda: fit_and_output(quiet=False), n_threads=2)
    for run in concurrent:
        if any(not _same(first[m], out) for m, out in run.items()):
            # which of the two: no reproducible fit, or none in threads?
            for method, out in fit_and_output().items():
                np.testing.assert_array_equal(
                    first[method], out, err_msg=f"{name}.{method} differs"
                )
            for method, out in run.items():
                np.testing.assert_array_equal(
                    first[method], out,
                    err_msg=f"{name}.{method} differs when two fits run at once "
                    "in two threads",
                )


def check_random_state_used(name, estimator_orig):
    """A ``random_state`` parameter is read: fits with other seeds give other
    outputs (one of seeds 1 and 2 differs from seed 0 somewhere, on the
    training rows or, for arrays, on rows spread over their range), so that a fit
    seeded from a constant, or from a parameter the estimator forgot to pass
    on, does not pass :func:`check_random_state_reproducible` unnoticed.

    An estimator whose algorithm draws nothing at random lists this check in
    ``_expected_failed_checks`` with its reason.
    """
    if "random_state" not in estimator_orig.get_params():
        return
    X, y = _check_data(estimator_orig)
    other = _other_rows(estimator_orig, X)

    def results(seed):
        est = _fit(clone(estimator_orig).set_params(random_state=seed), X, y)
        out = _results(est, X)
        if other is not None:  # (the training rows alone may not tell
            # apart two fits that fit them exactly: a decision tree's)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.update({f"{method} of other rows": value
                            for method, value in _outputs(est, other).items()})
        return out

    first = results(0)
    for seed in (1, 2):  # the second only where the first gave equal outputs
        again = results(seed)
        if any(not _same(first[m], out) for m, out in again.items()):
            return
    raise AssertionError(
        f"{name}: fits with random_state=0, 1 and 2 give the same outputs "
        f"({', '.join(first)}) on the training rows and on rows spread over "
        "their range: random_state seems to be ignored. Pass it on "
        "to every random draw of the fit; an estimator that draws nothing "
        "lists check_random_state_used in _expected_failed_checks."
    )


def _same(a, b):
    """``a`` equals ``b``, NaN equal to NaN (outputs off the training rows
    may hold NaN: a seed-blind estimator's compared unequal)."""
    a, b = np.asarray(a), np.asarray(b)
    floats = a.dtype.kind in "fc" and b.dtype.kind in "fc"
    return np.array_equal(a, b, equal_nan=floats)


def _other_rows(estimator, X):
    """Rows spread over the bounding box of the float array ``X`` (a quarter
    of its range beyond; NaN where ``X`` has NaN padding), for arrays of
    samples and pairs; None for other inputs (graphs, node ids, tokens)."""
    if _input_kind(estimator, X) not in ("array", "pairs"):
        return None
    X = np.asarray(X)
    if X.dtype.kind != "f" or X.ndim < 2:
        return None
    low, high = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    margin = (high - low) / 4
    rows = np.random.RandomState(1).uniform(low - margin, high + margin, X.shape)
    return np.where(np.isnan(X), np.nan, rows).astype(X.dtype)


def check_concurrent_inference(name, estimator_orig):
    """A fitted estimator gives the same outputs when three threads ask for
    them at once (a threaded server), and the same ones after."""
    X, y = _check_data(estimator_orig)
    est = clone(estimator_orig)
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    est = _fit(est, X, y)
    expected = _outputs(est, X)
    runs = _in_threads(lambda: [_outputs(est, X) for _ in range(2)], n_threads=3)
    for run in [out for outs in runs for out in outs]:
        for method, out in run.items():
            np.testing.assert_array_equal(
                expected[method], out,
                err_msg=f"{name}.{method} differs when three threads call it at once",
            )
    for method, out in _outputs(est, X).items():
        np.testing.assert_array_equal(
            expected[method], out,
            err_msg=f"{name}.{method} differs after three threads called it at once",
        )


# Seconds a threaded check waits for its threads (test-instance fits take a
# few seconds at most)
_THREAD_TIMEOUT = 300


def _in_threads(task, n_threads):
    """``task()`` in ``n_threads`` threads started together; their results,
    or the first exception raised in one of them."""
    import threading

    barrier = threading.Barrier(n_threads)
    results, errors = [None] * n_threads, []

    def run(i):
        try:
            barrier.wait()
            results[i] = task()
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    # warnings.catch_warnings is not thread-safe: one block around the threads
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        threads = [
            threading.Thread(target=run, args=(i,), daemon=True)
            for i in range(n_threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(_THREAD_TIMEOUT)
    # a deadlock fails the check instead of hanging the test run
    assert not any(thread.is_alive() for thread in threads), (
        f"threads still running after {_THREAD_TIMEOUT} s: a deadlock?"
    )
    if errors:
        raise errors[0]
    return results


def numpy_global_rng_state():
    """numpy's global RNG state as a comparable value: its key array, draw
    position and cached Gaussian (the key array alone changes only once
    every 624 draws, so comparing it missed most draws)."""
    _, keys, position, has_gauss, cached = np.random.get_state()
    return keys.tobytes(), position, has_gauss, cached


def check_global_rng_untouched(name, estimator_orig):
    """Fitting with an integer seed leaves torch's and numpy's global RNGs alone."""
    import torch

    if "random_state" not in estimator_orig.get_params():
        return
    X, y = _check_data(estimator_orig)
    torch_before = torch.get_rng_state().clone()
    numpy_before = numpy_global_rng_state()
    est = _fit(clone(estimator_orig).set_params(random_state=0), X, y)
    _outputs(est, X)
    assert torch.equal(torch_before, torch.get_rng_state()), (
        f"{name}.fit changed the global torch RNG state"
    )
    assert numpy_before == numpy_global_rng_state(), (
        f"{name}.fit changed numpy's global RNG state"
    )


def check_torch_default_dtype(name, estimator_orig):
    """Fit and outputs work where the caller set torch's default dtype to
    float64, and leave it so (skdeep's networks compute in float32); and
    leave the usual float32 as it is (a leak of float64 went unseen when
    float64 was all the check set). The float32 fit runs inside the
    caller's ``torch.inference_mode()``, which it leaves on (fits failed
    there in autograd)."""
    import torch

    X, y = _check_data(estimator_orig)
    previous = torch.get_default_dtype()
    try:
        for dtype, inference in ((torch.float64, False), (torch.float32, True)):
            torch.set_default_dtype(dtype)
            with torch.inference_mode(inference):
                est = _fit(clone(estimator_orig), X, y)
                _outputs(est, X)
                assert torch.is_inference_mode_enabled() == inference, (
                    f"{name} changed torch's inference mode"
                )
            assert torch.get_default_dtype() == dtype, (
                f"{name} changed torch's default dtype from {dtype}"
            )
    finally:
        torch.set_default_dtype(previous)


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
    out_a, out_b = _results(est, X), _results(loaded, X)
    assert out_a.keys() == out_b.keys(), f"{name}: fitted results lost in the load"
    for method in out_a:
        np.testing.assert_array_equal(
            out_a[method], out_b[method], err_msg=f"{name}.{method} differs after load"
        )


def check_named_pandas_output(name, estimator_orig):
    """An estimator that returns features (``transform`` or
    ``fit_transform``) names them, one name per column
    (``get_feature_names_out``), and follows ``set_output``: with
    ``transform="pandas"`` it returns a DataFrame with those columns, so it
    works in pipelines and column transformers configured for DataFrames."""
    pd = _pandas()
    if pd is None:
        return
    if not (hasattr(estimator_orig, "transform")
            or hasattr(estimator_orig, "fit_transform")):
        return
    for method in ("get_feature_names_out", "set_output"):
        assert hasattr(estimator_orig, method), (
            f"{name} returns features but has no {method}"
        )
    X, y = _check_data(estimator_orig)
    est = clone(estimator_orig).set_output(transform="pandas")
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    if hasattr(est, "transform"):
        out = _fit(est, X, y).transform(X)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = est.fit_transform(X, y) if _needs_y(est) else est.fit_transform(X)
    assert isinstance(out, pd.DataFrame), (
        f"{name} with set_output(transform='pandas') returned {type(out).__name__}"
    )
    names = list(est.get_feature_names_out())
    assert list(out.columns) == names, (
        f"{name}: the output's columns are not get_feature_names_out()"
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
    # (1 and True compared equal; containers of arrays compared by their
    # reprs, which numpy cuts short: arrays differing inside read as equal)
    if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
        return False
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_value_equal(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(_value_equal(a[k], b[k]) for k in a))
    try:
        return bool(a == b) or repr(a) == repr(b)
    except (TypeError, ValueError):
        return repr(a) == repr(b)



# -- bad-input sweep ----------------------------------------------------------

# Methods that must raise NotFittedError before fit.
_UNFITTED_METHODS = (
    *_OUTPUT_METHODS, "predict_log_proba", "inverse_transform", "reconstruct",
)

# Each bad input must end in one of these (scikit-learn's error types;
# NotFittedError and InvalidParameterError are ValueErrors) or in finite,
# correctly shaped output. Anything else is a crash.
_ACCEPTED_ERRORS = (ValueError, TypeError)

# What a clear error message mentions, per kind of bad input (case-insensitive).
_MATCH = {
    # (words, not parts of them: "infer" or "maintenance" read as clear)
    "nan": r"\bnan\b|missing",
    "inf": r"\binf(init[ey])?\b|finite",
    "overflow": r"float32|overflow|too large|infinit|finite|range",
    "empty": r"0 sample|0 node|empty|minimum|at least|no node|no graph",
    "ndim": r"dim|shape|expected|reshape|graph|adjacen",
    "strings": r"string|float|dtype|numeric|convert|object|graph",
    "complex": r"complex",
    "sparse": r"sparse",
    "features": r"feature|channel|shape|expect|column|time ?point|length|node",
    "lengths": r"inconsistent|samples|length|same number|rows|shape",
    "one_class": r"class",
    "columns": r"feature names",
    "node_ids": r"node|range|id|index|integer",
    "square": r"square|shape|adjacen|edge",
    "negative": r"negative",
}


class BadInput:
    """One bad input of the sweep (see :func:`bad_input_cases`).

    Attributes
    ----------
    name : str
        Short id, e.g. ``"fit:nan"`` or ``"predict:wrong_n_features"``.
    stage : {"fit", "predict", "unfitted"}
        ``"fit"``: ``fit`` (with ``params`` set first) on ``X, y``;
        ``"predict"``: every output method of the estimator fitted once on
        good data, on ``X``; ``"unfitted"``: every output method before ``fit``
        (must raise ``NotFittedError``).
    X, y : objects
        The input.
    params : dict
        Parameters set before ``fit`` (bad ``graph=`` values).
    match : str or None
        Regular expression that an error message must match
        (case-insensitive); None accepts any message.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils.estimator_checks import BadInput
    >>> BadInput("predict:nan", "predict", np.array([[np.nan]]), match="NaN")
    BadInput('predict:nan')
    """

    def __init__(self, name, stage, X, y=None, *, params=None, match=None):
        self.name, self.stage, self.X, self.y = name, stage, X, y
        self.params = params or {}
        self.match = match

    def __repr__(self):
        return f"BadInput({self.name!r})"


def _with(X, index, value, dtype=np.float64):
    X = np.array(X, dtype=dtype, copy=True)
    X[index] = value
    return X


def _input_kind(estimator, X):
    from sklearn.utils import get_tags

    if isinstance(X, list):
        return "graph_list"  # whole-graph embedders: a list of graphs
    if getattr(estimator, "_conformance_data", None) is not None and np.asarray(
        X
    ).dtype.kind in "iu":
        return "node_ids"  # node classifiers on a fixed graph= (GNNs)
    if get_tags(estimator).input_tags.pairwise:
        return "adjacency"
    if getattr(estimator, "_takes_pairs", False):
        return "pairs"
    return "array"


def _needs_y(estimator):
    from sklearn.utils import get_tags

    return (
        is_classifier(estimator)
        or is_regressor(estimator)
        or get_tags(estimator).target_tags.required
    )


def _array_cases(estimator, X, y):
    """Bad inputs for estimators whose X is an array of samples."""
    import scipy.sparse as sp
    from sklearn.utils import get_tags

    M, n = _MATCH, len(X)
    first = (0,) * X.ndim
    letters = np.full(X.shape, "a", dtype=object)
    wide = np.concatenate([X, X[..., :1]], axis=-1)
    cases = []
    flat = X.reshape(n, -1)
    for stage, ys in (("fit", y), ("predict", None)):
        def case(what, Xb, match=None, rows=slice(None), stage=stage, ys=ys):
            yb = None if ys is None else ys[rows]
            return BadInput(f"{stage}:{what}", stage, Xb, yb, match=match)

        cases += [
            case("nan", _with(X, first, np.nan), M["nan"]),
            case("inf", _with(X, first, np.inf), M["inf"]),
            case("overflow_float32", _with(X, first, 1e200), M["overflow"]),
            case("empty", X[:0], M["empty"], rows=slice(0)),
            case("one_row", X[:1], rows=slice(1)),
            case("1d", flat[:, 0], M["ndim"]),
            case("5d", flat[:, :, None, None, None], M["ndim"]),
            case("strings", letters, M["strings"]),
            case("complex", X + 1j, M["complex"]),
        ]
        if X.ndim == 2 and not get_tags(estimator).input_tags.sparse:
            cases.append(case("sparse", sp.csr_matrix(X), M["sparse"]))
    cases += [
        BadInput("fit:one_feature", "fit", X[..., :1], y),
        BadInput("predict:wrong_n_features", "predict", wide, match=M["features"]),
    ]
    if X.ndim == 2:
        # 3-D with two channels: wrong ndim for tabular models, wrong
        # number of channels for series models fitted on one channel
        cases.append(BadInput("predict:3d_two_channels", "predict",
                              np.stack([X, X], axis=1), match=M["features"] + "|dim"))
        pd = _pandas()
        if pd is not None:
            columns = [f"other{i}" for i in range(X.shape[1])]
            cases.append(BadInput("predict:other_column_names", "predict",
                                  pd.DataFrame(X, columns=columns),
                                  match=M["columns"]))
    if _needs_y(estimator):
        cases.append(BadInput("fit:mismatched_lengths", "fit", X, y[:-1],
                              match=M["lengths"]))
        cases.append(BadInput("fit:y_nan", "fit", X, _with(y, 0, np.nan),
                              match=M["nan"] + "|y"))
        if is_classifier(estimator):
            cases.append(BadInput("fit:y_one_class", "fit", X, np.zeros_like(y),
                                  match=M["one_class"]))
        else:
            cases.append(BadInput("fit:y_inf", "fit", X, _with(y, 0, np.inf),
                                  match=M["inf"] + "|y"))
    return cases


def _adjacency_cases(estimator, A, y):
    """Bad graphs for embedders whose X is an adjacency matrix."""
    M = _MATCH
    n = len(A)
    cases = [
        BadInput("fit:nan_weight", "fit", _with(A, (0, 1), np.nan), match=M["nan"]),
        BadInput("fit:inf_weight", "fit", _with(A, (0, 1), np.inf), match=M["inf"]),
        BadInput("fit:overflow_float32", "fit", _with(A, (0, 1), 1e200),
                 match=M["overflow"]),
        BadInput("fit:negative_weight", "fit",
                 _with(_with(A, (0, 1), -1.0), (1, 0), -1.0), match=M["negative"]),
        BadInput("fit:non_square", "fit", A[:, :-1], match=M["square"]),
        BadInput("fit:empty", "fit", A[:0, :0], match=M["empty"]),
        BadInput("fit:one_node", "fit", A[:1, :1]),
        BadInput("fit:1d", "fit", A[0], match=M["ndim"]),
        BadInput("fit:strings", "fit", np.full(A.shape, "a", dtype=object),
                 match=M["strings"]),
        BadInput("fit:complex", "fit", A + 1j, match=M["complex"]),
    ]
    if "graph" in estimator.get_params():
        # graph= fixed: X holds node ids
        ids = np.arange(n).reshape(-1, 1)
        cases += _node_id_cases(ids, None, fit=False, graph=A)
    return cases


def _node_id_cases(ids, y, *, fit=True, graph=None):
    """Bad node ids (and bad ``graph=`` values) for estimators on a fixed graph."""
    M = _MATCH
    n = len(ids)
    bad_ids = {
        "node_id_out_of_range": np.array([[n + 5]]),
        "node_id_negative": np.array([[-1]]),
        "node_id_float": np.array([[0.5]]),
        "node_id_nan": np.array([[np.nan]]),
        "node_id_strings": np.array([["a"]], dtype=object),
    }
    params = {} if graph is None else {"graph": graph}
    cases = [
        BadInput(f"predict:{name}", "predict", Xb, params=params, match=M["node_ids"]
                 + ("|" + M["nan"] if "nan" in name else "")
                 + ("|" + M["strings"] if "strings" in name else ""))
        for name, Xb in bad_ids.items()
    ]
    cases.append(BadInput("predict:node_ids_empty", "predict", ids[:0], params=params))
    if fit:
        cases += [
            BadInput("fit:node_id_out_of_range", "fit", _with(ids, 0, n + 5, int), y,
                     match=M["node_ids"]),
            BadInput("fit:mismatched_lengths", "fit", ids, y[:-1], match=M["lengths"]),
            BadInput("fit:y_nan", "fit", ids, _with(y, 0, np.nan),
                     match=M["nan"] + "|y"),
            BadInput("fit:y_one_class", "fit", ids, np.zeros_like(y),
                     match=M["one_class"]),
        ]
    return cases


def _graph_param_cases(estimator, ids, y):
    """Bad ``graph=`` adjacencies for node classifiers (GNNs)."""
    from skdeep.graph import to_adjacency

    A = to_adjacency(estimator.get_params()["graph"])[0].toarray()
    M = _MATCH
    return [
        BadInput("fit:graph_nan_weight", "fit", ids, y,
                 params={"graph": _with(A, (0, 1), np.nan)}, match=M["nan"]),
        BadInput("fit:graph_inf_weight", "fit", ids, y,
                 params={"graph": _with(A, (0, 1), np.inf)}, match=M["inf"]),
        BadInput("fit:graph_negative_weight", "fit", ids, y,
                 params={"graph": _with(_with(A, (0, 1), -1.0), (1, 0), -1.0)},
                 match=M["negative"]),
        BadInput("fit:graph_non_square", "fit", ids, y, params={"graph": A[:, :-1]},
                 match=M["square"]),
    ]


def _graph_list_cases(graphs):
    """Bad graphs for whole-graph embedders (X is a list of graphs)."""
    M = _MATCH
    A = np.asarray(graphs[1].toarray() if hasattr(graphs[1], "toarray") else graphs[1],
                   dtype=np.float64)

    def swap(B):
        return [B] + list(graphs[1:])

    cases = []
    for stage in ("fit", "predict"):
        cases += [
            BadInput(f"{stage}:nan_weight", stage, swap(_with(A, (0, 1), np.nan)),
                     match=M["nan"]),
            BadInput(f"{stage}:inf_weight", stage, swap(_with(A, (0, 1), np.inf)),
                     match=M["inf"]),
            BadInput(f"{stage}:overflow_float32", stage, swap(_with(A, (0, 1), 1e200)),
                     match=M["overflow"]),
            BadInput(f"{stage}:negative_weight", stage,
                     swap(_with(_with(A, (0, 1), -1.0), (1, 0), -1.0)),
                     match=M["negative"]),
            BadInput(f"{stage}:non_square", stage, swap(A[:, :-1]), match=M["square"]),
            BadInput(f"{stage}:empty", stage, [], match=M["empty"]),
            BadInput(f"{stage}:strings", stage, ["a", "b"], match=M["strings"]),
            BadInput(f"{stage}:2d_array", stage, np.ones((5, 4)), match=M["ndim"]
                     + "|square|list"),
        ]
    cases.append(BadInput("predict:one_graph", "predict", [graphs[0]]))
    return cases


def bad_input_cases(estimator):
    """The bad inputs that :func:`check_bad_input` tries on ``estimator``.

    Built from the estimator's good conformance data (rows of features, an
    adjacency for ``pairwise`` graph embedders, node ids on a fixed graph,
    pairs of rows for pair learners, lists of graphs for whole-graph
    embedders), so that each case differs from good input in one way: NaN,
    inf or float32-overflowing values, empty input, one row, one feature,
    the wrong number of features or channels, the wrong ndim, strings,
    complex numbers, a sparse matrix where it is not supported, other column
    names at ``predict``, bad labels (NaN, one class, wrong length), and for
    graphs non-square, negative- or NaN-weighted adjacencies and node ids out
    of range; plus use before ``fit``.

    Parameters
    ----------
    estimator : estimator instance
        A scikit-learn-style skdeep estimator (sktime objects have their own
        sweep in :func:`check_bad_input`).

    Returns
    -------
    cases : list of BadInput

    Examples
    --------
    >>> from skdeep.som import SOMClusterer
    >>> from skdeep.utils.estimator_checks import bad_input_cases
    >>> cases = bad_input_cases(SOMClusterer())
    >>> [c.name for c in cases][:3]
    ['fit:nan', 'fit:inf', 'fit:overflow_float32']
    """
    X, y = _check_data(estimator)
    kind = _input_kind(estimator, X)
    if kind == "graph_list":
        cases = _graph_list_cases(X)
    elif kind == "adjacency":
        cases = _adjacency_cases(estimator, X, y)
    elif kind == "node_ids":
        cases = _node_id_cases(X, y)
        if "graph" in estimator.get_params():
            cases += _graph_param_cases(estimator, X, y)
    else:
        cases = _array_cases(estimator, np.asarray(X, dtype=np.float64), y)
    cases.append(BadInput("unfitted", "unfitted", X))
    return cases


# Known failures of the sweep, {(estimator name, case name): reason}. Strict:
# an entry whose case passes is reported too, so that a fix shows.
BAD_INPUT_ALLOWLIST = {}


def _good_fit_input(estimator, X, kind):
    """The input of the one good fit: a DataFrame for 2-D tabular data, so
    that ``predict`` with other column names can be checked."""
    pd = _pandas()
    if kind == "array" and np.ndim(X) == 2 and pd is not None:
        return pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    return X


def _pandas():
    """pandas, or None: not a dependency of skdeep's core, so the checks of
    column names are left out where it is missing (a core install)."""
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def _n_rows(X):
    try:
        return len(X)
    except TypeError:
        return None


def _output_problems(outputs, n_rows):
    problems = []
    for method, out in outputs.items():
        out = np.asarray(out)
        if out.dtype.kind in "fc" and not np.isfinite(out).all():
            problems.append(f"{method} gave non-finite values")
        elif n_rows is not None and out.ndim and len(out) != n_rows:
            problems.append(f"{method} gave {len(out)} rows for {n_rows} samples")
    return problems


def _fit_outputs(estimator, X, y):
    """Fit, then the outputs on the same ``X`` (``fit_transform`` and
    ``fit_predict`` where there is no ``transform``/``predict``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        args = (X, y) if _needs_y(estimator) else (X,)
        if not hasattr(estimator, "transform") and hasattr(estimator, "fit_transform"):
            return {"fit_transform": estimator.fit_transform(*args)}
        if not hasattr(estimator, "predict") and hasattr(estimator, "fit_predict"):
            return {"fit_predict": estimator.fit_predict(*args)}
        estimator.fit(*args)
        return _outputs(estimator, X)


def _error_problem(exc, match):
    """Why an exception is not a clear scikit-learn-style error, or None."""
    import re

    if not isinstance(exc, _ACCEPTED_ERRORS):
        return f"{type(exc).__name__}: {str(exc)[:150]}"
    if match is not None and not re.search(match, str(exc), re.IGNORECASE):
        return f"unclear {type(exc).__name__}: {str(exc)[:150]}"
    return None


def _run_case(case, estimator, fitted):
    """``None`` when the case ends well, else what went wrong."""
    from sklearn.exceptions import NotFittedError

    if case.stage == "unfitted":
        from sklearn.utils import get_tags

        if not get_tags(estimator).requires_fit:
            return None
        problems = []
        for method in _UNFITTED_METHODS:
            if not callable(getattr(estimator, method, None)):
                continue
            try:
                getattr(clone(estimator), method)(case.X)
                problems.append(f"{method} before fit returned")
            except NotFittedError:
                pass
            except Exception as e:  # noqa: BLE001 - any other error is the finding
                problems.append(f"{method} before fit: {type(e).__name__}: {e}"[:150])
        return "; ".join(problems) or None
    try:
        if case.stage == "fit":
            est = clone(estimator).set_params(**case.params)
            outputs = _fit_outputs(est, case.X, case.y)
        else:
            est = fitted
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outputs = _outputs(est, case.X)
    except Exception as e:  # noqa: BLE001 - sorted by _error_problem
        return _error_problem(e, case.match)
    if case.stage == "predict" and not outputs:
        return None
    problems = _output_problems(outputs, _n_rows(case.X))
    return "; ".join(problems) or None


def _sktime_bad_input_report(estimator):
    """The sweep for sktime objects: forecasters get bad series ``y``."""
    import pandas as pd

    kind = estimator.get_tag("object_type", None, raise_error=False)
    if kind == "transformer":
        return _sktime_transformer_report(estimator)
    if kind != "forecaster":
        return []
    y = pd.Series(np.sin(np.arange(40) / 3.0))
    bad = {
        "fit:nan": y.where(y.index != 5),
        "fit:inf": y.replace(y.iloc[5], np.inf),
        "fit:overflow_float32": y.replace(y.iloc[5], 1e200),
        "fit:empty": y.iloc[:0],
        "fit:one_row": y.iloc[:1],
        "fit:strings": pd.Series(["a"] * 40),
        "fit:complex": y + 1j,
    }
    match = {"fit:nan": _MATCH["nan"], "fit:inf": _MATCH["inf"],
             "fit:overflow_float32": _MATCH["overflow"], "fit:strings": None,
             "fit:complex": None, "fit:empty": None, "fit:one_row": None}
    report = []
    for name, series in bad.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = clone(estimator).fit(series, fh=[1, 2])
                out = np.asarray(est.predict(), dtype=float)
            problem = _output_problems({"predict": out}, 2)
            problem = "; ".join(problem) or None
        except Exception as e:  # noqa: BLE001 - sorted by _error_problem
            problem = _error_problem(e, match[name])
        report.append((name, problem))
    try:
        clone(estimator).predict(fh=[1])
        report.append(("unfitted", "predict before fit returned"))
    except Exception as e:  # noqa: BLE001
        from sklearn.exceptions import NotFittedError

        ok = isinstance(e, NotFittedError) or type(e).__name__ == "NotFittedError"
        report.append(("unfitted", None if ok else f"{type(e).__name__}: {e}"[:150]))
    return report


def _sktime_transformer_report(estimator):
    """The sweep for sktime transformers: bad panels ``(n, C, T)``."""
    X = np.random.RandomState(0).normal(size=(6, 1, 16))
    bad = {
        "transform:nan": (_with(X, (0, 0, 3), np.nan), _MATCH["nan"]),
        "transform:inf": (_with(X, (0, 0, 3), np.inf), _MATCH["inf"] + "|nan"),
        "transform:overflow_float32": (_with(X, (0, 0, 3), 1e200), _MATCH["overflow"]),
        "transform:complex": (X + 1j, _MATCH["complex"] + "|dtype|mtype"),
        "transform:strings": (np.full(X.shape, "a", dtype=object), None),
    }
    report = []
    for name, (Xb, match) in bad.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = clone(estimator).fit_transform(Xb)
            out = np.asarray(out, dtype=float)
            problem = "; ".join(_output_problems({"transform": out}, len(Xb))) or None
        except Exception as e:  # noqa: BLE001 - sorted by _error_problem
            problem = _error_problem(e, match)
        report.append((name, problem))
    return report


def bad_input_report(estimator):
    """Run the bad-input sweep on one estimator; never raises.

    The estimator is fitted once on good data; ``predict``-stage cases reuse
    that fitted model, ``fit``-stage cases fit a clone each.

    Parameters
    ----------
    estimator : estimator instance

    Returns
    -------
    report : list of (case_name, problem)
        ``problem`` is None when the case ended in a scikit-learn-style error
        (``ValueError``, ``TypeError``, ``NotFittedError``) whose message names
        the problem, or in finite, correctly shaped output; otherwise it says
        what went wrong.

    Examples
    --------
    >>> from skdeep.som import SOMClusterer
    >>> from skdeep.utils.estimator_checks import bad_input_report
    >>> report = bad_input_report(SOMClusterer(n_rows=2, n_columns=2, max_epochs=3))
    >>> [name for name, problem in report if problem]
    []
    """
    if hasattr(estimator, "get_class_tag"):
        return _sktime_bad_input_report(estimator)
    estimator = clone(estimator)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=0)
    X, y = _check_data(estimator)
    kind = _input_kind(estimator, X)
    cases = bad_input_cases(estimator)
    fitted = {}

    def fitted_for(params):
        # one good fit per distinct graph= value (graph embedders in node-id mode)
        key = id(params.get("graph"))
        if key not in fitted:
            est = clone(estimator).set_params(**params)
            Xf, yf = X, y
            if params:  # node ids of the graph= given
                Xf, yf = np.arange(len(params["graph"]))[:, None], None
            _fit(est, _good_fit_input(est, Xf, kind), yf)
            fitted[key] = est
        return fitted[key]

    report = []
    for case in cases:
        if case.stage == "predict":
            try:
                est = fitted_for(case.params)
            except Exception as e:  # noqa: BLE001 - a report, not a test run
                report.append((case.name, f"good fit failed: {type(e).__name__}: {e}"))
                continue
            case = BadInput(case.name, case.stage, case.X, match=case.match)
            report.append((case.name, _run_case(case, estimator, est)))
        else:
            report.append((case.name, _run_case(case, estimator, None)))
    return report


def check_bad_input(name, estimator_orig):
    """Every bad input ends in a clear scikit-learn-style error or finite output.

    Runs :func:`bad_input_report` and fails with every problem listed in one
    message. Known failures are listed in ``BAD_INPUT_ALLOWLIST`` with their
    reason; an allowed case that passes is reported too (so the entry is
    removed when the estimator is fixed).

    Parameters
    ----------
    name : str
        The estimator's name, for messages and ``BAD_INPUT_ALLOWLIST``.
    estimator_orig : estimator instance
        Not modified: the sweep fits clones.

    Raises
    ------
    AssertionError
        Listing each bad input that crashed, gave an unclear error or gave
        non-finite or wrongly shaped output.

    Examples
    --------
    >>> from skdeep.signal import FFTFeaturizer
    >>> from skdeep.utils.estimator_checks import check_bad_input
    >>> check_bad_input("FFTFeaturizer", FFTFeaturizer())
    """
    failures = []
    for case, problem in bad_input_report(estimator_orig):
        allowed = BAD_INPUT_ALLOWLIST.get((name, case))
        if problem and not allowed:
            failures.append(f"{case}: {problem}")
        elif allowed and not problem:
            failures.append(f"{case}: passes now, remove it from BAD_INPUT_ALLOWLIST")
    assert not failures, f"{name} mishandles bad input:\n  " + "\n  ".join(failures)


def sktime_check_results(estimator):
    """sktime's ``check_estimator`` on an sktime object, one result per
    check (the records of :func:`check_estimator`)."""
    from sktime.utils.estimator_checks import check_estimator as sktime_check

    report = sktime_check(estimator, raise_exceptions=False, verbose=False)
    return [
        {
            "estimator": estimator,
            "check_name": name,
            "status": "passed" if outcome == "PASSED" else "failed",
            "exception": None if outcome == "PASSED" else RuntimeError(str(outcome)),
            "reason": None,
        }
        for name, outcome in report.items()
    ]


def check_sktime_conformance(name, estimator_orig):
    """sktime's own conformance checks pass, for sktime objects (forecasters
    and panel transformers, which skdeep's and scikit-learn's row checks do
    not fit)."""
    results = sktime_check_results(estimator_orig)
    failed = [r for r in results if r["status"] != "passed"]
    assert not failed, f"{name} fails sktime's checks: " + "; ".join(
        f"{r['check_name']}: {str(r['exception'])[:200]}" for r in failed
    )


SKDEEP_CHECKS = (
    check_get_test_params,
    check_param_validation,
    check_random_state_reproducible,
    check_random_state_used,
    check_concurrent_inference,
    check_global_rng_untouched,
    check_torch_default_dtype,
    check_io_roundtrip,
    check_named_pandas_output,
    check_bad_input,
)

#: What sktime objects get instead: sktime's checks, and the two of
#: skdeep's that read sktime's data.
SKTIME_CHECKS = (check_get_test_params, check_sktime_conformance, check_bad_input)
