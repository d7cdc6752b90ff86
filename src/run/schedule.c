/* schedule.c - torch.optim.lr_scheduler 1.13 once per epoch, in the recursive form its step() uses.
 *
 * PyTorch's schedulers (called without an epoch argument) update param_groups[0]["lr"] from its previous
 * value with get_lr(), not with the closed form: e.g. CosineAnnealingLR multiplies the previous rate by
 * (1 + cos(pi e / T)) / (1 + cos(pi (e - 1) / T)), which differs from the closed form in the last bits.
 * We keep that rate in s->lr and repeat each get_lr() with the same double operations in the same order,
 * so the rates equal PyTorch's bit for bit (given the same libm cos). */
#include "rm_schedule.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846 /* == Python's math.pi */
#endif

static const char *const NAMES[] = {"constant", "step", "multistep", "exponential", "cosine", "plateau"};
#define N_KINDS ((int)(sizeof NAMES / sizeof NAMES[0]))

int rm_schedule_kind(const char *name)
{
    for (int k = 0; name && k < N_KINDS; k++)
        if (strcmp(name, NAMES[k]) == 0) return k;
    return -1;
}

const char *rm_schedule_name(int kind) { return kind >= 0 && kind < N_KINDS ? NAMES[kind] : "?"; }

void rm_schedule_defaults(rm_schedule_cfg *c, int kind, double base_lr)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->base_lr = base_lr;
    c->gamma = kind == RM_SCHED_EXPONENTIAL ? NAN : 0.1;
    c->eta_min = 0.0;
    c->mode_max = 0;
    c->factor = 0.1;
    c->patience = 10;
    c->threshold = 1e-4;
    c->threshold_abs = 0;
    c->cooldown = 0;
    c->min_lr = 0.0;
    c->eps = 1e-8;
}

#define KEY "optimizer.schedule."

int rm_schedule_check(const rm_schedule_cfg *c, rm_err *e)
{
    if (c->kind < 0 || c->kind >= N_KINDS) return rm_fail(e, RM_ERR_USAGE, KEY "name: unknown kind %d", c->kind);
    const char *name = NAMES[c->kind];
    if (!(c->base_lr >= 0.0 && isfinite(c->base_lr)))
        return rm_fail(e, RM_ERR_USAGE, "optimizer.lr: must be a finite number >= 0, got %g", c->base_lr);
    if (c->warmup_epochs < 0)
        return rm_fail(e, RM_ERR_USAGE, KEY "warmup_epochs: must be >= 0, got %d", c->warmup_epochs);
    switch (c->kind) {
    case RM_SCHED_STEP:
        if (c->step_size < 1) return rm_fail(e, RM_ERR_USAGE, KEY "step_size: must be >= 1 for step, got %d", c->step_size);
        break;
    case RM_SCHED_MULTISTEP:
        if (c->n_milestones < 1 || c->n_milestones > RM_SCHED_MAX_MILESTONES)
            return rm_fail(e, RM_ERR_USAGE, KEY "milestones: multistep needs 1 to %d epochs, got %d",
                           RM_SCHED_MAX_MILESTONES, c->n_milestones);
        for (int i = 0; i < c->n_milestones; i++) {
            if (c->milestones[i] < 1)
                return rm_fail(e, RM_ERR_USAGE, KEY "milestones[%d]: must be an epoch >= 1, got %d", i, c->milestones[i]);
            if (i && c->milestones[i] < c->milestones[i - 1])
                return rm_fail(e, RM_ERR_USAGE, KEY "milestones: must be in ascending order, got %d after %d",
                               c->milestones[i], c->milestones[i - 1]);
        }
        break;
    case RM_SCHED_COSINE:
        if (c->t_max < 1) return rm_fail(e, RM_ERR_USAGE, KEY "t_max: must be >= 1 for cosine, got %d", c->t_max);
        if (!(c->eta_min >= 0.0 && isfinite(c->eta_min)))
            return rm_fail(e, RM_ERR_USAGE, KEY "eta_min: must be a finite number >= 0, got %g", c->eta_min);
        break;
    case RM_SCHED_PLATEAU:
        if (!(c->factor > 0.0 && c->factor < 1.0))
            return rm_fail(e, RM_ERR_USAGE, KEY "factor: must be in (0, 1), got %g", c->factor);
        if (c->patience < 0) return rm_fail(e, RM_ERR_USAGE, KEY "patience: must be >= 0, got %d", c->patience);
        if (!(c->threshold >= 0.0 && isfinite(c->threshold)))
            return rm_fail(e, RM_ERR_USAGE, KEY "threshold: must be a finite number >= 0, got %g", c->threshold);
        if (c->cooldown < 0) return rm_fail(e, RM_ERR_USAGE, KEY "cooldown: must be >= 0, got %d", c->cooldown);
        if (!(c->min_lr >= 0.0 && isfinite(c->min_lr)))
            return rm_fail(e, RM_ERR_USAGE, KEY "min_lr: must be a finite number >= 0, got %g", c->min_lr);
        if (!(c->eps >= 0.0 && isfinite(c->eps)))
            return rm_fail(e, RM_ERR_USAGE, KEY "eps: must be a finite number >= 0, got %g", c->eps);
        break;
    default:
        break;
    }
    const int uses_gamma = c->kind == RM_SCHED_STEP || c->kind == RM_SCHED_MULTISTEP || c->kind == RM_SCHED_EXPONENTIAL;
    if (uses_gamma && isnan(c->gamma))
        return rm_fail(e, RM_ERR_USAGE, KEY "gamma: required for %s", name);
    if (uses_gamma && !(c->gamma > 0.0 && isfinite(c->gamma)))
        return rm_fail(e, RM_ERR_USAGE, KEY "gamma: must be a finite number > 0, got %g", c->gamma);
    return RM_OK;
}

int rm_schedule_init(rm_schedule *s, const rm_schedule_cfg *c, rm_err *e)
{
    if (rm_schedule_check(c, e)) return e->code;
    memset(s, 0, sizeof *s);
    s->cfg = *c;
    s->epoch = 0;
    s->lr = c->base_lr;
    s->best = c->mode_max ? -INFINITY : INFINITY; /* mode_worse */
    s->bad_epochs = 0;
    s->cooldown_left = 0;
    return RM_OK;
}

double rm_schedule_lr(const rm_schedule *s)
{
    const long w = s->cfg.warmup_epochs;
    if (w > 0 && s->epoch + 1 < w) return (double)(s->epoch + 1) / (double)w * s->lr; /* min(1, (e+1)/W) * lr */
    return s->lr;
}

/* ReduceLROnPlateau.is_better. */
static int is_better(const rm_schedule_cfg *c, double a, double best)
{
    if (!c->mode_max && !c->threshold_abs) return a < best * (1.0 - c->threshold);
    if (!c->mode_max) return a < best - c->threshold;
    if (!c->threshold_abs) return a > best * (c->threshold + 1.0);
    return a > best + c->threshold;
}

void rm_schedule_step(rm_schedule *s, double monitored)
{
    const rm_schedule_cfg *c = &s->cfg;
    const long e = ++s->epoch; /* last_epoch after the step; >= 1 */
    switch (c->kind) {
    case RM_SCHED_STEP:
        if (e % c->step_size == 0) s->lr = s->lr * c->gamma;
        break;
    case RM_SCHED_MULTISTEP: {
        int count = 0; /* Counter(milestones)[e] */
        for (int i = 0; i < c->n_milestones; i++) count += c->milestones[i] == e;
        if (count) s->lr = s->lr * pow(c->gamma, count); /* gamma ** count */
        break;
    }
    case RM_SCHED_EXPONENTIAL:
        s->lr = s->lr * c->gamma;
        break;
    case RM_SCHED_COSINE: {
        const long T = c->t_max;
        if ((e - 1 - T) % (2 * T) == 0) /* Python's % differs for negatives, but not in whether it is 0 */
            s->lr = s->lr + (c->base_lr - c->eta_min) * (1.0 - cos(M_PI / (double)T)) / 2.0;
        else
            s->lr = (1.0 + cos(M_PI * (double)e / (double)T)) / (1.0 + cos(M_PI * (double)(e - 1) / (double)T)) *
                        (s->lr - c->eta_min) +
                    c->eta_min;
        break;
    }
    case RM_SCHED_PLATEAU:
        if (is_better(c, monitored, s->best)) {
            s->best = monitored;
            s->bad_epochs = 0;
        } else {
            s->bad_epochs++;
        }
        if (s->cooldown_left > 0) {
            s->cooldown_left--;
            s->bad_epochs = 0; /* bad epochs in cooldown are ignored */
        }
        if (s->bad_epochs > c->patience) {
            const double old = s->lr, cut = old * c->factor, lr = c->min_lr > cut ? c->min_lr : cut;
            if (old - lr > c->eps) s->lr = lr;
            s->cooldown_left = c->cooldown;
            s->bad_epochs = 0;
        }
        break;
    default:
        break;
    }
}

int rm_schedule_save(const rm_schedule *s, char *buf, size_t n)
{
    return snprintf(buf, n, "epoch=%ld lr=%.17g best=%.17g bad=%d cooldown=%d", s->epoch, s->lr, s->best,
                    s->bad_epochs, s->cooldown_left);
}

/* Parse "name=" then a number at *p; advances *p past it and one space. */
static int field(const char **p, const char *name, int is_int, double *d, long *l)
{
    const size_t k = strlen(name);
    if (strncmp(*p, name, k) != 0 || (*p)[k] != '=') return 0;
    const char *start = *p + k + 1;
    char *end;
    errno = 0;
    if (is_int)
        *l = strtol(start, &end, 10);
    else
        *d = strtod(start, &end);
    if (end == start || errno || (*end != ' ' && *end != '\0') || !(*start == '-' || (*start >= '0' && *start <= '9') || *start == 'i'))
        return 0;
    *p = *end == ' ' ? end + 1 : end;
    return 1;
}

int rm_schedule_restore(rm_schedule *s, const char *text, rm_err *e)
{
    const char *p = text ? text : "";
    long epoch, bad, cool;
    double lr, best;
    if (!field(&p, "epoch", 1, NULL, &epoch) || !field(&p, "lr", 0, &lr, NULL) || !field(&p, "best", 0, &best, NULL) ||
        !field(&p, "bad", 1, NULL, &bad) || !field(&p, "cooldown", 1, NULL, &cool) || *p != '\0')
        return rm_fail(e, RM_ERR_IO, "schedule state: cannot parse \"%.200s\"", text ? text : "");
    if (epoch < 0 || !(lr >= 0.0 && isfinite(lr)) || isnan(best) || bad < 0 || bad > s->cfg.patience ||
        cool < 0 || cool > s->cfg.cooldown)
        return rm_fail(e, RM_ERR_IO, "schedule state: value out of range in \"%.200s\"", text);
    s->epoch = epoch;
    s->lr = lr;
    s->best = best;
    s->bad_epochs = (int)bad;
    s->cooldown_left = (int)cool;
    return RM_OK;
}
