/* rm_pool.h - a small pool of worker threads for regmnist's parallel loops and GEMM tiles. */
#ifndef RM_POOL_H
#define RM_POOL_H

#include "rm_common.h"

/* Work on the index range [begin, end) of a job. */
typedef void (*rm_range_fn)(void *ctx, long begin, long end);

/* One task of a job. */
typedef void (*rm_task_fn)(void *ctx, long task);

/* Start nthreads - 1 workers (the caller is the last thread); nthreads 1 runs everything inline.
 * Fails with RM_ERR_USAGE if the pool is already running; after rm_pool_stop it may start again,
 * with any count, and never reruns an earlier job. Call start, run and stop from one thread. */
int rm_pool_start(int nthreads, rm_err *e);

/* Run fn over [0, n) split into contiguous chunks (multiples of 16, at least min_chunk long), one
 * per thread, and wait for all. The split depends on the thread count: use it for elementwise work
 * only, where it never changes results. */
void rm_pool_run(rm_range_fn fn, void *ctx, long n, long min_chunk);

/* A job whose estimated work (in FLOPs) is below this runs on the calling thread: handing it to the
 * pool costs more than it saves. Measured in src/core/pool.c. */
#define RM_POOL_MIN_WORK 2e6

/* The work, in FLOP-equivalents, of one element of an elementwise pass (bias, activation, dropout,
 * a norm's or a bias gradient's per-element step), for sizing jobs against RM_POOL_MIN_WORK. */
#define RM_POOL_ELEM_WORK 16.0

/* A job made of parts, each a task function run for tasks [0, count) of its own. */
#define RM_POOL_MAX_PARTS 8
typedef struct rm_job {
    int nparts;
    double work; /* estimated FLOPs of its tasks; INFINITY once a task of unknown size is added */
    struct {
        rm_task_fn fn;
        void *ctx;
        long count;
    } part[RM_POOL_MAX_PARTS];
} rm_job;

/* Add count tasks of fn to a job (ignored when count is 0); their size is unknown, so the job goes to
 * the pool whatever else it holds. */
void rm_job_add(rm_job *j, rm_task_fn fn, void *ctx, long count);

/* Add count tasks of fn that together do about work FLOPs (ignored when count is 0). */
void rm_job_add_work(rm_job *j, rm_task_fn fn, void *ctx, long count, double work);

/* Run every task of a job and wait for all. The threads take tasks one at a time from a shared
 * counter, so tasks must be independent (disjoint writes); which thread runs a task never changes
 * what it computes, so results do not depend on the thread count. A job of fewer than 2 tasks or of
 * less than RM_POOL_MIN_WORK runs on the caller, in task order. */
void rm_pool_job(const rm_job *j);

/* Stop and join the workers; later jobs run inline. Harmless if the pool is not running. */
void rm_pool_stop(void);

#endif
