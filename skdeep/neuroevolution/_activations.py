"""Node activation functions, vectorised, under neat-python's names.

Each function takes the node's pre-activation ``z = bias + response * sum(w * x)``
as an array and returns an array of the same shape. The scalings and clamps are
neat-python's (``sigmoid`` is ``1 / (1 + exp(-5 z))``, ``tanh`` is
``tanh(2.5 z)``...), so that a configuration tuned for neat-python evolves the
same networks here.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def _sigmoid(z):
    z = np.clip(5.0 * z, -60.0, 60.0)
    return 1.0 / (1.0 + np.exp(-z))


def _tanh(z):
    return np.tanh(np.clip(2.5 * z, -60.0, 60.0))


def _sin(z):
    return np.sin(np.clip(5.0 * z, -60.0, 60.0))


def _gauss(z):
    z = np.clip(z, -3.4, 3.4)
    return np.exp(-5.0 * z * z)


def _relu(z):
    return np.maximum(z, 0.0)


def _elu(z):
    return np.where(z > 0.0, z, np.expm1(np.minimum(z, 0.0)))


def _lelu(z):
    return np.where(z > 0.0, z, 0.005 * z)


def _selu(z):
    lam, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    return np.where(z > 0.0, lam * z, lam * alpha * np.expm1(np.minimum(z, 0.0)))


def _softplus(z):
    z = np.clip(5.0 * z, -60.0, 60.0)
    return 0.2 * np.log1p(np.exp(z))


def _identity(z):
    return z


def _clamped(z):
    return np.clip(z, -1.0, 1.0)


def _inv(z):
    with np.errstate(divide="ignore"):
        out = 1.0 / z
    return np.where(np.isfinite(out), out, 0.0)


def _log(z):
    return np.log(np.maximum(z, 1e-7))


def _exp(z):
    return np.exp(np.clip(z, -60.0, 60.0))


def _hat(z):
    return np.maximum(0.0, 1.0 - np.abs(z))


def _square(z):
    return z * z


def _cube(z):
    return z * z * z


#: Activation functions by name. The order fixes the integer codes stored in
#: genomes, so new functions are appended at the end.
ACTIVATIONS = {
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "sin": _sin,
    "gauss": _gauss,
    "relu": _relu,
    "elu": _elu,
    "lelu": _lelu,
    "selu": _selu,
    "softplus": _softplus,
    "identity": _identity,
    "clamped": _clamped,
    "inv": _inv,
    "log": _log,
    "exp": _exp,
    "abs": np.abs,
    "hat": _hat,
    "square": _square,
    "cube": _cube,
}
ACTIVATION_NAMES = tuple(ACTIVATIONS)
ACTIVATION_FUNCTIONS = tuple(ACTIVATIONS.values())
ACTIVATION_CODES = {name: code for code, name in enumerate(ACTIVATION_NAMES)}
