"""Selection round for the Siamese row of ``metric_unseen`` (session 27).

The protocol (folds, episodes, candidates, decision rule) is declared in the
``metric_unseen`` section of ``benchmarks/similarity.py``'s docstring, before
this script's first run. Only training images of Fashion-MNIST classes 0-6
are used: no test image and no image of classes 7-9. Writes one JSON line
per (fold, candidate) to ``siamese_select_unseen_<fold>.jsonl`` (the two folds
can run at once, in two processes); ``--decide`` prints each candidate's scores and the
decision.

    OMP_NUM_THREADS=1 python benchmarks/similarity_runs/siamese_select_unseen.py --fold A
    OMP_NUM_THREADS=1 python benchmarks/similarity_runs/siamese_select_unseen.py --fold B
    python benchmarks/similarity_runs/siamese_select_unseen.py --decide
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from _common import stamped  # noqa: E402
from similarity import _siamese, load_fashion, unseen_class_scores  # noqa: E402

FOLDS = {"A": ((0, 1, 2, 3), (4, 5, 6)), "B": ((3, 4, 5, 6), (0, 1, 2))}
CANDIDATES = {
    "benchmark": {},
    "emb128": {"embedding_size": 128},
    "ep3": {"max_epochs": 3},
    "emb128_ep3": {"embedding_size": 128, "max_epochs": 3},
    "contrastive": {"loss": "contrastive"},
    "random_mining": {"mining": "random"},
}
BASELINE = "benchmark"
MIN_GAIN = 0.01  # one point of 1-shot accuracy


def out_path(fold):
    return HERE / f"siamese_select_unseen_{fold}.jsonl"


def done():
    return [
        json.loads(line)
        for fold in FOLDS
        if out_path(fold).exists()
        for line in out_path(fold).read_text().splitlines()
        if line
    ]


def run_fold(fold):
    import torch

    torch.set_num_threads(1)
    Xtr, ytr, _, _ = load_fashion(flat=False)
    train_classes, val_classes = FOLDS[fold]
    train = np.concatenate([np.flatnonzero(ytr == c)[:2000] for c in train_classes])
    val = np.concatenate([np.flatnonzero(ytr == c)[:1000] for c in val_classes])
    have = {(r["fold"], r["candidate"]) for r in done()}
    for name, params in CANDIDATES.items():
        if (fold, name) in have:
            continue
        est = _siamese("cnn", 10, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            est.fit(Xtr[train][:, None], ytr[train])
            fit_s = time.perf_counter() - start
            Z = np.asarray(est.transform(Xtr[val][:, None]), dtype=np.float64)
        recall, shots, auc = unseen_class_scores(Z, ytr[val])
        record = {
            "fold": fold, "candidate": name, "params": params,
            "recall_at_1": recall, "one_shot": shots[1], "five_shot": shots[5],
            "pair_auc": auc, "fit_s": fit_s,
        }
        with open(out_path(fold), "a") as f:
            f.write(json.dumps(stamped(record)) + "\n")
        print(f"fold {fold} {name}: 1-shot {shots[1]:.4f} 5-shot {shots[5]:.4f} "
              f"AUC {auc:.4f} R@1 {recall:.4f} ({fit_s:.0f} s)", flush=True)


def decide():
    records = done()
    mean = {}
    for name in CANDIDATES:
        rows = [r for r in records if r["candidate"] == name]
        if len(rows) != len(FOLDS):
            raise SystemExit(f"{name}: {len(rows)} of {len(FOLDS)} folds run")
        mean[name] = {k: float(np.mean([r[k] for r in rows]))
                      for k in ("one_shot", "five_shot", "pair_auc", "recall_at_1")}
        print(f"{name:14s} " + " ".join(f"{k} {v:.4f}" for k, v in mean[name].items()))
    best = max(mean, key=lambda n: mean[n]["one_shot"])
    gain = mean[best]["one_shot"] - mean[BASELINE]["one_shot"]
    adopted = best if gain >= MIN_GAIN else BASELINE
    print(f"best {best} ({gain:+.4f} 1-shot over {BASELINE}); adopted: {adopted} "
          f"{CANDIDATES[adopted]}")
    return adopted


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fold", choices=sorted(FOLDS))
    ap.add_argument("--decide", action="store_true")
    args = ap.parse_args()
    if args.fold:
        run_fold(args.fold)
    if args.decide:
        decide()


if __name__ == "__main__":
    main()
