#!/usr/bin/env bash
# report.sh - `regmnist report` on a tiny iris sweep (dropout 0 and 0.5 x 3 seeds), read back in
# headless Chromium (its rendered DOM, and a screenshot): the page renders; it has the expected
# figures (inline <svg>) and tables; each groups-table row equals groups.csv's numbers as summarize
# formats them; the baseline table's p and Holm p equal `regmnist compare DIR --baseline` output;
# nothing outside the file is referenced; strings from the files are escaped; a diverged and an
# unfinished run are listed; a study where no regularization key varies says it has no baseline,
# and a key of strings that it has no figure; a missing gnuplot is an error unless --no-figures; a
# pruned sweep has a rungs section (the table against rungs.csv, plot rungs' figure), one groups row per
# setting (not split by training.epochs), figures of its settings at the full budget only, and its
# pruned runs are not listed as not ok; one stopped after rung 0 has its rungs and a note in place of the
# other figures (and of the rungs' figure while no metrics.csv has a row); a broken sweep.json is an error.
# usage: report.sh REGMNIST SOURCE_DIR   (exit 77 = skipped: chromium or gnuplot missing and not installable)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/lib.sh"
need() { # need PROGRAM PACKAGE: install PACKAGE when root and PROGRAM is missing, else skip
  command -v "$1" > /dev/null && return
  if [[ $(id -u) -eq 0 ]] && command -v apt-get > /dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$2" > "$tmp/apt.log" 2>&1 ||
      { apt-get update -q > /dev/null 2>&1 && apt-get install -y -q --no-install-recommends "$2" > "$tmp/apt.log" 2>&1; }
  fi
  command -v "$1" > /dev/null || { echo "report: SKIPPED: $1 (Debian package $2) is not installed"; exit 77; }
}
need gnuplot gnuplot-nox
need chromium chromium
csv=$src/data/iris/iris.csv
[[ -f $csv ]] || { echo "report: $csv missing: run scripts/get-data.sh iris first" >&2; exit 1; }
dom() { # dom HTML OUT: the DOM Chromium renders from the file
  timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$1" > "$2" 2> "$tmp/chromium.err" ||
    no "chromium --dump-dom $1: $(tail -1 "$tmp/chromium.err")"
}
# check DOM GROUPS_CSV COMPARE_OUT FIGURES TABLES NOT_OK: the rendered page against the CSV and compare's output
check() {
  python3 - "$@" <<'PY'
import csv, re, sys
from html.parser import HTMLParser
dom, groups, compare, nfig, ntab, not_ok = sys.argv[1:7]
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.tables = []; s.cell = None; s.figsvg = 0; s.infig = 0; s.svg = 0
    def handle_starttag(s, tag, attrs):
        a = dict(attrs)
        if tag == "table": s.tables.append((a.get("class"), []))
        elif tag == "tr" and s.tables: s.tables[-1][1].append([])
        elif tag in ("td", "th"): s.cell = ""
        elif tag == "figure": s.infig = 1
        elif tag == "svg":
            s.svg += 1
            s.figsvg += s.infig
    def handle_endtag(s, tag):
        if tag in ("td", "th") and s.cell is not None: s.tables[-1][1][-1].append(s.cell.strip()); s.cell = None
        elif tag == "figure": s.infig = 0
    def handle_data(s, d):
        if s.cell is not None: s.cell += d
p = P(); p.feed(open(dom).read())
err = []
if p.figsvg != int(nfig) or p.svg != int(nfig): err.append(f"{p.svg} <svg>, {p.figsvg} in <figure>s, want {nfig}")
if len(p.tables) != int(ntab): err.append(f"{len(p.tables)} tables ({[t[0] for t in p.tables]}), want {ntab}")
t = {c: rows for c, rows in p.tables}
# the groups table: keys, n, then per metric "mean ± std" and "[lo, hi]" in summarize's decimals
dec = lambda m: 2 if m.endswith("_acc") or m == "gap" else 4
rows = list(csv.DictReader(open(groups)))
head, body = t["groups"][0], t["groups"][1:]
metrics = [h[: -len(" mean ± std")] for h in head if h.endswith(" mean ± std")]
if not metrics or len(body) != len(rows): err.append(f"groups table: {len(body)} rows, metrics {metrics}; groups.csv has {len(rows)}")
for got, r in zip(body, rows):
    n = r["n"] if r["n"] == r["n_total"] else f'{r["n"]} of {r["n_total"]}'
    keys = list(r)[: list(r).index("n")]
    want = [r[k] for k in keys] + [n]
    for m in metrics:
        d = dec(m)
        f = lambda k: float(r[f"{m}_{k}"])
        want.append("–" if not r[f"{m}_mean"] else f'{f("mean"):.{d}f}' if not r[f"{m}_std"] else f'{f("mean"):.{d}f} ± {f("std"):.{d}f}')
        want.append(f'[{f("ci95_low"):.{d}f}, {f("ci95_high"):.{d}f}]' if r[f"{m}_ci95_low"] else "–")
    if got != want: err.append(f"groups row {got} != groups.csv's {want}")
# the baseline table's p and Holm p against compare's "B1: p = X, Holm-adjusted p = Y (DIR:label)"
if compare != "-":
    cmp = re.findall(r"^B\d+: p = (\S+), Holm-adjusted p = (\S+) \(.*?:(.*)\)$", open(compare).read(), re.M)
    rows_b = [(r[6], r[7], r[0]) for r in t["baseline"][1:]]
    if not cmp or rows_b != cmp: err.append(f"baseline table {rows_b} != compare's {cmp}")
bad = [(r[0], r[1]) for r in t.get("not-ok", [[]])[1:]]
if str(bad) != not_ok: err.append(f"runs not ok: {bad}, want {not_ok}")
if err: sys.exit("; ".join(err))
PY
}
spec="$tmp/sp<i>&/s.json" # the runs' command lines hold this path
mkdir -p "$(dirname "$spec")"
cat > "$spec" <<JSON
{"name": "iris_rep", "base": "$src/configs/iris.json",
 "set": {"data.train": "$csv", "training.epochs": 30},
 "grid": {"model.dropout": [0, 0.5]}, "seeds": [1, 2, 3], "out": "$tmp/sw"}
JSON
"$bin" sweep "$spec" --jobs 2 --quiet || { echo "FAIL: sweep"; exit 1; }

expect 0 "report" -- report "$tmp/sw"
has "$tmp/err" "wrote $tmp/sw/report.html"
html=$tmp/sw/report.html
# self-contained: nothing fetched from elsewhere
if grep -qiE 'src="http|href="http|src='"'"'http|<link|<script|<img|<iframe|url\(http' "$html"; then
  no "report.html refers outside itself: $(grep -oiE 'src="http[^"]*|href="http[^"]*|<link[^>]*|<script[^>]*|<img[^>]*' "$html" | head -3)"
else ok; fi
# strings from the files are escaped: the spec's path in the command lines holds < > & (and is quoted)
has "$html" "regmnist sweep &#39;$tmp/sp&lt;i&gt;&amp;/s.json&#39; --task-id 0"
grep -q "<i>&" "$html" && no "the command lines are not escaped" || ok
"$bin" summarize "$tmp/sw" --out "$tmp/sum" --quiet > /dev/null || no "summarize"
"$bin" compare "$tmp/sw" --baseline model.dropout=0 > "$tmp/compare.txt" || no "compare"
dom "$html" "$tmp/dom.html"
# figures: plot sweep against dropout, plot curves; tables: provenance, groups, baseline, every run
check "$tmp/dom.html" "$tmp/sum/groups.csv" "$tmp/compare.txt" 2 4 "[]" && ok || no "clean sweep's page"
timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,2000 \
  --screenshot="$tmp/shot.png" "file://$html" > /dev/null 2>&1
if [[ $(head -c 8 "$tmp/shot.png" 2> /dev/null | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a && $(stat -c %s "$tmp/shot.png") -gt 50000 ]]; then ok
else no "chromium --screenshot wrote no PNG of some size"; fi
# --baseline given: the 0.5 setting as A, the same p-values as compare's
expect 0 "report --baseline" -- report "$tmp/sw" --baseline dropout=0.5 --out "$tmp/b.html" --no-figures --metric test_loss,test_acc
"$bin" compare "$tmp/sw" --baseline model.dropout=0.5 --metric test_loss > "$tmp/compare2.txt" || no "compare 0.5"
"$bin" summarize "$tmp/sw" --out "$tmp/sum2" --metric test_loss,test_acc --quiet > /dev/null || no "summarize 2"
dom "$tmp/b.html" "$tmp/dom2.html"
check "$tmp/dom2.html" "$tmp/sum2/groups.csv" "$tmp/compare2.txt" 0 4 "[]" && ok || no "--baseline dropout=0.5 page"
has "$tmp/b.html" "Figures left out (--no-figures)."

# a diverged run and an unfinished one (killed before its summary.json) are listed
"$bin" --config "$src/configs/iris.json" --set "data.train=\"$csv\"" --set training.epochs=30 --set model.dropout=0.5 \
  --set regularization.l2=1e10 --out "$tmp/sw/extra/diverged" --quiet 2> /dev/null
same $? 1 "the l2=1e10 run diverges"
rm "$tmp/sw/dropout=0.5/seed3/summary.json"
expect 0 "report with a diverged and an unfinished run" -- report "$tmp/sw" --out "$tmp/d.html"
"$bin" summarize "$tmp/sw" --out "$tmp/sum3" --quiet > /dev/null || no "summarize 3"
dom "$tmp/d.html" "$tmp/dom3.html"
# figures: against dropout and l2, curves; tables: + the runs not ok
check "$tmp/dom3.html" "$tmp/sum3/groups.csv" - 3 5 \
  "[('dropout=0.5/seed3', 'unfinished'), ('extra/diverged', 'diverged')]" && ok || no "page with runs not ok"
has "$tmp/d.html" "none (no ok run)"

# no regularization key varies: no baseline, said so; a key of strings gets no figure, said so
cat > "$tmp/opt.json" <<JSON
{"name": "iris_opt", "base": "$src/configs/iris.json", "set": {"data.train": "$csv", "training.epochs": 20},
 "grid": {"optimizer.name": ["sgd", "adam"]}, "seeds": [1, 2], "out": "$tmp/opt"}
JSON
"$bin" sweep "$tmp/opt.json" --jobs 2 --quiet || no "sweep opt"
expect 0 "report of a study without a regularization key" -- report "$tmp/opt"
"$bin" summarize "$tmp/opt" --out "$tmp/sum4" --quiet > /dev/null || no "summarize 4"
dom "$tmp/opt/report.html" "$tmp/dom4.html"
check "$tmp/dom4.html" "$tmp/sum4/groups.csv" - 1 3 "[]" && ok || no "page without a baseline"
has "$tmp/opt/report.html" "no baseline: no regularization key varies between the runs (give --baseline key=value)"
has "$tmp/opt/report.html" "No figure against optimizer.name: its values are not all numbers."
# two settings without regularization (dropout 0 at two learning rates): no default baseline, said so
cat > "$tmp/amb.json" <<JSON
{"name": "iris_amb", "base": "$src/configs/iris.json", "set": {"data.train": "$csv", "training.epochs": 10},
 "grid": {"optimizer.lr": [0.005, 0.01], "model.dropout": [0, 0.5]}, "seeds": [1], "out": "$tmp/amb"}
JSON
"$bin" sweep "$tmp/amb.json" --jobs 2 --quiet || no "sweep amb"
expect 0 "report of a study with two unregularized settings" -- report "$tmp/amb" --no-figures
has "$tmp/amb/report.html" "no baseline: more than one setting has every varied regularization key at 0"
expect 0 "... with --baseline" -- report "$tmp/amb" --no-figures --baseline lr=0.01,dropout=0 --out "$tmp/amb.html"
has "$tmp/amb.html" "<td>model.dropout=0,optimizer.lr=0.005</td>"

# a pruned sweep (6 learning rates x 2 seeds, rungs at 1, 3 and 9 epochs): a section with the rungs
# table, as many settings reached and promoted at each rung as rungs.csv lists, and plot rungs' figure
# (an SVG whose key counts the settings summary.json says were pruned); pruned runs are not "not ok"
cat > "$tmp/pr.json" <<JSON
{"name": "iris_pr", "base": "$src/configs/iris.json", "set": {"data.train": "$csv", "data.val_fraction": 0.2, "training.epochs": 9},
 "grid": {"optimizer.lr": [0.003, 0.01, 0.03, 0.1, 0.3, 0.18]}, "seeds": [1, 2],
 "prune": {"metric": "val_loss", "mode": "min", "min_epochs": 1, "reduction": 3}, "out": "$tmp/pr"}
JSON
"$bin" sweep "$tmp/pr.json" --jobs 2 --quiet || no "pruned sweep"
expect 0 "report of a pruned sweep" -- report "$tmp/pr"
has "$tmp/err" "3 figures"
"$bin" summarize "$tmp/pr" --out "$tmp/sum5" --quiet > /dev/null || no "summarize 5"
dom "$tmp/pr/report.html" "$tmp/dom5.html"
# figures: rungs, against lr (not training.epochs), curves; tables: provenance, groups, rungs, every run
check "$tmp/dom5.html" "$tmp/sum5/groups.csv" - 3 4 "[]" && ok || no "pruned sweep's page"
has "$tmp/pr/report.html" "No figure against training.epochs: in a pruned sweep it is the rung each run reached"
npruned=$(grep -l '"status":\s*"pruned"' "$tmp"/pr/*/seed1/summary.json | wc -l)
has "$tmp/pr/report.html" "12 runs, $(grep -l '"status":\s*"ok"' "$tmp"/pr/*/seed*/summary.json | wc -l) ok, $((npruned * 2)) pruned."
# rungs DOM RUNGS_CSV NPRUNED FIGURE: the rungs table against rungs.csv; the section's figure (FIGURE 1)
# is well-formed SVG with the key entry of the NPRUNED stopped settings, or absent (0)
rungs() {
  python3 - "$@" <<'PY2'
import csv, re, sys, xml.etree.ElementTree as ET
dom, rungs_csv, npruned, figure = sys.argv[1:5]
page = open(dom).read()
sec = page[page.index("<h2>Successive halving: the rungs</h2>"):]
sec = sec[: sec.index("<h2>", 4)] if "<h2>" in sec[4:] else sec
rows = [[re.sub("<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)] for tr in re.findall(r"<tr>(.*?)</tr>", sec, re.S)]
rows = [r for r in rows if r]
got, want = [tuple(r) for r in rows], []
lines = list(csv.DictReader(open(rungs_csv)))
last = max(int(l["rung"]) for l in lines)
for k in range(last + 1):
    at = [l for l in lines if int(l["rung"]) == k]
    p = sum(int(l["promoted"]) for l in at)
    want.append((str(k), at[0]["epochs"], str(len(at))) + (("–", "–") if k == last else (str(p), str(len(at) - p))))
err = [] if got == want else [f"rungs table {got} != rungs.csv's {want}"]
svg = re.findall(r"<svg.*?</svg>", sec, re.S)
if figure == "1":
    try:
        root = ET.fromstring(svg[0]) if len(svg) == 1 else None
    except ET.ParseError as x:
        root, err = None, err + [f"the rungs figure is not well-formed SVG: {x}"]
    texts = [t.text for t in root.iter() if t.tag.endswith("text")] if root is not None else []
    if f"stopped at a rung ({npruned} settings)" not in texts or "rung 2" not in texts:
        err.append(f"the rungs figure ({len(svg)} svg): texts {texts}")
elif svg:
    err.append("a figure with --no-figures")
if err: sys.exit("; ".join(err))
PY2
}
rungs "$tmp/dom5.html" "$tmp/pr/rungs.csv" "$npruned" 1 2> "$tmp/rerr" && ok || no "pruned sweep's rungs: $(cat "$tmp/rerr")"
[[ $npruned -ge 2 && $(grep -c '^2,' "$tmp/pr/rungs.csv") -ge 1 ]] && ok || no "not a pruned case: $npruned pruned, $(cat "$tmp/pr/rungs.csv")"
# one row per setting (training.epochs, the rung each run reached, is no key), the figures' legends
# without "epochs=", the curves keyed by the settings trained to the full budget (by grep: a run whose
# summary.json says ok) and every figure's key title counting them
full=$(for d in "$tmp"/pr/*/; do grep -qs '"status":\s*"ok"' "$d"seed*/summary.json && basename "$d"; done)
python3 - "$tmp/dom5.html" "$(ls -d "$tmp"/pr/*/ | wc -l)" $full <<'PY3' 2> "$tmp/rerr" && ok || no "pruned sweep's groups and figures: $(cat "$tmp/rerr")"
import re, sys, xml.etree.ElementTree as ET
dom, nsettings, full = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
page, err = open(dom).read(), []
tab = page[page.index('<table class="groups">'):]
tab = tab[: tab.index("</table>")]
head = [re.sub("<[^>]+>", "", h) for h in re.findall(r"<th>(.*?)</th>", tab)]
rows = [r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", tab, re.S) if "<td" in r]
if nsettings != 6 or len(rows) != nsettings or head[0] != "lr" or any("epochs" in h for h in head):
    err.append(f"groups table: {len(rows)} rows for {nsettings} settings, header {head}")
figs = page[page.index("<h2>Figures</h2>"):]
texts = [["".join(t.itertext()) for t in ET.fromstring(svg).iter() if t.tag.endswith("text")]
         for svg in re.findall(r"<svg.*?</svg>", figs, re.S)]
key = f"pruned sweep: the {len(full)} settings trained to the full budget ({nsettings - len(full)} stopped at a rung left out)"
if len(texts) != 2 or any(key not in t for t in texts): err.append(f"{len(texts)} figures, want 2 with the key title '{key}'")
if any("epochs=" in x for t in texts for x in t): err.append(f"a legend with epochs=: {texts}")
curves = sorted(x for x in texts[-1] if x.startswith("lr=")) if texts else []
if curves != sorted(full): err.append(f"the curves' key {curves}, the full-budget settings {sorted(full)}")
if err: sys.exit("; ".join(err))
PY3
# against a full-budget setting as the baseline: one row per other setting, labelled by lr alone
b0=$(head -1 <<< "$full")
expect 0 "report of a pruned sweep with a baseline" -- report "$tmp/pr" --baseline "$b0" --no-figures --out "$tmp/prb.html"
same "$(python3 -c 'import re, sys
t = open(sys.argv[1]).read(); t = t[t.index("<table class=\"baseline\">"):]; t = t[: t.index("</table>")]
print(" ".join(re.findall(r"<tr><td>([^<]*)</td>", t)))' "$tmp/prb.html")" \
  "$(for d in "$tmp"/pr/*/; do d=$(basename "$d"); [[ $d != "$b0" ]] && echo -n "optimizer.$d "; done | sed 's/ $//')" \
  "the baseline table of a pruned sweep: one row per other setting"
expect 0 "report --no-figures of a pruned sweep" -- report "$tmp/pr" --no-figures --out "$tmp/prn.html"
dom "$tmp/prn.html" "$tmp/dom6.html"
rungs "$tmp/dom6.html" "$tmp/pr/rungs.csv" "$npruned" 0 2> "$tmp/rerr" && ok || no "pruned sweep's rungs, no figures: $(cat "$tmp/rerr")"
# a sweep without prune has no such section
grep -q "Successive halving" "$tmp/sw/report.html" && no "a sweep without prune has a rungs section" || ok
# the pruned sweep stopped after rung 0 (each task run with --rung 0 alone, as the first of Slurm's
# arrays): no setting is trained to the full budget yet, so the page has the rungs (table and figure)
# and a note in place of plot sweep and curves; with no metrics.csv row yet, a note in place of the
# rungs' figure too
sed "s|\"out\": \"$tmp/pr\"|\"out\": \"$tmp/pr0\"|" "$tmp/pr.json" > "$tmp/pr0.json"
for i in $(seq 0 11); do "$bin" sweep "$tmp/pr0.json" --task-id "$i" --rung 0 --quiet || no "pr0: task $i, rung 0"; done
same "$(grep -l '"status":\s*"pruned"' "$tmp"/pr0/*/seed*/summary.json | wc -l)" 12 "pr0: every run pruned at rung 0"
expect 0 "report of a pruned sweep at rung 0" -- report "$tmp/pr0"
has "$tmp/err" "12 runs in 6 groups, 1 figure;"
has "$tmp/pr0/report.html" "<h2>Successive halving: the rungs</h2>"
has "$tmp/pr0/report.html" "No figures of the settings: none of the pruned sweep is trained to the full budget yet"
"$bin" summarize "$tmp/pr0" --out "$tmp/sum7" --quiet > /dev/null || no "summarize 7"
dom "$tmp/pr0/report.html" "$tmp/dom7.html"
# figures: rungs; tables: provenance, groups, rungs, every run
check "$tmp/dom7.html" "$tmp/sum7/groups.csv" - 1 4 "[]" 2> "$tmp/rerr" && ok || no "page at rung 0: $(cat "$tmp/rerr")"
python3 - "$tmp/dom7.html" <<'PY4' 2> "$tmp/rerr" && ok || no "page at rung 0, the rungs: $(cat "$tmp/rerr")"
import re, sys
page = open(sys.argv[1]).read()
sec = page[page.index("<h2>Successive halving: the rungs</h2>"):page.index("<h2>Figures</h2>")]
rows = [[re.sub("<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)] for tr in re.findall(r"<tr>(.*?)</tr>", sec, re.S)]
want = [["0", "1", "6", "0", "6"], ["1", "3", "0", "0", "0"], ["2", "9", "0", "–", "–"]]
if [r for r in rows if r] != want or sec.count("<svg") != 1: sys.exit(f"rungs {rows}, {sec.count('<svg')} figures")
PY4
for f in "$tmp"/pr0/*/seed*/metrics.csv; do head -1 "$f" > "$f.h" && mv "$f.h" "$f"; done
expect 0 "report of a pruned sweep without a metrics.csv row" -- report "$tmp/pr0" --out "$tmp/pr0e.html"
has "$tmp/err" "0 figures;"
has "$tmp/pr0e.html" "No figure of the rungs yet: no setting has a value of val_loss in all its runs&#39; metrics.csv."
has "$tmp/pr0e.html" "No figures of the settings: none of the pruned sweep is trained to the full budget yet"
# a broken sweep.json: one line naming it, exit 3, no page
cp -r "$tmp/pr" "$tmp/prb"
for k in $BROKEN_SWEEP_JSON; do
  broken_sweep_json "$tmp/pr/sweep.json" "$tmp/prb/sweep.json" "$k"
  expect 3 "report, sweep.json $k" -- report "$tmp/prb" --out "$tmp/broken.html"
  has "$tmp/err" "regmnist: report: $tmp/prb/$(broken_why "$k")"; lines "$tmp/err" 1
done
[[ -e $tmp/broken.html ]] && no "a report of a broken sweep.json wrote its page" || ok

# errors: one line, the codebase's exit codes
expect 3 "a missing DIR" -- report "$tmp/nope"
lines "$tmp/err" 1
expect 2 "an unknown option" -- report "$tmp/sw" --bogus
has "$tmp/err" "regmnist: report: unknown option '--bogus' (see regmnist report --help)"
expect 2 "a --baseline matching no run" -- report "$tmp/sw" --baseline dropout=0.7 --no-figures --out "$tmp/x.html"
lines "$tmp/err" 1
[[ -e $tmp/x.html ]] && no "a failed report wrote its page" || ok
mkdir "$tmp/nopath"
PATH=$tmp/nopath "$bin" report "$tmp/sw" --out "$tmp/y.html" > "$tmp/out" 2> "$tmp/err"
same $? 2 "report without gnuplot on PATH"
lines "$tmp/err" 1
has "$tmp/err" "gnuplot"
PATH=$tmp/nopath "$bin" report "$tmp/sw" --out "$tmp/y.html" --no-figures --quiet > "$tmp/out" 2> "$tmp/err"
same $? 0 "report --no-figures without gnuplot"
finish
