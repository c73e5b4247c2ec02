"""
What a small CNN learns on handwritten digits: filters and feature maps
=======================================================================

A :class:`~skdeep.cnn.CNNClassifier` with two convolutional blocks is
trained on the 8x8 images of :func:`~sklearn.datasets.load_digits`, given as
a 4-D array ``(n_samples, 1, 8, 8)`` so that the estimator reads them as
one-channel images. Three looks at the fitted network:

* the **filters** of the first convolution: 16 small 5x5 kernels, most of
  them stroke and edge detectors at different orientations;
* the **feature maps** of one test image: the output of the first block
  (convolution, batch normalisation, ReLU) before its max pooling, one map per
  filter, bright where the filter's pattern occurs in the image;
* the **confusion matrix** on a held-out quarter of the images.

The torch network is ``clf.module_``; its convolutional feature stack is
``clf.module_.stack`` and ``stack.blocks[0]`` is the first block, a plain
``torch.nn.Sequential`` that can be run on a tensor directly.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

from skdeep.cnn import CNNClassifier

digits = load_digits()
X = (digits.images / 16.0)[:, None]  # (1797, 1, 8, 8), values in [0, 1]
y = digits.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

clf = CNNClassifier(
    conv_channels=(16, 32),  # two blocks: 8x8 -> 4x4 -> 2x2 after pooling
    kernel_size=(5, 3),  # one kernel size per block
    max_epochs=30,
    batch_size=64,
    lr=0.003,
    random_state=0,
).fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")
print(f"smallest image side the stack accepts: {clf.min_input_size_} pixels")

# %%
# The first-layer filters
# -----------------------
# The first block is ``Sequential(Conv2d, BatchNorm2d, ReLU, MaxPool2d)``;
# the convolution's weight has shape ``(16, 1, 5, 5)``. Each filter is drawn
# with its own symmetric colour scale: red weights respond to ink, blue
# weights to background.
first_block = clf.module_.stack.blocks[0]
print(first_block)
filters = first_block[0].weight.detach().cpu().numpy()[:, 0]

fig, axes = plt.subplots(2, 8, figsize=(9, 2.6))
for i, ax in enumerate(axes.ravel()):
    limit = np.abs(filters[i]).max()
    ax.imshow(filters[i], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"{i}", fontsize=8)
    ax.set_axis_off()
fig.suptitle("First-layer 5x5 filters")
fig.tight_layout()

# %%
# Feature maps of one image
# -------------------------
# The block without its pooling layer (``first_block[:-1]``) keeps the 8x8
# resolution ("same" padding). The module is put in evaluation mode, so that
# batch normalisation uses its running statistics (as in ``predict``), and
# run without gradients.
image = X_test[0]
clf.module_.eval()
with torch.no_grad():
    maps = first_block[:-1](torch.as_tensor(image[None], dtype=torch.float32))
maps = maps[0].cpu().numpy()  # (16, 8, 8)

fig, axes = plt.subplots(
    2, 9, figsize=(10, 2.8), gridspec_kw={"width_ratios": [1.6] + [1] * 8}
)
gs = axes[0, 0].get_gridspec()
for ax in axes[:, 0]:
    ax.remove()
ax_image = fig.add_subplot(gs[:, 0])
ax_image.imshow(image[0], cmap="gray_r")
ax_image.set_title(f"input: a {y_test[0]}\npredicted {clf.predict(image[None])[0]}",
                   fontsize=9)
ax_image.set_axis_off()
for i, ax in enumerate(axes[:, 1:].ravel()):
    ax.imshow(maps[i], cmap="magma", vmin=0)
    ax.set_title(f"{i}", fontsize=8)
    ax.set_axis_off()
fig.suptitle("Feature maps after the first convolution, batch norm and ReLU")
fig.tight_layout()

# %%
# Confusion matrix on the held-out images
# ---------------------------------------
# Rows are the true digits, columns the predictions; most errors are between
# digits with similar strokes.
fig, ax = plt.subplots(figsize=(5.5, 5))
ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test, ax=ax, colorbar=False)
ax.set_title("CNNClassifier on held-out digits")
fig.tight_layout()
plt.show()
