#!/usr/bin/python3
"""Write tests/stats_reference.h: Student t CDF/tail/quantile values and t-test results computed
with scipy.stats and mpmath, and Holm-adjusted p-values from statsmodels, which tests/test_stats.c
checks src/run/stats.c against.

usage: /usr/bin/python3 scripts/make-stats-reference.py [--out FILE] [--check]

The CDF values are scipy.stats.t's. scipy 1.10's t.ppf is only good to ~5e-9, so quantiles, the
confidence intervals and the t-test results are computed in 50-digit mpmath (the t CDF through
mpmath.betainc) and checked against scipy (t.ppf, t.interval, ttest_ind, ttest_rel) as they are
written. Holm's adjustment is statsmodels.stats.multitest.multipletests(p, method="holm"), checked
against the step-down formula computed here. Needs Debian's python3-scipy and python3-statsmodels
(apt-get install python3-scipy python3-statsmodels, which bring python3-mpmath);
CI does not, it uses the committed file. Every number is written with repr(), which round-trips a double exactly. Re-running gives
identical bytes (with the same scipy). --check compares instead of writing and exits 1 on a change.
"""
import argparse, math, os, sys

import mpmath as mp
import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests

DFS = [1, 2, 3, 5, 10, 30, 100, 1000, 2.5, 7.37]
TS = [-1e3, -50, -20, -10, -6, -3, -2.5, -1.5, -1, -0.5, -0.1, -1e-6, 0.0, 1e-6, 0.1, 0.5, 1, 1.5, 2.5, 3, 6,
      10, 20, 50, 1e3]
PS = [1e-10, 1e-4, 0.005, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.975, 0.99, 0.995, 0.9999]

# Samples like test accuracies over seeds (%), losses, and small awkward ones.
SAMPLES = [
    ("acc_3_seeds", [97.12, 97.31, 97.05], [97.44, 97.52, 97.40]),
    ("acc_5_seeds", [97.60, 97.48, 97.71, 97.55, 97.62], [97.58, 97.70, 97.66, 97.81, 97.59]),
    ("loss_4_seeds", [0.0815, 0.0842, 0.0799, 0.0861], [0.0901, 0.0874, 0.0915, 0.0866]),
    ("two_each", [1.0, 2.0], [1.5, 4.0]),
    ("big_effect", [90.1, 90.3, 90.2], [95.0, 95.4, 94.9]),
    ("null_effect", [10.0, 12.0, 11.0, 13.0, 9.0, 10.5], [10.2, 11.8, 11.1, 12.7, 9.4, 10.4]),
    ("negative_diff", [3.1, 2.9, 3.4, 3.0, 3.3, 3.2, 2.8], [2.7, 2.9, 3.0, 2.5, 2.8, 3.1, 2.6]),
]
# Welch only: unequal sizes and variances.
WELCH_ONLY = [
    ("welch_unequal", [97.12, 97.31, 97.05, 97.2], [97.44, 96.52, 98.40]),
    ("welch_2_vs_6", [5.0, 5.5], [1.0, 9.0, 4.0, 7.5, 2.0, 6.5]),
    ("welch_tiny_var", [1.0, 1.0000001, 0.9999999], [2.0, 3.0, 4.0, 5.0, 6.0]),
]
# Holm's correction: p-values as compare gets them (a few t-tests against one baseline), ties, a
# step where the running maximum matters, values capped at 1, one p alone.
HOLM = [
    ("one", [0.03]),
    ("four", [0.01, 0.04, 0.03, 0.005]),
    ("running_max", [0.011, 0.02, 0.021, 0.5]),
    ("capped", [0.3, 0.6, 0.9]),
    ("ties", [0.01, 0.01, 0.02, 0.5, 0.04]),
    ("tiny", [1e-12, 3e-8, 0.049, 0.0125, 0.2, 0.013]),
]


def holm(p):
    """Holm's step-down adjustment by its formula, in the input order."""
    m, order, adj, run = len(p), sorted(range(len(p)), key=lambda i: p[i]), [0.0] * len(p), 0.0
    for j, i in enumerate(order):
        run = max(run, min(1.0, (m - j) * p[i]))
        adj[i] = run
    return adj


mp.mp.dps = 50


def f(x):
    x = float(x)
    if math.isinf(x):
        return "INFINITY" if x > 0 else "-INFINITY"
    return repr(x)


def arr(xs):
    return "{" + ", ".join(f(x) for x in xs) + "}"


def close(got, want, tol, what):
    """Assert that scipy (got) agrees with the 50-digit value (want)."""
    got, want = float(got), float(want)
    if not (got == want or abs(got - want) <= tol * abs(want)):
        sys.exit(f"scipy disagrees with mpmath on {what}: {got!r} vs {want!r}")


def cdf(t, df):
    """P(T <= t) through the regularized incomplete beta function, in 50-digit arithmetic."""
    t, df = mp.mpf(t), mp.mpf(df)
    if t == 0:
        return mp.mpf(0.5)
    tail = mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2
    return tail if t < 0 else 1 - tail


def ppf(p, df):
    if p == 0.5:
        return mp.mpf(0)
    return mp.findroot(lambda t: cdf(t, df) - p, mp.mpf(stats.t.ppf(float(p), float(df))))


def moments(x):
    x = [mp.mpf(v) for v in x]
    m = mp.fsum(x) / len(x)
    return m, mp.sqrt(mp.fsum((v - m) ** 2 for v in x) / (len(x) - 1))


def finish(diff, se, df):
    t = diff / se
    p = 2 * cdf(-abs(t), df)
    h = ppf(0.975, df) * se
    return [diff, t, df, p, diff - h, diff + h]


def welch(a, b):
    (ma, sa), (mb, sb) = moments(a), moments(b)
    va, vb = sa ** 2 / len(a), sb ** 2 / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    r = finish(mb - ma, mp.sqrt(va + vb), df)
    s = stats.ttest_ind(b, a, equal_var=False)
    close(s.statistic, r[1], 1e-12, f"welch t {a} {b}")
    close(s.pvalue, r[3], 1e-10, f"welch p {a} {b}")
    return r


def paired(a, b):
    m, s = moments([y - x for x, y in zip(a, b)])
    r = finish(m, s / mp.sqrt(len(a)), mp.mpf(len(a) - 1))
    sp = stats.ttest_rel(b, a)
    ci = sp.confidence_interval(0.95)
    close(sp.statistic, r[1], 1e-12, f"paired t {a} {b}")
    close(sp.pvalue, r[3], 1e-10, f"paired p {a} {b}")
    close(ci.high - ci.low, r[5] - r[4], 1e-8, f"paired CI {a} {b}")
    return r


def render():
    out = [f"/* stats_reference.h - generated by scripts/make-stats-reference.py with scipy {scipy.__version__} and",
           f" * mpmath {mp.__version__}, statsmodels {statsmodels.__version__}; do not edit. Student t values,",
           " * t-tests and Holm's correction for tests/test_stats.c. */",
           "#ifndef STATS_REFERENCE_H", "#define STATS_REFERENCE_H", "",
           "/* stats.t.cdf(t, df) and stats.t.sf(t, df); the generator checked each against a 50-digit mpmath",
           " * evaluation (1e-11 relative) */",
           "static const struct { double df, t, cdf, sf; } REF_CDF[] = {"]
    for df in DFS:
        for t in TS:
            c, sf = stats.t.cdf(t, df), stats.t.sf(t, df)
            close(c, cdf(t, df), 1e-11, f"cdf({t}, {df})")
            close(sf, cdf(-t, df), 1e-11, f"sf({t}, {df})")
            out.append(f"    {{{f(df)}, {f(t)}, {f(c)}, {f(sf)}}},")
    out += ["};", "",
            "/* t: the root of cdf(t, df) = p in 50-digit mpmath; t_scipy: stats.t.ppf(p, df), which in scipy 1.10",
            " * (cephes stdtrit) is only good to ~5e-9 relative */",
            "static const struct { double df, p, t, t_scipy; } REF_QUANTILE[] = {"]
    for df in DFS:
        for p in PS:
            q, qs = ppf(p, df), stats.t.ppf(p, df)
            if q != 0:
                close(qs, q, 1e-8, f"ppf({p}, {df})")
            out.append(f"    {{{f(df)}, {f(p)}, {f(q)}, {f(qs)}}},")
    out += ["};", "",
            "/* one sample: mean, std (ddof=1) and the 95% CI mean -+ t_{0.975,n-1} s / sqrt(n) (mpmath; stats.t.interval",
            " * agrees to ~1e-8) */",
            "static const struct { const char *name; int n; double x[8]; double mean, std, lo, hi; } REF_SAMPLE[] = {"]
    for name, a, b in SAMPLES + WELCH_ONLY:
        for side, x in (("a", a), ("b", b)):
            m, sd = moments(x)
            h = ppf(0.975, len(x) - 1) * sd / mp.sqrt(len(x))
            xs = np.asarray(x, float)
            lo, hi = stats.t.interval(0.95, len(x) - 1, loc=xs.mean(), scale=stats.sem(xs))
            close(hi - lo, 2 * h, 1e-8, f"interval {x}")
            close(xs.std(ddof=1), sd, 1e-12, f"std {x}")
            out.append(f"    {{\"{name}.{side}\", {len(x)}, {arr(x)}, {f(m)}, {f(sd)}, {f(m - h)}, {f(m + h)}}},")
    out += ["};", "",
            "/* two samples (B against A): the mean difference B - A, t, df, two-sided p and the 95% CI of the",
            " * difference, in mpmath; the generator checked t and p against stats.ttest_ind(b, a, equal_var=False)",
            " * (Welch) and stats.ttest_rel(b, a) (paired) to 1e-12 and 1e-10 relative */",
            "typedef struct { const char *name; int paired, na; double a[8]; int nb; double b[8];",
            "                 double diff, t, df, p, lo, hi; } ref_ttest;",
            "static const ref_ttest REF_TTEST[] = {"]
    for name, a, b in SAMPLES:
        for kind, fn in ((0, welch), (1, paired)):
            r = fn(a, b)
            out.append(f"    {{\"{name}\", {kind}, {len(a)}, {arr(a)}, {len(b)}, {arr(b)}, {', '.join(f(v) for v in r)}}},")
    for name, a, b in WELCH_ONLY:
        r = welch(a, b)
        out.append(f"    {{\"{name}\", 0, {len(a)}, {arr(a)}, {len(b)}, {arr(b)}, {', '.join(f(v) for v in r)}}},")
    out += ["};", "",
            "/* Holm's step-down adjustment of m p-values: statsmodels.stats.multitest.multipletests(p,",
            " * method=\"holm\")[1]; the generator checked it against the formula to 1e-15 relative */",
            "typedef struct { const char *name; int m; double p[8], adj[8]; } ref_holm;",
            "static const ref_holm REF_HOLM[] = {"]
    t_ps = [float(welch(a, b)[3]) for _, a, b in SAMPLES]
    for name, p in HOLM + [("welch_p_values", t_ps)]:
        adj = [float(x) for x in multipletests(p, method="holm")[1]]
        for x, y in zip(adj, holm(p)):
            close(x, y, 1e-15, f"holm {name}")
        out.append(f"    {{\"{name}\", {len(p)}, {arr(p)}, {arr(adj)}}},")
    out += ["};", "", "#endif", ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "stats_reference.h"))
    ap.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = ap.parse_args()
    text = render()
    if args.check:
        same = os.path.exists(args.out) and open(args.out).read() == text
        print(f"{args.out}: {'up to date' if same else 'differs'}")
        sys.exit(0 if same else 1)
    with open(args.out, "w") as fh:
        fh.write(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
