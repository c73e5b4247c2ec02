r"""GEMSEC benchmark: communities on real graphs, and speed and memory against size.

Parts, run by hand (no network), each with ``--part NAME``; results merge into
``benchmarks/results/gemsec.md``, cells are JSON lines in
``benchmarks/gemsec_runs/`` (skipped when already there, so runs resume and
``--table-only`` rebuilds the tables). The protocol below was written before
any reported run. Everything runs on one thread (the script sets torch's and
numba's; export ``OMP_NUM_THREADS=1`` too) on a 2-core machine shared with
other helpers' runs: the 1-minute load average is recorded with every cell,
and times are upper bounds.

Defaults. ``GEMSECEmbedder``'s defaults (learning rate, batch size, epochs,
warm-up) were chosen before this protocol on generated planted-partition
graphs (10 blocks of 100 nodes, ``tests/graph/_graph_data.py``'s
``planted_partition`` with p_in/p_out = 0.1/0.005, 0.08/0.004 and
0.06/0.01, seed 1), which are not reported here; the numbers seen are in a
comment in ``skdeep/graph/_gemsec.py``. Cora, CiteSeer, PPI and BlogCatalog
were not looked at before the runs below. No Facebook page graph (the
paper's data) is available offline, so the paper's own numbers cannot be
reproduced here.

``quality`` (Cora, CiteSeer, PPI; ``blogcatalog`` as its own part)
    Graphs from the shared data, read as undirected and unweighted, self
    loops dropped (``benchmarks/sdne.py``'s ``load_heldout``). Number of
    clusters K: the number of classes on Cora (7) and CiteSeer (6); 20 on
    PPI and BlogCatalog (the reference code's default), whose labels are
    multi-label and are not compared with the clusters. Methods:

    * ``GEMSEC``: ``GEMSECEmbedder(n_clusters=K)`` with its defaults (16
      dimensions, 5 walks of 80 nodes per node, window 5, 10 negatives,
      gamma 0.1 -> 0.5, smoothness 2^-4), seeds 0, 1, 2 (seed 0 only on
      BlogCatalog);
    * ``GEMSEC, smoothness 0``: the same without the regulariser, seed 0;
    * ``node2vec + k-means``: ``Node2VecEmbedder(16)`` (p = q = 1, 10 walks
      of 80, window 10, numba backend, 1 epoch), then
      ``KMeans(K, n_init=10, random_state=0)``, seed 0;
    * ``Louvain``: networkx's ``louvain_communities`` (resolution 1,
      seed 0), which picks its own number of communities;
    * ``karateclub GEMSEC``: karateclub's class through the
      ``skdeep-karateclub`` plugin (``KarateClubGEMSEC``) with the same
      walks (5 walks of 80 nodes, window 5), the same K and 16 dimensions,
      its defaults otherwise (learning rate 0.1, gamma 0.1, 5 negatives),
      seed 0, on Cora only: its pure-Python pair loop costs minutes per
      thousand nodes (see ``scale``). If it cannot finish within 15
      minutes, the cell runs with 1 walk per node instead and says so,
      beside a skdeep fit with the same 1 walk.

    Metrics: modularity of the partition (networkx, the graph as loaded),
    the number of non-empty communities, NMI and ARI against the class
    labels (Cora, CiteSeer; CiteSeer's 15 unlabelled nodes left out), fit
    seconds. Cora also gets the embeddings' node classification
    (``benchmarks/sdne.py``'s protocol: ``topk_f1`` of
    ``benchmarks/graph_embeddings.py``, one-vs-rest logistic regression
    C=1 on standardized embeddings, training fractions 10, 30, 50, 70 and
    90%, 5 random splits each, seed 0): Macro- and Micro-F1 of GEMSEC's
    16-dimensional embedding against node2vec's 16-dimensional one.

``scale`` (generated graphs, 1,000 to 100,000 nodes)
    Graphs: ``benchmarks/sdne.py``'s ``random_graph`` (every node linked to
    5 uniformly drawn others, undirected, mean degree ~10, seed 0), n in
    {1k, 3k, 10k, 30k, 100k}, each size in its own process. skdeep
    (defaults, K = 20), after an untimed walk and overlap on a 20-node
    graph (numba compiles or loads its cache on first use; added after the
    first 1k cell showed 13 s of walks, and the 1k and 3k cells rerun):
    the time of the walks and of the overlaps, the
    median time of a training step over 20 steps after 3 warm-up steps
    (exactly the estimator's module, loss and Adam), the epoch estimate
    (steps per epoch x step time) and the 5-epoch estimate, peak RSS; a
    full ``fit`` for n <= 3,000 (measured). karateclub's GEMSEC
    (``KarateClubGEMSEC``, 16 dimensions, K = 20, its defaults otherwise) at
    1,000 nodes with 1 walk per node (5 walks would take several minutes on
    this shared machine): fit time and peak RSS, beside skdeep's fit with
    the same 1 walk per node in its own process; the ratio is printed.
    Times for 5 walks are extrapolated linearly (both are linear in the
    number of walks) and marked as such.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/gemsec.py --part quality
    OMP_NUM_THREADS=1 python benchmarks/gemsec.py --part blogcatalog
    OMP_NUM_THREADS=1 python benchmarks/gemsec.py --part scale
    python benchmarks/gemsec.py --table-only
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

sys.path.append(str(_HERE))
from _common import (  # noqa: E402
    Store,
    markdown_table,
    mean_std,
    peak_rss_mb,
    write_parts,
)

RUNS = _HERE / "gemsec_runs"
RESULTS = _HERE / "results" / "gemsec.md"
COMMAND = "OMP_NUM_THREADS=1 python benchmarks/gemsec.py"

QUALITY_GRAPHS = ("cora", "citeseer", "ppi")
N_CLUSTERS = {"cora": 7, "citeseer": 6, "ppi": 20, "blogcatalog": 20}
SEEDS = {"cora": (0, 1, 2), "citeseer": (0, 1, 2), "ppi": (0, 1, 2),
         "blogcatalog": (0,)}
NODE2VEC = dict(p=1.0, q=1.0, walk_length=80, n_walks=10, window=10, epochs=1,
                backend="numba", workers=1, n_jobs=1)
KARATECLUB = dict(walk_number=5, walk_length=80, window_size=5, dimensions=16)
KARATECLUB_LIMIT_S = 900
FRACTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)
N_SPLITS = 5
SIZES = (1_000, 3_000, 10_000, 30_000, 100_000)
FULL_FIT_MAX = 3_000
STEPS, WARMUP_STEPS = 20, 3
SCALE_CLUSTERS = 20
METHODS = ("GEMSEC", "GEMSEC, smoothness 0", "node2vec + k-means", "Louvain",
           "karateclub GEMSEC", "karateclub GEMSEC, 1 walk", "GEMSEC, 1 walk")


def _module(name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.append(str(_HERE))  # the scripts drop the folder again
    return module


def _single_thread():
    import numba
    import torch

    torch.set_num_threads(1)
    numba.set_num_threads(1)


def _load_note(records):
    loads = [float(r["load"].split(",")[0]) for r in records if r.get("load")]
    if not loads:
        return ""
    return (f"The 2-core machine was shared with other helpers' runs (1-minute "
            f"load average {min(loads):.1f} to {max(loads):.1f} when the cells "
            f"were recorded), so the times are upper bounds.")


# -- quality ---------------------------------------------------------------------


def load_graph(name):
    """``(A, labels or None)``: undirected, unweighted, no self loops."""
    if name == "cora":
        return _sdne_cora()
    A, Y, scored = _module("sdne").load_heldout(name)
    if name == "citeseer":
        labels = np.full(A.shape[0], -1)
        labels[scored] = Y[scored].argmax(1)
        return A, labels
    return A, None


def _sdne_cora():
    A, labels, *_ = _module("graph_embeddings").load_planetoid("cora")
    A.setdiag(0)
    A.eliminate_zeros()
    A.data[:] = 1.0
    return A, labels


def modularity(A, labels):
    import networkx as nx

    G = nx.from_scipy_sparse_array(A)
    return nx.community.modularity(
        G, [set(np.flatnonzero(labels == c)) for c in np.unique(labels)])


def _fit(method, A, k, seed, walks=None):
    """``(labels, embedding or None, seconds)`` of one method."""
    t0 = time.perf_counter()
    embedding = None
    if method.startswith("GEMSEC"):
        from skdeep.graph._gemsec import GEMSECEmbedder

        extra = {"smoothness": 0.0} if "smoothness 0" in method else {}
        if walks is not None:
            extra["n_walks"] = walks
        est = GEMSECEmbedder(n_clusters=k, random_state=seed, **extra).fit(A)
        labels, embedding = est.labels_, est.embedding_
    elif method == "node2vec + k-means":
        from sklearn.cluster import KMeans

        from skdeep.graph import Node2VecEmbedder

        embedding = Node2VecEmbedder(16, random_state=seed, **NODE2VEC).fit_transform(A)
        labels = KMeans(k, n_init=10, random_state=0).fit_predict(embedding)
    elif method == "Louvain":
        import networkx as nx

        G = nx.from_scipy_sparse_array(A)
        communities = nx.community.louvain_communities(G, seed=seed)
        labels = np.empty(A.shape[0], dtype=np.int64)
        for c, members in enumerate(communities):
            labels[list(members)] = c
    else:  # karateclub
        import skdeep_karateclub as kc

        params = dict(KARATECLUB, clusters=k)
        if walks is not None:
            params["walk_number"] = walks
        est = kc.KarateClubGEMSEC(random_state=seed, **params).fit(A)
        labels = est.labels_
    return np.asarray(labels), embedding, time.perf_counter() - t0


def _splits(n, seed=0):
    rng = np.random.RandomState(seed)
    for fraction in FRACTIONS:
        for s in range(N_SPLITS):
            perm = rng.permutation(n)
            k = int(round(fraction * n))
            yield fraction, s, perm[:k], perm[k:]


def _cell(store, name, A, truth, method, seed, walks=None):
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    if store.get(graph=name, method=method, seed=seed):
        return
    k = N_CLUSTERS[name]
    labels, embedding, seconds = _fit(method, A, k, seed, walks)
    record = {"graph": name, "method": method, "seed": seed, "k": k,
              "nodes": A.shape[0], "edges": int(A.nnz // 2), "fit_s": seconds,
              "modularity": modularity(A, labels),
              "communities": int(len(np.unique(labels)))}
    if walks is not None:
        record["walks"] = walks
    if truth is not None:
        known = truth >= 0
        record["nmi"] = normalized_mutual_info_score(truth[known], labels[known])
        record["ari"] = adjusted_rand_score(truth[known], labels[known])
    if name == "cora" and embedding is not None and method != "GEMSEC, 1 walk":
        Y = np.eye(truth.max() + 1, dtype=np.int64)[truth]
        ge = _module("graph_embeddings")
        record["scores"] = [
            {"fraction": f, "split": s, "f1": list(ge.topk_f1(embedding, Y, tr, te))}
            for f, s, tr, te in _splits(A.shape[0])
        ]
    store.add(record)
    print(f"{name} {method} seed {seed}: {seconds:.1f} s, Q "
          f"{record['modularity']:.3f}, NMI {record.get('nmi', float('nan')):.3f}",
          flush=True)


def _karateclub_cells(store, name, A, truth):
    """karateclub with the same walks if it finishes in time, else 1 walk."""
    if store.get(graph=name, method="karateclub GEMSEC", seed=0) or store.get(
            graph=name, method="karateclub GEMSEC, 1 walk", seed=0):
        return
    # Time one walk per node first (its own process), and run the full
    # walks only if 5 times that fits the limit.
    one = _run_subprocess(["--karateclub-cell", name, "1"])
    store.add(one)
    print(f"{name} karateclub 1 walk: {one['fit_s']:.1f} s", flush=True)
    _cell(store, name, A, truth, "GEMSEC, 1 walk", 0, walks=1)
    if one["fit_s"] * KARATECLUB["walk_number"] <= KARATECLUB_LIMIT_S:
        walks = str(KARATECLUB["walk_number"])
        full = _run_subprocess(["--karateclub-cell", name, walks])
        store.add(full)


def karateclub_cell(name, walks):
    _single_thread()
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    A, truth = load_graph(name)
    k = N_CLUSTERS[name]
    labels, _, seconds = _fit("karateclub", A, k, 0, walks)
    method = ("karateclub GEMSEC" if walks == KARATECLUB["walk_number"]
              else "karateclub GEMSEC, 1 walk")
    record = {"graph": name, "method": method, "seed": 0, "k": k,
              "nodes": A.shape[0], "edges": int(A.nnz // 2), "fit_s": seconds,
              "walks": walks, "modularity": modularity(A, labels),
              "communities": int(len(np.unique(labels))),
              "peak_mb": peak_rss_mb()}
    if truth is not None:
        known = truth >= 0
        record["nmi"] = normalized_mutual_info_score(truth[known], labels[known])
        record["ari"] = adjusted_rand_score(truth[known], labels[known])
    print(json.dumps(record), flush=True)


def _run_subprocess(args):
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if result.returncode:
        print(result.stderr[-3000:], flush=True)
        raise SystemExit(f"worker {args} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_quality(store, graphs=QUALITY_GRAPHS):
    _single_thread()
    for name in graphs:
        A, truth = load_graph(name)
        for seed in SEEDS[name]:
            _cell(store, name, A, truth, "GEMSEC", seed)
        for method in ("GEMSEC, smoothness 0", "node2vec + k-means", "Louvain"):
            _cell(store, name, A, truth, method, 0)
        if name == "cora":
            _karateclub_cells(store, name, A, truth)


def quality_table(store):
    records = [r for r in store.records if "modularity" in r]
    if not records:
        return ""
    out = []
    for name in (*QUALITY_GRAPHS, "blogcatalog"):
        rs_graph = [r for r in records if r["graph"] == name]
        if not rs_graph:
            continue
        labelled = any("nmi" in r for r in rs_graph)
        rows = []
        for method in METHODS:
            rs = [r for r in rs_graph if r["method"] == method]
            if not rs:
                continue
            row = [method, len(rs), mean_std([r["modularity"] for r in rs], 3)]
            if labelled:
                row += [mean_std([r["nmi"] for r in rs], 3),
                        mean_std([r["ari"] for r in rs], 3)]
            row += [mean_std([r["communities"] for r in rs], 1),
                    mean_std([r["fit_s"] for r in rs], 1)]
            rows.append(row)
        head = ["method", "seeds", "modularity"]
        if labelled:
            head += ["NMI", "ARI"]
        head += ["communities", "fit s"]
        r0 = rs_graph[0]
        out += [f"### {name} ({r0['nodes']:,} nodes, {r0['edges']:,} edges, "
                f"K = {r0['k']})", "", markdown_table(head, rows), ""]
        fits = {m: np.mean([r["fit_s"] for r in rs_graph if r["method"] == m])
                for m in METHODS if any(r["method"] == m for r in rs_graph)}
        pairs = [("karateclub GEMSEC", "GEMSEC"),
                 ("karateclub GEMSEC, 1 walk", "GEMSEC, 1 walk")]
        ratios = [f"{a} / {b}: {fits[a] / fits[b]:.1f}x" for a, b in pairs
                  if a in fits and b in fits]
        if ratios:
            out += ["Fit-time ratios (same walks): " + "; ".join(ratios) + ".", ""]
    scored = [r for r in records if "scores" in r]
    if scored:
        rows = []
        for method in METHODS:
            rs = [r for r in scored if r["method"] == method]
            if not rs:
                continue
            macro, micro = [], []
            for f in FRACTIONS:
                cells = [s["f1"] for r in rs for s in r["scores"] if s["fraction"] == f]
                macro.append(mean_std([c[0] for c in cells], 3))
                micro.append(mean_std([c[1] for c in cells], 3))
            rows.append([method, "Macro-F1", *macro, len(rs)])
            rows.append([method, "Micro-F1", *micro, ""])
        head = ["embedding (16-d)", "score", *[f"{int(f * 100)}%" for f in FRACTIONS],
                "seeds"]
        out += ["### Cora node classification with the embeddings", "",
                "One-vs-rest logistic regression (C=1) on standardized "
                f"embeddings at each training fraction, {N_SPLITS} splits per "
                "fraction (seed 0); mean ± std over splits x seeds.", "",
                markdown_table(head, rows), ""]
    return "\n".join([
        "## Quality: communities on real graphs", "",
        "Protocol in the script's docstring. Modularity of the partition on "
        "the graph as loaded (undirected, unweighted, no self loops); NMI and "
        "ARI against the class labels where they are single-label; mean ± "
        "std over seeds. One thread. " + _load_note(records), "",
        *out, *store.provenance(records),
    ])


# -- scale -----------------------------------------------------------------------


def scale_worker(n, what):
    """One graph size in its own process: prints one JSON line."""
    _single_thread()
    import torch

    from skdeep.graph._gemsec import (
        GEMSECEmbedder,
        GEMSECLoss,
        GEMSECModule,
        WalkGraph,
    )
    from skdeep.graph._walks import CSRGraph, random_walks

    A = _module("sdne").random_graph(n)
    # numba compiles (or loads from its cache) on first use: keep that out
    # of the timings.
    from skdeep.graph._gemsec import neighbourhood_overlap
    from skdeep.graph._walks import random_walks as _warm_walks

    tiny = _module("sdne").random_graph(20)
    _warm_walks(tiny, n_walks=1, walk_length=5, random_state=0)
    neighbourhood_overlap(tiny)
    out = {"n": n, "what": what, "edges": int(A.nnz // 2), "start_mb": peak_rss_mb()}
    if what == "karateclub":
        import skdeep_karateclub as kc

        t0 = time.perf_counter()
        kc.KarateClubGEMSEC(random_state=0, clusters=SCALE_CLUSTERS,
                            **dict(KARATECLUB, walk_number=1)).fit(A)
        out["fit_s"] = time.perf_counter() - t0
        out["walks"] = 1
        out["peak_mb"] = peak_rss_mb()
        print(json.dumps(out), flush=True)
        return
    est = GEMSECEmbedder(n_clusters=SCALE_CLUSTERS, random_state=0)
    if what == "skdeep-1walk":
        est.set_params(n_walks=1)
        t0 = time.perf_counter()
        est.fit(A)
        out["fit_s"] = time.perf_counter() - t0
        out["walks"] = 1
        out["peak_mb"] = peak_rss_mb()
        print(json.dumps(out), flush=True)
        return
    t0 = time.perf_counter()
    walks = random_walks(CSRGraph(A), n_walks=est.n_walks,
                         walk_length=est.walk_length, random_state=0)
    out["walks_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = WalkGraph(A, walks, "cpu")
    out["overlap_s"] = time.perf_counter() - t0
    torch.manual_seed(0)
    module = GEMSECModule(n, est.dimensions, SCALE_CLUSTERS, est.window, est.negative)
    module.graph = graph
    optimizer = torch.optim.Adam(module.parameters(), lr=est.lr)
    criterion = GEMSECLoss(0.3, est.smoothness)
    walks_t = torch.from_numpy(walks)
    times = []
    for step in range(WARMUP_STEPS + STEPS):
        rows = torch.randint(len(walks), (est.batch_size,))
        t0 = time.perf_counter()
        loss = criterion(module(walks_t[rows]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - t0)
    out["step_s"] = float(np.median(times[WARMUP_STEPS:]))
    out["steps_per_epoch"] = math.ceil(len(walks) / est.batch_size)
    out["epoch_estimate_s"] = out["step_s"] * out["steps_per_epoch"]
    out["fit_estimate_s"] = (out["walks_s"] + out["overlap_s"]
                             + est.max_epochs * out["epoch_estimate_s"])
    out["steps_peak_mb"] = peak_rss_mb()
    del module, optimizer, graph, walks_t
    if n <= FULL_FIT_MAX:
        t0 = time.perf_counter()
        est.fit(A)
        out["fit_s"] = time.perf_counter() - t0
        out["fit_peak_mb"] = peak_rss_mb()
    print(json.dumps(out), flush=True)


def run_scale(store):
    cells = [(n, "skdeep") for n in SIZES]
    cells += [(SIZES[0], "karateclub"), (SIZES[0], "skdeep-1walk")]
    for n, what in cells:
        if store.get(n=n, what=what):
            continue
        record = _run_subprocess(["--scale-worker", str(n), what])
        store.add(record)
        print(f"n={n} {what}: {json.dumps(record)}", flush=True)


def scale_table(store):
    records = sorted((r for r in store.records if r.get("what") == "skdeep"),
                     key=lambda r: r["n"])
    if not records:
        return ""
    rows = []
    for r in records:
        n = r["n"]
        rows.append([
            f"{n:,}", f"{r['edges']:,}", f"{r['walks_s']:.1f}",
            f"{r['overlap_s']:.2f}", f"{r['step_s'] * 1e3:.0f}",
            f"{r['steps_per_epoch']:,}", f"{r['epoch_estimate_s']:.0f}",
            f"{r['fit_estimate_s']:.0f}",
            f"{r['fit_s']:.0f}" if "fit_s" in r else "—",
            f"{r['steps_peak_mb']:.0f}",
            f"{r['fit_peak_mb']:.0f}" if "fit_peak_mb" in r else "—",
        ])
    head = ["nodes", "edges", "walks s", "overlaps s", "ms / step",
            "steps / epoch", "epoch s (estimate)", "5-epoch fit s (estimate)",
            "fit s (measured)", "peak RSS MB (steps)", "peak RSS MB (fit)"]
    out = ["## Scale: time and memory against the number of nodes", "",
           "Protocol in the script's docstring: random graphs of mean degree "
           "~10, GEMSEC's defaults (16 dimensions, 5 walks of 80 per node, "
           "window 5, 10 negatives, batches of "
           "the default size) with K = 20, one thread, each size in its own "
           "process. The estimate is walks + overlaps + 5 x steps per epoch x "
           "the median step time; the measured fit includes skorch's "
           "bookkeeping and the k-means placement of the centres. Peak RSS "
           "includes Python, torch and scikit-learn. " + _load_note(records), "",
           markdown_table(head, rows), ""]
    kc = store.get(what="karateclub")
    sk = store.get(what="skdeep-1walk")
    if kc and sk:
        five = KARATECLUB["walk_number"]
        out += [
            "### Against karateclub's GEMSEC (1,000 nodes, 1 walk per node)", "",
            markdown_table(
                ["library", "walks / node", "fit s", f"fit s for {five} walks "
                 "(extrapolated)", "peak RSS MB"],
                [["karateclub", 1, f"{kc['fit_s']:.1f}",
                  f"{five * kc['fit_s']:.0f}", f"{kc['peak_mb']:.0f}"],
                 ["skdeep", 1, f"{sk['fit_s']:.1f}", f"{five * sk['fit_s']:.0f}",
                  f"{sk['peak_mb']:.0f}"]]),
            "",
            f"karateclub / skdeep fit time: {kc['fit_s'] / sk['fit_s']:.1f}x "
            f"(skdeep trains {sk.get('epochs', 5)} passes over the walks, "
            "karateclub one).", ""]
    return "\n".join([*out, *store.provenance(
        [r for r in store.records if "n" in r])])


# -- main --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["quality", "blogcatalog", "scale", "all"],
                    default="all")
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--scale-worker", nargs=2, default=None)
    ap.add_argument("--karateclub-cell", nargs=2, default=None)
    args = ap.parse_args()
    if args.scale_worker:
        scale_worker(int(args.scale_worker[0]), args.scale_worker[1])
        return
    if args.karateclub_cell:
        karateclub_cell(args.karateclub_cell[0], int(args.karateclub_cell[1]))
        return
    parts = (["quality", "blogcatalog", "scale"] if args.part == "all"
             else [args.part])
    config = {
        "quality": {"seeds": SEEDS, "k": N_CLUSTERS, "node2vec": NODE2VEC,
                    "karateclub": KARATECLUB, "fractions": FRACTIONS,
                    "splits": N_SPLITS},
        "scale": {"sizes": SIZES, "steps": STEPS, "k": SCALE_CLUSTERS,
                  "karateclub": KARATECLUB},
    }
    sections = {}
    for part in parts:
        # blogcatalog's cells live with the quality part's (one table)
        store_part = "quality" if part == "blogcatalog" else part
        store = Store(RUNS, store_part, config[store_part],
                      f"{COMMAND} --part {part}")
        if not args.table_only:
            if part == "quality":
                run_quality(store)
            elif part == "blogcatalog":
                run_quality(store, graphs=("blogcatalog",))
            else:
                run_scale(store)
        table = quality_table(store) if store_part == "quality" else scale_table(store)
        if table:
            sections[store_part] = table
    if sections:
        write_parts(RESULTS, "GEMSEC benchmark",
                    f"Produced by `{COMMAND}` (protocol in its docstring).",
                    sections, ["quality", "scale"])


if __name__ == "__main__":
    main()
