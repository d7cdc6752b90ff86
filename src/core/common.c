/* common.c - errors, checked allocation and file helpers. */
#define _POSIX_C_SOURCE 200809L
#include "rm_common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int rm_fail(rm_err *e, int code, const char *fmt, ...)
{
    char raw[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* One line whatever the user's text holds: control bytes are shown escaped (\n, \t, \x01). */
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)raw; *p && o + 5 < sizeof e->msg; p++) {
        if (*p >= 0x20 && *p != 0x7f)
            e->msg[o++] = (char)*p;
        else if (*p == '\n' || *p == '\t' || *p == '\r')
            o += (size_t)snprintf(e->msg + o, sizeof e->msg - o, "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
        else
            o += (size_t)snprintf(e->msg + o, sizeof e->msg - o, "\\x%02x", *p);
    }
    e->msg[o] = '\0';
    e->code = code;
    return code;
}

void *rm_alloc(size_t n, size_t size, const char *what, rm_err *e)
{
    if (n == 0) n = 1;
    if (size != 0 && n > (size_t)-1 / size) {
        rm_fail(e, RM_ERR_RUN, "out of memory: %s (%zu x %zu bytes)", what, n, size);
        return NULL;
    }
    size_t bytes = (n * size + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes);
    if (!p) {
        rm_fail(e, RM_ERR_RUN, "out of memory: %s (%zu bytes)", what, bytes);
        return NULL;
    }
    memset(p, 0, bytes);
    return p;
}

void rm_free(void *p) { free(p); }

/* What a file that is not a regular file is, for the error. */
static const char *file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO (named pipe)" : S_ISCHR(m) ? "a character device"
           : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int rm_open_input(const char *path, struct stat *st, rm_err *e)
{
    struct stat own;
    if (!st) st = &own;
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        rm_fail(e, RM_ERR_IO, "%s: %s", path, strerror(err));
        errno = err;
        return -1;
    }
    int err = fstat(fd, st) != 0 ? errno : 0, flags = err ? 0 : fcntl(fd, F_GETFL);
    if (!err && S_ISREG(st->st_mode) && (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)) err = errno;
    if (err || !S_ISREG(st->st_mode)) {
        close(fd);
        if (err)
            rm_fail(e, RM_ERR_IO, "%s: %s", path, strerror(err));
        else
            rm_fail(e, RM_ERR_IO, "%s: is %s, not a regular file (regmnist reads only regular files)", path,
                    file_kind(st->st_mode));
        errno = err ? err : S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    return fd;
}

FILE *rm_fopen(const char *path, const char *mode, rm_err *e)
{
    if (mode[0] == 'r' && !strchr(mode, '+')) {
        int fd = rm_open_input(path, NULL, e);
        if (fd < 0) return NULL;
        FILE *f = fdopen(fd, mode);
        if (!f) {
            int err = errno;
            close(fd);
            rm_fail(e, RM_ERR_IO, "%s: %s", path, strerror(err));
            errno = err;
        }
        return f;
    }
    FILE *f = fopen(path, mode);
    if (!f) rm_fail(e, RM_ERR_IO, "%s: %s", path, strerror(errno));
    return f;
}

/* n bytes as the limits are given: "16 MiB", "1 GiB", else "N bytes". */
static void size_text(size_t n, char *buf, size_t bn)
{
    if (n >= (1u << 30) && n % (1u << 30) == 0)
        snprintf(buf, bn, "%zu GiB", n >> 30);
    else if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(buf, bn, "%zu MiB", n >> 20);
    else
        snprintf(buf, bn, "%zu bytes", n);
}

char *rm_read_file(const char *path, size_t max, size_t *len, rm_err *e)
{
    struct stat st;
    *len = 0;
    if (max > ((size_t)-1 >> 1)) max = (size_t)-1 >> 1; /* room for max + 2 bytes */
    int fd = rm_open_input(path, &st, e);
    if (fd < 0) return NULL;
    char limit[32];
    size_text(max, limit, sizeof limit);
    if (st.st_size > 0 && (unsigned long long)st.st_size > max) {
        close(fd);
        rm_fail(e, RM_ERR_IO, "%s: larger than %s, the limit for this file", path, limit);
        errno = EFBIG;
        return NULL;
    }
    /* The size fstat gives plus one byte, so one read finds the end; a file that grows (or a /proc file
     * of size 0) grows the buffer, up to max + 1 bytes, which is one too many. */
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 65536, n = 0;
    if (cap > max + 1) cap = max + 1;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            close(fd);
            rm_fail(e, RM_ERR_RUN, "%s: out of memory reading it (%zu bytes)", path, cap + 1);
            errno = ENOMEM;
            return NULL;
        }
        if (n > max) {
            close(fd);
            free(buf);
            rm_fail(e, RM_ERR_IO, "%s: larger than %s, the limit for this file", path, limit);
            errno = EFBIG;
            return NULL;
        }
        if (n == cap) {
            cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
            char *grown = realloc(buf, cap + 1);
            if (!grown) free(buf);
            buf = grown;
            continue;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int err = errno;
            close(fd);
            free(buf);
            rm_fail(e, RM_ERR_IO, "%s: read error: %s", path, strerror(err));
            errno = err;
            return NULL;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *rm_read_text(const char *path, size_t max, size_t *len, rm_err *e)
{
    char *text = rm_read_file(path, max, len, e);
    size_t at = text ? strlen(text) : 0;
    if (text && at != *len) {
        free(text);
        *len = 0;
        rm_fail(e, RM_ERR_IO, "%s: contains a NUL byte (at offset %zu), expected text", path, at);
        errno = EILSEQ;
        return NULL;
    }
    return text;
}

int rm_fclose(FILE *f, const char *path, rm_err *e)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return rm_fail(e, RM_ERR_IO, "%s: write failed: %s", path, strerror(errno ? errno : EIO));
    return RM_OK;
}

int rm_write_atomic(const char *path, const void *data, size_t n, rm_err *e)
{
    char tmp[4200];
    int k = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (k < 0 || (size_t)k >= sizeof tmp) return rm_fail(e, RM_ERR_IO, "%s: path too long", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return rm_fail(e, RM_ERR_IO, "%s: %s", tmp, strerror(errno));
    int bad = fwrite(data, 1, n, f) != n || fflush(f) != 0 || fsync(fileno(f)) != 0;
    int err = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad || rename(tmp, path) != 0) {
        if (!bad) err = errno;
        unlink(tmp);
        return rm_fail(e, RM_ERR_IO, "%s: write failed: %s", path, strerror(err ? err : EIO));
    }
    return RM_OK;
}

int rm_mkdirs(const char *path, rm_err *e)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0) return RM_OK;
    if (n >= sizeof buf) return rm_fail(e, RM_ERR_IO, "%s: path too long", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return rm_fail(e, RM_ERR_IO, "%s: cannot create directory: %s", buf, strerror(errno));
            buf[i] = c;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return rm_fail(e, RM_ERR_IO, "%s: not a directory", path);
    return RM_OK;
}

int rm_path_join(char *out, size_t n, const char *dir, const char *name, rm_err *e)
{
    int k = (dir && dir[0]) ? snprintf(out, n, "%s/%s", dir, name) : snprintf(out, n, "%s", name);
    if (k < 0 || (size_t)k >= n) return rm_fail(e, RM_ERR_USAGE, "%s/%s: path too long", dir, name);
    return RM_OK;
}

double rm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int rm_cores_online(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}
