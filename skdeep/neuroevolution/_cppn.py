"""Compositional pattern-producing networks (CPPNs): configure, sample, render."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from skdeep.neuroevolution._config import NEATConfig
from skdeep.neuroevolution._evolve import Genome, NEATPopulation, _rng, compile_genomes
from skdeep.neuroevolution._network import Phenotypes

#: The node functions CPPNs mix by default: periodic, symmetric, monotone
#: and linear building blocks (Stanley 2007; the HyperNEAT papers' set plus
#: tanh and identity).
CPPN_ACTIVATIONS = ("sin", "gauss", "sigmoid", "tanh", "abs", "identity")


def cppn_config(**overrides):
    """A :class:`NEATConfig` suited to evolving CPPNs.

    Compared with NEAT's defaults, nodes may take any function of
    :data:`CPPN_ACTIVATIONS` (mutated with probability 0.3 per node and
    offspring), new nodes start as Gaussians (the function that makes local,
    symmetric patterns), the output is ``tanh`` (bipolar, so that a CPPN
    output can be read as a signed weight in [-1, 1] as HyperNEAT does),
    structural mutations are frequent and the number of species is steered
    towards ``min(8, pop_size // 12)`` (at least 1) with a dynamic
    compatibility threshold.

    Parameters
    ----------
    **overrides
        Any :class:`NEATConfig` field, applied last.

    Returns
    -------
    config : NEATConfig

    Examples
    --------
    >>> from skdeep.neuroevolution._cppn import cppn_config
    >>> config = cppn_config(pop_size=40)
    >>> config.pop_size, "sin" in config.activation_options
    (40, True)
    """
    defaults = dict(
        pop_size=100,
        activation_default="gauss",
        activation_options=CPPN_ACTIVATIONS,
        activation_mutate_rate=0.3,
        output_activation="tanh",
        node_add_prob=0.3,
        node_delete_prob=0.1,
        conn_add_prob=0.5,
        conn_delete_prob=0.2,
        weight_init_stdev=1.5,
        weight_max_value=8.0,
        weight_min_value=-8.0,
        bias_max_value=8.0,
        bias_min_value=-8.0,
        compatibility_threshold=3.0,
        max_stagnation=15,
    )
    defaults.update(overrides)
    # About a dozen genomes per species, at most 8 species: tiny populations
    # split into many species cannot select.
    n_species = max(1, min(8, int(defaults["pop_size"]) // 12))
    defaults.setdefault("target_n_species", n_species)
    return NEATConfig(**defaults)


def as_phenotypes(cppns):
    """``Phenotypes`` from a Phenotypes, a Genome or a list of genomes.

    Returns the phenotypes and whether a single genome was given.
    """
    if isinstance(cppns, Phenotypes):
        return cppns, False
    if isinstance(cppns, Genome):
        return compile_genomes([cppns]), True
    cppns = list(cppns)
    if not all(isinstance(g, Genome) for g in cppns):
        raise TypeError("Expected a Genome, a list of Genome or a Phenotypes.")
    return compile_genomes(cppns), False


def image_coordinates(shape, extent=1.0):
    """Pixel-centre coordinates of an image, spanning ``[-extent, extent]``.

    Parameters
    ----------
    shape : int or tuple of int
        ``(height, width)``; an int or a 1-tuple is a row of pixels.
    extent : float, default=1.0
        Half the side of the square the image covers; the corner pixels'
        centres sit at ``+-extent`` (a side of one pixel sits at 0).

    Returns
    -------
    coords : ndarray of shape (height * width, 2)
        ``(x, y)`` of every pixel in row-major order: x grows along a row
        (columns), y down the image (rows).

    Examples
    --------
    >>> from skdeep.neuroevolution._cppn import image_coordinates
    >>> image_coordinates((2, 3)).tolist()
    [[-1.0, -1.0], [0.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [0.0, 1.0], [1.0, 1.0]]
    """
    shape = (int(shape),) if np.isscalar(shape) else tuple(int(s) for s in shape)
    if len(shape) == 1:
        shape = (1, shape[0])
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(
            f"shape must be (height, width) of positive ints, got {shape}."
        )
    h, w = shape

    def axis(n):
        return np.linspace(-extent, extent, n) if n > 1 else np.zeros(1)

    y, x = np.meshgrid(axis(h), axis(w), indexing="ij")
    return np.stack([x.ravel(), y.ravel()], axis=1)


def _pixel_inputs(shape, n_inputs, extent):
    xy = image_coordinates(shape, extent)
    d = np.sqrt((xy ** 2).sum(axis=1, keepdims=True))
    columns = np.concatenate([xy, d, np.ones((len(xy), 1))], axis=1)
    if not 1 <= n_inputs <= 4:
        raise ValueError(
            "An image CPPN takes 1 to 4 inputs (x, y, distance from the centre, "
            f"bias), got {n_inputs}."
        )
    return columns[:, :n_inputs]


def render_cppn(cppns, shape=(64, 64), *, extent=1.0, output=None, batch_size=16384):
    """Draw the pattern of one or many CPPNs at any resolution.

    Every pixel is one query of the CPPN, with inputs the first
    ``n_inputs`` of ``(x, y, d, 1)``: the pixel centre's coordinates in
    ``[-extent, extent]``, its distance from the centre, and a bias. All
    pixels of all CPPNs are computed in one vectorised ``activate`` call, so
    rendering at 512x512 costs what its pixel count costs, and the same
    genome renders the same pattern at every resolution.

    Parameters
    ----------
    cppns : Genome, list of Genome or Phenotypes
        One CPPN, several (compiled together), or a compiled population
        (e.g. ``population.phenotypes()``).
    shape : tuple of int, default=(64, 64)
        ``(height, width)`` of the image.
    extent : float, default=1.0
        The image covers ``[-extent, extent]`` on both axes (zoom out with a
        larger value).
    output : int or None, default=None
        Keep only this CPPN output; None keeps all of them (the last axis is
        dropped when there is a single output).
    batch_size : int, default=16384
        Pixels evaluated together (bounds memory).

    Returns
    -------
    image : ndarray
        ``(height, width)`` for one genome with one (or one selected)
        output; a leading ``n_genomes`` axis for a list or Phenotypes; a
        trailing ``n_outputs`` axis when several outputs are kept.

    Examples
    --------
    >>> from skdeep.neuroevolution._cppn import random_cppns, render_cppn
    >>> cppn = random_cppns(1, random_state=0)[0]
    >>> render_cppn(cppn, (32, 48)).shape
    (32, 48)
    >>> render_cppn(random_cppns(5, random_state=0), (8, 8)).shape
    (5, 8, 8)
    """
    phenotypes, single = as_phenotypes(cppns)
    shape = tuple(int(s) for s in np.atleast_1d(shape))
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(
            f"shape must be (height, width) of positive ints, got {shape}."
        )
    if not phenotypes.feed_forward:
        raise ValueError("CPPNs must be feed-forward networks.")
    X = _pixel_inputs(shape, phenotypes.n_inputs, extent)
    out = phenotypes.activate(X, batch_size=batch_size)  # (P, h * w, n_outputs)
    if output is not None:
        if not -phenotypes.n_outputs <= output < phenotypes.n_outputs:
            raise ValueError(
                f"output {output} out of range for {phenotypes.n_outputs} outputs."
            )
        out = out[..., [output]]
    images = out.reshape((phenotypes.n_genomes,) + shape + (out.shape[-1],))
    if images.shape[-1] == 1:
        images = images[..., 0]
    return images[0] if single else images


def _novelty(behaviour, k):
    """Mean distance of each row to its ``k`` nearest other rows."""
    sq = (behaviour ** 2).sum(axis=1)
    gram = behaviour @ behaviour.T
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * gram, 0.0))
    np.fill_diagonal(dist, np.inf)
    k = max(1, min(k, len(behaviour) - 1))
    return np.sort(dist, axis=1)[:, :k].mean(axis=1)


def random_cppns(n, n_inputs=4, n_outputs=1, *, n_generations=10, fitness="novelty",
                 config=None, random_state=None):
    """Sample ``n`` varied CPPNs by evolving a population without a goal.

    A population of ``n`` CPPNs is evolved through the NEAT engine for
    ``n_generations`` generations, so mutations of structure, weights and
    node functions accumulate. With ``fitness="novelty"`` each generation is
    rewarded for drawing patterns unlike the others' (the mean distance to
    its 5 nearest neighbours among 16x16 renderings, in the spirit of
    novelty search); with ``"random"`` selection is blind (pure drift).

    Parameters
    ----------
    n : int
        CPPNs to return (the population size; 2 are evolved when ``n=1``).
    n_inputs : int, default=4
        CPPN inputs; 4 fits :func:`render_cppn` (x, y, d, bias).
    n_outputs : int, default=1
    n_generations : int, default=10
        Generations of variation; 0 returns the initial (fully connected,
        single-layer) CPPNs.
    fitness : {"novelty", "random"}, default="novelty"
    config : NEATConfig, default=None
        Defaults to :func:`cppn_config` with ``pop_size=n``.
    random_state : int, Generator, RandomState or None

    Returns
    -------
    cppns : list of Genome
        The last generation.

    Examples
    --------
    >>> from skdeep.neuroevolution._cppn import random_cppns
    >>> cppns = random_cppns(4, random_state=0)
    >>> len(cppns), cppns[0].n_inputs
    (4, 4)
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}.")
    if fitness not in ("novelty", "random"):
        raise ValueError(f"fitness must be 'novelty' or 'random', got {fitness!r}.")
    if int(n_generations) < 0:
        raise ValueError(f"n_generations must be >= 0, got {n_generations}.")
    size = max(int(n), 2)  # NEAT needs two genomes to breed
    if config is None:
        config = cppn_config(pop_size=size)
    else:
        config = config.replace(pop_size=size)
    rng = _rng(random_state)
    population = NEATPopulation(n_inputs, n_outputs, config, random_state=rng)
    probe = _pixel_inputs((16, 16), n_inputs, 1.0) if n_inputs <= 4 else rng.uniform(
        -1, 1, (256, n_inputs))
    for _ in range(int(n_generations)):
        if fitness == "novelty":
            behaviour = population.phenotypes().activate(probe)
            behaviour = behaviour.reshape(population.size, -1)
            scores = _novelty(np.nan_to_num(behaviour), 5)
        else:
            scores = rng.random(population.size)
        population.tell(scores)
        if population.extinct:
            break
    return [population.genome(row) for row in range(int(n))]
