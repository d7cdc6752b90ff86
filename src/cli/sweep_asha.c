/* sweep_asha.c - successive halving under `sweep --jobs N` (ASHA with a fixed order, so that the
 * promotions depend on the metrics alone, not on which run ends first; the rule is docs/search.md's
 * "Successive halving"). Runs are trained rung by rung as child processes (`sweep SPEC --task-id i
 * --rung r`); what each run has completed is read from its files at the start, so an interrupted
 * sweep, run again, makes the same decisions. Declared in sweep.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_common.h"
#include "rm_common.h"
#include "sweep.h"

/* The scheduler's state: per run, the highest rung completed and whether it is training or failed;
 * per setting (the runs of one grid point and trial, all seeds), its rung-mean metric and the rung it
 * is promoted to; per rung, its settings in order and how much of that order has been decided. */
typedef struct {
    const sweep *w;
    const char *spec_path;
    char *const *args;
    char self[4096];
    int jobs, quiet, nr;
    long nset, nseeds;
    int *done, *busy, *failed; /* (nruns) */
    int *promoted;             /* (nset) the highest rung the setting may train to */
    double *value;             /* (nset * nr) the mean metric at each rung (NAN: a run failed or has none) */
    long *order[MAX_RUNGS], len[MAX_RUNGS], decided[MAX_RUNGS]; /* settings in rung order; the prefix decided */
    int closed_done[MAX_RUNGS]; /* the rung's last decision (its whole order, closed) was made */
    pid_t *pid;
    long *task;
    int *task_rung;
    int running, tty;
    long trained, nfailed;
} asha;

static volatile sig_atomic_t g_stop;
static void on_stop(int sig) { g_stop = sig; }

/* Setting s has completed rung r: every one of its runs has, or failed. */
static int complete(const asha *a, long s, int r)
{
    for (long k = 0; k < a->nseeds; k++) {
        long i = s * a->nseeds + k;
        if (a->done[i] < r && !a->failed[i]) return 0;
    }
    return 1;
}

/* Setting s's metric at rung r: the mean over its seeds; NAN when a run failed or has no row. */
static double setting_value(const asha *a, long s, int r)
{
    double sum = 0;
    for (long k = 0; k < a->nseeds; k++) {
        long i = s * a->nseeds + k;
        double v = a->failed[i] ? NAN : rm_sweep_rung_metric(a->w, i, r);
        if (!isfinite(v)) return NAN;
        sum += v;
    }
    return sum / (double)a->nseeds;
}

/* Setting s's directory below OUT ("base" when nothing varies: its runs are OUT/seed<S>). */
static void setting_name(const asha *a, long s, char *buf, size_t n)
{
    char dir[2048];
    size_t skip = strlen(a->w->out) + 1;
    rm_sweep_run_dir(a->w, s * a->nseeds, dir, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    snprintf(buf, n, "%s", strlen(dir) > skip ? dir + skip : "base");
}

static const asha *g_sort; /* for by_rank */
static int g_rung;

/* Rank order at rung g_rung: finite values first, best first (mode), ties by place in the rung's order. */
static int by_rank(const void *x, const void *y)
{
    const long p = *(const long *)x, q = *(const long *)y;
    const long *ord = g_sort->order[g_rung];
    double u = g_sort->value[ord[p] * g_sort->nr + g_rung], v = g_sort->value[ord[q] * g_sort->nr + g_rung];
    int fu = isfinite(u), fv = isfinite(v);
    if (fu != fv) return fv - fu;
    if (fu && u != v) return (g_sort->w->prune.maximize ? u > v : u < v) ? -1 : 1;
    return (p > q) - (p < q);
}

static int by_place(const void *x, const void *y)
{
    const long p = *(const long *)x, q = *(const long *)y;
    return (p > q) - (p < q);
}

/* Promote the best k of the first m settings of rung r's order (finite values only) that are not yet
 * promoted: they join rung r + 1's order, in their order at rung r. */
static void promote(asha *a, int r, long m, long k)
{
    long *place = malloc((size_t)m * sizeof *place), n = 0;
    if (!place) return;
    for (long p = 0; p < m; p++) place[p] = p;
    g_sort = a, g_rung = r;
    qsort(place, (size_t)m, sizeof *place, by_rank);
    if (k > m) k = m;
    while (k > 0 && !isfinite(a->value[a->order[r][place[k - 1]] * a->nr + r])) k--;
    qsort(place, (size_t)k, sizeof *place, by_place);
    for (long j = 0; j < k; j++) {
        long s = a->order[r][place[j]];
        if (a->promoted[s] > r) continue;
        a->promoted[s] = r + 1;
        a->order[r + 1][a->len[r + 1]++] = s;
        n++;
        if (!a->quiet) {
            char name[2048];
            setting_name(a, s, name, sizeof name);
            fprintf(stderr, "%sregmnist: sweep: %s/%s: promoted to rung %d (%d epochs), %s %.6g at rung %d\n",
                    a->tty ? "\r\033[K" : "", a->w->out, name, r + 1,
                    a->w->prune.epochs[r + 1], a->w->prune.metric, a->value[s * a->nr + r], r);
        }
    }
    free(place);
}

/* Make every decision the completed runs allow, rung by rung: each prefix of m completed settings in a
 * rung's order promotes its best floor(m / reduction); once the rung can gain no more settings and all
 * of them completed, its best max(1, floor(n / reduction)). */
static void decide(asha *a)
{
    const long eta = a->w->prune.reduction;
    for (int r = 0; r + 1 < a->nr; r++) {
        while (a->decided[r] < a->len[r] && complete(a, a->order[r][a->decided[r]], r)) {
            long s = a->order[r][a->decided[r]++];
            a->value[s * a->nr + r] = setting_value(a, s, r);
            promote(a, r, a->decided[r], a->decided[r] / eta);
        }
        int closed = r == 0 || a->closed_done[r - 1];
        if (closed && !a->closed_done[r] && a->decided[r] == a->len[r]) {
            a->closed_done[r] = 1;
            long k = a->len[r] / eta;
            promote(a, r, a->len[r], k > 0 ? k : 1);
        }
    }
}

/* The next run to train and its rung: a promoted one first (the highest rung, then the lowest run),
 * else the lowest run still to reach rung 0; -1 when none may start now. */
static long next_task(const asha *a, int *rung)
{
    long best = -1;
    for (long i = 0; i < a->w->nruns; i++) {
        long s = i / a->nseeds;
        if (a->busy[i] || a->failed[i] || a->done[i] >= a->promoted[s]) continue;
        if (best < 0 || a->done[i] + 1 > *rung) best = i, *rung = a->done[i] + 1;
    }
    return best;
}

/* Start tasks while slots are free; 1 when one started. */
static int start_tasks(asha *a)
{
    int started = 0, r = 0;
    long i;
    while (a->running < a->jobs && !g_stop && (i = next_task(a, &r)) >= 0) {
        int slot = 0;
        while (a->pid[slot]) slot++;
        pid_t p = rm_sweep_start_child(a->self, a->spec_path, i, r, a->args);
        if (p < 0) {
            fprintf(stderr, "regmnist: sweep: cannot start run %ld: %s\n", i, strerror(errno));
            a->failed[i] = 1, a->nfailed++;
            continue;
        }
        a->pid[slot] = p, a->task[slot] = i, a->task_rung[slot] = r;
        a->busy[i] = 1;
        a->running++;
        started = 1;
    }
    return started;
}

/* Child p ended with status: its run completed its rung, runs elsewhere (tried again later), or failed. */
static void reap(asha *a, pid_t p, int status, int *elsewhere)
{
    for (int k = 0; k < a->jobs; k++) {
        if (a->pid[k] != p) continue;
        long i = a->task[k];
        a->pid[k] = 0;
        a->running--;
        a->busy[i] = 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            a->done[i] = a->task_rung[k];
            a->trained++;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_ELSEWHERE) {
            *elsewhere = 1;
        } else if (!g_stop) {
            a->failed[i] = 1;
            a->nfailed++;
            fprintf(stderr, "%sregmnist: sweep: run %ld failed at rung %d (%s %d); its error is above\n",
                    a->tty ? "\r\033[K" : "", i,
                    a->task_rung[k], WIFSIGNALED(status) ? "signal" : "exit",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        }
    }
}

/* The progress line: rung trainings done and failed, running, and how many settings each rung holds. */
static void progress(const asha *a)
{
    char rungs[256] = "";
    size_t at = 0;
    for (int r = 0; r < a->nr && at < sizeof rungs; r++)
        at += (size_t)snprintf(rungs + at, sizeof rungs - at, "%s%ld", r ? "/" : "", a->len[r]);
    fprintf(stderr, "%ssweep %s: %ld rung trainings done, %ld failed, %d running; settings per rung %s%s",
            a->tty ? "\r\033[K" : "", a->w->name, a->trained, a->nfailed, a->running, rungs, a->tty ? "" : "\n");
}

/* Start and reap children until nothing is left to train, or a signal stopped them all. */
static void asha_loop(asha *a)
{
    int stopping = 0, elsewhere = 0;
    for (;;) {
        if (g_stop && !stopping) {
            stopping = 1;
            for (int k = 0; k < a->jobs; k++)
                if (a->pid[k]) kill(a->pid[k], SIGTERM); /* each run keeps its last epoch and stops */
        }
        decide(a);
        if (!elsewhere) start_tasks(a);
        if (a->running == 0 && (g_stop || !elsewhere)) break;
        elsewhere = 0;
        int status;
        pid_t p = a->running ? waitpid(-1, &status, 0) : 0;
        if (p < 0 && errno == EINTR) continue;
        if (p < 0) break;
        if (p > 0) reap(a, p, status, &elsewhere);
        if (p > 0 && !a->quiet) progress(a);
        if (elsewhere || p == 0) {
            struct timespec ts = {0, 250 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

/* OUT/rungs.csv: per rung, its settings in order, each one's mean metric there (when completed) and
 * whether it was promoted. */
static int write_rungs(const asha *a, rm_err *e)
{
    size_t cap = 4096 + (size_t)a->nset * (size_t)a->nr * 1200, at = 0;
    char *csv = malloc(cap), name[2048], path[2048];
    if (!csv) return rm_fail(e, RM_ERR_RUN, "out of memory");
    at += (size_t)snprintf(csv, cap, "rung,epochs,place,setting,%s,promoted\n", a->w->prune.metric);
    for (int r = 0; r < a->nr; r++)
        for (long p = 0; p < a->len[r] && at < cap; p++) {
            long s = a->order[r][p];
            setting_name(a, s, name, sizeof name);
            double v = r + 1 < a->nr && p < a->decided[r] ? a->value[s * a->nr + r]
                       : complete(a, s, r)                ? setting_value(a, s, r)
                                                          : NAN;
            char vs[32] = "";
            if (!isnan(v)) snprintf(vs, sizeof vs, "%.9g", v);
            at += (size_t)snprintf(csv + at, cap - at, "%d,%d,%ld,\"%s\",%s,%d\n", r, a->w->prune.epochs[r], p,
                                   name, vs, a->promoted[s] > r);
        }
    int rc = at >= cap ? rm_fail(e, RM_ERR_RUN, "rungs.csv: too large") : rm_path_join(path, sizeof path, a->w->out, "rungs.csv", e);
    if (!rc) rc = rm_write_atomic(path, csv, at, e);
    free(csv);
    return rc;
}

static void asha_free(asha *a)
{
    free(a->done), free(a->busy), free(a->failed), free(a->promoted), free(a->value);
    free(a->pid), free(a->task), free(a->task_rung);
    for (int r = 0; r < MAX_RUNGS; r++) free(a->order[r]);
}

/* Allocate the state and read each run's progress from its files; rung 0's order is the settings'. */
static int asha_init(asha *a, const sweep *w, int jobs)
{
    a->w = w, a->jobs = jobs, a->nr = w->prune.nrungs;
    a->nseeds = w->nseeds, a->nset = w->nruns / w->nseeds;
    size_t n = (size_t)w->nruns, ns = (size_t)a->nset;
    a->done = calloc(n, sizeof *a->done), a->busy = calloc(n, sizeof *a->busy), a->failed = calloc(n, sizeof *a->failed);
    a->promoted = calloc(ns, sizeof *a->promoted), a->value = calloc(ns * (size_t)a->nr, sizeof *a->value);
    a->pid = calloc((size_t)jobs, sizeof *a->pid), a->task = calloc((size_t)jobs, sizeof *a->task);
    a->task_rung = calloc((size_t)jobs, sizeof *a->task_rung);
    int ok = a->done && a->busy && a->failed && a->promoted && a->value && a->pid && a->task && a->task_rung;
    for (int r = 0; ok && r < a->nr; r++) ok = (a->order[r] = calloc(ns, sizeof *a->order[r])) != NULL;
    if (!ok) return 0;
    for (long s = 0; s < a->nset; s++) a->order[0][a->len[0]++] = s;
    for (long i = 0; i < w->nruns; i++) a->done[i] = rm_sweep_rung_done(w, a->spec_path, i);
    return 1;
}

/* Every run here under successive halving, jobs processes at a time (see the file's comment). */
int rm_sweep_run_asha(const sweep *w, const char *spec_path, int jobs, char *const *args, int quiet)
{
    static asha a;
    memset(&a, 0, sizeof a);
    ssize_t n = readlink("/proc/self/exe", a.self, sizeof a.self - 1);
    if (n <= 0) return fprintf(stderr, "regmnist: sweep: cannot find the regmnist binary (/proc/self/exe)\n"), RM_ERR_IO;
    a.self[n] = '\0';
    a.spec_path = spec_path, a.args = args, a.quiet = quiet;
    a.tty = isatty(fileno(stderr)) && !quiet;
    if (!asha_init(&a, w, jobs)) {
        asha_free(&a);
        return fprintf(stderr, "regmnist: sweep: out of memory\n"), RM_ERR_RUN;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    g_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    const double t0 = rm_now();
    asha_loop(&a);
    if (a.tty) fputc('\n', stderr);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    rm_err e = {0};
    int rc = write_rungs(&a, &e) ? rm_cli_fail("sweep", &e) : RM_OK;
    long full = 0;
    for (long s = 0; s < a.nset; s++) full += a.promoted[s] == a.nr - 1;
    asha_free(&a);
    if (g_stop) {
        fprintf(stderr, "regmnist: sweep: interrupted; run it again to resume (%ld rung trainings done)\n", a.trained);
        return 128 + g_stop;
    }
    if (a.nfailed) {
        fprintf(stderr, "regmnist: sweep: %ld runs failed\n", a.nfailed);
        return RM_ERR_RUN;
    }
    if (!quiet && !rc)
        fprintf(stderr, "regmnist: sweep: %s: %ld settings, %ld trained to the full budget (%d epochs), in %.1f s\n", w->out,
                a.nset, full, w->prune.epochs[a.nr - 1], rm_now() - t0);
    return rc;
}

/* Print the next rung's tasks as the runs' files stand: "RUNG NRUNGS I,J,..." for the lowest rung that
 * has runs to train (promoted there, not there yet), or "done"; for Slurm, one job array per rung.
 * OUT/rungs.csv is written first, the decisions so far, when OUT exists. */
int rm_sweep_print_rung_tasks(const sweep *w, const char *spec_path)
{
    static asha a;
    memset(&a, 0, sizeof a);
    a.spec_path = spec_path, a.quiet = 1;
    if (!asha_init(&a, w, 1)) {
        asha_free(&a);
        return fprintf(stderr, "regmnist: sweep: out of memory\n"), RM_ERR_RUN;
    }
    decide(&a);
    rm_err e = {0};
    struct stat st;
    /* the decisions as the files stand, as --jobs leaves them (a sweep not started has none) */
    if (stat(w->out, &st) == 0 && S_ISDIR(st.st_mode) && write_rungs(&a, &e)) {
        asha_free(&a);
        return rm_cli_fail("sweep", &e);
    }
    int rung = -1;
    for (long i = 0; i < w->nruns; i++) {
        long s = i / a.nseeds;
        if (a.done[i] < a.promoted[s] && (rung < 0 || a.done[i] + 1 < rung)) rung = a.done[i] + 1;
    }
    if (rung < 0) {
        printf("done\n");
    } else {
        printf("%d %d ", rung, a.nr);
        const char *sep = "";
        for (long i = 0; i < w->nruns; i++)
            if (a.done[i] + 1 == rung && a.promoted[i / a.nseeds] >= rung) printf("%s%ld", sep, i), sep = ",";
        printf("\n");
    }
    asha_free(&a);
    return RM_OK;
}
