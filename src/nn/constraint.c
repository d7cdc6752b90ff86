/* constraint.c - what acts on the parameters or gradients around the optimizer step rather than
 * through the loss: gradient-norm clipping before it and the max-norm constraint after it. Both
 * follow PyTorch's formulas (clip_grad_norm_, renorm) and sum in a fixed order, so their results do
 * not depend on the thread count. */
#include <math.h>
#include <string.h>

#include "rm_loss.h"

double rm_clip_grad_norm(rm_params *p, float max_norm)
{
    /* grad (n): PyTorch takes each tensor's 2-norm, then the 2-norm of those norms */
    double sq = 0.0;
    for (int k = 0; k < p->count; k++) {
        const float *g = p->grad + p->t[k].off;
        double s = 0.0;
        for (size_t i = 0; i < p->t[k].n; i++) s += (double)g[i] * g[i];
        const float nk = (float)sqrt(s);
        sq += (double)nk * nk;
    }
    const float total = (float)sqrt(sq);
    if (max_norm > 0.0f) {
        const float coef = max_norm / (total + 1e-6f);
        if (coef < 1.0f) /* PyTorch multiplies by min(coef, 1); by 1 changes nothing */
            for (int k = 0; k < p->count; k++) {
                float *g = p->grad + p->t[k].off;
                for (size_t i = 0; i < p->t[k].n; i++) g[i] *= coef;
            }
    }
    return total;
}

void rm_max_norm(rm_params *p, float c, const char *skip)
{
    for (int k = 0; k < p->count; k++) {
        const rm_tensor_info *t = &p->t[k];
        if (!t->decay || (skip && strcmp(t->name, skip) == 0)) continue;
        for (int r = 0; r < t->rows; r++) {
            float *w = p->data + t->off + (size_t)r * t->cols; // (cols) the incoming weights of unit r
            double s = 0.0;
            for (int i = 0; i < t->cols; i++) s += (double)w[i] * w[i];
            const float norm = (float)sqrt(s);
            if (norm > c) {
                const float scale = c / (norm + 1e-7f);
                for (int i = 0; i < t->cols; i++) w[i] *= scale;
            }
        }
    }
}
