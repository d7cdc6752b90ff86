#!/usr/bin/env bash
# The split's counts agree between regmnist and its PyTorch twin's torch-free counting
# (scripts/split_counts.py, used by scripts/torch_mlp.py) where round(subset*N) or
# round(val_fraction*take) lands exactly on a half: both round halves away from zero (C's llround),
# not to even (Python's round). Then scripts/parity.sh --summarize-only on a fake run tree: it
# averages exactly the --seeds asked for and fails on a missing one. Needs python3, not torch or MNIST.
# usage: split_rounding.sh REGMNIST SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

# 1. The rounding rule itself, against libm's llround where ctypes can load it, and fixed values.
if out=$(python3 - "$src/scripts" 2>&1 <<'PY'
import ctypes, ctypes.util, sys
sys.path.insert(0, sys.argv[1])
from split_counts import round_half_away
fixed = {0.5: 1, 1.5: 2, 2.5: 3, 12.5: 13, 0.49999999999999994: 0, 0.9999999999999999: 1, 2.4999999999999996: 2,
         -0.5: -1, -2.5: -3, -2.4: -2, 4503599627370497.0: 4503599627370497, 0.0: 0, 7.0: 7}
bad = [f"round_half_away({x!r}) = {round_half_away(x)}, want {w}" for x, w in fixed.items() if round_half_away(x) != w]
try:
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    libm.llround.restype, libm.llround.argtypes = ctypes.c_longlong, [ctypes.c_double]
    xs = list(fixed) + [k + 0.5 for k in range(-40, 40)] + [k * 0.05 for k in range(-200, 200)]
    bad += [f"round_half_away({x!r}) = {round_half_away(x)}, llround gives {libm.llround(x)}"
            for x in xs if round_half_away(x) != libm.llround(x)]
except (OSError, AttributeError, TypeError):
    pass
print("; ".join(bad[:6]) + (f"; and {len(bad) - 6} more" if len(bad) > 6 else ""))
sys.exit(1 if bad else 0)
PY
); then ok; else no "rounding rule: $out"; fi

# 2. regmnist against split_counts on a tiny data set: 100 training images, 10 per class.
python3 - "$tmp/data" <<'PY' || { echo "FAIL: cannot generate data"; exit 1; }
import os, random, struct, sys
d = sys.argv[1]; os.makedirs(d)
random.seed(1)
for name, n in (("train", 100), ("t10k", 20)):
    img = struct.pack(">IIII", 0x803, n, 28, 28) + bytes(random.randrange(256) for _ in range(n * 784))
    lab = struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n))
    open(f"{d}/{name}-images-idx3-ubyte", "wb").write(img)
    open(f"{d}/{name}-labels-idx1-ubyte", "wb").write(lab)
PY
counts=10,10,10,10,10,10,10,10,10,10
# split SUBSET VAL_FRACTION N_TRAIN N_VAL: regmnist and split_counts both give the expected counts.
check_split() {
  local subset=$1 vf=$2 want="$3 $4" run=$tmp/run$((pass + fail)) got py
  mkdir -p "$run"
  cat > "$run/c.json" <<JSON
{"name": "split", "data": {"dir": "$tmp/data", "subset": $subset, "val_fraction": $vf}, "model": {"hidden": [8]},
 "training": {"epochs": 1, "batch_size": 16}}
JSON
  if ! "$bin" --config "$run/c.json" --out "$run/out" --quiet > "$run/stdout" 2> "$run/stderr"; then
    no "subset $subset, val_fraction $vf: regmnist failed: $(cat "$run/stderr")"
    return
  fi
  got=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s["n_train"], s["n_val"])' \
    "$run/out/summary.json")
  py=$(python3 "$src/scripts/split_counts.py" --counts $counts --subset "$subset" --val-fraction "$vf")
  if [[ $got == "$want" && $py == "$want" ]]; then ok; else
    no "subset $subset, val_fraction $vf: n_train n_val: regmnist '$got', split_counts.py '$py', want '$want'"
  fi
}
check_split 0.125 0.0 13 0                    # 0.125*100 = 12.5 -> 13 (half to even: 12)
check_split 0.5 0.5 20 30                     # take 5 per class, 0.5*5 = 2.5 -> 3 (half to even: 2)
check_split 1.0 0.25 70 30                    # take 10, 0.25*10 = 2.5 -> 3 (half to even: 2)
check_split 0.125 0.25 10 3                   # takes 2,2,2,1,...: 0.25*2 = 0.5 -> 1 (half to even: 0)
check_split 0.15 0.49999999999999994 10 5     # takes 2x5, 1x5: 0.9999999999999999 -> 1, 0.49999999999999994 -> 0
check_split 0.3 0.2 20 10                     # no halves: take 3, 0.6 -> 1

# 3. parity.sh --summarize-only averages exactly the seeds asked for: a fake tree with seeds 1-4.
p=$tmp/parity
for prog in regmnist torch; do
  for s in 1 2 3 4; do
    mkdir -p "$p/$prog/fake/$s"
    case $prog$s in regmnist1) a=97.0 ;; regmnist2) a=98.0 ;; torch1) a=95.0 ;; torch2) a=96.0 ;; *) a=10.0 ;; esac
    printf 'epoch,train_loss,penalty,train_acc,val_loss,val_acc,test_loss,test_acc,gap,lr,seconds\n' \
      > "$p/$prog/fake/$s/metrics.csv"
    printf '1,0.5,0,90,,,0.3,%s,0,0.1,1\n' "$a" >> "$p/$prog/fake/$s/metrics.csv"
  done
done
if bash "$src/scripts/parity.sh" --summarize-only --seeds "1 2" --out "$p" configs/fake.json \
  > "$tmp/pout" 2> "$tmp/perr"; then
  row='| fake | 97.50 ± 0.71 | 95.50 ± 0.71 | +2.00 | NO |'
  if grep -qF -- "$row" "$tmp/pout" && grep -qF -- "$row" "$p/parity.md"; then ok; else
    no "parity.sh --seeds '1 2': want the row '$row' (seeds 3 and 4 left out); got: $(cat "$tmp/pout")"
  fi
else
  no "parity.sh --summarize-only --seeds '1 2' failed: $(cat "$tmp/perr")"
fi
if bash "$src/scripts/parity.sh" --summarize-only --seeds "1 5" --out "$p" configs/fake.json \
  > "$tmp/pout" 2> "$tmp/perr"; then
  no "parity.sh --seeds '1 5' with no seed 5 succeeded: $(cat "$tmp/pout")"
elif grep -qF "regmnist/fake/5/metrics.csv" "$tmp/perr" && [[ $(wc -l < "$tmp/perr") -eq 1 ]] \
  && [[ ! -e $p/parity.md.tmp ]]; then ok; else
  no "parity.sh --seeds '1 5': want one line naming regmnist/fake/5/metrics.csv; got: $(cat "$tmp/perr")"
fi

echo "split_rounding: $pass passed, $fail failed"
((fail == 0))
