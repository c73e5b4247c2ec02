"""Signal featurizers: wavelet and Fourier features, wavelet denoising, and
learned shapelets (a transformer and the LTS classifier).

``SktimeAdapter`` (use them in sktime pipelines) needs sktime, the
``timeseries`` extra; it is imported on first access, so ``import
skdeep.signal`` and ``from skdeep.signal import *`` work without sktime.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.signal._fft import FFTFeaturizer
from skdeep.signal._shapelets import ShapeletClassifier, ShapeletTransformer
from skdeep.signal._wavelet import WaveletDenoiser, WaveletFeaturizer

__all__ = [
    "FFTFeaturizer",
    "ShapeletClassifier",
    "ShapeletTransformer",
    "WaveletDenoiser",
    "WaveletFeaturizer",
]


def __getattr__(name):
    if name == "SktimeAdapter":
        try:
            from skdeep.signal._sktime import SktimeAdapter
        except ImportError as exc:
            raise ImportError(
                f"skdeep.signal.SktimeAdapter needs sktime ({exc}); install it with "
                f"`pip install skdeep[timeseries]`."
            ) from exc
        return SktimeAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*__all__, "SktimeAdapter"])
