/* config_types.c - the value of one key: checked against its type and range and stored in rm_config,
 * and numbers written back exactly. */
#include "config_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rm_schedule.h"

const char *rm_cfg_type_name(const cJSON *v)
{
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "an unknown value";
}


/* The allowed interval: "[0, 1)" or ">= 0". */
void rm_cfg_interval_text(const keyspec *k, char *buf, size_t n)
{
    if (k->hi == INF)
        snprintf(buf, n, "%s %g", k->lo_open ? ">" : ">=", k->lo);
    else
        snprintf(buf, n, "%c%.10g, %.10g%c", k->lo_open ? '(' : '[', k->lo, k->hi, k->hi_open ? ')' : ']');
}

static void range_text(const keyspec *k, char *buf, size_t n)
{
    char iv[80];
    rm_cfg_interval_text(k, iv, sizeof iv);
    snprintf(buf, n, "must be %s%s", k->hi == INF ? "" : "in ", iv);
}

static int in_range(const keyspec *k, double v)
{
    if (k->lo_open ? !(v > k->lo) : !(v >= k->lo)) return 0;
    if (k->hi == INF) return 1;
    return k->hi_open ? v < k->hi : v <= k->hi;
}

static int check_number(const keyspec *k, const cJSON *v, int integer, const char *origin, const char *path,
                        rm_err *e)
{
    if (!cJSON_IsNumber(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a number, got %s", origin, path, rm_cfg_type_name(v));
    double x = v->valuedouble;
    if (!isfinite(x)) /* cJSON reads 1e999 as infinity */
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: must be a finite number, got %s", origin, path, x > 0 ? "inf" : "-inf");
    if (integer && x != floor(x))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: must be an integer, got %g", origin, path, x);
    if (!in_range(k, x)) {
        char r[96];
        range_text(k, r, sizeof r);
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: %s, got %g", origin, path, r, x);
    }
    return RM_OK;
}

int rm_cfg_set_key(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    char *base = (char *)c + k->off;
    const char *path = k->path;
    switch (k->type) {
    case K_STR:
    case K_NAME: {
        if (!cJSON_IsString(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a string, got %s", origin, path, rm_cfg_type_name(v));
        const char *s = v->valuestring;
        if (strlen(s) >= k->size)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: longer than %zu characters", origin, path, k->size - 1);
        if (k->type == K_NAME) {
            if (!s[0]) return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not be empty", origin, path);
            if (s[0] == '.') /* ".", ".." and hidden names would put runs/<name> outside runs/ or hide it */
                return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not start with '.', got \"%s\"", origin, path, s);
            for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("._-=,+", *p))
                    return rm_fail(e, RM_ERR_USAGE,
                                   "%s: %s: may hold only letters, digits and . _ - = , +, got \"%s\"", origin, path, s);
        } else if (!s[0] && strcmp(path, "output.dir") != 0 && strcmp(path, "data.dir") != 0 &&
                   strcmp(path, "model.init_from") != 0 && strcmp(path, "data.train") != 0 &&
                   strcmp(path, "data.test") != 0) {
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not be empty", origin, path);
        }
        memcpy(base, s, strlen(s) + 1);
        return RM_OK;
    }
    case K_COLUMN:
        if (cJSON_IsString(v)) {
            if (!v->valuestring[0]) return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not be empty", origin, path);
            if (strlen(v->valuestring) >= k->size)
                return rm_fail(e, RM_ERR_USAGE, "%s: %s: longer than %zu characters", origin, path, k->size - 1);
            memcpy(base, v->valuestring, strlen(v->valuestring) + 1);
            c->data.label_index = -1;
            return RM_OK;
        }
        if (!cJSON_IsNumber(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a column name or index, got %s", origin, path,
                           rm_cfg_type_name(v));
        if (check_number(k, v, 1, origin, path, e)) return e->code;
        base[0] = '\0';
        c->data.label_index = (int)v->valuedouble;
        return RM_OK;
    case K_THREADS:
        if (cJSON_IsString(v) && strcmp(v->valuestring, "auto") == 0) {
            *(int *)base = rm_cores_online();
            return RM_OK;
        }
        if (cJSON_IsString(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected \"auto\" or a number, got \"%s\"", origin, path,
                           v->valuestring);
        if (!cJSON_IsNumber(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected \"auto\" or a number, got %s", origin, path,
                           rm_cfg_type_name(v));
        /* fall through */
    case K_INT:
        if (check_number(k, v, 1, origin, path, e)) return e->code;
        *(int *)base = (int)v->valuedouble;
        return RM_OK;
    case K_SEED:
        if (check_number(k, v, 1, origin, path, e)) return e->code;
        *(double *)base = v->valuedouble;
        return RM_OK;
    case K_NUM:
        if (check_number(k, v, 0, origin, path, e)) return e->code;
        *(double *)base = v->valuedouble;
        return RM_OK;
    case K_BOOL:
        if (!cJSON_IsBool(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected true or false, got %s", origin, path, rm_cfg_type_name(v));
        *(int *)base = cJSON_IsTrue(v);
        return RM_OK;
    case K_ENUM: {
        if (cJSON_IsString(v))
            for (int i = 0; k->names[i]; i++)
                if (strcmp(k->names[i], v->valuestring) == 0) {
                    *(int *)base = i;
                    return RM_OK;
                }
        char list[128] = "";
        for (int i = 0; k->names[i]; i++) {
            strcat(list, i ? ", " : "");
            strcat(list, k->names[i]);
        }
        if (!cJSON_IsString(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected one of %s, got %s", origin, path, list, rm_cfg_type_name(v));
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected one of %s, got \"%s\"", origin, path, list, v->valuestring);
    }
    case K_BOOLENUM:
        if (cJSON_IsBool(v)) {
            *(int *)base = cJSON_IsTrue(v);
            return RM_OK;
        }
        if (cJSON_IsString(v))
            for (int i = 2; k->names[i]; i++)
                if (strcmp(k->names[i], v->valuestring) == 0) {
                    *(int *)base = i;
                    return RM_OK;
                }
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected true, false or \"%s\", got %s", origin, path, k->names[2],
                       rm_cfg_type_name(v));
    case K_PAIR: { /* data.augment.scale: [lo, hi] */
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected [lo, hi], got %s", origin, path, rm_cfg_type_name(v));
        double tmp[2];
        for (int i = 0; i < 2; i++) {
            char p[64];
            snprintf(p, sizeof p, "%s[%d]", path, i);
            if (check_number(k, cJSON_GetArrayItem(v, i), 0, origin, p, e)) return e->code;
            tmp[i] = cJSON_GetArrayItem(v, i)->valuedouble;
        }
        if (tmp[0] > tmp[1]) return rm_fail(e, RM_ERR_USAGE, "%s: %s: lo %g is above hi %g", origin, path, tmp[0], tmp[1]);
        memcpy(base, tmp, sizeof tmp);
        return RM_OK;
    }
    case K_INTLIST: { /* optimizer.schedule.milestones */
        if (!cJSON_IsArray(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an array of integers, got %s", origin, path, rm_cfg_type_name(v));
        int n = cJSON_GetArraySize(v), i = 0, tmp[RM_SCHED_MAX_MILESTONES] = {0};
        if (n > RM_SCHED_MAX_MILESTONES)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: at most %d values, got %d", origin, path, RM_SCHED_MAX_MILESTONES, n);
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            char p[64];
            snprintf(p, sizeof p, "%s[%d]", path, i);
            if (check_number(k, it, 1, origin, p, e)) return e->code;
            if (i > 0 && it->valuedouble < tmp[i - 1])
                return rm_fail(e, RM_ERR_USAGE, "%s: %s: must be ascending, got %g after %d", origin, p, it->valuedouble,
                               tmp[i - 1]);
            tmp[i] = (int)it->valuedouble;
        }
        c->optim.sched.n_milestones = n;
        memcpy(c->optim.sched.milestones, tmp, sizeof tmp);
        return RM_OK;
    }
    case K_HIDDEN: {
        if (!cJSON_IsArray(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an array of widths, got %s", origin, path, rm_cfg_type_name(v));
        int n = cJSON_GetArraySize(v);
        if (n > RM_MAX_HIDDEN)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: at most %d hidden layers, got %d", origin, path, RM_MAX_HIDDEN, n);
        int i = 0, tmp[RM_MAX_HIDDEN] = {0};
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            char p[64];
            snprintf(p, sizeof p, "%s[%d]", path, i);
            if (check_number(k, it, 1, origin, p, e)) return e->code;
            tmp[i] = (int)it->valuedouble;
        }
        c->model.n_hidden = n;
        memcpy(c->model.hidden, tmp, sizeof tmp);
        return RM_OK;
    }
    case K_OPTIONAL:
        if (!cJSON_IsNull(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an object or null, got %s", origin, path, rm_cfg_type_name(v));
        *(int *)base = 0;
        return RM_OK;
    case K_DROPOUT: {
        if (cJSON_IsNumber(v)) {
            if (check_number(k, v, 0, origin, path, e)) return e->code;
            c->model.dropout_is_list = 0;
            c->model.n_dropout = 1;
            c->model.dropout[0] = v->valuedouble;
            return RM_OK;
        }
        if (!cJSON_IsArray(v))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a rate or an array of rates, got %s", origin, path,
                           rm_cfg_type_name(v));
        int n = cJSON_GetArraySize(v), i = 0;
        if (n > RM_MAX_HIDDEN)
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: at most %d rates, got %d", origin, path, RM_MAX_HIDDEN, n);
        double tmp[RM_MAX_HIDDEN] = {0};
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            char p[64];
            snprintf(p, sizeof p, "%s[%d]", path, i);
            if (check_number(k, it, 0, origin, p, e)) return e->code;
            tmp[i] = it->valuedouble;
        }
        c->model.dropout_is_list = 1;
        c->model.n_dropout = n;
        memcpy(c->model.dropout, tmp, sizeof tmp);
        return RM_OK;
    }
    }
    return rm_fail(e, RM_ERR_USAGE, "%s: %s: internal error: unhandled key type", origin, path);
}

/* A number printed with the fewest digits that read back as exactly the same double (cJSON's printer
 * stops at 15 digits when the value reads back within DBL_EPSILON: 0.30000000000000004 became 0.3). */
cJSON *rm_cfg_exact_number(double v)
{
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v) break;
    }
    return cJSON_CreateRaw(buf);
}

cJSON *rm_cfg_exact_array(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) {
        cJSON *x = rm_cfg_exact_number(v[i]);
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}
