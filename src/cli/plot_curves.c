/* plot_curves.c - `regmnist plot curves DIR --y METRIC[,...]`: metrics.csv's columns per epoch; for a
 * setting of several seeds their mean with a ± std band, and each run's early-stopping best epoch
 * marked with a point. A pruned sweep's settings stopped at a rung are left out (plot rungs draws them). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "groups.h"
#include "plot.h"
#include "rm_epoch_log.h"
#include "rm_stats.h"

/* Group g's curve of a metric as data: per epoch, the mean, std (0 with one value) and count of the
 * runs that have it; and each run's best epoch with its value into a second file. Returns how many
 * epochs have a value (0: none) in *points and how many best epochs in *bests. */
static int write_group(const rm_runs *rs, const plot_group *g, const char *metric, FILE *f, FILE *b, int *points,
                       int *bests, rm_err *e)
{
    plot_column *c = calloc((size_t)g->n, sizeof *c);
    double *vals = calloc((size_t)g->n, sizeof *vals);
    int rc = c && vals ? RM_OK : rm_fail(e, RM_ERR_RUN, "out of memory"), last = 0;
    for (int i = 0; !rc && i < g->n; i++) {
        const rm_run *r = &rs->run[g->runs[i]];
        char path[4200];
        snprintf(path, sizeof path, "%s/metrics.csv", r->dir);
        if (access(path, F_OK) != 0) continue; /* a run that has not started */
        rc = plot_read_column(r->dir, metric, &c[i], e);
        if (c[i].n > last) last = c[i].n;
        double best;
        if (!rc && rm_run_metric(r, "best_epoch", &best) && best >= 1 && best <= c[i].n && isfinite(c[i].v[(int)best - 1])) {
            fprintf(b, "%.17g %.17g\n", best, c[i].v[(int)best - 1]);
            (*bests)++;
        }
    }
    for (int ep = 0; !rc && ep < last; ep++) {
        int n = 0;
        for (int i = 0; i < g->n; i++)
            if (ep < c[i].n && isfinite(c[i].v[ep])) vals[n++] = c[i].v[ep];
        if (!n) continue;
        fprintf(f, "%d %.17g %.17g %d\n", ep + 1, rm_mean(vals, n), n > 1 ? rm_std(vals, n) : 0, n);
        (*points)++;
    }
    for (int i = 0; c && i < g->n; i++) free(c[i].v);
    free(c);
    free(vals);
    return rc;
}

/* Series idx (metric m of group g): its data files and its lines of the plot command. */
static int write_series(plot_job *j, const plot_opts *o, const rm_runs *rs, const plot_group *g, const char *combo,
                        int m, int idx, int *marked, rm_err *e)
{
    char name[32], path[4200], bpath[4200], title[1024], stem[256];
    plot_metric_stem(o->metrics[m], stem, sizeof stem);
    if (o->nmetrics > 1 && combo[0]) snprintf(title, sizeof title, "%s, %s", stem, combo);
    else snprintf(title, sizeof title, "%s", o->nmetrics > 1 || !combo[0] ? stem : combo);
    snprintf(name, sizeof name, "c%d.dat", idx);
    FILE *f = plot_data_open(j, name, path, sizeof path, e), *b = NULL;
    snprintf(name, sizeof name, "b%d.dat", idx);
    if (f) b = plot_data_open(j, name, bpath, sizeof bpath, e);
    if (!f || !b) {
        if (f) fclose(f);
        return e->code;
    }
    fprintf(f, "# title: %s\n# metric: %s\n# epoch mean std n\n", title, o->metrics[m]);
    fprintf(b, "# title: %s\n# metric: %s\n# best_epoch value\n", title, o->metrics[m]);
    int points = 0, bests = 0, rc = write_group(rs, g, o->metrics[m], f, b, &points, &bests, e);
    if (rm_fclose(f, path, e) && !rc) rc = e->code;
    if (rm_fclose(b, bpath, e) && !rc) rc = e->code;
    if (rc || !points) return rc;
    int lc = idx + 1;
    fprintf(j->gp, "%s", *marked >= 0 ? ", \\\n    " : "plot ");
    if (g->n > 1) { /* the band first, under its line */
        plot_quote(j->gp, path);
        fprintf(j->gp, " using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc %d notitle, ", lc);
    }
    plot_quote(j->gp, path);
    fprintf(j->gp, " using 1:2 with lines lw 2 lc %d title ", lc);
    plot_quote(j->gp, title);
    if (*marked < 0) *marked = 0;
    if (bests) {
        fprintf(j->gp, ", ");
        plot_quote(j->gp, bpath);
        fprintf(j->gp, " using 1:2 with points pt 7 ps 1.3 lc %d notitle", lc);
        *marked = 1;
    }
    return RM_OK;
}

int plot_curves(const char *dir, const plot_opts *o, rm_err *e)
{
    for (int m = 0; m < o->nmetrics; m++)
        if (!rm_epoch_metric(o->metrics[m]))
            return rm_fail(e, RM_ERR_USAGE, "curves: --y %s: not a column of metrics.csv (train_eval_acc, test_loss, ...)",
                           o->metrics[m]);
    rm_runs rs = {0};
    plot_group *groups = NULL;
    plot_job j = {0};
    char(*names)[64] = NULL, title[512], combo[512];
    int ng = 0, pruned = 0, left = 0, rc = rm_runs_scan(&rs, dir, e);
    if (!rc) rc = sum_setting_keys(&rs, dir, &pruned, e);
    if (!rc) rc = plot_group_runs(&rs, &groups, &ng, e);
    if (!rc && pruned) left = plot_keep_final(&rs, groups, &ng);
    if (!rc && pruned && !ng)
        rc = rm_fail(e, RM_ERR_IO, "%s: no setting of the pruned sweep is trained to the full budget yet (plot rungs "
                     "draws its rungs)", dir);
    if (!rc && !(names = calloc((size_t)rs.nvaried + 1, sizeof *names))) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
    if (!rc) rc = rm_runs_short_names(&rs, names, sizeof names[0], e);
    if (!rc) rc = plot_begin(&j, o, e);
    if (!rc) {
        plot_study_name(o, dir, &rs, title, sizeof title);
        plot_y_label(o, combo, sizeof combo);
        fprintf(j.gp, "set title ");
        plot_quote(j.gp, title);
        fprintf(j.gp, "\nset xlabel 'epoch'\nset ylabel ");
        plot_quote(j.gp, combo);
        fprintf(j.gp, "\n");
        plot_y_range(j.gp, o);
        if (pruned) plot_final_key(j.gp, ng, left);
    }
    int marked = -1; /* -1: nothing plotted yet; 1: some run's best epoch is marked */
    for (int m = 0; !rc && m < o->nmetrics; m++)
        for (int g = 0; !rc && g < ng; g++) {
            plot_group_label(&rs, &groups[g], names, NULL, combo, sizeof combo);
            rc = write_series(&j, o, &rs, &groups[g], combo, m, m * ng + g, &marked, e);
        }
    if (!rc && marked < 0) rc = rm_fail(e, RM_ERR_IO, "%s: no run has a value of %s in its metrics.csv", dir, o->metrics[0]);
    if (!rc) { /* one legend entry for the marks of every colour */
        fprintf(j.gp, "%s\n", marked == 1 ? ", keyentry with points pt 7 ps 1.3 lc 'black' title 'early-stopping best epoch'" : "");
        rc = plot_finish(&j, o, e);
    } else if (j.gp) plot_abandon(&j);
    free(names);
    free(groups);
    rm_runs_free(&rs);
    return rc;
}
