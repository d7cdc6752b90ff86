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
# series TABLE TITLE CSV X Y [KEY=VALUE]: the curve of gnuplot table TABLE (plot.sh --table) whose
# title ends with ": TITLE" (or is TITLE) has the points (X, Y) of CSV's rows (with KEY equal to VALUE),
# the columns found by header name; gnuplot writes 6 significant digits.
series() {
  python3 - "$@" <<'PY'
import csv, math, sys
table, title, path, x, y = sys.argv[1:6]
key, _, value = (sys.argv[6] if len(sys.argv) > 6 else "=").partition("=")
curves, cur = {}, None
for line in open(table):
    if line.startswith("# Curve title:"):
        cur = line.split(":", 1)[1].strip().strip('"')
        curves[cur] = []
    elif line.strip() and not line.startswith("#") and cur is not None:
        f = line.split()
        curves[cur].append((float(f[0]), float(f[1]) if f[2] != "u" else math.nan))
names = [t for t in curves if t == title or t.endswith(": " + title)]
if len(names) != 1:
    sys.exit(f"{table}: {len(names)} curves titled '{title}' among {list(curves)}")
want = [(float(r[x]), float(r[y])) for r in csv.DictReader(open(path)) if not key or r[key] == value]
got = curves[names[0]]
close = lambda a, b: abs(a - b) <= 1e-5 * max(abs(a), abs(b), 1e-30)
if len(got) != len(want) or not all(close(a[0], b[0]) and close(a[1], b[1]) for a, b in zip(got, want)):
    sys.exit(f"{table}: '{names[0]}' plots {got}, but {path}'s {x}, {y} are {want}")
PY
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
# the curves show the columns they name: --table writes the plotted points
r1="sw/l2=1e-5,dropout=0/seed1"
"$plot" curves "$r1" --out c2.png --table ct 2> err && ok || no "curves --table: $(cat err)"
for p in loss acc; do
  for w in "train:train_$p" "val:val_$p" "test:test_$p" "train (eval mode):train_eval_$p"; do
    if [[ ${w%%:*} == "train (eval mode)" ]] && ! grep -q "train_eval_$p" "$r1/metrics.csv"; then continue; fi
    series "ct/$p.txt" "${w%%:*}" "$r1/metrics.csv" epoch "${w#*:}" 2> err && ok || no "curves $p ${w%%:*}: $(cat err)"
  done
done
"$plot" curves "sw/l2=1e-5,dropout=0/seed1" --svg --out c.svg 2> err && ok || no "curves --svg: $(cat err)"
head -c 200 c.svg | grep -q "<svg" && ok || no "c.svg is not SVG"
"$plot" sweep sw --x l2 --y test_acc --out s.png 2> err && ok || no "sweep: $(cat err)"
png s.png sweep
"$plot" sweep sw --x l2 --y test_acc --out s2.png --table st 2> err && ok || no "sweep --table: $(cat err)"
"$bin" summarize sw --metric test_acc --out sum --quiet > /dev/null
for d in 0 0.3; do
  series st/sweep.txt "dropout=$d" sum/groups.csv regularization.l2 test_acc_mean model.dropout=$d 2> err && ok || no "sweep dropout=$d: $(cat err)"
done
"$plot" sweep sw --x model.dropout --y gap --out d.png 2> err && ok || no "sweep by dropout: $(cat err)"
png d.png "sweep by dropout"
printf 'epoch,tensor,numel,mean,std,l1,l2,max_abs,frac_small,grad_l2\n1,fc0.weight,10,0,1,5,3,1,0.1,0.5\n2,fc0.weight,10,0,1,4,2.5,1,0.3,0.4\n1,out.weight,5,0,1,2,1,1,0,0.2\n2,out.weight,5,0,1,2,0.9,1,0.2,0.1\n' > w.csv
mkdir wrun && cp w.csv wrun/weights.csv && cp "sw/l2=1e-5,dropout=0/seed1/summary.json" wrun/
"$plot" weights wrun --out w.png 2> err && ok || no "weights: $(cat err)"
png w.png weights
# each panel plots its own column (plot.sh used to draw frac_small in both panels)
"$plot" weights wrun --out w2.png --table wt 2> err && ok || no "weights --table: $(cat err)"
for p in l2 frac_small; do
  for t in fc0.weight out.weight; do
    series "wt/$p.txt" "$t" w.csv epoch "$p" tensor=$t 2> err && ok || no "weights $p $t: $(cat err)"
  done
done
# columns are found by name: the same file with its columns in another order plots the same points
awk -F, -v OFS=, '{ print $9, $2, $1, $7, $3 }' w.csv > wrun/weights.csv
"$plot" weights wrun --out w3.png --table wt3 2> err && ok || no "weights, columns reordered: $(cat err)"
cmp -s wt/l2.txt wt3/l2.txt && cmp -s wt/frac_small.txt wt3/frac_small.txt && ok || no "weights, columns reordered: other points"
cut -d, -f1,2,7 w.csv > wrun/weights.csv
"$plot" weights wrun --out x.png 2> err; [[ $? -eq 2 ]] && ok || no "weights.csv without frac_small"
grep -q "no column 'frac_small'" err && ok || no "weights.csv without frac_small: $(cat err)"
# refusals
"$plot" curves nowhere --out x.png 2> err; [[ $? -eq 2 ]] && ok || no "curves of a missing run"
"$plot" sweep sw --x nosuchkey --y test_acc --out x.png 2> err; [[ $? -eq 2 ]] && ok || no "sweep --x unknown"
grep -q "not one of the varied keys" err && ok || no "sweep --x unknown: $(cat err)"
"$plot" bogus sw 2> err; [[ $? -eq 2 ]] && ok || no "unknown plot"
[[ ! -e x.png ]] && ok || no "a refused plot wrote a file"
finish
