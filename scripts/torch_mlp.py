#!/usr/bin/python3
"""The PyTorch twin of a regmnist run: same config file, same model, loss, optimizer, data,
normalization and init distribution; writes metrics.csv (same columns) and summary.json.

usage: /usr/bin/python3 scripts/torch_mlp.py --config FILE [--set key=JSON]... [--seed N] [--out DIR]
         [--threads N] [--loader tensor|dataloader] [--epochs N] [--quiet]

--loader tensor (default) is the fast style: the training set preloaded as one normalized tensor and
index batching. --loader dataloader is the common tutorial style: a Dataset converting one uint8 image
per __getitem__ (ToTensor + Normalize) inside a DataLoader. Used by scripts/parity.sh and
scripts/bench.sh; needs Debian's python3-torch.
"""
import argparse, copy, gzip, json, os, struct, sys, time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import split_counts  # noqa: E402

DEFAULTS = {
    "name": "run", "seed": 1, "threads": 1,
    "data": {"dir": "data/mnist", "train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
             "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte", "subset": 1.0,
             "val_fraction": 0.0, "normalize": "standard"},
    "model": {"hidden": [256, 128], "activation": "relu", "norm": "none", "dropout": 0.0, "input_dropout": 0.0},
    "regularization": {"l1": 0.0, "l2": 0.0, "penalize_bias": False},
    "optimizer": {"name": "adam", "lr": 0.001, "momentum": 0.0, "nesterov": False, "beta1": 0.9, "beta2": 0.999,
                  "eps": 1e-8, "weight_decay": 0.0},
    "training": {"epochs": 10, "batch_size": 64, "shuffle": True, "drop_last": False},
    "output": {"dir": ""},
}
NORM = {"unit": (0.0, 1.0), "standard": (0.1307, 0.3081), "symmetric": (0.5, 0.5)}


def merge(dst, src, path=""):
    for k, v in src.items():
        if k not in dst:
            sys.exit(f"torch_mlp: {path}{k}: unknown key")
        if isinstance(dst[k], dict):
            merge(dst[k], v, f"{path}{k}.")
        else:
            dst[k] = v


def read_idx(path):
    if not os.path.exists(path):
        path = path[:-3] if path.endswith(".gz") else path + ".gz"
    raw = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
    magic, n = struct.unpack(">II", raw[:8])
    off = 16 if magic == 0x803 else 8
    a = np.frombuffer(raw, np.uint8, offset=off)
    return a.reshape(n, 784) if magic == 0x803 else a


def split(labels, subset, val_fraction, gen):
    """Balanced subset (equal per class, remainder to low ids) and per-class validation hold-out, the
    counts rounded as regmnist rounds them (scripts/split_counts.py: halves away from zero)."""
    byc = [np.nonzero(labels == c)[0] for c in range(split_counts.CLASSES)]
    take, nval = split_counts.split_counts([len(b) for b in byc], subset, val_fraction)
    tr, va = [], []
    for c in range(split_counts.CLASSES):
        perm = byc[c][torch.randperm(len(byc[c]), generator=gen).numpy()][:take[c]]
        va += list(perm[:nval[c]])
        tr += list(perm[nval[c]:])
    return np.sort(np.array(tr, np.int64)), np.sort(np.array(va, np.int64))


def make_optimizer(params, o):
    """torch.optim for a regmnist "optimizer" section (dampening 0; AdamW gets weight_decay explicitly)."""
    if o["name"] == "sgd":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"], nesterov=o["nesterov"],
                               weight_decay=o["weight_decay"])
    cls = torch.optim.Adam if o["name"] == "adam" else torch.optim.AdamW
    return cls(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=o["weight_decay"])


class Net(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        hidden = m["hidden"]
        drops = m["dropout"] if isinstance(m["dropout"], list) else [m["dropout"]] * len(hidden)
        act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[m["activation"]]
        layers, width = [], 784
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
        layers.append(torch.nn.Linear(width, 10))
        self.seq = torch.nn.Sequential(*layers)

    def forward(self, x):
        return self.seq(x)


class ImageSet(torch.utils.data.Dataset):
    """Tutorial style: per-sample uint8 -> float conversion and normalization."""

    def __init__(self, images, labels, idx, mean, std):
        self.images, self.labels, self.idx, self.mean, self.std = images, labels, idx, mean, std

    def __len__(self):
        return len(self.idx)

    def __getitem__(self, i):
        j = self.idx[i]
        x = torch.from_numpy(self.images[j].astype(np.float32)) / 255.0
        return (x - self.mean) / self.std, int(self.labels[j])


def main():
    ap = argparse.ArgumentParser(description="PyTorch twin of a regmnist config")
    ap.add_argument("--config", required=True)
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--seed", type=int)
    ap.add_argument("--out")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--loader", choices=["tensor", "dataloader"], default="tensor")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    cfg = copy.deepcopy(DEFAULTS)
    merge(cfg, json.load(open(a.config)))
    for s in a.set:
        key, _, val = s.partition("=")
        try:
            v = json.loads(val)
        except json.JSONDecodeError:
            v = val
        node = cfg
        *parents, leaf = key.split(".")
        for p in parents:
            node = node[p]
        if leaf not in node:
            sys.exit(f"torch_mlp: --set {key}: unknown key")
        node[leaf] = v
    if a.seed is not None:
        cfg["seed"] = a.seed
    if a.epochs is not None:
        cfg["training"]["epochs"] = a.epochs
    threads = a.threads or cfg["threads"]
    torch.set_num_threads(threads)
    out = a.out or cfg["output"]["dir"] or f"runs/torch_{cfg['name']}"
    os.makedirs(out, exist_ok=True)
    d, t, o, r = cfg["data"], cfg["training"], cfg["optimizer"], cfg["regularization"]

    t0 = time.perf_counter()
    tri, trl = read_idx(os.path.join(d["dir"], d["train_images"])), read_idx(os.path.join(d["dir"], d["train_labels"]))
    tei, tel = read_idx(os.path.join(d["dir"], d["test_images"])), read_idx(os.path.join(d["dir"], d["test_labels"]))
    load_s = time.perf_counter() - t0
    torch.manual_seed(cfg["seed"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    tr_idx, va_idx = split(trl, d["subset"], d["val_fraction"], gen)
    mean, std = NORM[d["normalize"]]

    def to_tensor(images, idx):
        x = torch.from_numpy(images[idx].astype(np.float32)) / 255.0
        return (x - mean) / std

    Xte, Yte = to_tensor(tei, np.arange(len(tel))), torch.from_numpy(tel.astype(np.int64))
    Xva, Yva = to_tensor(tri, va_idx), torch.from_numpy(trl[va_idx].astype(np.int64))
    if a.loader == "tensor":
        Xtr, Ytr = to_tensor(tri, tr_idx), torch.from_numpy(trl[tr_idx].astype(np.int64))
    else:
        loader = torch.utils.data.DataLoader(ImageSet(tri, trl, tr_idx, mean, std), batch_size=t["batch_size"],
                                             shuffle=t["shuffle"], drop_last=t["drop_last"], generator=gen)
    net = Net(cfg["model"])
    params = list(net.named_parameters())
    decay = [p for n, p in params if r["penalize_bias"] or p.dim() > 1]
    plist = [p for _, p in params]
    opt = make_optimizer(plist, o)
    lossf = torch.nn.CrossEntropyLoss()
    penalized = r["l1"] != 0 or r["l2"] != 0

    def evaluate(X, Y):
        net.eval()
        loss, correct = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(Y), 1000):
                z = net(X[i:i + 1000])
                loss += lossf(z, Y[i:i + 1000]).item() * len(z)
                correct += (z.argmax(1) == Y[i:i + 1000]).sum().item()
        return loss / len(Y), 100.0 * correct / len(Y)

    def batches():
        if a.loader == "dataloader":
            yield from loader
            return
        n, bs = len(Ytr), t["batch_size"]
        perm = torch.randperm(n, generator=gen) if t["shuffle"] else torch.arange(n)
        stop = n - n % bs if t["drop_last"] else n
        for i in range(0, stop, bs):
            idx = perm[i:i + bs]
            yield Xtr[idx], Ytr[idx]

    csv = open(os.path.join(out, "metrics.csv"), "w")
    csv.write("epoch,train_loss,penalty,train_acc,val_loss,val_acc,test_loss,test_acc,gap,lr,seconds\n")
    ep_s, ev_s, samples = [], [], 0
    for ep in range(1, t["epochs"] + 1):
        te = time.perf_counter()
        net.train()
        ls, pen_sum, correct, seen, steps = 0.0, 0.0, 0, 0, 0
        for xb, yb in batches():
            opt.zero_grad()
            z = net(xb)
            loss = lossf(z, yb)
            total = loss
            if penalized:
                pen = r["l1"] * sum(p.abs().sum() for p in decay) + r["l2"] * sum(p.pow(2).sum() for p in decay)
                total = loss + pen
                pen_sum += pen.item()
            total.backward()
            opt.step()
            ls += loss.item() * len(yb)
            correct += (z.argmax(1) == yb).sum().item()
            seen += len(yb)
            steps += 1
        tt = time.perf_counter()
        val = evaluate(Xva, Yva) if len(va_idx) else None
        tl, ta = evaluate(Xte, Yte)
        tv = time.perf_counter()
        ep_s.append(tt - te)
        ev_s.append(tv - tt)
        samples += seen
        tr_acc = 100.0 * correct / seen
        vcells = f"{val[0]:.9g},{val[1]:.4f}" if val else ","
        csv.write(f"{ep},{ls / seen:.9g},{pen_sum / steps:.9g},{tr_acc:.4f},{vcells},{tl:.9g},{ta:.4f},"
                  f"{tr_acc - ta:.4f},{o['lr']},{tv - te:.3f}\n")
        csv.flush()
        if not a.quiet:
            print(f"epoch {ep}/{t['epochs']}  loss {ls / seen:.4f}  train {tr_acc:.2f}%  test {ta:.2f}%  "
                  f"{tt - te:.2f} s", file=sys.stderr)
    csv.close()
    summary = {"name": cfg["name"], "seed": cfg["seed"], "threads": threads, "loader": a.loader,
               "torch": torch.__version__, "load_seconds": load_s, "epoch_seconds": ep_s, "eval_seconds": ev_s,
               "samples_per_second": samples / sum(ep_s),
               "final": {"train_loss": ls / seen, "train_acc": tr_acc, "test_loss": tl, "test_acc": ta}}
    json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
