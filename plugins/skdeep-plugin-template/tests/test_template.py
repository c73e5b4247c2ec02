"""The template plugin is discovered by skdeep and conforms to the estimator contract."""

import numpy as np
import pytest
from skdeep_plugin_template import SoftmaxRegressionClassifier
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score

import skdeep
from skdeep.plugins import list_plugins
from skdeep.utils.estimator_checks import parametrize_with_checks


def test_plugin_is_installed():
    plugins = {p["name"]: p for p in list_plugins()}
    assert plugins["template"]["error"] is None
    assert plugins["template"]["estimators"] == ["SoftmaxRegressionClassifier"]
    assert skdeep.get_estimator("SoftmaxRegressionClassifier") is (
        SoftmaxRegressionClassifier
    )


def test_learns_iris():
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    clf = SoftmaxRegressionClassifier(max_epochs=50, lr=0.05, random_state=0)
    scores = cross_val_score(clf, X, y, cv=3)
    assert scores.mean() > 0.85  # chance is 0.33


def test_string_labels_round_trip():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = SoftmaxRegressionClassifier(max_epochs=30, random_state=0).fit(X, labels)
    assert set(clf.predict(X)) <= set(labels)


def test_probabilities_are_float64_softmaxes():
    # the softmax ran in float32 and was cast after: rows summed to 1 within
    # 1e-7 only, and predict_log_proba was -inf from a logit gap of ~100
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    clf = SoftmaxRegressionClassifier(max_epochs=20, lr=0.1, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0, atol=1e-12)
    assert np.isfinite(clf.predict_log_proba(30 * X)).all()


@parametrize_with_checks([SoftmaxRegressionClassifier])
# the early-stopping test instance trains 20 epochs by design: it may stop
# before its validation loss does (a ConvergenceWarning says so)
@pytest.mark.filterwarnings("ignore:.* before early stopping:UserWarning")
def test_conformance(estimator, check):
    check(estimator)
