"""RNNRegressor's gradient clipping default: a declared round, then held-out sets.

Why (session 32, before this script's first run). ``RNNClassifier`` clips
the gradient norm at 5 by default since session 30's round
(``rnn_clipping.py``: exploding gradients in long training, Pascanu et al.,
2013). ``RNNRegressor`` shares its recurrent stack and, since session 31's
round (``regressor_epochs.py``), trains 100 to 400 epochs by default, but
does not clip. On that round's held-out sets the longer training scored
worse on the three smallest (Covid3Month, Airline and Lynx windows), which
may be overfitting or unstable training; nothing else has been looked at.

Seen before this round, so not clean evidence for it: every held-out cell
of the epochs round at the current defaults (Tecator, Covid3Month, Airline
and Lynx windows). They are reported again, apart from three sets no
recurrent regressor has been run on.

Protocol (declared before any run of this script):

* Candidates, every other parameter at the defaults as committed
  (``max_epochs="auto"``, LSTM, hidden 32, standardized targets),
  ``random_state=0``, one torch thread: ``K0``, no clipping (the current
  default); ``G5``, ``gradient_clipping=5.0`` (the classifier's value, fixed
  in advance; no other value is tried). K0 is refitted (same code and
  configuration as the epochs round's AUTO cells).
* Selection data, score and rule: the epochs round's (``regressor_epochs.py``):
  the five generated series-regression tasks fitted on 200 (S1) and 1,000
  (S2) series, R^2 on 500 test series of their own, each floored at -1;
  the candidate with the highest mean, among those within 0.005 the
  cheapest (fit CPU seconds); G5 becomes the default if its mean is at
  least K0's + 0.01 and neither source's mean is more than 0.01 below K0's.
* Then (held out, reported whatever it shows): K0, G5 and ``RidgeCV`` on
  the flattened inputs, on the epochs round's four held-out sets (seen, see
  above) and on one-step 12-value windows (first two thirds to fit, in time
  order, inputs z-normalised with the training windows' statistics, as for
  Airline and Lynx) of three series bundled with sktime that no recurrent
  regressor has seen: Seatbelts (KSI, monthly, 192 values), and US change's
  Consumption and Unemployment (quarterly, 187 values each).

Outcome (added after the runs, session 32): K0 stays (selection 0.9418
against G5's 0.8430; G5 learned nothing on one task, R1 at n = 200, R^2
-0.004 against 0.96, and was within 0.013 elsewhere). Held out, G5 was
higher on 2 sets (Tecator 0.48 -> 0.61), equal on 3 and lower on 2
(Seatbelts 0.20 -> 0.06). The unseen sets show what the round was not
about: at its defaults ``RNNRegressor`` scored far below the ridge on all
three (Seatbelts 0.20 against 0.49, US change Consumption -3.31 against
-0.23, Unemployment -0.52 against 0.39), 116 to 120 training windows fitted
for 400 epochs.

Writes JSON lines to ``regressor_clipping.jsonl`` (cells on file are skipped):

    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/regressor_clipping.py --stage select
    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/regressor_clipping.py --stage heldout --new G5 --methods K0,G5,linear
    python benchmarks/sequence_runs/regressor_clipping.py --stage tables
"""

import dataclasses
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # after the standard library (benchmarks/signal.py)

from regressor_epochs import ROUNDS, RegressionEpochsRound, _windows  # noqa: E402

UNSEEN = (("Seatbelts", "seatbelts", "KSI"),
          ("US change", "Uschange", "Consumption"),
          ("US change", "Uschange", "Unemployment"))


def _bundled_column(folder, column):
    """One column of a CSV file sktime ships in ``datasets/data/folder``."""
    import pandas as pd
    import sktime

    path = Path(sktime.__file__).parent / "datasets" / "data" / folder
    return pd.read_csv(path / f"{folder}.csv")[column].to_numpy(dtype=float)


class ClippingRound(RegressionEpochsRound):
    """The epochs round's data, with three more held-out series."""

    def heldout_tasks(self):
        yield from super().heldout_tasks()
        for label, folder, column in UNSEEN:
            yield ("unseen windows", f"{label} {column} (12-step windows)",
                   _windows(_bundled_column(folder, column)))


ROUND = ClippingRound(**{
    **{f.name: getattr(ROUNDS["rnn"], f.name)
       for f in dataclasses.fields(RegressionEpochsRound)},
    "out": HERE / "regressor_clipping.jsonl",
    "candidates": {"K0": {}, "G5": {"gradient_clipping": 5.0}},
    "k0_epochs": None,
})


def unseen_means(round_, unseen):
    """One line per held-out method: its mean R^2 over the tasks ``unseen``
    (a predicate on task names) accepts."""
    held = [r for r in round_.read() if r["stage"] == "heldout"]
    by = {(r["task"], r["method"]): r["score"] for r in held}
    tasks = [t for t in dict.fromkeys(r["task"] for r in held) if unseen(t)]
    lines = []
    for method in dict.fromkeys(r["method"] for r in held):
        scores = [by[t, method] for t in tasks if (t, method) in by]
        if scores:
            lines.append(f"- {method}: mean R² over the {len(scores)} unseen "
                         f"sets {np.mean(scores):.4f}")
    return lines


def write_section(text):
    """The section "Gradient clipping of RNNRegressor" of the sequence results."""
    import sequence

    lines = unseen_means(
        ROUND, lambda t: any(t.startswith(label) for label, _, _ in UNSEEN))
    intro = (
        "Protocol: the docstring of `benchmarks/sequence_runs/regressor_clipping."
        "py`, written before its first run (session 32). Candidates for "
        "`RNNRegressor`'s `gradient_clipping` at its other defaults "
        "(`max_epochs=\"auto\"`, standardized targets): K0 none (the default "
        "before) and G5 5.0 (the classifier's value, fixed in advance). "
        "Selection tasks, score and rule as in the epochs round (not evidence). "
        "Held out: the epochs round's four sets (seen before with K0, so not "
        "clean evidence) and 12-value windows of three series no recurrent "
        "regressor had seen (Seatbelts KSI, US change Consumption and "
        "Unemployment); \"linear\" = `RidgeCV` on the flattened inputs.")
    commands = ROUND.commands(
        "benchmarks/sequence_runs/regressor_clipping.py",
        "--new G5 --methods K0,G5,linear")
    ROUND.write_section(sequence, "regressor_clipping",
                        "## Gradient clipping of RNNRegressor (session 32)",
                        intro, text, commands, extra=[*lines, ""])


if __name__ == "__main__":
    ROUND.main(__doc__.splitlines()[0], write_section)
