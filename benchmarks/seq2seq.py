"""Benchmark of the seq2seq family: transliteration, throughput, denoising
features, one-class detection on series.

Parts, each run on its own with ``--part`` (results merge into
``benchmarks/results/seq2seq.md``; cells are stored as JSON lines in
``benchmarks/seq2seq_runs/`` and skipped when already there):

``transliteration``
    English -> Katakana (``../shared/data/katakana``, 107,261 Wikipedia title
    pairs of ``wanasit/katakana``) on the repository's notebook split:
    training = ``shuffle_order[:64356]``, validation =
    ``shuffle_order[64356:75082]``; the remaining 32,179 pairs, which the
    repository never uses, are our held-out test set. As in the repository,
    inputs are cut to 20 characters (``max_length=20``) and targets to 20
    characters (``max_output_length=21``: 20 and the end token); accuracy is
    scored against the full, uncut targets (157 of 107,261 are longer).
    Methods, all with skdeep's defaults fixed before any run (hidden 128,
    embedding 64, GRU, bidirectional encoder, Adam lr 0.002, batch 64, 20
    epochs, gradient norm clipped at 5) and seed 0:

    * ``Seq2SeqTranslator(attention="bahdanau")`` and ``"luong"``;
    * the plain seq2seq without attention (``attention=None``), the model of
      the repository's PyTorch and TensorFlow notebooks;
    * a character n-gram nearest-neighbour baseline: TF-IDF of character 1-3
      grams (``analyzer="char_wb"``) of the English title, cosine 1-NN among
      the training titles, answer its Katakana (it can only be exactly right
      when two titles share a Katakana spelling);
    * a word dictionary baseline (:class:`WordLookup`): each English word's
      most frequent Katakana in the training pairs, unseen words by the same
      n-gram 1-NN among known words, joined with "・".

    Reported: exact-match accuracy and character error rate (Levenshtein
    distance summed over pairs / reference characters) with greedy and beam
    (width 5, length penalty 1) decoding on the validation and test parts;
    the per-character validation loss (cross-entropy per target token, the end
    token included, teacher forced); and the same loss in the repository's
    convention (20 output positions per title, padding positions counted as
    targets) for comparison with its only published figure, the Keras
    attention notebook's best ``val_loss`` 0.6832: our summed token loss
    divided by 20 per title, counting the padding positions after the end
    token as zero loss (a lower bound of the repository's convention for our
    model). Fit and predict times on this machine.

``heldout``
    Tasks no issue names, run with the translator's defaults unchanged (they
    were fixed before any run, from the literature, not tuned here):
    Katakana -> English on the same split (test part; baseline: the word
    dictionary the other way round), and spelling out numbers: 20,000
    distinct integers below one million (seeded) given as lists of digit ids
    (the ragged token kind), targets their English words (``tokenizer=
    "word"``), exact match on 5,000 other numbers (baseline: the words of the
    nearest training number by character n-grams).

``throughput``
    Training tokens per second of ``Seq2SeqTranslator.fit`` against a plain
    torch loop over the identical module (skdeep's ``Seq2SeqModule`` built
    with the same sizes, the same id tensors, Adam, gradient clipping, the
    same loss and shuffled batches of 64), one epoch on 20,000 training
    pairs, best of ``--repeats``; skdeep's time includes reading the strings
    and building the vocabularies. Then decoding speed (titles per second)
    of greedy against beam search (width 5 and 10) with a model trained for
    two epochs, on 5,000 validation titles.

``features``
    Denoising autoencoder codes as features. ``SequenceAutoencoder``
    (attention None, so the code is the only path from encoder to decoder;
    hidden 128, 8 epochs) is trained on the Katakana strings of the first
    20,000 training pairs with each corruption alone (rates: the defaults)
    and with none and with BART's combination (infill 0.3 + permute),
    ``separators=["・", " "]``. A linear probe (``StandardScaler`` +
    ``LogisticRegression``) is fitted on the codes of 5,000 training strings
    and scored on 5,000 test-part strings for two targets: whether the title
    has two or more words (it holds a separator) and its first character (the
    20 most frequent first characters, others left out). Baseline: TF-IDF
    character 1-3 grams of the same strings with the same probe.

``oneclass``
    One-class detection on UCR series that sktime ships (GunPoint,
    ItalyPowerDemand, ArrowHead): for each class in turn, train on that
    class's training series and score the test part, ROC AUC with the other
    classes as anomalies; mean over classes (and over 3 seeds for the random
    methods). Methods: ``SequenceAutoencoder`` on the raw series (attention
    None, hidden 64, noise None and ``"mask"``, 300 optimizer steps:
    ``max_epochs = ceil(300 / batches per epoch)``), score
    ``-score_samples``; ``AutoencoderOutlierDetector`` on the flattened
    series (defaults), ``-score_samples``; ``IsolationForest`` (defaults).

Run by hand, e.g.::

    python benchmarks/seq2seq.py --part transliteration --threads 1
    python benchmarks/seq2seq.py --smoke --threads 1   # the script, in a minute
"""

import argparse
import math
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    RESULTS,
    Store,
    Timer,
    machine,
    markdown_table,
    shared_data,
    write_parts,
)  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent / "seq2seq_runs"
PARTS = ("transliteration", "heldout", "throughput", "features", "oneclass")
TRAIN, VALID = 64356, 75082
REPO_VAL_LOSS = 0.6832
REPO_POSITIONS = 20
# The names the Keras attention notebook decodes (its cells 16-17).
REPO_EXAMPLES = [
    "james",
    "john",
    "robert",
    "mary",
    "patricia",
    "linda",
    "banana",
    "peter parker",
    "jonny snow",
]


SMOKE_ROWS = 500  # --smoke: rows kept of every split (a check of the script)


def load_katakana(smoke=False):
    z = np.load(shared_data() / "katakana" / "katakana.npz")
    order = z["shuffle_order"]
    english, katakana = z["english"][order], z["katakana"][order]
    splits = {
        "train": (english[:TRAIN], katakana[:TRAIN]),
        "valid": (english[TRAIN:VALID], katakana[TRAIN:VALID]),
        "test": (english[VALID:], katakana[VALID:]),
    }
    if smoke:
        splits = {k: (e[:SMOKE_ROWS], j[:SMOKE_ROWS]) for k, (e, j) in splits.items()}
    return splits


def levenshtein(a, b):
    """Edit distance between two strings (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        previous = current
    return previous[-1]


def accuracy_cer(pred, truth):
    pred = [str(p) for p in pred]
    exact = float(np.mean([p == t for p, t in zip(pred, truth)]))
    edits = sum(levenshtein(p, t) for p, t in zip(pred, truth))
    return exact, edits / sum(len(t) for t in truth)


# ---------------------------------------------------------------- transliteration


class WordLookup:
    """A word-level dictionary baseline with a character n-gram fallback.

    From the training pairs it keeps the one-word titles (English word ->
    Katakana) and, for two-word titles whose Katakana has exactly one
    separator, each word's part. A word seen in training gets its most
    frequent Katakana; an unseen word gets the Katakana of its nearest known
    word by cosine similarity of TF-IDF character 1-3 grams. Words are
    joined with "・", the separator of most two-word titles.
    """

    def __init__(self, reverse=False):
        self.reverse = reverse  # Katakana -> English: split at "・", join with " "

    def _split(self, text, katakana):
        return text.replace(" ", "・").split("・") if katakana else text.split()

    def fit(self, english, katakana):
        from collections import Counter, defaultdict

        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.neighbors import NearestNeighbors

        counts = defaultdict(Counter)
        for e, k in zip(english, katakana):
            source, target = (k, e) if self.reverse else (e, k)
            words = self._split(source, self.reverse)
            parts = self._split(target, not self.reverse)
            if len(words) == len(parts):
                for w, p in zip(words, parts):
                    counts[w][p] += 1
        self.table = {w: c.most_common(1)[0][0] for w, c in counts.items()}
        self.words = np.array(sorted(self.table))
        self.vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3))
        self.nn = NearestNeighbors(n_neighbors=1, metric="cosine").fit(
            self.vec.fit_transform(self.words)
        )
        return self

    def predict(self, english):
        split = [self._split(e, self.reverse) for e in english]
        unknown = sorted({w for words in split for w in words if w not in self.table})
        guess = dict(self.table)
        for i in range(0, len(unknown), 2000):
            chunk = unknown[i : i + 2000]
            idx = self.nn.kneighbors(self.vec.transform(chunk), return_distance=False)[
                :, 0
            ]
            guess.update({w: self.table[self.words[j]] for w, j in zip(chunk, idx)})
        joiner = " " if self.reverse else "・"
        return np.array([joiner.join(guess[w] for w in words) for words in split])


def _translator(attention, seed, **kw):
    from skdeep.seq2seq import Seq2SeqTranslator

    return Seq2SeqTranslator(
        attention=attention,
        max_length=20,
        max_output_length=21,
        random_state=seed,
        **kw,
    )


def run_transliteration(args, store):
    data = load_katakana(args.smoke)
    Xtr, ytr = data["train"]
    for method in args.methods.split(","):
        if store.get(method=method):
            continue
        print(f"transliteration: {method}", flush=True)
        record = {"method": method}
        if method == "word-lookup":
            with Timer() as fit:
                baseline = WordLookup().fit(Xtr, ytr)
            record["fit_s"] = fit.seconds
            for split in ("valid", "test"):
                X, y = data[split]
                with Timer() as pt:
                    pred = baseline.predict(X)
                acc, cer = accuracy_cer(pred, y)
                record[f"{split}_greedy"] = {
                    "accuracy": acc,
                    "cer": cer,
                    "predict_s": pt.seconds,
                }
        elif method == "knn-ngram":
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.neighbors import NearestNeighbors

            with Timer() as fit:
                vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3))
                codes = vec.fit_transform(Xtr)
                nn = NearestNeighbors(n_neighbors=1, metric="cosine").fit(codes)
            record["fit_s"] = fit.seconds
            for split in ("valid", "test"):
                X, y = data[split]
                with Timer() as pt:
                    idx = np.concatenate(
                        [
                            nn.kneighbors(
                                vec.transform(X[i : i + 2000]), return_distance=False
                            )[:, 0]
                            for i in range(0, len(X), 2000)
                        ]
                    )
                    pred = ytr[idx]
                acc, cer = accuracy_cer(pred, y)
                record[f"{split}_greedy"] = {
                    "accuracy": acc,
                    "cer": cer,
                    "predict_s": pt.seconds,
                }
        else:
            attention = None if method == "none" else method
            model = _translator(attention, 0, max_epochs=args.epochs, verbose=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # the cut to 20 chars
                with Timer() as fit:
                    model.fit(Xtr, ytr)
                record["fit_s"] = fit.seconds
                record["train_loss"] = [
                    float(v) for v in model.history_[:, "train_loss"]
                ]
                Xva, yva = data["valid"]
                ll = model.score_samples(Xva, yva)
                n_tokens = np.array([min(len(t), 20) + 1 for t in yva])
                total = -(ll * n_tokens).sum()
                record["valid_loss_per_token"] = float(total / n_tokens.sum())
                record["valid_loss_repo_convention"] = float(
                    total / (REPO_POSITIONS * len(yva))
                )
                for split in ("valid", "test"):
                    X, y = data[split]
                    for decoding in ("greedy", "beam"):
                        model.set_params(decoding=decoding, beam_width=5)
                        with Timer() as pt:
                            pred = model.predict(X)
                        acc, cer = accuracy_cer(pred, y)
                        record[f"{split}_{decoding}"] = {
                            "accuracy": acc,
                            "cer": cer,
                            "predict_s": pt.seconds,
                        }
                        print(
                            f"  {split} {decoding}: {acc:.4f} CER {cer:.4f} "
                            f"({pt.seconds:.0f} s)",
                            flush=True,
                        )
                names = model.set_params(decoding="greedy").predict(REPO_EXAMPLES)
                record["examples"] = dict(zip(REPO_EXAMPLES, map(str, names)))
        store.add(record)
        print(f"  done: {record.get('valid_greedy')}", flush=True)
    return table_transliteration(store)


def table_transliteration(store):
    names = {
        "bahdanau": "Seq2SeqTranslator, Bahdanau attention",
        "luong": "Seq2SeqTranslator, Luong attention",
        "none": "plain seq2seq (attention=None)",
        "word-lookup": "word dictionary + char n-gram 1-NN",
        "knn-ngram": "char 1-3-gram TF-IDF 1-NN (whole title)",
    }
    rows, records = [], []
    for method in names:
        r = store.get(method=method)
        if r is None:
            continue
        records.append(r)
        for decoding in ("greedy", "beam"):
            v, t = r.get(f"valid_{decoding}"), r.get(f"test_{decoding}")
            if v is None:
                continue
            rows.append(
                [
                    names[method],
                    "-" if method in ("knn-ngram", "word-lookup") else decoding,
                    f"{v['accuracy']:.4f}",
                    f"{v['cer']:.4f}",
                    f"{t['accuracy']:.4f}",
                    f"{t['cer']:.4f}",
                    f"{r['fit_s']:.0f}",
                    f"{t['predict_s']:.1f}",
                    f"{r['valid_loss_per_token']:.4f}"
                    if "valid_loss_per_token" in r
                    else "-",
                    f"{r['valid_loss_repo_convention']:.4f}"
                    if "valid_loss_repo_convention" in r
                    else "-",
                ]
            )
    lines = ["## Transliteration (English -> Katakana)", ""]
    lines.append(
        markdown_table(
            [
                "method",
                "decoding",
                "valid exact",
                "valid CER",
                "test exact",
                "test CER",
                "fit s",
                "test predict s",
                "valid loss / token",
                f"valid loss, repo convention (repo: {REPO_VAL_LOSS})",
            ],
            rows,
        )
    )
    best = {m: store.get(method=m) for m in names}
    notes = []
    if best.get("bahdanau") and best.get("none"):
        a = best["bahdanau"]["test_greedy"]["accuracy"]
        b = best["none"]["test_greedy"]["accuracy"]
        notes.append(
            f"Test exact match, Bahdanau attention / no attention: "
            f"{a:.4f} / {b:.4f} = {a / max(b, 1e-12):.2f}x."
        )
    if best.get("bahdanau") and best.get("word-lookup"):
        a = best["bahdanau"]["test_greedy"]["accuracy"]
        b = best["word-lookup"]["test_greedy"]["accuracy"]
        notes.append(
            f"Test exact match, Bahdanau attention / word dictionary baseline: "
            f"{a:.4f} / {b:.4f} = {a / max(b, 1e-12):.2f}x."
        )
    for m in ("bahdanau", "luong", "none"):
        if best.get(m) and "examples" in best[m]:
            ex = ", ".join(f"{k} {v}" for k, v in best[m]["examples"].items())
            notes.append(f"Greedy examples ({m}): {ex}.")
    lines += ["", *notes, "", *store.provenance(records)]
    return "\n".join(lines)


# ---------------------------------------------------------------- held-out tasks


def number_data(n_train, n_test, seed=0):
    """Distinct integers below 10**6 as digit-id lists, and their English words."""
    rng = np.random.default_rng(seed)
    from skdeep.seq2seq._demo import spell

    numbers = rng.choice(10**6, size=n_train + n_test, replace=False)
    digits = [[int(c) for c in str(k)] for k in numbers]
    words = np.array([spell(int(k)) for k in numbers])
    return (digits[:n_train], words[:n_train]), (digits[n_train:], words[n_train:])


def run_heldout(args, store):
    """Tasks no issue names, with the translator's defaults (chosen before)."""
    from skdeep.seq2seq import Seq2SeqTranslator

    tasks = args.heldout_tasks.split(",")
    if "katakana-english" in tasks:
        data = load_katakana(args.smoke)
        (ktr, etr) = data["train"][1], data["train"][0]
        kte, ete = data["test"][1], data["test"][0]
        if not store.get(task="katakana-english", method="word-lookup"):
            with Timer() as fit:
                baseline = WordLookup(reverse=True).fit(etr, ktr)
            acc, cer = accuracy_cer(baseline.predict(kte), ete)
            store.add(
                {
                    "task": "katakana-english",
                    "method": "word-lookup",
                    "accuracy": acc,
                    "cer": cer,
                    "fit_s": fit.seconds,
                }
            )
        if not store.get(task="katakana-english", method="bahdanau"):
            model = _translator("bahdanau", 0, max_epochs=args.epochs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                with Timer() as fit:
                    model.fit(ktr, etr)
                acc, cer = accuracy_cer(model.predict(kte), ete)
            store.add(
                {
                    "task": "katakana-english",
                    "method": "bahdanau",
                    "accuracy": acc,
                    "cer": cer,
                    "fit_s": fit.seconds,
                }
            )
            print(f"heldout katakana-english: {acc:.4f} CER {cer:.4f}", flush=True)
    if "numbers" in tasks:
        sizes = (SMOKE_ROWS, SMOKE_ROWS) if args.smoke else (20000, 5000)
        (dtr, wtr), (dte, wte) = number_data(*sizes)
        if not store.get(task="numbers", method="knn-ngram"):
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.neighbors import NearestNeighbors

            src_tr = ["".join(map(str, d)) for d in dtr]
            src_te = ["".join(map(str, d)) for d in dte]
            with Timer() as fit:
                vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
                nn = NearestNeighbors(n_neighbors=1, metric="cosine").fit(
                    vec.fit_transform(src_tr)
                )
            idx = nn.kneighbors(vec.transform(src_te), return_distance=False)[:, 0]
            acc = float(np.mean(wtr[idx] == wte))
            store.add(
                {
                    "task": "numbers",
                    "method": "knn-ngram",
                    "accuracy": acc,
                    "fit_s": fit.seconds,
                }
            )
        if not store.get(task="numbers", method="bahdanau"):
            model = Seq2SeqTranslator(
                tokenizer="word", random_state=0, max_epochs=args.epochs
            )
            with Timer() as fit:
                model.fit(dtr, wtr)
            acc = float(model.score(dte, wte))
            store.add(
                {
                    "task": "numbers",
                    "method": "bahdanau",
                    "accuracy": acc,
                    "fit_s": fit.seconds,
                    "examples": dict(
                        zip(
                            ["".join(map(str, d)) for d in dte[:5]],
                            model.predict(dte[:5]).tolist(),
                        )
                    ),
                }
            )
            print(f"heldout numbers: {acc:.4f}", flush=True)
    return table_heldout(store)


def table_heldout(store):
    labels = {
        "katakana-english": "Katakana -> English (test part, 32,179 titles)",
        "numbers": "digits -> English number words (5,000 unseen numbers)",
    }
    methods = {
        "bahdanau": "Seq2SeqTranslator (defaults, 20 epochs)",
        "word-lookup": "word dictionary + char n-gram 1-NN",
        "knn-ngram": "char n-gram 1-NN",
    }
    rows, records = [], []
    for task, label in labels.items():
        for method, mlabel in methods.items():
            r = store.get(task=task, method=method)
            if r is None:
                continue
            records.append(r)
            rows.append(
                [
                    label,
                    mlabel,
                    f"{r['accuracy']:.4f}",
                    f"{r['cer']:.4f}" if "cer" in r else "-",
                    f"{r['fit_s']:.0f}",
                ]
            )
    examples = [r for r in records if "examples" in r]
    notes = [f"Examples: {r['examples']}" for r in examples]
    return "\n".join(
        [
            "## Held-out tasks (not named by the issue; defaults unchanged)",
            "",
            markdown_table(["task", "method", "exact match", "CER", "fit s"], rows),
            "",
            *notes,
            "",
            *store.provenance(records),
        ]
    )


# ---------------------------------------------------------------- throughput


def _plain_torch_epoch(model, X, y, seed, batch_size=64, lr=0.002, clip=5.0):
    """One epoch of a plain torch loop over a fresh module like ``model``'s."""
    import torch

    from skdeep.seq2seq._modules import Seq2SeqLoss

    torch.manual_seed(seed)
    module = model._build_module()
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = Seq2SeqLoss()
    source, target = X["source"], X["target"]
    module.train()
    with Timer() as t:
        order = torch.randperm(len(source))
        for start in range(0, len(source), batch_size):
            idx = order[start : start + batch_size]
            opt.zero_grad()
            loss = loss_fn(module(source[idx], target[idx]), target[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), clip)
            opt.step()
    return t.seconds


def run_throughput(args, store):
    import torch

    data = load_katakana(args.smoke)
    n = 20000  # (--smoke: the 500 rows load_katakana keeps)
    Xtr, ytr = data["train"][0][:n], data["train"][1][:n]
    for attention in ("bahdanau", "luong", "none"):
        if store.get(kind="train", attention=attention):
            continue
        att = None if attention == "none" else attention
        skdeep_s, plain_s = [], []
        for rep in range(args.repeats):
            model = _translator(att, rep, max_epochs=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                with Timer() as t:
                    model.fit(Xtr, ytr)
            skdeep_s.append(t.seconds)
            # The identical tensors the estimator trained on.
            from skdeep.seq2seq._sequences import truncate

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                source = model._ids(model._read(Xtr, "X"), model.source_vocabulary_)
                target = truncate(
                    model._read(ytr, "y", targets=True), 20, what="y", name=""
                )
            target = model._ids(target, model.target_vocabulary_, add_eos=True)
            plain_s.append(
                _plain_torch_epoch(
                    model, {"source": source, "target": target}, None, rep
                )
            )
        tokens = int((target != 0).sum())
        store.add(
            {
                "kind": "train",
                "attention": attention,
                "n_pairs": n,
                "tokens": tokens,
                "skdeep_s": min(skdeep_s),
                "plain_s": min(plain_s),
            }
        )
        print(
            f"throughput {attention}: skdeep {min(skdeep_s):.1f}s "
            f"plain {min(plain_s):.1f}s",
            flush=True,
        )
    if not store.get(kind="decode"):
        model = _translator("bahdanau", 0, max_epochs=1 if args.smoke else 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model.fit(Xtr, ytr)
            Xva = data["valid"][0][: 500 if args.smoke else 5000]
            speeds = {}
            for label, params in (
                ("greedy", {"decoding": "greedy"}),
                ("beam 5", {"decoding": "beam", "beam_width": 5}),
                ("beam 10", {"decoding": "beam", "beam_width": 10}),
            ):
                model.set_params(**params)
                with Timer() as t:
                    model.predict(Xva)
                speeds[label] = len(Xva) / t.seconds
        store.add(
            {
                "kind": "decode",
                "titles_per_s": speeds,
                "n": len(Xva),
                "threads": torch.get_num_threads(),
            }
        )
    return table_throughput(store)


def table_throughput(store):
    rows, records = [], []
    for attention in ("bahdanau", "luong", "none"):
        r = store.get(kind="train", attention=attention)
        if r is None:
            continue
        records.append(r)
        rows.append(
            [
                attention,
                r["n_pairs"],
                r["tokens"],
                f"{r['tokens'] / r['skdeep_s']:.0f}",
                f"{r['tokens'] / r['plain_s']:.0f}",
                f"{r['plain_s'] / r['skdeep_s']:.2f}",
            ]
        )
    lines = [
        "## Throughput",
        "",
        "Training, one epoch (tokens = target characters and end tokens):",
        "",
        markdown_table(
            [
                "attention",
                "pairs",
                "tokens",
                "skdeep tokens/s",
                "plain torch tokens/s",
                "skdeep / plain (target >= 0.9)",
            ],
            rows,
        ),
    ]
    d = store.get(kind="decode")
    if d:
        records.append(d)
        g = d["titles_per_s"]["greedy"]
        lines += [
            "",
            f"Decoding {d['n']} validation titles (Bahdanau attention, batch 64):",
            "",
            markdown_table(
                ["decoding", "titles/s", "relative to greedy"],
                [[k, f"{v:.0f}", f"{v / g:.2f}"] for k, v in d["titles_per_s"].items()],
            ),
        ]
    lines += ["", *store.provenance(records)]
    return "\n".join(lines)


# ---------------------------------------------------------------- features

NOISES = {
    "none": None,
    "mask": "mask",
    "delete": "delete",
    "infill": "infill",
    "permute": "permute",
    "rotate": "rotate",
    "infill+permute (BART)": {"infill": 0.3, "permute": 1.0},
}


def _probe_targets(strings):
    words = np.array([("・" in s or " " in s) for s in strings]).astype(int)
    first = np.array([s[0] for s in strings])
    return words, first


def _probe(Ftr, ytr, Fte, yte):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(
        StandardScaler(with_mean=not hasattr(Ftr, "tocsr")),
        LogisticRegression(max_iter=2000),
    )
    return float(clf.fit(Ftr, ytr).score(Fte, yte))


def run_features(args, store):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from skdeep.seq2seq import SequenceAutoencoder

    data = load_katakana(args.smoke)
    n_ae = 20000  # (--smoke: the 500 rows load_katakana keeps)
    ae_strings = data["train"][1][:n_ae]
    probe_train = data["train"][1][:5000]
    probe_test = data["test"][1][:5000]
    words_tr, first_tr = _probe_targets(probe_train)
    words_te, first_te = _probe_targets(probe_test)
    top = [c for c, _ in __import__("collections").Counter(first_tr).most_common(20)]
    keep_tr, keep_te = np.isin(first_tr, top), np.isin(first_te, top)

    def probes(Ftr, Fte):
        return {
            "words": _probe(Ftr, words_tr, Fte, words_te),
            "first": _probe(
                Ftr[keep_tr], first_tr[keep_tr], Fte[keep_te], first_te[keep_te]
            ),
        }

    if not store.get(method="tfidf"):
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).fit(probe_train)
        store.add(
            {
                "method": "tfidf",
                **probes(vec.transform(probe_train), vec.transform(probe_test)),
            }
        )
    rerun = set(filter(None, args.rerun.split(",")))
    for name, noise in NOISES.items():
        if store.get(method=name) and name not in rerun:
            continue
        ae = SequenceAutoencoder(
            noise=noise,
            separators=["・", " "],
            hidden_size=128,
            max_epochs=args.feature_epochs,
            random_state=0,
        )
        with Timer() as t:
            ae.fit(ae_strings)
        record = {
            "method": name,
            "fit_s": t.seconds,
            **probes(ae.transform(probe_train), ae.transform(probe_test)),
        }
        record["reconstruction_exact"] = float(
            np.mean(
                ae.inverse_transform(ae.transform(probe_test[:1000])).astype(str)
                == probe_test[:1000]
            )
        )
        store.add(record)
        print(f"features {name}: {record}", flush=True)
    return table_features(store)


def table_features(store):
    rows, records = [], []
    for name in ["tfidf", *NOISES]:
        r = store.newest(method=name)
        if r is None:
            continue
        records.append(r)
        label = (
            "TF-IDF char 1-3 grams"
            if name == "tfidf"
            else f"SequenceAutoencoder, noise {name}"
        )
        rows.append(
            [
                label,
                f"{r['words']:.4f}",
                f"{r['first']:.4f}",
                f"{r['reconstruction_exact']:.3f}"
                if "reconstruction_exact" in r
                else "-",
                f"{r['fit_s']:.0f}" if "fit_s" in r else "-",
            ]
        )
    return "\n".join(
        [
            "## Denoising autoencoder codes as features (Katakana strings)",
            "",
            "Linear probe accuracy on 5,000 held-out strings (codes of size 128; "
            "TF-IDF "
            "has one column per n-gram):",
            "",
            markdown_table(
                [
                    "features",
                    "two+ words",
                    "first character (top 20)",
                    "decode(code) exact, 1000 test strings",
                    "fit s",
                ],
                rows,
            ),
            "",
            *store.provenance(records),
        ]
    )


# ---------------------------------------------------------------- one-class

ONECLASS_SETS = ("GunPoint", "ItalyPowerDemand", "ArrowHead")


def run_oneclass(args, store):
    from cnn import load_ucr
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score

    from skdeep.autoencoder import AutoencoderOutlierDetector
    from skdeep.seq2seq import SequenceAutoencoder

    seeds = range(1 if args.smoke else 3)
    for name in args.datasets.split(","):
        d = load_ucr(name)
        Xtr, ytr = d["train"]["X"][:, 0], d["train"]["y"]
        Xte, yte = d["test"]["X"][:, 0], d["test"]["y"]
        for cls in np.unique(ytr):
            normal = Xtr[ytr == cls]
            anomaly = (yte != cls).astype(int)
            for method in ("seq-ae", "seq-ae-mask", "dense-ae", "iforest"):
                for seed in seeds:
                    key = dict(dataset=name, cls=str(cls), method=method, seed=seed)
                    if store.get(**key):
                        continue
                    with Timer() as t:
                        if method.startswith("seq-ae"):
                            batches = math.ceil(len(normal) / 64)
                            est = SequenceAutoencoder(
                                noise="mask" if method.endswith("mask") else None,
                                hidden_size=64,
                                max_epochs=(1 if args.smoke
                                            else math.ceil(300 / batches)),
                                random_state=seed,
                            ).fit(normal)
                        elif method == "dense-ae":
                            # The defaults before #15 (20 epochs, batch 128,
                            # lr 3e-3, untrimmed loss): the figures in
                            # docs/seq2seq.rst.
                            est = AutoencoderOutlierDetector(
                                lr=0.003, max_epochs=20, batch_size=128,
                                trim=0.0, random_state=seed,
                            ).fit(normal)
                        else:
                            est = IsolationForest(random_state=seed).fit(normal)
                        scores = -est.score_samples(Xte)
                    store.add(
                        {
                            **key,
                            "auc": float(roc_auc_score(anomaly, scores)),
                            "fit_s": t.seconds,
                        }
                    )
                print(f"oneclass {name} class {cls} {method} done", flush=True)
    return table_oneclass(store)


def table_oneclass(store):
    names = {
        "seq-ae": "SequenceAutoencoder",
        "seq-ae-mask": "SequenceAutoencoder, noise mask",
        "dense-ae": "AutoencoderOutlierDetector (flattened)",
        "iforest": "IsolationForest",
    }
    rows, records = [], []
    for method, label in names.items():
        row = [label]
        for name in ONECLASS_SETS:
            recs = [
                r
                for r in store.records
                if r.get("dataset") == name and r.get("method") == method
            ]
            records += recs
            if not recs:
                row.append("-")
                continue
            by_class = {}
            for r in recs:
                by_class.setdefault(r["cls"], []).append(r["auc"])
            per_seed = np.mean([np.mean(v) for v in by_class.values()])
            row.append(f"{per_seed:.3f}")
        rows.append(row)
    stale = [r for r in records if r["method"].startswith("seq-ae")
             and r.get("time", "") < SERIES_STANDARDIZED]
    notes = [] if not stale else [
        f"The SequenceAutoencoder rows ({len(stale)} cells) were measured before "
        f"series were standardized per channel ({SERIES_STANDARDIZED[:10]}, "
        "commit 3264440): on the raw values. They have not been run again.",
        "",
    ]
    return "\n".join(
        [
            "## One-class detection on UCR series",
            "",
            "ROC AUC, mean over classes (each class as the normal one in turn) "
            "and seeds:",
            "",
            markdown_table(["method", *ONECLASS_SETS], rows),
            "",
            *notes,
            *store.provenance(records),
        ]
    )


# when the seq2seq estimators began to standardize series (the oneclass
# cells of SequenceAutoencoder recorded before ran on raw values)
SERIES_STANDARDIZED = "2026-12-07 11:30:00"


RUNNERS = {
    "transliteration": run_transliteration,
    "heldout": run_heldout,
    "throughput": run_throughput,
    "features": run_features,
    "oneclass": run_oneclass,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=[*PARTS, "all"], default="all")
    ap.add_argument("--methods", default="bahdanau,none,luong,word-lookup,knn-ngram")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--feature-epochs", type=int, default=8)
    ap.add_argument("--heldout-tasks", default="numbers,katakana-english")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--datasets", default=",".join(ONECLASS_SETS))
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument(
        "--smoke", action="store_true",
        help="checks the script in a minute: 500 rows per split, 1 epoch, one "
        "repeat and one one-class set; writes no records or results under "
        "benchmarks/ unless --out-dir/--results say so",
    )
    ap.add_argument(
        "--rerun", default="",
        help="features part: comma-separated methods (NOISES keys) to run again "
        "after a code change; the newest record of each counts",
    )
    ap.add_argument("--out-dir", default=None)
    ap.add_argument("--results", default=None)
    ap.add_argument("--table-only", action="store_true")
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.smoke:
        args.epochs = args.feature_epochs = args.repeats = 1
        args.datasets = args.datasets.split(",")[0]
        if args.out_dir is None:
            args.out_dir = tempfile.mkdtemp(prefix="skdeep_seq2seq_smoke_")
        if args.results is None:
            args.results = str(Path(args.out_dir) / "seq2seq.md")
    out_dir = Path(args.out_dir) if args.out_dir else OUT_DIR
    parts = PARTS if args.part == "all" else (args.part,)
    command = "python benchmarks/seq2seq.py " + " ".join(sys.argv[1:])
    sections = {}
    for part in parts:
        config = {"smoke": args.smoke}
        if part in ("transliteration", "heldout"):
            config["epochs"] = args.epochs
        if part == "features":
            config["epochs"] = args.feature_epochs
        store = Store(out_dir, part, config, command)
        tables = {
            "transliteration": table_transliteration,
            "heldout": table_heldout,
            "throughput": table_throughput,
            "features": table_features,
            "oneclass": table_oneclass,
        }
        sections[part] = (
            tables[part](store) if args.table_only else RUNNERS[part](args, store)
        )
    results = Path(args.results) if args.results else RESULTS / "seq2seq.md"
    write_parts(
        results,
        "seq2seq benchmarks",
        f"Produced by `benchmarks/seq2seq.py` on {machine()}.",
        sections,
        PARTS,
    )


if __name__ == "__main__":
    main()
