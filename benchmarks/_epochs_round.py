"""A declared round for ``max_epochs="auto"`` (or another parameter) on small data.

Shared by ``cnn_runs/cnn_small_data.py`` (session 29),
``sequence_runs/rnn_small_data.py`` and ``rnn_clipping.py`` (session 30)
and ``sequence_runs/regressor_epochs.py`` (session 31): each script declares
its protocol in its docstring and builds an :class:`EpochsRound` with its
estimator, candidates and input layout. The classifiers' rounds use the
mechanics below; the regressors' round keeps them but brings its own data,
metric (R^2, floored for the rule), sources and baseline (``RidgeCV``) as
settings and overrides:

* candidates: ``K0``, a fixed number of epochs (the default before the
  round), and capped rules ``max(K0, min(cap, ceil(steps / b)))`` with ``b =
  ceil(n / batch_size)`` batches for a fit on ``n`` rows;
* selection data (not evidence): S1, the five generated series tasks of
  ``benchmarks/signal.py``'s shapelet rounds (fit on the training series,
  accuracy on the task's own test series); S2, the 9 UCR/UEA sets sktime
  ships, their TRAINING parts only, one ``StratifiedShuffleSplit(test_size=
  1/3, random_state=0)``; S3, Fashion-MNIST training images (a seeded
  permutation of the 60,000, fit on its first 300 and 1,000, accuracy on its
  last 2,000);
* score: the mean of the 16 accuracies; cost: their summed fit CPU seconds;
* rule: the candidate with the highest score; among those within ``within``
  of it, the cheapest; adopted if its score is at least K0's + ``min_gain``
  and no source's mean (S1, S2, S3) is more than ``max_source_loss`` below
  K0's;
* held out: the UCR/UEA sets' test parts (fit on the whole training part) and
  scikit-learn's digits with n = 200 and 500 training images (the first n of
  a seeded permutation, its last 797 as test rows), beside
  ``LogisticRegression(max_iter=2000)`` on the flattened inputs (NaN padding
  as 0; test series cut or zero-padded to the training length).
"""

import argparse
import importlib.util
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from _common import (
    append_jsonl,
    load_fashion,
    markdown_table,
    paired_summary,
    read_jsonl,
    stamped,
    write_parts,
)

BENCH = Path(__file__).resolve().parent
UCR = ("UnitTest", "ItalyPowerDemand", "BasicMotions", "GunPoint", "ArrowHead",
       "JapaneseVowels", "OSULeaf", "ACSF1", "PLAID")
SOURCES = ("S1", "S2", "S3")


@dataclass
class EpochsRound:
    """One estimator's round; see the module docstring.

    ``estimator`` names the class (``"module:Class"``; fitted with
    ``random_state`` (0) and a candidate's ``max_epochs``, or its defaults as
    committed), ``images(X)`` lays out square images ``(n, side, side)`` as
    its input, ``candidates`` maps names to caps (``None``: K0's
    ``k0_epochs``) or to dicts of constructor parameters (a round over
    another parameter; K0 is then ``{}``, the defaults).
    """

    out: Path
    estimator: str
    images: Callable
    candidates: dict
    k0_epochs: int = None
    batch_size: int = 128
    steps: int = 2000
    within: float = 0.005
    min_gain: float = 0.01
    max_source_loss: float = 0.01
    sources: tuple = SOURCES
    n_selection: int = 16
    metric: str = "accuracy"
    score_floor: float = None  # scores below it count as it in the rule's means
    random_state: int = 0  # the estimators' seed (a seed-noise diagnosis varies it)

    def candidate_epochs(self, name, n):
        cap = self.candidates[name]
        if cap is None:
            return self.k0_epochs
        batches = math.ceil(n / self.batch_size)
        return max(self.k0_epochs, min(cap, math.ceil(self.steps / batches)))

    # -- data ------------------------------------------------------------------

    def selection_tasks(self):
        from cnn import load_ucr
        from sklearn.model_selection import StratifiedShuffleSplit

        signal_bench = _signal_bench()
        for g in signal_bench.SELECTION_TASKS:
            yield "S1", g, (*signal_bench.generated_task(g, "train"),
                            *signal_bench.generated_task(g, "test"))
        for name in UCR:
            data = load_ucr(name)  # the training part only
            X, y = data["train"]["X"], data["train"]["y"]
            split = StratifiedShuffleSplit(n_splits=1, test_size=1 / 3, random_state=0)
            fit_i, val_i = next(split.split(X, y))
            yield "S2", name, (X[fit_i], y[fit_i], X[val_i], y[val_i])
        Xtr, ytr, _, _ = load_fashion()
        Xtr = self.images(Xtr.reshape(-1, 28, 28))
        order = np.random.RandomState(0).permutation(len(Xtr))
        val = order[-2000:]
        for n in (300, 1000):
            fit = order[:n]
            yield "S3", f"Fashion-MNIST n={n}", (Xtr[fit], ytr[fit], Xtr[val], ytr[val])

    def heldout_tasks(self):
        from cnn import load_ucr
        from sklearn.datasets import load_digits

        for name in UCR:
            data = load_ucr(name)
            yield "UCR", name, (data["train"]["X"], data["train"]["y"],
                                data["test"]["X"], data["test"]["y"])
        X, y = load_digits(return_X_y=True)
        X = self.images((X / 16.0).reshape(-1, 8, 8))
        order = np.random.RandomState(0).permutation(len(y))
        test = order[-797:]
        for n in (200, 500):
            fit = order[:n]
            yield "digits", f"digits 8x8 n={n}", (X[fit], y[fit], X[test], y[test])

    # -- runs ------------------------------------------------------------------

    def baseline(self):
        """The ``linear`` method, fitted on the flattened inputs."""
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=2000)

    def fit_score(self, method, Xtr, ytr, Xva, yva):
        if method == "linear":
            T = Xtr.shape[-1]

            def flat(X):  # test series cut or zero-padded to the training length
                X = np.nan_to_num(X[..., :T])
                width = [(0, 0)] * (X.ndim - 1) + [(0, T - X.shape[-1])]
                return np.pad(X, width).reshape(len(X), -1)
            model = self.baseline()
            Xtr, Xva = flat(Xtr), flat(Xva)
        else:
            module, name = self.estimator.split(":")
            estimator = getattr(importlib.import_module(module), name)
            params = {}  # "defaults": the estimator as committed
            if method != "defaults":
                spec = self.candidates[method]
                params = (dict(spec) if isinstance(spec, dict) else
                          {"max_epochs": self.candidate_epochs(method, len(Xtr))})
            model = estimator(**params, random_state=self.random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.process_time()
            model.fit(Xtr, ytr)
            cpu = time.process_time() - start
            score = float(model.score(Xva, yva))
        epochs = None if method == "linear" else int(model.n_iter_)
        return score, cpu, epochs

    def read(self):
        return read_jsonl(self.out)

    def run(self, stage, methods, tasks=None):
        """Fit and score ``methods`` on the stage's tasks (those whose name is
        in ``tasks``, all by default); cells on file are skipped."""
        import torch

        torch.set_num_threads(1)
        done = {(r["stage"], r["task"], r["method"]) for r in self.read()}
        source = self.selection_tasks if stage == "select" else self.heldout_tasks
        for group, task, (Xtr, ytr, Xva, yva) in source():
            if tasks is not None and task not in tasks:
                continue
            for method in methods:
                if (stage, task, method) in done:
                    continue
                score, cpu, epochs = self.fit_score(method, Xtr, ytr, Xva, yva)
                rec = stamped({"stage": stage, "source": group, "task": task,
                               "n": len(Xtr), "shape": list(Xtr.shape[1:]),
                               "method": method, "score": score, "fit_cpu_s": cpu,
                               "epochs": epochs})
                append_jsonl(self.out, rec)
                print(f"{stage} {task}: {method} {score:.4f} ({cpu:.1f} s, "
                      f"{epochs} epochs)", flush=True)

    def copy_cells(self, source, renamed):
        """Append the records of the JSON lines file ``source`` (another
        round's) whose method ``renamed`` maps, under the new name and with
        ``"copied_from"``: the same configuration run by the same code, not
        refitted. The linear baseline is copied from the held-out stage only;
        cells already on file are skipped."""
        have = {(r["stage"], r["task"], r["method"]) for r in self.read()}
        for r in read_jsonl(source):
            method = renamed.get(r["method"])
            if method is None or (method == "linear" and r["stage"] != "heldout"):
                continue
            if (r["stage"], r["task"], method) in have:
                continue
            append_jsonl(self.out, {**r, "method": method,
                                    "copied_from": f"{source.name}: {r['method']}"})

    # -- verdict and tables ----------------------------------------------------

    def decide(self, records):
        sel = [r for r in records if r["stage"] == "select"]
        floor = -np.inf if self.score_floor is None else self.score_floor
        score = {(r["task"], r["method"]): max(r["score"], floor) for r in sel}
        cells = {(r["task"], r["method"]): r for r in sel}
        tasks = list(dict.fromkeys(r["task"] for r in sel))
        source = {r["task"]: r["source"] for r in sel}
        names = list(self.candidates)
        S = {c: float(np.mean([score[t, c] for t in tasks])) for c in names}
        cost = {c: sum(cells[t, c]["fit_cpu_s"] for t in tasks) for c in names}
        best = max(S.values())
        pick = min((c for c in names if S[c] >= best - self.within), key=cost.get)
        by_source = {
            (s, c): float(np.mean([score[t, c] for t in tasks if source[t] == s]))
            for s in self.sources for c in names}
        worst = min(by_source[s, pick] - by_source[s, "K0"] for s in self.sources)
        adopted = (pick != "K0" and S[pick] >= S["K0"] + self.min_gain
                   and worst >= -self.max_source_loss)
        return pick, adopted, S, cost, by_source, worst

    def tables(self, records):
        names = list(self.candidates)
        out = []
        sel = [r for r in records if r["stage"] == "select"]
        if sel:
            tasks = list(dict.fromkeys(r["task"] for r in sel))
            by = {(r["task"], r["method"]): r for r in sel}
            rows = [[by[t, names[0]]["source"] if (t, "K0") in by else "",
                     f"{t} (n={by[t, 'K0']['n'] if (t, 'K0') in by else '?'})"]
                    + [_cell(by[t, c]) if (t, c) in by else "-" for c in names]
                    for t in tasks]
            verdict = "incomplete"
            if (all((t, c) in by for t in tasks for c in names)
                    and len(tasks) == self.n_selection):
                pick, adopted, S, cost, by_source, worst = self.decide(records)
                for s in self.sources:
                    rows.append(["", f"mean {s}"] + [f"{by_source[s, c]:.4f}"
                                                     for c in names])
                rows.append(["", "**score / CPU s**"]
                            + [f"**{S[c]:.4f} / {cost[c]:.0f}**" for c in names])
                verdict = (
                    f"pick {pick} (score {S[pick]:.4f} against K0 {S['K0']:.4f}, "
                    f"gain {S[pick] - S['K0']:+.4f}; worst source {worst:+.4f}): "
                    + ("**adopted**" if adopted else "**not adopted, K0 stays**"))
            out += [f"Selection ({self.metric} / fit CPU s (epochs run)):", "",
                    markdown_table(["source", "task", *names], rows), "",
                    f"Rule: {verdict}.", ""]
        held = [r for r in records if r["stage"] == "heldout"]
        if held:
            methods = list(dict.fromkeys(r["method"] for r in held))
            tasks = list(dict.fromkeys(r["task"] for r in held))
            by = {(r["task"], r["method"]): r for r in held}
            rows = [[t, str(by[t, methods[0]]["n"])]
                    + [_cell(by[t, m]) if (t, m) in by else "-" for m in methods]
                    for t in tasks]
            rows.append(["**mean**", ""] + [_mean_cell(by, tasks, m) for m in methods])
            out += [f"Held out (test {self.metric} / fit CPU s (epochs run)):", "",
                    markdown_table(["data set", "n train", *methods], rows), ""]
            for new in (m for m in methods if m in self.candidates and m != "K0"):
                both = [t for t in tasks if (t, new) in by and (t, "K0") in by]
                diff = [by[t, new]["score"] - by[t, "K0"]["score"] for t in both]
                if diff:
                    out.append(paired_summary(new, "K0", diff))
            out.append("")
        return "\n".join(out)

    @staticmethod
    def commands(script, heldout):
        """The reproducing commands of a round run by ``script`` (its path
        from the repository root): selection, held out with the arguments
        ``heldout``, tables."""
        run = f"OMP_NUM_THREADS=1 python {script}"
        return [f"{run} --stage select", f"{run} --stage heldout {heldout}",
                f"python {script} --stage tables  # writes this"]

    @staticmethod
    def write_section(results, part, heading, intro, text, commands, extra=()):
        """Write the round's section ``part`` of the results file of the
        benchmark module ``results`` (its ``RESULT_FILE``, ``TITLE``,
        ``PRODUCED_BY`` and ``PARTS``): the heading, the intro, ``text`` (the
        tables), ``extra`` lines and the reproducing ``commands``."""
        section = "\n".join([heading, "", intro, "", text, *extra, "Commands:", "",
                             "```", *commands, "```", ""])
        write_parts(results.RESULT_FILE, results.TITLE, results.PRODUCED_BY,
                    {part: section}, results.PARTS)

    def main(self, description, write_section):
        """The command line: ``--stage select | heldout --new PICK | tables``
        (``tables`` hands the text to ``write_section``)."""
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument("--stage", choices=("select", "heldout", "tables"),
                            required=True)
        parser.add_argument("--new", default="",
                            help="heldout: the adopted candidate, run beside K0, "
                                 "the estimator's current defaults and the linear "
                                 "model")
        parser.add_argument("--methods", default="",
                            help="run only these methods (comma-separated)")
        parser.add_argument("--tasks", default="",
                            help="run only these tasks (comma-separated names)")
        args = parser.parse_args()
        tasks = set(args.tasks.split(",")) if args.tasks else None
        if args.stage == "select":
            methods = list(self.candidates)
        else:
            methods = ["K0", *[c for c in args.new.split(",") if c],
                       "defaults", "linear"]
        if args.methods:
            methods = [m for m in methods if m in args.methods.split(",")]
        if args.stage != "tables":
            self.run(args.stage, methods, tasks)
        text = self.tables(self.read())
        print(text)
        if args.stage == "tables":
            write_section(text)


def _mean_cell(by, tasks, method):
    """The mean over the sets ``method`` was run on, with their number when
    that is not all of them."""
    scores = [by[t, method]["score"] for t in tasks if (t, method) in by]
    fewer = f" ({len(scores)} sets)" if len(scores) < len(tasks) else ""
    return f"**{np.mean(scores):.4f}**{fewer}"


def _cell(r):
    epochs = "" if r["epochs"] is None else f" ({r['epochs']})"
    return f"{r['score']:.4f} / {r['fit_cpu_s']:.1f}{epochs}"


def _signal_bench():
    spec = importlib.util.spec_from_file_location("signal_bench", BENCH / "signal.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
