"""CapsNetClassifier and its layers: routing against a loop reference,
learning, reconstruction, the pose sweep, transfer and bad input."""

import copy
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skdeep.capsule import CapsNetClassifier
from skdeep.capsule._modules import CapsuleLoss, RoutingCapsules, squash

SMALL = dict(
    conv_channels=(8,), kernel_size=3, primary_capsules=4, primary_kernel_size=3,
    capsule_dim=6, decoder_hidden=(32,), lr=0.01, batch_size=16, max_epochs=12,
)


def bars(n=60, size=12, seed=0):
    """Vertical bars (class 0) and horizontal bars (class 1) at random places."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 0.2, size=(n, 1, size, size)).astype(np.float32)
    y = np.arange(n) % 2
    for i in range(n):
        a, b = rng.randint(1, size - 8), rng.randint(1, size - 3)
        if y[i] == 0:
            X[i, 0, a : a + 7, b : b + 2] = 1.0
        else:
            X[i, 0, b : b + 2, a : a + 7] = 1.0
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = bars()
    return CapsNetClassifier(random_state=0, **SMALL).fit(X, y), X, y


# ------------------------------------------------------------------ layers


def test_squash_lengths_and_directions():
    s = torch.randn(50, 7) * torch.logspace(-3, 2, 50)[:, None]
    v = squash(s)
    lengths, norms = v.norm(dim=1), s.norm(dim=1)
    assert torch.all(lengths < 1)
    torch.testing.assert_close(lengths, norms**2 / (1 + norms**2), rtol=1e-4, atol=1e-6)
    cosine = (v * s).sum(1) / (lengths * norms)
    torch.testing.assert_close(cosine, torch.ones(50), rtol=1e-4, atol=1e-4)
    zero = torch.zeros(1, 3, requires_grad=True)
    squash(zero).sum().backward()
    assert torch.isfinite(zero.grad).all()


def test_squash_of_capsules_too_long_to_square_in_float32():
    """Components past about 1e19 overflowed the squares to inf (NaN output):
    such capsules are rescaled first, with the same values and gradients."""
    s = torch.tensor([[3e19, 4e19], [3e37, -4e37], [3e38, 3e38], [3.0, 4.0],
                      [0.0, 0.0]])
    v = squash(s)
    assert torch.isfinite(v).all()
    s64 = s.double()
    n = s64.norm(dim=1, keepdim=True)
    expected = torch.where(n > 0, s64 / n.clamp_min(1e-300) * n**2 / (1 + n**2), 0.0)
    torch.testing.assert_close(v.double(), expected, rtol=1e-6, atol=1e-7)
    # the rescaled and the plain road: the same gradient (float64, plain road safe)
    g = torch.randn(4, 5, dtype=torch.float64)
    big = (g * 1e16).requires_grad_(True)  # rescaled (> 1e15)
    weights = torch.randn(4, 5, dtype=torch.float64)
    (squash(big) * weights).sum().backward()
    plain = big.detach().clone().requires_grad_(True)
    squared = (plain * plain).sum(dim=-1, keepdim=True)
    plain_squash = plain * (squared / (1 + squared) / torch.sqrt(squared + 1e-8))
    (plain_squash * weights).sum().backward()
    torch.testing.assert_close(big.grad, plain.grad, rtol=1e-9, atol=1e-40)


def test_huge_inputs_give_finite_capsules(fitted):
    model, X, _ = fitted
    for scale in (1e19, 1e30):
        lengths = model.capsule_lengths(X[:6] * scale)
        assert np.isfinite(lengths).all() and (lengths < 1).all()
        assert np.isfinite(model.transform(X[:6] * scale)).all()


def routing_reference(u, W, n_out, out_dim, iters):
    """Procedure 1 of Sabour et al., written with loops over capsules."""
    n, n_in, _ = u.shape
    v_all = torch.zeros(n, n_out, out_dim, dtype=torch.float64)
    for s in range(n):
        u_hat = [[W[i, j * out_dim : (j + 1) * out_dim] @ u[s, i] for j in range(n_out)]
                 for i in range(n_in)]
        b = torch.zeros(n_in, n_out, dtype=torch.float64)
        for r in range(iters):
            c = torch.softmax(b, dim=1)
            v = []
            for j in range(n_out):
                total = sum(c[i, j] * u_hat[i][j] for i in range(n_in))
                norm2 = (total**2).sum()
                v.append(norm2 / (1 + norm2) * total / torch.sqrt(norm2))
            for i in range(n_in):
                for j in range(n_out):
                    b[i, j] += u_hat[i][j] @ v[j]
        v_all[s] = torch.stack(v)
    return v_all


@pytest.mark.parametrize("iters", [1, 3])
def test_vectorised_routing_matches_the_loop_reference(iters):
    torch.manual_seed(0)
    layer = RoutingCapsules(n_in=5, in_dim=3, n_out=4, out_dim=2, routing_iters=iters)
    layer = layer.double()
    u = squash(torch.randn(3, 5, 3, dtype=torch.float64))
    v, coupling = layer(u, return_coupling=True)
    expected = routing_reference(u, layer.weight.detach(), 4, 2, iters)
    torch.testing.assert_close(v.detach(), expected, rtol=1e-6, atol=1e-8)
    ones = torch.ones(3, 5, dtype=torch.float64)
    torch.testing.assert_close(coupling.sum(dim=2), ones)
    if iters == 1:  # uniform coupling
        torch.testing.assert_close(coupling, torch.full_like(coupling, 0.25))


def test_routing_gradient_modes_share_the_forward_pass():
    torch.manual_seed(0)
    last = RoutingCapsules(6, 4, 3, 5, routing_iters=3, routing_gradient="last")
    every = RoutingCapsules(6, 4, 3, 5, routing_iters=3, routing_gradient="all")
    every.load_state_dict(last.state_dict())
    u = squash(torch.randn(4, 6, 4))
    out_last, out_all = last(u), every(u)
    torch.testing.assert_close(out_last, out_all)
    out_last.sum().backward()
    out_all.sum().backward()
    assert torch.isfinite(last.weight.grad).all()
    assert not torch.allclose(last.weight.grad, every.weight.grad)
    with pytest.raises(ValueError, match="routing_gradient"):
        RoutingCapsules(6, 4, 3, 5, routing_iters=3, routing_gradient="some")


def test_margin_loss_values_and_weights():
    lengths = torch.tensor([[0.95, 0.05], [0.5, 0.6]])
    loss = CapsuleLoss(reconstruction_weight=0.0)
    codes = torch.tensor([0, 0])
    per_sample = loss.per_sample((lengths, None, None), codes)
    # sample 0: both margins met; sample 1: (0.9-0.5)^2 + 0.5 (0.6-0.1)^2
    torch.testing.assert_close(per_sample, torch.tensor([0.0, 0.16 + 0.125]))
    weighted = loss((lengths, None, None), (codes, torch.tensor([0.0, 2.0])))
    torch.testing.assert_close(weighted, per_sample[1])
    x = torch.ones(2, 1, 2, 2)
    with_recon = CapsuleLoss(reconstruction_weight=0.5)((lengths, x * 0, x), codes)
    torch.testing.assert_close(with_recon, per_sample.mean() + 0.5 * 4)


# --------------------------------------------------------------- estimator


def test_learns_and_exposes_capsules(fitted):
    clf, X, y = fitted
    Xt, yt = bars(40, seed=1)
    assert clf.score(Xt, yt) >= 0.85
    lengths = clf.capsule_lengths(Xt)
    assert lengths.shape == (40, 2) and (lengths >= 0).all() and (lengths < 1).all()
    proba = clf.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(Xt))
    poses = clf.transform(Xt).reshape(40, 2, SMALL["capsule_dim"])
    np.testing.assert_allclose(np.linalg.norm(poses, axis=-1), lengths, rtol=1e-5)
    assert clf.n_primary_capsules_ == 4 * 4 * 4  # 12 -> 10 (stem) -> 4 (stride 2)
    assert clf.reconstruction_output_ == "sigmoid"
    width = 2 * SMALL["capsule_dim"]
    names = [f"capsnetclassifier{i}" for i in range(width)]
    assert list(clf.get_feature_names_out()) == names
    # the fitted capsules' width, whatever capsule_dim says now (it was read)
    other = clone(clf)
    other.__dict__.update(clf.__dict__)  # the fitted state, other parameters
    other.set_params(capsule_dim=SMALL["capsule_dim"] + 3)
    assert list(other.get_feature_names_out()) == names


def test_reconstruction_beats_the_mean_image(fitted):
    clf, X, y = fitted
    recon = clf.reconstruct(X)
    assert recon.shape == X.shape and recon.min() >= 0 and recon.max() <= 1
    error = ((recon - X) ** 2).mean()
    baseline = ((X.mean(axis=0) - X) ** 2).mean()
    assert error < baseline
    # Masking to the other class gives another image.
    other = clf.reconstruct(X[:4], y=1 - y[:4])
    assert not np.allclose(other, recon[:4])


def test_pose_sweep(fitted):
    clf, X, _ = fitted
    deltas = [-0.2, 0.0, 0.2]
    images = clf.pose_sweep(X[:3], deltas=deltas, dimensions=[0, 5])
    assert images.shape == (3, 2, 3, 1, 12, 12)
    np.testing.assert_allclose(images[:, 0, 1], clf.reconstruct(X[:3]), atol=1e-6)
    np.testing.assert_allclose(images[:, 1, 1], clf.reconstruct(X[:3]), atol=1e-6)
    assert not np.allclose(images[:, 0, 0], images[:, 0, 2])
    full = clf.pose_sweep(X[:1])
    assert full.shape == (1, SMALL["capsule_dim"], 11, 1, 12, 12)
    with pytest.raises(ValueError, match="dimensions must be integers"):
        clf.pose_sweep(X[:1], dimensions=[6])
    with pytest.raises(ValueError, match="dimensions must be integers"):
        clf.pose_sweep(X[:1], dimensions=[])
    # NaN deltas decoded to NaN images; none failed in a reshape
    for deltas in ([np.nan], [np.inf], []):
        with pytest.raises(ValueError, match="deltas must be one or more finite"):
            clf.pose_sweep(X[:1], deltas=deltas)
    with pytest.raises(ValueError, match="not seen in fit"):
        clf.reconstruct(X[:2], y=[0, 7])


def test_determinism_and_persistence(fitted, tmp_path):
    clf, X, y = fitted
    again = CapsNetClassifier(random_state=0, **SMALL).fit(X, y)
    np.testing.assert_array_equal(again.capsule_lengths(X), clf.capsule_lengths(X))
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.transform(X), clf.transform(X))
    from skdeep import io

    io.save(clf, tmp_path / "capsnet.skdeep")
    loaded = io.load(tmp_path / "capsnet.skdeep")
    np.testing.assert_array_equal(loaded.reconstruct(X[:3]), clf.reconstruct(X[:3]))


def test_input_layouts_and_series():
    X, y = bars(40)
    params = dict(SMALL, max_epochs=2)
    flat = CapsNetClassifier(input_shape=(1, 12, 12), random_state=0, **params)
    flat.fit(X.reshape(40, -1), y)
    assert flat.reconstruct(X.reshape(40, -1)[:2]).shape == (2, 144)
    gray = CapsNetClassifier(conv_dims=2, random_state=0, **params).fit(X[:, 0], y)
    assert gray.reconstruct(X[:2, 0]).shape == (2, 12, 12)
    np.testing.assert_allclose(
        gray.capsule_lengths(X[:5, 0]),
        CapsNetClassifier(random_state=0, **params).fit(X, y).capsule_lengths(X[:5]),
        rtol=1e-5,
    )
    rng = np.random.RandomState(0)
    freq = rng.choice([2, 5], 60)  # slow or fast sines, random phases
    phase = rng.uniform(0, 2 * np.pi, (60, 1))
    series = np.sin(2 * np.pi * freq[:, None] * np.linspace(0, 1, 30) + phase)
    labels = (freq == 5).astype(int)
    est = CapsNetClassifier(random_state=0, **dict(SMALL, max_epochs=15))
    est.fit(series + rng.normal(0, 0.1, series.shape), labels)
    assert est.conv_dims_ == 1 and est.reconstruction_output_ == "linear"
    assert est.score(series, labels) > 0.9


def test_max_epochs_auto_trains_small_data_long_enough():
    # "auto": max(10, min(100, ceil(2000 / batches per epoch)))
    clf = CapsNetClassifier()
    assert clf.max_epochs == "auto"
    for n, epochs in [(60, 100), (2560, 100), (2688, 96), (25_599, 10),
                      (60_000, 10)]:
        clf._resolve_max_epochs(n)
        assert clf.max_epochs_ == epochs
    X, y = bars(n=24)
    auto = CapsNetClassifier(random_state=0, **dict(SMALL, max_epochs="auto"))
    auto.fit(X, y)  # 2 batches of 16: 1000 epochs, capped at 100
    assert auto.max_epochs_ == auto.n_iter_ == 100
    # the cosine schedule anneals over the resolved epochs
    assert auto.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


def test_without_decoder():
    X, y = bars(40)
    clf = CapsNetClassifier(reconstruction_weight=0, random_state=0,
                            **dict(SMALL, max_epochs=2)).fit(X, y)
    assert clf.module_.decoder is None and clf.reconstruction_output_ is None
    assert clf.predict(X).shape == (40,)
    with pytest.raises(ValueError, match="reconstruction_weight=0"):
        clf.reconstruct(X)


def test_stem_from_a_fitted_cnn():
    from skdeep.cnn import CNNClassifier

    X, y = bars(40)
    source = CNNClassifier(conv_channels=(8,), kernel_size=3, padding="valid",
                           pooling=None, max_epochs=2, random_state=0).fit(X, y)
    clf = CapsNetClassifier(init_from=source, freeze="features", random_state=0,
                            **dict(SMALL, max_epochs=2)).fit(X, y)
    for key, value in source.module_.stack.state_dict().items():
        torch.testing.assert_close(clf.module_.stack.state_dict()[key], value)


def test_bad_input(fitted):
    clf, X, y = fitted
    with pytest.raises(NotFittedError):
        CapsNetClassifier().predict(X)
    with pytest.raises(NotFittedError):
        CapsNetClassifier().reconstruct(X)
    with pytest.raises(ValueError, match="smaller than the 17 pixels"):
        CapsNetClassifier().fit(X, y)  # 12 x 12 under the default 9x9 kernels
    with pytest.raises(ValueError, match="channels"):
        clf.predict(np.repeat(X, 3, axis=1))
    with pytest.raises(ValueError, match="differs from the fitted size"):
        clf.predict(np.zeros((2, 1, 14, 14), dtype=np.float32))
    bad = X.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CapsNetClassifier(**SMALL).fit(bad, y)
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="m_minus"):
        CapsNetClassifier(m_plus=0.3, m_minus=0.4, **SMALL).fit(X, y)
    # a width 0 built a decoder that decoded every input to one image
    with pytest.raises(ValueError, match="'decoder_hidden' parameter must be a "
                                         "tuple of positive ints"):
        CapsNetClassifier(**{**SMALL, "decoder_hidden": (0,)}).fit(X, y)


def test_series_of_other_lengths_are_named_not_called_nan():
    # lists of series shorter than the fitted length (or of several lengths)
    # are NaN-padded on the way in: the error said the input contained NaN
    # and asked to impute it
    rng = np.random.RandomState(0)
    X = rng.rand(20, 32).astype(np.float32)
    y = np.arange(20) % 2
    clf = CapsNetClassifier(conv_channels=(4,), kernel_size=3, primary_capsules=2,
                            primary_kernel_size=3, primary_stride=1, capsule_dim=4,
                            decoder_hidden=(8,), conv_dims=1, max_epochs=1,
                            random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"series of one length \(32, as fitted\); "
                                         r"got series of length 30"):
        clf.predict([list(row[:30]) for row in X[:3]])
    with pytest.raises(ValueError, match=r"series of one length; got series of "
                                         r"length 30, 32"):
        clone(clf).fit([list(row[:30]) for row in X[:10]] + list(X[10:]), y)
    bad = X.copy()
    bad[0, 5] = np.nan
    with pytest.raises(ValueError, match="impute missing values first"):
        clf.predict(bad)
    # series of the fitted length with padding columns after them: the
    # message said "needs series of one length (32); got series of length 32"
    series = clone(clf).fit(X[:, None, :], y)
    padded = np.concatenate(
        [X[:3, None, :], np.full((3, 1, 3), np.nan, dtype=np.float32)], axis=2)
    with pytest.raises(ValueError, match="padded with NaN to 35 steps: drop"):
        series.predict(padded)


def test_reconstruct_and_pose_sweep_use_the_fitted_capsule_width(fitted):
    # set_params(capsule_dim=...) after fit: both read the parameter, not the
    # fitted capsules ("mat1 and mat2 shapes cannot be multiplied")
    import copy

    clf, X, y = fitted
    changed = copy.deepcopy(clf)
    width = clf.module_.classes.out_dim
    changed.set_params(capsule_dim=width + 4)
    np.testing.assert_array_equal(changed.reconstruct(X[:3]), clf.reconstruct(X[:3]))
    sweep = changed.pose_sweep(X[:2], deltas=[0.1])
    assert sweep.shape[:3] == (2, width, 1)


def test_size_error_names_the_pooling_that_shrinks_the_input():
    # the message advised kernel_size=3, primary_kernel_size=3 (the settings
    # in use) and never named the pooling
    rng = np.random.RandomState(0)
    clf = CapsNetClassifier(conv_channels=(4, 4), pooling="max", kernel_size=3,
                            primary_kernel_size=3, max_epochs=1)
    with pytest.raises(ValueError, match="pooling='max'"):
        clf.fit(rng.rand(20, 1, 12, 12), np.repeat([0, 1], 10))


@pytest.mark.parametrize("class_weight", ["balanced", {0: 2.0}])
def test_sample_weight_of_a_wrong_length_with_class_weight(class_weight):
    # class_weight broadcast the weights first, in numpy's words
    X = np.random.RandomState(0).rand(20, 1, 12, 12)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(5,\), expected"):
        CapsNetClassifier(class_weight=class_weight, **SMALL).fit(
            X, np.repeat([0, 1], 10), sample_weight=np.ones(5))


def test_reconstruct_and_pose_sweep_under_pandas_output(fitted):
    # they reshaped transform's output, a DataFrame under pandas output
    clf, X, _ = fitted
    clf = copy.deepcopy(clf)
    expected = clf.reconstruct(X[:4]), clf.pose_sweep(X[:2])
    clf.set_output(transform="pandas")
    np.testing.assert_array_equal(clf.reconstruct(X[:4]), expected[0])
    np.testing.assert_array_equal(clf.pose_sweep(X[:2]), expected[1])


def test_weighted_loss_reports_each_batchs_share_of_the_epoch():
    # batches of a weighted epoch were weighed by their rows: the epoch
    # (and validation) loss moved with batch_size, 0.696 against 0.708
    torch.manual_seed(0)
    lengths, codes = torch.rand(10, 3), torch.randint(0, 3, (10,))
    weights = torch.rand(10) * 5
    for loss in (CapsuleLoss(reconstruction_weight=0.0),
                 CapsuleLoss(reconstruction_weight=0.0, class_weight=[1.0, 3.0, 0.5])):
        whole = loss((lengths, None, None), (codes, weights))
        parts = [
            (loss((lengths[s], None, None), (codes[s], weights[s])), loss.last_total_)
            for s in (slice(0, 3), slice(3, 10))
        ]
        combined = sum(v * t for v, t in parts) / sum(t for _, t in parts)
        torch.testing.assert_close(combined, whole)
    plain = CapsuleLoss(reconstruction_weight=0.0)
    plain((lengths, None, None), (codes, weights))
    plain((lengths, None, None), codes)  # unweighted: a batch counts its rows
    assert plain.last_total_ is None
