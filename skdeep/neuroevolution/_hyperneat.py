"""HyperNEAT: CPPNs that paint the weights of a geometrically laid-out substrate.

Stanley, D'Ambrosio & Gauci (2009), "A hypercube-based encoding for evolving
large-scale neural networks", Artificial Life 15(2). The evolved genome is a
CPPN; the network that does the work (the substrate) has fixed node
coordinates, and the weight between two of its nodes is the CPPN's output
at their coordinates ``(x1, y1, x2, y2)``. Because the CPPN sees geometry,
not indices, the same CPPN paints a substrate of any resolution.

Everything here is population-at-once: all candidate CPPNs are queried for all
coordinate pairs in one ``Phenotypes.activate`` call, and all painted
substrates run together as batched matrix products.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import math
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from skdeep.neuroevolution._cppn import (
    CPPN_ACTIVATIONS,
    as_phenotypes,
    cppn_config,
    image_coordinates,
)
from skdeep.neuroevolution._estimators import (
    NEAT_PARAMETERS_DOC,
    BaseNEATEstimator,
    NEATClassifierMixin,
    NEATRegressorMixin,
    _activation_names,
    _fill,
)
from skdeep.neuroevolution._plot import pyplot
from skdeep.utils._sklearn import (
    Interval,
    StrOptions,
    _fit_context,
    external_stacklevel,
)


def _shape(shape, name):
    sizes = (shape,) if np.isscalar(shape) else shape
    try:
        sizes = tuple(sizes)
    except TypeError:  # (None, an object)
        sizes = ()
    # integers only: int() truncated (2.9, 6.7) to a (2, 6) substrate
    if not (
        1 <= len(sizes) <= 2
        and all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1
                for s in sizes)
    ):
        raise ValueError(
            f"{name} must be (n,) or (height, width) of positive ints, got {shape!r}."
        )
    return tuple(int(s) for s in sizes)


def _coords(coords, name):
    coords = np.asarray(coords, dtype=float)
    if (coords.ndim != 2 or coords.shape[1] != 2 or len(coords) < 1
            or not np.isfinite(coords).all()):
        raise ValueError(
            f"{name} must be a finite array of shape (n_nodes, 2), got {coords.shape}."
        )
    return coords


class Substrate:
    """Node coordinates of a layered HyperNEAT substrate.

    Layers are fully connected in order: inputs to the first hidden layer,
    ..., last hidden layer to the outputs (inputs to outputs when there is
    no hidden layer). Every layer lies in the square ``[-1, 1]^2``; layers
    are told apart by the CPPN output that paints them (one weight output
    per pair of consecutive layers), not by a third coordinate.

    Build it from node coordinates, or from layer shapes with
    :meth:`from_shapes`, which lays an image ``(height, width)`` out as a
    grid and tabular features ``(n,)`` as a line. A substrate built from
    shapes can be re-laid at another input resolution with
    :meth:`with_input_shape` (HyperNEAT's resolution scaling).

    Parameters
    ----------
    input_coords : array-like of shape (n_inputs, 2)
        ``(x, y)`` of each input node, in the order of the input features.
    output_coords : array-like of shape (n_outputs, 2)
    hidden_coords : sequence of array-like of shape (n_hidden_k, 2), default=()
        One array per hidden layer.

    Attributes
    ----------
    layers : list of ndarray of shape (n_nodes, 2)
        Input, hidden and output coordinates, in order.
    shapes : list of tuple or None
        The layer shapes when built by :meth:`from_shapes`, else None.

    Examples
    --------
    >>> from skdeep.neuroevolution._hyperneat import Substrate
    >>> substrate = Substrate.from_shapes((8, 8), (3,), hidden_shapes=[(4, 4)])
    >>> substrate.n_inputs, [len(c) for c in substrate.layers], substrate.n_connections
    (64, [64, 16, 3], 1072)
    >>> substrate.with_input_shape((16, 16)).n_inputs
    256
    """

    def __init__(self, input_coords, output_coords, hidden_coords=()):
        self.layers = [_coords(input_coords, "input_coords")]
        for k, hidden in enumerate(hidden_coords):
            self.layers.append(_coords(hidden, f"hidden_coords[{k}]"))
        self.layers.append(_coords(output_coords, "output_coords"))
        self.shapes = None

    @classmethod
    def from_shapes(cls, input_shape, output_shape=(1,), hidden_shapes=()):
        """A substrate whose layers are grids (images) or lines (features).

        Parameters
        ----------
        input_shape : int or tuple
            ``(height, width)`` for image inputs (row-major pixels, as
            ``X.reshape(n, -1)`` flattens them) or ``(n_features,)``.
        output_shape : int or tuple, default=(1,)
        hidden_shapes : sequence of int or tuple, default=()
            One shape per hidden layer.

        Returns
        -------
        substrate : Substrate
        """
        shapes = [_shape(input_shape, "input_shape")]
        shapes += [_shape(s, "hidden_shapes") for s in hidden_shapes]
        shapes.append(_shape(output_shape, "output_shape"))
        coords = [image_coordinates(s) for s in shapes]
        substrate = cls(coords[0], coords[-1], coords[1:-1])
        substrate.shapes = shapes
        return substrate

    def with_input_shape(self, input_shape):
        """The same substrate with its input layer laid out at another resolution.

        Parameters
        ----------
        input_shape : int or tuple of int
            The new input shape, with as many axes as the original one:
            ``(height, width)`` for images, ``(n_features,)`` (or an int) for
            a line.

        Returns
        -------
        substrate : Substrate
            A new substrate with the same hidden and output shapes.

        Raises
        ------
        ValueError
            If this substrate was not built by :meth:`from_shapes`, or the
            number of axes differs.
        """
        if self.shapes is None:
            raise ValueError(
                "Only a substrate built with from_shapes can change its input "
                "resolution."
            )
        input_shape = _shape(input_shape, "input_shape")
        if len(input_shape) != len(self.shapes[0]):
            raise ValueError(
                f"input_shape {input_shape} must have as many axes as the original "
                f"{self.shapes[0]}."
            )
        return Substrate.from_shapes(input_shape, self.shapes[-1], self.shapes[1:-1])

    @property
    def n_inputs(self):
        """Nodes of the input layer."""
        return len(self.layers[0])

    @property
    def n_outputs(self):
        """Nodes of the output layer."""
        return len(self.layers[-1])

    @property
    def n_transitions(self):
        """Pairs of consecutive layers (weight matrices)."""
        return len(self.layers) - 1

    @property
    def n_connections(self):
        """Connections between consecutive layers, all of them counted."""
        return sum(len(a) * len(b) for a, b in zip(self.layers[:-1], self.layers[1:]))

    def __repr__(self):
        sizes = self.shapes
        if sizes is None:
            sizes = [len(c) for c in self.layers]
        return f"Substrate(layers={sizes})"

    def __eq__(self, other):
        return (
            isinstance(other, Substrate)
            and len(self.layers) == len(other.layers)
            and all(np.array_equal(a, b) for a, b in zip(self.layers, other.layers))
        )

    __hash__ = None

    def _state(self):
        """Plain data (lists, tuples, arrays) that :meth:`_from_state` rebuilds."""
        shapes = None if self.shapes is None else [tuple(s) for s in self.shapes]
        return {"layers": [c.copy() for c in self.layers], "shapes": shapes}

    @classmethod
    def _from_state(cls, state):
        layers = state["layers"]
        substrate = cls(layers[0], layers[-1], layers[1:-1])
        if state["shapes"] is not None:
            substrate.shapes = [tuple(int(v) for v in s) for s in state["shapes"]]
        return substrate


def cppn_shape(substrate, *, distance_input=True, bias_output=False):
    """Inputs and outputs of the CPPNs that paint ``substrate``.

    Inputs: ``x1, y1, x2, y2`` (source and target node), the distance
    between them when ``distance_input``, and a bias. Outputs: one weight per
    pair of consecutive layers, then (``bias_output``) one bias per
    non-input layer.

    Parameters
    ----------
    substrate : Substrate
        The layered network the CPPNs paint.
    distance_input : bool, default=True
        Give the CPPNs the distance between source and target as an input.
    bias_output : bool, default=False
        Let the CPPNs paint the substrate's biases too.

    Returns
    -------
    n_inputs, n_outputs : int
        The CPPN's numbers of inputs and outputs.

    Examples
    --------
    >>> from skdeep.neuroevolution._hyperneat import Substrate, cppn_shape
    >>> cppn_shape(Substrate.from_shapes((11, 11), (11, 11)))
    (6, 1)
    """
    return 5 + bool(distance_input), substrate.n_transitions * (1 + bool(bias_output))


def _queries(source, target, distance_input):
    n_s, n_t = len(source), len(target)
    src = np.repeat(source, n_t, axis=0)
    dst = np.tile(target, (n_s, 1))
    columns = [src, dst]
    if distance_input:
        columns.append(np.linalg.norm(dst - src, axis=1, keepdims=True))
    columns.append(np.ones((n_s * n_t, 1)))
    return np.concatenate(columns, axis=1)


def substrate_queries(substrate, *, distance_input=True, bias_output=False):
    """All CPPN query points of a substrate, and where each block's answers are.

    Returns
    -------
    X : ndarray of shape (n_queries, n_cppn_inputs)
        Rows ``i * n_target + j`` of a weight block query source node ``i``
        and target node ``j``; bias blocks query ``(0, 0, x, y)``.
    blocks : list of (start, stop, output_column, shape)
        Weight blocks first (shape ``(n_source, n_target)``), then bias
        blocks (shape ``(n_target,)``).
    """
    parts, blocks, start = [], [], 0
    layers = substrate.layers
    n_t = substrate.n_transitions
    for k, (a, b) in enumerate(zip(layers[:-1], layers[1:])):
        parts.append(_queries(a, b, distance_input))
        blocks.append((start, start + len(a) * len(b), k, (len(a), len(b))))
        start += len(a) * len(b)
    if bias_output:
        for k, b in enumerate(layers[1:]):
            parts.append(_queries(np.zeros((1, 2)), b, distance_input))
            blocks.append((start, start + len(b), n_t + k, (len(b),)))
            start += len(b)
    return np.concatenate(parts), blocks


def express(raw, weight_threshold=0.2, max_weight=3.0):
    """HyperNEAT's weight expression: threshold, then rescale.

    A CPPN output ``w`` (clipped to ``[-1, 1]``) whose magnitude is at most
    ``weight_threshold`` expresses no connection (weight 0); above it, the
    magnitude is mapped linearly from ``(threshold, 1]`` onto
    ``(0, max_weight]``, keeping the sign (Stanley, D'Ambrosio & Gauci 2009).

    Parameters
    ----------
    raw : array-like
        CPPN outputs.
    weight_threshold : float, default=0.2
        Magnitudes up to it express no connection; in ``[0, 1)``.
    max_weight : float, default=3.0
        The weight a CPPN output of magnitude 1 expresses.

    Returns
    -------
    weights : ndarray
        The expressed weights, of ``raw``'s shape.

    Examples
    --------
    >>> from skdeep.neuroevolution._hyperneat import express
    >>> express([-1.0, -0.6, -0.2, 0.1, 0.6, 2.0], 0.2, 3.0).round(6).tolist()
    [-3.0, -1.5, 0.0, 0.0, 1.5, 3.0]
    """
    w = np.clip(np.asarray(raw, dtype=float), -1.0, 1.0)
    magnitude = np.abs(w)
    if not 0.0 <= weight_threshold < 1.0:
        raise ValueError(f"weight_threshold must be in [0, 1), got {weight_threshold}.")
    scaled = (magnitude - weight_threshold) / (1.0 - weight_threshold) * max_weight
    return np.where(magnitude > weight_threshold, np.sign(w) * scaled, 0.0)


SUBSTRATE_ACTIVATIONS = {
    "identity": lambda z: z,
    "tanh": np.tanh,
    "sigmoid": expit,
    "relu": lambda z: np.maximum(z, 0.0),
}


class SubstrateNetworks:
    """Painted substrates of many CPPNs, evaluated together.

    Made by :func:`paint_substrate`. Offers ``activate`` like
    :class:`Phenotypes`, and ``reset``/``step`` so that task fitness
    functions written for NEAT phenotypes (e.g.
    :func:`visual_discrimination_fitness`) score HyperNEAT substrates as is.

    Parameters
    ----------
    weights : list of ndarray of shape (n_genomes, n_source, n_target)
        Expressed weights per pair of consecutive layers.
    biases : list of ndarray of shape (n_genomes, n_target) or None
        Expressed biases per non-input layer; None adds no biases.
    substrate : Substrate
        The layers' node coordinates the weights were painted on.
    activation : {"tanh", "sigmoid", "relu", "identity"}, default="tanh"
        Activation of the hidden layers.
    output_activation : str, default="identity"
        Activation of the output layer (one of ``activation``'s choices).

    Attributes
    ----------
    weights, biases, substrate, activation, output_activation
        The parameters, as given.
    n_genomes, n_inputs, n_outputs : int

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution import (
    ...     Substrate, cppn_shape, paint_substrate, random_cppns)
    >>> substrate = Substrate.from_shapes((3, 3), (2,), hidden_shapes=[(2, 2)])
    >>> n_in, n_out = cppn_shape(substrate)  # one output per layer pair
    >>> cppns = random_cppns(5, n_inputs=n_in, n_outputs=n_out, random_state=0)
    >>> networks = paint_substrate(cppns, substrate)
    >>> [w.shape for w in networks.weights]
    [(5, 9, 4), (5, 4, 2)]
    >>> networks.activate(np.ones((7, 9))).shape
    (5, 7, 2)
    """

    feed_forward = True

    def __init__(self, weights, biases, substrate, activation="tanh",
                 output_activation="identity"):
        for name in (activation, output_activation):
            if name not in SUBSTRATE_ACTIVATIONS:
                raise ValueError(
                    f"Unknown substrate activation {name!r}; choose from "
                    f"{sorted(SUBSTRATE_ACTIVATIONS)}."
                )
        self.weights = weights
        self.biases = biases
        self.substrate = substrate
        self.activation = activation
        self.output_activation = output_activation
        self.n_genomes = weights[0].shape[0]
        self.n_inputs = substrate.n_inputs
        self.n_outputs = substrate.n_outputs

    def activate(self, X, batch_size=None):
        """Outputs of every substrate for every sample.

        Parameters
        ----------
        X : array of shape (n_samples, n_inputs) or (n_genomes, n_samples, n_inputs)
        batch_size : int or None, default=None
            Samples per batched product (bounds memory); None does all at once.

        Returns
        -------
        outputs : ndarray of shape (n_genomes, n_samples, n_outputs)
        """
        X = np.asarray(X, dtype=float)
        if X.ndim not in (2, 3) or X.shape[-1] != self.n_inputs or (
                X.ndim == 3 and X.shape[0] != self.n_genomes):
            raise ValueError(
                f"X must be (n_samples, {self.n_inputs}) or ({self.n_genomes}, "
                f"n_samples, {self.n_inputs}); got shape {X.shape}."
            )
        n = X.shape[-2]
        if batch_size is not None and n > batch_size:
            return np.concatenate([self.activate(X[..., i:i + batch_size, :])
                                   for i in range(0, n, batch_size)], axis=1)
        hidden = SUBSTRATE_ACTIVATIONS[self.activation]
        last = len(self.weights) - 1
        h = X
        for k, W in enumerate(self.weights):
            # (n, i) @ (P, i, j) -> (P, n, j): all substrates at once
            h = np.matmul(h, W)
            if self.biases is not None:
                h += self.biases[k][:, None, :]
            if k == last:
                h = SUBSTRATE_ACTIVATIONS[self.output_activation](h)
            else:
                h = hidden(h)
        return h

    def reset(self, n_envs=1):
        """No state to reset: substrates are feed-forward.

        Parameters
        ----------
        n_envs : int, default=1
            Accepted for the interface of recurrent phenotypes; unused.
        """

    def step(self, X):
        """One activation (the same as :meth:`activate`).

        Parameters
        ----------
        X : array of shape (n_samples, n_inputs) or (n_genomes, n_samples, n_inputs)
            The inputs of this step.

        Returns
        -------
        outputs : ndarray of shape (n_genomes, n_samples, n_outputs)
        """
        return self.activate(X)


def paint_substrate(cppns, substrate, *, weight_threshold=0.2, max_weight=3.0,
                    distance_input=True, bias_output=False, activation="tanh",
                    output_activation="identity", batch_size=65536):
    """Paint the substrate's weights with each CPPN, all CPPNs at once.

    Every CPPN is queried at every coordinate pair of the substrate in a
    single ``Phenotypes.activate`` call; the raw outputs go through
    :func:`express` (threshold and rescale).

    Parameters
    ----------
    cppns : Phenotypes, Genome or list of Genome
        CPPNs with the inputs and outputs of :func:`cppn_shape`.
    substrate : Substrate
    weight_threshold : float, default=0.2
        CPPN outputs of magnitude at most this express no connection.
    max_weight : float, default=3.0
        The magnitude of an expressed weight whose CPPN output is +-1.
    distance_input : bool, default=True
        Give the CPPN the distance between the two nodes as an input.
    bias_output : bool, default=False
        Paint node biases too (the CPPN's extra outputs, queried at
        ``(0, 0, x, y)``; expressed like weights).
    activation : {"tanh", "sigmoid", "relu", "identity"}, default="tanh"
        Hidden nodes of the substrate.
    output_activation : str, default="identity"
        Output nodes of the substrate.
    batch_size : int, default=65536
        Query points per CPPN pass (bounds memory).

    Returns
    -------
    networks : SubstrateNetworks

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution._hyperneat import Substrate, paint_substrate
    >>> from skdeep.neuroevolution._cppn import random_cppns
    >>> substrate = Substrate.from_shapes((5, 5), (2,))
    >>> cppns = random_cppns(4, n_inputs=6, random_state=0)
    >>> networks = paint_substrate(cppns, substrate)
    >>> networks.weights[0].shape
    (4, 25, 2)
    >>> networks.activate(np.ones((3, 25))).shape
    (4, 3, 2)
    """
    phenotypes, _ = as_phenotypes(cppns)
    layout = dict(distance_input=distance_input, bias_output=bias_output)
    expected = cppn_shape(substrate, **layout)
    if (phenotypes.n_inputs, phenotypes.n_outputs) != expected:
        raise ValueError(
            f"This substrate needs CPPNs with {expected[0]} inputs and "
            f"{expected[1]} outputs "
            f"(distance_input={distance_input}, bias_output={bias_output}); got "
            f"{phenotypes.n_inputs} and {phenotypes.n_outputs}."
        )
    X, blocks = substrate_queries(substrate, **layout)
    raw = phenotypes.activate(X, batch_size=batch_size)  # (P, n_queries, n_outputs)
    painted = [
        express(raw[:, start:stop, column], weight_threshold, max_weight).reshape(
            (phenotypes.n_genomes,) + shape)
        for start, stop, column, shape in blocks
    ]
    n_t = substrate.n_transitions
    weights, biases = painted[:n_t], (painted[n_t:] if bias_output else None)
    return SubstrateNetworks(weights, biases, substrate, activation, output_activation)


# --------------------------------------------------------------------------- plots


def _grid_shape(substrate, k):
    if substrate.shapes is not None and len(substrate.shapes[k]) == 2:
        return substrate.shapes[k]
    return None


def plot_weights(weights, substrate=None, *, layer=0, ax=None, cmap="RdBu_r"):
    """Show a painted weight matrix.

    When both layers are image grids, the 4-D pattern is drawn as a mosaic:
    tile ``(r, c)`` shows the weights from source pixel ``(r, c)`` to every
    target pixel, laid out like the target grid (the pictures of the
    HyperNEAT papers). Otherwise the ``(n_source, n_target)`` matrix is shown.

    Parameters
    ----------
    weights : ndarray of shape (n_source, n_target) or list of them
        E.g. ``estimator.weights_`` or ``networks.weights[k][g]``.
    substrate : Substrate, default=None
        Gives the layer grids for the mosaic.
    layer : int, default=0
        Which matrix when ``weights`` is a list; with ``substrate``, the
        matrix from layer ``layer`` to layer ``layer + 1`` (0 is the input
        layer).
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.
    cmap : str or matplotlib Colormap, default="RdBu_r"
        The colour map, centred on 0 (the colour limits are plus and minus
        the largest absolute weight).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skdeep.neuroevolution._hyperneat import Substrate, plot_weights
    >>> substrate = Substrate.from_shapes((3, 3), (3, 3))
    >>> ax = plot_weights(np.eye(9), substrate)
    >>> ax.images[0].get_array().shape
    (9, 9)
    """
    plt = pyplot()

    # (an out-of-range layer was an IndexError, -1 drew the last matrix
    # against the input grid)
    n_pairs = (
        len(weights) if isinstance(weights, (list, tuple))
        else len(substrate.layers) - 1 if substrate is not None
        else None
    )
    if not isinstance(layer, Integral) or isinstance(layer, bool) or not (
        layer >= 0 and (n_pairs is None or layer < n_pairs)
    ):
        raise ValueError(
            "layer must be an integer from 0"
            + (f" to {n_pairs - 1} (one matrix per pair of layers)" if n_pairs
               else "")
            + f"; got {layer!r}."
        )
    if n_pairs is None and layer != 0:  # (it was ignored)
        raise ValueError(
            f"layer={layer} picks a matrix of a list of them, or of the pairs "
            "of a substrate's layers; weights is one matrix and no substrate "
            "is given."
        )
    if isinstance(weights, (list, tuple)):
        weights = weights[layer]
    W = np.asarray(weights, dtype=float)
    if W.ndim != 2 or W.size == 0:
        raise ValueError(
            f"weights must be a non-empty 2-D matrix, got shape {W.shape}."
        )
    if not np.isfinite(W).all():
        raise ValueError("weights holds NaN or infinite values.")
    # bad arguments are refused before a figure is left open
    cmap = plt.get_cmap(cmap)
    if ax is None:
        _, ax = plt.subplots()
    src = _grid_shape(substrate, layer) if substrate is not None else None
    dst = _grid_shape(substrate, layer + 1) if substrate is not None else None
    grids = src is not None and dst is not None
    if grids and W.shape == (src[0] * src[1], dst[0] * dst[1]):
        (hs, ws), (ht, wt) = src, dst
        image = W.reshape(hs, ws, ht, wt).transpose(0, 2, 1, 3)
        image = image.reshape(hs * ht, ws * wt)
        ax.set_title(f"weights {layer}: tile (r, c) = source pixel's targets")
    else:
        image = W
        ax.set_xlabel("target node")
        ax.set_ylabel("source node")
    limit = max(float(np.abs(image).max()), 1e-12)
    ax.imshow(image, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    return ax


def plot_substrate(substrate, weights=None, *, ax=None, max_connections=400):
    """Draw the substrate's nodes, layer by layer, and its strongest connections.

    Layers are drawn side by side (each in its own ``[-1, 1]^2`` square);
    with ``weights`` (one matrix per pair of layers, e.g.
    ``estimator.weights_``), the ``max_connections`` largest expressed
    weights are drawn as lines, red positive and blue negative.

    Parameters
    ----------
    substrate : Substrate
        The substrate to draw.
    weights : list of ndarray of shape (n_source, n_target), default=None
        One matrix per pair of consecutive layers; None draws the nodes only.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.
    max_connections : int, default=400
        Connections drawn at most, shared evenly among the weight matrices
        (the largest non-zero weights in magnitude of each; a matrix may get
        none when there are more matrices than connections).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skdeep.neuroevolution._hyperneat import Substrate, plot_substrate
    >>> ax = plot_substrate(Substrate.from_shapes((4, 4), (2,), [(2, 2)]))
    >>> len(ax.collections)
    3
    """
    plt = pyplot()

    if not isinstance(max_connections, Integral) or isinstance(
        max_connections, bool
    ) or max_connections < 1:
        raise ValueError(
            f"max_connections must be a positive integer; got {max_connections!r}."
        )
    if weights is not None:  # (an IndexError deep in the drawing otherwise)
        sizes = [len(c) for c in substrate.layers]
        expected = list(zip(sizes[:-1], sizes[1:]))
        got = [np.shape(W) for W in weights]
        if got != expected:
            raise ValueError(
                f"weights must hold one matrix per pair of consecutive layers, "
                f"of shapes {expected}; got shapes {got}."
            )
    if ax is None:
        _, ax = plt.subplots(figsize=(3 * len(substrate.layers), 3))
    offset = 3.0
    placed = [c + np.array([k * offset, 0.0]) for k, c in enumerate(substrate.layers)]
    if weights is not None:
        from matplotlib.collections import LineCollection

        segments, colors = [], []
        # max_connections split among the matrices, the first ones taking
        # the remainder (one each at least took more than the budget)
        share, extra = divmod(max_connections, max(1, len(weights)))
        for k, W in enumerate(weights):
            W = np.asarray(W)
            flat = np.abs(W).ravel()
            keep = np.argsort(flat)[::-1][: share + (k < extra)]
            keep = keep[flat[keep] > 0]
            i, j = np.unravel_index(keep, W.shape)
            segments += [np.stack([placed[k][a], placed[k + 1][b]])
                         for a, b in zip(i, j)]
            alpha = flat[keep] / max(float(flat.max()), 1e-12)
            colors += [(1.0, 0.0, 0.0, a) if W[a_, b_] > 0 else (0.0, 0.0, 1.0, a)
                       for a, a_, b_ in zip(alpha, i, j)]
        if segments:
            ax.add_collection(LineCollection(segments, colors=colors, linewidths=0.7))
    names = ["input"] + [f"hidden {k}" for k in range(1, len(placed) - 1)] + ["output"]
    for points, name in zip(placed, names):
        ax.scatter(points[:, 0], points[:, 1], s=12, label=name, zorder=3)
    ax.set_aspect("equal")
    if not ax.yaxis_inverted():  # y grows down the image, as in
        ax.invert_yaxis()  # image_coordinates (a toggle flipped a reused ax)
    ax.legend(loc="upper right", fontsize="small")
    return ax


# --------------------------------------------------------------------- estimators


# HyperNEAT's reading of NEAT's ``activation`` entry: it evolves the CPPN,
# not the network that predicts (kept inside that entry, where numpydoc
# reads it as part of the parameter, not as a parameter of its own)
_NEAT_OUTPUT_SENTENCE = '''new nodes
        take the first and mutation switches between them (rate
        ``activation_mutate_rate`` of ``config``, 0.1 unless set). Output
        nodes are always ``"identity"``.'''
_CPPN_ACTIVATION_SENTENCES = '''new nodes
        take ``"gauss"`` when it is listed, else the first, and mutation
        switches between them (rate ``activation_mutate_rate`` of
        ``config``, 0.3 unless set). For HyperNEAT these are the CPPN's node
        functions; the CPPN outputs are ``"tanh"``, so that they read as
        signed weights in [-1, 1].'''
# and of its ``config`` entry: a NEATConfig of NEAT's defaults gives the CPPN
# sigmoid outputs in (0, 1), which paint no negative weight
_NEAT_CONFIG_ADVICE = '''(its ``pop_size`` and
        activations win over the parameters above; set
        ``output_activation="identity"`` in it).'''
_CPPN_CONFIG_ADVICE = '''(its ``pop_size`` and
        activations win over the parameters above; build it with
        :func:`~skdeep.neuroevolution.cppn_config`, whose CPPN outputs are
        ``"tanh"``: NEAT's sigmoid outputs paint no negative weight).'''

HYPERNEAT_PARAMETERS_DOC = """\
    input_shape : tuple of int or None, default=None
        Layout of the input layer: ``(height, width)`` for flattened images
        (row-major, as ``images.reshape(n, -1)``), laid out as a grid, or
        None for tabular features, laid out on a line.

    hidden_shapes : "auto", sequence of shapes or None, default="auto"
        Hidden layers of the substrate, each a shape laid out like
        ``input_shape`` (a grid or a line). ``"auto"`` is one hidden grid at
        half the input resolution for images and one line of
        ``n_features`` nodes for tabular data; None (or ``()``) connects the
        inputs straight to the outputs.

    weight_threshold : float, default=0.2
        CPPN outputs of magnitude at most this express no connection
        (HyperNEAT's expression threshold).

    max_weight : float, default=3.0
        Expressed weights are scaled to ``[-max_weight, max_weight]``.

    distance_input : bool, default=True
        Give the CPPN the distance between the two nodes as an extra input.

    bias_output : bool, default=False
        Let the CPPN paint node biases too (queried at ``(0, 0, x, y)``).

    substrate_activation : {"tanh", "sigmoid", "relu", "identity"}, default="tanh"
        Activation of the substrate's hidden nodes (outputs are linear)."""


class _BaseHyperNEAT(BaseNEATEstimator):
    """The HyperNEAT hooks: genomes are CPPNs that paint a substrate."""

    _parameter_constraints: dict = {
        **BaseNEATEstimator._parameter_constraints,
        "input_shape": [tuple, list, None],
        "hidden_shapes": [StrOptions({"auto"}), tuple, list, None],
        "weight_threshold": [Interval(Real, 0, 1, closed="left")],
        "max_weight": [Interval(Real, 0, None, closed="neither")],
        "distance_input": ["boolean"],
        "bias_output": ["boolean"],
        "substrate_activation": [StrOptions(set(SUBSTRATE_ACTIVATIONS))],
    }

    # -- substrate ------------------------------------------------------------

    def _make_substrate(self, n_features, n_outputs):
        if self.input_shape is None:
            input_shape = (n_features,)
        else:
            input_shape = _shape(self.input_shape, "input_shape")
            if math.prod(input_shape) != n_features:
                raise ValueError(
                    f"input_shape {input_shape} holds {math.prod(input_shape)} values, "
                    f"but X has {n_features} features."
                )
        if isinstance(self.hidden_shapes, str):  # "auto"
            if len(input_shape) == 2:
                hidden = [tuple((s + 1) // 2 for s in input_shape)]
            else:
                hidden = [input_shape]
        else:
            hidden = list(self.hidden_shapes or ())
        return Substrate.from_shapes(input_shape, (n_outputs,), hidden)

    def _painting(self):
        """How CPPNs become substrate weights, as the run that evolved them
        set it (predict repainted with parameters set anew since fit: other
        weights, or a CPPN of the wrong shape); the parameters before any."""
        fitted = getattr(self, "_paint_params", None)
        if fitted is not None:
            return dict(fitted)
        return self._painting_parameters()

    def _painting_parameters(self):
        """The painting the parameters set now."""
        return dict(
            weight_threshold=self.weight_threshold, max_weight=self.max_weight,
            distance_input=self.distance_input, bias_output=self.bias_output,
            activation=self.substrate_activation,
        )

    def _substrate_parameters(self):
        """The substrate's layout the parameters set now."""
        return dict(input_shape=self.input_shape, hidden_shapes=self.hidden_shapes)

    def _check_continued_run(self):
        # the run's CPPNs were evolved for its substrate and painting, which
        # it keeps (set anew between warm fits, the settings were ignored
        # without a word)
        fitted = getattr(self, "_paint_params", None)
        if fitted is None:
            return
        fitted = {**fitted, **getattr(self, "_substrate_params", {})}
        current = {**self._painting_parameters(), **self._substrate_parameters()}
        names = {"activation": "substrate_activation"}
        changed = sorted(names.get(k, k) for k, v in current.items()
                         if k in fitted and fitted[k] != v)
        if changed:
            warnings.warn(
                f"{type(self).__name__}: a warm_start fit continues the run with "
                f"the substrate and painting it evolved for; {', '.join(changed)} "
                f"(set since "
                f"the run's first fit) {'is' if len(changed) == 1 else 'are'} "
                f"not applied (fit with warm_start=False to apply "
                f"{'it' if len(changed) == 1 else 'them'}).",
                UserWarning,
                stacklevel=external_stacklevel(),
            )

    def _paint(self, cppns, substrate=None):
        return paint_substrate(
            cppns, self.substrate_ if substrate is None else substrate,
            **self._painting(),
        )

    # -- the BaseNEATEstimator hooks -------------------------------------------

    def _genome_shape(self, n_features, n_outputs):
        # Called once per new run, before the population exists. The
        # substrate is kept as plain data so that skdeep.io can store it.
        substrate = self._make_substrate(n_features, n_outputs)
        self._substrate = substrate._state()
        self._paint_params = self._painting_parameters()  # (a new run's)
        self._substrate_params = self._substrate_parameters()
        return cppn_shape(substrate, distance_input=self.distance_input,
                          bias_output=self.bias_output)

    def _population_outputs(self, phenotypes, X):
        return self._paint(phenotypes).activate(X)

    def _best_outputs(self, X):
        # Painted afresh (one CPPN, cheap): predict must not cache attributes,
        # and during fit the best genome changes.
        return self._paint(self.best_genome_).activate(X)[0]

    def _base_config(self):
        names = _activation_names(self.activation)
        # the population config= sets, if any: the species target follows it
        pop_size = (self.config or {}).get("pop_size", self.pop_size) if isinstance(
            self.config, dict) else self.pop_size
        return cppn_config(
            pop_size=int(pop_size),
            activation_options=names,
            activation_default="gauss" if "gauss" in names else names[0],
            activation_mutate_rate=0.3 if len(names) > 1 else 0.0,
            reset_on_extinction=True,
        )

    # -- fit and the fitted model ----------------------------------------------

    # (the paint belongs to the fit: a failure in it leaves the estimator as
    # it was, not a new genome beside the previous weights)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Evolve CPPNs whose painted substrates fit ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows (flattened images when ``input_shape`` is set).

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the training loss.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        super().fit(X, y, sample_weight)
        networks = self._paint(self.best_genome_)
        self.weights_ = [W[0] for W in networks.weights]
        self.biases_ = self._first(networks.biases)
        return self

    @staticmethod
    def _first(arrays):
        return None if arrays is None else [a[0] for a in arrays]

    @property
    def substrate_(self):
        """The substrate (:class:`Substrate`) of the fitted model."""
        # NotFittedError (an AttributeError: hasattr stays False) as
        # scikit-learn's fitted attributes give
        check_is_fitted(self, "_substrate")
        state = self.__dict__["_substrate"]
        return Substrate._from_state(state)

    @property
    def best_cppn_(self):
        """The fitted CPPN (the same :class:`Genome` as ``best_genome_``)."""
        check_is_fitted(self, "best_genome_")
        return self.best_genome_

    def with_input_shape(self, input_shape):
        """A copy of the fitted model whose substrate takes images of another size.

        The same CPPN paints the substrate at the new input resolution (the
        resolution-scaling property of HyperNEAT); hidden and output layers
        are kept. With ``standardize=True`` the per-pixel input statistics
        are resampled to the new grid (nearest pixel).

        Parameters
        ----------
        input_shape : tuple of int
            ``(height, width)`` of the new images (or ``(n,)`` for a line).

        Returns
        -------
        estimator : fitted estimator
            Predicts on rows of ``prod(input_shape)`` features.
        """
        check_is_fitted(self)
        new = copy.deepcopy(self)
        new._substrate = self.substrate_.with_input_shape(input_shape)._state()
        old_shape, shape = self.substrate_.shapes[0], new.substrate_.shapes[0]
        # Nearest source pixel of every new pixel, axis by axis.
        index = np.ix_(*[np.minimum((np.arange(n) + 0.5) * o / n, o - 1).astype(int)
                         for o, n in zip(old_shape, shape)])
        new._x_mean = self._x_mean.reshape(old_shape)[index].ravel()
        new._x_scale = self._x_scale.reshape(old_shape)[index].ravel()
        new.n_features_in_ = new.substrate_.n_inputs
        new.__dict__.pop("feature_names_in_", None)
        new.input_shape = shape
        if hasattr(self, "_substrate_params"):  # (a warm fit continues at it)
            new._substrate_params = {**self._substrate_params, "input_shape": shape}
        networks = new._paint(new.best_genome_)
        new.weights_ = [W[0] for W in networks.weights]
        new.biases_ = self._first(networks.biases)
        return new

    def plot_weights(self, layer=0, ax=None):
        """Show the painted weights of layer pair ``layer`` (:func:`plot_weights`)."""
        check_is_fitted(self)
        return plot_weights(self.weights_, self.substrate_, layer=layer, ax=ax)

    def plot_substrate(self, ax=None, max_connections=400):
        """Draw the substrate and its strongest painted connections."""
        check_is_fitted(self)
        return plot_substrate(self.substrate_, self.weights_, ax=ax,
                              max_connections=max_connections)


_HYPER_DEFAULTS = dict(n_generations=100, pop_size=150, complexity_penalty=1e-3,
                       activation=CPPN_ACTIVATIONS)


class HyperNEATClassifier(ClassifierMixin, NEATClassifierMixin, _BaseHyperNEAT):
    """Classifier whose weights are painted by an evolved CPPN (HyperNEAT).

    The model is a fixed, layered network (the substrate) whose nodes have
    coordinates: the inputs laid out as the image grid (``input_shape``) or
    on a line, hidden grids, and the outputs (one per class, or one logit
    for two classes) on a line. NEAT evolves compositional pattern-producing
    networks (CPPNs); the weight between two substrate nodes is a CPPN's
    output at their coordinates ``(x1, y1, x2, y2[, d], 1)``, kept only when
    its magnitude exceeds ``weight_threshold`` and rescaled to
    ``+-max_weight``. Each generation every CPPN is queried at every
    coordinate pair in one pass and all painted networks are evaluated
    together; fitness is the negative log loss. Because the CPPN sees
    geometry, the fitted model can be re-painted for other image sizes
    (:meth:`with_input_shape`).

    Parameters
    ----------
{parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    best_genome_, best_cppn_ : Genome
        The fittest CPPN.
    substrate_ : Substrate
        The node layout.
    weights_ : list of ndarray of shape (n_source, n_target)
        The weights the best CPPN paints, one matrix per pair of layers.
    biases_ : list of ndarray or None
        Painted node biases (with ``bias_output=True``).
    best_fitness_, n_nodes_, n_connections_, n_outputs_, n_generations_, \
n_evaluations_, history_, n_features_in_, feature_names_in_
        As in :class:`NEATClassifier` (nodes and connections of the CPPN).

    See Also
    --------
    HyperNEATRegressor : The regressor.
    NEATClassifier : NEAT evolving the network itself.

    References
    ----------
    K. O. Stanley, D. B. D'Ambrosio and J. Gauci, "A hypercube-based encoding
    for evolving large-scale neural networks", Artificial Life 15(2), 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution._hyperneat import HyperNEATClassifier
    >>> rng = np.random.RandomState(0)
    >>> images = rng.uniform(size=(60, 4, 4)) * 0.2
    >>> y = np.arange(60) % 2
    >>> images[y == 1, :, :2] += 1.0   # class 1: the left half is bright
    >>> X = images.reshape(60, -1)
    >>> clf = HyperNEATClassifier(n_generations=5, pop_size=30, input_shape=(4, 4),
    ...                           random_state=0).fit(X, y)
    >>> [W.shape for W in clf.weights_]
    [(16, 4), (4, 1)]
    >>> clf.with_input_shape((8, 8)).predict(np.zeros((1, 64))).shape
    (1,)
    """

    def __init__(
        self,
        n_generations=100,
        *,
        pop_size=150,
        complexity_penalty=1e-3,
        activation=CPPN_ACTIVATIONS,
        config=None,
        max_samples=None,
        standardize=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        input_shape=None,
        hidden_shapes="auto",
        weight_threshold=0.2,
        max_weight=3.0,
        distance_input=True,
        bias_output=False,
        substrate_activation="tanh",
    ):
        self.n_generations = n_generations
        self.pop_size = pop_size
        self.complexity_penalty = complexity_penalty
        self.activation = activation
        self.config = config
        self.max_samples = max_samples
        self.standardize = standardize
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.input_shape = input_shape
        self.hidden_shapes = hidden_shapes
        self.weight_threshold = weight_threshold
        self.max_weight = max_weight
        self.distance_input = distance_input
        self.bias_output = bias_output
        self.substrate_activation = substrate_activation

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Tabular features on a line have no geometry for the CPPN to use,
        # and the conformance budgets (2 generations of 20 CPPNs) are tiny.
        tags.classifier_tags.poor_score = True
        return tags

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return [
            {"n_generations": 2, "pop_size": 20, "hidden_shapes": None},
            {"n_generations": 2, "pop_size": 20, "hidden_shapes": [(2,)],
             "bias_output": True, "max_samples": 0.5},
        ]


class HyperNEATRegressor(RegressorMixin, NEATRegressorMixin, _BaseHyperNEAT):
    """Regressor whose weights are painted by an evolved CPPN (HyperNEAT).

    The substrate and the painting are those of
    :class:`HyperNEATClassifier`; the outputs (one per target, on a line)
    are linear, targets are standardised and the fitness is the negative
    mean squared error.

    Parameters
    ----------
{parameters}

    Attributes
    ----------
    best_genome_, best_cppn_ : Genome
        The fittest CPPN.
    substrate_ : Substrate
    weights_ : list of ndarray of shape (n_source, n_target)
    biases_ : list of ndarray or None
    best_fitness_, n_nodes_, n_connections_, n_outputs_, n_generations_, \
n_evaluations_, history_, n_features_in_, feature_names_in_
        As in :class:`NEATRegressor`.

    See Also
    --------
    HyperNEATClassifier : The classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution._hyperneat import HyperNEATRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(80, 3))
    >>> y = X.sum(axis=1)
    >>> reg = HyperNEATRegressor(n_generations=5, pop_size=30, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape, reg.substrate_
    ((2,), Substrate(layers=[(3,), (3,), (1,)]))
    """

    def __init__(
        self,
        n_generations=100,
        *,
        pop_size=150,
        complexity_penalty=1e-3,
        activation=CPPN_ACTIVATIONS,
        config=None,
        max_samples=None,
        standardize=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        input_shape=None,
        hidden_shapes="auto",
        weight_threshold=0.2,
        max_weight=3.0,
        distance_input=True,
        bias_output=False,
        substrate_activation="tanh",
    ):
        self.n_generations = n_generations
        self.pop_size = pop_size
        self.complexity_penalty = complexity_penalty
        self.activation = activation
        self.config = config
        self.max_samples = max_samples
        self.standardize = standardize
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.input_shape = input_shape
        self.hidden_shapes = hidden_shapes
        self.weight_threshold = weight_threshold
        self.max_weight = max_weight
        self.distance_input = distance_input
        self.bias_output = bias_output
        self.substrate_activation = substrate_activation

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Tabular features on a line have no geometry for the CPPN to use,
        # and the conformance budgets (2 generations of 20 CPPNs) are tiny.
        tags.regressor_tags.poor_score = True
        return tags

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return [
            {"n_generations": 2, "pop_size": 20, "hidden_shapes": None},
            {"n_generations": 2, "pop_size": 20, "hidden_shapes": [(2,)],
             "bias_output": True, "max_samples": 0.5},
        ]


def _hyperneat_activation_doc(neat_doc):
    # (the NEAT entries' wording)
    assert _NEAT_OUTPUT_SENTENCE in neat_doc and _NEAT_CONFIG_ADVICE in neat_doc
    return neat_doc.replace(
        _NEAT_OUTPUT_SENTENCE, _CPPN_ACTIVATION_SENTENCES
    ).replace(_NEAT_CONFIG_ADVICE, _CPPN_CONFIG_ADVICE)


for _cls in (HyperNEATClassifier, HyperNEATRegressor):
    _cls.__doc__ = _cls.__doc__.replace(
        "{parameters}",
        _hyperneat_activation_doc(_fill(NEAT_PARAMETERS_DOC, **_HYPER_DEFAULTS))
        + "\n\n"
        + HYPERNEAT_PARAMETERS_DOC,
    )
