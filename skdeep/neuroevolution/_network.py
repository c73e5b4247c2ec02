"""A whole population of NEAT networks compiled into one program.

All genomes' nodes become rows of one value matrix (rows: the nodes of every
genome, columns: samples or environments) and their enabled connections one
list of incoming edges per row (CSR). A feed-forward pass visits the rows in
topological order, one genome after another, computing
``act(bias + response * sum(w * x))`` for all samples at once; a recurrent
step updates every row from the previous step's values (neat-python's
``RecurrentNetwork`` semantics). Compilation and evaluation are numba loops
(:mod:`skdeep.neuroevolution._kernels`): the cost is the arithmetic of the
connections, whatever the number of genomes.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import NamedTuple

import numpy as np

from skdeep.neuroevolution import _kernels


class Phenotypes:
    """Networks of many genomes, evaluated together.

    Built by :meth:`NEATPopulation.phenotypes` (or :meth:`Genome.phenotype`
    for one genome). Feed-forward networks are evaluated with
    :meth:`activate`; any network, recurrent ones included, can be stepped in
    time with :meth:`reset` and :meth:`step`, which is what control tasks use.
    Not meant to be constructed directly: the parameters are the compiler's
    output.

    Parameters
    ----------
    source : tuple
        The genome table and the gene registry's columns (frozen) compiled
        from, kept for :meth:`select`.
    genomes : ndarray of int
        The rows of that table these networks come from.
    program : tuple of ndarray
        The compiled arrays (per-row genome, node column, bias, response and
        activation code, the incoming edges as CSR, the evaluation order and
        the row of every (genome, node column) pair), as
        ``_kernels.compile_program`` returns them, less its cycle flag.
    n_inputs, n_outputs : int
        Network inputs and outputs.
    feed_forward : bool
        Whether the networks are acyclic (evaluated in one pass).

    Attributes
    ----------
    n_genomes : int
        Networks compiled together.
    n_inputs, n_outputs : int
        Network inputs and outputs.
    feed_forward : bool
        Whether the networks are acyclic (evaluated in one pass).
    genomes : ndarray of int
        The population rows these networks come from.

    Examples
    --------
    >>> from skdeep.neuroevolution import NEATConfig, NEATPopulation, xor_data
    >>> X, _ = xor_data()  # 4 samples, 2 inputs
    >>> networks = NEATPopulation(2, 1, NEATConfig(pop_size=12)).phenotypes()
    >>> networks.n_genomes, networks.activate(X).shape  # (genomes, samples, outputs)
    (12, (12, 4, 1))
    >>> networks.reset(n_envs=4)  # or stepped in time, one environment per sample
    >>> networks.step(X).shape
    (12, 4, 1)
    """

    def __init__(self, source, genomes, program, n_inputs, n_outputs, feed_forward):
        self._source = source
        self.genomes = genomes
        self.n_genomes = len(genomes)
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.feed_forward = feed_forward
        (self._row_genome, self._row_node, self._bias, self._response, self._act,
         self._indptr, self._source_rows, self._weight, self._order, self._row_of) = program
        self._output_rows = self._row_of[:, n_inputs:n_inputs + n_outputs]
        self._state = None

    @property
    def n_rows(self):
        """Nodes (outputs and hidden) of all networks together."""
        return len(self._row_genome)

    def _input_block(self, X):
        """Input rows: shared by every genome, or one block per genome."""
        X = np.asarray(X, dtype=float)
        if X.ndim == 2:
            if X.shape[1] != self.n_inputs:
                raise ValueError(
                    f"X has {X.shape[1]} features, but the networks take {self.n_inputs} inputs."
                )
            return np.ascontiguousarray(X.T), False
        if X.ndim != 3 or X.shape[0] != self.n_genomes or X.shape[2] != self.n_inputs:
            raise ValueError(
                "X must be (n_samples, n_inputs) or (n_genomes, n_samples, n_inputs) = "
                f"({self.n_genomes}, n, {self.n_inputs}); got shape {X.shape}."
            )
        return np.ascontiguousarray(
            X.transpose(0, 2, 1).reshape(self.n_genomes * self.n_inputs, X.shape[1])
        ), True

    def _outputs(self, values):
        return values[self._output_rows].transpose(0, 2, 1)  # (P, n, n_outputs)

    def activate(self, X, batch_size=4096):
        """Outputs of every network for every sample.

        Parameters
        ----------
        X : array of shape (n_samples, n_inputs) or (n_genomes, n_samples, n_inputs)
            The same samples for all networks, or each network's own.
        batch_size : int, default=4096
            Samples evaluated together (bounds memory: the values of all
            nodes of all networks for ``batch_size`` samples are held).

        Returns
        -------
        outputs : ndarray of shape (n_genomes, n_samples, n_outputs)
        """
        if not self.feed_forward:
            raise ValueError(
                "activate() evaluates feed-forward networks; recurrent networks are "
                "stepped in time with reset() and step()."
            )
        X = np.asarray(X, dtype=float)
        n = X.shape[-2] if X.ndim >= 2 else 0
        if n > batch_size:
            parts = [self.activate(X[..., i:i + batch_size, :], batch_size)
                     for i in range(0, n, batch_size)]
            return np.concatenate(parts, axis=1)
        inputs, per_genome = self._input_block(X)
        values = np.empty((self.n_rows, inputs.shape[1]))
        _kernels.run_rows(self._order, self._row_genome, self._bias, self._response,
                          self._act, self._indptr, self._source_rows, self._weight,
                          inputs, per_genome, self.n_inputs, values, values)
        return self._outputs(values)

    def reset(self, n_envs=1):
        """Zero the node values of ``n_envs`` copies of every network.

        Parameters
        ----------
        n_envs : int, default=1
            Environments stepped in parallel: the ``n_envs`` axis of the ``X``
            that :meth:`step` takes next (feed-forward networks keep no
            state and need no reset).
        """
        self._state = np.zeros((self.n_rows, int(n_envs)))

    def step(self, X):
        """One activation of every network; returns its outputs.

        Feed-forward networks do a full pass (:meth:`activate`); recurrent
        ones update every node once from the previous step's values.

        Parameters
        ----------
        X : array of shape (n_genomes, n_envs, n_inputs) or (n_envs, n_inputs)

        Returns
        -------
        outputs : ndarray of shape (n_genomes, n_envs, n_outputs)
        """
        if self.feed_forward:
            return self.activate(X)
        if self._state is None:
            raise ValueError("Call reset(n_envs) before step().")
        inputs, per_genome = self._input_block(X)
        if inputs.shape[1] != self._state.shape[1]:
            raise ValueError(
                f"X has {inputs.shape[1]} environments, reset() was given {self._state.shape[1]}."
            )
        values = np.empty_like(self._state)
        _kernels.run_rows(np.arange(self.n_rows), self._row_genome, self._bias, self._response,
                          self._act, self._indptr, self._source_rows, self._weight, inputs,
                          per_genome, self.n_inputs, self._state, values)
        self._state = values
        return self._outputs(values)

    def program(self):
        """The compiled arrays, rows grouped by genome, for kernels that run networks.

        Returns a dict: ``order`` (rows in evaluation order, genome by genome;
        genome ``g``'s are ``order[starts[g]:starts[g + 1]]``), ``starts``,
        the per-row ``bias``, ``response`` and ``activation`` codes, the
        incoming edges as CSR (``indptr``, ``source``: a row, or input
        ``-source - 1`` when negative; ``weight``) and ``output_rows``
        (n_genomes, n_outputs). See :func:`skdeep.neuroevolution._pole.simulate`.

        Returns
        -------
        program : dict of str to ndarray
            The arrays named above.
        """
        order = self._order[np.argsort(self._row_genome[self._order], kind="stable")]
        starts = np.searchsorted(self._row_genome[order], np.arange(self.n_genomes + 1))
        return {"order": order, "starts": starts, "bias": self._bias, "response": self._response,
                "activation": self._act, "indptr": self._indptr, "source": self._source_rows,
                "weight": self._weight, "output_rows": self._output_rows}

    def select(self, genomes):
        """The networks of some of these genomes (indices into ``0 .. n_genomes - 1``).

        Recurrent state carries over, so a control task can drop the genomes
        that have failed and keep stepping the others at a lower cost.

        Parameters
        ----------
        genomes : array-like of int
            Indices of the networks to keep, in the order wanted.

        Returns
        -------
        phenotypes : Phenotypes
            Network ``i`` is network ``genomes[i]`` of these.
        """
        genomes = np.asarray(genomes, dtype=np.int64)
        table, registry = self._source
        out = compile_population(table, self.genomes[genomes], registry, self.feed_forward)
        if self._state is not None:
            old_rows = self._row_of[genomes][out._row_genome, out._row_node]
            out._state = self._state[old_rows]
        return out


class _RegistryColumns(NamedTuple):
    """What compiling reads of a :class:`GeneRegistry`, frozen. The registry
    grows and is compacted in place as the population evolves: a
    :class:`Phenotypes` kept from an earlier generation read the current
    one in :meth:`~Phenotypes.select`, and compiled other networks."""

    n_inputs: int
    n_outputs: int
    n_nodes: int
    n_conns: int
    conn_src: np.ndarray
    conn_dst: np.ndarray


def _frozen_columns(registry):
    if isinstance(registry, _RegistryColumns):
        return registry
    return _RegistryColumns(
        registry.n_inputs, registry.n_outputs, registry.n_nodes, registry.n_conns,
        registry.conn_src.copy(), registry.conn_dst.copy(),
    )


def compile_population(table, rows, registry, feed_forward):
    """Compile rows of a :class:`GenomeTable` into :class:`Phenotypes`."""
    rows = np.asarray(rows, dtype=np.int64)
    registry = _frozen_columns(registry)
    n_nodes, n_conns = registry.n_nodes, registry.n_conns
    node_on = table.node_on[rows, :n_nodes]
    active = table.conn_on[rows, :n_conns] & table.enabled[rows, :n_conns]
    program = _kernels.compile_program(
        node_on, active, registry.conn_src, registry.conn_dst, table.weight[rows, :n_conns],
        table.bias[rows, :n_nodes], table.response[rows, :n_nodes],
        table.activation[rows, :n_nodes].astype(np.int64), registry.n_inputs, bool(feed_forward),
    )
    if program[-1]:
        raise ValueError("The connections form a cycle: these genomes are not feed-forward.")
    return Phenotypes((table, registry), rows, program[:-1], registry.n_inputs,
                      registry.n_outputs, feed_forward)
