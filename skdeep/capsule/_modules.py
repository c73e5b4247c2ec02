"""Capsule network layers in plain torch: squash, primary capsules, dynamic
routing, the masked reconstruction decoder and the margin loss.

The convolutional stem is the CNN family's :class:`~skdeep.cnn._modules.FeatureStack`;
only what is specific to capsules lives here.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import torch
import torch.nn.functional as F
from torch import nn

from skdeep.autoencoder._modules import mlp
from skdeep.cnn._modules import _conv


def squash(s, dim=-1, eps=1e-8):
    """Sabour et al.'s non-linearity: ``|s|^2 / (1 + |s|^2) * s / |s|``.

    Short vectors shrink to almost zero length, long ones to just below
    length one, and the orientation is kept, so a capsule's length can read
    as the probability that its entity is present.

    Parameters
    ----------
    s : torch.Tensor
        Capsule inputs, the vectors along ``dim``.
    dim : int, default=-1
        The capsule dimension.
    eps : float, default=1e-8
        Keeps the gradient finite at ``s = 0``.

    Returns
    -------
    torch.Tensor of the shape of ``s``

    Examples
    --------
    >>> import torch
    >>> from skdeep.capsule._modules import squash
    >>> v = squash(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    >>> [round(float(n), 4) for n in v.norm(dim=-1)]  # 25 / 26, and 0
    [0.9615, 0.0]
    """
    # Capsules with components past 1e15 are divided by their largest one
    # first: the squares overflowed float32 from about 1e19 (valid inputs),
    # giving NaN. For any constant divisor m the expression below is the same
    # function of s, so its gradient is too; at m = 1 (every other capsule)
    # it is the plain formula, operation for operation.
    largest = s.detach().abs().amax(dim=dim, keepdim=True)
    m = torch.where(largest > 1e15, largest, torch.ones_like(largest))
    u = s / m
    squared = (u * u).sum(dim=dim, keepdim=True)  # |s|^2 / m^2
    inv = 1.0 / (m * m)  # 0 where m * m overflows: the limit is then exact
    return u * (squared / (inv + squared) / torch.sqrt(squared + eps * inv))


class PrimaryCapsules(nn.Module):
    """A convolution whose channels are read as ``n_types`` capsules per position.

    ``(n, C, *spatial)`` to ``(n, n_types * prod(spatial_out), capsule_dim)``,
    squashed. No activation before the squash, as in the paper.

    Parameters
    ----------
    n_dims : {1, 2}
        Series or images.
    in_channels : int
        Channels of the stem's output.
    n_types : int
        Capsule types (the paper's 32 channels of capsules).
    capsule_dim : int
        Length of each capsule vector (8 in the paper).
    kernel_size, stride : int
        Of the convolution (9 and 2 in the paper); no padding.
    """

    def __init__(self, n_dims, in_channels, n_types, capsule_dim, kernel_size, stride):
        super().__init__()
        (self.conv,) = _conv(
            n_dims,
            in_channels,
            n_types * capsule_dim,
            kernel_size,
            stride=stride,
            padding="valid",
        )
        self.n_types = n_types
        self.capsule_dim = capsule_dim

    def forward(self, x):
        h = self.conv(x)
        h = h.reshape(len(h), self.n_types, self.capsule_dim, -1)
        # (n, types, dim, positions) -> (n, types * positions, dim)
        return squash(h.transpose(2, 3).reshape(len(h), -1, self.capsule_dim))


class RoutingCapsules(nn.Module):
    """A capsule layer fed by routing-by-agreement (Sabour et al., 2017, Proc. 1).

    Every input capsule ``i`` predicts every output capsule ``j`` through its
    own matrix: ``u_hat[i, j] = W[i, j] @ u[i]``. The coupling logits ``b``
    start at zero for each sample; each iteration takes ``c = softmax_j(b)``,
    ``v_j = squash(sum_i c[i, j] u_hat[i, j])`` and, except after the last,
    adds the agreement ``u_hat[i, j] . v_j`` to ``b``. All of it is batched
    over samples, input and output capsules (``einsum``); only the
    ``routing_iters`` iterations loop.

    Parameters
    ----------
    n_in, in_dim : int
        Number and length of the input capsules.
    n_out, out_dim : int
        Number and length of the output capsules.
    routing_iters : int
        Routing iterations; 1 is a plain uniform average (no routing).
    routing_gradient : {"last", "all"}, default="last"
        ``"all"`` back-propagates through every iteration (the algorithm as
        written); ``"last"`` treats the coupling coefficients as constants,
        so the gradient reaches ``u_hat`` only through the last iteration's
        weighted sum (as in widely used reproductions of the paper, for
        example Guo's CapsNet-Keras). The forward pass is the same; the
        backward pass is cheaper (one iteration costs 13.5 ms against 120 ms
        in a training step of the default network on a CPU).

    Notes
    -----
    ``W`` is drawn from ``N(0, sigma^2)`` with
    ``sigma = n_out / sqrt(n_in * out_dim)``: with the uniform coupling
    ``1 / n_out`` of the first iteration and unit-length inputs, the summed
    predictions then start with length about one, in the squash's sensitive
    range rather than in its flat ends.
    """

    def __init__(
        self, n_in, in_dim, n_out, out_dim, routing_iters, routing_gradient="last"
    ):
        super().__init__()
        if routing_gradient not in ("last", "all"):
            raise ValueError(
                f"routing_gradient must be 'last' or 'all'; got {routing_gradient!r}"
            )
        self.n_in, self.in_dim = n_in, in_dim
        self.n_out, self.out_dim = n_out, out_dim
        self.routing_iters = routing_iters
        self.routing_gradient = routing_gradient
        sigma = n_out / math.sqrt(n_in * out_dim)
        self.weight = nn.Parameter(torch.randn(n_in, n_out * out_dim, in_dim) * sigma)

    def predictions(self, u):
        """``u_hat``: ``(n, n_in, in_dim)`` to ``(n, n_out, n_in, out_dim)``."""
        if u.shape[1:] != (self.n_in, self.in_dim):
            raise ValueError(
                f"expected {self.n_in} input capsules of length {self.in_dim}, got "
                f"shape {tuple(u.shape[1:])}: the input's spatial size differs "
                f"from the one the capsule layer was built for"
            )
        # One (n, in_dim) @ (in_dim, n_out * out_dim) product per input capsule.
        u_hat = torch.bmm(u.transpose(0, 1), self.weight.transpose(1, 2))
        # Laid out (n, n_out, n_in, out_dim): both routing products below are
        # then batched matrix-vector products over (n, n_out), which CPUs run
        # several times faster than einsum's permuted copies.
        n = len(u)
        return u_hat.reshape(self.n_in, n, self.n_out, self.out_dim).permute(1, 2, 0, 3)

    def forward(self, u, return_coupling=False):
        """Output capsules ``(n, n_out, out_dim)`` (and the final coupling
        coefficients ``(n, n_in, n_out)`` with ``return_coupling``)."""
        u_hat = self.predictions(u).contiguous()
        routed = u_hat.detach() if self.routing_gradient == "last" else u_hat
        logits = u_hat.new_zeros(u_hat.shape[:3])  # (n, n_out, n_in)
        for iteration in range(self.routing_iters):
            coupling = F.softmax(logits, dim=1)
            last = iteration == self.routing_iters - 1
            votes = u_hat if last else routed
            v = squash((coupling.unsqueeze(2) @ votes).squeeze(2))
            if not last:
                logits = logits + (routed @ v.unsqueeze(-1)).squeeze(-1)
        if return_coupling:
            return v, coupling.transpose(1, 2)
        return v


class CapsuleDecoder(nn.Module):
    """Dense decoder of the masked class-capsule poses back to the input.

    Only the chosen class's capsule is kept (the others are zeroed), the
    flattened ``(n_classes * capsule_dim)`` vector goes through ReLU layers
    of ``hidden`` widths, and the output is a sigmoid (inputs in ``[0, 1]``,
    as in the paper) or linear.
    """

    def __init__(self, n_classes, capsule_dim, hidden, output_shape, sigmoid):
        super().__init__()
        self.output_shape = tuple(output_shape)
        sizes = (n_classes * capsule_dim, *hidden, math.prod(self.output_shape))
        self.net = mlp(sizes, "relu")
        self.sigmoid = bool(sigmoid)

    def forward(self, poses, codes):
        mask = F.one_hot(codes, poses.shape[1]).to(poses.dtype)
        return self.decode_masked((poses * mask[:, :, None]).flatten(1))

    def decode_masked(self, masked):
        """Decode already masked, flattened poses ``(n, n_classes * capsule_dim)``."""
        out = self.net(masked)
        out = torch.sigmoid(out) if self.sigmoid else out
        return out.reshape(len(out), *self.output_shape)


class CapsNetModule(nn.Module):
    """Stem, primary capsules, class capsules and the optional decoder.

    ``forward(x, target=None)`` returns ``(lengths, reconstruction, x)``:
    the class-capsule lengths ``(n, n_classes)``, the decoder's image of the
    capsule of ``target`` (of the longest capsule when ``target`` is None),
    and the input as the network saw it (augmented in training) as the
    reconstruction target; the last two are None without a decoder.

    Parameters
    ----------
    stack : skdeep.cnn._modules.FeatureStack
        The convolutional stem.
    primary : PrimaryCapsules
    classes : RoutingCapsules
    decoder : CapsuleDecoder or None
    augment : nn.Module or None
        Applied to the input first (training-time augmentation).
    """

    def __init__(self, stack, primary, classes, decoder=None, augment=None):
        super().__init__()
        self.augment = augment
        self.stack = stack
        self.primary = primary
        self.classes = classes
        self.decoder = decoder

    def poses(self, x):
        """Class-capsule vectors ``(n, n_classes, capsule_dim)``."""
        return self.classes(self.primary(self.stack(x)))

    def lengths(self, x):
        """Class-capsule lengths ``(n, n_classes)``."""
        return self.poses(x).norm(dim=-1)

    def flat_poses(self, x):
        """The poses flattened to ``(n, n_classes * capsule_dim)``."""
        return self.poses(x).flatten(1)

    def decode(self, poses, codes=None):
        """Decode poses ``(n, n_classes, capsule_dim)``, masked to ``codes``
        (the longest capsule by default)."""
        if self.decoder is None:
            raise ValueError(
                "this capsule network has no decoder (reconstruction_weight=0)"
            )
        if codes is None:
            codes = poses.norm(dim=-1).argmax(dim=1)
        return self.decoder(poses, codes)

    def forward(self, x, target=None):
        if self.augment is not None:
            x = self.augment(x)  # the identity outside training mode
        poses = self.poses(x)
        lengths = poses.norm(dim=-1)
        if self.decoder is None:
            return lengths, None, None
        if target is None:
            target = lengths.argmax(dim=1)
        return lengths, self.decoder(poses, target), x


class CapsuleLoss(nn.Module):
    """Margin loss plus the weighted sum-of-squares reconstruction error.

    Per sample: ``sum_k T_k max(0, m_plus - |v_k|)^2 + lambda_ (1 - T_k)
    max(0, |v_k| - m_minus)^2``, plus ``reconstruction_weight`` times the
    sum over pixels of the squared reconstruction error (the paper's
    0.0005 is tuned to that sum over 784 MNIST pixels). The total is the
    weighted mean over samples, ``sum(w_i l_i) / sum(w_i)`` with ``w_i`` the
    class weight of ``y_i`` times the sample weight, as in
    :class:`~skdeep.utils._losses.ClassificationLoss`.

    ``forward(y_pred, y_true)`` takes the module's ``(lengths,
    reconstruction, x)`` and integer codes, or ``(codes, sample_weight)``.
    """

    def __init__(
        self,
        m_plus=0.9,
        m_minus=0.1,
        lambda_=0.5,
        reconstruction_weight=0.0005,
        class_weight=None,
    ):
        super().__init__()
        self.m_plus, self.m_minus, self.lambda_ = m_plus, m_minus, lambda_
        self.reconstruction_weight = reconstruction_weight
        if class_weight is not None:
            class_weight = torch.as_tensor(class_weight, dtype=torch.float32)
        self.register_buffer("class_weight", class_weight)

    def per_sample(self, y_pred, codes):
        """The unweighted loss of each sample, ``(n,)``."""
        lengths, reconstruction, x = y_pred
        present = F.one_hot(codes, lengths.shape[1]).to(lengths.dtype)
        loss = (
            present * F.relu(self.m_plus - lengths) ** 2
            + self.lambda_ * (1 - present) * F.relu(lengths - self.m_minus) ** 2
        ).sum(dim=1)
        if reconstruction is not None and self.reconstruction_weight > 0:
            error = (reconstruction - x).flatten(1)
            loss = loss + self.reconstruction_weight * (error * error).sum(dim=1)
        return loss

    def forward(self, y_pred, y_true):
        sample_weight = None
        if isinstance(y_true, (tuple, list)):  # skorch turns the pair into a list
            y_true, sample_weight = y_true
        codes = y_true.long()
        loss = self.per_sample(y_pred, codes)
        if self.class_weight is None and sample_weight is None:
            self.last_total_ = None  # (a batch counts its rows)
            return loss.mean()
        weight = torch.ones_like(loss)
        if self.class_weight is not None:
            weight = weight * self.class_weight[codes]
        if sample_weight is not None:
            weight = weight * sample_weight.to(loss.dtype)
        total = weight.sum()
        # the batch's share of an epoch, as ClassificationLoss: weighed by its
        # rows, the epoch loss moved with batch_size (0.696 against 0.708)
        self.last_total_ = total.detach()
        if total <= 0:
            return (loss * weight).sum()  # zero, with a zero gradient
        return (loss * weight).sum() / total
