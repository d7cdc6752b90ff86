#!/usr/bin/env bash
# Smoke test on real MNIST: configs/smoke_5pct.json (5% subset) must run, write its three files
# and reach at least 88% test accuracy at the last epoch.
# usage: smoke.sh REGMNIST SOURCE_DIR DATA_DIR
set -euo pipefail
bin=$1 src=$2 data=$3
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [[ ! -e $data/$f && ! -e $data/$f.gz ]]; then
    echo "smoke: $data/$f missing: run scripts/get-data.sh mnist first" >&2
    exit 1
  fi
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" --config "$src/configs/smoke_5pct.json" --set "data.dir=\"$data\"" --out "$out/run" --quiet
for f in metrics.csv config.json summary.json; do
  [[ -s $out/run/$f ]] || { echo "smoke: $f not written" >&2; exit 1; }
done
cat "$out/run/metrics.csv"
rows=$(($(wc -l < "$out/run/metrics.csv") - 1))
epochs=$(grep -o '"epochs":[[:space:]]*[0-9]*' "$out/run/config.json" | grep -o '[0-9]*$')
[[ $rows -eq $epochs ]] || { echo "smoke: $rows rows for $epochs epochs" >&2; exit 1; }
acc=$(tail -n 1 "$out/run/metrics.csv" | cut -d, -f8)
[[ $acc =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "smoke: test accuracy '$acc' is not a number" >&2; exit 1; }
awk -v a="$acc" 'BEGIN { exit !(a + 0 >= 88.0) }' || { echo "smoke: test accuracy $acc% < 88%" >&2; exit 1; }
echo "smoke: last-epoch test accuracy $acc%"
echo "1 passed, 0 failed"
