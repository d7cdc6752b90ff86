#!/usr/bin/python3
"""The strictest PyTorch peer for scripts/bench.py: the shortest fast PyTorch 1.13 loop for a regmnist config.

The training set is one normalized float tensor, batches are randperm index slices, nothing is
computed per step beyond forward, loss, backward and the optimizer step (no loss.item(), no
accuracy), zero_grad(set_to_none=True), and an L2 penalty on the weights is folded into the
optimizer's weight decay where that is the same gradient (SGD and Adam: d/dw l2*w^2 = 2*l2*w; the
penalty value itself is not computed). Evaluation is one no_grad forward of the whole set: the
validation split and the test set, and (as regmnist's output.train_eval_samples, default 10000) a
fixed sample of up to --train-eval training images.

usage: /usr/bin/python3 bench/torch_minimal.py --config FILE [--set key=JSON]... [--seed N]
           [--epochs N] [--threads N] [--train-eval N] [--out FILE.json] [--eval-every-epoch]
       /usr/bin/python3 bench/torch_minimal.py --many FILE.json [--threads N] [--out FILE.json]
--many runs a list of runs in one process ([{"config": F, "set": [...], "seed": N, "epochs": N}, ...]),
paying the import once. Writes a JSON summary (per run: epoch_seconds, eval_seconds, load_seconds, train_seconds,
test_acc) to --out. Thread settings: torch.set_num_threads(--threads, default 1); OpenBLAS threads
come from the environment (OPENBLAS_NUM_THREADS; unset = OpenBLAS's default, the core count).
"""
import argparse, json, os, sys, time

T0 = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402

IMPORT_S = time.perf_counter() - T0
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import torch_mlp  # noqa: E402  (config defaults and merging, IDX reading, the balanced split)

_DATA = {}


def data(d):
    """Train and test images/labels of a config's data section, read once per process."""
    key = (d["dir"], d["train_images"], d["test_images"])
    if key not in _DATA:
        t = time.perf_counter()
        tri = torch_mlp.read_idx(os.path.join(d["dir"], d["train_images"]))
        trl = torch_mlp.read_idx(os.path.join(d["dir"], d["train_labels"]))
        tei = torch_mlp.read_idx(os.path.join(d["dir"], d["test_images"]))
        tel = torch_mlp.read_idx(os.path.join(d["dir"], d["test_labels"]))
        _DATA[key] = (tri, trl, tei, tel, time.perf_counter() - t)
    return _DATA[key]


def net_for(m, inputs=784, classes=10):
    """The model section as a torch.nn.Sequential: inputs features in, classes logits out."""
    hidden = m["hidden"]
    drops = m["dropout"] if isinstance(m["dropout"], list) else [m["dropout"]] * len(hidden)
    act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[m["activation"]]
    layers, width = [], inputs
    if m["input_dropout"] > 0:
        layers.append(torch.nn.Dropout(m["input_dropout"]))
    for h, p in zip(hidden, drops):
        layers.append(torch.nn.Linear(width, h))
        if m["norm"] == "batch":
            layers.append(torch.nn.BatchNorm1d(h))
        elif m["norm"] == "layer":
            layers.append(torch.nn.LayerNorm(h))
        layers.append(act())
        if p > 0:
            layers.append(torch.nn.Dropout(p))
        width = h
    layers.append(torch.nn.Linear(width, classes))
    return torch.nn.Sequential(*layers)


def optimizer_for(net, cfg):
    o, r = cfg["optimizer"], cfg["regularization"]
    weights = [p for p in net.parameters() if p.dim() > 1 or r["penalize_bias"]]
    others = [p for p in net.parameters() if not (p.dim() > 1 or r["penalize_bias"])]
    fold = o["name"] in ("sgd", "adam") and r["l1"] == 0  # L2 as weight decay: the same gradient
    wd = o["weight_decay"] + (2 * r["l2"] if fold else 0.0)
    groups = [{"params": weights, "weight_decay": wd}, {"params": others, "weight_decay": o["weight_decay"]}]
    groups = [g for g in groups if g["params"]]
    if o["name"] == "sgd":
        opt = torch.optim.SGD(groups, lr=o["lr"], momentum=o["momentum"], nesterov=o["nesterov"])
    else:
        cls = torch.optim.Adam if o["name"] == "adam" else torch.optim.AdamW
        opt = cls(groups, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    penalty = None if fold or (r["l1"] == 0 and r["l2"] == 0) else weights
    return opt, penalty


def run(cfg, eval_every_epoch, train_eval):
    d, t = cfg["data"], cfg["training"]
    tri, trl, tei, tel, load_s = data(d)
    torch.manual_seed(cfg["seed"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    if d["subset"] < 1 or d["val_fraction"] > 0:
        tr_idx, va_idx = torch_mlp.split(trl, d["subset"], d["val_fraction"], gen)
    else:
        tr_idx, va_idx = np.arange(len(trl)), np.arange(0)
    X = torch_mlp.normalized(tri, tr_idx, d["normalize"])
    Y = torch.from_numpy(trl[tr_idx].astype(np.int64))
    Xte = torch_mlp.normalized(tei, np.arange(len(tel)), d["normalize"])
    Yte = torch.from_numpy(tel.astype(np.int64))
    Xva = torch_mlp.normalized(tri, va_idx, d["normalize"]) if len(va_idx) else None
    Yva = torch.from_numpy(trl[va_idx].astype(np.int64)) if len(va_idx) else None
    r = train(cfg, gen, X, Y, [(Xva, Yva), train_sample(X, Y, train_eval), (Xte, Yte)], eval_every_epoch)
    return dict(r, load_seconds=load_s)


def train_sample(X, Y, train_eval):
    """The fixed sample of up to train_eval training rows evaluated beside the other sets ((None, None): none)."""
    te = torch.randperm(len(Y), generator=torch.Generator().manual_seed(5))[:train_eval] if train_eval else None
    return (X[te], Y[te]) if te is not None else (None, None)


def train(cfg, gen, X, Y, evals, eval_every_epoch, classes=10):
    """The loop: cfg's model and optimizer on the tensors X, Y; evaluates each (Xs, Ys) of evals (skipping
    None; the last one's accuracy is test_acc) after the last epoch, or after each with eval_every_epoch."""
    t0 = time.perf_counter()
    t, r = cfg["training"], cfg["regularization"]
    net = net_for(cfg["model"], X.shape[1], classes)
    opt, pen_params = optimizer_for(net, cfg)
    lossf = torch.nn.CrossEntropyLoss()
    n, bs = len(Y), t["batch_size"]
    stop = n - n % bs if t["drop_last"] else n

    def evaluate(Xs, Ys):
        net.eval()
        with torch.no_grad():
            z = net(Xs)
            return lossf(z, Ys).item(), 100.0 * (z.argmax(1) == Ys).sum().item() / len(Ys)

    ep_s, ev_s, acc = [], [], None
    for ep in range(t["epochs"]):
        t1 = time.perf_counter()
        net.train()
        perm = torch.randperm(n, generator=gen) if t["shuffle"] else torch.arange(n)
        for i in range(0, stop, bs):
            idx = perm[i:i + bs]
            opt.zero_grad(set_to_none=True)
            loss = lossf(net(X[idx]), Y[idx])
            if pen_params is not None:
                loss = loss + r["l1"] * sum(p.abs().sum() for p in pen_params) + \
                    r["l2"] * sum(p.pow(2).sum() for p in pen_params)
            loss.backward()
            opt.step()
        t2 = time.perf_counter()
        if eval_every_epoch or ep == t["epochs"] - 1:
            acc = [evaluate(Xs, Ys)[1] for Xs, Ys in evals if Xs is not None][-1]
        ep_s.append(t2 - t1)
        ev_s.append(time.perf_counter() - t2)
    return {"epoch_seconds": ep_s, "eval_seconds": ev_s, "test_acc": acc, "n_train": n,
            "train_seconds": time.perf_counter() - t0}


def main(run_one=None, doc=__doc__):
    """The command line of this loop, or of another one's run_one(cfg, eval_every_epoch, train_eval)."""
    run_one = run_one or run
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--config")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--seed", type=int)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--many")
    ap.add_argument("--eval-every-epoch", action="store_true")
    ap.add_argument("--train-eval", type=int, default=10000, help="training images also evaluated (0: none)")
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.many:
        specs = json.load(open(a.many))
    elif a.config:
        specs = [{"config": a.config, "set": a.set, "seed": a.seed, "epochs": a.epochs}]
    else:
        ap.error("--config or --many is required")
    runs = []
    for s in specs:
        cfg = torch_mlp.load_config(s["config"], s.get("set", []), s.get("seed"), s.get("epochs"))
        runs.append(run_one(cfg, a.eval_every_epoch or a.many is not None, a.train_eval))
    out = {"torch": torch.__version__, "threads": a.threads, "import_seconds": IMPORT_S,
           "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
           "process_seconds": time.perf_counter() - T0, "runs": runs}
    if a.out:
        with open(a.out, "w") as f:
            json.dump(out, f, indent=1)
    else:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
