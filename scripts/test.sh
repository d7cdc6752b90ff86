#!/usr/bin/env bash
# Set up, fetch MNIST, build and run the whole test suite; then the unit, reference and smoke tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/get-data.sh mnist
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
ctest --test-dir build --output-on-failure
if [[ ${1:-} != --no-sanitize ]]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DREGMNIST_SANITIZE=ON
  cmake --build build-asan -j2
  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure
fi
