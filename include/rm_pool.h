/* rm_pool.h - a small pool of worker threads for elementwise loops (OpenBLAS threads its GEMMs). */
#ifndef RM_POOL_H
#define RM_POOL_H

#include "rm_common.h"

/* Work on the index range [begin, end) of a job. */
typedef void (*rm_range_fn)(void *ctx, long begin, long end);

/* Start nthreads - 1 workers (the caller is the last thread); nthreads 1 runs everything inline.
 * Fails with RM_ERR_USAGE if the pool is already running; after rm_pool_stop it may start again,
 * with any count, and never reruns an earlier job. Call start, run and stop from one thread. */
int rm_pool_start(int nthreads, rm_err *e);

/* Run fn over [0, n) split into contiguous chunks (multiples of 16, at least min_chunk long), one
 * per thread, and wait for all; the split never changes results for elementwise work. */
void rm_pool_run(rm_range_fn fn, void *ctx, long n, long min_chunk);

/* Stop and join the workers; later jobs run inline. Harmless if the pool is not running. */
void rm_pool_stop(void);

#endif
