"""NEAT's generational loop: evaluate, speciate, reproduce; and its results."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import pickle
import warnings
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from skdeep.neuroevolution._activations import ACTIVATION_CODES, ACTIVATION_NAMES
from skdeep.neuroevolution._config import NEATConfig
from skdeep.neuroevolution._genome import (
    GeneRegistry,
    GenomeTable,
    Operators,
    genetic_distance,
)
from skdeep.neuroevolution._network import compile_population
from skdeep.utils._dataclasses import array_fields_eq
from skdeep.utils._sklearn import external_stacklevel


def _rng(random_state):
    """A numpy Generator from an int, None, a RandomState or a Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)


@dataclass
class Genome:
    """One evolved network: its node and connection genes.

    Node keys follow neat-python: inputs ``-1 .. -n_inputs``, outputs
    ``0 .. n_outputs - 1``, hidden nodes from ``n_outputs`` up. Plain arrays,
    so a genome pickles, prints and compares like data. Genomes are made by
    :meth:`NEATPopulation.genome`; the parameters below are also the
    genome's attributes.

    Parameters
    ----------
    n_inputs, n_outputs : int
        Network inputs and outputs.
    feed_forward : bool
        Whether the network is acyclic (the ``feed_forward`` of its run).
    node_keys : ndarray of int of shape (n_nodes,)
        Output and hidden node keys (inputs carry no genes).
    bias, response : ndarray of float of shape (n_nodes,)
        Per node in ``node_keys``.
    activation : tuple of str
        Per node in ``node_keys``: names of :data:`ACTIVATIONS`.
    conn_keys : ndarray of shape (n_genes, 2)
        (input key, output key) of every connection gene, enabled or not.
    weight : ndarray of float of shape (n_genes,)
        Per connection gene.
    enabled : ndarray of bool of shape (n_genes,)
        Whether each connection gene is expressed.
    innovation : ndarray of int of shape (n_genes,)
        Each connection gene's innovation number.
    fitness : float or None, default=None
        The fitness it was given; None before evaluation.
    key : int, default=0
        The genome's id in its run.

    Examples
    --------
    >>> from skdeep.neuroevolution import NEATConfig, NEATPopulation
    >>> population = NEATPopulation(2, 1, NEATConfig(pop_size=10), random_state=0)
    >>> genome = population.genome(0)  # a starting genome: inputs to output
    >>> genome.n_inputs, genome.n_outputs, genome.node_keys.tolist()
    (2, 1, [0])
    >>> genome.conn_keys.tolist()
    [[-1, 0], [-2, 0]]
    >>> genome.activate([[0.0, 1.0], [1.0, 1.0]]).shape
    (2, 1)
    """

    n_inputs: int
    n_outputs: int
    feed_forward: bool
    node_keys: np.ndarray
    bias: np.ndarray
    response: np.ndarray
    activation: tuple
    conn_keys: np.ndarray
    weight: np.ndarray
    enabled: np.ndarray
    innovation: np.ndarray
    fitness: float | None = None
    key: int = 0

    __eq__ = array_fields_eq

    @property
    def n_nodes(self):
        """Output and hidden nodes."""
        return len(self.node_keys)

    @property
    def n_connections(self):
        """Enabled connections."""
        return int(self.enabled.sum())

    def phenotype(self):
        """This genome's network, as one-genome :class:`Phenotypes`.

        Returns
        -------
        phenotypes : Phenotypes
            With ``n_genomes == 1``.
        """
        return compile_genomes([self])

    def activate(self, X):
        """Outputs of this genome's network for samples ``X`` (feed-forward genomes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
            The input samples.

        Returns
        -------
        outputs : ndarray of shape (n_samples, n_outputs)
        """
        return self.phenotype().activate(np.asarray(X, dtype=float))[0]


def compile_genomes(genomes):
    """Compile :class:`Genome` records together into one :class:`Phenotypes`.

    For networks that are not one population's, e.g. the best genomes of
    several runs or CPPNs to render side by side. All genomes must have the
    same inputs, outputs and ``feed_forward``.

    Parameters
    ----------
    genomes : iterable of Genome
        At least one genome.

    Returns
    -------
    phenotypes : Phenotypes
        Network ``i`` is ``genomes[i]``.

    Examples
    --------
    >>> from skdeep.neuroevolution import NEATConfig, NEATPopulation, compile_genomes
    >>> population = NEATPopulation(2, 1, NEATConfig(pop_size=10), random_state=0)
    >>> networks = compile_genomes([population.genome(0), population.genome(3)])
    >>> networks.activate([[0.0, 1.0]]).shape
    (2, 1, 1)
    """
    genomes = list(genomes)
    if not genomes:
        raise ValueError("compile_genomes needs at least one genome.")
    first = genomes[0]
    shape = (first.n_inputs, first.n_outputs, first.feed_forward)
    if any((g.n_inputs, g.n_outputs, g.feed_forward) != shape for g in genomes):
        raise ValueError("All genomes must have the same n_inputs, n_outputs and feed_forward.")
    registry = GeneRegistry(first.n_inputs, first.n_outputs)
    hidden = np.unique(np.concatenate([g.node_keys[g.node_keys >= g.n_outputs] for g in genomes]))
    registry.add_nodes(len(hidden), keys=hidden)
    keys = registry.node_key
    table = GenomeTable(len(genomes), registry.n_nodes, 0)
    conns = []
    for row, g in enumerate(genomes):
        cols = np.searchsorted(np.sort(keys), g.node_keys)
        cols = np.argsort(keys)[cols]
        table.node_on[row, cols] = True
        table.bias[row, cols] = g.bias
        table.response[row, cols] = g.response
        table.activation[row, cols] = [ACTIVATION_CODES[a] for a in g.activation]
        if len(g.conn_keys):
            ends = np.argsort(keys)[np.searchsorted(np.sort(keys), g.conn_keys)]
            conns.append((row, registry.conns(ends[:, 0], ends[:, 1]), g))
    table.resize(registry.n_nodes, registry.n_conns)
    for row, cols, g in conns:
        table.conn_on[row, cols] = True
        table.enabled[row, cols] = g.enabled
        table.weight[row, cols] = g.weight
    return compile_population(table, np.arange(len(genomes)), registry, first.feed_forward)


@dataclass
class Species:
    """A species: its members (rows of the current population) and its record."""

    key: int
    created: int
    last_improved: int
    members: np.ndarray
    rep: int = -1
    fitness: float | None = None
    adjusted_fitness: float | None = None
    fitness_history: list = field(default_factory=list)

    __eq__ = array_fields_eq


_SPECIES_FITNESS = {"max": np.max, "min": np.min, "mean": np.mean, "median": np.median}


class NEATPopulation:
    """A NEAT population, advanced one generation at a time.

    :func:`evolve` drives it; use it directly to interleave evolution with
    your own code (``phenotypes()`` -> your evaluation -> ``tell(fitness)``),
    or to continue a run from a checkpoint (:meth:`save` / :meth:`load`).

    Parameters
    ----------
    n_inputs, n_outputs : int
        Network inputs and outputs.
    config : NEATConfig, default=None
        The parameters; None uses ``NEATConfig()``.
    random_state : int, Generator, RandomState or None
        Seeds the run: the same seed and the same (deterministic) fitness
        give the same evolution.

    Attributes
    ----------
    generation : int
    species : dict of int to Species
    best_genome : Genome or None
        The fittest genome evaluated so far.
    history : dict of lists
        Per evaluated generation: ``generation``, ``best_fitness``,
        ``mean_fitness``, ``n_species``, ``species_sizes`` (a dict species key ->
        members), ``threshold``,
        ``n_evaluations`` (cumulative) and the best genome's ``n_nodes`` and
        ``n_connections``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution import NEATConfig, NEATPopulation, xor_data
    >>> X, y = xor_data()
    >>> population = NEATPopulation(2, 1, NEATConfig(pop_size=30), random_state=0)
    >>> outputs = population.phenotypes().activate(X)   # (30, 4, 1)
    >>> population.tell(4.0 - ((outputs[..., 0] - y) ** 2).sum(axis=1))
    >>> population.generation
    1
    """

    def __init__(self, n_inputs, n_outputs, config=None, random_state=None):
        self.config = NEATConfig() if config is None else config
        self.config.validate()
        if int(n_inputs) < 1 or int(n_outputs) < 1:
            raise ValueError(f"Need at least one input and one output, got {n_inputs} and {n_outputs}.")
        self.n_inputs, self.n_outputs = int(n_inputs), int(n_outputs)
        self.rng = _rng(random_state)
        self.registry = GeneRegistry(self.n_inputs, self.n_outputs)
        self.operators = Operators(self.config, self.registry, self.rng)
        self.generation = 0
        self.n_evaluations = 0
        self.threshold = float(self.config.compatibility_threshold)
        self.best_genome = None
        self.extinct = False
        self.history = {name: [] for name in (
            "generation", "best_fitness", "mean_fitness", "n_species", "species_sizes",
            "threshold", "n_evaluations", "n_nodes", "n_connections")}
        self._next_species = 0
        self._new_population()

    # -- setup ----------------------------------------------------------------------
    def _new_population(self):
        size = self.config.pop_size
        self.table = self.operators.initial_population(size)
        self.genome_ids = np.arange(size)
        self._next_genome = getattr(self, "_next_genome", 0) + size
        if self._next_genome > size:
            self.genome_ids = self.genome_ids + self._next_genome - size
        self.species = {}
        self.representatives = GenomeTable(0, self.registry.n_nodes, self.registry.n_conns)
        self.fitness = None
        self._speciate()

    @property
    def size(self):
        """Genomes in the current generation."""
        return len(self.table)

    # -- evaluation -----------------------------------------------------------------
    def phenotypes(self):
        """The current generation's networks, compiled together.

        Returns
        -------
        phenotypes : Phenotypes
            Network ``i`` is the genome in row ``i`` (:meth:`genome`).
        """
        return compile_population(self.table, np.arange(self.size), self.registry,
                                  self.config.feed_forward)

    def n_connections(self):
        """Enabled connections of every genome of the current generation.

        Returns
        -------
        n_connections : ndarray of int of shape (size,)
        """
        n = self.registry.n_conns
        return (self.table.conn_on[:, :n] & self.table.enabled[:, :n]).sum(axis=1)

    def genome(self, row):
        """Genome ``row`` of the current generation as a :class:`Genome`.

        Parameters
        ----------
        row : int
            Its row in the current generation, ``0 .. size - 1``.

        Returns
        -------
        genome : Genome
            A copy; its ``fitness`` is the recorded one, or None before
            :meth:`record`.
        """
        reg, table = self.registry, self.table
        nodes = np.flatnonzero(table.node_on[row, : reg.n_nodes])
        conns = np.flatnonzero(table.conn_on[row, : reg.n_conns])
        fitness = None if self.fitness is None else float(self.fitness[row])
        return Genome(
            n_inputs=self.n_inputs,
            n_outputs=self.n_outputs,
            feed_forward=self.config.feed_forward,
            node_keys=reg.node_key[nodes].copy(),
            bias=table.bias[row, nodes].copy(),
            response=table.response[row, nodes].copy(),
            activation=tuple(ACTIVATION_NAMES[a] for a in table.activation[row, nodes]),
            conn_keys=np.stack([reg.node_key[reg.conn_src[conns]],
                                reg.node_key[reg.conn_dst[conns]]], axis=1).reshape(-1, 2),
            weight=table.weight[row, conns].copy(),
            enabled=table.enabled[row, conns].copy(),
            innovation=reg.conn_innovation[conns].copy(),
            fitness=fitness,
            key=int(self.genome_ids[row]),
        )

    def record(self, fitness):
        """Store this generation's fitness (one value per genome) and its statistics.

        Parameters
        ----------
        fitness : array-like of shape (size,)
            The fitness of each genome, in row order (higher is better); finite.
        """
        fitness = np.asarray(fitness, dtype=float).reshape(-1)
        if fitness.shape != (self.size,):
            raise ValueError(
                f"The fitness function must return one value per genome ({self.size}), "
                f"got shape {np.shape(fitness)}."
            )
        if not np.isfinite(fitness).all():
            raise ValueError(
                "The fitness function returned NaN or infinite values for genomes "
                f"{np.flatnonzero(~np.isfinite(fitness))[:10].tolist()}; return finite numbers."
            )
        self.fitness = fitness
        self.n_evaluations += self.size
        best = int(np.argmax(fitness))
        if self.best_genome is None or fitness[best] > self.best_genome.fitness:
            self.best_genome = self.genome(best)
        h = self.history
        h["generation"].append(self.generation)
        h["best_fitness"].append(float(fitness[best]))
        h["mean_fitness"].append(float(fitness.mean()))
        h["n_species"].append(len(self.species))
        h["species_sizes"].append({key: len(self.species[key].members) for key in sorted(self.species)})
        h["threshold"].append(self.threshold)
        h["n_evaluations"].append(self.n_evaluations)
        h["n_nodes"].append(self.best_genome.n_nodes)
        h["n_connections"].append(self.best_genome.n_connections)

    def tell(self, fitness):
        """Record the fitness and breed the next generation.

        :meth:`record` then :meth:`advance`.

        Parameters
        ----------
        fitness : array-like of shape (size,)
            The fitness of each genome, in row order (higher is better); finite.
        """
        self.record(fitness)
        self.advance()

    # -- reproduction ---------------------------------------------------------------
    def _stagnation(self):
        """neat-python's DefaultStagnation: which species survive."""
        cfg = self.config
        func = _SPECIES_FITNESS[cfg.species_fitness_func]
        data = []
        for species in self.species.values():
            previous = max(species.fitness_history) if species.fitness_history else -math.inf
            species.fitness = float(func(self.fitness[species.members]))
            species.fitness_history.append(species.fitness)
            if species.fitness > previous:
                species.last_improved = self.generation
            data.append(species)
        data.sort(key=lambda s: s.fitness)
        survivors, n_alive = [], len(data)
        for index, species in enumerate(data):
            stagnant = False
            if n_alive > cfg.species_elitism:
                stagnant = self.generation - species.last_improved >= cfg.max_stagnation
            if len(data) - index <= cfg.species_elitism:
                stagnant = False
            if stagnant:
                n_alive -= 1
            else:
                survivors.append(species)
        return survivors

    @staticmethod
    def _spawn_amounts(adjusted, previous_sizes, pop_size, min_size):
        """Offspring per species: neat-python's compute_spawn, then made exact."""
        total = sum(adjusted)
        spawn = []
        for af, size in zip(adjusted, previous_sizes):
            target = max(min_size, af / total * pop_size) if total > 0 else min_size
            d = (target - size) * 0.5
            c = int(round(d))
            amount = size + c if abs(c) > 0 else size + (1 if d > 0 else -1 if d < 0 else 0)
            spawn.append(amount)
        norm = pop_size / sum(spawn)
        spawn = [max(min_size, int(round(n * norm))) for n in spawn]
        # Give or take the difference so the generation has exactly pop_size
        # genomes: small species gain first, large ones lose first.
        diff = pop_size - sum(spawn)
        order = sorted(range(len(spawn)), key=lambda i: spawn[i], reverse=diff < 0)
        i = 0
        while diff != 0 and order:
            j = order[i % len(order)]
            if diff > 0:
                spawn[j] += 1
                diff -= 1
            elif spawn[j] > min_size:
                spawn[j] -= 1
                diff += 1
            i += 1
            if diff < 0 and i % len(order) == 0 and all(spawn[k] <= min_size for k in order):
                break
        return spawn

    def advance(self):
        """Breed the next generation from the recorded fitness, then speciate it."""
        if self.fitness is None:
            raise ValueError("Call record(fitness) before advance().")
        cfg, rng = self.config, self.rng
        self.registry.new_generation()
        survivors = self._stagnation()
        if not survivors:
            if not cfg.reset_on_extinction:
                self.extinct = True
                warnings.warn(
                    "Every species stagnated at once (complete extinction); set "
                    "reset_on_extinction=True to start a fresh population instead.",
                    RuntimeWarning, stacklevel=external_stacklevel(),
                )
                return
            self.generation += 1
            self._new_population()
            return
        fitness = self.fitness
        pooled = np.concatenate([fitness[s.members] for s in survivors])
        low, high = pooled.min(), pooled.max()
        spread = max(1.0, high - low)
        adjusted = [(fitness[s.members].mean() - low) / spread for s in survivors]
        for species, af in zip(survivors, adjusted):
            species.adjusted_fitness = float(af)
        min_size = max(cfg.min_species_size, cfg.elitism)
        most = max(1, cfg.pop_size // min_size)
        if len(survivors) > most:
            # more species than pop_size holds at min_size each: the weakest
            # make no offspring, as stagnant ones (each got min_size all the
            # same, and the generation grew past pop_size: 12, 20, 32, ...)
            survivors = survivors[-most:]  # (in increasing species fitness)
            adjusted = adjusted[-most:]
        spawn = self._spawn_amounts(adjusted, [len(s.members) for s in survivors],
                                    cfg.pop_size, min_size)
        elites, first, second = [], [], []
        for amount, species in zip(spawn, survivors):
            amount = max(amount, cfg.elitism)
            members = species.members
            # Best first; ties go to the younger genome, as in neat-python.
            order = np.lexsort((-self.genome_ids[members], -fitness[members]))
            members = members[order]
            kept = members[: cfg.elitism]
            elites.extend(kept.tolist())
            amount -= len(kept)
            if amount <= 0:
                continue
            cutoff = max(int(math.ceil(cfg.survival_threshold * len(members))), 2)
            pool = members[:cutoff]
            first.append(rng.choice(pool, amount))
            second.append(rng.choice(pool, amount))
        first = np.concatenate(first) if first else np.zeros(0, dtype=np.int64)
        second = np.concatenate(second) if second else np.zeros(0, dtype=np.int64)
        # The fitter parent passes on its genes; on a tie, the second one does
        # (neat-python's configure_crossover).
        swap = ~(fitness[first] > fitness[second])
        fitter = np.where(swap, second, first)
        other = np.where(swap, first, second)
        elites = np.asarray(elites, dtype=np.int64)
        self.table = self.operators.breed(self.table, elites, fitter, other)
        self.operators.mutate(self.table, start=len(elites))
        new_ids = np.arange(self._next_genome, self._next_genome + len(fitter))
        self._next_genome += len(fitter)
        self.genome_ids = np.concatenate([self.genome_ids[elites], new_ids])
        # Old species pick their new representatives in key order (neat-python's).
        self.species = {s.key: s for s in sorted(survivors, key=lambda s: s.key)}
        self.fitness = None
        self.generation += 1
        self._speciate()
        self._compact()

    # -- speciation -----------------------------------------------------------------
    def _speciate(self):
        """neat-python's DefaultSpeciesSet.speciate, with distances in bulk."""
        cfg = self.config
        size = self.size
        reps = self.representatives
        width = (self.registry.n_nodes, self.registry.n_conns)
        reps.resize(*width)
        self.table.resize(*width)
        unassigned = np.ones(size, dtype=bool)
        rep_rows, keys = [], []
        # Each existing species takes the closest remaining genome to its
        # old representative as its new one.
        old = list(self.species.values())
        if old:
            distance = genetic_distance(self.table, reps, [s.rep for s in old], cfg)
            for index, species in enumerate(old):
                if not unassigned.any():
                    break
                d = np.where(unassigned, distance[:, index], np.inf)
                row = int(np.argmin(d))
                unassigned[row] = False
                rep_rows.append(row)
                keys.append(species.key)
        to_rep = genetic_distance(self.table, self.table, rep_rows, cfg)
        n_old = len(rep_rows)
        # Genomes with no representative within the threshold found species,
        # in order; each new representative's distances join the table.
        while True:
            close = (to_rep < self.threshold).any(axis=1) if to_rep.shape[1] else np.zeros(size, bool)
            founders = np.flatnonzero(unassigned & ~close)
            if not len(founders):
                break
            row = int(founders[0])
            unassigned[row] = False
            rep_rows.append(row)
            keys.append(self._next_species)
            self._next_species += 1
            column = genetic_distance(self.table, self.table, [row], cfg)
            to_rep = np.concatenate([to_rep, column], axis=1)
        # A genome joins the closest species among the old ones and those
        # founded by a genome before it, as neat-python goes through them in
        # order (a later founder took genomes an earlier species held).
        founded_later = np.arange(size)[:, None] < np.asarray(rep_rows[n_old:])
        to_rep[:, n_old:] = np.where(founded_later, np.inf, to_rep[:, n_old:])
        to_rep = np.where(to_rep < self.threshold, to_rep, np.inf)
        assignment = np.argmin(to_rep, axis=1)
        assignment[rep_rows] = np.arange(len(rep_rows))
        species = {}
        for index, key in enumerate(keys):
            members = np.flatnonzero(assignment == index)
            current = self.species.get(key)
            if current is None:
                current = Species(key=key, created=self.generation,
                                  last_improved=self.generation, members=members)
            current.members = members
            current.rep = index
            species[key] = current
        self.species = species
        self.representatives = self.table.take(np.asarray(rep_rows, dtype=np.int64))
        if cfg.target_n_species is not None:
            if len(species) > cfg.target_n_species:
                self.threshold += cfg.threshold_step
            elif len(species) < cfg.target_n_species:
                self.threshold = max(cfg.threshold_step, self.threshold - cfg.threshold_step)

    def _compact(self):
        """Drop gene columns that no genome or representative carries any more."""
        reg = self.registry
        tables = (self.table, self.representatives)
        conn_alive = np.zeros(reg.n_conns, dtype=bool)
        node_alive = np.zeros(reg.n_nodes, dtype=bool)
        for t in tables:
            conn_alive |= t.conn_on[:, : reg.n_conns].any(axis=0)
            node_alive |= t.node_on[:, : reg.n_nodes].any(axis=0)
        node_alive[: reg.n_inputs + reg.n_outputs] = True
        # A dead node under a living connection cannot happen; keep both anyway.
        node_alive[reg.conn_src[conn_alive]] = True
        node_alive[reg.conn_dst[conn_alive]] = True
        # Remapping costs a pass over every array: wait until many are dead.
        dead_conns = len(conn_alive) - int(conn_alive.sum())
        dead_nodes = len(node_alive) - int(node_alive.sum())
        if dead_conns < max(32, len(conn_alive) // 2) and dead_nodes < max(16, len(node_alive) // 2):
            return
        for t in tables:
            t.keep(node_alive, conn_alive)
        reg.keep(node_alive, conn_alive)

    # -- persistence ----------------------------------------------------------------
    def save(self, path):
        """Pickle the whole run (population, species, random state) to ``path``.

        Parameters
        ----------
        path : str or path-like
            The file to write (replaced if it exists, once the whole run is
            written: a save that fails midway leaves it as it was).
        """
        from skdeep.io import _replaced_atomically

        with _replaced_atomically(path) as handle:
            pickle.dump(self, handle, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def load(path):
        """A population saved by :meth:`save`.

        Continue it with ``evolve(..., population=)``. Only load files you
        trust: this unpickles them.

        Parameters
        ----------
        path : str or path-like
            The file :meth:`save` wrote.

        Returns
        -------
        population : NEATPopulation
        """
        with open(path, "rb") as handle:
            population = pickle.load(handle)
        if not isinstance(population, NEATPopulation):
            raise TypeError(f"{path} holds a {type(population).__name__}, not a NEATPopulation.")
        return population


@dataclass
class EvolutionResult:
    """What :func:`evolve` returns.

    The parameters below are also the result's attributes.

    Parameters
    ----------
    best_genome : Genome
        The fittest genome of the run.
    best_fitness : float
        Its fitness.
    solved : bool
        Whether ``fitness_threshold`` was reached.
    generations : int
        Generations evaluated by this call.
    n_evaluations : int
        Genomes evaluated by the population so far: ``generations`` x
        population size for a new run, earlier calls included for a
        continued ``population`` (as are ``history`` and ``best_genome``).
    history : dict of lists
        See :class:`NEATPopulation`.
    population : NEATPopulation
        The population, ready to continue.

    Examples
    --------
    >>> from skdeep.neuroevolution import NEATConfig, evolve, xor_fitness
    >>> result = evolve(xor_fitness, 2, 1, n_generations=3,
    ...                 config=NEATConfig(pop_size=20), random_state=0)
    >>> result.generations, result.n_evaluations
    (3, 60)
    >>> result.best_fitness == max(result.history["best_fitness"])
    True
    >>> result.population.generation  # evolve(..., population=) continues it
    3
    """

    best_genome: Genome
    best_fitness: float
    solved: bool
    generations: int
    n_evaluations: int
    history: dict
    population: NEATPopulation


def evolve(fitness, n_inputs=None, n_outputs=None, n_generations=100, *, config=None,
           fitness_threshold=None, random_state=None, population=None, progress=False,
           checkpoint_every=None, checkpoint_prefix="neat-checkpoint-", callback=None):
    """Evolve networks with NEAT for any fitness function.

    Each generation, the whole population is compiled into one array program
    (:class:`Phenotypes`) and handed to ``fitness``, which returns one number
    per genome (higher is better). Supervised tasks call
    ``phenotypes.activate(X)`` once; control tasks call ``reset``/``step`` in
    their simulation loop, for all genomes at once.

    Parameters
    ----------
    fitness : callable
        ``fitness(phenotypes) -> array of shape (n_genomes,)``.
    n_inputs, n_outputs : int
        Network inputs and outputs (not needed with ``population``).
    n_generations : int, default=100
        Generations to run at most.
    config : NEATConfig, default=None
    fitness_threshold : float, default=None
        Stop as soon as a genome reaches it.
    random_state : int, Generator, RandomState or None
        Seeds a new population's run; None: fresh entropy from the operating
        system (numpy's global generator is not read).
    population : NEATPopulation, default=None
        Continue this population (a checkpoint) instead of starting anew. It
        keeps its own config and random generator: pass neither ``config``
        nor ``random_state`` with it.
    progress : bool, default=False
        Show a progress bar with the best fitness and species count.
    checkpoint_every : int, default=None
        Save the population every that many generations, to
        ``f"{checkpoint_prefix}{generation}.pkl"``.
    checkpoint_prefix : str, default="neat-checkpoint-"
        Start of the checkpoint file names (may include a directory).
    callback : callable, default=None
        ``callback(population)`` after every evaluated generation; return
        True to stop.

    Returns
    -------
    EvolutionResult

    Examples
    --------
    >>> from skdeep.neuroevolution import NEATConfig, evolve, xor_fitness
    >>> result = evolve(xor_fitness, 2, 1, n_generations=5,
    ...                 config=NEATConfig(pop_size=50), random_state=0)
    >>> result.generations, len(result.history["best_fitness"])
    (5, 5)
    >>> result.best_genome.activate([[0, 1]]).shape
    (1, 1)
    """
    if population is None:
        if n_inputs is None or n_outputs is None:
            raise ValueError("Pass n_inputs and n_outputs, or a population to continue.")
        population = NEATPopulation(n_inputs, n_outputs, config, random_state)
    elif config is not None:
        raise ValueError("A continued population keeps its own config; do not pass config.")
    elif random_state is not None:  # (it was ignored: every seed gave the same run)
        raise ValueError(
            "A continued population keeps its own random generator, so that a "
            "checkpoint continues the same run; do not pass random_state."
        )
    if isinstance(n_generations, bool) or not isinstance(n_generations, Integral) \
            or n_generations < 1:
        raise ValueError(
            f"n_generations must be an integer >= 1; got {n_generations!r}."
        )
    if population.extinct:  # (its last generation was evaluated again)
        raise ValueError(
            "The population went extinct (every species stagnated); it cannot "
            "evolve further. Start a new one, or use reset_on_extinction=True "
            "in its config."
        )
    if population.fitness is not None:
        # A run stopped by fitness_threshold or callback left its last
        # generation evaluated and recorded, not bred: breed it first (it was
        # evaluated and recorded a second time).
        population.advance()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_generations, desc="NEAT")
    solved = False
    evaluated = 0
    try:
        # (breeding the pending generation may end in extinction, with its
        # warning: nothing more to evaluate, as when the loop breaks on it;
        # the extinct generation was evaluated and recorded a second time)
        for _ in range(0 if population.extinct else n_generations):
            scores = fitness(population.phenotypes())
            population.record(scores)
            evaluated += 1
            best = population.history["best_fitness"][-1]
            if bar is not None:
                bar.set_postfix(best=f"{best:.4g}", species=len(population.species))
                bar.update()
            if fitness_threshold is not None and population.best_genome.fitness >= fitness_threshold:
                solved = True
                break
            if callback is not None and callback(population):
                break
            population.advance()
            if population.extinct:
                break
            if checkpoint_every and population.generation % checkpoint_every == 0:
                population.save(f"{checkpoint_prefix}{population.generation}.pkl")
    finally:
        if bar is not None:
            bar.close()
    return EvolutionResult(
        best_genome=population.best_genome,
        best_fitness=float(population.best_genome.fitness),
        solved=solved,
        generations=evaluated,
        n_evaluations=population.n_evaluations,
        history=population.history,
        population=population,
    )
