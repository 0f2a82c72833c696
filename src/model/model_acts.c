/* Activation buffers of one forward pass: the layout (from the MODEL_ACTS_* lists), the RoPE and
 * sinusoidal tables, and site lookup for hooks and metrics. */
#include "model/internal.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Points the act fields into buffer (when non-NULL) and returns the float count. */
static size_t model_acts_layout(ModelActs *a, float *buffer)
{
    const ModelConfig *c = &a->cfg;
    const size_t B = (size_t)a->max_batch, R = (size_t)a->max_rows, T = (size_t)model_tokens(c);
    const size_t C = (size_t)c->d_model, H = (size_t)c->n_heads, HD = C / H, L = (size_t)c->n_labels;
    const size_t F = (size_t)c->mlp_ratio * C;
    size_t off = 0;
#define MODEL_PLACE(field, size)                                                                   \
    field = buffer ? buffer + off : NULL;                                                          \
    off += (size);
#define MODEL_PLACE_GLOBAL(name, size) MODEL_PLACE(a->name, size)
#define MODEL_PLACE_LAYER(name, size) MODEL_PLACE(a->layers[l].name, size)
    MODEL_ACTS_PRE(MODEL_PLACE_GLOBAL)
    for (int l = 0; l < c->depth; l++) {
        MODEL_ACTS_LAYER(MODEL_PLACE_LAYER)
    }
    MODEL_ACTS_POST(MODEL_PLACE_GLOBAL)
#undef MODEL_PLACE_LAYER
#undef MODEL_PLACE_GLOBAL
#undef MODEL_PLACE
    (void)R;
    (void)F;
    (void)L;
    return off;
}

int model_acts_create(const ModelConfig *cfg, int max_batch, int max_rows, ModelActs **out)
{
    int rc = 0;
    ModelActs *a = NULL;
    *out = NULL;
    IH_TRY(model_config_validate(cfg));
    if (max_batch < 1 || max_rows < 1)
        IH_FAIL(IH_ECONFIG, "activation buffers need max_batch >= 1 and max_rows >= 1 (got %d, %d)",
                max_batch, max_rows);
    IH_ALLOC(a, 1);
    a->cfg = *cfg;
    a->max_batch = max_batch;
    a->max_rows = max_rows;
    IH_ALLOC(a->layers, cfg->depth);
    a->n_floats = model_acts_layout(a, NULL);
    IH_ALLOC(a->buffer, a->n_floats);
    model_acts_layout(a, a->buffer);

    const int T = model_tokens(cfg), C = cfg->d_model, HD = C / cfg->n_heads;
    if (cfg->pos == MODEL_POS_ROPE) {
        IH_ALLOC(a->rope_cos, (size_t)T * (HD / 2));
        IH_ALLOC(a->rope_sin, (size_t)T * (HD / 2));
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < HD / 2; i++) {
                float theta = powf(cfg->pos_base, -2.0f * (float)i / (float)HD);
                a->rope_cos[t * (HD / 2) + i] = cosf((float)t * theta);
                a->rope_sin[t * (HD / 2) + i] = sinf((float)t * theta);
            }
        }
    }
    if (cfg->pos == MODEL_POS_SINUSOIDAL) {
        IH_ALLOC(a->pos_table, (size_t)T * C);
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < C / 2; i++) {
                float freq = powf(cfg->pos_base, 2.0f * (float)i / (float)C);
                a->pos_table[t * C + 2 * i] = sinf((float)t / freq);
                a->pos_table[t * C + 2 * i + 1] = cosf((float)t / freq);
            }
        }
    }
    *out = a;
    a = NULL;
cleanup:
    model_acts_destroy(&a);
    return rc;
}

void model_acts_destroy(ModelActs **a)
{
    if (!a || !*a)
        return;
    ModelActs *x = *a;
    free(x->layers);
    free(x->buffer);
    free(x->rope_cos);
    free(x->rope_sin);
    free(x->pos_table);
    free(x);
    *a = NULL;
}

void model_acts_set_query_only(ModelActs *a, int on)
{
    a->query_only = on;
}

void model_acts_zero(ModelActs *a)
{
    memset(a->buffer, 0, a->n_floats * sizeof(float));
}

float *model_acts_site(ModelActs *a, ModelSite site, int layer)
{
    switch (site) {
    case MODEL_SITE_TOK_EMBEDDING: return a->tok;
    case MODEL_SITE_Q: return a->layers[layer].q;
    case MODEL_SITE_K: return a->layers[layer].k;
    case MODEL_SITE_V: return a->layers[layer].v;
    case MODEL_SITE_ATTN_PRE: return a->layers[layer].pre;
    case MODEL_SITE_ATTN: return a->layers[layer].att;
    case MODEL_SITE_BLOCK_OUT: return a->layers[layer].out;
    case MODEL_SITE_LOGITS: return a->logits;
    default: return NULL;
    }
}

int model_site_shape(const ModelConfig *cfg, ModelSite site, int B, int dims[4])
{
    const int T = model_tokens(cfg), C = cfg->d_model, H = cfg->n_heads, HD = C / H;
    dims[0] = B;
    switch (site) {
    case MODEL_SITE_TOK_EMBEDDING:
    case MODEL_SITE_BLOCK_OUT: dims[1] = T; dims[2] = C; return 3;
    case MODEL_SITE_Q:
    case MODEL_SITE_K:
    case MODEL_SITE_V: dims[1] = H; dims[2] = T; dims[3] = HD; return 4;
    case MODEL_SITE_ATTN_PRE:
    case MODEL_SITE_ATTN: dims[1] = H; dims[2] = T; dims[3] = T; return 4;
    case MODEL_SITE_LOGITS: dims[1] = T; dims[2] = cfg->n_labels; return 3;
    default: return 0;
    }
}

const float *model_acts_query_logits(const ModelActs *a)
{
    return a->qlogits;
}

const float *model_acts_query_loss(const ModelActs *a)
{
    return a->qloss;
}
