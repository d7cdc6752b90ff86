/* fuzz_state.c - libFuzzer harness for a resume's validation: rm_checkpoint_load and rm_checkpoint_check
 * on a state.safetensors, for a small run the harness builds (6 inputs, hidden [5] with BatchNorm and
 * dropout, 3 classes, Adam, early stopping; 12 images of which the training split is 8, batches of 3:
 * 3 steps and 8 samples an epoch; at most 3 epochs in the saved config).
 *
 * Input: 1 control byte, then the file F.
 *   byte 0, bit 0: before loading, rewrite every "crc32:NAME":"xxxxxxxx" in F's header with the CRC-32
 *       of NAME's data (same length, so nothing moves), so that mutated tensor data reaches the checks
 *       behind the checksums (train_idx, the RNG states, non-finite values)
 * Properties: a failure is RM_ERR_IO with a one-line message naming the file, without control bytes
 * (rm_fail escapes the file's); a success leaves the run
 * resumable: train_idx a permutation of the split, every parameter and moment finite (optim.v >= 0),
 * the shuffle state not all zero, epoch within [0, 3], the early-stopping watch and the rows consistent
 * with it, and (when rm_checkpoint_check passes) the step, sample and batch counts those of epoch
 * whole epochs; then an epoch's shuffle and gather of the loaded order stay within the images.
 *
 * To write the seed corpus: FUZZ_STATE_SEED=DIR ./fuzz_state -runs=0 writes DIR/valid.safetensors
 * (a raw state file at epoch 1; tests/craft_state.py makes variants, prefix each with its control byte).
 *
 * FUZZ_OPTIONS: -max_len=16384
 */
#define _GNU_SOURCE
#include <math.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "rm_checkpoint.h"
#include "rm_safetensors.h"

#define N_IMAGES 12
#define N_TRAIN 8
static const uint32_t SPLIT[N_TRAIN] = {0, 2, 3, 5, 7, 8, 9, 11};

static fz_file g_file;
static rm_model g_m;
static rm_optim g_opt;
static rm_rng g_shuffle;
static rm_schedule g_sched;
static rm_schedule_cfg g_scfg;
static uint32_t g_idx[N_TRAIN];
static int64_t g_scratch[N_TRAIN];
static float *g_best, *g_best_buf;
static uint8_t *g_buf;
static size_t g_cap;

static void setup(void)
{
    rm_err e = {0};
    rm_model_spec s;
    memset(&s, 0, sizeof s);
    s.in_dim = 6;
    s.classes = 3;
    s.n_hidden = 1;
    s.hidden[0] = 5;
    s.dropout[0] = 0.3f;
    s.act = RM_ACT_RELU;
    s.norm = RM_MNORM_BATCH;
    rm_optim_cfg oc = {RM_OPT_ADAM, 0.01f, 0.0f, 0.9f, 0.999f, 1e-8f, 0.0f, 0};
    rm_schedule_defaults(&g_scfg, RM_SCHED_CONSTANT, 0.01);
    if (rm_model_build(&g_m, &s, 4, &e) || rm_optim_init(&g_opt, &oc, g_m.params.n, &e))
        fz_fail("harness setup: %s", e.msg);
    g_best = calloc(g_m.params.n, sizeof(float));
    g_best_buf = calloc(g_m.buffers.n, sizeof(float));
    if (!g_best || !g_best_buf) fz_fail("harness setup: out of memory");
    fz_file_open(&g_file, "state");
}

/* A fresh run's state before its resume: what train.c has when it calls rm_checkpoint_load. */
static rm_checkpoint fresh(rm_progress *p)
{
    rm_err e = {0};
    rm_model_init(&g_m, 1);
    memset(g_opt.m, 0, g_opt.n * sizeof(float));
    memset(g_opt.v, 0, g_opt.n * sizeof(float));
    g_opt.step = 0;
    memcpy(g_idx, SPLIT, sizeof g_idx);
    rm_rng_seed(&g_shuffle, 1, RM_STREAM_SHUFFLE);
    if (rm_schedule_init(&g_sched, &g_scfg, &e)) fz_fail("harness schedule: %s", e.msg);
    memset(p, 0, sizeof *p);
    rm_early_stop_init(&p->es, 0, 2, 0.0);
    rm_checkpoint k = {&g_m, &g_opt, &g_shuffle, g_idx, N_TRAIN, g_best, g_best_buf, g_scratch, &g_sched,
                       N_IMAGES, 3, N_TRAIN, 0};
    return k;
}

/* DIR/valid.safetensors: the state after epoch 1 of the harness's run. */
static void write_seed(const char *dir)
{
    rm_progress p;
    rm_checkpoint k = fresh(&p);
    rm_err e = {0};
    rm_rng_shuffle(&g_shuffle, g_idx, N_TRAIN);
    for (size_t i = 0; i < g_opt.n; i++) {
        g_opt.m[i] = 0.01f * (float)(i % 7) - 0.03f;
        g_opt.v[i] = 0.001f * (float)(i % 5);
    }
    memcpy(g_best, g_m.params.data, g_m.params.n * sizeof(float));
    memcpy(g_best_buf, g_m.buffers.data, g_m.buffers.n * sizeof(float));
    g_opt.step = 3;
    g_m.dropout_rng.s[2] = 3;
    p.epoch = 1;
    p.samples = N_TRAIN;
    p.bn_batches = 3;
    p.train_s = 0.5;
    p.eval_s = 0.25;
    rm_epoch_row row = {1, 1.05, 0, 37.5, 0.75, 0.01, {1.1, 33.3}, {1.08, 40}, {0}};
    p.last = p.best = row;
    rm_early_stop_update(&p.es, 1, 1.1);
    rm_schedule_step(&g_sched, 1.1);
    char path[4096];
    snprintf(path, sizeof path, "%s/valid.safetensors", dir);
    if (rm_checkpoint_save(path, &k, &p, "{\"training\":{\"epochs\":3}}", &e)) fz_fail("seed: %s", e.msg);
    fprintf(stderr, "fuzz_state: wrote %s\n", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    const char *seed = getenv("FUZZ_STATE_SEED");
    if (seed && seed[0]) write_seed(seed);
    return 0;
}

/* Rewrite each "crc32:NAME":"xxxxxxxx" of the file in buf (n bytes) with NAME's actual CRC-32. The tensors
 * are found by parsing a copy whose checksum keys are renamed (so that the parser does not verify them). */
static void fix_checksums(uint8_t *buf, size_t n, uint8_t *copy)
{
    rm_st_file f;
    rm_err e = {0};
    size_t hlen = 0;
    for (int i = 0; i < 8 && i < (int)n; i++) hlen |= (size_t)buf[i] << (8 * i);
    if (n < 8 || hlen > n - 8) return;
    memcpy(copy, buf, n);
    static const char prefix[] = "\"" RM_ST_CRC_PREFIX;
    for (uint8_t *at = copy + 8; (at = memmem(at, (size_t)(copy + 8 + hlen - at), prefix, sizeof prefix - 1));)
        *++at = 'X';
    if (rm_st_parse(&f, copy, n, "fix", &e)) return;
    char key[RM_ST_NAME_MAX + 32];
    for (int i = 0; i < f.n; i++) {
        int k = snprintf(key, sizeof key, "\"%s%s\":\"", RM_ST_CRC_PREFIX, f.t[i].name);
        uint8_t *at = memmem(buf + 8, hlen, key, (size_t)k);
        if (!at || at + k + 8 > buf + 8 + hlen) continue;
        char hex[9];
        snprintf(hex, sizeof hex, "%08lx", crc32(0L, f.t[i].data, (uInt)f.t[i].nbytes)); /* the same bytes in copy */
        memcpy(at + k, hex, 8);
    }
    rm_st_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    const uint8_t *file = data + 1;
    const size_t n = size - 1;
    if (mode & 1) {
        if (n > g_cap) {
            uint8_t *p = realloc(g_buf, 2 * n);
            if (!p) fz_fail("out of memory in the harness");
            g_buf = p;
            g_cap = n;
        }
        if (n) memcpy(g_buf, file, n);
        fix_checksums(g_buf, n, g_buf + g_cap);
        file = g_buf;
    }
    fz_file_set(&g_file, file, n);

    rm_progress p;
    rm_checkpoint k = fresh(&p);
    char *cfg = NULL;
    rm_err e = {0};
    int rc = rm_checkpoint_load(g_file.path, &k, &p, &cfg, &e);
    if (rc) {
        fz_check_err(&e, RM_ERR_IO, "rm_checkpoint_load");
        for (const char *c = e.msg; *c; c++)
            FZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f, "a control byte in the message: %s", e.msg);
        FZ_CHECK(fz_names(e.msg, g_file.path), "the message does not name the file: %s", e.msg);
        FZ_CHECK(cfg == NULL, "a config text kept on failure");
        if (fz_verbose()) fprintf(stderr, "rejected: %s\n", e.msg);
        return 0;
    }
    FZ_CHECK(cfg != NULL, "no config text on success");
    free(cfg);
    /* the epoch order: a permutation of the split */
    uint8_t seen[N_IMAGES] = {0};
    for (int i = 0; i < N_TRAIN; i++) {
        FZ_CHECK(g_idx[i] < N_IMAGES, "train_idx[%d] = %u is past the images", i, g_idx[i]);
        seen[g_idx[i]]++;
    }
    for (int i = 0; i < N_TRAIN; i++) FZ_CHECK(seen[SPLIT[i]] == 1, "image %u is not once in train_idx", SPLIT[i]);
    for (size_t i = 0; i < g_m.params.n; i++)
        FZ_CHECK(isfinite(g_m.params.data[i]) && isfinite(g_best[i]), "params[%zu] not finite", i);
    for (size_t i = 0; i < g_m.buffers.n; i++)
        FZ_CHECK(isfinite(g_m.buffers.data[i]) && isfinite(g_best_buf[i]), "buffers[%zu] not finite", i);
    for (size_t i = 0; i < g_opt.n; i++)
        FZ_CHECK(isfinite(g_opt.m[i]) && isfinite(g_opt.v[i]) && g_opt.v[i] >= 0, "optim[%zu] invalid", i);
    FZ_CHECK(g_shuffle.s[0] | g_shuffle.s[1] | g_shuffle.s[2] | g_shuffle.s[3], "an all-zero shuffle state");
    FZ_CHECK(p.epoch >= 0 && p.epoch <= 3, "epoch %d outside [0, 3]", p.epoch);
    FZ_CHECK(p.samples >= 0 && p.bn_batches >= 0 && g_opt.step >= 0, "a negative count");
    FZ_CHECK(p.es.best_epoch >= 0 && p.es.best_epoch <= p.epoch && p.es.wait == p.epoch - p.es.best_epoch,
             "early stopping: best_epoch %d wait %d at epoch %d", p.es.best_epoch, p.es.wait, p.epoch);
    FZ_CHECK(p.last.epoch == p.epoch && p.best.epoch == p.es.best_epoch, "rows of epochs %d, %d", p.last.epoch,
             p.best.epoch);
    FZ_CHECK(g_sched.epoch == p.epoch, "schedule at epoch %ld", g_sched.epoch);
    rc = rm_checkpoint_check(&k, &p, g_file.path, &e);
    if (rc) {
        fz_check_err(&e, RM_ERR_IO, "rm_checkpoint_check");
        FZ_CHECK(fz_names(e.msg, g_file.path), "the message does not name the file: %s", e.msg);
        if (fz_verbose()) fprintf(stderr, "inconsistent: %s\n", e.msg);
        return 0;
    }
    FZ_CHECK(g_opt.step == 3L * p.epoch && p.samples == (long)N_TRAIN * p.epoch && p.bn_batches == 3L * p.epoch,
             "counts step %ld samples %ld bn %lld at epoch %d", g_opt.step, p.samples, (long long)p.bn_batches,
             p.epoch);
    /* the next epoch's order: the shuffle ends (a valid state) and stays within the images */
    rm_rng_shuffle(&g_shuffle, g_idx, N_TRAIN);
    for (int i = 0; i < N_TRAIN; i++) FZ_CHECK(g_idx[i] < N_IMAGES, "shuffled train_idx[%d] = %u", i, g_idx[i]);
    if (fz_verbose()) fprintf(stderr, "accepted: epoch %d\n", p.epoch);
    return 0;
}
