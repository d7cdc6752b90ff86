#!/usr/bin/python3
"""Benchmark regmnist against PyTorch 1.13 on full MNIST, the programs alternating run by run.

usage: scripts/bench.sh [--runs N] [--build DIR] [--out DIR] [--quick] [--no-sweep] [--sweep-runs N]
                        [--coretype default|env|NAME] [--dataloader]

Per workload, per run: one training epoch of regmnist (2 threads), two of the minimal PyTorch loop
(bench/torch_minimal.py, the strictest peer; its faster epoch counts, the first including PyTorch's
warm-up) and one of the PyTorch twin (scripts/torch_mlp.py: the typical loop, with per-step loss and
accuracy). Each program's best (fastest) epoch and its median; speed-up
= best PyTorch / best regmnist (noise on a shared machine only adds time), with the ratio of medians
beside it. Also samples/s, test-evaluation seconds, peak RSS (/usr/bin/time -v), regmnist's GFLOP/s,
the sgemm bound of the headline epoch measured in the same run (build/sgemm_peak on 2 threads),
dropout's cost, 1 -> 2 threads, and (unless --no-sweep) the throughput of a 12-run sweep (4 configs x
3 seeds, 5% subset, 10 epochs) against PyTorch run (a) as 2 one-thread processes at a time and (b) as
one process looping over the runs, plus the whole-process time of configs/smoke_5pct.json.
The load average is recorded before each workload. Writes <out>/bench.md and bench.json.

--coretype: OPENBLAS_CORETYPE for every program (regmnist, both PyTorch loops, sgemm_peak; both
programs use the same OpenBLAS, Debian's PyTorch through libblas.so.3): "default" unsets it, so
OpenBLAS picks the kernels for this CPU itself; "env" keeps the caller's value; any other value (e.g.
Haswell) is used as given. Every epoch of both programs then runs the same sgemm kernels.
"""
import argparse, gzip, json, os, platform, re, shutil, statistics as st, subprocess, sys, time

WORK = [  # name, config, --set overrides, target workload (>= 2.8x the minimal PyTorch loop)
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


def timed(cmd, env=None):
    """Run under /usr/bin/time -v; return (peak RSS MB, wall seconds)."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024, wall


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--quick", action="store_true", help="headline and dropout workloads only, no sweep")
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--sweep-runs", type=int, default=3)
    ap.add_argument("--coretype", default="default")
    ap.add_argument("--dataloader", action="store_true", help="also time the DataLoader-style twin (headline)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    gzdir = os.path.abspath(os.path.join(a.out, "data-gz"))
    os.makedirs(gzdir, exist_ok=True)
    for f in FILES:
        dst = os.path.join(gzdir, f + ".gz")
        if not os.path.exists(dst):
            with open(os.path.join("data/mnist", f), "rb") as i, gzip.open(dst, "wb", 6) as o:
                shutil.copyfileobj(i, o)
    env = dict(os.environ)
    env.pop("OPENBLAS_NUM_THREADS", None)
    if a.coretype == "default":
        env.pop("OPENBLAS_CORETYPE", None)
    elif a.coretype != "env":
        env["OPENBLAS_CORETYPE"] = a.coretype
    loads = {"start": load()}
    others = Others()
    busy = {}  # stage -> average cores used by other processes during it
    peak = {t: float(sgemm(a.build, t, env)["peak_gflops"]) for t in (1, 2)}
    blas = sgemm(a.build, 1, env)["blas"]
    core = re.search(r"\(core: (.*)\)", blas).group(1) + (
        f" (OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']})" if "OPENBLAS_CORETYPE" in env else " (OpenBLAS's own choice)")

    def reg(cfg, sets, threads, tag):
        out = os.path.join(a.out, "r", tag)
        cmd = [os.path.join(a.build, "regmnist"), "--config", cfg, "--set", f'data.dir="{gzdir}"',
               "--set", "training.epochs=1", "--threads", str(threads), "--out", out, "--force", "--quiet"]
        for s in sets:
            cmd += ["--set", s]
        rss, _ = timed(cmd, env)
        s = json.load(open(os.path.join(out, "summary.json")))
        return {"epoch": s["train_seconds"], "eval": s["eval_seconds"], "load": s["load_seconds"],
                "sps": s["samples_per_second"], "rss": rss}

    def torch_timed(cmd, sets, blas_threads):
        """Run a PyTorch program with --set overrides and OpenBLAS's thread count (0 = its default)."""
        for s in sets:
            cmd += ["--set", s]
        e = dict(env)
        if blas_threads:
            e["OPENBLAS_NUM_THREADS"] = str(blas_threads)
        return timed(cmd, e)[0]

    def minimal(cfg, sets, torch_threads, blas_threads):
        js = os.path.join(a.out, "minimal.json")
        cmd = ["/usr/bin/python3", "bench/torch_minimal.py", "--config", cfg, "--set", f"data.dir={gzdir}",
               "--epochs", "2", "--threads", str(torch_threads), "--out", js]
        rss = torch_timed(cmd, sets, blas_threads)
        r = json.load(open(js))["runs"][0]
        ep = min(r["epoch_seconds"])  # 2 epochs, the faster: the first includes PyTorch's warm-up
        return {"epoch": ep, "eval": r["eval_seconds"][-1], "sps": r["n_train"] / ep, "rss": rss}

    def twin(cfg, sets, torch_threads, blas_threads, loader="tensor"):
        out = os.path.join(a.out, "t", "x")
        cmd = ["/usr/bin/python3", "scripts/torch_mlp.py", "--config", cfg, "--set", f"data.dir={gzdir}",
               "--epochs", "1", "--threads", str(torch_threads), "--loader", loader, "--out", out, "--quiet"]
        rss = torch_timed(cmd, sets, blas_threads)
        s = json.load(open(os.path.join(out, "summary.json")))
        return {"epoch": s["epoch_seconds"][0], "eval": s["eval_seconds"][0], "sps": s["samples_per_second"], "rss": rss}

    # PyTorch's thread setting: the (torch 1 thread, OpenBLAS's default threads) unless another
    # is faster for the minimal loop on the headline workload (one run each; 0 = OpenBLAS's default).
    settings = [(1, 0), (1, 1), (2, 1), (2, 0)]
    trial = {s_: minimal(WORK[0][1], [], s_[0], s_[1])["epoch"] for s_ in settings}
    best = min(trial, key=trial.get)
    tset = lambda s_: f"torch {s_[0]} / OpenBLAS {s_[1] or 'default'}"  # noqa: E731
    print(f"bench: PyTorch settings -> epoch s: { {tset(k): round(v, 3) for k, v in trial.items()} }; "
          f"using {tset(best)}", file=sys.stderr)

    busy["sgemm peak and PyTorch settings"] = others.mark()
    rows = []
    work = WORK[:2] if a.quick else WORK
    # Round-robin: each round runs every workload once (the programs alternating, their order rotating), so
    # slow and fast spells of a shared machine fall on all workloads alike.
    R, M, T, R1 = ({w[0]: [] for w in work} for _ in range(4))
    for i in range(a.runs):
        loads[f"round {i + 1}"] = load()
        for k, (name, cfg, sets, target) in enumerate(work):
            order = [lambda: R[name].append(reg(cfg, sets, 2, "x")), lambda: M[name].append(minimal(cfg, sets, *best)),
                     lambda: T[name].append(twin(cfg, sets, *best))]
            for j in range(3):
                order[(i + k + j) % 3]()
            if name.startswith("headline"):
                R1[name].append(reg(cfg, sets, 1, "x1"))
        busy[f"round {i + 1}"] = others.mark()
        print(f"bench: round {i + 1}: " + ", ".join(f"{n} {R[n][-1]['epoch']:.3f}/{M[n][-1]['epoch']:.3f}" for n in R),
              file=sys.stderr)
    lo = lambda xs, k="epoch": min(x[k] for x in xs)  # noqa: E731
    med = lambda xs, k="epoch": st.median(x[k] for x in xs)  # noqa: E731
    for name, cfg, sets, target in work:
        r, m, t = R[name], M[name], T[name]
        row = {"name": name, "target": target, "reg_best": lo(r), "reg_median": med(r), "min_best": lo(m),
               "min_median": med(m), "twin_best": lo(t), "twin_median": med(t), "reg_epochs": [x["epoch"] for x in r],
               "min_epochs": [x["epoch"] for x in m], "twin_epochs": [x["epoch"] for x in t],
               "reg_sps": 60000 / lo(r), "min_sps": 60000 / lo(m), "reg_eval": med(r, "eval"), "min_eval": med(m, "eval"),
               "twin_eval": med(t, "eval"), "reg_rss": max(x["rss"] for x in r), "min_rss": max(x["rss"] for x in m),
               "twin_rss": max(x["rss"] for x in t), "load": med(r, "load")}
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
                D = [twin(cfg, sets, 1, 1, "dataloader") for _ in range(max(1, a.runs // 2))]
                row["dataloader_best"] = lo(D)
        rows.append(row)
        print(f"bench: {name}: regmnist best {row['reg_best']:.3f} s, minimal PyTorch {row['min_best']:.3f} s "
              f"({row['speedup_best']:.2f}x), twin {row['twin_best']:.3f} s", file=sys.stderr)
    loads["after workloads"] = load()
    end2 = sgemm(a.build, 2, env)
    peak[2] = max(peak[2], float(end2["peak_gflops"]))  # best of the two measurements, before and after the workloads
    h = rows[0]
    h_flops = flops_per_epoch([256, 128]) / 1e9
    bound = h_flops / peak[2]
    drop = next((r for r in rows if r["name"].startswith("dropout")), None)

    sweep = smoke = None
    if not (a.quick or a.no_sweep):
        loads["sweep"] = load()
        others.mark()
        sweep, smoke = run_sweep(a, env, gzdir, best)
        busy["sweep and smoke"] = others.mark()
        loads["after sweep"] = load()

    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    info = {"cpu": cpu, "cores": os.cpu_count(), "blas": blas, "coretype": core, "sgemm_peak_gflops": peak,
            "headline_gflop": h_flops, "sgemm_bound_s": bound, "torch_setting": list(best),
            "torch_trial": {tset(k): v for k, v in trial.items()}, "runs": a.runs, "rows": rows, "loads": loads,
            "other_processes_cores": busy, "headline_products_2_threads": end2["shapes"],
            "machine": platform.machine(), "sweep": sweep, "smoke": smoke, "date": time.strftime("%Y-%m-%d %H:%M")}
    L = [f"CPU: {cpu}, {os.cpu_count()} cores; {blas.split(' (core')[0]}; sgemm kernels of every program: {core}. "
         f"sgemm peak (2048^3, build/sgemm_peak, this run): {peak[1]:.0f} GFLOP/s on 1 thread, {peak[2]:.0f} on 2. "
         f"PyTorch 1.13: {tset(best)} (of {', '.join(f'{tset(k)}: {v:.2f} s' for k, v in trial.items())}). "
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
        info["dropout_cost"] = {"best_vs_best": drop["reg_best"] / h["reg_best"] - 1, "median_round": st.median(pairs) - 1}
        L.append(f"Dropout 0.5 costs {100 * (drop['reg_best'] / h['reg_best'] - 1):+.1f}% over the same model "
                 f"without it, best vs best ({100 * (st.median(pairs) - 1):+.1f}% as the median of the rounds' ratios).")
    if "dataloader_best" in h:
        L.append(f"DataLoader-style twin (torch 1 / OpenBLAS 1): best {h['dataloader_best']:.2f} s/epoch.")
    if sweep:
        L += ["", f"Sweep: 12 runs (4 configs x 3 seeds, 5% subset, 10 epochs, val + test evaluated each epoch), "
              f"best (median) of {a.sweep_runs} wall times: regmnist `sweep --jobs 2` {sweep['reg_best']:.2f} s "
              f"({sweep['reg_median']:.2f}); PyTorch (a) 2 processes x 1 thread {sweep['a_best']:.2f} s "
              f"({sweep['a_median']:.2f}); (b) one process (the better of torch 1 / OpenBLAS default and torch 2 / "
              f"OpenBLAS 1 each time) {sweep['b_best']:.2f} s ({sweep['b_median']:.2f}); "
              f"speed-up against the better {sweep['speedup_best']:.2f}x ({sweep['speedup_median']:.2f}x on medians).",
              f"configs/smoke_5pct.json (5 epochs, {smoke['threads']} threads) as a whole process: best {smoke['wall_best']:.3f} s "
              f"(median {smoke['wall_median']:.3f}), of which loading the four files {smoke['load_median']:.3f} s "
              f"(peak RSS {smoke['rss']:.0f} MB)."]
    L += ["", "Load average (1 / 5 / 15 min) at each stage: " + "; ".join(f"{k}: {v}" for k, v in loads.items()) + ".",
          "CPU taken by other processes during each stage (machine busy time minus the benchmark's own, in "
          "cores): " + "; ".join(f"{k}: {v:.2f}" for k, v in busy.items()) + "."]
    json.dump(info, open(os.path.join(a.out, "bench.json"), "w"), indent=1)
    open(os.path.join(a.out, "bench.md"), "w").write("\n".join(L) + "\n")
    print("\n".join(L))


def run_sweep(a, env, gzdir, best):
    """12-run sweep wall times: regmnist sweep --jobs 2 vs PyTorch (a) and (b); smoke config wall time."""
    d = os.path.abspath(os.path.join(a.out, "sweep"))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    base = os.path.abspath("configs/smoke_5pct.json")
    grid = {"regularization.l2": [0, 1e-4], "model.dropout": [0, 0.5]}
    seeds = [1, 2, 3]
    runs = [(l2, p, s) for l2 in grid["regularization.l2"] for p in grid["model.dropout"] for s in seeds]
    R, A, B = [], [], []
    for i in range(a.sweep_runs):
        spec = os.path.join(d, f"spec{i}.json")
        json.dump({"name": "bench_sweep", "base": base, "set": {"data.dir": gzdir, "training.epochs": 10},
                   "grid": grid, "seeds": seeds, "out": os.path.join(d, f"reg{i}")}, open(spec, "w"))
        t = time.perf_counter()
        subprocess.run([os.path.join(a.build, "regmnist"), "sweep", spec, "--jobs", "2", "--quiet"], env=env, check=True)
        R.append(time.perf_counter() - t)
        # (a) 2 processes at a time, 1 torch thread and 1 OpenBLAS thread each
        cmds = [["/usr/bin/python3", "bench/torch_minimal.py", "--config", base, "--set", f"data.dir={gzdir}",
                 "--set", f"regularization.l2={l2}", "--set", f"model.dropout={p}", "--seed", str(s), "--epochs", "10",
                 "--eval-every-epoch", "--threads", "1", "--out", os.path.join(d, f"a{i}_{k}.json")]
                for k, (l2, p, s) in enumerate(runs)]
        e1 = dict(env, OPENBLAS_NUM_THREADS="1")
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
        json.dump([{"config": base, "set": [f"data.dir={gzdir}", f"regularization.l2={l2}", f"model.dropout={p}"],
                    "seed": s, "epochs": 10} for l2, p, s in runs], open(many, "w"))
        tb = []
        for torch_threads, blas_threads in ((1, 0), (2, 1)):  # the better of two settings
            eb = dict(env)
            if blas_threads:
                eb["OPENBLAS_NUM_THREADS"] = str(blas_threads)
            t = time.perf_counter()
            subprocess.run(["/usr/bin/python3", "bench/torch_minimal.py", "--many", many, "--threads",
                            str(torch_threads), "--out", os.path.join(d, f"b{i}.json")], env=eb, check=True)
            tb.append(time.perf_counter() - t)
        B.append(min(tb))
        print(f"bench: sweep {i + 1}: regmnist {R[-1]:.2f} s, PyTorch (a) {A[-1]:.2f} s, (b) {B[-1]:.2f} s",
              file=sys.stderr)
    sweep = {"reg": R, "a": A, "b": B, "reg_best": min(R), "reg_median": st.median(R), "a_best": min(A),
             "a_median": st.median(A), "b_best": min(B), "b_median": st.median(B)}
    sweep["speedup_best"] = min(sweep["a_best"], sweep["b_best"]) / sweep["reg_best"]
    sweep["speedup_median"] = min(sweep["a_median"], sweep["b_median"]) / sweep["reg_median"]
    # the smoke config as a whole process (its own thread setting), and the loading part of it
    W, Ld, rss = [], [], 0
    for i in range(max(5, a.sweep_runs)):
        out = os.path.join(d, "smoke")
        r, w = timed([os.path.join(a.build, "regmnist"), "--config", "configs/smoke_5pct.json", "--set",
                      f'data.dir="{gzdir}"', "--out", out, "--force", "--quiet"], env)
        s = json.load(open(os.path.join(out, "summary.json")))
        W.append(w)
        Ld.append(s["load_seconds"])
        rss = max(rss, r)
        threads = s["threads"]
    smoke = {"wall": W, "wall_best": min(W), "wall_median": st.median(W), "load_median": st.median(Ld), "rss": rss,
             "threads": threads}
    return sweep, smoke


if __name__ == "__main__":
    main()
