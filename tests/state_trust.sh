#!/usr/bin/env bash
# What regmnist refuses to trust (issue 16, items 1-4 and 15), on generated data (no MNIST needed):
# a crafted state.safetensors (epoch order, metadata, RNG states, tensor set, non-finite values, a
# flipped bit, missing checksums) is refused by --resume with exit 3 naming the file and the field;
# a model with a non-finite or corrupted tensor is refused by eval and model.init_from, while one
# without checksums (as PyTorch writes) loads; and model.safetensors does not depend on where the run
# lives or whether it was interrupted.
# usage: state_trust.sh REGMNIST SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
craft() { python3 "$src/tests/craft_state.py" "$@" || no "craft_state.py $*"; }

python3 "$src/tests/tiny_idx.py" "$tmp/data" 200 100 || { echo "FAIL: cannot generate data"; exit 1; }
# Adam (optim.m, optim.v), early stopping (best.*), BatchNorm (buffers) and dropout (draws): every tensor.
cat > "$tmp/t.json" <<JSON
{"name": "t", "data": {"dir": "$tmp/data", "val_fraction": 0.2}, "model": {"hidden": [16], "dropout": 0.3, "norm": "batch"},
 "optimizer": {"lr": 0.003}, "training": {"epochs": 3, "batch_size": 16, "early_stopping": {"patience": 10}}}
JSON
expect 0 "base run" -- --config "$tmp/t.json" --out "$tmp/base" --quiet
st=state.safetensors

# resume_bad DESC OPS... : a copy of the base run whose state is rewritten with OPS must be refused
# (exit 3) naming the state file; the caller then checks the message with has.
resume_bad() {
  local what=$1; shift
  rm -rf "$tmp/c"; cp -r "$tmp/base" "$tmp/c"
  craft "$tmp/base/$st" "$tmp/c/$st" "$@"
  expect 3 "$what" -- --resume "$tmp/c" --set training.epochs=5 --quiet
  has "$tmp/err" "$tmp/c/$st"
}

# the crafter itself writes a state that resumes (so a refusal below is the change's doing)
rm -rf "$tmp/c"; cp -r "$tmp/base" "$tmp/c"; craft "$tmp/base/$st" "$tmp/c/$st"
expect 0 "rewritten state resumes" -- --resume "$tmp/c" --set training.epochs=4 --quiet

# 1. the epoch order must be a permutation of the run's training split
resume_bad "train_idx far out" set train_idx 0 2000000; has "$tmp/err" "train_idx[0] = 2000000 is not an image index"
resume_bad "train_idx past the images" set train_idx 0 200; has "$tmp/err" "train_idx[0] = 200 is not an image index (the data has 200 images)"
resume_bad "train_idx a validation image" outside train_idx 200; has "$tmp/err" "is not in this run's training split"
resume_bad "train_idx repeated" dup train_idx; has "$tmp/err" "train_idx[1] = "; has "$tmp/err" "is repeated"
resume_bad "train_idx negative" set train_idx 3 -1; has "$tmp/err" "train_idx[3] = -1 is not an image index"

# 2. every metadata field in range and consistent with the config and the data
resume_bad "epoch huge" meta epoch 99999999999999999999; has "$tmp/err" "epoch: '99999999999999999999' is not an integer in [0, 3]"
resume_bad "epoch negative" meta epoch -5; has "$tmp/err" "epoch: '-5' is not an integer in [0, 3]"
resume_bad "epoch past the saved config's" meta epoch 4; has "$tmp/err" "epoch: '4' is not an integer in [0, 3]"
resume_bad "epoch not a number" meta epoch 2.5; has "$tmp/err" "epoch: '2.5' is not an integer"
resume_bad "epoch with a newline" meta epoch $'1\n2'; has "$tmp/err" "epoch: '1\\n2' is not an integer"; lines "$tmp/err" 1
resume_bad "schedule with a newline" meta schedule $'epoch=3\nlr=1'; has "$tmp/err" 'cannot parse "epoch=3\nlr=1"'; lines "$tmp/err" 1
resume_bad "step 1e30" meta optim.step 1e30; has "$tmp/err" "optim.step: '1e30' is not an integer"
resume_bad "step off by one" meta optim.step 31 set rng.dropout 2 31; has "$tmp/err" "optim.step = 31, but 3 epochs of 10 steps make 30"
resume_bad "samples negative" meta samples -160; has "$tmp/err" "samples: '-160' is not an integer in [0, "
resume_bad "samples inconsistent" meta samples 100; has "$tmp/err" "samples = 100, but 3 epochs of 160 samples make 480"
resume_bad "bn_batches inconsistent" meta bn_batches 29; has "$tmp/err" "bn_batches = 29, but 3 epochs of 10 steps make 30"
resume_bad "train_seconds nan" meta train_seconds nan; has "$tmp/err" "train_seconds: nan is not a finite non-negative number"
resume_bad "eval_seconds negative" meta eval_seconds -1; has "$tmp/err" "eval_seconds: -1 is not a finite non-negative number"
resume_bad "es.best_epoch past epoch" meta es.best_epoch 9; has "$tmp/err" "es.best_epoch: '9' is not an integer in [0, 3]"
resume_bad "es.best_epoch 0" meta es.best_epoch 0; has "$tmp/err" "es.best_epoch = 0 is not in [1, 3]"
resume_bad "es.wait negative" meta es.wait -1; has "$tmp/err" "es.wait: '-1' is not an integer in [0, 3]"
w=$(python3 -c 'import json,struct,sys; f=open(sys.argv[1],"rb"); n=struct.unpack("<Q",f.read(8))[0]; m=json.loads(f.read(n))["__metadata__"]; print(int(m["es.wait"]) + 1 if int(m["es.wait"]) < 3 else 0)' "$tmp/base/$st")
resume_bad "es.wait inconsistent" meta es.wait "$w"; has "$tmp/err" "es.wait = $w, but epoch 3 is"
resume_bad "es.best nan" meta es.best nan; has "$tmp/err" "es.best = nan is not finite"
resume_bad "row.last of another epoch" meta row.last "2 1 0 50 1 1 50 1 50 0 0"; has "$tmp/err" "row.last is epoch 2, but the state is at epoch 3"
resume_bad "row.last accuracy" meta row.last "3 1 0 150 1 1 50 1 50 0 0"; has "$tmp/err" "row.last: field 4 is 150, not a percentage"
resume_bad "row.best epoch" meta row.best "0.5 1 0 50 1 1 50 1 50 0 0"; has "$tmp/err" "row.best: epoch '0.5' is not a whole number"
resume_bad "schedule of another epoch" meta schedule "epoch=2 lr=0.003 best=inf bad=0 cooldown=0"; has "$tmp/err" "schedule: at epoch 2, the state at epoch 3"
resume_bad "rng.shuffle all zero" zero rng.shuffle; has "$tmp/err" "rng.shuffle is all zero"
resume_bad "rng.dropout draws" set rng.dropout 2 7; has "$tmp/err" "rng.dropout counts 7 draws, expected 30"
resume_bad "rng.dropout key" set rng.dropout 0 7; has "$tmp/err" "rng.dropout does not hold this run's dropout key"
resume_bad "an extra tensor" add extra; has "$tmp/err" "unexpected tensor 'extra'"
resume_bad "a missing tensor" drop optim.v; has "$tmp/err" "tensor optim.v is missing"

# 3. non-finite values in the state's tensors
resume_bad "params nan" set params 3 nan; has "$tmp/err" "tensor 'params': element 3 is nan, not a finite number"
resume_bad "best.params inf" set best.params 0 inf; has "$tmp/err" "tensor 'best.params': element 0 is inf"
resume_bad "buffers -inf" set buffers 1 -inf; has "$tmp/err" "tensor 'buffers': element 1 is -inf"
resume_bad "optim.m nan" set optim.m 5 nan; has "$tmp/err" "tensor 'optim.m': element 5 is nan"
resume_bad "optim.v negative" set optim.v 2 -1; has "$tmp/err" "tensor 'optim.v': element 2 is -1, not a finite non-negative number"

# 4. checksums: a flipped bit, and a state without them
resume_bad "a flipped bit in params" flip params 100; has "$tmp/err" "tensor 'params': CRC-32 mismatch"
resume_bad "a state without checksums" nosums; has "$tmp/err" "has no checksum (__metadata__ crc32:"

# 3 and 4 for models: eval and model.init_from
m=model.safetensors
cp -r "$tmp/base" "$tmp/nan"; craft "$tmp/base/$m" "$tmp/nan/$m" set fc0.weight 10 nan
expect 3 "eval of a NaN model" -- eval "$tmp/nan" --quiet
has "$tmp/err" "$tmp/nan/$m: tensor 'fc0.weight': element 10 is nan, not a finite number"
expect 3 "init_from a NaN model" -- --config "$tmp/t.json" --set "model.init_from=\"$tmp/nan/$m\"" --out "$tmp/i1" --quiet
has "$tmp/err" "$tmp/nan/$m: tensor 'fc0.weight': element 10 is nan"
cp -r "$tmp/base" "$tmp/flip"; craft "$tmp/base/$m" "$tmp/flip/$m" flip out.bias 0
expect 3 "eval of a flipped model" -- eval "$tmp/flip" --quiet
has "$tmp/err" "$tmp/flip/$m: tensor 'out.bias': CRC-32 mismatch"
expect 3 "init_from a flipped model" -- --config "$tmp/t.json" --set "model.init_from=\"$tmp/flip/$m\"" --out "$tmp/i2" --quiet
has "$tmp/err" "tensor 'out.bias': CRC-32 mismatch"
cp -r "$tmp/base" "$tmp/plain"; craft "$tmp/base/$m" "$tmp/plain/$m" nosums
expect 0 "eval of a model without checksums" -- eval "$tmp/plain" --quiet
expect 0 "eval of the original" -- eval "$tmp/base" --quiet
python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); sys.exit(not (a["accuracy"] == b["accuracy"] and a["loss"] == b["loss"]))' \
  "$tmp/plain/eval.json" "$tmp/base/eval.json" && ok || no "eval without checksums differs"
expect 0 "init_from a model without checksums" -- --config "$tmp/t.json" --set "model.init_from=\"$tmp/plain/$m\"" --set training.epochs=1 --out "$tmp/i3" --quiet

# 15. interrupted and resumed in A, left alone in B: the same model.safetensors, byte for byte
REGMNIST_TEST_SIGTERM_AFTER_STEPS=15 "$bin" --config "$tmp/t.json" --out "$tmp/A" --quiet 2> "$tmp/err"
same=$?; [[ $same -eq 143 ]] && ok || no "SIGTERM run exits $same: $(cat "$tmp/err")"
expect 0 "resume A" -- --resume "$tmp/A" --quiet
expect 0 "uninterrupted B" -- --config "$tmp/t.json" --out "$tmp/B" --quiet
cmp -s "$tmp/A/$m" "$tmp/B/$m" && ok || no "model.safetensors of the resumed run in A differs from B's"
python3 -c 'import json,struct,sys; f=open(sys.argv[1],"rb"); n=struct.unpack("<Q",f.read(8))[0]
c=json.loads(json.loads(f.read(n))["__metadata__"]["config"]); sys.exit("dir" in c["output"])' "$tmp/A/$m" && ok || no "model.safetensors records output.dir"
finish
