/* plot.h - `regmnist plot`'s shared parts (private to src/cli): the options, the gnuplot script and
 * its pipe, the directory of the data files gnuplot reads, and the run groups the plots draw. */
#ifndef RM_CLI_PLOT_H
#define RM_CLI_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "groups.h"
#include "rm_common.h"
#include "rm_runs.h"

enum { PLOT_ERR_STD, PLOT_ERR_CI, PLOT_ERR_SEM };
enum { PLOT_MAX_METRICS = 8 };

/* The command line of `regmnist plot MODE`. */
typedef struct plot_opts {
    const char *out;      /* the image file */
    const char *format;   /* png, svg or pdf */
    double width, height; /* pixels (png, svg) or inches (pdf) */
    const char *data;     /* --data DIR: keep the data files and plot.gp there, or NULL */
    const char *title;    /* --title, or NULL for the study's name */
    const char *x;        /* --x KEY (sweep) */
    char metrics[PLOT_MAX_METRICS][64]; /* --y (--metric), canonical names */
    int nmetrics;
    int err;              /* PLOT_ERR_* */
    int has_ylo, has_yhi; /* --yrange LO:HI, either side may be left out */
    double ylo, yhi;
    int quiet;
} plot_opts;

/* One plot being made: the script (in memory until it goes down the pipe) and its data directory. */
typedef struct plot_job {
    char dir[4096]; /* where the data files go: --data DIR or a temporary directory */
    int temporary;  /* dir is removed at the end */
    FILE *gp;       /* the script (open_memstream) */
    char *text;
    size_t len;
} plot_job;

/* Check that gnuplot is on PATH (else RM_ERR_USAGE saying how to install it), make the data
 * directory and start the script with the terminal, the output file and the common settings. */
int plot_begin(plot_job *j, const plot_opts *o, rm_err *e);

/* Open DIR/name for a data file (its full path into path, n bytes). */
FILE *plot_data_open(plot_job *j, const char *name, char *path, size_t n, rm_err *e);

/* s as a gnuplot string in single quotes (a quote doubled) on f. */
void plot_quote(FILE *f, const char *s);

/* Send the script to gnuplot through a pipe (and keep it as DIR/plot.gp with --data); RM_ERR_RUN
 * with gnuplot's own error line when it fails or writes nothing. Frees the job either way. */
int plot_finish(plot_job *j, const plot_opts *o, rm_err *e);

/* Free a job that is not finished (removes a temporary data directory). */
void plot_abandon(plot_job *j);

/* The study's name for a title: --title, DIR/sweep.json's "name", the runs' config.json "name" when
 * they all have the same, else the directory's last component. */
void plot_study_name(const plot_opts *o, const char *dir, const rm_runs *rs, char *buf, size_t n);

/* The runs of a setting (equal varied keys): indices into rs->run, in scan order (seed order). */
typedef struct plot_group {
    int *runs;
    int n;
} plot_group;

/* Group rs's runs by setting, the groups in rm_runs_compare_setting order; *groups is one
 * allocation (free it with free()). */
int plot_group_runs(const rm_runs *rs, plot_group **groups, int *ng, rm_err *e);

/* Keep the groups that have an ok run, in their order: in a pruned sweep the settings trained to the
 * full budget (its runs end ok at the last rung, pruned below it); *ng becomes their number. Returns
 * how many were left out. */
int plot_keep_final(const rm_runs *rs, plot_group *groups, int *ng);

/* The key's title of a pruned sweep's plot sweep or curves: "pruned sweep: the KEPT settings trained
 * to the full budget (LEFT stopped at a rung left out)", without the parenthesis when LEFT is 0. */
void plot_final_key(FILE *gp, int kept, int left);

/* A group's setting as a legend entry, "l2=0.001, dropout=0.5": each varied key but skip (or NULL) by its
 * short name (names from rm_runs_short_names) and value (4 significant digits unless two of the key's
 * values would then read the same: all its digits); "" when none vary. */
void plot_group_label(const rm_runs *rs, const plot_group *g, char (*names)[64], const char *skip, char *buf,
                      size_t n);

/* Parse the comma-separated metrics of option opt (--y, --metric) into o (canonical names);
 * RM_ERR_USAGE naming opt and an unknown one. */
int plot_parse_metrics(plot_opts *o, const char *opt, const char *list, rm_err *e);

/* The metric's label without its unit ("test accuracy" of "test accuracy (%)"), into buf. */
void plot_metric_stem(const char *metric, char *buf, size_t n);

/* The y axis label shared by o's metrics: the label of one; "accuracy (%)" or "loss" for several
 * that all are one; else their labels joined, with their unit when they share it. */
void plot_y_label(const plot_opts *o, char *buf, size_t n);

/* The y axis: --yrange when given, else capped at 100 when every metric is a percentage (an accuracy). */
void plot_y_range(FILE *gp, const plot_opts *o);

/* One run's column of metrics.csv: v[e - 1] for epoch e (NaN where the row is missing or empty). */
typedef struct plot_column {
    double *v;
    int n; /* the last epoch */
} plot_column;

/* Read the column metric of dir/metrics.csv, found by its header name, into c (c->v: realloc'd,
 * free it); RM_ERR_IO naming the file when it lacks the column or a row lacks a whole epoch. */
int plot_read_column(const char *dir, const char *metric, plot_column *c, rm_err *e);

/* 1 when the n values x are all positive and span two decades or more, or (three or more distinct
 * ones) grow by a roughly constant ratio of at least 1.5: a log axis suits them. */
int plot_log_spaced(const double *x, int n);

/* A pruned sweep's rungs as its runs' files show them. */
typedef struct plot_rung_info {
    char metric[64];                /* sweep.json's prune.metric */
    int n;                          /* the rungs */
    int settings;                   /* the settings (grid points or trials, all their seeds) found */
    int drawable;                   /* those with a value of metric at some epoch in every seed's
                                       metrics.csv: plot rungs draws them (0: nothing yet) */
    int epochs[SUM_MAX_RUNGS];      /* rung r's epochs (sweep.json's "rungs") */
    int reached[SUM_MAX_RUNGS];     /* settings all of whose seeds trained to rung r's epoch */
    int promoted[SUM_MAX_RUNGS];    /* of those, the settings extended past it (0 at the last rung) */
} plot_rung_info;

/* The rungs of the pruned sweep in DIR; RM_ERR_USAGE when it is not one, sum_read_sweep's error
 * when it refuses DIR/sweep.json. */
int plot_rungs_info(const char *dir, plot_rung_info *info, rm_err *e);

/* `regmnist plot sweep DIR`, `plot curves DIR`, `plot weights RUN_DIR`, `plot rungs SWEEP_DIR`
 * (o->metrics[0], or prune.metric when none is given). */
int plot_sweep(const char *dir, const plot_opts *o, rm_err *e);
int plot_curves(const char *dir, const plot_opts *o, rm_err *e);
int plot_weights(const char *dir, const plot_opts *o, rm_err *e);
int plot_rungs(const char *dir, const plot_opts *o, rm_err *e);

#endif
