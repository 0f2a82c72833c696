/* Model unit tests: parameter count of the paper model (design 2.1), initialisation statistics
 * (design 2.2), Adam against a hand computation (design 2.3), config validation errors; the fused
 * attention of hook-free passes against the separate kernels, bit for bit; gradient norm and the
 * finiteness check. */
#include "harness.h"

#include "ihsweep/error.h"
#include "ihsweep/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

TEST_COUNTS_DECLARE;

static void test_param_count(void)
{
    Model *m = NULL;
    ModelConfig c = model_config_paper(5);
    CHECK_OK(model_create(&c, &m));
    CHECK_INT_EQ(model_param_count(m), 67141); /* design 2.1 table */
    model_destroy(&m);
    c.qkv_bias = 0;
    c.proj_bias = 0;
    CHECK_OK(model_create(&c, &m));
    CHECK_INT_EQ(model_param_count(m), 66629); /* design 2.1: HEAD without biases */
    model_destroy(&m);
    CHECK(m == NULL);
    model_destroy(&m); /* NULL-safe */
}

static void tensor_stats(Model *m, const char *name, double *mean, double *std, double *maxabs)
{
    const ModelTensor *t = model_tensor_find(m, name);
    const float *p = model_params(m) + t->offset;
    double s = 0, s2 = 0, mx = 0;
    for (size_t i = 0; i < t->size; i++) {
        s += p[i];
        s2 += (double)p[i] * p[i];
        mx = fmax(mx, fabs(p[i]));
    }
    *mean = s / t->size;
    *std = sqrt(s2 / t->size - *mean * *mean);
    *maxabs = mx;
}

static void test_init(void)
{
    Model *m = NULL;
    ModelConfig c = model_config_paper(5);
    CHECK_OK(model_create(&c, &m));
    model_init_params(m, 5);
    double mean, std, mx;
    /* wx: fan_in 512, std 1/sqrt(512) = 0.0442; 32768 samples: std error ~0.0002 */
    tensor_stats(m, "wx", &mean, &std, &mx);
    CHECK_NEAR(std, 1.0 / sqrt(512.0), 0.0015);
    CHECK(mx <= 2.0 * sqrt(1.0 / 512) / 0.87962566103423978 + 1e-6);
    tensor_stats(m, "l0.wqkv", &mean, &std, &mx);
    CHECK_NEAR(std, 1.0 / 8.0, 0.004);
    /* wy: 0.02 x truncated normal, std 0.0176 (design 2.2) */
    tensor_stats(m, "wy", &mean, &std, &mx);
    CHECK_NEAR(std, 0.02 * 0.87962566103423978, 0.003);
    CHECK(mx <= 0.04 + 1e-7);
    tensor_stats(m, "l1.ln1_g", &mean, &std, &mx);
    CHECK_NEAR(mean, 1.0, 0.0);
    tensor_stats(m, "l1.bqkv", &mean, &std, &mx);
    CHECK_NEAR(mx, 0.0, 0.0);
    /* same seed, same parameters; different seed, different */
    Model *m2 = NULL;
    CHECK_OK(model_create(&c, &m2));
    model_init_params(m2, 5);
    CHECK(memcmp(model_params(m), model_params(m2), model_param_count(m) * sizeof(float)) == 0);
    model_init_params(m2, 6);
    CHECK(memcmp(model_params(m), model_params(m2), model_param_count(m) * sizeof(float)) != 0);
    model_destroy(&m);
    model_destroy(&m2);
}

static void test_adam(void)
{
    ModelConfig c = model_config_paper(5);
    c.input_dim = 4;
    c.d_model = 4;
    c.n_heads = 2;
    c.depth = 1;
    Model *m = NULL;
    CHECK_OK(model_create(&c, &m));
    float *p = model_params(m), *g = model_grads(m);
    p[0] = 1.0f;
    AdamConfig a = {.lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    /* two steps with gradients 0.5 then -1.0, by hand:
     * t1: m=0.05 v=0.00025 mhat=0.5 vhat=0.25 -> p -= 0.1*0.5/0.5 = 0.1 -> 0.9
     * t2: m=0.045-0.1=-0.055, v=0.00024975+0.001=0.00124975; mhat=-0.055/0.19=-0.289474,
     *     vhat=0.00124975/0.001999=0.625188 -> p -= 0.1*(-0.289474)/0.790688 -> 0.936610 */
    g[0] = 0.5f;
    model_adam_step(m, &a);
    CHECK_NEAR(p[0], 0.9, 1e-6);
    g[0] = -1.0f;
    model_adam_step(m, &a);
    CHECK_NEAR(p[0], 0.9366103, 2e-6);
    CHECK_INT_EQ(model_adam_t(m), 2);
    model_destroy(&m);
}

static void test_validation(void)
{
    Model *m = NULL;
    ModelConfig c = model_config_paper(5);
    c.n_heads = 7;
    CHECK_ERR(model_create(&c, &m), IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "model.n_heads") != NULL);
    c = model_config_paper(1);
    CHECK_ERR(model_create(&c, &m), IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "model.n_labels") != NULL);
    c = model_config_paper(5);
    c.pos = MODEL_POS_APE;
    c.max_positions = 3;
    CHECK_ERR(model_create(&c, &m), IH_ECONFIG);
    CHECK(m == NULL);
}

static void noop_site(void *ctx, ModelSite site, int layer, float *value)
{
    (void)ctx;
    (void)site;
    (void)layer;
    (void)value;
}

static float uniform(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / 16777216.0f * 2.0f - 1.0f;
}

/* Forward and backward of one batch with hooks that change nothing (the separate attention
 * kernels) and without hooks (the fused kernels, and the HD % 8 remainder path when HD is not a
 * multiple of 8): every site and every gradient equal bit for bit, including gradients
 * deposited in dacts before the backward (as a later clamp pass does). */
static void fused_case(int d_model, int n_heads, int depth)
{
    enum { B = 6, P = 2, X = 3, R = 10 };
    ModelConfig c = model_config_paper(5);
    c.input_dim = 16;
    c.d_model = d_model;
    c.n_heads = n_heads;
    c.depth = depth;
    Model *m = NULL;
    ModelActs *a[2] = {NULL, NULL}, *d[2] = {NULL, NULL};
    float *grads[2] = {NULL, NULL};
    CHECK_OK(model_create(&c, &m));
    for (int i = 0; i < 2; i++) {
        CHECK_OK(model_acts_create(&c, B, R, &a[i]));
        CHECK_OK(model_acts_create(&c, B, R, &d[i]));
    }
    if (!m || !a[0] || !a[1] || !d[0] || !d[1]) {
        CHECK(0);
        goto done;
    }
    model_init_params(m, 3);
    unsigned st = 7;
    float rows[R * 16];
    int example_row[B * X], labels[B * P], targets[B];
    for (int i = 0; i < R * 16; i++)
        rows[i] = uniform(&st);
    for (int i = 0; i < B * X; i++)
        example_row[i] = (int)((i * 7u + 3u) % R);
    for (int i = 0; i < B * P; i++)
        labels[i] = (int)((i * 3u + 1u) % 5);
    for (int i = 0; i < B; i++)
        targets[i] = labels[i * P + i % P];
    ModelBatch batch = {B, R, rows, example_row, labels, targets};
    const ModelHooks noop = {NULL, noop_site, noop_site};
    size_t np = model_param_count(m);
    for (int i = 0; i < 2; i++) {
        grads[i] = calloc(np, sizeof(float));
        model_zero_grad(m);
        model_acts_zero(d[i]);
        for (int l = 0; l < depth; l++) { /* deposits from a later pass */
            float *datt = model_acts_site(d[i], MODEL_SITE_ATTN, l);
            float *dpre = model_acts_site(d[i], MODEL_SITE_ATTN_PRE, l);
            unsigned s2 = 11u + (unsigned)l;
            for (int j = 0; j < B * n_heads * 5 * 5; j++) {
                datt[j] = 0.01f * uniform(&s2);
                dpre[j] = 0.01f * uniform(&s2);
            }
        }
        model_forward(m, &batch, a[i], i ? NULL : &noop);
        model_backward(m, &batch, a[i], d[i], 1.0f, i ? NULL : &noop);
        if (grads[i])
            memcpy(grads[i], model_grads(m), np * sizeof(float));
    }
    int dims[4];
    for (int site = 0; site < MODEL_SITE_COUNT; site++) {
        for (int l = 0; l < depth; l++) {
            int nd = model_site_shape(&c, (ModelSite)site, B, dims);
            size_t n = 1;
            for (int k = 0; k < nd; k++)
                n *= (size_t)dims[k];
            CHECK(memcmp(model_acts_site(a[0], (ModelSite)site, l),
                         model_acts_site(a[1], (ModelSite)site, l), n * sizeof(float)) == 0);
            CHECK(memcmp(model_acts_site(d[0], (ModelSite)site, l),
                         model_acts_site(d[1], (ModelSite)site, l), n * sizeof(float)) == 0);
        }
    }
    CHECK(grads[0] && grads[1] && memcmp(grads[0], grads[1], np * sizeof(float)) == 0);
done:
    for (int i = 0; i < 2; i++) {
        model_acts_destroy(&a[i]);
        model_acts_destroy(&d[i]);
        free(grads[i]);
    }
    model_destroy(&m);
}

/* A query-only training pass (model_acts_set_query_only) against the full pass: the same loss,
 * query logits and parameter gradients up to float32 reassociation (the products cover other row
 * sets and the last block's query and key-value parts are separate products): 1e-6 on O(1)
 * logits, 1e-5 of the largest gradient; an index or position error is orders larger. */
static void query_only_case(ModelPos pos, int qkv_bias, int depth)
{
    enum { B = 5, P = 2, X = 3, R = 9, D = 16 };
    ModelConfig c = model_config_paper(5);
    c.input_dim = D;
    c.d_model = 16;
    c.n_heads = 2;
    c.depth = depth;
    c.pos = pos;
    c.qkv_bias = qkv_bias;
    c.proj_bias = qkv_bias;
    Model *m = NULL;
    ModelActs *a[2] = {NULL, NULL}, *d[2] = {NULL, NULL};
    float *grads[2] = {NULL, NULL};
    CHECK_OK(model_create(&c, &m));
    for (int i = 0; i < 2; i++) {
        CHECK_OK(model_acts_create(&c, B, R, &a[i]));
        CHECK_OK(model_acts_create(&c, B, R, &d[i]));
    }
    if (!m || !a[0] || !a[1] || !d[0] || !d[1]) {
        CHECK(0);
        goto done;
    }
    model_init_params(m, 4);
    unsigned st = 5;
    float *prm = model_params(m);
    for (size_t i = 0; i < model_param_count(m); i++) /* biases and gains away from 0 / 1 */
        prm[i] += 0.05f * uniform(&st);
    float rows[R * D];
    int example_row[B * X], labels[B * P], targets[B];
    for (int i = 0; i < R * D; i++)
        rows[i] = uniform(&st);
    for (int i = 0; i < B * X; i++)
        example_row[i] = (int)((i * 5u + 2u) % R);
    for (int i = 0; i < B * P; i++)
        labels[i] = (int)((i * 3u + 2u) % 5);
    for (int i = 0; i < B; i++)
        targets[i] = labels[i * P + (i + 1) % P];
    ModelBatch batch = {B, R, rows, example_row, labels, targets};
    size_t np = model_param_count(m);
    float loss[2];
    model_acts_set_query_only(a[1], 1);
    for (int i = 0; i < 2; i++) {
        grads[i] = calloc(np, sizeof(float));
        model_zero_grad(m);
        model_acts_zero(d[i]);
        loss[i] = model_forward(m, &batch, a[i], NULL);
        model_backward(m, &batch, a[i], d[i], 1.0f, NULL);
        if (grads[i])
            memcpy(grads[i], model_grads(m), np * sizeof(float));
    }
    CHECK_NEAR(loss[1], loss[0], 1e-6);
    for (int i = 0; i < B * 5; i++)
        CHECK_NEAR(model_acts_query_logits(a[1])[i], model_acts_query_logits(a[0])[i], 1e-6);
    if (grads[0] && grads[1]) {
        double gmax = 0.0, worst = 0.0;
        for (size_t i = 0; i < np; i++)
            gmax = fmax(gmax, fabs(grads[0][i]));
        for (size_t i = 0; i < np; i++)
            worst = fmax(worst, fabs((double)grads[0][i] - grads[1][i]));
        CHECK(gmax > 0.0);
        CHECK_NEAR(worst, 0.0, 1e-5 * gmax);
    }
done:
    for (int i = 0; i < 2; i++) {
        model_acts_destroy(&a[i]);
        model_acts_destroy(&d[i]);
        free(grads[i]);
    }
    model_destroy(&m);
}

static void test_query_only(void)
{
    query_only_case(MODEL_POS_ROPE, 0, 2);
    query_only_case(MODEL_POS_APE, 1, 3);
    query_only_case(MODEL_POS_NONE, 1, 1);
}

static void test_fused_attention(void)
{
    fused_case(64, 8, 2); /* the paper's HD = 8 */
    fused_case(12, 2, 3); /* HD = 6: the remainder path */
    fused_case(40, 2, 1); /* HD = 20: blocks of 8 and a remainder */
}

static void test_grad_norm_finite(void)
{
    ModelConfig c = model_config_paper(5);
    c.input_dim = 9; /* an odd parameter count: the tail after the blocks of 8 */
    Model *m = NULL;
    CHECK_OK(model_create(&c, &m));
    if (!m)
        return;
    size_t n = model_param_count(m);
    float *g = model_grads(m), *p = model_params(m);
    double ref = 0.0;
    for (size_t i = 0; i < n; i++) {
        g[i] = (float)((double)(i % 97) - 48.0) * 1e-3f;
        ref += (double)g[i] * (double)g[i];
    }
    CHECK_NEAR(model_grad_norm(m), sqrt(ref), 1e-6 * sqrt(ref));
    model_init_params(m, 1);
    CHECK_INT_EQ(model_params_finite(m), 1);
    size_t where[3] = {0, n / 2 + 1, n - 1};
    const float bad[3] = {INFINITY, -INFINITY, NAN};
    for (int w = 0; w < 3; w++)
        for (int b = 0; b < 3; b++) {
            float keep = p[where[w]];
            p[where[w]] = bad[b];
            CHECK_INT_EQ(model_params_finite(m), 0);
            p[where[w]] = keep;
        }
    p[n - 1] = 3.4e38f; /* large but finite */
    CHECK_INT_EQ(model_params_finite(m), 1);
    model_destroy(&m);
}

int main(void)
{
    test_fused_attention();
    test_query_only();
    test_grad_norm_finite();
    test_param_count();
    test_init();
    test_adam();
    test_validation();
    TEST_MAIN_END("test_model_unit");
}
