/* epoch_log.c - the one table of per-epoch metrics (rm_epoch_log.h) and metrics.csv's header and rows
 * written from it. */
#include "rm_epoch_log.h"

#include <string.h>

/* The generalization gap: from the eval-mode training sample when measured, else the on-the-fly figure. */
static double row_gap(const rm_epoch_row *r, int has_te)
{
    return (has_te ? r->train_eval.acc : r->train_acc) - r->test.acc;
}

#define AT(field) offsetof(rm_epoch_row, field), NULL
enum { S = RM_METRIC_SUMMARY, R = RM_METRIC_RUNS, ALWAYS = RM_METRIC_ALWAYS, VAL = RM_METRIC_VAL,
       TE = RM_METRIC_TRAIN_EVAL };

/* metrics.csv's columns are only ever appended (a resumed run appends rows to an older file), so a
 * metric's column is given, not its place here. */
const rm_metric rm_epoch_metrics[] = {
    /* name            col  fmt     tb_tag             when    to     value */
    {"train_loss",      1, "%.9g", "train/loss",      ALWAYS, S | R, AT(train_loss)},
    {"penalty",         2, "%.9g", "penalty",         ALWAYS, S | R, AT(penalty)},
    {"train_acc",       3, "%.4f", "train/acc",       ALWAYS, S | R, AT(train_acc)},
    {"train_eval_loss", 11, "%.9g", "train_eval/loss", TE,    S,     AT(train_eval.loss)},
    {"train_eval_acc",  12, "%.4f", "train_eval/acc",  TE,    S,     AT(train_eval.acc)},
    {"val_loss",        4, "%.9g", "val/loss",        VAL,    S | R, AT(val.loss)},
    {"val_acc",         5, "%.4f", "val/acc",         VAL,    S | R, AT(val.acc)},
    {"test_loss",       6, "%.9g", "test/loss",       ALWAYS, S | R, AT(test.loss)},
    {"test_acc",        7, "%.4f", "test/acc",        ALWAYS, S | R, AT(test.acc)},
    {"gap",             8, "%.4f", "gap",             ALWAYS, S | R, 0, row_gap},
    {"lr",              9, "%.9g", "lr",              ALWAYS, 0,     AT(lr)},
    {"seconds",        10, "%.3f", NULL,              ALWAYS, 0,     AT(seconds)},
};
const int rm_epoch_metric_count = (int)(sizeof rm_epoch_metrics / sizeof rm_epoch_metrics[0]);

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
