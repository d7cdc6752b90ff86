/* rm_layers.h - layer kinds: an ops table each (what the model's fused steps call, tile by tile),
 * and their kernels: whole-batch forward/backward functions, and the tile kernels (a block of rows
 * or columns, with a row stride) that the ops run on the tiles of the products. */
#ifndef RM_LAYERS_H
#define RM_LAYERS_H

#include <stdint.h>

#include "rm_common.h"
#include "rm_rng.h"

/* Activation kinds (config "model.activation"). */
enum { RM_ACT_RELU = 0, RM_ACT_TANH = 1, RM_ACT_SIGMOID = 2 };

/* PyTorch's defaults for the norm layers. */
#define RM_NORM_EPS 1e-5f
#define RM_BN_MOMENTUM 0.1f

typedef struct rm_layer rm_layer;

/* One tile of a training or evaluation step: rows [r0, r1) x columns [c0, c1) of a layer's (B, out)
 * buffers, and what its kernels need to know about the step. */
typedef struct rm_tile {
    int B, r0, r1, c0, c1;
    int train;           /* train mode: batch statistics, dropout */
    int acc;             /* backward: 1 adds into the parameter gradients, 0 writes them (marked zero) */
    const rm_rng *key;   /* dropout: the counter-based key (rm_ctr_*) ... */
    uint64_t draw;       /* ... and this training pass's draw number */
} rm_tile;

/* What a tile must hold whole for a kernel: any block, whole rows, or whole columns of the batch. */
enum { RM_WHOLE_NONE = 0, RM_WHOLE_ROWS = 1, RM_WHOLE_COLS = 2 };

/* What every layer kind provides to the model's fused steps; passed by pointer. A block is a Linear
 * layer and the kinds after it; each runs on the tiles of the block's products as they finish. */
typedef struct rm_layer_ops {
    const char *kind;
    int fwd_whole_train, fwd_whole_eval; /* RM_WHOLE_* a forward tile must hold, by mode */
    /* y = f(x) on a tile; x (B, out) is the previous layer's output. Linear: fills the tile with the
     * bias before the product adds x W^T (rm_gemm). */
    void (*forward)(rm_layer *l, const float *x, const rm_tile *t);
    /* In place on whole columns of g (B, out): the output gradient becomes the input gradient, and
     * the parameter gradients are added (acc) or written. Linear: its bias gradient only (the
     * products give dW and dx). NULL for LayerNorm, which needs the two kernels below. */
    void (*backward)(rm_layer *l, float *g, const rm_tile *t);
    /* LayerNorm: the input gradient into dx on whole rows, then the parameter gradients on whole columns. */
    void (*backward_rows)(rm_layer *l, const float *g, float *dx, const rm_tile *t);
    void (*backward_cols)(rm_layer *l, const float *g, const rm_tile *t);
} rm_layer_ops;

/* Ops tables, one per layer kind. */
extern const rm_layer_ops rm_linear_ops;
extern const rm_layer_ops rm_activation_ops;
extern const rm_layer_ops rm_dropout_ops;
extern const rm_layer_ops rm_batchnorm_ops;
extern const rm_layer_ops rm_layernorm_ops;

/* One layer with its buffers; shapes are per batch of B samples. */
struct rm_layer {
    const rm_layer_ops *ops; /* its kind */
    int in, out;           /* features per sample in and out */
    float *y;              /* (B, out) output; a dropout layer's only in training (eval passes its input on) */
    float *w, *b;          /* linear: W (out, in), b (out); norms: gamma (out), beta (out) */
    float *dw, *db;        /* gradients at the same shapes */
    float *run_mean;       /* batchnorm (out) running mean */
    float *run_var;        /* batchnorm (out) running (unbiased) variance */
    float *xhat;           /* norms: (B, out) normalized input kept for backward */
    float *mu, *invstd;    /* batchnorm: mu (2*out, second half scratch), invstd (out); layernorm: (B) each */
    float *dbuf;           /* layernorm: (B, out) input gradient */
    float *mask;           /* dropout: (B, out) scale mask of the last training pass: 1/(1-p) or 0 */
    const uint8_t *fixed_mask; /* dropout: (B, out) keep mask supplied by the caller (tests), or NULL */
    float p;               /* dropout rate */
    int act;               /* activation kind */
    int site;              /* dropout: its number in the model (input dropout first), for the draws */
};

/* Linear: y (B,OUT) = x (B,IN) W^T + b. */
void rm_linear_forward(const float *x, const float *W, const float *b, float *y, int B, int in, int out);
/* Linear backward: dW += dy^T x, db += sum_rows dy, dx = dy W (dx may be NULL). */
void rm_linear_backward(const float *x, const float *W, const float *dy, float *dx, float *dW, float *db,
                        int B, int in, int out);

/* Activation: y = f(x) elementwise over n values. */
void rm_act_forward(int act, const float *x, float *y, long n);
/* Activation backward from the output y: dx = dy * f'(x). */
void rm_act_backward(int act, const float *y, const float *dy, float *dx, long n);
/* Activation kind from its config name, or -1. */
int rm_act_from_name(const char *name);

/* Dropout draws: the keep threshold of rate p on 32 random bits (keep when bits >= it). */
uint32_t rm_dropout_threshold(float p);
/* Dropout: the scale mask of elements [e0, e0 + n) of a (draw, site) subkey (rm_ctr_subkey): 1/(1-p)
 * with probability 1-p, else 0. Element e's value depends on (subkey, e) only. */
void rm_dropout_mask(uint64_t subkey, float p, uint32_t e0, float *mask, long n);
/* Dropout: y = x * mask (inverted dropout: mask is 0 or 1/(1-p)). */
void rm_dropout_forward(const float *x, const float *mask, float *y, long n);
/* Dropout backward: dx = dy * mask. */
void rm_dropout_backward(const float *mask, const float *dy, float *dx, long n);

/* BatchNorm1d train: batch mean/biased var normalize x (B,N); running stats updated (unbiased var). */
void rm_batchnorm_forward_train(const float *x, const float *gamma, const float *beta, float *y, float *xhat,
                                float *mu, float *invstd, float *run_mean, float *run_var, int B, int N);
/* BatchNorm1d eval: normalize with the running statistics. */
void rm_batchnorm_forward_eval(const float *x, const float *gamma, const float *beta, const float *run_mean,
                               const float *run_var, float *y, int B, int N);
/* BatchNorm1d backward (train mode): dgamma += sum dy*xhat, dbeta += sum dy, dx (may be NULL);
 * work is (2N) scratch. */
void rm_batchnorm_backward(const float *dy, const float *xhat, const float *gamma, const float *invstd,
                           float *dx, float *dgamma, float *dbeta, float *work, int B, int N);

/* LayerNorm over the N features of each of B rows, affine. */
void rm_layernorm_forward(const float *x, const float *gamma, const float *beta, float *y, float *xhat,
                          float *mu, float *invstd, int B, int N);
/* LayerNorm backward: dgamma += sum dy*xhat, dbeta += sum dy, dx (may be NULL). */
void rm_layernorm_backward(const float *dy, const float *xhat, const float *gamma, const float *invstd,
                           float *dx, float *dgamma, float *dbeta, int B, int N);

/* Tile kernels. Matrices are (rows, ld) row-major; a tile is rows [r0, r1) x columns [c0, c1) and
 * per-column vectors are indexed by the global column. Every sum over rows runs in row order, so a
 * column's result does not depend on how the columns are cut into tiles; with acc 0 a gradient is
 * written (the buffer held nothing), with acc 1 the sum starts from what it holds. */

/* y = bias broadcast over the tile. */
void rm_tile_fill_bias(float *y, int ld, const float *b, int r0, int r1, int c0, int c1);
/* s[j] (acc ? += : =) sum over rows [0, B) of x[i][j], for j in [c0, c1). */
void rm_tile_colsum(const float *x, int ld, int B, int c0, int c1, float *s, int acc);
/* Activation (when a is not NULL; else a is x) then dropout (when mask is not NULL) over a tile:
 * a = f(x); mask[e] drawn as rm_dropout_mask for e = i * ld + j (or from fixed, a 0/1 keep mask of
 * the same layout) and d = a * mask. */
void rm_tile_act_dropout(int act, const float *x, float *a, int ld, int r0, int r1, int c0, int c1, float *mask,
                         float *d, uint64_t subkey, float p, const uint8_t *fixed);
/* BatchNorm train over whole columns [c0, c1) of x (B rows). */
void rm_tile_bn_train(const float *x, int ld, int B, int c0, int c1, const float *gamma, const float *beta,
                      float *y, float *xhat, float *mu, float *invstd, float *run_mean, float *run_var);
/* BatchNorm eval over a tile. */
void rm_tile_bn_eval(const float *x, int ld, int r0, int r1, int c0, int c1, const float *gamma,
                     const float *beta, const float *run_mean, const float *run_var, float *y);
/* BatchNorm backward over whole columns, t = dy in, dx out (in place); work (2 * ld) scratch. */
void rm_tile_bn_backward(float *t, const float *xhat, int ld, int B, int c0, int c1, const float *gamma,
                         const float *invstd, float *dgamma, float *dbeta, float *work, int acc);
/* LayerNorm forward over whole rows [r0, r1) of width N. */
void rm_tile_ln_rows(const float *x, int N, int r0, int r1, const float *gamma, const float *beta, float *y,
                     float *xhat, float *mu, float *invstd);
/* LayerNorm input gradient over whole rows (dx may not alias dy). */
void rm_tile_ln_backward_rows(const float *dy, const float *xhat, int N, int r0, int r1, const float *gamma,
                              const float *invstd, float *dx);
/* LayerNorm parameter gradients over whole columns. */
void rm_tile_ln_backward_params(const float *dy, const float *xhat, int ld, int B, int c0, int c1,
                                float *dgamma, float *dbeta, int acc);

#endif
