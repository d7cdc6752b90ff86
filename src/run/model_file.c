/* model_file.c - a model as a safetensors file: the mapping between rm_model's flat parameter and buffer
 * arrays and PyTorch's state_dict (names, shapes, BatchNorm's num_batches_tracked), on top of io's
 * format-only reader and writer (rm_safetensors.h). */
#include "rm_model_file.h"

#include <stdio.h>
#include <string.h>

#include "rm_safetensors.h"

static const char BN_MEAN[] = ".running_mean";
static const char BN_COUNT[] = ".num_batches_tracked";

/* The length of name's prefix before ".running_mean", or -1 when it is not a BatchNorm running mean. */
static int bn_prefix(const char *name)
{
    size_t n = strlen(name), k = sizeof BN_MEAN - 1;
    return n > k && strcmp(name + n - k, BN_MEAN) == 0 ? (int)(n - k) : -1;
}

/* PyTorch's shape for a registered tensor: Linear weights (the penalized ones) are (out, in) = (rows, cols);
 * everything else (biases, norm affine, running stats) is a vector of cols values (rows = 1). */
static int torch_shape(const rm_tensor_info *ti, int64_t shape[RM_ST_MAX_RANK])
{
    if (ti->decay || ti->rows != 1) {
        shape[0] = ti->rows;
        shape[1] = ti->cols;
        return 2;
    }
    shape[0] = ti->cols;
    return 1;
}

int rm_model_file_save(const char *path, const rm_model *m, int64_t bn_batches, const char *config_json,
                       const char *version, rm_err *e)
{
    const rm_params *set[2] = {&m->params, &m->buffers};
    int n_bn = 0;
    for (int i = 0; i < m->buffers.count; i++) n_bn += bn_prefix(m->buffers.t[i].name) >= 0;
    int n = m->params.count + m->buffers.count + n_bn;
    rm_st_tensor *t = rm_alloc((size_t)n, sizeof *t, "tensor list", e);
    char(*counts)[80] = t ? rm_alloc((size_t)n_bn, sizeof *counts, "tensor names", e) : NULL;
    if (!counts) {
        rm_free(t);
        return e->code;
    }
    /* The I64 scalars come first, as the safetensors library's writer orders by alignment: from the 8-aligned
     * data section every tensor is then naturally aligned (I64 at multiples of 8, F32 at multiples of 4). */
    int k = 0;
    for (int i = 0; i < m->buffers.count; i++) {
        int p = bn_prefix(m->buffers.t[i].name);
        if (p < 0) continue;
        snprintf(counts[k], sizeof counts[k], "%.*s%s", p, m->buffers.t[i].name, BN_COUNT);
        t[k].name = counts[k];
        t[k].dtype = RM_ST_I64;
        t[k].ndim = 0; /* a scalar, shape [] */
        t[k].data = &bn_batches;
        k++;
    }
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < set[s]->count; i++) {
            const rm_tensor_info *ti = &set[s]->t[i];
            t[k].name = ti->name;
            t[k].dtype = RM_ST_F32;
            t[k].ndim = torch_shape(ti, t[k].shape);
            t[k].data = set[s]->data ? set[s]->data + ti->off : NULL;
            k++;
        }
    const char *kv[6] = {"config",     config_json ? config_json : "{}", "regmnist_version", version ? version : "",
                         "format", "pt"};
    int rc = rm_st_write(path, t, n, kv, 3, e);
    rm_free(counts);
    rm_free(t);
    return rc;
}

/* The entry name in f with this dtype and shape, or an error naming the file, the tensor and both shapes. */
static int expect(const rm_st_file *f, const char *path, const char *name, int dtype, int ndim, const int64_t *shape,
                  const rm_st_entry **out, rm_err *e)
{
    char s1[128], s2[128];
    const rm_st_entry *x = rm_st_find(f, name);
    if (!x)
        return rm_fail(e, RM_ERR_IO, "%s: %s: missing from the file (the model has %s %s)", path, name,
                       rm_st_dtype_name(dtype), rm_st_shape_str(s2, ndim, shape));
    if (x->dtype != dtype)
        return rm_fail(e, RM_ERR_IO, "%s: %s: dtype %s in the file, the model has %s", path, name,
                       rm_st_dtype_name(x->dtype), rm_st_dtype_name(dtype));
    if (x->ndim != ndim || memcmp(x->shape, shape, (size_t)ndim * sizeof *shape) != 0)
        return rm_fail(e, RM_ERR_IO, "%s: %s: shape %s in the file, the model has %s", path, name,
                       rm_st_shape_str(s1, x->ndim, x->shape), rm_st_shape_str(s2, ndim, shape));
    *out = x;
    return RM_OK;
}

/* Is name a normK.num_batches_tracked of one of m's BatchNorm layers? */
static int is_bn_count(const rm_model *m, const char *name)
{
    size_t n = strlen(name), k = sizeof BN_COUNT - 1;
    if (n <= k || strcmp(name + n - k, BN_COUNT) != 0) return 0;
    for (int i = 0; i < m->buffers.count; i++) {
        int p = bn_prefix(m->buffers.t[i].name);
        if (p >= 0 && (size_t)p == n - k && strncmp(name, m->buffers.t[i].name, (size_t)p) == 0) return 1;
    }
    return 0;
}

int rm_model_file_load(rm_model *m, const char *path, int64_t *bn_batches, rm_err *e)
{
    rm_st_file f;
    if (rm_st_read(&f, path, e)) return e->code;
    rm_params *set[2] = {&m->params, &m->buffers};
    const int64_t none[1] = {0};
    int64_t first = 0;
    int have = 0, rc = RM_OK;
    /* pass 1: everything must match before anything is copied, so a failed load leaves m as it was */
    for (int s = 0; s < 2 && !rc; s++)
        for (int i = 0; i < set[s]->count && !rc; i++) {
            const rm_tensor_info *ti = &set[s]->t[i];
            int64_t shape[RM_ST_MAX_RANK];
            int nd = torch_shape(ti, shape);
            const rm_st_entry *x;
            rc = expect(&f, path, ti->name, RM_ST_F32, nd, shape, &x, e);
            if (!rc) rc = rm_st_check_finite(x, path, 0, e);
        }
    for (int i = 0; i < m->buffers.count && !rc; i++) {
        int p = bn_prefix(m->buffers.t[i].name);
        if (p < 0) continue;
        char name[80];
        snprintf(name, sizeof name, "%.*s%s", p, m->buffers.t[i].name, BN_COUNT);
        const rm_st_entry *x;
        rc = expect(&f, path, name, RM_ST_I64, 0, none, &x, e);
        int64_t count = 0;
        if (!rc) memcpy(&count, x->data, sizeof count); /* may be unaligned in a foreign file */
        if (!rc && count < 0)
            rc = rm_fail(e, RM_ERR_IO, "%s: tensor '%s': %lld is not a batch count", path, name, (long long)count);
        if (!rc && !have) {
            first = count;
            have = 1;
        }
    }
    for (int i = 0; i < f.n && !rc; i++) {
        const char *name = f.t[i].name;
        if (!rm_params_find(&m->params, name) && !rm_params_find(&m->buffers, name) && !is_bn_count(m, name)) {
            char c1[72];
            rc = rm_fail(e, RM_ERR_IO, "%s: unexpected tensor '%s': the model has no such parameter or buffer", path,
                         rm_st_clean(c1, name));
        }
    }
    /* pass 2: copy (shapes match, so nbytes == n floats) */
    for (int s = 0; s < 2 && !rc; s++)
        for (int i = 0; i < set[s]->count; i++) {
            const rm_tensor_info *ti = &set[s]->t[i];
            const rm_st_entry *x = rm_st_find(&f, ti->name);
            if (x->nbytes) memcpy(set[s]->data + ti->off, x->data, x->nbytes);
        }
    if (!rc && bn_batches) *bn_batches = first;
    rm_st_free(&f);
    return rc;
}
