"""Cart-pole physics and whole-episode simulation, compiled with numba.

One implementation of the physics serves every caller: the population-wide
task (a loop over carts), the scalar twin that neat-python's networks drive
one step at a time, and the fused simulation that runs skdeep networks and
carts together, episode by episode, without returning to Python between
steps (a control task's cost is then the arithmetic, not the per-step
overhead of an array library).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

# (numba through _kernels' guarded import: its install hint without numba)
from skdeep.neuroevolution._kernels import activation, njit

GRAVITY = -9.8  # the reference code's sign convention
MUP = 0.000002  # pole hinge friction
MASSCART = 1.0
FORCE_MAG = 10.0
TRACK = 2.4


@njit(cache=True)
def _derivs(s, force, masses, halves, out, trig):
    # Wieland's equations with hinge friction (as in Gomez's code)
    num = force
    den = MASSCART
    for i in range(masses.shape[0]):
        th, w = s[2 + 2 * i], s[3 + 2 * i]
        c, sn = math.cos(th), math.sin(th)
        trig[0, i] = c
        trig[1, i] = sn
        ml = halves[i] * masses[i]
        num += ml * w * w * sn + 0.75 * masses[i] * c * ((MUP / ml) * w + GRAVITY * sn)
        den += masses[i] * (1.0 - 0.75 * c * c)
    acc = num / den
    out[0] = s[1]
    out[1] = acc
    for i in range(masses.shape[0]):
        w = s[3 + 2 * i]
        ml = halves[i] * masses[i]
        out[2 + 2 * i] = w
        out[3 + 2 * i] = (-0.75 / halves[i]) * (
            acc * trig[0, i] + GRAVITY * trig[1, i] + (MUP / ml) * w)


def work_buffer(dim, n_poles):
    """Scratch space for :func:`advance` (so that it allocates nothing per step)."""
    return np.empty((5, dim)), np.empty((2, n_poles))


@njit(cache=True)
def advance(s, force, tau, substeps, masses, halves, work, trig):
    """``substeps`` 4th-order Runge-Kutta steps of one state, in place.

    ``work`` (5, dim) and ``trig`` (2, n_poles) are scratch arrays.
    """
    dim = s.shape[0]
    k1, k2, k3, k4, tmp = work[0], work[1], work[2], work[3], work[4]
    h, hh, h6 = tau, 0.5 * tau, tau / 6.0
    for _ in range(substeps):
        _derivs(s, force, masses, halves, k1, trig)
        for j in range(dim):
            tmp[j] = s[j] + hh * k1[j]
        _derivs(tmp, force, masses, halves, k2, trig)
        for j in range(dim):
            tmp[j] = s[j] + hh * k2[j]
        _derivs(tmp, force, masses, halves, k3, trig)
        for j in range(dim):
            tmp[j] = s[j] + h * k3[j]
        _derivs(tmp, force, masses, halves, k4, trig)
        for j in range(dim):
            s[j] = s[j] + h6 * (k1[j] + k4[j] + 2.0 * (k2[j] + k3[j]))


@njit(cache=True)
def advance_many(states, forces, tau, substeps, masses, halves):
    """:func:`advance` for every row of ``states`` (n, dim), in place."""
    work = np.empty((5, states.shape[1]))
    trig = np.empty((2, masses.shape[0]))
    for n in range(states.shape[0]):
        advance(states[n], forces[n], tau, substeps, masses, halves, work, trig)


@njit(cache=True, inline="always")
def force(output, low, high):
    u = (min(max(output, low), high) - low) / (high - low)
    return (2.0 * u - 1.0) * FORCE_MAG


@njit(cache=True, inline="always")
def _observe(s, velocities, bias_input, n_poles, out):
    out[0] = s[0] / 4.8
    j = 1
    if velocities:
        out[j] = s[1] / 2.0
        j += 1
    for i in range(n_poles):
        out[j] = s[2 + 2 * i] / 0.52
        j += 1
        if velocities:
            out[j] = s[3 + 2 * i] / 2.0
            j += 1
    if bias_input:
        out[j] = 0.5


@njit(cache=True)
def observe_many(states, velocities, bias_input, n_poles, n_inputs):
    """Network inputs (n, n_inputs) for states (n, dim)."""
    out = np.empty((states.shape[0], n_inputs))
    for n in range(states.shape[0]):
        _observe(states[n], velocities, bias_input, n_poles, out[n])
    return out


@njit(cache=True, inline="always")
def _inside(s, n_poles, fail):
    if abs(s[0]) > TRACK:
        return False
    for i in range(n_poles):
        if abs(s[2 + 2 * i]) > fail:
            return False
    return True


@njit(cache=True)
def simulate(order, starts, row_bias, row_response, row_act, indptr, source, edge_weight,
             output_rows, feed_forward, states0, n_steps, jiggle, tau, substeps, masses,
             halves, fail, velocities, bias_input, n_inputs, low, high):
    """Every genome drives the cart from every start state until it fails.

    The networks are a compiled program (see ``compile_program``) whose rows
    are visited genome by genome: ``order[starts[g]:starts[g + 1]]`` are
    genome ``g``'s rows in evaluation order. Returns the steps balanced
    (P, n_envs) and, with ``jiggle``, the sum of ``|x| + |x'| + |theta1| +
    |theta1'|`` over the last (at most) 100 balanced steps.
    """
    n_genomes = starts.shape[0] - 1
    n_envs, dim = states0.shape
    n_poles = masses.shape[0]
    balanced = np.zeros((n_genomes, n_envs), dtype=np.int64)
    jig = np.zeros((n_genomes, n_envs))
    values = np.zeros(row_bias.shape[0])
    previous = np.zeros(row_bias.shape[0])
    obs = np.zeros(n_inputs)
    s = np.empty(dim)
    work = np.empty((5, dim))
    trig = np.empty((2, n_poles))
    ring = np.zeros(100)
    for g in range(n_genomes):
        rows = order[starts[g]:starts[g + 1]]
        for env in range(n_envs):
            s[:] = states0[env]
            for r in rows:
                values[r] = 0.0
            ring[:] = 0.0
            t = 0
            while t < n_steps:
                _observe(s, velocities, bias_input, n_poles, obs)
                if not feed_forward:
                    for r in rows:
                        previous[r] = values[r]
                for r in rows:
                    acc = 0.0
                    for e in range(indptr[r], indptr[r + 1]):
                        src = source[e]
                        if src < 0:
                            acc += edge_weight[e] * obs[-src - 1]
                        elif feed_forward:
                            acc += edge_weight[e] * values[src]
                        else:
                            acc += edge_weight[e] * previous[src]
                    values[r] = activation(row_act[r], row_bias[r] + row_response[r] * acc)
                advance(s, force(values[output_rows[g]], low, high), tau, substeps, masses,
                        halves, work, trig)
                if not _inside(s, n_poles, fail):
                    break
                if jiggle:
                    ring[t % 100] = abs(s[0]) + abs(s[1]) + abs(s[2]) + abs(s[3])
                t += 1
            balanced[g, env] = t
            if jiggle:
                jig[g, env] = ring.sum()
    return balanced, jig
