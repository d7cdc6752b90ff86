#!/usr/bin/env bash
# mnist_search.sh - issue 19's measurement: random search + ASHA (configs/sweeps/mnist_reg_search.json)
# against a full grid of comparable resolution (configs/sweeps/mnist_reg_grid.json) on the 5% MNIST
# subset, 3 seeds; then the search again three ways that must change nothing: --jobs 1 instead of 2,
# interrupted mid-rung (SIGTERM to `sweep --jobs 2`) and run again, and on a private Slurm
# (scripts/slurm-sweep.sh, one job array per rung; tests/slurm_private.sh).
#
# usage: bench/mnist_search.sh [--bin REGMNIST] [--out DIR] [PHASE...]
#   PHASE: grid search jobs1 interrupt slurm report (default: all, in that order; report reads
#          whatever phases have run). Runs go to DIR (default bench/out/mnist_search) as
#          DIR/grid, DIR/search, DIR/search_jobs1, DIR/search_interrupted, DIR/search_slurm;
#          a phase whose directory exists is taken as done (delete it to run it again).
# Needs the source tree's data/mnist (scripts/get-data.sh mnist); runs in DIR. The grid is 300 runs of 27
# epochs (about 15 min with --jobs 2 on 2 cores); the search phases about a minute each.
# Prints a Markdown report: each side's best setting by mean val_loss over its seeds (full-budget
# settings only), its test accuracy mean ± std [95% CI], the total epochs trained, the grid's best
# test accuracy, and whether each rerun of the search equals the first (rungs.csv, every run's
# status, rung and metrics.csv without its seconds column). Exit 1 when a rerun differs.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$src/build/regmnist out=$src/bench/out/mnist_search phases=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    grid | search | jobs1 | interrupt | slurm | report) phases+=("$1"); shift ;;
    *) echo "mnist_search.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ ${#phases[@]} -gt 0 ]] || phases=(grid search jobs1 interrupt slurm report)
bin=$(realpath -- "$bin") || exit 2
mkdir -p "$out" && out=$(realpath -- "$out") || exit 2
[[ -d $src/data/mnist ]] || { echo "mnist_search.sh: no $src/data/mnist (scripts/get-data.sh mnist)" >&2; exit 2; }
export REGMNIST_DATA=$src/data
cd "$out" || exit 2   # Slurm's logs (slurm-*.out) land here too

# spec NAME DIR: the shipped spec NAME with its base made absolute and its out DIR, as $out/NAME-DIR.json
spec() {
  /usr/bin/env python3 - "$src/configs/sweeps/$1.json" "$out/$2" "$out/$1-$2.json" << 'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
s["base"] = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), s["base"])
s["out"] = sys.argv[2]
json.dump(s, open(sys.argv[3], "w"), indent=1)
PY
  echo "$out/$1-$2.json"
}
# sweep_timed DIR SPEC ARGS...: run the sweep unless DIR exists, its wall time into DIR.seconds
sweep_timed() {
  local dir=$1 s=$2; shift 2
  [[ -d $out/$dir ]] && { echo "mnist_search: $dir exists, taken as done" >&2; return 0; }
  local t0=$EPOCHREALTIME
  "$bin" sweep "$s" "$@" --quiet || { echo "mnist_search: sweep $dir failed" >&2; exit 1; }
  echo "$EPOCHREALTIME - $t0" | bc > "$out/$dir.seconds"
}

for p in "${phases[@]}"; do
  case $p in
    grid) sweep_timed grid "$(spec mnist_reg_grid grid)" --jobs 2 ;;
    search) sweep_timed search "$(spec mnist_reg_search search)" --jobs 2 ;;
    jobs1) sweep_timed search_jobs1 "$(spec mnist_reg_search search_jobs1)" --jobs 1 ;;
    interrupt)
      d=search_interrupted
      [[ -d $out/$d ]] && { echo "mnist_search: $d exists, taken as done" >&2; continue; }
      s=$(spec mnist_reg_search $d)
      # SIGTERM once some runs have passed rung 1 (3 epochs) and rung 0 is not all done: mid-rung
      "$bin" sweep "$s" --jobs 2 --quiet &
      pid=$!
      while kill -0 $pid 2> /dev/null; do
        n=$(grep -l '^3,' "$out/$d"/trial*/seed*/metrics.csv 2> /dev/null | wc -l)
        ((n >= 6)) && break
        sleep 0.2
      done
      kill -TERM $pid; wait $pid; rc=$?
      r0=$(grep -l '^1,' "$out/$d"/trial*/seed*/metrics.csv 2> /dev/null | wc -l)
      # a real interruption: the sweep stopped by the signal, mid-search, rung 0 not finished
      [[ $rc -eq 143 && $n -ge 6 && $r0 -lt 300 ]] ||
        { echo "mnist_search: the interruption missed (exit $rc, $n runs past 3 epochs, $r0 past rung 0)" >&2; exit 1; }
      echo "mnist_search: interrupted (exit $rc), $n runs past 3 epochs, $r0 of 300 past rung 0; again" >&2
      "$bin" sweep "$s" --jobs 2 --quiet || { echo "mnist_search: sweep $d failed when run again" >&2; exit 1; } ;;
    slurm)
      d=search_slurm
      [[ -d $out/$d ]] && { echo "mnist_search: $d exists, taken as done" >&2; continue; }
      (
        skip() { echo "mnist_search: no private Slurm: $*" >&2; exit 1; }
        t_start=$SECONDS
        source "$src/tests/slurm_private.sh"
        t_start=$SECONDS   # the sweep's time, not the daemons' start-up
        s=$(spec mnist_reg_search $d)
        jobs_submitted=1
        REGMNIST=$bin "$src/scripts/slurm-sweep.sh" "$s" -c 1 > /dev/null || exit 1
        while [[ -n $(squeue -h -o %i 2> /dev/null) ]]; do sleep 1; done
        [[ $("$bin" sweep "$s" --rung-tasks) == done ]] || { echo "mnist_search: the Slurm chain stopped before the end" >&2; exit 1; }
        echo "$((SECONDS - t_start))" > "$out/$d.seconds"
      ) || exit 1 ;;
    report) /usr/bin/env python3 "$src/bench/mnist_search_report.py" "$out" ;;
  esac
done
