"""Calibration of the conv / FFT cost rule of the learned shapelets (issue #22).

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/signal_runs/calibrate_fft_rule.py

For series of T steps, C channels, K = 20 shapelets of length L and a batch of
64 series: CPU milliseconds of one soft-minimum forward and backward pass
(best of 5) on the conv road and on the FFT road, the ratio conv / FFT, and
the rule's pick (``skdeep.signal._shapelet_modules.use_fft``: FFT when the
score ``P L / (N log2 N)`` reaches ``FFT_COST_RATIO``). The series lengths
include those of the benchmark sets (150 GunPoint, 251 ArrowHead, 427
OSULeaf, 1,460 ACSF1) at the default shapelet lengths 0.1-0.3 T.

A second table times NaN-padded batches (lengths uniform between a minimum
and T, as PLAID's 100 to 1,344 steps), where the conv road skips the
padding: the score there uses the mean number of valid windows per series
(``use_fft(..., positions=...)``), shown beside the score of all ``P``.
"""

import math
import os
import time

import torch

from skdeep.signal import _shapelet_modules as sm

torch.set_num_threads(1)


def cpu_ms(f, repeats=5):
    f()
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        f()
        best = min(best, time.process_time() - t)
    return best * 1e3


def road_times(x, shapelets, lengths=None):
    """CPU milliseconds of one soft-minimum forward and backward pass on the
    conv road and on the FFT road."""
    times = {}
    for road in ("conv", "fft"):
        def step(road=road):
            out = sm.min_distances(x, shapelets, lengths, alpha=100.0, road=road)
            torch.autograd.grad(out.sum(), shapelets)
        times[road] = cpu_ms(step)
    return times


def main():
    print(f"load {os.getloadavg()}; FFT_COST_RATIO {sm.FFT_COST_RATIO}")
    print("T C L | P L / (N log2 N) | conv ms | fft ms | conv/fft | rule")
    gen = torch.Generator().manual_seed(0)
    for T, C in [(100, 1), (100, 6), (150, 1), (200, 6), (251, 1), (300, 1),
                 (300, 3), (427, 1), (600, 1), (900, 1), (1460, 1), (1460, 3)]:
        x = torch.randn(64, C, T, generator=gen)
        for frac in (0.05, 0.1, 0.15, 0.2, 0.3, 0.5):
            L = max(2, int(frac * T))
            s = torch.randn(20, C, L, generator=gen, requires_grad=True)
            times = road_times(x, s)
            N = sm.fft_size(T)
            score = (T - L + 1) * L / (N * math.log2(N))
            print(f"{T} {C} {L} | {score:6.1f} | {times['conv']:7.2f} | {times['fft']:7.2f} | "
                  f"{times['conv'] / times['fft']:5.2f} | {'fft' if sm.use_fft(T, L, C) else 'conv'}",
                  flush=True)
    print("\npadded: T lengths L | score of all P | of the mean positions | conv ms | "
          "fft ms | conv/fft | rule")
    for T, shortest in [(1344, 100), (1344, 700), (600, 100), (427, 200)]:
        lengths = torch.randint(shortest, T + 1, (64,), generator=gen)
        lengths[0] = T
        x = torch.randn(64, 1, T, generator=gen)
        x = x * (torch.arange(T)[None, None, :] < lengths[:, None, None])
        for L in [int(f * shortest) for f in (0.2, 0.3, 0.5)] + [int(0.1 * T)]:
            s = torch.randn(20, 1, L, generator=gen, requires_grad=True)
            times = road_times(x, s, lengths)
            N = sm.fft_size(T)
            positions = float((lengths - L + 1).double().mean())
            full = (T - L + 1) * L / (N * math.log2(N))
            mean = positions * L / (N * math.log2(N))
            pick = sm.use_fft(T, L, 1, positions=positions)
            print(f"{T} {shortest}-{T} {L} | {full:6.1f} | {mean:6.1f} | "
                  f"{times['conv']:7.2f} | {times['fft']:7.2f} | "
                  f"{times['conv'] / times['fft']:5.2f} | {'fft' if pick else 'conv'}",
                  flush=True)


if __name__ == "__main__":
    main()
