/* rm_safetensors.h - safetensors files: write (atomically), read and validate (models: rm_model_file.h).
 *
 * The published layout: an 8-byte little-endian u64 header length N, N bytes of JSON header (an object
 * mapping tensor name -> {"dtype", "shape", "data_offsets": [begin, end]}, plus an optional
 * "__metadata__" object of string -> string), then the raw little-endian data; offsets are relative to
 * the start of the data section. Only F32 and I64 are supported. */
#ifndef RM_SAFETENSORS_H
#define RM_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "rm_common.h"

#define RM_ST_MAX_RANK 4                /* most dimensions in a shape */
#define RM_ST_MAX_TENSORS 4096          /* most tensors in a file */
#define RM_ST_MAX_META 4096             /* most __metadata__ entries in a file */
#define RM_ST_NAME_MAX 127              /* longest tensor name, in bytes */
#define RM_ST_MAX_HEADER 100000000ull   /* largest JSON header accepted, in bytes (100 MB) */
/* Largest file rm_st_read takes, in bytes (1 TiB), refused before it is read: far above the state file of
 * any run that fits in memory (it holds the parameters, optimizer state and best copy the memory check counts). */
#define RM_ST_MAX_FILE ((size_t)1 << 40)
#define RM_ST_CRC_PREFIX "crc32:"       /* __metadata__ key prefix of a tensor's checksum */

/* Element types (safetensors "F32" and "I64"). */
enum { RM_ST_F32 = 0, RM_ST_I64 = 1 };

/* A tensor to write: data holds the product of shape[0..ndim) elements of dtype, contiguous. */
typedef struct rm_st_tensor {
    const char *name;
    int dtype; /* RM_ST_* */
    int ndim;  /* 0 (a scalar) .. RM_ST_MAX_RANK */
    int64_t shape[RM_ST_MAX_RANK];
    const void *data;
} rm_st_tensor;

/* A tensor read from a file; data points into the file's buffer and may be unaligned (use memcpy). */
typedef struct rm_st_entry {
    char name[RM_ST_NAME_MAX + 1];
    int dtype;
    int ndim;
    int64_t shape[RM_ST_MAX_RANK];
    size_t nbytes;
    const uint8_t *data;
} rm_st_entry;

/* A validated file in memory. Zero it (or call rm_st_read) before use; rm_st_free releases it. */
typedef struct rm_st_file {
    uint8_t *buf;        /* the whole file when read by rm_st_read; NULL after rm_st_parse */
    size_t size;         /* bytes in the file */
    int n;               /* tensors, in header order */
    rm_st_entry *t;      /* (n) */
    int n_meta;          /* __metadata__ entries */
    const char **meta;   /* (2 * n_meta) key, value, key, value... */
    char *meta_text;     /* storage for the metadata strings */
    int n_checked;       /* tensors whose stored checksum was verified */
} rm_st_file;

/* Write tensors (in the order given, contiguous; list I64 before F32 to keep each naturally aligned) and meta_kv
 * (n_meta key/value pairs, i.e. 2 * n_meta strings) to path atomically: temp file, fsync, rename, fsync dir.
 * __metadata__ also gets "crc32:<name>" = the CRC-32 (zlib's) of each tensor's bytes as 8 lowercase hex
 * digits; those keys are reserved. */
int rm_st_write(const char *path, const rm_st_tensor *t, int n, const char *const *meta_kv, int n_meta,
                rm_err *e);

/* Read the whole file at path (a regular file of at most RM_ST_MAX_FILE bytes, rm_read_file) into f and
 * validate it; every malformed file is RM_ERR_IO naming path.
 * Every "crc32:<name>" checksum present is verified (a file without them, e.g. PyTorch's, is fine). */
int rm_st_read(rm_st_file *f, const char *path, rm_err *e);

/* Validate the n bytes at buf as a safetensors file named name (for messages) into f; buf is borrowed
 * and must outlive f. rm_st_read's core, exposed for tests and the fuzzer. */
int rm_st_parse(rm_st_file *f, const uint8_t *buf, size_t n, const char *name, rm_err *e);

/* RM_OK when every value of x (an F32 tensor; others pass) is finite (and >= 0 when nonneg), else
 * RM_ERR_IO naming path, the tensor and the first bad element. */
int rm_st_check_finite(const rm_st_entry *x, const char *path, int nonneg, rm_err *e);

/* The tensor called name, or NULL. */
const rm_st_entry *rm_st_find(const rm_st_file *f, const char *name);

/* The __metadata__ value for key, or NULL when absent. */
const char *rm_st_meta(const rm_st_file *f, const char *key);

/* Release f (a zeroed or already freed f is fine). */
void rm_st_free(rm_st_file *f);

/* "F32" or "I64" for an RM_ST_* dtype ("?" for any other). */
const char *rm_st_dtype_name(int dtype);

/* A shape as "[a, b, ...]" ("[]" for a scalar) in out; returns out. */
const char *rm_st_shape_str(char out[128], int ndim, const int64_t *shape);

/* s made fit for a one-line message in out: control bytes as '?', cut after 64 bytes with "..."; returns out. */
const char *rm_st_clean(char out[72], const char *s);

#endif
