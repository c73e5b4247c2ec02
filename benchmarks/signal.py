"""Benchmark: skdeep signal featurizers vs sktime's MiniRocket, 1-NN and raw pywt.

Run by hand (needs the ``timeseries`` extra, i.e. sktime, plus numba for
MiniRocket)::

    python benchmarks/signal.py            # writes benchmarks/results/signal.md
    python benchmarks/signal.py --quick    # two data sets, fewer repeats

Data: the UCR/UEA archive data sets that sktime ships *inside its package*
(GunPoint, ItalyPowerDemand, ArrowHead, OSULeaf, BasicMotions, plus ACSF1 and
JapaneseVowels, which the issue does not name, as general-case checks), read
from the installed package (``sktime/datasets/data/``) with sktime's bundled
loaders on their default train/test splits. Network access is disabled for
the whole run (``socket.connect`` raises), so nothing can be downloaded.

1. Accuracy and time (fit + predict, wall clock) of
   ``featurizer -> StandardScaler -> RidgeClassifierCV`` against sktime's
   MiniRocket (MiniRocketMultivariate for multivariate data) +
   RidgeClassifierCV, and against 1-NN with the Euclidean distance.
2. Transform throughput of the featurizers against calling PyWavelets
   directly on the same batch (best of several repeats).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import sys

if __name__ == "signal":  # pragma: no cover - import-time guard
    # Any script run from this folder (python benchmarks/som.py) has the folder
    # first on sys.path, so its `import signal` (joblib's, hence scikit-learn's)
    # finds this file. Load the standard library's signal module in its place.
    import importlib.util
    import os
    import sysconfig

    _spec = importlib.util.spec_from_file_location(
        "signal", os.path.join(sysconfig.get_paths()["stdlib"], "signal.py")
    )
    _stdlib_signal = importlib.util.module_from_spec(_spec)
    sys.modules["signal"] = _stdlib_signal
    _spec.loader.exec_module(_stdlib_signal)

from pathlib import Path  # noqa: E402

# Run as a script, this file's folder comes first on sys.path and the file's own
# name, "signal", would shadow the standard library's signal module (which
# joblib, hence scikit-learn, imports). Drop that folder before anything else.
_HERE = Path(__file__).resolve().parent
if __name__ == "__main__":
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "signal.md"
ALPHAS = np.logspace(-3, 3, 10)
DATASETS = [
    "GunPoint",
    "ItalyPowerDemand",
    "ArrowHead",
    "OSULeaf",
    "BasicMotions",
    "ACSF1",
    "JapaneseVowels",
]


class NetworkDisabled(RuntimeError):
    pass


def _no_network(*args, **kwargs):
    raise NetworkDisabled("network access attempted during the benchmark")


def disable_network():
    socket.socket.connect = _no_network
    socket.socket.connect_ex = _no_network
    socket.create_connection = _no_network


def load(name):
    """Bundled train/test split as (n, C, T) float64 arrays, from sktime's package."""
    import sktime.datasets as ds

    if name == "JapaneseVowels":
        return _load_japanese_vowels()
    loader = {
        "GunPoint": ds.load_gunpoint,
        "ItalyPowerDemand": ds.load_italy_power_demand,
        "ArrowHead": ds.load_arrow_head,
        "OSULeaf": ds.load_osuleaf,
        "BasicMotions": ds.load_basic_motions,
        "ACSF1": ds.load_acsf1,
    }[name]
    out = []
    for split in ("train", "test"):
        X, y = loader(split=split, return_X_y=True, return_type="numpy3D")
        out += [np.ascontiguousarray(X, dtype=np.float64), np.asarray(y)]
    return out


def _load_japanese_vowels():
    """Unequal lengths (7 to 29): zero-padded at the end to 29 by sktime's padder."""
    from sktime.datasets import load_japanese_vowels
    from sktime.transformations.series.padder import PaddingTransformer

    out = []
    for split in ("train", "test"):
        X, y = load_japanese_vowels(split=split, return_X_y=True)
        X = PaddingTransformer(pad_length=29, fill_value=0).fit_transform(X)
        X = np.stack([np.stack([np.asarray(c, dtype=float) for c in row])
                      for row in X.to_numpy()])
        out += [np.ascontiguousarray(X), np.asarray(y)]
    return out


def skdeep_pipelines():
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import StandardScaler

    from skdeep.signal import FFTFeaturizer, WaveletDenoiser, WaveletFeaturizer

    def ridge(*steps):
        return make_pipeline(*steps, StandardScaler(), RidgeClassifierCV(alphas=ALPHAS))

    return {
        "Wavelet DWT stats (db4)": lambda: ridge(WaveletFeaturizer("db4")),
        "Wavelet packet stats (db4, level 3)": lambda: ridge(
            WaveletFeaturizer("db4", decomposition="wpt", level=3)
        ),
        "Wavelet CWT stats (morl, 16 scales)": lambda: ridge(
            WaveletFeaturizer("morl", decomposition="cwt")
        ),
        "FFT features (k=5, 4 bands)": lambda: ridge(FFTFeaturizer()),
        "DWT stats + FFT": lambda: ridge(
            make_union(WaveletFeaturizer("db4"), FFTFeaturizer())
        ),
        "Denoise + DWT stats + FFT": lambda: ridge(
            WaveletDenoiser("db4"),
            make_union(WaveletFeaturizer("db4"), FFTFeaturizer()),
        ),
    }


def peer_pipelines(n_channels):
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    MiniRocket, MiniRocketMultivariate = _minirocket_classes()
    rocket = MiniRocket if n_channels == 1 else MiniRocketMultivariate

    def minirocket():
        from sklearn.preprocessing import StandardScaler

        # sktime's recommended MiniRocket classifier: features -> scaler -> ridge
        return make_pipeline(
            _SktimeToSklearn(rocket(random_state=0)),
            StandardScaler(with_mean=False),
            RidgeClassifierCV(alphas=ALPHAS),
        )

    def one_nn():
        flat = FunctionTransformer(lambda X: X.reshape(len(X), -1))
        return make_pipeline(flat, KNeighborsClassifier(n_neighbors=1))

    return {
        "sktime MiniRocket + RidgeClassifierCV": minirocket,
        "1-NN Euclidean": one_nn,
    }


def _minirocket_classes():
    try:  # sktime >= 1.0 (the panel path is deprecated there)
        from sktime.transformations.rocket import MiniRocket, MiniRocketMultivariate
    except ImportError:
        from sktime.transformations.panel.rocket import (
            MiniRocket,
            MiniRocketMultivariate,
        )
    return MiniRocket, MiniRocketMultivariate


class _SktimeToSklearn:
    """Minimal sklearn-style wrapper so an sktime transformer sits in a Pipeline."""

    def __init__(self, transformer):
        self.transformer = transformer

    def fit(self, X, y=None):
        self.transformer.fit(X)
        return self

    def transform(self, X):
        return np.asarray(self.transformer.transform(X))

    def get_params(self, deep=True):
        return {"transformer": self.transformer}

    def set_params(self, **params):
        for k, v in params.items():
            setattr(self, k, v)
        return self


def warm_up_numba():
    """Compile MiniRocket's numba kernels once, so that timings exclude the JIT."""
    MiniRocket, MiniRocketMultivariate = _minirocket_classes()

    X = np.random.RandomState(0).randn(10, 1, 50)
    MiniRocket(random_state=0).fit_transform(X)
    MiniRocketMultivariate(random_state=0).fit_transform(np.repeat(X, 2, axis=1))


def accuracy_table(names, repeats):
    rows = []
    for name in names:
        X_train, y_train, X_test, y_test = load(name)
        n_channels = X_train.shape[1]
        # 2-D for univariate data (the common scikit-learn shape), 3-D otherwise
        Xtr = X_train[:, 0] if n_channels == 1 else X_train
        Xte = X_test[:, 0] if n_channels == 1 else X_test
        candidates = {**skdeep_pipelines(), **peer_pipelines(n_channels)}
        for method, make in candidates.items():
            peer = method.startswith(("sktime", "1-NN"))
            times, acc = [], None
            for _ in range(repeats):
                model = make()
                start = time.process_time()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if peer and "MiniRocket" in method:
                        model.fit(X_train, y_train)
                        pred = model.predict(X_test)
                    else:
                        model.fit(Xtr, y_train)
                        pred = model.predict(Xte)
                times.append(time.process_time() - start)
                acc = float(np.mean(pred == y_test))
            rows.append(
                {
                    "dataset": name,
                    "shape": f"{len(X_train)}/{len(X_test)} x {n_channels} x "
                    f"{X_train.shape[-1]}",
                    "method": method,
                    "accuracy": acc,
                    "seconds": float(np.min(times)),
                }
            )
            print(f"{name:18s} {method:40s} acc={acc:.4f} "
                  f"time={rows[-1]['seconds']:.3f}s", flush=True)
    return rows


def _best_times(fn_a, fn_b, repeats):
    """Best CPU time of each of two functions, run alternately.

    Process CPU time (both sides are single-threaded numpy/PyWavelets code) is
    far less disturbed than wall time by other jobs on a shared machine.
    """
    fn_a(), fn_b()  # warm-up
    best_a = best_b = np.inf
    for _ in range(repeats):
        start = time.process_time()
        fn_a()
        best_a = min(best_a, time.process_time() - start)
        start = time.process_time()
        fn_b()
        best_b = min(best_b, time.process_time() - start)
    return best_a, best_b


def _direct_statistics(coeffs, q=(25, 50, 75)):
    """The nine per-band statistics written plainly with numpy (the baseline)."""
    energies = [np.sum(c**2, axis=-1) for c in coeffs]
    total = np.sum(energies, axis=0)
    feats = []
    for c, e in zip(coeffs, energies):
        p = c**2 / np.where(e > 0, e, 1)[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -np.nansum(p * np.log(p), axis=-1)
        zc = np.count_nonzero(np.diff(np.signbit(c), axis=-1), axis=-1)
        feats.append(np.stack(
            [e, e / np.where(total > 0, total, 1), h, c.mean(-1), c.std(-1), c.min(-1),
             c.max(-1), *np.percentile(c, q, axis=-1), zc], axis=-1))
    return np.concatenate(feats, axis=-1).reshape(len(coeffs[0]), -1)


def throughput_table(names, repeats, min_values=4_000_000):
    import pywt

    from skdeep.signal import WaveletDenoiser, WaveletFeaturizer

    rows = []
    for name in names:
        X_train, _, X_test, _ = load(name)
        X = np.concatenate([X_train, X_test])
        n_target = int(np.ceil(min_values / X[0].size))
        X = np.ascontiguousarray(np.tile(X, (int(np.ceil(n_target / len(X))), 1, 1)))
        T = X.shape[-1]
        level = max(1, pywt.dwt_max_level(T, pywt.Wavelet("db4").dec_len))
        scales = np.geomspace(1.0, max(2.0, T / 4), 16)
        n_cwt = max(1, min(len(X), 2_000_000 // (16 * T * X.shape[1])))
        Xc = X[:n_cwt]

        def pywt_dwt():
            return np.concatenate(pywt.wavedec(X, "db4", level=level, axis=-1), axis=-1)

        def pywt_wpt():
            wp = pywt.WaveletPacket(X, "db4", mode="symmetric", maxlevel=3, axis=-1)
            return np.concatenate([n.data for n in wp.get_level(3, order="freq")], -1)

        def pywt_cwt():  # plus the one copy into an (n_series, n_features) table
            coef = pywt.cwt(Xc, scales, "morl", method="fft", axis=-1)[0]
            return np.moveaxis(coef, 0, 2).reshape(len(Xc), -1)

        def pywt_denoise():  # what the denoiser computes, written directly
            c = pywt.wavedec(X, "db4", level=max(1, level - 2), axis=-1)
            sigma = np.median(np.abs(c[-1]), axis=-1, keepdims=True) / 0.6745
            for j in range(1, len(c)):
                var = np.mean(c[j] ** 2, axis=-1, keepdims=True)
                sx = np.sqrt(np.maximum(var - sigma**2, 0))
                thr = np.where(sx > 0, sigma**2 / np.where(sx > 0, sx, 1),
                               np.abs(c[j]).max(-1, keepdims=True))
                c[j] = np.sign(c[j]) * np.maximum(np.abs(c[j]) - thr, 0)
            return pywt.waverec(c, "db4", axis=-1)[..., :T]

        def pywt_dwt_stats():
            return _direct_statistics(pywt.wavedec(X, "db4", level=level, axis=-1))

        cases = [
            ("DWT coefficients", pywt_dwt,
             lambda: WaveletFeaturizer("db4", output="coefficients").transform(X)),
            ("DWT statistics (all 9) vs pywt + numpy statistics", pywt_dwt_stats,
             lambda: WaveletFeaturizer("db4").transform(X)),
            ("DWT statistics (all 9) vs pywt decomposition alone", pywt_dwt,
             lambda: WaveletFeaturizer("db4").transform(X)),
            ("WPT coefficients (level 3)", pywt_wpt,
             lambda: WaveletFeaturizer("db4", decomposition="wpt", level=3,
                                       output="coefficients").transform(X)),
            (f"CWT coefficients (16 scales, {n_cwt} series)", pywt_cwt,
             lambda: WaveletFeaturizer("morl", decomposition="cwt",
                                       output="coefficients").transform(Xc)),
            ("Denoiser (BayesShrink)", pywt_denoise,
             lambda: WaveletDenoiser("db4").transform(X)),
        ]
        for case, direct, ours in cases:
            gc.collect()
            t_direct, t_ours = _best_times(direct, ours, repeats)
            n = n_cwt if case.startswith("CWT") else len(X)
            rows.append(
                {
                    "dataset": name,
                    "batch": f"{n} x {X.shape[1]} x {T}",
                    "case": case,
                    "pywt_series_per_s": n / t_direct,
                    "skdeep_series_per_s": n / t_ours,
                    "ratio": t_direct / t_ours,
                }
            )
            print(f"{name:18s} {case:40s} pywt={n / t_direct:,.0f}/s "
                  f"skdeep={n / t_ours:,.0f}/s ratio={t_direct / t_ours:.2f}",
                  flush=True)
    return rows


def write_markdown(acc_rows, tp_rows, args):
    from importlib.metadata import version

    import pywt
    import sklearn
    import sktime

    import skdeep

    lines = [
        "# Signal featurizers: benchmark",
        "",
        f"Produced by `python benchmarks/signal.py{' --quick' if args.quick else ''}` "
        f"on {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, skdeep {skdeep.__version__}, "
        f"sktime {sktime.__version__}, scikit-learn {sklearn.__version__}, "
        f"PyWavelets {version('PyWavelets')} (pywt.__version__ {pywt.__version__}), "
        f"numpy {np.__version__}. Network disabled "
        f"during the run (socket.connect raises); data read from the files bundled "
        f"in the sktime package (`sktime/datasets/data/`) "
        f"(default train/test splits; JapaneseVowels, of unequal lengths, zero-padded "
        f"to 29 by sktime's PaddingTransformer). Times are process CPU time (all "
        f"threads; BLAS limited to one thread; other jobs share the machine, which "
        f"makes wall times unreliable), "
        f"best of {args.repeats} run(s), fit + predict (MiniRocket's numba JIT "
        f"compiled beforehand). ACSF1 and JapaneseVowels are not named by the issue "
        f"(general-case checks).",
        "",
        "## Accuracy and time: featurizer + StandardScaler + RidgeClassifierCV",
        "",
        "Ratios are relative to sktime's MiniRocket + RidgeClassifierCV on the same "
        "split (accuracy ratio > 1: more accurate; time ratio > 1: faster).",
        "",
        "| data set | train/test x C x T | method | accuracy | acc. / MiniRocket "
        "| CPU time (s) | speed vs MiniRocket |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    by_ds = {}
    for r in acc_rows:
        by_ds.setdefault(r["dataset"], []).append(r)
    for ds, rows in by_ds.items():
        ref = next(r for r in rows if r["method"].startswith("sktime MiniRocket"))
        for r in rows:
            lines.append(
                f"| {ds} | {r['shape']} | {r['method']} | {r['accuracy']:.4f} | "
                f"{r['accuracy'] / ref['accuracy']:.3f} | {r['seconds']:.3f} | "
                f"{ref['seconds'] / r['seconds']:.2f}x |"
            )
    lines += [
        "",
        "## Transform throughput: skdeep transformer vs PyWavelets called directly",
        "",
        "The same batch (train + test tiled to at least 4 million values; at most 2 "
        "million scalogram values for the CWT), best of "
        f"{max(15, args.repeats)} alternating runs, measured as process CPU time "
        "(other jobs share the machine, which makes wall times unreliable). `pywt` "
        "is the bare vectorized call "
        "(`wavedec` + concatenate, `WaveletPacket` + concatenate, `cwt` + one copy "
        "into an (n_series, n_features) table, or wavedec + BayesShrink + waverec "
        "written directly), or for statistics `wavedec` followed by the same "
        "nine statistics written plainly with numpy (`np.percentile` etc.); skdeep "
        "adds input validation (finiteness, shape). The row 'vs pywt decomposition "
        "alone' shows what the statistics cost on top of the transform. "
        "Target: ratio >= 0.8.",
        "",
        "| data set | batch | case | pywt (series/s) | skdeep (series/s) | ratio |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in tp_rows:
        lines.append(
            f"| {r['dataset']} | {r['batch']} | {r['case']} | "
            f"{r['pywt_series_per_s']:,.0f} | {r['skdeep_series_per_s']:,.0f} | "
            f"{r['ratio']:.2f} |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--datasets", nargs="*", default=None,
                        help=f"subset of {DATASETS}")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    names = args.datasets or (DATASETS[:2] if args.quick else DATASETS)
    disable_network()
    # One thread everywhere (BLAS, numba): on a shared 2-core machine, spinning
    # BLAS threads otherwise add CPU time at random to either side.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    warm_up_numba()
    # Throughput first, in a fresh process: after the accuracy runs (numba,
    # MiniRocket's large feature matrices) the allocator's state made the same
    # pywt calls up to 4x slower in our runs, on both sides of a ratio.
    tp = throughput_table(names, max(15, args.repeats))
    acc = accuracy_table(names, args.repeats)
    write_markdown(acc, tp, args)


if __name__ == "__main__":
    sys.exit(main())
