/* checkpoint.c - state.safetensors: the flat parameter, buffer and optimizer arrays as F32, the epoch
 * order and the RNG states as I64, and every scalar of the progress as __metadata__ text (%.17g, so
 * doubles round-trip exactly). Written atomically at each epoch end by rm_st_write. */
#define _POSIX_C_SOURCE 200809L
#include "rm_checkpoint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rm_safetensors.h"

#define STATE_FORMAT "regmnist-state-3"
#define ROW_FIELDS 11

static rm_st_tensor f32(const char *name, const float *data, size_t n)
{
    rm_st_tensor t = {name, RM_ST_F32, 1, {(int64_t)n}, data};
    return t;
}

static rm_st_tensor i64(const char *name, const int64_t *data, size_t n)
{
    rm_st_tensor t = {name, RM_ST_I64, 1, {(int64_t)n}, data};
    return t;
}

static void rng_out(const rm_rng *r, int64_t out[4])
{
    for (int i = 0; i < 4; i++) out[i] = (int64_t)r->s[i];
}

static void row_text(const rm_epoch_row *r, char *buf, size_t n)
{
    snprintf(buf, n, "%d %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g", r->epoch, r->train_loss,
             r->penalty, r->train_acc, r->seconds, r->val.loss, r->val.acc, r->test.loss, r->test.acc,
             r->train_eval.loss, r->train_eval.acc);
}

int rm_checkpoint_save(const char *path, const rm_checkpoint *k, const rm_progress *p, const char *config_json,
                       rm_err *e)
{
    const rm_model *m = k->model;
    rm_st_tensor t[10];
    int n = 0;
    int64_t rs[4], rd[4];
    t[n++] = f32("params", m->params.data, m->params.n);
    if (m->buffers.n) t[n++] = f32("buffers", m->buffers.data, m->buffers.n);
    if (k->opt->m) t[n++] = f32("optim.m", k->opt->m, k->opt->n);
    if (k->opt->v) t[n++] = f32("optim.v", k->opt->v, k->opt->n);
    if (k->best_params) t[n++] = f32("best.params", k->best_params, m->params.n);
    if (k->best_buffers && m->buffers.n) t[n++] = f32("best.buffers", k->best_buffers, m->buffers.n);
    for (uint32_t i = 0; i < k->n_train; i++) k->scratch[i] = k->train_idx[i];
    t[n++] = i64("train_idx", k->scratch, k->n_train);
    rng_out(k->shuffle, rs);
    rng_out(&m->dropout_rng, rd);
    t[n++] = i64("rng.shuffle", rs, 4);
    t[n++] = i64("rng.dropout", rd, 4);

    char v[12][64], last[512], best[512], sched[512];
    if (rm_schedule_save(k->sched, sched, sizeof sched) < 0) return rm_fail(e, RM_ERR_RUN, "%s: schedule state too long", path);
    snprintf(v[0], sizeof v[0], "%d", p->epoch);
    snprintf(v[1], sizeof v[1], "%ld", k->opt->step);
    snprintf(v[2], sizeof v[2], "%ld", p->samples);
    snprintf(v[3], sizeof v[3], "%.17g", p->train_s);
    snprintf(v[4], sizeof v[4], "%.17g", p->eval_s);
    snprintf(v[5], sizeof v[5], "%lld", (long long)p->bn_batches);
    snprintf(v[6], sizeof v[6], "%.17g", p->es.best);
    snprintf(v[7], sizeof v[7], "%d", p->es.best_epoch);
    snprintf(v[8], sizeof v[8], "%d", p->es.wait);
    row_text(&p->last, last, sizeof last);
    row_text(&p->best, best, sizeof best);
    const char *meta[] = {"format", STATE_FORMAT, "regmnist_version", RM_VERSION, "config", config_json,
                          "epoch", v[0], "optim.step", v[1], "samples", v[2], "train_seconds", v[3],
                          "eval_seconds", v[4], "bn_batches", v[5], "es.best", v[6], "es.best_epoch", v[7],
                          "es.wait", v[8], "row.last", last, "row.best", best, "schedule", sched};
    return rm_st_write(path, t, n, meta, (int)(sizeof meta / sizeof meta[0] / 2), e);
}

/* Copy tensor name (n values of dtype) out of f; a missing or mis-sized tensor is an error. */
static int take(const rm_st_file *f, const char *path, const char *name, int dtype, size_t n, void *out, rm_err *e)
{
    const rm_st_entry *t = rm_st_find(f, name);
    if (!t) return rm_fail(e, RM_ERR_IO, "%s: tensor %s is missing", path, name);
    if (t->dtype != dtype || t->ndim != 1 || (size_t)t->shape[0] != n)
        return rm_fail(e, RM_ERR_IO, "%s: %s: expected %s [%zu], got %s [%lld]; was this state saved by another config?",
                       path, name, dtype == RM_ST_F32 ? "F32" : "I64", n, t->dtype == RM_ST_F32 ? "F32" : "I64",
                       t->ndim == 1 ? (long long)t->shape[0] : -1LL);
    memcpy(out, t->data, t->nbytes);
    return RM_OK;
}

/* A metadata number; a missing or malformed one is an error. */
static int meta_num(const rm_st_file *f, const char *path, const char *key, double *out, rm_err *e)
{
    const char *s = rm_st_meta(f, key);
    char *end;
    if (!s) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ lacks %s", path, key);
    errno = 0;
    *out = strtod(s, &end);
    if (!s[0] || *end) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: not a number: '%s'", path, key, s);
    return RM_OK;
}

static int meta_row(const rm_st_file *f, const char *path, const char *key, rm_epoch_row *r, rm_err *e)
{
    const char *s = rm_st_meta(f, key);
    if (!s) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ lacks %s", path, key);
    double x[ROW_FIELDS];
    char *end = (char *)s;
    for (int i = 0; i < ROW_FIELDS; i++) {
        const char *at = end;
        x[i] = strtod(at, &end);
        if (end == at) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: malformed row '%s'", path, key, s);
    }
    if (*end) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: malformed row '%s'", path, key, s);
    memset(r, 0, sizeof *r);
    r->epoch = (int)x[0];
    r->train_loss = x[1];
    r->penalty = x[2];
    r->train_acc = x[3];
    r->seconds = x[4];
    r->val.loss = x[5];
    r->val.acc = x[6];
    r->test.loss = x[7];
    r->test.acc = x[8];
    r->train_eval.loss = x[9];
    r->train_eval.acc = x[10];
    return RM_OK;
}

int rm_checkpoint_load(const char *path, rm_checkpoint *k, rm_progress *p, char **config_json, rm_err *e)
{
    rm_st_file f;
    *config_json = NULL;
    if (rm_st_read(&f, path, e)) return e->code;
    rm_model *m = k->model;
    int rc = RM_OK;
    const char *fmt = rm_st_meta(&f, "format");
    if (!fmt || strcmp(fmt, STATE_FORMAT) != 0) {
        rc = rm_fail(e, RM_ERR_IO, "%s: not a regmnist state file (format '%s', expected '%s')", path,
                     fmt ? fmt : "none", STATE_FORMAT);
        goto out;
    }
    int64_t rs[4], rd[4];
    if ((rc = take(&f, path, "params", RM_ST_F32, m->params.n, m->params.data, e))) goto out;
    if (m->buffers.n && (rc = take(&f, path, "buffers", RM_ST_F32, m->buffers.n, m->buffers.data, e))) goto out;
    if (k->opt->m && (rc = take(&f, path, "optim.m", RM_ST_F32, k->opt->n, k->opt->m, e))) goto out;
    if (k->opt->v && (rc = take(&f, path, "optim.v", RM_ST_F32, k->opt->n, k->opt->v, e))) goto out;
    if (k->best_params && (rc = take(&f, path, "best.params", RM_ST_F32, m->params.n, k->best_params, e))) goto out;
    if (k->best_buffers && m->buffers.n &&
        (rc = take(&f, path, "best.buffers", RM_ST_F32, m->buffers.n, k->best_buffers, e)))
        goto out;
    if ((rc = take(&f, path, "train_idx", RM_ST_I64, k->n_train, k->scratch, e))) goto out;
    if ((rc = take(&f, path, "rng.shuffle", RM_ST_I64, 4, rs, e))) goto out;
    if ((rc = take(&f, path, "rng.dropout", RM_ST_I64, 4, rd, e))) goto out;
    for (uint32_t i = 0; i < k->n_train; i++) {
        if (k->scratch[i] < 0 || k->scratch[i] > UINT32_MAX) {
            rc = rm_fail(e, RM_ERR_IO, "%s: train_idx[%u] = %lld is not an image index", path, i,
                         (long long)k->scratch[i]);
            goto out;
        }
        k->train_idx[i] = (uint32_t)k->scratch[i];
    }
    for (int i = 0; i < 4; i++) {
        k->shuffle->s[i] = (uint64_t)rs[i];
        m->dropout_rng.s[i] = (uint64_t)rd[i];
    }
    double x[9];
    const char *keys[9] = {"epoch", "optim.step", "samples", "train_seconds", "eval_seconds",
                           "bn_batches", "es.best", "es.best_epoch", "es.wait"};
    for (int i = 0; i < 9; i++)
        if ((rc = meta_num(&f, path, keys[i], &x[i], e))) goto out;
    if ((rc = meta_row(&f, path, "row.last", &p->last, e)) || (rc = meta_row(&f, path, "row.best", &p->best, e)))
        goto out;
    p->epoch = (int)x[0];
    k->opt->step = (long)x[1];
    p->samples = (long)x[2];
    p->train_s = x[3];
    p->eval_s = x[4];
    p->bn_batches = (int64_t)x[5];
    p->es.best = x[6];
    p->es.best_epoch = (int)x[7];
    p->es.wait = (int)x[8];
    const char *sched = rm_st_meta(&f, "schedule");
    if (!sched) {
        rc = rm_fail(e, RM_ERR_IO, "%s: __metadata__ lacks schedule", path);
        goto out;
    }
    if ((rc = rm_schedule_restore(k->sched, sched, e))) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        rc = rm_fail(e, RM_ERR_IO, "%s: __metadata__ schedule: %s", path, msg);
        goto out;
    }
    const char *cfg = rm_st_meta(&f, "config");
    if (!cfg) {
        rc = rm_fail(e, RM_ERR_IO, "%s: __metadata__ lacks config", path);
        goto out;
    }
    *config_json = strdup(cfg);
    if (!*config_json) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
out:
    rm_st_free(&f);
    return rc;
}
