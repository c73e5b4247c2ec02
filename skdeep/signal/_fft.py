"""Fourier features of time series as a scikit-learn transformer."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from scipy import signal as sp_signal

from skdeep.signal._base import _BaseSignalTransformer, check_statistics
from skdeep.utils._sklearn import Interval, StrOptions

FEATURES = ("peaks", "band_powers", "centroid", "entropy")


class FFTFeaturizer(_BaseSignalTransformer):
    """Fourier features: strongest frequencies, band powers, centroid, entropy.

    Each series (after optional detrending and windowing) goes through a real
    FFT (:func:`numpy.fft.rfft`, whole batch at once). From its one-sided
    spectrum the transformer returns, per channel:

    - ``peaks``: frequency, amplitude and optionally phase of the
      ``n_frequencies`` bins of largest amplitude, strongest first. The
      amplitude is scaled so that a sine of amplitude ``A`` on a bin gives
      ``A``, with or without a ``window`` (divided by its coherent gain);
    - ``band_powers``: power in each frequency band, scaled so that the bands
      covering ``[0, sampling_rate / 2]`` sum to the mean of the squared
      (detrended, windowed) series (Parseval);
    - ``centroid``: the power-weighted mean frequency;
    - ``entropy``: the Shannon entropy of the normalised power spectrum,
      divided by ``log(n_bins)`` so that it lies in ``[0, 1]`` (1 is white
      noise, 0 a pure tone).

    It is stateless: ``fit`` only validates the input shape.

    Parameters
    ----------
    n_frequencies : int, default=5
        Number of strongest frequency bins reported by ``"peaks"`` (at most
        the ``n_timepoints // 2 + 1`` bins there are).

    phases : bool, default=False
        Also return the phase (radians) of each peak.

    bands : int or array-like of float, default=4
        An int splits ``[0, sampling_rate / 2]`` into that many equal bands;
        an increasing array gives band edges in the units of
        ``sampling_rate``. A band holds the bins from its lower edge
        (included) to its upper edge (excluded, but for the last band); a
        bin within a millionth of a bin's width of an edge counts as on it.

    sampling_rate : float, default=1.0
        Samples per unit of time; frequencies come out in cycles per that
        unit (Hz for samples per second).

    detrend : {"constant", "linear"} or None, default="constant"
        Removes the mean (or a least-squares line) of each series before the
        FFT, so that the 0 Hz bin does not dominate the peaks. What it
        leaves of a series that is all trend (a ramp) is rounding, a few
        ulps of the series' size, whose spectral centroid and entropy (which
        do not depend on scale) are then arbitrary numbers. (A threshold
        cannot tell them apart: a float32 ramp leaves up to 11 ulps, a real
        float32 oscillation can be as small.)

    window : str or None, default=None
        A window name for :func:`scipy.signal.get_window` (``"hann"``,
        ``"hamming"``, ...) applied before the FFT to reduce leakage.

    features : "all" or list of str, default="all"
        Which groups of features, in this order: ``"peaks"``,
        ``"band_powers"``, ``"centroid"``, ``"entropy"``.

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
    WaveletFeaturizer : Time-frequency (wavelet) features.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.signal import FFTFeaturizer
    >>> t = np.arange(200) / 100.0  # 2 s sampled at 100 Hz
    >>> X = np.stack([np.sin(2 * np.pi * f * t) for f in (5.0, 12.0, 30.0)])
    >>> fft = FFTFeaturizer(n_frequencies=1, sampling_rate=100.0, bands=2)
    >>> Xt = fft.fit_transform(X)
    >>> fft.get_feature_names_out()[:3]
    array(['peak1_freq', 'peak1_amplitude', 'band_0-25_power'], dtype=object)
    >>> Xt[:, 0]
    array([ 5., 12., 30.])
    """

    _parameter_constraints: dict = {
        "n_frequencies": [Interval(Integral, 1, None, closed="left")],
        "phases": ["boolean"],
        "bands": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "sampling_rate": [Interval(Real, 0, None, closed="neither")],
        "detrend": [StrOptions({"constant", "linear"}), None],
        "window": [str, None],
        "features": [StrOptions({"all"}), "array-like"],
    }

    def __init__(
        self,
        n_frequencies=5,
        *,
        phases=False,
        bands=4,
        sampling_rate=1.0,
        detrend="constant",
        window=None,
        features="all",
    ):
        self.n_frequencies = n_frequencies
        self.phases = phases
        self.bands = bands
        self.sampling_rate = sampling_rate
        self.detrend = detrend
        self.window = window
        self.features = features

    def _band_edges(self):
        nyquist = self.sampling_rate / 2
        if isinstance(self.bands, Integral):
            # i * nyquist / n, one rounding as the bins' k * fs / T: an edge
            # and a bin at the same frequency compare equal (linspace gave
            # 0.12499999999999999 for 0.125)
            n = int(self.bands)
            return np.arange(n + 1) * nyquist / n
        edges = np.asarray(self.bands, dtype=float)
        # (a list of [low, high] pairs read flat made up the bands between)
        if edges.ndim != 1 or edges.size < 2 or not np.all(np.isfinite(edges)) or (
            np.any(np.diff(edges) <= 0)
        ):
            raise ValueError(
                f"bands must be an int or a flat sequence of at least 2 strictly "
                f"increasing finite band edges; got {self.bands!r}."
            )
        return edges

    def _window(self, n_timepoints):
        if self.window is None:
            return None
        try:
            return sp_signal.get_window(self.window, n_timepoints, fftbins=True)
        except ValueError as exc:
            raise ValueError(
                f"window={self.window!r} is not a scipy.signal.get_window window: "
                f"{exc}"
            ) from None

    def _check_params(self, n_timepoints):
        check_statistics(self.features, FEATURES, name="features")
        self._band_edges()
        self._window(n_timepoints)

    def _transform_3d(self, X):
        features = check_statistics(self.features, FEATURES, name="features")
        T = X.shape[-1]
        if self.detrend is not None:
            X = sp_signal.detrend(X, axis=-1, type=self.detrend)
        window = self._window(T)
        if window is not None:
            X = X * window.astype(X.dtype)
        spectrum = np.fft.rfft(X, axis=-1)
        # k * fs / T, one rounding (rfftfreq's k * (1 / (T / fs)) put a bin
        # of 8 Hz at 7.999999999999999 and the Nyquist bin past fs / 2)
        freqs = np.arange(T // 2 + 1) * self.sampling_rate / T
        n_bins = freqs.size
        # One-sided scaling: every bin but 0 Hz (and Nyquist, for even T) doubles.
        double = np.full(n_bins, 2.0)
        double[0] = 1.0
        if T % 2 == 0:
            double[-1] = 1.0
        modulus = np.abs(spectrum)
        # in float64: float32 squares of small spectra underflow to 0 (the
        # centroid and entropy, which do not depend on scale, came out 0)
        power = np.square(modulus, dtype=np.float64) * (double / T**2)
        total = power.sum(axis=-1)
        out = []
        if "peaks" in features:
            k = min(self.n_frequencies, n_bins)
            # the window's sum, not T: its coherent gain (a Hann window
            # halved every amplitude)
            gain = T if window is None else float(window.sum())
            amplitude = modulus * (double / gain)
            idx = np.argsort(-amplitude, axis=-1, kind="stable")[..., :k]
            parts = [freqs[idx], np.take_along_axis(amplitude, idx, axis=-1)]
            if self.phases:
                parts.append(np.angle(np.take_along_axis(spectrum, idx, axis=-1)))
            out.append(np.stack(parts, axis=-1).reshape(X.shape[:2] + (-1,)))
        if "band_powers" in features:
            out.append(power @ self._band_matrix(freqs))
        if "centroid" in features or "entropy" in features:
            safe_total = np.where(total > 0, total, 1.0)
            if "centroid" in features:
                out.append(((power @ freqs) / safe_total)[..., None])
            if "entropy" in features:
                p = power / safe_total[..., None]
                logp = np.log(p, out=np.zeros_like(p), where=p > 0)
                entropy = -(p * logp).sum(axis=-1)
                if n_bins > 1:
                    entropy = entropy / np.log(n_bins)
                out.append(entropy[..., None])
        return np.concatenate(out, axis=-1)

    def _band_matrix(self, freqs):
        """(n_bins, n_bands) 0/1 matrix: bin i falls in band b.

        Lower edges are inclusive, upper ones exclusive but the last band's;
        a bin within a millionth of a bin's width of an edge is on it (edges
        given as decimals, 8.2, and sampling rates such as 0.1 Hz round
        differently from the bins: a bin on an edge fell in the band below,
        the Nyquist bin in none).
        """
        edges = self._band_edges()
        lower, upper = edges[:-1], edges[1:]
        tol = 1e-6 * (freqs[1] - freqs[0]) if len(freqs) > 1 else 0.0
        f = freqs[:, None]
        inside = (f >= lower - tol) & (f < upper - tol)
        inside[:, -1] |= np.abs(freqs - upper[-1]) <= tol
        return inside.astype(float)

    def _feature_names(self, n_timepoints):
        features = check_statistics(self.features, FEATURES, name="features")
        names = []
        if "peaks" in features:
            k = min(self.n_frequencies, n_timepoints // 2 + 1)
            parts = ["freq", "amplitude"] + (["phase"] if self.phases else [])
            names += [f"peak{i + 1}_{p}" for i in range(k) for p in parts]
        if "band_powers" in features:
            edges = self._band_edges()
            # 4 significant digits, more where edges would share a name
            # (1000.1 and 1000.2 both printed 1000)
            for digits in (4, 6, 8, 12, 17):
                bands = [f"band_{lo:.{digits}g}-{hi:.{digits}g}_power"
                         for lo, hi in zip(edges, edges[1:])]
                if len(set(bands)) == len(bands):
                    break
            names += bands
        if "centroid" in features:
            names.append("spectral_centroid")
        if "entropy" in features:
            names.append("spectral_entropy")
        return names

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"n_frequencies": 2},
            {"n_frequencies": 3, "phases": True, "bands": [0.0, 0.1, 0.3, 0.5],
             "window": "hann", "detrend": "linear", "sampling_rate": 1.0},
        ]
