/* cli_sweep.c - `regmnist sweep SPEC`: a grid (and an optional zip group) of overrides on a base
 * config, times random-search trials when the spec samples keys, times a list of seeds, as
 * numbered runs with readable directories, optionally pruned by successive halving. It counts them, lists one regmnist command line per run
 * (for GNU parallel, xargs or a job script), runs one by number (for Slurm job arrays: skipping a
 * finished run, resuming an unfinished one), runs them all here, N processes at a time, or prints
 * the best setting of the finished runs. Every run's config is built and checked before anything
 * runs. The spec and its runs are sweep_spec.c's, generators and draws sweep_sample.c's, running
 * them sweep_jobs.c's, pruning sweep_prune.c's and sweep_asha.c's, the best setting sweep_best.c's. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"
#include "rm_cli.h"
#include "sweep.h"

static const char HELP[] =
    "Run a sweep: the spec's base config with its fixed overrides (\"set\"), crossed over\n"
    "every combination of \"grid\" values and over \"seeds\" (keys in \"zip\" vary together).\n"
    "\n"
    "  --count          print the number of runs\n"
    "  --list           print one regmnist command line per run, in run order, e.g. for\n"
    "                   `regmnist sweep S --list | parallel -j 2 --joblog sweep.log --resume`\n"
    "  --task-id N      run the Nth run (0-based; Slurm: $SLURM_ARRAY_TASK_ID): skipped when\n"
    "                   its directory holds the finished run, resumed when it holds an\n"
    "                   unfinished one of the same config; exit 75 when another process\n"
    "                   holds its directory (the run is running elsewhere)\n"
    "  --jobs N         run every run here, N processes at a time (default 1), going on past a\n"
    "                   failed run; exit 1 if any failed. A run another process holds (another\n"
    "                   sweep's, a run by hand) is running elsewhere: the others go on, and it is\n"
    "                   waited for, then taken up (skipped when it finished). The runs stop\n"
    "                   (as on SIGTERM, keeping their last epoch) when the sweep dies, even by\n"
    "                   SIGKILL\n"
    "  --threads N      threads per run, a number or auto (each run counts the CPUs it may use,\n"
    "                   as threads \"auto\" does; default: the base config's with --task-id,\n"
    "                   that count / N with --jobs); results do not depend on it\n"
    "  --max-memory SIZE  the most memory one run may need, e.g. 4G (powers of 1024; default:\n"
    "                   the machine's physical memory); with --jobs N each run gets SIZE / N.\n"
    "                   Every run is checked against it before anything runs (exit 2)\n"
    "  --best           print the best setting of the finished runs as the arguments that train\n"
    "                   it, \"--config BASE --set KEY=JSON ...\" (the spec's set and the setting's\n"
    "                   grid, zip and sampled values; shell words), its seeds and value on stderr:\n"
    "                   eval \"regmnist $(regmnist sweep S --best) --seed 1 --out DIR\" trains it\n"
    "                   again. Chosen as summarize's best line chooses: by prune's metric and mode,\n"
    "                   else val_loss, lowest; the mean over a setting's seeds of summary.json's\n"
    "                   final value; only settings whose runs (every seed of the spec) finished\n"
    "                   ok with the config the spec gives them now, at the full budget; ties to\n"
    "                   the setting first in summarize's order. Exit 2 when the runs have no\n"
    "                   validation split (never a test metric), 3 when no setting has finished\n"
    "  --quiet          no progress on stderr\n"
    "\n"
    "Spec (JSON): {\"name\": \"l2_vs_dropout\", \"base\": \"../baseline.json\",\n"
    "  \"set\": {\"training.epochs\": 5}, \"grid\": {\"regularization.l2\": [0, 1e-4],\n"
    "  \"model.dropout\": [0, 0.5]}, \"zip\": {...}, \"seeds\": [1, 2, 3], \"out\": \"runs/l2_vs_dropout\"}\n"
    "base is relative to the spec's directory; out to the working directory (default\n"
    "runs/<name>). Run i's directory is OUT/<key=value,...>/seed<S>; the sweep directory gets\n"
    "sweep.json (the spec resolved) and index.csv. Runs are numbered with the seeds innermost,\n"
    "then trials, then zip, then the grid keys with the last one fastest. A sweep has at most\n"
    "100000 runs (grid x zip x trials x seeds; more is a usage error, exit 2).\n"
    "\n"
    "A grid or zip key takes values or a generator (see docs/search.md):\n"
    "  {\"linspace\": [a, b, n]}  n values from a to b (numpy.linspace; n from 2 to 256)\n"
    "  {\"logspace\": [a, b, n]}  10^a to 10^b (numpy.logspace)\n"
    "  {\"values\": [v, ...]}     the values as written\n"
    "Random search: \"sample\": {KEY: DIST, ...}, \"trials\": N (per grid point), \"sample_seed\":\n"
    "S (default 1); DIST is {\"uniform\": [a, b]}, {\"loguniform\": [a, b]} (0 < a <= b),\n"
    "{\"int\": [a, b]} (both included) or {\"choice\": [v, ...]}. Trial k's value of a key\n"
    "depends only on (sample_seed, k, the key's name), whatever order runs it. Its runs go to\n"
    "OUT/[<key=value,...>,]trialNNN/seed<S>; index.csv and sweep.json (\"samples\") hold the\n"
    "values.\n"
    "\n"
    "Successive halving (ASHA): \"prune\": {\"metric\": \"val_loss\" or \"val_acc\" (never test_*),\n"
    "\"mode\": \"min\" or \"max\", \"min_epochs\": 1, \"reduction\": 3}. Rungs at min_epochs *\n"
    "reduction^k epochs up to training.epochs (the last rung). Every run trains to rung 0;\n"
    "a setting (its seeds together, on their mean) is promoted, its runs resumed to the next\n"
    "rung, when it is in the best floor(m / reduction) of the first m settings of the rung's\n"
    "order that completed it (a fixed order, so the same decisions whatever --jobs; when the\n"
    "rung can gain no more settings, its best max(1, floor(n / reduction))). Runs with --jobs\n"
    "N (or scripts/slurm-sweep.sh: an array per rung); the decisions are recomputed from the\n"
    "runs' metrics.csv, so an interrupted sweep run again makes the same ones. A run stopped\n"
    "at a rung has status \"pruned\" (summary.json \"rung\"); OUT/rungs.csv lists the\n"
    "decisions. Needs a validation split, no early stopping.\n"
    "  --rung R         with --task-id N: train run N to rung R (skipped when there, extended\n"
    "                   from a lower rung); what --jobs runs\n"
    "  --rung-tasks     print the next rung's tasks as the runs' files stand, \"RUNG NRUNGS\n"
    "                   I,J,...\" (the lowest rung with runs to train), or \"done\"; what\n"
    "                   scripts/slurm-sweep.sh submits, one job array per rung; also\n"
    "                   writes OUT/rungs.csv, the decisions so far (when OUT exists)\n";

/* The value of flag, s: a whole decimal number in [lo, hi] (else a usage error). */
static int whole(const char *flag, const char *s, long lo, long hi, long *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
        return rm_cli_usage_error("sweep", "%s: expected a whole decimal number", flag);
    *out = atol(s);
    if (*out < lo || *out > hi) return rm_cli_usage_error("sweep", "%s: out of range", flag);
    return RM_OK;
}

/* Every run here (sweep.json and index.csv first), jobs processes at a time (0: 1) of threads threads
 * each (NULL: the "auto" count / jobs, at least 1), each within limit. */
static int run_here(const sweep *w, const char *spec_path, long jobs, const char *threads, const rm_mem_limit *limit,
                    int quiet)
{
    rm_err e = {0};
    if (jobs == 0) jobs = 1;
    char tbuf[16], mbuf[32];
    if (threads) {
        snprintf(tbuf, sizeof tbuf, "%s", threads); /* a number, or auto: each run counts for itself */
    } else {
        int cpus;
        const char *source;
        if (rm_threads_auto(&cpus, &source, &e)) return rm_cli_fail("sweep", &e);
        snprintf(tbuf, sizeof tbuf, "%ld", cpus / jobs > 1 ? cpus / jobs : 1);
    }
    snprintf(mbuf, sizeof mbuf, "%.0f", limit->bytes);
    char *args[] = {"--threads", tbuf, "--quiet", "--max-memory", mbuf, NULL};
    if (!isfinite(limit->bytes)) args[3] = NULL; /* no physical memory known: no limit */
    if (rm_sweep_write_index(w, &e)) return rm_cli_fail("sweep", &e);
    return w->prune.on ? rm_sweep_run_asha(w, spec_path, (int)jobs, args, quiet)
                       : rm_sweep_run_all(w, spec_path, (int)jobs, args, quiet);
}

/* The rungs of a pruned sweep, and the arguments that go with prune: --rung with --task-id only, and
 * within the rungs; no --list (it would train every run to the full budget). */
static int prune_args(sweep *w, const char *spec_path, int list, long task, long rung, rm_err *e)
{
    if (rung >= 0 && !w->prune.on) return rm_fail(e, RM_ERR_USAGE, "--rung: the spec has no prune");
    if (!w->prune.on) return RM_OK;
    if (rm_sweep_prune_rungs(w, spec_path, e)) return e->code;
    if (list) return rm_fail(e, RM_ERR_USAGE, "--list: a pruned sweep (prune) runs with --jobs N, or --task-id N --rung R");
    if (task >= 0 && rung < 0) return rm_fail(e, RM_ERR_USAGE, "--task-id: a pruned sweep (prune) needs --rung R too");
    if (rung >= 0 && task < 0) return rm_fail(e, RM_ERR_USAGE, "--rung: needs --task-id");
    if (rung >= w->prune.nrungs)
        return rm_fail(e, RM_ERR_USAGE, "--rung %ld: the sweep has %d rungs (0 to %d)", rung, w->prune.nrungs, w->prune.nrungs - 1);
    return RM_OK;
}

int rm_cli_sweep(int argc, char **argv)
{
    const char *spec_path = NULL, *threads = NULL, *max_memory = NULL;
    int list = 0, count = 0, quiet = 0, rung_tasks = 0, best = 0;
    long task = -1, jobs = 0, nthreads, rung = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s\n%s", rm_cli_usage, HELP);
            return RM_OK;
        } else if (!strcmp(a, "--list")) {
            list = 1;
        } else if (!strcmp(a, "--count")) {
            count = 1;
        } else if (!strcmp(a, "--rung-tasks")) {
            rung_tasks = 1;
        } else if (!strcmp(a, "--best")) {
            best = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--task-id") || !strcmp(a, "--jobs") || !strcmp(a, "--threads") ||
                   !strcmp(a, "--max-memory") || !strcmp(a, "--rung")) {
            if (i + 1 >= argc) return rm_cli_usage_error("sweep", "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--max-memory")) max_memory = v;
            if (!strcmp(a, "--task-id") && whole(a, v, 0, MAX_RUNS, &task)) return RM_ERR_USAGE;
            if (!strcmp(a, "--jobs") && whole(a, v, 1, 256, &jobs)) return RM_ERR_USAGE;
            if (!strcmp(a, "--rung") && whole(a, v, 0, MAX_RUNGS - 1, &rung)) return RM_ERR_USAGE;
            if (!strcmp(a, "--threads") && strcmp(v, "auto") && whole(a, v, 1, 64, &nthreads)) return RM_ERR_USAGE;
            if (!strcmp(a, "--threads")) threads = v;
        } else if (a[0] == '-' || spec_path) {
            return rm_cli_usage_error("sweep", "unknown argument '%s'", a);
        } else {
            spec_path = a;
        }
    }
    if (!spec_path) return rm_cli_usage_error("sweep", "%s", "SPEC is required");
    if (list + count + rung_tasks + best + (task >= 0) + (jobs > 0) > 1)
        return rm_cli_usage_error("sweep", "%s", "give one of --list, --count, --rung-tasks, --best, --task-id, --jobs");
    static sweep w;
    rm_err e = {0};
    rm_mem_limit limit; /* for each run: with --jobs N, an Nth */
    rm_mem_limit_default(&limit);
    if (max_memory && rm_mem_limit_parse(&limit, "--max-memory", max_memory, &e)) return rm_cli_fail("sweep", &e);
    if (jobs > 1) {
        limit.bytes = floor(limit.bytes / (double)jobs);
        snprintf(limit.what, sizeof limit.what, "%s / --jobs %ld", max_memory ? "--max-memory" : "the machine's memory", jobs);
    }
    static char found[4200];
    if (rm_config_find(spec_path, "sweeps", found, sizeof found, &e)) return rm_cli_fail("sweep", &e);
    spec_path = found;
    int rc = rm_sweep_parse(&w, spec_path, &e);
    w.threads = threads;
    if (!rc) rc = prune_args(&w, spec_path, list, task, rung, &e);
    if (!rc && rung_tasks && !w.prune.on) rc = rm_fail(&e, RM_ERR_USAGE, "--rung-tasks: the spec has no prune");
    if (!rc) /* --count and --best check the configs, not the data */
        rc = rm_sweep_check_all(&w, spec_path, count || best ? NULL : &limit, &e);
    if (rc) {
        cJSON_Delete(w.spec);
        return rm_cli_fail("sweep", &e);
    }
    if (count) {
        printf("%ld\n", w.nruns);
    } else if (rung_tasks) {
        rc = rm_sweep_print_rung_tasks(&w, spec_path);
    } else if (best) {
        rc = rm_sweep_print_best(&w, spec_path, quiet);
    } else if (list) {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = '\0';
        rm_sweep_list(&w, n > 0 ? self : argv[0], spec_path, &e);
    } else if (task >= 0) {
        if (task >= w.nruns) {
            e.code = RM_ERR_USAGE;
            snprintf(e.msg, sizeof e.msg, "--task-id %ld: the sweep has %ld runs (0 to %ld)", task, w.nruns, w.nruns - 1);
            rc = rm_cli_fail("sweep", &e);
        } else {
            rc = rm_sweep_write_index(&w, &e) ? rm_cli_fail("sweep", &e)
                 : w.prune.on               ? rm_sweep_run_rung(&w, spec_path, task, (int)rung, quiet, argc, argv)
                                            : rm_sweep_run_task(&w, spec_path, task, quiet, argc, argv);
        }
    } else {
        rc = run_here(&w, spec_path, jobs, threads, &limit, quiet);
    }
    cJSON_Delete(w.spec);
    return rc;
}
