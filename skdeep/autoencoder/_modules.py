"""Plain torch modules and losses of the autoencoder family (no scikit-learn here)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import torch
import torch.nn.functional as F
from torch import nn

from skdeep.utils._torch import BatchNorm1d, BatchNorm2d

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def corrupt(X, noise, level):
    """The denoising autoencoder's input corruption (training only).

    ``"gaussian"`` adds ``level``-scaled standard normal noise; ``"masking"``
    sets each entry to zero with probability ``level``.
    """
    if noise is None or level == 0:
        return X
    if noise == "gaussian":
        return X + level * torch.randn_like(X)
    if noise == "masking":
        return X * (torch.rand_like(X) >= level).to(X.dtype)
    raise ValueError(f"unknown noise {noise!r}")


def hidden_block(n_in, n_out, activation, dropout=0.0, batch_norm=False):
    """Linear, then optional batch norm, the activation and optional dropout."""
    layers = [nn.Linear(n_in, n_out)]
    if batch_norm:
        layers.append(BatchNorm1d(n_out))
    layers.append(ACTIVATIONS[activation]())
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def mlp(sizes, activation, *, dropout=0.0, batch_norm=False):
    """Hidden blocks between ``sizes``, with a final plain Linear layer."""
    blocks = [
        hidden_block(n_in, n_out, activation, dropout, batch_norm)
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1])
    ]
    return nn.Sequential(*blocks, nn.Linear(sizes[-2], sizes[-1]))


class _InputNoiseRepr:
    """``repr`` names the input corruption (``noise``, ``noise_level``): it
    shapes no weight, and a ``partial_fit`` that continues compares reprs to
    find a changed parameter."""

    def extra_repr(self):
        if not self.noise:
            return ""
        return f"noise={self.noise!r}, noise_level={self.noise_level!r}"


class DenseAutoencoderModule(_InputNoiseRepr, nn.Module):
    """Fully connected encoder and mirrored decoder; ``forward`` gives ``(recon, code)``.

    The code and output layers are linear, so with ``hidden_layer_sizes=()``
    the model spans the same family of solutions as PCA.

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
    dropout : float
        Dropout after each hidden layer.
    batch_norm : bool
        Batch normalisation before each hidden activation.
    tied_weights : bool
        The decoder reuses the transposed encoder weights (own biases).
    noise, noise_level : str or None, float
        Input corruption applied in training mode only (see :func:`corrupt`).
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        code_size,
        activation="relu",
        *,
        dropout=0.0,
        batch_norm=False,
        tied_weights=False,
        noise=None,
        noise_level=0.0,
    ):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, code_size]
        self.noise, self.noise_level = noise, noise_level
        self.tied_weights = tied_weights
        self.encoder = mlp(sizes, activation, dropout=dropout, batch_norm=batch_norm)
        if tied_weights:
            # Decoder layer i applies encoder linear layer -(i+1), transposed.
            self.decoder_biases = nn.ParameterList(
                [nn.Parameter(torch.zeros(n)) for n in sizes[::-1][1:]]
            )
            self.decoder_post = nn.ModuleList(
                [
                    nn.Sequential(
                        *([BatchNorm1d(n)] if batch_norm else []),
                        ACTIVATIONS[activation](),
                        *([nn.Dropout(dropout)] if dropout else []),
                    )
                    for n in sizes[::-1][1:-1]
                ]
            )
        else:
            self.decoder = mlp(
                sizes[::-1], activation, dropout=dropout, batch_norm=batch_norm
            )

    def encode(self, X):
        return self.encoder(X)

    def decode(self, code):
        if not self.tied_weights:
            return self.decoder(code)
        linears = [m for m in self.encoder.modules() if isinstance(m, nn.Linear)]
        h = code
        for i, layer in enumerate(reversed(linears)):
            h = F.linear(h, layer.weight.t(), self.decoder_biases[i])
            if i < len(self.decoder_post):
                h = self.decoder_post[i](h)
        return h

    def forward(self, X):
        if self.training:
            X = corrupt(X, self.noise, self.noise_level)
        code = self.encode(X)
        return self.decode(code), code


class VariationalAutoencoderModule(_InputNoiseRepr, nn.Module):
    """Gaussian-latent VAE; ``forward`` gives ``(recon, mu, logvar)``.

    In training mode the code is sampled by the reparameterisation trick; in
    eval mode the posterior mean is decoded. ``recon`` is the decoder's mean
    (Gaussian likelihood) or its logits (Bernoulli likelihood).
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        code_size,
        activation="relu",
        *,
        dropout=0.0,
        batch_norm=False,
        noise=None,
        noise_level=0.0,
        likelihood="gaussian",
    ):
        super().__init__()
        self.noise, self.noise_level = noise, noise_level
        # what recon means (a mean, or logits): inference reads it here, as
        # fitted, not from the estimator's parameter (set_params since fit)
        self.likelihood = likelihood
        widths = [n_features, *hidden_layer_sizes]
        self.body = nn.Sequential(
            *[
                hidden_block(a, b, activation, dropout, batch_norm)
                for a, b in zip(widths[:-1], widths[1:])
            ]
        )
        self.mu = nn.Linear(widths[-1], code_size)
        self.logvar = nn.Linear(widths[-1], code_size)
        self.decoder = mlp(
            [code_size, *widths[::-1]], activation, dropout=dropout,
            batch_norm=batch_norm,
        )

    def extra_repr(self):
        # (a changed likelihood reads differently: partial_fit and
        # skdeep.io.save compare the fitted module with a rebuilt one)
        return ", ".join(filter(None, [f"likelihood={self.likelihood!r}",
                                       super().extra_repr()]))

    def encode(self, X):
        h = self.body(X)
        return self.mu(h), self.logvar(h).clamp(-20, 20)

    def decode(self, code):
        return self.decoder(code)

    def forward(self, X):
        if self.training:
            X = corrupt(X, self.noise, self.noise_level)
        mu, logvar = self.encode(X)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return self.decode(z), mu, logvar


class ConvAutoencoderModule(_InputNoiseRepr, nn.Module):
    """Convolutional encoder/decoder for images ``(C, H, W)`` or series ``(C, T)``.

    Each encoder stage is a stride-2 convolution (so each halves the spatial
    size, rounding up), followed by a linear map to the code; the decoder
    mirrors it with transposed convolutions whose output padding restores the
    exact input size. ``forward`` takes and returns flat rows and gives
    ``(recon, code)``.
    """

    def __init__(
        self,
        input_shape,
        channels,
        kernel_size,
        code_size,
        activation="relu",
        *,
        batch_norm=False,
        noise=None,
        noise_level=0.0,
    ):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.noise, self.noise_level = noise, noise_level
        n_dims = len(self.input_shape) - 1
        conv = nn.Conv1d if n_dims == 1 else nn.Conv2d
        deconv = nn.ConvTranspose1d if n_dims == 1 else nn.ConvTranspose2d
        norm = BatchNorm1d if n_dims == 1 else BatchNorm2d
        pad = kernel_size // 2
        spatial = [list(self.input_shape[1:])]
        for _ in channels:
            spatial.append([(s + 2 * pad - kernel_size) // 2 + 1 for s in spatial[-1]])
        encoder, decoder = [], []
        widths = [self.input_shape[0], *channels]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            encoder += [conv(c_in, c_out, kernel_size, stride=2, padding=pad)]
            encoder += [norm(c_out)] if batch_norm else []
            encoder += [ACTIVATIONS[activation]()]
        for i in range(len(channels), 0, -1):
            c_in, c_out = widths[i], widths[i - 1]
            target, source = spatial[i - 1], spatial[i]
            output_padding = tuple(
                t - ((s - 1) * 2 - 2 * pad + kernel_size)
                for t, s in zip(target, source)
            )
            decoder += [
                deconv(c_in, c_out, kernel_size, stride=2, padding=pad,
                       output_padding=output_padding)
            ]
            if i > 1:
                decoder += [norm(c_out)] if batch_norm else []
                decoder += [ACTIVATIONS[activation]()]
        self.bottom_shape = (widths[-1], *spatial[-1])
        n_bottom = math.prod(self.bottom_shape)
        self.encoder = nn.Sequential(*encoder, nn.Flatten(), nn.Linear(n_bottom, code_size))
        # with no convolutions (channels=()) this is the output layer, and
        # linear as the last transposed convolution is (an activation there
        # kept every reconstruction >= 0 under ReLU)
        self.decoder_in = nn.Sequential(
            nn.Linear(code_size, n_bottom),
            *([ACTIVATIONS[activation]()] if channels else []),
        )
        self.decoder = nn.Sequential(*decoder)

    def encode(self, X):
        return self.encoder(X.reshape(len(X), *self.input_shape))

    def decode(self, code):
        h = self.decoder_in(code).reshape(len(code), *self.bottom_shape)
        return self.decoder(h).reshape(len(code), -1)

    def forward(self, X):
        if self.training:
            X = corrupt(X, self.noise, self.noise_level)
        code = self.encode(X)
        return self.decode(code), code


class AutoencoderLoss(nn.Module):
    """Mean squared reconstruction error plus an optional sparsity penalty on the code.

    ``sparsity_type="l1"`` adds ``sparsity * mean(|code|)``;
    ``"kl"`` adds ``sparsity * sum_j KL(target || mean_batch(sigmoid(code_j)))``,
    the classic sparse-autoencoder penalty on mean unit activations.
    """

    def __init__(self, sparsity=0.0, sparsity_type="l1", sparsity_target=0.05):
        super().__init__()
        self.sparsity = sparsity
        self.sparsity_type = sparsity_type
        self.sparsity_target = sparsity_target

    def forward(self, y_pred, y_true):
        recon, code = y_pred
        loss = F.mse_loss(recon, y_true)
        if self.sparsity:
            if self.sparsity_type == "l1":
                loss = loss + self.sparsity * code.abs().mean()
            else:
                rho = self.sparsity_target
                rho_hat = torch.sigmoid(code).mean(0).clamp(1e-6, 1 - 1e-6)
                # logs of rho taken in float64: rho / rho_hat in float32
                # underflowed to 0 for rho below ~1e-45 (0 * log 0: NaN loss)
                kl = rho * (math.log(rho) - torch.log(rho_hat)) + (1 - rho) * (
                    math.log1p(-rho) - torch.log1p(-rho_hat)
                )
                loss = loss + self.sparsity * kl.sum()
        return loss


def vae_terms(recon, mu, logvar, X, likelihood="gaussian"):
    """Per-sample negative log-likelihood and KL divergence of a VAE.

    The Gaussian likelihood has unit variance (use standardized inputs); the
    Bernoulli one reads ``recon`` as logits (inputs in [0, 1]).
    """
    if likelihood == "gaussian":
        nll = 0.5 * ((X - recon) ** 2).sum(1) + 0.5 * X.shape[1] * math.log(2 * math.pi)
    else:
        nll = F.binary_cross_entropy_with_logits(recon, X, reduction="none").sum(1)
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)
    return nll, kl


class VAELoss(nn.Module):
    """Negative ELBO with a ``beta``-weighted KL term (beta-VAE), per-sample mean."""

    def __init__(self, beta=1.0, likelihood="gaussian"):
        super().__init__()
        self.beta = beta
        self.likelihood = likelihood

    def forward(self, y_pred, y_true):
        recon, mu, logvar = y_pred
        nll, kl = vae_terms(recon, mu, logvar, y_true, self.likelihood)
        return (nll + self.beta * kl).mean()
