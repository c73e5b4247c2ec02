"""The user guide's code: every ``.. code-block:: python`` of ``docs/*.rst``
runs, and the values its comments state are the values it gives.

The blocks of one page run in order in one namespace, as a reader would run
them. An expression statement whose trailing comment is a literal (a number,
a tuple, a list, ``array([...])``) is compared with it, floats to the
precision written (``# 0.982`` holds for 0.9815 to 0.9825), or within the
tolerance written after it (``# 0.946 ± 0.002``, for a figure that the CPU's
float kernels move: text after the tolerance is prose); a comment starting
with ``~`` is approximate and not compared, and any other comment is prose.
A block that cannot run here (it needs the network, a file the reader has, a
plugin package, or names the prose only describes) is preceded by an rst
comment ``.. not run: <why>``, which the built docs do not show.
"""

import ast
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(DOCS.glob("*.rst"))
_BLOCK = re.compile(r"^(\s*)\.\. code-block:: python\s*$")
_NOT_RUN = re.compile(r"^\s*\.\. not run:")


def code_blocks(text):
    """``[(line, code, run)]``: each python block's first line (1-based),
    its dedented code, and False where a ``.. not run:`` comment precedes it."""
    lines = text.split("\n")
    found = []
    for i, line in enumerate(lines):
        match = _BLOCK.match(line)
        if not match:
            continue
        before = [b for b in lines[:i] if b.strip()]
        run = not (before and _NOT_RUN.match(before[-1]))
        indent, body = len(match.group(1)), []
        for b in lines[i + 1 :]:
            if b.strip() and len(b) - len(b.lstrip()) <= indent:
                break
            body.append(b)
        code = "\n".join(body).strip("\n")
        margin = min(len(b) - len(b.lstrip()) for b in code.split("\n") if b.strip())
        found.append((i + 2, "\n".join(b[margin:] for b in code.split("\n")), run))
    return found


_TOLERANCE = re.compile(r"^\s*(-?[\d.]+(?:e-?\d+)?)\s*±\s*([\d.]+(?:e-?\d+)?)\b")


def stated_tolerance(comment):
    """``(value, tolerance)`` of a ``value ± tolerance`` comment, else None."""
    match = _TOLERANCE.match(comment)
    return None if match is None else (float(match.group(1)), float(match.group(2)))


def stated_value(comment):
    """The literal a comment states, or None for prose or ``~`` values."""
    comment = comment.strip()
    if stated_tolerance(comment) is not None:
        return stated_tolerance(comment)[0]
    if not comment or comment.startswith("~"):
        return None
    if comment.startswith("array("):
        try:
            return np.array(ast.literal_eval(comment[len("array(") : -1]))
        except (ValueError, SyntaxError):
            return None
    try:
        return ast.literal_eval(comment)
    except (ValueError, SyntaxError):
        return None


def _decimals(text):
    """Decimals written for each number of a comment, in order."""
    return [len(m.group(1)) for m in re.finditer(r"\d\.(\d+)", text)] or [0]


def matches(value, stated, comment):
    """``value`` equals ``stated`` to the precision the comment writes (or
    within the tolerance it states)."""
    tolerance = stated_tolerance(comment)
    if tolerance is not None:
        return abs(float(value) - tolerance[0]) <= tolerance[1] + 1e-12
    if isinstance(stated, (tuple, list)) and not isinstance(value, np.ndarray):
        return (
            isinstance(value, (tuple, list))
            and len(value) == len(stated)
            and all(matches(v, s, repr(s)) for v, s in zip(value, stated))
        )
    if isinstance(stated, (float, np.ndarray)) or (
        isinstance(stated, int) and isinstance(value, (float, np.floating))
    ):
        half_unit = 0.5 * 10.0 ** -max(_decimals(comment)) + 1e-12
        value = np.asarray(value, dtype=float)
        return value.shape == np.shape(stated) and bool(
            np.all(np.abs(value - stated) <= half_unit)
        )
    return value == stated


def run_page(path):
    """Run a page's blocks; return what failed, one line each."""
    namespace, problems = {}, []
    for first_line, code, run in code_blocks(path.read_text()):
        if not run:
            continue
        source = code.split("\n")
        for node in ast.parse(code).body:
            where = f"{path.name}:{first_line + node.lineno - 1}"
            comment = re.search(r"#(.*)$", source[node.end_lineno - 1])
            stated = stated_value(comment.group(1)) if comment else None
            try:
                if isinstance(node, ast.Expr) and stated is not None:
                    value = eval(compile(ast.Expression(node.value), where, "eval"),
                                 namespace)
                    if not matches(value, stated, comment.group(1)):
                        problems.append(f"{where}: gives {value!r}, the page says "
                                        f"{comment.group(1).strip()}")
                else:
                    exec(compile(ast.Module([node], []), where, "exec"), namespace)
            except Exception as e:  # noqa: BLE001 - reported, with the line
                problems.append(f"{where}: {type(e).__name__}: {e}"[:300])
                break  # the rest of the block depends on this statement
    return problems


def test_code_blocks_are_found_and_marked():
    # The harness itself: blocks, their lines, the not-run marks, literals.
    text = (
        "Intro.\n\n.. not run: needs the network\n\n.. code-block:: python\n\n"
        "    x = 1\n\nText.\n\n.. code-block:: python\n\n    x + 1  # 2\n"
    )
    blocks = code_blocks(text)
    assert [(line, run) for line, _, run in blocks] == [(6, False), (12, True)]
    assert blocks[1][1] == "x + 1  # 2"
    assert stated_value(" 0.982") == 0.982 and stated_value(" ~ 0.9") is None
    assert stated_value(" (True, 106)") == (True, 106)
    assert stated_value(" flat rows of 64 pixels") is None
    assert matches(0.98249, 0.982, "0.982") and not matches(0.9826, 0.982, "0.982")
    assert matches((True, 106), (True, 106), "(True, 106)")
    assert not matches((True, 63), (True, 106), "(True, 106)")
    assert matches(np.array([-0.0112, 0.9284]), np.array([-0.011, 0.928]),
                   "array([-0.011,  0.928])")
    comment = " 0.946 ± 0.002 (prose)"
    assert stated_value(comment) == 0.946
    assert matches(0.9448, 0.946, comment) and matches(0.9473, 0.946, comment)
    assert not matches(0.9485, 0.946, comment)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_user_guide_code_runs_and_states_its_values(path, monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from threadpoolctl import threadpool_limits

    from skdeep.utils._torch import torch_threads

    monkeypatch.chdir(tmp_path)  # (pages that save a model write here)
    # One thread for torch, BLAS and OpenMP, as the pages' figures were
    # measured: summed in another order (two threads, or a limit an earlier
    # test left), a seeded CNN scored 0.981 where one thread gives 0.979
    with warnings.catch_warnings(), torch_threads(1), threadpool_limits(1):
        warnings.simplefilter("ignore")
        problems = run_page(path)
    assert not problems, "\n".join(problems)


def _api_reference_objects():
    """Import paths of what docs/api/*.rst lists, and of their public methods."""
    import importlib
    import inspect

    paths = []
    for page in sorted((DOCS / "api").glob("*.rst")):
        module = None
        for line in page.read_text().split("\n"):
            found = re.match(r"\.\. currentmodule:: (\S+)", line)
            if found:
                module = found.group(1)
            elif module and re.match(r"^   [A-Za-z_][\w.]*\s*$", line):
                name = line.strip()
                obj = getattr(importlib.import_module(module), name)
                paths.append(f"{module}.{name}")
                if inspect.isclass(obj):
                    paths += [f"{module}.{name}.{attr}"
                              for attr, value in vars(obj).items()
                              if not attr.startswith("_") and inspect.isfunction(value)]
    return paths


def test_api_reference_documents_parameters_and_returns():
    # numpydoc's validation of everything the API reference lists: every
    # parameter documented (PR01), none that does not exist (PR02), in the
    # signature's order (PR03: the entries are grouped by meaning, and the
    # keyword-only parameters of __init__ follow them), a Returns section
    # where something is returned (RT01), a docstring (GL08).
    validate = pytest.importorskip("numpydoc.validate").validate
    paths = _api_reference_objects()
    assert len(paths) > 200
    problems = [f"{path}: {code} {message}"
                for path in paths
                for code, message in validate(path)["errors"]
                if code in ("PR01", "PR02", "PR03", "RT01", "GL08")]
    assert not problems, "\n".join(problems)


def _autosummary_entries():
    """``module.name`` of every autosummary entry in the documentation."""
    entries = set()
    for page in sorted(DOCS.rglob("*.rst")):
        if "_build" in page.parts or "generated" in page.parts:
            continue
        module, in_block = None, False
        for line in page.read_text().split("\n"):
            found = re.match(r"\.\. currentmodule:: (\S+)", line)
            if found:
                module = found.group(1)
            elif line.startswith(".. autosummary::"):
                in_block = True
            elif in_block and re.match(r"^   [A-Za-z_][\w.]*\s*$", line):
                entries.add(f"{module}.{line.strip()}")
            elif in_block and line and not line.startswith("   "):
                in_block = False
    return entries


def test_api_reference_lists_every_public_name():
    # A name exported in a public module's __all__ is part of the API: an
    # autosummary lists it (callables) or the API pages name it in their
    # prose (constants).
    import importlib
    import pkgutil

    import skdeep

    listed = _autosummary_entries()
    prose = "\n".join(p.read_text() for p in (DOCS / "api").glob("*.rst"))
    missing = []
    for info in pkgutil.walk_packages(skdeep.__path__, "skdeep."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            path = f"{info.name}.{name}"
            if path in listed or (not callable(getattr(module, name))
                                  and path in prose):
                continue
            missing.append(path)
    assert not missing, missing
