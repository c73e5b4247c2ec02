"""Warnings point at the user's call, not inside skdeep, scikit-learn or
sktime: a filter on the user's module then matches them (each of these
pointed into skdeep/utils/_training.py, sklearn/base.py, skdeep's fit
wrapper, sktime's predict_interval or skdeep's NEAT loop)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning


def _located(category, call):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            call()
        except ValueError:
            pass  # (the channels-last hint comes before the size error)
    found = [w for w in seen if issubclass(w.category, category)]
    assert found, f"no {category.__name__}"
    assert {w.filename for w in found} == {__file__}


def test_early_stopping_convergence_warning():
    from skdeep.autoencoder import AutoencoderTransformer

    X = np.random.RandomState(0).randn(40, 4)
    model = AutoencoderTransformer(code_size=2, early_stopping=True, max_epochs=2,
                                   random_state=0)
    _located(ConvergenceWarning, lambda: model.fit(X))


def test_channels_last_hint():
    from skdeep.cnn import CNNClassifier

    X = np.zeros((8, 16, 16, 3), dtype=np.float32)
    _located(UserWarning, lambda: CNNClassifier(max_epochs=1).fit(X, np.arange(8) % 2))


def test_prototype_transformer_without_sample_weight():
    from skdeep.siamese import PrototypeClassifier

    X = np.random.RandomState(0).randn(40, 4)
    model = PrototypeClassifier(transformer=PCA(2))
    _located(UserWarning,
             lambda: model.fit(X, np.arange(40) % 2, sample_weight=np.ones(40)))


def test_forecaster_coverage_through_sktime():
    pytest.importorskip("sktime")
    from skdeep.recurrent import LSTMForecaster

    y = pd.Series(np.sin(np.arange(40) / 4.0))
    model = LSTMForecaster(window_length=3, hidden_size=4, max_epochs=2,
                           random_state=0).fit(y, fh=[1, 2])
    _located(UserWarning, lambda: model.predict_interval(coverage=0.99))


def test_neat_complete_extinction():
    from skdeep.neuroevolution import NEATClassifier

    X = np.random.RandomState(0).randn(40, 4)
    model = NEATClassifier(n_generations=15, pop_size=10, random_state=0, config={
        "reset_on_extinction": False, "max_stagnation": 1, "species_elitism": 0})
    _located(RuntimeWarning, lambda: model.fit(X, np.arange(40) % 2))
