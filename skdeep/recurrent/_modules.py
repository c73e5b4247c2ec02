"""Plain torch modules of the recurrent family: packed RNN/LSTM/GRU encoders."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
MERGE_MODES = ("concat", "sum", "mul", "ave")


def merge_directions(forward, backward, merge_mode):
    """Combine the two directions of a bidirectional layer (Keras' merge modes)."""
    if merge_mode == "concat":
        return torch.cat([forward, backward], dim=-1)
    if merge_mode == "sum":
        return forward + backward
    if merge_mode == "mul":
        return forward * backward
    return (forward + backward) / 2  # "ave"


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
    NaN time steps; the padding is packed away, so it never reaches the cell.
    Many-to-one: the last valid hidden state of the top layer (both
    directions merged) is fed to a linear head, giving ``(n, n_outputs)``.
    ``return_sequences=True``: the same head is applied at every step (Keras'
    ``TimeDistributed``), giving ``(n, T, n_outputs)``; outputs at padding
    steps are the head applied to zeros and must be ignored.
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
    ):
        super().__init__()
        self.return_sequences = return_sequences
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.merge_mode = merge_mode
        self.rnn = CELLS[cell](
            n_channels,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
        )
        if unit_forget_bias and cell == "lstm":
            # Jozefowicz et al. (2015): forget-gate bias 1 (torch gate order i, f, g, o;
            # torch adds bias_ih and bias_hh, so one is set to 1, the other to 0).
            with torch.no_grad():
                for name, param in self.rnn.named_parameters():
                    if name.startswith("bias_"):
                        param[hidden_size : 2 * hidden_size] = (
                            1.0 if name.startswith("bias_ih") else 0.0
                        )
        self.dropout = nn.Dropout(dropout)
        concat = bidirectional and merge_mode == "concat"
        width = 2 * hidden_size if concat else hidden_size
        self.head = nn.Linear(width, n_outputs)

    def _run(self, X):
        x = X.transpose(1, 2)  # (n, T, C) for batch_first
        lengths = sequence_lengths(x)
        x = torch.nan_to_num(x, nan=0.0)
        packed = pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        return self.rnn(packed)

    def encode_sequence(self, X):
        """The merged top-layer hidden state at every step, ``(n, T, width)``."""
        out, _ = self._run(X)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=X.shape[2])
        if self.bidirectional:
            forward, backward = out.split(self.hidden_size, dim=2)
            return merge_directions(forward, backward, self.merge_mode)
        return out

    def encode(self, X):
        """The merged last hidden state of each series, ``(n, width)``."""
        _, state = self._run(X)
        h = state[0] if isinstance(state, tuple) else state  # (L * D, n, H)
        directions = 2 if self.bidirectional else 1
        h = h.view(self.num_layers, directions, len(X), self.hidden_size)[-1]
        if self.bidirectional:
            return merge_directions(h[0], h[1], self.merge_mode)
        return h[0]

    def forward(self, X):
        if self.return_sequences:
            return self.head(self.dropout(self.encode_sequence(X)))
        return self.head(self.dropout(self.encode(X)))


class MaskedMSELoss(nn.Module):
    """Mean squared error over the entries of ``y_true`` that are not NaN."""

    def forward(self, y_pred, y_true):
        y_pred = y_pred.reshape(y_true.shape)
        mask = ~torch.isnan(y_true)
        diff = torch.where(mask, y_pred - torch.nan_to_num(y_true), 0.0)
        return (diff**2).sum() / mask.sum().clamp(min=1)
