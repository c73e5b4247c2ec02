"""Diagnosis of the hybrid RBF classifier's size and cost on Fashion-MNIST training images.

Not a selection: the ``rbf_scale`` protocol keeps its 1,000 centers (see the
``rbf_scale`` docstring of ``benchmarks/similarity.py``, session 27). Fit on
the first 50,000 rows of rbf_scale's seeded permutation of the 60,000
training images (PCA-50, scaled as there), score on its last 10,000:
``RBFNetworkClassifier`` (hybrid, ``kmeans_per_class``, seed 0) with 1,000,
1,250, 1,500 and 2,000 centers, and ``SVC(C=10, gamma="scale")``, with fit
times on one thread. Also the float32 road for the output layer's Gram
matrix that the estimator does not take: its distance from the float64 Gram
at 1,000 centers, against ``alpha`` and the Gram's smallest eigenvalue.

    OMP_NUM_THREADS=1 python benchmarks/similarity_runs/rbf_diagnose_centers.py
"""

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from _common import stamped, write_jsonl  # noqa: E402
from similarity import fashion_pca50  # noqa: E402

OUT = HERE / "rbf_diagnose_centers.jsonl"
CENTERS = (1000, 1250, 1500, 2000)
BLOCK = 1024  # rows per block of the Gram, as the estimator's default


def gram_float32_error(est, X):
    """The float32 Gram's distance from the float64 one (blocks of rows,
    float64 sums across blocks) and the float64 Gram's smallest eigenvalue."""
    import scipy.linalg.blas as blas

    k = est.n_centers_
    G64 = np.zeros((k, k), order="F")
    G32 = np.zeros((k, k), order="F")
    for start in range(0, len(X), BLOCK):
        H = est.transform(X[start : start + BLOCK])
        G64 = blas.dsyrk(1.0, np.asarray(H, np.float64).T, beta=1.0, c=G64,
                         overwrite_c=True)
        G32 += blas.ssyrk(1.0, np.asarray(H, np.float32).T)

    def full(G):  # syrk fills the upper triangle
        return np.triu(G) + np.triu(G, 1).T

    error = full(G32) - full(G64)
    return float(np.linalg.norm(error, 2)), float(np.linalg.eigvalsh(full(G64))[0])


def main():
    import torch
    from sklearn.svm import SVC

    from skdeep.rbf import RBFNetworkClassifier

    torch.set_num_threads(1)
    Ztr, ytr, _, _, order = fashion_pca50()
    fit, val = order[:50000], order[50000:]
    records = []
    for k in (*CENTERS, "svc"):
        est = (SVC(kernel="rbf", C=10, gamma="scale") if k == "svc" else
               RBFNetworkClassifier(n_centers=k, centers="kmeans_per_class",
                                    random_state=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            est.fit(Ztr[fit], ytr[fit])
            fit_s = time.perf_counter() - start
        record = {"model": "svc" if k == "svc" else f"rbf-hybrid-{k}",
                  "validation_accuracy": float(est.score(Ztr[val], ytr[val])),
                  "fit_s": fit_s}
        if k == CENTERS[0]:
            norm, smallest = gram_float32_error(est, Ztr[fit])
            record.update(gram_float32_error_norm=norm, gram_smallest_eigenvalue=smallest,
                          alpha=est.alpha)
        records.append(stamped(record))
        print(json.dumps(record), flush=True)
    write_jsonl(OUT, records)


if __name__ == "__main__":
    main()
