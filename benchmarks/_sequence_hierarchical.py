"""Benchmark section: hierarchical RNN on Fashion-MNIST against a row LSTM and the CNN.

Called by ``benchmarks/sequence.py`` for its ``hierarchical`` part
(``run_hierarchical(opts)`` returns a markdown section); the protocol is
declared below (:data:`PROTOCOL`, printed at the top of the section) and
summarised in that script's docstring. Imported only when the part is asked
for. Data: ``fashion_mnist/fashion_mnist.npz`` in the shared data folder
(``SKDEEP_SHARED_DATA``, else ``../shared/data`` next to the repository).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

try:
    from _common import machine, markdown_table, shared_data
except ImportError:  # imported as benchmarks._sequence_hierarchical
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import machine, markdown_table, shared_data

# ------------------------------------------------------------- settings
# Fixed before any full run; nothing is chosen on the test images.
SUBSET_SEED = 0  # the training subset is the same for every method and seed
RNN_EPOCHS = 10  # every recurrent model (the row LSTM also at 5x, see below)
ROW_LSTM_LONG = 5  # the row LSTM's second budget: 5x the epochs
RNN_COMMON = dict(cell="lstm", lr=0.01, batch_size=128)
QUICK = dict(n_train=1000, n_test=1000, epochs=1, cnn_epochs=1)
ATTENTION_SAMPLE = 1000  # test images whose attention weights are summarised

PROTOCOL = """\
Protocol (declared before any full run). **Data**: Fashion-MNIST from
`fashion_mnist/fashion_mnist.npz` in the shared data folder; a stratified
subset of {n_train} of the 60,000 training images (drawn once with seed
{subset_seed}: the same images for every method and seed) and the full
{n_test}-image test set; pixels scaled to [0, 1] (the same values for every
method). Each image's 28 rows are read as a sequence.

**Methods**, all in the same run on the same images:

* skdeep `HierarchicalRNNClassifier(cell="lstm", inner_hidden_size=32,
  outer_hidden_size=32, lr=0.01, batch_size=128, max_epochs={epochs},
  attention=A)` on X of shape (n, 28, 28) = (n, outer steps = rows, inner
  steps = the 28 pixels of a row, 1 feature): an inner LSTM encodes every
  row pixel by pixel, an outer LSTM reads the 28 row codes. A = None (last
  outputs at both levels) and A = "both" (attention pooling at both levels,
  Yang et al. 2016).
* skdeep `RNNClassifier(cell="lstm", hidden_size=32, lr=0.01,
  batch_size=128)` over rows: X of shape (n, 28 channels, 28 steps), each
  row one time step of 28 pixel values; max_epochs {epochs} (the same
  epochs as the hierarchical models) and {long} (5x; still far cheaper than
  a hierarchical fit).
* skdeep `CNNClassifier` with its defaults (plain 2-D net, conv channels
  (32, 64, 128), Adam lr 0.001 with the cosine schedule, batch 128,
  max_epochs {cnn_epochs}) on X of shape (n, 1, 28, 28), as
  `benchmarks/cnn.py` runs it.

No early stopping, no augmentation, no tuning. Seeds {seeds} (weights and
batch order; mean ± std, ddof=1). Reported: test accuracy, fit and predict
seconds (predict: all test images), trainable parameters, ratios accuracy /
CNN and fit time / CNN; the attention-on-vs-off verdict is computed from
the numbers: attention *helped* / *hurt* when the mean accuracies differ by
more than the larger of the two standard deviations over seeds, otherwise
*no clear difference*. For the attention model, the mean outer attention
weight of each row over the first {attn} test images (which rows the model
reads). Torch on one thread."""


def load_fashion(n_train, n_test, quick):
    from sklearn.model_selection import train_test_split

    z = np.load(shared_data() / "fashion_mnist" / "fashion_mnist.npz")
    Xtr, ytr = z["X_train"], z["y_train"].astype(np.int64)
    if n_train < len(Xtr):
        Xtr, _, ytr, _ = train_test_split(Xtr, ytr, train_size=n_train,
                                          stratify=ytr, random_state=SUBSET_SEED)
    Xte, yte = z["X_test"][:n_test], z["y_test"][:n_test].astype(np.int64)
    names = [str(c) for c in z["class_names"]] if "class_names" in z else None
    scale = np.float32(1 / 255)
    return (Xtr.astype(np.float32) * scale, ytr, Xte.astype(np.float32) * scale, yte,
            names)


def _n_params(est):
    return sum(p.numel() for p in est.module_.parameters() if p.requires_grad)


def _run(est, Xtr, ytr, Xte, yte):
    start = time.perf_counter()
    est.fit(Xtr, ytr)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    pred = est.predict(Xte)
    predict_s = time.perf_counter() - start
    return dict(accuracy=float(np.mean(pred == yte)), fit_s=fit_s,
                predict_s=predict_s, params=_n_params(est))


def _ms(values, digits=4):
    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def _verdict(on, off):
    a = np.array([r["accuracy"] for r in on])
    b = np.array([r["accuracy"] for r in off])
    tol = max(a.std(ddof=1) if len(a) > 1 else 0.0,
              b.std(ddof=1) if len(b) > 1 else 0.0)
    diff = a.mean() - b.mean()
    word = ("helped" if diff > tol else "hurt" if diff < -tol
            else "no clear difference")
    fit = np.mean([r["fit_s"] for r in on]) / np.mean([r["fit_s"] for r in off])
    return (f"attention (both levels) vs none: **{word}** (accuracy "
            f"{a.mean():.4f} vs {b.mean():.4f}, difference {diff:+.4f}, tolerance "
            f"{tol:.4f}); fit time ratio on / off {fit:.2f}.")


def _published():
    """Fashion-MNIST README entries of recurrent models (context only)."""
    try:
        data = json.loads((shared_data() / "published_numbers.json").read_text())
        rows = data["fashion_mnist"]["readme_submitted_benchmarks"]["results"]
    except (OSError, KeyError, ValueError):
        return None
    found = [f"{r['classifier']} {r['fashion_test_accuracy']:.3f}"
             for r in rows if "GRU" in r["classifier"] or "LSTM" in r["classifier"]]
    return "; ".join(found) if found else None


def _load():
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def run_hierarchical(opts):
    """Run the hierarchical part; return its markdown section."""
    import torch

    from skdeep.cnn import CNNClassifier
    from skdeep.recurrent import HierarchicalRNNClassifier, RNNClassifier

    quick = opts.quick
    torch.set_num_threads(1)
    seeds = list(range(1 if quick else opts.hier_seeds))
    n_train = QUICK["n_train"] if quick else opts.hier_train
    n_test = QUICK["n_test"] if quick else 10000
    epochs = opts.hier_epochs or (QUICK["epochs"] if quick else RNN_EPOCHS)
    cnn_epochs = opts.hier_epochs or (QUICK["cnn_epochs"] if quick
                                      else CNNClassifier().max_epochs)
    long_epochs = ROW_LSTM_LONG * epochs
    Xtr, ytr, Xte, yte, _ = load_fashion(n_train, n_test, quick)
    print(f"== hierarchical: {len(Xtr)} train / {len(Xte)} test images, "
          f"seeds {seeds}", flush=True)

    methods = {
        "skdeep HierarchicalRNNClassifier lstm, attention=None": (
            lambda s: HierarchicalRNNClassifier(max_epochs=epochs, random_state=s,
                                                **RNN_COMMON), "hier"),
        'skdeep HierarchicalRNNClassifier lstm, attention="both"': (
            lambda s: HierarchicalRNNClassifier(max_epochs=epochs, attention="both",
                                                random_state=s, **RNN_COMMON),
            "hier"),
        f"skdeep RNNClassifier lstm over rows, {epochs} epochs": (
            lambda s: RNNClassifier(max_epochs=epochs, random_state=s,
                                    **RNN_COMMON), "rows"),
        f"skdeep RNNClassifier lstm over rows, {long_epochs} epochs": (
            lambda s: RNNClassifier(max_epochs=long_epochs, random_state=s,
                                    **RNN_COMMON), "rows"),
        f"skdeep CNNClassifier (defaults, {cnn_epochs} epochs)": (
            lambda s: CNNClassifier(max_epochs=cnn_epochs, random_state=s,
                                    verbose=0), "cnn"),
    }
    views = {
        "hier": (Xtr, Xte),  # (n, outer = rows, inner = pixels), 1 feature
        "rows": (Xtr.transpose(0, 2, 1), Xte.transpose(0, 2, 1)),  # (n, C, T)
        "cnn": (Xtr[:, None], Xte[:, None]),  # (n, 1, 28, 28)
    }
    start_all = time.perf_counter()
    runs = {label: [] for label in methods}
    attention = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        for seed in seeds:
            for label, (factory, view) in methods.items():
                est = factory(seed)
                tr, te = views[view]
                runs[label].append(_run(est, tr, ytr, te, yte))
                print(f"  seed {seed} {label}: "
                      + ", ".join(f"{k} {v:.4g}" for k, v in runs[label][-1].items()),
                      flush=True)
                if "both" in label:
                    _, outer = est.attention_weights(te[:ATTENTION_SAMPLE])
                    attention.append(outer.mean(axis=0))
    cnn_label = next(k for k in runs if k.startswith("skdeep CNN"))
    cnn_acc = np.mean([r["accuracy"] for r in runs[cnn_label]])
    cnn_fit = np.mean([r["fit_s"] for r in runs[cnn_label]])
    rows = []
    for label, rs in runs.items():
        acc = [r["accuracy"] for r in rs]
        fit = np.mean([r["fit_s"] for r in rs])
        rows.append([
            label, len(rs), _ms(acc), f"{rs[0]['params']:,}", f"{fit:.1f}",
            f"{np.mean([r['predict_s'] for r in rs]):.2f}",
            f"{np.mean(acc) / cnn_acc:.3f}", f"{fit / cnn_fit:.2f}",
        ])
    labels = list(runs)
    row_short, row_long = labels[2], labels[3]
    hier_off, hier_on = labels[0], labels[1]
    lines = [
        "## Hierarchical RNN on Fashion-MNIST (rows as sequences)",
        "",
        "Command: `python benchmarks/sequence.py --part hierarchical"
        + (f" --hier-seeds {opts.hier_seeds}" if opts.hier_seeds != 3 else "")
        + (f" --hier-train {opts.hier_train}" if opts.hier_train != 10000 else "")
        + (f" --hier-epochs {opts.hier_epochs}" if opts.hier_epochs else "")
        + (" --quick`" if quick else "`"),
        "",
        f"Machine: {machine()}; load average at the start {_load()} (shared "
        "machine: timings are noisy, compare within a table).",
        "",
        PROTOCOL.format(n_train=len(Xtr), n_test=len(Xte), subset_seed=SUBSET_SEED,
                        epochs=epochs, long=long_epochs, cnn_epochs=cnn_epochs,
                        seeds=seeds, attn=ATTENTION_SAMPLE),
        "",
    ]
    if quick:
        lines += [f"*Quick run: {len(Xtr)} train / {len(Xte)} test images, one "
                  f"seed, {epochs} epoch(s); numbers meaningless.*", ""]
    lines += [
        markdown_table(
            ["method", "runs", "test accuracy", "parameters", "fit (s)",
             "predict (s)", "accuracy / CNN", "fit time / CNN"], rows),
        "",
        _verdict(runs[hier_on], runs[hier_off]),
        "",
    ]
    for short in (row_short, row_long):
        a = np.mean([r["accuracy"] for r in runs[hier_off]])
        b = np.mean([r["accuracy"] for r in runs[short]])
        fa = np.mean([r["fit_s"] for r in runs[hier_off]])
        fb = np.mean([r["fit_s"] for r in runs[short]])
        lines.append(
            f"Hierarchical (no attention) vs {short.removeprefix('skdeep ')}: "
            f"accuracy {a:.4f} vs {b:.4f} ({a - b:+.4f}), fit time "
            f"{fa / fb:.1f}x.")
    lines.append("")
    if attention:
        mean = np.mean(attention, axis=0)
        top = np.argsort(-mean)[:5]
        lines += [
            "Outer attention (rows 0-27, top to bottom), mean weight over "
            f"{min(ATTENTION_SAMPLE, len(Xte))} test images and the seeds: "
            + ", ".join(f"{w:.3f}" for w in mean)
            + f". Heaviest rows: {', '.join(map(str, top))} (uniform would be "
            f"{1 / len(mean):.3f} each).",
            "",
        ]
    published = _published()
    if published:
        lines += [
            "Context only (not comparable: full 60,000-image training set, "
            "other budgets): recurrent entries of the Fashion-MNIST README "
            f"table (`published_numbers.json`): {published}.",
            "",
        ]
    lines.append(f"Part time {time.perf_counter() - start_all:.0f} s; load "
                 f"average at the end: {_load()}.")
    return "\n".join(lines) + "\n"
