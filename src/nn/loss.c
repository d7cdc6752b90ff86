/* loss.c - fused, numerically stable softmax cross-entropy (mean over the batch), with PyTorch's
 * label smoothing: loss_i = (1-s) (lse - z_y) + s/C sum_c (lse - z_c). */
#include <math.h>

#include "rm_loss.h"

double rm_xent(const float *logits, const uint8_t *labels, int B, int C, float smoothing, float *dlogits,
               int *correct)
{
    /* logits, dlogits: (B,C); labels: (B) */
    double total = 0.0;
    int ok = 0;
    const float inv_b = 1.0f / (float)B;
    const float off = smoothing / (float)C * inv_b; /* the smoothed target's share of every class, / B */
    for (int i = 0; i < B; i++) {
        const float *z = logits + (long)i * C; // (C)
        int arg = 0;
        float mx = z[0];
        for (int c = 1; c < C; c++)
            if (z[c] > mx) {
                mx = z[c];
                arg = c;
            }
        float s = 0.0f;
        for (int c = 0; c < C; c++) s += expf(z[c] - mx);
        float lse = logf(s);
        int y = labels[i];
        const float nll = lse - (z[y] - mx);
        if (smoothing > 0.0f) {
            float all = 0.0f; /* sum_c (lse - z_c) */
            for (int c = 0; c < C; c++) all += lse - (z[c] - mx);
            total += (double)((1.0f - smoothing) * nll + smoothing / (float)C * all);
        } else {
            total += (double)nll;
        }
        ok += arg == y;
        if (dlogits) {
            float *d = dlogits + (long)i * C; // (C)
            for (int c = 0; c < C; c++) d[c] = expf(z[c] - mx - lse) * inv_b - off;
            d[y] -= (1.0f - smoothing) * inv_b;
        }
    }
    if (correct) *correct = ok;
    return total / B;
}
