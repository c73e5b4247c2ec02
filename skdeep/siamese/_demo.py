"""Demo of the Siamese family: one-shot recognition of digits never seen in training."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np

from skdeep.utils._torch import torch_threads


def demo():
    """Recognise unseen digit classes from five examples each.

    A :class:`~skdeep.siamese.SiameseTransformer` (triplet loss, semi-hard
    mining) learns an embedding of scikit-learn's digits 0-6 only; a
    :class:`~skdeep.siamese.PrototypeClassifier` then tells digits 7, 8 and 9
    apart from 5 labelled examples of each (mean accuracy over 50 seeded
    episodes, every other image of those classes a query). The baseline
    does the same on the raw pixels. Both scores are reported honestly: on
    these small 8x8 images raw pixels are a strong baseline.

    Returns
    -------
    results : list of dict
        One row with ``task``, ``model``, ``score``, ``baseline``,
        ``baseline_score``, ``metric`` and ``seconds``.
    """
    with torch_threads(1):
        from sklearn.datasets import load_digits

        from skdeep.siamese import PrototypeClassifier, SiameseTransformer

        start = time.perf_counter()
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
        seen = y < 7
        embedding = SiameseTransformer(max_epochs=20, random_state=0).fit(
            X[seen], y[seen]
        )
        Xu, yu = X[~seen], y[~seen]
        rng = np.random.RandomState(0)
        scores = {"embedding": [], "raw": []}
        for _ in range(50):
            support = np.concatenate(
                [
                    rng.choice(np.flatnonzero(yu == c), 5, replace=False)
                    for c in (7, 8, 9)
                ]
            )
            query = np.setdiff1d(np.arange(len(yu)), support)
            for name, transformer in (("embedding", embedding), ("raw", None)):
                clf = PrototypeClassifier(transformer).fit(Xu[support], yu[support])
                scores[name].append(clf.score(Xu[query], yu[query]))
        return [
            {
                "task": "5-shot digits 7/8/9, unseen in training",
                "model": "SiameseTransformer+Prototype",
                "score": float(np.mean(scores["embedding"])),
                "baseline": "prototypes on raw pixels",
                "baseline_score": float(np.mean(scores["raw"])),
                "metric": "accuracy",
                "seconds": time.perf_counter() - start,
            }
        ]
