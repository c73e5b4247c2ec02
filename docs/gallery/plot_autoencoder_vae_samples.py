"""
New digits sampled from a variational autoencoder
=================================================

A :class:`~skdeep.autoencoder.VariationalAutoencoder` with a Bernoulli
likelihood learns a two-dimensional latent space of the digits. Left: new
digits decoded from codes drawn from the prior. Right: where the encoder puts
each digit in the latent space, coloured by its label.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from skdeep.autoencoder import VariationalAutoencoder

X, y = load_digits(return_X_y=True)
vae = VariationalAutoencoder(
    hidden_layer_sizes=(256, 128),
    code_size=2,
    likelihood="bernoulli",
    max_epochs=150,
    lr=2e-3,
    random_state=0,
).fit(X / 16.0)

samples = vae.sample(40, random_state=0)
codes = vae.transform(X / 16.0)

fig = plt.figure(figsize=(11, 5))
for i, image in enumerate(samples):
    ax = fig.add_subplot(5, 16, (i // 8) * 16 + i % 8 + 1)
    ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
fig.text(0.27, 0.93, "40 digits sampled from the prior", ha="center")
ax = fig.add_subplot(1, 2, 2)
points = ax.scatter(codes[:, 0], codes[:, 1], c=y, cmap="tab10", s=5)
fig.colorbar(points, ax=ax, label="digit")
ax.set_title("posterior means of the 1,797 digits")
print(f"mean ELBO on the training digits: {vae.score(X / 16.0):.1f} nats")
plt.show()
