/* test_memory.c - rm_model_bytes against what rm_model_build really allocates (glibc's malloc
 * statistics), for every kind of layer; and its value for a small model by hand. */
#include <malloc.h>

#include "rm_model.h"
#include "test_util.h"

/* Bytes in use from malloc (small chunks and mmapped ones). */
static double in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return (double)m.uordblks + (double)m.hblkhd;
}

int main(void)
{
    /* by hand: [16] hidden, 784 inputs, 10 classes, 1000 samples: 12730 parameter floats (fc0.bias
     * and out.weight start at 16-float boundaries), activations 1000 x (16 + 16 + 10), the input and
     * two gradient buffers 3 x 1000 x 784: 4 x (2 x 12730 + 2394000) bytes */
    rm_model_spec s = {.in_dim = 784, .classes = 10, .n_hidden = 1, .hidden = {16}};
    double np = 0, nb = -1;
    CHECK_NEAR(rm_model_bytes(&s, 1000, &np, &nb), 4.0 * (2 * 12730 + 2394000), 0);
    CHECK_NEAR(np, 12730, 0);
    CHECK_NEAR(nb, 0, 0);

    const struct {
        int n_hidden, hidden[3], norm, batch;
        float drop, in_drop;
    } cases[] = {
        {2, {1024, 512}, RM_MNORM_NONE, 1000, 0, 0},       {2, {1024, 512}, RM_MNORM_BATCH, 1000, 0.5f, 0},
        {3, {700, 600, 500}, RM_MNORM_LAYER, 2048, 0.3f, 0.2f}, {0, {0}, RM_MNORM_NONE, 4096, 0, 0.1f},
        {1, {4096}, RM_MNORM_BATCH, 1000, 0, 0.2f},
    };
    int measured = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        rm_model_spec m = {.in_dim = 784, .classes = 10, .n_hidden = cases[k].n_hidden, .norm = cases[k].norm,
                           .input_dropout = cases[k].in_drop};
        for (int i = 0; i < m.n_hidden; i++) {
            m.hidden[i] = cases[k].hidden[i];
            m.dropout[i] = cases[k].drop;
        }
        rm_model model;
        rm_err e = {0};
        const double before = in_use();
        int rc = rm_model_build(&model, &m, cases[k].batch, &e);
        const double got = in_use() - before, want = rm_model_bytes(&m, cases[k].batch, &np, &nb);
        CHECK(rc == RM_OK);
        CHECK_NEAR(np, (double)model.params.n, 0);
        CHECK_NEAR(nb, (double)model.buffers.n, 0);
        if (got > 0) { /* 0 under a sanitizer's allocator, which keeps no such statistics */
            measured++;
            /* each of at most 70 allocations may round up to a page; the smallest buffer checked
             * (a dropout mask, an activation) is larger than that */
            CHECK_NEAR(got, want, 70 * 4160.0);
        }
        rm_model_free(&model);
    }
    printf("test_memory: %d of %zu models measured\n", measured, sizeof cases / sizeof cases[0]);
    return t_done("test_memory");
}
