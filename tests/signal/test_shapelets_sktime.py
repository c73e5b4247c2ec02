"""The learned-shapelet estimators inside sktime: the adapter and pipelines."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifierCV

from skdeep.signal import ShapeletClassifier, ShapeletTransformer, SktimeAdapter

pytest.importorskip("sktime")

FAST = dict(max_epochs=30, lr=0.05, random_state=0)


def _bumps(n=60, T=60, seed=0):
    """Class 1 series carry a bump of 10 steps at a random start."""
    rng = np.random.RandomState(seed)
    X = rng.normal(scale=0.3, size=(n, 1, T))
    y = np.arange(n) % 2
    starts = rng.randint(0, T - 10, size=n)
    for i in np.flatnonzero(y == 1):
        X[i, 0, starts[i]:starts[i] + 10] += np.hanning(10) * 3
    return X, y


def _fitted_adapter(pipe):
    """The fitted SktimeAdapter inside an sktime classification pipeline."""
    steps = pipe.transformers_
    steps = getattr(steps, "steps_", [(None, steps)])
    return steps[0][1]


def test_adapter_fits_shapelets_once_with_labels():
    X, y = _bumps()
    def make():
        return ShapeletTransformer(n_shapelets=3, shapelet_lengths=10, **FAST)

    pipe = SktimeAdapter(make()) * RidgeClassifierCV()
    pipe.fit(X[:30], y[:30])
    assert np.mean(pipe.predict(X[30:]) == y[30:]) >= 0.9
    adapter = _fitted_adapter(pipe)
    assert adapter.get_tag("fit_is_empty") is False
    # The labels reached the shapelets (supervised LTS training) ...
    fitted = adapter.transformer_
    assert fitted.supervised_ and list(fitted.classes_) == [0, 1]
    # ... and new series are measured against the shapelets learned on the
    # training part, not re-learned on the series being transformed.
    direct = make().fit(X[:30], y[:30])
    Xt = adapter.transform(X[30:])
    np.testing.assert_allclose(Xt.to_numpy(), direct.transform(X[30:]), rtol=1e-6)
    assert list(Xt.columns) == list(direct.get_feature_names_out())
    one = adapter.transform(X[30:31]).to_numpy()
    np.testing.assert_allclose(one, Xt.to_numpy()[:1], rtol=1e-6)
    # the adapter's own parameter stays unfitted (cloned, never modified)
    assert not hasattr(adapter.transformer, "net_")


def test_adapter_without_labels_keeps_kmeans_shapelets():
    X, _ = _bumps()
    st = ShapeletTransformer(n_shapelets=2, shapelet_lengths=(5, 10), random_state=0)
    adapter = SktimeAdapter(st).fit(X[:30])
    assert adapter.transformer_.supervised_ is False
    direct = ShapeletTransformer(
        n_shapelets=2, shapelet_lengths=(5, 10), random_state=0
    ).fit(X[:30])
    for a, b in zip(adapter.transformer_.shapelets_, direct.shapelets_):
        np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(
        adapter.transform(X[30:]).to_numpy(), direct.transform(X[30:]), rtol=1e-6
    )


def test_adapter_in_sktime_pipeline_with_nested_input_and_multivariate():
    from sktime.datasets import load_basic_motions

    X, y = load_basic_motions(split="train", return_X_y=True)  # nested pandas
    X_test, y_test = load_basic_motions(split="test", return_X_y=True)
    st = ShapeletTransformer(
        n_shapelets=3, shapelet_lengths=0.2, max_epochs=20, lr=0.05, random_state=0
    )
    pipe = SktimeAdapter(st) * RidgeClassifierCV()
    assert pipe.fit(X, y).score(X_test, y_test) >= 0.7  # 4 classes: chance 0.25
    fitted = _fitted_adapter(pipe).transformer_
    assert fitted.n_channels_ == 6 and fitted.shapelets_[0].shape == (6, 20)


def test_classifier_after_sktime_transformer():
    """An sktime transformer followed by ShapeletClassifier (sktime's
    SklearnClassifierPipeline hands it the flattened univariate series)."""
    from sktime.classification.compose import SklearnClassifierPipeline
    from sktime.transformations.series.exponent import ExponentTransformer

    X, y = _bumps(T=50)
    X = X - X.min() + 0.1  # positive, so that the square root is defined
    clf = ShapeletClassifier(n_shapelets=3, shapelet_lengths=8, **FAST)
    pipe = ExponentTransformer(power=0.5) * clf
    assert isinstance(pipe, SklearnClassifierPipeline)
    pipe.fit(X[:30], y[:30])
    assert np.mean(pipe.predict(X[30:]) == y[30:]) >= 0.9
    proba = pipe.predict_proba(X[30:])
    assert proba.shape == (30, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    # the same as the classifier on the transformed series directly
    direct = ShapeletClassifier(n_shapelets=3, shapelet_lengths=8, **FAST)
    direct.fit(np.sqrt(X[:30, 0]), y[:30])
    np.testing.assert_array_equal(
        pipe.predict(X[30:]), direct.predict(np.sqrt(X[30:, 0]))
    )


def test_adapter_sktime_contract_checks():
    from sktime.utils.estimator_checks import check_estimator

    adapter = SktimeAdapter(
        ShapeletTransformer(n_shapelets=2, shapelet_lengths=0.5, max_epochs=2,
                            random_state=0)
    )
    results = check_estimator(
        adapter,
        raise_exceptions=False,
        verbose=False,
        tests_to_run=[
            "test_fit_idempotent",
            "test_fit_does_not_overwrite_hyper_params",
            "test_methods_have_no_side_effects",
            "test_persistence_via_pickle",
            "test_raises_not_fitted_error",
        ],
    )
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert results and not failed, failed


def test_adapter_fits_featurizers_once_and_refuses_other_lengths():
    # featurizers and transformers the adapter does not know were refitted
    # on every transformed batch: a featurizer took series of another length
    # silently (their features not those the classifier was fitted on), and
    # a learned transformer's features depended on the rest of the batch
    from sktime.datatypes import convert_to

    from skdeep.seq2seq import SequenceAutoencoder
    from skdeep.signal import WaveletFeaturizer

    X, y = _bumps(n=20, T=24)
    panel = convert_to(X, "pd-multiindex")
    adapter = SktimeAdapter(WaveletFeaturizer("haar", level=2)).fit(panel)
    assert not adapter.get_tag("fit_is_empty") and hasattr(adapter, "transformer_")
    with pytest.raises(ValueError, match="24"):
        adapter.transform(convert_to(X[:, :, :16], "pd-multiindex"))
    pipe = SktimeAdapter(WaveletFeaturizer("haar", level=2)) * RidgeClassifierCV()
    assert pipe.fit(panel, y).predict(panel).shape == (20,)
    learned = SktimeAdapter(SequenceAutoencoder(embedding_size=4, hidden_size=4,
                                                max_epochs=2, random_state=0))
    learned.fit(panel)
    five = learned.transform(convert_to(X[:5], "pd-multiindex"))
    six = learned.transform(convert_to(X[:6], "pd-multiindex"))
    np.testing.assert_array_equal(five.to_numpy(), six.to_numpy()[:5])
