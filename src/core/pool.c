/* pool.c - worker threads for regmnist's parallel loops. Every job is a list of tasks; the caller
 * publishes it by bumping a generation counter and takes part. Each thread claims tasks one at a
 * time from a ticket, (generation << 32) | next task, with a compare-and-swap that only succeeds for
 * the current job, and the caller waits until every task is done, not for every worker: a worker
 * that is late (descheduled on a busy machine) finds the job taken and goes back to waiting, instead
 * of holding the caller up.
 *
 * Spin briefly, then sleep: a worker polls for the next job for SPIN_SECONDS (jobs come every few
 * microseconds while training), then sleeps on a condition variable; the caller polls as long for a
 * worker's last task, then sleeps until that worker signals. On a core shared with a CPU-bound
 * process, a thread that spins uses up its share and the scheduler preempts it while it holds a task,
 * which the caller then waited for: --threads 2 ran 32% slower than --threads 1 on a loaded machine
 * (issue 21). A thread that sleeps is run promptly when woken. 200 us: 50 us took 3.8 times as many
 * futex calls per headline epoch (11,655 against 3,081), the old 20,000 polls 4,432. When a
 * worker keeps the caller waiting all the same, the pool backs off for a while (judge, below).
 *
 * Each start resets the generation and the job before any worker exists, so a restarted pool never reruns the previous
 * job (whose context may be gone). */
#include "rm_pool.h"


#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* RM_POOL_MIN_WORK (rm_pool.h), where handing a job to the pool stops paying, measured on this
 * 2-core AMD EPYC (OpenBLAS 0.3.21, Cooperlake kernels, load average about 4.5 from other builds): a
 * layer's forward product then its dW + dx job, best of 15 x many repetitions, all on the caller vs
 * on the pool of 2 threads (pool/caller time): backward jobs of 6 kFLOP 1.08-1.12, 82 kFLOP 1.00-1.03,
 * 328 kFLOP 1.01, 1.05 MFLOP 1.00-1.09, 2.1 MFLOP 0.87-0.99, 4.2 MFLOP 0.81-1.10, 26 MFLOP 0.65.
 * Below 2 MFLOP the pool never won, so such jobs run on the caller. RM_POOL_ELEM_WORK: one element of
 * a bias fill or a column sum took 3.5-4.3 times one FLOP of a 64x128x128 sgemm, of ReLU with
 * dropout 24 times; 16 sizes the fused passes. */
#define MAX_THREADS 64
#define SPIN_SECONDS 200e-6 /* how long a worker polls for the next job, and the caller for the end of
                              * one, before sleeping (see "Spin briefly, then sleep" above) */
#define SPIN_CHECK 64        /* polls between looks at the clock */

/* The back-off (judge, below). */
#define PROBE_JOBS 32
#define LOST_JOBS 24
#define BACKOFF_JOBS 1024
#define BACKOFF_MAX 16384

static struct {
    pthread_mutex_t mu;
    pthread_cond_t go;
    pthread_cond_t finished; /* the caller sleeps on it for the last task of a job */
    atomic_int caller_waiting; /* set (under mu) while the caller sleeps on finished */
    pthread_t tid[MAX_THREADS];
    int nthreads;          /* including the caller */
    atomic_uint gen;       /* job generation */
    atomic_uint_fast64_t ticket; /* (generation << 32) | (tasks << 16) | the next task to claim */
    atomic_long done;      /* tasks of the current job finished */
    atomic_int stop;
    int running;           /* between a successful rm_pool_start and rm_pool_stop */
    int sleeping;          /* workers waiting on go (under mu) */
    /* the current job: a range cut into chunks (fn != NULL) or a task list */
    rm_range_fn fn;
    void *ctx;
    long n, chunk;
    const rm_job *job;
    long base;             /* task jobs: the first task of the slice being published */
    int probed, lost;      /* jobs handed out in this probe window, and how many the pool lost */
    double own, waited;    /* the window's seconds of the caller's own tasks, and of waiting after them */
    long inline_left;      /* jobs still to run on the caller after a lost window */
    long backoff;          /* how many the next lost window sends to the caller */
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .go = PTHREAD_COND_INITIALIZER, .finished = PTHREAD_COND_INITIALIZER, .nthreads = 1};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* One poll of a wait: pauses and returns 0 while the wait has lasted less than SPIN_SECONDS, then 1
 * (time to sleep). *spins and *t0 start at 0. */
static int spinning(long *spins, double *t0)
{
    cpu_relax();
    if (++*spins % SPIN_CHECK) return 0;
    const double now = rm_now();
    if (*t0 == 0) *t0 = now;
    return now - *t0 >= SPIN_SECONDS;
}

/* Run task t of job j: find its part. */
static void run_task(const rm_job *j, long t)
{
    for (int p = 0; p < j->nparts; p++) {
        if (t < j->part[p].count) {
            j->part[p].fn(j->part[p].ctx, t);
            return;
        }
        t -= j->part[p].count;
    }
}

#define SLICE 0xffff /* tasks per published slice */

/* Claim and run tasks of job generation g until none is left (or the job is another's). */
static void work(unsigned g)
{
    uint_fast64_t v = atomic_load_explicit(&P.ticket, memory_order_acquire);
    for (;;) {
        if ((unsigned)(v >> 32) != g) return;
        const long n = (long)((v >> 16) & SLICE), t = (long)(v & SLICE);
        if (t >= n) return;
        if (!atomic_compare_exchange_weak_explicit(&P.ticket, &v, v + 1, memory_order_acq_rel, memory_order_acquire))
            continue; /* v reloaded */
        /* task t of job g is ours; the job cannot end (nor P change) before we count it done */
        if (P.job) {
            run_task(P.job, P.base + t);
        } else {
            long b = t * P.chunk, e = b + P.chunk;
            if (e > P.n) e = P.n;
            P.fn(P.ctx, b, e);
        }
        if (atomic_fetch_add(&P.done, 1) + 1 == n && atomic_load(&P.caller_waiting)) {
            pthread_mutex_lock(&P.mu); /* the last task: wake the caller if it sleeps */
            pthread_cond_signal(&P.finished);
            pthread_mutex_unlock(&P.mu);
        }
        v = atomic_load_explicit(&P.ticket, memory_order_acquire);
    }
}

static void *worker(void *arg)
{
    (void)arg;
    unsigned seen = 0; /* rm_pool_start set gen to 0 before creating this thread */
    for (;;) {
        unsigned g;
        long spins = 0;
        double t0 = 0;
        while ((g = atomic_load_explicit(&P.gen, memory_order_acquire)) == seen && !atomic_load(&P.stop)) {
            if (!spinning(&spins, &t0)) continue;
            pthread_mutex_lock(&P.mu);
            P.sleeping++;
            while (atomic_load(&P.gen) == seen && !atomic_load(&P.stop)) pthread_cond_wait(&P.go, &P.mu);
            P.sleeping--;
            pthread_mutex_unlock(&P.mu);
            spins = 0;
        }
        if (atomic_load(&P.stop)) break;
        seen = g;
        work(g);
    }
    return NULL;
}

int rm_pool_start(int nthreads, rm_err *e)
{
    if (nthreads < 1 || nthreads > MAX_THREADS)
        return rm_fail(e, RM_ERR_USAGE, "threads: must be in [1, %d]", MAX_THREADS);
    if (P.running) return rm_fail(e, RM_ERR_USAGE, "thread pool already running (stop it first)");
    /* No worker exists here: reset the generation (workers start with seen = 0) and forget the
     * last job, so a restart cannot run it again. pthread_create publishes these to the workers. */
    atomic_store(&P.gen, 0);
    atomic_store(&P.ticket, 0);
    atomic_store(&P.done, 0);
    atomic_store(&P.stop, 0);
    P.fn = NULL;
    P.ctx = NULL;
    P.job = NULL;
    P.n = P.chunk = 0;
    P.base = 0;
    P.sleeping = 0;
    P.probed = P.lost = 0;
    P.own = P.waited = 0;
    P.inline_left = 0;
    P.backoff = BACKOFF_JOBS;
    P.nthreads = 1;
    P.running = 1;
    for (int k = 1; k < nthreads; k++) {
        if (pthread_create(&P.tid[k], NULL, worker, NULL) != 0) {
            rm_pool_stop();
            return rm_fail(e, RM_ERR_RUN, "cannot start worker thread %d", k);
        }
        P.nthreads = k + 1;
    }
    return RM_OK;
}

/* Backing off: when in PROBE_JOBS handed-out jobs the caller, done with its own tasks, waited for a
 * worker's more than LOST_JOBS times longer than 2 x its own work + 20 us, or waited longer in all
 * than its own tasks took (then the jobs would have been faster on the caller alone: a worker
 * preempted while it held a task, a few milliseconds now and then, on a core busy with another
 * process), the next BACKOFF_JOBS jobs run on the caller, as with one thread, before the pool is
 * tried again; each further lost window in a row doubles that, up to BACKOFF_MAX (so a competitor
 * that stays costs a probe window every 1365 headline steps, about an epoch), and a won window
 * resets it. Which thread runs a task never changes results. */

static void judge(double own, double waited)
{
    P.lost += waited > 2 * own + 20e-6;
    P.own += own;
    P.waited += waited;
    if (++P.probed < PROBE_JOBS) return;
    if (P.lost > LOST_JOBS || P.waited > P.own) {
        P.inline_left = P.backoff;
        P.backoff = P.backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : P.backoff * 2;
    } else {
        P.backoff = BACKOFF_JOBS;
    }
    P.probed = P.lost = 0;
    P.own = P.waited = 0;
}

/* Whether the next job runs on the caller (counting it). */
static int backing_off(void)
{
    if (P.inline_left <= 0) return 0;
    P.inline_left--;
    return 1;
}

/* Publish the job set up in P (ntasks <= SLICE tasks), take part, and wait until every task is done. */
static void dispatch(long ntasks)
{
    const unsigned g = atomic_load_explicit(&P.gen, memory_order_relaxed) + 1;
    atomic_store_explicit(&P.done, 0, memory_order_relaxed);
    atomic_store_explicit(&P.ticket, (uint_fast64_t)g << 32 | (uint_fast64_t)ntasks << 16, memory_order_release);
    atomic_store_explicit(&P.gen, g, memory_order_release);
    pthread_mutex_lock(&P.mu);
    if (P.sleeping) pthread_cond_broadcast(&P.go);
    pthread_mutex_unlock(&P.mu);
    const double start = rm_now();
    work(g);
    const double worked = rm_now();
    long spins = 0;
    double t0 = 0;
    while (atomic_load_explicit(&P.done, memory_order_acquire) < ntasks) {
        if (!spinning(&spins, &t0)) continue;
        /* a worker still runs a task, for longer than a spin: sleep until the last one is done */
        pthread_mutex_lock(&P.mu);
        atomic_store(&P.caller_waiting, 1);
        while (atomic_load(&P.done) < ntasks) pthread_cond_wait(&P.finished, &P.mu);
        atomic_store(&P.caller_waiting, 0);
        pthread_mutex_unlock(&P.mu);
    }
    judge(worked - start, rm_now() - worked);
}

void rm_pool_run(rm_range_fn fn, void *ctx, long n, long min_chunk)
{
    int t = P.nthreads;
    if (min_chunk < 16) min_chunk = 16;
    if (t > 1 && n / t < min_chunk) t = n / min_chunk > 1 ? (int)(n / min_chunk) : 1;
    if (t <= 1 || backing_off()) {
        if (n > 0) fn(ctx, 0, n);
        return;
    }
    long chunk = (n + t - 1) / t;
    chunk = (chunk + 15) / 16 * 16;
    P.job = NULL;
    P.fn = fn;
    P.ctx = ctx;
    P.n = n;
    P.chunk = chunk;
    dispatch((n + chunk - 1) / chunk);
    P.fn = NULL;
}

void rm_job_add_work(rm_job *j, rm_task_fn fn, void *ctx, long count, double work)
{
    if (count <= 0) return;
    if (j->nparts >= RM_POOL_MAX_PARTS) { /* full: run the earlier parts now (rare; still correct) */
        rm_pool_job(j);
        j->nparts = 0;
        j->work = 0;
    }
    j->work += work;
    j->part[j->nparts].fn = fn;
    j->part[j->nparts].ctx = ctx;
    j->part[j->nparts].count = count;
    j->nparts++;
}

void rm_job_add(rm_job *j, rm_task_fn fn, void *ctx, long count)
{
    rm_job_add_work(j, fn, ctx, count, INFINITY);
}

void rm_pool_job(const rm_job *j)
{
    long n = 0;
    for (int p = 0; p < j->nparts; p++) n += j->part[p].count;
    if (P.nthreads <= 1 || n <= 1 || j->work < RM_POOL_MIN_WORK || backing_off()) {
        for (long t = 0; t < n; t++) run_task(j, t);
        return;
    }
    P.fn = NULL;
    P.job = j;
    for (P.base = 0; P.base < n; P.base += SLICE) dispatch(n - P.base < SLICE ? n - P.base : SLICE);
    P.job = NULL;
}

void rm_pool_stop(void)
{
    if (!P.running) return; /* never started, or already stopped */
    atomic_store(&P.stop, 1);
    pthread_mutex_lock(&P.mu);
    pthread_cond_broadcast(&P.go);
    pthread_mutex_unlock(&P.mu);
    for (int k = 1; k < P.nthreads; k++) pthread_join(P.tid[k], NULL);
    P.nthreads = 1;
    P.fn = NULL;
    P.ctx = NULL;
    P.job = NULL;
    P.running = 0;
}
