"""
Capsule network: reconstructions and what a pose dimension encodes
===================================================================

A :class:`~skdeep.capsule.CapsNetClassifier` (Sabour, Frosst & Hinton, 2017)
outputs one *vector* per class. Its length says how present the class is;
its direction, the *pose*, is trained to describe the instance, because a
decoder must redraw the input from the winning class's capsule alone.

On scikit-learn's 8x8 digits (too small for the paper's 9x9 kernels, so the
stem and the primary capsules use 3x3 ones) we look at:

* the test accuracy, next to a :class:`~skdeep.cnn.CNNClassifier`;
* the decoder's reconstructions of test digits from their capsule;
* the paper's Figure 4: one pose dimension shifted from -0.25 to 0.25 while
  the others stay, and the digit redrawn each time
  (:meth:`~skdeep.capsule.CapsNetClassifier.pose_sweep`).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skdeep.capsule import CapsNetClassifier
from skdeep.cnn import CNNClassifier

X, y = load_digits(return_X_y=True)
images = (X / 16.0).reshape(-1, 1, 8, 8)  # pixels in [0, 1], (n, C, H, W)
X_train, X_test, y_train, y_test = train_test_split(
    images, y, test_size=1 / 3, stratify=y, random_state=0
)

capsnet = CapsNetClassifier(
    kernel_size=3, primary_kernel_size=3, primary_stride=1,
    max_epochs=30, batch_size=32, random_state=0,
).fit(X_train, y_train)
cnn = CNNClassifier(max_epochs=30, batch_size=32, random_state=0).fit(X_train, y_train)
print(f"CapsNet test accuracy {capsnet.score(X_test, y_test):.3f}, "
      f"CNN {cnn.score(X_test, y_test):.3f}")
print(f"{capsnet.n_primary_capsules_} primary capsules route to "
      f"{len(capsnet.classes_)} class capsules of {capsnet.capsule_dim} dimensions")

# %%
# Capsule lengths
# ---------------
# ``capsule_lengths`` gives the raw lengths (each in [0, 1), trained by the
# margin loss to exceed 0.9 for the true class and stay under 0.1 for the
# others); ``predict_proba`` divides them by their sum.

lengths = capsnet.capsule_lengths(X_test[:5])
print(np.round(lengths, 2))
print("true classes:", y_test[:5])

# %%
# Reconstructions
# ---------------
# Top row: test digits. Bottom row: the decoder's drawing from the capsule of
# the predicted class alone.

recon = capsnet.reconstruct(X_test[:10])
fig, axes = plt.subplots(2, 10, figsize=(10, 2.3))
for i in range(10):
    axes[0, i].imshow(X_test[i, 0], cmap="gray_r", vmin=0, vmax=1)
    axes[1, i].imshow(recon[i, 0], cmap="gray_r", vmin=0, vmax=1)
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_ylabel("input")
axes[1, 0].set_ylabel("decoded")
fig.tight_layout()

# %%
# Sweeping pose dimensions
# ------------------------
# Each row shifts one pose dimension of one test digit's capsule by -0.25,
# -0.20, ..., 0.25 and decodes it. All 16 dimensions are swept; shown are the
# six whose sweep changes the drawing most. They thicken, slant or move
# strokes; the remaining ones change little (the loss does not force every
# dimension to mean something).

sweep = capsnet.pose_sweep(X_test[:1])  # (1, 16 dimensions, 11 shifts, 1, 8, 8)
change = np.abs(sweep[0, :, -1] - sweep[0, :, 0]).sum(axis=(1, 2, 3))
strongest = np.argsort(change)[::-1][:6]
fig, axes = plt.subplots(6, 11, figsize=(8, 4.6))
deltas = np.linspace(-0.25, 0.25, 11)
for d in range(6):
    for k in range(11):
        ax = axes[d, k]
        ax.imshow(sweep[0, strongest[d], k, 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        if d == 5:
            ax.set_xlabel(f"{deltas[k]:+.2f}", fontsize=7)
    axes[d, 0].set_ylabel(f"dim {strongest[d]}", fontsize=8)
fig.suptitle(f"Pose sweep of a test digit (class {capsnet.predict(X_test[:1])[0]})")
fig.tight_layout()
plt.show()
