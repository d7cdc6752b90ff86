/* safetensors.c - the safetensors format: an atomic writer and a validating reader (no models: run/model_file.c).
 *
 * Layout: u64 little-endian header length N | N bytes of JSON header | data section. The header maps
 * each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (relative to the data section)
 * and may hold "__metadata__" (string -> string). We write the header padded with spaces so that N and
 * therefore the data section are 8-byte aligned, and tensors contiguous in the order given.
 *
 * The reader trusts nothing: every length, offset and shape is checked before it is used, and every
 * malformed file is an RM_ERR_IO message naming the file, never a crash. */
#define _POSIX_C_SOURCE 200809L
#include "rm_safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Tensor data is copied as raw bytes in both directions, which is only right on a little-endian host
 * (x86-64, aarch64 as usually run). The header length is encoded byte by byte and is portable. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c copies raw little-endian tensor data and needs a little-endian host"
#endif

#define JSON_INT_MAX 9007199254740992.0 /* 2^53: above it a JSON number is no longer an exact integer */

const char *rm_st_dtype_name(int d) { return d == RM_ST_F32 ? "F32" : d == RM_ST_I64 ? "I64" : "?"; }

static uint64_t dtype_size(int d) { return d == RM_ST_I64 ? 8 : 4; }

static void put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* s made fit for a one-line message: control bytes as '?', cut after 64 bytes with "...". */
const char *rm_st_clean(char out[72], const char *s)
{
    if (!s) s = "";
    size_t i = 0;
    for (; s[i] && i < 64; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (s[i])
        memcpy(out + i, "...", 4);
    else
        out[i] = '\0';
    return out;
}

/* "[a, b, ...]" ("[]" for a scalar) into out. */
const char *rm_st_shape_str(char out[128], int ndim, const int64_t *shape)
{
    size_t k = 0;
    out[k++] = '[';
    for (int i = 0; i < ndim && i < RM_ST_MAX_RANK; i++)
        k += (size_t)snprintf(out + k, 128 - k, "%s%" PRId64, i ? ", " : "", shape[i]);
    snprintf(out + k, 128 - k, "]");
    return out;
}

/* Bytes of a tensor of dtype with this shape; 0 (false) when a dimension is negative or it overflows. */
static int tensor_bytes(int dtype, int ndim, const int64_t *shape, uint64_t *out)
{
    uint64_t n = dtype_size(dtype);
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return 0;
        uint64_t d = (uint64_t)shape[i];
        if (d != 0 && n > UINT64_MAX / d) return 0;
        n *= d;
    }
    *out = n;
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort v (n strings) and return the first one that appears twice, or NULL. */
static const char *first_dup(const char **v, int n)
{
    if (n < 2) return NULL;
    qsort(v, (size_t)n, sizeof *v, cmp_str);
    for (int i = 1; i < n; i++)
        if (strcmp(v[i - 1], v[i]) == 0) return v[i];
    return NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Writing */

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
        if (!tensor_bytes(x->dtype, x->ndim, x->shape, &bytes[i]) || bytes[i] > UINT64_MAX / 2 - total)
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
    const char *dup = first_dup(names, n);
    if (dup) rm_fail(e, RM_ERR_IO, "%s: tensor name '%s' given twice", path, rm_st_clean(c1, dup));
    if (!dup) {
        for (int i = 0; i < n_meta; i++) names[i] = kv[2 * i];
        dup = first_dup(names, n_meta);
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

/* The CRC-32 (zlib's, as Python's zlib.crc32) of n bytes, in pieces that fit zlib's uInt. */
static uint32_t crc_of(const uint8_t *p, size_t n)
{
    uLong c = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)c;
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
        snprintf(val, 9, "%08" PRIx32, crc_of(t[i].data, (size_t)bytes[i]));
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

/* ---------------------------------------------------------------------------------------------- */
/* Reading */

/* A JSON number that is an exact non-negative integer (at most 2^53) into *out. */
static int json_uint(const cJSON *j, uint64_t *out)
{
    if (!cJSON_IsNumber(j)) return 0;
    double d = j->valuedouble;
    if (!(d >= 0.0 && d <= JSON_INT_MAX)) return 0; /* also NaN */
    uint64_t u = (uint64_t)d;
    if ((double)u != d) return 0;
    *out = u;
    return 1;
}

/* The first key that appears twice among obj's members, or NULL (also NULL, with e set, when out of memory). */
static const char *dup_key(const cJSON *obj, int *oom, rm_err *e)
{
    int n = 0;
    for (const cJSON *c = obj->child; c; c = c->next) n++;
    *oom = 0;
    if (n < 2) return NULL;
    const char **keys = rm_alloc((size_t)n, sizeof *keys, "header keys", e);
    if (!keys) {
        *oom = 1;
        return NULL;
    }
    int i = 0;
    for (const cJSON *c = obj->child; c; c = c->next) keys[i++] = c->string ? c->string : "";
    const char *dup = first_dup(keys, n);
    rm_free(keys);
    return dup;
}

/* Fail unless obj's keys are unique; what names obj in the message. */
static int check_unique(const cJSON *obj, const char *file, const char *what, rm_err *e)
{
    int oom;
    char c1[72];
    const char *dup = dup_key(obj, &oom, e);
    if (oom) return e->code;
    if (dup) return rm_fail(e, RM_ERR_IO, "%s: %skey '%s' appears twice", file, what, rm_st_clean(c1, dup));
    return RM_OK;
}

/* Validate one tensor entry j (its key is the name) into x; data_len bytes follow the header at data. */
static int parse_entry(const cJSON *j, rm_st_entry *x, const uint8_t *data, uint64_t data_len, const char *file,
                       rm_err *e)
{
    char c1[72], c2[72], s1[128];
    const char *name = j->string ? j->string : "";
    size_t nlen = strlen(name);
    if (nlen > RM_ST_NAME_MAX)
        return rm_fail(e, RM_ERR_IO, "%s: tensor name '%s' is %zu bytes, longer than the limit of %d", file,
                       rm_st_clean(c1, name), nlen, RM_ST_NAME_MAX);
    rm_st_clean(c1, name);
    if (!cJSON_IsObject(j)) return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': entry is not a JSON object", file, c1);
    char what[100];
    snprintf(what, sizeof what, "tensor '%s': ", c1);
    if (check_unique(j, file, what, e)) return e->code;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(j, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(j, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(j, "data_offsets");
    if (!dt || !sh || !of)
        return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': no %s", file, c1,
                       !dt ? "dtype" : !sh ? "shape" : "data_offsets");

    if (!cJSON_IsString(dt) || !dt->valuestring)
        return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': dtype is not a string", file, c1);
    if (strcmp(dt->valuestring, "F32") == 0)
        x->dtype = RM_ST_F32;
    else if (strcmp(dt->valuestring, "I64") == 0)
        x->dtype = RM_ST_I64;
    else
        return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': dtype \"%s\" is not supported (only F32 and I64)", file, c1,
                       rm_st_clean(c2, dt->valuestring));

    /* shape: an array of at most RM_ST_MAX_RANK non-negative integers */
    if (!cJSON_IsArray(sh)) return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': shape is not an array", file, c1);
    int rank = 0;
    for (const cJSON *d = sh->child; d; d = d->next) {
        uint64_t v;
        if (!json_uint(d, &v))
            return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': shape is not an array of non-negative integers", file,
                           c1);
        if (rank == RM_ST_MAX_RANK)
            return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': shape has rank %d, more than %d", file, c1,
                           cJSON_GetArraySize(sh), RM_ST_MAX_RANK);
        x->shape[rank++] = (int64_t)v; /* v <= 2^53 */
    }
    x->ndim = rank;
    uint64_t need;
    if (!tensor_bytes(x->dtype, rank, x->shape, &need))
        return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': shape %s has too many elements (the byte size overflows)",
                       file, c1, rm_st_shape_str(s1, rank, x->shape));

    /* data_offsets: [begin, end], begin <= end <= the data section's size */
    uint64_t b, en;
    if (!cJSON_IsArray(of) || cJSON_GetArraySize(of) != 2 || !json_uint(of->child, &b) ||
        !json_uint(of->child->next, &en))
        return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': data_offsets is not two non-negative integers", file, c1);
    if (b > en)
        return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "]: begin is after end",
                       file, c1, b, en);
    if (en > data_len)
        return rm_fail(e, RM_ERR_IO,
                       "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                       "] are out of bounds: the data section is %" PRIu64 " bytes",
                       file, c1, b, en, data_len);
    if (en - b != need)
        return rm_fail(e, RM_ERR_IO,
                       "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64
                       " bytes, but shape %s of %s needs %" PRIu64,
                       file, c1, b, en, en - b, rm_st_shape_str(s1, rank, x->shape), rm_st_dtype_name(x->dtype), need);
    memcpy(x->name, name, nlen + 1);
    x->nbytes = (size_t)need;
    x->data = data + b;
    return RM_OK;
}

/* Copy the __metadata__ object j (string -> string) into f. */
static int parse_meta(rm_st_file *f, const cJSON *j, const char *file, rm_err *e)
{
    char c1[72];
    if (!cJSON_IsObject(j)) return rm_fail(e, RM_ERR_IO, "%s: __metadata__ is not a JSON object", file);
    if (check_unique(j, file, "__metadata__: ", e)) return e->code;
    size_t text = 0;
    int n = 0;
    for (const cJSON *c = j->child; c; c = c->next) {
        if (!cJSON_IsString(c) || !c->valuestring)
            return rm_fail(e, RM_ERR_IO, "%s: __metadata__: the value of '%s' is not a string", file,
                           rm_st_clean(c1, c->string));
        if (++n > RM_ST_MAX_META)
            return rm_fail(e, RM_ERR_IO, "%s: __metadata__ has more than %d entries", file, RM_ST_MAX_META);
        text += strlen(c->string ? c->string : "") + strlen(c->valuestring) + 2;
    }
    if (n == 0) return RM_OK;
    f->meta = rm_alloc((size_t)(2 * n), sizeof *f->meta, "metadata", e);
    f->meta_text = f->meta ? rm_alloc(text, 1, "metadata", e) : NULL;
    if (!f->meta_text) return e->code;
    char *p = f->meta_text;
    int i = 0;
    for (const cJSON *c = j->child; c; c = c->next) {
        const char *s[2] = {c->string ? c->string : "", c->valuestring};
        for (int k = 0; k < 2; k++) {
            size_t len = strlen(s[k]) + 1;
            memcpy(p, s[k], len);
            f->meta[i++] = p;
            p += len;
        }
    }
    f->n_meta = n;
    return RM_OK;
}

/* Order by begin, then by size (an empty tensor sorts before a non-empty one at the same offset). */
static int cmp_offset(const void *a, const void *b)
{
    const rm_st_entry *x = *(const rm_st_entry *const *)a, *y = *(const rm_st_entry *const *)b;
    if (x->data != y->data) return x->data < y->data ? -1 : 1;
    return (x->nbytes > y->nbytes) - (x->nbytes < y->nbytes);
}

/* Sorted by begin, the tensors must tile [0, data_len) exactly: no overlap, no gap, nothing left over. */
static int check_tiling(const rm_st_file *f, const uint8_t *data, uint64_t data_len, const char *file, rm_err *e)
{
    if (f->n == 0) {
        if (data_len) return rm_fail(e, RM_ERR_IO, "%s: %" PRIu64 " data bytes but no tensors", file, data_len);
        return RM_OK;
    }
    const rm_st_entry **v = rm_alloc((size_t)f->n, sizeof *v, "tensor order", e);
    if (!v) return e->code;
    for (int i = 0; i < f->n; i++) v[i] = &f->t[i];
    qsort(v, (size_t)f->n, sizeof *v, cmp_offset);
    char c1[72], c2[72];
    uint64_t at = 0;
    int rc = RM_OK;
    for (int i = 0; i < f->n && !rc; i++) {
        uint64_t b = (uint64_t)(v[i]->data - data), en = b + v[i]->nbytes;
        if (b < at)
            rc = rm_fail(e, RM_ERR_IO,
                         "%s: tensors '%s' and '%s' overlap: data_offsets [%" PRIu64 ", %" PRIu64
                         "] start before the previous one ends at %" PRIu64,
                         file, rm_st_clean(c1, v[i - 1]->name), rm_st_clean(c2, v[i]->name), b, en, at);
        else if (b > at)
            rc = rm_fail(e, RM_ERR_IO, "%s: a gap of %" PRIu64 " bytes at offset %" PRIu64 " before tensor '%s'",
                         file, b - at, at, rm_st_clean(c1, v[i]->name));
        at = en;
    }
    if (!rc && at != data_len)
        rc = rm_fail(e, RM_ERR_IO,
                     "%s: a gap of %" PRIu64 " bytes at offset %" PRIu64 " after the last tensor '%s' (the data "
                     "section is %" PRIu64 " bytes)",
                     file, data_len - at, at, rm_st_clean(c1, v[f->n - 1]->name), data_len);
    rm_free(v);
    return rc;
}

/* Every RM_ST_CRC_PREFIX<name> entry of __metadata__ must name a tensor and hold the CRC-32 of its bytes
 * as 8 lowercase hex digits; f->n_checked counts the tensors so verified. */
static int check_sums(rm_st_file *f, const char *file, rm_err *e)
{
    const size_t plen = sizeof RM_ST_CRC_PREFIX - 1;
    char c1[72];
    for (int i = 0; i < f->n_meta; i++) {
        const char *key = f->meta[2 * i], *val = f->meta[2 * i + 1];
        if (strncmp(key, RM_ST_CRC_PREFIX, plen) != 0) continue;
        const rm_st_entry *x = rm_st_find(f, key + plen);
        if (!x)
            return rm_fail(e, RM_ERR_IO, "%s: __metadata__ '%s' is the checksum of a tensor the file does not hold",
                           file, rm_st_clean(c1, key));
        uint32_t want = 0;
        int ok = strlen(val) == 8;
        for (int k = 0; ok && k < 8; k++) {
            char ch = val[k];
            ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
            want = want << 4 | (uint32_t)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
        }
        if (!ok)
            return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': checksum '%s' is not 8 lowercase hex digits", file,
                           rm_st_clean(c1, x->name), val);
        uint32_t got = crc_of(x->data, x->nbytes);
        if (got != want)
            return rm_fail(e, RM_ERR_IO,
                           "%s: tensor '%s': CRC-32 mismatch (stored %08" PRIx32 ", data %08" PRIx32
                           "): the file is corrupt",
                           file, rm_st_clean(c1, x->name), want, got);
        f->n_checked++;
    }
    return RM_OK;
}

static int parse_root(rm_st_file *f, const cJSON *root, const uint8_t *data, uint64_t data_len, const char *file,
                      rm_err *e)
{
    if (!cJSON_IsObject(root)) return rm_fail(e, RM_ERR_IO, "%s: the header is not a JSON object", file);
    int n = 0;
    const cJSON *meta = NULL;
    for (const cJSON *c = root->child; c; c = c->next) {
        if (c->string && strcmp(c->string, "__metadata__") == 0)
            meta = c;
        else if (++n > RM_ST_MAX_TENSORS)
            return rm_fail(e, RM_ERR_IO, "%s: more than %d tensors", file, RM_ST_MAX_TENSORS);
    }
    if (check_unique(root, file, "header: ", e)) return e->code; /* a second __metadata__ too */
    if (meta && parse_meta(f, meta, file, e)) return e->code;
    if (n > 0) {
        f->t = rm_alloc((size_t)n, sizeof *f->t, "tensor table", e);
        if (!f->t) return e->code;
    }
    for (const cJSON *c = root->child; c; c = c->next) {
        if (c == meta) continue;
        if (parse_entry(c, &f->t[f->n], data, data_len, file, e)) return e->code;
        f->n++;
    }
    if (check_tiling(f, data, data_len, file, e)) return e->code;
    return check_sums(f, file, e);
}

int rm_st_parse(rm_st_file *f, const uint8_t *buf, size_t n, const char *name, rm_err *e)
{
    memset(f, 0, sizeof *f);
    if (n < 8)
        return rm_fail(e, RM_ERR_IO, "%s: not a safetensors file: %zu bytes, shorter than the 8-byte header length",
                       name, n);
    uint64_t hlen = get_u64le(buf);
    if (hlen > RM_ST_MAX_HEADER)
        return rm_fail(e, RM_ERR_IO, "%s: header length %" PRIu64 " is over the limit of %llu bytes (100 MB)", name,
                       hlen, RM_ST_MAX_HEADER);
    if (hlen > n - 8)
        return rm_fail(e, RM_ERR_IO, "%s: header length %" PRIu64 " runs past the end of the file (%zu bytes)", name,
                       hlen, n);
    const char *htext = (const char *)buf + 8;
    /* cJSON wants a NUL-terminated string: a NUL inside would hide whatever follows it */
    if (memchr(htext, '\0', (size_t)hlen))
        return rm_fail(e, RM_ERR_IO, "%s: the header contains a NUL byte at offset %td", name,
                       (const char *)memchr(htext, '\0', (size_t)hlen) - htext);
    char *text = rm_alloc((size_t)hlen + 1, 1, "safetensors header", e);
    if (!text) return e->code;
    memcpy(text, htext, (size_t)hlen);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1); /* 1: no trailing junk (spaces are fine) */
    if (!root) {
        ptrdiff_t at = end ? end - text : 0;
        rm_free(text);
        return rm_fail(e, RM_ERR_IO, "%s: the header is not valid JSON (near byte %td of %" PRIu64 ")", name, at,
                       hlen);
    }
    rm_free(text);
    const uint8_t *data = buf + 8 + hlen;
    int rc = parse_root(f, root, data, (uint64_t)(n - 8 - hlen), name, e);
    cJSON_Delete(root);
    if (rc) {
        rm_st_free(f);
        return rc;
    }
    f->size = n;
    return RM_OK;
}

int rm_st_read(rm_st_file *f, const char *path, rm_err *e)
{
    memset(f, 0, sizeof *f);
    size_t size;
    uint8_t *buf = (uint8_t *)rm_read_file(path, RM_ST_MAX_FILE, &size, e);
    if (!buf) return e->code;
    if (rm_st_parse(f, buf, size, path, e)) {
        rm_free(buf);
        return e->code;
    }
    f->buf = buf;
    return RM_OK;
}

int rm_st_check_finite(const rm_st_entry *x, const char *path, int nonneg, rm_err *e)
{
    if (x->dtype != RM_ST_F32) return RM_OK;
    char c1[72];
    for (size_t i = 0; i < x->nbytes / 4; i++) {
        float v;
        memcpy(&v, x->data + 4 * i, 4); /* may be unaligned */
        if (!isfinite(v) || (nonneg && v < 0.0f))
            return rm_fail(e, RM_ERR_IO, "%s: tensor '%s': element %zu is %g, %s", path, rm_st_clean(c1, x->name), i,
                           (double)v, nonneg ? "not a finite non-negative number" : "not a finite number");
    }
    return RM_OK;
}

const rm_st_entry *rm_st_find(const rm_st_file *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0) return &f->t[i];
    return NULL;
}

const char *rm_st_meta(const rm_st_file *f, const char *key)
{
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[2 * i], key) == 0) return f->meta[2 * i + 1];
    return NULL;
}

void rm_st_free(rm_st_file *f)
{
    rm_free(f->buf);
    rm_free(f->t);
    rm_free((void *)f->meta);
    rm_free(f->meta_text);
    memset(f, 0, sizeof *f);
}
