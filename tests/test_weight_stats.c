/* test_weight_stats.c - weight statistics, gradient norms and activation statistics on hand-computed cases. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rm_weight_stats.h"
#include "test_util.h"

static void test_wstats(void)
{
    rm_wstats s;
    /* 2 4 4 4 5 5 7 9: mean 5, population std 2, l1 40, l2 sqrt(232), max 9, 4 of 8 below 4.5 */
    const float a[8] = {2, 4, 4, 4, 5, 5, 7, 9};
    rm_wstats_compute(a, 8, 4.5, &s);
    CHECK(s.numel == 8);
    CHECK(s.mean == 5.0 && s.std == 2.0 && s.l1 == 40.0 && s.l2 == sqrt(232.0) && s.max_abs == 9.0);
    CHECK(s.frac_small == 0.5);
    /* signs: mean 0, std sqrt(232 / 8) = sqrt(29), |w| < 4 strictly: only -2 */
    const float b[8] = {-2, 4, -4, 4, 5, -5, 7, -9};
    rm_wstats_compute(b, 8, 4.0, &s);
    CHECK(s.mean == 0.0 && s.std == sqrt(29.0) && s.l1 == 40.0 && s.l2 == sqrt(232.0) && s.max_abs == 9.0);
    CHECK(s.frac_small == 0.125);
    /* the default threshold 1e-3 on tiny weights; zeros count as small */
    const float c[5] = {0.0f, -0.0f, 0.0005f, -0.00099f, 0.002f};
    rm_wstats_compute(c, 5, 1e-3, &s);
    CHECK(s.frac_small == 0.8);
    CHECK_NEAR(s.max_abs, 0.002, 1e-9);
    /* one element: std 0 (population) */
    const float one = -3.5f;
    rm_wstats_compute(&one, 1, 1e-3, &s);
    CHECK(s.numel == 1 && s.mean == -3.5 && s.std == 0.0 && s.l1 == 3.5 && s.l2 == 3.5 && s.max_abs == 3.5 &&
          s.frac_small == 0.0);
    /* two-pass: a large mean does not swamp a small spread */
    enum { N = 100000 };
    float *big = malloc(N * sizeof *big);
    CHECK(big != NULL);
    if (big) {
        for (int i = 0; i < N; i++) big[i] = i & 1 ? 1000.5f : 999.5f;
        rm_wstats_compute(big, N, 1e-3, &s);
        CHECK(s.mean == 1000.0 && s.std == 0.5 && s.frac_small == 0.0);
        free(big);
    }
    /* NaN shows: mean and max_abs NaN; empty: NaN, l1 = l2 = 0 */
    const float d[3] = {1.0f, NAN, -2.0f};
    rm_wstats_compute(d, 3, 1e-3, &s);
    CHECK(isnan(s.mean) && isnan(s.max_abs) && isnan(s.std));
    rm_wstats_compute(a, 0, 1e-3, &s);
    CHECK(s.numel == 0 && isnan(s.mean) && isnan(s.frac_small) && s.l1 == 0.0 && s.l2 == 0.0);
}

static void test_grad_norm(void)
{
    const float g1[2] = {3, 4}, g2[3] = {1, 2, -2};
    float g3[17];
    for (int i = 0; i < 17; i++) g3[i] = i % 2 ? -1.0f : 1.0f;
    CHECK(rm_l2_norm(g1, 2) == 5.0 && rm_l2_norm(g2, 3) == 3.0 && rm_l2_norm(g3, 17) == sqrt(17.0));
    CHECK(rm_l2_norm(g1, 0) == 0.0);
    /* against the plain sum on a long random vector */
    enum { N = 100003 };
    static float r[N];
    uint32_t x = 7;
    double plain = 0.0;
    for (int i = 0; i < N; i++) {
        x = x * 1664525u + 1013904223u;
        r[i] = (float)((double)(x >> 8) / 16777216.0 - 0.5);
        plain += (double)r[i] * r[i];
    }
    CHECK_NEAR(rm_l2_norm(r, N) / sqrt(plain), 1.0, 1e-12); /* another summation order */
    rm_grad_norm_acc acc;
    rm_grad_norm_reset(&acc);
    CHECK(isnan(rm_grad_norm_mean(&acc)));
    rm_grad_norm_add(&acc, g1, 2);
    rm_grad_norm_add(&acc, g2, 3);
    CHECK(acc.steps == 2 && rm_grad_norm_mean(&acc) == 4.0); /* (5 + 3) / 2 */
    rm_grad_norm_add(&acc, g3, 17);
    CHECK_NEAR(rm_grad_norm_mean(&acc), (8.0 + sqrt(17.0)) / 3.0, 1e-15);
    rm_grad_norm_reset(&acc);
    rm_grad_norm_add(&acc, g2, 3);
    CHECK(rm_grad_norm_mean(&acc) == 3.0);
}

static void test_activations(void)
{
    rm_act_acc a;
    rm_err e = {0};
    CHECK(rm_act_acc_init(&a, 0, &e) == RM_ERR_RUN);
    CHECK(rm_act_acc_init(&a, 4, &e) == RM_OK);
    CHECK(isnan(rm_act_dead_frac(&a)) && isnan(rm_act_mean(&a)));
    /* units 0 and 2 are zero for every sample (-0 is zero): half dead; mean 6.5 / 12 */
    const float act[3 * 4] = {0, 1, 0, 2,  //
                              0, 0, 0, 3,  //
                              0, 0.5f, -0.0f, 0};
    rm_act_acc_add(&a, act, 2); /* batch by batch */
    rm_act_acc_add(&a, act + 8, 1);
    CHECK(a.samples == 3);
    CHECK(rm_act_dead_frac(&a) == 0.5);
    CHECK(rm_act_mean(&a) == 6.5 / 12.0);
    /* a unit alive in a later batch only is not dead; negative outputs (tanh) are alive */
    const float later[4] = {0, 0, -0.25f, 0};
    rm_act_acc_add(&a, later, 1);
    CHECK(rm_act_dead_frac(&a) == 0.25);
    CHECK(rm_act_mean(&a) == 6.25 / 16.0);
    /* all in one batch gives the same */
    rm_act_acc_reset(&a);
    CHECK(a.samples == 0 && isnan(rm_act_dead_frac(&a)));
    rm_act_acc_add(&a, act, 3);
    CHECK(rm_act_dead_frac(&a) == 0.5 && rm_act_mean(&a) == 6.5 / 12.0);
    /* csv rows */
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (f) {
        rm_wstats s;
        const float b[8] = {-2, 4, -4, 4, 5, -5, 7, -9};
        rm_wstats_compute(b, 8, 4.0, &s);
        fputs(RM_WEIGHTS_CSV_HEADER, f);
        rm_wstats_csv_row(f, 3, "fc0.weight", &s, 4.0);
        rm_wstats_csv_row(f, 3, "norm0.running_mean", &s, NAN);
        fputs(RM_ACTIVATIONS_CSV_HEADER, f);
        rm_act_csv_row(f, 3, "fc0", &a);
        char buf[1024] = {0};
        rewind(f);
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        CHECK(n > 0);
        CHECK(strcmp(buf, "epoch,tensor,numel,mean,std,l1,l2,max_abs,frac_small,grad_l2\n"
                          "3,fc0.weight,8,0,5.38516481,40,15.2315462,9,0.125,4\n"
                          "3,norm0.running_mean,8,0,5.38516481,40,15.2315462,9,0.125,\n"
                          "epoch,layer,units,dead_frac,mean_activation\n"
                          "3,fc0,4,0.5,0.541666667\n") == 0);
        if (strstr(buf, "fc0,4,0.5") == NULL) fprintf(stderr, "csv:\n%s", buf);
        fclose(f);
    }
    rm_act_acc_free(&a);
    CHECK(a.alive == NULL && a.units == 0);
}

int main(void)
{
    test_wstats();
    test_grad_norm();
    test_activations();
    return t_done("test_weight_stats");
}
