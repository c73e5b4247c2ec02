"""Selection round for RBFNetworkClassifier's width factor and ``alpha`` defaults.

The protocol (data, configurations, candidates, decision rule) is declared in
the ``rbf_scale`` section of ``benchmarks/similarity.py``'s docstring, before
this script's first run. No Fashion-MNIST data is used here. Writes one JSON
line per (data set, configuration, candidate) with the mean 3-fold accuracy,
then prints each candidate's gain over the default and the decision.

    OMP_NUM_THREADS=1 python benchmarks/similarity_runs/rbf_select_defaults.py
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from _common import shared_data, stamped, write_jsonl  # noqa: E402

FACTORS = (2.0, 3.0, 4.0)
ALPHAS = (1e-3, 1e-5, 1e-7)
DEFAULT = (2.0, 1e-3)
CONFIGS = [(k, c) for k in (100, 300) for c in ("kmeans", "kmeans_per_class")]


def datasets():
    import scipy.io
    from sklearn.datasets import load_digits, make_classification

    X, y = load_digits(return_X_y=True)
    yield "digits", X, y
    for name in ("satellite", "mnist"):
        m = scipy.io.loadmat(shared_data() / "odds" / f"{name}.mat")
        yield f"odds-{name}", m["X"].astype(float), m["y"].ravel().astype(int)
    for seed in (0, 1):
        X, y = make_classification(
            n_samples=4000, n_features=40, n_informative=15, n_redundant=5,
            n_classes=6, n_clusters_per_class=2, random_state=seed,
        )
        yield f"generated-{seed}", X, y


def main():
    import scipy.linalg
    import torch
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    import skdeep.rbf._rbf as rbf

    torch.set_num_threads(1)
    cache = {}
    init_centers = rbf._BaseRBF._init_centers

    def cached(self, X, codes=None, sample_weight=None):
        # Centers do not depend on the candidates: one k-means per fold.
        key = (X.shape, hash(X[:5].tobytes()), self.n_centers, self.centers)
        if key not in cache:
            cache[key] = init_centers(self, X, codes, sample_weight)
        return cache[key]

    rbf._BaseRBF._init_centers = cached
    records = []
    out = HERE / "rbf_select_defaults.jsonl"
    for name, X, y in datasets():
        folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
        for k, centers in CONFIGS:
            for factor in FACTORS:
                rbf.SCALE_WIDTH_FACTOR = factor
                for alpha in ALPHAS:
                    accs, flagged = [], False
                    for train, test in folds:
                        scaler = StandardScaler().fit(X[train])
                        est = rbf.RBFNetworkClassifier(
                            n_centers=k, centers=centers, alpha=alpha,
                            random_state=0,
                        )
                        with warnings.catch_warnings(record=True) as caught:
                            warnings.simplefilter("always")
                            est.fit(scaler.transform(X[train]), y[train])
                            scores = est.decision_function(scaler.transform(X[test]))
                        flagged |= any(
                            issubclass(w.category, scipy.linalg.LinAlgWarning)
                            for w in caught
                        )
                        flagged |= not np.isfinite(scores).all()
                        accs.append(est.score(scaler.transform(X[test]), y[test]))
                    r = stamped(dict(data=name, n_centers=k, centers=centers,
                                     factor=factor, alpha=alpha,
                                     accuracy=float(np.mean(accs)),
                                     flagged=bool(flagged)))
                    records.append(r)
                    print(json.dumps(r), flush=True)
        write_jsonl(out, records)
    decide(records)


def decide(records):
    cell = lambda r: (r["data"], r["n_centers"], r["centers"])  # noqa: E731
    base = {cell(r): r["accuracy"] for r in records
            if (r["factor"], r["alpha"]) == DEFAULT}
    best = None
    for factor in FACTORS:
        for alpha in ALPHAS:
            mine = [r for r in records if (r["factor"], r["alpha"]) == (factor, alpha)]
            if any(r["flagged"] for r in mine):
                print(f"factor {factor} alpha {alpha:g}: out (flagged)")
                continue
            diffs = {cell(r): r["accuracy"] - base[cell(r)] for r in mine}
            gain = 100 * np.mean(list(diffs.values()))
            per_data = {}
            for (d, _, _), v in diffs.items():
                per_data.setdefault(d, []).append(v)
            worst = min(100 * np.mean(v) for v in per_data.values())
            wins = sum(v > 0 for v in diffs.values())
            losses = sum(v < 0 for v in diffs.values())
            print(f"factor {factor} alpha {alpha:g}: gain {gain:+.3f} points, "
                  f"worst data set {worst:+.3f}, wins {wins} losses {losses}")
            if (factor, alpha) != DEFAULT and (best is None or gain > best[0]):
                best = (gain, worst, factor, alpha)
    gain, worst, factor, alpha = best
    adopted = gain >= 0.1 and worst >= -1.0
    print(f"best: factor {factor} alpha {alpha:g} (gain {gain:+.3f}, worst data "
          f"set {worst:+.3f}): {'ADOPTED' if adopted else 'not adopted'}")


if __name__ == "__main__":
    if "--decide" in sys.argv:
        decide([json.loads(line) for line in
                (HERE / "rbf_select_defaults.jsonl").read_text().splitlines()])
    else:
        main()
