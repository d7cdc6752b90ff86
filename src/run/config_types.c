/* config_types.c - one interface per key type (rm_cfg_types): a value checked against the key's type
 * and range and stored in rm_config, read back as JSON, compared, and described for --help-config. */
#include "config_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rm_schedule.h"

/* Key k's storage in config c. */
#define SLOT(c, k) ((char *)(c) + (k)->off)
#define CSLOT(c, k) ((const char *)(c) + (k)->off)

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
static void interval_text(const keyspec *k, char *buf, size_t n)
{
    if (k->hi == INF)
        snprintf(buf, n, "%s %g", k->lo_open ? ">" : ">=", k->lo);
    else
        snprintf(buf, n, "%c%.10g, %.10g%c", k->lo_open ? '(' : '[', k->lo, k->hi, k->hi_open ? ')' : ']');
}

static void range_text(const keyspec *k, char *buf, size_t n)
{
    char iv[80];
    interval_text(k, iv, sizeof iv);
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

/* The items of the array v, at most max (many names them: "at most 16 rates"), each a number of k's
 * range (an integer when asked, not below the one before when ascending), into out; errors name an
 * item as "path[i]". */
static int read_items(const keyspec *k, const cJSON *v, int max, const char *many, int integer, int ascending,
                      const char *origin, double *out, rm_err *e)
{
    int i = 0, n = cJSON_GetArraySize(v);
    if (n > max) return rm_fail(e, RM_ERR_USAGE, "%s: %s: at most %d %s, got %d", origin, k->path, max, many, n);
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        char p[64];
        snprintf(p, sizeof p, "%s[%d]", k->path, i);
        if (check_number(k, it, integer, origin, p, e)) return e->code;
        if (ascending && i > 0 && it->valuedouble < out[i - 1])
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: must be ascending, got %g after %d", origin, p, it->valuedouble,
                           (int)out[i - 1]);
        out[i] = it->valuedouble;
    }
    return RM_OK;
}

/* A number printed with the fewest digits that read back as exactly the same double (cJSON's printer
 * stops at 15 digits when the value reads back within DBL_EPSILON: 0.30000000000000004 became 0.3). */
static cJSON *exact_number(double v)
{
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v) break;
    }
    return cJSON_CreateRaw(buf);
}

static cJSON *exact_array(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) {
        cJSON *x = exact_number(v[i]);
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

static int same_doubles(const double *a, const double *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* For --help-config: prefix, then k's interval. */
static void values_in(const keyspec *k, char *buf, size_t n, const char *prefix)
{
    char iv[80];
    interval_text(k, iv, sizeof iv);
    snprintf(buf, n, "%s%s", prefix, iv);
}

/* ---- strings: K_STR, K_NAME; numbers: K_INT, K_THREADS, K_SEED, K_NUM; K_BOOL ---- */

/* Whether s fits key k's room and is not empty (unless empty_ok). */
static int check_string(const keyspec *k, const char *s, int empty_ok, const char *origin, rm_err *e)
{
    if (strlen(s) >= k->size)
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: longer than %zu characters", origin, k->path, k->size - 1);
    if (!s[0] && !empty_ok) return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not be empty", origin, k->path);
    return RM_OK;
}

static int set_str(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    static const char *const EMPTY_OK[] = {"output.dir", "data.dir", "model.init_from", "data.train", "data.test", NULL};
    if (!cJSON_IsString(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a string, got %s", origin, k->path, rm_cfg_type_name(v));
    int empty_ok = 0;
    for (int i = 0; EMPTY_OK[i]; i++) empty_ok |= strcmp(EMPTY_OK[i], k->path) == 0;
    if (check_string(k, v->valuestring, empty_ok, origin, e)) return e->code;
    memcpy(SLOT(c, k), v->valuestring, strlen(v->valuestring) + 1);
    return RM_OK;
}

static int set_name(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (!cJSON_IsString(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a string, got %s", origin, k->path, rm_cfg_type_name(v));
    const char *s = v->valuestring;
    if (check_string(k, s, 0, origin, e)) return e->code;
    if (s[0] == '.') /* ".", ".." and hidden names would put runs/<name> outside runs/ or hide it */
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: must not start with '.', got \"%s\"", origin, k->path, s);
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-=,+", *p))
            return rm_fail(e, RM_ERR_USAGE, "%s: %s: may hold only letters, digits and . _ - = , +, got \"%s\"", origin,
                           k->path, s);
    memcpy(SLOT(c, k), s, strlen(s) + 1);
    return RM_OK;
}

static cJSON *get_str(const rm_config *c, const keyspec *k) { return cJSON_CreateString(CSLOT(c, k)); }

static int same_str(const rm_config *a, const rm_config *b, const keyspec *k)
{
    return strcmp(CSLOT(a, k), CSLOT(b, k)) == 0;
}

static void values_name(const keyspec *k, int code, char *buf, size_t n)
{
    (void)k;
    const char *q = code ? "`" : "";
    snprintf(buf, n, "letters, digits, %s.%s %s_%s %s-%s %s=%s %s,%s %s+%s; not starting with %s.%s", q, q, q, q, q, q, q,
             q, q, q, q, q, q, q);
}

static int set_int(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (check_number(k, v, 1, origin, k->path, e)) return e->code;
    *(int *)SLOT(c, k) = (int)v->valuedouble;
    return RM_OK;
}

static int set_threads(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (cJSON_IsString(v) && strcmp(v->valuestring, "auto") == 0) {
        *(int *)SLOT(c, k) = 0; /* resolved by rm_config_validate, once every source has been applied */
        c->threads_source[0] = '\0';
        return RM_OK;
    }
    if (cJSON_IsString(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected \"auto\" or a number, got \"%s\"", origin, k->path,
                       v->valuestring);
    if (!cJSON_IsNumber(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected \"auto\" or a number, got %s", origin, k->path,
                       rm_cfg_type_name(v));
    if (set_int(c, k, v, origin, e)) return e->code;
    snprintf(c->threads_source, sizeof c->threads_source, "config");
    return RM_OK;
}

/* threads: the count, or "auto" before rm_config_validate has resolved it. */
static cJSON *get_threads(const rm_config *c, const keyspec *k)
{
    int n = *(const int *)CSLOT(c, k);
    return n ? cJSON_CreateNumber(n) : cJSON_CreateString("auto");
}

static cJSON *get_int(const rm_config *c, const keyspec *k) { return cJSON_CreateNumber(*(const int *)CSLOT(c, k)); }

/* Every key stored as one int: integers, booleans, enums and the on/off of optional objects. */
static int same_int(const rm_config *a, const rm_config *b, const keyspec *k)
{
    return *(const int *)CSLOT(a, k) == *(const int *)CSLOT(b, k);
}

static void values_number(const keyspec *k, int code, char *buf, size_t n)
{
    (void)code;
    values_in(k, buf, n, "");
}

static void values_threads(const keyspec *k, int code, char *buf, size_t n)
{
    const char *q = code ? "`" : "";
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%s\"auto\"%s or ", q, q);
    values_in(k, buf, n, prefix);
}

/* K_SEED (an integer) and K_NUM, both stored as a double. */
static int set_double(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (check_number(k, v, k->type == K_SEED, origin, k->path, e)) return e->code;
    *(double *)SLOT(c, k) = v->valuedouble;
    return RM_OK;
}

static cJSON *get_double(const rm_config *c, const keyspec *k) { return exact_number(*(const double *)CSLOT(c, k)); }

static int same_double(const rm_config *a, const rm_config *b, const keyspec *k)
{
    return same_doubles((const double *)CSLOT(a, k), (const double *)CSLOT(b, k), 1);
}

static int set_bool(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (!cJSON_IsBool(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected true or false, got %s", origin, k->path, rm_cfg_type_name(v));
    *(int *)SLOT(c, k) = cJSON_IsTrue(v);
    return RM_OK;
}

static cJSON *get_bool(const rm_config *c, const keyspec *k) { return cJSON_CreateBool(*(const int *)CSLOT(c, k)); }

/* ---- names: K_ENUM, K_BOOLENUM; K_OPTIONAL; K_COLUMN ---- */

static int set_enum(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (cJSON_IsString(v))
        for (int i = 0; k->names[i]; i++)
            if (strcmp(k->names[i], v->valuestring) == 0) {
                *(int *)SLOT(c, k) = i;
                return RM_OK;
            }
    char list[128] = "";
    for (int i = 0; k->names[i]; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, k->names[i]);
    }
    if (!cJSON_IsString(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected one of %s, got %s", origin, k->path, list, rm_cfg_type_name(v));
    return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected one of %s, got \"%s\"", origin, k->path, list, v->valuestring);
}

static cJSON *get_enum(const rm_config *c, const keyspec *k)
{
    return cJSON_CreateString(k->names[*(const int *)CSLOT(c, k)]);
}

static void values_enum(const keyspec *k, int code, char *buf, size_t n)
{
    const char *q = code ? "`" : "";
    buf[0] = '\0';
    for (int i = 0; k->names[i]; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s%s%s", i ? ", " : "", q, k->names[i], q);
    }
}

static int set_boolenum(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (cJSON_IsBool(v)) {
        *(int *)SLOT(c, k) = cJSON_IsTrue(v);
        return RM_OK;
    }
    if (cJSON_IsString(v))
        for (int i = 2; k->names[i]; i++)
            if (strcmp(k->names[i], v->valuestring) == 0) {
                *(int *)SLOT(c, k) = i;
                return RM_OK;
            }
    return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected true, false or \"%s\", got %s", origin, k->path, k->names[2],
                   rm_cfg_type_name(v));
}

static cJSON *get_boolenum(const rm_config *c, const keyspec *k)
{
    const int i = *(const int *)CSLOT(c, k);
    return i < 2 ? cJSON_CreateBool(i) : cJSON_CreateString(k->names[i]);
}

static void values_boolenum(const keyspec *k, int code, char *buf, size_t n)
{
    const char *q = code ? "`" : "";
    snprintf(buf, n, "%sfalse%s, %strue%s, %s\"%s\"%s", q, q, q, q, q, k->names[2], q);
}

/* An object turns the key on in apply_path (which then applies its sub-keys); here only null, off. */
static int set_optional(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (!cJSON_IsNull(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an object or null, got %s", origin, k->path,
                       rm_cfg_type_name(v));
    *(int *)SLOT(c, k) = 0;
    return RM_OK;
}

static cJSON *get_optional(const rm_config *c, const keyspec *k)
{
    return *(const int *)CSLOT(c, k) ? cJSON_CreateObject() : cJSON_CreateNull();
}

/* data.label: a column name (stored in the key's room, label_index -1) or an index ("" and the index). */
static int set_column(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (cJSON_IsString(v)) {
        if (check_string(k, v->valuestring, 0, origin, e)) return e->code;
        memcpy(SLOT(c, k), v->valuestring, strlen(v->valuestring) + 1);
        c->data.label_index = -1;
        return RM_OK;
    }
    if (!cJSON_IsNumber(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a column name or index, got %s", origin, k->path,
                       rm_cfg_type_name(v));
    if (check_number(k, v, 1, origin, k->path, e)) return e->code;
    SLOT(c, k)[0] = '\0';
    c->data.label_index = (int)v->valuedouble;
    return RM_OK;
}

static cJSON *get_column(const rm_config *c, const keyspec *k)
{
    const char *name = CSLOT(c, k);
    return name[0] ? cJSON_CreateString(name) : cJSON_CreateNumber(c->data.label_index);
}

static int same_column(const rm_config *a, const rm_config *b, const keyspec *k)
{
    return same_str(a, b, k) && a->data.label_index == b->data.label_index;
}

static void values_column(const keyspec *k, int code, char *buf, size_t n)
{
    (void)code;
    values_in(k, buf, n, "a column name, or an index in ");
}

/* ---- arrays: K_PAIR, K_INTLIST, K_HIDDEN, K_DROPOUT ---- */

/* data.augment.scale: [lo, hi], lo <= hi. */
static int set_pair(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected [lo, hi], got %s", origin, k->path, rm_cfg_type_name(v));
    double tmp[2];
    if (read_items(k, v, 2, "values", 0, 0, origin, tmp, e)) return e->code;
    if (tmp[0] > tmp[1])
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: lo %g is above hi %g", origin, k->path, tmp[0], tmp[1]);
    memcpy(SLOT(c, k), tmp, sizeof tmp);
    return RM_OK;
}

static cJSON *get_pair(const rm_config *c, const keyspec *k) { return exact_array((const double *)CSLOT(c, k), 2); }

static int same_pair(const rm_config *a, const rm_config *b, const keyspec *k)
{
    return same_doubles((const double *)CSLOT(a, k), (const double *)CSLOT(b, k), 2);
}

static void values_pair(const keyspec *k, int code, char *buf, size_t n)
{
    (void)code;
    values_in(k, buf, n, "lo <= hi, each in ");
}

/* The two lists of integers, K_HIDDEN (model.hidden) and K_INTLIST (optimizer.schedule.milestones):
 * where their count and items live in rm_config, their room, and their words in errors and help. */
typedef struct {
    size_t count, items;
    int max, ascending;
    const char *what, *many, *help; /* "expected an array of <what>", "at most 16 <many>", "0 to 16<help>" */
} int_list;

static const int_list *int_list_of(const keyspec *k)
{
    static const int_list HIDDEN = {offsetof(rm_config, model.n_hidden), offsetof(rm_config, model.hidden),
                                    RM_MAX_HIDDEN, 0, "widths", "hidden layers", " widths"};
    static const int_list MILESTONES = {offsetof(rm_config, optim.sched.n_milestones),
                                        offsetof(rm_config, optim.sched.milestones), RM_SCHED_MAX_MILESTONES, 1,
                                        "integers", "values", ", ascending"};
    return k->type == K_HIDDEN ? &HIDDEN : &MILESTONES;
}

static int set_int_list(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    const int_list *l = int_list_of(k);
    if (!cJSON_IsArray(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected an array of %s, got %s", origin, k->path, l->what,
                       rm_cfg_type_name(v));
    double items[64];
    _Static_assert(RM_MAX_HIDDEN <= 64 && RM_SCHED_MAX_MILESTONES <= 64, "room for the longest list");
    if (read_items(k, v, l->max, l->many, 1, l->ascending, origin, items, e)) return e->code;
    const int n = cJSON_GetArraySize(v);
    int *out = (int *)((char *)c + l->items);
    for (int i = 0; i < l->max; i++) out[i] = i < n ? (int)items[i] : 0; /* zeros after the last, as the defaults */
    *(int *)((char *)c + l->count) = n;
    return RM_OK;
}

static cJSON *get_int_list(const rm_config *c, const keyspec *k)
{
    const int_list *l = int_list_of(k);
    return cJSON_CreateIntArray((const int *)((const char *)c + l->items), *(const int *)((const char *)c + l->count));
}

static int same_int_list(const rm_config *a, const rm_config *b, const keyspec *k)
{
    const int_list *l = int_list_of(k);
    const int n = *(const int *)((const char *)a + l->count);
    return n == *(const int *)((const char *)b + l->count) &&
           memcmp((const char *)a + l->items, (const char *)b + l->items, sizeof(int) * n) == 0;
}

static void values_int_list(const keyspec *k, int code, char *buf, size_t n)
{
    (void)code;
    const int_list *l = int_list_of(k);
    char prefix[48];
    snprintf(prefix, sizeof prefix, "0 to %d%s, each in ", l->max, l->help);
    values_in(k, buf, n, prefix);
}

/* model.dropout: one rate for every hidden layer, or a list of rates. */
static int set_dropout(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    if (cJSON_IsNumber(v)) {
        if (check_number(k, v, 0, origin, k->path, e)) return e->code;
        c->model.dropout_is_list = 0;
        c->model.n_dropout = 1;
        c->model.dropout[0] = v->valuedouble;
        return RM_OK;
    }
    if (!cJSON_IsArray(v))
        return rm_fail(e, RM_ERR_USAGE, "%s: %s: expected a rate or an array of rates, got %s", origin, k->path,
                       rm_cfg_type_name(v));
    double tmp[RM_MAX_HIDDEN] = {0};
    if (read_items(k, v, RM_MAX_HIDDEN, "rates", 0, 0, origin, tmp, e)) return e->code;
    c->model.dropout_is_list = 1;
    c->model.n_dropout = cJSON_GetArraySize(v);
    memcpy(c->model.dropout, tmp, sizeof tmp);
    return RM_OK;
}

static cJSON *get_dropout(const rm_config *c, const keyspec *k)
{
    (void)k;
    return c->model.dropout_is_list ? exact_array(c->model.dropout, c->model.n_dropout) : exact_number(c->model.dropout[0]);
}

static int same_dropout(const rm_config *a, const rm_config *b, const keyspec *k)
{
    (void)k;
    return a->model.dropout_is_list == b->model.dropout_is_list && a->model.n_dropout == b->model.n_dropout &&
           same_doubles(a->model.dropout, b->model.dropout, a->model.dropout_is_list ? a->model.n_dropout : 1);
}

static void values_dropout(const keyspec *k, int code, char *buf, size_t n)
{
    (void)code;
    values_in(k, buf, n, "each in ");
}

/* The interface of every key type, in ktype order. */
const ktype_ops rm_cfg_types[] = {
    [K_STR] = {"string", set_str, get_str, same_str, NULL},
    [K_NAME] = {"string", set_name, get_str, same_str, values_name},
    [K_INT] = {"integer", set_int, get_int, same_int, values_number},
    [K_THREADS] = {"integer or string", set_threads, get_threads, same_int, values_threads},
    [K_SEED] = {"integer", set_double, get_double, same_double, values_number},
    [K_NUM] = {"number", set_double, get_double, same_double, values_number},
    [K_BOOL] = {"boolean", set_bool, get_bool, same_int, NULL},
    [K_ENUM] = {"string", set_enum, get_enum, same_int, values_enum},
    [K_HIDDEN] = {"array of integers", set_int_list, get_int_list, same_int_list, values_int_list},
    [K_DROPOUT] = {"number or array", set_dropout, get_dropout, same_dropout, values_dropout},
    [K_OPTIONAL] = {"object or null", set_optional, get_optional, same_int, NULL},
    [K_INTLIST] = {"array of integers", set_int_list, get_int_list, same_int_list, values_int_list},
    [K_PAIR] = {"array [lo, hi]", set_pair, get_pair, same_pair, values_pair},
    [K_BOOLENUM] = {"boolean or string", set_boolenum, get_boolenum, same_int, values_boolenum},
    [K_COLUMN] = {"string or integer", set_column, get_column, same_column, values_column},
};
_Static_assert(sizeof rm_cfg_types / sizeof rm_cfg_types[0] == K_NTYPES, "one interface per key type");

int rm_cfg_set_key(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e)
{
    return rm_cfg_types[k->type].set(c, k, v, origin, e);
}

int rm_cfg_set_default(rm_config *c, const keyspec *k, rm_err *e)
{
    cJSON *v = cJSON_Parse(k->def);
    int rc = v ? rm_cfg_set_key(c, k, v, "default", e) : rm_fail(e, RM_ERR_RUN, "%s: default: out of memory", k->path);
    cJSON_Delete(v);
    return rc;
}
