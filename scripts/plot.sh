#!/usr/bin/env bash
# Plots of regmnist runs with gnuplot (Debian gnuplot-nox): PNG by default, SVG with --svg.
# The binary draws these figures itself now: `regmnist plot sweep|curves|weights|rungs` (several metrics on
# one axis, mean ± band over seeds, labels from the key table; see `regmnist plot --help`).
#
#   scripts/plot.sh curves RUN... [--out FILE]
#       loss and accuracy per epoch (train on the fly, train in eval mode, val, test), runs overlaid
#   scripts/plot.sh sweep SWEEPDIR --x KEY --y METRIC [--out FILE]
#       mean ± std over seeds of METRIC (e.g. test_acc) against KEY (e.g. regularization.l2 or l2),
#       one line per level of the other varied keys; logarithmic x when every x is positive
#   scripts/plot.sh weights RUN... [--out FILE]
#       the weight L2 norm and the fraction of small weights per tensor and epoch (weights.csv,
#       written with output.weight_stats)
#
# Options: --out FILE (default: curves.png, sweep.png or weights.png in the current directory),
# --svg, --title TEXT, --table DIR (also write the points gnuplot plotted, as text: one gnuplot
# table per panel, DIR/PANEL.txt with PANEL loss and acc, sweep, or l2 and frac_small; each curve
# headed by its title, to check a figure against its data). Columns of metrics.csv and weights.csv
# are found by their header names. The sweep plot groups runs with `regmnist summarize` (found
# through $REGMNIST, the regmnist beside this script (installed as bin/regmnist-plot), PATH, then
# ./build/regmnist).
# Exit status: 0 ok, 1 gnuplot failed, 2 usage or a file without a needed column.
set -euo pipefail

die() { echo "plot: $*" >&2; exit 2; }
usage() { awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "$0"; } # the opening comment

(($#)) || { usage >&2; exit 2; }
mode=$1; shift
case $mode in
  -h | --help) usage; exit 0 ;;
  curves | sweep | weights) ;;
  *) die "unknown plot '$mode' (curves, sweep or weights; see --help)" ;;
esac
out="" svg=0 x="" y="" title="" table="" args=()
while (($#)); do
  case $1 in
    --out) (($# > 1)) || die "--out needs a file"; out=$2; shift 2 ;;
    --svg) svg=1; shift ;;
    --x) (($# > 1)) || die "--x needs a key"; x=$2; shift 2 ;;
    --y) (($# > 1)) || die "--y needs a metric"; y=$2; shift 2 ;;
    --title) (($# > 1)) || die "--title needs text"; title=$2; shift 2 ;;
    --table) (($# > 1)) || die "--table needs a directory"; table=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option '$1'" ;;
    *) args+=("$1"); shift ;;
  esac
done
((${#args[@]})) || die "$mode: give at least one directory"
command -v gnuplot > /dev/null || die "gnuplot not found: apt-get install gnuplot-nox"
ext=png; ((svg)) && ext=svg
[[ -n $out ]] || out=$mode.$ext
if ((svg)); then term="set terminal svg size 1000,700 dynamic noenhanced font 'sans,11'"
else term="set terminal pngcairo size 1200,800 noenhanced font 'sans,10'"; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gp=$tmp/plot.gp
q() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; } # a gnuplot string
# colnum FILE NAME: the number of the column named NAME in FILE's header line; nothing when none is.
colnum() { head -n 1 "$1" | tr -d '\r' | awk -F, -v n="$2" '{ for (i = 1; i <= NF; i++) if ($i == n) { print i; exit } }'; }
# need FILE NAME: as colnum, but a file without that column is a usage error (exit 2).
need() { local c; c=$(colnum "$1" "$2"); [[ -n $c ]] || die "$1: no column '$2' in its header line"; echo "$c"; }

# A run's label: its name from summary.json or config.json, else its directory.
label() {
  python3 -c 'import json, sys
for f in ("summary.json", "config.json"):
    try:
        print(json.load(open(sys.argv[1] + "/" + f))["name"]); break
    except (OSError, ValueError, KeyError):
        pass
else:
    print(sys.argv[1])' "$1"
}

case $mode in
curves)
  for r in "${args[@]}"; do
    [[ -s $r/metrics.csv ]] || die "$r/metrics.csv: missing or empty"
    for c in epoch train_loss train_acc test_loss test_acc; do need "$r/metrics.csv" $c > /dev/null; done
  done
  {
    echo "$term"; echo "set output $(q "$out")"
    echo "set datafile separator ','; set key below; set grid; set xlabel 'epoch'"
    # whole epochs on the x axis when there are few
    maxep=$(for r in "${args[@]}"; do ep=$(need "$r/metrics.csv" epoch); tail -n 1 "$r/metrics.csv" | cut -d, -f"$ep"; done | sort -n | tail -1)
    ((maxep <= 20)) && echo "set xtics 1"
    echo "set multiplot layout 1,2 title $(q "${title:-loss and accuracy per epoch}")"
    for panel in loss acc; do
      if [[ $panel == loss ]]; then echo "set ylabel 'loss'; set title 'loss'"; else echo "set ylabel 'accuracy (%)'; set title 'accuracy'"; fi
      echo "#panel $panel"
      sep="plot"
      i=0
      for r in "${args[@]}"; do
        i=$((i + 1)); l=$(label "$r"); f=$r/metrics.csv
        ep=$(need "$f" epoch)
        cols=("train_$panel:train" "train_eval_$panel:train (eval mode)" "val_$panel:val" "test_$panel:test")
        dt=1
        for c in "${cols[@]}"; do
          n=$(colnum "$f" "${c%%:*}") what=${c#*:}
          # skip columns absent or empty in every row (no validation set, no eval-mode sample)
          [[ -n $n ]] && awk -F, -v n="$n" 'NR > 1 && $n != "" { f = 1 } END { exit !f }' "$f" || { dt=$((dt + 1)); continue; }
          echo "$sep $(q "$f") every ::1 using $ep:(column($n) == column($n) ? column($n) : NaN) with linespoints lc $i dt $dt pt $((dt + 5)) title $(q "$l: $what") \\"
          sep=","
          dt=$((dt + 1))
        done
      done
      echo ""
    done
    echo "unset multiplot"
  } > "$gp"
  ;;
sweep)
  ((${#args[@]} == 1)) || die "sweep: give one sweep directory"
  [[ -n $x && -n $y ]] || die "sweep: --x KEY and --y METRIC are required"
  bin=${REGMNIST:-}
  [[ -n $bin || ! -x $(dirname "$0")/regmnist ]] || bin=$(dirname "$0")/regmnist
  [[ -n $bin ]] || bin=$(command -v regmnist || true)
  [[ -n $bin ]] || bin=./build/regmnist
  [[ -x $bin ]] || die "regmnist not found (set REGMNIST, or put it on PATH, or build ./build/regmnist)"
  "$bin" summarize "${args[0]}" --format csv --metric "$y" --out "$tmp" --quiet > /dev/null ||
    die "sweep: regmnist summarize ${args[0]} failed"
  # groups.csv: the varied keys, n, ..., then METRIC_mean, METRIC_std, ...
  python3 - "$tmp/groups.csv" "$x" "$y" "$tmp" > "$tmp/series" <<'PY' || die "sweep: cannot group ${args[0]} by $x"
import csv, sys
path, xkey, metric, tmp = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
if not rows:
    sys.exit("no groups")
cols = list(rows[0].keys())
keys = cols[:cols.index("n")]
xs = [k for k in keys if k == xkey or k.split(".")[-1] == xkey]
if len(xs) != 1:
    sys.exit(f"--x {xkey}: not one of the varied keys {keys}")
xcol, others = xs[0], [k for k in keys if k != xs[0]]
if metric + "_mean" not in cols:
    sys.exit(f"--y {metric}: not in groups.csv")
def order(v):  # numbers by value, then anything else by text
    try:
        return (0, float(v), "")
    except ValueError:
        return (1, 0.0, v)
series, rank = {}, {}
for r in rows:
    if r[metric + "_mean"] == "":
        continue
    name = ", ".join(f"{k.split('.')[-1]}={r[k]}" for k in others) or metric
    rank[name] = tuple(order(r[k]) for k in others)
    series.setdefault(name, []).append((float(r[xcol]), float(r[metric + "_mean"]), float(r[metric + "_std"] or 0)))
for i, (name, pts) in enumerate(sorted(series.items(), key=lambda kv: rank[kv[0]])):
    with open(f"{tmp}/s{i}.dat", "w") as f:
        for p in sorted(pts):
            f.write("%.17g %.17g %.17g\n" % p)
    print(f"{i}\t{name}")
print("LOG" if all(p[0] > 0 for pts in series.values() for p in pts) else "LIN")
print("XCOL\t" + xcol)
PY
  scale=$(grep -E '^(LOG|LIN)$' "$tmp/series")
  xcol=$(grep '^XCOL' "$tmp/series" | cut -f2)
  {
    echo "$term"; echo "set output $(q "$out")"
    echo "set grid; set key outside right; set xlabel $(q "$xcol"); set ylabel $(q "$y (mean ± std over seeds)")"
    echo "set title $(q "${title:-$y against $xcol: ${args[0]}}")"
    [[ $scale == LOG ]] && echo "set logscale x"
    echo "set offsets graph 0.05, graph 0.05, 0, 0"
    echo "#panel sweep"
    sep="plot"
    while IFS=$'\t' read -r i name; do
      [[ $i =~ ^[0-9]+$ ]] || continue
      echo "$sep $(q "$tmp/s$i.dat") using 1:2:3 with yerrorlines lw 2 title $(q "$name") \\"
      sep=","
    done < "$tmp/series"
    echo ""
  } > "$gp"
  ;;
weights)
  for r in "${args[@]}"; do
    [[ -s $r/weights.csv ]] || die "$r/weights.csv: missing (run with output.weight_stats: true)"
    for c in epoch tensor l2 frac_small; do need "$r/weights.csv" $c > /dev/null; done
  done
  {
    echo "$term"; echo "set output $(q "$out")"
    echo "set datafile separator ','; set key below; set grid; set xlabel 'epoch'"
    echo "set multiplot layout 1,2 title $(q "${title:-weights per tensor}")"
    for panel in l2 frac_small; do
      echo "set title '$panel'; set ylabel '$panel'"
      echo "#panel $panel"
      sep="plot"
      i=0
      for r in "${args[@]}"; do
        i=$((i + 1)); l=$(label "$r"); f=$r/weights.csv
        ep=$(need "$f" epoch) tc=$(need "$f" tensor) col=$(need "$f" "$panel")
        for t in $(awk -F, -v tc="$tc" 'NR > 1 && $tc ~ /weight$/ && !seen[$tc]++ { print $tc }' "$f"); do
          # one file per panel, run and tensor: gnuplot reads them all only at the end
          d=$tmp/w_${panel}_${i}_$t.csv
          awk -F, -v t="$t" -v tc="$tc" -v e="$ep" -v c="$col" 'NR > 1 && $tc == t { print $e "," $c }' "$f" > "$d"
          echo "$sep $(q "$d") using 1:2 with linespoints lc $i title $(q "$l: $t") \\"
          sep=","
        done
      done
      echo ""
    done
    echo "unset multiplot"
  } > "$gp"
  ;;
esac
gnuplot "$gp" 2> "$tmp/gnuplot.err" || { echo "plot: gnuplot failed: $(cat "$tmp/gnuplot.err")" >&2; exit 1; }
[[ -s $out ]] || { echo "plot: gnuplot wrote nothing to $out" >&2; exit 1; }
echo "plot: wrote $out" >&2
if [[ -n $table ]]; then
  # the same plots, each panel's points written as text to TABLE/PANEL.txt instead of an image
  mkdir -p "$table" || die "--table: cannot create $table"
  while IFS= read -r line; do
    case $line in
      "#panel "*) echo "set table $(q "$table/${line#\#panel }.txt")" ;;
      "set terminal "* | "set output "* | "set multiplot "* | "unset multiplot") ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < "$gp" > "$tmp/table.gp"
  echo "unset table" >> "$tmp/table.gp"
  gnuplot "$tmp/table.gp" 2> "$tmp/gnuplot.err" || { echo "plot: gnuplot failed on --table: $(cat "$tmp/gnuplot.err")" >&2; exit 1; }
  echo "plot: wrote the plotted points to $table" >&2
fi
