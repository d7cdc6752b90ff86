/* test_reference.c - regmnist's layers, loss, penalties and optimizers against PyTorch 1.13.
 * Loads every tests/reference/<case>.bin written by scripts/make-reference.py (format in
 * docs/testing.md), rebuilds the model from the case's header with the same initial parameters,
 * batch and dropout masks, and compares logits, losses, gradients, parameters after 1 and 10 steps,
 * BatchNorm running statistics and eval-mode logits. Prints the worst error per case. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "rm_config.h"
#include "rm_loss.h"
#include "rm_model.h"
#include "rm_optim.h"
#include "test_util.h"

#define RTOL_STEP0 1e-5 /* logits, losses, gradients */
#define ATOL_STEP0 1e-6
#define RTOL_STEPS 1e-4 /* parameters and statistics after optimizer steps */
#define ATOL_STEPS 1e-5
#define MAX_T 256

typedef struct {
    char name[64];
    long n;
    int ndim, dims[4];
    float *data;
} tensor;

typedef struct {
    const char *path;
    cJSON *header;
    int nt;
    tensor t[MAX_T];
    uint8_t *blob;
} ref_file;

static int bad(const char *path, const char *what)
{
    fprintf(stderr, "%s: malformed reference file: %s\n", path, what);
    t_checks++;
    t_failures++;
    return 1;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parse a whole file; every length is checked against the bytes left. */
static int load_ref(ref_file *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) return bad(path, "cannot open");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    r->blob = malloc((size_t)size + 1);
    if (!r->blob || fread(r->blob, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        return bad(path, "read error");
    }
    fclose(f);
    const uint8_t *p = r->blob, *end = r->blob + size;
    if (size < 12 || memcmp(p, "RMREFv01", 8) != 0) return bad(path, "bad magic (want RMREFv01)");
    p += 8;
    uint32_t hl = rd32(p);
    p += 4;
    if (hl > (uint32_t)(end - p)) return bad(path, "header length past the end");
    char *json = malloc(hl + 1);
    memcpy(json, p, hl);
    json[hl] = '\0';
    r->header = cJSON_ParseWithOpts(json, NULL, 1);
    free(json);
    if (!r->header) return bad(path, "header is not JSON");
    p += hl;
    if (end - p < 4) return bad(path, "no tensor count");
    uint32_t nt = rd32(p);
    p += 4;
    if (nt > MAX_T) return bad(path, "too many tensors");
    for (uint32_t i = 0; i < nt; i++) {
        tensor *t = &r->t[r->nt++];
        if (end - p < 4) return bad(path, "truncated tensor record");
        uint32_t nl = rd32(p);
        p += 4;
        if (nl == 0 || nl >= sizeof t->name || nl > (uint32_t)(end - p)) return bad(path, "bad tensor name");
        memcpy(t->name, p, nl);
        p += nl;
        if (end - p < 4) return bad(path, "truncated tensor record");
        uint32_t nd = rd32(p);
        p += 4;
        if (nd == 0 || nd > 4 || (long)nd * 4 > end - p) return bad(path, "bad tensor rank");
        t->ndim = (int)nd;
        t->n = 1;
        for (uint32_t d = 0; d < nd; d++, p += 4) {
            t->dims[d] = (int)rd32(p);
            t->n *= t->dims[d];
        }
        if (t->n <= 0 || t->n * 4 > end - p) return bad(path, "tensor data past the end");
        t->data = malloc((size_t)t->n * sizeof(float));
        memcpy(t->data, p, (size_t)t->n * sizeof(float)); /* little-endian host assumed (x86-64) */
        p += t->n * 4;
    }
    if (end - p != 4 || memcmp(p, "RMND", 4) != 0) return bad(path, "missing end marker or trailing bytes");
    return 0;
}

static void free_ref(ref_file *r)
{
    for (int i = 0; i < r->nt; i++) free(r->t[i].data);
    cJSON_Delete(r->header);
    free(r->blob);
}

static const tensor *get(const ref_file *r, const char *name, long n)
{
    for (int i = 0; i < r->nt; i++)
        if (strcmp(r->t[i].name, name) == 0) {
            if (n >= 0 && r->t[i].n != n) {
                fprintf(stderr, "%s: tensor %s has %ld values, expected %ld\n", r->path, name, r->t[i].n, n);
                t_failures++;
                return NULL;
            }
            return &r->t[i];
        }
    fprintf(stderr, "%s: missing tensor %s\n", r->path, name);
    t_failures++;
    return NULL;
}

/* Worst scaled error max |a-b| / (atol + rtol |b|) over n values: <= 1 passes. Any NaN or Inf on
 * either side fails outright (a max that skips NaN would hide it); worst is then infinite. */
typedef struct {
    double worst;
    char what[96];
    int fails;
} tally;

/* Compare n values of a with the reference tensor ref_name; returns -1 if they agree, else the
 * index of the element reported (the first non-finite one, or the worst), or n if the tensor is
 * missing. */
static long compare(tally *ty, const ref_file *r, const char *what, const float *a, const char *ref_name, long n,
                    double rtol, double atol)
{
    const tensor *t = get(r, ref_name, n);
    t_checks++;
    if (!t) {
        ty->fails++;
        return n;
    }
    double w = 0.0, wabs = 0.0;
    long at = 0, nonfinite = 0, first_nf = -1;
    for (long i = 0; i < n; i++) {
        if (!isfinite(a[i]) || !isfinite(t->data[i])) {
            if (nonfinite++ == 0) first_nf = i;
            continue;
        }
        double d = fabs((double)a[i] - t->data[i]);
        double s = d / (atol + rtol * fabs(t->data[i]));
        if (s > w) { /* both values are finite, so s is a number (or +Inf if atol is 0) */
            w = s;
            wabs = d;
            at = i;
        }
    }
    if (nonfinite) w = INFINITY;
    if (!(w <= ty->worst)) {
        ty->worst = w;
        snprintf(ty->what, sizeof ty->what, "%s", what);
    }
    if (nonfinite) {
        ty->fails++;
        t_failures++;
        fprintf(stderr, "%s: %s: element %ld is %.9g, PyTorch %.9g: not finite (%ld non-finite of %ld)\n", r->path,
                what, first_nf, a[first_nf], t->data[first_nf], nonfinite, n);
        return first_nf;
    }
    if (!(w <= 1.0)) {
        ty->fails++;
        t_failures++;
        fprintf(stderr, "%s: %s: element %ld is %.9g, PyTorch %.9g (abs err %.3g, rtol %g)\n", r->path, what, at,
                a[at], t->data[at], wabs, rtol);
        return at;
    }
    return -1;
}

static void compare_scalar(tally *ty, const ref_file *r, const char *name, double v)
{
    float f = (float)v;
    compare(ty, r, name, &f, name, 1, RTOL_STEP0, ATOL_STEP0);
}

/* Dropout site names in layer order: "input", then "drop<i>" for hidden layers with p > 0. */
static int dropout_sites(const rm_model_spec *s, char names[][16])
{
    int n = 0;
    if (s->input_dropout > 0.0f) snprintf(names[n++], 16, "input");
    for (int i = 0; i < s->n_hidden; i++)
        if (s->dropout[i] > 0.0f) snprintf(names[n++], 16, "drop%d", i);
    return n;
}

/* Coverage flags: the directory must hold cases for each of these. */
enum { C_LINEAR, C_RELU, C_TANH, C_SIGMOID, C_BN, C_LN, C_DROPOUT, C_INDROP, C_L1, C_L2, C_L2_BIAS, C_SGD, C_MOMENTUM,
       C_NESTEROV, C_SGD_WD, C_ADAM, C_ADAM_WD, C_ADAMW, C_SMOOTH, C_MAXNORM, C_MAXNORM_OUT, C_CLIP, C_MEAN,
       C_COUNT };
static const char *COVER[C_COUNT] = {"linear only", "relu", "tanh", "sigmoid", "batchnorm", "layernorm", "dropout",
                                     "input dropout", "l1", "l2 (weights)", "l2 (biases too)", "sgd", "sgd momentum",
                                     "sgd nesterov", "sgd weight_decay", "adam", "adam weight_decay", "adamw",
                                     "label smoothing", "max-norm (hidden)", "max-norm (output too)",
                                     "clip_grad_norm", "penalty mean form"};

static void run_case(const char *path, int cover[C_COUNT])
{
    ref_file r;
    if (load_ref(&r, path)) {
        free_ref(&r);
        return;
    }
    rm_err e;
    rm_config c;
    rm_config_defaults(&c);
    cJSON *part = cJSON_CreateObject();
    const char *secs[] = {"model", "regularization", "optimizer"};
    for (int i = 0; i < 3; i++) {
        cJSON *s = cJSON_GetObjectItemCaseSensitive(r.header, secs[i]);
        if (s) cJSON_AddItemToObject(part, secs[i], cJSON_Duplicate(s, 1));
    }
    int rc = rm_config_apply(&c, part, path, &e);
    cJSON_Delete(part);
    if (!rc) rc = rm_config_validate(&c, path, &e);
    const cJSON *jd = cJSON_GetObjectItemCaseSensitive(r.header, "input_dim");
    const cJSON *jc = cJSON_GetObjectItemCaseSensitive(r.header, "classes");
    const cJSON *jb = cJSON_GetObjectItemCaseSensitive(r.header, "batch");
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(r.header, "steps");
    if (rc || !cJSON_IsNumber(jd) || !cJSON_IsNumber(jc) || !cJSON_IsNumber(jb) || !cJSON_IsNumber(js)) {
        bad(path, rc ? e.msg : "header lacks input_dim, classes, batch or steps");
        free_ref(&r);
        return;
    }
    const int D = jd->valueint, C = jc->valueint, B = jb->valueint, steps = js->valueint;
    rm_model_spec spec;
    rm_config_model_spec(&c, D, C, &spec);
    rm_model m;
    rm_optim opt;
    rm_optim_cfg oc;
    rm_config_optim(&c, &oc);
    if (rm_model_build(&m, &spec, B, &e) || rm_optim_init(&opt, &oc, m.params.n, &e)) {
        bad(path, e.msg);
        free_ref(&r);
        return;
    }
    tally ty = {0};
    char name[320];
    /* initial parameters, buffers and the batch */
    rm_params *sets[2] = {&m.params, &m.buffers};
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < sets[s]->count; k++) {
            const rm_tensor_info *ti = &sets[s]->t[k];
            snprintf(name, sizeof name, "init.%s", ti->name);
            const tensor *t = get(&r, name, (long)ti->n);
            if (t) memcpy(sets[s]->data + ti->off, t->data, ti->n * sizeof(float));
        }
    const tensor *x = get(&r, "x", (long)B * D), *y = get(&r, "y", B);
    uint8_t labels[4096];
    char sites[RM_MAX_HIDDEN + 1][16];
    rm_layer *drops[RM_MAX_HIDDEN + 1];
    int nsites = dropout_sites(&spec, sites);
    int nd = rm_model_dropout_layers(&m, drops, RM_MAX_HIDDEN + 1);
    int maxw = 1;
    for (int d = 0; d < nd; d++) maxw = drops[d]->out > maxw ? drops[d]->out : maxw;
    const size_t mstride = (size_t)B * (size_t)maxw; /* one (B, width) mask per site */
    uint8_t *masks = calloc((size_t)(nd ? nd : 1) * mstride, 1);
    float *dl = calloc((size_t)B * (size_t)C, sizeof(float));
    if (!x || !y || nd != nsites || B > 4096) {
        bad(path, "batch, labels or dropout sites do not match the header");
        goto done;
    }
    for (int i = 0; i < B; i++) labels[i] = (uint8_t)y->data[i];
    /* the toolkit: the mean penalty form, label smoothing, gradient clipping, max-norm */
    const double pen_n = c.reg.normalize == RM_PEN_MEAN ? (double)rm_penalty_count(&m.params, c.reg.penalize_bias) : 1.0;
    const float l1 = (float)(c.reg.l1 / pen_n), l2 = (float)(c.reg.l2 / pen_n);
    const float smoothing = (float)c.reg.label_smoothing, clip = (float)c.optim.clip_grad_norm;
    const float max_norm = (float)c.reg.max_norm;
    for (int k = 0; k < steps; k++) {
        for (int d = 0; d < nsites; d++) {
            snprintf(name, sizeof name, "mask%d.%s", k, sites[d]);
            long n = (long)B * drops[d]->out;
            const tensor *t = get(&r, name, n);
            uint8_t *mk = masks + (size_t)d * mstride;
            if (!t) goto done;
            for (long i = 0; i < n; i++) mk[i] = t->data[i] != 0.0f;
            drops[d]->fixed_mask = mk;
        }
        memcpy(m.input, x->data, (size_t)B * D * sizeof(float));
        const float *z = rm_model_forward(&m, B, 1);
        double loss = rm_xent(z, labels, B, C, smoothing, dl, NULL);
        rm_params_zero_grad(&m.params);
        double pen = rm_penalty(&m.params, l1, l2, c.reg.penalize_bias, 1);
        rm_model_backward(&m, dl, B);
        if (clip > 0.0f) rm_clip_grad_norm(&m.params, clip);
        if (k == 0) {
            compare(&ty, &r, "logits", z, "logits", (long)B * C, RTOL_STEP0, ATOL_STEP0);
            compare_scalar(&ty, &r, "loss", loss);
            compare_scalar(&ty, &r, "penalty", pen);
            compare_scalar(&ty, &r, "total", loss + pen);
            for (int t = 0; t < m.params.count; t++) {
                const rm_tensor_info *ti = &m.params.t[t];
                snprintf(name, sizeof name, "grad.%s", ti->name);
                compare(&ty, &r, name, m.params.grad + ti->off, name, (long)ti->n, RTOL_STEP0, ATOL_STEP0);
            }
        }
        rm_optim_step(&opt, m.params.data, m.params.grad);
        if (max_norm > 0.0f) rm_max_norm(&m.params, max_norm, c.reg.max_norm_output ? NULL : "out.weight");
        if (k == 0 || k == steps - 1) {
            for (int s = 0; s < 2; s++)
                for (int t = 0; t < sets[s]->count; t++) {
                    const rm_tensor_info *ti = &sets[s]->t[t];
                    snprintf(name, sizeof name, "step%d.%s", k + 1, ti->name);
                    if (s == 1 && k == 0) continue; /* buffers are stored after the last step only */
                    compare(&ty, &r, name, sets[s]->data + ti->off, name, (long)ti->n, RTOL_STEPS, ATOL_STEPS);
                }
        }
    }
    memcpy(m.input, x->data, (size_t)B * D * sizeof(float));
    compare(&ty, &r, "eval.logits", rm_model_forward(&m, B, 0), "eval.logits", (long)B * C, RTOL_STEPS, ATOL_STEPS);

    /* coverage */
    cover[C_LINEAR] |= spec.n_hidden == 0;
    cover[C_RELU] |= spec.n_hidden > 0 && spec.act == RM_ACT_RELU;
    cover[C_TANH] |= spec.n_hidden > 0 && spec.act == RM_ACT_TANH;
    cover[C_SIGMOID] |= spec.n_hidden > 0 && spec.act == RM_ACT_SIGMOID;
    cover[C_BN] |= spec.n_hidden > 0 && spec.norm == RM_MNORM_BATCH;
    cover[C_LN] |= spec.n_hidden > 0 && spec.norm == RM_MNORM_LAYER;
    cover[C_DROPOUT] |= nsites > (spec.input_dropout > 0.0f);
    cover[C_INDROP] |= spec.input_dropout > 0.0f;
    cover[C_L1] |= l1 > 0.0f;
    cover[C_L2] |= l2 > 0.0f && !c.reg.penalize_bias;
    cover[C_L2_BIAS] |= l2 > 0.0f && c.reg.penalize_bias;
    cover[C_SGD] |= oc.kind == RM_OPT_SGD && oc.momentum == 0.0f && oc.weight_decay == 0.0f;
    cover[C_MOMENTUM] |= oc.kind == RM_OPT_SGD && oc.momentum > 0.0f && !oc.nesterov;
    cover[C_NESTEROV] |= oc.kind == RM_OPT_SGD && oc.nesterov;
    cover[C_SGD_WD] |= oc.kind == RM_OPT_SGD && oc.weight_decay > 0.0f;
    cover[C_ADAM] |= oc.kind == RM_OPT_ADAM && oc.weight_decay == 0.0f;
    cover[C_ADAM_WD] |= oc.kind == RM_OPT_ADAM && oc.weight_decay > 0.0f;
    cover[C_ADAMW] |= oc.kind == RM_OPT_ADAMW;
    cover[C_SMOOTH] |= smoothing > 0.0f;
    cover[C_MAXNORM] |= max_norm > 0.0f && !c.reg.max_norm_output;
    cover[C_MAXNORM_OUT] |= max_norm > 0.0f && c.reg.max_norm_output;
    cover[C_CLIP] |= clip > 0.0f;
    cover[C_MEAN] |= c.reg.normalize == RM_PEN_MEAN && (l1 > 0.0f || l2 > 0.0f);
    printf("%-40s %s  worst %.3f of tolerance (%s)\n", path, ty.fails ? "FAIL" : "ok  ", ty.worst, ty.what);
done:
    free(masks);
    free(dl);
    rm_model_free(&m);
    rm_optim_free(&opt);
    free_ref(&r);
}

/* The comparator itself, on a synthetic 7-value tensor: a NaN or Inf anywhere on either side must
 * fail and name its element, a clean near-copy must pass. The expected failures are undone in the
 * tallies; each case counts as one check. */
static void self_test_compare(void)
{
    enum { NV = 7, MID = 3 };
    static const float clean[NV] = {0.5f, -1.0f, 2.0f, 3.0f, 0.25f, -4.0f, 1.0f};
    static const struct {
        const char *what;
        int ref_side;   /* the odd value goes into the reference instead of regmnist's tensor */
        int at;         /* element changed */
        float v;        /* its value */
        long expect;    /* element compare must report; -1: must pass */
    } cases[] = {
        {"clean (must pass)", 0, MID, 3.0000001f, -1},
        {"NaN in the middle", 0, MID, NAN, MID},
        {"+Inf in the middle", 0, MID, INFINITY, MID},
        {"-Inf in the middle", 0, MID, -INFINITY, MID},
        {"NaN first", 0, 0, NAN, 0},
        {"reference NaN in the middle", 1, MID, NAN, MID},
        {"reference +Inf in the middle", 1, MID, INFINITY, MID},
        {"finite error in the middle", 0, MID, 3.1f, MID},
    };
    int ok = 0;
    const int ncases = (int)(sizeof cases / sizeof cases[0]);
    for (int k = 0; k < ncases; k++) {
        static ref_file r; /* static: ref_file is large */
        static float mine[NV], theirs[NV];
        memcpy(mine, clean, sizeof mine);
        memcpy(theirs, clean, sizeof theirs);
        (cases[k].ref_side ? theirs : mine)[cases[k].at] = cases[k].v;
        memset(&r, 0, sizeof r);
        r.path = "comparator self-test (this failure is expected)";
        r.nt = 1;
        snprintf(r.t[0].name, sizeof r.t[0].name, "v");
        r.t[0].n = NV;
        r.t[0].ndim = 1;
        r.t[0].dims[0] = NV;
        r.t[0].data = theirs;
        tally ty = {0};
        const int f0 = t_failures, c0 = t_checks;
        long at = compare(&ty, &r, cases[k].what, mine, "v", NV, RTOL_STEP0, ATOL_STEP0);
        const int counted = t_failures - f0, fails = ty.fails;
        t_failures = f0; /* undo the comparator's own tally: only this self-test's verdict counts */
        t_checks = c0;
        int pass = at == cases[k].expect && counted == (cases[k].expect >= 0) && fails == counted;
        if (pass && cases[k].expect >= 0 && !isfinite(cases[k].v)) pass = isinf(ty.worst) && ty.worst > 0;
        t_checks++;
        if (!pass) {
            t_failures++;
            fprintf(stderr, "comparator self-test: %s: compare reported element %ld (want %ld), counted %d failure(s)"
                    "\n", cases[k].what, at, cases[k].expect, counted);
        } else {
            ok++;
        }
    }
    printf("comparator self-test: %d of %d cases ok\n", ok, ncases);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_reference DIR\n");
        return 2;
    }
    self_test_compare();
    DIR *d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "%s: cannot open the reference directory\n", argv[1]);
        return 1;
    }
    char *files[512];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 512) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".bin") == 0) {
            files[n] = malloc(strlen(argv[1]) + l + 2);
            sprintf(files[n++], "%s/%s", argv[1], de->d_name);
        }
    }
    closedir(d);
    qsort(files, (size_t)n, sizeof files[0], cmp_str);
    int cover[C_COUNT] = {0};
    for (int i = 0; i < n; i++) {
        run_case(files[i], cover);
        free(files[i]);
    }
    for (int k = 0; k < C_COUNT; k++) {
        t_checks++;
        if (!cover[k]) {
            t_failures++;
            fprintf(stderr, "%s: no reference case covers %s (missing file?)\n", argv[1], COVER[k]);
        }
    }
    return t_done("test_reference");
}
