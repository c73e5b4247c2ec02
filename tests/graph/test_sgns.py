"""Tests of skdeep's numba skip-gram (``backend="numba"``)."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

pytest.importorskip("numba")

from _graph_data import planted_partition  # noqa: E402

from skdeep.graph import (  # noqa: E402
    DeepWalkEmbedder,
    Node2VecEmbedder,
    WalkletsEmbedder,
    random_walks,
)
from skdeep.graph._sgns import _kernels, _stack, sgns_embedding  # noqa: E402

FAST = dict(walk_length=20, n_walks=5, window=4, sample=0.0, random_state=0,
            backend="numba")
SG = dict(dimensions=8, window=3, epochs=1, negative=3, lr=0.025, sample=0.0)


def test_numba_backend_separates_communities():
    A, y = planted_partition()
    emb = Node2VecEmbedder(16, p=0.5, q=2, **FAST).fit_transform(A)
    assert emb.shape == (40, 16) and emb.dtype == np.float64
    assert cross_val_score(LogisticRegression(), emb, y, cv=4).mean() > 0.9


def test_numba_backend_matches_gensim_quality():
    """Same walks, both backends: the same accuracy up to noise, not the
    same numbers."""
    pytest.importorskip("gensim")
    A, y = planted_partition(n_blocks=4, size=40, p_in=0.2, p_out=0.01)
    scores = {}
    for backend in ("gensim", "numba"):
        emb = DeepWalkEmbedder(
            16, walk_length=30, n_walks=5, window=5, sample=0.0, random_state=0,
            backend=backend,
        ).fit_transform(A)
        scores[backend] = cross_val_score(LogisticRegression(), emb, y, cv=5).mean()
    assert scores["numba"] > 0.85 and scores["gensim"] > 0.85  # chance 0.25
    assert abs(scores["numba"] - scores["gensim"]) < 0.1


def test_numba_backend_is_reproducible_and_seeded():
    A, _ = planted_partition()
    a = Node2VecEmbedder(8, n_jobs=1, **FAST).fit_transform(A)
    b = Node2VecEmbedder(8, n_jobs=2, **FAST).fit_transform(A)
    np.testing.assert_array_equal(a, b)
    c = Node2VecEmbedder(8, **{**FAST, "random_state": 1}).fit_transform(A)
    assert not np.array_equal(a, c)


def test_numba_backend_threads_train_every_sequence():
    """Hogwild threads: not reproducible, but every node is trained and the
    communities are found."""
    A, y = planted_partition()
    emb = Node2VecEmbedder(16, workers=3, **FAST).fit_transform(A)
    assert np.all(np.abs(emb).sum(1) > 0)
    assert cross_val_score(LogisticRegression(), emb, y, cv=4).mean() > 0.9


def test_interrupted_threads_stop_with_the_fit(monkeypatch):
    # Ctrl-C while the main thread waited on the skip-gram threads left
    # them training on past the fit's error (non-daemon: they held up exit)
    import threading

    A, _ = planted_partition()
    join, calls = threading.Thread.join, []

    def interrupted_join(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return join(self, *args, **kwargs)

    monkeypatch.setattr(threading.Thread, "join", interrupted_join)
    with pytest.raises(KeyboardInterrupt):
        Node2VecEmbedder(8, workers=3, **{**FAST, "n_walks": 50}).fit(A)
    monkeypatch.undo()
    assert len(calls) == 4  # the interrupted wait, then each thread's end
    assert all(not thread.is_alive() for thread in calls)


def test_walklets_numba_backend():
    A, y = planted_partition()
    est = WalkletsEmbedder(6, n_scales=3, walk_length=20, n_walks=5, sample=0.0,
                           random_state=0, backend="numba")
    emb = est.fit_transform(A)
    assert emb.shape == (40, 18)
    assert cross_val_score(LogisticRegression(), emb, y, cv=4).mean() > 0.8


def test_sgns_unseen_nodes_get_zero_rows_and_training_moves_vectors():
    A, _ = planted_partition()
    walks = random_walks(A, n_walks=2, walk_length=10, random_state=0)
    walks[walks == 5] = -1  # node 5 appears nowhere
    emb = sgns_embedding([walks], 40, **SG, workers=1, seed=0)
    assert emb.shape == (40, 8)
    assert np.all(emb[5] == 0) and np.all(np.abs(emb).sum(1)[np.arange(40) != 5] > 0)
    # Training changes the vectors from their initialisation: the same call
    # with a zero learning rate returns the initial vectors.
    frozen = sgns_embedding([walks], 40, **{**SG, "lr": 1e-12}, workers=1, seed=0)
    assert np.abs(emb - frozen).max() > 1e-3
    none = sgns_embedding([np.full((3, 4), -1)], 40, **SG, workers=2, seed=0)
    assert np.all(none == 0)


def test_stack_pads_blocks_of_different_widths():
    a = np.arange(6).reshape(2, 3)
    b = np.array([[7]])
    out = _stack([a, np.zeros((0, 5), int), b])
    np.testing.assert_array_equal(out, [[0, 1, 2], [3, 4, 5], [7, -1, -1]])
    assert out.dtype == np.int32


def test_noise_alias_table_reproduces_the_distribution():
    weights = np.random.RandomState(0).rand(50) ** 3
    weights[3] = 0.0  # a node that can never be drawn
    accept, alias = _kernels()["alias_table"](weights)
    n = len(weights)
    implied = accept.astype(np.float64).copy()
    np.add.at(implied, alias, 1.0 - accept)
    np.testing.assert_allclose(implied / n, weights / weights.sum(), atol=1e-6)
    assert implied[3] == 0


def test_numba_backend_without_gensim():
    code = (
        "import sys; sys.modules['gensim'] = None\n"
        "import numpy as np, scipy.sparse as sp, skdeep.graph as g\n"
        "A = sp.csr_matrix(np.ones((6, 6)) - np.eye(6))\n"
        "e = g.DeepWalkEmbedder(4, walk_length=5, n_walks=2, backend='numba',\n"
        "                       sample=0, random_state=0).fit_transform(A)\n"
        "print('shape', e.shape)\n"
        "try:\n"
        "    g.DeepWalkEmbedder(backend='gensim').fit(A)\n"
        "except ImportError as e:\n"
        "    print('ImportError', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "shape (6, 4)" in out.stdout, out.stderr
    assert "ImportError DeepWalkEmbedder needs gensim" in out.stdout, out.stderr


def test_bad_backend_raises():
    A, _ = planted_partition()
    with pytest.raises(ValueError, match="backend"):
        DeepWalkEmbedder(4, **{**FAST, "backend": "torch"}).fit(A)


@pytest.mark.parametrize("sample", [1e-3, 1e-4, 0.0])
def test_down_sampling_matches_gensim(sample):
    """Both backends keep a node's occurrences with the same probability,
    hubs included (word2vec's rule, relative to the corpus size)."""
    gensim = pytest.importorskip("gensim")
    from skdeep.graph._sgns import keep_probabilities

    # hub-heavy counts: a few nodes hold most of the tokens
    counts = np.r_[200000, 50000, 9000, np.arange(1, 400) * 7]
    keep = keep_probabilities(counts, sample)
    model = gensim.models.Word2Vec(min_count=1, sg=1, sample=sample)
    model.build_vocab_from_freq({str(i): int(c) for i, c in enumerate(counts)})
    ref = np.array([model.wv.get_vecattr(str(i), "sample_int")
                    for i in range(len(counts))]) / 2**32
    np.testing.assert_allclose(keep, np.minimum(ref, 1.0), rtol=1e-6, atol=1e-9)
    if sample == 1e-3:
        assert keep[0] < 0.1 and keep[3] == 1.0  # hubs mostly dropped, rare kept


def test_learning_rate_decays_linearly_over_all_epochs(monkeypatch):
    """The numba kernel's rate falls from lr to min_lr once over all epochs
    (not once per epoch), stepping every BATCH_WORDS tokens, as gensim's."""
    import skdeep.graph._sgns as sgns

    W = random_walks(planted_partition()[0], n_walks=40, walk_length=50,
                     random_state=0)  # 1,600 walks, 80,000 tokens
    seen = []
    train = _kernels()["train_rows"]

    def spy(sequences, first, last, *args):
        lr, min_lr, done, total = args[7], args[8], args[9], args[10]
        seen.append((done, total, lr, min_lr))
        return train(sequences, first, last, *args)

    monkeypatch.setitem(sgns._KERNELS, "train_rows", spy)
    monkeypatch.setattr(sgns, "BATCH_WORDS", 10000)
    sgns_embedding([W], 40, **{**SG, "epochs": 3}, workers=1, seed=0)
    assert [s[0] for s in seen] == [0, 80000, 160000]
    assert all(s[1] == 240000 for s in seen)
    # the rate each epoch starts with: lr * (1 - done / total) (+ min_lr)
    starts = [max(lr - (lr - m) * d / t, m) for d, t, lr, m in seen]
    np.testing.assert_allclose(starts, [0.025, 0.025 - 0.0249 / 3,
                                        0.025 - 2 * 0.0249 / 3])
