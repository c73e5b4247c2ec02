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
    series-to-series transformer. Those are stateless, so ``fit`` is empty
    for them. The learned-shapelet transformers (:class:`ShapeletTransformer`,
    or :class:`ShapeletClassifier`'s distances) learn from the training
    series: the adapter's ``fit`` fits a clone once, with the labels when
    sktime passes them (as its classification pipelines do: supervised
    shapelets) and without otherwise (the k-means shapelets), and
    ``transform`` applies that fitted clone, ``transformer_``, to new series.

    Requires sktime (``pip install skdeep[timeseries]``).

    Parameters
    ----------
    transformer : skdeep signal transformer
        A :class:`WaveletFeaturizer`, :class:`WaveletDenoiser`,
        :class:`FFTFeaturizer` or :class:`ShapeletTransformer` (unfitted; it
        is cloned, never modified).

    Attributes
    ----------
    transformer_ : skdeep signal transformer
        The fitted clone (learned-shapelet transformers only).

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
        tags = {"scitype:transform-output": output}
        if getattr(transformer, "_sktime_stateful", False):
            # learned from the whole training panel (and its labels, if any)
            tags.update({"fit_is_empty": False, "scitype:instancewise": False,
                         "y_inner_mtype": "numpy1D",
                         "capability:categorical_in_X": False})
        self.set_tags(**tags)

    def _fit(self, X, y=None):
        """Fit a clone of a stateful transformer on ``X`` (and ``y``).

        Parameters
        ----------
        X : ndarray of shape (n_instances, n_channels, n_timepoints)
        y : ndarray of shape (n_instances,) or None
            Class labels (supervised shapelets) or None.

        Returns
        -------
        self : SktimeAdapter
        """
        self.transformer_ = clone(self.transformer).fit(X, y)
        return self

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
        if not self.get_tag("fit_is_empty"):
            est = self.transformer_
            Xt = est.transform(X)
            return pd.DataFrame(Xt, columns=list(est.get_feature_names_out()))
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
