/* fuzz_config.c - libFuzzer harness for the config parser: a file, then --set overrides, then validation.
 *
 * Input: NUL-separated segments. The first is the config file's text (rm_config_load), except that
 * a first segment of exactly "-" means no file (like `regmnist --print-config --set ...`); each
 * following segment is one --set assignment (rm_config_set), applied in order. A config file holding
 * a NUL byte is therefore not generated (tests/test_config.c covers that error).
 * Properties:
 *   - every error is RM_ERR_USAGE with a non-empty one-line message naming its origin: the file's
 *     path, "--set ...", or (rm_config_validate) the fallback;
 *   - a config that validates round-trips: rm_config_to_json, cJSON_Print, written to a file and
 *     read back with rm_config_load onto fresh defaults, validates again and gives the same config
 *     (memcmp up to origin, after the canonicalization below), and prints the same text.
 * Canonical form (differences that the resolved config may legitimately drop): bytes after a
 * string's NUL, hidden widths and dropout rates past their counts, output.dir "" resolved to
 * runs/<name> (as rm_config_to_json prints it), -0.0 as 0.0, and the early-stopping keys when
 * early stopping is off (rm_config_to_json leaves them out then).
 * FUZZ_ALLOW (see fuzz_common.h): "multiline" lets error messages span lines; "inexact" lets a number
 * read back as a neighbour within a relative DBL_EPSILON (cJSON prints 15 significant digits when
 * they read back that close).
 *
 * FUZZ_OPTIONS: -max_len=16384 -dict=fuzz/config.dict
 */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "fuzz_common.h"
#include "rm_config.h"

#define FALLBACK "fuzz-fallback"

static fz_file g_cfg, g_back;
static rm_config g_c, g_c2, g_def;

#define TAIL(s) memset((s) + strnlen((s), sizeof(s)), 0, sizeof(s) - strnlen((s), sizeof(s)))

/* The config's floating-point values. */
static int doubles(rm_config *c, double **v)
{
    int n = 0;
    v[n++] = &c->seed;
    v[n++] = &c->data.subset;
    v[n++] = &c->data.val_fraction;
    v[n++] = &c->model.input_dropout;
    v[n++] = &c->reg.l1;
    v[n++] = &c->reg.l2;
    v[n++] = &c->optim.lr;
    v[n++] = &c->optim.momentum;
    v[n++] = &c->optim.beta1;
    v[n++] = &c->optim.beta2;
    v[n++] = &c->optim.eps;
    v[n++] = &c->optim.weight_decay;
    v[n++] = &c->train.es.min_delta;
    for (int i = 0; i < RM_MAX_HIDDEN; i++) v[n++] = &c->model.dropout[i];
    return n;
}
#define MAX_DOUBLES (16 + RM_MAX_HIDDEN)

static void canon(rm_config *c)
{
    char out[sizeof c->output.dir];
    rm_config_out_dir(c, out, sizeof out);
    memcpy(c->output.dir, out, sizeof out);
    TAIL(c->name);
    TAIL(c->data.dir);
    TAIL(c->data.train_images);
    TAIL(c->data.train_labels);
    TAIL(c->data.test_images);
    TAIL(c->data.test_labels);
    TAIL(c->output.dir);
    for (int i = c->model.n_hidden; i < RM_MAX_HIDDEN; i++) c->model.hidden[i] = 0;
    if (!c->model.dropout_is_list) c->model.n_dropout = 1;
    for (int i = c->model.n_dropout; i < RM_MAX_HIDDEN; i++) c->model.dropout[i] = 0.0;
    if (!c->train.es.enabled) c->train.es = g_def.train.es;
    double *v[MAX_DOUBLES];
    for (int i = 0, n = doubles(c, v); i < n; i++)
        if (*v[i] == 0.0) *v[i] = 0.0; /* -0.0 prints as 0 */
}

/* The member of rm_config holding byte at, for reports. */
static const char *field_at(size_t at)
{
#define M(m) {#m, offsetof(rm_config, m)}
    static const struct {
        const char *name;
        size_t off;
    } f[] = {M(name), M(seed), M(threads), M(data.dir), M(data.train_images), M(data.train_labels),
             M(data.test_images), M(data.test_labels), M(data.subset), M(data.val_fraction), M(data.normalize),
             M(model.n_hidden), M(model.hidden), M(model.activation), M(model.norm), M(model.dropout_is_list),
             M(model.n_dropout), M(model.dropout), M(model.input_dropout), M(reg.l1), M(reg.l2),
             M(reg.penalize_bias), M(optim.name), M(optim.lr), M(optim.momentum), M(optim.beta1), M(optim.beta2),
             M(optim.eps), M(optim.weight_decay), M(optim.nesterov), M(train.epochs), M(train.batch_size),
             M(train.shuffle), M(train.drop_last), M(train.es.enabled), M(train.es.monitor), M(train.es.patience),
             M(train.es.min_delta), M(train.es.restore_best), M(output.dir)};
#undef M
    const char *name = "?";
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].off <= at) name = f[i].name;
    return name;
}

/* The resolved config as text (cJSON_Print), or abort. */
static char *resolved_text(const rm_config *c)
{
    cJSON *j = rm_config_to_json(c);
    FZ_CHECK(j != NULL, "rm_config_to_json returned NULL");
    char *text = cJSON_Print(j);
    FZ_CHECK(text != NULL, "cJSON_Print returned NULL");
    cJSON_Delete(j);
    return text;
}

static void round_trip(void)
{
    char *text = resolved_text(&g_c);
    fz_file_set(&g_back, text, strlen(text));
    rm_err e = {0};
    rm_config_defaults(&g_c2);
    FZ_CHECK(rm_config_load(&g_c2, g_back.path, &e) == RM_OK, "the resolved config does not load: %s\n%s", e.msg,
             text);
    FZ_CHECK(rm_config_validate(&g_c2, "resolved", &e) == RM_OK, "the resolved config does not validate: %s\n%s",
             e.msg, text);
    char *text2 = resolved_text(&g_c2);
    FZ_CHECK(strcmp(text, text2) == 0, "the resolved config prints differently once read back:\n%s\n---\n%s", text,
             text2);
    canon(&g_c);
    canon(&g_c2);
    if (fz_allowed("inexact")) { /* excuse cJSON's 15-digit printing: values within a relative DBL_EPSILON */
        double *a[MAX_DOUBLES], *b[MAX_DOUBLES];
        int n = doubles(&g_c, a);
        doubles(&g_c2, b);
        for (int i = 0; i < n; i++)
            if (fabs(*a[i] - *b[i]) <= fmax(fabs(*a[i]), fabs(*b[i])) * DBL_EPSILON) *a[i] = *b[i];
    }
    size_t n = offsetof(rm_config, origin);
    if (memcmp(&g_c, &g_c2, n) != 0) {
        size_t at = 0;
        while (((const unsigned char *)&g_c)[at] == ((const unsigned char *)&g_c2)[at]) at++;
        fz_fail("the resolved config reads back as a different config (first difference at byte %zu of "
                "rm_config, in %s; seed %.17g/%.17g subset %.17g/%.17g val_fraction %.17g/%.17g lr %.17g/%.17g "
                "l1 %.17g/%.17g l2 %.17g/%.17g dropout[0] %.17g/%.17g):\n%s",
                at, field_at(at), g_c.seed, g_c2.seed, g_c.data.subset, g_c2.data.subset, g_c.data.val_fraction,
                g_c2.data.val_fraction, g_c.optim.lr, g_c2.optim.lr, g_c.reg.l1, g_c2.reg.l1, g_c.reg.l2,
                g_c2.reg.l2, g_c.model.dropout[0], g_c2.model.dropout[0], text);
    }
    free(text);
    free(text2);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_file_open(&g_cfg, "config");
    fz_file_open(&g_back, "resolved");
    rm_config_defaults(&g_def);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    size_t first = strlen(buf); /* the file: up to the first NUL */
    rm_err e = {0};
    rm_config_defaults(&g_c);

    if (!(first == 1 && buf[0] == '-')) {
        fz_file_set(&g_cfg, buf, first);
        if (rm_config_load(&g_c, g_cfg.path, &e) != RM_OK) {
            fz_check_err(&e, RM_ERR_USAGE, "rm_config_load");
            FZ_CHECK(fz_names(e.msg, g_cfg.path), "rm_config_load: message does not name the file: %s", e.msg);
            goto done;
        }
    }
    for (size_t at = first + 1; at <= size; at += strlen(buf + at) + 1) {
        if (rm_config_set(&g_c, buf + at, &e) != RM_OK) {
            fz_check_err(&e, RM_ERR_USAGE, "rm_config_set");
            FZ_CHECK(strncmp(e.msg, "--set", 5) == 0, "rm_config_set: message does not name the --set: %s", e.msg);
            goto done;
        }
    }
    if (rm_config_validate(&g_c, FALLBACK, &e) != RM_OK) {
        fz_check_err(&e, RM_ERR_USAGE, "rm_config_validate");
        FZ_CHECK(fz_names(e.msg, FALLBACK) || fz_names(e.msg, g_cfg.path) || strncmp(e.msg, "--set ", 6) == 0,
                 "rm_config_validate: message names no origin: %s", e.msg);
        goto done;
    }
    round_trip();
    e.msg[0] = '\0';
done:
    if (fz_verbose()) fprintf(stderr, "fuzz_config: %s%s\n", e.msg[0] ? "error: " : "ok", e.msg);
    free(buf);
    return 0;
}
