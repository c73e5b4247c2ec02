"""Calibration of the conv / FFT cost rule of the learned shapelets (issue #22).

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/signal_runs/calibrate_fft_rule.py

For series of T steps, C channels, K = 20 shapelets of length L and a batch of
64 series: CPU milliseconds of one soft-minimum forward and backward pass
(best of 5) on the conv road and on the FFT road, the ratio conv / FFT, and
the rule's pick (``skdeep.signal._shapelet_modules.use_fft``).
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


def main():
    print(f"load {os.getloadavg()}; FFT_COST_RATIO {sm.FFT_COST_RATIO}")
    print("T C L | C P L / (N log2 N + 2 C N) | conv ms | fft ms | conv/fft | rule")
    gen = torch.Generator().manual_seed(0)
    for T, C in [(100, 1), (100, 6), (300, 1), (600, 1), (1460, 1), (1460, 3)]:
        x = torch.randn(64, C, T, generator=gen)
        for frac in (0.05, 0.1, 0.2, 0.3, 0.5):
            L = max(2, int(frac * T))
            s = torch.randn(20, C, L, generator=gen, requires_grad=True)
            times = {}
            for road in ("conv", "fft"):
                def step():
                    out = sm.min_distances(x, s, None, alpha=100.0, road=road)
                    torch.autograd.grad(out.sum(), s)
                times[road] = cpu_ms(step)
            N = sm.fft_size(T)
            score = C * (T - L + 1) * L / (N * math.log2(N) + 2 * C * N)
            print(f"{T} {C} {L} | {score:6.1f} | {times['conv']:7.2f} | {times['fft']:7.2f} | "
                  f"{times['conv'] / times['fft']:5.2f} | {'fft' if sm.use_fft(T, L, C) else 'conv'}",
                  flush=True)


if __name__ == "__main__":
    main()
