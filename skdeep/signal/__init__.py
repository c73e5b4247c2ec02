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
from skdeep.utils._lazy_names import lazy_names

__all__ = [
    "FFTFeaturizer",
    "ShapeletClassifier",
    "ShapeletTransformer",
    "WaveletDenoiser",
    "WaveletFeaturizer",
]


_LAZY = {"SktimeAdapter": "skdeep.signal._sktime"}

__getattr__, __dir__ = lazy_names(
    __name__, _LAZY, needs="sktime: pip install 'skdeep[timeseries]'"
)
