/* rm_params.h - named tensors in one flat buffer, gradients at identical offsets. */
#ifndef RM_PARAMS_H
#define RM_PARAMS_H

#include <stddef.h>

#include "rm_common.h"

#define RM_MAX_TENSORS 80

/* One registered tensor: a name, its place in the flat buffer and whether penalties apply. */
typedef struct rm_tensor_info {
    char name[48];
    size_t off, n;
    int rows, cols; /* shape (rows, cols); vectors have rows = 1 */
    int decay;      /* 1 for weights (always penalized), 0 for biases and norm affine */
} rm_tensor_info;

/* A registry of tensors: data (n) and, for parameters, grad (n) at the same offsets. */
typedef struct rm_params {
    float *data; /* (n) */
    float *grad; /* (n), NULL for buffers such as running statistics */
    size_t n;
    int count;
    int grad_zero; /* 1: every gradient is zero but grad is not cleared yet (rm_params_zero_grad) */
    rm_tensor_info t[RM_MAX_TENSORS];
} rm_params;

/* Register a (rows, cols) tensor; returns its offset, or (size_t)-1 with an error. */
size_t rm_params_add(rm_params *p, const char *name, int rows, int cols, int decay, rm_err *e);

/* Allocate data (and grad when with_grad) for every registered tensor. */
int rm_params_alloc(rm_params *p, int with_grad, rm_err *e);

/* Find a tensor by exact name; NULL when absent. */
const rm_tensor_info *rm_params_find(const rm_params *p, const char *name);

/* The number of values in the registered tensors (n less the alignment padding). */
size_t rm_params_numel(const rm_params *p);

/* Zero every gradient. Lazily: marks grad_zero, and the next writer (rm_penalty with add_grad,
 * rm_model_backward) writes its values instead of adding them, saving a pass over the buffer.
 * Read grad only after one of them ran, or call rm_params_grad_clear first. */
void rm_params_zero_grad(rm_params *p);

/* Clear a pending zero_grad now (memset), so grad holds zeros. */
void rm_params_grad_clear(rm_params *p);

/* Release the buffers. */
void rm_params_free(rm_params *p);

#endif
