/* layernorm.c - LayerNorm over each sample's features, eps 1e-5, elementwise affine. */
#include <math.h>
#include <stddef.h>

#include "rm_layers.h"

RM_VECTORIZE
void rm_layernorm_forward(const float *x, const float *gamma, const float *beta, float *y, float *xhat,
                          float *mu, float *invstd, int B, int N)
{
    /* x, y, xhat: (B,N); gamma, beta: (N); mu, invstd: (B) */
    for (int i = 0; i < B; i++) {
        const float *xr = x + (long)i * N; // (N)
        float *hr = xhat + (long)i * N;    // (N)
        float *yr = y + (long)i * N;       // (N)
        float m = 0.0f;
        for (int j = 0; j < N; j++) m += xr[j];
        m /= (float)N;
        float v = 0.0f;
        for (int j = 0; j < N; j++) {
            float d = xr[j] - m;
            v += d * d;
        }
        v /= (float)N;
        float is = 1.0f / sqrtf(v + RM_NORM_EPS);
        mu[i] = m;
        invstd[i] = is;
        for (int j = 0; j < N; j++) {
            hr[j] = (xr[j] - m) * is;
            yr[j] = hr[j] * gamma[j] + beta[j];
        }
    }
}

RM_VECTORIZE
void rm_layernorm_backward(const float *dy, const float *xhat, const float *gamma, const float *invstd,
                           float *dx, float *dgamma, float *dbeta, int B, int N)
{
    /* dy, xhat, dx: (B,N); gamma, dgamma, dbeta: (N); invstd: (B) */
    for (int i = 0; i < B; i++) {
        const float *dr = dy + (long)i * N;   // (N)
        const float *hr = xhat + (long)i * N; // (N)
        float s1 = 0.0f, s2 = 0.0f;           /* sum g, sum g*xhat with g = dy*gamma */
        for (int j = 0; j < N; j++) {
            dgamma[j] += dr[j] * hr[j];
            dbeta[j] += dr[j];
            float g = dr[j] * gamma[j];
            s1 += g;
            s2 += g * hr[j];
        }
        if (!dx) continue;
        float *xr = dx + (long)i * N; // (N)
        const float inv_n = 1.0f / (float)N;
        for (int j = 0; j < N; j++)
            xr[j] = invstd[i] * (dr[j] * gamma[j] - s1 * inv_n - hr[j] * s2 * inv_n);
    }
}

static void ln_forward(rm_layer *l, int B, int train)
{
    (void)train;
    rm_layernorm_forward(l->x, l->w, l->b, l->y, l->xhat, l->mu, l->invstd, B, l->out);
}

static void ln_backward(rm_layer *l, int B, int need_dx)
{
    rm_layernorm_backward(l->dy, l->xhat, l->w, l->invstd, need_dx ? l->dx : NULL, l->dw, l->db, B, l->out);
}

const rm_layer_ops rm_layernorm_ops = {"layernorm", ln_forward, ln_backward};
