"""Hyper-parameter search on a Dask cluster (issue #23, item 6).

One ``LocalCluster`` of two worker processes, one thread each, bound to
localhost, is started for the module: a ``GridSearchCV`` over a skdeep
pipeline run through joblib's Dask backend must give exactly the results of
the same search run in this process, and the workers' torch must run on the
threads :class:`skdeep.parallel.TorchThreads` pinned.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import logging
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep.autoencoder import AutoencoderTransformer
from skdeep.parallel import TorchThreads, dask_backend
from skdeep.utils._torch import torch_threads

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    # Localhost only. The scheduler's HTTP server always starts: on a random
    # port, not 8787, so that another cluster on the machine does not make it
    # warn "Port 8787 is already in use". INFO lines stay out of the output.
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    )
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def _torch_threads():
    return torch.get_num_threads()


def _search():
    pipe = make_pipeline(
        StandardScaler(),
        AutoencoderTransformer((16,), max_epochs=10, batch_size=64, random_state=0),
        LogisticRegression(max_iter=200),
    )
    grid = {
        "autoencodertransformer__code_size": [4, 8],
        "logisticregression__C": [0.1, 1.0],
    }
    return GridSearchCV(pipe, grid, cv=2)


def _digits():
    X, y = load_digits(return_X_y=True)
    return X[:240], y[:240]


def test_torch_threads_plugin_pins_every_worker(client):
    client.register_plugin(TorchThreads(2))
    assert set(client.run(_torch_threads).values()) == {2}
    # Registering again under the same name replaces the setting everywhere.
    client.register_plugin(TorchThreads())
    assert list(client.run(_torch_threads).values()) == [1, 1]


def test_grid_search_on_dask_matches_local_run(client):
    X, y = _digits()
    with torch_threads(1):  # the workers' setting: same arithmetic, same bits
        local = _search().fit(X, y)
    with distributed.get_task_stream(client=client) as tasks:
        with dask_backend(client, n_threads=1):
            remote = _search().fit(X, y)
    # The fits ran on the workers (joblib falls back to this process when it
    # sees a single slot), with torch on the pinned thread count.
    assert {task["worker"] for task in tasks.data} == set(client.ncores())
    assert list(client.run(_torch_threads).values()) == [1, 1]

    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))
    # The search learned something (10 classes: chance is 0.1).
    assert remote.best_score_ > 0.5


def test_dask_backend_uses_the_default_client(client):
    from joblib import Parallel, delayed

    with dask_backend(n_threads=1) as used:
        assert used is client
        threads = Parallel()(delayed(_torch_threads)() for _ in range(4))
    assert threads == [1] * 4


def test_dask_backend_warns_on_a_single_worker_thread(client, monkeypatch):
    monkeypatch.setattr(client, "ncores", lambda: {"tcp://127.0.0.1:1": 1})
    with pytest.warns(UserWarning, match="single worker thread"):
        with dask_backend(client):
            pass


def test_dask_backend_warns_when_worker_threads_would_idle(client, monkeypatch):
    # skdeep's fits in one worker process take turns (torch's generators)
    monkeypatch.setattr(client, "ncores", lambda: {"tcp://127.0.0.1:1": 4})
    with pytest.warns(UserWarning, match="threads_per_worker=1"):
        with dask_backend(client):
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with dask_backend(client, n_threads=4):
            pass


@pytest.mark.parametrize("n_threads", [0, -1, 1.5, True, "2"])
def test_torch_threads_rejects_bad_counts(n_threads):
    with pytest.raises((TypeError, ValueError), match="n_threads must be"):
        TorchThreads(n_threads)


@pytest.mark.parametrize("n_threads", [0, "2"])
def test_dask_backend_rejects_bad_counts_first(client, n_threads):
    # "2" failed comparing int and str in a warning's test; 0 warned to pass
    # n_threads=1 before refusing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((TypeError, ValueError), match="n_threads must be"):
            with dask_backend(client, n_threads=n_threads):
                pass


def test_helpers_name_the_extra_without_distributed(monkeypatch):
    import skdeep.parallel

    monkeypatch.setattr(skdeep.parallel, "_WorkerPlugin", object)
    with pytest.raises(ImportError, match=r"skdeep\[distributed\]"):
        TorchThreads()
    with pytest.raises(ImportError, match=r"skdeep\[distributed\]"):
        with dask_backend():
            pass


def test_import_skdeep_does_not_import_dask():
    code = (
        "import sys, skdeep; "
        "print('dask' in sys.modules or 'distributed' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
