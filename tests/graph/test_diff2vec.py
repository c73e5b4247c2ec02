"""Tests of Diff2Vec: diffusion trees, their Euler tours, capped covers, embeddings."""

import pickle
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

pytest.importorskip("numba")

from _graph_data import planted_partition  # noqa: E402

from skdeep.graph._diff2vec import (  # noqa: E402
    MAX_COVER,
    Diff2VecEmbedder,
    component_covers,
    diffusion_sequences,
    undirected,
)

FAST = dict(n_diffusions=5, diffusion_cover=10, window=5, sample=0.0,
            backend="numba", random_state=0)


def mixed_graph():
    """Two planted blocks (40 nodes), a 3-node path, an isolated node, a
    directed-only edge, a self-loop and uneven weights: 45 nodes."""
    A, _ = planted_partition(2, 20, p_in=0.4, p_out=0.05, seed=1)
    A = sp.lil_matrix(sp.block_diag([A, sp.csr_matrix((5, 5))]))
    A[40, 41] = A[41, 40] = 1.0
    A[41, 42] = 3.0  # directed only: the diffusion reads the graph as undirected
    A[43, 43] = 1.0  # self-loop on an otherwise isolated node
    A[0, 1] = A[1, 0] = 5.0
    return A.tocsr(), 44  # node 44: isolated, no self-loop


def check_tour(seq, S, cover):
    """``seq`` is a closed Euler tour of a ``cover``-node tree of ``S``."""
    assert len(seq) == 2 * cover - 1
    assert seq[0] == seq[-1]
    assert len(set(seq.tolist())) == cover
    steps = Counter()
    for a, b in zip(seq[:-1], seq[1:]):
        assert S[a, b] > 0, (a, b)  # consecutive nodes adjacent
        steps[(a, b)] += 1
    edges = {frozenset(e) for e in steps}
    assert len(edges) == cover - 1  # a tree: cover - 1 edges spanning cover nodes
    for a, b in steps:  # every tree edge once each way
        assert steps[(a, b)] == 1 and steps[(b, a)] == 1


def test_sequences_are_euler_tours_of_trees():
    A, _ = mixed_graph()
    S = undirected(A)
    n = A.shape[0]
    cover = 12
    seqs = diffusion_sequences(A, n_diffusions=3, diffusion_cover=cover,
                               random_state=0)
    assert seqs.shape == (3 * n, 2 * cover - 1) and seqs.dtype == np.int32
    covers = component_covers(S, cover)
    for r in range(3):  # every pass starts once from every node
        assert sorted(seqs[r * n:(r + 1) * n, 0]) == list(range(n))
    for row in seqs:
        length = int((row >= 0).sum())
        assert (row[:length] >= 0).all()  # padding only at the end
        check_tour(row[:length], S, covers[row[0]])


def test_covers_capped_at_component_size():
    A, isolated = mixed_graph()
    covers = component_covers(undirected(A), 12)
    assert covers[:40].tolist() == [12] * 40
    # the path 40-41-42 (42 reached by a directed edge only), the self-loop
    # node and the isolated node
    assert covers[40:].tolist() == [3, 3, 3, 1, 1]
    seqs = diffusion_sequences(A, n_diffusions=2, diffusion_cover=12,
                               random_state=3)
    for node in (43, isolated):
        rows = seqs[seqs[:, 0] == node]
        assert (rows[:, 0] == node).all() and (rows[:, 1:] == -1).all()
    # a cover as large as the component: every tree spans it
    rows = seqs[np.isin(seqs[:, 0], [40, 41, 42])]
    assert ((rows >= 0).sum(axis=1) == 5).all()
    for row in rows:
        assert set(row[:5].tolist()) == {40, 41, 42}


def test_cover_of_a_whole_dense_component_terminates():
    # A clique with a pendant path: the last nodes of a whole-component cover
    # are rarely hit by rejection; the exact scan takes over.
    import networkx as nx

    G = nx.complete_graph(30)
    nx.add_path(G, [29, 30, 31, 32])
    A = nx.to_scipy_sparse_array(G, format="csr")
    seqs = diffusion_sequences(A, n_diffusions=3, diffusion_cover=33,
                               random_state=0)
    S = undirected(A)
    for row in seqs:
        check_tour(row, S, 33)


def tree_distribution(seqs):
    """Empirical distribution of (source, set of tree edges)."""
    counts = Counter()
    for row in seqs:
        row = row[row >= 0]
        edges = frozenset(frozenset(e) for e in zip(row[:-1], row[1:]))
        counts[(int(row[0]), edges)] += 1
    return counts


def exact_cover3(W):
    """Exact probabilities of the 3-node trees from each source of a weighted
    graph: the first infection draws y ~ p(y|s); the second picks s or y
    uniformly, then a neighbour, until it is new."""
    n = W.shape[0]
    p = W / W.sum(axis=1, keepdims=True)
    probs = Counter()
    for s in range(n):
        for y in range(n):
            if p[s, y] == 0:
                continue
            mass = {}
            for x in (s, y):
                for z in range(n):
                    if z not in (s, y) and p[x, z] > 0:
                        mass[(x, z)] = 0.5 * p[x, z]
            total = sum(mass.values())
            for (x, z), m in mass.items():
                tree = frozenset([frozenset((s, y)), frozenset((x, z))])
                probs[(s, tree)] += p[s, y] * m / total
    return probs


@pytest.mark.parametrize("patience", [1e9, 0.0])  # rejection only; scan only
def test_tree_distribution_matches_the_diffusion_process(patience):
    W = np.array([[0, 4, 1, 1, 0],
                  [4, 0, 1, 0, 0],
                  [1, 1, 0, 2, 1],
                  [1, 0, 2, 0, 1],
                  [0, 0, 1, 1, 0]], dtype=float)
    n_diffusions = 3000
    seqs = diffusion_sequences(sp.csr_matrix(W), n_diffusions=n_diffusions,
                               diffusion_cover=3, random_state=1,
                               _patience=patience)
    observed = tree_distribution(seqs)
    expected = exact_cover3(W)
    assert set(observed) <= set(expected)
    for key, prob in expected.items():
        freq = observed[key] / n_diffusions
        se = np.sqrt(prob * (1 - prob) / n_diffusions)
        assert abs(freq - prob) < 5 * se + 1e-9, (key, freq, prob)


def test_unweighted_ignores_weights():
    W = sp.csr_matrix(np.array([[0, 100, 1], [100, 0, 0], [1, 0, 0]], dtype=float))
    first = diffusion_sequences(W, n_diffusions=2000, diffusion_cover=2,
                                random_state=0)
    from_0 = first[first[:, 0] == 0, 1]
    assert np.mean(from_0 == 1) > 0.98  # weight 100 against 1
    flat = diffusion_sequences(W, n_diffusions=2000, diffusion_cover=2,
                               weighted=False, random_state=0)
    from_0 = flat[flat[:, 0] == 0, 1]
    assert 0.45 < np.mean(from_0 == 1) < 0.55


def test_sequences_deterministic_and_thread_invariant():
    A, _ = mixed_graph()
    kwargs = dict(n_diffusions=4, diffusion_cover=15, random_state=7)
    one = diffusion_sequences(A, **kwargs, n_jobs=1)
    np.testing.assert_array_equal(one, diffusion_sequences(A, **kwargs, n_jobs=1))
    np.testing.assert_array_equal(one, diffusion_sequences(A, **kwargs, n_jobs=2))
    other = diffusion_sequences(A, **{**kwargs, "random_state": 8})
    assert not np.array_equal(one, other)


def test_embedding_deterministic_and_n_jobs_invariant():
    A, _ = mixed_graph()
    X1 = Diff2VecEmbedder(8, **FAST, n_jobs=1).fit_transform(A)
    X2 = Diff2VecEmbedder(8, **FAST, n_jobs=2).fit_transform(A)
    assert X1.shape == (45, 8) and np.isfinite(X1).all()
    np.testing.assert_array_equal(X1, X2)
    X3 = Diff2VecEmbedder(8, **{**FAST, "random_state": 1}).fit_transform(A)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("backend", ["numba", "gensim"])
def test_quality_on_planted_partition(backend):
    A, y = planted_partition(3, 30, p_in=0.3, p_out=0.02, seed=0)
    X = Diff2VecEmbedder(16, **{**FAST, "backend": backend}).fit_transform(A)
    scores = cross_val_score(LogisticRegression(max_iter=1000), X, y, cv=3)
    assert scores.mean() > 0.9  # chance: 1/3


def test_fixed_graph_pipeline_and_pickle():
    A, y = planted_partition(2, 30, p_in=0.3, p_out=0.02, seed=2)
    nodes = np.arange(60).reshape(-1, 1)
    pipe = make_pipeline(Diff2VecEmbedder(8, graph=A, **FAST),
                         LogisticRegression(max_iter=1000))
    pipe.fit(nodes[::2], y[::2])
    assert pipe.score(nodes[1::2], y[1::2]) > 0.9
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict_proba(nodes),
                                  pipe.predict_proba(nodes))
    emb = pipe[0]
    np.testing.assert_array_equal(emb.transform(nodes[:5]), emb.embedding_[:5])


def test_memory_caches_sequences(tmp_path, monkeypatch):
    from skdeep.graph import _diff2vec

    A, _ = planted_partition(2, 15, seed=3)
    calls = []
    original = _diff2vec.diffusion_sequences

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_diff2vec, "diffusion_sequences", counting)
    params = dict(FAST, memory=str(tmp_path))
    X1 = Diff2VecEmbedder(4, **params).fit_transform(A)
    # another window: new skip-gram, same sequences
    X2 = Diff2VecEmbedder(4, **{**params, "window": 3}).fit_transform(A)
    X3 = Diff2VecEmbedder(4, **params).fit_transform(A)
    assert len(calls) == 1
    np.testing.assert_array_equal(X1, X3)
    assert not np.array_equal(X1, X2)


@pytest.mark.parametrize("params", [
    {"diffusion_cover": 1}, {"diffusion_cover": MAX_COVER + 1},
    {"n_diffusions": 0}, {"window": 0}, {"weighted": "yes"},
    {"backend": "torch"},
])
def test_invalid_parameters(params):
    A, _ = planted_partition(2, 10, seed=0)
    with pytest.raises(InvalidParameterError):
        Diff2VecEmbedder(**params).fit(A)


def test_errors_on_bad_graphs():
    A, _ = planted_partition(2, 10, seed=0)
    B = A.copy()
    B.data[0] = -1.0
    with pytest.raises(ValueError, match="non-negative"):
        Diff2VecEmbedder(4, **FAST).fit(B)
    with pytest.raises(ValueError):
        Diff2VecEmbedder(4, **FAST).fit(A[:, :5])  # not square
    with pytest.raises(ValueError, match="diffusion_cover"):
        diffusion_sequences(A, diffusion_cover=0)
    emb = Diff2VecEmbedder(4, graph=A, **FAST).fit(np.arange(20).reshape(-1, 1))
    with pytest.raises(ValueError):
        emb.transform([[25]])  # not a node of the graph
    assert not hasattr(Diff2VecEmbedder(4, **FAST).fit(A), "transform")
