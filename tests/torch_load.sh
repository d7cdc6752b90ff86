#!/usr/bin/env bash
# PyTorch loads a regmnist model.safetensors strictly (scripts/torch_load_model.py) and gets the same
# test accuracy as the run's summary.json, within 0.02 points: BatchNorm + dropout, and LayerNorm.
# usage: torch_load.sh REGMNIST SOURCE_DIR DATA_DIR   (exit 77 = skipped: no torch, or no MNIST)
set -u
bin=$1 src=$2 data=$3
/usr/bin/python3 -c 'import torch, numpy' 2> /dev/null || { echo "torch_load: SKIPPED: /usr/bin/python3 has no torch (scripts/setup.sh --torch)"; exit 77; }
[[ -e $data/t10k-images-idx3-ubyte || -e $data/t10k-images-idx3-ubyte.gz ]] || { echo "torch_load: SKIPPED: no MNIST in $data"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/lib.sh"
for c in "early_stop.json --set data.subset=0.05 --set training.epochs=3" "layernorm.json --set data.subset=0.05 --set training.epochs=1"; do
  read -r cfg rest <<< "$c"
  # shellcheck disable=SC2086
  "$bin" --config "$src/configs/$cfg" --set "data.dir=\"$data\"" $rest --out "$tmp/${cfg%.json}" --quiet || { no "$cfg run"; continue; }
  /usr/bin/python3 "$src/scripts/torch_load_model.py" "$tmp/${cfg%.json}" --data-dir "$data" && ok || no "$cfg: PyTorch's accuracy differs"
done
finish
