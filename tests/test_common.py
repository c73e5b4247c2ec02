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
