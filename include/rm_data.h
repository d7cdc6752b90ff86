/* rm_data.h - IDX files through zlib, datasets of uint8 images or float features, the
 * subset/validation split and batch gathering. */
#ifndef RM_DATA_H
#define RM_DATA_H

#include <stdint.h>

#include "rm_common.h"
#include "rm_csv.h"
#include "rm_rng.h"

#define RM_IMG_SIDE 28
#define RM_IMG_SIZE (RM_IMG_SIDE * RM_IMG_SIDE)
#define RM_CLASSES 10       /* MNIST's classes (IDX files) */
#define RM_MAX_CLASSES 255  /* most classes a run trains on: labels are uint8 */

/* A labelled set: IDX images kept as uint8 (images set: features, dim and classes are not read by
 * rm_gather), or tabular rows as floats (images NULL, features set). */
typedef struct rm_dataset {
    uint8_t *images;  /* (n, RM_IMG_SIZE) or NULL */
    uint8_t *labels;  /* (n) */
    uint32_t n;
    float *features;  /* (n, dim) or NULL */
    int dim;          /* inputs per sample (RM_IMG_SIZE for IDX images) */
    int classes;      /* labels are in 0 .. classes-1 (RM_CLASSES for IDX images) */
} rm_dataset;

/* Normalization kinds (config "data.normalize"). */
enum { RM_NORM_UNIT = 0, RM_NORM_STANDARD = 1, RM_NORM_SYMMETRIC = 2, RM_NORM_DATASET = 3, RM_NORM_NONE = 4 };

/* Most items (images or labels) an IDX file may claim in its header: 2^24, 13.2 GB of 28x28 images,
 * over 130 times MNIST's 60000 (its format allows 2^32 - 1). A larger claim is refused before any of
 * the payload is read. */
#define RM_IDX_MAX_ITEMS (1u << 24)

/* Find a data file: path as given, else with ".gz" added or removed. Writes the found path. */
int rm_idx_find(const char *path, char *found, size_t n, rm_err *e);

/* Load an IDX image file (magic 0x803, 28x28) and its label file (magic 0x801), gz or raw,
 * checking exact lengths, counts of at most RM_IDX_MAX_ITEMS, equal counts and labels < 10. */
int rm_idx_load(rm_dataset *d, const char *images_path, const char *labels_path, rm_err *e);

/* A training set needs at least 2 classes: an RM_ERR_IO error naming labels_path when every label of
 * d is the same (as the CSV reader's "one class only"). */
int rm_idx_require_classes(const rm_dataset *d, const char *labels_path, rm_err *e);

/* Load only a label file (images stays NULL): for checks that need the class counts. */
int rm_idx_load_labels(rm_dataset *d, const char *labels_path, rm_err *e);

/* A feature dataset of the rows (ascending file rows; NULL: all n rows) of table t, read from path: labels
 * as uint8, so more than RM_MAX_CLASSES classes is an error naming path. */
int rm_dataset_from_table(rm_dataset *d, const rm_csv_table *t, const uint32_t *rows, uint32_t n, const char *path,
                          rm_err *e);

/* Release a dataset. */
void rm_dataset_free(rm_dataset *d);

/* Balanced subset of the training set then a stratified validation hold-out (see docs/config.md), for
 * labels < classes (<= RM_MAX_CLASSES). Allocates *train (n_train) and *val (n_val, may be 0); indices ascending. */
int rm_split_classes(const uint8_t *labels, uint32_t n, int classes, double subset, double val_fraction, rm_rng *rng,
                     uint32_t **train, uint32_t *n_train, uint32_t **val, uint32_t *n_val, rm_err *e);

/* The training and validation counts rm_split_classes gives, without drawing anything. */
void rm_split_counts_classes(const uint8_t *labels, uint32_t n, int classes, double subset, double val_fraction,
                             uint32_t *n_train, uint32_t *n_val);

/* rm_split_classes with RM_CLASSES (MNIST) classes. */
int rm_split(const uint8_t *labels, uint32_t n, double subset, double val_fraction, rm_rng *rng,
             uint32_t **train, uint32_t *n_train, uint32_t **val, uint32_t *n_val, rm_err *e);

/* rm_split_counts_classes with RM_CLASSES classes. */
void rm_split_counts(const uint8_t *labels, uint32_t n, double subset, double val_fraction, uint32_t *n_train,
                     uint32_t *n_val);

/* The 256-entry uint8 -> float table for a normalization kind (PyTorch's ToTensor + Normalize;
 * RM_NORM_NONE: the byte values themselves). */
void rm_norm_table(int kind, float lut[256]);

/* Gather B samples by index into x (B, dim) as floats, and their labels into y (B): images through
 * lut, features copied as they are (lut unused). */
void rm_gather(const rm_dataset *d, const uint32_t *idx, int B, const float lut[256], float *x, uint8_t *y);

#endif
