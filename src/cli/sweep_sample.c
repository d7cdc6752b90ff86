/* sweep_sample.c - a sweep's generated values and random search: grid and zip value generators
 * (linspace, logspace, values) resolved to plain arrays, the spec's sample, trials and sample_seed,
 * and trial k's draw of a sampled key, a pure function of (sample_seed, k, the key's name) so that
 * no run order can change it, and values printed exactly (declared in sweep.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rm_rng.h"
#include "rm_stats.h"
#include "sweep.h"

/* The one member of a generator or distribution object (what: "generator" or "distribution",
 * names: the known ones, for the message); NULL with the error set when there is not exactly one
 * known member. */
static const cJSON *one_member(const cJSON *o, const char *path, const char *where, const char *what,
                               const char *const *names, const char *list, rm_err *e)
{
    if (!o->child) {
        rm_fail(e, RM_ERR_USAGE, "%s: %s: empty object (expected one %s: %s)", path, where, what, list);
        return NULL;
    }
    int k = 0;
    while (names[k] && strcmp(names[k], o->child->string) != 0) k++;
    if (!names[k]) {
        rm_fail(e, RM_ERR_USAGE, "%s: %s: unknown %s \"%s\" (%s)", path, where, what, o->child->string, list);
        return NULL;
    }
    if (o->child->next) {
        rm_fail(e, RM_ERR_USAGE, "%s: %s: extra key \"%s\" (one %s per key: %s)", path, where, o->child->next->string, what,
                list);
        return NULL;
    }
    return o->child;
}

/* v as the shortest text that reads back as v, in buf (for messages). */
static const char *num(double v, char buf[40])
{
    rm_shortest_g(v, buf, 40);
    return buf;
}

/* args, an array of two finite numbers [a, b] with a <= b, into *a and *b. */
static int two_bounds(const cJSON *args, const char *path, const char *where, double *a, double *b, rm_err *e)
{
    if (!cJSON_IsArray(args) || cJSON_GetArraySize(args) != 2 || !cJSON_IsNumber(args->child) ||
        !cJSON_IsNumber(args->child->next))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected [a, b], two numbers", path, where);
    *a = args->child->valuedouble;
    *b = args->child->next->valuedouble;
    if (!isfinite(*a) || !isfinite(*b) || !isfinite(*b - *a))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: the bounds must be finite numbers", path, where);
    char x[40], y[40];
    if (*a > *b) return rm_fail(e, RM_ERR_USAGE, "%s: %s: a > b (%s > %s)", path, where, num(*a, x), num(*b, y));
    return RM_OK;
}

/* numpy.linspace(a, b, n) for n >= 2, operation for operation: i * step + a (i / div * delta + a
 * when the step underflows to 0), the last value b itself. */
static double linspace_at(double a, double b, int n, int i)
{
    double div = n - 1, delta = b - a, step = delta / div;
    if (i == n - 1) return b;
    if (step == 0) return (double)i / div * delta + a;
    return (double)i * step + a;
}

/* The values of a linspace or logspace generator [a, b, n] (n from 2 to MAX_LEVELS; one value is
 * {"values": [a]}, since numpy's n = 1 ignores b) as a new array; NULL with the error set. */
static cJSON *space(const cJSON *args, int log10space, const char *path, const char *where, rm_err *e)
{
    if (!cJSON_IsArray(args) || cJSON_GetArraySize(args) != 3 || !cJSON_IsNumber(args->child) ||
        !cJSON_IsNumber(args->child->next) || !cJSON_IsNumber(args->child->next->next)) {
        rm_fail(e, RM_ERR_USAGE, "%s: %s: expected [a, b, n], three numbers", path, where);
        return NULL;
    }
    double a = args->child->valuedouble, b = args->child->next->valuedouble, n = args->child->next->next->valuedouble;
    if (!isfinite(a) || !isfinite(b) || !isfinite(b - a)) {
        rm_fail(e, RM_ERR_USAGE, "%s: %s: a and b must be finite numbers", path, where);
        return NULL;
    }
    if (n != floor(n) || n < 2 || n > MAX_LEVELS) {
        rm_fail(e, RM_ERR_USAGE, "%s: %s: n must be a whole number from 2 to %d, got %g (one value: {\"values\": [v]})",
                path, where, MAX_LEVELS, n);
        return NULL;
    }
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < (int)n; i++) {
        double y = linspace_at(a, b, (int)n, i);
        if (log10space) y = pow(10.0, y);
        if (!isfinite(y)) {
            cJSON_Delete(arr);
            char x[40];
            rm_fail(e, RM_ERR_USAGE, "%s: %s: 10^%s is not a finite number", path, where,
                    num(linspace_at(a, b, (int)n, i), x));
            return NULL;
        }
        cJSON *v = cJSON_CreateNumber(y);
        if (!v || !cJSON_AddItemToArray(arr, v)) {
            cJSON_Delete(v);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    if (!arr) rm_fail(e, RM_ERR_RUN, "out of memory");
    return arr;
}

/* Resolve group.it (group "grid" or "zip" of obj) when it is a generator object: replaced in obj by
 * its values (the generator itself is kept in generated under "group.key"); an array stays as it is.
 * The item now in obj's place, or NULL with the error set. */
cJSON *rm_sweep_resolve(cJSON *obj, cJSON *it, const char *group, cJSON *generated, const char *path, rm_err *e)
{
    if (!cJSON_IsObject(it)) return it;
    static const char *const NAMES[] = {"linspace", "logspace", "values", NULL};
    char where[512];
    snprintf(where, sizeof where, "%s.%s", group, it->string);
    const cJSON *g = one_member(it, path, where, "generator", NAMES, "linspace, logspace or values", e);
    if (!g) return NULL;
    snprintf(where, sizeof where, "%s.%s.%s", group, it->string, g->string);
    cJSON *arr = NULL;
    if (strcmp(g->string, "values") == 0) {
        if (!cJSON_IsArray(g) || !g->child) {
            rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a non-empty array of values", path, where);
            return NULL;
        }
        arr = cJSON_Duplicate(g, 1);
        if (!arr) rm_fail(e, RM_ERR_RUN, "out of memory");
    } else {
        arr = space(g, strcmp(g->string, "logspace") == 0, path, where, e);
    }
    if (!arr) return NULL;
    snprintf(where, sizeof where, "%s.%s", group, it->string);
    cJSON *orig = cJSON_Duplicate(it, 1);
    if (!orig || !cJSON_AddItemToObject(generated, where, orig)) {
        cJSON_Delete(orig);
        cJSON_Delete(arr);
        rm_fail(e, RM_ERR_RUN, "out of memory");
        return NULL;
    }
    char *key = strdup(it->string); /* it is freed on replacing; keys are unique */
    int replaced = key && cJSON_ReplaceItemInObjectCaseSensitive(obj, key, arr);
    free(key);
    if (!replaced) {
        cJSON_Delete(arr);
        rm_fail(e, RM_ERR_RUN, "out of memory");
        return NULL;
    }
    return arr;
}

/* Check sample.KEY's distribution it; *out is its one member (name and arguments). */
static int dist_check(const cJSON *it, const char *path, const cJSON **out, rm_err *e)
{
    static const char *const NAMES[] = {"uniform", "loguniform", "int", "choice", NULL};
    const char *list = "uniform, loguniform, int or choice";
    char where[512];
    snprintf(where, sizeof where, "sample.%s", it->string);
    if (!cJSON_IsObject(it))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a distribution, e.g. {\"loguniform\": [1e-5, 1e-1]} (%s)", path,
                       where, list);
    const cJSON *d = one_member(it, path, where, "distribution", NAMES, list, e);
    if (!d) return e->code;
    snprintf(where, sizeof where, "sample.%s.%s", it->string, d->string);
    *out = d;
    if (strcmp(d->string, "choice") == 0) {
        if (!cJSON_IsArray(d) || !d->child)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a non-empty array of values", path, where);
        return RM_OK;
    }
    double a = 0, b = 0;
    if (two_bounds(d, path, where, &a, &b, e)) return e->code;
    char x[40];
    if (strcmp(d->string, "loguniform") == 0 && a <= 0)
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: the bounds must be > 0, got %s", path, where, num(a, x));
    if (strcmp(d->string, "int") == 0 && (a != floor(a) || b != floor(b) || b - a >= 4294967295.0))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected two whole numbers less than 2^32 apart", path, where);
    return RM_OK;
}

/* The spec's sample (key: distribution), trials (draws per grid point) and sample_seed (default 1),
 * into w; each needs the others (sample_seed may be left out). */
int rm_sweep_parse_sample(sweep *w, const char *path, rm_err *e)
{
    const cJSON *smp = cJSON_GetObjectItemCaseSensitive(w->spec, "sample");
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(w->spec, "trials");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(w->spec, "sample_seed");
    w->sample_seed = 1;
    if (!smp && !tr && !sd) return RM_OK;
    if (!smp) return rm_fail(e, RM_ERR_USAGE, "%s: %s: needs sample (the keys to draw)", path, tr ? "trials" : "sample_seed");
    if (!tr) return rm_fail(e, RM_ERR_USAGE, "%s: sample: needs trials (the number of draws per grid point)", path);
    if (!cJSON_IsObject(smp) || !smp->child)
        return rm_fail(e, RM_ERR_USAGE, "%s: sample: expected an object of key.path: distribution", path);
    if (!cJSON_IsNumber(tr) || tr->valuedouble != floor(tr->valuedouble) || tr->valuedouble < 1 ||
        tr->valuedouble > MAX_RUNS)
        return rm_fail(e, RM_ERR_USAGE, "%s: trials: expected a whole number from 1 to %d", path, MAX_RUNS);
    w->ntrials = (long)tr->valuedouble;
    if (sd && (!cJSON_IsNumber(sd) || sd->valuedouble < 0 || sd->valuedouble > 4294967295.0 ||
               sd->valuedouble != floor(sd->valuedouble)))
        return rm_fail(e, RM_ERR_USAGE, "%s: sample_seed: expected a whole number in [0, 4294967295]", path);
    if (sd) w->sample_seed = (uint64_t)sd->valuedouble;
    for (const cJSON *it = smp->child; it; it = it->next) {
        if (w->nsample == MAX_KEYS) return rm_fail(e, RM_ERR_USAGE, "%s: sample: more than %d keys", path, MAX_KEYS);
        if (dist_check(it, path, &w->dist[w->nsample], e)) return e->code;
        w->skey[w->nsample++] = it->string;
    }
    return RM_OK;
}

/* FNV-1a of a key's name: its draws do not move when keys are added, removed or reordered. */
static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Trial trial's value of sampled key s, a new item (NULL: out of memory). Its generator is seeded
 * from (sample_seed, trial, the key's name) alone, not from a stream shared across trials, so the
 * value is the same whichever run, process or order draws it, and whatever the other keys. */
cJSON *rm_sweep_draw(const sweep *w, long trial, int s)
{
    rm_rng key, r;
    rm_ctr_seed(&key, w->sample_seed, RM_STREAM_SAMPLE);
    rm_rng_seed(&r, rm_ctr_subkey(&key, (uint64_t)trial, 0), name_hash(w->skey[s]));
    const cJSON *d = w->dist[s];
    if (strcmp(d->string, "choice") == 0)
        return cJSON_Duplicate(cJSON_GetArrayItem(d, (int)rm_rng_below(&r, (uint32_t)cJSON_GetArraySize(d))), 1);
    double a = d->child->valuedouble, b = d->child->next->valuedouble, x;
    double u = (double)(rm_rng_next(&r) >> 11) * 0x1p-53; /* [0, 1), 53 bits */
    if (strcmp(d->string, "int") == 0)
        x = a + (double)rm_rng_below(&r, (uint32_t)(b - a + 1));
    else if (strcmp(d->string, "loguniform") == 0)
        x = exp(log(a) + (log(b) - log(a)) * u);
    else
        x = a + (b - a) * u;
    x = x < a ? a : x > b ? b : x; /* rounding stays inside [a, b] */
    return cJSON_CreateNumber(x);
}

/* A copy of v to print: its numbers as raw JSON, the shortest text that reads back as the same
 * double (cJSON's printer stops at 15 digits whenever they read back within DBL_EPSILON, so
 * 0.016666666666666666 would print as 0.0166666666666667, another double); NULL: out of memory. */
cJSON *rm_sweep_exact(const cJSON *v)
{
    if (cJSON_IsNumber(v)) {
        char buf[40];
        rm_shortest_g(v->valuedouble, buf, sizeof buf);
        return cJSON_CreateRaw(buf);
    }
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) return cJSON_Duplicate(v, 0);
    cJSON *out = cJSON_IsArray(v) ? cJSON_CreateArray() : cJSON_CreateObject();
    for (const cJSON *it = v->child; out && it; it = it->next) {
        cJSON *c = rm_sweep_exact(it);
        int added = c && (cJSON_IsArray(v) ? cJSON_AddItemToArray(out, c) : cJSON_AddItemToObject(out, it->string, c));
        if (!added) {
            cJSON_Delete(c);
            cJSON_Delete(out);
            out = NULL;
        }
    }
    return out;
}
