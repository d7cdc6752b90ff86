#!/usr/bin/env bash
# threads "auto" fits the CPUs the process may use (issue 21 item 5): the affinity mask (taskset), a
# cgroup v2 cpu.max quota, SLURM_CPUS_PER_TASK and OMP_NUM_THREADS; summary.json's threads_source
# names what decided; a malformed variable exits 2 naming it; a number in the config reads none of
# them; `sweep --jobs N` divides the same count. The cgroup case needs root and a cgroup v2 with the
# cpu controller at /sys/fs/cgroup (else it prints a SKIPPED line and the rest still runs).
# usage: threads.sh REGMNIST SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
cg=""
trap '[[ -n $cg ]] && rmdir "$cg" 2> /dev/null; rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
unset SLURM_CPUS_PER_TASK OMP_NUM_THREADS # the cases set them one at a time

python3 "$src/tests/tiny_idx.py" "$tmp/data" 100 50 || { echo "FAIL: cannot generate data"; exit 1; }
cat > "$tmp/c.json" <<JSON
{"name": "t", "data": {"dir": "$tmp/data"}, "model": {"hidden": [8]}, "training": {"epochs": 1, "batch_size": 50}}
JSON
n=0
# run WANT_THREADS WANT_SOURCE DESCRIPTION [env VAR=V...] [taskset -c L] -- [regmnist args]: trains
# the tiny config and checks summary.json's threads and threads_source
run() {
  local want=$1 source=$2 what=$3 pre=()
  shift 3
  while [[ $1 != -- ]]; do pre+=("$1"); shift; done
  shift
  n=$((n + 1))
  "${pre[@]}" "$bin" --config "$tmp/c.json" --out "$tmp/r$n" --quiet "$@" 2> "$tmp/err" ||
    { no "$what: exit $?: $(cat "$tmp/err")"; return; }
  same "$(json "$tmp/r$n/summary.json" threads)" "$want" "$what: threads"
  same "$(json "$tmp/r$n/summary.json" threads_source)" "$source" "$what: threads_source"
  same "$(json "$tmp/r$n/config.json" threads)" "$want" "$what: the resolved config's threads"
}

# The machine as this test finds it: the affinity mask, perhaps limited by a cgroup quota.
aff=$(python3 -c 'import os; print(min(64, len(os.sched_getaffinity(0))))')
"$bin" --config "$tmp/c.json" --out "$tmp/r0" --quiet 2> "$tmp/err" && ok || no "auto: $(cat "$tmp/err")"
all=$(json "$tmp/r0/summary.json" threads)
case $(json "$tmp/r0/summary.json" threads_source) in
  affinity) same "$all" "$aff" "auto: the CPUs of the affinity mask" ;;
  cgroup) [[ $all -lt $aff ]] && ok || no "auto: a cgroup quota decided $all threads, not fewer than the $aff CPUs" ;;
  *) no "auto: threads_source $(json "$tmp/r0/summary.json" threads_source), want affinity or cgroup" ;;
esac
run 3 config "a number" env OMP_NUM_THREADS=1 SLURM_CPUS_PER_TASK=junk -- --threads 3 # no variable read
run 1 config "threads 1 in the config" env -- --set threads=1

if command -v taskset > /dev/null; then
  run 1 affinity "taskset -c 0" taskset -c 0 --
  run 1 affinity "taskset -c 0 and OMP_NUM_THREADS=1 (a tie: affinity comes first)" env OMP_NUM_THREADS=1 taskset -c 0 --
  out=$(taskset -c 0 "$bin" --config "$tmp/c.json" --print-config) && ok || no "taskset -c 0 --print-config"
  [[ $out == *'"threads":	1,'* ]] && ok || no "--print-config under taskset -c 0: $out"
else
  echo "SKIPPED: taskset cases (taskset, util-linux, is not installed)"
fi

if [[ $all -ge 2 ]]; then
  run 1 OMP_NUM_THREADS "OMP_NUM_THREADS=1" env OMP_NUM_THREADS=1 --
  run 1 SLURM_CPUS_PER_TASK "SLURM_CPUS_PER_TASK=1" env SLURM_CPUS_PER_TASK=1 --
  run 1 SLURM_CPUS_PER_TASK "both 1 (a tie: SLURM_CPUS_PER_TASK comes first)" env SLURM_CPUS_PER_TASK=1 OMP_NUM_THREADS=1 --
  run 1 OMP_NUM_THREADS "OMP_NUM_THREADS below SLURM_CPUS_PER_TASK" env SLURM_CPUS_PER_TASK=2 OMP_NUM_THREADS=1 --
  run "$all" affinity "variables above the CPUs" env SLURM_CPUS_PER_TASK=1000000000000 OMP_NUM_THREADS=0100000 --
else
  echo "SKIPPED: SLURM_CPUS_PER_TASK and OMP_NUM_THREADS deciding (one CPU here: the affinity mask decides every tie)"
  run 1 affinity "OMP_NUM_THREADS=1 on one CPU" env OMP_NUM_THREADS=1 --
fi

# A malformed variable: exit 2, one line naming it, nothing written; --print-config and sweep too.
for v in OMP_NUM_THREADS SLURM_CPUS_PER_TASK; do
  for bad in abc 0 -1 2x "" " 2" "1,2" "+3" "2.0"; do
    env "$v=$bad" "$bin" --config "$tmp/c.json" --out "$tmp/bad" --quiet > "$tmp/out" 2> "$tmp/err"
    same "$?" 2 "$v='$bad': exit"
    has "$tmp/err" "regmnist: $v: expected a positive whole number, got '$bad'"
    lines "$tmp/err" 1
    [[ ! -e $tmp/bad ]] && ok || no "$v='$bad': a run directory was written"
  done
done
env OMP_NUM_THREADS=x "$bin" --print-config > /dev/null 2> "$tmp/err"; same "$?" 2 "--print-config, OMP_NUM_THREADS=x"
has "$tmp/err" "OMP_NUM_THREADS: expected a positive whole number, got 'x'"

# sweep --jobs N: threads per run = the same count / N (under taskset -c 0: 1, not the cores online).
mkdir -p "$tmp/specs"
cat > "$tmp/specs/s.json" <<JSON
{"name": "s", "base": "../c.json", "seeds": [1], "out": "$tmp/sweep"}
JSON
if command -v taskset > /dev/null; then
  taskset -c 0 "$bin" sweep "$tmp/specs/s.json" --jobs 1 --quiet 2> "$tmp/err" && ok || no "sweep: $(cat "$tmp/err")"
  same "$(json "$tmp/sweep/seed1/summary.json" threads)" 1 "sweep --jobs 1 under taskset -c 0: threads"
  rm -rf "$tmp/sweep"
fi
env OMP_NUM_THREADS=1 "$bin" sweep "$tmp/specs/s.json" --jobs 1 --threads auto --quiet 2> "$tmp/err" && ok ||
  no "sweep --threads auto: $(cat "$tmp/err")"
same "$(json "$tmp/sweep/seed1/summary.json" threads)" 1 "sweep --threads auto, OMP_NUM_THREADS=1: threads"
[[ $all -ge 2 ]] && want=OMP_NUM_THREADS || want=affinity
same "$(json "$tmp/sweep/seed1/summary.json" threads_source)" "$want" "sweep --threads auto: each run counts for itself"
rm -rf "$tmp/sweep"
env OMP_NUM_THREADS=x "$bin" sweep "$tmp/specs/s.json" --jobs 1 --threads 1 --quiet 2> "$tmp/err"
same "$?" 0 "sweep --threads 1 reads no variable"
env OMP_NUM_THREADS=x "$bin" sweep "$tmp/specs/s.json" --jobs 2 --quiet 2> "$tmp/err"
same "$?" 2 "sweep --jobs 2, OMP_NUM_THREADS=x: exit"
has "$tmp/err" "OMP_NUM_THREADS: expected a positive whole number, got 'x'"

# cpu.max as regmnist reads it, through a private mount namespace (unshare -m, root) whose
# /sys/fs/cgroup is a tmpfs holding the file: the whole path from /proc/self/cgroup to the count.
# with_cpu_max TEXT ARGS...: run ARGS with /sys/fs/cgroup/cpu.max holding TEXT
with_cpu_max() {
  unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup && printf "$0" > /sys/fs/cgroup/cpu.max && exec "$@"' "$@"
}
if [[ $(id -u) -eq 0 ]] && command -v unshare > /dev/null && with_cpu_max 'max 100000\n' true 2> /dev/null; then
  if [[ $all -ge 2 && $(json "$tmp/r0/summary.json" threads_source) == affinity ]]; then
    run 1 cgroup "cpu.max 50000 100000 (a private mount)" with_cpu_max '50000 100000\n' --
    run "$all" affinity "cpu.max max 100000 (a private mount)" with_cpu_max 'max 100000\n' --
    run "$all" affinity "cpu.max of as many CPUs (a tie: affinity comes first)" with_cpu_max "${all}00000 100000\n" --
    run 1 cgroup "cpu.max 50000 100000 and OMP_NUM_THREADS=1 (a tie: the cgroup comes first)" \
      with_cpu_max '50000 100000\n' env OMP_NUM_THREADS=1 --
  else
    echo "SKIPPED: cpu.max deciding (one CPU here, or a cgroup quota already decides)"
  fi
  with_cpu_max '5x0000 100000\n' "$bin" --config "$tmp/c.json" --out "$tmp/bad" --quiet > /dev/null 2> "$tmp/err"
  same "$?" 3 "a malformed cpu.max: exit"
  has "$tmp/err" "regmnist: /sys/fs/cgroup/cpu.max: expected \"max PERIOD\" or \"QUOTA PERIOD\", got '5x0000 100000\n'"
  lines "$tmp/err" 1
  with_cpu_max '5x0000 100000\n' "$bin" --config "$tmp/c.json" --out "$tmp/bad" --quiet --threads 1 2> "$tmp/err" &&
    ok || no "a malformed cpu.max read although threads is 1: $(cat "$tmp/err")"
else
  echo "SKIPPED: cpu.max through a private mount (needs root and unshare -m)"
fi

# cgroup v2: a child of the root cgroup with cpu.max "50000 100000" (half a CPU: 1 thread).
root=/sys/fs/cgroup
why=""
if [[ $(id -u) -ne 0 ]]; then why="not root"
elif [[ ! -f $root/cgroup.controllers ]]; then why="$root is not a cgroup v2 mount"
elif ! grep -qw cpu "$root/cgroup.subtree_control"; then why="the cpu controller is not enabled in $root/cgroup.subtree_control"
elif [[ $all -lt 2 ]]; then why="one CPU here: the affinity mask decides every tie"
elif ! mkdir "$root/regmnist-threads-$$" 2> /dev/null; then why="cannot create a cgroup under $root"
else
  cg=$root/regmnist-threads-$$
  if ! echo "50000 100000" > "$cg/cpu.max" 2> /dev/null; then why="cannot write $cg/cpu.max"; fi
fi
if [[ -n $why ]]; then
  echo "SKIPPED: the cgroup v2 case ($why)"
else
  run 1 cgroup "cgroup cpu.max 50000 100000" sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" --
  run 1 cgroup "SLURM_CPUS_PER_TASK=1 in that cgroup (a tie: the cgroup comes first)" \
    sh -c 'echo $$ > "$0/cgroup.procs" && exec env SLURM_CPUS_PER_TASK=1 "$@"' "$cg" --
fi
finish
