#!/usr/bin/env bash
# Set up a development environment in .venv: skdeep (editable) with the extras
# the tests, docs and demo need, and the template plugin. Safe to re-run.
#
# SKDEEP_VENV: another folder for the environment (default .venv).
# SKDEEP_CONSTRAINTS: a pip constraints file for everything installed after
# torch and torchvision (scripts/test_lowest_versions.sh passes
# scripts/lowest-versions.txt: the lowest versions pyproject.toml allows).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${SKDEEP_VENV:-.venv}
CONSTRAIN=()
[ -z "${SKDEEP_CONSTRAINTS:-}" ] || CONSTRAIN=(-c "$SKDEEP_CONSTRAINTS")
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install --quiet --upgrade pip

# torch first: a bare "torch" requirement resolves to a multi-GB CUDA build.
# Without an NVIDIA GPU, take the CPU wheel (torch 2.13.0 is the CPU build
# available on the project machines); with one, the default CUDA build.
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        $PIP install --quiet torch
    else
        $PIP install --quiet "torch==2.13.0"
    fi
fi

# torchvision (the "vision" extra) must be the release built for the installed
# torch: a bare "torchvision" pulls the newest torch, a multi-GB CUDA build.
# For torch 2.x the pair is torchvision 0.(minor + 15), e.g. 2.13 <-> 0.28.
# The installed version is compared, not `import torchvision`: PyPI's wheel
# imports beside a CPU torch only through skdeep (_import_torchvision in
# skdeep/cnn/_pretrained.py).
TORCHVISION=$("$VENV/bin/python" -c 'import torch
major, minor = (int(v) for v in torch.__version__.split(".")[:2])
assert major == 2, f"no known torchvision pairing for torch {torch.__version__}"
print(f"0.{minor + 15}")')
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys
sys.exit(not m.version('torchvision').startswith('$TORCHVISION.'))" 2>/dev/null; then
    $PIP install --quiet "torchvision==$TORCHVISION.*"
fi

$PIP install --quiet "${CONSTRAIN[@]}" -e ".[test,docs,plot,graph,timeseries,vision,neat,distributed]" -e plugins/skdeep-plugin-template

# The karateclub plugin: karateclub pins numpy<1.23, networkx<2.7 and
# pandas<=1.3.5, so it is installed without its declared dependencies; the
# plugin's own pyproject lists what `import karateclub` really needs.
$PIP install --quiet --no-deps karateclub
$PIP install --quiet "${CONSTRAIN[@]}" -e plugins/skdeep-karateclub
"$VENV/bin/python" -c "import skdeep, torch; print(f'skdeep {skdeep.__version__}, torch {torch.__version__}: ready')"
