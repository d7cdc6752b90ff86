#!/usr/bin/python3
"""Benchmark regmnist against PyTorch 1.13, the programs alternating run by run.

usage: scripts/bench.sh [--runs N] [--build DIR] [--out DIR] [--only LIST] [--quick] [--no-sweep]
                        [--sweep-runs N] [--iris-sweep-runs N] [--iris-sweep-spec FILE]
                        [--coretype default|env|both|NAME] [--dataloader]

Rows (--only takes a comma-separated list of them; the default is all):
- workloads (alias headline): per workload of full MNIST, per round, one training epoch of regmnist
  (2 threads), two of the minimal PyTorch loop (bench/torch_minimal.py, the strictest peer; its faster
  epoch counts, the first including PyTorch's warm-up) and one of the PyTorch twin (scripts/torch_mlp.py:
  the typical loop, with per-step loss and accuracy). Each program's best (fastest) epoch and its
  median; speed-up = best PyTorch / best regmnist (noise on a shared machine only adds time), with the
  ratio of medians beside it. Also samples/s, test-evaluation seconds, peak RSS (/usr/bin/time -v),
  regmnist's GFLOP/s, the sgemm bound of the headline epoch measured in the same run (build/sgemm_peak
  on 2 threads), dropout's cost, 1 -> 2 threads.
- sweep: a 12-run MNIST sweep (4 configs x 3 seeds, 5% subset, 10 epochs), regmnist `sweep --jobs 2`
  against PyTorch run (a) as 2 one-thread processes at a time and (b) as one process looping over the
  runs (--sweep-runs rounds).
- smoke: configs/smoke_5pct.json as a whole process.
- iris: `regmnist --config configs/iris.json` as a whole process writing to a fresh directory on the
  disk of --out, wall time, against one run of bench/torch_iris.py (torch 1 thread, OpenBLAS 1 thread)
  as a whole process and its training alone (train_seconds: without the import and the reading).
- iris-sweep: the runs of --iris-sweep-spec (default configs/sweeps/iris_dropout.json, 110 runs) with
  `regmnist sweep --jobs 2 --quiet` into a fresh directory, against one bench/torch_iris.py process
  looping over the same runs (`regmnist sweep --list`), paying the import once (--iris-sweep-runs rounds).
- contention: with a CPU-bound busy loop pinned to the last CPU (taskset, started before and killed
  after the row), the headline epoch (configs/baseline.json, 1 epoch) at --threads 2 and --threads 1.
- taskset: the headline epoch with --threads auto under `taskset -c FIRST_CPU` and unpinned: the count
  and threads_source summary.json records, and the epoch.
The load average is recorded before each stage. Writes <out>/bench.md (with a Targets table: issue
21's targets, each with its figure and met / not met) and <out>/bench.json.

--coretype: OPENBLAS_CORETYPE for every program (regmnist, both PyTorch loops, sgemm_peak; both
programs use the same OpenBLAS, Debian's PyTorch through libblas.so.3): "default" unsets it and
OPENBLAS_L2_SIZE, so OpenBLAS picks the kernels for this CPU itself; "env" keeps the caller's values;
"both" runs the selected rows under "env" and then under "default", and bench.md has a section for
each; any other value (e.g. Haswell) is used as given. Every epoch of both programs then runs the same
sgemm kernels. Only the benchmark's own child processes see the change.
"""
import argparse, gzip, json, os, platform, re, shlex, shutil, signal, statistics as st, subprocess, sys, time

WORK = [  # name, config, --set overrides, issue 10's target workload (issue 21: >= 2.8x on every one)
    ("headline adam b64", "configs/baseline.json", [], True),
    ("dropout 0.5", "configs/baseline.json", ["model.dropout=0.5"], True),
    ("batchnorm", "configs/batchnorm.json", [], True),
    ("layernorm", "configs/layernorm.json", [], True),
    ("l2_dropout.json", "configs/l2_dropout.json", [], True),
    ("tutorial sgd b32 (128-64)", "configs/tutorial_plain.json", [], True),
    ("adam b32", "configs/baseline.json", ["training.batch_size=32"], False),
    ("adam b256", "configs/baseline.json", ["training.batch_size=256"], False),
]
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
ROWS = ("workloads", "sweep", "smoke", "iris", "iris-sweep", "contention", "taskset")
ALIAS = {"headline": "workloads", "table": "workloads"}
HEADLINE = "configs/baseline.json"
PY = "/usr/bin/python3"
lo = lambda xs, k="epoch": min(x[k] for x in xs)  # noqa: E731
med = lambda xs, k="epoch": st.median(x[k] for x in xs)  # noqa: E731


def load():
    return " / ".join(open("/proc/loadavg").read().split()[:3])


class Others:
    """CPU time used by other processes between marks: the machine's busy time (/proc/stat) minus this
    script's and its finished children's (os.times()). Prints as the average number of cores they took."""

    def __init__(self):
        self.t0 = self.sample()

    @staticmethod
    def sample():
        v = list(map(int, open("/proc/stat").readline().split()[1:]))
        busy = (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")
        t = os.times()
        return time.perf_counter(), busy, t.user + t.system + t.children_user + t.children_system

    def mark(self):
        t1 = self.sample()
        (w0, b0, m0), (w1, b1, m1) = self.t0, t1
        self.t0 = t1
        return max(0.0, (b1 - b0) - (m1 - m0)) / max(w1 - w0, 1e-9)


def check(cmd, p):
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")


def timed(cmd, env=None):
    """Run under /usr/bin/time -v; return (peak RSS MB, wall seconds)."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    check(cmd, p)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024, wall


def wall(cmd, env):
    """Run a whole process (stdout discarded); return its wall seconds, start to exit."""
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    w = time.perf_counter() - t
    check(cmd, p)
    return w


def alternate(i, *fs):
    """Call fs in order in even rounds i and in reverse order in odd ones."""
    for f in (fs if i % 2 == 0 else fs[::-1]):
        f()


def flops_per_epoch(hidden, n=60000):
    widths = [784] + hidden + [10]
    macs = sum(a * b for a, b in zip(widths, widths[1:]))
    return 2.0 * n * (3 * macs - 784 * widths[1])  # forward, dW, dx (none for the input layer)


def sgemm(build, threads, env):
    out = subprocess.run([os.path.join(build, "sgemm_peak"), str(threads)], capture_output=True, text=True,
                         env=env, check=True).stdout
    r = {k: v for k, v in re.findall(r"^(peak_gflops|headline_shapes_gflops|blas) (.*)$", out, re.M)}
    r["shapes"] = re.findall(r"^shape (.*)$", out, re.M)
    return r


def blas_env(coretype):
    """[(label, environment)] for the benchmark's child processes, one per OpenBLAS setting measured."""
    env = dict(os.environ)
    env.pop("OPENBLAS_NUM_THREADS", None)
    own = {k: v for k, v in env.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    given = ", ".join(f"{k}={env[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in env)
    kept = ("the environment's " + given) if given else "the environment's (none set: OpenBLAS's own choice)"
    if coretype == "default":
        return [("OpenBLAS's own choice", own)]
    if coretype == "env":
        return [(kept, env)]
    if coretype == "both":
        return [(kept, env), ("OpenBLAS's own choice (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset)", own)]
    return [(f"OPENBLAS_CORETYPE={coretype}", dict(env, OPENBLAS_CORETYPE=coretype))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--only", help="comma-separated rows: " + ",".join(ROWS) + " (default: all)")
    ap.add_argument("--quick", action="store_true", help="headline and dropout workloads only, no other row")
    ap.add_argument("--no-sweep", action="store_true", help="without the MNIST sweep and smoke rows")
    ap.add_argument("--sweep-runs", type=int, default=3)
    ap.add_argument("--iris-sweep-runs", type=int, default=3)
    ap.add_argument("--iris-sweep-spec", default="configs/sweeps/iris_dropout.json")
    ap.add_argument("--coretype", default="default")
    ap.add_argument("--dataloader", action="store_true", help="also time the DataLoader-style twin (headline)")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks (the busy loop's kill)
    sel = [ALIAS.get(x.strip(), x.strip()) for x in a.only.split(",")] if a.only else list(ROWS)
    bad = [x for x in sel if x not in ROWS]
    if bad:
        ap.error(f"--only: unknown row {bad[0]} (rows: {', '.join(ROWS)}, or headline for workloads)")
    sel = [x for x in ROWS if x in sel]
    if a.quick:
        sel = ["workloads"]
    if a.no_sweep:
        sel = [x for x in sel if x not in ("sweep", "smoke")]
    os.makedirs(a.out, exist_ok=True)
    gzdir = os.path.abspath(os.path.join(a.out, "data-gz"))
    if set(sel) - {"iris", "iris-sweep"}:
        os.makedirs(gzdir, exist_ok=True)
        for f in FILES:
            dst = os.path.join(gzdir, f + ".gz")
            if not os.path.exists(dst):
                with open(os.path.join("data/mnist", f), "rb") as i, gzip.open(dst, "wb", 6) as o:
                    shutil.copyfileobj(i, o)
    infos, md = {}, []
    settings = blas_env(a.coretype)
    for label, env in settings:
        info, lines = Bench(a, env, gzdir, sel).measure()
        info["openblas_setting"] = label
        infos[label] = info
        md += ([f"## {label}", ""] if len(settings) > 1 else []) + lines + [""]
    json.dump(next(iter(infos.values())) if len(infos) == 1 else {"settings": infos},
              open(os.path.join(a.out, "bench.json"), "w"), indent=1)
    open(os.path.join(a.out, "bench.md"), "w").write("\n".join(md))
    print("\n".join(md))


class Bench:
    """The selected rows under one OpenBLAS setting (env: the environment of every child process)."""

    def __init__(self, a, env, gzdir, sel):
        self.a, self.env, self.gzdir, self.sel = a, env, gzdir, sel
        self.loads, self.busy, self.others = {}, {}, None
        self.best, self.trial = (1, 1), {}

    def reg(self, cfg, sets, threads, tag, prefix=()):
        """One epoch of a full-MNIST config (gzip copies), as a whole process; its summary's figures."""
        out = os.path.join(self.a.out, "r", tag)
        cmd = list(prefix) + [os.path.join(self.a.build, "regmnist"), "--config", cfg, "--set",
                              f'data.dir="{self.gzdir}"', "--set", "training.epochs=1", "--threads", str(threads),
                              "--out", out, "--force", "--quiet"]
        for s in sets:
            cmd += ["--set", s]
        rss, _ = timed(cmd, self.env)
        s = json.load(open(os.path.join(out, "summary.json")))
        return {"epoch": s["train_seconds"], "eval": s["eval_seconds"], "load": s["load_seconds"],
                "sps": s["samples_per_second"], "rss": rss, "threads": s["threads"],
                "threads_source": s.get("threads_source")}

    def torch_env(self, blas_threads):
        """The environment of a PyTorch process with OpenBLAS's thread count (0 = its default)."""
        return dict(self.env, OPENBLAS_NUM_THREADS=str(blas_threads)) if blas_threads else self.env

    def minimal(self, cfg, sets, torch_threads, blas_threads):
        js = os.path.join(self.a.out, "minimal.json")
        cmd = [PY, "bench/torch_minimal.py", "--config", cfg, "--set", f"data.dir={self.gzdir}",
               "--epochs", "2", "--threads", str(torch_threads), "--out", js]
        rss = timed(cmd + [x for s in sets for x in ("--set", s)], self.torch_env(blas_threads))[0]
        r = json.load(open(js))["runs"][0]
        ep = min(r["epoch_seconds"])  # 2 epochs, the faster: the first includes PyTorch's warm-up
        return {"epoch": ep, "eval": r["eval_seconds"][-1], "sps": r["n_train"] / ep, "rss": rss}

    def twin(self, cfg, sets, torch_threads, blas_threads, loader="tensor"):
        out = os.path.join(self.a.out, "t", "x")
        cmd = [PY, "scripts/torch_mlp.py", "--config", cfg, "--set", f"data.dir={self.gzdir}", "--epochs", "1",
               "--threads", str(torch_threads), "--loader", loader, "--out", out, "--quiet"]
        rss = timed(cmd + [x for s in sets for x in ("--set", s)], self.torch_env(blas_threads))[0]
        s = json.load(open(os.path.join(out, "summary.json")))
        return {"epoch": s["epoch_seconds"][0], "eval": s["eval_seconds"][0], "sps": s["samples_per_second"], "rss": rss}

    def fresh_dir(self, name):
        """An empty directory <out>/name (absolute)."""
        d = os.path.abspath(os.path.join(self.a.out, name))
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def measure(self):
        """Every selected row; returns (bench.json's object, bench.md's lines)."""
        a = self.a
        self.loads["start"] = load()
        self.others = Others()
        out = os.path.join(a.out, "r", "blas")  # the BLAS line regmnist reports under this environment
        wall([os.path.join(a.build, "regmnist"), "--config", "configs/iris.json", "--set", "training.epochs=1",
              "--out", out, "--force", "--quiet"], self.env)
        blas = json.load(open(os.path.join(out, "summary.json")))["blas"]
        core = re.search(r"\(core: (.*)\)", blas).group(1) + (
            f" (OPENBLAS_CORETYPE={self.env['OPENBLAS_CORETYPE']})" if "OPENBLAS_CORETYPE" in self.env
            else " (OpenBLAS's own choice)")
        if "workloads" in self.sel:
            self.pick_torch()
            self.busy["PyTorch settings"] = self.others.mark()
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
        info = {"cpu": cpu, "cores": os.cpu_count(), "blas": blas, "coretype": core, "runs": a.runs,
                "machine": platform.machine(), "date": time.strftime("%Y-%m-%d %H:%M"), "rows": self.sel}
        L = [f"CPU: {cpu}, {os.cpu_count()} cores; {blas.split(' (core')[0]}; sgemm kernels of every program: {core}. "
             f"Rows: {', '.join(self.sel)}."]
        for name in ROWS:
            if name in self.sel:
                self.loads[name] = load()
                info[name], lines = getattr(self, "row_" + name.replace("-", "_"))()
                self.busy[name] = self.others.mark()
                L += [""] + lines
        self.loads["end"] = load()
        info.update(loads=self.loads, other_processes_cores=self.busy)
        if self.trial:
            info.update(torch_setting=list(self.best), torch_trial={tset(k): v for k, v in self.trial.items()})
        L += [""] + targets(info)
        L += ["", "Load average (1 / 5 / 15 min) at each stage: " + "; ".join(f"{k}: {v}" for k, v in self.loads.items()) + ".",
              "CPU taken by other processes during each stage (machine busy time minus the benchmark's own, in "
              "cores): " + "; ".join(f"{k}: {v:.2f}" for k, v in self.busy.items()) + "."]
        return info, L

    def pick_torch(self):
        """PyTorch's thread setting: the issue's (torch 1 thread, OpenBLAS's default threads) unless another is
        faster for the minimal loop on the headline workload (one run each; 0 = OpenBLAS's default)."""
        self.trial = {s_: self.minimal(HEADLINE, [], s_[0], s_[1])["epoch"] for s_ in [(1, 0), (1, 1), (2, 1), (2, 0)]}
        self.best = min(self.trial, key=self.trial.get)
        print(f"bench: PyTorch settings -> epoch s: { {tset(k): round(v, 3) for k, v in self.trial.items()} }; "
              f"using {tset(self.best)}", file=sys.stderr)

    def row_workloads(self):
        """The one-epoch table of WORK (--quick: its first two), the sgemm bound and 1 -> 2 threads."""
        a, env, best = self.a, self.env, self.best
        peak = {t: float(sgemm(a.build, t, env)["peak_gflops"]) for t in (1, 2)}
        work = WORK[:2] if a.quick else WORK
        # Round-robin: each round runs every workload once (the programs alternating, their order rotating), so
        # slow and fast spells of a shared machine fall on all workloads alike.
        R, M, T, R1 = ({w[0]: [] for w in work} for _ in range(4))
        for i in range(a.runs):
            self.loads[f"workloads round {i + 1}"] = load()
            for k, (name, cfg, sets, target) in enumerate(work):
                order = [lambda: R[name].append(self.reg(cfg, sets, 2, "x")),
                         lambda: M[name].append(self.minimal(cfg, sets, *best)),
                         lambda: T[name].append(self.twin(cfg, sets, *best))]
                for j in range(3):
                    order[(i + k + j) % 3]()
                if name.startswith("headline"):
                    R1[name].append(self.reg(cfg, sets, 1, "x1"))
            print(f"bench: round {i + 1}: " + ", ".join(f"{n} {R[n][-1]['epoch']:.3f}/{M[n][-1]['epoch']:.3f}" for n in R),
                  file=sys.stderr)
        rows = []
        for name, cfg, sets, target in work:
            r, m, t = R[name], M[name], T[name]
            row = {"name": name, "target": target, "reg_best": lo(r), "reg_median": med(r), "min_best": lo(m),
                   "min_median": med(m), "twin_best": lo(t), "twin_median": med(t), "reg_epochs": [x["epoch"] for x in r],
                   "min_epochs": [x["epoch"] for x in m], "twin_epochs": [x["epoch"] for x in t],
                   "reg_sps": 60000 / lo(r), "min_sps": 60000 / lo(m), "reg_eval": med(r, "eval"),
                   "min_eval": med(m, "eval"), "twin_eval": med(t, "eval"), "reg_rss": max(x["rss"] for x in r),
                   "min_rss": max(x["rss"] for x in m), "twin_rss": max(x["rss"] for x in t), "load": med(r, "load")}
            row["speedup_best"] = row["min_best"] / row["reg_best"]
            row["speedup_median"] = row["min_median"] / row["reg_median"]
            row["twin_speedup_best"] = row["twin_best"] / row["reg_best"]
            hidden = json.load(open(cfg))["model"].get("hidden", [256, 128])
            row["gflops"] = flops_per_epoch(hidden) / 1e9 / row["reg_best"]
            if R1[name]:
                row["reg_best_1t"] = lo(R1[name])
                row["reg_median_1t"] = med(R1[name])
                row["speedup_1_to_2"] = lo(R1[name]) / row["reg_best"]
                if a.dataloader:
                    D = [self.twin(cfg, sets, 1, 1, "dataloader") for _ in range(max(1, a.runs // 2))]
                    row["dataloader_best"] = lo(D)
            rows.append(row)
            print(f"bench: {name}: regmnist best {row['reg_best']:.3f} s, minimal PyTorch {row['min_best']:.3f} s "
                  f"({row['speedup_best']:.2f}x), twin {row['twin_best']:.3f} s", file=sys.stderr)
        end2 = sgemm(a.build, 2, env)
        peak[2] = max(peak[2], float(end2["peak_gflops"]))  # best of the two measurements, before and after the workloads
        h = rows[0]
        h_flops = flops_per_epoch([256, 128]) / 1e9
        bound = h_flops / peak[2]
        drop = next((r for r in rows if r["name"].startswith("dropout")), None)
        res = {"rows": rows, "sgemm_peak_gflops": peak, "headline_gflop": h_flops, "sgemm_bound_s": bound,
               "headline_products_2_threads": end2["shapes"]}
        L = [f"sgemm peak (2048^3, build/sgemm_peak, this run): {peak[1]:.0f} GFLOP/s on 1 thread, {peak[2]:.0f} on 2. "
             f"PyTorch 1.13: {tset(best)} (of {', '.join(f'{tset(k)}: {v:.2f} s' for k, v in self.trial.items())}). "
             f"regmnist: 2 threads. {a.runs} rounds, each running every workload once, the programs alternating; "
             f"best = fastest epoch, median beside it; "
             f"speed-up = best minimal PyTorch / best regmnist (median ratio in brackets).", "",
             "| workload | regmnist s/epoch best (median) | minimal PyTorch best (median) | speed-up | "
             "PyTorch twin best (median) | vs twin | regmnist samples/s | eval s (regmnist / minimal / twin) | "
             "peak RSS MB (regmnist / minimal / twin) | regmnist GFLOP/s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for r in rows:
            L.append(f"| {r['name']} | {r['reg_best']:.3f} ({r['reg_median']:.3f}) | {r['min_best']:.3f} ({r['min_median']:.3f}) "
                     f"| **{r['speedup_best']:.2f}x** ({r['speedup_median']:.2f}x) | {r['twin_best']:.3f} ({r['twin_median']:.3f}) "
                     f"| {r['twin_speedup_best']:.2f}x | {r['reg_sps']:.0f} | {r['reg_eval']:.3f} / {r['min_eval']:.3f} / "
                     f"{r['twin_eval']:.3f} | {r['reg_rss']:.0f} / {r['min_rss']:.0f} / {r['twin_rss']:.0f} | {r['gflops']:.0f} |")
        L += ["", f"Headline: {h_flops:.1f} GFLOP per epoch; sgemm bound at {peak[2]:.0f} GFLOP/s (2 threads) "
              f"{bound:.3f} s; best epoch {h['reg_best']:.3f} s = {h['reg_best'] / bound:.2f}x the bound. "
              f"regmnist 1 thread best {h['reg_best_1t']:.3f} s, 1 -> 2 threads {h['speedup_1_to_2']:.2f}x. "
              f"Loading + checking the four .gz files {h['load']:.3f} s (median)."]
        L.append("The headline's products through regmnist's tiles on 2 threads (build/sgemm_peak, this run): " +
                 "; ".join(end2["shapes"]) + f"; together {end2['headline_shapes_gflops']} GFLOP/s.")
        if drop:
            pairs = [d / e for d, e in zip(drop["reg_epochs"], h["reg_epochs"])]  # the same round, minutes apart at most
            res["dropout_cost"] = {"best_vs_best": drop["reg_best"] / h["reg_best"] - 1, "median_round": st.median(pairs) - 1}
            L.append(f"Dropout 0.5 costs {100 * (drop['reg_best'] / h['reg_best'] - 1):+.1f}% over the same model "
                     f"without it, best vs best ({100 * (st.median(pairs) - 1):+.1f}% as the median of the rounds' ratios).")
        if "dataloader_best" in h:
            L.append(f"DataLoader-style twin (torch 1 / OpenBLAS 1): best {h['dataloader_best']:.2f} s/epoch.")
        return res, L

    def row_sweep(self):
        """12-run MNIST sweep wall times: regmnist sweep --jobs 2 vs PyTorch (a) and (b)."""
        a, env = self.a, self.env
        d = self.fresh_dir("sweep")
        base = os.path.abspath("configs/smoke_5pct.json")
        grid = {"regularization.l2": [0, 1e-4], "model.dropout": [0, 0.5]}
        seeds = [1, 2, 3]
        runs = [(l2, p, s) for l2 in grid["regularization.l2"] for p in grid["model.dropout"] for s in seeds]
        R, A, B = [], [], []
        for i in range(a.sweep_runs):
            spec = os.path.join(d, f"spec{i}.json")
            json.dump({"name": "bench_sweep", "base": base, "set": {"data.dir": self.gzdir, "training.epochs": 10},
                       "grid": grid, "seeds": seeds, "out": os.path.join(d, f"reg{i}")}, open(spec, "w"))
            R.append(wall([os.path.join(a.build, "regmnist"), "sweep", spec, "--jobs", "2", "--quiet"], env))
            # (a) 2 processes at a time, 1 torch thread and 1 OpenBLAS thread each
            cmds = [[PY, "bench/torch_minimal.py", "--config", base, "--set", f"data.dir={self.gzdir}",
                     "--set", f"regularization.l2={l2}", "--set", f"model.dropout={p}", "--seed", str(s), "--epochs", "10",
                     "--eval-every-epoch", "--threads", "1", "--out", os.path.join(d, f"a{i}_{k}.json")]
                    for k, (l2, p, s) in enumerate(runs)]
            e1 = self.torch_env(1)
            t = time.perf_counter()
            live = []
            for c in cmds:
                while len(live) >= 2:
                    live = [q for q in live if q.poll() is None]
                    if len(live) >= 2:
                        time.sleep(0.005)
                live.append(subprocess.Popen(c, env=e1))
            for q in live:
                q.wait()
            A.append(time.perf_counter() - t)
            # (b) one process looping over the 12 runs, paying the import once
            many = os.path.join(d, f"many{i}.json")
            json.dump([{"config": base, "set": [f"data.dir={self.gzdir}", f"regularization.l2={l2}", f"model.dropout={p}"],
                        "seed": s, "epochs": 10} for l2, p, s in runs], open(many, "w"))
            tb = [wall([PY, "bench/torch_minimal.py", "--many", many, "--threads", str(tt), "--out",
                        os.path.join(d, f"b{i}.json")], self.torch_env(bt))
                  for tt, bt in ((1, 0), (2, 1))]  # the better of two settings
            B.append(min(tb))
            print(f"bench: sweep {i + 1}: regmnist {R[-1]:.2f} s, PyTorch (a) {A[-1]:.2f} s, (b) {B[-1]:.2f} s",
                  file=sys.stderr)
        s = {"reg": R, "a": A, "b": B, "reg_best": min(R), "reg_median": st.median(R), "a_best": min(A),
             "a_median": st.median(A), "b_best": min(B), "b_median": st.median(B)}
        s["speedup_best"] = min(s["a_best"], s["b_best"]) / s["reg_best"]
        s["speedup_median"] = min(s["a_median"], s["b_median"]) / s["reg_median"]
        return s, [f"Sweep: 12 runs (4 configs x 3 seeds, 5% subset, 10 epochs, val + test evaluated each epoch), "
                   f"best (median) of {a.sweep_runs} wall times: regmnist `sweep --jobs 2` {s['reg_best']:.2f} s "
                   f"({s['reg_median']:.2f}); PyTorch (a) 2 processes x 1 thread {s['a_best']:.2f} s "
                   f"({s['a_median']:.2f}); (b) one process (the better of torch 1 / OpenBLAS default and torch 2 / "
                   f"OpenBLAS 1 each time) {s['b_best']:.2f} s ({s['b_median']:.2f}); "
                   f"speed-up against the better {s['speedup_best']:.2f}x ({s['speedup_median']:.2f}x on medians)."]

    def row_smoke(self):
        """configs/smoke_5pct.json as a whole process (its own thread setting), and the loading part of it."""
        W, Ld, rss = [], [], 0
        for i in range(max(5, self.a.sweep_runs)):
            out = os.path.join(self.a.out, "smoke")
            r, w = timed([os.path.join(self.a.build, "regmnist"), "--config", "configs/smoke_5pct.json", "--set",
                          f'data.dir="{self.gzdir}"', "--out", out, "--force", "--quiet"], self.env)
            s = json.load(open(os.path.join(out, "summary.json")))
            W.append(w)
            Ld.append(s["load_seconds"])
            rss = max(rss, r)
            threads = s["threads"]
        m = {"wall": W, "wall_best": min(W), "wall_median": st.median(W), "load_median": st.median(Ld), "rss": rss,
             "threads": threads}
        return m, [f"configs/smoke_5pct.json (5 epochs, {threads} threads) as a whole process: best {m['wall_best']:.3f} s "
                   f"(median {m['wall_median']:.3f}), of which loading the four files {m['load_median']:.3f} s "
                   f"(peak RSS {m['rss']:.0f} MB)."]

    def row_iris(self):
        """configs/iris.json as a whole process into a fresh directory vs one bench/torch_iris.py run."""
        a = self.a
        d = self.fresh_dir("iris")
        R, T = [], []
        for i in range(a.runs):
            def reg():
                out = os.path.join(d, "run")
                shutil.rmtree(out, ignore_errors=True)
                w = wall([os.path.join(a.build, "regmnist"), "--config", "configs/iris.json", "--out", out], self.env)
                s = json.load(open(os.path.join(out, "summary.json")))
                R.append({"wall": w, "train": s["train_seconds"], "threads": s["threads"]})

            def torch():
                js = os.path.join(d, "torch.json")
                w = wall([PY, "bench/torch_iris.py", "--config", "configs/iris.json", "--threads", "1", "--out", js],
                         self.torch_env(1))
                r = json.load(open(js))
                T.append({"wall": w, "train": r["runs"][0]["train_seconds"], "import": r["import_seconds"]})
            alternate(i, reg, torch)
            print(f"bench: iris {i + 1}: regmnist {R[-1]['wall']:.3f} s, PyTorch {T[-1]['wall']:.2f} s "
                  f"(training {T[-1]['train']:.2f} s)", file=sys.stderr)
        m = {"reg": R, "torch": T, "reg_best": lo(R, "wall"), "reg_median": med(R, "wall"),
             "reg_train_best": lo(R, "train"), "torch_best": lo(T, "wall"), "torch_median": med(T, "wall"),
             "torch_train_best": lo(T, "train"), "torch_train_median": med(T, "train"),
             "torch_import_median": med(T, "import"), "threads": R[0]["threads"]}
        m["speedup_train_best"] = m["torch_train_best"] / m["reg_best"]
        m["speedup_train_median"] = m["torch_train_median"] / m["reg_median"]
        m["speedup_process_best"] = m["torch_best"] / m["reg_best"]
        return m, ["Iris, one run (configs/iris.json: 4-32-3, SGD lr 0.005, batch 16, 1000 epochs; regmnist "
                   f"{m['threads']} threads (auto), a fresh run directory on the disk of --out; PyTorch: bench/torch_iris.py, "
                   f"torch 1 / OpenBLAS 1 thread), best (median) of {a.runs}, alternating:",
                   "", "| iris single run | best s | median s |", "| --- | --- | --- |",
                   f"| regmnist, whole process (wall) | {m['reg_best']:.3f} | {m['reg_median']:.3f} |",
                   f"| regmnist, training (summary train_seconds) | {m['reg_train_best']:.3f} | {med(R, 'train'):.3f} |",
                   f"| minimal PyTorch, whole process (wall) | {m['torch_best']:.3f} | {m['torch_median']:.3f} |",
                   f"| minimal PyTorch, training only (no import, no reading) | {m['torch_train_best']:.3f} | "
                   f"{m['torch_train_median']:.3f} |", "",
                   f"Speed-up, regmnist's whole process against PyTorch's training alone: **{m['speedup_train_best']:.1f}x** "
                   f"({m['speedup_train_median']:.1f}x on medians); against PyTorch's whole process "
                   f"{m['speedup_process_best']:.1f}x (PyTorch's import: {m['torch_import_median']:.2f} s, median)."]

    def row_iris_sweep(self):
        """The iris sweep spec with regmnist sweep --jobs 2 vs one bench/torch_iris.py process over its runs."""
        a = self.a
        d = self.fresh_dir("iris-sweep")
        spec = json.load(open(a.iris_sweep_spec))
        spec["base"] = os.path.abspath(os.path.join(os.path.dirname(a.iris_sweep_spec), spec["base"]))
        reg = os.path.join(a.build, "regmnist")
        p = subprocess.run([reg, "sweep", a.iris_sweep_spec, "--list"], capture_output=True, text=True, env=self.env)
        check([reg, "sweep", a.iris_sweep_spec, "--list"], p)
        runs = []
        for line in p.stdout.splitlines():  # the same runs, expanded by regmnist itself
            w = shlex.split(line)
            opt = lambda k: [w[j + 1] for j in range(len(w) - 1) if w[j] == k]  # noqa: E731
            runs.append({"config": opt("--config")[0], "set": opt("--set"), "seed": int(opt("--seed")[0])})
        many = os.path.join(d, "many.json")
        json.dump(runs, open(many, "w"))
        R, T = [], []
        for i in range(a.iris_sweep_runs):
            def regs():
                s = os.path.join(d, f"spec{i}.json")
                json.dump(dict(spec, out=os.path.join(d, f"reg{i}")), open(s, "w"))
                R.append(wall([reg, "sweep", s, "--jobs", "2", "--quiet"], self.env))

            def torch():
                js = os.path.join(d, "torch.json")
                T.append(wall([PY, "bench/torch_iris.py", "--many", many, "--threads", "1", "--out", js],
                              self.torch_env(1)))
            alternate(i, regs, torch)
            print(f"bench: iris sweep {i + 1}: regmnist {R[-1]:.2f} s, PyTorch {T[-1]:.2f} s", file=sys.stderr)
        r = json.load(open(os.path.join(d, "torch.json")))
        m = {"runs": len(runs), "reg": R, "torch": T, "reg_best": min(R), "reg_median": st.median(R),
             "torch_best": min(T), "torch_median": st.median(T), "spec": a.iris_sweep_spec,
             "torch_train_sum_last": sum(x["train_seconds"] for x in r["runs"])}
        m["speedup_best"] = m["torch_best"] / m["reg_best"]
        m["speedup_median"] = m["torch_median"] / m["reg_median"]
        return m, [f"Iris sweep: {a.iris_sweep_spec}, {len(runs)} runs, evaluated each epoch; best (median) of "
                   f"{a.iris_sweep_runs} wall times, alternating: regmnist `sweep --jobs 2 --quiet` into a fresh "
                   f"directory {m['reg_best']:.2f} s ({m['reg_median']:.2f}); one PyTorch process looping over the same "
                   f"runs (bench/torch_iris.py --many, torch 1 / OpenBLAS 1 thread, the import paid once) "
                   f"{m['torch_best']:.2f} s ({m['torch_median']:.2f}; its runs' training alone "
                   f"{m['torch_train_sum_last']:.2f} s in the last round): **{m['speedup_best']:.1f}x** "
                   f"({m['speedup_median']:.1f}x on medians)."]

    def row_contention(self):
        """The headline epoch at --threads 2 and 1 while a busy loop runs pinned to the last CPU."""
        a = self.a
        cpu = sorted(os.sched_getaffinity(0))[-1]
        busy = subprocess.Popen(["taskset", "-c", str(cpu), "sh", "-c", "while :; do :; done"], start_new_session=True)
        R1, R2 = [], []
        try:
            time.sleep(0.2)
            if busy.poll() is not None:
                sys.exit(f"bench: the busy loop (taskset -c {cpu} sh) exited with {busy.returncode}")
            for i in range(a.runs):
                one = lambda: R1.append(self.reg(HEADLINE, [], 1, "c1"))  # noqa: E731
                two = lambda: R2.append(self.reg(HEADLINE, [], 2, "c2"))  # noqa: E731
                alternate(i, one, two)
                print(f"bench: contention {i + 1}: threads 1 {R1[-1]['epoch']:.3f} s, 2 {R2[-1]['epoch']:.3f} s",
                      file=sys.stderr)
        finally:  # also on an error, ^C or SIGTERM (main turns it into SystemExit)
            try:
                os.killpg(busy.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            busy.wait()
        ratios = [y["epoch"] / x["epoch"] for x, y in zip(R1, R2)]
        m = {"cpu": cpu, "t1": [x["epoch"] for x in R1], "t2": [x["epoch"] for x in R2], "t1_best": lo(R1),
             "t2_best": lo(R2), "t1_median": med(R1), "t2_median": med(R2), "round_ratios": ratios,
             "ratio_best": lo(R2) / lo(R1), "ratio_worst_round": max(ratios), "rss": max(x["rss"] for x in R1 + R2)}
        return m, [f"Contention: a CPU-bound busy loop (`taskset -c {cpu} sh -c 'while :; do :; done'`) runs throughout; "
                   f"the headline epoch (configs/baseline.json, 1 epoch), alternating, {a.runs} rounds: --threads 1 best "
                   f"{m['t1_best']:.3f} s (median {m['t1_median']:.3f}), --threads 2 best {m['t2_best']:.3f} s (median "
                   f"{m['t2_median']:.3f}): threads 2 / threads 1 **{m['ratio_best']:.2f}** best vs best; per round "
                   + ", ".join(f"{x:.2f}" for x in ratios) + "."]

    def row_taskset(self):
        """The headline epoch with --threads auto pinned to one CPU (taskset) and unpinned."""
        a = self.a
        cpu = sorted(os.sched_getaffinity(0))[0]
        P, U = [], []
        for i in range(a.runs):
            pin = lambda: P.append(self.reg(HEADLINE, [], "auto", "p", ["taskset", "-c", str(cpu)]))  # noqa: E731
            free = lambda: U.append(self.reg(HEADLINE, [], "auto", "u"))  # noqa: E731
            alternate(i, pin, free)
            print(f"bench: taskset {i + 1}: pinned {P[-1]['threads']} threads {P[-1]['epoch']:.3f} s, unpinned "
                  f"{U[-1]['threads']} threads {U[-1]['epoch']:.3f} s", file=sys.stderr)
        src = lambda xs: sorted({f"{x['threads']} ({x['threads_source']})" for x in xs})  # noqa: E731
        m = {"cpu": cpu, "pinned_threads": [x["threads"] for x in P], "pinned_source": [x["threads_source"] for x in P],
             "unpinned_threads": [x["threads"] for x in U], "unpinned_source": [x["threads_source"] for x in U],
             "pinned_best": lo(P), "pinned_median": med(P), "unpinned_best": lo(U), "unpinned_median": med(U),
             "rss": max(x["rss"] for x in P + U)}
        return m, [f"`auto` under taskset: the headline epoch with --threads auto, {a.runs} rounds alternating. "
                   f"`taskset -c {cpu}`: threads (threads_source) {', '.join(src(P))}, best {m['pinned_best']:.3f} s "
                   f"(median {m['pinned_median']:.3f}); unpinned: {', '.join(src(U))}, best {m['unpinned_best']:.3f} s "
                   f"(median {m['unpinned_median']:.3f})."]


def tset(s_):
    return f"torch {s_[0]} / OpenBLAS {s_[1] or 'default'}"


def targets(info):
    """bench.md's Targets table: issue 21's targets, each with its figure and met / not met."""
    T = []

    def add(target, row, figure, met):
        if row not in info:
            T.append(f"| {target} | not measured (row {row} not selected) | - |")
        else:
            T.append(f"| {target} | {figure()} | {'yes' if met() else '**no**'} |")
    i, s, w = info.get("iris"), info.get("iris-sweep"), info.get("workloads")
    add("iris one run ≤ 0.1 s (whole process)", "iris", lambda: f"{i['reg_best']:.3f} s", lambda: i["reg_best"] <= 0.1)
    add("iris one run ≥ 8x the minimal PyTorch loop", "iris",
        lambda: f"{i['torch_train_best']:.3f} s (training only) / {i['reg_best']:.3f} s = {i['speedup_train_best']:.1f}x "
                f"(whole processes: {i['speedup_process_best']:.1f}x)", lambda: i["speedup_train_best"] >= 8)
    add("iris sweep ≥ 10x one PyTorch process", "iris-sweep",
        lambda: f"{s['torch_best']:.2f} / {s['reg_best']:.2f} s = {s['speedup_best']:.1f}x ({s['runs']} runs)",
        lambda: s["speedup_best"] >= 10)
    add("12-run MNIST sweep ≥ 5x the better PyTorch way", "sweep",
        lambda: f"{info['sweep']['speedup_best']:.2f}x", lambda: info["sweep"]["speedup_best"] >= 5)
    add("configs/smoke_5pct.json ≤ 0.4 s (whole process)", "smoke",
        lambda: f"{info['smoke']['wall_best']:.3f} s", lambda: info["smoke"]["wall_best"] <= 0.4)
    c = info.get("contention")
    add("busy second core: --threads 2 ≤ 1.10x --threads 1", "contention",
        lambda: f"{c['ratio_best']:.2f} best vs best (worst round {c['ratio_worst_round']:.2f})",
        lambda: c["ratio_best"] <= 1.10)
    k = info.get("taskset")
    add("`auto` under taskset -c picks 1 thread", "taskset",
        lambda: f"{sorted(set(k['pinned_threads']))} ({', '.join(sorted(set(map(str, k['pinned_source']))))})",
        lambda: set(k["pinned_threads"]) == {1})
    for r in (w or {}).get("rows", []):
        add(f"one run ≥ 2.8x the minimal loop: {r['name']}", "workloads",
            lambda r=r: f"{r['min_best']:.3f} / {r['reg_best']:.3f} s = {r['speedup_best']:.2f}x",
            lambda r=r: r["speedup_best"] >= 2.8)
    if not w:
        add("one run ≥ 2.8x the minimal loop, every workload", "workloads", None, None)
    add("headline epoch ≤ 1.2x the sgemm bound", "workloads",
        lambda: f"{w['rows'][0]['reg_best']:.3f} s = {w['rows'][0]['reg_best'] / w['sgemm_bound_s']:.2f}x of "
                f"{w['sgemm_bound_s']:.3f} s", lambda: w["rows"][0]["reg_best"] <= 1.2 * w["sgemm_bound_s"])
    rss = [r["reg_rss"] for r in (w or {}).get("rows", [])] + [info[x]["rss"] for x in ("contention", "taskset") if x in info]
    T.append(f"| peak RSS < 100 MB on full MNIST | "
             + (f"{max(rss):.0f} MB (the most of every full-MNIST regmnist run measured) | "
                f"{'yes' if max(rss) < 100 else '**no**'} |" if rss else "not measured | - |"))
    return ["Targets (issue 21; under " + info["coretype"] + "):", "", "| target | measured | met? |",
            "| --- | --- | --- |"] + T


if __name__ == "__main__":
    main()
