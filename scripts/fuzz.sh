#!/usr/bin/env bash
# Build every libFuzzer harness fuzz/fuzz_<name>.c with clang (-fsanitize=fuzzer,address,undefined)
# into build-fuzz/, then run each target, one at a time, for SECONDS (default 30) on a scratch corpus
# seeded from fuzz/corpus/<name>/ (the committed corpus is read, never grown). SECONDS 0 only replays
# the committed corpus once (a regression run). A harness may carry a line "FUZZ_OPTIONS: <flags>"
# (e.g. -max_len=N, -dict=FILE) that is passed to its fuzzer; fuzz/<name>.dict is used when present.
# Exits non-zero when a source or harness fails to build or any target crashes; a crash input is kept
# as build-fuzz/<name>/crash-* (or leak-*, timeout-*, oom-*) and reproduced by running the fuzzer on it.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: ${all[*]})"; }

all=()
for f in fuzz/fuzz_*.c; do
  [[ -e $f ]] || continue
  t=${f#fuzz/fuzz_}
  all+=("${t%.c}")
done

secs=30
if [[ ${1:-} == -h || ${1:-} == --help ]]; then usage; exit 0; fi
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
  secs=$1
  shift
fi
targets=()
for a in "$@"; do
  t=${a#fuzz_}
  t=${t%.c}
  [[ -f fuzz/fuzz_$t.c ]] || { echo "fuzz: unknown target '$a'" >&2; usage >&2; exit 2; }
  targets+=("$t")
done
((${#targets[@]})) || targets=("${all[@]}")
((${#targets[@]})) || { echo "fuzz: no harness fuzz/fuzz_*.c" >&2; exit 2; }

cc=${FUZZ_CC:-clang}
command -v "$cc" >/dev/null 2>&1 || { echo "fuzz: $cc not found; run scripts/setup.sh (clang, libclang-rt-dev)" >&2; exit 2; }
out=build-fuzz
mkdir -p "$out/obj"
read -r -a blas_cflags <<<"$(pkg-config --cflags openblas)"
cflags=(-std=c11 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all -Wall -Wextra -Iinclude "${blas_cflags[@]}")
libs=(-lcjson -lz -lopenblas -lm -lpthread)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The library: every .c under src/ but main.c, instrumented, into an archive (a harness pulls in what
# it uses). Objects are rebuilt when their source, a header or the flags changed.
stamp="$out/obj/flags"
flags_now="$cc ${cflags[*]} $($cc --version | head -n1)"
[[ -f $stamp && $(cat "$stamp") == "$flags_now" ]] || { rm -f "$out"/obj/*.o; echo "$flags_now" >"$stamp"; }
newest_header=$(ls -t $(find include src -name '*.h') | head -n1)
mapfile -t sources < <(find src -name '*.c' ! -name main.c | LC_ALL=C sort)
((${#sources[@]})) || { echo "fuzz: no sources under src/" >&2; exit 2; }
objs=()
bad_src=()
for src in "${sources[@]}"; do
  rel=${src#src/}
  obj="$out/obj/${rel//\//_}"
  obj=${obj%.c}.o
  if [[ ! -f $obj || $src -nt $obj || $newest_header -nt $obj ]]; then
    echo "fuzz: compiling $src" >&2
    if ! "$cc" "${cflags[@]}" -fsanitize=fuzzer-no-link,address,undefined -c "$src" -o "$obj" 2>"$out/obj/err.txt"; then
      echo "fuzz: $src does not compile:" >&2
      head -n 20 "$out/obj/err.txt" >&2
      rm -f "$obj"
      bad_src+=("$src")
      continue
    fi
  fi
  objs+=("$obj")
done
rm -f "$out/libregmnist_fuzz.a"
ar rcs "$out/libregmnist_fuzz.a" "${objs[@]}"

status=0
((${#bad_src[@]} == 0)) || status=1
report=()
for t in "${targets[@]}"; do
  bin="$out/fuzz_$t"
  echo "fuzz: building $bin" >&2
  if ! "$cc" "${cflags[@]}" -fsanitize=fuzzer,address,undefined "fuzz/fuzz_$t.c" "$out/libregmnist_fuzz.a" \
      "${libs[@]}" -o "$bin"; then
    report+=("$t: BUILD FAILED")
    status=1
    continue
  fi

  dir="$out/$t"
  mkdir -p "$dir"
  rm -rf "$dir/corpus"
  mkdir -p "$dir/corpus"
  seeds=()
  [[ -d fuzz/corpus/$t ]] && seeds=("fuzz/corpus/$t")
  opts=()
  line=$(sed -n 's/.*FUZZ_OPTIONS:[[:space:]]*//p' "fuzz/fuzz_$t.c" | head -n1)
  [[ -n $line ]] && read -r -a opts <<<"$line"
  [[ -f fuzz/$t.dict && " ${opts[*]} " != *" -dict="* ]] && opts+=(-dict="fuzz/$t.dict")
  log="$dir/fuzz.log"
  if ((secs > 0)); then
    run=(-max_total_time="$secs")
    echo "fuzz: running $t for $secs s (log: $log)" >&2
  else
    run=(-runs=0)
    echo "fuzz: replaying the corpus of $t (log: $log)" >&2
  fi
  rc=0
  "$bin" "${run[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/" \
    "${opts[@]}" "$dir/corpus" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  # the inputs this run wrote, as libFuzzer reports them ("Test unit written to DIR/crash-SHA1")
  new=$(sed -n 's#.*Test unit written to .*/\(\(crash\|leak\|timeout\|oom\)-[0-9a-f]*\)$#\1#p' "$log" | LC_ALL=C sort -u)
  runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -n1)
  [[ -n $runs ]] || runs=$(sed -n 's/^Done \([0-9]*\) runs in.*/\1/p' "$log" | tail -n1)
  [[ -n $runs ]] || runs='?'
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n1 || true)
  ncrash=$(grep -c . <<<"$new" || true)
  if ((rc == 0 && ncrash == 0)); then
    report+=("$t: $runs executions${took:+ in $took s}, 0 crashes${cov:+ ($cov)}")
    continue
  fi
  status=1
  if ((ncrash == 0)); then
    report+=("$t: FAILED (exit $rc) after $runs executions, no crash input written; see $log")
    tail -n 30 "$log" >&2
    continue
  fi
  for c in $new; do
    report+=("$t: CRASH after $runs executions: $dir/$c   reproduce: (cd $dir && FUZZ_VERBOSE=1 ../fuzz_$t $c)")
  done
  echo "fuzz: $t crashed; from $log:" >&2
  awk '/^fuzz: property violated|^==[0-9]+== ?ERROR|runtime error:/ { on = 1 } on { print } /^SUMMARY/ { exit }' "$log" |
    grep -v 'in fuzzer::\|libc_start\|in _start\|in main ' | head -n 60 >&2
done

echo "fuzz: results (${secs} s per target):"
for r in "${report[@]}"; do echo "  $r"; done
((${#bad_src[@]} == 0)) || echo "  sources that do not compile: ${bad_src[*]}"
exit "$status"
