"""Out-of-core training input: arrays read lazily, block by block.

``fit`` on a :class:`numpy.memmap`, a Dask array or another array-like kept
outside memory (h5py, zarr) must not load it: :func:`is_lazy_input` says
which inputs take this road, :func:`check_lazy_array` validates them in one
streaming pass (dtype, shape, finite values, feature count), and
:class:`LazyRows` hands out contiguous float32 blocks and shuffled training
batches, converted to tensors one block at a time.

Which inputs are lazy: an ``np.memmap``, or an array-like that is not a
numpy array but has ``shape``, ``dtype``, ``ndim == 2`` and slicing (Dask,
h5py, zarr), of at least :data:`LAZY_MIN_BYTES` (64 MiB, one shuffle
buffer). Smaller ones are loaded: the lazy road would read them as one
buffer and train the same model anyway, and the in-memory road keeps every
fitted attribute (the SOM's ``labels_``, one integer per row, is not kept
out of core) and the speed of small fits; scikit-learn's checks and joblib
hand estimators small read-only memory maps. Ordinary numpy arrays,
lists, pandas frames and sparse matrices always take the in-memory road,
which moves the data to the device once; so do the memory maps joblib
makes of large ndarrays it hands its workers (``FeatureUnion(n_jobs=2)``):
the model must not depend on ``n_jobs``.

Shuffling: random row access on a memory map or a chunked array reads a
page or a chunk per row, so an epoch instead visits blocks of about
:data:`BLOCK_BYTES` of contiguous rows in a random order, reads
:data:`BUFFER_BLOCKS` of them at a time into one buffer and shuffles the
rows of that buffer. Data that fit in one buffer are read as one block and
shuffled exactly as the in-memory road shuffles them (the same draws from
the same RNG), so a small memory map trains the same model as the loaded
array, bit for bit. (One exception: data far from the origin, which the SOM
trains shifted by a level near their mean, take that level from a row sample
in memory and from the streaming sums here; the maps then agree to float32
rounding, not bit for bit.)
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import mmap
import os

import numpy as np
import torch

# Memory maps and chunked arrays from this size on are read lazily (64 MiB).
LAZY_MIN_BYTES = 1 << 26
# Bytes of one contiguous block read from the source (16 MiB).
BLOCK_BYTES = 1 << 24
# Blocks read, concatenated and shuffled together (a 64 MiB buffer).
BUFFER_BLOCKS = 4
# Elements per block of the streaming validation and statistics passes.
SCAN_ELEMENTS = 1 << 22
# Elements per block of the float32 column sums added in float64
# (column_sums): the same blocks for a tensor in memory and for a lazy
# input's statistics, so that both give the same sums, bit for bit.
SUM_ELEMENTS = 1 << 18


def column_sums(X, out=None):
    """Float64 column sums of a float32 tensor: float32 (cascade) sums of
    blocks of ``SUM_ELEMENTS // n_features`` rows, added in float64 (a
    float64 reduction over the rows of float32 data is about 40 times slower
    on the CPU). Added to ``out`` where given.

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._lazy import column_sums
    >>> column_sums(torch.ones(5, 2))
    tensor([5., 5.], dtype=torch.float64)
    """
    rows = max(1, SUM_ELEMENTS // max(X.shape[1], 1))
    if out is None and len(X) <= rows:  # one block: the same sums (0 + x is x)
        return X.sum(0).double()
    total = (torch.zeros(X.shape[1], dtype=torch.float64, device=X.device)
             if out is None else out)
    for start in range(0, len(X), rows):
        total += X[start : start + rows].sum(0)
    return total


def is_lazy_input(X):
    """Whether ``fit`` should read ``X`` lazily instead of loading it.

    True for a :class:`numpy.memmap` and for 2-D array-likes that are not
    numpy arrays, tensors, sparse matrices or pandas objects but have
    ``shape``, ``dtype`` and slicing (Dask, h5py, zarr arrays), when they
    hold at least :data:`LAZY_MIN_BYTES`.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils._lazy import is_lazy_input
    >>> is_lazy_input(np.zeros((3, 2)))
    False
    """
    if not isinstance(X, np.memmap):
        if isinstance(X, (np.ndarray, torch.Tensor, list, tuple, dict, LazyRows)):
            return False
        module = type(X).__module__.split(".")[0]
        if module in ("pandas", "scipy", "polars", "pyarrow"):
            return False
        shape = getattr(X, "shape", None)
        if not (
            shape is not None
            and len(shape) == 2
            and isinstance(getattr(X, "dtype", None), np.dtype)
            and hasattr(X, "__getitem__")
        ):
            return False
    if isinstance(X, np.memmap) and _joblib_shared_copy(X):
        return False  # an in-memory array joblib handed a worker: as given
    if any(not isinstance(s, (int, np.integer)) for s in X.shape):
        return False  # unknown sizes (Dask with nan chunks): load
    return math.prod(X.shape) * X.dtype.itemsize >= LAZY_MIN_BYTES


def _joblib_shared_copy(X):
    """Whether the memory map ``X`` is joblib's: large array arguments of
    ``Parallel`` workers (``FeatureUnion(n_jobs=2)``, ...) arrive memory-mapped
    from its ``joblib_memmapping_folder_*``; the user passed an ndarray, and
    the fit must not depend on ``n_jobs``."""
    filename = getattr(X, "filename", None)
    if not filename:
        return False
    return os.path.basename(os.path.dirname(filename)).startswith(
        "joblib_memmapping_folder_")


class LazyRows:
    """Rows ``start:stop`` of a 2-D array-like, read lazily as float32.

    Quacks enough like a tensor for the shared training road (``len``,
    ``shape``, ``.to(device)``), so a :class:`~skorch.dataset.Dataset` can hold
    it and :class:`~skdeep.utils._training.TensorBatchIterator` reads it.

    Parameters
    ----------
    source : array-like of shape (n_samples, n_features)
        A memory map, Dask array or any array-like with slicing.

    start, stop : int, default=0, None
        The rows of ``source`` this view covers.

    device : str or torch.device, default="cpu"
        Where blocks are placed as tensors.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils._lazy import LazyRows
    >>> rows = LazyRows(np.arange(12.0).reshape(6, 2), 1, 4)
    >>> rows.shape, rows.read(0, 2).dtype
    ((3, 2), dtype('float32'))
    """

    stats = None  # set by check_lazy_array
    offset = None  # a float64 level subtracted from every row read (shifted)

    def __init__(self, source, start=0, stop=None, device="cpu"):
        self.source = source
        self.start = int(start)
        self.stop = int(source.shape[0] if stop is None else stop)
        self.device = torch.device(device)

    def _view(self, start, stop, device):
        view = LazyRows(self.source, start, stop, device)
        view.offset = self.offset
        return view

    def shifted(self, offset):
        """The same rows, read minus ``offset`` (float64, one value per
        feature; computed in float64, then rounded to float32), with
        ``stats`` moved along."""
        view = self._view(self.start, self.stop, self.device)
        view.offset = np.asarray(offset, dtype=np.float64)
        if self.stats is not None:
            shift = torch.from_numpy(view.offset)
            view.stats = {
                **self.stats,
                "sum": self.stats["sum"] - self.stats["n"] * shift,
                "min": (self.stats["min"].double() - shift).float(),
                "max": (self.stats["max"].double() - shift).float(),
            }
        return view

    @property
    def shape(self):
        return (self.stop - self.start, int(self.source.shape[1]))

    @property
    def ndim(self):
        return 2

    def __len__(self):
        return self.stop - self.start

    def to(self, device):
        """The same rows, placed on ``device`` when read."""
        if torch.device(device) == self.device:
            return self
        moved = self._view(self.start, self.stop, device)
        moved.stats = self.stats
        return moved

    def same_rows(self, other):
        """Whether ``other`` views the same rows of the same source."""
        return (
            isinstance(other, LazyRows)
            and other.source is self.source
            and (other.start, other.stop) == (self.start, self.stop)
        )

    def split_tail(self, fraction):
        """``(head, tail)``: the last ``fraction`` of the rows held out.

        Out-of-core early stopping validates on the last rows (a random
        split would read rows one by one): shuffle the file's rows first
        if they are ordered.
        """
        n_tail = max(1, int(math.ceil(len(self) * fraction)))
        if n_tail >= len(self):
            raise ValueError(
                f"validation_fraction={fraction} leaves no training rows out of "
                f"{len(self)}."
            )
        cut = self.stop - n_tail
        return (
            self._view(self.start, cut, self.device),
            self._view(cut, self.stop, self.device),
        )

    def read(self, start, stop):
        """Rows ``start:stop`` (relative to this view) as a C-contiguous,
        writable float32 numpy array (a copy, so the source's pages can go)."""
        out = np.empty((stop - start, self.shape[1]), dtype=np.float32)
        self._read_into(out, start, stop)
        return out

    def every(self, step):
        """Rows ``0, step, 2 step, ...`` (relative to this view) as a float32
        tensor on the device (a strided sample, read without the rows between)."""
        block = self.source[self.start : self.stop : step]
        out = np.empty((len(range(0, len(self), step)), self.shape[1]), np.float32)
        self._convert_into(out, block)
        return torch.from_numpy(out).to(self.device)

    def _read_into(self, out, start, stop):
        """Copy rows ``start:stop`` into the float32 array ``out``."""
        self._convert_into(out, self.source[self.start + start : self.start + stop])

    def _convert_into(self, out, block):
        """Copy the source's rows ``block`` into ``out``, minus the offset."""
        with np.errstate(over="ignore"):  # beyond float32: inf, refused later
            if self.offset is None:
                out[...] = np.asarray(block)  # Dask: computes the chunk here
            else:
                np.subtract(
                    np.asarray(block), self.offset, out=out, casting="same_kind"
                )
        _release_pages(block)

    def tensor(self, start, stop):
        """Rows ``start:stop`` as a float32 tensor on the device."""
        return torch.from_numpy(self.read(start, stop)).to(self.device)

    def blocks(self, block_rows):
        """Yield ``(start, tensor)`` for consecutive blocks of ``block_rows``."""
        for start in range(0, len(self), block_rows):
            yield start, self.tensor(start, min(start + block_rows, len(self)))

    def block_rows(self, batch_size=1):
        """Rows per block: about :data:`BLOCK_BYTES`, at least one batch."""
        row_bytes = 4 * max(self.shape[1], 1)
        return max(int(batch_size), BLOCK_BYTES // row_bytes, 1)

    def batches(self, batch_size, shuffle=False, generator=None):
        """Yield ``(rows, Xb)``: the rows' indices (a long tensor on the
        device, relative to this view) and their float32 tensor.

        Without ``shuffle``, consecutive slices. With it, blocks in a random
        order, :data:`BUFFER_BLOCKS` at a time, the rows of each buffer
        shuffled (see the module's notes); ``generator`` (a CPU
        ``torch.Generator``) draws the orders, else torch's global RNG on the
        device does. The last batch of each buffer may be short.
        """
        n = len(self)
        br = self.block_rows(batch_size)
        if not shuffle:
            for start, block in self.blocks(br):
                for s in range(0, len(block), batch_size):
                    rows = torch.arange(
                        start + s, start + min(s + batch_size, len(block)),
                        device=self.device,
                    )
                    yield rows, block[s : s + batch_size]
            return
        n_blocks = math.ceil(n / br)
        if n_blocks <= BUFFER_BLOCKS:
            groups = [[(0, n)]]  # one buffer: read in order, shuffle as in memory
        else:
            order = self._randperm(n_blocks, generator).tolist()
            spans = [(b * br, min((b + 1) * br, n)) for b in order]
            groups = [
                spans[i : i + BUFFER_BLOCKS] for i in range(0, n_blocks, BUFFER_BLOCKS)
            ]
        for group in groups:
            # the blocks are copied straight into one buffer (no concatenation)
            buffer = np.empty((sum(b - a for a, b in group), self.shape[1]), np.float32)
            offset = 0
            for a, b in group:
                self._read_into(buffer[offset : offset + b - a], a, b)
                offset += b - a
            buffer = torch.from_numpy(buffer).to(self.device)
            rows = torch.cat(
                [torch.arange(a, b, device=self.device) for a, b in group]
            )
            perm = self._randperm(len(buffer), generator)
            for s in range(0, len(buffer), batch_size):
                index = perm[s : s + batch_size]
                yield rows[index], buffer[index]
            del buffer, rows, perm  # before the next buffer is read

    def _randperm(self, n, generator):
        if generator is not None:
            return torch.randperm(n, generator=generator).to(self.device)
        return torch.randperm(n, device=self.device)


def _release_pages(block):
    """Unmap the pages of a memory-map slice that was just copied.

    Pages of a file mapping that the process has read count in its resident
    set (as shared file pages) until the kernel needs the memory, so a pass
    over a large memory map would show a resident set as large as the file.
    ``madvise(MADV_DONTNEED)`` drops them from this process; the data stay
    in the file and the page cache. Only for shared mappings (modes "r",
    "r+", "w+"): on a copy-on-write map ("c") it would discard changes.
    """
    mm = getattr(block, "_mmap", None)
    if (
        mm is None
        or getattr(block, "mode", "c") == "c"
        or not hasattr(mm, "madvise")
        or not hasattr(mmap, "MADV_DONTNEED")
        or block.nbytes == 0
        or not block.flags.c_contiguous
    ):
        return
    try:
        base = np.frombuffer(mm, dtype=np.uint8).ctypes.data
        start = block.ctypes.data - base
        first = start - start % mmap.PAGESIZE  # madvise wants page alignment
        # (harmless for neighbouring rows: they are read back from the cache)
        mm.madvise(mmap.MADV_DONTNEED, first, start + block.nbytes - first)
    except (ValueError, OSError, TypeError):  # closed or exotic maps: keep pages
        pass


def check_lazy_array(estimator, X, *, reset, ensure_min_samples=1):
    """Validate a lazy ``X`` block by block and wrap it as :class:`LazyRows`.

    The checks of scikit-learn's ``validate_data`` that matter for training,
    without a copy: 2-D, a numeric dtype, at least ``ensure_min_samples``
    rows and one feature, every value finite once cast to float32 (values
    beyond float32's range count as infinite), and the feature count
    (``n_features_in_`` set when ``reset``, checked otherwise). The same pass
    sums each feature in float64 and keeps its minimum and maximum, so
    estimators need no second pass for means or ranges: see
    :attr:`LazyRows.stats`.

    Returns
    -------
    rows : LazyRows
        With ``stats``: a dict of ``n``, ``sum`` (float64), ``min`` and
        ``max`` (float32) arrays of shape ``(n_features,)``.
    """
    name = type(estimator).__name__
    shape = tuple(X.shape)
    if len(shape) != 2:
        raise ValueError(
            f"Expected a 2-D array, got an array of shape {shape} for {name}."
        )
    dtype = np.dtype(X.dtype)
    if dtype.kind not in "fiub":
        raise ValueError(
            f"{name} cannot train on an out-of-core array of dtype {dtype}; "
            f"it needs real numbers (float, int or bool)."
        )
    n_samples, n_features = shape
    if n_samples < ensure_min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={shape}) while a "
            f"minimum of {ensure_min_samples} is required by {name}."
        )
    if n_features < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of "
            f"1 is required by {name}."
        )
    if reset:
        estimator.n_features_in_ = n_features
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {name} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    rows = LazyRows(X)
    total = torch.zeros(n_features, dtype=torch.float64)
    low = torch.full((n_features,), math.inf)
    high = torch.full((n_features,), -math.inf)
    # a whole number of column_sums' blocks, so the sums are those of the rows
    # in memory (the mean starts the SOM's PCA: float64 sums of the rows gave
    # a mean 5e-9 away, and maps that differed by 0.3-0.8 after two epochs)
    sum_rows = max(1, SUM_ELEMENTS // n_features)
    step = sum_rows * max(1, SCAN_ELEMENTS // SUM_ELEMENTS)
    for start, block in rows.blocks(step):
        if not torch.isfinite(block).all():
            raise ValueError(
                f"Input X contains NaN, infinity or a value too large for "
                f"float32 (in rows {start}..{start + len(block) - 1}); {name} "
                f"cannot train on it."
            )
        column_sums(block, out=total)
        torch.minimum(low, block.min(0).values, out=low)
        torch.maximum(high, block.max(0).values, out=high)
    rows.stats = {"n": n_samples, "sum": total, "min": low, "max": high}
    return rows
