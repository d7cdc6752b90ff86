/* activation.c - relu, tanh and sigmoid; backward uses the saved output, as PyTorch does. */
#include <math.h>
#include <string.h>

#include "rm_layers.h"

int rm_act_from_name(const char *name)
{
    if (strcmp(name, "relu") == 0) return RM_ACT_RELU;
    if (strcmp(name, "tanh") == 0) return RM_ACT_TANH;
    if (strcmp(name, "sigmoid") == 0) return RM_ACT_SIGMOID;
    return -1;
}

RM_VECTORIZE
void rm_act_forward(int act, const float *x, float *y, long n)
{
    /* x, y: (n) */
    switch (act) {
    case RM_ACT_RELU:
        for (long i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case RM_ACT_TANH:
        for (long i = 0; i < n; i++) y[i] = tanhf(x[i]);
        break;
    default:
        for (long i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
        break;
    }
}

RM_VECTORIZE
void rm_act_backward(int act, const float *y, const float *dy, float *dx, long n)
{
    /* y, dy, dx: (n); dx = dy * f'(x) written in terms of y = f(x), as PyTorch does */
    switch (act) {
    case RM_ACT_RELU:
        for (long i = 0; i < n; i++) {
            const float d = dy[i]; /* loaded unconditionally, so the loop vectorizes */
            dx[i] = y[i] > 0.0f ? d : 0.0f;
        }
        break;
    case RM_ACT_TANH:
        for (long i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        break;
    default:
        for (long i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i]) * y[i];
        break;
    }
}

RM_VECTORIZE
static void act_dropout_backward_row(int act, const float *restrict a, const float *restrict mask, float *restrict t,
                                     long n)
{
    /* a, mask, t: (n). t = dy in, dx out: dropout's dy * mask first, then the activation's factor,
     * the two steps rounded as the separate layers round them. */
    if (mask)
        for (long i = 0; i < n; i++) t[i] = t[i] * mask[i];
    switch (act) {
    case RM_ACT_RELU:
        for (long i = 0; i < n; i++) {
            const float d = t[i];
            t[i] = a[i] > 0.0f ? d : 0.0f;
        }
        break;
    case RM_ACT_TANH:
        for (long i = 0; i < n; i++) t[i] = t[i] * (1.0f - a[i] * a[i]);
        break;
    default:
        for (long i = 0; i < n; i++) t[i] = t[i] * (1.0f - a[i]) * a[i];
        break;
    }
}

void rm_tile_act_dropout_backward(int act, const float *a, const float *mask, float *t, int ld, int r0, int r1,
                                  int c0, int c1)
{
    for (int i = r0; i < r1; i++) {
        const long off = (long)i * ld + c0;
        act_dropout_backward_row(act, a + off, mask ? mask + off : NULL, t + off, c1 - c0);
    }
}

/* Ops: the activation of a tile, and its derivative (from the saved output) on whole columns. */
static void activation_forward(rm_layer *l, const float *x, const rm_tile *t)
{
    for (int i = t->r0; i < t->r1; i++) {
        const long off = (long)i * l->out + t->c0;
        rm_act_forward(l->act, x + off, l->y + off, t->c1 - t->c0);
    }
}

static void activation_backward(rm_layer *l, float *g, const rm_tile *t)
{
    rm_tile_act_dropout_backward(l->act, l->y, NULL, g, l->out, 0, t->B, t->c0, t->c1);
}

const rm_layer_ops rm_activation_ops = {"activation", RM_WHOLE_NONE, RM_WHOLE_NONE, activation_forward,
                                        activation_backward, NULL, NULL};
