#!/usr/bin/env bash
# Install into a temporary prefix and use it from elsewhere: the binary, the configs found by name,
# the sweep specs, and the man page; from /, the whole path with the installed tools: fetch iris
# (copied from the checkout's data/iris, so the fetcher only verifies it: no network), train it by
# name, sweep, summarize, plot and report, and the errors for missing data naming the fetch command. Also the
# config lookup from a source checkout.
# usage: install.sh BUILD_DIR SOURCE_DIR
set -u
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/prefix/bin/regmnist
source "$src/tests/lib.sh"
python3 "$src/tests/tiny_idx.py" "$tmp/data" 40 20 || { echo "FAIL: cannot generate data"; exit 1; }
data=(--set "data.dir=\"$tmp/data\"")
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" 2>&1 && ok || no "cmake --install failed: $(cat "$tmp/install.log")"
[[ -x $bin ]] && ok || no "no bin/regmnist"
[[ -s $tmp/prefix/share/regmnist/configs/l2_dropout.json ]] && ok || no "configs not installed"
[[ -s $tmp/prefix/share/regmnist/configs/sweeps/seed_table.json ]] && ok || no "sweep specs not installed"
# man-db (scripts/packages.txt) renders it; piped, man strips the overstrike bold
man -l "$tmp/prefix/share/man/man1/regmnist.1" > "$tmp/man.txt" 2> "$tmp/man.err" && ok || no "man -l failed: $(cat "$tmp/man.err")"
for w in --resume --force --print-config "EXIT STATUS" REGMNIST_CONFIG_PATH summarize compare sweep eval 130; do
  has "$tmp/man.txt" "$w"
done
# by name, from anywhere: the installed configs
mkdir "$tmp/elsewhere"; cd "$tmp/elsewhere"
expect 0 "installed config by name" -- --config l2_dropout.json "${data[@]}" --print-config; has "$tmp/out" '"name":	"l2_dropout"'
expect 0 "installed sweep by name" -- sweep seed_table.json --count; [[ $(cat "$tmp/out") == 12 ]] && ok || no "seed_table runs: $(cat "$tmp/out")"
expect 2 "a missing name lists where it looked" -- --config nope.json --print-config
has "$tmp/err" "nope.json: not found (looked in ., ./configs, $tmp/prefix/bin/../share/regmnist/configs"
# $REGMNIST_CONFIG_PATH comes before ./configs and the installed ones
mkdir -p "$tmp/mine"; echo '{"name": "mine"}' > "$tmp/mine/l2_dropout.json"
REGMNIST_CONFIG_PATH=$tmp/nothing:$tmp/mine expect 0 "REGMNIST_CONFIG_PATH" -- --config l2_dropout.json "${data[@]}" --print-config
has "$tmp/out" '"name":	"mine"'
# regmnist --help names the installed fetcher and plotter
expect 0 "--help" -- --help; has "$tmp/out" regmnist-get-data; has "$tmp/out" regmnist-plot
[[ -x $tmp/prefix/bin/regmnist-get-data && -x $tmp/prefix/bin/regmnist-plot ]] && ok || no "fetcher or plotter not installed"

# From /, with no data anywhere: the error lists where it looked and the command that fetches it.
cd /
export HOME=$tmp/home XDG_DATA_HOME=$tmp/xdg REGMNIST_SKLEARN_DIR=$tmp/no-sklearn REGMNIST_OFFLINE=1
unset REGMNIST_DATA REGMNIST
expect 3 "missing iris" -- --config iris.json --print-config; lines "$tmp/err" 1
has "$tmp/err" "data/iris/iris.csv: not found (looked in ./data/iris/iris.csv, $tmp/xdg/regmnist/iris/iris.csv); fetch it with regmnist-get-data iris"
expect 3 "missing mnist" -- --config l2_dropout.json --print-config
has "$tmp/err" "data/mnist/train-images-idx3-ubyte: not found (looked in ./data/mnist, $tmp/xdg/regmnist/mnist, each also as .gz); fetch it with regmnist-get-data mnist"
REGMNIST_DATA=$tmp/rd expect 3 "missing iris, REGMNIST_DATA first" -- --config iris.json --print-config
has "$tmp/err" "(looked in $tmp/rd/iris/iris.csv, ./data/iris/iris.csv, $tmp/xdg/regmnist/iris/iris.csv)"
# the fetcher's destination outside a checkout: the per-user data directory (XDG_DATA_HOME) ...
"$tmp/prefix/bin/regmnist-get-data" iris > "$tmp/out" 2> "$tmp/err" && no "fetched iris with no source" || ok
has "$tmp/err" "REGMNIST_SKLEARN_DIR=$tmp/no-sklearn is not a directory"
[[ -d $tmp/xdg/regmnist/iris ]] && ok || no "the fetcher did not make $tmp/xdg/regmnist/iris"
# ... or, set, REGMNIST_DATA
REGMNIST_DATA=$tmp/rd "$tmp/prefix/bin/regmnist-get-data" iris > "$tmp/out" 2> "$tmp/err" && no "fetched iris with no source" || ok
[[ -d $tmp/rd/iris ]] && ok || no "the fetcher did not make $tmp/rd/iris"
if [[ ! -s $src/data/iris/iris.csv ]]; then
  echo "install: $src/data/iris missing (scripts/get-data.sh iris): fetch, train, sweep and plot skipped"
else
  cp "$src/data/iris/"* "$tmp/xdg/regmnist/iris/"
  "$tmp/prefix/bin/regmnist-get-data" iris > "$tmp/out" 2> "$tmp/err" && ok || no "regmnist-get-data iris: $(cat "$tmp/err")"
  has "$tmp/err" "iris: already present and verified"
  expect 0 "train iris by name from /" -- --config iris.json --set training.epochs=3 --out "$tmp/runs/iris" --quiet
  same "$(rows "$tmp/runs/iris/metrics.csv")" 3 "epochs of the iris run"
  same "$(json "$tmp/runs/iris/summary.json" status)" ok "status of the iris run"
  # $REGMNIST_DATA comes before the per-user directory: an empty iris.csv there is what the run reads
  : > "$tmp/rd/iris/iris.csv"
  REGMNIST_DATA=$tmp/rd expect 3 "REGMNIST_DATA first" -- --config iris.json --print-config; has "$tmp/err" "$tmp/rd/iris/iris.csv"
  cat > "$tmp/sweep.json" <<EOF
{"name": "tiny", "base": "$tmp/prefix/share/regmnist/configs/iris.json", "set": {"training.epochs": 2},
 "grid": {"regularization.l2": [0, 0.001]}, "seeds": [1, 2], "out": "$tmp/runs/sweep"}
EOF
  expect 0 "sweep from /" -- sweep "$tmp/sweep.json" --jobs 2 --quiet
  same "$(rows "$tmp/runs/sweep/index.csv")" 4 "runs of the sweep"
  expect 0 "summarize from /" -- summarize "$tmp/runs/sweep" --out "$tmp/sum" --quiet
  same "$(rows "$tmp/sum/groups.csv")" 2 "groups of the sweep"
  if command -v gnuplot > /dev/null; then
    # the plotter finds the regmnist beside it (none on PATH, no $REGMNIST)
    PATH=/usr/bin:/bin "$tmp/prefix/bin/regmnist-plot" sweep "$tmp/runs/sweep" --x l2 --y test_acc --out "$tmp/sweep.png" 2> "$tmp/err" &&
      ok || no "regmnist-plot sweep: $(cat "$tmp/err")"
    [[ -s $tmp/sweep.png ]] && ok || no "no sweep.png"
    "$tmp/prefix/bin/regmnist-plot" curves "$tmp/runs/iris" --out "$tmp/curves.png" 2> "$tmp/err" && ok || no "regmnist-plot curves: $(cat "$tmp/err")"
    [[ -s $tmp/curves.png ]] && ok || no "no curves.png"
    # the installed binary draws them itself
    expect 0 "plot sweep from /" -- plot sweep "$tmp/runs/sweep" --x l2 --y train_eval_acc,test_acc --out "$tmp/p.svg" --quiet
    grep -qF "L2 strength" "$tmp/p.svg" && ok || no "plot sweep from /: no x label in p.svg"
    expect 0 "plot curves from /" -- plot curves "$tmp/runs/iris" --y test_loss --out "$tmp/pc.png" --quiet
    # ... and the report: one self-contained page (inline SVG figures, no link out of the file)
    expect 0 "report from /" -- report "$tmp/runs/sweep" --out "$tmp/report.html" --quiet
    [[ $(grep -c "<svg" "$tmp/report.html") -ge 1 ]] && ok || no "report from /: no inline figure"
    grep -qE '(src|href)="(https?:|file:|/)' "$tmp/report.html" && no "report from /: links out of the file" || ok
  else
    echo "install: gnuplot not found: regmnist-plot skipped"
  fi
fi

# in a source checkout, ./configs
cd "$src"
bin=$build/regmnist
expect 0 "./configs by name" -- --config l2_dropout.json "${data[@]}" --print-config; has "$tmp/out" '"name":	"l2_dropout"'
finish
