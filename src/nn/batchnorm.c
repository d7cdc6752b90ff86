/* batchnorm.c - BatchNorm1d over (B, N) with PyTorch's eps 1e-5 and momentum 0.1. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "rm_layers.h"

RM_VECTORIZE
void rm_batchnorm_forward_train(const float *x, const float *gamma, const float *beta, float *y, float *xhat,
                                float *mu, float *invstd, float *run_mean, float *run_var, int B, int N)
{
    /* x, y, xhat: (B,N); gamma, beta, mu, invstd, run_mean, run_var: (N) */
    /* Column sums row by row so the inner loop is contiguous; float sums suffice for these sizes
     * but the mean and variance are accumulated in two passes for accuracy. */
    for (int j = 0; j < N; j++) mu[j] = 0.0f;
    for (int i = 0; i < B; i++) {
        const float *xr = x + (long)i * N; // (N)
        for (int j = 0; j < N; j++) mu[j] += xr[j];
    }
    for (int j = 0; j < N; j++) mu[j] /= (float)B;
    float *var = invstd; /* reuse: (N) biased variance, then 1/sqrt(var + eps) */
    for (int j = 0; j < N; j++) var[j] = 0.0f;
    for (int i = 0; i < B; i++) {
        const float *xr = x + (long)i * N; // (N)
        for (int j = 0; j < N; j++) {
            float d = xr[j] - mu[j];
            var[j] += d * d;
        }
    }
    const float unbias = B > 1 ? (float)B / (float)(B - 1) : 1.0f;
    for (int j = 0; j < N; j++) {
        float v = var[j] / (float)B;
        run_mean[j] = (1.0f - RM_BN_MOMENTUM) * run_mean[j] + RM_BN_MOMENTUM * mu[j];
        run_var[j] = (1.0f - RM_BN_MOMENTUM) * run_var[j] + RM_BN_MOMENTUM * v * unbias;
        invstd[j] = 1.0f / sqrtf(v + RM_NORM_EPS);
    }
    for (int i = 0; i < B; i++) {
        const float *xr = x + (long)i * N; // (N)
        float *hr = xhat + (long)i * N;    // (N)
        float *yr = y + (long)i * N;       // (N)
        for (int j = 0; j < N; j++) {
            hr[j] = (xr[j] - mu[j]) * invstd[j];
            yr[j] = hr[j] * gamma[j] + beta[j];
        }
    }
}

RM_VECTORIZE
void rm_batchnorm_forward_eval(const float *x, const float *gamma, const float *beta, const float *run_mean,
                               const float *run_var, float *y, int B, int N)
{
    /* x, y: (B,N); gamma, beta, run_mean, run_var: (N) */
    for (int i = 0; i < B; i++) {
        const float *xr = x + (long)i * N; // (N)
        float *yr = y + (long)i * N;       // (N)
        for (int j = 0; j < N; j++)
            yr[j] = (xr[j] - run_mean[j]) / sqrtf(run_var[j] + RM_NORM_EPS) * gamma[j] + beta[j];
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
    /* dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)) */
    const float inv_b = 1.0f / (float)B;
    for (int i = 0; i < B; i++) {
        const float *dr = dy + (long)i * N;   // (N)
        const float *hr = xhat + (long)i * N; // (N)
        float *xr = dx + (long)i * N;         // (N)
        for (int j = 0; j < N; j++)
            xr[j] = gamma[j] * invstd[j] * (dr[j] - sum_dy[j] * inv_b - hr[j] * sum_dyh[j] * inv_b);
    }
}

static void bn_forward(rm_layer *l, int B, int train)
{
    if (train)
        rm_batchnorm_forward_train(l->x, l->w, l->b, l->y, l->xhat, l->mu, l->invstd, l->run_mean, l->run_var,
                                   B, l->out);
    else
        rm_batchnorm_forward_eval(l->x, l->w, l->b, l->run_mean, l->run_var, l->y, B, l->out);
}

static void bn_backward(rm_layer *l, int B, int need_dx)
{
    /* mu is (2N): the batch mean in forward, scratch in backward */
    rm_batchnorm_backward(l->dy, l->xhat, l->w, l->invstd, need_dx ? l->dx : NULL, l->dw, l->db, l->mu, B,
                          l->out);
}

const rm_layer_ops rm_batchnorm_ops = {"batchnorm", bn_forward, bn_backward};
