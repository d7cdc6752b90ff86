/* rm_prepare.h - a run's data as the run loads it, and the checks before a run that need the data. */
#ifndef RM_PREPARE_H
#define RM_PREPARE_H

#include <stdint.h>

#include "rm_common.h"
#include "rm_config.h"
#include "rm_csv.h"
#include "rm_data.h"
#include "rm_memory.h"

/* Both sets of c as datasets: the IDX files, or the csv training file with its test file or its held-out
 * stratified test split (stream RM_STREAM_TEST_SPLIT of the seed). table keeps the csv training file's
 * names and classes, for summary.json; the class count is checked against model.classes. With a split,
 * *test_rows gets the held-out rows' indices in data.train (test->n, ascending; rm_free it). */
int rm_prepare_load(const rm_config *c, rm_dataset *train, rm_dataset *test, rm_csv_table *table,
                    uint32_t **test_rows, rm_err *e);

/* The data sets of c as a run loads them (train, test; released with rm_dataset_free): the IDX files, or
 * the csv files with the run's held-out test split, unnormalized; checks the class count. */
int rm_run_load_data(const rm_config *c, rm_dataset *train, rm_dataset *test, rm_err *e);

/* The checks a run makes before writing anything that need the data (the training and test labels,
 * or the csv data), and, given a limit, that the run fits in it (rm_check_memory). */
int rm_run_check(const rm_config *c, const struct rm_mem_limit *limit, rm_err *e);

#endif
