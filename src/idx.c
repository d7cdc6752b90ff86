/* idx.c - IDX reader over zlib (gzip or raw files alike), strict about every header field. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "rm_data.h"

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
    return rm_fail(e, RM_ERR_IO, "%s: not found (nor %s); fetch the data with scripts/get-data.sh", path, found);
}

/* zlib's message without the "path: " prefix it adds. */
static const char *gz_msg(gzFile f, const char *path, int *zerr)
{
    const char *m = gzerror(f, zerr);
    size_t n = strlen(path);
    if (strncmp(m, path, n) == 0 && m[n] == ':' && m[n + 1] == ' ') m += n + 2;
    return m;
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
            const char *msg = gz_msg(f, path, &zerr);
            return rm_fail(e, RM_ERR_IO, "%s: corrupt or unreadable (%s) while reading %s", path, msg, what);
        }
        if (got == 0) {
            int zerr;
            const char *msg = gz_msg(f, path, &zerr);
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

/* Read one IDX file: magic, dims, payload of exactly count*item bytes, nothing after. */
static int idx_read(const char *given, uint32_t magic, uint32_t *count, uint8_t **data, rm_err *e)
{
    char path[4096];
    if (rm_idx_find(given, path, sizeof path, e)) return e->code;
    gzFile f = gzopen(path, "rb");
    if (!f) return rm_fail(e, RM_ERR_IO, "%s: %s", path, errno ? strerror(errno) : "cannot open");
    gzbuffer(f, 1u << 17);
    int rc = RM_OK;
    uint8_t hdr[16];
    int ndims = (int)(magic & 0xff);
    size_t hlen = 4 + 4 * (size_t)ndims;
    *data = NULL;
    if ((rc = gz_read_exact(f, path, hdr, 4, "header", e))) goto out;
    if (be32(hdr) != magic) {
        rc = rm_fail(e, RM_ERR_IO, "%s: bad magic 0x%08x, expected 0x%08x (%s file)", path, be32(hdr), magic,
                     ndims == 3 ? "IDX ubyte image" : "IDX ubyte label");
        goto out;
    }
    if ((rc = gz_read_exact(f, path, hdr + 4, hlen - 4, "header", e))) goto out;
    *count = be32(hdr + 4);
    size_t item = 1;
    if (ndims == 3) {
        uint32_t rows = be32(hdr + 8), cols = be32(hdr + 12);
        if (rows != RM_IMG_SIDE || cols != RM_IMG_SIDE) {
            rc = rm_fail(e, RM_ERR_IO, "%s: images are %ux%u, expected %dx%d", path, rows, cols, RM_IMG_SIDE,
                         RM_IMG_SIDE);
            goto out;
        }
        item = RM_IMG_SIZE;
    }
    if (*count == 0) {
        rc = rm_fail(e, RM_ERR_IO, "%s: holds no items", path);
        goto out;
    }
    *data = rm_alloc((size_t)*count, item, path, e);
    if (!*data) {
        rc = e->code;
        goto out;
    }
    if ((rc = gz_read_exact(f, path, *data, (size_t)*count * item, "data", e))) goto out;
    uint8_t extra;
    int got = gzread(f, &extra, 1);
    if (got != 0) {
        int zerr;
        const char *msg = gz_msg(f, path, &zerr);
        rc = got > 0 ? rm_fail(e, RM_ERR_IO, "%s: trailing bytes after %u items", path, *count)
                     : rm_fail(e, RM_ERR_IO, "%s: corrupt gzip data (%s)", path, msg);
        goto out;
    }
    {
        int zerr;
        const char *msg = gz_msg(f, path, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END) {
            rc = rm_fail(e, RM_ERR_IO, "%s: corrupt gzip data (%s)", path, msg);
            goto out;
        }
    }
out:
    if (gzclose_r(f) != Z_OK && rc == RM_OK) rc = rm_fail(e, RM_ERR_IO, "%s: corrupt gzip data (bad trailer)", path);
    if (rc) {
        rm_free(*data);
        *data = NULL;
    }
    return rc;
}

int rm_idx_load(rm_dataset *d, const char *images_path, const char *labels_path, rm_err *e)
{
    memset(d, 0, sizeof *d);
    uint32_t ni = 0, nl = 0;
    if (idx_read(images_path, 0x00000803u, &ni, &d->images, e)) return e->code;
    if (idx_read(labels_path, 0x00000801u, &nl, &d->labels, e)) {
        rm_dataset_free(d);
        return e->code;
    }
    if (ni != nl) {
        rm_dataset_free(d);
        return rm_fail(e, RM_ERR_IO, "%s: %u labels but %s holds %u images", labels_path, nl, images_path, ni);
    }
    for (uint32_t i = 0; i < nl; i++)
        if (d->labels[i] >= RM_CLASSES) {
            int bad = d->labels[i];
            rm_dataset_free(d);
            return rm_fail(e, RM_ERR_IO, "%s: label %d at item %u is not a digit class (0-9)", labels_path, bad, i);
        }
    d->n = ni;
    return RM_OK;
}

void rm_dataset_free(rm_dataset *d)
{
    rm_free(d->images);
    rm_free(d->labels);
    d->images = d->labels = NULL;
    d->n = 0;
}
