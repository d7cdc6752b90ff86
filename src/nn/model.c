/* model.c - builds the layer stack over flat parameter buffers and runs it as fused steps.
 *
 * A hidden block (Linear -> [Norm] -> Activation -> [Dropout]) runs forward as one pool job: each
 * tile of the product fills its block of the output with the bias, multiplies, then applies the
 * norm, the activation and the dropout mask to that block while it is in cache. Backward, the tiles
 * of the product that gives a block's output gradient apply the dropout mask, the activation's
 * derivative, BatchNorm's backward and the bias gradient the same way, and a block's weight and
 * input gradients are one job. Every layer runs through its kind's ops table (rm_layer_ops): the
 * table says what a tile must hold whole (BatchNorm in training whole columns, LayerNorm whole
 * rows); when the product's tiles do not, the chain runs as a job of its own.
 *
 * Nothing depends on the thread count: product tiles are fixed by the shapes (rm_gemm), sums over
 * the batch run in row order inside one task, and dropout masks come from the counter-based
 * generator (element i * width + j of site s in training pass t). */
#include "rm_model.h"

#include <math.h>
#include <string.h>

#include "rm_gemm.h"
#include "rm_pool.h"

#define ROWS_PER_TASK 16  /* row jobs (input dropout, LayerNorm) */
#define COLS_PER_TASK 256 /* column jobs (bias gradients, LayerNorm parameter gradients) */

static int push(rm_model *m, const rm_layer_ops *ops, int in, int out)
{
    rm_layer *l = &m->layers[m->n_layers];
    memset(l, 0, sizeof *l);
    l->ops = ops;
    l->in = in;
    l->out = out;
    return m->n_layers++;
}

/* Offsets are recorded while registering; pointers are set once the flat buffers exist. */
typedef struct {
    int layer;
    size_t w, b;
    size_t rm, rv;
} wiring;

static int alloc_floats(float **p, long n, const char *what, rm_err *e)
{
    *p = rm_alloc((size_t)n, sizeof(float), what, e);
    return *p ? RM_OK : e->code;
}

/* A Linear layer's parameters, BASE.weight (out, in) and BASE.bias (out), registered for w. */
static int add_linear_params(rm_model *m, wiring *w, const char *base, int in, int out, rm_err *e)
{
    char lname[48];
    snprintf(lname, sizeof lname, "%s.weight", base);
    w->w = rm_params_add(&m->params, lname, out, in, 1, e);
    snprintf(lname, sizeof lname, "%s.bias", base);
    w->b = rm_params_add(&m->params, lname, 1, out, 0, e);
    return w->w == (size_t)-1 || w->b == (size_t)-1 ? e->code : RM_OK;
}

/* Block i's norm layer (BatchNorm or LayerNorm of h units): normI.weight and normI.bias, and for
 * BatchNorm its running statistics as buffers. */
static int add_norm(rm_model *m, const rm_model_spec *s, rm_block *bk, wiring *w, int i, int h, rm_err *e)
{
    char lname[48];
    w->layer = bk->norm = push(m, s->norm == RM_MNORM_BATCH ? &rm_batchnorm_ops : &rm_layernorm_ops, h, h);
    snprintf(lname, sizeof lname, "norm%d.weight", i);
    w->w = rm_params_add(&m->params, lname, 1, h, 0, e);
    snprintf(lname, sizeof lname, "norm%d.bias", i);
    w->b = rm_params_add(&m->params, lname, 1, h, 0, e);
    if (w->w == (size_t)-1 || w->b == (size_t)-1) return e->code;
    w->rm = w->rv = (size_t)-1;
    if (s->norm == RM_MNORM_BATCH) {
        snprintf(lname, sizeof lname, "norm%d.running_mean", i);
        w->rm = rm_params_add(&m->buffers, lname, 1, h, 0, e);
        snprintf(lname, sizeof lname, "norm%d.running_var", i);
        w->rv = rm_params_add(&m->buffers, lname, 1, h, 0, e);
        if (w->rm == (size_t)-1 || w->rv == (size_t)-1) return e->code;
    }
    return RM_OK;
}

/* Point each wired layer at its parameters, gradients and buffers in the flat arrays. */
static void wire_layers(rm_model *m, const wiring *wire, int nw)
{
    for (int k = 0; k < nw; k++) {
        rm_layer *l = &m->layers[wire[k].layer];
        l->w = m->params.data + wire[k].w;
        l->b = m->params.data + wire[k].b;
        l->dw = m->params.grad + wire[k].w;
        l->db = m->params.grad + wire[k].b;
        if (l->ops == &rm_batchnorm_ops) {
            l->run_mean = m->buffers.data + wire[k].rm;
            l->run_var = m->buffers.data + wire[k].rv;
        }
    }
}

/* Every buffer of the loop for batches of up to m->max_batch: the input, two gradient buffers of the
 * widest layer (max_w), and each layer's output and caches. */
static int alloc_batch_buffers(rm_model *m, int max_w, rm_err *e)
{
    const long B = m->max_batch;
    if (alloc_floats(&m->input, B * m->spec.in_dim, "input batch", e)) return e->code;
    if (alloc_floats(&m->grad_a, B * max_w, "gradient buffer", e)) return e->code;
    if (alloc_floats(&m->grad_b, B * max_w, "gradient buffer", e)) return e->code;
    for (int i = 0; i < m->n_layers; i++) {
        rm_layer *l = &m->layers[i];
        if (alloc_floats(&l->y, B * l->out, "activations", e)) return e->code;
        if (l->ops == &rm_batchnorm_ops || l->ops == &rm_layernorm_ops) {
            long stat = l->ops == &rm_batchnorm_ops ? l->out : B;
            if (alloc_floats(&l->xhat, B * l->out, "norm cache", e)) return e->code;
            if (alloc_floats(&l->mu, 2 * (stat > l->out ? stat : l->out), "norm statistics", e)) return e->code;
            if (alloc_floats(&l->invstd, stat, "norm statistics", e)) return e->code;
            if (l->ops == &rm_layernorm_ops && alloc_floats(&l->dbuf, B * l->out, "norm gradient", e))
                return e->code;
        }
        if (l->ops == &rm_dropout_ops && alloc_floats(&l->mask, B * l->out, "dropout mask", e)) return e->code;
    }
    return RM_OK;
}

int rm_model_build(rm_model *m, const rm_model_spec *s, int max_batch, rm_err *e)
{
    memset(m, 0, sizeof *m);
    m->spec = *s;
    m->max_batch = max_batch;
    m->in_drop = -1;
    wiring wire[RM_MAX_LAYERS];
    int nw = 0;
    int cur = s->in_dim, max_w = s->in_dim;
    char name[16];
    if (s->input_dropout > 0.0f) {
        m->in_drop = push(m, &rm_dropout_ops, cur, cur);
        m->layers[m->in_drop].p = s->input_dropout;
        m->layers[m->in_drop].site = m->n_drop++;
    }
    for (int i = 0; i <= s->n_hidden; i++) {
        int last = i == s->n_hidden;
        int h = last ? s->classes : s->hidden[i];
        if (h > max_w) max_w = h;
        rm_block *bk = &m->blocks[m->n_blocks++];
        bk->norm = bk->act = bk->drop = -1;
        wiring *w = &wire[nw++];
        w->layer = bk->lin = push(m, &rm_linear_ops, cur, h);
        if (!last) snprintf(name, sizeof name, "fc%d", i);
        if (add_linear_params(m, w, last ? "out" : name, cur, h, e)) return e->code;
        cur = h;
        if (last) break;
        if (s->norm != RM_MNORM_NONE && add_norm(m, s, bk, &wire[nw++], i, h, e)) return e->code;
        bk->act = push(m, &rm_activation_ops, h, h);
        m->layers[bk->act].act = s->act;
        if (s->dropout[i] > 0.0f) {
            bk->drop = push(m, &rm_dropout_ops, h, h);
            m->layers[bk->drop].p = s->dropout[i];
            m->layers[bk->drop].site = m->n_drop++;
        }
    }
    if (rm_params_alloc(&m->params, 1, e)) return e->code;
    if (rm_params_alloc(&m->buffers, 0, e)) return e->code;
    wire_layers(m, wire, nw);
    return alloc_batch_buffers(m, max_w, e);
}

/* Floats of a tensor of n added after used floats (rm_params_add aligns each tensor to 16 floats). */
static double tensor_after(double used, double n)
{
    return floor((used + 15) / 16) * 16 + n;
}

double rm_model_bytes(const rm_model_spec *s, int max_batch, double *n_params, double *n_buffers)
{
    /* The sizes rm_model_build allocates (rm_alloc's rounding to 64 bytes aside), in floats. */
    const double B = max_batch;
    double P = 0, Bf = 0, act = 0;
    int cur = s->in_dim, max_w = s->in_dim;
    if (s->input_dropout > 0.0f) act += 2 * B * cur; /* its output and mask */
    for (int i = 0; i <= s->n_hidden; i++) {
        const int last = i == s->n_hidden, h = last ? s->classes : s->hidden[i];
        if (h > max_w) max_w = h;
        P = tensor_after(tensor_after(P, (double)h * cur), h); /* weight, bias */
        act += B * h;                                         /* the linear layer's output */
        cur = h;
        if (last) break;
        if (s->norm != RM_MNORM_NONE) {
            const double stat = s->norm == RM_MNORM_BATCH ? h : B;
            P = tensor_after(tensor_after(P, h), h);
            if (s->norm == RM_MNORM_BATCH) Bf = tensor_after(tensor_after(Bf, h), h);
            act += 2 * B * h + 2 * (stat > h ? stat : h) + stat; /* output, xhat, mu, invstd */
            if (s->norm == RM_MNORM_LAYER) act += B * h;          /* its gradient buffer */
        }
        act += B * h;                                    /* the activation's output */
        if (s->dropout[i] > 0.0f) act += 2 * B * h;      /* output and mask */
    }
    act += B * s->in_dim + 2 * B * max_w; /* the input batch, the two gradient buffers */
    if (n_params) *n_params = P;
    if (n_buffers) *n_buffers = Bf;
    return 4 * (2 * P + Bf + act); /* parameters and gradients, buffers, activations */
}

void rm_model_init(rm_model *m, uint64_t seed)
{
    rm_rng r;
    rm_rng_seed(&r, seed, RM_STREAM_INIT);
    rm_ctr_seed(&m->dropout_rng, seed, RM_STREAM_DROPOUT);
    for (int i = 0; i < m->n_layers; i++) {
        rm_layer *l = &m->layers[i];
        if (l->ops == &rm_linear_ops) {
            /* kaiming_uniform_(a=sqrt(5)) gives bound 1/sqrt(fan_in) for W, and the same for b */
            const float bound = 1.0f / sqrtf((float)l->in);
            long nw = (long)l->in * l->out;
            for (long k = 0; k < nw; k++) l->w[k] = bound * (2.0f * rm_rng_uniform(&r) - 1.0f);
            for (int k = 0; k < l->out; k++) l->b[k] = bound * (2.0f * rm_rng_uniform(&r) - 1.0f);
        } else if (l->w) {
            for (int k = 0; k < l->out; k++) {
                l->w[k] = 1.0f;
                l->b[k] = 0.0f;
            }
            if (l->run_var)
                for (int k = 0; k < l->out; k++) {
                    l->run_mean[k] = 0.0f;
                    l->run_var[k] = 1.0f;
                }
        }
    }
}

static rm_layer *layer(rm_model *m, int i) { return i >= 0 ? &m->layers[i] : NULL; }

/* Block k's output: its dropout's in training, else its activation's (the logits for the last). */
static float *block_out(rm_model *m, int k, int train)
{
    const rm_block *bk = &m->blocks[k];
    if (k == m->n_blocks - 1) return m->layers[bk->lin].y;
    return train && bk->drop >= 0 ? m->layers[bk->drop].y : m->layers[bk->act].y;
}

/* Block k's input. */
static const float *block_in(rm_model *m, int k, int train)
{
    if (k > 0) return block_out(m, k - 1, train);
    return train && m->in_drop >= 0 ? m->layers[m->in_drop].y : m->input;
}

/* What a block's tile callbacks need. */
typedef struct {
    rm_model *m;
    int k, B, train, acc;
    uint64_t draw; /* the training pass's dropout draw */
    float *t;      /* backward: the block's output gradient, turned into its linear output's */
} step;

static rm_tile tile_of(const step *s, int r0, int r1, int c0, int c1)
{
    const rm_tile t = {s->B, r0, r1, c0, c1, s->train, s->acc, &s->m->dropout_rng, s->draw};
    return t;
}

/* Row task t: rows [16t, 16t + 16) of the batch, every column of a width. */
static rm_tile row_tile(const step *s, long t, int width)
{
    const int r0 = (int)t * ROWS_PER_TASK, r1 = r0 + ROWS_PER_TASK < s->B ? r0 + ROWS_PER_TASK : s->B;
    return tile_of(s, r0, r1, 0, width);
}

/* Column task t: columns [256t, 256t + 256) of a width, every row of the batch. */
static rm_tile col_tile(const step *s, long t, int width)
{
    const int c0 = (int)t * COLS_PER_TASK, c1 = c0 + COLS_PER_TASK < width ? c0 + COLS_PER_TASK : width;
    return tile_of(s, 0, s->B, c0, c1);
}

/* The layers after block k's Linear that run in this mode, in order: norm, activation, dropout (in
 * training only: in eval mode dropout is the identity). Returns their count. */
static int chain(rm_model *m, int k, int train, rm_layer *out[3])
{
    const rm_block *bk = &m->blocks[k];
    const int idx[3] = {bk->norm, bk->act, train ? bk->drop : -1};
    int n = 0;
    for (int i = 0; i < 3; i++)
        if (idx[i] >= 0) out[n++] = &m->layers[idx[i]];
    return n;
}

/* What a forward tile of block k's chain must hold whole in this mode (RM_WHOLE_*; a block has at
 * most one norm, the only kind that needs more than any tile). */
static int chain_whole(rm_model *m, int k, int train)
{
    rm_layer *ls[3];
    const int n = chain(m, k, train, ls);
    int whole = RM_WHOLE_NONE;
    for (int i = 0; i < n; i++) {
        const int w = train ? ls[i]->ops->fwd_whole_train : ls[i]->ops->fwd_whole_eval;
        if (w != RM_WHOLE_NONE) whole = w;
    }
    return whole;
}

/* Block k's Linear on a tile before its product: the bias. */
static void fwd_pre(void *ctx, int r0, int r1, int c0, int c1)
{
    const step *s = ctx;
    rm_layer *lin = &s->m->layers[s->m->blocks[s->k].lin];
    const rm_tile t = tile_of(s, r0, r1, c0, c1);
    lin->ops->forward(lin, NULL, &t);
}

/* The layers after block k's Linear, each through its ops, on a tile of the Linear's output. */
static void fwd_post(void *ctx, int r0, int r1, int c0, int c1)
{
    const step *s = ctx;
    rm_model *m = s->m;
    rm_layer *ls[3];
    const int n = chain(m, s->k, s->train, ls);
    const rm_tile t = tile_of(s, r0, r1, c0, c1);
    const float *x = m->layers[m->blocks[s->k].lin].y; // (B, out)
    for (int i = 0; i < n; i++) {
        ls[i]->ops->forward(ls[i], x, &t);
        x = ls[i]->y;
    }
}

static void fwd_rows_task(void *ctx, long t)
{
    const step *s = ctx;
    const rm_tile tl = row_tile(s, t, s->m->layers[s->m->blocks[s->k].lin].out);
    fwd_post(ctx, tl.r0, tl.r1, tl.c0, tl.c1);
}

static void in_drop_task(void *ctx, long t)
{
    const step *s = ctx;
    rm_layer *l = &s->m->layers[s->m->in_drop];
    const rm_tile tl = row_tile(s, t, l->out);
    l->ops->forward(l, s->m->input, &tl);
}

static long row_tasks(int B) { return (B + ROWS_PER_TASK - 1) / ROWS_PER_TASK; }
static long col_tasks(int n) { return (n + COLS_PER_TASK - 1) / COLS_PER_TASK; }

/* The work of an elementwise pass over a (B, n) block, for the pool's size check. */
static double pass_work(int B, int n) { return (double)B * n * RM_POOL_ELEM_WORK; }

const float *rm_model_forward(rm_model *m, int B, int train)
{
    uint64_t draw = 0;
    if (train && m->n_drop > 0) draw = rm_ctr_next_draw(&m->dropout_rng);
    if (train && m->in_drop >= 0) {
        step s = {m, -1, B, train, 0, draw, NULL};
        rm_job j = {0};
        rm_job_add_work(&j, in_drop_task, &s, row_tasks(B), pass_work(B, m->layers[m->in_drop].out));
        rm_pool_job(&j);
    }
    for (int k = 0; k < m->n_blocks; k++) {
        rm_layer *lin = &m->layers[m->blocks[k].lin];
        const int hidden = k < m->n_blocks - 1;
        const int whole = hidden ? chain_whole(m, k, train) : RM_WHOLE_NONE;
        step s = {m, k, B, train, 0, draw, NULL};
        /* y (B,OUT) = bias, then += x (B,IN) W^T, then the chain, tile by tile */
        rm_gemm_op op = {0, 1, B, lin->out, lin->in, 1.0f, 1.0f, block_in(m, k, train), lin->w, lin->y,
                         whole == RM_WHOLE_COLS ? RM_SPLIT_COLS : RM_SPLIT_AUTO, fwd_pre, NULL, &s, 0, 0, 0};
        rm_gemm_plan(&op);
        /* a chain that needs whole rows is fused only when the tiles are blocks of rows */
        const int rows_pass = whole == RM_WHOLE_ROWS && !op.by_rows;
        if (hidden && !rows_pass) op.post = fwd_post;
        rm_job j = {0};
        rm_job_add_gemm(&j, &op);
        rm_pool_job(&j);
        if (rows_pass) {
            rm_job r = {0};
            rm_job_add_work(&r, fwd_rows_task, &s, row_tasks(B), 3 * pass_work(B, lin->out));
            rm_pool_job(&r);
        }
    }
    return m->layers[m->blocks[m->n_blocks - 1].lin].y;
}

/* Backward through block k's chain, last layer first, on whole columns of its output gradient s->t
 * (in place), then its Linear's bias gradient; a chain with LayerNorm stops there (its backward is
 * a job of its own, after which the bias gradient follows). */
static void bwd_post(void *ctx, int r0, int r1, int c0, int c1)
{
    (void)r0;
    (void)r1; /* whole columns: rows [0, B) */
    const step *s = ctx;
    rm_model *m = s->m;
    rm_layer *ls[3];
    const int n = chain(m, s->k, 1, ls);
    const rm_tile t = tile_of(s, 0, s->B, c0, c1);
    for (int i = n - 1; i >= 0; i--) {
        if (!ls[i]->ops->backward) return;
        ls[i]->ops->backward(ls[i], s->t, &t);
    }
    rm_layer *lin = &m->layers[m->blocks[s->k].lin];
    lin->ops->backward(lin, s->t, &t);
}

/* Column tasks: a Linear layer's bias gradient from s->t. */
static void db_task(void *ctx, long t)
{
    const step *s = ctx;
    rm_layer *lin = &s->m->layers[s->m->blocks[s->k].lin];
    const rm_tile tl = col_tile(s, t, lin->out);
    lin->ops->backward(lin, s->t, &tl);
}

/* A norm that needs two passes (LayerNorm): rows give its input gradient (into dbuf), columns its
 * parameters'. */
static void norm_rows_task(void *ctx, long t)
{
    const step *s = ctx;
    rm_layer *nl = &s->m->layers[s->m->blocks[s->k].norm];
    const rm_tile tl = row_tile(s, t, nl->out);
    nl->ops->backward_rows(nl, s->t, nl->dbuf, &tl);
}

static void norm_cols_task(void *ctx, long t)
{
    const step *s = ctx;
    rm_layer *nl = &s->m->layers[s->m->blocks[s->k].norm];
    const rm_tile tl = col_tile(s, t, nl->out);
    nl->ops->backward_cols(nl, s->t, &tl);
}

void rm_model_backward(rm_model *m, const float *dlogits, int B)
{
    const int acc = !m->params.grad_zero;
    float *bufs[2] = {m->grad_a, m->grad_b};
    int nb = 0;
    /* the output gradient of block k (its linear output's once db_pending is settled) */
    step cur = {m, m->n_blocks - 1, B, 1, acc, 0, (float *)dlogits};
    int db_pending = 1;
    for (int k = m->n_blocks - 1; k >= 0; k--) {
        rm_layer *lin = &m->layers[m->blocks[k].lin];
        const int need_dx = k > 0; /* layers before the first linear have no parameters */
        step prev = {m, k - 1, B, 1, acc, 0, bufs[nb]};
        rm_job j = {0};
        if (db_pending) rm_job_add_work(&j, db_task, &cur, col_tasks(lin->out), pass_work(B, lin->out));
        /* dW (OUT,IN) (+)= dz^T (OUT,B) x (B,IN) */
        rm_gemm_op dw = {1, 0, lin->out, lin->in, B, 1.0f, acc ? 1.0f : 0.0f, cur.t, block_in(m, k, 1), lin->dw,
                         RM_SPLIT_AUTO, NULL, NULL, NULL, 0, 0, 0};
        rm_job_add_gemm(&j, &dw);
        /* dx (B,IN) = dz (B,OUT) W (OUT,IN), then block k-1's chain backward on whole columns of it */
        rm_gemm_op dx = {0, 0, B, lin->in, lin->out, 1.0f, 0.0f, cur.t, lin->w, prev.t, RM_SPLIT_COLS, NULL, bwd_post,
                         &prev, 0, 0, 0};
        if (need_dx) rm_job_add_gemm(&j, &dx);
        rm_pool_job(&j);
        if (!need_dx) break;
        nb ^= 1;
        rm_layer *nl = layer(m, m->blocks[k - 1].norm);
        db_pending = 0;
        if (nl && !nl->ops->backward) {
            rm_job r = {0};
            rm_job_add_work(&r, norm_rows_task, &prev, row_tasks(B), 2 * pass_work(B, nl->out));
            rm_job_add_work(&r, norm_cols_task, &prev, col_tasks(nl->out), pass_work(B, nl->out));
            rm_pool_job(&r);
            prev.t = nl->dbuf;
            db_pending = 1;
        }
        cur = prev;
    }
    m->params.grad_zero = 0;
}

int rm_model_dropout_layers(rm_model *m, rm_layer **out, int max)
{
    int n = 0;
    for (int i = 0; i < m->n_layers && n < max; i++)
        if (m->layers[i].ops == &rm_dropout_ops) out[n++] = &m->layers[i];
    return n;
}

void rm_model_free(rm_model *m)
{
    for (int i = 0; i < m->n_layers; i++) {
        rm_layer *l = &m->layers[i];
        rm_free(l->y);
        rm_free(l->xhat);
        rm_free(l->mu);
        rm_free(l->invstd);
        rm_free(l->dbuf);
        rm_free(l->mask);
    }
    rm_params_free(&m->params);
    rm_params_free(&m->buffers);
    rm_free(m->input);
    rm_free(m->grad_a);
    rm_free(m->grad_b);
    memset(m, 0, sizeof *m);
}
