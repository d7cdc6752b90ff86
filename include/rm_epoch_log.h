/* rm_epoch_log.h - the per-epoch metrics of a run as one table: each metric of an rm_epoch_row with its
 * metrics.csv column and format, its TensorBoard tag, when it is measured and whether summary.json
 * (and so `summarize` and `compare`) carries it. metrics.csv, summary.json's "final" and "best", the TensorBoard
 * scalars and the metric names of summarize and compare all come from it: a new metric is one row. */
#ifndef RM_EPOCH_LOG_H
#define RM_EPOCH_LOG_H

#include <stddef.h>
#include <stdio.h>

#include "rm_progress.h"

/* When a metric is measured: every epoch, with a validation set, or with the eval-mode training sample
 * (output.train_eval_samples); metrics.csv leaves the field empty, summary.json and TensorBoard omit it. */
enum { RM_METRIC_ALWAYS, RM_METRIC_VAL, RM_METRIC_TRAIN_EVAL };

/* One per-epoch metric. */
typedef struct rm_metric {
    const char *name;   /* the metrics.csv column and the summary.json key */
    int csv_col;        /* its column in metrics.csv (epoch is 0): a new metric takes the next one */
    const char *fmt;    /* the printf format of its metrics.csv field */
    const char *tb_tag; /* its TensorBoard scalar tag, or NULL */
    int when;           /* RM_METRIC_ALWAYS, RM_METRIC_VAL or RM_METRIC_TRAIN_EVAL */
    int in_summary;     /* 1 when summary.json's "final" and "best" hold it (so summarize and compare know it) */
    const char *label;  /* a short axis label, its unit in parentheses at the end: "test accuracy (%)" */
    size_t off;         /* the offset of its double in rm_epoch_row, unless derived */
    double (*derived)(const rm_epoch_row *r, int has_te); /* its value worked out from the row, or NULL */
} rm_metric;

/* The per-epoch metrics, in summary.json's order, and their count. */
extern const rm_metric rm_epoch_metrics[];
extern const int rm_epoch_metric_count;

/* The metric named name, or NULL. */
const rm_metric *rm_epoch_metric(const char *name);

/* A short label for a metric as summarize names it (test_acc, best_val_loss, wall_seconds, ...) into buf
 * (n bytes): the table's label, "... at the best epoch (%)" for best_X, the metric's name when unknown. */
void rm_metric_label(const char *name, char *buf, size_t n);

/* 1 when a run measures m: has_val with a validation set, has_te with the eval-mode training sample. */
int rm_metric_present(const rm_metric *m, int has_val, int has_te);

/* m's value in row r (has_te: the run measures the eval-mode training sample). */
double rm_metric_value(const rm_metric *m, const rm_epoch_row *r, int has_te);

/* metrics.csv's header line, newline included, into buf (n bytes; RM_EPOCH_CSV_HEADER_MAX suffice). */
void rm_epoch_csv_header(char *buf, size_t n);

/* Room for metrics.csv's header line. */
enum { RM_EPOCH_CSV_HEADER_MAX = 512 };

/* Write r as a metrics.csv line: the epoch, then every column, empty for a metric the run does not measure. */
void rm_epoch_csv_row(FILE *f, const rm_epoch_row *r, int has_val, int has_te);

#endif
