"""Torch helpers shared by every skdeep estimator: device, seeding, batching."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import functools
import numbers
import os
import re
import threading

import numpy as np
import torch
from sklearn.utils import check_random_state

from skdeep.utils._sklearn import float32_default_dtype
from skdeep.utils.validation import check_float32_range

_DEVICE_PATTERN = re.compile(r"^(cpu|cpu:0|cuda|cuda:\d+|mps|mps:0|auto)$")


def resolve_device(device):
    """Turn a ``device`` parameter into a :class:`torch.device`.

    Parameters
    ----------
    device : str or torch.device
        ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"``, a ``torch.device``,
        or ``"auto"`` (the first CUDA device if one is present, else the CPU;
        opt-in because it makes results depend on the machine). ``"cpu:0"``
        and ``"mps:0"`` (``torch.device("cpu", 0)`` prints so) are ``"cpu"``
        and ``"mps"``.

    Returns
    -------
    device : torch.device

    Raises
    ------
    ValueError
        For an unknown device string, or a device this machine does not have.

    Examples
    --------
    >>> from skdeep.utils._torch import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        name = str(device)
    elif isinstance(device, str):
        name = device.strip().lower()
    else:
        raise ValueError(
            f"device must be a str such as 'cpu', 'cuda', 'cuda:0' or 'auto', or a "
            f"torch.device; got {device!r} of type {type(device).__name__}."
        )
    if not _DEVICE_PATTERN.match(name):
        raise ValueError(
            f"Unknown device {device!r}. Use 'cpu', 'cuda', 'cuda:N', 'mps' or "
            f"'auto'."
        )
    if not name.startswith("cuda"):
        name = name.removesuffix(":0")  # (the only index of the CPU and MPS)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this "
                f"machine (torch.cuda.is_available() is False). Use device='cpu'."
            )
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but only "
                f"{torch.cuda.device_count()} CUDA device(s) are present."
            )
    if name == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device='mps' was requested but MPS is not available.")
    return torch.device(name)


def cuda_indices(device):
    """The CUDA device indices whose RNG must be forked for ``device``."""
    device = torch.device(device)
    if device.type != "cuda":
        return []
    return [device.index if device.index is not None else torch.cuda.current_device()]


def derive_seed(random_state):
    """Draw a torch seed from a scikit-learn ``random_state``.

    An int gives the same seed every time, without touching numpy's global
    RNG; ``None`` draws from numpy's global RNG, as scikit-learn does.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        As scikit-learn's ``random_state``; a ``RandomState`` is advanced by
        one draw.

    Returns
    -------
    seed : int
        In ``[0, 2**31 - 1)``, for :func:`seeded` or ``torch.manual_seed``.
    """
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        # an int always gives the same seed: build its RandomState (a tenth
        # of a millisecond, noticeable on small fits) once
        return _seed_of_int(int(random_state))
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@functools.lru_cache(maxsize=64)
def _seed_of_int(random_state):
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def torch_threads(n):
    """Run a block with torch limited to ``n`` CPU threads, then restore.

    Small networks train fastest on one thread: torch's pool costs more than
    it saves and stalls on a busy machine.

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._torch import torch_threads
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    previous = torch.get_num_threads()
    if previous != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


# torch has one random generator per device for the whole process. Fits
# running at once in several threads (a Dask worker with several threads, a
# joblib "threading" search, a threaded server) would draw from one another's
# streams, and each would put back, on leaving, the state it found on entry.
# So blocks that seed or restore the global generators take turns.
_rng_lock = threading.RLock()


def _fresh_rng_lock():
    # A process forked while another thread held the lock has no thread left
    # to release it.
    global _rng_lock
    _rng_lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_rng_lock)


@contextlib.contextmanager
def seeded(seed, device="cpu"):
    """Run a block with torch's RNG seeded, restoring the global state after.

    Seeded blocks of several threads take turns (a process-wide lock): they
    share torch's global generators, so a fit with an integer
    ``random_state`` gives the same model whatever runs beside it.

    Parameters
    ----------
    seed : int
        The seed, e.g. from :func:`derive_seed`.
    device : str or torch.device, default="cpu"
        The device the block runs on. Torch's CPU generator is seeded and,
        for a CUDA device, that device's generator; both are restored after
        the block, and no other device's generator is touched. (Another
        kind of device, such as ``"mps"``, is seeded through
        ``torch.manual_seed`` and stays seeded after the block.)

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._torch import seeded
    >>> with seeded(0):
    ...     a = torch.rand(2)
    >>> with seeded(0):
    ...     b = torch.rand(2)
    >>> bool((a == b).all())
    True
    """
    kind = torch.device(device).type
    cuda = cuda_indices(device)
    with _rng_lock, torch.random.fork_rng(devices=cuda):
        # Only the generators the block uses: torch.manual_seed also seeds
        # every other accelerator (queued: about half a millisecond, a tenth
        # of a small fit on the CPU), and would leave them seeded after the
        # block, since only these are forked.
        if kind in ("cpu", "cuda"):
            torch.default_generator.manual_seed(seed)
            for index in cuda:  # (fork_rng has initialised CUDA: not queued)
                with torch.cuda.device(index):
                    torch.cuda.manual_seed(seed)
        else:
            torch.manual_seed(seed)
        yield


@contextlib.contextmanager
def global_rng_kept():
    """Run a block with torch's global CPU generator put back after it, in
    turn with :func:`seeded` blocks (for code that must leave it alone but
    cannot be sure to, such as building a user's module for its shapes).

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._torch import global_rng_kept
    >>> before = torch.get_rng_state()
    >>> with global_rng_kept():
    ...     _ = torch.rand(3)
    >>> torch.equal(before, torch.get_rng_state())
    True
    """
    with _rng_lock, torch.random.fork_rng(devices=[]):
        yield


def gather_rows(x, index):
    """``x[index]`` for an integer tensor ``index`` of any shape (rows of
    ``x``, dim 0), with a backward pass that is deterministic on the CPU.

    Advanced indexing's backward adds the gradients of repeated rows with
    ``index_put_(accumulate=True)``, which torch runs in parallel, in no
    fixed order, once the gradient holds more than about 32k values: two
    fits with one ``random_state`` then differ by rounding on a multi-core
    machine. ``index_select``'s backward (``index_add_``) adds them in index
    order, so its gradients equal the one-thread ones bit for bit. The
    forward values are the same gather either way. Other devices keep
    advanced indexing (their kernels are not torch's CPU ones, and GPU fits
    are not promised bitwise reproducibility).

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._torch import gather_rows
    >>> x = torch.arange(6.0).view(3, 2)
    >>> gather_rows(x, torch.tensor([[2, 0], [2, 2]])).shape
    torch.Size([2, 2, 2])
    """
    if x.device.type != "cpu":
        return x[index]
    rows = x.index_select(0, index.reshape(-1))
    return rows.view(*index.shape, *x.shape[1:])


@contextlib.contextmanager
def inference_mode(module):
    """Run a block with ``module`` in eval mode and gradients off, restoring
    the module's training mode after (also on error).

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._torch import inference_mode
    >>> layer = torch.nn.Dropout(0.5)
    >>> with inference_mode(layer):
    ...     layer.training
    False
    >>> layer.training
    True
    """
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad(), float32_default_dtype():
            yield module
    finally:
        module.train(was_training)


def as_float32_tensor(X, device="cpu"):
    """Copy-free where possible conversion of an array to a float32 tensor.

    Finite values too large for float32 are refused with a ValueError (they
    would become inf, then NaN in every output).
    """
    wide = X
    with np.errstate(over="ignore"):
        X = np.asarray(X, dtype=np.float32)
    if getattr(wide, "dtype", np.dtype(float)).itemsize > 4 and np.isinf(X).any():
        check_float32_range(np.asarray(wide))
    if not X.flags.writeable or not X.flags.c_contiguous:
        X = np.array(X, dtype=np.float32, order="C")  # torch refuses read-only memory
    return torch.from_numpy(X).to(device)


#: Rows per inference call of convolutional networks on the CPU, at most
#: (see :func:`inference_rows`).
CONV_CPU_INFERENCE_ROWS = 16

#: Rows per inference call at most, whatever ``batch_size`` and device (see
#: :func:`inference_rows`).
MAX_INFERENCE_ROWS = 1 << 13


def inference_rows(batch_size, device, cpu_rows=None):
    """Rows per inference call: ``batch_size``, or at most ``cpu_rows`` on
    the CPU, and never more than :data:`MAX_INFERENCE_ROWS`.

    :func:`batched_numpy` pads every call to this number of rows, so one row
    costs a whole call: a ``batch_size`` far above the data (``10**7`` for 40
    rows) computed that many rows, gigabytes and seconds per prediction,
    without the cap (a constant, so each row's output still does not depend
    on the others). Networks whose cost per row is flat from a few rows
    up (the CNN family's stacks: ``cpu_rows=CONV_CPU_INFERENCE_ROWS``)
    predict one row many times faster with a small call, and many rows about
    as fast (``benchmarks/results/inference_rows.md``); a GPU wants large
    calls, and keeps ``batch_size``.

    Examples
    --------
    >>> from skdeep.utils._torch import inference_rows
    >>> inference_rows(128, "cpu", 16), inference_rows(128, "cpu")
    (16, 128)
    >>> inference_rows(10**7, "cpu")
    8192
    """
    rows = min(int(batch_size), MAX_INFERENCE_ROWS)
    if cpu_rows is not None and torch.device(device).type == "cpu":
        return min(rows, cpu_rows)
    return rows


def batched_numpy(fn, X, *, batch_size, device, out_dtype=None):
    """Apply ``fn`` (tensor -> tensor, or tuple of tensors) in batches.

    ``X`` is a numpy array; the result is numpy on the CPU, cast to
    ``out_dtype`` (default: ``X``'s floating dtype). Gradients are off.

    Every call of ``fn`` sees exactly ``batch_size`` rows (the last batch is
    padded with zeros, and the padding's outputs are dropped): BLAS picks its
    kernels by matrix shape, so a constant shape makes a row's output
    independent of the other rows predicted with it, bit for bit, at a
    given position of the batch. At another position (predicted alone
    rather than as row 40) it may differ by float32 rounding: BLAS can
    compute the edge rows of a block with other kernels.
    ``fn`` must treat rows independently (eval mode).
    """
    out_dtype = out_dtype or (X.dtype if X.dtype.kind == "f" else np.float64)

    def batches():
        for start in range(0, len(X), batch_size):
            batch = as_float32_tensor(X[start : start + batch_size], device)
            n = len(batch)
            if n < batch_size:
                pad = batch.new_zeros((batch_size - n, *batch.shape[1:]))
                batch = torch.cat([batch, pad])
            result = fn(batch)
            if isinstance(result, tuple):
                yield start, tuple(r[:n] for r in result)
            else:
                yield start, result[:n]

    with torch.no_grad():
        return write_rows(batches(), len(X), out_dtype)


def write_rows(chunks, n_rows, dtype=None):
    """Outputs computed chunk by chunk, written into arrays allocated once.

    Keeping each chunk's output (a numpy view of its tensor) in a list and
    concatenating at the end costs a second copy of the whole output, and
    with glibc's allocator the small kept tensors fragment the heap: each
    lands in the space the chunk's large temporaries just freed, so the next
    chunk's temporaries no longer fit there and the heap grows by about
    their size per chunk (``MCDropoutRegressor.predict`` at its defaults
    held 17 kB per row: 1.7 GB for 100,000 rows of 20 features). Here each
    chunk is copied out as it comes and its tensors are freed.

    Parameters
    ----------
    chunks : iterable of (int, tensor or ndarray or tuple of them)
        ``(start, result)``: ``result`` holds the output rows ``start :
        start + len(result)`` (a tuple: several outputs, each with those
        rows). Tensors are detached and copied to the CPU.
    n_rows : int
        Rows of the whole output.
    dtype : numpy dtype or None, default=None
        Of the returned arrays (values are cast on writing); None keeps the
        first chunk's.

    Returns
    -------
    out : ndarray of shape (n_rows, ...) or tuple of them
        A tuple when the chunks' results are tuples.

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._torch import write_rows
    >>> chunks = ((s, torch.arange(s, s + 2) * 1.0) for s in (0, 2, 4))
    >>> write_rows(chunks, 6, dtype="float64")
    array([0., 1., 2., 3., 4., 5.])
    """
    out = None
    for start, result in chunks:
        single = not isinstance(result, tuple)
        parts = [
            p.detach().cpu().numpy() if torch.is_tensor(p) else np.asarray(p)
            for p in ((result,) if single else result)
        ]
        if out is None:
            out = tuple(np.empty((n_rows, *p.shape[1:]), dtype=dtype or p.dtype)
                        for p in parts)
        for array, part in zip(out, parts):
            array[start : start + len(part)] = part
    if out is None:
        raise ValueError("write_rows needs at least one chunk (no rows given).")
    return out[0] if single else out


class _OneValuePerChannelSafe:
    """Batch norm that also trains on a batch holding one value per channel.

    torch refuses such a batch ("Expected more than 1 value per channel when
    training"): its variance is undefined. Training meets one whenever the
    last batch of an epoch is a single row (``n_samples % batch_size == 1``
    for dense layers) or ``partial_fit`` gets a one-row chunk. That batch is
    normalised with the running statistics, as in evaluation mode, and leaves
    them unchanged; the affine weights still learn from it.
    """

    def forward(self, x):
        if self.training and x.dim() > 1 and x.numel() == x.shape[1]:
            return torch.nn.functional.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias,
                training=False, momentum=0.0, eps=self.eps,
            )
        return super().forward(x)


class BatchNorm1d(_OneValuePerChannelSafe, torch.nn.BatchNorm1d):
    """:class:`torch.nn.BatchNorm1d` that trains on one-row batches too.

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._torch import BatchNorm1d
    >>> BatchNorm1d(3).train()(torch.ones(1, 3)).shape
    torch.Size([1, 3])
    """


class BatchNorm2d(_OneValuePerChannelSafe, torch.nn.BatchNorm2d):
    """:class:`torch.nn.BatchNorm2d` that trains on one 1 x 1 image too."""
