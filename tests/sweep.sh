#!/usr/bin/env bash
# regmnist sweep on generated data: counting, listing, running here N at a time, run names and
# directories, index.csv and sweep.json, skipping finished runs, resuming interrupted ones, going on
# past a failed run, and the spec's strict checks before anything runs.
# usage: sweep.sh REGMNIST SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

python3 "$src/tests/tiny_idx.py" "$tmp/data" 200 100 || { echo "FAIL: cannot generate data"; exit 1; }
mkdir -p "$tmp/specs"
cat > "$tmp/base.json" <<JSON
{"name": "b", "data": {"dir": "$tmp/data", "val_fraction": 0.2}, "model": {"hidden": [16]},
 "training": {"epochs": 2, "batch_size": 16}}
JSON
cat > "$tmp/specs/s.json" <<JSON
{"name": "l2_vs_dropout", "base": "../base.json", "set": {"optimizer.lr": 0.003},
 "grid": {"regularization.l2": [0, 1e-4], "model.dropout": [0, 0.3]}, "seeds": [1, 2], "out": "$tmp/runs"}
JSON
spec=$tmp/specs/s.json

expect 0 "--count" -- sweep "$spec" --count; same "$(cat "$tmp/out")" 8 "grid 2x2 x 2 seeds"
expect 0 "--list" -- sweep "$spec" --list; same "$(wc -l < "$tmp/out")" 8 "one command per run"
has "$tmp/out" "--set regularization.l2=0.0001 --set model.dropout=0.3"
has "$tmp/out" "--out $tmp/runs/l2=1e-4,dropout=0.3/seed2"
[[ ! -e $tmp/runs ]] && ok || no "--list wrote files"
# a listed command line runs as it stands
line=$(sed -n 3p "$tmp/out"); (cd "$tmp/specs" && bash -c "$line") && ok || no "listed line failed: $line"
same "$(json "$tmp/runs/l2=0,dropout=0.3/seed1/summary.json" status)" ok "listed run"
rm -rf "$tmp/runs"

expect 0 "--jobs 2" -- sweep "$spec" --jobs 2 --quiet
n=0; for s in "$tmp"/runs/*/seed*/summary.json; do [[ $(json "$s" status) == ok ]] && n=$((n + 1)); done
same "$n" 8 "8 finished runs"
same "$(json "$tmp/runs/l2=1e-4,dropout=0/seed2/summary.json" name)" "l2_vs_dropout,l2=1e-4,dropout=0" "run name"
same "$(json "$tmp/runs/l2=1e-4,dropout=0/seed2/summary.json" seed)" 2 "run seed"
same "$(json "$tmp/runs/l2=1e-4,dropout=0/seed2/summary.json" threads)" 1 "threads = cores / jobs on 2 cores"
same "$(head -1 "$tmp/runs/index.csv")" "run,dir,regularization.l2,model.dropout,seed" "index.csv header"
same "$(sed -n 6p "$tmp/runs/index.csv")" '4,"l2=1e-4,dropout=0/seed1","0.0001","0",1' "index.csv row"
same "$(json "$tmp/runs/sweep.json" runs)" 8 "sweep.json runs"
# the sweep's run equals the same run made by hand
"$bin" --config "$tmp/base.json" --set optimizer.lr=0.003 --set regularization.l2=1e-4 --set model.dropout=0.3 \
  --seed 2 --out "$tmp/hand" --quiet
diff <(cut -d, -f1-10,12- "$tmp/hand/metrics.csv") <(cut -d, -f1-10,12- "$tmp/runs/l2=1e-4,dropout=0.3/seed2/metrics.csv") > /dev/null \
  && ok || no "sweep run differs from the same run by hand"
# a second pass skips every finished run and changes nothing
before=$(stat -c %Y.%s "$tmp/runs/l2=0,dropout=0/seed1/metrics.csv")
expect 0 "re-run" -- sweep "$spec" --jobs 2 --quiet
same "$(stat -c %Y.%s "$tmp/runs/l2=0,dropout=0/seed1/metrics.csv")" "$before" "a finished run was not redone"
expect 0 "--task-id on a finished run" -- sweep "$spec" --task-id 0; has "$tmp/err" "already done"
# a run made by an older regmnist whose config.json lacks a key since added (at its default) is the
# same config, resolved with today's defaults: still finished, not another run's (issue 16, item 17)
cfg="$tmp/runs/l2=0,dropout=0/seed1/config.json"
same "$(json "$cfg" data.noise_std)" 0 "data.noise_std at its default"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); del c["data"]["noise_std"]; del c["output"]["weight_images"]
json.dump(c, open(sys.argv[1], "w"), indent=2)' "$cfg"
expect 0 "a finished run of an older version: --task-id" -- sweep "$spec" --task-id 0; has "$tmp/err" "already done"
expect 0 "a finished run of an older version: --jobs" -- sweep "$spec" --jobs 2
has "$tmp/err" "8 runs done"
same "$(stat -c %Y.%s "$tmp/runs/l2=0,dropout=0/seed1/metrics.csv")" "$before" "the older version's run was not redone"
grep -q noise_std "$cfg" && no "the older run's config.json was rewritten" || ok
expect 2 "--task-id out of range" -- sweep "$spec" --task-id 8; has "$tmp/err" "the sweep has 8 runs"
# an interrupted run is resumed by its task, and ends equal to the run left alone
rm -rf "$tmp/runs/l2=0,dropout=0.3/seed2"
REGMNIST_TEST_SIGTERM_AFTER_STEPS=12 "$bin" sweep "$spec" --task-id 3 --quiet 2> /dev/null; same "$?" 143 "interrupted task"
expect 0 "resumed task" -- sweep "$spec" --task-id 3; has "$tmp/err" "resuming"
same "$(json "$tmp/runs/l2=0,dropout=0.3/seed2/summary.json" resumed_after_epoch)" 1 "resumed after epoch 1"

# two sweeps at once on one spec: a run the other holds is running elsewhere, waited for, not failed;
# both exit 0 (issue 16, item 10)
cat > "$tmp/specs/two.json" <<JSON
{"base": "../base.json", "grid": {"regularization.l2": [0, 1e-4, 1e-3], "model.dropout": [0, 0.3]}, "seeds": [1, 2],
 "out": "$tmp/two"}
JSON
"$bin" sweep "$tmp/specs/two.json" --jobs 2 2> "$tmp/two1.err" & p1=$!
"$bin" sweep "$tmp/specs/two.json" --jobs 2 2> "$tmp/two2.err" & p2=$!
wait $p1; same "$?" 0 "the first of two sweeps at once: $(cat "$tmp/two1.err")"
wait $p2; same "$?" 0 "the second of two sweeps at once: $(cat "$tmp/two2.err")"
n=0; for s in "$tmp"/two/*/seed*/summary.json; do [[ $(json "$s" status) == ok ]] && n=$((n + 1)); done
same "$n" 12 "12 finished runs of two sweeps at once"
# a run held by another process (here a lock taken by hand, as a run takes it): --task-id says so with
# exit 75; --jobs runs the others, waits for it and then runs it
lockdir="$tmp/two/l2=0,dropout=0/seed3"
sed -i 's/"seeds": \[1, 2\]/"seeds": [3]/' "$tmp/specs/two.json"
mkdir -p "$lockdir"
python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"a"); fcntl.lockf(f, fcntl.LOCK_EX); open(sys.argv[2],"w").close()
time.sleep(float(sys.argv[3])); open(sys.argv[4],"w").close()' "$lockdir/.regmnist.lock" "$tmp/locked" 3 "$tmp/released" & holder=$!
for _ in $(seq 50); do [[ -e $tmp/locked ]] && break; sleep 0.1; done
expect 75 "--task-id of a run held elsewhere" -- sweep "$tmp/specs/two.json" --task-id 0
has "$tmp/err" "run 0 ($lockdir): running elsewhere (another process holds $lockdir/.regmnist.lock)"
[[ ! -e $lockdir/config.json ]] && ok || no "--task-id wrote into a run dir held elsewhere"
expect 0 "--jobs waits for a run held elsewhere" -- sweep "$tmp/specs/two.json" --jobs 2
has "$tmp/err" "run 0 ($lockdir): running elsewhere (process $holder holds it); waiting for it"
has "$tmp/err" "6 runs done"
[[ -e $tmp/released ]] && ok || no "the sweep ended before the run held elsewhere was free"
same "$(json "$lockdir/summary.json" status)" ok "the waited-for run, run once free"
wait $holder
# killing the sweep's parent alone stops its runs too (PR_SET_PDEATHSIG), which keep their last epoch
alive() { [[ -e /proc/$1/stat ]] && [[ $(cut -d' ' -f3 "/proc/$1/stat") != Z ]]; }
sed 's/"epochs": 2,/"epochs": 100000,/' "$tmp/base.json" > "$tmp/long.json"
echo '{"base": "../long.json", "seeds": [1, 2], "out": "'"$tmp"'/long"}' > "$tmp/specs/long.json"
"$bin" sweep "$tmp/specs/long.json" --jobs 2 --quiet 2> "$tmp/long.err" & sp=$!
kids=
for _ in $(seq 100); do
  kids=$(cat /proc/$sp/task/*/children 2> /dev/null); [[ $(wc -w <<< "$kids") -eq 2 && -e $tmp/long/seed2/metrics.csv ]] && break; sleep 0.1
done
same "$(wc -w <<< "$kids")" 2 "two runs started"
kill -9 $sp; wait $sp 2> /dev/null
for _ in $(seq 100); do gone=1; for k in $kids; do alive "$k" && gone=0; done; ((gone)) && break; sleep 0.1; done
same "$gone" 1 "the runs ended with their killed sweep"
for k in $kids; do alive "$k" && kill "$k"; done # (left running, they would train 100000 epochs)
for sd in seed1 seed2; do
  same "$(json "$tmp/long/$sd/summary.json" status)" interrupted "$sd stopped as by SIGTERM"
  python3 -c 'import fcntl,sys; fcntl.lockf(open(sys.argv[1],"a"), fcntl.LOCK_EX | fcntl.LOCK_NB)' "$tmp/long/$sd/.regmnist.lock" \
    && ok || no "$sd is still locked after its sweep was killed"
done

# zip varies keys together; a failing run does not stop the others; the sweep then exits 1
cat > "$tmp/specs/z.json" <<JSON
{"base": "../base.json", "zip": {"model.dropout": [0, 0.5, 0], "model.input_dropout": [0, 0.2, 0]},
 "grid": {"regularization.l2": [0, 1e300]}, "out": "$tmp/z"}
JSON
expect 2 "zip values that collapse to one dir" -- sweep "$tmp/specs/z.json" --count --list; has "$tmp/err" "one of"
expect 2 "zip runs sharing a dir" -- sweep "$tmp/specs/z.json" --jobs 2; has "$tmp/err" "would share the directory"
sed -i 's/\[0, 0.2, 0\]/[0, 0.2, 0.1]/' "$tmp/specs/z.json"
expect 0 "zip count" -- sweep "$tmp/specs/z.json" --count; same "$(cat "$tmp/out")" 6 "2 grid x 3 zip"
expect 1 "a failing run" -- sweep "$tmp/specs/z.json" --jobs 2 --quiet; has "$tmp/err" "3 of 6 runs failed"
has "$tmp/err" "run 3 ($tmp/z/l2=1e300,dropout=0,input_dropout=0/seed1) failed (exit 1); see its summary.json"
same "$(json "$tmp/z/l2=0,dropout=0.5,input_dropout=0.2/seed1/summary.json" status)" ok "the others finished"
same "$(json "$tmp/z/l2=1e300,dropout=0,input_dropout=0/seed1/summary.json" status)" diverged "the failing run"
same "$(json "$tmp/z/l2=0,dropout=0,input_dropout=0.1/seed1/summary.json" name)" "z,l2=0,dropout=0,input_dropout=0.1" "name from the file name"

# a run that fails before it has a summary.json is reported so, not sent to its summary.json (issue 16, item 11)
echo '{"base": "../base.json", "grid": {"model.dropout": [0, 0.1]}, "out": "'"$tmp"'/nodir"}' > "$tmp/specs/nodir.json"
mkdir -p "$tmp/nodir"; touch "$tmp/nodir/dropout=0.1" # a file where run 1's directory goes
expect 1 "a run whose directory cannot be made" -- sweep "$tmp/specs/nodir.json" --jobs 1 --quiet
has "$tmp/err" "run 1 ($tmp/nodir/dropout=0.1/seed1) failed (exit 3) before writing summary.json (its error is above)"
has "$tmp/err" "nodir/dropout=0.1"; has "$tmp/err" "1 of 2 runs failed"
no_summary=$(grep -c "see its summary.json" "$tmp/err"); same "$no_summary" 0 "no summary.json to see"
# a spec that is not JSON says where; one that is not an object says what it is
printf '{"base": "../base.json",\n "grid": {"model.dropout": [0, 0.1]},\n "seeds": [1, 2,]}\n' > "$tmp/specs/nojson.json"
expect 2 "invalid JSON in a spec" -- sweep "$tmp/specs/nojson.json" --count; has "$tmp/err" "nojson.json: invalid JSON at line 3, column 17"
echo '[{"base": "../base.json"}]' > "$tmp/specs/nojson.json"
expect 2 "a spec that is an array" -- sweep "$tmp/specs/nojson.json" --count
has "$tmp/err" "nojson.json: the sweep spec must be a JSON object, got an array"

# strict spec: every value checked before anything runs
bad() { echo "$1" > "$tmp/specs/bad.json"; expect 2 "$2" -- sweep "$tmp/specs/bad.json" --jobs 2; has "$tmp/err" "$3"; }
bad '{"base": "../base.json", "grid": {"model.dropout": [0, 1.5]}, "out": "'"$tmp"'/bad"}' "bad grid value" \
  "bad.json: grid model.dropout[1]: model.dropout: must be in [0, 1], got 1.5"
[[ ! -e $tmp/bad ]] && ok || no "a refused sweep wrote $tmp/bad"
bad '{"base": "../base.json", "grdi": {}}' "unknown key" "grdi: unknown key"
bad '{"base": "../base.json", "grid": {"model.dropuot": [0]}}' "unknown config key" "model.dropuot: unknown key"
bad '{"base": "../base.json", "grid": {"model.dropout": []}}' "empty grid" "expected a non-empty array"
bad '{"base": "../base.json", "zip": {"model.dropout": [0, 0.1], "model.input_dropout": [0]}}' "zip lengths" \
  "zip.model.input_dropout: 1 values, but the zip group has 2"
bad '{"base": "../base.json", "grid": {"seed": [1, 2]}}' "seed in the grid" "grid.seed: set by the sweep itself"
bad '{"base": "../base.json", "seeds": [1, 1]}' "repeated seed" "seeds[1]: 1 given twice"
bad '{"base": "../nope.json"}' "missing base" "nope.json"
bad '{"base": "../base.json", "set": {"training.batch_size": 161}, "grid": {"training.drop_last": [true]}}' \
  "a rule that needs the data" "training.batch_size: 161 is larger than the 160 training images"
bad '{"base": "../base.json", "grid": {"name": ["x"]}}' "name is the sweep's" "name"
echo '{"base": "../base.json", "grid": {"model.dropout": [0, 1.5]}}' > "$tmp/specs/bad.json"
expect 2 "--count checks the values" -- sweep "$tmp/specs/bad.json" --count; has "$tmp/err" "must be in [0, 1], got 1.5"
# the run count is capped, not overflowed: 16 keys x 16 values is 2^64 runs (issue 16, item 6)
python3 -c 'import json,sys; json.dump({"base": "../base.json", "out": sys.argv[1],
  "grid": {"model.k%d" % k: list(range(16)) for k in range(16)}}, open(sys.argv[2], "w"))' "$tmp/huge" "$tmp/specs/huge.json"
expect 2 "2^64 runs: --count" -- sweep "$tmp/specs/huge.json" --count
has "$tmp/err" "huge.json: 1.84e+19 runs (grid x zip x trials x seeds), more than the limit of 100000 runs per sweep"
expect 2 "2^64 runs: --jobs" -- sweep "$tmp/specs/huge.json" --jobs 2
[[ ! -e $tmp/huge ]] && ok || no "a sweep past the limit wrote $tmp/huge"
python3 -c 'import json,sys; json.dump({"base": "../base.json", "seeds": list(range(1, 5)),
  "grid": {"regularization.l2": list(range(160)), "optimizer.lr": list(range(1, 158))}}, open(sys.argv[1], "w"))' "$tmp/specs/over.json"
expect 2 "100480 runs" -- sweep "$tmp/specs/over.json" --count; has "$tmp/err" "100480 runs (grid x zip x trials x seeds), more than the limit"
# every run must fit in --max-memory (by default the machine's), checked before anything runs; with
# --jobs N each run gets an Nth (issue 16, item 8)
wide=$(python3 -c 'print([65536] * 16)' | tr -d ' ')
echo '{"base": "../base.json", "grid": {"model.hidden": [[16], '"$wide"']}, "out": "'"$tmp"'/wide"}' > "$tmp/specs/wide.json"
expect 2 "a run that needs 1.7 TiB" -- sweep "$tmp/specs/wide.json" --jobs 2 --max-memory 100G
has "$tmp/err" "wide.json: grid model.hidden[1]: model.hidden: the run needs about 1.7 TiB, more than the limit 50.0 GiB (--max-memory / --jobs 2)"
[[ ! -e $tmp/wide ]] && ok || no "a sweep past the memory limit wrote $tmp/wide"
expect 2 "a run that needs 1.7 TiB, the machine's memory" -- sweep "$tmp/specs/wide.json" --list
has "$tmp/err" "(the machine's memory; see --max-memory)"
echo '{"base": "../base.json", "grid": {"model.dropout": [0, 0.1]}, "out": "'"$tmp"'/mem"}' > "$tmp/specs/mem.json"
expect 2 "--jobs 2 halves the limit" -- sweep "$tmp/specs/mem.json" --jobs 2 --max-memory 15M
has "$tmp/err" "the run needs about 9.7 MiB, more than the limit 7.5 MiB (--max-memory / --jobs 2)"
expect 2 "--task-id past the limit" -- sweep "$tmp/specs/mem.json" --task-id 0 --max-memory 9M
expect 0 "a sweep within the limit" -- sweep "$tmp/specs/mem.json" --jobs 2 --max-memory 30M
expect 2 "--max-memory 4X" -- sweep "$tmp/specs/mem.json" --count --max-memory 4X; has "$tmp/err" "--max-memory: expected a size"

# whole numbers keep their digits in names: 150 and 151 are two directories
echo '{"base": "../base.json", "grid": {"training.epochs": [150, 151]}, "out": "'"$tmp"'/ep"}' > "$tmp/specs/ep.json"
expect 0 "whole-number labels" -- sweep "$tmp/specs/ep.json" --list; has "$tmp/out" "ep/epochs=150/seed1"; has "$tmp/out" "ep/epochs=151/seed1"

finish
