/* batchnorm.c - BatchNorm1d over (B, N) with PyTorch's eps 1e-5 and momentum 0.1. Every statistic
 * is a column's own sum over the rows in row order, so columns can be done in any tiles. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "rm_layers.h"

/* One row of the normalization: xhat = (x - mu) * invstd, y = xhat * gamma + beta (a function of
 * its own, with restrict arguments, so the loop vectorizes). */
static inline void bn_norm_row(const float *restrict x, float *restrict xhat, float *restrict y,
                               const float *restrict mu, const float *restrict invstd, const float *restrict gamma,
                               const float *restrict beta, int n)
{
    for (int j = 0; j < n; j++) {
        const float h = (x[j] - mu[j]) * invstd[j];
        xhat[j] = h;
        y[j] = h * gamma[j] + beta[j];
    }
}

RM_VECTORIZE
void rm_tile_bn_train(const float *x, int ld, int B, int c0, int c1, const float *gamma, const float *beta, float *y,
                      float *xhat, float *mu, float *invstd, float *run_mean, float *run_var)
{
    /* x, y, xhat: (B, ld); gamma, beta, mu, invstd, run_mean, run_var: (ld); columns [c0, c1). All
     * distinct buffers: restrict lets every loop vectorize without alias checks. */
    float *restrict m = mu, *restrict is = invstd, *restrict rmean = run_mean, *restrict rvar = run_var;
    const float *restrict g = gamma, *restrict bt = beta;
    /* Column sums row by row so the inner loop is contiguous; float sums suffice for these sizes
     * but the mean and variance are accumulated in two passes for accuracy. */
    for (int j = c0; j < c1; j++) m[j] = 0.0f;
    for (int i = 0; i < B; i++) {
        const float *restrict xr = x + (long)i * ld; // (ld)
        for (int j = c0; j < c1; j++) m[j] += xr[j];
    }
    for (int j = c0; j < c1; j++) m[j] /= (float)B;
    float *restrict var = is; /* reuse: biased variance, then 1/sqrt(var + eps) */
    for (int j = c0; j < c1; j++) var[j] = 0.0f;
    for (int i = 0; i < B; i++) {
        const float *restrict xr = x + (long)i * ld; // (ld)
        for (int j = c0; j < c1; j++) {
            float d = xr[j] - m[j];
            var[j] += d * d;
        }
    }
    const float unbias = B > 1 ? (float)B / (float)(B - 1) : 1.0f;
    for (int j = c0; j < c1; j++) {
        float v = var[j] / (float)B;
        rmean[j] = (1.0f - RM_BN_MOMENTUM) * rmean[j] + RM_BN_MOMENTUM * m[j];
        rvar[j] = (1.0f - RM_BN_MOMENTUM) * rvar[j] + RM_BN_MOMENTUM * v * unbias;
        is[j] = 1.0f / sqrtf(v + RM_NORM_EPS);
    }
    for (int i = 0; i < B; i++) {
        const long o = (long)i * ld + c0;
        bn_norm_row(x + o, xhat + o, y + o, m + c0, is + c0, g + c0, bt + c0, c1 - c0);
    }
}

void rm_batchnorm_forward_train(const float *x, const float *gamma, const float *beta, float *y, float *xhat,
                                float *mu, float *invstd, float *run_mean, float *run_var, int B, int N)
{
    rm_tile_bn_train(x, N, B, 0, N, gamma, beta, y, xhat, mu, invstd, run_mean, run_var);
}

RM_VECTORIZE
void rm_tile_bn_eval(const float *x, int ld, int r0, int r1, int c0, int c1, const float *gamma, const float *beta,
                     const float *run_mean, const float *run_var, float *y)
{
    /* x, y: (., ld), distinct; gamma, beta, run_mean, run_var: (ld) */
    for (int i = r0; i < r1; i++) {
        const float *restrict xr = x + (long)i * ld; // (ld)
        float *restrict yr = y + (long)i * ld;       // (ld)
        for (int j = c0; j < c1; j++)
            yr[j] = (xr[j] - run_mean[j]) / sqrtf(run_var[j] + RM_NORM_EPS) * gamma[j] + beta[j];
    }
}

void rm_batchnorm_forward_eval(const float *x, const float *gamma, const float *beta, const float *run_mean,
                               const float *run_var, float *y, int B, int N)
{
    rm_tile_bn_eval(x, N, 0, B, 0, N, gamma, beta, run_mean, run_var, y);
}

RM_VECTORIZE
void rm_tile_bn_backward(float *t, const float *xhat, int ld, int B, int c0, int c1, const float *gamma,
                         const float *invstd, float *dgamma, float *dbeta, float *work, int acc)
{
    /* t, xhat: (B, ld), t = dy in, dx out; gamma, invstd, dgamma, dbeta: (ld); work: (2 ld) scratch;
     * all distinct */
    float *restrict sum_dy = work, *restrict sum_dyh = work + ld; // (ld) each
    const float *restrict g = gamma, *restrict is = invstd;
    for (int j = c0; j < c1; j++) sum_dy[j] = sum_dyh[j] = 0.0f;
    for (int i = 0; i < B; i++) {
        const float *restrict dr = t + (long)i * ld;    // (ld)
        const float *restrict hr = xhat + (long)i * ld; // (ld)
        for (int j = c0; j < c1; j++) {
            sum_dy[j] += dr[j];
            sum_dyh[j] += dr[j] * hr[j];
        }
    }
    for (int j = c0; j < c1; j++) {
        dgamma[j] = acc ? dgamma[j] + sum_dyh[j] : sum_dyh[j];
        dbeta[j] = acc ? dbeta[j] + sum_dy[j] : sum_dy[j];
    }
    /* dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)) */
    const float inv_b = 1.0f / (float)B;
    for (int i = 0; i < B; i++) {
        float *restrict xr = t + (long)i * ld;          // (ld)
        const float *restrict hr = xhat + (long)i * ld; // (ld)
        for (int j = c0; j < c1; j++)
            xr[j] = g[j] * is[j] * (xr[j] - sum_dy[j] * inv_b - hr[j] * sum_dyh[j] * inv_b);
    }
}

RM_VECTORIZE
void rm_batchnorm_backward(const float *dy, const float *xhat, const float *gamma, const float *invstd,
                           float *dx, float *dgamma, float *dbeta, float *work, int B, int N)
{
    /* dy, xhat, dx: (B,N); gamma, invstd, dgamma, dbeta: (N); work: (2N) scratch */
    float *sum_dy = work, *sum_dyh = work + N; // (N) each
    for (int j = 0; j < N; j++) sum_dy[j] = sum_dyh[j] = 0.0f;
    for (int i = 0; i < B; i++) {
        const float *dr = dy + (long)i * N;   // (N)
        const float *hr = xhat + (long)i * N; // (N)
        for (int j = 0; j < N; j++) {
            sum_dy[j] += dr[j];
            sum_dyh[j] += dr[j] * hr[j];
        }
    }
    for (int j = 0; j < N; j++) {
        dgamma[j] += sum_dyh[j];
        dbeta[j] += sum_dy[j];
    }
    if (!dx) return;
    const float inv_b = 1.0f / (float)B;
    for (int i = 0; i < B; i++) {
        const float *dr = dy + (long)i * N;   // (N)
        const float *hr = xhat + (long)i * N; // (N)
        float *xr = dx + (long)i * N;         // (N)
        for (int j = 0; j < N; j++)
            xr[j] = gamma[j] * invstd[j] * (dr[j] - sum_dy[j] * inv_b - hr[j] * sum_dyh[j] * inv_b);
    }
}

/* Ops: training statistics need whole columns of the batch; eval mode works on any tile. */
static void batchnorm_forward(rm_layer *l, const float *x, const rm_tile *t)
{
    if (t->train)
        rm_tile_bn_train(x, l->out, t->B, t->c0, t->c1, l->w, l->b, l->y, l->xhat, l->mu, l->invstd, l->run_mean,
                         l->run_var);
    else
        rm_tile_bn_eval(x, l->out, t->r0, t->r1, t->c0, t->c1, l->w, l->b, l->run_mean, l->run_var, l->y);
}

static void batchnorm_backward(rm_layer *l, float *g, const rm_tile *t)
{
    rm_tile_bn_backward(g, l->xhat, l->out, t->B, t->c0, t->c1, l->w, l->invstd, l->dw, l->db, l->mu, t->acc);
}

const rm_layer_ops rm_batchnorm_ops = {"batchnorm", RM_WHOLE_COLS, RM_WHOLE_NONE, batchnorm_forward,
                                       batchnorm_backward, NULL, NULL};
