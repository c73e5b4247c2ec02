"""Map geometry, neighbourhood kernels and decay schedules of self-organizing maps."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
import torch

_SQRT3_2 = math.sqrt(3.0) / 2.0
# Grid distances are small integers or sqrt of them; this tolerance tells
# "distance 1" (a neighbour) from the next one (sqrt(2) or sqrt(3)).
NEIGHBOUR_TOL = 1e-6


def node_positions(n_rows, n_columns, topology):
    """Planar coordinates ``(x, y)`` of each node, in row-major node order.

    Rectangular nodes sit on the integer lattice. Hexagonal nodes use offset
    rows ("odd-r"): odd rows are shifted right by half a cell and rows are
    ``sqrt(3) / 2`` apart, so every interior node has six neighbours at
    distance 1.

    Returns
    -------
    positions : ndarray of shape (n_rows * n_columns, 2)
        Columns are ``x`` (along a row) and ``y`` (across rows).
    """
    rows, cols = np.divmod(np.arange(n_rows * n_columns), n_columns)
    x = cols.astype(np.float64)
    y = rows.astype(np.float64)
    if topology == "hexagonal":
        x = x + 0.5 * (rows % 2)
        y = y * _SQRT3_2
    return np.column_stack([x, y])


def quarter_squared_distances(n_rows, n_columns, topology, toroidal):
    """Four times the squared distances between every pair of nodes, exactly,
    as integers.

    On both lattices ``4 d^2`` is an integer: rectangular nodes sit on the
    integer lattice, and hexagonal ones, in half-cell units across a row and
    whole rows, are ``(2 dx)^2 + 3 drow^2`` apart. The distances split into a
    row part and a column part, so the whole ``(n_nodes, n_nodes)`` table is
    one broadcast sum of two small ones (building it in floats, with square
    roots, cost two to four times as much on maps of 100 to 225 nodes). On a
    toroidal map the shortest periodic image is taken axis by axis (rows wrap
    by whole rows, an even number of them on hexagonal maps).

    Returns
    -------
    quarter_squared : ndarray of int64, shape (n_nodes, n_nodes)
    """
    rows, cols = np.arange(n_rows), np.arange(n_columns)
    drow = np.abs(rows[:, None] - rows[None, :])
    if toroidal:
        drow = np.minimum(drow, n_rows - drow)
    hexagonal = topology == "hexagonal"
    row_part = (3 if hexagonal else 4) * drow * drow  # (R, R)
    if hexagonal:
        # half-cell offsets across a row depend on the parity of both rows:
        # a (2, C, 2, C) table, picked by the parity of each row
        half = 2 * cols[None, :] + np.arange(2)[:, None]  # (parity, column)
        dx = np.abs(half[:, :, None, None] - half[None, None, :, :])
        if toroidal:
            dx = np.minimum(dx, 2 * n_columns - dx)
        parity = rows % 2
        column_part = (dx * dx)[parity][:, :, parity]  # (R, C, R, C)
    else:
        dx = np.abs(cols[:, None] - cols[None, :])
        if toroidal:
            dx = np.minimum(dx, n_columns - dx)
        column_part = (4 * dx * dx)[None, :, None, :]  # (1, C, 1, C)
    n_nodes = n_rows * n_columns
    return (row_part[:, None, :, None] + column_part).reshape(n_nodes, n_nodes)


def grid_distances(n_rows, n_columns, topology, toroidal):
    """Distances between every pair of nodes on the map.

    On a toroidal map opposite edges are glued, and the distance is the
    shortest one over the periodic images (rows wrap by whole rows, an even
    number of them on hexagonal maps, so that wrapping shifts no column).

    Returns
    -------
    distances : ndarray of shape (n_nodes, n_nodes)
    """
    # sqrt(4 d^2) / 2 is exact where d is (the scaling is by a power of 4)
    return np.sqrt(quarter_squared_distances(n_rows, n_columns, topology, toroidal)) / 2


def neighbour_pairs(n_rows, n_columns, topology, toroidal):
    """The pairs of nodes at grid distance 1, without the ``(n_nodes,
    n_nodes)`` table: each node's candidates (the nodes at most one row and
    two columns away, wrapped on a toroidal map) are measured with
    :func:`quarter_squared_distances`' exact integer rule, in O(n_nodes)
    time and memory (the table took 800 MB on a 100 x 100 map).

    Returns
    -------
    nodes, neighbours : ndarrays of int64
        Row-major order, each node's neighbours in increasing order, each
        pair once per direction: ``np.nonzero`` of the boolean adjacency.
    """
    n_nodes = n_rows * n_columns
    rows, cols = np.divmod(np.arange(n_nodes), n_columns)
    dr, dc = np.meshgrid(np.arange(-1, 2), np.arange(-2, 3), indexing="ij")
    other_rows = rows[:, None] + dr.ravel()[None, :]
    other_cols = cols[:, None] + dc.ravel()[None, :]
    if toroidal:
        other_rows %= n_rows
        other_cols %= n_columns
    inside = (other_rows >= 0) & (other_rows < n_rows)
    inside &= (other_cols >= 0) & (other_cols < n_columns)
    node = np.broadcast_to(np.arange(n_nodes)[:, None], other_rows.shape)[inside]
    other_rows, other_cols = other_rows[inside], other_cols[inside]
    drow = np.abs(rows[node] - other_rows)
    if toroidal:
        drow = np.minimum(drow, n_rows - drow)
    if topology == "hexagonal":  # half-cell units across a row, as there
        dx = np.abs(2 * cols[node] + rows[node] % 2 - 2 * other_cols - other_rows % 2)
        if toroidal:
            dx = np.minimum(dx, 2 * n_columns - dx)
        quarter = 3 * drow * drow + dx * dx
    else:
        dx = np.abs(cols[node] - other_cols)
        if toroidal:
            dx = np.minimum(dx, n_columns - dx)
        quarter = 4 * drow * drow + 4 * dx * dx
    pairs = node * n_nodes + (other_rows * n_columns + other_cols)
    pairs = np.unique(pairs[quarter == 4])  # (sorted: row-major, once each)
    return np.divmod(pairs, n_nodes)


def neighbour_mask(distances):
    """Boolean adjacency of the map: nodes at grid distance 1."""
    return np.abs(distances - 1.0) < NEIGHBOUR_TOL


# Exponents below this are flushed to an exact 0: exp(-80) is still a normal
# float32, while subnormal results make every later product 10-100x slower.
_MIN_EXPONENT = -80.0


def _exp_neg(d2, scale):
    """``exp(-d2 / scale)``, exactly 0 where it would be subnormal in float32."""
    exponent = -d2 / scale
    far = exponent <= _MIN_EXPONENT
    # exp of the clamped exponent: exp of very negative numbers (subnormal or
    # zero results) is 10-30 times as slow
    return torch.exp(exponent.clamp_min_(_MIN_EXPONENT)).masked_fill_(far, 0.0)


def gaussian(d2, sigma):
    """``exp(-d^2 / (2 sigma^2))``."""
    return _exp_neg(d2, 2.0 * sigma * sigma)


def bubble(d2, sigma):
    """1 within radius ``sigma`` (inclusive), 0 outside."""
    return (d2 <= sigma * sigma + NEIGHBOUR_TOL).to(d2.dtype)


def mexican_hat(d2, sigma):
    """Ricker wavelet ``(1 - d^2 / sigma^2) exp(-d^2 / (2 sigma^2))``.

    Positive near the winner, negative in a ring around it.
    """
    s2 = sigma * sigma
    return (1.0 - d2 / s2) * _exp_neg(d2, 2.0 * s2)


NEIGHBORHOODS = {"gaussian": gaussian, "bubble": bubble, "mexican_hat": mexican_hat}
# Kernels that are never negative.
NON_NEGATIVE = (gaussian, bubble)


# -- decay schedules ----------------------------------------------------------
# A schedule maps (start, end, progress) to the value at ``progress`` in [0, 1]:
# ``start`` at 0 and, for all but "asymptotic", ``end`` at 1. Module-level
# functions, so that estimators holding them pickle.


def linear_decay(start, end, progress):
    """Straight line from ``start`` to ``end``."""
    return start + (end - start) * progress


def exponential_decay(start, end, progress):
    """Geometric interpolation: ``start * (end / start) ** progress``."""
    return start * (end / start) ** progress


def inverse_decay(start, end, progress):
    """``start / (1 + progress * (start / end - 1))``: fast early, slow late."""
    return start / (1.0 + progress * (start / end - 1.0))


def asymptotic_decay(start, end, progress):
    """MiniSom's default, ``start / (1 + 2 progress)`` (ends at ``start / 3``).

    ``end`` is ignored.
    """
    return start / (1.0 + 2.0 * progress)


def constant(start, end, progress):
    """``start`` throughout."""
    return start


DECAY_SCHEDULES = {
    "linear": linear_decay,
    "exponential": exponential_decay,
    "inverse": inverse_decay,
    "asymptotic": asymptotic_decay,
    "constant": constant,
}


def check_schedule(schedule, name):
    """Resolve a schedule parameter to a callable; refuse unpicklable ones."""
    if isinstance(schedule, str):
        return DECAY_SCHEDULES[schedule]
    qualname = getattr(schedule, "__qualname__", "") or ""
    if getattr(schedule, "__name__", "") == "<lambda>" or "<locals>" in qualname:
        raise ValueError(
            f"{name} must be picklable: one of {sorted(DECAY_SCHEDULES)}, a "
            f"module-level function or an instance of a module-level class "
            f"with __call__(start, end, progress); got {schedule!r} (lambdas "
            f"and nested functions do not pickle)."
        )
    return schedule


def schedule_value(schedule, start, end, progress, name):
    value = float(schedule(float(start), float(end), float(progress)))
    if not math.isfinite(value) or value < 0:
        raise ValueError(
            f"{name} schedule returned {value!r} at progress={progress:.3g}; it "
            f"must return a finite, non-negative number."
        )
    return value
