#!/usr/bin/env bash
# scripts/slurm-sweep.sh on a real Slurm: a private slurmctld + slurmd + munged started here in a
# temp dir (../shared/notes/slurm-local.md; nothing in /etc or /run is touched, the ports are free
# ones). A 4-task array of a tiny sweep finishes and `regmnist summarize` lists its 4 runs; then
# pre-emption: a task requeued by Slurm (`scontrol requeue`: SIGTERM to every process, back to the
# queue), a task warned of its time limit (SIGUSR1 to the batch shell: it stops the run and
# requeues itself) and a task whose batch shell alone gets SIGTERM (forwarded after the grace) all
# keep their last epoch; the requeued ones resume and finish, and submitting the sweep again skips
# the finished runs and resumes the interrupted one. A pruned spec runs as one array per rung, each
# next rung submitted by a job depending on the last, with the same decisions as `sweep --jobs 2`.
# Installs slurmctld, slurmd, slurm-client and munge with apt-get when missing (as root; not when
# REGMNIST_TEST_NO_INSTALL is set). When Slurm cannot be installed or started it prints
# "slurm: SKIPPED: <why>" and exits 77 (ctest: skipped). About 25-30 s on 2 busy cores.
# usage: slurm.sh REGMNIST SOURCE_DIR
set -u
[[ $# -eq 2 ]] || { echo "usage: slurm.sh REGMNIST SOURCE_DIR" >&2; exit 2; }
bin=$(realpath -- "$1") src=$(realpath -- "$2")
sweep_sh=$src/scripts/slurm-sweep.sh
t_start=$SECONDS
skip() { echo "slurm: SKIPPED: $*"; exit 77; }

source "$src/tests/slurm_private.sh"   # the private Slurm: SLURM_CONF, $tmp, stopped on exit

source "$src/tests/lib.sh"
# key_value FILE KEY: a top-level string or number of cJSON's pretty-printed summary.json, empty when the
# file or the key is missing (not lib.sh's json: no python, which can take a second to start on a busy
# machine, and no error for an absent key such as resumed_after_epoch)
key_value() { sed -n "s/^\t\"$2\":\t\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$1" 2> /dev/null | head -1; }
# drained JID [TIMEOUT]: wait until the job array has left squeue (polled every 0.2 s)
drained() {
  local jid=$1 end=$((SECONDS + ${2:-90})) out
  while ((SECONDS < end)); do
    if out=$(squeue -h -j "$jid" -o %i 2>&1); then [[ -z $out ]] && return 0
    elif [[ $out == *"Invalid job id"* ]]; then return 0; fi
    sleep 0.2
  done
  no "job $jid still queued after ${2:-90} s: $(squeue -h -j "$jid" -o '%i %T %r' 2>&1 | tr '\n' ' ')"
  return 1
}
# epochs DIR N [TIMEOUT]: wait until DIR/metrics.csv holds N epochs
epochs() {
  local m=$1/metrics.csv end=$((SECONDS + ${3:-60}))
  while ((SECONDS < end)); do
    [[ -f $m && $(rows "$m") -ge $2 ]] && return 0
    sleep 0.05
  done
  no "$1: fewer than $2 epochs after ${3:-60} s"
  return 1
}
submit() { REGMNIST=$bin "$sweep_sh" "$@" 2> "$tmp/err"; }
# submitted JID: the rest needs the job; without one, stop here
submitted() { [[ $1 =~ ^[0-9]+$ ]] && ok || { no "no job id ('$1'): $(cat "$tmp/err")"; finish; exit 1; }; }

# --- Data, a base config and a sweep, in a directory with a space in its name ------------------
w="$tmp/work dir"
mkdir -p "$w"
python3 "$src/tests/tiny_idx.py" "$w/data" 200 100 || { echo "FAIL: cannot generate data"; exit 1; }
cd "$w" || exit 1
cat > base.json <<'JSON'
{"name": "b", "data": {"dir": "data"}, "model": {"hidden": [8]}, "training": {"epochs": 2, "batch_size": 16}}
JSON
cat > "tiny sweep.json" <<'JSON'
{"name": "tiny", "base": "base.json", "grid": {"model.dropout": [0, 0.3]}, "seeds": [1, 2], "out": "runs/tiny"}
JSON

# --- The script without Slurm: --dry-run, finding the binary, errors -----------------------------
out=$(submit --dry-run "tiny sweep.json" -c 1); same "$?" 0 "--dry-run"
[[ $out == *"sbatch --array=0-3 "*"--requeue --signal=B:USR1@60"*" -c 1 <<'SCRIPT'"* ]] && ok || no "--dry-run sbatch line: $out"
[[ $out == *"spec=$(printf %q "$w/tiny sweep.json")"* && $out == *'--task-id "$task"'* ]] && ok ||
  no "--dry-run batch script: $out"
[[ -z $(squeue -h -o %i) ]] && ok || no "--dry-run submitted a job"
mkdir -p "$tmp/pathdir" "$tmp/cwd/build" && ln -s "$bin" "$tmp/pathdir/regmnist" && ln -s "$bin" "$tmp/cwd/build/regmnist" \
  && ln -s "$w/data" "$tmp/cwd/data"
out=$(PATH=$tmp/pathdir:$PATH "$sweep_sh" --dry-run "$w/tiny sweep.json" 2>&1)
[[ $out == *"bin=$(printf %q "$bin")"* ]] && ok || no "binary from PATH: $out"
if ! PATH=/usr/bin:/bin command -v regmnist > /dev/null; then
  out=$(cd "$tmp/cwd" && PATH=/usr/bin:/bin "$sweep_sh" --dry-run "$w/tiny sweep.json" 2>&1)
  [[ $out == *"bin=$(printf %q "$bin")"* ]] && ok || no "binary from ./build/regmnist: $out"
fi
REGMNIST=$tmp/nope "$sweep_sh" "tiny sweep.json" 2> "$tmp/err"; same "$?" 127 "REGMNIST not a file"
echo '{"base": "base.json", "grid": {"model.dropout": [0, 1.5]}}' > bad.json
submit bad.json > /dev/null; same "$?" 2 "a bad spec"; has "$tmp/err" "must be in [0, 1], got 1.5"
[[ -z $(squeue -h -o %i) ]] && ok || no "a bad spec was submitted"

# --- A 4-task array of a tiny sweep finishes ---------------------------------------------------
jobs_submitted=1
t0=$SECONDS
jid=$(submit "tiny sweep.json" -c 1); submitted "$jid"
drained "$jid" 90
n=0
for d in runs/tiny/dropout={0,0.3}/seed{1,2}; do [[ $(key_value "$d/summary.json" status) == ok ]] && n=$((n + 1)); done
same "$n" 4 "finished runs of the array (logs: $(cat slurm-"$jid"_*.out 2> /dev/null | grep -v '^epoch' | tail -5))"
n=0; for i in 0 1 2 3; do [[ -s slurm-${jid}_$i.out ]] && n=$((n + 1)); done
same "$n" 4 "one log per task"
echo "slurm: 4-task array done in $((SECONDS - t0)) s"
if "$bin" summarize runs/tiny > "$tmp/out" 2> "$tmp/err"; then
  has "$tmp/err" "4 runs"
  same "$(rows runs/tiny/summary.csv)" 4 "summary.csv rows"
  has "$tmp/out" "0.3"
else
  echo "slurm: note: 'regmnist summarize' did not run ($(head -1 "$tmp/err")): its check is skipped"
fi

# --- Pre-emption: requeue, time-limit warning, SIGTERM to the batch shell ----------------------
# Runs in order: dropout 0 seeds 1, 2 (tasks 0, 1), dropout 0.1 seeds 1, 2 (tasks 2, 3); 1000 epochs
# of about 7 ms here (no per-epoch state save since output.checkpoint_every: 200 epochs ended in 1.5 s,
# before the signal at epoch 5 arrived), so a run lasts well past that signal plus the 0.5 s grace.
cat > long.json <<'JSON'
{"name": "long", "base": "base.json", "set": {"model.hidden": [256, 256], "training.epochs": 1000},
 "grid": {"model.dropout": [0, 0.1]}, "seeds": [1, 2], "out": "runs/long"}
JSON
r0=runs/long/dropout=0/seed1 r1=runs/long/dropout=0/seed2 r2=runs/long/dropout=0.1/seed1 r3=runs/long/dropout=0.1/seed2
t0=$SECONDS
jid=$(REGMNIST_TERM_GRACE=0.5 submit long.json -c 1); submitted "$jid"
# scancel gets "Job can not be altered now" when the task requeues itself at once, and retries 5 s
# later, signalling the task's next start: `timeout` ends it first (the logs show what arrived).
# Each task is signalled at its 5th epoch, so this works with 1 CPU (one task at a time) or more.
epochs "$r0" 5 && { scontrol requeue "${jid}_0" || no "scontrol requeue ${jid}_0"; }   # as pre-emption does
epochs "$r1" 5 && timeout 2 scancel --batch --signal=USR1 "${jid}_1" 2> /dev/null    # as --signal=B:USR1@60 does
epochs "$r2" 5 && timeout 2 scancel --batch --signal=TERM "${jid}_2" 2> /dev/null
drained "$jid" 120
log() { cat "slurm-${jid}_$1.out" 2> /dev/null | grep -v '^epoch'; }
log 0 > "$tmp/log0"; log 1 > "$tmp/log1"; log 2 > "$tmp/log2"
# task 0: Slurm's SIGTERM reached regmnist, which kept its epoch; the requeued task resumed it
has "$tmp/log0" "DUE TO JOB REQUEUE"; has "$tmp/log0" "interrupted by SIGTERM: $r0/state.safetensors keeps epoch"
has "$tmp/log0" ", start 2,"
same "$(key_value "$r0/summary.json" status)" ok "requeued run"
[[ $(key_value "$r0/summary.json" resumed_after_epoch) -ge 5 ]] 2> /dev/null && ok || no "requeued run: resumed_after_epoch '$(key_value "$r0/summary.json" resumed_after_epoch)'"
if grep -q "SIGTERM, forwarded" "$tmp/log0"; then no "task 0: SIGTERM forwarded on top of Slurm's own"; else ok; fi
# task 1: the warning stopped the run and the task requeued itself
has "$tmp/log1" "time limit near"; has "$tmp/log1" "requeueing to resume"; has "$tmp/log1" ", start 2,"
same "$(key_value "$r1/summary.json" status)" ok "self-requeued run"
[[ $(key_value "$r1/summary.json" resumed_after_epoch) -ge 5 ]] 2> /dev/null && ok || no "self-requeued run: resumed_after_epoch '$(key_value "$r1/summary.json" resumed_after_epoch)'"
# task 2: SIGTERM to the batch shell alone was forwarded; the run is interrupted, not requeued
has "$tmp/log2" "SIGTERM, forwarded"; has "$tmp/log2" "interrupted by SIGTERM: $r2/state.safetensors keeps epoch"
same "$(key_value "$r2/summary.json" status)" interrupted "SIGTERM'd run"
[[ -f $r2/state.safetensors && ! -e $r2/model.safetensors ]] && ok || no "SIGTERM'd run: files $(ls "$r2")"
# task 3: left alone
same "$(key_value "$r3/summary.json" status)" ok "untouched run"
same "$(key_value "$r3/summary.json" resumed_after_epoch)" "" "untouched run not resumed"
echo "slurm: pre-emption array done in $((SECONDS - t0)) s"

# --- Submitting the sweep again skips the finished runs and resumes the interrupted one ----------
t0=$SECONDS
before=$(stat -c %Y.%s "$r0/metrics.csv" "$r3/metrics.csv")
jid=$(submit long.json -c 1); submitted "$jid"
drained "$jid" 90
for i in 0 1 3; do has "slurm-${jid}_$i.out" "already done"; done
has "slurm-${jid}_2.out" "resuming"
same "$(key_value "$r2/summary.json" status)" ok "resumed run"
[[ $(key_value "$r2/summary.json" resumed_after_epoch) -ge 5 ]] 2> /dev/null && ok || no "resumed run: resumed_after_epoch '$(key_value "$r2/summary.json" resumed_after_epoch)'"
same "$(stat -c %Y.%s "$r0/metrics.csv" "$r3/metrics.csv")" "$before" "finished runs untouched"
echo "slurm: resubmitted array done in $((SECONDS - t0)) s; total $((SECONDS - t_start)) s"

# --- A pruned spec: one job array per rung, chained; the same runs and decisions as sweep --jobs ---
t0=$SECONDS
cat > pruned.json <<'JSON'
{"name": "pr", "base": "base.json", "set": {"training.epochs": 9, "data.val_fraction": 0.2},
 "grid": {"optimizer.lr": [0.01, 0.003, 0.3, 0.1, 0.03, 0.05]}, "seeds": [1, 2], "out": "runs/pr",
 "prune": {"metric": "val_loss", "mode": "min", "min_epochs": 1, "reduction": 3}}
JSON
sed 's#"runs/pr"#"runs/pr_local"#' pruned.json > pruned_local.json
jid=$(submit pruned.json -c 1); submitted "$jid"
has "$tmp/err" "rung 0 of 3, 12 tasks"; has "$tmp/err" "the next rung, once $jid has ended"
end=$((SECONDS + 180))   # the chain: rung 0's array, its submitter, rung 1's, its submitter, rung 2's
while ((SECONDS < end)) && [[ -n $(squeue -h -o %i 2> /dev/null) ]]; do sleep 0.3; done
[[ -z $(squeue -h -o %i) ]] && ok || no "the pruned sweep's jobs still queued: $(squeue -h -o '%i %j %T %r' | tr '\n' ' ')"
same "$("$bin" sweep pruned.json --rung-tasks)" done "every rung done after the chain (logs: $(tail -n 3 slurm-*.out | tr '\n' ' ' | tail -c 600))"
"$bin" sweep pruned_local.json --jobs 2 --quiet; same "$?" 0 "the same spec with --jobs 2"
python3 - <<'PY' > "$tmp/diff"
import csv, glob, json, os
def nosec(p):
    rows = list(csv.reader(open(p))); k = rows[0].index("seconds")
    return [r[:k] + r[k + 1:] for r in rows]
runs = sorted(os.path.relpath(os.path.dirname(p), "runs/pr") for p in glob.glob("runs/pr/*/seed*/metrics.csv"))
if len(runs) != 12: print("%d runs, want 12" % len(runs))
for d in runs:
    a, b = "runs/pr/" + d + "/", "runs/pr_local/" + d + "/"
    sa, sb = json.load(open(a + "summary.json")), json.load(open(b + "summary.json"))
    if (sa["status"], sa.get("rung")) != (sb["status"], sb.get("rung")): print(d, "status", sa["status"], sb["status"])
    if nosec(a + "metrics.csv") != nosec(b + "metrics.csv"): print(d, "metrics.csv differs")
if open("runs/pr/rungs.csv").read() != open("runs/pr_local/rungs.csv").read(): print("rungs.csv differs")
PY
same "$(cat "$tmp/diff")" "" "Slurm per-rung arrays against sweep --jobs 2"
n=$(grep -l '"status":\s*"pruned"' runs/pr/*/seed*/summary.json | wc -l)
[[ $n -ge 2 && $n -lt 12 ]] && ok || no "pruned runs: $n"
echo "slurm: pruned sweep (3 rungs) done in $((SECONDS - t0)) s"

cd "$tmp" || exit 1
finish
