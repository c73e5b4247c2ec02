"""Tests of the CPPN tools: configuration, sampling and rendering."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skdeep.neuroevolution import Genome, NEATPopulation
from skdeep.neuroevolution._cppn import (
    CPPN_ACTIVATIONS,
    cppn_config,
    image_coordinates,
    random_cppns,
    render_cppn,
)


def _hand_cppn(activation="gauss", weights=(2.0, -1.0), bias=0.5, n_outputs=1):
    """out = act(bias + w0 * x + w1 * d), for every output."""
    keys = np.arange(n_outputs)
    conn = np.array([[src, o] for o in keys for src in (-1, -3)])
    return Genome(
        n_inputs=4, n_outputs=n_outputs, feed_forward=True, node_keys=keys,
        bias=np.full(n_outputs, bias), response=np.ones(n_outputs),
        activation=(activation,) * n_outputs, conn_keys=conn,
        weight=np.tile(weights, n_outputs).astype(float),
        enabled=np.ones(len(conn), bool),
        innovation=np.arange(len(conn)),
    )


def test_cppn_config_defaults_and_overrides():
    config = cppn_config()
    assert set(config.activation_options) == set(CPPN_ACTIVATIONS)
    assert config.activation_mutate_rate > 0
    assert config.output_activation == "tanh"
    small = cppn_config(pop_size=24, activation_options=("sin", "gauss"))
    assert small.pop_size == 24 and small.activation_options == ("sin", "gauss")
    assert small.target_n_species == 2  # scaled down for a small population
    assert cppn_config(target_n_species=None).target_n_species is None
    with pytest.raises(ValueError, match="Unknown activation"):
        cppn_config(activation_options=("nope",))


def test_image_coordinates_row_major():
    xy = image_coordinates((3, 2))
    assert xy.shape == (6, 2)
    np.testing.assert_array_equal(xy[:2], [[-1, -1], [1, -1]])  # first row: x varies
    np.testing.assert_array_equal(image_coordinates(1), [[0.0, 0.0]])
    with pytest.raises(ValueError, match="shape"):
        image_coordinates((2, 0))


@pytest.mark.parametrize("shape", [(5, 7), (33, 20)])
def test_render_matches_hand_computed_cppn(shape):
    cppn = _hand_cppn()
    image = render_cppn(cppn, shape)
    assert image.shape == shape
    h, w = shape
    y, x = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    z = np.clip(0.5 + 2.0 * x - np.sqrt(x**2 + y**2), -3.4, 3.4)
    np.testing.assert_allclose(image, np.exp(-5.0 * z**2), atol=1e-12)


def test_render_is_resolution_independent():
    cppns = random_cppns(6, n_generations=5, random_state=1)
    coarse = render_cppn(cppns, (5, 5))
    fine = render_cppn(cppns, (9, 9))
    assert coarse.shape == (6, 5, 5) and fine.shape == (6, 9, 9)
    # every other pixel of the 9x9 grid sits where a 5x5 pixel sits
    np.testing.assert_allclose(fine[:, ::2, ::2], coarse, atol=1e-12)
    # many genomes at once give what each gives alone
    for k in (0, 5):
        np.testing.assert_allclose(render_cppn(cppns[k], (9, 9)), fine[k], atol=1e-12)


def test_render_population_outputs_and_extent():
    population = NEATPopulation(3, 2, cppn_config(pop_size=10), random_state=0)
    images = render_cppn(population.phenotypes(), (4, 6))
    assert images.shape == (10, 4, 6, 2)  # x, y, d inputs; two output channels
    assert render_cppn(population.phenotypes(), (4, 6), output=1).shape == (10, 4, 6)
    two = _hand_cppn(n_outputs=2)
    assert render_cppn(two, (3, 3)).shape == (3, 3, 2)
    zoomed = render_cppn(_hand_cppn(), (3, 3), extent=2.0)
    wide = render_cppn(_hand_cppn(), (5, 5), extent=4.0)
    np.testing.assert_allclose(zoomed[1, 2], wide[2, 3])


def test_random_cppns_deterministic_and_varied():
    a = random_cppns(8, n_generations=6, random_state=0)
    b = random_cppns(8, n_generations=6, random_state=0)
    c = random_cppns(8, n_generations=6, random_state=1)
    ia, ib, ic = (render_cppn(g, (12, 12)) for g in (a, b, c))
    np.testing.assert_array_equal(ia, ib)
    assert not np.allclose(ia, ic)
    # the sample is varied: distinct patterns, several node functions
    flat = ia.reshape(8, -1)
    assert len(np.unique(flat.round(6), axis=0)) == 8
    assert len({act for g in a for act in g.activation}) >= 2
    assert len(random_cppns(1, random_state=0)) == 1
    drift = random_cppns(4, n_generations=3, fitness="random", random_state=0)
    assert all(g.n_inputs == 4 for g in drift)
    assert len(random_cppns(3, n_generations=0, random_state=0)[0].node_keys) == 1


def test_cppn_errors():
    with pytest.raises(ValueError, match="positive int"):
        random_cppns(0)
    with pytest.raises(ValueError, match="fitness"):
        random_cppns(3, fitness="best")
    with pytest.raises(ValueError, match="n_generations"):
        random_cppns(3, n_generations=-1)
    cppn = _hand_cppn()
    with pytest.raises(ValueError, match="shape"):
        render_cppn(cppn, (0, 4))
    with pytest.raises(ValueError, match="out of range"):
        render_cppn(cppn, (4, 4), output=3)
    five = random_cppns(2, n_inputs=5, n_generations=0, random_state=0)
    with pytest.raises(ValueError, match="1 to 4 inputs"):
        render_cppn(five, (4, 4))
    with pytest.raises(TypeError, match="Genome"):
        render_cppn([cppn, "not a genome"], (4, 4))
