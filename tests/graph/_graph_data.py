"""Small graphs shared by the graph tests."""

import numpy as np
import scipy.sparse as sp


def planted_partition(n_blocks=2, size=20, p_in=0.5, p_out=0.02, seed=0):
    """``n_blocks`` dense blocks of ``size`` nodes, few edges between them;
    returns the CSR adjacency and each node's block."""
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(n_blocks), size)
    prob = np.where(y[:, None] == y[None, :], p_in, p_out)
    upper = np.triu(rng.rand(len(y), len(y)) < prob, 1)
    return sp.csr_matrix((upper | upper.T).astype(float)), y


def light_row_after_heavy_rows():
    """A graph whose node 2000 has three light edges (weights 3e-4, 7e-4 and
    5e-4 to nodes 2001-2003: draws 0.2, 0.467, 0.333) stored after 1,000
    heavy edges (1e9 each): one cumulative sum over the whole graph loses
    the light row to rounding. Returns the CSR adjacency."""
    n = 2004
    heavy = sp.coo_matrix(
        (np.full(1000, 1e9), (np.arange(1000), np.arange(1000, 2000))), shape=(n, n)
    )
    light = sp.coo_matrix(
        ([3e-4, 7e-4, 5e-4], ([2000] * 3, [2001, 2002, 2003])), shape=(n, n)
    )
    return (heavy + heavy.T + light + light.T).tocsr()
