/* test_early_stop.c - the early-stopping watch: patience, min_delta, both modes, NaN. */
#include <math.h>

#include "rm_early_stop.h"
#include "test_util.h"

/* Feed values for epochs 1..n; return the epoch of the first RM_ES_STOP (0 if none). */
static int feed(rm_early_stop *s, const double *v, int n, int *nan_at)
{
    *nan_at = 0;
    for (int i = 0; i < n; i++) {
        int r = rm_early_stop_update(s, i + 1, v[i]);
        if (r == RM_ES_NAN && !*nan_at) *nan_at = i + 1;
        if (r == RM_ES_STOP) return i + 1;
    }
    return 0;
}

int main(void)
{
    rm_early_stop s;
    int nan_at;
    /* a loss: best at epoch 3, patience 2 stops at epoch 5 */
    const double loss[] = {1.0, 0.8, 0.5, 0.6, 0.55, 0.1};
    rm_early_stop_init(&s, 0, 2, 0.0);
    CHECK(feed(&s, loss, 6, &nan_at) == 5);
    CHECK(s.best_epoch == 3 && s.best == 0.5 && s.wait == 2);
    /* patience 3: epoch 6 improves and resets the count */
    rm_early_stop_init(&s, 0, 3, 0.0);
    CHECK(feed(&s, loss, 6, &nan_at) == 0);
    CHECK(s.best_epoch == 6 && s.wait == 0);
    /* min_delta: 0.5 -> 0.45 is not an improvement of more than 0.1 */
    const double small[] = {0.5, 0.45, 0.41, 0.39};
    rm_early_stop_init(&s, 0, 2, 0.1);
    CHECK(feed(&s, small, 4, &nan_at) == 3);
    CHECK(s.best_epoch == 1);
    /* equal is not better */
    const double flat[] = {0.5, 0.5};
    rm_early_stop_init(&s, 0, 1, 0.0);
    CHECK(feed(&s, flat, 2, &nan_at) == 2 && s.best_epoch == 1);
    /* an accuracy is maximized */
    const double acc[] = {90.0, 95.0, 94.0, 96.0, 95.5, 95.9};
    rm_early_stop_init(&s, 1, 2, 0.0);
    CHECK(feed(&s, acc, 6, &nan_at) == 6);
    CHECK(s.best_epoch == 4 && s.best == 96.0);
    rm_early_stop_init(&s, 1, 5, 0.5); /* 96 beats 95 + 0.5; 95.9 does not beat 96 + 0.5 */
    CHECK(feed(&s, acc, 6, &nan_at) == 0 && s.best_epoch == 4 && s.wait == 2);
    /* NaN and inf are reported, never taken as a best */
    const double bad[] = {1.0, NAN, INFINITY, 0.9};
    rm_early_stop_init(&s, 0, 5, 0.0);
    CHECK(feed(&s, bad, 4, &nan_at) == 0 && nan_at == 2 && s.best_epoch == 4 && s.best == 0.9);
    return t_done("test_early_stop");
}
