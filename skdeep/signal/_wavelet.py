"""Wavelet features and wavelet denoising as scikit-learn transformers."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
import pywt

from skdeep.signal._base import _BaseSignalTransformer, check_statistics
from skdeep.utils._sklearn import Interval, StrOptions, _get_output_config
from skdeep.utils._torch import write_rows

STATISTICS = (
    "energy",
    "relative_energy",
    "entropy",
    "mean",
    "std",
    "min",
    "max",
    "percentiles",
    "zero_crossings",
)

# Largest number of cwt coefficients computed at once (rows are chunked above it).
_CWT_CHUNK_ELEMENTS = 1 << 22


def _resolve_level(level, n_timepoints, wavelet):
    """``level`` or, for None, the deepest useful level (at least 1)."""
    if level is not None:
        return int(level)
    return max(1, pywt.dwt_max_level(n_timepoints, wavelet.dec_len))


def _quiet_wavedec(X, wavelet, mode, level, warn):
    """``pywt.wavedec`` along the last axis, optionally without its warning
    that the level is too high for the series (``warn=False``: a level chosen
    here, at least 1, which warns only as level 1 on series too short for it).
    Level 1 is pywt's single ``dwt``, the same coefficients without the
    warning: silencing it would change the process's warning filters, which
    threads share."""
    if not warn and level == 1:
        return list(pywt.dwt(X, wavelet, mode=mode, axis=-1))
    return pywt.wavedec(X, wavelet, mode=mode, level=level, axis=-1)


def _safe_divide(a, b):
    out = np.zeros(np.broadcast_shapes(a.shape, b.shape), dtype=np.result_type(a, b))
    np.divide(a, b, out=out, where=b > 0)
    return out


def _sorted_percentiles(sorted_c, percentiles):
    """``np.percentile(..., method="linear")`` along the last axis of sorted data.

    One sort then indexing is about 20x faster than ``np.percentile`` on many
    short rows.
    """
    n = sorted_c.shape[-1]
    pos = (n - 1) * np.asarray(percentiles, dtype=float) / 100.0
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo).astype(sorted_c.dtype)
    a, b = sorted_c[..., lo], sorted_c[..., hi]
    return a + (b - a) * frac


# Coefficients within this fraction of the channel's coefficient norm are
# zero up to rounding: the detail bands of a constant series, whose rounding
# noise must not flip signs (zero crossings) nor make up a distribution
# (entropy). Measured on constants (5 extension modes, haar to sym8 and
# bior3.5, 16 to 16,384 steps, every level) the noise reaches 6e-8 of the
# norm in float32 and 4e-13 in float64 (pywt's float64 filters are exact to
# about 1e-12 only): the fractions leave a margin of 16 and 25. One fraction
# for both (1e-5) made float64 ignore real detail coefficients of an offset
# signal (noise of 0.01 on 300: no crossings).
ZERO_TOLERANCE = {np.dtype(np.float32): 1e-6, np.dtype(np.float64): 1e-11}


def _rounding_floor(c, total_energy):
    """Magnitude below which coefficients ``c`` (..., L) are zero up to
    rounding (see ``ZERO_TOLERANCE``), shape (..., 1)."""
    fraction = ZERO_TOLERANCE.get(c.dtype, ZERO_TOLERANCE[np.dtype(np.float32)])
    return fraction * np.sqrt(total_energy)[..., None]


def _zero_crossings(c, total_energy, small=None):
    """Sign changes along the last axis, ignoring coefficients that are zero
    up to rounding (see ``ZERO_TOLERANCE``; ``small`` marks them where the
    caller has them already)."""
    if small is None:
        small = np.abs(c) <= _rounding_floor(c, total_energy)
    # Rows without near-zero coefficients (most of them) count plain sign
    # flips; only the others need the zeros skipped.
    counts = np.count_nonzero(np.diff(np.signbit(c), axis=-1), axis=-1)
    rows = small.any(axis=-1)
    if rows.any():
        signs = np.where(small[rows], 0, np.sign(c[rows])).astype(np.int8)
        # Carry the last non-zero sign over the zeros, then count changes
        # between non-zero signs.
        positions = np.arange(c.shape[-1], dtype=np.int32)
        last = np.maximum.accumulate(np.where(signs != 0, positions, 0), axis=-1)
        carried = np.take_along_axis(signs, last, axis=-1)
        changes = (carried[..., 1:] != carried[..., :-1]) & (carried[..., :-1] != 0)
        counts[rows] = np.count_nonzero(changes, axis=-1)
    return counts


def _band_statistics(c, statistics, percentiles, sq, energy, total_energy):
    """Statistics of coefficient arrays ``c`` of shape (..., L) -> (..., n_stats).

    ``sq`` is ``c * c`` and ``energy`` its sum over the last axis.
    """
    out = []
    sorted_c = np.sort(c, axis=-1) if "percentiles" in statistics else None
    # coefficients zero up to rounding, for the entropy and zero crossings
    small = (np.abs(c) <= _rounding_floor(c, total_energy)
             if {"entropy", "zero_crossings"} & set(statistics) else None)
    for name in statistics:
        if name == "energy":
            out.append(energy[..., None])
        elif name == "relative_energy":
            out.append(_safe_divide(energy, total_energy)[..., None])
        elif name == "entropy":
            # -sum(p log p) with p = sq / energy, computed as
            # log(energy) - sum(sq log sq) / energy
            log_sq = np.log(sq, out=np.zeros_like(sq), where=sq > 0)
            log_e = np.log(energy, out=np.zeros_like(energy), where=energy > 0)
            h = log_e - _safe_divide(np.einsum("...i,...i->...", sq, log_sq), energy)
            # a band that is zero up to rounding has no distribution: 0, as
            # for exact zeros (its rounding noise gave 0.7 to 3.6, varying
            # with a constant series' level)
            zero = small.all(axis=-1)
            out.append(np.where(zero, 0.0, np.maximum(h, 0.0))[..., None])
        elif name == "mean":
            out.append(c.mean(axis=-1)[..., None])
        elif name == "std":
            out.append(c.std(axis=-1, dtype=np.float64)[..., None])  # (as squares)
        elif name == "min":
            out.append((c.min(axis=-1) if sorted_c is None else sorted_c[..., 0])[
                ..., None])
        elif name == "max":
            out.append((c.max(axis=-1) if sorted_c is None else sorted_c[..., -1])[
                ..., None])
        elif name == "percentiles":
            out.append(_sorted_percentiles(sorted_c, percentiles))
        elif name == "zero_crossings":
            out.append(_zero_crossings(c, total_energy, small)[..., None].astype(
                c.dtype))
    return np.concatenate(out, axis=-1)


class WaveletFeaturizer(_BaseSignalTransformer):
    """Wavelet features of time series: coefficients or per-band statistics.

    Each series is decomposed with a multilevel discrete wavelet transform
    (``"dwt"``, :func:`pywt.wavedec`), a wavelet-packet transform (``"wpt"``,
    :class:`pywt.WaveletPacket`, every node of the last level) or a continuous
    wavelet transform (``"cwt"``, :func:`pywt.cwt`, the scalogram). The
    transformer returns either all coefficients or, for each band (level,
    packet node or scale), statistics such as energy, entropy and zero
    crossings, which summarise how the signal's power spreads over time and
    frequency. It is stateless: ``fit`` only validates the input shape.

    The whole batch is transformed at once (PyWavelets works along the last
    axis of an N-D array), so there is no Python loop over series.

    Parameters
    ----------
    wavelet : str or pywt.Wavelet, default="db4"
        Any PyWavelets wavelet: a discrete one (``pywt.wavelist(kind="discrete")``,
        such as ``"haar"``, ``"db4"``, ``"sym5"``, ``"coif1"``) for ``"dwt"``
        and ``"wpt"``, a continuous one (``"morl"``, ``"mexh"``,
        ``"cmor1.5-1.0"``, ...) for ``"cwt"``.

    level : int or None, default=None
        Decomposition depth for ``"dwt"`` and ``"wpt"``. None uses
        :func:`pywt.dwt_max_level` (at least 1). Ignored by ``"cwt"``.

    mode : str, default="symmetric"
        Signal extension mode at the borders (``pywt.Modes.modes``) for
        ``"dwt"`` and ``"wpt"``. Ignored by ``"cwt"`` (PyWavelets' ``cwt``
        has no extension mode).

    decomposition : {"dwt", "wpt", "cwt"}, default="dwt"
        Discrete wavelet transform (bands ``a{level}``, ``d{level}``, ...,
        ``d1``), wavelet packets (the ``2**level`` nodes of the last level, in
        frequency order, named by their path such as ``"aad"``) or continuous
        wavelet transform (one band per scale, named ``s{scale}``).

    output : {"statistics", "coefficients"}, default="statistics"
        Per-band statistics, or every coefficient (for ``"cwt"``, the
        ``len(scales) * n_timepoints`` scalogram; moduli for complex
        wavelets).

    statistics : "all" or list of str, default="all"
        With ``output="statistics"``, which statistics of each band, in this
        order: ``"energy"`` (sum of squares), ``"relative_energy"`` (share of
        the channel's total over all bands), ``"entropy"`` (Shannon entropy,
        natural log, of the band's normalised squared coefficients),
        ``"mean"``, ``"std"``, ``"min"``, ``"max"``, ``"percentiles"`` (see
        ``percentiles``) and ``"zero_crossings"`` (number of sign changes,
        ignoring coefficients below ``1e-5`` times the channel's coefficient
        norm, which are zero up to rounding).

    percentiles : array-like of float, default=(25, 50, 75)
        Percentiles (0 to 100) computed when ``statistics`` contains
        ``"percentiles"``.

    scales : int or array-like of float, default=16
        Scales of the ``"cwt"``: explicit positive values, or an int for that
        many scales spaced geometrically from 1 to ``max(2, n_timepoints / 4)``.

    Attributes
    ----------
    n_features_in_ : int
        ``n_timepoints`` for 2-D input, ``n_channels`` for 3-D input (what
        :func:`~sklearn.utils.validation.validate_data` records).

    n_channels_ : int
        Number of channels seen in ``fit`` (1 for 2-D input).

    n_timepoints_ : int
        Length of the series seen in ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    WaveletDenoiser : Wavelet shrinkage of the series themselves.
    FFTFeaturizer : Fourier features.
    SktimeAdapter : Use the transformer inside sktime pipelines.

    Notes
    -----
    Output columns are ordered channel, then band, then statistic, and
    :meth:`get_feature_names_out` names them ``"{band}_{statistic}"`` (2-D
    input) or ``"c{channel}_{band}_{statistic}"`` (3-D input), for example
    ``"d3_energy"`` or ``"c1_a4_p50"``; coefficients are ``"{band}_{index}"``.

    References
    ----------
    .. [1] S. Mallat, "A Wavelet Tour of Signal Processing", 3rd ed., Academic
       Press, 2009.
    .. [2] G. R. Lee et al., "PyWavelets: A Python package for wavelet
       analysis", Journal of Open Source Software 4(36), 1237, 2019.
       https://doi.org/10.21105/joss.01237

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.signal import WaveletFeaturizer
    >>> X = np.random.RandomState(0).randn(10, 3, 128)  # 10 series, 3 channels
    >>> wf = WaveletFeaturizer("db4", level=3, statistics=["energy", "entropy"])
    >>> wf.fit_transform(X).shape
    (10, 24)
    >>> wf.get_feature_names_out()[:4]
    array(['c0_a3_energy', 'c0_a3_entropy', 'c0_d3_energy', 'c0_d3_entropy'],
          dtype=object)
    >>> WaveletFeaturizer("morl", decomposition="cwt", scales=8).fit_transform(
    ...     X[:, 0]).shape
    (10, 88)
    """

    _parameter_constraints: dict = {
        "wavelet": [str, pywt.Wavelet, pywt.ContinuousWavelet],
        "level": [Interval(Integral, 1, None, closed="left"), None],
        "mode": [StrOptions(set(pywt.Modes.modes))],
        "decomposition": [StrOptions({"dwt", "wpt", "cwt"})],
        "output": [StrOptions({"statistics", "coefficients"})],
        "statistics": [StrOptions({"all"}), "array-like"],
        "percentiles": ["array-like"],
        "scales": [Interval(Integral, 1, None, closed="left"), "array-like"],
    }

    def __init__(
        self,
        wavelet="db4",
        *,
        level=None,
        mode="symmetric",
        decomposition="dwt",
        output="statistics",
        statistics="all",
        percentiles=(25, 50, 75),
        scales=16,
    ):
        self.wavelet = wavelet
        self.level = level
        self.mode = mode
        self.decomposition = decomposition
        self.output = output
        self.statistics = statistics
        self.percentiles = percentiles
        self.scales = scales

    # -- parameters ----------------------------------------------------------

    def _wavelet_object(self):
        try:
            if self.decomposition == "cwt":
                if isinstance(self.wavelet, pywt.Wavelet):
                    raise ValueError("a discrete wavelet")
                return (
                    self.wavelet
                    if isinstance(self.wavelet, pywt.ContinuousWavelet)
                    else pywt.ContinuousWavelet(self.wavelet)
                )
            if isinstance(self.wavelet, pywt.ContinuousWavelet):
                raise ValueError("a continuous wavelet")
            return (
                self.wavelet
                if isinstance(self.wavelet, pywt.Wavelet)
                else pywt.Wavelet(self.wavelet)
            )
        except ValueError as exc:
            kind = "continuous" if self.decomposition == "cwt" else "discrete"
            raise ValueError(
                f"wavelet={self.wavelet!r} is not a {kind} PyWavelets wavelet, as "
                f"decomposition={self.decomposition!r} needs (see "
                f"pywt.wavelist(kind={kind!r})): {exc}"
            ) from None

    def _scales(self, n_timepoints):
        if isinstance(self.scales, Integral):
            return np.geomspace(1.0, max(2.0, n_timepoints / 4), int(self.scales))
        scales = np.asarray(self.scales, dtype=float).ravel()
        if scales.size == 0 or not np.all(np.isfinite(scales)) or np.any(scales <= 0):
            raise ValueError(
                f"scales must be positive and finite; got {self.scales!r}."
            )
        return scales

    def _percentiles(self):
        q = np.asarray(self.percentiles, dtype=float).ravel()
        if q.size == 0 or np.any((q < 0) | (q > 100)) or not np.all(np.isfinite(q)):
            raise ValueError(
                f"percentiles must be numbers in [0, 100]; got {self.percentiles!r}."
            )
        if len({f"{v:g}" for v in q}) != q.size:
            raise ValueError(
                f"percentiles must be distinct to 6 significant digits, which "
                f"name their features; got {self.percentiles!r}."
            )
        return q

    def _check_params(self, n_timepoints):
        self._wavelet_object()
        if self.output == "statistics":
            statistics = check_statistics(self.statistics, STATISTICS)
            if "percentiles" in statistics:
                self._percentiles()
        if self.decomposition == "cwt":
            names = [f"s{s:.4g}" for s in self._scales(n_timepoints)]
            if len(set(names)) != len(names):
                raise ValueError(
                    f"scales must be distinct (to 4 significant digits); got {names}."
                )

    # -- decomposition -------------------------------------------------------

    def _decompose(self, X):
        """Bands of ``X`` (n, C, T): (list of arrays (n, C, L_b), list of names)."""
        wavelet = self._wavelet_object()
        T = X.shape[-1]
        if self.decomposition == "dwt":
            level = _resolve_level(self.level, T, wavelet)
            bands = _quiet_wavedec(X, wavelet, self.mode, level, self.level is not None)
            names = [f"a{level}"] + [f"d{j}" for j in range(level, 0, -1)]
            return bands, names
        if self.decomposition == "wpt":
            level = _resolve_level(self.level, T, wavelet)
            if self.level is None and level == 1:  # as in _quiet_wavedec
                return list(pywt.dwt(X, wavelet, mode=self.mode, axis=-1)), ["a", "d"]
            packet = pywt.WaveletPacket(X, wavelet, mode=self.mode, maxlevel=level, axis=-1)
            nodes = packet.get_level(level, order="freq")
            return [node.data for node in nodes], [node.path for node in nodes]
        scales = self._scales(T)
        names = [f"s{s:.4g}" for s in scales]
        return [self._cwt(X, wavelet, scales)], names

    @staticmethod
    def _cwt(X, wavelet, scales):
        """Scalogram of ``X`` (n, C, T) as (n, C, S, T), in row chunks."""
        n, C, T = X.shape
        rows = max(1, _CWT_CHUNK_ELEMENTS // max(1, C * T * len(scales)))
        out = np.empty((n, C, len(scales), T), dtype=X.dtype)
        for start in range(0, n, rows):
            coef, _ = pywt.cwt(
                X[start : start + rows], scales, wavelet, method="fft", axis=-1
            )
            if np.iscomplexobj(coef):
                coef = np.abs(coef)
            out[start : start + rows] = np.moveaxis(coef, 0, 2)
        return out

    def _transform_3d(self, X):
        n, C, T = X.shape
        if self.decomposition == "cwt" and self.output != "coefficients":
            # The statistics of a few series at a time: the whole scalogram,
            # its float64 squares and sorted copy held 136 times the input
            # (2 GB for 15 MB of float32 series); each series' statistics
            # are its own, the same numbers bit for bit
            rows = max(1, _CWT_CHUNK_ELEMENTS // max(1, C * T * len(self._scales(T))))
            if n > rows:
                return write_rows(((start, self._features_of(X[start : start + rows]))
                                   for start in range(0, n, rows)), n)
        return self._features_of(X)

    def _features_of(self, X):
        """:meth:`_transform_3d` of ``X`` in one piece."""
        bands, _ = self._decompose(X)
        n, C = X.shape[:2]
        if self.output == "coefficients":
            if len(bands) == 1:  # the scalogram: already one array, no copy
                return bands[0].reshape(n, C, -1)
            return np.concatenate([b.reshape(n, C, -1) for b in bands], axis=-1)
        statistics = check_statistics(self.statistics, STATISTICS)
        percentiles = self._percentiles() if "percentiles" in statistics else None
        # squares in float64: those of float32 values below about 1e-19
        # underflow to 0 (relative energies and entropies, which do not
        # depend on scale, came out 0), and above about 1e19 overflow
        squares = [np.square(b, dtype=np.float64) for b in bands]
        energies = [sq.sum(axis=-1) for sq in squares]
        if self.decomposition == "cwt":  # one (n, C, S, T) array: S bands at once
            energy = energies[0]
            total = energy.sum(axis=-1, keepdims=True)
            stats = _band_statistics(
                bands[0], statistics, percentiles, squares[0], energy, total
            )
            return stats.reshape(n, C, -1)
        total = sum(energies)
        stats = [
            _band_statistics(b, statistics, percentiles, sq, e, total)
            for b, sq, e in zip(bands, squares, energies)
        ]
        return np.concatenate(stats, axis=-1)

    def _feature_names(self, n_timepoints):
        bands, names = self._decompose(np.zeros((1, 1, n_timepoints)))
        if self.output == "coefficients":
            if self.decomposition == "cwt":
                return [f"{s}_{t}" for s in names for t in range(n_timepoints)]
            return [
                f"{s}_{k}" for b, s in zip(bands, names) for k in range(b.shape[-1])
            ]
        statistics = check_statistics(self.statistics, STATISTICS)
        stat_names = []
        for name in statistics:
            if name == "percentiles":
                stat_names.extend(f"p{q:g}" for q in self._percentiles())
            else:
                stat_names.append(name)
        return [f"{band}_{stat}" for band in names for stat in stat_names]

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"wavelet": "haar", "level": 2},
            {"wavelet": "db2", "decomposition": "wpt", "level": 2,
             "statistics": ["energy", "entropy", "percentiles"]},
            {"wavelet": "morl", "decomposition": "cwt", "scales": 4},
            {"wavelet": "sym2", "output": "coefficients", "mode": "periodization"},
        ]


class WaveletDenoiser(_BaseSignalTransformer):
    """Wavelet shrinkage denoising: series in, denoised series of the same shape.

    Each series is decomposed with :func:`pywt.wavedec`; its detail
    coefficients are shrunk towards zero with a soft or hard threshold and the
    series is rebuilt with :func:`pywt.waverec`. The noise level ``sigma`` of
    each series (and channel) is estimated from its finest details by the
    median absolute deviation, ``median(|d1|) / 0.6745``, unless given. The
    approximation coefficients are kept as they are. (With ``set_output`` to
    pandas or polars, 3-D output is flattened to ``(n_samples, n_channels *
    n_timepoints)``, the columns of ``get_feature_names_out``.)

    Parameters
    ----------
    wavelet : str or pywt.Wavelet, default="db4"
        A discrete PyWavelets wavelet (``pywt.wavelist(kind="discrete")``).

    level : int or None, default=None
        Number of detail levels shrunk. None uses
        ``max(1, pywt.dwt_max_level(n_timepoints, wavelet) - 2)``, so that the
        coarsest levels, dominated by the signal and by boundary effects, are
        left alone (scikit-image subtracts 3 for images).

    mode : str, default="symmetric"
        Signal extension mode at the borders (``pywt.Modes.modes``).

    threshold : {"bayes", "universal"}, default="bayes"
        ``"bayes"`` (BayesShrink) adapts one threshold per level and series,
        ``sigma**2 / sigma_x`` with ``sigma_x**2 = max(mean(d**2) - sigma**2,
        0)`` (a level with ``sigma_x = 0`` is zeroed): it keeps detail and is
        the safer default. ``"universal"`` (VisuShrink) uses
        ``sigma * sqrt(2 log n_timepoints)`` on every level: very smooth
        results, but it can over-smooth signals with strong high-frequency
        content (chirps, short series) until the error exceeds the noise's.

    threshold_mode : {"soft", "hard"}, default="soft"
        Soft thresholding shrinks every coefficient by the threshold; hard
        thresholding zeroes those below it and keeps the others.

    sigma : float or None, default=None
        Known noise standard deviation, the same for all series; None
        estimates it per series and channel.

    Attributes
    ----------
    n_features_in_ : int
        ``n_timepoints`` for 2-D input, ``n_channels`` for 3-D input.

    n_channels_ : int
        Number of channels seen in ``fit`` (1 for 2-D input).

    n_timepoints_ : int
        Length of the series seen in ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    WaveletFeaturizer : Wavelet features of the series.
    skimage.restoration.denoise_wavelet : The same shrinkage for images.

    References
    ----------
    .. [1] D. L. Donoho and I. M. Johnstone, "Ideal spatial adaptation by
       wavelet shrinkage", Biometrika 81(3), 425-455, 1994.
       https://doi.org/10.1093/biomet/81.3.425
    .. [2] S. G. Chang, B. Yu and M. Vetterli, "Adaptive wavelet thresholding
       for image denoising and compression", IEEE Transactions on Image
       Processing 9(9), 1532-1546, 2000. https://doi.org/10.1109/83.862633

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.signal import WaveletDenoiser
    >>> t = np.linspace(0, 1, 256)
    >>> clean = np.sin(2 * np.pi * 5 * t) * np.ones((20, 1))
    >>> noisy = clean + 0.3 * np.random.RandomState(0).randn(20, 256)
    >>> denoised = WaveletDenoiser("sym8").fit_transform(noisy)
    >>> denoised.shape
    (20, 256)
    >>> bool(np.mean((denoised - clean) ** 2) < np.mean((noisy - clean) ** 2) / 2)
    True
    """

    _sktime_output = "Series"

    _parameter_constraints: dict = {
        "wavelet": [str, pywt.Wavelet],
        "level": [Interval(Integral, 1, None, closed="left"), None],
        "mode": [StrOptions(set(pywt.Modes.modes))],
        "threshold": [StrOptions({"universal", "bayes"})],
        "threshold_mode": [StrOptions({"soft", "hard"})],
        "sigma": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        wavelet="db4",
        *,
        level=None,
        mode="symmetric",
        threshold="bayes",
        threshold_mode="soft",
        sigma=None,
    ):
        self.wavelet = wavelet
        self.level = level
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.sigma = sigma

    def _wavelet_object(self):
        if isinstance(self.wavelet, pywt.Wavelet):
            return self.wavelet
        try:
            return pywt.Wavelet(self.wavelet)
        except ValueError as exc:
            raise ValueError(
                f"wavelet={self.wavelet!r} is not a discrete PyWavelets wavelet "
                f"(see pywt.wavelist(kind='discrete')): {exc}"
            ) from None

    def _check_params(self, n_timepoints):
        self._wavelet_object()

    def _transform_3d(self, X):
        wavelet = self._wavelet_object()
        T = X.shape[-1]
        if self.level is None:
            level = max(1, pywt.dwt_max_level(T, wavelet.dec_len) - 2)
        else:
            level = int(self.level)
        coeffs = _quiet_wavedec(X, wavelet, self.mode, level, self.level is not None)
        if self.sigma is None:
            sigma = np.median(np.abs(coeffs[-1]), axis=-1, keepdims=True) / 0.6745
        else:
            sigma = np.full(X.shape[:-1] + (1,), float(self.sigma), dtype=X.dtype)
        for j in range(1, len(coeffs)):
            d = coeffs[j]
            if self.threshold == "universal":
                thr = sigma * np.sqrt(2.0 * np.log(T))
            else:
                # squares in float64: float32's overflow from |d| ~ 1.8e19,
                # which gave var_y = inf and no shrinkage at all
                var_y = np.mean(np.square(d, dtype=np.float64), axis=-1,
                                keepdims=True)
                noise = np.square(sigma, dtype=np.float64)
                sigma_x = np.sqrt(np.maximum(var_y - noise, 0.0))
                max_abs = np.max(np.abs(d), axis=-1, keepdims=True)
                thr = np.where(sigma_x > 0, _safe_divide(noise, sigma_x), max_abs)
            if self.threshold_mode == "soft":
                coeffs[j] = np.sign(d) * np.maximum(np.abs(d) - thr, 0.0)
            else:
                coeffs[j] = np.where(np.abs(d) > thr, d, 0.0)
            coeffs[j] = coeffs[j].astype(X.dtype, copy=False)
        return pywt.waverec(coeffs, wavelet, mode=self.mode, axis=-1)[..., :T]

    def _finish(self, Xt, X):
        Xt = Xt.reshape(X.shape).astype(X.dtype, copy=False)
        if Xt.ndim == 3 and _get_output_config("transform", self)["dense"] != "default":
            # a DataFrame is 2-D: one column per name (pandas refused the
            # 3-D array: "Must pass 2-d input")
            Xt = Xt.reshape(len(Xt), -1)
        return Xt

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: those of the input for 2-D input.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; checked against those seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            For 2-D input, ``feature_names_in_`` or ``x0, x1, ...``; for 3-D
            input, ``c{channel}_x{t}`` in the order of
            ``X_new.reshape(n_samples, -1)``.
        """
        names = super().get_feature_names_out(input_features)
        if self._fit_ndim == 2 and input_features is not None:
            return np.asarray(input_features, dtype=object)
        if self._fit_ndim == 2 and hasattr(self, "feature_names_in_"):
            return np.asarray(self.feature_names_in_, dtype=object)
        return names

    def _feature_names(self, n_timepoints):
        return [f"x{t}" for t in range(n_timepoints)]

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"wavelet": "haar"},
            {"wavelet": "db2", "level": 2, "threshold": "universal",
             "threshold_mode": "hard"},
        ]
