/* model.c - builds the layer stack over flat parameter buffers and runs it. */
#include "rm_model.h"

#include <math.h>
#include <string.h>

static rm_layer *push(rm_model *m, const rm_layer_ops *ops, int in, int out)
{
    rm_layer *l = &m->layers[m->n_layers++];
    memset(l, 0, sizeof *l);
    l->ops = ops;
    l->in = in;
    l->out = out;
    return l;
}

/* Offsets are recorded while registering; pointers are set once the flat buffers exist. */
typedef struct {
    int layer;
    size_t w, b;
    size_t rm, rv;
} wiring;

static int alloc_floats(float **p, long n, const char *what, rm_err *e)
{
    *p = rm_alloc((size_t)n, sizeof(float), what, e);
    return *p ? RM_OK : e->code;
}

int rm_model_build(rm_model *m, const rm_model_spec *s, int max_batch, rm_err *e)
{
    memset(m, 0, sizeof *m);
    m->spec = *s;
    m->max_batch = max_batch;
    wiring wire[RM_MAX_LAYERS];
    int nw = 0;
    int cur = s->in_dim, max_w = s->in_dim;
    char name[16];
    if (s->input_dropout > 0.0f) {
        rm_layer *l = push(m, &rm_dropout_ops, cur, cur);
        l->p = s->input_dropout;
    }
    m->first_param_layer = m->n_layers;
    for (int i = 0; i <= s->n_hidden; i++) {
        int last = i == s->n_hidden;
        int h = last ? s->classes : s->hidden[i];
        if (h > max_w) max_w = h;
        wiring *w = &wire[nw++];
        w->layer = m->n_layers;
        push(m, &rm_linear_ops, cur, h);
        const char *base = last ? "out" : name;
        char lname[48];
        if (!last) snprintf(name, sizeof name, "fc%d", i);
        snprintf(lname, sizeof lname, "%s.weight", base);
        w->w = rm_params_add(&m->params, lname, h, cur, 1, e);
        snprintf(lname, sizeof lname, "%s.bias", base);
        w->b = rm_params_add(&m->params, lname, 1, h, 0, e);
        if (w->w == (size_t)-1 || w->b == (size_t)-1) return e->code;
        cur = h;
        if (last) break;
        if (s->norm != RM_MNORM_NONE) {
            w = &wire[nw++];
            w->layer = m->n_layers;
            push(m, s->norm == RM_MNORM_BATCH ? &rm_batchnorm_ops : &rm_layernorm_ops, h, h);
            snprintf(lname, sizeof lname, "norm%d.weight", i);
            w->w = rm_params_add(&m->params, lname, 1, h, 0, e);
            snprintf(lname, sizeof lname, "norm%d.bias", i);
            w->b = rm_params_add(&m->params, lname, 1, h, 0, e);
            if (w->w == (size_t)-1 || w->b == (size_t)-1) return e->code;
            w->rm = w->rv = (size_t)-1;
            if (s->norm == RM_MNORM_BATCH) {
                snprintf(lname, sizeof lname, "norm%d.running_mean", i);
                w->rm = rm_params_add(&m->buffers, lname, 1, h, 0, e);
                snprintf(lname, sizeof lname, "norm%d.running_var", i);
                w->rv = rm_params_add(&m->buffers, lname, 1, h, 0, e);
                if (w->rm == (size_t)-1 || w->rv == (size_t)-1) return e->code;
            }
        }
        rm_layer *a = push(m, &rm_activation_ops, h, h);
        a->act = s->act;
        if (s->dropout[i] > 0.0f) {
            rm_layer *d = push(m, &rm_dropout_ops, h, h);
            d->p = s->dropout[i];
        }
    }
    if (rm_params_alloc(&m->params, 1, e)) return e->code;
    if (rm_params_alloc(&m->buffers, 0, e)) return e->code;
    for (int k = 0; k < nw; k++) {
        rm_layer *l = &m->layers[wire[k].layer];
        l->w = m->params.data + wire[k].w;
        l->b = m->params.data + wire[k].b;
        l->dw = m->params.grad + wire[k].w;
        l->db = m->params.grad + wire[k].b;
        if (l->ops == &rm_batchnorm_ops) {
            l->run_mean = m->buffers.data + wire[k].rm;
            l->run_var = m->buffers.data + wire[k].rv;
        }
    }
    const long B = max_batch;
    if (alloc_floats(&m->input, B * s->in_dim, "input batch", e)) return e->code;
    if (alloc_floats(&m->grad_a, B * max_w, "gradient buffer", e)) return e->code;
    if (alloc_floats(&m->grad_b, B * max_w, "gradient buffer", e)) return e->code;
    const float *x = m->input;
    for (int i = 0; i < m->n_layers; i++) {
        rm_layer *l = &m->layers[i];
        l->x = x;
        if (alloc_floats(&l->y, B * l->out, "activations", e)) return e->code;
        if (l->ops == &rm_batchnorm_ops || l->ops == &rm_layernorm_ops) {
            long stat = l->ops == &rm_batchnorm_ops ? l->out : B;
            if (alloc_floats(&l->xhat, B * l->out, "norm cache", e)) return e->code;
            if (alloc_floats(&l->mu, 2 * (stat > l->out ? stat : l->out), "norm statistics", e)) return e->code;
            if (alloc_floats(&l->invstd, stat, "norm statistics", e)) return e->code;
        }
        if (l->ops == &rm_dropout_ops) {
            l->mask = rm_alloc((size_t)(B * l->out), 1, "dropout mask", e);
            if (!l->mask) return e->code;
            l->rng = &m->dropout_rng;
        }
        x = l->y;
    }
    return RM_OK;
}

void rm_model_init(rm_model *m, uint64_t seed)
{
    rm_rng r;
    rm_rng_seed(&r, seed, RM_STREAM_INIT);
    rm_rng_seed(&m->dropout_rng, seed, RM_STREAM_DROPOUT);
    for (int i = 0; i < m->n_layers; i++) {
        rm_layer *l = &m->layers[i];
        if (l->ops == &rm_linear_ops) {
            /* kaiming_uniform_(a=sqrt(5)) gives bound 1/sqrt(fan_in) for W, and the same for b */
            const float bound = 1.0f / sqrtf((float)l->in);
            long nw = (long)l->in * l->out;
            for (long k = 0; k < nw; k++) l->w[k] = bound * (2.0f * rm_rng_uniform(&r) - 1.0f);
            for (int k = 0; k < l->out; k++) l->b[k] = bound * (2.0f * rm_rng_uniform(&r) - 1.0f);
        } else if (l->w) {
            for (int k = 0; k < l->out; k++) {
                l->w[k] = 1.0f;
                l->b[k] = 0.0f;
            }
            if (l->run_var)
                for (int k = 0; k < l->out; k++) {
                    l->run_mean[k] = 0.0f;
                    l->run_var[k] = 1.0f;
                }
        }
    }
}

const float *rm_model_forward(rm_model *m, int B, int train)
{
    for (int i = 0; i < m->n_layers; i++) m->layers[i].ops->forward(&m->layers[i], B, train);
    return m->layers[m->n_layers - 1].y;
}

void rm_model_backward(rm_model *m, const float *dlogits, int B)
{
    const float *dy = dlogits; // (B, classes)
    float *bufs[2] = {m->grad_a, m->grad_b};
    int k = 0;
    for (int i = m->n_layers - 1; i >= m->first_param_layer; i--) {
        rm_layer *l = &m->layers[i];
        int need_dx = i > m->first_param_layer;
        l->dy = dy;
        l->dx = need_dx ? bufs[k] : NULL; // (B, in)
        l->ops->backward(l, B, need_dx);
        dy = l->dx;
        k ^= 1;
    }
}

int rm_model_dropout_layers(rm_model *m, rm_layer **out, int max)
{
    int n = 0;
    for (int i = 0; i < m->n_layers && n < max; i++)
        if (m->layers[i].ops == &rm_dropout_ops) out[n++] = &m->layers[i];
    return n;
}

void rm_model_free(rm_model *m)
{
    for (int i = 0; i < m->n_layers; i++) {
        rm_layer *l = &m->layers[i];
        rm_free(l->y);
        rm_free(l->xhat);
        rm_free(l->mu);
        rm_free(l->invstd);
        rm_free(l->mask);
    }
    rm_params_free(&m->params);
    rm_params_free(&m->buffers);
    rm_free(m->input);
    rm_free(m->grad_a);
    rm_free(m->grad_b);
    memset(m, 0, sizeof *m);
}
