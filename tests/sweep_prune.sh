#!/usr/bin/env bash
# regmnist sweep with "prune" (successive halving, ASHA in a fixed order; issue 19 item 3), on a
# generated table: every spec error is one line, exit 2; the promotions follow docs/search.md's rule,
# recomputed here in Python from the runs' metrics.csv; a pruned-then-promoted run is bit-identical
# to the same run trained straight through; --jobs 1 and --jobs 2 give the same promotions and
# metrics, and so does a sweep interrupted by SIGTERM and run again; summarize counts pruned runs
# apart and groups a setting's runs in one row (training.epochs, the rung reached, is no key); a
# broken sweep.json stops summarize and compare with one line naming it, exit 3.
# usage: sweep_prune.sh REGMNIST SOURCE_DIR
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

# a 3-class table of 600 noisy rows, 4 features
python3 -c 'import random; r = random.Random(7)
print("a,b,c,d,label")
for i in range(600):
    k = i % 3
    print(",".join("%.3f" % (k + r.gauss(0, 1.2)) for _ in range(4)) + ",%d" % k)' > "$tmp/t.csv"
mkdir -p "$tmp/specs"
cat > "$tmp/base.json" <<JSON
{"name": "t", "data": {"format": "csv", "train": "$tmp/t.csv", "test_fraction": 0.2, "val_fraction": 0.2,
 "normalize": "none"}, "model": {"hidden": [8]}, "optimizer": {"name": "sgd", "lr": 0.05},
 "training": {"epochs": 9, "batch_size": 8}}
JSON
sed 's/, "val_fraction": 0.2//' "$tmp/base.json" > "$tmp/noval.json"
# spec NAME JSON-MEMBERS: a spec on the base, out in $tmp/NAME
spec() { echo '{"name": "p", "base": "../base.json", "out": "'"$tmp/$1"'", '"$2"'}' > "$tmp/specs/$1.json"; }
GRID='"grid": {"optimizer.lr": [0.01, 0.003, 0.005, 0.3, 0.18, 0.1, 0.056, 0.03, 0.018]}, "seeds": [1, 2]'
PRUNE='"prune": {"metric": "val_loss", "mode": "min", "min_epochs": 1, "reduction": 3}'

## 1. spec errors: one line each, exit 2
bad() { # bad NAME WANTED-TEXT MEMBERS [ARGS...]
  local name=$1 want=$2 members=$3; shift 3
  spec "$name" "$members"
  expect 2 "$name" -- sweep "$tmp/specs/$name.json" "${@:---count}"
  has "$tmp/err" "$want"; lines "$tmp/err" 1
}
bad unknown 'prune.patience: unknown key' "$GRID"', "prune": {"metric": "val_loss", "mode": "min", "patience": 2}'
bad reduction 'prune.reduction: expected a whole number from 2' "$GRID"', "prune": {"metric": "val_loss", "mode": "min", "reduction": 1}'
bad min0 'prune.min_epochs: expected a whole number from 1' "$GRID"', "prune": {"metric": "val_loss", "mode": "min", "min_epochs": 0}'
bad minbig 'prune.min_epochs: 9, but training.epochs is 9' "$GRID"', "prune": {"metric": "val_loss", "mode": "min", "min_epochs": 9}'
bad mode 'prune.mode: required, min or max' "$GRID"', "prune": {"metric": "val_loss", "mode": "lowest"}'
bad test 'prune.metric: test_acc is a test metric; pruning on it would choose settings by the test set' "$GRID"', "prune": {"metric": "test_acc", "mode": "max"}'
bad train 'prune.metric: train_loss is not a validation metric' "$GRID"', "prune": {"metric": "train_loss", "mode": "min"}'
bad notobj 'prune: expected an object' "$GRID"', "prune": 3'
bad es 'uses training.early_stopping' "$GRID"', '"$PRUNE"', "set": {"training.early_stopping": {"patience": 2}}'
bad budget 'has training.epochs 4, run 0 has 9' '"grid": {"training.epochs": [9, 4]}, '"$PRUNE"
bad list 'a pruned sweep (prune) runs with --jobs N' "$GRID"', '"$PRUNE" --list
bad task 'a pruned sweep (prune) needs --rung R' "$GRID"', '"$PRUNE" --task-id 0
bad rung 'the sweep has 3 rungs (0 to 2)' "$GRID"', '"$PRUNE" --task-id 0 --rung 3
bad norung '--rung: the spec has no prune' "$GRID" --task-id 0 --rung 0
bad notasks '--rung-tasks: the spec has no prune' "$GRID" --rung-tasks
# scripts/slurm-sweep.sh --dry-run on a pruned spec: rung 0's array (every run, --rung 0) and the job
# that submits the next rung once it has ended
spec slurm "$GRID"', '"$PRUNE"
REGMNIST=$bin bash "$2/scripts/slurm-sweep.sh" --dry-run "$tmp/specs/slurm.json" -c 1 > "$tmp/out" 2> "$tmp/err"
same "$?" 0 "slurm-sweep.sh --dry-run on a pruned spec"
has "$tmp/out" "# 18 runs of rung 0 (3 rungs)"; has "$tmp/out" "sbatch --array=0\,1\,2\,"; has "$tmp/out" "rung_args=(--rung 0)"
has "$tmp/out" "sbatch --dependency=afterany:JOBID"; has "$tmp/out" "--after-rung\ 0"
echo '{"name": "p", "base": "../noval.json", "out": "'"$tmp/noval"'", '"$GRID"', '"$PRUNE"'}' > "$tmp/specs/noval.json"
expect 2 "no validation split" -- sweep "$tmp/specs/noval.json" --count
has "$tmp/err" "no validation split (data.val_fraction 0); val_loss needs one"; lines "$tmp/err" 1

## 2. the promotions follow the rule: recomputed from the runs' metrics.csv
spec a "$GRID"', '"$PRUNE"
expect 0 "sweep --jobs 1" -- sweep "$tmp/specs/a.json" --jobs 1 --quiet
same "$(json "$tmp/a/sweep.json" rungs)" "[1, 3, 9]" "sweep.json rungs"
cat > "$tmp/rule.py" <<'PY'
# The rule of docs/search.md, written again: rung 0 holds the settings in order; each prefix of m
# settings of a rung's order promotes its best floor(m / eta) (ties: the earlier), each promoted
# setting joining the next rung's order; once a rung is closed, its best max(1, floor(n / eta)).
import csv, math, sys
out, eta, epochs = sys.argv[1], 3, [1, 3, 9]
idx = list(csv.DictReader(open(out + "/index.csv")))
settings = []  # the setting directories in run order (seeds innermost)
for row in idx:
    d = row["dir"].rsplit("/", 1)[0]
    if d not in settings: settings.append(d)
def value(s, r):  # the mean over seeds of val_loss at rung r's epoch
    vals = []
    for row in idx:
        if row["dir"].rsplit("/", 1)[0] != settings[s]: continue
        m = {int(x["epoch"]): float(x["val_loss"]) for x in csv.DictReader(open(out + "/" + row["dir"] + "/metrics.csv"))}
        vals.append(m[epochs[r]])
    return sum(vals) / len(vals)
order, top = [list(range(len(settings)))], [0] * len(settings)
for r in range(len(epochs) - 1):
    o, nxt = order[r], []
    v = {s: value(s, r) for s in o}
    def batch(m, k):
        best = sorted(range(m), key=lambda p: (v[o[p]], p))[:k]
        for p in sorted(best):
            if top[o[p]] == r: top[o[p]] = r + 1; nxt.append(o[p])
    for m in range(1, len(o) + 1): batch(m, m // eta)
    batch(len(o), max(1, len(o) // eta))
    order.append(nxt)
for s, d in enumerate(settings): print(d, top[s])
PY
python3 "$tmp/rule.py" "$tmp/a" > "$tmp/want" || no "rule.py failed"
# what the sweep did: each run's rung from its files (config.json's training.epochs, summary.json's
# status and rung), against the rule's
cat > "$tmp/did.py" <<'PY'
import json, sys
out, want = sys.argv[1], dict(l.split() for l in open(sys.argv[2]))
for d, r in want.items():
    for s in (1, 2):
        run = "%s/%s/seed%d/" % (out, d, s)
        ep = json.load(open(run + "config.json"))["training"]["epochs"]
        sm = json.load(open(run + "summary.json"))
        got = {1: "0", 3: "1", 9: "2"}.get(ep, "?")
        want_status = "ok" if r == "2" else "pruned"
        if got != r or sm["status"] != want_status or (r != "2" and str(sm.get("rung")) != r):
            print("%s/seed%d: rung %s, status %s (summary rung %s); want rung %s, %s" % (d, s, got, sm["status"], sm.get("rung"), r, want_status))
PY
python3 "$tmp/did.py" "$tmp/a" "$tmp/want" > "$tmp/did"
[[ -s $tmp/want && ! -s $tmp/did ]] && ok || no "the sweep's promotions differ from the rule's: $(cat "$tmp/did")"
# not a trivial case: some settings stop at each rung, and at least one trains the full budget
for r in 0 1 2; do
  n=$(awk -v r=$r '$2 == r' "$tmp/want" | wc -l); [[ $n -ge 1 ]] && ok || no "no setting ends at rung $r: $(cat "$tmp/want")"
done
# asynchronous: the best of the first 3 settings (lr 0.01) is promoted at once, though it is not in the
# final top floor(9 / 3) = 3 of rung 0, so 4 settings reach rung 1 (synchronous halving: 3)
same "$(awk '$2 >= 1' "$tmp/want" | wc -l)" 4 "settings promoted at rung 0"
same "$(grep '^lr=0.01 ' "$tmp/want")" "lr=0.01 1" "the first prefix's best reaches rung 1"
same "$(awk -F, '$1 == 0 && $6 == 1' "$tmp/a/rungs.csv" | wc -l)" 4 "rungs.csv: promoted at rung 0"

## 3. a pruned-then-promoted run equals the same run trained straight through
full=$(awk '$2 == 2 {print $1; exit}' "$tmp/want")
expect 0 "straight through" -- --config "$tmp/a/$full/seed2/config.json" --out "$tmp/straight" --quiet
nosec() { python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1]))); k = rows[0].index("seconds")
for r in rows: print(",".join(r[:k] + r[k + 1:]))' "$1"; }
same "$(nosec "$tmp/a/$full/seed2/metrics.csv")" "$(nosec "$tmp/straight/metrics.csv")" "promoted run: metrics.csv"
cmp -s "$tmp/a/$full/seed2/model.safetensors" "$tmp/straight/model.safetensors" && ok || no "promoted run: model.safetensors differs"
same "$(json "$tmp/a/$full/seed2/summary.json" resumed_after_epoch)" 3 "promoted run: resumed after rung 1's epoch"

# same_as A B: the same rungs.csv, and every run's metrics.csv (without seconds), status and model
cat > "$tmp/same.py" <<'PY'
import csv, glob, json, os, sys
a, b = sys.argv[1], sys.argv[2]
def nosec(p):
    rows = list(csv.reader(open(p))); k = rows[0].index("seconds")
    return [r[:k] + r[k + 1:] for r in rows]
runs = sorted(os.path.relpath(os.path.dirname(p), a) for p in glob.glob(a + "/*/seed*/metrics.csv"))
if open(a + "/rungs.csv").read() != open(b + "/rungs.csv").read(): print("rungs.csv differs")
if len(runs) != 18: print("%d runs, want 18" % len(runs))
for d in runs:
    x, y = a + "/" + d + "/", b + "/" + d + "/"
    if nosec(x + "metrics.csv") != nosec(y + "metrics.csv"): print(d, "metrics.csv differs")
    if json.load(open(x + "summary.json"))["status"] != json.load(open(y + "summary.json"))["status"]: print(d, "status differs")
    if open(x + "model.safetensors", "rb").read() != open(y + "model.safetensors", "rb").read(): print(d, "model differs")
PY
same_as() { local d; d=$(python3 "$tmp/same.py" "$1" "$2" 2>&1); same "$d" "" "$2 against $1"; }

## 4. --jobs 2 makes the same decisions and gives the same runs
spec b "$GRID"', '"$PRUNE"
expect 0 "sweep --jobs 2" -- sweep "$tmp/specs/b.json" --jobs 2 --quiet
same_as "$tmp/a" "$tmp/b"
expect 0 "sweep --jobs 2 again: nothing to do" -- sweep "$tmp/specs/b.json" --jobs 2
same_as "$tmp/a" "$tmp/b"

# a run stopped after its rung ended ok but before it was marked pruned: the next sweep marks it
low=$(awk '$2 == 0 {print $1; exit}' "$tmp/want")
python3 -c 'import json, sys; p = sys.argv[1]; j = json.load(open(p)); j["status"] = "ok"; del j["rung"]
json.dump(j, open(p, "w"))' "$tmp/b/$low/seed1/summary.json"
expect 0 "sweep --jobs 2 after an unmarked rung" -- sweep "$tmp/specs/b.json" --jobs 2 --quiet
same "$(json "$tmp/b/$low/seed1/summary.json" status) $(json "$tmp/b/$low/seed1/summary.json" rung)" "pruned 0" "unmarked run marked"
same_as "$tmp/a" "$tmp/b"

## 5. interrupted by SIGTERM mid-way, then run again: the same decisions and runs
spec c "$GRID"', '"$PRUNE"
"$bin" sweep "$tmp/specs/c.json" --jobs 2 --quiet 2> "$tmp/c.err" &
pid=$!
for _ in $(seq 500); do # until some of rung 0's runs have ended
  [[ $(find "$tmp/c" -name summary.json 2> /dev/null | wc -l) -ge 6 ]] && break
  sleep 0.01
done
kill -TERM $pid; wait $pid; same "$?" 143 "interrupted sweep exits 143"
has "$tmp/c.err" "interrupted; run it again to resume"
[[ $(find "$tmp/c" -name config.json | wc -l) -lt 18 || -n $(grep -L '"status":\s*"\(ok\|pruned\)"' "$tmp"/c/*/seed*/summary.json 2> /dev/null) ]] \
  && ok || no "the sweep was not interrupted mid-way"
expect 0 "interrupted sweep run again" -- sweep "$tmp/specs/c.json" --jobs 2 --quiet
same_as "$tmp/a" "$tmp/c"

## 5b. nothing varied: one setting, which always reaches the budget (rungs.csv names it "base")
spec one '"seeds": [3], '"$PRUNE"
expect 0 "one setting" -- sweep "$tmp/specs/one.json" --jobs 2 --quiet
same "$(cut -d, -f1,2,4,6 "$tmp/one/rungs.csv" | tr '\n' ' ')" 'rung,epochs,setting,promoted 0,1,"base",1 1,3,"base",1 2,9,"base",0 ' "one setting: rungs.csv"
same "$(json "$tmp/one/seed3/summary.json" status) $(json "$tmp/one/seed3/config.json" training.epochs)" "ok 9" "one setting: trained to the budget"

## 5c. rung by rung, as Slurm's per-rung arrays run it: --rung-tasks, then each task by itself
spec d "$GRID"', '"$PRUNE"
steps=""
for _ in 1 2 3 4 5; do
  t=$("$bin" sweep "$tmp/specs/d.json" --rung-tasks) || { no "--rung-tasks failed"; break; }
  steps+="${t%% *} "
  [[ $t == done ]] && break
  read -r r _ list <<< "$t"
  for i in ${list//,/ }; do "$bin" sweep "$tmp/specs/d.json" --task-id "$i" --rung "$r" --quiet || no "task $i rung $r"; done
done
same "$steps" "0 1 2 done " "rung by rung: the rungs in turn"
[[ -f $tmp/d/rungs.csv ]] && ok || no "--rung-tasks wrote no rungs.csv"   # same_as compares it with --jobs
same_as "$tmp/a" "$tmp/d"

## 6. summarize counts and lists the pruned runs apart, not as failed
expect 0 "summarize" -- summarize "$tmp/a" --metric val_loss
has "$tmp/out" "runs were pruned (stopped at a rung by the sweep's prune; not failed):"
grep -q 'not ok' "$tmp/out" && no "pruned runs listed as not ok" || ok
npruned=$(awk '$2 < 2' "$tmp/want" | wc -l)
same "$(python3 -c 'import csv, sys; print(sum(int(r["n_pruned"]) for r in csv.DictReader(open(sys.argv[1]))), sum(int(r["n_failed"]) for r in csv.DictReader(open(sys.argv[1]))))' "$tmp/a/groups.csv")" \
  "$((npruned * 2)) 0" "groups.csv: n_pruned, n_failed"
has "$tmp/err" "$((npruned * 2)) pruned"
# compare SWEEPDIR --baseline: the stopped settings are listed after the comparisons, not compared
# (here one setting reaches the budget: nothing to compare it with, exit 3 saying so; then a copy with
# one stopped setting's runs marked ok: that one is compared, the others listed)
base=$(awk '$2 == 2 { print $1; exit }' "$tmp/want") other=$(awk '$2 < 2 { print $1; exit }' "$tmp/want")
expect 3 "compare --baseline, one setting at the budget" -- compare "$tmp/a" --baseline "$base"
has "$tmp/err" "no setting but the baseline has an ok run ($npruned without one: pruned, failed, diverged or unfinished)"
cp -r "$tmp/a" "$tmp/a4" && sed -i 's/"status":\(\s*\)"pruned"/"status":\1"ok"/' "$tmp/a4/$other"/seed*/summary.json
expect 0 "compare --baseline on a pruned sweep" -- compare "$tmp/a4" --baseline "$base"
has "$tmp/out" "$((npruned - 1)) settings without an ok run (pruned, failed, diverged or unfinished), not compared:"
same "$(grep -c '^B[0-9]*: p' "$tmp/out")" 1 "compare --baseline: the one other setting with ok runs"
has "$tmp/out" ":optimizer.$other)"   # the Holm line names it
# one row per setting: training.epochs, the rung each run reached, is no key of groups.csv, the table
# or summary.csv; not even while a setting's seeds stand at different rungs (a copy with one seed of a
# setting stopped at rung 0 given the next rung's training.epochs, as while it is extended)
same "$(rows "$tmp/a/groups.csv") $(head -1 "$tmp/a/groups.csv" | cut -d, -f1-2)" "9 optimizer.lr,n" "groups.csv: one row per setting"
head -1 "$tmp/out" | grep -q epochs && no "the table has an epochs column: $(head -1 "$tmp/out")" || ok
head -1 "$tmp/a/summary.csv" | grep -q training.epochs && no "summary.csv has a training.epochs column" || ok
cp -r "$tmp/a" "$tmp/a2"
d0=$(awk '$2 == 0 {print $1; exit}' "$tmp/want")
python3 -c 'import json, sys; p = sys.argv[1]; j = json.load(open(p)); j["training"]["epochs"] = 3; json.dump(j, open(p, "w"))' "$tmp/a2/$d0/seed1/config.json"
expect 0 "summarize, a setting's seeds at two rungs" -- summarize "$tmp/a2" --metric val_loss --out "$tmp/a2sum"
same "$(python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(len(rows), [(r["n_total"], r["n_pruned"]) for r in rows if float(r["optimizer.lr"]) == float(sys.argv[2].split("=")[1])])' "$tmp/a2sum/groups.csv" "$d0")" \
  "9 [('2', '2')]" "groups.csv: a setting's seeds at two rungs are one row"

# a broken sweep.json is an error, one line naming it, exit 3 (never read as a sweep without prune)
cp -r "$tmp/a" "$tmp/ab"
for k in $BROKEN_SWEEP_JSON; do
  broken_sweep_json "$tmp/a/sweep.json" "$tmp/ab/sweep.json" "$k"
  expect 3 "summarize, sweep.json $k" -- summarize "$tmp/ab" --out "$tmp/absum"
  has "$tmp/err" "regmnist: summarize: $tmp/ab/$(broken_why "$k")"; lines "$tmp/err" 1
  expect 3 "compare --baseline, sweep.json $k" -- compare "$tmp/ab" --baseline lr=0.01
  has "$tmp/err" "regmnist: compare: $tmp/ab/$(broken_why "$k")"; lines "$tmp/err" 1
done

## 7. the best setting: summarize's best line and sweep --best, by the prune metric (or val_loss)
# best.py DIR [METRIC MODE BUDGET]: the best setting recomputed from summary.csv: the settings whose
# runs are all ok, with both seeds, trained to the budget (a pruned sweep's; 0: any); the lowest (or
# highest) mean of the metric, ties to the earlier setting in group order (lr ascending)
cat > "$tmp/best.py" <<'PY'
import csv, sys
d, metric, mode, budget = (sys.argv[1:] + ["val_loss", "min", "0"])[:4]
groups = {}
for r in csv.DictReader(open(d + "/summary.csv")):
    groups.setdefault(float(r["optimizer.lr"]), []).append(r)
cand = []
for lr in sorted(groups):
    g = groups[lr]
    if len(g) == 2 and all(r["status"] == "ok" and r[metric] != "" and (budget == "0" or r["epochs"] == budget) for r in g):
        cand.append((sum(float(r[metric]) for r in g) / 2, lr))
best = (min if mode == "min" else max)(cand, key=lambda c: c[0])  # the first of equals: the earlier setting
print("optimizer.lr=%r (lr=%r)  %s %.*f" % (best[1], best[1], metric, 2 if metric.endswith("_acc") else 4, best[0]))
PY
# bestline: the best line of summarize DIR, without its test accuracy
bestline() { "$bin" summarize "$1" --metric val_loss,val_acc > "$tmp/sum.txt" 2> /dev/null; sed -n 's/^best by [^:]*: //p' "$tmp/sum.txt" | sed 's/  test_acc .*//'; }
expect 0 "summarize a pruned sweep" -- summarize "$tmp/a" --metric val_loss
same "$(grep -c '^best by val_loss (min, mean of 2 seeds): optimizer.lr=' "$tmp/out")" 1 "pruned: one best line"
same "$(bestline "$tmp/a")" "$(python3 "$tmp/best.py" "$tmp/a" val_loss min 9)" "pruned: the best setting by val_loss at the budget"
grep '^best by' "$tmp/out" | grep -q 'training.epochs' && no "pruned: training.epochs named as a key of the best setting" || ok
# its test accuracy: mean ± std [95% CI] over its 2 seeds, as the table gives them
blr=$(python3 "$tmp/best.py" "$tmp/a" val_loss min 9 | sed 's/^optimizer.lr=\([^ ]*\) .*/\1/')
has "$tmp/out" "  test_acc $(python3 -c 'import csv, statistics as st, sys
v = [float(r["test_acc"]) for r in csv.DictReader(open(sys.argv[1] + "/summary.csv")) if float(r["optimizer.lr"]) == float(sys.argv[2]) and r["status"] == "ok"]
m, s = st.mean(v), st.stdev(v); h = 12.706204736174707 * s / 2 ** 0.5
print("%.2f ± %.2f [%.2f, %.2f]" % (m, s, m - h, m + h))' "$tmp/a" "$blr")"
# --best: the line reproduces the run bit for bit; its seeds on stderr
expect 0 "sweep --best (pruned)" -- sweep "$tmp/specs/a.json" --best
same "$(cat "$tmp/out")" "--config $tmp/specs/../base.json --set optimizer.lr=$blr" "pruned: --best's line"
has "$tmp/err" "best by val_loss (min, mean of 2 seeds): lr=$blr  val_loss"; has "$tmp/err" "its seeds: 1 2 (add --seed S --out DIR)"
eval "\"\$bin\" $(cat "$tmp/out") --seed 2 --out \"\$tmp/best_a\" --quiet" || no "pruned: running --best's line failed"
same "$(nosec "$tmp/best_a/metrics.csv")" "$(nosec "$tmp/a/lr=$blr/seed2/metrics.csv")" "pruned: --best's line reproduces metrics.csv"
# the tensors (the header's config differs in its name only: --best leaves the run's name to the base)
python3 -c 'import json, struct, sys
def t(p):
    b = open(p, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n]); h.pop("__metadata__")
    return h, b[8 + n:]
sys.exit(t(sys.argv[1]) != t(sys.argv[2]))' "$tmp/best_a/model.safetensors" "$tmp/a/lr=$blr/seed2/model.safetensors" \
  && ok || no "pruned: --best's model's tensors differ"

# a grid without prune: val_loss, min, over every setting
spec g "$GRID"
expect 0 "grid sweep" -- sweep "$tmp/specs/g.json" --jobs 2 --quiet
same "$(bestline "$tmp/g")" "$(python3 "$tmp/best.py" "$tmp/g")" "grid: the best setting by val_loss"
glr=$(python3 "$tmp/best.py" "$tmp/g" | sed 's/^optimizer.lr=\([^ ]*\) .*/\1/')
[[ $(cut -d, -f1 <<< "$(python3 -c 'import csv, sys
print(min((float(r["val_loss_mean"]), float(r["optimizer.lr"])) for r in csv.DictReader(open(sys.argv[1] + "/groups.csv")))[1])' "$tmp/g")") == "$glr" ]] \
  && ok || no "grid: the best is not groups.csv's argmin of val_loss_mean"
expect 0 "sweep --best (grid)" -- sweep "$tmp/specs/g.json" --best --quiet
same "$(cat "$tmp/out")" "--config $tmp/specs/../base.json --set optimizer.lr=$glr" "grid: --best's line"
"$bin" $(cat "$tmp/out") --seed 1 --out "$tmp/best_g" --quiet || no "grid: running --best's line (word-split) failed"
same "$(nosec "$tmp/best_g/metrics.csv")" "$(nosec "$tmp/g/lr=$glr/seed1/metrics.csv")" "grid: --best's line reproduces metrics.csv"
# crafted: a tie (two settings' runs given val_loss 0.01) goes to the setting earlier in group order
# (lr 0.018 before 0.1); a failed run, or a missing seed, rules a setting out; so do stale runs
setv() { python3 -c 'import json, sys; p = sys.argv[1]; j = json.load(open(p)); exec(sys.argv[2]); json.dump(j, open(p, "w"))' "$@"; }
for s in 1 2; do setv "$tmp/g/lr=0.1/seed$s/summary.json" 'j["final"]["val_loss"] = 0.01'; setv "$tmp/g/lr=0.018/seed$s/summary.json" 'j["final"]["val_loss"] = 0.01'; done
same "$(bestline "$tmp/g")" "optimizer.lr=0.018 (lr=0.018)  val_loss 0.0100" "tie: the earlier setting"
same "$(python3 "$tmp/best.py" "$tmp/g")" "optimizer.lr=0.018 (lr=0.018)  val_loss 0.0100" "tie: best.py agrees"
expect 0 "--best on a tie" -- sweep "$tmp/specs/g.json" --best --quiet; has "$tmp/out" "--set optimizer.lr=0.018"
setv "$tmp/g/lr=0.018/seed1/summary.json" 'j["status"] = "failed"'
same "$(bestline "$tmp/g")" "optimizer.lr=0.1 (lr=0.1)  val_loss 0.0100" "a failed run rules its setting out"
expect 0 "--best past a failed run" -- sweep "$tmp/specs/g.json" --best --quiet; has "$tmp/out" "--set optimizer.lr=0.1"
rm -rf "$tmp/g/lr=0.1/seed2"
same "$(bestline "$tmp/g")" "$(python3 "$tmp/best.py" "$tmp/g")" "a missing seed rules its setting out"
grep -q "lr=0.1 \|lr=0.018 " <<< "$(bestline "$tmp/g")" && no "a setting with a missing or failed seed chosen" || ok
expect 0 "--best past a missing seed" -- sweep "$tmp/specs/g.json" --best --quiet
same "$(cat "$tmp/out")" "--config $tmp/specs/../base.json --set optimizer.lr=$(python3 "$tmp/best.py" "$tmp/g" | sed 's/^optimizer.lr=\([^ ]*\) .*/\1/')" "--best past a missing seed"
# mode max from sweep.json's prune (val_acc, highest), over the runs at its last rung
setv "$tmp/g/sweep.json" 'j["prune"] = {"metric": "val_acc", "mode": "max"}; j["rungs"] = [3, 9]'
same "$(bestline "$tmp/g")" "$(python3 "$tmp/best.py" "$tmp/g" val_acc max 9)" "sweep.json's prune: val_acc, max"
for f in "$tmp"/g/*/seed*/summary.json; do setv "$f" 'j["status"] = "failed"'; done
expect 0 "summarize: nothing finished" -- summarize "$tmp/g"
has "$tmp/out" "best by val_acc (max): none yet (no setting has all its runs ok at the full budget)"
expect 3 "--best: nothing finished" -- sweep "$tmp/specs/g.json" --best
has "$tmp/err" "regmnist: sweep: --best: no setting has finished yet (none has all its 2 runs ok in $tmp/g)"; lines "$tmp/err" 1
spec none "$GRID"
expect 3 "--best: no runs" -- sweep "$tmp/specs/none.json" --best
has "$tmp/err" "--best: no setting has finished yet"; lines "$tmp/err" 1
[[ ! -e $tmp/none ]] && ok || no "--best wrote the sweep directory"
# runs of another config (the spec's set changed since) are not the spec's runs
sed -i 's/"seeds"/"set": {"training.batch_size": 16}, "seeds"/' "$tmp/specs/a.json"
expect 3 "--best: runs of an older spec" -- sweep "$tmp/specs/a.json" --best
has "$tmp/err" "--best: no setting has finished yet"
for a in --list --count --rung-tasks "--jobs 2" "--task-id 0"; do
  expect 2 "--best $a" -- sweep "$tmp/specs/g.json" --best $a
  has "$tmp/err" "give one of --list, --count, --rung-tasks, --best, --task-id, --jobs"; lines "$tmp/err" 1
done

finish
