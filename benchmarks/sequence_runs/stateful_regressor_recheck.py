"""The ``stateful`` part's RNNRegressor rows, rerun after the targets were standardized.

Session 31: ``RNNRegressor`` now trains on standardized targets, and the
``stateful`` part of ``benchmarks/sequence.py`` (recorded 2026-12-01) has
one-step RNNRegressor rows. A full rerun of the part takes over an hour
here (its LSTMForecaster fits, which the change does not touch, dominate),
so this script reruns the regressor rows only, with the part's own code
(``_sequence_stateful.evaluate_regressor``: same data, windows, parameters
and seeds 0-4), and prints the means beside the recorded ones. The
section in ``benchmarks/results/sequence.md`` is left as recorded.

    OMP_NUM_THREADS=1 python benchmarks/sequence_runs/stateful_regressor_recheck.py

Session 31's output (MASE mean ± std over the 5 seeds; recorded -> now):
ECG stateless 0.339 ± 0.055 -> 0.328 ± 0.092, stateful 0.335 ± 0.096 ->
0.346 ± 0.103 (verdict unchanged: no clear difference); ElectricDevices
stateless 0.937 ± 0.062 -> 0.918 ± 0.039, stateful 0.837 ± 0.036 -> 0.834 ±
0.053 (unchanged: stateful helped).
"""

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _sequence_stateful as S  # noqa: E402


def main():
    import torch

    torch.set_num_threads(1)
    for name in S.DATASETS:
        y = S.load_series(name)
        n_train = int(round(S.TRAIN_SHARE * len(y)))
        sp = S.dominant_period(y.iloc[:n_train])
        for stateful in (False, True):
            runs = []
            for seed in range(5):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    runs.append(S.evaluate_regressor(
                        y, n_train, sp, stateful, seed, S.REGRESSOR["max_epochs"]))
            mase = np.array([r["mase"] for r in runs])
            smape = np.array([r["smape"] for r in runs])
            print(f"{name}, RNNRegressor {'stateful' if stateful else 'stateless'}: "
                  f"MASE {mase.mean():.3f} ± {mase.std(ddof=1):.3f}, sMAPE "
                  f"{smape.mean():.2f} ± {smape.std(ddof=1):.2f}", flush=True)


if __name__ == "__main__":
    main()
