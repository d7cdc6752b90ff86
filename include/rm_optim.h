/* rm_optim.h - SGD (momentum, nesterov, weight decay), Adam and AdamW as in torch.optim 1.13. */
#ifndef RM_OPTIM_H
#define RM_OPTIM_H

#include "rm_common.h"
#include "rm_params.h"

/* Optimizer kinds (config "optimizer.name"). */
enum { RM_OPT_SGD = 0, RM_OPT_ADAM = 1, RM_OPT_ADAMW = 2 };

/* Hyper-parameters, PyTorch names and meanings. */
typedef struct rm_optim_cfg {
    int kind;
    float lr, momentum, beta1, beta2, eps, weight_decay;
    int nesterov;
} rm_optim_cfg;

/* Optimizer state: buffers at the same offsets as the parameters. */
typedef struct rm_optim {
    rm_optim_cfg cfg;
    long step;  /* steps taken */
    float *m;   /* (n) SGD momentum buffer or Adam exp_avg */
    float *v;   /* (n) Adam exp_avg_sq; NULL for SGD */
    size_t n;
} rm_optim;

/* Optimizer kind from its config name, or -1. */
int rm_optim_from_name(const char *name);

/* The state buffers of n floats the optimizer keeps: 0 (SGD), 1 (SGD with momentum) or 2 (Adam, AdamW). */
int rm_optim_buffers(const rm_optim_cfg *cfg);

/* Allocate state for n parameters (zeroed; step 0). */
int rm_optim_init(rm_optim *o, const rm_optim_cfg *cfg, size_t n, rm_err *e);

/* One update of w (n) from g (n); g is read-only. */
void rm_optim_step(rm_optim *o, float *w, const float *g);

/* Release the state. */
void rm_optim_free(rm_optim *o);

#endif
