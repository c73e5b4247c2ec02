"""sktime adapter for the signal transformers (the ``timeseries`` extra)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from sktime.transformations.base import BaseTransformer

from skdeep.utils._sklearn import KeepsMetaEstimatorContext


class SktimeAdapter(KeepsMetaEstimatorContext, BaseTransformer):
    """Use a skdeep signal transformer as an sktime transformer.

    The adapter hands the wrapped transformer a whole panel as one
    ``(n_instances, n_channels, n_timepoints)`` array, so it is transformed
    in one vectorized call, and gives the output the input's index.
    Featurizers (:class:`WaveletFeaturizer`, :class:`FFTFeaturizer`) become
    series-to-features transformers (``scitype:transform-output`` is
    ``"Primitives"``: a table with one row per instance, indexed by the
    instances, columns named by ``get_feature_names_out``; the instances of
    a hierarchical panel are its index's values but time, and it is
    transformed, and learned from, whole);
    :class:`WaveletDenoiser` becomes a series-to-series transformer, which
    also denoises a forecaster's target in sktime's
    ``TransformedTargetForecaster`` (the forecasts are not transformed back:
    it has no inverse). The denoiser is stateless, so ``fit`` is empty for
    it; the adapter's ``fit`` fits a featurizer's clone once, on the training
    panel, so that ``transform`` refuses series of another length (whose
    features would not be the ones later steps were fitted on). The
    learned-shapelet transformers (:class:`ShapeletTransformer`,
    or :class:`ShapeletClassifier`'s distances) learn from the training
    series: the adapter's ``fit`` fits a clone once, with the labels when
    sktime passes them (as its classification pipelines do: supervised
    shapelets) and, for :class:`ShapeletTransformer`, without otherwise (the
    k-means shapelets; :class:`ShapeletClassifier` needs the labels), and
    ``transform`` applies that fitted clone, ``transformer_``, to new series.

    The channels (a panel's columns) are read by name: ``transform`` puts
    them in the order ``fit`` saw and refuses other names (arrays, whose
    channels sktime names ``var_0``, ``var_1``, ... or ``0``, ``1``, ...,
    are read by position).
    As everywhere in sktime's transformers, a 2-D array is one series, time
    points by channels; ``n`` univariate series of ``T`` steps are the 3-D
    array ``(n, 1, T)``, as in the example below.

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
        The fitted clone (every transformer but the denoiser).

    See Also
    --------
    sktime.transformations.adapt.TabularToSeriesAdaptor : sktime's adapter
        for scikit-learn transformers, which treats time points as rows and
        so does not fit featurizers of whole series.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import RidgeClassifierCV
    >>> from sktime.datasets import load_basic_motions
    >>> from skdeep.signal import FFTFeaturizer, SktimeAdapter, WaveletFeaturizer
    >>> X, y = load_basic_motions(split="train", return_X_y=True)
    >>> pipe = SktimeAdapter(WaveletFeaturizer("db2", level=3)) * RidgeClassifierCV()
    >>> pipe.fit(X, y).predict(X).shape
    (40,)
    >>> series = np.random.RandomState(0).randn(5, 1, 32)  # 5 series of 32 steps
    >>> SktimeAdapter(FFTFeaturizer(2, bands=2)).fit_transform(series).shape
    (5, 8)
    """

    _tags = {
        "authors": ["The skdeep developers"],
        "python_dependencies": ["sktime", "pywavelets"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Primitives",
        "scitype:instancewise": True,
        # pandas, for the index: converted to numpy3D inside, the output
        # then keeps the instances' and time points' labels (with numpy3D,
        # sktime handed back a RangeIndex)
        # (hierarchical panels whole, one row per instance: sktime split
        # them by their top level, its output kept only that level's labels,
        # and learned shapelets were fitted group by group)
        "X_inner_mtype": ["pd_multiindex_hier", "pd-multiindex", "pd.DataFrame"],
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
        if output == "Series":
            # a denoiser has no inverse: on a forecaster's target it denoises
            # the history and leaves the forecasts as they are (as sktime's
            # filters do)
            tags["skip-inverse-transform"] = True
        if getattr(transformer, "_sktime_stateful", False):
            # learned from the whole training panel (and its labels, if any)
            tags.update({"fit_is_empty": False, "scitype:instancewise": False,
                         "y_inner_mtype": "numpy1D",
                         "capability:categorical_in_X": False})
        elif output != "Series":
            # a featurizer fitted once on the training panel: its transform
            # then refuses series of another length (their features would
            # not be the ones the next step was fitted on), and a transformer
            # the adapter does not know is not refitted on each batch
            tags["fit_is_empty"] = False
        self.set_tags(**tags)

    def __sklearn_tags__(self):
        """scikit-learn's tags: a transformer of 3-D panels (sktime objects
        have none; a scikit-learn ``Pipeline`` asked a step for them and
        warned, as scikit-learn 1.7 does, or did without them).

        Returns
        -------
        tags : sklearn.utils.Tags
        """
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(),
            input_tags=InputTags(three_d_array=True),
            requires_fit=not self.get_tag("fit_is_empty"),
        )

    def _fit(self, X, y=None):
        """Fit a clone of the transformer (but the denoiser) on ``X`` (and ``y``).

        Parameters
        ----------
        X : pd.DataFrame
            A panel (sktime's ``pd-multiindex`` or ``pd_multiindex_hier``)
            or one series.
        y : ndarray of shape (n_instances,) or None
            Class labels (supervised shapelets) or None.

        Returns
        -------
        self : SktimeAdapter
        """
        transformer = self.transformer
        if not hasattr(transformer, "transform") or not hasattr(
            transformer, "get_feature_names_out"
        ):
            # (else a failure later, in transform, or sktime asking for y)
            raise TypeError(
                f"SktimeAdapter wraps a transformer of (n_instances, n_channels, "
                f"n_timepoints) arrays with transform and get_feature_names_out "
                f"(WaveletFeaturizer, FFTFeaturizer, ShapeletTransformer, ...) or "
                f"WaveletDenoiser; got {type(transformer).__name__}."
            )
        ordered = _instance_major(X)
        if y is not None and ordered is not X:  # (y follows X's instances)
            y = pd.Series(np.asarray(y), index=_instances(X)).reindex(
                _instances(ordered)).to_numpy()
        self._channels = list(X.columns)
        self.transformer_ = _array_output(transformer).fit(
            _as_numpy3d(ordered), y)
        return self

    def _transform(self, X, y=None):
        """Transform the panel or series ``X``.

        Parameters
        ----------
        X : pd.DataFrame
            A panel (sktime's ``pd-multiindex`` or ``pd_multiindex_hier``)
            or one series.
        y : Ignored

        Returns
        -------
        Xt : pd.DataFrame
            One row per instance (indexed by them) for featurizers; the rows
            and columns of ``X`` for series-to-series transformers.
        """
        ordered = _instance_major(X)
        if self.get_tag("fit_is_empty"):  # the denoiser: series to series
            X3 = _as_numpy3d(ordered)
            est = _array_output(self.transformer)
            # (n, C, T) back to X's own rows and columns
            Xt = est.transform(X3).transpose(0, 2, 1).reshape(-1, X3.shape[1])
            out = pd.DataFrame(Xt, index=ordered.index, columns=X.columns)
            return out if ordered is X else out.reindex(X.index)
        est = self.transformer_
        channels = getattr(self, "_channels", None)
        X3 = _as_numpy3d(_as_fitted_channels(ordered, channels))
        out = pd.DataFrame(est.transform(X3), index=_instances(ordered),
                           columns=list(est.get_feature_names_out()))
        return out if ordered is X else out.reindex(_instances(X))

    @available_if(lambda self: self.get_tag("scitype:transform-output") != "Series")
    def get_feature_names_out(self, input_features=None):
        """The names of the output columns: the fitted transformer's.

        Parameters
        ----------
        input_features : Ignored
            The features are named by the wrapped transformer.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "transformer_")
        return self.transformer_.get_feature_names_out()

    def set_output(self, *, transform=None):
        """Accept a scikit-learn ``set_output`` call: the output is a pandas
        frame in any case (indexed by the instances).

        Parameters
        ----------
        transform : {"default", "pandas"} or None, default=None
            ``"default"``, ``"pandas"`` and None leave the output as it is, a
            pandas frame; ``"polars"`` is refused.

        Returns
        -------
        self : SktimeAdapter
        """
        if transform not in (None, "default", "pandas"):
            raise ValueError(
                f"SktimeAdapter returns pandas frames; set_output(transform="
                f"{transform!r}) is not supported."
            )
        return self

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for sktime's checks."""
        from skdeep.signal import FFTFeaturizer, WaveletDenoiser, WaveletFeaturizer

        return [
            {"transformer": WaveletFeaturizer("haar", level=2)},
            {"transformer": FFTFeaturizer(n_frequencies=2, bands=2)},
            {"transformer": WaveletDenoiser("haar", level=1)},
        ]


def _array_output(transformer):
    """A clone of ``transformer`` that returns arrays whatever its or the
    global ``set_output`` (the adapter builds the data frames, indexed by
    instance: a pandas frame of rows 0 to n - 1 reindexed by the instance
    labels was all NaN)."""
    est = clone(transformer)
    if hasattr(est, "set_output"):
        est.set_output(transform="default")
    return est


def _instance_major(X):
    """``X`` with its rows sorted by instance, then time (``X`` itself where
    they are): sktime accepts panels whose rows come in any order (time
    major from a long table), and its numpy3D conversion reshapes the rows
    as they come, mixing the instances' values."""
    if not isinstance(X.index, pd.MultiIndex) or X.index.is_monotonic_increasing:
        return X
    return X.sort_index()


def _as_numpy3d(X):
    """``(n_instances, n_channels, n_timepoints)`` floats of a pd-multiindex
    panel or of one series (a pd.DataFrame of time points by channels)."""
    if len(X) == 0:  # (numpy: "cannot reshape array of size 0")
        raise ValueError(
            "SktimeAdapter got an empty panel (no time points); a transformer "
            "before it (a truncation?) may have removed them all."
        )
    if isinstance(X.index, pd.MultiIndex):
        # an instance is a value of every level but the last (time): of
        # hierarchical panels too; rows come instance-major (_instance_major)
        lengths = X.groupby(level=list(range(X.index.nlevels - 1)),
                            sort=False).size()
        if lengths.nunique() > 1:  # (numpy3D's reshape failed: "cannot reshape")
            raise ValueError(
                f"SktimeAdapter takes panels of equal-length series; these have "
                f"{lengths.min()} to {lengths.max()} time points. Resample or cut "
                f"them to one length first."
            )
        values = X.to_numpy(dtype=float).reshape(len(lengths), -1, X.shape[1])
        return np.ascontiguousarray(values.transpose(0, 2, 1))
    return X.to_numpy(dtype=float).T[None]


def _as_fitted_channels(X, channels):
    """``X`` with its columns (the channels) in the order of ``channels``,
    the ones ``fit`` saw: the same names in another order are put back in
    it; other names are refused. Arrays, whose channels sktime names
    ``var_0``, ``var_1``, ... (3-D) or ``0``, ``1``, ... (1-D and 2-D, and
    unnamed series), on either side are read by position. ``channels`` None
    (an adapter fitted before channels were recorded): by position."""
    columns = list(X.columns)
    if channels is None or columns == channels:
        return X
    if len(set(columns)) == len(columns) and set(columns) == set(channels):
        return X[channels]
    if _unnamed(columns) or _unnamed(channels):
        return X  # (the wrapped transformer checks the number of channels)
    raise ValueError(
        f"X has the channels (columns) {columns}, but SktimeAdapter was fitted "
        f"on {channels}."
    )


def _unnamed(columns):
    """Whether ``columns`` are the names sktime gives an array's channels."""
    return columns in ([f"var_{i}" for i in range(len(columns))],
                       list(range(len(columns))))


def _instances(X):
    """The instance labels of a panel, tuples of a hierarchical one (one
    series: a single row, 0)."""
    if isinstance(X.index, pd.MultiIndex):
        return X.index.droplevel(-1).unique()
    return pd.RangeIndex(1)
