/* best.c - the best setting of a set of runs, shared by `regmnist summarize` (its best line) and
 * `regmnist sweep SPEC --best`: the rule (a pruned sweep's prune metric and mode, else val_loss,
 * lowest), the candidates (settings whose runs are all ok at the full budget) and the choice (the
 * best mean over a setting's seeds, ties to the earlier group); see groups.h and docs/search.md. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "rm_stats.h"

void sum_best_default(sum_best_rule *rule)
{
    memset(rule, 0, sizeof *rule);
    snprintf(rule->metric, sizeof rule->metric, "val_loss");
}

int sum_best_rule_of_dir(const char *dir, sum_best_rule *rule, rm_err *e)
{
    sum_sweep_info info;
    sum_best_default(rule);
    if (sum_read_sweep(dir, &info, e)) return e->code;
    if (!info.is_sweep) return RM_OK; /* not a sweep directory */
    rule->nseeds = info.nseeds;
    if (info.pruned) {
        snprintf(rule->metric, sizeof rule->metric, "%s", info.metric);
        rule->maximize = info.maximize;
        rule->budget = info.rungs[info.nrungs - 1];
        rule->pruned = 1;
    }
    return RM_OK;
}

/* 1 when group g may be chosen: all its runs ok, at least nseeds of them, trained to the budget. */
static int candidate(const rm_runs *rs, const group *g, const sum_best_rule *rule)
{
    if (g->count < 1 || g->n_ok != g->count || g->count < rule->nseeds) return 0;
    for (int i = g->first; rule->budget && i < g->first + g->count; i++) {
        const cJSON *ep = rm_json_at(rs->run[i].config, "training.epochs");
        if (!cJSON_IsNumber(ep) || ep->valuedouble != rule->budget) return 0;
    }
    return 1;
}

int sum_best_group(const rm_runs *rs, const group *gs, int ng, const sum_best_rule *rule, double *vals, double *mean)
{
    int best = -1;
    for (int g = 0; g < ng; g++) {
        if (!candidate(rs, &gs[g], rule)) continue;
        int n = sum_group_values(rs, &gs[g], rule->metric, vals);
        if (n != gs[g].count) continue; /* a run without the metric (no validation split), or not finite */
        double m = rm_mean(vals, n);
        if (!isfinite(m)) continue;
        if (best < 0 || (rule->maximize ? m > *mean : m < *mean)) best = g, *mean = m;
    }
    return best;
}

int sum_best_has_metric(const rm_runs *rs, const sum_best_rule *rule)
{
    double v;
    for (int i = 0; i < rs->n; i++)
        if (rm_run_metric(&rs->run[i], rule->metric, &v)) return 1;
    return 0;
}

/* The setting of group g: its varied keys as key=value (a pruned sweep's training.epochs left out),
 * then its directory in parentheses (the directory alone when no key varies between the runs). */
static void setting_text(sbuf *b, const rm_runs *rs, const group *g, const sum_best_rule *rule)
{
    const rm_run *r0 = &rs->run[g->first];
    int any = 0;
    for (int k = 0; k < rs->nvaried; k++) {
        char v[1024];
        if (rule->pruned && !strcmp(rs->varied[k], "training.epochs")) continue; /* the rung each run reached */
        rm_json_text(rm_json_at(r0->config, rs->varied[k]), v, sizeof v);
        sb_printf(b, "%s%s=%s", any++ ? ", " : "", rs->varied[k], v);
    }
    /* the setting's directory: the run's, or its parent's when the run is a sweep's seedN */
    const char *d = r0->dir, *end = d + strlen(d);
    while (end > d && end[-1] == '/') end--;
    const char *base = end;
    while (base > d && base[-1] != '/') base--;
    if (!strncmp(base, "seed", 4) && base[4] && strspn(base + 4, "0123456789") == (size_t)(end - base - 4) && base > d) {
        end = base;
        while (end > d && end[-1] == '/') end--;
        base = end;
        while (base > d && base[-1] != '/') base--;
    }
    if (end > base) sb_printf(b, any ? " (%.*s)" : "%.*s", (int)(end - base), base); /* alone when nothing varies */
}

void sum_best_line(sbuf *b, const rm_runs *rs, const group *gs, int g, const sum_best_rule *rule, double mean)
{
    const char *mode = rule->maximize ? "max" : "min";
    if (g < 0) {
        sb_printf(b, "best by %s (%s): none yet (no setting has all its runs ok%s)", rule->metric, mode,
                  rule->budget ? " at the full budget" : "");
        return;
    }
    sb_printf(b, "best by %s (%s, mean of %d seed%s): ", rule->metric, mode, gs[g].count, gs[g].count == 1 ? "" : "s");
    setting_text(b, rs, &gs[g], rule);
    sb_printf(b, "  %s %.*f", rule->metric, rm_metric_decimals(rule->metric), mean);
}
