"""scikit-learn's and skdeep's conformance checks over every registered estimator."""

import warnings

import numpy as np
import pytest
from sklearn.base import ClassifierMixin

import skdeep
from skdeep.utils.estimator_checks import (
    _check_data,
    _fit,
    _good_fit_input,
    _input_kind,
    _outputs,
    check_bad_input,
    parametrize_with_checks,
    test_instances,
)

SKLEARN_ESTIMATORS = [
    cls
    for _, cls, _ in skdeep.all_estimators()
    if not hasattr(cls, "get_class_tag")  # sktime objects get sktime's checks
]


def _seeded_instance_and_data(estimator_cls):
    """The first test instance of ``estimator_cls`` (``random_state=0`` where
    it has one) and its conformance data ``X, y``."""
    estimator = test_instances(estimator_cls)[0]
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=0)
    X, y = _check_data(estimator)
    return estimator, X, y


def test_registry_is_not_empty():
    assert "AutoencoderTransformer" in {name for name, _, _ in skdeep.all_estimators()}


# The bad-input sweep runs once per class, in test_bad_input_sweep.
@parametrize_with_checks(SKLEARN_ESTIMATORS, exclude={"check_bad_input"})
# sklearn's sample-weight checks zero most rows: fewer rows than RBF centers
@pytest.mark.filterwarnings("ignore:n_centers=.* rows of non-zero weight:UserWarning")
# The checks' rows are series of 1 to 20 points: a wavelet test instance's
# explicit level=2 is deeper than pywt finds useful on them (it says so).
@pytest.mark.filterwarnings("ignore:Level value of .* is too high:UserWarning")
# The checks' graphs carry random edge weights, which karateclub's walkers
# ignore (the plugin says so, as it should).
@pytest.mark.filterwarnings("ignore:karateclub's .* cannot read the edge weights")
# Test instances train a few epochs by design (lean conformance budgets).
@pytest.mark.filterwarnings("ignore:.* before early stopping:UserWarning")
# The checks' random rows in [0, 1] meet the extractor's default 0-255 range.
@pytest.mark.filterwarnings("ignore:PretrainedFeatureExtractor. X holds values")
def test_sklearn_conformance(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator_cls", [cls for _, cls, _ in skdeep.all_estimators()],
    ids=lambda c: c.__name__,
)
def test_bad_input_sweep(estimator_cls):
    # Every bad input (NaN, inf, float32 overflow, empty, wrong shapes,
    # strings, complex, bad labels, bad graphs, unfitted use) ends in a clear
    # scikit-learn-style error or finite, correctly shaped output; sktime
    # objects (LSTMForecaster, SktimeAdapter) get sktime-shaped bad input.
    check_bad_input(estimator_cls.__name__, test_instances(estimator_cls)[0])


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_classifiers_with_probabilities_give_their_logarithm(estimator_cls):
    # scikit-learn's classifiers have predict_log_proba beside predict_proba,
    # and its meta-estimators look for it (a pipeline ending in a skdeep
    # classifier had none); SOMClusterer and the other non-classifiers have
    # neither
    estimator = test_instances(estimator_cls)[0]
    assert hasattr(estimator, "predict_log_proba") == hasattr(
        estimator, "predict_proba"
    )


_PREDICT_METHODS = ("transform", "predict", "predict_proba", "predict_log_proba",
                    "decision_function", "score_samples", "inverse_transform", "reconstruct")


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_unfitted_use_raises_not_fitted_error(estimator_cls):
    # Every output method of an estimator that needs fitting raises
    # NotFittedError before fit, whatever the input (not an AttributeError
    # from a fitted attribute read before the check).
    from sklearn.exceptions import NotFittedError

    estimator = test_instances(estimator_cls)[0]
    if not estimator.__sklearn_tags__().requires_fit:
        return
    for method in _PREDICT_METHODS:
        if callable(getattr(estimator, method, None)):
            with pytest.raises(NotFittedError):
                getattr(estimator, method)(np.zeros((4, 4)))


def _strided_read_only(a):
    """``a``'s values in a read-only view with a negative row stride and
    Fortran-ordered memory: what ``X[::-1]`` of a column-major memory map
    gives, for instance."""
    a = np.asarray(a)
    view = np.asfortranarray(a[::-1])[::-1]
    view.flags.writeable = False
    return view


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_outputs_do_not_depend_on_memory_layout(estimator_cls):
    # The same values in a read-only, negatively strided, Fortran-ordered view
    # (torch wraps none of these) give the same seeded model: input handling
    # copies what it must and nothing reads memory order.
    from sklearn.base import clone
    from sklearn.utils import get_tags

    estimator, X, y = _seeded_instance_and_data(estimator_cls)
    if not isinstance(X, np.ndarray):
        pytest.skip("whole-graph embedders take lists of graphs, not arrays")
    assert not get_tags(estimator).non_deterministic  # none is, so far
    expected = _outputs(_fit(clone(estimator), X, y), X)
    X_view = _strided_read_only(X)
    y_view = None if y is None else _strided_read_only(y)
    got = _outputs(_fit(clone(estimator), X_view, y_view), X_view)
    assert got.keys() == expected.keys()
    for method, values in expected.items():
        # to the bit: a Fortran-ordered copy summed its columns in another
        # order (a DataFrame's values are Fortran-ordered)
        np.testing.assert_array_equal(got[method], values, err_msg=method)


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_torch_tensors_are_read_as_their_arrays(estimator_cls):
    # Users of a torch-based library pass CPU tensors: X (and a numeric y)
    # as tensors give the seeded outputs of the same values as numpy arrays.
    import torch
    from sklearn.base import clone

    estimator, X, y = _seeded_instance_and_data(estimator_cls)
    if not (isinstance(X, np.ndarray) and X.dtype.kind == "f"):
        pytest.skip("X is not an array of floats (graphs, node ids)")
    expected = _outputs(_fit(clone(estimator), X, y), X)
    y_t = y
    if y is not None and np.asarray(y).dtype.kind in "fiu":
        y_t = torch.from_numpy(np.asarray(y))
    X_t = torch.from_numpy(X)
    got = _outputs(_fit(clone(estimator), X_t, y_t), X_t)
    assert got.keys() == expected.keys()
    for method, values in expected.items():
        np.testing.assert_allclose(got[method], values, rtol=1e-6, atol=1e-6,
                                   err_msg=method)


def _as_numpy_scalar(value):
    """A Python bool, int or float as the numpy scalar a parameter grid of
    numpy arrays gives (``np.array([8, 16])``); anything else as it is."""
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float64(value)
    return value


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_numpy_scalar_parameters_fit_as_python_ones(estimator_cls):
    # GridSearchCV over np.arange or np.array values sets numpy scalars:
    # SOMClusterer(batch_size=np.int64(8)) and every recurrent estimator
    # with bidirectional=np.False_ failed inside torch. Every parameter as a
    # numpy scalar gives the seeded model of its Python value.
    from sklearn.base import clone

    estimator, X, y = _seeded_instance_and_data(estimator_cls)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few epochs, by design
        expected = _outputs(_fit(clone(estimator), X, y), X)
        numpy_params = {
            name: _as_numpy_scalar(value)
            for name, value in estimator.get_params(deep=False).items()
        }
        got = _outputs(_fit(clone(estimator).set_params(**numpy_params), X, y), X)
    assert got.keys() == expected.keys()
    for method, values in expected.items():
        np.testing.assert_allclose(got[method], values, rtol=1e-6, atol=1e-6,
                                   err_msg=method)


def _takes_table_rows(estimator_cls):
    estimator = test_instances(estimator_cls)[0]
    return _input_kind(estimator, _check_data(estimator)[0]) == "array"


@pytest.mark.parametrize(
    "estimator_cls", [c for c in SKLEARN_ESTIMATORS if _takes_table_rows(c)],
    ids=lambda c: c.__name__,
)
def test_dataframe_column_names_are_checked_at_predict(estimator_cls):
    # scikit-learn's check_dataframe_column_names_consistency (one of the
    # checks its own test suite runs, not generated by check_estimator):
    # fitted on a DataFrame, every method refuses reordered, renamed or
    # missing columns with scikit-learn's message, before reading the values.
    from sklearn.utils.estimator_checks import (
        check_dataframe_column_names_consistency,
    )

    estimator = test_instances(estimator_cls)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few epochs, by design
        check_dataframe_column_names_consistency(estimator_cls.__name__, estimator)


@pytest.mark.parametrize(
    "estimator_cls",
    [c for c in SKLEARN_ESTIMATORS if issubclass(c, ClassifierMixin)],
    ids=lambda c: c.__name__,
)
def test_classifiers_read_a_column_y_as_1d_and_refuse_two_columns(estimator_cls):
    # scikit-learn's check_supervised_y_2d on each classifier's own data (it
    # is an expected failure for node-id and pair inputs): a column y warns
    # and gives the model of the 1-D y; two columns are refused by name.
    from sklearn.base import clone
    from sklearn.exceptions import DataConversionWarning

    estimator, X, y = _seeded_instance_and_data(estimator_cls)
    y = np.asarray(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _outputs(clone(estimator).fit(X, y), X)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        fitted = clone(estimator).fit(X, y[:, None])
    got = _outputs(fitted, X)
    for method, values in expected.items():
        np.testing.assert_allclose(got[method], values, rtol=1e-6, atol=1e-6,
                                   err_msg=method)
    with pytest.raises(ValueError, match="1d array"):
        clone(estimator).fit(X, np.stack([y, y], axis=1))


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_joblib_memory_mapped_models_predict_and_train_on(estimator_cls, tmp_path):
    # joblib.load(..., mmap_mode="r") (scikit-learn's way to share a large
    # model between processes) gives read-only fitted arrays: outputs are
    # those of the model in memory, without warnings, and partial_fit goes on
    # as it would have.
    import copy

    import joblib
    from sklearn.base import clone, is_classifier, is_regressor

    estimator, X, y = _seeded_instance_and_data(estimator_cls)
    fitted = _fit(clone(estimator), X, y)
    joblib.dump(fitted, tmp_path / "model.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mapped = joblib.load(tmp_path / "model.joblib", mmap_mode="r")
        got = _outputs(mapped, X)
    for method, values in _outputs(fitted, X).items():
        np.testing.assert_array_equal(got[method], values, err_msg=method)
    if not hasattr(fitted, "partial_fit"):
        return
    supervised = is_classifier(fitted) or is_regressor(fitted)
    args = (X, y) if supervised else (X,)
    in_memory = copy.deepcopy(fitted)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mapped.partial_fit(*args)
    in_memory.partial_fit(*args)
    for method, values in _outputs(in_memory, X).items():
        np.testing.assert_array_equal(_outputs(mapped, X)[method], values,
                                      err_msg=method)


def test_build_dependent_expected_failures_are_not_strict():
    from sklearn.dummy import DummyClassifier

    from skdeep.utils.estimator_checks import _check_name, all_checks

    class Flaky(DummyClassifier):
        def _expected_failed_checks(self):
            return {"check_fit_idempotent": "ARPACK-dependent",
                    "check_estimators_dtypes": "always fails"}

        def _build_dependent_checks(self):
            return {"check_fit_idempotent"}

    marks = {}
    for pair in all_checks(Flaky(), mark="xfail"):
        if hasattr(pair, "marks") and pair.marks:
            marks[_check_name(pair.values[1])] = pair.marks[0]
    assert marks["check_fit_idempotent"].kwargs.get("strict") is False
    # the other expected failure is strict, by its own mark (not only by
    # skdeep's pyproject: a plugin's own test run had it lenient)
    assert marks["check_estimators_dtypes"].kwargs["strict"] is True


def test_global_rng_check_sees_one_draw():
    # it compared numpy's key array only, which changes once every 624
    # draws: an estimator drawing from the global RNG passed
    from sklearn.base import BaseEstimator, TransformerMixin

    from skdeep.utils.estimator_checks import check_global_rng_untouched

    class DrawsFromGlobal(TransformerMixin, BaseEstimator):
        def __init__(self, random_state=None):
            self.random_state = random_state

        def fit(self, X, y=None):
            self.noise_ = np.random.rand()
            self.n_features_in_ = np.shape(X)[1]
            return self

        def transform(self, X):
            return np.asarray(X) + self.noise_

    np.random.rand()  # anywhere but at the start of a block of 624
    with pytest.raises(AssertionError, match="numpy's global RNG"):
        check_global_rng_untouched("DrawsFromGlobal", DrawsFromGlobal())


def test_default_dtype_check_sees_a_float64_network():
    # a network built under the caller's float64 default got float64
    # weights for float32 inputs ("mat1 and mat2 must have the same dtype")
    import torch
    from sklearn.base import BaseEstimator, RegressorMixin

    from skdeep.utils.estimator_checks import check_torch_default_dtype

    class BuildsUnderTheDefault(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            self.layer_ = torch.nn.Linear(np.shape(X)[1], 1)
            self.n_features_in_ = np.shape(X)[1]
            return self

        def predict(self, X):
            with torch.no_grad():
                rows = torch.as_tensor(X, dtype=torch.float32)
                return self.layer_(rows)[:, 0].numpy()

    with pytest.raises(RuntimeError, match="dtype"):
        check_torch_default_dtype("BuildsUnderTheDefault", BuildsUnderTheDefault())
    assert torch.get_default_dtype() == torch.float32  # given back


def _documented_defaults(estimator_cls):
    """``{parameter: default text or None}`` from the class docstring's
    Parameters section (numpydoc's parser; grouped entries ``a, b : float,
    default=0.9, 0.1`` give each name its own part of the default, and
    ``a, b : int, default=1`` both names the one default)."""
    import inspect
    import re

    from numpydoc.docscrape import NumpyDocString

    documented = {}
    for entry in NumpyDocString(inspect.getdoc(estimator_cls) or "")["Parameters"]:
        names = [n.strip() for n in entry.name.split(",")]
        found = re.search(r"default\s*=\s*(.+)$", entry.type)
        parts = [None] * len(names)
        if found:
            text = found.group(1).strip()
            parts = [p.strip() for p in text.split(",")] if len(names) > 1 else [text]
            if len(parts) != len(names):  # one default shared by the names
                parts = [text] * len(names)
        documented.update(zip(names, parts))
    return documented


def _same_default(text, value):
    import ast

    try:
        documented = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.strip("\"'") == str(value)
    if isinstance(value, float) and isinstance(documented, (int, float)):
        return documented == pytest.approx(value, rel=1e-12)
    return documented == value


@pytest.mark.parametrize(
    "estimator_cls", [cls for _, cls, _ in skdeep.all_estimators()],
    ids=lambda c: c.__name__,
)
def test_docstring_documents_every_parameter_with_its_default(estimator_cls):
    # Defaults change in declared rounds; the docstring (and so the API
    # reference) must follow. Every __init__ parameter has an entry, with
    # "default=<the actual default>" where it has one, and no entry names a
    # parameter the estimator lacks (a stray paragraph among the entries
    # would be rendered as one).
    import inspect

    pytest.importorskip("numpydoc")
    documented = _documented_defaults(estimator_cls)
    problems = []
    for name, parameter in inspect.signature(estimator_cls.__init__).parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL,
                                                parameter.VAR_KEYWORD):
            continue
        if name not in documented:
            problems.append(f"{name}: not documented")
        elif parameter.default is not parameter.empty and (
            documented[name] is None or not _same_default(documented[name],
                                                          parameter.default)
        ):
            problems.append(f"{name}: documented default={documented[name]}, "
                            f"actual {parameter.default!r}")
    signature = inspect.signature(estimator_cls.__init__).parameters
    problems += [f"{name!r}: documented, not a parameter"
                 for name in documented if name not in signature]
    assert not problems, "\n".join(problems)


def _documented_attributes(estimator_cls):
    """``{attribute: description}`` of the class docstring's Attributes."""
    import inspect

    from numpydoc.docscrape import NumpyDocString

    return {
        name.strip(): " ".join(entry.desc)
        for entry in NumpyDocString(inspect.getdoc(estimator_cls) or "")["Attributes"]
        for name in entry.name.split(",")
    }


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_fitted_attributes_are_documented(estimator_cls):
    # As scikit-learn's own test_fit_docstring_attributes: after fit (every
    # test instance, so that attributes of other modes show), each public
    # attribute ending in "_" has an entry under Attributes, and each entry
    # exists, unless its description says when it does ("only ...").
    pytest.importorskip("numpydoc")
    documented = _documented_attributes(estimator_cls)
    undocumented, seen = set(), set()
    instances = test_instances(estimator_cls)
    if "early_stopping" in instances[0].get_params():  # (validation_scores_)
        instances.append(type(instances[0])(**instances[0].get_params(deep=False))
                         .set_params(early_stopping=True, validation_fraction=0.25))
    for estimator in instances:
        if "random_state" in estimator.get_params():
            estimator.set_params(random_state=0)
        X, y = _check_data(estimator)
        # (a DataFrame for tables, so that feature_names_in_ shows)
        _fit(estimator, _good_fit_input(estimator, X, _input_kind(estimator, X)), y)
        fitted = {name for name in vars(estimator)
                  if name.endswith("_") and not name.startswith("_")
                  and name not in estimator.get_params(deep=False)}  # (lambda_)
        undocumented |= fitted - set(documented)
        seen |= {name for name in documented if hasattr(estimator, name)}
    absent = {name for name in set(documented) - seen
              if "only" not in documented[name].lower()}
    assert not undocumented, f"fitted, not documented: {sorted(undocumented)}"
    assert not absent, f"documented, absent after fit: {sorted(absent)}"


def _fitted_attribute_names(estimator):
    return {name for name in vars(estimator)
            if name.endswith("_") and not name.startswith("_")
            and name not in estimator.get_params(deep=False)}


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_refit_in_another_mode_keeps_nothing_of_the_earlier_fit(estimator_cls):
    # fit, set_params to another test instance's parameters (and with
    # early_stopping=True where there is one), fit again: the public fitted
    # attributes are those of a fresh fit in that mode (found: an RBF fit
    # end to end, then hybrid, kept loss_curve_ and n_iter_; every fit
    # after one with early stopping kept validation_scores_).
    from sklearn.base import clone

    modes = test_instances(estimator_cls)
    if "early_stopping" in modes[0].get_params():
        modes.append(clone(modes[0]).set_params(early_stopping=True,
                                                validation_fraction=0.25))
    for mode in modes:
        if "random_state" in mode.get_params():
            mode.set_params(random_state=0)
    X, y = _check_data(modes[0])
    X = _good_fit_input(modes[0], X, _input_kind(modes[0], X))

    def fitted(estimator):
        _fit(estimator, X, y)
        return _fitted_attribute_names(estimator)

    fresh = [fitted(clone(mode)) for mode in modes]
    stale = {}
    for i, j in [(0, j) for j in range(1, len(modes))] + [
        (j, 0) for j in range(1, len(modes))
    ]:
        estimator = clone(modes[i])
        _fit(estimator, X, y)
        estimator.set_params(**modes[j].get_params(deep=False))
        extra = fitted(estimator) - fresh[j]
        if extra:
            stale[f"{i}->{j}"] = sorted(extra)
    assert not stale, stale


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_a_refit_refused_for_bad_input_keeps_the_fitted_model(estimator_cls):
    # Bad input is refused and nothing is lost: after every fit-stage case
    # of the bad-input sweep that ends in an error, the fitted estimator
    # gives the same outputs as before, bit for bit (found: a refit on one
    # class left GAT/GraphSAGE/NEAT/HyperNEAT/shapelet classifiers with that
    # class alone, IndexError at predict; on 5-D input the CNN, CapsNet and
    # Siamese estimators refused their own 2-D data; a float32-overflowing X
    # left the RBF networks an offset that overflowed every input).
    from sklearn.base import clone

    from skdeep.utils.estimator_checks import _needs_y, bad_input_cases

    estimator, X, y = _seeded_instance_and_data(estimator_cls)
    X = _good_fit_input(estimator, X, _input_kind(estimator, X))
    fitted = _fit(clone(estimator), X, y)
    expected = _outputs(fitted, X)
    lost = []
    for case in bad_input_cases(estimator):
        if case.stage != "fit" or case.params:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitted.fit(*((case.X, case.y) if _needs_y(fitted) else (case.X,)))
        except Exception:  # noqa: BLE001 - refused: the model must be intact
            outputs = _outputs(fitted, X)
            lost += [f"{case.name}: {method}" for method in expected
                     if not np.array_equal(expected[method], outputs[method])]
        else:  # accepted (one row, one feature...): a new model, start again
            fitted = _fit(clone(estimator), X, y)
    assert not lost, lost
