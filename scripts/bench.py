#!/usr/bin/python3
"""Benchmark regmnist against its PyTorch twin on full MNIST, alternating the programs run by run.

usage: scripts/bench.sh [--runs N] [--build DIR] [--out DIR] [--quick]
Per workload: seconds per training epoch, samples/s, test-evaluation seconds, peak RSS (/usr/bin/time -v)
and regmnist's GFLOP/s against the sgemm peak measured here. Writes <out>/bench.md and bench.json.
"""
import argparse, gzip, json, os, platform, re, shutil, statistics as st, subprocess, sys

WORK = [  # name, config, --set overrides
    ("headline adam b64", "configs/baseline.json", []),
    ("adam b32", "configs/baseline.json", ["training.batch_size=32"]),
    ("adam b128", "configs/baseline.json", ["training.batch_size=128"]),
    ("adam b256", "configs/baseline.json", ["training.batch_size=256"]),
    ("dropout 0.5", "configs/baseline.json", ["model.dropout=0.5"]),
    ("batchnorm", "configs/batchnorm.json", []),
    ("layernorm", "configs/layernorm.json", []),
    ("tutorial sgd b32 (128-64)", "configs/tutorial_plain.json", []),
]


def timed(cmd, env=None):
    """Run under /usr/bin/time -v; return peak RSS in MB."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024


def flops_per_epoch(hidden, n=60000):
    widths = [784] + hidden + [10]
    macs = sum(a * b for a, b in zip(widths, widths[1:]))
    return 2.0 * n * (3 * macs - 784 * widths[1])  # forward, dW, dx (none for the input layer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--quick", action="store_true", help="headline workload only")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    gzdir = os.path.join(a.out, "data-gz")
    os.makedirs(gzdir, exist_ok=True)
    for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        dst = os.path.join(gzdir, f + ".gz")
        if not os.path.exists(dst):
            with open(os.path.join("data/mnist", f), "rb") as i, gzip.open(dst, "wb", 6) as o:
                shutil.copyfileobj(i, o)
    peak = {t: float(re.search(r"peak_gflops ([\d.]+)", subprocess.run(
        [os.path.join(a.build, "sgemm_peak"), str(t)], capture_output=True, text=True).stdout).group(1)) for t in (1, 2)}
    env = dict(os.environ)

    def reg(cfg, sets, threads, tag):
        out = os.path.join(a.out, "r", tag)
        cmd = [os.path.join(a.build, "regmnist"), "--config", cfg, "--set", f'data.dir="{gzdir}"',
               "--set", "training.epochs=1", "--threads", str(threads), "--out", out, "--quiet"]
        for s in sets:
            cmd += ["--set", s]
        rss = timed(cmd)
        s = json.load(open(os.path.join(out, "summary.json")))
        return {"epoch": s["train_seconds"], "eval": s["eval_seconds"], "load": s["load_seconds"],
                "sps": s["samples_per_second"], "rss": rss}

    def torch(cfg, sets, threads, blas_threads, loader, tag):
        out = os.path.join(a.out, "t", tag)
        cmd = ["/usr/bin/python3", "scripts/torch_mlp.py", "--config", cfg, "--set", f"data.dir={gzdir}",
               "--epochs", "1", "--threads", str(threads), "--loader", loader, "--out", out, "--quiet"]
        for s in sets:
            cmd += ["--set", s]
        e = dict(env, OPENBLAS_NUM_THREADS=str(blas_threads), OMP_NUM_THREADS=str(threads))
        rss = timed(cmd, e)
        s = json.load(open(os.path.join(out, "summary.json")))
        return {"epoch": s["epoch_seconds"][0], "eval": s["eval_seconds"][0], "sps": s["samples_per_second"], "rss": rss}

    # PyTorch's best thread setting on the headline workload (one run each).
    settings = [(1, 1), (1, 2), (2, 1), (2, 2)]
    trial = {st_: torch(WORK[0][1], [], st_[0], st_[1], "tensor", "trial")["epoch"] for st_ in settings}
    best = min(trial, key=trial.get)
    print(f"bench: torch settings (torch threads, OpenBLAS threads) -> epoch s: {trial}; best {best}", file=sys.stderr)
    rows = []
    for name, cfg, sets in (WORK[:1] if a.quick else WORK):
        R, T, R1 = [], [], []
        for i in range(a.runs):
            R.append(reg(cfg, sets, 2, "x"))
            T.append(torch(cfg, sets, best[0], best[1], "tensor", "x"))
            if name.startswith("headline"):
                R1.append(reg(cfg, sets, 1, "x1"))
        med = lambda xs, k: st.median(x[k] for x in xs)
        row = {"name": name, "regmnist_epoch": med(R, "epoch"), "torch_epoch": med(T, "epoch"),
               "ratio": st.median(t["epoch"] / r["epoch"] for r, t in zip(R, T)),
               "regmnist_sps": med(R, "sps"), "torch_sps": med(T, "sps"), "regmnist_eval": med(R, "eval"),
               "torch_eval": med(T, "eval"), "regmnist_rss": max(x["rss"] for x in R),
               "torch_rss": max(x["rss"] for x in T), "load": med(R, "load")}
        hidden = json.load(open(cfg))["model"].get("hidden", [256, 128])
        row["gflops"] = flops_per_epoch(hidden) / 1e9 / row["regmnist_epoch"]
        if R1:
            row["regmnist_epoch_1t"] = med(R1, "epoch")
            row["speedup_1_to_2"] = st.median(r1["epoch"] / r["epoch"] for r, r1 in zip(R, R1))
            D = [torch(cfg, sets, 1, 1, "dataloader", "dl") for _ in range(max(1, a.runs // 2))]
            row["dataloader_epoch"] = med(D, "epoch")
            row["dataloader_ratio"] = row["dataloader_epoch"] / row["regmnist_epoch"]
        rows.append(row)
        print(f"bench: {name}: regmnist {row['regmnist_epoch']:.3f} s, torch {row['torch_epoch']:.3f} s, "
              f"ratio {row['ratio']:.2f}", file=sys.stderr)
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    info = {"cpu": cpu, "cores": os.cpu_count(), "sgemm_peak_gflops": peak, "torch_best": list(best),
            "torch_trial": {f"torch {k[0]} / openblas {k[1]}": v for k, v in trial.items()},
            "runs": a.runs, "rows": rows, "machine": platform.machine()}
    json.dump(info, open(os.path.join(a.out, "bench.json"), "w"), indent=1)
    lines = [f"CPU: {cpu}, {os.cpu_count()} cores. sgemm peak (2048^3, this machine): {peak[1]:.0f} GFLOP/s on 1 "
             f"thread, {peak[2]:.0f} on 2. PyTorch setting used: torch threads {best[0]}, OpenBLAS threads {best[1]} "
             f"(fastest of {', '.join(f'{k}: {v:.2f} s' for k, v in trial.items())}). regmnist: 2 threads. "
             f"Medians of {a.runs} alternating runs; ratio = median of per-pair PyTorch/regmnist epoch times.", "",
             "| workload | regmnist s/epoch | PyTorch s/epoch | speed-up | regmnist samples/s | PyTorch samples/s | "
             "eval s (regmnist / PyTorch) | peak RSS MB (regmnist / PyTorch) | regmnist GFLOP/s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['regmnist_epoch']:.3f} | {r['torch_epoch']:.3f} | {r['ratio']:.2f}x | "
                     f"{r['regmnist_sps']:.0f} | {r['torch_sps']:.0f} | {r['regmnist_eval']:.3f} / {r['torch_eval']:.3f} | "
                     f"{r['regmnist_rss']:.0f} / {r['torch_rss']:.0f} | {r['gflops']:.0f} |")
    h = rows[0]
    lines += ["", f"Headline extras: DataLoader-style PyTorch {h['dataloader_epoch']:.2f} s/epoch "
              f"({h['dataloader_ratio']:.1f}x regmnist); regmnist 1 thread {h['regmnist_epoch_1t']:.3f} s/epoch, "
              f"1 -> 2 threads speed-up {h['speedup_1_to_2']:.2f}x; loading + checking the four .gz files "
              f"{h['load']:.3f} s."]
    open(os.path.join(a.out, "bench.md"), "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
