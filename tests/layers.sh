#!/usr/bin/env bash
# Headers point downward only (core < nn < data < io < run < cli) and no two modules include each
# other (tests/layers.py); and the check fails on a copy of the tree with an upward include or a cycle.
# usage: layers.sh SOURCE_DIR
set -u
src=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/lib.sh"
python3 "$src/tests/layers.py" "$src" > "$tmp/out" 2>&1 && ok || no "$(cat "$tmp/out")"
# an upward include: core's rng.c including the run layer's rm_train.h
cp -r "$src/include" "$src/src" "$tmp/"
sed -i '0,/^#include "rm_rng.h"/s//#include "rm_rng.h"\n#include "rm_train.h"/' "$tmp/src/core/rng.c"
python3 "$src/tests/layers.py" "$tmp" > "$tmp/out" 2>&1
[[ $? -eq 1 ]] && ok || no "layers.py passed core including rm_train.h"
has "$tmp/out" "src/core/rng.c:"
has "$tmp/out" "core includes rm_train.h of run, a higher layer"
# a cycle: the pool module including rng and the rng module including the pool
cp "$src/src/core/rng.c" "$tmp/src/core/rng.c"
sed -i 's/^#include "rm_common.h"$/#include "rm_common.h"\n#include "rm_rng.h"/' "$tmp/include/rm_pool.h"
echo '#include "rm_pool.h"' >> "$tmp/src/core/rng.c"
python3 "$src/tests/layers.py" "$tmp" > "$tmp/out" 2>&1
[[ $? -eq 1 ]] && ok || no "layers.py passed a module cycle"
has "$tmp/out" "module cycle: rm_pool.h -> rm_rng.h -> rm_pool.h"
finish
