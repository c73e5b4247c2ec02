"""The NEAT parameters, under neat-python's configuration names."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import configparser
import dataclasses
import math
import typing
from dataclasses import dataclass, fields
from numbers import Integral, Real

from skdeep.neuroevolution._activations import ACTIVATIONS
from skdeep.utils.validation import plain_numbers

INITIAL_CONNECTIONS = ("full", "full_nodirect", "full_direct", "partial",
                       "partial_nodirect", "partial_direct", "unconnected")
SURER = ("default", "true", "false")


@dataclass
class NEATConfig:
    """Parameters of a NEAT run, named as in neat-python's configuration file.

    Every field keeps the name of the neat-python key it mirrors (section
    ``[NEAT]``, ``[DefaultGenome]``, ``[DefaultSpeciesSet]``,
    ``[DefaultStagnation]`` or ``[DefaultReproduction]``), so a neat-python
    configuration file reads straight in with :meth:`from_neat_python`. The
    defaults are those of neat-python's XOR example. Three fields are new:
    ``target_n_species`` (a dynamic compatibility threshold),
    ``threshold_step`` and ``max_nodes``; see :ref:`neat_config_keys` for the
    whole table and the keys neat-python has that are not supported.

    Parameters
    ----------
    pop_size : int, default=150
        Genomes per generation.
    reset_on_extinction : bool, default=False
        When every species is stagnant at once, start a new random population
        (True) or stop the run (False).

    activation_default : str, default="sigmoid"
        The activation of new nodes: a name of :data:`ACTIVATIONS`, or
        ``"random"`` (one of ``activation_options`` at random, as in
        neat-python).
    activation_options : tuple of str or str, default=("sigmoid",)
        The functions mutation may pick from (names of :data:`ACTIVATIONS`;
        a string is split on whitespace, as in neat-python's files).
    activation_mutate_rate : float, default=0.0
        Per-node probability of picking a new activation from the options.
    output_activation : str or None, default=None
        A fixed activation for the output nodes (e.g. ``"identity"`` for
        regression); activation mutations then leave outputs alone. None
        treats outputs like any node (neat-python's behaviour).

    bias_init_mean : float, default=0.0
        Mean of the Gaussian the first generation's node biases are drawn
        from (nodes added by mutation start at bias 0, as in neat-python 2.0).
    bias_init_stdev : float, default=1.0
        Its standard deviation (0: every bias starts at ``bias_init_mean``).
    bias_max_value : float, default=30.0
        Biases are clipped to at most this.
    bias_min_value : float, default=-30.0
        Biases are clipped to at least this.
    bias_mutate_power : float, default=0.5
        Standard deviation of the Gaussian perturbation of a bias.
    bias_mutate_rate : float, default=0.7
        Per-node probability of perturbing the bias.
    bias_replace_rate : float, default=0.1
        Per-node probability of redrawing the bias from its initial
        distribution instead (``bias_mutate_rate + bias_replace_rate`` must
        not exceed 1).

    response_init_mean : float, default=1.0
        Mean of the Gaussian node responses (the multiplier of the weighted
        sum) are drawn from, for the first generation and for nodes added by
        mutation.
    response_init_stdev : float, default=0.0
        Its standard deviation (0: every response starts at
        ``response_init_mean``).
    response_max_value : float, default=30.0
        Responses are clipped to at most this.
    response_min_value : float, default=-30.0
        Responses are clipped to at least this.
    response_mutate_power : float, default=0.0
        Standard deviation of the Gaussian perturbation of a response.
    response_mutate_rate : float, default=0.0
        Per-node probability of perturbing the response.
    response_replace_rate : float, default=0.0
        Per-node probability of redrawing the response instead. The defaults
        keep every response at 1.

    weight_init_mean : float, default=0.0
        Mean of the Gaussian connection weights are drawn from, for the first
        generation and for connections added by mutation (the two halves of a
        split connection get 1 and the old weight).
    weight_init_stdev : float, default=1.0
        Its standard deviation.
    weight_max_value : float, default=30.0
        Weights are clipped to at most this.
    weight_min_value : float, default=-30.0
        Weights are clipped to at least this.
    weight_mutate_power : float, default=0.5
        Standard deviation of the Gaussian perturbation of a weight.
    weight_mutate_rate : float, default=0.8
        Per-connection probability of perturbing the weight.
    weight_replace_rate : float, default=0.1
        Per-connection probability of redrawing the weight instead.

    compatibility_disjoint_coefficient : float, default=1.0
        Weight of the genes only one of two genomes has in their genetic
        distance, as in neat-python: for nodes and connections separately,
        (weight coefficient x summed attribute differences of matching genes
        + disjoint coefficient x disjoint and excess genes) divided by the
        larger gene count; the two add up.
    compatibility_weight_coefficient : float, default=0.5
        Weight of the attribute differences of matching genes in it.

    conn_add_prob : float, default=0.5
        Per-offspring probability of adding a connection.
    conn_delete_prob : float, default=0.5
        Per-offspring probability of deleting a connection.
    node_add_prob : float, default=0.2
        Per-offspring probability of adding a node (splitting a connection).
    node_delete_prob : float, default=0.2
        Per-offspring probability of deleting a hidden node and its
        connections.
    single_structural_mutation : bool, default=False
        At most one structural mutation per offspring, chosen with the four
        probabilities above (scaled down when they add up to more than 1).
    structural_mutation_surer : {"default", "true", "false"}, default="default"
        neat-python's option: when on, adding a connection the genome has
        (disabled) enables it, and adding a node to a genome without
        connections adds a connection. ``"default"`` follows
        ``single_structural_mutation``.

    enabled_default : bool, default=True
        Whether the first generation's connections start enabled
        (connections added by mutation always do).
    enabled_mutate_rate : float, default=0.01
        Per-connection probability of redrawing its enabled flag (True or
        False with equal chance).

    feed_forward : bool, default=True
        Forbid cycles (networks are evaluated layer by layer). With False,
        connections may form loops and a network is stepped in time.
    initial_connection : {"full", "full_nodirect", "full_direct", "partial", \
"partial_nodirect", "partial_direct", "unconnected"}, default="full"
        The first generation's wiring. ``"full"`` is neat-python's
        ``full_nodirect`` (and ``"partial"`` its ``partial_nodirect``):
        inputs to hidden nodes and hidden nodes to outputs,
        or inputs to outputs when there are no hidden nodes; ``*_direct``
        also wires inputs to outputs; ``partial_*`` gives each genome a
        random ``connection_fraction`` of those connections.
    connection_fraction : float, default=0.5
        For the ``partial_*`` wirings (neat-python writes it after the name:
        ``partial_direct 0.5``).
    num_hidden : int, default=0
        Hidden nodes of the first generation.

    compatibility_threshold : float, default=3.0
        Genomes closer than this to a species' representative join it.
    target_n_species : int or None, default=None
        With an int, the threshold moves by ``threshold_step`` after every
        generation towards this many species (the dynamic threshold of the
        NEAT papers). None keeps it fixed, as neat-python does.
    threshold_step : float, default=0.3
        How far the dynamic threshold moves per generation.

    species_fitness_func : {"max", "mean", "min", "median"}, default="max"
        A species' fitness, for stagnation.
    max_stagnation : int, default=20
        Generations without improvement after which a species is removed.
    species_elitism : int, default=2
        The best species are never removed for stagnation.

    elitism : int, default=2
        The best members of each species copied unchanged.
    survival_threshold : float, default=0.2
        Fraction of each species allowed to reproduce.
    min_species_size : int, default=2
        Smallest number of offspring a surviving species gets. With more
        surviving species than ``pop_size`` holds at ``max(min_species_size,
        elitism)`` each, the weakest make no offspring, so that every
        generation has ``pop_size`` genomes. Neither may exceed
        ``pop_size``.

    max_nodes : int or None, default=None
        Cap on nodes per genome (inputs excluded); node additions beyond it
        are skipped. None means no cap.

    Examples
    --------
    >>> from skdeep.neuroevolution import NEATConfig
    >>> config = NEATConfig(pop_size=50, node_add_prob=0.1)
    >>> config.pop_size, config.conn_add_prob
    (50, 0.5)
    """

    pop_size: int = 150
    reset_on_extinction: bool = False

    activation_default: str = "sigmoid"
    activation_options: tuple = ("sigmoid",)
    activation_mutate_rate: float = 0.0
    output_activation: str | None = None

    bias_init_mean: float = 0.0
    bias_init_stdev: float = 1.0
    bias_max_value: float = 30.0
    bias_min_value: float = -30.0
    bias_mutate_power: float = 0.5
    bias_mutate_rate: float = 0.7
    bias_replace_rate: float = 0.1

    response_init_mean: float = 1.0
    response_init_stdev: float = 0.0
    response_max_value: float = 30.0
    response_min_value: float = -30.0
    response_mutate_power: float = 0.0
    response_mutate_rate: float = 0.0
    response_replace_rate: float = 0.0

    weight_init_mean: float = 0.0
    weight_init_stdev: float = 1.0
    weight_max_value: float = 30.0
    weight_min_value: float = -30.0
    weight_mutate_power: float = 0.5
    weight_mutate_rate: float = 0.8
    weight_replace_rate: float = 0.1

    compatibility_disjoint_coefficient: float = 1.0
    compatibility_weight_coefficient: float = 0.5

    conn_add_prob: float = 0.5
    conn_delete_prob: float = 0.5
    node_add_prob: float = 0.2
    node_delete_prob: float = 0.2
    single_structural_mutation: bool = False
    structural_mutation_surer: str = "default"

    enabled_default: bool = True
    enabled_mutate_rate: float = 0.01

    feed_forward: bool = True
    initial_connection: str = "full"
    connection_fraction: float = 0.5
    num_hidden: int = 0

    compatibility_threshold: float = 3.0
    target_n_species: int | None = None
    threshold_step: float = 0.3

    species_fitness_func: str = "max"
    max_stagnation: int = 20
    species_elitism: int = 2

    elitism: int = 2
    survival_threshold: float = 0.2
    min_species_size: int = 2

    max_nodes: int | None = None

    # Keys of neat-python files that name things this engine does the same
    # way and therefore ignores (the input/output counts come from the data).
    _ignored_keys = (
        "fitness_criterion", "fitness_threshold", "no_fitness_termination",
        "num_inputs", "num_outputs", "aggregation_default",
        "aggregation_options", "aggregation_mutate_rate",
    )

    def __post_init__(self):
        for field in fields(self):  # numpy scalars (from a grid) as Python ones
            setattr(self, field.name, plain_numbers(getattr(self, field.name)))
        if isinstance(self.activation_options, str):
            self.activation_options = tuple(self.activation_options.split())
        if isinstance(self.activation_options, (set, frozenset)):
            # (mutations draw from the options by position: a set's order
            # changes with the hash seed, and so did the evolved networks)
            self.activation_options = sorted(self.activation_options, key=repr)
        self.activation_options = tuple(self.activation_options)
        self.validate()

    def validate(self):
        """Raise ``ValueError`` for a parameter of the wrong type or outside
        its range."""
        self._validate_types()
        if int(self.pop_size) < 2:
            raise ValueError(f"pop_size must be at least 2, got {self.pop_size}.")
        unknown = [
            name for name in (
                *([self.activation_default] if self.activation_default != "random"
                  else []),
                *self.activation_options,
                *([self.output_activation] if self.output_activation is not None
                  else []))
            if name not in ACTIVATIONS
        ]
        if unknown:
            raise ValueError(
                f"Unknown activation {unknown[0]!r}; choose from {sorted(ACTIVATIONS)}."
            )
        if not self.activation_options:
            raise ValueError("activation_options must name at least one function.")
        if self.structural_mutation_surer not in SURER:
            raise ValueError(
                f"structural_mutation_surer must be one of {SURER}, got "
                f"{self.structural_mutation_surer!r}."
            )
        if self.initial_connection not in INITIAL_CONNECTIONS:
            raise ValueError(
                f"initial_connection must be one of {INITIAL_CONNECTIONS}, got "
                f"{self.initial_connection!r}."
            )
        if self.species_fitness_func not in ("max", "mean", "min", "median"):
            raise ValueError(
                "species_fitness_func must be 'max', 'mean', 'min' or 'median', got "
                f"{self.species_fitness_func!r}."
            )
        for name in ("conn_add_prob", "conn_delete_prob", "node_add_prob", "connection_fraction",
                     "node_delete_prob", "survival_threshold",
                     "enabled_mutate_rate", "activation_mutate_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}.")
        for attribute in ("bias", "response", "weight"):
            low = getattr(self, f"{attribute}_min_value")
            high = getattr(self, f"{attribute}_max_value")
            if low > high:
                raise ValueError(f"{attribute}_min_value {low} exceeds {attribute}_max_value {high}.")
            for kind in ("init_stdev", "mutate_power"):  # (below 0: no noise, silently)
                spread = getattr(self, f"{attribute}_{kind}")
                if not spread >= 0:
                    raise ValueError(f"{attribute}_{kind} must be >= 0, got {spread}.")
            for kind in ("mutate_rate", "replace_rate"):
                rate = getattr(self, f"{attribute}_{kind}")
                if not 0.0 <= rate <= 1.0:
                    raise ValueError(
                        f"{attribute}_{kind} must be in [0, 1], got {rate}."
                    )
            rates = getattr(self, f"{attribute}_mutate_rate") + getattr(self, f"{attribute}_replace_rate")
            if rates > 1.0:
                raise ValueError(
                    f"{attribute}_mutate_rate + {attribute}_replace_rate must not exceed 1, got {rates}."
                )
        if self.compatibility_threshold <= 0:
            raise ValueError("compatibility_threshold must be positive.")
        if self.elitism < 0 or self.species_elitism < 0 or self.min_species_size < 1:
            raise ValueError("elitism and species_elitism must be >= 0 and min_species_size >= 1.")
        if max(self.elitism, self.min_species_size) > self.pop_size:
            # (a species keeps that many: generations grew past pop_size)
            raise ValueError(
                f"elitism ({self.elitism}) and min_species_size "
                f"({self.min_species_size}) must not exceed pop_size "
                f"({self.pop_size}): every species keeps that many genomes."
            )
        for name, low in (("num_hidden", 0), ("max_stagnation", 1),
                          ("target_n_species", 1), ("max_nodes", 1),
                          ("threshold_step", 0),
                          ("compatibility_disjoint_coefficient", 0),
                          ("compatibility_weight_coefficient", 0)):
            value = getattr(self, name)
            if value is not None and value < low:
                raise ValueError(f"{name} must be >= {low}, got {value}.")

    def _validate_types(self):
        """Each field of its annotated type: an int (not a bool) for ``int``,
        a finite number for ``float`` (a NaN bound passed every range check
        and gave networks that predict NaN), True or False for ``bool``."""
        for field in fields(self):
            value = getattr(self, field.name)
            allowed = typing.get_args(field.type) or (field.type,)
            if value is None and type(None) in allowed:
                continue
            if int in allowed:
                ok = isinstance(value, Integral) and not isinstance(value, bool)
                what = "an int"
            elif float in allowed:
                ok = (isinstance(value, Real) and not isinstance(value, bool)
                      and math.isfinite(value))
                what = "a finite number"
            elif bool in allowed:
                ok, what = isinstance(value, bool), "True or False"
            elif str in allowed:
                ok, what = isinstance(value, str), "a string"
            else:
                continue
            if not ok:
                raise ValueError(
                    f"NEATConfig.{field.name} must be {what}"
                    f"{' or None' if type(None) in allowed else ''}, got {value!r}."
                )

    def replace(self, **changes):
        """A copy with some fields changed (like :func:`dataclasses.replace`).

        Parameters
        ----------
        **changes
            New values of fields, by name; the copy is validated.

        Returns
        -------
        config : NEATConfig
            A new configuration; this one is left unchanged.
        """
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_neat_python(cls, source, **overrides):
        """Read a neat-python configuration file (path or text).

        Keys this engine shares are read; the aggregation keys must say
        ``sum`` (the only aggregation here); the rest of neat-python's keys
        are listed in ``NEATConfig._ignored_keys`` and skipped. Returns the
        configuration and a dict of the ``[NEAT]`` section's
        ``fitness_threshold``/``num_inputs``/``num_outputs`` when given.

        Parameters
        ----------
        source : str or path-like
            The file's path, or its text (a string holding a newline or a
            ``[``; a path-like object is always a path).
        **overrides
            Field values that replace the file's.

        Returns
        -------
        config : NEATConfig
        extra : dict
            ``fitness_threshold`` (float), ``num_inputs`` and ``num_outputs``
            (int), those the file gives.

        Examples
        --------
        >>> from skdeep.neuroevolution import NEATConfig
        >>> text = '''
        ... [NEAT]
        ... pop_size = 60
        ... fitness_threshold = 3.9
        ... [DefaultGenome]
        ... num_inputs = 2
        ... num_outputs = 1
        ... conn_add_prob = 0.3
        ... activation_options = sigmoid tanh
        ... '''
        >>> config, extra = NEATConfig.from_neat_python(text)
        >>> config.pop_size, config.conn_add_prob, config.activation_options
        (60, 0.3, ('sigmoid', 'tanh'))
        >>> extra
        {'fitness_threshold': 3.9, 'num_inputs': 2, 'num_outputs': 1}
        """
        parser = configparser.ConfigParser(inline_comment_prefixes=("#",))
        # a path-like is a path (a folder such as run[1]/ holds a "["); a
        # string is the text when it holds a newline or a "["
        if not isinstance(source, str) or ("\n" not in source and "[" not in source):
            with open(source) as handle:
                text = handle.read()
        else:
            text = source
        parser.read_string(text)
        types = {f.name: f.type for f in fields(cls)}
        values, extra = {}, {}
        for section in parser.sections():
            for key, raw in parser.items(section):
                if key == "initial_connection":
                    raw, *fraction = raw.split()
                    if fraction:
                        values["connection_fraction"] = float(fraction[0])
                if key in ("fitness_threshold",):
                    extra[key] = float(raw)
                elif key == "seed":  # (neat-python 2.0's optional run seed)
                    extra[key] = int(raw)
                elif key == "structural_mutation_surer":
                    spelling = raw.strip().lower()
                    values[key] = (
                        "true" if spelling in ("1", "yes", "true", "on")
                        else "false" if spelling in ("0", "no", "false", "off")
                        else spelling)
                elif key in ("enabled_rate_to_true_add", "enabled_rate_to_false_add"):
                    if float(raw) != 0.0:  # (dropped silently before)
                        raise ValueError(
                            f"{key} = {raw!r}: only 0 is supported (the enabled "
                            f"flag's mutation is enabled_mutate_rate alone)."
                        )
                elif key in ("num_inputs", "num_outputs"):
                    extra[key] = int(raw)
                elif key.endswith("_init_type"):
                    if "gauss" not in raw.lower() and "normal" not in raw.lower():
                        raise ValueError(f"{key} = {raw!r}: only Gaussian initialisation is supported.")
                elif key in ("aggregation_default", "aggregation_options"):
                    if set(raw.split()) != {"sum"}:
                        raise ValueError(f"{key} = {raw!r}: only 'sum' aggregation is supported.")
                elif key == "fitness_criterion" and raw.strip().lower() != "max":
                    # (skipped: evolve stopped on the best genome's fitness
                    # where the file asked for the population's mean or min)
                    raise ValueError(
                        f"{key} = {raw!r}: only 'max' is supported (evolve stops "
                        f"when the best genome reaches fitness_threshold)."
                    )
                elif key in types:
                    values[key] = _parse(raw, types[key])
                elif key in cls._ignored_keys:
                    continue
                else:
                    raise ValueError(f"Unsupported neat-python key {key!r} in [{section}].")
        values.update(overrides)
        return cls(**values), extra


def _parse(raw, kind):
    raw = raw.strip()
    options = typing.get_args(kind)  # optional fields: str | None, ...
    if type(None) in options:
        if raw.lower() == "none":
            return None
        kind = next(option for option in options if option is not type(None))
    if kind in (bool, "bool"):
        if raw.lower() in ("true", "1", "yes", "on"):
            return True
        if raw.lower() in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"Cannot read {raw!r} as a boolean.")
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    if kind in (tuple, "tuple"):
        return tuple(raw.split())
    if kind in (str, "str"):
        return raw
    if raw.lower() == "none":
        return None
    return int(raw)
