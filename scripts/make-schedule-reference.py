#!/usr/bin/python3
"""Write tests/schedule_reference.h: PyTorch's learning rates over 30 epochs for each schedule case.

Needs Debian's python3-torch 1.13 (scripts/setup.sh --torch). Usage:
    scripts/make-schedule-reference.py [OUT]        (default: tests/schedule_reference.h)

Each case builds SGD on one parameter with lr = base_lr and the torch.optim.lr_scheduler named, then for
epoch e = 0..29 records the rate used in that epoch and calls optimizer.step() and scheduler.step()
(ReduceLROnPlateau: step(monitored[e])). The rate recorded is regmnist's documented composition
(include/rm_schedule.h):
    lr(e) = min(1, (e + 1) / warmup_epochs) * param_groups[0]["lr"]       (warmup_epochs > 0)
    lr(e) = param_groups[0]["lr"]                                           (no warmup)
Every double is written as a C hex float, so the header holds PyTorch's values exactly.
"""
import math
import os
import sys
import warnings

import torch

EPOCHS = 30
FIELDS = [  # rm_schedule_cfg fields, in order, with their C kind
    ("kind", "kind"), ("base_lr", "d"), ("warmup_epochs", "i"), ("step_size", "i"), ("gamma", "d"),
    ("milestones", "ilist"), ("t_max", "i"), ("eta_min", "d"), ("mode_max", "i"), ("factor", "d"),
    ("patience", "i"), ("threshold", "d"), ("threshold_abs", "i"), ("cooldown", "i"), ("min_lr", "d"),
    ("eps", "d"),
]
DEFAULTS = dict(base_lr=0.1, warmup_epochs=0, step_size=0, gamma=0.1, milestones=[], t_max=0, eta_min=0.0,
                mode_max=0, factor=0.1, patience=10, threshold=1e-4, threshold_abs=0, cooldown=0, min_lr=0.0,
                eps=1e-8)


def seq_flat_after(e):  # a loss that improves for 8 epochs, then stalls
    return 2.0 / (e + 1) if e < 8 else 0.25 + 1e-5 * ((e * 7) % 3)


def seq_noisy(e):  # a noisy, slowly improving loss
    return 1.0 / (1.0 + 0.3 * e) + 0.05 * math.sin(1.7 * e)


def seq_acc(e):  # an accuracy in percent that creeps up by less than 1% per epoch after epoch 6
    return 80.0 + 2.0 * min(e, 6) + 0.3 * math.sqrt(max(0, e - 6)) + 0.1 * math.cos(e)


def seq_abs(e):  # a loss with a NaN epoch (never better) and steps of about 0.05
    if e == 9:
        return float("nan")
    return 1.0 - 0.04 * (e // 2) - 0.06 * (e % 5 == 0)


def seq_ties_min(e):  # each value exactly at the threshold of the best so far, or just past it
    return [4.0, 3.75, 3.5, 3.25, 3.0, 2.75, 2.74, 2.49, 2.49, 2.24, 2.0][e] if e < 11 else 2.0 - 0.25 * ((e - 10) // 2)


def seq_ties_rel(e):  # halvings: exactly best * (1 - 0.5) is not better
    return [8.0, 4.0, 3.9, 1.95, 1.9, 0.95, 0.9, 0.45, 0.4][e] if e < 9 else 0.4 / 2 ** ((e - 8) // 3)


def seq_ties_max(e):  # an accuracy rising by exactly the threshold (not better) or a little more
    return 90.0 + [0, 1, 1.5, 2.5, 3.0, 4.0, 4.25, 5.25][e] if e < 8 else 95.25 + 1.0 * ((e - 7) // 2)


def seq_ties_rel_max(e):  # doublings: exactly best * (1 + 1.0) is not better
    return [1.0, 2.0, 2.5, 5.0, 5.5, 11.0, 12.0, 24.0][e] if e < 8 else 24.0 * 2 ** ((e - 7) // 3)


CASES = [
    ("constant", dict(kind="constant", base_lr=0.05), None),
    ("constant_warmup10", dict(kind="constant", base_lr=0.05, warmup_epochs=10), None),
    ("step7_default_gamma", dict(kind="step", step_size=7), None),
    ("step3_gamma0.5", dict(kind="step", base_lr=0.01, step_size=3, gamma=0.5), None),
    ("step1_gamma0.9", dict(kind="step", base_lr=0.3, step_size=1, gamma=0.9), None),
    ("multistep_5_12_20", dict(kind="multistep", milestones=[5, 12, 20]), None),
    ("multistep_repeats", dict(kind="multistep", base_lr=1.0, milestones=[4, 4, 10, 25, 25, 25], gamma=0.3), None),
    ("exponential0.9", dict(kind="exponential", base_lr=0.05, gamma=0.9), None),
    ("exponential0.77_warmup1", dict(kind="exponential", base_lr=0.003, gamma=0.77, warmup_epochs=1), None),
    ("cosine_T30", dict(kind="cosine", t_max=30), None),
    ("cosine_T10_etamin", dict(kind="cosine", t_max=10, eta_min=0.001), None),
    ("cosine_T7_restarts", dict(kind="cosine", base_lr=1.0, t_max=7), None),
    ("cosine_T1", dict(kind="cosine", base_lr=0.2, t_max=1, eta_min=0.01), None),
    ("cosine_T30_warmup5", dict(kind="cosine", base_lr=0.1, t_max=30, warmup_epochs=5), None),
    ("step5_warmup3", dict(kind="step", base_lr=0.1, step_size=5, gamma=0.5, warmup_epochs=3), None),
    ("plateau_defaults", dict(kind="plateau"), seq_flat_after),
    ("plateau_cooldown_minlr", dict(kind="plateau", factor=0.5, patience=2, cooldown=1, min_lr=0.03), seq_noisy),
    ("plateau_max_acc", dict(kind="plateau", base_lr=0.001, mode_max=1, factor=0.2, patience=3, threshold=0.01),
     seq_acc),
    ("plateau_abs_nan", dict(kind="plateau", factor=0.3, patience=1, threshold=0.05, threshold_abs=1), seq_abs),
    ("plateau_cooldown3_flat", dict(kind="plateau", base_lr=1.0, factor=0.5, patience=1, cooldown=3),
     lambda e: 1.0),
    ("plateau_abs_ties_min", dict(kind="plateau", factor=0.5, patience=0, threshold=0.25, threshold_abs=1),
     seq_ties_min),
    ("plateau_rel_ties_min", dict(kind="plateau", factor=0.5, patience=0, threshold=0.5), seq_ties_rel),
    ("plateau_abs_ties_max", dict(kind="plateau", mode_max=1, factor=0.5, patience=0, threshold=1.0, threshold_abs=1),
     seq_ties_max),
    ("plateau_rel_ties_max", dict(kind="plateau", mode_max=1, factor=0.5, patience=0, threshold=1.0),
     seq_ties_rel_max),
    ("plateau_eps", dict(kind="plateau", base_lr=1e-7, patience=0), lambda e: 1.0),
    ("plateau_max_warmup4", dict(kind="plateau", base_lr=0.01, mode_max=1, patience=2, warmup_epochs=4), seq_acc),
]


def scheduler(opt, c):
    k = c["kind"]
    if k == "constant":
        return None
    if k == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=c["step_size"], gamma=c["gamma"])
    if k == "multistep":
        return torch.optim.lr_scheduler.MultiStepLR(opt, milestones=c["milestones"], gamma=c["gamma"])
    if k == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(opt, gamma=c["gamma"])
    if k == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=c["t_max"], eta_min=c["eta_min"])
    if k == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="max" if c["mode_max"] else "min", factor=c["factor"], patience=c["patience"],
            threshold=c["threshold"], threshold_mode="abs" if c["threshold_abs"] else "rel",
            cooldown=c["cooldown"], min_lr=c["min_lr"], eps=c["eps"])
    raise ValueError(k)


def rates(c, monitor):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=c["base_lr"])
    sch = scheduler(opt, c)
    out, w = [], c["warmup_epochs"]
    for e in range(EPOCHS):
        lr = opt.param_groups[0]["lr"]
        out.append(min(1.0, (e + 1) / w) * lr if w > 0 else lr)
        opt.step()
        if sch is None:
            continue
        if c["kind"] == "plateau":
            sch.step(monitor(e))
        else:
            sch.step()
    return out


def wrap(vals, indent, per=4):
    """vals as C initializer text, per values to a line."""
    rows = [", ".join(vals[i:i + per]) for i in range(0, len(vals), per)]
    return (",\n" + " " * indent).join(rows)


def cnum(x):
    x = float(x)
    if math.isnan(x):
        return "NAN"
    if math.isinf(x):
        return "INFINITY" if x > 0 else "-INFINITY"
    return x.hex()


def main():
    if not torch.__version__.startswith("1.13"):
        sys.exit("make-schedule-reference: needs torch 1.13 (found %s)" % torch.__version__)
    warnings.simplefilter("ignore")
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "schedule_reference.h")
    lines = [
        "/* schedule_reference.h - generated by scripts/make-schedule-reference.py with torch %s; do not edit."
        % torch.__version__,
        " * The rate of each epoch 0..%d for each case, exact (hex floats). */" % (EPOCHS - 1),
        "#define SCHED_REF_EPOCHS %d" % EPOCHS,
        "",
        "typedef struct sched_ref {",
        "    const char *name;",
        "    rm_schedule_cfg cfg;",
        "    const double *monitored; /* (SCHED_REF_EPOCHS) passed to step(), or NULL */",
        "    double lr[SCHED_REF_EPOCHS];",
        "} sched_ref;",
        "",
    ]
    for i, (name, _, mon) in enumerate(CASES):
        if mon is not None:
            vals = wrap([cnum(mon(e)) for e in range(EPOCHS)], 4)
            lines.append("static const double SCHED_MON_%d[SCHED_REF_EPOCHS] = {\n    %s};" % (i, vals))
    lines.append("")
    lines.append("static const sched_ref SCHED_REF[] = {")
    for i, (name, over, mon) in enumerate(CASES):
        c = dict(DEFAULTS)
        c.update(over)
        lrs = rates(c, mon)
        parts = []
        for f, kind in FIELDS:
            v = c[f]
            if kind == "kind":
                parts.append(".kind = RM_SCHED_%s" % v.upper())
            elif kind == "i":
                parts.append(".%s = %d" % (f, v))
            elif kind == "d":
                parts.append(".%s = %s" % (f, cnum(v)))
            elif v:
                parts.append(".milestones = {%s}, .n_milestones = %d" % (", ".join(str(m) for m in v), len(v)))
        lines.append("    {\"%s\"," % name)
        lines.append("     {%s}," % wrap(parts, 6, 4))
        lines.append("     %s," % ("SCHED_MON_%d" % i if mon is not None else "NULL"))
        lines.append("     {%s}}," % wrap([cnum(x) for x in lrs], 6))
    lines.append("};")
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("make-schedule-reference: wrote %d cases to %s" % (len(CASES), out_path))


if __name__ == "__main__":
    main()
