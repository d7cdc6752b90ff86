/* rm_tfevents.h - a TensorBoard event-file writer: per-step scalars and histograms, as PyTorch's SummaryWriter
 * writes them, readable by `tensorboard --logdir`.
 *
 * The file (events.out.tfevents.<unix seconds>.<hostname>) is a sequence of TFRecords: u64 little-endian
 * length, u32 masked CRC-32C of those 8 bytes, the data, u32 masked CRC-32C of the data. Each record's data
 * is a serialized tensorflow.Event (event.proto): the first holds file_version "brain.Event:2", the others a
 * Summary of one Value: a simple_value scalar or a HistogramProto (summary.proto).
 *
 * Histograms use the buckets of SummaryWriter.add_histogram's default bins="tensorflow": edges
 * -1e20 < ... < -1e-12, 0, 1e-12 < 1e-12*1.1 < ... < 1e20 (1549 edges), counted as numpy.histogram counts
 * and trimmed as torch's make_histogram trims (one empty bucket before the first non-empty one, through the
 * last non-empty one; bucket_limit holds right edges). Unlike numpy, a value beyond the outermost edges goes
 * into the outermost bucket, so the counts always add up to num. NaN and infinite values are left out of
 * every field (num counts the finite values); a histogram with no finite value has num 0, min = max = 0 and
 * one empty bucket up to DBL_MAX. min, max, sum and sum_squares are computed in double. */
#ifndef RM_TFEVENTS_H
#define RM_TFEVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rm_common.h"

#define RM_TFEVENTS_MAX_TAG 1024 /* longest tag, in bytes */

/* An event file. rm_tfevents_open fills it (close an open one first); rm_tfevents_close releases it. */
typedef struct rm_tfevents {
    FILE *f;          /* NULL when closed */
    int broken;       /* a write failed: the file may end in a partial record, so later calls fail */
    char path[4096];  /* the file's path, for messages and for the caller */
    uint8_t *buf;     /* record encoding buffer, grown as needed and kept (cap bytes) */
    size_t cap;
    double *edges;    /* (n_edges) the default histogram bucket edges, ascending */
    double *counts;   /* (n_edges - 1) per-bucket counts, scratch */
    size_t n_edges;
} rm_tfevents;

/* CRC-32C (Castagnoli, as iSCSI and TFRecord use) of the n bytes at p. */
uint32_t rm_crc32c(const void *p, size_t n);

/* TFRecord's masked CRC-32C: ((c >> 15) | (c << 17)) + 0xa282ead8 with c = rm_crc32c(p, n). */
uint32_t rm_crc32c_masked(const void *p, size_t n);

/* Unix time in seconds (with microseconds), the wall_time TensorBoard expects. */
double rm_tfevents_wall_time(void);

/* Create dir (and its parents) if missing and a new events.out.tfevents.<unix seconds>.<hostname> in it (a
 * ".1", ".2", ... suffix when that name is taken), then write and flush the file_version record. */
int rm_tfevents_open(rm_tfevents *w, const char *dir, rm_err *e);

/* Take up a resumed run's event file in dir (the last events.out.tfevents.* by name): keep its records
 * through last_step, cut off the rest (a torn last record, the epochs trained again) and append after
 * them, so that each step appears once. A record with a bad checksum is an error (RM_ERR_IO); with no
 * event file in dir it is rm_tfevents_open. */
int rm_tfevents_resume(rm_tfevents *w, const char *dir, int64_t last_step, rm_err *e);

/* Append a scalar Event: tag (1 to RM_TFEVENTS_MAX_TAG bytes of UTF-8, no control characters) = value at step. */
int rm_tfevents_scalar(rm_tfevents *w, const char *tag, int64_t step, double wall_time, float value, rm_err *e);

/* Append a histogram Event of the n values at x (see the bucket scheme above). */
int rm_tfevents_histogram(rm_tfevents *w, const char *tag, int64_t step, double wall_time, const float *x, size_t n,
                          rm_err *e);

/* A hyper-parameter of TensorBoard's HParams plugin: a number, a string or a boolean. */
typedef struct rm_hparam {
    const char *name; /* UTF-8 */
    enum { RM_HP_NUMBER, RM_HP_STRING, RM_HP_BOOL } kind;
    double number;    /* RM_HP_NUMBER; RM_HP_BOOL: 0 or 1 */
    const char *text; /* RM_HP_STRING, UTF-8 */
} rm_hparam;

/* Append the HParams plugin's session start at step 0, as SummaryWriter.add_hparams writes it: a Value
 * tagged "_hparams_/session_start_info" whose metadata's plugin "hparams" holds HParamsPluginData
 * {session_start_info {hparams (the n of hp), group_name group (sessions of one group, e.g. the seeds
 * of a setting, are aggregated), start_time_secs wall_time}} (tensorboard/plugins/hparams/
 * plugin_data.proto; version 0). */
int rm_tfevents_session_start(rm_tfevents *w, const rm_hparam *hp, int n, const char *group, double wall_time,
                              rm_err *e);

/* Append the session's end ("_hparams_/session_end_info": SessionEndInfo {status: 1 success or 2
 * failure, end_time_secs wall_time}) at step (after the last epoch's, so that a resume, which keeps the
 * records through its epoch, drops it). */
int rm_tfevents_session_end(rm_tfevents *w, int success, int64_t step, double wall_time, rm_err *e);

/* fflush the file so the records written so far survive a crash of the process (not of the machine: no fsync). */
int rm_tfevents_flush(rm_tfevents *w, rm_err *e);

/* Flush and close the file (reporting a write error) and release w; a closed or zeroed w is fine. */
int rm_tfevents_close(rm_tfevents *w, rm_err *e);

#endif
