"""Issue #14 (session 15): choose the QRNN/SRU readout default on the TRAINING
parts only (protocol: docstring of benchmarks/sequence.py, part
``classification``, "QRNN/SRU readout").

Score: GridSearchCV's best_score_ of the benchmark's own pipeline and inner
3-fold CV on the training part of JapaneseVowels and BasicMotions, seeds 0-2.
The test parts are never loaded for scoring.

    OMP_NUM_THREADS=1 .venv/bin/python \
        benchmarks/sequence_runs/classification_select_readout.py \
        | tee benchmarks/sequence_runs/classification_select_readout.txt
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from skdeep.recurrent import RNNClassifier  # noqa: E402

from sequence import GRID, ChannelStandardizer, load  # noqa: E402

# The readout / forget-bias patch of the estimators, applied on import.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from classification_diagnose import PATCH  # noqa: E402

# In the declared simplicity order (R0, R2, R1, R3): ties go to the earlier.
CANDIDATES = {
    "R0 last, forget bias 1": dict(readout="last", fb=1.0, params={}),
    "R2 last, forget bias 3": dict(readout="last", fb=3.0, params={}),
    "R1 mean, forget bias 1": dict(readout="mean", fb=1.0, params={}),
    "R3 last, ifo, forget bias 3": dict(
        readout="last", fb=3.0, params={"qrnn_pooling": "ifo"}, cells=("qrnn",)
    ),
}


def score(train, cell, params, seed):
    pipe = make_pipeline(
        ChannelStandardizer(),
        RNNClassifier(cell=cell, lr=0.01, batch_size=32, random_state=seed, **params),
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=seed)
    search = GridSearchCV(pipe, GRID, cv=cv, n_jobs=1, refit=False)
    search.fit(train["rnn"], train["y"])
    return search.best_score_


def main():
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=FutureWarning)
    print(f"load average at the start {os.getloadavg()}", flush=True)
    train = {name: load(name)["train"] for name in ("JapaneseVowels", "BasicMotions")}
    for cell in ("qrnn", "sru"):
        results = {}
        for cand, spec in CANDIDATES.items():
            if cell not in spec.get("cells", (cell,)):
                continue
            PATCH.update(readout=spec["readout"], fb=spec["fb"])
            per_set = {}
            t = time.perf_counter()
            for name, tr in train.items():
                per_set[name] = [score(tr, cell, spec["params"], s) for s in (0, 1, 2)]
            metric = np.mean([np.mean(v) for v in per_set.values()])
            results[cand] = metric
            print(
                f"{cell} {cand:30s} metric {metric:.4f} | "
                + " | ".join(f"{k} {np.mean(v):.4f} {np.round(v, 4).tolist()}"
                             for k, v in per_set.items())
                + f" ({time.perf_counter() - t:.0f} s, load "
                f"{os.getloadavg()[0]:.1f})",
                flush=True,
            )
        # Decision rule: best metric; within 0.005 of a simpler one loses.
        order = list(results)
        best = max(results.values())
        chosen = next(c for c in order if results[c] >= best - 0.005)
        print(f"{cell}: chosen {chosen}", flush=True)
    print(f"load average at the end {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
