/* activation.c - relu, tanh and sigmoid as their own layer; backward uses the saved output. */
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
        for (long i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
        break;
    case RM_ACT_TANH:
        for (long i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        break;
    default:
        for (long i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i]) * y[i];
        break;
    }
}

static void act_forward(rm_layer *l, int B, int train)
{
    (void)train;
    rm_act_forward(l->act, l->x, l->y, (long)B * l->out);
}

static void act_backward(rm_layer *l, int B, int need_dx)
{
    if (need_dx) rm_act_backward(l->act, l->y, l->dy, l->dx, (long)B * l->out);
}

const rm_layer_ops rm_activation_ops = {"activation", act_forward, act_backward};
