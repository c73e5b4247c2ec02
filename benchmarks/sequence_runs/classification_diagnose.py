"""Issue #14 (session 15): why QRNN/SRU trail LSTM on BasicMotions, probed on
the TRAINING part only (3-fold stratified CV of the 40 training series, seeds
0-2; per-channel standardization fitted on each fold's training part).

Each argument is a JSON dict of RNNClassifier parameters plus the probe keys
``fb`` (forget-gate bias instead of 1), ``readout`` ("last" or "mean"),
``epochs``, ``hidden`` (default 300, 32) and ``lr`` (default 0.01). Prints the
mean +- std CV accuracy over the 9 fits and the mean training accuracy.

    OMP_NUM_THREADS=1 .venv/bin/python \
        benchmarks/sequence_runs/classification_diagnose.py \
        '{"cell":"qrnn"}' '{"cell":"qrnn","readout":"mean"}' '{"cell":"qrnn","fb":3}'
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import json
import os
import sys
import time
import warnings

os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sktime.datasets import load_basic_motions  # noqa: E402

import skdeep.recurrent._cells as cells  # noqa: E402
import skdeep.recurrent._modules as modules  # noqa: E402
from skdeep.recurrent import RNNClassifier  # noqa: E402

PATCH = {"fb": None, "readout": "last"}
_make_layer = cells.make_layer
_init = modules.RNNModule.__init__


def make_layer(cell, input_size, hidden_size, **kw):
    if PATCH["fb"] is not None and kw.get("forget_bias"):
        kw["forget_bias"] = PATCH["fb"]
    return _make_layer(cell, input_size, hidden_size, **kw)


def init(self, *args, **kw):
    kw["readout"] = PATCH["readout"]
    _init(self, *args, **kw)


cells.make_layer = make_layer
modules.RNNModule.__init__ = init


def standardize(Xtr, Xte):
    m = Xtr.mean(axis=(0, 2), keepdims=True)
    s = Xtr.std(axis=(0, 2), keepdims=True)
    return (Xtr - m) / s, (Xte - m) / s


def cv(X, y, params, seeds=(0, 1, 2), epochs=300, hidden=32, lr=0.01):
    accs, train = [], []
    for seed in seeds:
        folds = StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y)
        for a, b in folds:
            Xa, Xb = standardize(X[a], X[b])
            clf = RNNClassifier(lr=lr, batch_size=32, random_state=seed,
                                hidden_size=hidden, max_epochs=epochs, **params)
            clf.fit(Xa, y[a])
            accs.append(np.mean(clf.predict(Xb) == y[b]))
            train.append(np.mean(clf.predict(Xa) == y[a]))
    return np.mean(accs), np.std(accs), np.mean(train)


def main():
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    X, y = load_basic_motions(split="train", return_X_y=True, return_type="numpy3D")
    y = np.asarray(y)
    for spec in sys.argv[1:]:
        d = json.loads(spec)
        PATCH["fb"], PATCH["readout"] = d.pop("fb", None), d.pop("readout", "last")
        kw = {k: d.pop(k) for k in ("epochs", "hidden", "lr") if k in d}
        t = time.perf_counter()
        m, s, tr = cv(X, y, d, **kw)
        print(f"{spec:56s} cv {m:.3f} ± {s:.3f} train {tr:.3f} "
              f"({time.perf_counter() - t:.0f} s, load {os.getloadavg()[0]:.1f})",
              flush=True)


if __name__ == "__main__":
    main()
