#!/usr/bin/env bash
# report-screenshot.sh - the README's picture of `regmnist report`: runs the shipped iris dropout
# study (configs/sweeps/iris_dropout.json, 110 runs, a few seconds with --jobs 2) in a temporary
# directory, writes its report.html and screenshots the page's top in headless Chromium.
# usage: scripts/report-screenshot.sh [REGMNIST [OUT_PNG]]   (default build/regmnist, docs/img/report_iris.png)
# Needs gnuplot and chromium (scripts/packages.txt); run from the checkout (data/iris, see get-data.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/build/regmnist}") out=$(realpath -m "${2:-$root/docs/img/report_iris.png}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$root" "$tmp" <<'PY'
import json, sys
root, tmp = sys.argv[1:3]
s = json.load(open(f"{root}/configs/sweeps/iris_dropout.json"))
s["base"] = f"{root}/configs/iris.json"
s["out"] = f"{tmp}/iris_dropout"
json.dump(s, open(f"{tmp}/iris_dropout.json", "w"))
PY
cd "$root"
"$bin" sweep "$tmp/iris_dropout.json" --jobs 2 --quiet
"$bin" report "$tmp/iris_dropout"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=0.7 \
  --window-size=1150,2300 --screenshot="$out" "file://$tmp/iris_dropout/report.html" > /dev/null 2>&1
echo "wrote $out ($(stat -c %s "$out") bytes)"
