"""Benchmark tasks for neuroevolution: XOR, cart poles, visual discrimination."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

# The task code talks to a population of networks through three members only:
#   phenotypes.n_genomes        population size P
#   phenotypes.reset(n_envs)    clear recurrent state, P x n_envs copies
#   phenotypes.step(X)          X (P, n_envs, n_inputs) -> (P, n_envs, n_outputs)


def _run_step(phenotypes, X):
    out = np.asarray(phenotypes.step(X), dtype=float)
    if out.ndim != 3 or out.shape[:2] != X.shape[:2]:
        raise ValueError(
            f"phenotypes.step returned shape {out.shape}, expected "
            f"({X.shape[0]}, {X.shape[1]}, n_outputs)"
        )
    return out


# --------------------------------------------------------------------------- XOR


def xor_data():
    """The four XOR cases.

    Returns
    -------
    X : ndarray of shape (4, 2)
        The inputs ``(0, 0), (0, 1), (1, 0), (1, 1)``.
    y : ndarray of shape (4,)
        The targets ``0, 1, 1, 0``.

    Examples
    --------
    >>> from skdeep.neuroevolution._tasks import xor_data
    >>> X, y = xor_data()
    >>> X.shape, y.tolist()
    ((4, 2), [0.0, 1.0, 1.0, 0.0])
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    return X, y


def xor_fitness(phenotypes):
    """neat-python's XOR fitness, ``4 - sum of squared errors``, for a population.

    The four cases run as four parallel environments of one activation each,
    so a perfect network scores 4 and a constant 0.5 output scores 3.

    Parameters
    ----------
    phenotypes : object
        The population's networks (``n_genomes``, ``reset``, ``step``), each
        with 2 inputs and at least 1 output (the first is read).

    Returns
    -------
    fitness : ndarray of shape (n_genomes,)

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution._tasks import xor_fitness
    >>> class Half:  # two genomes that always answer 0.5 and 0.0
    ...     n_genomes = 2
    ...     def reset(self, n_envs): pass
    ...     def step(self, X):
    ...         return np.stack([np.full(X.shape[1:2] + (1,), v) for v in (0.5, 0.0)])
    >>> xor_fitness(Half()).tolist()
    [3.0, 2.0]
    """
    X, y = xor_data()
    n = phenotypes.n_genomes
    phenotypes.reset(len(X))
    out = _run_step(phenotypes, np.broadcast_to(X, (n,) + X.shape).copy())
    return 4.0 - ((out[..., 0] - y) ** 2).sum(axis=1)


# ------------------------------------------------------------------ pole balancing

from skdeep.neuroevolution import _pole
from skdeep.neuroevolution._network import Phenotypes

_FORCE_MAG = _pole.FORCE_MAG
_TRACK = _pole.TRACK
_GRUAU_STATE_VALUES = (0.05, 0.25, 0.5, 0.75, 0.95)
_SCALAR_BELOW = 4  # at most this many carts left: the scalar twin steps them


class PoleBalancing:
    """Cart-pole balancing, one or two poles, vectorised over a population.

    The physics are Wieland's cart with poles hinged on it, integrated by
    4th-order Runge-Kutta, with the constants of the double-pole benchmark of
    Stanley & Miikkulainen (2002) (after Gruau et al. 1996 and Gomez &
    Miikkulainen 1999): cart 1 kg on a track of +-2.4 m, long pole of
    half-length 0.5 m and 0.1 kg, short pole of half-length 0.05 m and
    0.01 kg, hinge friction 2e-6, a force of at most 10 N, RK4 steps of
    0.01 s, and failure when a pole leaves +-36 degrees (+-12 degrees for the
    single pole, as in the classic task). As in the reference code, one
    network activation drives ``substeps=2`` RK4 steps, so 100,000 steps
    are about 33 minutes of simulated time.

    Parameters
    ----------
    kind : {"double", "single"}, default="double"
        Two poles (long and short) or the long pole alone.
    velocities : bool, default=True
        If True the network sees the full state (Markov task): cart position
        and velocity and each pole's angle and angular velocity. If False it
        sees only the cart position and the pole angles (non-Markov task),
        so it needs recurrent connections to estimate the velocities.
    max_steps : int, default=None
        Steps of one evaluation by :meth:`fitness`. None means 100,000 for
        the Markov task (the success criterion of the paper) and 1,000 for
        the non-Markov task (Gruau's damping fitness is computed over 1,000
        steps).
    initial_angle : float, default=0.07
        Starting angle of the (long) pole in radians; every other state
        variable starts at 0. 0.07 rad (4 degrees) is what the NEAT and ESP
        reference code uses, although it labels it "one degree"; pass
        ``np.deg2rad(1)`` for the 1 degree that the papers describe.
    failure_angle : float, default=None
        Pole angle in radians beyond which the episode fails. None means 36
        degrees for ``"double"`` and 12 degrees for ``"single"``.
    output_range : tuple of float, default=(-1.0, 1.0)
        The range of the network's first output, mapped linearly onto a
        force of -10 N to 10 N (outputs outside are clipped). Use
        ``(0.0, 1.0)`` for sigmoid outputs, as in the reference code.
    bias_input : bool, default=False
        Append a constant 0.5 input, as the reference code does (for
        networks without node biases).
    tau : float, default=0.01
        Runge-Kutta step in seconds.
    substeps : int, default=2
        Runge-Kutta steps per network activation.

    Attributes
    ----------
    n_inputs : int
        Network inputs: 6 (double, velocities), 3 (double, no velocities),
        4 (single, velocities) or 2 (single, no velocities), plus 1 with
        ``bias_input``. Inputs are scaled as in the reference code:
        position / 4.8, velocities / 2, angles / 0.52.
    n_outputs : int
        Always 1.
    markov : bool
        Whether the task gives velocities.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution._tasks import PoleBalancing
    >>> task = PoleBalancing("double", velocities=False, max_steps=50)
    >>> task.n_inputs
    3
    >>> s = task.initial_state()
    >>> s.round(3).tolist()
    [0.0, 0.0, 0.07, 0.0, 0.0, 0.0]
    >>> states = np.stack([s, s])                 # any leading shape works
    >>> task.step(states, np.array([1.0, -1.0])).shape
    (2, 6)
    >>> class Still:  # one genome that never pushes
    ...     n_genomes = 1
    ...     def reset(self, n_envs): pass
    ...     def step(self, X): return np.zeros(X.shape[:2] + (1,))
    >>> task.balanced_steps(Still()).tolist()  # the long pole falls within 50 steps
    [[22]]
    """

    def __init__(
        self,
        kind="double",
        *,
        velocities=True,
        max_steps=None,
        initial_angle=0.07,
        failure_angle=None,
        output_range=(-1.0, 1.0),
        bias_input=False,
        tau=0.01,
        substeps=2,
    ):
        if kind not in ("single", "double"):
            raise ValueError(f"kind must be 'single' or 'double', got {kind!r}")
        if max_steps is not None and (
            not isinstance(max_steps, Integral) or max_steps < 1
        ):
            raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
        if not isinstance(substeps, Integral) or substeps < 1:
            raise ValueError(f"substeps must be a positive int, got {substeps!r}")
        lo, hi = output_range
        if not hi > lo:
            raise ValueError(f"output_range must be increasing, got {output_range!r}")
        if not isinstance(tau, Real) or tau <= 0:
            raise ValueError(f"tau must be positive, got {tau!r}")
        self.kind = kind
        self.velocities = bool(velocities)
        self.max_steps = max_steps
        self.initial_angle = float(initial_angle)
        self.failure_angle = failure_angle
        self.output_range = (float(lo), float(hi))
        self.bias_input = bool(bias_input)
        self.tau = float(tau)
        self.substeps = int(substeps)
        # (mass, half-length) of each pole
        self._poles = ((0.1, 0.5), (0.01, 0.05)) if kind == "double" else ((0.1, 0.5),)
        if failure_angle is None:
            failure_angle = 0.628329 if kind == "double" else 0.2094384
        self._fail = float(failure_angle)
        self._dim = 2 + 2 * len(self._poles)
        self._work = None  # the scalar twin's scratch arrays
        self._constants = None

    # ---- sizes

    @property
    def markov(self):
        return self.velocities

    @property
    def n_inputs(self):
        n = self._dim if self.velocities else self._dim // 2
        return n + int(self.bias_input)

    @property
    def n_outputs(self):
        return 1

    @property
    def _steps(self):
        if self.max_steps is not None:
            return int(self.max_steps)
        return 100_000 if self.velocities else 1000

    # ---- vectorised physics; internally states are (dim, n) so rows are contiguous

    def initial_state(self):
        """The standard starting state ``(x, x', theta1, theta1', [theta2, theta2'])``.

        Returns
        -------
        state : ndarray of shape (4,) or (6,)
        """
        s = np.zeros(self._dim)
        s[2] = self.initial_angle
        return s

    def generalization_states(self):
        """Gruau's 625 starting states of the generalisation test.

        Cart position, cart velocity, long-pole angle and angular velocity
        each take 5 values (at 5, 25, 50, 75 and 95 % of +-2.16 m, +-1.35 m/s,
        +-3.6 degrees and +-8.6 degrees/s); the short pole starts upright.

        Returns
        -------
        states : ndarray of shape (625, 4) or (625, 6)
        """
        v = np.asarray(_GRUAU_STATE_VALUES)
        grid = np.meshgrid(
            v * 4.32 - 2.16,
            v * 2.70 - 1.35,
            v * 0.12566304 - 0.06283152,
            v * 0.30019504 - 0.15009752,
            indexing="ij",
        )
        states = np.zeros((625, self._dim))
        for j, g in enumerate(grid):
            states[:, j] = g.ravel()
        return states

    def force(self, outputs):
        """Force in newtons for network outputs (clipped to ``output_range``).

        Parameters
        ----------
        outputs : float or array-like
            The network's (first) output for each state.

        Returns
        -------
        force : float or ndarray of the same shape as ``outputs``
            Between -10 and 10 N: ``output_range`` maps linearly onto it.
        """
        lo, hi = self.output_range
        u = (np.clip(outputs, lo, hi) - lo) / (hi - lo)
        return (2.0 * u - 1.0) * _FORCE_MAG

    def _physics(self):
        if self._constants is None:
            masses = np.array([m for m, _ in self._poles])
            halves = np.array([h for _, h in self._poles])
            self._constants = (self.tau, self.substeps, masses, halves)
        return self._constants

    def _advance(self, S, force):
        # S is (dim, n); the compiled physics steps one cart at a time
        states = np.ascontiguousarray(S.T)
        _pole.advance_many(states, np.ascontiguousarray(force, dtype=float), *self._physics())
        return np.ascontiguousarray(states.T)

    def step(self, states, outputs):
        """Advance states by one network activation (``substeps`` RK4 steps).

        Parameters
        ----------
        states : array-like of shape (..., 4) or (..., 6)
        outputs : array-like of shape (...)
            The network's (first) output for each state.

        Returns
        -------
        states : ndarray of the same shape as ``states``
            New states; ``states`` is left as it was.
        """
        # a copy: the compiled physics advance their array in place, and a
        # C-contiguous float64 input was that array (a trajectory of
        # task.step(traj[-1], ...) held the last state everywhere)
        states = np.array(states, dtype=float)
        if states.shape[-1] != self._dim:
            raise ValueError(f"states must end with {self._dim}, got {states.shape}")
        lead = states.shape[:-1]
        S = states.reshape(-1, self._dim).T
        F = self.force(np.broadcast_to(np.asarray(outputs, float), lead).reshape(-1))
        return self._advance(S, F).T.reshape(states.shape)

    def _observe(self, S):
        # S is (dim, n); the compiled observation serves every caller
        return _pole.observe_many(np.ascontiguousarray(S.T), self.velocities, self.bias_input,
                                  len(self._poles), self.n_inputs)

    def observe(self, states):
        """Network inputs for states, shape ``states.shape[:-1] + (n_inputs,)``.

        Parameters
        ----------
        states : array-like of shape (..., 4) or (..., 6)

        Returns
        -------
        inputs : ndarray of shape (..., n_inputs)
            Scaled as described under ``n_inputs``; without velocities, only
            the positions and angles.
        """
        states = np.asarray(states, dtype=float)
        S = states.reshape(-1, self._dim).T
        return self._observe(S).reshape(states.shape[:-1] + (self.n_inputs,))

    def _inside(self, S):
        ok = np.abs(S[0]) <= _TRACK
        for i in range(len(self._poles)):
            ok &= np.abs(S[2 + 2 * i]) <= self._fail
        return ok

    def failed(self, states):
        """Whether states are outside the track or the pole-angle limits.

        Parameters
        ----------
        states : array-like of shape (..., 4) or (..., 6)

        Returns
        -------
        failed : ndarray of bool of shape (...)
        """
        states = np.asarray(states, dtype=float)
        S = states.reshape(-1, self._dim).T
        return (~self._inside(S)).reshape(states.shape[:-1])

    # ---- population runs

    def _simulate(self, phenotypes, states0, n_steps, jiggle=False):
        """Run every genome from every start state; failed carts leave the work.

        Returns the steps balanced, shape (P, n_envs), and with ``jiggle`` the
        sum of ``|x| + |x'| + |theta1| + |theta1'|`` over the last (at most)
        100 balanced steps.
        """
        n = phenotypes.n_genomes
        states0 = np.atleast_2d(np.asarray(states0, dtype=float))
        if isinstance(phenotypes, Phenotypes):
            # skdeep's networks and the carts run together in compiled code
            p = phenotypes.program()
            lo, hi = self.output_range
            balanced, jig = _pole.simulate(
                p["order"], p["starts"], p["bias"], p["response"], p["activation"],
                p["indptr"], p["source"], p["weight"], p["output_rows"][:, 0],
                phenotypes.feed_forward, np.ascontiguousarray(states0), int(n_steps),
                bool(jiggle), *self._physics(), self._fail, self.velocities,
                self.bias_input, self.n_inputs, lo, hi)
            return (balanced, jig) if jiggle else balanced
        n_envs = len(states0)
        total = n * n_envs
        phenotypes.reset(n_envs)
        S = np.ascontiguousarray(np.tile(states0, (n, 1)).T)  # (dim, P * n_envs)
        alive = np.arange(total)
        balanced = np.zeros(total, dtype=np.int64)
        X = self._observe(S)  # failed carts keep showing their last inputs
        ring = np.zeros((total, 100)) if jiggle else None
        # Genomes still driving a cart; networks that can narrow themselves
        # to a subset (skdeep's Phenotypes.select) stop computing the others.
        running = np.arange(n)
        can_select = hasattr(phenotypes, "select")
        for t in range(n_steps):
            envs = (running[:, None] * n_envs + np.arange(n_envs)).reshape(-1)
            out = _run_step(phenotypes, X[envs].reshape(len(running), n_envs, -1))
            position = np.full(total, -1, dtype=np.int64)
            position[envs] = np.arange(len(envs))
            action = out[..., 0].reshape(-1)[position[alive]]
            if alive.size <= _SCALAR_BELOW:
                # a few carts left: one at a time beats numpy's per-call overhead
                S = np.array(
                    [self.step_scalar(S[:, j], a) for j, a in enumerate(action)]
                ).T
            else:
                S = self._advance(S, self.force(action))
            ok = self._inside(S)
            if jiggle:
                jig = np.abs(S[0]) + np.abs(S[1]) + np.abs(S[2]) + np.abs(S[3])
                ring[alive[ok], t % 100] = jig[ok]
            if not ok.all():
                alive, S = alive[ok], S[:, ok]
                if alive.size == 0:
                    break
                still = np.unique(alive // n_envs)
                if can_select and len(still) <= len(running) // 2:
                    keep = np.searchsorted(running, still)
                    phenotypes = phenotypes.select(keep)
                    running = still
            balanced[alive] += 1
            X[alive] = self._observe(S)
        balanced = balanced.reshape(n, n_envs)
        if jiggle:
            return balanced, ring.sum(axis=1).reshape(n, n_envs)
        return balanced

    def balanced_steps(self, phenotypes, states=None, n_steps=None):
        """Steps each genome keeps the cart and poles within bounds.

        Parameters
        ----------
        phenotypes : object
            The population's networks (``n_genomes``, ``reset``, ``step``).
        states : array-like of shape (n_envs, 4 or 6), default=None
            Start states, run as parallel environments; None means the
            standard :meth:`initial_state`.
        n_steps : int, default=None
            Horizon; None means ``max_steps``.

        Returns
        -------
        steps : ndarray of shape (n_genomes, n_envs)
        """
        if states is None:
            states = self.initial_state()[None]
        n_steps = self._steps if n_steps is None else n_steps
        return self._simulate(phenotypes, states, n_steps)

    def fitness(self, phenotypes):
        """Fitness of each genome from the standard start.

        Markov task: the steps balanced (at most ``max_steps``). Non-Markov
        task: Gruau's damping fitness over ``max_steps`` (1,000) steps,
        ``0.1 t / max_steps + 0.9 * 0.75 / J`` where ``t`` is the steps
        balanced and ``J`` is the sum of ``|x| + |x'| + |theta1| +
        |theta1'|`` over the last 100 of them; the second term counts only
        when ``t > 100``. It rewards networks that balance without
        oscillating, which the velocity-free task otherwise allows.

        Parameters
        ----------
        phenotypes : object
            The population's networks (``n_genomes``, ``reset``, ``step``).

        Returns
        -------
        fitness : ndarray of shape (n_genomes,)
        """
        steps = self._steps
        if self.velocities:
            b = self._simulate(phenotypes, self.initial_state()[None], steps)
            return b[:, 0].astype(float)
        b, jig = self._simulate(
            phenotypes, self.initial_state()[None], steps, jiggle=True
        )
        return _gruau(b[:, 0], jig[:, 0], steps)

    def generalization_score(self, phenotypes, n_steps=1000):
        """How many of Gruau's 625 start states each genome balances ``n_steps``.

        Parameters
        ----------
        phenotypes : object
            The population's networks (``n_genomes``, ``reset``, ``step``).
        n_steps : int, default=1000
            Steps a genome must balance from a start state for it to count.

        Returns
        -------
        score : ndarray of shape (n_genomes,), int
        """
        b = self._simulate(phenotypes, self.generalization_states(), n_steps)
        return (b >= n_steps).sum(axis=1)

    def solved(self, phenotypes, *, long_steps=100_000, min_generalization=200):
        """The benchmark's success test for each genome.

        Markov task: balance ``long_steps`` (100,000) steps from the standard
        start. Non-Markov task (Gruau et al. 1996, as run by NEAT): balance
        ``long_steps`` steps and then balance at least ``min_generalization``
        (200) of the 625 :meth:`generalization_states` for 1,000 steps each.
        Pass only the candidates (e.g. the generation's champion): a
        100,000-step run costs as much as 100 ordinary evaluations.

        Parameters
        ----------
        phenotypes : object
            The population's networks (``n_genomes``, ``reset``, ``step``).
        long_steps : int, default=100_000
            Steps to balance from the standard start.
        min_generalization : int, default=200
            Start states of the generalisation test to balance (non-Markov
            task only).

        Returns
        -------
        solved : ndarray of shape (n_genomes,), bool
        """
        ok = self.balanced_steps(phenotypes, n_steps=long_steps)[:, 0] >= long_steps
        if self.velocities or not ok.any():
            return ok
        return ok & (self.generalization_score(phenotypes) >= min_generalization)

    # ---- scalar twin (one cart at a time, for one network at a time, e.g. neat-python)

    def step_scalar(self, state, output):
        """:meth:`step` for one state given as a list (the compiled physics, one cart).

        Parameters
        ----------
        state : sequence of 4 or 6 floats
        output : float

        Returns
        -------
        state : list of float
        """
        s = np.array(state, dtype=float)
        if self._work is None:
            self._work = _pole.work_buffer(self._dim, len(self._poles))
        _pole.advance(s, _pole.force(float(output), *self.output_range), *self._physics(),
                      *self._work)
        return s.tolist()

    def observe_scalar(self, state):
        """:meth:`observe` for one state, as a list of floats.

        Parameters
        ----------
        state : sequence of 4 or 6 floats

        Returns
        -------
        inputs : list of float
            ``n_inputs`` values.
        """
        return self._observe(np.asarray(state, dtype=float)[:, None])[0].tolist()

    def failed_scalar(self, state):
        """:meth:`failed` for one state.

        Parameters
        ----------
        state : sequence of 4 or 6 floats

        Returns
        -------
        failed : bool
        """
        if abs(state[0]) > _TRACK:
            return True
        return any(
            abs(state[2 + 2 * i]) > self._fail for i in range(len(self._poles))
        )

    def balanced_steps_scalar(self, activate, state=None, n_steps=None, jiggle=False):
        """Steps balanced by one network given as ``activate(inputs) -> outputs``.

        Reset a recurrent network's state before calling. With ``jiggle``
        returns ``(steps, J)`` as used by Gruau's fitness.

        Parameters
        ----------
        activate : callable
            ``activate(inputs) -> outputs``: a list of ``n_inputs`` floats to
            a sequence whose first item is the network's output.
        state : sequence of 4 or 6 floats, default=None
            Start state; None means :meth:`initial_state`.
        n_steps : int, default=None
            Horizon; None means ``max_steps``.
        jiggle : bool, default=False
            Also return ``J``, the sum of ``|x| + |x'| + |theta1| +
            |theta1'|`` over the last (at most) 100 balanced steps.

        Returns
        -------
        steps : int
            Steps balanced, at most ``n_steps``.
        J : float
            Only with ``jiggle``.
        """
        s = list(self.initial_state() if state is None else state)
        s = [float(v) for v in s]
        n_steps = self._steps if n_steps is None else n_steps
        ring = [0.0] * 100
        t = 0
        while t < n_steps:
            s = self.step_scalar(s, activate(self.observe_scalar(s))[0])
            if self.failed_scalar(s):
                break
            if jiggle:
                ring[t % 100] = abs(s[0]) + abs(s[1]) + abs(s[2]) + abs(s[3])
            t += 1
        return (t, sum(ring)) if jiggle else t

    def fitness_scalar(self, activate, reset=None):
        """:meth:`fitness` for one network (``reset()`` is called first if given).

        Parameters
        ----------
        activate : callable
            ``activate(inputs) -> outputs``, as for :meth:`balanced_steps_scalar`.
        reset : callable, default=None
            ``reset()`` clears a recurrent network's state.

        Returns
        -------
        fitness : float
        """
        if reset is not None:
            reset()
        steps = self._steps
        if self.velocities:
            return float(self.balanced_steps_scalar(activate, n_steps=steps))
        t, jig = self.balanced_steps_scalar(activate, n_steps=steps, jiggle=True)
        return float(_gruau(np.array([t]), np.array([jig]), steps)[0])

    def solved_scalar(
        self, activate, reset=None, *, long_steps=100_000, min_generalization=200
    ):
        """:meth:`solved` for one network (``reset()`` before each run if given).

        Parameters
        ----------
        activate : callable
            ``activate(inputs) -> outputs``, as for :meth:`balanced_steps_scalar`.
        reset : callable, default=None
            ``reset()`` clears a recurrent network's state.
        long_steps : int, default=100_000
            Steps to balance from the standard start.
        min_generalization : int, default=200
            Start states of the generalisation test to balance (non-Markov
            task only).

        Returns
        -------
        solved : bool
        """
        if reset is not None:
            reset()
        if self.balanced_steps_scalar(activate, n_steps=long_steps) < long_steps:
            return False
        if self.velocities:
            return True
        score = 0
        for k, state in enumerate(self.generalization_states()):
            if reset is not None:
                reset()
            score += self.balanced_steps_scalar(activate, state, 1000) >= 1000
            if score + (624 - k) < min_generalization:  # cannot reach it any more
                return False
        return score >= min_generalization


def _gruau(t, jig, horizon):
    t = np.asarray(t, dtype=float)
    f = 0.1 * t / horizon
    late = t > 100
    f[late] += 0.9 * 0.75 / np.maximum(jig[late], 1e-300)
    return f


# ---------------------------------------------------------- visual discrimination


def _box_radii(resolution):
    if not isinstance(resolution, Integral) or resolution < 11 or resolution % 11:
        raise ValueError(
            f"resolution must be 11 times an odd number (11, 33, 55, ...), got "
            f"{resolution!r}"
        )
    scale = resolution // 11
    if scale % 2 == 0:
        raise ValueError(
            f"resolution must be 11 times an odd number (11, 33, 55, ...), got "
            f"{resolution!r}"
        )
    # 11x11: 1x1 and 3x3 boxes; the sizes grow with the field (33x33: 3x3 and 9x9)
    return scale, (scale - 1) // 2, (3 * scale - 1) // 2


def _to_unit(pix, resolution):
    half = (resolution - 1) / 2.0
    return (np.asarray(pix, dtype=float) - half) / half


def _draw(resolution, small, large, r_small, r_large):
    n = len(small)
    images = np.zeros((n, resolution, resolution))
    rows = np.arange(resolution)
    for boxes, r in ((small, r_small), (large, r_large)):
        in_r = np.abs(rows[None, :] - boxes[:, 0, None]) <= r  # (n, res)
        in_c = np.abs(rows[None, :] - boxes[:, 1, None]) <= r
        images = np.maximum(images, (in_r[:, :, None] & in_c[:, None, :]).astype(float))
    return images


def visual_discrimination(n_samples, resolution=11, random_state=None):
    """Random retinas of the HyperNEAT visual discrimination task.

    Each image holds a small box (1x1 at 11x11) and a large box (3x3),
    both fully inside the field and not overlapping; the target is the
    centre of the large box (Stanley, D'Ambrosio & Gauci 2009). At higher
    resolutions the boxes scale with the field: ``s = resolution // 11``
    gives boxes of ``s x s`` and ``3s x 3s`` pixels.

    Parameters
    ----------
    n_samples : int
    resolution : int, default=11
        Side of the square field: 11 times an odd number (11, 33, 55, ...).
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    images : ndarray of shape (n_samples, resolution, resolution)
        1 on the boxes, 0 elsewhere; ``images[k, row, col]``.
    targets : ndarray of shape (n_samples, 2)
        Centre of the large box as ``(x, y)`` = (column, row) coordinates in
        [-1, 1], pixel centres spaced evenly with the corners at +-1.

    Examples
    --------
    >>> from skdeep.neuroevolution._tasks import visual_discrimination
    >>> images, targets = visual_discrimination(3, random_state=0)
    >>> images.shape, targets.shape
    ((3, 11, 11), (3, 2))
    >>> images.sum(axis=(1, 2)).tolist()  # 1 + 9 pixels lit
    [10.0, 10.0, 10.0]
    """
    if not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    _, r_small, r_large = _box_radii(resolution)
    rng = check_random_state(random_state)
    small = np.empty((n_samples, 2), dtype=int)
    large = np.empty((n_samples, 2), dtype=int)
    todo = np.arange(n_samples)
    while todo.size:  # rejection sampling of overlapping pairs
        large[todo] = rng.randint(r_large, resolution - r_large, size=(todo.size, 2))
        small[todo] = rng.randint(r_small, resolution - r_small, size=(todo.size, 2))
        gap = np.abs(large[todo] - small[todo]).max(axis=1)
        todo = todo[gap <= r_small + r_large]
    images = _draw(resolution, small, large, r_small, r_large)
    return images, _to_unit(large[:, ::-1], resolution)


def visual_discrimination_trials(resolution=11):
    """The 75 evaluation trials of the HyperNEAT visual discrimination paper.

    The small box sits at each of 25 positions (rows and columns 1, 3, 5,
    7, 9 of the 11x11 field) and the large box is half the field (5
    pixels) to its right, below it and diagonally, wrapping around the
    field and nudged inward off the border, as in the original HyperNEAT
    code. At a higher resolution the same 75 layouts are drawn with scaled
    boxes: pixel ``c`` of the 11x11 field becomes the block centred on
    ``s c + (s - 1) / 2`` with ``s = resolution // 11``.

    Parameters
    ----------
    resolution : int, default=11
        11 times an odd number (11, 33, 55, ...).

    Returns
    -------
    images : ndarray of shape (75, resolution, resolution)
    targets : ndarray of shape (75, 2)
        Centre of the large box as ``(x, y)`` in [-1, 1] (see
        :func:`visual_discrimination`).

    Examples
    --------
    >>> from skdeep.neuroevolution._tasks import visual_discrimination_trials
    >>> images, targets = visual_discrimination_trials(33)
    >>> images.shape
    (75, 33, 33)
    >>> float(images[0].sum())  # a 3x3 and a 9x9 box
    90.0
    """
    scale, r_small, r_large = _box_radii(resolution)
    small, large = [], []
    for y in range(1, 11, 2):
        for x in range(1, 11, 2):
            bx, by = _nudge((x + 5) % 11), _nudge((y + 5) % 11)
            for big in ((by, x), (y, bx), (by, bx)):  # below, right, diagonal
                small.append((y, x))
                large.append(big)
    small = np.array(small) * scale + (scale - 1) // 2
    large = np.array(large) * scale + (scale - 1) // 2
    images = _draw(resolution, small, large, r_small, r_large)
    return images, _to_unit(large[:, ::-1], resolution)


def _nudge(c):
    # keep the 3x3 box inside the 11x11 field
    return 1 if c == 0 else 9 if c == 10 else c


def visual_discrimination_error(outputs, targets):
    """Distance between each output map's most active pixel and the target.

    Parameters
    ----------
    outputs : array-like of shape (..., resolution, resolution) or (..., resolution**2)
        Activation of each output pixel (row-major), e.g. a HyperNEAT
        substrate's output sheet; the leading shape must broadcast with
        ``targets.shape[:-1]``.
    targets : array-like of shape (..., 2)
        ``(x, y)`` in [-1, 1], as returned by :func:`visual_discrimination`.

    Returns
    -------
    distance : ndarray of shape (...)
        Euclidean distance in the [-1, 1] coordinates (one 11x11 pixel is
        0.2; the field's diagonal is 2.83). Ties go to the first pixel.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution._tasks import (
    ...     visual_discrimination_error, visual_discrimination_trials)
    >>> images, targets = visual_discrimination_trials()
    >>> perfect = np.zeros_like(images)
    >>> rows, cols = np.round((targets[:, ::-1] + 1) * 5).astype(int).T
    >>> perfect[np.arange(75), rows, cols] = 1.0
    >>> float(visual_discrimination_error(perfect, targets).max())
    0.0
    >>> float(visual_discrimination_error(images, targets).mean().round(3))
    0.637
    """
    outputs = np.asarray(outputs, dtype=float)
    targets = np.asarray(targets, dtype=float)
    if (
        outputs.ndim == targets.ndim + 1
        and outputs.shape[-1] == outputs.shape[-2]
    ):  # maps (..., res, res)
        res = outputs.shape[-1]
        flat = outputs.reshape(outputs.shape[:-2] + (res * res,))
    else:
        res = math.isqrt(outputs.shape[-1])
        if res * res != outputs.shape[-1]:
            raise ValueError(f"outputs must be square maps, got {outputs.shape}")
        flat = outputs
    idx = flat.argmax(axis=-1)
    chosen = np.stack([idx % res, idx // res], axis=-1)  # (x, y) = (col, row)
    return np.linalg.norm(_to_unit(chosen, res) - targets, axis=-1)


def visual_discrimination_fitness(phenotypes, resolution=11):
    """Fitness on the 75 trials of :func:`visual_discrimination_trials`.

    Each trial is a parallel environment of one activation; the input is
    the flattened retina (``resolution**2`` values, row-major) and the
    output the same-sized map whose most active pixel is the guess. A trial
    scores ``max(0, 30 - d**2)`` with ``d`` the guess's distance from the
    target counted in pixels of the 11x11 field (the original HyperNEAT
    code's score), so a perfect network scores 75 * 30 = 2250.

    Parameters
    ----------
    phenotypes : object
        The population's networks (``n_genomes``, ``reset``, ``step``), each
        with ``resolution**2`` inputs and outputs.
    resolution : int, default=11
        Side of the retina: 11 times an odd number (11, 33, 55, ...).

    Returns
    -------
    fitness : ndarray of shape (n_genomes,)

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.neuroevolution._tasks import visual_discrimination_fitness
    >>> class Echo:  # guesses the first lit pixel of its input
    ...     n_genomes = 1
    ...     def reset(self, n_envs): pass
    ...     def step(self, X): return X
    >>> float(visual_discrimination_fitness(Echo())[0]) < 2250
    True
    """
    images, targets = visual_discrimination_trials(resolution)
    n = phenotypes.n_genomes
    X = images.reshape(len(images), -1)
    phenotypes.reset(len(images))
    out = _run_step(phenotypes, np.broadcast_to(X, (n,) + X.shape).copy())
    if out.shape[-1] != resolution * resolution:
        raise ValueError(
            f"visual discrimination needs {resolution**2} outputs, "
            f"got {out.shape[-1]}"
        )
    d = visual_discrimination_error(out, targets[None]) * 5.0  # 11x11 pixels
    return np.maximum(0.0, 30.0 - d**2).sum(axis=1)
