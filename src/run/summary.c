/* summary.c - summary.json: how a run ended (status, stop reason, early stopping's best epoch), the
 * final and best epochs' metrics, the data's sizes and normalization (csv data: its table), the
 * times, and the provenance (command line, overrides, host, version, commit); a pruned sweep run's
 * mark (status "pruned", its rung). */
#define _POSIX_C_SOURCE 200809L
#include "summary.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rm_augment.h"
#include "rm_epoch_log.h"
#include "rm_gemm.h"
#include "rm_rng.h"
#include "rm_train.h"

int rm_write_json(const char *path, cJSON *obj, rm_err *e)
{
    char *text = cJSON_Print(obj);
    if (!text) return rm_fail(e, RM_ERR_RUN, "%s: out of memory", path);
    size_t n = strlen(text);
    text[n] = '\n'; /* replaces the terminator: written with its length */
    int rc = rm_write_atomic(path, text, n + 1, e);
    cJSON_free(text);
    return rc;
}

/* A row's metrics as JSON members of o (val only with a validation set). */
static void add_metrics(cJSON *o, const rm_epoch_row *r, int has_val, int has_te)
{
    cJSON_AddNumberToObject(o, "epoch", r->epoch);
    for (int k = 0; k < rm_epoch_metric_count; k++) {
        const rm_metric *m = &rm_epoch_metrics[k];
        if (m->in_summary && rm_metric_present(m, has_val, has_te))
            cJSON_AddNumberToObject(o, m->name, rm_metric_value(m, r, has_te));
    }
}

static void iso_time(time_t t, char *buf, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The command line as a shell would re-read it: words with special characters single-quoted. */
static cJSON *command_text(int argc, char **argv)
{
    size_t cap = 64;
    for (int i = 0; i < argc; i++) cap += 4 * strlen(argv[i]) + 3;
    char *buf = malloc(cap), *p = buf;
    if (!buf) return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = a[0] != '\0';
        for (const char *q = a; *q && plain; q++)
            plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=,:+@%", *q) != NULL;
        if (i) *p++ = ' ';
        if (plain) {
            p += sprintf(p, "%s", a);
            continue;
        }
        *p++ = '\'';
        for (const char *q = a; *q; q++) {
            if (*q == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *q;
            }
        }
        *p++ = '\'';
    }
    *p = '\0';
    cJSON *v = cJSON_CreateString(buf);
    free(buf);
    return v;
}

/* Where and how the run was made: times, command line, overrides, host, version and commit. */
static void add_provenance(cJSON *o, const rm_run_opts *opts, const rm_run_outcome *out)
{
    char t[32], host[256] = "";
    iso_time(out->started, t, sizeof t);
    cJSON_AddStringToObject(o, "started", t);
    iso_time(time(NULL), t, sizeof t);
    cJSON_AddStringToObject(o, "finished", t);
    if (out->resumed_from >= 0) cJSON_AddNumberToObject(o, "resumed_after_epoch", out->resumed_from);
    if (opts->argv) {
        cJSON *cmd = command_text(opts->argc, opts->argv);
        if (cmd) cJSON_AddItemToObject(o, "command", cmd);
    }
    cJSON *sets = cJSON_CreateArray();
    for (int i = 0; sets && i < opts->nsets; i++) cJSON_AddItemToArray(sets, cJSON_CreateString(opts->sets[i]));
    if (sets) cJSON_AddItemToObject(o, "overrides", sets);
    gethostname(host, sizeof host - 1);
    cJSON_AddStringToObject(o, "host", host);
    cJSON_AddStringToObject(o, "git_commit", RM_GIT_COMMIT);
}

/* csv data in summary.json: "data" (files, label column, feature names, classes and, for string labels,
 * the class names in class-id order) and, with data.normalize "dataset", "normalize" with each
 * feature's mean and std over the training split. */
static void add_tabular(cJSON *o, const rm_config *c, const rm_run_outcome *out)
{
    const rm_csv_table *t = out->table;
    cJSON *d = cJSON_AddObjectToObject(o, "data");
    if (!d) return;
    cJSON_AddStringToObject(d, "format", "csv");
    cJSON_AddStringToObject(d, "train", c->data.train);
    cJSON_AddStringToObject(d, "test", c->data.test);
    cJSON_AddStringToObject(d, "label", t->label_name);
    cJSON_AddNumberToObject(d, "label_column", t->label_column);
    cJSON_AddNumberToObject(d, "n_features", t->d);
    cJSON_AddItemToObject(d, "features", cJSON_CreateStringArray((const char *const *)t->feature_names, (int)t->d));
    cJSON_AddNumberToObject(d, "classes", t->classes);
    cJSON_AddItemToObject(d, "class_names", t->class_names
                                                ? cJSON_CreateStringArray((const char *const *)t->class_names, t->classes)
                                                : cJSON_CreateNull());
    cJSON_AddNumberToObject(d, "test_split_stream", RM_STREAM_TEST_SPLIT);
    if (out->test_rows) { /* the held-out rows (0-based data rows of data.train), so others can rebuild the test set */
        cJSON *rows = cJSON_AddArrayToObject(d, "test_rows");
        for (uint32_t i = 0; rows && i < out->n_test; i++) cJSON_AddItemToArray(rows, cJSON_CreateNumber(out->test_rows[i]));
    }
    if (!out->feat_mean) return;
    cJSON *nz = cJSON_AddObjectToObject(o, "normalize");
    if (!nz) return;
    cJSON_AddStringToObject(nz, "kind", "dataset");
    cJSON_AddItemToObject(nz, "mean", cJSON_CreateDoubleArray(out->feat_mean, (int)t->d));
    cJSON_AddItemToObject(nz, "std", cJSON_CreateDoubleArray(out->feat_std, (int)t->d));
}

int rm_summary_write(const rm_config *c, const char *dir, const rm_progress *p, const rm_run_outcome *out,
                     const rm_run_opts *opts, rm_err *e)
{
    char path[2048], blas[512];
    if (rm_path_join(path, sizeof path, dir, "summary.json", e)) return e->code;
    rm_blas_describe(blas, sizeof blas);
    cJSON *o = cJSON_CreateObject();
    cJSON *fin = cJSON_CreateObject(), *streams = cJSON_CreateObject();
    if (!o || !fin || !streams) {
        cJSON_Delete(o);
        cJSON_Delete(fin);
        cJSON_Delete(streams);
        return rm_fail(e, RM_ERR_RUN, "%s: out of memory", path);
    }
    cJSON_AddStringToObject(o, "name", c->name);
    cJSON_AddStringToObject(o, "status", out->status);
    cJSON_AddStringToObject(o, "stop_reason", out->stop_reason);
    cJSON_AddStringToObject(o, "version", RM_VERSION);
    add_provenance(o, opts, out);
    cJSON_AddNumberToObject(o, "seed", c->seed);
    cJSON_AddNumberToObject(streams, "split", RM_STREAM_SPLIT);
    cJSON_AddNumberToObject(streams, "init", RM_STREAM_INIT);
    cJSON_AddNumberToObject(streams, "shuffle", RM_STREAM_SHUFFLE);
    cJSON_AddNumberToObject(streams, "dropout", RM_STREAM_DROPOUT);
    cJSON_AddNumberToObject(streams, "train_eval", RM_STREAM_TRAIN_EVAL);
    cJSON_AddNumberToObject(streams, "augment", RM_STREAM_AUGMENT);
    cJSON_AddNumberToObject(streams, "noise", RM_STREAM_NOISE);
    cJSON_AddItemToObject(o, "rng_streams", streams);
    cJSON_AddNumberToObject(o, "threads", c->threads);
    cJSON_AddStringToObject(o, "threads_source", c->threads_source);
    cJSON_AddStringToObject(o, "blas", blas);
    cJSON_AddNumberToObject(o, "epochs", p->epoch);
    cJSON_AddNumberToObject(o, "stopped_epoch", p->epoch);
    cJSON_AddNumberToObject(o, "n_train", out->n_train);
    cJSON_AddNumberToObject(o, "n_val", out->n_val);
    cJSON_AddNumberToObject(o, "n_test", out->n_test);
    cJSON_AddNumberToObject(o, "n_params", (double)out->n_params);
    if (out->final) add_metrics(fin, out->final, out->n_val > 0, out->n_te > 0);
    cJSON_AddNumberToObject(o, "n_train_eval", out->n_te);
    if (out->table) add_tabular(o, c, out);
    else if (c->data.normalize == RM_NORM_DATASET) {
        cJSON *nz = cJSON_AddObjectToObject(o, "normalize");
        if (nz) {
            cJSON_AddStringToObject(nz, "kind", "dataset");
            cJSON_AddNumberToObject(nz, "mean", out->norm_mean);
            cJSON_AddNumberToObject(nz, "std", out->norm_std);
        }
    }
    cJSON_AddItemToObject(o, "final", fin);
    if (c->train.es.enabled) {
        cJSON_AddStringToObject(o, "monitor", out->monitor);
        cJSON_AddNumberToObject(o, "best_epoch", p->es.best_epoch);
        cJSON_AddBoolToObject(o, "restored_best", c->train.es.restore_best && p->es.best_epoch > 0 &&
                                                      out->ended);
        if (p->es.best_epoch > 0) {
            cJSON *best = cJSON_AddObjectToObject(o, "best");
            if (best) add_metrics(best, &p->best, out->n_val > 0, out->n_te > 0);
        }
    }
    cJSON_AddNumberToObject(o, "load_seconds", out->load_s);
    cJSON_AddNumberToObject(o, "train_seconds", p->train_s);
    cJSON_AddNumberToObject(o, "eval_seconds", p->eval_s);
    cJSON_AddNumberToObject(o, "wall_seconds", out->wall_s);
    cJSON_AddNumberToObject(o, "samples_per_second", p->train_s > 0 ? p->samples / p->train_s : 0.0);
    int rc = rm_write_json(path, o, e);
    cJSON_Delete(o);
    return rc;
}

/* summary.json of the run in dir: status pruned, and the rung it stopped at (idempotent). */
int rm_summary_mark_pruned(const char *dir, int r, int epochs, rm_err *e)
{
    char path[2200];
    size_t len;
    if (rm_path_join(path, sizeof path, dir, "summary.json", e)) return e->code;
    char *text = rm_read_text(path, RM_JSON_MAX, &len, e);
    if (!text) return e->code;
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return rm_fail(e, RM_ERR_IO, "%s: not a JSON object", path);
    }
    cJSON_ReplaceItemInObjectCaseSensitive(j, "status", cJSON_CreateString("pruned"));
    cJSON_DeleteItemFromObjectCaseSensitive(j, "rung");
    cJSON_DeleteItemFromObjectCaseSensitive(j, "rung_epochs");
    cJSON_AddNumberToObject(j, "rung", r);
    cJSON_AddNumberToObject(j, "rung_epochs", epochs);
    int rc = rm_write_json(path, j, e);
    cJSON_Delete(j);
    return rc;
}
