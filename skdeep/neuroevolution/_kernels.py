"""numba kernels: compiling a population into one program, running it, and
measuring genetic distances.

NEAT populations are many small, differently shaped networks. Array
libraries pay a fixed cost per operation, which for a population of small
networks dwarfs the arithmetic; these loops do the arithmetic and nothing
else. They are compiled once and cached on disk by numba.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

try:
    from numba import njit
except ImportError as error:  # pragma: no cover - numba is a dependency of the family
    raise ImportError(
        "skdeep.neuroevolution needs numba: pip install 'skdeep[neat]'"
    ) from error


@njit(cache=True, inline="always")
def activation(code, z):
    """Activation ``code`` (an index into ``ACTIVATION_NAMES``) at ``z``."""
    if code == 0:  # sigmoid
        z = min(60.0, max(-60.0, 5.0 * z))
        return 1.0 / (1.0 + math.exp(-z))
    if code == 1:  # tanh
        return math.tanh(min(60.0, max(-60.0, 2.5 * z)))
    if code == 2:  # sin
        return math.sin(min(60.0, max(-60.0, 5.0 * z)))
    if code == 3:  # gauss
        z = min(3.4, max(-3.4, z))
        return math.exp(-5.0 * z * z)
    if code == 4:  # relu
        return z if z > 0.0 else 0.0
    if code == 5:  # elu
        return z if z > 0.0 else math.expm1(z)
    if code == 6:  # lelu
        return z if z > 0.0 else 0.005 * z
    if code == 7:  # selu
        lam = 1.0507009873554804934193349852946
        alpha = 1.6732632423543772848170429916717
        return lam * z if z > 0.0 else lam * alpha * math.expm1(z)
    if code == 8:  # softplus
        z = min(60.0, max(-60.0, 5.0 * z))
        return 0.2 * math.log1p(math.exp(z))
    if code == 9:  # identity
        return z
    if code == 10:  # clamped
        return min(1.0, max(-1.0, z))
    if code == 11:  # inv
        if z == 0.0:
            return 0.0
        return 1.0 / z
    if code == 12:  # log
        return math.log(max(z, 1e-7))
    if code == 13:  # exp
        return math.exp(min(60.0, max(-60.0, z)))
    if code == 14:  # abs
        return abs(z)
    if code == 15:  # hat
        return max(0.0, 1.0 - abs(z))
    if code == 16:  # square
        return z * z
    return z * z * z  # cube


@njit(cache=True)
def apply_activation(codes, Z):
    """Every row of ``Z`` through its own activation (for tests and rendering)."""
    out = np.empty_like(Z)
    for r in range(Z.shape[0]):
        for b in range(Z.shape[1]):
            out[r, b] = activation(codes[r], Z[r, b])
    return out


@njit(cache=True)
def compile_program(node_on, active, conn_src, conn_dst, weight, bias, response, act,
                    n_inputs, feed_forward):
    """Rows, incoming edges and evaluation order of every genome's network.

    ``node_on`` (P, K) and ``active`` (P, C; present and enabled) select each
    genome's nodes and connections. Returns the per-row genome, node column,
    bias, response and activation code; the incoming edges as CSR arrays
    (``indptr``, ``source``, ``edge_weight``; a source ``s >= 0`` is a row, a
    source ``s < 0`` is input ``-s - 1``); the rows in evaluation order
    (topological per genome for feed-forward networks); the row of every
    (genome, node) pair, -1 where absent; and an error flag (1 = cycle).
    """
    P, K = node_on.shape
    C = active.shape[1]
    row_of = np.full((P, K), -1, dtype=np.int64)
    n_rows = 0
    for g in range(P):
        for k in range(n_inputs, K):
            if node_on[g, k]:
                row_of[g, k] = n_rows
                n_rows += 1
    row_genome = np.empty(n_rows, dtype=np.int64)
    row_node = np.empty(n_rows, dtype=np.int64)
    row_bias = np.empty(n_rows)
    row_response = np.empty(n_rows)
    row_act = np.empty(n_rows, dtype=np.int64)
    for g in range(P):
        for k in range(n_inputs, K):
            r = row_of[g, k]
            if r >= 0:
                row_genome[r] = g
                row_node[r] = k
                row_bias[r] = bias[g, k]
                row_response[r] = response[g, k]
                row_act[r] = act[g, k]
    # Incoming edges, counted then filled (CSR by target row).
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for g in range(P):
        for c in range(C):
            if active[g, c]:
                d, s = conn_dst[c], conn_src[c]
                if row_of[g, d] >= 0 and (s < n_inputs or row_of[g, s] >= 0):
                    indptr[row_of[g, d] + 1] += 1
    for r in range(n_rows):
        indptr[r + 1] += indptr[r]
    fill = indptr[:-1].copy()
    source = np.empty(indptr[n_rows], dtype=np.int64)
    edge_weight = np.empty(indptr[n_rows])
    for g in range(P):
        for c in range(C):
            if active[g, c]:
                d, s = conn_dst[c], conn_src[c]
                r = row_of[g, d]
                if r >= 0 and (s < n_inputs or row_of[g, s] >= 0):
                    e = fill[r]
                    source[e] = row_of[g, s] if s >= n_inputs else -s - 1
                    edge_weight[e] = weight[g, c]
                    fill[r] += 1
    order = np.arange(n_rows)
    error = 0
    if feed_forward and n_rows:
        # Kahn's algorithm over all rows at once: genomes share no edges, so
        # the result is a topological order of every genome's network.
        pending = np.zeros(n_rows, dtype=np.int64)
        out_count = np.zeros(n_rows + 1, dtype=np.int64)
        for r in range(n_rows):
            for e in range(indptr[r], indptr[r + 1]):
                if source[e] >= 0:
                    pending[r] += 1
                    out_count[source[e] + 1] += 1
        for r in range(n_rows):
            out_count[r + 1] += out_count[r]
        out_fill = out_count[:-1].copy()
        targets = np.empty(out_count[n_rows], dtype=np.int64)
        for r in range(n_rows):
            for e in range(indptr[r], indptr[r + 1]):
                s = source[e]
                if s >= 0:
                    targets[out_fill[s]] = r
                    out_fill[s] += 1
        head = 0
        tail = 0
        for r in range(n_rows):
            if pending[r] == 0:
                order[tail] = r
                tail += 1
        while head < tail:
            r = order[head]
            head += 1
            for e in range(out_count[r], out_count[r + 1]):
                t = targets[e]
                pending[t] -= 1
                if pending[t] == 0:
                    order[tail] = t
                    tail += 1
        if tail != n_rows:
            error = 1
    return (row_genome, row_node, row_bias, row_response, row_act, indptr, source,
            edge_weight, order, row_of, error)


@njit(cache=True)
def run_rows(order, row_genome, row_bias, row_response, row_act, indptr, source, edge_weight,
             inputs, inputs_per_genome, n_inputs, previous, values):
    """Compute ``values[r, b]`` for the rows ``order``, for all samples ``b``.

    A row's sources are read from ``previous``: pass ``values`` itself and a
    topological order for a feed-forward pass (each row sees this pass's
    values of its inputs), or the last step's values for a recurrent step.
    ``inputs`` is (n_inputs, n) shared by all genomes or (P * n_inputs, n),
    one block per genome.
    """
    n = inputs.shape[1]
    acc = np.empty(n)
    for i in range(order.shape[0]):
        r = order[i]
        offset = row_genome[r] * n_inputs if inputs_per_genome else 0
        acc[:] = 0.0
        for e in range(indptr[r], indptr[r + 1]):
            s = source[e]
            w = edge_weight[e]
            if s >= 0:
                for b in range(n):
                    acc[b] += w * previous[s, b]
            else:
                x = offset - s - 1
                for b in range(n):
                    acc[b] += w * inputs[x, b]
        code, bias, response = row_act[r], row_bias[r], row_response[r]
        for b in range(n):
            values[r, b] = activation(code, bias + response * acc[b])


@njit(cache=True)
def genetic_distance(a_node_on, a_bias, a_response, a_act, a_conn_on, a_enabled, a_weight,
                     b_node_on, b_bias, b_response, b_act, b_conn_on, b_enabled, b_weight,
                     b_rows, weight_coefficient, disjoint_coefficient):
    """neat-python's genetic distance from every genome of table a to rows of table b.

    Only the genes of the b genomes are visited for matches: the cost is the
    a population times the b genomes' gene counts.
    """
    n = a_node_on.shape[0]
    m = b_rows.shape[0]
    out = np.zeros((n, m))
    a_nodes = np.zeros(n, dtype=np.int64)
    a_conns = np.zeros(n, dtype=np.int64)
    for i in range(n):
        for k in range(a_node_on.shape[1]):
            a_nodes[i] += a_node_on[i, k]
        for c in range(a_conn_on.shape[1]):
            a_conns[i] += a_conn_on[i, c]
    Ka = a_node_on.shape[1]
    Ca = a_conn_on.shape[1]
    for j in range(m):
        row = b_rows[j]
        nodes = np.flatnonzero(b_node_on[row])
        conns = np.flatnonzero(b_conn_on[row])
        for i in range(n):
            match = 0
            diff = 0.0
            for k in nodes:
                if k < Ka and a_node_on[i, k]:
                    match += 1
                    diff += abs(a_bias[i, k] - b_bias[row, k])
                    diff += abs(a_response[i, k] - b_response[row, k])
                    if a_act[i, k] != b_act[row, k]:
                        diff += 1.0
            largest = max(a_nodes[i], nodes.shape[0])
            total = 0.0
            if largest > 0:
                disjoint = a_nodes[i] + nodes.shape[0] - 2 * match
                total += (weight_coefficient * diff + disjoint_coefficient * disjoint) / largest
            match = 0
            diff = 0.0
            for c in conns:
                if c < Ca and a_conn_on[i, c]:
                    match += 1
                    diff += abs(a_weight[i, c] - b_weight[row, c])
                    if a_enabled[i, c] != b_enabled[row, c]:
                        diff += 1.0
            largest = max(a_conns[i], conns.shape[0])
            if largest > 0:
                disjoint = a_conns[i] + conns.shape[0] - 2 * match
                total += (weight_coefficient * diff + disjoint_coefficient * disjoint) / largest
            out[i, j] = total
    return out


# A small generator of our own (xorshift64*): numba's np.random.seed costs
# half a millisecond, more than a whole kernel call. Each call gets a fresh
# state drawn from the run's numpy Generator, so runs stay reproducible.
@njit(cache=True, inline="always")
def _uniform(state):
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return ((x * np.uint64(2685821657736338717)) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def _randint(state, n):
    return min(int(_uniform(state) * n), n - 1)


@njit(cache=True, inline="always")
def _normal(state, mean, stdev):
    u = 1.0 - _uniform(state)  # in (0, 1]
    return mean + stdev * math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * _uniform(state))


@njit(cache=True)
def breed(state, node_on, bias, response, act, conn_on, enabled, weight,
          elites, fitter, other):
    """Copies of the elites, then crossovers ``fitter`` x ``other``.

    Offspring carry the fitter parent's genes; an attribute of a gene both
    parents carry comes from either parent with equal chance, attribute by
    attribute (neat-python's crossover), the enabled flag included: without
    neat-python 2.0's (and the NEAT paper's) rule that disables a connection
    disabled in either parent with chance 0.75 (see the user guide).
    """
    n_new = elites.shape[0] + fitter.shape[0]
    K, C = node_on.shape[1], conn_on.shape[1]
    out_node_on = np.empty((n_new, K), dtype=np.bool_)
    out_bias = np.empty((n_new, K))
    out_response = np.empty((n_new, K))
    out_act = np.empty((n_new, K), dtype=act.dtype)
    out_conn_on = np.empty((n_new, C), dtype=np.bool_)
    out_enabled = np.empty((n_new, C), dtype=np.bool_)
    out_weight = np.empty((n_new, C))
    n_elites = elites.shape[0]
    for i in range(n_new):
        src = elites[i] if i < n_elites else fitter[i - n_elites]
        out_node_on[i] = node_on[src]
        out_bias[i] = bias[src]
        out_response[i] = response[src]
        out_act[i] = act[src]
        out_conn_on[i] = conn_on[src]
        out_enabled[i] = enabled[src]
        out_weight[i] = weight[src]
        if i < n_elites:
            continue
        mate = other[i - n_elites]
        for k in range(K):
            if node_on[src, k] and node_on[mate, k]:
                if _uniform(state) < 0.5:
                    out_bias[i, k] = bias[mate, k]
                if _uniform(state) < 0.5:
                    out_response[i, k] = response[mate, k]
                if _uniform(state) < 0.5:
                    out_act[i, k] = act[mate, k]
        for c in range(C):
            if conn_on[src, c] and conn_on[mate, c]:
                if _uniform(state) < 0.5:
                    out_weight[i, c] = weight[mate, c]
                if _uniform(state) < 0.5:
                    out_enabled[i, c] = enabled[mate, c]
    return out_node_on, out_bias, out_response, out_act, out_conn_on, out_enabled, out_weight


@njit(cache=True, inline="always")
def _mutate_value(state, value, rate, replace, power, mean, stdev, low, high):
    r = _uniform(state)
    if r < rate:
        value = value + _normal(state, 0.0, power) if power > 0 else value
    elif r < rate + replace:
        value = _normal(state, mean, stdev) if stdev > 0 else mean
    else:
        return value
    return min(high, max(low, value))


@njit(cache=True)
def mutate_attributes(state, start, node_on, bias, response, act, conn_on, enabled,
                      weight, weight_params, bias_params, response_params, enabled_rate,
                      activation_rate, activation_options, fixed_from, fixed_to):
    """Perturb or redraw every gene attribute of rows ``start`` onwards, in place.

    ``*_params`` are (mutate_rate, replace_rate, mutate_power, init_mean,
    init_stdev, min_value, max_value); node columns ``fixed_from`` to
    ``fixed_to`` keep their activation (fixed output activation).
    """
    wr, wrep, wp, wm, ws, wlo, whi = weight_params
    br, brep, bp, bm, bs, blo, bhi = bias_params
    rr, rrep, rp, rm, rs, rlo, rhi = response_params
    n_options = activation_options.shape[0]
    for i in range(start, node_on.shape[0]):
        for c in range(conn_on.shape[1]):
            if conn_on[i, c]:
                weight[i, c] = _mutate_value(state, weight[i, c], wr, wrep, wp, wm, ws, wlo, whi)
                if enabled_rate > 0 and _uniform(state) < enabled_rate:
                    enabled[i, c] = _uniform(state) < 0.5
        for k in range(node_on.shape[1]):
            if node_on[i, k]:
                if br > 0 or brep > 0:
                    bias[i, k] = _mutate_value(state, bias[i, k], br, brep, bp, bm, bs, blo, bhi)
                if rr > 0 or rrep > 0:
                    response[i, k] = _mutate_value(state, response[i, k], rr, rrep, rp, rm, rs, rlo, rhi)
                if activation_rate > 0 and not (fixed_from <= k < fixed_to):
                    if _uniform(state) < activation_rate:
                        act[i, k] = activation_options[_randint(state, n_options)]


@njit(cache=True, inline="always")
def _pick(state, mask):
    """A uniformly random True index of ``mask`` (-1 if none)."""
    count = 0
    for j in range(mask.shape[0]):
        count += mask[j]
    if count == 0:
        return -1
    target = _randint(state, count)
    for j in range(mask.shape[0]):
        if mask[j]:
            if target == 0:
                return j
            target -= 1
    return -1


@njit(cache=True, inline="always")
def _clipped_normal(state, mean, stdev, low, high):
    value = _normal(state, mean, stdev) if stdev > 0 else mean
    return min(high, max(low, value))


# Connection columns are found by their end points through an open-addressing
# hash table (``slot_code``: the key ``src << 32 | dst`` or -1 for an empty slot,
# ``slot_col``: its column). A dense (node x node) index would cost 8 n_nodes^2
# bytes: 0.5 GB at 4,000 inputs. The table's size is a power of two, kept at
# least twice the number of connections, so every probe ends at an empty slot.


@njit(cache=True, inline="always")
def _slot(slot_code, code):
    """Slot holding ``code``, or the empty slot where it would go."""
    mask = slot_code.shape[0] - 1
    # Fibonacci hashing: the high bits of the product mix both end points.
    mixed = np.uint64(code) * np.uint64(0x9E3779B97F4A7C15)
    slot = np.int64(mixed >> np.uint64(32)) & mask
    while slot_code[slot] != -1 and slot_code[slot] != code:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True, inline="always")
def _find(slot_code, slot_col, code):
    """Column of the connection with this code, -1 for none."""
    slot = _slot(slot_code, code)
    return slot_col[slot] if slot_code[slot] == code else -1


@njit(cache=True)
def find_connections(slot_code, slot_col, codes):
    """Columns of the connections with these codes (-1 for none)."""
    out = np.empty(codes.shape[0], dtype=np.int64)
    for i in range(codes.shape[0]):
        out[i] = _find(slot_code, slot_col, codes[i])
    return out


@njit(cache=True)
def index_connections(slot_code, slot_col, codes, cols):
    """Enter connections ``codes[i]`` at columns ``cols[i]``."""
    for i in range(codes.shape[0]):
        slot = _slot(slot_code, codes[i])
        slot_code[slot] = codes[i]
        slot_col[slot] = cols[i]


@njit(cache=True)
def _connection(src, dst, slot_code, slot_col, conns, counters):
    """Column of connection ``src -> dst``, created if new (counters: nodes, conns, innovation)."""
    code = (src << 32) | dst
    slot = _slot(slot_code, code)
    if slot_code[slot] == code:
        return slot_col[slot]
    col = counters[1]
    conns[0, col] = src
    conns[1, col] = dst
    conns[2, col] = counters[2]
    slot_code[slot] = code
    slot_col[slot] = col
    counters[1] += 1
    counters[2] += 1
    return col


@njit(cache=True)
def _reaches(row_on, conns, n_conns, start, goal, n_nodes):
    """Whether ``goal`` is reachable from ``start`` over a genome's connection genes."""
    reached = np.zeros(n_nodes, dtype=np.bool_)
    reached[start] = True
    changed = True
    while changed:
        changed = False
        for c in range(n_conns):
            if row_on[c] and reached[conns[0, c]] and not reached[conns[1, c]]:
                reached[conns[1, c]] = True
                changed = True
    return reached[goal]


@njit(cache=True)
def _add_connection(state, i, node_on, conn_on, enabled, weight, slot_code, slot_col,
                    conns, counters, n_inputs, first_hidden, feed_forward, weight_init,
                    surer):
    """neat-python's add-connection mutation of row ``i``."""
    w_mean, w_std, w_low, w_high = weight_init
    targets = node_on[i, : counters[0]]
    dst = _pick(state, targets)
    sources = targets.copy()
    sources[n_inputs:first_hidden] = False
    sources[:n_inputs] = True
    src = _pick(state, sources)
    existing = _find(slot_code, slot_col, (src << 32) | dst)
    if existing >= 0 and conn_on[i, existing]:
        if surer:
            enabled[i, existing] = True
        return
    if feed_forward and (src == dst or _reaches(conn_on[i], conns, counters[1],
                                                dst, src, counters[0])):
        return
    c = _connection(src, dst, slot_code, slot_col, conns, counters)
    conn_on[i, c] = True
    enabled[i, c] = True
    weight[i, c] = _clipped_normal(state, w_mean, w_std, w_low, w_high)


@njit(cache=True)
def mutate_structure(state, start, draws, node_on, bias, response, act, conn_on, enabled,
                     weight, node_key, slot_code, slot_col, conns, split_node, counters,
                     n_inputs, n_outputs, feed_forward, max_nodes, response_init,
                     weight_init, default_act, options, surer):
    """neat-python's structural mutations of rows ``start`` onwards, in place.

    ``draws[i]`` holds which of add node, delete node, add connection and
    delete connection row ``start + i`` undergoes, in that order. New genes
    go to the registry arrays (``node_key``, the connection hash table
    ``slot_code``/``slot_col``, ``conns``;
    ``counters`` = nodes, connections, next innovation, next node key), which
    the caller has made large enough; a connection split twice in one
    generation gets the same new node (``split_node``). New nodes get
    ``default_act``, or one of ``options`` at random when it is -1. With
    ``surer`` (neat-python's ``structural_mutation_surer``), adding a
    connection the genome has re-enables it, and adding a node to a genome
    without connections adds a connection.
    """
    r_mean, r_std, r_low, r_high = response_init
    first_hidden = n_inputs + n_outputs
    for i in range(start, node_on.shape[0]):
        d = draws[i - start]
        if d[0] and (max_nodes < 0 or node_on[i].sum() < max_nodes):
            c = _pick(state, conn_on[i, : counters[1]])
            if c >= 0:
                node = split_node[c]
                if node < 0:
                    node = counters[0]
                    node_key[node] = counters[3]
                    counters[0] += 1
                    counters[3] += 1
                    split_node[c] = node
                src, dst = conns[0, c], conns[1, c]
                node_on[i, node] = True
                bias[i, node] = 0.0  # a new node starts neutral (neat-python 2.0)
                response[i, node] = _clipped_normal(state, r_mean, r_std, r_low, r_high)
                if default_act >= 0:
                    act[i, node] = default_act
                else:  # "random": one of the options
                    act[i, node] = options[_randint(state, options.shape[0])]
                enabled[i, c] = False
                old_weight = weight[i, c]
                c_in = _connection(src, node, slot_code, slot_col, conns, counters)
                c_out = _connection(node, dst, slot_code, slot_col, conns, counters)
                conn_on[i, c_in] = True
                enabled[i, c_in] = True
                weight[i, c_in] = 1.0
                conn_on[i, c_out] = True
                enabled[i, c_out] = True
                weight[i, c_out] = old_weight
            elif surer:  # no connection to split: add one (neat-python's "surer")
                _add_connection(state, i, node_on, conn_on, enabled, weight, slot_code,
                                slot_col, conns, counters, n_inputs, first_hidden,
                                feed_forward, weight_init, surer)
        if d[1]:
            hidden = node_on[i, : counters[0]].copy()
            hidden[:first_hidden] = False
            node = _pick(state, hidden)
            if node >= 0:
                node_on[i, node] = False
                for c in range(counters[1]):
                    if conn_on[i, c] and (conns[0, c] == node or conns[1, c] == node):
                        conn_on[i, c] = False
        if d[2]:
            _add_connection(state, i, node_on, conn_on, enabled, weight, slot_code,
                            slot_col, conns, counters, n_inputs, first_hidden,
                            feed_forward, weight_init, surer)
        if d[3]:
            c = _pick(state, conn_on[i, : counters[1]])
            if c >= 0:
                conn_on[i, c] = False
