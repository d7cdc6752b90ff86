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
    /* g: (B, out), columns [c0, c1) of every row, in place: dx = dy * f'(x) from the saved y */
    for (int i = 0; i < t->B; i++) {
        const long off = (long)i * l->out + t->c0;
        rm_act_backward(l->act, l->y + off, g + off, g + off, t->c1 - t->c0);
    }
}

const rm_layer_ops rm_activation_ops = {"activation", RM_WHOLE_NONE, RM_WHOLE_NONE, activation_forward,
                                        activation_backward, NULL, NULL};
