/* prepare.c - a run's data as it loads it: where its files are (rm_data_locate: $REGMNIST_DATA, ./data,
 * the per-user data directory), the IDX files, or a CSV table with its test file or its held-out
 * stratified split, checked for the class count; and the checks a run (or --print-config, or a sweep)
 * makes before writing anything that need the data and the memory estimate. */
#define _POSIX_C_SOURCE 200809L
#include "rm_prepare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rm_csv.h"
#include "rm_idx.h"

/* The fetcher as the user can type it: the checkout's script when in one, else the installed one. */
static const char *fetch_command(void)
{
    return access("scripts/get-data.sh", X_OK) == 0 ? "scripts/get-data.sh" : "regmnist-get-data";
}

/* "; fetch it with CMD SET [--dest DIR]" for a data directory dir whose last component names a set the
 * fetcher writes (csv: file, when given, must be that set's SET.csv); else where the sets are listed. */
static void fetch_hint(const char *dir, const char *file, int dest, char *hint, size_t n)
{
    static const char *const DIRS[][2] = {{"mnist", "mnist"},   {"fashion-mnist", "fashion"}, {"iris", "iris"},
                                          {"wine", "wine"},     {"breast_cancer", "breast_cancer"},
                                          {"digits", "digits"}};
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    size_t b = len;
    while (b > 0 && dir[b - 1] != '/') b--;
    const char *set = NULL;
    for (size_t i = 0; i < sizeof DIRS / sizeof DIRS[0]; i++) {
        char csv[32];
        snprintf(csv, sizeof csv, "%s.csv", DIRS[i][1]);
        if (strlen(DIRS[i][0]) == len - b && strncmp(dir + b, DIRS[i][0], len - b) == 0 &&
            (file ? i >= 2 && strcmp(file, csv) == 0 : i < 2))
            set = DIRS[i][1];
    }
    if (!set)
        snprintf(hint, n, "; %s --help lists the data sets it fetches", fetch_command());
    else if (dest)
        snprintf(hint, n, "; fetch it with %s %s --dest %.*s", fetch_command(), set, (int)len, dir);
    else
        snprintf(hint, n, "; fetch it with %s %s", fetch_command(), set);
}

/* The hint for a path: its directory and, for a file (csv), its name. */
static void path_hint(const char *path, int is_file, int dest, char *hint, size_t n)
{
    char dir[2048];
    const char *slash = strrchr(path, '/');
    if (!is_file)
        snprintf(dir, sizeof dir, "%s", path);
    else if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    fetch_hint(dir, is_file ? (slash ? slash + 1 : path) : NULL, dest, hint, n);
}

/* Whether path (with probe, a file name in it that may also be .gz) exists. */
static int present(const char *path, const char *probe)
{
    char p[2048], found[2100];
    struct stat st;
    rm_err scratch;
    if (!probe) return stat(path, &st) == 0;
    return snprintf(p, sizeof p, "%s/%s", path, probe) < (int)sizeof p &&
           rm_idx_find(p, found, sizeof found, &scratch) == RM_OK;
}

int rm_data_locate(const char *path, const char *probe, char *out, size_t n, rm_err *e)
{
    char cand[3][2048], looked[3 * 2048 + 64] = "", hint[2200];
    if (strncmp(path, "data/", 5) != 0 && strcmp(path, "data") != 0) {
        if ((size_t)snprintf(out, n, "%s", path) >= n) return rm_fail(e, RM_ERR_USAGE, "%s: path too long", path);
        return RM_OK;
    }
    const char *rest = path[4] ? path + 5 : "", *env = getenv("REGMNIST_DATA"), *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int k = 0;
    if (env && env[0]) snprintf(cand[k++], sizeof cand[0], "%s%s%s", env, rest[0] ? "/" : "", rest);
    const int here = k;
    snprintf(cand[k++], sizeof cand[0], "%s", path);
    if (xdg && xdg[0] == '/')
        snprintf(cand[k++], sizeof cand[0], "%s/regmnist%s%s", xdg, rest[0] ? "/" : "", rest);
    else if (home && home[0])
        snprintf(cand[k++], sizeof cand[0], "%s/.local/share/regmnist%s%s", home, rest[0] ? "/" : "", rest);
    for (int i = 0; i < k; i++) {
        if (strlen(cand[i]) >= sizeof cand[0] - 1 || !present(cand[i], probe)) {
            size_t used = strlen(looked);
            snprintf(looked + used, sizeof looked - used, "%s%s%s", i ? ", " : "", i == here ? "./" : "", cand[i]);
            continue;
        }
        if ((size_t)snprintf(out, n, "%s", cand[i]) >= n) return rm_fail(e, RM_ERR_USAGE, "%s: path too long", cand[i]);
        return RM_OK;
    }
    path_hint(path, probe == NULL, 0, hint, sizeof hint);
    return rm_fail(e, RM_ERR_IO, "%s%s%s: not found (looked in %s%s)%s", path, probe ? "/" : "", probe ? probe : "",
                   looked, probe ? ", each also as .gz" : "", hint);
}

/* An IDX file of the data directory dir: it must be there (or its .gz). */
static int idx_file(const char *dir, const char *name, char *out, size_t n, rm_err *e)
{
    char found[2100], msg[sizeof e->msg], hint[2200];
    if (rm_path_join(out, n, dir, name, e)) return e->code;
    if (rm_idx_find(out, found, sizeof found, e) == RM_OK) return RM_OK;
    snprintf(msg, sizeof msg, "%s", e->msg);
    fetch_hint(dir, NULL, 1, hint, sizeof hint);
    return rm_fail(e, e->code, "%s%s", msg, hint);
}

/* A csv file: located, and there. */
static int csv_file(const char *path, char *out, size_t n, rm_err *e)
{
    char hint[2200];
    struct stat st;
    if (!path[0]) return out[0] = '\0', RM_OK;
    if (rm_data_locate(path, NULL, out, n, e)) return e->code;
    if (stat(out, &st) == 0 || errno != ENOENT) return RM_OK; /* the reader reports anything else */
    path_hint(out, 1, 1, hint, sizeof hint);
    return rm_fail(e, RM_ERR_IO, "%s: not found%s", out, hint);
}

int rm_data_find(const rm_config *c, int need, rm_data_files *f, rm_err *e)
{
    char dir[2048];
    f->train_images[0] = f->train_labels[0] = f->test_images[0] = f->test_labels[0] = f->train[0] = f->test[0] = 0;
    if (c->data.format == RM_FORMAT_CSV)
        return csv_file(c->data.train, f->train, sizeof f->train, e) || csv_file(c->data.test, f->test, sizeof f->test, e)
                   ? e->code
                   : RM_OK;
    if (rm_data_locate(c->data.dir, need & RM_NEED_TRAIN ? c->data.train_images : c->data.test_images, dir, sizeof dir, e))
        return e->code;
    if ((need & RM_NEED_TRAIN) && (idx_file(dir, c->data.train_images, f->train_images, sizeof f->train_images, e) ||
                                   idx_file(dir, c->data.train_labels, f->train_labels, sizeof f->train_labels, e)))
        return e->code;
    if ((need & RM_NEED_TEST) && (idx_file(dir, c->data.test_images, f->test_images, sizeof f->test_images, e) ||
                                  idx_file(dir, c->data.test_labels, f->test_labels, sizeof f->test_labels, e)))
        return e->code;
    return RM_OK;
}

/* One IDX set; a training set (training) must hold at least 2 classes. */
static int load_set(const char *ip, const char *lp, int training, rm_dataset *d, rm_err *e)
{
    return rm_idx_load(d, ip, lp, e) || (training && rm_idx_require_classes(d, lp, e)) ? e->code : RM_OK;
}

int rm_prepare_load(const rm_config *c, rm_dataset *train, rm_dataset *test, rm_csv_table *table,
                     uint32_t **test_rows, rm_err *e)
{
    rm_data_files f;
    if (rm_data_find(c, RM_NEED_BOTH, &f, e)) return e->code;
    if (c->data.format == RM_FORMAT_IDX) {
        if (load_set(f.train_images, f.train_labels, 1, train, e) || load_set(f.test_images, f.test_labels, 0, test, e))
            return e->code;
        return rm_config_check_classes(c, "config", RM_CLASSES, e);
    }
    rm_csv_opts o = RM_CSV_OPTS_INIT;
    o.label = c->data.label[0] ? c->data.label : NULL;
    o.label_index = c->data.label_index;
    if (rm_csv_read(table, f.train, &o, e) || rm_config_check_classes(c, "config", table->classes, e))
        return e->code;
    int rc;
    if (f.test[0]) {
        rm_csv_table tt;
        memset(&tt, 0, sizeof tt);
        o.like = table;
        rc = rm_csv_read(&tt, f.test, &o, e);
        if (!rc) rc = rm_dataset_from_table(test, &tt, NULL, tt.n, f.test, e);
        if (!rc) rc = rm_dataset_from_table(train, table, NULL, table->n, f.train, e);
        rm_csv_free(&tt);
    } else {
        uint32_t *tr = NULL, *te = NULL, ntr = 0, nte = 0;
        rc = rm_csv_split_stratified(table->y, table->n, table->classes, c->data.test_fraction, (uint64_t)c->seed, &tr,
                                     &ntr, &te, &nte, e);
        if (rc) {
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e->msg);
            rc = rm_fail(e, rc, "%s: %s", f.train, msg);
        }
        if (!rc) rc = rm_dataset_from_table(train, table, tr, ntr, f.train, e);
        if (!rc) rc = rm_dataset_from_table(test, table, te, nte, f.train, e);
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
        rm_data_files f;
        if (rm_config_check_classes(c, "config", RM_CLASSES, e) || rm_data_find(c, RM_NEED_BOTH, &f, e)) return e->code;
        if (rm_idx_load_labels(&d, f.train_labels, e)) return e->code;
        if (rm_idx_require_classes(&d, f.train_labels, e)) {
            rm_dataset_free(&d);
            return e->code;
        }
        rm_split_counts(d.labels, d.n, c->data.subset, c->data.val_fraction, &n_train, &n_val);
        shape.n_file = d.n;
        rm_dataset_free(&d);
        if (rm_idx_load_labels(&test, f.test_labels, e)) return e->code;
        shape.n_test = test.n;
        rm_dataset_free(&test);
        shape.n_train = n_train;
        shape.n_val = n_val;
    }
    if (rm_config_check_counts(c, "config", n_train, n_val, e)) return e->code;
    return limit ? rm_check_memory(c, &shape, limit, "config", e) : RM_OK;
}
