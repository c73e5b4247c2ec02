"""``skdeep demo``: a short tour fitting each model family next to its classical baseline."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import time

# family -> module with a ``demo() -> list[dict]`` function. Each dict has the
# keys task, model, score, baseline, baseline_score, metric, seconds.
DEMOS = {
    "autoencoder": "skdeep.autoencoder._demo",
    "som": "skdeep.som._demo",
    "signal": "skdeep.signal._demo",
    "uncertainty": "skdeep.uncertainty._demo",
    "graph": "skdeep.graph._demo",
    "recurrent": "skdeep.recurrent._demo",
    "cnn": "skdeep.cnn._demo",
    "seq2seq": "skdeep.seq2seq._demo",
    "rbf": "skdeep.rbf._demo",
    "siamese": "skdeep.siamese._demo",
    "capsule": "skdeep.capsule._demo",
    "gnn": "skdeep.gnn._demo",
    "neuroevolution": "skdeep.neuroevolution._demo",
}


def run_demos(families=None, *, print_fn=print):
    """Run the demos of ``families`` (all by default); return their rows."""
    families = list(DEMOS) if not families else list(families)
    unknown = [f for f in families if f not in DEMOS]
    if unknown:
        raise ValueError(f"Unknown demo family {unknown}; choose from {list(DEMOS)}.")
    all_rows = []
    header = (
        f"{'family':<14} {'task':<44} {'skdeep model':<26} {'score':>7}   "
        f"{'baseline':<22} {'score':>7}  {'metric':<10} {'time':>6}"
    )
    print_fn(header)
    print_fn("-" * len(header))
    for family in families:
        start = time.perf_counter()
        try:
            rows = importlib.import_module(DEMOS[family]).demo()
        except ImportError as exc:
            print_fn(f"{family:<14} skipped: {exc} (install the matching extra)")
            continue
        for row in rows:
            print_fn(
                f"{family:<14} {row['task']:<44.44} {row['model']:<26.26} "
                f"{row['score']:>7.4f}   {row['baseline']:<22.22} "
                f"{row['baseline_score']:>7.4f}  {row['metric']:<10.10} "
                f"{row.get('seconds', time.perf_counter() - start):>5.1f}s"
            )
            all_rows.append({"family": family, **row})
    return all_rows
