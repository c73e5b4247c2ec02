"""Benchmark of the recurrent family: sequence classification (and forecasting).

Parts, each run on its own with ``--part`` (``all`` runs both):

``classification``
    Two UEA multivariate archive problems that sktime ships (loaded offline
    from sktime's bundled files), on their standard train/test splits:

    * JapaneseVowels: 12 LPC cepstrum channels, 9 speakers, series of 7 to 29
      time points (unequal length), 270 train / 370 test.
    * BasicMotions: 6 accelerometer/gyroscope channels, 4 activities, 100
      time points, 40 train / 40 test.

    Methods:

    * skdeep :class:`~skdeep.recurrent.RNNClassifier`: LSTM, GRU and a
      bidirectional LSTM (``merge_mode="concat"``), inside a Pipeline
      after a per-channel standardization fitted on the training part
      (JapaneseVowels: NaN-padded at the end, the padding is packed away by
      the estimator). ``hidden_size`` (32, 64) x ``max_epochs`` (100, 300)
      is chosen by 3-fold stratified cross-validation on the training part
      only (GridSearchCV, then refit on the whole training part); Adam, lr
      0.01, batch 32. Five seeds (the seed sets both the network's and the
      folds' randomness); accuracy mean +- standard deviation over seeds.
    * sktime MiniRocket (``MiniRocketMultivariate``; JapaneseVowels:
      ``MiniRocketMultivariateVariable``, the variant for unequal lengths,
      with ``pad_value_short_series=0`` because it needs at least 9 time
      points and two series, one train and one test, have 7) followed by
      ``StandardScaler(with_mean=False)`` and
      ``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))``, as sktime's
      ``RocketClassifier`` does. Random only through its bias quantiles: five
      seeds as well.
    * 1-NN DTW: sktime ``KNeighborsTimeSeriesClassifier(distance="dtw")``
      (dependent multivariate DTW, full window), deterministic, run once.
      sktime's numba DTW handles only equal lengths, so JapaneseVowels'
      series are padded to 29 time points by repeating their last value
      (which DTW can warp onto the series' last point).

    Numba-compiled baselines are warmed up on a few series first, so their
    timings exclude JIT compilation. Torch runs on one thread, numba with its
    "workqueue" threading layer (see below).

    No published reference numbers: /work/shared/data/SOURCES.md holds none
    for these data sets (the UEA bake-off tables are not among the shared
    files).

``forecasting``
    Written by ``benchmarks/_sequence_forecasting.py`` (``run_forecasting``),
    imported only when this part is asked for.

Results go to ``benchmarks/results/sequence.md``; each part has its own
section (``<!-- part:NAME -->`` markers), so parts can be rerun separately.

Usage::

    python benchmarks/sequence.py --part classification
    python benchmarks/sequence.py --part classification --quick   # smoke run
    python benchmarks/sequence.py --part forecasting
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
from pathlib import Path

# Running ``python benchmarks/sequence.py`` puts benchmarks/ first on the
# path, where a sibling script (signal.py) would shadow the standard library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.append(str(_HERE))  # after the stdlib: _common, _sequence_forecasting

import os  # noqa: E402

# sktime's numba code (MiniRocket, DTW) starts numba's OpenMP thread pool by
# default; next to torch's OpenMP runtime in the same process, that made every
# later torch fit 40-80x slower here (1.6 s -> 73 s of CPU for one small LSTM
# fit). numba's own "workqueue" pool does not interfere.
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import Counter  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _common import (  # noqa: E402
    RESULTS,
    Timer,
    machine,
    markdown_table,
    write_parts,
)
from sklearn.base import BaseEstimator, TransformerMixin  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from skdeep.recurrent import RNNClassifier  # noqa: E402

RESULT_FILE = RESULTS / "sequence.md"
PARTS = ("classification", "forecasting")
RNN_METHODS = {
    "LSTM": dict(cell="lstm"),
    "GRU": dict(cell="gru"),
    "BiLSTM": dict(cell="lstm", bidirectional=True),
}
# The epochs axis: with 100 epochs (2 batches of 32 each on BasicMotions' 40
# series) the LSTM underfit 3 of 5 seeds (training accuracy 0.70-0.75).
GRID = {"rnnclassifier__hidden_size": [32, 64], "rnnclassifier__max_epochs": [100, 300]}
QUICK_GRID = {"rnnclassifier__hidden_size": [16], "rnnclassifier__max_epochs": [10]}


class ChannelStandardizer(TransformerMixin, BaseEstimator):
    """Standardize each channel of (n, C, T) series; NaN padding stays NaN."""

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = np.nanmean(X, axis=(0, 2), keepdims=True)[0]
        self.scale_ = np.nanstd(X, axis=(0, 2), keepdims=True)[0]
        self.scale_[self.scale_ == 0] = 1.0
        return self

    def transform(self, X):
        return (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_


# --------------------------------------------------------------------- data


def _nested_to_list(X):
    """sktime nested DataFrame -> list of (C, T_i) arrays."""
    return [
        np.vstack([X.iloc[i, c].to_numpy(dtype=np.float64) for c in range(X.shape[1])])
        for i in range(len(X))
    ]


def _pad(arrays, T, mode):
    """Stack (C, T_i) arrays into (n, C, T): trailing NaN or last-value padding."""
    if mode == "nan":
        out = np.full((len(arrays), arrays[0].shape[0], T), np.nan)
        for i, a in enumerate(arrays):
            out[i, :, : a.shape[1]] = a
        return out
    pads = [((0, 0), (0, T - a.shape[1])) for a in arrays]
    return np.stack([np.pad(a, p, mode="edge") for a, p in zip(arrays, pads)])


def load(name):
    """Train/test parts of one data set, in the forms each method takes."""
    from sktime.datasets import load_basic_motions, load_japanese_vowels

    if name == "BasicMotions":
        parts = {
            split: load_basic_motions(
                split=split, return_X_y=True, return_type="numpy3D"
            )
            for split in ("train", "test")
        }
        d = {}
        for split, (X, y) in parts.items():
            d[split] = dict(rnn=X, rocket=X, dtw=X, y=np.asarray(y))
        d["note"] = "equal length (100)"
        return d
    parts = {
        split: load_japanese_vowels(split=split, return_X_y=True)
        for split in ("train", "test")
    }
    arrays = {split: _nested_to_list(X) for split, (X, _) in parts.items()}
    T = max(a.shape[1] for v in arrays.values() for a in v)
    d = {}
    for split, (X, y) in parts.items():
        d[split] = dict(
            rnn=_pad(arrays[split], T, "nan"),
            rocket=X,  # nested DataFrame, unequal lengths
            dtw=_pad(arrays[split], T, "edge"),
            y=np.asarray(y),
        )
    lengths = [a.shape[1] for v in arrays.values() for a in v]
    d["note"] = f"unequal length ({min(lengths)} to {max(lengths)})"
    return d


# ------------------------------------------------------------------ methods


def run_rnn(data, params, seed, quick):
    pipe = make_pipeline(
        ChannelStandardizer(),
        RNNClassifier(lr=0.01, batch_size=32, random_state=seed, **params),
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=seed)
    search = GridSearchCV(pipe, QUICK_GRID if quick else GRID, cv=cv, n_jobs=1)
    with Timer() as t_fit:
        search.fit(data["train"]["rnn"], data["train"]["y"])
    with Timer() as t_pred:
        pred = search.predict(data["test"]["rnn"])
    best = search.best_params_
    return dict(
        accuracy=float(np.mean(pred == data["test"]["y"])),
        search_s=t_fit.seconds - search.refit_time_,
        fit_s=search.refit_time_,
        predict_s=t_pred.seconds,
        chosen=f"h={best['rnnclassifier__hidden_size']}, "
        f"e={best['rnnclassifier__max_epochs']}",
    )


def _minirocket(name, seed):
    from sktime.transformations.panel.rocket import (
        MiniRocketMultivariate,
        MiniRocketMultivariateVariable,
    )

    if name == "JapaneseVowels":
        return MiniRocketMultivariateVariable(
            random_state=seed, pad_value_short_series=0, n_jobs=1
        )
    return MiniRocketMultivariate(random_state=seed, n_jobs=1)


def run_minirocket(name, data, seed):
    # Steps by hand: sktime transformers fail inside scikit-learn 1.9's
    # Pipeline (its callback context), so transform -> scale -> ridge.
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.preprocessing import StandardScaler

    Xtr, Xte = data["train"]["rocket"], data["test"]["rocket"]
    with Timer() as t_fit:
        rocket = _minirocket(name, seed)
        F = rocket.fit_transform(Xtr)
        scaler = StandardScaler(with_mean=False)
        ridge = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
        ridge.fit(scaler.fit_transform(F), data["train"]["y"])
    with Timer() as t_pred:
        pred = ridge.predict(scaler.transform(rocket.transform(Xte)))
    return dict(
        accuracy=float(np.mean(pred == data["test"]["y"])),
        fit_s=t_fit.seconds,
        predict_s=t_pred.seconds,
    )


def run_dtw(data):
    from sktime.classification.distance_based import KNeighborsTimeSeriesClassifier

    Xtr, Xte = data["train"]["dtw"], data["test"]["dtw"]
    with Timer() as t_fit:
        knn = KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw")
        knn.fit(Xtr, data["train"]["y"])
    with Timer() as t_pred:
        pred = knn.predict(Xte)
    return dict(
        accuracy=float(np.mean(pred == data["test"]["y"])),
        fit_s=t_fit.seconds,
        predict_s=t_pred.seconds,
    )


def warm_up(name, data):
    """Compile the numba code of the baselines outside the timings."""
    from sktime.classification.distance_based import KNeighborsTimeSeriesClassifier

    tr = data["train"]
    idx = np.linspace(0, len(tr["y"]) - 1, 12).astype(int)  # several classes
    rocket = tr["rocket"]
    rocket = rocket.iloc[idx] if hasattr(rocket, "iloc") else rocket[idx]
    _minirocket(name, 0).fit_transform(rocket)
    knn = KNeighborsTimeSeriesClassifier(distance="dtw")
    knn.fit(tr["dtw"][idx], tr["y"][idx]).predict(tr["dtw"][idx[:2]])


# -------------------------------------------------------------- the part


def _mean_std(values, digits=4):
    values = np.asarray(values)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def classification(seeds, quick):
    datasets = ["JapaneseVowels", "BasicMotions"]
    sections = [
        "## Sequence classification (UEA JapaneseVowels, BasicMotions)",
        "",
        f"Machine: {machine()}; load average at the start {_load()} (the "
        "machine is shared: timings are noisy, compare within a table).",
        "",
        "Standard train/test splits of the UEA archive files that sktime "
        f"{_version('sktime')} ships. Accuracy on the test part; neural nets and "
        f"MiniRocket: mean ± standard deviation (ddof=1) over seeds "
        f"{list(seeds)}; 1-NN DTW is deterministic (one run). skdeep RNNs: "
        "per-channel standardization (training statistics) + `RNNClassifier` "
        "(Adam, lr 0.01, batch 32), `hidden_size` and `max_epochs` chosen from "
        f"{_grid_text(quick)} by 3-fold stratified CV on the training part "
        "only, then refit on the whole training part. *CV search* is the "
        "search's time without the refit, *fit* the refit on the training "
        "part, *predict* the whole test part (mean over seeds). Ratios: "
        "accuracy over the best baseline's (highest accuracy among MiniRocket "
        "and 1-NN DTW), fit time over its fit time. See the docstring of "
        "`benchmarks/sequence.py` for the baselines' settings (MiniRocket with "
        "ridge; JapaneseVowels' unequal lengths: NaN padding packed away for "
        "the RNNs, sktime's variable-length MiniRocket, last-value padding to "
        "29 steps for DTW).",
        "",
        "No published reference numbers: `/work/shared/data/SOURCES.md` has "
        "none for these data sets.",
        "",
    ]
    for name in datasets:
        print(f"== {name}", flush=True)
        data = load(name)
        warm_up(name, data)
        rows = {}
        rocket = [run_minirocket(name, data, s) for s in seeds]
        rows["sktime MiniRocket + ridge"] = rocket
        print("MiniRocket", [r["accuracy"] for r in rocket], flush=True)
        dtw = [run_dtw(data)]
        rows["sktime 1-NN DTW"] = dtw
        print("1-NN DTW", dtw[0]["accuracy"], flush=True)
        baselines = dict(rows)
        def mean_accuracy(k):
            return np.mean([r["accuracy"] for r in baselines[k]])

        best_name = max(baselines, key=mean_accuracy)
        best_acc = np.mean([r["accuracy"] for r in baselines[best_name]])
        best_fit = np.mean([r["fit_s"] for r in baselines[best_name]])
        for method, params in RNN_METHODS.items():
            runs = []
            for s in seeds:
                runs.append(run_rnn(data, params, s, quick))
                print(method, s, runs[-1], flush=True)
            rows[f"skdeep RNNClassifier {method}"] = runs
        table = []
        for method, runs in rows.items():
            acc = [r["accuracy"] for r in runs]
            fit = np.mean([r["fit_s"] for r in runs])
            rnn = "search_s" in runs[0]
            search = f"{np.mean([r['search_s'] for r in runs]):.1f}" if rnn else "—"
            chosen = Counter(r["chosen"] for r in runs) if rnn else None
            table.append([
                method + (" (best baseline)" if method == best_name else ""),
                _mean_std(acc),
                len(runs),
                "; ".join(f"{k} ×{v}" for k, v in chosen.most_common())
                if chosen
                else "—",
                search,
                f"{fit:.2f}",
                f"{np.mean([r['predict_s'] for r in runs]):.3f}",
                f"{np.mean(acc) / best_acc:.3f}",
                f"{fit / best_fit:.1f}",
            ])
        n_tr, n_te = len(data["train"]["y"]), len(data["test"]["y"])
        sections += [
            f"### {name}",
            "",
            f"{n_tr} train / {n_te} test series, "
            f"{len(np.unique(data['train']['y']))} classes, {data['note']}.",
            "",
            markdown_table(
                ["method", "accuracy", "runs", "chosen (hidden, epochs)",
                 "CV search (s)", "fit (s)", "predict (s)",
                 "accuracy / best baseline", "fit time / best baseline"],
                table,
            ),
            "",
        ]
    sections.append(f"Load average at the end: {_load()}.")
    return "\n".join(sections)


def _load():
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _grid_text(quick):
    grid = QUICK_GRID if quick else GRID
    return (
        f"hidden_size {grid['rnnclassifier__hidden_size']} x max_epochs "
        f"{grid['rnnclassifier__max_epochs']}"
    )


def _version(package):
    from importlib.metadata import version

    return version(package)


# ------------------------------------------------------------------ output


def write(sections):
    write_parts(
        RESULT_FILE, "Sequence models benchmark",
        "Produced by `python benchmarks/sequence.py --part PART` (see its docstring).",
        sections, PARTS,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=[*PARTS, "all"], default="all")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="one seed, a one-point grid of tiny nets; prints, writes nothing",
    )
    args = ap.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=FutureWarning)
    seeds = range(1 if args.quick else args.seeds)
    start = time.perf_counter()
    if args.part in ("classification", "all"):
        section = classification(seeds, args.quick)
        if args.quick:
            print(section)
        else:
            write({"classification": section})
    if args.part in ("forecasting", "all"):
        try:
            from _sequence_forecasting import run_forecasting
        except ModuleNotFoundError as exc:
            if exc.name != "_sequence_forecasting":
                raise
            sys.exit("benchmarks/_sequence_forecasting.py is missing")
        section = run_forecasting(quick=args.quick)
        if args.quick:
            print(section)
        else:
            write({"forecasting": section})
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
