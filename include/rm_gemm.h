/* rm_gemm.h - the single wrapper through which every matrix product goes. */
#ifndef RM_GEMM_H
#define RM_GEMM_H

/* Row-major C (M,N) = alpha * op(A) op(B) + beta * C via cblas_sgemm.
 * op(A) is (M,K): A is (M,K), or (K,M) when ta; op(B) is (K,N): B is (K,N), or (N,K) when tb. */
void rm_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, const float *B,
             float beta, float *C);

/* Set OpenBLAS's own thread count (regmnist keeps it at 1 and threads through its pool). */
void rm_blas_set_threads(int n);

/* The BLAS in use, e.g. "OpenBLAS 0.3.21 ... (core: SkylakeX)", into buf. */
void rm_blas_describe(char *buf, int n);

#endif
