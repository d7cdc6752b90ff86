/* stats.c - mean, sample standard deviation, Student's t distribution and the t-tests behind
 * `regmnist summarize` and `regmnist compare`. The t CDF goes through the regularized incomplete
 * beta function, evaluated by its continued fraction (modified Lentz); the quantile inverts the CDF
 * by a Newton iteration on the log of the tail, safeguarded by bisection. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rm_stats.h"

static const double PI = 3.14159265358979323846;

double rm_mean(const double *x, int n)
{
    if (n < 1) return NAN;
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i];
    return s / n;
}

double rm_std(const double *x, int n)
{
    if (n < 2) return NAN;
    double m = rm_mean(x, n), ss = 0.0, c = 0.0;
    for (int i = 0; i < n; i++) {
        double d = x[i] - m;
        ss += d * d;
        c += d;
    }
    /* the compensated two-pass formula: exact for data whose mean has rounded */
    return sqrt(fmax(0.0, ss - c * c / n) / (n - 1));
}

/* The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz), good for
 * x < (a + 1) / (a + b + 2); x and y = 1 - x are given apart so y keeps its precision. */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) <= eps) break;
    }
    return h;
}

/* Stirling's series of lgamma(x) beyond (x - 1/2) log x - x + log(2 pi)/2; error below 2e-16 for x >= 16. */
static double stirling_tail(double x)
{
    double r = 1.0 / x, r2 = r * r;
    return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 / 1188))));
}

/* -log B(a, b) = lgamma(a + b) - lgamma(a) - lgamma(b). With a large (the t CDF at a large df has
 * a = df/2, b = 1/2) the three lgamma values are large and nearly cancel, so the difference
 * lgamma(a + b) - lgamma(a) is taken from Stirling's series term by term instead. */
static double neg_log_beta(double a, double b)
{
    double big = a > b ? a : b, small = a > b ? b : a;
    if (big < 16.0) return lgamma(a + b) - lgamma(a) - lgamma(b);
    double diff = (big - 0.5) * log1p(small / big) + small * log(big + small) - small + stirling_tail(big + small) -
                  stirling_tail(big);
    return diff - lgamma(small);
}

/* I_x(a, b) with x and y = 1 - x both given (and their logs), so that either tail is accurate. */
static double ibeta(double a, double b, double x, double y, double lx, double ly)
{
    if (x <= 0.0) return 0.0;
    if (y <= 0.0) return 1.0;
    double lfront = neg_log_beta(a, b) + a * lx + b * ly;
    if (x < (a + 1.0) / (a + b + 2.0)) return exp(lfront) * beta_cf(a, b, x) / a;
    return 1.0 - exp(lfront) * beta_cf(b, a, y) / b;
}

double rm_betainc(double a, double b, double x)
{
    if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0) || !(x <= 1.0)) return NAN;
    double y = 1.0 - x;
    return ibeta(a, b, x, y, log(x), log1p(-x));
}

/* P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2), with x and 1 - x formed without cancellation. */
static double two_tail(double t, double df)
{
    if (isnan(t) || isnan(df) || !(df > 0.0)) return NAN;
    if (t == 0.0) return 1.0;
    if (isinf(t)) return 0.0;
    if (isinf(df)) return erfc(fabs(t) / sqrt(2.0));
    double t2 = t * t;
    double x, y, lx, ly;
    if (t2 < df) {
        double r = t2 / df; /* x = 1/(1+r), y = r/(1+r) */
        x = 1.0 / (1.0 + r);
        y = r / (1.0 + r);
        lx = -log1p(r);
        ly = log(r) - log1p(r);
    } else {
        double r = df / t2; /* x = r/(1+r), y = 1/(1+r) */
        x = r / (1.0 + r);
        y = 1.0 / (1.0 + r);
        lx = log(r) - log1p(r);
        ly = -log1p(r);
    }
    return ibeta(0.5 * df, 0.5, x, y, lx, ly);
}

double rm_t_pdf(double t, double df)
{
    if (isnan(t) || isnan(df) || !(df > 0.0)) return NAN;
    if (isinf(t)) return 0.0;
    if (isinf(df)) return exp(-0.5 * t * t) / sqrt(2.0 * PI);
    return exp(lgamma(0.5 * (df + 1.0)) - lgamma(0.5 * df) - 0.5 * log(df * PI) -
               0.5 * (df + 1.0) * log1p(t * t / df));
}

double rm_t_cdf(double t, double df)
{
    double p = two_tail(t, df);
    if (isnan(p)) return NAN;
    return t < 0.0 ? 0.5 * p : 1.0 - 0.5 * p;
}

double rm_t_sf(double t, double df)
{
    return rm_t_cdf(-t, df);
}

double rm_t_pvalue(double t, double df)
{
    return two_tail(t, df);
}

/* The t > 0 whose upper tail is q, 0 < q < 0.5. */
static double upper_quantile(double q, double df)
{
    double lo = 0.0, hi = 1.0;
    while (rm_t_sf(hi, df) > q) {
        lo = hi;
        hi *= 2.0;
        if (hi > 1e300) return INFINITY;
    }
    double lq = log(q), t = 0.5 * (lo + hi);
    for (int it = 0; it < 400; it++) {
        double s = rm_t_sf(t, df);
        if (s > q) lo = t;
        else hi = t;
        /* Newton on log sf(t) - log q: d/dt log sf = -pdf / sf */
        double pdf = rm_t_pdf(t, df), next;
        if (s > 0.0 && pdf > 0.0) next = t + (log(s) - lq) * s / pdf;
        else next = 0.5 * (lo + hi);
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (fabs(next - t) <= 4.0 * DBL_EPSILON * fabs(t) || hi - lo <= 4.0 * DBL_EPSILON * hi) return next;
        t = next;
    }
    return t;
}

double rm_t_quantile(double p, double df)
{
    if (isnan(p) || isnan(df) || !(df > 0.0) || p < 0.0 || p > 1.0) return NAN;
    if (p == 0.0) return -INFINITY;
    if (p == 1.0) return INFINITY;
    if (p == 0.5) return 0.0;
    /* 1 - p is exact for p in [0.5, 1] (Sterbenz) */
    return p > 0.5 ? upper_quantile(1.0 - p, df) : -upper_quantile(p, df);
}

int rm_ci95_mean(const double *x, int n, double *lo, double *hi)
{
    if (n < 2) {
        *lo = *hi = NAN;
        return 0;
    }
    double m = rm_mean(x, n), h = rm_t_quantile(0.975, n - 1.0) * rm_std(x, n) / sqrt((double)n);
    *lo = m - h;
    *hi = m + h;
    return 1;
}

/* t, p and the 95% CI from diff, se and df. */
static void finish_test(rm_ttest *r)
{
    if (r->se > 0.0) {
        r->t = r->diff / r->se;
        r->p = rm_t_pvalue(r->t, r->df);
        double h = rm_t_quantile(0.975, r->df) * r->se;
        r->ci_lo = r->diff - h;
        r->ci_hi = r->diff + h;
        return;
    }
    /* no variation at all: the difference is exact */
    r->t = r->diff == 0.0 ? NAN : r->diff > 0.0 ? INFINITY : -INFINITY;
    r->p = r->diff == 0.0 ? NAN : 0.0;
    r->ci_lo = r->ci_hi = r->diff;
}

int rm_welch_ttest(const double *a, int na, const double *b, int nb, rm_ttest *r)
{
    if (na < 2 || nb < 2) return -1;
    double sa = rm_std(a, na), sb = rm_std(b, nb);
    double va = sa * sa / na, vb = sb * sb / nb;
    r->diff = rm_mean(b, nb) - rm_mean(a, na);
    r->se = sqrt(va + vb);
    r->df = r->se > 0.0 ? (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1)) : NAN;
    finish_test(r);
    return 0;
}

int rm_paired_ttest(const double *a, const double *b, int n, rm_ttest *r)
{
    if (n < 2) return -1;
    double m = 0.0, ss = 0.0, c = 0.0;
    for (int i = 0; i < n; i++) m += b[i] - a[i];
    m /= n;
    for (int i = 0; i < n; i++) {
        double d = (b[i] - a[i]) - m;
        ss += d * d;
        c += d;
    }
    r->diff = m;
    r->se = sqrt(fmax(0.0, ss - c * c / n) / (n - 1)) / sqrt((double)n);
    r->df = n - 1.0;
    finish_test(r);
    return 0;
}

int rm_holm(const double *p, int m, double *adj)
{
    /* the finite p-values' indices, sorted ascending by insertion (m is small) */
    int *order = m > 0 ? malloc((size_t)m * sizeof *order) : NULL, k = 0;
    if (m > 0 && !order) return -1;
    for (int i = 0; i < m; i++) {
        adj[i] = NAN;
        if (isnan(p[i])) continue;
        int j = k++;
        for (; j > 0 && p[order[j - 1]] > p[i]; j--) order[j] = order[j - 1];
        order[j] = i;
    }
    double run = 0.0;
    for (int j = 0; j < k; j++) {
        double a = fmin(1.0, (double)(k - j) * p[order[j]]);
        run = fmax(run, a);
        adj[order[j]] = run;
    }
    free(order);
    return 0;
}

void rm_shortest_g(double v, char *buf, size_t n)
{
    if (!n) return;
    if (v == trunc(v) && fabs(v) < 1e15) { /* whole numbers in full: 10, not 1e+01 */
        snprintf(buf, n, "%.0f", v);
        return;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, n, "%.*g", digits, v);
        if (!isfinite(v) || strtod(buf, NULL) == v) return;
    }
}
