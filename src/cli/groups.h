/* groups.h - what `regmnist summarize` and `regmnist report` share (private to src/cli): a growing
 * text buffer, the metric list of --metric, the keys that tell a setting (also for `plot` and
 * `compare`), and the groups of runs (the seeds of one setting) with their counts by status, so
 * that both show the same numbers as groups.csv; and the best setting (best.c) that summarize and
 * `sweep --best` print. */
#ifndef RM_CLI_GROUPS_H
#define RM_CLI_GROUPS_H

#include <stddef.h>

#include "rm_common.h"
#include "rm_runs.h"

enum { SUM_MAX_METRICS = 32 };
/* A pruned sweep's rungs at most, and the largest epoch number read back (a rung's epochs, a
 * metrics.csv row's epoch, a training.epochs): the one limit of sweep.json's reader and the plots. */
enum { SUM_MAX_RUNGS = 32, SUM_MAX_EPOCHS = 1000000 };

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

/* What a sweep directory's sweep.json (the spec as the sweep resolved it) says to the commands that
 * read its runs back: summarize, report, compare, plot sweep, curves and rungs, sweep's best rule. */
typedef struct {
    int is_sweep;               /* DIR holds sweep.json */
    int pruned;                 /* it has "prune" (successive halving) */
    char metric[16];            /* prune.metric: val_loss or val_acc */
    int maximize;               /* prune.mode max */
    int rungs[SUM_MAX_RUNGS];   /* "rungs": each rung's epochs, ascending; the last is the budget */
    int nrungs;
    int nseeds;                 /* "seeds"' length; 1 when it has none (the sweep ran seed 1) */
} sum_sweep_info;

/* The one reader of DIR/sweep.json. No such file (ENOENT, ENOTDIR): not a sweep, info zeroed but
 * for nseeds 1, RM_OK. Else it must be a JSON object (nothing after it, at most RM_JSON_MAX bytes) whose
 * "seeds", when present, is a non-empty array and whose "prune", when present, has metric val_loss
 * or val_acc and mode min or max, with "rungs" 1 to SUM_MAX_RUNGS ascending whole numbers from 1 to
 * SUM_MAX_EPOCHS; anything else is RM_ERR_IO "PATH: what is wrong" (never read as no sweep). */
int sum_read_sweep(const char *dir, sum_sweep_info *info, rm_err *e);

/* rm_runs_find_varied, then, when dir (NULL: none) is a pruned sweep's directory, training.epochs
 * left out of rs->varied: it is the rung each run reached, not a setting's value, so that a
 * setting's runs form one group whatever rung they stopped at. *pruned (NULL: not wanted) says
 * whether dir is one. The one place that decides a pruned sweep's setting keys (summarize, report,
 * compare SWEEPDIR --baseline, plot sweep, curves and rungs). A sweep.json that sum_read_sweep
 * refuses is its error. */
int sum_setting_keys(rm_runs *rs, const char *dir, int *pruned, rm_err *e);

/* The ok runs' values of a metric in a group, into v (room for g->count); their number. */
int sum_group_values(const rm_runs *rs, const group *g, const char *metric, double *v);

/* Add --metric's comma-separated list (canonical names; 'all' as every metric some run has) to
 * metrics; RM_ERR_USAGE naming cmd on an unknown metric or too many. */
int sum_add_metrics(const char *cmd, const char *list, char (*metrics)[64], int *nm);

/* The default metrics (test_acc, test_loss, val_acc, val_loss, gap: those some run has). */
void sum_default_metrics(char (*metrics)[64], int *nm);

/* Resolve the list after the scan: drop default or 'all' metrics no run has, and repeats; the new count. */
int sum_finish_metrics(const rm_runs *rs, char (*metrics)[64], int nm);

/* How the best setting is chosen (best.c, docs/search.md): by the mean over a setting's seeds of a
 * validation metric's final value (summary.json), the lowest or the highest. */
typedef struct {
    char metric[16]; /* val_loss or val_acc: never a test metric */
    int maximize;    /* mode max */
    int pruned;      /* from a pruned sweep: training.epochs is the rung a run reached, not a setting's key */
    int budget;      /* a pruned sweep's last rung: runs with another training.epochs do not count; 0: any */
    int nseeds;      /* the runs a setting needs (the sweep's seeds); 0: any number from 1 */
} sum_best_rule;

/* The rule without a sweep: val_loss, min, any budget and seed count. */
void sum_best_default(sum_best_rule *rule);

/* The rule for the runs under dir: when dir holds sweep.json, its seeds and, for a pruned sweep, its
 * prune metric, mode and last rung; else the default. sum_read_sweep's error when it refuses sweep.json. */
int sum_best_rule_of_dir(const char *dir, sum_best_rule *rule, rm_err *e);

/* The best group: among the groups whose runs are all ok, at least rule->nseeds of them, each
 * trained to rule->budget and with the metric, the one with the lowest (maximize: highest) finite
 * mean of it; ties go to the earlier group. Its index with *mean, or -1 when none. vals has room for
 * the largest group. */
int sum_best_group(const rm_runs *rs, const group *gs, int ng, const sum_best_rule *rule, double *vals, double *mean);

/* 1 when some run has the rule's metric (the runs have a validation split). */
int sum_best_has_metric(const rm_runs *rs, const sum_best_rule *rule);

/* "best by METRIC (MODE, mean of N seeds): KEY=VALUE, ... (DIR)  METRIC MEAN" for group g of gs
 * (sum_best_group's; -1: "none yet"): the varied keys with shortest round-trip numbers (a pruned
 * sweep's training.epochs left out), the setting's directory (alone when no key varies), the mean in
 * the metric's decimals. */
void sum_best_line(sbuf *b, const rm_runs *rs, const group *gs, int g, const sum_best_rule *rule, double mean);

#endif
