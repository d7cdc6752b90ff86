/* prepare.c - a run's data as it loads it: the IDX files, or a CSV table with its test file or its
 * held-out stratified split, checked for the class count; and the checks a run (or --print-config, or
 * a sweep) makes before writing anything that need the data and the memory estimate. */
#define _POSIX_C_SOURCE 200809L
#include "rm_prepare.h"

#include <string.h>

#include "rm_csv.h"
#include "rm_idx.h"

/* One IDX set; a training set (training) must hold at least 2 classes. */
static int load_set(const rm_config *c, const char *img, const char *lab, int training, rm_dataset *d, rm_err *e)
{
    char ip[2048], lp[2048];
    if (rm_path_join(ip, sizeof ip, c->data.dir, img, e) || rm_path_join(lp, sizeof lp, c->data.dir, lab, e))
        return e->code;
    return rm_idx_load(d, ip, lp, e) || (training && rm_idx_require_classes(d, lp, e)) ? e->code : RM_OK;
}

int rm_prepare_load(const rm_config *c, rm_dataset *train, rm_dataset *test, rm_csv_table *table,
                     uint32_t **test_rows, rm_err *e)
{
    if (c->data.format == RM_FORMAT_IDX) {
        if (load_set(c, c->data.train_images, c->data.train_labels, 1, train, e) ||
            load_set(c, c->data.test_images, c->data.test_labels, 0, test, e))
            return e->code;
        return rm_config_check_classes(c, "config", RM_CLASSES, e);
    }
    rm_csv_opts o = RM_CSV_OPTS_INIT;
    o.label = c->data.label[0] ? c->data.label : NULL;
    o.label_index = c->data.label_index;
    if (rm_csv_read(table, c->data.train, &o, e) || rm_config_check_classes(c, "config", table->classes, e))
        return e->code;
    int rc;
    if (c->data.test[0]) {
        rm_csv_table tt;
        memset(&tt, 0, sizeof tt);
        o.like = table;
        rc = rm_csv_read(&tt, c->data.test, &o, e);
        if (!rc) rc = rm_dataset_from_table(test, &tt, NULL, tt.n, c->data.test, e);
        if (!rc) rc = rm_dataset_from_table(train, table, NULL, table->n, c->data.train, e);
        rm_csv_free(&tt);
    } else {
        uint32_t *tr = NULL, *te = NULL, ntr = 0, nte = 0;
        rc = rm_csv_split_stratified(table->y, table->n, table->classes, c->data.test_fraction, (uint64_t)c->seed, &tr,
                                     &ntr, &te, &nte, e);
        if (rc) {
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e->msg);
            rc = rm_fail(e, rc, "%s: %s", c->data.train, msg);
        }
        if (!rc) rc = rm_dataset_from_table(train, table, tr, ntr, c->data.train, e);
        if (!rc) rc = rm_dataset_from_table(test, table, te, nte, c->data.train, e);
        rm_free(tr);
        *test_rows = te;
    }
    rm_free(table->x); /* the datasets hold the values */
    table->x = NULL;
    return rc;
}

int rm_run_load_data(const rm_config *c, rm_dataset *train, rm_dataset *test, rm_err *e)
{
    rm_csv_table t;
    uint32_t *test_rows = NULL;
    memset(&t, 0, sizeof t);
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    int rc = rm_prepare_load(c, train, test, &t, &test_rows, e);
    rm_csv_free(&t);
    rm_free(test_rows);
    if (rc) {
        rm_dataset_free(train);
        rm_dataset_free(test);
    }
    return rc;
}

int rm_run_check(const rm_config *c, const rm_mem_limit *limit, rm_err *e)
{
    rm_dataset d, test;
    char lp[2048];
    uint32_t n_train = 0, n_val = 0;
    rm_data_shape shape = {0, 0, 0, 0, RM_IMG_SIZE, RM_CLASSES, 1};
    if (c->data.format == RM_FORMAT_CSV) {
        int rc = rm_run_load_data(c, &d, &test, e);
        if (!rc) {
            rm_split_counts_classes(d.labels, d.n, d.classes, c->data.subset, c->data.val_fraction, &n_train, &n_val);
            shape = (rm_data_shape){d.n, test.n, n_train, n_val, d.dim, d.classes, 0};
        }
        rm_dataset_free(&d);
        rm_dataset_free(&test);
        if (rc) return rc;
    } else {
        char found[2100];
        if (rm_config_check_classes(c, "config", RM_CLASSES, e)) return e->code;
        /* a missing images file first, as a run's loading reports it */
        if (rm_path_join(lp, sizeof lp, c->data.dir, c->data.train_images, e) || rm_idx_find(lp, found, sizeof found, e))
            return e->code;
        if (rm_path_join(lp, sizeof lp, c->data.dir, c->data.train_labels, e)) return e->code;
        if (rm_idx_load_labels(&d, lp, e)) return e->code;
        if (rm_idx_require_classes(&d, lp, e)) {
            rm_dataset_free(&d);
            return e->code;
        }
        rm_split_counts(d.labels, d.n, c->data.subset, c->data.val_fraction, &n_train, &n_val);
        shape.n_file = d.n;
        rm_dataset_free(&d);
        if (rm_path_join(lp, sizeof lp, c->data.dir, c->data.test_images, e) || rm_idx_find(lp, found, sizeof found, e))
            return e->code;
        if (rm_path_join(lp, sizeof lp, c->data.dir, c->data.test_labels, e)) return e->code;
        if (rm_idx_load_labels(&test, lp, e)) return e->code;
        shape.n_test = test.n;
        rm_dataset_free(&test);
        shape.n_train = n_train;
        shape.n_val = n_val;
    }
    if (rm_config_check_counts(c, "config", n_train, n_val, e)) return e->code;
    return limit ? rm_check_memory(c, &shape, limit, "config", e) : RM_OK;
}
