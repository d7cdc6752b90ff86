/* config_int.h - module-private to the config files of run/ (config.c, config_keys.c, config_types.c,
 * config_check.c): the key table's types and the helpers they share. Other layers use rm_config.h. */
#ifndef RM_CONFIG_INT_H
#define RM_CONFIG_INT_H

#include <math.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "rm_config.h"

typedef enum { K_STR, K_NAME, K_INT, K_THREADS, K_SEED, K_NUM, K_BOOL, K_ENUM, K_HIDDEN, K_DROPOUT, K_OPTIONAL, K_INTLIST, K_PAIR,
               K_BOOLENUM, K_COLUMN, K_NTYPES } ktype;
/* K_COLUMN: data.label, a column name (string) or an index (integer in [lo, hi]). */
/* K_BOOLENUM: false, true, or one of the names after "false", "true" in names (stored as the index). */
/* K_OPTIONAL: an object of sub-keys that may be null (off); giving it or any sub-key turns it on. */

/* One key: where it lives in rm_config, its type, range and default (as JSON text). */
typedef struct {
    const char *path;
    ktype type;
    size_t off, size;
    double lo, hi;
    int lo_open, hi_open;
    const char *const *names; /* K_ENUM: NULL-terminated */
    const char *def;
    const char *doc;
} keyspec;

#define INF HUGE_VAL

/* The one table of keys, in docs/config.md's order, and its length. */
extern const keyspec rm_cfg_keys[];
extern const size_t rm_cfg_nkeys;

/* The names of data.normalize and of the monitors (RM_NORM_* and RM_MONITOR_* order). */
extern const char *const rm_cfg_normalize[];
extern const char *const rm_cfg_monitor[];

/* The key at path, or NULL. */
const keyspec *rm_cfg_find_key(const char *path);

/* Whether name is a top-level section (data, model, ...). */
int rm_cfg_is_section(const char *name);

/* An unknown key's error, with a "did you mean" hint when a key or section is near. */
int rm_cfg_unknown_key(const char *origin, const char *path, rm_err *e);

/* "a number", "an array", ...: the JSON type of v for errors. */
const char *rm_cfg_type_name(const cJSON *v);

/* One key type's interface (redis's standardConfig/typeInterface in spirit): rm_cfg_types[k->type]
 * serves every key k of the type. */
typedef struct {
    const char *json_type; /* for --help-config: "number", "array of integers", ... */
    /* Check v against k's type and range and store it in c; errors name origin and k->path. On an
     * error c is unchanged. */
    int (*set)(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e);
    /* k's value in c as new JSON (numbers with the fewest digits that read back exactly); NULL when out
     * of memory. */
    cJSON *(*get)(const rm_config *c, const keyspec *k);
    /* Whether a and b hold the same value of k. */
    int (*same)(const rm_config *a, const rm_config *b, const keyspec *k);
    /* The allowed values for --help-config (code: names and symbols as `code`); NULL when the type
     * says it all. */
    void (*values)(const keyspec *k, int code, char *buf, size_t n);
} ktype_ops;

/* The interface of each key type, indexed by ktype. */
extern const ktype_ops rm_cfg_types[];

/* Check v against key k and store it in c: rm_cfg_types[k->type].set. */
int rm_cfg_set_key(rm_config *c, const keyspec *k, const cJSON *v, const char *origin, rm_err *e);

/* Set key k of c to its default (the table's JSON text), named "default" in errors. */
int rm_cfg_set_default(rm_config *c, const keyspec *k, rm_err *e);

/* The origin that last set any of the NULL-terminated key paths, or fallback when all are defaults. */
const char *rm_cfg_blame(const rm_config *c, const char *fallback, const char *const *paths);
#define KEYLIST(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Whether optimizer.schedule.<leaf> belongs in c's resolved config (its schedule takes it). */
int rm_cfg_sched_key_shown(const rm_config *c, const char *leaf);

#endif
