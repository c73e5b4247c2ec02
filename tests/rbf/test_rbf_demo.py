"""The rbf family's demo (``skdeep demo --family rbf``)."""

import numpy as np
import torch


def test_demo_contract():
    from skdeep.rbf._demo import demo

    threads = torch.get_num_threads()
    rows = demo()
    assert torch.get_num_threads() == threads  # restored
    keys = {"task", "model", "score", "baseline", "baseline_score", "metric", "seconds"}
    assert rows and all(set(row) == keys for row in rows)
    (row,) = rows
    assert np.isfinite(row["baseline_score"])
    assert row["score"] > 0.9  # 10 classes
