#!/usr/bin/env bash
# The lifecycle of a run on generated data (no MNIST needed): early stopping (patience, budget, the
# restored best model), model.safetensors and eval, interruption by SIGTERM and bit-exact resume
# (with the state saved every epoch, by time, and rarely: output.checkpoint_every), SIGKILL never
# leaving a half-written state and losing at most the interval, how often the state is written and
# fsync'd, and the errors around them.
# usage: lifecycle.sh REGMNIST SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
# state_epoch STATE: the epoch a state.safetensors holds (its __metadata__)
state_epoch() { python3 -c 'import json,struct,sys; f=open(sys.argv[1],"rb"); n=struct.unpack("<Q",f.read(8))[0]
print(json.loads(f.read(n))["__metadata__"]["epoch"])' "$1"; }

python3 "$src/tests/tiny_idx.py" "$tmp/data" 200 100 || { echo "FAIL: cannot generate data"; exit 1; }
python3 "$src/tests/tiny_idx.py" "$tmp/other" 50 60 7 || exit 1
cat > "$tmp/es.json" <<JSON
{"name": "es", "data": {"dir": "$tmp/data", "val_fraction": 0.5}, "model": {"hidden": [16]},
 "optimizer": {"lr": 0.01}, "training": {"epochs": 50, "batch_size": 16, "early_stopping": {"patience": 3}}}
JSON

# --- Early stopping: patience runs out; the best epoch's model is restored and re-measured.
# Each epoch's line shows the watched metric, the best so far and the patience used (issue 16).
expect 0 "progress lines" -- --config "$tmp/es.json" --out "$tmp/pl" --set training.epochs=2
grep -E '^epoch 1/2 .* val_loss [0-9.]+ \(best [0-9.]+ at epoch 1, wait 0/3\)  [0-9.]+ s$' "$tmp/err" > /dev/null && ok ||
  no "epoch 1's line lacks the early-stopping watch: $(cat "$tmp/err")"
expect 0 "patience" -- --config "$tmp/es.json" --out "$tmp/p" --quiet
same "$(json "$tmp/p/summary.json" stop_reason)" patience "stop_reason"
stopped=$(json "$tmp/p/summary.json" stopped_epoch) best=$(json "$tmp/p/summary.json" best_epoch)
same "$(rows "$tmp/p/metrics.csv")" "$stopped" "one metrics row per epoch trained"
same "$((stopped - best))" 3 "stopped patience epochs after the best"
[[ $stopped -lt 50 ]] && ok || no "patience did not stop the run ($stopped epochs)"
# the best row is the CSV row of the best epoch, and the final test metrics are the best epoch's
best_row=$(awk -F, -v e="$best" '$1 == e' "$tmp/p/metrics.csv")
same "$(json "$tmp/p/summary.json" best.test_acc)" "$(echo "$best_row" | cut -d, -f8 | sed 's/0*$//; s/\.$//')" "best.test_acc = metrics row"
same "$(json "$tmp/p/summary.json" final.test_acc)" "$(json "$tmp/p/summary.json" best.test_acc)" "final = best (restored)"
same "$(json "$tmp/p/summary.json" final.test_loss)" "$(json "$tmp/p/summary.json" best.test_loss)" "final loss = best loss"
# eval of the saved model gives the final test metrics exactly
expect 0 "eval" -- eval "$tmp/p"
has "$tmp/out" "accuracy"
same "$(json "$tmp/p/eval.json" accuracy)" "$(json "$tmp/p/summary.json" final.test_acc)" "eval accuracy = final test_acc"
same "$(json "$tmp/p/eval.json" loss)" "$(json "$tmp/p/summary.json" final.test_loss)" "eval loss = final test_loss"
[[ $(wc -l < "$tmp/p/confusion.csv") -eq 11 ]] && ok || no "confusion.csv is not 10x10 with a header"
awk -F, 'NR > 1 { for (i = 2; i <= NF; i++) s += $i } END { exit s != 100 }' "$tmp/p/confusion.csv" && ok || no "confusion.csv does not count 100 test images"
expect 0 "eval --split val" -- eval "$tmp/p" --split val --out "$tmp/pv" --quiet
same "$(json "$tmp/pv/eval_val.json" accuracy)" "$(json "$tmp/p/summary.json" final.val_acc)" "eval val = final val_acc"
# each split keeps its own files: evaluating val and train in the run dir leaves the test split's (issue 16)
cp "$tmp/p/eval.json" "$tmp/eval_test.json"
expect 0 "eval --split val in the run dir" -- eval "$tmp/p" --split val --quiet
expect 0 "eval --split train in the run dir" -- eval "$tmp/p" --split train --quiet
cmp -s "$tmp/p/eval.json" "$tmp/eval_test.json" && ok || no "eval --split val/train overwrote eval.json"
same "$(json "$tmp/p/eval_val.json" split)" val "eval_val.json holds the val split"
same "$(json "$tmp/p/eval_train.json" split)" train "eval_train.json holds the train split"
[[ -s $tmp/p/confusion_val.csv && -s $tmp/p/confusion_train.csv ]] && ok || no "no confusion_val.csv / confusion_train.csv"
# other data of the same shape: a low accuracy, not a failure
expect 0 "eval on other data" -- eval "$tmp/p" --set "data.dir=\"$tmp/other\"" --out "$tmp/po" --quiet
same "$(json "$tmp/po/eval.json" n)" 60 "eval on other data counts its images"
expect 2 "eval --set model" -- eval "$tmp/p" --set 'model.hidden=[8]'; has "$tmp/err" "only data.* keys"
expect 2 "eval of no run dir" -- eval "$tmp/nope"; has "$tmp/err" "nope/config.json"
mkdir "$tmp/nomodel"; cp "$tmp/p/config.json" "$tmp/nomodel/"
expect 3 "eval without a model" -- eval "$tmp/nomodel"; has "$tmp/err" "nomodel/model.safetensors"

# --- The budget ends first: still restored to the best epoch (Keras's restore_best_weights is not).
expect 0 "budget" -- --config "$tmp/es.json" --set training.epochs=9 --set training.early_stopping.patience=100 --out "$tmp/b" --quiet
same "$(json "$tmp/b/summary.json" stop_reason)" epochs "stop_reason epochs"
same "$(json "$tmp/b/summary.json" restored_best)" True "restored_best"
same "$(json "$tmp/b/summary.json" final.val_loss)" "$(json "$tmp/b/summary.json" best.val_loss)" "budget: final = best"
# restore_best false keeps the last epoch
expect 0 "no restore" -- --config "$tmp/es.json" --set training.epochs=9 --set training.early_stopping.restore_best=false --out "$tmp/nr" --quiet
same "$(json "$tmp/nr/summary.json" final.epoch)" 9 "restore_best false ends with the last epoch"
# a val_* monitor needs a validation set
expect 2 "val monitor without val" -- --config "$tmp/es.json" --set data.val_fraction=0 --print-config
has "$tmp/err" "training.early_stopping.monitor"; has "$tmp/err" "data.val_fraction"
expect 0 "train_loss monitor without val" -- --config "$tmp/es.json" --set data.val_fraction=0 --set training.early_stopping.monitor=train_loss --print-config

# --- Interrupt with SIGTERM at two points, resume, and get the uninterrupted run's files. r.json has
# 10 steps per epoch. Each case: the first run's step, its output.checkpoint_every (0: every epoch;
# 60, the default, and 3600: epoch 1 on disk, later epochs kept in memory until the stop writes the
# last completed one), the resume's interruption step, and the epochs the state then keeps.
cat > "$tmp/r.json" <<JSON
{"name": "r", "data": {"dir": "$tmp/data", "val_fraction": 0.2, "augment": {"rotate": 10, "shift": 0.1}, "noise_std": 0.05}, "model": {"hidden": [16], "dropout": 0.3, "norm": "batch"},
 "regularization": {"label_smoothing": 0.1, "max_norm": 1.5, "l1": 0.5, "normalize": "mean"},
 "optimizer": {"lr": 0.003, "clip_grad_norm": 1.0, "schedule": {"name": "cosine", "warmup_epochs": 2}},
 "training": {"epochs": 6, "batch_size": 16, "early_stopping": {"patience": 10}}, "output": {"weight_stats": true}}
JSON
expect 0 "uninterrupted" -- --config "$tmp/r.json" --out "$tmp/run" --quiet
mv "$tmp/run" "$tmp/whole"
for case in "13 60 11 1 2" "37 60 11 3 4" "37 0 11 3 4" "23 3600 25 2 4"; do
  read -r at every at2 kept kept2 <<< "$case"
  REGMNIST_TEST_SIGTERM_AFTER_STEPS=$at "$bin" --config "$tmp/r.json" --out "$tmp/run" --quiet \
    --set output.checkpoint_every=$every 2> "$tmp/err"
  rc=$?; same "$rc" 143 "SIGTERM after $at steps exits 143"
  has "$tmp/err" "keeps epoch $kept of 6; continue with regmnist --resume $tmp/run"
  same "$(state_epoch "$tmp/run/state.safetensors")" "$kept" "checkpoint_every $every, SIGTERM after $at steps: the state's epoch"
  same "$(json "$tmp/run/summary.json" status)" interrupted "status interrupted"
  same "$(json "$tmp/run/summary.json" stop_reason)" interrupted "stop_reason interrupted"
  [[ ! -e $tmp/run/model.safetensors ]] && ok || no "an interrupted run wrote model.safetensors"
  # a second interruption while resuming, then to the end
  REGMNIST_TEST_SIGTERM_AFTER_STEPS=$at2 "$bin" --resume "$tmp/run" --quiet 2> /dev/null; same "$?" 143 "interrupted resume"
  same "$(state_epoch "$tmp/run/state.safetensors")" "$kept2" "checkpoint_every $every, interrupted resume: the state's epoch"
  # results depend neither on the thread count nor on checkpoint_every, so a resume may change them (issue 16, 21)
  expect 0 "resume after $at steps" -- --resume "$tmp/run" --quiet --threads $((at == 13 ? 1 : 3)) \
    --set output.checkpoint_every=$((every == 0 ? 60 : 0))
  diff <(cut -d, -f1-10,12- "$tmp/whole/metrics.csv") <(cut -d, -f1-10,12- "$tmp/run/metrics.csv") > /dev/null && ok || no "resumed metrics.csv differs (interrupted after $at steps)"
  cmp -s "$tmp/whole/model.safetensors" "$tmp/run/model.safetensors" && ok || no "resumed model.safetensors differs (after $at steps)"
  cmp -s "$tmp/whole/weights.csv" "$tmp/run/weights.csv" && ok || no "resumed weights.csv differs (after $at steps)"
  cmp -s "$tmp/whole/activations.csv" "$tmp/run/activations.csv" && ok || no "resumed activations.csv differs (after $at steps)"
  rm -rf "$tmp/run"
done
# a second SIGTERM while the stop writes the in-memory copy exits at once, but only once the copy is
# written: the state is the last completed epoch, not the older one on disk (docs/testing.md's hook)
REGMNIST_TEST_SIGTERM_AFTER_STEPS=37 REGMNIST_TEST_SIGTERM_WHILE_SAVING=1 "$bin" --config "$tmp/r.json" --out "$tmp/run" \
  --quiet --set output.checkpoint_every=3600 2> "$tmp/err"
same "$?" 143 "a second SIGTERM while saving exits 143"
[[ ! -e $tmp/run/summary.json && ! -s $tmp/err ]] && ok || no "a second SIGTERM while saving did not exit at once: $(cat "$tmp/err")"
same "$(state_epoch "$tmp/run/state.safetensors")" 3 "a second SIGTERM while saving: the state's epoch"
expect 0 "resume after a second SIGTERM" -- --resume "$tmp/run" --quiet
cmp -s "$tmp/whole/model.safetensors" "$tmp/run/model.safetensors" && ok || no "resumed model.safetensors differs (second SIGTERM)"
rm -rf "$tmp/run"
# resume refusals: a complete run, a changed config, a patience stop; extending the budget works
expect 2 "resume a complete run" -- --resume "$tmp/whole"; has "$tmp/err" "the run is complete"
expect 2 "resume with a change" -- --resume "$tmp/whole" --set training.epochs=8 --set optimizer.lr=0.1
has "$tmp/err" "optimizer.lr differs"
cp -r "$tmp/whole" "$tmp/ext"
expect 0 "extend by 2 epochs" -- --resume "$tmp/ext" --set training.epochs=8 --quiet
same "$(rows "$tmp/ext/metrics.csv")" 8 "extended run has 8 rows"
expect 2 "resume a patience stop" -- --resume "$tmp/p" --set training.epochs=60; has "$tmp/err" "stopped early"
expect 2 "resume with --out" -- --resume "$tmp/whole" --out "$tmp/x"
# a corrupt or truncated state file is a data error naming it
cp -r "$tmp/whole" "$tmp/bad"; head -c 100 "$tmp/whole/state.safetensors" > "$tmp/bad/state.safetensors"
expect 3 "truncated state" -- --resume "$tmp/bad" --set training.epochs=8; has "$tmp/err" "bad/state.safetensors"

# --- SIGKILL at an arbitrary moment never leaves a half-written state: resume always works.
cat > "$tmp/k.json" <<JSON
{"name": "k", "data": {"dir": "$tmp/data"}, "model": {"hidden": [64, 64]}, "training": {"epochs": 100000, "batch_size": 8}}
JSON
for delay in 0.4 0.7; do
  rm -rf "$tmp/k"
  "$bin" --config "$tmp/k.json" --out "$tmp/k" --quiet & pid=$!
  sleep "$delay"; kill -9 "$pid"; wait "$pid" 2> /dev/null
  if [[ -e $tmp/k/state.safetensors ]]; then
    n=$(rows "$tmp/k/metrics.csv")
    expect 0 "resume after SIGKILL ($delay s, $n rows)" -- --resume "$tmp/k" --set training.epochs=$((n + 2)) --quiet
    same "$(rows "$tmp/k/metrics.csv")" "$((n + 2))" "rows after SIGKILL and resume"
  else
    no "no state.safetensors after $delay s"
  fi
  ls "$tmp/k" | grep -q tmp && no "a temporary file was left behind: $(ls "$tmp/k")" || ok
done
# a real SIGTERM from outside: exit 143, an interrupted summary, and the state of the last completed
# epoch (one per metrics.csv row), though the last save (epoch 1) was long before
rm -rf "$tmp/k"
"$bin" --config "$tmp/k.json" --out "$tmp/k" --quiet --set output.checkpoint_every=3600 2> /dev/null & pid=$!
for _ in $(seq 100); do [[ -e $tmp/k/metrics.csv && $(rows "$tmp/k/metrics.csv") -ge 5 ]] && break; sleep 0.05; done
kill -TERM "$pid"; wait "$pid"; same "$?" 143 "external SIGTERM exits 143"
same "$(json "$tmp/k/summary.json" status)" interrupted "external SIGTERM: summary"
n=$(rows "$tmp/k/metrics.csv")
[[ $n -ge 5 ]] && ok || no "external SIGTERM: only $n epochs ran"
same "$(state_epoch "$tmp/k/state.safetensors")" "$n" "external SIGTERM: the state keeps the last completed epoch"

# --- SIGKILL loses at most output.checkpoint_every: with 3600 the state is the first epoch's however
# many epochs ran, and the resumed run ends as an uninterrupted one; with 0.5 s it is at most about
# that old (plus an epoch; generous for a busy machine).
cat > "$tmp/k2.json" <<JSON
{"name": "k2", "data": {"dir": "$tmp/data"}, "model": {"hidden": [64, 64]}, "training": {"epochs": 100000, "batch_size": 8}}
JSON
rm -rf "$tmp/k2"
"$bin" --config "$tmp/k2.json" --out "$tmp/k2" --quiet --set output.checkpoint_every=3600 & pid=$!
for _ in $(seq 100); do [[ -e $tmp/k2/metrics.csv && $(rows "$tmp/k2/metrics.csv") -ge 5 ]] && break; sleep 0.05; done
kill -9 "$pid"; wait "$pid" 2> /dev/null
n=$(rows "$tmp/k2/metrics.csv")
[[ $n -ge 5 ]] && ok || no "SIGKILL, checkpoint_every 3600: only $n epochs ran"
same "$(state_epoch "$tmp/k2/state.safetensors")" 1 "SIGKILL, checkpoint_every 3600: the state is the first epoch's"
expect 0 "resume after SIGKILL (3600)" -- --resume "$tmp/k2" --set training.epochs=$((n + 2)) --quiet
expect 0 "uninterrupted $((n + 2)) epochs" -- --config "$tmp/k2.json" --set training.epochs=$((n + 2)) --out "$tmp/k2whole" --quiet
diff <(cut -d, -f1-10,12- "$tmp/k2whole/metrics.csv") <(cut -d, -f1-10,12- "$tmp/k2/metrics.csv") > /dev/null && ok || no "metrics.csv after SIGKILL and resume differs"
cmp -s "$tmp/k2whole/model.safetensors" "$tmp/k2/model.safetensors" && ok || no "model.safetensors after SIGKILL and resume differs"
rm -rf "$tmp/k2"
"$bin" --config "$tmp/k2.json" --out "$tmp/k2" --quiet --set output.checkpoint_every=0.5 & pid=$!
sleep 1.8
age=$(python3 -c 'import os,sys,time; print("%.3f" % (time.time() - os.stat(sys.argv[1]).st_mtime))' "$tmp/k2/state.safetensors")
kill -9 "$pid"; wait "$pid" 2> /dev/null
python3 -c 'import sys; sys.exit(not float(sys.argv[1]) < 1.5)' "$age" && ok || no "SIGKILL, checkpoint_every 0.5: the state is $age s old"
e=$(state_epoch "$tmp/k2/state.safetensors") n=$(rows "$tmp/k2/metrics.csv")
[[ $e -gt 1 && $e -le $n ]] && ok || no "SIGKILL, checkpoint_every 0.5: the state's epoch $e is not in (1, $n]"

# --- How often the state is written: strace counts the renames into state.safetensors and every
# fsync of an iris-sized run (150 rows, 4 features, 3 classes, 1000 epochs of 8 steps). Saving every
# epoch (checkpoint_every 0) writes 1000 states and fsyncs each and its directory; the default writes
# epoch 1's and the last, and the run fsyncs a handful of files in all.
python3 - "$tmp/iris.csv" <<'PY'
import random, sys
r = random.Random(3)
with open(sys.argv[1], "w") as f:
    f.write("a,b,c,d,label\n")
    for i in range(150):
        k = i % 3
        f.write(",".join("%.2f" % (k + r.gauss(0, 0.7)) for _ in range(4)) + ",%d\n" % k)
PY
cat > "$tmp/iris.json" <<JSON
{"name": "iris", "data": {"format": "csv", "train": "$tmp/iris.csv", "test_fraction": 0.2, "normalize": "none"},
 "model": {"hidden": [32]}, "optimizer": {"name": "sgd", "lr": 0.005}, "training": {"epochs": 1000, "batch_size": 16}}
JSON
if strace -f -o /dev/null true 2> /dev/null; then
  for every in 60 0; do
    # (LeakSanitizer cannot run under ptrace: off for this run of a sanitizer build)
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
      strace -f -e trace=fsync,fdatasync,rename,renameat,renameat2 -o "$tmp/trace" "$bin" --config "$tmp/iris.json" \
      --out "$tmp/iris$every" --quiet --set output.checkpoint_every=$every 2> "$tmp/err"
    same "$?" 0 "iris-sized run under strace (checkpoint_every $every)"
    saves=$(grep -c 'rename.*"[^"]*/state\.safetensors"' "$tmp/trace") syncs=$(grep -c 'fsync(' "$tmp/trace")
    if [[ $every == 0 ]]; then
      same "$saves" 1000 "checkpoint_every 0: a state save per epoch"
      [[ $syncs -ge 2000 ]] && ok || no "checkpoint_every 0: $syncs fsyncs, expected at least 2000"
    else
      same "$saves" 2 "the default: epoch 1's state and the last"
      [[ $syncs -le 10 ]] && ok || no "the default: $syncs fsyncs, expected at most 10"
    fi
  done
  cmp -s "$tmp/iris60/model.safetensors" "$tmp/iris0/model.safetensors" && ok || no "checkpoint_every changed model.safetensors"
else
  echo "lifecycle: NOTE: strace is not usable here: the state-save and fsync counts are not checked"
fi

# --- Run directories are safe: no silent overwrite, one process per dir, provenance recorded.
expect 2 "a finished run's dir" -- --config "$tmp/es.json" --out "$tmp/p" --quiet; has "$tmp/err" "holds a finished run"
has "$tmp/err" "--force"
expect 0 "--force replaces it" -- --config "$tmp/es.json" --out "$tmp/p" --force --quiet --set training.epochs=2
same "$(rows "$tmp/p/metrics.csv")" 2 "--force starts over"
[[ ! -e $tmp/p/eval.json ]] && ok || no "--force kept the old run's eval.json"
# --force removes every file of the old run: per-epoch weight images, event files, eval files per split
expect 0 "a run with images and events" -- --config "$tmp/es.json" --out "$tmp/f" --quiet --set training.epochs=3 \
  --set output.weight_images=every_epoch --set output.tensorboard=true
expect 0 "eval val there" -- eval "$tmp/f" --split val --quiet
[[ -e $tmp/f/weights_fc0_e003.png && -e $tmp/f/eval_val.json ]] && ok || no "no weights_fc0_e003.png or eval_val.json: $(ls "$tmp/f")"
touch -d '2 minutes ago' "$tmp"/f/events.out.tfevents.*
expect 0 "--force without images" -- --config "$tmp/es.json" --out "$tmp/f" --force --quiet --set training.epochs=1 \
  --set output.tensorboard=true
left=$(cd "$tmp/f" && ls weights_*.png eval_val.json confusion_val.csv 2> /dev/null)
[[ -z $left ]] && ok || no "--force kept the old run's files: $left"
same "$(ls "$tmp/f" | grep -c '^events.out.tfevents')" 1 "--force leaves one event file"
# a resumed run appends to its event file, cut to the saved epoch: one file, each epoch once
REGMNIST_TEST_SIGTERM_AFTER_STEPS=25 "$bin" --config "$tmp/es.json" --out "$tmp/tb" --quiet --set training.epochs=4 \
  --set output.tensorboard=true 2> /dev/null
same "$?" 143 "SIGTERM with tensorboard"
expect 0 "resume with tensorboard" -- --resume "$tmp/tb" --quiet
same "$(ls "$tmp/tb" | grep -c '^events.out.tfevents')" 1 "a resumed run keeps one event file"
# ... with one HParams session start (the first run's overrides) and one end, also after a finished run
# is resumed for more epochs (its end is dropped with the epochs after the resumed one's, then written anew)
tbcheck() {
  bash "$src/tests/tfevents.sh" "$1" > "$tmp/tbcheck.log" 2>&1; local rc=$?
  if [[ $rc -eq 77 ]]; then echo "lifecycle: $2 skipped: $(tail -1 "$tmp/tbcheck.log")"
  elif [[ $rc -eq 0 ]]; then ok; else no "$2: $(cat "$tmp/tbcheck.log")"; fi
}
tbcheck "$tmp/tb" "event file of a resumed run"
expect 0 "a finished run resumed with tensorboard" -- --resume "$tmp/tb" --set training.epochs=6 --quiet
tbcheck "$tmp/tb" "event file of a finished run resumed"
REGMNIST_TEST_SIGTERM_AFTER_STEPS=15 "$bin" --config "$tmp/r.json" --out "$tmp/u" --quiet 2> /dev/null
expect 2 "an unfinished run of the same config" -- --config "$tmp/r.json" --out "$tmp/u" --quiet
has "$tmp/err" "continue it with regmnist --resume $tmp/u"
expect 2 "an unfinished run of another config" -- --config "$tmp/r.json" --out "$tmp/u" --set seed=2 --quiet
has "$tmp/err" "its config differs at seed"
# a line that is not a row of the run's metrics is refused on resume, not carried on (issue 16)
cp -r "$tmp/u" "$tmp/junk"; echo "junk" >> "$tmp/junk/metrics.csv"
expect 3 "junk in metrics.csv" -- --resume "$tmp/junk" --quiet
has "$tmp/err" "junk/metrics.csv: line 3: expected a row of epoch 2, got 'junk'"
cp -r "$tmp/u" "$tmp/junk2"; sed -i '2s/^1,/7,/' "$tmp/junk2/metrics.csv"
expect 3 "a row out of order in metrics.csv" -- --resume "$tmp/junk2" --quiet
has "$tmp/err" "junk2/metrics.csv: line 2: expected a row of epoch 1, got '7,"
"$bin" --config "$tmp/k.json" --out "$tmp/busy" --quiet 2> /dev/null & pid=$!
for _ in $(seq 50); do [[ -e $tmp/busy/metrics.csv ]] && break; sleep 0.1; done
expect 2 "a dir in use" -- --resume "$tmp/busy" --quiet; has "$tmp/err" "in use by another regmnist process"
expect 2 "a dir in use (--force)" -- --config "$tmp/k.json" --out "$tmp/busy" --force --quiet; has "$tmp/err" "in use"
kill -TERM "$pid"; wait "$pid"
for k in started finished command host git_commit version; do
  python3 -c 'import json,sys; sys.exit(sys.argv[2] not in json.load(open(sys.argv[1])))' "$tmp/p/summary.json" "$k" && ok || no "summary.json lacks $k"
done
has "$tmp/p/summary.json" '"overrides":'; has "$tmp/p/summary.json" 'training.epochs=2'
json "$tmp/p/summary.json" started | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' && ok || no "started is not ISO 8601 UTC"

finish
