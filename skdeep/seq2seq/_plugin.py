"""Registers the seq2seq family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.seq2seq import Seq2SeqTranslator, SequenceAutoencoder

    register(Seq2SeqTranslator)
    register(SequenceAutoencoder)
