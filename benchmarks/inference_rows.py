"""Rows per inference call of the convolutional estimators on the CPU.

Every inference call is padded to one constant number of rows, so that a
row's output never depends on the rows predicted with it (see
``skdeep.utils._torch.batched_numpy``). Until session 39 that number was
``batch_size`` (128 for the CNNs, 64 for ``PretrainedFeatureExtractor``), so
predicting one image cost a whole padded batch; convolutional networks now
call with at most ``CONV_CPU_INFERENCE_ROWS`` (16) rows on the CPU, except
``ConvAutoencoderTransformer``, whose small default network runs slower in
calls of 16 rows (shown here with 16 as a candidate; it keeps ``batch_size``).

Protocol: each estimator at its defaults (``PretrainedFeatureExtractor``:
resnet18 with random weights, nothing downloaded; 64 x 64 RGB images), the
trainable ones fitted for one epoch on 300 random 28 x 28 grayscale images
and 10 classes (the timing does not depend on what was learned). Then the
same fitted network predicts 1 row and 1,000 rows through ``batched_numpy``
with calls of ``batch_size`` rows (before) and of the current rows per call
(now), alternating, best of ``--repeats``; CPU seconds of the process, one
torch thread. The outputs of both are compared row by row (they differ only
by float rounding of the kernels' blocking).

Run by hand::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/inference_rows.py

writes ``benchmarks/results/inference_rows.md``.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from _common import RESULTS, load_average, machine, markdown_table  # noqa: E402


def _estimators():
    from skdeep.autoencoder import ConvAutoencoderTransformer
    from skdeep.capsule import CapsNetClassifier
    from skdeep.cnn import CNNClassifier, PretrainedFeatureExtractor

    rng = np.random.RandomState(0)
    images = rng.rand(300, 1, 28, 28).astype(np.float32)
    labels = rng.randint(0, 10, 300)
    out = []
    cnn = CNNClassifier(max_epochs=1, random_state=0).fit(images, labels)
    out.append(("CNNClassifier", cnn, cnn.net_.module_, images))
    caps = CapsNetClassifier(max_epochs=1, random_state=0).fit(images, labels)
    out.append(("CapsNetClassifier (capsule lengths)", caps,
                caps.net_.module_.lengths, images))
    cae = ConvAutoencoderTransformer(max_epochs=1, random_state=0).fit(images)
    out.append(("ConvAutoencoderTransformer (encode)", cae, cae.net_.module_.encode,
                images))
    rgb = (rng.rand(60, 3, 64, 64) * 255).astype(np.float32)
    pre = PretrainedFeatureExtractor("resnet18", random_state=0).fit(rgb)
    prepared, _ = pre._validate_X(rgb, reset=False)
    out.append(("PretrainedFeatureExtractor (resnet18, 64x64)", pre, pre.model_,
                prepared))
    return out


def _time(fn, X, rows, repeats):
    from skdeep.utils._torch import batched_numpy

    best, result = np.inf, None
    for _ in range(repeats):
        start = time.process_time()
        result = batched_numpy(fn, X, batch_size=rows, device="cpu")
        best = min(best, time.process_time() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from skdeep.utils._torch import CONV_CPU_INFERENCE_ROWS, inference_mode

    load_start = load_average()
    rows_out = []
    for name, est, fn, X in _estimators():
        many = np.concatenate([X] * (1000 // len(X) + 1))[:1000]
        module = fn if isinstance(fn, torch.nn.Module) else est.net_.module_
        # (the candidate for the autoencoder, which keeps batch_size)
        now = min(est.batch_size, CONV_CPU_INFERENCE_ROWS)
        with inference_mode(module):
            for n, data in ((1, X[:1]), (1000, many)):
                reps = args.repeats if n == 1000 else 4 * args.repeats
                old_s = new_s = np.inf
                for _ in range(2):  # alternating: a load change hits both
                    t, old = _time(fn, data, est.batch_size, reps)
                    old_s = min(old_s, t)
                    t, new = _time(fn, data, now, reps)
                    new_s = min(new_s, t)
                diff = float(np.max(np.abs(old - new)) / max(np.max(np.abs(old)), 1e-30))
                rows_out.append([
                    name, n, est.batch_size, f"{old_s * 1000:.1f}", now,
                    f"{new_s * 1000:.1f}", f"{old_s / new_s:.2f}x", f"{diff:.1e}",
                ])
                print(rows_out[-1], flush=True)
    table = markdown_table(
        ["estimator", "rows predicted", "rows per call: batch_size", "CPU ms",
         "rows per call: 16", "CPU ms", "speed-up", "largest relative "
         "output difference"],
        rows_out,
    )
    text = (
        "# Rows per inference call of the convolutional estimators (CPU)\n\n"
        f"Produced by `python benchmarks/inference_rows.py` on {machine()}; load "
        f"average {load_start} at the start and {load_average()} at the end. "
        "Protocol: the docstring of `benchmarks/inference_rows.py`.\n\n"
        + table + "\n"
    )
    (RESULTS / "inference_rows.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
