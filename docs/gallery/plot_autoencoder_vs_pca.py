"""
Autoencoder codes beside PCA on handwritten digits
==================================================

Both methods compress the 64 pixels of each digit into two numbers. PCA keeps
the two directions of largest variance; the autoencoder learns a non-linear
encoder and decoder. The picture shows the two-dimensional codes, coloured by
the digit, and the held-out reconstruction error of each.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdeep.autoencoder import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

ae = AutoencoderTransformer(
    hidden_layer_sizes=(128, 64), code_size=2, max_epochs=150, random_state=0
).fit(X_train)
pca = PCA(n_components=2).fit(X_train)


def mse(model):
    return np.mean((X_test - model.inverse_transform(model.transform(X_test))) ** 2)


fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
for ax, model, name in ((axes[0], pca, "PCA"), (axes[1], ae, "Autoencoder")):
    codes = model.transform(X_test)
    points = ax.scatter(codes[:, 0], codes[:, 1], c=y_test, cmap="tab10", s=8)
    # a few far-away codes would squash the rest: show the central 98%
    low, high = np.percentile(codes, [1, 99], axis=0)
    pad = 0.1 * (high - low)
    ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
    ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
    ax.set_title(f"{name}\nheld-out reconstruction MSE {mse(model):.3f}")
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(points, ax=axes, label="digit")
plt.show()
