/* optim.c - torch.optim.SGD / Adam / AdamW (1.13, single-tensor path) on flat buffers. */
#include "rm_optim.h"

#include <math.h>
#include <string.h>

int rm_optim_from_name(const char *name)
{
    if (strcmp(name, "sgd") == 0) return RM_OPT_SGD;
    if (strcmp(name, "adam") == 0) return RM_OPT_ADAM;
    if (strcmp(name, "adamw") == 0) return RM_OPT_ADAMW;
    return -1;
}

int rm_optim_init(rm_optim *o, const rm_optim_cfg *cfg, size_t n, rm_err *e)
{
    memset(o, 0, sizeof *o);
    o->cfg = *cfg;
    o->n = n;
    if (cfg->kind != RM_OPT_SGD || cfg->momentum != 0.0f) {
        o->m = rm_alloc(n, sizeof(float), "optimizer state", e);
        if (!o->m) return e->code;
    }
    if (cfg->kind != RM_OPT_SGD) {
        o->v = rm_alloc(n, sizeof(float), "optimizer state", e);
        if (!o->v) return e->code;
    }
    return RM_OK;
}

static void sgd_step(rm_optim *o, float *w, const float *g)
{
    /* d = g + wd*w; buf = d on the first step, else momentum*buf + d;
     * d = nesterov ? d + momentum*buf : buf; w -= lr*d */
    const rm_optim_cfg *c = &o->cfg;
    const float lr = c->lr, wd = c->weight_decay, mu = c->momentum;
    const size_t n = o->n;
    float *buf = o->m;
    if (mu == 0.0f) {
        for (size_t i = 0; i < n; i++) w[i] -= lr * (g[i] + wd * w[i]);
        return;
    }
    const int first = o->step == 1;
    for (size_t i = 0; i < n; i++) {
        float d = g[i] + wd * w[i];
        float b = first ? d : mu * buf[i] + d;
        buf[i] = b;
        d = c->nesterov ? d + mu * b : b;
        w[i] -= lr * d;
    }
}

static void adam_step(rm_optim *o, float *w, const float *g)
{
    /* Adam: d = g + wd*w (AdamW instead decays w *= 1 - lr*wd); m = b1*m + (1-b1)*d;
     * v = b2*v + (1-b2)*d^2; w -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps) */
    const rm_optim_cfg *c = &o->cfg;
    const int decoupled = c->kind == RM_OPT_ADAMW;
    const float wd = c->weight_decay, b1 = c->beta1, b2 = c->beta2, eps = c->eps;
    const double t = (double)o->step;
    const float step_size = (float)((double)c->lr / (1.0 - pow((double)b1, t)));
    const float bc2_sqrt = (float)sqrt(1.0 - pow((double)b2, t));
    const float decay = 1.0f - c->lr * wd;
    const size_t n = o->n;
    float *m = o->m, *v = o->v;
    for (size_t i = 0; i < n; i++) {
        float d = g[i];
        float wi = w[i];
        if (decoupled)
            wi *= decay;
        else
            d += wd * wi;
        m[i] = b1 * m[i] + (1.0f - b1) * d;
        v[i] = b2 * v[i] + (1.0f - b2) * d * d;
        w[i] = wi - step_size * m[i] / (sqrtf(v[i]) / bc2_sqrt + eps);
    }
}

void rm_optim_step(rm_optim *o, float *w, const float *g)
{
    o->step++;
    if (o->cfg.kind == RM_OPT_SGD)
        sgd_step(o, w, g);
    else
        adam_step(o, w, g);
}

void rm_optim_free(rm_optim *o)
{
    rm_free(o->m);
    rm_free(o->v);
    o->m = o->v = NULL;
}
