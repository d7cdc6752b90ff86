#!/usr/bin/env bash
# CSV data (data.format "csv") through the command line, on small generated tables (no download):
# a run with string class names recorded in summary.json, a separate test file, the label column by
# name and by index, model.classes, and every config and loader error as one line with its exit
# status (2 config, 3 data).
# usage: tabular.sh REGMNIST SOURCE_DIR
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
cd "$tmp"

# Two well-separated classes named by strings, the label first; 40 rows train, 12 test.
/usr/bin/env python3 - <<'PY' || { echo "FAIL: cannot generate data"; exit 1; }
import random
random.seed(3)
def rows(n):
    out = []
    for i in range(n):
        c = i % 2
        out.append(("dog" if c else "cat", 3 * c + random.gauss(0, 0.3), -2 * c + random.gauss(0, 0.3)))
    return out
for name, n in (("train", 40), ("test", 12)):
    with open(f"{name}.csv", "w") as f:
        f.write("kind,a,b\n" + "".join(f"{k},{a:.4f},{b:.4f}\n" for k, a, b in rows(n)))
open("ragged.csv", "w").write("a,b,label\n1,2,0\n3,1\n")
open("nan.csv", "w").write("a,b,label\n1,2,0\nnan,1,1\n")
open("one.csv", "w").write("a,b,label\n1,2,0\n3,1,0\n")
open("many.csv", "w").write("a,label\n" + "".join(f"{i},{i}\n" for i in range(300)))
PY
cat > base.json <<'JSON'
{"name": "tab", "data": {"format": "csv", "train": "train.csv", "test": "test.csv", "normalize": "dataset", "label": "kind"},
 "model": {"hidden": [8]}, "optimizer": {"name": "sgd", "lr": 0.1}, "training": {"epochs": 20, "batch_size": 8}}
JSON
base=(--config base.json --quiet)

expect 0 "csv run with a test file" -- "${base[@]}" --out run
python3 - run <<'PY' && ok || no "csv run summary"
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
d = s["data"]
assert d["class_names"] == ["cat", "dog"] and d["classes"] == 2 and d["features"] == ["a", "b"], d
assert d["label"] == "kind" and d["label_column"] == 0, d
assert (s["n_train"], s["n_test"]) == (40, 12), s
assert s["final"]["test_acc"] == 100.0, s["final"]
PY
# the resolved config reads back and gives the same numbers
expect 0 "rerun from config.json" -- --config run/config.json --out run2 --quiet
cmp -s <(cut -d, -f1-10 run/metrics.csv) <(cut -d, -f1-10 run2/metrics.csv) && ok || no "config.json rerun differs"
expect 0 "label by index, model.classes agrees" -- "${base[@]}" --set data.label=0 --set model.classes=2 --out idx
cmp -s <(cut -d, -f1-10 run/metrics.csv) <(cut -d, -f1-10 idx/metrics.csv) && ok || no "label 0 and label kind differ"
# a stratified split of the one file: 25% of each class of 40 rows is 10 + 10... 5 + 5
expect 0 "test_fraction" -- "${base[@]}" --set 'data.test=""' --set data.test_fraction=0.25 --out frac
python3 -c "import json; s = json.load(open('frac/summary.json')); assert (s['n_train'], s['n_test']) == (30, 10), s" \
  && ok || no "test_fraction split counts"
expect 0 "normalize none" -- "${base[@]}" --set data.normalize=none --out none
python3 -c "import json; s = json.load(open('none/summary.json')); assert 'normalize' not in s, s" && ok || no "none records statistics"
# any thread count gives the same numbers; an interrupted run resumes to the uninterrupted run's numbers
# (metrics.csv without its seconds column, and the tensor bytes of model.safetensors: its metadata
# records the config, whose threads and output.dir differ)
same_tensors() { python3 -c '
import struct, sys
def body(p):
    b = open(p, "rb").read()
    return b[8 + struct.unpack("<Q", b[:8])[0]:]
sys.exit(body(sys.argv[1]) != body(sys.argv[2]) or not body(sys.argv[1]))' "$1" "$2"; }
expect 0 "csv run, 3 threads" -- "${base[@]}" --set model.dropout=0.3 --threads 3 --out t3
expect 0 "csv run, 1 thread" -- "${base[@]}" --set model.dropout=0.3 --threads 1 --out t1
cmp -s <(cut -d, -f1-10 t1/metrics.csv) <(cut -d, -f1-10 t3/metrics.csv) && same_tensors t1/model.safetensors t3/model.safetensors \
  && ok || no "csv run differs between 1 and 3 threads"
REGMNIST_TEST_SIGTERM_AFTER_STEPS=23 "$bin" "${base[@]}" --set model.dropout=0.3 --threads 1 --out sig 2> sig.err
[[ $? -eq 143 ]] && ok || no "SIGTERM hook: $(cat sig.err)"
expect 0 "csv resume" -- --resume sig --quiet
cmp -s <(cut -d, -f1-10 t1/metrics.csv) <(cut -d, -f1-10 sig/metrics.csv) && same_tensors t1/model.safetensors sig/model.safetensors \
  && ok || no "resumed csv run differs from the uninterrupted one"

# dropout 1 trains as PyTorch's Dropout(1.0): the hidden block outputs zeros, every number stays finite
expect 0 "dropout 1" -- "${base[@]}" --set model.dropout=1 --out drop1
python3 - drop1/metrics.csv <<'PY' && ok || no "dropout 1 metrics"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 20 and all(math.isfinite(float(r[k])) for r in rows for k in ("train_loss", "test_loss")), rows[-1]
assert float(rows[-1]["train_acc"]) <= 60.0, rows[-1]  # only the output bias learns: chance level on 2 classes
PY
# the PyTorch twin reads the same csv and splits the same counts (when Debian's python3-torch is there)
if /usr/bin/python3 -c "import torch" 2> /dev/null; then
  /usr/bin/python3 "$2/scripts/torch_mlp.py" --config base.json --set 'data.test=""' --set data.test_fraction=0.25 \
    --set data.val_fraction=0.2 --out twin --quiet 2> twin.err && ok || no "twin on csv: $(cat twin.err)"
  "$bin" --config base.json --set 'data.test=""' --set data.test_fraction=0.25 --set data.val_fraction=0.2 --out fracv --quiet
  python3 - twin/summary.json fracv/summary.json <<'PY' && ok || no "twin and regmnist split counts differ"
import json, sys
t, r = (json.load(open(p)) for p in sys.argv[1:])
assert [t[k] for k in ("n_train", "n_val", "n_test")] == [r[k] for k in ("n_train", "n_val", "n_test")] == [24, 6, 10], (t, r)
assert t["final"]["test_acc"] == 100.0, t["final"]
PY
fi

# config errors: exit 2, one line naming the key
cfgerr() { # DESCRIPTION KEY ARGS...
  local what=$1 key=$2; shift 2
  expect 2 "$what" -- "${base[@]}" "$@" --print-config; lines "$tmp/err" 1; has "$tmp/err" "$key"
}
cfgerr "model.classes disagrees" "model.classes: 3, but the data has 2 classes" --set model.classes=3
cfgerr "standard normalization on csv" "data.normalize: \"standard\" is for images" --set data.normalize=standard
cfgerr "augment on csv" "data.augment: applies to images" --set 'data.augment={"rotate":5}'
cfgerr "weight images on csv" "output.weight_images: applies to images" --set output.weight_images=true
cfgerr "augment preview on csv" "output.augment_preview: applies to images" --set output.augment_preview=true
cfgerr "idx key on csv" "data.train_images: applies to data.format \"idx\" only" --set data.train_images=x
cfgerr "no train file" "data.train: required" --set 'data.train=""'
cfgerr "no test" "data.test: csv data needs a test file or data.test_fraction" --set 'data.test=""'
cfgerr "test and test_fraction" "data.test_fraction: applies only when data.test is" --set data.test_fraction=0.2
cfgerr "label wrong type" "data.label: expected a column name or index, got a boolean" --set data.label=true
cfgerr "dropout above 1" "model.dropout: must be in [0, 1], got 1.01" --set model.dropout=1.01
cfgerr "model.classes range" "model.classes: must be in [0, 255]" --set model.classes=256
expect 2 "csv key on idx" -- --config base.json --set data.format=idx --print-config; lines "$tmp/err" 1
has "$tmp/err" "data.train: applies to data.format \"csv\" only"
# eval: the run's own test set (a test file, or the held-out rows) and splits, standardized as the run was
evalcheck() { # DESCRIPTION RUN_DIR SPLIT WANT_N [METRIC]: eval.json's n, and its accuracy against summary.json's
  local what=$1 dir=$2 split=$3 want_n=$4 metric=${5:-}
  expect 0 "$what" -- eval "$dir" --split "$split" --out "ev_${dir}_$split" --quiet
  local name=eval_$split.json; [[ $split == test ]] && name=eval.json
  python3 - "ev_${dir}_$split/$name" "$dir/summary.json" "$want_n" "$metric" <<'PY' && ok || no "$what: eval.json"
import json, sys
ev, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert ev["n"] == int(sys.argv[3]), ev
if sys.argv[4]:
    assert abs(ev["accuracy"] - s["final"][sys.argv[4]]) < 1e-9 and abs(ev["loss"] - s["final"][sys.argv[4].replace("acc", "loss")]) < 1e-6, (ev, s["final"])
assert len(ev["per_class_accuracy"]) == 2, ev
PY
}
evalcheck "eval csv test file" run test 12 test_acc
evalcheck "eval csv held-out rows" frac test 10 test_acc
evalcheck "eval csv train split" frac train 30 train_eval_acc
expect 0 "csv run with a validation split" -- "${base[@]}" --set data.val_fraction=0.25 --out val
evalcheck "eval csv val split" val val 10 val_acc
expect 0 "eval csv, normalize none" -- eval none --quiet; has none/eval.json '"accuracy":'

# loader errors: exit 3, one line naming the file
loaderr() { # DESCRIPTION FILE TEXT ARGS...
  local what=$1 file=$2 text=$3; shift 3
  expect 3 "$what" -- "${base[@]}" --set data.train="$file" --set 'data.test=""' --set data.test_fraction=0.5 \
    --set data.label=-1 "$@" --out "x_$file"; lines "$tmp/err" 1; has "$tmp/err" "$file"; has "$tmp/err" "$text"
}
loaderr "ragged row" ragged.csv "line 3"
loaderr "NaN" nan.csv "line 3"
loaderr "one class" one.csv "class"
loaderr "missing file" missing.csv "missing.csv"
expect 3 "label column unknown" -- "${base[@]}" --set data.label=nope --out nope; lines "$tmp/err" 1
has "$tmp/err" "train.csv: no column named 'nope'"
expect 2 "300 classes" -- "${base[@]}" --set data.train=many.csv --set 'data.test=""' --set data.test_fraction=0.5 \
  --set data.label=label --out many; lines "$tmp/err" 1; has "$tmp/err" "300 classes; training takes at most 255"
finish
