"""Epochs of the CNN and RNN regressors: a declared selection round, then held-out sets.

Why (session 31, before this script's first run). With the targets
standardized (``target_scaling.py``), ``CNNRegressor()`` still reached a test
R^2 of only 0.11 on sktime's Tecator and ``RNNRegressor()`` 0.28, where a
ridge on the raw spectra reaches 0.96. Their epochs were never chosen on
regression data: the classifiers' rounds (``cnn_runs/cnn_small_data.py``,
``rnn_small_data.py``) gave the classifiers ``max_epochs="auto"`` and left
the regressors at 10 (CNN) and 100 (RNN) fixed epochs; a fit on Tecator's
172 series is then 20 (CNN) or 200 (RNN) Adam steps. Only Tecator and
Covid3Month have been looked at (at the defaults, in ``target_scaling.py``).

Protocol (declared before any run of this script):

* Rounds: ``cnn`` (``CNNRegressor``) and ``rnn`` (``RNNRegressor``), each
  with two candidates, fixed in advance from the classifiers' rounds (no
  other cap is tried): ``K0``, the current default (CNN 10 epochs, RNN
  100), and ``AUTO``, the classifier's adopted rule, ``max(K0, min(cap,
  ceil(2000 / b)))`` with ``b = ceil(n / 128)`` batches and cap 200 (CNN) or
  400 (RNN): what ``max_epochs="auto"`` already computes for each
  regressor. Every other parameter at the defaults (targets standardized),
  ``random_state=0``, one torch thread.
* Selection data (not evidence): five generated series-regression tasks
  (``regression_task`` below; 100 steps, noise, seeded), each fitted on 200
  and on 1,000 training series (sources S1 and S2) and scored (R^2) on
  500 test series of its own: R1 the height of a Gaussian bump, R2 the
  frequency of a sine, R3 the slope of a trend under AR(1) noise, R4 the lag
  between two channels, R5 the number of spikes.
* Score: the mean of the 10 R^2, each floored at -1 (a diverged fit counts
  as -1); cost: the summed fit CPU seconds. Rule (the classifiers'): the
  candidate with the highest score, among those within 0.005 of it the
  cheapest; ``AUTO`` becomes the default (``max_epochs="auto"``) if its
  score is at least K0's + 0.01 and neither source's mean is more than 0.01
  below K0's; otherwise the default stays.
* Then (held out, reported whatever it shows): K0 and AUTO, and
  ``RidgeCV`` on the flattened series (alphas 1e-3 .. 1e3), on the two
  time-series regression sets sktime ships (Tecator, Covid3Month: their
  train/test splits, inputs z-normalised with the training part's mean and
  deviation) and on one-step regression windows of sktime's Airline and
  Lynx series (the 12 values before each point as the input, the point as
  the target; the first two thirds of the windows to fit, the rest to
  test, in time order; inputs z-normalised with the training windows'
  statistics).

Outcome (added after the runs, session 31): the rule adopted AUTO in both
rounds (selection score CNN 0.559 -> 0.918, RNN 0.637 -> 0.942). Held out,
the CNN regressor gained on all four sets (mean R^2 -0.80 -> 0.56; Tecator
0.12 -> 0.96, beside the ridge's 0.957; Airline windows -3.24 -> 0.94). The
RNN regressor did not: mean 0.357 -> 0.348, better on Tecator (0.32 ->
0.48), worse on Covid3Month, Airline and Lynx (the three smallest sets, 68
to 140 training rows; Lynx 0.63 -> 0.52), so on small real sets 400
epochs can overfit. The default follows the declared rule; these figures
are reported beside it.

Writes JSON lines to ``regressor_epochs_{cnn,rnn}.jsonl`` (cells on file are
skipped):

    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/regressor_epochs.py cnn --stage select
    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/regressor_epochs.py cnn --stage heldout --new AUTO
    python benchmarks/sequence_runs/regressor_epochs.py cnn --stage tables
    (the same with rnn)
"""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # after the standard library (benchmarks/signal.py)

from _epochs_round import EpochsRound  # noqa: E402
from target_scaling import load as load_sktime_regression  # noqa: E402

TASKS = ("R1 bump height", "R2 sine frequency", "R3 trend slope", "R4 channel lag",
         "R5 spike count")
T = 100


def regression_task(name, n, seed):
    """``n`` series of the generated task ``name`` and their targets."""
    rng = np.random.RandomState(seed)
    t = np.arange(T)
    noise = 0.3 * rng.normal(size=(n, T))
    if name.startswith("R1"):
        c, w = rng.uniform(10, 90, n), rng.uniform(3, 10, n)
        y = rng.uniform(0.5, 3, n)
        bump = np.exp(-((t - c[:, None]) ** 2) / (2 * w[:, None] ** 2))
        X = noise + y[:, None] * bump
    elif name.startswith("R2"):
        y = rng.uniform(2, 10, n)
        phase = rng.uniform(0, 2 * np.pi, n)
        X = noise + np.sin(2 * np.pi * y[:, None] * t / T + phase[:, None])
    elif name.startswith("R3"):
        y = rng.uniform(-2, 2, n)
        ar = np.zeros((n, T))
        for i in range(1, T):
            ar[:, i] = 0.8 * ar[:, i - 1] + 0.5 * rng.normal(size=n)
        X = y[:, None] * t / T + ar
    elif name.startswith("R4"):
        y = rng.randint(0, 11, n).astype(float)
        base = np.cumsum(rng.normal(size=(n, T + 10)), axis=1)
        base = (base - base.mean(1, keepdims=True)) / base.std(1, keepdims=True)
        lagged = np.stack([base[i, 10 - int(k) : 10 - int(k) + T]
                           for i, k in enumerate(y)])
        X = np.stack([base[:, 10:] + noise, lagged + 0.3 * rng.normal(size=(n, T))],
                     1)
        return X, y
    else:
        y = rng.randint(0, 7, n).astype(float)
        X = noise.copy()
        for i, m in enumerate(y.astype(int)):
            X[i, rng.choice(T, m, replace=False)] += 2.0
    return X[:, None, :], y


def _windows(series, width=12):
    values = np.asarray(series, dtype=float)
    X = np.stack([values[i : i + width] for i in range(len(values) - width)])
    y = values[width:]
    cut = 2 * len(y) // 3
    mean, std = X[:cut].mean(), X[:cut].std()
    X = ((X - mean) / std)[:, None, :]
    return X[:cut], y[:cut], X[cut:], y[cut:]


class RegressionEpochsRound(EpochsRound):
    """The classifiers' round mechanics on this script's regression data."""

    def selection_tasks(self):
        for source, n in (("S1", 200), ("S2", 1000)):
            for i, name in enumerate(TASKS):
                Xtr, ytr = regression_task(name, n, seed=100 + 10 * i + (n == 1000))
                Xte, yte = regression_task(name, 500, seed=200 + 10 * i)
                yield source, f"{name} n={n}", (Xtr, ytr, Xte, yte)

    def heldout_tasks(self):
        from sktime.datasets import load_airline, load_lynx

        for name in ("Tecator", "Covid3Month"):
            yield "TSER", name, load_sktime_regression(name)
        yield "windows", "Airline (12-step windows)", _windows(load_airline())
        yield "windows", "Lynx (12-step windows)", _windows(load_lynx())

    def baseline(self):
        from sklearn.linear_model import RidgeCV

        return RidgeCV(alphas=np.logspace(-3, 3, 13))


def _round(estimator, k0, cap):
    return RegressionEpochsRound(
        out=HERE / f"regressor_epochs_{estimator.split(':')[1][:3].lower()}.jsonl",
        estimator=estimator,
        images=None,
        candidates={"K0": None, "AUTO": cap},
        k0_epochs=k0,
        sources=("S1", "S2"),
        n_selection=10,
        metric="R²",
        score_floor=-1.0,
    )


ROUNDS = {
    "cnn": _round("skdeep.cnn:CNNRegressor", 10, 200),
    "rnn": _round("skdeep.recurrent:RNNRegressor", 100, 400),
}


def section_writer(which):
    """Writes the round's section of ``benchmarks/results/sequence.md``."""
    name = {"cnn": "CNNRegressor", "rnn": "RNNRegressor"}[which]
    k0 = ROUNDS[which].k0_epochs
    cap = ROUNDS[which].candidates["AUTO"]

    def write_section(text):
        import sequence

        intro = (
            "Protocol: the docstring of `benchmarks/sequence_runs/regressor_epochs."
            "py`, written before its first run (session 31). Candidates for "
            f"`{name}`'s `max_epochs`, fixed in advance from the classifier's "
            f"round: K0 = {k0} (the default before) and AUTO = `max({k0}, min("
            f"{cap}, ceil(2000 / b)))` with `b = ceil(n / 128)` (what "
            "`max_epochs=\"auto\"` computes). Targets standardized (session 31), "
            "every other parameter at the defaults, `random_state=0`, one torch "
            "thread; fit CPU seconds are process time. Selection (not evidence): "
            "five generated series-regression tasks fitted on 200 (S1) and 1,000 "
            "(S2) series, R² on 500 test series of their own; the rule's means "
            "floor each R² at -1. Held out: sktime's two time-series regression "
            "sets on their train/test splits and one-step 12-value windows of "
            "its Airline and Lynx series (first two thirds to fit, in time "
            "order); \"defaults\" = the estimator as committed after the round; "
            "\"linear\" = `RidgeCV` on the flattened inputs.")
        commands = [
            f"OMP_NUM_THREADS=1 python benchmarks/sequence_runs/regressor_epochs.py "
            f"{which} --stage select",
            f"OMP_NUM_THREADS=1 python benchmarks/sequence_runs/regressor_epochs.py "
            f"{which} --stage heldout --new AUTO",
            f"python benchmarks/sequence_runs/regressor_epochs.py {which} --stage "
            "tables  # writes this",
        ]
        EpochsRound.write_section(
            sequence, f"regressor_epochs_{which}",
            f"## Epochs of {name} (session 31)", intro, text, commands)

    return write_section


if __name__ == "__main__":
    which = sys.argv.pop(1)
    ROUNDS[which].main(__doc__.splitlines()[0], section_writer(which))
