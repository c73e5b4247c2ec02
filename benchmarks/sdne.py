r"""SDNE benchmark: node classification on Cora, and memory and time against size.

Parts, run by hand (no network), each with ``--part NAME``; results merge into
``benchmarks/results/sdne.md``, cells are JSON lines in
``benchmarks/sdne_runs/`` (skipped when already there, so runs resume and
``--table-only`` rebuilds the tables). The protocol below was written before
any reported run. Run with one thread (the script sets torch's; export
``OMP_NUM_THREADS=1`` too).

``quality`` (Cora, the graph alone)
    Data: Cora's citation graph from the shared data (2,708 nodes, undirected,
    unweighted; ``load_planetoid`` of ``benchmarks/graph_embeddings.py``), no
    node features. Embeddings, 128 dimensions each:

    * ``SDNEEmbedder`` with its defaults (one hidden layer of 256 ReLU units,
      alpha 1, beta 5, Adam lr 1e-3, weight decay 1e-5, 50 epochs, batches of
      256 nodes); seeds 0, 1, 2. The defaults were set before this protocol
      from one-seed accuracies on Cora's 500 Planetoid validation nodes
      (logistic regression on 1,000 other nodes; the numbers are in the
      estimator's docstring); the test scores below were not looked at then.
    * ``Node2VecEmbedder`` with p = q = 1 and the node2vec paper's settings
      (10 walks of 80 nodes per node, window 10), 1 skip-gram epoch, numba
      backend, one thread; seeds 0, 1, 2.
    * karateclub's ``GraRep`` (32 dimensions x order 4 = 128) and ``NetMF``
      (128 dimensions, order 2, its defaults otherwise) through the
      ``skdeep-karateclub`` plugin, seed 0. (karateclub has no SDNE; these are
      its matrix-factorisation peers.)

    Scoring: the BlogCatalog protocol of ``benchmarks/graph_embeddings.py``
    (its ``topk_f1``: one-vs-rest logistic regression, C=1, lbfgs,
    standardized embeddings, each test node gets its k top labels, k = 1 on
    Cora) at training fractions 10, 30, 50, 70 and 90%, 5 random splits per
    fraction (seed 0, the same splits for every embedding). Reported:
    Macro- and Micro-F1, mean ± std over splits x seeds, and fit seconds.

``scale`` (generated graphs, 1,000 to 100,000 nodes)
    Graphs: every node linked to 5 uniformly drawn others (undirected, mean
    degree about 10, seed 0), n in {1k, 3k, 10k, 30k, 100k}. SDNE with the
    default architecture (128 dimensions, 256 hidden units, batches of 256),
    each n in its own process, one thread:

    * 6 training steps of exactly what the estimator trains (its
      ``SparseRows``, ``SDNEModule``, ``SDNELoss`` and Adam), the first a
      warm-up: seconds per step, and the epoch estimate ``ceil(n / 256)``
      steps;
    * for n <= 10k, also a 1-epoch ``SDNEEmbedder.fit`` (wall time, final
      encoding pass included);
    * the process's peak RSS (``ru_maxrss``), beside the size of the model's
      weights and of a dense float32 n x n adjacency for contrast.

    The point is memory: it must grow linearly with n (weights ``2 x n x
    256``, batches ``256 x n``), never with n^2. The epoch time grows with
    n^2 (each node reconstructs a row of n entries).

``heldout`` (graphs nobody tuned on: CiteSeer, PPI, BlogCatalog)
    SDNE's defaults were chosen on Cora's validation nodes, so the
    ``quality`` part is not a held-out test. This part runs the same two
    embeddings on graphs that neither SDNE's nor node2vec's settings were
    chosen on, with nothing changed:

    * ``SDNEEmbedder(128)`` with its defaults, and ``Node2VecEmbedder`` with
      the ``quality`` part's settings (p = q = 1, 10 walks of 80, window 10,
      1 epoch, numba, one thread).
    * CiteSeer (Planetoid graph, 3,327 nodes, 4,552 edges, graph only, self
      loops dropped; the 15 placeholder nodes without a label are embedded
      but never scored): the ``quality`` part's scoring exactly (fractions
      10 to 90%, 5 splits each, seed 0, k = 1), seeds 0, 1, 2.
    * PPI (node2vec's file: 3,890 nodes, 37,845 edges, 50 labels, multi-label;
      its 894 self loops dropped, as they carry no structure): the node2vec
      paper's protocol as in ``benchmarks/graph_embeddings.py``: 50% of the
      nodes labelled, 10 random splits (seed 0), one-vs-rest logistic
      regression (C=1) on standardized embeddings, each test node gets its k
      top labels with k its true label count; Macro-F1 (the paper's score)
      and Micro-F1; seeds 0, 1, 2. Published Macro-F1 for reference (node2vec
      paper, Table 2): DeepWalk 0.1768, node2vec 0.1791 (their tuned p, q).
    * BlogCatalog (10,312 nodes, 333,983 edges, 39 labels): the same
      multi-label protocol, seed 0 only (SDNE's epoch costs ~7 s on one
      thread there, 50 epochs). Published Macro-F1: DeepWalk 0.2110,
      node2vec 0.2581.

    Reported: Macro- and Micro-F1, mean ± std over splits x seeds, fit
    seconds, and the SDNE / node2vec ratio of the mean Macro-F1.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/sdne.py --part quality
    OMP_NUM_THREADS=1 python benchmarks/sdne.py --part scale
    OMP_NUM_THREADS=1 python benchmarks/sdne.py --part heldout
    python benchmarks/sdne.py --table-only
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
from pathlib import Path

# benchmarks/ holds scripts named like stdlib modules (signal.py): drop the
# script's folder from the import path until the stdlib is imported.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

sys.path.append(str(_HERE))
from _common import (  # noqa: E402
    Store,
    markdown_table,
    mean_std,
    peak_rss_mb,
    write_parts,
)

RUNS = _HERE / "sdne_runs"
RESULTS = _HERE / "results" / "sdne.md"
COMMAND = "OMP_NUM_THREADS=1 python benchmarks/sdne.py"

FRACTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)
N_SPLITS = 5
SEEDS = (0, 1, 2)
NODE2VEC = dict(p=1.0, q=1.0, walk_length=80, n_walks=10, window=10, epochs=1,
                backend="numba", workers=1, n_jobs=1)
SIZES = (1_000, 3_000, 10_000, 30_000, 100_000)
FULL_EPOCH_MAX = 10_000
STEPS = 6  # the first is a warm-up
BATCH = 256


def _graph_embeddings():
    """``benchmarks/graph_embeddings.py`` as a module (its loaders and scoring)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "graph_embeddings", _HERE / "graph_embeddings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.append(str(_HERE))  # graph_embeddings drops the folder again
    return module


def _single_thread():
    import torch

    torch.set_num_threads(1)


def _load_note(records):
    loads = [float(r["load"].split(",")[0]) for r in records if r.get("load")]
    if not loads:
        return ""
    return (f"The 2-core machine was shared with other benchmark runs (1-minute "
            f"load average {min(loads):.1f} to {max(loads):.1f} when the cells "
            f"were recorded), so the times are upper bounds.")


# -- quality ---------------------------------------------------------------------

METHODS = ("SDNE", "node2vec", "GraRep", "NetMF")


def _embedder(method, seed):
    if method == "SDNE":
        from skdeep.graph import SDNEEmbedder

        return SDNEEmbedder(128, random_state=seed)
    if method == "node2vec":
        from skdeep.graph import Node2VecEmbedder

        return Node2VecEmbedder(128, random_state=seed, **NODE2VEC)
    import skdeep_karateclub as kc

    if method == "GraRep":
        return kc.KarateClubGraRep(32, order=4, random_state=seed)
    return kc.KarateClubNetMF(128, random_state=seed)


def _splits(n):
    rng = np.random.RandomState(0)
    for fraction in FRACTIONS:
        for s in range(N_SPLITS):
            perm = rng.permutation(n)
            k = int(round(fraction * n))
            yield fraction, s, perm[:k], perm[k:]


def run_quality(store):
    _single_thread()
    ge = _graph_embeddings()
    A, labels, *_ = ge.load_planetoid("cora")
    A.data[:] = 1.0
    Y = np.eye(labels.max() + 1, dtype=np.int64)[labels]
    for method in METHODS:
        seeds = SEEDS if method in ("SDNE", "node2vec") else (0,)
        for seed in seeds:
            if store.get(method=method, seed=seed):
                continue
            t0 = time.perf_counter()
            emb = _embedder(method, seed).fit_transform(A)
            fit_s = time.perf_counter() - t0
            scores = [
                {"fraction": f, "split": s, "f1": list(ge.topk_f1(emb, Y, tr, te))}
                for f, s, tr, te in _splits(A.shape[0])
            ]
            store.add({"method": method, "seed": seed, "fit_s": fit_s,
                       "dimensions": emb.shape[1], "scores": scores})
            print(f"{method} seed {seed}: fit {fit_s:.1f} s", flush=True)


def quality_table(store):
    records = [r for r in store.records if "scores" in r]
    if not records:
        return ""
    rows = []
    for method in METHODS:
        rs = [r for r in records if r["method"] == method]
        if not rs:
            continue
        macro, micro = [], []
        for f in FRACTIONS:
            cells = [s["f1"] for r in rs for s in r["scores"] if s["fraction"] == f]
            macro.append(mean_std([c[0] for c in cells], 3))
            micro.append(mean_std([c[1] for c in cells], 3))
        fit = mean_std([r["fit_s"] for r in rs], 1)
        rows.append([method, "Macro-F1", *macro, fit, len(rs)])
        rows.append([method, "Micro-F1", *micro, "", ""])
    head = ["embedding", "score", *[f"{int(f * 100)}%" for f in FRACTIONS],
            "fit s", "seeds"]
    return "\n".join([
        "## Quality: Cora node classification (graph only)", "",
        f"Protocol in the script's docstring: 128-dimensional embeddings, "
        f"one-vs-rest logistic regression (C=1) at each training fraction, "
        f"{N_SPLITS} splits per fraction; mean ± std over splits x seeds. "
        f"One thread. " + _load_note(records), "",
        markdown_table(head, rows), "",
        *store.provenance(records),
    ])


# -- scale -----------------------------------------------------------------------


def random_graph(n, m=5, seed=0):
    rng = np.random.RandomState(seed)
    rows = np.repeat(np.arange(n), m)
    cols = rng.randint(n, size=n * m)
    keep = rows != cols
    A = sp.coo_matrix((np.ones(keep.sum()), (rows[keep], cols[keep])), shape=(n, n))
    A = (A + A.T).tocsr()
    A.data[:] = 1.0
    return A


def scale_worker(n):
    """One graph size, in its own process: prints one JSON line."""
    _single_thread()
    import torch

    from skdeep.graph import SDNEEmbedder
    from skdeep.graph._sdne import SDNELoss, SDNEModule, SparseRows

    A = random_graph(n)
    out = {"n": n, "edges": int(A.nnz // 2), "start_mb": peak_rss_mb()}
    est = SDNEEmbedder(128, random_state=0)
    torch.manual_seed(0)
    rows = SparseRows(A, "cpu")
    module = SDNEModule(n, est.hidden_layer_sizes, est.dimensions, est.activation)
    module.rows = rows
    out["weights_mb"] = sum(p.numel() for p in module.parameters()) * 4 / 2**20
    optimizer = torch.optim.Adam(module.parameters(), lr=est.lr,
                                 weight_decay=est.weight_decay)
    criterion = SDNELoss(est.alpha, est.beta)
    times = []
    for step in range(STEPS):
        ids = torch.randperm(n)[:BATCH]
        t0 = time.perf_counter()
        loss = criterion(module(ids))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - t0)
    out["step_s"] = float(np.median(times[1:]))
    out["epoch_estimate_s"] = out["step_s"] * math.ceil(n / BATCH)
    out["steps_peak_mb"] = peak_rss_mb()
    del module, optimizer, rows
    if n <= FULL_EPOCH_MAX:
        t0 = time.perf_counter()
        est.set_params(max_epochs=1).fit(A)
        out["fit_epoch_s"] = time.perf_counter() - t0
        out["fit_peak_mb"] = peak_rss_mb()
    print(json.dumps(out), flush=True)


def run_scale(store):
    for n in SIZES:
        if store.get(n=n):
            continue
        cmd = [sys.executable, str(Path(__file__).resolve()), "--scale-worker", str(n)]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        result = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if result.returncode:
            print(result.stderr[-3000:], flush=True)
            raise SystemExit(f"scale worker n={n} failed")
        record = json.loads(result.stdout.strip().splitlines()[-1])
        store.add(record)
        print(f"n={n}: {record['step_s']:.3f} s/step, peak "
              f"{record['steps_peak_mb']:.0f} MB", flush=True)


def scale_table(store):
    records = sorted((r for r in store.records if "step_s" in r), key=lambda r: r["n"])
    if not records:
        return ""
    rows = []
    for r in records:
        n = r["n"]
        rows.append([
            f"{n:,}", f"{r['edges']:,}", f"{r['weights_mb']:.0f}",
            f"{r['step_s']:.3f}", f"{r['epoch_estimate_s']:.1f}",
            f"{r['fit_epoch_s']:.1f}" if "fit_epoch_s" in r else "—",
            f"{r['steps_peak_mb']:.0f}",
            f"{r['fit_peak_mb']:.0f}" if "fit_peak_mb" in r else "—",
            f"{n * n * 4 / 2**20:,.0f}",
        ])
    head = ["nodes", "edges", "weights MB", "s / step (256 nodes)",
            "epoch s (estimate)", "epoch s (fit)", "peak RSS MB (steps)",
            "peak RSS MB (fit)", "dense n x n MB"]
    return "\n".join([
        "## Scale: memory and time against the number of nodes", "",
        "Protocol in the script's docstring: random graphs of mean degree ~10, "
        "SDNE's default architecture (128 dimensions, 256 hidden units, "
        "batches of 256 nodes), one thread, each size in its own process. "
        "Peak RSS includes Python, torch and scikit-learn (about 330 MB after "
        "the imports); the weights column counts the parameters only (Adam "
        "keeps two more copies, plus their gradients). The 1-epoch fit runs "
        "after the steps in the same process, so its peak covers both. "
        + _load_note(records), "",
        markdown_table(head, rows), "",
        *store.provenance(records),
    ])


# -- heldout -----------------------------------------------------------------------

HELDOUT_GRAPHS = ("citeseer", "ppi", "blogcatalog")
HELDOUT_METHODS = ("SDNE", "node2vec")
HELDOUT_SEEDS = {"citeseer": (0, 1, 2), "ppi": (0, 1, 2), "blogcatalog": (0,)}
MULTILABEL_SPLITS = 10  # 50/50 splits of PPI and BlogCatalog
PUBLISHED_MACRO = {  # node2vec paper, Table 2, Macro-F1 at 50% labelled
    "ppi": {"DeepWalk": 0.1768, "node2vec": 0.1791},
    "blogcatalog": {"DeepWalk": 0.2110, "node2vec": 0.2581},
}


def _edges_to_adjacency(n, E):
    w = np.ones(len(E))
    A = sp.coo_matrix(
        (np.r_[w, w], (np.r_[E[:, 0], E[:, 1]], np.r_[E[:, 1], E[:, 0]])),
        shape=(n, n)).tocsr()
    A.data[:] = 1.0
    return A


def load_heldout(name):
    """``(A, Y, scored)``: unweighted adjacency without self loops, 0/1 label
    matrix, and the nodes that have a label (the only ones scored)."""
    if name == "citeseer":
        A, labels, *_ = _graph_embeddings().load_planetoid("citeseer")
        A.setdiag(0)
        A.eliminate_zeros()
        A.data[:] = 1.0
        scored = np.flatnonzero(labels >= 0)
        Y = np.zeros((len(labels), labels.max() + 1), dtype=np.int64)
        Y[scored, labels[scored]] = 1
        return A, Y, scored
    from _common import shared_data

    z = np.load(shared_data() / name / f"{name}.npz")
    n = int(z["n_nodes"])
    E = z["edges"]
    E = E[E[:, 0] != E[:, 1]]
    Y = z["labels"].astype(np.int64)
    return _edges_to_adjacency(n, E), Y, np.arange(n)


def _heldout_splits(name, scored):
    rng = np.random.RandomState(0)
    if name == "citeseer":
        fractions, n_splits = FRACTIONS, N_SPLITS
    else:
        fractions, n_splits = (0.5,), MULTILABEL_SPLITS
    for fraction in fractions:
        for s in range(n_splits):
            perm = scored[rng.permutation(len(scored))]
            k = int(round(fraction * len(scored)))
            yield fraction, s, perm[:k], perm[k:]


def run_heldout(store):
    _single_thread()
    ge = _graph_embeddings()
    for name in HELDOUT_GRAPHS:
        A, Y, scored = load_heldout(name)
        for method in HELDOUT_METHODS:
            for seed in HELDOUT_SEEDS[name]:
                if store.get(graph=name, method=method, seed=seed):
                    continue
                t0 = time.perf_counter()
                emb = _embedder(method, seed).fit_transform(A)
                fit_s = time.perf_counter() - t0
                scores = [
                    {"fraction": f, "split": s,
                     "f1": list(ge.topk_f1(emb, Y, tr, te))}
                    for f, s, tr, te in _heldout_splits(name, scored)
                ]
                store.add({"graph": name, "method": method, "seed": seed,
                           "nodes": A.shape[0], "edges": int(A.nnz // 2),
                           "fit_s": fit_s, "scores": scores})
                print(f"{name} {method} seed {seed}: fit {fit_s:.1f} s, "
                      f"Macro-F1 {np.mean([s['f1'][0] for s in scores]):.3f}",
                      flush=True)


def heldout_table(store):
    records = [r for r in store.records if "graph" in r]
    if not records:
        return ""
    out = ["## Held-out graphs: CiteSeer, PPI, BlogCatalog (graph only)", "",
           "Protocol in the script's docstring: SDNE with its defaults (chosen "
           "on Cora) and node2vec with the quality part's settings (p = q = 1), "
           "128 dimensions, neither tuned on these graphs. One-vs-rest "
           "logistic regression (C=1) on standardized embeddings, each test "
           "node gets its k top labels (k = its label count); mean ± std over "
           "splits x seeds. One thread. " + _load_note(records), ""]
    cora = Store(RUNS, "quality", CONFIGS["quality"], "").records
    cora_macro = {
        m: np.mean([s["f1"][0] for r in cora if r.get("method") == m
                    for s in r["scores"] if s["fraction"] == 0.5])
        for m in HELDOUT_METHODS if any(r.get("method") == m for r in cora)}
    if len(cora_macro) == 2:
        out += [f"For contrast, on Cora (the graph SDNE's defaults were chosen "
                f"on; `quality` part) SDNE / node2vec mean Macro-F1 at 50% is "
                f"{cora_macro['SDNE'] / cora_macro['node2vec']:.2f}.", ""]
    for name in HELDOUT_GRAPHS:
        rs_graph = [r for r in records if r["graph"] == name]
        if not rs_graph:
            continue
        fractions = sorted({s["fraction"] for r in rs_graph for s in r["scores"]})
        head = ["embedding", "score", *[f"{int(f * 100)}%" for f in fractions],
                "fit s", "seeds"]
        rows, macro_at = [], {}
        for method in HELDOUT_METHODS:
            rs = [r for r in rs_graph if r["method"] == method]
            if not rs:
                continue
            macro, micro = [], []
            for f in fractions:
                cells = [s["f1"] for r in rs for s in r["scores"]
                         if s["fraction"] == f]
                macro.append(mean_std([c[0] for c in cells], 3))
                micro.append(mean_std([c[1] for c in cells], 3))
                macro_at.setdefault(f, {})[method] = np.mean([c[0] for c in cells])
            fit = mean_std([r["fit_s"] for r in rs], 1)
            rows.append([method, "Macro-F1", *macro, fit, len(rs)])
            rows.append([method, "Micro-F1", *micro, "", ""])
        r0 = rs_graph[0]
        out += [f"### {name} ({r0['nodes']:,} nodes, {r0['edges']:,} edges)", "",
                markdown_table(head, rows), ""]
        ratios = [f"{int(f * 100)}%: {m['SDNE'] / m['node2vec']:.2f}"
                  for f, m in sorted(macro_at.items())
                  if "SDNE" in m and "node2vec" in m]
        if ratios:
            out += ["SDNE / node2vec mean Macro-F1: " + ", ".join(ratios) + ".", ""]
        if name in PUBLISHED_MACRO:
            pub = PUBLISHED_MACRO[name]
            out += [f"Published Macro-F1 at 50% (node2vec paper, Table 2, their "
                    f"own settings): DeepWalk {pub['DeepWalk']:.4f}, node2vec "
                    f"{pub['node2vec']:.4f}.", ""]
    return "\n".join([*out, *store.provenance(records)])


# -- main --------------------------------------------------------------------------

CONFIGS = {
    "quality": {"fractions": FRACTIONS, "splits": N_SPLITS, "seeds": SEEDS,
                "node2vec": NODE2VEC},
    "scale": {"sizes": SIZES, "steps": STEPS, "batch": BATCH},
    "heldout": {"graphs": HELDOUT_GRAPHS, "seeds": HELDOUT_SEEDS,
                "fractions": FRACTIONS, "splits": N_SPLITS,
                "multilabel_splits": MULTILABEL_SPLITS, "node2vec": NODE2VEC},
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["quality", "scale", "heldout", "all"],
                    default="all")
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--scale-worker", type=int, default=None)
    args = ap.parse_args()
    if args.scale_worker:
        scale_worker(args.scale_worker)
        return
    parts = ["quality", "scale", "heldout"] if args.part == "all" else [args.part]
    config = CONFIGS
    runners = {"quality": run_quality, "scale": run_scale, "heldout": run_heldout}
    tables = {"quality": quality_table, "scale": scale_table,
              "heldout": heldout_table}
    sections = {}
    for part in parts:
        store = Store(RUNS, part, config[part], f"{COMMAND} --part {part}")
        if not args.table_only:
            runners[part](store)
        table = tables[part](store)
        if table:
            sections[part] = table
    if sections:
        write_parts(RESULTS, "SDNE benchmark",
                    f"Produced by `{COMMAND}` (protocol in its docstring).",
                    sections, ["quality", "scale", "heldout"])


if __name__ == "__main__":
    main()
