"""Message-passing layers and networks: GCN, GAT and GraphSAGE in plain torch.

Messages travel with sparse matrix products (GCN, GraphSAGE's mean) and with
``index_add_``/``scatter_reduce_`` over an edge list (GAT's edge softmax,
GraphSAGE's max pooling). A network reads its graph from the attribute
``graph`` (a :class:`~skdeep.gnn._graph.GraphTensors`), which the estimator
sets and which is never part of the module's state: the weights do not
depend on the graph, so a trained network runs on another graph with
features of the same width (inductive use).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from skdeep.utils._torch import gather_rows


def sparse_dropout(x, p, training):
    """Dropout on the stored values of a COO tensor (Kipf & Welling's
    dropout of sparse bag-of-words inputs)."""
    if not training or p == 0:
        return x
    values = F.dropout(x.values(), p, True)
    return torch.sparse_coo_tensor(
        x.indices(), values, x.shape, is_coalesced=True, check_invariants=False
    )


class FeatureLinear(nn.Module):
    """``dropout(x) @ W + b`` for dense, sparse (COO) or identity inputs.

    Identity features (``x=None``) are one-hot rows, so ``x @ W`` is the row
    of ``W`` of each node: looked up by ``ids``, with input dropout dropping
    whole rows.
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        nn.init.xavier_uniform_(self.weight)

    def forward(self, x, ids=None, dropout=0.0):
        if x is None:
            out = gather_rows(self.weight, ids)
            if self.training and dropout > 0:
                keep = torch.rand(len(ids), 1, device=out.device) >= dropout
                out = out * keep / (1 - dropout)
        elif x.is_sparse:
            x = sparse_dropout(x, dropout, self.training)
            out = torch.sparse.mm(x, self.weight)
        else:
            out = F.dropout(x, dropout, self.training) @ self.weight
        return out if self.bias is None else out + self.bias


class GraphModule(nn.Module):
    """Base of the networks: holds the (unregistered, unpickled) graph.

    Subclasses implement ``propagate(node_ids) -> (logits, embedding)`` for
    the given nodes; ``forward`` returns the logits (what skorch trains).
    """

    graph = None
    # Set by the estimator when it trains in mini-batches (GCN, GAT): a batch
    # then reads only the nodes its outputs depend on (see _fields).
    neighbourhood_batches = False

    def _fields(self, node_ids):
        """The batch's receptive fields (:meth:`GraphTensors.receptive_fields`)
        where the network reads them instead of the whole graph: with
        ``neighbourhood_batches`` set and where they cover at most half the
        graph (every step computed every node, so that an epoch of
        mini-batches cost n_nodes x n_batches); None otherwise."""
        if not self.neighbourhood_batches:
            return None
        g = self.graph
        return g.receptive_fields(node_ids, len(self.layers), g.n_nodes // 2)

    def forward(self, node_ids):
        return self.propagate(node_ids)[0]

    def embed(self, node_ids):
        return self.propagate(node_ids)[1]

    @property
    def embedding_width(self):
        """Columns of :meth:`embed`'s output (the last hidden layer's
        width), or None for a network without a hidden layer."""
        if len(self.layers) < 2:
            return None
        last = self.layers[-1]  # its input is the last hidden layer
        return getattr(last, "linear", last).weight.shape[0]

    def __getstate__(self):
        state = super().__getstate__().copy()
        state.pop("graph", None)
        return state


def _node_rows(node_ids, h, hidden, fields=None):
    """The rows of ``node_ids`` in the output ``h`` and in the last hidden
    layer ``hidden`` (None without one); with ``fields``, ``h`` holds the
    rows of ``fields[-1]`` and ``hidden`` those of ``fields[-2]``."""
    if fields is None:
        return gather_rows(h, node_ids), None if hidden is None else gather_rows(
            hidden, node_ids)
    ids = node_ids.cpu().numpy()
    out = gather_rows(h, _positions(fields[-1], ids, h.device))
    if hidden is not None:
        hidden = gather_rows(hidden, _positions(fields[-2], ids, h.device))
    return out, hidden


def _positions(sorted_nodes, nodes, device):
    """Where ``nodes`` sit in ``sorted_nodes``, a long tensor on ``device``."""
    return torch.from_numpy(np.searchsorted(sorted_nodes, nodes).astype(np.int64)).to(
        device)


class GCNModule(GraphModule):
    """Kipf & Welling's graph convolutional network.

    Each layer is ``H' = Â dropout(H) W + b`` with ``Â = D^-1/2 (A + I)
    D^-1/2``, ReLU between layers; the whole graph is computed at once
    (full batch) and the rows of ``node_ids`` returned.
    """

    def __init__(self, n_features, hidden_layer_sizes, n_outputs, dropout):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, n_outputs]
        self.layers = nn.ModuleList(
            FeatureLinear(a, b, bias=False) for a, b in zip(sizes[:-1], sizes[1:])
        )
        # The bias is added after propagation (as PyG's GCNConv does), so
        # every node gets it once whatever its degree.
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(b)) for b in sizes[1:])
        self.dropout = dropout

    def propagate(self, node_ids):
        g = self.graph
        fields = self._fields(node_ids)
        last = len(self.layers) - 1
        if fields is None:
            A = g.gcn_adjacency()
            h = g.feature_tensor()
            all_nodes = torch.arange(g.n_nodes, device=A.device)
        else:
            h = g.feature_rows(torch.from_numpy(fields[0]))
        hidden = None
        for i, (layer, bias) in enumerate(zip(self.layers, self.biases)):
            if fields is not None:  # the rows of the next field, read from this one
                A = g.gcn_block(fields[i + 1], fields[i])
                all_nodes = torch.from_numpy(fields[i]).to(A.device)
            # Â (H W): the product with Â is taken on the narrow side.
            h = torch.sparse.mm(A, layer(h, ids=all_nodes, dropout=self.dropout)) + bias
            if i < last:
                h = hidden = F.relu(h)
        return _node_rows(node_ids, h, hidden, fields)


class GATLayer(nn.Module):
    """One graph attention layer (Velickovic et al., 2018).

    ``e_ij = LeakyReLU(a_src . W h_j + a_dst . W h_i)`` over the edges
    ``j -> i`` (self-loops included), softmax over each node's incoming
    edges, dropout on the coefficients, then ``h_i' = sum_j alpha_ij W h_j``
    per head; heads are concatenated or averaged, then the bias is added.
    ``value_dropout`` drops the messages ``W h_j`` (not the scores), as the
    paper's reference code does; PyG's ``GATConv`` has no such dropout.
    """

    def __init__(self, in_features, out_features, n_heads, *, concat,
                 negative_slope, attention_dropout, value_dropout=0.0):
        super().__init__()
        self.n_heads, self.out_features, self.concat = n_heads, out_features, concat
        self.linear = FeatureLinear(in_features, n_heads * out_features, bias=False)
        self.att_source = nn.Parameter(torch.empty(1, n_heads, out_features))
        self.att_target = nn.Parameter(torch.empty(1, n_heads, out_features))
        self.bias = nn.Parameter(
            torch.zeros(n_heads * out_features if concat else out_features)
        )
        nn.init.xavier_uniform_(self.att_source)
        nn.init.xavier_uniform_(self.att_target)
        self.negative_slope = negative_slope
        self.attention_dropout = attention_dropout
        self.value_dropout = value_dropout

    def forward(self, x, ids, source, target, dropout, return_attention=False):
        n = len(ids)
        h = self.linear(x, ids=ids, dropout=dropout).view(n, self.n_heads, -1)
        score_source = (h * self.att_source).sum(-1)  # (n, heads)
        score_target = (h * self.att_target).sum(-1)
        e = F.leaky_relu(
            gather_rows(score_source, source) + gather_rows(score_target, target),
            self.negative_slope,
        )
        alpha = edge_softmax(e, target, n)
        alpha_dropped = F.dropout(alpha, self.attention_dropout, self.training)
        values = F.dropout(h, self.value_dropout, self.training)
        out = h.new_zeros(n, self.n_heads, self.out_features)
        messages = alpha_dropped.unsqueeze(-1) * gather_rows(values, source)
        out.index_add_(0, target, messages)
        out = out.flatten(1) if self.concat else out.mean(1)
        out = out + self.bias
        return (out, alpha) if return_attention else out


def edge_softmax(scores, target, n_nodes):
    """Softmax of edge ``scores`` (n_edges, heads) over the edges sharing a
    target node; the per-node maximum is subtracted first (it cancels out,
    so it carries no gradient), which keeps ``exp`` finite."""
    heads = scores.shape[1]
    index = target.unsqueeze(1).expand(-1, heads)
    top = scores.new_full((n_nodes, heads), -math.inf)
    top.scatter_reduce_(0, index, scores.detach(), reduce="amax", include_self=True)
    exp = torch.exp(scores - gather_rows(top, target))
    total = scores.new_zeros(n_nodes, heads).index_add_(0, target, exp)
    return exp / gather_rows(total, target)


class GATModule(GraphModule):
    """Graph attention network: GAT layers with ELU between them; the output
    layer averages its heads."""

    def __init__(self, n_features, hidden_layer_sizes, n_outputs, *, n_heads,
                 output_heads, concat, dropout, attention_dropout, negative_slope,
                 value_dropout=0.0):
        super().__init__()
        layers, width = [], n_features
        options = dict(negative_slope=negative_slope,
                       attention_dropout=attention_dropout, value_dropout=value_dropout)
        for size in hidden_layer_sizes:
            layers.append(GATLayer(width, size, n_heads, concat=concat, **options))
            width = size * n_heads if concat else size
        layers.append(GATLayer(width, n_outputs, output_heads, concat=False, **options))
        self.layers = nn.ModuleList(layers)
        self.dropout = dropout

    def propagate(self, node_ids, return_attention=False):
        g = self.graph
        # (the attention of every edge needs the whole graph)
        fields = None if return_attention else self._fields(node_ids)
        if fields is None:
            source, target = g.edges(self_loops=True)
            all_nodes = torch.arange(g.n_nodes, device=source.device)
            h = g.feature_tensor()
        else:
            h = g.feature_rows(torch.from_numpy(fields[0]))
        hidden, attention = None, []
        for i, layer in enumerate(self.layers):
            if fields is not None:  # the edges into the next field's nodes
                source, target = g.edges_into(fields[i + 1], fields[i])
                all_nodes = torch.from_numpy(fields[i]).to(source.device)
            h, alpha = layer(h, all_nodes, source, target, self.dropout,
                             return_attention=True)
            attention.append(alpha)
            if fields is not None:  # (the other rows got no messages)
                h = gather_rows(h, _positions(fields[i], fields[i + 1], h.device))
            if i < len(self.layers) - 1:
                h = hidden = F.elu(h)
        out = _node_rows(node_ids, h, hidden, fields)
        return (*out, attention) if return_attention else out


def _max_over_edges(values, source, target):
    """Per target row, the element-wise maximum of ``values[source]`` over
    its incoming edges; rows without any keep zeros."""
    index = target.unsqueeze(1).expand(-1, values.shape[1])
    return values.new_zeros(values.shape).scatter_reduce_(
        0, index, gather_rows(values, source), reduce="amax", include_self=False)


class SAGELayer(nn.Module):
    """One GraphSAGE layer: ``h_i' = W_self h_i + W_neigh agg_j(h_j) + b``.

    ``aggregator="mean"`` averages the neighbours' ``h_j``; ``"pool"`` takes
    the element-wise maximum of ``ReLU(W_pool h_j + b_pool)`` (Hamilton et
    al.'s max-pooling aggregator). Both projections of the inputs are one
    product (the mean commutes with ``W_neigh``).
    """

    def __init__(self, in_features, out_features, aggregator):
        super().__init__()
        self.aggregator, self.out_features = aggregator, out_features
        self.linear = FeatureLinear(in_features, 2 * out_features, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_features))
        if aggregator == "pool":
            self.pool_bias = nn.Parameter(torch.zeros(out_features))
            self.neighbour_linear = nn.Linear(out_features, out_features, bias=False)

    def _split(self, x, ids, dropout):
        projected = self.linear(x, ids=ids, dropout=dropout)
        own, neighbour = projected.split(self.out_features, dim=1)
        if self.aggregator == "pool":
            neighbour = F.relu(neighbour + self.pool_bias)
        return own, neighbour

    def _combine(self, own, aggregated):
        if self.aggregator == "pool":
            aggregated = self.neighbour_linear(aggregated)
        return own + aggregated + self.bias

    def forward_full(self, x, ids, graph, dropout):
        """Every node, all its neighbours."""
        own, neighbour = self._split(x, ids, dropout)
        if self.aggregator == "mean":
            aggregated = torch.sparse.mm(graph.mean_adjacency(), neighbour)
        else:
            aggregated = _max_over_edges(neighbour, *graph.edges(self_loops=False))
        return self._combine(own, aggregated)

    def forward_field(self, x, columns, graph, rows, dropout):
        """The nodes ``rows`` (sorted) from the rows of ``x``, the nodes
        ``columns`` (sorted, holding every neighbour of ``rows``), all
        their neighbours."""
        ids = torch.from_numpy(columns).to(graph.device)
        own, neighbour = self._split(x, ids, dropout)
        at_rows = _positions(columns, rows, own.device)
        own = gather_rows(own, at_rows)
        if self.aggregator == "mean":
            aggregated = torch.sparse.mm(graph.mean_block(rows, columns), neighbour)
        else:
            edges = graph.edges_into(rows, columns, self_loops=False)
            aggregated = gather_rows(_max_over_edges(neighbour, *edges), at_rows)
        return self._combine(own, aggregated)

    def forward_sampled(self, x, ids, block, dropout):
        """The block's target nodes from their sampled neighbours: ``x`` holds
        the input rows of ``ids`` (the block's input nodes)."""
        own_index, neighbours, mask = block
        own, neighbour = self._split(x, ids, dropout)
        own = gather_rows(own, own_index)
        gathered = gather_rows(neighbour, neighbours)  # (n_targets, k, out)
        weight = mask.unsqueeze(-1).to(gathered.dtype)
        if self.aggregator == "mean":
            aggregated = (gathered * weight).sum(1) / weight.sum(1).clamp(min=1)
        else:
            gathered = gathered.masked_fill(~mask.unsqueeze(-1), -math.inf)
            aggregated = gathered.amax(1).masked_fill(~mask.any(1, keepdim=True), 0)
        return self._combine(own, aggregated)


_MIX = (-7046029254386353131, -4658895280553007687, -7723592293110705685)


def _hash_uniform(keys):
    """Uniform floats in [0, 1) from int64 ``keys`` (splitmix64 finaliser;
    int64 products wrap around, the shifts are masked to act as unsigned)."""
    x = keys * _MIX[0]
    x = (x ^ ((x >> 30) & ((1 << 34) - 1))) * _MIX[1]
    x = (x ^ ((x >> 27) & ((1 << 37) - 1))) * _MIX[2]
    x = x ^ ((x >> 31) & ((1 << 33) - 1))
    return ((x >> 11) & ((1 << 53) - 1)).double() / float(1 << 53)


def sample_blocks(node_ids, n_samples, graph, *, training, salt=0):
    """GraphSAGE's neighbourhood sampling, ``n_samples[0]`` neighbours of each
    target node first.

    Each node draws ``k`` neighbours uniformly with replacement (none for an
    isolated node). In training the draws come from torch's random generator
    (seeded by the estimator); otherwise each draw is a hash of (node, slot,
    hop, salt), so a node's prediction is the same whatever else is in its
    batch.

    Returns
    -------
    input_ids : long tensor, the nodes whose features the first layer reads
    blocks : list of ``(own_index, neighbours, mask)``, first layer first;
        indices point into the previous layer's nodes.
    """
    indptr, indices, degree = graph.neighbour_lists()
    nodes, blocks = node_ids, []
    for hop, k in enumerate(n_samples):
        deg = degree[nodes]
        if training:
            u = torch.rand(len(nodes), k, device=nodes.device, dtype=torch.float64)
        else:
            slot = torch.arange(k, device=nodes.device)
            key = (nodes.unsqueeze(1) * 1024 + slot) * 64 + hop
            u = _hash_uniform(key * 1_000_003 + salt)
        offset = (u * deg.unsqueeze(1)).long()
        mask = (deg > 0).unsqueeze(1).expand(-1, k)
        last = max(len(indices) - 1, 0)
        position = (indptr[nodes].unsqueeze(1) + offset).clamp(max=last)
        picked = indices[position] if len(indices) else nodes.unsqueeze(1).expand(-1, k)
        picked = torch.where(mask, picked, nodes.unsqueeze(1))
        unique, inverse = torch.unique(
            torch.cat([nodes, picked.flatten()]), return_inverse=True
        )
        own_index = inverse[: len(nodes)]
        neighbours = inverse[len(nodes):].view(len(nodes), k)
        blocks.append((own_index, neighbours, mask))
        nodes = unique
    return nodes, blocks[::-1]


class SAGEModule(GraphModule):
    """GraphSAGE: SAGE layers with ReLU and dropout between them.

    ``n_samples=None`` aggregates over all neighbours of all nodes (full
    batch); a tuple samples that many neighbours per hop around the batch's
    nodes only, so memory follows the batch, not the graph.
    """

    def __init__(self, n_features, hidden_layer_sizes, n_outputs, *, aggregator,
                 dropout, n_samples, salt=0):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, n_outputs]
        self.layers = nn.ModuleList(
            SAGELayer(a, b, aggregator) for a, b in zip(sizes[:-1], sizes[1:])
        )
        self.dropout, self.n_samples, self.salt = dropout, n_samples, salt

    def propagate(self, node_ids):
        g = self.graph
        last = len(self.layers) - 1
        hidden = None
        if self.n_samples is None:
            fields = self._fields(node_ids)
            if fields is None:
                ids = torch.arange(g.n_nodes, device=node_ids.device)
                h = g.feature_tensor()
            else:
                h = g.feature_rows(torch.from_numpy(fields[0]))
            for i, layer in enumerate(self.layers):
                dropout = self.dropout if i == 0 else 0.0
                if fields is None:
                    h = layer.forward_full(h, ids, g, dropout)
                else:  # the next field's nodes, read from this one
                    h = layer.forward_field(h, fields[i], g, fields[i + 1], dropout)
                if i < last:
                    h = hidden = F.relu(h)
                    h = F.dropout(h, self.dropout, self.training)
            return _node_rows(node_ids, h, hidden, fields)
        ids, blocks = sample_blocks(
            node_ids, self.n_samples, g, training=self.training, salt=self.salt
        )
        h = g.feature_rows(ids)
        for i, (layer, block) in enumerate(zip(self.layers, blocks)):
            h = layer.forward_sampled(h, ids, block, self.dropout if i == 0 else 0.0)
            if i < last:
                h = hidden = F.relu(h)
                h = F.dropout(h, self.dropout, self.training)
                ids = None  # later layers read dense rows, not features
        # the last hidden layer covers the last block's input nodes; the
        # targets sit at its own_index rows
        return h, None if hidden is None else hidden[blocks[-1][0]]
