/* dropout.c - inverted dropout (scale 1/(1-p) in training, identity in eval) with masks from the
 * counter-based generator: element e of a (draw, site) is kept when rm_ctr_bits(subkey, e) >=
 * ceil(p * 2^32), so any thread can draw any part of a mask and the split never changes it.
 * p = 1 drops everything, as PyTorch's does: the mask is all zeros (no 1/0 scale). */
#include <math.h>
#include <string.h>

#include "rm_layers.h"

uint32_t rm_dropout_threshold(float p)
{
    /* keep probability (2^32 - t) / 2^32 = 1 - p to within 2^-32, for p in [0, 1); p = 1 is
     * dropout_scale's 0 */
    double t = ceil((double)p * 4294967296.0);
    return t >= 4294967295.0 ? 4294967295u : (uint32_t)t;
}

/* The kept elements' scale 1/(1-p); 0 for p = 1, where every element is dropped. */
static float dropout_scale(float p)
{
    return p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
}

RM_VECTORIZE
static void mask_kernel(uint64_t subkey, uint32_t thr, float scale, uint32_t e0, float *mask, const float *a,
                        float *d, long n)
{
    /* mask, a, d: (n); d (and a) may be NULL */
    if (d) {
        for (long i = 0; i < n; i++) {
            float m = rm_ctr_bits(subkey, e0 + (uint32_t)i) >= thr ? scale : 0.0f;
            mask[i] = m;
            d[i] = a[i] * m;
        }
    } else {
        for (long i = 0; i < n; i++) mask[i] = rm_ctr_bits(subkey, e0 + (uint32_t)i) >= thr ? scale : 0.0f;
    }
}

void rm_dropout_mask(uint64_t subkey, float p, uint32_t e0, float *mask, long n)
{
    mask_kernel(subkey, rm_dropout_threshold(p), dropout_scale(p), e0, mask, NULL, NULL, n);
}

RM_VECTORIZE
void rm_dropout_forward(const float *x, const float *mask, float *y, long n)
{
    /* x, mask, y: (n) */
    for (long i = 0; i < n; i++) y[i] = x[i] * mask[i];
}

RM_VECTORIZE
void rm_dropout_backward(const float *mask, const float *dy, float *dx, long n)
{
    /* mask, dy, dx: (n) */
    for (long i = 0; i < n; i++) dx[i] = dy[i] * mask[i];
}

void rm_tile_act_dropout(int act, const float *x, float *a, int ld, int r0, int r1, int c0, int c1, float *mask,
                         float *d, uint64_t subkey, float p, const uint8_t *fixed)
{
    /* x, a, mask, d, fixed: (., ld) */
    const long n = c1 - c0;
    const float scale = dropout_scale(p);
    const uint32_t thr = rm_dropout_threshold(p);
    for (int i = r0; i < r1; i++) {
        const long off = (long)i * ld + c0;
        const float *ar = x + off;
        if (a) {
            rm_act_forward(act, x + off, a + off, n);
            ar = a + off;
        }
        if (!mask) continue;
        if (fixed) {
            for (long k = 0; k < n; k++) mask[off + k] = fixed[off + k] ? scale : 0.0f;
            rm_dropout_forward(ar, mask + off, d + off, n);
        } else {
            mask_kernel(subkey, thr, scale, (uint32_t)off, mask + off, ar, d + off, n);
        }
    }
}

/* Ops: forward draws this pass's mask on the tile (element i * out + j of the layer's site) and
 * scales; backward multiplies the gradient by the same mask. */
static void dropout_forward(rm_layer *l, const float *x, const rm_tile *t)
{
    const uint64_t subkey = rm_ctr_subkey(t->key, t->draw, (uint32_t)l->site);
    rm_tile_act_dropout(0, x, NULL, l->out, t->r0, t->r1, t->c0, t->c1, l->mask, l->y, subkey, l->p, l->fixed_mask);
}

static void dropout_backward(rm_layer *l, float *g, const rm_tile *t)
{
    /* g: (B, out), columns [c0, c1) of every row, in place */
    for (int i = 0; i < t->B; i++) {
        const long off = (long)i * l->out + t->c0;
        rm_dropout_backward(l->mask + off, g + off, g + off, t->c1 - t->c0);
    }
}

const rm_layer_ops rm_dropout_ops = {"dropout", RM_WHOLE_NONE, RM_WHOLE_NONE, dropout_forward, dropout_backward,
                                     NULL, NULL};
