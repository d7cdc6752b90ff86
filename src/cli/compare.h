/* compare.h - `regmnist compare SWEEPDIR --baseline FILTER` as numbers (private to src/cli), for
 * `regmnist report`: the same sides, tests and Holm correction as the printed comparison. */
#ifndef RM_CLI_COMPARE_H
#define RM_CLI_COMPARE_H

#include "rm_common.h"
#include "rm_stats.h"

enum { CMP_MAX_SIDES = 64 };

/* One side against the baseline. */
typedef struct {
    char label[1024]; /* SWEEPDIR:key=value,... by the keys that vary */
    int n;            /* its ok runs (0: the setting is listed, untested) */
    double mean;      /* their mean (NaN without one) */
    int tested;       /* a t-test was possible (2 ok runs per side) */
    int paired;       /* it was the paired t-test (else Welch's) */
    rm_ttest t;       /* diff, 95% CI and p (NaN when undefined) when tested */
    double p_holm;    /* Holm-adjusted p, NaN when p is */
} cmp_side;

/* The baseline (the runs of dir matching filter) and every other setting of dir against it, on a
 * canonical metric: *n_base ok runs of mean *base_mean, sides[0 .. *ns-1]. Errors as compare's, but a
 * setting without an ok run is a side with n 0 rather than an error. */
int cmp_sweep_baseline(const char *dir, const char *filter, const char *metric, int *n_base, double *base_mean,
                       cmp_side *sides, int *ns, rm_err *e);

#endif
