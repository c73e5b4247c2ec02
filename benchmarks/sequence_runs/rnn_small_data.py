"""RNNClassifier's epochs on small data: a declared selection round, then held-out sets.

Why (session 30, before this script's first run). ``RNNClassifier()`` trains
100 epochs of 128-row batches: on a UCR/UEA set of 40 training series that is
100 Adam steps. A new-user check in session 29 (not a selection; splits of
the training parts of three sets, the test parts not read) found 0.50 ->
0.92 (ArrowHead) and 0.71 -> 0.86 (BasicMotions) accuracy from 100 to 400
epochs, GunPoint 0.53 at both, and 0.877 on 200 of scikit-learn's digits
(rows as steps) at 100 epochs where ``LogisticRegression`` reaches 0.920.
``CNNClassifier`` and the MC-dropout estimators got ``max_epochs="auto"``
(at least 2,000 steps within a range) for the same cause in session 29; this
round asks the same question of the recurrent classifier, with the same
mechanics (``benchmarks/_epochs_round.py``, whose docstring states the data,
score and rule). The caps are lower than the CNN's: an LSTM epoch of PLAID's
537 series of up to 1,344 steps costs 1.6 CPU s (after this session's
change to padded runs; 8.9 s packed), and those few sets were what the
session-29 check had seen.

Protocol (declared before any run of this script):

* Candidates, ``max_epochs`` from the ``b = ceil(n / 128)`` batches of a fit
  on ``n`` rows (every other parameter at the defaults: LSTM, hidden size 32,
  Adam lr 0.01, batch 128; ``random_state=0``): ``K0`` 100 (the current
  default); ``R200``, ``R400``: ``max(100, min(cap, ceil(2000 / b)))`` with
  cap 200 and 400 (data of 2,560 rows or more keep 100).
* Selection data S1, S2, S3 and the rule: as in ``_epochs_round.py``
  (within 0.005, adopted at a gain of at least 0.01 with no source more
  than 0.01 below K0). Images are read as sequences: the rows of a square
  image are the time steps, its columns the channels (Fashion-MNIST: 28
  steps of 28 channels; digits: 8 of 8).
* Held out (reported whatever it shows): K0 and the pick on the 9 UCR/UEA
  sets' test parts (fit on the whole training part) and on digits with n =
  200 and 500 (n = 200 was seen at K0 only, above), beside
  ``LogisticRegression`` on the flattened inputs; if the pick is adopted,
  also ``RNNClassifier(random_state=0)`` as committed after the round
  ("defaults", a check that it reproduces the pick's cells) on every set but
  PLAID, where that check would repeat the pick's ten-minute fit.
* ``RNNRegressor`` is not part of this round.

Outcome (added after the runs, session 30): R400 adopted by the rule
(selection score 0.5666 -> 0.6066; S1 +0.007, S2 +0.068, S3 -0.0025), now
``max_epochs="auto"``. Held out: mean 0.7319 -> 0.7872 over 11 sets, better
on 8, equal on 1 (UnitTest), worse on JapaneseVowels (-0.003) and PLAID
(0.533 -> 0.328). The "defaults" cells equal R400's on every set run. On
PLAID the 400-epoch fit diverged: a diagnosis on its training part (no test
part read) found the training loss at 0.74 by epoch 135, then 2.0, ending at
1.6 (training accuracy 0.45); with ``GradientNormClipping(1.0)`` it fell to
0.14 (0.91). Hence the next round, ``rnn_clipping.py``.

Writes JSON lines to ``rnn_small_data.jsonl`` (cells on file are skipped):

    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/rnn_small_data.py --stage select
    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/rnn_small_data.py --stage heldout --new R400
    python benchmarks/sequence_runs/rnn_small_data.py --stage tables
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # after the standard library (benchmarks/signal.py)

from _epochs_round import EpochsRound  # noqa: E402


ROUND = EpochsRound(
    out=HERE / "rnn_small_data.jsonl",
    estimator="skdeep.recurrent:RNNClassifier",
    # rows as time steps, columns as channels: (n, C, T) = (n, side, side)^T
    images=lambda X: X.transpose(0, 2, 1).copy(),
    candidates={"K0": None, "R200": 200, "R400": 400},
    k0_epochs=100,
)


def write_section(text):
    """The section "Epochs on small data" of ``benchmarks/results/sequence.md``."""
    import sequence

    intro = (
        "Protocol: the docstring of `benchmarks/sequence_runs/rnn_small_data.py`, "
        "written before its first run (session 30), and of "
        "`benchmarks/_epochs_round.py`. Candidates for `RNNClassifier`'s "
        "`max_epochs` from the `b = ceil(n / 128)` batches of a fit on n rows: "
        "K0 = 100 (the default before); R200 / R400 = `max(100, min(cap, "
        "ceil(2000 / b)))`. Every other parameter at the defaults, "
        "`random_state=0`, one torch thread; fit CPU seconds are process time. "
        "The selection tasks are not evidence (S1: generated series; S2: 2/3 - "
        "1/3 splits of the UCR/UEA sets' training parts; S3: Fashion-MNIST "
        "training images, rows as steps). Held out: the same UCR/UEA sets' test "
        "parts (fit on the whole training part) and scikit-learn's digits (rows "
        "as steps, n training images of a seeded permutation, its last 797 as "
        "test rows; n = 200 was seen with K0 only before the round). "
        "\"defaults\" = `RNNClassifier(random_state=0)` as committed after the "
        "round (`max_epochs=\"auto\"`, R400's rule), a check that it reproduces "
        "the R400 cells, run on every set but PLAID as declared; \"linear\" = "
        "`LogisticRegression(max_iter=2000)` on the flattened inputs. "
        "Outcome: see the docstring's last entry.")
    commands = [
        "OMP_NUM_THREADS=1 python benchmarks/sequence_runs/rnn_small_data.py "
        "--stage select",
        "OMP_NUM_THREADS=1 python benchmarks/sequence_runs/rnn_small_data.py "
        "--stage heldout --new PICK",
        "python benchmarks/sequence_runs/rnn_small_data.py --stage tables  "
        "# writes this",
    ]
    ROUND.write_section(sequence, "small_data",
                        "## Epochs on small data (session 30: `max_epochs`)",
                        intro, text, commands)


if __name__ == "__main__":
    ROUND.main(__doc__.splitlines()[0], write_section)
