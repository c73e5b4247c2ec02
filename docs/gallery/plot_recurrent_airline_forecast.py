"""
Forecasting airline passengers with an LSTM and Monte-Carlo dropout
===================================================================

:class:`~skdeep.recurrent.LSTMForecaster` is an sktime forecaster. Here it is
trained on the classic airline series (monthly passengers, 1949-1960) without
its last 36 months, and forecasts those 36 months recursively: each forecast
is fed back as the input of the next.

The 90% band comes from Monte-Carlo dropout (Zhu & Laptev, Uber 2017):
dropout stays on at prediction, every pass samples one network, and each pass
produces a whole trajectory, feeding back its *own* sampled values together
with noise at the level of the residuals on held-out training windows. The
band is the 5% and 95% empirical quantiles of 300 trajectories, so it widens
as errors compound along the horizon.

A raw LSTM extrapolates a growing, multiplicatively seasonal series poorly;
as practitioners do, the LSTM sits in a sktime pipeline after a log
transform and a seasonal (12-month) differencing: it models the year-on-year
growth rate. The pipeline maps the forecast and the band's bounds back to
passengers by undoing the differencing and the log. That is exact for the
first 12 months; beyond, each bound adds up bounds of successive years,
which makes the band conservative (wider than the quantiles of the summed
trajectories).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import matplotlib.pyplot as plt
import torch
from sktime.datasets import load_airline
from sktime.forecasting.compose import TransformedTargetForecaster
from sktime.transformations.series.boxcox import LogTransformer
from sktime.transformations.series.difference import Differencer

from skdeep.recurrent import LSTMForecaster

torch.set_num_threads(1)  # small network: one thread is fastest
# sktime 1.2 announces a change of its ``remember_data`` default on every
# forecaster it builds; it does not concern this example.
warnings.filterwarnings("ignore", message="The default of config")

y = load_airline().astype(float)
train, test = y.iloc[:-36], y.iloc[-36:]
fh = list(range(1, 37))

# The series is already log-transformed and seasonally differenced above, so
# the forecaster's own differencing and direct strategy are switched off, and
# the bands come from Monte-Carlo dropout (the defaults calibrate conformally).
lstm = LSTMForecaster(
    window_length=12,
    strategy="recursive",
    difference=0,
    interval_method="empirical",
    hidden_size=32,
    dropout=0.1,
    n_mc_samples=300,
    max_epochs=200,
    lr=0.005,
    random_state=0,
)
forecaster = TransformedTargetForecaster(
    [
        ("log", LogTransformer()),
        ("yoy", Differencer(lags=12)),
        ("lstm", lstm),
    ]
)
forecaster.fit(train, fh=fh)
pred = forecaster.predict()
band = forecaster.predict_interval(coverage=0.9)
lower, upper = band.iloc[:, 0], band.iloc[:, 1]

inside = ((test >= lower) & (test <= upper)).mean()
mape = (abs(pred - test) / test).mean()
print(f"MAPE over the 36 months: {100 * mape:.1f}%")
print(f"share of the 36 months inside the 90% band: {inside:.2f}")

x_train = train.index.to_timestamp()
x_test = test.index.to_timestamp()
fig, ax = plt.subplots(figsize=(9, 4.5))
ax.plot(x_train, train, color="k", lw=1, label="training data")
ax.plot(x_test, test, color="k", lw=1, ls="--", label="truth (held out)")
ax.fill_between(
    x_test, lower, upper, color="tab:orange", alpha=0.3,
    label="90% MC-dropout interval",
)
ax.plot(x_test, pred, color="tab:orange", lw=2, label="LSTM forecast")
ax.set_xlabel("month")
ax.set_ylabel("passengers (thousands)")
ax.set_title("LSTMForecaster: 36-month forecast of the airline series")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()
