#!/usr/bin/env bash
# regmnist sweep beyond plain grids (issue 19, items 1 and 2), on a generated table: value generators
# (linspace, logspace, values) equal numpy's and go resolved to sweep.json, index.csv and the
# directory names; random search (sample, trials, sample_seed) draws each trial's values from
# (sample_seed, trial, key name) alone, so listing twice, --task-id k and --jobs 1 or 2 all give
# trial k the same values; the draws follow their distributions; every spec error is one line, exit
# 2, naming the key.
# usage: sweep_search.sh REGMNIST SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

# a 3-class table of 60 rows, 4 features; 2 epochs of a 4-8-3 network take milliseconds
python3 -c 'import random; r = random.Random(7)
print("a,b,c,d,label")
for i in range(60):
    k = i % 3
    print(",".join("%.3f" % (k + r.gauss(0, 0.5)) for _ in range(4)) + ",%d" % k)' > "$tmp/t.csv"
mkdir -p "$tmp/specs"
cat > "$tmp/base.json" <<JSON
{"name": "t", "data": {"format": "csv", "train": "$tmp/t.csv", "test_fraction": 0.2, "normalize": "none"},
 "model": {"hidden": [8]}, "optimizer": {"name": "sgd", "lr": 0.05}, "training": {"epochs": 2, "batch_size": 8}}
JSON
# spec NAME JSON-MEMBERS: a spec on the base, out in $tmp/NAME
spec() { echo '{"base": "../base.json", "out": "'"$tmp/$1"'", '"$2"'}' > "$tmp/specs/$1.json"; }

## 1. value generators: the resolved values, as numpy computes them
spec gen '"grid": {"model.dropout": {"linspace": [0, 0.9, 10]}, "optimizer.lr": {"logspace": [-4, -1, 7]},
 "regularization.l2": {"linspace": [1e-3, 1e-5, 4]}, "training.batch_size": {"values": [8, 16]}}'
expect 0 "generators: --count" -- sweep "$tmp/specs/gen.json" --count; same "$(cat "$tmp/out")" 560 "10 x 7 x 4 x 2 runs"
expect 0 "generators: --task-id 0" -- sweep "$tmp/specs/gen.json" --task-id 0 --quiet
same "$(json "$tmp/gen/sweep.json" runs)" 560 "sweep.json runs"
# The doubles in sweep.json against numpy's algorithm in plain Python (linspace: i * step + a, the
# last value b; logspace: 10.0 ** that, C's pow as Python's ** is), exactly; and, when
# /usr/bin/python3 has numpy, against numpy itself: linspace exactly, logspace to 1 ulp (numpy's
# power on AVX-512 is SVML's, 1 ulp off at 10^-4).
cat > "$tmp/check.py" <<'PY'
import json, math, sys
s = json.load(open(sys.argv[1]))
def lin(a, b, n):
    step = (b - a) / (n - 1)
    return [b if i == n - 1 else (i / (n - 1) * (b - a) + a if step == 0 else i * step + a) for i in range(n)]
want = {"model.dropout": lin(0, 0.9, 10), "optimizer.lr": [10.0 ** y for y in lin(-4, -1, 7)],
        "regularization.l2": lin(1e-3, 1e-5, 4), "training.batch_size": [8, 16]}
bad = [(k, s["grid"][k], w) for k, w in want.items() if s["grid"][k] != w]
assert not bad, bad
assert s["generated"]["grid.optimizer.lr"] == {"logspace": [-4, -1, 7]}, s["generated"]
assert s["varied"] == list(want), s["varied"]
try:
    import numpy as np
except ImportError:
    print("numpy: not installed, compared with numpy's algorithm only"); sys.exit(0)
assert s["grid"]["model.dropout"] == np.linspace(0, 0.9, 10).tolist()
assert s["grid"]["regularization.l2"] == np.linspace(1e-3, 1e-5, 4).tolist()
for got, ref in zip(s["grid"]["optimizer.lr"], np.logspace(-4, -1, 7).tolist()):
    assert abs(got - ref) <= math.ulp(ref), (got, ref)
PY
/usr/bin/python3 "$tmp/check.py" "$tmp/gen/sweep.json" && ok || no "generated values differ from numpy's"
same "$(sed -n 2p "$tmp/gen/index.csv")" '0,"dropout=0,lr=1e-4,l2=0.001,batch_size=8/seed1","0","0.0001","0.001","8",1' "index.csv row 0"
expect 0 "generators: --list" -- sweep "$tmp/specs/gen.json" --list
has "$tmp/out" "--out $tmp/gen/dropout=0.30000000000000004,lr=3.1622776601683794e-4,l2=6.7e-4,batch_size=8/seed1"
has "$tmp/out" "--set model.dropout=0.30000000000000004 --set optimizer.lr=0.00031622776601683794"
# generators in a zip group are resolved before the lengths are compared
spec zipgen '"zip": {"model.dropout": {"linspace": [0, 0.5, 3]}, "model.input_dropout": [0, 0.1, 0.2]}'
expect 0 "a generator in zip" -- sweep "$tmp/specs/zipgen.json" --list; lines "$tmp/out" 3
has "$tmp/out" "$tmp/zipgen/dropout=0.25,input_dropout=0.1/seed1"
# the shipped iris_l2.json lists the same runs, in the same directories, as its spelled-out values did
python3 - "$src/configs/sweeps/iris_l2.json" "$tmp/specs" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["base"] = "../base.json"; s["set"] = {"training.epochs": 2}; s["seeds"] = [1, 2]
json.dump(s, open(sys.argv[2] + "/l2_gen.json", "w"))
s["grid"]["optimizer.weight_decay"] = [0, 0.016666666666666666, 0.03333333333333333, 0.05, 0.06666666666666667,
                                       0.08333333333333333, 0.1]
json.dump(s, open(sys.argv[2] + "/l2_list.json", "w"))
PY
expect 0 "iris_l2.json: --list" -- sweep "$tmp/specs/l2_gen.json" --list; mv "$tmp/out" "$tmp/l2_gen.txt"
expect 0 "iris_l2.json spelled out: --list" -- sweep "$tmp/specs/l2_list.json" --list
sed 's/l2_list/l2_gen/' "$tmp/out" | diff - "$tmp/l2_gen.txt" > /dev/null && ok || no "iris_l2.json's runs changed"
has "$tmp/l2_gen.txt" "runs/iris_l2/weight_decay=0.08333333333333333/seed2"
# listed values are the exact doubles (cJSON's own printer gave 0.0166666666666667, another double)
has "$tmp/l2_gen.txt" "--set optimizer.weight_decay=0.016666666666666666 --set"

## 2. random search
spec rs '"grid": {"model.dropout": [0, 0.2]}, "trials": 4, "seeds": [1, 2], "sample_seed": 11,
 "sample": {"regularization.l2": {"loguniform": [1e-5, 1e-1]}, "optimizer.lr": {"uniform": [0.01, 0.1]},
 "training.batch_size": {"int": [4, 16]}, "model.activation": {"choice": ["relu", "tanh"]}}'
expect 0 "random search: --count" -- sweep "$tmp/specs/rs.json" --count; same "$(cat "$tmp/out")" 16 "2 x 4 trials x 2 seeds"
expect 0 "random search: --list" -- sweep "$tmp/specs/rs.json" --list; mv "$tmp/out" "$tmp/rs1.txt"
expect 0 "random search: --list again" -- sweep "$tmp/specs/rs.json" --list
cmp -s "$tmp/out" "$tmp/rs1.txt" && ok || no "two listings differ"
has "$tmp/rs1.txt" "--set 'name=\"rs,dropout=0.2,trial003\"' --seed 2 --out $tmp/rs/dropout=0.2,trial003/seed2"
# draws: line n (0-based) of --list; the values of key k
draw() { sed -n "$(($1 + 1))p" "$3" | grep -o -- "--set $2=[^ ]*" | cut -d= -f2-; }
# trial k draws the same at every grid point and for every seed, and trials differ
same "$(draw 2 regularization.l2 "$tmp/rs1.txt")" "$(draw 11 regularization.l2 "$tmp/rs1.txt")" "trial 1 at both grid points"
same "$(draw 2 optimizer.lr "$tmp/rs1.txt")" "$(draw 3 optimizer.lr "$tmp/rs1.txt")" "trial 1 for both seeds"
[[ $(draw 0 regularization.l2 "$tmp/rs1.txt") != "$(draw 2 regularization.l2 "$tmp/rs1.txt")" ]] && ok || no "trials 0 and 1 drew the same"
# --task-id k alone gets trial k's listed values (run 13: dropout=0.2, trial 2, seed 2)
expect 0 "random search: --task-id 13 first" -- sweep "$tmp/specs/rs.json" --task-id 13 --quiet
cfg=$tmp/rs/dropout=0.2,trial002/seed2/config.json
same "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["regularization"]["l2"]))' "$cfg")" \
  "$(draw 13 regularization.l2 "$tmp/rs1.txt")" "--task-id 13's l2"
same "$(json "$cfg" training.batch_size)" "$(draw 13 training.batch_size "$tmp/rs1.txt")" "--task-id 13's batch size"
same "$(sed -n 15p "$tmp/rs/index.csv" | cut -d, -f1-5)" '13,"dropout=0.2,trial002/seed2","0.2",2' "index.csv row 13"
same "$(sed -n 15p "$tmp/rs/index.csv" | cut -d, -f6)" "\"$(draw 13 regularization.l2 "$tmp/rs1.txt")\"" "index.csv's l2 of run 13"
same "$(head -1 "$tmp/rs/index.csv")" \
  "run,dir,model.dropout,trial,regularization.l2,optimizer.lr,training.batch_size,model.activation,seed" "index.csv header"
python3 - "$tmp/rs/sweep.json" "$tmp/rs1.txt" <<'PY' && ok || no "sweep.json's samples differ from --list"
import json, re, sys
s = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
assert s["trials"] == 4 and s["sample_seed"] == 11 and len(s["samples"]) == 4, s
for t, one in enumerate(s["samples"]):
    for key, v in one.items():
        listed = re.search("--set '?" + re.escape(key) + "=([^ ']*)", lines[2 * t]).group(1)
        assert json.loads(listed.replace('\\"', '"')) == v, (t, key, listed, v)
PY
# --jobs 1 and --jobs 2 give the same index.csv and the same values in every run
cp "$tmp/rs/index.csv" "$tmp/rs_task.csv"
rm -rf "$tmp/rs"
expect 0 "random search: --jobs 2" -- sweep "$tmp/specs/rs.json" --jobs 2 --quiet; mv "$tmp/rs" "$tmp/rs_j2"
expect 0 "random search: --jobs 1" -- sweep "$tmp/specs/rs.json" --jobs 1 --quiet
cmp -s "$tmp/rs/index.csv" "$tmp/rs_j2/index.csv" && ok || no "index.csv differs between --jobs 1 and --jobs 2"
cmp -s "$tmp/rs/index.csv" "$tmp/rs_task.csv" && ok || no "index.csv differs between --task-id and --jobs"
n=0
for c in "$tmp"/rs/*/seed*/config.json; do
  d=${c#"$tmp/rs/"}
  python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:3])
for s in ("regularization", "optimizer", "training", "model"): assert a[s] == b[s], (s, a[s], b[s])' \
    "$c" "$tmp/rs_j2/$d" && n=$((n + 1))
  cut -d, -f1-10,12- "$tmp/rs/${d%config.json}metrics.csv" | cmp -s - <(cut -d, -f1-10,12- "$tmp/rs_j2/${d%config.json}metrics.csv") || n=-99
done
same "$n" 16 "16 runs with the same configs and metrics under --jobs 1 and 2"
# the best setting needs a validation metric: without a split, summarize prints no best line and
# sweep --best refuses (exit 2); neither chooses by a test metric
expect 0 "summarize without a validation split" -- summarize "$tmp/rs"
grep -q '^best by' "$tmp/out" && no "a best line without a validation split" || ok
expect 2 "--best without a validation split" -- sweep "$tmp/specs/rs.json" --best
has "$tmp/err" "regmnist: sweep: --best: no validation metric to choose by"; lines "$tmp/err" 1
# with one: the best trial by val_loss (recomputed from summary.csv), and --best's line is --list's
# for that trial (the same exact sampled values) without its name, seed and directory; it reproduces
spec rsv '"grid": {"model.dropout": [0, 0.2]}, "trials": 4, "seeds": [1, 2], "sample_seed": 5,
 "set": {"data.val_fraction": 0.25, "training.epochs": 4}, "sample": {"regularization.l2": {"loguniform": [1e-5, 1e-1]},
 "optimizer.lr": {"uniform": [0.01, 0.3]}}'
expect 0 "random search with validation: --jobs 2" -- sweep "$tmp/specs/rsv.json" --jobs 2 --quiet
expect 0 "summarize the random search" -- summarize "$tmp/rsv" --metric val_loss
want=$(python3 - "$tmp/rsv/summary.csv" <<'PY'
import csv, sys
g = {}
for r in csv.DictReader(open(sys.argv[1])):
    g.setdefault(r["dir"].rsplit("/", 1)[0], []).append(float(r["val_loss"]))
d = min(g, key=lambda k: sum(g[k]) / len(g[k]))
print(d.rsplit("/", 1)[1], "%.4f" % (sum(g[d]) / len(g[d])))
PY
)
line=$(grep '^best by val_loss (min, mean of 2 seeds): ' "$tmp/out")
same "$(sed 's/.*(\([^)]*\))  val_loss \([0-9.]*\) .*/\1 \2/' <<< "$line")" "$want" "random search: the best trial and its val_loss"
expect 0 "random search: --best" -- sweep "$tmp/specs/rsv.json" --best --quiet; cp "$tmp/out" "$tmp/best.txt"
expect 0 "random search: --list" -- sweep "$tmp/specs/rsv.json" --list
bdir=${want%% *}
same "$(cat "$tmp/best.txt")" "$(grep -- "--out $tmp/rsv/$bdir/seed1 " "$tmp/out" | sed "s/^[^ ]* //; s/ --set 'name=[^']*'.*//")" \
  "random search: --best's line is --list's for the trial"
for k in regularization.l2 optimizer.lr model.dropout; do
  grep -q -- "$k=$(json "$tmp/rsv/$bdir/seed1/config.json" "$k" | sed 's/^0\.0$/0/')" <<< "$line" && ok || no "random search: the best line lacks $k: $line"
done
eval "\"\$bin\" $(cat "$tmp/best.txt") --seed 2 --out \"\$tmp/rsv_best\" --quiet" || no "random search: running --best's line failed"
cut -d, -f1-10,12- "$tmp/rsv_best/metrics.csv" | cmp -s - <(cut -d, -f1-10,12- "$tmp/rsv/$bdir/seed2/metrics.csv") \
  && ok || no "random search: --best's line does not reproduce its run"
# an interrupted trial run is resumed by its task (its drawn values read back from config.json as the
# same doubles: the same config) and ends as the run left alone
r=$tmp/rs/dropout=0,trial001/seed2
rm -rf "$r"
REGMNIST_TEST_SIGTERM_AFTER_STEPS=8 "$bin" sweep "$tmp/specs/rs.json" --task-id 3 --quiet 2> /dev/null; same "$?" 143 "interrupted trial"
expect 0 "resumed trial" -- sweep "$tmp/specs/rs.json" --task-id 3; has "$tmp/err" "resuming"
cut -d, -f1-10,12- "$r/metrics.csv" | cmp -s - <(cut -d, -f1-10,12- "$tmp/rs_j2/dropout=0,trial001/seed2/metrics.csv") \
  && ok || no "the resumed trial run differs from the run left alone"
# a key's draws depend on its name, the trial and sample_seed only: not on the other sampled keys,
# their order or the trial count; another sample_seed draws other values
spec rs_one '"grid": {"model.dropout": [0, 0.2]}, "trials": 6, "seeds": [1, 2], "sample_seed": 11,
 "sample": {"training.batch_size": {"int": [4, 16]}, "regularization.l2": {"loguniform": [1e-5, 1e-1]}}'
expect 0 "fewer keys, more trials" -- sweep "$tmp/specs/rs_one.json" --list
for r in 0 2 4 6; do # runs 0..7 of rs are trials 0..3 at dropout=0, seed 1 and 2
  same "$(draw "$r" regularization.l2 "$tmp/out")" "$(draw "$r" regularization.l2 "$tmp/rs1.txt")" "run $r's l2, other keys"
done
sed -i 's/"sample_seed": 11/"sample_seed": 12/' "$tmp/specs/rs_one.json"
expect 0 "another sample_seed" -- sweep "$tmp/specs/rs_one.json" --list
[[ $(draw 0 regularization.l2 "$tmp/out") != "$(draw 0 regularization.l2 "$tmp/rs1.txt")" ]] && ok || no "sample_seed ignored"
# no grid: trial007/seed1; the default sample_seed is 1 and is written to sweep.json
spec nogrid '"trials": 8, "sample": {"model.dropout": {"uniform": [0, 0.5]}}'
expect 0 "no grid: --list" -- sweep "$tmp/specs/nogrid.json" --list
has "$tmp/out" "--set 'name=\"nogrid,trial007\"' --seed 1 --out $tmp/nogrid/trial007/seed1 --quiet"
echo '{"base": "../base.json", "out": "'"$tmp/seed1"'", "trials": 8, "sample_seed": 1,
 "sample": {"model.dropout": {"uniform": [0, 0.5]}}}' > "$tmp/specs/seed1.json"
"$bin" sweep "$tmp/specs/seed1.json" --list | sed 's/seed1\.json/nogrid.json/; s#/seed1/#/nogrid/#g; s/"seed1,/"nogrid,/' |
  diff - "$tmp/out" > /dev/null && ok || no "the default sample_seed is not 1"
expect 0 "no grid: --task-id 7" -- sweep "$tmp/specs/nogrid.json" --task-id 7 --quiet
same "$(json "$tmp/nogrid/sweep.json" sample_seed)" 1 "sweep.json's default sample_seed"
same "$(json "$tmp/nogrid/trial007/seed1/summary.json" name)" "nogrid,trial007" "run name"
# the shipped iris_l2_search.json: 30 trials x 5 seeds of a log-uniform regularization.l2, pruned
# (rungs 8, 40, 200, 1000); listed here without its prune (--list refuses one) on the 2-epoch base
expect 0 "iris_l2_search.json: --count" -- sweep "$src/configs/sweeps/iris_l2_search.json" --count
same "$(cat "$tmp/out")" 150 "iris_l2_search.json: runs"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["base"]="../base.json"; del s["prune"]; json.dump(s, open(sys.argv[2], "w"))' \
  "$src/configs/sweeps/iris_l2_search.json" "$tmp/specs/l2_search.json"
expect 0 "iris_l2_search.json: --list" -- sweep "$tmp/specs/l2_search.json" --list; lines "$tmp/out" 150
python3 - "$tmp/out" <<'PY' && ok || no "iris_l2_search.json's l2 values"
import re, sys
L = open(sys.argv[1]).read().splitlines()
v = [float(re.search("--set regularization.l2=([^ ]*)", x).group(1)) for x in L]
assert all(1e-5 <= x <= 1e-1 for x in v) and len(set(v)) == 30 and v[0] == v[4] != v[5], v[:6]
assert "--out runs/iris_l2_search/trial029/seed5 " in L[-1], L[-1]
PY
# the draws follow their distributions: 2000 trials, listed
spec many '"trials": 2000, "sample": {"regularization.l2": {"loguniform": [1e-5, 1e-1]},
 "model.dropout": {"uniform": [0.1, 0.7]}, "training.batch_size": {"int": [4, 7]}, "model.activation": {"choice": ["relu", "tanh", "sigmoid"]}}'
expect 0 "2000 trials: --list" -- sweep "$tmp/specs/many.json" --list
python3 - "$tmp/out" <<'PY' && ok || no "the draws do not follow their distributions"
import collections, math, re, sys
L = open(sys.argv[1]).read().splitlines()
def vals(k): return [re.search("--set '?" + re.escape(k) + "=([^ ']*)", x).group(1) for x in L]
lg = [math.log10(float(v)) for v in vals("regularization.l2")]
d = [float(v) for v in vals("model.dropout")]
b = collections.Counter(vals("training.batch_size"))
a = collections.Counter(vals("model.activation"))
assert len(L) == 2000 and len(set(lg)) == 2000
assert -5 <= min(lg) and max(lg) <= -1 and abs(sum(lg) / 2000 + 3) < 0.1, (min(lg), max(lg), sum(lg) / 2000)
assert sum(x < -4 for x in lg) > 400 and sum(x > -2 for x in lg) > 400  # log-uniform: each decade a quarter
assert 0.1 <= min(d) and max(d) <= 0.7 and abs(sum(d) / 2000 - 0.4) < 0.02, (min(d), max(d))
assert sorted(b) == ["4", "5", "6", "7"] and min(b.values()) > 430, b
assert sorted(a) == ['"relu"', '"sigmoid"', '"tanh"'] and min(a.values()) > 580, a
PY

## 3. spec errors: one line, exit 2, naming the key, before anything runs
bad() {
  spec bad "$1"
  expect 2 "$2" -- sweep "$tmp/specs/bad.json" --jobs 2; has "$tmp/err" "$3"
  same "$(wc -l < "$tmp/err")" 1 "$2: one line"
}
bad '"grid": {"model.dropout": {"linspace": [0, 1, 1]}}' "linspace n = 1" \
  "bad.json: grid.model.dropout.linspace: n must be a whole number from 2 to 256, got 1"
bad '"grid": {"model.dropout": {"linspace": [0, 1, 0]}}' "linspace n = 0" "grid.model.dropout.linspace: n must be"
bad '"grid": {"model.dropout": {"linspace": [0, 1, 2.5]}}' "linspace n = 2.5" "grid.model.dropout.linspace: n must be"
bad '"grid": {"model.dropout": {"linspace": [0, 1, 300]}}' "linspace n = 300" "from 2 to 256, got 300"
bad '"grid": {"optimizer.lr": {"logspace": ["a", -1, 3]}}' "non-numeric bound" \
  "grid.optimizer.lr.logspace: expected [a, b, n], three numbers"
bad '"grid": {"optimizer.lr": {"logspace": [-3, -1]}}' "two arguments" "grid.optimizer.lr.logspace: expected [a, b, n]"
bad '"grid": {"optimizer.lr": {"logspace": [0, 400, 3]}}' "logspace overflow" \
  "grid.optimizer.lr.logspace: 10^400 is not a finite number"
bad '"grid": {"optimizer.lr": {"range": [1, 3]}}' "unknown generator" \
  'grid.optimizer.lr: unknown generator "range" (linspace, logspace or values)'
bad '"grid": {"optimizer.lr": {"logspace": [-3, -1, 3], "base": 2}}' "extra key in a generator" \
  'grid.optimizer.lr: extra key "base"'
bad '"grid": {"optimizer.lr": {}}' "empty generator" "grid.optimizer.lr: empty object"
bad '"grid": {"optimizer.lr": {"values": []}}' "empty values" "grid.optimizer.lr.values: expected a non-empty array"
bad '"zip": {"model.dropout": {"linspace": [0, 0.5, 3]}, "model.input_dropout": [0, 0.1]}' "zip lengths" \
  "zip.model.input_dropout: 2 values, but the zip group has 3"
bad '"grid": {"model.dropout": {"linspace": [0, 1.5, 4]}}' "a generated value out of range" \
  "bad.json: grid model.dropout[3]: model.dropout: must be in [0, 1], got 1.5"
bad '"trials": 2, "sample": {"regularization.l2": {"normal": [0, 1]}}' "unknown distribution" \
  'sample.regularization.l2: unknown distribution "normal" (uniform, loguniform, int or choice)'
bad '"trials": 2, "sample": {"regularization.l2": {"loguniform": [0, 1]}}' "loguniform from 0" \
  "sample.regularization.l2.loguniform: the bounds must be > 0, got 0"
bad '"trials": 2, "sample": {"regularization.l2": {"loguniform": [-1, 1]}}' "loguniform from -1" \
  "sample.regularization.l2.loguniform: the bounds must be > 0, got -1"
bad '"trials": 2, "sample": {"model.dropout": {"uniform": [0.5, 0.1]}}' "a > b" \
  "sample.model.dropout.uniform: a > b (0.5 > 0.1)"
bad '"trials": 2, "sample": {"model.dropout": {"uniform": [0.5]}}' "one bound" "sample.model.dropout.uniform: expected [a, b], two numbers"
bad '"trials": 2, "sample": {"training.batch_size": {"int": [4.5, 8]}}' "int of a fraction" \
  "sample.training.batch_size.int: expected two whole numbers"
bad '"trials": 2, "sample": {"model.activation": {"choice": []}}' "empty choice" \
  "sample.model.activation.choice: expected a non-empty array"
bad '"trials": 2, "sample": {"model.dropout": [0, 1]}' "a list as a distribution" "sample.model.dropout: expected a distribution"
bad '"trials": 2, "sample": {"model.dropout": {"uniform": [0, 1], "int": [0, 1]}}' "two distributions" \
  'sample.model.dropout: extra key "int"'
bad '"trials": 0, "sample": {"model.dropout": {"uniform": [0, 1]}}' "trials 0" "bad.json: trials: expected a whole number from 1 to 100000"
bad '"trials": 1.5, "sample": {"model.dropout": {"uniform": [0, 1]}}' "trials 1.5" "trials: expected a whole number"
bad '"trials": "3", "sample": {"model.dropout": {"uniform": [0, 1]}}' "trials a string" "trials: expected a whole number"
bad '"sample": {"model.dropout": {"uniform": [0, 1]}}' "sample without trials" "bad.json: sample: needs trials"
bad '"trials": 3' "trials without sample" "bad.json: trials: needs sample"
bad '"sample_seed": 3' "sample_seed without sample" "bad.json: sample_seed: needs sample"
bad '"trials": 2, "sample_seed": -1, "sample": {"model.dropout": {"uniform": [0, 1]}}' "negative sample_seed" \
  "sample_seed: expected a whole number in [0, 4294967295]"
bad '"trials": 2, "sample": []' "sample a list" "sample: expected an object of key.path: distribution"
bad '"grid": {"model.dropout": [0]}, "trials": 2, "sample": {"model.dropout": {"uniform": [0, 1]}}' "sampled and in grid" \
  "sample.model.dropout: also varied in grid"
bad '"zip": {"model.dropout": [0]}, "trials": 2, "sample": {"model.dropout": {"uniform": [0, 1]}}' "sampled and in zip" \
  "sample.model.dropout: also varied in zip"
bad '"set": {"model.dropout": 0}, "trials": 2, "sample": {"model.dropout": {"uniform": [0, 1]}}' "sampled and in set" \
  "sample.model.dropout: also fixed in set"
bad '"trials": 2, "sample": {"seed": {"int": [1, 9]}}' "sampling the seed" "sample.seed: set by the sweep itself"
bad '"trials": 2, "sample": {"model.dropuot": {"uniform": [0, 1]}}' "unknown config key" \
  "bad.json: sample model.dropuot (trial 0): model.dropuot: unknown key (did you mean model.dropout?)"
bad '"trials": 50, "sample": {"model.dropout": {"uniform": [0, 1.5]}}' "a drawn value out of range" \
  "model.dropout: must be in [0, 1], got 1."
bad '"trials": 2, "sample": {"model.dropout": {"uniform": [0, 1]}, "model.dropout": {"uniform": [0, 1]}}' \
  "a sampled key twice" "sample.model.dropout: duplicate key"
bad '"trials": 60000, "seeds": [1, 2], "sample": {"model.dropout": {"uniform": [0, 1]}}' "too many runs" \
  "120000 runs (grid x zip x trials x seeds), more than the limit of 100000 runs per sweep"
[[ ! -e $tmp/bad ]] && ok || no "a refused spec wrote $tmp/bad"

finish
