"""
Uncertainty bands with Monte-Carlo dropout
==========================================

A network trained with dropout and kept stochastic at prediction time gives a
distribution of predictions, not one curve (Gal & Ghahramani, 2016). Here
:class:`~skdeep.uncertainty.MCDropoutRegressor` is fitted on noisy samples of
a 1-D function observed only on two intervals. The predictive mean follows
the data where there are data; the band (two predictive standard deviations,
model uncertainty plus the noise :math:`\\tau^{-1}`) stays narrow there and
widens in the gap and beyond the observed range, where the network has never
seen an example. A few individual stochastic passes are drawn too: each is
one sample of the network's weights.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import matplotlib.pyplot as plt
import numpy as np

from skdeep.uncertainty import MCDropoutRegressor

rng = np.random.RandomState(0)
X = np.r_[rng.uniform(-4, -1, 80), rng.uniform(1, 3, 60)][:, None]
y = np.sin(1.5 * X[:, 0]) + 0.3 * X[:, 0] + 0.1 * rng.randn(len(X))

model = MCDropoutRegressor(
    hidden_layer_sizes=(100, 100),
    dropout=0.1,
    tau=100.0,  # noise standard deviation 0.1 in the units of y
    n_mc_samples=500,
    max_epochs=300,
    batch_size=32,
    lr=0.003,
    random_state=0,
).fit(X, y)

X_plot = np.linspace(-8, 7, 400)[:, None]
mean, std = model.predict(X_plot, return_std=True)
samples = model.sample_predictions(X_plot)

fig, ax = plt.subplots(figsize=(8, 4.5))
ax.fill_between(
    X_plot[:, 0], mean - 2 * std, mean + 2 * std, color="tab:blue", alpha=0.2,
    label="mean ± 2 predictive std",
)
for t in range(5):
    ax.plot(X_plot[:, 0], samples[t], color="tab:blue", lw=0.6, alpha=0.5)
ax.plot(X_plot[:, 0], mean, color="tab:blue", lw=2, label="predictive mean")
ax.scatter(X[:, 0], y, s=10, color="k", label="training data")
ax.plot(
    X_plot[:, 0], np.sin(1.5 * X_plot[:, 0]) + 0.3 * X_plot[:, 0], "k--", lw=1,
    label="true function",
)
ax.set_ylim(-6, 6)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("MC dropout: the band widens away from the data")
ax.legend(loc="lower right", fontsize=8)
fig.tight_layout()
plt.show()

# %%
# The predictive standard deviation, inside and outside the training range:
inside = (np.abs(X_plot[:, 0] + 2.5) < 1.5) | (np.abs(X_plot[:, 0] - 2) < 1)
print(f"mean std where there are data: {std[inside].mean():.2f}")
print(f"mean std elsewhere:            {std[~inside].mean():.2f}")
