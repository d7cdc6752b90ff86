/* report_html.c - the HTML page of `regmnist report` (see cli_report.c): one file with its style
 * inline and no reference to anything outside it; every string from the study's files escaped. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rm_stats.h"

static const char CSS[] =
    "body{font-family:sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}"
    "h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.6em 0;font-size:14px}"
    "th,td{border:1px solid #ccc;padding:3px 8px;vertical-align:top}th{background:#f0f0f0;text-align:left}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "pre{background:#f7f7f7;padding:.6em;overflow:auto;font-size:13px}"
    "figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{font-size:13px;color:#555}"
    "tr.bad td{background:#fde8e8}.note{color:#555;font-size:14px}";

void html_esc(sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '"' ? "&quot;"
                          : *s == '\'' ? "&#39;" : NULL;
        if (rep) sb_printf(b, "%s", rep);
        else sb_printf(b, "%c", *s);
    }
}

/* A summary.json string of a run, or "". */
static const char *sum_str(const rm_run *r, const char *key)
{
    const cJSON *v = r->summary ? cJSON_GetObjectItemCaseSensitive(r->summary, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The distinct values of a summary.json string over the runs, each with its count. */
static void distinct(sbuf *b, const rm_runs *rs, const char *key)
{
    int shown = 0;
    for (int i = 0; i < rs->n; i++) {
        const char *v = sum_str(&rs->run[i], key);
        int seen = !v[0], count = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(v, sum_str(&rs->run[j], key));
        if (seen) continue;
        for (int j = i; j < rs->n; j++) count += !strcmp(v, sum_str(&rs->run[j], key));
        sb_printf(b, "%s", shown++ ? "; " : "");
        html_esc(b, v);
        sb_printf(b, " (%d run%s)", count, count == 1 ? "" : "s");
    }
    if (!shown) sb_printf(b, "unknown (no summary.json has it)");
}

/* The earliest (last = 0) or latest (last = 1) ISO time of a summary.json key; "" when none. */
static const char *extreme_time(const rm_runs *rs, const char *key, int last)
{
    const char *best = "";
    for (int i = 0; i < rs->n; i++) {
        const char *v = sum_str(&rs->run[i], key);
        if (v[0] && (!best[0] || (strcmp(v, best) > 0) == last)) best = v;
    }
    return best;
}

/* A run's directory below the study's (its path as scanned without "DIR/"). */
static const char *run_dir(const report *rp, const rm_run *r)
{
    size_t n = strlen(rp->dir);
    return !strncmp(r->dir, rp->dir, n) && r->dir[n] == '/' && r->dir[n + 1] ? r->dir + n + 1 : r->dir;
}

static void provenance(sbuf *b, const report *r)
{
    sb_printf(b, "<h2>Spec and provenance</h2>\n");
    if (r->spec) {
        sb_printf(b, "<p>sweep.json as written by the sweep:</p>\n<pre>");
        html_esc(b, r->spec);
        sb_printf(b, "</pre>\n");
    } else {
        sb_printf(b, "<p class=\"note\">No sweep.json in the directory: the runs were not made by one sweep.</p>\n");
    }
    static const char *const ROWS[][2] = {{"regmnist version", "version"}, {"git commit", "git_commit"}, {"host", "host"}};
    sb_printf(b, "<table class=\"provenance\">\n<tr><th>directory</th><td>");
    html_esc(b, r->dir);
    sb_printf(b, "</td></tr>\n");
    for (int k = 0; k < 3; k++) {
        sb_printf(b, "<tr><th>%s</th><td>", ROWS[k][0]);
        distinct(b, &r->rs, ROWS[k][1]);
        sb_printf(b, "</td></tr>\n");
    }
    sb_printf(b, "<tr><th>first started</th><td>");
    html_esc(b, extreme_time(&r->rs, "started", 0));
    sb_printf(b, "</td></tr>\n<tr><th>last finished</th><td>");
    html_esc(b, extreme_time(&r->rs, "finished", 1));
    sb_printf(b, "</td></tr>\n<tr><th>varied keys</th><td>");
    for (int k = 0; k < r->rs.nvaried; k++) {
        sb_printf(b, "%s", k ? ", " : "");
        html_esc(b, r->rs.varied[k]);
    }
    sb_printf(b, "%s</td></tr>\n</table>\n", r->rs.nvaried ? "" : "none");
    sb_printf(b, "<details><summary>The %d runs' command lines</summary>\n<pre>", r->rs.n);
    for (int i = 0; i < r->rs.n; i++) {
        html_esc(b, run_dir(r, &r->rs.run[i]));
        const char *cmd = sum_str(&r->rs.run[i], "command");
        sb_printf(b, ": %s", cmd[0] ? "regmnist " : "(no command in summary.json)");
        html_esc(b, cmd);
        sb_printf(b, "\n");
    }
    sb_printf(b, "</pre></details>\n");
}

/* A group's metric cells: mean ± std and the 95% CI, in the metric's decimals, as summarize's table. */
static void metric_cells(sbuf *b, const char *metric, const double *v, int n)
{
    int d = rm_metric_decimals(metric);
    double lo, hi;
    if (n == 0) sb_printf(b, "<td class=\"n\">–</td>");
    else if (n == 1) sb_printf(b, "<td class=\"n\">%.*f</td>", d, v[0]);
    else sb_printf(b, "<td class=\"n\">%.*f ± %.*f</td>", d, rm_mean(v, n), d, rm_std(v, n));
    if (rm_ci95_mean(v, n, &lo, &hi)) sb_printf(b, "<td class=\"n\">[%.*f, %.*f]</td>", d, lo, d, hi);
    else sb_printf(b, "<td class=\"n\">–</td>");
}

static void groups_table(sbuf *b, const report *r)
{
    char(*names)[64] = calloc((size_t)r->rs.nvaried + 1, sizeof *names);
    double *v = calloc((size_t)r->rs.n + 1, sizeof *v);
    rm_err e = {0};
    if (!names || !v || rm_runs_short_names(&r->rs, names, sizeof names[0], &e)) {
        b->oom = 1;
        free(names), free(v);
        return;
    }
    sb_printf(b, "<h2>Groups</h2>\n<p class=\"note\">One row per setting (the runs whose varied keys are equal): "
                 "mean ± std (n - 1) and the Student-t 95%% CI of the mean over its ok runs, the numbers of "
                 "<code>regmnist summarize</code>'s groups.csv; n counts the ok runs of the group's total.%s</p>\n",
              r->pruned ? " In a pruned sweep <code>training.epochs</code>, the rung each run reached, is not a key: a "
                          "setting's runs form one row, and one stopped at a rung has no ok run (its runs are pruned)."
                        : "");
    sb_printf(b, "<table class=\"groups\">\n<tr>");
    for (int k = 0; k < r->rs.nvaried; k++) {
        sb_printf(b, "<th>");
        html_esc(b, names[k]);
        sb_printf(b, "</th>");
    }
    sb_printf(b, "<th>n</th>");
    for (int m = 0; m < r->nm; m++) sb_printf(b, "<th>%s mean ± std</th><th>%s 95%% CI</th>", r->metrics[m], r->metrics[m]);
    sb_printf(b, "</tr>\n");
    for (int g = 0; g < r->ng; g++) {
        const group *gr = &r->gs[g];
        sb_printf(b, "<tr%s>", gr->n_ok + gr->n_pruned < gr->count ? " class=\"bad\"" : "");
        for (int k = 0; k < r->rs.nvaried; k++) {
            char text[1024];
            rm_json_text(rm_json_at(r->rs.run[gr->first].config, r->rs.varied[k]), text, sizeof text);
            sb_printf(b, "<td>");
            html_esc(b, text);
            sb_printf(b, "</td>");
        }
        if (gr->n_ok == gr->count) sb_printf(b, "<td class=\"n\">%d</td>", gr->count);
        else sb_printf(b, "<td class=\"n\">%d of %d</td>", gr->n_ok, gr->count);
        for (int m = 0; m < r->nm; m++) metric_cells(b, r->metrics[m], v, sum_group_values(&r->rs, gr, r->metrics[m], v));
        sb_printf(b, "</tr>\n");
    }
    sb_printf(b, "</table>\n");
    free(names);
    free(v);
}

/* A p-value as compare prints it (%.6g), "undefined" for NaN. */
static void p_cell(sbuf *b, double p)
{
    if (isnan(p)) sb_printf(b, "<td class=\"n\">undefined</td>");
    else sb_printf(b, "<td class=\"n\">%.6g</td>", p);
}

static void baseline_table(sbuf *b, const report *r)
{
    sb_printf(b, "<h2>Against the baseline</h2>\n");
    if (!r->baseline[0] || !r->nm) {
        sb_printf(b, "<p class=\"note\">");
        html_esc(b, r->nm ? r->baseline_why : "no metric to compare");
        sb_printf(b, "</p>\n");
        return;
    }
    int d = rm_metric_decimals(r->metrics[0]) + 2;
    size_t skip = strlen(r->dir) + 1; /* the labels are DIR:key=value,... */
    sb_printf(b, "<p class=\"note\">Baseline A: <code>");
    html_esc(b, r->baseline);
    sb_printf(b, "</code> (");
    html_esc(b, r->baseline_why);
    sb_printf(b, "), n %d, mean %s %.*f. Each other setting B against it, as <code>regmnist compare DIR "
                 "--baseline ", r->n_base, r->metrics[0], d, r->base_mean);
    html_esc(b, r->baseline);
    sb_printf(b, "</code>: the difference B - A with its 95%% CI, the paired t-test when both ran the same "
                 "seeds (else Welch's), the two-sided p and Holm's adjusted p over the comparisons.</p>\n");
    sb_printf(b, "<table class=\"baseline\">\n<tr><th>setting</th><th>n</th><th>mean %s</th><th>B - A</th>"
                 "<th>95%% CI</th><th>test</th><th>p</th><th>Holm p</th></tr>\n", r->metrics[0]);
    for (int k = 0; k < r->nsides; k++) {
        const cmp_side *s = &r->sides[k];
        sb_printf(b, "<tr><td>");
        html_esc(b, strlen(s->label) > skip ? s->label + skip : s->label);
        sb_printf(b, "</td><td class=\"n\">%d</td>", s->n);
        if (s->n) sb_printf(b, "<td class=\"n\">%.*f</td>", d, s->mean);
        else sb_printf(b, "<td class=\"n\">–</td>");
        if (!s->n) {
            sb_printf(b, "<td>–</td><td>–</td><td>none (no ok run)</td>");
        } else if (!s->tested) {
            sb_printf(b, "<td class=\"n\">%+.*f</td><td>–</td><td>none (fewer than 2 ok runs)</td>", d,
                      s->mean - r->base_mean);
        } else {
            sb_printf(b, "<td class=\"n\">%+.*f</td><td class=\"n\">[%+.*f, %+.*f]</td><td>%s</td>", d, s->t.diff, d,
                      s->t.ci_lo, d, s->t.ci_hi, s->paired ? "paired" : "Welch's");
        }
        p_cell(b, s->tested ? s->t.p : NAN);
        p_cell(b, s->p_holm);
        sb_printf(b, "</tr>\n");
    }
    sb_printf(b, "</table>\n");
}

/* A pruned sweep's rungs: per rung its epochs, the settings that reached it and were promoted past it,
 * and plot rungs' figure. */
static void rungs_section(sbuf *b, const report *r)
{
    const plot_rung_info *ri = &r->rungs;
    sb_printf(b, "<h2>Successive halving: the rungs</h2>\n<p class=\"note\">The sweep stopped weak settings at "
                 "rungs (sweep.json's <code>prune</code>, on ");
    html_esc(b, ri->metric);
    sb_printf(b, "): %d settings (grid points or trials, each with all its seeds). Per rung, from the runs' own "
                 "files: the settings all of whose seeds trained to its epochs, those of them extended past it "
                 "(promoted) and those stopped there.</p>\n", ri->settings);
    sb_printf(b, "<table class=\"rungs\">\n<tr><th>rung</th><th>epochs</th><th>settings reached</th>"
                 "<th>promoted</th><th>stopped there</th></tr>\n");
    for (int k = 0; k < ri->n; k++) {
        int last = k + 1 == ri->n;
        sb_printf(b, "<tr><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td>", k, ri->epochs[k],
                  ri->reached[k]);
        if (last) sb_printf(b, "<td class=\"n\">–</td><td class=\"n\">–</td></tr>\n");
        else sb_printf(b, "<td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n", ri->promoted[k], ri->reached[k] - ri->promoted[k]);
    }
    sb_printf(b, "</table>\n");
    if (r->rung_note[0]) {
        sb_printf(b, "<p class=\"note\">");
        html_esc(b, r->rung_note);
        sb_printf(b, "</p>\n");
    }
    if (!r->rung_figure) return; /* --no-figures: the Figures section says so */
    sb_printf(b, "<figure>\n%s\n<figcaption>", r->rung_figure);
    html_esc(b, ri->metric);
    sb_printf(b, " per epoch (<code>regmnist plot rungs</code>): the mean over the seeds of each setting; the settings "
                 "stopped at a rung thin and grey, those waiting at a rung dotted, those that reached the last rung in "
                 "colour; dashed lines at the rungs.</figcaption></figure>\n");
}

static void figures(sbuf *b, const report *r)
{
    sb_printf(b, "<h2>Figures</h2>\n");
    if (r->figures_note[0]) {
        sb_printf(b, "<p class=\"note\">");
        html_esc(b, r->figures_note);
        sb_printf(b, "</p>\n");
    }
    for (int k = 0; k < r->nfig; k++) {
        sb_printf(b, "<figure>\n%s\n<figcaption>", r->figure[k]);
        html_esc(b, r->caption[k]);
        sb_printf(b, "</figcaption></figure>\n");
    }
}

/* 1 when a run is neither ok nor pruned (stopped at a rung by a pruned sweep, which is not a failure). */
static int not_ok(const rm_run *r)
{
    return !rm_run_ok(r) && strcmp(r->status, "pruned");
}

/* A run's row: directory, status, stop reason, seed, epochs, and what went wrong. */
static void run_row(sbuf *b, const report *rp, const rm_run *r)
{
    double epochs;
    sb_printf(b, "<tr%s><td>", not_ok(r) ? " class=\"bad\"" : "");
    html_esc(b, run_dir(rp, r));
    sb_printf(b, "</td><td>");
    html_esc(b, r->status);
    sb_printf(b, "</td><td>");
    html_esc(b, r->stop_reason);
    sb_printf(b, "</td><td class=\"n\">");
    if (r->has_seed) sb_num(b, r->seed);
    sb_printf(b, "</td><td class=\"n\">");
    if (rm_run_metric(r, "epochs", &epochs)) sb_num(b, epochs);
    sb_printf(b, "</td><td>");
    html_esc(b, r->problem);
    sb_printf(b, "</td></tr>\n");
}

static void run_status(sbuf *b, const report *r)
{
    static const char *const HEAD = "<tr><th>run</th><th>status</th><th>stop reason</th><th>seed</th>"
                                    "<th>epochs</th><th>problem</th></tr>\n";
    int bad = 0, ok = 0;
    for (int i = 0; i < r->rs.n; i++) bad += not_ok(&r->rs.run[i]), ok += rm_run_ok(&r->rs.run[i]);
    sb_printf(b, "<h2>Runs</h2>\n<p>%d run%s, %d ok", r->rs.n, r->rs.n == 1 ? "" : "s", ok);
    static const char *const ST[] = {"pruned", "diverged", "failed", "interrupted", "unfinished", "unreadable", NULL};
    for (int s = 0; ST[s]; s++) {
        int c = 0;
        for (int i = 0; i < r->rs.n; i++) c += !strcmp(r->rs.run[i].status, ST[s]);
        if (c) sb_printf(b, ", %d %s", c, ST[s]);
    }
    sb_printf(b, ".</p>\n");
    if (ok + bad < r->rs.n)
        sb_printf(b, "<p class=\"note\">Pruned runs were stopped at a rung by the sweep's prune (see the rungs): "
                     "not failed, but left out of the statistics, which use the runs trained to the full budget.</p>\n");
    if (bad) {
        sb_printf(b, "<p>%d run%s not ok (left out of the statistics, counted in n's total):</p>\n"
                     "<table class=\"not-ok\">\n%s", bad, bad == 1 ? " is" : "s are", HEAD);
        for (int i = 0; i < r->rs.n; i++)
            if (not_ok(&r->rs.run[i])) run_row(b, r, &r->rs.run[i]);
        sb_printf(b, "</table>\n");
    }
    sb_printf(b, "<details><summary>Every run</summary>\n<table class=\"runs\">\n%s", HEAD);
    for (int i = 0; i < r->rs.n; i++) run_row(b, r, &r->rs.run[i]);
    sb_printf(b, "</table></details>\n");
}

void report_html(sbuf *b, const report *r)
{
    sb_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>regmnist report: ");
    html_esc(b, r->name);
    sb_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Study ", CSS);
    html_esc(b, r->name);
    sb_printf(b, "</h1>\n<p class=\"note\">%d runs in %d settings, written by <code>regmnist report</code>.</p>\n",
              r->rs.n, r->ng);
    provenance(b, r);
    groups_table(b, r);
    baseline_table(b, r);
    if (r->pruned) rungs_section(b, r);
    figures(b, r);
    run_status(b, r);
    sb_printf(b, "</body>\n</html>\n");
}
