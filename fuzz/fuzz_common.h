/* fuzz_common.h - helpers shared by the libFuzzer harnesses (fuzz/fuzz_*.c; built by scripts/fuzz.sh).
 *
 * The readers take file paths, so a harness hands them its bytes through a scratch file: an in-memory
 * memfd named by /proc/self/fd/N (no disk traffic), or a file under $TMPDIR when memfd or /proc is
 * missing. A harness includes this after defining _GNU_SOURCE. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rm_common.h"

/* A property the code under test broke: print why and abort, which libFuzzer reports as a crash. */
__attribute__((noreturn, format(printf, 1, 2))) static void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: property violated: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#define FZ_CHECK(cond, ...)                                                                                      \
    do {                                                                                                         \
        if (!(cond)) fz_fail(__VA_ARGS__);                                                                       \
    } while (0)

/* FUZZ_VERBOSE=1 in the environment: print each input's outcome (to check seeds or a crash input). */
static int fz_verbose_on = -1;
static int fz_verbose(void)
{
    if (fz_verbose_on < 0) fz_verbose_on = getenv("FUZZ_VERBOSE") && getenv("FUZZ_VERBOSE")[0] == '1';
    return fz_verbose_on;
}

/* FUZZ_ALLOW=name,name...: properties not enforced, so that a long run can look past a known finding
 * that is not fixed yet ("multiline": error messages of more than one line; see each harness). */
static int fz_allowed(const char *name)
{
    const char *list = getenv("FUZZ_ALLOW");
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0) return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* A scratch file the harness rewrites for each input; path is what the reader is given. */
typedef struct fz_file {
    int fd;
    char path[256];
} fz_file;

static char fz_tmp_paths[8][256];
static int fz_n_tmp;

static void fz_cleanup(void)
{
    for (int i = 0; i < fz_n_tmp; i++) unlink(fz_tmp_paths[i]);
}

static void fz_file_open(fz_file *f, const char *tag)
{
    struct stat st;
    f->fd = memfd_create(tag, MFD_CLOEXEC);
    if (f->fd >= 0) {
        snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
        if (stat(f->path, &st) == 0) return;
        close(f->fd);
    }
    const char *dir = getenv("TMPDIR");
    snprintf(f->path, sizeof f->path, "%s/regmnist-fuzz-%s-XXXXXX", dir && dir[0] ? dir : "/tmp", tag);
    f->fd = mkstemp(f->path);
    if (f->fd < 0) {
        fprintf(stderr, "fuzz: cannot create a scratch file %s: %s\n", f->path, strerror(errno));
        exit(1);
    }
    if (fz_n_tmp == 0) atexit(fz_cleanup);
    if (fz_n_tmp < 8) snprintf(fz_tmp_paths[fz_n_tmp++], sizeof fz_tmp_paths[0], "%s", f->path);
}

/* Make the file hold exactly these n bytes (n may be 0: an empty file). */
static void fz_file_set(fz_file *f, const void *data, size_t n)
{
    if (ftruncate(f->fd, 0) != 0) fz_fail("ftruncate %s: %s", f->path, strerror(errno));
    const char *p = data;
    for (size_t off = 0; off < n;) {
        ssize_t w = pwrite(f->fd, p + off, n - off, (off_t)off);
        if (w <= 0) fz_fail("write %s: %s", f->path, strerror(errno));
        off += (size_t)w;
    }
}

/* An error the reader returned: the expected code, a non-empty message of one line. */
static void fz_check_err(const rm_err *e, int code, const char *what)
{
    size_t len = strnlen(e->msg, sizeof e->msg);
    FZ_CHECK(e->code == code, "%s: error code %d, expected %d (message: %.*s)", what, e->code, code, (int)len,
             e->msg);
    FZ_CHECK(len > 0, "%s: empty error message", what);
    FZ_CHECK(len < sizeof e->msg, "%s: error message not NUL-terminated", what);
    FZ_CHECK(!memchr(e->msg, '\n', len) || fz_allowed("multiline"), "%s: error message is not one line: \"%s\"",
             what, e->msg);
}

/* s starts with prefix followed by ": " (a message naming its file or origin). */
static int fz_names(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 && s[n] == ':';
}

#endif
