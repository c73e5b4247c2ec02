r"""Splitter: node classification, link prediction, persona-graph speed, scale.

Parts, each run on its own with ``--part NAME``; results merge into
``benchmarks/results/splitter.md``, cells are JSON lines in
``benchmarks/splitter_runs/`` (skipped when already there, so runs resume and
``--table-only`` rebuilds the tables). The protocol below was written before
any reported run. Data: ``../shared/data`` (``SKDEEP_SHARED_DATA``
overrides): Cora (Planetoid split), BlogCatalog, PPI (node2vec's), loaded
with ``benchmarks/graph_embeddings.py``'s loaders; the other graphs are
generated. No network. Everything runs on one thread (``OMP_NUM_THREADS=1``,
``NUMBA_NUM_THREADS=1``, ``n_jobs=1``, ``workers=1``): timings are of a shared
2-core machine on which other jobs ran (the load average is recorded with
every cell), compare within a table.

Defaults. ``SplitterEmbedder``'s defaults (128 dimensions, 10 walks of 40
nodes, window 5, 1 epoch, 5 negatives, ``regularization=0.1``,
``sample=1e-3``) are the reference implementations' values (Google's
``graph_embedding/persona`` and benedekrozemberczki/Splitter: lambda 0.1,
walk length 40, window 5), checked on CiteSeer, which no table reports:
Planetoid validation accuracy (C in [0.01, 0.1, 1, 10] chosen on it, seeds
0 and 1) 0.496 with lambda 0, 0.491 with lambda 0.1, 0.396 with lambda 1
(1 epoch); 0.486 with lambda 0.1 and 3 epochs, 0.455 with lambda 0.01 and 3
epochs; DeepWalk's base embedding 0.51.

``quality`` (node classification, the graph_embeddings.py protocol)
    Methods: ``splitter`` (``SplitterEmbedder`` defaults, node-level rows:
    the mean of each node's personas), ``splitter base`` (the same fit's
    ``base_embedding_``, i.e. DeepWalk with Splitter's walk settings) and
    ``node2vec`` (``Node2VecEmbedder`` defaults, p = q = 1: 10 walks of 80,
    window 10, numba backend; no (p, q) search). Cora: structure only,
    Planetoid split, logistic regression on the 140 training nodes for every
    C in [0.01, 0.1, 1, 10], C chosen on the 500 validation nodes, accuracy on
    the 1,000 test nodes; embedding seeds 0, 1, 2; mean ± std over seeds.
    BlogCatalog: one embedding (seed 0), 10 random 50/50 splits (seed 0) as in
    graph_embeddings.py, one-vs-rest logistic regression C=1 on standardized
    rows, top-k labels, Macro- and Micro-F1 on the test half; mean ± std over
    splits. Fit times are reported.

``linkpred`` (the paper's task, a simplified ego-net-persona protocol)
    PPI and Cora. 20% of the edges (seeded, 0) are held out; the embedders
    are fitted on the remaining graph; as many node pairs that are not edges
    of the full graph are drawn (seed 0). Score of a pair (u, v): for
    ``splitter``, the largest dot product between a persona of u and a
    persona of v (the paper's persona-aware scoring); for ``splitter mean``
    the dot product of the node-level rows; for ``splitter base`` and
    ``node2vec`` the dot product of node rows. Reported: ROC AUC of held-out
    edges against non-edges, embedding seeds 0 and 1, mean ± std.

``construction`` (persona-graph speed and memory against karateclub)
    karateclub's ``EgoNetSplitter`` builds the same ego-net persona graph
    (connected components of each ego-net without the ego) before running
    Louvain on it; its ``fit`` adds a self-loop to every node first, which
    puts the ego into its own ego-net (one persona per node), so the
    comparison calls its three construction steps (``_create_egonets``,
    ``_map_personalities``, ``_create_persona_graph``) on the networkx graph
    without self-loops: the construction the Splitter paper describes. skdeep:
    ``skdeep.graph._splitter.persona_graph`` on the CSR adjacency. Each
    (library, graph) is one process that builds its input (networkx graph or
    CSR) untimed, warms up (numba's cache) on a 4-node graph, then times the
    construction; peak RSS is the process's lifetime peak, "growth" the peak
    minus the resident memory just before the construction. Both must give
    the same numbers of personas and persona edges (checked). Graphs: Cora,
    PPI, BlogCatalog and a 100,000-node Barabasi-Albert graph (m = 3,
    networkx, seed 0). One run per cell. Times: the process's CPU time
    (``time.process_time``, the comparison) and the wall time.

    Protocol 2 (this one) replaced protocol 1 (wall time only) after its
    first run, whose skdeep cells ran on an earlier kernel (binary search on
    both sides of each neighbour pair; 7.6 s wall on BlogCatalog, against
    255 s for karateclub, at a load average near 8); its records stay in
    ``splitter_runs/construction.jsonl`` under ``"protocol": 1``.

``scale`` (growth of the full fit)
    ``SplitterEmbedder`` with its defaults except ``dimensions=32`` (skip-gram's
    cost per token does not depend on the graph; 32 dimensions keep the part
    within its CPU budget), on Barabasi-Albert graphs (m = 3, networkx, seed
    0) of 1,000, 3,000, 10,000, 30,000 and 100,000 nodes. Each size is one
    process, which warms up on a 4-node graph, then runs the estimator's steps
    in order, timed apart: the base embedding (walks and skip-gram), the
    persona graph, the persona walks, the persona skip-gram; and the fit's
    CPU time. Reported per size, with the exponent b of a least-squares fit
    of log(time) = a + b log(n) for the fit's CPU time and for the persona
    graph.

    Run note: a first attempt at the 100,000-node cell, in a second process
    beside the 10,000 and 30,000 cells, was stopped after about 4 minutes
    (it would not have finished in time beside them); the cell in the table
    is the main run's, started after the 30,000 cell, when the machine's load
    had dropped (about 1-2 against 5-7 for the smaller cells).
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

PARTS = ("quality", "linkpred", "construction", "scale")
OUT_DIR = Path(__file__).resolve().parent / "splitter_runs"
RESULT_FILE = RESULTS / "splitter.md"
CONFIGS = {"quality": {"protocol": 1}, "linkpred": {"protocol": 1},
           "construction": {"protocol": 2}, "scale": {"protocol": 2, "dimensions": 32}}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
QUALITY_C = [0.01, 0.1, 1.0, 10.0]
BLOG_SPLITS = 10
CORA_SEEDS = (0, 1, 2)
LINK_SEEDS = (0, 1)
LINK_FRACTION = 0.2
CONSTRUCTION_GRAPHS = ("cora", "ppi", "blogcatalog", "ba100k")
SCALE_SIZES = (1000, 3000, 10000, 30000, 100000)
LABELS = {"splitter": "Splitter (skdeep, persona mean)",
          "splitter_personas": "Splitter (skdeep, best persona pair)",
          "splitter_mean": "Splitter (skdeep, persona mean)",
          "splitter_base": "Splitter's base = DeepWalk, walk 40, window 5 (skdeep)",
          "node2vec": "node2vec p=q=1, defaults (skdeep, numba)"}


def _command():
    return "python benchmarks/splitter.py " + " ".join(sys.argv[1:])


def _header(title):
    return [
        f"## {title}", "",
        f"Command: `{_command()}`", "",
        f"Machine: {machine()}; load average at the start {load_average()} (shared "
        "machine, other jobs running: compare timings within a table).", "",
    ]


def _ge():
    """benchmarks/graph_embeddings.py's loaders and scoring, on the shared data."""
    os.environ.setdefault("SKDEEP_SHARED_DATA", str(shared_data()))
    import graph_embeddings as ge

    ge.DATA = shared_data()
    return ge


def load_ppi():
    """node2vec's PPI graph, symmetric, unweighted, self-loops dropped."""
    import scipy.sparse as sp

    z = np.load(shared_data() / "ppi" / "ppi.npz")
    n, E = int(z["n_nodes"]), z["edges"]
    E = E[E[:, 0] != E[:, 1]]
    w = np.ones(len(E))
    A = sp.coo_matrix((np.r_[w, w], (np.r_[E[:, 0], E[:, 1]], np.r_[E[:, 1], E[:, 0]])),
                      shape=(n, n)).tocsr()
    A.data[:] = 1.0
    return A


def _fit(method, A, seed):
    from skdeep.graph import Node2VecEmbedder
    from skdeep.graph._splitter import SplitterEmbedder

    if method == "node2vec":
        est = Node2VecEmbedder(backend="numba", n_jobs=1, workers=1, random_state=seed)
    else:
        est = SplitterEmbedder(n_jobs=1, workers=1, random_state=seed)
    start = time.perf_counter()
    est.fit(A)
    return est, time.perf_counter() - start


def _warm():
    import scipy.sparse as sp

    from skdeep.graph import Node2VecEmbedder
    from skdeep.graph._splitter import SplitterEmbedder

    warm = sp.csr_matrix(np.ones((4, 4)) - np.eye(4))
    SplitterEmbedder(4, walk_length=5, n_walks=1, random_state=0).fit(warm)
    Node2VecEmbedder(4, walk_length=5, n_walks=1, backend="numba",
                     random_state=0).fit(warm)


# ------------------------------------------------------------------- quality


def run_quality(args, store):
    from sklearn.linear_model import LogisticRegression

    ge = _ge()
    _warm()
    A, y, tr, va, te = ge.load_planetoid("cora")
    for method in ("splitter", "node2vec"):
        for seed in CORA_SEEDS:
            if store.get(graph="cora", method=method, seed=seed):
                continue
            est, seconds = _fit(method, A, seed)
            embeddings = {method: est.embedding_}
            if method == "splitter":
                embeddings["splitter_base"] = est.base_embedding_
            for name, emb in embeddings.items():
                val, test = [], []
                for C in QUALITY_C:
                    clf = LogisticRegression(C=C, max_iter=2000).fit(emb[tr], y[tr])
                    val.append(clf.score(emb[va], y[va]))
                    test.append(clf.score(emb[te], y[te]))
                best = int(np.argmax(val))
                r = store.add(dict(graph="cora", method=name, seed=seed, fit_s=seconds,
                                   C=QUALITY_C[best], val=val[best], test=test[best]))
                print({k: r[k] for k in ("graph", "method", "seed", "fit_s", "test")},
                      flush=True)
    A, Y = ge.load_blogcatalog()
    for method in ("splitter", "node2vec"):
        if store.get(graph="blogcatalog", method=method, seed=0):
            continue
        est, seconds = _fit(method, A, 0)
        embeddings = {method: est.embedding_}
        if method == "splitter":
            embeddings["splitter_base"] = est.base_embedding_
            personas = int(est.persona_embedding_.shape[0])
        for name, emb in embeddings.items():
            scores = [ge.topk_f1(emb, Y, train, test, 1.0)
                      for train, test, _ in ge.splits(A.shape[0], BLOG_SPLITS)]
            r = store.add(dict(graph="blogcatalog", method=name, seed=0,
                               fit_s=seconds, macro=[s[0] for s in scores],
                               micro=[s[1] for s in scores],
                               personas=personas if method == "splitter" else None))
            print({k: r[k] for k in ("graph", "method", "fit_s")},
                  np.mean(r["macro"]), flush=True)
    return table_quality(store)


def table_quality(store):
    lines = _header("Node classification: Cora and BlogCatalog")
    lines += store.provenance(store.records)
    rows = []
    for method in ("splitter", "splitter_base", "node2vec"):
        cora = [r for s in CORA_SEEDS
                if (r := store.get(graph="cora", method=method, seed=s))]
        blog = store.get(graph="blogcatalog", method=method, seed=0)
        rows.append([
            LABELS[method],
            mean_std([r["test"] for r in cora], 3),
            mean_std([r["fit_s"] for r in cora], 1),
            mean_std(blog["macro"], 4) if blog else "—",
            mean_std(blog["micro"], 4) if blog else "—",
            f"{blog['fit_s']:.0f}" if blog else "—",
        ])
    lines += [markdown_table(
        ["method", "Cora test accuracy", "Cora fit s", "BlogCatalog Macro-F1",
         "BlogCatalog Micro-F1", "BlogCatalog fit s"], rows), "",
        "Cora: mean ± std over embedding seeds 0-2 (C chosen on the validation "
        "nodes). BlogCatalog: one embedding, mean ± std over 10 splits. The "
        "Splitter rows' fit time includes its base DeepWalk; the base row is "
        "the same fit."]
    blog = store.get(graph="blogcatalog", method="splitter", seed=0)
    if blog and blog.get("personas"):
        lines += ["", f"BlogCatalog: {blog['personas']:,} personas for 10,312 nodes."]
    return "\n".join(lines)


# ------------------------------------------------------------------ linkpred


def _held_out(A, seed):
    import scipy.sparse as sp

    rng = np.random.RandomState(seed)
    upper = sp.triu(A, 1).tocoo()
    held = rng.rand(upper.nnz) < LINK_FRACTION
    keep = ~held
    n = A.shape[0]
    train = sp.coo_matrix((np.ones(keep.sum()), (upper.row[keep], upper.col[keep])),
                          shape=(n, n))
    train = (train + train.T).tocsr()
    positives = np.c_[upper.row[held], upper.col[held]]
    full = set(zip(upper.row.tolist(), upper.col.tolist()))
    negatives = []
    while len(negatives) < len(positives):
        u, v = sorted(rng.randint(0, n, 2).tolist())
        if u != v and (u, v) not in full:
            negatives.append((u, v))
    return train, positives, np.array(negatives)


def persona_pair_scores(est, pairs):
    """The largest dot product between a persona of u and a persona of v."""
    P, ptr = est.persona_embedding_, est.persona_indptr_
    out = np.empty(len(pairs))
    for i, (u, v) in enumerate(pairs):
        out[i] = (P[ptr[u]:ptr[u + 1]] @ P[ptr[v]:ptr[v + 1]].T).max()
    return out


def run_linkpred(args, store):
    from sklearn.metrics import roc_auc_score

    ge = _ge()
    _warm()
    graphs = {"ppi": load_ppi(), "cora": ge.load_planetoid("cora")[0]}
    for graph, A in graphs.items():
        train, pos, neg = _held_out(A, 0)
        labels = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        pairs = np.r_[pos, neg]
        for method in ("splitter", "node2vec"):
            for seed in LINK_SEEDS:
                if store.get(graph=graph, method=method, seed=seed):
                    continue
                est, seconds = _fit(method, train, seed)
                scores = {}
                if method == "splitter":
                    scores["splitter_personas"] = persona_pair_scores(est, pairs)
                    scores["splitter_mean"] = est.embedding_
                    scores["splitter_base"] = est.base_embedding_
                else:
                    scores["node2vec"] = est.embedding_
                for name, s in scores.items():
                    if s.ndim == 2:
                        s = (s[pairs[:, 0]] * s[pairs[:, 1]]).sum(1)
                    r = store.add(dict(graph=graph, method=name, seed=seed,
                                       fit_s=seconds, auc=roc_auc_score(labels, s),
                                       held_out=int(len(pos))))
                    print({k: r[k] for k in ("graph", "method", "seed", "auc")},
                          flush=True)
    return table_linkpred(store)


def table_linkpred(store):
    lines = _header("Link prediction: held-out edges (PPI, Cora)")
    lines += store.provenance(store.records)
    rows = []
    for method in ("splitter_personas", "splitter_mean", "splitter_base", "node2vec"):
        row = [LABELS[method]]
        for graph in ("ppi", "cora"):
            records = [r for s in LINK_SEEDS
                       if (r := store.get(graph=graph, method=method, seed=s))]
            row += [mean_std([r["auc"] for r in records], 4),
                    mean_std([r["fit_s"] for r in records], 1)]
        rows.append(row)
    lines += [markdown_table(["method", "PPI ROC AUC", "PPI fit s", "Cora ROC AUC",
                              "Cora fit s"], rows), "",
              f"{int(LINK_FRACTION * 100)}% of the edges held out (seed 0), as many "
              "non-edges; mean ± std over embedding seeds 0 and 1. The three "
              "Splitter rows are the same fits scored three ways."]
    return "\n".join(lines)


# -------------------------------------------------------------- construction


def _construction_graph(name):
    """The graph's edge list (u < v, no self-loops) and its number of nodes."""
    import scipy.sparse as sp

    if name == "ba100k":
        import networkx as nx

        G = nx.barabasi_albert_graph(100_000, 3, seed=0)
        edges = np.array(G.edges(), dtype=np.int64)
        n = 100_000
    else:
        ge = _ge()
        A = {"cora": lambda: ge.load_planetoid("cora")[0],
             "ppi": load_ppi,
             "blogcatalog": lambda: ge.load_blogcatalog()[0]}[name]()
        upper = sp.triu(A, 1).tocoo()
        edges = np.c_[upper.row, upper.col].astype(np.int64)
        n = A.shape[0]
    return edges, n


def construction_probe(args):
    """Child process: one persona-graph construction, prints JSON."""
    library, name = args.construction_probe.split(":")
    edges = np.load(args.edges)
    n = int(args.n_nodes)
    if library == "skdeep":
        import scipy.sparse as sp

        from skdeep.graph._splitter import persona_graph

        persona_graph(sp.csr_matrix(np.ones((4, 4)) - np.eye(4)))  # numba cache
        A = sp.coo_matrix((np.ones(len(edges)), edges.T), shape=(n, n)).tocsr()
        before = rss_mb()
        start, cpu = time.perf_counter(), time.process_time()
        P = persona_graph(A, n_jobs=1)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        personas, persona_edges = P.graph.shape[0], P.graph.nnz // 2
        isolated = int((np.diff(A.indptr) + np.diff(A.tocsc().indptr) == 0).sum())
        personas -= isolated  # karateclub gives isolated nodes no persona
    else:
        import networkx as nx
        from karateclub import EgoNetSplitter

        G = nx.Graph()
        G.add_nodes_from(range(n))
        G.add_edges_from(edges.tolist())
        splitter = EgoNetSplitter()
        splitter.graph, splitter.weight = G, None
        before = rss_mb()
        start, cpu = time.perf_counter(), time.process_time()
        splitter._create_egonets()
        splitter._map_personalities()
        splitter._create_persona_graph()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        personas = len(splitter.personality_map)
        persona_edges = splitter.persona_graph.number_of_edges()
    peak = peak_rss_mb()
    print("PROBE " + json.dumps(dict(
        seconds=seconds, cpu_s=cpu, personas=int(personas),
        persona_edges=int(persona_edges),
        peak_mb=peak, growth_mb=peak - before, edges=int(len(edges)), n=n)))


def run_construction(args, store):
    env = {**os.environ, **ONE_THREAD}
    for name in CONSTRUCTION_GRAPHS:
        if all(store.get(graph=name, library=lib) for lib in ("skdeep", "karateclub")):
            continue
        edges, n = _construction_graph(name)
        with tempfile.TemporaryDirectory(prefix="splitter-bench-") as tmp:
            path = os.path.join(tmp, "edges.npy")
            np.save(path, edges)
            for library in ("skdeep", "karateclub"):
                if store.get(graph=name, library=library):
                    continue
                out = subprocess.run(
                    [sys.executable, __file__, "--construction-probe",
                     f"{library}:{name}", "--edges", path, "--n-nodes", str(n)],
                    env=env, capture_output=True, text=True, check=True)
                line = [ln for ln in out.stdout.splitlines() if ln.startswith("PROBE ")]
                r = store.add(dict(graph=name, library=library,
                                   **json.loads(line[-1][6:])))
                print({k: r[k] for k in ("graph", "library", "seconds", "personas")},
                      flush=True)
    return table_construction(store)


def table_construction(store):
    lines = _header("Persona-graph construction: skdeep against karateclub")
    lines += store.provenance(store.records)
    names = {"cora": "Cora", "ppi": "PPI", "blogcatalog": "BlogCatalog",
             "ba100k": "Barabasi-Albert 100k, m=3"}
    rows = []
    for name in CONSTRUCTION_GRAPHS:
        s = store.get(graph=name, library="skdeep")
        k = store.get(graph=name, library="karateclub")
        if not (s and k):
            continue
        same = (s["personas"], s["persona_edges"]) == (k["personas"],
                                                        k["persona_edges"])
        rows.append([names[name], f"{s['n']:,}", f"{s['edges']:,}",
                     f"{s['personas']:,}", f"{s['persona_edges']:,}",
                     "yes" if same else "NO",
                     f"{s['cpu_s']:.3f}", f"{k['cpu_s']:.2f}",
                     f"{k['cpu_s'] / s['cpu_s']:.0f}x",
                     f"{s['seconds']:.3f}", f"{k['seconds']:.2f}",
                     f"{s['growth_mb']:.0f}", f"{k['growth_mb']:.0f}",
                     f"{s['peak_mb']:.0f}", f"{k['peak_mb']:.0f}", s["load"]])
    lines += [markdown_table(
        ["graph", "nodes", "edges", "personas", "persona edges", "same as karateclub",
         "skdeep CPU s", "karateclub CPU s", "speed-up (CPU)", "skdeep wall s",
         "karateclub wall s", "skdeep growth MB",
         "karateclub growth MB", "skdeep peak MB", "karateclub peak MB",
         "load (1, 5, 15 min)"], rows), "",
        "One thread each. CPU s is the process's CPU time over the construction "
        "(``time.process_time``), robust to the other jobs on the machine; wall s "
        "is elapsed time. Personas exclude isolated nodes (skdeep gives each one "
        "persona, karateclub none). Growth: peak RSS minus RSS before the "
        "construction (the input graph, CSR or networkx, is built before)."]
    return "\n".join(lines)


# --------------------------------------------------------------------- scale


def scale_probe(args):
    """Child process: one fit on the BA graph in ``--edges``, prints JSON."""
    import scipy.sparse as sp

    from skdeep.graph._embedders import _skipgram_embedding
    from skdeep.graph._sgns import sgns_embedding
    from skdeep.graph._splitter import SplitterEmbedder, persona_graph, undirected
    from skdeep.graph._walks import CSRGraph, random_walks

    n = int(args.n_nodes)
    edges = np.load(args.edges)
    A = sp.coo_matrix((np.ones(len(edges)), edges.T), shape=(n, n)).tocsr()
    A = A + A.T
    _warm()
    from joblib import Memory

    est = SplitterEmbedder(32, n_jobs=1, workers=1, random_state=0)
    seed = int(np.random.RandomState(0).randint(np.iinfo(np.int32).max))
    walk_params = dict(weighted=est.weighted, n_walks=est.n_walks,
                       walk_length=est.walk_length, p=1.0, q=1.0, seed=seed)
    sg = dict(dimensions=est.dimensions, window=est.window, epochs=est.epochs,
              negative=est.negative, lr=est.lr, sample=est.sample)
    before = rss_mb()
    cpu = time.process_time()
    t0 = time.perf_counter()
    S = undirected(A)
    base = _skipgram_embedding(S, walk_params, {**sg, "backend": "numba"}, 1, 1,
                               Memory(None, verbose=0))
    t1 = time.perf_counter()
    personas = persona_graph(S, n_jobs=1)
    t2 = time.perf_counter()
    walks = random_walks(CSRGraph(personas.graph, weighted=est.weighted),
                         n_walks=est.n_walks, walk_length=est.walk_length,
                         random_state=seed + 1, n_jobs=1)
    t3 = time.perf_counter()
    owner = personas.persona_to_node
    emb = sgns_embedding([walks], owner.shape[0], **sg, workers=1, seed=seed + 1,
                         initial=base[owner], anchor=base, owner=owner,
                         anchor_weight=est.regularization)
    t4 = time.perf_counter()
    peak = peak_rss_mb()
    print("PROBE " + json.dumps(dict(
        n=n, edges=int(len(edges)), personas=int(owner.shape[0]), base_s=t1 - t0,
        persona_graph_s=t2 - t1, walks_s=t3 - t2, skipgram_s=t4 - t3,
        fit_s=t4 - t0, fit_cpu_s=time.process_time() - cpu, peak_mb=peak,
        growth_mb=peak - before,
        finite=bool(np.isfinite(emb).all()))))


def run_scale(args, store):
    import networkx as nx

    env = {**os.environ, **ONE_THREAD}
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    for n in SCALE_SIZES:
        if n not in sizes or store.get(n=n):
            continue
        edges = np.array(nx.barabasi_albert_graph(n, 3, seed=0).edges(), dtype=np.int64)
        with tempfile.TemporaryDirectory(prefix="splitter-bench-") as tmp:
            path = os.path.join(tmp, "edges.npy")
            np.save(path, edges)
            out = subprocess.run(
                [sys.executable, __file__, "--scale-probe", "--edges", path,
                 "--n-nodes", str(n)], env=env, capture_output=True, text=True,
                check=True)
        line = [ln for ln in out.stdout.splitlines() if ln.startswith("PROBE ")]
        r = store.add(json.loads(line[-1][6:]))
        print({k: r[k] for k in ("n", "fit_s", "peak_mb", "load")}, flush=True)
    return table_scale(store)


def _exponent(ns, ts):
    return f"{np.polyfit(np.log(ns), np.log(ts), 1)[0]:.2f}"


def table_scale(store):
    lines = _header("Scale: full fit on Barabasi-Albert graphs (m = 3), 32 dimensions")
    lines += store.provenance(store.records)
    records = [r for n in SCALE_SIZES if (r := store.get(n=n))]
    rows = [[f"{r['n']:,}", f"{r['edges']:,}", f"{r['personas']:,}",
             f"{r['base_s']:.1f}", f"{r['persona_graph_s']:.2f}", f"{r['walks_s']:.1f}",
             f"{r['skipgram_s']:.1f}", f"{r['fit_s']:.1f}", f"{r['fit_cpu_s']:.1f}",
             f"{r['peak_mb']:.0f}",
             f"{r['growth_mb']:.0f}", r["load"]] for r in records]
    lines += [markdown_table(
        ["nodes", "edges", "personas", "base DeepWalk s", "persona graph s",
         "persona walks s", "persona skip-gram s", "fit s", "fit CPU s",
         "peak RSS MB",
         "fit RSS growth MB", "load (1, 5, 15 min)"], rows)]
    if len(records) >= 2:
        ns = [r["n"] for r in records]
        lines += ["", "Growth exponents b (time ~ n^b, least squares on log-log; "
                  "1 is linear): fit CPU time "
                  + _exponent(ns, [r["fit_cpu_s"] for r in records])
                  + ", persona graph "
                  + _exponent(ns, [r["persona_graph_s"] for r in records]) + "."]
    return "\n".join(lines)


RUNNERS = {"quality": run_quality, "linkpred": run_linkpred,
           "construction": run_construction, "scale": run_scale}
TABLES = {"quality": table_quality, "linkpred": table_linkpred,
          "construction": table_construction, "scale": table_scale}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=[*PARTS, "all"], default="all")
    ap.add_argument("--sizes", default="1e3,3e3,1e4,3e4,1e5")
    ap.add_argument("--out-dir", default=None)
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--construction-probe", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--scale-probe", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--edges", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n-nodes", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.construction_probe:
        return construction_probe(args)
    if args.scale_probe:
        return scale_probe(args)
    import torch

    torch.set_num_threads(1)
    out_dir = Path(args.out_dir) if args.out_dir else OUT_DIR
    for part in PARTS if args.part == "all" else (args.part,):
        store = Store(out_dir, part, CONFIGS[part], _command())
        if args.table_only:
            body = TABLES[part](store)
        else:
            body = RUNNERS[part](args, store)
        write_parts(RESULT_FILE, "Splitter: persona embeddings, quality and scale",
                    "Produced by `benchmarks/splitter.py` (see its docstring for "
                    "the protocol).", {part: body}, PARTS)


if __name__ == "__main__":
    main()
