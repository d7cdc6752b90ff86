/* sweep_prune.c - successive halving's side of a sweep (the spec's "prune"): the prune object parsed
 * and checked, the rungs, one run trained up to a rung (--task-id i --rung r) and marked pruned when it
 * stops below the last, and what a run's files say about its rungs (declared in sweep.h; the scheduler
 * is sweep_asha.c). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_common.h"
#include "rm_gemm.h"
#include "rm_train.h"
#include "sweep.h"

/* A whole number member of prune (default def when absent) in [lo, hi]. */
static int prune_whole(const cJSON *p, const char *key, long def, long lo, const char *path, long *out, rm_err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, key);
    *out = def;
    if (!v) return RM_OK;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo || v->valuedouble > 1e6)
        return rm_fail(e, RM_ERR_USAGE, "%s: prune.%s: expected a whole number from %ld to 1000000", path, key, lo);
    *out = (long)v->valuedouble;
    return RM_OK;
}

/* The spec's prune object, into w->prune (its rungs come later, from the configs). */
int rm_sweep_parse_prune(sweep *w, const char *path, rm_err *e)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(w->spec, "prune");
    sweep_prune *q = &w->prune;
    if (!p) return RM_OK;
    if (!cJSON_IsObject(p))
        return rm_fail(e, RM_ERR_USAGE, "%s: prune: expected an object {\"metric\", \"mode\", \"min_epochs\", \"reduction\"}", path);
    for (const cJSON *it = p->child; it; it = it->next)
        if (strcmp(it->string, "metric") && strcmp(it->string, "mode") && strcmp(it->string, "min_epochs") &&
            strcmp(it->string, "reduction"))
            return rm_fail(e, RM_ERR_USAGE, "%s: prune.%s: unknown key (prune has metric, mode, min_epochs, reduction)", path,
                           it->string);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(p, "metric"), *mode = cJSON_GetObjectItemCaseSensitive(p, "mode");
    if (!cJSON_IsString(m)) return rm_fail(e, RM_ERR_USAGE, "%s: prune.metric: required, val_loss or val_acc", path);
    if (!strncmp(m->valuestring, "test_", 5))
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: prune.metric: %s is a test metric; pruning on it would choose settings by the test set "
                       "(a leak): use val_loss or val_acc",
                       path, m->valuestring);
    if (strcmp(m->valuestring, "val_loss") && strcmp(m->valuestring, "val_acc"))
        return rm_fail(e, RM_ERR_USAGE, "%s: prune.metric: %s is not a validation metric (val_loss or val_acc)", path,
                       m->valuestring);
    if (!cJSON_IsString(mode) || (strcmp(mode->valuestring, "min") && strcmp(mode->valuestring, "max")))
        return rm_fail(e, RM_ERR_USAGE, "%s: prune.mode: required, min or max", path);
    snprintf(q->metric, sizeof q->metric, "%s", m->valuestring);
    q->maximize = !strcmp(mode->valuestring, "max");
    if (prune_whole(p, "min_epochs", 1, 1, path, &q->min_epochs, e) || prune_whole(p, "reduction", 3, 2, path, &q->reduction, e))
        return e->code;
    q->on = 1;
    return RM_OK;
}

/* The rungs, from run 0's config (training.epochs the budget): min_epochs * reduction^k below it, then
 * the budget itself. */
int rm_sweep_prune_rungs(sweep *w, const char *spec_path, rm_err *e)
{
    static rm_config c;
    char dir[2048];
    sweep_prune *q = &w->prune;
    if (!q->on) return RM_OK;
    if (rm_sweep_build_run(w, spec_path, 0, &c, dir, sizeof dir, e)) return e->code;
    const long budget = c.train.epochs;
    if (q->min_epochs >= budget)
        return rm_fail(e, RM_ERR_USAGE, "%s: prune.min_epochs: %ld, but training.epochs is %ld (min_epochs must be below it)",
                       spec_path, q->min_epochs, budget);
    q->nrungs = 0;
    for (long ep = q->min_epochs; ep < budget && q->nrungs < MAX_RUNGS - 1; ep *= q->reduction) q->epochs[q->nrungs++] = (int)ep;
    q->epochs[q->nrungs++] = (int)budget;
    return RM_OK;
}

/* Every run's config must have the same budget, a validation split and no early stopping. */
int rm_sweep_prune_check_run(const sweep *w, const rm_config *c, const char *spec_path, long i, rm_err *e)
{
    const sweep_prune *q = &w->prune;
    if (!q->on) return RM_OK;
    if (c->data.val_fraction == 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: prune: run %ld has no validation split (data.val_fraction 0); %s needs one",
                       spec_path, i, q->metric);
    if (c->train.es.enabled)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: prune: run %ld uses training.early_stopping; a pruned sweep stops runs at its rungs (use one "
                       "or the other)",
                       spec_path, i);
    if (c->train.epochs != q->epochs[q->nrungs - 1])
        return rm_fail(e, RM_ERR_USAGE, "%s: prune: run %ld has training.epochs %d, run 0 has %d (one budget for every run)",
                       spec_path, i, c->train.epochs, q->epochs[q->nrungs - 1]);
    return RM_OK;
}

/* Run i's config with training.epochs set to rung r's. */
static int rung_config(const sweep *w, const char *spec_path, long i, int r, rm_config *c, char *dir, size_t dn, rm_err *e)
{
    if (rm_sweep_build_run(w, spec_path, i, c, dir, dn, e)) return e->code;
    char origin[64];
    snprintf(origin, sizeof origin, "--rung %d", r);
    cJSON *ev = cJSON_CreateNumber(w->prune.epochs[r]);
    int rc = rm_config_set_flag(c, origin, "training.epochs", ev, e);
    cJSON_Delete(ev);
    return rc;
}

/* Run i here up to rung r's epochs: skipped when it is there or past it, extended (resumed with more
 * epochs) from a lower rung, else started; a run left at a rung below the last is marked pruned. */
int rm_sweep_run_rung(const sweep *w, const char *spec_path, long i, int r, int quiet, int argc, char **argv)
{
    static rm_config c;
    rm_err e = {0};
    char dir[2048], status[32];
    const int target = w->prune.epochs[r], last = r == w->prune.nrungs - 1;
    if (rung_config(w, spec_path, i, r, &c, dir, sizeof dir, &e)) return rm_cli_fail("sweep", &e);
    int claimed = rm_sweep_claim(i, dir);
    if (claimed) return claimed;
    int epochs = 0, has_state = 0;
    int same = rm_run_dir_progress(&c, &epochs, &has_state, status, sizeof status, &e);
    if (same < 0) return rm_cli_fail("sweep", &e);
    const int finished = !strcmp(status, "ok") || !strcmp(status, "pruned");
    if (same && (epochs > target || (epochs == target && finished))) {
        if (!quiet) fprintf(stderr, "regmnist: sweep: run %ld (%s): already at rung %d\n", i, dir, r);
        if (epochs == target && !last && strcmp(status, "pruned") && rm_summary_mark_pruned(dir, r, target, &e))
            return rm_cli_fail("sweep", &e);
        return RM_OK;
    }
    char **sets; /* the run's overrides, as for an unpruned sweep's run (rm_sweep_run_task) */
    int nsets;
    if (rm_sweep_run_sets(w, i, c.name, &sets, &nsets, &e)) return rm_cli_fail("sweep", &e);
    rm_run_opts o = {quiet, same && has_state, 0, argc, argv, (const char *const *)sets, nsets};
    if (!quiet) fprintf(stderr, "regmnist: sweep: run %ld (%s): %s to rung %d (%d epochs)\n", i, dir,
                        o.resume ? "resuming" : "training", r, target);
    rm_blas_set_threads(1);
    int rc = rm_run(&c, &o, &e);
    rm_sweep_free_sets(sets, nsets);
    if (rc) {
        fprintf(stderr, "regmnist: sweep: run %ld (%s): %s\n", i, dir, e.msg);
        return rc;
    }
    if (!last && rm_summary_mark_pruned(dir, r, target, &e)) return rm_cli_fail("sweep", &e);
    return RM_OK;
}

/* How far run i has got on disk: the highest rung it completed (-1: none). A rung is completed when
 * the run went past its epoch, or stopped there marked pruned (ok at the last rung). A run that ended
 * a lower rung ok but was stopped before its mark is not: its task runs again, and marks it. */
int rm_sweep_rung_done(const sweep *w, const char *spec_path, long i)
{
    static rm_config c;
    rm_err e;
    char dir[2048], status[32];
    int epochs = 0, has_state = 0;
    if (rm_sweep_build_run(w, spec_path, i, &c, dir, sizeof dir, &e)) return -1;
    if (rm_run_dir_progress(&c, &epochs, &has_state, status, sizeof status, &e) != 1) return -1;
    int done = -1;
    for (int r = 0; r < w->prune.nrungs; r++) {
        const int last = r == w->prune.nrungs - 1;
        if (w->prune.epochs[r] < epochs || (w->prune.epochs[r] == epochs && !strcmp(status, last ? "ok" : "pruned")))
            done = r;
    }
    return done;
}

/* The column of name in a CSV header line, or -1. */
static int column_of(const char *header, const char *name)
{
    int col = 0;
    size_t n = strlen(name);
    for (const char *p = header; *p; col++) {
        if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\n' || p[n] == '\r' || !p[n])) return col;
        p = strchr(p, ',');
        if (!p) break;
        p++;
    }
    return -1;
}

/* Run i's metric (w->prune.metric) at rung r's epoch, from its metrics.csv; NAN when it has none. */
double rm_sweep_rung_metric(const sweep *w, long i, int r)
{
    char dir[2048], path[2200], line[4096];
    if (!rm_sweep_run_dir(w, i, dir, sizeof dir) || snprintf(path, sizeof path, "%s/metrics.csv", dir) >= (int)sizeof path)
        return NAN;
    FILE *f = fopen(path, "r");
    if (!f) return NAN;
    double v = NAN;
    int col = fgets(line, sizeof line, f) ? column_of(line, w->prune.metric) : -1;
    while (col > 0 && fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        if (n == 0 || line[n - 1] != '\n' || atol(line) != w->prune.epochs[r]) continue; /* a torn last line is not a row */
        const char *p = line;
        for (int k = 0; k < col && p; k++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
        char *end;
        if (p) v = strtod(p, &end);
        if (p && end == p) v = NAN;
        break;
    }
    fclose(f);
    return v;
}
