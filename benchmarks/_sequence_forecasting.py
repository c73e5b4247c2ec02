"""Benchmark section: LSTMForecaster against classical forecasters (sktime).

Called by ``benchmarks/sequence.py`` (``run_forecasting(quick)`` returns a
markdown section); it also runs on its own, by hand::

    python benchmarks/_sequence_forecasting.py          # full run
    python benchmarks/_sequence_forecasting.py --quick  # 1 seed, no AutoARIMA

Needs sktime, and for the baselines statsmodels (AutoETS) and pmdarima
(AutoARIMA). The data sets ship with sktime (offline).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

try:
    from _common import machine, markdown_table
except ImportError:  # imported as benchmarks._sequence_forecasting
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import machine, markdown_table

COVERAGE = 0.9
SEEDS = (0, 1, 2)

DATASETS = {
    # name: (loader, seasonal period, initial window, step, horizon)
    "airline": ("load_airline", 12, 108, 12, 12),
    "shampoo": ("load_shampoo_sales", 1, 24, 6, 6),
}

PROTOCOL = """\
Rolling-origin evaluation (expanding window), every method refit at each
origin on all data up to it. **Airline** (monthly passengers 1949-1960, 144
points): origins after months 108, 120 and 132, horizon 1-12 (3 folds, the
last 36 months). **Shampoo sales** (36 months): origins after months 24 and
30, horizon 1-6 (2 folds, the last 12 months). sMAPE (%, symmetric MAPE) and
MASE (scaled by the in-sample seasonal-naive error: sp=12 for airline, 1 for
shampoo) from `sktime.performance_metrics.forecasting`, averaged over the
folds; coverage is the share of all test points inside the 90% prediction
interval; time is fit + predict (point forecast) summed over the folds (an
LSTM fit trains twice: once without the held-out windows for the noise
level, once on all windows).
LSTM rows are the mean (± std) over seeds {seeds}; ratios are to the best
baseline (lowest value among the non-LSTM rows) of the same column.

LSTM settings: `LSTMForecaster(window_length=12 (airline) / 6 (shampoo),
hidden_size=32, dropout=0.1, max_epochs=200, lr=0.005, batch_size=32,
n_mc_samples=200)` (defaults otherwise: recursive strategy,
`noise_holdout=0.2`), intervals from the empirical quantiles of the
Monte-Carlo dropout trajectories with the inherent noise estimated on the
latest 20% of the training windows (Zhu & Laptev). "LSTM" is fitted on the
raw levels (scaled to [-1, 1] internally). "LSTM, log+deseason+detrend" is a
`TransformedTargetForecaster`: `LogTransformer`, then
`Deseasonalizer(sp=12)` (airline only), then `Detrender` (linear trend), then
the LSTM; intervals are mapped back through the monotone, per-step inverse
transforms. "LSTM, log+seasonal diff" (airline): `LogTransformer`, then
`Differencer(lags=12)`, then the LSTM (the year-on-year log growth); with a
horizon of at most 12 months the inverse adds known values, so the mapped
intervals are exact. The same pipeline is refit at every origin.
Baselines: `NaiveForecaster(strategy="last", sp=12)` (seasonal naive) for
airline, `NaiveForecaster` "last" and "drift" for shampoo;
`AutoETS(auto=True, sp)` (statsmodels) and `AutoARIMA(sp)` (pmdarima,
stepwise). AutoETS intervals come from statsmodels' `get_prediction` on the
fitted model directly: sktime {sktime}'s adapter passes a `simulate_kwargs`
argument that statsmodels {statsmodels} rejects for simulated (multiplicative)
models."""


def _lstm(window_length, seed, epochs):
    from skdeep.recurrent import LSTMForecaster

    return LSTMForecaster(
        window_length=window_length,
        hidden_size=32,
        dropout=0.1,
        max_epochs=epochs,
        lr=0.005,
        batch_size=32,
        n_mc_samples=200,
        random_state=seed,
    )


def _lstm_pipeline(window_length, sp, seed, epochs, seasonal_diff=False):
    from sktime.forecasting.compose import TransformedTargetForecaster
    from sktime.transformations.series.boxcox import LogTransformer
    from sktime.transformations.series.detrend import Deseasonalizer, Detrender
    from sktime.transformations.series.difference import Differencer

    steps = [("log", LogTransformer())]
    if seasonal_diff:
        steps.append(("yoy", Differencer(lags=sp)))
    else:
        if sp > 1:
            steps.append(("deseason", Deseasonalizer(sp=sp)))
        steps.append(("detrend", Detrender()))
    steps.append(("lstm", _lstm(window_length, seed, epochs)))
    return TransformedTargetForecaster(steps)


def _ets_interval(forecaster, fh, cutoff_len):
    """AutoETS 90% interval from statsmodels' get_prediction (see protocol)."""
    res = forecaster._fitted_forecaster
    steps = np.asarray(fh, dtype=int)
    pred = res.get_prediction(start=cutoff_len, end=cutoff_len + steps.max() - 1)
    frame = pred.summary_frame(alpha=1 - COVERAGE)
    return frame["pi_lower"].to_numpy()[steps - 1], frame["pi_upper"].to_numpy()[
        steps - 1
    ]


def _methods(name, sp, window_length, quick):
    """(label, factory(seed), is_lstm) for one data set."""
    from sktime.forecasting.ets import AutoETS
    from sktime.forecasting.naive import NaiveForecaster

    epochs = 60 if quick else 200
    methods = [
        ("LSTM", lambda s: _lstm(window_length, s, epochs), True),
        (
            "LSTM, log+" + ("deseason+" if sp > 1 else "") + "detrend",
            lambda s: _lstm_pipeline(window_length, sp, s, epochs),
            True,
        ),
    ]
    if sp > 1:
        methods.append(
            (
                "LSTM, log+seasonal diff",
                lambda s: _lstm_pipeline(window_length, sp, s, epochs, True),
                True,
            )
        )
    if sp > 1:
        methods.append(
            ("Seasonal naive", lambda s: NaiveForecaster(strategy="last", sp=sp), False)
        )
    else:
        methods.append(("Naive (last)", lambda s: NaiveForecaster("last"), False))
        methods.append(("Naive (drift)", lambda s: NaiveForecaster("drift"), False))
    methods.append(("AutoETS", lambda s: AutoETS(auto=True, sp=sp, n_jobs=1), False))
    if not quick:
        try:
            import pmdarima  # noqa: F401
            from sktime.forecasting.arima import AutoARIMA

            methods.append(
                (
                    "AutoARIMA",
                    lambda s: AutoARIMA(sp=sp, suppress_warnings=True),
                    False,
                )
            )
        except ImportError:
            pass
    return methods


def _evaluate(y, forecaster_factory, seed, sp, initial, step, horizon, label):
    from sktime.performance_metrics.forecasting import (
        mean_absolute_percentage_error,
        mean_absolute_scaled_error,
    )

    fh = np.arange(1, horizon + 1)
    smapes, mases, inside, seconds = [], [], [], 0.0
    for cut in range(initial, len(y) - horizon + 1, step):
        train, test = y.iloc[:cut], y.iloc[cut : cut + horizon]
        f = forecaster_factory(seed)
        start = time.perf_counter()
        f.fit(train, fh=fh)
        pred = f.predict(fh)
        seconds += time.perf_counter() - start
        smapes.append(100 * mean_absolute_percentage_error(test, pred, symmetric=True))
        mases.append(mean_absolute_scaled_error(test, pred, y_train=train, sp=sp))
        if label == "AutoETS":
            lo, hi = _ets_interval(f, fh, len(train))
        else:
            ints = f.predict_interval(fh, coverage=COVERAGE)
            lo, hi = ints.iloc[:, 0].to_numpy(), ints.iloc[:, 1].to_numpy()
        truth = test.to_numpy()
        inside.extend((truth >= lo) & (truth <= hi))
    return np.mean(smapes), np.mean(mases), np.mean(inside), seconds


def _fmt(values, digits=2):
    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def run_forecasting(quick=False):
    """Run the forecasting benchmark and return its markdown section."""
    import sktime
    import statsmodels
    import torch
    from sktime import datasets

    seeds = SEEDS[:1] if quick else SEEDS
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    sections = []
    where = machine()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, (loader, sp, initial, step, horizon) in DATASETS.items():
                y = getattr(datasets, loader)().astype(float)
                window_length = 12 if sp > 1 else 6
                rows, results = [], []
                for label, factory, is_lstm in _methods(name, sp, window_length, quick):
                    runs = [
                        _evaluate(y, factory, s, sp, initial, step, horizon, label)
                        for s in (seeds if is_lstm else seeds[:1])
                    ]
                    results.append((label, is_lstm, np.array(runs)))
                    print(f"  {name}: {label} done", file=sys.stderr, flush=True)
                base = np.array([r[2].mean(0) for r in results if not r[1]])
                best_smape, best_mase = base[:, 0].min(), base[:, 1].min()
                for label, is_lstm, runs in results:
                    smape, mase = runs[:, 0], runs[:, 1]
                    rows.append(
                        [
                            label,
                            _fmt(smape),
                            f"{smape.mean() / best_smape:.2f}",
                            _fmt(mase, 3),
                            f"{mase.mean() / best_mase:.2f}",
                            _fmt(runs[:, 2]),
                            _fmt(runs[:, 3], 1),
                        ]
                    )
                title = (
                    f"### {name.capitalize()} ({len(y)} points, horizon 1-{horizon}, "
                    f"{(len(y) - initial) // step} origins)"
                )
                sections.append(
                    title
                    + "\n\n"
                    + markdown_table(
                        [
                            "method",
                            "sMAPE %",
                            "ratio",
                            "MASE",
                            "ratio",
                            f"{int(COVERAGE * 100)}% coverage",
                            "fit+predict s",
                        ],
                        rows,
                    )
                )
    finally:
        torch.set_num_threads(threads)
    protocol = PROTOCOL.format(
        seeds=", ".join(map(str, seeds)),
        sktime=sktime.__version__,
        statsmodels=statsmodels.__version__,
    )
    if quick:
        protocol += "\n\n*Quick run: one seed, 60 epochs, no AutoARIMA.*"
    return (
        "## Forecasting\n\n"
        + protocol
        + f"\n\nMachine: {where}.\n\n"
        + "\n\n".join(sections)
        + "\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", help="also write the markdown section here")
    args = parser.parse_args()
    text = run_forecasting(quick=args.quick)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
