#!/usr/bin/env bash
# scripts/plot.sh renders real files: curves of runs, a sweep's mean ± std against a key (linear and
# logarithmic x), weight statistics, PNG and SVG; and refuses bad input with exit 2. regmnist plot
# sweep, curves, weights and rungs (a pruned sweep's rung history): the data gnuplot plots against
# groups.csv, metrics.csv, model.safetensors and summary.json; a pruned sweep's plot sweep and curves
# draw its settings at the full budget, not keyed by training.epochs; plot rungs draws a setting with an
# interrupted seed as waiting, not stopped; a broken sweep.json and the other refusals, one line each.
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
# ---- regmnist plot (the binary's own gnuplot driver) ----
# data DIR GROUPS X: every data file regmnist plot kept (--data) holds, per point, the mean, std and CI of
# groups.csv's row with that x and the other keys its title names, columns found by header name; and
# every group of groups.csv with the metric is plotted once per metric.
data() {
  python3 - "$@" <<'PY'
import csv, glob, math, sys
d, groups, xkey = sys.argv[1:4]
rows = list(csv.DictReader(open(groups)))
keys = list(rows[0])[:list(rows[0]).index("n")]
seen, files = {}, sorted(glob.glob(d + "/s*.dat"))
if not files:
    sys.exit(f"{d}: no data files")
for path in files:
    head = {}
    lines = open(path).read().splitlines()
    for l in lines:
        if l.startswith("# ") and ": " in l:
            k, v = l[2:].split(": ", 1)
            head[k] = v
    cols = next(l[2:].split() for l in lines if l.startswith("# x "))
    m, title = head["metric"], head["title"]
    if head["x"] != xkey:
        sys.exit(f"{path}: x is {head['x']}, not {xkey}")
    others = dict(p.split("=", 1) for p in title.split(", ") if "=" in p)
    for l in lines:
        if l.startswith("#"):
            continue
        pt = dict(zip(cols, map(float, l.split())))
        match = [r for r in rows if float(r[xkey]) == pt["x"]
                 and all(r[k] == v for o, v in others.items() for k in keys if k == o or k.endswith("." + o))]
        if len(match) != 1:
            sys.exit(f"{path}: {len(match)} groups at x={pt['x']} with {others}")
        r = match[0]
        close = lambda a, b: abs(a - float(b)) <= 1e-12 * max(1.0, abs(a))
        if not (close(pt["mean"], r[m + "_mean"]) and close(pt["std"], r[m + "_std"] or 0)
                and close(pt["ci95_low"], r[m + "_ci95_low"] or r[m + "_mean"]) and int(pt["n"]) == int(r["n"])):
            sys.exit(f"{path}: x={pt['x']}: {pt} differs from groups.csv's {m}: {r}")
        seen[(m, id(r))] = seen.get((m, id(r)), 0) + 1
metrics = {m for (m, _) in seen}
want = {(m, id(r)) for m in metrics for r in rows if r[m + "_mean"] != ""}
if set(seen) != want or any(c != 1 for c in seen.values()):
    sys.exit(f"{d}: the groups plotted are not groups.csv's, once each")
PY
}
"$bin" summarize sw --metric test_acc,train_eval_acc,test_loss --out sum2 --quiet > /dev/null
"$bin" plot sweep sw --x l2 --y train_eval_acc,test_acc --out p.png --data pd 2> err && ok || no "plot sweep: $(cat err)"
png p.png "plot sweep"
ls pd/s*.dat | wc -l | grep -qx 4 && ok || no "plot sweep: $(ls pd) (want 2 metrics x 2 dropouts)"
data pd sum2/groups.csv regularization.l2 2> err && ok || no "plot sweep data: $(cat err)"
has pd/plot.gp "set logscale x"                 # 1e-5 and 1e-3: two decades
has pd/plot.gp "set title 'p'"                  # the study's name, not its path
has pd/plot.gp "set xlabel 'L2 strength λ'"
has pd/plot.gp "set ylabel 'accuracy (%), mean ± std over seeds'"
has pd/plot.gp "title 'training accuracy, dropout=0.3'"
has pd/plot.gp "set yrange [*:*<100]"           # accuracies: nothing above 100%
# by dropout, one metric: a linear axis, one series per l2, error bars from the CI
"$bin" plot sweep sw --x model.dropout --y test_loss --err ci --format svg --out p.svg --data pd2 --quiet 2> err && ok || no "plot sweep svg: $(cat err)"
head -c 300 p.svg | grep -q "<svg" && ok || no "p.svg is not SVG"
[[ $(grep -c '<title>gnuplot_plot_' p.svg) -eq 2 ]] && ok || no "p.svg: $(grep -c '<title>gnuplot_plot_' p.svg) series, want 2"
for t in "dropout rate" "test loss, mean with its 95% CI" "l2=1e-05" "l2=0.001" ">p<"; do
  grep -qF "$t" p.svg && ok || no "p.svg: no '$t'"
done
grep -q "set logscale" pd2/plot.gp && no "dropout 0 and 0.3 on a log axis" || ok
grep -q "set yrange" pd2/plot.gp && no "a loss capped at 100" || ok
grep -q ':5:6 with yerrorlines' pd2/plot.gp && ok || no "--err ci: $(grep plot pd2/plot.gp)"
data pd2 sum2/groups.csv model.dropout 2> err && ok || no "plot sweep --err ci data: $(cat err)"
"$bin" plot sweep sw --x l2 --y test_acc --format pdf --out p.pdf --quiet 2> err && ok || no "plot sweep pdf: $(cat err)"
# the shared y label: what the metrics all are, else their labels
"$bin" plot sweep sw --x l2 --y train_acc,val_acc,test_acc --out p3.png --data pd3 --quiet 2> err && ok || no "plot sweep 3: $(cat err)"
has pd3/plot.gp "set ylabel 'accuracy (%), mean ± std over seeds'"
"$bin" plot sweep sw --x l2 --y test_acc,test_loss --out p4.png --data pd4 --quiet 2> err && ok || no "plot sweep 4: $(cat err)"
has pd4/plot.gp "set ylabel 'test accuracy, test loss, mean ± std over seeds'"
[[ $(head -c 5 p.pdf) == %PDF- ]] && ok || no "p.pdf is not a PDF"
# refusals, each one line naming the problem
one() { # one CODE TEXT -- ARGS: regmnist plot ARGS exits CODE with one line on stderr holding TEXT
  local code=$1 text=$2; shift 3
  "$bin" plot "$@" > out 2> err; local rc=$?
  [[ $rc -eq $code && $(wc -l < err) -eq 1 ]] && grep -qF -- "$text" err && ok || no "plot $* -> $rc: $(cat err)"
}
one 2 "unknown metric 'nosuch'" -- sweep sw --x l2 --y test_acc,nosuch --out x.png
one 2 "'nosuchkey'" -- sweep sw --x nosuchkey --y test_acc --out x.png
one 2 "--x training.epochs: not one of the varied keys" -- sweep sw --x training.epochs --y test_acc --out x.png
one 2 "--err: expected std, ci or sem" -- sweep sw --x l2 --y test_acc --err var --out x.png
one 2 "--size" -- sweep sw --x l2 --y test_acc --size 800 --out x.png
one 2 "unknown plot 'bogus'" -- bogus sw --y test_acc
one 3 "nowhere" -- sweep nowhere --x l2 --y test_acc --out x.png
one 3 "nodir/x.png: cannot write there" -- sweep sw --x l2 --y test_acc --out nodir/x.png

# plot curves: per setting the mean over its seeds per epoch (with a ± std band), the runs' best epochs
"$bin" plot curves sw --y train_eval_acc,test_loss --out pc.png --data pcd 2> err && ok || no "plot curves: $(cat err)"
png pc.png "plot curves"
ls pcd/c*.dat | wc -l | grep -qx 8 && ok || no "plot curves: $(ls pcd) (want 2 metrics x 4 settings)"
grep -q "filledcurves" pcd/plot.gp && ok || no "plot curves: no band"
python3 - pcd sw <<'PY' 2> err && ok || no "plot curves data: $(cat err)"
import csv, glob, statistics, sys
d, sw = sys.argv[1:]
for path in glob.glob(d + "/c*.dat"):
    lines = open(path).read().splitlines()
    head = dict(l[2:].split(": ", 1) for l in lines if l.startswith("# ") and ": " in l)
    cols = next(l[2:].split() for l in lines if l.startswith("# epoch "))
    parts = dict(p.split("=", 1) for p in head["title"].split(", ") if "=" in p)
    runs = sorted(glob.glob(f"{sw}/l2={parts['l2'].replace('1e-05', '1e-5')},dropout={parts['dropout']}/seed*"))
    if len(runs) != 2:
        sys.exit(f"{path}: {head['title']}: runs {runs}")
    csvs = [{int(r["epoch"]): float(r[head["metric"]]) for r in csv.DictReader(open(run + "/metrics.csv"))} for run in runs]
    for l in lines:
        if l.startswith("#"):
            continue
        p = dict(zip(cols, map(float, l.split())))
        v = [c[int(p["epoch"])] for c in csvs]
        if abs(p["mean"] - statistics.mean(v)) > 1e-9 or abs(p["std"] - statistics.stdev(v)) > 1e-9:
            sys.exit(f"{path}: epoch {p['epoch']}: {p} but the runs' {head['metric']} are {v}")
PY
# a run with early stopping: its best epoch is marked at its value
"$bin" --config "$tmp/base.json" --set training.epochs=12 --set 'training.early_stopping={"patience": 2}' \
  --set optimizer.lr=0.05 --out es --quiet 2> err || no "early-stopping run: $(cat err)"
"$bin" plot curves es --y val_loss --out es.svg --data esd --quiet 2> err && ok || no "plot curves es: $(cat err)"
best=$(python3 -c 'import json; print(json.load(open("es/summary.json"))["best_epoch"])')
want=$(awk -F, -v b="$best" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "val_loss") c = i } NR > 1 && $1 == b { print $c }' es/metrics.csv)
read -r got_e got_v < <(grep -v '^#' esd/b0.dat)
[[ -n $best && $got_e == "$best" ]] && awk -v a="$got_v" -v b="$want" 'BEGIN { exit !(a == b) }' && ok || no "best epoch mark: ($got_e, $got_v), want ($best, $want)"
grep -qF "early-stopping best epoch" es.svg && ok || no "es.svg: no best-epoch legend entry"
has esd/plot.gp "set title 'b'"                 # the run's name
grep -q filledcurves esd/plot.gp && no "a single run has no band" || ok
one 2 "--y best_test_acc: not a column of metrics.csv" -- curves sw --y best_test_acc --out x.png

# plot weights: the first layer's weights as tiles, each tile the unit's row of model.safetensors
r1="sw/l2=1e-5,dropout=0/seed1"
"$bin" plot weights "$r1" --out pw.svg --data pwd --quiet 2> err && ok || no "plot weights: $(cat err)"
for t in ">weight<" "first-layer weights"; do grep -qF "$t" pw.svg && ok || no "pw.svg: no '$t'"; done
grep -q "with image" pwd/plot.gp && grep -q "^set cbrange" pwd/plot.gp && ok || no "plot weights: no image with a colour bar"
python3 - "$r1/model.safetensors" pwd/weights.dat <<'PY' 2> err && ok || no "plot weights data: $(cat err)"
import array, json, math, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])["fc0.weight"]
w = array.array("f", b[8 + n + h["data_offsets"][0]:8 + n + h["data_offsets"][1]])
f32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]
img = [[float(v) for v in l.split()] for l in open(sys.argv[2])]
units, d = h["shape"]
s = int(round(math.sqrt(d)))
across = math.ceil(math.sqrt(units))
for t in range(units):
    r, c = (t // across) * (s + 1), (t % across) * (s + 1)
    if any(f32(img[r + i][c + j]) != w[t * d + i * s + j] for i in range(s) for j in range(s)):
        sys.exit(f"tile {t} is not unit {t}'s weights")
if not all(math.isnan(v) for v in img[s]):
    sys.exit("no gap between the tile rows")
finite = sum(not math.isnan(v) for row in img for v in row)
if finite != units * d:
    sys.exit(f"{finite} values plotted, {units * d} weights")
PY
one 2 "give one run's directory" -- weights sw --out x.png
mkdir adir
one 1 "gnuplot failed" -- sweep sw --x l2 --y test_acc --out adir
[[ ! -s out ]] && ok || no "gnuplot's image went to stdout"
PATH=/nonexistent "$bin" plot sweep sw --x l2 --y test_acc --out x.png 2> err; rc=$?
[[ $rc -eq 2 && $(wc -l < err) -eq 1 ]] && grep -qF "gnuplot not found on PATH: install it (apt-get install gnuplot-nox)" err &&
  ok || no "plot without gnuplot -> $rc: $(cat err)"
[[ ! -e x.png ]] && ok || no "a refused plot wrote a file"
# plot rungs: a pruned sweep's rung history (18 settings of lr x dropout, 2 seeds, rungs at 1, 3 and 9
# epochs). rungs DIR METRIC: every data file (--data) is one setting, found by the varied values of its
# title in the runs' config.json; its status is final when its runs' summary.json say ok, pruned when
# they say pruned, its rung summary.json's; its points are the mean over the seeds of metrics.csv's
# METRIC at every epoch up to its rung, and at the rungs equal rungs.csv's; plot.gp draws the pruned
# thin and grey with a dot at their last point and without a key entry, the finals in colour titled by
# their values, a dashed line at each rung of sweep.json and one key entry for the stopped settings.
rungs() {
  python3 - "$@" <<'PY2'
import csv, glob, json, re, sys
d, sw, metric = sys.argv[1:4]
spec = json.load(open(sw + "/sweep.json"))
rungs, err = spec["rungs"], []
def at(j, key):
    for k in key.split("."): j = j[k]
    return j
settings = {}
for row in csv.DictReader(open(sw + "/index.csv")):
    settings.setdefault(row["dir"].rsplit("/", 1)[0], []).append(sw + "/" + row["dir"])
config = {s: json.load(open(runs[0] + "/config.json")) for s, runs in settings.items()}
at_rung = {(r["setting"], int(r["epochs"])): float(r[spec["prune"]["metric"]])
           for r in csv.DictReader(open(sw + "/rungs.csv")) if r[spec["prune"]["metric"]]}
gp = open(d + "/plot.gp").read()
files, seen, final, stopped = sorted(glob.glob(d + "/r*.dat")), set(), 0, 0
if len(files) != len(settings): err.append(f"{len(files)} data files, {len(settings)} settings")
for path in files:
    lines = open(path).read().splitlines()
    head = dict(l[2:].split(": ", 1) for l in lines if l.startswith("# ") and ": " in l)
    vals = dict(p.split("=", 1) for p in head["title"].split(", "))
    match = [s for s in settings if all(float(at(config[s], k)) == float(vals[k.split(".")[-1]]) for k in spec["varied"])]
    if len(match) != 1 or match[0] in seen or head["metric"] != metric:
        err.append(f"{path}: {head} matches {match}"); continue
    s = match[0]; seen.add(s)
    sums = [json.load(open(run + "/summary.json")) for run in settings[s]]
    status = {x["status"] for x in sums}
    want = "final" if status == {"ok"} else "pruned" if status == {"pruned"} else f"? {status}"
    rung = len(rungs) - 1 if want == "final" else sums[0].get("rung")
    if head["status"] != want or head["rung"] != str(rung) or head["seeds"] != str(len(sums)):
        err.append(f"{path} ({s}): status {head['status']}, rung {head['rung']}, seeds {head['seeds']}; "
                   f"summary.json: {want}, {rung}, {len(sums)}")
    cols = [{int(r["epoch"]): float(r[metric]) for r in csv.DictReader(open(run + "/metrics.csv"))} for run in settings[s]]
    got = [(int(a), float(b)) for a, b in (l.split() for l in lines if not l.startswith("#"))]
    mean = {e: sum(c[e] for c in cols) / len(cols) for e in range(1, rungs[rung] + 1)}
    if [e for e, _ in got] != list(mean) or any(abs(v - mean[e]) > 1e-12 * max(1, abs(v)) for e, v in got):
        err.append(f"{path} ({s}): {got}, but the seeds' mean {metric} is {mean}")
    for r in rungs[: rung + 1]:
        if metric == spec["prune"]["metric"] and abs(mean[r] - at_rung[(s, r)]) > 1e-8 * abs(mean[r]):
            err.append(f"{s}: mean {mean[r]} at epoch {r}, rungs.csv says {at_rung[(s, r)]}")
    clause = [l for l in gp.splitlines() if "/" + path.rsplit("/", 1)[1] + "'" in l]
    colour = f"with lines lw 2.5 lc {final + 1} title '{head['title']}'"
    grey = f"with lines lw 1 lc rgb 'gray70' notitle, '{path}' using 1:2 every ::{len(got) - 1}::{len(got) - 1} with points"
    if len(clause) != 1 or (colour if want == "final" else grey) not in clause[0]:
        err.append(f"{path} ({want}): plot.gp draws it {clause}")
    final += want == "final"; stopped += want != "final"
if [int(x) for x in re.findall(r"^set arrow from (\d+), graph 0 to \1, graph 1 nohead dt 2", gp, re.M)] != rungs:
    err.append(f"the dashed lines are not at the rungs {rungs}: {gp}")
if f"keyentry with lines lw 1 lc rgb 'gray70' title 'stopped at a rung ({stopped} settings)'" not in gp:
    err.append(f"no key entry for the {stopped} stopped settings")
if not final or not stopped: err.append(f"{final} final, {stopped} stopped: not a case that tells them apart")
if err: sys.exit("\n".join(err))
print(final, stopped)
PY2
}
cat > pr.json <<JSON
{"name": "pr", "base": "base.json", "set": {"training.epochs": 9},
 "grid": {"optimizer.lr": [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.6, 1.0], "model.dropout": [0, 0.5]},
 "seeds": [1, 2], "prune": {"metric": "val_loss", "mode": "min", "min_epochs": 1, "reduction": 3}, "out": "$tmp/pw"}
JSON
"$bin" sweep pr.json --jobs 2 --quiet 2> err && ok || no "pruned sweep: $(cat err)"
same "$(json pw/sweep.json rungs)" "[1, 3, 9]" "pruned sweep: its rungs"
"$bin" plot rungs pw --out pr.png --data prd 2> err && ok || no "plot rungs: $(cat err)"
png pr.png "plot rungs"
counts=$(rungs prd pw val_loss 2> err) && ok || no "plot rungs data: $(cat err)"
# by summary.json: the settings that trained the full 9 epochs, and the others
same "$counts" "$(grep -l '"status":\s*"ok"' pw/*/seed1/summary.json | wc -l) $(grep -l '"status":\s*"pruned"' pw/*/seed1/summary.json | wc -l)" "plot rungs: final and stopped settings"
has prd/plot.gp "set logscale x"                # 1, 3, 9: a constant ratio
has prd/plot.gp 'set xtics ("1\nrung 0" 1, "3\nrung 1" 3, "9\nrung 2" 9)'    # the rungs' tics alone
has prd/plot.gp "set ylabel 'validation loss, mean over seeds'"
has prd/plot.gp "set title 'pr'"
grep -q "set yrange" prd/plot.gp && no "plot rungs: a loss capped at 100" || ok
# another metric, as SVG: one series per setting and the key entry of the stopped ones
"$bin" plot rungs pw --metric val_acc --format svg --out pr.svg --data prd2 --quiet 2> err && ok || no "plot rungs val_acc: $(cat err)"
rungs prd2 pw val_acc > /dev/null 2> err && ok || no "plot rungs val_acc data: $(cat err)"
python3 -c 'import sys, xml.etree.ElementTree as t; t.parse(sys.argv[1])' pr.svg 2> err && ok || no "pr.svg is not XML: $(cat err)"
read -r nfinal nstopped <<< "$counts"
titles=$(grep -l '^# status: final' prd2/r*.dat | xargs sed -n 's/^# title: //p')
same "$(grep -c . <<< "$titles")" "$nfinal" "plot rungs val_acc: the final settings"
while read -r t; do grep -qF -- ">$t<" pr.svg && ok || no "pr.svg: no key entry '$t'"; done <<< "$titles"
for t in ">stopped at a rung ($nstopped settings)<" ">rung 2<" ">pr<"; do grep -qF -- "$t" pr.svg && ok || no "pr.svg: no '$t'"; done
has prd2/plot.gp "set ylabel 'validation accuracy (%), mean over seeds'"
has prd2/plot.gp "set yrange [*:*<100]"
# rungs at 1, 3, 9 and 10 (the budget breaks the ratio): a linear axis
sed 's/"training.epochs": 9/"training.epochs": 10/; s/"seeds": \[1, 2\]/"seeds": [1]/; s|/pw"|/pw10"|' pr.json > pr10.json
"$bin" sweep pr10.json --jobs 2 --quiet 2> err && ok || no "pruned sweep to 10 epochs: $(cat err)"
"$bin" plot rungs pw10 --out pr10.png --data prd10 --quiet 2> err && ok || no "plot rungs 10: $(cat err)"
rungs prd10 pw10 val_loss > /dev/null 2> err && ok || no "plot rungs 10 data: $(cat err)"
grep -q "set logscale" prd10/plot.gp && no "rungs 1, 3, 9, 10 on a log axis" || ok
has prd10/plot.gp 'set xtics add ("1\nrung 0" 1, "3\nrung 1" 3, "9\nrung 2" 9, "10\nrung 3" 10)'
# --yrange LO:HI sets the y axis (either side left to gnuplot), also over the 100 cap of accuracies
"$bin" plot rungs pw --yrange 0.25:0.75 --out pry.png --data pryd --quiet 2> err && ok || no "plot rungs --yrange: $(cat err)"
has pryd/plot.gp "set yrange [0.25:0.75]"
"$bin" plot curves pw --y val_acc --yrange 50: --out pcy.png --data pcyd --quiet 2> err && ok || no "plot curves --yrange: $(cat err)"
has pcyd/plot.gp "set yrange [50:*]"
grep -q "100\]" pcyd/plot.gp && no "--yrange 50: still capped at 100" || ok
# legend values: 4 significant digits (a drawn 0.0010320115941706992 reads 0.001032), whole numbers as they are
cat > lw.json <<JSON
{"name": "lw", "base": "base.json", "set": {"training.epochs": 1}, "grid": {"model.dropout": [0.123456789, 0.5],
 "training.batch_size": [16, 20000]}, "seeds": [1], "out": "$tmp/lw"}
JSON
"$bin" sweep lw.json --jobs 2 --quiet 2> err && ok || no "label sweep: $(cat err)"
"$bin" plot curves lw --y val_loss --out lw.png --data lwd --quiet 2> err && ok || no "plot curves lw: $(cat err)"
has lwd/plot.gp "dropout=0.1235"
has lwd/plot.gp "batch_size=20000"
grep -q "0.123456789" lwd/plot.gp && no "a legend value with all its digits" || ok
# two values that read the same with 4 digits (0.1235): that key keeps all its digits, two series
sed 's/0.123456789, 0.5/0.12345, 0.12346/; s|/lw"|/lw2"|' lw.json > lw2.json
"$bin" sweep lw2.json --jobs 2 --quiet 2> err && ok || no "label sweep 2: $(cat err)"
"$bin" plot sweep lw2 --x batch_size --y val_loss --out lw2.png --data lw2d --quiet 2> err && ok || no "plot sweep lw2: $(cat err)"
same "$(sed -n 's/^# title: //p' lw2d/s*.dat | sort | tr '\n' ' ')" "dropout=0.12345 dropout=0.12346 " "plot sweep: series of values alike in 4 digits"
# plot sweep and plot curves of the pruned sweep: training.epochs is the rung each run reached, not a
# key, so no title reads "epochs="; only the settings trained to the full budget are drawn (found here
# by grep: a setting with a run whose summary.json says ok), each one point of plot sweep at groups.csv's
# mean and one curve of plot curves over the 9 epochs, the mean of its seeds' metrics.csv; the key's
# title says how many were left out
full=$(for d in pw/*/; do grep -qs '"status":\s*"ok"' "$d"seed*/summary.json && echo "${d%/}"; done)
nall=$(ls -d pw/*/ | wc -l) nfull=$(grep -c . <<< "$full")
[[ $nall -eq 18 && $nfull -ge 2 && $nfull -lt 18 ]] && ok || no "pruned sweep: $nfull of $nall settings at the full budget"
finals() { # finals DIR KIND GROUPS_CSV SETTINGS...: the data files of plot sweep (s) or curves (c) against them
  python3 - "$@" <<'PY3'
import csv, glob, json, sys
d, kind, groups, settings = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
cfg = {s: json.load(open(s + "/seed1/config.json")) for s in settings}
want = {(c["model"]["dropout"], c["optimizer"]["lr"]): s for s, c in cfg.items()}
rows = {(float(r["model.dropout"]), float(r["optimizer.lr"])): r for r in csv.DictReader(open(groups))}
got, err = {}, []
for path in sorted(glob.glob(f"{d}/{kind}*.dat")):
    lines = open(path).read().splitlines()
    title = lines[0][len("# title: "):]
    vals = dict(p.split("=", 1) for p in title.split(", "))
    pts = [l.split() for l in lines if not l.startswith("#")]
    if "epochs" in vals or not pts: err.append(f"{path}: title '{title}', {len(pts)} points")
    for p in pts if kind == "s" else [None]:
        key = (float(vals["dropout"]), float(p[0]) if p else float(vals["lr"]))
        if key in got: err.append(f"{path}: {key} drawn twice")
        got[key] = (p, pts)
if set(got) != set(want): err.append(f"drawn {sorted(got)}, but the full-budget settings are {sorted(want)}")
for key, (p, pts) in got.items():
    if key not in want: continue
    if kind == "s" and float(p[1]) != float(rows[key]["val_loss_mean"]):
        err.append(f"{key}: mean {p[1]}, groups.csv {rows[key]['val_loss_mean']}")
    if kind == "c":
        runs = sorted(glob.glob(want[key] + "/seed*/metrics.csv"))
        cols = [[float(r["val_loss"]) for r in csv.DictReader(open(m))] for m in runs]
        mean = [sum(c[e] for c in cols) / len(cols) for e in range(9)]
        if [int(q[0]) for q in pts] != list(range(1, 10)) or any(abs(float(q[1]) - m) > 1e-12 for q, m in zip(pts, mean)):
            err.append(f"{key}: {pts}, but its seeds' mean val_loss is {mean}")
if len(rows) != 18 or "training.epochs" in next(iter(rows.values())): err.append(f"groups.csv: {len(rows)} rows, {list(next(iter(rows.values())))}")
if err: sys.exit("\n".join(err))
PY3
}
"$bin" summarize pw --metric val_loss --out psum --quiet > /dev/null || no "summarize the pruned sweep"
"$bin" plot sweep pw --x lr --y val_loss --out ps.png --data psd --quiet 2> err && ok || no "plot sweep of a pruned sweep: $(cat err)"
png ps.png "plot sweep of a pruned sweep"
finals psd s psum/groups.csv $full 2> err && ok || no "plot sweep of a pruned sweep: $(cat err)"
"$bin" plot curves pw --y val_loss --out pc2.png --data pcd2 --quiet 2> err && ok || no "plot curves of a pruned sweep: $(cat err)"
same "$(ls pcd2/c*.dat | wc -l)" "$nfull" "plot curves of a pruned sweep: one curve per full-budget setting"
finals pcd2 c psum/groups.csv $full 2> err && ok || no "plot curves of a pruned sweep: $(cat err)"
for d in psd pcd2; do
  grep -q "epochs=" $d/plot.gp && no "$d/plot.gp: a title with epochs=: $(grep "epochs=" $d/plot.gp)" || ok
  has $d/plot.gp "set key title 'pruned sweep: the $nfull settings trained to the full budget ($((18 - nfull)) stopped at a rung left out)'"
done
one 2 "--x epochs: in a pruned sweep it is the rung each run reached, not a setting's value" -- sweep pw --x epochs --y val_loss --out x.png
# every setting with an ok run (the pruned runs made ok): the key's title says nothing of stopped ones
cp -r pw pwo && sed -i 's/"status":\(\s*\)"pruned"/"status":\1"ok"/' pwo/*/seed*/summary.json
"$bin" plot sweep pwo --x lr --y val_loss --out pwo.png --data pod --quiet 2> err && ok || no "plot sweep, none stopped: $(cat err)"
has pod/plot.gp "set key title 'pruned sweep: the 18 settings trained to the full budget'"
grep -q "left out" pod/plot.gp && no "plot sweep, none stopped: $(grep "key title" pod/plot.gp)" || ok
# no setting at the full budget yet (the ok runs made pruned): refused, one line, exit 3
cp -r pw pwx && sed -i 's/"status":\(\s*\)"ok"/"status":\1"pruned"/' pwx/*/seed*/summary.json
one 3 "pwx: no setting of the pruned sweep is trained to the full budget yet" -- sweep pwx --x lr --y val_loss --out x.png
one 3 "pwx: no setting of the pruned sweep is trained to the full budget yet" -- curves pwx --y val_loss --out x.png
# a seed interrupted (or unfinished: still training, or to be resumed) leaves its setting waiting, not
# stopped: its data file says so, it is drawn dotted with its own key entry, the stopped count drops by one
cp -r pw pwi
wd=$(for d in pw/*/; do grep -qs '"status":\s*"pruned"' "$d"seed1/summary.json && basename "$d"; done | head -1)
sed -i 's/"status":\(\s*\)"pruned"/"status":\1"interrupted"/' "pwi/$wd/seed1/summary.json"
"$bin" plot rungs pwi --out pri.png --data prid --quiet 2> err && ok || no "plot rungs, a seed interrupted: $(cat err)"
same "$(grep -l '^# status: waiting' prid/r*.dat | xargs sed -n 's/^# title: //p' | sed 's/, /\n/g' | sort)" \
  "$(tr , '\n' <<< "$wd" | sort)" "plot rungs: the interrupted seed's setting is waiting"
same "$(grep -c '^# status: pruned' prid/r*.dat | awk -F: '{ n += $2 } END { print n }')" "$((nstopped - 1))" "plot rungs: the other stopped settings"
has prid/plot.gp "title 'stopped at a rung ($((nstopped - 1)) settings)'"
has prid/plot.gp "keyentry with lines lw 1.5 dt 3 lc rgb 'gray40' title 'waiting at a rung (1 setting)'"
grep -q "r[0-9]*.dat' using 1:2 with lines lw 1.5 dt 3 lc rgb 'gray40' notitle" prid/plot.gp && ok || no "plot rungs: the waiting setting is not dotted"
# a broken sweep.json: one line naming it, exit 3, for plot rungs and curves (never a sweep without prune)
rm -f x.png
cp -r pw pwb
for k in $BROKEN_SWEEP_JSON; do
  broken_sweep_json pw/sweep.json pwb/sweep.json "$k"
  one 3 "pwb/$(broken_why "$k")" -- rungs pwb --out x.png
  one 3 "pwb/$(broken_why "$k")" -- curves pwb --y val_loss --out x.png
done
# refusals: a sweep without prune, a directory that is no sweep's, a second metric, a metric that is no column
one 2 "sw/sweep.json: no \"prune\": not a pruned sweep" -- rungs sw --out x.png
one 3 "sw/l2=1e-5,dropout=0: no sweep.json" -- rungs "sw/l2=1e-5,dropout=0" --out x.png
one 2 "rungs: one metric" -- rungs pw --metric val_loss,val_acc --out x.png
for y in 1:0 0.5 a:1 1:2:3 :nan :; do one 2 "--yrange: expected LO:HI" -- rungs pw --yrange "$y" --out x.png; done
one 2 "weights: --yrange is for sweep, curves and rungs" -- weights pw/lr=0.01,dropout=0/seed1 --yrange 0:1 --out x.png
one 2 "best_val_loss: not a column of metrics.csv" -- rungs pw --metric best_val_loss --out x.png
one 2 "--metric: unknown metric 'nosuch'" -- rungs pw --metric nosuch --out x.png
[[ ! -e x.png ]] && ok || no "a refused plot rungs wrote a file"
finish
