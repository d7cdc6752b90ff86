/* test_stats.c - src/run/stats.c against scipy.stats (tests/stats_reference.h, written by
 * scripts/make-stats-reference.py) and against closed forms that need no table: the t CDF and
 * its tails over df 1..1000 and fractional df, quantiles, the 95% CI of a mean, Welch's and the
 * paired t-test; Holm's correction against statsmodels; the shortest round-trip text of a number. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rm_stats.h"
#include "stats_reference.h"
#include "test_util.h"

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const double PI = 3.14159265358979323846;

/* Relative closeness; an exact 0 (an underflowed reference) needs a value below 1e-300. */
static int close_rel(double got, double want, double tol)
{
    if (isinf(want)) return got == want;
    if (want == 0.0) return fabs(got) <= 1e-300;
    return fabs(got - want) <= tol * fabs(want);
}

/* Check with a message naming the case, so a failure says which table row broke. */
#define CHECK_REL(got, want, tol, fmt, ...)                                                              \
    do {                                                                                                 \
        t_checks++;                                                                                      \
        double g_ = (got), w_ = (want);                                                                  \
        if (!close_rel(g_, w_, (tol))) {                                                                 \
            t_failures++;                                                                                \
            fprintf(stderr, "%s:%d: " fmt ": got %.17g, want %.17g (rel err %.3g, tol %g)\n", __FILE__, \
                    __LINE__, __VA_ARGS__, g_, w_, w_ != 0 ? fabs(g_ - w_) / fabs(w_) : fabs(g_),        \
                    (double)(tol));                                                                      \
        }                                                                                                \
    } while (0)

static void check_table_cdf(void)
{
    double worst = 0.0;
    for (int i = 0; i < N_OF(REF_CDF); i++) {
        double df = REF_CDF[i].df, t = REF_CDF[i].t;
        CHECK_REL(rm_t_cdf(t, df), REF_CDF[i].cdf, 1e-10, "t_cdf(%g, df %g)", t, df);
        CHECK_REL(rm_t_sf(t, df), REF_CDF[i].sf, 1e-10, "t_sf(%g, df %g)", t, df);
        /* the two-sided p-value is twice the smaller tail */
        double small = t < 0 ? REF_CDF[i].cdf : REF_CDF[i].sf;
        CHECK_REL(rm_t_pvalue(t, df), t == 0 ? 1.0 : 2.0 * small, 1e-10, "t_pvalue(%g, df %g)", t, df);
        if (REF_CDF[i].cdf > 0) {
            double r = fabs(rm_t_cdf(t, df) - REF_CDF[i].cdf) / REF_CDF[i].cdf;
            if (r > worst) worst = r;
        }
    }
    printf("t cdf: %d scipy values, worst relative error %.3g\n", N_OF(REF_CDF), worst);
}

static void check_table_quantile(void)
{
    double worst = 0.0;
    for (int i = 0; i < N_OF(REF_QUANTILE); i++) {
        double df = REF_QUANTILE[i].df, p = REF_QUANTILE[i].p, want = REF_QUANTILE[i].t;
        double got = rm_t_quantile(p, df);
        if (want == 0.0) CHECK(got == 0.0);
        else CHECK_REL(got, want, 1e-12, "t_quantile(%g, df %g) vs mpmath", p, df);
        if (want != 0.0 && fabs(got - want) / fabs(want) > worst) worst = fabs(got - want) / fabs(want);
        /* scipy's own t.ppf, good to ~5e-9 */
        if (want != 0.0) CHECK_REL(got, REF_QUANTILE[i].t_scipy, 1e-8, "t_quantile(%g, df %g) vs scipy", p, df);
        /* and back: the CDF of the quantile is p */
        CHECK_REL(rm_t_cdf(got, df), p, 1e-12, "t_cdf(t_quantile(%g, df %g))", p, df);
    }
    printf("t quantile: %d values, worst relative error %.3g\n", N_OF(REF_QUANTILE), worst);
}

static void check_table_samples(void)
{
    for (int i = 0; i < N_OF(REF_SAMPLE); i++) {
        const double *x = REF_SAMPLE[i].x;
        int n = REF_SAMPLE[i].n;
        double lo, hi;
        CHECK_REL(rm_mean(x, n), REF_SAMPLE[i].mean, 1e-14, "mean %s", REF_SAMPLE[i].name);
        CHECK_REL(rm_std(x, n), REF_SAMPLE[i].std, 1e-12, "std %s", REF_SAMPLE[i].name);
        CHECK(rm_ci95_mean(x, n, &lo, &hi) == 1);
        /* the bounds to 1e-10 of the interval's half-width */
        double half = 0.5 * (REF_SAMPLE[i].hi - REF_SAMPLE[i].lo);
        CHECK_NEAR(lo, REF_SAMPLE[i].lo, 1e-10 * half + 1e-15 * fabs(REF_SAMPLE[i].lo));
        CHECK_NEAR(hi, REF_SAMPLE[i].hi, 1e-10 * half + 1e-15 * fabs(REF_SAMPLE[i].hi));
    }
}

static void check_table_ttests(void)
{
    for (int i = 0; i < N_OF(REF_TTEST); i++) {
        const ref_ttest *c = &REF_TTEST[i];
        const char *kind = c->paired ? "paired" : "welch";
        rm_ttest r;
        int rc = c->paired ? rm_paired_ttest(c->a, c->b, c->na, &r) : rm_welch_ttest(c->a, c->na, c->b, c->nb, &r);
        CHECK(rc == 0);
        if (rc) continue;
        double half = 0.5 * (c->hi - c->lo);
        CHECK_NEAR(r.diff, c->diff, 1e-12 * half);
        CHECK_REL(r.t, c->t, 1e-10, "%s %s: t", kind, c->name);
        CHECK_REL(r.df, c->df, 1e-12, "%s %s: df", kind, c->name);
        CHECK_REL(r.p, c->p, 1e-10, "%s %s: p", kind, c->name);
        CHECK_NEAR(r.ci_lo, c->lo, 1e-10 * half);
        CHECK_NEAR(r.ci_hi, c->hi, 1e-10 * half);
    }
    printf("t-tests: %d scipy cases\n", N_OF(REF_TTEST));
}

/* Closed forms, independent of the table. */
static void check_closed_forms(void)
{
    const double ts[] = {-300, -12.5, -3, -1, -0.25, 0, 0.25, 1, 3, 12.5, 300};
    for (int i = 0; i < N_OF(ts); i++) {
        double t = ts[i];
        /* df 1 is Cauchy; df 2 is t / (2 sqrt(2 + t^2)) + 1/2 */
        double cauchy = t < 0 ? atan(-1.0 / t) / PI : 1.0 - atan(1.0 / t) / PI;
        if (t == 0) cauchy = 0.5;
        CHECK_REL(rm_t_cdf(t, 1), cauchy, 1e-12, "cdf(%g, 1) closed form", t);
        double r = sqrt(2.0 + t * t); /* 1/2 - |t|/(2r) = 1 / (r (r + |t|)) without cancellation */
        double two = t < 0 ? 1.0 / (r * (r - t)) : 0.5 + t / (2.0 * r);
        CHECK_REL(rm_t_cdf(t, 2), two, 1e-12, "cdf(%g, 2) closed form", t);
        /* symmetry, and an infinite df is the normal distribution */
        CHECK_REL(rm_t_cdf(t, 7.5) + rm_t_cdf(-t, 7.5), 1.0, 1e-15, "symmetry at %g", t);
        CHECK_REL(rm_t_cdf(t, INFINITY), 0.5 * erfc(-t / sqrt(2.0)), 1e-15, "normal at %g", t);
    }
    /* df 1 quantile: tan(pi (p - 1/2)); df 2: (2p - 1) sqrt(2 / (4p(1-p))) */
    const double ps[] = {0.001, 0.1, 0.4, 0.6, 0.975, 0.995, 0.9999};
    for (int i = 0; i < N_OF(ps); i++) {
        double p = ps[i];
        CHECK_REL(rm_t_quantile(p, 1), tan(PI * (p - 0.5)), 1e-11, "quantile(%g, 1) closed form", p);
        CHECK_REL(rm_t_quantile(p, 2), (2 * p - 1) * sqrt(2.0 / (4 * p * (1 - p))), 1e-11, "quantile(%g, 2)", p);
    }
    /* incomplete beta: I_x(1, 1) = x, I_x(a, 1) = x^a, I_x(1, b) = 1 - (1-x)^b, symmetry */
    const double xs[] = {0.0, 1e-8, 0.1, 0.5, 0.77, 0.999, 1.0};
    for (int i = 0; i < N_OF(xs); i++) {
        double x = xs[i];
        CHECK_NEAR(rm_betainc(1, 1, x), x, 1e-15);
        CHECK_NEAR(rm_betainc(3.5, 1, x), pow(x, 3.5), 1e-15);
        CHECK_NEAR(rm_betainc(1, 4, x), 1.0 - pow(1.0 - x, 4), 1e-15);
        CHECK_NEAR(rm_betainc(2.5, 7.25, x) + rm_betainc(7.25, 2.5, 1.0 - x), 1.0, 1e-14);
    }
    /* the t density integrates to the CDF (Simpson over [-1, 2], df 3) */
    double s = 0, h = 3.0 / 2000;
    for (int k = 0; k <= 2000; k++) s += (k == 0 || k == 2000 ? 1 : k % 2 ? 4 : 2) * rm_t_pdf(-1 + k * h, 3);
    CHECK_NEAR(s * h / 3, rm_t_cdf(2, 3) - rm_t_cdf(-1, 3), 1e-12);
}

static void check_edges(void)
{
    double lo, hi, one = 97.5;
    rm_ttest r;
    CHECK(isnan(rm_mean(&one, 0)) && rm_mean(&one, 1) == 97.5);
    CHECK(isnan(rm_std(&one, 1)));
    /* one value: no interval */
    CHECK(rm_ci95_mean(&one, 1, &lo, &hi) == 0 && isnan(lo) && isnan(hi));
    /* identical values: std exactly 0, the interval a point */
    const double same[] = {0.1, 0.1, 0.1};
    CHECK(rm_std(same, 3) == 0.0);
    CHECK(rm_ci95_mean(same, 3, &lo, &hi) == 1 && lo == hi);
    /* too few values for a test */
    CHECK(rm_welch_ttest(same, 1, same, 3, &r) == -1);
    CHECK(rm_paired_ttest(same, same, 1, &r) == -1);
    /* no variation: equal sides give no p-value, a constant shift is certain */
    CHECK(rm_paired_ttest(same, same, 3, &r) == 0 && r.diff == 0 && isnan(r.p));
    const double shifted[] = {1.1, 2.1, 3.1}, base[] = {1.0, 2.0, 3.0};
    CHECK(rm_paired_ttest(base, shifted, 3, &r) == 0);
    CHECK(r.p < 1e-10 && r.diff > 0.0999 && r.diff < 0.1001 && r.ci_lo <= r.diff && r.ci_hi >= r.diff);
    const double more[] = {0.2, 0.2, 0.2};
    CHECK(rm_welch_ttest(same, 3, more, 3, &r) == 0 && r.p == 0.0 && isinf(r.t) && r.t > 0);
    /* arguments outside the domain */
    CHECK(isnan(rm_t_cdf(1, 0)) && isnan(rm_t_cdf(1, -2)) && isnan(rm_t_cdf(NAN, 3)));
    CHECK(rm_t_cdf(INFINITY, 3) == 1 && rm_t_cdf(-INFINITY, 3) == 0 && rm_t_pvalue(0, 3) == 1);
    CHECK(isnan(rm_t_quantile(1.5, 3)) && rm_t_quantile(1, 3) == INFINITY && rm_t_quantile(0, 3) == -INFINITY);
    CHECK(isnan(rm_betainc(0, 1, 0.5)) && isnan(rm_betainc(1, 1, 1.5)));
}

/* Holm's correction against statsmodels, and a NaN left out of m. */
static void check_table_holm(void)
{
    double adj[8];
    for (int i = 0; i < N_OF(REF_HOLM); i++) {
        CHECK(rm_holm(REF_HOLM[i].p, REF_HOLM[i].m, adj) == 0);
        for (int k = 0; k < REF_HOLM[i].m; k++)
            CHECK_REL(adj[k], REF_HOLM[i].adj[k], 1e-15, "holm %s [%d]", REF_HOLM[i].name, k);
    }
    const double p[] = {0.04, NAN, 0.01};
    CHECK(rm_holm(p, 3, adj) == 0 && adj[0] == 0.04 && isnan(adj[1]) && adj[2] == 0.02);
    CHECK(rm_holm(p, 0, adj) == 0);
}

/* The shortest text that reads back as the same double. */
static void check_shortest(void)
{
    static const struct { double v; const char *want; } cases[] = {
        {1.0 / 12, "0.08333333333333333"}, {0.1, "0.1"}, {1e-5, "1e-05"}, {0.001, "0.001"},
        {10, "10"}, {-3, "-3"}, {1e20, "1e+20"}, {0.1 + 0.2, "0.30000000000000004"}, {97.125, "97.125"},
        {2.5e-300, "2.5e-300"}, {INFINITY, "inf"}, {12000.5, "12000.5"},
    };
    char buf[64];
    for (int i = 0; i < N_OF(cases); i++) {
        rm_shortest_g(cases[i].v, buf, sizeof buf);
        t_checks++;
        if (strcmp(buf, cases[i].want)) {
            t_failures++;
            fprintf(stderr, "%s:%d: shortest %.17g: got %s, want %s\n", __FILE__, __LINE__, cases[i].v, buf,
                    cases[i].want);
        }
    }
    /* every text reads back exactly */
    for (double v = 1e-7; v < 1e7; v *= 1.37) {
        rm_shortest_g(v, buf, sizeof buf);
        CHECK(strtod(buf, NULL) == v);
    }
}

int main(void)
{
    check_table_cdf();
    check_table_quantile();
    check_table_samples();
    check_table_ttests();
    check_closed_forms();
    check_edges();
    check_table_holm();
    check_shortest();
    return t_done("test_stats");
}
