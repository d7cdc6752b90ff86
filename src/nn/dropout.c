/* dropout.c - inverted dropout (scale 1/(1-p) in training, identity in eval). */
#include <string.h>

#include "rm_layers.h"

void rm_dropout_mask(rm_rng *rng, float p, uint8_t *mask, long n)
{
    /* mask (n): 1 = keep, drawn with probability 1-p */
    for (long i = 0; i < n; i++) mask[i] = rm_rng_uniform(rng) >= p;
}

RM_VECTORIZE
void rm_dropout_forward(const float *x, const uint8_t *mask, float p, float *y, long n)
{
    /* x, mask, y: (n) */
    const float scale = 1.0f / (1.0f - p);
    for (long i = 0; i < n; i++) y[i] = mask[i] ? x[i] * scale : 0.0f;
}

RM_VECTORIZE
void rm_dropout_backward(const uint8_t *mask, float p, const float *dy, float *dx, long n)
{
    /* mask, dy, dx: (n) */
    const float scale = 1.0f / (1.0f - p);
    for (long i = 0; i < n; i++) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
}

static void dropout_forward(rm_layer *l, int B, int train)
{
    long n = (long)B * l->out;
    if (!train || l->p == 0.0f) {
        memcpy(l->y, l->x, (size_t)n * sizeof(float));
        return;
    }
    if (l->fixed_mask)
        memcpy(l->mask, l->fixed_mask, (size_t)n);
    else
        rm_dropout_mask(l->rng, l->p, l->mask, n);
    rm_dropout_forward(l->x, l->mask, l->p, l->y, n);
}

static void dropout_backward(rm_layer *l, int B, int need_dx)
{
    long n = (long)B * l->out;
    if (!need_dx) return;
    if (l->p == 0.0f)
        memcpy(l->dx, l->dy, (size_t)n * sizeof(float));
    else
        rm_dropout_backward(l->mask, l->p, l->dy, l->dx, n);
}

const rm_layer_ops rm_dropout_ops = {"dropout", dropout_forward, dropout_backward};
