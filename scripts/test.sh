#!/usr/bin/env bash
# Set up, fetch MNIST and iris, build and run the whole test suite; then the unit, reference and smoke tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer, then each libFuzzer target for
# REGMNIST_FUZZ_SECONDS (default 30; 0 skips fuzzing). This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export REGMNIST_REQUIRE_PNGCHECK=1 # setup.sh installs pngcheck: test_png must use it
scripts/get-data.sh mnist
scripts/get-data.sh iris # tests/iris.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
ctest --test-dir build --output-on-failure
if [[ ${1:-} != --no-sanitize ]]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DREGMNIST_SANITIZE=ON
  cmake --build build-asan -j2
  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure
  fuzz_seconds=${REGMNIST_FUZZ_SECONDS:-30}
  if [[ ! $fuzz_seconds =~ ^[0-9]+$ ]]; then
    echo "test: REGMNIST_FUZZ_SECONDS must be a whole number of seconds, got '$fuzz_seconds'" >&2
    exit 2
  fi
  if ((fuzz_seconds > 0)); then
    scripts/fuzz.sh "$fuzz_seconds"
  fi
fi
