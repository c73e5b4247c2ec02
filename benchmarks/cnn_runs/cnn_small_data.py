"""CNNClassifier's epochs on small data: a declared selection round, then held-out sets.

Why (session 29, before this script's first run). A new-user sweep at the
defaults (not a selection) found ``CNNClassifier()`` at 0.617 test accuracy
on 200 training images of scikit-learn's digits (8 x 8, the other 797 as
test rows of a seeded permutation) where ``LogisticRegression`` on the
pixels reaches 0.920: 10 epochs of 128-row batches are 20 Adam steps. The
defaults (Adam 1e-3, cosine schedule, 10 epochs) were chosen on 50,000
Fashion-MNIST images, about 3,900 steps. The MC-dropout estimators got
``max_epochs="auto"`` for the same cause (``benchmarks/uncertainty_runs/
mc_dropout_small_data.py``). A CNN step costs far more (370 ms for 100
series of 1,460 steps on one thread), so the rule here also caps epochs.
Only digits at n = 200 was looked at (with the current defaults only).

Protocol (declared before any run of this script):

* Candidates, ``max_epochs`` from the ``b = ceil(n / 128)`` batches of a fit
  on ``n`` rows (every other parameter at the defaults, ``random_state=0``):
  ``K0`` 10 (the current default); ``C50``, ``C100``, ``C200``:
  ``max(10, min(cap, ceil(2000 / b)))`` with cap 50, 100 and 200 (at least
  2,000 steps where the cap allows; data of 25,600 rows or more keep 10).
* Selection data (listed in the table, not evidence):
  S1, the five generated series tasks G1-G5 of ``benchmarks/signal.py``'s
  shapelet selection rounds (its ``generated_task``: fit on the training
  series, accuracy on the task's own 300 generated test series);
  S2, the 9 UCR/UEA sets sktime ships, their TRAINING parts only
  (``load_ucr``, NaN padding): one ``StratifiedShuffleSplit(test_size=1/3,
  random_state=0)``, fit on 2/3, accuracy on 1/3 (the test parts are not
  read here);
  S3, Fashion-MNIST training images (pixels / 255, ``(n, 1, 28, 28)``): a
  seeded permutation (``RandomState(0)``) of the 60,000; fit on its first
  300 and its first 1,000, accuracy on its last 2,000.
* Score: the mean of the 16 accuracies; cost: the summed process CPU
  seconds of the 16 fits (one torch thread).
* Rule: the candidate with the highest score; among those within 0.005 of
  it, the cheapest. It becomes the default (``max_epochs="auto"`` with its
  cap) if its score is at least K0's + 0.01 and none of the three sources'
  mean accuracies (S1, S2, S3) is more than 0.01 below K0's; otherwise the
  default stays 10. ``CNNRegressor`` is not part of this round.
* Then (held out, reported whatever it shows): K0 and the pick, fitted on
  the 9 UCR/UEA sets' full training parts and scored on their test parts,
  and on digits 8 x 8 with n = 200 and 500 training images (the first n of
  a seeded permutation, ``RandomState(0)``; test: its last 797), beside
  ``LogisticRegression(max_iter=2000)`` on the flattened inputs (NaN
  padding as 0; test series cut or zero-padded to the training length).

Writes JSON lines to ``cnn_small_data.jsonl`` (cells on file are skipped):

    OMP_NUM_THREADS=1 python benchmarks/cnn_runs/cnn_small_data.py --stage select
    OMP_NUM_THREADS=1 python benchmarks/cnn_runs/cnn_small_data.py --stage heldout --new C100
    python benchmarks/cnn_runs/cnn_small_data.py --stage tables
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # after the standard library (benchmarks/signal.py)

from _epochs_round import EpochsRound  # noqa: E402


ROUND = EpochsRound(
    out=HERE / "cnn_small_data.jsonl",
    estimator="skdeep.cnn:CNNClassifier",
    images=lambda X: X[:, None],  # (n, 1, side, side)
    candidates={"K0": None, "C50": 50, "C100": 100, "C200": 200},
    k0_epochs=10,
)


def write_section(text):
    """The section "Epochs on small data" of ``benchmarks/results/cnn.md``."""
    import cnn

    intro = (
        "Protocol: the docstring of `benchmarks/cnn_runs/cnn_small_data.py`, "
        "written before its first run (session 29). Candidates for "
        "`CNNClassifier`'s `max_epochs` from the `b = ceil(n / 128)` batches of a "
        "fit on n rows: K0 = 10 (the default before); C50 / C100 / C200 = "
        "`max(10, min(cap, ceil(2000 / b)))`. Every other parameter at the "
        "defaults, `random_state=0`, one torch thread; fit CPU seconds are "
        "process time. The selection tasks are not evidence (S1: generated "
        "series; S2: 2/3 - 1/3 splits of the UCR/UEA sets' training parts; S3: "
        "Fashion-MNIST training images). Held out: the same UCR/UEA sets' test "
        "parts (fit on the whole training part) and scikit-learn's digits (8x8, "
        "n training images of a seeded permutation, its last 797 as test rows; "
        "n = 200 was seen with K0 only before the round, which motivated it). "
        "\"defaults\" = `CNNClassifier(random_state=0)` as committed after the "
        "round (`max_epochs=\"auto\"`, C200's rule), a check that it reproduces "
        "the C200 cells; \"linear\" = `LogisticRegression(max_iter=2000)` on "
        "the flattened inputs (NaN padding as 0, test series cut or zero-padded "
        "to the training length; the first held-out run stopped at this "
        "baseline on JapaneseVowels' longer test series, which this fixes).")
    commands = [
        "OMP_NUM_THREADS=1 python benchmarks/cnn_runs/cnn_small_data.py --stage select",
        "OMP_NUM_THREADS=1 python benchmarks/cnn_runs/cnn_small_data.py --stage "
        "heldout --new C200",
        "python benchmarks/cnn_runs/cnn_small_data.py --stage tables  # writes this",
    ]
    ROUND.write_section(cnn, "small_data",
                        "## Epochs on small data (session 29: `max_epochs=\"auto\"`)",
                        intro, text, commands)


if __name__ == "__main__":
    ROUND.main(__doc__.splitlines()[0], write_section)
