/* rm_train.h - one training run: data, model, epochs, early stopping, metrics.csv, config.json,
 * summary.json, model.safetensors and state.safetensors; resumable and interruptible. */
#ifndef RM_TRAIN_H
#define RM_TRAIN_H

#include <stdint.h>

#include "rm_common.h"
#include "rm_config.h"
#include "rm_data.h"
#include "rm_memory.h"
#include "rm_progress.h"

/* How to run, and where the run came from (recorded in summary.json). */
typedef struct rm_run_opts {
    int quiet;  /* nothing on stderr but errors */
    int resume; /* continue the run in the config's output.dir from its state.safetensors */
    int force;  /* replace another run's files in the run directory */
    int argc;   /* the command line, for provenance */
    char **argv;
    const char *const *sets; /* the --set overrides, in order */
    int nsets;
} rm_run_opts;

/* Run the configured experiment (or resume it). Returns 0, or an error status; an interrupted run
 * (SIGINT/SIGTERM) returns 128 + the signal number after writing summary.json. */
int rm_run(const rm_config *c, const rm_run_opts *o, rm_err *e);

/* The file in a run directory that a run holds a write lock (fcntl F_SETLK) on for its life. */
#define RM_LOCK_FILE ".regmnist.lock"

/* What a run directory holds for a config (see rm_run_dir_state). */
enum { RM_DIR_EMPTY = 0, RM_DIR_DONE = 1, RM_DIR_RESUMABLE = 2, RM_DIR_OTHER = 3 };

/* Classify c's run directory: no run files, a finished run of this config, an unfinished one with a
 * state to resume, or anything else; the thread count is not compared. -1 on error. */
int rm_run_dir_state(const rm_config *c, rm_err *e);

/* Whether c's run directory holds a run of c's config but perhaps for another training.epochs (threads
 * and output.checkpoint_every aside), as a sweep's rungs extend one: 1 with its config.json's
 * training.epochs, whether it holds state.safetensors and summary.json's status ("none" without one);
 * 0 when it holds no run files or another config's; -1 on error. */
int rm_run_dir_progress(const rm_config *c, int *epochs, int *has_state, char *status, size_t n, rm_err *e);

/* Mark the run in dir pruned by a sweep: summary.json's status "pruned", with the rung it stopped at
 * and that rung's epochs ("rung", "rung_epochs"); idempotent. */
int rm_summary_mark_pruned(const char *dir, int rung, int epochs, rm_err *e);

#endif
