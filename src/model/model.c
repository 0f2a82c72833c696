/* Model lifecycle: the parameter tensor list, flat buffers, initialisation (design 2.2), Adam (2.3).
 * Forward and backward live in model_pass.c, kernels in model_kernels.c. */
#include "model/internal.h"

#include "ihsweep/error.h"
#include "ihsweep/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ModelConfig model_config_paper(int n_labels)
{
    ModelConfig c = {
        .input_dim = 512,
        .d_model = 64,
        .n_heads = 8,
        .depth = 2,
        .n_labels = n_labels,
        .context_pairs = 2,
        .pos = MODEL_POS_ROPE,
        .pos_base = 10000.0f,
        .max_positions = 32,
        .layer_norm = 1,
        .qkv_bias = 1,
        .proj_bias = 1,
        .mlp_ratio = 0,
        .init_rescale = 1.0f,
    };
    return c;
}

AdamConfig model_adam_paper(void)
{
    AdamConfig a = {.lr = 1e-5f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0};
    return a;
}

int model_tokens(const ModelConfig *cfg)
{
    return 2 * cfg->context_pairs + 1;
}

int model_config_validate(const ModelConfig *c)
{
    int rc = 0;
    if (c->input_dim < 1 || c->input_dim > 65536)
        IH_FAIL(IH_ECONFIG, "model.input_dim: %d is out of range [1, 65536]", c->input_dim);
    if (c->d_model < 2 || c->d_model > 4096)
        IH_FAIL(IH_ECONFIG, "model.d_model: %d is out of range [2, 4096]", c->d_model);
    if (c->n_heads < 1 || c->d_model % c->n_heads != 0)
        IH_FAIL(IH_ECONFIG, "model.n_heads: %d does not divide d_model %d", c->n_heads,
                c->d_model);
    if (c->pos == MODEL_POS_ROPE && (c->d_model / c->n_heads) % 2 != 0)
        IH_FAIL(IH_ECONFIG, "model.n_heads: RoPE needs an even head dimension, got %d",
                c->d_model / c->n_heads);
    if (c->depth < 1 || c->depth > 64)
        IH_FAIL(IH_ECONFIG, "model.depth: %d is out of range [1, 64]", c->depth);
    if (c->n_labels < 2 || c->n_labels > 100000)
        IH_FAIL(IH_ECONFIG, "model.n_labels: %d is out of range [2, 100000]", c->n_labels);
    if (c->context_pairs < 1 || c->context_pairs > 64)
        IH_FAIL(IH_ECONFIG, "model.context_pairs: %d is out of range [1, 64]", c->context_pairs);
    if (c->pos < MODEL_POS_ROPE || c->pos > MODEL_POS_NONE)
        IH_FAIL(IH_ECONFIG, "model.pos: unknown positional scheme %d", (int)c->pos);
    if (!(c->pos_base > 1.0f) || !isfinite(c->pos_base))
        IH_FAIL(IH_ECONFIG, "model.pos_base: must be a finite number > 1");
    if (c->pos == MODEL_POS_APE && c->max_positions < model_tokens(c))
        IH_FAIL(IH_ECONFIG, "model.max_positions: %d is less than the %d tokens of a sequence",
                c->max_positions, model_tokens(c));
    if (c->mlp_ratio < 0 || c->mlp_ratio > 64)
        IH_FAIL(IH_ECONFIG, "model.mlp_ratio: %d is out of range [0, 64]", c->mlp_ratio);
    if (!(c->init_rescale > 0.0f) || !isfinite(c->init_rescale))
        IH_FAIL(IH_ECONFIG, "model.init_rescale: must be a finite number > 0");
cleanup:
    return rc;
}

/* Walks the tensor list of cfg in its fixed order. Fills out[] (names, sizes, offsets) when given,
 * points the fields of view (and view->layers) into base, and returns the count; *total receives
 * the number of floats. A disabled tensor has size 0 and points at the next tensor's offset. */
static int model_tensor_list(const ModelConfig *cfg, ModelTensor *out, float *base,
                             ModelView *view, size_t *total)
{
    const int C = cfg->d_model, D = cfg->input_dim, L = cfg->n_labels;
    const int F = cfg->mlp_ratio * cfg->d_model, TP = cfg->max_positions;
    const int LN = cfg->layer_norm, APE = cfg->pos == MODEL_POS_APE, MLP = cfg->mlp_ratio > 0;
    const int QKVB = cfg->qkv_bias, PROJB = cfg->proj_bias;
    ModelView scratch = {0};
    ModelLayerView scratch_layer = {0};
    ModelView *v = view ? view : &scratch;
    char label[32];
    int n = 0;
    size_t offset = 0;
#define MODEL_ADD_TENSOR(field, rows, cols, enabled)                                               \
    do {                                                                                           \
        size_t size_ = (enabled) ? (size_t)(rows) * (size_t)((cols) ? (cols) : 1) : 0;             \
        if (out) {                                                                                 \
            ModelTensor *t_ = &out[n];                                                             \
            memcpy(t_->name, label, sizeof t_->name);                                              \
            t_->offset = offset;                                                                   \
            t_->size = size_;                                                                      \
            t_->ndim = (cols) ? 2 : 1;                                                             \
            t_->shape[0] = (enabled) ? (rows) : 0;                                                 \
            t_->shape[1] = (cols) ? ((enabled) ? (cols) : 0) : 1;                                  \
        }                                                                                          \
        field = base ? base + offset : NULL;                                                       \
        offset += size_;                                                                           \
        n++;                                                                                       \
    } while (0);
#define MODEL_ADD_GLOBAL(name, rows, cols, enabled, init)                                          \
    snprintf(label, sizeof label, "%s", #name);                                                    \
    MODEL_ADD_TENSOR(v->name, rows, cols, enabled)
#define MODEL_ADD_LAYER(name, rows, cols, enabled, init)                                           \
    snprintf(label, sizeof label, "l%d.%s", l, #name);                                             \
    MODEL_ADD_TENSOR(lv->name, rows, cols, enabled)
    MODEL_TENSORS_PRE(MODEL_ADD_GLOBAL)
    for (int l = 0; l < cfg->depth; l++) {
        ModelLayerView *lv = view ? &view->layers[l] : &scratch_layer;
        MODEL_TENSORS_LAYER(MODEL_ADD_LAYER)
    }
    MODEL_TENSORS_POST(MODEL_ADD_GLOBAL)
#undef MODEL_ADD_LAYER
#undef MODEL_ADD_GLOBAL
#undef MODEL_ADD_TENSOR
    (void)F;
    (void)MLP;
    *total = offset;
    return n;
}

int model_create(const ModelConfig *cfg, Model **out)
{
    int rc = 0;
    Model *m = NULL;
    *out = NULL;
    IH_TRY(model_config_validate(cfg));
    IH_ALLOC(m, 1);
    m->cfg = *cfg;
    size_t total = 0;
    m->n_tensors = model_tensor_list(cfg, NULL, NULL, NULL, &total);
    m->n_params = total;
    IH_ALLOC(m->tensors, m->n_tensors);
    IH_ALLOC(m->p.layers, cfg->depth);
    IH_ALLOC(m->g.layers, cfg->depth);
    IH_ALLOC(m->params, total);
    IH_ALLOC(m->grads, total);
    IH_ALLOC(m->adam_m, total);
    IH_ALLOC(m->adam_v, total);
    model_tensor_list(cfg, m->tensors, m->params, &m->p, &total);
    model_tensor_list(cfg, NULL, m->grads, &m->g, &total);
    *out = m;
    m = NULL;
cleanup:
    model_destroy(&m);
    return rc;
}

void model_destroy(Model **m)
{
    if (!m || !*m)
        return;
    Model *x = *m;
    free(x->tensors);
    free(x->p.layers);
    free(x->g.layers);
    free(x->params);
    free(x->grads);
    free(x->adam_m);
    free(x->adam_v);
    free(x);
    *m = NULL;
}

const ModelConfig *model_config(const Model *m)
{
    return &m->cfg;
}

const ModelTensor *model_tensors(const Model *m, int *n_out)
{
    *n_out = m->n_tensors;
    return m->tensors;
}

const ModelTensor *model_tensor_find(const Model *m, const char *name)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0)
            return &m->tensors[i];
    return NULL;
}

size_t model_param_count(const Model *m)
{
    return m->n_params;
}
float *model_params(Model *m)
{
    return m->params;
}
const float *model_params_const(const Model *m)
{
    return m->params;
}
float *model_grads(Model *m)
{
    return m->grads;
}
float *model_adam_m(Model *m)
{
    return m->adam_m;
}
float *model_adam_v(Model *m)
{
    return m->adam_v;
}
long model_adam_t(const Model *m)
{
    return m->adam_t;
}
void model_set_adam_t(Model *m, long t)
{
    m->adam_t = t;
}

/* Init kind of tensor i, from the same lists that define the layout. */
static ModelInit model_tensor_init(const Model *m, int i)
{
    static const ModelInit pre[] = {
#define MODEL_INIT_OF(name, rows, cols, enabled, init) init,
        MODEL_TENSORS_PRE(MODEL_INIT_OF)};
    static const ModelInit layer[] = {MODEL_TENSORS_LAYER(MODEL_INIT_OF)};
    static const ModelInit post[] = {MODEL_TENSORS_POST(MODEL_INIT_OF)};
#undef MODEL_INIT_OF
    const int n_pre = (int)(sizeof pre / sizeof pre[0]);
    const int n_layer = (int)(sizeof layer / sizeof layer[0]);
    if (i < n_pre)
        return pre[i];
    i -= n_pre;
    if (i < n_layer * m->cfg.depth)
        return layer[i % n_layer];
    return post[i - n_layer * m->cfg.depth];
}

void model_init_params(Model *m, uint32_t init_seed)
{
    for (int i = 0; i < m->n_tensors; i++) {
        const ModelTensor *t = &m->tensors[i];
        float *p = m->params + t->offset;
        Rng r;
        rng_init(&r, init_seed, RNG_PURPOSE_MODEL_INIT, (uint64_t)i);
        ModelInit kind = model_tensor_init(m, i);
        /* JAX variance_scaling(1, fan_in, truncated_normal): std of the truncated normal on
         * [-2, 2] is 0.87962566103423978, so scale by sqrt(1/fan_in) / that. */
        float lecun = t->ndim == 2 ? sqrtf(1.0f / (float)t->shape[1]) / 0.87962566103423978f : 0;
        for (size_t j = 0; j < t->size; j++) {
            switch (kind) {
            case MODEL_INIT_ZERO: p[j] = 0.0f; break;
            case MODEL_INIT_ONE: p[j] = 1.0f; break;
            case MODEL_INIT_LECUN:
                p[j] = rng_truncated_normal(&r) * lecun * m->cfg.init_rescale;
                break;
            case MODEL_INIT_SMALL:
                p[j] = 0.02f * rng_truncated_normal(&r) * m->cfg.init_rescale;
                break;
            }
        }
    }
    memset(m->adam_m, 0, m->n_params * sizeof(float));
    memset(m->adam_v, 0, m->n_params * sizeof(float));
    memset(m->grads, 0, m->n_params * sizeof(float));
    m->adam_t = 0;
}

void model_zero_grad(Model *m)
{
    memset(m->grads, 0, m->n_params * sizeof(float));
}

float model_grad_norm(const Model *m)
{
    /* eight partial sums in double (element i into sum i % 8), added in a fixed tree: the same
     * value for the same gradients on every machine and rank, and no serial chain of adds */
    enum { LANES = 8 };
    double acc[LANES] = {0};
    const float *g = m->grads;
    const size_t n = m->n_params, body = n - n % LANES;
    for (size_t i = 0; i < body; i += LANES)
        for (int j = 0; j < LANES; j++)
            acc[j] += (double)g[i + j] * (double)g[i + j];
    for (size_t i = body; i < n; i++)
        acc[i - body] += (double)g[i] * (double)g[i];
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    return (float)sqrt(s);
}

int model_params_finite(const Model *m)
{
    /* a float is inf or NaN exactly when its exponent bits are all ones; the bit test has no
     * branch per element and vectorises */
    const uint32_t exp_mask = 0x7f800000u;
    uint32_t bad = 0;
    for (size_t i = 0; i < m->n_params; i++) {
        uint32_t u;
        memcpy(&u, &m->params[i], sizeof u);
        bad |= (u & exp_mask) == exp_mask;
    }
    return !bad;
}

void model_adam_step(Model *m, const AdamConfig *opt)
{
    if (opt->weight_decay != 0.0f) {
        /* d/dtheta of wd * ||theta||_2 (non-squared, per tensor; design 2.3) */
        for (int i = 0; i < m->n_tensors; i++) {
            const ModelTensor *t = &m->tensors[i];
            double s = 0.0;
            for (size_t j = 0; j < t->size; j++)
                s += (double)m->params[t->offset + j] * m->params[t->offset + j];
            if (s <= 0.0)
                continue;
            float scale = opt->weight_decay / (float)sqrt(s);
            for (size_t j = 0; j < t->size; j++)
                m->grads[t->offset + j] += scale * m->params[t->offset + j];
        }
    }
    m->adam_t++;
    const float b1 = opt->beta1, b2 = opt->beta2, lr = opt->lr, eps = opt->eps;
    const float c1 = 1.0f - powf(b1, (float)m->adam_t);
    const float c2 = 1.0f - powf(b2, (float)m->adam_t);
    const size_t n = m->n_params;
    float *restrict params = m->params, *restrict am = m->adam_m, *restrict av = m->adam_v;
    const float *restrict grads = m->grads;
    for (size_t i = 0; i < n; i++) {
        float g = grads[i];
        float mi = b1 * am[i] + (1.0f - b1) * g;
        float vi = b2 * av[i] + (1.0f - b2) * g * g;
        am[i] = mi;
        av[i] = vi;
        params[i] -= lr * (mi / c1) / (sqrtf(vi / c2) + eps);
    }
}

double model_step_flops(const ModelConfig *cfg, int B, int R)
{
    const double C = cfg->d_model, D = cfg->input_dim, L = cfg->n_labels, H = cfg->n_heads;
    const double T = model_tokens(cfg), HD = C / H, F = (double)cfg->mlp_ratio * C;
    double fwd = 2.0 * R * D * C;                    /* exemplar projection */
    double layer = 2.0 * B * T * C * 3 * C           /* qkv */
                   + 2.0 * B * H * T * T * HD * 2    /* scores + values */
                   + 2.0 * B * T * C * C             /* output projection */
                   + 2.0 * B * T * C * F * 2;        /* MLP */
    fwd += cfg->depth * layer + 2.0 * B * T * C * L; /* unembedding */
    /* backward: twice the forward, except the exemplar projection needs no input gradient */
    double bwd = 2.0 * (fwd - 2.0 * R * D * C) + 2.0 * R * D * C;
    return fwd + bwd;
}
