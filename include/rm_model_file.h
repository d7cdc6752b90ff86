/* rm_model_file.h - a model as a safetensors file (model.safetensors, model.init_from): PyTorch's tensor
 * names and shapes, one normK.num_batches_tracked per BatchNorm layer, every value checked on load. */
#ifndef RM_MODEL_FILE_H
#define RM_MODEL_FILE_H

#include <stdint.h>

#include "rm_common.h"
#include "rm_model.h"

/* Save an I64 scalar normK.num_batches_tracked = bn_batches per BatchNorm layer, then m's parameters and
 * buffers as F32 with PyTorch's shapes (Linear weights [out, in], vectors [n]), and __metadata__
 * {"config": config_json, "regmnist_version": version, "format": "pt"}; atomic as rm_st_write. */
int rm_model_file_save(const char *path, const rm_model *m, int64_t bn_batches, const char *config_json,
                       const char *version, rm_err *e);

/* Load every parameter and buffer of m from path (names, dtypes and shapes must match exactly, no extra
 * tensors, every value finite, checksums verified when present); *bn_batches (NULL ok) gets the first
 * num_batches_tracked. On error m is left unchanged. */
int rm_model_file_load(rm_model *m, const char *path, int64_t *bn_batches, rm_err *e);

#endif
