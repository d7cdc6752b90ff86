/* train.c - the epoch loop: train in train mode, evaluate val and test in eval mode, log as CSV. */
#define _POSIX_C_SOURCE 200809L
#include "rm_train.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rm_data.h"
#include "rm_gemm.h"
#include "rm_loss.h"
#include "rm_model.h"
#include "rm_optim.h"
#include "rm_pool.h"

typedef struct {
    double loss, acc; /* mean loss, accuracy in percent */
} eval_result;

/* Everything a run owns, allocated before the first epoch. */
typedef struct {
    rm_dataset train, test;
    uint32_t *train_idx, *val_idx, *test_idx;
    uint32_t n_train, n_val;
    rm_model model;
    rm_optim opt;
    float *dlogits; /* (max_batch, classes) */
    uint8_t *labels; /* (max_batch) */
    float lut[256];
} run_state;

static int load_set(const rm_config *c, const char *img, const char *lab, rm_dataset *d, rm_err *e)
{
    char ip[2048], lp[2048];
    if (rm_path_join(ip, sizeof ip, c->data.dir, img, e) || rm_path_join(lp, sizeof lp, c->data.dir, lab, e))
        return e->code;
    return rm_idx_load(d, ip, lp, e);
}

/* Mean loss and accuracy over idx (n) in eval mode, in batches of RM_EVAL_BATCH. */
static eval_result evaluate(run_state *s, const rm_dataset *d, const uint32_t *idx, uint32_t n)
{
    double loss = 0.0;
    long correct = 0;
    rm_model *m = &s->model;
    for (uint32_t at = 0; at < n; at += RM_EVAL_BATCH) {
        int B = (int)(n - at < RM_EVAL_BATCH ? n - at : RM_EVAL_BATCH);
        rm_gather(d, idx + at, B, s->lut, m->input, s->labels);
        const float *logits = rm_model_forward(m, B, 0); // (B, classes)
        int ok;
        loss += rm_xent(logits, s->labels, B, m->spec.classes, NULL, &ok) * B;
        correct += ok;
    }
    eval_result r = {loss / n, 100.0 * (double)correct / n};
    return r;
}

static int write_json(const char *path, cJSON *obj, rm_err *e)
{
    char *text = cJSON_Print(obj);
    if (!text) return rm_fail(e, RM_ERR_RUN, "%s: out of memory", path);
    FILE *f = rm_fopen(path, "w", e);
    if (!f) {
        cJSON_free(text);
        return e->code;
    }
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return rm_fclose(f, path, e);
}

static void progress(int tty, int quiet, int epoch, int epochs, long done, long total)
{
    if (quiet || !tty) return;
    int w = 30, k = (int)(w * done / (total ? total : 1));
    fprintf(stderr, "\repoch %d/%d [%.*s%*s] %3ld%%", epoch, epochs, k, "##############################", w - k, "",
            100 * done / (total ? total : 1));
}

typedef struct {
    double train_loss, penalty, train_acc, seconds;
    eval_result val, test;
} epoch_row;

static int write_summary(const rm_config *c, const char *dir, const char *status, const run_state *s,
                         const epoch_row *last, int epochs_done, double load_s, double train_s, double eval_s,
                         long samples, double wall, rm_err *e)
{
    char path[2048], blas[512];
    if (rm_path_join(path, sizeof path, dir, "summary.json", e)) return e->code;
    rm_blas_describe(blas, sizeof blas);
    cJSON *o = cJSON_CreateObject();
    cJSON *fin = cJSON_CreateObject(), *streams = cJSON_CreateObject();
    if (!o || !fin || !streams) {
        cJSON_Delete(o);
        cJSON_Delete(fin);
        cJSON_Delete(streams);
        return rm_fail(e, RM_ERR_RUN, "%s: out of memory", path);
    }
    cJSON_AddStringToObject(o, "name", c->name);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddStringToObject(o, "version", RM_VERSION);
    cJSON_AddNumberToObject(o, "seed", c->seed);
    cJSON_AddNumberToObject(streams, "split", RM_STREAM_SPLIT);
    cJSON_AddNumberToObject(streams, "init", RM_STREAM_INIT);
    cJSON_AddNumberToObject(streams, "shuffle", RM_STREAM_SHUFFLE);
    cJSON_AddNumberToObject(streams, "dropout", RM_STREAM_DROPOUT);
    cJSON_AddItemToObject(o, "rng_streams", streams);
    cJSON_AddNumberToObject(o, "threads", c->threads);
    cJSON_AddStringToObject(o, "blas", blas);
    cJSON_AddNumberToObject(o, "epochs", epochs_done);
    cJSON_AddNumberToObject(o, "n_train", s->n_train);
    cJSON_AddNumberToObject(o, "n_val", s->n_val);
    cJSON_AddNumberToObject(o, "n_test", s->test.n);
    cJSON_AddNumberToObject(o, "n_params", (double)rm_params_numel(&s->model.params));
    if (epochs_done > 0) {
        cJSON_AddNumberToObject(fin, "train_loss", last->train_loss);
        cJSON_AddNumberToObject(fin, "penalty", last->penalty);
        cJSON_AddNumberToObject(fin, "train_acc", last->train_acc);
        if (s->n_val) {
            cJSON_AddNumberToObject(fin, "val_loss", last->val.loss);
            cJSON_AddNumberToObject(fin, "val_acc", last->val.acc);
        }
        cJSON_AddNumberToObject(fin, "test_loss", last->test.loss);
        cJSON_AddNumberToObject(fin, "test_acc", last->test.acc);
        cJSON_AddNumberToObject(fin, "gap", last->train_acc - last->test.acc);
    }
    cJSON_AddItemToObject(o, "final", fin);
    cJSON_AddNumberToObject(o, "load_seconds", load_s);
    cJSON_AddNumberToObject(o, "train_seconds", train_s);
    cJSON_AddNumberToObject(o, "eval_seconds", eval_s);
    cJSON_AddNumberToObject(o, "wall_seconds", wall);
    cJSON_AddNumberToObject(o, "samples_per_second", train_s > 0 ? samples / train_s : 0.0);
    int rc = write_json(path, o, e);
    cJSON_Delete(o);
    return rc;
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
    rm_free(s->train_idx);
    rm_free(s->val_idx);
    rm_free(s->test_idx);
    rm_model_free(&s->model);
    rm_optim_free(&s->opt);
    rm_free(s->dlogits);
    rm_free(s->labels);
}

static int run(const rm_config *c, int quiet, run_state *s, rm_err *e)
{
    const double t0 = rm_now();
    const int tty = isatty(fileno(stderr));
    char dir[1024], path[2048];
    rm_config_out_dir(c, dir, sizeof dir);

    /* Data: uint8 images, the seeded split, the normalization table. */
    if (load_set(c, c->data.train_images, c->data.train_labels, &s->train, e)) return e->code;
    if (load_set(c, c->data.test_images, c->data.test_labels, &s->test, e)) return e->code;
    const double load_s = rm_now() - t0;
    uint32_t count_train, count_val;
    rm_split_counts(s->train.labels, s->train.n, c->data.subset, c->data.val_fraction, &count_train, &count_val);
    if (rm_config_check_counts(c, "config", count_train, e)) return e->code;
    rm_rng rng;
    const uint64_t seed = (uint64_t)c->seed;
    rm_rng_seed(&rng, seed, RM_STREAM_SPLIT);
    if (rm_split(s->train.labels, s->train.n, c->data.subset, c->data.val_fraction, &rng, &s->train_idx,
                 &s->n_train, &s->val_idx, &s->n_val, e))
        return e->code;
    s->test_idx = rm_alloc(s->test.n, sizeof(uint32_t), "test indices", e);
    if (!s->test_idx) return e->code;
    for (uint32_t i = 0; i < s->test.n; i++) s->test_idx[i] = i;
    rm_norm_table(c->data.normalize, s->lut);

    const int bs = c->train.batch_size;
    const uint32_t n = s->n_train;
    const long steps = c->train.drop_last ? n / bs : (n + bs - 1) / bs; /* >= 1: rm_config_check_counts */

    /* Model and optimizer. */
    rm_model_spec spec;
    rm_config_model_spec(c, RM_IMG_SIZE, RM_CLASSES, &spec);
    const int max_batch = bs > RM_EVAL_BATCH ? bs : RM_EVAL_BATCH;
    if (rm_model_build(&s->model, &spec, max_batch, e)) return e->code;
    rm_model_init(&s->model, seed);
    rm_optim_cfg oc;
    rm_config_optim(c, &oc);
    if (rm_optim_init(&s->opt, &oc, s->model.params.n, e)) return e->code;
    s->dlogits = rm_alloc((size_t)max_batch * RM_CLASSES, sizeof(float), "loss gradient", e);
    s->labels = rm_alloc((size_t)max_batch, 1, "batch labels", e);
    if (!s->dlogits || !s->labels) return e->code;

    /* Outputs: the resolved config first, then the CSV header. */
    if (rm_mkdirs(dir, e)) return e->code;
    cJSON *resolved = rm_config_to_json(c);
    if (!resolved) return rm_fail(e, RM_ERR_RUN, "out of memory");
    if (rm_path_join(path, sizeof path, dir, "config.json", e)) {
        cJSON_Delete(resolved);
        return e->code;
    }
    int rc = write_json(path, resolved, e);
    cJSON_Delete(resolved);
    if (rc) return rc;
    char csv_path[2048];
    if (rm_path_join(csv_path, sizeof csv_path, dir, "metrics.csv", e)) return e->code;
    FILE *csv = rm_fopen(csv_path, "w", e);
    if (!csv) return e->code;
    fprintf(csv, "epoch,train_loss,penalty,train_acc,val_loss,val_acc,test_loss,test_acc,gap,lr,seconds\n");
    fflush(csv);

    if (!quiet)
        fprintf(stderr, "regmnist: %s: %u train, %u val, %u test images; %zu parameters; loaded in %.2f s\n", c->name,
                n, s->n_val, s->test.n, rm_params_numel(&s->model.params), load_s);

    rm_model *m = &s->model;
    rm_rng shuffle;
    rm_rng_seed(&shuffle, seed, RM_STREAM_SHUFFLE);
    const float l1 = (float)c->reg.l1, l2 = (float)c->reg.l2;
    const int penalized = l1 != 0.0f || l2 != 0.0f;
    epoch_row row = {0};
    double train_s = 0.0, eval_s = 0.0;
    long samples = 0;
    int epochs_done = 0;
    const char *status = "failed"; /* reported only when the run stops early */
    for (int ep = 1; ep <= c->train.epochs && rc == RM_OK; ep++) {
        const double te = rm_now();
        if (c->train.shuffle) rm_rng_shuffle(&shuffle, s->train_idx, n);
        double loss_sum = 0.0, pen_sum = 0.0;
        long correct = 0, seen = 0;
        for (long st = 0; st < steps; st++) {
            const uint32_t at = (uint32_t)(st * bs);
            const int B = (int)(n - at < (uint32_t)bs ? n - at : (uint32_t)bs);
            rm_gather(&s->train, s->train_idx + at, B, s->lut, m->input, s->labels);
            const float *logits = rm_model_forward(m, B, 1); // (B, classes)
            int ok;
            double loss = rm_xent(logits, s->labels, B, RM_CLASSES, s->dlogits, &ok);
            rm_params_zero_grad(&m->params);
            double pen = penalized ? rm_penalty(&m->params, l1, l2, c->reg.penalize_bias, 1) : 0.0;
            if (!isfinite(loss) || !isfinite(pen)) {
                char v[32], hint[256];
                rc = rm_fail(e, RM_ERR_RUN, "diverged: training loss is %s at epoch %d, step %ld; %s",
                             num_text(loss + pen, v, sizeof v), ep, st + 1,
                             divergence_hint(c, loss, pen, hint, sizeof hint));
                status = "diverged";
                break;
            }
            rm_model_backward(m, s->dlogits, B);
            rm_optim_step(&s->opt, m->params.data, m->params.grad);
            loss_sum += loss * B;
            pen_sum += pen;
            correct += ok;
            seen += B;
            if ((st & 31) == 0 || st == steps - 1) progress(tty, quiet, ep, c->train.epochs, st + 1, steps);
        }
        if (rc) break;
        samples += seen;
        const double tt = rm_now();
        train_s += tt - te;
        row.train_loss = loss_sum / seen;
        row.penalty = pen_sum / steps;
        row.train_acc = 100.0 * (double)correct / seen;
        if (s->n_val) row.val = evaluate(s, &s->train, s->val_idx, s->n_val);
        row.test = evaluate(s, &s->test, s->test_idx, s->test.n);
        const double tv = rm_now();
        eval_s += tv - tt;
        row.seconds = tv - te;
        fprintf(csv, "%d,%.9g,%.9g,%.4f,", ep, row.train_loss, row.penalty, row.train_acc);
        if (s->n_val)
            fprintf(csv, "%.9g,%.4f,", row.val.loss, row.val.acc);
        else
            fprintf(csv, ",,");
        fprintf(csv, "%.9g,%.4f,%.4f,%.9g,%.3f\n", row.test.loss, row.test.acc, row.train_acc - row.test.acc,
                c->optim.lr, row.seconds);
        if (fflush(csv) != 0 || ferror(csv)) {
            rc = rm_fail(e, RM_ERR_IO, "%s: write failed", csv_path);
            break;
        }
        epochs_done = ep;
        if (!quiet) {
            if (tty) fprintf(stderr, "\r\033[K");
            fprintf(stderr, "epoch %d/%d  loss %.4f  train %.2f%%", ep, c->train.epochs, row.train_loss,
                    row.train_acc);
            if (s->n_val) fprintf(stderr, "  val %.2f%%", row.val.acc);
            fprintf(stderr, "  test %.2f%%  %.2f s\n", row.test.acc, row.seconds);
        }
        if (!isfinite(row.test.loss) && rc == RM_OK) {
            char v[32], hint[256];
            rc = rm_fail(e, RM_ERR_RUN, "diverged: test loss is %s at epoch %d; %s", num_text(row.test.loss, v, sizeof v),
                         ep, divergence_hint(c, row.train_loss, row.penalty, hint, sizeof hint));
            status = "diverged";
        }
    }
    if (tty && !quiet && rc) fprintf(stderr, "\n");
    rm_err e2;
    int crc = rm_fclose(csv, csv_path, &e2);
    int src = write_summary(c, dir, rc ? status : "ok", s, &row, epochs_done, load_s, train_s, eval_s, samples,
                            rm_now() - t0, rc ? &e2 : e);
    if (rc) return rc;
    if (crc) {
        *e = e2;
        return crc;
    }
    return src;
}

int rm_run_check(const rm_config *c, rm_err *e)
{
    rm_dataset d;
    char lp[2048];
    if (rm_path_join(lp, sizeof lp, c->data.dir, c->data.train_labels, e)) return e->code;
    if (rm_idx_load_labels(&d, lp, e)) return e->code;
    uint32_t n_train, n_val;
    rm_split_counts(d.labels, d.n, c->data.subset, c->data.val_fraction, &n_train, &n_val);
    rm_dataset_free(&d);
    return rm_config_check_counts(c, "config", n_train, e);
}

int rm_run(const rm_config *c, int quiet, rm_err *e)
{
    run_state s;
    memset(&s, 0, sizeof s);
    if (rm_pool_start(c->threads, e)) return e->code;
    int rc = run(c, quiet, &s, e);
    rm_pool_stop();
    free_state(&s);
    return rc;
}
