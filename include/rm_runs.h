/* rm_runs.h - the runs behind `regmnist summarize` and `regmnist compare`: find run directories
 * under given paths, read their config.json and summary.json, work out which config keys vary
 * between them, select runs by key=value, and read a metric out of a run's summary. */
#ifndef RM_RUNS_H
#define RM_RUNS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "rm_common.h"

/* One run directory. */
typedef struct rm_run {
    char *dir;            /* the directory as reached from the path given, e.g. runs/sw/l2=0/seed1 */
    char *real;           /* its canonical path (the same run given twice is read once) */
    char status[16];      /* summary.json's status (ok, diverged, interrupted, failed); "unfinished" when
                             there is no summary.json yet; "unreadable" when summary.json is not usable */
    char stop_reason[16]; /* summary.json's stop_reason, or "" */
    char problem[256];    /* why a file was unreadable, or "" */
    cJSON *config;        /* config.json, or NULL when absent or unreadable */
    cJSON *summary;       /* summary.json, or NULL */
    int has_seed;         /* seed is known (from summary.json, else config.json) */
    double seed;
} rm_run;

/* A set of runs and the config keys that vary between them. */
typedef struct rm_runs {
    rm_run *run;
    int n, cap;
    char **varied; /* key paths, e.g. model.dropout, filled by rm_runs_find_varied */
    int nvaried;
} rm_runs;

/* Append the runs under path: path itself when it holds summary.json or config.json, and every such
 * directory below it (symbolic links below path are not followed), in natural name order (seed2
 * before seed10). RM_ERR_IO when path is not a readable directory or holds no run. */
int rm_runs_scan(rm_runs *rs, const char *path, rm_err *e);

/* Free the runs and the varied keys. */
void rm_runs_free(rm_runs *rs);

/* 1 when the run finished with status ok. */
int rm_run_ok(const rm_run *r);

/* The node at a dotted key path (e.g. "model.dropout") of a JSON object, or NULL. */
const cJSON *rm_json_at(const cJSON *root, const char *path);

/* A config value as a table cell: a string bare, anything else as compact JSON, "" when absent. */
void rm_json_text(const cJSON *v, char *buf, size_t n);

/* Fill rs->varied: every key path whose value is not the same in all runs' config.json, but seed,
 * name, threads and output.dir; a key below another varied key that is a value in some run (e.g.
 * training.early_stopping null in one run, an object in another) is covered by that key. */
int rm_runs_find_varied(rm_runs *rs, rm_err *e);

/* The shortest clear names of the varied keys, into names[i] (each of size n): the last components
 * that no other key of the runs' configs ends with, and more than a generic word alone
 * (optimizer.name, data.dir, not name, dir). */
int rm_runs_short_names(const rm_runs *rs, char (*names)[64], size_t n, rm_err *e);

/* Order of two runs by their varied keys' values (numbers numerically, absent first): <0, 0, >0. */
int rm_runs_compare_setting(const rm_runs *rs, const rm_run *a, const rm_run *b);

/* Resolve a key given by full path (model.dropout) or by its last components (dropout) if that
 * names one key of the runs' configs; RM_ERR_USAGE when unknown or ambiguous. */
int rm_runs_resolve_key(const rm_runs *rs, const char *key, char *out, size_t n, rm_err *e);

/* Keep only the runs whose config matches every key=value of a comma-separated filter (a value is
 * JSON when it parses, else a string). RM_ERR_USAGE on a bad filter or when no run matches. */
int rm_runs_filter(rm_runs *rs, const char *filter, const char *where, rm_err *e);

/* Canonical metric name: a summary.json final metric (test_acc, val_loss, ..., gap), best_X for
 * the early-stopping best epoch's (also written best.X), or a top-level number (epochs, best_epoch,
 * wall_seconds, train_seconds, ...); final.X is X. Returns 0 when unknown. */
int rm_metric_canonical(const char *name, char *out, size_t n);

/* The names rm_metric_canonical accepts (canonical forms), comma-separated, for messages. */
const char *rm_metric_list(void);

/* 1 when a canonical metric is one of the final model's (test_acc, ..., gap). */
int rm_metric_is_final(const char *metric);

/* A metric of a run (canonical name): 1 with *v when summary.json has it as a finite number, else 0. */
int rm_run_metric(const rm_run *r, const char *metric, double *v);

/* Decimals to show a metric with: 2 for accuracies (percent) and gap, 4 for losses, 1 for
 * seconds and epochs, 6 for the penalty, 0 otherwise. */
int rm_metric_decimals(const char *metric);

/* Natural order of two strings: digit runs compare as numbers (seed2 < seed10). */
int rm_natural_cmp(const char *a, const char *b);

#endif
