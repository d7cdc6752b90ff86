/* sweep_jobs.c - running a sweep's runs: one by number (--task-id, taking its directory's lock first)
 * or all of them as child processes, N at a time (--jobs), waiting for runs another process holds
 * (declared in sweep.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_common.h"
#include "rm_gemm.h"
#include "rm_train.h"
#include "sweep.h"

/* Lock run directory dir (created if need be) for this process before looking into it, as rm_run
 * will (a process may take its own lock again); the lock lasts until the process exits, so the
 * descriptor is kept open. 0 when taken, -1 when another process holds it, else an error status. */
int rm_sweep_lock(const char *dir, rm_err *e)
{
    char path[2200];
    if (rm_mkdirs(dir, e)) return e->code;
    if (snprintf(path, sizeof path, "%s/%s", dir, RM_LOCK_FILE) >= (int)sizeof path)
        return rm_fail(e, RM_ERR_USAGE, "%s: path too long", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return rm_fail(e, RM_ERR_IO, "%s: cannot create the lock file: %s", path, strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) == 0) return 0;
    int err = errno;
    close(fd);
    if (err == EACCES || err == EAGAIN) return -1;
    return rm_fail(e, RM_ERR_IO, "%s: cannot lock: %s", path, strerror(err));
}

/* The process holding run directory dir's lock: its pid (-1 when not known), or 0 when none does. */
static pid_t lock_holder(const char *dir)
{
    char path[2200];
    if (snprintf(path, sizeof path, "%s/%s", dir, RM_LOCK_FILE) >= (int)sizeof path) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0; /* no lock file: no run was ever started there */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    pid_t p = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? (fl.l_pid > 0 ? fl.l_pid : -1) : 0;
    close(fd);
    return p;
}

int rm_sweep_claim(long i, const char *dir)
{
    rm_err e = {0};
    int held = rm_sweep_lock(dir, &e);
    if (held > 0) return rm_cli_fail("sweep", &e);
    if (held < 0) {
        fprintf(stderr, "regmnist: sweep: run %ld (%s): running elsewhere (another process holds %s/%s)\n", i, dir, dir,
                RM_LOCK_FILE);
        return EXIT_ELSEWHERE;
    }
    return RM_OK;
}

int rm_sweep_run_done(const sweep *w, const char *spec_path, long i, rm_config *c, char *dir, size_t dn, rm_err *e)
{
    if (rm_sweep_build_run(w, spec_path, i, c, dir, dn, e)) return -1;
    int state = rm_run_dir_state(c, e);
    return state < 0 ? -1 : state == RM_DIR_DONE;
}

/* Run i here: skip it when done, resume it when unfinished, else start it; EXIT_ELSEWHERE when
 * another process holds its directory. */
int rm_sweep_run_task(const sweep *w, const char *spec_path, long i, int quiet, int argc, char **argv)
{
    static rm_config c;
    rm_err e = {0};
    char dir[2048];
    if (rm_sweep_build_run(w, spec_path, i, &c, dir, sizeof dir, &e)) return rm_cli_fail("sweep", &e);
    int claimed = rm_sweep_claim(i, dir);
    if (claimed) return claimed;
    int state = rm_run_dir_state(&c, &e);
    if (state < 0) return rm_cli_fail("sweep", &e);
    if (state == RM_DIR_DONE) {
        if (!quiet) fprintf(stderr, "regmnist: sweep: run %ld (%s): already done\n", i, dir);
        return RM_OK;
    }
    char **sets; /* the run's overrides, as --list gives them: summary.json's and TensorBoard's */
    int nsets;
    if (rm_sweep_run_sets(w, i, c.name, &sets, &nsets, &e)) return rm_cli_fail("sweep", &e);
    rm_run_opts o = {quiet, 0, 0, argc, argv, (const char *const *)sets, nsets};
    if (state == RM_DIR_RESUMABLE) { /* continue with the run's own saved config (its thread count) */
        char cfg[2200];
        snprintf(cfg, sizeof cfg, "%s/config.json", dir);
        rm_config_defaults(&c);
        cJSON *dv = cJSON_CreateString(dir);
        int rc = rm_config_load(&c, cfg, &e);
        if (!rc) rc = rm_config_set_flag(&c, "--resume", "output.dir", dv, &e);
        cJSON_Delete(dv);
        if (rc || rm_config_validate(&c, cfg, &e)) {
            rm_sweep_free_sets(sets, nsets);
            return rm_cli_fail("sweep", &e);
        }
        o.resume = 1;
        if (!quiet) fprintf(stderr, "regmnist: sweep: run %ld (%s): resuming\n", i, dir);
    }
    rm_blas_set_threads(1);
    int rc = rm_run(&c, &o, &e);
    rm_sweep_free_sets(sets, nsets);
    if (rc) fprintf(stderr, "regmnist: sweep: run %ld (%s): %s\n", i, dir, e.msg);
    return rc;
}

static volatile sig_atomic_t g_stop;
static void on_stop(int sig) { g_stop = sig; }

/* Start run i as a child, `regmnist sweep SPEC --task-id i [--rung r]` with args; the child gets
 * SIGTERM (and so stops after its current step, keeping its last epoch) when this process dies. */
pid_t rm_sweep_start_child(const char *self, const char *spec_path, long i, int rung, char *const *args)
{
    char id[32], rs[16];
    snprintf(id, sizeof id, "%ld", i);
    snprintf(rs, sizeof rs, "%d", rung);
    const pid_t parent = getpid();
    pid_t p = fork();
    if (p != 0) return p;
    char *argv[16] = {(char *)self, "sweep", (char *)spec_path, "--task-id", id};
    int k = 5;
    if (rung >= 0) argv[k++] = "--rung", argv[k++] = rs;
    for (int j = 0; args[j] && k < 15; j++) argv[k++] = args[j];
    argv[k] = NULL;
    /* PR_SET_PDEATHSIG holds across exec; a parent that died before it was set shows as a new ppid */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(128 + SIGTERM);
    execv(self, argv);
    _exit(127);
}

/* Wait a quarter of a second (less when a signal comes). */
static void nap(void)
{
    struct timespec ts = {0, 250 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Why run i (in dir) failed, from what the child left: its summary.json, when it wrote one after
 * started, or its exit status and the error it printed above. */
static void report_failure(long i, const char *dir, int status, time_t started, int tty)
{
    char path[2200];
    struct stat st;
    int fresh = snprintf(path, sizeof path, "%s/summary.json", dir) < (int)sizeof path && stat(path, &st) == 0 &&
                st.st_mtime >= started;
    const char *clear = tty ? "\r\033[K" : "";
    if (WIFSIGNALED(status))
        fprintf(stderr, "%sregmnist: sweep: run %ld (%s) was killed by signal %d (%s)%s\n", clear, i, dir,
                WTERMSIG(status), strsignal(WTERMSIG(status)), fresh ? "; see its summary.json" : ", before writing summary.json");
    else if (fresh)
        fprintf(stderr, "%sregmnist: sweep: run %ld (%s) failed (exit %d); see its summary.json\n", clear, i, dir,
                WEXITSTATUS(status));
    else
        fprintf(stderr, "%sregmnist: sweep: run %ld (%s) failed (exit %d) before writing summary.json (its error is above)\n",
                clear, i, dir, WEXITSTATUS(status));
}

/* The state of rm_sweep_run_all: the children (one slot per job), the runs waiting for another
 * process, the counts. */
typedef struct pool {
    const sweep *w;
    const char *spec_path;
    char *const *args;
    char self[4096]; /* the regmnist binary */
    int jobs, quiet, tty;
    pid_t *pid;      /* (jobs) a slot's child, 0 when free */
    long *task;      /* (jobs) its run */
    time_t *since;   /* (jobs) when it started */
    long *waiting;   /* (nruns) runs running elsewhere, in order */
    long next, done, failed, nwait;
    int running;
    double t0;
} pool;

static void pool_free(pool *q)
{
    free(q->pid);
    free(q->task);
    free(q->since);
    free(q->waiting);
}

/* Whether run i is running elsewhere (another process holds its directory): then it waits. */
static int held_elsewhere(pool *q, long i)
{
    char dir[2048];
    pid_t holder = rm_sweep_run_dir(q->w, i, dir, sizeof dir) ? lock_holder(dir) : 0;
    if (!holder) return 0;
    q->waiting[q->nwait++] = i;
    char who[64] = "another process";
    if (holder > 0) snprintf(who, sizeof who, "process %ld", (long)holder);
    if (!q->quiet)
        fprintf(stderr, "%sregmnist: sweep: run %ld (%s): running elsewhere (%s holds it); waiting for it\n",
                q->tty ? "\r\033[K" : "", i, dir, who);
    return 1;
}

/* The first waiting run whose directory is free now, taken off the list; -1 when none is. */
static long free_waiting(pool *q)
{
    char dir[2048];
    long i = -1;
    for (long k = 0; k < q->nwait && i < 0; k++)
        if (rm_sweep_run_dir(q->w, q->waiting[k], dir, sizeof dir) && !lock_holder(dir)) {
            i = q->waiting[k];
            memmove(q->waiting + k, q->waiting + k + 1, (size_t)(q->nwait - k - 1) * sizeof *q->waiting);
            q->nwait--;
        }
    return i;
}

/* Start runs while slots are free: the next run in order, unless it is running elsewhere, then the
 * waiting runs whose directories are free now. *changed is set when a run joins the waiting ones. */
static void start_runs(pool *q, int *changed)
{
    while (q->running < q->jobs && !g_stop) {
        long i = -1;
        if (q->next < q->w->nruns) {
            i = q->next++;
            if (held_elsewhere(q, i)) {
                *changed = 1;
                continue;
            }
        } else {
            i = free_waiting(q);
            if (i < 0) break;
        }
        int slot = 0;
        while (q->pid[slot]) slot++;
        q->since[slot] = time(NULL);
        pid_t p = rm_sweep_start_child(q->self, q->spec_path, i, -1, q->args);
        if (p < 0) {
            fprintf(stderr, "regmnist: sweep: cannot start run %ld: %s\n", i, strerror(errno));
            q->failed++;
            continue;
        }
        q->pid[slot] = p;
        q->task[slot] = i;
        q->running++;
    }
}

/* Child p ended with status: done, waiting again (taken by another process since we looked), or failed. */
static void reap(pool *q, pid_t p, int status)
{
    char dir[2048];
    for (int k = 0; k < q->jobs; k++)
        if (q->pid[k] == p) {
            q->pid[k] = 0;
            q->running--;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                q->done++;
            } else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_ELSEWHERE) {
                q->waiting[q->nwait++] = q->task[k];
            } else if (!g_stop) {
                q->failed++;
                if (rm_sweep_run_dir(q->w, q->task[k], dir, sizeof dir))
                    report_failure(q->task[k], dir, status, q->since[k], q->tty);
            }
        }
}

/* The progress line: counts and the estimated time left. */
static void progress(const pool *q)
{
    long fin = q->done + q->failed;
    double el = rm_now() - q->t0, eta = fin ? el / (double)fin * (double)(q->w->nruns - fin) : 0;
    fprintf(stderr, "%ssweep %s: %ld done, %ld failed, %d running, %ld waiting, %ld total, ETA %.0f s%s",
            q->tty ? "\r\033[K" : "", q->w->name, q->done, q->failed, q->running, q->nwait, q->w->nruns, eta,
            q->tty ? "" : "\n");
}

/* Start and reap children until every run is done or failed, or a signal stopped them all. */
static void pool_loop(pool *q)
{
    int stopping = 0;
    while ((q->next < q->w->nruns || q->nwait > 0 || q->running > 0) && !(g_stop && q->running == 0)) {
        int changed = 0;
        if (g_stop && !stopping) {
            stopping = 1;
            for (int k = 0; k < q->jobs; k++)
                if (q->pid[k]) kill(q->pid[k], SIGTERM); /* each run keeps its last epoch and stops */
        }
        start_runs(q, &changed);
        /* Block for a child, except while runs wait for other processes: then look again soon. */
        int status;
        pid_t p = q->running > 0 ? waitpid(-1, &status, q->nwait > 0 && q->running < q->jobs ? WNOHANG : 0) : 0;
        if (p < 0 && errno == EINTR) continue;
        if (p < 0) break;
        if (p == 0 && !changed) {
            nap();
            continue;
        }
        if (p > 0) reap(q, p, status);
        if (!q->quiet) progress(q);
    }
    if (q->tty) fputc('\n', stderr);
}

/* Run every run as a child process (`regmnist sweep SPEC --task-id i`), jobs at a time. A run whose
 * directory another process holds (another sweep's, or a run by hand) is running elsewhere: it
 * waits, while the others go on, until that process ends, then its task takes it up (skipped when
 * it finished, resumed when it was interrupted). */
int rm_sweep_run_all(const sweep *w, const char *spec_path, int jobs, char *const *args, int quiet)
{
    pool q;
    memset(&q, 0, sizeof q);
    ssize_t n = readlink("/proc/self/exe", q.self, sizeof q.self - 1);
    if (n <= 0) return fprintf(stderr, "regmnist: sweep: cannot find the regmnist binary (/proc/self/exe)\n"), RM_ERR_IO;
    q.self[n] = '\0';
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    q.w = w, q.spec_path = spec_path, q.args = args, q.jobs = jobs, q.quiet = quiet;
    q.pid = calloc((size_t)jobs, sizeof *q.pid);
    q.task = calloc((size_t)jobs, sizeof *q.task);
    q.since = calloc((size_t)jobs, sizeof *q.since);
    q.waiting = calloc((size_t)w->nruns, sizeof *q.waiting);
    if (!q.pid || !q.task || !q.since || !q.waiting) {
        pool_free(&q);
        return fprintf(stderr, "regmnist: sweep: out of memory\n"), RM_ERR_RUN;
    }
    q.tty = isatty(fileno(stderr)) && !quiet;
    q.t0 = rm_now();
    pool_loop(&q);
    pool_free(&q);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (g_stop) {
        fprintf(stderr, "regmnist: sweep: interrupted; run it again to resume (%ld done)\n", q.done);
        return 128 + g_stop;
    }
    if (q.failed) {
        fprintf(stderr, "regmnist: sweep: %ld of %ld runs failed\n", q.failed, w->nruns);
        return RM_ERR_RUN;
    }
    if (!quiet) fprintf(stderr, "regmnist: sweep: %s: %ld runs done in %.1f s\n", w->out, w->nruns, rm_now() - q.t0);
    return RM_OK;
}
