#!/usr/bin/env bash
# Parity report: train configs in regmnist and in its PyTorch twin (scripts/torch_mlp.py) over
# several seeds and tabulate the final test accuracy of each.
# usage: scripts/parity.sh [--seeds "1 2 3"] [--build DIR] [--out DIR] [CONFIG...]
# Needs a build (cmake) and Debian's python3-torch (scripts/setup.sh --torch); MNIST in data/mnist.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="1 2 3" build=build out=runs/parity
configs=()
while (($#)); do
  case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) configs+=("$1"); shift ;;
  esac
done
((${#configs[@]})) || configs=(configs/tutorial_plain.json configs/tutorial_l2.json configs/tutorial_dropout.json
  configs/tutorial_shallow.json configs/l2_dropout.json configs/batchnorm.json configs/layernorm.json
  configs/sgd_momentum_wd.json)
for c in "${configs[@]}"; do
  name=$(basename "$c" .json)
  for s in $seeds; do
    echo "parity: $name seed $s" >&2
    "$build/regmnist" --config "$c" --seed "$s" --out "$out/regmnist/$name/$s" --quiet
    /usr/bin/python3 scripts/torch_mlp.py --config "$c" --seed "$s" --out "$out/torch/$name/$s" --quiet
  done
done
/usr/bin/python3 - "$out" "${configs[@]}" <<'PY' | tee "$out/parity.md"
import math, os, statistics as st, sys
out, configs = sys.argv[1], sys.argv[2:]
def accs(prog, name):
    d = os.path.join(out, prog, name)
    return [float(open(os.path.join(d, s, "metrics.csv")).read().strip().split("\n")[-1].split(",")[7])
            for s in sorted(os.listdir(d))]
print("| config | regmnist test acc (mean ± std) | PyTorch test acc (mean ± std) | difference | within goal |")
print("| --- | --- | --- | --- | --- |")
for c in configs:
    name = os.path.basename(c)[:-5]
    r, t = accs("regmnist", name), accs("torch", name)
    sr, stt = (st.stdev(r) if len(r) > 1 else 0.0), (st.stdev(t) if len(t) > 1 else 0.0)
    diff = st.mean(r) - st.mean(t)
    ok = abs(diff) <= 0.3 or abs(diff) <= math.hypot(sr, stt)
    print(f"| {name} | {st.mean(r):.2f} ± {sr:.2f} | {st.mean(t):.2f} ± {stt:.2f} | {diff:+.2f} | {'yes' if ok else 'NO'} |")
PY
