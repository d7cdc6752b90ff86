/* tabular.c - datasets of float features from CSV tables: the rows of a split copied out, labels as uint8. */
#include <string.h>

#include "rm_csv.h"

int rm_dataset_from_table(rm_dataset *d, const rm_csv_table *t, const uint32_t *rows, uint32_t n, const char *path,
                          rm_err *e)
{
    memset(d, 0, sizeof *d);
    if (t->classes > RM_MAX_CLASSES)
        return rm_fail(e, RM_ERR_USAGE, "%s: %d classes; training takes at most %d", path, t->classes, RM_MAX_CLASSES);
    const size_t dim = t->d;
    d->features = rm_alloc((size_t)(n ? n : 1) * dim, sizeof(float), "features", e); // (n, dim)
    d->labels = rm_alloc(n ? n : 1, 1, "labels", e);                               // (n)
    if (!d->features || !d->labels) {
        rm_dataset_free(d);
        return e->code;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t r = rows ? rows[i] : i;
        memcpy(d->features + i * dim, t->x + r * dim, dim * sizeof(float));
        d->labels[i] = (uint8_t)t->y[r];
    }
    d->n = n;
    d->dim = (int)t->d;
    d->classes = t->classes;
    return RM_OK;
}
