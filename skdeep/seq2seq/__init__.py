"""Sequence-to-sequence models: an attention encoder-decoder translator and a
denoising sequence autoencoder (BART's corruptions).

Sequences are strings, token-id lists or arrays, or numeric series; see
:class:`Seq2SeqTranslator` for the kinds and how predictions come back.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.seq2seq._seq2seq import Seq2SeqTranslator, SequenceAutoencoder

__all__ = ["Seq2SeqTranslator", "SequenceAutoencoder"]
