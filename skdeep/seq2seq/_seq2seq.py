"""Sequence-to-sequence estimators: the attention translator and the
denoising sequence autoencoder."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import dataclasses
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from skdeep.seq2seq._modules import (
    ATTENTIONS,
    Seq2SeqLoss,
    Seq2SeqModule,
    series_log_likelihood,
    token_log_likelihood,
)
from skdeep.seq2seq._noise import NOISE_RATES
from skdeep.seq2seq._sequences import (
    EOS,
    N_SPECIAL,
    SERIES_KINDS,
    SequenceFormat,
    _tokenize,
    build_vocabulary,
    decode_series,
    decode_tokens,
    encode_tokens,
    read_sequences,
    truncate,
)
from skdeep.utils._sklearn import (
    Interval,
    StrOptions,
    _check_feature_names,
    _fit_context,
    check_sample_weight,
    external_stacklevel,
    validate_prediction_params,
)
from skdeep.utils._torch import inference_mode, inference_rows
from skdeep.utils._training import (
    GRADIENT_CLIPPING_CONSTRAINT,
    GRADIENT_CLIPPING_DOC,
    BaseTorchEstimator,
    store_init_params,
    training_parameters_doc,
)
from skdeep.utils.validation import column_standardization

DECODINGS = ("greedy", "beam")
TEACHER_FORCING_SCHEDULES = ("constant", "linear")
TOKENIZERS = ("char", "word")

SEQUENCES_DOC = """\
    Sequences come in any of these kinds (see :mod:`skdeep.seq2seq`):

    * a 1-D array or list of strings, split into tokens by ``tokenizer``;
    * a list of lists (or 1-D arrays) of non-negative integer token ids,
      or a list of lists of string tokens (pre-tokenized text), or a 2-D
      array or DataFrame of string tokens, one per cell (missing cells end
      a row): one text column is ``df["text"]``, not ``df[["text"]]``;
    * a 2-D integer array of token ids, padded at the end with ``-1``;
    * numeric series: a float array ``(n, T)`` or ``(n, C, T)``, padded at
      the end with NaN time steps, or a list of float arrays. The network
      reads and writes them standardized per channel (source and target
      series apart, with the training statistics); predictions and
      log-likelihoods are in the data's units.

    Targets may also be a 1-D integer or float array (sequences of one
    element). Predictions come back in the kind the targets were fitted in:
    strings for strings, -1-padded arrays for arrays, lists for lists.
    Input tokens not in the training vocabulary (characters included: no
    Unicode normalisation is applied) are read as the unknown token
    ``<unk>``; it is never predicted."""

MODEL_PARAMETERS_DOC = """\
    tokenizer : {{"char", "word"}} or callable, default="char"
        How strings are split into tokens: characters, whitespace-separated
        words, or a callable ``str -> list of str``. Predicted strings are
        joined with ``""`` after ``"char"`` and with ``" "`` otherwise.

    embedding_size : int, default=64
        Width of the token (or series step) embeddings.

    hidden_size : int, default=128
        Width of the recurrent states of the encoder (each direction) and
        the decoder, and of the code.

    num_layers : int, default=1
        Stacked recurrent layers in the encoder and in the decoder.

    cell : {{"gru", "lstm"}}, default="gru"
        The recurrent cell (the recurrent family's layer).

    bidirectional : bool, default=True
        Read the source forwards and backwards.

    attention : {{"bahdanau", "luong"}} or None, default={attention}
        ``"bahdanau"``: additive attention queried by the previous decoder
        state (Bahdanau et al., 2015). ``"luong"``: general (bilinear)
        attention queried by the current decoder output, combined by an
        attentional layer (Luong et al., 2015); it decodes a teacher-forced
        batch in one RNN call, so it trains faster. None: the decoder sees
        the source only through the code that starts it.

    dropout : float, default=0.0
        Dropout on the embeddings, between stacked layers and before the
        output layer (training only).

    teacher_forcing : float, default=1.0
        Probability that a training step feeds the true previous element to
        the decoder rather than the model's own previous output (scheduled
        sampling, Bengio et al., 2015). 1 is plain teacher forcing, the
        fastest.

    teacher_forcing_schedule : {{"constant", "linear"}}, default="constant"
        ``"linear"`` lowers the probability from ``teacher_forcing`` at the
        first epoch to 0 after the last.

    decoding : {{"greedy", "beam"}}, default="greedy"
        How :meth:`predict` generates token sequences. Series are always
        decoded greedily.

    beam_width : int, default=5
        Hypotheses kept per sequence by beam search.

    length_penalty : float, default=1.0
        Beam hypotheses are ranked by log-probability divided by ``((5 +
        length) / 6) ** length_penalty`` (Wu et al., 2016); 0 ranks by
        log-probability alone, which favours short outputs.

    max_length : int or None, default=None
        Input sequences longer than this are cut to their first
        ``max_length`` elements, with a ``UserWarning`` saying how many were
        cut, at ``fit`` and at ``predict``. None reads them whole. Read at
        each call: set on a fitted model, it applies to the next
        ``predict`` without a refit.

    max_output_length : int or None, default=None
        The most elements a prediction may have (targets longer than this
        are cut at ``fit`` with a warning). None: twice the longest target
        seen at ``fit``, plus one; for padded arrays their width (plus one,
        the end token, for tokens), so that predictions fit the array.
        Targets of one fixed length (arrays without padding) are always
        predicted at that length.

    min_frequency : int, default=1
        Tokens seen fewer times at ``fit`` become the unknown token.

    max_vocabulary : int or None, default=None
        Keep only the most frequent tokens (per vocabulary).

""" + GRADIENT_CLIPPING_DOC.format(default=5.0, note="")

_PARAMETER_CONSTRAINTS = {
    **BaseTorchEstimator._parameter_constraints,
    "tokenizer": [StrOptions(set(TOKENIZERS)), callable],
    "embedding_size": [Interval(Integral, 1, None, closed="left")],
    "hidden_size": [Interval(Integral, 1, None, closed="left")],
    "num_layers": [Interval(Integral, 1, None, closed="left")],
    "cell": [StrOptions({"gru", "lstm"})],
    "bidirectional": ["boolean"],
    "attention": [StrOptions(set(ATTENTIONS)), None],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "teacher_forcing": [Interval(Real, 0, 1, closed="both")],
    "teacher_forcing_schedule": [StrOptions(set(TEACHER_FORCING_SCHEDULES))],
    "decoding": [StrOptions(set(DECODINGS))],
    "beam_width": [Interval(Integral, 1, None, closed="left")],
    "length_penalty": [Interval(Real, 0, None, closed="left")],
    "max_length": [Interval(Integral, 1, None, closed="left"), None],
    "max_output_length": [Interval(Integral, 1, None, closed="left"), None],
    "min_frequency": [Interval(Integral, 1, None, closed="left")],
    "max_vocabulary": [Interval(Integral, 1, None, closed="left"), None],
    **GRADIENT_CLIPPING_CONSTRAINT,
}


def _check_symbol_kind(token_lists, vocabulary, what, name):
    """Refuse string tokens for a vocabulary of integer ids and the other way
    round: every token would be unknown (predictions of ``<unk>`` only)."""
    first = next((tokens[0] for tokens in token_lists if len(tokens)), None)
    if first is None or vocabulary is None or not len(vocabulary):
        return
    fitted_text = isinstance(vocabulary[0], str)
    if isinstance(first, str) != fitted_text:
        kinds = ("string tokens", "integer token ids")
        fitted, now = (kinds if fitted_text else kinds[::-1])
        raise ValueError(
            f"{name} was fitted on {fitted} in {what}, but {what} now holds "
            f"{now} ({first!r}): none of them is in the vocabulary."
        )


def _split_token(token_lists, tokenizer, rows=100):
    """The first string token of the first ``rows`` rows that ``tokenizer``
    splits into several tokens, or None. (Pre-tokenized rows are never
    tokenized: a tokenizer that fails on a token only means no.)"""
    for tokens in token_lists[:rows]:
        for token in tokens:
            if not isinstance(token, str):
                continue
            try:
                parts = _tokenize([token], tokenizer)[0]
            except Exception:  # noqa: BLE001 - a user's callable; see above
                continue
            if len(parts) > 1:
                return token
    return None


def _check_pretokenized(token_lists, tokenizer, what, name):
    """Refuse, for a model fitted on text, rows of "tokens" that its
    tokenizer would split (a one-column DataFrame of text, ``df[["text"]]``:
    each whole string was one unknown token). Pre-tokenized rows, such as
    the characters of a ``tokenizer="char"`` model, pass."""
    token = _split_token(token_lists, tokenizer)
    if token is not None:
        raise ValueError(
            f"{name} was fitted on text in {what} (strings split by its "
            f"tokenizer), but {what} now holds rows of tokens, as a 2-D "
            f"array or a DataFrame gives them, and its tokenizer would "
            f"split {token!r}. Pass one string per sequence: a 1-D array "
            f"or list, or one column such as df['text'], not df[['text']]."
        )


def _warn_one_text_column(X, token_lists, tokenizer, what, name):
    """Warn, at fit, where ``X`` is a one-column 2-D array or DataFrame of
    strings that the tokenizer would split: read as rows of one token each,
    ``df[["text"]]`` built a vocabulary of whole strings, and every new
    string was unknown (predict refuses the same input for a text model)."""
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2 or shape[1] != 1:
        return
    token = _split_token(token_lists, tokenizer)
    if token is not None:
        warnings.warn(
            f"{name}: {what} is a 2-D array or DataFrame with one column, read "
            f"as rows of one token each (pre-tokenized), but its tokenizer would "
            f"split {token!r}. For one string per sequence, pass a 1-D array or "
            f"list, or df['text'] rather than df[['text']]; for one-token rows "
            f"without this warning, a list of lists.",
            UserWarning, stacklevel=external_stacklevel(),
        )


class _TeacherForcing(Callback):
    """Set the module's teacher-forcing probability before each epoch."""

    def __init__(self, start, schedule, max_epochs):
        self.start, self.schedule, self.max_epochs = start, schedule, max_epochs

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1
        ratio = self.start
        if self.schedule == "linear":
            ratio = self.start * (1.0 - epoch / self.max_epochs)
        net.module_.teacher_forcing = float(ratio)


class _BaseSeq2Seq(BaseTorchEstimator):
    """Input handling, training and decoding shared by the seq2seq estimators."""

    _parameter_constraints: dict = _PARAMETER_CONSTRAINTS

    # -- reading sequences -------------------------------------------------------

    def _read(self, X, what, *, targets=False, reset=False, fitted=None):
        """Read ``X``; at predict, check it against the fitted ``fitted`` format."""
        name = type(self).__name__
        if what == "X" and not reset:
            # the columns' names before their values, as scikit-learn orders
            # it (renamed columns are a clearer error than what they hold)
            _check_feature_names(self, X, reset=False)
        seqs = read_sequences(
            X, what=what, tokenizer=self._tokenizer_in_use(fitted is not None),
            targets=targets, name=name,
        )
        fmt = seqs.format
        if fitted is None and fmt.kind == "ragged":
            _warn_one_text_column(X, seqs.tokens, self.tokenizer, what, name)
        if fitted is not None:
            tokens_fitted = fitted["kind"] not in SERIES_KINDS
            if fmt.is_tokens != tokens_fitted:
                raise ValueError(
                    f"{name} was fitted on {'token' if tokens_fitted else 'series'} "
                    f"{what} but {what} now holds "
                    f"{'tokens' if fmt.is_tokens else 'series'} ({fmt.kind}): "
                    f"tokens are strings or integer ids, series float arrays."
                )
            if not fmt.is_tokens and fmt.n_channels != fitted["n_channels"]:
                raise ValueError(
                    f"{what} has {fmt.n_channels} channels, but {name} was fitted "
                    f"on {fitted['n_channels']} channels."
                )
            if fmt.is_tokens:
                vocabulary = (self._source_vocabulary() if what == "X"
                              else self._target_vocabulary())
                _check_symbol_kind(seqs.tokens, vocabulary, what, name)
            if fitted["kind"] == "text" and fmt.kind == "ragged":
                _check_pretokenized(seqs.tokens, self._tokenizer_in_use(True),
                                    what, name)
        if (what == "X" and fitted is not None and not fmt.is_tokens
                and fmt.kind == "series" and fitted["kind"] == "series"
                and not fmt.listed and not fitted["listed"]
                and fmt.ndim != fitted["ndim"]):
            # (n_features_in_ counts the width of 2-D arrays and the channels
            # of 3-D ones: "X has 1 features" for (n, 1, T) said little)
            raise ValueError(
                f"{name} was fitted on {fitted['ndim']}-D series input but X is "
                f"{fmt.ndim}-D: give X as (n_samples, n_timepoints) or "
                f"(n_samples, n_channels, n_timepoints), as in fit."
            )
        if what == "X":
            self._check_array_features(X, fmt, reset)
            seqs = truncate(seqs, self.max_length, what=what, name=name)
        return seqs

    def _tokenizer_in_use(self, fitted):
        """The tokenizer of ``fit`` once fitted (its vocabulary was built
        with it: a ``tokenizer`` set since made every token unknown), else
        the parameter."""
        return getattr(self, "_tokenizer", self.tokenizer) if fitted else self.tokenizer

    def _check_array_features(self, X, fmt, reset):
        """scikit-learn's ``n_features_in_`` for 2-D (and 3-D) array input,
        and ``feature_names_in_`` for a DataFrame (renamed or reordered
        columns, a scrambled time order, were taken as they came)."""
        if reset:  # (at predict, checked before reading: see _read)
            _check_feature_names(self, X, reset=True)
        if fmt.kind in ("tokens", "series") and not fmt.listed:
            n_features = fmt.width if fmt.ndim == 2 else fmt.n_channels
            if reset:
                self.n_features_in_ = n_features
            elif hasattr(self, "n_features_in_") and n_features != self.n_features_in_:
                raise ValueError(
                    f"X has {n_features} features, but {type(self).__name__} is "
                    f"expecting {self.n_features_in_} features as input."
                )
        elif reset and hasattr(self, "n_features_in_"):
            del self.n_features_in_

    @staticmethod
    def _format_dict(fmt):
        return dataclasses.asdict(fmt)

    def _ids(self, seqs, vocabulary, *, width=None, add_eos=False, side=None):
        """A tensor of ids (tokens) or of NaN-padded values (series; those
        of ``side``, "source" or "target", standardized)."""
        if seqs.tokens is not None:
            ids, _ = encode_tokens(
                seqs.tokens, vocabulary, width=width, add_eos=add_eos
            )
            return torch.from_numpy(ids)
        values = seqs.values
        if width is not None and values.shape[1] < width:
            pad = np.full(
                (len(values), width - values.shape[1], values.shape[2]), np.nan
            )
            values = np.concatenate([values, pad], axis=1)
        scaling = getattr(self, "_series_scaling", {}).get(side)
        if scaling is not None:
            # in float64, before the float32 cast (NaN padding stays NaN)
            mean, scale = scaling
            values = (np.asarray(values, dtype=np.float64) - mean) / scale
        return torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32))

    def _fit_series_scaling(self, source, target):
        """Each side's per-channel mean and scale, when it holds series: the
        network reads and writes standardized values. (Series in their own
        units were cast to float32 and learnt as they came: targets at 1e6
        were predicted as 0, a level of 1e7 was lost in the cast.) A
        constant target channel is scaled by its magnitude."""
        self._series_scaling = {
            side: column_standardization(
                seqs.values.reshape(-1, seqs.values.shape[2]), targets=side == "target"
            )
            for side, seqs in (("source", source), ("target", target))
            if seqs.tokens is None
        }

    def _series_in_target_units(self, values):
        """Generated series ``(n, T, C)`` back in the targets' units."""
        scaling = getattr(self, "_series_scaling", {}).get("target")
        if scaling is None:  # (a model saved before series were scaled)
            return values
        mean, scale = scaling
        return np.asarray(values, dtype=np.float64) * scale + mean

    def _fit_vocabulary(self, seqs):
        if seqs.tokens is None:
            return None
        vocabulary = build_vocabulary(
            seqs.tokens,
            min_frequency=self.min_frequency,
            max_vocabulary=self.max_vocabulary,
        )
        if len(vocabulary) == 0:
            raise ValueError(
                f"No token occurs at least min_frequency={self.min_frequency} "
                f"times; lower min_frequency."
            )
        return vocabulary

    # -- the module and training ---------------------------------------------------

    def _module_kwargs(self):
        return dict(
            embedding_size=self.embedding_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            cell=self.cell,
            bidirectional=self.bidirectional,
            attention=self.attention,
            dropout=self.dropout,
        )

    def _build_module(self):
        src, tgt = self._source_vocabulary(), self._target_vocabulary()
        return Seq2SeqModule(
            source_vocabulary_size=None if src is None else len(src) + N_SPECIAL,
            source_channels=self.source_format_["n_channels"],
            target_vocabulary_size=None if tgt is None else len(tgt) + N_SPECIAL,
            target_channels=self.target_format_["n_channels"],
            variable_length=not self.target_format_["fixed"],
            **self._module_kwargs(),
            **self._extra_module_kwargs(),
        )

    def _extra_module_kwargs(self):
        return {}

    def _criterion(self):
        return Seq2SeqLoss(variable_length=not self.target_format_["fixed"])

    def _make_net(self, module, criterion, **kwargs):
        net = super()._make_net(module, criterion, **kwargs)
        extra = [
            (
                "teacher_forcing",
                _TeacherForcing(
                    self.teacher_forcing, self.teacher_forcing_schedule, self.max_epochs
                ),
            )
        ]
        net.callbacks = extra + list(net.callbacks)
        return net

    def _fit_pairs(self, source, target):
        """Fit on read source and target sequences (already in ``*_format_``)."""
        self._training_setup()
        self.source_width_ = int(source.lengths.max())
        target_fmt = SequenceFormat(**self.target_format_)
        longest = int(target.lengths.max())
        if target_fmt.fixed:
            self.max_output_length_ = target_fmt.width
        elif self.max_output_length is not None:
            self.max_output_length_ = int(self.max_output_length)
        elif target_fmt.width is not None and not target_fmt.listed:
            # padded arrays come back at their width: longer predictions
            # were cut to it without a word (and score, which reads them
            # whole, disagreed with predict)
            self.max_output_length_ = target_fmt.width + int(target.format.is_tokens)
        else:
            self.max_output_length_ = 2 * longest + 1
        if not target_fmt.fixed:
            if target.format.is_tokens and self.max_output_length_ < 2:
                # (cut to no token at all, the model could only emit nothing)
                raise ValueError(
                    f"max_output_length={self.max_output_length_} leaves no place "
                    f"for a token: token targets of varying length need at least "
                    f"2 (one token and the end token)."
                )
            # Token targets keep one place for the end token.
            target = truncate(
                target,
                self.max_output_length_ - int(target.format.is_tokens),
                what="y",
                name=type(self).__name__,
                parameter="max_output_length (minus one for the end token)",
            )
        self._fit_series_scaling(source, target)
        X = {
            "source": self._ids(source, self._source_vocabulary(), side="source"),
            "target": self._ids(
                target, self._target_vocabulary(), add_eos=not target_fmt.fixed,
                side="target",
            ),
        }
        self._fit_module(X, X["target"])
        return self

    # -- inference -------------------------------------------------------------

    def _source_batches(self, seqs):
        """Padded source tensors of ``batch_size`` rows each, and each batch's
        count of real rows (the rest repeat row 0, so that every call sees
        the same shape and a row's output does not depend on its batch)."""
        source = self._ids(seqs, self._source_vocabulary(), width=self.source_width_,
                           side="source")
        n, bs = len(source), inference_rows(self.batch_size, self.net_.device)
        for start in range(0, n, bs):
            batch = source[start : start + bs]
            m = len(batch)
            if m < bs:
                filler = batch[:1].expand(bs - m, *batch.shape[1:])
                batch = torch.cat([batch, filler])
            yield batch.to(self.net_.device), m

    def _generate(
        self, seqs, *, decoding=None, max_steps=None, fixed=None, attention=False
    ):
        """Decode every sequence; returns lists of emitted ids/values, their
        log-likelihoods, lengths, and attention matrices (when asked)."""
        validate_prediction_params(self, "decoding", "beam_width", "length_penalty")
        module = self.net_.module_
        fixed = self.target_format_["fixed"] if fixed is None else fixed
        steps = self.max_output_length_ if max_steps is None else max_steps
        beam = (decoding or self.decoding) == "beam" and (
            self.target_format_["kind"] not in SERIES_KINDS
        )

        def search(memory):
            if beam:
                return module.beam_search(
                    memory, steps, self.beam_width, self.length_penalty, fixed
                )
            return module.greedy(memory, steps, fixed)

        out = {"emitted": [], "logp": [], "lengths": [], "weights": []}
        with inference_mode(module):
            for batch, m in self._source_batches(seqs):
                emitted, logp, lengths, weights = search(module.encode(batch))
                out["emitted"].append(emitted[:m].cpu())
                out["logp"].append(logp[:m].cpu())
                out["lengths"].append(lengths[:m].cpu())
                if attention and weights is not None:
                    out["weights"].append(weights[:m].cpu())
        return out

    def _emitted_to_outputs(self, out):
        """Predictions in the fitted targets' kind."""
        fmt = SequenceFormat(**self.target_format_)
        lengths = torch.cat(out["lengths"]).numpy()
        if fmt.kind in SERIES_KINDS:
            values = torch.cat(
                [_pad_to(e, self.max_output_length_) for e in out["emitted"]]
            ).numpy()
            return decode_series(self._series_in_target_units(values), lengths, fmt)
        return decode_tokens(
            self._emitted_ids(out), self._target_vocabulary(), fmt,
            self._tokenizer_in_use(True),
        )

    def _emitted_ids(self, out):
        """The emitted token ids of each sequence, without the end token."""
        lengths = torch.cat(out["lengths"]).tolist()
        ids = torch.cat([_pad_to(e, self.max_output_length_) for e in out["emitted"]])
        return [
            [t for t in row[:k] if t != EOS] for row, k in zip(ids.tolist(), lengths)
        ]

    def _teacher_forced_log_likelihood(self, source_seqs, target_seqs):
        """Per-sequence mean log-likelihood of given targets (teacher forced)."""
        module = self.net_.module_
        fmt = SequenceFormat(**self.target_format_)
        target = self._ids(
            target_seqs, self._target_vocabulary(), add_eos=not fmt.fixed,
            side="target",
        )
        scaling = getattr(self, "_series_scaling", {}).get("target")
        # (a copy: a memory-mapped model's arrays are read-only)
        scale = None if scaling is None else torch.tensor(np.array(scaling[1]))
        scores, start = [], 0
        with inference_mode(module):
            for batch, m in self._source_batches(source_seqs):
                tgt = target[start : start + m]
                start += m
                if m < len(batch):
                    filler = tgt[:1].expand(len(batch) - m, *tgt.shape[1:])
                    tgt = torch.cat([tgt, filler])
                outputs = module(batch, tgt.to(batch.device))
                tgt = tgt.to(outputs.device)
                if fmt.kind in SERIES_KINDS:
                    if scale is not None:
                        scale = scale.to(outputs.device, outputs.dtype)
                    scores.append(
                        series_log_likelihood(outputs, tgt, scale)[:m].cpu())
                else:
                    scores.append(token_log_likelihood(outputs, tgt)[:m].cpu())
        return torch.cat(scores).double().numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        # allow_nan stays False: NaN is accepted only as trailing padding of
        # series, and scikit-learn's checks put NaN anywhere when it is True.
        return tags


def _pad_to(tensor, width):
    """Pad the time axis (1) of a batch of decoder outputs to ``width``."""
    missing = width - tensor.shape[1]
    if missing <= 0:
        return tensor
    shape = (tensor.shape[0], missing, *tensor.shape[2:])
    return torch.cat([tensor, tensor.new_zeros(shape)], dim=1)


class Seq2SeqTranslator(_BaseSeq2Seq):
    """Attention encoder-decoder that maps sequences to sequences.

    The English-to-Katakana transliterator of ``wanasit/katakana``, as a
    scikit-learn estimator: a bidirectional GRU (or LSTM) encoder reads the
    source, a GRU decoder with attention writes the target token by token,
    trained with teacher forcing. ``fit(X, y)`` takes source and target
    sequences; :meth:`predict` gives sequences of the kind ``y`` was.

    Parameters
    ----------
{model}

{training}

    Attributes
    ----------
    source_vocabulary_, target_vocabulary_ : ndarray or None
        The symbols of each vocabulary (id ``i + 5`` is symbol ``i``; ids 0-4
        are padding, start, end, unknown and mask); None for series.
    source_format_, target_format_ : dict
        How ``X`` and ``y`` were given (kind, width, channels), so that
        predictions come back alike.
    source_width_ : int
        Length of the longest training source (after ``max_length``);
        sources are padded to at least this length at inference.
    max_output_length_ : int
        The most elements :meth:`predict` emits.
    n_features_in_ : int
        Columns of ``X`` when it was a 2-D or 3-D array (absent for strings
        and lists).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame with string column
        names.
    net_ : skorch.NeuralNet
        The trained net; ``module_`` is its :class:`torch.nn.Module`.
    history_ : skorch History
        Per-epoch losses.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.
    n_iter_ : int
        Number of epochs run.

    See Also
    --------
    SequenceAutoencoder : The same encoder-decoder trained to restore
        corrupted inputs; its codes are features.

    Notes
    -----
{sequences}

    The loss is the cross-entropy per target token (the end token counted,
    padding not), so ``history_[:, "valid_loss"]`` is a per-character loss.

    References
    ----------
    D. Bahdanau, K. Cho and Y. Bengio, "Neural machine translation by jointly
    learning to align and translate", ICLR 2015.

    M.-T. Luong, H. Pham and C. D. Manning, "Effective approaches to
    attention-based neural machine translation", EMNLP 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.seq2seq import Seq2SeqTranslator
    >>> words = np.array(["abc", "bca", "cab", "acb", "bac", "cba"] * 20)
    >>> reversed_words = np.array([w[::-1] for w in words])
    >>> model = Seq2SeqTranslator(hidden_size=32, max_epochs=40, lr=0.01,
    ...                           random_state=0).fit(words, reversed_words)
    >>> model.predict(["abc", "cab"]).tolist()
    ['cba', 'bac']
    >>> model.score(words, reversed_words)
    1.0
    """

    def __init__(
        self,
        *,
        tokenizer="char",
        embedding_size=64,
        hidden_size=128,
        num_layers=1,
        cell="gru",
        bidirectional=True,
        attention="bahdanau",
        dropout=0.0,
        teacher_forcing=1.0,
        teacher_forcing_schedule="constant",
        decoding="greedy",
        beam_width=5,
        length_penalty=1.0,
        max_length=None,
        max_output_length=None,
        min_frequency=1,
        max_vocabulary=None,
        gradient_clipping=5.0,
        lr=0.002,
        max_epochs=20,
        batch_size=64,
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    def _source_vocabulary(self):
        return self.source_vocabulary_

    def _target_vocabulary(self):
        return self.target_vocabulary_

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the translator on source sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : sequences
            Sources (see the class notes for the kinds).
        y : sequences
            Targets, one per source.

        Returns
        -------
        self : Seq2SeqTranslator
        """
        source = self._read(X, "X", reset=True)
        target = self._read(y, "y", targets=True)
        if len(source) != len(target):
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{len(source)}, {len(target)}]"
            )
        if len(source) < 2:
            raise ValueError(
                f"Found array with 1 sample(s) while a minimum of 2 is required "
                f"by {type(self).__name__}."
            )
        self._tokenizer = self.tokenizer
        self.source_format_ = self._format_dict(source.format)
        self.target_format_ = self._format_dict(target.format)
        self.source_vocabulary_ = self._fit_vocabulary(source)
        self.target_vocabulary_ = self._fit_vocabulary(target)
        return self._fit_pairs(source, target)

    def _read_X(self, X):
        check_is_fitted(self)
        return self._read(X, "X", fitted=self.source_format_)

    def predict(self, X):
        """Translate sequences.

        Parameters
        ----------
        X : sequences
            Sources, of the kind seen at ``fit``.

        Returns
        -------
        y_pred : sequences
            Of the kind of the fitted targets: an array of strings, a list of
            token lists (object array), a 2-D int array padded with -1 (as
            wide as the fitted targets, or wider where ``max_output_length``
            lets predictions be longer), or a float array (series; NaN after
            a shorter series' end).
        """
        seqs = self._read_X(X)
        return self._emitted_to_outputs(self._generate(seqs))

    def predict_attention(self, X):
        """The attention matrix of each prediction, for plotting.

        Parameters
        ----------
        X : sequences

        Returns
        -------
        attention : list of ndarray
            One ``(n_output_elements, n_input_elements)`` matrix per
            sequence: row ``t`` is how the decoder weighed the source
            elements when it emitted its ``t``-th element (the end token's
            row included last for token targets). Rows sum to one.
        """
        seqs = self._read_X(X)
        # the fitted network's attention, whatever set_params changed since
        if self.net_.module_.attention is None:
            raise ValueError(
                f"{type(self).__name__} was fitted with attention=None: it has "
                f"no attention to show; fit with attention='bahdanau' or 'luong'."
            )
        out = self._generate(seqs, attention=True)
        lengths = torch.cat(out["lengths"]).tolist()
        weights = [w.numpy() for batch in out["weights"] for w in batch]
        return [
            w[:k, :s].astype(np.float64)
            for w, k, s in zip(weights, lengths, seqs.lengths.tolist())
        ]

    def score(self, X, y, sample_weight=None):
        """Exact-match accuracy for token targets; R² for series.

        A predicted token sequence counts when it equals the target token
        for token (after tokenising; unknown target tokens can never be
        matched). For series, the model decodes each series for its true
        length and the R² is taken over all valid values.

        Parameters
        ----------
        X : sequences
        y : sequences
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        seqs, target = self._read_X_y(X, y)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, np.empty(len(seqs)))
        if target.tokens is None:
            steps = int(target.lengths.max())
            out = self._generate(seqs, max_steps=steps, fixed=True)
            pred = self._series_in_target_units(torch.cat(out["emitted"]).numpy())
            truth = target.values[:, :steps]
            valid = ~np.isnan(truth)
            weights = None
            if sample_weight is not None:
                weights = np.broadcast_to(
                    np.asarray(sample_weight, dtype=float)[:, None, None], valid.shape
                )[valid]
            return float(r2_score(truth[valid], pred[valid], sample_weight=weights))
        vocabulary = self._target_vocabulary().tolist()
        predicted = [
            [vocabulary[i - N_SPECIAL] for i in row]
            for row in self._emitted_ids(self._generate(seqs))
        ]
        hits = [p == list(t) for p, t in zip(predicted, target.tokens)]
        return float(np.average(np.array(hits, dtype=float), weights=sample_weight))

    def score_samples(self, X, y=None):
        """Mean log-likelihood per target token of each sequence.

        Parameters
        ----------
        X : sequences
        y : sequences or None, default=None
            Targets to score (teacher forced: the probability the model
            gives each target token after the true previous ones, the end
            token included, over the whole vocabulary). None scores the
            model's own prediction (its confidence) as decoding saw it: over
            the tokens a step may emit (no unknown or padding token, no end
            token first), so it can exceed the score of ``y=predict(X)``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Mean log-probability per token (at most 0), or for series minus
            the mean squared error per value.
        """
        seqs = self._read_X(X)
        if y is None:
            if self.target_format_["kind"] in SERIES_KINDS:
                raise ValueError(
                    f"{type(self).__name__} was fitted on series targets; "
                    f"score_samples needs the targets y to score."
                )
            out = self._generate(seqs)
            logps = torch.cat(
                [_pad_to(p, self.max_output_length_) for p in out["logp"]]
            )
            lengths = torch.cat(out["lengths"])
            mask = torch.arange(logps.shape[1])[None] < lengths[:, None]
            return ((logps * mask).sum(1) / lengths.clamp(min=1)).double().numpy()
        seqs, target = self._read_X_y(X, y, seqs)
        return self._teacher_forced_log_likelihood(seqs, target)

    def _read_X_y(self, X, y, seqs=None):
        """Sources and targets at predict time, as many of each (a longer y
        was cut to X's length in score_samples, silently)."""
        seqs = self._read_X(X) if seqs is None else seqs
        target = self._read(y, "y", targets=True, fitted=self.target_format_)
        if len(target) != len(seqs):
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{len(seqs)}, {len(target)}]"
            )
        return seqs, target

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return [
            {"embedding_size": 4, "hidden_size": 4, "max_epochs": 2, "batch_size": 16},
            {
                "embedding_size": 4,
                "hidden_size": 4,
                "max_epochs": 2,
                "batch_size": 16,
                "attention": "luong",
                "cell": "lstm",
                "decoding": "beam",
                "beam_width": 2,
            },
        ]


class SequenceAutoencoder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseSeq2Seq
):
    """Denoising sequence autoencoder (BART's corruptions) and feature extractor.

    The encoder-decoder of :class:`Seq2SeqTranslator`, trained to restore each
    sequence from a corrupted copy of it (Lewis et al., 2019). Corruptions
    are drawn afresh for every batch. :meth:`transform` gives a fixed-size
    code per sequence (the encoder's summary that starts the decoder), so
    strings and series become feature vectors; :meth:`inverse_transform`
    decodes codes back into sequences; :meth:`score_samples` is the
    reconstruction log-likelihood, an anomaly score (low is unusual).

    Parameters
    ----------
    noise : str, list of str, dict or None, default=None
        The corruptions: any of ``"mask"`` (each token becomes a mask token
        with probability rate, default 0.15), ``"delete"`` (each token is
        deleted, 0.15), ``"infill"`` (spans of Poisson(3) length, about rate
        0.3 of the tokens, each become one mask; a span of length 0 inserts
        a mask), ``"permute"`` (the segments between ``separators`` are
        shuffled, with probability 1.0) and ``"rotate"`` (the sequence starts
        at a random element and wraps around, probability 1.0). A dict maps
        names to rates. They apply in the order permute, rotate, infill,
        mask, delete. None is a plain sequence autoencoder. Series take the
        same corruptions (a masked step is replaced by a learned vector), all
        but ``"permute"``.

    separators : list or None, default=None
        Tokens that separate segments for ``"permute"``; None means ``[" "]``
        for strings (words of characters) and none otherwise. Separators
        that are not tokens of ``X`` are left out; with none left (token
        ids without ``separators``, or ``tokenizer="word"``, whose tokens
        hold no space) ``"permute"`` leaves every sequence as it is.

{model}

{training}

    Attributes
    ----------
    vocabulary_ : ndarray or None
        The symbols (id ``i + 5`` is symbol ``i``); None for series.
    source_format_, target_format_ : dict
        How ``X`` was given (one dict: the targets are the inputs), so that
        :meth:`inverse_transform` gives it back alike.
    noise_ : dict
        The corruptions used, with their rates.
    source_width_ : int
        Length of the longest training sequence (after ``max_length``);
        inputs are padded to at least this length at inference.
    max_output_length_ : int
        The most elements :meth:`inverse_transform` emits.
    n_features_in_ : int
        Columns of ``X`` when it was a 2-D or 3-D array (absent for strings
        and lists).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame with string column
        names.
    net_ : skorch.NeuralNet
    history_ : skorch History
    loss_curve_ : list of float
        Mean training loss of each epoch.
    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.
    n_iter_ : int
        Number of epochs run.

    See Also
    --------
    Seq2SeqTranslator : The encoder-decoder for source and target sequences.
    skdeep.autoencoder.AutoencoderOutlierDetector : A dense autoencoder
        outlier detector for fixed-size rows.

    Notes
    -----
{sequences}

    With ``attention`` set, the decoder reads the encoder's outputs as well
    as the code, so the code need not hold everything and
    :meth:`inverse_transform` (which has only the code) is unavailable.
    As an outlier score use ``-score_samples(X)`` (or
    ``score_samples(X) < threshold``).

    References
    ----------
    M. Lewis et al., "BART: Denoising sequence-to-sequence pre-training for
    natural language generation, translation, and comprehension", ACL 2020,
    arXiv:1910.13461.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.seq2seq import SequenceAutoencoder
    >>> words = np.array(["abc", "bca", "cab", "acb", "bac", "cba"] * 20)
    >>> ae = SequenceAutoencoder(hidden_size=16, noise="mask", max_epochs=30,
    ...                          lr=0.01, random_state=0).fit(words)
    >>> ae.transform(words[:2]).shape
    (2, 16)
    >>> ae.inverse_transform(ae.transform(["cab"])).tolist()
    ['cab']
    """

    def __init__(
        self,
        *,
        noise=None,
        separators=None,
        tokenizer="char",
        embedding_size=64,
        hidden_size=128,
        num_layers=1,
        cell="gru",
        bidirectional=True,
        attention=None,
        dropout=0.0,
        teacher_forcing=1.0,
        teacher_forcing_schedule="constant",
        decoding="greedy",
        beam_width=5,
        length_penalty=1.0,
        max_length=None,
        max_output_length=None,
        min_frequency=1,
        max_vocabulary=None,
        gradient_clipping=5.0,
        lr=0.002,
        max_epochs=20,
        batch_size=64,
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_params(self, locals())

    _parameter_constraints: dict = {
        **_PARAMETER_CONSTRAINTS,
        "noise": [str, list, tuple, dict, None],
        "separators": [list, tuple, None],
    }

    def _source_vocabulary(self):
        return self.vocabulary_

    _target_vocabulary = _source_vocabulary

    def _noise(self, fmt):
        noise = self.noise
        if noise is None:
            return {}
        if isinstance(noise, str):
            noise = [noise]
        if not isinstance(noise, dict):
            noise = {name: NOISE_RATES.get(name) for name in noise}
        unknown = sorted(set(noise) - set(NOISE_RATES))
        if unknown:
            raise ValueError(
                f"Unknown noise {unknown}; expected names among {sorted(NOISE_RATES)}."
            )
        for name, rate in noise.items():
            if not isinstance(rate, Real) or not 0 <= rate <= 1:
                raise ValueError(
                    f"The rate of noise {name!r} must be in [0, 1]; got {rate!r}."
                )
        if "permute" in noise and not fmt.is_tokens:
            raise ValueError(
                "noise='permute' shuffles segments between separator tokens; "
                "series have no separators."
            )
        return {name: float(rate) for name, rate in noise.items()}

    def _separator_ids(self):
        separators = self.separators
        if separators is None:
            separators = [" "] if self.source_format_["kind"] == "text" else []
        if self.vocabulary_ is None:
            return ()
        index = {s: i + N_SPECIAL for i, s in enumerate(self.vocabulary_.tolist())}
        return tuple(index[s] for s in separators if s in index)

    def _extra_module_kwargs(self):
        return {"noise": self.noise_ or None, "separator_ids": self._separator_ids()}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the autoencoder to restore ``X`` from corrupted copies.

        Parameters
        ----------
        X : sequences
        y : None
            Ignored.

        Returns
        -------
        self : SequenceAutoencoder
        """
        seqs = self._read(X, "X", reset=True)
        if len(seqs) < 2:
            raise ValueError(
                f"Found array with 1 sample(s) while a minimum of 2 is required "
                f"by {type(self).__name__}."
            )
        self.noise_ = self._noise(seqs.format)
        self._tokenizer = self.tokenizer
        self.source_format_ = self.target_format_ = self._format_dict(seqs.format)
        self.vocabulary_ = self._fit_vocabulary(seqs)
        return self._fit_pairs(seqs, seqs)

    def _read_X(self, X):
        check_is_fitted(self)
        return self._read(X, "X", fitted=self.source_format_)

    def transform(self, X):
        """The code of each sequence: the encoder's fixed-size summary.

        Parameters
        ----------
        X : sequences

        Returns
        -------
        codes : ndarray of shape (n_samples, hidden_size)
        """
        seqs = self._read_X(X)
        module = self.net_.module_
        codes = []
        with inference_mode(module):
            for batch, m in self._source_batches(seqs):
                codes.append(module.encode(batch)["code"][:m].cpu())
        return torch.cat(codes).double().numpy()

    @property
    def _n_features_out(self):
        check_is_fitted(self)  # (the property itself always exists)
        return self.net_.module_.hidden_size  # as fitted

    def _decodes_from_the_code(self):
        # (available_if: Pipeline and hasattr see inverse_transform only
        # where it works; the fitted network's attention, whatever
        # set_params changed since)
        net = getattr(self, "net_", None)
        attention = self.attention if net is None else net.module_.attention
        if attention is not None:
            raise AttributeError(
                f"{type(self).__name__} with attention={attention!r} decodes "
                f"from the encoder outputs as well as the code: it has no "
                f"inverse_transform (it needs attention=None)."
            )
        return True

    @available_if(_decodes_from_the_code)
    def inverse_transform(self, X):
        """Decode codes back into sequences (greedy); only with
        ``attention=None``.

        Parameters
        ----------
        X : array-like of shape (n_samples, hidden_size)
            Codes, as :meth:`transform` gives them.

        Returns
        -------
        sequences : sequences
            In the kind ``X`` was fitted in.
        """
        check_is_fitted(self)
        module = self.net_.module_  # as fitted, whatever set_params changed
        from sklearn.utils.validation import check_array

        codes = check_array(X, dtype=np.float64)
        if codes.shape[1] != module.hidden_size:
            raise ValueError(
                f"X has {codes.shape[1]} features, but inverse_transform expects "
                f"codes of {module.hidden_size}."
            )
        fixed = self.target_format_["fixed"]
        out = {"emitted": [], "logp": [], "lengths": [], "weights": []}
        with inference_mode(module):
            for start in range(0, len(codes), self.batch_size):
                code = torch.as_tensor(
                    codes[start : start + self.batch_size], dtype=torch.float32
                ).to(self.net_.device)
                emitted, _, lengths, _ = module.greedy(
                    {"code": code}, self.max_output_length_, fixed
                )
                out["emitted"].append(emitted.cpu())
                out["lengths"].append(lengths.cpu())
        return self._emitted_to_outputs(out)

    def score_samples(self, X):
        """Reconstruction log-likelihood of each sequence (higher is more typical).

        Parameters
        ----------
        X : sequences

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Mean log-probability per token of the sequence given its clean
            encoding (teacher forced), or for series minus the mean squared
            error per value.
        """
        seqs = self._read_X(X)
        return self._teacher_forced_log_likelihood(seqs, seqs)

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return [
            {"embedding_size": 4, "hidden_size": 4, "max_epochs": 2, "batch_size": 16},
            {
                "embedding_size": 4,
                "hidden_size": 4,
                "max_epochs": 2,
                "batch_size": 16,
                "noise": {"mask": 0.2, "infill": 0.3, "rotate": 0.5},
                "cell": "lstm",
            },
        ]


_DOCS = {
    "training": training_parameters_doc(lr=0.002, max_epochs=20, batch_size=64),
    "sequences": SEQUENCES_DOC,
}
Seq2SeqTranslator.__doc__ = Seq2SeqTranslator.__doc__.format(
    model=MODEL_PARAMETERS_DOC.format(attention='"bahdanau"'), **_DOCS
)
SequenceAutoencoder.__doc__ = SequenceAutoencoder.__doc__.format(
    model=MODEL_PARAMETERS_DOC.format(attention="None"), **_DOCS
)
