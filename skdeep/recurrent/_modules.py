"""Torch modules of the recurrent estimators: the encoder-with-head and the masked loss."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from torch import nn

from skdeep.recurrent._cells import RecurrentStack, detach_state, state_prefix

# Cells whose many-to-one summary is the mean output over the valid steps
# under ``readout="auto"``: their state is a gated moving average of per-step
# features (no hidden-to-hidden path), so the last output alone mostly
# reflects the last few steps (issue #14: on BasicMotions' training part,
# inner CV 0.84 / 0.78 with the last output, 1.00 / 1.00 with the mean; the
# selection is in the docstring of benchmarks/sequence.py).
MEAN_READOUT_CELLS = ("qrnn", "sru")


def sequence_lengths(x):
    """Valid lengths of ``(n, T, C)`` series padded with trailing NaN steps.

    Rows with no valid step (for example the zero rows that batched inference
    appends) get length 1 (a last valid step to read).
    """
    valid = ~torch.isnan(x).any(dim=2)
    return valid.sum(dim=1).clamp(min=1)


class RNNModule(nn.Module):
    """Recurrent encoder with a linear head, many-to-one or many-to-many.

    Reads ``(n, C, T)`` tensors (torch conv order) whose padding is trailing
    NaN time steps; the padding never reaches a valid step's output (read
    after each series' end, or reversed within each series' length; see
    :class:`RecurrentStack`).
    Many-to-one: the last valid output of the top layer (both directions
    merged; ``readout="last"``) or the mean of its outputs over each
    series' valid steps (``"mean"``) is fed to a linear head, giving ``(n,
    n_outputs)``; ``"auto"``: the mean for the cells of
    :data:`MEAN_READOUT_CELLS` unless ``stateful``, else the last output.
    ``return_sequences=True``: the same head is applied at every step (Keras'
    ``TimeDistributed``), giving ``(n, T, n_outputs)``; outputs at padding
    steps must be ignored.

    ``stateful=True``: each call continues from the state the previous call
    left (detached, for truncated back-propagation through time), row ``i``
    of a batch from row ``i`` of the previous batch; :meth:`reset_state`
    starts afresh. Needs a one-directional stack and unpadded input.
    """

    readout = "last"  # modules pickled before the readout option read this

    def __init__(
        self,
        n_channels,
        n_outputs,
        *,
        cell="lstm",
        hidden_size=32,
        num_layers=1,
        bidirectional=False,
        merge_mode="concat",
        dropout=0.0,
        unit_forget_bias=True,
        return_sequences=False,
        window=2,
        qrnn_pooling="fo",
        stateful=False,
        readout="last",
    ):
        super().__init__()
        self.return_sequences = return_sequences
        self.stateful = stateful
        if readout not in ("last", "mean", "auto"):
            raise ValueError(
                f"readout must be 'last', 'mean' or 'auto', got {readout!r}"
            )
        if readout == "auto":
            readout = "mean" if cell in MEAN_READOUT_CELLS and not stateful else "last"
        self.readout = readout
        self.encoder = RecurrentStack(
            n_channels,
            hidden_size,
            cell=cell,
            num_layers=num_layers,
            bidirectional=bidirectional,
            merge_mode=merge_mode,
            dropout=dropout,
            unit_forget_bias=unit_forget_bias,
            window=window,
            qrnn_pooling=qrnn_pooling,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.encoder.output_size, n_outputs)
        self._carried = self._step_start = None

    def reset_state(self):
        """Forget the carried state (``stateful=True``)."""
        self._carried = self._step_start = None

    def begin_step(self):
        """Called before each optimizer step that evaluates its closure
        through skorch: every evaluation of the step's batch (LBFGS runs up
        to 20) starts from the state the previous batch left. (Each started
        from the one the evaluation before it left: the batch's own.)"""
        self._step_start = self._carried
        self._rewinds = True

    def _run(self, X):
        x = X.transpose(1, 2)  # (n, T, C)
        if self.stateful:
            rewinds = self.training and self.__dict__.get("_rewinds", False)
            state = self._step_start if rewinds else self._carried
            if state is not None:
                state = state_prefix(state, len(x))
            outputs, last, new_state = self.encoder(x, None, state)
            self._carried = detach_state(new_state)
            return outputs, self._pool(outputs, last, None)
        lengths = sequence_lengths(x)
        outputs, last, _ = self.encoder(torch.nan_to_num(x, nan=0.0), lengths)
        return outputs, self._pool(outputs, last, lengths)

    def _pool(self, outputs, last, lengths):
        """The series summary the head reads: the last valid output, or the
        mean of the outputs over each series' valid steps."""
        if self.readout == "last":
            return last
        if lengths is None:
            return outputs.mean(dim=1)
        lengths = lengths.to(outputs.device)
        steps = torch.arange(outputs.shape[1], device=outputs.device)
        valid = (steps[None, :] < lengths[:, None]).to(outputs.dtype)
        # where, not a product: padding outputs may hold anything.
        total = torch.where(valid[..., None] > 0, outputs, 0.0).sum(dim=1)
        return total / lengths[:, None].to(outputs.dtype)

    def encode_sequence(self, X):
        """The merged top-layer output at every step, ``(n, T, width)``."""
        return self._run(X)[0]

    def encode(self, X):
        """The merged last valid output of each series, ``(n, width)``."""
        return self._run(X)[1]

    def forward(self, X):
        outputs, last = self._run(X)
        return self.head(self.dropout(outputs if self.return_sequences else last))

    def forward_stream(self, X):
        """:meth:`forward` over the rows of ``X`` ``(n, C, T)`` read as one
        continuous series from a fresh state (stateful inference): the same
        outputs as feeding the rows one by one with the state carried."""
        n, C, T = X.shape
        outputs, _, _ = self.encoder(X.transpose(1, 2).reshape(1, n * T, C))
        outputs = outputs.view(n, T, -1)
        if self.return_sequences:
            h = outputs
        else:
            h = outputs[:, -1] if self.readout == "last" else outputs.mean(dim=1)
        return self.head(self.dropout(h))

    def __getstate__(self):
        state = super().__getstate__()
        # the carried state is not a weight
        return {**state, "_carried": None, "_step_start": None}
