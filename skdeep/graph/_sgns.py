"""Skip-gram with negative sampling over node sequences, compiled with numba.

The same algorithm as gensim's ``Word2Vec(sg=1, hs=0)`` (Mikolov et al., 2013):
frequent nodes down-sampled with ``sample``, a context window shrunk by a
random amount at every position, ``negative`` noise nodes drawn from the
unigram distribution raised to 0.75, a learning rate decayed linearly to 0.0001
(or lr if smaller) in steps of 10,000 tokens, and lock-free (Hogwild) updates
when several threads train. What it saves over gensim: no vocabulary (node ids
are already row indices), no corpus file, and an inner loop that numba compiles
to SIMD code instead of calling BLAS on 128-float vectors, which is about twice
as fast per thread.

An optional *anchor* term, off by default, serves Splitter (Epasto & Perozzi,
2019): every occurrence of a sequence token ``t`` also trains ``t``'s input
vector to predict a fixed vector ``anchor[owner[t]]`` against ``negative``
noise anchors, at ``anchor_weight`` times the learning rate. Off, the kernel
draws no extra random numbers and gives bitwise the same embeddings.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import threading
import time

import numpy as np

from skdeep.graph._progress import silent
from skdeep.graph._word2vec import MIN_LR, node_counts

# The learning rate steps down after every BATCH_WORDS tokens, as gensim's
# does after every job of ``batch_words=10000`` words: a corpus smaller than
# that trains at the initial rate throughout, as with gensim.
BATCH_WORDS = 10000
# The sigmoid is looked up in a table over (-MAX_EXP, MAX_EXP); pairs whose
# score lies outside are saturated and skipped, as in gensim (whose table has
# 1000 entries).
MAX_EXP = 6.0
SIGMOID_SIZE = 4096
SIGMOID_SCALE = SIGMOID_SIZE / (2 * MAX_EXP)  # table index per unit of score

_KERNELS = {}


def _kernels():
    """Compile (once, cached on disk by numba) the training kernels."""
    # The kernels reach their helpers as module globals, not closure cells:
    # numba keys its on-disk cache on the pickled closure, and a captured
    # dispatcher pickles differently in every process, so closure kernels
    # were compiled again in every process (about 5 s before a first fit).
    global next_random, draw_noise, update_pair, anchor_step
    if not _KERNELS:
        from numba import njit

        @njit(cache=True)
        def alias_table(weights):
            # Walker's alias method: O(1) draws from a discrete distribution.
            n = weights.shape[0]
            scaled = weights * (n / weights.sum())
            accept = np.ones(n, dtype=np.float32)
            alias = np.arange(n).astype(np.int32)
            small = np.empty(n, dtype=np.int64)
            large = np.empty(n, dtype=np.int64)
            n_small = 0
            n_large = 0
            for i in range(n):
                if scaled[i] < 1.0:
                    small[n_small] = i
                    n_small += 1
                else:
                    large[n_large] = i
                    n_large += 1
            while n_small > 0 and n_large > 0:
                n_small -= 1
                s = small[n_small]
                g = large[n_large - 1]
                accept[s] = scaled[s]
                alias[s] = g
                scaled[g] = scaled[g] + scaled[s] - 1.0
                if scaled[g] < 1.0:
                    n_large -= 1
                    small[n_small] = g
                    n_small += 1
            return accept, alias

        @njit(inline="always")
        def next_random(state):
            # xorshift64*: returns (new state, 64 random bits)
            state ^= state >> np.uint64(12)
            state ^= state << np.uint64(25)
            state ^= state >> np.uint64(27)
            return state, state * np.uint64(2685821657736338717)

        @njit(inline="always")
        def draw_noise(state, accept, alias):
            # One node from the alias table; returns (new state, node).
            state, bits = next_random(state)
            # the high 32 bits pick a column, the low 24 accept or alias it
            column = np.int64(
                ((bits >> np.uint64(32)) * np.uint64(accept.shape[0])) >> np.uint64(32)
            )
            u = (bits & np.uint64(0xFFFFFF)) * (1.0 / 16777216.0)
            return state, (column if u < accept[column] else np.int64(alias[column]))

        @njit(inline="always", fastmath=True)
        def update_pair(syn0, syn1, context, target, label, alpha, grad,
                        sigmoid_table):
            # One logistic step of syn0[context] . syn1[target] towards label:
            # syn1[target] moves now, syn0[context]'s step accumulates in grad.
            dim = syn0.shape[1]
            dot = np.float32(0.0)
            for k in range(dim):
                dot += syn0[context, k] * syn1[target, k]
            if dot >= MAX_EXP or dot <= -MAX_EXP:
                return  # saturated: no update, as in gensim
            sigmoid = sigmoid_table[np.int64((dot + MAX_EXP) * SIGMOID_SCALE)]
            g = np.float32((label - sigmoid) * alpha)
            for k in range(dim):
                grad[k] += g * syn1[target, k]
                syn1[target, k] += g * syn0[context, k]

        @njit(inline="always", fastmath=True)
        def anchor_step(syn0, anchor, token, node, label, alpha, grad,
                        sigmoid_table):
            # update_pair towards a fixed output vector: only syn0[token]'s
            # step (in grad) is taken, anchor[node] stays as it is.
            dim = syn0.shape[1]
            dot = np.float32(0.0)
            for k in range(dim):
                dot += syn0[token, k] * anchor[node, k]
            if dot >= MAX_EXP or dot <= -MAX_EXP:
                return
            sigmoid = sigmoid_table[np.int64((dot + MAX_EXP) * SIGMOID_SCALE)]
            g = np.float32((label - sigmoid) * alpha)
            for k in range(dim):
                grad[k] += g * anchor[node, k]

        @njit(cache=True, nogil=True, fastmath=True)
        def train_rows(sequences, first, last, syn0, syn1, accept, alias, keep,
                       window, negative, lr, min_lr, done, total, seed,
                       sigmoid_table, owner, anchor, anchor_weight, stop):
            # One pass of skip-gram over sequences[first:last]; returns the
            # number of tokens seen, counted on from ``done`` (of ``total``)
            # for the learning-rate decay, which steps every BATCH_WORDS
            # tokens. anchor_weight > 0 adds the anchor term (module
            # docstring) once per kept token. stop[0] != 0 (set by the main
            # thread when interrupted) ends the pass at the next row.
            state = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) | np.uint64(1)
            for _ in range(4):  # decorrelate nearby seeds
                state, bits = next_random(state)
            dim = syn0.shape[1]
            kept = np.empty(sequences.shape[1], dtype=np.int64)
            grad = np.empty(dim, dtype=np.float32)
            alpha = max(lr - (lr - min_lr) * (done / total), min_lr)
            batch_end = done + BATCH_WORDS
            for row in range(first, last):
                if stop[0]:
                    break
                # Down-sample frequent nodes first, then slide the window over
                # what is left, as gensim does.
                m = 0
                for i in range(sequences.shape[1]):
                    node = sequences[row, i]
                    if node < 0:
                        continue
                    done += 1
                    if keep[node] < 1.0:
                        state, bits = next_random(state)
                        if (bits >> np.uint64(40)) * (1.0 / 16777216.0) > keep[node]:
                            continue
                    kept[m] = node
                    m += 1
                for i in range(m):
                    center = kept[i]
                    state, bits = next_random(state)
                    shrink = np.int64(bits >> np.uint64(33)) % window
                    for j in range(max(i - window + shrink, 0),
                                   min(i + window + 1 - shrink, m)):
                        if j == i:
                            continue
                        # The context node's input vector predicts the center
                        # node against ``negative`` noise nodes.
                        context = kept[j]
                        grad[:] = 0.0
                        update_pair(syn0, syn1, context, center, np.float32(1.0),
                                    alpha, grad, sigmoid_table)
                        for _ in range(negative):
                            state, target = draw_noise(state, accept, alias)
                            if target != center:
                                update_pair(syn0, syn1, context, target,
                                            np.float32(0.0), alpha, grad,
                                            sigmoid_table)
                        for k in range(dim):
                            syn0[context, k] += grad[k]
                    if anchor_weight > 0:
                        # Splitter's -lambda log Pr(owner | token): once per
                        # occurrence, as in the paper's objective; noise
                        # anchors are the owners of unigram^0.75 noise tokens.
                        home = owner[center]
                        grad[:] = 0.0
                        rate = np.float32(alpha * anchor_weight)
                        anchor_step(syn0, anchor, center, home, np.float32(1.0),
                                    rate, grad, sigmoid_table)
                        for _ in range(negative):
                            state, noise = draw_noise(state, accept, alias)
                            other = owner[noise]
                            if other != home:
                                anchor_step(syn0, anchor, center, other,
                                            np.float32(0.0), rate, grad,
                                            sigmoid_table)
                        for k in range(dim):
                            syn0[center, k] += grad[k]
                if done >= batch_end:
                    alpha = max(lr - (lr - min_lr) * (done / total), min_lr)
                    batch_end = done + BATCH_WORDS
            return done

        _KERNELS.update(alias_table=alias_table, train_rows=train_rows)
    return _KERNELS


def _stack(blocks):
    """One int32 array from -1-padded blocks of possibly different widths."""
    blocks = [np.asarray(b) for b in blocks if np.asarray(b).size]
    if not blocks:
        return np.full((0, 1), -1, dtype=np.int32)
    if len(blocks) == 1:  # node2vec's walks: no copy when already int32
        return np.ascontiguousarray(blocks[0], dtype=np.int32)
    width = max(b.shape[1] for b in blocks)
    out = np.full((sum(b.shape[0] for b in blocks), width), -1, dtype=np.int32)
    row = 0
    for b in blocks:
        out[row : row + b.shape[0], : b.shape[1]] = b
        row += b.shape[0]
    return out


def keep_probabilities(counts, sample):
    """Probability that down-sampling keeps each occurrence of a node.

    word2vec's (and gensim's) rule: a node seen ``c`` times in ``n`` tokens
    is kept with probability ``min((sqrt(c / t) + 1) * t / c, 1)``, where
    ``t = sample * n``; ``sample=0`` keeps everything. Returns float32.
    """
    counts = np.asarray(counts)
    keep = np.ones(len(counts), dtype=np.float32)
    if sample > 0:
        threshold = sample * counts.sum()
        present = counts > 0
        c = counts[present].astype(np.float64)
        keep[present] = np.minimum((np.sqrt(c / threshold) + 1) * threshold / c, 1.0)
    return keep


def _thread_seed(seed, epoch, thread):
    return int(np.random.SeedSequence([seed, epoch, thread]).generate_state(1)[0])


def sgns_embedding(
    blocks, n_nodes, *, dimensions, window, epochs, negative, lr, sample, workers,
    seed, timings=None, initial=None, anchor=None, owner=None, anchor_weight=0.0,
    progress=None,
):
    """Train skip-gram (SGNS) on node sequences with skdeep's numba kernel.

    Same parameters, conventions and result as
    :func:`skdeep.graph._word2vec.word2vec_embedding` (gensim): one float64
    row per node, zero for nodes that appear in no sequence. With
    ``workers=1`` the result is bitwise reproducible for a given ``seed`` on a
    given machine; with more workers each thread trains on its share of the
    sequences and updates the shared vectors without locks, so results vary
    from run to run (as with gensim). ``progress`` (a
    :class:`~skdeep.graph._progress.Progress`) prints a line per epoch.
    """
    progress = silent(progress)
    kernels = _kernels()
    start = time.perf_counter()
    sequences = _stack(blocks)
    counts = node_counts([sequences], n_nodes)
    n_tokens = int(counts.sum())
    embedding = np.zeros((n_nodes, dimensions), dtype=np.float64)
    if initial is not None:
        embedding[:] = initial
    if n_tokens == 0:
        return embedding
    keep = keep_probabilities(counts, sample)
    accept, alias = kernels["alias_table"](counts.astype(np.float64) ** 0.75)
    grid = (np.arange(SIGMOID_SIZE) + 0.5) / SIGMOID_SIZE * 2 * MAX_EXP - MAX_EXP
    sigmoid_table = (1 / (1 + np.exp(-grid))).astype(np.float32)
    rng = np.random.default_rng(seed)
    # gensim's initialisation: uniform in [-1, 1) / dimensions.
    syn0 = (rng.random((n_nodes, dimensions), dtype=np.float32) * 2 - 1) / dimensions
    if initial is not None:
        syn0[:] = initial
    syn1 = np.zeros((n_nodes, dimensions), dtype=np.float32)
    if anchor_weight > 0:
        anchor = np.ascontiguousarray(anchor, dtype=np.float32)
        owner = np.ascontiguousarray(owner, dtype=np.int32)
        if anchor.shape[1] != dimensions or owner.shape != (n_nodes,):
            raise ValueError(
                f"anchor must have {dimensions} columns and owner {n_nodes} "
                f"entries, got {anchor.shape} and {owner.shape}."
            )
    else:
        anchor = np.zeros((1, dimensions), dtype=np.float32)
        owner = np.zeros(1, dtype=np.int32)
    workers = max(1, min(int(workers), sequences.shape[0]))
    bounds = np.linspace(0, sequences.shape[0], workers + 1).astype(np.int64)
    # Each thread decays its learning rate over its own share of the tokens.
    shares = [
        max(int((sequences[a:b] >= 0).sum()), 1) * epochs
        for a, b in zip(bounds[:-1], bounds[1:])
    ]
    done = [0] * workers
    stop = np.zeros(1, dtype=np.uint8)
    prepared = time.perf_counter()

    def run(thread, epoch):
        done[thread] = kernels["train_rows"](
            sequences, bounds[thread], bounds[thread + 1], syn0, syn1, accept,
            alias, keep, window, negative, lr, min(lr, MIN_LR), done[thread],
            shares[thread], _thread_seed(seed, epoch, thread), sigmoid_table,
            owner, anchor, np.float32(anchor_weight), stop,
        )

    for epoch in range(epochs):
        if workers == 1:
            run(0, epoch)
        else:
            threads = [
                threading.Thread(target=run, args=(t, epoch)) for t in range(workers)
            ]
            for t in threads:
                t.start()
            try:
                for t in threads:
                    t.join()
            except BaseException:  # (Ctrl-C: the threads ran on, past fit)
                stop[0] = 1
                for t in threads:
                    t.join()
                raise
        progress(f"skip-gram epoch {epoch + 1}/{epochs} (numba, {n_tokens} tokens)")
    trained = time.perf_counter()
    if timings is not None:
        timings.update(prepare_s=prepared - start, train_s=trained - prepared)
    present = counts > 0
    embedding[present] = syn0[present]
    return embedding
