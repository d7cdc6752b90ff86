/* rm_loss.h - softmax cross-entropy and the L1/L2 penalties. */
#ifndef RM_LOSS_H
#define RM_LOSS_H

#include <stdint.h>

#include "rm_params.h"

/* Penalty forms (config "regularization.normalize"). */
enum { RM_PEN_SUM = 0, RM_PEN_MEAN = 1 };

/* Mean softmax cross-entropy of logits (B,C) against labels (B) with label smoothing s in [0, 1)
 * (PyTorch: target (1-s) onehot + s/C); writes dlogits (B,C) = (softmax - target)/B when dlogits is
 * not NULL, and counts correct argmax predictions. */
double rm_xent(const float *logits, const uint8_t *labels, int B, int C, float smoothing, float *dlogits,
               int *correct);

/* The number of values rm_penalty covers (decay tensors, or all when all is set): the n of the
 * "mean" form l1/n * sum|w|. */
size_t rm_penalty_count(const rm_params *p, int all);

/* torch.nn.utils.clip_grad_norm_(max_norm): the L2 norm of every gradient together; when max_norm
 * > 0 and the norm exceeds it, scales every gradient by max_norm / (norm + 1e-6). Returns the norm
 * before clipping. Sums in a fixed order (thread-count independent). */
double rm_clip_grad_norm(rm_params *p, float max_norm);

/* Max-norm constraint, as w.copy_(torch.renorm(w, 2, 0, c)) on each Linear weight (the tensors with
 * the decay flag) but the one named skip (NULL: none): every row whose L2 norm exceeds c is scaled
 * by c / (norm + 1e-7). */
void rm_max_norm(rm_params *p, float c, const char *skip);

/* Penalty l1*sum|w| + l2*sum(w^2) over decay tensors (all tensors when all is set); when add_grad,
 * adds l1*sign(w) + 2*l2*w into p->grad. Returns the penalty value. */
double rm_penalty(rm_params *p, float l1, float l2, int all, int add_grad);

#endif
