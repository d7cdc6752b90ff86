#!/usr/bin/env bash
# Command-line behaviour: help/version, exit codes, one-line errors naming file or key, and a tiny
# end-to-end run on generated IDX data (no real MNIST needed).
# usage: cli.sh REGMNIST SOURCE_DIR
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# expect CODE DESCRIPTION -- ARGS...: runs, keeps stdout in $tmp/out and stderr in $tmp/err
expect() {
  local want=$1 what=$2; shift 3
  "$bin" "$@" > "$tmp/out" 2> "$tmp/err"
  local got=$?
  if [[ $got -eq $want ]]; then ok; else no "$what: exit $got, want $want; stderr: $(cat "$tmp/err")"; fi
}
has() { if grep -qF -- "$2" "$1"; then ok; else no "expected '$2' in $1: $(cat "$1")"; fi; }
lines() { local n; n=$(wc -l < "$1"); if [[ $n -eq $2 ]]; then ok; else no "$1 has $n lines, want $2: $(cat "$1")"; fi; }

# A tiny IDX data set: 40 train and 20 test images with random pixels, labels i % 10.
/usr/bin/env python3 - "$tmp/data" <<'PY' || { echo "FAIL: cannot generate data"; exit 1; }
import gzip, os, random, struct, sys
d = sys.argv[1]; os.makedirs(d)
random.seed(1)
for name, n in (("train", 40), ("t10k", 20)):
    img = struct.pack(">IIII", 0x803, n, 28, 28) + bytes(random.randrange(256) for _ in range(n * 784))
    lab = struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n))
    open(f"{d}/{name}-images-idx3-ubyte", "wb").write(img)
    open(f"{d}/{name}-labels-idx1-ubyte", "wb").write(lab)
# a truncated copy and a corrupt gzip copy
os.makedirs(d + "/trunc"); os.makedirs(d + "/corrupt")
open(f"{d}/trunc/train-images-idx3-ubyte", "wb").write(img[:len(img) - 100])
g = bytearray(gzip.compress(img)); g[30:60] = bytes(30)
open(f"{d}/corrupt/train-images-idx3-ubyte.gz", "wb").write(bytes(g))
for sub in ("trunc", "corrupt"):
    for f in ("train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        os.symlink(f"{d}/{f}" if "t10k" in f else f"{d}/train-labels-idx1-ubyte", f"{d}/{sub}/{f}")
PY
cfg=$tmp/tiny.json
cat > "$cfg" <<JSON
{"name": "tiny", "data": {"dir": "$tmp/data"}, "model": {"hidden": [8]},
 "training": {"epochs": 2, "batch_size": 16}}
JSON

expect 0 "--help" -- --help; has "$tmp/out" "--config"; has "$tmp/out" "--set"; has "$tmp/out" "--out"
has "$tmp/out" "--seed"; has "$tmp/out" "--threads"; has "$tmp/out" "--quiet"; has "$tmp/out" "Exit status"
expect 0 "--version" -- --version; has "$tmp/out" "regmnist "
expect 0 "--help-config" -- --help-config; has "$tmp/out" "model.dropout"
expect 2 "no arguments" --
expect 2 "unknown flag" -- --bogus; lines "$tmp/err" 1
has "$tmp/err" "regmnist: unknown argument '--bogus' (see regmnist --help)"
expect 2 "missing config" -- --config "$tmp/missing.json"; lines "$tmp/err" 1; has "$tmp/err" "missing.json"
echo '{"model": {"dropuot": 0.5}}' > "$tmp/bad.json"
expect 2 "unknown key" -- --config "$tmp/bad.json"; lines "$tmp/err" 1
has "$tmp/err" "bad.json: model.dropuot: unknown key"
expect 2 "--set typo" -- --config "$cfg" --set model.dropuot=0.5; has "$tmp/err" "model.dropuot: unknown key"
expect 2 "--seed not a number" -- --config "$cfg" --seed abc; has "$tmp/err" "--seed"
expect 0 "--print-config" -- --config "$cfg" --set model.hidden=[7,5] --print-config
has "$tmp/out" '"hidden":'; tr -d ' \n\t' < "$tmp/out" | grep -qF '"hidden":[7,5]' && ok || no "print-config lacks the --set value"
expect 3 "missing data dir" -- --config "$cfg" --set "data.dir=\"$tmp/nope\"" --out "$tmp/r0"
lines "$tmp/err" 1; has "$tmp/err" "nope/train-images-idx3-ubyte"; has "$tmp/err" "not found"
expect 3 "truncated data" -- --config "$cfg" --set "data.dir=\"$tmp/data/trunc\"" --out "$tmp/r1"
lines "$tmp/err" 1; has "$tmp/err" "trunc/train-images-idx3-ubyte"; has "$tmp/err" "truncated"
expect 3 "corrupt gzip" -- --config "$cfg" --set "data.dir=\"$tmp/data/corrupt\"" --out "$tmp/r2"
lines "$tmp/err" 1; has "$tmp/err" "train-images-idx3-ubyte.gz"
expect 3 "unwritable output" -- --config "$cfg" --out /proc/regmnist-forbidden --quiet; lines "$tmp/err" 1

# A real run: 2 epochs, three files, 11 CSV columns, C-locale numbers.
expect 0 "tiny run" -- --config "$cfg" --out "$tmp/run" --quiet
for f in metrics.csv config.json summary.json; do [[ -s $tmp/run/$f ]] && ok || no "$f not written"; done
lines "$tmp/run/metrics.csv" 3
head -1 "$tmp/run/metrics.csv" | grep -qx 'epoch,train_loss,penalty,train_acc,val_loss,val_acc,test_loss,test_acc,gap,lr,seconds' && ok || no "CSV header"
awk -F, 'NR > 1 && (NF != 11 || $2 !~ /^[0-9.e+-]+$/) { bad = 1 } END { exit bad }' "$tmp/run/metrics.csv" && ok || no "CSV rows"
[[ -s $tmp/err ]] && no "--quiet run printed: $(cat "$tmp/err")" || ok
# the saved config reproduces the run
expect 0 "rerun from config.json" -- --config "$tmp/run/config.json" --out "$tmp/run2" --quiet
diff <(cut -d, -f1-10 "$tmp/run/metrics.csv") <(cut -d, -f1-10 "$tmp/run2/metrics.csv") > /dev/null && ok || no "config.json rerun differs"
# progress: one line per epoch when stderr is not a terminal
expect 0 "progress" -- --config "$cfg" --out "$tmp/run3"; has "$tmp/err" "epoch 2/2"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
