/* pool.c - worker threads for regmnist's parallel loops. A job is published by bumping a generation
 * counter; workers spin briefly on it (jobs come every few microseconds while training) and sleep
 * on a condition variable when idle longer. The caller runs the first chunk itself. Each start
 * resets the generation and the job before any worker exists, so a restarted pool never reruns
 * the previous job (whose context may be gone). */
#include "rm_pool.h"

#include <pthread.h>
#include <stdatomic.h>

#define MAX_THREADS 64
#define SPIN_LIMIT 20000 /* polls before a worker sleeps (a few hundred microseconds) */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t go;
    pthread_t tid[MAX_THREADS];
    int nthreads;          /* including the caller */
    atomic_ulong gen;      /* job generation */
    atomic_int pending;    /* workers still on the current job */
    atomic_int stop;
    int running;           /* between a successful rm_pool_start and rm_pool_stop */
    int sleeping;          /* workers waiting on go (under mu) */
    rm_range_fn fn;
    void *ctx;
    long n, chunk;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .go = PTHREAD_COND_INITIALIZER, .nthreads = 1};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void run_part(int k)
{
    long b = (long)k * P.chunk, e = b + P.chunk;
    if (e > P.n) e = P.n;
    if (b < e) P.fn(P.ctx, b, e);
}

static void *worker(void *arg)
{
    int k = (int)(long)arg;
    unsigned long seen = 0; /* rm_pool_start set gen to 0 before creating this thread */
    for (;;) {
        unsigned long g;
        int spins = 0;
        while ((g = atomic_load_explicit(&P.gen, memory_order_acquire)) == seen && !atomic_load(&P.stop)) {
            if (++spins < SPIN_LIMIT) {
                cpu_relax();
                continue;
            }
            pthread_mutex_lock(&P.mu);
            P.sleeping++;
            while (atomic_load(&P.gen) == seen && !atomic_load(&P.stop)) pthread_cond_wait(&P.go, &P.mu);
            P.sleeping--;
            pthread_mutex_unlock(&P.mu);
            spins = 0;
        }
        if (atomic_load(&P.stop)) break;
        seen = g;
        run_part(k);
        atomic_fetch_sub_explicit(&P.pending, 1, memory_order_release);
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
    atomic_store(&P.pending, 0);
    atomic_store(&P.stop, 0);
    P.fn = NULL;
    P.ctx = NULL;
    P.n = P.chunk = 0;
    P.sleeping = 0;
    P.nthreads = 1;
    P.running = 1;
    for (int k = 1; k < nthreads; k++) {
        if (pthread_create(&P.tid[k], NULL, worker, (void *)(long)k) != 0) {
            rm_pool_stop();
            return rm_fail(e, RM_ERR_RUN, "cannot start worker thread %d", k);
        }
        P.nthreads = k + 1;
    }
    return RM_OK;
}

void rm_pool_run(rm_range_fn fn, void *ctx, long n, long min_chunk)
{
    int t = P.nthreads;
    if (min_chunk < 16) min_chunk = 16;
    if (t > 1 && n / t < min_chunk) t = n / min_chunk > 1 ? (int)(n / min_chunk) : 1;
    if (t <= 1) {
        if (n > 0) fn(ctx, 0, n);
        return;
    }
    long chunk = (n + t - 1) / t;
    chunk = (chunk + 15) / 16 * 16;
    P.fn = fn;
    P.ctx = ctx;
    P.n = n;
    P.chunk = chunk;
    atomic_store_explicit(&P.pending, P.nthreads - 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&P.gen, 1, memory_order_release);
    pthread_mutex_lock(&P.mu);
    if (P.sleeping) pthread_cond_broadcast(&P.go);
    pthread_mutex_unlock(&P.mu);
    run_part(0);
    while (atomic_load_explicit(&P.pending, memory_order_acquire) > 0) cpu_relax();
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
    P.running = 0;
}
