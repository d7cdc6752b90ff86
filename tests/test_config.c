/* test_config.c - strict config parsing: every error case names the file and the JSON path. */
#define _DEFAULT_SOURCE
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rm_config.h"
#include "rm_data.h"
#include "test_util.h"

static char dir[64], path[128];

/* Load text as a config file; returns rc and leaves the message in e. */
static int load(const char *text, rm_config *c, rm_err *e)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    rm_config_defaults(c);
    int rc = rm_config_load(c, path, e);
    if (!rc) rc = rm_config_validate(c, path, e);
    return rc;
}

/* Expect a usage error whose message is "<file>: <want>..." */
static void bad(const char *text, const char *want)
{
    rm_config c;
    rm_err e = {0};
    char full[512];
    snprintf(full, sizeof full, "%s: %s", path, want);
    CHECK(load(text, &c, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, full);
}

static void test_errors(void)
{
    bad("{\"model\": {\"dropuot\": 0.5}}", "model.dropuot: unknown key (did you mean model.dropout?)");
    bad("{\"Seed\": 1}", "Seed: unknown key");
    bad("{\"seed\": \"1\"}", "seed: expected a number, got a string");
    bad("{\"model\": []}", "model: expected an object, got an array");
    bad("{\"training\": {\"shuffle\": 1}}", "training.shuffle: expected true or false, got a number");
    bad("{\"seed\": 1, \"seed\": 2}", "seed: duplicate key");
    bad("{\"model\": {\"norm\": \"batch\", \"norm\": \"layer\"}}", "model.norm: duplicate key");
    bad("{\"model\": {\"dropout\": 1.2}}", "model.dropout: must be in [0, 1], got 1.2");
    bad("{\"data\": {\"subset\": 0}}", "data.subset: must be in (0, 1], got 0");
    bad("{\"training\": {\"batch_size\": 0}}", "training.batch_size: must be in [1, 65536], got 0");
    bad("{\"threads\": 0}", "threads: must be in [1, 64], got 0");
    bad("{\"training\": {\"epochs\": 2.5}}", "training.epochs: must be an integer, got 2.5");
    bad("{\"model\": {\"hidden\": [256, 0]}}", "model.hidden[1]: must be in [1, 65536], got 0");
    bad("{\"model\": {\"dropout\": [0.5, 1.5]}}", "model.dropout[1]: must be in [0, 1], got 1.5");
    bad("{\"model\": {\"activation\": \"gelu\"}}", "model.activation: expected one of relu, tanh, sigmoid, got \"gelu\"");
    bad("{\"seed\": 1}\n x", "invalid JSON at line 2, column 2");
    bad("", "invalid JSON at line 1");
    bad("[1, 2]", "the config must be a JSON object");
    bad("{\"regularization\": {\"l2\": -1}}", "regularization.l2: must be >= 0, got -1");
    /* keys that contradict each other */
    bad("{\"model\": {\"hidden\": [8, 8], \"dropout\": [0.1, 0.2, 0.3]}}", "model.dropout: 3 rates for 2 hidden layers");
    bad("{\"optimizer\": {\"name\": \"sgd\", \"nesterov\": true}}", "optimizer.nesterov: needs optimizer.momentum > 0");
    bad("{\"optimizer\": {\"name\": \"adam\", \"momentum\": 0.9}}", "optimizer.momentum: applies to sgd only");
    bad("{\"model\": {\"norm\": \"batch\"}, \"training\": {\"batch_size\": 1}}", "training.batch_size: batch norm");
    rm_config c;
    rm_err e = {0};
    rm_config_defaults(&c);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.json", dir);
    CHECK(rm_config_load(&c, missing, &e) != RM_OK);
    CHECK_CONTAINS(e.msg, "none.json: No such file");
}

/* Write n bytes of text to the config path. */
static void put_n(const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(text, 1, n, f) == n && fclose(f) == 0);
}

/* The config file is read whole by rm_config_read (rm_read_text, RM_CONFIG_MAX); every problem with
 * the file is a usage error (exit 2) naming it. */
static void test_read(void)
{
    rm_config c;
    rm_err e = {0};
    rm_config_defaults(&c);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.json", dir);
    CHECK(rm_config_load(&c, missing, &e) == RM_ERR_USAGE);
    CHECK(rm_config_load(&c, dir, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, ": is a directory, not a regular file");
    put_n("{\"seed\":\0 1}", 12);
    CHECK(rm_config_load(&c, path, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "l2.json: contains a NUL byte (at offset 8), expected text");
    /* exactly 16 MiB is read; one byte more is refused */
    char *big = malloc(RM_CONFIG_MAX + 1);
    CHECK(big != NULL);
    if (!big) return;
    memset(big, ' ', RM_CONFIG_MAX + 1);
    memcpy(big, "{\"seed\": 7}", 11);
    put_n(big, RM_CONFIG_MAX);
    rm_config_defaults(&c);
    CHECK(rm_config_load(&c, path, &e) == RM_OK && c.seed == 7);
    put_n(big, RM_CONFIG_MAX + 1);
    CHECK(rm_config_load(&c, path, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "l2.json: larger than 16 MiB, the limit for this file");
    free(big);
    char *text = rm_config_read(missing, &e); /* the sweep spec's reader too */
    CHECK(text == NULL && e.code == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "none.json: No such file");
}

static void test_values(void)
{
    rm_config c;
    rm_err e = {0};
    CHECK(load("{}", &c, &e) == RM_OK);
    CHECK(c.model.n_hidden == 2 && c.model.hidden[0] == 256 && c.model.hidden[1] == 128);
    CHECK(c.optim.lr == 0.001 && c.optim.name == RM_OPT_ADAM && c.train.batch_size == 64 && c.train.epochs == 10);
    CHECK(c.data.normalize == RM_NORM_STANDARD && c.model.dropout[0] == 0.0 && c.train.shuffle == 1);
    const char *full =
        "{\"name\": \"x-1\", \"seed\": 7, \"threads\": 2,"
        " \"data\": {\"dir\": \"d\", \"train_images\": \"a\", \"train_labels\": \"b\", \"test_images\": \"c\","
        "  \"test_labels\": \"e\", \"subset\": 0.5, \"val_fraction\": 0.1, \"normalize\": \"unit\"},"
        " \"model\": {\"hidden\": [32, 16, 8], \"activation\": \"tanh\", \"norm\": \"layer\","
        "  \"dropout\": [0.1, 0.2, 0.3], \"input_dropout\": 0.2},"
        " \"regularization\": {\"l1\": 1e-5, \"l2\": 1e-4, \"penalize_bias\": true},"
        " \"optimizer\": {\"name\": \"sgd\", \"lr\": 0.1, \"momentum\": 0.9, \"nesterov\": true, \"beta1\": 0.8,"
        "  \"beta2\": 0.99, \"eps\": 1e-6, \"weight_decay\": 5e-4},"
        " \"training\": {\"epochs\": 3, \"batch_size\": 32, \"shuffle\": false, \"drop_last\": true},"
        " \"output\": {\"dir\": \"out/x\"}}";
    CHECK(load(full, &c, &e) == RM_OK);
    CHECK(strcmp(c.name, "x-1") == 0 && c.seed == 7 && c.threads == 2 && c.data.subset == 0.5);
    CHECK(c.model.n_hidden == 3 && c.model.hidden[2] == 8 && c.model.dropout_is_list && c.model.dropout[2] == 0.3);
    CHECK(c.model.activation == RM_ACT_TANH && c.model.norm == RM_MNORM_LAYER && c.reg.penalize_bias);
    CHECK(c.optim.name == RM_OPT_SGD && c.optim.nesterov && c.optim.weight_decay == 5e-4 && c.train.drop_last);
    CHECK(strcmp(c.output.dir, "out/x") == 0);
    /* the resolved config, printed and parsed back, reproduces the same struct */
    cJSON *j = rm_config_to_json(&c);
    char *text = cJSON_Print(j);
    cJSON *back = cJSON_Parse(text);
    rm_config c2;
    rm_config_defaults(&c2);
    CHECK(rm_config_apply(&c2, back, "resolved", &e) == RM_OK);
    CHECK(memcmp(&c, &c2, offsetof(rm_config, origin)) == 0);
    cJSON_Delete(j);
    cJSON_Delete(back);
    free(text);
    /* output.dir "" resolves to runs/<name> */
    char buf[256];
    CHECK(load("{\"name\": \"abc\"}", &c, &e) == RM_OK);
    CHECK(strcmp(rm_config_out_dir(&c, buf, sizeof buf), "runs/abc") == 0);
}

static void test_set(void)
{
    rm_config c;
    rm_err e = {0};
    rm_config_defaults(&c);
    CHECK(rm_config_set(&c, "model.hidden=[512,256]", &e) == RM_OK);
    CHECK(c.model.n_hidden == 2 && c.model.hidden[0] == 512);
    CHECK(rm_config_set(&c, "optimizer.name=sgd", &e) == RM_OK && c.optim.name == RM_OPT_SGD);
    CHECK(rm_config_set(&c, "optimizer.name=\"adamw\"", &e) == RM_OK && c.optim.name == RM_OPT_ADAMW);
    CHECK(rm_config_set(&c, "model={\"norm\":\"layer\"}", &e) == RM_OK && c.model.norm == RM_MNORM_LAYER);
    CHECK(rm_config_set(&c, "data.dir=/tmp/x-y/z", &e) == RM_OK && strcmp(c.data.dir, "/tmp/x-y/z") == 0);
    CHECK(rm_config_set(&c, "model.dropuot=0.5", &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "--set model.dropuot=0.5: model.dropuot: unknown key");
    CHECK(rm_config_set(&c, "model.dropout=1.2", &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "--set model.dropout=1.2: model.dropout: must be in [0, 1], got 1.2");
    CHECK(rm_config_set(&c, "noequals", &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "expected key.path=VALUE");
    CHECK(rm_config_set(&c, "model.hidden=[512,", &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "invalid JSON value");
    CHECK(rm_config_set(&c, "seed=1 2", &e) == RM_ERR_USAGE);
}

/* Issue 11: non-finite numbers, names, dropout without hidden layers, errors naming their --set. */
static void test_review_fixes(void)
{
    bad("{\"regularization\": {\"l2\": 1e999}}", "regularization.l2: must be a finite number, got inf");
    bad("{\"optimizer\": {\"weight_decay\": -1e999}}", "optimizer.weight_decay: must be a finite number, got -inf");
    bad("{\"seed\": 1e999}", "seed: must be a finite number");
    bad("{\"model\": {\"hidden\": [1e999]}}", "model.hidden[0]: must be a finite number");
    bad("{\"name\": \"..\"}", "name: must not start with '.'");
    bad("{\"name\": \".\"}", "name: must not start with '.'");
    bad("{\"name\": \".x\"}", "name: must not start with '.'");
    bad("{\"model\": {\"hidden\": [], \"dropout\": 0.5}}", "model.dropout: no hidden layers to drop");
    rm_config c;
    rm_err e = {0};
    CHECK(load("{\"model\": {\"hidden\": [], \"dropout\": []}}", &c, &e) == RM_OK);
    CHECK(load("{\"model\": {\"hidden\": [], \"dropout\": 0.0, \"input_dropout\": 0.2}}", &c, &e) == RM_OK);
    /* the later of the file and a --set is blamed for a contradiction between keys */
    CHECK(load("{\"model\": {\"hidden\": [8, 8]}}", &c, &e) == RM_OK);
    CHECK(rm_config_set(&c, "model.dropout=[0.1]", &e) == RM_OK);
    CHECK(rm_config_validate(&c, path, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "--set model.dropout=[0.1]: model.dropout: 1 rate for 2 hidden layers");
    CHECK(rm_config_set(&c, "model.hidden=[4,4,4]", &e) == RM_OK);
    CHECK(rm_config_validate(&c, path, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "--set model.hidden=[4,4,4]: model.dropout: 1 rate for 3 hidden layers");
    CHECK(load("{\"optimizer\": {\"name\": \"sgd\", \"momentum\": 0.9}}", &c, &e) == RM_OK);
    CHECK(rm_config_set(&c, "optimizer.name=adam", &e) == RM_OK);
    CHECK(rm_config_validate(&c, path, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "--set optimizer.name=adam: optimizer.momentum: applies to sgd only");
    /* a contradiction from the file alone names the file */
    char want[256];
    CHECK(load("{\"model\": {\"hidden\": [8], \"dropout\": [0.1, 0.2]}}", &c, &e) == RM_ERR_USAGE);
    snprintf(want, sizeof want, "%s: model.dropout: 2 rates for 1 hidden layer", path);
    CHECK_CONTAINS(e.msg, want);
    /* data rules: counts after the split, checked before a run writes anything */
    CHECK(load("{\"model\": {\"norm\": \"batch\"}, \"training\": {\"batch_size\": 13}}", &c, &e) == RM_OK);
    CHECK(rm_config_check_counts(&c, "x", 40, 5, &e) == RM_ERR_USAGE);
    snprintf(want, sizeof want, "%s: training.batch_size: with batch norm the last batch would hold 1 sample", path);
    CHECK_CONTAINS(e.msg, want);
    CHECK(rm_config_check_counts(&c, "x", 39, 5, &e) == RM_OK);
    CHECK(rm_config_set(&c, "training.drop_last=true", &e) == RM_OK);
    CHECK(rm_config_check_counts(&c, "x", 40, 5, &e) == RM_OK);
    CHECK(rm_config_check_counts(&c, "x", 12, 5, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "--set training.drop_last=true: training.batch_size: 13 is larger than the 12 training images");
    CHECK(rm_config_check_counts(&c, "x", 0, 5, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "x: data.val_fraction: 0 leaves no training images");
    /* split counts agree with the split itself, including a per-class minimum of one and halves */
    uint8_t labels[57];
    for (int i = 0; i < 57; i++) labels[i] = (uint8_t)(i % 10);
    const double subsets[] = {1e-9, 0.5, 0.35, 1.0}, vals[] = {0.0, 0.5, 0.25};
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 3; b++) {
            uint32_t *tr = NULL, *va = NULL, nt = 0, nv = 0, ct = 0, cv = 0;
            rm_rng rng;
            rm_rng_seed(&rng, 1, RM_STREAM_SPLIT);
            rm_split_counts(labels, 57, subsets[a], vals[b], &ct, &cv);
            int rc = rm_split(labels, 57, subsets[a], vals[b], &rng, &tr, &nt, &va, &nv, &e);
            CHECK(ct == 0 ? rc == RM_ERR_USAGE : (rc == RM_OK && nt == ct && nv == cv));
            rm_free(tr);
            rm_free(va);
        }
    uint32_t ct, cv;
    rm_split_counts(labels, 57, 1e-9, 0.0, &ct, &cv);
    CHECK(ct == 10 && cv == 0);
    rm_split_counts(labels, 57, 0.5, 0.0, &ct, &cv); /* round(28.5) is 29, half away from zero (not 28) */
    CHECK(ct == 29 && cv == 0);
    rm_split_counts(labels, 57, 1e-9, 0.5, &ct, &cv); /* round(0.5 * 1) = 1 per class: none left to train */
    CHECK(ct == 0 && cv == 10);
}

/* The plots' axis labels of keys: the short ones, else the path. */
static void test_key_labels(void)
{
    CHECK(strcmp(rm_config_key_label("model.dropout"), "dropout rate") == 0);
    CHECK(strcmp(rm_config_key_label("regularization.l2"), "L2 strength \u03bb") == 0);
    CHECK(strcmp(rm_config_key_label("training.batch_size"), "batch size") == 0);
    CHECK(strcmp(rm_config_key_label("data.augment.scale"), "data.augment.scale") == 0);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/rm_cfg_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/l2.json", dir);
    test_errors();
    test_read();
    test_values();
    test_set();
    test_review_fixes();
    test_key_labels();
    unlink(path);
    rmdir(dir);
    return t_done("test_config");
}
