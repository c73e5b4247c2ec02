"""Session 16's engineering of the hybrid fit changes nothing but summation order.

Fits the hybrid ``RBFNetworkClassifier`` of ``rbf_scale`` (1,000 centers,
``kmeans_per_class``, seed 0) on the same Fashion-MNIST PCA-50 rows with the
code of commit 8de25fb (``_rbf.py`` and ``_modules.py``, read with ``git
show``) and with the working tree, at
n = 5,000, 20,000 and 60,000, and compares the test scores: accuracy of
each, the number of test predictions that differ, the largest difference of
a class score, and the CPU time of each fit (``time.process_time``, one
thread; the machine may be loaded, so CPU time rather than wall time). A
sample-weighted fit (weights 0-3 on 5,000 rows) is compared the same way.

    OMP_NUM_THREADS=1 python benchmarks/similarity_runs/rbf_engineering_check.py
"""

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from _common import stamped, write_jsonl  # noqa: E402
from similarity import fashion_pca50  # noqa: E402

BASE = "8de25fb"


def _load(name, source):
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def old_module():
    """The base commit's ``_rbf.py``, on the base commit's ``_modules.py``."""

    def show(path):
        return subprocess.run(
            ["git", "show", f"{BASE}:{path}"],
            cwd=HERE.parents[1], check=True, capture_output=True, text=True,
        ).stdout

    _load("rbf_base_modules", show("skdeep/rbf/_modules.py"))
    source = show("skdeep/rbf/_rbf.py").replace(
        "from skdeep.rbf._modules import", "from rbf_base_modules import"
    )
    assert "rbf_base_modules" in source
    return _load("rbf_base", source)


def main():
    import torch

    import skdeep.rbf._rbf as new

    torch.set_num_threads(1)
    old = old_module()
    Ztr, ytr, Zte, yte, order = fashion_pca50()
    weights = np.random.RandomState(1).randint(0, 4, 5000).astype(float)
    cases = [(5000, None), (20000, None), (60000, None), (5000, weights)]
    out = []
    for n, w in cases:
        idx = order[:n]
        scores, row = {}, {"n": n, "weighted": w is not None}
        for name, module in (("base", old), ("new", new)):
            est = module.RBFNetworkClassifier(
                n_centers=1000, centers="kmeans_per_class", random_state=0
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.process_time()
                est.fit(Ztr[idx], ytr[idx], sample_weight=w)
                row[f"{name}_fit_cpu_s"] = time.process_time() - start
            scores[name] = est.decision_function(Zte)
            row[f"{name}_accuracy"] = float(np.mean(scores[name].argmax(1) == yte))
        row["predictions_differing"] = int(
            np.sum(scores["base"].argmax(1) != scores["new"].argmax(1))
        )
        difference = np.abs(scores["base"] - scores["new"]).max()
        row["max_score_difference"] = float(difference)
        row = stamped(row)
        out.append(row)
        print(json.dumps(row), flush=True)
    write_jsonl(HERE / "rbf_engineering_check.jsonl", out)


if __name__ == "__main__":
    main()
