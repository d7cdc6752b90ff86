/* groups.c - the parts of `regmnist summarize` that `regmnist report` uses too: the text buffer,
 * the --metric list, the keys that tell a setting (a pruned sweep's training.epochs left out, for
 * the plots and compare too), the one reader of a sweep's sweep.json and the grouping of runs by
 * setting (see groups.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_common.h"
#include "groups.h"
#include "rm_epoch_log.h"
#include "rm_stats.h"

static const char *const DEFAULT_METRICS[] = {"test_acc", "test_loss", "val_acc", "val_loss", "gap", NULL};
/* 'all': every metric of summary.json's "final" and "best" (rm_epoch_log.h), then these. */
static const char *const ALL_TOP_METRICS[] = {"epochs", "best_epoch", "train_seconds", "wall_seconds",
                                              "samples_per_second", NULL};

/* ---- a growing text buffer ---- */

void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + (size_t)k + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

void sb_csv(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (!strpbrk(s, ",\"\r\n") && !(n && (s[0] == ' ' || s[n - 1] == ' '))) {
        sb_printf(b, "%s", s);
        return;
    }
    sb_printf(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '"') sb_printf(b, "\"\"");
        else sb_printf(b, "%c", *p);
    }
    sb_printf(b, "\"");
}

void sb_num(sbuf *b, double v)
{
    char s[64];
    if (!isfinite(v)) return;
    rm_shortest_g(v, s, sizeof s);
    sb_printf(b, "%s", s);
}

/* ---- groups ---- */

static const rm_runs *g_sort_runs;

static int run_order(const void *x, const void *y)
{
    const rm_run *a = x, *b = y;
    int c = rm_runs_compare_setting(g_sort_runs, a, b);
    if (c) return c;
    if (a->has_seed != b->has_seed) return a->has_seed ? -1 : 1;
    if (a->has_seed && a->seed != b->seed) return a->seed < b->seed ? -1 : 1;
    return rm_natural_cmp(a->dir, b->dir);
}

static void count_status(group *g, const rm_run *r)
{
    if (rm_run_ok(r)) g->n_ok++;
    else if (!strcmp(r->status, "diverged")) g->n_diverged++;
    else if (!strcmp(r->status, "interrupted") || !strcmp(r->status, "unfinished")) g->n_unfinished++;
    else if (!strcmp(r->status, "pruned")) g->n_pruned++;
    else g->n_failed++;
}

int sum_group_runs(rm_runs *rs, group **gs, int *ng, rm_err *e)
{
    g_sort_runs = rs;
    qsort(rs->run, (size_t)rs->n, sizeof *rs->run, run_order);
    *ng = 0;
    *gs = calloc((size_t)rs->n + 1, sizeof **gs);
    if (!*gs) return rm_fail(e, RM_ERR_RUN, "out of memory");
    group *g = *gs;
    for (int i = 0; i < rs->n; i++) {
        if (!*ng || rm_runs_compare_setting(rs, &rs->run[g[*ng - 1].first], &rs->run[i]) != 0) {
            g[*ng].first = i;
            (*ng)++;
        }
        g[*ng - 1].count++;
        count_status(&g[*ng - 1], &rs->run[i]);
    }
    return RM_OK;
}

/* ---- sweep.json ---- */

/* sweep.json's "prune" and "rungs" (when it has "prune") into info. */
static int read_prune(const cJSON *s, const char *path, sum_sweep_info *info, rm_err *e)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "prune"), *r;
    if (!p) return RM_OK;
    const cJSON *metric = cJSON_GetObjectItemCaseSensitive(p, "metric"), *mode = cJSON_GetObjectItemCaseSensitive(p, "mode");
    const cJSON *rungs = cJSON_GetObjectItemCaseSensitive(s, "rungs");
    if (!cJSON_IsObject(p)) return rm_fail(e, RM_ERR_IO, "%s: prune: expected an object", path);
    if (!cJSON_IsString(metric) || (strcmp(metric->valuestring, "val_loss") && strcmp(metric->valuestring, "val_acc")))
        return rm_fail(e, RM_ERR_IO, "%s: prune.metric: expected \"val_loss\" or \"val_acc\"%s%s", path,
                       cJSON_IsString(metric) ? ", not " : "", cJSON_IsString(metric) ? metric->valuestring : "");
    if (!cJSON_IsString(mode) || (strcmp(mode->valuestring, "min") && strcmp(mode->valuestring, "max")))
        return rm_fail(e, RM_ERR_IO, "%s: prune.mode: expected \"min\" or \"max\"", path);
    if (!cJSON_IsArray(rungs) || cJSON_GetArraySize(rungs) < 1 || cJSON_GetArraySize(rungs) > SUM_MAX_RUNGS)
        return rm_fail(e, RM_ERR_IO, "%s: rungs: expected an array of 1 to %d rungs (it has prune)", path, SUM_MAX_RUNGS);
    cJSON_ArrayForEach(r, rungs) {
        double v = cJSON_IsNumber(r) ? r->valuedouble : -1, prev = info->nrungs ? info->rungs[info->nrungs - 1] : 0;
        if (!(v > prev && v <= SUM_MAX_EPOCHS && v == floor(v)))
            return rm_fail(e, RM_ERR_IO, "%s: rungs[%d]: expected a whole number of epochs above the rung before, at most %d",
                           path, info->nrungs, SUM_MAX_EPOCHS);
        info->rungs[info->nrungs++] = (int)v;
    }
    snprintf(info->metric, sizeof info->metric, "%s", metric->valuestring);
    info->maximize = !strcmp(mode->valuestring, "max");
    info->pruned = 1;
    return RM_OK;
}

int sum_read_sweep(const char *dir, sum_sweep_info *info, rm_err *e)
{
    char path[4200];
    struct stat st;
    size_t len;
    memset(info, 0, sizeof *info);
    info->nseeds = 1; /* a spec without seeds runs seed 1 */
    if (rm_path_join(path, sizeof path, dir, "sweep.json", e)) return e->code;
    if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) return RM_OK; /* not a sweep's directory */
    char *text = rm_read_text(path, RM_JSON_MAX, &len, e);
    if (!text) return e->code;
    const char *end = NULL;
    cJSON *s = cJSON_ParseWithOpts(text, &end, 1);
    const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(s, "seeds");
    int rc = RM_OK;
    if (!s)
        rc = rm_fail(e, RM_ERR_IO, "%s: not one valid JSON value (the parse stopped at byte %zu of %zu)", path,
                     end ? (size_t)(end - text) : 0, len);
    else if (!cJSON_IsObject(s))
        rc = rm_fail(e, RM_ERR_IO, "%s: expected a JSON object (a sweep's resolved spec)", path);
    else if (seeds && (!cJSON_IsArray(seeds) || !cJSON_GetArraySize(seeds)))
        rc = rm_fail(e, RM_ERR_IO, "%s: seeds: expected a non-empty array", path);
    else rc = read_prune(s, path, info, e);
    if (!rc) {
        info->is_sweep = 1;
        if (seeds) info->nseeds = cJSON_GetArraySize(seeds);
    }
    cJSON_Delete(s);
    free(text);
    return rc;
}

int sum_setting_keys(rm_runs *rs, const char *dir, int *pruned, rm_err *e)
{
    sum_sweep_info info;
    int rc = dir ? sum_read_sweep(dir, &info, e) : RM_OK, k = 0, p = dir && !rc && info.pruned;
    if (!rc) rc = rm_runs_find_varied(rs, e);
    for (int i = 0; !rc && p && i < rs->nvaried; i++)
        if (strcmp(rs->varied[i], "training.epochs")) rs->varied[k++] = rs->varied[i];
        else free(rs->varied[i]);
    if (!rc && p) rs->nvaried = k;
    if (pruned) *pruned = p;
    return rc;
}

int sum_group_values(const rm_runs *rs, const group *g, const char *metric, double *v)
{
    int n = 0;
    for (int i = g->first; i < g->first + g->count; i++)
        if (rm_run_ok(&rs->run[i]) && rm_run_metric(&rs->run[i], metric, &v[n])) n++;
    return n;
}

/* ---- the metric list ---- */

/* 'all' as "auto" metrics: each final metric of summary.json, each best_ one, then ALL_TOP_METRICS. */
static int add_all_metrics(const char *cmd, char (*metrics)[64], int *nm)
{
    for (int best = 0; best < 2; best++)
        for (int k = 0; k < rm_epoch_metric_count; k++) {
            if (!rm_epoch_metrics[k].in_summary) continue;
            if (*nm == SUM_MAX_METRICS) return rm_cli_usage_error(cmd, "--metric: too many metrics%s", "");
            snprintf(metrics[(*nm)++], 64, "%s%s:auto", best ? "best_" : "", rm_epoch_metrics[k].name);
        }
    for (int m = 0; ALL_TOP_METRICS[m]; m++) {
        if (*nm == SUM_MAX_METRICS) return rm_cli_usage_error(cmd, "--metric: too many metrics%s", "");
        snprintf(metrics[(*nm)++], 64, "%s:auto", ALL_TOP_METRICS[m]);
    }
    return RM_OK;
}

int sum_add_metrics(const char *cmd, const char *list, char (*metrics)[64], int *nm)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
        return rm_cli_usage_error(cmd, "--metric: list too long%s", "");
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "all")) {
            int rc = add_all_metrics(cmd, metrics, nm);
            if (rc) return rc;
            continue;
        }
        if (*nm == SUM_MAX_METRICS) return rm_cli_usage_error(cmd, "--metric: too many metrics%s", "");
        if (!rm_metric_canonical(t, metrics[*nm], 64)) {
            fprintf(stderr, "regmnist: %s: --metric: unknown metric '%s'; known: %s\n", cmd, t, rm_metric_list());
            return RM_ERR_USAGE;
        }
        (*nm)++;
    }
    return RM_OK;
}

void sum_default_metrics(char (*metrics)[64], int *nm)
{
    for (int m = 0; DEFAULT_METRICS[m]; m++) snprintf(metrics[(*nm)++], 64, "%s:auto", DEFAULT_METRICS[m]);
}

/* "auto" metrics (from the default or 'all') that no run has are dropped. */
int sum_finish_metrics(const rm_runs *rs, char (*metrics)[64], int nm)
{
    int out = 0;
    for (int m = 0; m < nm; m++) {
        char *colon = strchr(metrics[m], ':');
        if (colon) {
            *colon = '\0';
            int have = 0;
            double v;
            for (int i = 0; i < rs->n && !have; i++) have = rm_run_metric(&rs->run[i], metrics[m], &v);
            if (!have) continue;
        }
        int dup = 0;
        for (int j = 0; j < out && !dup; j++) dup = !strcmp(metrics[j], metrics[m]);
        if (!dup) memmove(metrics[out++], metrics[m], 64);
    }
    return out;
}
