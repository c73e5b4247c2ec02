"""Pictures of evolved networks and of a run's history (matplotlib)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def pyplot():
    """``matplotlib.pyplot``, or an ImportError that says how to install it
    (every plotting function of the family; three gave a bare one)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - optional dependency
        raise ImportError("Plotting needs matplotlib: pip install 'skdeep[plot]'") from error
    return plt


def _axes(ax, figsize=(6, 4)):
    if ax is not None:
        return ax
    return pyplot().subplots(figsize=figsize)[1]


def _depths(genome):
    """Depth of every node over enabled connections (inputs 0, outputs last)."""
    inputs = [-(i + 1) for i in range(genome.n_inputs)]
    outputs = list(range(genome.n_outputs))
    nodes = inputs + [int(k) for k in genome.node_keys]
    edges = [(int(a), int(b)) for (a, b), on in zip(genome.conn_keys.tolist(), genome.enabled) if on]
    depth = {n: 0 for n in inputs}
    for n in nodes:
        depth.setdefault(n, 1)
    # Longest path from the inputs; recurrent genomes stop after len(nodes) rounds.
    for _ in range(len(nodes)):
        changed = False
        for a, b in edges:
            if a != b and depth[a] + 1 > depth[b] and depth[a] + 1 <= len(nodes):
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    last = max([depth[n] for n in nodes if n not in outputs] + [0]) + 1
    for o in outputs:
        depth[o] = last
    return depth, edges


def plot_genome(genome, ax=None, input_names=None, output_names=None, show_disabled=False):
    """Draw a genome's network: nodes by depth, enabled connections by weight.

    Inputs sit on the left, outputs on the right and hidden nodes at their
    depth (longest path from an input). Red connections are positive, blue
    negative, line width grows with ``|weight|``; recurrent connections
    (pointing backwards or to themselves) are dashed.

    Parameters
    ----------
    genome : Genome
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.
    input_names, output_names : list of str, default=None
        Labels; None labels inputs ``x0, x1, ...`` and outputs ``y0, ...``.
    show_disabled : bool, default=False
        Also draw disabled connections (grey, dotted).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skdeep.neuroevolution import NEATConfig, evolve, plot_genome, xor_fitness
    >>> result = evolve(xor_fitness, 2, 1, 10, config=NEATConfig(pop_size=50), random_state=0)
    >>> ax = plot_genome(result.best_genome, input_names=["a", "b"], output_names=["a xor b"])
    """
    for names, n, what in ((input_names, genome.n_inputs, "input"),
                           (output_names, genome.n_outputs, "output")):
        if names is not None and len(names) != n:  # (an IndexError, figure open)
            raise ValueError(
                f"{what}_names has {len(names)} names; the genome has {n} "
                f"{what}s."
            )
    ax = _axes(ax)
    depth, edges = _depths(genome)
    columns = {}
    # inputs top-down by index, as the outputs (input -(i + 1) is x_i)
    for node, d in sorted(depth.items(),
                          key=lambda item: (item[1], abs(item[0] + 0.5))):
        columns.setdefault(d, []).append(node)
    position = {}
    for d, nodes in columns.items():
        ys = np.linspace(0, 1, len(nodes) + 2)[1:-1]
        for node, y in zip(nodes, ys[::-1]):
            position[node] = (d, y)
    weights = dict(zip(map(tuple, genome.conn_keys.tolist()), genome.weight))
    drawn = [(a, b, True) for a, b in edges]
    if show_disabled:
        drawn += [(int(a), int(b), False) for (a, b), on in
                  zip(genome.conn_keys.tolist(), genome.enabled) if not on]
    # widths relative to the connections drawn (a hidden disabled gene
    # thinned them all)
    scale = max((abs(weights[(a, b)]) for a, b, _ in drawn), default=1.0) or 1.0
    for a, b, on in drawn:
        (x0, y0), (x1, y1) = position[a], position[b]
        w = weights[(a, b)]
        backwards = x1 <= x0
        style = ":" if not on else "--" if backwards else "-"
        color = "0.7" if not on else ("tab:red" if w > 0 else "tab:blue")
        props = dict(arrowstyle="-|>", color=color, linestyle=style,
                     lw=0.5 + 2.5 * abs(w) / scale, shrinkA=9, shrinkB=9,
                     connectionstyle="arc3,rad=0.25" if backwards else "arc3")
        if a == b:  # a loop over the node (a zero-length arc drew nothing)
            (x0, y0), (x1, y1) = (x0 - 0.12, y0), (x1 + 0.12, y1)
            props.update(connectionstyle="arc3,rad=-1.2", shrinkA=4, shrinkB=4)
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=props)
    names = {}
    for i in range(genome.n_inputs):
        names[-(i + 1)] = input_names[i] if input_names is not None else f"x{i}"
    for o in range(genome.n_outputs):
        names[o] = output_names[o] if output_names is not None else f"y{o}"
    activation = dict(zip((int(k) for k in genome.node_keys), genome.activation))
    for node, (x, y) in position.items():
        kind = "input" if node < 0 else "output" if node < genome.n_outputs else "hidden"
        face = {"input": "#cfe2f3", "output": "#f9cb9c", "hidden": "white"}[kind]
        ax.scatter([x], [y], s=380, c=face, edgecolors="black", zorder=3)
        label = names.get(node, activation.get(node, "")[:4])
        ax.annotate(label, (x, y), ha="center", va="center", fontsize=7, zorder=4)
    ax.set_xlim(-0.5, max(d for d, _ in position.values()) + 0.5)
    ax.set_ylim(-0.05, 1.05)
    ax.set_axis_off()
    ax.set_title(f"{genome.n_nodes} nodes, {genome.n_connections} enabled connections")
    return ax


def plot_history(history, ax=None, species_ax=None):
    """Best and mean fitness per generation, with the species sizes underneath.

    Parameters
    ----------
    history : dict
        ``EvolutionResult.history`` (or a fitted estimator's ``history_``).
    ax : matplotlib Axes, default=None
        Axes for the fitness curves. None makes a figure with the fitness
        curves above the species sizes.
    species_ax : matplotlib Axes, default=None
        Axes for the species sizes (one band per species, from its birth to
        its extinction). None leaves them out when ``ax`` is given; given
        alone, the fitness curves get a new figure.

    Returns
    -------
    axes : tuple of matplotlib Axes
        (fitness axes, species axes or None)

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skdeep.neuroevolution import NEATConfig, evolve, plot_history, xor_fitness
    >>> result = evolve(xor_fitness, 2, 1, 10, config=NEATConfig(pop_size=50), random_state=0)
    >>> fitness_ax, species_ax = plot_history(result.history)
    """
    generations = np.asarray(history["generation"])
    if ax is None and species_ax is None:
        _, (ax, species_ax) = pyplot().subplots(2, 1, figsize=(6, 5), sharex=True,
                                           gridspec_kw={"height_ratios": [2, 1]})
    elif ax is None:  # (a species_ax given alone was replaced by a new one)
        ax = _axes(None)
    ax.plot(generations, history["best_fitness"], label="best")
    ax.plot(generations, history["mean_fitness"], label="mean")
    ax.set_ylabel("fitness")
    ax.legend(loc="lower right")
    if species_ax is not None:
        sizes = history["species_sizes"]
        keys = sorted({key for generation in sizes for key in generation})
        index = {key: i for i, key in enumerate(keys)}
        # One band per species, from its birth to its extinction.
        table = np.zeros((len(keys), len(sizes)))
        for g, generation in enumerate(sizes):
            for key, size in generation.items():
                table[index[key], g] = size
        species_ax.stackplot(generations, table, linewidth=0.3, edgecolor="white")
        species_ax.set_ylabel("species sizes")
        species_ax.set_xlabel("generation")
    else:
        ax.set_xlabel("generation")
    return ax, species_ax
