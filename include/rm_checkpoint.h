/* rm_checkpoint.h - state.safetensors: everything needed to resume a run bit for bit. */
#ifndef RM_CHECKPOINT_H
#define RM_CHECKPOINT_H

#include <stdint.h>

#include "rm_model.h"
#include "rm_optim.h"
#include "rm_rng.h"
#include "rm_schedule.h"
#include "rm_progress.h"

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
    uint32_t n_images;   /* images in the training data: train_idx's values are below it */
    long steps_per_epoch, samples_per_epoch; /* a training epoch's optimizer steps and samples */
    int64_t bn_base;     /* bn_batches before the first epoch (model.init_from's), or -1 when unknown */
} rm_checkpoint;

/* Write the state atomically to path, with the resolved config text for checks on resume. */
int rm_checkpoint_save(const char *path, const rm_checkpoint *k, const rm_progress *p, const char *config_json,
                       rm_err *e);

/* A copy of everything rm_checkpoint_save writes, taken at an epoch end without allocating, so that the
 * epoch can still be written after the live tensors have moved on (a run interrupted between saves). */
typedef struct rm_checkpoint_copy {
    float *params, *buffers, *m, *v, *best_params, *best_buffers; /* sized as k's; NULL where k has none */
    uint32_t *train_idx;                                          /* (n_train) the epoch order */
    rm_rng shuffle, dropout;
    rm_schedule sched;
    long step;                                                    /* optim.step */
    rm_progress p;
    int held; /* 1 when it holds an epoch that no save has written yet */
} rm_checkpoint_copy;

/* Allocate c's arrays for k's tensors (RM_ERR_RUN when out of memory); it holds nothing yet. */
int rm_checkpoint_copy_init(rm_checkpoint_copy *c, const rm_checkpoint *k, rm_err *e);

/* Copy k's tensors and p into c (no allocation); c then holds them (held = 1). */
void rm_checkpoint_copy_take(rm_checkpoint_copy *c, const rm_checkpoint *k, const rm_progress *p);

/* Write c to path as rm_checkpoint_save would have written k and p when c was taken (k's scratch is
 * used); held = 0 once written. */
int rm_checkpoint_copy_save(const char *path, rm_checkpoint_copy *c, const rm_checkpoint *k, const char *config_json,
                            rm_err *e);

/* Release c's arrays (a zeroed c is fine). */
void rm_checkpoint_copy_free(rm_checkpoint_copy *c);

/* Read path into k's tensors and p, trusting nothing (else RM_ERR_IO naming the file and the tensor or
 * field): exactly k's tensors, sizes, verified checksums, finite values (optim.v >= 0); train_idx a
 * permutation of the split's index set, which k->train_idx must hold on entry (values < n_images);
 * integer fields in range (epoch <= the saved config's training.epochs); the early-stopping watch
 * (p->es initialized on entry), rows, RNG states (k->model seeded on entry) and schedule consistent
 * with the epoch. *config_json gets a malloc'd copy of the saved config text (free with free()). */
int rm_checkpoint_load(const char *path, rm_checkpoint *k, rm_progress *p, char **config_json, rm_err *e);

/* After rm_checkpoint_load and the config comparison: the counts the config implies, optim.step and
 * bn_batches (from bn_base) epoch * steps_per_epoch, samples epoch * samples_per_epoch; else RM_ERR_IO. */
int rm_checkpoint_check(const rm_checkpoint *k, const rm_progress *p, const char *path, rm_err *e);

#endif
