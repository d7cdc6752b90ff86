#!/usr/bin/env python3
"""mnist_search_report.py OUT - the Markdown report of bench/mnist_search.sh from the sweeps under OUT.

For grid and search: the best setting by the mean over its seeds of the final val_loss, among the
settings whose runs all ended ok at the full budget; its test accuracy mean ± std [95% CI]; the
total epochs trained (each run's last epoch, a pruned run's too). For the grid also its best test
accuracy (by test: a reference, not a choice). Then whether search_jobs1, search_interrupted and
search_slurm equal search: rungs.csv, every run's status and rung, metrics.csv without seconds.
Exit 1 when one differs. Standard library only."""
import csv
import json
import math
import os
import sys

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}
KEYS = (("optimizer", "lr"), ("regularization", "l2"), ("model", "dropout"))


def rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def nosec(path):
    r = rows(path)
    k = r[0].index("seconds")
    return [x[:k] + x[k + 1:] for x in r]


def runs(d):
    """The sweep's runs in index.csv's order: dir -> (setting, status, rung, last row as a dict, config)."""
    out = {}
    for r in csv.DictReader(open(os.path.join(d, "index.csv"))):
        rd = os.path.join(d, r["dir"])
        s = json.load(open(os.path.join(rd, "summary.json")))
        m = rows(os.path.join(rd, "metrics.csv"))
        out[r["dir"]] = (os.path.dirname(r["dir"]), s["status"], s.get("rung"), dict(zip(m[0], m[-1])),
                         json.load(open(os.path.join(rd, "config.json"))))
    return out


def stats(v):
    n = len(v)
    mean = sum(v) / n
    if n < 2:
        return mean, float("nan"), float("nan")
    sd = math.sqrt(sum((x - mean) ** 2 for x in v) / (n - 1))
    return mean, sd, T975[n - 1] * sd / math.sqrt(n)


def side(d):
    rs = runs(d)
    budget = max(int(x[3]["epoch"]) for x in rs.values())
    settings = {}
    for k, (st, status, rung, last, cfg) in rs.items():
        settings.setdefault(st, []).append((status, last, cfg))
    full = {st: v for st, v in settings.items()
            if all(s == "ok" and int(l["epoch"]) == budget for s, l, _ in v)}
    best = min(full, key=lambda st: (stats([float(l["val_loss"]) for _, l, _ in full[st]])[0],
                                     list(settings).index(st)))
    top_test = max(full, key=lambda st: stats([float(l["test_acc"]) for _, l, _ in full[st]])[0])
    epochs = sum(int(x[3]["epoch"]) for x in rs.values())
    return dict(runs=len(rs), settings=len(settings), full=len(full), best=best, top_test=top_test,
                epochs=epochs, set=settings)


def describe(s, st):
    cfg = s["set"][st][0][2]
    vals = ", ".join("%s %.3g" % (b, cfg[a][b]) for a, b in KEYS)
    vl = stats([float(l["val_loss"]) for _, l, _ in s["set"][st]])[0]
    m, sd, h = stats([float(l["test_acc"]) for _, l, _ in s["set"][st]])
    return "%s (%s)" % (st, vals), vl, m, sd, h


def main():
    out = sys.argv[1]
    res, bad = {}, 0
    print("| | runs | settings (to the budget) | epochs trained | best by val_loss | val_loss | its test acc |")
    print("| --- | --: | --: | --: | --- | --: | --: |")
    for name in ("grid", "search"):
        d = os.path.join(out, name)
        if not os.path.isdir(d):
            continue
        res[name] = s = side(d)
        desc, vl, m, sd, h = describe(s, s["best"])
        sec = os.path.join(out, name + ".seconds")
        wall = " (%.0f s)" % float(open(sec).read()) if os.path.exists(sec) else ""
        print("| %s | %d | %d (%d) | %d%s | %s | %.4f | %.2f ± %.2f [%.2f, %.2f] |" % (
            name, s["runs"], s["settings"], s["full"], s["epochs"], wall, desc, vl, m, sd, m - h, m + h))
    if "grid" in res:
        desc, vl, m, sd, h = describe(res["grid"], res["grid"]["top_test"])
        print("\ngrid's best test accuracy (chosen by test, a reference only): %s %.2f ± %.2f" % (desc, m, sd))
    if "grid" in res and "search" in res:
        g, s = res["grid"], res["search"]
        dg, ds = describe(g, g["best"])[2], describe(s, s["best"])[2]
        dt = describe(g, g["top_test"])[2]
        print("search - grid (both by val_loss): %+.2f points; search - grid's best test: %+.2f points; "
              "epochs %.1f%% of the grid's" % (ds - dg, ds - dt, 100.0 * s["epochs"] / g["epochs"]))
    base = os.path.join(out, "search")
    for other in ("search_jobs1", "search_interrupted", "search_slurm"):
        d = os.path.join(out, other)
        if not (os.path.isdir(d) and os.path.isdir(base)):
            continue
        why = []
        if rows(os.path.join(base, "rungs.csv")) != rows(os.path.join(d, "rungs.csv")):
            why.append("rungs.csv differs")
        a, b = runs(base), runs(d)
        if sorted(a) != sorted(b):
            why.append("other runs")
        for k in sorted(set(a) & set(b)):
            if a[k][1:3] != b[k][1:3]:
                why.append("%s: status %s/%s" % (k, a[k][1:3], b[k][1:3]))
            elif nosec(os.path.join(base, k, "metrics.csv")) != nosec(os.path.join(d, k, "metrics.csv")):
                why.append("%s: metrics.csv differs" % k)
        print("%s against search: %s" % (other, "; ".join(why[:5]) if why else
                                          "identical (rungs.csv, %d runs' status, rung, metrics.csv)" % len(a)))
        bad |= bool(why)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
