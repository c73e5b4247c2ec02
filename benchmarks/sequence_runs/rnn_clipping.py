"""RNNClassifier's gradient clipping default: a declared round, then held-out sets.

Why (session 30, before this script's first run). The epochs round
(``rnn_small_data.py``) gave ``RNNClassifier`` ``max_epochs="auto"`` (100 to
400 epochs). On its held-out sets PLAID fell from 0.53 to 0.33 test
accuracy. A diagnosis on PLAID's training part only (no test part read):
the LSTM's training loss fell to 0.74 by epoch 135 of 400, jumped to 2.0
and ended at 1.6 (training accuracy 0.45); the same fit with skorch's
``GradientNormClipping(1.0)`` kept falling to 0.14 (training accuracy 0.91).
Exploding gradients are the classic failure of recurrent nets trained long
on long series (Pascanu et al., 2013); the seq2seq estimators clip at 5 by
default. This round asks whether ``RNNClassifier`` should clip by default.

Seen before this round, so not clean evidence for it: every held-out cell
of the epochs round at the current defaults (PLAID's drop motivated this
round). The held-out table below is therefore reported with and without
PLAID, and the PLAID row is not evidence.

Protocol (declared before any run of this script; mechanics, data and rule
of ``benchmarks/_epochs_round.py``, the epochs round's selection tasks):

* Candidates, every other parameter at the defaults as committed
  (``max_epochs="auto"``, LSTM, hidden 32, Adam lr 0.01, batch 128),
  ``random_state=0``: ``K0``, no clipping (the current default);
  ``G1`` and ``G5``: ``gradient_clipping`` 1.0 and 5.0.
* K0's cells are not refitted: they are the epochs round's R400 cells
  (``rnn_small_data.jsonl``), the same configuration run by the same code
  (``max_epochs`` given as R400's rule's number equals what ``"auto"``
  resolves to; no clipping), copied here with ``"copied_from"``.
* Rule as in the epochs round: the highest mean accuracy over the 16
  selection tasks; among candidates within 0.005 of it, the cheapest (fit
  CPU seconds); adopted if at least K0's + 0.01 with no source (S1, S2, S3)
  more than 0.01 below K0's.
* Held out, whatever it shows: the pick (if adopted) on the 11 held-out
  sets of the epochs round (UCR/UEA test parts, digits n = 200 and 500),
  beside K0 (the epochs round's R400 held-out cells, copied) and the linear
  baseline (copied); means with and without PLAID.

Outcome (added after the runs, session 30): G5 adopted by the rule
(selection 0.6066 -> 0.6260; S1 +0.011, S2 +0.029, S3 -0.004; G1 0.6083),
now ``RNNClassifier``'s default (``RNNRegressor`` keeps None). Held out: mean
0.7872 -> 0.8289 over 11 sets; without PLAID (not evidence) 0.8332 ->
0.8425 over 10, better on 4 (ACSF1 0.55 -> 0.70, ArrowHead +0.029, UnitTest
+0.045, digits n=200 +0.003), equal on 2, worse on 4 (BasicMotions 1.00 ->
0.90, OSULeaf -0.017, GunPoint -0.013, ItalyPowerDemand -0.003). PLAID:
0.33 -> 0.69 (0.53 at the 100 epochs before both rounds).

Writes JSON lines to ``rnn_clipping.jsonl`` (cells on file are skipped):

    python benchmarks/sequence_runs/rnn_clipping.py --copy-k0
    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/rnn_clipping.py --stage select
    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/rnn_clipping.py --stage heldout --new G1
    python benchmarks/sequence_runs/rnn_clipping.py --stage tables
"""

import dataclasses
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # after the standard library (benchmarks/signal.py)

from rnn_small_data import ROUND as EPOCHS_ROUND  # noqa: E402

# the epochs round's estimator and input layout, other candidates
ROUND = dataclasses.replace(
    EPOCHS_ROUND,
    out=HERE / "rnn_clipping.jsonl",
    candidates={"K0": {}, "G1": {"gradient_clipping": 1.0},
                "G5": {"gradient_clipping": 5.0}},
    k0_epochs=None,
)


def copy_k0():
    """K0's cells (and the held-out linear ones) from the epochs round."""
    ROUND.copy_cells(HERE / "rnn_small_data.jsonl", {"R400": "K0", "linear": "linear"})


def write_section(text):
    """The section "Gradient clipping" of ``benchmarks/results/sequence.md``."""
    import numpy as np
    import sequence

    held = [r for r in ROUND.read() if r["stage"] == "heldout"]
    by = {(r["task"], r["method"]): r["score"] for r in held}
    lines = []
    for method in dict.fromkeys(r["method"] for r in held):
        tasks = [t for (t, m) in by if m == method and t != "PLAID"]
        if tasks:
            lines.append(f"- {method}: mean over the {len(tasks)} sets without "
                         f"PLAID {np.mean([by[t, method] for t in tasks]):.4f}")
    intro = (
        "Protocol: the docstring of `benchmarks/sequence_runs/rnn_clipping.py`, "
        "written before its first run (session 30). Candidates for "
        "`RNNClassifier`'s `gradient_clipping` at its other defaults "
        "(`max_epochs=\"auto\"`): K0 none (the default), G1 1.0, G5 5.0; K0's "
        "cells and the linear baseline's are copied from the epochs round "
        "(its R400 cells: the same configuration and code). Selection tasks as "
        "in the epochs round (not evidence). Held out: the epochs round's sets; "
        "PLAID's drop there motivated this round, so its row is not evidence.")
    commands = [
        "python benchmarks/sequence_runs/rnn_clipping.py --copy-k0",
        "OMP_NUM_THREADS=1 python benchmarks/sequence_runs/rnn_clipping.py "
        "--stage select",
        "OMP_NUM_THREADS=1 python benchmarks/sequence_runs/rnn_clipping.py "
        "--stage heldout --new PICK",
        "python benchmarks/sequence_runs/rnn_clipping.py --stage tables  "
        "# writes this",
    ]
    ROUND.write_section(sequence, "clipping",
                        "## Gradient clipping (session 30: `gradient_clipping`)",
                        intro, text, commands, extra=[*lines, ""])


if __name__ == "__main__":
    if sys.argv[1:] == ["--copy-k0"]:
        copy_k0()
        print(json.dumps(len(ROUND.read())), "records")
    else:
        ROUND.main(__doc__.splitlines()[0], write_section)
