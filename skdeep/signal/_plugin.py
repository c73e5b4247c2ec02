"""Registers the signal family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.signal import (
        FFTFeaturizer,
        ShapeletClassifier,
        ShapeletTransformer,
        WaveletDenoiser,
        WaveletFeaturizer,
    )

    register(WaveletFeaturizer)
    register(WaveletDenoiser)
    register(FFTFeaturizer)
    register(ShapeletTransformer)
    register(ShapeletClassifier)
    try:  # the sktime adapter exists only with the ``timeseries`` extra
        from skdeep.signal._sktime import SktimeAdapter
    except ImportError:  # (it vanished: "no estimator named ...")
        register.unavailable(
            "SktimeAdapter", "it needs sktime (pip install 'skdeep[timeseries]')."
        )
        return
    register(SktimeAdapter)
