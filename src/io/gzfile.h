/* gzfile.h - (io-private) opening a data file through zlib (gzip or raw alike), shared by the readers. */
#ifndef RM_GZFILE_H
#define RM_GZFILE_H

#include <sys/stat.h>
#include <zlib.h>

#include "rm_common.h"

/* Open path for reading through zlib with a 128 KiB buffer, filling *st; a missing file, a
 * directory, FIFO or other file that is not a regular one (rm_open_input), or an open failure is an
 * RM_ERR_IO error naming path (NULL returned). */
gzFile rm_gzopen(const char *path, struct stat *st, rm_err *e);

/* zlib's error message for f (its code into *zerr) without the "path: " or "<fd:N>: " prefix zlib
 * adds, so a caller's "path: message" names the file once. */
const char *rm_gz_msg(gzFile f, const char *path, int *zerr);

#endif
