/* Running a ClampPlan: the per-batch query rows (induction and match patterns), the site hooks
 * that apply overrides in forward and route their gradients in backward (design 3.1), and the
 * multi-pass forward/backward. Nothing here allocates or fails.
 *
 * Gradient rule at a site a = where(mask, source, value), several overrides applied in order:
 * backward visits them in reverse; each adds the masked part of the gradient to its source
 * (through its transform's backward) when the source is a pass of the trained model, drops it
 * otherwise, and zeroes it, so the computed value receives (1 - mask) g.
 */
#include "clamp/internal.h"

#include <math.h>
#include <string.h>

/* Query rows [B, T] of an induction or match override for this batch (design 3.3). Label j sits at
 * position 2j+1. Induction: w_j = s if y_j == y_q else 1 - s, not renormalised. Match: softmax
 * over j of cos(x_j, x_q) / tau on the raw input rows (tau 0: one-hot on the first maximum). */
static void fill_rows(const ClampPlan *p, ClampOverride *ov, const ModelBatch *in)
{
    const int T = model_tokens(&p->cfg), P = p->cfg.context_pairs, X = P + 1;
    const int D = p->cfg.input_dim;
    for (int b = 0; b < in->B; b++) {
        float *row = ov->value + (size_t)b * T;
        memset(row, 0, (size_t)T * sizeof(float));
        if (ov->row_type == CLAMP_INDUCTION_PATTERN) {
            float s = ov->row_param;
            for (int j = 0; j < P; j++)
                row[2 * j + 1] = in->labels[b * P + j] == in->targets[b] ? s : 1.0f - s;
            continue;
        }
        double cosv[64], w[64], mx = -INFINITY, sum = 0;
        const float *xq = in->exemplar_rows + (size_t)in->example_row[b * X + P] * D;
        double nq = 0;
        for (int d = 0; d < D; d++)
            nq += (double)xq[d] * xq[d];
        int arg = 0;
        for (int j = 0; j < P; j++) {
            const float *xj = in->exemplar_rows + (size_t)in->example_row[b * X + j] * D;
            double dot = 0, nj = 0;
            for (int d = 0; d < D; d++) {
                dot += (double)xj[d] * xq[d];
                nj += (double)xj[d] * xj[d];
            }
            cosv[j] = dot / fmax(sqrt(nj * nq), 1e-8);
            if (cosv[j] > mx) {
                mx = cosv[j];
                arg = j;
            }
        }
        double tau = ov->row_param;
        for (int j = 0; j < P; j++) {
            w[j] = tau == 0 ? (j == arg) : exp((cosv[j] - mx) / tau);
            sum += w[j];
        }
        for (int j = 0; j < P; j++)
            row[2 * j + 1] = (float)(w[j] / sum);
    }
}

static float *source_site(const ClampPlan *p, const ClampOverride *ov, int grad)
{
    const ClampPass *src = &p->passes[ov->src_pass];
    ModelActs *a = grad ? src->dacts : src->acts;
    return a ? model_acts_site(a, ov->src_site, ov->src_layer) : NULL;
}

/* The perfect-copy query logits: -1e9, then logit[y_j] = S[head, T-1, 2j+1] for j = 0..P-1 in
 * order (a repeated label keeps the later position's score). */
static void copy_logits_forward(const ClampPlan *p, const ClampOverride *ov, float *logits,
                                const float *pre, const ModelBatch *in)
{
    const int T = model_tokens(&p->cfg), H = p->cfg.n_heads, L = p->cfg.n_labels;
    const int P = p->cfg.context_pairs;
    for (int b = 0; b < in->B; b++) {
        float *row = logits + ((size_t)b * T + T - 1) * L;
        const float *s = pre + (((size_t)b * H + ov->head) * T + T - 1) * T;
        for (int c = 0; c < L; c++)
            row[c] = CLAMP_NEG;
        for (int j = 0; j < P; j++)
            row[in->labels[b * P + j]] = s[2 * j + 1];
    }
}

static void copy_logits_backward(const ClampPlan *p, const ClampOverride *ov, float *g, float *dpre,
                                 const ModelBatch *in)
{
    const int T = model_tokens(&p->cfg), H = p->cfg.n_heads, L = p->cfg.n_labels;
    const int P = p->cfg.context_pairs;
    for (int b = 0; b < in->B; b++) {
        float *row = g + ((size_t)b * T + T - 1) * L;
        float *ds = dpre + (((size_t)b * H + ov->head) * T + T - 1) * T;
        const int *y = in->labels + (size_t)b * P;
        for (int j = 0; j < P; j++) {
            int overwritten = 0;
            for (int k = j + 1; k < P; k++)
                overwritten |= y[k] == y[j];
            if (!overwritten)
                ds[2 * j + 1] += row[y[j]];
        }
        memset(row, 0, (size_t)L * sizeof(float));
    }
}

static void apply_forward(const ClampPlan *p, const ClampOverride *ov, float *v)
{
    const ModelBatch *in = p->batch;
    const int B = in->B, n = ov->n, T = model_tokens(&p->cfg);
    const unsigned char *mask = ov->mask;
    if (ov->kind == CLAMP_SRC_CONST) {
        for (int b = 0; b < B; b++) {
            float *vb = v + (size_t)b * n;
            if (!mask)
                memcpy(vb, ov->value, (size_t)n * sizeof(float));
            else
                for (int i = 0; i < n; i++)
                    if (mask[i])
                        vb[i] = ov->value[i];
        }
        return;
    }
    if (ov->kind == CLAMP_SRC_ROWS) {
        for (int b = 0; b < B; b++) {
            float *vb = v + (size_t)b * n;
            const float *r = ov->value + (size_t)b * T;
            for (int i = 0; i < n; i++)
                if (mask[i])
                    vb[i] = r[i % T];
        }
        return;
    }
    const float *src = source_site(p, ov, 0);
    switch (ov->xform) {
    case CLAMP_XFORM_IDENTITY:
        if (!mask)
            memcpy(v, src, (size_t)B * n * sizeof(float));
        else
            for (size_t k = 0; k < (size_t)B * n; k++)
                if (mask[k % n])
                    v[k] = src[k];
        break;
    case CLAMP_XFORM_HEAD_DIV: {
        const int H = p->cfg.n_heads, TT = n / H;
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                size_t o = ((size_t)b * H + h) * TT;
                for (int e = 0; e < TT; e++)
                    v[o + e] = src[o + e] / ov->div[h];
            }
        break;
    }
    case CLAMP_XFORM_SHIFT: {
        const int C = n / T;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                memcpy(v + ((size_t)b * T + t) * C, src + ((size_t)b * T + ov->shift[t]) * C,
                       (size_t)C * sizeof(float));
        break;
    }
    case CLAMP_XFORM_COPY_LOGITS:
        copy_logits_forward(p, ov, v, src, in);
        break;
    }
}

static void apply_backward(const ClampPlan *p, const ClampOverride *ov, float *g)
{
    const ModelBatch *in = p->batch;
    const int B = in->B, n = ov->n, T = model_tokens(&p->cfg);
    const unsigned char *mask = ov->mask;
    float *dsrc = ov->kind == CLAMP_SRC_PASS && ov->route_grad ? source_site(p, ov, 1) : NULL;
    if (!dsrc) {
        for (size_t k = 0; k < (size_t)B * n; k++)
            if (!mask || mask[k % n])
                g[k] = 0.0f;
        return;
    }
    switch (ov->xform) {
    case CLAMP_XFORM_IDENTITY:
        for (size_t k = 0; k < (size_t)B * n; k++)
            if (!mask || mask[k % n]) {
                dsrc[k] += g[k];
                g[k] = 0.0f;
            }
        break;
    case CLAMP_XFORM_HEAD_DIV: {
        const int H = p->cfg.n_heads, TT = n / H;
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                size_t o = ((size_t)b * H + h) * TT;
                for (int e = 0; e < TT; e++) {
                    dsrc[o + e] += g[o + e] / ov->div[h];
                    g[o + e] = 0.0f;
                }
            }
        break;
    }
    case CLAMP_XFORM_SHIFT: {
        const int C = n / T;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) {
                float *gt = g + ((size_t)b * T + t) * C;
                float *ds = dsrc + ((size_t)b * T + ov->shift[t]) * C;
                for (int c = 0; c < C; c++) {
                    ds[c] += gt[c];
                    gt[c] = 0.0f;
                }
            }
        break;
    }
    case CLAMP_XFORM_COPY_LOGITS:
        copy_logits_backward(p, ov, g, dsrc, in);
        break;
    }
}

void clamp__after_forward(void *ctx, ModelSite site, int layer, float *value)
{
    const ClampPass *ps = ctx;
    for (int i = 0; i < ps->n_ov; i++)
        if (ps->ov[i].site == site && ps->ov[i].layer == layer)
            apply_forward(ps->plan, &ps->ov[i], value);
}

void clamp__before_backward(void *ctx, ModelSite site, int layer, float *grad)
{
    const ClampPass *ps = ctx;
    for (int i = ps->n_ov - 1; i >= 0; i--)
        if (ps->ov[i].site == site && ps->ov[i].layer == layer)
            apply_backward(ps->plan, &ps->ov[i], grad);
}

float clamp_forward(ClampPlan *p, const Model *m, const ModelBatch *batch)
{
    float loss = 0.0f;
    p->batch = batch;
    for (int k = 0; k < p->n_passes; k++) {
        ClampPass *ps = &p->passes[k];
        for (int i = 0; i < ps->n_ov; i++)
            if (ps->ov[i].kind == CLAMP_SRC_ROWS)
                fill_rows(p, &ps->ov[i], batch);
    }
    for (int k = 0; k < p->n_passes; k++) {
        ClampPass *ps = &p->passes[k];
        float l = model_forward(ps->frozen ? p->frozen : m, batch, ps->acts,
                                ps->n_ov ? &ps->hooks : NULL);
        if (k == p->output_pass)
            loss = l;
    }
    return loss;
}

void clamp_backward(ClampPlan *p, Model *m, const ModelBatch *batch)
{
    int frozen_backward = 0;
    p->batch = batch;
    for (int k = 0; k < p->n_passes; k++) {
        ClampPass *ps = &p->passes[k];
        if (ps->backward)
            model_acts_zero(ps->dacts);
        frozen_backward |= ps->backward && ps->frozen;
    }
    /* the frozen model's parameter gradients are discarded; zeroed so they cannot grow */
    if (frozen_backward)
        model_zero_grad(p->frozen);
    for (int k = p->n_passes - 1; k >= 0; k--) {
        ClampPass *ps = &p->passes[k];
        if (ps->backward)
            model_backward(ps->frozen ? p->frozen : m, batch, ps->acts, ps->dacts, ps->loss_weight,
                           ps->n_ov ? &ps->hooks : NULL);
    }
}

ModelActs *clamp_output_acts(ClampPlan *p)
{
    return p->passes[p->output_pass].acts;
}
