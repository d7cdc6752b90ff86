/* early_stop.c - the early-stopping watch. An epoch improves when its value beats the best by more
 * than min_delta (value < best - min_delta for a loss, value > best + min_delta for an accuracy),
 * as Keras's and Lightning's EarlyStopping compare; after patience epochs without one, stop. */
#include "rm_early_stop.h"

#include <math.h>

void rm_early_stop_init(rm_early_stop *s, int maximize, int patience, double min_delta)
{
    s->maximize = maximize;
    s->patience = patience;
    s->min_delta = min_delta;
    s->best = maximize ? -INFINITY : INFINITY;
    s->best_epoch = 0;
    s->wait = 0;
}

int rm_early_stop_update(rm_early_stop *s, int epoch, double value)
{
    if (!isfinite(value)) return RM_ES_NAN;
    int better = s->maximize ? value > s->best + s->min_delta : value < s->best - s->min_delta;
    if (better || s->best_epoch == 0) { /* the first epoch is the first best */
        s->best = value;
        s->best_epoch = epoch;
        s->wait = 0;
        return RM_ES_BETTER;
    }
    return ++s->wait >= s->patience ? RM_ES_STOP : RM_ES_WORSE;
}
