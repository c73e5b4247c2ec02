"""Torch modules of the recurrent estimators: the encoder-with-head and the masked loss."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from torch import nn

from skdeep.recurrent._cells import RecurrentStack, detach_state, state_prefix


def sequence_lengths(x):
    """Valid lengths of ``(n, T, C)`` series padded with trailing NaN steps.

    Rows with no valid step (for example the zero rows that batched inference
    appends) get length 1, as ``pack_padded_sequence`` needs.
    """
    valid = ~torch.isnan(x).any(dim=2)
    return valid.sum(dim=1).clamp(min=1)


class RNNModule(nn.Module):
    """Recurrent encoder with a linear head, many-to-one or many-to-many.

    Reads ``(n, C, T)`` tensors (torch conv order) whose padding is trailing
    NaN time steps; the padding never reaches a valid step's output (packed
    away for torch's cells, read after each series' end, or reversed within
    each series' length, for the others; see :class:`RecurrentStack`).
    Many-to-one: the last valid output of the top layer (both directions
    merged) is fed to a linear head, giving ``(n, n_outputs)``.
    ``return_sequences=True``: the same head is applied at every step (Keras'
    ``TimeDistributed``), giving ``(n, T, n_outputs)``; outputs at padding
    steps must be ignored.

    ``stateful=True``: each call continues from the state the previous call
    left (detached, for truncated back-propagation through time), row ``i``
    of a batch from row ``i`` of the previous batch; :meth:`reset_state`
    starts afresh. Needs a one-directional stack and unpadded input.
    """

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
    ):
        super().__init__()
        self.return_sequences = return_sequences
        self.stateful = stateful
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
        self._carried = None

    def reset_state(self):
        """Forget the carried state (``stateful=True``)."""
        self._carried = None

    def _run(self, X):
        x = X.transpose(1, 2)  # (n, T, C)
        if self.stateful:
            state = self._carried
            if state is not None:
                state = state_prefix(state, len(x))
            outputs, last, new_state = self.encoder(x, None, state)
            self._carried = detach_state(new_state)
            return outputs, last
        lengths = sequence_lengths(x)
        outputs, last, _ = self.encoder(torch.nan_to_num(x, nan=0.0), lengths)
        return outputs, last

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
        h = outputs if self.return_sequences else outputs[:, -1]
        return self.head(self.dropout(h))

    def __getstate__(self):
        state = super().__getstate__()
        return {**state, "_carried": None}  # the carried state is not a weight
