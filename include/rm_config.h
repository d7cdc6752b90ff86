/* rm_config.h - the run configuration: strict JSON with documented defaults. */
#ifndef RM_CONFIG_H
#define RM_CONFIG_H

#include <stdio.h>

#include "rm_common.h"
#include "rm_model.h"
#include "rm_optim.h"

struct cJSON;

/* Data formats (config "data.format"). */
enum { RM_FORMAT_IDX = 0, RM_FORMAT_CSV = 1 };

/* Early-stopping monitors (config "training.early_stopping.monitor"). */
enum { RM_MONITOR_VAL_LOSS = 0, RM_MONITOR_VAL_ACC = 1, RM_MONITOR_TRAIN_LOSS = 2 };

#define RM_CFG_MAX_KEYS 96 /* room for the key table (checked at startup by the unit tests) */

/* Where each key's value came from, for error messages: not part of the config's value. */
typedef struct rm_config_origin {
    unsigned short at[RM_CFG_MAX_KEYS]; /* 1 + offset in text of the origin that last set the key; 0 = default */
    unsigned short used;                /* bytes of text in use */
    char text[8192];                    /* NUL-separated origins in the order they were applied */
} rm_config_origin;

/* Every key of a config file; see docs/config.md. */
typedef struct rm_config {
    char name[128];
    double seed;
    int threads; /* 0: "auto", until rm_config_validate resolves it (rm_threads_auto) */
    struct {
        char dir[1024], train_images[256], train_labels[256], test_images[256], test_labels[256];
        int format;                 /* RM_FORMAT_* */
        char train[1024], test[1024]; /* csv: the files ("" test: split train by test_fraction) */
        double test_fraction;
        char label[256];            /* csv: the label column by name, or "" to go by label_index */
        int label_index;            /* 0-based column, negative from the end (-1: the last) */
        double subset, val_fraction;
        int normalize; /* RM_NORM_* */
        struct {
            int enabled;     /* data.augment is an object, not null */
            double rotate, shift, scale[2];
        } aug;
        double noise_std;
    } data;
    struct {
        int n_hidden, hidden[RM_MAX_HIDDEN];
        int activation, norm;
        int dropout_is_list, n_dropout;
        double dropout[RM_MAX_HIDDEN];
        double input_dropout;
        char init_from[1024]; /* "" = seeded initialization */
        int classes;          /* 0 = from the data; else the data must have this many */
    } model;
    struct {
        double l1, l2;
        int penalize_bias;
        int normalize; /* RM_PEN_SUM or RM_PEN_MEAN */
        double label_smoothing, max_norm;
        int max_norm_output;
    } reg;
    struct {
        int name; /* RM_OPT_* */
        double lr, momentum, beta1, beta2, eps, weight_decay, clip_grad_norm;
        int nesterov;
        struct rm_sched_keys {
            int enabled; /* optimizer.schedule is an object, not null */
            int name;    /* index in step, multistep, exponential, cosine, plateau */
            int step_size, t_max, monitor, patience, cooldown, warmup_epochs;
            int n_milestones, milestones[32];
            double gamma, eta_min, factor, threshold, min_lr;
        } sched;
    } optim;
    struct {
        int epochs, batch_size, shuffle, drop_last;
        struct {
            int enabled;  /* training.early_stopping is an object, not null */
            int monitor;  /* RM_MONITOR_* */
            int patience; /* epochs without improvement */
            double min_delta;
            int restore_best;
        } es;
    } train;
    struct {
        char dir[1024]; /* "" means runs/<name> */
        int train_eval_samples; /* 0 = off, -1 = the whole training split */
        int tensorboard;        /* write a TensorBoard event file */
        int augment_preview;    /* write augment.png */
        int weight_stats;       /* write weights.csv */
        double sparsity_threshold;
        int weight_images;      /* 0 no, 1 weights_fc0.png at the end, 2 also every epoch */
        double checkpoint_every; /* seconds of wall time between state saves; 0 = every epoch */
    } output;
    /* From here on, not part of the config's value: compare configs up to offsetof(rm_config, origin). */
    rm_config_origin origin;
    char threads_source[24]; /* what decided threads: "config" (a number), else rm_threads_auto's source */
} rm_config;

/* Fill c with every default. */
void rm_config_defaults(rm_config *c);

/* Apply a JSON object (the whole config or any part of it) on top of c; origin names the source
 * in errors ("l2.json: model.dropout: must be in [0, 1), got 1.2"). */
int rm_config_apply(rm_config *c, const struct cJSON *root, const char *origin, rm_err *e);

/* Find a config (or, with sub "sweeps", a sweep spec) named without a directory: as given, then in
 * each directory of $REGMNIST_CONFIG_PATH (colon-separated), ./configs, and the installed configs
 * (share/regmnist/configs beside the binary's bin/);
 * a name with a '/' is used as given. Writes the path found into out; the error lists where it looked. */
int rm_config_find(const char *name, const char *sub, char *out, size_t n, rm_err *e);

/* The offset of the first \u0000 escape inside a JSON string of text, or -1: cJSON would cut the string
 * there, so every reader of user JSON refuses it. */
long rm_json_nul_at(const char *text);

/* Parse text strictly as one JSON object (a config, or what names, e.g. "sweep spec"): errors name
 * origin with the line and column of invalid JSON, a NUL in a string, or the type found instead of an
 * object. */
struct cJSON *rm_config_parse_object(const char *text, const char *origin, const char *what, rm_err *e);

/* A config file or sweep spec read whole as text (rm_read_text, at most RM_CONFIG_MAX bytes; free() it):
 * NULL with an error naming the file, RM_ERR_USAGE when it is missing, not a regular file, unreadable,
 * too large or holds a NUL byte, RM_ERR_RUN when memory runs out. */
char *rm_config_read(const char *path, rm_err *e);

/* Read and apply a config file: strict JSON, no trailing text, no duplicate or unknown keys, no NUL. */
int rm_config_load(rm_config *c, const char *path, rm_err *e);

/* Apply one "--set key.path=JSON" (a bare word is taken as a string); errors and later checks name
 * it as "--set key.path=JSON". */
int rm_config_set(rm_config *c, const char *assignment, rm_err *e);

/* Set one key from a command-line flag (--seed, --threads, --out), named flag in errors. */
int rm_config_set_flag(rm_config *c, const char *flag, const char *path, const struct cJSON *v, rm_err *e);

/* The origin (file or --set) that last set key, or fallback when it has its default. */
const char *rm_config_origin_of(const rm_config *c, const char *fallback, const char *key);

/* Checks across keys (dropout list length, nesterov needs momentum, ...). Each error names the
 * origin (file or --set) that last set one of the keys involved; fallback when none was set. Then
 * resolves threads "auto" to a count (rm_threads_auto; a malformed SLURM_CPUS_PER_TASK or
 * OMP_NUM_THREADS is an RM_ERR_USAGE error naming it). */
int rm_config_validate(rm_config *c, const char *fallback, rm_err *e);

struct rm_schedule_cfg;

/* The learning-rate schedule of c (a constant one when optimizer.schedule is null), checked: the
 * name and each schedule's required key given, no key of another schedule, values in range. */
int rm_config_schedule(const rm_config *c, const char *fallback, struct rm_schedule_cfg *s, rm_err *e);

/* Checks that need the data: n_train training and n_val validation images after the subset and
 * split (none left, batch larger than the set with drop_last, a BatchNorm batch of one, a val_*
 * monitor with no validation image). */
int rm_config_check_counts(const rm_config *c, const char *fallback, unsigned long n_train, unsigned long n_val,
                           rm_err *e);

/* Checks that need the data's class count: at most RM_MAX_CLASSES, and model.classes (when not 0) equal to it. */
int rm_config_check_classes(const rm_config *c, const char *fallback, int classes, rm_err *e);

/* The resolved config (every key) as a new cJSON object; NULL when out of memory. */
struct cJSON *rm_config_to_json(const rm_config *c);

/* The model spec for in_dim inputs and the given number of classes. */
void rm_config_model_spec(const rm_config *c, int in_dim, int classes, rm_model_spec *s);

/* The optimizer settings. */
void rm_config_optim(const rm_config *c, rm_optim_cfg *o);

/* The run directory: output.dir, or runs/<name> when empty. */
const char *rm_config_out_dir(const rm_config *c, char *buf, size_t n);

/* Print the key reference (path, type, default, range or values, meaning) for --help-config:
 * plain text, or the markdown table of docs/config.md when markdown is set. */
void rm_config_print_keys(FILE *f, int markdown);

/* A short axis label of a config key ("dropout rate", "L2 strength λ"), or path itself when it has none. */
const char *rm_config_key_label(const char *path);

#endif
