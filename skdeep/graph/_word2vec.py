"""Skip-gram with negative sampling over node sequences, through gensim's Word2Vec."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import tempfile
import time

import numpy as np

from skdeep.utils._logging import quiet_logger

# The rate at the end of training (gensim's default min_alpha), or lr if
# smaller: both backends decay linearly from lr to min(lr, MIN_LR)
MIN_LR = 0.0001

MAX_SEQUENCE_LENGTH = 10000  # gensim's corpus_file reader truncates longer lines

_KERNELS = {}


def _format_kernel():
    """Compile (once, cached on disk by numba) the int -> text corpus kernel."""
    if "format" not in _KERNELS:
        from numba import njit

        @njit(cache=True)
        def format_lines(block, buffer, start):
            # Write the non-negative entries of each row of ``block`` as decimal
            # ids separated by spaces, one line per row with at least one id;
            # return (end position in ``buffer``, number of lines written).
            pos = start
            n_lines = 0
            digits = np.empty(12, dtype=np.uint8)
            for i in range(block.shape[0]):
                first = True
                for j in range(block.shape[1]):
                    v = np.int64(block[i, j])
                    if v < 0:
                        continue
                    if not first:
                        buffer[pos] = 32  # space
                        pos += 1
                    first = False
                    k = 0
                    while True:
                        digits[k] = 48 + v % 10
                        k += 1
                        v //= 10
                        if v == 0:
                            break
                    while k > 0:
                        k -= 1
                        buffer[pos] = digits[k]
                        pos += 1
                if not first:
                    buffer[pos] = 10  # newline
                    pos += 1
                    n_lines += 1
            return pos, n_lines

        _KERNELS["format"] = format_lines
    return _KERNELS["format"]


def _write_corpus(handle, blocks, rows_per_chunk=65536):
    """Write -1-padded int blocks to a binary file as lines of space-separated
    node ids (rows without ids are skipped); return the number of lines.

    A compiled kernel formats the digits straight into a byte buffer, so no
    Python string is made per token.
    """
    fmt = _format_kernel()
    n_lines = 0
    for block in blocks:
        block = np.asarray(block)
        if block.size == 0:
            continue
        width = len(str(max(int(block.max()), 0))) + 1
        for start in range(0, block.shape[0], rows_per_chunk):
            chunk = block[start : start + rows_per_chunk]
            buffer = np.empty(chunk.size * width + chunk.shape[0], dtype=np.uint8)
            end, lines = fmt(chunk, buffer, 0)
            handle.write(memoryview(buffer[:end]))
            n_lines += lines
    return n_lines


def node_counts(blocks, n_nodes):
    """How often each node appears in the -1-padded sequence blocks."""
    counts = np.zeros(n_nodes, dtype=np.int64)
    for block in blocks:
        counts += np.bincount(block[block >= 0].ravel(), minlength=n_nodes)
    return counts


def _epoch_callbacks(progress, epochs, n_tokens):
    """gensim callbacks that print each finished epoch (none when silent)."""
    if not progress:
        return ()
    from gensim.models.callbacks import CallbackAny2Vec

    class _EpochProgress(CallbackAny2Vec):
        def __init__(self):
            self.epoch = 0

        def on_epoch_end(self, model):
            self.epoch += 1
            progress(
                f"skip-gram epoch {self.epoch}/{epochs} (gensim, {n_tokens} tokens)"
            )

    return (_EpochProgress(),)


def word2vec_embedding(
    blocks, n_nodes, *, dimensions, window, epochs, negative, lr, sample, workers,
    seed, timings=None, progress=None,
):
    """Train skip-gram (SGNS) on node sequences; one embedding row per node.

    Parameters
    ----------
    blocks : list of int ndarray of shape (n_sequences, length)
        Node sequences, right-padded with -1.
    n_nodes : int
    dimensions, window, epochs, negative, lr, sample, workers, seed
        Word2Vec's ``vector_size``, ``window``, ``epochs``, ``negative``,
        ``alpha``, ``sample``, ``workers`` and ``seed``.
    timings : dict, default=None
        If given, receives ``prepare_s`` (counts, vocabulary, corpus file) and
        ``train_s`` (gensim's training) in seconds.
    progress : skdeep.graph._progress.Progress, default=None
        If given and active, prints a line at the end of every epoch.

    Returns
    -------
    embedding : ndarray of shape (n_nodes, dimensions), float64
        Rows of nodes that appear in no sequence are zero.

    Notes
    -----
    Tokens are the decimal strings of node ids, the vocabulary is built from
    counts (no hashing of tokens), vectors are initialised from ``seed``, and
    the corpus is streamed from a temporary file (gensim's ``corpus_file``
    mode, faster than an iterable and free of Python's GIL) that a compiled
    kernel writes straight from the int arrays (no Python string per
    token); the file is deleted when training ends. With
    ``workers=1`` the result is bitwise reproducible on a given machine,
    whatever ``PYTHONHASHSEED``; with more workers the threads update shared
    vectors without locks (Hogwild) and results vary from run to run.
    """
    from gensim.models import Word2Vec

    start = time.perf_counter()
    counts = node_counts(blocks, n_nodes)
    present = np.flatnonzero(counts)
    # gensim's INFO lines (a dozen per fit) stay out of the application's log;
    # verbose's progress comes from the epoch callbacks
    with quiet_logger("gensim"), tempfile.TemporaryDirectory(
        prefix="skdeep-walks-"
    ) as tmp:
        model = Word2Vec(
            vector_size=dimensions, window=window, min_count=1, sg=1, hs=0,
            negative=negative, alpha=lr, sample=sample, workers=workers,
            seed=seed,
            # (gensim's default end rate, 1e-4, is above a smaller lr: the
            # rate rose to it)
            min_alpha=min(lr, MIN_LR),
        )
        model.build_vocab_from_freq({str(i): int(counts[i]) for i in present})
        path = os.path.join(tmp, "walks.txt")
        with open(path, "wb") as handle:
            n_lines = _write_corpus(handle, blocks)
        prepared = time.perf_counter()
        # Each of gensim's corpus_file threads reads 1/workers of the file but
        # decays its learning rate by its own line count over total_examples:
        # given all the lines, k threads would stop at 1/k of the decay (the
        # rate would end near lr * (1 - 1/k), not near 0). Passing one
        # thread's share gives every thread the full linear decay, as with
        # one thread or gensim's iterable mode.
        model.train(
            corpus_file=path, total_examples=-(-n_lines // workers),
            total_words=int(counts.sum()), epochs=epochs,
            callbacks=_epoch_callbacks(progress, epochs, int(counts.sum())),
        )
        trained = time.perf_counter()
    if timings is not None:
        timings.update(prepare_s=prepared - start, train_s=trained - prepared)
    index = np.array([model.wv.key_to_index[str(i)] for i in present], dtype=np.int64)
    embedding = np.zeros((n_nodes, dimensions), dtype=np.float64)
    embedding[present] = model.wv.vectors[index]
    return embedding
