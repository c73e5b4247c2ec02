"""Node activation functions under neat-python's names.

The functions themselves are compiled (:func:`skdeep.neuroevolution._kernels.activation`,
one branch per code); this module names them. The scalings and clamps are
neat-python's (``sigmoid`` is ``1 / (1 + exp(-5 z))``, ``tanh`` is
``tanh(2.5 z)``, ``sin`` is ``sin(5 z)``, ``gauss`` is ``exp(-5 z^2)``...), so
a configuration tuned for neat-python evolves the same networks here.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from skdeep.neuroevolution import _kernels

#: Activation names; a name's position is the integer code stored in genomes
#: and dispatched on by the kernels, so new functions are appended at the end.
ACTIVATION_NAMES = (
    "sigmoid", "tanh", "sin", "gauss", "relu", "elu", "lelu", "selu", "softplus",
    "identity", "clamped", "inv", "log", "exp", "abs", "hat", "square", "cube",
)
ACTIVATION_CODES = {name: code for code, name in enumerate(ACTIVATION_NAMES)}


def _vectorised(code):
    def function(z):
        z = np.asarray(z, dtype=float)
        flat = np.ascontiguousarray(z.reshape(1, -1))
        return _kernels.apply_activation(np.array([code]), flat).reshape(z.shape)

    function.__name__ = ACTIVATION_NAMES[code]
    return function


#: Activation functions by name, each applying the compiled function
#: elementwise to an array.
ACTIVATIONS = {name: _vectorised(code) for name, code in ACTIVATION_CODES.items()}
