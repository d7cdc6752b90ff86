/* cli_sweep.c - `regmnist sweep SPEC`: a grid (and an optional zip group) of overrides on a base
 * config, times a list of seeds, as numbered runs with readable directories. It counts them, lists
 * one regmnist command line per run (for GNU parallel, xargs or a job script), runs one by number
 * (for Slurm job arrays: skipping a finished run, resuming an unfinished one), or runs them all here,
 * N processes at a time. Every run's config is built and checked before anything runs. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_common.h"
#include "rm_cli.h"
#include "rm_config.h"
#include "rm_gemm.h"
#include "rm_prepare.h"
#include "rm_train.h"

#define MAX_KEYS 16    /* varied keys (grid plus zip) */
#define MAX_LEVELS 256 /* values per key */
#define MAX_RUNS 100000

static const char HELP[] =
    "Run a sweep: the spec's base config with its fixed overrides (\"set\"), crossed over\n"
    "every combination of \"grid\" values and over \"seeds\" (keys in \"zip\" vary together).\n"
    "\n"
    "  --count          print the number of runs\n"
    "  --list           print one regmnist command line per run, in run order, e.g. for\n"
    "                   `regmnist sweep S --list | parallel -j 2 --joblog sweep.log --resume`\n"
    "  --task-id N      run the Nth run (0-based; Slurm: $SLURM_ARRAY_TASK_ID): skipped when\n"
    "                   its directory holds the finished run, resumed when it holds an\n"
    "                   unfinished one of the same config; exit 75 when another process\n"
    "                   holds its directory (the run is running elsewhere)\n"
    "  --jobs N         run every run here, N processes at a time (default 1), going on past a\n"
    "                   failed run; exit 1 if any failed. A run another process holds (another\n"
    "                   sweep's, a run by hand) is running elsewhere: the others go on, and it is\n"
    "                   waited for, then taken up (skipped when it finished). The runs stop\n"
    "                   (as on SIGTERM, keeping their last epoch) when the sweep dies, even by\n"
    "                   SIGKILL\n"
    "  --threads N      threads per run, a number or auto (= the cores; default: the base\n"
    "                   config's with --task-id, the machine's cores / N with --jobs); results\n"
    "                   do not depend on it\n"
    "  --max-memory SIZE  the most memory one run may need, e.g. 4G (powers of 1024; default:\n"
    "                   the machine's physical memory); with --jobs N each run gets SIZE / N.\n"
    "                   Every run is checked against it before anything runs (exit 2)\n"
    "  --quiet          no progress on stderr\n"
    "\n"
    "Spec (JSON): {\"name\": \"l2_vs_dropout\", \"base\": \"../baseline.json\",\n"
    "  \"set\": {\"training.epochs\": 5}, \"grid\": {\"regularization.l2\": [0, 1e-4],\n"
    "  \"model.dropout\": [0, 0.5]}, \"zip\": {...}, \"seeds\": [1, 2, 3], \"out\": \"runs/l2_vs_dropout\"}\n"
    "base is relative to the spec's directory; out to the working directory (default\n"
    "runs/<name>). Run i's directory is OUT/<key=value,...>/seed<S>; the sweep directory gets\n"
    "sweep.json and index.csv. Runs are numbered with the seeds innermost, then zip, then\n"
    "the grid keys with the last one fastest. A sweep has at most 100000 runs (grid x zip x\n"
    "seeds; more is a usage error, exit 2).\n";

typedef struct {
    char name[128], base[2048], out[1024];
    cJSON *spec;     /* the parsed spec (owns the values below) */
    const cJSON *set; /* object or NULL */
    int nkeys;       /* varied keys: grid keys first, then zip keys */
    const char *key[MAX_KEYS];
    char label[MAX_KEYS][64]; /* short name in directory names */
    const cJSON *values[MAX_KEYS]; /* arrays */
    int nlevels[MAX_KEYS];
    int ngrid;       /* keys [0, ngrid) are crossed; [ngrid, nkeys) are zipped */
    int nzip;        /* levels of the zip group (0 without one) */
    int nseeds;
    double seeds[1024];
    long ncombos, nruns;
} sweep;

/* Object members: no duplicates. */
static int check_unique(const cJSON *obj, const char *path, const char *what, rm_err *e)
{
    for (const cJSON *a = obj->child; a; a = a->next)
        for (const cJSON *b = obj->child; b != a; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                return rm_fail(e, RM_ERR_USAGE, "%s: %s%s: duplicate key", path, what, a->string);
    return RM_OK;
}

/* A value as it appears in directory and run names: numbers short (1e-4, 0.3), arrays joined by x,
 * strings as they are; anything but letters, digits and . _ - + becomes _. */
static void value_label(const cJSON *v, char *buf, size_t n)
{
    char tmp[256] = "";
    if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        if (x == floor(x) && fabs(x) < 1e6) { /* whole numbers as they are: 150, not 1.5e+02 */
            snprintf(tmp, sizeof tmp, "%.0f", x);
        } else if (x != 0 && (fabs(x) < 1e-3 || fabs(x) >= 1e6)) {
            char m[64];
            int ex = 0;
            for (int p = 1; p <= 17; p++) { /* the shortest mantissa that gives x back */
                snprintf(m, sizeof m, "%.*e", p - 1, x);
                if (strtod(m, NULL) == x) break;
            }
            char *ep = strchr(m, 'e');
            ex = atoi(ep + 1);
            *ep = '\0';
            snprintf(tmp, sizeof tmp, "%se%d", m, ex);
        } else {
            for (int p = 1; p <= 17; p++) {
                snprintf(tmp, sizeof tmp, "%.*g", p, x);
                if (strtod(tmp, NULL) == x) break;
            }
        }
    } else if (cJSON_IsString(v)) {
        snprintf(tmp, sizeof tmp, "%s", v->valuestring);
    } else if (cJSON_IsBool(v)) {
        snprintf(tmp, sizeof tmp, "%s", cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsArray(v)) {
        size_t at = 0;
        int i = 0;
        for (const cJSON *it = v->child; it && at < sizeof tmp - 1; it = it->next, i++) {
            char one[64];
            value_label(it, one, sizeof one);
            at += (size_t)snprintf(tmp + at, sizeof tmp - at, "%s%s", i ? "x" : "", one);
        }
        if (i == 0) snprintf(tmp, sizeof tmp, "none");
    } else if (cJSON_IsNull(v)) {
        snprintf(tmp, sizeof tmp, "null");
    } else {
        snprintf(tmp, sizeof tmp, "obj");
    }
    for (char *p = tmp; *p; p++)
        if (!(((unsigned)*p - '0' < 10) || ((unsigned)(*p | 32) - 'a' < 26) || strchr("._-+", *p))) *p = '_';
    snprintf(buf, n, "%s", tmp);
}

/* Keys the sweep sets itself: they may not be in set, grid or zip. */
static int reserved(const char *key, const char *path, const char *group, rm_err *e)
{
    static const char *const OWN[][2] = {{"name", "the spec's name"}, {"seed", "the spec's seeds"},
                                         {"output.dir", "the spec's out"}, {"output", "the spec's out"}};
    for (int i = 0; i < 4; i++)
        if (strcmp(key, OWN[i][0]) == 0)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s.%s: set by the sweep itself (use %s)", path, group, key, OWN[i][1]);
    return RM_OK;
}

/* Parse and check the spec's shape (not yet the configs). */
static int parse_spec(sweep *w, const char *path, rm_err *e)
{
    memset(w, 0, sizeof *w);
    char *text = rm_config_read(path, e);
    if (!text) return e->code;
    w->spec = rm_config_parse_object(text, path, "sweep spec", e);
    free(text);
    if (!w->spec) return e->code;
    if (check_unique(w->spec, path, "", e)) return e->code;
    static const char *const KNOWN[] = {"name", "base", "set", "grid", "zip", "seeds", "out", NULL};
    for (const cJSON *it = w->spec->child; it; it = it->next) {
        int k = 0;
        while (KNOWN[k] && strcmp(KNOWN[k], it->string) != 0) k++;
        if (!KNOWN[k])
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: unknown key (a spec has name, base, set, grid, zip, seeds, out)",
                           path, it->string);
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(w->spec, "name");
    if (v && !cJSON_IsString(v)) return rm_fail(e, RM_ERR_USAGE, "%s: name: expected a string", path);
    const char *b = strrchr(path, '/');
    if (snprintf(w->name, sizeof w->name, "%s", v ? v->valuestring : b ? b + 1 : path) >= (int)sizeof w->name)
        return rm_fail(e, RM_ERR_USAGE, "%s: name: longer than %zu characters", path, sizeof w->name - 1);
    char *dot = v ? NULL : strstr(w->name, ".json"); /* by default the spec's file name without .json */
    if (dot) *dot = '\0';
    v = cJSON_GetObjectItemCaseSensitive(w->spec, "base");
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return rm_fail(e, RM_ERR_USAGE, "%s: base: required, the path of the base config (relative to the spec)", path);
    const char *slash = strrchr(path, '/');
    if (v->valuestring[0] == '/' || !slash)
        snprintf(w->base, sizeof w->base, "%s", v->valuestring);
    else
        snprintf(w->base, sizeof w->base, "%.*s/%s", (int)(slash - path), path, v->valuestring);
    w->set = cJSON_GetObjectItemCaseSensitive(w->spec, "set");
    if (w->set && !cJSON_IsObject(w->set)) return rm_fail(e, RM_ERR_USAGE, "%s: set: expected an object of key.path: value", path);
    if (w->set && check_unique(w->set, path, "set.", e)) return e->code;
    for (const cJSON *it = w->set ? w->set->child : NULL; it; it = it->next)
        if (reserved(it->string, path, "set", e)) return e->code;
    const char *groups[2] = {"grid", "zip"};
    for (int g = 0; g < 2; g++) {
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(w->spec, groups[g]);
        if (!obj) continue;
        if (!cJSON_IsObject(obj))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an object of key.path: [values]", path, groups[g]);
        if (check_unique(obj, path, g ? "zip." : "grid.", e)) return e->code;
        for (const cJSON *it = obj->child; it; it = it->next) {
            if (reserved(it->string, path, groups[g], e)) return e->code;
            int n = cJSON_GetArraySize(it);
            if (!cJSON_IsArray(it) || n == 0)
                return rm_fail(e, RM_ERR_USAGE, "%s: %s.%s: expected a non-empty array of values", path, groups[g],
                               it->string);
            if (n > MAX_LEVELS) return rm_fail(e, RM_ERR_USAGE, "%s: %s.%s: more than %d values", path, groups[g], it->string, MAX_LEVELS);
            if (w->nkeys == MAX_KEYS) return rm_fail(e, RM_ERR_USAGE, "%s: more than %d varied keys", path, MAX_KEYS);
            for (int k = 0; k < w->nkeys; k++)
                if (strcmp(w->key[k], it->string) == 0)
                    return rm_fail(e, RM_ERR_USAGE, "%s: %s.%s: varied twice (grid and zip)", path, groups[g], it->string);
            if (w->set && cJSON_GetObjectItemCaseSensitive(w->set, it->string))
                return rm_fail(e, RM_ERR_USAGE, "%s: %s.%s: also fixed in set", path, groups[g], it->string);
            if (g == 1 && w->nzip && n != w->nzip)
                return rm_fail(e, RM_ERR_USAGE, "%s: zip.%s: %d values, but the zip group has %d", path, it->string, n, w->nzip);
            if (g == 1) w->nzip = n;
            w->key[w->nkeys] = it->string;
            w->values[w->nkeys] = it;
            w->nlevels[w->nkeys++] = n;
        }
        if (g == 0) w->ngrid = w->nkeys;
    }
    v = cJSON_GetObjectItemCaseSensitive(w->spec, "seeds");
    if (v) {
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0 || cJSON_GetArraySize(v) > 1024)
            return rm_fail(e, RM_ERR_USAGE, "%s: seeds: expected an array of 1 to 1024 seeds", path);
        for (const cJSON *it = v->child; it; it = it->next) {
            if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 4294967295.0 ||
                it->valuedouble != floor(it->valuedouble))
                return rm_fail(e, RM_ERR_USAGE, "%s: seeds[%d]: expected a whole number in [0, 4294967295]", path, w->nseeds);
            for (int k = 0; k < w->nseeds; k++)
                if (w->seeds[k] == it->valuedouble)
                    return rm_fail(e, RM_ERR_USAGE, "%s: seeds[%d]: %g given twice", path, w->nseeds, it->valuedouble);
            w->seeds[w->nseeds++] = it->valuedouble;
        }
    } else {
        w->seeds[w->nseeds++] = 1;
    }
    v = cJSON_GetObjectItemCaseSensitive(w->spec, "out");
    if (v && (!cJSON_IsString(v) || !v->valuestring[0])) return rm_fail(e, RM_ERR_USAGE, "%s: out: expected a directory", path);
    if (v)
        snprintf(w->out, sizeof w->out, "%s", v->valuestring);
    else
        snprintf(w->out, sizeof w->out, "runs/%s", w->name);
    /* Labels: the key's last component, or the whole path when two keys share it. */
    for (int k = 0; k < w->nkeys; k++) {
        const char *dot = strrchr(w->key[k], '.');
        const char *shortname = dot ? dot + 1 : w->key[k];
        int clash = 0;
        for (int j = 0; j < w->nkeys; j++) {
            const char *dj = strrchr(w->key[j], '.');
            if (j != k && strcmp(dj ? dj + 1 : w->key[j], shortname) == 0) clash = 1;
        }
        snprintf(w->label[k], sizeof w->label[k], "%s", clash ? w->key[k] : shortname);
    }
    /* The run count, checked against MAX_RUNS factor by factor (16 keys of 256 values would overflow). */
    double total = w->nseeds * (w->nzip ? (double)w->nzip : 1.0);
    for (int k = 0; k < w->ngrid; k++) total *= w->nlevels[k];
    if (total > MAX_RUNS)
        return rm_fail(e, RM_ERR_USAGE, "%s: %.*g runs (grid x zip x seeds), more than the limit of %d runs per sweep",
                       path, total < 1e15 ? 15 : 3, total, MAX_RUNS);
    w->ncombos = (long)(total / w->nseeds);
    w->nruns = (long)total;
    return RM_OK;
}

/* The level of each varied key in run i, and its seed index. */
static void decode(const sweep *w, long i, int level[MAX_KEYS], int *seed)
{
    *seed = (int)(i % w->nseeds);
    long c = i / w->nseeds;
    if (w->nzip) {
        for (int k = w->ngrid; k < w->nkeys; k++) level[k] = (int)(c % w->nzip);
        c /= w->nzip;
    }
    for (int k = w->ngrid - 1; k >= 0; k--) {
        level[k] = (int)(c % w->nlevels[k]);
        c /= w->nlevels[k];
    }
}

/* "l2=1e-4,dropout=0.3" for run i's varied values ("base" when nothing varies). */
static void varied_label(const sweep *w, const int level[MAX_KEYS], char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; k < w->nkeys && at < n; k++) {
        char v[128];
        value_label(cJSON_GetArrayItem(w->values[k], level[k]), v, sizeof v);
        at += (size_t)snprintf(buf + at, n - at, "%s%s=%s", k ? "," : "", w->label[k], v);
    }
    if (!w->nkeys) snprintf(buf, n, "base");
}

/* Run i's directory, OUT/<varied>/seed<S> (OUT/seed<S> when nothing varies); 0 when it does not fit. */
static int run_dir(const sweep *w, long i, char *dir, size_t dn)
{
    int level[MAX_KEYS], si;
    char varied[1024];
    decode(w, i, level, &si);
    varied_label(w, level, varied, sizeof varied);
    int k = w->nkeys ? snprintf(dir, dn, "%s/%s/seed%.0f", w->out, varied, w->seeds[si])
                     : snprintf(dir, dn, "%s/seed%.0f", w->out, w->seeds[si]);
    return k >= 0 && (size_t)k < dn;
}

/* Build run i's config: base file, set, its varied values, its seed, name and directory. Origins
 * name the spec so that errors say which value caused them. */
static int build_run(const sweep *w, const char *spec_path, long i, rm_config *c, char *dir, size_t dn, rm_err *e)
{
    int level[MAX_KEYS], si;
    decode(w, i, level, &si);
    rm_config_defaults(c);
    if (rm_config_load(c, w->base, e)) return e->code;
    char origin[4600]; /* the spec's path and a key */
    if (w->set)
        for (const cJSON *it = w->set->child; it; it = it->next) {
            snprintf(origin, sizeof origin, "%s: set %s", spec_path, it->string);
            if (rm_config_set_flag(c, origin, it->string, it, e)) return e->code;
        }
    for (int k = 0; k < w->nkeys; k++) {
        snprintf(origin, sizeof origin, "%s: %s %s[%d]", spec_path, k < w->ngrid ? "grid" : "zip", w->key[k], level[k]);
        if (rm_config_set_flag(c, origin, w->key[k], cJSON_GetArrayItem(w->values[k], level[k]), e)) return e->code;
    }
    char varied[1024], name[512];
    varied_label(w, level, varied, sizeof varied);
    snprintf(origin, sizeof origin, "%s: seeds[%d]", spec_path, si);
    cJSON *seed = cJSON_CreateNumber(w->seeds[si]);
    int rc = rm_config_set_flag(c, origin, "seed", seed, e);
    cJSON_Delete(seed);
    if (rc) return rc;
    int k = w->nkeys ? snprintf(name, sizeof name, "%s,%s", w->name, varied) : snprintf(name, sizeof name, "%s", w->name);
    if (k >= (int)sizeof name || !run_dir(w, i, dir, dn)) return rm_fail(e, RM_ERR_USAGE, "%s: run %ld: name or directory too long", spec_path, i);
    snprintf(origin, sizeof origin, "%s: name", spec_path);
    cJSON *nv = cJSON_CreateString(name), *dv = cJSON_CreateString(dir);
    rc = rm_config_set_flag(c, origin, "name", nv, e);
    if (!rc) rc = rm_config_set_flag(c, origin, "output.dir", dv, e);
    cJSON_Delete(nv);
    cJSON_Delete(dv);
    if (rc) return rc;
    return rm_config_validate(c, spec_path, e);
}

typedef struct {
    char *label;
    long combo;
} combo_label;

static int by_label(const void *a, const void *b)
{
    const combo_label *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    return c ? c : (x->combo > y->combo) - (x->combo < y->combo);
}

/* Distinct directories: labels that collapse (e.g. "a b" and "a_b") would share one. Sorted, so
 * that a sweep of MAX_RUNS runs is checked in a moment. */
static int check_dirs(const sweep *w, const char *spec_path, rm_err *e)
{
    combo_label *v = calloc((size_t)w->ncombos, sizeof *v);
    int rc = v ? RM_OK : rm_fail(e, RM_ERR_RUN, "out of memory");
    char buf[1024];
    for (long i = 0; !rc && i < w->ncombos; i++) {
        int level[MAX_KEYS], s;
        decode(w, i * w->nseeds, level, &s);
        varied_label(w, level, buf, sizeof buf);
        v[i].combo = i;
        if (!(v[i].label = strdup(buf))) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
    }
    if (!rc) qsort(v, (size_t)w->ncombos, sizeof *v, by_label);
    for (long i = 1; !rc && i < w->ncombos; i++)
        if (strcmp(v[i - 1].label, v[i].label) == 0)
            rc = rm_fail(e, RM_ERR_USAGE, "%s: runs %ld and %ld would share the directory %s/%s", spec_path,
                         v[i - 1].combo * w->nseeds, v[i].combo * w->nseeds, w->out, v[i].label);
    for (long i = 0; v && i < w->ncombos; i++) free(v[i].label);
    free(v);
    return rc;
}

/* Check every run's config (and, given a memory limit, the rules that need the data and that each
 * run fits in the limit) before anything runs. */
static int check_all(const sweep *w, const char *spec_path, const rm_mem_limit *with_data, rm_err *e)
{
    static rm_config c;
    char dir[2048];
    for (long i = 0; i < w->nruns; i++) {
        if (build_run(w, spec_path, i, &c, dir, sizeof dir, e)) return e->code;
        if (with_data && rm_run_check(&c, with_data, e)) return e->code;
    }
    return check_dirs(w, spec_path, e);
}

/* A word for a POSIX shell: single-quoted unless it is plain. */
static void shell_word(FILE *f, const char *s)
{
    int plain = s[0] != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=,:+@%", *p) != NULL;
    if (plain) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (const char *p = s; *p; p++)
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    fputc('\'', f);
}

/* --set key=JSON for a spec value. */
static void print_set(FILE *f, const char *key, const cJSON *v)
{
    char *t = cJSON_PrintUnformatted(v);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s=%s", key, t ? t : "null");
    cJSON_free(t);
    fputs(" --set ", f);
    shell_word(f, buf);
}

static void list_runs(const sweep *w, const char *bin, const char *spec_path, rm_err *e)
{
    static rm_config c;
    char dir[2048];
    for (long i = 0; i < w->nruns; i++) {
        int level[MAX_KEYS], si;
        decode(w, i, level, &si);
        build_run(w, spec_path, i, &c, dir, sizeof dir, e); /* checked before listing */
        shell_word(stdout, bin);
        fputs(" --config ", stdout);
        shell_word(stdout, w->base);
        if (w->set)
            for (const cJSON *it = w->set->child; it; it = it->next) print_set(stdout, it->string, it);
        for (int k = 0; k < w->nkeys; k++) print_set(stdout, w->key[k], cJSON_GetArrayItem(w->values[k], level[k]));
        cJSON *nv = cJSON_CreateString(c.name);
        print_set(stdout, "name", nv);
        cJSON_Delete(nv);
        printf(" --seed %.0f --out ", w->seeds[si]);
        shell_word(stdout, dir);
        fputs(" --quiet\n", stdout);
    }
}

/* sweep.json (the resolved spec) and index.csv (run, dir, varied values, seed), atomically. */
static int write_index(const sweep *w, rm_err *e)
{
    if (rm_mkdirs(w->out, e)) return e->code;
    char path[2048];
    cJSON *o = cJSON_Duplicate(w->spec, 1);
    if (!o) return rm_fail(e, RM_ERR_RUN, "out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "base");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "name");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "out");
    cJSON_AddStringToObject(o, "name", w->name);
    cJSON_AddStringToObject(o, "base", w->base);
    cJSON_AddStringToObject(o, "out", w->out);
    cJSON_AddNumberToObject(o, "runs", (double)w->nruns);
    cJSON *keys = cJSON_AddArrayToObject(o, "varied");
    for (int k = 0; keys && k < w->nkeys; k++) cJSON_AddItemToArray(keys, cJSON_CreateString(w->key[k]));
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text) return rm_fail(e, RM_ERR_RUN, "out of memory");
    int rc = rm_path_join(path, sizeof path, w->out, "sweep.json", e);
    size_t n = strlen(text);
    text[n] = '\n';
    if (!rc) rc = rm_write_atomic(path, text, n + 1, e);
    cJSON_free(text);
    if (rc) return rc;
    size_t cap = 4096 + (size_t)w->nruns * (256 + 64 * (size_t)w->nkeys), at = 0;
    char *csv = malloc(cap);
    if (!csv) return rm_fail(e, RM_ERR_RUN, "out of memory");
    at += (size_t)snprintf(csv + at, cap - at, "run,dir");
    for (int k = 0; k < w->nkeys; k++) at += (size_t)snprintf(csv + at, cap - at, ",%s", w->key[k]);
    at += (size_t)snprintf(csv + at, cap - at, ",seed\n");
    for (long i = 0; i < w->nruns && at < cap; i++) {
        int level[MAX_KEYS], si;
        char varied[1024];
        decode(w, i, level, &si);
        varied_label(w, level, varied, sizeof varied);
        at += (size_t)snprintf(csv + at, cap - at, "%ld,\"%s/seed%.0f\"", i, varied, w->seeds[si]);
        for (int k = 0; k < w->nkeys; k++) {
            char *t = cJSON_PrintUnformatted(cJSON_GetArrayItem(w->values[k], level[k]));
            at += (size_t)snprintf(csv + at, cap - at, ",\"");
            for (const char *p = t ? t : ""; *p && at + 2 < cap; p++) { /* CSV: quotes doubled */
                if (*p == '"') csv[at++] = '"';
                csv[at++] = *p;
            }
            at += (size_t)snprintf(csv + at, cap - at, "\"");
            cJSON_free(t);
        }
        at += (size_t)snprintf(csv + at, cap - at, ",%.0f\n", w->seeds[si]);
    }
    rc = at >= cap ? rm_fail(e, RM_ERR_RUN, "index.csv: too large") : rm_path_join(path, sizeof path, w->out, "index.csv", e);
    if (!rc) rc = rm_write_atomic(path, csv, at, e);
    free(csv);
    return rc;
}

/* The exit status of `--task-id i` when another process holds run i's lock (sysexits' EX_TEMPFAIL):
 * the run is running elsewhere; try again once it ends. */
#define EXIT_ELSEWHERE 75

/* Lock run directory dir (created if need be) for this process before looking into it, as rm_run
 * will (a process may take its own lock again); the lock lasts until the process exits, so the
 * descriptor is kept open. 0 when taken, -1 when another process holds it, else an error status. */
static int take_lock(const char *dir, rm_err *e)
{
    char path[2200];
    if (rm_mkdirs(dir, e)) return e->code;
    if (snprintf(path, sizeof path, "%s/%s", dir, RM_LOCK_FILE) >= (int)sizeof path)
        return rm_fail(e, RM_ERR_USAGE, "%s: path too long", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return rm_fail(e, RM_ERR_IO, "%s: cannot create the lock file: %s", path, strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) == 0) return 0;
    int err = errno;
    close(fd);
    if (err == EACCES || err == EAGAIN) return -1;
    return rm_fail(e, RM_ERR_IO, "%s: cannot lock: %s", path, strerror(err));
}

/* The process holding run directory dir's lock: its pid (-1 when not known), or 0 when none does. */
static pid_t lock_holder(const char *dir)
{
    char path[2200];
    if (snprintf(path, sizeof path, "%s/%s", dir, RM_LOCK_FILE) >= (int)sizeof path) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0; /* no lock file: no run was ever started there */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    pid_t p = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? (fl.l_pid > 0 ? fl.l_pid : -1) : 0;
    close(fd);
    return p;
}

/* Run i here: skip it when done, resume it when unfinished, else start it; EXIT_ELSEWHERE when
 * another process holds its directory. */
static int run_task(const sweep *w, const char *spec_path, long i, const char *threads, int quiet, int argc,
                    char **argv)
{
    static rm_config c;
    rm_err e = {0};
    char dir[2048];
    if (build_run(w, spec_path, i, &c, dir, sizeof dir, &e)) return rm_cli_fail("sweep", &e);
    if (threads) {
        cJSON *v = strcmp(threads, "auto") ? cJSON_CreateNumber(atoi(threads)) : cJSON_CreateString("auto");
        int rc = rm_config_set_flag(&c, "--threads", "threads", v, &e);
        cJSON_Delete(v);
        if (rc || rm_config_validate(&c, spec_path, &e)) return rm_cli_fail("sweep", &e);
    }
    int held = take_lock(dir, &e);
    if (held > 0) return rm_cli_fail("sweep", &e);
    if (held < 0) {
        fprintf(stderr, "regmnist: sweep: run %ld (%s): running elsewhere (another process holds %s/%s)\n", i, dir, dir,
                RM_LOCK_FILE);
        return EXIT_ELSEWHERE;
    }
    int state = rm_run_dir_state(&c, &e);
    if (state < 0) return rm_cli_fail("sweep", &e);
    if (state == RM_DIR_DONE) {
        if (!quiet) fprintf(stderr, "regmnist: sweep: run %ld (%s): already done\n", i, dir);
        return RM_OK;
    }
    rm_run_opts o = {quiet, 0, 0, argc, argv, NULL, 0};
    if (state == RM_DIR_RESUMABLE) { /* continue with the run's own saved config (its thread count) */
        char cfg[2200];
        snprintf(cfg, sizeof cfg, "%s/config.json", dir);
        rm_config_defaults(&c);
        cJSON *dv = cJSON_CreateString(dir);
        int rc = rm_config_load(&c, cfg, &e);
        if (!rc) rc = rm_config_set_flag(&c, "--resume", "output.dir", dv, &e);
        cJSON_Delete(dv);
        if (rc || rm_config_validate(&c, cfg, &e)) return rm_cli_fail("sweep", &e);
        o.resume = 1;
        if (!quiet) fprintf(stderr, "regmnist: sweep: run %ld (%s): resuming\n", i, dir);
    }
    rm_blas_set_threads(1);
    int rc = rm_run(&c, &o, &e);
    if (rc) fprintf(stderr, "regmnist: sweep: run %ld (%s): %s\n", i, dir, e.msg);
    return rc;
}

static volatile sig_atomic_t g_stop;
static void on_stop(int sig) { g_stop = sig; }

/* Start run i as a child, `regmnist sweep SPEC --task-id i` with args; the child gets SIGTERM
 * (and so stops after its current step, keeping its last epoch) when this process dies. */
static pid_t start_child(const char *self, const char *spec_path, long i, char *const *args)
{
    char id[32];
    snprintf(id, sizeof id, "%ld", i);
    const pid_t parent = getpid();
    pid_t p = fork();
    if (p != 0) return p;
    char *argv[16] = {(char *)self, "sweep", (char *)spec_path, "--task-id", id};
    int k = 5;
    for (int j = 0; args[j] && k < 15; j++) argv[k++] = args[j];
    argv[k] = NULL;
    /* PR_SET_PDEATHSIG holds across exec; a parent that died before it was set shows as a new ppid */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(128 + SIGTERM);
    execv(self, argv);
    _exit(127);
}

/* Wait a quarter of a second (less when a signal comes). */
static void nap(void)
{
    struct timespec ts = {0, 250 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Why run i (in dir) failed, from what the child left: its summary.json, when it wrote one after
 * started, or its exit status and the error it printed above. */
static void report_failure(long i, const char *dir, int status, time_t started, int tty)
{
    char path[2200];
    struct stat st;
    int fresh = snprintf(path, sizeof path, "%s/summary.json", dir) < (int)sizeof path && stat(path, &st) == 0 &&
                st.st_mtime >= started;
    const char *clear = tty ? "\r\033[K" : "";
    if (WIFSIGNALED(status))
        fprintf(stderr, "%sregmnist: sweep: run %ld (%s) was killed by signal %d (%s)%s\n", clear, i, dir,
                WTERMSIG(status), strsignal(WTERMSIG(status)), fresh ? "; see its summary.json" : ", before writing summary.json");
    else if (fresh)
        fprintf(stderr, "%sregmnist: sweep: run %ld (%s) failed (exit %d); see its summary.json\n", clear, i, dir,
                WEXITSTATUS(status));
    else
        fprintf(stderr, "%sregmnist: sweep: run %ld (%s) failed (exit %d) before writing summary.json (its error is above)\n",
                clear, i, dir, WEXITSTATUS(status));
}

/* Run every run as a child process (`regmnist sweep SPEC --task-id i`), jobs at a time. A run whose
 * directory another process holds (another sweep's, or a run by hand) is running elsewhere: it
 * waits, while the others go on, until that process ends, then its task takes it up (skipped when
 * it finished, resumed when it was interrupted). */
static int run_all(const sweep *w, const char *spec_path, int jobs, char *const *args, int quiet)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return fprintf(stderr, "regmnist: sweep: cannot find the regmnist binary (/proc/self/exe)\n"), RM_ERR_IO;
    self[n] = '\0';
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    pid_t *pid = calloc((size_t)jobs, sizeof *pid);
    long *task = calloc((size_t)jobs, sizeof *task);
    time_t *since = calloc((size_t)jobs, sizeof *since);
    long *waiting = calloc((size_t)w->nruns, sizeof *waiting); /* runs running elsewhere, in order */
    if (!pid || !task || !since || !waiting) {
        free(pid);
        free(task);
        free(since);
        free(waiting);
        return fprintf(stderr, "regmnist: sweep: out of memory\n"), RM_ERR_RUN;
    }
    long next = 0, done = 0, failed = 0, nwait = 0;
    int running = 0, tty = isatty(fileno(stderr)) && !quiet;
    const double t0 = rm_now();
    char dir[2048];
    int stopping = 0;
    while ((next < w->nruns || nwait > 0 || running > 0) && !(g_stop && running == 0)) {
        int changed = 0;
        if (g_stop && !stopping) {
            stopping = 1;
            for (int k = 0; k < jobs; k++)
                if (pid[k]) kill(pid[k], SIGTERM); /* each run keeps its last epoch and stops */
        }
        while (running < jobs && !g_stop) {
            long i = -1;
            if (next < w->nruns) { /* the next run in order, unless it is running elsewhere */
                i = next++;
                pid_t holder = run_dir(w, i, dir, sizeof dir) ? lock_holder(dir) : 0;
                if (holder) {
                    waiting[nwait++] = i;
                    changed = 1;
                    char who[64] = "another process";
                    if (holder > 0) snprintf(who, sizeof who, "process %ld", (long)holder);
                    if (!quiet)
                        fprintf(stderr, "%sregmnist: sweep: run %ld (%s): running elsewhere (%s holds it); waiting for it\n",
                                tty ? "\r\033[K" : "", i, dir, who);
                    continue;
                }
            } else { /* then a waiting run whose directory is free now */
                for (long k = 0; k < nwait && i < 0; k++)
                    if (run_dir(w, waiting[k], dir, sizeof dir) && !lock_holder(dir)) {
                        i = waiting[k];
                        memmove(waiting + k, waiting + k + 1, (size_t)(nwait - k - 1) * sizeof *waiting);
                        nwait--;
                    }
                if (i < 0) break;
            }
            int slot = 0;
            while (pid[slot]) slot++;
            since[slot] = time(NULL);
            pid_t p = start_child(self, spec_path, i, args);
            if (p < 0) {
                fprintf(stderr, "regmnist: sweep: cannot start run %ld: %s\n", i, strerror(errno));
                failed++;
                continue;
            }
            pid[slot] = p;
            task[slot] = i;
            running++;
        }
        /* Block for a child, except while runs wait for other processes: then look again soon. */
        int status;
        pid_t p = running > 0 ? waitpid(-1, &status, nwait > 0 && running < jobs ? WNOHANG : 0) : 0;
        if (p < 0 && errno == EINTR) continue;
        if (p < 0) break;
        if (p == 0 && !changed) {
            nap();
            continue;
        }
        for (int k = 0; p > 0 && k < jobs; k++)
            if (pid[k] == p) {
                pid[k] = 0;
                running--;
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                    done++;
                } else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_ELSEWHERE) {
                    waiting[nwait++] = task[k]; /* taken by another process since we looked */
                } else if (!g_stop) {
                    failed++;
                    if (run_dir(w, task[k], dir, sizeof dir)) report_failure(task[k], dir, status, since[k], tty);
                }
            }
        if (!quiet) {
            long fin = done + failed;
            double el = rm_now() - t0, eta = fin ? el / (double)fin * (double)(w->nruns - fin) : 0;
            fprintf(stderr, "%ssweep %s: %ld done, %ld failed, %d running, %ld waiting, %ld total, ETA %.0f s%s",
                    tty ? "\r\033[K" : "", w->name, done, failed, running, nwait, w->nruns, eta, tty ? "" : "\n");
        }
    }
    if (tty) fputc('\n', stderr);
    free(pid);
    free(task);
    free(since);
    free(waiting);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (g_stop) {
        fprintf(stderr, "regmnist: sweep: interrupted; run it again to resume (%ld done)\n", done);
        return 128 + g_stop;
    }
    if (failed) {
        fprintf(stderr, "regmnist: sweep: %ld of %ld runs failed\n", failed, w->nruns);
        return RM_ERR_RUN;
    }
    if (!quiet) fprintf(stderr, "regmnist: sweep: %s: %ld runs done in %.1f s\n", w->out, w->nruns, rm_now() - t0);
    return RM_OK;
}

static int whole(const char *flag, const char *s, long lo, long hi, long *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
        return rm_cli_usage_error("sweep", "%s: expected a whole decimal number", flag);
    *out = atol(s);
    if (*out < lo || *out > hi) return rm_cli_usage_error("sweep", "%s: out of range", flag);
    return RM_OK;
}

int rm_cli_sweep(int argc, char **argv)
{
    const char *spec_path = NULL, *threads = NULL, *max_memory = NULL;
    int list = 0, count = 0, quiet = 0;
    long task = -1, jobs = 0, nthreads = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s\n%s", rm_cli_usage, HELP);
            return RM_OK;
        } else if (!strcmp(a, "--list")) {
            list = 1;
        } else if (!strcmp(a, "--count")) {
            count = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--task-id") || !strcmp(a, "--jobs") || !strcmp(a, "--threads") ||
                   !strcmp(a, "--max-memory")) {
            if (i + 1 >= argc) return rm_cli_usage_error("sweep", "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--max-memory")) max_memory = v;
            if (!strcmp(a, "--task-id") && whole(a, v, 0, MAX_RUNS, &task)) return RM_ERR_USAGE;
            if (!strcmp(a, "--jobs") && whole(a, v, 1, 256, &jobs)) return RM_ERR_USAGE;
            if (!strcmp(a, "--threads")) {
                if (!strcmp(v, "auto"))
                    nthreads = rm_cores_online();
                else if (whole(a, v, 1, 64, &nthreads))
                    return RM_ERR_USAGE;
                threads = v;
            }
        } else if (a[0] == '-' || spec_path) {
            return rm_cli_usage_error("sweep", "unknown argument '%s'", a);
        } else {
            spec_path = a;
        }
    }
    if (!spec_path) return rm_cli_usage_error("sweep", "%s", "SPEC is required");
    if (list + count + (task >= 0) + (jobs > 0) > 1)
        return rm_cli_usage_error("sweep", "%s", "give one of --list, --count, --task-id, --jobs");
    static sweep w;
    rm_err e = {0};
    rm_mem_limit limit; /* for each run: with --jobs N, an Nth */
    rm_mem_limit_default(&limit);
    if (max_memory && rm_mem_limit_parse(&limit, "--max-memory", max_memory, &e)) return rm_cli_fail("sweep", &e);
    if (jobs > 1) {
        limit.bytes = floor(limit.bytes / (double)jobs);
        snprintf(limit.what, sizeof limit.what, "%s / --jobs %ld", max_memory ? "--max-memory" : "the machine's memory", jobs);
    }
    static char found[4200];
    if (rm_config_find(spec_path, "sweeps", found, sizeof found, &e)) return rm_cli_fail("sweep", &e);
    spec_path = found;
    int rc = parse_spec(&w, spec_path, &e);
    if (!rc) rc = check_all(&w, spec_path, count ? NULL : &limit, &e); /* --count checks the configs, not the data */
    if (rc) {
        cJSON_Delete(w.spec);
        return rm_cli_fail("sweep", &e);
    }
    if (count) {
        printf("%ld\n", w.nruns);
    } else if (list) {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = '\0';
        list_runs(&w, n > 0 ? self : argv[0], spec_path, &e);
    } else if (task >= 0) {
        if (task >= w.nruns) {
            e.code = RM_ERR_USAGE;
            snprintf(e.msg, sizeof e.msg, "--task-id %ld: the sweep has %ld runs (0 to %ld)", task, w.nruns, w.nruns - 1);
            rc = rm_cli_fail("sweep", &e);
        } else {
            rc = write_index(&w, &e) ? rm_cli_fail("sweep", &e)
                                     : run_task(&w, spec_path, task, threads, quiet, argc, argv);
        }
    } else {
        if (jobs == 0) jobs = 1;
        const long cores = rm_cores_online();
        if (!nthreads) nthreads = cores / jobs > 1 ? cores / jobs : 1;
        char tbuf[16], mbuf[32];
        snprintf(tbuf, sizeof tbuf, "%ld", nthreads);
        snprintf(mbuf, sizeof mbuf, "%.0f", limit.bytes);
        char *args[] = {"--threads", tbuf, "--quiet", "--max-memory", mbuf, NULL};
        if (!isfinite(limit.bytes)) args[3] = NULL; /* no physical memory known: no limit */
        rc = write_index(&w, &e) ? rm_cli_fail("sweep", &e) : run_all(&w, spec_path, (int)jobs, args, quiet);
    }
    cJSON_Delete(w.spec);
    return rc;
}
