/* safetensors_write.c - the safetensors writer (rm_st_write): the header padded with spaces so that its
 * length N and therefore the data section are 8-byte aligned, the tensors contiguous in the order given,
 * a CRC-32 per tensor in __metadata__, written atomically (temp file, fsync, rename, fsync dir). The
 * reader is safetensors.c. */
#define _POSIX_C_SOURCE 200809L
#include "safetensors_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}


/* Add the integer v to arr (or as key to obj) as raw text: cJSON would print 2^50 as "1.12589990684262e+15". */
static int add_int(cJSON *arr, cJSON *obj, const char *key, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRIu64, v);
    cJSON *j = cJSON_CreateRaw(num);
    if (!j) return 0;
    if (obj ? cJSON_AddItemToObject(obj, key, j) : cJSON_AddItemToArray(arr, j)) return 1;
    cJSON_Delete(j);
    return 0;
}

/* The header JSON for t (n) with bytes[i] per tensor, or NULL when out of memory. Free with cJSON_free. */
static char *build_header(const rm_st_tensor *t, int n, const uint64_t *bytes, const char *const *kv,
                          int n_meta)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    if (ok && n_meta > 0) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        ok = meta != NULL;
        for (int i = 0; ok && i < n_meta; i++) ok = cJSON_AddStringToObject(meta, kv[2 * i], kv[2 * i + 1]) != NULL;
    }
    uint64_t off = 0;
    for (int i = 0; ok && i < n; i++) {
        cJSON *o = cJSON_AddObjectToObject(root, t[i].name);
        cJSON *dtype = o ? cJSON_AddStringToObject(o, "dtype", rm_st_dtype_name(t[i].dtype)) : NULL;
        cJSON *shape = dtype ? cJSON_AddArrayToObject(o, "shape") : NULL;
        cJSON *offs = shape ? cJSON_AddArrayToObject(o, "data_offsets") : NULL;
        ok = offs != NULL;
        for (int d = 0; ok && d < t[i].ndim; d++) ok = add_int(shape, NULL, NULL, (uint64_t)t[i].shape[d]);
        ok = ok && add_int(offs, NULL, NULL, off) && add_int(offs, NULL, NULL, off + bytes[i]);
        off += bytes[i];
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}

/* Check the writer's arguments and fill bytes (n). */
static int check_write_args(const char *path, const rm_st_tensor *t, int n, const char *const *kv, int n_meta,
                            uint64_t *bytes, rm_err *e)
{
    char c1[72];
    if (n < 0 || n > RM_ST_MAX_TENSORS || (n > 0 && !t))
        return rm_fail(e, RM_ERR_IO, "%s: cannot write %d tensors (at most %d)", path, n, RM_ST_MAX_TENSORS);
    if (n_meta < 0 || n_meta > RM_ST_MAX_META || (n_meta > 0 && !kv))
        return rm_fail(e, RM_ERR_IO, "%s: cannot write %d metadata entries (at most %d)", path, n_meta,
                       RM_ST_MAX_META);
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        const rm_st_tensor *x = &t[i];
        if (!x->name || strlen(x->name) > RM_ST_NAME_MAX || strcmp(x->name, "__metadata__") == 0)
            return rm_fail(e, RM_ERR_IO, "%s: tensor %d: bad name '%s' (at most %d bytes, not __metadata__)", path,
                           i, rm_st_clean(c1, x->name), RM_ST_NAME_MAX);
        if (x->dtype != RM_ST_F32 && x->dtype != RM_ST_I64)
            return rm_fail(e, RM_ERR_IO, "%s: %s: unknown dtype %d", path, rm_st_clean(c1, x->name), x->dtype);
        if (x->ndim < 0 || x->ndim > RM_ST_MAX_RANK)
            return rm_fail(e, RM_ERR_IO, "%s: %s: rank %d is not in [0, %d]", path, rm_st_clean(c1, x->name), x->ndim,
                           RM_ST_MAX_RANK);
        if (!rm_st_tensor_bytes(x->dtype, x->ndim, x->shape, &bytes[i]) || bytes[i] > UINT64_MAX / 2 - total)
            return rm_fail(e, RM_ERR_IO, "%s: %s: negative dimension or too many elements", path,
                           rm_st_clean(c1, x->name));
        if (bytes[i] > 0 && !x->data) return rm_fail(e, RM_ERR_IO, "%s: %s: no data", path, rm_st_clean(c1, x->name));
        total += bytes[i];
    }
    for (int i = 0; i < 2 * n_meta; i++)
        if (!kv[i]) return rm_fail(e, RM_ERR_IO, "%s: metadata entry %d: NULL string", path, i / 2);
    int most = n > n_meta ? n : n_meta;
    const char **names = rm_alloc((size_t)most, sizeof *names, "tensor names", e);
    if (!names) return e->code;
    for (int i = 0; i < n; i++) names[i] = t[i].name;
    const char *dup = rm_st_first_dup(names, n);
    if (dup) rm_fail(e, RM_ERR_IO, "%s: tensor name '%s' given twice", path, rm_st_clean(c1, dup));
    if (!dup) {
        for (int i = 0; i < n_meta; i++) names[i] = kv[2 * i];
        dup = rm_st_first_dup(names, n_meta);
        if (dup) rm_fail(e, RM_ERR_IO, "%s: metadata key '%s' given twice", path, rm_st_clean(c1, dup));
    }
    rm_free(names);
    return dup ? e->code : RM_OK;
}

/* fsync the directory holding path, so that a rename into it survives a crash. */
static int sync_dir(const char *path, rm_err *e)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY);
    if (fd < 0) return rm_fail(e, RM_ERR_IO, "%s: cannot open its directory to sync it: %s", path, strerror(errno));
    /* some file systems cannot sync a directory (EINVAL): the rename is all they offer */
    int rc = fsync(fd) != 0 && errno != EINVAL ? errno : 0;
    close(fd);
    if (rc) return rm_fail(e, RM_ERR_IO, "%s: cannot sync its directory: %s", path, strerror(rc));
    return RM_OK;
}

#define CRC_SLOT 160 /* bytes per checksum's key and value text: >= prefix + name + NUL + 9 */

/* meta_kv (n_meta pairs) followed by one RM_ST_CRC_PREFIX<name> -> 8 hex digits pair per tensor, in
 * kv (2 * (n_meta + n) strings) with the text in text (n * CRC_SLOT bytes). */

static int add_checksums(const char *path, const rm_st_tensor *t, int n, const uint64_t *bytes,
                         const char *const *meta_kv, int n_meta, const char **kv, char *text, rm_err *e)
{
    const size_t plen = sizeof RM_ST_CRC_PREFIX - 1;
    char c1[72];
    for (int i = 0; i < n_meta; i++) {
        if (strncmp(meta_kv[2 * i], RM_ST_CRC_PREFIX, plen) == 0)
            return rm_fail(e, RM_ERR_IO, "%s: metadata key '%s' is reserved for checksums", path,
                           rm_st_clean(c1, meta_kv[2 * i]));
        kv[2 * i] = meta_kv[2 * i];
        kv[2 * i + 1] = meta_kv[2 * i + 1];
    }
    for (int i = 0; i < n; i++) {
        char *key = text + (size_t)i * CRC_SLOT, *val = key + plen + RM_ST_NAME_MAX + 2;
        snprintf(key, plen + RM_ST_NAME_MAX + 1, "%s%s", RM_ST_CRC_PREFIX, t[i].name);
        snprintf(val, 9, "%08" PRIx32, rm_st_crc32(t[i].data, (size_t)bytes[i]));
        kv[2 * (n_meta + i)] = key;
        kv[2 * (n_meta + i) + 1] = val;
    }
    return RM_OK;
}

int rm_st_write(const char *path, const rm_st_tensor *t, int n, const char *const *meta_kv, int n_meta,
                rm_err *e)
{
    uint64_t *bytes = rm_alloc((size_t)(n > 0 ? n : 1), sizeof *bytes, "tensor sizes", e);
    if (!bytes) return e->code;
    if (check_write_args(path, t, n, meta_kv, n_meta, bytes, e)) {
        rm_free(bytes);
        return e->code;
    }
    if (n_meta + n > RM_ST_MAX_META) {
        rm_free(bytes);
        return rm_fail(e, RM_ERR_IO, "%s: cannot write %d metadata entries and %d checksums (at most %d)", path,
                       n_meta, n, RM_ST_MAX_META);
    }
    const char **kv = rm_alloc((size_t)(2 * (n_meta + n) + 1), sizeof *kv, "metadata", e);
    char *kv_text = kv ? rm_alloc((size_t)(n > 0 ? n : 1), CRC_SLOT, "checksums", e) : NULL;
    if (!kv_text || add_checksums(path, t, n, bytes, meta_kv, n_meta, kv, kv_text, e)) {
        rm_free(kv_text);
        rm_free(kv);
        rm_free(bytes);
        return e->code;
    }
    char *json = build_header(t, n, bytes, kv, n_meta + n);
    rm_free(kv_text);
    rm_free(kv);
    if (!json) {
        rm_free(bytes);
        return rm_fail(e, RM_ERR_IO, "%s: out of memory building the header", path);
    }
    /* pad with spaces to a multiple of 8 so the data section (8 + N) is 8-byte aligned */
    size_t len = strlen(json), padded = (len + 7) / 8 * 8;
    uint8_t lenbuf[8];
    put_u64le(lenbuf, (uint64_t)padded);
    static const char spaces[] = "       "; /* 7: the most padding needed */

    char tmp[4096];
    int k = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (k < 0 || (size_t)k >= sizeof tmp) {
        cJSON_free(json);
        rm_free(bytes);
        return rm_fail(e, RM_ERR_IO, "%s: path too long", path);
    }
    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        int err = errno;
        cJSON_free(json);
        rm_free(bytes);
        return rm_fail(e, RM_ERR_IO, "%s: cannot create %s: %s", path, tmp, strerror(err));
    }
    errno = 0;
    int ok = fwrite(lenbuf, 1, 8, fp) == 8 && fwrite(json, 1, len, fp) == len &&
             fwrite(spaces, 1, padded - len, fp) == padded - len;
    for (int i = 0; ok && i < n; i++)
        if (bytes[i] > 0) ok = fwrite(t[i].data, 1, (size_t)bytes[i], fp) == (size_t)bytes[i];
    ok = ok && fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    int err = ok ? 0 : (errno ? errno : EIO);
    if (fclose(fp) != 0 && ok) {
        ok = 0;
        err = errno ? errno : EIO;
    }
    cJSON_free(json);
    rm_free(bytes);
    if (!ok) {
        remove(tmp);
        return rm_fail(e, RM_ERR_IO, "%s: write failed: %s", path, strerror(err));
    }
    if (rename(tmp, path) != 0) {
        err = errno;
        remove(tmp);
        return rm_fail(e, RM_ERR_IO, "%s: cannot replace it: %s", path, strerror(err));
    }
    return sync_dir(path, e);
}
