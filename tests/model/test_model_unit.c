/* Model unit tests: parameter count of the paper model (spec 2.1), initialisation statistics
 * (spec 2.2), Adam against a hand computation (spec 2.3), config validation errors. */
#include "harness.h"

#include "ihsweep/error.h"
#include "ihsweep/model.h"

#include <stdlib.h>

TEST_COUNTS_DECLARE;

static void test_param_count(void)
{
    Model *m = NULL;
    ModelConfig c = model_config_paper(5);
    CHECK_OK(model_create(&c, &m));
    CHECK_INT_EQ(model_param_count(m), 67141); /* spec 2.1 table */
    model_destroy(&m);
    c.qkv_bias = 0;
    c.proj_bias = 0;
    CHECK_OK(model_create(&c, &m));
    CHECK_INT_EQ(model_param_count(m), 66629); /* spec 2.1: HEAD without biases */
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
    /* wy: 0.02 x truncated normal, std 0.0176 (spec 2.2) */
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

int main(void)
{
    test_param_count();
    test_init();
    test_adam();
    test_validation();
    TEST_MAIN_END("test_model_unit");
}
