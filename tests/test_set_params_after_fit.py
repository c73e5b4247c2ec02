"""scikit-learn's convention: set_params on a fitted estimator changes
nothing it predicts until the next fit. Each case below read the parameter
at inference instead of the fitted state (changed outputs, or a crash)."""

import copy
import warnings

import numpy as np
import pytest

from skdeep.autoencoder import AutoencoderOutlierDetector
from skdeep.neuroevolution import HyperNEATRegressor
from skdeep.recurrent import RNNClassifier
from skdeep.siamese import SiamesePairClassifier
from skdeep.uncertainty import MCDropoutRegressor

RNG = np.random.RandomState(0)
ROWS = RNG.randn(60, 4)
SERIES = RNG.randn(40, 1, 12)
PAIRS = RNG.randn(40, 2, 4)


def _outputs(est, X):
    out = {}
    for method in ("predict", "predict_proba", "decision_function", "score_samples",
                   "predict_interval"):
        if hasattr(est, method):
            out[method] = np.asarray(getattr(est, method)(X), dtype=float)
    return out


CASES = [
    (lambda: AutoencoderOutlierDetector((8,), code_size=2, max_epochs=3,
                                        variational=True, random_state=0),
     ROWS, None, {"variational": False}),
    (lambda: AutoencoderOutlierDetector((8,), code_size=2, max_epochs=3,
                                        random_state=0),
     ROWS, None, {"variational": True}),
    (lambda: RNNClassifier(hidden_size=8, max_epochs=3, random_state=0),
     SERIES, (SERIES.mean(axis=(1, 2)) > 0).astype(int),
     {"stateful": True}),
    (lambda: RNNClassifier(hidden_size=8, max_epochs=3, random_state=0),
     SERIES, (SERIES.mean(axis=(1, 2)) > 0).astype(int),
     {"return_sequences": True}),
    (lambda: SiamesePairClassifier(max_epochs=2, random_state=0),
     PAIRS, np.arange(40) % 2, {"distance": "cosine"}),
    (lambda: SiamesePairClassifier(max_epochs=2, random_state=0),
     PAIRS, np.arange(40) % 2, {"margin": 0.5}),
    (lambda: MCDropoutRegressor(hidden_layer_sizes=(16,), max_epochs=3,
                                random_state=0),
     ROWS, ROWS[:, 0], {"tau": 2.0}),
    (lambda: HyperNEATRegressor(n_generations=2, pop_size=20, hidden_shapes="auto",
                                random_state=0),
     ROWS, ROWS[:, 0], {"max_weight": 6.0, "weight_threshold": 0.5,
                        "substrate_activation": "relu"}),
    (lambda: HyperNEATRegressor(n_generations=2, pop_size=20, random_state=0),
     ROWS, ROWS[:, 0], {"bias_output": True}),
]


@pytest.mark.parametrize("make, X, y, change", CASES,
                         ids=lambda v: repr(v) if isinstance(v, dict) else "")
def test_set_params_after_fit_changes_no_output(make, X, y, change):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few epochs, by design
        fitted = make().fit(X) if y is None else make().fit(X, y)
    before = _outputs(fitted, X)
    changed = copy.deepcopy(fitted).set_params(**change)
    after = _outputs(changed, X)
    assert after.keys() == before.keys()
    for method, values in before.items():
        np.testing.assert_allclose(after[method], values, rtol=1e-6, atol=1e-9,
                                   err_msg=method)
