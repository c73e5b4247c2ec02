r"""Benchmark of the CNN family: images (Fashion-MNIST) and series (UCR/UEA).

Four parts, each run on its own with ``--part NAME`` (``--part all`` runs
them in this order). The protocol below was fixed before any full run; every
number in ``benchmarks/results/cnn.md`` comes from it, and each table there
is preceded by the command that produced it and the machine line.

How the defaults were chosen (before this benchmark ran, on data it does
not report): ``CNNClassifier``'s defaults (the plain (32, 64, 128) stack,
10 epochs, the cosine learning-rate schedule) were picked on a split of the
Fashion-MNIST TRAINING set alone (50,000 images to fit, 10,000 to
validate, seed 0): a constant lr of 0.001 reached 0.898-0.910 validation
accuracy after 9-12 epochs and fluctuated, the cosine schedule over 10
epochs reached 0.922. The test set was not looked at for that choice.

Data (no network; the data folder is ``SKDEEP_SHARED_DATA``, else
``../shared/data`` next to the repository):

* Fashion-MNIST, ``fashion_mnist/fashion_mnist.npz``: the standard 60,000
  training / 10,000 test images, 28 x 28 uint8, scaled to [0, 1] and shaped
  ``(n, 1, 28, 28)`` float32 (flattened to 784 columns for the
  scikit-learn peers).
* UCR/UEA classification sets bundled with sktime (read with
  ``sktime.datasets.load_from_tsfile`` straight from
  ``sktime/datasets/data/<name>/<name>_TRAIN.ts`` / ``_TEST.ts``, the
  archive's fixed splits). Unequal-length sets (JapaneseVowels, PLAID) are
  padded with trailing NaN to the longest series of each split. Every
  univariate series is z-normalised over its own (non-NaN) time points, as
  the UCR archive and Ismail Fawaz et al. do (a constant series is only
  centred); the multivariate sets (BasicMotions, JapaneseVowels) are
  standardised per channel with the training part's statistics, since
  dl-4-tsc does not z-normalise its multivariate (MTS archive) series. (The
  first run z-normalised the multivariate series too, which removed each
  JapaneseVowels channel's level and cost every method there, MiniRocket
  included, 15-20 points; those cells were discarded and rerun.) The CNNs
  and MiniRocket see the same normalised series.
* Published numbers: ``published_tsc.json`` (see its ``source`` and
  ``notes``).

``fashion``
    The DEFAULT ``CNNClassifier(random_state=seed, verbose=0)`` (plain
    architecture, conv_channels (32, 64, 128), Adam lr 0.001 annealed to 0
    by a cosine schedule, batch 128, ``max_epochs`` left at its default of
    10, no early stopping) fitted on
    all 60,000 training images. A skorch callback computes the accuracy on
    the 10,000 test images after every epoch (the net's module in eval
    mode); it only draws the accuracy-vs-time curve and is never used to
    select anything; its own time is excluded from the fit times (the epoch
    durations are skorch's ``history_[:, "dur"]``, recorded before the
    callback runs). Peers in the same run: scikit-learn
    ``MLPClassifier(hidden_layer_sizes=(256,), early_stopping=True,
    random_state=seed)`` on the flattened pixels (all 60,000), and ``SVC()``
    (RBF, defaults) trained on a stratified subset of 10,000 training images
    (drawn with the seed; its fit is quadratic in n), both scored on the
    full 10,000 test images. Reported: accuracy, fit and predict seconds,
    the ratio of fit times CNN / peer.
    Throughput: on 20,000 training images (the first 20,000), the
    estimator's second epoch of a 2-epoch fit (``history_[:, "dur"][1]``, the
    first is a warm-up) against a plain torch loop over the identical module
    (``est._build_module()`` of that fitted estimator, seeded likewise):
    Adam with the same lr, batch 128, cross-entropy, the data pre-loaded as
    tensors, reshuffled each epoch, ``loss.item()`` read each batch as skorch
    does; its second epoch timed likewise. Both alternate
    ``--throughput-repeats`` times (default 3); medians of images/s and the
    ratio estimator / plain loop, the target being >= 0.9. torch's default
    thread count. Seeds: ``--seeds``, default 1 for this part (seed 0): a
    full default fit takes tens of minutes on the 2-core machine.

``ucr``
    ``CNNClassifier(architecture=A, batch_size=16, lr=0.001,
    max_epochs=E, random_state=seed)`` for A in fcn, resnet, inception, tcn,
    each with its preset defaults (conv_channels, kernel sizes), the
    estimator's default cosine learning-rate schedule, no early stopping,
    the network after the last epoch, E = ``--ucr-epochs``
    (default 100; not the 1500-2000 epochs with learning-rate reduction and
    best-training-loss checkpoint of Fawaz et al., which is why differences
    to their numbers are expected, mostly on the larger sets). Baseline:
    sktime MiniRocket (``MiniRocket`` for univariate, ``MiniRocketMultivariate``
    for multivariate, ``MiniRocketMultivariateVariable(pad_value_short_series=0)``
    for the unequal-length sets, as ``benchmarks/sequence.py`` does: it needs at
    least 9 time points and JapaneseVowels has series of 7) with
    ``StandardScaler(with_mean=False)`` and
    ``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))``, ``n_jobs=1``,
    seeded; numba compiled on a few series before the timings. Data sets, from
    the cheapest to the most expensive to train (the order of the work, so a
    partial run is useful; measured: one seed of the four CNNs takes about
    6 s, 20 s, 35 s, 55 s, 65 s, 90 s, 12 min, 19 min and 90 min on one
    core): UnitTest, ItalyPowerDemand, BasicMotions, GunPoint, ArrowHead,
    JapaneseVowels, OSULeaf, ACSF1, PLAID. Seeds:
    ``--seeds``, default 3 (0, 1, 2). Reported per data set and method: test
    accuracy mean ± std (ddof=1) over seeds, training accuracy, fit and
    predict seconds, fit-time ratio to MiniRocket, the published number
    (mean ± std over the published runs) and our mean minus it: fcn -> FCN,
    resnet -> ResNet (dl-4-tsc), inception -> Inception (a single Inception
    network, 5 runs, hfawaz/InceptionTime; the InceptionTime ensemble of five
    is shown beside it for information); tcn and MiniRocket have no published
    number in the file. Unpublished cells show "—" with the reason from the
    JSON's ``absent``. Summary: each method's mean accuracy over the data
    sets where every method has results, and the mean difference to the
    published numbers over the data sets that have one. Each finished
    (data set, method, seed) cell is appended as a JSON line to
    ``--out-dir`` (default ``benchmarks/cnn_runs/``, git-ignored); cells
    already there are skipped (resume), and the tables are built from all
    the JSON lines present with the same settings (epochs), so runs of
    ``--datasets`` subsets on several machines merge.

    Session 51: JapaneseVowels rerun (all methods, seeds 0-2) after the two
    NaN-padding fixes (a padded series' output equal to the series alone's,
    session 50; batch norm's training statistics over each series' own
    steps, session 51), the earlier records kept in
    ``cnn_runs/superseded_ucr_japanesevowels_before_padding_fixes.json.txt``.
    Accuracies: fcn and tcn unchanged seed by seed, resnet 0.9910 -> 0.9946,
    inception 0.9892 -> 0.9883 (means over 3 seeds). The machine was loaded
    by other work during that rerun (load average 4.5): its fit and predict
    times are several times the earlier ones and not comparable with the
    other sets' (the ratios to MiniRocket, timed in the same run, less so).
    PLAID, the other unequal-length set, was not rerun then (15-60 minutes
    per fit).

    Session 52: PLAID's fcn and tcn cells rerun (seed 0) after both fixes,
    the earlier records kept in
    ``cnn_runs/superseded_ucr_plaid_before_padding_fixes.json.txt``: fcn
    accuracy 0.8473 -> 0.8603 (train 0.9572 -> 0.9590), tcn unchanged
    (0.8603, train 0.9516). Their fits took 2,578 s and 1,528 s against
    893 s and 435 s, on a machine loaded by other work (load average 2.3 to
    4.3 on 2 cores): not comparable. PLAID's resnet and inception cells (0.5
    and 1 hour a fit unloaded) still predate both fixes; the MiniRocket
    cell is unchanged (its rerun gave the same accuracy).

``imbalance``
    Buda, Maki & Mazurowski (2018) on Fashion-MNIST. Per seed: a fixed
    subset of 1,000 training images per class (drawn with the seed); step
    imbalance with 5 minority classes (drawn with the seed) keeping 1000/rho
    images, rho = 10 and 100; linear imbalance with rho = 10 (class sizes
    ``round(linspace(1000, 100, 10))`` given to the classes in a random order
    drawn with the seed). Each minority class keeps the first images of its
    1,000, so the sets are nested. Methods, all with the same
    ``CNNClassifier(max_epochs=15, random_state=seed)`` (default
    architecture; ``--imbalance-epochs``): none, ``class_weight="balanced"``,
    ``sampling="oversample"``, ``sampling="undersample"``, ``loss="focal"``.
    Metrics on the full balanced 10,000-image test set: multi-class ROC AUC
    (one-vs-rest, macro: ``roc_auc_score(..., multi_class="ovr")``) and
    balanced accuracy; balanced accuracy on the (imbalanced) training set,
    and the train - test gap. Mean ± std over ``--seeds`` (default 3).
    Buda et al.'s finding is judged by this rule, fixed in advance:
    "oversampling is the best remedy" holds in a setting when oversampling
    has the highest mean ROC AUC of the five methods; "it does not overfit"
    holds when its train - test balanced-accuracy gap is not larger than
    that of no remedy. The finding reproduces when both hold in all three
    settings; the counts are printed otherwise.

``transfer``
    Source: the default ``CNNClassifier(max_epochs=10, random_state=0)``
    (``--source-epochs``) fitted ONCE (seed 0, shared by all seeds) on all
    30,000 training images of classes 0-4 (T-shirt, trouser, pullover,
    dress, coat). Target: classes 5-9 (sandal, shirt, sneaker, bag, ankle
    boot) with 10, 50 and 100 labelled training images per class (per seed a
    random order of each class's training images; the first k are taken, so
    the sets are nested), scored on all 5,000 test images of classes 5-9.
    Methods: fine-tuned (``init_from=source``, a new head, ``lr=1e-4``,
    ``head_lr=1e-3``, ``max_epochs=50``, ``random_state=seed``); frozen
    features (``source.transform``) + ``LogisticRegression(max_iter=2000)``;
    from scratch (the default ``CNNClassifier(max_epochs=50,
    random_state=seed)``). Seeds: ``--seeds``, default 5. Mean ± std of the
    test accuracy; transfer "beats" scratch at a size when its mean accuracy
    is higher (the number of seeds where it is higher, paired, is shown).

    A fourth method, "fine-tuned (CV)", was added after the first run had
    shown the fixed fine-tuning rates above below scratch at every size; it
    was declared here before its own run and the first three columns were
    kept as they were. Its (lr, head_lr, freeze) is chosen per seed and size
    by 3-fold stratified cross-validation (accuracy) on the k labelled
    target images alone, from {(1e-3, None, None), (1e-4, 1e-3, None),
    (1e-3, None, 1)} (the whole network at scratch's rate; the fixed rates
    above; the first block frozen), then refitted on all k images with
    ``max_epochs=50``. The source is passed as the path of a file written by
    ``skdeep.io.save`` (``init_from`` accepts one), so the grid search can
    clone it.

Threads: torch's default (2 on the 2-core machine) unless ``--threads N``.
On a machine where another process keeps the cores busy, 2 OpenMP threads
ran about 10 times slower than 1 (default CNN on Fashion-MNIST: 190 against
2,000 training images/s, measured while another job used both cores): use
``--threads 1`` there. The machine line of each table gives the thread
count.

``--smoke`` shrinks every part (tiny subsets, 1-2 epochs, 1-2 seeds) to check
the harness in under two minutes; it prints the tables and writes no results
file (unless ``--results`` is given), keeps its JSON lines in a temporary
folder (unless ``--out-dir`` is given) and runs torch on one thread (unless
``--threads`` is given). Its numbers mean nothing.

Usage::

    python benchmarks/cnn.py --part fashion
    python benchmarks/cnn.py --part ucr                       # resumable
    python benchmarks/cnn.py --part ucr --datasets PLAID      # one set
    python benchmarks/cnn.py --part ucr --merge               # tables only
    python benchmarks/cnn.py --part imbalance
    python benchmarks/cnn.py --part transfer
    python benchmarks/cnn.py --part all --smoke               # harness check

Writes ``benchmarks/results/cnn.md`` (``--results``); each part has its own
section (``<!-- part:NAME -->``), so parts can be rerun separately.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
from pathlib import Path

# Running ``python benchmarks/cnn.py`` puts benchmarks/ first on the path,
# where a sibling script (signal.py) would shadow the standard library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.append(str(_HERE))  # after the stdlib: _common

import os  # noqa: E402

# sktime's numba code (MiniRocket) would start numba's OpenMP pool, which
# slows torch's OpenMP runtime in the same process badly (see sequence.py);
# numba's own "workqueue" pool does not interfere.
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import shlex  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _common import (  # noqa: E402
    RESULTS,
    SharedArrays,
    Store,
    Timer,
    load_average,
    load_fashion,
    machine,
    markdown_table,
    mean_std,
    shared_data,
    write_parts,
)
from skorch.callbacks import Callback  # noqa: E402

RESULT_FILE = RESULTS / "cnn.md"
TITLE = "CNN benchmark"
PRODUCED_BY = ("Produced by `python benchmarks/cnn.py --part PART` (see its docstring "
               "for the protocol).")
PARTS = ("fashion", "ucr", "imbalance", "transfer")
DEFAULT_SEEDS = dict(fashion=1, ucr=3, imbalance=3, transfer=5)
SMOKE_SEEDS = dict(fashion=1, ucr=1, imbalance=1, transfer=2)

# Cheapest to most expensive (training cost ~ n_train x longest series).
UCR_DATASETS = (
    "UnitTest", "ItalyPowerDemand", "BasicMotions", "GunPoint",
    "ArrowHead", "JapaneseVowels", "OSULeaf", "ACSF1", "PLAID",
)
SMOKE_UCR_DATASETS = ("UnitTest", "JapaneseVowels", "PLAID")
SMOKE_UCR_CAP = 12  # smoke: 12 evenly spaced train and test series per set
UCR_ARCHS = ("fcn", "resnet", "inception", "tcn")
UCR_METHODS = ("minirocket", *UCR_ARCHS)
METHOD_NAMES = {
    "minirocket": "sktime MiniRocket + ridge",
    "fcn": "CNNClassifier fcn",
    "resnet": "CNNClassifier resnet",
    "inception": "CNNClassifier inception",
    "tcn": "CNNClassifier tcn",
}
PUBLISHED_KEY = {"fcn": "FCN", "resnet": "ResNet", "inception": "Inception"}

IMBALANCE_METHODS = {
    "none": {},
    "class_weight='balanced'": {"class_weight": "balanced"},
    "sampling='oversample'": {"sampling": "oversample"},
    "sampling='undersample'": {"sampling": "undersample"},
    "loss='focal'": {"loss": "focal"},
}
IMBALANCE_SETTINGS = (("step", 10), ("step", 100), ("linear", 10))

TRANSFER_SIZES = (10, 50, 100)
TRANSFER_METHODS = ("fine-tuned", "fine-tuned (CV)", "frozen + logistic", "scratch")
TRANSFER_GRID = [
    {"lr": 1e-3, "head_lr": None, "freeze": None},
    {"lr": 1e-4, "head_lr": 1e-3, "freeze": None},
    {"lr": 1e-3, "head_lr": None, "freeze": 1},
]
FASHION_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


# ------------------------------------------------------------------ helpers


def _version(package):
    from importlib.metadata import version

    return version(package)


def _command():
    return "python benchmarks/cnn.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def _header(title, args):
    return [
        f"## {title}",
        "",
        f"Command: `{_command()}`",
        "",
        f"Machine: {machine()}; load average at the start {load_average()} (the "
        "machine is shared: timings are noisy, compare within a table).",
        "",
        *(["**Smoke run: tiny subsets and epochs, the numbers mean nothing.**", ""]
          if args.smoke else []),
    ]


def _emit(section, name, args):
    """Print a finished section; write it unless this is a smoke run."""
    print("\n" + section + "\n", flush=True)
    if args.results is not None or not args.smoke:
        path = args.results if args.results is not None else RESULT_FILE
        write_parts(path, TITLE, PRODUCED_BY, {name: section}, PARTS)


class TestAccuracy(Callback):
    """Record the test accuracy after each epoch (curve only, no selection)."""

    def __init__(self, X, codes, batch_size=1000):
        self.data = SharedArrays(X=torch.as_tensor(X), codes=torch.as_tensor(codes))
        self.batch_size = batch_size

    def on_epoch_end(self, net, **kwargs):
        start = time.perf_counter()
        module = net.module_
        was_training = module.training
        module.eval()
        correct = 0
        X, codes = self.data.X, self.data.codes
        with torch.no_grad():
            for i in range(0, len(X), self.batch_size):
                xb = X[i : i + self.batch_size].to(net.device)
                pred = module(xb).argmax(1).cpu()
                correct += int((pred == codes[i : i + self.batch_size]).sum())
        module.train(was_training)
        net.history.record("test_accuracy", correct / len(X))
        net.history.record("test_eval_s", time.perf_counter() - start)


# ------------------------------------------------------------------- data


def _ts_file(name, split):
    import sktime

    return (Path(sktime.__file__).parent / "datasets" / "data" / name
            / f"{name}_{split.upper()}.ts")


def _nested_to_padded(X):
    """sktime nested DataFrame -> (n, C, T_max) with trailing NaN padding."""
    arrays = [
        np.vstack([np.asarray(X.iloc[i, c], dtype=np.float64)
                   for c in range(X.shape[1])])
        for i in range(len(X))
    ]
    T = max(a.shape[1] for a in arrays)
    out = np.full((len(arrays), arrays[0].shape[0], T), np.nan)
    for i, a in enumerate(arrays):
        out[i, :, : a.shape[1]] = a
    return out


def znormalise(X):
    """Each series and channel to mean 0, std 1 over its non-NaN points."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(X, axis=2, keepdims=True)
        std = np.nanstd(X, axis=2, keepdims=True)
    std[~(std > 1e-8)] = 1.0
    return (X - mean) / std


def channel_statistics(X):
    """Mean and std of each channel over all training series and time points."""
    mean = np.nanmean(X, axis=(0, 2), keepdims=True)[0]
    std = np.nanstd(X, axis=(0, 2), keepdims=True)[0]
    std[~(std > 1e-8)] = 1.0
    return mean, std


def _valid_length(x):
    """Time points of one (C, T) series before its trailing all-NaN steps."""
    valid = ~np.isnan(x).all(axis=0)
    return int(np.flatnonzero(valid)[-1]) + 1 if valid.any() else 0


def _to_nested(X):
    """(n, C, T) NaN-padded -> sktime nested DataFrame of unequal series."""
    import pandas as pd

    cols = {}
    lengths = [_valid_length(x) for x in X]
    for c in range(X.shape[1]):
        col = pd.Series([None] * len(X), dtype=object)
        for i, (x, L) in enumerate(zip(X, lengths)):
            col.iat[i] = pd.Series(x[c, :L])
        cols[f"dim_{c}"] = col
    return pd.DataFrame(cols)


def load_ucr(name, cap=None):
    """Train/test parts of a bundled UCR/UEA set, z-normalised, offline."""
    from sktime.datasets import load_from_tsfile

    d = {}
    for split in ("train", "test"):
        X, y = load_from_tsfile(str(_ts_file(name, split)))
        if cap is not None and len(y) > cap:  # evenly spaced: several classes
            keep = np.linspace(0, len(y) - 1, cap).astype(int)
            X, y = X.iloc[keep], y[keep]
        d[split] = dict(X=_nested_to_padded(X), y=np.asarray(y))
    if d["train"]["X"].shape[1] == 1:  # univariate: the UCR archive's norm
        for split in ("train", "test"):
            d[split]["X"] = znormalise(d[split]["X"])
    else:  # multivariate: per-channel statistics of the training part
        mean, std = channel_statistics(d["train"]["X"])
        for split in ("train", "test"):
            d[split]["X"] = (d[split]["X"] - mean) / std
    lengths = [_valid_length(x) for s in ("train", "test") for x in d[s]["X"]]
    d["unequal"] = min(lengths) != max(lengths)
    d["lengths"] = (min(lengths), max(lengths))
    d["channels"] = d["train"]["X"].shape[1]
    for split in ("train", "test"):
        X = d[split]["X"]
        d[split]["rocket"] = _to_nested(X) if d["unequal"] else X
    return d


# ---------------------------------------------------------------- fashion


def _fit_cnn(est, X, y):
    with Timer() as t:
        est.fit(X, y)
    return t.seconds


def _plain_loop_epochs(module, X, codes, lr, batch_size, epochs, seed, device):
    """A plain torch training loop; the seconds of each epoch."""
    gen = torch.Generator().manual_seed(seed)
    module = module.to(device).train()
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    criterion = torch.nn.CrossEntropyLoss()
    X = torch.as_tensor(X).to(device)
    codes = torch.as_tensor(codes).to(device)
    durations = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=gen).to(device)
        total = 0.0
        for i in range(0, len(X), batch_size):
            index = order[i : i + batch_size]
            xb, yb = X[index], codes[index]
            optimizer.zero_grad()
            loss = criterion(module(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        durations.append(time.perf_counter() - start)
    return durations


def fashion(args):
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC

    from skdeep.cnn import CNNClassifier

    seeds = args.seed_list("fashion")
    Xtr, ytr, Xte, yte = load_fashion()
    n_svc, n_tp, repeats = 10_000, 20_000, args.throughput_repeats
    if args.smoke:
        Xtr, ytr, Xte, yte = Xtr[:1000], ytr[:1000], Xte[:500], yte[:500]
        n_svc, n_tp, repeats = 500, 500, 1
    flat_tr, flat_te = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    cnn_kwargs = {} if args.max_epochs is None else {"max_epochs": args.max_epochs}
    if args.smoke and args.max_epochs is None:
        cnn_kwargs = {"max_epochs": 2}
    if args.device != "cpu":
        cnn_kwargs["device"] = args.device

    runs = {"cnn": [], "mlp": [], "svc": []}
    curves = []
    for seed in seeds:
        print(f"== fashion seed {seed}: CNNClassifier", flush=True)
        est = CNNClassifier(random_state=seed, verbose=0, **cnn_kwargs,
                            callbacks=[TestAccuracy(Xte, yte)])
        fit_wall = _fit_cnn(est, Xtr, ytr)
        h = est.history_
        dur = np.asarray(h[:, "dur"], dtype=float)
        eval_s = float(np.sum(h[:, "test_eval_s"]))
        curves.append(dict(cum=np.cumsum(dur), acc=np.asarray(h[:, "test_accuracy"])))
        with Timer() as tp:
            pred = est.predict(Xte)
        runs["cnn"].append(dict(accuracy=accuracy_score(yte, pred),
                                fit_s=fit_wall - eval_s, predict_s=tp.seconds,
                                epochs=len(h), n_train=len(Xtr)))
        print(runs["cnn"][-1], flush=True)

        print(f"== fashion seed {seed}: MLPClassifier", flush=True)
        mlp = MLPClassifier(hidden_layer_sizes=(256,), early_stopping=True,
                            random_state=seed)
        with Timer() as t:
            mlp.fit(flat_tr, ytr)
        with Timer() as tp:
            pred = mlp.predict(flat_te)
        runs["mlp"].append(dict(accuracy=accuracy_score(yte, pred), fit_s=t.seconds,
                                predict_s=tp.seconds, epochs=mlp.n_iter_,
                                n_train=len(flat_tr)))
        print(runs["mlp"][-1], flush=True)

        print(f"== fashion seed {seed}: SVC on {n_svc} images", flush=True)
        sub, _ = train_test_split(np.arange(len(ytr)), train_size=n_svc,
                                  stratify=ytr, random_state=seed)
        svc = SVC()
        with Timer() as t:
            svc.fit(flat_tr[sub], ytr[sub])
        with Timer() as tp:
            pred = svc.predict(flat_te)
        runs["svc"].append(dict(accuracy=accuracy_score(yte, pred), fit_s=t.seconds,
                                predict_s=tp.seconds, epochs=None, n_train=n_svc))
        print(runs["svc"][-1], flush=True)

    # Throughput: estimator epoch vs plain torch loop on the same module.
    print(f"== fashion throughput on {n_tp} images", flush=True)
    Xtp, ytp = Xtr[:n_tp], ytr[:n_tp]
    tp_est, tp_plain = [], []
    device = args.device
    for r in range(repeats):
        est = CNNClassifier(max_epochs=2, random_state=seeds[0], device=device)
        est.fit(Xtp, ytp)
        tp_est.append(n_tp / float(est.history_[:, "dur"][1]))
        torch.manual_seed(seeds[0])
        module = est._build_module()
        codes = np.searchsorted(est.classes_, ytp)
        durations = _plain_loop_epochs(module, Xtp, codes, est.lr, est.batch_size,
                                       2, seeds[0], device)
        tp_plain.append(n_tp / durations[1])
        print(f"repeat {r}: estimator {tp_est[-1]:.0f} img/s, plain loop "
              f"{tp_plain[-1]:.0f} img/s", flush=True)

    # ------------------------------------------------------------- tables
    sections = _header("Fashion-MNIST: default CNNClassifier against peers", args)
    defaults = CNNClassifier()
    # "auto" resolves to the fits' own epochs (10 for 60,000 images)
    epochs = cnn_kwargs.get("max_epochs", runs["cnn"][0]["epochs"])
    sections += [
        f"{len(Xtr)} training / {len(Xte)} test images (28 x 28, scaled to "
        f"[0, 1]). Seeds {list(seeds)}; mean ± std (ddof=1) where more than "
        f"one. CNN: `CNNClassifier(random_state=seed)` defaults (plain "
        f"conv_channels (32, 64, 128), Adam lr {defaults.lr} with the "
        f"{defaults.lr_schedule} schedule, batch {defaults.batch_size}, "
        f"{epochs} epochs, no early stopping). Fit "
        "time of the CNN excludes the per-epoch test-accuracy callback.",
        "",
        "### Test accuracy after each epoch (curve only; not used for any choice)",
        "",
    ]
    n_ep = min(len(c["acc"]) for c in curves)
    rows = []
    for e in range(n_ep):
        rows.append([e + 1, f"{np.mean([c['cum'][e] for c in curves]):.1f}",
                     mean_std([c["acc"][e] for c in curves])])
    sections += [
        markdown_table(["epoch", "cumulative fit (s)", "test accuracy"], rows), ""]

    cnn_fit = np.mean([r["fit_s"] for r in runs["cnn"]])
    labels = {
        "cnn": f"skdeep CNNClassifier (defaults, {epochs} epochs)",
        "mlp": "scikit-learn MLPClassifier (256,), early_stopping",
        "svc": f"scikit-learn SVC (RBF, defaults) — trained on a stratified "
               f"{n_svc}-image subset",
    }
    rows = []
    for key, rs in runs.items():
        fit = np.mean([r["fit_s"] for r in rs])
        ep = [r["epochs"] for r in rs]
        rows.append([
            labels[key], rs[0]["n_train"], len(Xte),
            mean_std([r["accuracy"] for r in rs]),
            "—" if ep[0] is None else "/".join(str(e) for e in ep),
            f"{fit:.1f}", f"{np.mean([r['predict_s'] for r in rs]):.2f}",
            "—" if key == "cnn" else f"{cnn_fit / fit:.2f}",
        ])
    sections += [
        "### Accuracy and fit time",
        "",
        markdown_table(["method", "train images", "test images", "test accuracy",
                        "epochs/iterations", "fit (s)", "predict (s)",
                        "CNN fit / peer fit"], rows),
        "",
    ]
    ratio = [e / p for e, p in zip(tp_est, tp_plain)]
    med_ratio = float(np.median(ratio))
    sections += [
        "### Throughput: estimator vs a plain torch loop over the same module",
        "",
        f"{n_tp} training images, batch 128, Adam lr 0.001, cross-entropy; the "
        f"second epoch of two; {repeats} alternating repeat(s), "
        f"medians; torch threads: {torch.get_num_threads()}; device "
        f"{device}.",
        "",
        markdown_table(
            ["", "images/s (median)", "all repeats"],
            [["skdeep CNNClassifier (skorch)", f"{np.median(tp_est):.0f}",
              ", ".join(f"{v:.0f}" for v in tp_est)],
             ["plain torch loop", f"{np.median(tp_plain):.0f}",
              ", ".join(f"{v:.0f}" for v in tp_plain)],
             ["ratio estimator / plain", f"{med_ratio:.3f}",
              ", ".join(f"{v:.3f}" for v in ratio)]],
        ),
        "",
        f"Target ratio >= 0.9: **{'met' if med_ratio >= 0.9 else 'NOT met'}** "
        f"(median {med_ratio:.3f}).",
        "",
        f"Load average at the end: {load_average()}.",
    ]
    return "\n".join(sections)


# -------------------------------------------------------------------- ucr


def _minirocket(data, seed):
    from sktime.transformations.panel.rocket import (
        MiniRocket,
        MiniRocketMultivariate,
        MiniRocketMultivariateVariable,
    )

    if data["unequal"]:
        return MiniRocketMultivariateVariable(
            random_state=seed, pad_value_short_series=0, n_jobs=1)
    if data["channels"] == 1:
        return MiniRocket(random_state=seed, n_jobs=1)
    return MiniRocketMultivariate(random_state=seed, n_jobs=1)


def run_minirocket(data, seed):
    # Steps by hand (sktime transformers inside scikit-learn 1.9's Pipeline
    # fail, see sequence.py): transform -> scale -> ridge.
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.preprocessing import StandardScaler

    tr, te = data["train"], data["test"]
    with Timer() as t_fit:
        rocket = _minirocket(data, seed)
        F = rocket.fit_transform(tr["rocket"])
        scaler = StandardScaler(with_mean=False)
        ridge = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
        ridge.fit(scaler.fit_transform(F), tr["y"])
    with Timer() as t_pred:
        pred = ridge.predict(scaler.transform(rocket.transform(te["rocket"])))
    train_pred = ridge.predict(scaler.transform(F))
    return dict(accuracy=float(np.mean(pred == te["y"])),
                train_accuracy=float(np.mean(train_pred == tr["y"])),
                fit_s=t_fit.seconds, predict_s=t_pred.seconds)


def warm_up_minirocket(data):
    """Compile MiniRocket's numba code outside the timings."""
    tr = data["train"]
    idx = np.linspace(0, len(tr["y"]) - 1, min(12, len(tr["y"]))).astype(int)
    X = tr["rocket"]
    X = X.iloc[idx] if hasattr(X, "iloc") else X[idx]
    rocket = _minirocket(data, 0)
    rocket.fit_transform(X)
    rocket.transform(X)


def run_cnn_series(data, arch, seed, epochs, device):
    from skdeep.cnn import CNNClassifier

    tr, te = data["train"], data["test"]
    est = CNNClassifier(architecture=arch, batch_size=16, lr=0.001,
                        max_epochs=epochs, random_state=seed, device=device)
    with Timer() as t_fit:
        est.fit(tr["X"], tr["y"])
    with Timer() as t_pred:
        pred = est.predict(te["X"])
    return dict(accuracy=float(np.mean(pred == te["y"])),
                train_accuracy=float(np.mean(est.predict(tr["X"]) == tr["y"])),
                fit_s=t_fit.seconds, predict_s=t_pred.seconds,
                final_train_loss=float(est.loss_curve_[-1]),
                epoch_s=float(np.mean(est.history_[:, "dur"])))


@functools.lru_cache(maxsize=None)
def _published_json():
    return json.loads((shared_data() / "published_tsc.json").read_text())


def _published(name, method):
    """(text, mean or None) of the published number for a cell."""
    pub = _published_json()
    absent = pub["absent"]
    if name in absent:
        return f"— ({absent[name]})", None
    key = PUBLISHED_KEY.get(method)
    if key is None:
        return "— (no published number in published_tsc.json)", None
    results = pub["results"].get(name, {})
    if key not in results:
        reason = absent.get(f"InceptionTime on {name}") if method == "inception" \
            else None
        return f"— ({reason or 'not in published_tsc.json'})", None
    mean, std = results[key], pub["std"][name].get(key)
    n = pub["n_runs"][name].get(key)
    src = pub["which_source"][name].get(key)
    text = f"{mean:.4f}" + (f" ± {std:.4f}" if std is not None else "") + \
        f" ({key}, {n} runs, {src})"
    if method == "inception" and "InceptionTime" in results:
        text += f"; InceptionTime ensemble {results['InceptionTime']:.4f}"
    return text, mean


def ucr(args):
    seeds = args.seed_list("ucr")
    epochs = args.ucr_epochs if not args.smoke else min(args.ucr_epochs, 2)
    cap = SMOKE_UCR_CAP if args.smoke else None
    config = dict(epochs=epochs, cap=cap, batch_size=16, lr=0.001)
    store = Store(args.out_dir, "ucr", config, _command())
    datasets = args.dataset_list()
    if not args.merge:
        for name in datasets:
            todo = [(m, s) for s in seeds for m in UCR_METHODS
                    if store.get(dataset=name, method=m, seed=s) is None]
            if not todo:
                print(f"== {name}: all cells present", flush=True)
                continue
            print(f"== {name}: {len(todo)} cells to run", flush=True)
            data = load_ucr(name, cap)
            if any(m == "minirocket" for m, _ in todo):
                warm_up_minirocket(data)
            for method, seed in todo:
                if method == "minirocket":
                    res = run_minirocket(data, seed)
                else:
                    res = run_cnn_series(data, method, seed, epochs, args.device)
                rec = store.add(dict(
                    dataset=name, method=method, seed=seed,
                    n_train=len(data["train"]["y"]), n_test=len(data["test"]["y"]),
                    n_classes=len(np.unique(data["train"]["y"])),
                    channels=data["channels"], lengths=list(data["lengths"]),
                    **res))
                print(f"{name} {method} seed {seed}: acc {rec['accuracy']:.4f} "
                      f"(train {rec['train_accuracy']:.4f}) fit {rec['fit_s']:.1f}s",
                      flush=True)
    return ucr_tables(store, seeds, epochs, args)


def ucr_tables(store, seeds, epochs, args):
    recs = store.records
    present = [d for d in UCR_DATASETS if any(r["dataset"] == d for r in recs)]
    sections = _header("UCR/UEA series classification (sktime's bundled sets)", args)
    sections += [
        f"sktime {_version('sktime')}'s bundled .ts files, the archive's "
        "train/test splits; univariate series z-normalised each, multivariate "
        "sets standardised per channel with training statistics (NaN padding "
        "for unequal lengths). CNNs: `CNNClassifier(architecture=A, "
        f"batch_size=16, lr=0.001, max_epochs={epochs}, random_state=seed)`, "
        "preset defaults, the default cosine learning-rate schedule, no early "
        "stopping, last epoch's network. MiniRocket: "
        "sktime MiniRocket (univariate) / MiniRocketMultivariate / "
        "MiniRocketMultivariateVariable (unequal lengths) + "
        "StandardScaler(with_mean=False) + RidgeClassifierCV. Test accuracy "
        "mean ± std (ddof=1) over the seeds present (requested: "
        f"{list(seeds)}). Published: Ismail Fawaz et al. (dl-4-tsc; "
        "hfawaz/InceptionTime), mean ± std over their runs, trained for "
        "1500-2000 epochs with learning-rate reduction and the best-training-"
        "loss checkpoint, so not the same protocol.",
        "",
        "Cells rerun after the NaN-padding fixes of sessions 50-51 (the "
        "earlier records in `cnn_runs/superseded_*`): JapaneseVowels, all "
        "methods (session 51), and PLAID's fcn and tcn (session 52); both "
        "reruns ran on a machine loaded by other work, so their fit and "
        "predict times are not comparable with the other cells'. PLAID's "
        "resnet and inception cells predate the fixes (see the docstring of "
        "`benchmarks/cnn.py`).",
        "",
        *store.provenance(recs),
    ]

    def cell(name, method):
        return [r for r in recs if r["dataset"] == name and r["method"] == method]

    # Summary: data sets x methods.
    complete = [d for d in present if all(cell(d, m) for m in UCR_METHODS)]
    rows = []
    for d in present:
        rows.append([d] + [mean_std([r["accuracy"] for r in cell(d, m)])
                           if cell(d, m) else "—" for m in UCR_METHODS])
    def mean_acc(d, m):
        return np.mean([r["accuracy"] for r in cell(d, m)])

    if complete:
        rows.append([f"**mean over {len(complete)} complete sets**"] + [
            f"**{np.mean([mean_acc(d, m) for d in complete]):.4f}**"
            for m in UCR_METHODS])
        ratios = []
        for m in UCR_METHODS:
            rs = [np.mean([r["fit_s"] for r in cell(d, m)])
                  / np.mean([r["fit_s"] for r in cell(d, "minirocket")])
                  for d in complete]
            ratios.append(f"{np.exp(np.mean(np.log(rs))):.1f}")
        rows.append(["fit time / MiniRocket (geometric mean)"] + ratios)
    sections += [
        "### Test accuracy, all data sets",
        "",
        markdown_table(["data set", *[METHOD_NAMES[m] for m in UCR_METHODS]], rows),
        "",
    ]
    # Difference to the published numbers, per method.
    rows = []
    for m in PUBLISHED_KEY:
        diffs = []
        for d in present:
            _, pub = _published(d, m)
            if pub is not None and cell(d, m):
                diffs.append((d, np.mean([r["accuracy"] for r in cell(d, m)]), pub))
        if diffs:
            rows.append([METHOD_NAMES[m], len(diffs),
                         f"{np.mean([o for _, o, _ in diffs]):.4f}",
                         f"{np.mean([p for _, _, p in diffs]):.4f}",
                         f"{np.mean([o - p for _, o, p in diffs]):+.4f}",
                         ", ".join(d for d, _, _ in diffs)])
    if rows:
        sections += [
            "### Against the published numbers (data sets with one)",
            "",
            markdown_table(["method", "data sets", "ours (mean)", "published (mean)",
                            "ours - published", "sets"], rows),
            "",
        ]
    for d in present:
        any_rec = next(r for r in recs if r["dataset"] == d)
        rocket_fit = [r["fit_s"] for r in cell(d, "minirocket")]
        rows = []
        for m in UCR_METHODS:
            rs = cell(d, m)
            if not rs:
                rows.append([METHOD_NAMES[m], "—", 0, *["—"] * 6])
                continue
            acc = np.mean([r["accuracy"] for r in rs])
            fit = np.mean([r["fit_s"] for r in rs])
            pub_text, pub = _published(d, m) if m != "minirocket" else ("—", None)
            rows.append([
                METHOD_NAMES[m], mean_std([r["accuracy"] for r in rs]), len(rs),
                mean_std([r["train_accuracy"] for r in rs]),
                f"{fit:.1f}", f"{np.mean([r['predict_s'] for r in rs]):.2f}",
                f"{fit / np.mean(rocket_fit):.1f}" if rocket_fit else "—",
                pub_text, "—" if pub is None else f"{acc - pub:+.4f}",
            ])
        lo, hi = any_rec["lengths"]
        length = f"length {lo}" if lo == hi else f"unequal length {lo}-{hi}, NaN-padded"
        sections += [
            f"### {d}",
            "",
            f"{any_rec['n_train']} train / {any_rec['n_test']} test series, "
            f"{any_rec['n_classes']} classes, {any_rec['channels']} channel(s), "
            f"{length}.",
            "",
            markdown_table(["method", "test accuracy", "runs", "train accuracy",
                            "fit (s)", "predict (s)", "fit / MiniRocket",
                            "published", "ours - published"], rows),
            "",
        ]
    pub = _published_json()
    sections += [
        "Notes from `published_tsc.json`: " + " ".join(
            f"{k}: {v}" for k, v in pub["notes"].items()),
        "",
        f"Load average at the end: {load_average()}.",
    ]
    return "\n".join(sections)


# -------------------------------------------------------------- imbalance


def imbalanced_indices(y, seed, majority, kind, rho):
    """Row indices of one imbalanced training set (see the docstring)."""
    rng = np.random.RandomState(seed)
    base = {c: rng.choice(np.flatnonzero(y == c), majority, replace=False)
            for c in range(10)}
    minority = rng.choice(10, 5, replace=False)
    order = rng.permutation(10)
    if kind == "step":
        sizes = {c: max(1, round(majority / rho)) if c in minority else majority
                 for c in range(10)}
    else:  # linear from majority down to majority / rho
        steps = np.round(np.linspace(majority, majority / rho, 10)).astype(int)
        sizes = {int(c): max(1, int(s)) for c, s in zip(order, steps)}
    idx = np.concatenate([base[c][: sizes[c]] for c in range(10)])
    return idx, sizes, sorted(int(c) for c in minority)


def imbalance(args):
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    from skdeep.cnn import CNNClassifier

    seeds = args.seed_list("imbalance")
    Xtr, ytr, Xte, yte = load_fashion()
    majority, epochs = 1000, args.imbalance_epochs
    if args.smoke:
        majority, epochs = 40, 1
        keep = np.concatenate([np.flatnonzero(yte == c)[:20] for c in range(10)])
        Xte, yte = Xte[keep], yte[keep]
    config = dict(majority=majority, epochs=epochs, n_test=len(yte))
    store = Store(args.out_dir, "imbalance", config, _command())
    if not args.merge:
        for seed in seeds:
            for kind, rho in IMBALANCE_SETTINGS:
                idx, sizes, _ = imbalanced_indices(ytr, seed, majority, kind, rho)
                for method, params in IMBALANCE_METHODS.items():
                    key = dict(setting=f"{kind} rho={rho}", method=method, seed=seed)
                    if store.get(**key) is not None:
                        continue
                    est = CNNClassifier(max_epochs=epochs, random_state=seed,
                                        device=args.device, **params)
                    with Timer() as t:
                        est.fit(Xtr[idx], ytr[idx])
                    proba = est.predict_proba(Xte)
                    pred = est.classes_[proba.argmax(1)]
                    train_pred = est.predict(Xtr[idx])
                    rec = store.add(dict(
                        **key, n_train=len(idx), sizes=[sizes[c] for c in range(10)],
                        auc=float(roc_auc_score(yte, proba, multi_class="ovr")),
                        balanced_accuracy=float(balanced_accuracy_score(yte, pred)),
                        train_balanced_accuracy=float(
                            balanced_accuracy_score(ytr[idx], train_pred)),
                        fit_s=t.seconds))
                    print(f"{key}: AUC {rec['auc']:.4f} bal.acc "
                          f"{rec['balanced_accuracy']:.4f} (train "
                          f"{rec['train_balanced_accuracy']:.4f}) {t.seconds:.1f}s",
                          flush=True)
    return imbalance_tables(store, seeds, majority, epochs, len(yte), args)


def imbalance_tables(store, seeds, majority, epochs, n_test, args):
    recs = store.records
    sections = _header("Class imbalance on Fashion-MNIST (Buda et al., 2018)", args)
    sections += [
        f"Training sets from the training split: {majority} images per "
        f"majority class (a fixed subset per seed); step imbalance with 5 "
        f"minority classes (drawn per seed) at rho = 10 and 100, linear "
        f"imbalance at rho = 10. Every method: `CNNClassifier(max_epochs="
        f"{epochs}, random_state=seed)` (default architecture) plus its remedy. "
        f"Test: the balanced {n_test}-image test set. Mean ± std (ddof=1) over "
        f"the seeds present (requested {list(seeds)}). *Gap*: balanced "
        f"accuracy on the imbalanced training set minus on the test set.",
        "",
        *store.provenance(recs),
    ]
    verdicts = []
    for kind, rho in IMBALANCE_SETTINGS:
        setting = f"{kind} rho={rho}"
        rows, stats = [], {}
        for method in IMBALANCE_METHODS:
            rs = [r for r in recs if r["setting"] == setting and r["method"] == method]
            if not rs:
                continue
            gap = [r["train_balanced_accuracy"] - r["balanced_accuracy"] for r in rs]
            stats[method] = dict(auc=np.mean([r["auc"] for r in rs]),
                                 bacc=np.mean([r["balanced_accuracy"] for r in rs]),
                                 gap=np.mean(gap))
            rows.append([method, len(rs), mean_std([r["auc"] for r in rs]),
                         mean_std([r["balanced_accuracy"] for r in rs]),
                         mean_std([r["train_balanced_accuracy"] for r in rs]),
                         mean_std(gap), f"{np.mean([r['fit_s'] for r in rs]):.1f}"])
        if not rows:
            continue
        first = min((r for r in recs if r["setting"] == setting),
                    key=lambda r: r["seed"])
        sizes = first["sizes"]
        sections += [
            f"### {setting}",
            "",
            f"Class sizes (seed {first['seed']}, by class label): "
            f"{sizes}; {sum(sizes)} training images.",
            "",
            markdown_table(["method", "runs", "ROC AUC (ovr, macro)",
                            "balanced accuracy", "train balanced accuracy", "gap",
                            "fit (s)"], rows),
            "",
        ]
        best_auc = max(stats, key=lambda m: stats[m]["auc"])
        best_bacc = max(stats, key=lambda m: stats[m]["bacc"])
        over, none = "sampling='oversample'", "none"
        if over in stats and none in stats:
            gap_over, gap_none = stats[over]["gap"], stats[none]["gap"]
            verdicts.append(dict(setting=setting, best_auc=best_auc,
                                 best_bacc=best_bacc,
                                 over_best=best_auc == over,
                                 gap_over=gap_over, gap_none=gap_none,
                                 # equal gaps count as "not larger"
                                 gap_ok=gap_over <= gap_none + 1e-9))
    if verdicts:
        rows = [[v["setting"], v["best_auc"], v["best_bacc"], f"{v['gap_over']:+.4f}",
                 f"{v['gap_none']:+.4f}",
                 "yes" if v["gap_ok"] else "no"]
                for v in verdicts]
        n_best = sum(v["over_best"] for v in verdicts)
        n_gap = sum(v["gap_ok"] for v in verdicts)
        holds = n_best == len(verdicts) == 3 and n_gap == 3
        sections += [
            "### Does Buda et al.'s finding reproduce?",
            "",
            markdown_table(["setting", "best by ROC AUC", "best by balanced accuracy",
                            "gap oversample", "gap none",
                            "oversample gap <= none gap"], rows),
            "",
            f"Oversampling has the highest mean ROC AUC in {n_best} of "
            f"{len(verdicts)} settings, and a train - test gap no larger than no "
            f"remedy's in {n_gap} of {len(verdicts)}. By the rule declared in "
            f"the docstring, the finding "
            f"**{'reproduces' if holds else 'does not fully reproduce'}**"
            + ("" if len(verdicts) == 3 else " (not all settings were run)") + ".",
            "",
        ]
    sections.append(f"Load average at the end: {load_average()}.")
    return "\n".join(sections)


# --------------------------------------------------------------- transfer


def transfer(args):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from skdeep.cnn import CNNClassifier

    seeds = args.seed_list("transfer")
    Xtr, ytr, Xte, yte = load_fashion()
    src_tr = np.flatnonzero(ytr < 5)
    tgt_te = np.flatnonzero(yte >= 5)
    src_te = np.flatnonzero(yte < 5)
    source_epochs, target_epochs = args.source_epochs, args.target_epochs
    if args.smoke:
        src_tr, tgt_te, src_te = src_tr[:1000], tgt_te[:300], src_te[:300]
        source_epochs, target_epochs = 1, 1
    config = dict(source_epochs=source_epochs, target_epochs=target_epochs,
                  n_source=len(src_tr), n_test=len(tgt_te))
    store = Store(args.out_dir, "transfer", config, _command())
    source = None
    if not args.merge:
        for seed in seeds:
            rng = np.random.RandomState(seed)
            perms = {c: rng.permutation(np.flatnonzero(ytr == c)) for c in range(5, 10)}
            for k in TRANSFER_SIZES:
                idx = np.concatenate([perms[c][:k] for c in range(5, 10)])
                for method in TRANSFER_METHODS:
                    key = dict(per_class=k, method=method, seed=seed)
                    if store.get(**key) is not None:
                        continue
                    if source is None:
                        print(f"== transfer: source on {len(src_tr)} images",
                              flush=True)
                        source = CNNClassifier(max_epochs=source_epochs,
                                               random_state=0, device=args.device)
                        with Timer() as ts:
                            source.fit(Xtr[src_tr], ytr[src_tr])
                        source_acc = float(np.mean(
                            source.predict(Xte[src_te]) == yte[src_te]))
                        print(f"source accuracy (classes 0-4) {source_acc:.4f}, "
                              f"{ts.seconds:.1f}s", flush=True)
                    with Timer() as t:
                        if method == "frozen + logistic":
                            clf = LogisticRegression(max_iter=2000)
                            clf.fit(source.transform(Xtr[idx]), ytr[idx])
                            pred = clf.predict(source.transform(Xte[tgt_te]))
                        else:
                            params = dict(max_epochs=target_epochs, random_state=seed,
                                          device=args.device)
                            if method == "fine-tuned":
                                params.update(init_from=source, lr=1e-4, head_lr=1e-3)
                            chosen = None
                            if method == "fine-tuned (CV)":
                                source_path = _saved_source(source, args)
                                search = GridSearchCV(
                                    CNNClassifier(init_from=source_path, **params),
                                    [{k2: [v] for k2, v in g.items()}
                                     for g in TRANSFER_GRID],
                                    cv=StratifiedKFold(3, shuffle=True,
                                                       random_state=seed),
                                    error_score="raise",
                                ).fit(Xtr[idx], ytr[idx])
                                clf = search.best_estimator_
                                chosen = search.best_params_
                            else:
                                clf = CNNClassifier(**params).fit(Xtr[idx], ytr[idx])
                            pred = clf.predict(Xte[tgt_te])
                    extra = {} if method != "fine-tuned (CV)" else {
                        "chosen": {k2: v for k2, v in chosen.items()}}
                    rec = store.add(dict(**key, accuracy=float(np.mean(
                        pred == yte[tgt_te])), seconds=t.seconds,
                        source_accuracy=source_acc, source_fit_s=ts.seconds,
                        **extra))
                    print(f"{key}: accuracy {rec['accuracy']:.4f} "
                          f"({t.seconds:.1f}s)", flush=True)
    return transfer_tables(store, seeds, config, args)


def _saved_source(source, args):
    """The source estimator as an skdeep file (written once per run)."""
    from skdeep import io

    path = Path(args.out_dir or RESULTS.parent / "cnn_runs") / "transfer_source.skdeep"
    if getattr(args, "_source_saved", None) is not source:
        path.parent.mkdir(parents=True, exist_ok=True)
        io.save(source, path)
        args._source_saved = source
    return str(path)


def transfer_tables(store, seeds, config, args):
    recs = store.records
    sections = _header("Transfer: Fashion-MNIST classes 0-4 -> classes 5-9", args)
    src = next((r for r in recs), None)
    sections += [
        f"Source: default `CNNClassifier(max_epochs={config['source_epochs']}, "
        f"random_state=0)` on the {config['n_source']} training images of "
        f"classes 0-4 ({', '.join(FASHION_NAMES[:5])}), fitted once and shared "
        f"by all seeds"
        + (f"; its test accuracy on classes 0-4: {src['source_accuracy']:.4f}, "
           f"fit {src['source_fit_s']:.0f} s" if src else "")
        + f". Target: classes 5-9 ({', '.join(FASHION_NAMES[5:])}), k labelled "
        f"training images per class (drawn per seed, nested), test on the "
        f"{config['n_test']} test images of classes 5-9. Fine-tuned: "
        f"`init_from=source, lr=1e-4, head_lr=1e-3, max_epochs="
        f"{config['target_epochs']}`; frozen: `LogisticRegression(max_iter=2000)`"
        f" on `source.transform(X)`; scratch: default `CNNClassifier(max_epochs="
        f"{config['target_epochs']})`; fine-tuned (CV): (lr, head_lr, freeze) "
        f"by 3-fold CV on the labelled images from {TRANSFER_GRID} (added after "
        f"the first three columns had been run; see the docstring). "
        f"Accuracy mean ± std (ddof=1) over the "
        f"seeds present (requested {list(seeds)}); *wins* counts the seeds where "
        f"the method beats scratch on the same images.",
        "",
        *store.provenance(recs),
    ]

    def acc(k, m):
        return {r["seed"]: r["accuracy"] for r in recs
                if r["per_class"] == k and r["method"] == m}

    rows, statements = [], []
    for k in TRANSFER_SIZES:
        scratch = acc(k, "scratch")
        row = [k]
        for m in TRANSFER_METHODS:
            a = acc(k, m)
            cell = mean_std(list(a.values()))
            if m != "scratch" and scratch and a:
                common = sorted(set(a) & set(scratch))
                wins = sum(a[s] > scratch[s] for s in common)
                diff = np.mean([a[s] for s in common]) - np.mean(
                    [scratch[s] for s in common])
                cell += f" (vs scratch {diff:+.4f}, wins {wins}/{len(common)})"
                if k in (10, 50):
                    statements.append(
                        f"at {k} per class, {m} "
                        f"{'beats' if diff > 0 else 'does not beat'} scratch "
                        f"({diff:+.4f}, {wins}/{len(common)} seeds)")
            row.append(cell)
        rows.append(row)
    sections += [
        markdown_table(["labelled per class", *TRANSFER_METHODS], rows),
        "",
    ]
    if statements:
        sections += ["Transfer vs scratch: " + "; ".join(statements) + ".", ""]
    sections.append(f"Load average at the end: {load_average()}.")
    return "\n".join(sections)


# ------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=[*PARTS, "all"], default="all")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, 1-2 epochs: checks the harness in < 2 min; "
                         "prints, writes no results file")
    ap.add_argument("--seeds", type=int, default=None,
                    help="seeds 0..N-1 (default per part: fashion 1, ucr 3, "
                         "imbalance 3, transfer 5)")
    ap.add_argument("--max-epochs", type=int, default=None,
                    help="fashion: override the CNN's default max_epochs")
    ap.add_argument("--ucr-epochs", type=int, default=100)
    ap.add_argument("--imbalance-epochs", type=int, default=15)
    ap.add_argument("--source-epochs", type=int, default=10)
    ap.add_argument("--target-epochs", type=int, default=50)
    ap.add_argument("--throughput-repeats", type=int, default=3)
    ap.add_argument("--datasets", default=None,
                    help="ucr: comma-separated subset (default: all nine)")
    ap.add_argument("--out-dir", default=None,
                    help="JSON lines of ucr/imbalance/transfer cells (default "
                         "benchmarks/cnn_runs/; smoke: a temporary folder)")
    ap.add_argument("--merge", action="store_true",
                    help="ucr/imbalance/transfer: only build tables from --out-dir")
    ap.add_argument("--results", default=None,
                    help="markdown file to write (default benchmarks/results/cnn.md)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch threads (default: torch's default); see docstring")
    args = ap.parse_args()
    if args.threads is None and args.smoke:
        args.threads = 1  # see the docstring: robust on a busy machine
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    def seed_list(part):
        if args.seeds is not None:
            return list(range(args.seeds))
        return list(range((SMOKE_SEEDS if args.smoke else DEFAULT_SEEDS)[part]))

    def dataset_list():
        if args.datasets:
            names = [d.strip() for d in args.datasets.split(",") if d.strip()]
            unknown = set(names) - set(UCR_DATASETS)
            if unknown:
                ap.error(f"unknown data sets {sorted(unknown)}; choose from "
                         f"{', '.join(UCR_DATASETS)}")
            return [d for d in UCR_DATASETS if d in names]
        return list(SMOKE_UCR_DATASETS if args.smoke else UCR_DATASETS)

    args.seed_list, args.dataset_list = seed_list, dataset_list
    if args.out_dir is None:
        args.out_dir = (tempfile.mkdtemp(prefix="skdeep_cnn_smoke_") if args.smoke
                        else str(_HERE / "cnn_runs"))
    warnings.filterwarnings("ignore", category=FutureWarning)
    # sktime's MiniRocketMultivariateVariable on univariate PLAID: a hint only.
    warnings.filterwarnings("ignore", message="X is univariate")
    start = time.perf_counter()
    for part, fn in (("fashion", fashion), ("ucr", ucr),
                     ("imbalance", imbalance), ("transfer", transfer)):
        if args.part in (part, "all"):
            if args.merge and part == "fashion":
                print("--merge: the fashion part keeps no JSON lines; skipped")
                continue
            with Timer() as t:
                section = fn(args)
            _emit(section, part, args)
            print(f"part {part} done in {t.seconds:.0f} s", flush=True)
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
