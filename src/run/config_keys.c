/* config_keys.c - the one table of config keys (path, type, range, default, help text), finding a key,
 * and the key reference printed by --help-config (docs/config.md's table). */
#include "config_int.h"

#include <stdio.h>
#include <string.h>

#include "rm_data.h"

const char *const rm_cfg_normalize[] = {"unit", "standard", "symmetric", "dataset", "none", NULL};
static const char *const FORMAT[] = {"idx", "csv", NULL};
static const char *const ACTIVATION[] = {"relu", "tanh", "sigmoid", NULL};
static const char *const NORM[] = {"none", "batch", "layer", NULL};
static const char *const OPTIMIZER[] = {"sgd", "adam", "adamw", NULL};
const char *const rm_cfg_monitor[] = {"val_loss", "val_acc", "train_loss", NULL};
static const char *const WEIGHT_IMAGES[] = {"false", "true", "every_epoch", NULL};
static const char *const PEN_NORMALIZE[] = {"sum", "mean", NULL};
static const char *const SCHEDULES[] = {"step", "multistep", "exponential", "cosine", "plateau", NULL};
static const char *const SECTIONS[] = {"data", "model", "regularization", "optimizer", "training", "output", NULL};

#define F(m) offsetof(rm_config, m)
#define S(m) sizeof(((rm_config *)0)->m)
const keyspec rm_cfg_keys[] = {
    {"name", K_NAME, F(name), S(name), 0, 0, 0, 0, NULL, "\"run\"", "run name; the run directory is `runs/<name>` unless `output.dir` is set"},
    {"seed", K_SEED, F(seed), 0, 0, 4294967295.0, 0, 0, NULL, "1", "one seed, split into independent streams for the subset/validation split, the initialization, the shuffling and the dropout masks (so changing dropout does not change the data order)"},
    {"threads", K_THREADS, F(threads), 0, 1, 64, 0, 0, NULL, "\"auto\"", "worker threads; `\"auto\"` counts the CPUs the process may use: those of its affinity mask (`taskset`, Slurm), limited by its cgroup v2 `cpu.max` quota and by `SLURM_CPUS_PER_TASK` and `OMP_NUM_THREADS` when set (positive whole numbers, else exit 2), at most 64. The resolved config records the number used, `summary.json` what decided it (`threads_source`). Results do not depend on it: every product is cut into tiles fixed by its shape (each a single-threaded OpenBLAS call) and every sum over a batch runs in a fixed order, so any thread count gives the same numbers"},
    {"data.format", K_ENUM, F(data.format), 0, 0, 0, 0, 0, FORMAT, "\"idx\"", "`idx`: MNIST-style IDX image files in `data.dir` (the keys below up to `data.test_labels`); `csv`: a numeric table with a header row (`data.train`, `data.test`, `data.test_fraction`, `data.label`; see docs/tabular.md); the input size and class count come from the data"},
    {"data.train", K_STR, F(data.train), S(data.train), 0, 0, 0, 0, NULL, "\"\"", "csv: the training file (plain or gzip), found as `data.dir` is; required with `csv`"},
    {"data.test", K_STR, F(data.test), S(data.test), 0, 0, 0, 0, NULL, "\"\"", "csv: the test file (same feature columns and classes), or `\"\"` to hold out `data.test_fraction` of `data.train` instead"},
    {"data.test_fraction", K_NUM, F(data.test_fraction), 0, 0, 1, 0, 1, NULL, "0.0", "csv without `data.test`: the fraction of each class of `data.train` held out as the test set (round half away from zero, at least one row per class of two or more), drawn by the seed on its own stream before the subset and validation split"},
    {"data.label", K_COLUMN, F(data.label), S(data.label), -65536, 65535, 0, 0, NULL, "-1", "csv: the label column, by header name (a string) or by 0-based index (negative counts from the end: -1 is the last column); labels are integers 0..K-1 or class names, numbered in sorted order and recorded in `summary.json`"},
    {"data.dir", K_STR, F(data.dir), S(data.dir), 0, 0, 0, 0, NULL, "\"data/mnist\"", "directory of the four IDX files; a relative path under `data/` is looked for in `$REGMNIST_DATA`, `./data`, then `${XDG_DATA_HOME:-~/.local/share}/regmnist` (see the README's Install section), any other is used as given"},
    {"data.train_images", K_STR, F(data.train_images), S(data.train_images), 0, 0, 0, 0, NULL, "\"train-images-idx3-ubyte\"", "file name in `data.dir`; with or without `.gz`, the reader finds either"},
    {"data.train_labels", K_STR, F(data.train_labels), S(data.train_labels), 0, 0, 0, 0, NULL, "\"train-labels-idx1-ubyte\"", "training labels"},
    {"data.test_images", K_STR, F(data.test_images), S(data.test_images), 0, 0, 0, 0, NULL, "\"t10k-images-idx3-ubyte\"", "test images"},
    {"data.test_labels", K_STR, F(data.test_labels), S(data.test_labels), 0, 0, 0, 0, NULL, "\"t10k-labels-idx1-ubyte\"", "test labels"},
    {"data.subset", K_NUM, F(data.subset), 0, 0, 1, 1, 0, NULL, "1.0", "fraction of the training set used, the same number from each class and at least one image per class (see below)"},
    {"data.val_fraction", K_NUM, F(data.val_fraction), 0, 0, 1, 0, 1, NULL, "0.0", "fraction of the subset held out for validation, per class"},
    {"data.normalize", K_ENUM, F(data.normalize), 0, 0, 0, 0, 0, rm_cfg_normalize, "\"standard\"", "`unit` = x/255 (`ToTensor()`); `standard` = (x/255 - 0.1307)/0.3081, MNIST's own statistics; `symmetric` = (x/255 - 0.5)/0.5; `dataset` = (x/255 - mean)/std with the mean and (population) std of every pixel of the training split, recorded in `summary.json` (use it for Fashion-MNIST and other data); `none` = the raw values (bytes 0..255 for images). csv data takes only `none` or `dataset`, which there standardizes each feature with its own mean and population std over the training split (recorded per feature in `summary.json`)"},
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
    {"optimizer.schedule.monitor", K_ENUM, F(optim.sched.monitor), 0, 0, 0, 0, 0, rm_cfg_monitor, "\"val_loss\"", "plateau: the metric watched (`val_*` needs a validation set)"},
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
    {"training.early_stopping.monitor", K_ENUM, F(train.es.monitor), 0, 0, 0, 0, 0, rm_cfg_monitor, "\"val_loss\"", "the metric watched; `val_*` needs `data.val_fraction` > 0"},
    {"training.early_stopping.patience", K_INT, F(train.es.patience), 0, 1, 100000, 0, 0, NULL, "5", "epochs without improvement before stopping"},
    {"training.early_stopping.min_delta", K_NUM, F(train.es.min_delta), 0, 0, INF, 0, 0, NULL, "0.0", "an improvement must beat the best by more than this (loss lower, accuracy in points higher)"},
    {"training.early_stopping.restore_best", K_BOOL, F(train.es.restore_best), 0, 0, 0, 0, 0, NULL, "true", "end with the best epoch's model (else the last epoch's)"},
    {"output.dir", K_STR, F(output.dir), S(output.dir), 0, 0, 0, 0, NULL, "\"\"", "run directory; `\"\"` means `runs/<name>`. `--out DIR` overrides it"},
    {"output.tensorboard", K_BOOL, F(output.tensorboard), 0, 0, 0, 0, 0, NULL, "false", "write `events.out.tfevents.<time>.<host>` in the run dir for `tensorboard --logdir runs`: per epoch the scalars of `metrics.csv` and histograms of every parameter tensor and its last gradient; the HParams plugin's session (the `--set` overrides and seed, a group per setting, the end status)"},
    {"output.weight_stats", K_BOOL, F(output.weight_stats), 0, 0, 0, 0, 0, NULL, "false", "write `weights.csv`: per epoch and parameter tensor its size, mean, std, L1 and L2 norms, largest magnitude, the fraction below `sparsity_threshold` and the gradient's L2 norm averaged over the epoch's steps (before clipping); with hidden layers also `activations.csv`: per epoch and hidden layer the fraction of dead units (output 0 for every test image) and the mean activation, on the test set in eval mode"},
    {"output.sparsity_threshold", K_NUM, F(output.sparsity_threshold), 0, 0, INF, 1, 0, NULL, "0.001", "`weights.csv`'s `frac_small` counts weights with |w| below this"},
    {"output.weight_images", K_BOOLENUM, F(output.weight_images), 0, 0, 0, 0, 0, WEIGHT_IMAGES, "false", "`true` writes `weights_fc0.png` at the end: each first-layer unit's 784 weights as a 28x28 tile, on a blue-white-red scale symmetric about 0 and shared by all tiles; `\"every_epoch\"` writes `weights_fc0_eNNN.png` after each epoch too"},
    {"output.augment_preview", K_BOOL, F(output.augment_preview), 0, 0, 0, 0, 0, NULL, "false", "write `augment.png` in the run dir: 64 training images as the first epoch's augmentation draws them"},
    {"output.train_eval_samples", K_INT, F(output.train_eval_samples), 0, -1, 2000000000, 0, 0, NULL, "10000", "training images measured in eval mode after every epoch (`train_eval_loss`, `train_eval_acc`; then `gap` = `train_eval_acc - test_acc`): a fixed sample drawn once per run from its own stream; 0 = off, -1 = the whole training split"},
    {"output.checkpoint_every", K_NUM, F(output.checkpoint_every), 0, 0, INF, 0, 0, NULL, "60", "seconds of wall time between saves of `state.safetensors` (what `--resume` needs; each save is fsync'd). The state is also saved after the process's first epoch, after the last, and on SIGINT/SIGTERM (Slurm's pre-emption and time-limit warning included): between saves the last completed epoch is kept as a copy in memory, which a stop writes, so only a crash or SIGKILL loses training, at most this much. 60: a save costs about 5 ms per MB of state, under 1% of a minute up to about 100 MB. `0` saves every epoch. Changes no result; a resumed run may change it"},
};
#undef F
#undef S
const size_t rm_cfg_nkeys = sizeof rm_cfg_keys / sizeof rm_cfg_keys[0];
_Static_assert(sizeof rm_cfg_keys / sizeof rm_cfg_keys[0] <= RM_CFG_MAX_KEYS, "raise RM_CFG_MAX_KEYS");

/* Short axis labels of the keys a study varies (plots; the rest go by their path). Kept beside the key
 * table rather than as one more column of its 75 rows; test_config checks a few of them. */
static const struct {
    const char *path, *label;
} KEY_LABELS[] = {
    {"seed", "seed"},
    {"data.subset", "training subset (fraction)"},
    {"data.val_fraction", "validation fraction"},
    {"data.noise_std", "input noise std"},
    {"data.augment.rotate", "rotation (degrees)"},
    {"data.augment.shift", "shift (fraction)"},
    {"model.hidden", "hidden layers"},
    {"model.activation", "activation"},
    {"model.norm", "normalization layer"},
    {"model.dropout", "dropout rate"},
    {"model.input_dropout", "input dropout rate"},
    {"regularization.l1", "L1 strength"},
    {"regularization.l2", "L2 strength \u03bb"},
    {"regularization.label_smoothing", "label smoothing"},
    {"regularization.max_norm", "max-norm bound"},
    {"optimizer.name", "optimizer"},
    {"optimizer.lr", "learning rate"},
    {"optimizer.momentum", "momentum"},
    {"optimizer.weight_decay", "weight decay"},
    {"optimizer.clip_grad_norm", "gradient-norm clip"},
    {"training.epochs", "epochs"},
    {"training.batch_size", "batch size"},
    {"training.early_stopping.patience", "early-stopping patience (epochs)"},
};

const char *rm_config_key_label(const char *path)
{
    for (size_t i = 0; i < sizeof KEY_LABELS / sizeof KEY_LABELS[0]; i++)
        if (strcmp(KEY_LABELS[i].path, path) == 0) return KEY_LABELS[i].label;
    return path;
}

const keyspec *rm_cfg_find_key(const char *path)
{
    for (size_t i = 0; i < rm_cfg_nkeys; i++)
        if (strcmp(rm_cfg_keys[i].path, path) == 0) return &rm_cfg_keys[i];
    return NULL;
}

int rm_cfg_is_section(const char *name)
{
    for (int i = 0; SECTIONS[i]; i++)
        if (strcmp(SECTIONS[i], name) == 0) return 1;
    return 0;
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

int rm_cfg_unknown_key(const char *origin, const char *path, rm_err *e)
{
    const char *best = NULL;
    int bd = 3;
    for (size_t i = 0; i < rm_cfg_nkeys; i++) {
        int d = distance(path, rm_cfg_keys[i].path);
        if (d < bd) {
            bd = d;
            best = rm_cfg_keys[i].path;
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

/* The allowed values of a key for --help-config ("" when its type says it all); code marks names and
 * symbols as `code` (markdown). */
static void values_text(const keyspec *k, int code, char *buf, size_t n)
{
    buf[0] = '\0';
    if (rm_cfg_types[k->type].values) rm_cfg_types[k->type].values(k, code, buf, n);
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
        for (size_t i = 0; i < rm_cfg_nkeys; i++) {
            const keyspec *k = &rm_cfg_keys[i];
            values_text(k, 1, v, sizeof v);
            fprintf(f, "| `%s` | %s | `%s` | %s | %s |\n", k->path, rm_cfg_types[k->type].json_type, k->def, v, k->doc);
        }
        return;
    }
    for (size_t i = 0; i < rm_cfg_nkeys; i++) {
        const keyspec *k = &rm_cfg_keys[i];
        values_text(k, 0, v, sizeof v);
        fprintf(f, "  %-30s %s, default %s%s%s\n", k->path, rm_cfg_types[k->type].json_type, k->def, v[0] ? "; " : "", v);
        print_wrapped(f, k->doc);
    }
}
