"""Autoencoder benchmarks: skdeep against PCA, PyOD and a plain torch loop.

Run by hand (not part of the tests):

    .venv/bin/python benchmarks/autoencoders.py                 # all four sections
    .venv/bin/python benchmarks/autoencoders.py --sections pca throughput
    .venv/bin/python benchmarks/autoencoders.py --splits 5 --odds cardio pima

Needs PyOD (``pip install pyod``) for the outlier section and the ODDS data in
``../shared/data/odds``. Writes ``benchmarks/results/autoencoders.md``; run
alone, the ``odds_loo`` section replaces only its own section there (the
others come from other runs).

Sections
--------
pca         held-out reconstruction MSE vs scikit-learn PCA, k = 2, 8, 16, on
            load_digits (standardized with training statistics, 25% held out).
outliers    ROC-AUC and fit time vs PyOD's AutoEncoder (defaults of both) on ODDS
            sets: PyOD's benchmark protocol (60/40 split, standardized with the
            training statistics), the same splits and contamination for both.
throughput  training samples/s of AutoencoderTransformer vs a plain torch loop
            with the identical network, optimizer and batch size.
denoising   MSE against the clean digits of the plain and the denoising
            autoencoder, given noisy inputs.
odds_loo    The detector's defaults chosen by leave-one-data-set-out over the 21
            ODDS sets (issue #15), against PyOD's AutoEncoder and IForest.
            Not in the default run: ``--sections odds_loo``.

The ``odds_loo`` protocol (declared before its first run, 2026-12-02)
--------------------------------------------------------------------
Data: the 21 ODDS ``.mat`` sets in ``../shared/data/odds`` (all of them).
Splits: per set, ``--loo-splits`` (3) stratified 60/40 splits, seeds 0, 1, 2
(``train_test_split(stratify=y, random_state=seed)``; stratified so that the
small sets keep outliers in both parts). Features standardized with the
training part's statistics (sklearn StandardScaler), as PyOD's benchmark does;
every method gets the same arrays. Each method is fitted on the training part
without labels (contamination = the training part's outlier share, which does
not change a ranking) and scored by ROC-AUC on the test part. No subsampling.
Methods, all run in the same process on the same splits:

* eight candidate default configurations of ``AutoencoderOutlierDetector``
  (``ODDS_CANDIDATES``; every parameter passed explicitly, each fitted with
  ``random_state=seed``). ``p`` is the number of features and ``n`` the number
  of training rows; a rule of ``n`` or ``p`` uses the training shape only:

  - ``before``: the defaults before issue #15: hidden (64,), code 32, dropout
    0.2, batch norm, lr 3e-3, batch 128, 20 epochs.
  - ``pyod_schedule``: that network with PyOD's training schedule: lr 1e-3,
    batch 32, 10 epochs, weight decay 1e-5.
  - ``steps300``, ``steps1000``, ``steps3000``: that network, lr 1e-3, batch
    64, and a fixed number of gradient steps instead of a fixed number of
    epochs: ``max_epochs = ceil(S / ceil(n / 64))`` for S = 300, 1000, 3000
    (small sets get many epochs, big ones few).
  - ``steps1000_lr3e-3``: ``steps1000`` with the old lr 3e-3 and batch 128
    (the step rule alone on the old schedule).
  - ``relative_steps1000``: ``steps1000`` with widths relative to the input:
    hidden (clip(2p, 32, 512),), code clip(p, 8, 256).
  - ``bottleneck_steps1000``: ``steps1000`` with hidden (clip(2p, 32, 512),)
    and an under-complete code max(2, ceil(p / 4)).

* PyOD ``AutoEncoder(contamination=..., random_state=seed, verbose=0)`` and
  PyOD ``IForest(contamination=..., random_state=seed)``, their defaults.

Selection (leave one data set out): for each held-out set h, every candidate
gets its mean AUC over the splits on each of the other 20 sets; candidates are
ranked within each set (1 = best AUC, ties share the mean rank) and the
candidate with the lowest mean rank over the 20 wins (ties: higher mean AUC
over the 20, then the order above). The reported skdeep figure for h is that
candidate's AUC on h, which took no part in choosing it. Reported: the per-set
table (LOO-chosen skdeep, ``before``, PyOD AutoEncoder, IForest, and the gap to
PyOD AutoEncoder), mean AUC, mean rank of those four methods per set, the
worst gap, and how often each candidate was chosen. The new default is the
candidate chosen most often by the 21 LOO selections (ties: the better mean
rank over all 21 sets); its own per-set figures are in-sample for the
selection and are not claimed as held-out evidence.

Outcome of the 2026-12-02 run (added after it): ``steps3000`` was chosen for
all 21 held-out sets and became the default (``max_epochs="auto"``, lr 1e-3,
batch 64); see ``benchmarks/results/autoencoders.md``.

Second declared round (declared 2026-12-02, before its run; issue #15 item 1)
---------------------------------------------------------------------------
Why: round 1 left one set, pendigits, worse than PyOD AutoEncoder by more than
0.05 (-0.089 +- 0.045), and a default fit took 11.1 s against PyOD's 4.3 s.
Diagnosis, on the TRAINING parts only (training labels, seeds 0-2; AUC of the
training rows' scores, i.e. how well the outliers the model was trained on
stand out): on pendigits the round-1 default's training AUC swings between
0.70 and 0.81 from checkpoint to checkpoint (250..3000 steps), with no clear
trend in the number of steps, and leaving the largest per-batch errors out of
the loss raises it at every checkpoint (3000 steps: 0.797 plain, 0.827 with
5% trimmed, 0.855 with 10%); the same holds on the training parts of
annthyroid (0.687 / 0.799 / 0.855) and vowels (0.858 / 0.865 / 0.885). So
the cause is the contaminated training data (the network also learns to
reconstruct the training outliers), not the number of steps as such; PyOD's
network (a ReLU + batch-norm + dropout code layer) also did better there, but
is not a candidate here. Round 2 adds a contamination-robust objective, the
new ``trim`` parameter of ``AutoencoderOutlierDetector`` (the mean loss of
each batch without its ``floor(trim * batch)`` largest per-row errors), at
fixed fractions, with fewer steps too (fit time):

  - ``trim05_steps1000``, ``trim10_steps1000``, ``trim20_steps1000``:
    ``steps1000`` (the old network, lr 1e-3, batch 64, about 1000 steps) with
    ``trim`` = 0.05, 0.1, 0.2.
  - ``trim10_steps300``: ``steps300`` with ``trim=0.1``.
  - ``trim05_steps3000``, ``trim10_steps3000``: ``steps3000`` (the round-1
    default) with ``trim`` = 0.05, 0.1.

``trim`` is not tied to ``contamination`` in any candidate: this benchmark
passes the training part's true outlier share as ``contamination``, so a tie
would feed the labels into training. Everything else is unchanged: the same
sets, splits, seeds, metric and peers, the 630 round-1 records reused (resume),
and the same decision rule, now over all 14 candidates (ranks among the 14 per
set; for each held-out set the lowest mean rank over the other 20 wins; the
new default is the candidate chosen most often; ties as above). If a round-2
candidate is chosen most often, it becomes the default (``trim`` and the step
count of ``max_epochs="auto"``); otherwise the round-1 default stays. The
report adds the round-1 held-out figures (the same rule over the 8 round-1
candidates) beside the round-2 ones, and fit times.

Outcome of round 2 (added after its run): ``trim20_steps1000`` was chosen for
19 of the 21 held-out sets (``trim10_steps1000`` and ``trim10_steps3000`` once
each) and became the default (``trim=0.2``, ``max_epochs="auto"`` now giving
about 1000 steps). Held-out mean AUC 0.8312 (round 1: 0.8129; PyOD
AutoEncoder 0.8033, IForest 0.8307); pendigits +0.075 against PyOD
AutoEncoder (round 1: -0.089), but lympho is now -0.075 +- 0.047, so the
per-set target is still missed on one set. Nothing was changed after the run.

Third declared round (declared 2026-12-03, before its run, AFTER round 2's
held-out results had been seen; issue #15 item 1)
---------------------------------------------------------------------------
Why: round 2's default misses the per-set target on lympho only (-0.075 +-
0.047 against PyOD AutoEncoder; 148 rows, 2 or 3 outliers per test part).
Diagnosis on the TRAINING parts only (the benchmark's splits, seeds 0-2;
within each training part a stratified 4-fold cross-validation, AUC of the
pooled out-of-fold scores; no test part and no test-part AUC was used):

  - the fixed 1000 steps give the smallest sets hundreds of epochs (lympho's
    88 training rows: 500 epochs of 2 batches). Capping the epochs at 50
    raised the within-training CV AUC on lympho (0.955 -> 0.970; PyOD
    AutoEncoder 0.975, 10 epochs) and on glass, vertebral, ionosphere,
    arrhythmia, breastw, pima, vowels and cardio (+0.002 to +0.024; the
    CV folds are 3/4 of the training part, so cardio's get capped too) and
    lowered it on wbc (-0.011) and letter (-0.006); a cap of 20 epochs
    raised vowels and arrhythmia more but lowered letter by 0.027 and pima
    by 0.011. Fewer epochs also cut the fit time on small sets. So on
    small sets the network over-fits its few rows; the step count carries
    over between sizes only above about 1000 rows.
  - checked and not the cause on lympho: the trimmed loss (trim=0: CV AUC
    0.908; round 1's steps3000, untrimmed: 0.832, both below the shipped
    0.955); standardization of the rare categorical codes (no column is
    constant in any training part, and the squared z-score distance alone,
    which weighs rare codes most, scores 0.973 in the same CV); averaging
    three networks of different seeds (0.933). Seed variance is large:
    another seed of the shipped default moves a split's CV AUC by 0.01 to
    0.035 on lympho, as much as the cap's effect.

Round 3 adds the cap on the epochs of ``max_epochs="auto"`` (the step rule,
at most E epochs), with round 2's default otherwise (trim 0.2, lr 1e-3,
batch 64, about 1000 steps); the cap binds only on sets with fewer than
about 64000 / E training rows:

  - ``trim20_steps1000_ep100``, ``trim20_steps1000_ep50``,
    ``trim20_steps1000_ep20``: ``max_epochs = min(ceil(1000 / ceil(n /
    64)), E)`` for E = 100, 50, 20.

Where the cap does not bind, a candidate's parameters equal
``trim20_steps1000``'s; it is fitted anyway (and should tie). Everything else
is unchanged: the same sets, splits, seeds, metric and peers, the 1008
round-1 and round-2 records reused (resume), and the same decision rule, now
over all 17 candidates (ranks among the 17 per set; for each held-out set the
lowest mean rank over the other 20 wins; the new default is the candidate
chosen most often; ties as above). If a round-3 candidate is chosen most
often, its cap becomes part of ``max_epochs="auto"``; otherwise round 2's
default stays, even if lympho stays short. The report adds round 3's
held-out figures beside rounds 1 and 2.

Outcome of round 3 (added after its run): ``trim20_steps1000_ep20`` was
chosen for all 21 held-out sets and became the default (``max_epochs="auto"``
now gives ``min(ceil(1000 / ceil(n / 64)), 20)`` epochs). Held-out mean AUC
0.8409 (round 2: 0.8312; PyOD AutoEncoder 0.8033, IForest 0.8307); every set
within 0.05 of PyOD AutoEncoder, the worst lympho -0.040 +- 0.030. Lympho's
figure is fragile: the caps of 100 and 50 epochs, which the training-part CV
had rated as good as 20 there, gave -0.124 and -0.112 on its test parts.
Where the cap does not bind the round-3 fits reproduced round 2's AUCs
exactly. Nothing was changed after the run. The training-part diagnosis
above: ``benchmarks/autoencoders_runs/diagnose_epoch_cap.py`` (its records in
``diagnose_epoch_cap.jsonl`` there; ``--table`` prints the CV AUCs).

Every fit appends one JSON line (method, set, seed, AUC, fit seconds, load
average, commit) to ``benchmarks/autoencoders_runs/odds_loo.jsonl``; a rerun
skips the cells already there (resume) and rebuilds the tables from the file.
Run single-threaded: ``OMP_NUM_THREADS=1 .venv/bin/python
benchmarks/autoencoders.py --sections odds_loo --output /tmp/odds_loo.md``.
"""

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.append(str(Path(__file__).resolve().parent))  # after the stdlib
from _common import RESULTS, Timer, machine, markdown_table, shared_data  # noqa: E402

from skdeep.autoencoder import (  # noqa: E402
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
)
from skdeep.autoencoder._modules import AutoencoderLoss, DenseAutoencoderModule  # noqa: E402
from skdeep.utils._training import auto_epochs  # noqa: E402

ODDS_NAMED = ["cardio", "pima", "satellite", "shuttle", "mnist", "thyroid"]


def digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, _ = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


def section_pca(args):
    from sklearn.decomposition import PCA

    X_train, X_test = digits_split()
    rows = []
    for k in (2, 8, 16):
        pca = PCA(n_components=k).fit(X_train)
        pca_mse = np.mean((X_test - pca.inverse_transform(pca.transform(X_test))) ** 2)
        with Timer() as t:
            ae = AutoencoderTransformer(
                hidden_layer_sizes=(256, 128),
                code_size=k,
                max_epochs=200,
                weight_decay=1e-5,
                random_state=0,
            ).fit(X_train)
        ae_mse = -ae.score(X_test)
        rows.append(
            (k, f"{pca_mse:.4f}", f"{ae_mse:.4f}", f"{ae_mse / pca_mse:.2f}",
             "yes" if ae_mse < pca_mse else "no", f"{t.seconds:.1f}")
        )
        print(rows[-1], flush=True)
    return (
        "### Held-out reconstruction MSE on load_digits (standardized, 25% held out)\n\n"
        "AutoencoderTransformer(hidden_layer_sizes=(256, 128), max_epochs=200, "
        "weight_decay=1e-5, random_state=0) vs sklearn PCA.\n\n"
        + markdown_table(
            ["k", "PCA MSE", "AE MSE", "AE / PCA", "AE better", "AE fit (s)"], rows
        )
    )


def load_odds(name):
    import scipy.io

    m = scipy.io.loadmat(shared_data() / "odds" / f"{name}.mat")
    return m["X"].astype(np.float64), m["y"].ravel().astype(int)


def section_outliers(args):
    from pyod.models.auto_encoder import AutoEncoder
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    rows, wins, faster = [], 0, 0
    for name in args.odds:
        X, y = load_odds(name)
        auc_s, auc_p, t_s, t_p = [], [], [], []
        for split in range(args.splits):
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.4, random_state=split
            )
            scaler = StandardScaler().fit(X_tr)
            X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
            contamination = float(np.clip(y_tr.mean(), 0.01, 0.5))
            with Timer() as t:
                ours = AutoencoderOutlierDetector(
                    contamination=contamination, random_state=split
                ).fit(X_tr)
            t_s.append(t.seconds)
            auc_s.append(roc_auc_score(y_te, -ours.score_samples(X_te)))
            with Timer() as t:
                peer = AutoEncoder(
                    contamination=contamination, random_state=split, verbose=0
                ).fit(X_tr)
            t_p.append(t.seconds)
            auc_p.append(roc_auc_score(y_te, peer.decision_function(X_te)))
        ms, mp = np.mean(auc_s), np.mean(auc_p)
        se = lambda v: np.std(v, ddof=1) / np.sqrt(len(v))  # noqa: E731
        wins += ms >= mp
        faster += np.mean(t_s) < np.mean(t_p)
        rows.append(
            (name, X.shape, f"{ms:.4f} ± {se(auc_s):.4f}", f"{mp:.4f} ± {se(auc_p):.4f}",
             f"{ms - mp:+.4f}", f"{np.mean(t_s):.2f}", f"{np.mean(t_p):.2f}",
             f"{np.mean(t_p) / np.mean(t_s):.2f}x")
        )
        print(rows[-1], flush=True)
    return (
        f"### Outlier detection on ODDS: ROC-AUC and fit time vs PyOD AutoEncoder\n\n"
        f"Mean ± standard error over {args.splits} random 60/40 splits (seeds "
        f"0..{args.splits - 1}), features standardized with the training statistics, "
        f"contamination = training outlier share, both with their defaults "
        f"(skdeep AutoencoderOutlierDetector(); PyOD AutoEncoder(verbose=0)). "
        f"skdeep's AUC >= PyOD's on {wins} of {len(args.odds)} sets; faster on "
        f"{faster} of {len(args.odds)}.\n\n"
        + markdown_table(
            ["data set", "shape", "skdeep AUC", "PyOD AUC", "difference",
             "skdeep fit (s)", "PyOD fit (s)", "speed-up"],
            rows,
        )
    )


def section_throughput(args):
    from sklearn.datasets import load_digits

    X, _ = load_digits(return_X_y=True)
    X = np.tile((X / 16).astype(np.float32), (5, 1))  # 8,985 rows
    rows = []
    for hidden, batch_size in (((64,), 128), ((256, 128), 128), ((64,), 32), ((64,), 512)):
        epochs = 20

        def plain_loop():
            torch.manual_seed(0)
            module = DenseAutoencoderModule(64, hidden, 8)
            optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
            criterion = AutoencoderLoss()
            X_t = torch.from_numpy(X)
            start = time.perf_counter()
            for _ in range(epochs):
                order = torch.randperm(len(X_t))
                for i in range(0, len(X_t), batch_size):
                    xb = X_t[order[i : i + batch_size]]
                    optimizer.zero_grad()
                    loss = criterion(module(xb), xb)
                    loss.backward()
                    optimizer.step()
            return time.perf_counter() - start

        def skdeep_fit():
            ae = AutoencoderTransformer(
                hidden, code_size=8, max_epochs=epochs, batch_size=batch_size,
                random_state=0,
            )
            start = time.perf_counter()
            ae.fit(X)
            return time.perf_counter() - start

        skdeep_fit(), plain_loop()  # warm up
        t_plain = min(plain_loop() for _ in range(args.repeats))
        t_ours = min(skdeep_fit() for _ in range(args.repeats))
        n = epochs * len(X)
        rows.append(
            (str(hidden), batch_size, f"{n / t_plain:,.0f}", f"{n / t_ours:,.0f}",
             f"{t_plain / t_ours:.2f}")
        )
        print(rows[-1], flush=True)
    return (
        "### Training throughput: AutoencoderTransformer vs a plain torch loop\n\n"
        f"load_digits tiled to {len(X):,} rows, 20 epochs, Adam lr=1e-3, identical "
        f"module and loss; best of {args.repeats} runs each; samples/s. The fit time "
        f"includes skdeep's input validation and net construction. Run on "
        f"{machine()}; reproduce with `.venv/bin/python benchmarks/autoencoders.py "
        f"--sections throughput`.\n\n"
        + markdown_table(
            ["hidden layers", "batch size", "plain loop (samples/s)",
             "skdeep (samples/s)", "skdeep / plain"],
            rows,
        )
    )


def section_denoising(args):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, _ = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    rng = np.random.RandomState(0)
    rows = []
    for noise, level in (("gaussian", 0.3), ("gaussian", 0.5), ("masking", 0.3)):
        if noise == "gaussian":
            noisy = X_test + level * rng.standard_normal(X_test.shape)
        else:
            noisy = X_test * (rng.uniform(size=X_test.shape) >= level)
        common = dict(hidden_layer_sizes=(256, 128), code_size=32, max_epochs=100,
                      random_state=0)
        plain = AutoencoderTransformer(**common).fit(X_train)
        dae = AutoencoderTransformer(noise=noise, noise_level=level, **common).fit(X_train)
        mse_noisy = np.mean((noisy - X_test) ** 2)
        mse_plain = np.mean((plain.reconstruct(noisy) - X_test) ** 2)
        mse_dae = np.mean((dae.reconstruct(noisy) - X_test) ** 2)
        rows.append(
            (f"{noise} {level}", f"{mse_noisy:.4f}", f"{mse_plain:.4f}",
             f"{mse_dae:.4f}", f"{mse_plain / mse_dae:.2f}x")
        )
        print(rows[-1], flush=True)
    return (
        "### Denoising: reconstruction of clean digits from noisy inputs\n\n"
        "load_digits / 16, 25% held out and corrupted; both autoencoders "
        "(256, 128) -> 32, 100 epochs; the denoising one is trained with the same "
        "corruption (noise=..., noise_level=...). MSE against the clean test images.\n\n"
        + markdown_table(
            ["corruption", "noisy input MSE", "plain AE MSE", "denoising AE MSE",
             "improvement"],
            rows,
        )
    )


ODDS_ALL = [
    "annthyroid", "arrhythmia", "breastw", "cardio", "glass", "ionosphere", "letter",
    "lympho", "mammography", "mnist", "musk", "optdigits", "pendigits", "pima",
    "satellite", "satimage-2", "shuttle", "thyroid", "vertebral", "vowels", "wbc",
]
RUNS = Path(__file__).resolve().parent / "autoencoders_runs"


def _steps_epochs(steps, batch_size):
    """``max_epochs`` giving about ``steps`` gradient steps on ``n`` rows
    (the detector's own rule, without its cap)."""
    return lambda n, p: auto_epochs(n, batch_size, steps, max_epochs=None)


def _clip(v, lo, hi):
    return int(min(max(v, lo), hi))


_OLD_NET = dict(hidden_layer_sizes=(64,), code_size=32, dropout=0.2, batch_norm=True,
                activation="relu", noise=None, standardize=True, variational=False)
# name -> (fixed parameters, rule of (n_train, n_features) -> more parameters);
# the protocol in the module docstring describes each.
ODDS_CANDIDATES = {
    "before": ({**_OLD_NET, "lr": 3e-3, "batch_size": 128, "max_epochs": 20,
                "weight_decay": 0.0}, None),
    "pyod_schedule": ({**_OLD_NET, "lr": 1e-3, "batch_size": 32, "max_epochs": 10,
                       "weight_decay": 1e-5}, None),
    "steps300": ({**_OLD_NET, "lr": 1e-3, "batch_size": 64, "weight_decay": 0.0},
                 lambda n, p: {"max_epochs": _steps_epochs(300, 64)(n, p)}),
    "steps1000": ({**_OLD_NET, "lr": 1e-3, "batch_size": 64, "weight_decay": 0.0},
                  lambda n, p: {"max_epochs": _steps_epochs(1000, 64)(n, p)}),
    "steps3000": ({**_OLD_NET, "lr": 1e-3, "batch_size": 64, "weight_decay": 0.0},
                  lambda n, p: {"max_epochs": _steps_epochs(3000, 64)(n, p)}),
    "steps1000_lr3e-3": (
        {**_OLD_NET, "lr": 3e-3, "batch_size": 128, "weight_decay": 0.0},
        lambda n, p: {"max_epochs": _steps_epochs(1000, 128)(n, p)}),
    "relative_steps1000": (
        {**_OLD_NET, "lr": 1e-3, "batch_size": 64, "weight_decay": 0.0},
        lambda n, p: {"max_epochs": _steps_epochs(1000, 64)(n, p),
                      "hidden_layer_sizes": (_clip(2 * p, 32, 512),),
                      "code_size": _clip(p, 8, 256)}),
    "bottleneck_steps1000": (
        {**_OLD_NET, "lr": 1e-3, "batch_size": 64, "weight_decay": 0.0},
        lambda n, p: {"max_epochs": _steps_epochs(1000, 64)(n, p),
                      "hidden_layer_sizes": (_clip(2 * p, 32, 512),),
                      "code_size": max(2, math.ceil(p / 4))}),
}
ODDS_ROUND1 = list(ODDS_CANDIDATES)
# The second declared round (module docstring): a trimmed loss, fewer steps.
_STEPS = {"lr": 1e-3, "batch_size": 64, "weight_decay": 0.0}
for _steps, _trim in ((1000, 0.05), (1000, 0.1), (1000, 0.2), (300, 0.1),
                      (3000, 0.05), (3000, 0.1)):
    ODDS_CANDIDATES[f"trim{round(100 * _trim):02d}_steps{_steps}"] = (
        {**_OLD_NET, **_STEPS, "trim": _trim},
        (lambda s: lambda n, p: {"max_epochs": _steps_epochs(s, 64)(n, p)})(_steps))
ODDS_ROUND2 = list(ODDS_CANDIDATES)
# The third declared round (module docstring): round 2's default, epochs capped.
for _cap in (100, 50, 20):
    ODDS_CANDIDATES[f"trim20_steps1000_ep{_cap}"] = (
        {**_OLD_NET, **_STEPS, "trim": 0.2},
        (lambda c: lambda n, p: {
            "max_epochs": min(_steps_epochs(1000, 64)(n, p), c)})(_cap))
ODDS_PEERS = ["pyod_autoencoder", "iforest"]


def _git_commit():
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root,
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        clean = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "skdeep"],
                               cwd=root).returncode == 0
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit if clean else commit + "+modified"


def _odds_fit_score(method, X_tr, X_te, y_te, contamination, seed):
    from sklearn.metrics import roc_auc_score

    if method == "pyod_autoencoder":
        from pyod.models.auto_encoder import AutoEncoder

        model = AutoEncoder(contamination=contamination, random_state=seed, verbose=0)
        score = lambda: model.decision_function(X_te)  # noqa: E731
    elif method == "iforest":
        from pyod.models.iforest import IForest

        model = IForest(contamination=contamination, random_state=seed)
        score = lambda: model.decision_function(X_te)  # noqa: E731
    else:
        fixed, rule = ODDS_CANDIDATES[method]
        params = {**fixed, **(rule(*X_tr.shape) if rule else {})}
        model = AutoencoderOutlierDetector(
            contamination=contamination, random_state=seed, **params
        )
        score = lambda: -model.score_samples(X_te)  # noqa: E731
    with Timer() as t:
        model.fit(X_tr)
    return float(roc_auc_score(y_te, score())), t.seconds


def _read_runs(path):
    import json

    if not path.exists():
        return {}
    runs = {}
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            runs[(r["method"], r["data"], r["seed"])] = r
    return runs


def _ranks(values):
    """Rank 1 for the largest; ties share their mean rank."""
    from scipy.stats import rankdata

    return rankdata(-np.asarray(values, dtype=float), method="average")


def section_odds_loo(args):
    import json
    import os

    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    path = Path(args.runs) if args.runs else RUNS / "odds_loo.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    runs = _read_runs(path)
    methods = list(ODDS_CANDIDATES) + ODDS_PEERS
    seeds = list(range(args.loo_splits))
    commit = _git_commit()
    for seed in seeds:  # seed-major: an interrupted run leaves whole splits
        for name in args.loo_odds:
            todo = [m for m in methods if (m, name, seed) not in runs]
            if not todo:
                continue
            X, y = load_odds(name)
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.4, stratify=y, random_state=seed
            )
            scaler = StandardScaler().fit(X_tr)
            X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
            contamination = float(np.clip(y_tr.mean(), 0.01, 0.5))
            for method in todo:
                auc, seconds = _odds_fit_score(
                    method, X_tr, X_te, y_te, contamination, seed
                )
                rec = dict(method=method, data=name, seed=seed, auc=auc, fit_s=seconds,
                           n_train=len(X_tr), n_features=X.shape[1],
                           load=[round(v, 2) for v in os.getloadavg()], commit=commit,
                           time=time.strftime("%Y-%m-%dT%H:%M:%S"))
                runs[(method, name, seed)] = rec
                with path.open("a") as f:
                    f.write(json.dumps(rec) + "\n")
                print(f"{seed} {name:12s} {method:22s} auc={auc:.4f} "
                      f"fit={seconds:.2f}s load={rec['load'][0]}", flush=True)
    return odds_loo_report(runs, args.loo_odds, seeds, methods)


def _loo_choice(cand_auc, cands):
    """Per held-out set, the candidate with the best mean rank on the others.

    ``cand_auc`` is (candidates, sets); ranks are taken among ``cands`` only.
    Returns the choices, the candidates' ranks (candidates, sets) and the
    shipped candidate (chosen most often; ties: better mean rank)."""
    n_sets = cand_auc.shape[1]
    cand_rank = np.array([_ranks(cand_auc[:, j]) for j in range(n_sets)]).T
    chosen = []
    for j in range(n_sets):
        rest = [k for k in range(n_sets) if k != j]
        key = [(cand_rank[i, rest].mean(), -cand_auc[i, rest].mean(), i)
               for i in range(len(cands))]
        chosen.append(cands[min(key)[2]])
    counts = {c: chosen.count(c) for c in cands}
    all_rank = cand_rank.mean(axis=1)
    shipped = max(cands, key=lambda c: (counts[c], -all_rank[cands.index(c)]))
    return chosen, cand_rank, counts, shipped


def odds_loo_report(runs, sets, seeds, methods):
    """The LOO selections (rounds 1, 2 and 3) and the tables, from the records."""
    def cell(m, d, key="auc"):
        v = [runs[(m, d, s)][key] for s in seeds if (m, d, s) in runs]
        return np.mean(v) if len(v) == len(seeds) else np.nan

    sets = [d for d in sets if all(not np.isnan(cell(m, d)) for m in methods)]
    auc = {m: np.array([cell(m, d) for d in sets]) for m in methods}
    fit = {m: np.array([cell(m, d, "fit_s") for d in sets]) for m in methods}
    pyod = auc["pyod_autoencoder"]
    rounds = {}  # name -> (candidates, choices, counts, shipped, ranks)
    declared = (("round 1", ODDS_ROUND1), ("round 2", ODDS_ROUND2),
                ("round 3", list(ODDS_CANDIDATES)))
    for label, pool in declared:  # each round: all candidates declared so far
        cands = [m for m in pool if m in methods]
        if rounds and len(cands) == len(rounds[list(rounds)[-1]][0]):
            break  # no candidate of this round in the records
        cand_auc = np.array([auc[m] for m in cands])
        chosen, cand_rank, counts, shipped = _loo_choice(cand_auc, cands)
        rounds[label] = (cands, chosen, counts, shipped, cand_rank)
    labels = list(rounds)[::-1]  # the latest round first

    def round_of(c):
        return next(i + 1 for i, (_, pool) in enumerate(declared) if c in pool)

    def loo(label, what=auc):
        return np.array([what[c][j] for j, c in enumerate(rounds[label][1])])

    shown = {f"skdeep {lb} (LOO)": loo(lb) for lb in labels}
    shown.update({"skdeep before #15": auc["before"],
                  "PyOD AutoEncoder": pyod, "IForest (PyOD)": auc["iforest"]})
    times = {f"skdeep {lb} (LOO)": loo(lb, fit) for lb in labels}
    times.update({"skdeep before #15": fit["before"],
                  "PyOD AutoEncoder": fit["pyod_autoencoder"],
                  "IForest (PyOD)": fit["iforest"]})
    names = list(shown)
    table_rank = np.array([_ranks([shown[k][j] for k in names]) for j in range(len(sets))])

    def gap_se(m, d):  # standard error over the splits of (m - PyOD AE)
        g = [runs[(m, d, s)]["auc"] - runs[("pyod_autoencoder", d, s)]["auc"]
             for s in seeds]
        return np.std(g, ddof=1) / np.sqrt(len(g)) if len(g) > 1 else np.nan

    def rank3(k):  # mean rank of k among (k, PyOD AutoEncoder, IForest)
        r = [_ranks([shown[k][j], pyod[j], auc["iforest"][j]])[0] for j in range(len(sets))]
        return f"{np.mean(r):.2f}"

    summary = []
    for i, k in enumerate(names):
        gap = shown[k] - pyod
        worst = int(np.argmin(gap))
        summary.append((
            k, f"{shown[k].mean():.4f}", f"{table_rank[:, i].mean():.2f}",
            rank3(k) if k.startswith("skdeep") else "",
            "" if k == "PyOD AutoEncoder" else f"{sets[worst]} {gap[worst]:+.4f}",
            "" if k == "PyOD AutoEncoder" else f"{int(np.sum(gap >= -0.05))} of {len(sets)}",
            f"{times[k].mean():.2f}",
            f"{times[k].mean() / times['PyOD AutoEncoder'].mean():.2f}"))
    rows = []
    for j, d in enumerate(sets):
        rows.append((d, *(rounds[lb][1][j] for lb in labels),
                     *(f"{shown[k][j]:.4f}" for k in names),
                     *(f"{shown[f'skdeep {lb} (LOO)'][j] - pyod[j]:+.4f} ± "
                       f"{gap_se(rounds[lb][1][j], d):.4f}" for lb in labels)))
    cands, _, _, shipped, rank_last = rounds[labels[0]]
    cand_rows = [
        (c, round_of(c), *(rounds[lb][2].get(c, "—") for lb in rounds),
         f"{rank_last[i].mean():.2f}", f"{auc[c].mean():.4f}",
         f"{(auc[c] - pyod).min():+.4f}", f"{fit[c].mean():.2f}")
        for i, c in enumerate(cands)]
    loads = {lb: [runs[(c, d, s)]["load"][0] for c in rounds[lb][0]
                  if round_of(c) == int(lb[-1]) for d in sets for s in seeds]
             for lb in rounds}
    loads["round 1"] += [runs[(m, d, s)]["load"][0] for m in ODDS_PEERS
                         for d in sets for s in seeds]
    final = labels[0]
    gap = shown[f"skdeep {final} (LOO)"] - pyod
    load_text = "; ".join(f"{lb} fits {min(v):.1f} to {max(v):.1f}"
                          for lb, v in loads.items() if v)
    return (
        "### Outlier detector defaults by leave-one-data-set-out on 21 ODDS sets "
        "(issue #15)\n\n"
        "Reproduce: `OMP_NUM_THREADS=1 .venv/bin/python benchmarks/autoencoders.py "
        "--sections odds_loo` (resumes from `benchmarks/autoencoders_runs/odds_loo.jsonl`; "
        "with the file complete it only rebuilds this section, in place).\n\n"
        f"Protocol: the `odds_loo` part of `benchmarks/autoencoders.py`, declared in its "
        f"docstring before each run (round 1: {len(rounds['round 1'][0])} candidates"
        + "".join(f"; {lb}, declared after the previous round's held-out results: "
                  f"{len(rounds[lb][0]) - len(rounds[prev][0])} more, {what}"
                  for lb, prev, what in (
                      ("round 2", "round 1", "with a trimmed loss and fewer steps"),
                      ("round 3", "round 2",
                       "round 2's default with its epochs capped"))
                  if lb in rounds)
        + (f"; the same rule over all {len(cands)}). " if len(rounds) > 1 else "). ")
        + f"{len(sets)} sets, {len(seeds)} stratified 60/40 splits each (seeds "
        f"{seeds[0]}..{seeds[-1]}), features standardized with the training statistics, "
        "ROC-AUC on the test part, mean over the splits. For each set the skdeep "
        "configuration is the candidate with the best mean rank on the other "
        f"{len(sets) - 1} sets; that set's figure took no part in the choice. "
        "`before #15` = the defaults before the issue; PyOD AutoEncoder and IForest at "
        f"their defaults (fitted in the round-1 run). Load average (1 min): {load_text}; "
        "fit seconds of different rounds were taken under different loads.\n\n"
        "Summary (mean rank: among the columns of the per-set table, per set; of 3: "
        "against PyOD AutoEncoder and IForest only, comparable between rounds; worst set "
        "and sets within 0.05 are against PyOD AutoEncoder; fit = mean seconds per fit "
        "of the chosen configuration):\n\n"
        + markdown_table(["method", "held-out mean AUC", "mean rank",
                          "mean rank of 3 (with PyOD AE, IForest)", "worst set vs PyOD AE",
                          "sets within 0.05 of PyOD AE or better", "fit (s)",
                          "fit / PyOD AE fit"], summary)
        + "\n\nPer set (gap columns: mean ± standard error over the splits):\n\n"
        + markdown_table(
            ["data set", *(f"{lb} choice" for lb in labels), *names,
             *(f"{lb} - PyOD AE" for lb in labels)], rows)
        + "\n\nCandidates: round declared in, times chosen by the "
        f"{len(sets)} selections of each round, mean rank among all candidates over "
        "all sets (in-sample for the selection), mean AUC, worst gap to PyOD "
        "AutoEncoder, mean fit seconds.\n\n"
        + markdown_table(
            ["candidate", "round", *(f"chosen ({lb})" for lb in rounds),
             "mean rank (all sets)", "mean AUC", "worst vs PyOD AE", "fit (s)"], cand_rows)
        + f"\n\nThe decision rule ships `{shipped}` (chosen most often in {final}). "
        f"Issue #15's targets with the {final} selection: held-out mean AUC "
        f"{shown[f'skdeep {final} (LOO)'].mean():.4f} vs PyOD AutoEncoder {pyod.mean():.4f} "
        f"({'met' if shown[f'skdeep {final} (LOO)'].mean() >= pyod.mean() else 'not met'}); "
        f"no set worse than PyOD AutoEncoder by more than 0.05: "
        f"{'met' if gap.min() >= -0.05 else 'not met'} (worst {sets[int(np.argmin(gap))]} "
        f"{gap.min():+.4f}).\n"
    )


def write_results(path, text, sections, section_texts=()):
    """Write the results file. A run of some sections replaces only their own
    ``### `` blocks in an existing file (the other sections come from other
    runs, and the file's header keeps its machine line); a full run writes
    the whole file."""
    path = Path(path)
    full = set(sections) >= {"pca", "outliers", "throughput", "denoising"}
    if not full and path.exists():
        old = path.read_text()
        for section in section_texts:
            head = section.splitlines()[0]
            section = section.rstrip("\n") + "\n"
            if head in old:
                start = old.index(head)
                end = old.find("\n### ", start + len(head))
                old = old[:start] + section + ("" if end < 0 else old[end:])
            else:
                old = old.rstrip("\n") + "\n\n" + section
        text = old
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


SECTIONS = {
    "pca": section_pca,
    "outliers": section_outliers,
    "throughput": section_throughput,
    "denoising": section_denoising,
    "odds_loo": section_odds_loo,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+",
                        default=["pca", "outliers", "throughput", "denoising"],
                        choices=SECTIONS)
    parser.add_argument("--odds", nargs="+", default=ODDS_NAMED)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--loo-odds", nargs="+", default=ODDS_ALL)
    parser.add_argument("--loo-splits", type=int, default=3)
    parser.add_argument("--runs", default=None, help="odds_loo records (JSON lines)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", default=str(RESULTS / "autoencoders.md"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    parts = [f"## Autoencoder benchmarks\n\nMachine: {machine()}.\n"]
    for name in args.sections:
        print(f"== {name}", flush=True)
        parts.append(SECTIONS[name](args))
    text = "\n\n".join(parts) + "\n"
    write_results(args.output, text, args.sections, parts[1:])
    print(text)


if __name__ == "__main__":
    main()
