"""Selection round for the RBF networks' ``lr_schedule`` default (end-to-end training).

The protocol (data, configurations, candidates, decision rule) is declared in
the ``rbf_scale`` section of ``benchmarks/similarity.py``'s docstring (session
28), before this script's first run. No Fashion-MNIST data and no UCI set of
``rbf_regression`` is used here. Writes one JSON line per (estimator, data
set, configuration, candidate) with the mean 3-fold score, then prints each
estimator's gain of "cosine" over "constant" and the decision.

    OMP_NUM_THREADS=1 python benchmarks/similarity_runs/rbf_select_lr_schedule.py
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from _common import stamped, write_jsonl  # noqa: E402
from rbf_select_defaults import datasets as classification_sets  # noqa: E402

OUT = HERE / "rbf_select_lr_schedule.jsonl"
N_CENTERS = (100, 300)
CANDIDATES = ("constant", "cosine", "hybrid")  # the hybrid: information only
# (minimum mean gain, largest loss of one data set) for "cosine" to be adopted
RULE = {"classifier": (0.001, 0.01), "regressor": (0.001, 0.01)}


def regression_sets():
    from sklearn.datasets import (
        load_diabetes,
        make_friedman1,
        make_friedman2,
        make_friedman3,
    )

    yield "diabetes", *load_diabetes(return_X_y=True)
    yield "friedman1", *make_friedman1(2000, noise=1.0, random_state=0)
    yield "friedman2", *make_friedman2(2000, noise=0.0, random_state=0)
    yield "friedman3", *make_friedman3(2000, noise=0.0, random_state=0)


def cell_score(kind, X, y, folds, n_centers, candidate):
    """Mean score over ``folds`` of one configuration and candidate."""
    from sklearn.preprocessing import StandardScaler

    from skdeep.rbf import RBFNetworkClassifier, RBFNetworkRegressor

    cls = RBFNetworkClassifier if kind == "classifier" else RBFNetworkRegressor
    params = dict(n_centers=n_centers, random_state=0)
    if candidate != "hybrid":
        params.update(training="end_to_end", lr_schedule=candidate)
    scores = []
    for train, test in folds:
        scaler = StandardScaler().fit(X[train])
        Xtr, Xte = scaler.transform(X[train]), scaler.transform(X[test])
        ytr, yte = y[train], y[test]
        if kind == "regressor":
            mean, std = ytr.mean(), ytr.std()
            ytr, yte = (ytr - mean) / std, (yte - mean) / std
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = cls(**params).fit(Xtr, ytr)
        scores.append(float(est.score(Xte, yte)))
    return float(np.mean(scores))


def main():
    import torch
    from sklearn.model_selection import KFold, StratifiedKFold

    torch.set_num_threads(1)
    records = []
    for kind, sets in (("classifier", classification_sets()),
                       ("regressor", regression_sets())):
        splitter = (StratifiedKFold if kind == "classifier" else KFold)(
            3, shuffle=True, random_state=0)
        for name, X, y in sets:
            folds = list(splitter.split(X, y))
            for k in N_CENTERS:
                for candidate in CANDIDATES:
                    record = {"estimator": kind, "data": name, "n_centers": k,
                              "candidate": candidate,
                              "score": cell_score(kind, X, y, folds, k, candidate)}
                    records.append(stamped(record))
                    print(json.dumps(record), flush=True)
            write_jsonl(OUT, records)
    decide(records)


def decide(records):
    """Print each estimator's gain of "cosine" over "constant" and the decision."""
    for kind, (min_gain, max_loss) in RULE.items():
        score = {(r["data"], r["n_centers"], r["candidate"]): r["score"]
                 for r in records if r["estimator"] == kind}
        cells = sorted({(d, k) for d, k, _ in score})
        gains = {cell: score[(*cell, "cosine")] - score[(*cell, "constant")]
                 for cell in cells}
        mean_gain = float(np.mean(list(gains.values())))
        per_set = {d: float(np.mean([g for (d2, _), g in gains.items() if d2 == d]))
                   for d, _ in cells}
        worst = min(per_set.values())
        adopted = mean_gain >= min_gain and worst >= -max_loss
        print(f"{kind}: mean gain of cosine {mean_gain:+.4f} over {len(cells)} cells "
              f"({sum(g > 0 for g in gains.values())} better, "
              f"{sum(g < 0 for g in gains.values())} worse); per data set "
              + ", ".join(f"{d} {g:+.4f}" for d, g in per_set.items())
              + f"; worst {worst:+.4f} -> "
              + ("cosine adopted" if adopted else "constant stays"))


if __name__ == "__main__":
    if sys.argv[1:] == ["--decide"]:
        decide([json.loads(line) for line in open(OUT)])
    else:
        main()
