/* rm_gemm.h - the single wrapper through which every matrix product goes. */
#ifndef RM_GEMM_H
#define RM_GEMM_H

#include "rm_pool.h"

/* A callback on the block rows [r0, r1) x columns [c0, c1) of a product's C. */
typedef void (*rm_tile_fn)(void *ctx, int r0, int r1, int c0, int c1);

/* How a product may be cut into tiles. */
enum { RM_SPLIT_AUTO = 0, RM_SPLIT_COLS = 1 /* every tile holds whole columns of C */,
       RM_SPLIT_ROWS = 2 /* every tile holds whole rows of C */ };

/* One product C (M,N) = alpha * op(A) op(B) + beta * C, row-major with leading dims from the shapes:
 * op(A) is (M,K): A is (M,K), or (K,M) when ta; op(B) is (K,N): B is (K,N), or (N,K) when tb.
 * It is cut into tiles (blocks of rows or of columns of C), each a single-threaded OpenBLAS call; the
 * tiles depend on M, N, K and split only, never on the thread count, so every element of C comes from
 * the same call whatever the number of threads (OpenBLAS's kernels give different last bits for an
 * element depending on where the call's block edges fall). pre and post, when set, run on each
 * tile's block of C just before and just after its product, on the same thread. */
typedef struct rm_gemm_op {
    int ta, tb, M, N, K;
    float alpha, beta;
    const float *A, *B;
    float *C;
    int split;
    rm_tile_fn pre, post;
    void *ctx;
    /* set by rm_gemm_plan */
    int by_rows, ntiles;
    long chunk;
} rm_gemm_op;

/* Decide the tiles of op (by_rows, ntiles, chunk). */
void rm_gemm_plan(rm_gemm_op *op);

/* Run tile t of a planned op (an rm_task_fn over the op). */
void rm_gemm_task(void *op, long t);

/* Plan op and add its tiles to a job, as 2 M N K FLOPs of work (and M N elements when it has callbacks);
 * op must live until the job has run. */
void rm_job_add_gemm(rm_job *j, rm_gemm_op *op);

/* Plan and run one product on the pool (no callbacks). */
void rm_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, const float *B,
             float beta, float *C);

/* Set OpenBLAS's own thread count (regmnist keeps it at 1 and threads through its pool). Call it at
 * start, before any product, from one thread. With n = 1 it also stops OpenBLAS's idle worker threads:
 * started when the library loads, they spin for about 0.1 s before sleeping, taking a core from
 * regmnist's pool at the start of every run. */
void rm_blas_set_threads(int n);

/* Set aside the address space OpenBLAS's work buffers take for nthreads threads calling it at once
 * (OpenBLAS retries a failed mapping forever); the first rm_job_add_gemm hands it back. Fails with
 * an RM_ERR_RUN out-of-memory error when the address space (ulimit -v) has no room. rm_pool_start
 * calls it. */
int rm_blas_reserve(int nthreads, rm_err *e);

/* Start the pool's nthreads threads (rm_pool_start), then set aside OpenBLAS's buffer room for them
 * (rm_blas_reserve): how a run or an evaluation starts its compute. */
int rm_gemm_start(int nthreads, rm_err *e);

/* Stop the pool and hand back any room still set aside. */
void rm_gemm_stop(void);

/* Hand back the space rm_blas_reserve set aside (if still held). */
void rm_blas_release(void);

/* The BLAS in use, e.g. "OpenBLAS 0.3.21 ... (core: SkylakeX)", into buf. */
void rm_blas_describe(char *buf, int n);


#endif
