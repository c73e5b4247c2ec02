"""Progress lines of the graph embedders' fits (``verbose > 0``)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np

# Walks are simulated in about this many chunks when progress is shown.
PROGRESS_CHUNKS = 10


class Progress:
    """Prints ``[Name] message (elapsed)`` lines to stdout when ``verbose > 0``.

    Stdout, as scikit-learn's estimators and skorch's epoch table (the torch
    estimators' ``verbose``) print. The clock starts when the object is made,
    at the start of a fit. A silent instance (``verbose=0``) prints nothing
    and costs nothing, so the walk and skip-gram functions take one
    unconditionally.

    Parameters
    ----------
    verbose : int, default=0
        Print when positive.
    name : str, default=""
        Prefix of the lines (the estimator's class name).

    Examples
    --------
    >>> from skdeep.graph._progress import Progress
    >>> Progress(1, "Node2VecEmbedder")("walks 10/10")
    [Node2VecEmbedder] walks 10/10 (... s)
    >>> Progress(0)("nothing")
    """

    def __init__(self, verbose=0, name=""):
        self.verbose = int(verbose or 0)
        self.name = name
        self.start = time.perf_counter()

    def __bool__(self):
        return self.verbose > 0

    def __call__(self, message):
        if self.verbose > 0:
            elapsed = time.perf_counter() - self.start
            prefix = f"[{self.name}] " if self.name else ""
            print(f"{prefix}{message} ({elapsed:.1f} s)", flush=True)


def silent(progress):
    """``progress``, or a silent :class:`Progress` when it is None."""
    return Progress(0) if progress is None else progress


def chunk_bounds(n, progress):
    """Row bounds of the chunks a kernel runs over: one chunk when silent,
    about ``PROGRESS_CHUNKS`` when progress is shown."""
    n_chunks = min(PROGRESS_CHUNKS, max(n, 1)) if progress else 1
    return np.linspace(0, n, n_chunks + 1).astype(np.int64)
