"""Torch modules of the seq2seq family: the attention encoder-decoder and its loss.

The encoder is the recurrent family's :class:`~skdeep.recurrent._cells.RecurrentStack`
(bidirectional by default); the decoder is a one-directional
``RecurrentStack`` stepped with a carried state. Attention is Bahdanau's
additive attention (the previous decoder state queries the encoder outputs
and the context is fed to the RNN with the input) or Luong's general
attention (the RNN runs first, its output queries, and an attentional layer
combines both), or none (the plain encoder-decoder, whose decoder sees the
source only through its initial state).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
import torch.nn.functional as F
from torch import nn

from skdeep.recurrent._cells import RecurrentStack
from skdeep.seq2seq._noise import corrupt
from skdeep.seq2seq._sequences import BOS, EOS, MASK, N_SPECIAL, PAD, UNK

ATTENTIONS = ("bahdanau", "luong")

# Ids a decoder never emits: they have no symbol to give back.
_NEVER_EMITTED = (PAD, BOS, UNK, MASK)


class Seq2SeqModule(nn.Module):
    """Encoder-decoder with attention over tokens or numeric series.

    Parameters
    ----------
    source_vocabulary_size, target_vocabulary_size : int or None
        Token ids (reserved ids included) of token sequences; None for series.
    source_channels, target_channels : int or None
        Channels of series; None for tokens.
    embedding_size, hidden_size, num_layers, cell, bidirectional, dropout
        See the estimators.
    attention : {"bahdanau", "luong"} or None
    variable_length : bool
        Series targets of different lengths: a stop logit is learned.
    noise : dict or None
        Training-time corruption of the source (name -> rate), see
        :func:`~skdeep.seq2seq._noise.corrupt`.
    separator_ids : tuple of int
        Token ids that separate segments (for ``"permute"``).

    Inputs are ``source``: ids ``(n, S)`` padded with 0, or values ``(n, S,
    C)`` padded with NaN steps; ``target`` likewise (ids end with ``<eos>``
    unless the targets have a fixed length).
    """

    def __init__(
        self,
        *,
        source_vocabulary_size=None,
        source_channels=None,
        target_vocabulary_size=None,
        target_channels=None,
        embedding_size=64,
        hidden_size=128,
        num_layers=1,
        cell="gru",
        bidirectional=True,
        attention="bahdanau",
        dropout=0.0,
        variable_length=True,
        noise=None,
        separator_ids=(),
    ):
        super().__init__()
        # (numpy integers from a parameter grid: torch's layers take ints only)
        E, H, num_layers = int(embedding_size), int(hidden_size), int(num_layers)
        self.cell, self.attention, self.num_layers = cell, attention, num_layers
        self.hidden_size, self.dropout = H, float(dropout)
        self.variable_length = variable_length
        self.noise = dict(noise) if noise else None
        self.register_buffer(
            "separator_ids", torch.tensor(sorted(separator_ids), dtype=torch.long)
        )
        self.source_tokens = source_vocabulary_size is not None
        self.target_tokens = target_vocabulary_size is not None
        if self.source_tokens:
            self.source_embedding = nn.Embedding(
                source_vocabulary_size, E, padding_idx=PAD
            )
        else:
            self.source_embedding = nn.Linear(source_channels, E)
        if self.noise:
            self.mask_vector = nn.Parameter(torch.randn(E) * 0.1)
        self.encoder = RecurrentStack(
            E,
            H,
            cell=cell,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
        )
        enc = self.encoder.output_size
        self.bridge = nn.Linear(enc, H)
        if self.target_tokens:
            self.target_embedding = nn.Embedding(
                target_vocabulary_size, E, padding_idx=PAD
            )
            n_out = target_vocabulary_size
        else:
            self.target_embedding = nn.Linear(target_channels, E)
            self.bos_vector = nn.Parameter(torch.randn(E) * 0.1)
            self.target_channels = target_channels
            n_out = target_channels + 1  # the values and a stop logit
        rnn_input = E + (enc if attention == "bahdanau" else 0)
        self.decoder = RecurrentStack(
            rnn_input, H, cell=cell, num_layers=num_layers, dropout=dropout
        )
        if attention is not None:
            self.attention_key = nn.Linear(enc, H, bias=False)
        if attention == "bahdanau":
            self.attention_query = nn.Linear(H, H)
            self.attention_score = nn.Linear(H, 1, bias=False)
            features = H + enc
        elif attention == "luong":
            self.attention_combine = nn.Linear(H + enc, H)
            features = H
        else:
            features = H
        self.head = nn.Linear(features, n_out)
        # Set by the estimators (a callback) during training.
        self.teacher_forcing = 1.0

    # -- encoder ---------------------------------------------------------------

    def _lengths(self, x, tokens):
        if tokens:
            return (x != PAD).sum(dim=1).clamp(min=1)
        return (~torch.isnan(x).all(dim=2)).sum(dim=1).clamp(min=1)

    def encode(self, source, lengths=None):
        """Encode a batch; returns the memory the decoder attends to.

        Returns
        -------
        memory : dict
            ``outputs`` (n, S, enc), ``mask`` (n, S) of valid steps, ``keys``
            (n, S, H) (with attention) and ``code`` (n, H), the fixed-size
            code that starts the decoder.
        """
        if lengths is None:
            lengths = self._lengths(source, self.source_tokens)
        width = int(lengths.max())
        source = source[:, :width]
        if self.source_tokens:
            embedded = self.source_embedding(source)
        else:
            embedded = self.source_embedding(torch.nan_to_num(source))
        if self.noise and self.training:
            separators = None
            if self.source_tokens and len(self.separator_ids):
                separators = torch.isin(source, self.separator_ids)
            index, lengths = corrupt(lengths, width, self.noise, separators)
            gathered = embedded.gather(
                1, index.clamp(min=0)[..., None].expand(-1, -1, embedded.shape[2])
            )
            embedded = torch.where(
                (index < 0)[..., None], self.mask_vector.to(embedded.dtype), gathered
            )
        embedded = F.dropout(embedded, self.dropout, self.training)
        outputs, last, _ = self.encoder(embedded, lengths)
        mask = torch.arange(outputs.shape[1], device=outputs.device) < lengths[:, None]
        memory = {
            "outputs": outputs,
            "mask": mask,
            "code": torch.tanh(self.bridge(last)),
        }
        if self.attention is not None:
            memory["keys"] = self.attention_key(outputs)
        return memory

    def initial_state(self, code):
        """The decoder's state from a code: ``h`` of every layer (``c`` = 0)."""
        parts = (code,) if self.cell != "lstm" else (code, torch.zeros_like(code))
        return [parts for _ in range(self.num_layers)]

    # -- decoder ---------------------------------------------------------------

    def _attend(self, query, memory):
        """Attention weights (n, t, S) and contexts (n, t, enc) of queries (n, t, H)."""
        keys = memory["keys"]
        if self.attention == "bahdanau":
            hidden = torch.tanh(keys[:, None] + self.attention_query(query)[:, :, None])
            scores = self.attention_score(hidden).squeeze(-1)
        else:
            scores = query @ keys.transpose(1, 2)
        scores = scores.masked_fill(~memory["mask"][:, None], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return weights, weights @ memory["outputs"]

    def decode_block(self, embedded, state, memory):
        """Decode ``t`` steps from embedded inputs (n, t, E).

        Bahdanau attention needs the state of each step before its input, so
        it steps one at a time; Luong's and no attention run the RNN over the
        whole block at once (teacher forcing decodes a batch in one call).

        Returns
        -------
        outputs : Tensor (n, t, n_out)
        state : list
        weights : Tensor (n, t, S) or None
        """
        if self.attention == "bahdanau":
            outs, weights = [], []
            for step in range(embedded.shape[1]):
                w, context = self._attend(state[-1][0][:, None], memory)
                rnn_in = torch.cat([embedded[:, step : step + 1], context], dim=2)
                out, _, state = self.decoder(rnn_in, state=state)
                outs.append(torch.cat([out, context], dim=2))
                weights.append(w)
            features, weights = torch.cat(outs, dim=1), torch.cat(weights, dim=1)
        else:
            features, _, state = self.decoder(embedded, state=state)
            weights = None
            if self.attention == "luong":
                weights, context = self._attend(features, memory)
                features = torch.tanh(
                    self.attention_combine(torch.cat([features, context], dim=2))
                )
        features = F.dropout(features, self.dropout, self.training)
        return self.head(features), state, weights

    def _embed_target(self, previous):
        """Embed decoder inputs: ids (n, t) or values (n, t, C)."""
        if self.target_tokens:
            return self.target_embedding(previous)
        return self.target_embedding(torch.nan_to_num(previous))

    def _start(self, n, device):
        if self.target_tokens:
            return self.target_embedding(torch.full((n, 1), BOS, device=device))
        return self.bos_vector.expand(n, 1, -1)

    def forward(self, source, target):
        """Teacher-forced outputs ``(n, T, n_out)`` for training and scoring.

        With ``teacher_forcing < 1`` in training, each step feeds the true
        previous element with that probability and the model's own previous
        output otherwise (scheduled sampling, Bengio et al., 2015).
        """
        memory = self.encode(source)
        n = target.shape[0]
        T = int(self._lengths(target, self.target_tokens).max())
        target = target[:, :T]
        start = self._start(n, target.device)
        state = self.initial_state(memory["code"])
        if self.teacher_forcing >= 1.0 or not self.training:
            embedded = torch.cat([start, self._embed_target(target[:, :-1])], dim=1)
            embedded = F.dropout(embedded, self.dropout, self.training)
            return self.decode_block(embedded, state, memory)[0]
        outputs, inp = [], start
        for t in range(T):
            out, state, _ = self.decode_block(inp, state, memory)
            outputs.append(out)
            truth = target[:, t : t + 1]
            own = self._emitted(out.detach(), fixed=False)
            coin = torch.rand(n, device=target.device) < self.teacher_forcing
            coin = coin.view(n, *([1] * (truth.dim() - 1)))
            inp = self._embed_target(torch.where(coin, truth, own))
        return torch.cat(outputs, dim=1)

    def _emitted(self, out, fixed):
        """The element a step emits: the likeliest id, or the values."""
        if not self.target_tokens:
            return out[..., : self.target_channels]
        return self._restrict(out, fixed).argmax(dim=-1)

    # -- generation --------------------------------------------------------------

    def _restrict(self, logits, fixed, first=False):
        """The logits of the tokens a step may emit: never the special ones,
        and no end token for fixed-length targets or at the ``first`` step
        (every training target holds a token: an empty prediction was one
        that ``score`` then refused)."""
        logits = logits.clone()
        logits[..., list(_NEVER_EMITTED)] = float("-inf")
        if fixed or first:
            logits[..., EOS] = float("-inf")
        return logits

    def greedy(self, memory, max_steps, fixed=False):
        """Greedy decoding of a batch from its encoder ``memory``.

        Parameters
        ----------
        memory : dict
            From :meth:`encode` (or a dict with only a ``code`` when the
            model has no attention).
        max_steps : int
            The most elements to emit (exactly this many when ``fixed``).
        fixed : bool
            Fixed-length targets: no end token, no stop.

        Returns
        -------
        emitted : Tensor (n, L) of ids, or (n, L, C) of values
        log_likelihood : Tensor (n, L)
            Log-probability of each emitted id (tokens); zeros for series.
        lengths : Tensor (n,)
            Elements up to and including the end token (tokens), or the
            step whose stop probability passed one half (series).
        weights : Tensor (n, L, S) or None
        """
        code = memory["code"]
        n, device = code.shape[0], code.device
        state = self.initial_state(code)
        inp = self._start(n, device)
        done = torch.zeros(n, dtype=torch.bool, device=device)
        lengths = torch.zeros(n, dtype=torch.long, device=device)
        emitted, logps, weights = [], [], []
        for step in range(max_steps):
            out, state, w = self.decode_block(inp, state, memory)
            out = out[:, 0]
            lengths += ~done
            if self.target_tokens:
                logp = torch.log_softmax(
                    self._restrict(out, fixed, first=step == 0), dim=-1
                )
                token = logp.argmax(dim=-1)
                emitted.append(token)
                logps.append(logp.gather(1, token[:, None])[:, 0])
                done = done | (token == EOS)
                inp = self._embed_target(token[:, None])
            else:
                values = out[:, : self.target_channels]
                emitted.append(values)
                logps.append(torch.zeros(n, device=device))
                if self.variable_length and not fixed:
                    done = done | (out[:, -1] > 0)
                inp = self._embed_target(values[:, None])
            if w is not None:
                weights.append(w[:, 0])
            if bool(done.all()):
                break
        weights = torch.stack(weights, dim=1) if weights else None
        return torch.stack(emitted, dim=1), torch.stack(logps, dim=1), lengths, weights

    def beam_search(
        self, memory, max_steps, beam_width, length_penalty=1.0, fixed=False
    ):
        """Beam search over a batch, vectorised over the batch and the beams.

        Hypotheses are ranked at the end by their log-probability divided by
        the length penalty ``((5 + length) / 6) ** length_penalty`` (Wu et
        al., 2016); a finished hypothesis keeps its score and emits padding.
        Returns what :meth:`greedy` returns, for the best finished hypothesis
        (the best unfinished one where none finished within ``max_steps``).
        """
        code = memory["code"]
        n, device, B = code.shape[0], code.device, beam_width
        flat_memory = {k: v.repeat_interleave(B, dim=0) for k, v in memory.items()}
        state = self.initial_state(flat_memory["code"])
        inp = self._start(n * B, device)
        scores = torch.full((n, B), float("-inf"), device=device)
        scores[:, 0] = 0.0
        done = torch.zeros((n, B), dtype=torch.bool, device=device)
        lengths = torch.zeros((n, B), dtype=torch.long, device=device)
        # Per step: each hypothesis' parent beam, token, log-probability and
        # attention row; the best hypotheses are traced back once at the
        # end (reordering the whole history every step cost L^2 copies, L^3
        # with the attention rows: 22 s for 64 strings of 200 characters)
        parents, tokens, logps, weights = [], [], [], []
        rows = torch.arange(n, device=device)[:, None]
        for step in range(max_steps):
            out, state, w = self.decode_block(inp, state, flat_memory)
            logp = torch.log_softmax(
                self._restrict(out[:, 0], fixed, first=step == 0), dim=-1
            )
            V = logp.shape[-1]
            logp = logp.view(n, B, V)
            # A finished hypothesis continues with padding at no cost.
            finished = torch.full_like(logp, float("-inf"))
            finished[..., PAD] = 0.0
            logp = torch.where(done[..., None], finished, logp)
            total = (scores[..., None] + logp).view(n, B * V)
            scores, best = total.topk(B, dim=1)
            beam, token = best // V, best % V
            parents.append(beam)
            tokens.append(token)
            logps.append(logp.view(n, B * V).gather(1, best))
            if w is not None:
                weights.append(w[:, 0].view(n, B, -1)[rows, beam])
            done = done[rows, beam]
            lengths = lengths[rows, beam] + (~done).long()
            done = done | (token == EOS)
            flat = (rows * B + beam).view(-1)
            state = [tuple(part[flat] for part in layer) for layer in state]
            inp = self._embed_target(token.view(-1, 1))
            if bool(done.all()):
                break
        penalty = ((5.0 + lengths.float()) / 6.0) ** length_penalty
        ranked = scores / penalty
        # The best finished hypothesis where one finished: one cut off at
        # max_steps paid for no end token and won against finished ones
        # (a string repeated to max_output_length).
        ranked = ranked.masked_fill(~done & done.any(dim=1, keepdim=True),
                                    float("-inf"))
        pick = ranked.argmax(dim=1)
        chosen_lengths = lengths[rows[:, 0], pick]
        if not parents:  # (no step to take)
            nothing = torch.zeros((n, 0), device=device)
            return nothing.long(), nothing, chosen_lengths, None
        hypothesis = pick[:, None]  # (n, 1): each row's hypothesis at a step
        picked_tokens, picked_logps, picked_weights = [], [], []
        for step in range(len(parents) - 1, -1, -1):
            picked_tokens.append(tokens[step].gather(1, hypothesis))
            picked_logps.append(logps[step].gather(1, hypothesis))
            if weights:
                picked_weights.append(weights[step][rows[:, 0], hypothesis[:, 0]])
            hypothesis = parents[step].gather(1, hypothesis)
        return (
            torch.cat(picked_tokens[::-1], dim=1),
            torch.cat(picked_logps[::-1], dim=1),
            chosen_lengths,
            torch.stack(picked_weights[::-1], dim=1) if weights else None,
        )


class Seq2SeqLoss(nn.Module):
    """Training loss of :class:`Seq2SeqModule`'s teacher-forced outputs.

    Tokens: cross-entropy per target token (the end token included, padding
    ignored), averaged over tokens. Series: mean squared error over the valid
    values, plus, for targets of different lengths, the binary cross-entropy
    of the stop logit (1 at each series' last step) averaged over valid steps.
    """

    def __init__(self, variable_length=True):
        super().__init__()
        self.variable_length = variable_length

    def forward(self, outputs, target):
        T = outputs.shape[1]
        target = target[:, :T]
        # Each batch's share of an epoch is its tokens (valid steps), not its
        # rows: the epoch loss moved with batch_size (2.25 against 2.40 for
        # sequences of 1 and 30 tokens), as the validation loss early
        # stopping reads
        if not target.is_floating_point():
            self.last_total_ = (target != PAD).sum().detach()
            return F.cross_entropy(
                outputs.reshape(-1, outputs.shape[-1]),
                target.reshape(-1),
                ignore_index=PAD,
            )
        C = target.shape[2]
        valid = ~torch.isnan(target).all(dim=2)
        self.last_total_ = valid.sum().detach()
        error = (outputs[..., :C] - torch.nan_to_num(target)) ** 2
        loss = error[valid].mean()
        if self.variable_length:
            lengths = valid.sum(dim=1)
            stop = F.one_hot(lengths - 1, T).to(outputs.dtype)
            bce = F.binary_cross_entropy_with_logits(
                outputs[..., C], stop, reduction="none"
            )
            loss = loss + bce[valid].mean()
        return loss


def token_log_likelihood(outputs, target):
    """Per-sequence mean log-probability of the target tokens (padding ignored)."""
    T = outputs.shape[1]
    target = target[:, :T]
    logp = torch.log_softmax(outputs, dim=-1).gather(2, target.clamp(min=0)[..., None])[
        ..., 0
    ]
    valid = target != PAD
    return (logp * valid).sum(dim=1) / valid.sum(dim=1).clamp(min=1)


def series_log_likelihood(outputs, target, scale=None):
    """Per-sequence minus the mean squared error over valid values; with
    ``scale`` (C,), of standardized values, in the units of the data."""
    T = outputs.shape[1]
    target = target[:, :T]
    C = target.shape[2]
    valid = ~torch.isnan(target)
    error = (outputs[..., :C] - torch.nan_to_num(target)) ** 2
    if scale is not None:
        error = error * scale**2
    return -(error * valid).sum(dim=(1, 2)) / valid.sum(dim=(1, 2)).clamp(min=1)


__all__ = ["ATTENTIONS", "N_SPECIAL", "Seq2SeqLoss", "Seq2SeqModule"]
