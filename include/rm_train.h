/* rm_train.h - one training run: data, model, epochs, metrics.csv, config.json, summary.json. */
#ifndef RM_TRAIN_H
#define RM_TRAIN_H

#include "rm_common.h"
#include "rm_config.h"

#define RM_VERSION "0.1.0"

/* Evaluation batch size (eval results do not depend on it beyond the last bits). */
#define RM_EVAL_BATCH 1000

/* The checks a run makes before writing anything that need the data (the training labels). */
int rm_run_check(const rm_config *c, rm_err *e);

/* Run the configured experiment; progress to stderr unless quiet. */
int rm_run(const rm_config *c, int quiet, rm_err *e);

#endif
