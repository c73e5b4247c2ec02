"""NEAT as scikit-learn estimators: a classifier and a regressor."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import dataclasses
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from skdeep.neuroevolution._activations import ACTIVATIONS
from skdeep.neuroevolution._config import NEATConfig
from skdeep.neuroevolution._evolve import Genome, NEATPopulation, evolve
from skdeep.utils._sklearn import (
    Interval,
    RealNotInt,
    StrOptions,
    _fit_context,
    check_sample_weight,
    external_stacklevel,
)
from skdeep.utils.validation import column_standardization, float_targets

# The evolving population (and the generator of row subsets) is kept under a
# double-underscore attribute name: pickle and joblib carry it (so warm_start
# continues after a round trip), skdeep.io skips it (a whole run is not model
# data; the file stores the best genome).
_POPULATION = "__population"

# Loss given to a genome whose outputs are not finite (an "exp" node that
# overflowed): worse than any real loss, finite so selection still works.
_BAD_LOSS = 1e6

NEAT_PARAMETERS_DOC = """\
    n_generations : int, default={n_generations}
        Generations to evolve (with ``warm_start``, generations added by each
        further ``fit``).

    pop_size : int, default={pop_size}
        Genomes per generation (NEAT's ``pop_size``).

    complexity_penalty : float, default={complexity_penalty}
        Fitness cost per enabled connection: a genome's fitness is
        ``-(training loss) - complexity_penalty * n_connections``, so larger
        values evolve smaller networks.

    activation : str or tuple of str, default={activation}
        Activation function(s) of hidden nodes, by name (see
        :data:`~skdeep.neuroevolution.ACTIVATIONS`; NEAT's scalings, e.g.
        ``sigmoid(z) = 1 / (1 + exp(-5 z))``). With several names, new nodes
        take the first and mutation switches between them (rate
        ``activation_mutate_rate`` of ``config``, 0.1 unless set). Output
        nodes are always ``"identity"``.

    config : dict, NEATConfig or None, default=None
        NEAT's other settings. A dict of :class:`NEATConfig` fields overrides
        the estimator's defaults (including ``pop_size`` and ``activation``);
        a :class:`NEATConfig` is used as it is (its ``pop_size`` and
        activations win over the parameters above; set
        ``output_activation="identity"`` in it).

    max_samples : int, float or None, default=None
        Training rows that evaluate each generation: an int is a count, a
        float a fraction of the rows (of positive ``sample_weight``), None
        all of them. Each generation draws a fresh subset (without
        replacement), which makes a generation cheaper on large data; the
        returned network is then chosen among the last generation and the
        run's best by its loss on all rows (after a Ctrl-C: the run's best,
        its loss on all rows in ``best_fitness_``; ``history_`` keeps the
        subset fitness of each generation). The
        default evaluates on all rows, which keeps fitting with integer
        ``sample_weight`` equivalent to repeating rows.

    standardize : bool, default=True
        Centre and scale every feature (weighted mean and standard deviation
        of the training rows) before the networks see it. NEAT's activations
        are steep (``sigmoid(5 z)``, ``tanh(2.5 z)``) and its weights start at
        unit scale, so unscaled inputs saturate every node; the fitted
        statistics are part of the model.

    warm_start : bool, default=False
        Continue the fitted population for ``n_generations`` more generations
        instead of starting a new one. The population keeps its
        configuration, input scaling and outputs (classes), and HyperNEAT's
        its substrate and painting (changed since, they warn); pickle and joblib
        keep it, :func:`skdeep.io.save` does not (a loaded model starts a new
        population). The model is the best genome scored on this fit's data
        (the earlier fit's elites carry over and are scored again).

    random_state : int, RandomState instance or None, default=None
        Seeds the evolution and the per-generation row subsets: the same
        seed gives the same networks.

    verbose : int, default=0
        0 is silent; 1 or more shows a progress bar with the best fitness and
        the number of species."""


def _fill(doc, **defaults):
    return doc.format(**{k: repr(v) for k, v in defaults.items()})


def _weighted_mean_loss(per_sample, w):
    """(P, n) per-sample losses -> (P,) weighted means, non-finite -> _BAD_LOSS."""
    with np.errstate(invalid="ignore", over="ignore"):
        if w is None:
            loss = per_sample.mean(axis=1)
        else:
            loss = per_sample @ (w / w.sum())
    return np.where(np.isfinite(loss), loss, _BAD_LOSS)


def _connection_counts(population):
    """Enabled connections of every genome of the current generation."""
    return population.n_connections().astype(float)


def _warn_interrupted(estimator, finished):
    """The warning of an evolution cut short by a KeyboardInterrupt."""
    warnings.warn(
        f"Evolution of {type(estimator).__name__} was interrupted by a "
        f"KeyboardInterrupt after {finished} finished generation(s); the model "
        f"is the fittest genome of those, history_ holds them, and a "
        f"warm_start fit starts a new run.",
        UserWarning,
        stacklevel=external_stacklevel(),
    )


class BaseNEATEstimator(BaseEstimator):
    """Shared machinery of the NEAT and HyperNEAT estimators.

    Owns everything at the estimator level: parameter validation, input
    checks and standardisation, sample weights, the :class:`NEATConfig` built
    from the parameters, the evolution loop (:class:`NEATPopulation` driven
    by :func:`evolve`), ``warm_start`` and the fitted attributes. A genome's
    fitness is ``-(weighted training loss) - complexity_penalty *
    n_connections``.

    The task (the loss and the meaning of the outputs) comes from a mixin,
    :class:`NEATClassifierMixin` or :class:`NEATRegressorMixin`, which
    defines ``_target_validation`` (``validate_data`` options for ``y``),
    ``_encode_targets(y, sample_weight, continuing) -> (targets, n_outputs)``
    (``continuing``: a ``warm_start`` fit, which must keep the first fit's
    encoding), ``_losses(outputs, targets, sample_weight) -> (P,)`` and the
    prediction methods, which call ``self._outputs(X)``. What the genomes
    are, and how they turn inputs into outputs, comes from four hooks, which
    HyperNEAT overrides:

    ``_genome_shape(n_features, n_outputs) -> (n_inputs, n_outputs)``
        Inputs and outputs of the evolved genomes. NEAT: the model's own
        (one input per feature, one output per model output).
    ``_population_outputs(phenotypes, X) -> ndarray (P, n_samples, n_outputs)``
        Raw model outputs of every genome of a generation for the
        (standardised) rows ``X``. NEAT: ``phenotypes.activate(X)``, one call
        for the whole population.
    ``_best_outputs(X) -> ndarray (n_samples, n_outputs)``
        Raw outputs of the fitted model (``best_genome_``) for standardised
        rows ``X``.
    ``_base_config() -> NEATConfig``
        This family's configuration before the ``config`` parameter is
        applied (``pop_size`` is set from the parameter afterwards).

    Do not instantiate this class; use the concrete estimators.
    """

    _parameter_constraints: dict = {
        "n_generations": [Interval(Integral, 1, None, closed="left")],
        "pop_size": [Interval(Integral, 2, None, closed="left")],
        "complexity_penalty": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), tuple, list],
        "config": [dict, NEATConfig, None],
        "max_samples": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
            None,
        ],
        "standardize": ["boolean"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # -- the hooks ------------------------------------------------------------

    def _check_continued_run(self):
        """Called by a ``warm_start`` fit that continues the population
        (subclasses warn of settings it cannot apply)."""

    def _genome_shape(self, n_features, n_outputs):
        return n_features, n_outputs

    def _population_outputs(self, phenotypes, X):
        return phenotypes.activate(X)

    def _best_outputs(self, X):
        return self.best_genome_.activate(X)

    def _base_config(self):
        names = _activation_names(self.activation)
        return NEATConfig(
            activation_default=names[0],
            activation_options=names,
            activation_mutate_rate=0.1 if len(names) > 1 else 0.0,
            # Logits and standardised targets need unbounded outputs.
            output_activation="identity",
            # An estimator should not stop early because every species stagnated.
            reset_on_extinction=True,
            # Finer weight steps than neat-python's XOR setting (0.5 and 0.1):
            # chosen on data sets the benchmarks do not report (see the user guide).
            weight_mutate_power=0.2,
            weight_replace_rate=0.05,
        )

    # -- configuration --------------------------------------------------------

    def _make_config(self):
        """The NEATConfig of a new run: family defaults, then the parameters."""
        if isinstance(self.config, NEATConfig):
            config = copy.deepcopy(self.config)
            config.validate()  # (its fields may have been set since)
        else:
            config = self._base_config().replace(pop_size=int(self.pop_size))
        if self.config and not isinstance(self.config, NEATConfig):
            names = {f.name for f in dataclasses.fields(NEATConfig)}
            unknown = sorted(set(self.config) - names)
            if unknown:
                raise ValueError(
                    f"config has keys that are not NEATConfig fields: {unknown}."
                )
            config = config.replace(**self.config)
        if not config.feed_forward:  # (activate's error named step/reset)
            raise ValueError(
                f"{type(self).__name__} evaluates feed-forward networks: config "
                f"feed_forward=False is for recurrent tasks run with evolve()."
            )
        return config

    # -- fit ------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Evolve networks on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels for classifiers, values for regressors.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the training loss (the loss is
            the weighted mean); an integer weight ``k`` counts as ``k`` copies
            of the row, a zero weight removes it.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        state = self.__dict__.get(_POPULATION) if self.warm_start else None
        continuing = state is not None and hasattr(self, "n_features_in_")
        X, y = validate_data(
            self, X, y, dtype=np.float64, order="C", ensure_min_samples=2,
            reset=not continuing,
            **self._target_validation,
        )
        sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
        if not continuing:
            if self.standardize:
                self._x_mean, self._x_scale = column_standardization(X, sample_weight)
            else:
                self._x_mean = np.zeros(X.shape[1])
                self._x_scale = np.ones(X.shape[1])
        targets, n_outputs = self._encode_targets(y, sample_weight, continuing)
        Xs = (X - self._x_mean) / self._x_scale
        random_state = check_random_state(self.random_state)
        seeds = random_state.randint(np.iinfo(np.int32).max, size=2)
        if continuing:
            self._check_continued_run()
            # Evolved on a copy: a fit that fails leaves the stored run as it
            # was (a failed warm fit's generations leaked into the next one).
            population, rng = copy.deepcopy(state)
            # The best genome so far was scored on the earlier fit's data and
            # weights: kept, it outranked every genome scored on these (an
            # inverted y kept a model scoring 0). The elites carry over and
            # are scored again on these data.
            population.best_genome = None
        else:
            n_in, n_out = self._genome_shape(X.shape[1], n_outputs)
            population = NEATPopulation(n_in, n_out, self._make_config(), int(seeds[0]))
            rng = np.random.default_rng(int(seeds[1]))
        # subsets are drawn among the rows of positive weight: a draw of
        # zero-weight rows only was scored unweighted, and their labels
        # steered the evolution (the same draws as before otherwise); a
        # fractional max_samples is a share of those rows (zero weight is
        # no row, as in scikit-learn)
        pool = (None if sample_weight is None or (sample_weight > 0).all()
                else np.flatnonzero(sample_weight > 0))
        n_pool = X.shape[0] if pool is None else len(pool)
        n_rows = _n_rows(self.max_samples, n_pool)
        subsets = n_rows < n_pool

        def fitness(phenotypes):
            if subsets:
                if pool is None:
                    rows = np.sort(rng.choice(X.shape[0], n_rows, replace=False))
                else:
                    rows = np.sort(pool[rng.choice(n_pool, n_rows, replace=False)])
                Xb, Tb = Xs[rows], targets[rows]
                wb = None if sample_weight is None else sample_weight[rows]
            else:
                Xb, Tb, wb = Xs, targets, sample_weight
            outputs = self._population_outputs(phenotypes, Xb)
            losses = self._losses(outputs, Tb, wb)
            return -losses - self.complexity_penalty * _connection_counts(population)

        recorded = len(population.history["generation"])
        try:
            evolve(fitness, n_generations=int(self.n_generations),
                   population=population, progress=bool(self.verbose))
        except KeyboardInterrupt:
            if population.best_genome is None:
                raise  # no generation finished: the estimator stays as it was
            # Ctrl-C keeps the fittest genome of the finished generations, as
            # the torch estimators keep their finished epochs; the population
            # may be half bred, so a warm start does not continue it.
            self.__dict__.pop(_POPULATION, None)
            _warn_interrupted(self, len(population.history["generation"]) - recorded)
            interrupted = True
        else:
            self.__dict__[_POPULATION] = (population, rng)
            interrupted = False
        best = population.best_genome
        if subsets and interrupted:
            # the run's best, its fitness on all rows (not on its subset; the
            # current generation, maybe half bred, is not searched)
            best = self._rescored(best, Xs, targets, sample_weight)
        elif subsets:
            best = self._best_on_all_rows(population, Xs, targets, sample_weight)
        self._best_genome = _genome_state(best)
        self.n_outputs_ = n_outputs
        self.history_ = copy.deepcopy(population.history)
        self.n_generations_ = len(population.history["generation"])
        self.n_evaluations_ = int(population.n_evaluations)
        self.n_nodes_ = int(best.n_nodes)
        self.n_connections_ = int(best.n_connections)
        self.best_fitness_ = float(best.fitness)
        return self

    def _best_on_all_rows(self, population, Xs, targets, sample_weight):
        """Among the last generation and the run's best, the fittest on all rows.

        Subset fitness is noisy: the genome that was luckiest on its subset
        is not the best model. The current generation holds every species'
        elites, so re-scoring it on all rows picks from the real front.
        """
        phenotypes = population.phenotypes()
        outputs = self._population_outputs(phenotypes, Xs)
        fitness = (-self._losses(outputs, targets, sample_weight)
                   - self.complexity_penalty * _connection_counts(population))
        row = int(np.argmax(fitness))
        best = population.genome(row)
        best.fitness = float(fitness[row])
        previous = self._rescored(population.best_genome, Xs, targets, sample_weight)
        return previous if previous.fitness > best.fitness else best

    def _rescored(self, genome, Xs, targets, sample_weight):
        """``genome`` with its fitness on all rows (it becomes the model)."""
        self._best_genome = _genome_state(genome)
        loss = self._losses(self._best_outputs(Xs)[None], targets, sample_weight)[0]
        fitness = -loss - self.complexity_penalty * genome.n_connections
        return dataclasses.replace(genome, fitness=float(fitness))

    # -- fitted model ---------------------------------------------------------

    @property
    def best_genome_(self):
        """The fittest genome (a :class:`Genome`), the fitted network."""
        # NotFittedError (an AttributeError: hasattr stays False) as
        # scikit-learn's fitted attributes give
        check_is_fitted(self, "_best_genome")
        state = self.__dict__["_best_genome"]
        return Genome(**state)

    def _outputs(self, X):
        """Raw model outputs (n_samples, n_outputs) for new rows."""
        check_is_fitted(self)
        # C order: the network's products of Fortran-ordered rows (a
        # DataFrame's values) rounded otherwise
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        return self._best_outputs((X - self._x_mean) / self._x_scale)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    def _expected_failed_checks(self):
        if self.max_samples is None:
            return {}
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "max_samples draws a random subset of rows each generation; a "
                "weight-k row and k copies of it change which rows are drawn"
            ),
        }


def _genome_state(genome):
    """A genome as a dict of plain values (arrays, tuples, numbers), which
    skdeep.io can store; ``Genome(**state)`` rebuilds it."""
    return {f.name: getattr(genome, f.name) for f in dataclasses.fields(Genome)}


def _activation_names(activation):
    names = (activation,) if isinstance(activation, str) else tuple(activation)
    if not names:
        raise ValueError("activation must name at least one function.")
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown:
        raise ValueError(
            f"Unknown activation {unknown[0]!r}; choose from {sorted(ACTIVATIONS)}."
        )
    return names


def _n_rows(max_samples, n_samples):
    if max_samples is None:
        return n_samples
    if isinstance(max_samples, Integral):
        return min(int(max_samples), n_samples)
    return max(1, min(n_samples, int(round(max_samples * n_samples))))


# -- tasks --------------------------------------------------------------------


class NEATClassifierMixin:
    """Classification with NEAT-family networks: targets, loss, predictions.

    Binary problems evolve one output, the logit of ``classes_[1]`` (the
    probability is the standard logistic ``1 / (1 + exp(-z))``); problems
    with ``K > 2`` classes evolve ``K`` outputs, turned into probabilities by
    a softmax. The loss is the (weighted) log loss.
    """

    _target_validation = {}

    def _encode_targets(self, y, sample_weight, continuing):
        check_classification_targets(y)
        if continuing:
            if not np.isin(y, self.classes_).all():
                raise ValueError(
                    "warm_start: y has classes not seen in the first fit "
                    f"({self.classes_.tolist()})."
                )
            codes = np.searchsorted(self.classes_, y)
        else:
            encoder = LabelEncoder().fit(y)
            self.classes_ = encoder.classes_
            codes = encoder.transform(y)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                "The classifier needs samples of at least 2 classes in the data, "
                f"but the data contain only one class: "
                f"{self.classes_[:1].tolist()[0]!r}."
            )
        return codes.astype(np.int64), (1 if n_classes == 2 else n_classes)

    def _losses(self, outputs, codes, sample_weight):
        if outputs.shape[-1] == 1:
            z = outputs[..., 0]
            sign = np.where(codes == 1, 1.0, -1.0)
            # -log(sigmoid(sign * z)), computed stably
            per_sample = np.logaddexp(0.0, -sign * z)
        else:
            log_norm = _logsumexp(outputs)
            index = np.broadcast_to(codes[None, :, None], outputs.shape[:2] + (1,))
            picked = np.take_along_axis(outputs, index, axis=2)[..., 0]
            per_sample = log_norm - picked
        return _weighted_mean_loss(per_sample, sample_weight)

    def decision_function(self, X):
        """Raw network outputs (logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The logit of ``classes_[1]`` for binary problems, one logit per
            class otherwise.
        """
        out = self._outputs(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``.
        """
        out = self._outputs(X)
        if out.shape[1] == 1:
            p1 = expit(out[:, 0])
            return np.stack([1.0 - p1, p1], axis=1)
        return np.exp(out - _logsumexp(out)[:, None])

    def predict(self, X):
        """Predicted class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        out = self._outputs(X)
        if out.shape[1] == 1:
            return self.classes_[(out[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(out, axis=1)]

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        out = self._outputs(X)
        if out.shape[1] == 1:
            z = out[:, 0]
            return np.stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)], axis=1)
        return out - _logsumexp(out)[:, None]


def _logsumexp(a):
    top = np.max(a, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.log(np.exp(a - top).sum(axis=-1)) + top[..., 0]


class NEATRegressorMixin:
    """Regression with NEAT-family networks: targets, loss, predictions.

    Targets are standardised (weighted mean and standard deviation of the
    training targets), the networks have one identity output per target, and
    the loss is the (weighted) mean squared error on the standardised
    targets, averaged over targets.
    """

    _target_validation = {"multi_output": True, "y_numeric": True}

    def _encode_targets(self, y, sample_weight, continuing):
        y = float_targets(y)
        Y = y.reshape(len(y), -1)
        if continuing:
            def shape(ndim, width):
                return "1-D" if ndim == 1 else f"2-D with {width} column(s)"

            first = shape(1 if self._y_1d else 2, len(self._y_mean))
            if shape(y.ndim, Y.shape[1]) != first:
                # (the message named only the counts: "y has 1 targets, the
                # first fit had 1" for a column after a 1-D y)
                raise ValueError(
                    f"warm_start: y is {shape(y.ndim, Y.shape[1])}; the first fit "
                    f"had y {first}."
                )
        else:
            self._y_mean, self._y_scale = column_standardization(
                Y, sample_weight, targets=True
            )
            self._y_1d = y.ndim == 1
        return (Y - self._y_mean) / self._y_scale, Y.shape[1]

    def _losses(self, outputs, targets, sample_weight):
        with np.errstate(over="ignore", invalid="ignore"):
            per_sample = ((outputs - targets[None]) ** 2).mean(axis=2)
        return _weighted_mean_loss(per_sample, sample_weight)

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when the model was fitted on a 1-D ``y``.
        """
        out = self._outputs(X) * self._y_scale + self._y_mean
        return out[:, 0] if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# -- the estimators -------------------------------------------------------------


class NEATClassifier(ClassifierMixin, NEATClassifierMixin, BaseNEATEstimator):
    """Classifier whose network topology and weights are evolved by NEAT.

    NeuroEvolution of Augmenting Topologies (Stanley & Miikkulainen, 2002)
    starts from minimal networks (every input wired to every output) and
    grows them by mutation (new connections, new nodes, new weights),
    protecting new structure by speciation. Each generation, the whole
    population is compiled into one array program and evaluated on the
    training rows in a single pass; the fitness of a network is its negative
    log loss minus ``complexity_penalty`` per connection. The fittest network
    is the fitted model (``best_genome_``).

    No gradients are used, so NEAT is far slower than a gradient-trained
    network of the same size; its use is small, interpretable networks and
    problems where the topology matters.

    Parameters
    ----------
{parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    best_genome_ : Genome
        The fittest network of the run: one output (the logit of
        ``classes_[1]``) for two classes, one output per class otherwise.

    best_fitness_ : float
        Its fitness (negative log loss minus the complexity penalty).

    n_nodes_ : int
        Its output and hidden nodes.

    n_connections_ : int
        Its enabled connections.

    n_outputs_ : int
        Network outputs (1 for binary problems).

    n_generations_ : int
        Generations evaluated (summed over ``warm_start`` fits).

    n_evaluations_ : int
        Networks evaluated.

    history_ : dict of lists
        Per generation: ``generation``, ``best_fitness``, ``mean_fitness``,
        ``n_species``, ``species_sizes``, ``threshold``, ``n_evaluations``
        and the best genome's ``n_nodes`` and ``n_connections`` (see
        :class:`NEATPopulation`).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    NEATRegressor : The regressor.
    evolve : NEAT for any fitness function.

    References
    ----------
    K. O. Stanley and R. Miikkulainen, "Evolving neural networks through
    augmenting topologies", Evolutionary Computation 10(2), 2002.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdeep.neuroevolution._estimators import NEATClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = NEATClassifier(n_generations=15, pop_size=50, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> bool(clf.score(X, y) > 0.8)
    True
    """

    def __init__(
        self,
        n_generations=300,
        *,
        pop_size=150,
        complexity_penalty=1e-3,
        activation="tanh",
        config=None,
        max_samples=None,
        standardize=True,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.n_generations = n_generations
        self.pop_size = pop_size
        self.complexity_penalty = complexity_penalty
        self.activation = activation
        self.config = config
        self.max_samples = max_samples
        self.standardize = standardize
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return [
            {"n_generations": 5, "pop_size": 20},
            {"n_generations": 5, "pop_size": 30, "activation": ("sigmoid", "relu"),
             "max_samples": 0.5, "config": {"node_add_prob": 0.5}},
        ]


class NEATRegressor(RegressorMixin, NEATRegressorMixin, BaseNEATEstimator):
    """Regressor whose network topology and weights are evolved by NEAT.

    NeuroEvolution of Augmenting Topologies (Stanley & Miikkulainen, 2002)
    starts from minimal networks and grows them by mutation, protecting new
    structure by speciation. Targets are standardised, every target gets one
    identity output, and a network's fitness is its negative mean squared
    error (on the standardised targets) minus ``complexity_penalty`` per
    connection. Several targets are fitted by one network.

    Parameters
    ----------
{parameters}

    Attributes
    ----------
    best_genome_ : Genome
        The fittest network of the run, one output per target.

    best_fitness_ : float
        Its fitness (negative standardised MSE minus the complexity
        penalty).

    n_nodes_ : int
        Its output and hidden nodes.

    n_connections_ : int
        Its enabled connections.

    n_outputs_ : int
        Targets (network outputs).

    n_generations_ : int
        Generations evaluated (summed over ``warm_start`` fits).

    n_evaluations_ : int
        Networks evaluated.

    history_ : dict of lists
        Per generation statistics (see :class:`NEATClassifier`).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    NEATClassifier : The classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution._estimators import NEATRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(100, 2))
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> reg = NEATRegressor(n_generations=15, pop_size=50, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> bool(reg.score(X, y) > 0.8)
    True
    """

    def __init__(
        self,
        n_generations=300,
        *,
        pop_size=150,
        complexity_penalty=1e-3,
        activation="tanh",
        config=None,
        max_samples=None,
        standardize=True,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.n_generations = n_generations
        self.pop_size = pop_size
        self.complexity_penalty = complexity_penalty
        self.activation = activation
        self.config = config
        self.max_samples = max_samples
        self.standardize = standardize
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return [
            # check_regressors_train wants R^2 > 0.5: fewer generations fall short
            {"n_generations": 15, "pop_size": 30},
            {"n_generations": 15, "pop_size": 30, "activation": ("sigmoid", "relu"),
             "max_samples": 0.5, "config": {"node_add_prob": 0.5}},
        ]


_DEFAULTS = dict(
    n_generations=300, pop_size=150, complexity_penalty=1e-3, activation="tanh"
)
for _cls in (NEATClassifier, NEATRegressor):
    _cls.__doc__ = _cls.__doc__.replace(
        "{parameters}", _fill(NEAT_PARAMETERS_DOC, **_DEFAULTS)
    )
