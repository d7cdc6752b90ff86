/* groups.h - what `regmnist summarize` and `regmnist report` share (private to src/cli): a growing
 * text buffer, the metric list of --metric, and the groups of runs (the seeds of one setting) with
 * their counts by status, so that both show the same numbers as groups.csv. */
#ifndef RM_CLI_GROUPS_H
#define RM_CLI_GROUPS_H

#include <stddef.h>

#include "rm_common.h"
#include "rm_runs.h"

enum { SUM_MAX_METRICS = 32 };

/* A growing text buffer; oom is set (and further writes dropped) when memory runs out. */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

/* Append printf-style text. */
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A CSV field, quoted when it holds a comma, quote, newline or edge space. */
void sb_csv(sbuf *b, const char *s);

/* A number that reads back as the same double; nothing for NaN. */
void sb_num(sbuf *b, double v);

/* A group of runs: runs[first .. first+count-1] of the sorted runs, and their counts by status. */
typedef struct {
    int first, count;
    int n_ok, n_diverged, n_failed, n_unfinished, n_pruned;
} group;

/* Sort rs's runs by setting (then seed, then directory) and cut them into groups of equal varied
 * keys: *gs is one allocation of *ng groups (free it with free()). Needs rm_runs_find_varied. */
int sum_group_runs(rm_runs *rs, group **gs, int *ng, rm_err *e);

/* The ok runs' values of a metric in a group, into v (room for g->count); their number. */
int sum_group_values(const rm_runs *rs, const group *g, const char *metric, double *v);

/* Add --metric's comma-separated list (canonical names; 'all' as every metric some run has) to
 * metrics; RM_ERR_USAGE naming cmd on an unknown metric or too many. */
int sum_add_metrics(const char *cmd, const char *list, char (*metrics)[64], int *nm);

/* The default metrics (test_acc, test_loss, val_acc, val_loss, gap: those some run has). */
void sum_default_metrics(char (*metrics)[64], int *nm);

/* Resolve the list after the scan: drop default or 'all' metrics no run has, and repeats; the new count. */
int sum_finish_metrics(const rm_runs *rs, char (*metrics)[64], int nm);

#endif
