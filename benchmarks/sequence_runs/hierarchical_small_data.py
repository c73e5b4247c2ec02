"""HierarchicalRNNClassifier's epochs on small data: a declared selection round, then held-out sets.

Why (session 32, before this script's first run). ``RNNClassifier`` trains
``max_epochs="auto"`` epochs (at least 2,000 Adam steps within 100 to 400
epochs) since session 30's round (``rnn_small_data.py``: held out, mean
accuracy 0.732 -> 0.787); ``HierarchicalRNNClassifier``, built on the same
recurrent layer, still trains a fixed 100 epochs of 128-row batches: 100
Adam steps on a set of 40 series. Nothing about its epochs has been looked
at on any data.

Protocol (declared before any run of this script; the mechanics, data and
rule are ``benchmarks/_epochs_round.py``'s, as in the RNN's round):

* Candidates, ``max_epochs`` from the ``b = ceil(n / 128)`` batches of a fit
  on ``n`` rows (every other parameter at the defaults: LSTM at both
  levels, hidden sizes 32, no attention, Adam lr 0.01, batch 128, no
  gradient clipping; ``random_state=0``): ``K0`` 100 (the current default)
  and ``R400``, the RNN classifier's adopted rule ``max(100, min(400,
  ceil(2000 / b)))``, fixed in advance (no other cap is tried).
* Input as the estimator reads 3-D arrays, ``(n, outer_steps,
  inner_steps)`` with one feature per inner step: square images are
  sequences of rows, each a sequence of pixels (Fashion-MNIST 28 x 28,
  digits 8 x 8); series ``(n, C, T)`` are C outer steps (one per channel) of
  T inner steps (a univariate series is one outer step). NaN padding as the
  estimator takes it.
* Selection data S1 (generated series G1-G5), S2 (2/3 - 1/3 splits of the 9
  UCR/UEA sets' training parts), S3 (Fashion-MNIST training images, n = 300
  and 1,000), score (mean of the 16 accuracies) and rule (within 0.005 the
  cheapest; adopted at a gain of at least 0.01 with no source more than
  0.01 below K0).
* Held out (reported whatever it shows): K0 and R400 on the 9 UCR/UEA sets'
  test parts (fit on the whole training part) and on scikit-learn's digits
  with n = 200 and 500, beside ``LogisticRegression`` on the flattened
  inputs. ``HierarchicalRNNRegressor`` is not part of this round.

Outcome (added after the runs, session 32): R400 adopted by the rule
(selection 0.5870 -> 0.6148; S1 +0.014, S2 +0.039, S3 +0.013; lower on
ArrowHead's, JapaneseVowels' and PLAID's selection splits, PLAID 0.61 ->
0.50), now ``HierarchicalRNNClassifier``'s default (``max_epochs="auto"``).
Held out: mean accuracy 0.6790 -> 0.7441 over 11 sets, higher on 6
(BasicMotions 0.60 -> 0.93, ACSF1 0.42 -> 0.65, PLAID 0.67 -> 0.75), equal
on 2, lower on 3 (at most -0.033: OSULeaf, digits n = 200,
ItalyPowerDemand), at about four times the fit time. The logistic
regression scored 0.7709: the hierarchical reading of a plain series (one
outer step) is not what the estimator is for, and it stayed at chance on
GunPoint (0.49) with both budgets.

Writes JSON lines to ``hierarchical_small_data.jsonl`` (cells on file are
skipped):

    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/hierarchical_small_data.py --stage select
    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/hierarchical_small_data.py --stage heldout --new R400 --methods K0,R400,linear
    python benchmarks/sequence_runs/hierarchical_small_data.py --stage tables
"""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # after the standard library (benchmarks/signal.py)

from _epochs_round import EpochsRound  # noqa: E402

ROUND = EpochsRound(
    out=HERE / "hierarchical_small_data.jsonl",
    estimator="skdeep.recurrent:HierarchicalRNNClassifier",
    images=lambda X: X.astype(np.float32),  # (n, rows, pixels)
    candidates={"K0": None, "R400": 400},
    k0_epochs=100,
)


def write_section(text):
    """The section "Epochs of HierarchicalRNNClassifier" of the sequence results."""
    import sequence

    intro = (
        "Protocol: the docstring of `benchmarks/sequence_runs/hierarchical_small_"
        "data.py`, written before its first run (session 32). Candidates for "
        "`HierarchicalRNNClassifier`'s `max_epochs` from the `b = ceil(n / 128)` "
        "batches of a fit on n rows: K0 = 100 (the default before) and R400 = "
        "`max(100, min(400, ceil(2000 / b)))` (the RNN classifier's adopted "
        "rule, fixed in advance). Every other parameter at the defaults, "
        "`random_state=0`, one torch thread; fit CPU seconds are process time. "
        "Images are sequences of rows of pixels; series are outer steps of "
        "channels. The selection tasks are not evidence (S1: generated series; "
        "S2: 2/3 - 1/3 splits of the UCR/UEA sets' training parts; S3: "
        "Fashion-MNIST training images). Held out: the UCR/UEA sets' test parts "
        "(fit on the whole training part) and scikit-learn's digits; \"linear\" "
        "= `LogisticRegression(max_iter=2000)` on the flattened inputs.")
    commands = ROUND.commands(
        "benchmarks/sequence_runs/hierarchical_small_data.py",
        "--new R400 --methods K0,R400,linear")
    ROUND.write_section(sequence, "hierarchical_epochs",
                        "## Epochs of HierarchicalRNNClassifier (session 32)",
                        intro, text, commands)


if __name__ == "__main__":
    ROUND.main(__doc__.splitlines()[0], write_section)
