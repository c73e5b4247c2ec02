"""Neuroevolution: NEAT, CPPNs and HyperNEAT on a population-at-once engine."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.neuroevolution._activations import ACTIVATIONS
from skdeep.neuroevolution._config import NEATConfig
from skdeep.neuroevolution._evolve import (
    EvolutionResult,
    Genome,
    NEATPopulation,
    compile_genomes,
    evolve,
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
