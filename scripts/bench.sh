#!/usr/bin/env bash
# Benchmark regmnist against PyTorch 1.13 on full MNIST (see docs/performance.md).
# usage: scripts/bench.sh [--runs N] [--quick] [--no-sweep] [--sweep-runs N] [--coretype auto|default|NAME]
#                         [--build DIR] [--out DIR] [--dataloader]
# Sets up (including python3-torch), fetches MNIST and builds first. Takes ~15 minutes; never a test.
# Time it on a quiet machine: bench.md records the load average at each stage.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --torch
scripts/get-data.sh mnist
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j2 > /dev/null
exec /usr/bin/python3 scripts/bench.py "$@"
