/* test_dropout_one.c - dropout with p = 1 (issue 12), as PyTorch's Dropout(1.0): in training the layer
 * outputs zeros (no 1/(1-p) = inf scale, so no NaN or Inf anywhere), the mask is all zeros, no
 * gradient reaches the layers below it, and the logits are the output bias; a model still trains
 * (the output bias moves). p = 0.5 is checked beside it so that each check can fail. */
#include <math.h>
#include <stdlib.h>

#include "rm_layers.h"
#include "rm_loss.h"
#include "rm_model.h"
#include "rm_optim.h"
#include "rm_pool.h"
#include "test_util.h"

enum { N = 4096 };

static void test_mask(void)
{
    static float mask[N];
    int nonzero = 0, finite = 1;
    rm_dropout_mask(0x1234567890abcdefULL, 1.0f, 0, mask, N);
    for (int i = 0; i < N; i++) {
        nonzero += mask[i] != 0.0f;
        finite &= isfinite(mask[i]) != 0;
    }
    CHECK(nonzero == 0 && finite);
    rm_dropout_mask(0x1234567890abcdefULL, 0.5f, 0, mask, N);
    nonzero = 0;
    for (int i = 0; i < N; i++) nonzero += mask[i] == 2.0f;
    CHECK(nonzero > N / 2 - 200 && nonzero < N / 2 + 200);
}

static void test_tile(void)
{
    enum { R = 8, C = 64 };
    static float x[R * C], a[R * C], m[R * C], d[R * C];
    for (int i = 0; i < R * C; i++) x[i] = (float)((i * 37) % 101) - 50.0f;
    for (int p = 0; p < 2; p++) {
        const float rate = p ? 1.0f : 0.5f;
        rm_tile_act_dropout(RM_ACT_TANH, x, a, C, 0, R, 0, C, m, d, 77, rate, NULL);
        int zeros = 0, finite = 1;
        for (int i = 0; i < R * C; i++) {
            zeros += d[i] == 0.0f && m[i] == 0.0f;
            finite &= isfinite(d[i]) && isfinite(m[i]);
        }
        CHECK(finite);
        CHECK(p ? zeros == R * C : zeros < R * C);
    }
}

static void test_model(void)
{
    enum { B = 16, D = 4, K = 3, H = 8 };
    rm_err e;
    rm_model m;
    rm_optim o;
    rm_model_spec s = {.in_dim = D, .classes = K, .n_hidden = 1, .hidden = {H}, .dropout = {1.0f}, .act = RM_ACT_RELU};
    rm_optim_cfg oc = {RM_OPT_SGD, 0.1f, 0.0f, 0.9f, 0.999f, 1e-8f, 0.0f, 0};
    CHECK(rm_pool_start(2, &e) == RM_OK);
    CHECK(rm_model_build(&m, &s, B, &e) == RM_OK);
    CHECK(rm_optim_init(&o, &oc, m.params.n, &e) == RM_OK);
    rm_model_init(&m, 5);
    const rm_tensor_info *ob = rm_params_find(&m.params, "out.bias"), *w0 = rm_params_find(&m.params, "fc0.weight");
    CHECK(ob && w0);
    if (!ob || !w0) return;
    static float dl[B * K], bias0[K], fc0[D * H];
    uint8_t y[B];
    memcpy(bias0, m.params.data + ob->off, sizeof bias0);
    memcpy(fc0, m.params.data + w0->off, sizeof fc0);
    for (int i = 0; i < B * D; i++) m.input[i] = (float)(i % 7) - 3.0f;
    for (int i = 0; i < B; i++) y[i] = (uint8_t)(i % K);
    const float *z = rm_model_forward(&m, B, 1); // (B, K)
    int as_bias = 1;
    for (int i = 0; i < B; i++)
        for (int k = 0; k < K; k++) as_bias &= z[i * K + k] == bias0[k];
    CHECK(as_bias);
    double loss = rm_xent(z, y, B, K, 0.0f, dl, NULL);
    CHECK(isfinite(loss));
    rm_params_zero_grad(&m.params);
    rm_model_backward(&m, dl, B);
    int finite = 1, fc0_grad_zero = 1;
    for (size_t i = 0; i < m.params.n; i++) finite &= isfinite(m.params.grad[i]) != 0;
    for (size_t i = 0; i < w0->n; i++) fc0_grad_zero &= m.params.grad[w0->off + i] == 0.0f;
    CHECK(finite && fc0_grad_zero);
    rm_optim_step(&o, m.params.data, m.params.grad);
    CHECK(memcmp(fc0, m.params.data + w0->off, sizeof fc0) == 0);       /* nothing reaches fc0 */
    CHECK(memcmp(bias0, m.params.data + ob->off, sizeof bias0) != 0);   /* the output bias learns */
    /* eval mode is the identity: the hidden units count again */
    z = rm_model_forward(&m, B, 0);
    int differs = 0;
    for (int i = 0; i < B * K; i++) differs += z[i] != m.params.data[ob->off + (size_t)(i % K)];
    CHECK(differs > 0);
    rm_optim_free(&o);
    rm_model_free(&m);
    rm_pool_stop();
}

int main(void)
{
    test_mask();
    test_tile();
    test_model();
    return t_done("test_dropout_one");
}
