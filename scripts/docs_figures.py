"""Re-run every result quoted in README.md and docs/ and rewrite its marked block (scripts/docs-figures.sh).

A quoted result sits between markers in the Markdown:

    <!-- figure NAME (measured on COMMIT, DATE; OpenBLAS core CORE, OPENBLAS_L2_SIZE=L2) -->TEXT<!-- /figure -->

TEXT is what the figure's generator below prints, from runs made in a temporary directory with the
build's regmnist (the data found through $REGMNIST_DATA = the checkout's data/). Writing (the default)
replaces TEXT and the provenance, and redraws the figures made from the same runs (docs/img/
iris_dropout.png, l2_vs_dropout.png, with `regmnist plot`); --check re-runs and fails (exit 1) when a TEXT differs, wall-clock
seconds aside. Results depend on the sgemm kernels (the summation order), so a figure measured under
another OpenBLAS core or OPENBLAS_L2_SIZE than this machine's is skipped by --check with a message
(exit 77 when every selected figure was skipped); the environment is never changed.
"""
import argparse, csv, difflib, io, json, os, re, shutil, subprocess, sys, tempfile, time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = re.compile(r"<!-- figure ([a-z0-9_]+) \((.*?)\) -->(.*?)<!-- /figure -->", re.S)


class Runner:
    """Runs regmnist in a scratch directory (cwd), each distinct command once."""

    def __init__(self, binary, work):
        self.bin, self.work, self.done, self.core, self.write = binary, work, {}, None, False
        self.env = dict(os.environ, REGMNIST_DATA=os.path.join(TOP, "data"))

    def __call__(self, *args):
        key = args
        if key not in self.done:
            t0 = time.perf_counter()
            p = subprocess.run([self.bin, *args], cwd=self.work, env=self.env, capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit("docs-figures: regmnist %s failed (exit %d): %s" % (" ".join(args), p.returncode,
                                                                             p.stderr.strip()[-500:]))
            self.done[key] = (p.stdout, p.stderr, time.perf_counter() - t0)
        return self.done[key]

    def image(self, name, *plot_args):
        """docs/img/NAME from `regmnist plot PLOT_ARGS` on the runs (when writing; --check compares only text)."""
        if self.write:
            self("plot", *plot_args, "--out", os.path.join(TOP, "docs/img", name))

    def run_core(self, run_dir):
        """The sgemm kernel set a run used: summary.json's blas field '... (core: NAME)'; run_dir may be a
        sweep's directory (its first run's)."""
        top = os.path.join(self.work, run_dir)
        found = sorted(os.path.join(d, "summary.json") for d, _, files in os.walk(top) if "summary.json" in files)
        if not found:
            sys.exit("docs-figures: no summary.json under %s" % top)
        blas = json.load(open(found[0])).get("blas", "")
        m = re.search(r"core: ([^)]+)\)", blas)
        self.core = m.group(1) if m else "unknown"


def groups(path, key, metrics):
    """groups.csv rows as {value of key: {metric: (mean, std)}}."""
    out = {}
    for row in csv.DictReader(open(path)):
        out[row[key]] = {m: (float(row[m + "_mean"]), float(row[m + "_std"])) for m in metrics}
    return out


def pm(ms):
    return "%.2f ± %.2f" % ms


# ---- the figures --------------------------------------------------------------------------------

def study_runs(r, name, metrics, *plot):
    """Run configs/sweeps/NAME.json (--jobs 2) and summarize its metrics; redraw docs/img/NAME.png
    with `regmnist plot sweep` and the arguments plot when given; the groups.csv path."""
    r("sweep", os.path.join(TOP, "configs/sweeps/%s.json" % name), "--jobs", "2", "--quiet")
    r("summarize", "runs/" + name, "--metric", metrics, "--quiet")
    r.run_core("runs/" + name)
    if plot:
        r.image(name + ".png", "sweep", "runs/" + name, *plot)
    return os.path.join(r.work, "runs", name, "groups.csv")


def early_stop_line(r):
    _, err, _ = r("--config", os.path.join(TOP, "configs/early_stop.json"), "--out", "runs/early_stop")
    r.run_core("runs/early_stop")
    return "`" + err.strip().splitlines()[-1] + "`"


def early_stop_acc(r):
    r("--config", os.path.join(TOP, "configs/early_stop.json"), "--out", "runs/early_stop")
    r.run_core("runs/early_stop")
    s = json.load(open(os.path.join(r.work, "runs/early_stop/summary.json")))
    return "%.2f%%" % s["final"]["test_acc"]


def seed_table(r):
    rows = list(csv.DictReader(open(study_runs(r, "seed_table", "test_acc"))))
    _, _, secs = r("sweep", os.path.join(TOP, "configs/sweeps/seed_table.json"), "--jobs", "2", "--quiet")  # cached
    # zip order: plain, L2, dropout, shallow (the spec's levels, as groups.csv lists them)
    names = {("[128,64]", "0.0001", "0"): "L2", ("[128,64]", "0", "0.5"): "dropout", ("[]", "0", "0"): "shallow",
             ("[128,64]", "0", "0"): "plain"}
    parts = []
    for row in rows:
        k = tuple(row[c].replace(" ", "") for c in ("model.hidden", "regularization.l2", "model.dropout"))
        parts.append("%s %.2f ± %.2f" % (names.get(k, "/".join(k)), float(row["test_acc_mean"]),
                                          float(row["test_acc_std"])))
    return "(12 runs, %.1f s on 2 cores), then `regmnist summarize runs/seed_table --metric test_acc`: %s" % (
        secs, ", ".join(parts))


def iris_dropout(r):
    path = study_runs(r, "iris_dropout", "test_acc,train_acc,train_eval_acc", "--x", "dropout", "--y",
                      "train_eval_acc,test_acc")
    g = groups(path, "model.dropout", ("test_acc", "train_acc"))
    cols = ["0", "0.2", "0.5", "0.7", "0.9", "1"]
    lines = ["| dropout | " + " | ".join(cols) + " |", "| --- |" + " --: |" * len(cols),
             "| test acc | " + " | ".join(pm(g[c]["test_acc"]) for c in cols) + " |",
             "| train acc (train mode) | " + " | ".join(pm(g[c]["train_acc"]) for c in cols) + " |"]
    return "\n" + "\n".join(lines) + "\n"


def iris_train_eval(r):
    path = study_runs(r, "iris_dropout", "test_acc,train_acc,train_eval_acc", "--x", "dropout", "--y",
                      "train_eval_acc,test_acc")
    g = groups(path, "model.dropout", ("train_eval_acc",))
    return "%.2f at p = 0, still %.2f at p = 0.9, %.2f at p = 1" % tuple(g[c]["train_eval_acc"][0]
                                                                       for c in ("0", "0.9", "1"))


def study(r):
    path = study_runs(r, "l2_vs_dropout", "test_acc,gap", "--x", "dropout", "--y", "test_acc")
    rows = {(row["model.dropout"], row["regularization.l2"]): row for row in csv.DictReader(open(path))}
    shown = [("0", "0"), ("0", "1e-05"), ("0", "0.0001"), ("0", "0.001"), ("0.3", "0"), ("0.3", "0.0001"),
             ("0.5", "0"), ("0.5", "0.001")]
    lines = ["| dropout | l2 | n | test_acc | gap (train in eval mode − test) |", "| --- | --- | --: | --: | --: |"]
    for k in shown:
        row = rows[k]
        f = lambda m: float(row[m])
        lines.append("| %s | %s | %s | %.2f ± %.2f [%.2f, %.2f] | %.2f ± %.2f |" % (
            k[0], k[1], row["n"], f("test_acc_mean"), f("test_acc_std"), f("test_acc_ci95_low"),
            f("test_acc_ci95_high"), f("gap_mean"), f("gap_std")))
    return "\n" + "\n".join(lines) + "\n\n(8 of the 12 groups; mean ± std [95% CI] over seeds 1–3.)\n"


def compare(r, a, b):
    """regmnist compare A B: (difference B - A, CI low, CI high, p, test name)."""
    out, _, _ = r("compare", a, b)
    d = re.search(r"difference B - A: ([-+]?[0-9.]+), 95% CI \[([-+]?[0-9.]+), ([-+]?[0-9.]+)\]", out)
    p = re.search(r"^p = ([0-9.e-]+)", out, re.M)
    t = re.search(r"^test: ([^:]+):", out, re.M)
    if not (d and p and t):
        sys.exit("docs-figures: cannot read regmnist compare's output:\n" + out)
    return float(d.group(1)), float(d.group(2)), float(d.group(3)), float(p.group(1)), t.group(1)


def minus(text):
    """Typographic minus signs for the numbers in text (not in 1e-4 or t-test)."""
    return re.sub(r"(?<![\w.])-(?=\d)", "−", text)


def study_compare(r):
    study(r)
    diff, lo, hi, p, test = compare(r, "runs/l2_vs_dropout:l2=0,dropout=0", "runs/l2_vs_dropout:l2=0,dropout=0.5")
    diff2, _, _, p2, _ = compare(r, "runs/l2_vs_dropout:l2=0.0001,dropout=0", "runs/l2_vs_dropout:l2=0,dropout=0.5")
    return minus("dropout 0.5 against none is %+.2f points, 95%% CI [%+.2f, %+.2f], %s p = %.3f" %
                 (diff, lo, hi, test, p)) + \
        minus(" (the same seeds on both sides see the same batches and initialization); dropout 0.5 against L2 1e-4 "
              "differs by %+.2f points, p = %.3f" % (diff2, p2))


# name: (file, generator, takes under a minute on 2 cores)
FIGURES = {
    "early_stop_line": ("README.md", early_stop_line, True),
    "early_stop_acc": ("README.md", early_stop_acc, True),
    "seed_table": ("README.md", seed_table, True),
    "iris_dropout": ("README.md", iris_dropout, True),
    "iris_train_eval": ("README.md", iris_train_eval, True),
    "study": ("README.md", study, False),
    "study_compare": ("README.md", study_compare, False),
}


def normalize(text):
    """What --check compares: the text without wall-clock seconds."""
    return re.sub(r"\b\d+(\.\d+)? s\b", "T s", text)


def provenance(core):
    commit = subprocess.run(["git", "-C", TOP, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    # changes to the Markdown (the blocks being written) do not count: only to what makes the figures
    dirty = [line for line in subprocess.run(["git", "-C", TOP, "status", "--porcelain", "--untracked-files=no"],
                                             capture_output=True, text=True).stdout.splitlines()
             if not line.endswith(".md") and "docs/img/" not in line]
    return "measured on %s%s, %s; OpenBLAS core %s, OPENBLAS_L2_SIZE=%s" % (
        commit, "+changes" if dirty else "", time.strftime("%Y-%m-%d"), core, os.environ.get("OPENBLAS_L2_SIZE", "unset"))


def recorded_env(prov):
    m = re.search(r"OpenBLAS core (\S+), OPENBLAS_L2_SIZE=(\S+)", prov)
    return (m.group(1), m.group(2)) if m else None


def main():
    ap = argparse.ArgumentParser(prog="scripts/docs-figures.sh", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="figures to re-run (default: all; see --list)")
    ap.add_argument("--check", action="store_true", help="compare instead of rewriting; exit 1 on a difference")
    ap.add_argument("--quick", action="store_true", help="only the figures that take under a minute")
    ap.add_argument("--list", action="store_true", help="list the figures and where they are quoted")
    ap.add_argument("--build", default=os.path.join(TOP, "build"), help="build directory (default: build)")
    ap.add_argument("--root", default=TOP, help="where README.md and docs/ are read and written (default: the "
                    "checkout; the test points it at a doctored copy)")
    a = ap.parse_args()
    texts = {}
    for f in sorted({v[0] for v in FIGURES.values()}):
        texts[f] = open(os.path.join(a.root, f), encoding="utf-8").read()
    found = {m.group(1): (f, m) for f, t in texts.items() for m in MARK.finditer(t)}
    for n in a.names:
        if n not in FIGURES:
            sys.exit("docs-figures: unknown figure '%s' (known: %s)" % (n, ", ".join(FIGURES)))
    for n, (f, _, _) in FIGURES.items():
        if n not in found:
            sys.exit("docs-figures: %s: no <!-- figure %s (...) --> block" % (f, n))
    if a.list:
        for n, (f, _, quick) in FIGURES.items():
            print("%-16s %s%s  (%s)" % (n, f, "" if quick else "  [over a minute]", found[n][1].group(2)))
        return 0
    names = a.names or [n for n in FIGURES if FIGURES[n][2] or not a.quick]
    binary = os.path.join(a.build, "regmnist")
    if not os.access(binary, os.X_OK):
        sys.exit("docs-figures: %s: not built (cmake -S . -B build && cmake --build build)" % binary)
    work = tempfile.mkdtemp(prefix="regmnist-figures.")
    bad = skipped = 0
    try:
        r = Runner(binary, work)
        r.write = not a.check
        for n in names:
            f, gen, _ = FIGURES[n]
            print("docs-figures: %s ..." % n, file=sys.stderr, flush=True)
            text = gen(r)
            m = [m for m in MARK.finditer(texts[f]) if m.group(1) == n][0]
            if a.check:
                env = recorded_env(m.group(2))
                here = (r.core, os.environ.get("OPENBLAS_L2_SIZE", "unset"))
                if env != here:
                    skipped += 1
                    print("SKIPPED %s: measured with OpenBLAS core %s, OPENBLAS_L2_SIZE=%s; this machine runs %s, %s "
                          "(the kernels change the summation order)" % ((n,) + (env or ("?", "?")) + here))
                    continue
                if normalize(text) != normalize(m.group(3)):
                    bad += 1
                    diff = difflib.unified_diff(m.group(3).splitlines(), text.splitlines(), "%s (%s)" % (f, n),
                                                "re-run", lineterm="")
                    print("DIFFERS %s (%s):\n%s" % (n, f, "\n".join(diff)))
                else:
                    print("same %s (%s)" % (n, f))
                continue
            block = "<!-- figure %s (%s) -->%s<!-- /figure -->" % (n, provenance(r.core), text)
            texts[f] = texts[f][:m.start()] + block + texts[f][m.end():]
            open(os.path.join(a.root, f), "w", encoding="utf-8").write(texts[f])
            print("wrote %s (%s)" % (n, f))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if bad:
        print("docs-figures: %d figure(s) differ: re-run scripts/docs-figures.sh %s and commit" %
              (bad, " ".join(names)), file=sys.stderr)
        return 1
    if a.check and skipped == len(names):
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
