"""Helpers shared by the benchmark scripts (run by hand, never by the tests)."""

import json
import os
import platform
import resource
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def shared_data():
    """The shared benchmark data folder (``SKDEEP_SHARED_DATA`` overrides)."""
    env = os.environ.get("SKDEEP_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def machine():
    import torch

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"{time.strftime('%Y-%m-%d')}"
    )


def rss_mb():
    """The process's resident memory now, in MB (Linux ``/proc``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    """The process's peak resident memory so far, in MB (``ru_maxrss``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def markdown_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def load_average():
    """The 1, 5 and 15 minute load averages, for the machine line."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def mean_std(values, digits=4):
    """``mean ± std`` (ddof=1) of a list, the value alone for one, — for none."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def load_fashion():
    """Fashion-MNIST from the shared data: ``(X_train, y_train, X_test,
    y_test)``, images ``(n, 1, 28, 28)`` float32 in [0, 1], labels int64."""
    import numpy as np

    z = np.load(shared_data() / "fashion_mnist" / "fashion_mnist.npz")

    def images(a):
        return (a.astype(np.float32) / 255.0)[:, None]

    return (images(z["X_train"]), z["y_train"].astype(np.int64),
            images(z["X_test"]), z["y_test"].astype(np.int64))


class SharedArrays:
    """Holds arrays that skdeep's deepcopy of skorch callbacks must not copy."""

    def __init__(self, **arrays):
        self.__dict__.update(arrays)

    def __deepcopy__(self, memo):
        return self


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def write_parts(path, title, produced_by, sections, order):
    """Merge ``sections`` ({name: markdown}) into the results file ``path``.

    Each part sits under a ``<!-- part:NAME -->`` marker, so parts run
    separately replace only their own section; the others are kept. Parts are
    written in ``order``, then any others alphabetically.
    """
    path = Path(path)
    text = path.read_text() if path.exists() else ""
    parts, current = {}, None
    for line in text.splitlines():
        if line.startswith("<!-- part:"):
            current = line.split(":")[1].split()[0]
            parts[current] = []
        elif current:
            parts[current].append(line)
    for name, body in sections.items():
        parts[name] = body.splitlines()
    out = [f"# {title}", "", produced_by, ""]
    for name in [*order, *sorted(set(parts) - set(order))]:
        if name in parts:
            lines = parts[name]
            while lines and not lines[-1].strip():
                lines.pop()
            out += [f"<!-- part:{name} -->", *lines, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out).rstrip() + "\n")
    print(f"wrote {path}")


def stamped(record):
    """``record`` with the machine's load average and the time it was made
    (the machine is shared: timings are read against its load)."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return dict(record, load=load, time=time.strftime("%Y-%m-%d %H:%M:%S"))


def write_jsonl(path, records):
    """Write ``records`` to ``path``, one JSON object per line."""
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)


def paired_summary(new, ref, diffs):
    """One line on the per-data-set differences ``new - ref`` (a markdown item)."""
    return (f"- {new} - {ref}: mean {sum(diffs) / len(diffs):+.4f} over {len(diffs)} "
            f"sets; higher on {sum(x > 0 for x in diffs)}, equal on "
            f"{sum(x == 0 for x in diffs)}, lower on {sum(x < 0 for x in diffs)} "
            f"(largest drop {min(diffs):+.4f})")


def read_jsonl(path):
    """The records of a JSON-lines file (none if it does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def append_jsonl(path, record):
    """Append one record to a JSON-lines file (a run that stops keeps its cells)."""
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


class Store:
    """Results as JSON lines in ``out_dir/<part>.jsonl``: resume and merge.

    Every record carries the settings (``config``) it was run with, and the
    ``command`` that produced it; a cell is skipped when a record with the
    same key and config exists, and tables use only records with the current
    config. ``<part>.jsonl`` and any ``<part>.<suffix>.jsonl`` are read, so
    runs split across processes or machines merge (copy each one's file in
    under its own suffix); another part whose name starts with this one's
    (``shapelet_defaults2`` beside ``shapelet_defaults``) is not read.
    """

    def __init__(self, out_dir, part, config, command):
        self.path = Path(out_dir) / f"{part}.jsonl"
        self.config = json.loads(json.dumps(config))  # as read back
        self.command = command
        self.records = []
        files = [Path(out_dir) / f"{part}.jsonl",
                 *sorted(Path(out_dir).glob(f"{part}.*.jsonl"))]
        self.files = [f for f in files if f.is_file()]
        for f in self.files:
            for line in f.read_text().splitlines():
                if line.strip():
                    r = json.loads(line)
                    if r.get("config") == self.config:
                        self.records.append(r)

    def get(self, **key):
        for r in self.records:
            if all(r.get(k) == v for k, v in key.items()):
                return r
        return None

    def newest(self, **key):
        """The last record with ``key`` (cells run again append a record;
        the earlier ones stay as history)."""
        found = [r for r in self.records
                 if all(r.get(k) == v for k, v in key.items())]
        return found[-1] if found else None

    def add(self, record):
        record = stamped(dict(record, config=self.config, command=self.command,
                              machine=machine()))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")
        self.records.append(record)
        return record

    def provenance(self, records):
        machines = sorted({r["machine"] for r in records})
        commands = sorted({r["command"] for r in records})
        return [
            f"Cells read from `{self.path.parent}/{self.path.stem}.jsonl` "
            + "".join(f"and `{f.name}` " for f in self.files if f != self.path)
            + f"({len(records)} records), produced by "
            + "; ".join(f"`{c}`" for c in commands)
            + " on " + "; ".join(machines) + ".",
            "",
        ]
