/* penalty.c - L1 and L2 penalties added to the loss, over weights unless biases are included. */
#include <math.h>

#include "rm_loss.h"

RM_VECTORIZE
double rm_penalty(rm_params *p, float l1, float l2, int all, int add_grad)
{
    double s1 = 0.0, s2 = 0.0;
    for (int k = 0; k < p->count; k++) {
        const rm_tensor_info *t = &p->t[k];
        if (!t->decay && !all) continue;
        const float *w = p->data + t->off; // (n)
        float *g = p->grad + t->off;       // (n)
        /* 8 independent double lanes: vectorizable without reassociating a single sum */
        double a1[8] = {0}, a2[8] = {0};
        size_t i = 0;
        for (; i + 8 <= t->n; i += 8)
            for (int k = 0; k < 8; k++) {
                a1[k] += fabsf(w[i + k]);
                a2[k] += (double)w[i + k] * w[i + k];
            }
        for (; i < t->n; i++) {
            a1[0] += fabsf(w[i]);
            a2[0] += (double)w[i] * w[i];
        }
        for (int k = 0; k < 8; k++) {
            s1 += a1[k];
            s2 += a2[k];
        }
        if (!add_grad) continue;
        const float two_l2 = 2.0f * l2;
        for (i = 0; i < t->n; i++) {
            float sign = (float)((w[i] > 0.0f) - (w[i] < 0.0f));
            g[i] += l1 * sign + two_l2 * w[i];
        }
    }
    return (double)l1 * s1 + (double)l2 * s2;
}
