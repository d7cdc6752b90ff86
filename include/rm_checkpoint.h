/* rm_checkpoint.h - state.safetensors: everything needed to resume a run bit for bit. */
#ifndef RM_CHECKPOINT_H
#define RM_CHECKPOINT_H

#include <stdint.h>

#include "rm_model.h"
#include "rm_optim.h"
#include "rm_rng.h"
#include "rm_schedule.h"
#include "rm_train.h"

/* What a checkpoint holds besides the progress: the live tensors of a run. best_params and
 * best_buffers may be NULL (no early stopping); scratch holds n_train int64 values. */
typedef struct rm_checkpoint {
    rm_model *model;
    rm_optim *opt;
    rm_rng *shuffle;
    uint32_t *train_idx; /* (n_train) the current epoch order, shuffled in place */
    uint32_t n_train;
    float *best_params;  /* (model->params.n) */
    float *best_buffers; /* (model->buffers.n) */
    int64_t *scratch;    /* (n_train) */
    rm_schedule *sched;  /* the learning-rate schedule's state */
} rm_checkpoint;

/* Write the state atomically to path, with the resolved config text for checks on resume. */
int rm_checkpoint_save(const char *path, const rm_checkpoint *k, const rm_progress *p, const char *config_json,
                       rm_err *e);

/* Read path into k's tensors and p; every size must match k's (else RM_ERR_IO naming the tensor).
 * *config_json gets a malloc'd copy of the saved config text (free with free()). */
int rm_checkpoint_load(const char *path, rm_checkpoint *k, rm_progress *p, char **config_json, rm_err *e);

#endif
