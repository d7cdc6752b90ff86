/* safetensors_internal.h - what the safetensors reader (safetensors.c) and writer (safetensors_write.c)
 * share; io/ only. */
#ifndef RM_SAFETENSORS_INTERNAL_H
#define RM_SAFETENSORS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "rm_safetensors.h"

/* Tensor data is copied as raw bytes in both directions, which is only right on a little-endian host
 * (x86-64, aarch64 as usually run). The header length is encoded byte by byte and is portable. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the safetensors reader and writer copy raw little-endian tensor data and need a little-endian host"
#endif

/* Bytes of a tensor of dtype with this shape into *out; 0 (false) when a dimension is negative or it overflows. */
int rm_st_tensor_bytes(int dtype, int ndim, const int64_t *shape, uint64_t *out);

/* Sort v (n strings) and return the first one that appears twice, or NULL. */
const char *rm_st_first_dup(const char **v, int n);

/* The CRC-32 (zlib's, as Python's zlib.crc32) of n bytes. */
uint32_t rm_st_crc32(const uint8_t *p, size_t n);

#endif
