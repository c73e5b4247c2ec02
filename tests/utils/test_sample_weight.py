"""``sample_weight`` in the fit of the regressors and classifiers that gained it
in #23: MC dropout and recurrent regressors, RBF networks, the Siamese pair
and prototype classifiers and the plugin template's softmax regression.

Where one full batch trains without dropout, zero weights must give the fit
of the data without those rows (up to float32 rounding); elsewhere weights
must pull the fit towards the heavy rows.
"""

import warnings

import numpy as np
import pytest
import torch

from skdeep.rbf import RBFNetworkClassifier, RBFNetworkRegressor
from skdeep.recurrent import HierarchicalRNNRegressor, RNNRegressor
from skdeep.siamese import PrototypeClassifier, SiamesePairClassifier
from skdeep.siamese._siamese import _best_threshold
from skdeep.uncertainty import MCDropoutRegressor
from skdeep.utils._losses import WeightedMSELoss

rng = np.random.RandomState(0)
X_TAB = rng.randn(40, 3)
Y_TAB = X_TAB[:, 0] - X_TAB[:, 1] + 0.1 * rng.randn(40)
X_SERIES = rng.randn(40, 8)
Y_SERIES = X_SERIES[:, -3:].mean(axis=1)
X_NESTED = rng.randn(40, 3, 4, 2)
Y_NESTED = X_NESTED[..., 0].mean(axis=(1, 2))
ZERO_EVERY_4TH = np.where(np.arange(40) % 4 == 0, 0.0, 1.0)


def _mc_dropout():
    # dropout=0 and one batch: nothing random depends on the number of rows
    return MCDropoutRegressor(
        (16,), dropout=0.0, n_mc_samples=2, max_epochs=30, batch_size=64, lr=0.01,
        random_state=0,
    )


def _rnn():
    return RNNRegressor(hidden_size=8, max_epochs=20, batch_size=64, random_state=0)


def _hierarchical():
    return HierarchicalRNNRegressor(
        inner_hidden_size=4, outer_hidden_size=4, max_epochs=10, batch_size=64,
        random_state=0,
    )


def _rbf_end_to_end():
    return RBFNetworkRegressor(
        n_centers=8, training="end_to_end", max_epochs=10, batch_size=64,
        random_state=0,
    )


ZERO_WEIGHT_CASES = [
    pytest.param(_mc_dropout, X_TAB, Y_TAB, 1e-5, id="MCDropoutRegressor"),
    pytest.param(_rnn, X_SERIES, Y_SERIES, 1e-5, id="RNNRegressor"),
    pytest.param(_hierarchical, X_NESTED, Y_NESTED, 1e-5,
                 id="HierarchicalRNNRegressor"),
    # The weighted hybrid start sums in another order (weighted syrk, mean),
    # and 10 epochs carry that rounding on: 1.6e-4 on an AMD EPYC machine,
    # under 1e-5 on others. Counting the zero-weight rows moves the
    # predictions by 0.45.
    pytest.param(_rbf_end_to_end, X_TAB, Y_TAB, 1e-3,
                 id="RBFNetworkRegressor-end_to_end"),
    pytest.param(
        lambda: RBFNetworkRegressor(n_centers=8, random_state=0), X_TAB, Y_TAB, 1e-5,
        id="RBFNetworkRegressor-hybrid",
    ),
]


@pytest.mark.parametrize("make, X, y, atol", ZERO_WEIGHT_CASES)
def test_zero_weights_act_as_removed_rows(make, X, y, atol):
    keep = ZERO_EVERY_4TH > 0
    weighted = make().fit(X, y, sample_weight=ZERO_EVERY_4TH)
    dropped = make().fit(X[keep], y[keep])
    np.testing.assert_allclose(weighted.predict(X), dropped.predict(X), atol=atol)


def test_zero_weights_act_as_removed_rows_classifiers():
    from skdeep_plugin_template import SoftmaxRegressionClassifier

    y = (X_TAB[:, 0] > 0).astype(int)
    keep = ZERO_EVERY_4TH > 0
    for make in (
        lambda: RBFNetworkClassifier(n_centers=8, random_state=0),
        lambda: RBFNetworkClassifier(
            n_centers=8, centers="kmeans_per_class", training="end_to_end",
            max_epochs=5, batch_size=64, random_state=0,
        ),
        lambda: SoftmaxRegressionClassifier(max_epochs=10, batch_size=64,
                                            random_state=0),
    ):
        weighted = make().fit(X_TAB, y, sample_weight=ZERO_EVERY_4TH)
        dropped = make().fit(X_TAB[keep], y[keep])
        np.testing.assert_allclose(
            weighted.predict_proba(X_TAB), dropped.predict_proba(X_TAB), atol=1e-5
        )


def _conflicting_targets(n=60):
    """The same inputs twice, with targets 0 and 1: the fit is the weighted
    mean of the two, so weighting the second copy 9 times pulls it to 0.9."""
    X = np.tile(rng.randn(n // 2, 3), (2, 1))
    y = np.repeat([0.0, 1.0], n // 2)
    w = np.repeat([1.0, 9.0], n // 2)
    return X, y, w


def test_mc_dropout_weights_pull_the_fit_and_its_standardization():
    X, y, w = _conflicting_targets()
    reg = MCDropoutRegressor((16,), max_epochs=60, batch_size=64, lr=0.01,
                             n_mc_samples=10, random_state=0)
    plain = reg.fit(X, y).predict(X).mean()
    weighted = reg.fit(X, y, sample_weight=w).predict(X).mean()
    assert abs(plain - 0.5) < 0.1
    assert abs(weighted - 0.9) < 0.1
    # the target's standardization is the weighted one
    assert reg.y_mean_ == pytest.approx(0.9)
    assert reg.y_scale_ == pytest.approx(0.3)
    np.testing.assert_allclose(reg.x_mean_, X.mean(axis=0), atol=1e-12)


def test_recurrent_weights_pull_the_fit():
    X = np.tile(rng.randn(20, 6), (2, 1))
    y = np.repeat([0.0, 1.0], 20)
    w = np.repeat([1.0, 9.0], 20)
    for reg in (
        RNNRegressor(hidden_size=8, max_epochs=40, batch_size=64, random_state=0),
        HierarchicalRNNRegressor(
            inner_hidden_size=4, outer_hidden_size=4, input_shape=(2, 3),
            max_epochs=40, batch_size=64, random_state=0,
        ),
    ):
        plain = reg.fit(X, y).predict(X).mean()
        weighted = reg.fit(X, y, sample_weight=w).predict(X).mean()
        # near 0.5 and 0.9 (training has not fully settled in 40 epochs)
        assert abs(plain - 0.5) < 0.2 and abs(weighted - 0.9) < 0.2
        assert weighted - plain > 0.25


def test_rnn_many_to_many_weights_and_padding():
    # return_sequences: a series' weight applies to its valid steps, NaN
    # padding stays out of the loss.
    X = np.tile(rng.randn(10, 5), (2, 1))
    X[:, 4] = np.nan
    y = np.repeat([0.0, 1.0], 10)[:, None] * np.ones((1, 5))
    w = np.repeat([1.0, 9.0], 10)
    reg = RNNRegressor(hidden_size=8, return_sequences=True, max_epochs=40,
                       batch_size=64, random_state=0)
    pred = reg.fit(X, y, sample_weight=w).predict(X)
    assert np.isfinite(reg.loss_curve_).all()
    assert abs(pred[:, :4].mean() - 0.9) < 0.1


def test_rbf_ridge_integer_weights_equal_repeated_rows():
    # The closed-form output layer is exact: weight k == k copies.
    reg = RBFNetworkRegressor(alpha=0.1)
    H = rng.rand(12, 4)
    Y = rng.randn(12, 2)
    w = rng.randint(0, 4, 12).astype(float)
    identity = lambda rows: rows  # noqa: E731 (H plays the activations)
    np.testing.assert_allclose(
        reg._solve_output(identity, H, Y, w),
        reg._solve_output(identity, H.repeat(w.astype(int), axis=0),
                          Y.repeat(w.astype(int), axis=0)),
        rtol=1e-10, atol=1e-12,
    )


def test_rbf_weights_pull_the_fit():
    X, y, w = _conflicting_targets()
    reg = RBFNetworkRegressor(n_centers=10, random_state=0)
    assert abs(reg.fit(X, y, sample_weight=w).predict(X).mean() - 0.9) < 0.05
    clf = RBFNetworkClassifier(n_centers=10, random_state=0)
    proba = clf.fit(X, y.astype(int), sample_weight=w).predict_proba(X)
    assert abs(proba[:, 1].mean() - 0.9) < 0.05


def test_prototype_integer_weights_equal_repeated_rows():
    X = rng.randn(12, 3)
    y = np.repeat(["a", "b", "c"], 4)
    w = np.array([0, 1, 2, 3, 1, 1, 4, 0, 2, 2, 1, 3])
    weighted = PrototypeClassifier().fit(X, y, sample_weight=w)
    repeated = PrototypeClassifier().fit(X.repeat(w, axis=0), y.repeat(w))
    np.testing.assert_allclose(weighted.prototypes_, repeated.prototypes_)
    # a class whose examples all weigh zero is absent, as if removed
    w_no_c = np.where(y == "c", 0, 1)
    assert list(PrototypeClassifier().fit(X, y, sample_weight=w_no_c).classes_) == [
        "a", "b"]


def test_prototype_weights_reach_a_transformer_that_takes_them():
    from sklearn.preprocessing import StandardScaler

    X = rng.randn(12, 3) * [1.0, 10.0, 100.0]
    y = np.repeat([0, 1], 6)
    w = rng.randint(0, 4, 12)
    weighted = PrototypeClassifier(StandardScaler()).fit(X, y, sample_weight=w)
    repeated = PrototypeClassifier(StandardScaler()).fit(X.repeat(w, axis=0),
                                                         y.repeat(w))
    np.testing.assert_allclose(weighted.transformer_.scale_,
                               repeated.transformer_.scale_)
    np.testing.assert_allclose(weighted.decision_function(X),
                               repeated.decision_function(X), atol=1e-10)


def _pairs(n=48):
    a = rng.randn(n, 4)
    similar = rng.rand(n) < 0.5
    b = np.where(similar[:, None], a + 0.1 * rng.randn(n, 4), rng.randn(n, 4))
    return np.stack([a, b], axis=1), similar.astype(int)


def test_pair_classifier_zero_weights_act_as_removed_pairs():
    pairs, y = _pairs()
    w = np.where(np.arange(len(y)) % 3 == 0, 0.0, 1.0)
    keep = w > 0

    def make():
        return SiamesePairClassifier(embedding_size=4, hidden_layer_sizes=(8,),
                                     max_epochs=5, batch_size=64, random_state=0)

    weighted = make().fit(pairs, y, sample_weight=w)
    dropped = make().fit(pairs[keep], y[keep])
    np.testing.assert_allclose(weighted.pair_distance(pairs),
                               dropped.pair_distance(pairs), atol=1e-5)
    assert weighted.threshold_ == pytest.approx(dropped.threshold_, abs=1e-5)


def test_pair_threshold_is_weighted():
    d = np.array([0.1, 0.2, 0.3, 0.4])
    similar = np.array([True, False, True, False])
    # unweighted: between 0.1 and 0.2 (or after 0.3) classifies 3 of 4 right
    assert _best_threshold(d, similar) == pytest.approx(0.15)
    # the third pair weighing 10 moves the threshold past it
    w = np.array([1.0, 1.0, 10.0, 1.0])
    assert _best_threshold(d, similar, w) == pytest.approx(0.35)
    # weight zero: the pair is ignored
    assert _best_threshold(d, similar, np.array([1.0, 1.0, 0.0, 1.0])) == (
        pytest.approx(0.15))


def test_weighted_mse_loss():
    pred = torch.zeros(3, 2)
    target = torch.tensor([[1.0, 1.0], [2.0, float("nan")], [3.0, 3.0]])
    w = torch.tensor([1.0, 2.0, 0.0])
    loss = WeightedMSELoss(ignore_nan=True)
    # (1 + 1) * 1 + 4 * 2 over weights 1 + 1 + 2 (the NaN entry is left out)
    assert float(loss(pred, (target, w))) == pytest.approx(10.0 / 4.0)
    assert float(loss(pred, target)) == pytest.approx((1 + 1 + 4 + 9 + 9) / 5)
    finite = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    # equal weights give the plain mean; all-zero weights give 0, not NaN
    assert float(WeightedMSELoss()(pred, (finite, torch.ones(3)))) == pytest.approx(
        float(torch.nn.functional.mse_loss(pred, finite)))
    assert float(WeightedMSELoss()(pred, (finite, torch.zeros(3)))) == 0.0


WRONG_LENGTH_CASES = [
    (lambda: MCDropoutRegressor(max_epochs=1), X_TAB, Y_TAB),
    (lambda: RNNRegressor(hidden_size=4, max_epochs=1), X_SERIES, Y_SERIES),
    (lambda: HierarchicalRNNRegressor(inner_hidden_size=4, outer_hidden_size=4,
                                      max_epochs=1), X_NESTED, Y_NESTED),
    (lambda: RBFNetworkRegressor(n_centers=4), X_TAB, Y_TAB),
    (lambda: RBFNetworkClassifier(n_centers=4), X_TAB, Y_TAB > 0),
    (lambda: PrototypeClassifier(), X_TAB, Y_TAB > 0),
    (lambda: SiamesePairClassifier(max_epochs=1), *_pairs(40)),
]


@pytest.mark.parametrize(
    "make, X, y", WRONG_LENGTH_CASES,
    ids=["MCDropoutRegressor", "RNNRegressor", "HierarchicalRNNRegressor",
         "RBFNetworkRegressor", "RBFNetworkClassifier", "PrototypeClassifier",
         "SiamesePairClassifier"],
)
def test_wrong_weights_raise_value_error(make, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for bad in (np.ones(len(X) + 1), np.ones(len(X) - 1), -np.ones(len(X)),
                    np.zeros(len(X))):
            with pytest.raises(ValueError):
                make().fit(X, y, sample_weight=bad)


def _two_communities(n=30):
    import scipy.sparse as sp

    r = np.random.RandomState(1)
    block = np.arange(n) < n // 2
    p = np.where(block[:, None] == block[None], 0.4, 0.02)
    A = np.triu(r.rand(n, n) < p, 1)
    return sp.csr_matrix((A | A.T).astype(float)), r.randn(n, 4), block.astype(int)


def test_gnn_zero_weights_act_as_removed_labels():
    from skdeep.gnn import GCNClassifier, GraphSAGEClassifier

    A, F, y = _two_communities()
    ids = np.arange(len(y))
    w = np.where(ids % 3 == 0, 0.0, 1.0)
    keep = w > 0
    for cls, params in ((GCNClassifier, {}), (GraphSAGEClassifier, {"batch_size": 64})):
        def make():
            return cls(graph=A, node_features=F, dropout=0.0, max_epochs=10,
                       random_state=0, **params)

        weighted = make().fit(ids, y, sample_weight=w)
        dropped = make().fit(ids[keep], y[keep])
        np.testing.assert_allclose(weighted.predict_proba(ids),
                                   dropped.predict_proba(ids), atol=1e-5)
    with pytest.raises(ValueError, match="sample_weight"):
        make().fit(ids, y, sample_weight=np.ones(len(ids) + 1))


def test_weights_underflowing_float32_are_a_clear_error():
    # positive float64 weights that all underflow in float32 passed the
    # "not all zero" check, then failed with "Weights sum to zero"
    X = np.random.RandomState(0).randn(30, 4)
    with pytest.raises(ValueError, match="sample_weight's values are too small for "
                       "float32, which training uses \\(largest 1e-50\\)"):
        MCDropoutRegressor(max_epochs=1).fit(X, X[:, 0],
                                             sample_weight=np.full(30, 1e-50))


@pytest.mark.parametrize("make", [
    lambda: MCDropoutRegressor(max_epochs=2, random_state=0),
    lambda: RBFNetworkRegressor(n_centers=5, random_state=0),
], ids=["mc_dropout", "rbf"])
def test_weights_too_large_for_float32_sums_are_refused_clearly(make):
    # 40 weights of 1e37 each fit float32, their sum does not: the loss
    # became NaN ("Lower lr, scale X"), and RBF's k-means blamed float64
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y = X[:, 0]
    with pytest.raises(ValueError, match="too large for float32.*sum is 4e\\+38"):
        make().fit(X, y, sample_weight=np.full(40, 1e37))
    make().fit(X, y, sample_weight=np.full(40, 1e30))  # (sum 4e31: trains)
