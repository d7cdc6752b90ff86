/* rm_evaluate.h - loss, accuracy and the confusion matrix of a model on a set, in eval mode. */
#ifndef RM_EVALUATE_H
#define RM_EVALUATE_H

#include <stdint.h>

#include "rm_data.h"
#include "rm_model.h"
#include "rm_weight_stats.h"

/* Evaluation batch size (eval results do not depend on it beyond the last bits). */
#define RM_EVAL_BATCH 1000

/* The largest batch rm_evaluate takes over n samples: min(n, RM_EVAL_BATCH), at least 1. */
int rm_eval_batch(uint32_t n);

/* Mean loss and accuracy (percent) over a set. */
typedef struct rm_eval_result {
    double loss, acc;
} rm_eval_result;

/* Evaluate m (built for at least min(n, RM_EVAL_BATCH) samples) on the n images idx of d, normalized
 * through lut, in eval mode; labels is scratch (rm_eval_batch(n)). When confusion (classes x classes,
 * rows = true class) is not NULL it is filled with counts. When acts is not NULL it holds one
 * accumulator per hidden layer, reset here and fed every batch's activations (after the activation
 * function; eval mode has no dropout). */
rm_eval_result rm_evaluate(rm_model *m, const rm_dataset *d, const uint32_t *idx, uint32_t n, const float lut[256],
                           uint8_t *labels, long *confusion, rm_act_acc *acts);

#endif
