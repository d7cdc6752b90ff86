/* rm_csv.h - tabular classification data from CSV files: a strict RFC 4180 reader (plain or gzip), a
 * stratified seeded train/test split and per-feature standardization statistics.
 *
 * The format read (every deviation is an RM_ERR_IO error of one line, "PATH: line L, column C (NAME): ..."):
 * - Records end in LF or CRLF; the last one's line end is optional. Fields are separated by commas and
 *   are quoted or not; a quoted field may hold commas, line breaks and doubled quotes (""). A quote
 *   inside an unquoted field, anything but a comma or a line end after a closing quote, a bare CR, a
 *   NUL byte and an unterminated quote are errors. A leading UTF-8 byte order mark is skipped.
 * - Blank lines are errors anywhere (a file may end in one line end, not two). So is a record over
 *   RM_CSV_MAX_LINE bytes (not counting its line end).
 * - The first record is the header: one non-empty, distinct, valid UTF-8 name per column. A header whose
 *   feature columns are all named by numbers is taken for a missing header and refused, and so is the
 *   first line of scikit-learn's own files ("150,4,setosa,...": two integers, the second the number of
 *   feature columns; when it is not, the first row is ragged and the message says why).
 * - Every other record has exactly as many fields as the header.
 * - A feature field is a decimal number, quoted or not: [+-] digits [. digits] [e|E [+-] digits] (also
 *   ".5" and "5."), no spaces, no hex, no NaN or Inf; it is read with strtod (correctly rounded to a
 *   double) and then rounded to float, as float(s) then float32 does in Python; a value that rounds
 *   to infinity as a float (magnitude >= 2^128 - 2^103) is an error.
 * - Labels are all numbers or all strings (a mix is an error; so is an empty label):
 *   numbers must be integer-valued (2 and 2.0 alike) in 0..RM_CSV_MAX_CLASSES-1; then the classes are
 *   0..K-1 with K = the largest label + 1 and every class must occur (a missing class 0 usually means
 *   1-based labels);
 *   strings are class names, valid UTF-8, numbered 0..K-1 in sorted byte order (Python's sorted()).
 *   Either way at least 2 classes must occur and at most RM_CSV_MAX_CLASSES.
 * - A file read with opts.like (a test file) takes its classes from that table instead: its labels must
 *   be that table's kind (integers below its class count, or its class names; a class may be absent)
 *   and its feature columns must carry the same names in the same order. */
#ifndef RM_CSV_H
#define RM_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "rm_common.h"
#include "rm_data.h"

#define RM_CSV_MAX_LINE ((size_t)1 << 20)   /* longest record, in bytes without its line end (1 MiB) */
#define RM_CSV_MAX_BYTES ((size_t)1 << 30)  /* largest file, in bytes after gzip decompression (1 GiB) */
#define RM_CSV_MAX_VALUES ((size_t)1 << 28) /* most feature values, n * d (1 GiB as float) */
#define RM_CSV_MAX_CLASSES 65535            /* most classes; class ids fit uint16_t */

/* RNG stream of the stratified test split (1-4: rm_rng.h, 5: train.c's train-eval sample, 6-7: rm_augment.h). */
enum { RM_STREAM_TEST_SPLIT = 8 };

/* A table read from a CSV file. Zero it (or let rm_csv_read do it) before use; rm_csv_free releases it. */
typedef struct rm_csv_table {
    uint32_t n;           /* data rows (records after the header), >= 1 */
    uint32_t d;           /* feature columns: every column but the label's, >= 1 */
    float *x;             /* (n, d) row-major, rows and columns in file order (rm_alloc, 64-byte aligned) */
    uint16_t *y;          /* (n) class ids in 0 .. classes-1 */
    int classes;          /* K: 2 .. RM_CSV_MAX_CLASSES */
    char **class_names;   /* (classes) for string labels, sorted by bytes; NULL for integer labels */
    char **feature_names; /* (d) the header names of the feature columns, in file order */
    char *label_name;     /* the header name of the label column */
    int label_column;     /* its 0-based index among the file's columns */
} rm_csv_table;

/* How to read a file. Start from RM_CSV_OPTS_INIT: a zeroed struct selects column 0 as the label. */
typedef struct rm_csv_opts {
    const char *label;         /* the label column by header name, or NULL to go by label_index */
    int label_index;           /* 0-based column; negative counts from the end (-1: the last, the default) */
    const rm_csv_table *like;  /* NULL, or a table (the training file) whose classes and feature names to use */
} rm_csv_opts;

#define RM_CSV_OPTS_INIT {NULL, -1, NULL}

/* Read the CSV file at path (plain or gzip, sniffed) into t (not opts->like); opts NULL means
 * RM_CSV_OPTS_INIT. On error t is left zeroed and e's one-line message starts with "path: ". */
int rm_csv_read(rm_csv_table *t, const char *path, const rm_csv_opts *opts, rm_err *e);

/* Release t (a zeroed or already freed table is fine) and zero it. */
void rm_csv_free(rm_csv_table *t);

/* Stratified split of n labelled rows (y < classes) into train and test: of class c's m_c rows,
 * round(fraction * m_c) (half away from zero) go to test, clamped to [1, m_c - 1] when m_c >= 2 so that
 * both sides hold every class; a class of one row stays in train. Which rows go is drawn per class
 * (ascending class order) by a Fisher-Yates shuffle of the class's rows (ascending) on stream
 * RM_STREAM_TEST_SPLIT of seed; the same inputs give the same split. Allocates *train and *test
 * (rm_free them), indices ascending. RM_ERR_USAGE when fraction is not in (0, 1) or no row can go to
 * test (every class has a single row); RM_ERR_RUN for a label >= classes. */
int rm_csv_split_stratified(const uint16_t *y, uint32_t n, int classes, double fraction, uint64_t seed,
                            uint32_t **train, uint32_t *n_train, uint32_t **test, uint32_t *n_test, rm_err *e);

/* The per-class test counts rm_csv_split_stratified gives (test_count: classes entries), drawing nothing. */
void rm_csv_split_counts(const uint32_t *class_count, int classes, double fraction, uint32_t *test_count);

/* Mean and population standard deviation (divided by the row count) of each of the d features of x
 * (n_all, d) over rows[0..n_rows) (rows NULL: all n_all rows, n_rows ignored), in double, two-pass; a std
 * of 0 (a constant feature) is reported as 1 so that standardizing maps it to 0. No rows: mean 0, std 1. */
void rm_csv_feature_stats(const float *x, uint32_t n_all, uint32_t d, const uint32_t *rows, uint32_t n_rows,
                          double *mean, double *std);

/* Standardize x (n, d) in place: x = (x - mean) / std per feature, in float with mean and std rounded to
 * float first (as (x - mean) / std on float32 tensors). */
void rm_csv_standardize(float *x, uint32_t n, uint32_t d, const double *mean, const double *std);

/* A feature dataset of the rows (ascending file rows; NULL: all n rows) of table t, read from path: labels
 * as uint8, so more than RM_MAX_CLASSES classes is an error naming path. */
int rm_dataset_from_table(rm_dataset *d, const rm_csv_table *t, const uint32_t *rows, uint32_t n, const char *path,
                          rm_err *e);

#endif
