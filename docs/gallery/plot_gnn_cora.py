"""
Graph neural networks on Cora: GCN embeddings and GAT attention
================================================================

Cora is a citation graph of 2,708 machine-learning papers in 7 fields, each
with a bag-of-words vector. With only 20 labelled papers per field (the
Planetoid split), a :class:`~skdeep.gnn.GCNClassifier` learns from the
labelled nodes while messages flow over the whole graph.

* the GCN's hidden layer (``transform``) of every paper, mapped to 2-D with
  t-SNE and coloured by field: the fields separate although 95% of the
  papers were never labelled;
* a :class:`~skdeep.gnn.GATClassifier`'s attention over one paper's
  neighbourhood (``attention``): how much each neighbour counts for it.

The data come from ``../shared/data/cora`` (``SKDEEP_SHARED_DATA``
overrides); where they are absent, networkx's karate club graph stands in.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import os
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import scipy.sparse as sp
from sklearn.manifold import TSNE
from sklearn.preprocessing import normalize

from skdeep.gnn import GATClassifier, GCNClassifier


def load_cora():
    """Features (row-normalised), labels, adjacency and the Planetoid split."""
    here = Path(__file__).resolve() if "__file__" in globals() else Path.cwd()
    candidates = [Path(os.environ.get("SKDEEP_SHARED_DATA", "/nonexistent"))]
    candidates += [p / "shared" / "data" for p in here.parents]
    for folder in candidates:
        path = folder / "cora" / "cora.npz"
        if path.exists():
            z = np.load(path)
            F = sp.csr_matrix(
                (z["features_data"], z["features_indices"], z["features_indptr"]),
                shape=tuple(z["features_shape"]),
            )
            n, E = F.shape[0], z["edges"]
            A = sp.coo_matrix((np.ones(len(E)), (E[:, 0], E[:, 1])), shape=(n, n))
            return (normalize(F, "l1"), z["labels"], A.tocsr(), z["idx_train"],
                    z["idx_test"], "Cora")
    G = nx.karate_club_graph()  # real data shipped with networkx
    y = np.array([G.nodes[v]["club"] == "Officer" for v in G]).astype(int)
    train = np.array([0, 1, 32, 33])
    return ("degree", y, nx.to_scipy_sparse_array(G, format="csr"), train,
            np.setdiff1d(np.arange(len(y)), train), "karate club")


features, y, A, train, test, name = load_cora()

# %%
# GCN: the paper's settings are the defaults
# ------------------------------------------
gcn = GCNClassifier(graph=A, node_features=features, random_state=0)
gcn.fit(train, y[train])
print(f"{name}: GCN test accuracy {gcn.score(test, y[test]):.3f} "
      f"from {len(train)} labelled nodes")

nodes = np.arange(A.shape[0])
embedding = gcn.transform(nodes)  # the 16 hidden units of every node
tsne = TSNE(init="pca", random_state=0, perplexity=min(30, len(nodes) // 4))
xy = tsne.fit_transform(embedding)

fig, ax = plt.subplots(figsize=(7, 6))
ax.scatter(xy[:, 0], xy[:, 1], c=y, cmap="tab10", s=6, alpha=0.7)
ax.scatter(xy[train, 0], xy[train, 1], c=y[train], cmap="tab10", s=60,
           edgecolors="black", label="labelled")
ax.set_title(f"GCN hidden layer of every {name} node (t-SNE), coloured by class")
ax.legend(loc="lower right")
ax.set_xticks([])
ax.set_yticks([])

# %%
# GAT: who listens to whom
# ------------------------
# ``attention()`` returns every directed edge (self-loops included) with its
# coefficient per head; for each node they sum to one over its incoming
# edges. We draw the neighbourhood of a test node with six neighbours, edge
# width the first layer's attention averaged over the 8 heads. On Cora the
# averaged attention stays close to uniform (1 / (degree + 1)); what differs
# between neighbours is small, and the heads disagree more than their mean
# shows.
gat = GATClassifier(graph=A, node_features=features, random_state=0)
gat.fit(train, y[train])
print(f"{name}: GAT test accuracy {gat.score(test, y[test]):.3f}")
edges, weights = gat.attention()

symmetric = sp.csr_matrix(A + A.T)
degree = np.diff(symmetric.indptr)
center = test[np.argmin(np.abs(degree[test] - 6))]
incoming = edges[:, 1] == center
sources, alpha = edges[incoming, 0], weights[incoming].mean(1)

G = nx.DiGraph()
for s, a in zip(sources, alpha):
    G.add_edge(int(s), int(center), weight=float(a))
pos = nx.spring_layout(G.to_undirected(), seed=0)
fig, ax = plt.subplots(figsize=(6, 6))
nx.draw_networkx_nodes(G, pos, node_color=[y[v] for v in G], cmap="tab10",
                       vmin=0, vmax=9, node_size=500, ax=ax)
nx.draw_networkx_labels(G, pos, labels={v: str(y[v]) for v in G}, ax=ax)
nx.draw_networkx_edges(G, pos, width=[12 * G[u][v]["weight"] for u, v in G.edges],
                       arrows=True, arrowsize=15, ax=ax, node_size=500)
nx.draw_networkx_edge_labels(
    G, pos, edge_labels={(u, v): f"{G[u][v]['weight']:.2f}" for u, v in G.edges},
    ax=ax, font_size=8)
ax.set_title(f"GAT attention into node {center} (class {y[center]}); labels: classes")
ax.axis("off")
plt.show()
