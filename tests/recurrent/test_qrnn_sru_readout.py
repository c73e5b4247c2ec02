"""The many-to-one readout of the QRNN and SRU cells (issue #14)."""

import numpy as np
import pytest
import torch

from skdeep.recurrent import RNNClassifier, RNNRegressor
from skdeep.recurrent._modules import RNNModule


def _padded(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(6, 3, 12)).astype(np.float32)
    X[1, :, 7:] = np.nan
    X[4, :, 3:] = np.nan
    return X


@pytest.mark.parametrize("cell", ["qrnn", "sru", "lstm"])
def test_mean_readout_is_the_mean_over_valid_steps(cell):
    torch.manual_seed(0)
    module = RNNModule(3, 2, cell=cell, hidden_size=5, bidirectional=True,
                       readout="mean").eval()
    X = torch.as_tensor(_padded())
    lengths = (~torch.isnan(X).any(dim=1)).sum(dim=1)
    with torch.no_grad():
        seq, pooled = module.encode_sequence(X), module.encode(X)
        longer = torch.cat([X, torch.full((6, 3, 4), float("nan"))], dim=2)
        pooled_longer = module.encode(longer)
    expected = torch.stack([seq[i, : lengths[i]].mean(dim=0) for i in range(6)])
    torch.testing.assert_close(pooled, expected)
    # The padding never reaches the summary, however long it is.
    torch.testing.assert_close(pooled_longer, pooled)


def test_auto_readout_by_cell_and_mode():
    X = np.random.RandomState(0).normal(size=(16, 2, 10))
    y = np.arange(16) % 2
    fit = dict(hidden_size=4, max_epochs=1, random_state=0)
    assert RNNClassifier("qrnn", **fit).fit(X, y).module_.readout == "mean"
    assert RNNClassifier("sru", **fit).fit(X, y).module_.readout == "mean"
    assert RNNClassifier("lstm", **fit).fit(X, y).module_.readout == "last"
    # Outside the setting the default was selected in: the last output.
    stateful = RNNClassifier("qrnn", stateful=True, batch_size=4, **fit).fit(X, y)
    assert stateful.module_.readout == "last"
    assert RNNRegressor("sru", **fit).fit(X, y.astype(float)).module_.readout == "last"
    with pytest.raises(ValueError, match="readout"):
        RNNModule(2, 2, readout="max")


def test_readout_parameter_overrides_the_default():
    # readout= chooses for any cell and both estimators; it is validated
    X = np.random.RandomState(0).normal(size=(16, 2, 10))
    y = np.arange(16) % 2
    fit = dict(hidden_size=4, max_epochs=2, random_state=0)
    clf = RNNClassifier("sru", readout="last", **fit).fit(X, y)
    assert clf.module_.readout == "last"
    mean = RNNRegressor("lstm", readout="mean", **fit).fit(X, y.astype(float))
    last = RNNRegressor("lstm", **fit).fit(X, y.astype(float))
    assert (mean.module_.readout, last.module_.readout) == ("mean", "last")
    assert not np.allclose(mean.predict(X), last.predict(X))
    auto = RNNRegressor("sru", readout="auto", **fit).fit(X, y.astype(float))
    assert auto.module_.readout == "mean"
    with pytest.raises(ValueError, match="readout"):
        RNNClassifier(readout="max").fit(X, y)


@pytest.mark.parametrize("cell", ["qrnn", "sru"])
def test_classifier_reads_early_steps(cell):
    # The class is the energy of the first half; the second half is quiet in
    # both classes, so the last output alone has to remember 20 steps back.
    rng = np.random.RandomState(0)
    y = np.arange(160) % 2
    X = 0.1 * rng.normal(size=(160, 1, 40))
    X[:, 0, :20] *= np.where(y == 1, 10.0, 1.0)[:, None]
    clf = RNNClassifier(cell, hidden_size=8, max_epochs=20, lr=0.02, batch_size=32,
                        random_state=0).fit(X[:100], y[:100])
    # chance 0.5; the last-output readout scored 0.62 (QRNN) and 0.68 (SRU)
    assert clf.score(X[100:], y[100:]) > 0.9
