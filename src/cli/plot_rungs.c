/* plot_rungs.c - `regmnist plot rungs SWEEP_DIR [--metric M]`: a pruned sweep's rung history
 * (successive halving, sweep.json's "prune"): per setting (a grid point or trial, all its seeds) the
 * mean over its seeds of a metrics.csv column against epoch, the settings stopped at a rung thin and
 * grey, those waiting at a rung dotted, those that reached the last rung in colour with their varied
 * values as the key, a dashed line at each rung's epoch; and the rungs' counts (settings that reached each, promoted from it),
 * which `regmnist report` tabulates. Everything comes from the runs' own files. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "groups.h"
#include "plot.h"
#include "rm_epoch_log.h"

/* How a setting stopped at a rung is drawn, and one waiting at a rung (not there yet, or resumable). */
#define STOPPED_LINE "lw 1 lc rgb 'gray70'"
#define WAITING_LINE "lw 1.5 dt 3 lc rgb 'gray40'"

/* A pruned sweep as its files show it. */
typedef struct {
    rm_runs rs;
    plot_group *groups;
    int ng;
    char metric[64];
    int epochs[SUM_MAX_RUNGS], nr; /* sweep.json's "rungs"; the last is the budget */
    double *mean;                   /* group g's mean at epoch k + 1 in mean[g * budget + k]; NaN
                                       where not every seed has a finite value */
    int *reached;                   /* per group: the highest rung every seed trained to, or -1 */
    int *extended;                  /* per group: the largest training.epochs of its seeds' config.json */
    char (*state)[16];              /* per group: final, pruned, waiting, or the status that stopped it
                                       (load_group) */
} history;

static void history_free(history *h)
{
    rm_runs_free(&h->rs);
    free(h->groups);
    free(h->mean);
    free(h->reached);
    free(h->extended);
    free(h->state);
}

/* DIR/sweep.json's "prune" (its metric) and "rungs" (sum_read_sweep); RM_ERR_USAGE when it has no "prune". */
static int read_spec(history *h, const char *dir, rm_err *e)
{
    sum_sweep_info info;
    if (access(dir, F_OK) != 0) return rm_fail(e, RM_ERR_IO, "%s: %s", dir, strerror(errno));
    if (sum_read_sweep(dir, &info, e)) return e->code;
    if (!info.is_sweep)
        return rm_fail(e, RM_ERR_IO, "%s: no sweep.json: not a sweep's directory (plot rungs draws a pruned sweep)", dir);
    if (!info.pruned)
        return rm_fail(e, RM_ERR_USAGE, "%s/sweep.json: no \"prune\": not a pruned sweep, so it has no rungs (plot curves "
                       "draws any runs per epoch)", dir);
    snprintf(h->metric, sizeof h->metric, "%s", info.metric);
    memcpy(h->epochs, info.rungs, sizeof h->epochs);
    h->nr = info.nrungs;
    return RM_OK;
}

/* Group g's mean per epoch, the rung all its seeds reached, how far they were extended, its state:
 * the status of a seed that failed or diverged (it stopped the setting), else waiting when a seed
 * is interrupted or unfinished (still training, or to be resumed: its setting may go on), pruned
 * when a seed is, final when all reached the last rung, else waiting. */
static int load_group(history *h, int g, rm_err *e)
{
    const plot_group *gr = &h->groups[g];
    int budget = h->epochs[h->nr - 1], shortest = budget, pruned = 0, live = 0, rc = RM_OK;
    const char *stopped = NULL;
    double *m = h->mean + (size_t)g * (size_t)budget;
    plot_column c = {0};
    for (int i = 0; !rc && i < gr->n; i++) {
        const rm_run *r = &h->rs.run[gr->runs[i]];
        const cJSON *ep = rm_json_at(r->config, "training.epochs");
        char path[4200];
        if (cJSON_IsNumber(ep) && ep->valuedouble > h->extended[g]) h->extended[g] = (int)fmin(ep->valuedouble, SUM_MAX_EPOCHS);
        if (!strcmp(r->status, "pruned")) pruned = 1;
        else if (!strcmp(r->status, "interrupted") || !strcmp(r->status, "unfinished")) live = 1;
        else if (!rm_run_ok(r) && !stopped) stopped = r->status;
        snprintf(path, sizeof path, "%s/metrics.csv", r->dir);
        c.n = 0;
        if (access(path, F_OK) == 0) rc = plot_read_column(r->dir, h->metric, &c, e); /* else not started */
        if (c.n < shortest) shortest = c.n;
        for (int k = 0; k < budget; k++) m[k] += k < c.n && isfinite(c.v[k]) ? c.v[k] : NAN;
    }
    free(c.v);
    for (int k = 0; k < budget; k++) m[k] /= gr->n;
    h->reached[g] = -1;
    for (int r = 0; r < h->nr; r++)
        if (shortest >= h->epochs[r]) h->reached[g] = r;
    snprintf(h->state[g], sizeof h->state[0], "%s",
             stopped ? stopped : live ? "waiting" : pruned ? "pruned" : h->reached[g] == h->nr - 1 ? "final" : "waiting");
    return rc;
}

/* Read DIR's sweep.json and runs: the settings, their means per epoch of metric (NULL: prune.metric). */
static int history_load(history *h, const char *dir, const char *metric, rm_err *e)
{
    int rc = read_spec(h, dir, e);
    if (!rc && metric) snprintf(h->metric, sizeof h->metric, "%s", metric);
    if (!rc && !rm_epoch_metric(h->metric))
        rc = rm_fail(e, RM_ERR_USAGE, "rungs: %s: not a column of metrics.csv (val_loss, val_acc, ...)", h->metric);
    if (!rc) rc = rm_runs_scan(&h->rs, dir, e);
    if (!rc) rc = sum_setting_keys(&h->rs, dir, NULL, e); /* training.epochs, the rung reached, left out */
    if (!rc) rc = plot_group_runs(&h->rs, &h->groups, &h->ng, e);
    if (!rc) {
        size_t n = (size_t)h->ng;
        h->mean = calloc(n * (size_t)h->epochs[h->nr - 1], sizeof *h->mean);
        h->reached = calloc(n, sizeof *h->reached);
        h->extended = calloc(n, sizeof *h->extended);
        h->state = calloc(n, sizeof *h->state);
        if (!h->mean || !h->reached || !h->extended || !h->state) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
    }
    for (int g = 0; !rc && g < h->ng; g++) rc = load_group(h, g, e);
    return rc;
}

/* The epochs at which group g has a mean (every seed a finite value). */
static int mean_points(const history *h, int g)
{
    int budget = h->epochs[h->nr - 1], n = 0;
    for (int k = 0; k < budget; k++) n += isfinite(h->mean[(size_t)g * (size_t)budget + (size_t)k]) != 0;
    return n;
}

int plot_rungs_info(const char *dir, plot_rung_info *info, rm_err *e)
{
    history h = {0};
    int rc = history_load(&h, dir, NULL, e);
    memset(info, 0, sizeof *info);
    if (!rc) {
        snprintf(info->metric, sizeof info->metric, "%s", h.metric);
        info->n = h.nr, info->settings = h.ng;
        for (int g = 0; g < h.ng; g++) info->drawable += mean_points(&h, g) > 0;
        for (int r = 0; r < h.nr; r++) {
            info->epochs[r] = h.epochs[r];
            for (int g = 0; g < h.ng; g++) {
                info->reached[r] += h.reached[g] >= r;
                info->promoted[r] += r + 1 < h.nr && h.reached[g] >= r && h.extended[g] > h.epochs[r];
            }
        }
    }
    history_free(&h);
    return rc;
}

/* The axes: title, labels, a log x when the rungs are log-spaced, a dashed line and a tic label per rung. */
static void axes(plot_job *j, const plot_opts *o, const history *h, const char *dir)
{
    plot_opts one = *o;
    char title[512], ylabel[512];
    double x[SUM_MAX_RUNGS];
    one.nmetrics = 1;
    snprintf(one.metrics[0], sizeof one.metrics[0], "%s", h->metric);
    plot_study_name(o, dir, &h->rs, title, sizeof title);
    plot_y_label(&one, ylabel, sizeof ylabel);
    snprintf(ylabel + strlen(ylabel), sizeof ylabel - strlen(ylabel), ", mean over seeds");
    fprintf(j->gp, "set title ");
    plot_quote(j->gp, title);
    fprintf(j->gp, "\nset xlabel 'epoch' offset 0, -0.6\nset ylabel ");
    plot_quote(j->gp, ylabel);
    for (int r = 0; r < h->nr; r++) x[r] = h->epochs[r];
    int logx = plot_log_spaced(x, h->nr), budget = h->epochs[h->nr - 1];
    /* epoch 1 to the budget with 3% of the axis either side, so that the rung lines and dots clear the frame */
    double f = pow(budget, 0.03), pad = 0.03 * (budget - 1);
    fprintf(j->gp, "\n%sset xrange [%.6g:%.6g]\n", logx ? "set logscale x\n" : "", logx ? 1 / f : 1 - pad,
            logx ? budget * f : budget + pad);
    /* a log axis: tics at epoch 1 and the rungs alone (its decades would crowd them); linear: the rungs added */
    fprintf(j->gp, "set xtics %s(", logx ? "" : "add ");
    if (logx && h->epochs[0] > 1) fprintf(j->gp, "1, ");
    for (int r = 0; r < h->nr; r++) fprintf(j->gp, "%s\"%d\\nrung %d\" %d", r ? ", " : "", h->epochs[r], r, h->epochs[r]);
    fprintf(j->gp, ")\nset grid noxtics\nset key height 2.5\n"); /* room for the two-line tic labels */
    for (int r = 0; r < h->nr; r++)
        fprintf(j->gp, "set arrow from %d, graph 0 to %d, graph 1 nohead dt 2 lw 1 lc rgb 'gray40'\n", h->epochs[r],
                h->epochs[r]);
    plot_y_range(j->gp, &one);
}

/* Group g's data file (title, metric, state, rung, then epoch and mean) and its clause of the plot
 * command: thin grey with a dot at its end when it stopped below the last rung, dotted dark grey
 * with a circle at its end when it is waiting, else colour lc with its label as key. */
static int write_setting(plot_job *j, const history *h, int g, char (*names)[64], int lc, int *plotted, rm_err *e)
{
    char name[32], path[4200], label[1024];
    int budget = h->epochs[h->nr - 1], points = 0, final = !strcmp(h->state[g], "final");
    plot_group_label(&h->rs, &h->groups[g], names, NULL, label, sizeof label);
    if (!label[0]) plot_metric_stem(h->metric, label, sizeof label);
    snprintf(name, sizeof name, "r%d.dat", g);
    FILE *f = plot_data_open(j, name, path, sizeof path, e);
    if (!f) return e->code;
    fprintf(f, "# title: %s\n# metric: %s\n# status: %s\n# rung: %d\n# seeds: %d\n# epoch mean\n", label, h->metric,
            h->state[g], h->reached[g], h->groups[g].n);
    for (int k = 0; k < budget; k++)
        if (isfinite(h->mean[(size_t)g * (size_t)budget + (size_t)k]))
            fprintf(f, "%d %.17g\n", k + 1, h->mean[(size_t)g * (size_t)budget + (size_t)k]), points++;
    if (rm_fclose(f, path, e)) return e->code;
    if (!points) return RM_OK;
    fprintf(j->gp, "%s", (*plotted)++ ? ", \\\n    " : "plot ");
    plot_quote(j->gp, path);
    if (!final) { /* a dot where it ends: a setting at epoch 1 has no line */
        int waiting = !strcmp(h->state[g], "waiting");
        fprintf(j->gp, " using 1:2 with lines %s notitle, ", waiting ? WAITING_LINE : STOPPED_LINE);
        plot_quote(j->gp, path);
        fprintf(j->gp, " using 1:2 every ::%d::%d with points pt %d ps %s notitle", points - 1, points - 1,
                waiting ? 6 : 7, waiting ? "0.7 lc rgb 'gray40'" : "0.5 lc rgb 'gray70'");
        return RM_OK;
    }
    fprintf(j->gp, " using 1:2 with lines lw 2.5 lc %d title ", lc);
    plot_quote(j->gp, label);
    return RM_OK;
}

int plot_rungs(const char *dir, const plot_opts *o, rm_err *e)
{
    history h = {0};
    plot_job j = {0};
    char(*names)[64] = NULL;
    int rc = history_load(&h, dir, o->nmetrics ? o->metrics[0] : NULL, e), plotted = 0, stopped = 0, waiting = 0, lc = 0;
    if (!rc && !(names = calloc((size_t)h.rs.nvaried + 1, sizeof *names))) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
    if (!rc) rc = rm_runs_short_names(&h.rs, names, sizeof names[0], e);
    if (!rc) rc = plot_begin(&j, o, e);
    if (!rc) axes(&j, o, &h, dir);
    for (int pass = 0; pass < 3; pass++) /* the stopped, then the waiting, under the final ones in colour */
        for (int g = 0; !rc && g < h.ng; g++) {
            int final = !strcmp(h.state[g], "final"), wait = !strcmp(h.state[g], "waiting");
            if ((final ? 2 : wait ? 1 : 0) != pass) continue;
            stopped += !final && !wait, waiting += wait;
            rc = write_setting(&j, &h, g, names, final ? ++lc : 0, &plotted, e);
        }
    if (!rc && !plotted)
        rc = rm_fail(e, RM_ERR_IO, "%s: no setting has a value of %s at any epoch in all its runs' metrics.csv", dir,
                     h.metric);
    if (!rc) {
        if (stopped)
            fprintf(j.gp, ", \\\n    keyentry with lines %s title 'stopped at a rung (%d setting%s)'", STOPPED_LINE,
                    stopped, stopped == 1 ? "" : "s");
        if (waiting)
            fprintf(j.gp, ", \\\n    keyentry with lines %s title 'waiting at a rung (%d setting%s)'", WAITING_LINE,
                    waiting, waiting == 1 ? "" : "s");
        fprintf(j.gp, "\n");
        rc = plot_finish(&j, o, e);
    } else if (j.gp) plot_abandon(&j);
    free(names);
    history_free(&h);
    return rc;
}
