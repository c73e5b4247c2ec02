"""Demo of the signal family: wavelet features for classification, wavelet denoising."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np


def _load_gunpoint():
    """GunPoint from the files bundled inside sktime, or None without sktime."""
    try:
        from sktime.datasets import load_gunpoint
    except ImportError:
        return None
    out = []
    for split in ("train", "test"):
        X, y = load_gunpoint(split=split, return_X_y=True, return_type="numpy3D")
        out += [np.asarray(X[:, 0], dtype=float), np.asarray(y)]
    return "GunPoint (UCR, bundled with sktime)", out


def _synthetic_waveforms(seed=0):
    """Three classes of noisy waveforms (sine, square, sawtooth), random phase."""
    rs = np.random.RandomState(seed)
    n, T = 300, 128
    y = np.arange(n) % 3
    t = np.arange(T) / T * rs.uniform(3, 6, (n, 1)) + rs.uniform(0, 1, (n, 1))
    frac = t % 1.0
    waves = np.stack([np.sin(2 * np.pi * t), np.sign(np.sin(2 * np.pi * t)),
                      2 * frac - 1])
    X = waves[y, np.arange(n)] + 0.8 * rs.randn(n, T)
    return "synthetic waveforms (3 classes)", [X[:150], y[:150], X[150:], y[150:]]


def demo():
    """Wavelet features + ridge (grid-searched) vs 1-NN; denoising vs moving average.

    Returns
    -------
    results : list of dict
        ``{"task", "model", "score", "baseline", "baseline_score", "metric",
        "seconds"}`` for each task.
    """
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep.signal import WaveletDenoiser, WaveletFeaturizer

    results = []
    name, data = _load_gunpoint() or _synthetic_waveforms()
    X_train, y_train, X_test, y_test = data
    start = time.perf_counter()
    pipe = make_pipeline(WaveletFeaturizer(), StandardScaler(),
                         RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))
    grid = GridSearchCV(
        pipe,
        [  # discrete wavelets for the DWT and packets, continuous ones for the CWT
            {"waveletfeaturizer__decomposition": ["dwt", "wpt"],
             "waveletfeaturizer__wavelet": ["db4", "sym5"]},
            {"waveletfeaturizer__decomposition": ["cwt"],
             "waveletfeaturizer__wavelet": ["morl", "mexh"]},
        ],
        cv=3,
    ).fit(X_train, y_train)
    score = grid.score(X_test, y_test)
    seconds = time.perf_counter() - start
    baseline = KNeighborsClassifier(n_neighbors=1).fit(X_train, y_train)
    best = grid.best_params_
    results.append({
        "task": f"classification: {name}",
        "model": f"WaveletFeaturizer({best['waveletfeaturizer__wavelet']!r}, "
                 f"decomposition={best['waveletfeaturizer__decomposition']!r}) + "
                 f"RidgeClassifierCV (GridSearchCV)",
        "score": float(score),
        "baseline": "1-NN Euclidean on raw series",
        "baseline_score": float(baseline.score(X_test, y_test)),
        "metric": "accuracy",
        "seconds": seconds,
    })

    # Denoising: a Doppler-like chirp plus white noise, SNR after denoising (dB).
    rs = np.random.RandomState(0)
    t = np.linspace(0, 1, 1024)
    clean = np.sqrt(t * (1 - t)) * np.sin(2.1 * np.pi / (t + 0.05)) * np.ones((50, 1))
    noisy = clean + 0.1 * rs.randn(*clean.shape)

    def snr(estimate):
        return float(10 * np.log10(np.sum(clean**2) / np.sum((clean - estimate) ** 2)))

    start = time.perf_counter()
    denoised = WaveletDenoiser("sym8").fit_transform(noisy)
    seconds = time.perf_counter() - start
    kernel = np.ones(5) / 5
    smoothed = np.apply_along_axis(np.convolve, 1, noisy, kernel, mode="same")
    results.append({
        "task": "denoising: Doppler signal + white noise (50 x 1024)",
        "model": "WaveletDenoiser('sym8', BayesShrink, soft)",
        "score": snr(denoised),
        "baseline": f"moving average (width 5); noisy input {snr(noisy):.1f} dB",
        "baseline_score": snr(smoothed),
        "metric": "SNR (dB)",
        "seconds": seconds,
    })
    return results
