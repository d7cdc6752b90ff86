/* runs.c - find run directories (every directory holding summary.json or config.json), read them,
 * and work out what varies between them; shared by `regmnist summarize` and `regmnist compare`. */
#define _XOPEN_SOURCE 700
#include "rm_runs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rm_epoch_log.h"
#include "rm_stats.h"

enum { MAX_DEPTH = 64 };

/* ---- small helpers ---- */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

int rm_natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0' && isdigit((unsigned char)a[1])) a++;
            while (*b == '0' && isdigit((unsigned char)b[1])) b++;
            size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
            if (la != lb) return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c) return c;
            a += la;
            b += lb;
        } else {
            if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return *a ? 1 : *b ? -1 : 0;
}

static int natural_qsort(const void *x, const void *y)
{
    return rm_natural_cmp(*(char *const *)x, *(char *const *)y);
}

/* A list of strings that grows. */
typedef struct {
    char **v;
    int n, cap;
} strlist;

static int strlist_find(const strlist *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) return i;
    return -1;
}

static int strlist_add(strlist *l, const char *s, rm_err *e)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return rm_fail(e, RM_ERR_RUN, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = dup_str(s))) return rm_fail(e, RM_ERR_RUN, "out of memory");
    l->n++;
    return RM_OK;
}

static void strlist_free(strlist *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ---- reading a run ---- */

/* Parse dir/name (rm_read_text, at most RM_JSON_MAX bytes). NULL with *absent set when there is no
 * such file; NULL with problem filled ("name: problem") when it cannot be read or is not one JSON object. */
static cJSON *read_json(const char *dir, const char *name, int *absent, char *problem, size_t np)
{
    char path[4096];
    *absent = 0;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        snprintf(problem, np, "%s: path too long", name);
        return NULL;
    }
    rm_err fe;
    size_t len;
    char *buf = rm_read_text(path, RM_JSON_MAX, &len, &fe); /* a regular file only: a FIFO would block */
    if (!buf) {
        size_t k = strlen(path);
        const char *why = strncmp(fe.msg, path, k) == 0 ? fe.msg + k + 2 : fe.msg; /* fe.msg: "path: problem" */
        if (errno == ENOENT) *absent = 1;
        else snprintf(problem, np, "%s: %.200s", name, why);
        return NULL;
    }
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithOpts(buf, &end, 1);
    free(buf);
    if (o && !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        o = NULL;
    }
    if (!o) snprintf(problem, np, "%s: not a JSON object", name);
    return o;
}

static int is_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return 0;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void free_run(rm_run *r)
{
    free(r->dir);
    free(r->real);
    cJSON_Delete(r->config);
    cJSON_Delete(r->summary);
}

static int add_run(rm_runs *rs, const char *dir, int *added, rm_err *e)
{
    char real[PATH_MAX];
    if (!realpath(dir, real)) return rm_fail(e, RM_ERR_IO, "%s: %s", dir, strerror(errno));
    for (int i = 0; i < rs->n; i++)
        if (!strcmp(rs->run[i].real, real)) {
            ++*added; /* given twice: read once, but it counts as found */
            return RM_OK;
        }
    if (rs->n == rs->cap) {
        int cap = rs->cap ? 2 * rs->cap : 64;
        rm_run *v = realloc(rs->run, (size_t)cap * sizeof *v);
        if (!v) return rm_fail(e, RM_ERR_RUN, "out of memory");
        rs->run = v;
        rs->cap = cap;
    }
    rm_run *r = &rs->run[rs->n];
    memset(r, 0, sizeof *r);
    r->dir = dup_str(dir);
    r->real = dup_str(real);
    if (!r->dir || !r->real) {
        free_run(r);
        return rm_fail(e, RM_ERR_RUN, "out of memory");
    }
    int absent;
    char problem[256] = "";
    r->config = read_json(dir, "config.json", &absent, problem, sizeof problem);
    if (problem[0]) snprintf(r->problem, sizeof r->problem, "%s", problem);
    problem[0] = '\0';
    r->summary = read_json(dir, "summary.json", &absent, problem, sizeof problem);
    if (r->summary) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(r->summary, "status");
        const cJSON *sr = cJSON_GetObjectItemCaseSensitive(r->summary, "stop_reason");
        if (cJSON_IsString(st) && st->valuestring[0] && strlen(st->valuestring) < sizeof r->status) {
            snprintf(r->status, sizeof r->status, "%s", st->valuestring);
        } else {
            snprintf(r->status, sizeof r->status, "unreadable");
            snprintf(r->problem, sizeof r->problem, "summary.json: no status");
        }
        if (cJSON_IsString(sr)) snprintf(r->stop_reason, sizeof r->stop_reason, "%s", sr->valuestring);
    } else if (absent) {
        snprintf(r->status, sizeof r->status, "unfinished");
    } else {
        snprintf(r->status, sizeof r->status, "unreadable");
        snprintf(r->problem, sizeof r->problem, "%s", problem);
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(r->summary, "seed");
    if (!cJSON_IsNumber(seed)) seed = cJSON_GetObjectItemCaseSensitive(r->config, "seed");
    if (cJSON_IsNumber(seed)) {
        r->has_seed = 1;
        r->seed = seed->valuedouble;
    }
    rs->n++;
    ++*added;
    return RM_OK;
}

static int walk(rm_runs *rs, const char *dir, int depth, int *added, rm_err *e)
{
    if (is_file(dir, "summary.json") || is_file(dir, "config.json")) {
        int rc = add_run(rs, dir, added, e);
        if (rc) return rc;
    }
    if (depth >= MAX_DEPTH) return RM_OK;
    DIR *d = opendir(dir);
    if (!d) return rm_fail(e, RM_ERR_IO, "%s: %s", dir, strerror(errno));
    strlist subs = {0};
    int rc = RM_OK;
    for (struct dirent *de; !rc && (de = readdir(d));) {
        if (de->d_name[0] == '.') continue; /* ., .., and hidden directories */
        char path[4096];
        struct stat st;
        if (snprintf(path, sizeof path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name) >=
            (int)sizeof path)
            continue;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) rc = strlist_add(&subs, path, e);
    }
    closedir(d);
    if (!rc && subs.n > 1) qsort(subs.v, (size_t)subs.n, sizeof *subs.v, natural_qsort);
    for (int i = 0; !rc && i < subs.n; i++) rc = walk(rs, subs.v[i], depth + 1, added, e);
    strlist_free(&subs);
    return rc;
}

int rm_runs_scan(rm_runs *rs, const char *path, rm_err *e)
{
    struct stat st;
    if (!path[0]) return rm_fail(e, RM_ERR_USAGE, "an empty directory name");
    if (stat(path, &st) != 0) return rm_fail(e, RM_ERR_IO, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return rm_fail(e, RM_ERR_IO, "%s: not a directory", path);
    int added = 0, rc = walk(rs, path, 0, &added, e);
    if (rc) return rc;
    if (!added)
        return rm_fail(e, RM_ERR_IO, "%s: no runs (no directory in it holds summary.json or config.json)", path);
    return RM_OK;
}

void rm_runs_free(rm_runs *rs)
{
    for (int i = 0; i < rs->n; i++) free_run(&rs->run[i]);
    free(rs->run);
    for (int i = 0; i < rs->nvaried; i++) free(rs->varied[i]);
    free(rs->varied);
    memset(rs, 0, sizeof *rs);
}

int rm_run_ok(const rm_run *r)
{
    return !strcmp(r->status, "ok");
}

/* ---- config keys ---- */

const cJSON *rm_json_at(const cJSON *root, const char *path)
{
    const cJSON *o = root;
    const char *p = path;
    while (o && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        char key[256];
        if (len >= sizeof key || !cJSON_IsObject(o)) return NULL;
        memcpy(key, p, len);
        key[len] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        p += len + (dot ? 1 : 0);
        if (dot && !*p) return NULL;
    }
    return o;
}

void rm_json_text(const cJSON *v, char *buf, size_t n)
{
    if (!n) return;
    buf[0] = '\0';
    if (!v) return;
    if (cJSON_IsString(v)) {
        snprintf(buf, n, "%s", v->valuestring);
        return;
    }
    if (cJSON_IsNumber(v)) { /* shortest round-trip: 1/12 as 0.08333333333333333, not ...329 */
        rm_shortest_g(v->valuedouble, buf, n);
        return;
    }
    char *s = cJSON_PrintUnformatted(v);
    if (s) snprintf(buf, n, "%s", s);
    cJSON_free(s);
}

/* Every leaf key path of a config (a value that is not a non-empty object), in order, added to l. */
static int collect_leaves(const cJSON *o, const char *prefix, strlist *l, rm_err *e)
{
    for (const cJSON *c = o ? o->child : NULL; c; c = c->next) {
        char path[512];
        if (snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", c->string) >= (int)sizeof path)
            continue;
        int rc = cJSON_IsObject(c) && c->child ? collect_leaves(c, path, l, e)
                 : strlist_find(l, path) < 0    ? strlist_add(l, path, e)
                                                : RM_OK;
        if (rc) return rc;
    }
    return RM_OK;
}

static int all_leaves(const rm_runs *rs, strlist *l, rm_err *e)
{
    for (int i = 0; i < rs->n; i++) {
        int rc = collect_leaves(rs->run[i].config, "", l, e);
        if (rc) return rc;
    }
    return RM_OK;
}

static int same_value(const cJSON *a, const cJSON *b)
{
    if (!a || !b) return !a && !b;
    return cJSON_Compare(a, b, 1);
}

int rm_runs_find_varied(rm_runs *rs, rm_err *e)
{
    static const char *const IGNORED[] = {"seed", "name", "threads", "output.dir", NULL};
    strlist leaves = {0}, varied = {0};
    int rc = all_leaves(rs, &leaves, e);
    for (int k = 0; !rc && k < leaves.n; k++) {
        const char *key = leaves.v[k];
        int ignored = 0;
        for (int j = 0; IGNORED[j]; j++) ignored |= !strcmp(key, IGNORED[j]);
        if (ignored) continue;
        const cJSON *first = NULL;
        int have = 0, differs = 0;
        for (int i = 0; i < rs->n && !differs; i++) {
            if (!rs->run[i].config) continue;
            const cJSON *v = rm_json_at(rs->run[i].config, key);
            if (!have) {
                first = v;
                have = 1;
            } else if (!same_value(first, v)) {
                differs = 1;
            }
        }
        if (differs) rc = strlist_add(&varied, key, e);
    }
    /* a key below a varied key that is itself a leaf somewhere is covered by that key */
    char *covered = varied.n ? calloc((size_t)varied.n, 1) : NULL;
    if (!rc && varied.n && !covered) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
    for (int k = 0; !rc && k < varied.n; k++)
        for (int j = 0; j < varied.n && !covered[k]; j++) {
            size_t lj = strlen(varied.v[j]);
            covered[k] = j != k && !strncmp(varied.v[k], varied.v[j], lj) && varied.v[k][lj] == '.';
        }
    int kept = 0;
    for (int k = 0; !rc && k < varied.n; k++) {
        if (covered[k]) free(varied.v[k]);
        else varied.v[kept++] = varied.v[k];
    }
    free(covered);
    if (!rc) varied.n = kept;
    strlist_free(&leaves);
    if (rc) {
        strlist_free(&varied);
        return rc;
    }
    for (int i = 0; i < rs->nvaried; i++) free(rs->varied[i]);
    free(rs->varied);
    rs->varied = varied.v;
    rs->nvaried = varied.n;
    return RM_OK;
}

int rm_runs_short_names(const rm_runs *rs, char (*names)[64], size_t n, rm_err *e)
{
    /* last components that say too little alone (data.dir, data.train, optimizer.name) */
    static const char *const UNCLEAR[] = {"name", "dir", "train", "test", "label", "format", NULL};
    strlist leaves = {0};
    int rc = all_leaves(rs, &leaves, e);
    for (int k = 0; !rc && k < rs->nvaried; k++) {
        const char *full = rs->varied[k], *name = full;
        /* the shortest suffix at a dot that no other key of the configs ends with */
        for (const char *p = full + strlen(full); p > full; p--) {
            if (p[-1] != '.') continue;
            int clash = 0;
            for (int j = 0; UNCLEAR[j] && !clash; j++) clash = !strcmp(p, UNCLEAR[j]);
            for (int j = 0; j < leaves.n && !clash; j++) {
                if (!strcmp(leaves.v[j], full)) continue;
                size_t lj = strlen(leaves.v[j]), ls = strlen(p);
                clash = lj >= ls && !strcmp(leaves.v[j] + lj - ls, p) && (lj == ls || leaves.v[j][lj - ls - 1] == '.');
            }
            if (!clash) {
                name = p;
                break;
            }
        }
        snprintf(names[k], n, "%s", name);
    }
    strlist_free(&leaves);
    return rc;
}

static int compare_values(const cJSON *a, const cJSON *b)
{
    if (same_value(a, b)) return 0;
    if (!a || !b) return !a ? -1 : 1;
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble < b->valuedouble ? -1 : a->valuedouble > b->valuedouble ? 1 : 0;
    if (cJSON_IsString(a) && cJSON_IsString(b)) return rm_natural_cmp(a->valuestring, b->valuestring);
    char sa[512], sb[512];
    rm_json_text(a, sa, sizeof sa);
    rm_json_text(b, sb, sizeof sb);
    int c = rm_natural_cmp(sa, sb);
    return c ? c : (a->type > b->type) - (a->type < b->type);
}

int rm_runs_compare_setting(const rm_runs *rs, const rm_run *a, const rm_run *b)
{
    for (int k = 0; k < rs->nvaried; k++) {
        int c = compare_values(rm_json_at(a->config, rs->varied[k]), rm_json_at(b->config, rs->varied[k]));
        if (c) return c;
    }
    return 0;
}

int rm_runs_resolve_key(const rm_runs *rs, const char *key, char *out, size_t n, rm_err *e)
{
    for (int i = 0; i < rs->n; i++)
        if (rm_json_at(rs->run[i].config, key)) {
            snprintf(out, n, "%s", key);
            return RM_OK;
        }
    strlist leaves = {0};
    int rc = all_leaves(rs, &leaves, e), found = -1, count = 0;
    char list[512] = "";
    size_t lk = strlen(key);
    for (int k = 0; !rc && k < leaves.n; k++) {
        size_t l = strlen(leaves.v[k]);
        if (l > lk && leaves.v[k][l - lk - 1] == '.' && !strcmp(leaves.v[k] + l - lk, key)) {
            if (count++) strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, leaves.v[k], sizeof list - strlen(list) - 1);
            found = k;
        }
    }
    if (!rc) {
        if (count == 1) snprintf(out, n, "%s", leaves.v[found]);
        else if (count > 1) rc = rm_fail(e, RM_ERR_USAGE, "key '%s' is ambiguous: %s", key, list);
        else rc = rm_fail(e, RM_ERR_USAGE, "no config key '%s' in the runs' config.json", key);
    }
    strlist_free(&leaves);
    return rc;
}

/* The next key=value of a filter: up to a comma outside brackets and quotes. */
static size_t filter_item_len(const char *s)
{
    int depth = 0, quoted = 0;
    size_t i = 0;
    for (; s[i]; i++) {
        char c = s[i];
        if (quoted) {
            if (c == '\\' && s[i + 1]) i++;
            else if (c == '"') quoted = 0;
        } else if (c == '"') {
            quoted = 1;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        } else if (c == ',' && depth == 0) {
            break;
        }
    }
    return i;
}

/* The distinct values of key among the runs, for a message. */
static void values_of(const rm_runs *rs, const char *key, char *buf, size_t n)
{
    strlist seen = {0};
    rm_err e2;
    buf[0] = '\0';
    for (int i = 0; i < rs->n; i++) {
        char v[128];
        const cJSON *node = rm_json_at(rs->run[i].config, key);
        if (!node) continue;
        rm_json_text(node, v, sizeof v);
        if (strlist_find(&seen, v) >= 0) continue;
        if (strlist_add(&seen, v, &e2)) break;
    }
    if (seen.n > 1) qsort(seen.v, (size_t)seen.n, sizeof *seen.v, natural_qsort);
    for (int i = 0; i < seen.n; i++) {
        if (i) strncat(buf, ", ", n - strlen(buf) - 1);
        strncat(buf, seen.v[i], n - strlen(buf) - 1);
    }
    strlist_free(&seen);
}

int rm_runs_filter(rm_runs *rs, const char *filter, const char *where, rm_err *e)
{
    const char *p = filter;
    if (!*p) return rm_fail(e, RM_ERR_USAGE, "%s: an empty key=value filter", where);
    while (*p) {
        size_t len = filter_item_len(p);
        char item[512], key[512];
        if (len >= sizeof item) return rm_fail(e, RM_ERR_USAGE, "%s: filter too long", where);
        memcpy(item, p, len);
        item[len] = '\0';
        p += len + (p[len] == ',');
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1])
            return rm_fail(e, RM_ERR_USAGE, "%s: '%s': expected key=value (e.g. model.dropout=0.3)", where, item);
        *eq = '\0';
        int rc = rm_runs_resolve_key(rs, item, key, sizeof key, e);
        if (rc) {
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e->msg);
            return rm_fail(e, rc, "%s: %s", where, msg);
        }
        const char *end = NULL;
        cJSON *want = cJSON_ParseWithOpts(eq + 1, &end, 1);
        if (!want) want = cJSON_CreateString(eq + 1);
        if (!want) return rm_fail(e, RM_ERR_RUN, "out of memory");
        int matches = 0;
        for (int i = 0; i < rs->n; i++) {
            const cJSON *v = rm_json_at(rs->run[i].config, key);
            matches += v && cJSON_Compare(v, want, 1);
        }
        if (!matches) {
            char vals[512];
            cJSON_Delete(want);
            values_of(rs, key, vals, sizeof vals);
            return rm_fail(e, RM_ERR_USAGE, "%s: no run has %s=%s (its values: %s)", where, key, eq + 1, vals);
        }
        int kept = 0;
        for (int i = 0; i < rs->n; i++) {
            const cJSON *v = rm_json_at(rs->run[i].config, key);
            if (v && cJSON_Compare(v, want, 1)) rs->run[kept++] = rs->run[i];
            else free_run(&rs->run[i]);
        }
        cJSON_Delete(want);
        rs->n = kept;
    }
    return RM_OK;
}

/* ---- metrics ---- */

static const char *const TOP_METRICS[] = {"epochs",        "stopped_epoch", "best_epoch",   "n_params",
                                          "load_seconds",  "train_seconds", "eval_seconds", "wall_seconds",
                                          "samples_per_second", NULL};

/* 1 when name is a metric of summary.json's "final" and "best" (rm_epoch_log.h). */
static int is_final(const char *name)
{
    const rm_metric *m = rm_epoch_metric(name);
    return m && m->in_summary;
}

const char *rm_metric_list(void)
{
    static char list[1024];
    if (list[0]) return list;
    size_t at = 0;
    for (int k = 0; k < rm_epoch_metric_count; k++)
        if (rm_epoch_metrics[k].in_summary)
            at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", at ? ", " : "", rm_epoch_metrics[k].name);
    at += (size_t)snprintf(list + at, sizeof list - at, " (final), best_X for each of these (the early-stopping best epoch)");
    for (int k = 0; TOP_METRICS[k] && at < sizeof list; k++)
        at += (size_t)snprintf(list + at, sizeof list - at, ", %s", TOP_METRICS[k]);
    return list;
}

static int in_list(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], s)) return 1;
    return 0;
}

int rm_metric_canonical(const char *name, char *out, size_t n)
{
    if (!strncmp(name, "final.", 6) && is_final(name + 6)) return snprintf(out, n, "%s", name + 6) > 0;
    if (!strncmp(name, "best.", 5) && is_final(name + 5)) return snprintf(out, n, "best_%s", name + 5) > 0;
    if (is_final(name) || in_list(TOP_METRICS, name) ||
        (!strncmp(name, "best_", 5) && is_final(name + 5)))
        return snprintf(out, n, "%s", name) > 0;
    return 0;
}

int rm_metric_is_final(const char *metric)
{
    return is_final(metric);
}

int rm_run_metric(const rm_run *r, const char *metric, double *v)
{
    const cJSON *node = NULL;
    if (!r->summary) return 0;
    if (is_final(metric))
        node = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->summary, "final"), metric);
    else if (!strncmp(metric, "best_", 5) && is_final(metric + 5))
        node = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->summary, "best"), metric + 5);
    else if (in_list(TOP_METRICS, metric))
        node = cJSON_GetObjectItemCaseSensitive(r->summary, metric);
    if (!cJSON_IsNumber(node) || !isfinite(node->valuedouble)) return 0;
    *v = node->valuedouble;
    return 1;
}

int rm_metric_decimals(const char *metric)
{
    if (strstr(metric, "_acc") || strstr(metric, "gap")) return 2;
    if (strstr(metric, "loss")) return 4;
    if (strstr(metric, "penalty")) return 6;
    if (strstr(metric, "seconds") || strstr(metric, "epoch")) return 1;
    return 0;
}
