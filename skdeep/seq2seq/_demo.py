"""Demo of the seq2seq family: spelling out numbers, against nearest neighbours."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np

from skdeep.utils._torch import torch_threads

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve "
    "thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def spell(n):
    """English words of ``0 <= n < 10**6``.

    >>> spell(342)
    'three hundred forty two'
    >>> spell(40010)
    'forty thousand ten'
    """
    if n >= 1000:
        head, tail = divmod(n, 1000)
        return spell(head) + " thousand" + (" " + spell(tail) if tail else "")
    words = []
    if n >= 100:
        words += [_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10])
        n %= 10
        if n:
            words.append(_ONES[n])
    elif n or not words:
        words.append(_ONES[n])
    return " ".join(words)


def demo():
    """Spell out numbers the model never saw, against the nearest training number.

    800 numbers below 1000 (seeded) train a :class:`~skdeep.seq2seq.Seq2SeqTranslator`
    that reads digit ids (lists of ints) and writes English words
    (``tokenizer="word"``); the other 200 are the test set. The baseline
    answers with the words of the training number whose digits are nearest
    (character n-gram TF-IDF, cosine 1-NN), which cannot be right for an
    unseen number. Scores are exact-match accuracies. Torch runs on one
    thread (restored after).

    Returns
    -------
    results : list of dict
        One row with ``task``, ``model``, ``score``, ``baseline``,
        ``baseline_score``, ``metric`` and ``seconds``.
    """
    with torch_threads(1):
        return _demo()


def _demo():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import NearestNeighbors

    from skdeep.seq2seq import Seq2SeqTranslator

    start = time.perf_counter()
    numbers = np.random.RandomState(0).permutation(1000)
    digits = [[int(c) for c in str(k)] for k in numbers]
    words = np.array([spell(int(k)) for k in numbers])
    train, test = slice(0, 800), slice(800, None)
    model = Seq2SeqTranslator(
        tokenizer="word",
        attention="luong",
        hidden_size=64,
        embedding_size=32,
        max_epochs=40,
        lr=0.005,
        random_state=0,
    ).fit(digits[train], words[train])
    score = model.score(digits[test], words[test])
    text = ["".join(map(str, d)) for d in digits]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).fit(text[train])
    nn = NearestNeighbors(n_neighbors=1, metric="cosine").fit(
        vec.transform(text[train])
    )
    nearest = nn.kneighbors(vec.transform(text[test]), return_distance=False)[:, 0]
    baseline = float(np.mean(words[train][nearest] == words[test]))
    return [
        {
            "task": "spell unseen numbers (digits -> words)",
            "model": "Seq2SeqTranslator(attention='luong')",
            "score": float(score),
            "baseline": "nearest number (1-NN)",
            "baseline_score": baseline,
            "metric": "exact match",
            "seconds": time.perf_counter() - start,
        }
    ]
