"""NEATRegressor on heavy-tailed inputs: with and without a quantile transform (a diagnosis).

Session 33, after session 32's sweep (``small_series_regression_sweep.py``)
found ``NEATRegressor`` at R^2 -10.7 on sktime's Covid3Month. The fitness
counts connections, not weight sizes, so an evolved linear path extrapolates
freely on a row far outside the training data (there: one test row whose
largest value, 1.36, is about 15 times a typical row's). Asked here: does a
``QuantileTransformer`` in front fix it, and what does it cost elsewhere?
On the sweep's 12 sets (the early-stopping round's held-out tasks,
flattened), ``NEATRegressor()`` and ``make_pipeline(QuantileTransformer(
n_quantiles=min(100, n)), NEATRegressor())`` at ``random_state`` 0, 1, 2; test
R^2. Nothing is chosen from it: the estimator's defaults do not change; the
finding goes to the user guide as advice for heavy-tailed features.

Found: Covid3Month -10.72 / -38.22 / -0.89 plain against 0.089 / -0.001 /
0.064 with the transform; but on series with a trend the bounded transform
cannot extrapolate (Airline windows 0.90 / 0.90 / 0.90 against -0.32 / 0.12
/ -0.50) and Tecator falls from 0.87-0.88 to 0.68-0.80: advice for
heavy-tailed features, not a default.

    OMP_NUM_THREADS=1 python benchmarks/sweep_runs/neat_heavy_tails.py \\
        benchmarks/sweep_runs/neat_heavy_tails.jsonl
"""

import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sequence_runs"))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))


def main(out):
    import torch
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import QuantileTransformer
    from threadpoolctl import threadpool_limits

    from _common import append_jsonl
    from regressor_early_stopping import ROUND
    from skdeep.neuroevolution import NEATRegressor

    torch.set_num_threads(1)
    threadpool_limits(1)
    for _, task, (Xtr, ytr, Xte, yte) in ROUND.heldout_tasks():
        A, B = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
        for seed in (0, 1, 2):
            models = {
                "NEATRegressor": NEATRegressor(random_state=seed),
                "QuantileTransformer + NEATRegressor": make_pipeline(
                    QuantileTransformer(n_quantiles=min(100, len(A))),
                    NEATRegressor(random_state=seed)),
            }
            for name, model in models.items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    score = float(model.fit(A, ytr).score(B, yte))
                rec = {"data": task, "model": name, "seed": seed, "score": score,
                       "n": len(ytr)}
                print(json.dumps(rec), flush=True)
                append_jsonl(out, rec)


if __name__ == "__main__":
    main(sys.argv[1])
