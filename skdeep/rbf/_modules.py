"""Torch modules of the RBF family: the radial basis layer and the network."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from torch import nn

KERNELS = ("gaussian", "multiquadric", "inverse_multiquadric")


def squared_distances(x, centers, inplace=False):
    """Squared Euclidean distances ``(n, k)`` between rows and centers.

    Computed as ``|x|^2 - 2 x.c + |c|^2`` (one matrix product) and clamped at
    zero, which rounding can cross for points on a center. ``inplace`` (no
    autograd): the same values to the last bit, the same operations in the
    same order, built in the product's output (no new tensors).
    """
    xx = (x * x).sum(dim=1, keepdim=True)
    cc = (centers * centers).sum(dim=1)[None]
    if inplace:  # (exact scaling by -2; x.x + (-2 x.c) is x.x - 2 x.c)
        d2 = (x @ centers.T).mul_(-2.0).add_(xx).add_(cc)
    else:
        d2 = xx - 2.0 * x @ centers.T + cc
    return d2.clamp_(min=0.0)


def apply_kernel(d2, gamma, kernel, inplace=False):
    """The basis functions of squared distances ``d2`` with widths ``gamma``.

    ``gaussian``: ``exp(-gamma r^2)``; ``multiquadric``: ``sqrt(1 + gamma
    r^2)``; ``inverse_multiquadric``: ``1 / sqrt(1 + gamma r^2)``. ``gamma``
    is a scalar or one value per center. ``inplace`` (no autograd):
    overwrite ``d2`` with the same values.
    """
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; expected one of {KERNELS}")
    scaled = d2.mul_(gamma) if inplace else d2 * gamma
    if kernel == "gaussian":
        return scaled.neg_().exp_() if inplace else torch.exp(-scaled)
    shifted = scaled.add_(1.0) if inplace else 1.0 + scaled
    if kernel == "multiquadric":
        return shifted.sqrt_() if inplace else torch.sqrt(shifted)
    return shifted.rsqrt_() if inplace else torch.rsqrt(shifted)


def inference_activations(x, centers, gamma, kernel):
    """:func:`apply_kernel` of :func:`squared_distances` without autograd,
    in place: the same values to the last bit, one product and five passes
    over memory instead of eight passes and six new tensors (about 3x faster
    for 1,000 centers in 50 dimensions). For the hybrid solve, ``predict``
    and ``transform``, which run without gradients."""
    d2 = squared_distances(x, centers, inplace=True)
    return apply_kernel(d2, gamma, kernel, inplace=True)


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

    def extra_repr(self):
        # (a network rebuilt with another kernel reads differently: partial
        # fits and skdeep.io compare the fitted network with a rebuilt one)
        return f"kernel={self.kernel!r}"

    def forward(self, x):
        if not torch.is_grad_enabled():
            return inference_activations(x, self.centers, self.gamma, self.kernel)
        return apply_kernel(squared_distances(x, self.centers), self.gamma, self.kernel)


class RBFNetwork(nn.Module):
    """An RBF layer and a linear output layer (with a bias).

    ``weight`` has shape ``(n_centers + 1, n_outputs)``, its last row the
    bias, as the closed-form (hybrid) solution gives it.
    """

    def __init__(self, centers, gamma, weight, kernel="gaussian"):
        super().__init__()
        self.rbf = RBFLayer(centers, gamma, kernel)
        # contiguous, as a loaded model's: a transposed (Fortran-ordered)
        # solution takes another matrix-product kernel, other float32 rounding
        self.weight = nn.Parameter(
            torch.as_tensor(weight, dtype=torch.float32).contiguous()
        )

    def forward(self, x):
        h = self.rbf(x)
        return h @ self.weight[:-1] + self.weight[-1]
