r"""Role classification: struc2vec, node2vec and Role2Vec on synthetic role graphs.

Run by hand (no network), results merge into ``benchmarks/results/roles.md``,
cells are JSON lines in ``benchmarks/roles_runs/`` (skipped when already
there, so runs resume and ``--table-only`` rebuilds the tables). The protocol
below was written before any run; no method is tuned on these graphs (the
struc2vec defaults were set earlier on other data, node2vec's and
Role2Vec's are their libraries' own).

Part ``synthetic``: GraphWave-style graphs with roles known by construction
--------------------------------------------------------------------------

Graphs (Donnat et al., "Learning Structural Node Embeddings via Diffusion
Wavelets", KDD 2018, section 4.1: a "basis" with small motifs attached), each
generated from a seed:

* ``houses``: a cycle of 40 nodes with 8 "house" motifs (a 4-cycle with a
  roof node on one side, 5 nodes); each house is attached by one edge from
  one of its bottom corners to a distinct basis node drawn at random
  (80 nodes).
* ``varied``: a cycle of 60 nodes with 4 each of: house, 6-cycle (attached
  at one of its nodes), star (a centre with 5 leaves, attached at the
  centre), 3 x 3 grid (attached at a corner); attachment basis nodes drawn
  at random, distinct (164 nodes).

Roles: a motif node's role is its motif type and its orbit under the
motif's automorphisms that fix the attachment node (networkx VF2 on the
motif alone: e.g. the grid's two neighbours of the attached corner share a
role). Basis nodes carrying a motif form the role ``anchor``, all other
basis nodes the role ``basis`` (GraphWave's convention; basis nodes near an
anchor differ structurally from far ones, which these labels ignore).
``houses`` has 7 roles (5 house positions, anchor, basis), ``varied`` 19
(house 5, cycle 4, star 2, grid 6, anchor, basis); the smallest roles have
8 (``houses``) and 4 (``varied``) nodes.

Perturbation (GraphWave's "noisy" setting): at level r in {0, 5%, 10%},
round(r m) random edges (m = the clean graph's edge count) are removed,
never a bridge (the graph stays connected), and the same number of new
random edges between non-adjacent nodes is added. Labels stay those of the
construction. Seeds 0-4: seed s draws the attachment places, the
perturbation, every embedding's ``random_state``, the cross-validation folds
and k-means' initialisation.

Methods (128 dimensions wherever the method has a dimension):

* ``degree``: the node's degree alone (1 feature); ``degree+clustering``:
  degree and local clustering coefficient (2 features). Baselines: what the
  structure beyond the immediate neighbourhood adds.
* ``struc2vec``: ``skdeep.graph.Struc2VecEmbedder`` with its defaults
  (``random_state=s``, ``n_jobs=1``; gensim backend, ``workers=1``);
  ``struc2vec sample=0``: the same with ``sample=0`` and the numba backend,
  the setting its docstring documents for graphs of a few hundred nodes (the
  one the toy part of ``benchmarks/struc2vec.py`` uses).
* ``node2vec``: ``skdeep.graph.Node2VecEmbedder`` defaults (p = q = 1, 10
  walks of 80, window 10); ``node2vec q=2``: the same with q = 2 (walks that
  stay near their start: the node2vec paper's "structural equivalence"
  setting).
* ``Role2Vec``: karateclub's ``Role2Vec`` through the ``skdeep-karateclub``
  plugin (``KarateClubRole2Vec``), karateclub's defaults.
* karateclub's ``GraphWave`` is not run: karateclub 1.3.3 calls
  ``pygsp.filters.Heat(G, tau=...)``, and the installed pygsp 0.6.1 renamed
  ``tau`` (``TypeError: Heat.__init__() got an unexpected keyword argument
  'tau'``); pygsp 0.5.1, the last release with ``tau``, predates numpy 2
  (the plugin leaves GraphWave unwrapped for the same reason).

Scores, per (graph, noise, seed, method), on the standardized features:

* supervised: logistic regression (C=1, lbfgs, ``max_iter=2000``),
  stratified k-fold cross-validation, k = min(5, smallest role size) (5 on
  ``houses``, 4 on ``varied``), folds shuffled with seed s: accuracy and
  macro-F1 (mean over folds);
* unsupervised: k-means with k = number of roles (``n_init=10``, seed s):
  homogeneity and adjusted Rand index against the roles.

Reported: mean ± std over the 5 seeds, fit seconds of the embedding (each
method is fitted once untimed on a small graph first, so numba's compilation
or cache loading is not timed), and the majority-role accuracy (chance).
Everything runs on one thread (``OMP_NUM_THREADS=1``, ``NUMBA_NUM_THREADS=1``,
``n_jobs=1``, ``workers=1``); the 1-minute load average is recorded with every
cell.

Part ``degree``: degree-quartile labels on real graphs (a weaker protocol)
-------------------------------------------------------------------------

Written after the ``synthetic`` part had started, before this part ran. The
struc2vec paper's airport networks label each node by the quartile of its
activity; here the label is the quartile of the node's degree (bins cut at
the 25th, 50th and 75th percentiles of the degrees, ``numpy.digitize`` with
right-closed bins, so ties keep classes unequal), on graphs nobody tuned on:
Cora's citation graph (2,708 nodes) and PPI (3,890 nodes, its self loops
dropped), both unweighted. The degree determines the label, so the part only
measures how much of a node's degree class each embedding keeps;
``degree`` and ``degree+clustering`` show what trivial features reach (a
linear model on the raw, skewed degree need not place the three cuts
exactly: noted after the run, on PPI). Same
methods and scores as ``synthetic`` (5-fold cross-validation, k-means with
k = 4), seeds 0, 1, 2.

Part ``opt2``: a diagnostic, added after the ``synthetic`` results
------------------------------------------------------------------

Not a held-out score: written after the ``synthetic`` tables showed
struc2vec's defaults behind Role2Vec on the clean graphs, and run on the same
graphs. Hypothesis: OPT2 compares each node only with the
``ceil(2 log2 n)`` nodes of closest degree (14 of 80, 15 of 164 here), ties
broken at random; most nodes of these graphs have degree 2 or 3, so a node
is rarely compared with the nodes of its role. Settings, the ``synthetic``
graphs, seeds and scores unchanged: ``struc2vec all pairs`` (defaults but
``n_candidates = n - 1``, the paper without OPT2) and ``struc2vec all pairs,
sample=0`` (also ``sample=0`` and the numba backend: the docstring's
small-graph setting). Both are the settings the user guide already
recommends for graphs of a few hundred nodes; nothing else is varied.

Not run: barbell / lollipop families (their path roles have one or two nodes
each, too few to cross-validate a classifier; ``benchmarks/struc2vec.py``'s
toy part scores the barbell's roles by nearest neighbours instead).

Usage::

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/roles.py --part synthetic
    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/roles.py --part degree
    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/roles.py --part opt2
    python benchmarks/roles.py --table-only
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    Store,
    markdown_table,
    mean_std,
    write_parts,
)

OUT_DIR = Path(__file__).resolve().parent / "roles_runs"
RESULT_FILE = RESULTS / "roles.md"
COMMAND = "OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/roles.py"
FAMILIES = ("houses", "varied")
NOISE = (0.0, 0.05, 0.10)
SEEDS = (0, 1, 2, 3, 4)
METHODS = ("degree", "degree+clustering", "struc2vec", "struc2vec sample=0",
           "node2vec", "node2vec q=2", "Role2Vec")
OPT2_METHODS = ("struc2vec all pairs", "struc2vec all pairs sample=0")
LABELS = {"struc2vec": "struc2vec (defaults)",
          "struc2vec all pairs": "struc2vec (n_candidates = n - 1)",
          "struc2vec all pairs sample=0":
              "struc2vec (n_candidates = n - 1, sample=0, numba)",
          "struc2vec sample=0": "struc2vec (sample=0, numba)",
          "node2vec": "node2vec p=q=1", "node2vec q=2": "node2vec p=1, q=2",
          "Role2Vec": "Role2Vec (karateclub)"}
CONFIG = {"protocol": 1, "families": FAMILIES, "noise": NOISE}


# -- graphs ------------------------------------------------------------------------


def _motif(kind):
    """``(graph, attachment node)`` of a motif, nodes 0..k-1."""
    import networkx as nx

    if kind == "house":
        # bottom corners 0, 1; upper corners 2 (above 0), 3 (above 1); roof 4
        G = nx.Graph([(0, 1), (0, 2), (1, 3), (2, 3), (2, 4), (3, 4)])
        return G, 0
    if kind == "cycle":
        return nx.cycle_graph(6), 0
    if kind == "star":
        return nx.star_graph(5), 0
    if kind == "grid":
        return nx.convert_node_labels_to_integers(nx.grid_2d_graph(3, 3)), 0
    raise ValueError(kind)


def _anchored_orbits(G, anchor):
    """Orbit id of each node under the automorphisms fixing ``anchor``."""
    from networkx.algorithms.isomorphism import GraphMatcher

    orbit = {v: v for v in G}
    for m in GraphMatcher(G, G).isomorphisms_iter():
        if m[anchor] == anchor:
            for v, w in m.items():
                orbit[v] = min(orbit[v], orbit[w])
    return orbit


MOTIFS = {"houses": {"house": 8}, "varied": {"house": 4, "cycle": 4, "star": 4,
                                             "grid": 4}}
BASIS = {"houses": 40, "varied": 60}


def role_graph(family, noise, seed):
    """``(networkx graph with nodes 0..n-1, role label per node, role names)``."""
    import networkx as nx

    rng = np.random.RandomState(seed)
    n_basis = BASIS[family]
    G = nx.cycle_graph(n_basis)
    names = ["basis", "anchor"]
    labels = [0] * n_basis
    kinds = [k for k, count in MOTIFS[family].items() for _ in range(count)]
    places = rng.choice(n_basis, size=len(kinds), replace=False)
    role_ids = {}
    for kind, place in zip(kinds, places):
        motif, anchor = _motif(kind)
        orbit = _anchored_orbits(motif, anchor)
        offset = G.number_of_nodes()
        for v in sorted(motif):
            key = (kind, orbit[v])
            if key not in role_ids:
                role_ids[key] = len(names)
                names.append(f"{kind}:{orbit[v]}")
            labels.append(role_ids[key])
        G.add_edges_from((offset + a, offset + b) for a, b in motif.edges)
        G.add_edge(int(place), offset + anchor)
        labels[place] = 1
    return perturb(G, noise, rng), np.array(labels), names


def perturb(G, noise, rng):
    """Remove ``round(noise m)`` random non-bridge edges, add as many new ones."""
    import networkx as nx

    k = int(round(noise * G.number_of_edges()))
    if k == 0:
        return G
    G = G.copy()
    removed = 0
    while removed < k:
        edges = list(G.edges)
        bridges = set(nx.bridges(G))
        candidates = [e for e in edges if e not in bridges
                      and (e[1], e[0]) not in bridges]
        u, v = candidates[rng.randint(len(candidates))]
        G.remove_edge(u, v)
        removed += 1
    n, added = G.number_of_nodes(), 0
    while added < k:
        u, v = rng.randint(n, size=2)
        if u != v and not G.has_edge(u, v):
            G.add_edge(int(u), int(v))
            added += 1
    return G


DEGREE_GRAPHS = ("cora", "ppi")
DEGREE_SEEDS = (0, 1, 2)


def degree_graph(name):
    """``(networkx graph, degree-quartile label per node)`` of a shared graph."""
    import networkx as nx
    from _common import shared_data

    z = np.load(shared_data() / name / f"{name}.npz")
    n = len(z["labels"]) if name == "cora" else int(z["n_nodes"])
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from((int(a), int(b)) for a, b in z["edges"] if a != b)
    degree = np.array([G.degree(v) for v in range(n)])
    edges = np.percentile(degree, [25, 50, 75])
    return G, np.digitize(degree, edges, right=True)


# -- methods -----------------------------------------------------------------------


def embed(method, G, seed):
    """The method's features of every node of ``G`` (rows in node order)."""
    import networkx as nx
    import scipy.sparse as sp

    nodes = sorted(G)
    if method == "degree":
        return np.array([[G.degree(v)] for v in nodes], dtype=float)
    if method == "degree+clustering":
        c = nx.clustering(G)
        return np.array([[G.degree(v), c[v]] for v in nodes], dtype=float)
    A = sp.csr_matrix(nx.to_scipy_sparse_array(G, nodelist=nodes))
    if method.startswith("struc2vec"):
        from skdeep.graph import Struc2VecEmbedder

        extra = {"sample": 0.0, "backend": "numba"} if "sample" in method else {}
        if "all pairs" in method:
            extra["n_candidates"] = G.number_of_nodes() - 1
        est = Struc2VecEmbedder(random_state=seed, n_jobs=1, **extra)
    elif method.startswith("node2vec"):
        from skdeep.graph import Node2VecEmbedder

        est = Node2VecEmbedder(q=2.0 if "q=2" in method else 1.0,
                               random_state=seed, n_jobs=1)
    elif method == "Role2Vec":
        from skdeep_karateclub import KarateClubRole2Vec

        est = KarateClubRole2Vec(random_state=seed)
    else:
        raise ValueError(method)
    return est.fit_transform(A)


def score(X, y, seed):
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import adjusted_rand_score, homogeneity_score
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    n_folds = min(5, np.bincount(y).min())
    cv = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    cvr = cross_validate(clf, X, y, cv=cv, scoring=("accuracy", "f1_macro"))
    Z = StandardScaler().fit_transform(X)
    k = len(np.unique(y))
    with warnings.catch_warnings():
        # the degree baselines have fewer distinct points than roles: k-means
        # then finds fewer clusters, which the scores account for
        warnings.filterwarnings("ignore", "Number of distinct clusters",
                                ConvergenceWarning)
        clusters = KMeans(k, n_init=10, random_state=seed).fit_predict(Z)
    return {"accuracy": float(cvr["test_accuracy"].mean()),
            "macro_f1": float(cvr["test_f1_macro"].mean()),
            "homogeneity": float(homogeneity_score(y, clusters)),
            "ari": float(adjusted_rand_score(y, clusters)),
            "folds": int(n_folds)}


def warm_up():
    """Fit every method once on a small graph: numba compiles or loads its
    cache here, not in a timed fit."""
    G, _, _ = role_graph("houses", 0.0, 99)
    for method in METHODS:
        embed(method, G, 0)


def run(store, methods=METHODS):
    import torch

    torch.set_num_threads(1)
    warm_up()
    for family in FAMILIES:
        for noise in NOISE:
            for seed in SEEDS:
                G, y, names = role_graph(family, noise, seed)
                for method in methods:
                    key = dict(family=family, noise=noise, seed=seed, method=method)
                    if store.get(**key):
                        continue
                    t0 = time.perf_counter()
                    X = embed(method, G, seed)
                    fit_s = time.perf_counter() - t0
                    s = score(X, y, seed)
                    store.add({**key, **s, "fit_s": fit_s,
                               "nodes": G.number_of_nodes(),
                               "edges": G.number_of_edges(),
                               "roles": len(names),
                               "majority": float(np.bincount(y).max() / len(y))})
                    print(f"{family} noise {noise:.2f} seed {seed} {method}: "
                          f"acc {s['accuracy']:.3f} F1 {s['macro_f1']:.3f} "
                          f"ARI {s['ari']:.3f} fit {fit_s:.2f} s", flush=True)


def run_degree(store):
    import torch

    torch.set_num_threads(1)
    warm_up()
    for name in DEGREE_GRAPHS:
        G, y = degree_graph(name)
        for seed in DEGREE_SEEDS:
            for method in METHODS:
                key = dict(graph=name, seed=seed, method=method)
                if store.get(**key):
                    continue
                t0 = time.perf_counter()
                X = embed(method, G, seed)
                fit_s = time.perf_counter() - t0
                s = score(X, y, seed)
                store.add({**key, **s, "fit_s": fit_s,
                           "nodes": G.number_of_nodes(),
                           "edges": G.number_of_edges(),
                           "class_sizes": np.bincount(y).tolist(),
                           "majority": float(np.bincount(y).max() / len(y))})
                print(f"{name} seed {seed} {method}: acc {s['accuracy']:.3f} "
                      f"F1 {s['macro_f1']:.3f} ARI {s['ari']:.3f} "
                      f"fit {fit_s:.2f} s", flush=True)


def degree_tables(store):
    records = store.records
    if not records:
        return ""
    methods = [m for m in METHODS if any(r["method"] == m for r in records)]
    out = ["## Degree-quartile labels on real graphs (weaker protocol)", "",
           "Protocol in the script's docstring: label = quartile of the node's "
           "degree (the struc2vec paper's airport labels are activity "
           "quartiles), Cora and PPI, unweighted; the degree determines the "
           "label (a linear model on the raw, skewed degree need not place "
           "the cuts exactly). 5-fold cross-validated logistic "
           "regression, k-means with k = 4; mean ± std over seeds. "
           + _load_note(records), ""]
    for name in DEGREE_GRAPHS:
        rs_g = [r for r in records if r["graph"] == name]
        if not rs_g:
            continue
        rows = []
        for m in methods:
            rs = [r for r in rs_g if r["method"] == m]
            if rs:
                rows.append([LABELS.get(m, m), *[mean_std([r[k] for r in rs], 3)
                             for k in ("accuracy", "macro_f1", "homogeneity",
                                       "ari")],
                             mean_std([r["fit_s"] for r in rs], 2), len(rs)])
        r0 = rs_g[0]
        out += [f"### {name} ({r0['nodes']:,} nodes, {r0['edges']:,} edges, "
                f"class sizes {r0['class_sizes']}, chance accuracy "
                f"{r0['majority']:.2f})", "",
                markdown_table(["method", "accuracy", "macro-F1",
                                "k-means homogeneity", "k-means ARI", "fit s",
                                "seeds"], rows), ""]
    return "\n".join([*out, *store.provenance(records)])


# -- tables ------------------------------------------------------------------------


def _load_note(records):
    loads = [float(r["load"].split(",")[0]) for r in records if r.get("load")]
    if not loads:
        return ""
    return (f"One thread; the 2-core machine was shared with other runs "
            f"(1-minute load average {min(loads):.1f} to {max(loads):.1f} when "
            f"the cells were recorded), so the times are upper bounds.")


def opt2_tables(store):
    records = store.records
    if not records:
        return ""
    base = Store(OUT_DIR, "synthetic", CONFIG, "").records
    methods = ("struc2vec", "struc2vec sample=0", *OPT2_METHODS, "Role2Vec")
    head = ["graph", "noise", *[LABELS[m] for m in methods]]
    rows = []
    for family in FAMILIES:
        for noise in NOISE:
            cells = []
            for m in methods:
                rs = [r for r in (records if m in OPT2_METHODS else base)
                      if r["family"] == family and r["noise"] == noise
                      and r["method"] == m]
                cells.append(mean_std([r["macro_f1"] for r in rs], 3))
            rows.append([family, f"{int(noise * 100)}%", *cells])
    fit = {m: mean_std([r["fit_s"] for r in records if r["method"] == m], 2)
           for m in OPT2_METHODS}
    return "\n".join([
        "## Diagnostic: struc2vec without OPT2 on the synthetic graphs", "",
        "Not a held-out score (protocol in the script's docstring: added after "
        "the synthetic tables, same graphs, seeds and scoring). Cross-validated "
        "macro-F1, mean ± std over 5 seeds; the defaults and Role2Vec columns "
        "repeat the synthetic part's cells. Fit seconds per graph, all cells: "
        + ", ".join(f"{LABELS[m]} {v}" for m, v in fit.items()) + ". "
        + _load_note(records), "",
        markdown_table(head, rows), "",
        *store.provenance(records),
    ])


def _ratio(means, a, b):
    return f"{means[a] / means[b]:.2f}" if a in means and b in means else "—"


def tables(store):
    records = store.records
    if not records:
        return ""
    out = ["## Synthetic role graphs (GraphWave-style, roles by construction)", "",
           "Protocol in the script's docstring: a cycle basis with house / "
           "cycle / star / grid motifs attached, roles = motif position (orbit "
           "with the attachment node fixed), anchor, basis; r% of the edges "
           "rewired (removed and added at random). Logistic regression "
           "cross-validated accuracy and macro-F1, k-means (k = number of "
           "roles) homogeneity and ARI; mean ± std over 5 seeds (graph, "
           "embedding, folds). No method was tuned on these graphs. "
           + _load_note(records), ""]
    # summary: macro-F1 per (family, noise) and method, with ratios
    methods = [m for m in METHODS if any(r["method"] == m for r in records)]
    head = ["graph", "noise", "roles", "chance acc", *[LABELS.get(m, m)
                                                       for m in methods],
            "struc2vec / Role2Vec", "struc2vec / node2vec q=2"]
    rows = []
    for family in FAMILIES:
        for noise in NOISE:
            rs = [r for r in records if r["family"] == family
                  and r["noise"] == noise]
            if not rs:
                continue
            means, cells = {}, []
            for m in methods:
                f1 = [r["macro_f1"] for r in rs if r["method"] == m]
                means[m] = np.mean(f1) if f1 else np.nan
                cells.append(mean_std(f1, 3))
            rows.append([family, f"{int(noise * 100)}%", rs[0]["roles"],
                         f"{np.mean([r['majority'] for r in rs]):.2f}", *cells,
                         _ratio(means, "struc2vec", "Role2Vec"),
                         _ratio(means, "struc2vec", "node2vec q=2")])
    out += ["### Cross-validated macro-F1 (logistic regression)", "",
            markdown_table(head, rows), ""]
    # full table per graph family
    for family in FAMILIES:
        rs_f = [r for r in records if r["family"] == family]
        if not rs_f:
            continue
        rows = []
        for noise in NOISE:
            for m in methods:
                rs = [r for r in rs_f if r["noise"] == noise and r["method"] == m]
                if not rs:
                    continue
                rows.append([f"{int(noise * 100)}%", LABELS.get(m, m),
                             *[mean_std([r[k] for r in rs], 3) for k in
                               ("accuracy", "macro_f1", "homogeneity", "ari")],
                             mean_std([r["fit_s"] for r in rs], 2), len(rs)])
        r0 = rs_f[0]
        out += [f"### {family} ({r0['nodes']} nodes, {r0['roles']} roles, "
                f"{r0['folds']}-fold cross-validation)", "",
                markdown_table(["noise", "method", "accuracy", "macro-F1",
                                "k-means homogeneity", "k-means ARI", "fit s",
                                "seeds"], rows), ""]
    return "\n".join([*out, *store.provenance(records)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["synthetic", "degree", "opt2", "all"],
                    default="all")
    ap.add_argument("--table-only", action="store_true")
    args = ap.parse_args()
    order = ["synthetic", "degree", "opt2"]
    parts = order if args.part == "all" else [args.part]
    configs = {"synthetic": CONFIG,
               "degree": {"protocol": 1, "graphs": DEGREE_GRAPHS},
               "opt2": dict(CONFIG, methods=OPT2_METHODS)}
    runners = {"synthetic": run, "degree": run_degree,
               "opt2": lambda store: run(store, OPT2_METHODS)}
    makers = {"synthetic": tables, "degree": degree_tables, "opt2": opt2_tables}
    sections = {}
    for part in parts:
        store = Store(OUT_DIR, part, configs[part], f"{COMMAND} --part {part}")
        if not args.table_only:
            runners[part](store)
        text = makers[part](store)
        if text:
            sections[part] = text
    if sections:
        write_parts(RESULT_FILE, "Role classification benchmark",
                    f"Produced by `{COMMAND}` (protocol in its docstring).",
                    sections, order)


if __name__ == "__main__":
    main()
