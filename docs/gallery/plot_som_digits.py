"""
Which digit lives where: a self-organizing map of handwritten digits
=====================================================================

A :class:`~skdeep.som.SOMClusterer` lays the 1,797 8x8 images of
:func:`~sklearn.datasets.load_digits` out on a hexagonal 16x16 map, without
looking at the labels. Each node holds a prototype image; neighbouring nodes
hold similar ones, so the digits settle into regions.

* The **U-matrix** shows the mean distance from each prototype to its six
  neighbours: light cells are the inside of a region, dark cells the borders
  between regions. On top we write the digit that most of each node's samples
  carry (the labels are only used for this annotation).
* The **hit map** (activation response) counts the samples each node wins.
* The **prototypes** themselves, drawn as images in their map position.
* **Component planes** show one pixel's value across the map.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits

from skdeep.som import (
    SOMClusterer,
    plot_component_planes,
    plot_hit_map,
    plot_u_matrix,
)

digits = load_digits()
X, y = digits.data / 16.0, digits.target

som = SOMClusterer(
    16, n_columns=16, topology="hexagonal", max_epochs=20, random_state=0
).fit(X)
print(f"quantization error {som.quantization_error_:.3f}, "
      f"topographic error {som.topographic_error_:.3f}")

# %%
# The digit each node holds
# -------------------------
# For every node with at least one sample, the majority label of its samples.
# The share of samples that carry their node's majority label measures how
# well the unsupervised map separates the digits; k-means with as many
# clusters is the map-less reference.

n_nodes = som.n_rows_ * som.n_columns_
majority = np.full(n_nodes, -1)
for node in range(n_nodes):
    members = y[som.labels_ == node]
    if len(members):
        majority[node] = np.bincount(members).argmax()
purity = np.mean(majority[som.labels_] == y)
km = KMeans(n_nodes, n_init=1, random_state=0).fit(X)
km_majority = np.array(
    [np.bincount(y[km.labels_ == k]).argmax() if np.any(km.labels_ == k) else -1
     for k in range(n_nodes)]
)
print(f"node purity: SOM {purity:.3f}, KMeans({n_nodes}) "
      f"{np.mean(km_majority[km.labels_] == y):.3f}")

fig, ax = plt.subplots(figsize=(8, 7))
plot_u_matrix(som, ax=ax, title="U-matrix with each node's majority digit")
colors = plt.get_cmap("tab10")
for (x_pos, y_pos), digit in zip(som.node_positions_, majority):
    if digit >= 0:
        ax.text(x_pos, y_pos, str(digit), ha="center", va="center",
                fontsize=9, fontweight="bold", color=colors(digit))

# %%
# The same on rectangular cells
# -----------------------------
# A rectangular map gives each node four neighbours; its U-matrix is drawn on
# square cells.

square = SOMClusterer(16, n_columns=16, max_epochs=20, random_state=0).fit(X)
fig, ax = plt.subplots(figsize=(8, 7))
plot_u_matrix(square, ax=ax, title="Rectangular map: U-matrix and majority digit")
for (x_pos, y_pos), node in zip(square.node_positions_, range(n_nodes)):
    members = y[square.labels_ == node]
    if len(members):
        digit = np.bincount(members).argmax()
        ax.text(x_pos, y_pos, str(digit), ha="center", va="center",
                fontsize=9, fontweight="bold", color=colors(digit))

# %%
# Hit map
# -------
fig, ax = plt.subplots(figsize=(7, 6))
plot_hit_map(som, X, ax=ax, title="Samples won by each node")

# %%
# The prototypes as images
# ------------------------
# ``cluster_centers_grid_`` holds the prototypes laid out as the map.
# They are tiled into one picture, one 8x8 image per node with a 1-pixel gap.
grid = som.cluster_centers_grid_
mosaic = np.ones((som.n_rows_ * 9, som.n_columns_ * 9 + 4))
for r in range(som.n_rows_):
    shift = 4 if r % 2 else 0  # odd rows sit half a cell right
    for c in range(som.n_columns_):
        image = grid[r, c].reshape(8, 8)
        mosaic[r * 9 : r * 9 + 8, c * 9 + shift : c * 9 + shift + 8] = 1 - image
fig, ax = plt.subplots(figsize=(8, 8))
ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1)
ax.set_axis_off()
ax.set_title("Prototype image of each node")

# %%
# Component planes
# ----------------
# The value of four pixels across the map: each lights up the region of the
# digits that use it.
pixels = [19, 27, 36, 44]
plot_component_planes(
    som, features=pixels, feature_names=[f"pixel {p}" for p in range(64)], n_cols=4
)
plt.show()
