"""Plain torch modules of the autoencoder family (no scikit-learn here)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def mlp(sizes, activation, *, last_activation=False):
    """A stack of Linear layers with ``activation`` between them."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2 or last_activation:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class DenseAutoencoderModule(nn.Module):
    """Fully connected encoder and mirrored decoder.

    The code layer and the output layer are linear, so with
    ``hidden_layer_sizes=()`` and ``activation`` irrelevant the model spans
    the same family of solutions as PCA.

    Parameters
    ----------
    n_features : int
        Width of the input rows.
    hidden_layer_sizes : tuple of int
        Encoder widths from the input towards the code; the decoder mirrors them.
    code_size : int
        Width of the code (the bottleneck).
    activation : str
        A key of :data:`ACTIVATIONS`.
    """

    def __init__(self, n_features, hidden_layer_sizes, code_size, activation="relu"):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, code_size]
        self.encoder = mlp(sizes, activation)
        self.decoder = mlp(sizes[::-1], activation)

    def encode(self, X):
        return self.encoder(X)

    def decode(self, code):
        return self.decoder(code)

    def forward(self, X):
        return self.decoder(self.encoder(X))
