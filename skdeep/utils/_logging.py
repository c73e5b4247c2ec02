"""Quieting the loggers of the libraries skdeep runs (gensim)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import logging
import threading

_lock = threading.Lock()
# logger name -> [fits inside, the level it had before the first]
_quieted = {}


@contextlib.contextmanager
def quiet_logger(name, level=logging.WARNING):
    """Raise logger ``name`` (and so its children) to at least ``level`` inside.

    gensim logs every vocabulary and epoch step at INFO: an application that
    logs at INFO got dozens of lines per fit, a grid search thousands.
    Counted, so that fits in several threads at once put the level back only
    when the last one leaves (saving and restoring per call could leave it
    raised for good).

    Examples
    --------
    >>> import logging
    >>> from skdeep.utils._logging import quiet_logger
    >>> with quiet_logger("gensim"):
    ...     logging.getLogger("gensim.models").getEffectiveLevel() >= logging.WARNING
    True
    """
    logger = logging.getLogger(name)
    with _lock:
        entry = _quieted.setdefault(name, [0, logger.level])
        entry[0] += 1
        logger.setLevel(max(level, logger.level))
    try:
        yield
    finally:
        with _lock:
            entry[0] -= 1
            if entry[0] == 0:
                logger.setLevel(entry[1])
                del _quieted[name]
