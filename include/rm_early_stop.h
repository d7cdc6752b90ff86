/* rm_early_stop.h - early stopping on a monitored metric, as Keras/Lightning's EarlyStopping. */
#ifndef RM_EARLY_STOP_H
#define RM_EARLY_STOP_H

/* What an epoch's value did to the watch. */
enum { RM_ES_WORSE = 0, RM_ES_BETTER = 1, RM_ES_STOP = 2, RM_ES_NAN = 3 };

/* The watch: mode and thresholds from the config, then the running state. */
typedef struct rm_early_stop {
    int maximize;     /* 1 for accuracies, 0 for losses */
    int patience;     /* epochs without improvement before stopping (>= 1) */
    double min_delta; /* an improvement must beat the best by more than this */
    double best;      /* best value so far (+inf / -inf before the first epoch) */
    int best_epoch;   /* epoch of best, 0 before the first */
    int wait;         /* epochs since best_epoch */
} rm_early_stop;

/* Start a watch that minimizes (or maximizes) its value. */
void rm_early_stop_init(rm_early_stop *s, int maximize, int patience, double min_delta);

/* Record epoch's value: RM_ES_BETTER (a new best: keep this epoch's model), RM_ES_WORSE, RM_ES_STOP
 * (no improvement for patience epochs) or RM_ES_NAN (the value is not finite: the run diverged). */
int rm_early_stop_update(rm_early_stop *s, int epoch, double value);

#endif
