/* gzfile.c - one checked way to open a data file through zlib. */
#define _POSIX_C_SOURCE 200809L
#include "gzfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

gzFile rm_gzopen(const char *path, struct stat *st, rm_err *e)
{
    int fd = rm_open_input(path, st, e);
    if (fd < 0) {
        if (errno == ENOENT) rm_fail(e, RM_ERR_IO, "%s: not found", path);
        return NULL;
    }
    gzFile f = gzdopen(fd, "rb");
    if (!f) {
        close(fd);
        rm_fail(e, RM_ERR_IO, "%s: cannot open (out of memory)", path);
        return NULL;
    }
    gzbuffer(f, 1u << 17);
    return f;
}

/* zlib's message without the "path: " or "<fd:N>: " prefix it adds. */
const char *rm_gz_msg(gzFile f, const char *path, int *zerr)
{
    const char *m = gzerror(f, zerr);
    size_t n = strlen(path);
    if (strncmp(m, "<fd:", 4) == 0 && strchr(m, '>'))
        n = (size_t)(strchr(m, '>') - m) + 1;
    else if (strncmp(m, path, n) != 0)
        return m;
    if (m[n] == ':' && m[n + 1] == ' ') m += n + 2;
    return m;
}

