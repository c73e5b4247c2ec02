"""Neuroevolution: NEAT, CPPNs and HyperNEAT on a population-at-once engine.

``import skdeep.neuroevolution`` needs no numba: its names are imported on
first access, and the engine needs numba (``pip install 'skdeep[neat]'``).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.utils._lazy_names import lazy_names

# Imported on first access: without numba (the ``neat`` extra) the package
# still imports, and the plugin registers the estimators as unavailable.
_LAZY = {
    "ACTIVATIONS": "skdeep.neuroevolution._activations",
    "NEATConfig": "skdeep.neuroevolution._config",
    "CPPN_ACTIVATIONS": "skdeep.neuroevolution._cppn",
    "cppn_config": "skdeep.neuroevolution._cppn",
    "image_coordinates": "skdeep.neuroevolution._cppn",
    "random_cppns": "skdeep.neuroevolution._cppn",
    "render_cppn": "skdeep.neuroevolution._cppn",
    "NEATClassifier": "skdeep.neuroevolution._estimators",
    "NEATRegressor": "skdeep.neuroevolution._estimators",
    "EvolutionResult": "skdeep.neuroevolution._evolve",
    "Genome": "skdeep.neuroevolution._evolve",
    "NEATPopulation": "skdeep.neuroevolution._evolve",
    "compile_genomes": "skdeep.neuroevolution._evolve",
    "evolve": "skdeep.neuroevolution._evolve",
    "HyperNEATClassifier": "skdeep.neuroevolution._hyperneat",
    "HyperNEATRegressor": "skdeep.neuroevolution._hyperneat",
    "Substrate": "skdeep.neuroevolution._hyperneat",
    "SubstrateNetworks": "skdeep.neuroevolution._hyperneat",
    "cppn_shape": "skdeep.neuroevolution._hyperneat",
    "express": "skdeep.neuroevolution._hyperneat",
    "paint_substrate": "skdeep.neuroevolution._hyperneat",
    "plot_substrate": "skdeep.neuroevolution._hyperneat",
    "plot_weights": "skdeep.neuroevolution._hyperneat",
    "Phenotypes": "skdeep.neuroevolution._network",
    "plot_genome": "skdeep.neuroevolution._plot",
    "plot_history": "skdeep.neuroevolution._plot",
    "PoleBalancing": "skdeep.neuroevolution._tasks",
    "visual_discrimination": "skdeep.neuroevolution._tasks",
    "visual_discrimination_error": "skdeep.neuroevolution._tasks",
    "visual_discrimination_fitness": "skdeep.neuroevolution._tasks",
    "visual_discrimination_trials": "skdeep.neuroevolution._tasks",
    "xor_data": "skdeep.neuroevolution._tasks",
    "xor_fitness": "skdeep.neuroevolution._tasks",
}

__all__ = list(_LAZY)

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
