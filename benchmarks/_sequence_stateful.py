"""Benchmark section: stateful against stateless recurrent forecasting.

Called by ``benchmarks/sequence.py`` for its ``stateful`` part
(``run_stateful(opts)`` returns a markdown section); the protocol is declared
in that script's docstring and repeated at the top of the section
(:data:`PROTOCOL`). Imported only when the part is asked for. Nothing is
downloaded: both series ship inside sktime's package.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

try:
    from _common import machine, markdown_table
except ImportError:  # imported as benchmarks._sequence_stateful
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import machine, markdown_table

# ------------------------------------------------------------- settings
# All fixed before any full run (see PROTOCOL); nothing is tuned on the test
# parts.
TRAIN_SHARE = 2 / 3  # the first two thirds train, the last third is tested
HORIZON = 24  # forecast steps 1..24 at each origin
WINDOW = 24  # window_length of both LSTMForecasters of a pair
# interval_method="empirical" (the default when this part was recorded, with
# inherent_noise=False: one training per fit); the conformal default that
# came later trains conformal_blocks + 1 networks per fit for intervals this
# part does not score (session 32: forecasts identical, ECG lstm stateless
# MASE 1.015 +- 0.211 over seeds 0-4 either way, fit 7.6 s against 21.7 s).
FORECASTER = dict(hidden_size=32, dropout=0.0, interval_method="empirical",
                  inherent_noise=False, n_mc_samples=10, lr=0.005, batch_size=32,
                  max_epochs=150)
REG_WINDOW = 8  # length of the consecutive windows the RNNRegressor reads
REGRESSOR = dict(cell="lstm", hidden_size=32, lr=0.01, batch_size=8,
                 max_epochs=200)
CELLS = ("lstm", "sru")
DATASETS = {
    # name: number of forecast origins
    "ECG (MIT-BIH, mitdb)": 25,
    "ElectricDevices": 40,
}
QUICK = dict(max_epochs=3, reg_epochs=3, origins=3, ed_points=1200)
# "helped" / "hurt": the mean MASE over seeds differs by more than the larger
# of the two standard deviations (ddof=1) over seeds; otherwise "no clear
# difference" (the classification part's rule; fixed before the run).

PROTOCOL = """\
Protocol (declared before any full run; see the docstring of
`benchmarks/sequence.py`). **Data**, both shipped inside sktime {sktime}
(offline): *ECG*, `sktime/datasets/data/mitdb/mitdb.csv` (sktime ships the
file without a loader; column `data`, 7,500 samples of an MIT-BIH arrhythmia
database record at 360 Hz), averaged over non-overlapping blocks of 4
samples -> 1,875 points at 90 Hz (main set); *ElectricDevices*,
`load_electric_devices_segmentation()` (11,532 points, UCR ElectricDevices
series concatenated by class), from its third annotated change point (index
5,712) to the end -> 5,820 points spanning two annotated regimes (second,
held-out set: nothing was chosen on it). Each series: the first 2/3 train,
the last 1/3 is tested. The dominant period `sp` is the lag of the highest
autocorrelation of the training part after the autocorrelation first turns
negative (lags up to a third of the training part).

**Forecasters**, rolling origin: {origins} origins evenly spaced from the end
of the training part to the last point minus the horizon; at each origin a
forecast of steps 1-{h} from all data up to the origin. The neural
forecasters are fitted ONCE on the training part; later observations reach
them through `update(..., update_params=False)` (no retraining: the
stateless model reads the last `window_length` values, the stateful one
reads the whole history from the start of the series). The classical peers
are refitted at every origin (they have nothing to learn): sktime
`NaiveForecaster(strategy="last")` and seasonal naive
`NaiveForecaster(strategy="last", sp=sp)`. (sktime's ThetaForecaster,
ExponentialSmoothing and AutoETS need statsmodels, which is not installed.)
skdeep `LSTMForecaster(window_length={window}, cell=C, stateful=S,
hidden_size=32, dropout=0.0, interval_method="empirical", inherent_noise=False,
lr=0.005, batch_size=32,
max_epochs={epochs})` for C in lstm, sru and S in False, True (the same
window: the stateless model's input window, the stateful model's truncated
back-propagation chunk; every target appears once per epoch in both); point
forecasts only (no intervals are scored, so no noise hold-out training).
sMAPE (%) and MASE from `sktime.performance_metrics.forecasting`
(`mean_absolute_percentage_error(symmetric=True)`,
`mean_absolute_scaled_error(y_train=all data up to the origin, sp=sp)`),
averaged over the origins. Both series cross zero, where sMAPE's
denominator vanishes: MASE is the main metric.

**One-step regressor**: the series scaled to [-1, 1] with the training
part's minimum and maximum, cut into consecutive non-overlapping windows of
{reg_window} points; row k is window k, its target the next point after
it. Rows whose target lies in the training part train; the others are
tested. skdeep `RNNRegressor(cell="lstm", hidden_size=32, lr=0.01,
batch_size=8, max_epochs={reg_epochs}, stateful=S)`: stateless rows are
shuffled into batches; stateful rows are read as 8 streams side by side
with the state carried from row to row. Stateful predictions: `predict` on
ALL rows in order (one continuous series from a fresh state), keeping the
test rows, so the state has read the whole history, as the stateful
forecaster's has; stateless: `predict` on the test rows. Peers on the same
targets: the last value of the row (naive) and the value `sp` steps before
the target (seasonal naive). sMAPE and MASE (scale: the training part's
in-sample seasonal naive error) on the original scale.

Seeds {seeds} for the neural models (mean ± std, ddof=1); the peers are
deterministic. Torch on one thread. Ratios: each row over the best peer's
(lowest mean) value of the same column; the pair ratio is stateful /
stateless. A verdict per pair, computed from the numbers: stateful
*helped* (or *hurt*) when its mean MASE is below (above) the stateless
one's by more than the larger of the two standard deviations over seeds,
otherwise *no clear difference*."""


# ------------------------------------------------------------------ data


def _sktime_data():
    import sktime

    return Path(sktime.__file__).parent / "datasets" / "data"


def load_series(name, quick=False):
    """The whole series of one data set as a float ``pd.Series`` (RangeIndex)."""
    if name.startswith("ECG"):
        frame = pd.read_csv(_sktime_data() / "mitdb" / "mitdb.csv")
        raw = frame["data"].to_numpy(dtype=np.float64)
        values = raw[: len(raw) // 4 * 4].reshape(-1, 4).mean(axis=1)
    else:
        from sktime.datasets import load_electric_devices_segmentation

        ts, _, change_points = load_electric_devices_segmentation()
        values = ts.to_numpy(dtype=np.float64)[int(change_points[2]):]
        if quick:
            values = values[: QUICK["ed_points"]]
    return pd.Series(values, name="y")


def dominant_period(train):
    """Lag of the highest autocorrelation after it first turns negative."""
    x = np.asarray(train, dtype=np.float64)
    x = x - x.mean()
    n = len(x)
    max_lag = max(3, n // 3)
    ac = np.array([np.dot(x[: n - k], x[k:]) for k in range(max_lag + 1)]) / np.dot(
        x, x
    )
    negative = np.flatnonzero(ac < 0)
    first = int(negative[0]) if len(negative) else 1
    return int(first + np.argmax(ac[first:]))


# ------------------------------------------------------------ forecasters


def _metrics(test, pred, history, sp):
    from sktime.performance_metrics.forecasting import (
        mean_absolute_percentage_error,
        mean_absolute_scaled_error,
    )

    smape = 100 * mean_absolute_percentage_error(test, pred, symmetric=True)
    mase = mean_absolute_scaled_error(test, pred, y_train=history, sp=sp)
    return float(smape), float(mase)


def _origins(n, n_train, count):
    return np.unique(np.linspace(n_train, n - HORIZON, count).astype(int))


def evaluate_neural(y, n_train, sp, origins, cell, stateful, seed, epochs):
    """sMAPE and MASE over the origins of one LSTMForecaster fitted once."""
    from skdeep.recurrent import LSTMForecaster

    fh = np.arange(1, HORIZON + 1)
    params = dict(FORECASTER, max_epochs=epochs)
    f = LSTMForecaster(window_length=WINDOW, cell=cell, stateful=stateful,
                       random_state=seed, **params)
    start = time.perf_counter()
    f.fit(y.iloc[:n_train])
    fit_s = time.perf_counter() - start
    smapes, mases, pred_s, seen = [], [], 0.0, n_train
    for o in origins:
        start = time.perf_counter()
        if o > seen:
            f.update(y.iloc[seen:o], update_params=False)
            seen = o
        pred = f.predict(fh)
        pred_s += time.perf_counter() - start
        s, m = _metrics(y.iloc[o:o + HORIZON], pred, y.iloc[:o], sp)
        smapes.append(s)
        mases.append(m)
    return dict(smape=np.mean(smapes), mase=np.mean(mases), fit_s=fit_s,
                predict_s=pred_s)


def evaluate_peer(y, sp, origins, strategy_sp):
    from sktime.forecasting.naive import NaiveForecaster

    fh = np.arange(1, HORIZON + 1)
    smapes, mases, seconds = [], [], 0.0
    for o in origins:
        start = time.perf_counter()
        f = NaiveForecaster(strategy="last", sp=strategy_sp)
        pred = f.fit(y.iloc[:o]).predict(fh)
        seconds += time.perf_counter() - start
        s, m = _metrics(y.iloc[o:o + HORIZON], pred, y.iloc[:o], sp)
        smapes.append(s)
        mases.append(m)
    return dict(smape=np.mean(smapes), mase=np.mean(mases), fit_s=seconds,
                predict_s=0.0)


# -------------------------------------------------------------- regressor


def regressor_data(y, n_train):
    """Consecutive windows, next-value targets, the train mask (scaled)."""
    values = y.to_numpy(dtype=np.float64)
    lo, hi = values[:n_train].min(), values[:n_train].max()
    z = 2 * (values - lo) / ((hi - lo) or 1.0) - 1
    L = REG_WINDOW
    K = (len(z) - 1) // L
    X = np.stack([z[k * L:(k + 1) * L] for k in range(K)])[:, None, :]
    target_index = (np.arange(K) + 1) * L
    return dict(X=X, y=z[target_index], index=target_index,
                train=target_index < n_train, lo=lo, hi=hi)


def _reg_metrics(d, values, pred_scaled, n_train, sp):
    test = ~d["train"]
    truth = values[d["index"][test]]
    pred = (np.asarray(pred_scaled) + 1) / 2 * (d["hi"] - d["lo"]) + d["lo"]
    return _metrics(pd.Series(truth), pd.Series(pred), pd.Series(values[:n_train]),
                    sp)


def evaluate_regressor(y, n_train, sp, stateful, seed, epochs):
    from skdeep.recurrent import RNNRegressor

    d = regressor_data(y, n_train)
    reg = RNNRegressor(stateful=stateful, random_state=seed,
                       **dict(REGRESSOR, max_epochs=epochs))
    start = time.perf_counter()
    reg.fit(d["X"][d["train"]], d["y"][d["train"]])
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    if stateful:
        pred = reg.predict(d["X"])[~d["train"]]
    else:
        pred = reg.predict(d["X"][~d["train"]])
    predict_s = time.perf_counter() - start
    smape, mase = _reg_metrics(d, y.to_numpy(dtype=np.float64), pred, n_train, sp)
    return dict(smape=smape, mase=mase, fit_s=fit_s, predict_s=predict_s)


def evaluate_regressor_peers(y, n_train, sp):
    d = regressor_data(y, n_train)
    values = y.to_numpy(dtype=np.float64)
    test_idx = d["index"][~d["train"]]
    out = {}
    for label, lag in (("naive (last value of the row)", 1),
                       (f"seasonal naive (value sp={sp} steps back)", sp)):
        pred = values[test_idx - lag]
        scaled = 2 * (pred - d["lo"]) / ((d["hi"] - d["lo"]) or 1.0) - 1
        smape, mase = _reg_metrics(d, values, scaled, n_train, sp)
        out[label] = dict(smape=smape, mase=mase, fit_s=0.0, predict_s=0.0)
    return out, int((~d["train"]).sum()), int(d["train"].sum())


# ------------------------------------------------------------------ table


def _ms(values, digits=3):
    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def _table(rows):
    """rows: {label: list of run dicts}; ratios to the best peer (1 run)."""
    peers = {k: v for k, v in rows.items() if k.startswith(("sktime", "peer"))}
    best_smape = min(np.mean([r["smape"] for r in v]) for v in peers.values())
    best_mase = min(np.mean([r["mase"] for r in v]) for v in peers.values())
    out = []
    for label, runs in rows.items():
        smape = [r["smape"] for r in runs]
        mase = [r["mase"] for r in runs]
        out.append([
            label, len(runs), _ms(smape, 2), f"{np.mean(smape) / best_smape:.2f}",
            _ms(mase), f"{np.mean(mase) / best_mase:.2f}",
            f"{np.mean([r['fit_s'] for r in runs]):.1f}",
            f"{np.mean([r['predict_s'] for r in runs]):.2f}",
        ])
    return markdown_table(
        ["method", "runs", "sMAPE %", "/ best peer", "MASE", "/ best peer",
         "fit s", "predict s"], out)


def verdict(stateful_runs, stateless_runs):
    """(word, sentence fragment) from the two lists of runs (MASE)."""
    a = np.array([r["mase"] for r in stateful_runs])
    b = np.array([r["mase"] for r in stateless_runs])
    tol = max(a.std(ddof=1) if len(a) > 1 else 0.0,
              b.std(ddof=1) if len(b) > 1 else 0.0)
    diff = a.mean() - b.mean()
    if diff < -tol:
        word = "helped"
    elif diff > tol:
        word = "hurt"
    else:
        word = "no clear difference"
    smape_ratio = np.mean([r["smape"] for r in stateful_runs]) / np.mean(
        [r["smape"] for r in stateless_runs])
    fit_ratio = np.mean([r["fit_s"] for r in stateful_runs]) / np.mean(
        [r["fit_s"] for r in stateless_runs])
    text = (f"MASE {a.mean():.3f} vs {b.mean():.3f} (stateful / stateless "
            f"{a.mean() / b.mean():.2f}, difference {diff:+.3f}, tolerance "
            f"{tol:.3f}); sMAPE ratio {smape_ratio:.2f}; fit time ratio "
            f"{fit_ratio:.2f}")
    return word, text


# ------------------------------------------------------------------ part


def _load():
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def run_stateful(opts):
    """Run the stateful part; return its markdown section."""
    import sktime
    import torch

    quick = opts.quick
    seeds = list(range(1 if quick else opts.stateful_seeds))
    epochs = QUICK["max_epochs"] if quick else FORECASTER["max_epochs"]
    reg_epochs = QUICK["reg_epochs"] if quick else REGRESSOR["max_epochs"]
    torch.set_num_threads(1)
    header = [
        "## Stateful vs stateless forecasting (ECG, ElectricDevices)",
        "",
        "Command: `python benchmarks/sequence.py --part stateful"
        + (f" --stateful-seeds {opts.stateful_seeds}"
           if opts.stateful_seeds != 5 else "")
        + (" --quick`" if quick else "`"),
        "",
        f"Machine: {machine()}; load average at the start {_load()} (shared "
        "machine: timings are noisy, compare within a table).",
        "",
        PROTOCOL.format(
            sktime=sktime.__version__,
            origins="ECG 25, ElectricDevices 40" if not quick else
            f"{QUICK['origins']}",
            h=HORIZON, window=WINDOW, epochs=epochs, reg_window=REG_WINDOW,
            reg_epochs=reg_epochs, seeds=seeds),
        "",
    ]
    if quick:
        header += [f"*Quick run: one seed, {epochs} epochs (regressor "
                   f"{reg_epochs}), {QUICK['origins']} origins, ElectricDevices "
                   f"cut to {QUICK['ed_points']} points; numbers meaningless.*",
                   ""]
    body, summary = [], []
    start_all = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, n_origins in DATASETS.items():
            y = load_series(name, quick)
            n = len(y)
            n_train = int(round(TRAIN_SHARE * n))
            sp = dominant_period(y.iloc[:n_train])
            origins = _origins(n, n_train, QUICK["origins"] if quick else n_origins)
            print(f"== stateful: {name}, {n} points, train {n_train}, sp {sp}, "
                  f"{len(origins)} origins", flush=True)
            rows = {
                "sktime NaiveForecaster (last)": [evaluate_peer(y, sp, origins, 1)],
                f"sktime NaiveForecaster (last, sp={sp})": [
                    evaluate_peer(y, sp, origins, sp)],
            }
            pairs = []
            for cell in CELLS:
                labels = {}
                for stateful in (False, True):
                    label = (f"skdeep LSTMForecaster cell={cell} "
                             f"{'stateful' if stateful else 'stateless'}")
                    runs = []
                    for seed in seeds:
                        runs.append(evaluate_neural(y, n_train, sp, origins, cell,
                                                    stateful, seed, epochs))
                        print(f"  {label} seed {seed}: "
                              + ", ".join(f"{k} {v:.3f}" for k, v in runs[-1].items()),
                              flush=True)
                    rows[label] = runs
                    labels[stateful] = label
                pairs.append((f"LSTMForecaster cell={cell}", rows[labels[True]],
                              rows[labels[False]]))
            peers_r, n_test_rows, n_train_rows = evaluate_regressor_peers(
                y, n_train, sp)
            reg_rows = {f"peer {k}": [v] for k, v in peers_r.items()}
            reg_runs = {}
            for stateful in (False, True):
                label = ("skdeep RNNRegressor lstm "
                         f"{'stateful' if stateful else 'stateless'}")
                runs = []
                for seed in seeds:
                    runs.append(evaluate_regressor(y, n_train, sp, stateful, seed,
                                                   reg_epochs))
                    print(f"  {label} seed {seed}: "
                          + ", ".join(f"{k} {v:.3f}" for k, v in runs[-1].items()),
                          flush=True)
                reg_rows[label] = runs
                reg_runs[stateful] = runs
            pairs.append(("RNNRegressor lstm (one step ahead)", reg_runs[True],
                          reg_runs[False]))
            body += [
                f"### {name}: {n} points, {n_train} train / {n - n_train} test, "
                f"sp = {sp}",
                "",
                f"Forecasters: {len(origins)} origins (first {origins[0]}, last "
                f"{origins[-1]}), horizon 1-{HORIZON}; fit and predict seconds "
                "per run (predict: all origins, updates included).",
                "",
                _table(rows),
                "",
                f"One-step regressor: windows of {REG_WINDOW} points, "
                f"{n_train_rows} train / {n_test_rows} test rows.",
                "",
                _table(reg_rows),
                "",
            ]
            for pair, st, sl in pairs:
                word, text = verdict(st, sl)
                line = f"{name}, {pair}: stateful **{word}** ({text})."
                body.append(line)
                summary.append((name, pair, word))
            body.append("")
    helped = [f"{p} on {d}" for d, p, w in summary if w == "helped"]
    hurt = [f"{p} on {d}" for d, p, w in summary if w == "hurt"]
    even = [f"{p} on {d}" for d, p, w in summary if w == "no clear difference"]
    conclusion = [
        "### When did stateful help?",
        "",
        "Computed from the verdicts above (MASE, tolerance = the larger "
        "standard deviation over seeds):",
        "",
        f"* helped: {'; '.join(helped) if helped else 'none'}",
        f"* hurt: {'; '.join(hurt) if hurt else 'none'}",
        f"* no clear difference: {'; '.join(even) if even else 'none'}",
        "",
        f"Part time {time.perf_counter() - start_all:.0f} s; load average at "
        f"the end: {_load()}.",
    ]
    return "\n".join(header + body + conclusion) + "\n"
