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
    A connection is identified by its end points' keys, and gets the next
    innovation number the first time it appears; a connection split by an
    add-node mutation yields, within one generation, the same new node for
    every genome that splits it (Stanley & Miikkulainen 2002, p. 108).
    """

    def __init__(self, n_inputs, n_outputs):
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.node_key = np.concatenate(
            [-np.arange(1, n_inputs + 1), np.arange(n_outputs)]
        ).astype(np.int64)
        self.next_node_key = n_outputs
        self._conns = np.zeros((3, 64), dtype=np.int64)  # src, dst, innovation
        self._n_conns = 0
        self.next_innovation = 0
        self._conn_col = {}
        self._split_node = {}
        self.share_splits = True

    @property
    def n_nodes(self):
        return len(self.node_key)

    @property
    def n_conns(self):
        return self._n_conns

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
        self._split_node = {}

    def add_node(self):
        self.node_key = np.append(self.node_key, self.next_node_key)
        self.next_node_key += 1
        return self.n_nodes - 1

    def split_node(self, conn_col):
        """The node that splits connection ``conn_col`` in this generation."""
        node = self._split_node.get(conn_col) if self.share_splits else None
        if node is None:
            node = self._split_node[conn_col] = self.add_node()
        return node

    def conn(self, src, dst):
        """Column of the connection between node columns ``src`` and ``dst``."""
        key = (int(self.node_key[src]), int(self.node_key[dst]))
        col = self._conn_col.get(key)
        if col is None:
            col = self._conn_col[key] = self._n_conns
            if col == self._conns.shape[1]:
                self._conns = np.pad(self._conns, ((0, 0), (0, col)))
            self._conns[:, col] = (src, dst, self.next_innovation)
            self._n_conns += 1
            self.next_innovation += 1
        return col

    def find_conn(self, src, dst):
        """Column of an existing connection, or -1."""
        return self._conn_col.get((int(self.node_key[src]), int(self.node_key[dst])), -1)

    def keep(self, node_alive, conn_alive):
        """Drop dead columns; returns the old-to-new node column map."""
        node_map = np.cumsum(node_alive) - 1
        self.node_key = self.node_key[node_alive]
        kept = self._conns[:, : self._n_conns][:, conn_alive]
        kept[:2] = node_map[kept[:2]]
        self._n_conns = kept.shape[1]
        self._conns = np.pad(kept, ((0, 0), (0, max(64, self._n_conns))))
        self._conn_col = {
            (int(self.node_key[s]), int(self.node_key[d])): col
            for col, (s, d) in enumerate(zip(self.conn_src, self.conn_dst))
        }
        self._split_node = {}
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

    @classmethod
    def concat(cls, tables):
        n_nodes = max(t.node_on.shape[1] for t in tables)
        n_conns = max(t.conn_on.shape[1] for t in tables)
        for t in tables:
            t._pad(t._node_fields, n_nodes)
            t._pad(t._conn_fields, n_conns)
        out = cls.__new__(cls)
        for name in cls._node_fields + cls._conn_fields:
            setattr(out, name, np.concatenate([getattr(t, name) for t in tables]))
        return out

    def resize(self, n_nodes, n_conns):
        """Widen to at least these many columns (new columns are absent genes).

        Grows by half again at least, so a run pads its arrays only now and then.
        """
        for names, width in ((self._node_fields, n_nodes), (self._conn_fields, n_conns)):
            current = getattr(self, names[0]).shape[1]
            if width <= current:
                continue
            self._pad(names, max(width, current + current // 2 + 8))

    def _pad(self, names, width):
        for name in names:
            array = getattr(self, name)
            extra = width - array.shape[1]
            if extra > 0:
                fill = 1.0 if name == "response" else 0
                setattr(self, name, np.pad(array, ((0, 0), (0, extra)), constant_values=fill))

    def keep(self, node_alive, conn_alive):
        # Some room is left for new genes, so the next mutations need not pad.
        for names, alive in ((self._node_fields, node_alive), (self._conn_fields, conn_alive)):
            n_alive = int(alive.sum())
            width = n_alive + n_alive // 2 + 16
            for name in names:
                array = getattr(self, name)
                fill = 1.0 if name == "response" else 0
                new = np.full((len(array), width), fill, dtype=array.dtype)
                new[:, :n_alive] = array[:, : len(alive)][:, alive]
                setattr(self, name, new)


def random_choice_in_rows(mask, rng):
    """One column per row, uniformly among the row's True entries (-1 if none)."""
    score = rng.random(mask.shape)
    score[~mask] = -1.0
    choice = score.argmax(axis=1)
    choice[~mask.any(axis=1)] = -1
    return choice


class Operators:
    """NEAT's variation operators, vectorised over many offspring.

    Follows neat-python 2.0's genome semantics (crossover aligned by gene,
    excess and disjoint genes from the fitter parent, attributes of matching
    genes picked independently from either parent; structural mutations in the
    order add node, delete node, add connection, delete connection, then every
    gene's attributes), with one change from neat-python: an add-node mutation
    reuses the node another genome created by splitting the same connection
    in the same generation, as the NEAT paper prescribes.
    """

    def __init__(self, config, registry, rng):
        self.config = config
        self.registry = registry
        self.rng = rng
        options = [ACTIVATION_CODES[name] for name in config.activation_options]
        self.activation_options = np.asarray(options, dtype=np.int8)
        self.activation_default = ACTIVATION_CODES[config.activation_default]
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
        n_in, n_out = reg.n_inputs, reg.n_outputs
        hidden = [reg.add_node() for _ in range(cfg.num_hidden)]
        inputs = list(range(n_in))
        outputs = list(reg.output_cols)
        pairs = []
        if cfg.initial_connection != "unconnected":
            if hidden:
                pairs += [(i, h) for i in inputs for h in hidden]
                pairs += [(h, o) for h in hidden for o in outputs]
                if cfg.initial_connection == "full_direct":
                    pairs += [(i, o) for i in inputs for o in outputs]
            else:
                pairs += [(i, o) for i in inputs for o in outputs]
            if not cfg.feed_forward:
                pairs += [(n, n) for n in outputs + hidden]
        cols = [reg.conn(s, d) for s, d in pairs]
        table = GenomeTable(n_genomes, reg.n_nodes, reg.n_conns)
        nodes = np.asarray(outputs + hidden)
        table.node_on[:, nodes] = True
        table.bias[:, nodes] = self.init_value("bias", (n_genomes, len(nodes)))
        table.response[:, nodes] = self.init_value("response", (n_genomes, len(nodes)))
        table.activation[:, nodes] = self.activation_default
        if self.output_activation is not None:
            table.activation[:, outputs] = self.output_activation
        if cols:
            cols = np.asarray(cols)
            table.conn_on[:, cols] = True
            table.enabled[:, cols] = cfg.enabled_default
            table.weight[:, cols] = self.init_value("weight", (n_genomes, len(cols)))
        return table

    # -- crossover ----------------------------------------------------------------
    def _seed(self):
        return int(self.rng.integers(2**31 - 1))

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
        add_node, delete_node, add_conn, delete_conn = draws
        if add_node.any():
            self._add_node(table, start + np.flatnonzero(add_node))
        if delete_node.any():
            self._delete_node(table, start + np.flatnonzero(delete_node))
        if add_conn.any():
            self._add_connection(table, start + np.flatnonzero(add_conn))
        if delete_conn.any():
            self._delete_connection(table, start + np.flatnonzero(delete_conn))
        self._mutate_attributes(table, start)

    def _add_node(self, table, rows):
        cfg, reg = self.config, self.registry
        if cfg.max_nodes is not None:
            rows = rows[table.node_on[rows].sum(axis=1) < cfg.max_nodes]
        on = table.conn_on[rows, : reg.n_conns]
        split = random_choice_in_rows(on, self.rng)
        has = split >= 0
        # neat-python adds a connection instead when there is none to split
        # only with structural_mutation_surer; by default nothing happens.
        rows, split = rows[has], split[has]
        if not len(rows):
            return
        new_nodes = np.empty(len(rows), dtype=np.int64)
        in_cols = np.empty(len(rows), dtype=np.int64)
        out_cols = np.empty(len(rows), dtype=np.int64)
        for i, conn in enumerate(split.tolist()):
            node = reg.split_node(conn)
            src, dst = int(reg.conn_src[conn]), int(reg.conn_dst[conn])
            new_nodes[i] = node
            in_cols[i] = reg.conn(src, node)
            out_cols[i] = reg.conn(node, dst)
        table.resize(reg.n_nodes, reg.n_conns)
        table.node_on[rows, new_nodes] = True
        # A new node starts neutral: zero bias (neat-python 2.0), response and
        # activation as initialised for any new node.
        table.bias[rows, new_nodes] = 0.0
        table.response[rows, new_nodes] = self.init_value("response", len(rows))
        table.activation[rows, new_nodes] = self.activation_default
        table.enabled[rows, split] = False
        old_weight = table.weight[rows, split]
        table.conn_on[rows, in_cols] = True
        table.enabled[rows, in_cols] = True
        table.weight[rows, in_cols] = 1.0
        table.conn_on[rows, out_cols] = True
        table.enabled[rows, out_cols] = True
        table.weight[rows, out_cols] = old_weight

    def _delete_node(self, table, rows):
        reg = self.registry
        hidden = table.node_on[rows, : reg.n_nodes].copy()
        hidden[:, : reg.n_inputs + reg.n_outputs] = False
        node = random_choice_in_rows(hidden, self.rng)
        has = node >= 0
        rows, node = rows[has], node[has]
        if not len(rows):
            return
        table.node_on[rows, node] = False
        touching = (reg.conn_src[None, :] == node[:, None]) | (reg.conn_dst[None, :] == node[:, None])
        conn_on = table.conn_on[rows, : reg.n_conns]
        conn_on &= ~touching
        table.conn_on[rows, : reg.n_conns] = conn_on

    def _add_connection(self, table, rows):
        cfg, reg, rng = self.config, self.registry, self.rng
        n_nodes = reg.n_nodes
        nodes = table.node_on[rows, :n_nodes]
        dst = random_choice_in_rows(nodes, rng)
        sources = nodes.copy()
        sources[:, reg.output_cols] = False
        sources[:, : reg.n_inputs] = True
        src = random_choice_in_rows(sources, rng)
        # Existing connections stay as they are (neat-python's default).
        existing = np.array([reg.find_conn(s, d) for s, d in zip(src.tolist(), dst.tolist())],
                            dtype=np.int64)
        known = existing >= 0
        already = np.zeros(len(rows), dtype=bool)
        already[known] = table.conn_on[rows[known], existing[known]]
        keep = ~already
        if cfg.feed_forward:
            keep &= src != dst
            candidates = np.flatnonzero(keep)
            if len(candidates):
                cycle = self._reaches(table, rows[candidates], dst[candidates], src[candidates])
                keep[candidates[cycle]] = False
        rows, src, dst = rows[keep], src[keep], dst[keep]
        if not len(rows):
            return
        cols = np.array([reg.conn(s, d) for s, d in zip(src.tolist(), dst.tolist())], dtype=np.int64)
        table.resize(reg.n_nodes, reg.n_conns)
        table.conn_on[rows, cols] = True
        table.enabled[rows, cols] = True
        table.weight[rows, cols] = self.init_value("weight", len(rows))

    def _reaches(self, table, rows, start, goal):
        """Whether ``goal`` is reachable from ``start`` in each row's graph.

        Follows every connection gene, enabled or not, as neat-python's
        ``creates_cycle`` does, one breadth-first step for all rows at once.
        """
        reg = self.registry
        n_nodes, n_conns = reg.n_nodes, reg.n_conns
        conn_on = table.conn_on[rows, :n_conns]
        reached = np.zeros((len(rows), n_nodes), dtype=bool)
        reached[np.arange(len(rows)), start] = True
        for _ in range(n_nodes):
            active = conn_on & reached[:, reg.conn_src]
            step = reached.copy()
            r, c = np.nonzero(active)
            step[r, reg.conn_dst[c]] = True
            if (step == reached).all():
                break
            reached = step
        return reached[np.arange(len(rows)), goal]

    def _delete_connection(self, table, rows):
        on = table.conn_on[rows, : self.registry.n_conns]
        conn = random_choice_in_rows(on, self.rng)
        has = conn >= 0
        table.conn_on[rows[has], conn[has]] = False

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
