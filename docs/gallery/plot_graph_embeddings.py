"""
Node embeddings of a graph: node2vec, DeepWalk and spectral embedding
=====================================================================

Each image of scikit-learn's digits becomes a node linked to its 10 nearest
neighbours; the embedders see only this graph. Left: a 2-D PCA of
:class:`~skdeep.graph.Node2VecEmbedder`'s 32-D embedding, coloured by digit.
Middle: the same for spectral embedding (Laplacian eigenmaps) of the graph.
Right: accuracy of a logistic regression trained on half of the nodes, for
several return / in-out parameters ``(p, q)`` (``p = q = 1`` is DeepWalk).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import SpectralEmbedding
from sklearn.model_selection import train_test_split
from sklearn.neighbors import kneighbors_graph

from skdeep.graph import Node2VecEmbedder

X, y = load_digits(return_X_y=True)
A = kneighbors_graph(X, 10)
A = A.maximum(A.T)
train, test = train_test_split(np.arange(len(y)), test_size=0.5, random_state=0,
                               stratify=y)


def accuracy(embedding):
    clf = LogisticRegression(max_iter=2000).fit(embedding[train], y[train])
    return clf.score(embedding[test], y[test])


fast = dict(walk_length=20, n_walks=5, window=5, random_state=0, n_jobs=-1)
node2vec = Node2VecEmbedder(32, p=0.5, q=2.0, **fast).fit_transform(A)
spectral = SpectralEmbedding(32, affinity="precomputed", random_state=0)
spectral = spectral.fit_transform(A)
grid = [(1, 1), (0.25, 4), (4, 0.25), (0.5, 2), (2, 0.5)]
scores = [accuracy(Node2VecEmbedder(32, p=p, q=q, **fast).fit_transform(A))
          for p, q in grid]

fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
for ax, emb, title in ((axes[0], node2vec, "node2vec (p=0.5, q=2)"),
                       (axes[1], spectral, "spectral embedding")):
    xy = PCA(2, random_state=0).fit_transform(emb)
    ax.scatter(xy[:, 0], xy[:, 1], c=y, cmap="tab10", s=6)
    ax.set_title(f"{title}: accuracy {accuracy(emb):.3f}")
    ax.set_xticks([])
    ax.set_yticks([])
labels = [f"p={p}\nq={q}" for p, q in grid]
axes[2].bar(labels, scores, color="tab:blue")
axes[2].axhline(accuracy(spectral), color="tab:red", ls="--", label="spectral")
axes[2].set_ylim(min(scores + [accuracy(spectral)]) - 0.05, 1.0)
axes[2].set_ylabel("test accuracy (50% of nodes labelled)")
axes[2].legend(loc="lower right")
fig.tight_layout()
plt.show()
