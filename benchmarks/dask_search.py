"""Benchmark: one GridSearchCV on 1, 2 and 4 Dask workers against the plain loop.

Run by hand (needs the ``distributed`` extra)::

    OMP_NUM_THREADS=1 python benchmarks/dask_search.py            # ~6 min
    OMP_NUM_THREADS=1 python benchmarks/dask_search.py --quick    # smoke test

The search: ``StandardScaler`` then :class:`skdeep.uncertainty.MCDropoutClassifier`
on ``load_digits`` (1,797 x 64, 10 classes), 12 candidates (hidden layers x
dropout x learning rate, ``random_state=0``, 100 epochs) x 3 folds = 36 fits,
``refit=False`` (a refit runs in the client's process whatever the backend).
It runs four ways, one after the other:

* ``loop``: ``n_jobs=1`` in this process, torch on one thread;
* ``dask, k workers`` for k = 1, 2, 4: a fresh ``LocalCluster(n_workers=k,
  threads_per_worker=1, processes=True)`` on localhost, with
  :class:`skdeep.parallel.TorchThreads` pinning each worker's torch to one
  thread, and the search inside :func:`skdeep.parallel.dask_backend`. joblib
  would run the search of a one-thread cluster in this process (it sees one
  slot and goes sequential), so the 1-worker row uses joblib's Dask backend
  made to report two slots (:func:`register_one_slot_dask`): the tasks then
  queue on the one worker. "workers (used)" counts the workers that the
  scheduler's task stream shows running tasks.

Search time is the wall time of ``GridSearchCV.fit`` alone; starting the
cluster and importing torch on its workers (done before, with one
``client.run``) is reported apart. Speed-up is the loop's search time over
the row's. CPU is the process time of the loop's process, or the sum over
the workers, spent during the search: unlike the wall time it hardly depends
on what else runs on the machine. ``identical`` checks every split's test
score, bit for bit, against the loop's. The load average (1 min) is read at
the start and end of each row: other jobs may share the CPUs, and the rows
run with more workers than cores oversubscribe them.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
from pathlib import Path

# benchmarks/signal.py would shadow the standard library's ``signal`` module
# (imported by joblib and tornado) when this folder is first on sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import argparse  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "dask_search.md"


def make_search(quick):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep.uncertainty import MCDropoutClassifier

    pipe = make_pipeline(
        StandardScaler(),
        MCDropoutClassifier(
            max_epochs=10 if quick else 100, n_mc_samples=50, random_state=0
        ),
    )
    grid = {
        "mcdropoutclassifier__hidden_layer_sizes": [(64,), (128,), (256,)],
        "mcdropoutclassifier__dropout": [0.05, 0.2],
        "mcdropoutclassifier__lr": [1e-3, 3e-3],
    }
    return GridSearchCV(pipe, grid, cv=3, refit=False)


def split_scores(search):
    res = search.cv_results_
    return np.column_stack(
        [res[f"split{i}_test_score"] for i in range(search.n_splits_)]
    )


def run_loop(X, y, quick):
    from skdeep.utils._torch import torch_threads

    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    with torch_threads(1):
        search = make_search(quick).fit(X, y)
    seconds = time.perf_counter() - start
    return dict(setup=None, seconds=seconds, cpu=time.process_time() - cpu,
                load=(load, os.getloadavg()[0]), search=search)


ONE_SLOT_DASK = "dask-one-worker"
PRE_SPAWN_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def register_one_slot_dask():
    """joblib's Dask backend, made to dispatch to a one-thread cluster too.

    joblib runs a search sequentially in the calling process when its backend
    reports a single slot, so a plain one-worker, one-thread cluster would
    never see a task. Reporting two slots sends the tasks to the worker,
    which runs them one at a time.
    """
    from joblib import register_parallel_backend
    from joblib._dask import DaskDistributedBackend

    class OneSlotDask(DaskDistributedBackend):
        def effective_n_jobs(self, n_jobs):
            return max(2, super().effective_n_jobs(n_jobs))

    register_parallel_backend(ONE_SLOT_DASK, OneSlotDask)


def run_dask(X, y, n_workers, quick, malloc_trim=True):
    import dask
    import joblib
    from distributed import Client, LocalCluster, get_task_stream

    from skdeep.parallel import TorchThreads, dask_backend

    # Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, which
    # also fixes glibc's mmap threshold: every tensor above 128 KiB is then a
    # fresh mmap, page-faulted in (see docs/scaling.rst). None unsets it.
    trim = {} if malloc_trim else {PRE_SPAWN_TRIM: None}
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with dask.config.set(trim), LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
    ) as cluster, Client(cluster) as client:
        client.wait_for_workers(n_workers)
        malloc_env = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        print(f"  workers' MALLOC_TRIM_THRESHOLD_: {set(malloc_env.values())}")
        # Import torch and skdeep on every worker before the clock starts.
        client.run(lambda: __import__("skdeep.uncertainty") and None)
        setup = time.perf_counter() - start
        cpu = sum(client.run(time.process_time).values())
        start = time.perf_counter()
        if n_workers == 1:
            client.register_plugin(TorchThreads(1))
            context = joblib.parallel_config(backend=ONE_SLOT_DASK, client=client)
        else:
            context = dask_backend(client, n_threads=1)
        with context, get_task_stream(client=client) as tasks:
            search = make_search(quick).fit(X, y)
        seconds = time.perf_counter() - start
        ran_on = len({task["worker"] for task in tasks.data})
        cpu = sum(client.run(time.process_time).values()) - cpu
        threads = client.run(lambda: __import__("torch").get_num_threads())
        threads = set(threads.values())
    return dict(setup=setup, seconds=seconds, cpu=cpu, ran_on=ran_on,
                load=(load, os.getloadavg()[0]), search=search, threads=threads)


def write_markdown(path, rows, env, args, label):
    """Write this run's table as the section ``label`` of the results file,
    keeping the sections that other settings wrote."""
    loop = rows[0]
    reference = split_scores(loop["search"])
    best = loop["search"].cv_results_["mean_test_score"].max()
    command = " ".join(["OMP_NUM_THREADS=1 python benchmarks/dask_search.py", *args])
    lines = [
        f"## {label}",
        "",
        f"`{command}`; {env}.",
        "",
        "| run | workers (used) | cluster start + imports (s) | search (s) | "
        "speed-up | CPU (s) | load avg start / end | torch threads | "
        "identical scores |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        same = np.array_equal(split_scores(row["search"]), reference)
        setup = "—" if row["setup"] is None else f"{row['setup']:.1f}"
        workers = row["workers"]
        if "ran_on" in row:
            workers = f"{workers} ({row['ran_on']})"
        threads = ", ".join(map(str, sorted(row.get("threads", {1}))))
        lines.append(
            f"| {row['name']} | {workers} | {setup} | {row['seconds']:.1f} | "
            f"{loop['seconds'] / row['seconds']:.2f}x | {row['cpu']:.1f} | "
            f"{row['load'][0]:.1f} / {row['load'][1]:.1f} | {threads} | "
            f"{'yes' if same else 'NO'} |"
        )
    n_cand = len(loop["search"].cv_results_["params"])
    lines += [
        "",
        f"{n_cand} candidates x {loop['search'].n_splits_} folds; best mean accuracy "
        f"{best:.4f} (the same in every run when the last column says yes).",
        "",
    ]
    sections = {}
    if Path(path).exists():
        for chunk in Path(path).read_text().split("\n## ")[1:]:
            title = chunk.split("\n", 1)[0]
            sections[title] = "## " + chunk.rstrip("\n") + "\n"
    sections[label] = "\n".join(lines)
    header = [
        "# Hyper-parameter search on Dask workers",
        "",
        "Written by `benchmarks/dask_search.py` (protocol in its docstring); one "
        "section per run, each from the command it names (a run adds its "
        "section and keeps the others). "
        f"{os.cpu_count()} CPU cores: the 4-worker rows run 4 single-thread "
        "processes on them and oversubscribe them; other jobs shared the CPUs "
        "(load average columns), so wall times and speed-ups are those of a "
        "busy machine, and the CPU column (process time of the loop's process "
        "or of all workers during the search) is the steadier figure.",
        "",
    ]
    text = "\n".join(header) + "\n" + "\n".join(
        sections[key] for key in sorted(sections)
    )
    Path(path).write_text(text)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 epochs, a smoke test")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument(
        "--no-malloc-trim", action="store_true",
        help="start the workers without Dask's MALLOC_TRIM_THRESHOLD_=65536",
    )
    args = parser.parse_args()

    import sklearn
    import torch
    from sklearn.datasets import load_digits

    import skdeep

    started = time.time()
    register_one_slot_dask()
    X, y = load_digits(return_X_y=True)
    env = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
           f"torch {torch.__version__}, scikit-learn {sklearn.__version__}, "
           f"dask.distributed {_version('distributed')}, joblib {_version('joblib')}, "
           f"skdeep {skdeep.__version__}, {time.strftime('%Y-%m-%d')}")
    print(env)
    rows = []
    row = run_loop(X, y, args.quick)
    rows.append(dict(row, name="loop (n_jobs=1)", workers="—"))
    print(f"loop: {row['seconds']:.1f} s, CPU {row['cpu']:.1f} s, load {row['load']}")
    for k in args.workers:
        row = run_dask(X, y, k, args.quick, malloc_trim=not args.no_malloc_trim)
        name = f"dask, {k} worker{'s' if k > 1 else ''}"
        rows.append(dict(row, name=name, workers=k))
        print(f"dask {k}: start {row['setup']:.1f} s, search {row['seconds']:.1f} s, "
              f"CPU {row['cpu']:.1f} s, load {row['load']}")
    label = (
        "Workers without MALLOC_TRIM_THRESHOLD_" if args.no_malloc_trim
        else "Dask's default worker environment (MALLOC_TRIM_THRESHOLD_=65536)"
    ) + time.strftime(", run at %H:%M UTC", time.gmtime(started))
    write_markdown(args.out, rows, env, sys.argv[1:], label)


def _version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
