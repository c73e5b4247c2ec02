"""Neuroevolution: NEAT, CPPNs and HyperNEAT on a population-at-once engine."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.neuroevolution._activations import ACTIVATIONS
from skdeep.neuroevolution._config import NEATConfig
from skdeep.neuroevolution._cppn import (
    CPPN_ACTIVATIONS,
    cppn_config,
    image_coordinates,
    random_cppns,
    render_cppn,
)
from skdeep.neuroevolution._estimators import NEATClassifier, NEATRegressor
from skdeep.neuroevolution._evolve import (
    EvolutionResult,
    Genome,
    NEATPopulation,
    compile_genomes,
    evolve,
)
from skdeep.neuroevolution._hyperneat import (
    HyperNEATClassifier,
    HyperNEATRegressor,
    Substrate,
    SubstrateNetworks,
    cppn_shape,
    express,
    paint_substrate,
    plot_substrate,
    plot_weights,
)
from skdeep.neuroevolution._network import Phenotypes
from skdeep.neuroevolution._plot import plot_genome, plot_history
from skdeep.neuroevolution._tasks import (
    PoleBalancing,
    visual_discrimination,
    visual_discrimination_error,
    visual_discrimination_fitness,
    visual_discrimination_trials,
    xor_data,
    xor_fitness,
)

__all__ = [
    "ACTIVATIONS",
    "CPPN_ACTIVATIONS",
    "HyperNEATClassifier",
    "HyperNEATRegressor",
    "NEATClassifier",
    "NEATRegressor",
    "Substrate",
    "SubstrateNetworks",
    "cppn_config",
    "cppn_shape",
    "express",
    "image_coordinates",
    "paint_substrate",
    "plot_substrate",
    "plot_weights",
    "random_cppns",
    "render_cppn",
    "EvolutionResult",
    "Genome",
    "NEATConfig",
    "NEATPopulation",
    "Phenotypes",
    "compile_genomes",
    "PoleBalancing",
    "evolve",
    "plot_genome",
    "plot_history",
    "visual_discrimination",
    "visual_discrimination_error",
    "visual_discrimination_fitness",
    "visual_discrimination_trials",
    "xor_data",
    "xor_fitness",
]
