#!/usr/bin/python3
"""Load a run's model.safetensors into the PyTorch twin and check its test accuracy.

usage: /usr/bin/python3 scripts/torch_load_model.py RUN_DIR [--data-dir DIR] [--tolerance POINTS] [--threads N]

Builds scripts/torch_mlp.py's model from RUN_DIR/config.json, loads RUN_DIR/model.safetensors (read with
numpy, scripts/read_safetensors.py) with load_state_dict(strict=True), evaluates it on the config's test
set in eval mode and compares the accuracy with RUN_DIR/summary.json's final.test_acc. Works on regmnist's
run dirs and on the twin's own. Exit status: 0 within --tolerance (default 0.02 points), 1 a larger
difference or a state_dict that does not load, 2 usage, 3 a missing or unreadable file.
Used by scripts/parity.sh; needs Debian's python3-torch.
"""
import argparse, json, os, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_safetensors  # noqa: E402
import torch_mlp  # noqa: E402


def fail(code, msg):
    print(f"torch_load_model: {msg}", file=sys.stderr)
    sys.exit(code)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("--data-dir", help="read the test set from here instead of the config's data.dir")
    ap.add_argument("--tolerance", type=float, default=0.02, help="largest |difference| allowed, in points")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    paths = {n: os.path.join(a.run_dir, n) for n in ("config.json", "model.safetensors", "summary.json")}
    for p in paths.values():
        if not os.path.isfile(p):
            fail(3, f"{p}: no such file")
    cfg = torch_mlp.load_config(paths["config.json"])
    if a.data_dir:
        cfg["data"]["dir"] = a.data_dir
    try:
        tensors, meta = read_safetensors.load(paths["model.safetensors"])
        summary = json.load(open(paths["summary.json"]))
        want = float(summary["final"]["test_acc"])
        want_loss = summary["final"].get("test_loss")
        X, Y = torch_mlp.test_set(cfg["data"], summary)
    except (OSError, ValueError, KeyError, TypeError) as e:
        fail(3, f"{a.run_dir}: {e}")
    net = torch_mlp.Net(cfg["model"], X.shape[1], int(summary.get("data", {}).get("classes", 10)))  # csv: the data's sizes
    try:
        net.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    except RuntimeError as e:
        fail(1, f"{paths['model.safetensors']}: load_state_dict(strict=True) failed: {e}")
    loss, acc = torch_mlp.evaluate(net, torch.nn.CrossEntropyLoss(), X, Y)
    diff = acc - want
    ok = abs(diff) <= a.tolerance
    producer = meta.get("producer") or f"regmnist {meta.get('regmnist_version', '?')}"
    print(f"torch_load_model: {a.run_dir}: {len(tensors)} tensors ({producer}) loaded strictly; PyTorch test acc "
          f"{acc:.2f}% (loss {loss:.6f}), summary.json final.test_acc {want:.2f}% (loss {want_loss:.6f}), difference {diff:+.2f} points: "
          f"{'ok' if ok else 'FAIL'} (tolerance {a.tolerance})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
