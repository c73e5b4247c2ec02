"""Paired timing of SOMClusterer: an earlier commit's code against the working
tree, fit for fit, interleaved.

``benchmarks/som.py`` times each model best of a few repeats in turn, which
on a shared machine cannot resolve differences of 10-20% between two
versions of the code. Here the two alternate, fit after fit, ``--reps``
times (warm, then with the module caches emptied: "cold"), and the fastest
of each is compared; the QE of both maps is printed as a check that they
learned the same map. Data sets are part 1's held-out sets of
``benchmarks/som.py`` (``--sets``: substrings of their names), at their
map sizes, defaults, ``random_state=0``; torch and BLAS on one thread.

Run by hand, e.g.::

    python benchmarks/som_paired.py --commit 5d7310f --sets wine,letter,digits
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import subprocess
import sys
import time
import types
from pathlib import Path

# benchmarks/signal.py would shadow the standard library's ``signal`` module
# (imported by joblib) when this folder is first on sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]


def _som_module_at(commit):
    """``skdeep/som/_som.py`` as of ``commit``, loaded from git."""
    source = subprocess.run(
        ["git", "show", f"{commit}:skdeep/som/_som.py"],
        cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True,
        check=True).stdout
    module = types.ModuleType(f"skdeep.som._som_at_{commit}")
    exec(compile(source, f"{commit}:skdeep/som/_som.py", "exec"), module.__dict__)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", required=True, help="the earlier code")
    parser.add_argument("--sets", default="wine,letter,digits",
                        help="comma-separated substrings of held-out set names")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--reps", type=int, default=40)
    args = parser.parse_args()

    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(1)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import som as bench

    import skdeep.som._som as current

    before = _som_module_at(args.commit)
    wanted = args.sets.split(",")
    print(f"{'data':28s} epochs  warm: {args.commit} / now (ratio)   "
          f"cold: {args.commit} / now (ratio)   QE relative difference")
    for name, load, n_rows, n_columns in bench.heldout_sets():
        if not any(w in name for w in wanted):
            continue
        X = load()
        times, maps = {}, {}
        for _ in range(args.reps):
            for label, module in (("before", before), ("now", current)):
                for cold in (False, True):
                    if cold:
                        module._clear_caches()
                    som = module.SOMClusterer(n_rows, n_columns=n_columns,
                                              max_epochs=args.epochs, random_state=0)
                    start = time.perf_counter()
                    som.fit(X)
                    times.setdefault((label, cold), []).append(
                        time.perf_counter() - start)
                    maps[label] = som.cluster_centers_
        qe = {label: bench.map_quality(W, X, n_rows, n_columns)[0]
              for label, W in maps.items()}
        cells = []
        for cold in (False, True):
            b, n = min(times["before", cold]), min(times["now", cold])
            cells.append(f"{b * 1e3:8.2f} / {n * 1e3:8.2f} ms ({b / n:4.2f}x)")
        print(f"{name[:28]:28s} {args.epochs:6d}  {cells[0]}   {cells[1]}   "
              f"{abs(qe['now'] / qe['before'] - 1):.1e}", flush=True)


if __name__ == "__main__":
    main()
