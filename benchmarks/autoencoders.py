"""Autoencoder benchmarks: skdeep against PCA, PyOD and a plain torch loop.

Run by hand (not part of the tests):

    .venv/bin/python benchmarks/autoencoders.py                 # all four sections
    .venv/bin/python benchmarks/autoencoders.py --sections pca throughput
    .venv/bin/python benchmarks/autoencoders.py --splits 5 --odds cardio pima

Needs PyOD (``pip install pyod``) for the outlier section and the ODDS data in
``../shared/data/odds``. Writes ``benchmarks/results/autoencoders.md``.

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
"""

import argparse
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
        se = lambda v: np.std(v) / np.sqrt(len(v))  # noqa: E731
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
        "includes skdeep's input validation and net construction.\n\n"
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


SECTIONS = {
    "pca": section_pca,
    "outliers": section_outliers,
    "throughput": section_throughput,
    "denoising": section_denoising,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS)
    parser.add_argument("--odds", nargs="+", default=ODDS_NAMED)
    parser.add_argument("--splits", type=int, default=5)
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
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
