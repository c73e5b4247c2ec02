"""
Reconstructions and denoising of handwritten digits
===================================================

Top row: held-out digits. Then the same digits corrupted by Gaussian noise,
what a plain autoencoder makes of the noisy digits, and what a denoising
autoencoder (trained with ``noise="gaussian"``) makes of them. The numbers are
the mean squared errors against the clean digits.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skdeep.autoencoder import AutoencoderTransformer

X, _ = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
noisy = X_test + 0.4 * np.random.RandomState(0).standard_normal(X_test.shape)

common = dict(hidden_layer_sizes=(256, 128), code_size=32, max_epochs=60, random_state=0)
plain = AutoencoderTransformer(**common).fit(X_train)
denoising = AutoencoderTransformer(noise="gaussian", noise_level=0.4, **common).fit(X_train)

rows = [
    ("clean", X_test),
    ("noisy", noisy),
    ("plain AE", plain.reconstruct(noisy)),
    ("denoising AE", denoising.reconstruct(noisy)),
]
fig, axes = plt.subplots(len(rows), 10, figsize=(10, 4.6))
for r, (name, images) in enumerate(rows):
    mse = np.mean((images - X_test) ** 2)
    for c in range(10):
        ax = axes[r, c]
        ax.imshow(images[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[r, 0].set_ylabel(f"{name}\n{mse:.3f}", rotation=0, ha="right", va="center")
fig.tight_layout()
plt.show()
