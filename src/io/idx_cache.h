/* idx_cache.h - (io-private) the decoded copy of a gzip IDX file, kept beside it as "<file>.decoded"
 * so that a run decodes each gzip file once, not once per process. */
#ifndef RM_IDX_CACHE_H
#define RM_IDX_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <zlib.h>

/* Bytes of the decoded copy's own header, before the IDX bytes. */
#define RM_IDX_CACHE_HEADER 64

/* The decoded copy's path for the gzip file gz: gz with ".decoded" added; 0, or -1 when it does not
 * fit in n bytes. */
int rm_idx_cache_path(const char *gz, char *out, size_t n);

/* Open gz's decoded copy when it is current: a regular file whose header names gz's size, mtime and
 * inode (st, gz's stat) and holds gz's last 8 bytes and whose length is the header plus the recorded IDX length. Returns a zlib
 * stream positioned at the IDX bytes (read as a raw file), the IDX length in *len and the CRC-32 of
 * the IDX bytes the copy was written with in *crc; NULL when there is no current copy (not an error:
 * the caller decodes gz). */
gzFile rm_idx_cache_open(const char *gz, const struct stat *st, uint64_t *len, uint32_t *crc);

/* Write gz's decoded copy: the header for st, then the IDX bytes head (hlen) and data (n), with the
 * CRC-32 crc of both, into a temporary file renamed into place (concurrent writers leave one whole
 * copy). 0 on success; -1 when it cannot be written (a read-only directory, a full disk, a
 * directory of that name), which is not an error: the next run decodes gz again. */
int rm_idx_cache_write(const char *gz, const struct stat *st, const uint8_t *head, size_t hlen, const uint8_t *data,
                       size_t n, uint32_t crc);

#endif
