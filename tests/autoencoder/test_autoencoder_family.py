"""The autoencoder variants: sparse, denoising, tied, convolutional, variational, outliers."""

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from skdeep.autoencoder import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ConvAutoencoderTransformer,
    VariationalAutoencoder,
)
from skdeep.autoencoder._outlier import AUTO_MAX_EPOCHS, AUTO_STEPS, TrimmedLoss
from skdeep.utils._training import auto_epochs

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="module")
def digits01():
    X, y = load_digits(return_X_y=True)
    return X[:500] / 16.0, y[:500]


@pytest.fixture(scope="module")
def digits_std(digits01):
    return StandardScaler().fit_transform(digits01[0])


def test_l1_sparsity_shrinks_codes(digits_std):
    common = dict(code_size=16, max_epochs=15, random_state=0)
    dense = AutoencoderTransformer(**common).fit(digits_std)
    sparse = AutoencoderTransformer(sparsity=1.0, **common).fit(digits_std)
    assert np.abs(sparse.transform(digits_std)).mean() < 0.5 * np.abs(
        dense.transform(digits_std)
    ).mean()


def test_kl_sparsity_moves_mean_activation_to_target(digits_std):
    import torch

    common = dict(code_size=16, max_epochs=15, random_state=0)
    plain = AutoencoderTransformer(**common).fit(digits_std)
    sparse = AutoencoderTransformer(
        sparsity=1.0, sparsity_type="kl", sparsity_target=0.05, **common
    ).fit(digits_std)

    def mean_activation(ae):
        codes = torch.from_numpy(ae.transform(digits_std))
        return torch.sigmoid(codes).mean().item()

    assert abs(mean_activation(sparse) - 0.05) < abs(mean_activation(plain) - 0.05)
    assert mean_activation(sparse) < 0.25


def test_kl_sparsity_penalty_is_the_bernoulli_kl_for_every_target():
    # rho / rho_hat was taken in float32: a target below ~1e-45 (valid for
    # the (0, 1) constraint) gave 0 * log 0, a NaN loss, and the fit failed
    # with advice to lower lr
    import torch

    from skdeep.autoencoder._modules import AutoencoderLoss

    code = torch.tensor([[0.3, -2.0], [1.0, -1.0], [-0.5, 0.0]])
    rho_hat = 1 / (1 + np.exp(-code.numpy().astype(np.float64)))
    rho_hat = rho_hat.mean(0)
    for rho in (0.05, 0.5, 1e-46):
        loss = AutoencoderLoss(1.0, "kl", rho)((code, code), code)
        kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
        np.testing.assert_allclose(loss.item(), kl.sum(), rtol=1e-5)
    X = np.random.RandomState(0).randn(40, 4)
    ae = AutoencoderTransformer(code_size=2, sparsity=1.0, sparsity_type="kl",
                                sparsity_target=1e-46, max_epochs=2,
                                random_state=0).fit(X)
    assert np.isfinite(ae.transform(X)).all()


def test_denoising_beats_plain_on_noisy_input(digits01):
    X, _ = digits01
    rng = np.random.RandomState(1)
    noisy = X + 0.4 * rng.standard_normal(X.shape)
    common = dict(hidden_layer_sizes=(64,), code_size=16, max_epochs=40, random_state=0)
    plain = AutoencoderTransformer(**common).fit(X)
    dae = AutoencoderTransformer(noise="gaussian", noise_level=0.4, **common).fit(X)
    mse = lambda ae: np.mean((ae.reconstruct(noisy) - X) ** 2)  # noqa: E731
    assert mse(dae) < mse(plain)


def test_noise_only_in_training(digits01):
    X, _ = digits01
    ae = AutoencoderTransformer(noise="masking", noise_level=0.5, max_epochs=2,
                                random_state=0).fit(X)
    np.testing.assert_array_equal(ae.transform(X), ae.transform(X))


def test_tied_weights_halve_the_weights(digits01):
    X, _ = digits01
    count = lambda ae: sum(p.numel() for p in ae.module_.parameters())  # noqa: E731
    free = AutoencoderTransformer((32,), code_size=4, max_epochs=1).fit(X)
    tied = AutoencoderTransformer((32,), code_size=4, max_epochs=1, tied_weights=True).fit(X)
    assert count(tied) < 0.6 * count(free)
    assert tied.reconstruct(X).shape == X.shape


def test_conv_autoencoder_refuses_empty_nd_input(digits01):
    # numpy's "cannot reshape array of size 0" came first
    X, _ = digits01
    cae = ConvAutoencoderTransformer(code_size=2, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match="0 sample"):
        cae.fit(np.zeros((0, 1, 8, 8)))
    cae.fit(X[:20].reshape(-1, 1, 8, 8))
    for method in (cae.transform, cae.reconstruct):
        with pytest.raises(ValueError, match="0 sample"):
            method(np.zeros((0, 1, 8, 8)))


def test_conv_autoencoder_images_flat_and_series(digits01):
    X, _ = digits01
    images = X.reshape(-1, 1, 8, 8)
    cae = ConvAutoencoderTransformer(
        code_size=8, max_epochs=30, batch_size=32, lr=3e-3, random_state=0
    ).fit(images)
    assert cae.input_shape_ == (1, 8, 8)
    assert cae.reconstruct(images).shape == images.shape
    assert cae.inverse_transform(cae.transform(images)).shape == images.shape
    baseline = np.mean((X - X.mean(0)) ** 2)
    assert -cae.score(images) < 0.6 * baseline
    flat = ConvAutoencoderTransformer(input_shape=(1, 8, 8), code_size=8, max_epochs=2,
                                      random_state=0).fit(X)
    assert flat.reconstruct(X).shape == X.shape
    series = np.random.RandomState(0).randn(40, 3, 17)
    cae1d = ConvAutoencoderTransformer(code_size=4, max_epochs=2, random_state=0).fit(series)
    assert cae1d.reconstruct(series).shape == (40, 3, 17)
    with pytest.raises(ValueError, match=r"expects \(3, 17\)"):
        cae1d.transform(np.zeros((2, 3, 16)))
    with pytest.raises(ValueError, match="holds 49 values, but X has 64 features"):
        ConvAutoencoderTransformer(input_shape=(1, 7, 7), max_epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"input_shape must be \(C, T\) for series "
                       r"or \(C, H, W\) for images; got \(-1, -64\)"):
        ConvAutoencoderTransformer(input_shape=(-1, -64), max_epochs=1).fit(X)
    # int() cut a float to another shape of another product silently
    with pytest.raises(ValueError, match=r"input_shape must hold integers; got "
                       r"\(2.9, 4\)"):
        ConvAutoencoderTransformer(input_shape=(2.9, 4), max_epochs=1).fit(X[:, :8])


def test_conv_autoencoder_reads_sktime_frames_as_series():
    # a df-list's (time x channels) frames were stacked as they are (ten
    # channels of one point for a univariate panel), and a pd-multiindex
    # panel was trained on as a table of one row per instance and time point
    import pandas as pd

    X = np.random.RandomState(0).randn(12, 2, 10)
    frames = [pd.DataFrame(series.T) for series in X]
    params = dict(code_size=2, max_epochs=2, random_state=0)
    from_frames = ConvAutoencoderTransformer(**params).fit(frames)
    from_array = ConvAutoencoderTransformer(**params).fit(X)
    assert from_frames.input_shape_ == (2, 10)
    np.testing.assert_array_equal(from_frames.transform(frames),
                                  from_array.transform(X))
    index = pd.MultiIndex.from_product([range(12), range(10)])
    panel = pd.DataFrame(X.transpose(0, 2, 1).reshape(120, 2), index=index)
    with pytest.raises(ValueError, match="X is a pd-multiindex panel"):
        ConvAutoencoderTransformer(**params).fit(panel)
    with pytest.raises(ValueError, match="X is a pd-multiindex panel"):
        from_array.transform(panel)



def test_conv_autoencoder_takes_flat_rows_under_any_row_index():
    # a table of flat image rows indexed by (subject, trial), as a scaler
    # with set_output(transform="pandas") passes it on, was refused as an
    # sktime panel although its columns are input_shape's values
    import pandas as pd
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    rng = np.random.RandomState(0)
    index = pd.MultiIndex.from_product([["a", "b"], range(10)])
    images = pd.DataFrame(rng.rand(20, 16), index=index)
    pipe = make_pipeline(MinMaxScaler(), ConvAutoencoderTransformer(
        input_shape=(1, 4, 4), channels=(2,), code_size=2, max_epochs=1,
        random_state=0)).set_output(transform="pandas")
    codes = pipe.fit_transform(images)
    assert codes.shape == (20, 2)
    plain = images.reset_index(drop=True)
    np.testing.assert_array_equal(pipe.transform(images).to_numpy(),
                                  pipe.transform(plain).to_numpy())


def test_conv_autoencoder_partial_fit_on_nd_chunks():
    # later calls compared the chunk's C (shape[1]) with n_features_in_ (C*T)
    series = np.random.RandomState(0).randn(32, 2, 8)
    cae = ConvAutoencoderTransformer(channels=(4,), code_size=2, max_epochs=1,
                                     random_state=0)
    for _ in range(3):
        cae.partial_fit(series)
    assert len(cae.history_) == 3
    cae.partial_fit(series.reshape(32, -1))  # flat rows: the layout stays N-D
    assert cae.inverse_transform(cae.transform(series)).shape == (32, 2, 8)
    with pytest.raises(ValueError, match=r"shape \(4, 4\).*expects \(2, 8\)"):
        cae.partial_fit(series.reshape(32, 4, 4))
    with pytest.raises(ValueError, match="X has 8 features.*expecting 16"):
        cae.partial_fit(series[:, :, :4])
    fitted = ConvAutoencoderTransformer(channels=(4,), code_size=2, max_epochs=2,
                                        random_state=0).fit(series)
    assert len(fitted.partial_fit(series).history_) == 3


def test_vae_transform_sample_and_elbo(digits01):
    X, _ = digits01
    vae = VariationalAutoencoder(likelihood="bernoulli", code_size=4, max_epochs=30,
                                 random_state=0).fit(X)
    assert vae.transform(X).shape == (500, 4)
    new = vae.sample(10, random_state=0)
    assert new.shape == (10, 64) and new.min() >= 0 and new.max() <= 1
    np.testing.assert_array_equal(new, vae.sample(10, random_state=0))
    # without an argument: the estimator's seed, not numpy's global generator
    _, key, position, *_ = np.random.get_state()
    np.testing.assert_array_equal(vae.sample(5), vae.sample(5))
    assert np.random.get_state()[2] == position
    np.testing.assert_array_equal(np.random.get_state()[1], key)
    assert not np.array_equal(vae.sample(5), vae.sample(5, random_state=1))
    elbo = vae.score_samples(X)
    assert np.all(np.isfinite(elbo)) and np.all(elbo < 0)
    noise = np.random.RandomState(0).uniform(size=(50, 64))
    assert vae.score_samples(noise).mean() < elbo.mean() - 5
    assert vae.loss_curve_[-1] < vae.loss_curve_[0]


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_vae_elbo_decodes_its_draws_together(digits01, monkeypatch, likelihood):
    # score_samples decodes the 32 draws of a batch in one call (it looped
    # over them, 3.5-7x slower); the value is the same draw-by-draw mean,
    # whatever the number of draws decoded per call.
    from skdeep.autoencoder import _variational
    from skdeep.autoencoder._modules import vae_terms

    X, _ = digits01
    vae = VariationalAutoencoder(likelihood=likelihood, code_size=3, max_epochs=2,
                                 batch_size=16, random_state=0).fit(X[:200])
    rows = X[200:250]
    elbo = vae.score_samples(rows)
    module = vae.module_.eval()
    draws = _variational._normal_draws(_variational._ELBO_DRAWS, 3).float()
    with torch.no_grad():
        x = torch.tensor(rows, dtype=torch.float32)
        mu, logvar = module.encode(x)
        terms = [vae_terms(module.decode(mu + torch.exp(0.5 * logvar) * e), mu,
                           logvar, x, likelihood) for e in draws]
    expected = -(torch.stack([nll for nll, _ in terms]).double().mean(0)
                 + terms[0][1].double()).numpy()
    np.testing.assert_allclose(elbo, expected, rtol=2e-6, atol=2e-5)
    for budget in (2 * 16 * 64, 1):  # 2 draws a call (16 rows of 64), then 1
        monkeypatch.setattr(_variational, "_ELBO_DECODE_VALUES", budget)
        np.testing.assert_allclose(vae.score_samples(rows), elbo, rtol=2e-6,
                                   atol=2e-5)


def test_vae_elbo_is_below_an_importance_sampled_log_likelihood(digits01):
    # the posterior mean decoded (a plug-in value, not the ELBO) was above
    # log p(x) on most held-out rows, by 0.5 to 1.5 nats
    import math

    X, _ = digits01
    vae = VariationalAutoencoder(likelihood="bernoulli", code_size=4, max_epochs=30,
                                 random_state=0).fit(X[:400])
    rows = X[400:440]
    elbo = vae.score_samples(rows)
    np.testing.assert_array_equal(vae.score_samples(rows[::-1])[::-1], elbo)
    module = vae.module_.eval()
    rng = np.random.RandomState(1)
    with torch.no_grad():
        mu, logvar = (t.double().numpy()
                      for t in module.encode(torch.tensor(rows, dtype=torch.float32)))
        log_px = []
        for x, m, lv in zip(rows, mu, logvar):  # proposal: the posterior, widened
            sd = 2 * np.exp(0.5 * lv)
            z = m + sd * rng.randn(4000, 4)
            logits = module.decode(torch.tensor(z, dtype=torch.float32))
            logits = logits.double().numpy()
            log_w = ((x * logits - np.logaddexp(0, logits)).sum(1)
                     - 0.5 * (z**2).sum(1)
                     + (0.5 * ((z - m) / sd) ** 2 + np.log(sd)).sum(1))
            log_px.append(np.logaddexp.reduce(log_w) - math.log(len(z)))
    gap = np.asarray(log_px) - elbo  # (here 0.11 on average, -0.02 at least)
    assert gap.mean() > 0.05 and gap.min() > -0.1


def test_vae_sample_codes_and_beta(digits_std):
    common = dict(code_size=2, max_epochs=10, random_state=0)
    vae = VariationalAutoencoder(sample_codes=True, **common).fit(digits_std)
    mean_codes = VariationalAutoencoder(**common).fit(digits_std).transform(digits_std)
    sampled = vae.transform(digits_std)
    assert not np.allclose(sampled, mean_codes)
    np.testing.assert_array_equal(sampled, vae.transform(digits_std))
    # a heavier KL weight pulls posteriors towards the prior
    heavy = VariationalAutoencoder(beta=20.0, **common).fit(digits_std)
    assert np.abs(heavy.transform(digits_std)).mean() < np.abs(mean_codes).mean()


def test_vae_bernoulli_needs_unit_interval(digits_std):
    with pytest.raises(ValueError, match="needs X in \\[0, 1\\]"):
        VariationalAutoencoder(likelihood="bernoulli", max_epochs=1).fit(digits_std)


def _planted_outliers(seed=0):
    rng = np.random.RandomState(seed)
    inliers = rng.randn(400, 3) @ rng.randn(3, 10)  # a 3-d subspace of 10-d
    outliers = rng.uniform(-6, 6, size=(20, 10))
    X = np.vstack([inliers, outliers])
    y = np.r_[np.zeros(400), np.ones(20)]
    return X, y


@pytest.mark.parametrize("variational", [False, True])
def test_outlier_detector_finds_planted_outliers(variational):
    X, y = _planted_outliers()
    # a short fixed schedule: the default 1000 steps are tested on wbc below
    det = AutoencoderOutlierDetector(
        contamination=0.05, variational=variational, max_epochs=40, random_state=0
    ).fit(X)
    assert roc_auc_score(y, -det.score_samples(X)) > 0.9
    labels = det.predict(X)
    assert set(np.unique(labels)) <= {-1, 1}
    assert abs((labels == -1).mean() - 0.05) < 0.02
    np.testing.assert_array_equal(labels == -1, det.decision_function(X) < 0)
    np.testing.assert_allclose(-det.decision_scores_, det.score_samples(X), rtol=1e-5)
    assert det.threshold_ == -det.offset_
    assert det.max_epochs_ == det.n_iter_ == 40


def test_trimmed_loss_leaves_out_the_largest_rows():
    import torch

    X = torch.zeros(10, 3)
    recon = torch.zeros(10, 3, requires_grad=True)
    with torch.no_grad():
        recon[:, 0] = torch.arange(10.0)  # row i has squared error i**2 / 3
    rows = (torch.arange(10.0) ** 2) / 3
    # trim=0.25 of 10 rows drops floor(2.5) = 2 rows, the two largest
    loss = TrimmedLoss(0.25)((recon, None), X)
    assert torch.isclose(loss, rows[:8].mean())
    loss.backward()
    assert torch.all(recon.grad[8:] == 0) and torch.all(recon.grad[1:8, 0] > 0)
    # no trim: the plain mean squared error
    plain = TrimmedLoss(0.0)((recon, None), X)
    assert torch.isclose(plain, torch.nn.functional.mse_loss(recon, X))
    # small batches lose no row
    assert torch.isclose(TrimmedLoss(0.25)((recon[:3], None), X[:3]), rows[:3].mean())


def _clustered_outliers(seed=0):
    # inliers near a plane in 8-d, 40 outliers in a tight cluster off it: a
    # plain loss spends the 2-d code on the cluster and learns to reconstruct it
    rng = np.random.RandomState(seed)
    basis = np.linalg.qr(rng.randn(8, 8))[0]
    inliers = (rng.randn(300, 2) * [2, 1]) @ basis[:, :2].T + 0.05 * rng.randn(300, 8)
    outliers = 3 * basis[:, 2] + 0.3 * rng.randn(40, 8)
    return np.vstack([inliers, outliers]), np.r_[np.zeros(300), np.ones(40)]


def test_outlier_detector_trim_ignores_a_planted_outlier_cluster():
    X, y = _clustered_outliers()
    common = dict(hidden_layer_sizes=(16,), code_size=2, dropout=0.0, batch_norm=False,
                  max_epochs=30, batch_size=32, random_state=0)
    plain = AutoencoderOutlierDetector(trim=0.0, **common).fit(X)
    trimmed = AutoencoderOutlierDetector(trim=0.2, **common).fit(X)
    auc_plain = roc_auc_score(y, plain.decision_scores_)
    auc_trimmed = roc_auc_score(y, trimmed.decision_scores_)
    assert auc_trimmed > 0.99 and auc_trimmed > auc_plain + 0.05
    # the outliers' error relative to the inliers' grows many times over
    ratio = lambda s: s[y == 1].mean() / s[y == 0].mean()  # noqa: E731
    assert ratio(trimmed.decision_scores_) > 5 * ratio(plain.decision_scores_)
    # scoring is unchanged: the same mean squared error per row
    np.testing.assert_allclose(
        -trimmed.score_samples(X), trimmed.decision_scores_, rtol=1e-5
    )


def test_outlier_detector_trim_variational():
    X, y = _clustered_outliers()
    common = dict(hidden_layer_sizes=(16,), code_size=2, variational=True, dropout=0.0,
                  batch_norm=False, max_epochs=30, batch_size=32, random_state=0)
    plain = AutoencoderOutlierDetector(trim=0.0, **common).fit(X)
    trimmed = AutoencoderOutlierDetector(trim=0.2, **common).fit(X)
    assert isinstance(trimmed.net_.criterion_, TrimmedLoss)
    assert trimmed.net_.criterion_.variational
    auc_trimmed = roc_auc_score(y, trimmed.decision_scores_)
    auc_plain = roc_auc_score(y, plain.decision_scores_)
    assert auc_trimmed > 0.95 and auc_trimmed >= auc_plain
    with pytest.raises(ValueError, match="trim"):
        AutoencoderOutlierDetector(trim=0.5).fit(X)


def test_outlier_detector_auto_epochs():
    # "auto" trains a fixed number of gradient steps, at most 20 passes
    assert AUTO_STEPS == 1000 and AUTO_MAX_EPOCHS == 20

    def outlier_epochs(n_rows, batch_size, steps=AUTO_STEPS, cap=AUTO_MAX_EPOCHS):
        return auto_epochs(n_rows, batch_size, steps, max_epochs=cap)

    assert outlier_epochs(29458, 64) == 3  # 461 batches per epoch, 1383 steps
    assert outlier_epochs(4561, 64) == 14  # 72 batches per epoch, 1008 steps
    assert outlier_epochs(1_000_000, 64) == 1
    # below about 64 * 1000 / 20 = 3200 rows the cap binds
    assert outlier_epochs(3129, 64) == 20  # 21 without the cap
    assert outlier_epochs(89, 64) == 20  # 2 batches per epoch: 40 steps, not 1000
    assert outlier_epochs(89, 64, cap=None) == 500
    assert outlier_epochs(89, 64, steps=10) == 5
    det = AutoencoderOutlierDetector()
    det._resolve_max_epochs(10_000)
    assert det.max_epochs_ == outlier_epochs(10_000, 64) == 7  # 157 batches per epoch
    det._resolve_max_epochs(420)
    assert det.max_epochs_ == 20
    # early stopping holds rows out, so "auto" counts the remaining ones
    det.set_params(early_stopping=True, validation_fraction=0.5, batch_size=70)
    det._resolve_max_epochs(det._rows_per_epoch(torch.zeros(10_000, 1), None))
    assert det.max_epochs_ == outlier_epochs(5000, 70) == 14
    det.set_params(max_epochs=7)._resolve_max_epochs(420)
    assert det.max_epochs_ == 7


def test_outlier_detector_on_odds_wbc():
    import scipy.io

    path = SHARED / "odds" / "wbc.mat"
    if not path.exists():
        pytest.skip("shared ODDS data not present")
    m = scipy.io.loadmat(path)
    X, y = m["X"].astype(float), m["y"].ravel()
    det = AutoencoderOutlierDetector(random_state=0).fit(X)  # the defaults
    assert roc_auc_score(y, -det.score_samples(X)) > 0.8  # published 0.85-0.94
    # max_epochs="auto": 378 rows are 6 batches of 64; 1000 steps would be
    # 167 epochs, the cap makes it 20
    assert det.max_epochs_ == det.n_iter_ == 20
    assert det.trim == 0.2 and isinstance(det.net_.criterion_, TrimmedLoss)


def test_conv_autoencoder_reads_nd_tensors_and_nested_lists():
    # only numpy arrays were read as (n, C, H, W): "Found array with dim 4"
    images = np.random.RandomState(0).rand(20, 1, 4, 4)
    params = dict(channels=(2,), code_size=2, max_epochs=1, random_state=0)
    ref = ConvAutoencoderTransformer(**params).fit(images)
    for form in (torch.tensor(images), images.tolist()):
        est = ConvAutoencoderTransformer(**params).fit(form)
        assert est.input_shape_ == (1, 4, 4)
        np.testing.assert_array_equal(est.transform(form), ref.transform(images))


def test_vae_sample_and_masking_noise_check_their_numbers():
    X = np.random.RandomState(0).rand(64, 4)
    vae = VariationalAutoencoder((4,), max_epochs=1, random_state=0).fit(X)
    for bad in (0, -1, 2.0, True):  # internal errors, or an empty draw
        with pytest.raises(ValueError, match="n_samples must be an int >= 1"):
            vae.sample(bad)
    assert vae.sample(np.int64(3)).shape == (3, 4)
    # a masking probability above 1 zeroed every entry: nothing to learn
    for est in (AutoencoderTransformer((4,), code_size=2),
                ConvAutoencoderTransformer(code_size=2)):
        with pytest.raises(ValueError, match=r"noise_level, which must be in \[0, 1\]"):
            est.set_params(noise="masking", noise_level=3.0, max_epochs=1).fit(X)
        est.set_params(noise="gaussian").fit(X)  # a scale: any size


@pytest.mark.parametrize("make, change", [
    (lambda: AutoencoderTransformer((8,), code_size=2, max_epochs=2, random_state=0),
     {"sparsity": 5.0}),
    (lambda: VariationalAutoencoder((8,), code_size=2, max_epochs=2, random_state=0),
     {"beta": 4.0}),
])
def test_partial_fit_trains_on_a_loss_parameter_set_since(make, change, tmp_path):
    # the continued net kept the fit's loss (sparsity 0, beta 1) while a
    # model saved and loaded got the new one: the same calls, two models
    from skdeep import io

    X = np.random.RandomState(0).rand(40, 5)
    model = make().fit(X)
    io.save(model, tmp_path / "m.skdeep")
    model.set_params(**change).partial_fit(X)
    loaded = io.load(tmp_path / "m.skdeep").set_params(**change).partial_fit(X)
    for name, value in change.items():
        assert getattr(model.net_.criterion_, name) == value
    np.testing.assert_allclose(model.transform(X), loaded.transform(X), rtol=1e-6)


def test_vae_likelihood_set_since_fit_changes_nothing_until_refit():
    # inverse_transform and score_samples switched to Bernoulli at once
    # (sigmoid outputs, cross-entropy) while the decoder was trained for a
    # Gaussian mean, and partial_fit trained on with the Gaussian loss
    X = np.random.RandomState(0).rand(40, 5)
    vae = VariationalAutoencoder((8,), code_size=2, max_epochs=2, random_state=0).fit(X)
    codes = vae.transform(X)
    before = vae.inverse_transform(codes), vae.score_samples(X)
    vae.set_params(likelihood="bernoulli")
    np.testing.assert_array_equal(vae.inverse_transform(codes), before[0])
    np.testing.assert_array_equal(vae.score_samples(X), before[1])
    with pytest.raises(ValueError, match="cannot continue"):
        vae.partial_fit(X)
    refit = vae.fit(X)  # now Bernoulli: outputs in (0, 1)
    out = refit.inverse_transform(refit.transform(X))
    assert out.min() > 0 and out.max() < 1


def test_outlier_detector_standardizes_large_float32_features():
    # float32 statistics: the squares of a feature of about 1e20 overflowed,
    # its scale was inf, and an extreme value of it was called an inlier
    X = np.random.RandomState(0).randn(60, 3)
    X[:, 0] *= 1e20
    query = np.array([[50e20, 0.0, 0.0]])
    kw = dict(hidden_layer_sizes=(8,), max_epochs=3, random_state=0)
    d64 = AutoencoderOutlierDetector(**kw).fit(X)
    d32 = AutoencoderOutlierDetector(**kw).fit(X.astype(np.float32))
    np.testing.assert_allclose(d32.scale_, d64.scale_, rtol=1e-5)
    assert np.isfinite(d32.scale_).all()
    assert d32.predict(query.astype(np.float32))[0] == d64.predict(query)[0] == -1


def test_conv_autoencoder_without_convolutions_has_a_linear_output():
    # channels=(): the decoder's only layer ended in the activation, so under
    # ReLU no reconstruction was negative (half of standardized data)
    X = np.random.RandomState(0).randn(100, 1, 4, 4)
    ae = ConvAutoencoderTransformer(channels=(), code_size=16, max_epochs=30, lr=0.01,
                                    random_state=0).fit(X)
    assert ae.reconstruct(X).min() < -0.5


def test_every_autoencoder_reconstructs():
    # the variational autoencoder (and the outlier detector) had no
    # reconstruct, so swapping one in for AutoencoderTransformer failed
    from skdeep.autoencoder import (
        AutoencoderOutlierDetector,
        VariationalAutoencoder,
    )

    X = np.random.RandomState(0).randn(40, 4)
    vae = VariationalAutoencoder(max_epochs=2, random_state=0).fit(X)
    np.testing.assert_allclose(vae.reconstruct(X),
                               vae.inverse_transform(vae.transform(X)), rtol=1e-6)
    detector = AutoencoderOutlierDetector(max_epochs=2, random_state=0).fit(X)
    assert detector.reconstruct(X).shape == X.shape
    with pytest.raises(ValueError, match="features"):
        vae.reconstruct(X[:, :3])


@pytest.mark.parametrize("variational", [False, True])
def test_outlier_detector_reconstructs_in_the_units_of_X(variational):
    # reconstruct fed the raw rows to the network trained on standardized
    # ones and returned standardized units: rows near 100 came back near 0
    from skdeep.autoencoder import AutoencoderOutlierDetector

    rng = np.random.RandomState(0)
    X = 100.0 + 10.0 * rng.randn(200, 4)
    detector = AutoencoderOutlierDetector(
        hidden_layer_sizes=(8,), code_size=4, max_epochs=10, random_state=0,
        variational=variational,
    ).fit(X)
    reconstructed = detector.reconstruct(X)
    # the same as reconstructing the standardized rows and mapping back
    Xs = (X - detector.mean_) / detector.scale_
    expected = detector._reconstruct(Xs) * detector.scale_ + detector.mean_
    np.testing.assert_allclose(reconstructed, expected, rtol=1e-5)
    assert np.mean((reconstructed - X) ** 2) < np.var(X, axis=0).sum()
    assert detector.reconstruct(X.astype(np.float32)).dtype == np.float32
