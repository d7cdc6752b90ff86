#!/usr/bin/env bash
# The regularization toolkit over whole epochs, against PyTorch: regmnist and its PyTorch twin
# (scripts/torch_mlp.py) train the same tiny data from the same initial weights (model.init_from),
# batches in file order (no shuffle, no dropout), with label smoothing, max-norm, gradient clipping,
# the mean L1 form and a learning-rate schedule with warmup. Every epoch's lr must be equal, every
# train_loss and test_loss close, and the final parameters equal within 1e-4 + 1e-3 relative. Three
# runs: SGD + momentum with a step schedule; Adam with cosine; SGD with plateau on train_loss.
# usage: toolkit_twin.sh REGMNIST SOURCE_DIR   (exit 77 = skipped: /usr/bin/python3 has no torch)
set -u
bin=$1 src=$2
/usr/bin/python3 -c 'import torch, numpy' 2> /dev/null || { echo "toolkit_twin: SKIPPED: /usr/bin/python3 has no torch (scripts/setup.sh --torch)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/lib.sh"
python3 "$src/tests/tiny_idx.py" "$tmp/data" 200 60 3

# the shared initial weights: PyTorch's default init for 784-32-10, saved as regmnist names them
/usr/bin/python3 - "$src/scripts" "$tmp/init.safetensors" <<'PY' || { no "writing the initial weights"; finish; }
import sys
sys.path.insert(0, sys.argv[1])
import torch, torch_mlp
torch.manual_seed(5)
m = {"hidden": [32], "activation": "relu", "norm": "none", "dropout": 0.0, "input_dropout": 0.0, "init_from": ""}
torch_mlp.save_safetensors(sys.argv[2], torch_mlp.Net(m).state_dict(), {})
PY

case_run() { # name, then the sections that differ, as one JSON fragment
  local name=$1 extra=$2
  cat > "$tmp/$name.json" <<JSON
{"name": "$name", "data": {"dir": "$tmp/data", "normalize": "standard"},
 "model": {"hidden": [32], "init_from": "$tmp/init.safetensors"},
 "training": {"epochs": 6, "batch_size": 20, "shuffle": false},
 "output": {"train_eval_samples": 0}, $extra}
JSON
  "$bin" --config "$tmp/$name.json" --threads 1 --out "$tmp/r-$name" --quiet 2> "$tmp/err" || { no "$name: regmnist failed: $(cat "$tmp/err")"; return; }
  /usr/bin/python3 "$src/scripts/torch_mlp.py" --config "$tmp/$name.json" --out "$tmp/t-$name" --quiet 2> "$tmp/err" ||
    { no "$name: the twin failed: $(cat "$tmp/err")"; return; }
  /usr/bin/python3 - "$tmp/r-$name" "$tmp/t-$name" "$src/scripts" <<'PY' && ok || no "$name: regmnist and PyTorch differ"
import csv, sys
sys.path.insert(0, sys.argv[3])
import numpy as np, read_safetensors
r, t = (list(csv.DictReader(open(d + "/metrics.csv"))) for d in sys.argv[1:3])
bad = []
if len(r) != len(t): bad.append(f"{len(r)} vs {len(t)} epochs")
lrs = set()
for a, b in zip(r, t):
    if float(a["lr"]) != float(b["lr"]): bad.append(f"epoch {a['epoch']}: lr {a['lr']} vs {b['lr']}")
    lrs.add(float(a["lr"]))
    for k in ("train_loss", "test_loss", "penalty"):
        x, y = float(a[k]), float(b[k])
        if abs(x - y) > 1e-4 + 1e-3 * abs(y): bad.append(f"epoch {a['epoch']}: {k} {x} vs {y}")
if len(lrs) < 3: bad.append(f"the schedule gave only {len(lrs)} distinct rates: {sorted(lrs)}")
(pr, _), (pt, _) = (read_safetensors.load(d + "/model.safetensors") for d in sys.argv[1:3])
for k in pt:
    d = np.abs(pr[k] - pt[k]) - (1e-4 + 1e-3 * np.abs(pt[k]))
    if d.max() > 0: bad.append(f"{k}: worst excess {d.max():.3g}")
moved = max(float(np.abs(pt[k] - v).max()) for k, v in read_safetensors.load(sys.argv[1] + "/../init.safetensors")[0].items())
if moved < 1e-2: bad.append(f"the parameters barely moved ({moved})")
if bad: sys.exit("\n".join(bad[:10]))
PY
}

case_run sgd_step '"regularization": {"label_smoothing": 0.1, "max_norm": 0.8, "l1": 0.5, "normalize": "mean"},
 "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9, "clip_grad_norm": 1.0,
               "schedule": {"name": "step", "step_size": 2, "gamma": 0.5, "warmup_epochs": 2}}'
case_run adam_cosine '"regularization": {"label_smoothing": 0.2, "max_norm": 1.0, "max_norm_output": true, "l2": 1e-3},
 "optimizer": {"name": "adam", "lr": 0.003, "clip_grad_norm": 0.5, "schedule": {"name": "cosine", "eta_min": 1e-4}}'
case_run sgd_plateau '"regularization": {"l2": 0.5, "normalize": "mean"},
 "optimizer": {"name": "sgd", "lr": 0.2, "weight_decay": 1e-3,
               "schedule": {"name": "plateau", "monitor": "train_loss", "factor": 0.5, "patience": 0, "threshold": 0.5}}'
finish
