/* cli_summarize.c - `regmnist summarize DIR...`: collect the runs under the given directories,
 * group them by the config keys that vary between them (the seeds of one setting form a group),
 * write summary.csv (one row per run) and groups.csv (mean, std and Student-t 95% CI of each
 * metric per group), and print the groups as a Markdown table or CSV. Runs that are not ok are
 * counted and listed, never dropped (pruned ones apart). About 610 lines: the tables' three formats
 * and the help text share the file's one view of the groups. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_common.h"
#include "groups.h"
#include "rm_cli.h"
#include "rm_runs.h"
#include "rm_stats.h"

static const char HELP[] =
    "usage: regmnist summarize DIR... [--format md|csv|latex] [--out DIR] [--metric LIST] [--quiet]\n"
    "\n"
    "Collect the runs under each DIR (a run dir, a sweep dir, or any tree of them: every directory\n"
    "holding summary.json or config.json is a run), find the config keys whose values differ\n"
    "between the runs' config.json (seed, name, threads and output.dir aside), group the runs\n"
    "whose varied keys are equal (the seeds of one setting), and write\n"
    "  summary.csv  one row per run: dir, status, stop_reason, the varied keys, seed, epochs,\n"
    "               best_epoch, final train/val/test loss and accuracy, gap, the early-stopping\n"
    "               best epoch's val/test loss and accuracy (best_*), train_seconds, wall_seconds\n"
    "  groups.csv   one row per group: the varied keys, n (ok runs), n_total, n_diverged,\n"
    "               n_failed, n_unfinished (interrupted or never finished), n_pruned (stopped\n"
    "               at a rung by a pruned sweep), seeds (of the ok runs), then METRIC_mean,\n"
    "               METRIC_std, METRIC_ci95_low, METRIC_ci95_high\n"
    "and print the groups on stdout, then the best setting (below).\n"
    "\n"
    "  --format md|csv|latex  stdout as an aligned Markdown table (default; mean ± std\n"
    "                   [95% CI] per metric, then the runs that are not ok), as groups.csv, or\n"
    "                   as a LaTeX booktabs tabular ($mean \\pm std$; the runs that are not ok\n"
    "                   in % comments)\n"
    "  --out DIR        where the two CSV files go (created if missing). Default: DIR when a\n"
    "                   single DIR that is not itself a run is given (a sweep dir), else the\n"
    "                   current directory\n"
    "  --metric LIST    comma-separated metrics for groups.csv and the table (repeatable);\n"
    "                   default test_acc,test_loss,val_acc,val_loss,gap (val_* when present);\n"
    "                   'all' takes every metric some run has. Names: test_acc, val_loss,\n"
    "                   train_eval_acc, ... (summary.json's final model's, also final.X), best_X\n"
    "                   or best.X (the early-stopping best epoch's), epochs, best_epoch,\n"
    "                   wall_seconds, train_seconds, ...\n"
    "  --quiet          no note on stderr\n"
    "\n"
    "The statistics use the runs with status ok only: mean, sample std (n - 1), and the 95%\n"
    "confidence interval mean -+ t(0.975, n-1) std / sqrt(n) (empty with one run). Diverged,\n"
    "failed, interrupted, unfinished and pruned runs are counted in their group and listed in\n"
    "summary.csv with their status; pruned runs are listed apart, not as failed. For one DIR that\n"
    "is a pruned sweep's (its sweep.json has \"prune\"), training.epochs, the rung each run\n"
    "reached, is not a varied key: a setting's runs form one group whatever rung they stopped at\n"
    "(the pruned ones in n_pruned). The CSV files are replaced atomically. Key values are\n"
    "written as the shortest number that reads back the same (0.08333333333333333); the table\n"
    "names a key by its last components when no other config key ends so and they say enough\n"
    "(dropout, l2, but optimizer.name, data.dir); accuracies have 2 decimals, losses 4.\n"
    "\n"
    "The best setting, one line after the table (a % comment with latex; on stderr with csv,\n"
    "unless --quiet): \"best by val_loss (min, mean of 3 seeds): KEY=VALUE, ... (DIR)\n"
    "val_loss 0.1234  test_acc mean ± std [95% CI]\". It is chosen by a validation metric,\n"
    "never a test one: the prune metric and mode when the one DIR is a pruned sweep's directory\n"
    "(its sweep.json), else val_loss, lowest (no line when no run has a validation split).\n"
    "Only settings whose runs are all ok count (with a sweep.json: every seed of the sweep, and\n"
    "for a pruned one trained to the full budget); the lowest (highest) mean over the setting's\n"
    "seeds of summary.json's final value wins, ties to the setting first in the table. \"none\n"
    "yet\" when no setting qualifies. `regmnist sweep SPEC --best` prints the same setting as\n"
    "arguments that train it again.\n"
    "\n"
    "Exit status: 0 ok; 2 usage error; 3 I/O error (a DIR missing or holding no run, a\n"
    "sweep.json that cannot be read or is not a sweep's (invalid JSON, a bad prune, rungs or\n"
    "seeds), one line naming it, an unwritable --out).\n";

static const char *const RUN_METRICS[] = {"epochs",         "best_epoch",    "train_loss",    "train_acc",
                                          "val_loss",       "val_acc",       "test_loss",     "test_acc",
                                          "gap",            "best_val_loss", "best_val_acc",  "best_test_loss",
                                          "best_test_acc",  "train_seconds", "wall_seconds",  NULL};

enum { MAX_DIRS = 1024 };

/* ---- groups ---- */

static void sb_seeds(sbuf *b, const rm_runs *rs, const group *g)
{
    int any = 0;
    for (int i = g->first; i < g->first + g->count; i++) {
        const rm_run *r = &rs->run[i];
        if (!rm_run_ok(r) || !r->has_seed) continue;
        sb_printf(b, "%s%.17g", any++ ? " " : "", r->seed);
    }
}

/* After the table: the pruned runs (a pruned sweep stopped them at a rung), then the other runs that
 * are not ok (LaTeX comments for latex). */
static void print_not_ok(const rm_runs *rs, int not_ok, int latex)
{
    const char *c = latex ? "% " : "", *q = latex ? "" : "`";
    int pruned = 0;
    for (int i = 0; i < rs->n; i++) pruned += !strcmp(rs->run[i].status, "pruned");
    if (pruned) {
        printf("%s%s%d run%s pruned (stopped at a rung by the sweep's prune; not failed):\n", latex ? "" : "\n", c,
               pruned, pruned == 1 ? " was" : "s were");
        for (int i = 0; i < rs->n; i++) {
            const cJSON *r = rm_json_at(rs->run[i].summary, "rung"), *ep = rm_json_at(rs->run[i].summary, "rung_epochs");
            if (strcmp(rs->run[i].status, "pruned")) continue;
            printf("%s- %s%s%s: rung %d (%d epochs)\n", c, q, rs->run[i].dir, q, cJSON_IsNumber(r) ? r->valueint : -1,
                   cJSON_IsNumber(ep) ? ep->valueint : -1);
        }
    }
    if (not_ok - pruned <= 0) return;
    printf("%s%s%d run%s not ok:\n", latex ? "" : "\n", c, not_ok - pruned, not_ok - pruned == 1 ? " is" : "s are");
    for (int i = 0; i < rs->n; i++)
        if (!rm_run_ok(&rs->run[i]) && strcmp(rs->run[i].status, "pruned"))
            printf("%s- %s%s%s: %s%s%s\n", c, q, rs->run[i].dir, q, rs->run[i].status, rs->run[i].problem[0] ? ", " : "",
                   rs->run[i].problem);
}

static void build_summary_csv(sbuf *b, const rm_runs *rs)
{
    sb_printf(b, "dir,status,stop_reason");
    for (int k = 0; k < rs->nvaried; k++) {
        sb_printf(b, ",");
        sb_csv(b, rs->varied[k]);
    }
    sb_printf(b, ",seed");
    for (int m = 0; RUN_METRICS[m]; m++) sb_printf(b, ",%s", RUN_METRICS[m]);
    sb_printf(b, "\n");
    for (int i = 0; i < rs->n; i++) {
        const rm_run *r = &rs->run[i];
        sb_csv(b, r->dir);
        sb_printf(b, ",%s,", r->status);
        sb_csv(b, r->stop_reason);
        for (int k = 0; k < rs->nvaried; k++) {
            char v[1024];
            rm_json_text(rm_json_at(r->config, rs->varied[k]), v, sizeof v);
            sb_printf(b, ",");
            sb_csv(b, v);
        }
        sb_printf(b, ",");
        if (r->has_seed) sb_num(b, r->seed);
        for (int m = 0; RUN_METRICS[m]; m++) {
            double v;
            sb_printf(b, ",");
            if (rm_run_metric(r, RUN_METRICS[m], &v)) sb_num(b, v);
        }
        sb_printf(b, "\n");
    }
}

static void build_groups_csv(sbuf *b, const rm_runs *rs, const group *gs, int ng, char (*metrics)[64], int nm,
                             double *vals)
{
    for (int k = 0; k < rs->nvaried; k++) {
        sb_csv(b, rs->varied[k]);
        sb_printf(b, ",");
    }
    sb_printf(b, "n,n_total,n_diverged,n_failed,n_unfinished,n_pruned,seeds");
    for (int m = 0; m < nm; m++)
        sb_printf(b, ",%s_mean,%s_std,%s_ci95_low,%s_ci95_high", metrics[m], metrics[m], metrics[m], metrics[m]);
    sb_printf(b, "\n");
    for (int g = 0; g < ng; g++) {
        const rm_run *r0 = &rs->run[gs[g].first];
        for (int k = 0; k < rs->nvaried; k++) {
            char v[1024];
            rm_json_text(rm_json_at(r0->config, rs->varied[k]), v, sizeof v);
            sb_csv(b, v);
            sb_printf(b, ",");
        }
        sb_printf(b, "%d,%d,%d,%d,%d,%d,", gs[g].n_ok, gs[g].count, gs[g].n_diverged, gs[g].n_failed,
                  gs[g].n_unfinished, gs[g].n_pruned);
        sb_seeds(b, rs, &gs[g]);
        for (int m = 0; m < nm; m++) {
            int n = sum_group_values(rs, &gs[g], metrics[m], vals);
            double lo, hi;
            int ci = rm_ci95_mean(vals, n, &lo, &hi);
            sb_printf(b, ",");
            if (n) sb_num(b, rm_mean(vals, n));
            sb_printf(b, ",");
            if (n > 1) sb_num(b, rm_std(vals, n));
            sb_printf(b, ",");
            if (ci) sb_num(b, lo);
            sb_printf(b, ",");
            if (ci) sb_num(b, hi);
        }
        sb_printf(b, "\n");
    }
}

/* Display width of UTF-8 text (continuation bytes take no column). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* A table of the groups: the varied keys, n and each metric's cell, row 0 the header. */
typedef struct {
    int ncol, nrow, nkeys;
    char (*cell)[256];
    size_t *width;
} grid;

/* s with LaTeX's special characters escaped, into out. */
static void latex_escape(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 18 < n; s++) {
        const char *rep = *s == '\\' ? "\\textbackslash{}" : *s == '~' ? "\\textasciitilde{}"
                          : *s == '^' ? "\\textasciicircum{}" : NULL;
        if (rep) k += (size_t)snprintf(out + k, n - k, "%s", rep);
        else if (strchr("&%$#_{}", *s)) k += (size_t)snprintf(out + k, n - k, "\\%c", *s);
        else out[k++] = *s;
    }
    out[k] = '\0';
}

/* s into a cell, escaped for LaTeX when latex. */
static void put_text(char *cell, size_t n, const char *s, int latex)
{
    if (latex) latex_escape(s, cell, n);
    else {
        size_t l = strnlen(s, n - 1);
        memcpy(cell, s, l);
        cell[l] = '\0';
    }
}

/* One metric's cell: mean ± std [95% CI] (Markdown) or $mean \pm std$ (LaTeX), in the metric's decimals. */
static void metric_cell(char *c, size_t n, const char *metric, const double *vals, int nv, int latex)
{
    int d = rm_metric_decimals(metric);
    double lo, hi, m = rm_mean(vals, nv);
    if (nv == 0) snprintf(c, n, "%s", latex ? "--" : "-");
    else if (!rm_ci95_mean(vals, nv, &lo, &hi)) snprintf(c, n, latex ? "$%.*f$" : "%.*f", d, m);
    else if (latex) snprintf(c, n, "$%.*f \\pm %.*f$", d, m, d, rm_std(vals, nv));
    else snprintf(c, n, "%.*f ± %.*f [%.*f, %.*f]", d, m, d, rm_std(vals, nv), d, lo, d, hi);
}

static int fill_grid(grid *t, const rm_runs *rs, const group *gs, int ng, char (*metrics)[64], int nm,
                     double *vals, int latex)
{
    t->nkeys = rs->nvaried, t->ncol = rs->nvaried + 1 + nm, t->nrow = ng + 1;
    t->cell = calloc((size_t)t->ncol * (size_t)t->nrow, sizeof *t->cell);
    t->width = calloc((size_t)t->ncol, sizeof *t->width);
    char(*names)[64] = calloc((size_t)rs->nvaried + 1, sizeof *names);
    rm_err e = {0};
    int rc = !t->cell || !t->width || !names || rm_runs_short_names(rs, names, sizeof names[0], &e);
    char text[256];
    for (int k = 0; !rc && k < rs->nvaried; k++) put_text(t->cell[k], sizeof t->cell[k], names[k], latex);
    free(names);
    if (rc) return -1;
    snprintf(t->cell[rs->nvaried], sizeof t->cell[0], "%s", latex ? "$n$" : "n");
    for (int m = 0; m < nm; m++) put_text(t->cell[rs->nvaried + 1 + m], sizeof t->cell[0], metrics[m], latex);
    for (int g = 0; g < ng; g++) {
        char(*row)[256] = t->cell + (size_t)(g + 1) * (size_t)t->ncol;
        const rm_run *r0 = &rs->run[gs[g].first];
        for (int k = 0; k < rs->nvaried; k++) {
            rm_json_text(rm_json_at(r0->config, rs->varied[k]), text, sizeof text);
            put_text(row[k], sizeof row[k], text, latex);
        }
        if (gs[g].n_ok == gs[g].count) snprintf(row[rs->nvaried], sizeof row[0], "%d", gs[g].count);
        else snprintf(row[rs->nvaried], sizeof row[0], "%d of %d", gs[g].n_ok, gs[g].count);
        for (int m = 0; m < nm; m++)
            metric_cell(row[rs->nvaried + 1 + m], sizeof row[0], metrics[m], vals,
                        sum_group_values(rs, &gs[g], metrics[m], vals), latex);
    }
    for (int i = 0; i < t->nrow * t->ncol; i++) {
        size_t w = text_width(t->cell[i]);
        if (w > t->width[i % t->ncol]) t->width[i % t->ncol] = w;
    }
    for (int c = 0; c < t->ncol; c++)
        if (t->width[c] < 3) t->width[c] = 3;
    return 0;
}

/* A cell padded to its column's width: keys and the header left-aligned, numbers right-aligned. */
static void sb_cell(sbuf *b, const grid *t, int r, int c)
{
    const char *s = t->cell[(size_t)r * (size_t)t->ncol + (size_t)c];
    int pad = (int)(t->width[c] - text_width(s)), right = r > 0 && c >= t->nkeys;
    sb_printf(b, "%*s%s%*s", right ? pad : 0, "", s, right ? 0 : pad, "");
}

static void render_markdown(sbuf *b, const grid *t)
{
    for (int r = 0; r < t->nrow; r++) {
        for (int c = 0; c < t->ncol; c++) {
            sb_printf(b, "| ");
            sb_cell(b, t, r, c);
            sb_printf(b, " ");
        }
        sb_printf(b, "|\n");
        if (r == 0) {
            for (int c = 0; c < t->ncol; c++) {
                sb_printf(b, "| ");
                for (size_t k = 0; k + 1 < t->width[c]; k++) sb_printf(b, "-");
                sb_printf(b, c >= t->nkeys ? ": " : "- ");
            }
            sb_printf(b, "|\n");
        }
    }
}

/* A booktabs tabular: \toprule, the header, \midrule, a row per group, \bottomrule. */
static void render_latex(sbuf *b, const grid *t)
{
    sb_printf(b, "\\begin{tabular}{");
    for (int c = 0; c < t->ncol; c++) sb_printf(b, "%s", c < t->nkeys ? "l" : "r");
    sb_printf(b, "}\n\\toprule\n");
    for (int r = 0; r < t->nrow; r++) {
        for (int c = 0; c < t->ncol; c++) {
            sb_printf(b, "%s", c ? " & " : "");
            sb_cell(b, t, r, c);
        }
        sb_printf(b, " \\\\\n%s", r == 0 ? "\\midrule\n" : "");
    }
    sb_printf(b, "\\bottomrule\n\\end{tabular}\n");
}

static void build_table(sbuf *b, const rm_runs *rs, const group *gs, int ng, char (*metrics)[64], int nm,
                        double *vals, int latex)
{
    grid t = {0};
    if (fill_grid(&t, rs, gs, ng, metrics, nm, vals, latex)) b->oom = 1;
    else if (latex) render_latex(b, &t);
    else render_markdown(b, &t);
    free(t.cell);
    free(t.width);
}

/* ---- the best setting ---- */

/* The best line into b (nothing when the rule's metric is the default and no run has it): the
 * setting the shared rule chooses (best.c), its metric and test accuracy, or that none has finished. */
static void build_best(sbuf *b, const rm_runs *rs, const group *gs, int ng, const sum_best_rule *rule, double *vals)
{
    if (!rule->pruned && !sum_best_has_metric(rs, rule)) return; /* no validation split: nothing to choose by */
    double mean = NAN;
    int g = sum_best_group(rs, gs, ng, rule, vals, &mean);
    sum_best_line(b, rs, gs, g, rule, mean);
    if (g < 0) return;
    int n = sum_group_values(rs, &gs[g], "test_acc", vals);
    if (n) {
        char cell[256];
        metric_cell(cell, sizeof cell, "test_acc", vals, n, 0);
        sb_printf(b, "  test_acc %s", cell);
    }
}

/* ---- arguments ---- */

static int is_run_dir(const char *dir)
{
    char path[4096];
    struct stat st;
    const char *names[] = {"summary.json", "config.json"};
    for (int i = 0; i < 2; i++)
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) < (int)sizeof path && stat(path, &st) == 0)
            return 1;
    return 0;
}

static int write_out(const char *out, const char *name, const sbuf *b, char *path, size_t n, rm_err *e)
{
    if (b->oom) return rm_fail(e, RM_ERR_RUN, "out of memory");
    if (rm_path_join(path, n, out, name, e)) return e->code;
    return rm_write_atomic(path, b->p ? b->p : "", b->n, e);
}

int rm_cli_summarize(int argc, char **argv)
{
    static const char *dirs[MAX_DIRS];
    static char metrics[SUM_MAX_METRICS][64];
    int ndirs = 0, nm = 0, csv = 0, latex = 0, quiet = 0;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s", HELP);
            return RM_OK;
        }
        if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--format") || !strcmp(a, "--out") || !strcmp(a, "--metric")) {
            if (i + 1 >= argc) return rm_cli_usage_error("summarize", "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--format")) {
                if (strcmp(v, "md") && strcmp(v, "csv") && strcmp(v, "latex"))
                    return rm_cli_usage_error("summarize", "--format: expected md, csv or latex, got '%s'", v);
                csv = !strcmp(v, "csv");
                latex = !strcmp(v, "latex");
            } else if (!strcmp(a, "--out")) {
                if (!v[0]) return rm_cli_usage_error("summarize", "%s: the directory must not be empty", a);
                out = v;
            } else {
                int rc = sum_add_metrics("summarize", v, metrics, &nm);
                if (rc) return rc;
            }
        } else if (a[0] == '-' && a[1]) {
            return rm_cli_usage_error("summarize", "unknown option '%s'", a);
        } else {
            if (ndirs == MAX_DIRS) return rm_cli_usage_error("summarize", "too many directories (at most %s)", "1024");
            dirs[ndirs++] = a;
        }
    }
    if (!ndirs) return rm_cli_usage_error("summarize", "%s", "DIR is required");
    if (!nm)
        sum_default_metrics(metrics, &nm);
    if (!out) out = ndirs == 1 && !is_run_dir(dirs[0]) ? dirs[0] : ".";

    rm_runs rs = {0};
    rm_err e = {0};
    group *gs = NULL;
    double *vals = NULL;
    sbuf sum = {0}, grp = {0}, table = {0}, best = {0};
    sum_best_rule rule;
    int rc = RM_OK, ng = 0;
    sum_best_default(&rule);
    for (int i = 0; i < ndirs && !rc; i++) rc = rm_runs_scan(&rs, dirs[i], &e);
    if (!rc && ndirs == 1) rc = sum_best_rule_of_dir(dirs[0], &rule, &e); /* a sweep directory's prune and seeds */
    if (!rc) rc = sum_setting_keys(&rs, ndirs == 1 ? dirs[0] : NULL, NULL, &e); /* a pruned sweep: no training.epochs */
    if (!rc) {
        for (int i = 0; i < rs.n; i++)
            if (rs.run[i].problem[0])
                fprintf(stderr, "regmnist: summarize: warning: %s: %s\n", rs.run[i].dir, rs.run[i].problem);
        nm = sum_finish_metrics(&rs, metrics, nm);
        rc = sum_group_runs(&rs, &gs, &ng, &e);
        vals = calloc((size_t)rs.n + 1, sizeof *vals);
        if (!rc && !vals) rc = rm_fail(&e, RM_ERR_RUN, "out of memory");
    }
    if (!rc) {
        build_summary_csv(&sum, &rs);
        build_groups_csv(&grp, &rs, gs, ng, metrics, nm, vals);
        if (!csv) build_table(&table, &rs, gs, ng, metrics, nm, vals, latex);
        build_best(&best, &rs, gs, ng, &rule, vals);
        char p1[4096], p2[4096];
        rc = rm_mkdirs(out, &e);
        if (!rc) rc = write_out(out, "summary.csv", &sum, p1, sizeof p1, &e);
        if (!rc) rc = write_out(out, "groups.csv", &grp, p2, sizeof p2, &e);
        if (!rc && (table.oom || best.oom)) rc = rm_fail(&e, RM_ERR_RUN, "out of memory");
        if (!rc) {
            int n_ok = 0, not_ok = 0;
            for (int g = 0; g < ng; g++) n_ok += gs[g].n_ok;
            not_ok = rs.n - n_ok;
            if (csv) {
                fwrite(grp.p, 1, grp.n, stdout);
            } else {
                /* after the table: its note, then the runs that are not ok (LaTeX comments for latex) */
                fwrite(table.p, 1, table.n, stdout);
                if (latex)
                    printf("%% mean \\pm std over the ok runs of each group (n - 1); n counts the ok runs of the "
                           "group's total; the 95%% CIs are in groups.csv.\n");
                else
                    printf("\nmean ± std [95%% CI] over the ok runs of each group (Student t, n - 1 df); "
                           "n counts the ok runs of the group's total.\n");
                if (best.n) printf("%s%.*s\n", latex ? "% " : "", (int)best.n, best.p);
                print_not_ok(&rs, not_ok, latex);
            }
            if (!quiet && csv && best.n) fprintf(stderr, "regmnist: summarize: %.*s\n", (int)best.n, best.p);
            if (!quiet) {
                fprintf(stderr, "regmnist: summarize: %d run%s in %d group%s (%d ok", rs.n, rs.n == 1 ? "" : "s", ng,
                        ng == 1 ? "" : "s", n_ok);
                static const char *const ST[] = {"pruned", "diverged", "failed", "interrupted", "unfinished", "unreadable"};
                for (int s = 0; s < 6; s++) {
                    int c = 0;
                    for (int i = 0; i < rs.n; i++) c += !strcmp(rs.run[i].status, ST[s]);
                    if (c) fprintf(stderr, ", %d %s", c, ST[s]);
                }
                fprintf(stderr, "); wrote %s and %s\n", p1, p2);
            }
        }
    }
    free(sum.p);
    free(grp.p);
    free(table.p);
    free(best.p);
    free(gs);
    free(vals);
    rm_runs_free(&rs);
    return rc ? rm_cli_fail("summarize", &e) : RM_OK;
}
