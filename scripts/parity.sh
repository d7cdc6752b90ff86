#!/usr/bin/env bash
# Parity report: train configs in regmnist and in its PyTorch twin (scripts/torch_mlp.py) over
# several seeds and tabulate the final model's test accuracy (the last metrics.csv row, or when early
# stopping restored the best epoch, summary.json's final.test_acc), then a load check: the twin loads
# each regmnist run's model.safetensors of the first seed and must get its test accuracy within 0.02.
# usage: scripts/parity.sh [--seeds "1 2 3"] [--build DIR] [--out DIR] [--summarize-only] [CONFIG...]
# Needs a build (cmake) and Debian's python3-torch (scripts/setup.sh --torch); MNIST in data/mnist,
# iris in data/iris (scripts/get-data.sh iris).
# The table averages exactly the --seeds given (other seed dirs under --out are ignored; a missing one
# is an error). --summarize-only skips training and the load check and tabulates the runs already
# under --out. A failed run stops the script; a failed load check exits 1 after the table is written.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="1 2 3" build=build out=runs/parity summarize_only=0
configs=()
while (($#)); do
  case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --summarize-only) summarize_only=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) configs+=("$1"); shift ;;
  esac
done
((${#configs[@]})) || configs=(configs/tutorial_plain.json configs/tutorial_l2.json configs/tutorial_dropout.json
  configs/tutorial_shallow.json configs/l2_dropout.json configs/batchnorm.json configs/layernorm.json
  configs/sgd_momentum_wd.json configs/early_stop.json configs/label_smoothing.json configs/maxnorm_dropout.json
  configs/cosine.json configs/l1_mean.json configs/iris.json)
read -ra seed_list <<< "$seeds"
((${#seed_list[@]})) || { echo "parity: --seeds: no seeds given" >&2; exit 2; }
[[ $(printf '%s\n' "${seed_list[@]}" | sort | uniq -d) == "" ]] \
  || { echo "parity: --seeds: a seed is repeated in '$seeds'" >&2; exit 2; }
names=()
for c in "${configs[@]}"; do names+=("$(basename "$c" .json)"); done
if ((!summarize_only)); then
  for i in "${!configs[@]}"; do
    c=${configs[$i]} name=${names[$i]}
    for s in "${seed_list[@]}"; do
      echo "parity: $name seed $s" >&2
      "$build/regmnist" --config "$c" --seed "$s" --out "$out/regmnist/$name/$s" --force --quiet
      /usr/bin/python3 scripts/torch_mlp.py --config "$c" --seed "$s" --out "$out/torch/$name/$s" --quiet
    done
  done
fi
# Load check (a reference check: needs torch): PyTorch loads regmnist's model.safetensors with
# load_state_dict(strict=True) and re-measures the test accuracy (scripts/torch_load_model.py).
load_failed=()
if ((!summarize_only)); then
  for name in "${names[@]}"; do
    echo "parity: load check (reference) $name seed ${seed_list[0]}" >&2
    /usr/bin/python3 scripts/torch_load_model.py "$out/regmnist/$name/${seed_list[0]}" >&2 || load_failed+=("$name")
  done
fi
[[ -d $out ]] || { echo "parity: $out: no such directory (nothing to summarize)" >&2; exit 1; }
/usr/bin/python3 - "$out" "$seeds" "${names[@]}" > "$out/parity.md.tmp" <<'PY' || { rm -f "$out/parity.md.tmp"; exit 1; }
import json, math, os, statistics as st, sys
out, seeds, names = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
def runs(prog, name):
    """(last metrics.csv row's test_acc, summary.json or {}) of each asked-for seed, exactly those (no others
    found on disk). metrics.csv is required; summary.json is read when present."""
    r = []
    for s in seeds:
        p = os.path.join(out, prog, name, s, "metrics.csv")
        try:
            rows = open(p).read().strip().split("\n")
            if len(rows) < 2:
                raise ValueError("no epoch rows")
            last = float(rows[-1].split(",")[7])
        except (OSError, ValueError, IndexError) as e:
            sys.exit(f"parity: {p}: missing or unreadable for {prog} {name} seed {s} "
                     f"({e.strerror if isinstance(e, OSError) else e}); run it, or leave seed {s} out of --seeds")
        p = os.path.join(out, prog, name, s, "summary.json")
        try:
            j = json.load(open(p)) if os.path.exists(p) else {}
        except (OSError, ValueError) as e:
            sys.exit(f"parity: {p}: unreadable for {prog} {name} seed {s} ({e})")
        r.append((last, j))
    return r
def accs(prog, name):
    """The final model's test accuracy per seed: the last epoch's, or, when early stopping restored the best
    epoch's model, its re-measured summary.json final.test_acc."""
    return [float(j["final"]["test_acc"]) if j.get("restored_best") else last for last, j in runs(prog, name)]
def summaries(prog, name):
    return [j for _, j in runs(prog, name)]
print(f"Seeds: {' '.join(seeds)}.")
print()
print("| config | regmnist test acc (mean ± std) | PyTorch test acc (mean ± std) | difference | within goal |")
print("| --- | --- | --- | --- | --- |")
for name in names:
    r, t = accs("regmnist", name), accs("torch", name)
    sr, stt = (st.stdev(r) if len(r) > 1 else 0.0), (st.stdev(t) if len(t) > 1 else 0.0)
    diff = st.mean(r) - st.mean(t)
    ok = abs(diff) <= 0.3 or abs(diff) <= math.hypot(sr, stt)
    print(f"| {name} | {st.mean(r):.2f} ± {sr:.2f} | {st.mean(t):.2f} ± {stt:.2f} | {diff:+.2f} | {'yes' if ok else 'NO'} |")
es = [n for n in names if any("best_epoch" in j for j in summaries("regmnist", n) + summaries("torch", n))]
if es:
    def epochs(prog, name):
        return ", ".join(f"{j.get('best_epoch', '-')} ({j.get('stopped_epoch', j.get('epochs', '-'))}, "
                         f"{j.get('stop_reason', '-')})" for j in summaries(prog, name))
    print()
    print("Early stopping, per seed: best epoch (epochs trained, stop reason).")
    print()
    print("| config | regmnist | PyTorch |")
    print("| --- | --- | --- |")
    for name in es:
        print(f"| {name} | {epochs('regmnist', name)} | {epochs('torch', name)} |")
PY
mv "$out/parity.md.tmp" "$out/parity.md"
cat "$out/parity.md"
if ((${#load_failed[@]})); then
  echo "parity: load check failed for: ${load_failed[*]} (seed ${seed_list[0]})" >&2
  exit 1
fi
