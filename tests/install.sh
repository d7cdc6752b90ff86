#!/usr/bin/env bash
# Install into a temporary prefix and use it from elsewhere: the binary, the configs found by name,
# the sweep specs, and the man page. Also the config lookup from a source checkout.
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
# in a source checkout, ./configs
cd "$src"
bin=$build/regmnist
expect 0 "./configs by name" -- --config l2_dropout.json "${data[@]}" --print-config; has "$tmp/out" '"name":	"l2_dropout"'
finish
