#!/usr/bin/env bash
# Parity report: train configs in regmnist and in its PyTorch twin (scripts/torch_mlp.py) over
# several seeds and tabulate the final test accuracy of each.
# usage: scripts/parity.sh [--seeds "1 2 3"] [--build DIR] [--out DIR] [--summarize-only] [CONFIG...]
# Needs a build (cmake) and Debian's python3-torch (scripts/setup.sh --torch); MNIST in data/mnist.
# The table averages exactly the --seeds given (other seed dirs under --out are ignored; a missing one
# is an error). --summarize-only skips training and tabulates the runs already under --out.
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
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) configs+=("$1"); shift ;;
  esac
done
((${#configs[@]})) || configs=(configs/tutorial_plain.json configs/tutorial_l2.json configs/tutorial_dropout.json
  configs/tutorial_shallow.json configs/l2_dropout.json configs/batchnorm.json configs/layernorm.json
  configs/sgd_momentum_wd.json)
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
      "$build/regmnist" --config "$c" --seed "$s" --out "$out/regmnist/$name/$s" --quiet
      /usr/bin/python3 scripts/torch_mlp.py --config "$c" --seed "$s" --out "$out/torch/$name/$s" --quiet
    done
  done
fi
[[ -d $out ]] || { echo "parity: $out: no such directory (nothing to summarize)" >&2; exit 1; }
/usr/bin/python3 - "$out" "$seeds" "${names[@]}" > "$out/parity.md.tmp" <<'PY' || { rm -f "$out/parity.md.tmp"; exit 1; }
import math, os, statistics as st, sys
out, seeds, names = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
def accs(prog, name):
    """The final test accuracy of each asked-for seed, exactly those (no others found on disk)."""
    r = []
    for s in seeds:
        p = os.path.join(out, prog, name, s, "metrics.csv")
        try:
            rows = open(p).read().strip().split("\n")
            if len(rows) < 2:
                raise ValueError("no epoch rows")
            r.append(float(rows[-1].split(",")[7]))
        except (OSError, ValueError, IndexError) as e:
            sys.exit(f"parity: {p}: missing or unreadable for {prog} {name} seed {s} "
                     f"({e.strerror if isinstance(e, OSError) else e}); run it, or leave seed {s} out of --seeds")
    return r
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
PY
mv "$out/parity.md.tmp" "$out/parity.md"
cat "$out/parity.md"
