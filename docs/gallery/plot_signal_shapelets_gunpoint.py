"""
Learned shapelets on GunPoint: where the discriminative pattern matches
=======================================================================

:class:`~skdeep.signal.ShapeletClassifier` is the LTS model of Grabocka et
al. (KDD 2014): shapelets of several lengths (short patterns) and a linear
classifier on the distances of each series to each shapelet, trained jointly.
Unlike most neural classifiers it explains itself: each shapelet is a piece of
series, :meth:`~skdeep.signal.ShapeletClassifier.best_match_positions` says
where it matches each series, and ``coef_`` how much a close match speaks for
each class.

GunPoint is a UCR data set shipped with sktime (no download): 50 training and
150 test series of 150 steps, the hand position of an actor who either draws
a gun from a holster (class ``"1"``) or only points a finger (class ``"2"``).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sktime.datasets import load_gunpoint

from skdeep.signal import ShapeletClassifier, ShapeletTransformer

X_train, y_train = load_gunpoint(split="train", return_type="numpy3D")
X_test, y_test = load_gunpoint(split="test", return_type="numpy3D")
print(X_train.shape, X_test.shape)

# %%
# The LTS classifier
# ------------------
# Twenty shapelets at each of about 10 %, 20 % and 30 % of the series
# length, initialised at k-means centroids of random windows, then trained
# with the linear head for 200 epochs. With the default
# ``max_timepoints="auto"`` the block length is read off the training
# series' spectrum: GunPoint's hand movements are smooth (almost no energy
# above a quarter cycle per step), and 150 steps allow blocks of at most 2
# (64 blocks must remain), so the series are first averaged in pairs of
# steps (PAA, ``paa_factor_ == 2``): the shapelets hold 8, 15 and 22 values
# and span 16, 30 and 44 steps of the series.
start = time.perf_counter()
clf = ShapeletClassifier(random_state=0).fit(X_train, y_train)
print(f"PAA blocks of {clf.paa_factor_} steps; fit in {time.perf_counter() - start:.1f} s, "
      f"train accuracy {clf.score(X_train, y_train):.3f}, "
      f"test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# Without labels, the shapelets stay the k-means centroids (typical windows of
# the training series); their distances are still useful features for a
# separate classifier, but the learned ones are more discriminative.
unsupervised = make_pipeline(
    ShapeletTransformer(supervised=False, random_state=0),
    LogisticRegression(max_iter=1000),
).fit(X_train, y_train)
print(f"k-means shapelets + logistic regression: test accuracy "
      f"{unsupervised.score(X_test, y_test):.3f}")

# %%
# The most discriminative shapelet and where it matches
# ------------------------------------------------------
# The head's weights alone can mislead: the shapelets end at different
# distance scales (some drift away from the data and act as a linear
# projection). A shapelet is ranked here by how well its distance separates
# the classes on the training series, the difference of the class means over
# their pooled standard deviation (a Fisher score). The best one is drawn over
# test series of both classes at its best-match position.
train_distances = clf.transform(X_train)
gun, point = train_distances[y_train == "1"], train_distances[y_train == "2"]
score = np.abs(gun.mean(0) - point.mean(0)) / np.sqrt(gun.var(0) + point.var(0))
first, second = np.argsort(-score)[:2]
length = clf.shapelet_lengths_[first]  # in time steps of the series
# one value per PAA block: repeat each over its block to draw it on the series
shapelet = np.repeat(clf.shapelets_[first][0], clf.paa_factor_)
positions = clf.best_match_positions(X_test)[:, first]
distances = clf.transform(X_test)
closer = "1" if gun[:, first].mean() < point[:, first].mean() else "2"
print(f"shapelet {first} (length {length}): Fisher score {score[first]:.2f}, "
      f"matches class {closer!r} better; head weight difference (class 2 - 1) "
      f"{clf.coef_[1, first] - clf.coef_[0, first]:+.2f}")

fig, axes = plt.subplots(2, 3, figsize=(10, 5), sharex=True, sharey=True)
for row, label, name in zip(axes, ["1", "2"], ["Gun", "Point"]):
    for ax, i in zip(row, np.flatnonzero(y_test == label)[:3]):
        p = positions[i]
        ax.plot(X_test[i, 0], color="C0" if label == "1" else "C3", lw=1)
        ax.plot(np.arange(p, p + length), shapelet, color="k", lw=2)
        ax.axvspan(p, p + length - 1, color="0.5", alpha=0.15)
        ax.set_title(f"{name}, test series {i}: distance {distances[i, first]:.2f}",
                     fontsize=9)
for ax in axes[1]:
    ax.set_xlabel("time step")
for ax in axes[:, 0]:
    ax.set_ylabel("hand position")
fig.suptitle(f"Shapelet {first} (length {length}, black) at its best match")
fig.tight_layout()

# %%
# Where the best matches fall, and the two best-ranked shapelets' distances
# as a 2-D feature space (test series).
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for label, color in zip(["1", "2"], ["C0", "C3"]):
    mask = y_test == label
    axes[0].hist(positions[mask], bins=np.arange(0, 152 - length, 4), alpha=0.6,
                 color=color, label=f"class {label}")
    axes[1].scatter(distances[mask, first], distances[mask, second], s=12,
                    color=color, label=f"class {label}")
axes[0].set_xlabel(f"best-match start of shapelet {first}")
axes[0].set_ylabel("test series")
axes[0].legend()
axes[1].set_xlabel(f"distance to shapelet {first}")
axes[1].set_ylabel(f"distance to shapelet {second}")
axes[1].legend()
fig.tight_layout()
plt.show()
