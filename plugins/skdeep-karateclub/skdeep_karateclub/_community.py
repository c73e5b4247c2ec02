"""Base of the karateclub community detectors: clusterers of a graph's nodes."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_memory

from skdeep.graph._embedders import NodeClustererMixin
from skdeep.graph._graph_input import drop_self_loops
from skdeep.utils._sklearn import _fit_context
from skdeep_karateclub._common import (
    fit_model,
    karateclub_call,
    karateclub_class,
    model_graph,
)
from skdeep_karateclub._node import KarateClubEmbedder


def _persona_labels(model, n_nodes):
    """EgoNetSplitter: each node's community through its largest persona.

    A node has one persona per connected component of its ego-net; the
    persona with the most neighbours (ties: the first one) gives its label.
    """
    labels = np.empty(n_nodes, dtype=np.int64)
    for node in range(n_nodes):
        sizes = Counter(model.components[node].values())
        personas = model.personalities[node]
        best = max(personas, key=lambda p: (sizes.get(p, 0), -personas.index(p)))
        labels[node] = model.partitions[best]
    return labels


# Models that divide by degrees without self-loops: isolated nodes break them.
_NO_ISOLATED = {"SymmNMF"}


def _check_no_isolated(name, adjacency):
    A = drop_self_loops(sp.csr_matrix(adjacency))
    isolated = np.flatnonzero(np.diff((A + A.T).tocsr().indptr) == 0)
    if isolated.size:
        raise ValueError(
            f"karateclub's {name} divides by node degrees (self-loops left "
            f"out): the graph's {isolated.size} isolated node(s), such as "
            f"{isolated[:5].tolist()}, would divide by zero. Drop them, or add "
            "an edge to each."
        )


def fit_communities(name, params, adjacency, seed, embeds):
    """Fit karateclub's community detector ``name``; global RNG states are restored.

    Returns ``(raw_labels, overlapping, embedding)``: one raw community id per
    node, the lists of ids of overlapping detectors (else ``None``), and
    ``get_embedding()`` (``None`` unless ``embeds``).
    """
    cls = karateclub_class(name)
    n_nodes = adjacency.shape[0]
    if name in _NO_ISOLATED:
        _check_no_isolated(name, adjacency)
    G = model_graph(name, adjacency)
    with karateclub_call():
        model = fit_model(cls, params, seed, G)
        memberships = model.get_memberships()
        embedding = (
            np.asarray(model.get_embedding(), dtype=np.float64) if embeds else None
        )
    overlapping = None
    first = memberships[0]
    if isinstance(first, (list, tuple, set, np.ndarray)):
        overlapping = [sorted({int(c) for c in memberships[node]})
                       for node in range(n_nodes)]
        raw = _persona_labels(model, n_nodes)
    else:
        raw = np.array([memberships[node] for node in range(n_nodes)])
    return raw, overlapping, embedding


def _has_embedding(estimator):
    return estimator._embeds


def _embeds_fixed_graph(estimator):
    return estimator._embeds and estimator.graph is not None


class KarateClubClusterer(NodeClustererMixin, KarateClubEmbedder):
    """Base of the generated karateclub community detectors."""

    _kind = "community"
    _embeds = False

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the graph's communities.

        Parameters
        ----------
        X : graph or array-like of shape (n_samples, 1)
            The graph (sparse or dense square adjacency, edge array, networkx
            graph) when ``graph=None``; node ids when ``graph`` is set (all
            nodes are clustered either way).

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        adjacency, seed = self._fit_graph(X)
        fit = check_memory(self.memory).cache(fit_communities)
        raw, overlapping, embedding = fit(
            self._model_name, self._karateclub_params(), adjacency, seed,
            self._embeds,
        )
        ids, labels = np.unique(raw, return_inverse=True)
        self.labels_ = labels.astype(np.int64)
        self.n_clusters_ = len(ids)
        if overlapping is not None:
            # Communities that only appear as a second membership get the ids
            # after those of labels_.
            index = {int(c): i for i, c in enumerate(ids)}
            for c in sorted({c for cs in overlapping for c in cs} - set(index)):
                index[c] = len(index)
            rows = np.repeat(np.arange(len(overlapping)),
                             [len(cs) for cs in overlapping])
            cols = [index[c] for cs in overlapping for c in cs]
            self.memberships_ = sp.csr_matrix(
                (np.ones(len(cols), dtype=np.int64), (rows, cols)),
                shape=(len(overlapping), len(index)),
            )
            self.n_clusters_ = len(index)
        if embedding is not None:
            self.embedding_ = embedding
        self.n_nodes_ = adjacency.shape[0]
        return self

    @available_if(_has_embedding)
    def fit_transform(self, X, y=None):
        """Fit, then return the node embedding (``embedding_``).

        Parameters
        ----------
        X : graph or array-like of shape (n_samples, 1)
            See :meth:`fit`.

        y : Ignored

        Returns
        -------
        X_new : ndarray of shape (n_nodes, n_components) or (n_samples, n_components)
            One row per node when ``graph=None``, else the rows of the nodes
            in ``X``.
        """
        return super().fit_transform(X, y)

    @available_if(_embeds_fixed_graph)
    def transform(self, X):
        """Embeddings of the given nodes (only with a fixed ``graph``).

        Parameters
        ----------
        X : array-like of shape (n_samples, 1) or (n_samples,)
            Node ids, row indices of ``graph``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
        """
        return super().transform(X)

    @available_if(_has_embedding)
    def get_feature_names_out(self, input_features=None):
        """Output feature names of ``transform`` (``karateclub<model>0`` ...).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        return super().get_feature_names_out(input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if not self._embeds:
            tags.transformer_tags = None
        return tags
