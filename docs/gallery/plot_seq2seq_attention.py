"""
Where a transliterator looks: attention from English names to Katakana
======================================================================

A :class:`~skdeep.seq2seq.Seq2SeqTranslator` learns to write English names in
Katakana, the task of the ``wanasit/katakana`` notebooks: ``"gail hopkins"``
becomes ``"ゲイル・ホプキンス"``. Both sides are plain strings, read character by
character, so ``fit`` takes two arrays of strings and ``predict`` returns
strings.

A bidirectional GRU encodes the English letters; a GRU decoder writes the
Katakana one character at a time and, before each character, weighs the
encoder's outputs with Bahdanau's additive attention (Bahdanau et al., 2015).
:meth:`~skdeep.seq2seq.Seq2SeqTranslator.predict_attention` returns these
weights, one matrix per name: row ``t`` is where the decoder looked when it
wrote its ``t``-th character. Transliteration reads the source roughly left
to right, a few letters per Katakana character, so the matrices come out
close to a staircase.

The model here is small and sees 4,000 names for 10 epochs, so that the
example runs in well under a minute on one CPU thread; the benchmark
(``benchmarks/seq2seq.py``) trains the default model on 64,356 names.

The data (107,261 Wikipedia title pairs) is read from the shared data folder:
``SKDEEP_SHARED_DATA`` if set, else ``shared/data`` next to the repository.
When it is not there, the example falls back to a synthetic transliteration
(random romanised syllables such as ``"kamisoru"`` written in Katakana) so
that it still runs.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import time
import unicodedata
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import font_manager

from skdeep.seq2seq import Seq2SeqTranslator

torch.set_num_threads(1)  # small network: one thread is fastest

# %%
# The data
# --------
# The notebooks' split: the first 64,356 rows of ``shuffle_order`` train, the
# last 32,179 are never used by them and serve as held-out names here. We keep
# the pairs whose both sides fit in 20 characters (``max_length=20`` would cut
# longer inputs, with a warning) and take 4,000 for training.

try:
    HERE = Path(__file__).resolve().parent
except NameError:  # sphinx-gallery runs an example in its folder, without __file__
    HERE = Path.cwd()
DATA = Path(os.environ.get("SKDEEP_SHARED_DATA", HERE.parents[2] / "shared" / "data"))
KATAKANA_FILE = DATA / "katakana" / "katakana.npz"


def synthetic_pairs(n, seed):
    """Random romanised words and the same words in Katakana (a fallback)."""
    syllables = {
        "ka": "カ", "ki": "キ", "ku": "ク", "ke": "ケ", "ko": "コ",
        "sa": "サ", "shi": "シ", "su": "ス", "se": "セ", "so": "ソ",
        "ta": "タ", "chi": "チ", "tsu": "ツ", "te": "テ", "to": "ト",
        "na": "ナ", "ni": "ニ", "no": "ノ", "ha": "ハ", "hi": "ヒ",
        "fu": "フ", "ma": "マ", "mi": "ミ", "mu": "ム", "mo": "モ",
        "ra": "ラ", "ri": "リ", "ru": "ル", "ro": "ロ", "a": "ア",
        "i": "イ", "u": "ウ", "e": "エ", "o": "オ",
    }  # fmt: skip
    romaji = list(syllables)
    rng = np.random.RandomState(seed)
    english, katakana = [], []
    for _ in range(n):
        word = rng.choice(romaji, rng.randint(2, 5))
        english.append("".join(word))
        katakana.append("".join(syllables[s] for s in word))
    return np.array(english), np.array(katakana)


if KATAKANA_FILE.exists():
    data = np.load(KATAKANA_FILE)
    english, katakana, order = data["english"], data["katakana"], data["shuffle_order"]
    short = (np.char.str_len(english) <= 20) & (np.char.str_len(katakana) <= 20)
    train = order[:64356][short[order[:64356]]][:4000]
    test = order[75082:][short[order[75082:]]][:1000]
    X_train, y_train = english[train], katakana[train]
    X_test, y_test = english[test], katakana[test]
else:
    print(f"{KATAKANA_FILE} not found: using a synthetic transliteration")
    X_train, y_train = synthetic_pairs(4000, seed=0)
    X_test, y_test = synthetic_pairs(1000, seed=1)

for name, written in zip(X_train[:5], y_train[:5]):
    print(f"{name:>20}  ->  {written}")

# %%
# Training
# --------
# ``max_length=20`` cuts longer inputs (with a ``UserWarning``) and
# ``max_output_length=21`` lets a prediction have 20 characters and the end
# token, the repository's limits. A higher learning rate than the default
# makes up for the few epochs.

model = Seq2SeqTranslator(
    attention="bahdanau",
    embedding_size=32,
    hidden_size=64,
    max_length=20,
    max_output_length=21,
    lr=0.01,
    max_epochs=10,
    random_state=0,
)
start = time.perf_counter()
model.fit(X_train, y_train)
print(f"trained in {time.perf_counter() - start:.1f} s")
print("cross-entropy per character, by epoch:")
print(np.round(model.history_[:, "train_loss"], 2))

# %%
# Translations of held-out names
# ------------------------------
# ``score`` is the exact-match accuracy: a name counts only when every
# character is right. Beam search (``decoding="beam"``) keeps the five
# likeliest partial transliterations instead of the single likeliest
# character at each step; ``score_samples`` gives the mean log-probability
# per character of each prediction, the model's confidence.

pred = model.predict(X_test)
print(f"exact match, greedy: {np.mean(pred == y_test):.3f}")
beam = model.set_params(decoding="beam", beam_width=5).predict(X_test)
print(f"exact match, beam:   {np.mean(beam == y_test):.3f}")
model.set_params(decoding="greedy")

confidence = model.score_samples(X_test[:8])
print(f"\n{'name':>20}  {'greedy':<14}{'beam':<14}{'reference':<14}log-p/char")
for i in range(8):
    print(
        f"{X_test[i]:>20}  {pred[i]:<14}{beam[i]:<14}{y_test[i]:<14}{confidence[i]:.2f}"
    )

# %%
# Attention matrices
# ------------------
# Three held-out names the model gets right and one it gets wrong. Matplotlib's
# default font has no Katakana; if no installed font has them either, the
# Katakana axis is labelled with each character's romanised Unicode name
# (``"ka"`` for カ, ``"xtu"`` for the small ッ, ``"-"`` for the long-vowel
# mark ー), so that no glyph is missing from the figure.


def katakana_font():
    """The name of an installed font that has Katakana glyphs, or None."""
    from matplotlib.ft2font import FT2Font

    for entry in font_manager.fontManager.ttflist:
        if entry.name.startswith("Last Resort"):  # boxes for every code point
            continue
        try:
            if ord("カ") in FT2Font(entry.fname).get_charmap():
                return entry.name
        except (OSError, RuntimeError):  # unreadable font file
            continue
    return None


def romanise(char):
    """``"ka"`` for カ, ``"xya"`` for the small ャ, ``"-"`` for ー."""
    name = unicodedata.name(char, "")
    if name.startswith("KATAKANA LETTER "):
        sound = name.removeprefix("KATAKANA LETTER ").lower()
        if sound.startswith("small "):
            return "x" + sound.removeprefix("small ")
        return sound
    return {"ー": "-", "・": "·", " ": "_"}.get(char, "?")


font = katakana_font()
if font is not None:
    plt.rcParams["font.family"] = ["DejaVu Sans", font]  # DejaVu first, then Katakana
label = (lambda char: char) if font is not None else romanise

right = np.flatnonzero((pred == y_test) & (np.char.str_len(X_test) >= 6))[:3]
wrong = np.flatnonzero(pred != y_test)[:1]
shown = np.r_[right, wrong]
attention = model.predict_attention(X_test[shown])

fig, axes = plt.subplots(1, len(shown), figsize=(3.6 * len(shown), 4.2))
for ax, i, weights in zip(np.atleast_1d(axes), shown, attention):
    source = list(X_test[i])
    output = [label(c) for c in pred[i]] + ["<end>"]  # the end token's row last
    ax.imshow(weights, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source)), [c if c != " " else "_" for c in source])
    ax.set_yticks(range(len(output)), output, fontsize=9)
    verdict = "right" if pred[i] == y_test[i] else "wrong"
    ax.set_title(f"{X_test[i]} ({verdict})", fontsize=10)
    ax.set_xlabel("English input")
np.atleast_1d(axes)[0].set_ylabel("Katakana output")
fig.suptitle("Bahdanau attention of held-out names (rows sum to one)")
fig.tight_layout()
plt.show()

# %%
# Each row is a probability distribution over the input letters. The weight
# moves along the name as the decoder writes, one Katakana character for one
# to three letters (a consonant and its vowel); the end token looks at the
# last letters.
#
# References
# ----------
# D. Bahdanau, K. Cho and Y. Bengio, "Neural machine translation by jointly
# learning to align and translate", ICLR 2015.
