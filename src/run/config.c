/* config.c - table-driven strict config: defaults, file, --set, validation and the resolved JSON. */
#define _POSIX_C_SOURCE 200809L
#include "rm_config.h"

#include <unistd.h>

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "rm_data.h"
#include "rm_schedule.h"

typedef enum { K_STR, K_NAME, K_INT, K_THREADS, K_SEED, K_NUM, K_BOOL, K_ENUM, K_HIDDEN, K_DROPOUT, K_OPTIONAL, K_INTLIST, K_PAIR,
               K_BOOLENUM, K_COLUMN } ktype;
/* K_COLUMN: data.label, a column name (string) or an index (integer in [lo, hi]). */
/* K_BOOLENUM: false, true, or one of the names after "false", "true" in names (stored as the index). */
/* K_OPTIONAL: an object of sub-keys that may be null (off); giving it or any sub-key turns it on. */

/* One key: where it lives in rm_config, its type, range and default (as JSON text). */
typedef struct {
    const char *path;
    ktype type;
    size_t off, size;
    double lo, hi;
    int lo_open, hi_open;
    const char *const *names; /* K_ENUM: NULL-terminated */
    const char *def;
    const char *doc;
} keyspec;

static const char *const NORMALIZE[] = {"unit", "standard", "symmetric", "dataset", "none", NULL};
static const char *const FORMAT[] = {"idx", "csv", NULL};
static const char *const ACTIVATION[] = {"relu", "tanh", "sigmoid", NULL};
static const char *const NORM[] = {"none", "batch", "layer", NULL};
static const char *const OPTIMIZER[] = {"sgd", "adam", "adamw", NULL};
static const char *const MONITOR[] = {"val_loss", "val_acc", "train_loss", NULL};
static const char *const WEIGHT_IMAGES[] = {"false", "true", "every_epoch", NULL};
static const char *const PEN_NORMALIZE[] = {"sum", "mean", NULL};
static const char *const SCHEDULES[] = {"step", "multistep", "exponential", "cosine", "plateau", NULL};
static const char *const SECTIONS[] = {"data", "model", "regularization", "optimizer", "training", "output", NULL};

#define F(m) offsetof(rm_config, m)
#define S(m) sizeof(((rm_config *)0)->m)
#define INF HUGE_VAL
static const keyspec KEYS[] = {
    {"name", K_NAME, F(name), S(name), 0, 0, 0, 0, NULL, "\"run\"", "run name; the run directory is `runs/<name>` unless `output.dir` is set"},
    {"seed", K_SEED, F(seed), 0, 0, 4294967295.0, 0, 0, NULL, "1", "one seed, split into independent streams for the subset/validation split, the initialization, the shuffling and the dropout masks (so changing dropout does not change the data order)"},
    {"threads", K_THREADS, F(threads), 0, 1, 64, 0, 0, NULL, "\"auto\"", "worker threads; `\"auto\"` is the number of cores online (at most 64), and the resolved config records the number used. Results do not depend on it: every product is cut into tiles fixed by its shape (each a single-threaded OpenBLAS call) and every sum over a batch runs in a fixed order, so any thread count gives the same numbers"},
    {"data.format", K_ENUM, F(data.format), 0, 0, 0, 0, 0, FORMAT, "\"idx\"", "`idx`: MNIST-style IDX image files in `data.dir` (the keys below up to `data.test_labels`); `csv`: a numeric table with a header row (`data.train`, `data.test`, `data.test_fraction`, `data.label`; see docs/tabular.md); the input size and class count come from the data"},
    {"data.train", K_STR, F(data.train), S(data.train), 0, 0, 0, 0, NULL, "\"\"", "csv: the training file (plain or gzip), relative to the working directory; required with `csv`"},
    {"data.test", K_STR, F(data.test), S(data.test), 0, 0, 0, 0, NULL, "\"\"", "csv: the test file (same feature columns and classes), or `\"\"` to hold out `data.test_fraction` of `data.train` instead"},
    {"data.test_fraction", K_NUM, F(data.test_fraction), 0, 0, 1, 0, 1, NULL, "0.0", "csv without `data.test`: the fraction of each class of `data.train` held out as the test set (round half away from zero, at least one row per class of two or more), drawn by the seed on its own stream before the subset and validation split"},
    {"data.label", K_COLUMN, F(data.label), S(data.label), -65536, 65535, 0, 0, NULL, "-1", "csv: the label column, by header name (a string) or by 0-based index (negative counts from the end: -1 is the last column); labels are integers 0..K-1 or class names, numbered in sorted order and recorded in `summary.json`"},
    {"data.dir", K_STR, F(data.dir), S(data.dir), 0, 0, 0, 0, NULL, "\"data/mnist\"", "directory of the four IDX files, relative to the working directory"},
    {"data.train_images", K_STR, F(data.train_images), S(data.train_images), 0, 0, 0, 0, NULL, "\"train-images-idx3-ubyte\"", "file name in `data.dir`; with or without `.gz`, the reader finds either"},
    {"data.train_labels", K_STR, F(data.train_labels), S(data.train_labels), 0, 0, 0, 0, NULL, "\"train-labels-idx1-ubyte\"", "training labels"},
    {"data.test_images", K_STR, F(data.test_images), S(data.test_images), 0, 0, 0, 0, NULL, "\"t10k-images-idx3-ubyte\"", "test images"},
    {"data.test_labels", K_STR, F(data.test_labels), S(data.test_labels), 0, 0, 0, 0, NULL, "\"t10k-labels-idx1-ubyte\"", "test labels"},
    {"data.subset", K_NUM, F(data.subset), 0, 0, 1, 1, 0, NULL, "1.0", "fraction of the training set used, the same number from each class and at least one image per class (see below)"},
    {"data.val_fraction", K_NUM, F(data.val_fraction), 0, 0, 1, 0, 1, NULL, "0.0", "fraction of the subset held out for validation, per class"},
    {"data.normalize", K_ENUM, F(data.normalize), 0, 0, 0, 0, 0, NORMALIZE, "\"standard\"", "`unit` = x/255 (`ToTensor()`); `standard` = (x/255 - 0.1307)/0.3081, MNIST's own statistics; `symmetric` = (x/255 - 0.5)/0.5; `dataset` = (x/255 - mean)/std with the mean and (population) std of every pixel of the training split, recorded in `summary.json` (use it for Fashion-MNIST and other data); `none` = the raw values (bytes 0..255 for images). csv data takes only `none` or `dataset`, which there standardizes each feature with its own mean and population std over the training split (recorded per feature in `summary.json`)"},
    {"data.augment", K_OPTIONAL, F(data.aug.enabled), 0, 0, 0, 0, 0, NULL, "null", "random affine augmentation of the training images (never val or test), as torchvision `RandomAffine(degrees, translate, scale)`: a draw per image per epoch keyed by the seed, bilinear about the centre, zero fill; `null` is off, an object turns it on with the keys below"},
    {"data.augment.rotate", K_NUM, F(data.aug.rotate), 0, 0, 180, 0, 0, NULL, "0.0", "angle ~ U(-rotate, rotate) degrees"},
    {"data.augment.shift", K_NUM, F(data.aug.shift), 0, 0, 1, 0, 0, NULL, "0.0", "shift ~ U(-shift, shift) of the image size on each axis, rounded to whole pixels"},
    {"data.augment.scale", K_PAIR, F(data.aug.scale), 0, 0, 10, 1, 0, NULL, "[1.0, 1.0]", "scale ~ U(lo, hi) as `[lo, hi]`, 0 < lo <= hi"},
    {"data.noise_std", K_NUM, F(data.noise_std), 0, 0, INF, 0, 0, NULL, "0.0", "Gaussian noise N(0, noise_std) added to the normalized training inputs, fresh every step (keyed by the seed and step)"},
    {"model.hidden", K_HIDDEN, F(model), 0, 1, 65536, 0, 0, NULL, "[256, 128]", "hidden layer widths; `[]` is logistic regression"},
    {"model.classes", K_INT, F(model.classes), 0, 0, RM_MAX_CLASSES, 0, 0, NULL, "0", "output classes; 0 = from the data (10 for IDX, the label count for csv); any other value must agree with the data"},
    {"model.activation", K_ENUM, F(model.activation), 0, 0, 0, 0, 0, ACTIVATION, "\"relu\"", "hidden activation"},
    {"model.norm", K_ENUM, F(model.norm), 0, 0, 0, 0, 0, NORM, "\"none\"", "`BatchNorm1d` or `LayerNorm` after each hidden Linear"},
    {"model.dropout", K_DROPOUT, F(model), 0, 0, 1, 0, 0, NULL, "0.0", "dropout after each hidden block: one rate for all, or a list with one rate per hidden layer; a rate above 0 needs a hidden layer; 1 drops every unit in training (the block outputs zeros, as PyTorch's `Dropout(1.0)`)"},
    {"model.input_dropout", K_NUM, F(model.input_dropout), 0, 0, 1, 0, 1, NULL, "0.0", "dropout on the input pixels"},
    {"model.init_from", K_STR, F(model.init_from), S(model.init_from), 0, 0, 0, 0, NULL, "\"\"", "start from the weights in this `model.safetensors` (e.g. another run's, or a PyTorch `state_dict` saved as safetensors) instead of the seeded initialization; names and shapes must match the model; `\"\"` is off"},
    {"regularization.l1", K_NUM, F(reg.l1), 0, 0, INF, 0, 0, NULL, "0.0", "adds `l1 * sum(abs(w))` to the loss"},
    {"regularization.l2", K_NUM, F(reg.l2), 0, 0, INF, 0, 0, NULL, "0.0", "adds `l2 * sum(w^2)` to the loss"},
    {"regularization.normalize", K_ENUM, F(reg.normalize), 0, 0, 0, 0, 0, PEN_NORMALIZE, "\"sum\"", "`sum`: the penalties above as written; `mean`: each divided by n, the number of penalized values (`l1/n * sum(abs(w))`, `l2/n * sum(w^2)`, the form of the iris tutorial's L1 sweep); the `penalty` column shows the value added"},
    {"regularization.label_smoothing", K_NUM, F(reg.label_smoothing), 0, 0, 1, 0, 1, NULL, "0.0", "`CrossEntropyLoss(label_smoothing=)`: the training target is (1 - s) one-hot + s/classes; `train_loss` is that loss, while `val_loss`, `test_loss` and `train_eval_loss` stay plain cross-entropy so runs compare across values"},
    {"regularization.max_norm", K_NUM, F(reg.max_norm), 0, 0, INF, 0, 0, NULL, "0.0", "max-norm constraint (Srivastava et al. 2014): after every optimizer step each hidden unit's incoming weight vector (a row of a hidden Linear weight) whose L2 norm exceeds this is scaled back to it, as `w.copy_(torch.renorm(w, 2, 0, max_norm))` (scale max_norm/(norm + 1e-7)); 0 = off"},
    {"regularization.max_norm_output", K_BOOL, F(reg.max_norm_output), 0, 0, 0, 0, 0, NULL, "false", "also constrain the output layer's rows (the paper constrains hidden units only); needs `max_norm > 0`"},
    {"regularization.penalize_bias", K_BOOL, F(reg.penalize_bias), 0, 0, 0, 0, 0, NULL, "false", "when true the penalties cover every parameter (biases and norm weights too), like a loop over `model.parameters()`; when false only the Linear weights"},
    {"optimizer.name", K_ENUM, F(optim.name), 0, 0, 0, 0, 0, OPTIMIZER, "\"adam\"", "`torch.optim.SGD`, `Adam`, `AdamW`"},
    {"optimizer.lr", K_NUM, F(optim.lr), 0, 0, 100, 1, 0, NULL, "0.001", "learning rate"},
    {"optimizer.momentum", K_NUM, F(optim.momentum), 0, 0, 1, 0, 1, NULL, "0.0", "SGD momentum (dampening is 0); an error with adam/adamw"},
    {"optimizer.nesterov", K_BOOL, F(optim.nesterov), 0, 0, 0, 0, 0, NULL, "false", "SGD Nesterov momentum; needs `momentum > 0`"},
    {"optimizer.beta1", K_NUM, F(optim.beta1), 0, 0, 1, 0, 1, NULL, "0.9", "Adam/AdamW first-moment decay"},
    {"optimizer.beta2", K_NUM, F(optim.beta2), 0, 0, 1, 0, 1, NULL, "0.999", "Adam/AdamW second-moment decay"},
    {"optimizer.eps", K_NUM, F(optim.eps), 0, 0, 1, 0, 0, NULL, "1e-08", "Adam/AdamW denominator epsilon"},
    {"optimizer.weight_decay", K_NUM, F(optim.weight_decay), 0, 0, INF, 0, 0, NULL, "0.0", "PyTorch's `weight_decay`, on every parameter as with `optim.X(model.parameters(), weight_decay=...)`: added to the gradient for sgd and adam, decoupled (`w *= 1 - lr*wd`) for adamw. Note: PyTorch's AdamW defaults to 0.01; regmnist's default is 0 for every optimizer, so set it explicitly"},
    {"optimizer.clip_grad_norm", K_NUM, F(optim.clip_grad_norm), 0, 0, INF, 0, 0, NULL, "0.0", "`torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)` before every step: when the L2 norm of all gradients together (the penalties' included) exceeds it, every gradient is scaled by max_norm/(norm + 1e-6); 0 = off. `weights.csv`'s `grad_l2` shows the gradients before clipping"},
    {"optimizer.schedule", K_OPTIONAL, F(optim.sched.enabled), 0, 0, 0, 0, 0, NULL, "null", "learning-rate schedule, stepped once per epoch with torch.optim.lr_scheduler's formulas; `null` is a constant rate. The `lr` column of `metrics.csv` shows each epoch's rate"},
    {"optimizer.schedule.name", K_ENUM, F(optim.sched.name), 0, 0, 0, 0, 0, SCHEDULES, "\"step\"", "required: `step` (StepLR), `multistep` (MultiStepLR), `exponential` (ExponentialLR), `cosine` (CosineAnnealingLR), `plateau` (ReduceLROnPlateau)"},
    {"optimizer.schedule.step_size", K_INT, F(optim.sched.step_size), 0, 1, 1000000, 0, 0, NULL, "1", "step: epochs between decays (required)"},
    {"optimizer.schedule.gamma", K_NUM, F(optim.sched.gamma), 0, 0, INF, 1, 0, NULL, "0.1", "step, multistep, exponential: decay factor (exponential: required)"},
    {"optimizer.schedule.milestones", K_INTLIST, F(optim.sched), 0, 1, 1000000, 0, 0, NULL, "[]", "multistep: epochs at which the rate decays, ascending (required)"},
    {"optimizer.schedule.t_max", K_INT, F(optim.sched.t_max), 0, 0, 1000000, 0, 0, NULL, "0", "cosine: epochs of a half period; 0 = `training.epochs`"},
    {"optimizer.schedule.eta_min", K_NUM, F(optim.sched.eta_min), 0, 0, INF, 0, 0, NULL, "0.0", "cosine: the lowest rate"},
    {"optimizer.schedule.monitor", K_ENUM, F(optim.sched.monitor), 0, 0, 0, 0, 0, MONITOR, "\"val_loss\"", "plateau: the metric watched (`val_*` needs a validation set)"},
    {"optimizer.schedule.factor", K_NUM, F(optim.sched.factor), 0, 0, 1, 1, 1, NULL, "0.1", "plateau: the rate is multiplied by this after `patience` bad epochs"},
    {"optimizer.schedule.patience", K_INT, F(optim.sched.patience), 0, 0, 1000000, 0, 0, NULL, "10", "plateau: bad epochs tolerated"},
    {"optimizer.schedule.threshold", K_NUM, F(optim.sched.threshold), 0, 0, INF, 0, 0, NULL, "0.0001", "plateau: relative improvement that counts (PyTorch's threshold, mode rel)"},
    {"optimizer.schedule.cooldown", K_INT, F(optim.sched.cooldown), 0, 0, 1000000, 0, 0, NULL, "0", "plateau: epochs to wait after a reduction"},
    {"optimizer.schedule.min_lr", K_NUM, F(optim.sched.min_lr), 0, 0, INF, 0, 0, NULL, "0.0", "plateau: the lowest rate"},
    {"optimizer.schedule.warmup_epochs", K_INT, F(optim.sched.warmup_epochs), 0, 0, 1000000, 0, 0, NULL, "0", "any schedule: the rate ramps linearly over these first epochs, lr(e) = min(1, (e+1)/warmup) * schedule(e)"},
    {"training.epochs", K_INT, F(train.epochs), 0, 1, 100000, 0, 0, NULL, "10", "passes over the training set"},
    {"training.batch_size", K_INT, F(train.batch_size), 0, 1, 65536, 0, 0, NULL, "64", "mini-batch size"},
    {"training.shuffle", K_BOOL, F(train.shuffle), 0, 0, 0, 0, 0, NULL, "true", "reshuffle the training set every epoch (otherwise ascending image order)"},
    {"training.drop_last", K_BOOL, F(train.drop_last), 0, 0, 0, 0, 0, NULL, "false", "skip the last incomplete batch"},
    {"training.early_stopping", K_OPTIONAL, F(train.es.enabled), 0, 0, 0, 0, 0, NULL, "null", "early stopping: `null` is off; an object (even `{}`) turns it on with the keys below. Training stops after `patience` epochs without improvement, and at the end (patience or epochs) the best epoch's parameters and BatchNorm statistics are restored and the test set re-measured"},
    {"training.early_stopping.monitor", K_ENUM, F(train.es.monitor), 0, 0, 0, 0, 0, MONITOR, "\"val_loss\"", "the metric watched; `val_*` needs `data.val_fraction` > 0"},
    {"training.early_stopping.patience", K_INT, F(train.es.patience), 0, 1, 100000, 0, 0, NULL, "5", "epochs without improvement before stopping"},
    {"training.early_stopping.min_delta", K_NUM, F(train.es.min_delta), 0, 0, INF, 0, 0, NULL, "0.0", "an improvement must beat the best by more than this (loss lower, accuracy in points higher)"},
    {"training.early_stopping.restore_best", K_BOOL, F(train.es.restore_best), 0, 0, 0, 0, 0, NULL, "true", "end with the best epoch's model (else the last epoch's)"},
    {"output.dir", K_STR, F(output.dir), S(output.dir), 0, 0, 0, 0, NULL, "\"\"", "run directory; `\"\"` means `runs/<name>`. `--out DIR` overrides it"},
    {"output.tensorboard", K_BOOL, F(output.tensorboard), 0, 0, 0, 0, 0, NULL, "false", "write `events.out.tfevents.<time>.<host>` in the run dir for `tensorboard --logdir runs`: per epoch the scalars of `metrics.csv` and histograms of every parameter tensor and its last gradient"},
    {"output.weight_stats", K_BOOL, F(output.weight_stats), 0, 0, 0, 0, 0, NULL, "false", "write `weights.csv`: per epoch and parameter tensor its size, mean, std, L1 and L2 norms, largest magnitude, the fraction below `sparsity_threshold` and the gradient's L2 norm averaged over the epoch's steps (before clipping); with hidden layers also `activations.csv`: per epoch and hidden layer the fraction of dead units (output 0 for every test image) and the mean activation, on the test set in eval mode"},
    {"output.sparsity_threshold", K_NUM, F(output.sparsity_threshold), 0, 0, INF, 1, 0, NULL, "0.001", "`weights.csv`'s `frac_small` counts weights with |w| below this"},
    {"output.weight_images", K_BOOLENUM, F(output.weight_images), 0, 0, 0, 0, 0, WEIGHT_IMAGES, "false", "`true` writes `weights_fc0.png` at the end: each first-layer unit's 784 weights as a 28x28 tile, on a blue-white-red scale symmetric about 0 and shared by all tiles; `\"every_epoch\"` writes `weights_fc0_eNNN.png` after each epoch too"},
    {"output.augment_preview", K_BOOL, F(output.augment_preview), 0, 0, 0, 0, 0, NULL, "false", "write `augment.png` in the run dir: 64 training images as the first epoch's augmentation draws them"},
    {"output.train_eval_samples", K_INT, F(output.train_eval_samples), 0, -1, 2000000000, 0, 0, NULL, "10000", "training images measured in eval mode after every epoch (`train_eval_loss`, `train_eval_acc`; then `gap` = `train_eval_acc - test_acc`): a fixed sample drawn once per run from its own stream; 0 = off, -1 = the whole training split"},
};
#undef F
#undef S
#define NKEYS (sizeof KEYS / sizeof KEYS[0])

static const keyspec *find_key(const char *path)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(KEYS[i].path, path) == 0) return &KEYS[i];
    return NULL;
}

static int is_section(const char *name)
{
    for (int i = 0; SECTIONS[i]; i++)
        if (strcmp(SECTIONS[i], name) == 0) return 1;
    return 0;
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "an unknown value";
}

/* Edit distance, for "did you mean" hints on unknown keys. */
static int distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 63 || lb > 63) return 99;
    int d[64][64];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

static int unknown_key(const char *origin, const char *path, rm_err *e)
{
    const char *best = NULL;
    int bd = 3;
    for (size_t i = 0; i < NKEYS; i++) {
        int d = distance(path, KEYS[i].path);
        if (d < bd) {
            bd = d;
            best = KEYS[i].path;
        }
    }
    for (int i = 0; SECTIONS[i]; i++) {
        int d = distance(path, SECTIONS[i]);
        if (d < bd) {
            bd = d;
            best = SECTIONS[i];
        }
    }
    if (best) return rm_fail(e, RM_ERR_USAGE, "%s: %s: unknown key (did you mean %s?)", origin, path, best);
    return rm_fail(e, RM_ERR_USAGE, "%s: %s: unknown key (see docs/config.md)", origin, path);
}

/* The allowed interval: "[0, 1)" or ">= 0". */
static void interval_text(const keyspec *k, char *buf, size_t n)
{
    if (k->hi == INF)
        snprintf(buf, n, "%s %g", k->lo_open ? ">" : ">=", k->lo);
    else
        snprintf(buf, n, "%c%.10g, %.10g%c", k->lo_open ? '(' : '[', k->lo, k->hi, k->hi_open ? ')' : ']');
}

static void range_text(const keyspec *k, char *buf, size_t n)
{
    char iv[80];
    interval_text(k, iv, sizeof iv);
    snprintf(buf, n, "must be %s%s", k->hi == INF ? "" : "in ", iv);
}

static int in_range(const keyspec *k, double v)
{
    if (k->lo_open ? !(v > k->lo) : !(v >= k->lo)) return 0;
    if (k->hi == INF) return 1;
    return k->hi_open ? v < k->hi : v <= k->hi;
}

static int check_number(const keyspec *k, const cJSON *v, int integer, const char *origin, const char *path,
                        rm_err *e)
{
    if (!cJSON_IsNumber(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a number, got %s", origin, path, type_name(v));
    double x = v->valuedouble;
    if (!isfinite(x)) /* cJSON reads 1e999 as infinity */
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: must be a finite number, got %s", origin, path, x > 0 ? "inf" : "-inf");
    if (integer && x != floor(x))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: must be an integer, got %g", origin, path, x);
    if (!in_range(k, x)) {
        char r[96];
        range_text(k, r, sizeof r);
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: %s, got %g", origin, path, r, x);
    }
    return RM_OK;
}

static int set_key(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    char *base = (char *)c + k->off;
    const char *path = k->path;
    switch (k->type) {
    case K_STR:
    case K_NAME: {
        if (!cJSON_IsString(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a string, got %s", origin, path, type_name(v));
        const char *s = v->valuestring;
        if (strlen(s) >= k->size)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: longer than %zu characters", origin, path, k->size - 1);
        if (k->type == K_NAME) {
            if (!s[0]) return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not be empty", origin, path);
            if (s[0] == '.') /* ".", ".." and hidden names would put runs/<name> outside runs/ or hide it */
                return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not start with '.', got \"%s\"", origin, path, s);
            for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("._-=,+", *p))
                    return rm_fail(e, RM_ERR_USAGE,
                                   "%s: %s: may hold only letters, digits and . _ - = , +, got \"%s\"", origin, path, s);
        } else if (!s[0] && strcmp(path, "output.dir") != 0 && strcmp(path, "data.dir") != 0 &&
                   strcmp(path, "model.init_from") != 0 && strcmp(path, "data.train") != 0 &&
                   strcmp(path, "data.test") != 0) {
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not be empty", origin, path);
        }
        memcpy(base, s, strlen(s) + 1);
        return RM_OK;
    }
    case K_COLUMN:
        if (cJSON_IsString(v)) {
            if (!v->valuestring[0]) return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not be empty", origin, path);
            if (strlen(v->valuestring) >= k->size)
                return rm_fail(e, RM_ERR_USAGE, "%s: %s: longer than %zu characters", origin, path, k->size - 1);
            memcpy(base, v->valuestring, strlen(v->valuestring) + 1);
            c->data.label_index = -1;
            return RM_OK;
        }
        if (!cJSON_IsNumber(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a column name or index, got %s", origin, path,
                           type_name(v));
        if (check_number(k, v, 1, origin, path, e)) return e->code;
        base[0] = '\0';
        c->data.label_index = (int)v->valuedouble;
        return RM_OK;
    case K_THREADS:
        if (cJSON_IsString(v) && strcmp(v->valuestring, "auto") == 0) {
            *(int *)base = rm_cores_online();
            return RM_OK;
        }
        if (cJSON_IsString(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected \"auto\" or a number, got \"%s\"", origin, path,
                           v->valuestring);
        if (!cJSON_IsNumber(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected \"auto\" or a number, got %s", origin, path,
                           type_name(v));
        /* fall through */
    case K_INT:
        if (check_number(k, v, 1, origin, path, e)) return e->code;
        *(int *)base = (int)v->valuedouble;
        return RM_OK;
    case K_SEED:
        if (check_number(k, v, 1, origin, path, e)) return e->code;
        *(double *)base = v->valuedouble;
        return RM_OK;
    case K_NUM:
        if (check_number(k, v, 0, origin, path, e)) return e->code;
        *(double *)base = v->valuedouble;
        return RM_OK;
    case K_BOOL:
        if (!cJSON_IsBool(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected true or false, got %s", origin, path, type_name(v));
        *(int *)base = cJSON_IsTrue(v);
        return RM_OK;
    case K_ENUM: {
        if (cJSON_IsString(v))
            for (int i = 0; k->names[i]; i++)
                if (strcmp(k->names[i], v->valuestring) == 0) {
                    *(int *)base = i;
                    return RM_OK;
                }
        char list[128] = "";
        for (int i = 0; k->names[i]; i++) {
            strcat(list, i ? ", " : "");
            strcat(list, k->names[i]);
        }
        if (!cJSON_IsString(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected one of %s, got %s", origin, path, list, type_name(v));
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected one of %s, got \"%s\"", origin, path, list, v->valuestring);
    }
    case K_BOOLENUM:
        if (cJSON_IsBool(v)) {
            *(int *)base = cJSON_IsTrue(v);
            return RM_OK;
        }
        if (cJSON_IsString(v))
            for (int i = 2; k->names[i]; i++)
                if (strcmp(k->names[i], v->valuestring) == 0) {
                    *(int *)base = i;
                    return RM_OK;
                }
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected true, false or \"%s\", got %s", origin, path, k->names[2],
                       type_name(v));
    case K_PAIR: { /* data.augment.scale: [lo, hi] */
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected [lo, hi], got %s", origin, path, type_name(v));
        double tmp[2];
        for (int i = 0; i < 2; i++) {
            char p[64];
            snprintf(p, sizeof p, "%s[%d]", path, i);
            if (check_number(k, cJSON_GetArrayItem(v, i), 0, origin, p, e)) return e->code;
            tmp[i] = cJSON_GetArrayItem(v, i)->valuedouble;
        }
        if (tmp[0] > tmp[1]) return rm_fail(e, RM_ERR_USAGE, "%s: %s: lo %g is above hi %g", origin, path, tmp[0], tmp[1]);
        memcpy(base, tmp, sizeof tmp);
        return RM_OK;
    }
    case K_INTLIST: { /* optimizer.schedule.milestones */
        if (!cJSON_IsArray(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an array of integers, got %s", origin, path, type_name(v));
        int n = cJSON_GetArraySize(v), i = 0, tmp[RM_SCHED_MAX_MILESTONES] = {0};
        if (n > RM_SCHED_MAX_MILESTONES)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: at most %d values, got %d", origin, path, RM_SCHED_MAX_MILESTONES, n);
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            char p[64];
            snprintf(p, sizeof p, "%s[%d]", path, i);
            if (check_number(k, it, 1, origin, p, e)) return e->code;
            if (i > 0 && it->valuedouble < tmp[i - 1])
                return rm_fail(e, RM_ERR_USAGE, "%s: %s: must be ascending, got %g after %d", origin, p, it->valuedouble,
                               tmp[i - 1]);
            tmp[i] = (int)it->valuedouble;
        }
        c->optim.sched.n_milestones = n;
        memcpy(c->optim.sched.milestones, tmp, sizeof tmp);
        return RM_OK;
    }
    case K_HIDDEN: {
        if (!cJSON_IsArray(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an array of widths, got %s", origin, path, type_name(v));
        int n = cJSON_GetArraySize(v);
        if (n > RM_MAX_HIDDEN)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: at most %d hidden layers, got %d", origin, path, RM_MAX_HIDDEN, n);
        int i = 0, tmp[RM_MAX_HIDDEN] = {0};
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            char p[64];
            snprintf(p, sizeof p, "%s[%d]", path, i);
            if (check_number(k, it, 1, origin, p, e)) return e->code;
            tmp[i] = (int)it->valuedouble;
        }
        c->model.n_hidden = n;
        memcpy(c->model.hidden, tmp, sizeof tmp);
        return RM_OK;
    }
    case K_OPTIONAL:
        if (!cJSON_IsNull(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an object or null, got %s", origin, path, type_name(v));
        *(int *)base = 0;
        return RM_OK;
    case K_DROPOUT: {
        if (cJSON_IsNumber(v)) {
            if (check_number(k, v, 0, origin, path, e)) return e->code;
            c->model.dropout_is_list = 0;
            c->model.n_dropout = 1;
            c->model.dropout[0] = v->valuedouble;
            return RM_OK;
        }
        if (!cJSON_IsArray(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a rate or an array of rates, got %s", origin, path,
                           type_name(v));
        int n = cJSON_GetArraySize(v), i = 0;
        if (n > RM_MAX_HIDDEN)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: at most %d rates, got %d", origin, path, RM_MAX_HIDDEN, n);
        double tmp[RM_MAX_HIDDEN] = {0};
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            char p[64];
            snprintf(p, sizeof p, "%s[%d]", path, i);
            if (check_number(k, it, 0, origin, p, e)) return e->code;
            tmp[i] = it->valuedouble;
        }
        c->model.dropout_is_list = 1;
        c->model.n_dropout = n;
        memcpy(c->model.dropout, tmp, sizeof tmp);
        return RM_OK;
    }
    }
    return rm_fail(e, RM_ERR_USAGE, "%s: %s: internal error: unhandled key type", origin, path);
}

/* 1 + the offset of text in the origin pool, adding it if new; 0 (the default) when the pool is full. */
static unsigned short origin_intern(rm_config_origin *o, const char *text)
{
    for (size_t at = 0; at < o->used; at += strlen(o->text + at) + 1)
        if (strcmp(o->text + at, text) == 0) return (unsigned short)(at + 1);
    size_t n = strlen(text) + 1;
    if (o->used + n > sizeof o->text) return 0;
    memcpy(o->text + o->used, text, n);
    o->used = (unsigned short)(o->used + n);
    return (unsigned short)(o->used - n + 1);
}

/* The origin that last set any of the NULL-terminated key paths, or fallback when all are defaults.
 * Origins are interned in the order they are applied, so a later one has the larger offset. */
static const char *blame(const rm_config *c, const char *fallback, const char *const *paths)
{
    unsigned best = 0;
    for (; *paths; paths++) {
        const keyspec *k = find_key(*paths);
        if (k && c->origin.at[k - KEYS] > best) best = c->origin.at[k - KEYS];
    }
    return best ? c->origin.text + best - 1 : fallback;
}
#define KEYLIST(...) ((const char *const[]){__VA_ARGS__, NULL})

const char *rm_config_origin_of(const rm_config *c, const char *fallback, const char *key)
{
    return blame(c, fallback, KEYLIST(key));
}

static int apply_section(rm_config *c, const cJSON *obj, const char *prefix, const char *origin, rm_err *e);

/* Apply value v at path: a section takes an object of its keys, a key takes its value. */
static int apply_path(rm_config *c, const char *path, const cJSON *v, const char *origin, rm_err *e)
{
    if (is_section(path)) {
        if (!cJSON_IsObject(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an object, got %s", origin, path, type_name(v));
        return apply_section(c, v, path, origin, e);
    }
    const keyspec *k = find_key(path);
    if (!k) return unknown_key(origin, path, e);
    if (k->type == K_OPTIONAL && cJSON_IsObject(v)) {
        *(int *)((char *)c + k->off) = 1;
        c->origin.at[k - KEYS] = origin_intern(&c->origin, origin);
        return apply_section(c, v, path, origin, e);
    }
    if (set_key(c, k, v, origin, e)) return e->code;
    c->origin.at[k - KEYS] = origin_intern(&c->origin, origin);
    /* A sub-key of an optional object turns the object on. */
    for (const keyspec *o = KEYS; o < KEYS + NKEYS; o++) {
        size_t n = strlen(o->path);
        if (o->type == K_OPTIONAL && strncmp(path, o->path, n) == 0 && path[n] == '.') {
            *(int *)((char *)c + o->off) = 1;
            c->origin.at[o - KEYS] = origin_intern(&c->origin, origin);
        }
    }
    return RM_OK;
}

/* Children of obj: no duplicates, each applied at prefix.key. */
static int apply_section(rm_config *c, const cJSON *obj, const char *prefix, const char *origin, rm_err *e)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", it->string);
        for (const cJSON *p = obj->child; p != it; p = p->next)
            if (strcmp(p->string, it->string) == 0)
                return rm_fail(e, RM_ERR_USAGE, "%s: %s: duplicate key", origin, path);
        if (apply_path(c, path, it, origin, e)) return e->code;
    }
    return RM_OK;
}

_Static_assert(NKEYS <= RM_CFG_MAX_KEYS, "raise RM_CFG_MAX_KEYS");

void rm_config_defaults(rm_config *c)
{
    memset(c, 0, sizeof *c);
    rm_err e;
    for (size_t i = 0; i < NKEYS; i++) {
        cJSON *v = cJSON_Parse(KEYS[i].def);
        /* The table's defaults are constants checked by the unit tests; a failure here is a bug. */
        if (!v || set_key(c, &KEYS[i], v, "default", &e)) {
            fprintf(stderr, "regmnist: internal error: bad default for %s\n", KEYS[i].path);
            abort();
        }
        cJSON_Delete(v);
    }
}

int rm_config_apply(rm_config *c, const cJSON *root, const char *origin, rm_err *e)
{
    if (!cJSON_IsObject(root))
        return rm_fail(e, RM_ERR_USAGE, "%s: the config must be a JSON object, got %s", origin, type_name(root));
    return apply_section(c, root, "", origin, e);
}

/* Line and column of offset off in text, for parse errors. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

long rm_json_nul_at(const char *text)
{
    int in_string = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '"') {
            in_string = !in_string;
        } else if (in_string && *p == '\\') {
            if (p[1] == 'u' && p[2] == '0' && p[3] == '0' && p[4] == '0' && p[5] == '0') return (long)(p - text);
            if (p[1]) p++; /* the escaped character: \" does not end the string */
        }
    }
    return -1;
}

/* Parse text strictly: one JSON value and nothing after it but white space, and no NUL in a string
 * (cJSON would cut the string there: "a\u0000b" would become "a"). */
static cJSON *parse_strict(const char *text, const char *origin, rm_err *e)
{
    long nul = rm_json_nul_at(text);
    if (nul >= 0) {
        int line, col;
        line_col(text, (size_t)nul, &line, &col);
        rm_fail(e, RM_ERR_USAGE, "%s: a string holds \\u0000 at line %d, column %d: NUL is not allowed in a string",
                origin, line, col);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        int line, col;
        size_t off = end ? (size_t)(end - text) : 0;
        const char *ep = cJSON_GetErrorPtr();
        if (ep && ep >= text && ep <= text + strlen(text)) off = (size_t)(ep - text);
        line_col(text, off, &line, &col);
        rm_fail(e, RM_ERR_USAGE, "%s: invalid JSON at line %d, column %d", origin, line, col);
    }
    return root;
}

cJSON *rm_config_parse_object(const char *text, const char *origin, const char *what, rm_err *e)
{
    cJSON *root = parse_strict(text, origin, e);
    if (root && !cJSON_IsObject(root)) {
        rm_fail(e, RM_ERR_USAGE, "%s: the %s must be a JSON object, got %s", origin, what, type_name(root));
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* The installed configs: share/regmnist/configs beside the binary's bin/ (so an install can move). */
static void installed_configs(char *out, size_t n)
{
    char exe[2048];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    out[0] = '\0';
    if (k <= 0) return;
    exe[k] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = '\0'; /* .../bin */
    snprintf(out, n, "%s/../share/regmnist/configs", exe);
}

int rm_config_find(const char *name, const char *sub, char *out, size_t n, rm_err *e)
{
    struct stat st;
    if (snprintf(out, n, "%s", name) >= (int)n) return rm_fail(e, RM_ERR_USAGE, "%s: path too long", name);
    if (strchr(name, '/') || stat(name, &st) == 0) return RM_OK; /* a path, or found as given */
    char dirs[8192] = "", looked[4096] = ".", inst[2200];
    const char *env = getenv("REGMNIST_CONFIG_PATH");
    installed_configs(inst, sizeof inst);
    snprintf(dirs, sizeof dirs, "%s%s./configs%s%s:%s%s%s", env && env[0] ? env : "", env && env[0] ? ":" : "",
             sub ? "/" : "", sub ? sub : "", inst, sub ? "/" : "", sub ? sub : "");
    for (char *dir = dirs, *next; dir; dir = next) {
        next = strchr(dir, ':');
        if (next) *next++ = '\0';
        if (!dir[0]) continue;
        size_t l = strlen(looked);
        snprintf(looked + l, sizeof looked - l, ", %s", dir);
        if (snprintf(out, n, "%s/%s", dir, name) < (int)n && stat(out, &st) == 0) return RM_OK;
    }
    snprintf(out, n, "%s", name);
    return rm_fail(e, RM_ERR_USAGE, "%s: not found (looked in %s; set REGMNIST_CONFIG_PATH to add directories)", name,
                   looked);
}

char *rm_config_read(const char *path, rm_err *e)
{
    size_t len;
    char *text = rm_read_text(path, RM_CONFIG_MAX, &len, e);
    if (!text && e->code != RM_ERR_RUN) e->code = RM_ERR_USAGE; /* a missing or bad config is a usage error */
    return text;
}

int rm_config_load(rm_config *c, const char *path, rm_err *e)
{
    char *text = rm_config_read(path, e);
    if (!text) return e->code;
    cJSON *root = parse_strict(text, path, e);
    free(text);
    if (!root) return e->code;
    int rc = rm_config_apply(c, root, path, e);
    cJSON_Delete(root);
    return rc;
}

int rm_config_set(rm_config *c, const char *assignment, rm_err *e)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return rm_fail(e, RM_ERR_USAGE, "--set %s: expected key.path=VALUE, e.g. --set model.dropout=0.3", assignment);
    char path[256];
    size_t plen = (size_t)(eq - assignment);
    if (plen >= sizeof path) return rm_fail(e, RM_ERR_USAGE, "--set: key path too long");
    memcpy(path, assignment, plen);
    path[plen] = '\0';
    const char *val = eq + 1;
    char origin[512]; /* errors and later checks name the whole assignment */
    snprintf(origin, sizeof origin, "--set %s", assignment);
    if (rm_json_nul_at(val) >= 0)
        return rm_fail(e, RM_ERR_USAGE, "%s: a string holds \\u0000: NUL is not allowed in a string", origin);
    cJSON *v = cJSON_ParseWithOpts(val, NULL, 1);
    if (!v) {
        /* A bare word (letters, digits, _ . / -) is a string: --set optimizer.name=sgd */
        int word = val[0] != '\0' && (isalpha((unsigned char)val[0]) || val[0] == '_' || val[0] == '.' || val[0] == '/');
        for (const char *p = val; word && *p; p++)
            if (!isalnum((unsigned char)*p) && !strchr("_./-", *p)) word = 0;
        if (!word)
            return rm_fail(e, RM_ERR_USAGE, "%s: invalid JSON value '%s' (quote strings as '\"text\"')", origin, val);
        v = cJSON_CreateString(val);
        if (!v) return rm_fail(e, RM_ERR_RUN, "out of memory");
    }
    /* Errors read "--set model.dropout=1.2: model.dropout: must be in [0, 1], got 1.2". */
    int rc = apply_path(c, path, v, origin, e);
    cJSON_Delete(v);
    return rc;
}

int rm_config_set_flag(rm_config *c, const char *flag, const char *path, const cJSON *v, rm_err *e)
{
    return apply_path(c, path, v, flag, e);
}

/* The data keys of one format only (the other format's must keep their defaults, so that a resolved
 * config.json, which lists every key, reads back), and the image-only features refused on csv data. */
static const char *const IDX_ONLY[] = {"data.dir", "data.train_images", "data.train_labels", "data.test_images",
                                       "data.test_labels", NULL};
static const char *const CSV_ONLY[] = {"data.train", "data.test", "data.test_fraction", "data.label", NULL};

/* Whether key k (a string, number or column key) holds a value other than its default. */
static int non_default(const rm_config *c, const keyspec *k)
{
    rm_config d;
    memset(&d, 0, sizeof d);
    cJSON *v = cJSON_Parse(k->def);
    rm_err ignored;
    set_key(&d, k, v, "default", &ignored); /* the table's defaults are checked by rm_config_defaults */
    cJSON_Delete(v);
    const char *a = (const char *)c + k->off, *b = (const char *)&d + k->off;
    switch (k->type) {
    case K_NUM: return *(const double *)a != *(const double *)b;
    case K_COLUMN: return strcmp(a, b) != 0 || c->data.label_index != d.data.label_index;
    default: return strcmp(a, b) != 0;
    }
}

static int validate_format(const rm_config *c, const char *fallback, rm_err *e)
{
    const int csv = c->data.format == RM_FORMAT_CSV;
    for (const char *const *k = csv ? IDX_ONLY : CSV_ONLY; *k; k++)
        if (non_default(c, find_key(*k)))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: applies to data.format \"%s\" only",
                           blame(c, fallback, KEYLIST(*k, "data.format")), *k, csv ? "idx" : "csv");
    if (!csv) return RM_OK;
    if (!c->data.train[0])
        return rm_fail(e, RM_ERR_USAGE, "%s: data.train: required with data.format \"csv\"",
                       blame(c, fallback, KEYLIST("data.train", "data.format")));
    if (!c->data.test[0] && c->data.test_fraction == 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: data.test: csv data needs a test file or data.test_fraction > 0",
                       blame(c, fallback, KEYLIST("data.test", "data.test_fraction", "data.format")));
    if (c->data.test[0] && c->data.test_fraction > 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: data.test_fraction: applies only when data.test is \"\"",
                       blame(c, fallback, KEYLIST("data.test_fraction", "data.test")));
    if (c->data.normalize != RM_NORM_NONE && c->data.normalize != RM_NORM_DATASET)
        return rm_fail(e, RM_ERR_USAGE, "%s: data.normalize: \"%s\" is for images; csv data takes \"none\" or \"dataset\"",
                       blame(c, fallback, KEYLIST("data.normalize", "data.format")), NORMALIZE[c->data.normalize]);
    const struct {
        const char *key;
        int on;
    } image_only[] = {{"data.augment", c->data.aug.enabled},
                      {"output.weight_images", c->output.weight_images != 0},
                      {"output.augment_preview", c->output.augment_preview}};
    for (size_t i = 0; i < sizeof image_only / sizeof image_only[0]; i++)
        if (image_only[i].on)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: applies to images, not csv data",
                           blame(c, fallback, KEYLIST(image_only[i].key, "data.format")), image_only[i].key);
    return RM_OK;
}

int rm_config_validate(const rm_config *c, const char *fallback, rm_err *e)
{
    const int nh = c->model.n_hidden;
    if (validate_format(c, fallback, e)) return e->code;
    if (c->model.dropout_is_list && c->model.n_dropout != nh)
        return rm_fail(e, RM_ERR_USAGE, "%s: model.dropout: %d rate%s for %d hidden layer%s",
                       blame(c, fallback, KEYLIST("model.dropout", "model.hidden")), c->model.n_dropout,
                       c->model.n_dropout == 1 ? "" : "s", nh, nh == 1 ? "" : "s");
    if (!c->model.dropout_is_list && c->model.dropout[0] > 0.0 && nh == 0)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: model.dropout: no hidden layers to drop (model.hidden is []); "
                       "use model.input_dropout for the inputs",
                       blame(c, fallback, KEYLIST("model.dropout", "model.hidden")));
    if (c->optim.name != RM_OPT_SGD && c->optim.momentum != 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: optimizer.momentum: applies to sgd only (adam uses beta1)",
                       blame(c, fallback, KEYLIST("optimizer.momentum", "optimizer.name")));
    if (c->optim.nesterov && c->optim.name != RM_OPT_SGD)
        return rm_fail(e, RM_ERR_USAGE, "%s: optimizer.nesterov: applies to sgd only",
                       blame(c, fallback, KEYLIST("optimizer.nesterov", "optimizer.name")));
    if (c->reg.max_norm_output && c->reg.max_norm == 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: regularization.max_norm_output: needs regularization.max_norm > 0",
                       blame(c, fallback, KEYLIST("regularization.max_norm_output", "regularization.max_norm")));
    if (c->optim.nesterov && c->optim.momentum <= 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: optimizer.nesterov: needs optimizer.momentum > 0",
                       blame(c, fallback, KEYLIST("optimizer.nesterov", "optimizer.momentum")));
    if (c->train.es.enabled && c->train.es.monitor != RM_MONITOR_TRAIN_LOSS && c->data.val_fraction == 0.0)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: training.early_stopping.monitor: %s needs a validation set, but data.val_fraction is 0",
                       blame(c, fallback, KEYLIST("training.early_stopping.monitor", "training.early_stopping",
                                                  "data.val_fraction")),
                       MONITOR[c->train.es.monitor]);
    rm_schedule_cfg sc;
    if (rm_config_schedule(c, fallback, &sc, e)) return e->code;
    if (c->model.norm == RM_MNORM_BATCH && nh > 0 && c->train.batch_size < 2)
        return rm_fail(e, RM_ERR_USAGE, "%s: training.batch_size: batch norm needs at least 2 samples per batch",
                       blame(c, fallback, KEYLIST("training.batch_size", "model.norm")));
    return RM_OK;
}

/* Whether a key was set by the file or an override (not left at its default). */
static int explicit_key(const rm_config *c, const char *path)
{
    const keyspec *k = find_key(path);
    return k && c->origin.at[k - KEYS] != 0;
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
static int sched_key_shown(const rm_config *c, const char *leaf)
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
                       blame(c, fallback, KEYLIST("optimizer.schedule")));
    for (int i = 0; ALL[i]; i++) {
        snprintf(path, sizeof path, "optimizer.schedule.%s", ALL[i]);
        if (!explicit_key(c, path)) continue;
        int mine = 0;
        for (int j = 0; j < 7 && OWN[kind][j]; j++) mine |= strcmp(OWN[kind][j], ALL[i]) == 0;
        if (!mine)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: does not apply to the %s schedule", blame(c, fallback, KEYLIST(path)),
                           path, rm_schedule_name(kind));
    }
    if (OWN[kind][0][0]) {
        snprintf(path, sizeof path, "optimizer.schedule.%s", OWN[kind][0]);
        if (!explicit_key(c, path))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: required by the %s schedule",
                           blame(c, fallback, KEYLIST("optimizer.schedule.name")), path, rm_schedule_name(kind));
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
        return rm_fail(e, RM_ERR_USAGE, "%s: %s", blame(c, fallback, KEYLIST("optimizer.schedule")), msg);
    }
    if (kind == RM_SCHED_PLATEAU && q->monitor != RM_MONITOR_TRAIN_LOSS && c->data.val_fraction == 0.0)
        return rm_fail(e, RM_ERR_USAGE, "%s: optimizer.schedule.monitor: %s needs a validation set, but data.val_fraction is 0",
                       blame(c, fallback, KEYLIST("optimizer.schedule.monitor", "optimizer.schedule", "data.val_fraction")),
                       MONITOR[q->monitor]);
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
                       blame(c, fallback, KEYLIST("training.early_stopping.monitor", "data.val_fraction", "data.subset")),
                       MONITOR[c->train.es.monitor], c->data.val_fraction);
    if (n_train == 0)
        return rm_fail(e, RM_ERR_USAGE, "%s: data.val_fraction: %g leaves no training images in the subset",
                       blame(c, fallback, KEYLIST("data.val_fraction", "data.subset")), c->data.val_fraction);
    if (c->train.drop_last && n_train < (unsigned long)bs)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: training.batch_size: %d is larger than the %lu training images with training.drop_last",
                       blame(c, fallback, KEYLIST("training.batch_size", "training.drop_last", "data.subset",
                                                  "data.val_fraction")),
                       bs, n_train);
    if (c->model.norm == RM_MNORM_BATCH && c->model.n_hidden > 0 && !c->train.drop_last && n_train % bs == 1)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: training.batch_size: with batch norm the last batch would hold 1 sample "
                       "(%lu training images %% %d = 1); set training.drop_last or change the batch size",
                       blame(c, fallback, KEYLIST("training.batch_size", "model.norm", "training.drop_last",
                                                  "data.subset", "data.val_fraction")),
                       n_train, bs);
    return RM_OK;
}

int rm_config_check_classes(const rm_config *c, const char *fallback, int classes, rm_err *e)
{
    if (classes > RM_MAX_CLASSES)
        return rm_fail(e, RM_ERR_USAGE, "%s: the data has %d classes; training takes at most %d",
                       blame(c, fallback, KEYLIST("data.train", "data.label")), classes, RM_MAX_CLASSES);
    if (c->model.classes != 0 && c->model.classes != classes)
        return rm_fail(e, RM_ERR_USAGE, "%s: model.classes: %d, but the data has %d classes",
                       blame(c, fallback, KEYLIST("model.classes")), c->model.classes, classes);
    return RM_OK;
}

/* A number printed with the fewest digits that read back as exactly the same double (cJSON's printer
 * stops at 15 digits when the value reads back within DBL_EPSILON: 0.30000000000000004 became 0.3). */
static cJSON *exact_number(double v)
{
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v) break;
    }
    return cJSON_CreateRaw(buf);
}

static cJSON *exact_array(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) {
        cJSON *x = exact_number(v[i]);
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

cJSON *rm_config_to_json(const rm_config *c)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    char outdir[1024];
    for (size_t i = 0; i < NKEYS; i++) {
        const keyspec *k = &KEYS[i];
        cJSON *parent = root;
        const char *leaf = k->path;
        for (const char *dot; parent && (dot = strchr(leaf, '.')); leaf = dot + 1) {
            char sec[64];
            snprintf(sec, sizeof sec, "%.*s", (int)(dot - leaf), leaf);
            cJSON *sub = cJSON_GetObjectItemCaseSensitive(parent, sec);
            if (!sub) sub = cJSON_AddObjectToObject(parent, sec);
            parent = sub;
        }
        if (parent && cJSON_IsNull(parent)) continue; /* a sub-key of an optional object that is off */
        if (strncmp(k->path, "optimizer.schedule.", 19) == 0 && !sched_key_shown(c, k->path + 19)) continue;
        const char *base = (const char *)c + k->off;
        cJSON *v = NULL;
        switch (k->type) {
        case K_STR:
        case K_NAME:
            v = cJSON_CreateString(strcmp(k->path, "output.dir") == 0 ? rm_config_out_dir(c, outdir, sizeof outdir)
                                                                       : base);
            break;
        case K_INT:
        case K_THREADS: v = cJSON_CreateNumber(*(const int *)base); break;
        case K_SEED:
        case K_NUM: v = exact_number(*(const double *)base); break;
        case K_BOOL: v = cJSON_CreateBool(*(const int *)base); break;
        case K_ENUM: v = cJSON_CreateString(k->names[*(const int *)base]); break;
        case K_HIDDEN: v = cJSON_CreateIntArray(c->model.hidden, c->model.n_hidden); break;
        case K_INTLIST: v = cJSON_CreateIntArray(c->optim.sched.milestones, c->optim.sched.n_milestones); break;
        case K_PAIR: v = exact_array((const double *)base, 2); break;
        case K_BOOLENUM: {
            const int i = *(const int *)base;
            v = i < 2 ? cJSON_CreateBool(i) : cJSON_CreateString(k->names[i]);
            break;
        }
        case K_OPTIONAL: v = *(const int *)base ? cJSON_CreateObject() : cJSON_CreateNull(); break;
        case K_COLUMN: v = base[0] ? cJSON_CreateString(base) : cJSON_CreateNumber(c->data.label_index); break;
        case K_DROPOUT:
            v = c->model.dropout_is_list ? exact_array(c->model.dropout, c->model.n_dropout)
                                         : exact_number(c->model.dropout[0]);
            break;
        }
        if (!parent || !v || !cJSON_AddItemToObject(parent, leaf, v)) {
            cJSON_Delete(v);
            cJSON_Delete(root);
            return NULL;
        }
    }
    return root;
}

void rm_config_model_spec(const rm_config *c, int in_dim, int classes, rm_model_spec *s)
{
    memset(s, 0, sizeof *s);
    s->in_dim = in_dim;
    s->classes = classes;
    s->n_hidden = c->model.n_hidden;
    for (int i = 0; i < c->model.n_hidden; i++) {
        s->hidden[i] = c->model.hidden[i];
        s->dropout[i] = (float)c->model.dropout[c->model.dropout_is_list ? i : 0];
    }
    s->input_dropout = (float)c->model.input_dropout;
    s->act = c->model.activation;
    s->norm = c->model.norm;
}

void rm_config_optim(const rm_config *c, rm_optim_cfg *o)
{
    memset(o, 0, sizeof *o);
    o->kind = c->optim.name;
    o->lr = (float)c->optim.lr;
    o->momentum = (float)c->optim.momentum;
    o->beta1 = (float)c->optim.beta1;
    o->beta2 = (float)c->optim.beta2;
    o->eps = (float)c->optim.eps;
    o->weight_decay = (float)c->optim.weight_decay;
    o->nesterov = c->optim.nesterov;
}

const char *rm_config_out_dir(const rm_config *c, char *buf, size_t n)
{
    if (c->output.dir[0])
        snprintf(buf, n, "%s", c->output.dir);
    else
        snprintf(buf, n, "runs/%s", c->name);
    return buf;
}

static const char *type_text(ktype t)
{
    switch (t) {
    case K_STR:
    case K_NAME:
    case K_ENUM: return "string";
    case K_INT:
    case K_SEED: return "integer";
    case K_THREADS: return "integer or string";
    case K_NUM: return "number";
    case K_BOOL: return "boolean";
    case K_HIDDEN: return "array of integers";
    case K_DROPOUT: return "number or array";
    case K_INTLIST: return "array of integers";
    case K_PAIR: return "array [lo, hi]";
    case K_BOOLENUM: return "boolean or string";
    case K_OPTIONAL: return "object or null";
    case K_COLUMN: return "string or integer";
    }
    return "?";
}

/* The allowed values of a key; code marks names and symbols as `code` (markdown). */
static void values_text(const keyspec *k, int code, char *buf, size_t n)
{
    const char *q = code ? "`" : "";
    char iv[80];
    buf[0] = '\0';
    switch (k->type) {
    case K_NAME:
        snprintf(buf, n, "letters, digits, %s.%s %s_%s %s-%s %s=%s %s,%s %s+%s; not starting with %s.%s", q, q, q, q, q, q,
                 q, q, q, q, q, q, q, q);
        break;
    case K_INT:
    case K_SEED:
    case K_NUM: interval_text(k, buf, n); break;
    case K_THREADS:
        interval_text(k, iv, sizeof iv);
        snprintf(buf, n, "%s\"auto\"%s or %s", q, q, iv);
        break;
    case K_ENUM:
        for (int i = 0; k->names[i]; i++) {
            size_t l = strlen(buf);
            snprintf(buf + l, n - l, "%s%s%s%s", i ? ", " : "", q, k->names[i], q);
        }
        break;
    case K_HIDDEN:
        interval_text(k, iv, sizeof iv);
        snprintf(buf, n, "0 to %d widths, each in %s", RM_MAX_HIDDEN, iv);
        break;
    case K_PAIR:
        interval_text(k, iv, sizeof iv);
        snprintf(buf, n, "lo <= hi, each in %s", iv);
        break;
    case K_BOOLENUM: snprintf(buf, n, "%sfalse%s, %strue%s, %s\"%s\"%s", q, q, q, q, q, k->names[2], q); break;
    case K_INTLIST:
        interval_text(k, iv, sizeof iv);
        snprintf(buf, n, "0 to %d, ascending, each in %s", RM_SCHED_MAX_MILESTONES, iv);
        break;
    case K_DROPOUT:
        interval_text(k, iv, sizeof iv);
        snprintf(buf, n, "each in %s", iv);
        break;
    case K_COLUMN:
        interval_text(k, iv, sizeof iv);
        snprintf(buf, n, "a column name, or an index in %s", iv);
        break;
    case K_STR:
    case K_BOOL:
    case K_OPTIONAL: break;
    }
}

/* Print text without backticks, wrapped at 96 columns with a 6-space indent. */
static void print_wrapped(FILE *f, const char *text)
{
    int col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        size_t w = 0, shown = 0;
        while (p[w] && p[w] != ' ') shown += p[w++] != '`';
        if (!w) break;
        if (col == 0 || col + 1 + (int)shown > 96) {
            fprintf(f, "%s      ", col ? "\n" : "");
            col = 6;
        } else {
            fputc(' ', f);
            col++;
        }
        for (size_t i = 0; i < w; i++)
            if (p[i] != '`') fputc(p[i], f);
        col += (int)shown;
        p += w;
    }
    fputc('\n', f);
}

void rm_config_print_keys(FILE *f, int markdown)
{
    char v[160];
    if (markdown) {
        fprintf(f, "| key | type | default | range / values | meaning |\n| --- | --- | --- | --- | --- |\n");
        for (size_t i = 0; i < NKEYS; i++) {
            const keyspec *k = &KEYS[i];
            values_text(k, 1, v, sizeof v);
            fprintf(f, "| `%s` | %s | `%s` | %s | %s |\n", k->path, type_text(k->type), k->def, v, k->doc);
        }
        return;
    }
    for (size_t i = 0; i < NKEYS; i++) {
        const keyspec *k = &KEYS[i];
        values_text(k, 0, v, sizeof v);
        fprintf(f, "  %-30s %s, default %s%s%s\n", k->path, type_text(k->type), k->def, v[0] ? "; " : "", v);
        print_wrapped(f, k->doc);
    }
}
