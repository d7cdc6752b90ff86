/* idx.c - IDX reader over zlib (gzip or raw files alike), strict about every header field. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "rm_idx.h"
#include "gzfile.h"
#include "idx_cache.h"

int rm_idx_find(const char *path, char *found, size_t n, rm_err *e)
{
    struct stat st;
    size_t len = strlen(path);
    if (len + 4 >= n) return rm_fail(e, RM_ERR_IO, "%s: path too long", path);
    memcpy(found, path, len + 1);
    if (stat(found, &st) == 0) return RM_OK;
    int gz = len > 3 && strcmp(path + len - 3, ".gz") == 0;
    if (gz)
        found[len - 3] = '\0';
    else
        memcpy(found + len, ".gz", 4);
    if (stat(found, &st) == 0) return RM_OK;
    return rm_fail(e, RM_ERR_IO, "%s: not found (nor %s)", path, found);
}

/* gzread exactly n bytes; any short read is "truncated" or the zlib error. */
static int gz_read_exact(gzFile f, const char *path, void *buf, size_t n, const char *what, rm_err *e)
{
    uint8_t *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got < 0) {
            int zerr;
            const char *msg = rm_gz_msg(f, path, &zerr);
            return rm_fail(e, RM_ERR_IO, "%s: corrupt or unreadable (%s) while reading %s", path, msg, what);
        }
        if (got == 0) {
            int zerr;
            const char *msg = rm_gz_msg(f, path, &zerr);
            if (zerr != Z_OK && zerr != Z_STREAM_END)
                return rm_fail(e, RM_ERR_IO, "%s: corrupt or truncated gzip data (%s) while reading %s", path,
                               msg, what);
            return rm_fail(e, RM_ERR_IO, "%s: truncated: file ends inside the %s", path, what);
        }
        p += got;
        n -= (size_t)got;
    }
    return RM_OK;
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* A gzip stream's payload buffer starts at this many bytes, or at GZ_RATIO times the compressed file
 * size if larger (MNIST compresses about 4.75:1, so a truthful header is allocated once), and doubles
 * as data arrives, never past what the header claims. */
#define GZ_START ((size_t)1 << 20)
#define GZ_RATIO 8

/* The error for a header that claims count items of item bytes when have data bytes follow it. */
static int disagree(rm_err *e, const char *path, uint32_t count, size_t item, unsigned long long have)
{
    const char *what = item == 1 ? "labels" : "images";
    unsigned long long want = (unsigned long long)count * item;
    if (have < want)
        return rm_fail(e, RM_ERR_IO,
                       "%s: truncated: the header claims %u %s but the file holds only %llu (%llu of %llu data "
                       "bytes); the header and the data disagree",
                       path, count, what, have / item, have, want);
    return rm_fail(e, RM_ERR_IO,
                   "%s: trailing bytes: the header claims %u %s (%llu data bytes) but the file holds %llu data "
                   "bytes; the header and the data disagree",
                   path, count, what, want, have);
}

/* Read the count*item byte payload into *data. cap is the first allocation (want for a raw file whose
 * size was checked); the buffer grows geometrically up to want as the data arrives, so a header
 * that over-claims costs no more memory than the data that is actually there. */
static int read_payload(gzFile f, const char *path, uint32_t count, size_t item, size_t cap, uint8_t **data,
                        rm_err *e)
{
    size_t want = (size_t)count * item, have = 0;
    if (cap > want) cap = want;
    *data = rm_alloc(cap, 1, path, e);
    if (!*data) return e->code;
    while (have < want) {
        if (have == cap) {
            size_t next = cap > want / 2 ? want : 2 * cap;
            uint8_t *grown = rm_alloc(next, 1, path, e);
            if (!grown) return e->code;
            memcpy(grown, *data, have);
            rm_free(*data);
            *data = grown;
            cap = next;
        }
        size_t ask = cap - have;
        int got = gzread(f, *data + have, ask > (1u << 30) ? (1u << 30) : (unsigned)ask);
        if (got < 0) {
            int zerr;
            const char *msg = rm_gz_msg(f, path, &zerr);
            return rm_fail(e, RM_ERR_IO, "%s: corrupt or unreadable (%s) while reading data", path, msg);
        }
        if (got == 0) {
            int zerr;
            const char *msg = rm_gz_msg(f, path, &zerr);
            if (zerr != Z_OK && zerr != Z_STREAM_END)
                return rm_fail(e, RM_ERR_IO, "%s: corrupt or truncated gzip data (%s) while reading data", path,
                               msg);
            return disagree(e, path, count, item, have);
        }
        have += (size_t)got;
    }
    return RM_OK;
}

/* The header of an IDX file of magic's kind (hlen bytes: the magic, then a 4-byte size per
 * dimension): the item count, 1 to RM_IDX_MAX_ITEMS, into *count (checked before a byte of the payload
 * is read: a gzip bomb ends here) and the bytes per item (28x28 images, or 1 for labels) into *item. */
static int idx_header(gzFile f, const char *path, uint32_t magic, size_t hlen, uint32_t *count, size_t *item,
                      rm_err *e)
{
    uint8_t hdr[16];
    int ndims = (int)(magic & 0xff);
    if (gz_read_exact(f, path, hdr, 4, "header", e)) return e->code;
    if (be32(hdr) != magic)
        return rm_fail(e, RM_ERR_IO, "%s: bad magic 0x%08x, expected 0x%08x (%s file)", path, be32(hdr), magic,
                       ndims == 3 ? "IDX ubyte image" : "IDX ubyte label");
    if (gz_read_exact(f, path, hdr + 4, hlen - 4, "header", e)) return e->code;
    *count = be32(hdr + 4);
    *item = 1;
    if (ndims == 3) {
        uint32_t rows = be32(hdr + 8), cols = be32(hdr + 12);
        if (rows != RM_IMG_SIDE || cols != RM_IMG_SIDE)
            return rm_fail(e, RM_ERR_IO, "%s: images are %ux%u, expected %dx%d", path, rows, cols, RM_IMG_SIDE,
                           RM_IMG_SIDE);
        *item = RM_IMG_SIZE;
    }
    if (*count == 0) return rm_fail(e, RM_ERR_IO, "%s: holds no items", path);
    if (*count > RM_IDX_MAX_ITEMS)
        return rm_fail(e, RM_ERR_IO, "%s: the header claims %u %s, more than the %u an IDX file may hold here", path,
                       *count, *item == 1 ? "labels" : "images", RM_IDX_MAX_ITEMS);
    return RM_OK;
}

/* The payload buffer's first size, into *cap: a raw file (st its stat) must be exactly hlen header bytes
 * and the count*item data bytes long, and a truthful header is allocated once; a gzip stream starts
 * from its compressed size (read_payload grows the buffer). */
static int first_cap(gzFile f, const struct stat *st, const char *path, size_t hlen, uint32_t count, size_t item,
                     size_t *cap, rm_err *e)
{
    size_t want = (size_t)count * item;
    if (gzdirect(f)) { /* rm_gzopen opens regular files only: st_size is the file's length */
        unsigned long long have = (size_t)st->st_size > hlen ? (unsigned long long)st->st_size - hlen : 0;
        if (have != want) return disagree(e, path, count, item, have);
        *cap = want;
    } else {
        size_t packed = (size_t)st->st_size;
        *cap = packed < GZ_START / GZ_RATIO ? GZ_START : packed < want / GZ_RATIO ? packed * GZ_RATIO : want;
    }
    return RM_OK;
}

/* Nothing follows the count items the header claims, and a gzip stream ends cleanly. */
static int check_end(gzFile f, const char *path, uint32_t count, size_t item, rm_err *e)
{
    uint8_t extra;
    int zerr;
    int got = gzread(f, &extra, 1);
    if (got != 0) {
        const char *msg = rm_gz_msg(f, path, &zerr);
        return got > 0 ? rm_fail(e, RM_ERR_IO,
                                 "%s: trailing bytes after the %u %s the header claims; the header and the data "
                                 "disagree",
                                 path, count, item == 1 ? "labels" : "images")
                       : rm_fail(e, RM_ERR_IO, "%s: corrupt gzip data (%s)", path, msg);
    }
    const char *msg = rm_gz_msg(f, path, &zerr);
    if (zerr != Z_OK && zerr != Z_STREAM_END) return rm_fail(e, RM_ERR_IO, "%s: corrupt gzip data (%s)", path, msg);
    return RM_OK;
}

/* Parse one IDX stream f (path names it in errors; st its file's stat, st_size the raw length): magic,
 * dims, payload of exactly count*item bytes, nothing after. The count is checked against the data
 * before it sizes anything: a raw file must be exactly header + count*item bytes long; a gzip stream is
 * read into a growing buffer (read_payload). *data is NULL after a failure. */
static int idx_parse(gzFile f, const char *path, const struct stat *st, uint32_t magic, uint32_t *count,
                     uint8_t **data, rm_err *e)
{
    size_t item = 1, cap = 0, hlen = 4 + 4 * (size_t)(magic & 0xff);
    int rc = idx_header(f, path, magic, hlen, count, &item, e);
    if (!rc) rc = first_cap(f, st, path, hlen, *count, item, &cap, e);
    if (!rc) rc = read_payload(f, path, *count, item, cap, data, e);
    if (!rc) rc = check_end(f, path, *count, item, e);
    if (rc) {
        rm_free(*data);
        *data = NULL;
    }
    return rc;
}

/* The header bytes of a well-formed IDX file of magic's kind holding count items (into h; returns
 * their number): what idx_parse accepted, as the file holds them. */
static size_t idx_head(uint32_t magic, uint32_t count, uint8_t h[16])
{
    uint32_t v[4] = {magic, count, RM_IMG_SIDE, RM_IMG_SIDE};
    size_t words = 1 + (magic & 0xff);
    for (size_t i = 0; i < words; i++)
        for (int k = 0; k < 4; k++) h[4 * i + (size_t)k] = (uint8_t)(v[i] >> (24 - 8 * k));
    return 4 * words;
}

/* The payload bytes of count items of magic's kind. */
static size_t idx_bytes(uint32_t magic, uint32_t count)
{
    return (size_t)count * (magic == 0x00000803u ? RM_IMG_SIZE : 1);
}

/* CRC-32 of an IDX file's bytes: its header for magic and count, then its payload. */
static uint32_t idx_crc(uint32_t magic, uint32_t count, const uint8_t *data)
{
    uint8_t h[16];
    size_t hlen = idx_head(magic, count, h), n = idx_bytes(magic, count);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), h, (uInt)hlen);
    for (size_t at = 0; at < n; at += 1u << 30)
        crc = crc32(crc, data + at, (uInt)(n - at < (1u << 30) ? n - at : 1u << 30));
    return (uint32_t)crc;
}

/* The gzip file path (st its stat) from its decoded copy, when that is current and its CRC-32 holds:
 * 1 with *count and *data filled, else 0 (nothing kept; the caller decodes path). */
static int from_cache(const char *path, const struct stat *st, uint32_t magic, uint32_t *count, uint8_t **data)
{
    uint64_t len;
    uint32_t crc;
    gzFile c = rm_idx_cache_open(path, st, &len, &crc);
    if (!c) return 0;
    struct stat raw = *st;
    raw.st_size = (off_t)len;
    rm_err scratch = {0};
    int ok = idx_parse(c, path, &raw, magic, count, data, &scratch) == RM_OK && idx_crc(magic, *count, *data) == crc;
    gzclose_r(c);
    if (!ok) {
        rm_free(*data);
        *data = NULL;
    }
    return ok;
}

/* Read one IDX file (idx_parse). A gzip file is read from its decoded copy when that is current
 * (idx_cache.c), else decoded and the copy written for the next run. */
static int idx_read(const char *given, uint32_t magic, uint32_t *count, uint8_t **data, rm_err *e)
{
    char path[4096];
    *data = NULL;
    if (rm_idx_find(given, path, sizeof path, e)) return e->code;
    struct stat st;
    gzFile f = rm_gzopen(path, &st, e);
    if (!f) return e->code;
    int gz = !gzdirect(f);
    if (gz && from_cache(path, &st, magic, count, data)) {
        gzclose_r(f);
        return RM_OK;
    }
    int rc = idx_parse(f, path, &st, magic, count, data, e);
    if (gzclose_r(f) != Z_OK && rc == RM_OK) rc = rm_fail(e, RM_ERR_IO, "%s: corrupt gzip data (bad trailer)", path);
    if (rc) {
        rm_free(*data);
        *data = NULL;
    } else if (gz) {
        uint8_t h[16];
        size_t hlen = idx_head(magic, *count, h);
        rm_idx_cache_write(path, &st, h, hlen, *data, idx_bytes(magic, *count), idx_crc(magic, *count, *data));
    }
    return rc;
}

/* Read a label file and check every label is a class. */
static int labels_read(const char *path, uint8_t **labels, uint32_t *n, rm_err *e)
{
    if (idx_read(path, 0x00000801u, n, labels, e)) return e->code;
    for (uint32_t i = 0; i < *n; i++)
        if ((*labels)[i] >= RM_CLASSES) {
            int bad = (*labels)[i];
            rm_free(*labels);
            *labels = NULL;
            return rm_fail(e, RM_ERR_IO, "%s: label %d at item %u is not a digit class (0-9)", path, bad, i);
        }
    return RM_OK;
}

int rm_idx_load(rm_dataset *d, const char *images_path, const char *labels_path, rm_err *e)
{
    memset(d, 0, sizeof *d);
    uint32_t ni = 0, nl = 0;
    if (idx_read(images_path, 0x00000803u, &ni, &d->images, e)) return e->code;
    if (labels_read(labels_path, &d->labels, &nl, e)) {
        rm_dataset_free(d);
        return e->code;
    }
    if (ni != nl) {
        rm_dataset_free(d);
        return rm_fail(e, RM_ERR_IO, "%s: %u labels but %s holds %u images", labels_path, nl, images_path, ni);
    }
    d->n = ni;
    d->dim = RM_IMG_SIZE;
    d->classes = RM_CLASSES;
    return RM_OK;
}

int rm_idx_require_classes(const rm_dataset *d, const char *labels_path, rm_err *e)
{
    for (uint32_t i = 1; i < d->n; i++)
        if (d->labels[i] != d->labels[0]) return RM_OK;
    return rm_fail(e, RM_ERR_IO, "%s: one class only: every one of the %u labels is %u (at least 2 classes are needed)",
                   labels_path, d->n, d->n ? d->labels[0] : 0);
}

int rm_idx_load_labels(rm_dataset *d, const char *labels_path, rm_err *e)
{
    memset(d, 0, sizeof *d);
    if (labels_read(labels_path, &d->labels, &d->n, e)) return e->code;
    d->dim = RM_IMG_SIZE;
    d->classes = RM_CLASSES;
    return RM_OK;
}

void rm_dataset_free(rm_dataset *d)
{
    rm_free(d->images);
    rm_free(d->labels);
    rm_free(d->features);
    memset(d, 0, sizeof *d);
}
