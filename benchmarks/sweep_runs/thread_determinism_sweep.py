"""Seeded fits on several torch threads: reproducible? (a diagnosis, no selection).

Session 34. The test suite runs on one torch thread (``tests/conftest.py``)
and on small data, so it never reaches torch's parallel kernels, which
split work only past about 32k values. A user's process has one torch
thread per core. This sweep fits every registered torch estimator twice
with ``random_state=0`` on data large enough for those kernels (tables of
1,500 x 40, 400 series of 96 steps, a 500-node planted-partition graph with
30 features, 600 English-katakana pairs, a 300-point series), a few epochs
each, with torch limited to ``--threads`` threads, and compares the outputs
bit for bit (``predict_proba``, ``decision_function``, ``predict``,
``transform``, ``score_samples``, ``embedding_``). For information it also
compares a fit on one thread with one on ``--threads``: a thread count
splits some products and sums differently, so those may differ by rounding
without any defect (the estimator contract promises reproducibility for a
given thread count).

Found (session 34, two threads; records in
``thread_determinism_sweep_76ed6f6.jsonl``, the code before the fix, run
from a git worktree, and ``thread_determinism_sweep.jsonl``, after it): at
76ed6f6 two seeded fits of ``GEMSECEmbedder`` differed by up to 1.8e-3 in
the embedding, of ``GATClassifier`` (full batch and sampled batches) by up
to 1.7e-6 and of ``GraphSAGEClassifier`` (pool aggregator, sampled
neighbours; not the full-batch mean) by up to 2.6e-6; the amounts vary from
run to run. Their gathers of repeated rows (edges, walk contexts) went
through advanced indexing, whose backward (``index_put_`` with
``accumulate=True``) adds in parallel, in no fixed order. Fixed in 1f5c0f6
(``gather_rows``: ``index_select``, whose backward adds in index order;
one-thread outputs unchanged bit for bit): after it every estimator's
seeded fits agree. One thread against two (informational, after the fix):
CNN, recurrent, hierarchical, shapelet, capsule, convolutional-autoencoder
and forecaster outputs differ by 3e-8 to 1.2e-6, the outlier detector's
scores by 3.8e-4; the others agree.

``--probe`` (no comparison, one thread): the same fits with
``torch.Tensor.__getitem__`` wrapped, listing each skdeep line that indexes
a tensor requiring a gradient with integer indices that pick one element
more than once (the pattern whose backward adds in parallel). After
1f5c0f6 and dc55108 it lists none: the advanced indexing left picks
distinct elements (SDNE's edges, Siamese anchor-positive pairs, the
bidirectional recurrent layer's last steps).

    OMP_NUM_THREADS=1 python benchmarks/sweep_runs/thread_determinism_sweep.py \\
        --threads 2 benchmarks/sweep_runs/thread_determinism_sweep.jsonl
    OMP_NUM_THREADS=1 python benchmarks/sweep_runs/thread_determinism_sweep.py \\
        --probe /dev/null
    # the code before the fix: skdeep from a worktree of 76ed6f6
    git worktree add /tmp/wt_old 76ed6f6
    PYTHONPATH=/tmp/wt_old OMP_NUM_THREADS=1 python \\
        benchmarks/sweep_runs/thread_determinism_sweep.py --threads 2 \\
        benchmarks/sweep_runs/thread_determinism_sweep_76ed6f6.jsonl
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parents[2] / "tests" / "graph"))
from _common import append_jsonl, shared_data, stamped  # noqa: E402

OUTPUTS = ("predict_proba", "decision_function", "predict", "transform",
           "score_samples")


def cases():
    """``{estimator name: (extra parameters, X, y or None)}``: a few epochs
    on data past torch's parallel grain."""
    from _graph_data import planted_partition
    from sklearn.datasets import make_classification, make_regression

    rng = np.random.RandomState(0)
    Xc, yc = make_classification(1500, 40, n_informative=10, n_classes=3,
                                 random_state=0)
    Xr, yr = make_regression(1500, 40, n_informative=10, noise=1.0, random_state=0)
    yr = yr / yr.std()
    S = rng.randn(400, 1, 96).cumsum(-1).astype(np.float32)
    S = (S - S.mean(-1, keepdims=True)) / S.std(-1, keepdims=True)
    ys, ysr = (S[:, 0, 40:60].mean(-1) > 0).astype(int), S[:, 0, 40:60].mean(-1)
    A, blocks = planted_partition(n_blocks=5, size=100, p_in=0.08, p_out=0.004,
                                  seed=1)
    features = rng.randn(A.shape[0], 30).astype(np.float32) + blocks[:, None] * 0.3
    nodes = np.arange(A.shape[0])[:, None]
    few = dict(max_epochs=3)
    rbf = dict(training="end_to_end", n_centers=100)
    graph = dict(graph=A, node_features=features)
    return {
        "MCDropoutClassifier": (few, Xc, yc),
        "MCDropoutRegressor": (few, Xr, yr),
        "RBFNetworkClassifier": (dict(rbf, **few), Xc, yc),
        "RBFNetworkRegressor": (dict(rbf, **few), Xr, yr),
        "AutoencoderTransformer": (few, Xc, None),
        "AutoencoderOutlierDetector": (few, Xc, None),
        "VariationalAutoencoder": (few, Xc, None),
        "SiameseTransformer": (few, Xc, yc),
        "CNNClassifier": (few, S, ys),
        "CNNRegressor": (few, S, ysr),
        "RNNClassifier": (few, S, ys),
        "RNNRegressor": (few, S, ysr),
        "HierarchicalRNNClassifier": (few, S, ys),
        "HierarchicalRNNRegressor": (few, S, ysr),
        "ShapeletClassifier": (few, S, ys),
        "ShapeletTransformer": (few, S, ys),
        "CapsNetClassifier": (dict(max_epochs=2, kernel_size=5, primary_kernel_size=5),
                              S, ys),
        "ConvAutoencoderTransformer": (few, S, None),
        "SequenceAutoencoder": (few, S, None),
        "GEMSECEmbedder": (dict(max_epochs=2), A, None),
        "SDNEEmbedder": ({}, A, None),
        "SplitterEmbedder": ({}, A, None),
        "GCNClassifier": (dict(graph, max_epochs=100), nodes, blocks),
        "GATClassifier": (dict(graph, max_epochs=100), nodes, blocks),
        "GATClassifier, batches": (dict(graph, max_epochs=10, batch_size=64), nodes,
                                   blocks),
        "GraphSAGEClassifier": (dict(graph, max_epochs=50), nodes, blocks),
        "GraphSAGEClassifier, pool": (dict(graph, max_epochs=50, aggregator="pool"),
                                      nodes, blocks),
        "GraphSAGEClassifier, sampled": (dict(graph, max_epochs=10, batch_size=64,
                                              n_samples=(10, 10)), nodes, blocks),
        "SOMClusterer": ({}, Xc, None),
    }


def outputs(model, X):
    out = {}
    for method in OUTPUTS:
        if hasattr(model, method):
            out[method] = np.asarray(getattr(model, method)(X), dtype=np.float64)
    if hasattr(model, "embedding_"):
        out["embedding_"] = np.asarray(model.embedding_, dtype=np.float64)
    return out


def fitted_outputs(make, fit, read, threads):
    """``read(model)`` of ``fit(make())`` with torch on ``threads`` threads."""
    from skdeep.utils._torch import torch_threads

    with torch_threads(threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make()
        fit(model)
        return read(model)


def differing(a, b):
    """``{output: largest absolute difference}`` of the outputs that differ
    (for strings: how many differ)."""
    out = {}
    for key in a:
        if not np.array_equal(a[key], b[key]):
            out[key] = (float(np.abs(a[key] - b[key]).max()) if a[key].dtype.kind == "f"
                        else int((a[key] != b[key]).sum()))
    return out


def all_cases():
    """``{label: (make, fit, read)}``: the table of :func:`cases` and the two
    estimators of other inputs (strings, one series)."""
    import skdeep
    from skdeep.recurrent import LSTMForecaster
    from skdeep.seq2seq import Seq2SeqTranslator

    estimators = {name: cls for name, cls, _ in skdeep.all_estimators()}
    out = {}
    for label, (params, X, y) in cases().items():
        cls = estimators[label.split(",")[0]]
        out[label] = (
            lambda cls=cls, params=params: cls(random_state=0, **params),
            lambda m, X=X, y=y: m.fit(X) if y is None else m.fit(X, y),
            lambda m, X=X: outputs(m, X))
    z = np.load(shared_data() / "katakana" / "katakana.npz", allow_pickle=True)
    source, target = list(z["english"][:600]), list(z["katakana"][:600])
    series = (np.sin(np.arange(300) / 7)
              + 0.1 * np.random.RandomState(0).randn(300))
    out["Seq2SeqTranslator"] = (
        lambda: Seq2SeqTranslator(max_epochs=2, random_state=0),
        lambda m: m.fit(source, target),
        lambda m: {"predict": np.array(m.predict(source[:50]))})
    out["LSTMForecaster"] = (
        lambda: LSTMForecaster(random_state=0),
        lambda m: m.fit(series),
        lambda m: {"predict": np.asarray(m.predict(np.arange(1, 13)),
                                         dtype=np.float64)})
    return out


def _repeats_an_element(index):
    """Whether a ``__getitem__`` index (a tensor or a tuple of them and
    slices) picks one element more than once through its integer tensors."""
    import torch

    items = index if isinstance(index, tuple) else (index,)
    tensors = [i for i in items if isinstance(i, torch.Tensor)
               and i.dtype in (torch.int32, torch.int64) and i.numel() > 1]
    if not tensors:
        return False
    picks = torch.stack([t.long() for t in torch.broadcast_tensors(*tensors)], -1)
    picks = picks.reshape(-1, len(tensors))
    return len(torch.unique(picks, dim=0)) < len(picks)


def probe(fits):
    """Run ``fits()`` with tensor indexing watched; ``{skdeep line: calls}``
    where a tensor requiring a gradient is indexed with repeated elements."""
    import collections
    import traceback

    import torch

    original, found = torch.Tensor.__getitem__, collections.Counter()

    def watched(self, index):
        if (self.requires_grad and torch.is_grad_enabled()
                and _repeats_an_element(index)):
            for frame in reversed(traceback.extract_stack()[:-1]):
                if "/skdeep/" in frame.filename:
                    where = frame.filename.split("/skdeep/")[-1]
                    found[f"skdeep/{where}:{frame.lineno} {frame.line}"] += 1
                    break
        return original(self, index)

    torch.Tensor.__getitem__ = watched
    try:
        fits()
    finally:
        torch.Tensor.__getitem__ = original
    return dict(found)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--probe", action="store_true",
                        help="list repeated-element indexing instead")
    args = parser.parse_args()

    runs = all_cases()
    if args.probe:
        found = probe(lambda: [fitted_outputs(*run, 1) for run in runs.values()])
        print(found or "no repeated-element indexing of a tensor that needs a gradient")
        return
    for label, run in runs.items():
        start = time.perf_counter()
        seeded = [fitted_outputs(*run, args.threads) for _ in range(2)]
        one = fitted_outputs(*run, 1)
        record = {"estimator": label, "threads": args.threads,
                  "seeded_fits_differ": differing(*seeded),
                  "one_thread_differs": differing(one, seeded[0]),
                  "seconds": round(time.perf_counter() - start, 1)}
        print(record, flush=True)
        append_jsonl(args.out, stamped(record))


if __name__ == "__main__":
    main()
