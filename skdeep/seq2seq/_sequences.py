"""Sequence inputs and outputs of the seq2seq family: kinds, vocabularies, ids.

scikit-learn has no convention for sequence outputs, so skdeep reads the
*kind* of a sequence collection from its type and gives predictions back in
the kind the targets were given in:

==================  ==========================================  =================
kind                what it is                                  one sequence
==================  ==========================================  =================
``"text"``          1-D array or list of ``str``                the tokens of a
                                                                string (``tokenizer``)
``"ragged"``        list of lists (or 1-D arrays) of ints, or   a list of tokens
                    lists of string tokens (pre-tokenized)
``"tokens"``        2-D int array padded at the end with -1     a row without its -1s
``"scalar_tokens"`` 1-D int array (targets only)                one token
``"series"``        2-D ``(n, T)`` or 3-D ``(n, C, T)`` float   a series; NaN steps
                    array, or a list of float arrays            at the end are padding
``"scalar_series"`` 1-D float array (targets only)              a series of one step
==================  ==========================================  =================

Token sequences are mapped through a vocabulary fitted on the training data;
ids 0-4 are reserved (:data:`SPECIAL_TOKENS`) and symbols start at 5.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from collections import Counter
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array

from skdeep.utils._dataclasses import array_fields_eq
from skdeep.utils._input import (
    check_trailing_nan_padding,
    pad_ragged_series,
    refuse_sktime_panel_frames,
    series_arrays,
)
from skdeep.utils._sklearn import external_stacklevel
from skdeep.utils.validation import check_float32_range

SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>", "<unk>", "<mask>")
PAD, BOS, EOS, UNK, MASK = range(len(SPECIAL_TOKENS))
N_SPECIAL = len(SPECIAL_TOKENS)
TOKEN_PAD = -1
"""The padding value of 2-D integer token arrays (``"tokens"`` kind)."""

TOKEN_KINDS = ("text", "ragged", "tokens", "scalar_tokens")
SERIES_KINDS = ("series", "scalar_series")


@dataclass
class SequenceFormat:
    """How a collection of sequences was given, to give predictions back alike.

    Attributes
    ----------
    kind : str
        One of :data:`TOKEN_KINDS` or :data:`SERIES_KINDS`.
    width : int or None
        Columns (time points) of array input: 2-D token arrays and series
        arrays keep it at ``predict``.
    fixed : bool
        Every sequence had exactly ``width`` elements (no padding), so
        decoding emits exactly ``width`` of them and needs no end token.
    n_channels : int
        Channels of series (1 for tokens).
    ndim : int
        ``ndim`` of the array input, after a list of series is padded into
        one (0 for strings and ragged token lists).
    listed : bool
        Series given as a list of arrays (predictions come back as a list).
    """

    kind: str
    width: int | None = None
    fixed: bool = False
    n_channels: int = 1
    ndim: int = 0
    listed: bool = False

    @property
    def is_tokens(self):
        return self.kind in TOKEN_KINDS


@dataclass
class Sequences:
    """One collection read by :func:`read_sequences`.

    ``tokens`` is a list of lists of symbols (token kinds), ``values`` a float
    array ``(n, T, C)`` with NaN padding (series kinds); ``lengths`` the
    valid length of each sequence.
    """

    format: SequenceFormat
    lengths: np.ndarray
    tokens: list | None = None
    values: np.ndarray | None = None

    __eq__ = array_fields_eq

    def __len__(self):
        return len(self.lengths)


def _tokenize(strings, tokenizer):
    if tokenizer == "char":
        return [list(s) for s in strings]
    if tokenizer == "word":
        return [s.split() for s in strings]
    out = []
    for s in strings:
        tokens = tokenizer(s)
        if not isinstance(tokens, (list, tuple)) or not all(
            isinstance(t, str) for t in tokens
        ):
            raise TypeError(
                f"tokenizer must return a list of strings; it returned "
                f"{tokens!r} for {s!r}."
            )
        out.append(list(tokens))
    return out


def _is_int(value):
    return isinstance(value, (Integral, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


def read_sequences(X, *, what, tokenizer="char", targets=False, name="estimator"):
    """Read a collection of sequences and the kind it was given in.

    Parameters
    ----------
    X : array-like or list
        See the module docstring for the kinds.
    what : {"X", "y"}
        Used in the error messages.
    tokenizer : {"char", "word"} or callable, default="char"
        Splits strings into tokens.
    targets : bool, default=False
        Targets may be 1-D numeric arrays (sequences of one element); inputs
        may not (scikit-learn expects 2-D ``X``).
    name : str
        The estimator's name, for messages.

    Returns
    -------
    sequences : Sequences

    Raises
    ------
    ValueError, TypeError
        For empty collections, empty sequences, mixed types, bad pad ids,
        NaN or infinity where they are not padding.
    """
    if X is None:
        target = "the target y" if what == "y" else what
        raise ValueError(f"{name} requires {what} to be passed, but {target} is None.")
    if isinstance(X, (str, bytes)):
        raise ValueError(
            f"{what} must be a collection of sequences, not a single string; "
            f"wrap it in a list."
        )
    if isinstance(X, memoryview):  # (np.isscalar calls every memoryview a scalar)
        X = np.asarray(X)
    if np.isscalar(X) or getattr(X, "ndim", None) == 0:  # (a bare TypeError)
        raise ValueError(
            f"{what} must be a collection of sequences; got a scalar "
            f"{type(X).__name__} ({X!r})."
        )
    if sp.issparse(X):
        check_array(X, accept_sparse=False, input_name=what, estimator=name)
    refuse_sktime_panel_frames(X, name, what)
    if not hasattr(X, "shape") and hasattr(X, "__array__"):
        X = np.asarray(X)
    if hasattr(X, "shape") and getattr(X, "dtype", None) is not None:
        # pandas extension dtypes and torch dtypes have no numpy .kind
        dtype = X.dtype if isinstance(X.dtype, np.dtype) else np.asarray(X[:0]).dtype
        if dtype.kind in "US" or (dtype.kind == "O" and len(X.shape) == 1):
            X = list(np.asarray(X, dtype=object))
        elif dtype.kind == "O" and (rows := _string_token_rows(X, what)) is not None:
            X = rows
    elif hasattr(X, "iloc") and len(X.shape) == 2:  # a DataFrame of string tokens
        if (rows := _string_token_rows(X, what)) is not None:
            X = rows
    if isinstance(X, (list, tuple)):
        return _read_list(list(X), what, tokenizer, targets, name)
    return _read_array(X, what, targets, name)


def _string_token_rows(X, what):
    """The rows of a 2-D object array (or DataFrame) of string tokens, each
    without its trailing missing cells (None or NaN: the padding that
    ``pd.DataFrame`` gives ragged rows), or None where ``X`` holds anything
    else."""
    values = np.asarray(X, dtype=object)
    if values.ndim != 2 or values.size == 0:
        return None
    rows = []
    for i, row in enumerate(values):
        n = len(row)
        while n and _missing(row[n - 1]):
            n -= 1
        strings = [isinstance(v, str) for v in row[:n]]
        if not all(strings):
            if all(s or _missing(v) for s, v in zip(strings, row[:n])):
                raise ValueError(
                    f"{what} has a missing value inside row {i} of string "
                    f"tokens; only a row's trailing cells may be missing (the "
                    f"padding of rows of different lengths)."
                )
            return None
        rows.append(row[:n])
    return rows if any(len(row) for row in rows) else None


def _missing(value):
    """None, NaN or pandas' NA."""
    return (
        value is None
        or (isinstance(value, (float, np.floating)) and value != value)
        or type(value).__name__ == "NAType"
    )


def _read_list(items, what, tokenizer, targets, name):
    if len(items) == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is "
            f"required by {name}."
        )
    # pandas Series and frames (time points as rows) as their arrays, as
    # the recurrent estimators read them
    items = series_arrays(items)
    if all(isinstance(s, str) for s in items):
        tokens = _tokenize(items, tokenizer)
        _check_not_empty(tokens, what)
        lengths = np.array([len(t) for t in tokens], dtype=np.int64)
        return Sequences(SequenceFormat("text"), lengths, tokens=tokens)
    if any(isinstance(s, str) for s in items):
        kinds = sorted({type(s).__name__ for s in items})
        raise TypeError(
            f"{what} mixes strings with other types ({', '.join(kinds)}); give "
            f"all sequences as strings or all as token/number sequences."
        )
    if all(_is_int(s) or isinstance(s, (float, np.floating)) for s in items):
        return _read_array(np.asarray(items), what, targets, name)
    if not all(
        isinstance(s, (list, tuple, np.ndarray)) and not isinstance(s, str)
        for s in items
    ):
        kinds = sorted({type(s).__name__ for s in items})
        raise TypeError(
            f"{what} must hold sequences (strings, lists of token ids or series "
            f"arrays); found {', '.join(kinds)}."
        )
    if all(
        isinstance(s, (list, tuple, np.ndarray)) and np.ndim(s) == 1
        and all(isinstance(t, str) for t in s)
        for s in items
    ):  # pre-tokenized text: lists of string tokens (or a 2-D string array's rows)
        tokens = [[str(t) for t in s] for s in items]
        _check_not_empty(tokens, what)
        lengths = np.array([len(t) for t in tokens], dtype=np.int64)
        return Sequences(SequenceFormat("ragged"), lengths, tokens=tokens)
    arrays = [np.asarray(s) for s in items]
    if all(a.ndim == 1 and (a.size == 0 or a.dtype.kind in "iu") for a in arrays):
        tokens = [[int(v) for v in a] for a in arrays]
        _check_not_empty(tokens, what)
        bad = [v for t in tokens for v in t if v < 0]
        if bad:
            raise ValueError(
                f"{what} holds the negative token id {bad[0]}; token ids must be "
                f">= 0 (ragged lists need no padding)."
            )
        lengths = np.array([len(t) for t in tokens], dtype=np.int64)
        return Sequences(SequenceFormat("ragged"), lengths, tokens=tokens)
    if all(a.dtype.kind == "f" for a in arrays):
        if any(a.shape[-1] == 0 for a in arrays):
            raise ValueError(f"{what} holds an empty series.")
        padded = np.asarray(pad_ragged_series(arrays, estimator_name=name),
                            dtype=np.float64)
        return _read_array(padded, what, targets, name, from_list=True)
    missing = _first_missing(items)
    if missing is not None:  # (read as a mix of types: int and object, ...)
        raise ValueError(
            f"{what} holds a missing value (None or NaN) in sequence {missing}; "
            f"sequences cannot have gaps (NaN marks only the padding at the end "
            f"of series given as float arrays)."
        )
    kinds = sorted({a.dtype.name for a in arrays})
    raise TypeError(
        f"{what} mixes sequence types ({', '.join(kinds)}): use lists of ints for "
        f"token ids or float arrays for series, not both."
    )


def _first_missing(items):
    """Index of the first sequence holding None, NaN or pandas' NA, or None."""
    for i, s in enumerate(items):
        try:
            values = np.asarray(s, dtype=object).ravel()
        except ValueError:  # (ragged channels: not a missing value's doing)
            continue
        for v in values:
            if (v is None or type(v).__name__ == "NAType"
                    or (isinstance(v, (float, np.floating)) and v != v)):
                return i
    return None


def _check_not_empty(tokens, what):
    empty = [i for i, t in enumerate(tokens) if len(t) == 0]
    if empty:
        raise ValueError(
            f"{what} holds {len(empty)} empty sequence(s), first at index "
            f"{empty[0]}; every sequence needs at least one token."
        )


def _integer_ids(X):
    """``X`` as an int64 array of token ids (missing values as ``TOKEN_PAD``)
    when it holds integers in a container numpy reads as objects: a pandas
    frame of nullable ``Int64`` columns (``pd.NA`` padding) or a 2-D object
    array of Python ints (``None`` padding), or a pandas series of
    integers or booleans (nullable ``Int64`` and ``boolean`` too, without
    missing values: a 1-D target, read as numpy reads its plain dtypes);
    else None. (Read as numbers, they became float series, and the
    translator a regression.)"""
    if hasattr(X, "iloc") and X.ndim == 2:
        from pandas.api.types import is_bool_dtype, is_integer_dtype

        if X.shape[1] and all(is_integer_dtype(t) and not is_bool_dtype(t)
                              for t in X.dtypes):
            return X.to_numpy(dtype=np.int64, na_value=TOKEN_PAD)
        return None
    if hasattr(X, "iloc") and X.ndim == 1:
        from pandas.api.types import is_bool_dtype, is_integer_dtype

        if (is_integer_dtype(X.dtype) or is_bool_dtype(X.dtype)) and not bool(
            X.isna().any()
        ):
            return X.to_numpy(dtype=np.int64)
        return None
    if not (isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 2):
        return None
    values = X.ravel()
    present = [v for v in values if v is not None]
    if not present or not all(isinstance(v, Integral) and not isinstance(v, bool)
                              for v in present):
        return None
    return np.array([TOKEN_PAD if v is None else int(v) for v in values],
                    dtype=np.int64).reshape(X.shape)


def _read_array(X, what, targets, name, from_list=False):
    ids = _integer_ids(X)
    if ids is not None:
        X = ids
    array = check_array(
        X,
        dtype=None if np.asarray(X[:0]).dtype.kind in "iuf" else "numeric",
        ensure_2d=False,
        allow_nd=True,
        ensure_all_finite="allow-nan",
        input_name=what,
        estimator=name,
    )
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    check_float32_range(array, input_name=what, estimator=name)
    if array.ndim == 1 and not targets:
        raise ValueError(
            f"Expected 2D array, got 1D array instead:\narray={array}.\nReshape "
            f"your data either using array.reshape(-1, 1) if your data has a "
            f"single feature or array.reshape(1, -1) if it contains a single "
            f"sample. (A 1-D {what} of strings is read as text.)"
        )
    if (
        array.ndim == 0
        or array.ndim > 3
        or (array.ndim == 3 and array.dtype.kind != "f")
    ):
        raise ValueError(
            f"{what} must be 1-D strings, 2-D token ids, or (n, T) / (n, C, T) "
            f"float series; got an array with shape {array.shape} and dtype "
            f"{array.dtype}."
        )
    if array.dtype.kind in "iu":
        if array.ndim == 1:
            array = array[:, None]
            fmt = SequenceFormat("scalar_tokens", width=1, fixed=True, ndim=1)
        else:
            fmt = SequenceFormat("tokens", width=array.shape[1], ndim=2)
        pad = array == TOKEN_PAD
        bad = (array < 0) & ~pad
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(
                f"{what}[{i}, {j}] = {array[i, j]}: integer token arrays are padded "
                f"with {TOKEN_PAD} at the end, and every other id must be >= 0."
            )
        inner = pad[:, :-1] & ~pad[:, 1:]
        if inner.any():
            i, j = np.argwhere(inner)[0]
            raise ValueError(
                f"{what} row {i} has padding ({TOKEN_PAD}) at column {j} before a "
                f"token; padding may only come at the end of a row."
            )
        lengths = (~pad).sum(axis=1).astype(np.int64)
        if (lengths == 0).any():
            raise ValueError(
                f"{what} row {np.flatnonzero(lengths == 0)[0]} holds only padding; "
                f"every sequence needs at least one token."
            )
        fmt.fixed = bool((lengths == array.shape[1]).all())
        tokens = [row[:n].tolist() for row, n in zip(array, lengths)]
        return Sequences(fmt, lengths, tokens=tokens)
    array = array.astype(np.float64, copy=False)
    if np.isinf(array).any():
        raise ValueError(f"Input {what} contains infinity.")
    if array.ndim == 1:
        X3 = array[:, None, None]
        fmt = SequenceFormat("scalar_series", width=1, ndim=1)
    else:
        X3 = array[:, None, :] if array.ndim == 2 else array
        fmt = SequenceFormat(
            "series",
            width=X3.shape[2],
            n_channels=X3.shape[1],
            ndim=array.ndim,
            listed=from_list,
        )
    if X3.shape[2] == 0:
        raise ValueError(f"{what} holds series of 0 time points.")
    check_trailing_nan_padding(X3)
    lengths = (~np.isnan(X3).all(axis=1)).sum(axis=1).astype(np.int64)
    fmt.fixed = bool((lengths == X3.shape[2]).all())
    return Sequences(fmt, lengths, values=np.ascontiguousarray(X3.transpose(0, 2, 1)))


def build_vocabulary(token_lists, *, min_frequency=1, max_vocabulary=None):
    """The symbols kept for a vocabulary, most frequent first.

    Ties are broken by the symbol's order (``sorted``), so the vocabulary and
    the ids do not depend on the order of the data.

    Parameters
    ----------
    token_lists : list of lists of symbols
    min_frequency : int, default=1
        Symbols seen fewer times are left out (they become ``<unk>``).
    max_vocabulary : int or None, default=None
        Keep at most this many symbols (not counting the reserved ids).

    Returns
    -------
    vocabulary : ndarray of shape (n_symbols,)
        Symbol ``vocabulary[i]`` has id ``i + N_SPECIAL``.

    Examples
    --------
    >>> from skdeep.seq2seq._sequences import build_vocabulary
    >>> build_vocabulary([list("abca"), list("cb")]).tolist()
    ['a', 'b', 'c']
    """
    counts = Counter(t for tokens in token_lists for t in tokens)
    symbols = sorted(
        (s for s, c in counts.items() if c >= min_frequency),
        key=lambda s: (-counts[s], s),
    )
    if max_vocabulary is not None:
        symbols = symbols[:max_vocabulary]
    symbols = sorted(symbols)
    if symbols and isinstance(symbols[0], str):
        cut = [s for s in symbols if s.endswith("\x00")]
        if cut:  # (stored as '' or merged with another symbol, silently)
            raise ValueError(
                f"Token {cut[0]!r} ends with a NUL character ('\\x00'), which "
                f"numpy string arrays (the vocabulary) drop; replace NUL "
                f"characters in the sequences first."
            )
        return np.array(symbols, dtype=str)
    return np.array(symbols, dtype=np.int64)


def encode_tokens(token_lists, vocabulary, *, width=None, add_eos=False):
    """Token ids ``(n, width)`` padded with 0, unknown symbols as ``<unk>``.

    Parameters
    ----------
    token_lists : list of lists of symbols
    vocabulary : ndarray
        From :func:`build_vocabulary`.
    width : int or None
        Columns of the result (at least the longest sequence, plus one with
        ``add_eos``). None: the longest.
    add_eos : bool
        Append the end token ``<eos>`` to every sequence.

    Returns
    -------
    ids : ndarray of int64 of shape (n, width)
    n_unknown : int
        How many tokens were not in the vocabulary.
    """
    index = {s: i + N_SPECIAL for i, s in enumerate(vocabulary.tolist())}
    longest = max(len(t) for t in token_lists) + int(add_eos)
    width = longest if width is None else max(width, longest)
    ids = np.zeros((len(token_lists), width), dtype=np.int64)
    n_unknown = 0
    for i, tokens in enumerate(token_lists):
        row = [index.get(t, UNK) for t in tokens]
        n_unknown += row.count(UNK)
        if add_eos:
            row.append(EOS)
        ids[i, : len(row)] = row
    return ids, n_unknown


def truncate(sequences, max_length, *, what, name, parameter="max_length"):
    """Cut sequences longer than ``max_length``, with a warning naming how many."""
    if max_length is None or sequences.lengths.max() <= max_length:
        return sequences
    too_long = sequences.lengths > max_length
    warnings.warn(
        f"{int(too_long.sum())} sequence(s) of {what} are longer than "
        f"{parameter}={max_length} (the longest has {int(sequences.lengths.max())}); "
        f"{name} reads their first {max_length} elements only.",
        UserWarning,
        stacklevel=external_stacklevel(),
    )
    lengths = np.minimum(sequences.lengths, max_length)
    if sequences.tokens is not None:
        tokens = [t[:max_length] for t in sequences.tokens]
        return Sequences(sequences.format, lengths, tokens=tokens)
    values = sequences.values[:, :max_length]
    return Sequences(sequences.format, lengths, values=values)


def decode_tokens(ids, vocabulary, fmt, tokenizer="char"):
    """Predictions in the kind of the fitted targets.

    Parameters
    ----------
    ids : list of lists of int
        Generated ids, without ``<eos>`` and padding.
    vocabulary : ndarray
    fmt : SequenceFormat
        The targets' format at fit.
    tokenizer : {"char", "word"} or callable
        Text is joined with ``""`` after ``"char"`` and with ``" "`` otherwise.

    Returns
    -------
    y : ndarray
        Strings (object array), a list of lists of ints (as an object array of
        lists), a 2-D int array padded with -1 (as wide as the fitted
        targets, or as the longest sequence where that is wider), or a 1-D
        int array.
    """
    symbols = [
        [vocabulary[i - N_SPECIAL] if i >= N_SPECIAL else None for i in row]
        for row in ids
    ]
    if fmt.kind == "text":
        sep = "" if tokenizer == "char" else " "
        return np.array(
            [sep.join("" if s is None else str(s) for s in row) for row in symbols],
            dtype=object,
        )
    if fmt.kind == "ragged" and vocabulary.dtype.kind == "U":
        out = np.empty(len(symbols), dtype=object)
        out[:] = [
            [SPECIAL_TOKENS[UNK] if s is None else str(s) for s in row]
            for row in symbols
        ]
        return out
    # <unk> has no symbol: it comes back as the pad value -1 (never a real id).
    rows = [[TOKEN_PAD if s is None else int(s) for s in row] for row in symbols]
    if fmt.kind == "ragged":
        out = np.empty(len(rows), dtype=object)
        out[:] = rows
        return out
    width = fmt.width
    if not fmt.fixed:
        # -1-padded targets: as wide as the longest prediction where
        # max_output_length lets it be wider (cut to the fitted width, it
        # lost tokens without a word, and score, reading them whole, disagreed)
        width = max([width, *map(len, rows)])
    out = np.full((len(rows), width), TOKEN_PAD, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : min(len(row), width)] = row[:width]
    return out[:, 0] if fmt.kind == "scalar_tokens" else out


def decode_series(values, lengths, fmt):
    """Generated series ``(n, T, C)`` back in the fitted targets' shape.

    Arrays keep the fitted number of time points (NaN after a shorter
    series' end; more where ``max_output_length`` let a series be longer);
    lists give one array per series, of its own length.
    """
    if fmt.kind == "scalar_series":
        return values[:, 0, 0].astype(np.float64)
    if fmt.listed:
        return [
            values[i, :k, 0].astype(np.float64)
            if fmt.ndim == 2
            else values[i, :k].T.astype(np.float64)
            for i, k in enumerate(lengths)
        ]
    n, _, C = values.shape
    width = fmt.width
    if not fmt.fixed and len(lengths):  # (wider where max_output_length allows)
        width = max(width, int(max(lengths)))
    out = np.full((n, C, width), np.nan)
    for i, k in enumerate(lengths):
        k = min(int(k), width)
        out[i, :, :k] = values[i, :k].T
    return out[:, 0] if fmt.ndim == 2 else out
