/* Central-difference gradient checks for every forward/backward kernel pair of the model, and for
 * the whole model (loss -> every parameter tensor) under several configurations.
 *
 * Each kernel check uses the loss <forward(x), r> for a fixed random r, so backward is seeded with
 * dout = r. Derivatives are taken in float32 with step h = 1e-2 (1e-3 for the whole model); the
 * tolerance |analytic - numeric| <= 2e-2 * max(1e-2... see check_grad) covers float32 rounding of
 * the difference quotient while an index error (gradient in the wrong place) is O(1) off. */
#include "harness.h"

#include "ihsweep/error.h"
#include "ihsweep/model.h"
#include "ihsweep/rng.h"
#include "model/internal.h"

#include <stdlib.h>

TEST_COUNTS_DECLARE;

static void fill_random(float *a, int n, Rng *r, float scale)
{
    for (int i = 0; i < n; i++)
        a[i] = rng_normal(r) * scale;
}

static double dot(const float *a, const float *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* Compares analytic gradient ga[n] with the numeric gradient of f at x (perturbing x in place). */
typedef double (*LossFn)(void *ctx);
static void check_grad(const char *what, float *x, const float *ga, int n, LossFn f, void *ctx,
                       float h, double rel_tol)
{
    double worst = 0;
    int worst_i = -1;
    double worst_a = 0, worst_n = 0;
    double scale = 0;
    for (int i = 0; i < n; i++)
        scale = fmax(scale, fabs(ga[i]));
    for (int i = 0; i < n; i++) {
        float saved = x[i];
        x[i] = saved + h;
        double lp = f(ctx);
        x[i] = saved - h;
        double lm = f(ctx);
        x[i] = saved;
        double num = (lp - lm) / (2.0 * h);
        double err = fabs(num - ga[i]) / fmax(scale, 1e-3);
        if (err > worst) {
            worst = err;
            worst_i = i;
            worst_a = ga[i];
            worst_n = num;
        }
    }
    if (worst > rel_tol)
        fprintf(stderr, "%s: worst relative error %.3g at %d: analytic %.6g numeric %.6g\n", what,
                worst, worst_i, worst_a, worst_n);
    CHECK(worst <= rel_tol);
}

/* ---- kernel checks ---- */
enum { KB = 2, KT = 5, KH = 2, KHD = 4, KC = KH * KHD };

typedef struct {
    float x[KB * KT * 3 * KC], w[3 * KC * KC], b[3 * KC], g[KC], y[KB * KT * 3 * KC],
        r[KB * KT * 3 * KC];
    float mean[KB * KT], rstd[KB * KT];
    float q[KB * KH * KT * KHD], k[KB * KH * KT * KHD], v[KB * KH * KT * KHD];
    float cosv[KT * KHD / 2], sinv[KT * KHD / 2];
    float att[KB * KH * KT * KT];
    int which;
} KernelCtx;

static double loss_linear(void *p)
{
    KernelCtx *c = p;
    model__linear_forward(c->y, c->x, c->w, c->b, KB * KT, KC, 3 * KC);
    return dot(c->y, c->r, KB * KT * 3 * KC);
}

static void test_linear(Rng *r)
{
    KernelCtx c;
    fill_random(c.x, KB * KT * KC, r, 1);
    fill_random(c.w, 3 * KC * KC, r, 0.5f);
    fill_random(c.b, 3 * KC, r, 0.5f);
    fill_random(c.r, KB * KT * 3 * KC, r, 1);
    float dx[KB * KT * KC] = {0}, dw[3 * KC * KC] = {0}, db[3 * KC] = {0};
    model__linear_backward(dx, dw, db, c.r, c.x, c.w, KB * KT, KC, 3 * KC);
    check_grad("linear dx", c.x, dx, KB * KT * KC, loss_linear, &c, 1e-2f, 2e-3);
    check_grad("linear dw", c.w, dw, 3 * KC * KC, loss_linear, &c, 1e-2f, 2e-3);
    check_grad("linear db", c.b, db, 3 * KC, loss_linear, &c, 1e-2f, 2e-3);
}

static double loss_layernorm(void *p)
{
    KernelCtx *c = p;
    model__layernorm_forward(c->y, c->mean, c->rstd, c->x, c->g, c->b, KB * KT, KC);
    return dot(c->y, c->r, KB * KT * KC);
}

static void test_layernorm(Rng *r)
{
    KernelCtx c;
    fill_random(c.x, KB * KT * KC, r, 1);
    fill_random(c.g, KC, r, 1);
    fill_random(c.b, KC, r, 1);
    fill_random(c.r, KB * KT * KC, r, 1);
    loss_layernorm(&c);
    float dx[KB * KT * KC] = {0}, dg[KC] = {0}, db[KC] = {0};
    model__layernorm_backward(dx, dg, db, c.r, c.x, c.mean, c.rstd, c.g, KB * KT, KC);
    check_grad("layernorm dx", c.x, dx, KB * KT * KC, loss_layernorm, &c, 1e-2f, 5e-3);
    check_grad("layernorm dg", c.g, dg, KC, loss_layernorm, &c, 1e-2f, 5e-3);
    check_grad("layernorm db", c.b, db, KC, loss_layernorm, &c, 1e-2f, 5e-3);
}

static double loss_qkv(void *p)
{
    KernelCtx *c = p;
    model__qkv_split_forward(c->q, c->k, c->v, c->x, c->cosv, c->sinv, KB, KT, KH, KHD);
    int n = KB * KH * KT * KHD;
    return dot(c->q, c->r, n) + dot(c->k, c->r + n, n) + dot(c->v, c->r + 2 * n, n);
}

static void test_qkv_rope(Rng *r)
{
    KernelCtx c;
    fill_random(c.x, KB * KT * 3 * KC, r, 1);
    fill_random(c.r, KB * KT * 3 * KC, r, 1);
    for (int t = 0; t < KT; t++)
        for (int i = 0; i < KHD / 2; i++) {
            float theta = powf(10000.0f, -2.0f * i / KHD);
            c.cosv[t * KHD / 2 + i] = cosf(t * theta);
            c.sinv[t * KHD / 2 + i] = sinf(t * theta);
        }
    int n = KB * KH * KT * KHD;
    float dqkv[KB * KT * 3 * KC] = {0};
    model__qkv_split_backward(dqkv, c.r, c.r + n, c.r + 2 * n, c.cosv, c.sinv, KB, KT, KH, KHD);
    check_grad("qkv split + rope", c.x, dqkv, KB * KT * 3 * KC, loss_qkv, &c, 1e-2f, 2e-3);
}

static double loss_attention(void *p)
{
    /* scores -> softmax -> values, the whole attention core */
    KernelCtx *c = p;
    float pre[KB * KH * KT * KT], z[KB * KT * KC];
    model__scores_forward(pre, c->q, c->k, KB, KH, KT, KHD);
    model__softmax_forward(c->att, pre, KB * KH * KT, KT);
    model__attn_values_forward(z, c->att, c->v, KB, KH, KT, KHD);
    return dot(z, c->r, KB * KT * KC);
}

static void test_attention(Rng *r)
{
    KernelCtx c;
    int n = KB * KH * KT * KHD;
    fill_random(c.q, n, r, 1);
    fill_random(c.k, n, r, 1);
    fill_random(c.v, n, r, 1);
    fill_random(c.r, KB * KT * KC, r, 1);
    loss_attention(&c);
    float datt[KB * KH * KT * KT] = {0}, dpre[KB * KH * KT * KT] = {0};
    float dq[KB * KH * KT * KHD] = {0}, dk[KB * KH * KT * KHD] = {0}, dv[KB * KH * KT * KHD] = {0};
    model__attn_values_backward(datt, dv, c.r, c.att, c.v, KB, KH, KT, KHD);
    model__softmax_backward(dpre, datt, c.att, KB * KH * KT, KT);
    model__scores_backward(dq, dk, dpre, c.q, c.k, KB, KH, KT, KHD);
    check_grad("attention dq", c.q, dq, n, loss_attention, &c, 1e-2f, 5e-3);
    check_grad("attention dk", c.k, dk, n, loss_attention, &c, 1e-2f, 5e-3);
    check_grad("attention dv", c.v, dv, n, loss_attention, &c, 1e-2f, 5e-3);
    /* causal mask: no attention above the diagonal */
    CHECK_NEAR(c.att[0 * KT + 1], 0.0, 0.0);
    CHECK_NEAR(c.att[3 * KT + 4], 0.0, 0.0);
}

static double loss_gelu(void *p)
{
    KernelCtx *c = p;
    model__gelu_forward(c->y, c->x, KC * KT);
    return dot(c->y, c->r, KC * KT);
}

static void test_gelu(Rng *r)
{
    KernelCtx c;
    fill_random(c.x, KC * KT, r, 2);
    fill_random(c.r, KC * KT, r, 1);
    float dx[KC * KT] = {0};
    model__gelu_backward(dx, c.r, c.x, KC * KT);
    check_grad("gelu", c.x, dx, KC * KT, loss_gelu, &c, 1e-2f, 2e-3);
}

/* ---- whole model: loss (embeddings, LN, attention, unembedding, cross-entropy) ---- */
typedef struct {
    Model *m;
    ModelActs *acts;
    ModelBatch batch;
} ModelCtx;

static double loss_model(void *p)
{
    ModelCtx *c = p;
    return model_forward(c->m, &c->batch, c->acts, NULL);
}

static void test_whole_model(const char *name, ModelConfig cfg)
{
    enum { B = 3, R = 5 };
    const int X = cfg.context_pairs + 1, P = cfg.context_pairs;
    Model *m = NULL;
    ModelActs *acts = NULL, *dacts = NULL;
    float *rows = calloc((size_t)R * cfg.input_dim, sizeof(float));
    int *example_row = calloc((size_t)B * X, sizeof(int));
    int *labels = calloc((size_t)B * P, sizeof(int)), targets[B];
    CHECK_OK(model_create(&cfg, &m));
    CHECK_OK(model_acts_create(&cfg, B, R, &acts));
    CHECK_OK(model_acts_create(&cfg, B, R, &dacts));
    if (!m || !acts || !dacts || !rows)
        goto done;
    Rng r;
    rng_init(&r, 3, RNG_PURPOSE_TEST, 0);
    model_init_params(m, 11);
    /* Non-trivial LN gains/biases and biases so every path carries gradient. */
    float *params = model_params(m);
    int n_tensors = 0;
    const ModelTensor *ts = model_tensors(m, &n_tensors);
    for (int i = 0; i < n_tensors; i++)
        if (ts[i].ndim == 1)
            for (size_t j = 0; j < ts[i].size; j++)
                params[ts[i].offset + j] += 0.2f * rng_normal(&r);
    fill_random(rows, R * cfg.input_dim, &r, 1);
    for (int i = 0; i < B * X; i++)
        example_row[i] = (int)rng_below(&r, R);
    for (int i = 0; i < B * P; i++)
        labels[i] = (int)rng_below(&r, (uint32_t)cfg.n_labels);
    for (int b = 0; b < B; b++)
        targets[b] = labels[b * P];
    ModelCtx c = {m, acts, {B, R, rows, example_row, labels, targets}};
    model_zero_grad(m);
    model_acts_zero(dacts);
    model_forward(m, &c.batch, acts, NULL);
    model_backward(m, &c.batch, acts, dacts, 1.0f, NULL);
    const float *grads = model_grads(m);
    for (int i = 0; i < n_tensors; i++) {
        if (ts[i].size == 0)
            continue;
        char what[96];
        snprintf(what, sizeof what, "%s: %s", name, ts[i].name);
        /* at most 40 entries per tensor, spread over it; errors relative to the largest
         * gradient of the tensor (float32 loss noise ~1e-7 / 2h is far below that) */
        size_t stride = ts[i].size > 40 ? ts[i].size / 40 : 1;
        float picked[41], analytic[41];
        int n = 0;
        for (size_t j = 0; j < ts[i].size && n < 41; j += stride, n++)
            analytic[n] = grads[ts[i].offset + j];
        double scale = 0;
        for (int k = 0; k < n; k++)
            scale = fmax(scale, fabs(analytic[k]));
        double worst = 0;
        int k = 0;
        for (size_t j = 0; j < ts[i].size && k < n; j += stride, k++) {
            float *x = params + ts[i].offset + j, saved = *x, h = 1e-3f;
            *x = saved + h;
            double lp = loss_model(&c);
            *x = saved - h;
            double lm = loss_model(&c);
            *x = saved;
            picked[k] = (float)((lp - lm) / (2.0 * h));
            worst = fmax(worst, fabs(picked[k] - analytic[k]) / fmax(scale, 1e-4));
        }
        if (worst > 2e-2)
            fprintf(stderr, "%s: worst relative error %.3g\n", what, worst);
        CHECK(worst <= 2e-2);
    }
done:
    model_destroy(&m);
    model_acts_destroy(&acts);
    model_acts_destroy(&dacts);
    free(rows);
    free(example_row);
    free(labels);
}

static ModelConfig small_config(void)
{
    ModelConfig c = model_config_paper(5);
    c.input_dim = 12;
    c.d_model = 16;
    c.n_heads = 4;
    return c;
}

int main(void)
{
    Rng r;
    rng_init(&r, 1, RNG_PURPOSE_TEST, 0);
    test_linear(&r);
    test_layernorm(&r);
    test_qkv_rope(&r);
    test_attention(&r);
    test_gelu(&r);

    ModelConfig c = small_config();
    test_whole_model("paper-shaped", c);
    c = small_config();
    c.pos = MODEL_POS_APE;
    test_whole_model("ape", c);
    c = small_config();
    c.pos = MODEL_POS_SINUSOIDAL;
    c.layer_norm = 0;
    test_whole_model("sinusoidal, no LN", c);
    c = small_config();
    c.mlp_ratio = 2;
    c.depth = 3;
    test_whole_model("mlp, depth 3", c);
    TEST_MAIN_END("test_model_grad");
}
