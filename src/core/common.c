/* common.c - errors, checked allocation, file helpers and the "auto" thread count. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_ALLOC */
#include "rm_common.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

int rm_cpu_max_parse(const char *text)
{
    long long v[2] = {-1, 0}; /* quota (-1: "max"), period */
    const char *p = text;
    for (int i = 0; i < 2; i++) {
        if (i == 0 && strncmp(p, "max", 3) == 0) {
            p += 3;
        } else {
            if (!isdigit((unsigned char)*p)) return -1;
            char *end;
            errno = 0;
            v[i] = strtoll(p, &end, 10);
            if (errno) return -1;
            p = end;
        }
        if (i == 0 && *p++ != ' ') return -1;
    }
    if (*p == '\n') p++;
    if (*p != '\0' || v[1] <= 0) return -1;
    if (v[0] < 0) return 0;
    long long n = v[0] / v[1] + (v[0] % v[1] != 0);
    return n < 1 ? 1 : n > (1 << 20) ? (1 << 20) : (int)n;
}

/* The cgroup v2 path in /proc/self/cgroup's text (its "0::PATH" line) into out, or "" when none. */
static void cgroup_path(const char *self_cgroup, char *out, size_t n)
{
    out[0] = '\0';
    for (const char *l = self_cgroup; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, "0::/", 4) == 0) {
            snprintf(out, n, "%.*s", (int)strcspn(l + 3, "\n"), l + 3);
            return;
        }
}

int rm_cgroup_cpus(const char *root, const char *self_cgroup, int *cpus, rm_err *e)
{
    char path[4096], dir[4096], file[4200];
    *cpus = 0;
    cgroup_path(self_cgroup, path, sizeof path);
    if (!path[0]) return RM_OK; /* no cgroup v2 */
    const size_t top = strlen(root);
    int k = snprintf(dir, sizeof dir, "%s%s", root, path);
    if (k < 0 || (size_t)k >= sizeof dir) return rm_fail(e, RM_ERR_IO, "%s%s: path too long", root, path);
    while (strlen(dir) > top && dir[strlen(dir) - 1] == '/') dir[strlen(dir) - 1] = '\0';
    for (;;) { /* the process's cgroup, then each parent up to root: a parent's quota limits it too */
        snprintf(file, sizeof file, "%s/cpu.max", dir);
        size_t len;
        rm_err re = {0};
        char *text = rm_read_text(file, 4096, &len, &re);
        if (!text && errno != ENOENT && errno != ENOTDIR) { /* no file: no limit at this level */
            *e = re;
            return e->code;
        }
        int n = text ? rm_cpu_max_parse(text) : 0;
        if (n < 0) {
            rm_fail(e, RM_ERR_IO, "%s: expected \"max PERIOD\" or \"QUOTA PERIOD\", got '%s'", file, text);
            free(text);
            return e->code;
        }
        free(text);
        if (n > 0 && (*cpus == 0 || n < *cpus)) *cpus = n;
        char *slash = strlen(dir) > top ? strrchr(dir + top, '/') : NULL;
        if (!slash) return RM_OK;
        *slash = '\0';
    }
}

/* The CPUs in the process's affinity mask (a mask as large as the kernel's: CPU_ALLOC). */
static int affinity_cpus(int *n, rm_err *e)
{
    int err = EINVAL;
    for (int ncpu = 1024; ncpu <= (1 << 22) && err == EINVAL; ncpu *= 2) { /* EINVAL: a larger mask */
        cpu_set_t *set = CPU_ALLOC(ncpu);
        if (!set) return rm_fail(e, RM_ERR_RUN, "threads \"auto\": out of memory");
        size_t size = CPU_ALLOC_SIZE(ncpu);
        err = sched_getaffinity(0, size, set) == 0 ? 0 : errno;
        if (!err) *n = CPU_COUNT_S(size, set);
        CPU_FREE(set);
        if (!err) return RM_OK;
    }
    return rm_fail(e, RM_ERR_RUN, "threads \"auto\": sched_getaffinity: %s (set threads to a number)", strerror(err));
}

/* Environment variable name as a count of CPUs: 0 when unset, else a positive whole number
 * (saturating at a million), else a usage error naming it. */
static int env_cpus(const char *name, long *n, rm_err *e)
{
    const char *v = getenv(name);
    *n = 0;
    if (!v) return RM_OK;
    size_t len = strlen(v);
    for (size_t i = 0; i < len && isdigit((unsigned char)v[i]); i++) *n = *n >= 1000000 ? *n : *n * 10 + (v[i] - '0');
    if (len == 0 || strspn(v, "0123456789") != len || *n == 0)
        return rm_fail(e, RM_ERR_USAGE, "%s: expected a positive whole number, got '%s' (read for threads \"auto\")",
                       name, v);
    return RM_OK;
}

int rm_threads_auto(int *n, const char **source, rm_err *e)
{
    int count = 0, cg = 0;
    if (affinity_cpus(&count, e)) return e->code;
    *source = "affinity";
    size_t len;
    rm_err re = {0};
    char *self = rm_read_text("/proc/self/cgroup", (size_t)1 << 20, &len, &re);
    if (!self && errno != ENOENT) { /* no /proc/self/cgroup: no cgroups */
        *e = re;
        return e->code;
    }
    int rc = self ? rm_cgroup_cpus("/sys/fs/cgroup", self, &cg, e) : RM_OK;
    free(self);
    if (rc) return rc;
    if (cg > 0 && cg < count) {
        count = cg;
        *source = "cgroup";
    }
    static const char *const VARS[] = {"SLURM_CPUS_PER_TASK", "OMP_NUM_THREADS"};
    for (int i = 0; i < 2; i++) {
        long v;
        if (env_cpus(VARS[i], &v, e)) return e->code;
        if (v > 0 && v < count) {
            count = (int)v;
            *source = VARS[i];
        }
    }
    *n = count < 1 ? 1 : count > 64 ? 64 : count; /* the threads key's range */
    return RM_OK;
}
