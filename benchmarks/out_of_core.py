"""Out-of-core training: SOM and dense autoencoder on float32 memory maps.

Run by hand (not part of the tests):

    .venv/bin/python benchmarks/out_of_core.py                      # 5M, 20M, 50M rows
    .venv/bin/python benchmarks/out_of_core.py --rows 1e6 5e6 --dir /tmp/ooc

For each row count it writes a ``rows x 16`` float32 file (a mixture of eight
Gaussian blobs, written block by block), then trains, each in a fresh
subprocess with one torch/BLAS thread, ``SOMClusterer`` (10 x 10 map, batch
algorithm, PCA initialization, one epoch) and ``AutoencoderTransformer``
(16-64-8, one epoch, ``batch_size=4096``) on ``np.memmap(path, mode="r")``,
and deletes the file afterwards. Writes ``benchmarks/results/out_of_core.md``.

Memory is reported three ways, per cell:

* ``ru_maxrss``: the peak resident set of the training process
  (``resource.getrusage``), which also counts pages of the memory map while
  they are mapped. skdeep's lazy reader copies each block and unmaps its
  pages at once (``madvise(MADV_DONTNEED)``), so this stays flat too;
* peak ``RssAnon``: the process's own (anonymous) memory, sampled every
  20 ms from ``/proc/self/status`` by a thread: heap, tensors, buffers;
* the ``RssAnon`` before ``fit`` (interpreter, numpy, torch, skdeep), so
  the difference is what training added.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

N_FEATURES = 16
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def write_memmap(path, n_rows, seed=0):
    """A float32 ``n_rows x 16`` file of eight Gaussian blobs, in 1M-row blocks."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(8, N_FEATURES)).astype(np.float32)
    with open(path, "wb") as f:
        for start in range(0, n_rows, 1_000_000):
            n = min(1_000_000, n_rows - start)
            block = rng.standard_normal((n, N_FEATURES), dtype=np.float32)
            block += centres[rng.integers(0, 8, n)]
            block.tofile(f)


def run_cell(model, path, n_rows):
    """Train one model on the memory map; return a dict of measurements."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import numpy as np
    import torch

    torch.set_num_threads(1)
    from skdeep.autoencoder import AutoencoderTransformer
    from skdeep.som import SOMClusterer

    X = np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, N_FEATURES))
    if model == "som":
        est = SOMClusterer(10, n_columns=10, max_epochs=1, random_state=0)
    else:
        est = AutoencoderTransformer(
            (64,), code_size=8, max_epochs=1, batch_size=4096, lr=0.003,
            random_state=0,
        )
    anon_before = _status_kb("RssAnon")
    peak = {"anon": anon_before, "rss": _status_kb("VmRSS")}
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peak["anon"] = max(peak["anon"], _status_kb("RssAnon"))
            peak["rss"] = max(peak["rss"], _status_kb("VmRSS"))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    start = time.perf_counter()
    est.fit(X)
    wall = time.perf_counter() - start
    done.set()
    thread.join()
    if model == "som":
        quality = f"QE {est.quantization_error_:.3f}"
    else:
        quality = f"loss {est.loss_curve_[-1]:.3f}"
    return {
        "wall_s": wall,
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_rss_sampled_mb": peak["rss"] / 1024,
        "anon_before_mb": anon_before / 1024,
        "peak_anon_mb": peak["anon"] / 1024,
        "quality": quality,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", type=float, default=[5e6, 20e6, 50e6])
    parser.add_argument("--models", nargs="+", default=["som", "ae"])
    parser.add_argument("--dir", default="/work/tmp_ooc")
    parser.add_argument("--keep", action="store_true", help="keep the data files")
    parser.add_argument("--cell", nargs=3, help=argparse.SUPPRESS)  # model path rows
    parser.add_argument("--out", default=str(RESULTS / "out_of_core.md"))
    args = parser.parse_args()
    if args.cell:
        model, path, n_rows = args.cell
        print(json.dumps(run_cell(model, path, int(n_rows))))
        return

    os.makedirs(args.dir, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rows_out = []
    for n_rows in (int(r) for r in args.rows):
        path = os.path.join(args.dir, f"X_{n_rows}.f32")
        t0 = time.perf_counter()
        write_memmap(path, n_rows)
        write_s = time.perf_counter() - t0
        print(f"{n_rows:,} rows written in {write_s:.1f} s", flush=True)
        try:
            for model in args.models:
                load = os.getloadavg()
                out = subprocess.run(
                    [sys.executable, __file__, "--cell", model, path, str(n_rows)],
                    env=env, capture_output=True, text=True, check=False,
                )
                if out.returncode:
                    print(out.stderr[-3000:], flush=True)
                    raise SystemExit(f"{model} at {n_rows} rows failed")
                cell = json.loads(out.stdout.strip().splitlines()[-1])
                cell.update(model=model, n_rows=n_rows, load=load,
                            gb=n_rows * N_FEATURES * 4 / 1e9)
                print(cell, flush=True)
                rows_out.append(cell)
                write_table(rows_out, args.out)
        finally:
            if not args.keep:
                os.remove(path)
    write_table(rows_out, args.out)


def write_table(cells, out):
    import platform

    import numpy as np
    import torch

    names = {"som": "SOMClusterer 10x10, batch, 1 epoch",
             "ae": "AutoencoderTransformer 16-64-8, 1 epoch, batch 4096"}
    lines = [
        "# Out-of-core training on float32 memory maps (n_rows x 16)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores (shared), "
        f"numpy {np.__version__}, torch {torch.__version__}; one torch/BLAS "
        f"thread; each cell in a fresh subprocess; `np.memmap(path, mode=\"r\")` "
        f"given straight to `fit`.",
        "",
        "| model | rows | file GB | wall s | ru_maxrss MB | peak RssAnon MB "
        "| RssAnon before fit MB | result | load avg (1/5/15 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for c in cells:
        lines.append(
            f"| {names.get(c['model'], c['model'])} | {c['n_rows']:,} | "
            f"{c['gb']:.2f} | {c['wall_s']:.1f} | {c['ru_maxrss_mb']:.0f} | "
            f"{c['peak_anon_mb']:.0f} | {c['anon_before_mb']:.0f} | {c['quality']} | "
            + "/".join(f"{v:.2f}" for v in c["load"]) + " |"
        )
    lines += [
        "",
        "ru_maxrss is the process's peak resident set (it would include the "
        "memory map's pages while mapped; skdeep unmaps each block after "
        "copying it). Peak RssAnon (sampled every 20 ms) is the process's own "
        "memory. Neither grows with the number of rows: training reads 16 MiB "
        "blocks, four at a time into a shuffled 64 MiB buffer (autoencoder), "
        "or block by block (SOM: a validation/mean pass, a covariance pass "
        "for the PCA initialization, the epoch, and a pass for the final "
        "quantization and topographic errors).",
        "",
        "Wall times come from a shared 2-core machine (see the load average; "
        "other jobs ran alongside), so they are upper bounds and not "
        "proportional to the rows; memory is what this benchmark is about.",
        "",
        "Reproduce: `.venv/bin/python benchmarks/out_of_core.py` "
        "(files under /work/tmp_ooc, deleted afterwards).",
    ]
    Path(out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
