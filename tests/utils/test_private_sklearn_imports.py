"""scikit-learn's private APIs are imported in one place only."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import ast
from pathlib import Path

import skdeep

ROOT = Path(skdeep.__file__).parent
PLUGIN = ROOT.parent / "plugins" / "skdeep-karateclub" / "skdeep_karateclub"


def _private_sklearn_imports(path):
    """``(line, module, names)`` of the imports of private scikit-learn
    names or modules in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "sklearn"
        ):
            names = [alias.name for alias in node.names]
            if any(part.startswith("_") for part in node.module.split(".")) or any(
                name.startswith("_") for name in names
            ):
                found.append((node.lineno, node.module, names))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sklearn") and any(
                    part.startswith("_") for part in alias.name.split(".")
                ):
                    found.append((node.lineno, alias.name, []))
    return found


def test_private_sklearn_apis_come_through_skdeep_utils_sklearn():
    # A scikit-learn release that moves a private name then breaks one
    # module, skdeep/utils/_sklearn.py, whose imports say what to mend.
    files = sorted(ROOT.rglob("*.py"))
    if PLUGIN.is_dir():
        files += sorted(PLUGIN.rglob("*.py"))
    assert len(files) > 50
    offenders = {
        str(path.relative_to(ROOT.parent)): found
        for path in files
        if path != ROOT / "utils" / "_sklearn.py"
        and (found := _private_sklearn_imports(path))
    }
    assert offenders == {}
    assert _private_sklearn_imports(ROOT / "utils" / "_sklearn.py")
