/* test_epoch_log.c - the per-epoch metric table (rm_epoch_log.h): metrics.csv's columns are 1..count
 * each once, its header and rows are the ones regmnist has always written (empty val and train_eval
 * fields without them), names are unique and found, and derived values (gap) are right. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rm_epoch_log.h"
#include "test_util.h"

/* r as a metrics.csv line, into buf. */
static void row_line(const rm_epoch_row *r, int has_val, int has_te, char *buf, size_t n)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    rm_epoch_csv_row(f, r, has_val, has_te);
    rewind(f);
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
}

int main(void)
{
    int seen[64] = {0};
    for (int k = 0; k < rm_epoch_metric_count; k++) {
        const rm_metric *m = &rm_epoch_metrics[k];
        CHECK(m->csv_col >= 1 && m->csv_col <= rm_epoch_metric_count);
        if (m->csv_col >= 1 && m->csv_col < 64) seen[m->csv_col]++;
        CHECK(rm_epoch_metric(m->name) == m); /* unique names */
    }
    for (int col = 1; col <= rm_epoch_metric_count; col++) CHECK(seen[col] == 1);
    CHECK(rm_epoch_metric("epoch") == NULL && rm_epoch_metric("nope") == NULL);

    /* the plots' labels: the table's, at the best epoch for best_X, top-level numbers, else the name */
    char label[128];
    for (int k = 0; k < rm_epoch_metric_count; k++) CHECK(rm_epoch_metrics[k].label && rm_epoch_metrics[k].label[0]);
    rm_metric_label("test_acc", label, sizeof label);
    CHECK(strcmp(label, "test accuracy (%)") == 0);
    rm_metric_label("train_eval_acc", label, sizeof label);
    CHECK(strcmp(label, "training accuracy (%)") == 0);
    rm_metric_label("best_val_loss", label, sizeof label);
    CHECK(strcmp(label, "validation loss at the best epoch") == 0);
    rm_metric_label("best_test_acc", label, sizeof label);
    CHECK(strcmp(label, "test accuracy at the best epoch (%)") == 0);
    rm_metric_label("wall_seconds", label, sizeof label);
    CHECK(strcmp(label, "wall time (s)") == 0);
    rm_metric_label("nosuch", label, sizeof label);
    CHECK(strcmp(label, "nosuch") == 0);

    char header[RM_EPOCH_CSV_HEADER_MAX];
    rm_epoch_csv_header(header, sizeof header);
    CHECK(!strcmp(header, "epoch,train_loss,penalty,train_acc,val_loss,val_acc,test_loss,test_acc,gap,lr,seconds,"
                          "train_eval_loss,train_eval_acc\n"));

    rm_epoch_row r = {3, 0.5, 0.001, 90.0, 1.25, 0.01, {0.25, 92.5}, {0.3, 91.0}, {0.2, 93.0}};
    char line[512];
    row_line(&r, 1, 1, line, sizeof line);
    CHECK(!strcmp(line, "3,0.5,0.001,90.0000,0.25,92.5000,0.3,91.0000,2.0000,0.01,1.250,0.2,93.0000\n"));
    row_line(&r, 0, 0, line, sizeof line); /* no val, no train_eval: empty fields, gap from train_acc */
    CHECK(!strcmp(line, "3,0.5,0.001,90.0000,,,0.3,91.0000,-1.0000,0.01,1.250,,\n"));

    const rm_metric *gap = rm_epoch_metric("gap"), *te = rm_epoch_metric("train_eval_acc");
    CHECK(gap && rm_metric_value(gap, &r, 1) == 2.0 && rm_metric_value(gap, &r, 0) == -1.0);
    CHECK(te && rm_metric_value(te, &r, 1) == 93.0 && !rm_metric_present(te, 1, 0) && rm_metric_present(te, 0, 1));
    CHECK(!rm_metric_present(rm_epoch_metric("val_acc"), 0, 1) && rm_metric_present(rm_epoch_metric("test_acc"), 0, 0));
    return t_done("test_epoch_log");
}
