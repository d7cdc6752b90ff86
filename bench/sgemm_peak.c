/* sgemm_peak.c - measure this machine's OpenBLAS sgemm throughput, for the benchmark report.
 * usage: sgemm_peak [THREADS]  -> prints "peak_gflops <x>" for a 2048^3 product, the rate of each
 * product of the headline MLP (batch 64, 784-256-128-10) through regmnist's tiled wrapper, with its
 * tile count, and their combined rate. */
#include <stdio.h>
#include <stdlib.h>

#include "rm_common.h"
#include "rm_gemm.h"
#include "rm_pool.h"

static double rate(int ta, int tb, int M, int N, int K, int reps, int *tiles)
{
    float *A = calloc((size_t)M * K, sizeof(float)), *B = calloc((size_t)K * N, sizeof(float)),
          *C = calloc((size_t)M * N, sizeof(float));
    if (!A || !B || !C) {
        fprintf(stderr, "sgemm_peak: out of memory\n");
        exit(1);
    }
    for (long i = 0; i < (long)M * K; i++) A[i] = (float)(i % 7) * 0.1f;
    for (long i = 0; i < (long)K * N; i++) B[i] = (float)(i % 5) * 0.1f;
    rm_gemm(ta, tb, M, N, K, 1.0f, A, B, 0.0f, C); /* warm-up */
    double best = 1e30;
    for (int r = 0; r < 7; r++) {
        double t = rm_now();
        for (int i = 0; i < reps; i++) rm_gemm(ta, tb, M, N, K, 1.0f, A, B, 0.0f, C);
        t = rm_now() - t;
        if (t < best) best = t;
    }
    rm_gemm_op op = {ta, tb, M, N, K, 1.0f, 0.0f, A, B, C, RM_SPLIT_AUTO, NULL, NULL, NULL, 0, 0, 0};
    rm_gemm_plan(&op);
    if (tiles) *tiles = op.ntiles;
    free(A);
    free(B);
    free(C);
    return 2.0 * M * N * K * reps / best / 1e9;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    rm_err e;
    rm_blas_set_threads(1);
    if (threads < 1 || rm_pool_start(threads, &e)) {
        fprintf(stderr, "sgemm_peak: bad thread count\n");
        return 2;
    }
    char blas[512];
    rm_blas_describe(blas, sizeof blas);
    printf("blas %s\nthreads %d\n", blas, threads);
    printf("peak_gflops %.1f\n", rate(0, 1, 2048, 2048, 2048, 2, NULL));
    /* forward, dW and dx products of the headline MLP at batch 64 */
    double f = 0, flops = 0;
    const int in[3] = {784, 256, 128}, out[3] = {256, 128, 10};
    for (int l = 0; l < 3; l++) {
        double fl = 2.0 * 64 * in[l] * out[l];
        int t;
        double r = rate(0, 1, 64, out[l], in[l], 200, &t);
        printf("shape fc%d forward NT %dx%dx%d tiles %d: %.1f GFLOP/s\n", l, 64, out[l], in[l], t, r);
        f += fl / r;
        r = rate(1, 0, out[l], in[l], 64, 200, &t);
        printf("shape fc%d dW TN %dx%dx%d tiles %d: %.1f GFLOP/s\n", l, out[l], in[l], 64, t, r);
        f += fl / r;
        flops += 2 * fl;
        if (l > 0) {
            r = rate(0, 0, 64, in[l], out[l], 200, &t);
            printf("shape fc%d dx NN %dx%dx%d tiles %d: %.1f GFLOP/s\n", l, 64, in[l], out[l], t, r);
            f += fl / r;
            flops += fl;
        }
    }
    printf("headline_shapes_gflops %.1f\n", flops / f);
    rm_pool_stop();
    return 0;
}
