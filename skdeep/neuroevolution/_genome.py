"""Genomes of a whole population as arrays over one shared gene space.

NEAT genomes are variable-length lists of node and connection genes, aligned
by innovation number. Here every gene that exists anywhere in the population
owns one column, and a population is a set of dense arrays with one row per
genome (``GenomeTable``): a presence mask plus the attributes. Alignment by
innovation number then costs nothing, and crossover, attribute mutation,
genetic distance and even the structural mutations run as array operations
over all offspring at once, not genome by genome. Columns no genome uses any
more are dropped now and then (``compact``), so the arrays stay as small as
the living gene pool.

Node columns: the inputs first (never genes: no attributes, never mutated),
then the outputs, then hidden nodes in order of creation. Connection columns
carry their end points as node columns (``GeneRegistry.conn_src/conn_dst``).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from skdeep.neuroevolution import _kernels
from skdeep.neuroevolution._activations import ACTIVATION_CODES


class GeneRegistry:
    """Every gene that exists: node keys, connection end points, innovations.

    Node keys follow neat-python: inputs are ``-1, -2, ...``, outputs
    ``0 .. n_outputs - 1`` and hidden nodes count up from ``n_outputs``.
    A connection is identified by its end points, and gets the next
    innovation number the first time it appears; a connection split by an
    add-node mutation yields, within one generation, the same new node for
    every genome that splits it (Stanley & Miikkulainen 2002, p. 108).
    Connection columns are found by their end points through a hash table
    (``_slot_code``/``_slot_col``, see :mod:`._kernels`), which costs memory
    in proportion to the connections, not to the square of the node count.
    """

    def __init__(self, n_inputs, n_outputs):
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        n = n_inputs + n_outputs
        self._node_key = np.zeros(max(64, 2 * n), dtype=np.int64)
        self._node_key[:n] = np.concatenate([-np.arange(1, n_inputs + 1), np.arange(n_outputs)])
        self._n_nodes = n
        self.next_node_key = n_outputs
        self._conns = np.zeros((3, 64), dtype=np.int64)  # src, dst, innovation
        self._n_conns = 0
        self.next_innovation = 0
        self._slot_code = np.full(128, -1, dtype=np.int64)
        self._slot_col = np.zeros(128, dtype=np.int64)
        self._split_node = np.full(64, -1, dtype=np.int64)

    @property
    def n_nodes(self):
        return self._n_nodes

    @property
    def n_conns(self):
        return self._n_conns

    @property
    def node_key(self):
        """Key of every node column."""
        return self._node_key[: self._n_nodes]

    @node_key.setter
    def node_key(self, keys):
        keys = np.asarray(keys, dtype=np.int64)
        extra = len(keys) - self._n_nodes
        if extra > 0:
            self.add_nodes(extra, keys=keys[self._n_nodes:])
        self._node_key[: len(keys)] = keys
        self._n_nodes = len(keys)

    @property
    def conn_src(self):
        """Source node column of every connection column."""
        return self._conns[0, : self._n_conns]

    @property
    def conn_dst(self):
        """Target node column of every connection column."""
        return self._conns[1, : self._n_conns]

    @property
    def conn_innovation(self):
        """Innovation number of every connection column."""
        return self._conns[2, : self._n_conns]

    @property
    def output_cols(self):
        return np.arange(self.n_inputs, self.n_inputs + self.n_outputs)

    def new_generation(self):
        """Forget this generation's splits (innovations are shared per generation)."""
        self._split_node[:] = -1

    def reserve(self, n_nodes, n_conns):
        """Make room for this many node and connection columns in all arrays."""
        if n_nodes > len(self._node_key):
            size = max(n_nodes, 2 * len(self._node_key))
            self._node_key = np.pad(self._node_key, (0, size - len(self._node_key)))
        if n_conns > self._conns.shape[1]:
            self._conns = np.pad(self._conns, ((0, 0), (0, max(n_conns, 2 * self._conns.shape[1])
                                                        - self._conns.shape[1])))
        if n_conns > len(self._split_node):
            self._split_node = np.pad(self._split_node, (0, self._conns.shape[1] - len(self._split_node)),
                                      constant_values=-1)
        if 2 * n_conns > len(self._slot_code):
            self._index_connections(2 * n_conns)

    def _index_connections(self, size):
        """A fresh hash table of at least ``size`` slots holding the connections."""
        size = 1 << max(7, int(size - 1).bit_length())
        self._slot_code = np.full(size, -1, dtype=np.int64)
        self._slot_col = np.zeros(size, dtype=np.int64)
        codes = (self.conn_src << 32) | self.conn_dst
        _kernels.index_connections(self._slot_code, self._slot_col, codes,
                                   np.arange(self._n_conns))

    def add_nodes(self, count, keys=None):
        """Columns of ``count`` new nodes (with the next keys, or ``keys``)."""
        start = self._n_nodes
        self.reserve(start + count, self._n_conns)
        if keys is None:
            keys = np.arange(self.next_node_key, self.next_node_key + count)
            self.next_node_key += count
        self._node_key[start:start + count] = keys
        self._n_nodes += count
        return np.arange(start, start + count)

    def add_node(self):
        return int(self.add_nodes(1)[0])

    def conns(self, src, dst):
        """Columns of the connections ``src[i] -> dst[i]``, creating new ones in order."""
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        codes = (src << 32) | dst
        cols = _kernels.find_connections(self._slot_code, self._slot_col, codes)
        new = np.flatnonzero(cols < 0)
        if len(new):
            created, first = np.unique(codes[new], return_index=True)
            # innovation numbers in order of appearance
            created = created[np.argsort(first)]
            start, count = self._n_conns, len(created)
            self.reserve(self._n_nodes, start + count)
            columns = np.arange(start, start + count)
            self._conns[0, columns] = created >> 32
            self._conns[1, columns] = created & 0xFFFFFFFF
            self._conns[2, columns] = np.arange(self.next_innovation,
                                                self.next_innovation + count)
            self.next_innovation += count
            self._n_conns += count
            _kernels.index_connections(self._slot_code, self._slot_col, created,
                                       columns)
            cols = _kernels.find_connections(self._slot_code, self._slot_col, codes)
        return cols

    def conn(self, src, dst):
        """Column of the connection between node columns ``src`` and ``dst``."""
        return int(self.conns([src], [dst])[0])

    def keep(self, node_alive, conn_alive):
        """Drop dead columns; returns the old-to-new node column map."""
        node_map = np.cumsum(node_alive) - 1
        keys = self.node_key[node_alive]
        self._n_nodes = len(keys)
        self._node_key[: len(keys)] = keys
        kept = self._conns[:, : self._n_conns][:, conn_alive]
        kept[:2] = node_map[kept[:2]]
        self._n_conns = kept.shape[1]
        self._conns = np.pad(kept, ((0, 0), (0, max(64, self._n_conns))))
        self._index_connections(2 * self._n_conns)
        self._split_node = np.full(self._conns.shape[1], -1, dtype=np.int64)
        return node_map


class GenomeTable:
    """Genomes as rows of dense arrays over the registry's columns.

    ``node_on``/``conn_on`` say which genes a genome has; ``enabled`` is the
    connection gene's flag. Inputs are never "on": like neat-python, a
    genome's node genes are its outputs and hidden nodes.
    """

    _node_fields = ("node_on", "bias", "response", "activation")
    _conn_fields = ("conn_on", "enabled", "weight")

    def __init__(self, n_rows, n_nodes, n_conns):
        self.node_on = np.zeros((n_rows, n_nodes), dtype=bool)
        self.bias = np.zeros((n_rows, n_nodes))
        self.response = np.ones((n_rows, n_nodes))
        self.activation = np.zeros((n_rows, n_nodes), dtype=np.int8)
        self.conn_on = np.zeros((n_rows, n_conns), dtype=bool)
        self.enabled = np.zeros((n_rows, n_conns), dtype=bool)
        self.weight = np.zeros((n_rows, n_conns))

    def __len__(self):
        return len(self.node_on)

    def take(self, rows):
        out = GenomeTable.__new__(GenomeTable)
        for name in self._node_fields + self._conn_fields:
            setattr(out, name, getattr(self, name)[rows].copy())
        return out

    def resize(self, n_nodes, n_conns):
        """Widen to at least these many columns (new columns are absent genes)."""
        for names, width in ((self._node_fields, n_nodes), (self._conn_fields, n_conns)):
            if width > getattr(self, names[0]).shape[1]:
                self._pad(names, width)

    def _pad(self, names, width):
        for name in names:
            array = getattr(self, name)
            if width > array.shape[1]:
                # np.pad costs tens of microseconds per call; this is a copy.
                wider = np.full((len(array), width), 1.0 if name == "response" else 0,
                                dtype=array.dtype)
                wider[:, : array.shape[1]] = array
                setattr(self, name, wider)

    def trim(self, n_nodes, n_conns):
        """Drop the spare columns beyond these widths (every kernel loops over the width)."""
        for names, width in ((self._node_fields, n_nodes), (self._conn_fields, n_conns)):
            if getattr(self, names[0]).shape[1] > width:
                for name in names:
                    setattr(self, name, np.ascontiguousarray(getattr(self, name)[:, :width]))

    def keep(self, node_alive, conn_alive):
        for names, alive in ((self._node_fields, node_alive), (self._conn_fields, conn_alive)):
            for name in names:
                setattr(self, name, np.ascontiguousarray(getattr(self, name)[:, : len(alive)][:, alive]))


class Operators:
    """NEAT's variation operators, vectorised over many offspring.

    Follows neat-python 2.0's genome semantics (crossover aligned by gene,
    excess and disjoint genes from the fitter parent, attributes of matching
    genes picked independently from either parent; structural mutations in the
    order add node, delete node, add connection, delete connection, then every
    gene's attributes), with two changes from neat-python: a matching
    connection's enabled flag comes from either parent without the 75% rule
    (see :func:`._kernels.breed`), and an add-node mutation
    reuses the node another genome created by splitting the same connection
    in the same generation, as the NEAT paper prescribes.
    """

    def __init__(self, config, registry, rng):
        self.config = config
        self.registry = registry
        self.rng = rng
        options = [ACTIVATION_CODES[name] for name in config.activation_options]
        self.activation_options = np.asarray(options, dtype=np.int8)
        # -1: each new node draws one of the options
        self.activation_default = (-1 if config.activation_default == "random"
                                   else ACTIVATION_CODES[config.activation_default])
        self.output_activation = (None if config.output_activation is None
                                  else ACTIVATION_CODES[config.output_activation])

    # -- attribute initialisation -------------------------------------------------
    def init_value(self, attribute, shape):
        cfg = self.config
        mean = getattr(cfg, f"{attribute}_init_mean")
        std = getattr(cfg, f"{attribute}_init_stdev")
        value = self.rng.normal(mean, std, shape) if std > 0 else np.full(shape, float(mean))
        return np.clip(value, getattr(cfg, f"{attribute}_min_value"), getattr(cfg, f"{attribute}_max_value"))

    # -- first generation ---------------------------------------------------------
    def initial_population(self, n_genomes):
        cfg, reg = self.config, self.registry
        n_in = reg.n_inputs
        hidden = [reg.add_node() for _ in range(cfg.num_hidden)]
        inputs = list(range(n_in))
        outputs = list(reg.output_cols)
        pairs = []
        if cfg.initial_connection != "unconnected":
            if hidden:
                pairs += [(i, h) for i in inputs for h in hidden]
                pairs += [(h, o) for h in hidden for o in outputs]
                if cfg.initial_connection.endswith("_direct"):
                    pairs += [(i, o) for i in inputs for o in outputs]
            else:
                pairs += [(i, o) for i in inputs for o in outputs]
            if not cfg.feed_forward:
                pairs += [(n, n) for n in outputs + hidden]
        cols = list(reg.conns([s for s, _ in pairs], [d for _, d in pairs])) if pairs else []
        table = GenomeTable(n_genomes, reg.n_nodes, reg.n_conns)
        nodes = np.asarray(outputs + hidden)
        table.node_on[:, nodes] = True
        table.bias[:, nodes] = self.init_value("bias", (n_genomes, len(nodes)))
        table.response[:, nodes] = self.init_value("response", (n_genomes, len(nodes)))
        if self.activation_default < 0:
            table.activation[:, nodes] = self.rng.choice(self.activation_options,
                                                         (n_genomes, len(nodes)))
        else:
            table.activation[:, nodes] = self.activation_default
        if self.output_activation is not None:
            table.activation[:, outputs] = self.output_activation
        if cols:
            cols = np.asarray(cols)
            on = np.ones((n_genomes, len(cols)), dtype=bool)
            if cfg.initial_connection.startswith("partial"):
                # Each genome a random subset of exactly this many (neat-python's rule).
                keep = int(round(len(cols) * cfg.connection_fraction))
                ranks = np.argsort(np.argsort(self.rng.random(on.shape), axis=1), axis=1)
                on = ranks < keep
            table.conn_on[:, cols] = on
            table.enabled[:, cols] = on & cfg.enabled_default
            table.weight[:, cols] = self.init_value("weight", (n_genomes, len(cols)))
        return table

    # -- crossover ----------------------------------------------------------------
    def _seed(self):
        """A fresh state for the kernels' generator, drawn from the run's."""
        return np.array([self.rng.integers(1, 2**63 - 1)], dtype=np.uint64)

    def breed(self, parents, elites, fitter, other):
        """The next generation: copies of ``elites``, then offspring of ``fitter`` x ``other``.

        Offspring start as copies of the fitter parent (so they carry its
        disjoint and excess genes); each attribute of a gene both parents
        carry comes from either parent with equal chance. The offspring are
        the rows from ``len(elites)`` on, ready for :meth:`mutate`.
        """
        arrays = _kernels.breed(
            self._seed(), parents.node_on, parents.bias, parents.response, parents.activation,
            parents.conn_on, parents.enabled, parents.weight,
            np.asarray(elites, dtype=np.int64), np.asarray(fitter, dtype=np.int64),
            np.asarray(other, dtype=np.int64),
        )
        table = GenomeTable.__new__(GenomeTable)
        for name, array in zip(GenomeTable._node_fields + GenomeTable._conn_fields, arrays):
            setattr(table, name, array)
        return table

    # -- structural mutations -----------------------------------------------------
    def mutate(self, table, start=0):
        """Mutate rows ``start`` onwards of ``table`` in place (new genes widen it)."""
        cfg, rng = self.config, self.rng
        n = len(table) - start
        if cfg.single_structural_mutation:
            probs = np.array([cfg.node_add_prob, cfg.node_delete_prob,
                              cfg.conn_add_prob, cfg.conn_delete_prob])
            bounds = np.cumsum(probs) / max(1.0, probs.sum())
            which = np.searchsorted(bounds, rng.random(n), side="right")
            draws = [which == k for k in range(4)]
        else:
            draws = [rng.random(n) < p for p in (cfg.node_add_prob, cfg.node_delete_prob,
                                                  cfg.conn_add_prob, cfg.conn_delete_prob)]
        draws = np.stack(draws, axis=1)
        if draws.any():
            self._mutate_structure(table, start, draws)
        self._mutate_attributes(table, start)

    def _mutate_structure(self, table, start, draws):
        cfg, reg = self.config, self.registry
        n_new_nodes = int(draws[:, 0].sum())
        n_nodes = reg.n_nodes + n_new_nodes
        n_conns = reg.n_conns + 2 * n_new_nodes + int(draws[:, 2].sum())
        reg.reserve(n_nodes, n_conns)
        table.resize(n_nodes, n_conns)
        counters = np.array([reg._n_nodes, reg._n_conns, reg.next_innovation, reg.next_node_key],
                            dtype=np.int64)
        init = ("init_mean", "init_stdev", "min_value", "max_value")
        _kernels.mutate_structure(
            self._seed(), start, draws, table.node_on, table.bias, table.response,
            table.activation, table.conn_on, table.enabled, table.weight, reg._node_key,
            reg._slot_code, reg._slot_col, reg._conns, reg._split_node, counters,
            reg.n_inputs, reg.n_outputs,
            bool(cfg.feed_forward), -1 if cfg.max_nodes is None else int(cfg.max_nodes),
            tuple(float(getattr(cfg, f"response_{n}")) for n in init),
            tuple(float(getattr(cfg, f"weight_{n}")) for n in init),
            self.activation_default, self.activation_options, self._surer(),
        )
        reg._n_nodes, reg._n_conns, reg.next_innovation, reg.next_node_key = (
            int(c) for c in counters)
        table.trim(reg.n_nodes, reg.n_conns)

    def _surer(self):
        # (configs pickled before the field existed: "default")
        surer = getattr(self.config, "structural_mutation_surer", "default")
        if surer == "default":
            return bool(self.config.single_structural_mutation)
        return surer == "true"

    # -- attribute mutations ------------------------------------------------------
    def _params(self, attribute):
        cfg = self.config
        return tuple(float(getattr(cfg, f"{attribute}_{name}")) for name in (
            "mutate_rate", "replace_rate", "mutate_power", "init_mean", "init_stdev",
            "min_value", "max_value"))

    def _mutate_attributes(self, table, start):
        cfg, reg = self.config, self.registry
        fixed = (reg.n_inputs, reg.n_inputs + reg.n_outputs) if self.output_activation is not None else (0, 0)
        _kernels.mutate_attributes(
            self._seed(), start, table.node_on, table.bias, table.response, table.activation,
            table.conn_on, table.enabled, table.weight, self._params("weight"),
            self._params("bias"), self._params("response"), float(cfg.enabled_mutate_rate),
            float(cfg.activation_mutate_rate), self.activation_options, *fixed,
        )


def genetic_distance(table, other, other_rows, config):
    """neat-python's genetic distance from every genome of ``table`` to some of ``other``.

    Returns an array (len(table), len(other_rows)). For nodes and connections
    separately: (weight coefficient x summed attribute differences of genes
    both genomes have + disjoint coefficient x genes only one has) divided by
    the larger gene count; the two parts add up.
    """
    return _kernels.genetic_distance(
        table.node_on, table.bias, table.response, table.activation, table.conn_on,
        table.enabled, table.weight, other.node_on, other.bias, other.response,
        other.activation, other.conn_on, other.enabled, other.weight,
        np.asarray(other_rows, dtype=np.int64), config.compatibility_weight_coefficient,
        config.compatibility_disjoint_coefficient,
    )
