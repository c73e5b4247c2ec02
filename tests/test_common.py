"""scikit-learn's and skdeep's conformance checks over every registered estimator."""

import pytest

import skdeep
from skdeep.utils.estimator_checks import parametrize_with_checks

SKLEARN_ESTIMATORS = [
    cls
    for _, cls, _ in skdeep.all_estimators()
    if not hasattr(cls, "get_class_tag")  # sktime objects get sktime's checks
]


def test_registry_is_not_empty():
    assert "AutoencoderTransformer" in {name for name, _, _ in skdeep.all_estimators()}


@parametrize_with_checks(SKLEARN_ESTIMATORS)
def test_sklearn_conformance(estimator, check):
    check(estimator)


_PREDICT_METHODS = ("transform", "predict", "predict_proba", "predict_log_proba",
                    "decision_function", "score_samples", "inverse_transform", "reconstruct")


@pytest.mark.parametrize("estimator_cls", SKLEARN_ESTIMATORS, ids=lambda c: c.__name__)
def test_unfitted_use_raises_not_fitted_error(estimator_cls):
    # Every output method of an estimator that needs fitting raises
    # NotFittedError before fit, whatever the input (not an AttributeError
    # from a fitted attribute read before the check).
    import numpy as np
    from sklearn.exceptions import NotFittedError

    from skdeep.utils.estimator_checks import test_instances

    estimator = test_instances(estimator_cls)[0]
    if not estimator.__sklearn_tags__().requires_fit:
        return
    for method in _PREDICT_METHODS:
        if callable(getattr(estimator, method, None)):
            with pytest.raises(NotFittedError):
                getattr(estimator, method)(np.zeros((4, 4)))
