/* cli_compare.c - `regmnist compare A B`: does B differ from A on a metric? Each side is a set of
 * runs (a directory scanned for runs, or a sweep's runs selected by key=value); the answer is the
 * mean difference B - A with its 95% CI and a two-sided p-value, from a paired t-test when both
 * sides ran the same seeds (which give the same initialization, data order and dropout masks) and
 * Welch's t-test otherwise. `compare --baseline` tests several sides against one and adds Holm's
 * correction of their p-values. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_common.h"
#include "compare.h"
#include "groups.h"
#include "rm_cli.h"
#include "rm_runs.h"
#include "rm_stats.h"

static const char HELP[] =
    "usage: regmnist compare A B [--metric NAME] [--which final|best]\n"
    "       regmnist compare --a SEL [--a SEL]... --b SEL [--b SEL]... [--metric NAME] [--which final|best]\n"
    "       regmnist compare --baseline SEL SEL... [--metric NAME] [--which final|best]\n"
    "       regmnist compare SWEEPDIR --baseline key=value[,key=value]... [--metric NAME] [--which ...]\n"
    "\n"
    "Say whether the runs of B differ from those of A on a metric: each side's n and mean ± std,\n"
    "the mean difference B - A with its 95% confidence interval, the test used and why, and the\n"
    "two-sided p-value.\n"
    "\n"
    "With --baseline, A is the baseline's runs and each other selector is a side B1, B2, ...\n"
    "compared with A as above; then every p-value again with Holm's correction for the number m\n"
    "of comparisons that have one (step-down: with the p-values sorted, the i-th smallest times\n"
    "m - i + 1, capped at 1, never below the one before), which holds the chance of any false\n"
    "difference at 5% when the adjusted p-values are read against 0.05. Given one sweep directory\n"
    "and a --baseline that is a filter (key=value, not a directory), A is the sweep's runs that\n"
    "match it and every other setting of the sweep (the seeds of one setting, as summarize groups\n"
    "them) is a side, labelled SWEEPDIR:key=value,... by the keys that vary (in a pruned sweep\n"
    "not training.epochs, the rung each run reached); a setting without an ok run (a pruned\n"
    "sweep's stopped ones) is listed after the comparisons, not compared.\n"
    "\n"
    "A selector SEL is\n"
    "  DIR                  every run under DIR (a run dir, a sweep dir, any tree of runs)\n"
    "  SWEEPDIR:key=value[,key=value]...\n"
    "                       the runs under SWEEPDIR whose config.json has these values; a key is\n"
    "                       a full path (model.dropout) or its last component if that names one\n"
    "                       key (dropout); a value is JSON (0.3, 1e-4, [8], true) or a bare string\n"
    "A side given several selectors (--a, --b, repeatable) takes the runs of all of them.\n"
    "\n"
    "  --metric NAME        test_acc (default), test_loss, val_acc, val_loss, train_acc,\n"
    "                       train_loss, gap, penalty, or a summary.json number such as\n"
    "                       wall_seconds or epochs\n"
    "  --which final|best   the final model's metric (default; the restored best one with early\n"
    "                       stopping) or the early-stopping best epoch's\n"
    "\n"
    "Only runs with status ok are compared; the others are listed. The test is the paired t-test\n"
    "when both sides hold the same seeds, each once: a seed fixes the initialization, the data\n"
    "order and the dropout masks, so the runs of one seed differ only by what A and B change.\n"
    "Otherwise it is Welch's t-test (unequal variances, Welch-Satterthwaite df). Either needs two\n"
    "ok runs per side.\n"
    "Exit status: 0 whatever the result; 2 usage error (a bad selector, no run matching a filter,\n"
    "an unknown metric or one the ok runs lack); 3 I/O error (a missing directory, one holding\n"
    "no run, no ok run on a side, a SWEEPDIR/sweep.json that cannot be read or is not a\n"
    "sweep's).\n";

enum { MAX_SELECTORS = 64, MAX_SIDES = CMP_MAX_SIDES };

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Move the runs of src that side does not hold yet into side; src is left empty. */
static int merge(rm_runs *side, rm_runs *src, rm_err *e)
{
    int need = side->n + src->n;
    if (need > side->cap) {
        rm_run *v = realloc(side->run, (size_t)need * sizeof *v);
        if (!v) return rm_fail(e, RM_ERR_RUN, "out of memory");
        side->run = v;
        side->cap = need;
    }
    for (int i = 0; i < src->n; i++) {
        int dup = 0;
        for (int j = 0; j < side->n && !dup; j++) dup = !strcmp(side->run[j].real, src->run[i].real);
        if (!dup) {
            side->run[side->n++] = src->run[i];
            memset(&src->run[i], 0, sizeof src->run[i]);
        }
    }
    rm_runs_free(src);
    return RM_OK;
}

/* SWEEPDIR:filter: the first colon of sel whose left part (copied to dir) is a directory, or NULL. */
static const char *dir_colon(const char *sel, char *dir, size_t n)
{
    for (const char *p = strchr(sel, ':'); p; p = strchr(p + 1, ':')) {
        size_t len = (size_t)(p - sel);
        if (len == 0 || len >= n) continue;
        memcpy(dir, sel, len);
        dir[len] = '\0';
        if (is_dir(dir)) return p;
    }
    return NULL;
}

/* Add the runs a selector names to side. */
static int select_runs(rm_runs *side, const char *sel, rm_err *e)
{
    rm_runs tmp = {0};
    int rc;
    if (is_dir(sel)) {
        rc = rm_runs_scan(&tmp, sel, e);
    } else {
        char dir[4096];
        const char *colon = dir_colon(sel, dir, sizeof dir);
        if (!colon) {
            if (strchr(sel, ':') && strchr(strchr(sel, ':'), '='))
                return rm_fail(e, RM_ERR_IO, "%s: no directory '%.*s'", sel, (int)(strchr(sel, ':') - sel), sel);
            return rm_fail(e, RM_ERR_IO, "%s: no such directory", sel);
        }
        rc = rm_runs_scan(&tmp, dir, e);
        if (!rc) rc = rm_runs_filter(&tmp, colon + 1, sel, e);
    }
    if (!rc) rc = merge(side, &tmp, e);
    rm_runs_free(&tmp);
    return rc;
}

/* Side data: the ok runs' values and seeds, and what was left out. */
typedef struct {
    const char *label;
    rm_runs runs;
    double *v, *seed;
    int n, all_seeded;
} side_t;

static int collect(side_t *s, const char *metric, rm_err *e)
{
    s->v = calloc((size_t)s->runs.n + 1, sizeof *s->v);
    s->seed = calloc((size_t)s->runs.n + 1, sizeof *s->seed);
    if (!s->v || !s->seed) return rm_fail(e, RM_ERR_RUN, "out of memory");
    s->all_seeded = 1;
    for (int i = 0; i < s->runs.n; i++) {
        const rm_run *r = &s->runs.run[i];
        if (!rm_run_ok(r)) continue;
        if (!rm_run_metric(r, metric, &s->v[s->n]))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s/summary.json has no %s%s", s->label, r->dir, metric,
                           !strncmp(metric, "best_", 5) ? " (no early stopping?)"
                           : !strncmp(metric, "val_", 4) ? " (no validation set?)"
                                                         : "");
        s->seed[s->n] = r->has_seed ? r->seed : NAN;
        s->all_seeded &= r->has_seed;
        s->n++;
    }
    if (!s->n) return rm_fail(e, RM_ERR_IO, "%s: no ok run among its %d", s->label, s->runs.n);
    return RM_OK;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Seeds as text, sorted ("1 2 3"). */
static void seeds_text(const side_t *s, char *buf, size_t n)
{
    double *t = malloc((size_t)s->n * sizeof *t);
    buf[0] = '\0';
    if (!t) return;
    memcpy(t, s->seed, (size_t)s->n * sizeof *t);
    qsort(t, (size_t)s->n, sizeof *t, cmp_double);
    for (int i = 0; i < s->n; i++) {
        size_t at = strlen(buf);
        if (isnan(t[i])) snprintf(buf + at, n - at, "%s?", i ? " " : "");
        else snprintf(buf + at, n - at, "%s%.17g", i ? " " : "", t[i]);
    }
    free(t);
}

/* A repeated seed of a side, or NaN. */
static double repeated_seed(const side_t *s)
{
    for (int i = 0; i < s->n; i++)
        for (int j = i + 1; j < s->n; j++)
            if (s->seed[i] == s->seed[j]) return s->seed[i];
    return NAN;
}

/* Paired when both sides hold the same seeds, each once: then b_value[i] is B's run of A's seed i. */
static int pairing(const side_t *a, const side_t *b, const char *bname, double *b_paired, char *why, size_t n)
{
    char sa[1024], sb[1024];
    seeds_text(a, sa, sizeof sa);
    seeds_text(b, sb, sizeof sb);
    if (!a->all_seeded || !b->all_seeded) {
        snprintf(why, n, "a run has no seed in its summary.json or config.json");
        return 0;
    }
    double ra = repeated_seed(a), rb = repeated_seed(b);
    if (!isnan(ra) || !isnan(rb)) {
        snprintf(why, n, "seed %.17g appears more than once in %s", !isnan(ra) ? ra : rb, !isnan(ra) ? "A" : bname);
        return 0;
    }
    if (a->n != b->n || strcmp(sa, sb) != 0) {
        snprintf(why, n, "the seeds differ (A: %.900s; %s: %.900s)", sa, bname, sb);
        return 0;
    }
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++)
            if (b->seed[j] == a->seed[i]) b_paired[i] = b->v[j];
    snprintf(why, n,
             "both sides ran seeds %s, each once; a seed fixes the initialization, data order and dropout "
             "masks, so runs of one seed are paired",
             sa);
    return 1;
}

static void print_side(const side_t *s, const char *name, int d)
{
    char seeds[1024];
    seeds_text(s, seeds, sizeof seeds);
    printf("%s: %s\n", name, s->label);
    printf("   n %d, mean %.*f", s->n, d, rm_mean(s->v, s->n));
    if (s->n > 1) printf(" ± %.*f (std)", d, rm_std(s->v, s->n));
    printf(", seeds %s\n", seeds);
    int left = s->runs.n - s->n;
    if (left) {
        printf("   %d of %d runs left out (not ok):", left, s->runs.n);
        for (int i = 0; i < s->runs.n; i++)
            if (!rm_run_ok(&s->runs.run[i])) printf(" %s (%s)", s->runs.run[i].dir, s->runs.run[i].status);
        printf("\n");
    }
}

/* Note when a side holds runs of several settings (config keys other than the seed differ). */
static int note_mixed(side_t *s, const char *name, rm_err *e)
{
    int rc = rm_runs_find_varied(&s->runs, e);
    if (rc || !s->runs.nvaried) return rc;
    printf("   note: %s mixes settings: ", name);
    for (int k = 0; k < s->runs.nvaried && k < 6; k++) printf("%s%s", k ? ", " : "", s->runs.varied[k]);
    printf("%s differ%s between its runs\n", s->runs.nvaried > 6 ? ", ..." : "", s->runs.nvaried == 1 ? "s" : "");
    return RM_OK;
}

static void print_metric(const char *metric)
{
    int best = !strncmp(metric, "best_", 5);
    printf("metric: %s%s\n", best ? "the early-stopping best epoch's " : rm_metric_is_final(metric) ? "final " : "",
           best ? metric + 5 : metric);
}

/* A side B (named bname) after A: its runs, whether it mixes settings, runs it shares with A. A
 * itself is printed first when bname is "B" (compare A B). */
static int print_pair(side_t *A, side_t *B, const char *bname, const char *metric, rm_err *e)
{
    int d = rm_metric_decimals(metric) + 2, shared = 0, rc = RM_OK;
    for (int i = 0; i < A->runs.n; i++)
        for (int j = 0; j < B->runs.n; j++) shared += !strcmp(A->runs.run[i].real, B->runs.run[j].real);
    if (!strcmp(bname, "B")) {
        print_side(A, "A", d);
        rc = note_mixed(A, "A", e);
    }
    print_side(B, bname, d);
    if (!rc) rc = note_mixed(B, bname, e);
    if (shared) printf("   note: %d run%s on both sides\n", shared, shared == 1 ? " is" : "s are");
    return rc;
}

/* The t-test of B (named bname) against A into *t (and whether paired, and why, into why); 0 when
 * there is one, -1 when a side has fewer than 2 ok runs. */
static int test_pair(const side_t *A, const side_t *B, const char *bname, int *paired, rm_ttest *t, char *why,
                     size_t n, rm_err *e)
{
    double *b_paired = calloc((size_t)A->n + 1, sizeof *b_paired);
    if (!b_paired) return rm_fail(e, RM_ERR_RUN, "out of memory"), -2;
    *paired = pairing(A, B, bname, b_paired, why, n);
    int ok = *paired ? rm_paired_ttest(A->v, b_paired, A->n, t) : rm_welch_ttest(A->v, A->n, B->v, B->n, t);
    free(b_paired);
    return ok != 0 ? -1 : 0;
}

/* The t-test of B (named bname) against A, printed: the difference, the test and why, t, df and p;
 * *p the two-sided p-value (NaN when there is no test or no variation). */
static int run_test(const side_t *A, const side_t *B, const char *bname, const char *metric, double *p, rm_err *e)
{
    char why[2400];
    int d = rm_metric_decimals(metric) + 2, paired;
    rm_ttest t;
    int ok = test_pair(A, B, bname, &paired, &t, why, sizeof why, e);
    *p = NAN;
    if (ok == -2) return e->code;
    if (ok != 0) {
        printf("difference %s - A: %+.*f\n", bname, d, rm_mean(B->v, B->n) - rm_mean(A->v, A->n));
        printf("test: none: a t-test needs at least 2 ok runs on each side (A has %d, %s has %d)\n", A->n, bname, B->n);
        return RM_OK;
    }
    printf("difference %s - A: %+.*f, 95%% CI [%+.*f, %+.*f]\n", bname, d, t.diff, d, t.ci_lo, d, t.ci_hi);
    printf("test: %s t-test: %s\n", paired ? "paired" : "Welch's", why);
    if (isnan(t.p))
        printf("t = undefined (no variation: every %s is equal), df = %.4g\n", paired ? "difference" : "value", t.df);
    else
        printf("t = %.6g, df = %.6g\n", t.t, t.df);
    if (isnan(t.p)) printf("p = undefined (two-sided)\n");
    else printf("p = %.6g (two-sided)\n", t.p);
    *p = t.p;
    return RM_OK;
}

static const rm_runs *g_sort_runs;

static int setting_order(const void *x, const void *y)
{
    int c = rm_runs_compare_setting(g_sort_runs, x, y);
    return c ? c : rm_natural_cmp(((const rm_run *)x)->dir, ((const rm_run *)y)->dir);
}

/* The label DIR:key=value,... of a run's setting among the varied keys of rs. */
static void setting_label(char *buf, size_t n, const char *dir, const rm_runs *rs, const rm_run *r)
{
    snprintf(buf, n, "%s:", dir);
    for (int k = 0; k < rs->nvaried; k++) {
        char v[512];
        size_t at = strlen(buf);
        rm_json_text(rm_json_at(r->config, rs->varied[k]), v, sizeof v);
        snprintf(buf + at, n - at, "%s%s=%s", k ? "," : "", rs->varied[k], v);
    }
}

/* compare SWEEPDIR --baseline FILTER: every setting of SWEEPDIR's runs (its seeds, grouped as
 * summarize groups them) that holds none of the baseline's runs becomes a side. */
static int sweep_sides(const char *dir, const side_t *base, side_t *sides, int *ns, char (*labels)[1024], rm_err *e)
{
    rm_runs all = {0};
    int rc = rm_runs_scan(&all, dir, e);
    if (!rc) rc = sum_setting_keys(&all, dir, NULL, e); /* a pruned sweep's setting: whatever rung it reached */
    if (!rc) {
        g_sort_runs = &all;
        qsort(all.run, (size_t)all.n, sizeof *all.run, setting_order);
    }
    for (int i = 0, j; !rc && i < all.n; i = j) {
        int in_base = 0;
        for (j = i; j < all.n && !rm_runs_compare_setting(&all, &all.run[i], &all.run[j]); j++)
            for (int b = 0; b < base->runs.n && !in_base; b++) in_base = !strcmp(all.run[j].real, base->runs.run[b].real);
        if (in_base) continue;
        if (*ns == MAX_SIDES) {
            rc = rm_fail(e, RM_ERR_USAGE, "%s: more than %d settings besides the baseline", dir, MAX_SIDES);
            break;
        }
        side_t *sd = &sides[*ns];
        setting_label(labels[*ns], sizeof labels[0], dir, &all, &all.run[i]);
        sd->label = labels[(*ns)++];
        if (!(sd->runs.run = malloc((size_t)(j - i) * sizeof *sd->runs.run))) {
            rc = rm_fail(e, RM_ERR_RUN, "out of memory");
            break;
        }
        memcpy(sd->runs.run, all.run + i, (size_t)(j - i) * sizeof *sd->runs.run);
        memset(all.run + i, 0, (size_t)(j - i) * sizeof *all.run);
        sd->runs.n = sd->runs.cap = j - i;
    }
    rm_runs_free(&all);
    if (!rc && !*ns) rc = rm_fail(e, RM_ERR_USAGE, "%s: no setting besides the baseline's", dir);
    return rc;
}

/* compare --baseline: each side against the baseline A, then every p-value with Holm's correction. */
static int compare_many(side_t *A, side_t *sides, int ns, const char *metric, rm_err *e)
{
    double p[MAX_SIDES], adj[MAX_SIDES];
    char name[16];
    int rc = RM_OK, m = 0;
    print_metric(metric);
    print_side(A, "A", rm_metric_decimals(metric) + 2);
    rc = note_mixed(A, "A", e);
    for (int k = 0; k < ns && !rc; k++) {
        snprintf(name, sizeof name, "B%d", k + 1);
        printf("\n");
        rc = print_pair(A, &sides[k], name, metric, e);
        if (!rc) rc = run_test(A, &sides[k], name, metric, &p[k], e);
        m += !rc && !isnan(p[k]);
    }
    if (rc) return rc;
    if (rm_holm(p, ns, adj)) return rm_fail(e, RM_ERR_RUN, "out of memory");
    printf("\nHolm's correction over the %d comparison%s with A that have a p-value (family-wise error rate):\n", m,
           m == 1 ? "" : "s");
    for (int k = 0; k < ns; k++) {
        if (isnan(p[k])) printf("B%d: p undefined (%s)\n", k + 1, sides[k].label);
        else printf("B%d: p = %.6g, Holm-adjusted p = %.6g (%s)\n", k + 1, p[k], adj[k], sides[k].label);
    }
    return RM_OK;
}

/* Free the baseline A and the sides. */
static void free_sides(side_t *A, side_t *sides, int ns)
{
    for (int k = 0; k < ns; k++) {
        free(sides[k].v);
        free(sides[k].seed);
        rm_runs_free(&sides[k].runs);
        memset(&sides[k], 0, sizeof sides[k]);
    }
    free(A->v);
    free(A->seed);
    rm_runs_free(&A->runs);
}

/* compare --baseline SEL SEL... or compare SWEEPDIR --baseline key=value[,...]. */
static int compare_baseline(const char *baseline, const char **pos, int npos, const char *metric)
{
    static side_t sides[MAX_SIDES];
    static char labels[MAX_SIDES][1024], label_a[4096];
    char dir[4096];
    /* a filter on the one sweep dir given, when it is not a selector itself */
    int sweep = npos == 1 && is_dir(pos[0]) && !is_dir(baseline) && !dir_colon(baseline, dir, sizeof dir);
    if (sweep) snprintf(label_a, sizeof label_a, "%s:%s", pos[0], baseline);
    else snprintf(label_a, sizeof label_a, "%s", baseline);
    side_t A = {.label = label_a};
    rm_err e = {0};
    int ns = 0, rc = select_runs(&A.runs, label_a, &e);
    if (!rc && sweep) rc = sweep_sides(pos[0], &A, sides, &ns, labels, &e);
    for (int k = 0; !rc && !sweep && k < npos; k++) {
        sides[ns].label = pos[k];
        rc = select_runs(&sides[ns++].runs, pos[k], &e);
    }
    if (!rc) rc = collect(&A, metric, &e);
    int left = 0; /* a sweep's settings without an ok run (a pruned sweep's stopped ones): listed, not compared */
    static char left_labels[MAX_SIDES][1024];
    int kept = 0;
    for (int k = 0; !rc && sweep && k < ns; k++) {
        int any = 0;
        for (int i = 0; i < sides[k].runs.n && !any; i++) any = rm_run_ok(&sides[k].runs.run[i]);
        if (!any) {
            snprintf(left_labels[left++], sizeof left_labels[0], "%s (%d runs)", sides[k].label, sides[k].runs.n);
            rm_runs_free(&sides[k].runs);
        } else {
            sides[kept++] = sides[k]; /* the side moves down; its old slot is not freed again */
        }
    }
    if (!rc && sweep) ns = kept;
    for (int k = 0; !rc && k < ns; k++) rc = collect(&sides[k], metric, &e);
    if (!rc && sweep && !ns)
        rc = rm_fail(&e, RM_ERR_IO, "%s: no setting but the baseline has an ok run (%d without one: pruned, failed, diverged "
                     "or unfinished)", pos[0], left);
    if (!rc) rc = compare_many(&A, sides, ns, metric, &e);
    if (!rc && left) printf("\n%d setting%s without an ok run (pruned, failed, diverged or unfinished), not compared:\n", left,
                             left == 1 ? "" : "s");
    for (int k = 0; !rc && k < left; k++) printf("  %s\n", left_labels[k]);
    free_sides(&A, sides, ns);
    return rc ? rm_cli_fail("compare", &e) : RM_OK;
}

int cmp_sweep_baseline(const char *dir, const char *filter, const char *metric, int *n_base, double *base_mean,
                       cmp_side *out, int *ns, rm_err *e)
{
    static side_t sides[MAX_SIDES];
    static char labels[MAX_SIDES][1024], label_a[4096];
    double p[MAX_SIDES], adj[MAX_SIDES];
    snprintf(label_a, sizeof label_a, "%s:%s", dir, filter);
    side_t A = {.label = label_a};
    *ns = 0;
    int rc = select_runs(&A.runs, label_a, e);
    if (!rc) rc = sweep_sides(dir, &A, sides, ns, labels, e);
    if (!rc) rc = collect(&A, metric, e);
    for (int k = 0; !rc && k < *ns; k++) { /* a setting without an ok run (all diverged) stays, untested */
        int any = 0;
        for (int i = 0; i < sides[k].runs.n && !any; i++) any = rm_run_ok(&sides[k].runs.run[i]);
        if (any) rc = collect(&sides[k], metric, e);
    }
    for (int k = 0; !rc && k < *ns; k++) {
        char why[2400];
        cmp_side *o = &out[k];
        memset(o, 0, sizeof *o);
        snprintf(o->label, sizeof o->label, "%s", sides[k].label);
        o->n = sides[k].n, o->mean = o->n ? rm_mean(sides[k].v, sides[k].n) : NAN;
        int ok = o->n ? test_pair(&A, &sides[k], "B", &o->paired, &o->t, why, sizeof why, e) : -1;
        if (ok == -2) rc = e->code;
        o->tested = ok == 0;
        p[k] = o->tested ? o->t.p : NAN;
    }
    if (!rc && rm_holm(p, *ns, adj)) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
    for (int k = 0; !rc && k < *ns; k++) out[k].p_holm = isnan(p[k]) ? NAN : adj[k];
    if (!rc) *n_base = A.n, *base_mean = rm_mean(A.v, A.n);
    free_sides(&A, sides, *ns);
    return rc;
}

static void label_of(char *buf, size_t n, const char **sels, int k)
{
    buf[0] = '\0';
    for (int i = 0; i < k; i++) {
        size_t at = strlen(buf);
        snprintf(buf + at, n - at, "%s%s", i ? " + " : "", sels[i]);
    }
}

int rm_cli_compare(int argc, char **argv)
{
    const char *sa[MAX_SELECTORS], *sb[MAX_SELECTORS], *pos[MAX_SIDES];
    int na = 0, nb = 0, npos = 0;
    const char *metric_arg = "test_acc", *which = "final", *baseline = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s", HELP);
            return RM_OK;
        }
        if (!strcmp(a, "--a") || !strcmp(a, "--b") || !strcmp(a, "--metric") || !strcmp(a, "--which") ||
            !strcmp(a, "--baseline")) {
            if (i + 1 >= argc) return rm_cli_usage_error("compare", "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--baseline")) {
                if (!v[0]) return rm_cli_usage_error("compare", "%s: an empty selector", a);
                baseline = v;
            } else if (!strcmp(a, "--metric")) {
                metric_arg = v;
            } else if (!strcmp(a, "--which")) {
                if (strcmp(v, "final") && strcmp(v, "best"))
                    return rm_cli_usage_error("compare", "--which: expected final or best, got '%s'", v);
                which = v;
            } else {
                if ((a[2] == 'a' ? na : nb) == MAX_SELECTORS)
                    return rm_cli_usage_error("compare", "%s: too many selectors", a);
                if (!v[0]) return rm_cli_usage_error("compare", "%s: an empty selector", a);
                if (a[2] == 'a') sa[na++] = v;
                else sb[nb++] = v;
            }
        } else if (a[0] == '-' && a[1]) {
            return rm_cli_usage_error("compare", "unknown option '%s'", a);
        } else {
            if (npos == MAX_SIDES) return rm_cli_usage_error("compare", "too many selectors (at most %s)", "64");
            if (!a[0]) return rm_cli_usage_error("compare", "%s", "an empty selector");
            pos[npos++] = a;
        }
    }
    if (baseline) {
        if (na || nb) return rm_cli_usage_error("compare", "%s", "--baseline: give the other sides as selectors, not --a / --b");
        if (!npos) return rm_cli_usage_error("compare", "%s", "--baseline: give the selectors to compare with it");
    } else {
        if (npos > 2) return rm_cli_usage_error("compare", "unexpected argument '%s': give two selectors A and B", pos[2]);
        /* positionals fill the sides that have no --a / --b */
        int p = 0;
        if (!na && p < npos) sa[na++] = pos[p++];
        if (!nb && p < npos) sb[nb++] = pos[p++];
        if (p < npos) return rm_cli_usage_error("compare", "unexpected argument '%s': A and B are already given", pos[p]);
        if (!na || !nb)
            return rm_cli_usage_error("compare", "%s", "two sides are needed: compare A B, or --a SEL ... --b SEL ...");
    }

    char metric[64];
    if (!rm_metric_canonical(metric_arg, metric, sizeof metric)) {
        fprintf(stderr, "regmnist: compare: --metric: unknown metric '%s'; known: %s\n", metric_arg, rm_metric_list());
        return RM_ERR_USAGE;
    }
    if (!strcmp(which, "best") && strncmp(metric, "best_", 5) != 0) {
        char best[80];
        snprintf(best, sizeof best, "best_%s", metric);
        if (!rm_metric_canonical(best, metric, sizeof metric))
            return rm_cli_usage_error("compare", "--which best: %s has no early-stopping best value (the final metrics do)",
                                      metric_arg);
    }

    if (baseline) return compare_baseline(baseline, pos, npos, metric);
    static char label_a[4096], label_b[4096];
    label_of(label_a, sizeof label_a, sa, na);
    label_of(label_b, sizeof label_b, sb, nb);
    side_t A = {.label = label_a}, B = {.label = label_b};
    rm_err e = {0};
    int rc = RM_OK;
    for (int i = 0; i < na && !rc; i++) rc = select_runs(&A.runs, sa[i], &e);
    for (int i = 0; i < nb && !rc; i++) rc = select_runs(&B.runs, sb[i], &e);
    if (!rc) rc = collect(&A, metric, &e);
    if (!rc) rc = collect(&B, metric, &e);
    if (!rc) {
        print_metric(metric);
        rc = print_pair(&A, &B, "B", metric, &e);
    }
    double p;
    if (!rc) rc = run_test(&A, &B, "B", metric, &p, &e);
    free(A.v);
    free(A.seed);
    free(B.v);
    free(B.seed);
    rm_runs_free(&A.runs);
    rm_runs_free(&B.runs);
    return rc ? rm_cli_fail("compare", &e) : RM_OK;
}
