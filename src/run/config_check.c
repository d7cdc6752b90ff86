/* config_check.c - the checks across keys: one data format's keys, dropout, optimizer, early stopping,
 * the schedule's keys, and the checks that need the data's size and class count. */
#include "config_int.h"

#include <string.h>

#include "rm_data.h"
#include "rm_schedule.h"

/* The data keys of one format only (the other format's must keep their defaults, so that a resolved
 * config.json, which lists every key, reads back), and the image-only features refused on csv data. */
static const char *const IDX_ONLY[] = {"data.dir", "data.train_images", "data.train_labels", "data.test_images",
                                       "data.test_labels", NULL};
static const char *const CSV_ONLY[] = {"data.train", "data.test", "data.test_fraction", "data.label", NULL};

/* Whether key k holds a value other than its default. */
static int non_default(const rm_config *c, const keyspec *k)
{
    rm_config d;
    memset(&d, 0, sizeof d);
    rm_err ignored;
    rm_cfg_set_default(&d, k, &ignored); /* the table's defaults are checked by rm_config_defaults */
    return !rm_cfg_types[k->type].same(c, &d, k);
}

static int validate_format(const rm_config *c, const char *fallback, rm_err *e)
{
    const int csv = c->data.format == RM_FORMAT_CSV;
    for (const char *const *k = csv ? IDX_ONLY : CSV_ONLY; *k; k++)
        if (non_default(c, rm_cfg_find_key(*k)))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: applies to data.format \"%s\" only",
                           rm_cfg_blame(c, fallback, KEYLIST(*k, "data.format")), *k, csv ? "idx" : "csv");
    if (!csv) return RM_OK;
    if (!c->data.train[0])
        return rm_fail(e, RM_ERR_USAGE, "%s: data.train: required with data.format \"csv\"",
                       rm_cfg_blame(c, fallback, KEYLIST("data.train", "data.format")));
    if (!c->data.test[0] && c->data.test_fraction == 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: data.test: csv data needs a test file or data.test_fraction > 0",
                       rm_cfg_blame(c, fallback, KEYLIST("data.test", "data.test_fraction", "data.format")));
    if (c->data.test[0] && c->data.test_fraction > 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: data.test_fraction: applies only when data.test is \"\"",
                       rm_cfg_blame(c, fallback, KEYLIST("data.test_fraction", "data.test")));
    if (c->data.normalize != RM_NORM_NONE && c->data.normalize != RM_NORM_DATASET)
        return rm_fail(e, RM_ERR_USAGE, "%s: data.normalize: \"%s\" is for images; csv data takes \"none\" or \"dataset\"",
                       rm_cfg_blame(c, fallback, KEYLIST("data.normalize", "data.format")), rm_cfg_normalize[c->data.normalize]);
    const struct {
        const char *key;
        int on;
    } image_only[] = {{"data.augment", c->data.aug.enabled},
                      {"output.weight_images", c->output.weight_images != 0},
                      {"output.augment_preview", c->output.augment_preview}};
    for (size_t i = 0; i < sizeof image_only / sizeof image_only[0]; i++)
        if (image_only[i].on)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: applies to images, not csv data",
                           rm_cfg_blame(c, fallback, KEYLIST(image_only[i].key, "data.format")), image_only[i].key);
    return RM_OK;
}

int rm_config_validate(rm_config *c, const char *fallback, rm_err *e)
{
    const int nh = c->model.n_hidden;
    if (validate_format(c, fallback, e)) return e->code;
    if (c->model.dropout_is_list && c->model.n_dropout != nh)
        return rm_fail(e, RM_ERR_USAGE, "%s: model.dropout: %d rate%s for %d hidden layer%s",
                       rm_cfg_blame(c, fallback, KEYLIST("model.dropout", "model.hidden")), c->model.n_dropout,
                       c->model.n_dropout == 1 ? "" : "s", nh, nh == 1 ? "" : "s");
    if (!c->model.dropout_is_list && c->model.dropout[0] > 0.0 && nh == 0)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: model.dropout: no hidden layers to drop (model.hidden is []); "
                       "use model.input_dropout for the inputs",
                       rm_cfg_blame(c, fallback, KEYLIST("model.dropout", "model.hidden")));
    if (c->optim.name != RM_OPT_SGD && c->optim.momentum != 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: optimizer.momentum: applies to sgd only (adam uses beta1)",
                       rm_cfg_blame(c, fallback, KEYLIST("optimizer.momentum", "optimizer.name")));
    if (c->optim.nesterov && c->optim.name != RM_OPT_SGD)
        return rm_fail(e, RM_ERR_USAGE, "%s: optimizer.nesterov: applies to sgd only",
                       rm_cfg_blame(c, fallback, KEYLIST("optimizer.nesterov", "optimizer.name")));
    if (c->reg.max_norm_output && c->reg.max_norm == 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: regularization.max_norm_output: needs regularization.max_norm > 0",
                       rm_cfg_blame(c, fallback, KEYLIST("regularization.max_norm_output", "regularization.max_norm")));
    if (c->optim.nesterov && c->optim.momentum <= 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: optimizer.nesterov: needs optimizer.momentum > 0",
                       rm_cfg_blame(c, fallback, KEYLIST("optimizer.nesterov", "optimizer.momentum")));
    if (c->train.es.enabled && c->train.es.monitor != RM_MONITOR_TRAIN_LOSS && c->data.val_fraction == 0.0)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: training.early_stopping.monitor: %s needs a validation set, but data.val_fraction is 0",
                       rm_cfg_blame(c, fallback, KEYLIST("training.early_stopping.monitor", "training.early_stopping",
                                                  "data.val_fraction")),
                       rm_cfg_monitor[c->train.es.monitor]);
    rm_schedule_cfg sc;
    if (rm_config_schedule(c, fallback, &sc, e)) return e->code;
    if (c->model.norm == RM_MNORM_BATCH && nh > 0 && c->train.batch_size < 2)
        return rm_fail(e, RM_ERR_USAGE, "%s: training.batch_size: batch norm needs at least 2 samples per batch",
                       rm_cfg_blame(c, fallback, KEYLIST("training.batch_size", "model.norm")));
    const char *source = "config"; /* a count given directly */
    if (c->threads == 0 && rm_threads_auto(&c->threads, &source, e)) return e->code;
    if (!c->threads_source[0]) snprintf(c->threads_source, sizeof c->threads_source, "%s", source);
    return RM_OK;
}

/* Whether a key was set by the file or an override (not left at its default). */
static int explicit_key(const rm_config *c, const char *path)
{
    const keyspec *k = rm_cfg_find_key(path);
    return k && c->origin.at[k - rm_cfg_keys] != 0;
}

/* The keys each schedule takes besides name and warmup_epochs, the first one required ("" = none). */
static const char *const SCHED_OWN[][7] = {
    [RM_SCHED_STEP] = {"step_size", "gamma"},
    [RM_SCHED_MULTISTEP] = {"milestones", "gamma"},
    [RM_SCHED_EXPONENTIAL] = {"gamma"},
    [RM_SCHED_COSINE] = {"", "t_max", "eta_min"},
    [RM_SCHED_PLATEAU] = {"", "monitor", "factor", "patience", "threshold", "cooldown", "min_lr"},
};

/* Whether optimizer.schedule.<leaf> belongs in c's resolved config (its schedule takes it). */
int rm_cfg_sched_key_shown(const rm_config *c, const char *leaf)
{
    if (strcmp(leaf, "name") == 0 || strcmp(leaf, "warmup_epochs") == 0) return 1;
    const int kind = c->optim.sched.name + 1;
    for (int j = 0; j < 7 && SCHED_OWN[kind][j]; j++)
        if (strcmp(SCHED_OWN[kind][j], leaf) == 0) return 1;
    return 0;
}

int rm_config_schedule(const rm_config *c, const char *fallback, rm_schedule_cfg *s, rm_err *e)
{
    const int kind = c->optim.sched.enabled ? c->optim.sched.name + 1 : RM_SCHED_CONSTANT; /* SCHEDULES order */
    const char *const(*OWN)[7] = SCHED_OWN;
    rm_schedule_defaults(s, kind, c->optim.lr);
    if (!c->optim.sched.enabled) return RM_OK;
    static const char *const ALL[] = {"step_size", "gamma", "milestones", "t_max", "eta_min", "monitor", "factor",
                                      "patience", "threshold", "cooldown", "min_lr", NULL};
    char path[96];
    if (!explicit_key(c, "optimizer.schedule.name"))
        return rm_fail(e, RM_ERR_USAGE, "%s: optimizer.schedule.name: required (step, multistep, exponential, cosine or plateau)",
                       rm_cfg_blame(c, fallback, KEYLIST("optimizer.schedule")));
    for (int i = 0; ALL[i]; i++) {
        snprintf(path, sizeof path, "optimizer.schedule.%s", ALL[i]);
        if (!explicit_key(c, path)) continue;
        int mine = 0;
        for (int j = 0; j < 7 && OWN[kind][j]; j++) mine |= strcmp(OWN[kind][j], ALL[i]) == 0;
        if (!mine)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: does not apply to the %s schedule", rm_cfg_blame(c, fallback, KEYLIST(path)),
                           path, rm_schedule_name(kind));
    }
    if (OWN[kind][0][0]) {
        snprintf(path, sizeof path, "optimizer.schedule.%s", OWN[kind][0]);
        if (!explicit_key(c, path))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: required by the %s schedule",
                           rm_cfg_blame(c, fallback, KEYLIST("optimizer.schedule.name")), path, rm_schedule_name(kind));
    }
    const struct rm_sched_keys *q = &c->optim.sched;
    s->warmup_epochs = q->warmup_epochs;
    s->step_size = q->step_size;
    if (kind != RM_SCHED_EXPONENTIAL || explicit_key(c, "optimizer.schedule.gamma")) s->gamma = q->gamma;
    s->n_milestones = q->n_milestones;
    memcpy(s->milestones, q->milestones, sizeof s->milestones);
    s->t_max = q->t_max > 0 ? q->t_max : c->train.epochs;
    s->eta_min = q->eta_min;
    s->mode_max = q->monitor == RM_MONITOR_VAL_ACC;
    s->factor = q->factor;
    s->patience = q->patience;
    s->threshold = q->threshold;
    s->cooldown = q->cooldown;
    s->min_lr = q->min_lr;
    if (rm_schedule_check(s, e)) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        return rm_fail(e, RM_ERR_USAGE, "%s: %s", rm_cfg_blame(c, fallback, KEYLIST("optimizer.schedule")), msg);
    }
    if (kind == RM_SCHED_PLATEAU && q->monitor != RM_MONITOR_TRAIN_LOSS && c->data.val_fraction == 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: optimizer.schedule.monitor: %s needs a validation set, but data.val_fraction is 0",
                       rm_cfg_blame(c, fallback, KEYLIST("optimizer.schedule.monitor", "optimizer.schedule", "data.val_fraction")),
                       rm_cfg_monitor[q->monitor]);
    return RM_OK;
}

int rm_config_check_counts(const rm_config *c, const char *fallback, unsigned long n_train, unsigned long n_val,
                           rm_err *e)
{
    const int bs = c->train.batch_size;
    if (c->train.es.enabled && c->train.es.monitor != RM_MONITOR_TRAIN_LOSS && n_val == 0)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: training.early_stopping.monitor: %s needs a validation set, but data.val_fraction %g "
                       "holds out no image of this subset",
                       rm_cfg_blame(c, fallback, KEYLIST("training.early_stopping.monitor", "data.val_fraction", "data.subset")),
                       rm_cfg_monitor[c->train.es.monitor], c->data.val_fraction);
    if (n_train == 0)
        return rm_fail(e, RM_ERR_USAGE, "%s: data.val_fraction: %g leaves no training images in the subset",
                       rm_cfg_blame(c, fallback, KEYLIST("data.val_fraction", "data.subset")), c->data.val_fraction);
    if (c->train.drop_last && n_train < (unsigned long)bs)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: training.batch_size: %d is larger than the %lu training images with training.drop_last",
                       rm_cfg_blame(c, fallback, KEYLIST("training.batch_size", "training.drop_last", "data.subset",
                                                  "data.val_fraction")),
                       bs, n_train);
    if (c->model.norm == RM_MNORM_BATCH && c->model.n_hidden > 0 && !c->train.drop_last && n_train % bs == 1)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: training.batch_size: with batch norm the last batch would hold 1 sample "
                       "(%lu training images %% %d = 1); set training.drop_last or change the batch size",
                       rm_cfg_blame(c, fallback, KEYLIST("training.batch_size", "model.norm", "training.drop_last",
                                                  "data.subset", "data.val_fraction")),
                       n_train, bs);
    return RM_OK;
}

int rm_config_check_classes(const rm_config *c, const char *fallback, int classes, rm_err *e)
{
    if (classes > RM_MAX_CLASSES)
        return rm_fail(e, RM_ERR_USAGE, "%s: the data has %d classes; training takes at most %d",
                       rm_cfg_blame(c, fallback, KEYLIST("data.train", "data.label")), classes, RM_MAX_CLASSES);
    if (c->model.classes != 0 && c->model.classes != classes)
        return rm_fail(e, RM_ERR_USAGE, "%s: model.classes: %d, but the data has %d classes",
                       rm_cfg_blame(c, fallback, KEYLIST("model.classes")), c->model.classes, classes);
    return RM_OK;
}
