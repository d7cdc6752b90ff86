/* optim.c - torch.optim.SGD / Adam / AdamW (1.13, single-tensor path) on flat buffers. */
#include "rm_optim.h"

#include <math.h>
#include <string.h>

#include "rm_pool.h"

int rm_optim_from_name(const char *name)
{
    if (strcmp(name, "sgd") == 0) return RM_OPT_SGD;
    if (strcmp(name, "adam") == 0) return RM_OPT_ADAM;
    if (strcmp(name, "adamw") == 0) return RM_OPT_ADAMW;
    return -1;
}

int rm_optim_buffers(const rm_optim_cfg *cfg)
{
    return (cfg->kind != RM_OPT_SGD || cfg->momentum != 0.0f) + (cfg->kind != RM_OPT_SGD);
}

int rm_optim_init(rm_optim *o, const rm_optim_cfg *cfg, size_t n, rm_err *e)
{
    memset(o, 0, sizeof *o);
    o->cfg = *cfg;
    o->n = n;
    const int buffers = rm_optim_buffers(cfg);
    if (buffers >= 1) {
        o->m = rm_alloc(n, sizeof(float), "optimizer state", e);
        if (!o->m) return e->code;
    }
    if (buffers == 2) {
        o->v = rm_alloc(n, sizeof(float), "optimizer state", e);
        if (!o->v) return e->code;
    }
    return RM_OK;
}

RM_VECTORIZE
static void sgd_kernel(float *restrict w, const float *restrict g, float *restrict buf, size_t n, float lr, float wd,
                       float mu, int first, int nesterov)
{
    /* w, g, buf: (n). d = g + wd*w; buf = d on the first step, else mu*buf + d;
     * d = nesterov ? d + mu*buf : buf; w -= lr*d */
    if (!buf) {
        for (size_t i = 0; i < n; i++) w[i] = w[i] + (-lr) * (g[i] + wd * w[i]);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        float d = g[i] + wd * w[i];
        float b = first ? d : mu * buf[i] + d;
        buf[i] = b;
        d = nesterov ? d + mu * b : b;
        w[i] = w[i] + (-lr) * d;
    }
}

/* One update's arguments, shared by the threads that each take a slice [begin, end). */
typedef struct {
    const rm_optim *o;
    float *w;
    const float *g;
    float step_size, bc2_sqrt, wd, decay;
} step_job;

static void sgd_range(void *ctx, long b, long e)
{
    const step_job *j = ctx;
    const rm_optim_cfg *c = &j->o->cfg;
    sgd_kernel(j->w + b, j->g + b, j->o->m ? j->o->m + b : NULL, (size_t)(e - b), c->lr, c->weight_decay,
               c->momentum, j->o->step == 1, c->nesterov);
}

RM_VECTORIZE
static void adam_kernel(float *restrict w, const float *restrict g, float *restrict m, float *restrict v, size_t n,
                        float b1, float b2, float eps, float wd, float decay, float step_size, float bc2_sqrt)
{
    /* w, g, m, v: (n) */
    for (size_t i = 0; i < n; i++) {
        float wi = w[i] * decay;
        float d = g[i] + wd * wi;
        m[i] = b1 * m[i] + (1.0f - b1) * d;
        v[i] = b2 * v[i] + (1.0f - b2) * d * d;
        w[i] = wi - step_size * m[i] / (sqrtf(v[i]) / bc2_sqrt + eps);
    }
}

static void adam_range(void *ctx, long b, long e)
{
    const step_job *j = ctx;
    const rm_optim_cfg *c = &j->o->cfg;
    adam_kernel(j->w + b, j->g + b, j->o->m + b, j->o->v + b, (size_t)(e - b), c->beta1, c->beta2, c->eps, j->wd,
                j->decay, j->step_size, j->bc2_sqrt);
}

static void adam_step(rm_optim *o, float *w, const float *g)
{
    /* Adam: d = g + wd*w (AdamW instead decays w *= 1 - lr*wd); m = b1*m + (1-b1)*d;
     * v = b2*v + (1-b2)*d^2; w -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps) */
    const rm_optim_cfg *c = &o->cfg;
    const int decoupled = c->kind == RM_OPT_ADAMW;
    const float b1 = c->beta1, b2 = c->beta2;
    /* Branch-free: Adam adds wd*w to the gradient, AdamW scales w by 1 - lr*wd (x*1 and g + 0*w
     * are exact for finite values). */
    const float wd = decoupled ? 0.0f : c->weight_decay;
    const float decay = decoupled ? 1.0f - c->lr * c->weight_decay : 1.0f;
    const double t = (double)o->step;
    const float step_size = (float)((double)c->lr / (1.0 - pow((double)b1, t)));
    const float bc2_sqrt = (float)sqrt(1.0 - pow((double)b2, t));
    step_job j = {o, w, g, step_size, bc2_sqrt, wd, decay};
    rm_pool_run(adam_range, &j, (long)o->n, 4096);
}

void rm_optim_step(rm_optim *o, float *w, const float *g)
{
    o->step++;
    if (o->cfg.kind == RM_OPT_SGD) {
        step_job j = {o, w, g, 0, 0, 0, 0};
        rm_pool_run(sgd_range, &j, (long)o->n, 4096);
    } else
        adam_step(o, w, g);
}

void rm_optim_free(rm_optim *o)
{
    rm_free(o->m);
    rm_free(o->v);
    o->m = o->v = NULL;
}
