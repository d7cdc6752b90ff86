/* evaluate.c - eval-mode passes over a set: mean loss, accuracy, confusion counts. */
#include "rm_evaluate.h"

#include <string.h>

#include "rm_loss.h"

int rm_eval_batch(uint32_t n) { return n == 0 ? 1 : n < RM_EVAL_BATCH ? (int)n : RM_EVAL_BATCH; }

rm_eval_result rm_evaluate(rm_model *m, const rm_dataset *d, const uint32_t *idx, uint32_t n, const float lut[256],
                           uint8_t *labels, long *confusion, rm_act_acc *acts)
{
    const int n_hidden = m->n_blocks - 1;
    if (acts)
        for (int k = 0; k < n_hidden; k++) rm_act_acc_reset(&acts[k]);
    const int C = m->spec.classes;
    double loss = 0.0;
    long correct = 0;
    if (confusion) memset(confusion, 0, (size_t)C * (size_t)C * sizeof *confusion);
    for (uint32_t at = 0; at < n; at += RM_EVAL_BATCH) {
        int B = (int)(n - at < RM_EVAL_BATCH ? n - at : RM_EVAL_BATCH);
        rm_gather(d, idx + at, B, lut, m->input, labels);
        const float *logits = rm_model_forward(m, B, 0); // (B, C)
        int ok;
        loss += rm_xent(logits, labels, B, C, 0.0f, NULL, &ok) * B;
        correct += ok;
        if (acts) /* a hidden block's eval output is its activation layer's */
            for (int k = 0; k < n_hidden; k++) rm_act_acc_add(&acts[k], m->layers[m->blocks[k].act].y, B);
        if (!confusion) continue;
        for (int i = 0; i < B; i++) { /* argmax as rm_xent takes it: the first largest logit */
            const float *z = logits + (long)i * C; // (C)
            int arg = 0;
            for (int c = 1; c < C; c++)
                if (z[c] > z[arg]) arg = c;
            confusion[labels[i] * C + arg]++;
        }
    }
    rm_eval_result r = {n ? loss / n : 0.0, n ? 100.0 * (double)correct / n : 0.0};
    return r;
}
