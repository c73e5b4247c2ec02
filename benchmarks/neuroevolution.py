r"""Neuroevolution: skdeep's NEAT engine against neat-python, and NEAT estimators.

Parts, each run on its own with ``--part NAME``; results merge into
``benchmarks/results/neuroevolution.md``; cells are JSON lines in
``benchmarks/neuroevolution_runs/`` (skipped when already there, so runs
resume and ``--table-only`` rebuilds the tables). The protocol below was
written before any reported run. Everything runs on one thread
(``OMP_NUM_THREADS=1``, ``NUMBA_NUM_THREADS=1``) on a shared 2-core machine;
every cell records the load average. neat-python is 2.0.0 from PyPI, run in
the same process with ``benchmarks/_neatpython_runs.py``.

``xor`` (neat-python's XOR example, 100 seeds each)
    Both libraries run neat-python's own ``examples/xor/config-feedforward``
    (2.0.0; skdeep reads the same text with ``NEATConfig.from_neat_python``):
    population 150, fitness ``4 - sum of squared errors``, solved at 3.9, at
    most 300 generations. Seeds 0-99, the two libraries alternating seed by
    seed so that they share the machine's conditions. Reported: success
    rate, generations and evaluations to solve (solved runs: mean and
    median), wall time per run (all runs) and per generation, and the wall
    time ratio neat-python / skdeep. skdeep's numba kernels are compiled
    (disk cache) before the first timed run.

``pole`` (pole balancing, 5 seeds each)
    ``PoleBalancing`` (Wieland's equations, RK4, 0.01 s steps, two per
    network activation, as in Stanley's NEAT code): single pole and double
    pole with velocities (fitness: steps balanced, solved at 100,000) and
    double pole without velocities (Gruau's damping fitness over 1,000
    steps; after every generation the generation's best genome must balance
    100,000 steps and at least 200 of the 625 generalisation starts).
    Both libraries use neat-python's own single-pole example configuration
    (population 250, one hidden node) with the inputs and ``feed_forward``
    filled in (recurrent networks without velocities). Both drive the same
    compiled physics: neat-python's networks one step at a time through the
    task's scalar twin (``step_scalar``), skdeep's networks and carts
    together in compiled episodes (``PoleBalancing.fitness``). At most 100 generations. Reported: success,
    generations and evaluations to solve, wall time, and Stanley &
    Miikkulainen (2002, Table 1)'s evaluations for double pole: 3,600 with
    velocities and 33,184 without (their population and settings differ).

``tabular`` (supervised classification, 3 splits)
    Breast cancer, wine and digits (8x8), as scikit-learn ships them;
    stratified 75/25 splits with seeds 0, 1, 2. ``NEATClassifier`` with its
    defaults (chosen on other data sets: iris, ionosphere, pima, moons and
    generated sets; see its docstring), ``HyperNEATClassifier`` on digits
    with ``input_shape=(8, 8)`` and its defaults, and scikit-learn's
    ``MLPClassifier`` (defaults, ``max_iter=1000``, after ``StandardScaler``).
    Reported: test accuracy (mean ± std over the splits), network size
    (NEAT: nodes / enabled connections of the best genome; HyperNEAT: the
    CPPN's nodes / connections and the substrate connections it expresses;
    MLP: weights) and fit time.

``visual`` (HyperNEAT's visual discrimination, Stanley, D'Ambrosio & Gauci 2009)
    ``benchmarks/_visual_discrimination.py``: an 11x11 -> 11x11 substrate,
    population 100, at most 300 generations, CPPN inputs (x1, y1, x2, y2,
    bias), seeds 0-4; the champion CPPN is painted onto 33x33 and 55x55
    substrates without further evolution. Reported: mean distance error on
    the paper's 75 trials at each resolution.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, load_average, machine, markdown_table  # noqa: E402

RUNS = Path(__file__).resolve().parent / "neuroevolution_runs"
PARTS = ("xor", "pole", "tabular", "visual")


def _cells(part):
    path = RUNS / f"{part}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _save(part, cell):
    RUNS.mkdir(exist_ok=True)
    cell["load"] = load_average()
    with open(RUNS / f"{part}.jsonl", "a") as handle:
        handle.write(json.dumps(cell) + "\n")


def _done(part, **key):
    return any(all(c.get(k) == v for k, v in key.items()) for c in _cells(part))


# ---------------------------------------------------------------------------- xor
def skdeep_xor(seed, max_generations=300):
    from _neatpython_runs import XOR_CONFIG

    from skdeep.neuroevolution import NEATConfig, evolve, xor_fitness

    config, extra = NEATConfig.from_neat_python(XOR_CONFIG)
    start = time.perf_counter()
    result = evolve(xor_fitness, 2, 1, max_generations, config=config,
                    fitness_threshold=extra["fitness_threshold"], random_state=seed)
    wall = time.perf_counter() - start
    return {"solved": bool(result.solved), "generations": result.generations,
            "evaluations": result.n_evaluations, "wall_s": wall,
            "best_fitness": result.best_fitness, "n_nodes": result.best_genome.n_nodes,
            "n_connections": result.best_genome.n_connections}


def run_xor(n_seeds):
    from _neatpython_runs import run_neatpython_xor

    skdeep_xor(0, 2)  # numba's kernels load from the disk cache (or compile) here
    for seed in range(n_seeds):
        for library, run in (("neat-python", run_neatpython_xor), ("skdeep", skdeep_xor)):
            if not _done("xor", library=library, seed=seed):
                _save("xor", {"library": library, "seed": seed, **run(seed)})


def _summary_rows(cells, libraries, extra_columns=()):
    rows = []
    for library in libraries:
        runs = [c for c in cells if c["library"] == library]
        if not runs:
            continue
        solved = [c for c in runs if c["solved"]]
        gens = np.array([c["generations"] for c in solved], dtype=float)
        evals = np.array([c["evaluations"] for c in solved], dtype=float)
        wall = np.array([c["wall_s"] for c in runs])
        per_gen = wall.sum() / sum(c["generations"] for c in runs)
        row = [library, len(runs), f"{len(solved) / len(runs):.2f}",
               f"{gens.mean():.1f} / {np.median(gens):.0f}" if len(gens) else "—",
               f"{evals.mean():,.0f}" if len(evals) else "—",
               f"{wall.mean():.3f}", f"{per_gen * 1e3:.2f}"]
        rows.append(row)
    return rows


def table_xor():
    cells = _cells("xor")
    if not cells:
        return ""
    rows = _summary_rows(cells, ("neat-python", "skdeep"))
    seeds = sorted({c["seed"] for c in cells if c["library"] == "skdeep"}
                   & {c["seed"] for c in cells if c["library"] == "neat-python"})
    wall = {lib: np.mean([c["wall_s"] for c in cells if c["library"] == lib and c["seed"] in seeds])
            for lib in ("neat-python", "skdeep")}
    gens = {lib: sum(c["generations"] for c in cells if c["library"] == lib and c["seed"] in seeds)
            for lib in ("neat-python", "skdeep")}
    per_gen = {lib: wall[lib] * len(seeds) / gens[lib] for lib in wall}
    loads = sorted({c["load"].split(",")[0] for c in cells})
    return "\n".join([
        "## XOR (neat-python's example configuration)", "",
        markdown_table(["library", "runs", "success", "generations to solve (mean / median)",
                        "evaluations to solve (mean)", "wall s per run (mean)",
                        "ms per generation"], rows), "",
        f"Wall time per run, neat-python / skdeep: **{wall['neat-python'] / wall['skdeep']:.1f}x** "
        f"(per generation: {per_gen['neat-python'] / per_gen['skdeep']:.1f}x), over the "
        f"{len(seeds)} seeds both ran. 1-minute load averages seen: {loads[0]} to {loads[-1]}.", "",
    ])


# ---------------------------------------------------------------------------- pole
POLE_TASKS = (("single", True), ("double", True), ("double", False))


def skdeep_pole(kind, velocities, seed, max_generations=100):
    from _neatpython_runs import POLE_CONFIG

    from skdeep.neuroevolution import NEATConfig, PoleBalancing, evolve

    task = PoleBalancing(kind, velocities=velocities, output_range=(0.0, 1.0))
    threshold = float(task.max_steps or 100_000) if velocities else None
    config, _ = NEATConfig.from_neat_python(POLE_CONFIG.format(
        threshold=threshold or 1e12, n_inputs=task.n_inputs, feed_forward=velocities))
    solved = {"value": False}

    def check(population):
        # The generation's best genome takes the whole test (non-Markov task).
        best = int(np.argmax(population.fitness))
        phenotype = population.genome(best).phenotype()
        if bool(task.solved(phenotype)[0]):
            solved["value"] = True
            return True
        return False

    start = time.perf_counter()
    result = evolve(task.fitness, task.n_inputs, 1, max_generations, config=config,
                    fitness_threshold=threshold, random_state=seed,
                    callback=None if velocities else check)
    wall = time.perf_counter() - start
    return {"solved": bool(result.solved if velocities else solved["value"]),
            "generations": result.generations, "evaluations": result.n_evaluations,
            "wall_s": wall, "best_fitness": result.best_fitness,
            "n_nodes": result.best_genome.n_nodes,
            "n_connections": result.best_genome.n_connections}


def run_pole(n_seeds, libraries=("skdeep", "neat-python")):
    from _neatpython_runs import run_neatpython_pole

    if "skdeep" in libraries:
        for kind, velocities in POLE_TASKS:
            skdeep_pole(kind, velocities, 0, 1)  # numba's kernels load (or compile) here
    for kind, velocities in POLE_TASKS:
        for seed in range(n_seeds):
            for library in libraries:
                key = dict(library=library, kind=kind, velocities=velocities, seed=seed)
                if _done("pole", **key):
                    continue
                if library == "skdeep":
                    cell = skdeep_pole(kind, velocities, seed)
                else:
                    cell = run_neatpython_pole(kind, velocities, seed, 100)
                _save("pole", {**key, **cell})
                print(key, cell, flush=True)


def table_pole():
    cells = _cells("pole")
    if not cells:
        return ""
    out = ["## Pole balancing (neat-python's single-pole example configuration)", ""]
    paper = {("double", True): "3,600", ("double", False): "33,184"}
    for kind, velocities in POLE_TASKS:
        subset = [c for c in cells if c["kind"] == kind and c["velocities"] == velocities]
        if not subset:
            continue
        name = f"{kind} pole, {'with' if velocities else 'without'} velocities"
        out += [f"### {name}", ""]
        rows = _summary_rows(subset, ("neat-python", "skdeep"))
        out += [markdown_table(["library", "runs", "success", "generations to solve (mean / median)",
                                "evaluations to solve (mean)", "wall s per run (mean)",
                                "ms per generation"], rows), ""]
        walls = {lib: np.mean([c["wall_s"] for c in subset if c["library"] == lib])
                 for lib in ("neat-python", "skdeep") if any(c["library"] == lib for c in subset)}
        if len(walls) == 2:
            out.append(f"Wall time per run, neat-python / skdeep: "
                       f"**{walls['neat-python'] / walls['skdeep']:.1f}x**.")
        if (kind, velocities) in paper:
            out.append(f"Stanley & Miikkulainen (2002), Table 1: {paper[(kind, velocities)]} "
                       "evaluations on average.")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------- tabular
TABULAR = ("breast_cancer", "wine", "digits")


def _load(name):
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")(return_X_y=True)


def run_tabular(n_seeds):
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep.neuroevolution import HyperNEATClassifier, NEATClassifier

    for name in TABULAR:
        X, y = _load(name)
        methods = ["NEATClassifier", "MLPClassifier"]
        if name == "digits":
            methods.insert(1, "HyperNEATClassifier")
        for seed in range(n_seeds):
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, stratify=y, random_state=seed)
            for method in methods:
                if _done("tabular", data=name, method=method, seed=seed):
                    continue
                if method == "NEATClassifier":
                    model = NEATClassifier(random_state=seed)
                elif method == "HyperNEATClassifier":
                    model = HyperNEATClassifier(input_shape=(8, 8), random_state=seed)
                else:
                    model = make_pipeline(StandardScaler(),
                                          MLPClassifier(max_iter=1000, random_state=seed))
                start = time.perf_counter()
                model.fit(X_train, y_train)
                seconds = time.perf_counter() - start
                if method == "MLPClassifier":
                    mlp = model[-1]
                    size = f"{sum(w.size for w in mlp.coefs_)} weights"
                elif method == "NEATClassifier":
                    size = f"{model.n_nodes_} nodes / {model.n_connections_} conns"
                else:
                    expressed = sum(int((w != 0).sum()) for w in model.weights_)
                    size = (f"CPPN {model.n_nodes_} / {model.n_connections_}; "
                            f"{expressed} substrate conns")
                cell = dict(data=name, method=method, seed=seed,
                            accuracy=float(model.score(X_test, y_test)), seconds=seconds,
                            size=size)
                _save("tabular", cell)
                print(cell, flush=True)


def table_tabular():
    cells = _cells("tabular")
    if not cells:
        return ""
    rows = []
    for name in TABULAR:
        for method in ("NEATClassifier", "HyperNEATClassifier", "MLPClassifier"):
            runs = [c for c in cells if c["data"] == name and c["method"] == method]
            if not runs:
                continue
            acc = np.array([c["accuracy"] for c in runs])
            rows.append([name, method, len(runs), f"{acc.mean():.3f} ± {acc.std(ddof=1):.3f}"
                         if len(acc) > 1 else f"{acc[0]:.3f}", runs[0]["size"],
                         f"{np.mean([c['seconds'] for c in runs]):.1f}"])
    loads = sorted({c["load"].split(",")[0] for c in cells})
    return "\n".join([
        "## Tabular classification", "",
        markdown_table(["data", "method", "splits", "test accuracy", "network (split 0)",
                        "fit s (mean)"], rows), "",
        f"1-minute load averages seen: {loads[0]} to {loads[-1]}.", ""])


# ---------------------------------------------------------------------------- visual
def run_visual(n_seeds):
    from _visual_discrimination import run

    for seed in range(n_seeds):
        if _done("visual", seed=seed):
            continue
        (row,) = run((seed,))
        row["errors"] = {str(k): v for k, v in row["errors"].items()}
        _save("visual", row)
        print(row, flush=True)


def table_visual():
    from _visual_discrimination import RESOLUTIONS, results_table

    cells = _cells("visual")
    if not cells:
        return ""
    for c in cells:
        c["errors"] = {int(k): v for k, v in c["errors"].items()}
    loads = sorted({c["load"].split(",")[0] for c in cells})
    return "\n".join([
        "## HyperNEAT visual discrimination (11x11 evolved, painted at 33x33 and 55x55)", "",
        results_table(cells), "",
        "Errors are mean distances between the most active output and the large box's "
        "centre in the [-1, 1] field (0.2 = one 11x11 pixel), over the paper's 75 trials at "
        f"each resolution ({', '.join(f'{r}x{r}' for r in RESOLUTIONS)}). "
        f"1-minute load averages seen: {loads[0]} to {loads[-1]}.", ""])


TABLES = {"xor": table_xor, "pole": table_pole, "tabular": table_tabular,
          "visual": table_visual}


def write_tables():
    parts = [f"# Neuroevolution benchmark\n\nMachine: {machine()}. Protocol: the docstring of "
             "`benchmarks/neuroevolution.py`.\n"]
    for part in PARTS:
        if part in TABLES:
            text = TABLES[part]()
            if text:
                parts.append(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "neuroevolution.md").write_text("\n".join(parts))
    print((RESULTS / "neuroevolution.md").read_text())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=[*PARTS, "all"], default="all")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--library", default=None, help="only this library (pole part)")
    ap.add_argument("--table-only", action="store_true")
    args = ap.parse_args()
    parts = PARTS if args.part == "all" else (args.part,)
    if not args.table_only:
        for part in parts:
            if part == "xor":
                run_xor(args.seeds or 100)
            elif part == "pole":
                libraries = (args.library,) if args.library else ("skdeep", "neat-python")
                run_pole(args.seeds or 5, libraries)
            elif part == "tabular":
                run_tabular(args.seeds or 3)
            elif part == "visual":
                run_visual(args.seeds or 5)
    write_tables()


if __name__ == "__main__":
    main()
