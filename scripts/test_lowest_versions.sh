#!/usr/bin/env bash
# The test suite against the lowest versions pyproject.toml allows: a second
# environment (.venv-lowest) set up by scripts/setup.sh under the constraints
# in scripts/lowest-versions.txt, then pytest (arguments passed on). Safe to
# re-run. The bounds are only claims until this passes.
set -euo pipefail
cd "$(dirname "$0")/.."

export SKDEEP_VENV=${SKDEEP_VENV:-.venv-lowest}
SKDEEP_CONSTRAINTS=scripts/lowest-versions.txt bash scripts/setup.sh
"$SKDEEP_VENV/bin/python" -m pip list --format=freeze 2>/dev/null | grep -i -E \
    "^(numpy|scipy|scikit-learn|skorch|pluggy|pywavelets|tqdm|matplotlib|networkx|gensim|numba|sktime|dask|pytest|pytest-xdist|pandas|torch)==" \
    | tr '\n' ' ' && echo
"$SKDEEP_VENV/bin/python" -m pytest "$@"
