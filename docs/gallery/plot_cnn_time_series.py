"""
Convolutional networks for time series: FCN, ResNet and TCN on GunPoint
=======================================================================

The same :class:`~skdeep.cnn.CNNClassifier` reads series when given a 3-D
array ``(n_samples, n_channels, n_timepoints)``. Three of its feature stacks
are compared on GunPoint, a UCR data set shipped with sktime (no download):
50 training and 150 test series of 150 steps, the hand position of an actor
who either draws a gun or only points a finger.

* ``"fcn"`` and ``"resnet"``: the fully convolutional and residual networks
  of Wang, Yan & Oates (2017), the usual deep baselines of time-series
  classification;
* ``"tcn"``: a temporal convolutional network (Bai, Kolter & Koltun, 2018),
  whose causal dilated convolutions let step ``t`` see only steps up to
  ``t``.

The networks here are much narrower than the published presets (the default
``conv_channels=None``) and train for 150 epochs of four small batches, so
that the example runs in seconds. All three
end in global average pooling and one linear layer, which makes a *class
activation map* (Zhou et al., 2016; used for series by Wang et al.) exact: the
logit of a class is the mean over time of the last feature map weighted by
that class's output weights, so the weighted map shows which steps push the
series towards the class.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sktime.datasets import load_gunpoint

from skdeep.cnn import CNNClassifier

X_train, y_train = load_gunpoint(split="train", return_type="numpy3D")
X_test, y_test = load_gunpoint(split="test", return_type="numpy3D")
print(f"train {X_train.shape}, test {X_test.shape}, classes {np.unique(y_train)}")

common = dict(max_epochs=150, batch_size=16, lr=0.003, random_state=0)
models = {
    "fcn": CNNClassifier("fcn", conv_channels=(16, 32, 16), **common),
    "resnet": CNNClassifier("resnet", conv_channels=(16, 16), **common),
    "tcn": CNNClassifier("tcn", conv_channels=(16, 16, 16, 16), kernel_size=5,
                         **common),
}
scores, seconds = {}, {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds[name] = time.perf_counter() - start
    scores[name] = model.score(X_test, y_test)
    print(f"{name:7s} test accuracy {scores[name]:.3f}, fit {seconds[name]:.1f} s")

# %%
# Test accuracy
# -------------
fig, ax = plt.subplots(figsize=(5, 3.5))
bars = ax.bar(list(scores), list(scores.values()),
              color=["tab:blue", "tab:orange", "tab:green"])
ax.bar_label(bars, fmt="%.3f")
ax.set_ylim(0.5, 1.08)
ax.set_ylabel("accuracy on the 150 test series")
ax.set_title("GunPoint, small networks, 150 epochs")
fig.tight_layout()

# %%
# Class activation maps
# ---------------------
# ``module_.stack`` gives the last feature map ``(n, C, T)``;
# ``module_.output.weight`` holds one row of ``C`` weights per class. Their
# product is the contribution of each time step to each class's logit. Each
# test series below is coloured by the map of its true class, scaled by its
# largest absolute value: red steps speak for that class, blue ones against
# it.


def class_activation(model, X):
    """Per-step contribution to each class logit, shape (n, n_classes, T)."""
    module = model.module_.eval()
    with torch.no_grad():
        features = module.stack(torch.as_tensor(X, dtype=torch.float32))
        return torch.einsum("kc,nct->nkt", module.output.weight, features).numpy()


examples = [np.flatnonzero(y_test == c)[0] for c in models["fcn"].classes_]
fig, axes = plt.subplots(2, 2, figsize=(9, 5.5), sharex=True, sharey=True)
for row, name in zip(axes, ["fcn", "tcn"]):
    model = models[name]
    cam = class_activation(model, X_test[examples])
    for col, (ax, i) in enumerate(zip(row, examples)):
        k = np.flatnonzero(model.classes_ == y_test[i])[0]
        values = cam[col, k] / np.abs(cam[col, k]).max()
        t = np.arange(X_test.shape[2])
        ax.plot(t, X_test[i, 0], color="0.7", lw=1)
        points = ax.scatter(t, X_test[i, 0], c=values, cmap="RdBu_r", s=9,
                            vmin=-1, vmax=1)
        predicted = model.predict(X_test[i : i + 1])[0]
        ax.set_title(f"{name}: class {y_test[i]} (predicted {predicted})",
                     fontsize=9)
for ax in axes[1]:
    ax.set_xlabel("time step")
fig.suptitle("Class activation maps on two test series")
colorbar = fig.colorbar(points, ax=axes, shrink=0.8,
                        label="contribution to the true class's logit (scaled)")

# %%
# Shorter series, NaN-padded
# --------------------------
# Global pooling accepts series of other lengths at predict time, and a batch
# of unequal lengths can be given NaN-padded at the end. A padded series gets
# the prediction of the truncated series (up to float32 rounding), whatever the
# other series in the batch: for the causal tcn no step of a valid output looks
# at a later step, and before each of the fcn's "same"-padded convolutions the
# steps past a series' end are set to the zeros of its own padding.
short = X_test[:, :, :100]
padded = np.concatenate([short, np.full((len(short), 1, 50), np.nan)], axis=2)
for name in ["tcn", "fcn"]:
    gap = np.abs(models[name].predict_proba(short)
                 - models[name].predict_proba(padded)).max()
    print(f"{name}: largest probability difference, truncated vs padded: {gap:.2e}")
plt.show()
