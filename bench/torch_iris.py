#!/usr/bin/python3
"""The strictest PyTorch peer for scripts/bench.py's iris rows: bench/torch_minimal.py's loop on a csv config.

The table is read as regmnist reads it (scripts/torch_mlp.py's read_table), split into training and
test rows with regmnist's stratified counts (data.test_fraction, or data.test as its own file), a
validation hold-out as data.val_fraction says, features as read ("none") or standardized with the
training split's per-feature mean and population std ("dataset"). The network (features-hidden-
classes, e.g. 4-32-3 for configs/iris.json), optimizer, learning rate, batch size and epochs come
from the config. Training is torch_minimal's: one tensor, randperm index batches, nothing per step
beyond forward, loss, backward and the step. Evaluation (validation, the training rows, the test
rows; one no_grad forward each) after the last epoch, or after every epoch with --eval-every-epoch
and with --many (regmnist evaluates every epoch).

usage: /usr/bin/python3 bench/torch_iris.py --config FILE [--set key=JSON]... [--seed N] [--epochs N]
           [--threads N] [--out FILE.json] [--eval-every-epoch]
       /usr/bin/python3 bench/torch_iris.py --many FILE.json [--threads N] [--out FILE.json]
--many runs a list of runs in one process ([{"config": F, "set": [...], "seed": N, "epochs": N}, ...],
e.g. the runs of `regmnist sweep SPEC --list`), paying the import once. The JSON summary has
import_seconds, process_seconds (from before the import to the end) and per run train_seconds (the
model's construction, every epoch and the evaluations: the training without the import and the
reading of the file), epoch_seconds, eval_seconds, load_seconds and test_acc.
"""
import os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_minimal  # noqa: E402  (imports torch; its import_seconds cover it)
from torch_minimal import np, torch, torch_mlp  # noqa: E402

_TABLES = {}


def table(d):
    """(X, y, classes) of data.train, read once per process."""
    key = (d["train"], str(d["label"]))
    if key not in _TABLES:
        t = time.perf_counter()
        X, y, _, _, classes = torch_mlp.read_table(d["train"], d["label"])
        _TABLES[key] = (X, y, classes, time.perf_counter() - t)
    return _TABLES[key]


def run(cfg, eval_every_epoch, train_eval):
    """One run of a csv config (the same steps as scripts/torch_mlp.py's tabular path, then torch_minimal.train)."""
    d = cfg["data"]
    if d["format"] != "csv":
        sys.exit(f"torch_iris: data.format is {d['format']}: csv configs only (bench/torch_minimal.py reads idx)")
    if d["normalize"] not in ("none", "dataset"):
        sys.exit(f"torch_iris: data.normalize: csv takes none or dataset, got {d['normalize']}")
    X, y, classes, load_s = table(d)
    if d["test"]:
        t = time.perf_counter()
        tei, tel = torch_mlp.read_table(d["test"], d["label"], like=torch_mlp.read_table(d["train"], d["label"]))[:2]
        load_s += time.perf_counter() - t
        tri, trl = X, y
    else:
        tr_rows, te_rows = torch_mlp.split_test(y, classes, d["test_fraction"], torch.Generator().manual_seed(cfg["seed"] + 8))
        tri, trl, tei, tel = X[tr_rows], y[tr_rows], X[te_rows], y[te_rows]
    torch.manual_seed(cfg["seed"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    tr_idx, va_idx = torch_mlp.split(trl, d["subset"], d["val_fraction"], gen, classes)
    if d["normalize"] == "dataset":
        m, s = tri[tr_idx].astype(np.float64).mean(0), tri[tr_idx].astype(np.float64).std(0)
        s[s == 0] = 1.0
        tri, tei = ((v - m.astype(np.float32)) / s.astype(np.float32) for v in (tri, tei))
    f = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))  # noqa: E731
    Xtr, Ytr = f(tri[tr_idx]), torch.from_numpy(trl[tr_idx])
    val = (f(tri[va_idx]), torch.from_numpy(trl[va_idx])) if len(va_idx) else (None, None)
    evals = [val, torch_minimal.train_sample(Xtr, Ytr, train_eval), (f(tei), torch.from_numpy(tel))]
    r = torch_minimal.train(cfg, gen, Xtr, Ytr, evals, eval_every_epoch, classes)
    return dict(r, load_seconds=load_s)


if __name__ == "__main__":
    torch_minimal.main(run, __doc__)
