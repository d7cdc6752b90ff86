/* sweep.h - `regmnist sweep`'s spec, its runs and running them (private to src/cli: sweep_spec.c
 * parses the spec and enumerates its runs, sweep_sample.c resolves value generators and draws the
 * random search's values, sweep_jobs.c runs one or all of them, cli_sweep.c parses the arguments and
 * dispatches). */
#ifndef RM_SWEEP_H
#define RM_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "rm_common.h"
#include "rm_config.h"
#include "rm_prepare.h"

#define MAX_KEYS 16    /* varied keys (grid plus zip) */
#define MAX_LEVELS 256 /* values per key */
#define MAX_RUNS 100000
#define MAX_RUNGS 32

/* Successive halving (the spec's "prune"): rungs at min_epochs * reduction^k epochs, the last the
 * full budget (sweep_prune.c, scheduled by sweep_asha.c). */
typedef struct {
    int on;               /* the spec has prune */
    char metric[16];      /* val_loss or val_acc */
    int maximize;         /* mode max */
    long min_epochs, reduction;
    int nrungs;           /* known once the runs' configs are built (rm_sweep_prune_rungs) */
    int epochs[MAX_RUNGS]; /* rung r's epoch count, ascending; the last is training.epochs */
} sweep_prune;

/* The exit status of `--task-id i` when another process holds run i's lock (sysexits' EX_TEMPFAIL):
 * the run is running elsewhere; try again once it ends. */
#define EXIT_ELSEWHERE 75

typedef struct {
    char name[128], base[2048], out[1024];
    cJSON *spec;     /* the parsed spec (owns the values below) */
    const cJSON *set; /* object or NULL */
    int nkeys;       /* varied keys: grid keys first, then zip keys */
    const char *key[MAX_KEYS];
    char label[MAX_KEYS][64]; /* short name in directory names */
    const cJSON *values[MAX_KEYS]; /* arrays */
    int nlevels[MAX_KEYS];
    int ngrid;       /* keys [0, ngrid) are crossed; [ngrid, nkeys) are zipped */
    int nzip;        /* levels of the zip group (0 without one) */
    int nsample;     /* sampled keys (random search) */
    const char *skey[MAX_KEYS];
    const cJSON *dist[MAX_KEYS]; /* each one's distribution: the member named uniform, loguniform, int or choice */
    long ntrials;    /* trials per grid point (0: no random search) */
    uint64_t sample_seed;
    int nseeds;
    double seeds[1024];
    long ncombos, nruns;
    sweep_prune prune;
    const char *threads; /* --threads (a number or "auto") for every run's config; NULL: the base's */
} sweep;

/* Parse and check the spec's shape (not yet the configs). */
int rm_sweep_parse(sweep *w, const char *path, rm_err *e);

/* Resolve group.it (group "grid" or "zip" of obj) when it is a generator object: replaced in obj by
 * its values (the generator itself is kept in generated under "group.key"); an array stays as it is.
 * The item now in obj's place, or NULL with the error set. */
cJSON *rm_sweep_resolve(cJSON *obj, cJSON *it, const char *group, cJSON *generated, const char *path, rm_err *e);

/* The spec's sample (key: distribution), trials (draws per grid point) and sample_seed (default 1),
 * into w; each needs the others (sample_seed may be left out). */
int rm_sweep_parse_sample(sweep *w, const char *path, rm_err *e);

/* Trial trial's value of sampled key s, a new item (NULL: out of memory); a function of
 * (sample_seed, trial, the key's name) alone. */
cJSON *rm_sweep_draw(const sweep *w, long trial, int s);

/* A copy of v to print: its numbers as raw JSON, the shortest text that reads back as the same
 * double (not cJSON's 15 digits, which may be another double); NULL: out of memory. */
cJSON *rm_sweep_exact(const cJSON *v);

/* Run i's directory, OUT/<varied>/seed<S> (OUT/seed<S> when nothing varies); 0 when it does not fit. */
int rm_sweep_run_dir(const sweep *w, long i, char *dir, size_t dn);

/* Build run i's config: base file, set, its varied values, its seed, name, directory and --threads.
 * Origins name the spec so that errors say which value caused them. */
int rm_sweep_build_run(const sweep *w, const char *spec_path, long i, rm_config *c, char *dir, size_t dn, rm_err *e);

/* Check every run's config (and, given a memory limit, the rules that need the data and that each
 * run fits in the limit) before anything runs. */
int rm_sweep_check_all(const sweep *w, const char *spec_path, const rm_mem_limit *with_data, rm_err *e);

/* Run i's overrides, as --list gives them: "key=JSON" for the spec's set, the run's varied and
 * sampled values, and its name (name, which rm_sweep_build_run set; NULL: none), into *sets (*n of
 * them; free with rm_sweep_free_sets). */
int rm_sweep_run_sets(const sweep *w, long i, const char *name, char ***sets, int *n, rm_err *e);

/* Free what rm_sweep_run_sets made. */
void rm_sweep_free_sets(char **sets, int n);

/* Print "--config BASE --set KEY=JSON ..." for the overrides sets (rm_sweep_run_sets) to f, each a
 * shell word (quoted when it is not plain), as --list and --best print them. */
void rm_sweep_print_args(FILE *f, const sweep *w, char **sets, int n);

/* Print one regmnist command line (binary bin) per run on stdout, in run order (the runs are checked). */
void rm_sweep_list(const sweep *w, const char *bin, const char *spec_path, rm_err *e);

/* sweep.json (the resolved spec) and index.csv (run, dir, varied values, seed), atomically. */
int rm_sweep_write_index(const sweep *w, rm_err *e);

/* Run i here: skip it when done, resume it when unfinished, else start it; EXIT_ELSEWHERE when
 * another process holds its directory. */
int rm_sweep_run_task(const sweep *w, const char *spec_path, long i, int quiet, int argc, char **argv);

/* Build run i's config into c (its directory into dir): 1 when the directory holds the finished run
 * of that config (what --task-id skips; another rung's or an older spec's run is not it), 0 when
 * not, -1 on error. */
int rm_sweep_run_done(const sweep *w, const char *spec_path, long i, rm_config *c, char *dir, size_t dn, rm_err *e);

/* Run every run as a child process (`regmnist sweep SPEC --task-id i` with args), jobs at a time; an
 * exit status. */
int rm_sweep_run_all(const sweep *w, const char *spec_path, int jobs, char *const *args, int quiet);

/* The spec's prune object, into w->prune (its rungs come later, from the configs). */
int rm_sweep_parse_prune(sweep *w, const char *path, rm_err *e);

/* The rungs, from run 0's config (training.epochs the budget), and the checks every run's config must
 * pass to be pruned: the same budget, a validation split, no early stopping. */
int rm_sweep_prune_rungs(sweep *w, const char *spec_path, rm_err *e);
int rm_sweep_prune_check_run(const sweep *w, const rm_config *c, const char *spec_path, long i, rm_err *e);

/* Lock run directory dir (created if need be) for this process: 0 when taken, -1 when another
 * process holds it, else an error status (the lock lasts until the process exits). */
int rm_sweep_lock(const char *dir, rm_err *e);

/* Take run i's directory dir for this process (rm_sweep_lock): 0; EXIT_ELSEWHERE, after saying so
 * on stderr, when another process holds it; else the error's status, reported. */
int rm_sweep_claim(long i, const char *dir);

/* Run i here up to rung r's epochs (--task-id i --rung r): skipped when it is there or past it,
 * extended (resumed with more epochs) from a lower rung, else started; a run left at a rung below
 * the last is marked pruned. EXIT_ELSEWHERE when another process holds its directory. */
int rm_sweep_run_rung(const sweep *w, const char *spec_path, long i, int r, int quiet, int argc, char **argv);

/* How far run i has got on disk: the highest rung it completed (-1: none). */
int rm_sweep_rung_done(const sweep *w, const char *spec_path, long i);

/* Run i's metric (w->prune.metric) at rung r's epoch, from its metrics.csv; NAN when it has none. */
double rm_sweep_rung_metric(const sweep *w, long i, int r);

/* Start `regmnist sweep SPEC --task-id i [--rung r]` with args as a child (rung < 0: none); it gets
 * SIGTERM when this process dies. */
pid_t rm_sweep_start_child(const char *self, const char *spec_path, long i, int rung, char *const *args);

/* Every run here under successive halving (ASHA, see docs/search.md), jobs processes at a time;
 * decisions recomputed from the runs' files, written to OUT/rungs.csv. An exit status. */
int rm_sweep_run_asha(const sweep *w, const char *spec_path, int jobs, char *const *args, int quiet);

/* Print the next rung's tasks as the runs' files stand: "RUNG NRUNGS I,J,..." for the lowest rung
 * that has runs to train, or "done" (scripts/slurm-sweep.sh submits one job array per rung); it first
 * writes OUT/rungs.csv, the decisions so far, when OUT exists. An exit status. */
int rm_sweep_print_rung_tasks(const sweep *w, const char *spec_path);

/* --best: the best setting of the spec's finished runs (the rule of summarize's best line, groups.h)
 * as "--config BASE --set KEY=JSON ..." on stdout, its seeds and value on stderr (unless quiet); an
 * exit status (2 without a validation split to choose by, 3 when no setting has finished). */
int rm_sweep_print_best(const sweep *w, const char *spec_path, int quiet);

#endif
