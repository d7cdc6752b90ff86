/* main.c - the regmnist command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rm_common.h"
#include "rm_config.h"
#include "rm_gemm.h"
#include "rm_train.h"

static const char USAGE[] =
    "usage: regmnist --config FILE [--set key.path=JSON]... [--out DIR] [--seed N]\n"
    "                [--threads N] [--quiet] [--print-config]\n"
    "       regmnist --help | --help-config | --version\n";

static const char HELP[] =
    "Train an MLP on MNIST-family IDX data from a JSON config; write metrics.csv,\n"
    "config.json and summary.json into the run directory.\n"
    "\n"
    "  --config FILE        the experiment (keys in docs/config.md; --help-config lists them)\n"
    "  --set key.path=JSON  override one key, e.g. --set model.hidden=[512,256],\n"
    "                       --set optimizer.name=sgd (a bare word is a string); repeatable,\n"
    "                       applied in order after the file\n"
    "  --out DIR            run directory (overrides output.dir; default runs/<name>)\n"
    "  --seed N             overrides seed\n"
    "  --threads N          overrides threads (worker threads)\n"
    "  --quiet              no progress on stderr (errors are still printed)\n"
    "  --print-config       print the resolved config as JSON to stdout and exit\n"
    "  --help-config        list every config key with its default and range\n"
    "  --help, --version    this text / the version, on stdout\n"
    "\n"
    "Same config, seed and thread count give the same metrics.csv bit for bit\n"
    "(the seconds column aside).\n"
    "\n"
    "Exit status: 0 ok; 1 run failed or diverged; 2 usage or config error;\n"
    "3 data or I/O error (missing, truncated or corrupt file, unwritable output).\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "regmnist: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see regmnist --help)\n");
    return RM_ERR_USAGE;
}

/* Apply a command-line override as {"path": value} so it is checked like a config key. */
static int apply_flag(rm_config *c, const char *flag, const char *section, const char *key, cJSON *v, rm_err *e)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *obj = section ? cJSON_AddObjectToObject(root, section) : root;
    if (!root || !obj || !v || !cJSON_AddItemToObject(obj, key, v)) {
        cJSON_Delete(root);
        return rm_fail(e, RM_ERR_RUN, "out of memory");
    }
    int rc = rm_config_apply(c, root, flag, e);
    cJSON_Delete(root);
    return rc;
}

/* A whole decimal number for --seed / --threads. */
static int parse_number(const char *flag, const char *s, double *out, rm_err *e)
{
    char *end;
    double v = strtod(s, &end);
    if (!s[0] || *end) return rm_fail(e, RM_ERR_USAGE, "%s: expected a number, got '%s'", flag, s);
    *out = v;
    return RM_OK;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *out = NULL, *seed = NULL, *threads = NULL;
    const char *sets[256];
    int nsets = 0, quiet = 0, print = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char name[64];
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        if (eq && (size_t)(eq - a) < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
            val = eq + 1;
            a = name;
        }
        int takes = !strcmp(a, "--config") || !strcmp(a, "--set") || !strcmp(a, "--out") || !strcmp(a, "--seed") ||
                    !strcmp(a, "--threads");
        if (takes && !val) {
            if (i + 1 >= argc) return usage_error("%s needs a value", a);
            val = argv[++i];
        } else if (!takes && val) {
            return usage_error("%s takes no value", a);
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s\n%s", USAGE, HELP);
            return RM_OK;
        } else if (!strcmp(a, "--version")) {
            printf("regmnist %s\n", RM_VERSION);
            return RM_OK;
        } else if (!strcmp(a, "--help-config")) {
            printf("Config keys (JSON), with defaults; full reference in docs/config.md:\n");
            rm_config_print_keys(stdout);
            return RM_OK;
        } else if (!strcmp(a, "--config")) {
            if (config) return usage_error("%s given twice", a);
            config = val;
        } else if (!strcmp(a, "--set")) {
            if (nsets == 256) return usage_error("%s: too many overrides", a);
            sets[nsets++] = val;
        } else if (!strcmp(a, "--out")) {
            out = val;
        } else if (!strcmp(a, "--seed")) {
            seed = val;
        } else if (!strcmp(a, "--threads")) {
            threads = val;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--print-config")) {
            print = 1;
        } else {
            return usage_error("unknown argument '%s'", argv[i]);
        }
    }
    if (!config) {
        fputs(USAGE, stderr);
        return usage_error("%s", "--config FILE is required");
    }

    rm_err e = {0};
    rm_config c;
    rm_config_defaults(&c);
    double num;
    int rc = rm_config_load(&c, config, &e);
    for (int i = 0; i < nsets && !rc; i++) rc = rm_config_set(&c, sets[i], &e);
    if (!rc && seed) rc = parse_number("--seed", seed, &num, &e);
    if (!rc && seed) rc = apply_flag(&c, "--seed", NULL, "seed", cJSON_CreateNumber(num), &e);
    if (!rc && threads) rc = parse_number("--threads", threads, &num, &e);
    if (!rc && threads) rc = apply_flag(&c, "--threads", NULL, "threads", cJSON_CreateNumber(num), &e);
    if (!rc && out) rc = apply_flag(&c, "--out", "output", "dir", cJSON_CreateString(out), &e);
    if (!rc) rc = rm_config_validate(&c, config, &e);
    if (rc) {
        fprintf(stderr, "regmnist: %s\n", e.msg);
        return e.code;
    }
    if (print) {
        cJSON *j = rm_config_to_json(&c);
        char *text = j ? cJSON_Print(j) : NULL;
        cJSON_Delete(j);
        if (!text) {
            fprintf(stderr, "regmnist: out of memory\n");
            return RM_ERR_RUN;
        }
        printf("%s\n", text);
        cJSON_free(text);
        return RM_OK;
    }
    rm_blas_set_threads(1); /* products are threaded by regmnist's pool, see gemm.c */
    rc = rm_run(&c, quiet, &e);
    if (rc) {
        fprintf(stderr, "regmnist: %s\n", e.msg);
        return e.code;
    }
    return RM_OK;
}
