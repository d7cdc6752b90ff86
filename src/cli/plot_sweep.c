/* plot_sweep.c - `regmnist plot sweep DIR --x KEY --y METRIC[,...]`: each metric's mean over the
 * seeds of a setting against one varied key, with error bars (std, sem or the 95% CI), the same
 * numbers as `regmnist summarize`'s groups.csv; one series per metric and per level of the other
 * varied keys, all on one y axis. A pruned sweep's settings stopped at a rung are left out. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "plot.h"
#include "rm_config.h"
#include "rm_stats.h"

enum { COMBO_LEN = 256 };

/* The sweep's settings: per group its x and the level of the other varied keys (a combo). */
typedef struct {
    rm_runs rs;
    plot_group *groups;
    int ng;
    char xkey[256];
    double *x;             /* per group */
    int *combo;            /* per group: its index in combos */
    char (*combos)[COMBO_LEN];
    int ncombos;
    int pruned, left;      /* a pruned sweep; its settings left out (none at the full budget) */
    double *vals;          /* scratch: a group's values of a metric */
} sweep;

static void sweep_free(sweep *s)
{
    rm_runs_free(&s->rs);
    free(s->groups);
    free(s->x);
    free(s->combo);
    free(s->combos);
    free(s->vals);
}

/* The group's level of the varied keys other than x, "l2=0.001, norm=batch", and its x. */
static int group_setting(sweep *s, int g, char (*names)[64], char *combo, rm_err *e)
{
    const rm_run *r = &s->rs.run[s->groups[g].runs[0]];
    const cJSON *xv = rm_json_at(r->config, s->xkey);
    char text[128];
    if (!cJSON_IsNumber(xv)) {
        rm_json_text(xv, text, sizeof text);
        return rm_fail(e, RM_ERR_USAGE, "--x %s: %s's value '%s' is not a number", s->xkey, r->dir, text);
    }
    s->x[g] = xv->valuedouble;
    plot_group_label(&s->rs, &s->groups[g], names, s->xkey, combo, COMBO_LEN);
    return RM_OK;
}

/* Read the runs under dir, resolve --x among the varied keys, group the runs and find the combos. */
static int sweep_load(sweep *s, const char *dir, const char *xarg, rm_err *e)
{
    int rc = rm_runs_scan(&s->rs, dir, e);
    if (!rc) rc = sum_setting_keys(&s->rs, dir, &s->pruned, e);
    if (!rc && rm_runs_resolve_key(&s->rs, xarg, s->xkey, sizeof s->xkey, e)) rc = RM_ERR_USAGE;
    int varied = 0;
    for (int v = 0; !rc && v < s->rs.nvaried; v++) varied |= !strcmp(s->rs.varied[v], s->xkey);
    if (!rc && !varied && s->pruned && !strcmp(s->xkey, "training.epochs"))
        rc = rm_fail(e, RM_ERR_USAGE, "--x %s: in a pruned sweep it is the rung each run reached, not a setting's value "
                     "(plot rungs draws the rungs)", xarg);
    else if (!rc && !varied) {
        char list[1024] = "";
        for (int v = 0; v < s->rs.nvaried; v++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", v ? ", " : "", s->rs.varied[v]);
        rc = rm_fail(e, RM_ERR_USAGE, "--x %s: not one of the varied keys of %s (%s)", xarg, dir,
                     s->rs.nvaried ? list : "none vary");
    }
    if (!rc) rc = plot_group_runs(&s->rs, &s->groups, &s->ng, e);
    if (!rc && s->pruned) s->left = plot_keep_final(&s->rs, s->groups, &s->ng);
    if (!rc && s->pruned && !s->ng)
        rc = rm_fail(e, RM_ERR_IO, "%s: no setting of the pruned sweep is trained to the full budget yet (plot rungs "
                     "draws its rungs)", dir);
    char(*names)[64] = rc ? NULL : calloc((size_t)s->rs.nvaried + 1, sizeof *names);
    if (!rc) {
        s->x = calloc((size_t)s->ng, sizeof *s->x);
        s->combo = calloc((size_t)s->ng, sizeof *s->combo);
        s->combos = calloc((size_t)s->ng, sizeof *s->combos);
        s->vals = calloc((size_t)s->rs.n, sizeof *s->vals);
        if (!names || !s->x || !s->combo || !s->combos || !s->vals) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
    }
    if (!rc) rc = rm_runs_short_names(&s->rs, names, sizeof names[0], e);
    char combo[COMBO_LEN];
    for (int g = 0; !rc && g < s->ng; g++) {
        rc = group_setting(s, g, names, combo, e);
        int c = 0;
        while (c < s->ncombos && strcmp(s->combos[c], combo)) c++;
        if (c == s->ncombos) memcpy(s->combos[s->ncombos++], combo, COMBO_LEN);
        s->combo[g] = c;
    }
    free(names);
    return rc;
}

/* A group's statistics of a metric as one data line: x mean std sem ci95_low ci95_high n (std and
 * sem 0, the CI the mean, with one run); nothing when no ok run has the metric. */
static void write_point(FILE *f, sweep *s, int g, const char *metric)
{
    int n = 0;
    for (int i = 0; i < s->groups[g].n; i++) {
        const rm_run *r = &s->rs.run[s->groups[g].runs[i]];
        if (rm_run_ok(r) && rm_run_metric(r, metric, &s->vals[n])) n++;
    }
    if (!n) return;
    double mean = rm_mean(s->vals, n), sd = n > 1 ? rm_std(s->vals, n) : 0, lo = mean, hi = mean;
    rm_ci95_mean(s->vals, n, &lo, &hi);
    fprintf(f, "%.17g %.17g %.17g %.17g %.17g %.17g %d\n", s->x[g], mean, sd, sd / sqrt(n), lo, hi, n);
}

/* Series c of metric m: its data file (the groups of combo c by x) and its line of the plot command. */
static int write_series(plot_job *j, const plot_opts *o, sweep *s, int m, int c, int idx, const double shift[2],
                        rm_err *e)
{
    char name[32], path[4200], title[512], stem[256];
    snprintf(name, sizeof name, "s%d.dat", idx);
    FILE *f = plot_data_open(j, name, path, sizeof path, e);
    if (!f) return e->code;
    plot_metric_stem(o->metrics[m], stem, sizeof stem);
    if (o->nmetrics > 1 && s->combos[c][0]) snprintf(title, sizeof title, "%s, %s", stem, s->combos[c]);
    else snprintf(title, sizeof title, "%s", o->nmetrics > 1 || !s->combos[c][0] ? stem : s->combos[c]);
    fprintf(f, "# title: %s\n# metric: %s\n# x: %s\n# x mean std sem ci95_low ci95_high n\n", title,
            o->metrics[m], s->xkey);
    int *order = calloc((size_t)s->ng, sizeof *order), n = 0;
    for (int g = 0; order && g < s->ng; g++)
        if (s->combo[g] == c) {
            int k = n++;
            for (; k > 0 && s->x[order[k - 1]] > s->x[g]; k--) order[k] = order[k - 1];
            order[k] = g;
        }
    for (int k = 0; k < n; k++) write_point(f, s, order[k], o->metrics[m]);
    free(order);
    if (rm_fclose(f, path, e)) return e->code;
    static const char *const ERR[] = {"($2-$3):($2+$3)", "5:6", "($2-$4):($2+$4)"};
    fprintf(j->gp, "%s ", idx ? ", \\\n    " : "plot");
    plot_quote(j->gp, path);
    fprintf(j->gp, " using ($1*%.9g%+.9g):2:%s with yerrorlines lw 2 pt %d title ", shift[0], shift[1], ERR[o->err],
            5 + 2 * m);
    plot_quote(j->gp, title);
    return RM_OK;
}

/* The x shift of series i of ns so that their error bars do not overlap, as x * shift[0] + shift[1]:
 * a factor on a log axis, an offset on a linear one, about 1% of the axis apart. */
static void series_shift(const sweep *s, int i, int ns, int logx, double shift[2])
{
    double lo = HUGE_VAL, hi = -HUGE_VAL, k = ns > 1 ? i - (ns - 1) / 2.0 : 0;
    for (int g = 0; g < s->ng; g++) lo = fmin(lo, s->x[g]), hi = fmax(hi, s->x[g]);
    shift[0] = logx ? exp(0.012 * k * log(hi / lo)) : 1;
    shift[1] = logx ? 0 : 0.008 * k * (hi - lo);
}

int plot_sweep(const char *dir, const plot_opts *o, rm_err *e)
{
    sweep s = {0};
    plot_job j = {0};
    int rc = sweep_load(&s, dir, o->x, e);
    if (!rc) rc = plot_begin(&j, o, e);
    if (rc) {
        sweep_free(&s);
        return rc;
    }
    char title[512], ylabel[512];
    static const char *const ERRNAME[] = {"± std over seeds", "with its 95% CI", "± s.e.m."};
    int logx = plot_log_spaced(s.x, s.ng), ns = o->nmetrics * s.ncombos;
    plot_study_name(o, dir, &s.rs, title, sizeof title);
    plot_y_label(o, ylabel, sizeof ylabel);
    fprintf(j.gp, "set title ");
    plot_quote(j.gp, title);
    fprintf(j.gp, "\nset xlabel ");
    plot_quote(j.gp, rm_config_key_label(s.xkey));
    fprintf(j.gp, "\nset ylabel ");
    snprintf(ylabel + strlen(ylabel), sizeof ylabel - strlen(ylabel), ", mean %s", ERRNAME[o->err]);
    plot_quote(j.gp, ylabel);
    fprintf(j.gp, "\nset offsets graph 0.04, graph 0.04, graph 0.04, graph 0.04\n%s\n", logx ? "set logscale x" : "");
    plot_y_range(j.gp, o);
    if (s.pruned) plot_final_key(j.gp, s.ng, s.left);
    for (int m = 0; !rc && m < o->nmetrics; m++)
        for (int c = 0; !rc && c < s.ncombos; c++) {
            int i = m * s.ncombos + c;
            double shift[2];
            series_shift(&s, i, ns, logx, shift);
            rc = write_series(&j, o, &s, m, c, i, shift, e);
        }
    fprintf(j.gp, "\n");
    if (!rc) rc = plot_finish(&j, o, e);
    else plot_abandon(&j);
    sweep_free(&s);
    return rc;
}
