"""neat-python's side of the neuroevolution benchmark: XOR and pole balancing runs.

neat-python (2.0.0, the ``neat`` package) evolves one genome at a time in pure
Python, so its pole-balancing runs step one cart at a time through the task's
scalar twin (:meth:`PoleBalancing.fitness_scalar`), which calls the same
compiled physics as skdeep's side: neat-python is timed on its own work
(networks and evolution), not on numpy's per-call overhead or on slower
physics.

Run by hand (not by the tests)::

    OMP_NUM_THREADS=1 python benchmarks/_neatpython_runs.py

prints XOR over 20 seeds and single- and double-pole (Markov) balancing over
5 seeds each.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import io
import os
import sys
import tempfile
import time

import neat

from skdeep.neuroevolution._tasks import PoleBalancing, xor_data

# neat-python 2.0.0, examples/xor/config-feedforward, verbatim apart from the
# comments (github.com/CodeReclaimers/neat-python, tag v2.0.0).
XOR_CONFIG = """
[NEAT]
fitness_criterion     = max
fitness_threshold     = 3.9
pop_size              = 150
reset_on_extinction   = False
no_fitness_termination         = False

[DefaultGenome]
activation_default      = sigmoid
activation_mutate_rate  = 0.0
activation_options      = sigmoid
aggregation_default     = sum
aggregation_mutate_rate = 0.0
aggregation_options     = sum
bias_init_mean          = 0.0
bias_init_stdev         = 1.0
bias_max_value          = 30.0
bias_min_value          = -30.0
bias_mutate_power       = 0.5
bias_mutate_rate        = 0.7
bias_replace_rate       = 0.1
compatibility_disjoint_coefficient = 1.0
compatibility_weight_coefficient   = 0.5
conn_add_prob           = 0.5
conn_delete_prob        = 0.5
enabled_default         = True
enabled_mutate_rate     = 0.01
feed_forward            = True
initial_connection      = full_direct
node_add_prob           = 0.2
node_delete_prob        = 0.2
num_hidden              = 0
num_inputs              = 2
num_outputs             = 1
response_init_mean      = 1.0
response_init_stdev     = 0.0
response_max_value      = 30.0
response_min_value      = -30.0
response_mutate_power   = 0.0
response_mutate_rate    = 0.0
response_replace_rate   = 0.0
weight_init_mean        = 0.0
weight_init_stdev       = 1.0
weight_max_value        = 30
weight_min_value        = -30
weight_mutate_power     = 0.5
weight_mutate_rate      = 0.8
weight_replace_rate     = 0.1
single_structural_mutation     = false
structural_mutation_surer      = default
bias_init_type                 = gaussian
response_init_type             = gaussian
weight_init_type               = gaussian
enabled_rate_to_true_add       = 0.0
enabled_rate_to_false_add      = 0.0

[DefaultSpeciesSet]
compatibility_threshold = 3.0

[DefaultStagnation]
species_fitness_func = max
max_stagnation       = 20
species_elitism      = 2

[DefaultReproduction]
elitism            = 2
survival_threshold = 0.2
min_species_size   = 2
"""

# neat-python 2.0.0, examples/single-pole-balancing/config-feedforward (the only
# pole example; there is no double-pole one), with three fields left open:
# the inputs (4 or 6 with velocities, 2 or 3 without), the threshold (the
# task's step count instead of the example's 60 s of simulated time) and
# feed_forward (False for the velocity-free task, run as a RecurrentNetwork).
POLE_CONFIG = """
[NEAT]
fitness_criterion     = max
fitness_threshold     = {threshold}
pop_size              = 250
reset_on_extinction   = 0
no_fitness_termination         = False

[DefaultGenome]
num_inputs              = {n_inputs}
num_hidden              = 1
num_outputs             = 1
initial_connection      = partial_direct 0.5
feed_forward            = {feed_forward}
compatibility_disjoint_coefficient    = 1.0
compatibility_weight_coefficient      = 0.6
conn_add_prob           = 0.2
conn_delete_prob        = 0.2
node_add_prob           = 0.2
node_delete_prob        = 0.2
activation_default      = sigmoid
activation_options      = sigmoid
activation_mutate_rate  = 0.0
aggregation_default     = sum
aggregation_options     = sum
aggregation_mutate_rate = 0.0
bias_init_mean          = 0.0
bias_init_stdev         = 1.0
bias_replace_rate       = 0.1
bias_mutate_rate        = 0.7
bias_mutate_power       = 0.5
bias_max_value          = 30.0
bias_min_value          = -30.0
response_init_mean      = 1.0
response_init_stdev     = 0.0
response_replace_rate   = 0.0
response_mutate_rate    = 0.0
response_mutate_power   = 0.0
response_max_value      = 30.0
response_min_value      = -30.0
weight_max_value        = 30
weight_min_value        = -30
weight_init_mean        = 0.0
weight_init_stdev       = 1.0
weight_mutate_rate      = 0.8
weight_replace_rate     = 0.1
weight_mutate_power     = 0.5
enabled_default         = True
enabled_mutate_rate     = 0.01
single_structural_mutation     = false
structural_mutation_surer      = default
bias_init_type                 = gaussian
response_init_type             = gaussian
weight_init_type               = gaussian
enabled_rate_to_true_add       = 0.0
enabled_rate_to_false_add      = 0.0

[DefaultSpeciesSet]
compatibility_threshold = 3.0

[DefaultStagnation]
species_fitness_func = max
max_stagnation  = 20
species_elitism                = 2

[DefaultReproduction]
elitism            = 2
survival_threshold = 0.2
min_species_size               = 2
"""


class _Stop(Exception):
    """Raised from inside a generation to end a run (solved or out of time)."""


def _config(text):
    # neat.Config only reads files
    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
        f.write(text)
    try:
        return neat.Config(
            neat.DefaultGenome,
            neat.DefaultReproduction,
            neat.DefaultSpeciesSet,
            neat.DefaultStagnation,
            f.name,
        )
    finally:
        os.unlink(f.name)


def _run(config, evaluate, seed, max_generations):
    """Run neat-python quietly; returns (population, generations, raised _Stop)."""
    pop = neat.Population(config, seed=seed)  # seeds Python's `random`
    sink = io.StringIO()
    stopped = False
    # no reporters are added; the redirect also hides neat-python's warnings
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        try:
            pop.run(evaluate, max_generations)
        except _Stop:
            stopped = True
    return pop, stopped


def run_neatpython_xor(seed, max_generations=300):
    """Evolve XOR with neat-python's own example configuration.

    The fitness is the example's ``4 - sum of squared errors`` and a run is
    solved when a genome reaches its threshold of 3.9.

    Parameters
    ----------
    seed : int
        Seeds Python's ``random`` (through ``neat.Population(seed=...)``).
    max_generations : int, default=300
        The example's cap.

    Returns
    -------
    dict
        ``solved`` (bool), ``generations`` (evaluated generations),
        ``evaluations`` (genomes evaluated, whole generations),
        ``wall_s`` and ``best_fitness``.
    """
    config = _config(XOR_CONFIG)
    X, y = xor_data()
    cases = [(tuple(map(float, xi)), float(yi)) for xi, yi in zip(X, y)]
    counts = {"evaluations": 0, "generations": 0}

    def evaluate(genomes, config):
        counts["generations"] += 1
        counts["evaluations"] += len(genomes)
        for _, genome in genomes:
            net = neat.nn.FeedForwardNetwork.create(genome, config)
            fitness = 4.0
            for xi, yi in cases:
                fitness -= (net.activate(xi)[0] - yi) ** 2
            genome.fitness = fitness

    start = time.perf_counter()
    pop, _ = _run(config, evaluate, seed, max_generations)
    wall = time.perf_counter() - start
    best = pop.best_genome.fitness
    return {
        "solved": bool(best >= config.fitness_threshold),
        "generations": counts["generations"],
        "evaluations": counts["evaluations"],
        "wall_s": wall,
        "best_fitness": float(best),
    }


def run_neatpython_pole(
    kind="double", velocities=True, seed=0, max_generations=100, max_seconds=None
):
    """Evolve a pole balancer with neat-python on the scalar twin physics.

    The task is :class:`PoleBalancing` with ``output_range=(0, 1)`` (the
    sigmoid output is the force, as in the reference code). With
    velocities the network is a ``FeedForwardNetwork``, the fitness is the
    steps balanced and a run is solved at 100,000 steps; without
    velocities it is a ``neat.nn.RecurrentNetwork`` (one propagation step
    per time step), the fitness is Gruau's damping fitness, and after each
    generation the best genome takes the full test (100,000 steps, then at
    least 200 of the 625 generalisation starts), as NEAT's experiment does.

    Parameters
    ----------
    kind : {"double", "single"}, default="double"
    velocities : bool, default=True
    seed : int, default=0
        Seeds Python's ``random``.
    max_generations : int, default=100
        Generation cap.
    max_seconds : float, default=None
        Stop after the first generation that ends past this wall time.

    Returns
    -------
    dict
        ``solved``, ``generations``, ``evaluations`` (genomes evaluated),
        ``wall_s``, ``best_fitness``, ``timed_out``.
    """
    task = PoleBalancing(kind, velocities=velocities, output_range=(0.0, 1.0))
    threshold = float(task.max_steps or 100_000) if velocities else 1e12
    config = _config(
        POLE_CONFIG.format(
            threshold=threshold, n_inputs=task.n_inputs, feed_forward=velocities
        )
    )
    Net = neat.nn.FeedForwardNetwork if velocities else neat.nn.RecurrentNetwork
    counts = {
        "evaluations": 0,
        "generations": 0,
        "solved": False,
        "timed_out": False,
        "best": float("-inf"),
    }
    start = time.perf_counter()

    def evaluate(genomes, config):
        counts["generations"] += 1
        counts["evaluations"] += len(genomes)
        best, best_net = None, None
        for _, genome in genomes:
            net = Net.create(genome, config)
            reset = None if velocities else net.reset
            genome.fitness = task.fitness_scalar(net.activate, reset=reset)
            if best is None or genome.fitness > best.fitness:
                best, best_net = genome, net
        counts["best"] = max(counts["best"], best.fitness)
        if not velocities and task.solved_scalar(best_net.activate, best_net.reset):
            counts["solved"] = True
            raise _Stop
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            counts["timed_out"] = True
            raise _Stop

    _run(config, evaluate, seed, max_generations)
    wall = time.perf_counter() - start
    best = counts["best"]
    if velocities:
        counts["solved"] = bool(best >= threshold)
    return {
        "solved": counts["solved"],
        "generations": counts["generations"],
        "evaluations": counts["evaluations"],
        "wall_s": wall,
        "best_fitness": float(best),
        "timed_out": counts["timed_out"],
    }


def _summary(name, runs):
    import statistics

    solved = [r for r in runs if r["solved"]]
    mean = statistics.fmean
    line = (
        f"{name}: solved {len(solved)}/{len(runs)}, "
        f"mean generations {mean(r['generations'] for r in runs):.1f}, "
        f"mean evaluations {mean(r['evaluations'] for r in runs):.0f}, "
        f"mean wall {mean(r['wall_s'] for r in runs):.2f} s"
    )
    if solved:
        line += (
            f" (solved runs: {mean(r['generations'] for r in solved):.1f} gens, "
            f"{mean(r['evaluations'] for r in solved):.0f} evals, "
            f"{mean(r['wall_s'] for r in solved):.2f} s)"
        )
    return line


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    n_xor = int(argv[0]) if argv else 20
    n_pole = int(argv[1]) if len(argv) > 1 else 5
    print(f"neat-python {neat.__version__}, loadavg {os.getloadavg()}")
    runs = [run_neatpython_xor(seed) for seed in range(n_xor)]
    print(_summary(f"XOR ({n_xor} seeds)", runs), flush=True)
    for kind, gens in (("single", 100), ("double", 100)):
        runs = []
        for seed in range(n_pole):
            r = run_neatpython_pole(kind, True, seed, gens, max_seconds=55)
            runs.append(r)
            print(f"  {kind} seed {seed}: {r}", flush=True)
        print(_summary(f"{kind} pole, velocities ({n_pole} seeds)", runs), flush=True)
    print(f"loadavg {os.getloadavg()}")


if __name__ == "__main__":
    main()
