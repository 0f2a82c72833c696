/* One forward pass and its backward pass, calling the hooks at every named site (design 3.2).
 * The order of operations here is the model of design 2.1; kernels are in model_kernels.c. */
#include "model/internal.h"

#include <math.h>
#include <string.h>

static void hook_forward(const ModelHooks *h, ModelSite site, int layer, float *value)
{
    if (h && h->after_forward)
        h->after_forward(h->ctx, site, layer, value);
}

static void hook_backward(const ModelHooks *h, ModelSite site, int layer, float *grad)
{
    if (h && h->before_backward)
        h->before_backward(h->ctx, site, layer, grad);
}

/* tok[B,T,C]: exemplar tokens from the projected rows, label tokens from columns of wy. */
static void embed_tokens(float *tok, const float *rows_emb, const float *wy, const ModelBatch *in,
                         int T, int C, int L)
{
    const int P = (T - 1) / 2, X = P + 1;
    for (int b = 0; b < in->B; b++) {
        for (int j = 0; j < X; j++) {
            const float *src = rows_emb + (size_t)in->example_row[b * X + j] * C;
            memcpy(tok + ((size_t)b * T + 2 * j) * C, src, (size_t)C * sizeof(float));
        }
        for (int j = 0; j < P; j++) {
            float *dst = tok + ((size_t)b * T + 2 * j + 1) * C;
            int y = in->labels[b * P + j];
            for (int c = 0; c < C; c++)
                dst[c] = wy[(size_t)c * L + y];
        }
    }
}

void model__query_outputs(ModelActs *a, const ModelBatch *in, int T, int L)
{
    for (int b = 0; b < in->B; b++) {
        const float *z = a->logits + ((size_t)b * T + T - 1) * L;
        float *ql = a->qlogits + (size_t)b * L, *p = a->qprobs + (size_t)b * L;
        float mx = z[0];
        for (int i = 0; i < L; i++) {
            ql[i] = z[i];
            mx = z[i] > mx ? z[i] : mx;
        }
        float sum = 0.0f;
        for (int i = 0; i < L; i++) {
            p[i] = expf(z[i] - mx);
            sum += p[i];
        }
        for (int i = 0; i < L; i++)
            p[i] /= sum;
        a->qloss[b] = -(z[in->targets[b]] - mx - logf(sum));
    }
}

void model__embed_forward(const Model *m, const ModelBatch *in, ModelActs *a,
                          const ModelHooks *hooks)
{
    const ModelConfig *c = &m->cfg;
    const int B = in->B, T = model_tokens(c), C = c->d_model, N = B * T;
    const ModelView *p = &m->p;
    model__linear_forward(a->rows_emb, in->exemplar_rows, p->wx, p->bx, in->R, c->input_dim, C);
    embed_tokens(a->tok, a->rows_emb, p->wy, in, T, C, c->n_labels);
    hook_forward(hooks, MODEL_SITE_TOK_EMBEDDING, 0, a->tok);
    memcpy(a->emb, a->tok, (size_t)N * C * sizeof(float));
    const float *pos = c->pos == MODEL_POS_APE ? p->wpe
                       : c->pos == MODEL_POS_SINUSOIDAL ? a->pos_table
                                                        : NULL;
    if (pos)
        for (int b = 0; b < B; b++)
            for (int i = 0; i < T * C; i++)
                a->emb[(size_t)b * T * C + i] += pos[i];
}

void model__block_forward(const Model *m, int l, const float *x, ModelActs *a, int B,
                          const ModelHooks *hooks)
{
    const ModelConfig *c = &m->cfg;
    const int T = model_tokens(c), C = c->d_model, H = c->n_heads, HD = C / H;
    const int F = c->mlp_ratio * C, N = B * T;
    const ModelLayerView *w = &m->p.layers[l];
    ModelLayerActs *la = &a->layers[l];
    model__layernorm_forward(la->ln1, la->ln1_mean, la->ln1_rstd, x,
                             c->layer_norm ? w->ln1_g : NULL, w->ln1_b, N, C);
    model__linear_forward(la->qkv, la->ln1, w->wqkv, c->qkv_bias ? w->bqkv : NULL, N, C, 3 * C);
    model__qkv_split_forward(la->q, la->k, la->v, la->qkv, a->rope_cos, a->rope_sin, B, T, H, HD);
    hook_forward(hooks, MODEL_SITE_Q, l, la->q);
    hook_forward(hooks, MODEL_SITE_K, l, la->k);
    hook_forward(hooks, MODEL_SITE_V, l, la->v);
    if (hooks && hooks->after_forward) {
        model__scores_forward(la->pre, la->q, la->k, B, H, T, HD);
        hook_forward(hooks, MODEL_SITE_ATTN_PRE, l, la->pre);
        model__softmax_forward(la->att, la->pre, B * H * T, T);
        hook_forward(hooks, MODEL_SITE_ATTN, l, la->att);
        model__attn_values_forward(la->z, la->att, la->v, B, H, T, HD);
    } else {
        model__attention_forward(la->pre, la->att, la->z, la->q, la->k, la->v, B, H, T, HD, 0);
    }
    model__linear_forward(la->attn_out, la->z, w->wo, c->proj_bias ? w->bo : NULL, N, C, C);
    for (size_t i = 0; i < (size_t)N * C; i++)
        la->resid_mid[i] = x[i] + la->attn_out[i];
    if (F > 0) {
        model__layernorm_forward(la->ln2, la->ln2_mean, la->ln2_rstd, la->resid_mid,
                                 c->layer_norm ? w->ln2_g : NULL, w->ln2_b, N, C);
        model__linear_forward(la->fc, la->ln2, w->wfc, w->bfc, N, C, F);
        model__gelu_forward(la->gelu, la->fc, N * F);
        model__linear_forward(la->mlp_out, la->gelu, w->wproj, w->bproj, N, F, C);
        for (size_t i = 0; i < (size_t)N * C; i++)
            la->out[i] = la->resid_mid[i] + la->mlp_out[i];
    } else {
        memcpy(la->out, la->resid_mid, (size_t)N * C * sizeof(float));
    }
    hook_forward(hooks, MODEL_SITE_BLOCK_OUT, l, la->out);
}

float model_forward(const Model *m, const ModelBatch *in, ModelActs *a, const ModelHooks *hooks)
{
    const ModelConfig *c = &m->cfg;
    const int B = in->B, T = model_tokens(c), C = c->d_model, L = c->n_labels, N = B * T;
    const ModelView *p = &m->p;
    if (a->query_only && !hooks && c->mlp_ratio == 0)
        return model_forward_query(m, in, a, NULL, NULL);
    a->B = B;
    model__embed_forward(m, in, a, hooks);
    const float *x = a->emb;
    for (int l = 0; l < c->depth; l++) {
        model__block_forward(m, l, x, a, B, hooks);
        x = a->layers[l].out;
    }
    model__layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, x, c->layer_norm ? p->lnf_g : NULL,
                             p->lnf_b, N, C);
    model__linear_forward(a->logits, a->lnf, p->wu, p->bu, N, C, L);
    hook_forward(hooks, MODEL_SITE_LOGITS, 0, a->logits);
    model__query_outputs(a, in, T, L);
    float loss = 0.0f;
    for (int b = 0; b < B; b++)
        loss += a->qloss[b];
    return loss / (float)B;
}

void model_backward(Model *m, const ModelBatch *in, const ModelActs *a, ModelActs *d,
                    float loss_weight, const ModelHooks *hooks)
{
    const ModelConfig *c = &m->cfg;
    const int B = in->B, T = model_tokens(c), C = c->d_model, H = c->n_heads, HD = C / H;
    const int L = c->n_labels, F = c->mlp_ratio * C, N = B * T, P = c->context_pairs, X = P + 1;
    const ModelView *p = &m->p;
    ModelView *g = &m->g;

    if (loss_weight != 0.0f) {
        float scale = loss_weight / (float)B;
        for (int b = 0; b < B; b++) {
            float *dz = d->logits + ((size_t)b * T + T - 1) * L;
            const float *pr = a->qprobs + (size_t)b * L;
            for (int i = 0; i < L; i++)
                dz[i] += scale * (pr[i] - (i == in->targets[b] ? 1.0f : 0.0f));
        }
    }
    /* a query-only pass (model_acts_set_query_only): its forward was model_forward_query */
    const int query_only = a->query_only && !hooks && F == 0;
    hook_backward(hooks, MODEL_SITE_LOGITS, 0, d->logits);
    if (query_only) {
        model__head_query_backward(m, a, d, B);
    } else {
        model__linear_backward(d->lnf, g->wu, g->bu, d->logits, a->lnf, p->wu, N, C, L);
        const float *x_last = a->layers[c->depth - 1].out;
        float *dx_last = d->layers[c->depth - 1].out;
        model__layernorm_backward(dx_last, g->lnf_g, g->lnf_b, d->lnf, x_last, a->lnf_mean,
                                  a->lnf_rstd, c->layer_norm ? p->lnf_g : NULL, N, C);
    }

    for (int l = c->depth - 1; l >= 0; l--) {
        const ModelLayerView *w = &p->layers[l];
        ModelLayerView *gw = &g->layers[l];
        const ModelLayerActs *la = &a->layers[l];
        ModelLayerActs *dl = &d->layers[l];
        const float *x = l > 0 ? a->layers[l - 1].out : a->emb;
        float *dx = l > 0 ? d->layers[l - 1].out : d->emb;
        if (query_only && l == c->depth - 1) {
            model__last_block_query_backward(m, a, d, x, dx, B);
            continue;
        }

        hook_backward(hooks, MODEL_SITE_BLOCK_OUT, l, dl->out);
        for (size_t i = 0; i < (size_t)N * C; i++)
            dl->resid_mid[i] += dl->out[i];
        if (F > 0) {
            model__linear_backward(dl->gelu, gw->wproj, gw->bproj, dl->out, la->gelu, w->wproj,
                                   N, F, C);
            model__gelu_backward(dl->fc, dl->gelu, la->fc, N * F);
            model__linear_backward(dl->ln2, gw->wfc, gw->bfc, dl->fc, la->ln2, w->wfc, N, C, F);
            model__layernorm_backward(dl->resid_mid, gw->ln2_g, gw->ln2_b, dl->ln2, la->resid_mid,
                                      la->ln2_mean, la->ln2_rstd,
                                      c->layer_norm ? w->ln2_g : NULL, N, C);
        }
        for (size_t i = 0; i < (size_t)N * C; i++) {
            dx[i] += dl->resid_mid[i];
            dl->attn_out[i] += dl->resid_mid[i];
        }
        model__linear_backward(dl->z, gw->wo, c->proj_bias ? gw->bo : NULL, dl->attn_out, la->z,
                               w->wo, N, C, C);
        if (hooks && hooks->before_backward) {
            model__attn_values_backward(dl->att, dl->v, dl->z, la->att, la->v, B, H, T, HD);
            hook_backward(hooks, MODEL_SITE_ATTN, l, dl->att);
            model__softmax_backward(dl->pre, dl->att, la->att, B * H * T, T);
            hook_backward(hooks, MODEL_SITE_ATTN_PRE, l, dl->pre);
            model__scores_backward(dl->q, dl->k, dl->pre, la->q, la->k, B, H, T, HD);
        } else {
            model__attention_backward(dl->q, dl->k, dl->v, dl->att, dl->pre, dl->z, la->att, la->q,
                                      la->k, la->v, B, H, T, HD, 0);
        }
        hook_backward(hooks, MODEL_SITE_Q, l, dl->q);
        hook_backward(hooks, MODEL_SITE_K, l, dl->k);
        hook_backward(hooks, MODEL_SITE_V, l, dl->v);
        model__qkv_split_backward(dl->qkv, dl->q, dl->k, dl->v, a->rope_cos, a->rope_sin, B, T, H,
                                  HD);
        model__linear_backward(dl->ln1, gw->wqkv, c->qkv_bias ? gw->bqkv : NULL, dl->qkv,
                               la->ln1, w->wqkv, N, C, 3 * C);
        model__layernorm_backward(dx, gw->ln1_g, gw->ln1_b, dl->ln1, x, la->ln1_mean,
                                  la->ln1_rstd, c->layer_norm ? w->ln1_g : NULL, N, C);
    }

    /* emb = tok + pos */
    if (c->pos == MODEL_POS_APE)
        for (int b = 0; b < B; b++)
            for (int i = 0; i < T * C; i++)
                g->wpe[i] += d->emb[(size_t)b * T * C + i];
    for (size_t i = 0; i < (size_t)N * C; i++)
        d->tok[i] += d->emb[i];
    hook_backward(hooks, MODEL_SITE_TOK_EMBEDDING, 0, d->tok);

    for (int b = 0; b < B; b++) {
        for (int j = 0; j < X; j++) {
            const float *src = d->tok + ((size_t)b * T + 2 * j) * C;
            float *dst = d->rows_emb + (size_t)in->example_row[b * X + j] * C;
            for (int i = 0; i < C; i++)
                dst[i] += src[i];
        }
        for (int j = 0; j < P; j++) {
            const float *src = d->tok + ((size_t)b * T + 2 * j + 1) * C;
            int y = in->labels[b * P + j];
            for (int i = 0; i < C; i++)
                g->wy[(size_t)i * L + y] += src[i];
        }
    }
    model__linear_backward(NULL, g->wx, g->bx, d->rows_emb, in->exemplar_rows, p->wx, in->R,
                           c->input_dim, C);
}
