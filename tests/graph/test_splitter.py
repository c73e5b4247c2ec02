"""Tests of Splitter: the ego-net persona graph, anchored skip-gram, the embedder."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

pytest.importorskip("numba")
nx = pytest.importorskip("networkx")

from _graph_data import planted_partition  # noqa: E402

from skdeep.graph import random_walks  # noqa: E402
from skdeep.graph._sgns import sgns_embedding  # noqa: E402
from skdeep.graph._splitter import (  # noqa: E402
    SplitterEmbedder,
    persona_graph,
    undirected,
)

FAST = dict(walk_length=20, n_walks=5, window=3, sample=0.0, random_state=0)


def networkx_personas(G):
    """The textbook construction: networkx components of every ego-net.

    Returns each persona's node (personas numbered node by node, components
    by their smallest neighbour) and the persona edges as a set of sorted
    pairs with their weights.
    """
    holder, owner = {}, []
    for u in sorted(G.nodes()):
        ego = G.subgraph(set(G.neighbors(u)) - {u})
        components = sorted(
            (sorted(c) for c in nx.connected_components(ego)), key=lambda c: c[0]
        )
        if not components:  # isolated node: one persona without edges
            owner.append(u)
        for component in components:
            for v in component:
                holder[u, v] = len(owner)
            owner.append(u)
    edges = {
        tuple(sorted((holder[u, v], holder[v, u]))): d.get("weight", 1.0)
        for u, v, d in G.edges(data=True) if u != v
    }
    return np.array(owner), edges


def persona_edge_set(graph):
    coo = sp.triu(graph).tocoo()
    return dict(zip(zip(coo.row.tolist(), coo.col.tolist()), coo.data.tolist()))


def two_cliques(k=5):
    """Two k-cliques sharing node 0, which bridges them."""
    G = nx.disjoint_union(nx.complete_graph(k), nx.complete_graph(k - 1))
    G.add_edges_from((0, v) for v in range(k, 2 * k - 1))
    return G


@pytest.mark.parametrize("seed", range(6))
def test_persona_graph_matches_networkx(seed):
    rng = np.random.RandomState(seed)
    n = 70
    G = nx.gnp_random_graph(n, 0.05 + 0.03 * seed, seed=seed)
    for u, v in G.edges():
        G[u][v]["weight"] = float(rng.randint(1, 5))
    G.add_edge(3, 3, weight=2.0)  # a self-loop: ignored
    G.remove_edges_from(list(G.edges(7)))  # an isolated node
    A = nx.to_scipy_sparse_array(G, nodelist=range(n))
    personas = persona_graph(A)
    owner, edges = networkx_personas(G)
    np.testing.assert_array_equal(personas.persona_to_node, owner)
    np.testing.assert_array_equal(
        personas.persona_indptr, np.r_[0, np.cumsum(np.bincount(owner, minlength=n))]
    )
    assert persona_edge_set(personas.graph) == edges  # pairs and weights
    graph = personas.graph
    assert graph.shape == (len(owner), len(owner)) and graph.has_sorted_indices
    assert (graph != graph.T).nnz == 0
    assert graph.nnz == 2 * G.number_of_edges() - 2  # the self-loop dropped


def test_persona_graph_reads_directed_input_as_undirected_and_any_n_jobs():
    G = nx.gnp_random_graph(120, 0.08, seed=1, directed=True)
    A = nx.to_scipy_sparse_array(G)
    personas = persona_graph(A, n_jobs=1)
    owner, edges = networkx_personas(nx.Graph(G.to_undirected()))
    np.testing.assert_array_equal(personas.persona_to_node, owner)
    assert set(persona_edge_set(personas.graph)) == set(edges)
    both = persona_graph(A, n_jobs=2)
    assert (both.graph != personas.graph).nnz == 0
    S = undirected(A)  # (A + A.T) / 2: edges one way weigh 1/2
    assert set(np.unique(S.data)) <= {0.5, 1.0} and S.diagonal().sum() == 0


def test_a_node_bridging_two_cliques_gets_two_personas():
    est = SplitterEmbedder(8, **FAST).fit(two_cliques())
    np.testing.assert_array_equal(est.persona_to_node_, [0, 0, *range(1, 9)])
    np.testing.assert_array_equal(est.persona_indptr_, [0, 2, *range(3, 11)])
    # persona 0 holds the first clique (nodes 1-4), persona 1 the second
    np.testing.assert_array_equal(est.persona_graph_[0].indices, [2, 3, 4, 5])
    np.testing.assert_array_equal(est.persona_graph_[1].indices, [6, 7, 8, 9])
    # each persona is closer to its own clique's personas than to the other's
    P = est.persona_embedding_ / np.linalg.norm(est.persona_embedding_, axis=1,
                                                keepdims=True)
    sim = P[:2] @ P[2:].T
    assert sim[0, :4].mean() > sim[0, 4:].mean()
    assert sim[1, 4:].mean() > sim[1, :4].mean()
    # the node level is the mean of the personas
    np.testing.assert_allclose(est.embedding_[0], est.persona_embedding_[:2].mean(0))
    np.testing.assert_allclose(est.embedding_[1:], est.persona_embedding_[2:])


def test_anchor_term_off_changes_nothing_and_initial_rows_are_kept():
    A, _ = planted_partition()
    walks = random_walks(A, n_walks=2, walk_length=10, random_state=0)
    sg = dict(dimensions=6, window=3, epochs=1, negative=3, lr=0.025, sample=0.0,
              workers=1, seed=0)
    plain = sgns_embedding([walks], 42, **sg)
    anchor = np.ones((42, 6))
    off = sgns_embedding([walks], 42, **sg, anchor=anchor, owner=np.arange(42),
                         anchor_weight=0.0)
    np.testing.assert_array_equal(plain, off)
    on = sgns_embedding([walks], 42, **sg, anchor=anchor, owner=np.arange(42),
                        anchor_weight=0.5)
    assert not np.array_equal(plain, on)
    # nodes 40 and 41 are in no walk: zero rows, or their initial rows
    initial = np.full((42, 6), 0.25)
    started = sgns_embedding([walks], 42, **sg, initial=initial)
    assert np.all(plain[40:] == 0) and np.all(started[40:] == 0.25)
    assert not np.array_equal(started[:40], plain[:40])
    with pytest.raises(ValueError, match="anchor must have 6 columns"):
        sgns_embedding([walks], 42, **sg, anchor=anchor[:, :3], owner=np.arange(42),
                       anchor_weight=1.0)


def test_regularization_makes_personas_predict_their_node():
    """The regulariser's own objective, -log Pr(node | persona) under the fixed
    base embedding: with a strong weight the node's base vector ranks first
    for most personas. (Cosine to the base vector is not what it optimises:
    pushing away from the noise nodes' base vectors, which share a common
    direction, lowers it.)"""
    A, _ = planted_partition(n_blocks=3, size=30, p_in=0.3, p_out=0.03)

    def identified(regularization):
        est = SplitterEmbedder(12, regularization=regularization, epochs=3,
                               **FAST).fit(A)
        assert est.persona_embedding_.shape[0] > A.shape[0]  # some nodes split
        scores = est.persona_embedding_ @ est.base_embedding_.T
        owner = est.persona_to_node_
        log_p = scores[np.arange(len(owner)), owner] - np.log(
            np.exp(scores).sum(1))
        return (scores.argmax(1) == owner).mean(), log_p.mean()

    free, anchored = identified(0.0), identified(5.0)
    assert anchored[0] > free[0] + 0.4  # seen: 0.21 -> 0.88
    assert anchored[1] > free[1] + 1.0  # seen: -2.9 -> -1.0


def test_node_classification_better_than_chance():
    A, y = planted_partition(n_blocks=4, size=40, p_in=0.2, p_out=0.01)
    emb = SplitterEmbedder(16, **FAST).fit_transform(A)
    assert emb.shape == (160, 16) and emb.dtype == np.float64
    assert cross_val_score(LogisticRegression(), emb, y, cv=4).mean() > 0.85


def test_link_prediction_with_personas_better_than_chance():
    """The paper's task on a small graph: held-out edges score higher than
    non-edges under the best persona pair."""
    A, _ = planted_partition(n_blocks=4, size=30, p_in=0.4, p_out=0.02, seed=1)
    rng = np.random.RandomState(0)
    upper = sp.triu(A).tocoo()
    held = rng.rand(upper.nnz) < 0.2
    train = sp.coo_matrix((upper.data[~held], (upper.row[~held], upper.col[~held])),
                          shape=A.shape)
    est = SplitterEmbedder(16, **FAST).fit(train + train.T)
    P, owner = est.persona_embedding_, est.persona_to_node_

    def score(u, v):
        return (P[owner == u] @ P[owner == v].T).max()

    positives = [score(u, v) for u, v in zip(upper.row[held], upper.col[held])]
    pairs = rng.randint(0, A.shape[0], (300, 2))
    negatives = [score(u, v) for u, v in pairs if u != v and A[u, v] == 0]
    auc = (np.array(positives)[:, None] > np.array(negatives)[None, :]).mean()
    assert auc > 0.75


def test_same_seed_same_embedding_whatever_n_jobs():
    A, _ = planted_partition()
    a = SplitterEmbedder(8, n_jobs=1, **FAST).fit(A)
    b = SplitterEmbedder(8, n_jobs=2, **FAST).fit(A)
    np.testing.assert_array_equal(a.embedding_, b.embedding_)
    np.testing.assert_array_equal(a.persona_embedding_, b.persona_embedding_)
    c = SplitterEmbedder(8, **{**FAST, "random_state": 1}).fit(A)
    assert not np.array_equal(a.embedding_, c.embedding_)


def test_pickle_round_trip_and_fixed_graph_pipeline(tmp_path):
    A, y = planted_partition()
    nodes = np.arange(40).reshape(-1, 1)
    est = SplitterEmbedder(8, graph=A, memory=str(tmp_path), **FAST)
    pipe = make_pipeline(est, LogisticRegression()).fit(nodes[::2], y[::2])
    assert pipe.score(nodes[1::2], y[1::2]) > 0.8
    rows = est.transform(nodes[5:9])
    np.testing.assert_array_equal(rows, est.embedding_[5:9])
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(nodes[5:9]), rows)
    np.testing.assert_array_equal(again.persona_embedding_, est.persona_embedding_)
    # the cached fit gives the same arrays
    cached = SplitterEmbedder(8, graph=A, memory=str(tmp_path), **FAST).fit(nodes)
    np.testing.assert_array_equal(cached.persona_embedding_, est.persona_embedding_)
    assert not hasattr(SplitterEmbedder(), "transform")  # graph=None: no transform


def test_bad_inputs_and_parameters_raise():
    A, _ = planted_partition()
    with pytest.raises(ValueError, match="non-negative"):
        SplitterEmbedder(4, **FAST).fit(-A)
    with pytest.raises(ValueError):
        SplitterEmbedder(4, **FAST).fit(sp.random(5, 4, density=0.5))
    with pytest.raises(InvalidParameterError, match="regularization"):
        SplitterEmbedder(4, regularization=-1.0).fit(A)
    with pytest.raises(InvalidParameterError, match="window"):
        SplitterEmbedder(4, window=0).fit(A)
    with pytest.raises(ValueError, match="Node ids must lie"):
        SplitterEmbedder(4, graph=A, **FAST).fit(np.array([[0], [40]]))


def test_isolated_nodes_keep_one_persona_at_their_base_vector():
    A = sp.lil_matrix((8, 8))
    for u, v in [(0, 1), (1, 2), (2, 0), (3, 4)]:
        A[u, v] = A[v, u] = 1
    est = SplitterEmbedder(4, regularization=0.0, **FAST).fit(A.tocsr())
    np.testing.assert_array_equal(est.persona_to_node_, np.arange(8))
    # no edges, no skip-gram pair, no regulariser: the persona stays at its
    # initial base row
    np.testing.assert_array_equal(est.embedding_[5:], est.base_embedding_[5:])
    assert not np.array_equal(est.embedding_[:5], est.base_embedding_[:5])
