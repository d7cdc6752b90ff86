/* gemm.c - cblas_sgemm wrapper and BLAS runtime settings. */
#include "rm_gemm.h"

#include <cblas.h>
#include <stdio.h>

void rm_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, const float *B,
             float beta, float *C)
{
    /* C (M,N) = alpha * op(A) (M,K) @ op(B) (K,N) + beta * C; row-major leading dims. */
    int lda = ta ? M : K;
    int ldb = tb ? K : N;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N,
                K, alpha, A, lda, B, ldb, beta, C, N);
}

void rm_blas_set_threads(int n) { openblas_set_num_threads(n); }

void rm_blas_describe(char *buf, int n)
{
    snprintf(buf, (size_t)n, "%s (core: %s)", openblas_get_config(), openblas_get_corename());
}
