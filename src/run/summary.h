/* summary.h - summary.json: how a run ended, its metrics, its data and its provenance (module-private
 * to run/: train.c writes it at the end of every run). */
#ifndef RM_SUMMARY_H
#define RM_SUMMARY_H

#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "rm_common.h"
#include "rm_csv.h"
#include "rm_progress.h"
#include "rm_train.h"

/* The stream of the eval-mode training sample (after rm_rng.h's streams; recorded in summary.json). */
enum { RM_STREAM_TRAIN_EVAL = 5 };

/* How a run ended and what summary.json records of it beyond the config and the progress. */
typedef struct rm_run_outcome {
    const char *status;        /* ok, diverged, interrupted or failed */
    const char *stop_reason;   /* epochs, patience, diverged, interrupted or failed */
    int ended;                 /* it ran to its epochs or to patience */
    const char *monitor;       /* early stopping's metric (with early stopping) */
    const rm_epoch_row *final; /* the final model's metrics, or NULL before the first epoch */
    double load_s, wall_s;
    time_t started;
    int resumed_from;          /* the epoch a resumed run started after, or -1 */
    uint32_t n_train, n_val, n_test, n_te; /* the splits and the eval-mode training sample */
    size_t n_params;
    double norm_mean, norm_std;            /* images with data.normalize "dataset": the statistics */
    const rm_csv_table *table;             /* csv data: the training file's names and classes, else NULL */
    const uint32_t *test_rows;             /* csv with data.test_fraction: (n_test) the held-out rows, or NULL */
    const double *feat_mean, *feat_std;    /* csv with data.normalize "dataset": (d) each feature's, or NULL */
} rm_run_outcome;

/* Write obj to path as formatted JSON and a newline, atomically. */
int rm_write_json(const char *path, cJSON *obj, rm_err *e);

/* Write dir/summary.json for a run of c that stands at p and ended as out. */
int rm_summary_write(const rm_config *c, const char *dir, const rm_progress *p, const rm_run_outcome *out,
                     const rm_run_opts *opts, rm_err *e);

#endif
