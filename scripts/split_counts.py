#!/usr/bin/python3
"""How many images of each class regmnist's split takes and holds out for validation (src/data/data.c
rm_split), in plain Python: no torch, no numpy. scripts/torch_mlp.py uses it, and
tests/split_rounding.sh checks it against the regmnist binary.

usage: python3 scripts/split_counts.py --counts N0,N1,...,N9 --subset S --val-fraction V
prints "n_train n_val".
"""
import argparse, math, sys

CLASSES = 10


def round_half_away(x):
    """C's llround on the same double: nearest integer, halves away from zero.

    Python's round() rounds halves to even (round(12.5) == 12, llround gives 13), and
    math.floor(x + 0.5) is wrong for 0.49999999999999994, whose sum with 0.5 rounds up to 1.0.
    x - floor(x) is exact for every finite double, so compare that remainder with one half.
    """
    if not math.isfinite(x):
        raise ValueError(f"round_half_away: {x} is not finite")
    f = math.floor(x)
    r = x - f
    return f + 1 if r > 0.5 or (r == 0.5 and x > 0) else f


def class_takes(counts, subset):
    """Per-class quota: everything when subset >= 1; otherwise total = llround(subset * n), at least one
    image per class, shared equally (remainder to the lowest class ids), a class with too few images
    giving its shortfall to the others (water-filling)."""
    if subset >= 1.0:
        return list(counts)
    total = max(len(counts), round_half_away(subset * float(sum(counts))))
    take, given = [0] * len(counts), 0
    while given < total:
        open_ = [c for c in range(len(counts)) if take[c] < counts[c]]
        if not open_:
            break
        share, extra = divmod(total - given, len(open_))
        for c in open_:
            want = share + (1 if extra > 0 else 0)
            extra -= 1 if extra > 0 else 0
            add = min(want, counts[c] - take[c])
            take[c] += add
            given += add
    return take


def split_counts(counts, subset, val_fraction):
    """(take, n_val) per class: of take[c] images of class c, the first n_val[c] = llround(val_fraction *
    take[c]) of its seeded permutation go to validation and the rest to training."""
    take = class_takes(counts, subset)
    return take, [round_half_away(val_fraction * float(t)) for t in take]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", required=True, help="images per class, comma-separated")
    ap.add_argument("--subset", type=float, default=1.0)
    ap.add_argument("--val-fraction", type=float, default=0.0)
    a = ap.parse_args()
    counts = [int(c) for c in a.counts.split(",")]
    if len(counts) != CLASSES:
        sys.exit(f"split_counts: --counts: {len(counts)} classes, expected {CLASSES}")
    take, nval = split_counts(counts, a.subset, a.val_fraction)
    print(sum(take) - sum(nval), sum(nval))


if __name__ == "__main__":
    main()
