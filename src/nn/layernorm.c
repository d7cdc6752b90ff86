/* layernorm.c - LayerNorm over each sample's features, eps 1e-5, elementwise affine. A row's
 * statistics are its own; the parameter gradients are column sums over the rows in row order. */
#include <math.h>
#include <stddef.h>

#include "rm_layers.h"

RM_VECTORIZE
void rm_tile_ln_rows(const float *x, int N, int r0, int r1, const float *gamma, const float *beta, float *y,
                     float *xhat, float *mu, float *invstd)
{
    /* x, y, xhat: (B,N) rows [r0,r1); gamma, beta: (N); mu, invstd: (B) */
    for (int i = r0; i < r1; i++) {
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

void rm_layernorm_forward(const float *x, const float *gamma, const float *beta, float *y, float *xhat,
                          float *mu, float *invstd, int B, int N)
{
    rm_tile_ln_rows(x, N, 0, B, gamma, beta, y, xhat, mu, invstd);
}

RM_VECTORIZE
void rm_tile_ln_backward_rows(const float *dy, const float *xhat, int N, int r0, int r1, const float *gamma,
                              const float *invstd, float *dx)
{
    /* dy, xhat, dx: (B,N) rows [r0,r1); gamma: (N); invstd: (B) */
    const float inv_n = 1.0f / (float)N;
    for (int i = r0; i < r1; i++) {
        const float *dr = dy + (long)i * N;   // (N)
        const float *hr = xhat + (long)i * N; // (N)
        float *xr = dx + (long)i * N;         // (N)
        float s1 = 0.0f, s2 = 0.0f;           /* sum g, sum g*xhat with g = dy*gamma */
        for (int j = 0; j < N; j++) {
            float g = dr[j] * gamma[j];
            s1 += g;
            s2 += g * hr[j];
        }
        for (int j = 0; j < N; j++) xr[j] = invstd[i] * (dr[j] * gamma[j] - s1 * inv_n - hr[j] * s2 * inv_n);
    }
}

RM_VECTORIZE
void rm_tile_ln_backward_params(const float *dy, const float *xhat, int ld, int B, int c0, int c1, float *dgamma,
                                float *dbeta, int acc)
{
    /* dy, xhat: (B, ld); dgamma, dbeta: (ld), columns [c0, c1) */
    if (!acc)
        for (int j = c0; j < c1; j++) dgamma[j] = dbeta[j] = 0.0f;
    for (int i = 0; i < B; i++) {
        const float *dr = dy + (long)i * ld;   // (ld)
        const float *hr = xhat + (long)i * ld; // (ld)
        for (int j = c0; j < c1; j++) {
            dgamma[j] += dr[j] * hr[j];
            dbeta[j] += dr[j];
        }
    }
}

void rm_layernorm_backward(const float *dy, const float *xhat, const float *gamma, const float *invstd,
                           float *dx, float *dgamma, float *dbeta, int B, int N)
{
    /* dy, xhat, dx: (B,N); gamma, dgamma, dbeta: (N); invstd: (B) */
    rm_tile_ln_backward_params(dy, xhat, N, B, 0, N, dgamma, dbeta, 1);
    if (dx) rm_tile_ln_backward_rows(dy, xhat, N, 0, B, gamma, invstd, dx);
}

/* Ops: a row's statistics need the whole row; backward runs as two passes (rows, then columns). */
static void layernorm_forward(rm_layer *l, const float *x, const rm_tile *t)
{
    rm_tile_ln_rows(x, l->out, t->r0, t->r1, l->w, l->b, l->y, l->xhat, l->mu, l->invstd);
}

static void layernorm_backward_rows(rm_layer *l, const float *g, float *dx, const rm_tile *t)
{
    rm_tile_ln_backward_rows(g, l->xhat, l->out, t->r0, t->r1, l->w, l->invstd, dx);
}

static void layernorm_backward_cols(rm_layer *l, const float *g, const rm_tile *t)
{
    rm_tile_ln_backward_params(g, l->xhat, l->out, t->B, t->c0, t->c1, l->dw, l->db, t->acc);
}

const rm_layer_ops rm_layernorm_ops = {"layernorm", RM_WHOLE_ROWS, RM_WHOLE_ROWS, layernorm_forward, NULL,
                                       layernorm_backward_rows, layernorm_backward_cols};
