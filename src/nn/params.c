/* params.c - flat tensor registry. */
#include "rm_params.h"

#include <string.h>

size_t rm_params_add(rm_params *p, const char *name, int rows, int cols, int decay, rm_err *e)
{
    if (p->count >= RM_MAX_TENSORS) {
        rm_fail(e, RM_ERR_USAGE, "model too large: more than %d tensors", RM_MAX_TENSORS);
        return (size_t)-1;
    }
    rm_tensor_info *t = &p->t[p->count++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rows = rows;
    t->cols = cols;
    t->n = (size_t)rows * (size_t)cols;
    t->decay = decay;
    /* Keep every tensor 16-float (64-byte) aligned inside the flat buffer. */
    t->off = (p->n + 15) / 16 * 16;
    p->n = t->off + t->n;
    return t->off;
}

int rm_params_alloc(rm_params *p, int with_grad, rm_err *e)
{
    p->data = rm_alloc(p->n, sizeof(float), "parameters", e);
    if (!p->data) return e->code;
    if (with_grad) {
        p->grad = rm_alloc(p->n, sizeof(float), "gradients", e);
        if (!p->grad) return e->code;
    }
    return RM_OK;
}

const rm_tensor_info *rm_params_find(const rm_params *p, const char *name)
{
    for (int i = 0; i < p->count; i++)
        if (strcmp(p->t[i].name, name) == 0) return &p->t[i];
    return NULL;
}

size_t rm_params_numel(const rm_params *p)
{
    size_t n = 0;
    for (int i = 0; i < p->count; i++) n += p->t[i].n;
    return n;
}

void rm_params_zero_grad(rm_params *p)
{
    if (p->grad) p->grad_zero = 1;
}

void rm_params_grad_clear(rm_params *p)
{
    if (p->grad && p->grad_zero) memset(p->grad, 0, p->n * sizeof(float));
    p->grad_zero = 0;
}

void rm_params_free(rm_params *p)
{
    rm_free(p->data);
    rm_free(p->grad);
    p->data = p->grad = NULL;
}
