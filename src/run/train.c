/* train.c - the run: load and split the data, build the model, train epoch by epoch (train mode),
 * evaluate val and test (eval mode), log the epoch (epoch_log.c), watch early stopping, keep
 * state.safetensors for resuming (every output.checkpoint_every seconds, the epochs between kept in
 * memory), stop cleanly on SIGINT/SIGTERM, and end with model.safetensors and summary.json
 * (summary.c). About 700 lines: the phases share run_state, private to this file. */
#define _POSIX_C_SOURCE 200809L
#include "rm_train.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rm_checkpoint.h"
#include "epoch_log.h"
#include "rundir.h"
#include "summary.h"
#include "rm_prepare.h"
#include "rm_csv.h"
#include "rm_data.h"
#include "rm_epoch_log.h"
#include "rm_gemm.h"
#include "rm_loss.h"
#include "rm_model.h"
#include "rm_optim.h"
#include "rm_model_file.h"
#include "rm_pool.h"
#include "rm_augment.h"
#include "rm_png.h"
#include "rm_schedule.h"
#include "rm_weight_stats.h"

/* Everything a run owns, allocated before the first epoch. */
typedef struct {
    rm_dataset train, test;
    uint32_t *train_idx, *val_idx, *test_idx;
    uint32_t n_train, n_val;
    rm_model model;
    rm_optim opt;
    rm_rng shuffle;
    float *dlogits;                  /* (max_batch, classes) */
    uint8_t *labels;                 /* (max_batch) */
    float *best_params, *best_buffers; /* (params.n), (buffers.n): the best epoch's, with early stopping */
    int64_t *scratch;                /* (n_train) for the state file */
    char *config_text;               /* the resolved config, compact JSON */
    int lock_fd;                     /* the run dir's lock, or -1 */
    rm_schedule sched;               /* the learning-rate schedule (constant when none) */
    rm_epoch_files log;              /* metrics.csv, weights.csv, activations.csv, the event file */
    uint32_t *te_idx;                /* (n_te) the fixed training sample measured in eval mode */
    uint32_t n_te;
    double norm_mean, norm_std;      /* data.normalize "dataset": the training split's statistics */
    float lut[256];
    rm_csv_table table;              /* csv: the training file's names and classes (its values released) */
    double *feat_mean, *feat_std;    /* csv with data.normalize "dataset": (dim) each feature's statistics */
    uint32_t *test_rows;             /* csv with data.test_fraction: (test.n) the held-out rows of data.train */
    /* The run's settings, paths and progress, fixed before the first epoch but for p. */
    const rm_config *c;
    const rm_run_opts *o;
    double t0, load_s;               /* the start (rm_now), and the seconds loading the data took */
    time_t started;
    int tty, es_on, resumed_from;
    uint64_t seed;
    int D, C, bs;                    /* inputs and classes per sample, the batch size */
    uint32_t n;                      /* training samples (n_train) */
    long steps;                      /* optimizer steps per epoch */
    float l1, l2;                    /* the penalties' weights, divided by their count in the "mean" form */
    rm_augment_cfg aug;
    long hook_steps, steps_here;     /* the SIGTERM test hooks (docs/testing.md) */
    int hook_saving;                 /* raise a second SIGTERM while writing the state */
    char dir[1024], state_path[2048], model_path[2048];
    cJSON *resolved;                 /* the resolved config, as config.json holds it */
    rm_progress p;                   /* where the run stands */
    rm_checkpoint ck;                /* what state.safetensors holds */
    rm_checkpoint_copy kept;         /* with output.checkpoint_every: the last epoch end not yet saved */
    int saves;                       /* state saves by this process */
    double saved_at;                 /* when the last one started (rm_now) */
} run_state;

/* Why training ended. */
enum { STOP_EPOCHS, STOP_PATIENCE, STOP_DIVERGED, STOP_INTERRUPTED, STOP_FAILED };
static const char *const STOP_NAME[] = {"epochs", "patience", "diverged", "interrupted", "failed"};
static const char *const MONITOR_NAME[] = {"val_loss", "val_acc", "train_loss"};

/* The first SIGINT/SIGTERM asks the loop to stop after the current step; a second exits at once, or,
 * while the state is being written (g_saving), as soon as it is written (g_again): the state on disk is
 * then the newest, not one up to output.checkpoint_every old. Any thread may run the handler. */
static volatile sig_atomic_t g_signal, g_saving, g_again;

static void on_signal(int sig)
{
    if (g_signal && !g_saving) _exit(128 + sig);
    if (g_signal)
        g_again = sig;
    else
        g_signal = sig;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}


static void fmt_duration(double s, char *buf, size_t n)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

/* The live line on a terminal: step, running loss, throughput and the epoch's ETA. */
static void progress(int ep, int epochs, long step, long steps, double loss, long seen, double elapsed)
{
    char eta[32];
    double rate = elapsed > 0 ? seen / elapsed : 0.0;
    fmt_duration(step > 0 ? elapsed * (double)(steps - step) / (double)step : 0.0, eta, sizeof eta);
    fprintf(stderr, "\r\033[Kepoch %d/%d  step %ld/%ld  loss %.4f  %.0f samples/s  ETA %s", ep, epochs, step, steps,
            loss, rate, eta);
}

/* "nan", "inf" or %g: glibc prints a NaN with its sign bit as "-nan". */
static const char *num_text(double v, char *buf, size_t n)
{
    if (isnan(v)) return "nan";
    snprintf(buf, n, "%g", v);
    return buf;
}

/* The likelier cause of a divergence, as a hint naming the key to change. */
static const char *divergence_hint(const rm_config *c, double loss, double pen, char *buf, size_t n)
{
    const double lr = c->optim.lr, wd = c->optim.weight_decay, l1 = c->reg.l1, l2 = c->reg.l2;
    const int sgd = c->optim.name == RM_OPT_SGD;
    if (!isfinite(pen) && isfinite(loss)) /* the penalty itself overflowed */
        snprintf(buf, n, "the penalty overflowed: try a smaller %s",
                 l2 > 0 && l1 > 0 ? "regularization.l1 or regularization.l2"
                                  : l2 > 0 ? "regularization.l2" : "regularization.l1");
    else if (sgd && lr * wd > 2.0) /* w <- (1 - lr*wd) w grows when lr*wd > 2 */
        snprintf(buf, n, "optimizer.lr * optimizer.weight_decay = %g > 2 makes SGD's decay step grow the weights: "
                 "try a smaller optimizer.weight_decay", lr * wd);
    else if (sgd && 2.0 * lr * l2 > 2.0) /* the gradient of l2*w^2 is 2*l2*w */
        snprintf(buf, n, "2 * optimizer.lr * regularization.l2 = %g > 2 makes SGD's penalty step grow the weights: "
                 "try a smaller regularization.l2", 2.0 * lr * l2);
    else
        snprintf(buf, n, "try a smaller optimizer.lr");
    return buf;
}


static void free_state(run_state *s)
{
    rm_dataset_free(&s->train);
    rm_dataset_free(&s->test);
    rm_csv_free(&s->table);
    rm_free(s->feat_mean);
    rm_free(s->feat_std);
    rm_free(s->test_rows);
    rm_free(s->train_idx);
    rm_free(s->val_idx);
    rm_free(s->test_idx);
    rm_model_free(&s->model);
    rm_optim_free(&s->opt);
    rm_free(s->dlogits);
    rm_free(s->labels);
    rm_free(s->best_params);
    rm_free(s->best_buffers);
    rm_free(s->scratch);
    rm_checkpoint_copy_free(&s->kept);
    rm_free(s->te_idx);
    cJSON_free(s->config_text);
    cJSON_Delete(s->resolved);
    if (s->lock_fd >= 0) close(s->lock_fd);
    rm_epoch_files_free(&s->log);
}

/* The config text model.safetensors records: the run's without output.dir, output.checkpoint_every and
 * threads, so that the model depends neither on where its run lives, how often it saved its state nor
 * on the thread count (a moved run, or one resumed with other --threads, saves the same bytes). NULL
 * when out of memory. */
static char *model_config(const char *config_text)
{
    cJSON *j = cJSON_Parse(config_text);
    rm_rundir_drop_place_and_pace(j);
    char *t = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    return t;
}

/* augment.png: the first 64 training images (split order) as epoch 1's augmentation draws them. */
static int write_augment_preview(const char *dir, const rm_augment_cfg *aug, uint64_t seed, const run_state *s,
                                 rm_err *e)
{
    enum { K = 64 };
    uint8_t tiles[K * RM_IMG_SIZE]; // (K, 784)
    char path[2048];
    uint32_t idx[K];
    const int k = s->n_train < K ? (int)s->n_train : K;
    memcpy(idx, s->train_idx, (size_t)k * sizeof idx[0]);
    rm_augment_images(aug, seed, 1, &s->train, idx, k, tiles);
    if (rm_path_join(path, sizeof path, dir, "augment.png", e)) return e->code;
    return rm_png_write_gray_tiles(path, tiles, k, RM_IMG_SIDE, 8, e);
}

/* The paths of the run's files in its directory. */
static int set_paths(run_state *s, rm_err *e)
{
    rm_config_out_dir(s->c, s->dir, sizeof s->dir);
    if (rm_path_join(s->state_path, sizeof s->state_path, s->dir, "state.safetensors", e) ||
        rm_path_join(s->model_path, sizeof s->model_path, s->dir, "model.safetensors", e))
        return e->code;
    return rm_epoch_files_init(&s->log, s->dir, s->c, e);
}

/* Data: uint8 images or float features, the checks that need the counts, the seeded split, the
 * normalization, the eval-mode training sample and the epoch's step count. */
static int prepare_data(run_state *s, rm_err *e)
{
    const rm_config *c = s->c;
    if (rm_prepare_load(c, &s->train, &s->test, &s->table, &s->test_rows, e)) return e->code;
    s->load_s = rm_now() - s->t0;
    s->D = s->train.dim;
    s->C = s->train.classes;
    const int D = s->D, C = s->C;
    uint32_t count_train, count_val;
    rm_split_counts_classes(s->train.labels, s->train.n, C, c->data.subset, c->data.val_fraction, &count_train,
                            &count_val);
    if (rm_config_check_counts(c, "config", count_train, count_val, e)) return e->code;
    rm_rng rng;
    s->seed = (uint64_t)c->seed;
    rm_rng_seed(&rng, s->seed, RM_STREAM_SPLIT);
    if (rm_split_classes(s->train.labels, s->train.n, C, c->data.subset, c->data.val_fraction, &rng, &s->train_idx,
                         &s->n_train, &s->val_idx, &s->n_val, e))
        return e->code;
    s->test_idx = rm_alloc(s->test.n, sizeof(uint32_t), "test indices", e);
    if (!s->test_idx) return e->code;
    for (uint32_t i = 0; i < s->test.n; i++) s->test_idx[i] = i;
    if (s->train.features && c->data.normalize == RM_NORM_DATASET) {
        /* each feature standardized, on every set, with the training split's statistics */
        s->feat_mean = rm_alloc((size_t)D, sizeof(double), "feature means", e); // (D)
        s->feat_std = rm_alloc((size_t)D, sizeof(double), "feature stds", e);   // (D)
        if (!s->feat_mean || !s->feat_std) return e->code;
        rm_csv_feature_stats(s->train.features, s->train.n, (uint32_t)D, s->train_idx, s->n_train, s->feat_mean,
                             s->feat_std);
        rm_csv_standardize(s->train.features, s->train.n, (uint32_t)D, s->feat_mean, s->feat_std);
        rm_csv_standardize(s->test.features, s->test.n, (uint32_t)D, s->feat_mean, s->feat_std);
    } else if (c->data.normalize == RM_NORM_DATASET) {
        rm_dataset_norm(&s->train, s->train_idx, s->n_train, s->lut, &s->norm_mean, &s->norm_std);
    } else {
        rm_norm_table(c->data.normalize, s->lut);
    }
    /* The eval-mode training sample: drawn once, from the split's (ascending) order, before any shuffle. */
    const int te = c->output.train_eval_samples;
    if (te != 0) {
        s->n_te = te < 0 || (uint32_t)te >= s->n_train ? s->n_train : (uint32_t)te;
        s->te_idx = rm_alloc(s->n_train, sizeof(uint32_t), "training sample", e);
        if (!s->te_idx) return e->code;
        memcpy(s->te_idx, s->train_idx, s->n_train * sizeof(uint32_t));
        if (s->n_te < s->n_train) {
            rm_rng_seed(&rng, s->seed, RM_STREAM_TRAIN_EVAL);
            rm_rng_shuffle(&rng, s->te_idx, s->n_train);
            qsort(s->te_idx, s->n_te, sizeof(uint32_t), cmp_u32);
        }
    }
    s->bs = c->train.batch_size;
    s->n = s->n_train;
    s->steps = c->train.drop_last ? s->n / s->bs : (s->n + s->bs - 1) / s->bs; /* >= 1: rm_config_check_counts */
    return RM_OK;
}

/* Model, optimizer, every buffer of the loop, the early-stopping watch, the schedule, the state's
 * layout and the step's settings. */
static int build_model(run_state *s, rm_err *e)
{
    const rm_config *c = s->c;
    rm_model_spec spec;
    rm_config_model_spec(c, s->D, s->C, &spec);
    /* the largest batch the loop and the evaluations use, from the data: a few wide rows need no more */
    uint32_t n_eval = s->test.n;
    if (s->n_val > n_eval) n_eval = s->n_val;
    if (s->n_te > n_eval) n_eval = s->n_te;
    const int train_batch = (uint32_t)s->bs < s->n ? s->bs : (int)s->n, eval_batch = rm_eval_batch(n_eval);
    const int max_batch = train_batch > eval_batch ? train_batch : eval_batch;
    rm_model *m = &s->model;
    if (rm_model_build(m, &spec, max_batch, e)) return e->code;
    rm_model_init(m, s->seed);
    if (!s->o->resume && c->model.init_from[0] && rm_model_file_load(m, c->model.init_from, &s->p.bn_batches, e))
        return e->code;
    rm_optim_cfg oc;
    rm_config_optim(c, &oc);
    if (rm_optim_init(&s->opt, &oc, m->params.n, e)) return e->code;
    s->dlogits = rm_alloc((size_t)max_batch * s->C, sizeof(float), "loss gradient", e);
    s->labels = rm_alloc((size_t)max_batch, 1, "batch labels", e);
    s->scratch = rm_alloc(s->n, sizeof(int64_t), "state scratch", e);
    if (!s->dlogits || !s->labels || !s->scratch) return e->code;
    s->es_on = c->train.es.enabled;
    if (s->es_on) {
        s->best_params = rm_alloc(m->params.n, sizeof(float), "best parameters", e);
        s->best_buffers = rm_alloc(m->buffers.n, sizeof(float), "best buffers", e);
        if (!s->best_params || !s->best_buffers) return e->code;
    }
    rm_early_stop_init(&s->p.es, c->train.es.monitor == RM_MONITOR_VAL_ACC, c->train.es.patience,
                       c->train.es.min_delta);
    rm_rng_seed(&s->shuffle, s->seed, RM_STREAM_SHUFFLE);
    rm_schedule_cfg scfg;
    if (rm_config_schedule(c, "config", &scfg, e) || rm_schedule_init(&s->sched, &scfg, e)) return e->code;
    s->ck = (rm_checkpoint){m,          &s->opt,    &s->shuffle, s->train_idx, s->n, s->best_params, s->best_buffers,
                            s->scratch, &s->sched,  s->train.n,  s->steps,
                            c->train.drop_last ? s->steps * s->bs : (long)s->n, c->model.init_from[0] ? -1 : 0};
    if (c->output.checkpoint_every > 0 && rm_checkpoint_copy_init(&s->kept, &s->ck, e)) return e->code;
    s->resolved = rm_config_to_json(c);
    s->config_text = s->resolved ? cJSON_PrintUnformatted(s->resolved) : NULL;
    if (!s->config_text) return rm_fail(e, RM_ERR_RUN, "out of memory");
    /* the step's settings; the "mean" form divides both penalties by the number of penalized values */
    const double pen_n = c->reg.normalize == RM_PEN_MEAN ? (double)rm_penalty_count(&m->params, c->reg.penalize_bias) : 1.0;
    s->l1 = (float)(c->reg.l1 / pen_n);
    s->l2 = (float)(c->reg.l2 / pen_n);
    s->aug = (rm_augment_cfg){c->data.aug.rotate, c->data.aug.shift, c->data.aug.scale[0], c->data.aug.scale[1],
                              c->data.aug.enabled};
    /* Test hook (docs/testing.md): raise SIGTERM after this many training steps of this process. */
    const char *hook = getenv("REGMNIST_TEST_SIGTERM_AFTER_STEPS");
    s->hook_steps = hook ? atol(hook) : 0;
    s->hook_saving = getenv("REGMNIST_TEST_SIGTERM_WHILE_SAVING") != NULL;
    return RM_OK;
}

/* A resumed run takes up its state: the tensors and progress, checked against the config and the data,
 * and its CSV files cut back to the saved epoch. */
static int resume_state(run_state *s, rm_err *e)
{
    const rm_config *c = s->c;
    rm_rundir_remove_temps(s->dir);
    char *saved = NULL;
    int rc = rm_checkpoint_load(s->state_path, &s->ck, &s->p, &saved, e);
    if (!rc) rc = rm_rundir_same_config(saved, s->config_text, s->state_path, e);
    if (!rc) rc = rm_checkpoint_check(&s->ck, &s->p, s->state_path, e);
    free(saved);
    if (!rc && s->es_on && s->p.es.wait >= c->train.es.patience)
        rc = rm_fail(e, RM_ERR_USAGE, "%s: the run stopped early at epoch %d (patience); nothing to resume", s->dir,
                     s->p.epoch);
    if (!rc && s->p.epoch >= c->train.epochs)
        rc = rm_fail(e, RM_ERR_USAGE, "%s: the run is complete (%d of %d epochs); extend it with --set training.epochs=N",
                     s->dir, s->p.epoch, c->train.epochs);
    if (!rc) rc = rm_rundir_truncate_csv(s->log.csv_path, s->p.epoch, 1, e);
    if (!rc && c->output.weight_stats) rc = rm_rundir_truncate_csv(s->log.wcsv_path, s->p.epoch, 0, e);
    if (!rc && s->log.act_stats) rc = rm_rundir_truncate_csv(s->log.acsv_path, s->p.epoch, 0, e);
    s->resumed_from = s->p.epoch;
    return rc;
}

/* Outputs: a fresh run claims its directory and starts its files; a resumed one takes up its state and
 * appends. Either holds the run dir's lock until the process ends. */
static int open_outputs(run_state *s, rm_err *e)
{
    const rm_config *c = s->c;
    const rm_run_opts *o = s->o;
    char path[2048];
    if (!o->resume && rm_mkdirs(s->dir, e)) return e->code;
    if ((s->lock_fd = rm_rundir_lock(s->dir, e)) < 0) return e->code;
    if (o->resume ? resume_state(s, e) : rm_rundir_claim(s->dir, s->config_text, o->force, e)) return e->code;
    if (!o->resume) rm_rundir_remove_temps(s->dir);
    if (rm_path_join(path, sizeof path, s->dir, "config.json", e) || rm_write_json(path, s->resolved, e)) return e->code;
    if (rm_epoch_files_open(&s->log, c, o->resume, s->p.epoch, e)) return e->code;
    if (!o->resume && rm_epoch_files_hparams(&s->log, c, o->sets, o->nsets, e)) return e->code;
    if (c->output.augment_preview && !o->resume && write_augment_preview(s->dir, &s->aug, s->seed, s, e)) return e->code;
    if (!o->quiet) {
        fprintf(stderr, "regmnist: %s: %u train, %u val, %u test images; %zu parameters; loaded in %.2f s\n", c->name,
                s->n, s->n_val, s->test.n, rm_params_numel(&s->model.params), s->load_s);
        if (o->resume) fprintf(stderr, "regmnist: resuming %s after epoch %d of %d\n", s->dir, s->p.epoch, c->train.epochs);
    }
    return RM_OK;
}

/* One training epoch's running sums. */
typedef struct {
    double loss_sum, pen_sum;
    long correct, seen;
} epoch_sums;

/* One training step on the batch at position at of the epoch's order: gather, forward, loss and
 * penalty, backward, clipping, the optimizer step, max-norm. STOP_DIVERGED (with e set) on a
 * non-finite loss, else STOP_EPOCHS. */
static int train_step(run_state *s, int ep, long st, epoch_sums *a, rm_err *e)
{
    const rm_config *c = s->c;
    rm_model *m = &s->model;
    const uint32_t at = (uint32_t)(st * s->bs);
    const int B = (int)(s->n - at < (uint32_t)s->bs ? s->n - at : (uint32_t)s->bs);
    /* the batch (B, D): images augmented when asked (a draw per image and epoch), then noise per step */
    if (s->train.features || !s->aug.on) /* the plain gather: the same bytes, vectorized, no copy */
        rm_gather(&s->train, s->train_idx + at, B, s->lut, m->input, s->labels);
    else
        rm_augment_gather(&s->aug, s->seed, ep, &s->train, s->train_idx + at, B, s->lut, m->input, s->labels);
    const float noise = (float)c->data.noise_std;
    if (noise > 0.0f) rm_noise_add(m->input, (long)B * s->D, noise, s->seed, (uint64_t)s->opt.step);
    const float *logits = rm_model_forward(m, B, 1); // (B, classes)
    int ok;
    double loss = rm_xent(logits, s->labels, B, s->C, (float)c->reg.label_smoothing, s->dlogits, &ok);
    rm_params_zero_grad(&m->params);
    const int penalized = s->l1 != 0.0f || s->l2 != 0.0f;
    double pen = penalized ? rm_penalty(&m->params, s->l1, s->l2, c->reg.penalize_bias, 1) : 0.0;
    if (!isfinite(loss) || !isfinite(pen)) {
        char v[32], hint[256];
        rm_fail(e, RM_ERR_RUN, "diverged: training loss is %s at epoch %d, step %ld; %s", num_text(loss + pen, v, sizeof v),
                ep, st + 1, divergence_hint(c, loss, pen, hint, sizeof hint));
        return STOP_DIVERGED;
    }
    rm_model_backward(m, s->dlogits, B);
    if (s->log.wcsv)
        for (int k = 0; k < m->params.count; k++)
            rm_grad_norm_add(&s->log.gacc[k], m->params.grad + m->params.t[k].off, (long)m->params.t[k].n);
    const float clip = (float)c->optim.clip_grad_norm, max_norm = (float)c->reg.max_norm;
    if (clip > 0.0f) rm_clip_grad_norm(&m->params, clip);
    rm_optim_step(&s->opt, m->params.data, m->params.grad);
    if (max_norm > 0.0f) rm_max_norm(&m->params, max_norm, c->reg.max_norm_output ? NULL : "out.weight");
    s->p.bn_batches++;
    if (s->hook_steps > 0 && ++s->steps_here == s->hook_steps) raise(SIGTERM);
    a->loss_sum += loss * B;
    a->pen_sum += pen;
    a->correct += ok;
    a->seen += B;
    return STOP_EPOCHS;
}

/* One training epoch: the schedule's rate, the shuffle, every step. STOP_EPOCHS when it completed,
 * STOP_DIVERGED or STOP_INTERRUPTED when it did not. */
static int train_epoch(run_state *s, int ep, double te, double lr, epoch_sums *a, rm_err *e)
{
    s->opt.cfg.lr = (float)lr; /* this epoch's rate: schedule and warmup */
    if (s->c->train.shuffle) rm_rng_shuffle(&s->shuffle, s->train_idx, s->n);
    memset(a, 0, sizeof *a);
    for (long st = 0; st < s->steps; st++) {
        if (g_signal) break;
        if (train_step(s, ep, st, a, e) == STOP_DIVERGED) return STOP_DIVERGED;
        if (s->tty && ((st & 31) == 0 || st == s->steps - 1))
            progress(ep, s->c->train.epochs, st + 1, s->steps, a->loss_sum / a->seen, a->seen, rm_now() - te);
    }
    return g_signal ? STOP_INTERRUPTED : STOP_EPOCHS;
}

/* The epoch's row: the training sums, then val, test and the training sample in eval mode; *train_s
 * and *eval_s get the seconds of training and of the evaluations. */
static void measure_epoch(run_state *s, int ep, double lr, const epoch_sums *a, double te, rm_epoch_row *row,
                          double *train_s, double *eval_s)
{
    rm_model *m = &s->model;
    const double tt = rm_now();
    memset(row, 0, sizeof *row);
    row->epoch = ep;
    row->lr = lr;
    row->train_loss = a->loss_sum / a->seen;
    row->penalty = a->pen_sum / s->steps;
    row->train_acc = 100.0 * (double)a->correct / a->seen;
    if (s->n_val) row->val = rm_evaluate(m, &s->train, s->val_idx, s->n_val, s->lut, s->labels, NULL, NULL);
    row->test = rm_evaluate(m, &s->test, s->test_idx, s->test.n, s->lut, s->labels, NULL, s->log.acsv ? s->log.acts : NULL);
    if (s->n_te) row->train_eval = rm_evaluate(m, &s->train, s->te_idx, s->n_te, s->lut, s->labels, NULL, NULL);
    const double tv = rm_now();
    row->seconds = tv - te;
    *train_s = tt - te;
    *eval_s = tv - tt;
}

/* A monitored metric of a row (val_loss, val_acc or train_loss). */
static double monitored(const rm_epoch_row *row, int monitor)
{
    return monitor == RM_MONITOR_VAL_LOSS ? row->val.loss : monitor == RM_MONITOR_VAL_ACC ? row->val.acc : row->train_loss;
}

/* After the epoch's files: its line on stderr, divergence, early stopping's watch (keeping the best
 * epoch's tensors) and the schedule's step. STOP_EPOCHS to go on, STOP_PATIENCE, or STOP_DIVERGED
 * with e set. */
static int watch_epoch(run_state *s, const rm_epoch_row *row, rm_err *e)
{
    const rm_config *c = s->c;
    const int quiet = s->o->quiet, mon = c->train.es.monitor;
    char v[32], hint[256];
    int stop = STOP_EPOCHS;
    if (s->tty) fprintf(stderr, "\r\033[K");
    if (!quiet) {
        fprintf(stderr, "epoch %d/%d  loss %.4f  train %.2f%%", row->epoch, c->train.epochs, row->train_loss,
                row->train_acc);
        if (s->n_val) fprintf(stderr, "  val %.2f%%", row->val.acc);
        fprintf(stderr, "  test %.2f%%", row->test.acc); /* the line ends after early stopping's watch */
    }
    if (!isfinite(row->test.loss)) {
        if (!quiet) fputc('\n', stderr);
        rm_fail(e, RM_ERR_RUN, "diverged: test loss is %s at epoch %d; %s", num_text(row->test.loss, v, sizeof v),
                row->epoch, divergence_hint(c, row->train_loss, row->penalty, hint, sizeof hint));
        return STOP_DIVERGED;
    }
    if (s->es_on) {
        const double watched = monitored(row, mon);
        int r = rm_early_stop_update(&s->p.es, row->epoch, watched);
        if (r == RM_ES_NAN) {
            if (!quiet) fputc('\n', stderr);
            rm_fail(e, RM_ERR_RUN, "diverged: %s is %s at epoch %d; %s", MONITOR_NAME[mon], num_text(watched, v, sizeof v),
                    row->epoch, divergence_hint(c, row->train_loss, row->penalty, hint, sizeof hint));
            return STOP_DIVERGED;
        }
        if (r == RM_ES_BETTER) {
            s->p.best = *row;
            memcpy(s->best_params, s->model.params.data, s->model.params.n * sizeof(float));
            memcpy(s->best_buffers, s->model.buffers.data, s->model.buffers.n * sizeof(float));
        }
        if (r == RM_ES_STOP) stop = STOP_PATIENCE;
    }
    if (!quiet) { /* early stopping's metric, the best so far and the patience used */
        if (s->es_on)
            fprintf(stderr, "  %s %.4g (best %.4g at epoch %d, wait %d/%d)", MONITOR_NAME[mon], monitored(row, mon),
                    s->p.es.best, s->p.es.best_epoch, s->p.es.wait, c->train.es.patience);
        fprintf(stderr, "  %.2f s\n", row->seconds);
    }
    /* The schedule steps after the epoch (and after early stopping's watch), as
     * scheduler.step() closes a PyTorch epoch; plateau watches its own monitor. */
    rm_schedule_step(&s->sched, monitored(row, c->optim.sched.monitor));
    return stop;
}

/* Write state.safetensors: the live state, or the in-memory copy when copy is set. A second signal
 * meanwhile waits for the write, then exits (on_signal). */
static int save_state(run_state *s, int copy, rm_err *e)
{
    g_saving = 1;
    if (s->hook_saving && g_signal) raise(SIGTERM);
    int rc = copy ? rm_checkpoint_copy_save(s->state_path, &s->kept, &s->ck, s->config_text, e)
                  : rm_checkpoint_save(s->state_path, &s->ck, &s->p, s->config_text, e);
    g_saving = 0;
    if (g_again) _exit(128 + g_again);
    return rc;
}

/* The checkpoint phase of a completed epoch ep (stop: watch_epoch's verdict). state.safetensors gets the
 * epoch (fsync'd, renamed into place) when output.checkpoint_every is 0, on this process's first epoch (a
 * write error shows at once, and a killed run can be resumed), on its last (the budget or patience), when a
 * signal is pending, or once checkpoint_every seconds have passed since the last save. Otherwise the
 * in-memory copy takes it (no allocation): finish writes it if the run stops before the next save. */
static int checkpoint_epoch(run_state *s, int ep, int stop, rm_err *e)
{
    const double every = s->c->output.checkpoint_every, now = rm_now();
    const int last = stop != STOP_EPOCHS || ep == s->c->train.epochs;
    if (every > 0 && s->saves > 0 && !last && !g_signal && now - s->saved_at < every) {
        rm_checkpoint_copy_take(&s->kept, &s->ck, &s->p);
        return RM_OK;
    }
    if (save_state(s, 0, e)) return e->code;
    s->kept.held = 0;
    s->saves++;
    s->saved_at = now;
    return RM_OK;
}

/* One epoch: train, measure, log, watch, checkpoint. STOP_EPOCHS to go on, else why to stop (rc set
 * for STOP_DIVERGED and STOP_FAILED). */
static int run_epoch(run_state *s, int ep, int *rc, rm_err *e)
{
    if (g_signal) return STOP_INTERRUPTED;
    const double te = rm_now(), lr = rm_schedule_lr(&s->sched);
    epoch_sums a;
    int stop = train_epoch(s, ep, te, lr, &a, e);
    if (stop != STOP_EPOCHS) {
        if (stop == STOP_DIVERGED) *rc = e->code;
        return stop;
    }
    rm_epoch_row row;
    double train_s, eval_s;
    measure_epoch(s, ep, lr, &a, te, &row, &train_s, &eval_s);
    if ((*rc = rm_epoch_files_write(&s->log, s->c, &s->model.params, &row, s->n_val > 0, s->n_te > 0, e)))
        return STOP_FAILED;
    s->p.epoch = ep;
    s->p.last = row;
    s->p.samples += a.seen;
    s->p.train_s += train_s;
    s->p.eval_s += eval_s;
    stop = watch_epoch(s, &row, e);
    if (stop == STOP_DIVERGED) {
        *rc = e->code;
        return stop;
    }
    if ((*rc = checkpoint_epoch(s, ep, stop, e))) return STOP_FAILED;
    return stop;
}

/* The final model's row: the last epoch's, or the best epoch's when early stopping restores it (its
 * tensors copied back, val, test and the training sample re-measured). */
static rm_epoch_row final_model(run_state *s, int ended)
{
    rm_epoch_row final = s->p.last;
    rm_model *m = &s->model;
    if (ended && s->es_on && s->c->train.es.restore_best && s->p.es.best_epoch > 0) {
        memcpy(m->params.data, s->best_params, m->params.n * sizeof(float));
        memcpy(m->buffers.data, s->best_buffers, m->buffers.n * sizeof(float));
        final = s->p.best;
        if (s->n_val) final.val = rm_evaluate(m, &s->train, s->val_idx, s->n_val, s->lut, s->labels, NULL, NULL);
        final.test = rm_evaluate(m, &s->test, s->test_idx, s->test.n, s->lut, s->labels, NULL, NULL);
        if (s->n_te) final.train_eval = rm_evaluate(m, &s->train, s->te_idx, s->n_te, s->lut, s->labels, NULL, NULL);
    }
    return final;
}

/* Close the per-epoch files (reporting the first write error in e) and, when the run ended well,
 * write model.safetensors (BatchNorm's batch count as of the final epoch) and the weight images. */
static int close_outputs(run_state *s, int ended, int diverged, const rm_epoch_row *final, rm_err *e)
{
    int rc = ended || diverged ? rm_epoch_files_session_end(&s->log, ended, s->p.epoch, e) : RM_OK;
    rm_err later;
    if (rm_epoch_files_close(&s->log, rc ? &later : e) && !rc) rc = e->code;
    if (ended && s->p.epoch > 0 && !rc) {
        const int64_t bn = final->epoch == s->p.epoch ? s->p.bn_batches
                                                      : s->p.bn_batches - (int64_t)(s->p.epoch - final->epoch) * s->steps;
        char *mcfg = model_config(s->config_text);
        rc = mcfg ? rm_model_file_save(s->model_path, &s->model, bn, mcfg, RM_VERSION, e)
                  : rm_fail(e, RM_ERR_RUN, "out of memory");
        cJSON_free(mcfg);
        if (!rc && s->c->output.weight_images) rc = rm_weight_image(s->dir, &s->model.params, 0, e);
    }
    return rc;
}

/* The end of a run, however it ended: the final model, the files closed, model.safetensors,
 * summary.json and the closing line. rc is the loop's error (with e), if any. */
static int finish(run_state *s, int stop, int rc, rm_err *e)
{
    const rm_config *c = s->c;
    const rm_progress *p = &s->p;
    if (s->tty && stop != STOP_EPOCHS && stop != STOP_PATIENCE) fprintf(stderr, "\r\033[K");
    const int ended = stop == STOP_EPOCHS || stop == STOP_PATIENCE;
    rm_err e2;
    /* A run stopped between two saves keeps its last completed epoch: the in-memory copy's. A write
     * error is the run's error unless it already has one (divergence, a failed write). */
    if (!ended && s->kept.held && save_state(s, 1, &e2) && !rc) {
        *e = e2;
        rc = e2.code;
        stop = STOP_FAILED;
    }
    const rm_epoch_row final = final_model(s, ended);
    const int crc = close_outputs(s, ended, stop == STOP_DIVERGED, &final, &e2);
    const char *signame = g_signal == SIGINT ? "SIGINT" : g_signal == SIGTERM ? "SIGTERM" : "a signal";
    if (stop == STOP_INTERRUPTED && p->epoch == 0)
        rc = rm_fail(e, 128 + g_signal, "interrupted by %s before the first epoch ended; nothing to resume: run it again",
                     signame);
    else if (stop == STOP_INTERRUPTED)
        rc = rm_fail(e, 128 + g_signal, "interrupted by %s: %s keeps epoch %d of %d; continue with regmnist --resume %s",
                     signame, s->state_path, p->epoch, c->train.epochs, s->dir);
    const char *status = ended ? "ok" : stop == STOP_DIVERGED ? "diverged" : stop == STOP_INTERRUPTED ? "interrupted" : "failed";
    const rm_run_outcome out = {status, STOP_NAME[stop], ended, MONITOR_NAME[c->train.es.monitor],
                                p->epoch > 0 ? &final : NULL, s->load_s, rm_now() - s->t0, s->started,
                                s->o->resume ? s->resumed_from : -1, s->n_train, s->n_val, s->test.n, s->n_te,
                                rm_params_numel(&s->model.params), s->norm_mean, s->norm_std,
                                s->train.features ? &s->table : NULL, s->test_rows, s->feat_mean, s->feat_std};
    int src = rm_summary_write(c, s->dir, p, &out, s->o, rc ? &e2 : e);
    if (rc) return rc;
    if (crc) {
        *e = e2;
        return crc;
    }
    if (src) return src;
    if (!s->o->quiet) {
        fprintf(stderr, "regmnist: %s: ok, ", s->dir);
        if (stop == STOP_PATIENCE) fprintf(stderr, "stopped at epoch %d (patience), ", p->epoch);
        else fprintf(stderr, "%d epochs, ", p->epoch);
        if (s->es_on && p->es.best_epoch > 0)
            fprintf(stderr, "best epoch %d (%s %.4g)%s, ", p->es.best_epoch, MONITOR_NAME[c->train.es.monitor],
                    p->es.best, c->train.es.restore_best ? " restored" : "");
        fprintf(stderr, "test %.2f%%, %.1f s\n", final.test.acc, rm_now() - s->t0);
    }
    return RM_OK;
}

/* A run, as a short script of its phases: paths, data, model, outputs, the epochs, the end. */
static int run(const rm_config *c, const rm_run_opts *o, run_state *s, rm_err *e)
{
    s->c = c;
    s->o = o;
    s->t0 = rm_now();
    s->started = time(NULL);
    s->tty = isatty(fileno(stderr)) && !o->quiet;
    int rc = set_paths(s, e);
    if (!rc) rc = prepare_data(s, e);
    if (!rc) rc = build_model(s, e);
    if (!rc) rc = open_outputs(s, e);
    if (rc) return rc;
    int stop = STOP_EPOCHS;
    for (int ep = s->p.epoch + 1; ep <= c->train.epochs && stop == STOP_EPOCHS; ep++) stop = run_epoch(s, ep, &rc, e);
    return finish(s, stop, rc, e);
}

int rm_run(const rm_config *c, const rm_run_opts *o, rm_err *e)
{
    run_state s;
    memset(&s, 0, sizeof s);
    s.lock_fd = -1;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    g_signal = g_saving = g_again = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int rc = rm_gemm_start(c->threads, e);
    if (!rc) {
        rc = run(c, o, &s, e);
        rm_gemm_stop();
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free_state(&s);
    return rc;
}
