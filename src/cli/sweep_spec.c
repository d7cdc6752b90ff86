/* sweep_spec.c - a sweep's spec and its runs: the spec parsed and checked, run i's levels, directory
 * and config, the check of every run, the --list command lines and the sweep's sweep.json and
 * index.csv (declared in sweep.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sweep.h"

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

/* Read the spec at path into w->spec: a JSON object of known keys, none twice. */
static int spec_read(sweep *w, const char *path, rm_err *e)
{
    char *text = rm_config_read(path, e);
    if (!text) return e->code;
    w->spec = rm_config_parse_object(text, path, "sweep spec", e);
    free(text);
    if (!w->spec) return e->code;
    if (check_unique(w->spec, path, "", e)) return e->code;
    static const char *const KNOWN[] = {"name", "base", "set", "grid", "zip", "sample", "trials", "sample_seed",
                                        "seeds", "out", "prune", NULL};
    for (const cJSON *it = w->spec->child; it; it = it->next) {
        int k = 0;
        while (KNOWN[k] && strcmp(KNOWN[k], it->string) != 0) k++;
        if (!KNOWN[k])
            return rm_fail(e, RM_ERR_USAGE,
                           "%s: %s: unknown key (a spec has name, base, set, grid, zip, sample, trials, sample_seed, "
                           "seeds, out, prune)",
                           path, it->string);
    }
    return RM_OK;
}

/* name (by default the spec's file name without .json) and base (relative to the spec's directory). */
static int spec_name_base(sweep *w, const char *path, rm_err *e)
{
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
    return RM_OK;
}

/* set: an object of fixed overrides, none of the sweep's own keys. */
static int spec_set(sweep *w, const char *path, rm_err *e)
{
    w->set = cJSON_GetObjectItemCaseSensitive(w->spec, "set");
    if (w->set && !cJSON_IsObject(w->set)) return rm_fail(e, RM_ERR_USAGE, "%s: set: expected an object of key.path: value", path);
    if (w->set && check_unique(w->set, path, "set.", e)) return e->code;
    for (const cJSON *it = w->set ? w->set->child : NULL; it; it = it->next)
        if (reserved(it->string, path, "set", e)) return e->code;
    return RM_OK;
}

/* The varied keys of group g (0: grid, crossed; 1: zip, all of one length), appended to w->key; a
 * generator ({"linspace": ...}) becomes its values, and itself goes to generated. */
static int spec_group(sweep *w, const char *path, int g, cJSON *generated, rm_err *e)
{
    const char *groups[2] = {"grid", "zip"};
    cJSON *obj = cJSON_GetObjectItemCaseSensitive(w->spec, groups[g]);
    if (!obj) return RM_OK;
    if (!cJSON_IsObject(obj))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an object of key.path: [values]", path, groups[g]);
    if (check_unique(obj, path, g ? "zip." : "grid.", e)) return e->code;
    for (cJSON *it = obj->child; it; it = it->next) {
        if (reserved(it->string, path, groups[g], e)) return e->code;
        if (!(it = rm_sweep_resolve(obj, it, groups[g], generated, path, e))) return e->code;
        int n = cJSON_GetArraySize(it);
        if (!cJSON_IsArray(it) || n == 0)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s.%s: expected a non-empty array of values or a generator", path,
                           groups[g], it->string);
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
    return RM_OK;
}

/* sample, trials and sample_seed; a sampled key is none of the sweep's own, and not also in set, grid
 * or zip. */
static int spec_sample(sweep *w, const char *path, rm_err *e)
{
    const cJSON *smp = cJSON_GetObjectItemCaseSensitive(w->spec, "sample");
    if (cJSON_IsObject(smp) && check_unique(smp, path, "sample.", e)) return e->code;
    if (rm_sweep_parse_sample(w, path, e)) return e->code;
    for (int s = 0; s < w->nsample; s++) {
        if (reserved(w->skey[s], path, "sample", e)) return e->code;
        for (int k = 0; k < w->nkeys; k++)
            if (strcmp(w->key[k], w->skey[s]) == 0)
                return rm_fail(e, RM_ERR_USAGE, "%s: sample.%s: also varied in %s", path, w->skey[s],
                               k < w->ngrid ? "grid" : "zip");
        if (w->set && cJSON_GetObjectItemCaseSensitive(w->set, w->skey[s]))
            return rm_fail(e, RM_ERR_USAGE, "%s: sample.%s: also fixed in set", path, w->skey[s]);
    }
    return RM_OK;
}

/* seeds (distinct whole numbers; by default 1) and out (by default runs/<name>). */
static int spec_seeds_out(sweep *w, const char *path, rm_err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(w->spec, "seeds");
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
    return RM_OK;
}

/* Labels: the key's last component, or the whole path when two keys share it. */
static void key_labels(sweep *w)
{
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
}

/* The run count, checked against MAX_RUNS factor by factor (16 keys of 256 values would overflow). */
static int run_count(sweep *w, const char *path, rm_err *e)
{
    double total = w->nseeds * (w->nzip ? (double)w->nzip : 1.0) * (w->ntrials ? (double)w->ntrials : 1.0);
    for (int k = 0; k < w->ngrid; k++) total *= w->nlevels[k];
    if (total > MAX_RUNS)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: %.*g runs (grid x zip x trials x seeds), more than the limit of %d runs per sweep", path,
                       total < 1e15 ? 15 : 3, total, MAX_RUNS);
    w->ncombos = (long)(total / w->nseeds);
    w->nruns = (long)total;
    return RM_OK;
}

/* Parse and check the spec's shape (not yet the configs). */
int rm_sweep_parse(sweep *w, const char *path, rm_err *e)
{
    memset(w, 0, sizeof *w);
    if (spec_read(w, path, e) || spec_name_base(w, path, e) || spec_set(w, path, e)) return e->code;
    /* the generators as written, kept for sweep.json; w->spec owns them */
    cJSON *generated = cJSON_AddObjectToObject(w->spec, "generated");
    if (!generated) return rm_fail(e, RM_ERR_RUN, "out of memory");
    if (spec_group(w, path, 0, generated, e) || spec_group(w, path, 1, generated, e) || spec_sample(w, path, e) ||
        spec_seeds_out(w, path, e) || rm_sweep_parse_prune(w, path, e))
        return e->code;
    if (!generated->child) cJSON_DeleteItemFromObjectCaseSensitive(w->spec, "generated");
    key_labels(w);
    return run_count(w, path, e);
}

/* Where run i is: the level of each varied key, its trial (0 without sample) and its seed index. */
typedef struct {
    int level[MAX_KEYS];
    long trial;
    int seed;
} run_pos;

/* Run i's position: the seeds innermost, then the trials, then zip, then the grid keys. */
static void decode(const sweep *w, long i, run_pos *p)
{
    int *level = p->level;
    p->seed = (int)(i % w->nseeds);
    long c = i / w->nseeds;
    p->trial = w->ntrials ? c % w->ntrials : 0;
    if (w->ntrials) c /= w->ntrials;
    if (w->nzip) {
        for (int k = w->ngrid; k < w->nkeys; k++) level[k] = (int)(c % w->nzip);
        c /= w->nzip;
    }
    for (int k = w->ngrid - 1; k >= 0; k--) {
        level[k] = (int)(c % w->nlevels[k]);
        c /= w->nlevels[k];
    }
}

/* "l2=1e-4,dropout=0.3" for run i's varied values, then its trial ("trial007"; "base" when nothing
 * varies). */
static void varied_label(const sweep *w, const run_pos *p, char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; k < w->nkeys && at < n; k++) {
        char v[128];
        value_label(cJSON_GetArrayItem(w->values[k], p->level[k]), v, sizeof v);
        at += (size_t)snprintf(buf + at, n - at, "%s%s=%s", k ? "," : "", w->label[k], v);
    }
    if (w->ntrials && at < n) snprintf(buf + at, n - at, "%strial%03ld", w->nkeys ? "," : "", p->trial);
    if (!w->nkeys && !w->ntrials) snprintf(buf, n, "base");
}

/* Run i's directory, OUT/<varied>/seed<S> (OUT/seed<S> when nothing varies); 0 when it does not fit. */
int rm_sweep_run_dir(const sweep *w, long i, char *dir, size_t dn)
{
    run_pos p;
    char varied[1024];
    decode(w, i, &p);
    varied_label(w, &p, varied, sizeof varied);
    int k = w->nkeys || w->ntrials ? snprintf(dir, dn, "%s/%s/seed%.0f", w->out, varied, w->seeds[p.seed])
                                   : snprintf(dir, dn, "%s/seed%.0f", w->out, w->seeds[p.seed]);
    return k >= 0 && (size_t)k < dn;
}

/* Apply the spec's set, run p's grid and zip values and its trial's draws to c; origins name the
 * spec and the value. */
static int apply_values(const sweep *w, const char *spec_path, const run_pos *p, rm_config *c, rm_err *e)
{
    char origin[4600]; /* the spec's path and a key */
    if (w->set)
        for (const cJSON *it = w->set->child; it; it = it->next) {
            snprintf(origin, sizeof origin, "%s: set %s", spec_path, it->string);
            if (rm_config_set_flag(c, origin, it->string, it, e)) return e->code;
        }
    for (int k = 0; k < w->nkeys; k++) {
        snprintf(origin, sizeof origin, "%s: %s %s[%d]", spec_path, k < w->ngrid ? "grid" : "zip", w->key[k], p->level[k]);
        if (rm_config_set_flag(c, origin, w->key[k], cJSON_GetArrayItem(w->values[k], p->level[k]), e)) return e->code;
    }
    for (int s = 0; s < w->nsample; s++) {
        snprintf(origin, sizeof origin, "%s: sample %s (trial %ld)", spec_path, w->skey[s], p->trial);
        cJSON *v = rm_sweep_draw(w, p->trial, s);
        int rc = v ? rm_config_set_flag(c, origin, w->skey[s], v, e) : rm_fail(e, RM_ERR_RUN, "out of memory");
        cJSON_Delete(v);
        if (rc) return rc;
    }
    return RM_OK;
}

/* Build run i's config: base file, set, its varied values, its seed, name, directory and --threads.
 * Origins name the spec so that errors say which value caused them. */
int rm_sweep_build_run(const sweep *w, const char *spec_path, long i, rm_config *c, char *dir, size_t dn, rm_err *e)
{
    run_pos p;
    decode(w, i, &p);
    rm_config_defaults(c);
    if (rm_config_load(c, w->base, e) || apply_values(w, spec_path, &p, c, e)) return e->code;
    char origin[4600], varied[1024], name[512];
    varied_label(w, &p, varied, sizeof varied);
    snprintf(origin, sizeof origin, "%s: seeds[%d]", spec_path, p.seed);
    cJSON *seed = cJSON_CreateNumber(w->seeds[p.seed]);
    int rc = rm_config_set_flag(c, origin, "seed", seed, e);
    cJSON_Delete(seed);
    if (rc) return rc;
    int k = w->nkeys || w->ntrials ? snprintf(name, sizeof name, "%s,%s", w->name, varied)
                                   : snprintf(name, sizeof name, "%s", w->name);
    if (k >= (int)sizeof name || !rm_sweep_run_dir(w, i, dir, dn)) return rm_fail(e, RM_ERR_USAGE, "%s: run %ld: name or directory too long", spec_path, i);
    snprintf(origin, sizeof origin, "%s: name", spec_path);
    cJSON *nv = cJSON_CreateString(name), *dv = cJSON_CreateString(dir), *tv = NULL;
    if (w->threads) tv = strcmp(w->threads, "auto") ? cJSON_CreateNumber(atoi(w->threads)) : cJSON_CreateString("auto");
    rc = rm_config_set_flag(c, origin, "name", nv, e);
    if (!rc) rc = rm_config_set_flag(c, origin, "output.dir", dv, e);
    if (!rc && w->threads) rc = rm_config_set_flag(c, "--threads", "threads", tv, e); /* before "auto" is resolved */
    cJSON_Delete(nv);
    cJSON_Delete(dv);
    cJSON_Delete(tv);
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
        run_pos p;
        decode(w, i * w->nseeds, &p);
        varied_label(w, &p, buf, sizeof buf);
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
int rm_sweep_check_all(const sweep *w, const char *spec_path, const rm_mem_limit *with_data, rm_err *e)
{
    static rm_config c;
    char dir[2048];
    for (long i = 0; i < w->nruns; i++) {
        if (rm_sweep_build_run(w, spec_path, i, &c, dir, sizeof dir, e)) return e->code;
        if (rm_sweep_prune_check_run(w, &c, spec_path, i, e)) return e->code;
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

/* "key=JSON" for a spec value (malloc'd; NULL when out of memory). */
static char *set_text(const char *key, const cJSON *v)
{
    cJSON *x = rm_sweep_exact(v);
    char *t = x ? cJSON_PrintUnformatted(x) : NULL;
    cJSON_Delete(x);
    size_t n = strlen(key) + (t ? strlen(t) : 4) + 2;
    char *out = t ? malloc(n) : NULL;
    if (out) snprintf(out, n, "%s=%s", key, t);
    cJSON_free(t);
    return out;
}

void rm_sweep_free_sets(char **sets, int n)
{
    for (int k = 0; sets && k < n; k++) free(sets[k]);
    free(sets);
}

int rm_sweep_run_sets(const sweep *w, long i, const char *name, char ***sets, int *n, rm_err *e)
{
    run_pos p;
    decode(w, i, &p);
    int cap = 1 + w->nkeys + w->nsample + (w->set ? cJSON_GetArraySize(w->set) : 0);
    char **out = calloc((size_t)cap, sizeof *out);
    int k = 0, bad = out == NULL;
    for (const cJSON *it = w->set ? w->set->child : NULL; !bad && it; it = it->next) bad = !(out[k++] = set_text(it->string, it));
    for (int j = 0; !bad && j < w->nkeys; j++)
        bad = !(out[k++] = set_text(w->key[j], cJSON_GetArrayItem(w->values[j], p.level[j])));
    for (int j = 0; !bad && j < w->nsample; j++) {
        cJSON *v = rm_sweep_draw(w, p.trial, j);
        bad = !v || !(out[k++] = set_text(w->skey[j], v));
        cJSON_Delete(v);
    }
    cJSON *nv = bad || !name ? NULL : cJSON_CreateString(name);
    bad = bad || (name && (!nv || !(out[k++] = set_text("name", nv))));
    cJSON_Delete(nv);
    if (bad) {
        rm_sweep_free_sets(out, k);
        return rm_fail(e, RM_ERR_RUN, "out of memory");
    }
    *sets = out;
    *n = k;
    return RM_OK;
}

void rm_sweep_print_args(FILE *f, const sweep *w, char **sets, int n)
{
    fputs("--config ", f);
    shell_word(f, w->base);
    for (int k = 0; k < n; k++) {
        fputs(" --set ", f);
        shell_word(f, sets[k]);
    }
}

/* Print one regmnist command line (binary bin) per run on stdout, in run order (the runs are checked). */
void rm_sweep_list(const sweep *w, const char *bin, const char *spec_path, rm_err *e)
{
    static rm_config c;
    char dir[2048];
    for (long i = 0; i < w->nruns; i++) {
        run_pos p;
        decode(w, i, &p);
        char **sets;
        int n;
        if (rm_sweep_build_run(w, spec_path, i, &c, dir, sizeof dir, e) || /* checked before listing */
            rm_sweep_run_sets(w, i, c.name, &sets, &n, e))
            return;
        shell_word(stdout, bin);
        fputc(' ', stdout);
        rm_sweep_print_args(stdout, w, sets, n);
        rm_sweep_free_sets(sets, n);
        printf(" --seed %.0f --out ", w->seeds[p.seed]);
        shell_word(stdout, dir);
        fputs(" --quiet\n", stdout);
    }
}

/* sweep.json: the spec as resolved (generators as their values, the generators themselves under
 * "generated"), with the run count, the varied and sampled keys and each trial's draws ("samples"). */
static int write_json(const sweep *w, rm_err *e)
{
    char path[2048];
    cJSON *o = rm_sweep_exact(w->spec);
    if (!o) return rm_fail(e, RM_ERR_RUN, "out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "base");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "name");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "out");
    cJSON_AddStringToObject(o, "name", w->name);
    cJSON_AddStringToObject(o, "base", w->base);
    cJSON_AddStringToObject(o, "out", w->out);
    cJSON_AddNumberToObject(o, "runs", (double)w->nruns); /* whole numbers print exactly */
    cJSON *rungs = w->prune.on ? cJSON_AddArrayToObject(o, "rungs") : NULL; /* each rung's epochs */
    for (int r = 0; rungs && r < w->prune.nrungs; r++) cJSON_AddItemToArray(rungs, cJSON_CreateNumber(w->prune.epochs[r]));
    cJSON *keys = cJSON_AddArrayToObject(o, "varied");
    for (int k = 0; keys && k < w->nkeys; k++) cJSON_AddItemToArray(keys, cJSON_CreateString(w->key[k]));
    for (int s = 0; keys && s < w->nsample; s++) cJSON_AddItemToArray(keys, cJSON_CreateString(w->skey[s]));
    if (w->ntrials) {
        if (!cJSON_HasObjectItem(o, "sample_seed")) cJSON_AddNumberToObject(o, "sample_seed", (double)w->sample_seed);
        cJSON *all = cJSON_AddArrayToObject(o, "samples"); /* trial t's values, in trial order */
        for (long t = 0; all && t < w->ntrials; t++) {
            cJSON *one = cJSON_CreateObject();
            for (int s = 0; one && s < w->nsample; s++) {
                cJSON *v = rm_sweep_draw(w, t, s);
                cJSON_AddItemToObject(one, w->skey[s], rm_sweep_exact(v));
                cJSON_Delete(v);
            }
            cJSON_AddItemToArray(all, one);
        }
    }
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text) return rm_fail(e, RM_ERR_RUN, "out of memory");
    int rc = rm_path_join(path, sizeof path, w->out, "sweep.json", e);
    size_t n = strlen(text);
    text[n] = '\n';
    if (!rc) rc = rm_write_atomic(path, text, n + 1, e);
    cJSON_free(text);
    return rc;
}

/* ,"v" for a value in index.csv: its JSON, quoted, quotes doubled; at advanced (not past cap). */
static void csv_value(const cJSON *v, char *csv, size_t cap, size_t *at)
{
    cJSON *x = rm_sweep_exact(v);
    char *t = x ? cJSON_PrintUnformatted(x) : NULL;
    cJSON_Delete(x);
    *at += (size_t)snprintf(csv + *at, cap - *at, ",\"");
    for (const char *p = t ? t : ""; *p && *at + 2 < cap; p++) {
        if (*p == '"') csv[(*at)++] = '"';
        csv[(*at)++] = *p;
    }
    if (*at < cap) *at += (size_t)snprintf(csv + *at, cap - *at, "\"");
    cJSON_free(t);
}

/* sweep.json (the resolved spec) and index.csv (run, dir, varied values, trial and its draws, seed),
 * atomically. */
int rm_sweep_write_index(const sweep *w, rm_err *e)
{
    if (rm_mkdirs(w->out, e) || write_json(w, e)) return e->code;
    char path[2048];
    size_t cap = 4096 + (size_t)w->nruns * (256 + 64 * (size_t)(w->nkeys + w->nsample)), at = 0;
    char *csv = malloc(cap);
    if (!csv) return rm_fail(e, RM_ERR_RUN, "out of memory");
    at += (size_t)snprintf(csv + at, cap - at, "run,dir");
    for (int k = 0; k < w->nkeys; k++) at += (size_t)snprintf(csv + at, cap - at, ",%s", w->key[k]);
    if (w->ntrials) at += (size_t)snprintf(csv + at, cap - at, ",trial");
    for (int s = 0; s < w->nsample; s++) at += (size_t)snprintf(csv + at, cap - at, ",%s", w->skey[s]);
    at += (size_t)snprintf(csv + at, cap - at, ",seed\n");
    for (long i = 0; i < w->nruns && at < cap; i++) {
        run_pos p;
        char varied[1024];
        decode(w, i, &p);
        varied_label(w, &p, varied, sizeof varied);
        at += (size_t)snprintf(csv + at, cap - at, "%ld,\"%s/seed%.0f\"", i, varied, w->seeds[p.seed]);
        for (int k = 0; k < w->nkeys && at < cap; k++) csv_value(cJSON_GetArrayItem(w->values[k], p.level[k]), csv, cap, &at);
        if (w->ntrials && at < cap) at += (size_t)snprintf(csv + at, cap - at, ",%ld", p.trial);
        for (int s = 0; s < w->nsample && at < cap; s++) {
            cJSON *v = rm_sweep_draw(w, p.trial, s);
            csv_value(v, csv, cap, &at);
            cJSON_Delete(v);
        }
        if (at < cap) at += (size_t)snprintf(csv + at, cap - at, ",%.0f\n", w->seeds[p.seed]);
    }
    int rc = at >= cap ? rm_fail(e, RM_ERR_RUN, "index.csv: too large") : rm_path_join(path, sizeof path, w->out, "index.csv", e);
    if (!rc) rc = rm_write_atomic(path, csv, at, e);
    free(csv);
    return rc;
}
