/* gemm.c - the cblas_sgemm wrapper. A product is cut into tiles, blocks of columns (or rows) of C
 * whose bounds depend only on the product's shape; each tile is one single-threaded OpenBLAS call,
 * run by whichever thread of regmnist's pool takes it. OpenBLAS's own threads stay idle.
 *
 * Why tiles fixed by the shape: inside one call OpenBLAS computes C in register blocks (e.g. 24
 * columns with its Haswell kernels) and the edge blocks use other kernels whose sums round
 * differently, so an element's last bits depend on where the call's edges fall. Cutting a product
 * per thread count (as regmnist did before) changed results between --threads 1, 2 and 3; with
 * shape-fixed tiles every element comes from the same call sequence whatever the thread count. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "rm_gemm.h"

#include <cblas.h>
#include <stdio.h>
#include <sys/mman.h>

/* Stops OpenBLAS's worker threads; exported by its pthreads builds (Debian's). Weak, so a BLAS
 * without it still links. */
extern int blas_thread_shutdown_(void) __attribute__((weak));

/* The tiles of a product, a function of its shape only. Blocks of rows of C when op(A) is transposed
 * and op(B) is not (the weight gradients dW = dy^T x: row tiles read a slice of dy and scaled best)
 * or when C has more rows than columns (evaluation batches); blocks of columns otherwise (the forward
 * products x W^T and the input gradients dy W of a training batch). The count, a power of two so 1, 2
 * and 4 threads share the tiles evenly, from M*N*K:
 *   up to SMALL_MNK: one tile;
 *   up to 4 * SMALL_MNK: 2 or 4 tiles of at most SMALL_MNK = 100^3, the size up to which OpenBLAS
 *     0.3.21's SkylakeX and Cooperlake kernels take their small-matrix path (no packing), which ran
 *     the second layer's dW and dx products (128x256x64, 64x256x128) about 1.5x faster than 2 tiles;
 *     but 2 tiles for x W^T (op(B) transposed, the forward), whose small-matrix path was slower;
 *   up to LARGE_MNK: 2 tiles (each further cut repacks the shared operand: 4 tiles of the first
 *     layer's products ran 10-15% slower than 2 on 2 threads);
 *   larger (evaluation batches): 4 tiles.
 * Spans are multiples of 16 (whole 64-byte lines of C) but for the last, at least 16 long.
 * Measured on 2 cores with OpenBLAS 0.3.21 (docs/performance.md; bench/sgemm_peak shows each
 * product of the headline model with its tile count). */
#define SMALL_MNK 1000000.0
#define LARGE_MNK (64.0 * 1048576.0)
#define MIN_SPAN 16

void rm_gemm_plan(rm_gemm_op *op)
{
    op->by_rows = op->split == RM_SPLIT_ROWS ||
                  (op->split == RM_SPLIT_AUTO && (op->M > op->N || (op->ta && !op->tb)));
    const long dim = op->by_rows ? op->M : op->N;
    const double mnk = (double)op->M * op->N * op->K;
    const int nt = !op->ta && op->tb;
    int t = mnk <= SMALL_MNK       ? 1
            : mnk <= 4 * SMALL_MNK ? (nt || mnk <= 2 * SMALL_MNK ? 2 : 4)
            : mnk <= LARGE_MNK     ? 2
                                   : 4;
    while (t > 1 && dim / t < MIN_SPAN) t /= 2;
    long chunk = (dim + t - 1) / t;
    chunk = (chunk + 15) / 16 * 16;
    op->chunk = chunk;
    op->ntiles = dim > 0 ? (int)((dim + chunk - 1) / chunk) : 0;
}

void rm_gemm_task(void *vop, long t)
{
    const rm_gemm_op *j = vop;
    const int lda = j->ta ? j->M : j->K, ldb = j->tb ? j->K : j->N;
    const long dim = j->by_rows ? j->M : j->N;
    const int b = (int)(t * j->chunk), e = (int)((t + 1) * j->chunk < dim ? (t + 1) * j->chunk : dim);
    const int r0 = j->by_rows ? b : 0, r1 = j->by_rows ? e : j->M;
    const int c0 = j->by_rows ? 0 : b, c1 = j->by_rows ? j->N : e;
    if (j->pre) j->pre(j->ctx, r0, r1, c0, c1);
    const float *A = j->by_rows ? (j->ta ? j->A + b : j->A + (long)b * lda) : j->A; /* rows [b,e) of op(A) */
    const float *B = j->by_rows ? j->B : (j->tb ? j->B + (long)b * ldb : j->B + b); /* columns [b,e) of op(B) */
    cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans, j->tb ? CblasTrans : CblasNoTrans, r1 - r0,
                c1 - c0, j->K, j->alpha, A, lda, B, ldb, j->beta, j->C + (long)r0 * j->N + c0, j->N);
    if (j->post) j->post(j->ctx, r0, r1, c0, c1);
}

/* OpenBLAS maps a work buffer (128 MiB of address space on x86-64; BUFFER_SIZE in its build) for each
 * call that runs while all earlier buffers are in use, the first time, and keeps it; when that
 * mapping fails (under ulimit -v) it retries forever. So the pool sets aside as much address space as
 * its threads' buffers take before regmnist allocates anything (rm_blas_reserve), and hands it back
 * just before the first product: an address-space limit is then met by regmnist's own checked
 * allocations (out of memory, exit 1), never inside OpenBLAS. */
#define BLAS_BUFFER ((size_t)129 << 20) /* 128 MiB and a page, with room to spare */

static void *reserved;
static size_t reserved_len;

int rm_blas_reserve(int nthreads, rm_err *e)
{
    rm_blas_release();
    size_t len = (size_t)nthreads * BLAS_BUFFER;
    void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return rm_fail(e, RM_ERR_RUN,
                       "out of memory: no room for OpenBLAS's work buffers (%d thread%s x 128 MiB of address space; "
                       "see ulimit -v, or use fewer --threads)",
                       nthreads, nthreads == 1 ? "" : "s");
    reserved = p;
    reserved_len = len;
    return RM_OK;
}

void rm_blas_release(void)
{
    if (!reserved) return;
    munmap(reserved, reserved_len);
    reserved = NULL;
}

int rm_gemm_start(int nthreads, rm_err *e)
{
    if (rm_pool_start(nthreads, e)) return e->code;
    if (rm_blas_reserve(nthreads, e)) { /* after the threads' stacks, before any of regmnist's buffers */
        rm_pool_stop();
        return e->code;
    }
    return RM_OK;
}

void rm_gemm_stop(void)
{
    rm_pool_stop();
    rm_blas_release();
}

void rm_job_add_gemm(rm_job *j, rm_gemm_op *op)
{
    if (reserved) rm_blas_release(); /* the first product: OpenBLAS maps its buffers into this room */
    rm_gemm_plan(op);
    const double elems = (double)op->M * op->N; /* the callbacks' elementwise steps on C */
    rm_job_add_work(j, rm_gemm_task, op, op->ntiles,
                    2.0 * elems * op->K + (op->pre || op->post ? elems * RM_POOL_ELEM_WORK : 0.0));
}

void rm_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C)
{
    rm_gemm_op op = {ta, tb, M, N, K, alpha, beta, A, B, C, RM_SPLIT_AUTO, NULL, NULL, NULL, 0, 0, 0};
    rm_job j = {0};
    rm_job_add_gemm(&j, &op);
    rm_pool_job(&j);
}

void rm_blas_set_threads(int n)
{
    openblas_set_num_threads(n);
    /* OpenBLAS's idle worker threads spin for about 0.1 s after they start (they were started when the
     * library loaded), taking a core from regmnist's pool; single-threaded calls never need them. */
    if (n == 1 && blas_thread_shutdown_) blas_thread_shutdown_();
}

void rm_blas_describe(char *buf, int n)
{
    snprintf(buf, (size_t)n, "%s (core: %s)", openblas_get_config(), openblas_get_corename());
}

