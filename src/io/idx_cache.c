/* idx_cache.c - the decoded copy of a gzip IDX file ("<file>.decoded" beside it): reader, writer and
 * validation. Inflating MNIST's 9.9 MB training images costs about 0.25 s per process; reading the
 * 47 MB copy from the page cache and checking its CRC-32 costs about 0.03 s.
 *
 * Layout, little-endian: "RMIDXGZ1", then u64 size, i64 mtime seconds, i64 mtime nanoseconds and u64
 * inode of the gzip file it was decoded from, its last 8 bytes (the gzip trailer: CRC-32 and length of
 * what it holds, so a file rewritten within one timestamp tick at the same size still differs), u64
 * length L of the IDX bytes, u32 CRC-32 of them, u32 zero; then the L IDX bytes (header and payload,
 * exactly as the gzip file decompresses). The copy is trusted only when all of that matches the gzip
 * file and the length is right, and the reader (idx.c) checks the CRC-32 of what it read; anything
 * else sends it back to the gzip file. */
#define _POSIX_C_SOURCE 200809L
#include "idx_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char MAGIC[8] = {'R', 'M', 'I', 'D', 'X', 'G', 'Z', '1'};

int rm_idx_cache_path(const char *gz, char *out, size_t n)
{
    int w = snprintf(out, n, "%s.decoded", gz);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static void put64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* The header for the gzip file gz (st its stat), IDX length len and CRC crc (RM_IDX_CACHE_HEADER
 * bytes); -1 when gz's last 8 bytes cannot be read. */
static int header(uint8_t *h, const char *gz, const struct stat *st, uint64_t len, uint32_t crc)
{
    memcpy(h, MAGIC, 8);
    put64(h + 8, (uint64_t)st->st_size);
    put64(h + 16, (uint64_t)st->st_mtim.tv_sec);
    put64(h + 24, (uint64_t)st->st_mtim.tv_nsec);
    put64(h + 32, (uint64_t)st->st_ino);
    put64(h + 48, len);
    put64(h + 56, crc); /* the CRC, then four zero bytes */
    int fd = open(gz, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    int ok = st->st_size >= 8 && pread(fd, h + 40, 8, st->st_size - 8) == 8;
    close(fd);
    return ok ? 0 : -1;
}

/* read() exactly n bytes; 0 on success. */
static int read_all(int fd, uint8_t *b, size_t n)
{
    while (n > 0) {
        ssize_t got = read(fd, b, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        b += got;
        n -= (size_t)got;
    }
    return 0;
}

gzFile rm_idx_cache_open(const char *gz, const struct stat *st, uint64_t *len, uint32_t *crc)
{
    char path[4096];
    uint8_t h[RM_IDX_CACHE_HEADER], want[RM_IDX_CACHE_HEADER];
    struct stat cs;
    if (rm_idx_cache_path(gz, path, sizeof path)) return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return NULL;
    if (fstat(fd, &cs) || !S_ISREG(cs.st_mode) || cs.st_size < RM_IDX_CACHE_HEADER || read_all(fd, h, sizeof h))
        goto stale;
    *len = get64(h + 48);
    *crc = (uint32_t)get64(h + 56);
    if (header(want, gz, st, *len, *crc) || memcmp(h, want, sizeof h) != 0 || (uint64_t)cs.st_size - RM_IDX_CACHE_HEADER != *len) goto stale;
    gzFile f = gzdopen(fd, "rb"); /* raw bytes: zlib reads them as they are (gzdirect) */
    if (!f) goto stale;
    gzbuffer(f, 1u << 17);
    return f;
stale:
    close(fd);
    return NULL;
}

/* write() all n bytes; 0 on success. */
static int write_all(int fd, const uint8_t *b, size_t n)
{
    while (n > 0) {
        ssize_t put = write(fd, b, n);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) return -1;
        b += put;
        n -= (size_t)put;
    }
    return 0;
}

/* No fsync: a copy torn by a crash fails its length or CRC check and is rewritten. */
int rm_idx_cache_write(const char *gz, const struct stat *st, const uint8_t *head, size_t hlen, const uint8_t *data,
                       size_t n, uint32_t crc)
{
    char path[4096], tmp[4200];
    uint8_t h[RM_IDX_CACHE_HEADER];
    if (rm_idx_cache_path(gz, path, sizeof path)) return -1;
    int w = snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    if (w < 0 || (size_t)w >= sizeof tmp) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    int bad = header(h, gz, st, (uint64_t)hlen + n, crc) || write_all(fd, h, sizeof h) || write_all(fd, head, hlen) || write_all(fd, data, n);
    bad = close(fd) || bad;
    if (bad || rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}
