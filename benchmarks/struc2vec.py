r"""struc2vec: structural equivalence on the paper's toy graphs, and scale.

Parts, each run on its own with ``--part NAME``; results merge into
``benchmarks/results/struc2vec.md``, cells are JSON lines in
``benchmarks/struc2vec_runs/`` (skipped when already there, so runs resume and
``--table-only`` rebuilds the tables). The protocol below was written before
any reported run; nothing in it was tuned on their results. Data:
``../shared/data/struc2vec_toy`` (``SKDEEP_SHARED_DATA`` overrides): the
mirrored karate club (68 nodes, ids 1-68: two copies of a 34-node karate
graph joined by one edge between node 1 and its mirror 37) and the barbell
graph (two 10-cliques joined by a 10-node path, networkx's
``barbell_graph(10, 10)``). The scale part generates its graphs. No network.
Everything runs on one thread (``OMP_NUM_THREADS=1``, ``NUMBA_NUM_THREADS=1``,
``n_jobs=1``, ``workers=1``, torch 1 thread): timings are of a shared 2-core
machine, compare within a table.

``toy``
    Seeds 0-4 (``--seeds``), one fit per (method, graph, seed), 128
    dimensions, 10 walks of 80 nodes per node where the method walks:

    * ``struc2vec``: ``Struc2VecEmbedder`` with its defaults (OPT1-OPT3 on:
      ``n_layers=None``, i.e. at most 5, ``n_candidates=None``, i.e.
      ``ceil(2 log2 n)``, window 5, ``stay_probability=0.3``) except
      ``sample=0`` (the documented setting for graphs of a few hundred nodes)
      and ``backend="numba"``;
    * ``struc2vec, no OPT1-3``: the same with ``compress=False``,
      ``n_candidates=n - 1`` (all pairs) and ``n_layers=n`` (every ring
      distance of the graph), the paper's method without its optimisations;
    * ``node2vec``: ``Node2VecEmbedder`` with its defaults (p = q = 1, window
      10) except ``sample=0`` and ``backend="numba"``, a proximity baseline;
    * ``Role2Vec``: karateclub's ``Role2Vec`` through the skdeep-karateclub
      plugin (``KarateClubRole2Vec``) with karateclub's defaults (workers=1,
      the plugin's default), another structural method.

    Metrics, on cosine similarity between embedding rows. Mirrored karate:
    ``mutual NN`` is the fraction of the 34 mirrored pairs (u, m(u)) whose
    members are each other's nearest neighbour; ``NN equivalent`` the
    fraction of the 68 nodes whose nearest neighbour is structurally
    equivalent to them (same orbit under the graph's automorphisms, which
    include the swap of the two halves: the mirror, or a node equivalent to
    it). m is the isomorphism of the two halves that maps 1 to 37 (found with
    networkx's VF2). Barbell, role classes by position (clique nodes, the
    two clique nodes on the path, then the path nodes by distance to the
    nearer clique: 7 classes): ``NN same role`` the fraction of the 30 nodes
    whose nearest neighbour has their role; ``silhouette`` the cosine
    silhouette of the role classes. Reported: mean ± std over seeds, and the
    fit time (each method is first fitted once on the barbell, untimed, so
    that numba's compilation or cache loading stays out of the timings).

``scale``
    Fit time and peak memory against the number of nodes. Graphs (seeded
    with 0): ``ba``, Barabasi-Albert with m = 3 (networkx); ``er``,
    Erdos-Renyi G(n, p) with mean degree 6 (networkx's
    ``fast_gnp_random_graph``), at 1,000, 3,000, 10,000, 30,000 and 100,000
    nodes (``--sizes``). Settings: ``default`` (``Struc2VecEmbedder``'s
    defaults: at most 5 layers) and ``layers3`` (``n_layers=3``, OPT3 with
    k* = 2), both with ``backend="numba"`` and ``dimensions=32`` (skip-gram's
    cost per token is the same at every size and is not struc2vec's own; 32
    dimensions keep it from filling the CPU budget). Cells: ``ba`` with
    ``default`` up to 30,000 nodes (its deeper rings cover most of the
    graph), ``ba`` with ``layers3`` and ``er`` with ``default`` up to 100,000
    (on ``er``, with bounded neighbourhoods, ``layers3`` would only be
    cheaper). Each cell is one process (seed 0) that loads the edge list,
    fits once untimed on a 4-node graph (numba's compilation or cache), then
    runs the estimator's steps in order, timed apart: the context graph
    (rings, candidate pairs, DTW, layers), the walks, skip-gram. Peak RSS is
    the process's lifetime peak (``ru_maxrss``), "fit RSS growth" that peak
    minus the resident memory just before the fit. Reported per cell, and per
    (graph, setting) the exponent b of a least-squares fit of log(time) = a +
    b log(n), for the whole fit and for the context graph alone (and the
    same for the fit's RSS growth), over all the sizes run and over those
    from 10,000 nodes on (fixed costs weigh on the small graphs).

    A first run with 128 dimensions was stopped after three cells (skip-gram
    took 45 of the 55 s at 10,000 nodes on the loaded machine, which put the
    part far over its CPU budget); its records are kept in
    ``struc2vec_runs/scale_superseded_128dims.jsonl.txt``.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    Store,
    load_average,
    machine,
    markdown_table,
    mean_std,
    peak_rss_mb,
    rss_mb,
    shared_data,
    write_parts,
)

PARTS = ("toy", "scale")
OUT_DIR = Path(__file__).resolve().parent / "struc2vec_runs"
RESULT_FILE = RESULTS / "struc2vec.md"
METHODS = ("struc2vec", "struc2vec_plain", "node2vec", "role2vec")
LABELS = {"struc2vec": "struc2vec (skdeep, defaults)",
          "struc2vec_plain": "struc2vec (skdeep, no OPT1-3)",
          "node2vec": "node2vec (skdeep)", "role2vec": "Role2Vec (karateclub)"}
SCALE_CELLS = {("ba", "default"): (1000, 3000, 10000, 30000),
               ("ba", "layers3"): (1000, 3000, 10000, 30000, 100000),
               ("er", "default"): (1000, 3000, 10000, 30000, 100000)}
SETTINGS = {"default": {}, "layers3": {"n_layers": 3}}
SCALE_DIMENSIONS = 32
CONFIGS = {"toy": {"protocol": 1},
           "scale": {"protocol": 2, "dimensions": SCALE_DIMENSIONS}}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _command():
    return "python benchmarks/struc2vec.py " + " ".join(sys.argv[1:])


def _seeds(text):
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def _header(title):
    return [
        f"## {title}", "",
        f"Command: `{_command()}`", "",
        f"Machine: {machine()}; load average at the start {load_average()} (shared "
        "machine: compare timings within a table).", "",
    ]


# ----------------------------------------------------------------------- toy


def load_toys():
    """The two toy graphs as CSR adjacencies, plus what the metrics need."""
    import networkx as nx

    from skdeep.graph import to_adjacency

    folder = shared_data() / "struc2vec_toy"
    karate = np.load(folder / "karate_mirrored.npz")["edges"] - 1
    G = nx.Graph()
    G.add_edges_from(karate.tolist())
    halves = G.subgraph(range(34)), G.subgraph(range(34, 68))
    mirror = next(m for m in nx.isomorphism.GraphMatcher(*halves).isomorphisms_iter()
                  if m[0] == 36)
    pairs = np.array(sorted(mirror.items()))
    barbell = np.load(folder / "barbell.npz")["edges"]
    role = np.r_[[0] * 9, 1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1, [0] * 9]
    return {
        "karate": dict(A=to_adjacency(karate)[0], pairs=pairs, orbit=orbits(G)),
        "barbell": dict(A=to_adjacency(barbell)[0], role=role),
    }


def orbits(G):
    """Orbit label of every node under the automorphisms of ``G`` (nodes 0..n-1):
    candidates from colour refinement, each confirmed by VF2 with the two
    nodes marked."""
    import networkx as nx

    n = G.number_of_nodes()
    colour = nx.weisfeiler_lehman_subgraph_hashes(G, iterations=n)
    final = {u: colour[u][-1] for u in G}
    label = -np.ones(n, dtype=int)
    for u in range(n):
        if label[u] >= 0:
            continue
        label[u] = u
        for v in range(u + 1, n):
            if label[v] >= 0 or final[v] != final[u]:
                continue
            G1, G2 = G.copy(), G.copy()
            nx.set_node_attributes(G1, {x: x == u for x in G1}, "mark")
            nx.set_node_attributes(G2, {x: x == v for x in G2}, "mark")
            match = nx.isomorphism.GraphMatcher(
                G1, G2, node_match=lambda a, b: a["mark"] == b["mark"])
            if match.is_isomorphic():
                label[v] = u
    return label


def _nearest(X):
    from sklearn.preprocessing import normalize

    Z = normalize(X)
    S = Z @ Z.T
    np.fill_diagonal(S, -np.inf)
    return S.argmax(axis=1)


def make_toy_estimator(method, n_nodes, seed):
    from skdeep.graph import Node2VecEmbedder, Struc2VecEmbedder

    if method == "struc2vec":
        return Struc2VecEmbedder(sample=0.0, backend="numba", random_state=seed)
    if method == "struc2vec_plain":
        return Struc2VecEmbedder(compress=False, n_candidates=n_nodes - 1,
                                 n_layers=n_nodes, sample=0.0, backend="numba",
                                 random_state=seed)
    if method == "node2vec":
        return Node2VecEmbedder(sample=0.0, backend="numba", random_state=seed)
    from skdeep_karateclub import KarateClubRole2Vec

    return KarateClubRole2Vec(random_state=seed)


def toy_scores(graph, data, X):
    from sklearn.metrics import silhouette_score

    nearest = _nearest(X)
    if graph == "karate":
        u, v = data["pairs"].T
        orbit = data["orbit"]
        return {"mutual_nn": float(np.mean((nearest[u] == v) & (nearest[v] == u))),
                "nn_equivalent": float(np.mean(orbit[nearest] == orbit))}
    role = data["role"]
    return {"nn_same_role": float(np.mean(role[nearest] == role)),
            "silhouette": float(silhouette_score(X, role, metric="cosine"))}


def run_toy(args, store):
    toys = load_toys()
    for method in METHODS:  # compile / load numba's cache, untimed
        make_toy_estimator(method, 30, 0).fit(toys["barbell"]["A"])
    for graph, data in toys.items():
        for method in METHODS:
            for seed in _seeds(args.seeds):
                if store.get(graph=graph, method=method, seed=seed):
                    continue
                est = make_toy_estimator(method, data["A"].shape[0], seed)
                start = time.perf_counter()
                X = est.fit_transform(data["A"])
                seconds = time.perf_counter() - start
                r = store.add(dict(graph=graph, method=method, seed=seed,
                                   fit_s=seconds, **toy_scores(graph, data, X)))
                print({k: r[k] for k in ("graph", "method", "seed", "fit_s")},
                      flush=True)
    return table_toy(args, store)


def table_toy(args, store):
    seeds = _seeds(args.seeds)
    lines = _header("Toy graphs: structural equivalence")
    lines += store.provenance(store.records)
    columns = {"karate": [("mutual_nn", "karate: mirrored pairs mutual NN"),
                          ("nn_equivalent", "karate: NN structurally equivalent")],
               "barbell": [("nn_same_role", "barbell: NN same role"),
                           ("silhouette", "barbell: role silhouette (cosine)")]}
    rows = []
    for method in METHODS:
        row = [LABELS[method]]
        times = []
        for graph, cols in columns.items():
            records = [store.get(graph=graph, method=method, seed=s) for s in seeds]
            records = [r for r in records if r]
            times += [r["fit_s"] for r in records]
            row += [mean_std([r[key] for r in records], 3) for key, _ in cols]
        row.append(mean_std(times, 2))
        rows.append(row)
    headers = ["method"] + [label for cols in columns.values() for _, label in cols]
    lines += [markdown_table(headers + ["fit s (both graphs, per fit)"], rows), "",
              f"Seeds {seeds[0]}-{seeds[-1]}; mean ± std over seeds. A random "
              "nearest neighbour would be a node's mirror with probability "
              "1/67, and have its role with probability 0.37 on the barbell "
              "(18 clique nodes, six pairs)."]
    return "\n".join(lines)


# --------------------------------------------------------------------- scale


def make_graph(family, n):
    import networkx as nx

    if family == "ba":
        G = nx.barabasi_albert_graph(n, 3, seed=0)
    else:
        G = nx.fast_gnp_random_graph(n, 6 / (n - 1), seed=0)
    return np.array(G.edges(), dtype=np.int64).reshape(-1, 2)


def scale_probe(args):
    """Child process: one fit on the edge list in ``--edges``, prints JSON."""
    import scipy.sparse as sp

    from skdeep.graph import Struc2VecEmbedder
    from skdeep.graph._embedders import _train_skipgram
    from skdeep.graph._struc2vec import (
        candidate_pairs,
        context_graph,
        default_n_candidates,
        struc2vec_walks,
        structure,
    )

    setting, n = args.scale_probe.split(":")
    n = int(n)
    edges = np.load(args.edges)
    A = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])),
                      shape=(n, n)).tocsr()
    A = A + A.T
    # the estimator's own steps, in its order, with its parameters
    est = Struc2VecEmbedder(SCALE_DIMENSIONS, backend="numba", random_state=0,
                            n_jobs=1, **SETTINGS[setting])
    seed = int(np.random.RandomState(0).randint(np.iinfo(np.int32).max))
    # compile (or load from numba's cache) outside the timings
    warm = sp.csr_matrix(np.ones((4, 4)) - np.eye(4))
    Struc2VecEmbedder(4, walk_length=5, n_walks=1, backend="numba",
                      random_state=0).fit(warm)
    before = rss_mb()
    t0 = time.perf_counter()
    context = context_graph(A, n_layers=est.n_layers, n_candidates=est.n_candidates,
                            compress=est.compress, seed=seed, n_jobs=1)
    t1 = time.perf_counter()
    walks = struc2vec_walks(context, n_walks=est.n_walks, walk_length=est.walk_length,
                            stay_probability=est.stay_probability,
                            random_state=seed, n_jobs=1)
    t2 = time.perf_counter()
    emb = _train_skipgram(walks, n, est._skipgram_params(window=est.window), seed,
                          est.workers)
    t3 = time.perf_counter()
    peak = peak_rss_mb()
    pairs = len(candidate_pairs(np.diff(structure(A).indptr),
                                est.n_candidates or default_n_candidates(n), seed))
    r = dict(n=n, edges=int(len(edges)), n_layers=int(context.n_layers),
             pairs=int(pairs), context_s=t1 - t0, walks_s=t2 - t1,
             skipgram_s=t3 - t2, fit_s=t3 - t0, peak_mb=peak,
             growth_mb=peak - before, finite=bool(np.isfinite(emb).all()))
    print("PROBE " + json.dumps(r))


def run_scale(args, store):
    families = args.families.split(",")
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    env = {**os.environ, **ONE_THREAD}
    for (family, setting), cell_sizes in SCALE_CELLS.items():
        if family not in families:
            continue
        for n in cell_sizes:
            if n not in sizes or store.get(family=family, setting=setting, n=n):
                continue
            with tempfile.TemporaryDirectory(prefix="s2v-bench-") as tmp:
                path = os.path.join(tmp, "edges.npy")
                np.save(path, make_graph(family, n))
                out = subprocess.run(
                    [sys.executable, __file__, "--scale-probe", f"{setting}:{n}",
                     "--edges", path], env=env, capture_output=True, text=True,
                    check=True)
            line = [ln for ln in out.stdout.splitlines() if ln.startswith("PROBE ")]
            r = store.add(dict(family=family, setting=setting,
                               **json.loads(line[-1][6:])))
            print({k: r[k] for k in ("family", "setting", "n", "fit_s", "peak_mb")},
                  flush=True)
    return table_scale(store)


def _exponent(ns, ts):
    return f"{np.polyfit(np.log(ns), np.log(ts), 1)[0]:.2f}"


def table_scale(store):
    lines = _header("Scale: fit time and memory against the number of nodes")
    lines += store.provenance(store.records)
    rows, fits = [], []
    names = {"ba": "Barabasi-Albert m=3", "er": "Erdos-Renyi mean degree 6"}
    for (family, setting), sizes in SCALE_CELLS.items():
        records = [r for n in sizes
                   if (r := store.get(family=family, setting=setting, n=n))]
        for r in records:
            rows.append([names[family], setting, f"{r['n']:,}", f"{r['edges']:,}",
                         r["n_layers"], f"{r['pairs']:,}", f"{r['context_s']:.1f}",
                         f"{r['walks_s']:.1f}", f"{r['skipgram_s']:.1f}",
                         f"{r['fit_s']:.1f}", f"{r['peak_mb']:.0f}",
                         f"{r['growth_mb']:.0f}"])
        for low in (0, 10000):
            part = [r for r in records if r["n"] >= low]
            if len(part) < 2:
                continue
            ns = [r["n"] for r in part]
            fits.append([names[family], setting, f"{ns[0]:,}-{ns[-1]:,}",
                         _exponent(ns, [r["fit_s"] for r in part]),
                         _exponent(ns, [r["context_s"] for r in part]),
                         _exponent(ns, [r["growth_mb"] for r in part])])
    lines += [markdown_table(
        ["graph", "setting", "nodes", "edges", "layers", "pairs (OPT2)",
         "context graph s", "walks s", "skip-gram s", "fit s", "peak RSS MB",
         "fit RSS growth MB"], rows), "",
        "Growth exponents b (time ~ n^b, least squares on log-log over the "
        "sizes run; 1 is linear, 2 quadratic):", "",
        markdown_table(["graph", "setting", "nodes", "b, fit time",
                        "b, context graph time", "b, fit RSS growth"], fits)]
    return "\n".join(lines)


RUNNERS = {"toy": run_toy, "scale": run_scale}
TABLES = {"toy": table_toy, "scale": lambda args, store: table_scale(store)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=[*PARTS, "all"], default="all")
    ap.add_argument("--seeds", default="0-4")
    ap.add_argument("--families", default="ba,er")
    ap.add_argument("--sizes", default="1e3,3e3,1e4,3e4,1e5")
    ap.add_argument("--out-dir", default=None)
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--scale-probe", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--edges", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.scale_probe:
        return scale_probe(args)
    import torch

    torch.set_num_threads(1)
    out_dir = Path(args.out_dir) if args.out_dir else OUT_DIR
    for part in PARTS if args.part == "all" else (args.part,):
        store = Store(out_dir, part, CONFIGS[part], _command())
        if args.table_only:
            body = TABLES[part](args, store)
        else:
            body = RUNNERS[part](args, store)
        write_parts(RESULT_FILE, "struc2vec: structural identity and scale",
                    "Produced by `benchmarks/struc2vec.py` (see its docstring for "
                    "the protocol).", {part: body}, PARTS)


if __name__ == "__main__":
    main()
