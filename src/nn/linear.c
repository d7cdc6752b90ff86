/* linear.c - fully connected layer, PyTorch nn.Linear layout: W (OUT, IN), b (OUT). */
#include <stddef.h>

#include "rm_gemm.h"
#include "rm_layers.h"

RM_VECTORIZE
void rm_linear_forward(const float *x, const float *W, const float *b, float *y, int B, int in, int out)
{
    /* y (B,OUT) = b broadcast, then y += x (B,IN) W^T (IN,OUT) */
    for (int i = 0; i < B; i++) {
        float *yr = y + (long)i * out; // (OUT)
        for (int j = 0; j < out; j++) yr[j] = b[j];
    }
    rm_gemm(0, 1, B, out, in, 1.0f, x, W, 1.0f, y);
}

RM_VECTORIZE
void rm_linear_backward(const float *x, const float *W, const float *dy, float *dx, float *dW, float *db,
                        int B, int in, int out)
{
    /* dW (OUT,IN) += dy^T (OUT,B) x (B,IN) */
    rm_gemm(1, 0, out, in, B, 1.0f, dy, x, 1.0f, dW);
    /* db (OUT) += sum over rows of dy (B,OUT) */
    for (int i = 0; i < B; i++) {
        const float *dr = dy + (long)i * out; // (OUT)
        for (int j = 0; j < out; j++) db[j] += dr[j];
    }
    /* dx (B,IN) = dy (B,OUT) W (OUT,IN) */
    if (dx) rm_gemm(0, 0, B, in, out, 1.0f, dy, W, 0.0f, dx);
}

static void linear_forward(rm_layer *l, int B, int train)
{
    (void)train;
    rm_linear_forward(l->x, l->w, l->b, l->y, B, l->in, l->out);
}

static void linear_backward(rm_layer *l, int B, int need_dx)
{
    rm_linear_backward(l->x, l->w, l->dy, need_dx ? l->dx : NULL, l->dw, l->db, B, l->in, l->out);
}

const rm_layer_ops rm_linear_ops = {"linear", linear_forward, linear_backward};
