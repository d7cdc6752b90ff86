#!/usr/bin/env bash
# `regmnist summarize` and `regmnist compare` on real runs of generated data (no MNIST needed):
# 2 settings x 3 seeds plus an interrupted and an unfinished run, and 3 more runs on other seeds.
# summary.csv and groups.csv are checked against the runs' summary.json files recomputed in
# python3 (mean, sample std, the 95% CI with t(0.975, 2)), the Markdown table and its note of the
# runs that are not ok, and compare's paired and Welch t-tests against a python t distribution
# (math.lgamma and Simpson's rule, independent of src/run/stats.c), compare --baseline's Holm
# correction against its formula; summarize's key columns and --format latex.
# usage: summarize.sh REGMNIST SOURCE_DIR
set -u
bin=$1 src=$2
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") src=$(cd "$src" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
# pycheck DESCRIPTION -- python code (sys.argv[1:] = ARGS): prints nothing when fine, else the problem
pycheck() {
  local what=$1; shift 2
  local out
  if out=$(python3 -c "$@" 2>&1) && [[ -z $out ]]; then ok; else no "$what: $out"; fi
}

python3 "$src/tests/tiny_idx.py" data 200 100 || { echo "FAIL: cannot generate data"; exit 1; }
cat > base.json <<JSON
{"name": "s", "data": {"dir": "data", "val_fraction": 0.2}, "model": {"hidden": [16]},
 "optimizer": {"lr": 0.002}, "training": {"epochs": 2, "batch_size": 16}}
JSON
run() { "$bin" --config base.json --set "model.dropout=$1" --seed "$2" --out "$3" --quiet 2> "$tmp/err" || no "run $3: $(cat "$tmp/err")"; }
for d in 0 0.3; do for s in 1 2 3; do run $d $s "D/dropout=$d/seed$s"; done; done
# interrupted after its first epoch (10 steps of 16 of 160 images): it has final metrics, which must not count
REGMNIST_TEST_SIGTERM_AFTER_STEPS=13 "$bin" --config base.json --set model.dropout=0.3 --seed 4 --out D/dropout=0.3/seed4 --quiet 2> /dev/null
same $? 143 "the interrupted run exits 143"
same "$(python3 -c 'import json; s=json.load(open("D/dropout=0.3/seed4/summary.json")); print(s["status"], s["epochs"])')" \
  "interrupted 1" "the interrupted run completed one epoch"
# unfinished: a config.json and no summary.json (a run killed by SIGKILL in its first epoch)
mkdir -p D/dropout=0/seed4
python3 -c 'import json; c=json.load(open("D/dropout=0/seed1/config.json")); c["seed"]=4
c["output"]["dir"]="D/dropout=0/seed4"; json.dump(c, open("D/dropout=0/seed4/config.json", "w"))'
# other seeds of dropout 0.3, in dirs whose names hold commas
for s in 4 5 6; do run 0.3 $s "E/dropout=0.3,note=x/seed$s"; done

# --- summarize one tree: the files go into it
expect 0 "summarize D" -- summarize D
[[ -f D/summary.csv && -f D/groups.csv ]] && ok || no "summarize D did not write D/summary.csv and D/groups.csv"
has "$tmp/err" "8 runs in 2 groups (6 ok, 1 interrupted, 1 unfinished)"
ls D | grep -q tmp && no "a temporary file is left in D: $(ls D)" || ok
cp "$tmp/out" md.txt
# summary.csv: one row per run, every number as in its summary.json
pycheck "summary.csv" -- '
import csv, json, math, os
rows = list(csv.DictReader(open("D/summary.csv")))
want_dirs = sorted(os.path.dirname(p) for p in
    [f"D/dropout={d}/seed{s}/x" for d in ("0", "0.3") for s in (1, 2, 3, 4)])
if sorted(r["dir"] for r in rows) != want_dirs: print("dirs:", [r["dir"] for r in rows])
keys = list(rows[0].keys())
for k in ("dir", "status", "model.dropout", "seed", "epochs", "best_epoch", "test_acc", "test_loss", "val_acc",
          "val_loss", "gap", "best_test_acc", "wall_seconds"):
    if k not in keys: print("summary.csv lacks", k, keys)
if "data.dir" in keys or "threads" in keys or "name" in keys: print("not varied keys in", keys)
for r in rows:
    st = {"D/dropout=0.3/seed4": "interrupted", "D/dropout=0/seed4": "unfinished"}.get(r["dir"], "ok")
    if r["status"] != st: print(r["dir"], "status", r["status"], "want", st)
    if r["model.dropout"] != r["dir"].split("=")[1].split("/")[0]: print(r["dir"], "dropout", r["model.dropout"])
    if r["seed"] != r["dir"][-1]: print(r["dir"], "seed", r["seed"])
    if st == "unfinished":
        if any(r[k] for k in ("epochs", "test_acc", "val_loss")): print("unfinished run has metrics", r)
        continue
    s = json.load(open(r["dir"] + "/summary.json"))
    for k in ("test_acc", "test_loss", "val_acc", "val_loss", "train_acc", "gap"):
        if float(r[k]) != s["final"][k]: print(r["dir"], k, r[k], "!=", s["final"][k])
    if int(r["epochs"]) != s["epochs"] or float(r["wall_seconds"]) != s["wall_seconds"]: print(r["dir"], "epochs/seconds")
    if r["best_epoch"] or r["best_test_acc"]: print(r["dir"], "best_* without early stopping")
# ordered by setting, then seed
order = [(float(r["model.dropout"]), int(r["seed"])) for r in rows]
if order != sorted(order): print("rows not ordered:", order)
'
# groups.csv: mean, std, CI of the ok runs only, and the counts
pycheck "groups.csv" -- '
import csv, json, math, statistics
T975_2 = 4.302652729749464   # t(0.975, df 2)
rows = {r["model.dropout"]: r for r in csv.DictReader(open("D/groups.csv"))}
if sorted(rows) != ["0", "0.3"]: print("groups:", sorted(rows))
for d, r in rows.items():
    for k, v in (("n", "3"), ("n_total", "4"), ("n_diverged", "0"), ("n_failed", "0"), ("n_unfinished", "1"), ("seeds", "1 2 3")):
        if r[k] != v: print(d, k, r[k], "want", v)
    for m in ("test_acc", "test_loss", "val_acc", "val_loss", "gap"):
        xs = [json.load(open(f"D/dropout={d}/seed{s}/summary.json"))["final"][m] for s in (1, 2, 3)]
        mean, sd = statistics.fmean(xs), statistics.stdev(xs)
        h = T975_2 * sd / math.sqrt(3)
        for col, want in (("mean", mean), ("std", sd), ("ci95_low", mean - h), ("ci95_high", mean + h)):
            got = float(r[f"{m}_{col}"])
            if abs(got - want) > 1e-9 * max(1.0, abs(want)): print(d, m, col, got, "want", want)
'
# the Markdown table: aligned rows, n as ok of total, the runs that are not ok named
pycheck "markdown table" -- '
import sys
lines = open("md.txt").read().split("\n")
table = [l for l in lines if l.startswith("|")]
if len(table) != 4: print("want header, rule and 2 rows:", table)
widths = {len(l) for l in table}
if len(widths) != 1: print("rows not aligned:", table)
head = [c.strip() for c in table[0].strip("|").split("|")]
if head[:2] != ["dropout", "n"] or "test_acc" not in head: print("header:", head)
for l, d in zip(table[2:], ("0", "0.3")):
    cells = [c.strip() for c in l.strip("|").split("|")]
    if cells[0] != d or cells[1] != "3 of 4": print("row:", cells)
    if "±" not in cells[2] or "[" not in cells[2]: print("cell:", cells[2])
text = "\n".join(lines)
for w in ("2 runs are not ok", "`D/dropout=0.3/seed4`: interrupted", "`D/dropout=0/seed4`: unfinished"):
    if w not in text: print("missing:", w)
'
# --format csv prints groups.csv; the files do not change on a second run
cp D/summary.csv first.csv
expect 0 "summarize --format csv" -- summarize D --format csv --quiet
cmp -s "$tmp/out" D/groups.csv && ok || no "--format csv stdout differs from groups.csv"
[[ ! -s $tmp/err ]] && ok || no "--quiet printed: $(cat "$tmp/err")"
cmp -s first.csv D/summary.csv && ok || no "summary.csv changed on a second summarize"
# --metric picks the columns; --out elsewhere
expect 0 "summarize --metric" -- summarize D --metric test_acc,final.val_loss --metric wall_seconds --out O1 --quiet
same "$(head -1 O1/groups.csv)" "model.dropout,n,n_total,n_diverged,n_failed,n_unfinished,n_pruned,seeds,test_acc_mean,test_acc_std,test_acc_ci95_low,test_acc_ci95_high,val_loss_mean,val_loss_std,val_loss_ci95_low,val_loss_ci95_high,wall_seconds_mean,wall_seconds_std,wall_seconds_ci95_low,wall_seconds_ci95_high" "groups.csv header with --metric"
# every metric of summary.json's final and best is known (one table, rm_epoch_log.h): train_eval_* too,
# in 'all' as in --metric, with the mean of each group's final train_eval_acc
expect 0 "summarize --metric train_eval" -- summarize D --metric train_eval_acc,final.train_eval_loss --out O2 --quiet
pycheck "train_eval_acc means" -- '
import csv, json, glob, statistics
for r in csv.DictReader(open("O2/groups.csv")):
    v = [json.load(open(f))["final"]["train_eval_acc"] for f in glob.glob("D/dropout=%s/seed[123]/summary.json" % r["model.dropout"])]
    if len(v) != 3 or abs(float(r["train_eval_acc_mean"]) - statistics.mean(v)) > 1e-9 or not r["train_eval_loss_mean"]: print(r, v)
'
expect 0 "summarize --metric all" -- summarize D --metric all --out O3 --quiet
has O3/groups.csv ",train_eval_acc_mean,"
has O3/groups.csv ",penalty_mean,"
expect 0 "compare train_eval_acc" -- compare D:dropout=0 D:model.dropout=0.3 --metric train_eval_acc
has "$tmp/out" "metric: final train_eval_acc"
# two trees: dropout 0.3 now holds D's seeds 1-3 (and the interrupted 4) and E's 4-6; default --out is .
expect 0 "summarize D E" -- summarize D E --format csv
[[ -f groups.csv && -f summary.csv ]] && ok || no "summarize of two dirs did not write into the current dir"
pycheck "two trees" -- '
import csv
g = {r["model.dropout"]: r for r in csv.DictReader(open("groups.csv"))}
if (g["0.3"]["n"], g["0.3"]["n_total"], g["0.3"]["seeds"]) != ("6", "7", "1 2 3 4 5 6"): print(g["0.3"])
dirs = [r["dir"] for r in csv.DictReader(open("summary.csv"))]
if "E/dropout=0.3,note=x/seed5" not in dirs: print("a dir with a comma did not round-trip:", dirs)
'
# one run dir: no groups over seeds, no interval
expect 0 "summarize one run" -- summarize D/dropout=0/seed1 --out O2 --format csv --quiet
pycheck "one run" -- '
import csv
r = list(csv.DictReader(open("O2/groups.csv")))
if len(r) != 1 or r[0]["n"] != "1" or r[0]["test_acc_std"] or r[0]["test_acc_ci95_low"] or not r[0]["test_acc_mean"]: print(r)
'
# a summary.json over 16 MiB (a csv split's data.test_rows) is read whole, up to 1 GiB; one with a NUL
# byte is unreadable, named so (issue 17)
mkdir -p F && cp -r D/dropout=0/seed1 F/big && cp -r D/dropout=0/seed1 F/nul
python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); s["data"] = dict(s.get("data") or {}, test_rows=list(range(2000000)))
json.dump(s, open(sys.argv[1], "w"))
t = open(sys.argv[2], "rb").read(); open(sys.argv[2], "wb").write(t[:5] + b"\0" + t[5:])' F/big/summary.json F/nul/summary.json
[[ $(stat -c %s F/big/summary.json) -gt $((16 << 20)) ]] && ok || no "F/big/summary.json is not over 16 MiB"
expect 0 "summarize a summary.json over 16 MiB" -- summarize F --format csv --out O3
has "$tmp/err" "F/nul: summary.json: contains a NUL byte (at offset 5), expected text"
pycheck "summary.json over 16 MiB" -- '
import csv, json
r = {x["dir"]: x for x in csv.DictReader(open("O3/summary.csv"))}
want = json.load(open("D/dropout=0/seed1/summary.json"))["final"]["test_acc"]
if r["F/big"]["status"] != "ok" or float(r["F/big"]["test_acc"]) != want or r["F/nul"]["status"] != "unreadable": print(r)
'
# errors: one line, usage 2, I/O 3
expect 2 "summarize without DIR" -- summarize
has "$tmp/err" "regmnist: summarize: DIR is required"
expect 3 "summarize a missing dir" -- summarize nope
has "$tmp/err" "regmnist: summarize: nope: No such file or directory"
mkdir empty
expect 3 "summarize a dir without runs" -- summarize empty
has "$tmp/err" "empty: no runs"
expect 2 "summarize --format" -- summarize D --format xml
expect 2 "summarize --metric" -- summarize D --metric accuracy
has "$tmp/err" "unknown metric 'accuracy'"
touch afile
expect 3 "summarize --out under a file" -- summarize D --out afile/x
[[ $(wc -l < "$tmp/err") -eq 1 ]] && ok || no "a multi-line error: $(cat "$tmp/err")"
expect 0 "summarize --help" -- summarize --help
has "$tmp/out" "--out DIR"

# key columns: the shortest number that reads back the same (not 0.083333333333333329), a name no other
# config key ends with and that says enough (optimizer.name, not name); --format latex
for o in sgd adam; do for s in 1 2; do
  l2=0.083333333333333329; [[ $o == adam ]] && l2=0.5
  "$bin" --config base.json --set training.epochs=1 --set optimizer.name=$o --set regularization.l2=$l2 --seed $s --out K/$o/seed$s --quiet 2> err || no "run K/$o/seed$s: $(cat err)"
done; done
expect 0 "summarize K" -- summarize K --metric test_acc,test_loss --quiet
cp "$tmp/out" kmd.txt
pycheck "key columns" -- '
import csv, json
rows = [l for l in open("kmd.txt") if l.startswith("|")]
head = [c.strip() for c in rows[0].strip("|\n").split("|")]
if head[:3] != ["l2", "optimizer.name", "n"]: print("markdown header:", head)
cells = [[c.strip() for c in r.strip("|\n").split("|")] for r in rows[2:]]
if [c[:2] for c in cells] != [["0.08333333333333333", "sgd"], ["0.5", "adam"]]: print("markdown keys:", cells)
for c in cells:  # accuracies with 2 decimals, losses with 4
    acc, loss = c[3].split(" ")[0], c[4].split(" ")[0]
    if len(acc.split(".")[1]) != 2 or len(loss.split(".")[1]) != 4: print("decimals:", c)
for f in ("K/groups.csv", "K/summary.csv"):
    ks = sorted({r["regularization.l2"] for r in csv.DictReader(open(f))})
    if ks != ["0.08333333333333333", "0.5"]: print(f, "keys:", ks)
    if float(ks[0]) != 1 / 12: print(f, ks[0], "is not 1/12")
g = list(csv.DictReader(open("K/groups.csv")))
a = [json.load(open(f"K/sgd/seed{s}/summary.json"))["final"]["test_loss"] for s in (1, 2)]
if float(g[0]["test_loss_mean"]) != (a[0] + a[1]) / 2: print("test_loss_mean", g[0]["test_loss_mean"], a)
'
expect 0 "summarize K --format latex" -- summarize K --metric test_acc,best_val_acc --format latex --quiet
cp "$tmp/out" k.tex
pycheck "latex table" -- '
import json, re, statistics
t = open("k.tex").read()
if not t.startswith("\\begin{tabular}{llrrr}\n\\toprule\n"): print("start:", t[:60])
if "\\bottomrule\n\\end{tabular}\n% mean \\pm std" not in t: print("end:", t[-200:])
rows = [[c.strip() for c in l.rstrip(" \\").split("&")] for l in t.split("\n") if l.endswith("\\\\")]
if rows[0] != ["l2", "optimizer.name", "$n$", "test\\_acc", "best\\_val\\_acc"]: print("header:", rows[0])
acc = [json.load(open(f"K/adam/seed{s}/summary.json"))["final"]["test_acc"] for s in (1, 2)]
want = "$%.2f \\pm %.2f$" % (statistics.mean(acc), statistics.stdev(acc))
if rows[2] != ["0.5", "adam", "2", want, "--"]: print("row:", rows[2], "want", want)
'
mkdir -p K2 && cp -r K/sgd K2/ && cp -r D/dropout=0.3/seed4 K2/sgd/seed9
expect 0 "summarize --format latex with a run not ok" -- summarize K2/sgd D/dropout=0 --format latex --quiet
has "$tmp/out" "% - K2/sgd/seed9: interrupted"
expect 2 "summarize --format html" -- summarize K --format html
has "$tmp/err" "--format: expected md, csv or latex, got 'html'"

# --- compare: a python t distribution to check against
cat > tdist.py <<'PY'
import json, math, re, statistics, sys
def pdf(u, df):
    return math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
                    - (df + 1) / 2 * math.log1p(u * u / df))
def central(t, df, n=20000):  # P(|T| < |t|) by Simpson's rule
    h = abs(t) / n
    s = pdf(0, df) + pdf(abs(t), df) + sum((4 if k % 2 else 2) * pdf(k * h, df) for k in range(1, n))
    return 2 * s * h / 3
def acc(d):
    return json.load(open(d + "/summary.json"))["final"]["test_acc"]
def parse(text):
    num = r"([-+0-9.eE]+)"
    out = {"test": re.search(r"test: (paired|Welch's) t-test", text).group(1),
           "diff": float(re.search(r"difference B - A: " + num, text).group(1)),
           "t": float(re.search(r"\bt = " + num, text).group(1)),
           "df": float(re.search(r"df = " + num, text).group(1)),
           "p": float(re.search(r"p = " + num, text).group(1))}
    lo, hi = re.search(r"95% CI \[" + num + ", " + num + r"\]", text).groups()
    out["lo"], out["hi"] = float(lo), float(hi)
    return out
def check(got, diff, se, df, kind):
    bad = []
    t = diff / se
    p = 1 - central(t, df)
    if got["test"] != kind: bad.append(f"test {got['test']}, want {kind}")
    if abs(got["diff"] - diff) > 1e-4 * max(1, abs(diff)): bad.append(f"diff {got['diff']} want {diff}")
    if abs(got["t"] - t) > 1e-5 * abs(t): bad.append(f"t {got['t']} want {t}")
    if abs(got["df"] - df) > 1e-5 * df: bad.append(f"df {got['df']} want {df}")
    if abs(got["p"] - p) > 1e-5 * p + 1e-9: bad.append(f"p {got['p']} want {p}")
    # the CI's half-width is t(0.975, df) se: the central probability of half/se is 0.95
    half = (got["hi"] - got["lo"]) / 2
    if abs(central(half / se, df) - 0.95) > 1e-4: bad.append(f"CI [{got['lo']}, {got['hi']}] is not a 95% interval")
    if abs((got["hi"] + got["lo"]) / 2 - diff) > 1e-3 * max(1, abs(diff)): bad.append("CI not centred on diff")
    print("; ".join(bad), end="")
PY
# paired: the same seeds 1 2 3 on both sides (the interrupted and the unfinished runs are left out)
expect 0 "compare paired" -- compare D:dropout=0 D:model.dropout=0.3
cp "$tmp/out" paired.txt
has paired.txt "paired t-test"
has paired.txt "seeds 1 2 3"
has paired.txt "D/dropout=0.3/seed4 (interrupted)"
has paired.txt "D/dropout=0/seed4 (unfinished)"
pycheck "paired test" -- '
import math, statistics, sys
sys.path.insert(0, ".")
import tdist
a = [tdist.acc(f"D/dropout=0/seed{s}") for s in (1, 2, 3)]
b = [tdist.acc(f"D/dropout=0.3/seed{s}") for s in (1, 2, 3)]
d = [y - x for x, y in zip(a, b)]
tdist.check(tdist.parse(open("paired.txt").read()), statistics.fmean(d), statistics.stdev(d) / math.sqrt(3), 2, "paired")
'
# Welch: --a / --b lists over different seeds, on test_loss
expect 0 "compare Welch" -- compare --a D/dropout=0/seed1 --a D/dropout=0/seed2 --a D/dropout=0/seed3 --b E --metric test_loss
cp "$tmp/out" welch.txt
has welch.txt "Welch's t-test: the seeds differ (A: 1 2 3; B: 4 5 6)"
pycheck "Welch test" -- '
import json, math, statistics, sys
sys.path.insert(0, ".")
import tdist
loss = lambda d: json.load(open(d + "/summary.json"))["final"]["test_loss"]
a = [loss(f"D/dropout=0/seed{s}") for s in (1, 2, 3)]
b = [loss(f"E/dropout=0.3,note=x/seed{s}") for s in (4, 5, 6)]
va, vb = statistics.variance(a) / 3, statistics.variance(b) / 3
df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 2)
tdist.check(tdist.parse(open("welch.txt").read()), statistics.fmean(b) - statistics.fmean(a), math.sqrt(va + vb), df, "Welch\x27s")
'
# a sweep's runs of one setting against a directory: seed 4 twice on side B (D interrupted is left out, E's counts)
expect 0 "compare mixed seeds" -- compare D:dropout=0 --b D:dropout=0.3 --b E
has "$tmp/out" "Welch's t-test: the seeds differ (A: 1 2 3; B: 1 2 3 4 5 6)"
# --baseline: every other setting of a sweep against one, then Holm's correction of the p-values
mkdir -p H && cp -r D/dropout=0 D/dropout=0.3 H/
for s in 1 2 3; do run 0.6 $s "H/dropout=0.6/seed$s"; done
expect 0 "compare SWEEPDIR --baseline" -- compare H --baseline dropout=0
cp "$tmp/out" many.txt
has many.txt "B1: H:model.dropout=0.3"
has many.txt "B2: H:model.dropout=0.6"
expect 0 "compare --baseline SEL SEL" -- compare --baseline H:dropout=0 H:dropout=0.3 H:dropout=0.6
cp "$tmp/out" many2.txt
expect 0 "compare H:dropout=0 H:dropout=0.6" -- compare H:dropout=0 H:dropout=0.6
cp "$tmp/out" pair06.txt
pycheck "compare --baseline" -- '
import math, re, statistics, sys
sys.path.insert(0, ".")
import tdist
text = open("many.txt").read()
blocks = re.split(r"\n\n", text)
if len(blocks) != 4: print("want A, B1, B2 and Holm:", len(blocks))
a = [tdist.acc(f"H/dropout=0/seed{s}") for s in (1, 2, 3)]
ps = []
for k, d in ((1, "0.3"), (2, "0.6")):
    got = tdist.parse(blocks[k].replace(f"B{k} - A", "B - A"))
    b = [tdist.acc(f"H/dropout={d}/seed{s}") for s in (1, 2, 3)]
    diffs = [y - x for x, y in zip(a, b)]
    tdist.check(got, statistics.fmean(diffs), statistics.stdev(diffs) / math.sqrt(3), 2, "paired")
    ps.append(got["p"])
# Holm by its formula, from the printed p-values
order = sorted(range(2), key=lambda i: ps[i])
want, run = [0, 0], 0
for j, i in enumerate(order):
    run = max(run, min(1, (2 - j) * ps[i]))
    want[i] = run
holm = re.findall(r"B(\d): p = ([-+0-9.eE]+), Holm-adjusted p = ([-+0-9.eE]+) \((.*)\)", blocks[3])
if "over the 2 comparisons" not in blocks[3] or len(holm) != 2: print("Holm block:", blocks[3])
for (k, p, adj, label), w, l in zip(holm, want, ("H:model.dropout=0.3", "H:model.dropout=0.6")):
    if abs(float(adj) - w) > 1e-5 * w or float(p) != ps[int(k) - 1] or label != l: print("Holm", k, p, adj, label, "want", w)
# the same p-values from selectors; each comparison as compare A B prints it
h2 = re.findall(r"B(\d): p = ([-+0-9.eE]+), Holm-adjusted p = ([-+0-9.eE]+)", open("many2.txt").read())
if [x[1:] for x in h2] != [x[1:3] for x in holm]: print("selectors give", h2, "the sweep", holm)
pair = open("pair06.txt").read()
test = pair[pair.index("difference"):]
if blocks[2][blocks[2].index("difference"):].replace("B2 - A", "B - A") + "\n" != test: print("B2 differs from compare A B:", blocks[2], test)
'
expect 2 "compare --baseline with --a" -- compare --baseline H:dropout=0 --a H
has "$tmp/err" "--baseline: give the other sides as selectors, not --a / --b"
expect 2 "compare --baseline alone" -- compare --baseline H:dropout=0
expect 2 "compare a sweep of one setting --baseline" -- compare H/dropout=0.6 --baseline dropout=0.6
has "$tmp/err" "H/dropout=0.6: no setting besides the baseline's"
expect 2 "compare three selectors" -- compare H D E
has "$tmp/err" "unexpected argument 'E': give two selectors A and B"
# one run a side: no test, still exit 0
expect 0 "compare one run each" -- compare D/dropout=0/seed1 D/dropout=0.3/seed1
has "$tmp/out" "a t-test needs at least 2 ok runs on each side"
# errors
expect 2 "compare a value no run has" -- compare D:dropout=0.5 D:dropout=0
has "$tmp/err" "regmnist: compare: D:dropout=0.5: no run has model.dropout=0.5 (its values: 0, 0.3)"
expect 2 "compare an unknown key" -- compare D:dropuot=0 D:dropout=0
has "$tmp/err" "no config key 'dropuot'"
expect 2 "compare an ambiguous key" -- compare D:dir=data D:dropout=0
has "$tmp/err" "ambiguous: data.dir, output.dir"
expect 2 "compare --which best without early stopping" -- compare D:dropout=0 D:dropout=0.3 --which best
has "$tmp/err" "has no best_test_acc"
expect 2 "compare one side" -- compare D
expect 3 "compare a missing dir" -- compare nope D
has "$tmp/err" "regmnist: compare: nope: no such directory"
expect 3 "compare a side with no ok run" -- compare D/dropout=0/seed4 D
has "$tmp/err" "D/dropout=0/seed4: no ok run among its 1"
expect 0 "compare --help" -- compare --help
has "$tmp/out" "SWEEPDIR:key=value"
finish
