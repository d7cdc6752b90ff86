/* weight_stats.c - weight, gradient-norm and activation statistics for weights.csv and activations.csv.
 *
 * Everything is summed in double in a fixed order on the calling thread, so the numbers do not depend on
 * the thread count. rm_l2_norm (called every step per tensor when output.weight_stats is on) keeps 8
 * interleaved partial sums, so the compiler can vectorize it without reassociating anything. */
#include "rm_weight_stats.h"

#include <math.h>
#include <string.h>

void rm_wstats_compute(const float *w, long n, double threshold, rm_wstats *s)
{
    memset(s, 0, sizeof *s);
    s->numel = n;
    if (n <= 0) {
        s->numel = 0;
        s->mean = s->std = s->max_abs = s->frac_small = NAN;
        return;
    }
    double sum = 0.0, l1 = 0.0, l2 = 0.0, mx = 0.0;
    long small = 0;
    int nan = 0;
    for (long i = 0; i < n; i++) {
        const double v = w[i], a = fabs(v);
        sum += v;
        l1 += a;
        l2 += v * v;
        if (a > mx) mx = a;
        nan |= isnan(v);
        small += a < threshold;
    }
    const double mean = sum / (double)n;
    double ss = 0.0;
    for (long i = 0; i < n; i++) {
        const double d = (double)w[i] - mean;
        ss += d * d;
    }
    s->mean = mean;
    s->std = sqrt(ss / (double)n);
    s->l1 = l1;
    s->l2 = sqrt(l2);
    s->max_abs = nan ? NAN : mx;
    s->frac_small = (double)small / (double)n;
}

double rm_l2_norm(const float *g, long n)
{
    double lane[8] = {0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) lane[k] += (double)g[i + k] * (double)g[i + k];
    for (; i < n; i++) lane[i & 7] += (double)g[i] * (double)g[i];
    return sqrt(((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7])));
}

void rm_grad_norm_reset(rm_grad_norm_acc *a)
{
    a->sum = 0.0;
    a->steps = 0;
}

void rm_grad_norm_add(rm_grad_norm_acc *a, const float *g, long n)
{
    a->sum += rm_l2_norm(g, n);
    a->steps++;
}

double rm_grad_norm_mean(const rm_grad_norm_acc *a) { return a->steps ? a->sum / (double)a->steps : NAN; }

int rm_act_acc_init(rm_act_acc *a, int units, rm_err *e)
{
    memset(a, 0, sizeof *a);
    if (units < 1) return rm_fail(e, RM_ERR_RUN, "activation statistics: %d units", units);
    a->alive = rm_alloc((size_t)units, 1, "activation statistics", e);
    if (!a->alive) return e->code;
    a->units = units;
    return RM_OK;
}

void rm_act_acc_reset(rm_act_acc *a)
{
    a->samples = 0;
    a->sum = 0.0;
    if (a->alive) memset(a->alive, 0, (size_t)a->units);
}

void rm_act_acc_add(rm_act_acc *a, const float *act, int B)
{
    const int H = a->units;
    for (int b = 0; b < B; b++) {
        const float *row = act + (size_t)b * H; // (H)
        double s = 0.0;
        for (int u = 0; u < H; u++) {
            s += row[u];
            a->alive[u] |= row[u] != 0.0f;
        }
        a->sum += s;
    }
    a->samples += B > 0 ? B : 0;
}

double rm_act_dead_frac(const rm_act_acc *a)
{
    if (a->samples <= 0 || a->units <= 0) return NAN;
    long dead = 0;
    for (int u = 0; u < a->units; u++) dead += !a->alive[u];
    return (double)dead / (double)a->units;
}

double rm_act_mean(const rm_act_acc *a)
{
    if (a->samples <= 0 || a->units <= 0) return NAN;
    return a->sum / ((double)a->samples * (double)a->units);
}

void rm_act_acc_free(rm_act_acc *a)
{
    rm_free(a->alive);
    memset(a, 0, sizeof *a);
}

void rm_wstats_csv_row(FILE *f, int epoch, const char *tensor, const rm_wstats *s, double grad_l2)
{
    fprintf(f, "%d,%s,%ld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,", epoch, tensor, s->numel, s->mean, s->std, s->l1, s->l2,
            s->max_abs, s->frac_small);
    if (isnan(grad_l2))
        fputc('\n', f);
    else
        fprintf(f, "%.9g\n", grad_l2);
}

void rm_act_csv_row(FILE *f, int epoch, const char *layer, const rm_act_acc *a)
{
    fprintf(f, "%d,%s,%d,%.9g,%.9g\n", epoch, layer, a->units, rm_act_dead_frac(a), rm_act_mean(a));
}
