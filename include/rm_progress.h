/* rm_progress.h - where a run stands: one epoch's metrics and the progress a resumed run needs (the
 * types shared by training, its checkpoints and its summary). */
#ifndef RM_PROGRESS_H
#define RM_PROGRESS_H

#include <stdint.h>

#include "rm_early_stop.h"
#include "rm_evaluate.h"

/* regmnist's version, recorded in the files it writes. */
#define RM_VERSION "0.2.0"

/* The git commit regmnist was configured from ("" outside a checkout), set by CMake. */
#ifndef RM_GIT_COMMIT
#define RM_GIT_COMMIT ""
#endif

/* One epoch's metrics, as in a metrics.csv row. */
typedef struct rm_epoch_row {
    int epoch;
    double train_loss, penalty, train_acc, seconds;
    double lr; /* the epoch's learning rate (after the schedule and warmup) */
    rm_eval_result val, test; /* val is meaningful only with a validation set */
    rm_eval_result train_eval; /* the fixed training sample in eval mode, when measured */
} rm_epoch_row;

/* Where a run stands after its last completed epoch: all a resumed run needs beyond the tensors. */
typedef struct rm_progress {
    int epoch;          /* completed epochs */
    long samples;       /* training samples seen */
    double train_s, eval_s;
    int64_t bn_batches; /* training batches seen by BatchNorm (PyTorch's num_batches_tracked) */
    rm_early_stop es;   /* the watch (used with early stopping) */
    rm_epoch_row last, best;
} rm_progress;

#endif
