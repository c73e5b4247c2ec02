"""Calibration of the FFT lengths of the learned shapelets' FFT road (issue #22).

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/signal_runs/calibrate_fft_sizes.py

Times one ``rfft`` and one ``irfft`` (the FFT road's transforms) of about
240,000 values, batched like the road's blocks of series x shapelets, for
every ``2^a 3^b 5^c`` length N from 96 to 4,200 (best of 7, one thread), then
scores rules that pick N for a series of T steps: "the smallest such N >= T
with at least 2^k", k = 0 (the smallest 5-smooth length) to 5. For every T
from 100 to 3,499 the rule's pick is timed against the fastest admissible
length (5-smooth, T <= N <= 1.6 T); the table gives the mean, median, 90th
percentile and worst of that ratio (1 = the fastest pick).
"""

import json
import math
import os
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)


def smooth_sizes(lo, hi):
    out = []
    for n in range(lo, hi + 1):
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            out.append(n)
    return out


def twos(n):
    a = 0
    while n % 2 == 0:
        n //= 2
        a += 1
    return a


def main():
    print(f"torch {torch.__version__}; load {os.getloadavg()}")
    sizes = smooth_sizes(96, 4200)
    ns = {}
    for N in sizes:
        x = torch.randn(max(8, 240_000 // N), N)
        X = torch.fft.rfft(x)
        best = math.inf
        for _ in range(7):
            t = time.perf_counter()
            torch.fft.rfft(x)
            torch.fft.irfft(X, n=N)
            best = min(best, time.perf_counter() - t)
        ns[N] = best / len(x) * 1e9  # ns per pair of transforms
    print("ns per rfft + irfft / (N log2 N), by the power of 2 in N:")
    for k in range(6):
        per = [ns[N] / (N * math.log2(N)) for N in sizes if twos(N) == k]
        if per:
            print(f"  2^{k} exactly: median {np.median(per):.3f} "
                  f"over {len(per)} lengths")
    print("| rule | mean | median | p90 | worst |")
    print("|---|---:|---:|---:|---:|")
    for k in range(6):
        ratios = []
        for T in range(100, 3500):
            admissible = [N for N in sizes if T <= N <= 1.6 * T]
            pick = min(N for N in sizes if N >= T and twos(N) >= k)
            ratios.append(ns[pick] / min(ns[N] for N in admissible))
        r = np.array(ratios)
        print(f"| smallest 5-smooth N >= T with 2^{k} | {r.mean():.3f} | "
              f"{np.median(r):.3f} | {np.percentile(r, 90):.3f} | {r.max():.2f} |")
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            json.dump(ns, f)


if __name__ == "__main__":
    main()
