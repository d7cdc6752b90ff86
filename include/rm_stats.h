/* rm_stats.h - small-sample statistics for comparing runs over seeds: mean, sample standard
 * deviation, Student's t distribution (CDF, tail, quantile), the 95% confidence interval of a mean,
 * Welch's t-test and the paired t-test, Holm's correction of p-values for multiple comparisons, and
 * the shortest text of a number. Checked against scipy.stats in tests/test_stats.c. */
#ifndef RM_STATS_H
#define RM_STATS_H

#include <stddef.h>

/* Arithmetic mean of x[0..n-1] (NaN when n < 1). */
double rm_mean(const double *x, int n);

/* Sample standard deviation of x[0..n-1], denominator n - 1 (NaN when n < 2). */
double rm_std(const double *x, int n);

/* Regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1] (NaN otherwise). */
double rm_betainc(double a, double b, double x);

/* Student t density at t with df > 0 degrees of freedom (df may be fractional or infinite). */
double rm_t_pdf(double t, double df);

/* Student t CDF P(T <= t), accurate to ~1e-13 relative in both tails (NaN for df <= 0). */
double rm_t_cdf(double t, double df);

/* Student t upper tail P(T > t) = rm_t_cdf(-t, df), without cancellation for large t. */
double rm_t_sf(double t, double df);

/* Two-sided p-value P(|T| >= |t|) of a t statistic (1 at t = 0, NaN for NaN t). */
double rm_t_pvalue(double t, double df);

/* Quantile: the t with rm_t_cdf(t, df) = p, for p in (0, 1) (-inf/inf at 0/1, NaN outside). */
double rm_t_quantile(double p, double df);

/* 95% confidence interval of the mean of x[0..n-1]: mean -+ t_{0.975,n-1} s / sqrt(n).
 * Returns 1 with *lo, *hi set, or 0 (both NaN) when n < 2: one value gives no interval. */
int rm_ci95_mean(const double *x, int n, double *lo, double *hi);

/* The outcome of a two-sample t-test of B against A. */
typedef struct rm_ttest {
    double diff;         /* mean difference B - A (the mean of the paired differences b_i - a_i) */
    double se;           /* its standard error */
    double t;            /* diff / se (+-inf when se = 0 and diff != 0, NaN when both are 0) */
    double df;           /* degrees of freedom (Welch-Satterthwaite for Welch; n - 1 paired) */
    double p;            /* two-sided p-value (0 when se = 0 and diff != 0, NaN when both are 0) */
    double ci_lo, ci_hi; /* 95% confidence interval of diff */
} rm_ttest;

/* Welch's unequal-variance t-test of b[0..nb-1] against a[0..na-1]; 0 on success, -1 when a side
 * has fewer than 2 values. */
int rm_welch_ttest(const double *a, int na, const double *b, int nb, rm_ttest *r);

/* Paired t-test of b[i] against a[i], i < n; 0 on success, -1 when n < 2. */
int rm_paired_ttest(const double *a, const double *b, int n, rm_ttest *r);

/* Holm's step-down adjustment of m p-values: with p sorted ascending, adj(i) = max over j <= i of
 * min(1, (m - j + 1) p(j)) (1-based), written to adj in the input order (NaN p stay NaN and do not
 * count in m). 0 on success, -1 when out of memory. */
int rm_holm(const double *p, int m, double *adj);

/* The shortest %.Ng (N = 1..17) text of v that reads back as the same double (0.1, not
 * 0.10000000000000001); whole numbers below 1e15 in full (10, not 1e+01); "nan", "inf" or "-inf". */
void rm_shortest_g(double v, char *buf, size_t n);

#endif
