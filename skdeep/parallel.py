"""Hyper-parameter search beyond one process: joblib's Dask backend, tuned for torch.

scikit-learn's searches (``GridSearchCV``, ``cross_validate``...) run their fits
through joblib; joblib's ``"dask"`` backend sends them to the workers of a
``dask.distributed`` cluster, on this machine or many. Two helpers make that
work well for skdeep's torch estimators:

* :class:`TorchThreads`, a Dask worker plugin that pins each worker's torch (and
  BLAS) thread pools, so that the fits running side by side on a host do not
  fight over its cores;
* :func:`dask_backend`, a context manager that registers the plugin and routes
  joblib to a given client.

Both need the ``distributed`` extra (``pip install "skdeep[distributed]"``);
``import skdeep`` never imports Dask, and this module imports ``distributed``
only to define the plugin's base class.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import os
import warnings
from numbers import Integral

try:
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # the extra is optional: fail when the plugin is built, not here
    _WorkerPlugin = object

__all__ = ["TorchThreads", "dask_backend"]

PLUGIN_NAME = "skdeep-torch-threads"
# Read by OpenMP, MKL and OpenBLAS when they start: they reach the libraries a
# task loads for the first time and the processes it spawns.
_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _require_distributed():
    if _WorkerPlugin is object:
        raise ImportError(
            "skdeep.parallel needs dask.distributed; install it with "
            "pip install 'skdeep[distributed]'."
        )


def _check_n_threads(n_threads):
    if isinstance(n_threads, bool) or not isinstance(n_threads, Integral):
        raise TypeError(
            f"n_threads must be a positive int; got {n_threads!r} of type "
            f"{type(n_threads).__name__}."
        )
    if n_threads < 1:
        raise ValueError(f"n_threads must be a positive int; got {n_threads}.")


class TorchThreads(_WorkerPlugin):
    """Dask worker plugin pinning torch and BLAS to a fixed number of threads.

    A Dask worker runs as many tasks at once as it has threads
    (``threads_per_worker``), and torch's intra-op pool belongs to the
    process: at torch's default of one thread per core, four workers on a
    four-core host would run sixteen busy threads.
    On setup the plugin calls ``torch.set_num_threads(n_threads)``, limits the
    BLAS pools that NumPy and SciPy use (through ``threadpoolctl``) and sets
    ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and ``OPENBLAS_NUM_THREADS`` for
    what the worker starts later. On teardown it restores the torch setting.

    Parameters
    ----------
    n_threads : int, default=None
        Threads for each task's torch operations. ``None`` means one, for
        workers of one thread each (``threads_per_worker=1``). skdeep's fits
        in one worker process take turns (they share torch's random
        generators), so a worker's cores serve its fits through
        ``n_threads``, not through several tasks at once. Pass more when a
        worker has several cores, e.g. ``TorchThreads(4)`` with
        ``LocalCluster(n_workers=4, threads_per_worker=1)`` on a 16-core
        host.

    Attributes
    ----------
    name : str
        ``"skdeep-torch-threads"``: registering another instance replaces
        the previous one on every worker.

    See Also
    --------
    dask_backend : Route scikit-learn's searches to a Dask client, with
        this plugin registered.

    Notes
    -----
    Register it with ``client.register_plugin(TorchThreads(...))``; workers
    that join later get it too. With ``processes=False`` the workers are
    threads of the client's process, whose settings the plugin then changes:
    use process workers for torch. Dask's nannies already start workers
    with ``OMP_NUM_THREADS=1`` (its ``distributed.nanny.pre-spawn-environ``
    setting); the plugin makes the number explicit, applies it whatever that
    setting and however the worker was started, and allows more than one.

    Examples
    --------
    >>> from skdeep.parallel import TorchThreads
    >>> plugin = TorchThreads(2)
    >>> plugin.n_threads, plugin.name
    (2, 'skdeep-torch-threads')

    On a cluster (each worker then reports 2):

    >>> from distributed import Client, LocalCluster  # doctest: +SKIP
    >>> with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, \\
    ...         Client(cluster) as client:  # doctest: +SKIP
    ...     client.register_plugin(plugin)
    ...     client.run(lambda: __import__("torch").get_num_threads())
    """

    name = PLUGIN_NAME

    def __init__(self, n_threads=None):
        _require_distributed()
        if n_threads is not None:
            _check_n_threads(n_threads)
        self.n_threads = n_threads

    def __repr__(self):
        return f"TorchThreads(n_threads={self.n_threads!r})"

    def setup(self, worker):
        """Pin the worker's thread pools (called by Dask on each worker)."""
        import torch
        from threadpoolctl import threadpool_limits

        n = 1 if self.n_threads is None else self.n_threads
        self._previous = torch.get_num_threads()
        torch.set_num_threads(n)
        # Without a ``with`` block, threadpoolctl's limit stays in force.
        threadpool_limits(limits=n)
        for var in _THREAD_ENV:
            os.environ[var] = str(n)

    def teardown(self, worker):
        """Restore torch's previous thread count."""
        import torch

        previous = getattr(self, "_previous", None)
        if previous is not None:
            torch.set_num_threads(previous)


@contextlib.contextmanager
def dask_backend(client=None, *, n_threads=None, **backend_params):
    """Run scikit-learn's joblib parallelism on a Dask cluster, torch pinned.

    Registers :class:`TorchThreads` on ``client`` (replacing an earlier
    registration), then enters ``joblib.parallel_config(backend="dask")``:
    every search, cross-validation or ``n_jobs`` loop inside the block sends
    its tasks to the cluster's workers.

    Parameters
    ----------
    client : distributed.Client, default=None
        The cluster to use; ``None`` takes the current default client
        (``distributed.get_client()``).
    n_threads : int, default=None
        Torch threads per task, passed to :class:`TorchThreads`.
    **backend_params
        Passed on to joblib's Dask backend, e.g. ``scatter=[X, y]`` to send
        large data to the workers once instead of with every task.

    Yields
    ------
    client : distributed.Client
        The client in use.

    See Also
    --------
    TorchThreads : The worker plugin.
    joblib.parallel_config : The joblib context used underneath.

    Notes
    -----
    joblib sizes its work by the cluster's worker threads and runs the tasks
    in the calling process when there is only one: a one-thread cluster
    does not receive them (a warning says so).

    A fit gives the same model on a worker as in the client's process when
    its inputs, its ``random_state`` (an int) and torch's thread count are
    the same: keep the local run at the workers' thread count when the two
    are compared.

    Fits in one worker process take turns: they share torch's random
    generators, which a seeded fit holds (see :ref:`fits in threads
    <scaling-threads>`). Workers with one thread each use the cores; workers
    with more threads than ``n_threads`` would leave cores idle, and a
    warning says so.

    Examples
    --------
    >>> from distributed import Client, LocalCluster  # doctest: +SKIP
    >>> from sklearn.model_selection import GridSearchCV  # doctest: +SKIP
    >>> from skdeep.parallel import dask_backend  # doctest: +SKIP
    >>> with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, \\
    ...         Client(cluster) as client:  # doctest: +SKIP
    ...     with dask_backend(client):
    ...         search = GridSearchCV(estimator, grid).fit(X, y)
    """
    _require_distributed()
    import joblib
    from distributed import get_client

    if n_threads is not None:  # (before the warnings that quote it)
        _check_n_threads(n_threads)
    if client is None:
        client = get_client()
    if sum(client.ncores().values()) == 1:
        # joblib asks the backend for its slots and runs a one-slot search
        # sequentially in the calling process, never reaching the worker.
        warnings.warn(
            "The Dask cluster has a single worker thread: joblib runs the tasks "
            "in this process, not on the worker. Give the cluster at least two "
            "worker threads (or workers).",
            UserWarning,
            stacklevel=3,
        )
    per_task = 1 if n_threads is None else n_threads
    widest = max(client.ncores().values(), default=1)
    if widest > per_task:
        # torch's random generators belong to the process: seeded fits in
        # one worker take turns, and its other threads' cores would idle
        warnings.warn(
            f"Workers have up to {widest} threads, but skdeep's fits in one "
            f"worker process run one at a time (they share torch's random "
            f"generators), each on n_threads={per_task} torch thread(s). Start "
            f"workers with threads_per_worker=1 (and more workers), or pass "
            f"n_threads={widest}.",
            UserWarning,
            stacklevel=3,
        )
    client.register_plugin(TorchThreads(n_threads), name=PLUGIN_NAME)
    with joblib.parallel_config(backend="dask", client=client, **backend_params):
        yield client
