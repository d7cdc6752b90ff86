/* rm_model.h - the MLP: [input dropout] (Linear -> Norm -> Activation -> Dropout)* -> Linear. */
#ifndef RM_MODEL_H
#define RM_MODEL_H

#include <stdint.h>

#include "rm_common.h"
#include "rm_layers.h"
#include "rm_params.h"
#include "rm_rng.h"

#define RM_MAX_HIDDEN 16
#define RM_MAX_LAYERS (4 * RM_MAX_HIDDEN + 2)

/* Norm kinds (config "model.norm"). */
enum { RM_MNORM_NONE = 0, RM_MNORM_BATCH = 1, RM_MNORM_LAYER = 2 };

/* What to build. */
typedef struct rm_model_spec {
    int in_dim, classes;
    int n_hidden;
    int hidden[RM_MAX_HIDDEN];   /* widths */
    float dropout[RM_MAX_HIDDEN]; /* rate after each hidden block */
    float input_dropout;          /* rate on the input, 0 for none */
    int act;                      /* RM_ACT_* */
    int norm;                     /* RM_MNORM_* */
} rm_model_spec;

/* A block: a linear layer and what follows it (layer indices, -1 when absent; the output block
 * has its linear layer only). The model runs a block as fused steps: one job of product tiles
 * that also add the bias and apply norm, activation and dropout tile by tile. */
typedef struct rm_block {
    int lin, norm, act, drop;
} rm_block;

/* A built model: layers wired over preallocated buffers for up to max_batch samples. */
typedef struct rm_model {
    rm_model_spec spec;
    int n_layers;
    rm_layer layers[RM_MAX_LAYERS];
    int n_blocks;          /* hidden blocks + the output block */
    rm_block blocks[RM_MAX_HIDDEN + 1];
    int in_drop;           /* the input dropout layer, or -1 */
    int n_drop;            /* dropout layers (sites) */
    rm_params params;      /* fcN.weight, fcN.bias, normN.weight, normN.bias, ..., out.weight, out.bias */
    rm_params buffers;     /* normN.running_mean, normN.running_var */
    int max_batch;
    float *input;          /* (max_batch, in_dim) the batch, filled by the caller */
    float *grad_a, *grad_b; /* (max_batch, max width) backward ping-pong */
    rm_rng dropout_rng;    /* counter-based (rm_ctr_*): key and the number of training passes made */
} rm_model;

/* Build layers and allocate every buffer; parameters start at zero until rm_model_init. */
int rm_model_build(rm_model *m, const rm_model_spec *spec, int max_batch, rm_err *e);

/* The bytes rm_model_build allocates for spec and max_batch (parameters, gradients, buffers and
 * activations), and the parameter and buffer floats in *n_params, *n_buffers (each may be NULL);
 * computed without allocating, in double so that no width overflows. */
double rm_model_bytes(const rm_model_spec *spec, int max_batch, double *n_params, double *n_buffers);

/* PyTorch's default init from the seed's init stream: Linear W, b ~ U(-1/sqrt(in), 1/sqrt(in));
 * norms gamma 1, beta 0; running mean 0, var 1. Also keys the dropout stream. */
void rm_model_init(rm_model *m, uint64_t seed);

/* Forward B <= max_batch samples from m->input; returns the logits (B, classes). A training pass of
 * a model with dropout draws its masks as draw number dropout_rng.s[2] (then counted), element
 * i * width + j of each site, so the masks depend on the seed and the step only. */
const float *rm_model_forward(rm_model *m, int B, int train);

/* Backward from dlogits (B, classes) into m->params.grad (adding to what rm_penalty wrote, or
 * writing when the gradients are marked zero); follows a train forward. */
void rm_model_backward(rm_model *m, const float *dlogits, int B);

/* The dropout layers in order (input dropout first), for tests that feed fixed masks. */
int rm_model_dropout_layers(rm_model *m, rm_layer **out, int max);

/* Release everything. */
void rm_model_free(rm_model *m);

#endif
