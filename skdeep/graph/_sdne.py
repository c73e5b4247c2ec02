"""SDNE: a deep autoencoder on adjacency rows with first- and second-order losses."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from skdeep.autoencoder._modules import ACTIVATIONS
from skdeep.gnn._modules import FeatureLinear
from skdeep.graph._embedders import (
    _GRAPH_DOC,
    INPUT_FORMAT_PARAM_DOC,
    BaseNodeEmbedder,
)
from skdeep.graph._walks import row_normalized_cumsum
from skdeep.utils._sklearn import Interval, StrOptions
from skdeep.utils._torch import inference_mode, resolve_device
from skdeep.utils._training import BaseTorchEstimator, store_init_params

# -- plain torch: the graph's rows, the network and the loss -------------------


class SparseRows:
    """A CSR adjacency on a device, read a batch of rows at a time.

    Nothing here is ``n_nodes x n_nodes`` dense: the matrix is kept as its
    three CSR arrays, and a batch of rows comes back as its non-zero entries
    (:meth:`entries`) or as a sparse COO tensor (:meth:`sparse`).

    Parameters
    ----------
    adjacency : scipy.sparse.csr_matrix
        Non-negative weights, duplicates summed, indices sorted.
    device : torch.device
    """

    def __init__(self, adjacency, device):
        A = sp.csr_matrix(adjacency, dtype=np.float32)
        self.n_nodes = A.shape[0]
        self.device = torch.device(device)
        self.indptr = torch.from_numpy(A.indptr.astype(np.int64)).to(self.device)
        self.indices = torch.from_numpy(A.indices.astype(np.int64)).to(self.device)
        self.data = torch.from_numpy(A.data.astype(np.float32)).to(self.device)
        # Cumulative weights (float64, with a leading 0) for neighbour
        # sampling; row i's weights span [cum[indptr[i]], cum[indptr[i+1]]),
        # each row's weights over its total (see row_normalized_cumsum)
        cum = np.r_[0.0, row_normalized_cumsum(A.indptr, A.data)]
        self.cumulative = torch.from_numpy(cum).to(self.device)
        self.degree = torch.from_numpy(
            np.asarray(A.sum(axis=1), dtype=np.float32).ravel()
        ).to(self.device)

    def entries(self, ids):
        """Non-zeros of rows ``ids``: ``(row, col, value)``, ``row`` indexing
        into ``ids`` (local), in CSR order."""
        start, stop = self.indptr[ids], self.indptr[ids + 1]
        counts = stop - start
        local = torch.arange(len(ids), device=self.device)
        row = torch.repeat_interleave(local, counts)
        offsets = torch.cumsum(counts, 0) - counts
        pos = start[row] + torch.arange(len(row), device=self.device) - offsets[row]
        return row, self.indices[pos], self.data[pos]

    def sparse(self, ids, entries=None):
        """Rows ``ids`` as a coalesced ``(len(ids), n_nodes)`` COO tensor."""
        row, col, value = self.entries(ids) if entries is None else entries
        return torch.sparse_coo_tensor(
            torch.stack([row, col]), value, (len(ids), self.n_nodes),
            is_coalesced=True, check_invariants=False,
        )

    def sample_neighbours(self, ids):
        """One neighbour of each node in ``ids``, drawn with probability
        proportional to the edge weight (torch's RNG); a node without edges
        gets itself."""
        start, stop = self.indptr[ids], self.indptr[ids + 1]
        if len(self.indices) == 0:
            return ids.clone()
        low, high = self.cumulative[start], self.cumulative[stop]
        u = torch.rand(len(ids), dtype=torch.float64, device=self.device)
        target = low + u * (high - low)
        # edge k covers [cum[k], cum[k + 1]): the first k with cum[k+1] > target
        pos = torch.searchsorted(self.cumulative[1:], target, right=True)
        pos = torch.minimum(torch.maximum(pos, start), stop - 1)
        pos = pos.clamp(0, len(self.indices) - 1)
        return torch.where(stop > start, self.indices[pos], ids)


class SDNEModule(nn.Module):
    """SDNE's autoencoder: adjacency row ``s_i`` -> embedding ``y_i`` -> ``s^_i``.

    The encoder's first layer multiplies the sparse rows (no dense input);
    every encoder layer, the embedding included, applies ``activation`` (as
    in the paper); the decoder mirrors the hidden layers and ends with a
    linear layer of ``n_nodes`` outputs (weights may exceed 1). The rows are
    read from the attribute ``rows`` (a :class:`SparseRows`), which the
    estimator sets for training and which is never part of the state.

    ``forward(ids)`` returns what :class:`SDNELoss` needs for the batch: the
    reconstruction ``(len(ids), n_nodes)``, the batch's non-zero entries, the
    embeddings of the nodes and of one sampled neighbour of each, and the
    nodes' weighted degrees.
    """

    rows = None

    def __init__(self, n_nodes, hidden_layer_sizes, dimensions, activation):
        super().__init__()
        sizes = [n_nodes, *hidden_layer_sizes, dimensions]
        self.input_layer = FeatureLinear(sizes[0], sizes[1])
        self.encoder = nn.Sequential(
            ACTIVATIONS[activation](),
            *[
                block
                for a, b in zip(sizes[1:-1], sizes[2:])
                for block in (nn.Linear(a, b), ACTIVATIONS[activation]())
            ],
        )
        back = sizes[::-1]
        decoder = []
        for a, b in zip(back[:-2], back[1:-1]):
            decoder += [nn.Linear(a, b), ACTIVATIONS[activation]()]
        self.decoder = nn.Sequential(*decoder, nn.Linear(back[-2], back[-1]))

    def encode(self, x):
        """Embeddings of sparse rows ``x`` (a COO tensor)."""
        return self.encoder(self.input_layer(x))

    def embed(self, ids):
        return self.encode(self.rows.sparse(ids))

    def forward(self, ids):
        rows = self.rows
        entries = rows.entries(ids)
        neighbours = rows.sample_neighbours(ids)
        both = self.encode(rows.sparse(torch.cat([ids, neighbours])))
        y, y_neighbour = both[: len(ids)], both[len(ids):]
        return self.decoder(y), entries, y, y_neighbour, rows.degree[ids]

    def __getstate__(self):
        state = super().__getstate__().copy()
        state.pop("rows", None)
        return state


def sdne_loss_terms(reconstruction, entries, y, y_neighbour, degree, beta):
    """The batch's second- and first-order sums (before ``alpha`` and scaling).

    * second order: ``sum_i ||(s^_i - s_i) * b_i||^2`` with ``b_ij = beta``
      where ``s_ij > 0``, else 1 (over every column of the batch's rows);
    * first order: ``sum_i d_i ||y_i - y_J(i)||^2``, ``J(i)`` one neighbour
      drawn with probability ``s_ij / d_i`` (``d_i = sum_j s_ij``); its
      expectation is ``sum_i sum_j s_ij ||y_i - y_j||^2``, the batch's part of
      the paper's Laplacian term.
    """
    row, col, value = entries
    # s^ - s without a dense copy of s: subtract s at its non-zeros only
    residual = reconstruction.index_put((row, col), -value, accumulate=True)
    second = residual.square().sum()
    if beta != 1:
        second = second + (beta * beta - 1.0) * residual[row, col].square().sum()
    first = (degree * (y - y_neighbour).square().sum(1)).sum()
    return second, first


class SDNELoss(nn.Module):
    """``(L_2nd + alpha L_1st) / n_batch`` of one batch (skorch criterion).

    The per-node mean keeps the loss's scale independent of the batch size;
    summed over the ``n / n_batch`` batches of an epoch it is an unbiased
    estimate of the paper's ``(L_2nd + alpha L_1st) / n``.
    """

    def __init__(self, alpha, beta):
        super().__init__()
        self.alpha = alpha
        self.beta = beta

    def forward(self, outputs, target=None):
        reconstruction = outputs[0]
        second, first = sdne_loss_terms(*outputs, beta=self.beta)
        return (second + self.alpha * first) / len(reconstruction)


# -- the estimator ---------------------------------------------------------------


def _check_hidden(sizes):
    sizes = tuple(sizes)
    if not all(isinstance(s, Integral) and s > 0 for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must hold positive integers; got {sizes!r}."
        )
    return sizes


class SDNEEmbedder(BaseNodeEmbedder, BaseTorchEstimator):
    __doc__ = """SDNE: structural deep network embedding (Wang, Cui & Zhu, 2016).

    A deep autoencoder reconstructs each node's adjacency row ``s_i`` from
    its embedding ``y_i`` (second-order proximity: nodes with similar
    neighbourhoods get similar embeddings), while a Laplacian term pulls the
    embeddings of linked nodes together (first-order proximity). The loss is

    ``L = sum_i ||(s^_i - s_i) * b_i||^2 + alpha sum_ij s_ij ||y_i - y_j||^2
    + nu L_reg``

    with ``b_ij = beta`` where ``s_ij > 0`` and 1 elsewhere (errors on
    existing edges cost more than on absent ones, which the sparse rows are
    mostly made of); ``nu L_reg`` is ``weight_decay``. The edge weights
    ``s_ij`` are divided by the largest one first (an unweighted graph is
    unchanged), so that a uniform scale of the weights changes nothing, as
    for the random-walk embedders: the loss grows with their squares
    (weights of 1e20 overflowed float32, and weights of 1e-6 gave a flat
    embedding).

    Training takes skdeep's shared torch road (skorch, ``max_epochs``,
    ``batch_size``, ``lr``, early stopping, ``device``, ``random_state``,
    ``verbose``) in mini-batches of nodes:

    * the adjacency stays sparse (CSR on the device); a batch's rows enter
      the encoder as a sparse matrix product, and the only dense
      ``n_nodes``-wide tensors are the batch's reconstruction and its
      gradient, ``batch_size x n_nodes``: memory grows linearly with the
      number of nodes (plus the two ``n_nodes x width`` weight matrices of
      the first and last layers), never with its square. The time of an
      epoch grows with ``n_nodes^2 x width`` (every node reconstructs a row
      of every node), as in the paper;
    * the first-order term is estimated, for each node ``i`` of the batch,
      from one neighbour ``j`` drawn with probability ``s_ij / d_i`` (a new
      draw every epoch): ``d_i ||y_i - y_j||^2`` has expectation
      ``sum_j s_ij ||y_i - y_j||^2``, so every edge is seen as often as its
      weight says, whatever the batch size. (The reference code takes the
      edges between the batch's own nodes instead; with batches of a few
      hundred nodes out of thousands, that keeps only a few percent of the
      edges per epoch.) The neighbours go through the encoder only;
    * the batch loss is ``(L_2nd + alpha L_1st) / batch_size`` over the
      batch's nodes, an unbiased estimate of ``(L_2nd + alpha L_1st) /
      n_nodes``, so ``alpha`` keeps the paper's meaning.

    The embedding of every node (``embedding_``) is the encoder's output on
    its adjacency row after training. A directed graph is read as given: row
    ``i`` holds the out-edges of node ``i``.

    {graph_doc}

    Parameters
    ----------
    dimensions : int, default=128
        Size of each node's embedding (the encoder's last layer).

    graph : scipy.sparse matrix, ndarray or networkx graph, default=None
        A fixed graph; ``X`` is then a column of node ids. See above.

{input_format_doc}

    hidden_layer_sizes : tuple of int, default=(256,)
        Encoder widths between the adjacency row and the embedding; the
        decoder mirrors them. The paper's networks have one hidden layer of
        a few hundred to a thousand units for graphs of thousands to tens of
        thousands of nodes. The first and last layers hold ``n_nodes x
        hidden_layer_sizes[0]`` weights each.

    activation : {{"relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu", \
"identity"}}, default="relu"
        Non-linearity of every encoder layer (the embedding included) and of
        the decoder's hidden layers; the reconstruction is linear. The
        paper uses the sigmoid, which trained much more slowly here (Cora,
        50 epochs: validation accuracy 0.67 against 0.73 for ReLU).

    alpha : float, default=1.0
        Weight of the first-order (Laplacian) term. 0 trains a plain
        weighted autoencoder of the rows. On Cora (node classification,
        validation nodes, one seed) 0, 1 and 10 gave 0.67, 0.76 and 0.77.

    beta : float, default=5.0
        Weight ``b_ij`` of the reconstruction errors on existing edges
        (``beta > 1`` in the paper; 1 weighs all entries alike).

    lr : float, default=0.001
        Learning rate of the optimizer.

    max_epochs : int, default=50
        Passes over the nodes (fewer with early stopping). Longer training
        fits the rows better but need not embed better (on Cora 150 epochs
        scored below 50).

    batch_size : int, default=256
        Nodes per training step (each brings its sampled neighbour); also
        the batch of the final encoding pass. Peak memory is about ``8 x
        batch_size x n_nodes`` floats on top of the weights.

    optimizer : {{"adam", "adamw", "sgd", "rmsprop"}} or torch optimizer class, \
default="adam"
        The optimizer.

    weight_decay : float, default=1e-5
        L2 penalty on all weights, passed to the optimizer: the paper's
        ``nu L_reg`` (relative to the per-node loss above).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the nodes (their rows are not
        reconstructed in training; they are still columns of the others)
        and stop when their loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the weights of the epoch with the lowest
        validation loss are restored.

    validation_fraction : float, default=0.1
        Share of the nodes held out for early stopping.

    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.

    tol : float, default=1e-4
        Relative improvement of the validation loss that counts as progress.

    device : str or torch.device, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``. The sparse
        adjacency is moved there once per fit.

    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the node order and the neighbour draws; an int
        makes fits bitwise reproducible on the CPU and leaves the global
        random states untouched.

    verbose : int, default=0
        0 is silent; 1 shows a progress bar and a per-epoch table.

    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks; see the ``callbacks``
        parameter of :class:`~skdeep.uncertainty.MCDropoutRegressor`.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, dimensions)
        One row per node (float64).

    n_nodes_ : int
        Number of nodes of the graph.

    n_features_in_ : int
        ``n_nodes`` when the graph is ``X``, 1 (the node-id column) with
        ``graph=`` set.

    history_, n_iter_, loss_curve_, validation_scores_, net_ :
        The training record, as for every skdeep torch estimator
        (``validation_scores_`` only with early stopping: the validation loss
        of each epoch, lower is better).

    See Also
    --------
    Node2VecEmbedder : Skip-gram embeddings of random walks.
    skdeep.autoencoder.AutoencoderTransformer : The plain autoencoder of rows
        of features.
    sklearn.manifold.SpectralEmbedding : Laplacian eigenmaps, the
        first-order term alone.

    References
    ----------
    D. Wang, P. Cui and W. Zhu, "Structural Deep Network Embedding", KDD
    2016. :doi:`10.1145/2939672.2939753`

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import kneighbors_graph
    >>> from skdeep.graph import SDNEEmbedder
    >>> X, y = load_iris(return_X_y=True)
    >>> A = kneighbors_graph(X, 5, include_self=False)
    >>> emb = SDNEEmbedder(8, hidden_layer_sizes=(32,), max_epochs=5,
    ...                    random_state=0)
    >>> emb.fit_transform(A).shape
    (150, 8)
    >>> len(emb.loss_curve_)
    5

    With a fixed graph, ``X`` holds node ids and the embedder is a pipeline
    step:

    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> nodes = np.arange(150).reshape(-1, 1)
    >>> pipe = make_pipeline(
    ...     SDNEEmbedder(8, graph=A, hidden_layer_sizes=(32,), max_epochs=5,
    ...                  random_state=0),
    ...     LogisticRegression())
    >>> pipe.fit(nodes[::2], y[::2]).predict(nodes[1::2]).shape
    (75,)
    """.format(graph_doc=_GRAPH_DOC.replace("\n", "\n    "),
               input_format_doc=INPUT_FORMAT_PARAM_DOC)

    _parameter_constraints: dict = {
        **{
            k: v for k, v in BaseNodeEmbedder._parameter_constraints.items()
            if k != "memory"
        },
        **BaseTorchEstimator._parameter_constraints,
        "dimensions": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="neither")],
    }

    # BaseNodeEmbedder.fit caches through ``memory``; SDNE has no cacheable
    # stage, so the (non-parameter) class attribute makes it a no-op cache.
    memory = None

    def __init__(
        self,
        dimensions=128,
        *,
        graph=None,
        input_format="auto",
        hidden_layer_sizes=(256,),
        activation="relu",
        alpha=1.0,
        beta=5.0,
        lr=0.001,
        max_epochs=50,
        batch_size=256,
        optimizer="adam",
        weight_decay=1e-5,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_params(self, locals())

    def _embed(self, adjacency, seed, memory):
        _check_hidden(self.hidden_layer_sizes)
        # a copy: the in-place passes below rewrote the index arrays of the
        # caller's matrix (shared by the cast), putting weights on other edges
        adjacency = sp.csr_matrix(adjacency, dtype=np.float64, copy=True)
        adjacency.sum_duplicates()
        adjacency.eliminate_zeros()
        adjacency.sort_indices()
        if adjacency.nnz and not np.all(np.isfinite(adjacency.data)):
            raise ValueError("The graph's edge weights contain NaN or infinity.")
        if adjacency.nnz:  # weights over the largest one (see the class notes)
            adjacency.data /= adjacency.data.max()
        adjacency = adjacency.astype(np.float32)
        self._device = resolve_device(self.device)
        self._seed = seed
        self.n_nodes_ = adjacency.shape[0]
        self._fit_rows = SparseRows(adjacency, self._device)
        try:
            ids = torch.arange(self.n_nodes_)
            module = self._fit_module(ids, ids)
            return self._encode_all(module, self._fit_rows)
        finally:
            del self._fit_rows
            if hasattr(self, "net_"):
                vars(self.net_.module_).pop("rows", None)  # (class default)

    def _encode_all(self, module, rows):
        """The embedding of every node, ``batch_size`` rows at a time."""
        module.rows = rows
        ids = torch.arange(rows.n_nodes, device=rows.device)
        with inference_mode(module):
            parts = [
                module.embed(ids[start:start + self.batch_size]).cpu()
                for start in range(0, rows.n_nodes, self.batch_size)
            ]
        return torch.cat(parts).double().numpy()

    def _build_module(self):
        module = SDNEModule(
            self.n_nodes_, _check_hidden(self.hidden_layer_sizes),
            self.dimensions, self.activation,
        )
        if hasattr(self, "_fit_rows"):
            module.rows = self._fit_rows
        return module

    def _criterion(self):
        return SDNELoss(float(self.alpha), float(self.beta))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"dimensions": 2, "hidden_layer_sizes": (4,), "max_epochs": 2,
             "batch_size": 16},
            {"dimensions": 3, "hidden_layer_sizes": (), "activation": "tanh",
             "alpha": 0.0, "beta": 1.0, "max_epochs": 1, "batch_size": 64},
        ]
