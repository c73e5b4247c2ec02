"""The recurrent family's demo (``skdeep demo --family recurrent``)."""

import numpy as np
import torch


def test_demo_contract():
    from skdeep.recurrent._demo import demo

    threads = torch.get_num_threads()
    rows = demo()
    assert torch.get_num_threads() == threads  # restored
    keys = {"task", "model", "score", "baseline", "baseline_score", "metric", "seconds"}
    assert rows and all(set(row) == keys for row in rows)
    (row,) = rows
    assert row["model"].startswith("RNNClassifier(")
    assert np.isfinite(row["baseline_score"])
    assert row["score"] > 0.8  # 4 (BasicMotions) or 3 (generated) classes


def test_generated_fallback_is_learnable():
    """The generated fallback problem is learnable (RNN well above chance)."""
    from sklearn.pipeline import make_pipeline

    from skdeep.recurrent import RNNClassifier
    from skdeep.recurrent._demo import _ChannelScaler, _generated

    X_train, X_test, y_train, y_test = _generated()
    assert X_train.shape == (60, 3, 60) and X_test.shape == (60, 3, 60)
    clf = make_pipeline(
        _ChannelScaler(),
        RNNClassifier(hidden_size=16, max_epochs=40, batch_size=16, random_state=0),
    ).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.6  # chance: 1/3
