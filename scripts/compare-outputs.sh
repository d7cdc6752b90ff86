#!/usr/bin/env bash
# compare-outputs.sh - do two regmnist binaries train the same numbers? Six small configs on real MNIST
# (5% subset, 2 epochs, 2 threads: dropout, BatchNorm, LayerNorm with input dropout and tanh, batch 1000
# SGD momentum, augmentation + noise + L1 + early stopping + weight stats, cosine schedule + label
# smoothing + max-norm + clipping), each trained by both; compares metrics.csv without its seconds,
# weights.csv, activations.csv, model.safetensors byte for byte and the state's tensors and metadata
# (times aside). Prints "NAME: identical" or "NAME: DIFFER" per config; exits 1 on any difference.
# A developer's check for a change that must not move a result (a refactoring, a speed-up): keep the
# old binary (cp build/regmnist /tmp/before), rebuild, run scripts/compare-outputs.sh /tmp/before build/regmnist.
# usage: scripts/compare-outputs.sh BINARY_A BINARY_B   (about a minute on 2 cores; needs data/mnist)
set -u
[[ $# -eq 2 ]] || { echo "usage: scripts/compare-outputs.sh BINARY_A BINARY_B" >&2; exit 2; }
A=$1 B=$2 src=$(cd "$(dirname "$0")/.." && pwd); data=$src/data/mnist
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fp() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i } { out = ""; for (i = 1; i <= NF; i++) if (i != s) out = out "," $i; print out }' "$1/metrics.csv"; [[ -f $1/weights.csv ]] && cat "$1/weights.csv"; [[ -f $1/activations.csv ]] && cat "$1/activations.csv"; }
bad=0
go() { local name=$1; shift
  for who in A B; do bin=${!who}
    "$bin" --config "$src/configs/smoke_5pct.json" --set "data.dir=\"$data\"" --set training.epochs=2 --seed 7 --threads 2 --out "$tmp/$who/x" --quiet "$@" 2>"$tmp/err" || { echo "$name $who failed: $(cat $tmp/err)"; bad=1; }
    fp "$tmp/$who/x" > "$tmp/$who.txt"
  done
  cmp -s "$tmp/A.txt" "$tmp/B.txt" && cmp -s "$tmp/A/x/model.safetensors" "$tmp/B/x/model.safetensors" && python3 - "$tmp/A/x/state.safetensors" "$tmp/B/x/state.safetensors" <<'PY' && echo "$name: identical" || { echo "$name: DIFFER"; bad=1; }
import json, struct, sys
def t(p):
    b = open(p, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8+n]); m = h.pop('__metadata__', {})
    m = {k: v for k, v in m.items() if k not in ('train_seconds', 'eval_seconds', 'config')}
    m['row.last'] = m.get('row.last', '').split()[:4] + m.get('row.last', '').split()[5:]
    m['row.best'] = m.get('row.best', '').split()[:4] + m.get('row.best', '').split()[5:]
    return {k: b[8+n+v['data_offsets'][0]:8+n+v['data_offsets'][1]] for k, v in h.items()}, m
    m['row.last'] = m.get('row.last', '').split()[:4] + m.get('row.last', '').split()[5:]
    m['row.best'] = m.get('row.best', '').split()[:4] + m.get('row.best', '').split()[5:]
a, b = t(sys.argv[1]), t(sys.argv[2]); sys.exit(0 if a == b else 1)
PY
  rm -rf "$tmp/A" "$tmp/B"
}
go dropout
go batchnorm --set model.norm=batch
go layernorm --set model.norm=layer --set model.input_dropout=0.2 --set model.activation=tanh
go batch1000 --set model.norm=batch --set training.batch_size=1000 --set optimizer.name=sgd --set optimizer.lr=0.1 --set optimizer.momentum=0.9
go augment_l1 --set 'data.augment={"rotate": 15, "shift": 0.1, "scale": [0.9, 1.1]}' --set data.noise_std=0.2 --set regularization.l1=1e-5 --set output.weight_stats=true --set 'training.early_stopping={"patience": 1}'
go sched --set 'optimizer.schedule={"name": "cosine", "warmup_epochs": 1}' --set regularization.label_smoothing=0.1 --set regularization.max_norm=2 --set optimizer.clip_grad_norm=1
exit $bad
