# lib.sh - shared helpers of the shell tests; source it after setting bin (the regmnist binary) and
# tmp (a scratch dir). Counts passes and failures; `finish` prints the tally and sets the status.
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# expect CODE DESCRIPTION -- ARGS...: runs regmnist, keeps stdout in $tmp/out and stderr in $tmp/err
expect() {
  local want=$1 what=$2; shift 3
  "$bin" "$@" > "$tmp/out" 2> "$tmp/err"
  local got=$?
  if [[ $got -eq $want ]]; then ok; else no "$what: exit $got, want $want; stderr: $(cat "$tmp/err")"; fi
}
has() { if grep -qF -- "$2" "$1"; then ok; else no "expected '$2' in $1: $(cat "$1")"; fi; }
lines() { local n; n=$(wc -l < "$1"); if [[ $n -eq $2 ]]; then ok; else no "$1 has $n lines, want $2: $(cat "$1")"; fi; }
finish() { echo "$pass passed, $fail failed"; [[ $fail -eq 0 ]]; }
