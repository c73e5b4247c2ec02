"""
Evolving XOR with NEAT: the winning network and the run's history
=================================================================

NEAT starts from networks with no hidden nodes and grows them. XOR cannot be
solved without a hidden node, so the run below has to invent one. The
configuration is neat-python's own XOR example (population 150, solved at a
fitness of 3.9 = 4 minus the summed squared error); the whole population is
evaluated in one call per generation.

Left: the winning network (inputs blue, output orange; red connections are
positive, blue negative, thicker is stronger). Right: the best and mean
fitness per generation, and the species the population splits into.
"""

import matplotlib.pyplot as plt

from skdeep.neuroevolution import (
    NEATConfig,
    evolve,
    plot_genome,
    plot_history,
    xor_data,
    xor_fitness,
)

result = evolve(xor_fitness, n_inputs=2, n_outputs=1, n_generations=300,
                config=NEATConfig(), fitness_threshold=3.9, random_state=1)
print(f"solved: {result.solved} after {result.generations} generations "
      f"({result.n_evaluations} evaluations)")
X, y = xor_data()
print("outputs:", result.best_genome.activate(X)[:, 0].round(3), "targets:", y)

fig = plt.figure(figsize=(11, 4.5))
network_ax = fig.add_subplot(1, 2, 1)
plot_genome(result.best_genome, ax=network_ax, input_names=["a", "b"], output_names=["a xor b"])
grid = fig.add_gridspec(2, 2, height_ratios=[2, 1])
fitness_ax = fig.add_subplot(grid[0, 1])
species_ax = fig.add_subplot(grid[1, 1], sharex=fitness_ax)
plot_history(result.history, ax=fitness_ax, species_ax=species_ax)
fig.tight_layout()
plt.show()
