/* fuzz_safetensors.c - libFuzzer harness for the safetensors reader: rm_st_parse on the raw input bytes.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude fuzz/fuzz_safetensors.c src/io/safetensors.c \
 *         src/core/common.c -lcjson -lz -o fuzz_safetensors
 *   ./fuzz_safetensors -dict=fuzz/safetensors.dict -max_total_time=30 fuzz/corpus/safetensors/
 *
 * The input is parsed in place (libFuzzer's buffer is exactly size bytes, so ASan sees any read past it).
 * An accepted file must describe tensors inside the input, with unique names; a rejected one must give
 * RM_ERR_IO and one line naming the file. Anything else aborts. */
#include <stdlib.h>
#include <string.h>

#include "rm_safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rm_st_file f;
    rm_err e = {0};
    if (rm_st_parse(&f, data, size, "fuzz", &e) != RM_OK) {
        if (e.code != RM_ERR_IO || strncmp(e.msg, "fuzz: ", 6) != 0 || strchr(e.msg, '\n')) abort();
        if (f.n || f.t || f.meta || f.meta_text) abort(); /* nothing kept on failure */
        return 0;
    }
    size_t total = 0;
    volatile uint8_t sink = 0;
    for (int i = 0; i < f.n; i++) {
        const rm_st_entry *x = &f.t[i];
        if (rm_st_find(&f, x->name) != x) abort(); /* names are unique */
        if (x->data < data || x->nbytes > size || x->data + x->nbytes > data + size) abort();
        size_t numel = 1;
        for (int d = 0; d < x->ndim; d++) numel *= (size_t)x->shape[d];
        if (numel * (x->dtype == RM_ST_I64 ? 8 : 4) != x->nbytes) abort();
        for (size_t k = 0; k < x->nbytes; k++) sink ^= x->data[k]; /* touch every byte */
        total += x->nbytes;
    }
    if (total > size) abort(); /* tensors tile the data section */
    for (int i = 0; i < f.n_meta; i++)
        if (rm_st_meta(&f, f.meta[2 * i]) != f.meta[2 * i + 1]) abort(); /* keys are unique */
    rm_st_free(&f);
    (void)sink;
    return 0;
}
