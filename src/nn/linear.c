/* linear.c - fully connected layer, PyTorch nn.Linear layout: W (OUT, IN), b (OUT). */
#include <stddef.h>

#include "rm_gemm.h"
#include "rm_layers.h"

RM_VECTORIZE
void rm_tile_fill_bias(float *y, int ld, const float *b, int r0, int r1, int c0, int c1)
{
    /* y (., ld): rows [r0,r1), columns [c0,c1) = b[c0..c1) */
    for (int i = r0; i < r1; i++) {
        float *yr = y + (long)i * ld; // (ld)
        for (int j = c0; j < c1; j++) yr[j] = b[j];
    }
}

RM_VECTORIZE
void rm_tile_colsum(const float *x, int ld, int B, int c0, int c1, float *s, int acc)
{
    /* x (B, ld); s (ld): s[j] = (acc ? s[j] : 0) + x[0][j] + x[1][j] + ... in row order */
    if (!acc)
        for (int j = c0; j < c1; j++) s[j] = 0.0f;
    for (int i = 0; i < B; i++) {
        const float *xr = x + (long)i * ld; // (ld)
        for (int j = c0; j < c1; j++) s[j] += xr[j];
    }
}

typedef struct {
    float *y;
    const float *b;
    int out;
} bias_ctx;

static void fill_tile(void *ctx, int r0, int r1, int c0, int c1)
{
    const bias_ctx *c = ctx;
    rm_tile_fill_bias(c->y, c->out, c->b, r0, r1, c0, c1);
}

void rm_linear_forward(const float *x, const float *W, const float *b, float *y, int B, int in, int out)
{
    /* y (B,OUT) = b broadcast, then y += x (B,IN) W^T (IN,OUT), tile by tile */
    bias_ctx c = {y, b, out};
    rm_gemm_op op = {0, 1, B, out, in, 1.0f, 1.0f, x, W, y, RM_SPLIT_AUTO, fill_tile, NULL, &c, 0, 0, 0};
    rm_job j = {0};
    rm_job_add_gemm(&j, &op);
    rm_pool_job(&j);
}

void rm_linear_backward(const float *x, const float *W, const float *dy, float *dx, float *dW, float *db,
                        int B, int in, int out)
{
    /* dW (OUT,IN) += dy^T (OUT,B) x (B,IN) */
    rm_gemm(1, 0, out, in, B, 1.0f, dy, x, 1.0f, dW);
    /* db (OUT) += sum over rows of dy (B,OUT) */
    rm_tile_colsum(dy, out, B, 0, out, db, 1);
    /* dx (B,IN) = dy (B,OUT) W (OUT,IN) */
    if (dx) rm_gemm(0, 0, B, in, out, 1.0f, dy, W, 0.0f, dx);
}

/* Ops: forward fills the tile with the bias (the product then adds x W^T on it); backward is the
 * bias gradient db (+)= sum over rows of g, on whole columns; dW and dx come from the products. */
static void linear_forward(rm_layer *l, const float *x, const rm_tile *t)
{
    (void)x;
    rm_tile_fill_bias(l->y, l->out, l->b, t->r0, t->r1, t->c0, t->c1);
}

static void linear_backward(rm_layer *l, float *g, const rm_tile *t)
{
    rm_tile_colsum(g, l->out, t->B, t->c0, t->c1, l->db, t->acc);
}

const rm_layer_ops rm_linear_ops = {"linear", RM_WHOLE_NONE, RM_WHOLE_NONE, linear_forward, linear_backward, NULL,
                                    NULL};
