"""The convolutional family's demo (``skdeep demo --family cnn``)."""

import numpy as np


def test_demo_contract():
    from skdeep.cnn._demo import demo

    (row,) = demo()
    keys = {"task", "model", "score", "baseline", "baseline_score", "metric", "seconds"}
    assert set(row) == keys
    assert np.isfinite(row["baseline_score"])
    assert row["score"] > 0.9  # 10 classes; chance is 0.1
