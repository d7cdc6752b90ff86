#!/usr/bin/env bash
# The memory a run needs, estimated before anything is allocated, against --max-memory (default: the
# machine's physical memory): --print-config and a run refuse a config past it with exit 2 and one
# line naming the key and its origin; the estimate follows what a run allocates. (issue 16, item 8)
# usage: limits.sh REGMNIST SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

python3 "$src/tests/tiny_idx.py" "$tmp/data" 200 100 || { echo "FAIL: cannot generate data"; exit 1; }
cat > "$tmp/base.json" <<JSON
{"name": "b", "data": {"dir": "$tmp/data", "val_fraction": 0.2}, "model": {"hidden": [16]},
 "training": {"epochs": 1, "batch_size": 16}}
JSON
wide=$(python3 -c 'print([65536] * 16)' | tr -d ' ')

# hidden=[65536]*16 is refused by --print-config, not left to fail with out of memory
expect 2 "16 layers of 65536" -- --print-config --config "$tmp/base.json" --set "model.hidden=$wide" --max-memory 64G
has "$tmp/err" "regmnist: --set model.hidden=$wide: model.hidden: the run needs about 1.7 TiB, more than the limit 64.0 GiB (--max-memory)"
[[ ! -s $tmp/out ]] && ok || no "--print-config printed a config it refused"
expect 2 "16 layers of 65536, the machine's memory" -- --print-config --config "$tmp/base.json" --set "model.hidden=$wide"
has "$tmp/err" "(the machine's memory; see --max-memory)"
# the estimate, by hand: Adam, [16] hidden, batch 16 (so the evaluation chunk of 1000 samples),
# 160 train / 40 val / 100 test images: parameters 12730 floats x 4 (weights, gradients, exp_avg,
# exp_avg_sq); activations 1000 x (16 + 16 + 10) and the input batch and two gradient buffers
# 3 x 1000 x 784 floats; images and labels 300 x 785 bytes, indices 4 x (160 + 40 + 100 + 160)
# and 8 x 160 bytes, the batch's labels and loss gradient 1000 x 41 bytes: 10059300 bytes; and the
# state copy kept between saves (output.checkpoint_every > 0): 4 x (3 x 12730 + 160) = 153400 bytes
expect 0 "a run at its estimate" -- --print-config --config "$tmp/base.json" --max-memory 10212700
expect 2 "a byte less" -- --print-config --config "$tmp/base.json" --max-memory 10212699
has "$tmp/err" "base.json: model.hidden: the run needs about 9.7 MiB, more than the limit 9.7 MiB (--max-memory)"
expect 0 "saving every epoch: no copy" -- --print-config --config "$tmp/base.json" --max-memory 10059300 \
  --set output.checkpoint_every=0
# a normal run refuses before it allocates or writes anything
expect 2 "a run past the limit" -- --config "$tmp/base.json" --max-memory 4M --out "$tmp/run" --quiet
has "$tmp/err" "base.json: model.hidden: the run needs about 9.7 MiB, more than the limit 4.0 MiB (--max-memory)"
[[ ! -e $tmp/run ]] && ok || no "a refused run made its directory"
expect 0 "a run within the limit" -- --config "$tmp/base.json" --max-memory 1.5G --out "$tmp/run" --quiet
# the key to blame: a large batch is the batch size's, a large dataset the data's
expect 2 "a large batch" -- --print-config --config "$tmp/base.json" --set training.batch_size=65536 \
  --set training.drop_last=false --max-memory 100M
has "$tmp/err" "--set training.batch_size=65536: training.batch_size: the run needs about"
python3 "$src/tests/tiny_idx.py" "$tmp/big" 20000 100 || { echo "FAIL: cannot generate data"; exit 1; }
expect 2 "the data" -- --print-config --config "$tmp/base.json" --set "data.dir=\"$tmp/big\"" --max-memory 4M
has "$tmp/err" "data.train_images: the run needs about"
# --resume checks it too
expect 2 "--resume past the limit" -- --resume "$tmp/run" --set training.epochs=2 --max-memory 4M
has "$tmp/err" "model.hidden: the run needs about 9.7 MiB, more than the limit 4.0 MiB (--max-memory)"
# sizes
for bad in 4X 0 -1 "" G 4GG 0.5; do
  expect 2 "--max-memory '$bad'" -- --print-config --config "$tmp/base.json" --max-memory "$bad"
  has "$tmp/err" "--max-memory: expected a size such as 4G, 512M or 1.5T (powers of 1024), got '$bad'"
done
expect 0 "--max-memory 1g, 20MiB, 20MB" -- --print-config --config "$tmp/base.json" --max-memory 1g
expect 0 "--max-memory 20MiB" -- --print-config --config "$tmp/base.json" --max-memory 20MiB
expect 2 "--max-memory 9MB" -- --print-config --config "$tmp/base.json" --max-memory 9MB

finish
