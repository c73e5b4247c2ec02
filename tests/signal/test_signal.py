"""Tests of the signal family: wavelet and Fourier features, wavelet denoising."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import pytest
import pywt
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep.signal import FFTFeaturizer, WaveletDenoiser, WaveletFeaturizer

RNG = np.random.RandomState(0)
X3 = RNG.randn(12, 3, 96)
X2 = X3[:, 0].copy()

FEATURIZERS = [
    WaveletFeaturizer(),
    WaveletFeaturizer("haar", level=3, statistics=["energy", "percentiles"],
                      percentiles=[10, 90]),
    WaveletFeaturizer("db2", decomposition="wpt", level=3),
    WaveletFeaturizer("morl", decomposition="cwt", scales=[1, 2, 4, 8]),
    WaveletFeaturizer("cmor1.5-1.0", decomposition="cwt", scales=3),
    WaveletFeaturizer("sym3", output="coefficients"),
    WaveletFeaturizer("db2", decomposition="wpt", level=2, output="coefficients"),
    WaveletFeaturizer("mexh", decomposition="cwt", scales=2, output="coefficients"),
    FFTFeaturizer(),
    FFTFeaturizer(3, phases=True, bands=[0, 0.05, 0.2, 0.5], window="hann",
                  detrend="linear", features=["peaks", "band_powers"]),
]
ALL = FEATURIZERS + [WaveletDenoiser(), WaveletDenoiser("haar", threshold="universal")]


def _id(est):
    return repr(est)


def _sine(T=256, freq=5.0, n=20, noise=0.3, seed=0):
    t = np.linspace(0, 1, T, endpoint=False)
    clean = np.sin(2 * np.pi * freq * t) + 0.5 * np.sin(2 * np.pi * 2 * freq * t)
    clean = np.tile(clean, (n, 1))
    noisy = clean + noise * np.random.RandomState(seed).randn(n, T)
    return clean, noisy


def _snr_db(clean, estimate):
    return 10 * np.log10(np.sum(clean**2) / np.sum((clean - estimate) ** 2))


# -- shapes, names, 3-D input ---------------------------------------------------


@pytest.mark.parametrize("est", FEATURIZERS, ids=_id)
@pytest.mark.parametrize("X", [X2, X3], ids=["2d", "3d"])
def test_feature_names_match_feature_count(est, X):
    Xt = clone(est).fit(X).transform(X)
    names = clone(est).fit(X).get_feature_names_out()
    assert Xt.shape == (X.shape[0], len(names))
    assert len(set(names)) == len(names)
    assert np.isfinite(Xt).all()
    if X.ndim == 3:
        assert all(n.startswith(("c0_", "c1_", "c2_")) for n in names)


@pytest.mark.parametrize("est", FEATURIZERS, ids=_id)
def test_3d_channels_are_featurized_independently(est):
    est = clone(est).fit(X3)
    Xt = est.transform(X3)
    per_channel = [clone(est).fit(X3[:, c]).transform(X3[:, c]) for c in range(3)]
    np.testing.assert_allclose(Xt, np.hstack(per_channel), rtol=1e-10, atol=1e-12)
    # (n, 1, T) and (n, T) give the same numbers
    np.testing.assert_allclose(
        clone(est).fit_transform(X3[:, :1]), per_channel[0], rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("est", ALL, ids=_id)
def test_batch_vectorization_has_no_cross_talk(est):
    full = clone(est).fit(X3).transform(X3)
    single = np.concatenate([clone(est).fit(X3).transform(X3[i : i + 1]) for i in
                             range(len(X3))])
    np.testing.assert_allclose(full, single, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("est", ALL, ids=_id)
def test_deterministic_and_float32(est):
    a = clone(est).fit_transform(X3)
    b = clone(est).fit_transform(X3)
    np.testing.assert_array_equal(a, b)
    X32 = X3.astype(np.float32)
    out32 = clone(est).fit_transform(X32)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, a, rtol=1e-3, atol=1e-3 * np.abs(a).max())


@pytest.mark.parametrize("est", ALL, ids=_id)
def test_stateless_transform_without_fit(est):
    assert est.__sklearn_tags__().requires_fit is False
    assert est.__sklearn_tags__().input_tags.three_d_array is True
    np.testing.assert_array_equal(
        clone(est).transform(X3), clone(est).fit(X3).transform(X3)
    )
    fitted = clone(est).fit(X3)
    assert (fitted.n_features_in_, fitted.n_channels_, fitted.n_timepoints_) == (
        3, 3, 96)
    fitted = clone(est).fit(X2)
    assert (fitted.n_features_in_, fitted.n_channels_, fitted.n_timepoints_) == (
        96, 1, 96)
    # a DataFrame unfitted: no warning that it was "fitted without feature
    # names" (it was never fitted)
    import pandas as pd

    frame = pd.DataFrame(X2, columns=[f"t{i}" for i in range(X2.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(clone(est).transform(frame),
                                   clone(est).transform(X2), rtol=1e-12)


# -- bad input ------------------------------------------------------------------


@pytest.mark.parametrize("est", ALL, ids=_id)
def test_errors_on_bad_input(est):
    bad = X3.copy()
    bad[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clone(est).fit(bad)
    fitted = clone(est).fit(X3)
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(bad)
    with pytest.raises(ValueError, match="length 95"):
        fitted.transform(X3[..., :-1])
    with pytest.raises(ValueError, match="features"):  # channel count
        fitted.transform(X3[:, :2])
    with pytest.raises(ValueError, match="features"):  # 2-D after 3-D
        fitted.transform(X2)
    with pytest.raises(ValueError, match="fitted on 2-D"):  # 3-D after 2-D
        clone(est).fit(X2).transform(np.zeros((2, 96, 96)))
    with pytest.raises(ValueError):
        clone(est).fit(X3[..., None])
    # stateless: a single series is fine, in fit as in transform
    np.testing.assert_allclose(clone(est).fit_transform(X3[:1]), fitted.transform(
        X3)[:1], rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError):
        clone(est).fit(X2[0])


@pytest.mark.parametrize(
    "est, match",
    [
        (WaveletFeaturizer("not-a-wavelet"), "not a discrete"),
        (WaveletFeaturizer("morl"), "not a discrete"),
        (WaveletFeaturizer("db4", decomposition="cwt"), "not a continuous"),
        (WaveletFeaturizer(statistics=["energy", "kurtosis"]), "statistics"),
        (WaveletFeaturizer(statistics=[]), "statistics"),
        (WaveletFeaturizer(percentiles=[50, 150]), "percentiles"),
        (WaveletFeaturizer("morl", decomposition="cwt", scales=[1, -2]), "scales"),
        (WaveletFeaturizer(mode="wrap"), "mode"),
        (WaveletFeaturizer(level=0), "level"),
        (WaveletDenoiser("morl"), "not a discrete"),
        (WaveletDenoiser(threshold="sure"), "threshold"),
        (WaveletDenoiser(sigma=0.0), "sigma"),
        (FFTFeaturizer(bands=[0.3, 0.1]), "bands"),
        (FFTFeaturizer(window="no-such-window"), "window"),
        (FFTFeaturizer(features=["peaks", "flatness"]), "features"),
        (FFTFeaturizer(n_frequencies=0), "n_frequencies"),
    ],
    ids=repr,
)
def test_invalid_parameters(est, match):
    with pytest.raises(ValueError, match=match):
        est.fit(X2)


# -- WaveletFeaturizer against PyWavelets ------------------------------------------


def test_dwt_coefficients_and_statistics_match_pywt():
    coeffs = pywt.wavedec(X2, "db3", mode="periodization", level=3, axis=-1)
    raw = WaveletFeaturizer("db3", level=3, mode="periodization",
                            output="coefficients").fit_transform(X2)
    np.testing.assert_allclose(raw, np.concatenate(coeffs, axis=-1))
    wf = WaveletFeaturizer("db3", level=3, mode="periodization",
                           percentiles=[50]).fit(X2)
    Xt = wf.transform(X2)
    names = list(wf.get_feature_names_out())
    assert names[:3] == ["a3_energy", "a3_relative_energy", "a3_entropy"]
    energy = np.stack([np.sum(c**2, axis=1) for c in coeffs], axis=1)
    col = {n: Xt[:, i] for i, n in enumerate(names)}
    for j, band in enumerate(["a3", "d3", "d2", "d1"]):
        c = coeffs[j]
        np.testing.assert_allclose(col[f"{band}_energy"], energy[:, j])
        np.testing.assert_allclose(col[f"{band}_relative_energy"],
                                   energy[:, j] / energy.sum(axis=1))
        p = c**2 / np.sum(c**2, axis=1, keepdims=True)
        np.testing.assert_allclose(col[f"{band}_entropy"],
                                   -np.sum(p * np.log(p), axis=1))
        np.testing.assert_allclose(col[f"{band}_mean"], c.mean(axis=1))
        np.testing.assert_allclose(col[f"{band}_std"], c.std(axis=1))
        np.testing.assert_allclose(col[f"{band}_min"], c.min(axis=1))
        np.testing.assert_allclose(col[f"{band}_max"], c.max(axis=1))
        np.testing.assert_allclose(col[f"{band}_p50"], np.median(c, axis=1))
        crossings = [np.sum(np.diff(np.sign(row)) != 0) for row in c]
        np.testing.assert_allclose(col[f"{band}_zero_crossings"], crossings)
    # orthogonal wavelet + periodization: energy is preserved (Parseval)
    np.testing.assert_allclose(energy.sum(axis=1), np.sum(X2**2, axis=1))


def test_wavelet_packet_matches_pywt_per_series():
    wf = WaveletFeaturizer("db2", decomposition="wpt", level=2, output="coefficients")
    Xt = wf.fit_transform(X2)
    bands = [n.split("_")[0] for n in wf.get_feature_names_out()]
    assert list(dict.fromkeys(bands)) == ["aa", "ad", "dd", "da"]  # frequency order
    for i in (0, 5):
        wp = pywt.WaveletPacket(X2[i], "db2", mode="symmetric", maxlevel=2)
        expected = np.concatenate([n.data for n in wp.get_level(2, order="freq")])
        np.testing.assert_allclose(Xt[i], expected)


def test_cwt_matches_pywt_and_names_scales():
    scales = [1.0, 2.5, 6.0]
    wf = WaveletFeaturizer("morl", decomposition="cwt", scales=scales,
                           output="coefficients")
    Xt = wf.fit_transform(X2)
    coef, _ = pywt.cwt(X2[3], scales, "morl", method="fft")
    np.testing.assert_allclose(Xt[3], coef.ravel(), atol=1e-10)
    assert wf.get_feature_names_out()[96] == "s2.5_0"
    stats = WaveletFeaturizer("morl", decomposition="cwt", scales=scales,
                              statistics=["energy"]).fit_transform(X2)
    np.testing.assert_allclose(stats[3], np.sum(coef**2, axis=1), rtol=1e-10)


def test_wavelet_energy_tracks_frequency():
    """A fast oscillation puts its energy in fine levels, a slow one in coarse."""
    t = np.arange(256)
    slow = np.tile(np.sin(2 * np.pi * t / 48), (2, 1))  # in d5: 1/64 to 1/32
    fast = np.tile(np.sin(2 * np.pi * t / 2.5), (2, 1))  # in d1: 1/4 to 1/2
    wf = WaveletFeaturizer("db4", level=5, statistics=["relative_energy"])
    names = list(wf.fit(slow).get_feature_names_out())
    e_slow, e_fast = wf.transform(slow)[0], wf.transform(fast)[0]
    assert names[int(np.argmax(e_fast))] == "d1_relative_energy"
    assert names[int(np.argmax(e_slow))] == "d5_relative_energy"


def test_default_level_and_short_series():
    # ItalyPowerDemand-like length: db4 allows only one level
    X = RNG.randn(5, 24)
    wf = WaveletFeaturizer().fit(X)
    assert wf.get_feature_names_out()[0] == "a1_energy"
    with pytest.warns(UserWarning, match="too high"):  # explicit level is honoured
        WaveletFeaturizer(level=3).fit_transform(X)


# -- FFTFeaturizer --------------------------------------------------------------


def test_fft_peaks_bands_centroid_entropy():
    fs, T = 200.0, 400
    t = np.arange(T) / fs
    X = np.stack([
        3.0 * np.cos(2 * np.pi * 10 * t) + 1.0 * np.cos(2 * np.pi * 60 * t),
        2.0 * np.sin(2 * np.pi * 40 * t) + 5.0,  # offset removed by detrend
        np.random.RandomState(1).randn(T),
    ])
    fft = FFTFeaturizer(2, phases=True, bands=[0, 25, 50, 100], sampling_rate=fs)
    Xt = fft.fit_transform(X)
    col = {n: Xt[:, i] for i, n in enumerate(fft.get_feature_names_out())}
    np.testing.assert_allclose(col["peak1_freq"][:2], [10, 40])
    np.testing.assert_allclose(col["peak2_freq"][0], 60)
    np.testing.assert_allclose(col["peak1_amplitude"][:2], [3, 2])
    np.testing.assert_allclose(col["peak2_amplitude"][0], 1)
    np.testing.assert_allclose(col["peak1_phase"][:2], [0, -np.pi / 2], atol=1e-9)
    bands = np.stack([col["band_0-25_power"], col["band_25-50_power"],
                      col["band_50-100_power"]], axis=1)
    np.testing.assert_allclose(bands[0], [4.5, 0, 0.5], atol=1e-9)
    # Parseval: band powers over [0, fs/2] sum to the mean square
    np.testing.assert_allclose(bands.sum(axis=1), np.mean(
        (X - X.mean(axis=1, keepdims=True)) ** 2, axis=1))
    np.testing.assert_allclose(col["spectral_centroid"][:2], [(4.5 * 10 + 0.5 * 60) / 5,
                                                              40])
    assert col["spectral_entropy"][1] < 0.01 < 0.9 < col["spectral_entropy"][2] <= 1


def test_fft_bins_on_band_edges_fall_in_the_upper_band():
    # rfftfreq rounds: the Nyquist bin of fs=250, T=120 was 125.00000000000001,
    # in no band (the band powers lost the tone, Parseval failed), and a bin
    # of exactly 8 Hz (fs=128, T=784) was 7.999999999999999, in the 4-8 band
    fs, T = 250.0, 120
    X = np.cos(np.pi * np.arange(T))[None] + 0.5 * np.sin(
        2 * np.pi * 20 * np.arange(T) / fs)[None]
    bands = FFTFeaturizer(sampling_rate=fs, features=["band_powers"]).fit_transform(X)
    np.testing.assert_allclose(bands.sum(), np.mean((X - X.mean()) ** 2))
    assert bands[0, -1] > 0.99
    fs, T = 128.0, 784
    X = np.cos(2 * np.pi * 8.0 * np.arange(T) / fs)[None]
    fft = FFTFeaturizer(1, sampling_rate=fs, bands=[1, 4, 8, 13, 30],
                        features=["peaks", "band_powers"]).fit(X)
    col = dict(zip(fft.get_feature_names_out(), fft.transform(X)[0]))
    assert col["peak1_freq"] == 8.0
    np.testing.assert_allclose([col["band_4-8_power"], col["band_8-13_power"]],
                               [0, 0.5], atol=1e-12)
    # the default bands (4, sampling_rate=1): a bin of 49 / 392 = 0.125
    X = np.cos(2 * np.pi * 49 / 392 * np.arange(392))[None]
    np.testing.assert_allclose(FFTFeaturizer(features=["band_powers"]).fit_transform(X),
                               [[0, 0.5, 0, 0]], atol=1e-12)
    # a decimal rate and edge: bin 3 of fs=0.3, T=18 is 0.049999999999999996
    # in any order of rounding, the edge 0.05 (within the tolerance)
    fs, T = 0.3, 18
    X = np.cos(2 * np.pi * 3 / T * np.arange(T))[None]
    np.testing.assert_allclose(FFTFeaturizer(
        sampling_rate=fs, bands=[0, 0.05, 0.15], features=["band_powers"]
    ).fit_transform(X), [[0, 0.5]], atol=1e-12)


def test_fft_more_frequencies_than_bins():
    X = RNG.randn(4, 6)  # 4 bins
    fft = FFTFeaturizer(10, features=["peaks"]).fit(X)
    assert fft.transform(X).shape == (4, 8) == (4, len(fft.get_feature_names_out()))


# -- WaveletDenoiser ------------------------------------------------------------


@pytest.mark.parametrize("threshold", ["universal", "bayes"])
@pytest.mark.parametrize("threshold_mode", ["soft", "hard"])
@pytest.mark.parametrize("wavelet", ["db4", "sym8"])
def test_denoiser_raises_snr(threshold, threshold_mode, wavelet):
    clean, noisy = _sine()
    den = WaveletDenoiser(wavelet, threshold=threshold, threshold_mode=threshold_mode)
    denoised = den.fit_transform(noisy)
    assert denoised.shape == noisy.shape
    gain = _snr_db(clean, denoised) - _snr_db(clean, noisy)
    assert gain > 3.0, f"SNR gain only {gain:.2f} dB"


def test_denoiser_3d_known_sigma_and_clean_signal():
    clean, noisy = _sine(n=6)
    X = np.stack([noisy, noisy[::-1]], axis=1)  # (6, 2, 256)
    den = WaveletDenoiser("db4", level=4).fit(X)
    out = den.transform(X)
    assert out.shape == X.shape
    np.testing.assert_allclose(out[:, 1], clone(den).fit_transform(noisy[::-1]),
                               rtol=1e-12)
    assert len(den.get_feature_names_out()) == 2 * 256
    known = WaveletDenoiser("db4", level=4, sigma=0.3).fit_transform(noisy)
    assert _snr_db(clean, known) > _snr_db(clean, noisy) + 3
    # noise-free piecewise-constant series (Haar) are left as they are
    steps = np.repeat(RNG.randn(4, 8), 16, axis=1)
    np.testing.assert_allclose(WaveletDenoiser("haar").fit_transform(steps), steps,
                               atol=1e-12)


def test_denoiser_keeps_pandas_column_names():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X2, columns=[f"t{i}" for i in range(96)])
    den = WaveletDenoiser().set_output(transform="pandas").fit(df)
    out = den.transform(df)
    assert list(out.columns) == list(df.columns)


# -- in scikit-learn and sktime pipelines -----------------------------------------


def _two_class_signals(n=60, T=128, seed=0):
    rs = np.random.RandomState(seed)
    t = np.arange(T)
    y = np.arange(n) % 2
    freq = np.where(y == 0, 1 / 32, 1 / 8)[:, None]
    X = np.sin(2 * np.pi * freq * t + rs.uniform(0, 6, (n, 1))) + rs.randn(n, T)
    return X, y


@pytest.mark.parametrize("featurizer", [
    WaveletFeaturizer("db4", level=4), FFTFeaturizer(3),
    WaveletFeaturizer("morl", decomposition="cwt", scales=8),
], ids=_id)
def test_sklearn_pipeline_learns(featurizer):
    X, y = _two_class_signals()
    pipe = make_pipeline(featurizer, StandardScaler(), LogisticRegression())
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.85


def test_grid_search_over_featurizer_parameters():
    X, y = _two_class_signals()
    pipe = make_pipeline(WaveletDenoiser(), WaveletFeaturizer(), StandardScaler(),
                         RidgeClassifierCV())
    grid = GridSearchCV(pipe, {"waveletfeaturizer__wavelet": ["haar", "db4"],
                               "waveletdenoiser__threshold": ["bayes", "universal"]},
                        cv=3).fit(X, y)
    assert grid.best_score_ > 0.85


def test_sktime_pipeline():
    pytest.importorskip("sktime")
    from sktime.datasets import load_basic_motions

    from skdeep.signal import SktimeAdapter

    X, y = load_basic_motions(split="train", return_X_y=True)  # nested pandas
    X_test, y_test = load_basic_motions(split="test", return_X_y=True)
    # Band statistics differ in scale by orders of magnitude: scale them
    # before the linear model (unscaled, RidgeClassifierCV scores 0.70).
    classifier = make_pipeline(StandardScaler(), RidgeClassifierCV())
    pipe = SktimeAdapter(WaveletFeaturizer("db2", level=3)) * classifier
    assert pipe.fit(X, y).score(X_test, y_test) > 0.9
    feats = SktimeAdapter(FFTFeaturizer(2)).fit_transform(X)
    X_np = np.stack([np.stack(list(row)) for row in X.to_numpy()])
    names = FFTFeaturizer(2).fit(X_np).get_feature_names_out()
    assert list(feats.columns) == list(names)
    den = SktimeAdapter(WaveletDenoiser("haar"))
    assert den.get_tag("scitype:transform-output") == "Series"
    chained = (den * SktimeAdapter(FFTFeaturizer(2))).fit_transform(X)
    assert chained.shape == (40, 6 * 10)


def test_sktime_adapter_in_a_scikit_learn_pipeline():
    # scikit-learn >= 1.9 sets a callback context on each step it fits and
    # deletes it afterwards; sktime's reset (the start of fit) deleted it
    # first: AttributeError from Pipeline, cached Pipeline and GridSearchCV
    pytest.importorskip("sktime")
    from sklearn.datasets import load_digits

    from skdeep.signal import SktimeAdapter

    X, y = load_digits(return_X_y=True)
    X, y = (X[:200] / 16.0)[:, None, :], y[:200]  # 200 series of 64 steps
    features = WaveletFeaturizer("haar", level=2).fit_transform(X)
    pipe = make_pipeline(SktimeAdapter(WaveletFeaturizer("haar", level=2)),
                         StandardScaler())
    np.testing.assert_allclose(pipe.fit(X, y).transform(X),
                               StandardScaler().fit_transform(features))
    assert not hasattr(pipe[0], "_parent_callback_ctx")  # (removed after)
    grid = GridSearchCV(
        make_pipeline(SktimeAdapter(WaveletFeaturizer("haar", level=2)),
                      StandardScaler(), RidgeClassifierCV()),
        {"standardscaler__with_mean": [True, False]}, cv=2,
    ).fit(X, y)
    assert grid.best_score_ > 0.5


def test_sktime_adapter_ignores_pandas_output_of_what_it_wraps():
    # with pandas output (set on the wrapped transformer or globally) the
    # features came back all NaN (a frame of rows 0..n-1 reindexed by the
    # instance labels), and a denoiser raised NotFittedError
    pytest.importorskip("sktime")
    import pandas as pd
    import sklearn

    from skdeep.signal import SktimeAdapter

    index = pd.MultiIndex.from_product([["s1", "s2", "s3"], range(16)],
                                       names=["instance", "time"])
    X = pd.DataFrame({"c0": np.random.RandomState(0).randn(48)}, index=index)
    fft = FFTFeaturizer(n_frequencies=1, features=["peaks"])
    expected = SktimeAdapter(fft).fit_transform(X)
    assert np.isfinite(expected.to_numpy()).all()
    pandas_fft = clone(fft).set_output(transform="pandas")
    pd.testing.assert_frame_equal(SktimeAdapter(pandas_fft).fit_transform(X),
                                  expected)
    denoised = SktimeAdapter(WaveletDenoiser("haar", level=1)).fit_transform(X)
    with sklearn.config_context(transform_output="pandas"):
        pd.testing.assert_frame_equal(SktimeAdapter(fft).fit_transform(X), expected)
        pd.testing.assert_frame_equal(
            SktimeAdapter(WaveletDenoiser("haar", level=1)).fit_transform(X),
            denoised,
        )


# (sktime's own forecasters announce a change of their remember_data default)
@pytest.mark.filterwarnings("ignore:The default of config ``remember_data``")
def test_sktime_adapter_keeps_the_index_and_denoises_a_forecasters_target():
    # sktime's numpy3D inner type dropped every index: a denoised series came
    # back on a RangeIndex, panel instances were renumbered, and in a
    # TransformedTargetForecaster the denoiser failed (no inverse_transform)
    pytest.importorskip("sktime")
    from sktime.datasets import load_airline, load_basic_motions
    from sktime.forecasting.compose import TransformedTargetForecaster
    from sktime.forecasting.naive import NaiveForecaster

    from skdeep.signal import SktimeAdapter

    y = load_airline()
    denoised = SktimeAdapter(WaveletDenoiser("haar")).fit_transform(y)
    assert denoised.index.equals(y.index) and denoised.name == y.name
    np.testing.assert_allclose(denoised.to_numpy(),
                               WaveletDenoiser("haar").transform(y.to_numpy()[None])[0])
    forecaster = TransformedTargetForecaster(
        [("denoise", SktimeAdapter(WaveletDenoiser("haar"))),
         ("forecast", NaiveForecaster())])
    forecast = forecaster.fit(y, fh=[1, 2]).predict()
    assert [str(p) for p in forecast.index] == ["1961-01", "1961-02"]
    X, _ = load_basic_motions(split="train", return_X_y=True)
    X = X.iloc[:4]
    X.index = list("abcd")
    features = SktimeAdapter(WaveletFeaturizer("haar", level=2)).fit_transform(X)
    assert features.index.tolist() == list("abcd")


def test_sktime_adapter_reads_channels_by_name():
    # a panel whose columns came in another order was featurized with its
    # channels swapped, and unknown channel names were accepted
    pytest.importorskip("sktime")
    import pandas as pd
    from sktime.datatypes import convert_to

    from skdeep.signal import SktimeAdapter

    rng = np.random.RandomState(0)
    index = pd.MultiIndex.from_product([range(6), range(16)], names=["id", "t"])
    X = pd.DataFrame({"acc": rng.randn(96), "gyro": 100 * rng.randn(96)}, index=index)
    adapter = SktimeAdapter(FFTFeaturizer(2, bands=2)).fit(X)
    expected = adapter.transform(X)
    pd.testing.assert_frame_equal(adapter.transform(X[["gyro", "acc"]]), expected)
    with pytest.raises(ValueError, match=r"\['acc', 'temp'\].*\['acc', 'gyro'\]"):
        adapter.transform(X.rename(columns={"gyro": "temp"}))
    # an array's channels (sktime names them var_0, var_1) go by position
    X3 = convert_to(X, "numpy3D")
    np.testing.assert_array_equal(adapter.transform(X3).to_numpy(),
                                  expected.to_numpy())
    # ... a single series as a 2-D array (time points by channels; sktime
    # names them 0, 1) too
    np.testing.assert_array_equal(adapter.transform(X3[0].T).to_numpy(),
                                  expected.to_numpy()[:1])
    # fitted on an array, a frame whose columns are its names in another
    # order is put back in order (it was read by position)
    from_array = SktimeAdapter(FFTFeaturizer(2, bands=2)).fit(X3)
    named = convert_to(X3, "pd-multiindex")
    assert list(named.columns) == ["var_0", "var_1"]
    pd.testing.assert_frame_equal(from_array.transform(named[["var_1", "var_0"]]),
                                  from_array.transform(named))


def test_sktime_adapter_in_scikit_learn_pipelines_names_its_features():
    pytest.importorskip("sktime")
    import pandas as pd
    from sklearn.exceptions import NotFittedError

    from skdeep.signal import SktimeAdapter

    X3 = np.random.RandomState(0).randn(10, 2, 16)
    fft = FFTFeaturizer(2, bands=2)
    pipe = make_pipeline(SktimeAdapter(fft), StandardScaler())
    with pytest.raises(NotFittedError):
        pipe[0].get_feature_names_out()
    names = clone(fft).fit(X3).get_feature_names_out()
    np.testing.assert_array_equal(pipe.fit(X3).get_feature_names_out(), names)
    out = pipe.set_output(transform="pandas").fit_transform(X3)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(names)
    with pytest.raises(ValueError, match="pandas frames"):
        SktimeAdapter(fft).set_output(transform="polars")
    # series in, series out: no feature names
    assert not hasattr(SktimeAdapter(WaveletDenoiser("haar")), "get_feature_names_out")


def test_sktime_adapter_clear_errors():
    pytest.importorskip("sktime")
    import pandas as pd
    from sktime.transformations.series.summarize import SummaryTransformer

    from skdeep.signal import SktimeAdapter

    index = pd.MultiIndex.from_product([range(3), range(8)])
    panel = pd.DataFrame(np.zeros((24, 2)), index=index, columns=["a", "b"])
    with pytest.raises(ValueError, match="empty panel"):  # (numpy's reshape error)
        SktimeAdapter(FFTFeaturizer(2)).fit_transform(panel.iloc[:0])
    # (failed in transform: no attribute 'get_feature_names_out')
    with pytest.raises(TypeError, match="got SummaryTransformer"):
        SktimeAdapter(SummaryTransformer()).fit(np.zeros((4, 1, 8)))


def test_sktime_conformance():
    pytest.importorskip("sktime")
    from sktime.utils.estimator_checks import check_estimator

    from skdeep.signal import SktimeAdapter

    results = check_estimator(SktimeAdapter, raise_exceptions=False, verbose=False)
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert not failed, failed


def test_sktime_adapter_keeps_the_instances_of_a_hierarchical_panel():
    # sktime split a hierarchical panel by its top level: the featurizer's
    # rows came back indexed by the group alone (g1, g1, g1, g1, g2, ...),
    # and learned shapelets were fitted once per group
    pytest.importorskip("sktime")
    import pandas as pd

    from skdeep.signal import ShapeletTransformer, SktimeAdapter

    rng = np.random.RandomState(0)
    index = pd.MultiIndex.from_product(
        [["g1", "g2"], [f"i{k}" for k in range(4)], range(20)], names=["g", "i", "t"])
    panel = pd.DataFrame(rng.randn(len(index), 2), index=index, columns=["a", "b"])
    fft = FFTFeaturizer(n_frequencies=1, features=["peaks"])
    out = SktimeAdapter(fft).fit_transform(panel)
    assert list(out.index.names) == ["g", "i"]
    assert out.index.tolist() == [(g, f"i{k}") for g in ("g1", "g2") for k in range(4)]
    X3 = panel.to_numpy().reshape(8, 20, 2).transpose(0, 2, 1)
    np.testing.assert_allclose(out.to_numpy(), clone(fft).fit_transform(X3))
    adapter = SktimeAdapter(ShapeletTransformer(
        n_shapelets=2, shapelet_lengths=(5,), supervised=False, random_state=0))
    assert adapter.fit(panel).transform(panel).shape == (8, 2)
    assert isinstance(adapter.transformer_, ShapeletTransformer)  # one fit


def test_skdeep_checks_give_sktime_objects_sktimes_checks():
    # skdeep's public check_estimator ran its row checks on sktime objects:
    # false failures for every plugin's sktime class (and a TypeError from
    # building an adapter without its required transformer)
    pytest.importorskip("sktime")
    from skdeep.signal import SktimeAdapter
    from skdeep.utils.estimator_checks import check_estimator

    results = check_estimator(SktimeAdapter(WaveletFeaturizer("haar", level=2)))
    assert [r["check_name"] for r in results] == [
        "check_get_test_params", "check_sktime_conformance", "check_bad_input"]
    assert {r["status"] for r in results} == {"passed"}, results


def test_demo_contract():
    from skdeep.signal._demo import demo

    results = demo()
    keys = {"task", "model", "score", "baseline", "baseline_score", "metric", "seconds"}
    assert results and all(set(r) == keys for r in results)
    classification, denoising = results
    assert classification["score"] > 0.8
    assert denoising["score"] > denoising["baseline_score"]


def test_zero_crossings_ignore_rounding_noise():
    # A constant signal's detail coefficients are zero up to rounding: no
    # crossings, and float32 and float64 input give the same features.
    featurizer = WaveletFeaturizer(statistics=["zero_crossings"])
    constant = np.full((2, 64), 3.0)
    assert not featurizer.fit_transform(constant).any()
    X = np.random.RandomState(0).randn(6, 128)
    np.testing.assert_array_equal(featurizer.fit_transform(X),
                                  featurizer.fit_transform(X.astype(np.float32)))


@pytest.mark.parametrize("decomposition", ["dwt", "wpt"])
def test_detail_bands_zero_up_to_rounding(decomposition):
    # float64: the tolerance was float32's, so the detail coefficients of
    # noise on an offset (0.01 on 300, a temperature in kelvin) counted no
    # crossings; a constant's detail bands had an entropy from rounding
    # noise (0.7 to 3.6, varying with the constant)
    stats = ["zero_crossings", "entropy"]
    featurizer = WaveletFeaturizer("db2", level=3, decomposition=decomposition,
                                   statistics=stats)
    noise = 0.01 * np.random.RandomState(0).randn(1, 256)
    names = featurizer.fit(noise).get_feature_names_out()
    detail = ~np.char.startswith(names.astype(str), "a")
    if decomposition == "wpt":
        detail = np.array(["aaa_" not in n for n in names])
    plain = featurizer.transform(noise)
    np.testing.assert_allclose(featurizer.transform(noise + 300.0)[:, detail],
                               plain[:, detail], rtol=1e-9)
    assert plain[0, detail].min() > 0
    # float32 holds that noise too (its rounding, 2e-5 on 300, is far below)
    single = featurizer.transform((noise + 300.0).astype(np.float32))
    assert single[0, detail].min() > 0
    for level in (1.0, 3.0, 7.3, 1e5):
        for dtype in (np.float32, np.float64):
            flat = featurizer.transform(np.full((1, 256), level, dtype=dtype))
            assert not flat[0, detail].any(), (level, dtype)


def test_zero_crossings_skip_near_zero_coefficients():
    # Rows with and without near-zero coefficients (the two code paths) count
    # the sign changes of the sequence with those coefficients removed.
    from skdeep.signal._wavelet import ZERO_TOLERANCE, _zero_crossings

    rng = np.random.RandomState(0)
    c = rng.normal(size=(40, 3, 30))
    c[rng.uniform(size=c.shape) < 0.1] = 0.0
    c[rng.uniform(size=c.shape) < 0.05] = 1e-13  # (below 1e-11 of the norm)
    c[:5] = rng.normal(size=(5, 3, 30))  # rows with no small coefficient
    c[5] = 0.0
    energy = (c**2).sum(axis=(1, 2))[:, None].repeat(3, axis=1)
    expected = np.zeros(c.shape[:2], dtype=int)
    for i, j in np.ndindex(*c.shape[:2]):
        tol = ZERO_TOLERANCE[c.dtype] * np.sqrt(energy[i, j])
        kept = np.sign(c[i, j][np.abs(c[i, j]) > tol])
        expected[i, j] = np.count_nonzero(kept[1:] != kept[:-1])
    np.testing.assert_array_equal(_zero_crossings(c, energy), expected)
    assert expected[:5].min() > 0 and not expected[5].any()


def test_transforms_leave_the_process_warning_filters_alone(monkeypatch):
    """On series too short for one level of the wavelet, the automatic level
    is 1 and no warning is raised, without warnings.catch_warnings: it swaps
    the process's filter list, which threads share (concurrent transforms
    could leave each other's filters in place for good)."""
    import sys
    import warnings

    from skdeep.signal._shapelets import _paa

    used_by = []

    class Recorded(warnings.catch_warnings):
        def __enter__(self):
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller.startswith("skdeep."):
                used_by.append(caller)
            return super().__enter__()

    monkeypatch.setattr(warnings, "catch_warnings", Recorded)
    X = np.random.RandomState(0).randn(6, 5)  # db4's filter: 8 taps
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for decomposition in ("dwt", "wpt"):
            featurizer = WaveletFeaturizer(wavelet="db4", decomposition=decomposition)
            assert featurizer.fit_transform(X).shape[0] == 6
        assert WaveletDenoiser(wavelet="db4").fit_transform(X).shape == X.shape
        series = np.full((2, 1, 6), np.nan)
        series[0, 0, :2] = [1.0, 3.0]  # the second series: all-NaN blocks
        means, lengths = _paa(series, np.array([2, 0]), 2)
    np.testing.assert_array_equal(means[0, 0], [2.0, np.nan, np.nan])
    assert np.isnan(means[1]).all() and list(lengths) == [1, 0]
    assert used_by == []


@pytest.mark.parametrize("est, params", [
    (FFTFeaturizer(), {"n_frequencies": -2}),
    (WaveletDenoiser(), {"threshold": "bayse"}),
    (WaveletFeaturizer(), {"decomposition": "wavelet"}),
])
def test_transform_without_fit_validates_the_parameters(est, params):
    # fit validated them, transform without fit did not: a typo ran the default
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        clone(est).set_params(**params).transform(X2)


@pytest.mark.parametrize("window", [None, "hann", "hamming", "blackman"])
def test_fft_peak_amplitude_of_a_windowed_sine(window):
    # with a window the amplitude was divided by T, not the window's sum: a
    # Hann window reported half of it
    t = np.arange(200) / 100.0
    sine = 3.0 * np.sin(2 * np.pi * 5.0 * t)[None, :]
    peak = FFTFeaturizer(1, sampling_rate=100.0, window=window,
                         features=["peaks"]).fit_transform(sine)
    np.testing.assert_allclose(peak, [[5.0, 3.0]], rtol=1e-9)


def test_fft_band_names_stay_distinct():
    # edges that agree to 4 digits gave two columns the same name
    fft = FFTFeaturizer(bands=[0, 1000.1, 1000.2, 1000.3, 2000], sampling_rate=4000)
    names = fft.fit(X2).get_feature_names_out()
    bands = [name for name in names if name.startswith("band_")]
    assert len(set(names)) == len(names) and len(bands) == 4
    assert bands[1] == "band_1000.1-1000.2_power"
    assert "band_0-0.125_power" in FFTFeaturizer().fit(X2).get_feature_names_out()


def test_denoiser_on_large_float32_values():
    # float32 squares of coefficients past ~1.8e19 overflowed: BayesShrink's
    # variance was inf and nothing was shrunk
    X = np.random.RandomState(0).randn(2, 64) * 1e19
    expected = WaveletDenoiser("db2").fit_transform(X)
    found = WaveletDenoiser("db2").fit_transform(X.astype(np.float32))
    assert found.dtype == np.float32
    np.testing.assert_allclose(found, expected, rtol=1e-4, atol=1e-4 * 1e19)


def test_denoiser_pandas_output_of_3d_series():
    # pandas refused the (n, C, T) array: "Must pass 2-d input"
    pytest.importorskip("pandas")
    denoiser = WaveletDenoiser().set_output(transform="pandas").fit(X3)
    frame = denoiser.transform(X3)
    assert list(frame.columns) == list(denoiser.get_feature_names_out())
    np.testing.assert_array_equal(
        frame.to_numpy(), WaveletDenoiser().fit_transform(X3).reshape(len(X3), -1))


@pytest.mark.parametrize("est", FEATURIZERS, ids=repr)
def test_features_that_overflow_float32_are_an_error_not_inf(est):
    # powers and energies of float32 values past ~1e19 overflow float32:
    # the features were inf and NaN (with a trail of RuntimeWarnings)
    X = np.random.RandomState(0).randn(4, 64) * 1e20
    squares = getattr(est, "output", "stats") != "coefficients"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the error alone, no overflow warnings
        if squares:
            with pytest.raises(ValueError, match="overflows float32.*as float64"):
                clone(est).fit_transform(X.astype(np.float32))
        else:  # coefficients of such values are in range: no error
            out = clone(est).fit_transform(X.astype(np.float32))
            assert out.dtype == np.float32 and np.isfinite(out).all()
    out = clone(est).fit_transform(X)
    assert out.dtype == np.float64 and np.isfinite(out).all()
    small = (X * 1e-3).astype(np.float32)  # squares within float32's range
    assert np.isfinite(clone(est).fit_transform(small)).all()


@pytest.mark.parametrize("est", [
    FFTFeaturizer(features=["centroid", "entropy"]),
    WaveletFeaturizer("db2", level=2, statistics=["relative_energy", "entropy"]),
    WaveletFeaturizer("morl", decomposition="cwt", scales=4,
                      statistics=["relative_energy", "entropy"]),
], ids=["fft", "dwt", "cwt"])
def test_scale_free_features_of_small_float32_series(est):
    # float32 squares of values below about 1e-19 underflowed to 0: the
    # centroid, relative energies and entropies came out 0
    X = np.random.RandomState(0).randn(3, 64)
    expected = clone(est).fit_transform(X)
    small = clone(est).fit_transform((X * 1e-25).astype(np.float32))
    assert small.dtype == np.float32
    np.testing.assert_allclose(small, expected, rtol=1e-5)


def test_sktime_adapter_reads_a_time_major_panel_by_instance():
    # a valid pd-multiindex panel whose rows come time by time (a long table
    # indexed by instance and time): sktime's numpy3D conversion reshaped the
    # rows as they came, and every instance got the others' values
    pytest.importorskip("sktime")
    import pandas as pd

    from skdeep.signal import SktimeAdapter

    index = pd.MultiIndex.from_product([range(8), ["b", "a"]],
                                       names=["t", "inst"]).swaplevel()
    X = pd.DataFrame({"c": [0.0 if i == "a" else 100.0 for i, _ in index]},
                     index=index)
    denoised = SktimeAdapter(WaveletDenoiser("haar", level=1)).fit_transform(X)
    assert denoised.index.equals(X.index)
    np.testing.assert_allclose(denoised["c"], X["c"], atol=1e-9)
    features = SktimeAdapter(FFTFeaturizer(1, bands=1)).fit_transform(X)
    expected = SktimeAdapter(FFTFeaturizer(1, bands=1)).fit_transform(X.sort_index())
    assert features.index.tolist() == ["b", "a"]  # X's order of instances
    pd.testing.assert_frame_equal(features, expected.loc[["b", "a"]])


def test_sktime_adapter_refuses_unequal_lengths_clearly():
    # sktime does not enforce the adapter's unequal_length tag: the panel
    # reached numpy3D's reshape ("cannot reshape array of size 115 ...")
    pytest.importorskip("sktime")
    import pandas as pd

    from skdeep.signal import SktimeAdapter

    rows = [(i, t) for i, n in enumerate([6, 6, 4]) for t in range(n)]
    X = pd.DataFrame({"c": np.arange(len(rows), dtype=float)},
                     index=pd.MultiIndex.from_tuples(rows))
    with pytest.raises(ValueError, match="equal-length series; these have 4 to 6"):
        SktimeAdapter(FFTFeaturizer(1, bands=1)).fit_transform(X)


def test_statistics_given_as_a_set_come_in_a_fixed_order():
    # A set's order follows the hash seed: the columns came permuted from
    # process to process (and across a pickle), and a fitted pipeline read
    # the wrong ones. A set's names come in the documented order.
    from skdeep.signal._wavelet import STATISTICS

    chosen = set(STATISTICS[:6])
    featurizer = WaveletFeaturizer(level=1, statistics=chosen)
    names = featurizer.fit(np.zeros((2, 16))).get_feature_names_out()
    assert [name.split("_", 1)[1] for name in names[:6]] == list(STATISTICS[:6])
    with pytest.raises(ValueError, match="non-empty list of distinct"):
        WaveletFeaturizer(statistics={"mean", "median?"}).fit_transform(
            np.zeros((2, 16)))


def test_cwt_statistics_are_computed_a_few_series_at_a_time(monkeypatch):
    # the whole scalogram, its float64 squares and its sorted copy held 136
    # times the input (2 GB for 15 MB of series); chunks give the same numbers
    import skdeep.signal._wavelet as wavelet

    X = np.random.RandomState(0).normal(size=(7, 2, 32)).astype(np.float32)
    featurizer = WaveletFeaturizer(decomposition="cwt", wavelet="morl",
                                   scales=[1, 2, 4], statistics="all").fit(X)
    whole = featurizer.transform(X)
    monkeypatch.setattr(wavelet, "_CWT_CHUNK_ELEMENTS", 2 * 32 * 3 * 3)  # 3 series
    decompose, rows = WaveletFeaturizer._decompose, []

    def spy(self, X):
        rows.append(len(X))
        return decompose(self, X)

    monkeypatch.setattr(WaveletFeaturizer, "_decompose", spy)
    np.testing.assert_array_equal(featurizer.transform(X), whole)
    assert rows == [3, 3, 1]
    assert whole.shape == (7, len(featurizer.get_feature_names_out()))


def test_bands_and_percentiles_messages():
    # a list of [low, high] pairs was read flat: a band between them appeared
    with pytest.raises(ValueError, match="flat sequence"):
        FFTFeaturizer(bands=[[0, 0.1], [0.2, 0.5]]).fit(np.ones((2, 32)))
    # distinct numbers with one name were refused as "not distinct"
    with pytest.raises(ValueError, match="6 significant digits"):
        WaveletFeaturizer(percentiles=[33.333333, 33.3333334]).fit(np.ones((2, 32)))


@pytest.mark.parametrize("featurizer", [WaveletFeaturizer(), FFTFeaturizer()])
def test_featurizers_read_sktime_df_list_like_the_other_families(featurizer):
    # a df-list (frames of time points x variables) was read as (time points,
    # channels): 32 channels of 2 steps instead of 2 channels of 32
    import pandas as pd
    from sklearn.base import clone

    arrays = np.random.RandomState(0).randn(3, 2, 32)
    frames = [pd.DataFrame(a.T, columns=["u", "v"]) for a in arrays]
    fitted = clone(featurizer).fit(frames)
    assert (fitted.n_channels_, fitted.n_timepoints_) == (2, 32)
    np.testing.assert_array_equal(fitted.transform(frames),
                                  clone(featurizer).fit(arrays).transform(arrays))
    with pytest.raises(ValueError, match="one length"):
        clone(featurizer).fit([np.ones(10), np.ones(12)])
