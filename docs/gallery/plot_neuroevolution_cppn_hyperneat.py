"""
CPPN patterns and a HyperNEAT substrate painted at two resolutions
==================================================================

Top: CPPNs are NEAT networks of mixed functions (sine, Gaussian, sigmoid,
absolute value...) queried at every pixel's coordinates ``(x, y, d, 1)``. A
population evolved for novelty yields varied, regular patterns, and each
genome renders the same pattern at any resolution (here 48x48 and 192x192).

Bottom: HyperNEAT's visual discrimination task (Stanley, D'Ambrosio & Gauci,
2009): an 11x11 retina shows a small and a large box, and the 11x11 output
sheet must peak at the large box's centre. A CPPN of inputs
``(x1, y1, x2, y2, d, bias)`` paints every weight of the retina-to-output
substrate. The CPPN evolved at 11x11 is then painted onto a 33x33 substrate
(1.2 million connections) without further evolution: the same regular
connectivity, at three times the resolution, still finds the large box.
"""

import matplotlib.pyplot as plt
import numpy as np

from skdeep.neuroevolution import (
    NEATPopulation,
    Substrate,
    cppn_config,
    cppn_shape,
    paint_substrate,
    plot_weights,
    random_cppns,
    render_cppn,
    visual_discrimination_error,
    visual_discrimination_fitness,
    visual_discrimination_trials,
)

# New nodes draw a random function; structure grows quickly.
config = cppn_config(activation_default="random", node_add_prob=0.5, node_delete_prob=0.05,
                     conn_delete_prob=0.1, weight_init_stdev=2.0)
cppns = random_cppns(8, n_generations=60, config=config, random_state=0)[:5]
fig, axes = plt.subplots(2, 5, figsize=(12, 5))
for column, cppn in enumerate(cppns):
    for row, size in enumerate((48, 192)):
        axes[row, column].imshow(render_cppn(cppn, (size, size)), cmap="magma")
        axes[row, column].set_axis_off()
        axes[row, column].set_title(f"CPPN {column}, {size}x{size}", fontsize=9)
fig.tight_layout()

# %%
# Evolve the visual discrimination CPPN (the whole population is painted and
# every substrate evaluated in one call per generation).
substrate = Substrate.from_shapes((11, 11), (11, 11))
n_inputs, n_outputs = cppn_shape(substrate, distance_input=True)
population = NEATPopulation(n_inputs, n_outputs, cppn_config(pop_size=100), random_state=0)
for generation in range(30):
    networks = paint_substrate(population.phenotypes(), substrate, distance_input=True)
    fitness = visual_discrimination_fitness(networks)
    population.record(fitness)
    if fitness.max() >= 75 * 30:  # every one of the 75 trials exactly right
        break
    population.advance()
champion = population.best_genome
print(f"best fitness {champion.fitness:.0f} of 2250 after {generation + 1} generations")

fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
plot_weights(paint_substrate(champion, substrate, distance_input=True).weights[0][0],
             substrate, ax=axes[0])
axes[0].set_title("painted 11x11 -> 11x11 weights", fontsize=9)
for ax, resolution in zip(axes[1:3], (11, 33)):
    sheet = Substrate.from_shapes((resolution, resolution), (resolution, resolution))
    network = paint_substrate(champion, sheet, distance_input=True)
    images, targets = visual_discrimination_trials(resolution)
    outputs = network.activate(images.reshape(len(images), -1))[0]
    error = visual_discrimination_error(outputs, targets).mean()
    trial = 40
    ax.imshow(images[trial], cmap="gray_r")
    ax.imshow(outputs[trial].reshape(resolution, resolution), cmap="Reds", alpha=0.55)
    ax.set_title(f"{resolution}x{resolution}: mean error {error:.3f}", fontsize=9)
    ax.set_axis_off()
axes[3].plot(population.history["best_fitness"], label="best")
axes[3].plot(population.history["mean_fitness"], label="mean")
axes[3].set_xlabel("generation")
axes[3].set_ylabel("fitness (max 2250)")
axes[3].legend()
fig.tight_layout()
plt.show()
