"""Skip-gram with negative sampling over node sequences, through gensim's Word2Vec."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import tempfile

import numpy as np

_CHUNK = 8192
MAX_SEQUENCE_LENGTH = 10000  # gensim's corpus_file reader truncates longer lines


def _write_corpus(handle, blocks):
    """Write -1-padded int blocks as lines of space-separated node ids."""
    n_lines = 0
    for block in blocks:
        for start in range(0, len(block), _CHUNK):
            chunk = block[start : start + _CHUNK]
            if (chunk < 0).any():
                rows = [row[row >= 0].tolist() for row in chunk]
                rows = [row for row in rows if row]
            else:
                rows = chunk.tolist()
            if rows:
                handle.write("\n".join(" ".join(map(str, row)) for row in rows))
                handle.write("\n")
                n_lines += len(rows)
    return n_lines


def node_counts(blocks, n_nodes):
    """How often each node appears in the -1-padded sequence blocks."""
    counts = np.zeros(n_nodes, dtype=np.int64)
    for block in blocks:
        counts += np.bincount(block[block >= 0].ravel(), minlength=n_nodes)
    return counts


def word2vec_embedding(
    blocks, n_nodes, *, dimensions, window, epochs, negative, lr, sample, workers,
    seed,
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

    Returns
    -------
    embedding : ndarray of shape (n_nodes, dimensions), float64
        Rows of nodes that appear in no sequence are zero.

    Notes
    -----
    Tokens are the decimal strings of node ids, the vocabulary is built from
    counts (no hashing of tokens), vectors are initialised from ``seed``, and
    the corpus is streamed from a temporary file (gensim's ``corpus_file``
    mode, faster than an iterable and free of Python's GIL). With
    ``workers=1`` the result is bitwise reproducible on a given machine,
    whatever ``PYTHONHASHSEED``; with more workers the threads update shared
    vectors without locks (Hogwild) and results vary from run to run.
    """
    from gensim.models import Word2Vec

    counts = node_counts(blocks, n_nodes)
    present = np.flatnonzero(counts)
    model = Word2Vec(
        vector_size=dimensions, window=window, min_count=1, sg=1, hs=0,
        negative=negative, alpha=lr, sample=sample, workers=workers, seed=seed,
    )
    model.build_vocab_from_freq({str(i): int(counts[i]) for i in present})
    with tempfile.TemporaryDirectory(prefix="skdeep-walks-") as tmp:
        path = os.path.join(tmp, "walks.txt")
        with open(path, "w") as handle:
            n_lines = _write_corpus(handle, blocks)
        model.train(
            corpus_file=path, total_examples=n_lines, total_words=int(counts.sum()),
            epochs=epochs,
        )
    index = np.array([model.wv.key_to_index[str(i)] for i in present], dtype=np.int64)
    embedding = np.zeros((n_nodes, dimensions), dtype=np.float64)
    embedding[present] = model.wv.vectors[index]
    return embedding
