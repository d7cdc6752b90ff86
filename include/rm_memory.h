/* rm_memory.h - the memory a run needs, estimated from the config and the data's size before
 * anything is allocated, and the limit it must fit in (--max-memory, by default the machine's). */
#ifndef RM_MEMORY_H
#define RM_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "rm_common.h"
#include "rm_config.h"

/* A limit in bytes and how it was set, for messages ("--max-memory", "the machine's memory"). */
typedef struct rm_mem_limit {
    double bytes;
    char what[64];
} rm_mem_limit;

/* The data a run loads: rows in the training file and the test set, the training and validation
 * splits, inputs per sample and classes; images (uint8) or csv features (float). */
typedef struct rm_data_shape {
    double n_file, n_test, n_train, n_val;
    int dim, classes, images;
} rm_data_shape;

/* The default limit: the machine's physical memory (sysconf _SC_PHYS_PAGES x _SC_PAGESIZE). */
void rm_mem_limit_default(rm_mem_limit *l);

/* Parse a limit given by flag: bytes, or a number with K, M, G or T (powers of 1024), e.g. 4G, 1.5T. */
int rm_mem_limit_parse(rm_mem_limit *l, const char *flag, const char *s, rm_err *e);

/* bytes as text: "512 MiB", "137.4 GiB". */
void rm_mem_text(double bytes, char *buf, size_t n);

/* The bytes run c allocates on data d (the dataset, split indices, parameters, gradients, optimizer
 * state, the early-stopping copy, the state copy kept between saves, the activations of max(batch_size, the evaluation chunk) samples),
 * and in *key the config key that drives most of it. */
double rm_run_bytes(const rm_config *c, const rm_data_shape *d, const char **key);

/* RM_ERR_USAGE when run c needs more than l on data d: "ORIGIN: model.hidden: the run needs about
 * 137.4 GiB, more than the limit 24 GiB (--max-memory)", ORIGIN the one that set the key. */
int rm_check_memory(const rm_config *c, const rm_data_shape *d, const rm_mem_limit *l, const char *fallback,
                    rm_err *e);

#endif
