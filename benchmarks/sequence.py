"""Benchmark of the recurrent family: classification, forecasting, memory,
speed, stateful forecasting, hierarchical classification.

Parts, each run on its own with ``--part`` (``all`` runs all six, in this
order):

``classification``
    Two UEA multivariate archive problems that sktime ships (loaded offline
    from sktime's bundled files), on their standard train/test splits:

    * JapaneseVowels: 12 LPC cepstrum channels, 9 speakers, series of 7 to 29
      time points (unequal length), 270 train / 370 test.
    * BasicMotions: 6 accelerometer/gyroscope channels, 4 activities, 100
      time points, 40 train / 40 test.

    Methods:

    * skdeep :class:`~skdeep.recurrent.RNNClassifier`: LSTM, GRU, a
      bidirectional LSTM (``merge_mode="concat"``), QRNN and SRU (``cell=
      "qrnn"``, window 2 with fo-pooling, and ``cell="sru"``, the cells'
      defaults; since session 15 the classifier reads QRNN and SRU through
      the mean of their outputs over the valid steps, see "QRNN/SRU
      readout" below), inside a Pipeline
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

    The section ends with one sentence per data set comparing QRNN and SRU
    with LSTM: "equal accuracy" when their mean accuracies differ by at most
    the larger of the two standard deviations over seeds (fixed before the
    run), and the ratio of the mean refit times (LSTM / cell), so the speed
    part's claim can be read "at equal accuracy".

    QRNN/SRU readout (session 15, issue #14; declared here before the
    selection run and before any test-part rerun). The session-14 run had
    QRNN 0.825 and SRU 0.817 against LSTM 0.992 on BasicMotions' test part.
    Diagnosis on BasicMotions' TRAINING part only (3-fold stratified CV of
    the 40 training series, seeds 0-2, hidden 32, 300 epochs; the script is
    ``sequence_runs/classification_diagnose.py``, its output
    ``classification_diagnose.txt``; these numbers were seen before this
    protocol was written): reading the class from the top layer's output
    at the LAST step gives CV 0.842 (QRNN) / 0.775 (SRU); the MEAN of the
    outputs over the valid steps gives 1.000 / 1.000; a forget-gate bias of
    3 instead of 1 (longer memory, still last step) 0.934 / 0.851; QRNN
    ifo-pooling with forget bias 3 0.984; lr 0.003, window 4, two layers or
    bidirectional no cure. The cells' state is a gated moving average of
    per-step features with no hidden-to-hidden path, and with the forget
    bias of 1 (f about 0.73) the last output summarizes only the last few
    steps; BasicMotions' classes (activities) are told apart by the energy
    of the whole 10-second recording. Candidates for the QRNN/SRU default,
    each a fixed rule, no parameter tuned: R0 as before (last step, forget
    bias 1); R1 mean of the top-layer outputs over each series' valid steps
    (masked), forget bias 1; R2 last step, forget bias 3; (QRNN only) R3
    last step, ifo-pooling, forget bias 3. Selection data: the training
    parts of BOTH data sets only; score: GridSearchCV's ``best_score_`` (the
    benchmark's own inner 3-fold CV over its grid), seeds 0-2; metric: the
    mean of that score over seeds and the two data sets. Decision rule: per
    cell, the candidate with the highest metric; one within 0.005 of a
    simpler one loses to it (simplicity order R0, R2, R1, R3). The test
    parts are then run once with the chosen default (the table below),
    whatever they show. LSTM/GRU/BiLSTM keep the last-step readout (not part
    of this selection). Selection output: ``sequence_runs/
    classification_select_readout.txt``. Outcome (seen before the test
    parts were run): metric QRNN R0 0.9037, R2 0.9748, R1 0.9840, R3 0.9794;
    SRU R0 0.8676, R2 0.9095, R1 0.9901: R1 (mean readout) for both, now
    ``RNNClassifier``'s behaviour for these cells (not for ``stateful=True``,
    and not for ``RNNRegressor``: neither was part of the selection).

    Numba-compiled baselines are warmed up on a few series first, so their
    timings exclude JIT compilation. Torch runs on one thread, numba with its
    "workqueue" threading layer (see below).

    No published reference numbers: /work/shared/data/SOURCES.md holds none
    for these data sets (the UEA bake-off tables are not among the shared
    files).

``forecasting``
    Written by ``benchmarks/_sequence_forecasting.py`` (``run_forecasting``),
    imported only when this part is asked for.

``memory``
    Long-range memory tasks, generated from seeds (no downloads), written by
    ``benchmarks/_sequence_memory.py`` (``run_memory``):

    * The adding problem (Hochreiter & Schmidhuber 1997; as in Le et al.
      2015 and the RWA paper, Ostmeyer & Cowell 2017): inputs ``(T, 2)``,
      channel 0 uniform [0, 1] values, channel 1 a marker that is 1 at
      exactly two steps, one drawn uniformly from the first half and one from
      the second; target the sum of the two marked values; MSE. Predicting
      1.0 scores 1/6 = 0.167. SOLVED = test MSE below 0.01 (threshold fixed
      before any run). T = 100, 500, 1000.
    * The copy-memory task (Arjovsky et al. 2016): 10 symbols drawn from 8
      categories, then T - 1 blanks, a delimiter and 10 blanks (T + 20 steps,
      one-hot over 10 codes); the targets are blanks, then the 10 symbols
      over the last 10 steps; cross-entropy averaged over all steps (the
      baseline that outputs blanks and then guesses uniformly scores
      10 log 8 / (T + 20)). Reported: final cross-entropy and the accuracy on
      the 10 recalled symbols; SOLVED = recall accuracy >= 0.99 (fixed before
      any run). T = 50 and 100 (feasible on a CPU core).

    Models: a plain torch module, ``RecurrentStack`` (one layer, the cells'
    defaults: QRNN window 2 with fo-pooling, unit forget bias) + a linear
    readout (adding: from the output after the last step; copy: at every
    step), for RWA, QRNN, SRU, LSTM and GRU at EQUAL parameter counts of the
    recurrent layer: the largest hidden size whose layer has at most the
    parameters of a one-layer LSTM with ``--budget-hidden`` units (default
    32: adding 4,608, copy 5,632 parameters; the RWA paper used 250 units,
    scaled down here for one CPU core). So the cells without a
    hidden-to-hidden matrix get much wider states (adding: QRNN 307, SRU 384
    units; copy: 89 and 128), and on one CPU core a QRNN or SRU step at
    T=1000 costs about 40x an LSTM step (mostly memory-bound element-wise
    work on (100, 1000, 4H) tensors), so within the wall budget they run few
    steps at the long T. ``--memory-match hidden`` gives every cell
    ``--budget-hidden`` units instead (the RWA paper's protocol). The
    readouts add H + 1 (adding) or 10 (H + 1) (copy) parameters; both counts
    are reported. Adam, lr 1e-3 and batch 100 (the RWA paper's),
    no gradient clipping; a fresh batch generated every step from a seeded
    ``torch.Generator`` (seed 10000 * seed + T), the network initialised with
    ``torch.manual_seed(seed)``; a fixed held-out test set of
    ``--test-size`` (default 1000) sequences, the same for every run of a T.

    Budgets: each run trains until solved, or for at most ``--max-steps``
    (default 20,000) steps, or until its training time (evaluation
    excluded, CPU seconds of the process on one torch thread, so a busy
    machine does not shorten a run) reaches its budget: adding T=100 45 s,
    T=500 75 s, T=1000 120 s; copy T=50 40 s, T=100 60 s (times
    ``--wall-scale``). The
    test error is evaluated every ``--eval-every`` (default 50) steps; *steps
    to solve* is the first evaluation under the threshold (the run stops
    there), otherwise "not solved" within the steps and seconds it ran.
    Seeds: ``--memory-seeds`` (default 2: seeds 0, 1) for adding T=100 and
    copy T=50, ``--memory-long-seeds`` (default 1: seed 0) for the longer T.
    With the defaults the part takes at most about 36 minutes of training
    plus 5-10% of evaluation on one core (less when runs solve early).
    Table: task x T x cell -> hidden size, parameters, steps and training
    seconds to solve per seed, final test error (mean +- std over seeds),
    steps run, ms per step, time. A closing sentence states, computed from
    the records, whether "RWA solves the adding problem at T=1000 much faster
    than LSTM" holds: every RWA run solved it and either no LSTM run did
    (within its budget) or RWA's median steps and training seconds to solve
    are both at most half of LSTM's.

    Resumable: every run appends a JSON line to
    ``<--runs-dir>/memory.jsonl`` (default ``benchmarks/sequence_runs/``)
    with the settings it ran with; runs already present with the same
    settings are skipped, and the table is built from all of them. Split a
    long run with ``--memory-tasks adding:1000,copy:100`` and
    ``--memory-cells rwa,lstm``; ``--merge`` only rebuilds the table.

``speed``
    Forward + backward wall time of ONE layer, batch 32, input 256, hidden
    256, float32, T = 100 and 1000, for ``RecurrentStack`` with each cell
    (lstm, gru, rnn, rwa, qrnn, sru) and for torch's ``nn.LSTM`` and
    ``nn.GRU`` called directly (the stack's lstm/gru paths wrap them); a
    random input requiring its gradient, a fixed random output gradient;
    median of ``--speed-repeats`` (default 5) repeats after
    ``--speed-warmup`` (default 2) warm-up passes. Also the shared
    sequential kernel ``linear_recurrence`` alone (forward + backward on
    (32, T, 256)) and its share of the QRNN and SRU layers' time. On the
    CPU with 1 thread and with torch's default thread count at start-up (the
    machine's cores; skipped when that is 1); ``--device cuda`` times on
    the GPU instead (records from several machines merge in the table).
    Ratios vs ``nn.LSTM``; the target "QRNN and SRU >= 2x faster than
    nn.LSTM at T=1000 on CPU" is printed as met / not met from the numbers.
    Accuracy at these speeds: the classification part's QRNN and SRU rows.
    Records go to ``<--runs-dir>/speed.jsonl``; the table shows the latest
    record of each cell.

``stateful``
    Stateful against stateless recurrent forecasting on long real series,
    written by ``benchmarks/_sequence_stateful.py`` (``run_stateful``).
    Protocol, fixed before any full run:

    * Data, shipped inside sktime (offline). Main set: the ECG excerpt
      ``sktime/datasets/data/mitdb/mitdb.csv`` (7,500 samples of an MIT-BIH
      arrhythmia record at 360 Hz; sktime 1.2 ships the file without a
      loader, read with pandas), averaged over non-overlapping blocks of 4
      -> 1,875 points at 90 Hz (one beat is about 75 points). Second,
      held-out set (nothing chosen on it):
      ``load_electric_devices_segmentation()`` from its third annotated
      change point (index 5,712) to the end, 5,820 points over two annotated
      regimes. Each series: the first 2/3 train, the last 1/3 is tested.
      Dominant period ``sp``: lag of the highest autocorrelation of the
      training part after it first turns negative.
    * Forecasters, rolling origin: 25 (ECG) / 40 (ElectricDevices) origins
      evenly spaced over the test part, forecasts of steps 1-24 from all data
      up to the origin. skdeep ``LSTMForecaster(window_length=24, cell=C,
      stateful=S, hidden_size=32, dropout=0.0, inherent_noise=False,
      lr=0.005, batch_size=32, max_epochs=150)``, C in lstm, sru, S in
      False, True (equal window: the stateless input window is the stateful
      truncated-BPTT chunk), fitted ONCE on the training part, then fed the
      later observations with ``update(update_params=False)`` (no
      retraining). Peers in the same run, refitted at every origin: sktime
      ``NaiveForecaster(strategy="last")`` and seasonal naive
      ``NaiveForecaster(strategy="last", sp=sp)`` (Theta, ExponentialSmoothing
      and AutoETS need statsmodels, which is not installed). sMAPE (%) and
      MASE (``y_train`` = all data up to the origin, ``sp``) from
      ``sktime.performance_metrics.forecasting``, averaged over the origins;
      MASE is the main metric (both series cross zero, where sMAPE's
      denominator vanishes).
    * One-step regressor: the series scaled to [-1, 1] (training min/max),
      cut into consecutive non-overlapping windows of 8 points, row k =
      window k, target = the next point. Rows whose target is in the training
      part train, the rest are tested. skdeep ``RNNRegressor(cell="lstm",
      hidden_size=32, lr=0.01, batch_size=8, max_epochs=200, stateful=S)``
      (stateful: 8 streams carried side by side). Stateful predictions:
      ``predict`` on ALL rows in order (one continuous series from a fresh
      state) keeping the test rows; stateless: ``predict`` on the test rows.
      Peers on the same targets: the row's last value and the value ``sp``
      steps back.
    * Seeds: ``--stateful-seeds`` (default 5: 0-4), mean +- std (ddof=1);
      the peers are deterministic. Ratios to the best peer; a verdict per
      pair computed from the numbers: stateful *helped* / *hurt* when its
      mean MASE is below / above the stateless one's by more than the larger
      of the two standard deviations over seeds, else *no clear
      difference*; the section ends with the list of cases where stateful
      helped. About 16 minutes on one idle core (fits ~180 s per seed).

``hierarchical``
    Hierarchical RNN against a row LSTM and the CNN on Fashion-MNIST,
    written by ``benchmarks/_sequence_hierarchical.py``
    (``run_hierarchical``; its PROTOCOL text, printed in the section, has
    the details). Protocol, fixed before any full run:

    * Data: ``fashion_mnist/fashion_mnist.npz`` (shared data folder); a
      stratified subset of ``--hier-train`` (default 10,000) of the 60,000
      training images, drawn once with seed 0 (the same images for every
      method and seed), and the full 10,000-image test set; pixels scaled
      to [0, 1] for every method.
    * skdeep ``HierarchicalRNNClassifier(cell="lstm", inner_hidden_size=32,
      outer_hidden_size=32, lr=0.01, batch_size=128, max_epochs=10)`` on
      (n, 28 rows = outer steps, 28 pixels = inner steps) with one feature
      per step, ``attention=None`` and ``attention="both"``.
    * skdeep ``RNNClassifier(cell="lstm", hidden_size=32, lr=0.01,
      batch_size=128)`` over rows: (n, 28 channels, 28 steps), each row one
      step of 28 pixels; 10 epochs (as the hierarchical models) and 50.
    * skdeep ``CNNClassifier`` defaults (plain 2-D net, 10 epochs, cosine
      schedule) on (n, 1, 28, 28), as in ``benchmarks/cnn.py``.
    * No early stopping, augmentation or tuning. Seeds ``--hier-seeds``
      (default 3: 0, 1, 2; weights and batch order), mean +- std (ddof=1).
      Test accuracy, fit and predict seconds, parameter counts, ratios to
      the CNN; attention on vs off judged from the numbers (*helped* /
      *hurt* beyond the larger standard deviation over seeds, else *no clear
      difference*); the mean outer attention weight of each row on 1,000
      test images. ``--hier-epochs`` overrides every network's epochs. About
      20 minutes on one idle core (a hierarchical epoch on 10,000 images
      takes about 13 s, the row LSTM's under 1 s, the CNN's about 7 s).

Results go to ``benchmarks/results/sequence.md``; each part has its own
section (``<!-- part:NAME -->`` markers), so parts can be rerun separately.
``--quick`` runs a smoke version of a part (memory: T = 100, 1000 and copy
T = 20 with 2 s per run; speed: T = 50, 200, 1 repeat; stateful: 1 seed, 3
epochs, 3 origins, ElectricDevices cut to 1,200 points; hierarchical: 1,000
train / 1,000 test images, 1 seed, 1 epoch), prints its section and writes
nothing (memory/speed JSON lines go to a temporary folder).

Usage::

    python benchmarks/sequence.py --part classification
    python benchmarks/sequence.py --part classification --quick   # smoke run
    python benchmarks/sequence.py --part forecasting
    python benchmarks/sequence.py --part memory                   # ~40 min
    python benchmarks/sequence.py --part memory --memory-tasks adding:1000
    python benchmarks/sequence.py --part speed
    python benchmarks/sequence.py --part speed --device cuda
    python benchmarks/sequence.py --part stateful                 # ~16 min
    python benchmarks/sequence.py --part hierarchical             # ~20 min
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
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import Counter  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

# torch's thread count before main() sets one thread (the speed part's
# "default threads").
DEFAULT_THREADS = torch.get_num_threads()

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
TITLE = "Sequence models benchmark"
PRODUCED_BY = ("Produced by `python benchmarks/sequence.py --part PART` (see its "
               "docstring).")
PARTS = ("classification", "forecasting", "memory", "speed", "stateful",
         "hierarchical")
RNN_METHODS = {
    "LSTM": dict(cell="lstm"),
    "GRU": dict(cell="gru"),
    "BiLSTM": dict(cell="lstm", bidirectional=True),
    "QRNN": dict(cell="qrnn"),
    "SRU": dict(cell="sru"),
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
            *_versus_lstm(rows, name),
        ]
    sections.append(f"Load average at the end: {_load()}.")
    return "\n".join(sections)


def _versus_lstm(rows, name):
    """Sentences comparing the QRNN and SRU rows with the LSTM row.

    "Equal accuracy": mean accuracies at most the larger of the two standard
    deviations (ddof=1) apart; speed: mean refit time of LSTM / the cell's.
    """
    lstm = rows.get("skdeep RNNClassifier LSTM")
    if not lstm:
        return []
    out = []
    for cell in ("QRNN", "SRU"):
        runs = rows.get(f"skdeep RNNClassifier {cell}")
        if not runs:
            continue
        a = np.array([r["accuracy"] for r in runs])
        b = np.array([r["accuracy"] for r in lstm])
        tol = max(
            a.std(ddof=1) if len(a) > 1 else 0.0, b.std(ddof=1) if len(b) > 1 else 0.0
        )
        diff = a.mean() - b.mean()
        verdict = "equal accuracy" if abs(diff) <= tol else (
            "higher accuracy" if diff > 0 else "lower accuracy")
        speed = np.mean([r["fit_s"] for r in lstm]) / np.mean(
            [r["fit_s"] for r in runs])
        out.append(
            f"{name}, {cell} vs LSTM: {verdict} ({a.mean():.4f} vs {b.mean():.4f}, "
            f"difference {diff:+.4f}, tolerance {tol:.4f}); refit {speed:.2f}x "
            "as fast as LSTM's (note: each refit uses the hidden size and epochs "
            "its own CV chose)."
        )
    return out + ([""] if out else [])


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
    write_parts(RESULT_FILE, TITLE, PRODUCED_BY, sections, PARTS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=[*PARTS, "all"], default="all")
    ap.add_argument("--seeds", type=int, default=5, help="classification seeds")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: one seed, tiny nets / short budgets; prints, writes "
        "nothing",
    )
    mem = ap.add_argument_group("memory and speed parts (see the docstring)")
    mem.add_argument("--memory-seeds", type=int, default=2,
                     help="seeds of adding T=100 and copy T=50")
    mem.add_argument("--memory-long-seeds", type=int, default=1,
                     help="seeds of adding T=500, 1000 and copy T=100")
    mem.add_argument("--memory-tasks", default=None,
                     help="comma-separated subset, e.g. adding:1000,copy:50")
    mem.add_argument("--memory-cells", default=None,
                     help="comma-separated subset of rwa,qrnn,sru,lstm,gru")
    mem.add_argument("--budget-hidden", type=int, default=32,
                     help="parameter budget = one-layer LSTM of this width")
    mem.add_argument("--memory-match", choices=["params", "hidden"],
                     default="params",
                     help="equal parameter counts (default) or every cell "
                     "with --budget-hidden units")
    mem.add_argument("--memory-batch", type=int, default=100)
    mem.add_argument("--max-steps", type=int, default=20000)
    mem.add_argument("--wall-scale", type=float, default=1.0,
                     help="multiplies every run's training CPU-time budget")
    mem.add_argument("--eval-every", type=int, default=None,
                     help="steps between test evaluations (default 50; quick 10)")
    mem.add_argument("--test-size", type=int, default=None,
                     help="held-out sequences (default 1000; quick 200)")
    mem.add_argument("--speed-repeats", type=int, default=None,
                     help="timed repeats (default 5; quick 1)")
    mem.add_argument("--speed-warmup", type=int, default=None,
                     help="warm-up passes (default 2; quick 1)")
    mem.add_argument("--device", default="cpu", help="speed: cpu or cuda")
    mem.add_argument("--runs-dir", default=None,
                     help="JSON lines of memory/speed runs (default "
                     "benchmarks/sequence_runs/; quick: a temporary folder)")
    mem.add_argument("--merge", action="store_true",
                     help="memory/speed: only build the tables from --runs-dir")
    new = ap.add_argument_group("stateful and hierarchical parts")
    new.add_argument("--stateful-seeds", type=int, default=5)
    new.add_argument("--hier-seeds", type=int, default=3)
    new.add_argument("--hier-train", type=int, default=10000,
                     help="training images (a stratified subset)")
    new.add_argument("--hier-epochs", type=int, default=None,
                     help="epochs of every network (default: the protocol's)")
    args = ap.parse_args()
    if args.eval_every is None:
        args.eval_every = 10 if args.quick else 50
    if args.test_size is None:
        args.test_size = 200 if args.quick else 1000
    if args.speed_repeats is None:
        args.speed_repeats = 1 if args.quick else 5
    if args.speed_warmup is None:
        args.speed_warmup = 1 if args.quick else 2
    if args.runs_dir is None:
        args.runs_dir = (tempfile.mkdtemp(prefix="skdeep_sequence_quick_")
                         if args.quick else str(_HERE / "sequence_runs"))
    args.default_threads = DEFAULT_THREADS
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
    for part in ("memory", "speed"):
        if args.part not in (part, "all"):
            continue
        import _sequence_memory

        with Timer() as t:
            section = getattr(_sequence_memory, f"run_{part}")(args)
        if args.quick:
            print(section)
        else:
            write({part: section})
        print(f"part {part} done in {t.seconds:.0f} s", flush=True)
    for part in ("stateful", "hierarchical"):
        if args.part not in (part, "all"):
            continue
        module = __import__(f"_sequence_{part}")
        with Timer() as t:
            section = getattr(module, f"run_{part}")(args)
        if args.quick:
            print(section)
        else:
            write({part: section})
        print(f"part {part} done in {t.seconds:.0f} s", flush=True)
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
