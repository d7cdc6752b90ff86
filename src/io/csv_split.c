/* csv_split.c - a table's stratified seeded train/test split and per-feature standardization
 * statistics (declared in rm_csv.h). */
#include "rm_csv.h"

#include <math.h>
#include <stdlib.h>

#include "rm_rng.h"

void rm_csv_split_counts(const uint32_t *class_count, int classes, double fraction, uint32_t *test_count)
{
    for (int c = 0; c < classes; c++) {
        uint32_t m = class_count[c];
        double want = fraction * (double)m;
        uint32_t t = want <= 0 ? 0 : want >= (double)m ? m : (uint32_t)llround(want);
        if (m >= 2) {
            if (t < 1) t = 1;
            if (t > m - 1) t = m - 1;
        } else {
            t = 0;
        }
        test_count[c] = t;
    }
}

int rm_csv_split_stratified(const uint16_t *y, uint32_t n, int classes, double fraction, uint64_t seed,
                            uint32_t **train, uint32_t *n_train, uint32_t **test, uint32_t *n_test, rm_err *e)
{
    *train = *test = NULL;
    *n_train = *n_test = 0;
    if (!(fraction > 0.0 && fraction < 1.0))
        return rm_fail(e, RM_ERR_USAGE, "data.test_fraction: must be in (0, 1), got %g", fraction);
    if (classes < 1 || classes > RM_CSV_MAX_CLASSES)
        return rm_fail(e, RM_ERR_RUN, "stratified split: %d classes (1 to %d)", classes, RM_CSV_MAX_CLASSES);
    size_t k = (size_t)classes;
    /* count (k), start (k + 1), quota (k), then byclass (n): one block */
    uint32_t *block = rm_alloc(3 * k + 1 + (size_t)n, sizeof(uint32_t), "split indices", e);
    if (!block) return e->code;
    uint32_t *count = block, *start = count + k, *quota = start + k + 1, *byclass = quota + k;
    for (uint32_t i = 0; i < n; i++) {
        if (y[i] >= classes) {
            rm_free(block);
            return rm_fail(e, RM_ERR_RUN, "stratified split: label %u of row %u is not below %d classes", y[i], i,
                           classes);
        }
        count[y[i]]++;
    }
    rm_csv_split_counts(count, classes, fraction, quota);
    uint32_t nt = 0;
    for (size_t c = 0; c < k; c++) {
        start[c + 1] = start[c] + count[c];
        nt += quota[c];
    }
    if (nt == 0) {
        rm_free(block);
        return rm_fail(e, RM_ERR_USAGE, "data.test_fraction: %g leaves no test rows (every class has a single row)",
                       fraction);
    }
    *test = rm_alloc(nt, sizeof(uint32_t), "test indices", e);
    *train = *test ? rm_alloc(n - nt, sizeof(uint32_t), "training indices", e) : NULL;
    if (!*train) {
        rm_free(*test);
        *test = NULL;
        rm_free(block);
        return e->code;
    }
    /* each class's rows ascending (a counting sort; count becomes the fill pointer), then shuffled */
    for (size_t c = 0; c < k; c++) count[c] = start[c];
    for (uint32_t i = 0; i < n; i++) byclass[count[y[i]]++] = i;
    rm_rng rng;
    rm_rng_seed(&rng, seed, RM_STREAM_TEST_SPLIT);
    /* the rest of each class trains: count becomes that share */
    for (size_t c = 0; c < k; c++) count[c] = start[c + 1] - start[c] - quota[c];
    rm_split_deal(byclass, start, classes, &rng, quota, count, *test, *train, n_test, n_train);
    rm_free(block);
    return RM_OK;
}

void rm_csv_feature_stats(const float *x, uint32_t n_all, uint32_t d, const uint32_t *rows, uint32_t n_rows,
                          double *mean, double *std)
{
    if (!rows) n_rows = n_all;
    for (uint32_t j = 0; j < d; j++) mean[j] = 0.0, std[j] = 0.0;
    if (n_rows == 0) {
        for (uint32_t j = 0; j < d; j++) std[j] = 1.0;
        return;
    }
    for (uint32_t i = 0; i < n_rows; i++) {
        const float *xr = x + (size_t)(rows ? rows[i] : i) * d; /* (d) */
        for (uint32_t j = 0; j < d; j++) mean[j] += xr[j];
    }
    for (uint32_t j = 0; j < d; j++) mean[j] /= n_rows;
    for (uint32_t i = 0; i < n_rows; i++) {
        const float *xr = x + (size_t)(rows ? rows[i] : i) * d;
        for (uint32_t j = 0; j < d; j++) {
            double dv = xr[j] - mean[j];
            std[j] += dv * dv;
        }
    }
    for (uint32_t j = 0; j < d; j++) {
        std[j] = sqrt(std[j] / n_rows);
        if (!(std[j] > 0.0)) std[j] = 1.0;
    }
}

void rm_csv_standardize(float *x, uint32_t n, uint32_t d, const double *mean, const double *std)
{
    for (uint32_t i = 0; i < n; i++) {
        float *xr = x + (size_t)i * d; /* (d) */
        for (uint32_t j = 0; j < d; j++) xr[j] = (xr[j] - (float)mean[j]) / (float)std[j];
    }
}
