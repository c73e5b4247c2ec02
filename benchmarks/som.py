"""Benchmark: skdeep's SOMClusterer against MiniSom, same data, same run.

Run by hand (needs ``pip install minisom``)::

    python benchmarks/som.py          # full run, writes benchmarks/results/som.md
    python benchmarks/som.py --quick  # smaller data, a smoke test
    python benchmarks/som.py --threads 2 --device cuda

Both libraries train a rectangular Gaussian-neighbourhood map from a PCA
initialization for the same number of epochs (MiniSom: ``train(X, epochs *
n_samples, random_order=True)``, one sample per update, as its docs do). The
radius and learning rate follow MiniSom's default "asymptotic" schedule
``start / (1 + 2 t / T)`` in both; skdeep's own defaults (radius decaying
linearly to 0.5) get a row of their own. The quantization error (mean distance
to the best-matching unit, MiniSom's definition) and the topographic error
(share of samples whose two best units are not 4-neighbours on the grid) are
computed by one function for both maps.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
from pathlib import Path

# benchmarks/signal.py would shadow the standard library's ``signal`` module
# (imported by joblib) when this folder is first on sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import argparse  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def gaussian_mixture(n_samples, n_features=16, n_components=12, seed=0):
    """A seeded Gaussian mixture with unequal, anisotropic components."""
    rng = np.random.RandomState(seed)
    means = rng.normal(0, 4, size=(n_components, n_features))
    scales = rng.uniform(0.3, 1.5, size=(n_components, n_features))
    weights = rng.dirichlet(np.full(n_components, 2.0))
    comp = rng.choice(n_components, size=n_samples, p=weights)
    X = means[comp] + scales[comp] * rng.standard_normal((n_samples, n_features))
    X = (X - X.mean(0)) / X.std(0)
    return X.astype(np.float32)


def map_quality(weights, X, n_rows, n_columns):
    """Quantization and topographic error of flat row-major ``weights``."""
    from skdeep.som._grid import grid_distances, neighbour_mask

    adjacent = neighbour_mask(grid_distances(n_rows, n_columns, "rectangular", False))
    W = np.asarray(weights, dtype=np.float64)
    w2 = (W**2).sum(1)
    qe, te = 0.0, 0
    for start in range(0, len(X), 20000):
        Xb = np.asarray(X[start : start + 20000], dtype=np.float64)
        d2 = (Xb**2).sum(1)[:, None] - 2 * Xb @ W.T + w2
        two = np.argpartition(d2, 1, axis=1)[:, :2]
        rows = np.arange(len(Xb))
        order = d2[rows, two[:, 0]] > d2[rows, two[:, 1]]
        two[order] = two[order][:, ::-1]
        qe += np.sqrt(np.maximum(d2[rows, two[:, 0]], 0)).sum()
        te += (~adjacent[two[:, 0], two[:, 1]]).sum()
    return qe / len(X), te / len(X)


def time_skdeep(X, params, repeats):
    from skdeep.som import SOMClusterer

    best, best_cpu, som = np.inf, np.inf, None
    for _ in range(repeats):
        est = SOMClusterer(**params)
        start, start_cpu = time.perf_counter(), time.process_time()
        est.fit(X)
        if params.get("device", "cpu") != "cpu":
            import torch

            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
        som = est
    return (best, best_cpu), som.cluster_centers_


def time_minisom(X, n_rows, n_columns, sigma, epochs, repeats, seed=0):
    from minisom import MiniSom

    best, best_cpu, weights = np.inf, np.inf, None
    for _ in range(repeats):
        som = MiniSom(n_rows, n_columns, X.shape[1], sigma=sigma, learning_rate=0.5,
                      neighborhood_function="gaussian", random_seed=seed)
        som.pca_weights_init(X)
        start, start_cpu = time.perf_counter(), time.process_time()
        som.train(X, epochs * len(X), random_order=True)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
        weights = som.get_weights().reshape(n_rows * n_columns, -1)
    return (best, best_cpu), weights


def compare(name, X, n_rows, n_columns, sigma, epochs, args):
    rows = []
    common = dict(n_rows=n_rows, n_columns=n_columns, max_epochs=epochs,
                  device=args.device, random_state=0)
    same = dict(sigma=sigma, sigma_decay="asymptotic",
                learning_rate=0.5, learning_rate_decay="asymptotic")
    t_mini, w_mini = time_minisom(X, n_rows, n_columns, sigma, epochs,
                                  args.minisom_repeats if len(X) < 50_000 else 1)
    qe_mini, te_mini = map_quality(w_mini, X, n_rows, n_columns)
    rows.append((name, "MiniSom (online, 1 sample/step)", t_mini, qe_mini, te_mini))
    configs = [
        ("skdeep batch, MiniSom's schedule", {**common, **same}),
        ("skdeep online (batch_size=512), MiniSom's schedule",
         {**common, **same, "training": "online", "batch_size": 512}),
        ("skdeep batch, skdeep defaults (sigma to 0.5, linear)", common),
    ]
    for label, params in configs:
        t, w = time_skdeep(X, params, args.repeats)
        qe, te = map_quality(w, X, n_rows, n_columns)
        rows.append((name, label, t, qe, te))
    out = []
    for data, label, t, qe, te in rows:
        out.append({
            "data": data, "model": label, "seconds": t[0], "cpu": t[1],
            "qe": qe, "te": te, "speedup": t_mini[0] / t[0],
            "cpu_speedup": t_mini[1] / t[1], "qe_ratio": qe / qe_mini,
        })
        print(f"{data:24s} {label:55s} {t[0]:8.3f}s x{t_mini[0] / t[0]:6.1f} "
              f"cpu {t[1]:8.3f}s x{t_mini[1] / t[1]:6.1f}  "
              f"QE {qe:.4f} ({qe / qe_mini:.3f})  TE {te:.4f}", flush=True)
    return out


def scaling(sizes, epochs, args):
    from skdeep.som import SOMClusterer

    out = []
    X_all = gaussian_mixture(max(sizes), seed=1)
    for training in ["batch", "online"] if args.scale_online else ["batch"]:
        for n in sizes:
            X = X_all[:n]
            est = SOMClusterer(20, n_columns=20, max_epochs=epochs, training=training,
                               batch_size=1024, device=args.device, random_state=0)
            start, start_cpu = time.perf_counter(), time.process_time()
            est.fit(X)
            seconds = time.perf_counter() - start
            cpu = time.process_time() - start_cpu
            out.append({"training": training, "n": n, "seconds": seconds, "cpu": cpu,
                        "us_per_sample_epoch": seconds / (n * epochs) * 1e6,
                        "qe": est.quantization_error_})
            print(f"scaling {training:6s} n={n:>9,d} {seconds:8.2f}s "
                  f"{out[-1]['us_per_sample_epoch']:.3f} us/sample/epoch "
                  f"QE {est.quantization_error_:.4f}", flush=True)
    return out


def write_markdown(path, comparisons, scale, args, env):
    lines = [
        "# Self-organizing maps: skdeep vs MiniSom",
        "",
        f"Produced by `python benchmarks/som.py{' --quick' if args.quick else ''}"
        f" --threads {args.threads}` on {env}.",
        "",
        "Same data, same run, same number of epochs, 20x20 rectangular maps (iris: "
        "8x8), Gaussian neighbourhood, PCA initialization for both. MiniSom trains "
        "one sample per update (`train(X, epochs * n_samples, random_order=True)`); "
        "\"MiniSom's schedule\" means skdeep uses the same radius and learning-rate "
        "decay (`start / (1 + 2 t / T)`, MiniSom's default) from the same initial "
        "radius. Time is the best of "
        f"{args.repeats} fits for skdeep and of {args.minisom_repeats} for MiniSom "
        "(1 on the large set): wall-clock time, and the process's CPU time, which a "
        "busy shared machine disturbs less. "
        "QE: mean distance to the best-matching unit; TE: share of samples whose "
        "two best units are not 4-neighbours (one function for both maps; lower is "
        "better for both). Speed-up and QE ratio are relative to MiniSom's row.",
        "",
        "| data | model | fit wall (s) | speed-up (wall) | fit CPU (s) "
        "| speed-up (CPU) | quantization error | QE / MiniSom's | topographic error |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in comparisons:
        lines.append(
            f"| {r['data']} | {r['model']} | {r['seconds']:.3f} | "
            f"{r['speedup']:.1f}x | {r['cpu']:.3f} | {r['cpu_speedup']:.1f}x | "
            f"{r['qe']:.4f} | {r['qe_ratio']:.3f} | {r['te']:.4f} |"
        )
    lines += [
        "",
        f"## skdeep alone: fit time against n_samples (16 features, 20x20 map, "
        f"{scale[0]['epochs'] if scale and 'epochs' in scale[0] else args.scale_epochs}"
        " epochs)",
        "",
        "| training | n_samples | fit wall (s) | fit CPU (s) "
        "| wall microseconds per sample per epoch | quantization error |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in scale:
        lines.append(
            f"| {r['training']} | {r['n']:,} | {r['seconds']:.2f} | {r['cpu']:.2f} | "
            f"{r['us_per_sample_epoch']:.3f} | {r['qe']:.4f} |"
        )
    lines.append("")
    Path(path).write_text("\n".join(lines))
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: MiniSom is single-threaded)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--minisom-repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--scale-epochs", type=int, default=5)
    parser.add_argument("--scale-online", action="store_true",
                        help="also time online training on the scaling sets")
    parser.add_argument("--out", default=str(
        Path(__file__).resolve().parent / "results" / "som.md"))
    args = parser.parse_args()

    import sklearn
    import torch
    from sklearn.datasets import load_digits, load_iris
    from sklearn.preprocessing import StandardScaler

    import skdeep

    torch.set_num_threads(args.threads)
    env = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU "
           f"cores, torch {torch.__version__} ({args.threads} thread(s), device "
           f"{args.device}), MiniSom {_version('minisom')}, "
           f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, skdeep "
           f"{skdeep.__version__}")
    print(env)
    load_start = " / ".join(f"{x:.1f}" for x in os.getloadavg())

    X_digits = load_digits().data / 16.0
    X_iris = StandardScaler().fit_transform(load_iris().data)
    n_big = 20_000 if args.quick else 100_000
    X_big = gaussian_mixture(n_big, seed=0)
    comparisons = []
    comparisons += compare("load_digits (1,797 x 64)", X_digits, 20, 20, 3.0,
                           args.epochs, args)
    comparisons += compare("iris (150 x 4, scaled)", X_iris, 8, 8, 2.0,
                           args.epochs * 2, args)
    comparisons += compare(f"Gaussian mixture ({n_big:,} x 16)", X_big, 20, 20,
                           3.0, args.epochs, args)
    sizes = ([50_000, 100_000, 200_000] if args.quick
             else [250_000, 500_000, 1_000_000])
    scale = scaling(sizes, args.scale_epochs, args)
    for r in scale:
        r["epochs"] = args.scale_epochs
    env += (f"; load average {load_start} at the start and "
            f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end "
            f"(other processes shared the CPUs)")
    write_markdown(args.out, comparisons, scale, args, env)


def _version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
