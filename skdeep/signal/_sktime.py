"""sktime adapter for the signal transformers (the ``timeseries`` extra)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
from sklearn.base import clone
from sktime.transformations.base import BaseTransformer


class SktimeAdapter(BaseTransformer):
    """Use a skdeep signal transformer as an sktime transformer.

    sktime passes series collections to the wrapped transformer as one
    ``(n_instances, n_channels, n_timepoints)`` array (sktime's ``numpy3D``
    mtype), so the whole panel is transformed in one vectorized call.
    Featurizers (:class:`WaveletFeaturizer`, :class:`FFTFeaturizer`) become
    series-to-features transformers (``scitype:transform-output`` is
    ``"Primitives"``: a table with one row per instance, columns named by
    ``get_feature_names_out``); :class:`WaveletDenoiser` becomes a
    series-to-series transformer. The wrapped transformers are stateless, so
    ``fit`` is empty.

    Requires sktime (``pip install skdeep[timeseries]``).

    Parameters
    ----------
    transformer : skdeep signal transformer
        A :class:`WaveletFeaturizer`, :class:`WaveletDenoiser` or
        :class:`FFTFeaturizer` (unfitted; it is cloned, never modified).

    See Also
    --------
    sktime.transformations.compose.TabularToSeriesAdaptor : sktime's adapter
        for scikit-learn transformers, which treats time points as rows and
        so does not fit featurizers of whole series.

    Examples
    --------
    >>> from sklearn.linear_model import RidgeClassifierCV
    >>> from sktime.datasets import load_basic_motions
    >>> from skdeep.signal import SktimeAdapter, WaveletFeaturizer
    >>> X, y = load_basic_motions(split="train", return_X_y=True)
    >>> pipe = SktimeAdapter(WaveletFeaturizer("db2", level=3)) * RidgeClassifierCV()
    >>> pipe.fit(X, y).predict(X).shape
    (40,)
    """

    _tags = {
        "authors": ["The skdeep developers"],
        "python_dependencies": ["sktime", "pywavelets"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Primitives",
        "scitype:instancewise": True,
        "X_inner_mtype": "numpy3D",
        "y_inner_mtype": "None",
        "capability:multivariate": True,
        "capability:unequal_length": False,
        "capability:missing_values": False,
        "fit_is_empty": True,
    }

    def __init__(self, transformer):
        self.transformer = transformer
        super().__init__()
        output = getattr(transformer, "_sktime_output", "Primitives")
        self.set_tags(**{"scitype:transform-output": output})

    def _transform(self, X, y=None):
        """Transform the ``(n_instances, n_channels, n_timepoints)`` array ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_instances, n_channels, n_timepoints)
        y : Ignored

        Returns
        -------
        Xt : pd.DataFrame of shape (n_instances, n_features) for featurizers,
            ndarray of the shape of ``X`` for series-to-series transformers.
        """
        est = clone(self.transformer)
        if self.get_tag("scitype:transform-output") == "Series":
            return est.transform(np.asarray(X, dtype=float))
        Xt = est.fit(X).transform(X)
        return pd.DataFrame(Xt, columns=list(est.get_feature_names_out()))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for sktime's checks."""
        from skdeep.signal import FFTFeaturizer, WaveletDenoiser, WaveletFeaturizer

        return [
            {"transformer": WaveletFeaturizer("haar", level=2)},
            {"transformer": FFTFeaturizer(n_frequencies=2, bands=2)},
            {"transformer": WaveletDenoiser("haar", level=1)},
        ]
