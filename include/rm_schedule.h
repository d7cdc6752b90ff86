/* rm_schedule.h - learning-rate schedules stepped once per epoch, with torch.optim.lr_scheduler 1.13's
 * recursive (chainable) formulas and defaults, and an optional linear warmup.
 *
 * The rate of epoch e (0-based: e = steps taken so far) is
 *     lr(e) = w(e) * s(e),   w(e) = min(1, (e + 1) / warmup_epochs)  (w = 1 without warmup),
 * where s(e) is exactly param_groups[0]["lr"] of the PyTorch scheduler after e calls of step() (its own
 * clock starts at epoch 0: warmup neither delays nor restarts it; milestones, step_size and t_max count
 * from the first epoch). With warmup_epochs W the first epoch runs at s(0) / W and epoch W - 1 at the full
 * rate. ReduceLROnPlateau counts bad epochs during the warmup as usual. */
#ifndef RM_SCHEDULE_H
#define RM_SCHEDULE_H

#include <stddef.h>

#include "rm_common.h"

/* Schedule kinds (config "optimizer.schedule.name"; absent = constant). */
enum {
    RM_SCHED_CONSTANT = 0, /* "constant": s(e) = lr */
    RM_SCHED_STEP,         /* "step": StepLR(step_size, gamma=0.1) */
    RM_SCHED_MULTISTEP,    /* "multistep": MultiStepLR(milestones, gamma=0.1) */
    RM_SCHED_EXPONENTIAL,  /* "exponential": ExponentialLR(gamma) */
    RM_SCHED_COSINE,       /* "cosine": CosineAnnealingLR(T_max, eta_min=0) */
    RM_SCHED_PLATEAU       /* "plateau": ReduceLROnPlateau(mode, factor=0.1, patience=10, threshold=1e-4 rel, ...) */
};

#define RM_SCHED_MAX_MILESTONES 32

/* A schedule's settings (from the config; not part of the resumable state). */
typedef struct rm_schedule_cfg {
    int kind;                                /* RM_SCHED_* */
    double base_lr;                          /* optimizer.lr */
    int warmup_epochs;                       /* >= 0; 0 = no warmup */
    int step_size;                           /* step: >= 1 */
    double gamma;                            /* step, multistep, exponential: > 0 */
    int milestones[RM_SCHED_MAX_MILESTONES]; /* multistep: ascending epochs >= 1 (a repeat multiplies again) */
    int n_milestones;
    int t_max;                               /* cosine: >= 1 */
    double eta_min;                          /* cosine: >= 0 */
    int mode_max;                            /* plateau: 1 = higher is better (accuracies), 0 = lower (losses) */
    double factor;                           /* plateau: in (0, 1) */
    int patience;                            /* plateau: >= 0 */
    double threshold;                        /* plateau: >= 0 */
    int threshold_abs;                       /* plateau: 0 = "rel" (PyTorch's default), 1 = "abs" */
    int cooldown;                            /* plateau: >= 0 */
    double min_lr;                           /* plateau: >= 0 */
    double eps;                              /* plateau: a reduction smaller than eps is skipped (1e-8) */
} rm_schedule_cfg;

/* The resumable state: the settings plus three numbers and two counters. */
typedef struct rm_schedule {
    rm_schedule_cfg cfg;
    long epoch;        /* step() calls so far: the 0-based epoch whose rate rm_schedule_lr gives */
    double lr;         /* s(epoch): the scheduler's own rate, before warmup (torch's group["lr"]) */
    double best;       /* plateau: the best monitored value so far (+-inf before the first) */
    int bad_epochs;    /* plateau: num_bad_epochs */
    int cooldown_left; /* plateau: cooldown_counter */
} rm_schedule;

/* The kind named name ("constant", "step", "multistep", "exponential", "cosine", "plateau"), or -1. */
int rm_schedule_kind(const char *name);

/* The name of a kind ("?" if unknown). */
const char *rm_schedule_name(int kind);

/* Fill c with PyTorch's defaults for kind at rate base_lr: gamma 0.1 (step, multistep; exponential has no
 * default and gets NaN, which rm_schedule_check refuses), eta_min 0, factor 0.1, patience 10,
 * threshold 1e-4 relative, cooldown 0, min_lr 0, eps 1e-8, mode min; step_size, t_max and milestones
 * unset (0), warmup 0. */
void rm_schedule_defaults(rm_schedule_cfg *c, int kind, double base_lr);

/* Check c; errors name the key, e.g. "optimizer.schedule.gamma: must be > 0, got 0" (RM_ERR_USAGE). */
int rm_schedule_check(const rm_schedule_cfg *c, rm_err *e);

/* Check c and start at epoch 0 (s(0) = base_lr). */
int rm_schedule_init(rm_schedule *s, const rm_schedule_cfg *c, rm_err *e);

/* The rate for the current epoch: w(epoch) * s(epoch). */
double rm_schedule_lr(const rm_schedule *s);

/* End the current epoch: scheduler.step() (plateau: step(monitored); the others ignore monitored). */
void rm_schedule_step(rm_schedule *s, double monitored);

/* The mutable state as one line of text (exact: %.17g) for a checkpoint's metadata, e.g.
 * "epoch=3 lr=0.01 best=0.25 bad=1 cooldown=0"; returns snprintf's count (fits when < n). */
int rm_schedule_save(const rm_schedule *s, char *buf, size_t n);

/* Restore the state saved by rm_schedule_save into s (initialized with the same settings). */
int rm_schedule_restore(rm_schedule *s, const char *text, rm_err *e);

#endif
