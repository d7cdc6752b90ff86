#!/usr/bin/env bash
# Command-line behaviour: help/version, exit codes, one-line errors naming file or key, and a tiny
# end-to-end run on generated IDX data (no real MNIST needed).
# usage: cli.sh REGMNIST SOURCE_DIR
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

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
# an image file whose header claims 0xFFFFFFFF images
os.makedirs(d + "/liar")
open(f"{d}/liar/train-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 0x803, 0xFFFFFFFF, 28, 28) + img[16:])
for f in ("train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
    os.symlink(f"{d}/{f}", f"{d}/liar/{f}")
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
# every subcommand words a usage error and a failure alike (src/cli/cli_common.c)
for sub in eval sweep summarize compare; do
  expect 2 "$sub --bogus" -- $sub --bogus; lines "$tmp/err" 1
  has "$tmp/err" "regmnist: $sub: unknown "; has "$tmp/err" " '--bogus' (see regmnist $sub --help)"
done
expect 2 "eval of a dir without config.json" -- eval "$tmp/nowhere"; lines "$tmp/err" 1
has "$tmp/err" "regmnist: eval: $tmp/nowhere/config.json: No such file or directory"
expect 2 "missing config" -- --config "$tmp/missing.json"; lines "$tmp/err" 1; has "$tmp/err" "missing.json"
echo '{"model": {"dropuot": 0.5}}' > "$tmp/bad.json"
expect 2 "unknown key" -- --config "$tmp/bad.json"; lines "$tmp/err" 1
has "$tmp/err" "bad.json: model.dropuot: unknown key"
expect 2 "--set typo" -- --config "$cfg" --set model.dropuot=0.5; has "$tmp/err" "model.dropuot: unknown key"
# NUL inside a string would cut it ("a\u0000b" ran as runs/a): refused in files and --set (issue 16)
printf '{"name": "a\\u0000b"}' > "$tmp/nul.json"
expect 2 "NUL in a config string" -- --config "$tmp/nul.json" --print-config; lines "$tmp/err" 1
has "$tmp/err" "nul.json: a string holds \u0000 at line 1, column 12"
expect 2 "NUL in a --set string" -- --print-config --set 'data.dir="d\u0000x"'
has "$tmp/err" "--set data.dir=\"d\u0000x\": a string holds \u0000"
expect 0 "an escaped backslash before u0000 is no NUL" -- --print-config --set 'data.dir="d\\u0000x"'
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
head -1 "$tmp/run/metrics.csv" | grep -qx 'epoch,train_loss,penalty,train_acc,val_loss,val_acc,test_loss,test_acc,gap,lr,seconds,train_eval_loss,train_eval_acc' && ok || no "CSV header"
awk -F, 'NR > 1 && (NF != 13 || $2 !~ /^[0-9.e+-]+$/ || $13 !~ /^[0-9.]+$/) { bad = 1 } END { exit bad }' "$tmp/run/metrics.csv" && ok || no "CSV rows"
[[ -s $tmp/err ]] && no "--quiet run printed: $(cat "$tmp/err")" || ok
# the saved config reproduces the run
expect 0 "rerun from config.json" -- --config "$tmp/run/config.json" --out "$tmp/run2" --quiet
diff <(cut -d, -f1-10,12- "$tmp/run/metrics.csv") <(cut -d, -f1-10,12- "$tmp/run2/metrics.csv") > /dev/null && ok || no "config.json rerun differs"
# progress: one line per epoch when stderr is not a terminal
expect 0 "progress" -- --config "$cfg" --out "$tmp/run3"; has "$tmp/err" "epoch 2/2"

# --- Review fixes (issue 11): each line below failed before its fix. ---
summary_num() { grep -o "\"$2\":[[:space:]]*[-0-9.e+]*" "$1/summary.json" | grep -o '[-0-9.e+]*$'; }
# 2: a header claiming 0xFFFFFFFF images is a data error (exit 3), not "out of memory"
expect 3 "lying IDX header" -- --config "$cfg" --set "data.dir=\"$tmp/data/liar\"" --out "$tmp/r_liar"
lines "$tmp/err" 1; has "$tmp/err" "liar/train-images-idx3-ubyte"
grep -q "out of memory" "$tmp/err" && no "lying header reported as out of memory" || ok
# 3: non-finite numbers are refused, from --set and from a file
expect 2 "infinite weight_decay" -- --config "$cfg" --set optimizer.weight_decay=1e999 --print-config
lines "$tmp/err" 1; has "$tmp/err" "--set optimizer.weight_decay=1e999: optimizer.weight_decay: must be a finite number"
echo '{"regularization": {"l2": -1e999}}' > "$tmp/inf.json"
expect 2 "infinite l2 in a file" -- --config "$tmp/inf.json" --print-config; has "$tmp/err" "inf.json: regularization.l2: must be a finite number"
# 4: --seed and --threads take whole decimal numbers only
for v in 0x10 1e3 1.0 -1 " 5" "+5" ""; do
  expect 2 "--seed '$v'" -- --config "$cfg" --seed "$v" --print-config; lines "$tmp/err" 1; has "$tmp/err" "--seed"
done
for v in 0x2 2e0 2.0; do
  expect 2 "--threads '$v'" -- --config "$cfg" --threads "$v" --print-config; has "$tmp/err" "--threads"
done
expect 0 "--seed 16" -- --config "$cfg" --seed 16 --threads 2 --print-config; has "$tmp/out" '"seed":	16'
# threads "auto" (the default) resolves to the number of cores online, recorded as that number
cores=$(getconf _NPROCESSORS_ONLN); ((cores > 64)) && cores=64
expect 0 "threads default" -- --print-config; has "$tmp/out" "\"threads\":	$cores,"
expect 0 "--threads auto" -- --config "$cfg" --threads auto --print-config; has "$tmp/out" "\"threads\":	$cores,"
expect 0 "threads=auto" -- --config "$cfg" --set threads=auto --print-config; has "$tmp/out" "\"threads\":	$cores,"
expect 2 "threads=\"many\"" -- --config "$cfg" --set threads='"many"' --print-config
has "$tmp/err" 'threads: expected "auto" or a number, got "many"'
expect 2 "--threads Auto" -- --config "$cfg" --threads Auto --print-config; has "$tmp/err" "--threads"
# 5: --out "" is refused
expect 2 "--out ''" -- --config "$cfg" --out "" --print-config; lines "$tmp/err" 1; has "$tmp/err" "--out"
# 10: names that would escape runs/ are refused
for v in .. . .hidden a/b; do
  expect 2 "name '$v'" -- --config "$cfg" --set "name=\"$v\"" --print-config; lines "$tmp/err" 1; has "$tmp/err" "name"
done
# 11: a cross-key error caused by a --set names that --set, not the file
expect 2 "--set dropout list" -- --config "$cfg" --set 'model.dropout=[0.1,0.2]'
has "$tmp/err" "regmnist: --set model.dropout=[0.1,0.2]: model.dropout: 2 rates for 1 hidden layer"
expect 2 "--set momentum with adam" -- --config "$cfg" --set optimizer.momentum=0.9
has "$tmp/err" "regmnist: --set optimizer.momentum=0.9: optimizer.momentum: applies to sgd only"
# 12: rules that need the data are checked before anything is written, with the file named, and by --print-config
expect 2 "BN last batch of one" -- --config "$cfg" --set model.norm=batch --set training.batch_size=13 --out "$tmp/r12"
lines "$tmp/err" 1; has "$tmp/err" "--set training.batch_size=13: training.batch_size: with batch norm the last batch would hold 1 sample"
[[ -e $tmp/r12 ]] && no "a refused run created its directory" || ok
expect 2 "BN last batch of one, --print-config" -- --config "$cfg" --set model.norm=batch --set training.batch_size=13 --print-config
has "$tmp/err" "training.batch_size: with batch norm"
expect 2 "drop_last, batch larger than the set" -- --config "$cfg" --set training.drop_last=true --set training.batch_size=41 --print-config
has "$tmp/err" "--set training.batch_size=41: training.batch_size: 41 is larger than the 40 training images"
# 13: dropout with no hidden layer is refused
expect 2 "dropout without hidden layers" -- --config "$cfg" --set 'model.hidden=[]' --set model.dropout=0.5 --print-config
lines "$tmp/err" 1; has "$tmp/err" "model.dropout: no hidden layers to drop"
# 14: a directory given as the config
expect 2 "--config DIR" -- --config "$tmp/data" --print-config; lines "$tmp/err" 1; has "$tmp/err" "data: is a directory"
# 15: --help-config lists allowed values and ranges, and docs/config.md holds exactly its markdown table
expect 0 "--help-config values" -- --help-config; has "$tmp/out" "relu, tanh, sigmoid"; has "$tmp/out" "none, batch, layer"
grep -F "model.dropout" "$tmp/out" | grep -qF "[0, 1]" && ok || no "--help-config lacks the model.dropout range"
expect 0 "--help-config=markdown" -- --help-config=markdown
sed -n '/^<!-- keys:begin/,/^<!-- keys:end/p' "$2/docs/config.md" | sed '1d;$d' > "$tmp/doc_keys"
if diff "$tmp/out" "$tmp/doc_keys" > "$tmp/keys.diff"; then ok; else
  no "docs/config.md key table differs from regmnist --help-config=markdown (paste its output between the keys markers): $(head -5 "$tmp/keys.diff")"
fi
# 16: a tiny subset keeps one image per class, as documented
expect 0 "subset 1e-9" -- --config "$cfg" --set data.subset=1e-9 --set training.epochs=1 --out "$tmp/r16" --quiet
[[ $(summary_num "$tmp/r16" n_train) == 10 ]] && ok || no "subset 1e-9: n_train $(summary_num "$tmp/r16" n_train), want 10"
has "$2/docs/config.md" "at least one image per class"
# 6: n_params is the sum of the tensors' sizes, not the padded buffer (784*100+100 + 100*10+10 = 79510)
expect 0 "n_params" -- --config "$cfg" --set 'model.hidden=[100]' --set training.epochs=1 --out "$tmp/r6"
has "$tmp/err" "79510 parameters"; [[ $(summary_num "$tmp/r6" n_params) == 79510 ]] && ok || no "summary n_params $(summary_num "$tmp/r6" n_params)"
# Honest generalization figures: the training sample in eval mode, and gap from it
expect 0 "train_eval" -- --config "$cfg" --set output.train_eval_samples=15 --set 'model.dropout=0.5' --out "$tmp/te" --quiet
awk -F, 'NR > 1 { g = $13 - $8; d = g - $9; if (d < -0.0002 || d > 0.0002) bad = 1 } END { exit bad }' "$tmp/te/metrics.csv" \
  && ok || no "gap is not train_eval_acc - test_acc: $(cat "$tmp/te/metrics.csv")"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); f=s["final"]
sys.exit(not (s["n_train_eval"] == 15 and abs(f["gap"] - (f["train_eval_acc"] - f["test_acc"])) < 1e-9))' "$tmp/te/summary.json" \
  && ok || no "summary train_eval: $(cat "$tmp/te/summary.json")"
# each of 15 images counts 1/15: the accuracy is a multiple of 100/15
awk -F, 'NR > 1 { k = $13 * 15 / 100; if (k - int(k + 0.5) > 0.001 || int(k + 0.5) - k > 0.001) bad = 1 } END { exit bad }' \
  "$tmp/te/metrics.csv" && ok || no "train_eval_acc is not over 15 images"
expect 0 "train_eval off" -- --config "$cfg" --set output.train_eval_samples=0 --out "$tmp/te0" --quiet
awk -F, 'NR > 1 && ($12 != "" || $13 != "") { bad = 1 } NR > 1 { d = ($4 - $8) - $9; if (d < -0.0002 || d > 0.0002) bad = 1 } END { exit bad }' \
  "$tmp/te0/metrics.csv" && ok || no "train_eval off: $(cat "$tmp/te0/metrics.csv")"
# data.normalize "dataset": the training split's mean and std, recorded and used by eval
expect 0 "normalize dataset" -- --config "$cfg" --set data.normalize=dataset --out "$tmp/nd" --quiet
python3 - "$tmp/data" "$tmp/nd/summary.json" <<'PY' && ok || no "dataset normalization statistics"
import json, sys
raw = open(sys.argv[1] + "/train-images-idx3-ubyte", "rb").read()[16:]
x = [b / 255 for b in raw]
m = sum(x) / len(x); sd = (sum((v - m) ** 2 for v in x) / len(x)) ** 0.5
nz = json.load(open(sys.argv[2]))["normalize"]
sys.exit(not (abs(nz["mean"] - m) < 1e-12 and abs(nz["std"] - sd) < 1e-12))
PY
expect 0 "eval with dataset normalization" -- eval "$tmp/nd" --quiet
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["accuracy"] != json.load(open(sys.argv[2]))["final"]["test_acc"])' \
  "$tmp/nd/eval.json" "$tmp/nd/summary.json" && ok || no "eval accuracy differs under dataset normalization"
# a summary.json over 1 MiB (a csv split's data.test_rows grows it so) is read whole, not cut (issue 17)
cp -r "$tmp/nd" "$tmp/ndbig" && rm "$tmp/ndbig/eval.json" "$tmp/ndbig/confusion.csv"
python3 - "$tmp/ndbig/summary.json" <<'PY' || no "cannot pad summary.json"
import json, sys
s = json.load(open(sys.argv[1]))
nz = s.pop("normalize")  # after the padding, so a reader that stops at 1 MiB never sees it
s["data"] = dict(s.get("data") or {}, test_rows=list(range(300000)))
s["normalize"] = nz
json.dump(s, open(sys.argv[1], "w"))
PY
[[ $(stat -c %s "$tmp/ndbig/summary.json") -gt 1100000 ]] && ok || no "padded summary.json is not over 1 MiB"
expect 0 "eval with a summary.json over 1 MiB" -- eval "$tmp/ndbig" --quiet
cmp -s <(grep -Ev '"(run|model)"' "$tmp/nd/eval.json") <(grep -Ev '"(run|model)"' "$tmp/ndbig/eval.json") && ok \
  || no "eval with a large summary.json differs: $(cat "$tmp/ndbig/eval.json")"
# a sweep spec is read as a config is, up to 16 MiB (it was cut off at 1 MiB); a NUL byte is refused
python3 -c 'import sys; open(sys.argv[1], "w").write("{\"base\": \"tiny.json\", \"seeds\": [1, 2]" + " " * (1 << 20) + "}")' \
  "$tmp/big_spec.json"
expect 0 "sweep spec over 1 MiB" -- sweep "$tmp/big_spec.json" --count
same "$(cat "$tmp/out")" 2 "runs of a sweep spec over 1 MiB"
printf '{"base": "tiny.json",\0 "seeds": [1]}' > "$tmp/nul_spec.json"
expect 2 "NUL byte in a sweep spec" -- sweep "$tmp/nul_spec.json" --count; lines "$tmp/err" 1
has "$tmp/err" "nul_spec.json: contains a NUL byte (at offset 21), expected text"
# TensorBoard: the event file of a run, decoded by protoc, equals its metrics.csv (tfevents.sh)
expect 0 "tensorboard" -- --config "$cfg" --set output.tensorboard=true --set data.val_fraction=0.25 --out "$tmp/tb" --quiet
ls "$tmp/tb"/events.out.tfevents.* > /dev/null 2>&1 && ok || no "no event file"
bash "$2/tests/tfevents.sh" "$tmp/tb" > "$tmp/tb.log" 2>&1; tbrc=$?
if [[ $tbrc -eq 77 ]]; then echo "cli: tensorboard check skipped: $(tail -1 "$tmp/tb.log")"
elif [[ $tbrc -eq 0 ]]; then ok; else no "tfevents.sh on a run: $(cat "$tmp/tb.log")"; fi
# ... and a sweep's: each run's HParams session holds its grid value and seed, grouped by setting
cat > "$tmp/tb_spec.json" <<JSON
{"name": "tbs", "base": "tiny.json", "set": {"output.tensorboard": true, "training.epochs": 1},
 "grid": {"model.dropout": [0, 0.5]}, "seeds": [1, 2], "out": "$tmp/tbs"}
JSON
expect 0 "sweep with tensorboard" -- sweep "$tmp/tb_spec.json" --quiet
bash "$2/tests/tfevents.sh" "$tmp"/tbs/*/seed* > "$tmp/tb.log" 2>&1; tbrc=$?
if [[ $tbrc -eq 77 ]]; then echo "cli: tensorboard check skipped: $(tail -1 "$tmp/tb.log")"
elif [[ $tbrc -eq 0 && $(grep -c "decoded by protoc" "$tmp/tb.log") -eq 4 ]]; then ok
else no "tfevents.sh on a sweep's runs: $(cat "$tmp/tb.log")"; fi
grep -a -q 'model\.dropout' "$tmp"/tbs/dropout=0.5/seed2/events.out.tfevents.* && ok || no "no model.dropout hparam"
# Learning-rate schedules: the lr column follows StepLR with a linear warmup; strict keys
expect 0 "step schedule with warmup" -- --config "$cfg" --set optimizer.name=sgd --set optimizer.lr=0.1 \
  --set 'optimizer.schedule={"name":"step","step_size":2,"gamma":0.5,"warmup_epochs":2}' --set training.epochs=5 --out "$tmp/sch" --quiet
[[ $(cut -d, -f10 "$tmp/sch/metrics.csv" | tail -n +2 | tr '\n' ' ') == "0.05 0.1 0.05 0.05 0.025 " ]] && ok || no "lr column: $(cut -d, -f10 "$tmp/sch/metrics.csv" | tr '\n' ' ')"
expect 2 "schedule key of another kind" -- --config "$cfg" --set 'optimizer.schedule={"name":"cosine","step_size":2}' --print-config
has "$tmp/err" "optimizer.schedule.step_size: does not apply to the cosine schedule"
expect 2 "schedule without its required key" -- --config "$cfg" --set 'optimizer.schedule={"name":"multistep"}' --print-config
has "$tmp/err" "optimizer.schedule.milestones: required by the multistep schedule"
expect 2 "schedule without a name" -- --config "$cfg" --set optimizer.schedule.gamma=0.5 --print-config
has "$tmp/err" "optimizer.schedule.name: required"
expect 2 "plateau on val without val" -- --config "$cfg" --set 'optimizer.schedule={"name":"plateau"}' --print-config
has "$tmp/err" "optimizer.schedule.monitor: val_loss needs a validation set"
# Augmentation: the identity transform changes nothing; the preview is a real PNG; noise changes the run
expect 0 "identity augmentation" -- --config "$cfg" --set 'data.augment={"rotate":0,"shift":0,"scale":[1,1]}' --out "$tmp/aug0" --quiet
diff <(cut -d, -f1-10,12- "$tmp/run/metrics.csv") <(cut -d, -f1-10,12- "$tmp/aug0/metrics.csv") > /dev/null && ok || no "identity augmentation changed the run"
expect 0 "augment preview" -- --config "$cfg" --set 'data.augment={"rotate":20,"scale":[0.8,1.2]}' --set output.augment_preview=true --out "$tmp/aug1" --quiet
[[ $(head -c 8 "$tmp/aug1/augment.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] && ok || no "augment.png is not a PNG"
if command -v pngcheck > /dev/null; then pngcheck -q "$tmp/aug1/augment.png" > /dev/null && ok || no "pngcheck rejects augment.png"; fi
diff <(cut -d, -f2 "$tmp/run/metrics.csv") <(cut -d, -f2 "$tmp/aug1/metrics.csv") > /dev/null && no "augmentation changed nothing" || ok
expect 0 "noise" -- --config "$cfg" --set data.noise_std=0.3 --out "$tmp/noise" --quiet
diff <(cut -d, -f2 "$tmp/run/metrics.csv") <(cut -d, -f2 "$tmp/noise/metrics.csv") > /dev/null && no "noise changed nothing" || ok
expect 2 "augment scale lo > hi" -- --config "$cfg" --set 'data.augment.scale=[1.2,0.8]' --print-config; has "$tmp/err" "data.augment.scale: lo 1.2 is above hi 0.8"
# Weight statistics and images: weights.csv per epoch and tensor agrees with the saved model
expect 0 "weight stats" -- --config "$cfg" --set output.weight_stats=true --set output.weight_images=every_epoch \
  --set regularization.l1=0.01 --out "$tmp/ws" --quiet
[[ $(wc -l < "$tmp/ws/weights.csv") -eq 9 ]] && ok || no "weights.csv: 2 epochs x 4 tensors + header: $(cat "$tmp/ws/weights.csv")"
for f in weights_fc0.png weights_fc0_e001.png weights_fc0_e002.png; do
  [[ $(head -c 8 "$tmp/ws/$f" 2> /dev/null | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] && ok || no "$f is not a PNG"
done
python3 - "$tmp/ws" <<'PY' && ok || no "weights.csv differs from model.safetensors"
import array, csv, json, math, struct, sys
d = sys.argv[1]
b = open(d + "/model.safetensors", "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n]); o = 8 + n
rows = {(r["epoch"], r["tensor"]): r for r in csv.DictReader(open(d + "/weights.csv"))}
for name in ("fc0.weight", "out.weight"):
    lo, hi = h[name]["data_offsets"]
    w = array.array("f", b[o + lo:o + hi])
    r = rows[("2", name)]
    l1, l2 = sum(abs(x) for x in w), math.sqrt(sum(x * x for x in w))
    small = sum(abs(x) < 1e-3 for x in w) / len(w)
    if not (int(r["numel"]) == len(w) and abs(float(r["l1"]) - l1) <= 1e-6 * l1 and abs(float(r["l2"]) - l2) <= 1e-6 * l2
            and abs(float(r["frac_small"]) - small) < 1e-9 and float(r["grad_l2"]) > 0):
        sys.exit(f"{name}: {r} vs l1 {l1} l2 {l2} small {small}")
PY
# activations.csv: one row per epoch per hidden layer; a ReLU layer's dead units and mean activation
# recomputed in Python from the saved model on the tiny test set agree with the last epoch's rows
[[ $(wc -l < "$tmp/ws/activations.csv") -eq 3 ]] && ok || no "activations.csv: 2 epochs x 1 hidden layer + header: $(cat "$tmp/ws/activations.csv")"
has "$tmp/ws/activations.csv" "epoch,layer,units,dead_frac,mean_activation"
awk -F, 'NR > 1 && !($2 == "fc0" && $4 >= 0 && $4 <= 1 && $5 > 0) { bad = 1 } END { exit bad }' "$tmp/ws/activations.csv" && ok ||
  no "activations.csv rows out of range: $(cat "$tmp/ws/activations.csv")"
# the toolkit's keys: ranges and the rule between max_norm_output and max_norm
expect 2 "label_smoothing 1" -- --config "$cfg" --set regularization.label_smoothing=1 --print-config
has "$tmp/err" "regularization.label_smoothing: must be in [0, 1), got 1"
expect 2 "max_norm_output alone" -- --config "$cfg" --set regularization.max_norm_output=true --print-config
has "$tmp/err" "regularization.max_norm_output: needs regularization.max_norm > 0"
expect 2 "clip_grad_norm -1" -- --config "$cfg" --set optimizer.clip_grad_norm=-1 --print-config; has "$tmp/err" "optimizer.clip_grad_norm"
expect 2 "normalize median" -- --config "$cfg" --set regularization.normalize=median --print-config; has "$tmp/err" "sum, mean"
# max_norm holds after training: every fc0 row of the saved model has norm <= c (+ rounding), and
# the output layer is left alone unless max_norm_output
expect 0 "max_norm" -- --config "$cfg" --set regularization.max_norm=0.05 --out "$tmp/mn" --quiet
python3 - "$tmp/mn" <<'PY' && ok || no "max_norm does not hold in the saved model"
import array, json, math, struct, sys
b = open(sys.argv[1] + "/model.safetensors", "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n]); o = 8 + n
def norms(name):
    (rows, cols), (lo, hi) = h[name]["shape"], h[name]["data_offsets"]
    w = array.array("f", b[o + lo:o + hi])
    return [math.sqrt(sum(x * x for x in w[r * cols:(r + 1) * cols])) for r in range(rows)]
if max(norms("fc0.weight")) > 0.05 * (1 + 1e-5): sys.exit(f"fc0 row norm {max(norms('fc0.weight'))} > 0.05")
if max(norms("out.weight")) <= 0.05: sys.exit("out.weight was constrained without max_norm_output")
PY
# the mean L1 form: l1 = n * 1e-4 in the mean form is l1 = 1e-4 in the sum form (n = the weights)
expect 0 "l1 sum form" -- --config "$cfg" --set regularization.l1=1e-4 --out "$tmp/l1s" --quiet
nw=$(python3 -c 'import json,struct,sys; b=open(sys.argv[1],"rb").read(); h=json.loads(b[8:8+struct.unpack("<Q",b[:8])[0]])
import math; print(sum(math.prod(v["shape"]) for k,v in h.items() if k.endswith(".weight") and not k.startswith("norm")))' "$tmp/l1s/model.safetensors")
expect 0 "l1 mean form" -- --config "$cfg" --set regularization.l1=$((nw))e-4 --set regularization.normalize=mean --out "$tmp/l1m" --quiet
paste -d, <(cut -d, -f3 "$tmp/l1s/metrics.csv") <(cut -d, -f3 "$tmp/l1m/metrics.csv") |
  awk -F, 'NR > 1 { d = $1 - $2; if (d < 0) d = -d; if (!($1 > 0) || d > 1e-4 * $1) bad = 1 } END { exit bad }' && ok ||
  no "mean-form penalty differs from the sum form at l1 * n: $(paste -d' ' "$tmp/l1s/metrics.csv" "$tmp/l1m/metrics.csv")"
# 17: --print-config alone prints the defaults
expect 0 "--print-config without --config" -- --print-config; has "$tmp/out" '"batch_size":	64'
# 18: divergence prints nan (not -nan) and names the likelier cause
expect 1 "diverged by weight_decay" -- --config "$cfg" --set optimizer.name=sgd --set optimizer.weight_decay=1e30 --out "$tmp/r18a" --quiet
lines "$tmp/err" 1; has "$tmp/err" "diverged"; has "$tmp/err" "optimizer.weight_decay"
grep -q -- "-nan" "$tmp/err" && no "divergence message prints -nan" || ok
expect 1 "diverged by l2" -- --config "$cfg" --set regularization.l2=1e300 --out "$tmp/r18b" --quiet
has "$tmp/err" "regularization.l2"; grep -q "optimizer.lr" "$tmp/err" && no "l2 divergence blames optimizer.lr" || ok

finish
