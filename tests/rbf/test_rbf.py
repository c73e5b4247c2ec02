"""Tests of the RBF network family."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs, make_moons
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep.rbf import RBFNetworkClassifier, RBFNetworkRegressor
from skdeep.rbf._modules import (
    KERNELS,
    RBFLayer,
    RBFNetwork,
    apply_kernel,
    inference_activations,
    squared_distances,
)
from skdeep.rbf._rbf import squared_center_distances


@pytest.fixture(scope="module")
def sine():
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(300, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.05 * rng.randn(300)
    return train_test_split(X, y, random_state=0)


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(400, noise=0.15, random_state=0)
    return train_test_split(X, y, random_state=0)


@pytest.mark.parametrize("kernel", KERNELS)
def test_regressor_fits_a_nonlinear_function(sine, kernel):
    Xtr, Xte, ytr, yte = sine
    model = RBFNetworkRegressor(n_centers=40, kernel=kernel, random_state=0)
    model.fit(Xtr, ytr)
    linear = Ridge().fit(Xtr, ytr).score(Xte, yte)
    assert model.score(Xte, yte) > 0.8 > linear


def test_end_to_end_starts_from_hybrid_and_lowers_the_training_error(sine):
    Xtr, _, ytr, _ = sine
    params = dict(n_centers=8, random_state=0, width_per_center=True)
    hybrid = RBFNetworkRegressor(**params).fit(Xtr, ytr)
    e2e = RBFNetworkRegressor(
        training="end_to_end", max_epochs=100, lr=0.01, **params
    ).fit(Xtr, ytr)
    mse = lambda m: np.mean((m.predict(Xtr) - ytr) ** 2)  # noqa: E731
    assert mse(e2e) < mse(hybrid)
    assert not np.allclose(e2e.centers_, hybrid.centers_)  # centers were trained
    assert e2e.gamma_.shape == (8,) and not np.allclose(e2e.gamma_, hybrid.gamma_)
    assert len(e2e.history_) == 100 and not hasattr(hybrid, "history_")


@pytest.mark.parametrize("training", ["hybrid", "end_to_end"])
@pytest.mark.parametrize("centers", ["kmeans", "kmeans_per_class", "random"])
def test_classifier_on_moons(moons, training, centers):
    Xtr, Xte, ytr, yte = moons
    clf = RBFNetworkClassifier(
        n_centers=30,
        centers=centers,
        training=training,
        max_epochs=20,
        lr=0.02,
        random_state=0,
    ).fit(Xtr, ytr)
    assert clf.score(Xte, yte) > 0.9
    proba = clf.predict_proba(Xte)
    assert proba.shape == (len(Xte), 2)
    assert np.all(proba >= 0) and np.allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(Xte))
    assert clf.decision_function(Xte).shape == (len(Xte),)


def test_module_is_the_network_after_either_training(moons):
    # the shared module_ read net_, which the hybrid training has not
    X, _, y, _ = moons
    for training in ("hybrid", "end_to_end"):
        clf = RBFNetworkClassifier(n_centers=8, training=training, max_epochs=2,
                                   random_state=0).fit(X, y)
        assert clf.module_ is clf.network_
    assert not hasattr(RBFNetworkClassifier(), "module_")


def test_kmeans_per_class_shares_centers_by_class_size():
    X, y = make_blobs([300, 100], centers=[[0, 0], [6, 6]], random_state=0)
    clf = RBFNetworkClassifier(n_centers=20, centers="kmeans_per_class", random_state=0)
    clf.fit(X, y)
    near_first = (np.linalg.norm(clf.centers_ - [0, 0], axis=1) < 3).sum()
    assert clf.n_centers_ == 20 and near_first == 15


def test_multiclass_and_string_labels():
    X, y = make_blobs(300, centers=4, random_state=1)
    labels = np.array(["a", "b", "c", "d"])[y]
    clf = RBFNetworkClassifier(n_centers=20, random_state=0).fit(X, labels)
    assert clf.score(X, labels) > 0.9
    assert clf.predict_proba(X).shape == (300, 4)
    assert clf.decision_function(X).shape == (300, 4)
    assert set(clf.predict(X)) <= set(labels)


def test_transform_is_the_hidden_layer(sine):
    Xtr, Xte, ytr, _ = sine
    model = RBFNetworkRegressor(n_centers=12, random_state=0).fit(Xtr, ytr)
    H = model.transform(Xte)
    assert H.shape == (len(Xte), 12) and H.dtype == np.float64
    d2 = ((Xte[:, None] - model.centers_[None]) ** 2).sum(-1)
    np.testing.assert_allclose(H, np.exp(-model.gamma_ * d2), rtol=1e-4, atol=1e-6)
    assert list(model.get_feature_names_out()[:2]) == [
        "rbfnetworkregressor0",
        "rbfnetworkregressor1",
    ]
    with pytest.raises(ValueError, match="input_features should have length"):
        model.get_feature_names_out(["a", "b", "c"])  # was ignored
    # The output layer is the ridge solution on H: refitting it agrees.
    ridge = Ridge(alpha=model.alpha).fit(model.transform(Xtr), ytr)
    np.testing.assert_allclose(model.predict(Xte), ridge.predict(H), atol=1e-3)


def test_gamma_scale_heuristic_and_per_center(sine):
    Xtr, _, ytr, _ = sine
    model = RBFNetworkRegressor(n_centers=10, random_state=0).fit(Xtr, ytr)
    d2 = squared_center_distances(model.centers_)
    np.fill_diagonal(d2, np.inf)
    s = 2 * np.sqrt(d2.min(axis=1))  # twice the nearest-center distance
    assert model.gamma_ == pytest.approx(1 / (2 * s.mean() ** 2), rel=1e-5)
    per = RBFNetworkRegressor(n_centers=10, width_per_center=True, random_state=0)
    per.fit(Xtr, ytr)
    np.testing.assert_allclose(per.gamma_, 1 / (2 * s**2), rtol=1e-5)
    fixed = RBFNetworkRegressor(n_centers=10, gamma=0.7, random_state=0).fit(Xtr, ytr)
    assert fixed.gamma_ == pytest.approx(0.7)


def test_more_centers_than_rows_are_clipped_with_a_warning():
    X, y = make_moons(15, random_state=0)
    with pytest.warns(UserWarning, match="n_centers=50 is more than the 15 training"):
        clf = RBFNetworkClassifier(n_centers=50, random_state=0).fit(X, y)
    assert clf.n_centers_ == 15 and clf.transform(X).shape == (15, 15)


def test_multi_output_regression(sine):
    Xtr, Xte, ytr, yte = sine
    Y = np.column_stack([ytr, -2 * ytr])
    model = RBFNetworkRegressor(n_centers=30, random_state=0).fit(Xtr, Y)
    pred = model.predict(Xte)
    assert pred.shape == (len(Xte), 2)
    np.testing.assert_allclose(pred[:, 1], -2 * pred[:, 0], rtol=1e-3, atol=1e-4)


def test_random_state_makes_fits_identical(moons):
    Xtr, Xte, ytr, _ = moons
    params = dict(n_centers=10, training="end_to_end", max_epochs=3, random_state=3)
    a = RBFNetworkClassifier(**params).fit(Xtr, ytr).predict_proba(Xte)
    b = RBFNetworkClassifier(**params).fit(Xtr, ytr).predict_proba(Xte)
    np.testing.assert_array_equal(a, b)


def test_bad_input_and_parameters(moons):
    Xtr, _, ytr, _ = moons
    X = Xtr.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RBFNetworkClassifier(n_centers=5).fit(X, ytr)
    with pytest.raises(ValueError, match="centers"):
        RBFNetworkRegressor(centers="kmeans_per_class").fit(Xtr, ytr.astype(float))
    with pytest.raises(ValueError, match="kernel"):
        RBFNetworkClassifier(kernel="cubic").fit(Xtr, ytr)
    clf = RBFNetworkClassifier(n_centers=5, random_state=0).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="features"):
        clf.predict(Xtr[:, :1])


def test_in_a_pipeline_with_scaling(moons):
    Xtr, Xte, ytr, yte = moons
    pipe = make_pipeline(
        StandardScaler(), RBFNetworkClassifier(n_centers=30, random_state=0)
    )
    assert pipe.fit(Xtr * 1000, ytr).score(Xte * 1000, yte) > 0.9


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("per_center", [False, True])
def test_inference_activations_equal_the_autograd_road_bit_for_bit(kernel, per_center):
    rng = np.random.RandomState(0)
    x = torch.as_tensor(rng.randn(64, 5), dtype=torch.float32)
    centers = torch.as_tensor(rng.randn(12, 5), dtype=torch.float32)
    centers[0] = x[0]  # a zero distance, which rounding can push below 0
    gamma = rng.uniform(0.1, 2.0, 12) if per_center else 0.7
    gamma = torch.as_tensor(gamma, dtype=torch.float32)
    expected = apply_kernel(squared_distances(x, centers), gamma, kernel)
    with torch.no_grad():
        assert torch.equal(inference_activations(x, centers, gamma, kernel), expected)
    layer = RBFLayer(centers, gamma, kernel)
    with torch.no_grad():
        fast = layer(x)
    slow = layer(x)  # the autograd road, which training takes
    assert slow.requires_grad and torch.equal(fast, slow.detach())


@pytest.mark.parametrize("weighted", [False, True])
def test_blockwise_ridge_solution_equals_the_dense_one(weighted):
    # Three blocks (the last one short) of float32 activations, as the
    # network gives them, against the dense float64 normal equations.
    rng = np.random.RandomState(0)
    H = rng.rand(2500, 7).astype(np.float32)
    Y = rng.randn(2500, 2) + 5.0
    w = rng.uniform(0, 3, 2500) if weighted else None
    model = RBFNetworkRegressor(alpha=0.1)
    got = model._solve_output(lambda rows: rows.astype(np.float32), H, Y, w)
    H1 = np.hstack([H.astype(np.float64), np.ones((2500, 1))])
    S = np.ones(2500) if w is None else w
    A = H1.T @ (S[:, None] * H1) + np.diag([0.1] * 7 + [0.0])
    expected = np.linalg.solve(A, H1.T @ (S[:, None] * Y))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("training", ["hybrid", "end_to_end"])
def test_features_far_from_the_origin_give_the_same_network(training):
    # The kernels see distances, which a common offset does not change; the
    # float32 distances of raw values around 1e6 lost every digit (a third of
    # the predictions changed).
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    params = dict(n_centers=20, training=training, max_epochs=5, random_state=0)
    near = RBFNetworkClassifier(**params).fit(X, y)
    far = RBFNetworkClassifier(**params).fit(X + 1e6, y)
    np.testing.assert_allclose(far.predict_proba(X + 1e6), near.predict_proba(X),
                               atol=1e-5)
    np.testing.assert_allclose(far.centers_ - 1e6, near.centers_, atol=1e-6)
    np.testing.assert_allclose(far.transform(X + 1e6), near.transform(X), atol=1e-5)


def test_output_weights_are_stored_contiguous():
    # A transposed (Fortran-ordered) least-squares solution, as older scipy
    # releases return it, took another product kernel than the contiguous
    # weights of a loaded model: outputs changed in the last float32 bits
    # after skdeep.io.load.
    weight = np.asfortranarray(np.arange(12.0).reshape(4, 3))
    net = RBFNetwork(np.zeros((3, 2)), 1.0, weight)
    assert net.weight.is_contiguous()
    np.testing.assert_array_equal(net.weight.detach().numpy(), weight)


def test_lr_schedule_cosine_anneals_end_to_end_training(sine, moons):
    Xtr, _, ytr, _ = sine
    params = dict(n_centers=8, training="end_to_end", max_epochs=4, lr=0.01,
                  random_state=0)
    constant = RBFNetworkRegressor(lr_schedule="constant", **params).fit(Xtr, ytr)
    cosine = RBFNetworkRegressor(**params).fit(Xtr, ytr)
    # the defaults chosen in benchmarks/similarity_runs/rbf_select_lr_schedule.py
    assert RBFNetworkRegressor().lr_schedule == "cosine"
    assert RBFNetworkClassifier().lr_schedule == "constant"
    assert [g["lr"] for g in constant.net_.optimizer_.param_groups] == [0.01]
    assert [g["lr"] for g in cosine.net_.optimizer_.param_groups] == [0.0]
    assert not np.allclose(cosine.predict(Xtr), constant.predict(Xtr))
    Xc, _, yc, _ = moons
    clf = RBFNetworkClassifier(lr_schedule="cosine", **params).fit(Xc, yc)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 0.0
    # hybrid training has no learning rate: the schedule changes nothing
    hybrid = dict(n_centers=8, random_state=0)
    np.testing.assert_array_equal(
        RBFNetworkRegressor(lr_schedule="cosine", **hybrid).fit(Xtr, ytr).predict(Xtr),
        RBFNetworkRegressor(**hybrid).fit(Xtr, ytr).predict(Xtr),
    )
    with pytest.raises(ValueError, match="lr_schedule"):
        RBFNetworkRegressor(lr_schedule="linear").fit(Xtr, ytr)


@pytest.mark.parametrize("width_per_center", [False, True])
def test_scale_widths_ignore_coincident_centers(width_per_center):
    # duplicate rows give coincident centers (k >= the rows keeps the rows):
    # the distance 0 between copies shrank the spacing (every row twice:
    # gamma 1.0 instead of 0.067, held-out R^2 0.89 -> 0.65)
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 100, (40, 1))
    y = np.sin(X[:, 0] / 10)
    params = dict(n_centers=80, width_per_center=width_per_center, random_state=0)
    with pytest.warns(UserWarning, match="more than the 40 training rows"):
        once = RBFNetworkRegressor(**params).fit(X, y)
    twice = RBFNetworkRegressor(**params).fit(np.vstack([X, X]), np.r_[y, y])
    expected = once.gamma_ if not width_per_center else np.r_[once.gamma_, once.gamma_]
    np.testing.assert_allclose(twice.gamma_, expected)


@pytest.mark.parametrize("cls", [RBFNetworkClassifier, RBFNetworkRegressor])
def test_values_past_float32_are_refused_before_the_centers(cls):
    # 1e200 went through k-means and the center spacing (RuntimeWarnings:
    # "invalid value encountered in subtract") before the float32 error
    import warnings

    X = np.random.RandomState(0).randn(60, 3)
    X[5, 1] = 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="too large for float32"):
            cls(n_centers=10).fit(X, np.arange(60) % 2)


@pytest.mark.parametrize("scale, what", [(1e-30, "underflow to 0"),
                                         (1e20, "overflow float32")])
@pytest.mark.parametrize("training", ["hybrid", "end_to_end"])
def test_rows_too_small_or_large_for_float32_distances_are_refused(
    scale, what, training
):
    # these rows failed inside scipy's solver ("array must not contain infs
    # or NaNs"): their float32 distances underflowed or overflowed
    X = np.random.RandomState(0).randn(30, 3)
    with pytest.raises(ValueError, match=f"float32, which {what} for this X"):
        RBFNetworkRegressor(n_centers=5, training=training,
                            max_epochs=1).fit(X * scale, X[:, 0])


@pytest.mark.parametrize("training", ["hybrid", "end_to_end"])
def test_regressor_fit_does_not_depend_on_the_units_of_y(training):
    # y was used in its own units: a spread of 1e-8 was lost to float32 and
    # Adam's steps (R^2 -5e8 end to end), an offset of 1e7 left float32
    # outputs in steps of 1 (R^2 0.83 hybrid)
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(200, 1))
    y = np.sin(X[:, 0])
    model = RBFNetworkRegressor(n_centers=20, training=training, max_epochs=5,
                                random_state=0)
    reference = model.fit(X, y).score(X, y)
    assert reference > 0.95
    for scale, offset in [(1e-8, 0.0), (1.0, 1e7), (1e-8, 1.0)]:
        target = scale * y + offset
        assert model.fit(X, target).score(X, target) == pytest.approx(reference,
                                                                      abs=1e-3)
    assert model.y_scale_ == pytest.approx(1e-8 * y.std())


def test_kmeans_per_class_keeps_n_centers_with_small_classes():
    # raising two classes of 6 rows to one center each left the class of 288
    # its whole share: 1 + 1 + 9 = 11 centers for n_centers=10
    rng = np.random.RandomState(0)
    X = rng.randn(300, 2)
    y = np.r_[np.zeros(6), np.ones(6), np.full(288, 2)].astype(int)
    clf = RBFNetworkClassifier(n_centers=10, centers="kmeans_per_class",
                               random_state=0).fit(X, y)
    assert clf.n_centers_ == 10 and clf.transform(X).shape == (300, 10)
    # fewer centers than classes: one per class, as documented
    many = RBFNetworkClassifier(n_centers=10, centers="kmeans_per_class",
                                random_state=0).fit(X, np.arange(300) % 12)
    assert many.n_centers_ == 12


def test_the_too_many_centers_warning_points_at_the_caller():
    # its counted stacklevel pointed into skdeep's fit wrapper
    rng = np.random.RandomState(0)
    X, y = rng.randn(15, 2), np.arange(15) % 2
    with pytest.warns(UserWarning, match="more than the 15 training rows") as seen:
        RBFNetworkClassifier(n_centers=50, random_state=0).fit(X, y)
    assert seen[0].filename == __file__


def test_end_to_end_early_stopping_validates_on_rows_the_start_never_saw():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    # the centres, widths and closed-form output layer were fitted on every
    # row before the split: the validation rows scored in-sample (an MSE of
    # 0.65 on pure noise, 1.21 out of sample) and epoch 1 was always kept
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 2)), rng.normal(size=200)
    params = dict(training="end_to_end", early_stopping=True, n_iter_no_change=3,
                  max_epochs=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = RBFNetworkRegressor(n_centers=100, lr=1e-3, **params).fit(X, y)
        clf = RBFNetworkClassifier(n_centers=150, **params).fit(
            rng.normal(size=(300, 2)), rng.randint(0, 2, 300))
    assert reg.validation_scores_[0] > 0.9  # in standardized units: noise
    assert clf.validation_scores_[0] > np.log(2)  # coin flips: no better than chance
