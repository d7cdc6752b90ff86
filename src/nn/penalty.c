/* penalty.c - L1 and L2 penalties added to the loss, over weights unless biases are included.
 * The sums run over fixed blocks of each tensor (partial sums in 8 double lanes), added in block
 * order, so the value does not depend on which thread summed which block. */
#include <math.h>
#include <string.h>

#include "rm_loss.h"
#include "rm_pool.h"

#define BLOCK 8192 /* values per task */

typedef struct {
    rm_params *p;
    float l1, l2;
    int all, add_grad, write; /* write: the gradients are marked zero, so write instead of add */
    int first[RM_MAX_TENSORS + 1]; /* the first task of each tensor */
    double *part;                  /* (2 * tasks) s1, s2 of each task from task `base` on */
    long base;
} pen_job;

/* 8 floats and 8 doubles as GCC vectors, so the sums below are vector code at every target. */
typedef float v8f __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));
typedef long long v8l __attribute__((vector_size(64)));

RM_VECTORIZE
static void block_sums(const float *w, size_t n, double *s1, double *s2)
{
    /* 8 independent double lanes (lane k takes w[k], w[k+8], ...), added in lane order at the end: the
     * same sums as a scalar loop over the lanes, without reassociating any single one */
    v8d a1 = {0}, a2 = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f f;
        memcpy(&f, w + i, sizeof f);
        const v8d x = __builtin_convertvector(f, v8d);
        const v8l mag = (v8l)x & (v8l){0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL,
                                       0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL,
                                       0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
        a1 += (v8d)mag; /* |x| */
        a2 += x * x;
    }
    for (; i < n; i++) {
        a1[0] += fabsf(w[i]);
        a2[0] += (double)w[i] * w[i];
    }
    double x1 = 0.0, x2 = 0.0;
    for (int k = 0; k < 8; k++) {
        x1 += a1[k];
        x2 += a2[k];
    }
    *s1 = x1;
    *s2 = x2;
}

RM_VECTORIZE
static void block_grad(const float *w, float *g, size_t n, float l1, float two_l2, int write)
{
    if (write)
        for (size_t i = 0; i < n; i++) {
            float sign = (float)((w[i] > 0.0f) - (w[i] < 0.0f));
            g[i] = l1 * sign + two_l2 * w[i];
        }
    else
        for (size_t i = 0; i < n; i++) {
            float sign = (float)((w[i] > 0.0f) - (w[i] < 0.0f));
            g[i] += l1 * sign + two_l2 * w[i];
        }
}

static int penalized(const pen_job *j, int k) { return j->p->t[k].decay || j->all; }

static void pen_task(void *ctx, long t)
{
    pen_job *j = ctx;
    int k = 0;
    while (t >= j->first[k + 1]) k++;
    const rm_tensor_info *ti = &j->p->t[k];
    const size_t b = (size_t)(t - j->first[k]) * BLOCK, n = ti->n - b < BLOCK ? ti->n - b : BLOCK;
    const float *w = j->p->data + ti->off + b;
    float *g = j->add_grad ? j->p->grad + ti->off + b : NULL;
    if (!penalized(j, k)) { /* only when writing: the gradient of an unpenalized tensor is zero so far */
        memset(g, 0, n * sizeof(float));
        return;
    }
    block_sums(w, n, &j->part[2 * (t - j->base)], &j->part[2 * (t - j->base) + 1]);
    if (g) block_grad(w, g, n, j->l1, 2.0f * j->l2, j->write);
}

/* Tasks [base, base + count) of a window, numbered from 0 by the pool. */
static void pen_window_task(void *ctx, long t)
{
    const pen_job *j = ctx;
    pen_task(ctx, j->base + t);
}

#define WINDOW 256 /* tasks per pool job: their partial sums live on the stack (no allocation per step) */

double rm_penalty(rm_params *p, float l1, float l2, int all, int add_grad)
{
    double part[2 * WINDOW], s1 = 0.0, s2 = 0.0;
    pen_job j = {p, l1, l2, all, add_grad && p->grad, add_grad && p->grad && p->grad_zero, {0}, part, 0};
    int tasks = 0;
    for (int k = 0; k < p->count; k++) {
        j.first[k] = tasks;
        if (penalized(&j, k) || j.write) tasks += (int)((p->t[k].n + BLOCK - 1) / BLOCK);
    }
    j.first[p->count] = tasks;
    /* windows of tasks, each one pool job, then their partial sums in task order: the same sums
     * whatever the thread count and however many windows a model needs */
    int k = 0;
    for (int t0 = 0; t0 < tasks; t0 += WINDOW) {
        const int t1 = tasks - t0 < WINDOW ? tasks : t0 + WINDOW;
        j.base = t0;
        rm_job job = {0};
        rm_job_add(&job, pen_window_task, &j, t1 - t0);
        rm_pool_job(&job);
        for (int t = t0; t < t1; t++) {
            while (t >= j.first[k + 1]) k++;
            if (penalized(&j, k)) {
                s1 += part[2 * (t - t0)];
                s2 += part[2 * (t - t0) + 1];
            }
        }
    }
    if (j.write) p->grad_zero = 0;
    return (double)l1 * s1 + (double)l2 * s2;
}

size_t rm_penalty_count(const rm_params *p, int all)
{
    size_t n = 0;
    for (int k = 0; k < p->count; k++)
        if (p->t[k].decay || all) n += p->t[k].n;
    return n;
}
