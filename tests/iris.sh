#!/usr/bin/env bash
# Smoke test on real tabular data: configs/iris.json (4-32-3 ReLU, SGD, batch 16, 80/20 stratified
# split) for a few epochs with standardized features and a larger rate must run, write its files,
# split 120/30 and reach at least 90% test accuracy at the last epoch; the same seed gives the same
# metrics.csv, and summary.json records the feature names and the training split's statistics. With
# Debian's python3-torch, PyTorch loads the model and gets the same test accuracy on the same held-out
# rows (summary.json data.test_rows).
# usage: iris.sh REGMNIST SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
csv=$src/data/iris/iris.csv
if [[ ! -s $csv ]]; then
  echo "iris: $csv missing: run scripts/get-data.sh iris first" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { # DIR: a short run, with the features standardized and lr 0.05 so that 40 epochs suffice
  "$bin" --config "$src/configs/iris.json" --set "data.train=\"$csv\"" --set data.normalize=dataset \
    --set optimizer.lr=0.05 --set training.epochs=40 --out "$1" --quiet
}
run "$out/a"
for f in metrics.csv config.json summary.json model.safetensors; do
  [[ -s $out/a/$f ]] || { echo "iris: $f not written" >&2; exit 1; }
done
tail -3 "$out/a/metrics.csv"
/usr/bin/env python3 - "$out/a" <<'PY'
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/metrics.csv")))
s = json.load(open(f"{d}/summary.json"))
assert len(rows) == 40, f"{len(rows)} epochs, want 40"
acc = float(rows[-1]["test_acc"])
assert acc >= 90.0, f"test accuracy {acc} < 90"
assert (s["n_train"], s["n_val"], s["n_test"]) == (120, 0, 30), (s["n_train"], s["n_val"], s["n_test"])
assert s["data"]["features"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"], s["data"]
assert s["data"]["classes"] == 3 and s["data"]["label"] == "label", s["data"]
mean, std = s["normalize"]["mean"], s["normalize"]["std"]
assert len(mean) == 4 and 5.0 < mean[0] < 6.5 and 0.5 < std[0] < 1.1 and 1.0 < mean[2] < 5.0, s["normalize"]
print(f"iris: ok, test accuracy {acc:.2f}%")
PY
# model.classes must agree with the data: 3 here, and MNIST's 10 on IDX (checked before any data is read)
"$bin" --config "$src/configs/iris.json" --set "data.train=\"$csv\"" --set model.classes=3 --print-config > /dev/null \
  || { echo "iris: model.classes 3 refused" >&2; exit 1; }
if "$bin" --config "$src/configs/baseline.json" --set model.classes=3 --print-config > /dev/null 2> "$out/err" || ! grep -qF "model.classes: 3, but the data has 10 classes" "$out/err"; then
  echo "iris: model.classes 3 on IDX data: $(cat "$out/err")" >&2
  exit 1
fi
run "$out/b"
if ! cmp -s <(cut -d, -f1-10 "$out/a/metrics.csv") <(cut -d, -f1-10 "$out/b/metrics.csv"); then
  echo "iris: two runs with the same seed differ" >&2
  exit 1
fi
if /usr/bin/python3 -c "import torch" 2> /dev/null; then
  /usr/bin/python3 "$src/scripts/torch_load_model.py" "$out/a" || { echo "iris: PyTorch's accuracy differs" >&2; exit 1; }
fi
