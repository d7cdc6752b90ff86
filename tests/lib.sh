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
# same GOT WANT DESCRIPTION: a value equals the expected one
same() { if [[ "$1" == "$2" ]]; then ok; else no "$3: '$1' != '$2'"; fi; }
# json FILE a.b.c: a value of a JSON file, by its dotted path
json() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"; }
# rows CSV: the rows below the header
rows() { echo $(($(wc -l < "$1") - 1)); }
finish() { echo "$pass passed, $fail failed"; [[ $fail -eq 0 ]]; }
# broken_sweep_json GOOD OUT KIND: OUT is the sweep.json GOOD (a pruned sweep's) broken one way,
# KIND one of $BROKEN_SWEEP_JSON: truncated (cut in the middle), junk (something after the object),
# rung95 ("rungs": [1, 9.5]), val_foo (prune.metric); broken_why KIND: what the error line says
BROKEN_SWEEP_JSON="truncated junk rung95 val_foo"
broken_sweep_json() {
  python3 - "$@" <<'PY'
import json, sys
good, out, kind = sys.argv[1:]
t = open(good).read()
if kind == "truncated": t = t[: len(t) // 2]
elif kind == "junk": t += "x\n"
else:
    j = json.loads(t)
    if kind == "rung95": j["rungs"] = [1, 9.5]
    else: j["prune"]["metric"] = "val_foo"
    t = json.dumps(j)
open(out, "w").write(t)
PY
}
broken_why() {
  case $1 in
    truncated | junk) echo "sweep.json: not one valid JSON value" ;;
    rung95) echo "sweep.json: rungs[1]: expected a whole number of epochs" ;;
    val_foo) echo "sweep.json: prune.metric: expected \"val_loss\" or \"val_acc\", not val_foo" ;;
  esac
}
