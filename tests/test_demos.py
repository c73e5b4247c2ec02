"""The demos of the families whose demo needs no data beyond scikit-learn's
(``skdeep demo --family NAME``): the contract, and a score floor."""

import importlib

import numpy as np
import pytest
import torch

FLOORS = {
    "seq2seq": 0.9,  # exact match on 200 unseen numbers (chance: 0)
    "rbf": 0.9,  # digits, 10 classes
    "siamese": 0.6,  # 5-shot on 3 unseen classes (chance: 1/3)
    "capsule": 0.9,  # digits, 10 classes
    "gnn": 0.9,  # digits graph, 10 labels per class, 10 classes
    "neuroevolution": 0.9,  # wine, 3 classes
}


@pytest.mark.parametrize("family", sorted(FLOORS))
def test_demo_contract(family):
    demo = importlib.import_module(f"skdeep.{family}._demo").demo
    threads = torch.get_num_threads()
    rows = demo()
    assert torch.get_num_threads() == threads  # restored
    keys = {"task", "model", "score", "baseline", "baseline_score", "metric", "seconds"}
    assert rows and all(set(row) == keys for row in rows)
    (row,) = rows
    assert np.isfinite(row["baseline_score"])
    assert row["score"] > FLOORS[family]
