/* config.c - table-driven strict config: defaults, file, --set and the resolved JSON (the keys in
 * config_keys.c, their values in config_types.c, the checks across keys in config_check.c). */
#define _POSIX_C_SOURCE 200809L
#include "config_int.h"

#include <unistd.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
const char *rm_cfg_blame(const rm_config *c, const char *fallback, const char *const *paths)
{
    unsigned best = 0;
    for (; *paths; paths++) {
        const keyspec *k = rm_cfg_find_key(*paths);
        if (k && c->origin.at[k - rm_cfg_keys] > best) best = c->origin.at[k - rm_cfg_keys];
    }
    return best ? c->origin.text + best - 1 : fallback;
}

const char *rm_config_origin_of(const rm_config *c, const char *fallback, const char *key)
{
    return rm_cfg_blame(c, fallback, KEYLIST(key));
}

static int apply_section(rm_config *c, const cJSON *obj, const char *prefix, const char *origin, rm_err *e);

/* Apply value v at path: a section takes an object of its keys, a key takes its value. */
static int apply_path(rm_config *c, const char *path, const cJSON *v, const char *origin, rm_err *e)
{
    if (rm_cfg_is_section(path)) {
        if (!cJSON_IsObject(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an object, got %s", origin, path, rm_cfg_type_name(v));
        return apply_section(c, v, path, origin, e);
    }
    const keyspec *k = rm_cfg_find_key(path);
    if (!k) return rm_cfg_unknown_key(origin, path, e);
    if (k->type == K_OPTIONAL && cJSON_IsObject(v)) {
        *(int *)((char *)c + k->off) = 1;
        c->origin.at[k - rm_cfg_keys] = origin_intern(&c->origin, origin);
        return apply_section(c, v, path, origin, e);
    }
    if (rm_cfg_set_key(c, k, v, origin, e)) return e->code;
    c->origin.at[k - rm_cfg_keys] = origin_intern(&c->origin, origin);
    /* A sub-key of an optional object turns the object on. */
    for (const keyspec *o = rm_cfg_keys; o < rm_cfg_keys + rm_cfg_nkeys; o++) {
        size_t n = strlen(o->path);
        if (o->type == K_OPTIONAL && strncmp(path, o->path, n) == 0 && path[n] == '.') {
            *(int *)((char *)c + o->off) = 1;
            c->origin.at[o - rm_cfg_keys] = origin_intern(&c->origin, origin);
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

void rm_config_defaults(rm_config *c)
{
    memset(c, 0, sizeof *c);
    rm_err e;
    for (size_t i = 0; i < rm_cfg_nkeys; i++)
        /* The table's defaults are constants checked by the unit tests; a failure here is a bug. */
        if (rm_cfg_set_default(c, &rm_cfg_keys[i], &e)) {
            fprintf(stderr, "regmnist: internal error: bad default for %s\n", rm_cfg_keys[i].path);
            abort();
        }
}

int rm_config_apply(rm_config *c, const cJSON *root, const char *origin, rm_err *e)
{
    if (!cJSON_IsObject(root))
        return rm_fail(e, RM_ERR_USAGE, "%s: the config must be a JSON object, got %s", origin, rm_cfg_type_name(root));
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
        rm_fail(e, RM_ERR_USAGE, "%s: the %s must be a JSON object, got %s", origin, what, rm_cfg_type_name(root));
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


cJSON *rm_config_to_json(const rm_config *c)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    char outdir[1024];
    for (size_t i = 0; i < rm_cfg_nkeys; i++) {
        const keyspec *k = &rm_cfg_keys[i];
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
        if (strncmp(k->path, "optimizer.schedule.", 19) == 0 && !rm_cfg_sched_key_shown(c, k->path + 19)) continue;
        cJSON *v = strcmp(k->path, "output.dir") == 0 ? cJSON_CreateString(rm_config_out_dir(c, outdir, sizeof outdir))
                                                     : rm_cfg_types[k->type].get(c, k);
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
