"""
New digits sampled from a variational autoencoder
=================================================

A :class:`~skdeep.autoencoder.VariationalAutoencoder` with a Bernoulli
likelihood learns a two-dimensional latent space of the digits. Left: new
digits decoded from codes drawn from the prior. Right: the decoder's mean over
a grid of latent codes, the classic picture of a VAE's latent manifold.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm
from sklearn.datasets import load_digits

from skdeep.autoencoder import VariationalAutoencoder

X, _ = load_digits(return_X_y=True)
vae = VariationalAutoencoder(
    hidden_layer_sizes=(256, 128),
    code_size=2,
    likelihood="bernoulli",
    max_epochs=150,
    lr=2e-3,
    random_state=0,
).fit(X / 16.0)

samples = vae.sample(36, random_state=0)
grid = norm.ppf(np.linspace(0.05, 0.95, 12))
codes = np.array([[a, b] for b in grid[::-1] for a in grid])
manifold = vae.inverse_transform(codes)

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5.5))
left.imshow(
    samples.reshape(6, 6, 8, 8).transpose(0, 2, 1, 3).reshape(48, 48), cmap="gray_r"
)
left.set_title("36 digits sampled from the prior")
right.imshow(
    manifold.reshape(12, 12, 8, 8).transpose(0, 2, 1, 3).reshape(96, 96), cmap="gray_r"
)
right.set_title("decoder mean over a grid of latent codes")
for ax in (left, right):
    ax.set_xticks([])
    ax.set_yticks([])
print(f"mean ELBO on the training digits: {vae.score(X / 16.0):.1f} nats")
plt.show()
