"""The NEAT engine: evaluation, variation, speciation, runs and checkpoints."""

import math
import pickle

import numpy as np
import pytest

from skdeep.neuroevolution import (
    ACTIVATIONS,
    NEATConfig,
    NEATPopulation,
    evolve,
    xor_data,
    xor_fitness,
)
from skdeep.neuroevolution._genome import genetic_distance


def _grown_population(feed_forward=True, seed=3, generations=25):
    """A population with hidden nodes, disabled genes and varied topologies."""
    X = np.random.default_rng(0).normal(size=(5, 3))
    config = NEATConfig(pop_size=40, node_add_prob=0.5, conn_add_prob=0.7,
                        feed_forward=feed_forward, activation_mutate_rate=0.2,
                        activation_options=("sigmoid", "tanh", "sin", "gauss", "relu", "identity"))

    def fitness(phenotypes):
        if feed_forward:
            out = phenotypes.activate(X)
        else:
            phenotypes.reset(len(X))
            out = phenotypes.step(np.broadcast_to(X, (phenotypes.n_genomes,) + X.shape))
        return -np.abs(out - 0.3).sum(axis=(1, 2))

    result = evolve(fitness, 3, 2, generations, config=config, random_state=seed)
    return result.population, X


def _reference_forward(genome, x):
    """Plain-Python evaluation: each node after all of its inputs."""
    values = {-(i + 1): float(v) for i, v in enumerate(x)}
    node = {int(k): (b, r, a) for k, b, r, a in
            zip(genome.node_keys, genome.bias, genome.response, genome.activation)}
    edges = [(int(a), int(b), w) for (a, b), w, on in
             zip(genome.conn_keys.tolist(), genome.weight, genome.enabled) if on]
    pending = set(node)
    while pending:
        for n in sorted(pending):
            incoming = [(a, w) for a, b, w in edges if b == n]
            if all(a in values for a, _ in incoming):
                b, r, act = node[n]
                z = b + r * sum(values[a] * w for a, w in incoming)
                values[n] = float(ACTIVATIONS[act](np.array([z]))[0])
                pending.remove(n)
                break
        else:
            raise AssertionError("cycle in a feed-forward genome")
    return [values[o] for o in range(genome.n_outputs)]


def test_population_program_matches_plain_python_evaluation():
    population, X = _grown_population()
    outputs = population.phenotypes().activate(X)
    assert outputs.shape == (population.size, len(X), 2)
    hidden = [population.genome(i).n_nodes for i in range(population.size)]
    assert max(hidden) > 4  # the networks did grow
    for row in range(0, population.size, 3):
        genome = population.genome(row)
        expected = np.array([_reference_forward(genome, x) for x in X])
        np.testing.assert_allclose(outputs[row], expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(genome.activate(X), expected, rtol=1e-12, atol=1e-12)


def test_per_genome_inputs_and_batching_agree_with_shared_inputs():
    population, X = _grown_population()
    phenotypes = population.phenotypes()
    shared = phenotypes.activate(X)
    own = phenotypes.activate(np.broadcast_to(X, (phenotypes.n_genomes,) + X.shape))
    batched = phenotypes.activate(X, batch_size=2)
    np.testing.assert_allclose(own, shared)
    np.testing.assert_allclose(batched, shared)


def test_recurrent_step_uses_previous_values_and_select_keeps_state():
    population, X = _grown_population(feed_forward=False)
    phenotypes = population.phenotypes()
    inputs = np.broadcast_to(X, (phenotypes.n_genomes,) + X.shape)
    phenotypes.reset(len(X))
    first = phenotypes.step(inputs)
    second = phenotypes.step(inputs)
    # Plain double-buffered reference for one genome with a loop.
    row = next(i for i in range(population.size)
               if any(a >= 0 and a == b for a, b in population.genome(i).conn_keys.tolist())
               or population.genome(i).n_nodes > 2)
    genome = population.genome(row)
    keys = [int(k) for k in genome.node_keys]
    state = {k: np.zeros(len(X)) for k in keys}
    for _ in range(2):
        new = {}
        for k, b, r, act in zip(keys, genome.bias, genome.response, genome.activation):
            z = np.zeros(len(X))
            for (a, d), w, on in zip(genome.conn_keys.tolist(), genome.weight, genome.enabled):
                if on and d == k:
                    z += w * (X[:, -a - 1] if a < 0 else state[a])
            new[k] = ACTIVATIONS[act](b + r * z)
        state = new
    np.testing.assert_allclose(second[row], np.stack([state[0], state[1]], axis=1), atol=1e-12)
    assert not np.allclose(first, second)
    # Narrowing to some genomes keeps their state: the next step agrees.
    keep = np.array([row, 0])
    narrowed = phenotypes.select(keep)
    full_next = phenotypes.step(inputs)
    narrow_next = narrowed.step(inputs[keep])
    np.testing.assert_allclose(narrow_next, full_next[keep], atol=1e-12)


def test_phenotypes_kept_across_generations_still_select_their_own_networks():
    # The gene registry grows and is compacted in place as the population
    # evolves; select() on networks compiled generations ago read the
    # current registry and compiled other networks (outputs off by 0.88).
    population, X = _grown_population(generations=5)
    phenotypes = population.phenotypes()
    keep = np.arange(0, population.size, 3)
    before = phenotypes.select(keep).activate(X)
    columns = population.registry.n_conns
    rng = np.random.default_rng(0)
    for _ in range(40):
        population.tell(rng.normal(size=population.size))
    assert population.registry.n_conns != columns  # the registry has moved on
    np.testing.assert_array_equal(phenotypes.select(keep).activate(X), before)


def test_activate_rejects_recurrent_networks_and_bad_shapes():
    population, X = _grown_population(feed_forward=False, generations=2)
    phenotypes = population.phenotypes()
    with pytest.raises(ValueError, match="recurrent"):
        phenotypes.activate(X)
    with pytest.raises(ValueError, match="reset"):
        phenotypes.step(np.zeros((phenotypes.n_genomes, 1, 3)))
    feed = NEATPopulation(3, 2, NEATConfig(pop_size=5), random_state=0).phenotypes()
    with pytest.raises(ValueError, match="features"):
        feed.activate(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="n_genomes"):
        feed.activate(np.zeros((3, 4, 3)))


# neat-python's definitions (neat/activations.py), written out as the oracle.
_NEAT_PYTHON_ACTIVATIONS = {
    "sigmoid": lambda z: 1 / (1 + math.exp(-max(-60.0, min(60.0, 5.0 * z)))),
    "tanh": lambda z: math.tanh(max(-60.0, min(60.0, 2.5 * z))),
    "sin": lambda z: math.sin(max(-60.0, min(60.0, 5.0 * z))),
    "gauss": lambda z: math.exp(-5.0 * max(-3.4, min(3.4, z)) ** 2),
    "relu": lambda z: z if z > 0 else 0.0,
    "elu": lambda z: z if z > 0 else math.exp(z) - 1,
    "lelu": lambda z: z if z > 0 else 0.005 * z,
    "selu": lambda z: 1.0507009873554804934193349852946 * (
        z if z > 0 else 1.6732632423543772848170429916717 * (math.exp(z) - 1)),
    "softplus": lambda z: 0.2 * math.log(1 + math.exp(max(-60.0, min(60.0, 5.0 * z)))),
    "identity": lambda z: z,
    "clamped": lambda z: max(-1.0, min(1.0, z)),
    "inv": lambda z: 1.0 / z if z != 0 else 0.0,
    "log": lambda z: math.log(max(1e-7, z)),
    "exp": lambda z: math.exp(max(-60.0, min(60.0, z))),
    "abs": abs,
    "hat": lambda z: max(0.0, 1 - abs(z)),
    "square": lambda z: z ** 2,
    "cube": lambda z: z ** 3,
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations_are_neat_pythons(name):
    z = np.linspace(-20, 20, 401)
    expected = [_NEAT_PYTHON_ACTIVATIONS[name](float(v)) for v in z]
    np.testing.assert_allclose(ACTIVATIONS[name](z), expected, rtol=1e-9, atol=1e-12)
    assert ACTIVATIONS[name](z[:400].reshape(20, 20)).shape == (20, 20)


def _reference_distance(g1, g2, config):
    """neat-python's DefaultGenome.distance on two Genome records."""
    def part(keys1, keys2, attrs1, attrs2):
        d1, d2 = dict(zip(keys1, attrs1)), dict(zip(keys2, attrs2))
        if not d1 and not d2:
            return 0.0
        disjoint = len(set(d1) ^ set(d2))
        diff = 0.0
        for k in set(d1) & set(d2):
            diff += sum(float(a != b) if isinstance(a, (str, bool, np.bool_)) else abs(a - b)
                        for a, b in zip(d1[k], d2[k]))
        return (config.compatibility_weight_coefficient * diff
                + config.compatibility_disjoint_coefficient * disjoint) / max(len(d1), len(d2))

    nodes = part(list(g1.node_keys), list(g2.node_keys),
                 list(zip(g1.bias, g1.response, g1.activation)),
                 list(zip(g2.bias, g2.response, g2.activation)))
    conns = part([tuple(k) for k in g1.conn_keys.tolist()], [tuple(k) for k in g2.conn_keys.tolist()],
                 list(zip(g1.weight, g1.enabled)), list(zip(g2.weight, g2.enabled)))
    return nodes + conns


def test_genetic_distance_is_neat_pythons():
    population, _ = _grown_population()
    distance = genetic_distance(population.table, population.table, [0, 5, 11], population.config)
    for j, other in enumerate([0, 5, 11]):
        for row in range(0, population.size, 4):
            expected = _reference_distance(population.genome(row), population.genome(other),
                                           population.config)
            assert math.isclose(distance[row, j], expected, rel_tol=1e-9, abs_tol=1e-12)
    assert distance[0, 0] == 0.0


def test_offspring_inherit_only_the_fitter_parents_genes():
    population = NEATPopulation(2, 1, NEATConfig(pop_size=30, node_add_prob=0.6), random_state=1)
    for _ in range(8):
        population.tell(np.random.default_rng(population.generation).random(population.size))
    ops, table = population.operators, population.table
    rng = np.random.default_rng(0)
    fitter, other = rng.integers(0, population.size, 20), rng.integers(0, population.size, 20)
    children = ops.breed(table, np.array([], dtype=np.int64), fitter, other)
    n_conns = population.registry.n_conns
    np.testing.assert_array_equal(children.conn_on[:, :n_conns], table.conn_on[fitter, :n_conns])
    both = table.conn_on[fitter, :n_conns] & table.conn_on[other, :n_conns]
    w = children.weight[:, :n_conns]
    from_either = (w == table.weight[fitter, :n_conns]) | (w == table.weight[other, :n_conns])
    assert from_either[both].all()
    differs = both & (table.weight[fitter, :n_conns] != table.weight[other, :n_conns])
    taken = (w == table.weight[other, :n_conns])[differs]
    assert 0.2 < taken.mean() < 0.8  # attributes come from either parent


def test_same_seed_same_run_and_different_seed_different_run():
    def run(seed):
        return evolve(xor_fitness, 2, 1, 15, config=NEATConfig(pop_size=60), random_state=seed)

    a, b, c = run(4), run(4), run(5)
    assert a.history["best_fitness"] == b.history["best_fitness"]
    assert a.history["species_sizes"] == b.history["species_sizes"]
    np.testing.assert_array_equal(a.best_genome.weight, b.best_genome.weight)
    assert a.history["best_fitness"] != c.history["best_fitness"]


def test_xor_is_solved_with_neat_pythons_settings():
    solved = [evolve(xor_fitness, 2, 1, 300, fitness_threshold=3.9, random_state=s)
              for s in range(3)]
    assert sum(r.solved for r in solved) >= 2
    for r in solved:
        if r.solved:
            X, y = xor_data()
            predictions = r.best_genome.activate(X)[:, 0] > 0.5
            np.testing.assert_array_equal(predictions, y.astype(bool))
            assert r.best_genome.n_nodes >= 2  # XOR needs a hidden node
            assert r.n_evaluations == r.generations * 150


def test_checkpoint_continues_the_same_run(tmp_path):
    config = NEATConfig(pop_size=40)
    straight = evolve(xor_fitness, 2, 1, 12, config=config, random_state=7)
    first = evolve(xor_fitness, 2, 1, 6, config=config, random_state=7,
                   checkpoint_every=6, checkpoint_prefix=str(tmp_path / "ckpt-"))
    assert (tmp_path / "ckpt-6.pkl").exists()
    resumed = evolve(xor_fitness, n_generations=6,
                     population=NEATPopulation.load(tmp_path / "ckpt-6.pkl"))
    assert resumed.history["best_fitness"] == straight.history["best_fitness"]
    assert first.generations == 6 and resumed.population.generation == 12
    with pytest.raises(ValueError, match="own config"):
        evolve(xor_fitness, population=resumed.population, config=config)
    with pytest.raises(ValueError, match="own random generator"):  # (was ignored)
        evolve(xor_fitness, population=resumed.population, random_state=1)
    with open(tmp_path / "other.pkl", "wb") as handle:
        pickle.dump({"not": "a population"}, handle)
    with pytest.raises(TypeError, match="not a NEATPopulation"):
        NEATPopulation.load(tmp_path / "other.pkl")


def test_a_run_stopped_early_continues_with_the_next_generation():
    # a stop on fitness_threshold (or callback) leaves the last generation
    # recorded, not bred: continuing it evaluated and recorded it again
    stopped = evolve(xor_fitness, 2, 1, n_generations=5, config=NEATConfig(pop_size=10),
                     random_state=0, fitness_threshold=-1e9)
    assert stopped.solved and stopped.history["generation"] == [0]
    resumed = evolve(xor_fitness, n_generations=2, population=stopped.population)
    assert resumed.history["generation"] == [0, 1, 2]
    assert resumed.n_evaluations == 30  # 10 genomes in each of 3 generations
    for bad in (0, -1, 2.5):  # 0 ended in an AttributeError on best_genome
        with pytest.raises(ValueError, match="n_generations must be an integer >= 1"):
            evolve(xor_fitness, 2, 1, n_generations=bad)


def test_bad_fitness_values_get_clear_errors():
    population = NEATPopulation(2, 1, NEATConfig(pop_size=10), random_state=0)
    with pytest.raises(ValueError, match="one value per genome"):
        population.tell(np.zeros(3))
    with pytest.raises(ValueError, match="NaN or infinite"):
        population.tell(np.full(10, np.nan))
    with pytest.raises(ValueError, match="n_inputs and n_outputs"):
        evolve(xor_fitness)


def test_config_validation_and_neat_python_files(tmp_path):
    with pytest.raises(ValueError, match="Unknown activation"):
        NEATConfig(activation_options=("sigmoid", "swish"))
    with pytest.raises(ValueError, match="conn_add_prob"):
        NEATConfig(conn_add_prob=1.5)
    with pytest.raises(ValueError, match="weight_min_value"):
        NEATConfig(weight_min_value=3.0, weight_max_value=1.0)
    path = tmp_path / "config"
    path.write_text("[NEAT]\npop_size = 12\n[DefaultGenome]\nnode_add_prob = 0.05\n"
                    "feed_forward = False\n[DefaultReproduction]\nelitism = 1\n")
    config, extra = NEATConfig.from_neat_python(str(path))
    assert (config.pop_size, config.node_add_prob, config.feed_forward, config.elitism) == (
        12, 0.05, False, 1)
    assert extra == {}
    partial, _ = NEATConfig.from_neat_python(
        "[NEAT]\npop_size = 20\n[DefaultGenome]\nnum_hidden = 2\n"
        "initial_connection = partial_direct 0.5\n")
    assert (partial.initial_connection, partial.connection_fraction) == ("partial_direct", 0.5)
    population = NEATPopulation(4, 2, partial, random_state=0)
    # 4x2 + 2x2 + 4x2 candidate connections, half of them in every genome
    assert (population.table.conn_on.sum(axis=1) == 10).all()
    assert len({tuple(row) for row in population.table.conn_on.tolist()}) > 1
    with pytest.raises(ValueError, match="Gaussian"):
        NEATConfig.from_neat_python("[DefaultGenome]\nweight_init_type = uniform\n")
    with pytest.raises(ValueError, match="only 'sum'"):
        NEATConfig.from_neat_python("[DefaultGenome]\naggregation_options = product\n")
    with pytest.raises(ValueError, match="Unsupported"):
        NEATConfig.from_neat_python("[DefaultGenome]\nmystery_key = 1\n")
    # a mean or min criterion was skipped: evolve stopped on the best genome
    with pytest.raises(ValueError, match="fitness_criterion = 'mean': only 'max'"):
        NEATConfig.from_neat_python("[NEAT]\nfitness_criterion = mean\n")
    assert NEATConfig.from_neat_python("[NEAT]\nfitness_criterion = max\n")[1] == {}
    # optional fields (str | None, int | None) were read as ints
    optional, _ = NEATConfig.from_neat_python(
        "[DefaultGenome]\noutput_activation = identity\nmax_nodes = None\n")
    assert (optional.output_activation, optional.max_nodes) == ("identity", None)


def test_max_nodes_output_activation_and_dynamic_threshold():
    config = NEATConfig(pop_size=40, node_add_prob=0.9, max_nodes=3, output_activation="identity",
                        activation_options=("sigmoid", "tanh"), activation_mutate_rate=0.5,
                        target_n_species=8, threshold_step=0.5)
    result = evolve(xor_fitness, 2, 1, 12, config=config, random_state=0)
    population = result.population
    sizes = [population.genome(i).n_nodes for i in range(population.size)]
    assert max(sizes) <= 3
    assert all(population.genome(i).activation[0] == "identity" for i in range(population.size))
    thresholds = result.history["threshold"]
    assert min(thresholds) < 3.0  # few species: the threshold fell


def test_extinction_warns_or_restarts():
    config = NEATConfig(pop_size=20, max_stagnation=1, species_elitism=0)
    population = NEATPopulation(2, 1, config, random_state=0)
    population.tell(np.ones(20))
    with pytest.warns(RuntimeWarning, match="extinction"):
        population.tell(np.ones(20))
    assert population.extinct
    # continuing it evaluated and recorded its last generation again
    with pytest.raises(ValueError, match="went extinct"):
        evolve(xor_fitness, n_generations=2, population=population)
    restart = NEATPopulation(2, 1, config.replace(reset_on_extinction=True), random_state=0)
    restart.tell(np.ones(20))
    restart.tell(np.ones(20))
    assert not restart.extinct and restart.size == 20 and restart.generation == 2


def test_progress_bar_and_callback_stop():
    seen = []

    def stop_after_three(population):
        seen.append(population.generation)
        return len(seen) == 3

    result = evolve(xor_fitness, 2, 1, 20, config=NEATConfig(pop_size=20), random_state=0,
                    progress=True, callback=stop_after_three)
    assert result.generations == 3 and seen == [0, 1, 2]
    assert not result.solved


def test_random_default_activation_draws_from_the_options():
    config = NEATConfig(pop_size=40, activation_default="random", node_add_prob=0.8,
                        activation_options=("sin", "gauss", "tanh"))
    population = evolve(xor_fitness, 2, 1, 8, config=config, random_state=0).population
    used = {a for i in range(population.size) for a in population.genome(i).activation}
    assert used == {"sin", "gauss", "tanh"}
    np.testing.assert_array_equal(population.n_connections(),
                                  [population.genome(i).n_connections for i in range(population.size)])


def test_genomes_compare_by_value():
    # Genome holds arrays; the dataclass __eq__ would call bool() on their
    # element-wise comparison (an error for distinct arrays, and on Python
    # 3.13 for the same ones too)
    population = _grown_population(generations=5)[0]
    genome = population.genome(0)
    assert genome == genome
    copy = pickle.loads(pickle.dumps(genome))
    assert copy == genome and copy is not genome
    copy.weight = copy.weight + 1.0
    assert copy != genome
    other = population.genome(1)
    assert (other == genome) == (
        other.conn_keys.shape == genome.conn_keys.shape
        and all(np.array_equal(getattr(other, f), getattr(genome, f))
                for f in ("node_keys", "conn_keys", "weight", "bias", "enabled"))
        and other.key == genome.key
    )
    assert genome != "a genome"


def test_gene_registry_finds_connections_by_end_points_at_any_width():
    """Connection lookups agree with a plain dict across hash-table growth and
    compaction, and cost memory in proportion to the connections: a dense
    (node x node) index took 8 n_nodes^2 bytes (0.5 GB at 4,000 inputs)."""
    import tracemalloc

    from skdeep.neuroevolution._genome import GeneRegistry

    rng = np.random.default_rng(0)
    tracemalloc.start()
    registry = GeneRegistry(3000, 2)
    registry.add_nodes(40)
    src = rng.integers(0, registry.n_nodes, 5000)
    dst = rng.integers(3000, registry.n_nodes, 5000)
    cols = registry.conns(src, dst)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20e6
    expected = {}
    for s, d in zip(src.tolist(), dst.tolist()):
        expected.setdefault((s, d), len(expected))
    assert cols.tolist() == [expected[s, d] for s, d in zip(src.tolist(), dst.tolist())]
    assert registry.n_conns == len(expected)
    assert registry.conn_innovation.tolist() == list(range(len(expected)))
    assert registry.conn(int(src[7]), int(dst[7])) == cols[7]  # found, not created
    # Dropping every other connection renumbers the rest in order.
    alive = np.arange(registry.n_conns) % 2 == 0
    kept_src = registry.conn_src[alive].copy()
    kept_dst = registry.conn_dst[alive].copy()
    registry.keep(np.ones(registry.n_nodes, dtype=bool), alive)
    assert registry.conns(kept_src, kept_dst).tolist() == list(range(len(kept_src)))
    assert registry.n_conns == len(kept_src)


def test_neat_estimators_fit_and_predict_many_features_in_small_memory():
    """Thousands of inputs: fit and predict stay light (they used to build a
    dense node x node table per fit and per predict call)."""
    import tracemalloc

    from skdeep.neuroevolution import NEATClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3000))
    y = (X[:, 0] > 0).astype(int)
    tracemalloc.start()
    model = NEATClassifier(pop_size=10, n_generations=2, random_state=0).fit(X, y)
    _, fit_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    model.predict(X[:5])
    _, predict_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert fit_peak < 60e6 and predict_peak < 10e6  # dense: 288 MB each


def test_structural_mutation_surer_is_neat_pythons():
    # read as "default" and ignored: with single_structural_mutation (which
    # "default" follows), adding a connection the genome has disabled enables
    # it, and adding a node to a genome without connections adds one
    from skdeep.neuroevolution._genome import GeneRegistry, Operators

    base = dict(conn_add_prob=1.0, conn_delete_prob=0.0, node_add_prob=0.0,
                node_delete_prob=0.0, enabled_mutate_rate=0.0)
    for surer, single, expected in (("default", True, 1.0), ("default", False, 0.0),
                                    ("true", False, 1.0), ("false", True, 0.0)):
        config = NEATConfig(single_structural_mutation=single,
                            structural_mutation_surer=surer, **base)
        ops = Operators(config, GeneRegistry(1, 1), np.random.default_rng(0))
        table = ops.initial_population(50)
        table.enabled[:, 0] = False  # the only connection, -1 -> 0
        ops.mutate(table)
        assert table.enabled[:, 0].mean() == expected, (surer, single)
    config = NEATConfig(structural_mutation_surer="true",
                        initial_connection="unconnected",
                        **{**base, "conn_add_prob": 0.0, "node_add_prob": 1.0})
    ops = Operators(config, GeneRegistry(1, 1), np.random.default_rng(0))
    table = ops.initial_population(20)
    ops.mutate(table)
    assert table.conn_on.any(axis=1).all()  # a connection, not nothing
    with pytest.raises(ValueError, match="structural_mutation_surer must be"):
        NEATConfig(structural_mutation_surer="sometimes")


def test_neat_python_files_read_partial_seed_and_refuse_unsupported_rates():
    config, extra = NEATConfig.from_neat_python(
        "[NEAT]\nseed = 42\n[DefaultGenome]\ninitial_connection = partial 0.5\n"
        "structural_mutation_surer = yes\nenabled_rate_to_true_add = 0.0\n")
    assert config.initial_connection == "partial" and config.connection_fraction == 0.5
    assert config.structural_mutation_surer == "true" and extra == {"seed": 42}
    population = NEATPopulation(3, 1, config.replace(pop_size=20), random_state=0)
    assert population.table.conn_on[:, :3].sum(axis=1).tolist() == [2] * 20  # half of 3
    with pytest.raises(ValueError, match="enabled_rate_to_false_add = '0.1'"):
        NEATConfig.from_neat_python(
            "[DefaultGenome]\nenabled_rate_to_false_add = 0.1\n")
    with pytest.raises(ValueError, match="Unknown activation ''"):  # (a KeyError later)
        NEATConfig(output_activation="")


def test_continuing_a_run_that_goes_extinct_evaluates_nothing_more():
    # the pending generation was bred into extinction, then evaluated and
    # recorded a second time
    def constant(phenotypes):
        return np.zeros(phenotypes.n_genomes)

    config = NEATConfig(pop_size=20, species_elitism=0, max_stagnation=1)
    with pytest.warns(RuntimeWarning, match="complete extinction"):
        stopped = evolve(constant, 2, 1, 10, config=config, random_state=0,
                         callback=lambda p: p.generation == 1)
        resumed = evolve(constant, n_generations=5, population=stopped.population)
    assert resumed.history["generation"] == [0, 1] and resumed.n_evaluations == 40
    assert resumed.generations == 0


def test_generations_keep_pop_size_with_many_small_species():
    # with more species than pop_size holds at min_species_size each, every
    # species got its minimum all the same: 12, 20, 32, 46 ... genomes
    sizes = []
    config = NEATConfig(pop_size=12, compatibility_threshold=0.3)
    result = evolve(xor_fitness, 2, 1, n_generations=6, config=config,
                    random_state=0,
                    callback=lambda p: sizes.append(p.size) and False)
    assert sizes == [12] * 6 and result.n_evaluations == 72


def test_a_species_minimum_above_pop_size_is_refused():
    # a species keeps max(elitism, min_species_size) genomes: above pop_size,
    # generations grew past it (10, 15, 15, ...) without a word
    for changes in (dict(elitism=15), dict(min_species_size=12)):
        with pytest.raises(ValueError, match="must not exceed pop_size"):
            NEATConfig(pop_size=10, **changes)
        with pytest.raises(ValueError, match="must not exceed pop_size"):
            NEATConfig(pop_size=20, **changes).replace(pop_size=10)
    sizes = []
    evolve(xor_fitness, 2, 1, n_generations=3, random_state=0,
           config=NEATConfig(pop_size=10, elitism=10, min_species_size=10),
           callback=lambda p: sizes.append(p.size) and False)
    assert sizes == [10] * 3


def test_a_genome_joins_no_species_founded_after_it():
    # neat-python offers each genome the species that exist when its turn
    # comes; the bulk assignment let a later founder take an earlier genome
    from skdeep.neuroevolution._genome import GenomeTable

    config = NEATConfig(pop_size=3, compatibility_threshold=1.0, bias_init_stdev=0.0)
    population = NEATPopulation(1, 1, config, random_state=0)
    population.table.weight[:, 0] = [0.0, 1.5, 2.0]  # distances 0.75, 1.0, 0.25
    population.species, population.representatives = {}, GenomeTable(0, 0, 0)
    population._speciate()
    assert sorted(s.members.tolist() for s in population.species.values()) == [
        [0, 1], [2]]


def test_every_plot_says_how_to_install_matplotlib(monkeypatch):
    # plot_history, plot_weights and plot_substrate raised a bare
    # ModuleNotFoundError (plot_genome said what to install)
    import sys

    from skdeep.neuroevolution import Substrate, plot_history, plot_substrate

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    history = {"generation": [0, 1], "best_fitness": [0.0, 1.0],
               "mean_fitness": [0.0, 0.5], "n_species": [1, 1]}
    for call in (lambda: plot_history(history),
                 lambda: plot_substrate(Substrate.from_shapes((2, 2), (1,)))):
        with pytest.raises(ImportError, match=r"pip install 'skdeep\[plot\]'"):
            call()


def test_activation_options_given_as_a_set_come_in_a_fixed_order():
    # mutations draw an option by position, and a set's order follows the
    # hash seed: the same random_state evolved other networks per process
    options = {"tanh", "sin", "gauss", "relu", "abs", "identity"}
    assert NEATConfig(activation_options=options).activation_options == tuple(
        sorted(options)
    )


def _plot_genome(conn_keys, weight, enabled):
    from skdeep.neuroevolution._evolve import Genome

    return Genome(n_inputs=2, n_outputs=2, feed_forward=False,
                  node_keys=np.array([0, 1, 2]), bias=np.zeros(3),
                  response=np.ones(3), activation=("sigmoid",) * 3,
                  conn_keys=np.array(conn_keys), weight=np.array(weight, float),
                  enabled=np.array(enabled), innovation=np.arange(len(weight)))


def test_plot_genome_draws_what_it_says():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skdeep.neuroevolution import plot_genome

    keys = [[-1, 2], [2, 0], [-2, 1], [2, 2], [-1, 1]]
    genome = _plot_genome(keys, [1.0, -1.0, 0.5, 1.0, 10.0],
                          [True, True, True, True, False])
    ax = plot_genome(genome)
    arrows = [t.arrow_patch for t in ax.texts if t.arrow_patch is not None]
    assert len(arrows) == 4  # the disabled gene is not drawn
    # widths relative to the drawn connections (the hidden gene of weight
    # 10 thinned them all), the self-loop 2 -> 2 drawn (a zero-length arc
    # drew nothing)
    assert max(a.get_linewidth() for a in arrows) == 3.0
    ax.figure.canvas.draw()  # (arrow paths in pixels)
    loop = arrows[3].get_path().get_extents()
    assert loop.width > 5 and loop.height > 5
    # inputs top-down by index, as the outputs (x0 was at the bottom)
    labels = {t.get_text(): t.xy[1] for t in ax.texts if t.arrow_patch is None}
    assert labels["x0"] > labels["x1"] and labels["y0"] > labels["y1"]
    before = plt.get_fignums()
    with pytest.raises(ValueError, match="input_names has 1 names; the genome "
                       "has 2 inputs"):  # (an IndexError, a figure left open)
        plot_genome(genome, input_names=["a"])
    assert plt.get_fignums() == before
    plt.close("all")


def test_plot_history_draws_into_the_species_axes_given():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skdeep.neuroevolution import plot_history

    history = {"generation": [0, 1, 2], "best_fitness": [1.0, 2.0, 3.0],
               "mean_fitness": [0.5, 1.0, 1.5],
               "species_sizes": [{1: 5}, {1: 3, 2: 2}, {2: 5}]}
    _, species = plt.subplots()
    fitness_ax, species_ax = plot_history(history, species_ax=species)
    # (it was replaced by a new figure's axes, and left empty)
    assert species_ax is species and species.collections
    assert fitness_ax.figure is not species.figure
    plt.close("all")
