/* epoch_log.c - the one table of per-epoch metrics (rm_epoch_log.h), metrics.csv's header and rows
 * written from it, and a run's per-epoch files (epoch_log.h): metrics.csv, weights.csv,
 * activations.csv, the TensorBoard events and the weight images. */
#include "epoch_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rm_data.h"
#include "rm_png.h"

/* The generalization gap: from the eval-mode training sample when measured, else the on-the-fly figure. */
static double row_gap(const rm_epoch_row *r, int has_te)
{
    return (has_te ? r->train_eval.acc : r->train_acc) - r->test.acc;
}

#define AT(field) offsetof(rm_epoch_row, field), NULL
enum { ALWAYS = RM_METRIC_ALWAYS, VAL = RM_METRIC_VAL, TE = RM_METRIC_TRAIN_EVAL };

/* metrics.csv's columns are only ever appended (a resumed run appends rows to an older file), so a
 * metric's column is given, not its place here. */
const rm_metric rm_epoch_metrics[] = {
    /* name             col  fmt     tb_tag             when    summary  label  value */
    {"train_loss",       1, "%.9g", "train/loss",      ALWAYS, 1,       "training loss, train mode", AT(train_loss)},
    {"penalty",          2, "%.9g", "penalty",         ALWAYS, 1,       "penalty term", AT(penalty)},
    {"train_acc",        3, "%.4f", "train/acc",       ALWAYS, 1,       "training accuracy, train mode (%)", AT(train_acc)},
    {"train_eval_loss", 11, "%.9g", "train_eval/loss", TE,     1,       "training loss", AT(train_eval.loss)},
    {"train_eval_acc",  12, "%.4f", "train_eval/acc",  TE,     1,       "training accuracy (%)", AT(train_eval.acc)},
    {"val_loss",         4, "%.9g", "val/loss",        VAL,    1,       "validation loss", AT(val.loss)},
    {"val_acc",          5, "%.4f", "val/acc",         VAL,    1,       "validation accuracy (%)", AT(val.acc)},
    {"test_loss",        6, "%.9g", "test/loss",       ALWAYS, 1,       "test loss", AT(test.loss)},
    {"test_acc",         7, "%.4f", "test/acc",        ALWAYS, 1,       "test accuracy (%)", AT(test.acc)},
    {"gap",              8, "%.4f", "gap",             ALWAYS, 1,       "generalization gap (percentage points)", 0, row_gap},
    {"lr",               9, "%.9g", "lr",              ALWAYS, 0,       "learning rate", AT(lr)},
    {"seconds",         10, "%.3f", NULL,              ALWAYS, 0,       "epoch time (s)", AT(seconds)},
};
const int rm_epoch_metric_count = (int)(sizeof rm_epoch_metrics / sizeof rm_epoch_metrics[0]);

/* The top-level numbers of summary.json that summarize and compare accept besides the metrics above. */
static const struct {
    const char *name, *label;
} TOP_LABELS[] = {{"epochs", "epochs"},           {"stopped_epoch", "stopped epoch"},
                  {"best_epoch", "best epoch"},   {"n_params", "parameters"},
                  {"train_seconds", "training time (s)"}, {"wall_seconds", "wall time (s)"},
                  {"load_seconds", "load time (s)"},      {"eval_seconds", "evaluation time (s)"},
                  {"samples_per_second", "samples per second"}};

void rm_metric_label(const char *name, char *buf, size_t n)
{
    int best = !strncmp(name, "best_", 5) && rm_epoch_metric(name + 5);
    const rm_metric *m = rm_epoch_metric(best ? name + 5 : name);
    if (!m) {
        for (size_t i = 0; i < sizeof TOP_LABELS / sizeof TOP_LABELS[0]; i++)
            if (!strcmp(TOP_LABELS[i].name, name)) {
                snprintf(buf, n, "%s", TOP_LABELS[i].label);
                return;
            }
        snprintf(buf, n, "%s", name);
        return;
    }
    const char *unit = strrchr(m->label, '(');
    int stem = unit && unit > m->label ? (int)(unit - m->label - 1) : (int)strlen(m->label);
    if (!best) snprintf(buf, n, "%s", m->label);
    else snprintf(buf, n, "%.*s at the best epoch%s%s", stem, m->label, unit ? " " : "", unit ? unit : "");
}

const rm_metric *rm_epoch_metric(const char *name)
{
    for (int k = 0; k < rm_epoch_metric_count; k++)
        if (!strcmp(rm_epoch_metrics[k].name, name)) return &rm_epoch_metrics[k];
    return NULL;
}

int rm_metric_present(const rm_metric *m, int has_val, int has_te)
{
    return m->when == RM_METRIC_VAL ? has_val : m->when == RM_METRIC_TRAIN_EVAL ? has_te : 1;
}

double rm_metric_value(const rm_metric *m, const rm_epoch_row *r, int has_te)
{
    if (m->derived) return m->derived(r, has_te);
    double v;
    memcpy(&v, (const char *)r + m->off, sizeof v);
    return v;
}

/* The metric in metrics.csv's column col (1..count). */
static const rm_metric *column(int col)
{
    for (int k = 0; k < rm_epoch_metric_count; k++)
        if (rm_epoch_metrics[k].csv_col == col) return &rm_epoch_metrics[k];
    return NULL; /* not reached: the columns are 1..count (tests/test_epoch_log.c) */
}

void rm_epoch_csv_header(char *buf, size_t n)
{
    size_t at = (size_t)snprintf(buf, n, "epoch");
    for (int col = 1; col <= rm_epoch_metric_count && at < n; col++)
        at += (size_t)snprintf(buf + at, n - at, ",%s", column(col)->name);
    if (at < n) snprintf(buf + at, n - at, "\n");
}

void rm_epoch_csv_row(FILE *f, const rm_epoch_row *r, int has_val, int has_te)
{
    fprintf(f, "%d", r->epoch);
    for (int col = 1; col <= rm_epoch_metric_count; col++) {
        const rm_metric *m = column(col);
        fputc(',', f);
        if (rm_metric_present(m, has_val, has_te)) fprintf(f, m->fmt, rm_metric_value(m, r, has_te));
    }
    fputc('\n', f);
}

/* ---- a run's per-epoch files ---- */

/* weights.csv after an epoch: every parameter tensor's statistics and its mean gradient norm. */
static int weight_stats_epoch(FILE *f, const rm_params *p, int epoch, double threshold, rm_grad_norm_acc *gacc,
                              const char *path, rm_err *e)
{
    for (int k = 0; k < p->count; k++) {
        const rm_tensor_info *t = &p->t[k];
        rm_wstats ws;
        rm_wstats_compute(p->data + t->off, (long)t->n, threshold, &ws);
        rm_wstats_csv_row(f, epoch, t->name, &ws, rm_grad_norm_mean(&gacc[k]));
        rm_grad_norm_reset(&gacc[k]);
    }
    if (fflush(f) != 0 || ferror(f)) return rm_fail(e, RM_ERR_IO, "%s: write failed", path);
    return RM_OK;
}

/* activations.csv after an epoch: each hidden layer's dead units and mean activation on the test set. */
static int activation_stats_epoch(FILE *f, const rm_act_acc *acts, int n_hidden, int epoch, const char *path,
                                  rm_err *e)
{
    for (int k = 0; k < n_hidden; k++) {
        char layer[16];
        snprintf(layer, sizeof layer, "fc%d", k);
        rm_act_csv_row(f, epoch, layer, &acts[k]);
    }
    if (fflush(f) != 0 || ferror(f)) return rm_fail(e, RM_ERR_IO, "%s: write failed", path);
    return RM_OK;
}

int rm_weight_image(const char *dir, const rm_params *p, int epoch, rm_err *e)
{
    const rm_tensor_info *t = &p->t[0]; /* fc0.weight (or out.weight): (units, 784) */
    char name[96], path[2048];
    const char *dot = strchr(t->name, '.');
    int layer = dot ? (int)(dot - t->name) : (int)strlen(t->name);
    if (epoch > 0)
        snprintf(name, sizeof name, "weights_%.*s_e%03d.png", layer, t->name, epoch);
    else
        snprintf(name, sizeof name, "weights_%.*s.png", layer, t->name);
    if (t->cols != RM_IMG_SIZE) return rm_fail(e, RM_ERR_USAGE, "%s: the first layer's inputs are not 28x28 images", name);
    if (rm_path_join(path, sizeof path, dir, name, e)) return e->code;
    return rm_png_write_weight_tiles(path, p->data + t->off, t->rows, RM_IMG_SIDE, 0, 0.0f, NULL, e);
}

/* TensorBoard, after each epoch: the row's scalars (as metrics.csv), then every parameter tensor and
 * its last step's gradient as histograms (tags "fc0.weight", "fc0.weight.grad"), then a flush. */
static int tensorboard_epoch(rm_tfevents *tb, const rm_params *p, const rm_epoch_row *row, int has_val,
                             int has_te, rm_err *e)
{
    const double wt = rm_tfevents_wall_time();
    const int64_t ep = row->epoch;
    for (int k = 0; k < rm_epoch_metric_count; k++) {
        const rm_metric *m = &rm_epoch_metrics[k];
        if (m->tb_tag && rm_metric_present(m, has_val, has_te) &&
            rm_tfevents_scalar(tb, m->tb_tag, ep, wt, (float)rm_metric_value(m, row, has_te), e))
            return e->code;
    }
    char tag[64];
    for (int k = 0; k < p->count; k++) {
        const rm_tensor_info *t = &p->t[k];
        snprintf(tag, sizeof tag, "%s.grad", t->name);
        if (rm_tfevents_histogram(tb, t->name, ep, wt, p->data + t->off, t->n, e) ||
            rm_tfevents_histogram(tb, tag, ep, wt, p->grad + t->off, t->n, e))
            return e->code;
    }
    return rm_tfevents_flush(tb, e);
}

/* Open (or, resumed, append to) one per-epoch CSV file, writing header when fresh. */
static FILE *open_csv(int resume, const char *path, const char *header, rm_err *e)
{
    FILE *f = rm_fopen(path, resume ? "a" : "w", e);
    if (f && !resume) {
        fputs(header, f);
        fflush(f);
    }
    return f;
}

int rm_epoch_files_init(rm_epoch_files *f, const char *dir, const rm_config *c, rm_err *e)
{
    f->dir = dir;
    if (rm_path_join(f->csv_path, sizeof f->csv_path, dir, "metrics.csv", e) ||
        rm_path_join(f->wcsv_path, sizeof f->wcsv_path, dir, "weights.csv", e) ||
        rm_path_join(f->acsv_path, sizeof f->acsv_path, dir, "activations.csv", e))
        return e->code;
    f->act_stats = c->output.weight_stats && c->model.n_hidden > 0;
    return RM_OK;
}

int rm_epoch_files_open(rm_epoch_files *f, const rm_config *c, int resume, int epoch, rm_err *e)
{
    char header[RM_EPOCH_CSV_HEADER_MAX];
    rm_epoch_csv_header(header, sizeof header);
    if (!(f->csv = open_csv(resume, f->csv_path, header, e))) return e->code;
    if (c->output.weight_stats && !(f->wcsv = open_csv(resume, f->wcsv_path, RM_WEIGHTS_CSV_HEADER, e))) return e->code;
    for (int k = 0; f->act_stats && k < c->model.n_hidden; k++)
        if (rm_act_acc_init(&f->acts[k], c->model.hidden[k], e)) return e->code;
    if (f->act_stats && !(f->acsv = open_csv(resume, f->acsv_path, RM_ACTIVATIONS_CSV_HEADER, e))) return e->code;
    /* A resumed run appends to its event file, cut to the saved epoch: each epoch appears once. */
    if (c->output.tensorboard && (resume ? rm_tfevents_resume(&f->tb, f->dir, epoch, e) : rm_tfevents_open(&f->tb, f->dir, e)))
        return e->code;
    return RM_OK;
}

/* One --set override "key=VALUE" as a hyper-parameter: a JSON number or boolean as such, a JSON string
 * as its text, anything else (a bare word, an array or object) as the text after "=". hp->name points
 * into key (the key, NUL-terminated there); *json holds what hp->text points into, for the caller to
 * free. */
static void set_hparam(const char *set, char *key, size_t n, rm_hparam *hp, cJSON **json)
{
    const char *eq = strchr(set, '=');
    size_t klen = eq ? (size_t)(eq - set) : strlen(set);
    if (klen >= n) klen = n - 1;
    memcpy(key, set, klen);
    key[klen] = '\0';
    const char *val = eq ? eq + 1 : "";
    *hp = (rm_hparam){key, RM_HP_STRING, 0.0, val};
    *json = cJSON_ParseWithOpts(val, NULL, 1);
    if (cJSON_IsNumber(*json)) *hp = (rm_hparam){key, RM_HP_NUMBER, (*json)->valuedouble, NULL};
    if (cJSON_IsBool(*json)) *hp = (rm_hparam){key, RM_HP_BOOL, cJSON_IsTrue(*json) ? 1.0 : 0.0, NULL};
    if (cJSON_IsString(*json)) hp->text = (*json)->valuestring;
}

int rm_epoch_files_hparams(rm_epoch_files *f, const rm_config *c, const char *const *sets, int nsets, rm_err *e)
{
    if (!f->tb.f) return RM_OK;
    rm_hparam *hp = rm_alloc((size_t)nsets + 1, sizeof *hp, "hyper-parameters", e);
    cJSON **json = hp ? rm_alloc((size_t)nsets + 1, sizeof *json, "hyper-parameters", e) : NULL;
    char(*keys)[256] = json ? rm_alloc((size_t)nsets + 1, sizeof *keys, "hyper-parameters", e) : NULL;
    char group[1024];
    int n = 0, named = 0, rc = keys ? RM_OK : e->code;
    size_t at = (size_t)snprintf(group, sizeof group, "%s", c->name);
    for (int i = 0; !rc && i < nsets; i++) {
        set_hparam(sets[i], keys[n], sizeof keys[n], &hp[n], &json[n]);
        if (strcmp(keys[n], "name") == 0 || strcmp(keys[n], "seed") == 0 || strcmp(keys[n], "threads") == 0 ||
            strncmp(keys[n], "output.", 7) == 0) { /* where and how, not what, is trained */
            named |= strcmp(keys[n], "name") == 0; /* a sweep's name names its setting */
            cJSON_Delete(json[n]);
            continue;
        }
        if (at < sizeof group) at += (size_t)snprintf(group + at, sizeof group - at, " %s", sets[i]);
        n++;
    }
    if (named) snprintf(group, sizeof group, "%s", c->name);
    if (!rc) {
        hp[n] = (rm_hparam){"seed", RM_HP_NUMBER, c->seed, NULL};
        rc = rm_tfevents_session_start(&f->tb, hp, n + 1, group, rm_tfevents_wall_time(), e);
        if (!rc) rc = rm_tfevents_flush(&f->tb, e);
    }
    for (int i = 0; json && i < n; i++) cJSON_Delete(json[i]);
    rm_free(keys);
    rm_free(json);
    rm_free(hp);
    return rc;
}

int rm_epoch_files_session_end(rm_epoch_files *f, int success, int epoch, rm_err *e)
{
    if (!f->tb.f) return RM_OK;
    return rm_tfevents_session_end(&f->tb, success, (int64_t)epoch + 1, rm_tfevents_wall_time(), e);
}

int rm_epoch_files_write(rm_epoch_files *f, const rm_config *c, const rm_params *p, const rm_epoch_row *row,
                         int has_val, int has_te, rm_err *e)
{
    rm_epoch_csv_row(f->csv, row, has_val, has_te);
    if (fflush(f->csv) != 0 || ferror(f->csv)) return rm_fail(e, RM_ERR_IO, "%s: write failed", f->csv_path);
    if (f->wcsv && weight_stats_epoch(f->wcsv, p, row->epoch, c->output.sparsity_threshold, f->gacc, f->wcsv_path, e))
        return e->code;
    if (f->acsv && activation_stats_epoch(f->acsv, f->acts, c->model.n_hidden, row->epoch, f->acsv_path, e))
        return e->code;
    if (c->output.weight_images == 2 && rm_weight_image(f->dir, p, row->epoch, e)) return e->code;
    if (f->tb.f && tensorboard_epoch(&f->tb, p, row, has_val, has_te, e)) return e->code;
    return RM_OK;
}

int rm_epoch_files_close(rm_epoch_files *f, rm_err *e)
{
    rm_err later;
    int rc = rm_fclose(f->csv, f->csv_path, e);
    f->csv = NULL;
    if (rm_tfevents_close(&f->tb, rc ? &later : e) && !rc) rc = e->code;
    if (f->wcsv && rm_fclose(f->wcsv, f->wcsv_path, rc ? &later : e) && !rc) rc = e->code;
    f->wcsv = NULL;
    if (f->acsv && rm_fclose(f->acsv, f->acsv_path, rc ? &later : e) && !rc) rc = e->code;
    f->acsv = NULL;
    return rc;
}

void rm_epoch_files_free(rm_epoch_files *f)
{
    if (f->csv) fclose(f->csv);
    if (f->wcsv) fclose(f->wcsv);
    if (f->acsv) fclose(f->acsv);
    for (int k = 0; k < RM_MAX_HIDDEN; k++) rm_act_acc_free(&f->acts[k]);
    rm_err ignored;
    rm_tfevents_close(&f->tb, &ignored); /* closed already unless the run stopped early on an error */
}
