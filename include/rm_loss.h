/* rm_loss.h - softmax cross-entropy and the L1/L2 penalties. */
#ifndef RM_LOSS_H
#define RM_LOSS_H

#include <stdint.h>

#include "rm_params.h"

/* Mean softmax cross-entropy of logits (B,C) against labels (B); writes dlogits (B,C) =
 * (softmax - onehot)/B when dlogits is not NULL, and counts correct argmax predictions. */
double rm_xent(const float *logits, const uint8_t *labels, int B, int C, float *dlogits, int *correct);

/* Penalty l1*sum|w| + l2*sum(w^2) over decay tensors (all tensors when all is set); when add_grad,
 * adds l1*sign(w) + 2*l2*w into p->grad. Returns the penalty value. */
double rm_penalty(rm_params *p, float l1, float l2, int all, int add_grad);

#endif
