#!/usr/bin/python3
"""Write PyTorch 1.13 reference files for tests/test_reference.c into tests/reference/.

usage: /usr/bin/python3 scripts/make-reference.py [--out DIR] [--check]

Each case builds regmnist's MLP in PyTorch from fixed seeds, runs 10 optimizer steps on one batch
(dropout through exported masks) and stores everything the C test compares. Format: docs/testing.md.
Needs Debian's python3-torch (apt-get install python3-torch). Re-running gives identical bytes.
"""
import argparse, json, os, struct, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_mlp import make_optimizer  # noqa: E402

MAGIC, END = b"RMREFv01", b"RMND"
D, C, B, STEPS = 20, 10, 8, 10

OPT_DEFAULTS = {"momentum": 0.0, "nesterov": False, "beta1": 0.9, "beta2": 0.999, "eps": 1e-08, "weight_decay": 0.0}


def case(case_name, hidden=(16, 12), act="relu", norm="none", dropout=0.0, input_dropout=0.0, l1=0.0, l2=0.0,
         penalize_bias=False, toolkit=None, **opt):
    """toolkit: the regularization keys of the toolkit issue (label_smoothing, max_norm, max_norm_output,
    normalize) when set, and optimizer.clip_grad_norm among opt; only set keys enter the header, so
    the earlier cases' files keep their bytes."""
    o = dict(OPT_DEFAULTS, **opt)
    return {"case": case_name, "input_dim": D, "classes": C, "batch": B, "steps": STEPS,
            "model": {"hidden": list(hidden), "activation": act, "norm": norm,
                      "dropout": [float(dropout)] * len(hidden), "input_dropout": float(input_dropout)},
            "regularization": dict({"l1": l1, "l2": l2, "penalize_bias": penalize_bias}, **(toolkit or {})),
            "optimizer": o}


CASES = [
    case("linear_sgd", hidden=(), name="sgd", lr=0.1),
    case("relu_adam", name="adam", lr=0.01),
    case("tanh_adam", act="tanh", name="adam", lr=0.01),
    case("sigmoid_adam", act="sigmoid", name="adam", lr=0.01),
    # A Linear bias feeding BatchNorm has a true gradient of 0; PyTorch and regmnist both compute
    # rounding noise (~1e-9) there, and Adam scales noise up to full lr-sized steps, so pure
    # BatchNorm is checked with SGD and BatchNorm + Adam with an L2 term that defines that gradient.
    case("batchnorm_sgd", norm="batch", name="sgd", lr=0.1, momentum=0.9),
    case("batchnorm_adam_l2", norm="batch", l2=1e-3, penalize_bias=True, name="adam", lr=0.01),
    case("layernorm_adam", norm="layer", name="adam", lr=0.01),
    case("dropout_sgd", dropout=0.5, input_dropout=0.2, name="sgd", lr=0.1),
    case("l1_sgd", l1=1e-3, name="sgd", lr=0.1),
    case("l2_sgd", l2=1e-2, name="sgd", lr=0.1),
    case("l2_bias_sgd", l2=1e-2, penalize_bias=True, name="sgd", lr=0.1),
    case("l1_l2_bias_batchnorm_sgd", norm="batch", l1=1e-3, l2=1e-2, penalize_bias=True, name="sgd", lr=0.1),
    case("sgd_momentum", name="sgd", lr=0.1, momentum=0.9),
    case("sgd_nesterov", name="sgd", lr=0.1, momentum=0.9, nesterov=True),
    case("sgd_momentum_wd", name="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4),
    case("adam_wd", name="adam", lr=0.01, weight_decay=1e-2),
    case("adamw", name="adamw", lr=0.01, weight_decay=1e-2),
    # the regularization toolkit
    case("label_smoothing_adam", toolkit={"label_smoothing": 0.1}, name="adam", lr=0.01),
    case("max_norm_dropout_sgd", dropout=0.5, toolkit={"max_norm": 0.6}, name="sgd", lr=0.5, momentum=0.9),
    case("max_norm_output_sgd", toolkit={"max_norm": 0.6, "max_norm_output": True}, name="sgd", lr=0.5),
    case("clip_grad_norm_sgd", l2=1e-2, name="sgd", lr=0.1, momentum=0.9, clip_grad_norm=0.5),
    case("l1_l2_mean_sgd", l1=0.5, l2=0.5, toolkit={"normalize": "mean"}, name="sgd", lr=0.1),
]


class Net(torch.nn.Module):
    """regmnist's layer order; masks[site] replaces nn.Dropout's RNG."""

    def __init__(self, m):
        super().__init__()
        self.m, self.masks = m, {}
        acts = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}
        self.act = acts[m["activation"]]
        self.fc, self.norm, width = torch.nn.ModuleList(), torch.nn.ModuleList(), D
        for h in m["hidden"]:
            self.fc.append(torch.nn.Linear(width, h))
            if m["norm"] == "batch":
                self.norm.append(torch.nn.BatchNorm1d(h))
            elif m["norm"] == "layer":
                self.norm.append(torch.nn.LayerNorm(h))
            width = h
        self.out = torch.nn.Linear(width, C)

    def drop(self, x, site, p):
        if not self.training or p == 0.0:
            return x
        return x * self.masks[site] / (1.0 - p)

    def forward(self, x):
        x = self.drop(x, "input", self.m["input_dropout"])
        for i, fc in enumerate(self.fc):
            x = fc(x)
            if len(self.norm):
                x = self.norm[i](x)
            x = self.drop(self.act(x), f"drop{i}", self.m["dropout"][i])
        return self.out(x)

    def named(self):
        """Parameters and buffers under regmnist's names, in its order."""
        params, bufs = [], []
        for i, fc in enumerate(self.fc):
            params += [(f"fc{i}.weight", fc.weight), (f"fc{i}.bias", fc.bias)]
            if len(self.norm):
                n = self.norm[i]
                params += [(f"norm{i}.weight", n.weight), (f"norm{i}.bias", n.bias)]
                if isinstance(n, torch.nn.BatchNorm1d):
                    bufs += [(f"norm{i}.running_mean", n.running_mean), (f"norm{i}.running_var", n.running_var)]
        params += [("out.weight", self.out.weight), ("out.bias", self.out.bias)]
        return params, bufs


def run(spec, seed):
    torch.manual_seed(seed)
    m, r, o = spec["model"], spec["regularization"], spec["optimizer"]
    net = Net(m)
    params, bufs = net.named()
    with torch.no_grad():
        for name, p in params:
            if name.startswith("norm"):
                p.add_(torch.randn_like(p) * 0.1)
    x, y = torch.randn(B, D), torch.randint(0, C, (B,))
    sites = ([("input", D, m["input_dropout"])] if m["input_dropout"] > 0 else []) + [
        (f"drop{i}", h, m["dropout"][i]) for i, h in enumerate(m["hidden"]) if m["dropout"][i] > 0]
    masks = [{s: torch.bernoulli(torch.full((B, w), 1.0 - p)) for s, w, p in sites} for _ in range(STEPS)]
    out = [("x", x), ("y", y.float())]
    out += [(f"init.{n}", p.detach().clone()) for n, p in params + bufs]
    for k in range(STEPS):
        out += [(f"mask{k}.{s}", masks[k][s]) for s, _, _ in sites]
    plist = [p for _, p in params]
    opt = make_optimizer(plist, o)
    decay = [p for n, p in params if r["penalize_bias"] or n.endswith(".weight") and not n.startswith("norm")]
    # the mean form: l1/n sum|w| + l2/n sum w^2, n = the number of penalized values
    n_pen = sum(p.numel() for p in decay) if r.get("normalize", "sum") == "mean" else 1
    l1, l2 = r["l1"] / n_pen, r["l2"] / n_pen
    smoothing, clip = r.get("label_smoothing", 0.0), o.get("clip_grad_norm", 0.0)
    max_norm = r.get("max_norm", 0.0)
    renormed = [p for n, p in params if n.startswith("fc") and n.endswith(".weight")]
    if r.get("max_norm_output", False):
        renormed.append(net.out.weight)
    net.train()
    for k in range(STEPS):
        net.masks = masks[k]
        opt.zero_grad()
        logits = net(x)
        loss = torch.nn.functional.cross_entropy(logits, y, label_smoothing=smoothing)
        pen = l1 * sum(p.abs().sum() for p in decay) + l2 * sum((p * p).sum() for p in decay)
        total = loss + pen
        total.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(plist, clip)
        if k == 0:
            out += [("logits", logits.detach()), ("loss", loss.detach().reshape(1)),
                    ("penalty", torch.as_tensor(float(pen)).reshape(1)), ("total", total.detach().reshape(1))]
            out += [(f"grad.{n}", p.grad.clone()) for n, p in params]
        opt.step()
        if max_norm > 0:
            with torch.no_grad():
                for w in renormed:
                    w.copy_(torch.renorm(w, 2, 0, max_norm))
        if k == 0 or k == STEPS - 1:
            out += [(f"step{k + 1}.{n}", p.detach().clone()) for n, p in params]
    out += [(f"step{STEPS}.{n}", b.clone()) for n, b in bufs]
    net.eval()
    with torch.no_grad():
        out.append(("eval.logits", net(x)))
    return out


def write(path, spec, tensors):
    header = json.dumps(spec, sort_keys=True).encode()
    with open(path, "wb") as f:
        f.write(MAGIC + struct.pack("<I", len(header)) + header + struct.pack("<I", len(tensors)))
        for name, t in tensors:
            t = t.detach().to(torch.float32).contiguous()
            dims = list(t.shape) or [1]
            f.write(struct.pack("<I", len(name)) + name.encode() + struct.pack("<I", len(dims)))
            f.write(struct.pack(f"<{len(dims)}I", *dims) + t.numpy().astype("<f4").tobytes())
        f.write(END)


def check(path):
    """Re-read a file: magic, header, tensor records, end marker."""
    b = open(path, "rb").read()
    assert b[:8] == MAGIC, "magic"
    (hl,) = struct.unpack_from("<I", b, 8)
    json.loads(b[12:12 + hl])
    at = 12 + hl
    (n,) = struct.unpack_from("<I", b, at)
    at += 4
    for _ in range(n):
        (nl,) = struct.unpack_from("<I", b, at)
        at += 4 + nl
        (nd,) = struct.unpack_from("<I", b, at)
        dims = struct.unpack_from(f"<{nd}I", b, at + 4)
        size = 1
        for d in dims:
            size *= d
        at += 4 + 4 * nd + 4 * size
    assert b[at:] == END, "end marker"
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
    ap.add_argument("--check", action="store_true", help="only validate the existing files")
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    for i, spec in enumerate(CASES):
        path = os.path.join(a.out, spec["case"] + ".bin")
        if not a.check:
            write(path, spec, run(spec, 1000 + i))
        print(f"{path}: {check(path)} tensors, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    sys.exit(main())
