#!/usr/bin/env bash
# slurm-sweep.sh - submit a regmnist sweep to Slurm as one job array, one task per run.
#
# usage: scripts/slurm-sweep.sh [--dry-run] SPEC [sbatch options...]
#        scripts/slurm-sweep.sh --help
#
# Checks every run's config (`regmnist sweep SPEC --list`), counts the runs (`--count`) and submits
# `sbatch --array=0-(N-1)` whose task i runs `regmnist sweep SPEC --task-id i` in the directory this
# script was called from (the spec's "out" and the config's data.dir are relative to it). Prints the
# job id on stdout. A task is idempotent: a finished run is skipped, an interrupted one resumed from
# its last completed epoch, so submitting the same sweep again redoes only what is missing.
#
# The binary: $REGMNIST, else `regmnist` on PATH, else ./build/regmnist; made absolute. It, the spec,
# the base config, the data and the working directory must be visible at the same paths on the
# compute nodes (a shared file system).
#
# Options given before SPEC:
#   --dry-run   print the sbatch command line and the batch script; submit nothing (a pruned spec's
#               --rung-tasks still refreshes OUT/rungs.csv, the decisions so far, when OUT exists)
#   --help      this text
# Everything after SPEC goes to sbatch, after the defaults below, so it overrides them
# (e.g. -p gpu, -c 2, --time=1:00:00, --mem=2G, --array=0-35%4 to run at most 4 at once).
#
# Defaults: --array=0-(N-1) --job-name=regmnist-<spec name> --chdir=<here> --requeue
#           --signal=B:USR1@60 --open-mode=append --output=slurm-%A_%a.out
# Threads per run are the base config's "threads": "auto" (the default) uses the CPUs a task gets
# (-c N: its affinity mask and SLURM_CPUS_PER_TASK); for a number, ask for as many CPUs with -c.
#
# Interruption, pre-emption and time limits:
# - regmnist stops on SIGTERM after the current step: it keeps the last completed epoch in
#   state.safetensors, writes summary.json with status "interrupted" and exits 143; the task's next
#   start (`--task-id i` again) resumes it, and its summary.json then holds "resumed_after_epoch".
# - The batch script runs regmnist in the background and waits; on a signal it forwards one SIGTERM.
# - Pre-emption (PreemptMode=REQUEUE), `scontrol requeue`, `scancel` and the time limit signal every
#   process of the job, regmnist included. The batch script's TERM trap therefore first gives
#   regmnist $REGMNIST_TERM_GRACE s (default 3, tenths allowed) to stop by itself and forwards SIGTERM only if it is
#   still running (a second SIGTERM would make regmnist exit at once, without its summary.json).
#   --requeue lets Slurm put a pre-empted or requeued task back in the queue, where it resumes
#   (after the cluster's AuthInfo cred_expire, 120 s by default).
# - Time limit: Slurm sends SIGUSR1 to the batch shell alone 60 s before the end (--signal). The
#   script forwards SIGTERM at once and, once regmnist has stopped (exit 143), requeues its own task
#   (`scontrol requeue JOBID_TASK`), which then resumes in a new allocation. It does so while the
#   task's SLURM_RESTART_COUNT is below $REGMNIST_MAX_REQUEUE (default 10), so a run whose epoch
#   never fits in the time limit does not loop for ever.
# - `scancel --batch --signal=TERM JOBID` (or --signal=B:TERM@N) reaches the batch shell alone: it
#   forwards SIGTERM after the grace; the task then ends (exit 143) and a later submit resumes it.
# REGMNIST_TERM_GRACE and REGMNIST_MAX_REQUEUE are read when submitting and written into the script.
#
# A spec with "prune" (successive halving) runs as one job array per rung, synchronously: the script
# asks `regmnist sweep SPEC --rung-tasks` for the next rung and its runs (the decisions recomputed
# from the runs' files), submits their array (`--task-id i --rung R`) and, below the last rung, a
# small job that depends on it (afterany) and runs this script again (--after-rung R) to submit the
# next rung. The decisions are the same as `sweep --jobs` makes (docs/search.md). If a rung's array
# did not complete (a task failed), the chain stops (exit 1) and submitting the sweep again resumes
# it. Those jobs' logs are slurm-%A_%a.out and slurm-%j.out.
#
# Exit status: 0 submitted (or --dry-run), 1 sbatch failed, 2 usage or sweep errors (regmnist's own
# message is shown), 127 regmnist or sbatch not found.
set -u

usage() { sed -n '2,/^[^#]/{/^#/{s/^# \{0,1\}//;p}}' "$0"; }
die() { echo "slurm-sweep: $2" >&2; exit "$1"; }

dry=0 after=-1
while [[ $# -gt 0 ]]; do
  case $1 in
    --dry-run) dry=1; shift ;;
    --after-rung) [[ ${2:-} =~ ^[0-9]+$ ]] || die 2 "--after-rung: want a rung number"; after=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    -*) die 2 "unknown option $1 before SPEC (sbatch options go after SPEC; see --help)" ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { usage >&2; exit 2; }
spec=$1; shift
user_opts=()
for a in "$@"; do [[ $a == --dry-run ]] && dry=1 || user_opts+=("$a"); done

# The binary: $REGMNIST, PATH, ./build/regmnist.
if [[ -n ${REGMNIST:-} ]]; then
  bin=$REGMNIST
  [[ -f $bin && -x $bin ]] || bin=$(command -v -- "$REGMNIST" 2>/dev/null) \
    || die 127 "REGMNIST=$REGMNIST: not an executable file"
elif bin=$(command -v regmnist 2>/dev/null); then :
elif [[ -x ./build/regmnist ]]; then bin=./build/regmnist
else die 127 "regmnist not found: set REGMNIST=/path/to/regmnist, put it on PATH, or build ./build/regmnist"
fi
bin=$(realpath -- "$bin") || die 127 "cannot resolve $bin"
[[ -f $spec ]] || die 2 "$spec: no such file"
spec=$(realpath -- "$spec") || die 2 "cannot resolve $spec"
here=$(pwd -P) || die 2 "cannot resolve the working directory"

# A pruned spec: the next rung's runs (its --rung-tasks line); else check every run's config
# (--list does; --count alone may not), then count the runs.
rung=-1 nrungs=0 array=
tasks=$("$bin" sweep "$spec" --rung-tasks 2> "${TMPDIR:-/tmp}/slurm-sweep.$$.err"); rc=$?
err=$(cat "${TMPDIR:-/tmp}/slurm-sweep.$$.err" 2> /dev/null); rm -f "${TMPDIR:-/tmp}/slurm-sweep.$$.err"
# exit 2 "the spec has no prune" is a plain sweep; any other failure (a bad spec, rungs.csv unwritable) stops here
[[ $rc -eq 0 || $err == *"--rung-tasks: the spec has no prune"* ]] || die "$rc" "${err#regmnist: }"
if [[ $rc -eq 0 ]]; then
  if [[ $tasks == done ]]; then echo "slurm-sweep: $spec: every rung is done" >&2; exit 0; fi
  read -r rung nrungs array <<< "$tasks"
  [[ $rung =~ ^[0-9]+$ && $array =~ ^[0-9,]+$ ]] || die 2 "$spec: regmnist sweep --rung-tasks printed '$tasks'"
  ((rung > after)) || die 1 "$spec: rung $rung did not complete (runs $array); see their logs, then submit the sweep again"
  n=$(($(tr -cd , <<< "$array" | wc -c) + 1))
else
  "$bin" sweep "$spec" --list > /dev/null || exit 2
  n=$("$bin" sweep "$spec" --count) || exit 2
  [[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || die 2 "$spec: regmnist sweep --count printed '$n'"
  array=0-$((n - 1))
fi

grace=${REGMNIST_TERM_GRACE:-3} max_requeue=${REGMNIST_MAX_REQUEUE:-10}
[[ $grace =~ ^([0-9]+)(\.([0-9]))?$ ]] || die 2 "REGMNIST_TERM_GRACE=$grace: want seconds, e.g. 3 or 0.5"
grace_tenths=$((10#${BASH_REMATCH[1]} * 10 + 10#${BASH_REMATCH[3]:-0}))
[[ $max_requeue =~ ^[0-9]+$ ]] || die 2 "REGMNIST_MAX_REQUEUE=$max_requeue: want a count"
name=$(basename -- "$spec" .json); name=${name//[^A-Za-z0-9._-]/_}
((rung >= 0)) && name+=-rung$rung
opts=(--array="$array" --job-name="regmnist-$name" --chdir="$here" --requeue --signal=B:USR1@60
      --open-mode=append --output=slurm-%A_%a.out --parsable "${user_opts[@]}")

# The batch script: values are quoted with printf %q, so paths with spaces or quotes survive.
script=$(cat <<EOF
#!/bin/bash
# regmnist sweep task, written by scripts/slurm-sweep.sh: run \$SLURM_ARRAY_TASK_ID of the sweep.
bin=$(printf %q "$bin")
spec=$(printf %q "$spec")
grace_tenths=$grace_tenths max_requeue=$max_requeue
rung_args=($( ((rung >= 0)) && echo --rung $rung))
cd $(printf %q "$here") || exit 1
EOF
)
script+=$'\n'$(cat <<'EOF'
task=${SLURM_ARRAY_TASK_ID:?not a Slurm array task}
echo "regmnist-sweep: task $task on ${SLURMD_NODENAME:-$HOSTNAME}, start $((${SLURM_RESTART_COUNT:-0} + 1)), $(date -u +%FT%TZ)" >&2
child= warned=0
# alive: regmnist has not exited (a zombie has: the state after "pid (comm) " is Z).
alive() {
  local st
  if [[ -r /proc/$child/stat ]] && read -r st < "/proc/$child/stat"; then st=${st##*) }; [[ ${st:0:1} != Z ]]
  else kill -0 "$child" 2> /dev/null; fi
}
# SIGTERM: Slurm's own kill signals regmnist too; give it the grace to stop, then forward one SIGTERM.
on_term() {
  local i
  for ((i = 0; i < grace_tenths; i++)); do alive || return 0; sleep 0.1; done
  echo "regmnist-sweep: task $task: SIGTERM, forwarded" >&2
  kill -TERM "$child" 2>/dev/null
}
# SIGUSR1 (--signal=B:USR1@60): the time limit is near; stop regmnist now, requeue afterwards.
on_warn() {
  warned=1
  echo "regmnist-sweep: task $task: time limit near, stopping the run" >&2
  kill -TERM "$child" 2>/dev/null
}
trap on_term TERM
trap on_warn USR1
"$bin" sweep "$spec" --task-id "$task" "${rung_args[@]}" &
child=$!
while wait "$child"; rc=$?; alive; do :; done   # a trapped signal ends `wait` early: wait again
wait "$child"; rc=$?                              # the child's own status
if [[ $rc -eq 143 && $warned -eq 1 ]]; then
  if [[ ${SLURM_RESTART_COUNT:-0} -lt $max_requeue ]]; then
    echo "regmnist-sweep: task $task: interrupted by the time limit; requeueing to resume" >&2
    for i in 1 2 3 4 5; do   # "Job can not be altered now, try again later" happens
      scontrol requeue "${SLURM_ARRAY_JOB_ID}_${task}" && break
      [[ $i -eq 5 ]] && echo "regmnist-sweep: task $task: scontrol requeue failed; submit the sweep again to resume" >&2
      sleep 2
    done
  else
    echo "regmnist-sweep: task $task: requeued ${SLURM_RESTART_COUNT} times; submit the sweep again to resume" >&2
  fi
fi
exit "$rc"
EOF
)

# The next rung's submitter: this script again, once the array has ended (pruned specs, below the last rung).
next=$(printf '%q ' env REGMNIST="$bin" REGMNIST_TERM_GRACE="$grace" REGMNIST_MAX_REQUEUE="$max_requeue" \
  bash "$(realpath -- "$0")" --after-rung "$rung" "$spec" "${user_opts[@]}")
next_opts=(--job-name="regmnist-$name-next" --chdir="$here" --output=slurm-%j.out --parsable)

if [[ $dry -eq 1 ]]; then
  printf '# %s runs%s; from %q:\n' "$n" "$( ((rung >= 0)) && echo " of rung $rung ($nrungs rungs)")" "$here"
  printf '%s' sbatch; printf ' %q' "${opts[@]}"; printf ' <<'"'"'SCRIPT'"'"'\n%s\nSCRIPT\n' "$script"
  if ((rung >= 0 && rung + 1 < nrungs)); then
    printf '%s' sbatch; printf ' %q' --dependency=afterany:JOBID "${next_opts[@]}" --wrap="$next"; printf '\n'
  fi
  exit 0
fi
command -v sbatch > /dev/null || die 127 "sbatch not found (is Slurm's client installed and on PATH?)"
out=$(sbatch "${opts[@]}" <<< "$script") || die 1 "sbatch failed"
jid=${out%%;*}
if ((rung < 0)); then
  echo "slurm-sweep: submitted job array $jid: $n tasks of regmnist sweep $spec --task-id 0..$((n - 1))" >&2
else
  echo "slurm-sweep: submitted job array $jid: rung $rung of $nrungs, $n tasks of regmnist sweep $spec --rung $rung" >&2
  if ((rung + 1 < nrungs)); then
    out=$(sbatch --dependency=afterany:"$jid" "${next_opts[@]}" --wrap="$next") || die 1 "sbatch failed (the next rung's job)"
    echo "slurm-sweep: submitted job ${out%%;*}: the next rung, once $jid has ended" >&2
  fi
fi
echo "$jid"
