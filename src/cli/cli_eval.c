/* cli_eval.c - `regmnist eval RUN_DIR`: score a run's model.safetensors on its test, validation or
 * training split (IDX or csv; or on other data of the same shape through --set data.*), print the loss
 * and accuracy, and write eval.json (loss, accuracy, per-class accuracy) and confusion.csv, or
 * eval_<split>.json and confusion_<split>.csv for the val and train splits. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_common.h"
#include "rm_cli.h"
#include "rm_config.h"
#include "rm_csv.h"
#include "rm_data.h"
#include "rm_idx.h"
#include "rm_evaluate.h"
#include "rm_gemm.h"
#include "rm_model.h"
#include "rm_pool.h"
#include "rm_model_file.h"
#include "rm_prepare.h"
#include "rm_train.h"

static const char HELP[] =
    "Evaluate a run's saved model (RUN_DIR/model.safetensors, with RUN_DIR/config.json) in\n"
    "eval mode; print the loss and accuracy; write eval.json and confusion.csv (the test\n"
    "split), or eval_val.json and confusion_val.csv, eval_train.json and confusion_train.csv.\n"
    "\n"
    "  --split test|val|train  which images (default test); val and train are the run's\n"
    "                          own split of the training files (same seed, subset, fraction)\n"
    "  --set data.KEY=JSON     other data of the same shape, e.g. --set data.dir=data/fashion\n"
    "                          (only data.* keys may change)\n"
    "  --out DIR               where the eval and confusion files go (default RUN_DIR)\n"
    "  --threads N             worker threads, a number or auto (default the run's)\n"
    "  --quiet                 print nothing but errors\n"
    "\n"
    "confusion.csv: one row per true class, one column per predicted class.\n"
    "Exit status: 0 ok; 2 usage or config error; 3 data, model file or I/O error.\n";

enum { SPLIT_TEST, SPLIT_VAL, SPLIT_TRAIN };
static const char *const SPLITS[] = {"test", "val", "train"};

/* The samples of the split: the test files (csv: the test file or the run's held-out rows), or the
 * run's own split of the training files. */
static int load_split(const rm_config *c, int split, rm_dataset *d, uint32_t **idx, uint32_t *n, rm_err *e)
{
    rm_data_files f;
    const int test = split == SPLIT_TEST;
    if (c->data.format == RM_FORMAT_CSV) {
        rm_dataset other;
        int rc = rm_run_load_data(c, test ? &other : d, test ? d : &other, e);
        rm_dataset_free(&other);
        if (rc) return rc;
    } else if (rm_data_find(c, test ? RM_NEED_TEST : RM_NEED_TRAIN, &f, e) ||
               rm_idx_load(d, test ? f.test_images : f.train_images, test ? f.test_labels : f.train_labels, e)) {
        return e->code;
    }
    if (test) {
        *idx = rm_alloc(d->n, sizeof(uint32_t), "test indices", e);
        if (!*idx) return e->code;
        for (uint32_t i = 0; i < d->n; i++) (*idx)[i] = i;
        *n = d->n;
        return RM_OK;
    }
    rm_rng rng;
    uint32_t *train = NULL, *val = NULL, nt = 0, nv = 0;
    rm_rng_seed(&rng, (uint64_t)c->seed, RM_STREAM_SPLIT);
    if (rm_split_classes(d->labels, d->n, d->classes, c->data.subset, c->data.val_fraction, &rng, &train, &nt, &val,
                         &nv, e)) {
        rm_free(train);
        rm_free(val);
        return e->code;
    }
    if (split == SPLIT_VAL && nv == 0) {
        rm_free(train);
        rm_free(val);
        return rm_fail(e, RM_ERR_USAGE, "--split val: the run has no validation set (data.val_fraction %g)",
                       c->data.val_fraction);
    }
    *idx = split == SPLIT_VAL ? val : train;
    *n = split == SPLIT_VAL ? nv : nt;
    rm_free(split == SPLIT_VAL ? train : val);
    return RM_OK;
}

/* The run's summary.json parsed (cJSON_Delete it; NULL with e set when unreadable; its path in path), and
 * its normalize.mean and normalize.std (NULL when absent). */
static cJSON *summary_norm(const char *run, char *path, size_t np, const cJSON **mean, const cJSON **std, rm_err *e)
{
    if (rm_path_join(path, np, run, "summary.json", e)) return NULL;
    size_t len;
    char *text = rm_read_text(path, RM_JSON_MAX, &len, e);
    if (!text) return NULL;
    cJSON *o = cJSON_ParseWithOpts(text, NULL, 1);
    free(text);
    const cJSON *nz = cJSON_GetObjectItemCaseSensitive(o, "normalize");
    *mean = cJSON_GetObjectItemCaseSensitive(nz, "mean");
    *std = cJSON_GetObjectItemCaseSensitive(nz, "std");
    if (!o) rm_fail(e, RM_ERR_IO, "%s: not valid JSON", path);
    return o;
}

/* csv with data.normalize "dataset": standardize d's features with the per-feature mean and std the run
 * measured (summary.json normalize.mean and normalize.std, arrays of d->dim numbers). */
static int csv_norm(const char *run, rm_dataset *d, rm_err *e)
{
    char path[2048];
    const cJSON *m, *s;
    cJSON *o = summary_norm(run, path, sizeof path, &m, &s, e);
    if (!o) return e->code;
    double *mean = rm_alloc((size_t)d->dim, sizeof(double), "feature means", e); // (dim)
    double *std = rm_alloc((size_t)d->dim, sizeof(double), "feature stds", e);   // (dim)
    int ok = mean && std && cJSON_IsArray(m) && cJSON_IsArray(s) && cJSON_GetArraySize(m) == d->dim &&
             cJSON_GetArraySize(s) == d->dim;
    for (int j = 0; ok && j < d->dim; j++) {
        const cJSON *mj = cJSON_GetArrayItem(m, j), *sj = cJSON_GetArrayItem(s, j);
        ok = cJSON_IsNumber(mj) && cJSON_IsNumber(sj) && sj->valuedouble > 0;
        if (ok) {
            mean[j] = mj->valuedouble;
            std[j] = sj->valuedouble;
        }
    }
    cJSON_Delete(o);
    if (ok) rm_csv_standardize(d->features, d->n, (uint32_t)d->dim, mean, std);
    const int allocated = mean && std;
    rm_free(mean);
    rm_free(std);
    if (ok) return RM_OK;
    return allocated ? rm_fail(e, RM_ERR_IO, "%s: lacks normalize.mean and normalize.std for %d features, which "
                                             "data.normalize \"dataset\" needs", path, d->dim)
                     : e->code;
}

/* data.normalize "dataset": the mean and std the run measured, from its summary.json. */
static int run_norm(const char *run, double *mean, double *std, rm_err *e)
{
    char path[2048];
    const cJSON *m, *s;
    cJSON *o = summary_norm(run, path, sizeof path, &m, &s, e);
    if (!o) return e->code;
    int ok = cJSON_IsNumber(m) && cJSON_IsNumber(s) && s->valuedouble > 0;
    if (ok) {
        *mean = m->valuedouble;
        *std = s->valuedouble;
    }
    cJSON_Delete(o);
    return ok ? RM_OK
              : rm_fail(e, RM_ERR_IO, "%s: lacks normalize.mean and normalize.std, which data.normalize \"dataset\" needs",
                        path);
}

static int write_outputs(const char *out, const char *run, const char *model_path, int split, const rm_config *c,
                         uint32_t n, rm_eval_result r, const long *conf, int C, rm_err *e)
{
    char path[2048];
    cJSON *o = cJSON_CreateObject(), *per = cJSON_CreateArray();
    if (!o || !per) {
        cJSON_Delete(o);
        cJSON_Delete(per);
        return rm_fail(e, RM_ERR_RUN, "out of memory");
    }
    cJSON_AddStringToObject(o, "run", run);
    cJSON_AddStringToObject(o, "model", model_path);
    cJSON_AddStringToObject(o, "split", SPLITS[split]);
    cJSON_AddStringToObject(o, "data_dir", c->data.dir);
    cJSON_AddNumberToObject(o, "n", n);
    cJSON_AddNumberToObject(o, "loss", r.loss);
    cJSON_AddNumberToObject(o, "accuracy", r.acc);
    for (int t = 0; t < C; t++) {
        long total = 0;
        for (int q = 0; q < C; q++) total += conf[t * C + q];
        cJSON_AddItemToArray(per, total ? cJSON_CreateNumber(100.0 * (double)conf[t * C + t] / (double)total)
                                        : cJSON_CreateNull());
    }
    cJSON_AddItemToObject(o, "per_class_accuracy", per);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text) return rm_fail(e, RM_ERR_RUN, "out of memory");
    size_t len = strlen(text);
    text[len] = '\n';
    /* One pair of files per split, so evaluating one split keeps another's (issue 16): the test split's
     * are eval.json and confusion.csv, the others' eval_val.json, confusion_train.csv, ... */
    char json_name[32], csv_name[32];
    const char *sfx = split == SPLIT_TEST ? "" : SPLITS[split];
    snprintf(json_name, sizeof json_name, "eval%s%s.json", sfx[0] ? "_" : "", sfx);
    snprintf(csv_name, sizeof csv_name, "confusion%s%s.csv", sfx[0] ? "_" : "", sfx);
    int rc = rm_path_join(path, sizeof path, out, json_name, e);
    if (!rc) rc = rm_write_atomic(path, text, len + 1, e);
    cJSON_free(text);
    if (rc) return rc;
    /* confusion.csv: header "true,pred0,...", then one row per true class */
    char csv[8192];
    size_t at = (size_t)snprintf(csv, sizeof csv, "true");
    for (int q = 0; q < C && at < sizeof csv; q++) at += (size_t)snprintf(csv + at, sizeof csv - at, ",pred%d", q);
    for (int t = 0; t < C && at < sizeof csv; t++) {
        at += (size_t)snprintf(csv + at, sizeof csv - at, "\n%d", t);
        for (int q = 0; q < C && at < sizeof csv; q++)
            at += (size_t)snprintf(csv + at, sizeof csv - at, ",%ld", conf[t * C + q]);
    }
    if (at + 1 >= sizeof csv) return rm_fail(e, RM_ERR_RUN, "%s: too large", csv_name);
    csv[at++] = '\n';
    if (rm_path_join(path, sizeof path, out, csv_name, e)) return e->code;
    return rm_write_atomic(path, csv, at, e);
}

int rm_cli_eval(int argc, char **argv)
{
    const char *run = NULL, *out = NULL, *threads = NULL, *sets[256];
    int nsets = 0, quiet = 0, split = SPLIT_TEST;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s\n%s", rm_cli_usage, HELP);
            return RM_OK;
        }
        if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
            continue;
        }
        int takes = !strcmp(a, "--split") || !strcmp(a, "--set") || !strcmp(a, "--out") || !strcmp(a, "--threads");
        if (takes) {
            if (i + 1 >= argc) return rm_cli_usage_error("eval", "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--split")) {
                int k = 0;
                while (k < 3 && strcmp(SPLITS[k], v) != 0) k++;
                if (k == 3) return rm_cli_usage_error("eval", "--split: expected test, val or train, got '%s'", v);
                split = k;
            } else if (!strcmp(a, "--set")) {
                if (strncmp(v, "data.", 5) != 0)
                    return rm_cli_usage_error("eval", "--set %s: eval may change only data.* keys", v);
                if (nsets == 256) return rm_cli_usage_error("eval", "%s: too many overrides", a);
                sets[nsets++] = v;
            } else if (!strcmp(a, "--out")) {
                if (!v[0]) return rm_cli_usage_error("eval", "%s: the directory must not be empty", a);
                out = v;
            } else {
                threads = v;
            }
        } else if (a[0] == '-' || run) {
            return rm_cli_usage_error("eval", "unknown argument '%s'", a);
        } else {
            run = a;
        }
    }
    if (!run) return rm_cli_usage_error("eval", "%s", "RUN_DIR is required");
    if (!out) out = run;

    static rm_config c;
    rm_err e = {0};
    char cfg_path[2048], model_path[2048];
    rm_config_defaults(&c);
    if (rm_path_join(cfg_path, sizeof cfg_path, run, "config.json", &e) ||
        rm_path_join(model_path, sizeof model_path, run, "model.safetensors", &e) || rm_config_load(&c, cfg_path, &e))
        return rm_cli_fail("eval", &e);
    for (int i = 0; i < nsets; i++)
        if (rm_config_set(&c, sets[i], &e)) return rm_cli_fail("eval", &e);
    if (threads) {
        size_t n = strlen(threads);
        const int is_auto = strcmp(threads, "auto") == 0;
        if (!is_auto && (n == 0 || n > 2 || strspn(threads, "0123456789") != n))
            return rm_cli_usage_error("eval", "--threads: expected a whole decimal number or auto, got '%s'", threads);
        cJSON *v = is_auto ? cJSON_CreateString("auto") : cJSON_CreateNumber(atoi(threads));
        int rc = rm_config_set_flag(&c, "--threads", "threads", v, &e);
        cJSON_Delete(v);
        if (rc) return rm_cli_fail("eval", &e);
    }
    if (rm_config_validate(&c, cfg_path, &e)) return rm_cli_fail("eval", &e);
    const int csv = c.data.format == RM_FORMAT_CSV;
    double norm_mean = 0.0, norm_std = 1.0;
    if (!csv && c.data.normalize == RM_NORM_DATASET && run_norm(run, &norm_mean, &norm_std, &e))
        return rm_cli_fail("eval", &e);

    rm_dataset d = {0};
    uint32_t *idx = NULL, n = 0;
    rm_model m;
    memset(&m, 0, sizeof m);
    uint8_t *labels = NULL;
    long *conf = NULL; // (classes, classes)
    int rc = load_split(&c, split, &d, &idx, &n, &e);
    if (!rc && csv && c.data.normalize == RM_NORM_DATASET) rc = csv_norm(run, &d, &e);
    if (!rc && !(conf = rm_alloc((size_t)d.classes * (size_t)d.classes, sizeof(long), "confusion counts", &e)))
        rc = e.code;
    if (!rc) {
        rm_model_spec spec;
        rm_config_model_spec(&c, d.dim, d.classes, &spec);
        rc = rm_model_build(&m, &spec, rm_eval_batch(n), &e);
    }
    if (!rc) rc = rm_model_file_load(&m, model_path, NULL, &e);
    if (!rc && !(labels = rm_alloc((size_t)rm_eval_batch(n), 1, "labels", &e))) rc = e.code;
    if (!rc) rc = rm_gemm_start(c.threads, &e);
    if (!rc) {
        float lut[256];
        if (c.data.normalize == RM_NORM_DATASET) /* the statistics of the run's own training split */
            rm_norm_lut(norm_mean, norm_std, lut);
        else
            rm_norm_table(c.data.normalize, lut);
        rm_blas_set_threads(1);
        rm_eval_result r = rm_evaluate(&m, &d, idx, n, lut, labels, conf, NULL);
        rm_gemm_stop();
        if (!quiet)
            printf("regmnist: %s: %s loss %.6g, accuracy %.2f%% (%u %s from %s)\n", run, SPLITS[split], r.loss,
                   r.acc, n, csv ? "rows" : "images", csv ? (split == SPLIT_TEST && c.data.test[0] ? c.data.test : c.data.train)
                                                         : c.data.dir);
        rc = rm_mkdirs(out, &e);
        if (!rc) rc = write_outputs(out, run, model_path, split, &c, n, r, conf, d.classes, &e);
    }
    rm_free(conf);
    rm_free(labels);
    rm_model_free(&m);
    rm_free(idx);
    rm_dataset_free(&d);
    return rc ? rm_cli_fail("eval", &e) : RM_OK;
}
