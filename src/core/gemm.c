/* gemm.c - the cblas_sgemm wrapper. With several threads the product is cut into column (or row)
 * blocks of C, one per thread of regmnist's pool, each a single-threaded OpenBLAS call: OpenBLAS's
 * own threads stay idle, and every element of C is computed by the same kernel sequence. */
#include "rm_gemm.h"

#include <cblas.h>
#include <stdio.h>

#include "rm_pool.h"

typedef struct {
    int ta, tb, M, N, K, lda, ldb, by_rows;
    float alpha, beta;
    const float *A, *B;
    float *C;
} gemm_job;

static void sgemm(const gemm_job *j, int M, int N, const float *A, const float *B, float *C)
{
    cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans, j->tb ? CblasTrans : CblasNoTrans, M, N, j->K,
                j->alpha, A, j->lda, B, j->ldb, j->beta, C, j->N);
}

static void gemm_range(void *ctx, long b, long e)
{
    const gemm_job *j = ctx;
    if (j->by_rows) /* rows [b,e) of op(A) and C */
        sgemm(j, (int)(e - b), j->N, j->ta ? j->A + b : j->A + b * j->lda, j->B, j->C + b * j->N);
    else /* columns [b,e) of op(B) and C */
        sgemm(j, j->M, (int)(e - b), j->A, j->tb ? j->B + b * j->ldb : j->B + b, j->C + b);
}

void rm_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C)
{
    /* C (M,N) = alpha * op(A) (M,K) @ op(B) (K,N) + beta * C; row-major, leading dims from the shapes */
    gemm_job j = {ta, tb, M, N, K, ta ? M : K, tb ? K : N, M > N, alpha, beta, A, B, C};
    rm_pool_run(gemm_range, &j, j.by_rows ? M : N, 32);
}

void rm_blas_set_threads(int n) { openblas_set_num_threads(n); }

void rm_blas_describe(char *buf, int n)
{
    snprintf(buf, (size_t)n, "%s (core: %s)", openblas_get_config(), openblas_get_corename());
}
