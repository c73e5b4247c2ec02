"""AutoencoderTransformer: learning, pipelines, persistence, input validation."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skdeep.autoencoder import AutoencoderTransformer


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X[:600]), y[:600]


@pytest.fixture(scope="module")
def fitted(digits):
    X, _ = digits
    return AutoencoderTransformer(
        hidden_layer_sizes=(64,), code_size=8, max_epochs=40, random_state=0
    ).fit(X)


def test_shapes_and_dtypes(digits, fitted):
    X, _ = digits
    codes = fitted.transform(X)
    assert codes.shape == (600, 8) and codes.dtype == np.float64
    assert fitted.transform(X.astype(np.float32)).dtype == np.float32
    assert fitted.inverse_transform(codes).shape == X.shape
    assert fitted.score_samples(X).shape == (600,)
    names = fitted.get_feature_names_out()
    assert list(names) == [f"autoencodertransformer{i}" for i in range(8)]
    assert fitted.n_iter_ == 40 and len(fitted.loss_curve_) == 40


def test_learns_better_than_the_mean(digits, fitted):
    X, _ = digits
    # predicting every row by the column means scores -mean(var) = -1 on scaled data
    assert fitted.score(X) > -0.6
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]
    np.testing.assert_allclose(
        fitted.reconstruct(X), fitted.inverse_transform(fitted.transform(X)), atol=1e-5
    )


def test_beats_linear_pca_at_small_code(digits):
    X, _ = digits
    ae = AutoencoderTransformer(
        hidden_layer_sizes=(128,), code_size=2, max_epochs=150, random_state=0
    ).fit(X)
    pca = PCA(n_components=2).fit(X)
    pca_mse = np.mean((X - pca.inverse_transform(pca.transform(X))) ** 2)
    assert -ae.score(X) < pca_mse


def test_gridsearch_in_pipeline_on_digits():
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        AutoencoderTransformer(max_epochs=5, random_state=0),
        LogisticRegression(max_iter=300),
    )
    search = GridSearchCV(pipe, {"autoencodertransformer__code_size": [2, 8]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["autoencodertransformer__code_size"] == 8
    assert search.best_score_ > 0.5  # chance is 0.1


def test_unsupervised_gridsearch_uses_score(digits):
    X, _ = digits
    search = GridSearchCV(
        AutoencoderTransformer(max_epochs=10, random_state=0),
        {"code_size": [1, 16]},
        cv=2,
    ).fit(X)
    assert search.best_params_ == {"code_size": 16}


def test_pickle_and_joblib_round_trip(digits, fitted, tmp_path):
    X, _ = digits
    expected = fitted.transform(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform(X), expected)
    joblib.dump(fitted, tmp_path / "ae.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "ae.joblib").transform(X), expected)


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, "NaN"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), ValueError, "infinity"),
        (np.zeros((0, 3)), ValueError, "0 sample"),
        (np.zeros((3, 2, 2)), ValueError, "Found array with dim 3"),
        (np.zeros((1, 3)), ValueError, "1 sample"),
        (np.array([["a", "b"], ["c", "d"]]), ValueError, "convert"),
    ],
)
def test_bad_input_at_fit(bad, error, match):
    with pytest.raises(error, match=match):
        AutoencoderTransformer(max_epochs=1).fit(bad)


def test_bad_input_after_fit(digits, fitted):
    X, _ = digits
    with pytest.raises(ValueError, match="X has 5 features, but AutoencoderTransformer is expecting 64"):
        fitted.transform(X[:, :5])
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(np.full((2, 64), np.nan))
    with pytest.raises(ValueError, match="expects codes of code_size=8"):
        fitted.inverse_transform(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        AutoencoderTransformer().transform(X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"code_size": 0}, "'code_size' parameter"),
        ({"hidden_layer_sizes": (8, 0)}, "'hidden_layer_sizes' parameter"),
        ({"activation": "swish"}, "'activation' parameter"),
        ({"optimizer": "lbfgs"}, "'optimizer' parameter"),
        ({"lr": -1.0}, "'lr' parameter"),
    ],
)
def test_invalid_parameters(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        AutoencoderTransformer(max_epochs=1, **params).fit(np.zeros((4, 3)))


def test_unknown_device_string():
    with pytest.raises(ValueError, match="Unknown device 'gpu0'"):
        AutoencoderTransformer(device="gpu0", max_epochs=1).fit(np.zeros((4, 3)))


def test_unfitted_conv_autoencoder_raises_not_fitted_error():
    from sklearn.exceptions import NotFittedError

    from skdeep.autoencoder import ConvAutoencoderTransformer

    images = np.zeros((2, 1, 8, 8))
    for method in ("transform", "reconstruct", "score_samples", "inverse_transform"):
        with pytest.raises(NotFittedError):
            getattr(ConvAutoencoderTransformer(), method)(images)


def test_outlier_detector_does_not_scale_up_a_constant_feature():
    # a feature constant at 0.1 got scale 4e-17 (the rounding of its
    # variance): a new value 1e-9 away made every row an outlier
    from skdeep.autoencoder import AutoencoderOutlierDetector

    X = np.column_stack([np.random.RandomState(0).randn(30, 3), np.full(30, 0.1)])
    det = AutoencoderOutlierDetector(max_epochs=2, random_state=0).fit(X)
    assert det.scale_[3] == 1.0
    moved = X[:5].copy()
    moved[:, 3] += 1e-9
    np.testing.assert_allclose(det.decision_function(moved),
                               det.decision_function(X[:5]), rtol=1e-5)


def test_reconstruction_scores_hold_no_whole_input_copies():
    # the standardized float64 rows, the reconstruction and its difference
    # from the input were each held for the whole input (numpy's peak: 4
    # times a float32 input); now in chunks of whole inference calls, with
    # the same numbers
    import tracemalloc

    from skdeep.autoencoder import AutoencoderOutlierDetector
    from skdeep.utils.validation import standardize_columns

    rng = np.random.RandomState(0)
    X = rng.randn(160_000, 32).astype(np.float32)
    det = AutoencoderOutlierDetector(hidden_layer_sizes=(8,), max_epochs=1,
                                     batch_size=500, random_state=0).fit(X[:600])
    Xs = ((X[:3000] - det.mean_) / det.scale_).astype(np.float32)
    np.testing.assert_array_equal(standardize_columns(X[:3000], det.mean_, det.scale_),
                                  Xs)
    X_rec = det._reconstruct(Xs)
    np.testing.assert_array_equal(det.score_samples(X[:3000]),
                                  -np.mean((Xs - X_rec) ** 2, axis=1))
    det.score_samples(X[:10])
    tracemalloc.start()
    try:
        det.score_samples(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * X.nbytes, peak / X.nbytes


def test_standardize_columns_refuses_float32_overflow():
    from skdeep.utils.validation import standardize_columns

    X = np.ones((3, 2))
    with pytest.raises(ValueError, match="too large for float32"):
        standardize_columns(X, np.zeros(2), np.array([1.0, 1e-40]), np.float32)
    np.testing.assert_array_equal(
        standardize_columns(X, np.zeros(2), np.array([1.0, 1e-40])),
        X / np.array([1.0, 1e-40]))
