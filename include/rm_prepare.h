/* rm_prepare.h - a run's data as the run loads it, and the checks before a run that need the data. */
#ifndef RM_PREPARE_H
#define RM_PREPARE_H

#include <stdint.h>

#include "rm_common.h"
#include "rm_config.h"
#include "rm_csv.h"
#include "rm_data.h"
#include "rm_memory.h"

/* Where a data path is. A relative path whose first component is "data" (the defaults data/mnist,
 * data/iris/iris.csv) is looked for, in order, as $REGMNIST_DATA/REST, ./data/REST and
 * ${XDG_DATA_HOME:-$HOME/.local/share}/regmnist/REST (REST: the path without "data/"); the first that
 * holds probe (a file name in it, also found as .gz, or NULL: the path itself) wins. Any other path is
 * used as given. Nothing found: RM_ERR_IO naming where it looked and the command that fetches it. */
int rm_data_locate(const char *path, const char *probe, char *out, size_t n, rm_err *e);

/* The files of a run's data where rm_data_locate finds them: IDX the four files in data.dir (only those
 * of the training set, or of the test set, when need is RM_NEED_TRAIN or RM_NEED_TEST), csv data.train
 * and data.test ("" when none). A missing file is RM_ERR_IO naming the command that fetches it. */
typedef struct rm_data_files {
    char train_images[2048], train_labels[2048], test_images[2048], test_labels[2048];
    char train[2048], test[2048];
} rm_data_files;
enum { RM_NEED_TRAIN = 1, RM_NEED_TEST = 2, RM_NEED_BOTH = 3 };
int rm_data_find(const rm_config *c, int need, rm_data_files *f, rm_err *e);

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
