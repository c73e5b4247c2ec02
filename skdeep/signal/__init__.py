"""Signal featurizers: wavelet and Fourier features, wavelet denoising."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.signal._fft import FFTFeaturizer
from skdeep.signal._wavelet import WaveletDenoiser, WaveletFeaturizer

__all__ = ["FFTFeaturizer", "SktimeAdapter", "WaveletDenoiser", "WaveletFeaturizer"]


def __getattr__(name):
    # SktimeAdapter subclasses sktime's BaseTransformer: import sktime (the
    # ``timeseries`` extra) only when it is asked for.
    if name == "SktimeAdapter":
        from skdeep.signal._sktime import SktimeAdapter

        return SktimeAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
