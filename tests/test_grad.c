/* test_grad.c - finite-difference gradient checks for every layer kind, the loss and the penalties.
 * Each check compares the analytic gradient with central differences over the whole tensor by
 * relative L2 error; an all-zero analytic gradient gives error 1 and fails, and a NaN or Inf in the
 * gradient or the objective fails (all checked below). */
#include <stdlib.h>

#include "rm_layers.h"
#include "rm_loss.h"
#include "rm_model.h"
#include "rm_optim.h"
#include "rm_pool.h"
#include "test_util.h"

#define H 1e-2   /* central-difference step (float layers) */
#define TOL 3e-3 /* relative L2 error allowed */

typedef double (*objective_fn)(void *ctx);

/* Relative L2 error between analytic g (n) and d f / d p (n) by central differences. A NaN or Inf
 * on either side gives +Inf, with its index in *bad_at (else -1), so it can never pass. */
static double grad_error(float *p, const float *g, int n, objective_fn f, void *ctx, int *bad_at)
{
    double num2 = 0.0, diff2 = 0.0;
    *bad_at = -1;
    for (int i = 0; i < n; i++) {
        float v = p[i];
        p[i] = v + (float)H;
        double fp = f(ctx);
        p[i] = v - (float)H;
        double fm = f(ctx);
        p[i] = v;
        double num = (fp - fm) / (2.0 * H);
        if (!isfinite(num) || !isfinite(g[i])) {
            *bad_at = i;
            return INFINITY;
        }
        num2 += num * num;
        diff2 += (num - g[i]) * (num - g[i]);
    }
    if (!(num2 >= 1e-12)) return 1e9; /* a degenerate check (zero true gradient) proves nothing */
    return sqrt(diff2 / num2);
}

static int check_grad(const char *what, float *p, const float *g, int n, objective_fn f, void *ctx)
{
    int at;
    double err = grad_error(p, g, n, f, ctx, &at);
    printf("  %-28s rel err %.2e\n", what, err);
    t_checks++;
    if (!(err <= TOL)) {
        t_failures++;
        if (at >= 0)
            fprintf(stderr, "gradient check failed: %s: element %d: analytic %.9g or its finite difference is not "
                    "finite\n", what, at, g[at]);
        else
            fprintf(stderr, "gradient check failed: %s: relative error %.3e > %.1e\n", what, err, TOL);
        return 0;
    }
    return 1;
}

static unsigned rng_state = 12345u;
static float frand(void) /* uniform in [-1, 1) */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / 8388608.0f - 1.0f;
}
static void fill(float *a, int n, float scale)
{
    for (int i = 0; i < n; i++) a[i] = scale * frand();
}
/* Values bounded away from 0, so kinks (relu, |w|) are not crossed by the step. */
static void fill_away(float *a, int n)
{
    for (int i = 0; i < n; i++) {
        float v = frand();
        a[i] = v >= 0 ? 0.1f + v : -0.1f + v;
    }
}
static double dot(const float *a, const float *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

enum { B = 6, IN = 7, OUT = 5 };

/* One context for all layer checks: L = sum(y * R), so dL/dy = R. */
typedef struct {
    int kind, act;
    float x[B * IN], w[OUT * IN], b[OUT], y[B * OUT], r[B * OUT];
    float xhat[B * OUT], mu[2 * OUT + 2 * B], invstd[OUT + B], rm[OUT], rv[OUT];
    float mask[B * OUT]; /* dropout scale mask: 0 or 1/(1-p) */
    int n_in, n_out;
} layer_ctx;

enum { LK_LINEAR, LK_ACT, LK_DROPOUT, LK_BN, LK_LN };

static double layer_obj(void *vc)
{
    layer_ctx *c = vc;
    switch (c->kind) {
    case LK_LINEAR: rm_linear_forward(c->x, c->w, c->b, c->y, B, IN, OUT); break;
    case LK_ACT: rm_act_forward(c->act, c->x, c->y, B * OUT); break;
    case LK_DROPOUT: rm_dropout_forward(c->x, c->mask, c->y, B * OUT); break;
    case LK_BN:
        rm_batchnorm_forward_train(c->x, c->w, c->b, c->y, c->xhat, c->mu, c->invstd, c->rm, c->rv, B, OUT);
        break;
    default: rm_layernorm_forward(c->x, c->w, c->b, c->y, c->xhat, c->mu, c->invstd, B, OUT); break;
    }
    return dot(c->y, c->r, B * OUT);
}

static void test_linear(void)
{
    layer_ctx c = {.kind = LK_LINEAR};
    fill(c.x, B * IN, 1.0f);
    fill(c.w, OUT * IN, 0.5f);
    fill(c.b, OUT, 0.5f);
    fill(c.r, B * OUT, 1.0f);
    float dw[OUT * IN] = {0}, db[OUT] = {0}, dx[B * IN];
    layer_obj(&c);
    rm_linear_backward(c.x, c.w, c.r, dx, dw, db, B, IN, OUT);
    check_grad("linear dW", c.w, dw, OUT * IN, layer_obj, &c);
    check_grad("linear db", c.b, db, OUT, layer_obj, &c);
    check_grad("linear dx", c.x, dx, B * IN, layer_obj, &c);
    /* backward adds into the parameter gradients */
    float dw2[OUT * IN], db2[OUT];
    memcpy(dw2, dw, sizeof dw);
    memcpy(db2, db, sizeof db);
    rm_linear_backward(c.x, c.w, c.r, NULL, dw2, db2, B, IN, OUT);
    CHECK_NEAR(dw2[3], 2.0f * dw[3], 1e-5);
    CHECK_NEAR(db2[1], 2.0f * db[1], 1e-5);
}

static void test_activations(void)
{
    const char *names[] = {"relu dx", "tanh dx", "sigmoid dx"};
    for (int a = 0; a < 3; a++) {
        layer_ctx c = {.kind = LK_ACT, .act = a};
        fill_away(c.x, B * OUT);
        fill(c.r, B * OUT, 1.0f);
        float dx[B * OUT];
        layer_obj(&c);
        rm_act_backward(a, c.y, c.r, dx, B * OUT);
        check_grad(names[a], c.x, dx, B * OUT, layer_obj, &c);
    }
    CHECK(rm_act_from_name("tanh") == RM_ACT_TANH);
    CHECK(rm_act_from_name("gelu") == -1);
}

static void test_dropout(void)
{
    layer_ctx c = {.kind = LK_DROPOUT};
    fill(c.x, B * OUT, 1.0f);
    fill(c.r, B * OUT, 1.0f);
    for (int i = 0; i < B * OUT; i++) c.mask[i] = i % 3 != 0 ? 1.0f / 0.7f : 0.0f;
    float dx[B * OUT];
    layer_obj(&c);
    CHECK_NEAR(c.y[1], c.x[1] / 0.7f, 1e-6);
    CHECK(c.y[0] == 0.0f);
    rm_dropout_backward(c.mask, c.r, dx, B * OUT);
    check_grad("dropout dx", c.x, dx, B * OUT, layer_obj, &c);

    /* counter-based masks: about 1-p kept, the kept value 1/(1-p), and each element a function of
     * (subkey, element) only: drawn whole or in odd pieces, the mask is the same */
    enum { NM = 100000 };
    static float m[NM], pieces[NM], other[NM];
    rm_rng r;
    rm_ctr_seed(&r, 1, RM_STREAM_DROPOUT);
    CHECK(r.s[2] == 0 && rm_ctr_next_draw(&r) == 0 && rm_ctr_next_draw(&r) == 1 && r.s[2] == 2);
    const uint64_t k0 = rm_ctr_subkey(&r, 0, 0), k1 = rm_ctr_subkey(&r, 1, 0), k2 = rm_ctr_subkey(&r, 0, 1);
    CHECK(k0 != k1 && k0 != k2 && k1 != k2);
    const float p = 0.3f;
    rm_dropout_mask(k0, p, 0, m, NM);
    long kept = 0, bad_value = 0;
    for (int i = 0; i < NM; i++) {
        kept += m[i] != 0.0f;
        bad_value += m[i] != 0.0f && m[i] != 1.0f / (1.0f - p);
    }
    CHECK_NEAR(kept / (double)NM, 0.7, 0.01);
    CHECK(bad_value == 0);
    for (long at = 0, len = 1; at < NM; at += len, len = len * 3 % 1000 + 1)
        rm_dropout_mask(k0, p, (uint32_t)at, pieces + at, at + len <= NM ? len : NM - at);
    CHECK(memcmp(m, pieces, sizeof m) == 0);
    /* another draw or another site: independent masks (agreement p^2 + (1-p)^2 = 0.58) */
    const uint64_t keys[2] = {k1, k2};
    for (int d = 0; d < 2; d++) {
        rm_dropout_mask(keys[d], p, 0, other, NM);
        long same = 0, same_next = 0;
        for (int i = 0; i < NM; i++) {
            same += (m[i] != 0.0f) == (other[i] != 0.0f);
            same_next += i + 1 < NM && (m[i] != 0.0f) == (m[i + 1] != 0.0f);
        }
        CHECK_NEAR(same / (double)NM, 0.58, 0.01);
        CHECK_NEAR(same_next / (double)NM, 0.58, 0.01);
    }
    /* the threshold: p = 0 keeps everything, tiny p nearly everything */
    CHECK(rm_dropout_threshold(0.0f) == 0);
    CHECK(rm_dropout_threshold(0.5f) == 2147483648u);
    /* fused tile kernel = activation, then mask, then multiply; the same by rows or by columns */
    enum { TR = 5, TC = 37 };
    float x[TR * TC], a1[TR * TC], a2[TR * TC], m1[TR * TC], m2[TR * TC], d1[TR * TC], d2[TR * TC];
    fill(x, TR * TC, 1.0f);
    rm_tile_act_dropout(RM_ACT_RELU, x, a1, TC, 0, TR, 0, TC, m1, d1, k2, 0.5f, NULL);
    rm_tile_act_dropout(RM_ACT_RELU, x, a2, TC, 0, TR, 0, 16, m2, d2, k2, 0.5f, NULL);
    rm_tile_act_dropout(RM_ACT_RELU, x, a2, TC, 0, 2, 16, TC, m2, d2, k2, 0.5f, NULL);
    rm_tile_act_dropout(RM_ACT_RELU, x, a2, TC, 2, TR, 16, TC, m2, d2, k2, 0.5f, NULL);
    CHECK(memcmp(a1, a2, sizeof a1) == 0 && memcmp(m1, m2, sizeof m1) == 0 && memcmp(d1, d2, sizeof d1) == 0);
    float mm[TR * TC];
    rm_dropout_mask(k2, 0.5f, 0, mm, TR * TC);
    long wrong = 0;
    for (int i = 0; i < TR * TC; i++) wrong += m1[i] != mm[i] || d1[i] != (x[i] > 0 ? x[i] : 0.0f) * mm[i];
    CHECK(wrong == 0);
}

static void test_norm(int kind, const char *name)
{
    layer_ctx c = {.kind = kind};
    fill(c.x, B * OUT, 2.0f);
    fill(c.w, OUT, 1.0f);
    fill(c.b, OUT, 1.0f);
    fill(c.r, B * OUT, 1.0f);
    for (int j = 0; j < OUT; j++) c.rv[j] = 1.0f;
    float dw[OUT] = {0}, db[OUT] = {0}, dx[B * OUT], work[2 * OUT];
    layer_obj(&c);
    if (kind == LK_BN)
        rm_batchnorm_backward(c.r, c.xhat, c.w, c.invstd, dx, dw, db, work, B, OUT);
    else
        rm_layernorm_backward(c.r, c.xhat, c.w, c.invstd, dx, dw, db, B, OUT);
    char what[64];
    snprintf(what, sizeof what, "%s dgamma", name);
    check_grad(what, c.w, dw, OUT, layer_obj, &c);
    snprintf(what, sizeof what, "%s dbeta", name);
    check_grad(what, c.b, db, OUT, layer_obj, &c);
    snprintf(what, sizeof what, "%s dx", name);
    check_grad(what, c.x, dx, B * OUT, layer_obj, &c);
}

static void test_batchnorm_stats(void)
{
    /* One train step on a column (1,2,3,4): mean 2.5, biased var 1.25, unbiased 5/3. */
    float x[4] = {1, 2, 3, 4}, g = 1, b = 0, y[4], xh[4], mu[2], is[1], rm = 0, rv = 1;
    rm_batchnorm_forward_train(x, &g, &b, y, xh, mu, is, &rm, &rv, 4, 1);
    CHECK_NEAR(rm, 0.25, 1e-6);
    CHECK_NEAR(rv, 0.9 + 0.1 * 5.0 / 3.0, 1e-6);
    CHECK_NEAR(y[0], -1.5 / sqrt(1.25 + 1e-5), 1e-5);
    float ye[4];
    rm_batchnorm_forward_eval(x, &g, &b, &rm, &rv, ye, 4, 1);
    CHECK_NEAR(ye[3], (4.0 - 0.25) / sqrt(rv + 1e-5), 1e-5);
}

typedef struct {
    float z[B * 10];
    uint8_t y[B];
    float smoothing;
} xent_ctx;

static double xent_obj(void *vc)
{
    xent_ctx *c = vc;
    return rm_xent(c->z, c->y, B, 10, c->smoothing, NULL, NULL);
}

static void test_xent(void)
{
    xent_ctx c;
    c.smoothing = 0.0f;
    fill(c.z, B * 10, 3.0f);
    for (int i = 0; i < B; i++) c.y[i] = (uint8_t)((i * 7) % 10);
    float dz[B * 10];
    int correct;
    rm_xent(c.z, c.y, B, 10, 0.0f, dz, &correct);
    check_grad("cross-entropy dlogits", c.z, dz, B * 10, xent_obj, &c);
    /* known value: uniform logits give log(10), and large logits stay finite */
    float z[10] = {0}, big[10] = {1000, -1000, 0, 0, 0, 0, 0, 0, 0, 0};
    uint8_t y0 = 3, y1 = 0;
    CHECK_NEAR(rm_xent(z, &y0, 1, 10, 0.0f, NULL, NULL), log(10.0), 1e-6);
    CHECK_NEAR(rm_xent(big, &y1, 1, 10, 0.0f, NULL, &correct), 0.0, 1e-6);
    CHECK(correct == 1);
    /* label smoothing 0.1: the gradient, and a known value: logits (0, ..., 0, 10 at the label) give
     * (1 - s) nll + s/C sum_c nll_c with lse = log(9 + e^10) */
    c.smoothing = 0.1f;
    rm_xent(c.z, c.y, B, 10, c.smoothing, dz, NULL);
    check_grad("cross-entropy dlogits, label smoothing 0.1", c.z, dz, B * 10, xent_obj, &c);
    float peak[10] = {0};
    peak[3] = 10.0f;
    const double lse = log(9.0 + exp(10.0));
    CHECK_NEAR(rm_xent(peak, &y0, 1, 10, 0.1f, NULL, NULL), 0.9 * (lse - 10.0) + 0.01 * (10.0 * lse - 10.0), 1e-5);
}

typedef struct {
    rm_params p;
    float l1, l2;
    int all;
} pen_ctx;

static double pen_obj(void *vc)
{
    pen_ctx *c = vc;
    return rm_penalty(&c->p, c->l1, c->l2, c->all, 0);
}

static void test_penalty(void)
{
    rm_err e;
    pen_ctx c = {{0}, 0, 0, 0};
    rm_params_add(&c.p, "fc0.weight", 4, 5, 1, &e);
    rm_params_add(&c.p, "fc0.bias", 1, 4, 0, &e);
    CHECK(rm_params_alloc(&c.p, 1, &e) == RM_OK);
    fill_away(c.p.data, (int)c.p.n);
    const float l1s[2] = {0.3f, 0.0f}, l2s[2] = {0.0f, 0.7f};
    const char *names[2][2] = {{"l1 penalty (weights)", "l1 penalty (all)"}, {"l2 penalty (weights)", "l2 penalty (all)"}};
    for (int k = 0; k < 2; k++)
        for (int all = 0; all < 2; all++) {
            c.l1 = l1s[k];
            c.l2 = l2s[k];
            c.all = all;
            rm_params_zero_grad(&c.p);
            rm_penalty(&c.p, c.l1, c.l2, all, 1);
            check_grad(names[k][all], c.p.data, c.p.grad, (int)c.p.n, pen_obj, &c);
        }
    /* value: 0.5 * sum|w| + 0.25 * sum w^2 over weights only */
    double s1 = 0, s2 = 0;
    for (int i = 0; i < 20; i++) {
        s1 += fabs(c.p.data[i]);
        s2 += (double)c.p.data[i] * c.p.data[i];
    }
    CHECK_NEAR(rm_penalty(&c.p, 0.5f, 0.25f, 0, 0), 0.5 * s1 + 0.25 * s2, 1e-5);
    rm_params_free(&c.p);
}

/* Whole model: loss = xent(model(x)) + penalty, checked for every parameter tensor. */
typedef struct {
    rm_model m;
    float x[B * IN];
    uint8_t y[B];
    float dl[B * 3];
    float l1, l2;
} model_ctx;

static double model_obj(void *vc)
{
    model_ctx *c = vc;
    memcpy(c->m.input, c->x, sizeof c->x);
    const float *z = rm_model_forward(&c->m, B, 1);
    return rm_xent(z, c->y, B, 3, 0.0f, NULL, NULL) + rm_penalty(&c->m.params, c->l1, c->l2, 1, 0);
}

static void test_model(int norm, int act, const char *label)
{
    model_ctx *c = calloc(1, sizeof *c);
    rm_err e;
    rm_model_spec s = {.in_dim = IN, .classes = 3, .n_hidden = 2, .hidden = {6, 4}, .dropout = {0.25f, 0.5f},
                       .input_dropout = 0.2f, .act = act, .norm = norm};
    CHECK(rm_model_build(&c->m, &s, B, &e) == RM_OK);
    rm_model_init(&c->m, 3);
    /* perturb the norm affine parameters so they are not 1 and 0, and keep every parameter at
     * least 0.02 from 0 so the finite-difference step never crosses the kink of |w| */
    for (size_t i = 0; i < c->m.params.n; i++) {
        float v = c->m.params.data[i] + 0.1f * frand();
        c->m.params.data[i] = fabsf(v) < 0.02f ? copysignf(0.02f + fabsf(v), v) : v;
    }
    fill(c->x, B * IN, 1.5f);
    for (int i = 0; i < B; i++) c->y[i] = (uint8_t)(i % 3);
    c->l1 = 0.01f;
    c->l2 = 0.02f;
    /* fixed dropout masks so the objective is deterministic */
    rm_layer *drops[4];
    int nd = rm_model_dropout_layers(&c->m, drops, 4);
    CHECK(nd == 3);
    static uint8_t masks[3][B * 8];
    for (int d = 0; d < nd; d++) {
        for (int i = 0; i < B * drops[d]->out; i++) masks[d][i] = (uint8_t)((i * 5 + d) % 4 != 0);
        drops[d]->fixed_mask = masks[d];
    }
    model_obj(c);
    const float *z = c->m.layers[c->m.n_layers - 1].y;
    rm_xent(z, c->y, B, 3, 0.0f, c->dl, NULL);
    rm_params_zero_grad(&c->m.params);
    rm_penalty(&c->m.params, c->l1, c->l2, 1, 1);
    rm_model_backward(&c->m, c->dl, B);
    for (int k = 0; k < c->m.params.count; k++) {
        const rm_tensor_info *t = &c->m.params.t[k];
        char what[96];
        snprintf(what, sizeof what, "%s %s", label, t->name);
        check_grad(what, c->m.params.data + t->off, c->m.params.grad + t->off, (int)t->n, model_obj, c);
    }
    rm_model_free(&c->m);
    free(c);
}

/* The checker itself must fail on an all-zero gradient, and on a NaN or Inf anywhere in the analytic
 * gradient or the objective, and must pass the true gradient. */
static int obj_nan_at = -1; /* layer_obj_poisoned is NaN while w[obj_nan_at] is off obj_nan_w */
static float obj_nan_w;
static double layer_obj_poisoned(void *vc)
{
    layer_ctx *c = vc;
    double v = layer_obj(vc);
    return obj_nan_at >= 0 && c->w[obj_nan_at] != obj_nan_w ? NAN : v;
}

static void test_checker_rejects_bad(void)
{
    layer_ctx c = {.kind = LK_LINEAR};
    fill(c.x, B * IN, 1.0f);
    fill(c.w, OUT * IN, 0.5f);
    fill(c.r, B * OUT, 1.0f);
    float zero[OUT * IN] = {0}, g[OUT * IN], dx[B * IN], db[OUT] = {0};
    int at;
    double err = grad_error(c.w, zero, OUT * IN, layer_obj, &c, &at);
    printf("  %-28s rel err %.2e (must fail)\n", "all-zero gradient", err);
    CHECK(err > TOL && at == -1);
    memset(g, 0, sizeof g);
    layer_obj(&c);
    rm_linear_backward(c.x, c.w, c.r, dx, g, db, B, IN, OUT);
    err = grad_error(c.w, g, OUT * IN, layer_obj, &c, &at);
    printf("  %-28s rel err %.2e (must pass)\n", "true gradient", err);
    CHECK(err <= TOL && at == -1);
    const int mid = OUT * IN / 2;
    const float poison[3] = {NAN, INFINITY, -INFINITY};
    const char *names[3] = {"NaN in the gradient", "+Inf in the gradient", "-Inf in the gradient"};
    for (int k = 0; k < 3; k++) {
        float bad[OUT * IN];
        memcpy(bad, g, sizeof bad);
        bad[mid] = poison[k];
        err = grad_error(c.w, bad, OUT * IN, layer_obj, &c, &at);
        printf("  %-28s rel err %.2e (must fail)\n", names[k], err);
        CHECK(!(err <= TOL) && at == mid);
    }
    obj_nan_at = mid;
    obj_nan_w = c.w[mid];
    err = grad_error(c.w, g, OUT * IN, layer_obj_poisoned, &c, &at);
    obj_nan_at = -1;
    printf("  %-28s rel err %.2e (must fail)\n", "NaN objective", err);
    CHECK(!(err <= TOL) && at == mid);
    /* CHECK_NEAR must fail on NaN and Inf; undo those expected failures, count one check each */
    const double odd[3] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++) {
        const int f0 = t_failures, c0 = t_checks;
        fprintf(stderr, "(the next CHECK_NEAR failure is expected)\n");
        CHECK_NEAR(odd[k], 1.0, 1e-3);
        const int flagged = t_failures == f0 + 1;
        t_failures = f0;
        t_checks = c0;
        CHECK(flagged);
    }
}

/* A few training steps (dropout drawn by the model, BatchNorm or LayerNorm, L2, Adam) and an eval
 * pass give the same bits with 1, 2, 3 and 4 threads: product tiles are fixed by the shapes, sums
 * over the batch run in row order, masks depend on (seed, step, site, element) only. Shapes large
 * enough that products are cut into several tiles, and batches of 64, 37 (odd) and 300 (row tiles). */
static void run_steps(int norm, int batch, int threads, float *out /* (n_params + 300 * 10) */, size_t *n_out)
{
    rm_err e;
    rm_model m;
    rm_optim o;
    rm_model_spec s = {.in_dim = 200, .classes = 10, .n_hidden = 2, .hidden = {96, 64}, .dropout = {0.3f, 0.5f},
                       .input_dropout = 0.1f, .act = RM_ACT_RELU, .norm = norm};
    rm_optim_cfg oc = {RM_OPT_ADAM, 1e-3f, 0.0f, 0.9f, 0.999f, 1e-8f, 0.0f, 0};
    CHECK(rm_pool_start(threads, &e) == RM_OK);
    CHECK(rm_model_build(&m, &s, 300, &e) == RM_OK);
    CHECK(rm_optim_init(&o, &oc, m.params.n, &e) == RM_OK);
    rm_model_init(&m, 11);
    static float dl[300 * 10];
    static uint8_t y[300];
    unsigned st = 99;
    for (int step = 0; step < 4; step++) {
        for (int i = 0; i < batch * 200; i++) {
            st = st * 1664525u + 1013904223u;
            m.input[i] = (float)(st >> 8) / 8388608.0f - 1.0f;
        }
        for (int i = 0; i < batch; i++) y[i] = (uint8_t)((i * 7 + step) % 10);
        const float *z = rm_model_forward(&m, batch, 1);
        rm_xent(z, y, batch, 10, 0.0f, dl, NULL);
        rm_params_zero_grad(&m.params);
        rm_penalty(&m.params, 0.0f, 1e-3f, 0, 1);
        rm_model_backward(&m, dl, batch);
        rm_optim_step(&o, m.params.data, m.params.grad);
    }
    memcpy(out, m.params.data, m.params.n * sizeof(float));
    memcpy(out + m.params.n, rm_model_forward(&m, 300, 0), 300 * 10 * sizeof(float));
    *n_out = m.params.n + 300 * 10;
    rm_optim_free(&o);
    rm_model_free(&m);
    rm_pool_stop();
}

static void test_thread_invariance(void)
{
    static float ref[40000], got[40000];
    const int batches[3] = {64, 37, 300};
    for (int norm = 0; norm < 3; norm++)
        for (int b = 0; b < 3; b++) {
            size_t n_ref, n_got;
            run_steps(norm, batches[b], 1, ref, &n_ref);
            for (int t = 2; t <= 4; t++) {
                run_steps(norm, batches[b], t, got, &n_got);
                CHECK(n_got == n_ref && memcmp(ref, got, n_ref * sizeof(float)) == 0);
            }
        }
    printf("  %-28s same bits with 1-4 threads\n", "model steps + eval");
}

/* A penalty over 3.2M values: more tasks than one pool job takes (several windows), the same bits at
 * 1-3 threads, the value of a plain double sum, and the gradient l1 sign(w) + 2 l2 w written in place
 * of a pending zero_grad. */
static void test_penalty_large(void)
{
    rm_err e;
    rm_params p = {0};
    rm_params_add(&p, "fc0.weight", 2000, 1600, 1, &e);
    rm_params_add(&p, "fc0.bias", 1, 2000, 0, &e);
    CHECK(rm_params_alloc(&p, 1, &e) == RM_OK);
    unsigned st = 7;
    for (size_t i = 0; i < p.n; i++) {
        st = st * 1664525u + 1013904223u;
        p.data[i] = (float)(st >> 8) / 8388608.0f - 1.0f;
    }
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < 2000 * 1600; i++) {
        s1 += fabs(p.data[i]);
        s2 += (double)p.data[i] * p.data[i];
    }
    double first = 0.0;
    for (int threads = 1; threads <= 3; threads++) {
        CHECK(rm_pool_start(threads, &e) == RM_OK);
        rm_params_zero_grad(&p);
        const double v = rm_penalty(&p, 0.5f, 0.25f, 0, 1);
        rm_pool_stop();
        if (threads == 1) first = v;
        CHECK(v == first);
        CHECK_NEAR(v, 0.5 * s1 + 0.25 * s2, 1e-9 * (0.5 * s1 + 0.25 * s2));
        const size_t at[3] = {0, 1234567, 2000 * 1600 - 1};
        for (int k = 0; k < 3; k++) {
            const float w = p.data[at[k]];
            CHECK(p.grad[at[k]] == 0.5f * (float)((w > 0.0f) - (w < 0.0f)) + 0.5f * w);
        }
        const rm_tensor_info *bias = &p.t[1]; /* not penalized: its gradient stays zero */
        CHECK(p.grad[bias->off] == 0.0f && p.grad[bias->off + bias->n - 1] == 0.0f);
    }
    printf("  %-28s %zu values, same bits with 1-3 threads\n", "penalty (several windows)", p.n);
    rm_params_free(&p);
}

int main(void)
{
    test_thread_invariance();
    test_penalty_large();
    test_checker_rejects_bad();
    test_linear();
    test_activations();
    test_dropout();
    test_norm(LK_BN, "batchnorm");
    test_norm(LK_LN, "layernorm");
    test_batchnorm_stats();
    test_xent();
    test_penalty();
    test_model(RM_MNORM_BATCH, RM_ACT_TANH, "model(bn,tanh)");
    test_model(RM_MNORM_LAYER, RM_ACT_SIGMOID, "model(ln,sigmoid)");
    test_model(RM_MNORM_NONE, RM_ACT_TANH, "model(plain,tanh)");
    return t_done("test_grad");
}
