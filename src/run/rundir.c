/* rundir.c - a run's directory: the files a run writes (one list), what a directory holds for a config
 * (empty, finished, unfinished, another config's), claiming it for a fresh run (--force), the lock a
 * run holds, stale temporary files, cutting the per-epoch CSV files back to a resumed state, and the
 * config comparison all of these use. */
#define _POSIX_C_SOURCE 200809L
#include "rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rm_config.h"
#include "rm_train.h"

/* The first key whose value differs between two resolved configs (a, b objects), into buf. */
static int first_difference(const cJSON *a, const cJSON *b, const char *prefix, char *buf, size_t n)
{
    for (const cJSON *x = a->child; x; x = x->next) {
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", x->string);
        if (y && cJSON_IsObject(x) && cJSON_IsObject(y)) {
            if (first_difference(x, y, path, buf, n)) return 1;
        } else if (!y || !cJSON_Compare(x, y, 1)) {
            snprintf(buf, n, "%s", path);
            return 1;
        }
    }
    for (const cJSON *y = b->child; y; y = y->next)
        if (!cJSON_GetObjectItemCaseSensitive(a, y->string)) {
            snprintf(buf, n, "%s%s%s", prefix, prefix[0] ? "." : "", y->string);
            return 1;
        }
    return 0;
}

enum { IGNORE_EPOCHS = 1, IGNORE_THREADS = 2 };

/* A saved config (a run's config.json, perhaps written by an older regmnist that lacked some keys)
 * resolved with today's defaults; as it stands when it does not load today (a key since removed),
 * NULL when it is not JSON. */
static cJSON *resolve_saved(const char *saved)
{
    cJSON *j = cJSON_Parse(saved), *out = NULL;
    rm_config *c = j ? malloc(sizeof *c) : NULL;
    rm_err ignored;
    if (c) {
        rm_config_defaults(c);
        cJSON *r = rm_config_apply(c, j, "config.json", &ignored) == RM_OK ? rm_config_to_json(c) : NULL;
        char *text = r ? cJSON_PrintUnformatted(r) : NULL; /* as text: numbers are raw JSON in r */
        out = text ? cJSON_Parse(text) : NULL;
        cJSON_free(text);
        cJSON_Delete(r);
        free(c);
    }
    if (!out) return j;
    cJSON_Delete(j);
    return out;
}

void rm_rundir_drop_place_and_pace(cJSON *config)
{
    cJSON *out = cJSON_GetObjectItemCaseSensitive(config, "output");
    cJSON_DeleteItemFromObjectCaseSensitive(out, "dir");
    cJSON_DeleteItemFromObjectCaseSensitive(out, "checkpoint_every");
    cJSON_DeleteItemFromObjectCaseSensitive(config, "threads");
}

/* Compare a saved config with a resolved one (JSON text), both resolved with today's defaults, but
 * for output.dir (and training.epochs / threads and output.checkpoint_every as the IGNORE_* flags ask): 0 when the same, 1 with
 * the first differing key in key, -1 when one is not JSON. */
static int config_difference(const char *saved, const char *now, int ignore, char *key, size_t n)
{
    cJSON *a = resolve_saved(saved), *b = cJSON_Parse(now);
    int r = -1;
    if (a && b) {
        cJSON *oa = cJSON_GetObjectItemCaseSensitive(a, "output"), *ob = cJSON_GetObjectItemCaseSensitive(b, "output");
        cJSON_DeleteItemFromObjectCaseSensitive(oa, "dir");
        cJSON_DeleteItemFromObjectCaseSensitive(ob, "dir");
        if (ignore & IGNORE_EPOCHS) {
            cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "training"), "epochs");
            cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "training"), "epochs");
        }
        if (ignore & IGNORE_THREADS) {
            rm_rundir_drop_place_and_pace(a);
            rm_rundir_drop_place_and_pace(b);
        }
        r = first_difference(a, b, "", key, n);
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    return r;
}

/* A resumed run may change training.epochs, and threads and output.checkpoint_every, which cannot
 * change a result (tests/thread_invariance.sh; output.dir is where the run now is). */
int rm_rundir_same_config(const char *saved, const char *now, const char *where, rm_err *e)
{
    char key[256];
    int r = config_difference(saved, now, IGNORE_EPOCHS | IGNORE_THREADS, key, sizeof key);
    if (r < 0) return rm_fail(e, RM_ERR_IO, "%s: the saved config is not valid JSON", where);
    if (r > 0)
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: %s differs from the interrupted run's; a resumed run may change only training.epochs, "
                       "threads and output.checkpoint_every",
                       where, key);
    return RM_OK;
}

/* The files a run (and eval) writes in its directory: these names, and the families of RUN_FAMILIES
 * (prefix, suffix): TensorBoard's event files, weight images per layer and epoch, eval files per split. */
static const char *const RUN_FILES[] = {"metrics.csv", "config.json", "summary.json", "model.safetensors",
                                        "state.safetensors", "eval.json", "confusion.csv", "augment.png",
                                        "weights.csv", "activations.csv", NULL};
static const char *const RUN_FAMILIES[][2] = {
    {"events.out.tfevents.", ""}, {"weights_", ".png"}, {"eval_", ".json"}, {"confusion_", ".csv"}};

static int is_run_file(const char *name)
{
    for (int i = 0; RUN_FILES[i]; i++)
        if (strcmp(name, RUN_FILES[i]) == 0) return 1;
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof RUN_FAMILIES / sizeof RUN_FAMILIES[0]; i++) {
        size_t a = strlen(RUN_FAMILIES[i][0]), b = strlen(RUN_FAMILIES[i][1]);
        if (n > a + b && strncmp(name, RUN_FAMILIES[i][0], a) == 0 && strcmp(name + n - b, RUN_FAMILIES[i][1]) == 0)
            return 1;
    }
    return 0;
}

/* How many of a run's files dir holds; with remove set, unlink them too. */
static int run_files(const char *dir, int remove)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int count = 0;
    char path[2048];
    for (struct dirent *x; (x = readdir(d));) {
        if (!is_run_file(x->d_name)) continue;
        count++;
        if (remove && snprintf(path, sizeof path, "%s/%s", dir, x->d_name) < (int)sizeof path) unlink(path);
    }
    closedir(d);
    return count;
}

/* A run file (summary.json, config.json) whole, as text up to RM_JSON_MAX (NULL if absent or unreadable). */
static char *slurp(const char *dir, const char *name)
{
    char path[2048];
    rm_err e;
    size_t len;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return NULL;
    return rm_read_text(path, RM_JSON_MAX, &len, &e); /* a regular file only: a FIFO would block */
}

static int exists_in(const char *dir, const char *name)
{
    char path[2048];
    struct stat st;
    return snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path && stat(path, &st) == 0;
}

/* A fresh run may use dir only if it holds no other run's files; --force removes them. */
int rm_rundir_claim(const char *dir, const char *config_text, int force, rm_err *e)
{
    if (!run_files(dir, 0)) return RM_OK;
    if (force) {
        run_files(dir, 1);
        return RM_OK;
    }
    char *summary = slurp(dir, "summary.json"), *saved = slurp(dir, "config.json");
    cJSON *sj = summary ? cJSON_Parse(summary) : NULL;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(sj, "status");
    char status[32];
    snprintf(status, sizeof status, "%s", cJSON_IsString(st) ? st->valuestring : "none");
    cJSON_Delete(sj);
    free(summary);
    char key[256];
    int diff = saved ? config_difference(saved, config_text, 0, key, sizeof key) : -1;
    free(saved);
    if (strcmp(status, "ok") == 0)
        return rm_fail(e, RM_ERR_USAGE, "%s: holds a finished run; choose another --out, or --force to replace it", dir);
    if (diff != 0)
        return rm_fail(e, RM_ERR_USAGE, "%s: holds another run's files (%s%s); choose another --out, or --force to replace them",
                       dir, diff > 0 ? "its config differs at " : "no readable config.json", diff > 0 ? key : "");
    if (exists_in(dir, "state.safetensors"))
        return rm_fail(e, RM_ERR_USAGE,
                       "%s: holds an unfinished run of this config (status %s); continue it with regmnist --resume %s, "
                       "or --force to start over",
                       dir, status, dir);
    /* An attempt of this very config that completed no epoch: nothing to keep, start over. */
    run_files(dir, 1);
    return RM_OK;
}

int rm_run_dir_state(const rm_config *c, rm_err *e)
{
    char dir[1024], key[256];
    rm_config_out_dir(c, dir, sizeof dir);
    if (!run_files(dir, 0)) return RM_DIR_EMPTY;
    cJSON *j = rm_config_to_json(c);
    char *now = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!now) return rm_fail(e, RM_ERR_RUN, "out of memory"), -1;
    char *summary = slurp(dir, "summary.json"), *saved = slurp(dir, "config.json");
    int diff = saved ? config_difference(saved, now, IGNORE_THREADS, key, sizeof key) : -1;
    cJSON *sj = summary ? cJSON_Parse(summary) : NULL;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(sj, "status");
    int done = cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0;
    cJSON_Delete(sj);
    free(summary);
    free(saved);
    cJSON_free(now);
    if (diff != 0) return RM_DIR_OTHER;
    if (done) return RM_DIR_DONE;
    return exists_in(dir, "state.safetensors") ? RM_DIR_RESUMABLE : RM_DIR_EMPTY; /* nothing completed: start over */
}

int rm_run_dir_progress(const rm_config *c, int *epochs, int *has_state, char *status, size_t n, rm_err *e)
{
    char dir[1024], key[256];
    rm_config_out_dir(c, dir, sizeof dir);
    if (!run_files(dir, 0)) return 0;
    cJSON *j = rm_config_to_json(c);
    char *now = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!now) return rm_fail(e, RM_ERR_RUN, "out of memory"), -1;
    char *summary = slurp(dir, "summary.json"), *saved = slurp(dir, "config.json");
    int diff = saved ? config_difference(saved, now, IGNORE_EPOCHS | IGNORE_THREADS, key, sizeof key) : -1;
    cJSON *cj = saved ? cJSON_Parse(saved) : NULL, *sj = summary ? cJSON_Parse(summary) : NULL;
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cj, "training"), "epochs");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(sj, "status");
    *epochs = cJSON_IsNumber(ep) ? ep->valueint : 0;
    snprintf(status, n, "%s", cJSON_IsString(st) ? st->valuestring : "none");
    *has_state = exists_in(dir, "state.safetensors");
    cJSON_Delete(cj);
    cJSON_Delete(sj);
    free(summary);
    free(saved);
    cJSON_free(now);
    return diff == 0 && *epochs > 0;
}

/* Hold a write lock on dir/.regmnist.lock for the life of the process: a second run in the same dir
 * fails at once. Returns the descriptor (closing it releases the lock), or -1 with an error. */
int rm_rundir_lock(const char *dir, rm_err *e)
{
    char path[2048];
    if (snprintf(path, sizeof path, "%s/%s", dir, RM_LOCK_FILE) >= (int)sizeof path) {
        rm_fail(e, RM_ERR_USAGE, "%s: path too long", dir);
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        rm_fail(e, RM_ERR_IO, "%s: cannot create the lock file: %s", path, strerror(errno));
        return -1;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        close(fd);
        rm_fail(e, RM_ERR_USAGE, "%s: in use by another regmnist process (it holds %s)", dir, path);
        return -1;
    }
    return fd;
}

/* Keep the header and the rows of epochs 1..epoch of a per-epoch CSV (its first column is the epoch;
 * rows written after the last saved state are dropped: they will be trained again). rows_per_epoch
 * > 0 also checks that the file holds all of them. */
int rm_rundir_truncate_csv(const char *path, int epoch, int rows_per_epoch, rm_err *e)
{
    FILE *f = rm_fopen(path, "rb", e);
    if (!f) return e->code;
    char *text = NULL, line[1 << 16];
    size_t len = 0, cap = 0;
    long kept = 0, lineno = 0, last = -1;
    int rc = RM_OK;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        if (n == 0 || line[n - 1] != '\n') break; /* a torn last line of a killed run */
        if (lineno++ > 0) {
            /* A row starts with its epoch, in order: 1, 2, ... one row each (metrics.csv), or from
             * 0 or 1 on, several rows each (weights.csv, activations.csv). Anything else is not ours. */
            char *end;
            errno = 0;
            long ep = strtol(line, &end, 10);
            int in_order = rows_per_epoch > 0 ? ep == (last < 0 ? 1 : last + 1)
                                              : (last < 0 ? ep == 0 || ep == 1 : ep == last || ep == last + 1);
            if (end == line || *end != ',' || errno || !in_order) {
                line[strcspn(line, "\r\n")] = '\0';
                rc = rm_fail(e, RM_ERR_IO, "%s: line %ld: expected a row of epoch %ld, got '%.40s'", path, lineno,
                             last < 0 ? 1 : last + 1, line);
                break;
            }
            last = ep;
            if (ep > epoch) continue; /* written after the state's last epoch: that epoch is re-run */
        }
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *t = realloc(text, cap);
            if (!t) {
                rc = rm_fail(e, RM_ERR_RUN, "%s: out of memory", path);
                break;
            }
            text = t;
        }
        memcpy(text + len, line, n);
        len += n;
        kept += lineno > 1;
    }
    fclose(f);
    if (!rc && rows_per_epoch > 0 && kept < (long)epoch * rows_per_epoch)
        rc = rm_fail(e, RM_ERR_IO, "%s: holds %ld rows, but the state is at epoch %d", path, kept, epoch);
    if (!rc) rc = rm_write_atomic(path, text ? text : "", len, e);
    free(text);
    return rc;
}

/* Remove "<file>.tmp.<pid>" files a killed process left in dir (its writes are atomic renames, so
 * these are never the only copy of anything). */
void rm_rundir_remove_temps(const char *dir)
{
    static const char *const OURS[] = {"state.safetensors", "model.safetensors", "summary.json", "config.json",
                                       "metrics.csv", NULL};
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char path[2048];
    while ((de = readdir(d)))
        for (int i = 0; OURS[i]; i++) {
            size_t n = strlen(OURS[i]);
            if (strncmp(de->d_name, OURS[i], n) == 0 && strncmp(de->d_name + n, ".tmp.", 5) == 0 &&
                snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < (int)sizeof path)
                unlink(path);
        }
    closedir(d);
}
