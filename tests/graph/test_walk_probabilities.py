"""node2vec walks against the exact transition law, computed by brute force.

The reference is node2vec's definition (Grover & Leskovec, 2016, eq. 2 and the
reference code): the first step from ``v`` goes to ``x`` with probability
``w_vx / sum_y w_vy``; a later step, having come from ``t`` to ``v``, goes to
``x`` with probability proportional to ``alpha(t, x) * w_vx``, where
``alpha`` is ``1/p`` if ``x == t``, ``1`` if ``x`` is a neighbour of ``t``
and ``1/q`` otherwise. The walker's empirical frequencies, at the first step
and at every later step of long walks, are tested with a chi-square test
(fixed seeds, so the test is deterministic).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import chi2

pytest.importorskip("numba")

from skdeep.graph import random_walks  # noqa: E402
from skdeep.graph._walks import CSRGraph  # noqa: E402

# A p-value below this fails (each test makes one pooled test).
LEVEL = 1e-4


def hub_graph():
    """A weighted, hub-heavy undirected graph with self-loops.

    Node 0 is a hub joined to every node with weights spanning two orders of
    magnitude; node 1 is a second hub; nodes 0 and 3 carry self-loops; one
    edge has a tiny weight, so rare moves are exercised too.
    """
    n = 8
    W = np.zeros((n, n))
    for j, w in zip(range(1, n), [40.0, 1.0, 0.5, 3.0, 8.0, 2.0, 0.05]):
        W[0, j] = w
    for j, w in zip([2, 3, 4, 5], [5.0, 1.5, 0.25, 2.0]):
        W[1, j] = w
    W[2, 3] = 7.0
    W[4, 5] = 1.0
    W[5, 6] = 0.3
    W[6, 7] = 4.0
    W = W + W.T
    W[0, 0] = 6.0  # self-loops: one entry on the diagonal, as in PPI's .mat
    W[3, 3] = 0.75
    return W


def reference_first_step(W):
    """Exact P(x | v) of a walk's first step: w_vx normalised."""
    return W / W.sum(axis=1, keepdims=True)


def reference_second_order(W, p, q):
    """Exact P(x | t, v) from node2vec's definition, by brute force.

    Returns an array ``P[t, v, x]`` (zero where ``t -> v`` is no edge).
    """
    n = W.shape[0]
    P = np.zeros((n, n, n))
    for t in range(n):
        for v in range(n):
            if W[t, v] == 0:
                continue
            for x in range(n):
                if W[v, x] == 0:
                    continue
                if x == t:
                    alpha = 1.0 / p  # d_tx = 0
                elif W[t, x] > 0:
                    alpha = 1.0  # d_tx = 1
                else:
                    alpha = 1.0 / q  # d_tx = 2
                P[t, v, x] = alpha * W[v, x]
            P[t, v] /= P[t, v].sum()
    return P


def chi_square_pvalue(observed, expected_probs):
    """Pooled chi-square test of several multinomial rows.

    ``observed`` and ``expected_probs`` are lists of 1-d arrays (counts and
    the exact probabilities of one conditioning context each). Cells whose
    expected count is below 5 are merged into one cell per row (the usual
    validity rule), so rare moves still count.
    """
    stat, dof = 0.0, 0
    for counts, probs in zip(observed, expected_probs):
        total = counts.sum()
        assert np.all(counts[probs == 0] == 0), "a move of probability zero"
        support = probs > 0
        counts, probs = counts[support], probs[support]
        expected = probs * total
        big = expected >= 5
        cells_o = list(counts[big])
        cells_e = list(expected[big])
        if (~big).any():
            cells_o.append(counts[~big].sum())
            cells_e.append(expected[~big].sum())
        cells_o, cells_e = np.array(cells_o), np.array(cells_e)
        if len(cells_o) < 2:
            continue
        stat += ((cells_o - cells_e) ** 2 / cells_e).sum()
        dof += len(cells_o) - 1
    return chi2.sf(stat, dof), dof


def test_reference_matches_hand_computation():
    # Walk 2 -> 0 on hub_graph, p=2, q=0.5: from hub 0, x = 2 is the previous
    # node (1/p), x in {0 (self-loop), 1, 3} neighbours of 2 (1), others 1/q.
    W = hub_graph()
    P = reference_second_order(W, p=2.0, q=0.5)
    raw = np.array([6.0 * 1, 40.0 * 1, 1.0 * 0.5, 0.5 * 1, 3.0 * 2, 8.0 * 2,
                    2.0 * 2, 0.05 * 2])
    np.testing.assert_allclose(P[2, 0], raw / raw.sum())


@pytest.mark.parametrize("p, q", [(1.0, 1.0), (0.25, 4.0), (4.0, 0.25),
                                  (0.5, 2.0), (2.0, 0.5)])
def test_first_step_is_weight_proportional(p, q):
    W = hub_graph()
    n = W.shape[0]
    starts = np.repeat(np.arange(n), 1)
    walks = random_walks(sp.csr_matrix(W), n_walks=6000, walk_length=2, p=p, q=q,
                         start_nodes=starts, random_state=3)
    ref = reference_first_step(W)
    observed = [np.bincount(walks[walks[:, 0] == v, 1], minlength=n)
                for v in range(n)]
    pvalue, dof = chi_square_pvalue(observed, list(ref))
    assert dof > 20
    assert pvalue > LEVEL, pvalue


@pytest.mark.parametrize("p, q", [(1.0, 1.0), (0.25, 4.0), (4.0, 0.25),
                                  (0.5, 2.0), (2.0, 0.5), (0.1, 0.1), (10.0, 10.0)])
def test_later_steps_follow_node2vec_law(p, q):
    """Every (t, v, x) triple of long walks, from step 2 on, pooled."""
    W = hub_graph()
    n = W.shape[0]
    walks = random_walks(sp.csr_matrix(W), n_walks=1500, walk_length=40, p=p, q=q,
                         random_state=7)
    assert (walks >= 0).all()
    t, v, x = walks[:, :-2].ravel(), walks[:, 1:-1].ravel(), walks[:, 2:].ravel()
    counts = np.zeros((n, n, n), dtype=np.int64)
    np.add.at(counts, (t, v, x), 1)
    ref = reference_second_order(W, p, q)
    observed, expected = [], []
    for a in range(n):
        for b in range(n):
            if counts[a, b].sum() >= 50:
                observed.append(counts[a, b])
                expected.append(ref[a, b])
    pvalue, dof = chi_square_pvalue(observed, expected)
    assert dof > 50
    assert pvalue > LEVEL, (pvalue, dof)


@pytest.mark.parametrize("weighted", [True, False])
def test_unweighted_and_equal_weights_walk_uniformly(weighted):
    """Equal weights (or ``weighted=False``) give the uniform node2vec law."""
    W = hub_graph()
    U = (W > 0).astype(float)
    graph = CSRGraph(sp.csr_matrix(U * 3.0 if weighted else W), weighted=weighted)
    assert not graph.weighted
    walks = random_walks(graph, n_walks=1000, walk_length=30, p=0.5, q=2.0,
                         random_state=11)
    n = W.shape[0]
    counts = np.zeros((n, n, n), dtype=np.int64)
    np.add.at(counts, (walks[:, :-2].ravel(), walks[:, 1:-1].ravel(),
                       walks[:, 2:].ravel()), 1)
    ref = reference_second_order(U, 0.5, 2.0)
    pairs = [(a, b) for a in range(n) for b in range(n) if counts[a, b].sum() >= 50]
    pvalue, dof = chi_square_pvalue([counts[a, b] for a, b in pairs],
                                    [ref[a, b] for a, b in pairs])
    assert pvalue > LEVEL, (pvalue, dof)


def test_chi_square_detects_a_wrong_law():
    """The pooled test has power: walks with q=1 fail the q=0.5 law."""
    W = hub_graph()
    n = W.shape[0]
    walks = random_walks(sp.csr_matrix(W), n_walks=1500, walk_length=40, p=1.0,
                         q=1.0, random_state=7)
    counts = np.zeros((n, n, n), dtype=np.int64)
    np.add.at(counts, (walks[:, :-2].ravel(), walks[:, 1:-1].ravel(),
                       walks[:, 2:].ravel()), 1)
    ref = reference_second_order(W, 1.0, 0.5)
    pairs = [(a, b) for a in range(n) for b in range(n) if counts[a, b].sum() >= 50]
    pvalue, _ = chi_square_pvalue([counts[a, b] for a, b in pairs],
                                  [ref[a, b] for a, b in pairs])
    assert pvalue < 1e-12


def test_large_weights_keep_rare_moves():
    """Weights of very different scales (co-occurrence counts up to 1e6 next
    to 1): the rare edge is taken at its exact rate (no float cancellation
    in the cumulative weights)."""
    W = np.zeros((4, 4))
    W[0, 1], W[0, 2], W[0, 3] = 1e6, 1.0, 3e5
    W[1, 2], W[2, 3] = 2e6, 1.0
    W = W + W.T
    walks = random_walks(sp.csr_matrix(W), n_walks=200000, walk_length=2,
                         start_nodes=[0], random_state=5)
    freq = np.bincount(walks[:, 1], minlength=4) / len(walks)
    expected = W[0] / W[0].sum()
    # 200,000 draws: the rare edge (7.7e-7) is seen 0 or a few times at most
    assert freq[2] < 2e-5
    np.testing.assert_allclose(freq[[1, 3]], expected[[1, 3]], atol=4e-3)
