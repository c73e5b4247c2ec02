"""Benchmark sections: long-range memory tasks and the speed of the cells.

Called by ``benchmarks/sequence.py`` for its ``memory`` and ``speed`` parts
(``run_memory(opts)`` and ``run_speed(opts)`` each return a markdown
section); the protocol of both is declared in that script's docstring.
Imported only when one of these parts is asked for.

Every run appends one JSON line per cell to ``<runs-dir>/<part>.jsonl``
(:class:`Store`), so a long run can be split (``--memory-tasks``,
``--memory-cells``) and resumed: cells already present with the same
settings are skipped, and the tables are built from all records with the
current settings.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

try:
    from _common import Store, machine, markdown_table
except ImportError:  # imported as benchmarks._sequence_memory
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import Store, machine, markdown_table

from skdeep.recurrent._cells import (
    RecurrentStack,
    hidden_size_for_budget,
    linear_recurrence,
    parameter_count,
)

# ----------------------------------------------------------------- settings

MEMORY_CELLS = ("rwa", "qrnn", "sru", "lstm", "gru")
ADDING_SOLVED_MSE = 0.01  # fixed before any run (the usual criterion)
ADDING_TRIVIAL_MSE = 1 / 6  # predict 1.0: Var(U1 + U2) = 2/12
COPY_SYMBOLS, COPY_RECALL = 8, 10  # 10 symbols from 8 categories
COPY_VOCAB = COPY_SYMBOLS + 2  # 0 blank, 1-8 symbols, 9 delimiter
COPY_SOLVED_ACCURACY = 0.99  # recalled symbols right, fixed before any run
# (task, T) -> (seed group, training budget (CPU seconds of the process, one torch thread) per run in seconds).
# Seed group "short": --memory-seeds (default 2); "long": --memory-long-seeds
# (default 1). The walls sum to about 36 minutes with the default seeds.
MEMORY_PLAN = {
    ("adding", 100): ("short", 45),
    ("adding", 500): ("long", 75),
    ("adding", 1000): ("long", 120),
    ("copy", 50): ("short", 40),
    ("copy", 100): ("long", 60),
}
QUICK_MEMORY_PLAN = {
    ("adding", 100): ("short", 2),
    ("adding", 1000): ("long", 2),
    ("copy", 20): ("short", 2),
}
SCAN_VARIANTS = ("scan: autograd loop", "scan: TorchScript loop", "scan: chunked, L=32",
                 "scan: cumprod/cumsum", "scan: numba loops")
SPEED_MODELS = ("nn.LSTM", "nn.GRU", "lstm", "gru", "rnn", "rwa", "qrnn", "qrnn-window1",
                "sru")
SPEED_BATCH, SPEED_HIDDEN, SPEED_INPUT = 32, 256, 256


# -------------------------------------------------------------------- store


def _load():
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _command():
    return "python benchmarks/sequence.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:]
    )


# --------------------------------------------------------------------- data


def adding_batch(n, T, generator):
    """The adding problem: ``(n, T, 2)`` inputs and ``(n,)`` targets.

    Channel 0 holds uniform [0, 1] values, channel 1 marks two steps, one
    drawn uniformly from the first half and one from the second; the target
    is the sum of the two marked values.
    """
    values = torch.rand(n, T, generator=generator)
    half = T // 2
    first = torch.randint(0, half, (n,), generator=generator)
    second = torch.randint(half, T, (n,), generator=generator)
    rows = torch.arange(n)
    marker = torch.zeros(n, T)
    marker[rows, first] = 1.0
    marker[rows, second] = 1.0
    target = values[rows, first] + values[rows, second]
    return torch.stack([values, marker], dim=2), target


def copy_batch(n, T, generator):
    """The copy-memory task (Arjovsky et al., 2016), ``T + 20`` steps.

    Steps 0-9 hold 10 symbols drawn from the 8 categories 1-8, then come
    ``T - 1`` blanks (0), the delimiter (9) and 10 blanks; the targets are
    blanks for the first ``T + 10`` steps and the 10 symbols for the last 10.
    Inputs are one-hot ``(n, T + 20, 10)``, targets ``(n, T + 20)`` codes.
    """
    length = T + 2 * COPY_RECALL
    symbols = torch.randint(1, COPY_SYMBOLS + 1, (n, COPY_RECALL), generator=generator)
    seq = torch.zeros(n, length, dtype=torch.long)
    seq[:, :COPY_RECALL] = symbols
    seq[:, T + COPY_RECALL - 1] = COPY_VOCAB - 1
    target = torch.zeros(n, length, dtype=torch.long)
    target[:, -COPY_RECALL:] = symbols
    return F.one_hot(seq, COPY_VOCAB).float(), target


def copy_baseline(T):
    """Cross-entropy of blanks then uniform guesses: ``10 log 8 / (T + 20)``."""
    return COPY_RECALL * math.log(COPY_SYMBOLS) / (T + 2 * COPY_RECALL)


TASK_INPUTS = {"adding": 2, "copy": COPY_VOCAB}
TASK_BATCH = {"adding": adding_batch, "copy": copy_batch}


# ------------------------------------------------------------------- models


class MemoryNet(nn.Module):
    """One-layer :class:`RecurrentStack` and a linear readout.

    Adding: one value read from the output after the last step; copy: class
    scores read at every step.
    """

    def __init__(self, cell, input_size, hidden_size, n_outputs, per_step):
        super().__init__()
        self.rnn = RecurrentStack(input_size, hidden_size, cell=cell)
        self.readout = nn.Linear(self.rnn.output_size, n_outputs)
        self.per_step = per_step

    def forward(self, x):
        outputs, last, _ = self.rnn(x)
        return self.readout(outputs if self.per_step else last)


def width_for_budget(cell, input_size, budget):
    """Largest hidden size whose one-layer stack has at most ``budget``
    parameters.

    ``skdeep.recurrent._cells.hidden_size_for_budget`` searches below
    ``2 * sqrt(budget)``, which is too low for cells whose parameters grow
    linearly in the width (SRU, QRNN on a narrow input); this search grows
    its upper bound until it exceeds the budget. Where both agree the skdeep
    one is used.
    """

    def count(h):
        return parameter_count(RecurrentStack(input_size, h, cell=cell))

    h = hidden_size_for_budget(cell, input_size, budget)
    if count(h + 1) > budget:
        return h
    lo, hi = h, 2 * h
    while count(hi) <= budget:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if count(mid) <= budget else (lo, mid)
    return lo


def budget_for(task, budget_hidden):
    """The parameter budget: a one-layer LSTM of ``budget_hidden`` units."""
    return parameter_count(
        RecurrentStack(TASK_INPUTS[task], budget_hidden, cell="lstm")
    )


# ----------------------------------------------------------------- training


def _test_batch(task, T, size):
    gen = torch.Generator().manual_seed(987_654 + T)  # the same for all runs
    return TASK_BATCH[task](size, T, gen)


@torch.no_grad()
def _evaluate(model, task, test, chunk=100):
    model.eval()
    x, y = test
    sq_err, ce, correct = 0.0, 0.0, 0
    for i in range(0, len(x), chunk):
        out = model(x[i : i + chunk])
        yb = y[i : i + chunk]
        if task == "adding":
            sq_err += float(((out[:, 0] - yb) ** 2).sum())
        else:
            ce += float(F.cross_entropy(
                out.reshape(-1, COPY_VOCAB), yb.reshape(-1), reduction="sum"))
            pred = out[:, -COPY_RECALL:].argmax(-1)
            correct += int((pred == yb[:, -COPY_RECALL:]).sum())
    model.train()
    if task == "adding":
        return dict(error=sq_err / len(x))
    return dict(error=ce / y.numel(), accuracy=correct / (len(x) * COPY_RECALL))


def _solved(task, ev):
    if task == "adding":
        return ev["error"] < ADDING_SOLVED_MSE
    return ev["accuracy"] >= COPY_SOLVED_ACCURACY


def _stop_text(stop):
    # Runs recorded before the budget was named for the CPU time it counts.
    return "CPU-time budget" if stop == "wall budget" else stop


def train_memory(task, T, cell, seed, *, budget, batch_size, lr, max_steps,
                 wall_s, eval_every, test, width=None):
    """One run: train until solved, ``max_steps`` or ``wall_s`` of training.

    The hidden size is the largest within the parameter ``budget``, or
    ``width`` when given (every cell as wide).
    """
    C = TASK_INPUTS[task]
    H = width if width is not None else width_for_budget(cell, C, budget)
    torch.manual_seed(seed)
    if task == "adding":
        model = MemoryNet(cell, C, H, 1, per_step=False)
    else:
        model = MemoryNet(cell, C, H, COPY_VOCAB, per_step=True)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(10_000 * seed + T)
    make = TASK_BATCH[task]
    curve, steps, train_s, eval_s = [], 0, 0.0, 0.0
    solved_step = solved_s = None
    stop = "step budget"
    last_loss = None
    while steps < max_steps:
        if train_s >= wall_s:
            stop = "CPU-time budget"
            break
        # Budgets count this process's CPU time (torch on one thread), so a
        # busy machine does not cut a run short.
        start = time.process_time()
        x, y = make(batch_size, T, gen)
        out = model(x)
        if task == "adding":
            loss = F.mse_loss(out[:, 0], y)
        else:
            loss = F.cross_entropy(out.reshape(-1, COPY_VOCAB), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        last_loss = float(loss.detach())
        train_s += time.process_time() - start
        steps += 1
        if not math.isfinite(last_loss):
            stop = "diverged (non-finite loss)"
            break
        if steps % eval_every == 0:
            start = time.perf_counter()
            ev = _evaluate(model, task, test)
            eval_s += time.perf_counter() - start
            curve.append(dict(step=steps, train_s=round(train_s, 3), **ev))
            if _solved(task, ev):
                solved_step, solved_s, stop = steps, train_s, "solved"
                break
    if not curve or curve[-1]["step"] != steps:
        start = time.perf_counter()
        ev = _evaluate(model, task, test)
        eval_s += time.perf_counter() - start
        curve.append(dict(step=steps, train_s=round(train_s, 3), **ev))
    final = curve[-1]
    return dict(
        hidden=H,
        rnn_params=parameter_count(model.rnn),
        params=parameter_count(model),
        steps=steps,
        train_s=train_s,
        eval_s=eval_s,
        s_per_step=train_s / max(steps, 1),
        solved_step=solved_step,
        solved_train_s=solved_s,
        stop=stop,
        final_error=final["error"],
        final_accuracy=final.get("accuracy"),
        last_train_loss=last_loss,
        curve=curve,
    )


# --------------------------------------------------------------- the part


def _plan(opts):
    plan = QUICK_MEMORY_PLAN if opts.quick else MEMORY_PLAN
    if opts.memory_tasks:
        wanted = set()
        for item in opts.memory_tasks.split(","):
            task, _, T = item.strip().partition(":")
            wanted.add((task, int(T)))
        unknown = wanted - set(plan)
        if unknown:
            raise SystemExit(
                f"--memory-tasks: unknown {sorted(unknown)}; choose from "
                + ", ".join(f"{t}:{T}" for t, T in plan)
            )
        plan = {k: v for k, v in plan.items() if k in wanted}
    return plan


def _seeds(group, opts):
    if opts.quick:
        return [0]
    return list(range(opts.memory_seeds if group == "short" else opts.memory_long_seeds))


def memory_config(opts):
    full = QUICK_MEMORY_PLAN if opts.quick else MEMORY_PLAN
    return dict(
        match=opts.memory_match,
        budget_hidden=opts.budget_hidden,
        batch_size=opts.memory_batch,
        lr=1e-3,
        max_steps=opts.max_steps,
        eval_every=opts.eval_every,
        test_size=opts.test_size,
        walls={f"{t}:{T}": round(w * opts.wall_scale, 3)
               for (t, T), (_, w) in full.items()},
        adding_solved_mse=ADDING_SOLVED_MSE,
        copy_solved_accuracy=COPY_SOLVED_ACCURACY,
        threads=torch.get_num_threads(),
        torch=torch.__version__,
    )


def run_memory(opts):
    """Run (or, with ``opts.merge``, only tabulate) the memory part."""
    config = memory_config(opts)
    store = Store(opts.runs_dir, "memory", config, _command())
    plan = _plan(opts)
    cells = [c.strip() for c in opts.memory_cells.split(",")] if opts.memory_cells \
        else list(MEMORY_CELLS)
    if not opts.merge:
        for (task, T), (group, wall) in plan.items():
            todo = [(c, s) for s in _seeds(group, opts) for c in cells
                    if store.get(task=task, T=T, cell=c, seed=s) is None]
            if not todo:
                print(f"== {task} T={T}: all cells present", flush=True)
                continue
            print(f"== {task} T={T}: {len(todo)} runs, {wall * opts.wall_scale:.0f} s "
                  "of training each at most", flush=True)
            test = _test_batch(task, T, opts.test_size)
            for cell, seed in todo:
                res = train_memory(
                    task, T, cell, seed,
                    budget=budget_for(task, opts.budget_hidden),
                    batch_size=opts.memory_batch, lr=1e-3,
                    max_steps=opts.max_steps, wall_s=wall * opts.wall_scale,
                    eval_every=opts.eval_every, test=test,
                    width=opts.budget_hidden if opts.memory_match == "hidden"
                    else None,
                )
                rec = store.add(dict(task=task, T=T, cell=cell, seed=seed, **res))
                acc = ("" if rec["final_accuracy"] is None
                       else f", recall accuracy {rec['final_accuracy']:.3f}")
                print(f"{task} T={T} {cell} seed {seed}: {rec['stop']} after "
                      f"{rec['steps']} steps ({rec['train_s']:.0f} s, "
                      f"{rec['s_per_step'] * 1000:.0f} ms/step), test "
                      f"{'MSE' if task == 'adding' else 'CE'} "
                      f"{rec['final_error']:.4f}{acc}", flush=True)
    return memory_tables(store, opts)


def _ms(values, digits=4):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1):.{digits}f}"


def rwa_claim(records, T=1000):
    """Whether "RWA solves the adding problem at T=1000 much faster than
    LSTM" holds in these records (a sentence, computed from them).

    "Much faster": every RWA run solved it, and either no LSTM run did, or
    RWA's median steps and median training seconds to solve are both at
    most half of LSTM's.
    """
    runs = {c: [r for r in records if r["task"] == "adding" and r["T"] == T
                and r["cell"] == c] for c in ("rwa", "lstm")}
    if not runs["rwa"] or not runs["lstm"]:
        return (f"Claim \"RWA solves the adding problem at T={T} much faster "
                "than LSTM\": not tested (runs missing).")
    claim = f"Claim \"RWA solves the adding problem at T={T} much faster than LSTM\": "

    def describe(c):
        rs = runs[c]
        solved = [r for r in rs if r["solved_step"] is not None]
        text = f"{c.upper()} solved {len(solved)}/{len(rs)} runs"
        if solved:
            text += (f" (median {statistics.median(r['solved_step'] for r in solved):.0f}"
                     f" steps, {statistics.median(r['solved_train_s'] for r in solved):.0f}"
                     " s of training)")
        unsolved = [r for r in rs if r["solved_step"] is None]
        if unsolved:
            text += ("; unsolved after " + ", ".join(
                f"{r['steps']} steps / {r['train_s']:.0f} CPU s "
                f"({_stop_text(r['stop'])}, test MSE {r['final_error']:.3f})"
                for r in unsolved))
        return text

    detail = f"{describe('rwa')}; {describe('lstm')}."
    rwa_ok = all(r["solved_step"] is not None for r in runs["rwa"])
    lstm_solved = [r for r in runs["lstm"] if r["solved_step"] is not None]
    if not rwa_ok:
        if not lstm_solved and not any(r["solved_step"] for r in runs["rwa"]):
            verdict = ("NOT ESTABLISHED in this run: neither model solved it "
                       "within its budget")
        else:
            verdict = "DOES NOT HOLD in this run: RWA did not solve every run"
    elif not lstm_solved:
        verdict = ("HOLDS within this run's budget: RWA solved every run, LSTM "
                   "none (LSTM might still solve it with more steps)")
    else:
        med = {c: (statistics.median(r["solved_step"] for r in rs),
                   statistics.median(r["solved_train_s"] for r in rs))
               for c, rs in (("rwa", runs["rwa"]), ("lstm", lstm_solved))}
        # LSTM runs that did not solve it count for LSTM only through the
        # "every RWA run solved" condition above.
        ok = med["rwa"][0] <= med["lstm"][0] / 2 and med["rwa"][1] <= med["lstm"][1] / 2
        verdict = ("HOLDS in this run: RWA needed at most half of LSTM's steps "
                   "and training time" if ok else
                   "DOES NOT HOLD in this run: RWA did not need at most half of "
                   "LSTM's steps and training time")
    return claim + verdict + ". " + detail


def memory_tables(store, opts):
    recs = store.records
    cfg = store.config
    budgets = {t: budget_for(t, cfg["budget_hidden"]) for t in TASK_INPUTS}
    if cfg.get("match", "params") == "hidden":
        sizing = (f"every cell with {cfg['budget_hidden']} hidden units (the RWA "
                  "paper's protocol, which used 250; parameter counts differ)")
    else:
        sizing = (
            "every cell at an equal parameter budget for the recurrent layer: "
            f"that of a one-layer LSTM with {cfg['budget_hidden']} units on the "
            f"task's input (adding: {budgets['adding']:,}, copy: "
            f"{budgets['copy']:,} parameters; the RWA paper used 250 units, "
            "scaled down for one CPU core), so QRNN and SRU, without a "
            "hidden-to-hidden matrix, are much wider")
    lines = [
        "## Long-range memory: adding problem and copy memory",
        "",
        f"Machine: {machine()}; load average now {_load()} (shared machine: "
        "compare times within a table).",
        "",
        "Protocol (see the docstring of `benchmarks/sequence.py`): "
        "`RecurrentStack` (one layer, defaults: QRNN window 2 with fo-pooling, "
        f"unit forget bias) + a linear readout, {sizing}. Adam, lr "
        f"{cfg['lr']}, batch {cfg['batch_size']}, a fresh batch from a seeded "
        "generator every step, no gradient clipping; test set: "
        f"{cfg['test_size']} fixed held-out sequences, evaluated every "
        f"{cfg['eval_every']} steps. A run stops when solved, after "
        f"{cfg['max_steps']:,} steps or after its budget of training CPU time "
        "(evaluation excluded; one torch thread): "
        + ", ".join(f"{k} {v:g} s" for k, v in cfg["walls"].items())
        + f". Solved: adding, test MSE < {cfg['adding_solved_mse']} (trivial "
        f"baseline, predicting 1: {ADDING_TRIVIAL_MSE:.3f}); copy, recall "
        f"accuracy ≥ {cfg['copy_solved_accuracy']} on the 10 recalled symbols "
        "(baseline cross-entropy 10 log 8 / (T + 20)). *Steps to solve*: the "
        "first evaluation under the threshold, per seed (— : not solved); "
        "final error and accuracy: at the run's last step (when solved, the "
        "solving evaluation). torch on "
        f"{cfg['threads']} thread(s).",
        "",
        *store.provenance(recs),
    ]
    plan = QUICK_MEMORY_PLAN if opts.quick else MEMORY_PLAN
    for (task, T) in plan:
        rows = []
        for cell in MEMORY_CELLS:
            rs = sorted((r for r in recs if r["task"] == task and r["T"] == T
                         and r["cell"] == cell), key=lambda r: r["seed"])
            if not rs:
                continue
            solved = [r for r in rs if r["solved_step"] is not None]
            row = [
                cell.upper(),
                rs[0]["hidden"],
                f"{rs[0]['rnn_params']:,} / {rs[0]['params']:,}",
                len(rs),
                f"{len(solved)}/{len(rs)}",
                ", ".join(str(r["solved_step"]) if r["solved_step"] is not None
                          else "—" for r in rs),
                ", ".join(f"{r['solved_train_s']:.0f}" if r["solved_step"] is not None
                          else "—" for r in rs),
                _ms([r["final_error"] for r in rs]),
            ]
            if task == "copy":
                row.append(_ms([r["final_accuracy"] for r in rs], 3))
            row += [
                f"{np.mean([r['steps'] for r in rs]):.0f}",
                f"{np.mean([r['s_per_step'] for r in rs]) * 1000:.0f}",
                f"{np.mean([r['train_s'] + r['eval_s'] for r in rs]):.0f}",
            ]
            rows.append(row)
        if not rows:
            continue
        if task == "adding":
            title = (f"### Adding problem, T = {T} (test MSE; trivial baseline "
                     f"{ADDING_TRIVIAL_MSE:.3f}, solved < {ADDING_SOLVED_MSE})")
            err = ["final test MSE"]
        else:
            title = (f"### Copy memory, T = {T} ({T + 20} steps; baseline "
                     f"cross-entropy {copy_baseline(T):.4f})")
            err = ["final test CE", "final recall accuracy"]
        lines += [
            title,
            "",
            markdown_table(
                ["cell", "hidden", "params (layer / total)", "runs", "solved",
                 "steps to solve (per seed)", "training s to solve", *err,
                 "steps run (mean)", "ms / step", "time s (train + eval)"],
                rows,
            ),
            "",
        ]
    lines.append(rwa_claim(recs))
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------- speed


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time_fwd_bwd(run, params, x, grad, device, warmup, repeats):
    """Median seconds of ``run(x)`` forward plus backward."""
    times = []
    for i in range(warmup + repeats):
        for p in params:
            p.grad = None
        x.grad = None
        _sync(device)
        start = time.perf_counter()
        out = run(x)
        out.backward(grad)
        _sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _speed_model(name, device):
    torch.manual_seed(0)
    if name.startswith("nn."):
        module = getattr(nn, name[3:])(SPEED_INPUT, SPEED_HIDDEN, batch_first=True)
        module.to(device)
        return module, lambda x: module(x)[0]
    if name == "qrnn-window1":  # gates from the current step only
        module = RecurrentStack(SPEED_INPUT, SPEED_HIDDEN, cell="qrnn", window=1)
    else:
        module = RecurrentStack(SPEED_INPUT, SPEED_HIDDEN, cell=name)
    module = module.to(device)
    return module, lambda x: module(x)[0]


def speed_config(opts):
    return dict(batch=SPEED_BATCH, hidden=SPEED_HIDDEN, input=SPEED_INPUT,
                warmup=opts.speed_warmup, repeats=opts.speed_repeats,
                lengths=list(_speed_lengths(opts)))  # torch: in each record's machine


def _speed_lengths(opts):
    return (50, 200) if opts.quick else (100, 1000)


def run_speed(opts):
    """Time forward + backward of one layer of every cell."""
    store = Store(opts.runs_dir, "speed", speed_config(opts), _command())
    if not opts.merge:
        settings = []
        if opts.device == "cpu":
            settings.append((torch.device("cpu"), 1))
            if opts.default_threads != 1:
                settings.append((torch.device("cpu"), opts.default_threads))
        else:
            if not torch.cuda.is_available():
                raise SystemExit("--device cuda: CUDA is not available")
            settings.append((torch.device(opts.device), opts.default_threads))
        before = torch.get_num_threads()
        try:
            for device, threads in settings:
                torch.set_num_threads(threads)
                for T in _speed_lengths(opts):
                    _speed_cell(store, opts, device, threads, T)
        finally:
            torch.set_num_threads(before)
    return speed_tables(store, opts)


def _autograd_loop(f, b):
    c = torch.zeros_like(f[:, 0])
    out: list[torch.Tensor] = []
    for t in range(f.shape[1]):
        c = f[:, t] * c + b[:, t]
        out.append(c)
    return torch.stack(out, 1)


def _cumulative_scan(f, b):
    """The parallel form ``c_t = A_t * sum_{s<=t} b_s / A_s``, ``A = cumprod(f)``:
    O(log T) depth, but ``A_t`` underflows on long series."""
    A = torch.cumprod(f, 1)
    return A * torch.cumsum(b / A, 1)


def _chunked_scan(f, b, length=32):
    """Stable chunked form (GPU only): within a chunk of ``length`` steps,
    ``c_t = sum_{s<=t} exp(L_t - L_s) b_s + exp(L_t) c_prev`` with ``L`` the
    chunk's cumulative sum of ``log f``; every factor ``exp(L_t - L_s)`` is at
    most 1, so nothing overflows, at ``length`` times the arithmetic of the
    loop but in T / length sequential steps of batched element-wise work."""
    n, T, H = f.shape
    logf = torch.log(f.clamp_min(torch.finfo(f.dtype).tiny))
    prev = f.new_zeros(n, H)
    keep = torch.ones(length, length, dtype=torch.bool, device=f.device).tril()
    chunks = []
    for start in range(0, T, length):
        lc = torch.cumsum(logf[:, start:start + length], 1)  # (n, L, H)
        L = lc.shape[1]
        diff = lc[:, :, None, :] - lc[:, None, :, :]  # (n, t, s, H)
        weights = torch.exp(diff.masked_fill(~keep[:L, :L, None], float("-inf")))
        c = torch.einsum("ntsh,nsh->nth", weights, b[:, start:start + length])
        c = c + torch.exp(lc) * prev[:, None]
        prev = c[:, -1]
        chunks.append(c)
    return torch.cat(chunks, 1)


def _numba_scan():
    """Forward and backward loops compiled with numba (CPU only)."""
    import numba

    @numba.njit(cache=False)
    def forward(f, b, out):
        n, T, H = f.shape
        for i in range(n):
            c = np.zeros(H, f.dtype)
            for t in range(T):
                for h in range(H):
                    c[h] = f[i, t, h] * c[h] + b[i, t, h]
                    out[i, t, h] = c[h]

    @numba.njit(cache=False)
    def backward(f, c, grad, gf, gb):
        n, T, H = f.shape
        for i in range(n):
            g = np.zeros(H, f.dtype)
            for t in range(T - 1, -1, -1):
                for h in range(H):
                    g[h] = grad[i, t, h] + (f[i, t + 1, h] * g[h] if t + 1 < T else 0.0)
                    gb[i, t, h] = g[h]
                    gf[i, t, h] = g[h] * (c[i, t - 1, h] if t > 0 else 0.0)

    class Scan(torch.autograd.Function):
        @staticmethod
        def forward(ctx, f, b):
            out = torch.empty_like(b)
            forward(f.detach().numpy(), b.detach().numpy(), out.numpy())
            ctx.save_for_backward(f, out)
            return out

        @staticmethod
        def backward(ctx, grad):
            f, c = ctx.saved_tensors
            gf, gb = torch.empty_like(f), torch.empty_like(f)
            backward(f.numpy(), c.numpy(), grad.contiguous().numpy(), gf.numpy(),
                     gb.numpy())
            return gf, gb

    return Scan.apply


def _scan_variants(device):
    """name -> callable(f, b) of the other ways to run linear_recurrence."""
    variants = {
        "scan: autograd loop": _autograd_loop,
        "scan: TorchScript loop": torch.jit.script(_autograd_loop),
        "scan: cumprod/cumsum": _cumulative_scan,
    }
    if device.type == "cpu":
        variants["scan: numba loops"] = _numba_scan()
    else:  # GPU only: it does 32x the loop's arithmetic, in fewer steps
        variants["scan: chunked, L=32"] = _chunked_scan
    return variants


def _speed_cell(store, opts, device, threads, T):
    gen = torch.Generator().manual_seed(T)
    x = torch.randn(SPEED_BATCH, T, SPEED_INPUT, generator=gen).to(device)
    x.requires_grad_(True)
    grad = torch.randn(SPEED_BATCH, T, SPEED_HIDDEN, generator=gen).to(device)
    where = f"{device.type}, {threads} thread(s)" if device.type == "cpu" \
        else f"{device.type} ({torch.cuda.get_device_name(device)})"
    print(f"== speed {where}, T={T}", flush=True)
    key = dict(device=device.type, threads=threads, T=T)
    for name in SPEED_MODELS:
        module, run = _speed_model(name, device)
        med, times = _time_fwd_bwd(run, list(module.parameters()), x, grad, device,
                                   opts.speed_warmup, opts.speed_repeats)
        store.add(dict(key, model=name, seconds=med, times=times,
                       params=parameter_count(module)))
        print(f"{name:8s} {med * 1000:9.1f} ms", flush=True)
    # The shared sequential kernel alone, on (32, T, 256).
    f = torch.sigmoid(torch.randn(SPEED_BATCH, T, SPEED_HIDDEN, generator=gen)).to(device)
    b = torch.randn(SPEED_BATCH, T, SPEED_HIDDEN, generator=gen).to(device)
    f.requires_grad_(True)
    b.requires_grad_(True)
    times = []
    for i in range(opts.speed_warmup + opts.speed_repeats):
        f.grad = b.grad = None
        _sync(device)
        start = time.perf_counter()
        linear_recurrence(f, b).backward(grad)
        _sync(device)
        if i >= opts.speed_warmup:
            times.append(time.perf_counter() - start)
    med = statistics.median(times)
    # against float64 on the CPU (the GPU runs it in two levels, not the loop)
    exact = linear_recurrence(f.detach().double().cpu(), b.detach().double().cpu())
    error = float((linear_recurrence(f, b).detach().double().cpu() - exact).abs().max())
    store.add(dict(key, model="linear_recurrence", seconds=med, times=times, params=0,
                   max_abs_error=error))
    print(f"{'linear_recurrence':8s} {med * 1000:9.1f} ms, max |error| vs float64 "
          f"{error:.2e}", flush=True)
    # The ways of running the same recurrence the issue asks to compare.
    reference = linear_recurrence(f, b).detach()
    for name, fn in _scan_variants(device).items():
        times = []
        for i in range(opts.speed_warmup + opts.speed_repeats):
            f.grad = b.grad = None
            _sync(device)
            start = time.perf_counter()
            out = fn(f, b)
            out.backward(grad)
            _sync(device)
            if i >= opts.speed_warmup:
                times.append(time.perf_counter() - start)
        out = out.detach()
        error = float((out - reference).abs().max()) if torch.isfinite(out).all() \
            else float("nan")
        med = statistics.median(times)
        store.add(dict(key, model=name, seconds=med, times=times, params=0,
                       max_abs_error=error))
        print(f"{name:8s} {med * 1000:9.1f} ms, max |error| {error:.2e}", flush=True)


def speed_tables(store, opts):
    cfg = store.config
    latest = {}
    for r in store.records:  # the latest record of each cell
        latest[(r["machine"].split(", torch")[0], r["device"], r["threads"], r["T"],
                r["model"])] = r
    groups = sorted({k[:3] for k in latest}, key=str)
    lines = [
        "## Speed of one recurrent layer (forward + backward)",
        "",
        f"One layer, batch {cfg['batch']}, input {cfg['input']}, hidden "
        f"{cfg['hidden']}, float32, T = {', '.join(map(str, cfg['lengths']))}: "
        "the wall time of the forward pass on a random input (requiring its "
        "gradient) plus the backward pass of a fixed random output gradient; "
        f"median of {cfg['repeats']} repeats after {cfg['warmup']} warm-up "
        "passes. `nn.LSTM` / `nn.GRU`: torch's modules called directly; the "
        "others: `RecurrentStack(256, 256, cell=...)` (its lstm/gru/rnn wrap "
        "torch's fused modules; QRNN window 2 (the default) with fo-pooling, "
        "and `qrnn-window1` with window 1; SRU without the input projection "
        "since input = hidden). With input = hidden, QRNN (window 2) does 3/4 "
        "of an LSTM layer's multiply-adds, QRNN (window 1) and SRU 3/8. "
        "`scan: ...` rows: the other ways of running that kernel, on the "
        "same data (max error against it; the cumprod/cumsum parallel form "
        "underflows on long series; `chunked, L=32`, GPU runs only: each "
        "chunk of 32 steps as a sum over a 32 x 32 triangle of decays "
        "computed in log space). `linear_recurrence`: the "
        "sequential kernel QRNN and SRU share, alone on (32, T, 256), its "
        "share of their layer's time and (newer records) its max error "
        "against a float64 CPU run; on the CPU a loop of one fused "
        "multiply-add per step, on a GPU a two-level scan (chunks of about "
        "sqrt(T) steps side by side, then one step per chunk). CPU with 1 thread and with torch's "
        "default thread count (the machine's cores; the machine is shared, so "
        "multi-thread times are noisy), and CUDA where a run used "
        "`--device cuda`. Ratio: nn.LSTM's time / the model's (> 1: faster "
        "than nn.LSTM).",
        "",
        *store.provenance(store.records),
    ]
    verdicts = []
    for host, device, threads in groups:
        Ts = sorted({k[3] for k in latest if k[:3] == (host, device, threads)})
        rows = []
        for name in (*SPEED_MODELS, "linear_recurrence", *SCAN_VARIANTS):
            row = [name if name.startswith("nn.") or name == "linear_recurrence"
                   or name in SCAN_VARIANTS else f"RecurrentStack {name}"]
            for T in Ts:
                r = latest.get((host, device, threads, T, name))
                ref = latest.get((host, device, threads, T, "nn.LSTM"))
                if r is None:
                    row += ["—", "—"]
                    continue
                row.append(f"{r['seconds'] * 1000:.1f}")
                if name in SCAN_VARIANTS:
                    lr_rec = latest.get((host, device, threads, T, "linear_recurrence"))
                    err = r.get("max_abs_error")
                    row.append(
                        ("diverges (non-finite)" if err is None or err != err
                         else f"max error {err:.1e}")
                        + (f"; {r['seconds'] / lr_rec['seconds']:.1f}x "
                           "linear_recurrence's time" if lr_rec else ""))
                    continue
                if name == "linear_recurrence":
                    shares = []
                    for cell in ("qrnn", "sru"):
                        c = latest.get((host, device, threads, T, cell))
                        if c:
                            shares.append(f"{r['seconds'] / c['seconds']:.0%} of {cell}")
                    if r.get("max_abs_error") is not None:
                        shares.append(f"max error {r['max_abs_error']:.1e} vs float64")
                    row.append("; ".join(shares) or "—")
                else:
                    row.append(f"{ref['seconds'] / r['seconds']:.2f}" if ref else "—")
            if any(cell != "—" for cell in row[1:]):  # (GPU-only variants)
                rows.append(row)
        head = ["model"]
        for T in Ts:
            head += [f"T={T} ms", f"T={T} vs nn.LSTM"]
        where = (f"CPU, {threads} thread(s)" if device == "cpu" else device.upper())
        lines += [f"### {where}; {host}", "", markdown_table(head, rows), ""]
        Tmax = max(Ts)
        if device == "cpu" and Tmax == max(cfg["lengths"]):
            ref = latest.get((host, device, threads, Tmax, "nn.LSTM"))
            parts = []
            ok = ref is not None
            for cell in ("qrnn", "sru"):
                r = latest.get((host, device, threads, Tmax, cell))
                if r is None or ref is None:
                    ok = False
                    continue
                ratio = ref["seconds"] / r["seconds"]
                ok &= ratio >= 2
                parts.append(f"{cell.upper()} {ratio:.2f}x")
            w1 = latest.get((host, device, threads, Tmax, "qrnn-window1"))
            if w1 is not None and ref is not None:
                parts.append(f"QRNN window 1: {ref['seconds'] / w1['seconds']:.2f}x")
            verdicts.append(
                f"Target \"QRNN and SRU >= 2x faster than nn.LSTM at T={Tmax} on "
                f"CPU\" ({threads} thread(s), {host}): "
                + ("MET" if ok else "NOT MET") + " (" + ", ".join(parts) + ").")
    lines += verdicts
    return "\n".join(lines) + "\n"
