/* checkpoint.c - state.safetensors: the flat parameter, buffer and optimizer arrays as F32, the epoch
 * order and the RNG states as I64, and every scalar of the progress as __metadata__ text (%.17g, so
 * doubles round-trip exactly). Written atomically by rm_st_write, from the live tensors or from a copy taken
 * at an epoch end (rm_checkpoint_copy: train.c saves by time, output.checkpoint_every). */
#define _POSIX_C_SOURCE 200809L
#include "rm_checkpoint.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
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

/* The arrays and values a state file holds: the live ones (rm_checkpoint_save) or a copy's. */
typedef struct {
    const float *params, *buffers, *m, *v, *best_params, *best_buffers;
    const uint32_t *train_idx;
    const rm_rng *shuffle, *dropout;
    const rm_schedule *sched;
    long step;
} state_view;

/* Write v (sized as k's tensors; k->scratch takes the epoch order as I64) and p to path atomically. */
static int write_state(const char *path, const state_view *v, const rm_checkpoint *k, const rm_progress *p,
                       const char *config_json, rm_err *e)
{
    const rm_model *m = k->model;
    rm_st_tensor t[10];
    int n = 0;
    int64_t rs[4], rd[4];
    t[n++] = f32("params", v->params, m->params.n);
    if (m->buffers.n) t[n++] = f32("buffers", v->buffers, m->buffers.n);
    if (k->opt->m) t[n++] = f32("optim.m", v->m, k->opt->n);
    if (k->opt->v) t[n++] = f32("optim.v", v->v, k->opt->n);
    if (k->best_params) t[n++] = f32("best.params", v->best_params, m->params.n);
    if (k->best_buffers && m->buffers.n) t[n++] = f32("best.buffers", v->best_buffers, m->buffers.n);
    for (uint32_t i = 0; i < k->n_train; i++) k->scratch[i] = v->train_idx[i];
    t[n++] = i64("train_idx", k->scratch, k->n_train);
    rng_out(v->shuffle, rs);
    rng_out(v->dropout, rd);
    t[n++] = i64("rng.shuffle", rs, 4);
    t[n++] = i64("rng.dropout", rd, 4);

    char s[12][64], last[512], best[512], sched[512];
    if (rm_schedule_save(v->sched, sched, sizeof sched) < 0) return rm_fail(e, RM_ERR_RUN, "%s: schedule state too long", path);
    snprintf(s[0], sizeof s[0], "%d", p->epoch);
    snprintf(s[1], sizeof s[1], "%ld", v->step);
    snprintf(s[2], sizeof s[2], "%ld", p->samples);
    snprintf(s[3], sizeof s[3], "%.17g", p->train_s);
    snprintf(s[4], sizeof s[4], "%.17g", p->eval_s);
    snprintf(s[5], sizeof s[5], "%lld", (long long)p->bn_batches);
    snprintf(s[6], sizeof s[6], "%.17g", p->es.best);
    snprintf(s[7], sizeof s[7], "%d", p->es.best_epoch);
    snprintf(s[8], sizeof s[8], "%d", p->es.wait);
    row_text(&p->last, last, sizeof last);
    row_text(&p->best, best, sizeof best);
    const char *meta[] = {"format", STATE_FORMAT, "regmnist_version", RM_VERSION, "config", config_json,
                          "epoch", s[0], "optim.step", s[1], "samples", s[2], "train_seconds", s[3],
                          "eval_seconds", s[4], "bn_batches", s[5], "es.best", s[6], "es.best_epoch", s[7],
                          "es.wait", s[8], "row.last", last, "row.best", best, "schedule", sched};
    return rm_st_write(path, t, n, meta, (int)(sizeof meta / sizeof meta[0] / 2), e);
}

int rm_checkpoint_save(const char *path, const rm_checkpoint *k, const rm_progress *p, const char *config_json,
                       rm_err *e)
{
    const rm_model *m = k->model;
    const state_view v = {m->params.data, m->buffers.data, k->opt->m, k->opt->v, k->best_params, k->best_buffers,
                          k->train_idx, k->shuffle, &m->dropout_rng, k->sched, k->opt->step};
    return write_state(path, &v, k, p, config_json, e);
}

/* An array of n floats for the copy when src is there (NULL stays NULL); 0 when out of memory. */
static int copy_array(float **dst, const float *src, size_t n, const char *what, rm_err *e)
{
    *dst = src ? rm_alloc(n, sizeof(float), what, e) : NULL;
    return !src || *dst;
}

int rm_checkpoint_copy_init(rm_checkpoint_copy *c, const rm_checkpoint *k, rm_err *e)
{
    const rm_model *m = k->model;
    memset(c, 0, sizeof *c);
    if (!copy_array(&c->params, m->params.data, m->params.n, "state copy", e) ||
        !copy_array(&c->buffers, m->buffers.data, m->buffers.n, "state copy", e) ||
        !copy_array(&c->m, k->opt->m, k->opt->n, "state copy", e) ||
        !copy_array(&c->v, k->opt->v, k->opt->n, "state copy", e) ||
        !copy_array(&c->best_params, k->best_params, m->params.n, "state copy", e) ||
        !copy_array(&c->best_buffers, k->best_buffers, m->buffers.n, "state copy", e))
        return e->code;
    c->train_idx = rm_alloc(k->n_train, sizeof(uint32_t), "state copy", e);
    return c->train_idx ? RM_OK : e->code;
}

/* dst[0..n) = src[0..n) when both are there. */
static void copy_floats(float *dst, const float *src, size_t n)
{
    if (dst && src && n) memcpy(dst, src, n * sizeof(float));
}

void rm_checkpoint_copy_take(rm_checkpoint_copy *c, const rm_checkpoint *k, const rm_progress *p)
{
    const rm_model *m = k->model;
    copy_floats(c->params, m->params.data, m->params.n);
    copy_floats(c->buffers, m->buffers.data, m->buffers.n);
    copy_floats(c->m, k->opt->m, k->opt->n);
    copy_floats(c->v, k->opt->v, k->opt->n);
    copy_floats(c->best_params, k->best_params, m->params.n);
    copy_floats(c->best_buffers, k->best_buffers, m->buffers.n);
    memcpy(c->train_idx, k->train_idx, k->n_train * sizeof(uint32_t));
    c->shuffle = *k->shuffle;
    c->dropout = m->dropout_rng;
    c->sched = *k->sched;
    c->step = k->opt->step;
    c->p = *p;
    c->held = 1;
}

int rm_checkpoint_copy_save(const char *path, rm_checkpoint_copy *c, const rm_checkpoint *k, const char *config_json,
                            rm_err *e)
{
    const state_view v = {c->params, c->buffers, c->m, c->v, c->best_params, c->best_buffers,
                          c->train_idx, &c->shuffle, &c->dropout, &c->sched, c->step};
    int rc = write_state(path, &v, k, &c->p, config_json, e);
    if (!rc) c->held = 0;
    return rc;
}

void rm_checkpoint_copy_free(rm_checkpoint_copy *c)
{
    rm_free(c->params);
    rm_free(c->buffers);
    rm_free(c->m);
    rm_free(c->v);
    rm_free(c->best_params);
    rm_free(c->best_buffers);
    rm_free(c->train_idx);
    memset(c, 0, sizeof *c);
}

/* Copy tensor name (n values of dtype) out of f; a missing or mis-sized tensor is an error, and so is a
 * non-finite F32 value (or a negative one when nonneg). */
static int take(const rm_st_file *f, const char *path, const char *name, int dtype, size_t n, void *out, int nonneg,
                rm_err *e)
{
    const rm_st_entry *t = rm_st_find(f, name);
    if (!t) return rm_fail(e, RM_ERR_IO, "%s: tensor %s is missing", path, name);
    if (t->dtype != dtype || t->ndim != 1 || (size_t)t->shape[0] != n)
        return rm_fail(e, RM_ERR_IO, "%s: %s: expected %s [%zu], got %s [%lld]; was this state saved by another config?",
                       path, name, dtype == RM_ST_F32 ? "F32" : "I64", n, t->dtype == RM_ST_F32 ? "F32" : "I64",
                       t->ndim == 1 ? (long long)t->shape[0] : -1LL);
    if (rm_st_check_finite(t, path, nonneg, e)) return e->code;
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
    if (!s[0] || *end) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: not a number: '%.64s'", path, key, s);
    return RM_OK;
}

/* A metadata integer in [lo, hi], written in decimal digits; anything else is an error naming key. */
static int meta_int(const rm_st_file *f, const char *path, const char *key, long long lo, long long hi,
                    long long *out, rm_err *e)
{
    const char *s = rm_st_meta(f, key);
    if (!s) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ lacks %s", path, key);
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    int digits = (s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9');
    if (!digits || *end || errno == ERANGE || v < lo || v > hi)
        return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: '%.64s' is not an integer in [%lld, %lld]", path, key, s,
                       lo, hi);
    *out = v;
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
        if (end == at) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: malformed row '%.64s'", path, key, s);
    }
    if (*end) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: malformed row '%.64s'", path, key, s);
    /* the epoch a whole number; losses of a saved epoch finite (val's may be absent: 0); accuracies
     * percentages; the wall time non-negative */
    if (!(x[0] >= 0 && x[0] <= INT_MAX && x[0] == (double)(int)x[0]))
        return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: epoch '%g' is not a whole number", path, key, x[0]);
    static const int finite[] = {1, 2, 5, 7, 9}, pct[] = {3, 6, 8, 10};
    for (size_t i = 0; i < sizeof finite / sizeof *finite; i++)
        if (!isfinite(x[finite[i]]))
            return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: field %d is %g, not a finite number", path, key,
                           finite[i] + 1, x[finite[i]]);
    for (size_t i = 0; i < sizeof pct / sizeof *pct; i++)
        if (!(x[pct[i]] >= 0.0 && x[pct[i]] <= 100.0))
            return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: field %d is %g, not a percentage", path, key,
                           pct[i] + 1, x[pct[i]]);
    if (!(x[4] >= 0.0 && isfinite(x[4])))
        return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: seconds %g is not a finite non-negative number", path, key,
                       x[4]);
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

/* The names of the tensors k's state holds, in the order rm_checkpoint_save writes them; returns the count. */
static int state_names(const rm_checkpoint *k, const char *names[10])
{
    int n = 0;
    names[n++] = "params";
    if (k->model->buffers.n) names[n++] = "buffers";
    if (k->opt->m) names[n++] = "optim.m";
    if (k->opt->v) names[n++] = "optim.v";
    if (k->best_params) names[n++] = "best.params";
    if (k->best_buffers && k->model->buffers.n) names[n++] = "best.buffers";
    names[n++] = "train_idx";
    names[n++] = "rng.shuffle";
    names[n++] = "rng.dropout";
    return n;
}

/* The file holds exactly the tensors k's state has, each with a verified checksum. */
static int check_tensor_set(const rm_st_file *f, const rm_checkpoint *k, const char *path, rm_err *e)
{
    const char *names[10];
    int n = state_names(k, names);
    for (int i = 0; i < f->n; i++) {
        int known = 0;
        for (int j = 0; j < n && !known; j++) known = strcmp(f->t[i].name, names[j]) == 0;
        if (!known)
            return rm_fail(e, RM_ERR_IO, "%s: unexpected tensor '%.64s': this run's state has no such tensor", path,
                           f->t[i].name);
    }
    for (int j = 0; j < n; j++)
        if (!rm_st_find(f, names[j])) return rm_fail(e, RM_ERR_IO, "%s: tensor %s is missing", path, names[j]);
    if (f->n_checked != f->n)
        for (int i = 0; i < f->n; i++) {
            char key[RM_ST_NAME_MAX + 16];
            snprintf(key, sizeof key, "%s%s", RM_ST_CRC_PREFIX, f->t[i].name);
            if (!rm_st_meta(f, key))
                return rm_fail(e, RM_ERR_IO, "%s: tensor %s has no checksum (__metadata__ %s)", path, f->t[i].name,
                               key);
        }
    return RM_OK;
}

/* The loaded order (k->scratch) must be a permutation of the split's index set (k->train_idx on entry):
 * every value an image index, in the set, none repeated. Then it becomes k->train_idx. */
static int take_order(rm_checkpoint *k, const char *path, rm_err *e)
{
    uint8_t *mark = rm_alloc(k->n_images ? k->n_images : 1, 1, "train_idx check", e); /* 1: in the split, 2: seen */
    if (!mark) return e->code;
    memset(mark, 0, k->n_images);
    for (uint32_t i = 0; i < k->n_train; i++)
        if (k->train_idx[i] < k->n_images) mark[k->train_idx[i]] = 1;
    int rc = RM_OK;
    for (uint32_t i = 0; i < k->n_train && !rc; i++) {
        const int64_t v = k->scratch[i];
        if (v < 0 || v >= (int64_t)k->n_images)
            rc = rm_fail(e, RM_ERR_IO, "%s: train_idx[%u] = %lld is not an image index (the data has %u images)", path,
                         i, (long long)v, k->n_images);
        else if (mark[v] == 2)
            rc = rm_fail(e, RM_ERR_IO, "%s: train_idx[%u] = %lld is repeated: the epoch order is not a permutation",
                         path, i, (long long)v);
        else if (mark[v] == 0)
            rc = rm_fail(e, RM_ERR_IO, "%s: train_idx[%u] = %lld is not in this run's training split", path, i,
                         (long long)v);
        else
            mark[v] = 2;
    }
    rm_free(mark);
    if (rc) return rc;
    for (uint32_t i = 0; i < k->n_train; i++) k->train_idx[i] = (uint32_t)k->scratch[i];
    return RM_OK;
}

/* training.epochs of the saved config text, or -1 when it has none. */
static long long saved_epochs(const char *cfg)
{
    cJSON *root = cJSON_Parse(cfg);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "training");
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(t, "epochs");
    long long v = cJSON_IsNumber(ep) && ep->valuedouble >= 0 && ep->valuedouble <= INT_MAX &&
                          ep->valuedouble == (double)(long long)ep->valuedouble
                      ? (long long)ep->valuedouble
                      : -1;
    cJSON_Delete(root);
    return v;
}

/* The early-stopping watch: without early stopping it is as initialized; with it, epoch's best epoch
 * (the first epoch is always a best), wait the epochs since, a finite best value. */
static int check_watch(const rm_checkpoint *k, const rm_progress *p, const rm_early_stop *init, const char *path,
                       rm_err *e)
{
    const rm_early_stop *s = &p->es;
    if (!k->best_params || p->epoch == 0) {
        if (s->best_epoch != 0) return rm_fail(e, RM_ERR_IO, "%s: es.best_epoch = %d, expected 0", path, s->best_epoch);
        if (s->wait != 0) return rm_fail(e, RM_ERR_IO, "%s: es.wait = %d, expected 0", path, s->wait);
        if (s->best != init->best)
            return rm_fail(e, RM_ERR_IO, "%s: es.best = %g, expected %g", path, s->best, init->best);
    } else {
        if (s->best_epoch < 1)
            return rm_fail(e, RM_ERR_IO, "%s: es.best_epoch = %d is not in [1, %d]", path, s->best_epoch, p->epoch);
        if (s->wait != p->epoch - s->best_epoch)
            return rm_fail(e, RM_ERR_IO, "%s: es.wait = %d, but epoch %d is %d after es.best_epoch", path, s->wait,
                           p->epoch, p->epoch - s->best_epoch);
        if (!isfinite(s->best)) return rm_fail(e, RM_ERR_IO, "%s: es.best = %g is not finite", path, s->best);
    }
    if (p->last.epoch != p->epoch)
        return rm_fail(e, RM_ERR_IO, "%s: row.last is epoch %d, but the state is at epoch %d", path, p->last.epoch,
                       p->epoch);
    if (p->best.epoch != s->best_epoch)
        return rm_fail(e, RM_ERR_IO, "%s: row.best is epoch %d, but es.best_epoch is %d", path, p->best.epoch,
                       s->best_epoch);
    return RM_OK;
}

/* The RNG states: the shuffle stream's xoshiro256** state is never all zero; the dropout stream keeps the
 * model's key (from the seed), a zero s[3] and, with dropout, one draw per training step. */
static int check_rngs(const rm_checkpoint *k, const int64_t rs[4], const int64_t rd[4], long step, const char *path,
                      rm_err *e)
{
    if (!(rs[0] | rs[1] | rs[2] | rs[3]))
        return rm_fail(e, RM_ERR_IO, "%s: rng.shuffle is all zero, not a xoshiro256** state", path);
    const rm_rng *key = &k->model->dropout_rng;
    const int64_t draws = k->model->n_drop > 0 ? step : 0;
    if ((uint64_t)rd[0] != key->s[0] || (uint64_t)rd[1] != key->s[1] || rd[3] != 0)
        return rm_fail(e, RM_ERR_IO, "%s: rng.dropout does not hold this run's dropout key", path);
    if (rd[2] != draws)
        return rm_fail(e, RM_ERR_IO, "%s: rng.dropout counts %lld draws, expected %lld (one per training step%s)",
                       path, (long long)rd[2], (long long)draws, k->model->n_drop > 0 ? "" : " with dropout");
    return RM_OK;
}

/* Step 1 of rm_checkpoint_load: every tensor into k's arrays (rs and rd get the RNG states), then the
 * epoch order checked against the split (take_order). */
static int load_tensors(const rm_st_file *f, const char *path, rm_checkpoint *k, int64_t rs[4], int64_t rd[4],
                        rm_err *e)
{
    const rm_model *m = k->model;
    if (take(f, path, "params", RM_ST_F32, m->params.n, m->params.data, 0, e)) return e->code;
    if (m->buffers.n && take(f, path, "buffers", RM_ST_F32, m->buffers.n, m->buffers.data, 0, e)) return e->code;
    if (k->opt->m && take(f, path, "optim.m", RM_ST_F32, k->opt->n, k->opt->m, 0, e)) return e->code;
    if (k->opt->v && take(f, path, "optim.v", RM_ST_F32, k->opt->n, k->opt->v, 1, e)) return e->code;
    if (k->best_params && take(f, path, "best.params", RM_ST_F32, m->params.n, k->best_params, 0, e))
        return e->code;
    if (k->best_buffers && m->buffers.n &&
        take(f, path, "best.buffers", RM_ST_F32, m->buffers.n, k->best_buffers, 0, e))
        return e->code;
    if (take(f, path, "train_idx", RM_ST_I64, k->n_train, k->scratch, 0, e)) return e->code;
    if (take(f, path, "rng.shuffle", RM_ST_I64, 4, rs, 0, e)) return e->code;
    if (take(f, path, "rng.dropout", RM_ST_I64, 4, rd, 0, e)) return e->code;
    return take_order(k, path, e);
}

/* Step 2 of rm_checkpoint_load: the metadata fields into p and k->opt->step (epoch at most max_epoch),
 * checked against each other and against the RNG states rs and rd; p->es holds its initial value on entry. */
static int load_fields(const rm_st_file *f, const char *path, long long max_epoch, const int64_t rs[4],
                       const int64_t rd[4], rm_checkpoint *k, rm_progress *p, rm_err *e)
{
    const rm_early_stop init = p->es;
    long long epoch = 0, step = 0, samples = 0, bn = 0, best_epoch = 0, wait = 0;
    double secs[3];
    if (meta_int(f, path, "epoch", 0, max_epoch, &epoch, e) || meta_int(f, path, "optim.step", 0, LONG_MAX, &step, e) ||
        meta_int(f, path, "samples", 0, LONG_MAX, &samples, e) ||
        meta_int(f, path, "bn_batches", 0, INT64_MAX, &bn, e) ||
        meta_int(f, path, "es.best_epoch", 0, epoch, &best_epoch, e) ||
        meta_int(f, path, "es.wait", 0, epoch, &wait, e))
        return e->code;
    const char *dkeys[3] = {"train_seconds", "eval_seconds", "es.best"};
    for (int i = 0; i < 3; i++) {
        if (meta_num(f, path, dkeys[i], &secs[i], e)) return e->code;
        if (i < 2 && !(secs[i] >= 0 && isfinite(secs[i])))
            return rm_fail(e, RM_ERR_IO, "%s: __metadata__ %s: %g is not a finite non-negative number", path,
                           dkeys[i], secs[i]);
    }
    if (check_rngs(k, rs, rd, (long)step, path, e)) return e->code;
    if (meta_row(f, path, "row.last", &p->last, e) || meta_row(f, path, "row.best", &p->best, e)) return e->code;
    p->epoch = (int)epoch;
    k->opt->step = (long)step;
    p->samples = (long)samples;
    p->train_s = secs[0];
    p->eval_s = secs[1];
    p->bn_batches = (int64_t)bn;
    p->es.best = secs[2];
    p->es.best_epoch = (int)best_epoch;
    p->es.wait = (int)wait;
    return check_watch(k, p, &init, path, e);
}

/* Step 3 of rm_checkpoint_load: the RNG states rs and rd into k, then the schedule, which must be at
 * p's epoch. */
static int restore_state(const rm_st_file *f, const char *path, const int64_t rs[4], const int64_t rd[4],
                         rm_checkpoint *k, const rm_progress *p, rm_err *e)
{
    for (int i = 0; i < 4; i++) {
        k->shuffle->s[i] = (uint64_t)rs[i];
        k->model->dropout_rng.s[i] = (uint64_t)rd[i];
    }
    const char *sched = rm_st_meta(f, "schedule");
    if (!sched) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ lacks schedule", path);
    if (rm_schedule_restore(k->sched, sched, e)) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        return rm_fail(e, RM_ERR_IO, "%s: __metadata__ schedule: %s", path, msg);
    }
    if (k->sched->epoch != p->epoch)
        return rm_fail(e, RM_ERR_IO, "%s: __metadata__ schedule: at epoch %ld, the state at epoch %d", path,
                       k->sched->epoch, p->epoch);
    return RM_OK;
}

int rm_checkpoint_load(const char *path, rm_checkpoint *k, rm_progress *p, char **config_json, rm_err *e)
{
    rm_st_file f;
    *config_json = NULL;
    if (rm_st_read(&f, path, e)) return e->code;
    int rc = RM_OK;
    const char *fmt = rm_st_meta(&f, "format");
    const char *cfg = rm_st_meta(&f, "config");
    int64_t rs[4], rd[4];
    if (!fmt || strcmp(fmt, STATE_FORMAT) != 0)
        rc = rm_fail(e, RM_ERR_IO, "%s: not a regmnist state file (format '%.64s', expected '%s')", path,
                     fmt ? fmt : "none", STATE_FORMAT);
    else
        rc = check_tensor_set(&f, k, path, e);
    const long long max_epoch = !rc && cfg ? saved_epochs(cfg) : -1;
    if (!rc && max_epoch < 0)
        rc = rm_fail(e, RM_ERR_IO, "%s: __metadata__ config: %s", path, cfg ? "no training.epochs" : "missing");
    if (!rc) rc = load_tensors(&f, path, k, rs, rd, e);
    if (!rc) rc = load_fields(&f, path, max_epoch, rs, rd, k, p, e);
    if (!rc) rc = restore_state(&f, path, rs, rd, k, p, e);
    if (!rc && !(*config_json = strdup(cfg))) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
    rm_st_free(&f);
    return rc;
}

int rm_checkpoint_check(const rm_checkpoint *k, const rm_progress *p, const char *path, rm_err *e)
{
    const long long ep = p->epoch, steps = ep * k->steps_per_epoch, samples = ep * k->samples_per_epoch;
    if (k->opt->step != steps)
        return rm_fail(e, RM_ERR_IO, "%s: optim.step = %ld, but %lld epochs of %ld steps make %lld", path, k->opt->step,
                       ep, k->steps_per_epoch, steps);
    if (p->samples != samples)
        return rm_fail(e, RM_ERR_IO, "%s: samples = %ld, but %lld epochs of %ld samples make %lld", path, p->samples,
                       ep, k->samples_per_epoch, samples);
    if (k->bn_base >= 0 ? p->bn_batches != k->bn_base + steps : p->bn_batches < steps)
        return rm_fail(e, RM_ERR_IO, "%s: bn_batches = %lld, but %lld epochs of %ld steps make %s%lld", path,
                       (long long)p->bn_batches, ep, k->steps_per_epoch, k->bn_base >= 0 ? "" : "at least ",
                       (long long)(k->bn_base >= 0 ? k->bn_base + steps : steps));
    return RM_OK;
}
