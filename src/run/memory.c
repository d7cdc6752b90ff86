/* memory.c - what a run allocates, from its config and the data's size, against a limit. The sizes
 * follow train.c's run() and rm_model_build (rm_model_bytes). */
#define _POSIX_C_SOURCE 200809L
#include "rm_memory.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rm_evaluate.h"
#include "rm_model.h"
#include "rm_optim.h"

void rm_mem_limit_default(rm_mem_limit *l)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    l->bytes = pages > 0 && size > 0 ? (double)pages * (double)size : INFINITY;
    snprintf(l->what, sizeof l->what, "the machine's memory; see --max-memory");
}

int rm_mem_limit_parse(rm_mem_limit *l, const char *flag, const char *s, rm_err *e)
{
    char *end = NULL;
    double v = strtod(s, &end);
    double unit = 1;
    if (end != s && *end) {
        const char *units = "KMGT", *u = strchr(units, *end & ~32);
        if (u && *u) {
            unit = pow(1024, (double)(u - units + 1));
            end++;
            if ((*end & ~32) == 'I' && (end[1] & ~32) == 'B') end += 2; /* 4GiB */
            else if ((*end & ~32) == 'B') end++;                        /* 4GB */
        }
    }
    if (end == s || *end || !(s[0] >= '0' && s[0] <= '9') || !isfinite(v) || v * unit < 1)
        return rm_fail(e, RM_ERR_USAGE, "%s: expected a size such as 4G, 512M or 1.5T (powers of 1024), got '%s'", flag, s);
    l->bytes = floor(v * unit);
    snprintf(l->what, sizeof l->what, "%s", flag);
    return RM_OK;
}

void rm_mem_text(double bytes, char *buf, size_t n)
{
    static const char *const UNIT[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024 && u < 5) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, n, u == 0 || bytes >= 100 ? "%.0f %s" : "%.1f %s", bytes, UNIT[u]);
}

double rm_run_bytes(const rm_config *c, const rm_data_shape *d, const char **key)
{
    const int bs = c->train.batch_size, max_batch = bs > RM_EVAL_BATCH ? bs : RM_EVAL_BATCH;
    rm_model_spec spec;
    rm_config_model_spec(c, d->dim, d->classes, &spec);
    double n_params, n_buffers;
    const double model = rm_model_bytes(&spec, max_batch, &n_params, &n_buffers);
    rm_optim_cfg oc;
    rm_config_optim(c, &oc);
    /* parameters: the model's and gradients (in model), the optimizer's state, the best epoch's copy;
     * saving by time (output.checkpoint_every) copies these, the parameters, buffers and epoch order at
     * each epoch end that is not saved */
    const double state = rm_optim_buffers(&oc) * n_params + (c->train.es.enabled ? n_params + n_buffers : 0);
    const double kept = c->output.checkpoint_every > 0 ? state + n_params + n_buffers + d->n_train : 0;
    const double params = 4 * (state + kept);
    const double weights = 8 * n_params + 4 * n_buffers, activations = model - weights;
    /* data: the samples (uint8 images or float features) and labels; split, test and sample indices,
     * the state file's scratch; the batch's labels and loss gradient */
    const double sample = d->images ? d->dim : 4.0 * d->dim;
    const double data = (d->n_file + d->n_test) * (sample + 1) +
                        4 * (d->n_train + d->n_val + d->n_test + (c->output.train_eval_samples ? d->n_train : 0)) +
                        8 * d->n_train + (double)max_batch * (1 + 4.0 * d->classes);
    if (key)
        *key = data > weights + params && data > activations ? (d->images ? "data.train_images" : "data.train")
               : activations > weights + params && bs > RM_EVAL_BATCH ? "training.batch_size"
                                                                     : "model.hidden";
    return model + params + data;
}

int rm_check_memory(const rm_config *c, const rm_data_shape *d, const rm_mem_limit *l, const char *fallback, rm_err *e)
{
    const char *key = NULL;
    const double need = rm_run_bytes(c, d, &key);
    if (need <= l->bytes) return RM_OK;
    char a[32], b[32];
    rm_mem_text(need, a, sizeof a);
    rm_mem_text(l->bytes, b, sizeof b);
    return rm_fail(e, RM_ERR_USAGE, "%s: %s: the run needs about %s, more than the limit %s (%s)",
                   rm_config_origin_of(c, fallback, key), key, a, b, l->what);
}
