"""Profile of ShapeletClassifier.fit (issue #22, engineering round of session 15).

Run from the repository root, one process at a time, with one thread::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/signal_runs/profile_shapelets.py \
        --sets UnitTest,OSULeaf,ACSF1,PLAID --epochs 10

``PYTHONPATH=/tmp/h_before`` (a ``git archive HEAD skdeep`` copy) profiles the
code before the change with the same script. Per set: the fixed costs
(validation + PAA rule, k-means initialisation) timed by wrapping the
estimator's methods, and the per-epoch split from ``torch.profiler`` (CPU
self time of the operators, grouped into distance forward / backward,
soft-min, head + loss, optimizer, data handling) over ``--epochs`` epochs.
"""

import argparse
import os
import sys
import time
from collections import defaultdict

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
torch.set_num_threads(1)


def group(name):
    """The part of an epoch an operator belongs to (by its name)."""
    n = name.lower()
    if "fft" in n:
        return "distance products (fft, fwd+bwd)"
    if n in ("aten::mm", "aten::bmm", "aten::matmul"):
        return "distance products (gemm, fwd+bwd)"
    if "convolution_backward" in n or "convolutionbackward" in n:
        return "distance backward (conv)"
    if "conv" in n or "mkldnn" in n:
        return "distance forward (conv)"
    if "adam" in n or "optimizer" in n or "_foreach" in n or "zero_grad" in n:
        return "optimizer"
    if any(k in n for k in ("addmm", "linear", "log_softmax", "nll", "cross_entropy")):
        return "head + loss"
    if any(k in n for k in ("index", "randperm", "gather", "slice", "select", "to", "copy", "isnan", "nan_to_num", "cat")):
        return "data handling / copies"
    if "backward" in n:
        return "other backward (soft-min, elementwise)"
    return "soft-min / elementwise (fwd+bwd)"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sets", default="UnitTest,OSULeaf,ACSF1,PLAID")
    p.add_argument("--epochs", type=int, default=10)
    args = p.parse_args()
    from cnn import load_ucr
    import skdeep
    from skdeep.signal import ShapeletClassifier
    from skdeep.signal import _shapelets as mod

    print(f"skdeep from {os.path.dirname(skdeep.__file__)}; load {os.getloadavg()}")
    for name in args.sets.split(","):
        d = load_ucr(name)
        X, y = d["train"]["X"], d["train"]["y"]
        fixed = defaultdict(float)

        def wrap(cls, meth, label):
            orig = getattr(cls, meth)

            def timed(self, *a, **k):
                t = time.perf_counter()
                try:
                    return orig(self, *a, **k)
                finally:
                    fixed[label] += time.perf_counter() - t

            setattr(cls, meth, timed)
            return orig

        saved = [
            (mod._BaseShapelets, "_validate_X",
             wrap(mod._BaseShapelets, "_validate_X", "validation + PAA rule")),
            (mod._BaseShapelets, "_init_shapelets",
             wrap(mod._BaseShapelets, "_init_shapelets", "k-means init")),
        ]
        clf = ShapeletClassifier(random_state=0, max_epochs=args.epochs)
        ShapeletClassifier(n_shapelets=2, shapelet_lengths=5, max_epochs=2,
                           random_state=0).fit(np.random.RandomState(0).randn(12, 1, 30),
                                               np.arange(12) % 2)  # warm-up
        fixed.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            clf.fit(X, y)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        # un-profiled fit for the wall time per epoch; its own fixed costs
        # (the profiled fit's are inflated by the profiler)
        fixed.clear()
        t1 = time.perf_counter()
        ShapeletClassifier(random_state=0, max_epochs=args.epochs).fit(X, y)
        plain = time.perf_counter() - t1
        for cls, meth, orig in saved:
            setattr(cls, meth, orig)
        parts = defaultdict(float)
        for ev in prof.key_averages():
            if ev.key.startswith("aten::") or ev.key.startswith("Optimizer") or "Backward" in ev.key:
                parts[group(ev.key)] += ev.self_cpu_time_total / 1e6
        total_ops = sum(parts.values())
        train = plain - sum(fixed.values())
        print(f"\n== {name}: X {X.shape}, PAA {clf.paa_factor_}, lengths "
              f"{sorted(set(clf.shapelet_lengths_.tolist()))}; {args.epochs} epochs; "
              f"profiled fit {wall:.2f}s (cpu {cpu:.2f}s), plain fit {plain:.2f}s; "
              f"load {os.getloadavg()}")
        for k, v in fixed.items():
            print(f"  fixed   {k:40s} {v:8.3f} s")
        print(f"  train   per epoch (plain fit - fixed)        {train / args.epochs * 1e3:8.1f} ms"
              f"   -> 200 epochs ~ {train / args.epochs * 200 + sum(fixed.values()):.1f} s")
        for k, v in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(f"  epoch   {k:40s} {v / args.epochs * 1e3:8.1f} ms  ({v / total_ops:5.1%} of op time)")
        print("  top operators (self CPU, per epoch):")
        for ev in sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:12]:
            print(f"     {ev.key:45s} {ev.self_cpu_time_total / 1e3 / args.epochs:8.2f} ms  x{ev.count // args.epochs}")


if __name__ == "__main__":
    main()
