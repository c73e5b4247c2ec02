"""
Where a hierarchical attention network looks: rows and pixels of digits
=======================================================================

A :class:`~skdeep.recurrent.HierarchicalRNNClassifier` reads each 8x8 image of
:func:`~sklearn.datasets.load_digits` as a sequence of sequences: the **outer**
steps are the 8 rows, top to bottom, and each row is an **inner** sequence of
8 pixels, left to right. An inner bidirectional LSTM encodes every row, an
outer bidirectional LSTM reads the 8 row codes, and a linear layer classifies
the image.

With ``attention="both"`` each level pools its outputs with the attention of
the hierarchical attention network (Yang et al., 2016) instead of keeping the
last output: a row's code is a weighted average of the inner LSTM's outputs
over its pixels, and the image's code a weighted average of the outer LSTM's
outputs over its rows. The weights are learned with the classifier and can be
read back with :meth:`~skdeep.recurrent.HierarchicalRNNClassifier.attention_weights`.

The images come as flat rows of 64 pixels; ``input_shape=(8, 8)`` tells the
classifier how to read them, so it can sit in a pipeline after a
scikit-learn scaler.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdeep.recurrent import HierarchicalRNNClassifier

torch.set_num_threads(1)  # small network: one thread is fastest

digits = load_digits()
X_train, X_test, y_train, y_test, images_train, images_test = train_test_split(
    digits.data, digits.target, digits.images, test_size=0.3, random_state=0,
    stratify=digits.target,
)

clf = make_pipeline(
    MinMaxScaler(),
    HierarchicalRNNClassifier(
        "lstm",
        inner_hidden_size=32,
        outer_hidden_size=32,
        bidirectional=True,
        attention="both",
        input_shape=(8, 8),  # 8 rows (outer steps) of 8 pixels (inner steps)
        max_epochs=25,
        batch_size=64,
        lr=0.01,
        random_state=0,
    ),
)
clf.fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# Attention over rows and over pixels
# -----------------------------------
# ``attention_weights`` returns the inner weights, shape ``(n_samples, 8, 8)``
# (each row's eight pixel weights sum to one), and the outer weights, shape
# ``(n_samples, 8)`` (the eight row weights of an image sum to one). The model
# sits after the scaler, so it gets the scaled rows.
#
# The encoders are bidirectional, as in Yang et al.: the output at a pixel (or
# a row) then describes its neighbourhood on both sides. With one-directional
# encoders the outputs of the last steps summarise everything read before
# them, and the attention mostly piles up on the right edge and the bottom
# rows, which says more about the recurrence than about the digits.

han = clf[-1]
inner, outer = han.attention_weights(clf[:-1].transform(X_test))
pred = clf.predict(X_test)

shown = [int(np.flatnonzero(y_test == digit)[0]) for digit in (0, 2, 3, 4, 7, 9)]
fig, axes = plt.subplots(
    3, len(shown), figsize=(2.0 * len(shown), 6.4),
    gridspec_kw={"height_ratios": [1, 1, 1]},
)
for col, i in enumerate(shown):
    axes[0, col].imshow(images_test[i], cmap="gray_r")
    axes[0, col].set_title(f"true {y_test[i]}, predicted {pred[i]}", fontsize=9)
    axes[1, col].imshow(inner[i], cmap="viridis", vmin=0, vmax=inner[shown].max())
    axes[2, col].barh(np.arange(8), outer[i], color="tab:orange")
    axes[2, col].set_ylim(7.5, -0.5)  # row 0 at the top, as in the image
    axes[2, col].set_xlim(0, max(0.5, outer[shown].max() * 1.05))
    for ax in axes[:2, col]:
        ax.set_xticks([])
        ax.set_yticks([])
    if col:
        axes[2, col].set_yticks([])
axes[0, 0].set_ylabel("image")
axes[1, 0].set_ylabel("pixel weights\n(within each row)")
axes[2, 0].set_ylabel("row weights")
axes[2, 0].set_yticks(range(8))
fig.suptitle("Hierarchical attention on test digits")
fig.tight_layout()

# %%
# Which rows each digit is recognised by
# --------------------------------------
# The outer weights averaged over the test images of each true digit: the
# rows the classifier relies on differ from digit to digit.

mean_outer = np.vstack([outer[y_test == digit].mean(axis=0) for digit in range(10)])
fig, ax = plt.subplots(figsize=(5, 4.5))
image = ax.imshow(mean_outer, cmap="viridis", aspect="auto")
ax.set_xlabel("row of the image (outer step)")
ax.set_ylabel("digit")
ax.set_xticks(range(8))
ax.set_yticks(range(10))
ax.set_title("Mean row attention per digit")
fig.colorbar(image, ax=ax, label="attention weight")
fig.tight_layout()
plt.show()

# %%
# References
# ----------
# Z. Yang, D. Yang, C. Dyer, X. He, A. Smola and E. Hovy, "Hierarchical
# Attention Networks for Document Classification", NAACL-HLT 2016.
