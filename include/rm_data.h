/* rm_data.h - datasets of uint8 images or float features, the subset/validation split and batch
 * gathering. The files they come from are read in io/: rm_idx.h (IDX), rm_csv.h (CSV tables). */
#ifndef RM_DATA_H
#define RM_DATA_H

#include <stdint.h>

#include "rm_common.h"
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

/* Release a dataset. */
void rm_dataset_free(rm_dataset *d);

/* Balanced subset of the training set then a stratified validation hold-out (see docs/config.md), for
 * labels < classes (<= RM_MAX_CLASSES). Allocates *train (n_train) and *val (n_val, may be 0); indices ascending. */
int rm_split_classes(const uint8_t *labels, uint32_t n, int classes, double subset, double val_fraction, rm_rng *rng,
                     uint32_t **train, uint32_t *n_train, uint32_t **val, uint32_t *n_val, rm_err *e);

/* The dealing both stratified splits share (rm_split_classes here, rm_csv_split_stratified for CSV
 * tables): for each class c in turn, its items byclass[start[c] .. start[c+1]) (ascending) shuffled with
 * rng, the first first_n[c] to first and the next second_n[c] to second; both sorted ascending, their
 * counts in *n_first and *n_second. */
void rm_split_deal(uint32_t *byclass, const uint32_t *start, int classes, rm_rng *rng, const uint32_t *first_n,
                   const uint32_t *second_n, uint32_t *first, uint32_t *second, uint32_t *n_first, uint32_t *n_second);

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

/* data.normalize "dataset": the mean and population std of x/255 over the n images idx of d, and the
 * normalization table (x/255 - mean)/std they give. */
void rm_dataset_norm(const rm_dataset *d, const uint32_t *idx, uint32_t n, float lut[256], double *mean, double *std);

/* The table (x/255 - mean)/std in float, as torchvision's ToTensor and Normalize compute it. */
void rm_norm_lut(double mean, double std, float lut[256]);

#endif
