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
