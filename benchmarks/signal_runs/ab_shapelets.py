"""Old and new shapelet distance code side by side (issue #22, session 16).

Run from the repository root, one process at a time, with one thread::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/signal_runs/ab_shapelets.py \
        --ref 8de25fb --sets UnitTest,ItalyPowerDemand,BasicMotions,GunPoint,\
ArrowHead,JapaneseVowels,OSULeaf,ACSF1,PLAID

``skdeep/signal/_shapelet_modules.py`` at the commit ``--ref`` (``git
show``) is loaded as a second module; ``ShapeletClassifier(random_state=0)``
(the defaults of the ``shapelets`` part) is fitted on each set's training
split with the old and the new ``LearningShapelets`` in turn, in the same
process, so both see the same load. Printed per set: fit wall and CPU
seconds of both, their CPU ratio, the test accuracy of both, and whether the
loss curves and the test probabilities are equal bit for bit. The records
are appended to ``ab_shapelets.jsonl`` beside this script.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))  # benchmarks/, for cnn.load_ucr
torch.set_num_threads(1)

SETS = ("UnitTest,ItalyPowerDemand,BasicMotions,GunPoint,ArrowHead,"
        "JapaneseVowels,OSULeaf,ACSF1,PLAID")


def load_old(ref):
    """``_shapelet_modules`` as it was at commit ``ref``, as a module."""
    src = subprocess.run(
        ["git", "show", f"{ref}:skdeep/signal/_shapelet_modules.py"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    path = os.path.join(tempfile.mkdtemp(), "old_shapelet_modules.py")
    with open(path, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location("old_shapelet_modules", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ref", default="8de25fb")
    p.add_argument("--sets", default=SETS)
    args = p.parse_args()
    from cnn import load_ucr

    import skdeep.signal._shapelet_modules as new
    import skdeep.signal._shapelets as shapelets
    from skdeep.signal import ShapeletClassifier

    old = load_old(args.ref)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "skdeep"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    rng = np.random.RandomState(0)  # warm-up, outside the timings
    ShapeletClassifier(n_shapelets=2, shapelet_lengths=5, max_epochs=2,
                       random_state=0).fit(rng.randn(12, 1, 30), np.arange(12) % 2)
    totals = {"old": [0.0, 0.0], "new": [0.0, 0.0]}
    try:
        for name in args.sets.split(","):
            d = load_ucr(name)
            X, y = d["train"]["X"], d["train"]["y"]
            Xt, yt = d["test"]["X"], d["test"]["y"]
            res = {}
            for tag, module in (("old", old), ("new", new)):
                shapelets.LearningShapelets = module.LearningShapelets
                clf = ShapeletClassifier(random_state=0)
                t, c = time.perf_counter(), time.process_time()
                clf.fit(X, y)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                proba = clf.predict_proba(Xt)
                res[tag] = dict(wall=wall, cpu=cpu, loss=np.array(clf.loss_curve_),
                                proba=proba, acc=float(np.mean(clf.predict(Xt) == yt)))
                totals[tag][0] += wall
                totals[tag][1] += cpu
            o, n = res["old"], res["new"]
            rec = dict(
                dataset=name, ref=args.ref,
                commit=commit + ("+modified" if dirty else ""),
                old_fit_s=round(o["wall"], 3), old_fit_cpu_s=round(o["cpu"], 3),
                new_fit_s=round(n["wall"], 3), new_fit_cpu_s=round(n["cpu"], 3),
                old_accuracy=o["acc"], new_accuracy=n["acc"],
                loss_curves_equal=bool(np.array_equal(o["loss"], n["loss"])),
                test_proba_equal=bool(np.array_equal(o["proba"], n["proba"])),
                load_avg=[round(v, 2) for v in os.getloadavg()],
                date=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()))
            with open(os.path.join(HERE, "ab_shapelets.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")
            print(f"{name:16s} old {o['wall']:6.2f}s (cpu {o['cpu']:6.2f}) "
                  f"new {n['wall']:6.2f}s (cpu {n['cpu']:6.2f}) "
                  f"cpu ratio {o['cpu'] / n['cpu']:.2f}; acc {o['acc']:.4f} / "
                  f"{n['acc']:.4f}; loss curves equal {rec['loss_curves_equal']}, "
                  f"test probabilities equal {rec['test_proba_equal']}; "
                  f"load {rec['load_avg']}", flush=True)
    finally:
        shapelets.LearningShapelets = new.LearningShapelets
    (ow, oc), (nw, nc) = totals["old"], totals["new"]
    print(f"total: old {ow:.1f}s (cpu {oc:.1f}) new {nw:.1f}s (cpu {nc:.1f}); "
          f"cpu ratio {oc / nc:.2f}")


if __name__ == "__main__":
    main()
