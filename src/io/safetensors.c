/* safetensors.c - the safetensors format's validating reader (rm_st_read, rm_st_parse) and the helpers
 * it shares with the writer (safetensors_write.c); models are run/model_file.c's.
 *
 * Layout: u64 little-endian header length N | N bytes of JSON header | data section. The header maps
 * each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (relative to the data section)
 * and may hold "__metadata__" (string -> string).
 *
 * The reader trusts nothing: every length, offset and shape is checked before it is used, and every
 * malformed file is an RM_ERR_IO message naming the file, never a crash. */
#define _POSIX_C_SOURCE 200809L
#include "rm_safetensors.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "safetensors_internal.h"

#define JSON_INT_MAX 9007199254740992.0 /* 2^53: above it a JSON number is no longer an exact integer */

const char *rm_st_dtype_name(int d) { return d == RM_ST_F32 ? "F32" : d == RM_ST_I64 ? "I64" : "?"; }

static uint64_t dtype_size(int d) { return d == RM_ST_I64 ? 8 : 4; }

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
int rm_st_tensor_bytes(int dtype, int ndim, const int64_t *shape, uint64_t *out)
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
const char *rm_st_first_dup(const char **v, int n)
{
    if (n < 2) return NULL;
    qsort(v, (size_t)n, sizeof *v, cmp_str);
    for (int i = 1; i < n; i++)
        if (strcmp(v[i - 1], v[i]) == 0) return v[i];
    return NULL;
}

/* The CRC-32 (zlib's, as Python's zlib.crc32) of n bytes, in pieces that fit zlib's uInt. */
uint32_t rm_st_crc32(const uint8_t *p, size_t n)
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
    const char *dup = rm_st_first_dup(keys, n);
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
    if (!rm_st_tensor_bytes(x->dtype, rank, x->shape, &need))
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
        uint32_t got = rm_st_crc32(x->data, x->nbytes);
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
