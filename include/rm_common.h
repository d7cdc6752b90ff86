/* rm_common.h - status codes, error messages and checked wrappers. */
#ifndef RM_COMMON_H
#define RM_COMMON_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

/* Exit/status codes, returned up to main and used as the process exit code. */
enum {
    RM_OK = 0,        /* success */
    RM_ERR_RUN = 1,   /* the run failed or diverged */
    RM_ERR_USAGE = 2, /* bad command line or config */
    RM_ERR_IO = 3     /* missing, truncated or corrupt data; I/O failure */
};

/* Hot elementwise loops are compiled for AVX-512, AVX2 and baseline x86-64 and picked at load time.
 * Elementwise float maths gives the same bits at every vector width (C11 mode: no FMA contraction). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(RM_NO_CLONES)
#define RM_VECTORIZE __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RM_VECTORIZE
#endif

/* An error: a status code plus a one-line message. */
typedef struct rm_err {
    int code;
    char msg[1024];
} rm_err;

/* Record an error (printf-style) in e and return code. */
int rm_fail(rm_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* calloc n*size bytes (zeroed, 64-byte aligned); on failure records an error naming what. */
void *rm_alloc(size_t n, size_t size, const char *what, rm_err *e);

/* Free memory from rm_alloc (NULL is fine). */
void rm_free(void *p);

/* Open an input file read-only (close-on-exec) and fstat it into *st (st may be NULL). Only a regular
 * file is taken: a FIFO, device, socket or directory is refused at once, without blocking (a FIFO is
 * opened non-blocking, and blocking reads are restored for a regular file). On failure records an
 * RM_ERR_IO error "path: problem", sets errno (ENOENT for a missing file) and returns -1. */
int rm_open_input(const char *path, struct stat *st, rm_err *e);

/* fopen that records "path: strerror" on failure; a read-only mode opens through rm_open_input, so
 * only a regular file is read. */
FILE *rm_fopen(const char *path, const char *mode, rm_err *e);

/* The size limits of files read whole (rm_read_file), one per kind of file:
 * RM_CONFIG_MAX (16 MiB) a config file or sweep spec, written by hand;
 * RM_JSON_MAX (1 GiB) a JSON file a run writes (summary.json, config.json): summary.json holds
 * data.test_rows, one number per held-out row of a csv split (about 12 bytes a row, so some 80 million
 * rows fit). A larger file is refused with an error, never read in part. */
#define RM_CONFIG_MAX ((size_t)16 << 20)
#define RM_JSON_MAX ((size_t)1 << 30)

/* Read the regular file path whole (opened through rm_open_input) into a malloc'd buffer with a NUL
 * after its len bytes; free() it. NULL with a one-line error naming the file, and errno set, when it
 * cannot be opened (RM_ERR_IO, errno as rm_open_input leaves it: ENOENT for a missing file), is larger
 * than max bytes (RM_ERR_IO, EFBIG) or cannot be read (RM_ERR_IO), or memory runs out (RM_ERR_RUN). */
char *rm_read_file(const char *path, size_t max, size_t *len, rm_err *e);

/* rm_read_file for a text file: a NUL byte in it is also an error (RM_ERR_IO, EILSEQ). */
char *rm_read_text(const char *path, size_t max, size_t *len, rm_err *e);

/* fclose that reports write errors (e.g. disk full) as "path: ...". */
int rm_fclose(FILE *f, const char *path, rm_err *e);

/* Write n bytes to path atomically: a temporary file beside it, fsync, rename over path. */
int rm_write_atomic(const char *path, const void *data, size_t n, rm_err *e);

/* Create a directory and its parents (like mkdir -p). */
int rm_mkdirs(const char *path, rm_err *e);

/* Join dir and name into out (size n); records an error if too long. */
int rm_path_join(char *out, size_t n, const char *dir, const char *name, rm_err *e);

/* Monotonic wall-clock seconds. */
double rm_now(void);

/* The CPUs a cgroup v2 cpu.max text ("QUOTA PERIOD" or "max PERIOD", one line) allows: ceil(QUOTA /
 * PERIOD), at least 1; 0 for "max" (no limit); -1 when the text is neither. */
int rm_cpu_max_parse(const char *text);

/* The fewest CPUs a cpu.max allows on the way from the process's cgroup v2 (the "0::PATH" line of
 * self_cgroup, /proc/self/cgroup's text) up to root (the cgroup v2 mount): 0 in *cpus when none
 * limits (no such line, no cpu.max). A cpu.max that cannot be read or parsed is an RM_ERR_IO error. */
int rm_cgroup_cpus(const char *root, const char *self_cgroup, int *cpus, rm_err *e);

/* The thread count of threads "auto", in [1, 64]: the CPUs in the process's affinity mask, limited by
 * its cgroup v2's cpu.max (under /sys/fs/cgroup) and by SLURM_CPUS_PER_TASK and OMP_NUM_THREADS when
 * set. *source names what decided: "affinity", "cgroup", "SLURM_CPUS_PER_TASK" or "OMP_NUM_THREADS"
 * (the first of them, in that order, giving the smallest count). A variable that is not a positive
 * whole number is an RM_ERR_USAGE error naming it. */
int rm_threads_auto(int *n, const char **source, rm_err *e);

#endif
