/* cli_report.c - `regmnist report DIR`: one self-contained HTML page of a study (a sweep directory
 * or any tree of runs): its spec and provenance, the groups table (summarize's numbers), each
 * setting against a baseline (compare --baseline's tests with Holm's correction), a pruned sweep's
 * rungs, the figures of `regmnist plot sweep`, `plot curves` and `plot rungs` inline as SVG, and every
 * run's status. The arguments, the baseline and the figures are here; report_html.c writes the page. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"
#include "plot.h"
#include "report.h"
#include "rm_cli.h"

static const char HELP[] =
    "usage: regmnist report DIR [--out FILE] [--metric LIST] [--baseline key=value[,key=value]...]\n"
    "                       [--no-figures] [--quiet]\n"
    "\n"
    "Write one self-contained HTML page about the study in DIR (a sweep directory, or any tree of\n"
    "runs): no network and no other file is needed to read it (inline CSS, inline SVG figures), so\n"
    "it can be mailed or attached to a paper's supplement. It holds\n"
    "  - the spec and provenance: DIR/sweep.json as written, the regmnist versions, git commits and\n"
    "    hosts of the runs' summary.json, the first start and the last finish, the command lines\n"
    "  - the groups table: per setting (the runs whose varied keys are equal, grouped as summarize\n"
    "    groups them) the varied keys, n, and per metric mean ± std and the 95% CI: the numbers of\n"
    "    `regmnist summarize`'s groups.csv, in its table's decimals. In a pruned sweep\n"
    "    training.epochs, the rung each run reached, is not a varied key: one row per setting\n"
    "  - each other setting against the baseline on the first metric, as `regmnist compare DIR\n"
    "    --baseline FILTER` computes it: n, mean, difference with its 95% CI, the test (paired or\n"
    "    Welch's), p and Holm's adjusted p\n"
    "  - for a pruned sweep (sweep.json has \"prune\"), its rungs: per rung its epochs, the settings\n"
    "    all of whose seeds trained that far, those promoted past it and those stopped there\n"
    "    (counted from the runs' files), and the figure of `regmnist plot rungs DIR`\n"
    "  - the figures, drawn by gnuplot as `regmnist plot` draws them: `plot sweep --x KEY` for each\n"
    "    varied key whose values are numbers, of the accuracies the runs have (train_eval_acc,\n"
    "    val_acc, test_acc, on one axis, ± std), and `plot curves` of test_acc per epoch; for a\n"
    "    pruned sweep both of the settings trained to the full budget only (a note in their\n"
    "    place while none is, as at the first rungs; likewise for `plot rungs` while no run\n"
    "    has a metrics.csv row)\n"
    "  - every run's status, the runs that are not ok (failed, diverged, interrupted, unfinished,\n"
    "    unreadable) listed with their reason; pruned runs are counted apart, not as not ok\n"
    "\n"
    "  --out FILE       the page (default DIR/report.html), replaced atomically\n"
    "  --metric LIST    the groups table's metrics, as summarize --metric (default test_acc,\n"
    "                   test_loss, val_acc, val_loss, gap: those the runs have); the baseline\n"
    "                   comparison uses the first\n"
    "  --baseline FILTER  the baseline setting, key=value[,key=value]... as compare's filter.\n"
    "                   Default: the unregularized setting, when exactly one setting has every\n"
    "                   varied regularization key (model.dropout, model.input_dropout,\n"
    "                   regularization.l1, l2, label_smoothing, max_norm, optimizer.weight_decay,\n"
    "                   data.noise_std, data.augment) at 0 (a number 0, a list of zeros, null or\n"
    "                   false) and at least one of them varies; else the page says why there is\n"
    "                   no baseline and leaves the comparison out\n"
    "  --no-figures     leave the figures out (a line says so); without it a missing gnuplot is\n"
    "                   an error (exit 2, saying how to install it)\n"
    "  --quiet          no note on stderr\n"
    "\n"
    "Every string from the files is HTML-escaped. Exit status: 0 ok; 1 gnuplot failed (its error\n"
    "on one line); 2 usage error (a bad --baseline or --metric, gnuplot not on PATH); 3 I/O\n"
    "error (DIR missing or holding no run, a DIR/sweep.json that cannot be read or is not a\n"
    "sweep's, one line naming it, an unwritable --out).\n";

/* The regularization keys: the default baseline has each that varies at its "off" value. */
static const char *const REG_KEYS[] = {"model.dropout",     "model.input_dropout",           "regularization.l1",
                                       "regularization.l2", "regularization.label_smoothing", "regularization.max_norm",
                                       "optimizer.weight_decay", "data.noise_std", "data.augment", NULL};

static int is_reg_key(const char *key)
{
    for (int k = 0; REG_KEYS[k]; k++) {
        size_t n = strlen(REG_KEYS[k]);
        if (!strncmp(key, REG_KEYS[k], n) && (key[n] == '\0' || key[n] == '.')) return 1;
    }
    return 0;
}

/* A regularization value that means off: 0, a list of zeros, null, false (or absent). */
static int is_off(const cJSON *v)
{
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v)) return 1;
    if (cJSON_IsNumber(v)) return v->valuedouble == 0;
    if (!cJSON_IsArray(v)) return 0;
    for (const cJSON *x = v->child; x; x = x->next)
        if (!cJSON_IsNumber(x) || x->valuedouble != 0) return 0;
    return 1;
}

/* The default baseline: the one setting whose varied regularization keys are all off. */
static void default_baseline(report *r)
{
    int nreg = 0, found = -1, nfound = 0;
    for (int k = 0; k < r->rs.nvaried; k++) nreg += is_reg_key(r->rs.varied[k]);
    if (!nreg) {
        snprintf(r->baseline_why, sizeof r->baseline_why,
                 "no baseline: no regularization key varies between the runs (give --baseline key=value)");
        return;
    }
    for (int g = 0; g < r->ng; g++) {
        const cJSON *cfg = r->rs.run[r->gs[g].first].config;
        int off = 1;
        for (int k = 0; k < r->rs.nvaried && off; k++)
            if (is_reg_key(r->rs.varied[k])) off = is_off(rm_json_at(cfg, r->rs.varied[k]));
        if (off) found = g, nfound++;
    }
    if (nfound != 1) {
        snprintf(r->baseline_why, sizeof r->baseline_why,
                 "no baseline: %s setting has every varied regularization key at 0 (give --baseline key=value)",
                 nfound ? "more than one" : "no");
        return;
    }
    const cJSON *cfg = r->rs.run[r->gs[found].first].config;
    for (int k = 0; k < r->rs.nvaried; k++) {
        if (!is_reg_key(r->rs.varied[k])) continue;
        char v[256];
        size_t at = strlen(r->baseline);
        rm_json_text(rm_json_at(cfg, r->rs.varied[k]), v, sizeof v);
        snprintf(r->baseline + at, sizeof r->baseline - at, "%s%s=%s", at ? "," : "", r->rs.varied[k], v);
    }
    snprintf(r->baseline_why, sizeof r->baseline_why,
             "the unregularized setting (every varied regularization key at 0), the default");
}

/* Read a whole file into a string (NULL when absent or unreadable). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    sbuf b = {0};
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) sb_printf(&b, "%.*s", (int)k, chunk);
    fclose(f);
    if (b.oom || !b.p) free(b.p), b.p = NULL;
    return b.p;
}

/* The SVG element of gnuplot's file (from "<svg" on), its ids prefixed by fN- so that the figures of
 * one page do not share ids. */
static char *inline_svg(const char *svg, int n)
{
    static const char *const REFS[] = {" id='", " id=\"", "href='#", "href=\"#", "url(#", NULL};
    const char *p = strstr(svg, "<svg");
    sbuf b = {0};
    while (p && *p) {
        const char *hit = NULL, *ref = NULL;
        for (int k = 0; REFS[k]; k++) {
            const char *h = strstr(p, REFS[k]);
            if (h && (!hit || h < hit)) hit = h, ref = REFS[k];
        }
        if (!hit) {
            sb_printf(&b, "%s", p);
            break;
        }
        sb_printf(&b, "%.*sf%d-", (int)(hit - p + (ptrdiff_t)strlen(ref)), p, n);
        p = hit + strlen(ref);
    }
    if (b.oom) free(b.p), b.p = NULL;
    return b.p;
}

typedef int (*plot_fn)(const char *dir, const plot_opts *o, rm_err *e);

/* One figure, number n: draw(DIR) with --x x and --y ylist (none when NULL) into tmp as SVG, read
 * back and inlined into *svg. */
static int draw_figure(const report *r, const char *tmp, plot_fn draw, const char *x, const char *ylist, int n,
                       char **svg, rm_err *e)
{
    static plot_opts o;
    char out[4200];
    memset(&o, 0, sizeof o);
    snprintf(out, sizeof out, "%s/f%d.svg", tmp, n);
    o.out = out, o.format = "svg", o.width = 800, o.height = 480, o.x = x, o.quiet = 1, o.err = PLOT_ERR_STD;
    if (ylist && plot_parse_metrics(&o, "--y", ylist, e)) return e->code;
    int rc = draw(r->dir, &o, e);
    if (rc) return rc;
    char *file = slurp(out);
    unlink(out);
    *svg = file ? inline_svg(file, n) : NULL;
    free(file);
    return *svg ? RM_OK : rm_fail(e, RM_ERR_IO, "%s: gnuplot wrote no SVG", out);
}

/* A figure of the Figures section: `plot sweep DIR --x x --y ylist`, or `plot curves DIR --y ylist`
 * when x is NULL. */
static int add_figure(report *r, const char *tmp, const char *x, const char *ylist, rm_err *e)
{
    int rc = draw_figure(r, tmp, x ? plot_sweep : plot_curves, x, ylist, r->nfig, &r->figure[r->nfig], e);
    if (rc) return rc;
    const char *which = r->pruned ? " trained to the full budget (those stopped at a rung left out)" : "";
    if (x)
        snprintf(r->caption[r->nfig], sizeof r->caption[0], "%s against %s: mean ± std over the seeds of each setting%s",
                 ylist, x, which);
    else
        snprintf(r->caption[r->nfig], sizeof r->caption[0], "%s per epoch: the mean over the seeds of each setting%s "
                 "with a ± std band; points mark early stopping's best epoch", ylist, which);
    r->nfig++;
    return RM_OK;
}

/* 1 when every run's value of key is a number. */
static int numeric_key(const rm_runs *rs, const char *key)
{
    for (int i = 0; i < rs->n; i++)
        if (!cJSON_IsNumber(rm_json_at(rs->run[i].config, key))) return 0;
    return 1;
}

/* 1 when the runs' values of key are not all the same. */
static int key_differs(const rm_runs *rs, const char *key)
{
    for (int i = 1; i < rs->n; i++)
        if (!cJSON_Compare(rm_json_at(rs->run[0].config, key), rm_json_at(rs->run[i].config, key), 1)) return 1;
    return 0;
}

/* The figures: plot sweep against each numeric varied key (a pruned sweep's training.epochs, the rung
 * each run reached, is none), then plot curves of test_acc; and a pruned sweep's plot rungs. A pruned
 * sweep still at its first rungs has no setting trained to the full budget (no ok run) for plot sweep
 * and curves, and maybe no metrics.csv row yet for plot rungs: a note says so in their place. */
static int make_figures(report *r, rm_err *e)
{
    static const char *const ACC[] = {"train_eval_acc", "val_acc", "test_acc", NULL};
    char ylist[128] = "", tmp[] = "/tmp/regmnist-report-XXXXXX";
    double v;
    for (int k = 0; ACC[k]; k++) {
        int have = 0;
        for (int i = 0; i < r->rs.n && !have; i++) have = rm_run_metric(&r->rs.run[i], ACC[k], &v);
        if (have) snprintf(ylist + strlen(ylist), sizeof ylist - strlen(ylist), "%s%s", ylist[0] ? "," : "", ACC[k]);
    }
    if (!mkdtemp(tmp)) return rm_fail(e, RM_ERR_IO, "%s: cannot make a temporary directory", tmp);
    int rc = RM_OK, n_ok = 0;
    if (r->pruned && r->rungs.drawable)
        rc = draw_figure(r, tmp, plot_rungs, NULL, NULL, REPORT_MAX_FIGURES, &r->rung_figure, e);
    else if (r->pruned)
        snprintf(r->rung_note, sizeof r->rung_note, "No figure of the rungs yet: no setting has a value of %s in all its "
                 "runs' metrics.csv.", r->rungs.metric);
    for (int g = 0; g < r->ng; g++) n_ok += r->gs[g].n_ok;
    if (!rc && r->pruned && !n_ok) {
        snprintf(r->figures_note, sizeof r->figures_note, "No figures of the settings: none of the pruned sweep is trained "
                 "to the full budget yet (every run is pruned at a rung or still to finish; the rungs show how far "
                 "they got).");
        rmdir(tmp);
        return RM_OK;
    }
    if (!rc && !ylist[0]) {
        snprintf(r->figures_note, sizeof r->figures_note, "No figures: no run has an accuracy to draw.");
        rmdir(tmp);
        return RM_OK;
    }
    size_t at = 0;
    if (r->pruned && key_differs(&r->rs, "training.epochs"))
        at = (size_t)snprintf(r->figures_note, sizeof r->figures_note, "No figure against training.epochs: in a pruned "
                              "sweep it is the rung each run reached (see the rungs).");
    for (int k = 0; k < r->rs.nvaried && !rc; k++) {
        const char *why = !numeric_key(&r->rs, r->rs.varied[k]) ? "its values are not all numbers"
                          : r->nfig + 1 >= REPORT_MAX_FIGURES ? "the page holds at most 16 figures" : NULL;
        if (!why) rc = add_figure(r, tmp, r->rs.varied[k], ylist, e);
        else if (at < sizeof r->figures_note)
            at += (size_t)snprintf(r->figures_note + at, sizeof r->figures_note - at, "%sNo figure against %s: %s.",
                                   at ? " " : "", r->rs.varied[k], why);
    }
    if (!rc) rc = add_figure(r, tmp, NULL, "test_acc", e);
    rmdir(tmp);
    return rc;
}

/* Scan DIR, group its runs, resolve the metrics and the baseline, compare, draw. */
static int build(report *r, const char *baseline, int figures, rm_err *e)
{
    static plot_opts none;
    char path[4200];
    int rc = rm_runs_scan(&r->rs, r->dir, e);
    if (!rc) rc = sum_setting_keys(&r->rs, r->dir, &r->pruned, e); /* a pruned sweep: no training.epochs */
    if (!rc) rc = sum_group_runs(&r->rs, &r->gs, &r->ng, e);
    if (rc) return rc;
    r->nm = sum_finish_metrics(&r->rs, r->metrics, r->nm);
    plot_study_name(&none, r->dir, &r->rs, r->name, sizeof r->name);
    snprintf(path, sizeof path, "%s/sweep.json", r->dir);
    r->spec = slurp(path);
    if (baseline) {
        snprintf(r->baseline, sizeof r->baseline, "%s", baseline);
        snprintf(r->baseline_why, sizeof r->baseline_why, "given by --baseline");
    } else {
        default_baseline(r);
    }
    if (r->pruned) rc = plot_rungs_info(r->dir, &r->rungs, e);
    if (!rc && r->baseline[0] && r->nm)
        rc = cmp_sweep_baseline(r->dir, r->baseline, r->metrics[0], &r->n_base, &r->base_mean, r->sides, &r->nsides, e);
    if (!rc && figures) rc = make_figures(r, e);
    if (!figures) snprintf(r->figures_note, sizeof r->figures_note, "Figures left out (--no-figures).");
    return rc;
}

static void report_free(report *r)
{
    for (int k = 0; k < r->nfig; k++) free(r->figure[k]);
    free(r->rung_figure);
    free(r->spec);
    free(r->gs);
    rm_runs_free(&r->rs);
}

int rm_cli_report(int argc, char **argv)
{
    static report r;
    const char *out = NULL, *baseline = NULL;
    int figures = 1, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s", HELP);
            return RM_OK;
        }
        if (!strcmp(a, "--out") || !strcmp(a, "--metric") || !strcmp(a, "--baseline")) {
            if (i + 1 >= argc) return rm_cli_usage_error("report", "%s needs a value", a);
            const char *v = argv[++i];
            if (!v[0]) return rm_cli_usage_error("report", "%s: the value must not be empty", a);
            if (!strcmp(a, "--out")) out = v;
            else if (!strcmp(a, "--baseline")) baseline = v;
            else if (sum_add_metrics("report", v, r.metrics, &r.nm)) return RM_ERR_USAGE;
        } else if (!strcmp(a, "--no-figures")) {
            figures = 0;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return rm_cli_usage_error("report", "unknown option '%s'", a);
        } else if (r.dir) {
            return rm_cli_usage_error("report", "one directory only, got '%s' too", a);
        } else {
            r.dir = a;
        }
    }
    if (!r.dir) return rm_cli_usage_error("report", "%s", "DIR is required");
    if (!r.nm) sum_default_metrics(r.metrics, &r.nm);
    char path[4200];
    if (!out) snprintf(path, sizeof path, "%s/report.html", r.dir), out = path;
    rm_err e = {0};
    sbuf b = {0};
    int rc = build(&r, baseline, figures, &e);
    if (!rc) {
        report_html(&b, &r);
        rc = b.oom ? rm_fail(&e, RM_ERR_RUN, "out of memory") : rm_write_atomic(out, b.p, b.n, &e);
    }
    int nfig = r.nfig + (r.rung_figure != NULL);
    if (!rc && !quiet)
        fprintf(stderr, "regmnist: report: %d runs in %d groups, %d figure%s; wrote %s\n", r.rs.n, r.ng, nfig,
                nfig == 1 ? "" : "s", out);
    free(b.p);
    report_free(&r);
    return rc ? rm_cli_fail("report", &e) : RM_OK;
}
