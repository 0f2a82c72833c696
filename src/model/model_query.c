/* The query-only pass: the model of model_pass.c computed only where the loss reads it. Every
 * block but the last runs at every position (the last block's keys and values need them); the last
 * block from its queries on, the final layer norm and the logits run at the query position only.
 * Evaluation uses it directly (model_forward_query, which can also give the query logits of the
 * two layer ablations of the progress measures); a training pass whose activations nobody else
 * reads uses it with its backward (model_acts_set_query_only). No hooks (clamped passes use the
 * full pass), no allocation, no failure. */
#include "model/internal.h"

#include <string.h>

void model__last_block_query_forward(const Model *m, const float *x, ModelActs *a, int B)
{
    const ModelConfig *c = &m->cfg;
    const int T = model_tokens(c), C = c->d_model, H = c->n_heads, HD = C / H, N = B * T;
    const int F = c->mlp_ratio * C, l = c->depth - 1, q = T - 1;
    const ModelLayerView *w = &m->p.layers[l];
    ModelLayerActs *la = &a->layers[l];
    const float *bqkv = c->qkv_bias ? w->bqkv : NULL;
    model__layernorm_forward(la->ln1, la->ln1_mean, la->ln1_rstd, x,
                             c->layer_norm ? w->ln1_g : NULL, w->ln1_b, N, C);
    /* keys and values at every row, queries at the query rows */
    model__linear_forward_rows(la->qkv + C, 3 * C, la->ln1, C, w->wqkv + (size_t)C * C,
                               bqkv ? bqkv + C : NULL, N, C, 2 * C);
    model__linear_forward_rows(la->qkv + (size_t)q * 3 * C, T * 3 * C, la->ln1 + (size_t)q * C,
                               T * C, w->wqkv, bqkv, B, C, C);
    model__qkv_split_last(la->q, la->k, la->v, la->qkv, a->rope_cos, a->rope_sin, B, T, H, HD);
    model__attention_forward(la->pre, la->att, la->z, la->q, la->k, la->v, B, H, T, HD, q);
    model__linear_forward_rows(la->attn_out + (size_t)q * C, T * C, la->z + (size_t)q * C, T * C,
                               w->wo, c->proj_bias ? w->bo : NULL, B, C, C);
    for (int b = 0; b < B; b++) {
        size_t r = ((size_t)b * T + q) * C;
        for (int i = 0; i < C; i++)
            la->resid_mid[r + i] = x[r + i] + la->attn_out[r + i];
    }
    if (F > 0) {
        for (int b = 0; b < B; b++) {
            size_t r = (size_t)b * T + q;
            model__layernorm_forward(la->ln2 + r * C, la->ln2_mean + r, la->ln2_rstd + r,
                                     la->resid_mid + r * C, c->layer_norm ? w->ln2_g : NULL,
                                     w->ln2_b, 1, C);
        }
        model__linear_forward_rows(la->fc + (size_t)q * F, T * F, la->ln2 + (size_t)q * C, T * C,
                                   w->wfc, w->bfc, B, C, F);
        for (int b = 0; b < B; b++) {
            size_t r = (size_t)b * T + q;
            model__gelu_forward(la->gelu + r * F, la->fc + r * F, F);
        }
        model__linear_forward_rows(la->mlp_out + (size_t)q * C, T * C, la->gelu + (size_t)q * F,
                                   T * F, w->wproj, w->bproj, B, F, C);
        for (int b = 0; b < B; b++) {
            size_t r = ((size_t)b * T + q) * C;
            for (int i = 0; i < C; i++)
                la->out[r + i] = la->resid_mid[r + i] + la->mlp_out[r + i];
        }
    } else {
        for (int b = 0; b < B; b++) {
            size_t r = ((size_t)b * T + q) * C;
            memcpy(la->out + r, la->resid_mid + r, (size_t)C * sizeof(float));
        }
    }
}

/* Final layer norm of stream row `row` of each sequence (stride T*C) into lnf row `dst_row`, and
 * the logits of those rows into out (row stride ldo). */
static void head_rows(const Model *m, ModelActs *a, const float *stream, int row, int dst_row,
                      float *out, int ldo, int B)
{
    const ModelConfig *c = &m->cfg;
    const int T = model_tokens(c), C = c->d_model;
    for (int b = 0; b < B; b++) {
        size_t src = (size_t)b * T + row, dst = (size_t)b * T + dst_row;
        model__layernorm_forward(a->lnf + dst * C, a->lnf_mean + dst, a->lnf_rstd + dst,
                                 stream + src * C, c->layer_norm ? m->p.lnf_g : NULL, m->p.lnf_b, 1,
                                 C);
    }
    model__linear_forward_rows(out, ldo, a->lnf + (size_t)dst_row * C, T * C, m->p.wu, m->p.bu, B,
                               C, c->n_labels);
}

/* Query logits of the two layer ablations (mlp_ratio 0, depth >= 2): with every first-layer
 * head's values zeroed and later layers' patterns and values kept from this pass, the stream at
 * the query is emb + bo_0 + the later layers' attention outputs; with every last-layer head's
 * values zeroed it is the last block's input + bo_last. Rows 0 and 1 of every sequence in lnf
 * serve as scratch (this pass reads only the query row). */
static void ablation_logits(const Model *m, ModelActs *a, int B, float *no_l0_direct,
                            float *no_last)
{
    const ModelConfig *c = &m->cfg;
    const int T = model_tokens(c), C = c->d_model, L = c->n_labels, last = c->depth - 1;
    const int q = T - 1;
    float *s = a->lnf; /* row 0 of each sequence: the ablated stream */
    if (no_last) {
        const float *x = a->layers[last - 1].out, *bo = m->p.layers[last].bo;
        for (int b = 0; b < B; b++) {
            const float *xr = x + ((size_t)b * T + q) * C;
            float *sr = s + (size_t)b * T * C;
            for (int i = 0; i < C; i++)
                sr[i] = c->proj_bias ? xr[i] + bo[i] : xr[i];
        }
        head_rows(m, a, s, 0, 1, no_last, L, B);
    }
    if (no_l0_direct) {
        const float *bo = m->p.layers[0].bo;
        for (int b = 0; b < B; b++) {
            const float *er = a->emb + ((size_t)b * T + q) * C;
            float *sr = s + (size_t)b * T * C;
            for (int i = 0; i < C; i++)
                sr[i] = c->proj_bias ? er[i] + bo[i] : er[i];
            for (int l = 1; l <= last; l++) {
                const float *ao = a->layers[l].attn_out + ((size_t)b * T + q) * C;
                for (int i = 0; i < C; i++)
                    sr[i] += ao[i];
            }
        }
        head_rows(m, a, s, 0, 1, no_l0_direct, L, B);
    }
}

void model__head_query_forward(const Model *m, ModelActs *a, int B)
{
    const int T = model_tokens(&m->cfg), L = m->cfg.n_labels;
    head_rows(m, a, a->layers[m->cfg.depth - 1].out, T - 1, T - 1, a->logits + (size_t)(T - 1) * L,
              T * L, B);
}

void model__head_query_backward(Model *m, const ModelActs *a, ModelActs *d, int B)
{
    const ModelConfig *c = &m->cfg;
    const int T = model_tokens(c), C = c->d_model, L = c->n_labels, q = T - 1;
    const float *x = a->layers[c->depth - 1].out;
    float *dx = d->layers[c->depth - 1].out;
    model__linear_backward_rows(d->lnf + (size_t)q * C, T * C, m->g.wu, m->g.bu,
                                d->logits + (size_t)q * L, T * L, a->lnf + (size_t)q * C, T * C,
                                m->p.wu, B, C, L);
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * T + q;
        model__layernorm_backward(dx + r * C, m->g.lnf_g, m->g.lnf_b, d->lnf + r * C, x + r * C,
                                  a->lnf_mean + r, a->lnf_rstd + r,
                                  c->layer_norm ? m->p.lnf_g : NULL, 1, C);
    }
}

void model__last_block_query_backward(Model *m, const ModelActs *a, ModelActs *d, const float *x,
                                      float *dx, int B)
{
    const ModelConfig *c = &m->cfg;
    const int T = model_tokens(c), C = c->d_model, H = c->n_heads, HD = C / H, N = B * T;
    const int l = c->depth - 1, q = T - 1;
    const ModelLayerView *w = &m->p.layers[l];
    ModelLayerView *gw = &m->g.layers[l];
    const ModelLayerActs *la = &a->layers[l];
    ModelLayerActs *dl = &d->layers[l];
    for (int b = 0; b < B; b++) {
        size_t r = ((size_t)b * T + q) * C;
        for (int i = 0; i < C; i++) {
            dl->resid_mid[r + i] += dl->out[r + i];
            dx[r + i] += dl->resid_mid[r + i];
            dl->attn_out[r + i] += dl->resid_mid[r + i];
        }
    }
    model__linear_backward_rows(dl->z + (size_t)q * C, T * C, gw->wo, c->proj_bias ? gw->bo : NULL,
                                dl->attn_out + (size_t)q * C, T * C, la->z + (size_t)q * C, T * C,
                                w->wo, B, C, C);
    model__attention_backward(dl->q, dl->k, dl->v, dl->att, dl->pre, dl->z, la->att, la->q, la->k,
                              la->v, B, H, T, HD, q);
    /* dq is zero away from the query rows (the caller zeroed d), so the split adds nothing there */
    model__qkv_split_backward(dl->qkv, dl->q, dl->k, dl->v, a->rope_cos, a->rope_sin, B, T, H, HD);
    float *gb = c->qkv_bias ? gw->bqkv : NULL;
    model__linear_backward_rows(dl->ln1, C, gw->wqkv + (size_t)C * C, gb ? gb + C : NULL,
                                dl->qkv + C, 3 * C, la->ln1, C, w->wqkv + (size_t)C * C, N, C,
                                2 * C);
    model__linear_backward_rows(dl->ln1 + (size_t)q * C, T * C, gw->wqkv, gb,
                                dl->qkv + (size_t)q * 3 * C, T * 3 * C, la->ln1 + (size_t)q * C,
                                T * C, w->wqkv, B, C, C);
    model__layernorm_backward(dx, gw->ln1_g, gw->ln1_b, dl->ln1, x, la->ln1_mean, la->ln1_rstd,
                              c->layer_norm ? w->ln1_g : NULL, N, C);
}

float model_forward_query(const Model *m, const ModelBatch *in, ModelActs *a, float *no_l0_direct,
                          float *no_last)
{
    const ModelConfig *c = &m->cfg;
    const int B = in->B, T = model_tokens(c), L = c->n_labels, last = c->depth - 1;
    a->B = B;
    model__embed_forward(m, in, a, NULL);
    const float *x = a->emb;
    for (int l = 0; l < last; l++) {
        model__block_forward(m, l, x, a, B, NULL);
        x = a->layers[l].out;
    }
    model__last_block_query_forward(m, x, a, B);
    model__head_query_forward(m, a, B);
    model__query_outputs(a, in, T, L);
    if (c->mlp_ratio == 0 && c->depth >= 2)
        ablation_logits(m, a, B, no_l0_direct, no_last);
    float loss = 0.0f;
    for (int b = 0; b < B; b++)
        loss += a->qloss[b];
    return loss / (float)B;
}
