#!/usr/bin/python3
"""The PyTorch twin of a regmnist run: same config file, same model, loss, optimizer, data,
normalization, init distribution and early stopping; writes metrics.csv (same columns), config.json,
summary.json and model.safetensors (regmnist's tensor names: the twin's state_dict() keys are
fc0.weight, fc0.bias, norm0.*, ..., out.weight, out.bias, so either side loads the other's file).

usage: /usr/bin/python3 scripts/torch_mlp.py --config FILE [--set key=JSON]... [--seed N] [--out DIR]
         [--threads N] [--loader tensor|dataloader] [--epochs N] [--quiet]

--loader tensor (default) is the fast style: the training set preloaded as one normalized tensor and
index batching. --loader dataloader is the common tutorial style: a Dataset converting one uint8 image
per __getitem__ (ToTensor + Normalize) inside a DataLoader. Used by scripts/parity.sh and
scripts/bench.sh; needs Debian's python3-torch. scripts/torch_load_model.py loads a run's model.safetensors
into this model.
"""
import argparse, copy, csv as csvmod, gzip, json, math, os, struct, sys, time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_safetensors  # noqa: E402
import split_counts  # noqa: E402

DEFAULTS = {
    "name": "run", "seed": 1, "threads": 1,
    "data": {"format": "idx", "train": "", "test": "", "test_fraction": 0.0, "label": -1,
             "dir": "data/mnist", "train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
             "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte", "subset": 1.0,
             "val_fraction": 0.0, "normalize": "standard", "augment": None, "noise_std": 0.0},
    "model": {"hidden": [256, 128], "activation": "relu", "norm": "none", "dropout": 0.0, "input_dropout": 0.0,
              "init_from": "", "classes": 0},
    "regularization": {"l1": 0.0, "l2": 0.0, "penalize_bias": False, "normalize": "sum", "label_smoothing": 0.0,
                       "max_norm": 0.0, "max_norm_output": False},
    "optimizer": {"name": "adam", "lr": 0.001, "momentum": 0.0, "nesterov": False, "beta1": 0.9, "beta2": 0.999,
                  "eps": 1e-8, "weight_decay": 0.0, "clip_grad_norm": 0.0, "schedule": None},
    "training": {"epochs": 10, "batch_size": 64, "shuffle": True, "drop_last": False, "early_stopping": None},
    # the twin writes none of the optional outputs (event file, weights.csv, images): their keys are accepted
    "output": {"dir": "", "train_eval_samples": 10000, "tensorboard": False, "weight_stats": False,
               "sparsity_threshold": 0.001, "weight_images": False, "augment_preview": False,
               "checkpoint_every": 60},
}
# training.early_stopping: null is off; an object (even {}) turns it on with these defaults (src/run/config.c).
ES_DEFAULTS = {"monitor": "val_loss", "patience": 5, "min_delta": 0.0, "restore_best": True}
# optimizer.schedule: null is a constant rate; regmnist's resolved config lists the keys of its kind.
SCHED_KEYS = {"name", "step_size", "gamma", "milestones", "t_max", "eta_min", "monitor", "factor", "patience",
              "threshold", "cooldown", "min_lr", "warmup_epochs"}
NORM = {"unit": (0.0, 1.0), "standard": (0.1307, 0.3081), "symmetric": (0.5, 0.5), "none": (0.0, 1.0 / 255.0)}


def merge(dst, src, path=""):
    for k, v in src.items():
        if k not in dst:
            sys.exit(f"torch_mlp: {path}{k}: unknown key")
        if isinstance(dst[k], dict) and isinstance(v, dict):
            merge(dst[k], v, f"{path}{k}.")
        else:
            dst[k] = copy.deepcopy(v)


def load_config(path, sets=(), seed=None, epochs=None):
    """The resolved config: DEFAULTS, then the file, then --set key.path=JSON overrides (a bare word is a
    string; setting a key under a null training.early_stopping turns it on), then --seed/--epochs."""
    cfg = copy.deepcopy(DEFAULTS)
    merge(cfg, json.load(open(path)))
    for s in sets:
        key, _, val = s.partition("=")
        try:
            v = json.loads(val)
        except json.JSONDecodeError:
            v = val
        node = cfg
        *parents, leaf = key.split(".")
        for p in parents:
            if p in ("early_stopping", "schedule") and isinstance(node, dict) and p in node and node[p] is None:
                node[p] = {}
            if not isinstance(node, dict) or p not in node:
                sys.exit(f"torch_mlp: --set {key}: unknown key")
            node = node[p]
        if leaf not in node and not (parents and parents[-1] in ("early_stopping", "schedule")):
            sys.exit(f"torch_mlp: --set {key}: unknown key")
        node[leaf] = v
    if seed is not None:
        cfg["seed"] = seed
    if epochs is not None:
        cfg["training"]["epochs"] = epochs
    aug = cfg["data"]["augment"]
    if aug is not None:
        if not isinstance(aug, dict) or set(aug) - {"rotate", "shift", "scale"}:
            sys.exit("torch_mlp: data.augment: an object with rotate, shift and scale, or null")
        cfg["data"]["augment"] = dict({"rotate": 0.0, "shift": 0.0, "scale": [1.0, 1.0]}, **aug)
    sch = cfg["optimizer"]["schedule"]
    if sch is not None and (not isinstance(sch, dict) or set(sch) - SCHED_KEYS or "name" not in sch):
        sys.exit("torch_mlp: optimizer.schedule: an object with a name and the keys regmnist takes, or null")
    es = cfg["training"]["early_stopping"]
    if es is not None:
        if not isinstance(es, dict):
            sys.exit("torch_mlp: training.early_stopping: must be an object or null")
        for k in es:
            if k not in ES_DEFAULTS:
                sys.exit(f"torch_mlp: training.early_stopping.{k}: unknown key")
        cfg["training"]["early_stopping"] = dict(ES_DEFAULTS, **es)
        if cfg["training"]["early_stopping"]["monitor"] not in ("val_loss", "val_acc", "train_loss"):
            sys.exit("torch_mlp: training.early_stopping.monitor: must be val_loss, val_acc or train_loss")
    return cfg


def read_idx(path):
    if not os.path.exists(path):
        path = path[:-3] if path.endswith(".gz") else path + ".gz"
    raw = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
    magic, n = struct.unpack(">II", raw[:8])
    off = 16 if magic == 0x803 else 8
    a = np.frombuffer(raw, np.uint8, offset=off)
    return a.reshape(n, 784) if magic == 0x803 else a


def read_table(path, label, like=None):
    """A CSV file as regmnist reads it (src/io/csv.c, the well-formed case): a header, the label column by
    name or index (negative from the end), features float(s) rounded to float32, labels integers 0..K-1 or
    names numbered in sorted order (like: the training file's names). Returns (X (n, d) float32, y int64,
    class names or None, feature names, classes)."""
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rt", newline="", encoding="utf-8-sig") as f:
        rows = list(csvmod.reader(f))
    header, rows = rows[0], rows[1:]
    col = header.index(label) if isinstance(label, str) else label % len(header)
    feats = [i for i in range(len(header)) if i != col]
    X = np.array([[float(r[i]) for i in feats] for r in rows], dtype=np.float32)
    raw = [r[col] for r in rows]
    try:
        ints = [float(v) for v in raw]
    except ValueError:
        ints = None
    names = like[2] if like is not None else None
    if ints is not None and names is None:
        y = np.array([int(v) for v in ints], np.int64)
        classes = like[4] if like is not None else int(y.max()) + 1
    else:
        names = names or sorted(set(raw), key=lambda v: v.encode())
        y = np.array([names.index(v) for v in raw], np.int64)
        classes = len(names)
    return X, y, names, [header[i] for i in feats], classes


def split_test(labels, classes, fraction, gen):
    """regmnist's stratified test split counts (rm_csv_split_stratified): of class c's m rows,
    round(fraction * m) (halves away from zero), clamped to [1, m - 1] when m >= 2, go to test; which rows
    is drawn here by gen (the counts match, the draws do not)."""
    tr, te = [], []
    for c in range(classes):
        rows = np.nonzero(labels == c)[0]
        m = len(rows)
        k = min(max(split_counts.round_half_away(fraction * float(m)), 1), m - 1) if m >= 2 else 0
        perm = rows[torch.randperm(m, generator=gen).numpy()]
        te += list(perm[:k])
        tr += list(perm[k:])
    return np.sort(np.array(tr, np.int64)), np.sort(np.array(te, np.int64))


def split(labels, subset, val_fraction, gen, classes=split_counts.CLASSES):
    """Balanced subset (equal per class, remainder to low ids) and per-class validation hold-out, the
    counts rounded as regmnist rounds them (scripts/split_counts.py: halves away from zero)."""
    byc = [np.nonzero(labels == c)[0] for c in range(classes)]
    take, nval = split_counts.split_counts([len(b) for b in byc], subset, val_fraction)
    tr, va = [], []
    for c in range(classes):
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


def make_scheduler(opt, sch, epochs):
    """torch.optim.lr_scheduler for a regmnist "optimizer.schedule" section (None: constant), and its
    warmup_epochs (0: none)."""
    if not sch:
        return None, 0
    S, k = torch.optim.lr_scheduler, sch["name"]
    g = sch.get("gamma", 0.1)
    if k == "step":
        s = S.StepLR(opt, sch["step_size"], gamma=g)
    elif k == "multistep":
        s = S.MultiStepLR(opt, sch["milestones"], gamma=g)
    elif k == "exponential":
        s = S.ExponentialLR(opt, sch["gamma"])
    elif k == "cosine":
        s = S.CosineAnnealingLR(opt, T_max=sch.get("t_max") or epochs, eta_min=sch.get("eta_min", 0.0))
    else:
        s = S.ReduceLROnPlateau(opt, mode="max" if sch.get("monitor") == "val_acc" else "min",
                                factor=sch.get("factor", 0.1), patience=sch.get("patience", 10),
                                threshold=sch.get("threshold", 1e-4), cooldown=sch.get("cooldown", 0),
                                min_lr=sch.get("min_lr", 0.0))
    return s, sch.get("warmup_epochs", 0)


class Net(torch.nn.Module):
    """regmnist's MLP: [input dropout] then per hidden layer fcK -> normK -> activation -> dropout, then out.
    The modules are attributes named as regmnist names its tensors, so state_dict() has exactly the keys of
    model.safetensors (fcK.weight [out, in], fcK.bias, normK.weight, normK.bias, normK.running_mean,
    normK.running_var, normK.num_batches_tracked, out.weight, out.bias). Modules are created in the same
    order as before the renaming (an nn.Sequential), so the seeded init draws are unchanged."""

    def __init__(self, m, in_dim=784, classes=10):
        """in_dim and classes: the data's (MNIST's by default); model.classes, when not 0, is the class count."""
        super().__init__()
        hidden = m["hidden"]
        drops = m["dropout"] if isinstance(m["dropout"], list) else [m["dropout"]] * len(hidden)
        act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[m["activation"]]
        self.input_drop = torch.nn.Dropout(m["input_dropout"]) if m["input_dropout"] > 0 else None
        self.order, width = ["input_drop"], in_dim  # attribute names in forward order (None ones skipped)
        for i, (h, p) in enumerate(zip(hidden, drops)):
            setattr(self, f"fc{i}", torch.nn.Linear(width, h))
            if m["norm"] == "batch":
                setattr(self, f"norm{i}", torch.nn.BatchNorm1d(h))
            elif m["norm"] == "layer":
                setattr(self, f"norm{i}", torch.nn.LayerNorm(h))
            setattr(self, f"act{i}", act())
            setattr(self, f"drop{i}", torch.nn.Dropout(p) if p > 0 else None)
            self.order += [f"fc{i}"] + ([f"norm{i}"] if m["norm"] != "none" else []) + [f"act{i}", f"drop{i}"]
            width = h
        self.out = torch.nn.Linear(width, m.get("classes") or classes)
        self.order.append("out")

    def forward(self, x):
        for name in self.order:
            layer = getattr(self, name)
            if layer is not None:
                x = layer(x)
        return x


def evaluate(net, lossf, X, Y):
    """Mean loss and accuracy (percent) in eval mode, in chunks of 1000."""
    net.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(Y), 1000):
            z = net(X[i:i + 1000])
            loss += lossf(z, Y[i:i + 1000]).item() * len(z)
            correct += (z.argmax(1) == Y[i:i + 1000]).sum().item()
    return loss / len(Y), 100.0 * correct / len(Y)


def random_affine(x, aug, background, gen):
    """torchvision RandomAffine(degrees=rotate, translate=(shift, shift), scale=scale) on a normalized
    batch x (B, 784), one draw per image: angle ~ U(-rotate, rotate), whole-pixel shifts
    round(U(-shift, shift) * 28), scale ~ U(lo, hi), about the centre, bilinear, filled with the
    background (the normalized 0 pixel), as torchvision's tensor path does through grid_sample."""
    B = x.shape[0]
    u = torch.rand(B, 4, generator=gen, dtype=torch.float64)
    ang = torch.deg2rad((2 * u[:, 0] - 1) * aug["rotate"])
    t = torch.round((2 * u[:, 1:3] - 1) * aug["shift"] * 28)
    lo, hi = aug["scale"]
    sc = lo + (hi - lo) * u[:, 3]
    # output -> input: p_in = R(-angle) (p_out - t) / scale, in grid_sample's [-1, 1] coordinates
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    tn = 2 * t / 28
    theta = torch.stack([torch.stack([cos, sin, -(cos * tn[:, 0] + sin * tn[:, 1])], 1),
                         torch.stack([-sin, cos, -(-sin * tn[:, 0] + cos * tn[:, 1])], 1)], 1).float()
    grid = torch.nn.functional.affine_grid(theta, (B, 1, 28, 28), align_corners=False)
    img = (x - background).view(B, 1, 28, 28)
    out = torch.nn.functional.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.view(B, 784) + background


def normalized(images, idx, normalize):
    mean, std = NORM[normalize] if isinstance(normalize, str) else normalize
    x = torch.from_numpy(images[idx].astype(np.float32)) / 255.0
    return (x - mean) / std


def test_set(d, summary=None):
    """The test images (normalized as the config says; "dataset" takes the run's summary.json
    normalize.mean/std) and labels of a config's "data" section. csv data: the test file, or the rows of
    data.train the run held out (summary.json data.test_rows), standardized with its per-feature statistics."""
    if d["format"] == "csv":
        tab = read_table(d["train"], d["label"])
        X, y = read_table(d["test"], d["label"], like=tab)[:2] if d["test"] else (None, None)
        if X is None:
            rows = np.array(summary["data"]["test_rows"], np.int64)
            X, y = tab[0][rows], tab[1][rows]
        if d["normalize"] == "dataset":
            m, s = summary["normalize"]["mean"], summary["normalize"]["std"]
            X = (X - np.array(m).astype(np.float32)) / np.array(s).astype(np.float32)
        return torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)), torch.from_numpy(y)
    tei, tel = read_idx(os.path.join(d["dir"], d["test_images"])), read_idx(os.path.join(d["dir"], d["test_labels"]))
    norm = d["normalize"]
    if norm == "dataset":
        norm = (summary["normalize"]["mean"], summary["normalize"]["std"])
    return normalized(tei, np.arange(len(tel)), norm), torch.from_numpy(tel.astype(np.int64))


ST_DTYPES = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}


def save_safetensors(path, tensors, metadata):
    """Write {name: tensor} (F32 or I64) in the safetensors layout, as regmnist writes it: 8-byte
    little-endian header length, JSON header padded with spaces to a multiple of 8, then the data with the
    I64 tensors first (so every tensor is aligned). Written to a temporary file and renamed."""
    items = [(n, t.detach().cpu().contiguous().numpy()) for n, t in tensors.items()]
    items.sort(key=lambda it: -it[1].dtype.itemsize)  # stable: I64 scalars first, then state_dict order
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, a in items:
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": ST_DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(tmp, path)


class EarlyStop:
    """src/run/early_stop.c: an epoch improves when value < best - min_delta (a loss) or > best + min_delta (an
    accuracy); the first epoch is the first best; stop when patience epochs have passed without one."""

    def __init__(self, maximize, patience, min_delta):
        self.maximize, self.patience, self.min_delta = maximize, patience, min_delta
        self.best, self.best_epoch, self.wait = (-math.inf if maximize else math.inf), 0, 0

    def update(self, epoch, value):
        """"better", "worse", "stop" or "nan"."""
        if not math.isfinite(value):
            return "nan"
        better = value > self.best + self.min_delta if self.maximize else value < self.best - self.min_delta
        if better or self.best_epoch == 0:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            return "better"
        self.wait += 1
        return "stop" if self.wait >= self.patience else "worse"


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
    cfg = load_config(a.config, a.set, a.seed, a.epochs)
    threads = a.threads or cfg["threads"]
    cfg["threads"] = threads
    torch.set_num_threads(threads)
    out = a.out or cfg["output"]["dir"] or f"runs/torch_{cfg['name']}"
    cfg["output"]["dir"] = out
    os.makedirs(out, exist_ok=True)
    d, t, o, r, es = cfg["data"], cfg["training"], cfg["optimizer"], cfg["regularization"], cfg["training"]["early_stopping"]
    if es and es["monitor"].startswith("val_") and d["val_fraction"] <= 0:
        sys.exit(f"torch_mlp: training.early_stopping.monitor: {es['monitor']} needs a validation set "
                 f"(data.val_fraction is {d['val_fraction']})")
    with open(os.path.join(out, "config.json"), "w") as f:
        f.write(json.dumps(cfg, indent=1) + "\n")
    for stale in ("model.safetensors", "summary.json"):  # of an earlier run in this dir
        if os.path.exists(os.path.join(out, stale)):
            os.remove(os.path.join(out, stale))

    t0 = time.perf_counter()
    tabular = d["format"] == "csv"
    if tabular:  # float features; the test file, or regmnist's stratified test split of the one file
        if a.loader != "tensor":
            sys.exit("torch_mlp: --loader dataloader: images only (csv data uses the tensor loader)")
        label = d["label"]
        tab = read_table(d["train"], label)
        tri, trl, classes = tab[0], tab[1], tab[4]
        if d["test"]:
            tei, tel = read_table(d["test"], label, like=tab)[:2]
        else:
            tr_rows, te_rows = split_test(trl, classes, d["test_fraction"],
                                          torch.Generator().manual_seed(cfg["seed"] + 8))
            tei, tel, tri, trl = tri[te_rows], trl[te_rows], tri[tr_rows], trl[tr_rows]
    else:
        classes = 10
        tri, trl = read_idx(os.path.join(d["dir"], d["train_images"])), read_idx(os.path.join(d["dir"], d["train_labels"]))
        tei, tel = read_idx(os.path.join(d["dir"], d["test_images"])), read_idx(os.path.join(d["dir"], d["test_labels"]))
    load_s = time.perf_counter() - t0
    torch.manual_seed(cfg["seed"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    tr_idx, va_idx = split(trl, d["subset"], d["val_fraction"], gen, classes)
    if tabular:  # "dataset": each feature's mean and population std over the training split (as float32)
        fm, fs = tri[tr_idx].astype(np.float64).mean(0), tri[tr_idx].astype(np.float64).std(0)
        fs[fs == 0] = 1.0
        if d["normalize"] == "dataset":
            tri = (tri - fm.astype(np.float32)) / fs.astype(np.float32)
            tei = (tei - fm.astype(np.float32)) / fs.astype(np.float32)
        norm = (fm.tolist(), fs.tolist())
    elif d["normalize"] == "dataset":  # the training split's mean and population std of x/255, as regmnist
        counts = np.bincount(tri[tr_idx].reshape(-1), minlength=256).astype(np.float64)
        u = np.arange(256) / 255.0
        m1 = (counts * u).sum() / counts.sum()
        var = (counts * u * u).sum() / counts.sum() - m1 * m1
        norm = (float(m1), float(np.sqrt(var)) if var > 0 else 1.0)
    else:
        norm = NORM[d["normalize"]]
    mean, std = norm
    if tabular:  # the features as they are (standardized above when asked)
        def prep(images, idx, _norm):
            return torch.from_numpy(np.ascontiguousarray(images[idx], dtype=np.float32))
    else:
        prep = normalized
    # the eval-mode training sample (output.train_eval_samples: 0 off, -1 all), drawn once
    n_te = cfg["output"]["train_eval_samples"]
    te_idx = np.sort(np.random.default_rng(cfg["seed"] + 5).permutation(tr_idx)[:n_te]) if n_te > 0 else (
        tr_idx if n_te < 0 else None)
    Xtre, Ytre = (prep(tri, te_idx, norm), torch.from_numpy(trl[te_idx].astype(np.int64))) \
        if te_idx is not None else (None, None)

    Xte, Yte = prep(tei, np.arange(len(tel)), norm), torch.from_numpy(tel.astype(np.int64))
    Xva, Yva = prep(tri, va_idx, norm), torch.from_numpy(trl[va_idx].astype(np.int64))
    if a.loader == "tensor":
        Xtr, Ytr = prep(tri, tr_idx, norm), torch.from_numpy(trl[tr_idx].astype(np.int64))
    else:
        loader = torch.utils.data.DataLoader(ImageSet(tri, trl, tr_idx, mean, std), batch_size=t["batch_size"],
                                             shuffle=t["shuffle"], drop_last=t["drop_last"], generator=gen)
    net = Net(cfg["model"], tri.shape[1], classes)
    if cfg["model"]["init_from"]:
        init, _ = read_safetensors.load(cfg["model"]["init_from"])
        net.load_state_dict({k: torch.from_numpy(v) for k, v in init.items()}, strict=True)
    params = list(net.named_parameters())
    decay = [p for n, p in params if r["penalize_bias"] or p.dim() > 1]
    plist = [p for _, p in params]
    opt = make_optimizer(plist, o)
    scheduler, warmup = make_scheduler(opt, o["schedule"], t["epochs"])
    lossf = torch.nn.CrossEntropyLoss()  # evaluation: plain cross-entropy, as regmnist reports it
    train_lossf = torch.nn.CrossEntropyLoss(label_smoothing=r["label_smoothing"])
    penalized = r["l1"] != 0 or r["l2"] != 0
    # regularization.normalize "mean": both penalties divided by the number of penalized values
    n_pen = sum(p.numel() for p in decay) if r["normalize"] == "mean" else 1
    l1, l2 = r["l1"] / n_pen, r["l2"] / n_pen
    # max-norm: the hidden Linear weights' rows, and the output layer's with max_norm_output
    renormed = [p for n, p in params if n.startswith("fc") and n.endswith(".weight")]
    if r["max_norm_output"]:
        renormed.append(dict(params)["out.weight"])

    def batches():
        if a.loader == "dataloader":
            if d["augment"] is not None or d["noise_std"] > 0:
                sys.exit("torch_mlp: --loader dataloader: no augmentation or noise there (use the tensor loader)")
            yield from loader
            return
        n, bs = len(Ytr), t["batch_size"]
        perm = torch.randperm(n, generator=gen) if t["shuffle"] else torch.arange(n)
        stop = n - n % bs if t["drop_last"] else n
        for i in range(0, stop, bs):
            idx = perm[i:i + bs]
            xb = Xtr[idx]
            if d["augment"] is not None:
                xb = random_affine(xb, d["augment"], (0.0 - mean) / std, gen)
            if d["noise_std"] > 0:
                xb = xb + d["noise_std"] * torch.randn(xb.shape, generator=gen)
            yield xb, Ytr[idx]

    def metrics(ep, train_loss, penalty, train_acc, val, test, tre):
        row = {"epoch": ep, "train_loss": train_loss, "penalty": penalty, "train_acc": train_acc}
        if tre:
            row["train_eval_loss"], row["train_eval_acc"] = tre
        if val:
            row["val_loss"], row["val_acc"] = val
        row["test_loss"], row["test_acc"] = test
        row["gap"] = (tre[1] if tre else train_acc) - test[1]
        return row

    watch = EarlyStop(es["monitor"] == "val_acc", es["patience"], es["min_delta"]) if es else None
    best_row = best_state = last = None
    stop_reason = "epochs"
    csv = open(os.path.join(out, "metrics.csv"), "w")
    csv.write("epoch,train_loss,penalty,train_acc,val_loss,val_acc,test_loss,test_acc,gap,lr,seconds,"
              "train_eval_loss,train_eval_acc\n")
    ep_s, ev_s, samples = [], [], 0
    for ep in range(1, t["epochs"] + 1):
        te = time.perf_counter()
        s_lr = opt.param_groups[0]["lr"]  # the scheduler's own rate; warmup scales it for this epoch only
        lr_ep = min(1.0, ep / warmup) * s_lr if warmup else s_lr
        for g in opt.param_groups:
            g["lr"] = lr_ep
        net.train()
        ls, pen_sum, correct, seen, steps = 0.0, 0.0, 0, 0, 0
        for xb, yb in batches():
            opt.zero_grad()
            z = net(xb)
            loss = train_lossf(z, yb)
            total = loss
            if penalized:
                pen = l1 * sum(p.abs().sum() for p in decay) + l2 * sum(p.pow(2).sum() for p in decay)
                total = loss + pen
                pen_sum += pen.item()
            total.backward()
            if o["clip_grad_norm"] > 0:
                torch.nn.utils.clip_grad_norm_(plist, o["clip_grad_norm"])
            opt.step()
            if r["max_norm"] > 0:
                with torch.no_grad():
                    for w in renormed:
                        w.copy_(torch.renorm(w, 2, 0, r["max_norm"]))
            ls += loss.item() * len(yb)
            correct += (z.argmax(1) == yb).sum().item()
            seen += len(yb)
            steps += 1
        tt = time.perf_counter()
        val = evaluate(net, lossf, Xva, Yva) if len(va_idx) else None
        tl, ta = evaluate(net, lossf, Xte, Yte)
        tre = evaluate(net, lossf, Xtre, Ytre) if Xtre is not None else None
        tv = time.perf_counter()
        ep_s.append(tt - te)
        ev_s.append(tv - tt)
        samples += seen
        tr_acc = 100.0 * correct / seen
        vcells = f"{val[0]:.9g},{val[1]:.4f}" if val else ","
        for g in opt.param_groups:  # back to the scheduler's rate before it steps (recursive formulas read it)
            g["lr"] = s_lr
        tecells = f"{tre[0]:.9g},{tre[1]:.4f}" if tre else ","
        csv.write(f"{ep},{ls / seen:.9g},{pen_sum / steps:.9g},{tr_acc:.4f},{vcells},{tl:.9g},{ta:.4f},"
                  f"{(tre[1] if tre else tr_acc) - ta:.4f},{lr_ep:.9g},{tv - te:.3f},{tecells}\n")
        csv.flush()
        last = metrics(ep, ls / seen, pen_sum / steps, tr_acc, val, (tl, ta), tre)
        if not a.quiet:
            vtext = f"  val {val[1]:.2f}%" if val else ""
            print(f"epoch {ep}/{t['epochs']}  loss {ls / seen:.4f}  train {tr_acc:.2f}%{vtext}  test {ta:.2f}%  "
                  f"{tt - te:.2f} s", file=sys.stderr)
        if not math.isfinite(tl):
            stop_reason = "diverged"
            break
        if watch:
            state = watch.update(ep, {"val_loss": val[0] if val else math.nan, "val_acc": val[1] if val else math.nan,
                                      "train_loss": ls / seen}[es["monitor"]])
            if state == "nan":
                stop_reason = "diverged"
                break
            if state == "better":
                best_row, best_state = last, copy.deepcopy(net.state_dict())
            if state == "stop":
                stop_reason = "patience"
                break
        if scheduler is not None:  # after the epoch and early stopping's watch, as regmnist steps it
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                mon = o["schedule"].get("monitor", "val_loss")
                scheduler.step({"val_loss": val[0] if val else math.nan, "val_acc": val[1] if val else math.nan,
                                "train_loss": ls / seen}[mon])
            else:
                scheduler.step()
    csv.close()

    # The final model: with early stopping and restore_best, the best epoch's parameters and BatchNorm
    # statistics (num_batches_tracked included), re-measured on val and test; otherwise the last epoch's.
    ended = stop_reason in ("epochs", "patience")
    final, restored = last, False
    if ended and watch and es["restore_best"] and best_state is not None:
        net.load_state_dict(best_state)
        val = evaluate(net, lossf, Xva, Yva) if len(va_idx) else None
        final = metrics(best_row["epoch"], best_row["train_loss"], best_row["penalty"], best_row["train_acc"], val,
                        evaluate(net, lossf, Xte, Yte), evaluate(net, lossf, Xtre, Ytre) if Xtre is not None else None)
        restored = True
    if ended:
        save_safetensors(os.path.join(out, "model.safetensors"), net.state_dict(),
                         {"config": json.dumps(cfg, separators=(",", ":")), "producer": "scripts/torch_mlp.py",
                          "torch_version": torch.__version__, "format": "pt"})
    summary = {"name": cfg["name"], "status": "ok" if ended else "diverged", "stop_reason": stop_reason,
               "n_train_eval": 0 if te_idx is None else len(te_idx),
               **({"normalize": {"kind": "dataset", "mean": mean, "std": std}} if d["normalize"] == "dataset" else {}),
               "seed": cfg["seed"], "threads": threads, "loader": a.loader, "torch": torch.__version__,
               "epochs": len(ep_s), "stopped_epoch": len(ep_s), "n_train": len(tr_idx), "n_val": len(va_idx),
               "n_test": len(tel), "n_params": sum(p.numel() for p in plist), "final": final}
    if watch:
        summary.update({"monitor": es["monitor"], "best_epoch": watch.best_epoch, "restored_best": restored})
        if best_row:
            summary["best"] = best_row
    summary.update({"load_seconds": load_s, "train_seconds": sum(ep_s), "epoch_seconds": ep_s,
                    "eval_seconds": ev_s, "samples_per_second": samples / sum(ep_s)})
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    if not ended:
        sys.exit(f"torch_mlp: {out}: diverged at epoch {len(ep_s)}")
    if not a.quiet:
        best = f"best epoch {watch.best_epoch}{' restored' if restored else ''}, " if watch else ""
        print(f"torch_mlp: {out}: ok, {stop_reason} after epoch {len(ep_s)}, {best}test {final['test_acc']:.2f}%",
              file=sys.stderr)


if __name__ == "__main__":
    main()
