"""The lowest-versions constraints match the lower bounds the pyprojects declare.

``scripts/test_lowest_versions.sh`` (run by CI) installs
``scripts/lowest-versions.txt`` and runs the tests there; this keeps that file
and the ``>=`` bounds of ``pyproject.toml`` (and of the karateclub plugin's)
from drifting apart, so the bounds users get are the ones that were tested.
"""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# The extras the tests install (scripts/setup.sh); "vision" is paired with
# torch, "docs" builds in the main environment, "benchmark" is run by hand.
TESTED_EXTRAS = ("plot", "graph", "timeseries", "neat", "distributed", "test")
UNPINNED = {"torch", "skdeep"}  # torch: no CPU wheel of its lowest release here


def _name(text):
    return re.sub(r"[-_.]+", "-", text).lower()


def _lower_bounds(pyproject, extras):
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    bounds = {}
    for text in requirements:
        req = Requirement(text)
        name = _name(req.name)
        for spec in req.specifier:
            if spec.operator == ">=" and name not in UNPINNED:
                bounds[name] = Version(spec.version)
    return bounds


def _constraints():
    pins = {}
    for line in (ROOT / "scripts" / "lowest-versions.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[_name(name)] = Version(version)
    return pins


def test_constraints_pin_every_lower_bound_exactly():
    pins = _constraints()
    declared = {
        **_lower_bounds(ROOT / "plugins" / "skdeep-karateclub" / "pyproject.toml", ()),
        **_lower_bounds(ROOT / "pyproject.toml", TESTED_EXTRAS),
    }
    assert declared, "no lower bounds found"
    for name, bound in declared.items():
        assert pins.get(name) == bound, (
            f"{name}: pyproject says >= {bound}, scripts/lowest-versions.txt pins "
            f"{pins.get(name)}"
        )
    assert set(pins) == set(declared), set(pins) ^ set(declared)


def test_the_plugin_does_not_allow_older_than_skdeep():
    core = _lower_bounds(ROOT / "pyproject.toml", TESTED_EXTRAS)
    plugin = _lower_bounds(
        ROOT / "plugins" / "skdeep-karateclub" / "pyproject.toml", ()
    )
    for name, bound in plugin.items():
        if name in core:
            assert bound == core[name], (name, bound, core[name])
