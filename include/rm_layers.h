/* rm_layers.h - layer kinds: plain forward/backward kernels plus a small ops table each. */
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

/* What every layer kind provides; passed by pointer. */
typedef struct rm_layer_ops {
    const char *kind;
    /* y = f(x) for B samples; train selects train-mode behaviour (dropout, batch statistics). */
    void (*forward)(rm_layer *l, int B, int train);
    /* dx from dy and adds into the parameter gradients; dx is skipped when need_dx is 0. */
    void (*backward)(rm_layer *l, int B, int need_dx);
} rm_layer_ops;

/* One layer with its buffers; shapes are per batch of B samples. */
struct rm_layer {
    const rm_layer_ops *ops;
    int in, out;           /* features per sample in and out */
    const float *x;        /* (B, in) input, the previous layer's y */
    float *y;              /* (B, out) output */
    const float *dy;       /* (B, out) gradient of the loss w.r.t. y */
    float *dx;             /* (B, in) gradient w.r.t. x */
    float *w, *b;          /* linear: W (out, in), b (out); norms: gamma (out), beta (out) */
    float *dw, *db;        /* gradients at the same shapes */
    float *run_mean;       /* batchnorm (out) running mean */
    float *run_var;        /* batchnorm (out) running (unbiased) variance */
    float *xhat;           /* norms: (B, out) normalized input kept for backward */
    float *mu, *invstd;    /* batchnorm: mu (2*out, second half scratch), invstd (out); layernorm: (B) */
    uint8_t *mask;         /* dropout: (B, out) keep mask */
    const uint8_t *fixed_mask; /* dropout: (B, out) mask supplied by the caller (tests), or NULL */
    float p;               /* dropout rate */
    int act;               /* activation kind */
    rm_rng *rng;           /* dropout mask stream */
};

/* Ops tables, one per layer kind. */
extern const rm_layer_ops rm_linear_ops;
extern const rm_layer_ops rm_activation_ops;
extern const rm_layer_ops rm_dropout_ops;
extern const rm_layer_ops rm_batchnorm_ops;
extern const rm_layer_ops rm_layernorm_ops;

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

/* Dropout: draw a keep mask (keep with probability 1-p) for n values from rng. */
void rm_dropout_mask(rm_rng *rng, float p, uint8_t *mask, long n);
/* Dropout: y = x * mask / (1-p) (inverted dropout). */
void rm_dropout_forward(const float *x, const uint8_t *mask, float p, float *y, long n);
/* Dropout backward: dx = dy * mask / (1-p). */
void rm_dropout_backward(const uint8_t *mask, float p, const float *dy, float *dx, long n);

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

#endif
