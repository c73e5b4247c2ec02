"""Plain torch modules of the uncertainty family (no scikit-learn here)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from torch import nn
from torch.nn import functional as F

# Dropout masks at prediction time use their own seed stream, not training's.
_MASK_SEED_OFFSET = 7919

ACTIVATIONS = {
    "relu": F.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "elu": F.elu,
    "gelu": F.gelu,
}


class MCDropoutMLP(nn.Module):
    """A fully connected network with dropout before every linear layer.

    As in Gal & Ghahramani's code, dropout acts on the inputs and on every
    hidden layer (``Dropout -> Linear -> activation`` repeated, then
    ``Dropout -> Linear`` to the outputs). Weights start Glorot-uniform and
    biases at zero, like Keras' ``Dense``.

    In training mode :meth:`forward` draws an independent mask per row, as
    ordinary dropout does. :meth:`forward_mc` runs ``T`` stochastic passes at
    once from masks drawn by :meth:`draw_masks`: pass ``t`` uses the same
    masks for every row, which is one sample of the network's weights from
    the approximate posterior (Gal & Ghahramani's :math:`q(\\omega)`), and
    makes each row's outputs independent of the other rows in the batch.

    Parameters
    ----------
    n_features : int
        Width of the inputs.
    hidden_layer_sizes : tuple of int
        Widths of the hidden layers.
    n_outputs : int
        Width of the (linear) output layer.
    dropout : float
        Probability of dropping a unit, in ``[0, 1)``.
    activation : str
        A key of :data:`ACTIVATIONS`.
    """

    def __init__(
        self, n_features, hidden_layer_sizes, n_outputs, dropout, activation="relu"
    ):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, n_outputs]
        self.linears = nn.ModuleList(
            nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])
        )
        self.dropout = float(dropout)
        self.activation = activation
        for layer in self.linears:
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def extra_repr(self):
        # (the printed module tells a changed dropout or activation apart:
        # partial_fit and skdeep.io.save compare it with a rebuilt one)
        return f"dropout={self.dropout!r}, activation={self.activation!r}"

    @property
    def layer_inputs(self):
        """Width of each linear layer's input (the units dropout acts on)."""
        return [layer.in_features for layer in self.linears]

    def forward(self, X):
        act = ACTIVATIONS[self.activation]
        h = X
        last = len(self.linears) - 1
        for i, layer in enumerate(self.linears):
            h = layer(F.dropout(h, self.dropout, self.training))
            if i < last:
                h = act(h)
        return h

    def draw_masks(self, n_samples, generator):
        """Scaled Bernoulli masks, one ``(n_samples, width)`` tensor per layer.

        Kept units are scaled by ``1 / (1 - dropout)`` (inverted dropout), so
        the masks have mean one.
        """
        device = self.linears[0].weight.device
        keep = 1.0 - self.dropout
        masks = []
        for width in self.layer_inputs:
            if self.dropout == 0.0:
                masks.append(torch.ones(n_samples, width, device=device))
                continue
            u = torch.rand(
                n_samples, width, generator=generator, device=generator.device
            ).to(device)
            masks.append((u < keep).to(torch.float32) / keep)
        return masks

    def forward_mc(self, X, masks):
        """All stochastic passes in one forward.

        Parameters
        ----------
        X : tensor of shape (batch, n_features)
        masks : list of tensors
            As returned by :meth:`draw_masks`, ``(T, width)`` each.

        Returns
        -------
        out : tensor of shape (T, batch, n_outputs)
        """
        act = ACTIVATIONS[self.activation]
        h = X.unsqueeze(0)  # (1, batch, n_features), broadcast over passes
        last = len(self.linears) - 1
        for i, (layer, mask) in enumerate(zip(self.linears, masks)):
            h = layer(h * mask.unsqueeze(1))  # (T, batch, width)
            if i < last:
                h = act(h)
        return h
