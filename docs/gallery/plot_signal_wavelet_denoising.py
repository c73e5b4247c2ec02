"""
Wavelet decomposition and denoising of a signal
===============================================

A noisy signal with a slow oscillation, a chirp and two sharp transients is
decomposed by a multilevel discrete wavelet transform (the coefficients that
:class:`~skdeep.signal.WaveletFeaturizer` summarises per level), denoised by
wavelet shrinkage with :class:`~skdeep.signal.WaveletDenoiser`, and its
continuous-wavelet scalogram is shown. Wavelets localise events in time *and*
frequency: the transients light up the fine detail levels at their positions,
the chirp sweeps across levels, and thresholding removes the noise spread
evenly over all coefficients while keeping the transients sharp (a moving
average would blur them).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import matplotlib.pyplot as plt
import numpy as np

from skdeep.signal import WaveletDenoiser, WaveletFeaturizer

# %%
# A signal and a noisy copy
# -------------------------
# Sampled at 512 Hz for 2 s: a 3 Hz sine, a chirp from 20 to 80 Hz in the
# second half, and two spikes.
fs, T = 512, 1024
t = np.arange(T) / fs
clean = np.sin(2 * np.pi * 3 * t)
chirp_on = t >= 1.0
clean[chirp_on] += 0.7 * np.sin(2 * np.pi * (20 * (t[chirp_on] - 1) + 30 * (
    t[chirp_on] - 1) ** 2))
clean[[200, 600]] += [2.5, -2.0]
rng = np.random.RandomState(0)
noisy = clean + 0.35 * rng.randn(T)

# %%
# Denoising: BayesShrink and universal thresholds
# -----------------------------------------------
# The transformers take a batch of series, ``(n_series, n_timepoints)``.
X = noisy[None, :]
bayes = WaveletDenoiser("sym8", threshold="bayes").fit_transform(X)[0]
universal = WaveletDenoiser("sym8", threshold="universal").fit_transform(X)[0]


def snr_db(estimate):
    return 10 * np.log10(np.sum(clean**2) / np.sum((clean - estimate) ** 2))


print(f"SNR noisy:                {snr_db(noisy):5.1f} dB")
print(f"SNR BayesShrink (soft):   {snr_db(bayes):5.1f} dB")
print(f"SNR universal (soft):     {snr_db(universal):5.1f} dB")

# %%
# The wavelet decomposition
# -------------------------
# ``output="coefficients"`` returns every DWT coefficient, and
# ``get_feature_names_out`` says which level each column belongs to.
wf = WaveletFeaturizer("sym8", level=5, output="coefficients").fit(X)
coefs = wf.transform(X)[0]
bands = np.array([name.split("_")[0] for name in wf.get_feature_names_out()])
levels = list(dict.fromkeys(bands))  # a5, d5, d4, ..., d1

fig, axes = plt.subplots(len(levels) + 2, 1, figsize=(9, 12), sharex=False)
axes[0].plot(t, noisy, color="0.7", lw=0.8, label="noisy")
axes[0].plot(t, clean, color="k", lw=1, label="clean")
axes[0].legend(loc="upper right", fontsize=8)
axes[0].set_title("Signal")
for ax, level in zip(axes[1:], levels):
    c = coefs[bands == level]
    ax.stem(np.linspace(0, t[-1], c.size), c, markerfmt=" ", basefmt=" ")
    ax.set_ylabel(level, rotation=0, labelpad=15)
axes[1].set_title("DWT coefficients (sym8): approximation a5, details d5 ... d1")
axes[-1].plot(t, noisy, color="0.8", lw=0.8, label="noisy")
axes[-1].plot(t, bayes, color="C3", lw=1.2,
              label=f"WaveletDenoiser, BayesShrink ({snr_db(bayes):.1f} dB)")
axes[-1].plot(t, clean, color="k", lw=0.8, ls="--", label="clean")
axes[-1].legend(loc="upper right", fontsize=8)
axes[-1].set_title("Denoised")
axes[-1].set_xlabel("time (s)")
fig.tight_layout()

# %%
# Time-frequency view: the scalogram
# ----------------------------------
# ``decomposition="cwt"`` uses :func:`pywt.cwt`; with
# ``output="coefficients"`` the columns are the scalogram, scale by scale.
scales = np.geomspace(2, 256, 48)
cwt = WaveletFeaturizer("cmor1.5-1.0", decomposition="cwt", scales=scales,
                        output="coefficients")
scalogram = cwt.fit_transform(X).reshape(len(scales), T)
freqs = 1.0 / scales * fs  # cmor1.5-1.0 has centre frequency 1 (cycle/sample)
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.pcolormesh(t, freqs, scalogram, shading="auto", cmap="magma")
ax.set_yscale("log")
ax.set_xlabel("time (s)")
ax.set_ylabel("frequency (Hz)")
ax.set_title("Scalogram |CWT| (complex Morlet): sine, chirp and transients")
fig.tight_layout()

# %%
# Per-level statistics as features
# --------------------------------
# The default ``output="statistics"`` turns each level into a few numbers
# (energy, entropy, percentiles, zero crossings, ...), ready for a classifier.
stats = WaveletFeaturizer("sym8", level=5, statistics=["relative_energy"])
shares = stats.fit_transform(np.vstack([clean, noisy]))
for name, a, b in zip(stats.get_feature_names_out(), *shares):
    print(f"{name:20s} clean {a:6.3f}   noisy {b:6.3f}")
plt.show()
