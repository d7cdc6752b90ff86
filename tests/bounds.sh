#!/usr/bin/env bash
# Bounds on what input can cost (issue 16): a gzip bomb whose IDX header claims 2^32 - 1 images, a
# FIFO given as a data or config file, a run under a tight address-space limit (ulimit -v), a CSV of
# 230k columns and 4 rows, and an IDX training set of one class. Each ends at once with one line and
# its exit code, within bounded memory, never hanging.
# usage: bounds.sh REGMNIST SOURCE_DIR [sanitize]   (sanitize: skip the ulimit -v cases, which the
# sanitizers' shadow memory cannot run under)
set -u
bin=$1 src=$2 sanitize=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
limits=1
[[ $sanitize == sanitize ]] && { limits=0; echo "skipping the ulimit -v cases (sanitizer build)"; }

# run LIMIT_MB SECONDS ARGS...: regmnist under ulimit -v LIMIT_MB (0: none) and timeout SECONDS (then
# SIGKILL 5 s later: a process stuck ignoring SIGTERM is exit 137); exit code in $rc, stderr in $tmp/err
run() {
  local mb=$1 secs=$2
  shift 2
  ( [[ $mb -gt 0 ]] && ulimit -v $((mb * 1024)); exec timeout -k 5 "$secs" "$bin" "$@" > "$tmp/out" 2> "$tmp/err" )
  rc=$?
}
# exits WANT... DESC: $rc is one of WANT
exits() {
  local desc=${*: -1} w
  for w in "${@:1:$#-1}"; do [[ $rc -eq $w ]] && { ok; return; }; done
  no "$desc: exit $rc, want one of ${*:1:$#-1}; stderr: $(head -c 400 "$tmp/err")"
}

python3 "$src/tests/tiny_idx.py" "$tmp/data" 200 100 || { echo "FAIL: cannot generate data"; exit 1; }
cat > "$tmp/tiny.json" <<JSON
{"name": "tiny", "data": {"dir": "$tmp/data", "val_fraction": 0.2}, "model": {"hidden": [16]},
 "optimizer": {"lr": 0.01}, "training": {"epochs": 2, "batch_size": 16}}
JSON

# --- 5. A gzip bomb: the header claims 0xFFFFFFFF images and 1 GiB of zeros follows (about 1 MB of
# gzip: concatenated members). Refused from the header, before any payload is inflated; the old reader
# grew its buffer with the data and ran out of memory (or on, to 12.5 GB for an 8 GB bomb).
mkdir "$tmp/bomb"
cp "$tmp/data"/* "$tmp/bomb/"
rm "$tmp/bomb/train-images-idx3-ubyte"
python3 - "$tmp/bomb/train-images-idx3-ubyte.gz" <<'PY' || { echo "FAIL: cannot write the bomb"; exit 1; }
import gzip, struct, sys, zlib
zeros = gzip.compress(bytes(64 << 20), 9)  # one member of 64 MiB of zeros (~65 KB)
with open(sys.argv[1], "wb") as f:
    f.write(gzip.compress(struct.pack(">IIII", 0x803, 0xFFFFFFFF, 28, 28)))
    for _ in range(16):
        f.write(zeros)
PY
size=$(stat -c %s "$tmp/bomb/train-images-idx3-ubyte.gz")
[[ $size -lt 4000000 ]] && ok || no "the bomb is $size bytes, expected about 1 MB"
run $((limits * 400)) 60 --config "$tmp/tiny.json" --set "data.dir=\"$tmp/bomb\"" --out "$tmp/b" --quiet --threads 1
exits 3 "gzip bomb"
lines "$tmp/err" 1
has "$tmp/err" "bomb/train-images-idx3-ubyte.gz: the header claims 4294967295 images, more than the 16777216"
# and through --print-config, which reads the training labels only: a label file claiming 2^24 + 1
python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack(">II",0x801,(1<<24)+1)+bytes(200))' \
  "$tmp/bomb/many-labels"
run 0 60 --config "$tmp/tiny.json" --set "data.dir=\"$tmp/bomb\"" --set 'data.train_labels="many-labels"' --print-config
exits 3 "a label file over the limit"
lines "$tmp/err" 1
has "$tmp/err" "many-labels: the header claims 16777217 labels, more than the 16777216 an IDX file may hold here"

# --- 7a. A FIFO as an input file blocked open() forever (and ignored SIGTERM): refused at once, as a
# data file (exit 3, a data error) and as a config or sweep spec (exit 2: an unreadable config is a
# usage error, as a missing one is).
mkdir "$tmp/fifo"
cp "$tmp/data"/* "$tmp/fifo/"
rm "$tmp/fifo/t10k-labels-idx1-ubyte"
mkfifo "$tmp/fifo/t10k-labels-idx1-ubyte" "$tmp/fifo.json" "$tmp/spec.json" "$tmp/fifo.csv" "$tmp/init.safetensors"
run 0 10 --config "$tmp/tiny.json" --set "data.dir=\"$tmp/fifo\"" --out "$tmp/f1" --quiet
exits 3 "a FIFO as the test labels"
lines "$tmp/err" 1
has "$tmp/err" "fifo/t10k-labels-idx1-ubyte: is a FIFO (named pipe), not a regular file"
run 0 10 --config "$tmp/fifo.json" --out "$tmp/f2" --quiet
exits 2 "a FIFO as the config"
lines "$tmp/err" 1
has "$tmp/err" "fifo.json: is a FIFO (named pipe), not a regular file"
run 0 10 sweep "$tmp/spec.json"
exits 2 "a FIFO as a sweep spec"
has "$tmp/err" "spec.json: is a FIFO (named pipe)"
cat > "$tmp/csv.json" <<JSON
{"data": {"format": "csv", "train": "$tmp/fifo.csv", "test_fraction": 0.5, "normalize": "none"}}
JSON
run 0 10 --config "$tmp/csv.json" --out "$tmp/f3" --quiet
exits 3 "a FIFO as the csv file"
has "$tmp/err" "fifo.csv: is a FIFO (named pipe)"
run 0 10 --config "$tmp/tiny.json" --set "model.init_from=\"$tmp/init.safetensors\"" --out "$tmp/f4" --quiet
exits 3 "a FIFO as model.init_from"
has "$tmp/err" "init.safetensors: is a FIFO (named pipe)"
# a run dir whose summary.json is a FIFO: summarize lists it as unreadable instead of waiting
run 0 10 --config "$tmp/tiny.json" --out "$tmp/runs/a" --quiet
exits 0 "a run to summarize"
mkdir "$tmp/runs/b"
cp "$tmp/runs/a/config.json" "$tmp/runs/b/"
mkfifo "$tmp/runs/b/summary.json"
run 0 10 summarize "$tmp/runs"
exits 0 "summarize with a FIFO summary.json"
has "$tmp/err" "b: summary.json: is a FIFO (named pipe)"
rm "$tmp/runs/b/summary.json"
mkfifo "$tmp/runs/b/model.safetensors"
cp "$tmp/runs/a/summary.json" "$tmp/runs/b/"
run 0 10 eval "$tmp/runs/b"
exits 3 "eval of a FIFO model.safetensors"
has "$tmp/err" "model.safetensors: is a FIFO (named pipe)"

# --- 7b. Under ulimit -v 100-180 MB the run hung in OpenBLAS (its worker threads, started at load,
# retrying a failed 128 MiB mapping forever; then its own calls doing the same). Now: a result or one
# line, never a timeout; and a roomy limit still trains.
if [[ $limits -eq 1 ]]; then
  for mb in 100 140 180 260; do
    for t in 1 2; do
      run "$mb" 60 --config "$tmp/tiny.json" --out "$tmp/u$mb-$t" --quiet --threads "$t"
      exits 0 1 3 "ulimit -v $mb MB, $t threads"
      [[ $rc -eq 0 ]] || { lines "$tmp/err" 1; has "$tmp/err" "out of memory"; }
    done
  done
  run 100 60 --config "$tmp/tiny.json" --out "$tmp/u" --quiet --threads 2
  has "$tmp/err" "out of memory: no room for OpenBLAS's work buffers (2 threads x 128 MiB of address space"
  run 1000 60 --config "$tmp/tiny.json" --out "$tmp/u1000" --quiet --threads 2
  exits 0 "ulimit -v 1000 MB"
fi

# --- 8. 230k columns and 4 rows (2.7 MB): buffers were sized max(batch, 1000) rows x the width (2.76 GB);
# now from the data (at most 4 rows), so the run fits in a few hundred MB.
python3 - "$tmp/wide.csv" <<'PY' || { echo "FAIL: cannot write the wide csv"; exit 1; }
import itertools, string, sys
a = string.ascii_letters + string.digits
d = 229999
names = [''.join(t) for k in (1, 2, 3) for t in itertools.product(a, repeat=k)][:d]
with open(sys.argv[1], "w") as f:
    f.write(",".join(names) + ",label\n")
    for i in range(4):
        f.write(",".join(str((i * 7 + j) % 10) for j in range(d)) + f",{i % 2}\n")
PY
cat > "$tmp/wide.json" <<JSON
{"data": {"format": "csv", "train": "$tmp/wide.csv", "test_fraction": 0.5, "val_fraction": 0, "normalize": "none"},
 "model": {"hidden": [8]}, "training": {"epochs": 1, "batch_size": 64}}
JSON
run $((limits * 1000)) 120 --config "$tmp/wide.json" --out "$tmp/wide" --quiet --threads 2
exits 0 "230k columns, 4 rows"
[[ -s "$tmp/wide/model.safetensors" ]] && ok || no "the wide run wrote no model"
run $((limits * 1000)) 120 eval "$tmp/wide"
exits 0 "eval of the wide run"

# --- 18. An IDX training set of one class is refused as a CSV one is (exit 3, "one class only"), in a
# run and in --print-config; a test set of one class is fine.
python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack(">II",0x801,200)+bytes([3]*200))' \
  "$tmp/data/one-labels"
python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack(">II",0x801,100)+bytes([5]*100))' \
  "$tmp/data/one-test-labels"
run 0 60 --config "$tmp/tiny.json" --set 'data.train_labels="one-labels"' --out "$tmp/one" --quiet
exits 3 "one class"
lines "$tmp/err" 1
has "$tmp/err" "data/one-labels: one class only: every one of the 200 labels is 3 (at least 2 classes are needed)"
run 0 60 --config "$tmp/tiny.json" --set 'data.train_labels="one-labels"' --print-config
exits 3 "one class, --print-config"
has "$tmp/err" "one class only"
run 0 60 --config "$tmp/tiny.json" --set 'data.test_labels="one-test-labels"' --out "$tmp/onetest" --quiet
exits 0 "a test set of one class"

finish
