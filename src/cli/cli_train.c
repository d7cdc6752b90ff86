/* cli_train.c - `regmnist [train]`: parse the run's flags, resolve and check the config, run or resume it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_common.h"
#include "rm_cli.h"
#include "rm_common.h"
#include "rm_config.h"
#include "rm_gemm.h"
#include "rm_prepare.h"
#include "rm_train.h"

const char rm_cli_usage[] =
    "usage: regmnist [train] --config FILE [--set key.path=JSON]... [--out DIR] [--seed N]\n"
    "                [--threads N] [--max-memory SIZE] [--force] [--quiet] [--print-config]\n"
    "       regmnist --resume RUN_DIR [--set training.epochs=N] [--threads N] [--max-memory SIZE]\n"
    "                [--quiet]\n"
    "       regmnist eval RUN_DIR [--split test|val|train] [--set data.KEY=JSON]... [--out DIR]\n"
    "       regmnist sweep SPEC [--count | --list | --task-id N [--rung R] | --rung-tasks | --best\n"
    "                | --jobs N] [--threads N] [--max-memory SIZE] [--quiet]\n"
    "       regmnist summarize DIR... [--format md|csv|latex] [--out DIR] [--metric LIST] [--quiet]\n"
    "       regmnist compare A B [--metric NAME] [--which final|best]\n"
    "       regmnist compare --baseline SEL SEL... | SWEEP_DIR --baseline KEY=VALUE,... [--metric NAME]\n"
    "       regmnist plot sweep|curves|weights|rungs DIR [--x KEY] [--y METRIC,...] [--err std|ci|sem]\n"
    "                [--metric METRIC] [--out FILE] [--format png|svg|pdf] [--size WxH] [--yrange LO:HI] [--data DIR]\n"
    "       regmnist report DIR [--out FILE] [--metric LIST] [--baseline KEY=VALUE,...] [--no-figures]\n"
    "       regmnist --print-config [--set key.path=JSON]...\n"
    "       regmnist --help | --help-config[=markdown] | --version\n";
#define USAGE rm_cli_usage

static const char HELP[] =
    "Train an MLP on MNIST-family IDX data, or on a numeric CSV table (data.format csv),\n"
    "from a JSON config; write metrics.csv, config.json, summary.json, model.safetensors\n"
    "and state.safetensors into the run directory. `regmnist eval --help` describes\n"
    "evaluating a saved model.\n"
    "\n"
    "  --config FILE        the experiment (keys in docs/config.md; --help-config lists them)\n"
    "  --set key.path=JSON  override one key, e.g. --set model.hidden=[512,256],\n"
    "                       --set optimizer.name=sgd (a bare word is a string); repeatable,\n"
    "                       applied in order after the file\n"
    "  --out DIR            run directory (overrides output.dir; default runs/<name>)\n"
    "  --seed N             overrides seed (a whole decimal number)\n"
    "  --threads N          overrides threads (worker threads: a whole decimal number, or auto for\n"
    "                       the CPUs the process may use, the default: see threads in\n"
    "                       --help-config; results do not depend on it)\n"
    "  --max-memory SIZE    the most memory a run may need, e.g. 4G, 512M (powers of 1024;\n"
    "                       default: the machine's physical memory); a run (and --print-config)\n"
    "                       estimates what it allocates from the config and the data's size\n"
    "                       (parameters, gradients, optimizer state, activations of a batch and\n"
    "                       of an evaluation chunk, the data) and refuses to start past it (exit 2)\n"
    "  --resume RUN_DIR     continue an interrupted run from its last completed epoch\n"
    "                       (RUN_DIR/config.json and state.safetensors); only\n"
    "                       --set training.epochs=N and --threads may change the config\n"
    "  --force              replace another run's files in the run directory (a run\n"
    "                       otherwise refuses a directory that holds another run)\n"
    "  --quiet              no progress on stderr (errors are still printed)\n"
    "  --print-config       check the config (reading the labels or csv file for the rules\n"
    "                       that depend on the data, and the memory it needs), print it\n"
    "                       resolved as JSON to stdout and exit; without --config, print the\n"
    "                       defaults\n"
    "  --help-config        list every config key with its type, default, range and meaning;\n"
    "                       =markdown prints the table of docs/config.md\n"
    "  --help, --version    this text / the version, on stdout\n"
    "\n"
    "Data: a relative path whose first component is data (data.dir data/mnist, data.train\n"
    "data/iris/iris.csv) is looked for in $REGMNIST_DATA (replacing data/), ./data, then\n"
    "${XDG_DATA_HOME:-~/.local/share}/regmnist; other paths are used as given.\n"
    "regmnist-get-data NAME (scripts/get-data.sh in a source checkout) fetches mnist, fashion,\n"
    "iris, wine, breast_cancer or digits there (--help lists them); regmnist-plot (scripts/plot.sh)\n"
    "plots runs and sweeps with gnuplot.\n"
    "\n"
    "Same config, seed and thread count give the same metrics.csv bit for bit\n"
    "(the seconds column aside).\n"
    "\n"
    "SIGINT or SIGTERM ends the current step, keeps the last completed epoch in\n"
    "state.safetensors, writes summary.json (status interrupted) and exits 130 / 143;\n"
    "a second signal exits at once.\n"
    "\n"
    "Exit status: 0 ok; 1 run failed or diverged; 2 usage or config error;\n"
    "3 data or I/O error (missing, truncated or corrupt file, unwritable output);\n"
    "130 / 143 interrupted by SIGINT / SIGTERM.\n";

/* Apply a command-line override to key path so it is checked like a config key; takes v. */
static int apply_flag(rm_config *c, const char *flag, const char *path, cJSON *v, rm_err *e)
{
    if (!v) return rm_fail(e, RM_ERR_RUN, "out of memory");
    int rc = rm_config_set_flag(c, flag, path, v, e);
    cJSON_Delete(v);
    return rc;
}

/* --seed / --threads: a whole decimal number, digits only (no sign, exponent, hex or spaces). */
static int apply_whole(rm_config *c, const char *flag, const char *path, const char *s, rm_err *e)
{
    size_t n = strlen(s);
    if (n == 0 || n > 10 || strspn(s, "0123456789") != n)
        return rm_fail(e, RM_ERR_USAGE, "%s: expected a whole decimal number, got '%s'", flag, s);
    return apply_flag(c, flag, path, cJSON_CreateNumber(strtod(s, NULL)), e);
}

int rm_cli_train(int argc, char **argv)
{
    const char *config = NULL, *out = NULL, *seed = NULL, *threads = NULL, *resume = NULL, *max_memory = NULL;
    const char *sets[256];
    int nsets = 0, quiet = 0, print = 0, force = 0;
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
                    !strcmp(a, "--threads") || !strcmp(a, "--resume") || !strcmp(a, "--max-memory");
        if (!strcmp(a, "--help-config")) {
            if (val && strcmp(val, "markdown") != 0)
                return rm_cli_usage_error(NULL, "--help-config takes no value or =markdown, got '%s'", val);
            if (!val) printf("Config keys (JSON): type, default, range or values, meaning (docs/config.md has more):\n");
            rm_config_print_keys(stdout, val != NULL);
            return RM_OK;
        }
        if (takes && !val) {
            if (i + 1 >= argc) return rm_cli_usage_error(NULL, "%s needs a value", a);
            val = argv[++i];
        } else if (!takes && val) {
            return rm_cli_usage_error(NULL, "%s takes no value", a);
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s\n%s", USAGE, HELP);
            return RM_OK;
        } else if (!strcmp(a, "--version")) {
            printf("regmnist %s\n", RM_VERSION);
            return RM_OK;
        } else if (!strcmp(a, "--config")) {
            if (config) return rm_cli_usage_error(NULL, "%s given twice", a);
            config = val;
        } else if (!strcmp(a, "--resume")) {
            if (resume) return rm_cli_usage_error(NULL, "%s given twice", a);
            if (!val[0]) return rm_cli_usage_error(NULL, "%s: the run directory must not be empty", a);
            resume = val;
        } else if (!strcmp(a, "--set")) {
            if (nsets == 256) return rm_cli_usage_error(NULL, "%s: too many overrides", a);
            sets[nsets++] = val;
        } else if (!strcmp(a, "--out")) {
            if (!val[0]) return rm_cli_usage_error(NULL, "%s: the run directory must not be empty", a);
            out = val;
        } else if (!strcmp(a, "--seed")) {
            seed = val;
        } else if (!strcmp(a, "--threads")) {
            threads = val;
        } else if (!strcmp(a, "--max-memory")) {
            max_memory = val;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--print-config")) {
            print = 1;
        } else {
            return rm_cli_usage_error(NULL, "unknown argument '%s'", argv[i]);
        }
    }
    if (resume && (config || out || print || force))
        return rm_cli_usage_error(NULL, "--resume takes the run's own config.json and directory: no --config, --out, "
                                        "--force or --print-config");
    char resume_config[4200];
    if (resume) {
        int k = snprintf(resume_config, sizeof resume_config, "%s/config.json", resume);
        if (k < 0 || (size_t)k >= sizeof resume_config) return rm_cli_usage_error(NULL, "%s: path too long", resume);
        config = resume_config;
        out = resume;
    }
    if (!config && !print) {
        fputs(USAGE, stderr);
        return rm_cli_usage_error(NULL, "%s", "--config FILE is required");
    }

    static rm_config c; /* large (the origin pool); kept off the stack */
    rm_err e = {0};
    rm_config_defaults(&c);
    const char *fallback = config ? config : "defaults";
    char found[4200];
    int rc = config && !resume ? rm_config_find(config, NULL, found, sizeof found, &e) : RM_OK;
    if (!rc && config && !resume) config = found;
    if (!rc && config) rc = rm_config_load(&c, config, &e);
    for (int i = 0; i < nsets && !rc; i++) rc = rm_config_set(&c, sets[i], &e);
    if (!rc && seed) rc = apply_whole(&c, "--seed", "seed", seed, &e);
    if (!rc && threads)
        rc = strcmp(threads, "auto") == 0 ? apply_flag(&c, "--threads", "threads", cJSON_CreateString("auto"), &e)
                                          : apply_whole(&c, "--threads", "threads", threads, &e);
    if (!rc && out) rc = apply_flag(&c, resume ? "--resume" : "--out", "output.dir", cJSON_CreateString(out), &e);
    if (!rc) rc = rm_config_validate(&c, fallback, &e);
    /* Rules that need the data (split counts, batch sizes) and the memory the run needs, before a run
     * allocates anything; not for the defaults. */
    rm_mem_limit limit;
    rm_mem_limit_default(&limit);
    if (!rc && max_memory) rc = rm_mem_limit_parse(&limit, "--max-memory", max_memory, &e);
    if (!rc && config) rc = rm_run_check(&c, &limit, &e);
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
    rm_run_opts opts = {quiet, resume != NULL, force, argc, argv, sets, nsets};
    rc = rm_run(&c, &opts, &e);
    if (rc) {
        fprintf(stderr, "regmnist: %s\n", e.msg);
        return e.code;
    }
    return RM_OK;
}
