"""Torch modules of the RBF family: the radial basis layer and the network."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from torch import nn

KERNELS = ("gaussian", "multiquadric", "inverse_multiquadric")


def squared_distances(x, centers):
    """Squared Euclidean distances ``(n, k)`` between rows and centers.

    Computed as ``|x|^2 - 2 x.c + |c|^2`` (one matrix product) and clamped at
    zero, which rounding can cross for points on a center.
    """
    d2 = (
        (x * x).sum(dim=1, keepdim=True)
        - 2.0 * x @ centers.T
        + (centers * centers).sum(dim=1)[None]
    )
    return d2.clamp_(min=0.0)


def apply_kernel(d2, gamma, kernel):
    """The basis functions of squared distances ``d2`` with widths ``gamma``.

    ``gaussian``: ``exp(-gamma r^2)``; ``multiquadric``: ``sqrt(1 + gamma
    r^2)``; ``inverse_multiquadric``: ``1 / sqrt(1 + gamma r^2)``. ``gamma``
    is a scalar or one value per center.
    """
    scaled = d2 * gamma
    if kernel == "gaussian":
        return torch.exp(-scaled)
    if kernel == "multiquadric":
        return torch.sqrt(1.0 + scaled)
    if kernel == "inverse_multiquadric":
        return torch.rsqrt(1.0 + scaled)
    raise ValueError(f"unknown kernel {kernel!r}; expected one of {KERNELS}")


class RBFLayer(nn.Module):
    """Radial basis layer: each unit fires by the input's distance to its center.

    Parameters
    ----------
    centers : Tensor of shape (n_centers, n_features)
        Initial centers (trainable).
    gamma : Tensor of shape () or (n_centers,)
        Initial widths, kept as their logarithm so they stay positive.
    kernel : {"gaussian", "multiquadric", "inverse_multiquadric"}
    """

    def __init__(self, centers, gamma, kernel="gaussian"):
        super().__init__()
        if kernel not in KERNELS:
            raise ValueError(f"unknown kernel {kernel!r}; expected one of {KERNELS}")
        self.kernel = kernel
        self.centers = nn.Parameter(torch.as_tensor(centers, dtype=torch.float32))
        gamma = torch.as_tensor(gamma, dtype=torch.float32)
        self.log_gamma = nn.Parameter(gamma.log())

    @property
    def gamma(self):
        return self.log_gamma.exp()

    def forward(self, x):
        return apply_kernel(squared_distances(x, self.centers), self.gamma, self.kernel)


class RBFNetwork(nn.Module):
    """An RBF layer and a linear output layer (with a bias).

    ``weight`` has shape ``(n_centers + 1, n_outputs)``, its last row the
    bias, as the closed-form (hybrid) solution gives it.
    """

    def __init__(self, centers, gamma, weight, kernel="gaussian"):
        super().__init__()
        self.rbf = RBFLayer(centers, gamma, kernel)
        self.weight = nn.Parameter(torch.as_tensor(weight, dtype=torch.float32))

    def forward(self, x):
        h = self.rbf(x)
        return h @ self.weight[:-1] + self.weight[-1]
