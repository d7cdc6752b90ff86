/* epoch_log.h - a run's per-epoch files (module-private to run/; the metric table they follow is
 * public in rm_epoch_log.h): metrics.csv, weights.csv and activations.csv, the TensorBoard events and
 * the weight images, opened (or, resumed, appended to), written after each epoch and closed. */
#ifndef RM_EPOCH_LOG_PRIVATE_H
#define RM_EPOCH_LOG_PRIVATE_H

#include <stdio.h>

#include "rm_common.h"
#include "rm_config.h"
#include "rm_epoch_log.h"
#include "rm_model.h"
#include "rm_params.h"
#include "rm_tfevents.h"
#include "rm_weight_stats.h"

/* The per-epoch files of a run and what they accumulate during an epoch. */
typedef struct rm_epoch_files {
    const char *dir;                 /* the run directory */
    char csv_path[2048], wcsv_path[2048], acsv_path[2048];
    int act_stats;                   /* activations.csv: output.weight_stats with hidden layers */
    FILE *csv;                       /* metrics.csv */
    FILE *wcsv;                      /* output.weight_stats: weights.csv */
    FILE *acsv;                      /* activations.csv, or NULL */
    rm_act_acc acts[RM_MAX_HIDDEN];  /* per hidden layer: its activations on the test set */
    rm_grad_norm_acc gacc[RM_MAX_TENSORS]; /* per tensor: the gradient norms of the epoch's steps */
    rm_tfevents tb;                  /* output.tensorboard: the event file (tb.f NULL when off) */
} rm_epoch_files;

/* The files' paths in dir (which must outlive f) and which of them c asks for; nothing is opened. */
int rm_epoch_files_init(rm_epoch_files *f, const char *dir, const rm_config *c, rm_err *e);

/* Open the files c asks for, writing their headers; resumed, append to them (the CSV files already
 * cut to epoch) and cut the event file to epoch. */
int rm_epoch_files_open(rm_epoch_files *f, const rm_config *c, int resume, int epoch, rm_err *e);

/* TensorBoard's HParams tab (with output.tensorboard, for a new run): the session start, whose
 * hyper-parameters are the --set overrides (name aside) and the seed; its group, which aggregates
 * sessions, is the config's name with those overrides, or the name a sweep sets for the setting (the
 * same for its seeds). Overrides of name, threads and output.* are not hyper-parameters. */
int rm_epoch_files_hparams(rm_epoch_files *f, const rm_config *c, const char *const *sets, int nsets, rm_err *e);

/* The session's end after epoch (with output.tensorboard): success, or failure (diverged). */
int rm_epoch_files_session_end(rm_epoch_files *f, int success, int epoch, rm_err *e);

/* After an epoch: its metrics.csv row (flushed), weights.csv and activations.csv, the weight images
 * when asked every epoch, and the TensorBoard events (p the model's parameters and gradients). */
int rm_epoch_files_write(rm_epoch_files *f, const rm_config *c, const rm_params *p, const rm_epoch_row *row,
                         int has_val, int has_te, rm_err *e);

/* Close the files, reporting the first write error in e. */
int rm_epoch_files_close(rm_epoch_files *f, rm_err *e);

/* Release what is still open (after an error). */
void rm_epoch_files_free(rm_epoch_files *f);

/* weights_<layer>.png: the first Linear layer's units as 28x28 tiles (fc0, or out without hidden
 * layers), one colour scale symmetric about 0; epoch > 0 adds _eNNN to the name. */
int rm_weight_image(const char *dir, const rm_params *p, int epoch, rm_err *e);

#endif
