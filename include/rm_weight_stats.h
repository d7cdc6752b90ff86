/* rm_weight_stats.h - per-tensor weight statistics, the per-epoch mean gradient norm and activation
 * statistics (dead units, mean activation): the data behind weights.csv and activations.csv.
 * All sums are in double, in index order, on one thread: the same bits at any thread count. */
#ifndef RM_WEIGHT_STATS_H
#define RM_WEIGHT_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "rm_common.h"

/* weights.csv's header line (long format: one row per epoch per parameter tensor). */
#define RM_WEIGHTS_CSV_HEADER "epoch,tensor,numel,mean,std,l1,l2,max_abs,frac_small,grad_l2\n"

/* activations.csv's header line (one row per epoch per hidden layer). */
#define RM_ACTIVATIONS_CSV_HEADER "epoch,layer,units,dead_frac,mean_activation\n"

/* Statistics of one tensor w (n). */
typedef struct rm_wstats {
    long numel;
    double mean;       /* sum w / n */
    double std;        /* population std: sqrt(sum (w - mean)^2 / n), two-pass; 0 for n = 1 (numpy ddof=0) */
    double l1;         /* sum |w| */
    double l2;         /* sqrt(sum w^2) (the Frobenius norm, not its square) */
    double max_abs;    /* max |w| (NaN if any w is NaN) */
    double frac_small; /* fraction with |w| < threshold (strictly) */
} rm_wstats;

/* Compute s for w (n >= 0; n = 0 gives numel 0 and NaN mean/std/max_abs/frac_small, l1 = l2 = 0). */
void rm_wstats_compute(const float *w /* (n) */, long n, double threshold, rm_wstats *s);

/* The L2 norm sqrt(sum g^2) of g (n), summed in double over 8 interleaved lanes. */
double rm_l2_norm(const float *g /* (n) */, long n);

/* An epoch's gradient L2 norms for one tensor: add each step, read the mean at the end. */
typedef struct rm_grad_norm_acc {
    double sum; /* sum over steps of ||g||_2 */
    long steps;
} rm_grad_norm_acc;

/* Forget the steps so far (start of an epoch). */
void rm_grad_norm_reset(rm_grad_norm_acc *a);

/* Add one step's gradient g (n): sum += ||g||_2. No allocation. */
void rm_grad_norm_add(rm_grad_norm_acc *a, const float *g /* (n) */, long n);

/* The mean norm over the steps added; NaN with no step. */
double rm_grad_norm_mean(const rm_grad_norm_acc *a);

/* One hidden layer's activations over a set of samples, fed batch by batch. */
typedef struct rm_act_acc {
    int units;
    long samples;
    double sum;     /* sum of every activation */
    uint8_t *alive; /* (units) 1 once the unit's output was non-zero for some sample */
} rm_act_acc;

/* Allocate for a layer of `units` (>= 1) and reset. */
int rm_act_acc_init(rm_act_acc *a, int units, rm_err *e);

/* Forget the samples so far (start of a pass over the set). */
void rm_act_acc_reset(rm_act_acc *a);

/* Add a batch: act (B, units) row-major, the layer's outputs (after the activation). No allocation. */
void rm_act_acc_add(rm_act_acc *a, const float *act /* (B, units) */, int B);

/* The fraction of units whose output was exactly 0 (+0 or -0) for every sample added; NaN with none. */
double rm_act_dead_frac(const rm_act_acc *a);

/* The mean activation over every sample and unit added; NaN with none. */
double rm_act_mean(const rm_act_acc *a);

/* Release the buffer. */
void rm_act_acc_free(rm_act_acc *a);

/* Write one weights.csv row: epoch,tensor,numel,mean,std,l1,l2,max_abs,frac_small,grad_l2 (%.9g; an
 * empty grad_l2 cell when grad_l2 is NaN, e.g. a buffer without gradient). */
void rm_wstats_csv_row(FILE *f, int epoch, const char *tensor, const rm_wstats *s, double grad_l2);

/* Write one activations.csv row: epoch,layer,units,dead_frac,mean_activation. */
void rm_act_csv_row(FILE *f, int epoch, const char *layer, const rm_act_acc *a);

#endif
