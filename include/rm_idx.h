/* rm_idx.h - MNIST's IDX files (raw or gzip, through zlib) read into datasets. */
#ifndef RM_IDX_H
#define RM_IDX_H

#include <stddef.h>

#include "rm_common.h"
#include "rm_data.h"

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

#endif
