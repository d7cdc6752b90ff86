#!/usr/bin/env bash
# Benchmark regmnist against PyTorch 1.13 (see docs/performance.md).
# usage: scripts/bench.sh [--runs N] [--only LIST] [--quick] [--no-sweep] [--sweep-runs N]
#                         [--iris-sweep-runs N] [--iris-sweep-spec FILE] [--coretype default|env|both|NAME]
#                         [--build DIR] [--out DIR] [--dataloader]
# --only takes rows from workloads (alias headline), sweep, smoke, iris, iris-sweep, contention, taskset
# (default: all of them); --coretype both measures them under the environment's OPENBLAS_CORETYPE /
# OPENBLAS_L2_SIZE and with both unset (OpenBLAS's own choice), in the benchmark's children only.
# Sets up (including python3-torch), fetches MNIST and iris and builds first. All rows take ~25 minutes
# (--coretype both twice that); never a test. Time it on a quiet machine: bench.md records the load
# average at each stage.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --torch
scripts/get-data.sh mnist
scripts/get-data.sh iris
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j2 > /dev/null
exec /usr/bin/python3 scripts/bench.py "$@"
