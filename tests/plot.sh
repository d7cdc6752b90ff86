#!/usr/bin/env bash
# scripts/plot.sh renders real files: curves of runs, a sweep's mean ± std against a key (linear and
# logarithmic x), weight statistics, PNG and SVG; and refuses bad input with exit 2.
# usage: plot.sh REGMNIST SOURCE_DIR      (exit 77 = skipped: gnuplot missing and not installable)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/lib.sh"
if ! command -v gnuplot > /dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get > /dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnuplot-nox > "$tmp/apt.log" 2>&1
  fi
  command -v gnuplot > /dev/null || { echo "plot: SKIPPED: gnuplot (gnuplot-nox) is not installed"; exit 77; }
fi
plot=$src/scripts/plot.sh
export REGMNIST=$bin
png() { # png FILE WHAT: a real PNG of some size
  if [[ -s $1 && $(head -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a && $(stat -c %s "$1") -gt 5000 ]]; then ok
  else no "$2: $1 is not a PNG of some size"; fi
}
python3 "$src/tests/tiny_idx.py" "$tmp/data" 200 100 || exit 1
cat > "$tmp/base.json" <<JSON
{"name": "b", "data": {"dir": "$tmp/data", "val_fraction": 0.2}, "model": {"hidden": [8]}, "training": {"epochs": 3, "batch_size": 16}}
JSON
cat > "$tmp/s.json" <<JSON
{"name": "p", "base": "base.json", "grid": {"regularization.l2": [1e-5, 1e-3], "model.dropout": [0, 0.3]},
 "seeds": [1, 2], "out": "$tmp/sw"}
JSON
"$bin" sweep "$tmp/s.json" --jobs 2 --quiet || { echo "FAIL: sweep"; exit 1; }
cd "$tmp"
"$plot" curves "sw/l2=1e-5,dropout=0/seed1" "sw/l2=0.001,dropout=0.3/seed2" --out c.png 2> err && ok || no "curves: $(cat err)"
png c.png curves
"$plot" curves "sw/l2=1e-5,dropout=0/seed1" --svg --out c.svg 2> err && ok || no "curves --svg: $(cat err)"
head -c 200 c.svg | grep -q "<svg" && ok || no "c.svg is not SVG"
"$plot" sweep sw --x l2 --y test_acc --out s.png 2> err && ok || no "sweep: $(cat err)"
png s.png sweep
"$plot" sweep sw --x model.dropout --y gap --out d.png 2> err && ok || no "sweep by dropout: $(cat err)"
png d.png "sweep by dropout"
printf 'epoch,tensor,numel,mean,std,l1,l2,max_abs,frac_small,grad_l2\n1,fc0.weight,10,0,1,5,3,1,0.1,0.5\n2,fc0.weight,10,0,1,4,2.5,1,0.3,0.4\n1,out.weight,5,0,1,2,1,1,0,0.2\n2,out.weight,5,0,1,2,0.9,1,0.2,0.1\n' > w.csv
mkdir wrun && cp w.csv wrun/weights.csv && cp "sw/l2=1e-5,dropout=0/seed1/summary.json" wrun/
"$plot" weights wrun --out w.png 2> err && ok || no "weights: $(cat err)"
png w.png weights
# refusals
"$plot" curves nowhere --out x.png 2> err; [[ $? -eq 2 ]] && ok || no "curves of a missing run"
"$plot" sweep sw --x nosuchkey --y test_acc --out x.png 2> err; [[ $? -eq 2 ]] && ok || no "sweep --x unknown"
grep -q "not one of the varied keys" err && ok || no "sweep --x unknown: $(cat err)"
"$plot" bogus sw 2> err; [[ $? -eq 2 ]] && ok || no "unknown plot"
[[ ! -e x.png ]] && ok || no "a refused plot wrote a file"
finish
