/* test_schedule.c - learning-rate schedules against PyTorch 1.13's rates (tests/schedule_reference.h, made
 * by scripts/make-schedule-reference.py), save/restore mid-run, warmup by hand, and the config checks. */
#include <math.h>
#include <string.h>

#include "rm_schedule.h"
#include "schedule_reference.h"
#include "test_util.h"

#define N_REF ((int)(sizeof SCHED_REF / sizeof SCHED_REF[0]))

/* Relative difference, 0 when both are equal (including both 0). */
static double rel(double a, double b) { return a == b ? 0.0 : fabs(a - b) / fmax(fabs(a), fabs(b)); }

/* Every case: rates equal PyTorch's within 1e-12 relative, and bit for bit where no libm call is involved
 * (cosine uses cos, multistep with a repeated milestone uses pow: same bits with glibc, but not promised). */
static void test_reference(void)
{
    int exact_total = 0, total = 0;
    for (int c = 0; c < N_REF; c++) {
        const sched_ref *r = &SCHED_REF[c];
        rm_schedule s;
        rm_err e = {0};
        int rc = rm_schedule_init(&s, &r->cfg, &e);
        if (rc) fprintf(stderr, "%s: %s\n", r->name, e.msg);
        CHECK(rc == RM_OK);
        if (rc) continue;
        int exact = 0;
        double worst = 0.0;
        for (int ep = 0; ep < SCHED_REF_EPOCHS; ep++) {
            const double lr = rm_schedule_lr(&s);
            exact += lr == r->lr[ep];
            worst = fmax(worst, rel(lr, r->lr[ep]));
            if (!(rel(lr, r->lr[ep]) <= 1e-12))
                fprintf(stderr, "%s: epoch %d: lr %.17g, PyTorch %.17g\n", r->name, ep, lr, r->lr[ep]);
            rm_schedule_step(&s, r->monitored ? r->monitored[ep] : 0.0);
        }
        const int libm = r->cfg.kind == RM_SCHED_COSINE || r->cfg.kind == RM_SCHED_MULTISTEP;
        printf("%-26s %2d/%d exact, max rel diff %.3g\n", r->name, exact, SCHED_REF_EPOCHS, worst);
        CHECK(worst <= 1e-12);
        if (!libm) CHECK(exact == SCHED_REF_EPOCHS);
        exact_total += exact;
        total += SCHED_REF_EPOCHS;
    }
    printf("%d of %d rates bit-identical to PyTorch's\n", exact_total, total);
    CHECK(N_REF >= 20);
}

/* The rates really change: the reference is not a constant that any code would match. */
static void test_reference_varies(void)
{
    int varied = 0;
    for (int c = 0; c < N_REF; c++) {
        const sched_ref *r = &SCHED_REF[c];
        int changes = 0;
        for (int ep = 1; ep < SCHED_REF_EPOCHS; ep++) changes += r->lr[ep] != r->lr[ep - 1];
        varied += changes > 0;
    }
    CHECK(varied == N_REF - 1); /* all but "constant" */
}

/* CosineAnnealingLR's recursive form is what PyTorch's step() gives, and it is not the closed form. */
static void test_cosine_recursive(void)
{
    for (int c = 0; c < N_REF; c++) {
        const sched_ref *r = &SCHED_REF[c];
        if (strcmp(r->name, "cosine_T10_etamin") != 0) continue;
        int differ = 0;
        for (int ep = 0; ep < SCHED_REF_EPOCHS; ep++) {
            const double closed = r->cfg.eta_min + (r->cfg.base_lr - r->cfg.eta_min) *
                                                       (1 + cos(3.14159265358979323846 * ep / r->cfg.t_max)) / 2;
            differ += closed != r->lr[ep];
        }
        printf("cosine_T10_etamin: the closed form differs from PyTorch's rate in %d of %d epochs\n", differ,
               SCHED_REF_EPOCHS);
        CHECK(differ > 0);
        return;
    }
    CHECK(!"cosine_T10_etamin case missing");
}

/* Saving after any epoch and restoring into a fresh schedule continues with the same rates. */
static void test_save_restore(void)
{
    for (int c = 0; c < N_REF; c++) {
        const sched_ref *r = &SCHED_REF[c];
        for (int cut = 0; cut < SCHED_REF_EPOCHS; cut += 7) {
            rm_schedule a, b;
            rm_err e = {0};
            CHECK(rm_schedule_init(&a, &r->cfg, &e) == RM_OK);
            for (int ep = 0; ep < cut; ep++) rm_schedule_step(&a, r->monitored ? r->monitored[ep] : 0.0);
            char text[256];
            const int k = rm_schedule_save(&a, text, sizeof text);
            CHECK(k > 0 && k < (int)sizeof text);
            CHECK(rm_schedule_init(&b, &r->cfg, &e) == RM_OK);
            const int rc = rm_schedule_restore(&b, text, &e);
            if (rc) fprintf(stderr, "%s: restore \"%s\": %s\n", r->name, text, e.msg);
            CHECK(rc == RM_OK);
            CHECK(memcmp(&a.lr, &b.lr, sizeof a.lr) == 0 && a.epoch == b.epoch && a.bad_epochs == b.bad_epochs &&
                  a.cooldown_left == b.cooldown_left && (a.best == b.best));
            int same = 1;
            for (int ep = cut; ep < SCHED_REF_EPOCHS; ep++) {
                same &= rm_schedule_lr(&b) == rm_schedule_lr(&a);
                rm_schedule_step(&a, r->monitored ? r->monitored[ep] : 0.0);
                rm_schedule_step(&b, r->monitored ? r->monitored[ep] : 0.0);
            }
            CHECK(same);
        }
    }
    /* the format, and what restore refuses */
    rm_schedule_cfg c;
    rm_schedule_defaults(&c, RM_SCHED_PLATEAU, 0.1);
    c.cooldown = 2;
    rm_schedule s;
    rm_err e = {0};
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK);
    char text[256];
    rm_schedule_save(&s, text, sizeof text);
    CHECK(strcmp(text, "epoch=0 lr=0.10000000000000001 best=inf bad=0 cooldown=0") == 0);
    CHECK(rm_schedule_restore(&s, "epoch=4 lr=0.025 best=-inf bad=3 cooldown=2", &e) == RM_OK);
    CHECK(s.epoch == 4 && s.lr == 0.025 && s.best == -INFINITY && s.bad_epochs == 3 && s.cooldown_left == 2);
    static const char *const bad[] = {
        "", "epoch=1", "epoch=1 lr=0.1 best=1 bad=0", "epoch=1 lr=0.1 best=1 bad=0 cooldown=0 x",
        "epoch=-1 lr=0.1 best=1 bad=0 cooldown=0", "epoch=1 lr=nan best=1 bad=0 cooldown=0",
        "epoch=1 lr=0.1 best=nan bad=0 cooldown=0", "epoch=1 lr=0.1 best=1 bad=11 cooldown=0",
        "epoch=1 lr=0.1 best=1 bad=0 cooldown=3", "epoch=1 lr=-0.1 best=1 bad=0 cooldown=0",
        "epoch=1 lr=0.1x best=1 bad=0 cooldown=0", "lr=0.1 epoch=1 best=1 bad=0 cooldown=0",
        "epoch= 1 lr=0.1 best=1 bad=0 cooldown=0", "epoch=99999999999999999999 lr=0.1 best=1 bad=0 cooldown=0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const int rc = rm_schedule_restore(&s, bad[i], &e);
        if (rc != RM_ERR_IO) fprintf(stderr, "restore accepted \"%s\"\n", bad[i]);
        CHECK(rc == RM_ERR_IO);
        CHECK_CONTAINS(e.msg, "schedule state");
    }
    CHECK(s.epoch == 4 && s.lr == 0.025); /* untouched by the refused ones */
}

/* Warmup by hand: W = 4 at base 1 gives 1/4, 2/4, 3/4, 1, 1, ... of the schedule's rate. */
static void test_warmup(void)
{
    rm_schedule_cfg c;
    rm_schedule_defaults(&c, RM_SCHED_CONSTANT, 1.0);
    c.warmup_epochs = 4;
    rm_schedule s;
    rm_err e = {0};
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK);
    const double want[6] = {0.25, 0.5, 0.75, 1.0, 1.0, 1.0};
    for (int ep = 0; ep < 6; ep++) {
        CHECK(rm_schedule_lr(&s) == want[ep]);
        rm_schedule_step(&s, 0.0);
    }
    /* with step_size 2, gamma 0.5 the schedule's clock runs during the warmup */
    rm_schedule_defaults(&c, RM_SCHED_STEP, 0.8);
    c.step_size = 2;
    c.gamma = 0.5;
    c.warmup_epochs = 4;
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK);
    const double want2[6] = {0.2, 0.4, 0.3, 0.4, 0.2, 0.2}; /* (e+1)/4 * 0.8 * 0.5^(e/2) */
    for (int ep = 0; ep < 6; ep++) {
        CHECK_NEAR(rm_schedule_lr(&s), want2[ep], 1e-15);
        rm_schedule_step(&s, 0.0);
    }
}

static void test_plateau_by_hand(void)
{
    /* min mode, patience 1, factor 0.5: a bad epoch is fine, the second in a row halves the rate */
    rm_schedule_cfg c;
    rm_schedule_defaults(&c, RM_SCHED_PLATEAU, 1.0);
    c.patience = 1;
    c.factor = 0.5;
    rm_schedule s;
    rm_err e = {0};
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK);
    const double loss[8] = {1.0, 0.9, 0.95, 0.91, 0.8, 0.79995, 0.8, 0.7};
    const double want[9] = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25};
    /* 0.79995 is not better than 0.8 * (1 - 1e-4) = 0.79992 */
    for (int ep = 0; ep < 8; ep++) {
        CHECK(rm_schedule_lr(&s) == want[ep]);
        rm_schedule_step(&s, loss[ep]);
    }
    CHECK(rm_schedule_lr(&s) == want[8]);
    CHECK(s.best == 0.7 && s.bad_epochs == 0);
}

static void test_check(void)
{
    CHECK(rm_schedule_kind("cosine") == RM_SCHED_COSINE && rm_schedule_kind("plateau") == RM_SCHED_PLATEAU &&
          rm_schedule_kind("constant") == RM_SCHED_CONSTANT && rm_schedule_kind("Cosine") == -1 &&
          rm_schedule_kind(NULL) == -1);
    CHECK(strcmp(rm_schedule_name(RM_SCHED_MULTISTEP), "multistep") == 0 && strcmp(rm_schedule_name(99), "?") == 0);
    rm_schedule_cfg c;
    rm_schedule s;
    rm_err e = {0};
#define REFUSED(want)                                               \
    do {                                                            \
        CHECK(rm_schedule_init(&s, &c, &e) == RM_ERR_USAGE);        \
        CHECK_CONTAINS(e.msg, want);                                \
    } while (0)
    rm_schedule_defaults(&c, RM_SCHED_STEP, 0.1);
    REFUSED("optimizer.schedule.step_size: must be >= 1 for step, got 0");
    c.step_size = 3;
    c.gamma = 0.0;
    REFUSED("optimizer.schedule.gamma: must be a finite number > 0, got 0");
    c.gamma = 0.5;
    c.warmup_epochs = -1;
    REFUSED("optimizer.schedule.warmup_epochs: must be >= 0, got -1");
    c.warmup_epochs = 2;
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK);
    rm_schedule_defaults(&c, RM_SCHED_EXPONENTIAL, 0.1);
    REFUSED("optimizer.schedule.gamma: required for exponential");
    c.gamma = 0.95;
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK);
    rm_schedule_defaults(&c, RM_SCHED_MULTISTEP, 0.1);
    REFUSED("optimizer.schedule.milestones: multistep needs 1 to 32 epochs, got 0");
    c.n_milestones = 3;
    c.milestones[0] = 5, c.milestones[1] = 3, c.milestones[2] = 9;
    REFUSED("optimizer.schedule.milestones: must be in ascending order, got 3 after 5");
    c.milestones[1] = 0;
    REFUSED("optimizer.schedule.milestones[1]: must be an epoch >= 1, got 0");
    c.milestones[1] = 5;
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK);
    rm_schedule_defaults(&c, RM_SCHED_COSINE, 0.1);
    REFUSED("optimizer.schedule.t_max: must be >= 1 for cosine, got 0");
    c.t_max = 10;
    c.eta_min = -1e-3;
    REFUSED("optimizer.schedule.eta_min: must be a finite number >= 0, got -0.001");
    c.eta_min = 0;
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK);
    rm_schedule_defaults(&c, RM_SCHED_PLATEAU, 0.1);
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK && s.best == INFINITY);
    c.mode_max = 1;
    CHECK(rm_schedule_init(&s, &c, &e) == RM_OK && s.best == -INFINITY);
    c.factor = 1.0;
    REFUSED("optimizer.schedule.factor: must be in (0, 1), got 1");
    c.factor = 0.1;
    c.patience = -1;
    REFUSED("optimizer.schedule.patience: must be >= 0, got -1");
    c.patience = 0;
    c.min_lr = NAN;
    REFUSED("optimizer.schedule.min_lr: must be a finite number >= 0, got nan");
    c.min_lr = 0;
    c.cooldown = -2;
    REFUSED("optimizer.schedule.cooldown: must be >= 0, got -2");
    c.cooldown = 0;
    c.threshold = -1;
    REFUSED("optimizer.schedule.threshold: must be a finite number >= 0, got -1");
    c.threshold = 0;
    c.base_lr = INFINITY;
    REFUSED("optimizer.lr: must be a finite number >= 0, got inf");
    c.base_lr = 0.1;
    c.kind = 42;
    REFUSED("optimizer.schedule.name: unknown kind 42");
#undef REFUSED
}

int main(void)
{
    test_reference();
    test_reference_varies();
    test_cosine_recursive();
    test_save_restore();
    test_warmup();
    test_plateau_by_hand();
    test_check();
    return t_done("test_schedule");
}
