#!/usr/bin/env bash
# The GPU checks in one go, for a machine with a CUDA GPU (CI has none):
# tests/test_gpu.py (every torch estimator fits on "cuda", reproduces under a
# seed, and its pickle / skdeep.io file loads where no GPU is visible), the
# SOM's CUDA-vs-CPU test, and the recurrent speed benchmark on the GPU
# (benchmarks/sequence.py --part speed --device cuda, which appends to
# benchmarks/sequence_runs/speed.jsonl and rewrites the speed section of
# benchmarks/results/sequence.md).
#
#   bash benchmarks/gpu_check.sh [LOG_DIR]
#
# skdeep and its dependencies must be importable by `python3` (for example
# `pip install -e .[graph,timeseries]`). Logs and the updated result files are
# copied to LOG_DIR (default: a new temporary folder).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA GPU visible'" || exit 1
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv | tee "$out/gpu.txt"
python3 -c "import numpy, scipy, sklearn, skorch, torch
print('torch', torch.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__,
      'scikit-learn', sklearn.__version__, 'skorch', skorch.__version__)" | tee -a "$out/gpu.txt"

status=0
timeout 600 python3 -m pytest tests/test_gpu.py "tests/som/test_som.py::test_cuda_matches_cpu" \
    -p no:cacheprovider -q -rfEX --tb=short 2>&1 | tee "$out/gpu_tests.log" || status=1
timeout 600 python3 benchmarks/sequence.py --part speed --device cuda 2>&1 \
    | tee "$out/speed.log" || status=1
cp benchmarks/sequence_runs/speed.jsonl benchmarks/results/sequence.md "$out/"
echo "logs and result files in $out"
exit $status
