"""Training-time data augmentation for the convolutional family (plain torch).

:class:`Augment` is a module that changes its input only in training mode,
as ``nn.Dropout`` does, so putting it at the front of a network augments every
training batch and leaves ``predict`` untouched. Each sample gets its own
random draw; everything is batched (no Python loop over samples) and draws from
torch's RNG, which skdeep seeds around training.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
import torch.nn.functional as F
from torch import nn

IMAGE_AUGMENTATIONS = ("shift", "flip")
SERIES_AUGMENTATIONS = ("jitter", "scale", "slice")
AUGMENTATIONS = IMAGE_AUGMENTATIONS + SERIES_AUGMENTATIONS


def check_augment(augment, n_dims):
    """Validate an ``augment`` parameter; return a tuple of names.

    ``"auto"`` picks the defaults for the data: shifts and horizontal flips
    for images, jitter and scaling for series.
    """
    if augment is None:
        return ()
    if augment == "auto":
        return IMAGE_AUGMENTATIONS if n_dims == 2 else ("jitter", "scale")
    names = (augment,) if isinstance(augment, str) else tuple(augment)
    allowed = IMAGE_AUGMENTATIONS if n_dims == 2 else SERIES_AUGMENTATIONS
    kind = "images" if n_dims == 2 else "series"
    for name in names:
        if name not in allowed:
            raise ValueError(
                f"augment={augment!r}: {name!r} is not an augmentation for {kind}; "
                f"choose from {allowed} (or 'auto')."
            )
    return names


class Augment(nn.Module):
    """Random per-sample augmentation, applied in training mode only.

    Parameters
    ----------
    names : tuple of str
        Images (``n, C, H, W``): ``"shift"`` translates each image by up to
        ``shift`` of its size (zero fill), ``"flip"`` mirrors half of the
        images left-right. Series (``n, C, T``): ``"jitter"`` adds Gaussian
        noise of ``jitter`` times each series' standard deviation,
        ``"scale"`` multiplies each channel by a factor drawn from
        N(1, ``scale``), ``"slice"`` crops a random window of ``slice``
        of the length and stretches it back (window slicing, Le Guennec et
        al. 2016).
    shift, jitter, scale, slice : float
        Strengths, as above.

    Examples
    --------
    >>> import torch
    >>> from skdeep.cnn._augment import Augment
    >>> aug = Augment(("jitter", "slice"))
    >>> x = torch.randn(4, 2, 50)
    >>> aug(x).shape
    torch.Size([4, 2, 50])
    >>> bool((aug.eval()(x) == x).all())  # identity outside training
    True
    """

    def __init__(self, names, *, shift=0.1, jitter=0.03, scale=0.1, slice=0.9):
        super().__init__()
        self.names = tuple(names)
        self.shift, self.jitter, self.scale, self.slice = shift, jitter, scale, slice

    def forward(self, x):
        if not self.training or not self.names:
            return x
        for name in self.names:
            x = getattr(self, f"_{name}")(x)
        return x

    def _shift(self, x):
        n = len(x)
        theta = torch.zeros(n, 2, 3, dtype=x.dtype, device=x.device)
        theta[:, 0, 0] = theta[:, 1, 1] = 1.0
        # affine_grid works in [-1, 1] coordinates: a shift of s of the size is 2s.
        theta[:, :, 2] = (torch.rand(n, 2, device=x.device) * 2 - 1) * 2 * self.shift
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros",
                             align_corners=False)

    def _flip(self, x):
        flip = torch.rand(len(x), device=x.device) < 0.5
        return torch.where(flip[:, None, None, None], x.flip(-1), x)

    def _jitter(self, x):
        # Each series' standard deviation (ddof=1) over its observed steps:
        # NaN padding is left out (the plain std of a padded series is NaN,
        # which gave it no jitter at all). One road for both, and a third
        # faster than torch.std on a 128 x 1 x 150 batch.
        count = (~torch.isnan(x)).sum(dim=-1, keepdim=True)
        mean = x.nanmean(dim=-1, keepdim=True)
        spread = (x - mean).square().nansum(dim=-1, keepdim=True)
        std = (spread / (count - 1).clamp_min(1)).sqrt()
        return x + torch.randn_like(x) * self.jitter * std

    def _scale(self, x):
        factor = 1.0 + torch.randn(*x.shape[:2], 1, device=x.device) * self.scale
        return x * factor.to(x.dtype)

    def _slice(self, x):
        # Crop a window of slice * T at a random start per sample and resample
        # it to T points: grid_sample over a (1, T) "image" does all samples at once.
        n, T = len(x), x.shape[-1]
        width = self.slice
        start = torch.rand(n, 1, device=x.device) * (1 - width)
        pos = start + width * torch.linspace(0, 1, T, device=x.device)[None, :]
        grid = torch.stack([pos * 2 - 1, torch.zeros_like(pos)], dim=-1)[:, None]
        out = F.grid_sample(x[:, :, None, :], grid.to(x.dtype), mode="bilinear",
                            padding_mode="border", align_corners=True)
        return out[:, :, 0, :]
