#!/usr/bin/env bash
# Thread invariance: the same config and seed give byte-identical metrics.csv (every column but
# seconds) and the same final metrics in summary.json for --threads 1, 2, 3 and 4, whatever the
# machine's core count. Configs: the 5% smoke config (dropout 0.2, L2, a validation split), it with
# BatchNorm, with LayerNorm plus input dropout and tanh, and a batch of 1000 with BatchNorm and SGD
# (products cut into blocks of rows), and augmentation, input noise, L1 and weight statistics with
# early stopping on a validation split; and configs/iris.json on data/iris/iris.csv, whose jobs are all
# small enough to run on the calling thread (issue 21). A second seed must change the metrics, so the
# comparison is not vacuous. 2 epochs each.
# usage: thread_invariance.sh REGMNIST SOURCE_DIR DATA_DIR [THREAD_COUNTS]   (default "1 2 3 4")
set -uo pipefail
bin=$1 src=$2 data=$3
read -ra counts <<< "${4:-1 2 3 4}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/lib.sh"

# metrics.csv without its seconds column (found by name), summary.json's final metrics, weights.csv
fingerprint() { # dir -> stdout
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i }
           { out = ""; for (i = 1; i <= NF; i++) if (i != s) out = out (out == "" && i == 1 ? "" : ",") $i; print out }' \
    "$1/metrics.csv"
  python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["final"], sort_keys=True))' \
    "$1/summary.json"
  if [[ -f $1/weights.csv ]]; then cat "$1/weights.csv"; fi
}

base=(--config "$src/configs/smoke_5pct.json" --set "data.dir=\"$data\"") # the config and data of check's runs

run() { # name seed threads [--set ...]
  local name=$1 seed=$2 threads=$3
  shift 3
  if ! "$bin" "${base[@]}" --set training.epochs=2 \
      --seed "$seed" --threads "$threads" --out "$tmp/$name-s$seed-t$threads" --quiet "$@" 2> "$tmp/err"; then
    no "$name, $threads thread(s): regmnist failed: $(cat "$tmp/err")"
    return 1
  fi
  fingerprint "$tmp/$name-s$seed-t$threads" > "$tmp/$name-s$seed-t$threads.txt"
}

check() { # name [--set ...]
  local name=$1
  shift
  local first=${counts[0]} t
  run "$name" 7 "$first" "$@" || return
  [[ $(head -4 "$tmp/$name-s7-t$first.txt" | grep -c '^[12],') -eq 2 ]] && ok || no "$name: expected 2 epoch rows"
  for t in "${counts[@]:1}"; do
    run "$name" 7 "$t" "$@" || continue
    if cmp -s "$tmp/$name-s7-t$first.txt" "$tmp/$name-s7-t$t.txt"; then
      ok
      echo "$name: $first and $t threads: identical"
    else
      no "$name: $first and $t threads differ:"
      diff "$tmp/$name-s7-t$first.txt" "$tmp/$name-s7-t$t.txt" >&2
    fi
  done
  run "$name" 8 "$first" "$@" || return
  if cmp -s "$tmp/$name-s7-t$first.txt" "$tmp/$name-s8-t$first.txt"; then
    no "$name: seeds 7 and 8 gave identical metrics (the comparison would not see a difference)"
  else
    ok
  fi
}

check dropout
check batchnorm --set model.norm=batch
check layernorm --set model.norm=layer --set model.input_dropout=0.2 --set model.activation=tanh
check batch1000 --set model.norm=batch --set training.batch_size=1000 --set optimizer.name=sgd \
  --set optimizer.lr=0.1 --set optimizer.momentum=0.9
check augment_l1 --set 'data.augment={"rotate": 15, "shift": 0.1, "scale": [0.9, 1.1]}' --set data.noise_std=0.2 \
  --set regularization.l1=1e-5 --set output.weight_stats=true --set 'training.early_stopping={"patience": 1}'
base=(--config "$src/configs/iris.json" --set "data.train=\"$src/data/iris/iris.csv\"")
if [[ -s $src/data/iris/iris.csv ]]; then
  check iris
else
  no "iris: $src/data/iris/iris.csv missing: run scripts/get-data.sh iris first"
fi
finish
