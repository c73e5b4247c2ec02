"""
Transfer learning with few labels: fine-tuning, frozen features, from scratch
=============================================================================

A convolutional network trained on one task often gives a good start on a
related task that has few labelled examples. Here the *source* task is
telling apart the digits 0-4 of :func:`~sklearn.datasets.load_digits`, on
all its images; the *target* task is telling apart the digits 5-9, with only
``k`` labelled images per class. Three ways to learn the target task, each
scored on the same held-out target images:

* **fine-tuned**: a :class:`~skdeep.cnn.CNNClassifier` whose feature stack
  starts from the source network's weights (``init_from=source``), with a new
  dense head; the stack trains with a small learning rate ``lr``, the head
  with a larger ``head_lr``;
* **frozen features + logistic regression**: the source network's pooled
  features (its ``transform``) feed a
  :class:`~sklearn.linear_model.LogisticRegression`; the source is wrapped in
  :class:`~sklearn.frozen.FrozenEstimator` so that the pipeline's ``fit``
  leaves it as it is;
* **from scratch**: the same architecture, randomly initialised.

The curves average three random draws of the ``k`` labelled images per
class. Read them with the size of the problem in mind: 8x8 digits are easy
and the network is small, so training from scratch is already strong after a
few dozen images, and fine-tuning mostly helps with the fewest labels. The
frozen features lag behind: a stack that only ever had to separate 0-4 has
not learned everything that separates 5-9, which is why letting the stack
adapt (fine-tuning) matters. Larger images, deeper stacks and scarcer labels
widen the gap between a good start and a random one.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep.cnn import CNNClassifier

digits = load_digits()
X = (digits.images / 16.0)[:, None]  # (1797, 1, 8, 8)
y = digits.target

# The stack parameters must be the same for the source and every network
# that starts from it (init_from checks the shapes of all weights).
stack = dict(conv_channels=(16, 32), kernel_size=(5, 3), batch_size=32)

source_mask = y < 5
source = CNNClassifier(**stack, max_epochs=20, lr=0.003, random_state=0)
source.fit(X[source_mask], y[source_mask])
print(f"source network: training accuracy on digits 0-4 "
      f"{source.score(X[source_mask], y[source_mask]):.3f}")

# Target digits 5-9: half of them are the pool the few labels are drawn
# from, the other half is the held-out test set.
X_pool, X_test, y_pool, y_test = train_test_split(
    X[~source_mask], y[~source_mask], test_size=0.5, stratify=y[~source_mask],
    random_state=0,
)

# %%
# The learning curves
# -------------------
# Tiny training sets make one optimizer step per epoch, so the target
# networks run more epochs than the source did.


def draw_labelled(k, seed):
    """k images of each target class, drawn from the pool."""
    rng = np.random.RandomState(seed)
    rows = np.concatenate(
        [rng.choice(np.flatnonzero(y_pool == c), k, replace=False)
         for c in np.unique(y_pool)]
    )
    return X_pool[rows], y_pool[rows]


ks = [2, 5, 10, 20]
seeds = [0, 1, 2]
methods = {
    "fine-tuned (init_from)": "fine-tuned",
    "frozen features + LogisticRegression": "frozen",
    "from scratch": "scratch",
}
accuracy = {m: np.zeros((len(ks), len(seeds))) for m in methods}

for i, k in enumerate(ks):
    for j, seed in enumerate(seeds):
        X_k, y_k = draw_labelled(k, seed)
        fine_tuned = CNNClassifier(
            **stack, init_from=source, lr=0.001, head_lr=0.01, max_epochs=60,
            random_state=seed,
        ).fit(X_k, y_k)
        frozen = make_pipeline(
            FrozenEstimator(source), StandardScaler(),
            LogisticRegression(max_iter=1000),
        ).fit(X_k, y_k)
        scratch = CNNClassifier(
            **stack, lr=0.003, max_epochs=60, random_state=seed
        ).fit(X_k, y_k)
        for method, model in zip(methods, (fine_tuned, frozen, scratch)):
            accuracy[method][i, j] = model.score(X_test, y_test)
    print(f"k={k:2d}: " + ", ".join(
        f"{short} {accuracy[m][i].mean():.3f}" for m, short in methods.items()))

# %%
# Accuracy against the number of labelled images per class
# --------------------------------------------------------
# Lines are the means over the three draws, the shaded bands their range.
fig, ax = plt.subplots(figsize=(7, 4.5))
for method, marker in zip(methods, "osD"):
    mean = accuracy[method].mean(axis=1)
    ax.plot(ks, mean, marker=marker, label=method)
    ax.fill_between(ks, accuracy[method].min(axis=1), accuracy[method].max(axis=1),
                    alpha=0.15)
ax.set_xscale("log")
ax.minorticks_off()
ax.set_xticks(ks)
ax.set_xticklabels([str(k) for k in ks])
ax.set_xlabel("labelled target images per class (k)")
ax.set_ylabel(f"accuracy on {len(y_test)} held-out images of 5-9")
ax.set_title("Digits 0-4 -> digits 5-9: transfer learning curve")
ax.grid(alpha=0.3)
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
