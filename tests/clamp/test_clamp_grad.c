/* The clamp engine's own checks, independent of the twin:
 * - no clamps: clamp_forward/clamp_backward equal model_forward/model_backward bit for bit;
 * - central-difference gradient checks of the clamped loss with respect to every parameter tensor
 *   through the multi-pass steps (per tensor at most 40 sampled entries, error relative to the
 *   tensor's largest sampled gradient, h = 1e-3, as tests/model/test_model_grad.c);
 * - perfect copy with a repeated context label: the gradient is that of the later position only;
 * - the zero-gradient table of design 3.4 derived per parameter slice (exactly zero where the
 *   gradient rules say so, non-zero where they do not, so the check can fail both ways);
 * - pass structure per paper clamp, and a graft through a real checkpoint file.
 */
#include "harness.h"

#include "ihsweep/checkpoint.h"
#include "ihsweep/clamp.h"
#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/model.h"
#include "ihsweep/rng.h"

#include <stdlib.h>
#include <string.h>

TEST_COUNTS_DECLARE;

enum { B = 6, R = 8, MAX_B = 8 };

static const char *const REST = "\"1:0\",\"1:1\",\"1:2\",\"1:4\",\"1:5\",\"1:6\",\"1:7\"";

typedef struct {
    ModelConfig cfg;
    Model *m, *frozen;
    float rows[R * 64];
    int example_row[MAX_B * 3], labels[MAX_B * 2], targets[MAX_B];
    ModelBatch batch;
    ClampPlan *plan;
} Ctx;

/* Paper topology (2 layers, 8 heads, RoPE, LN, biases, P 2) at reduced width. */
static ModelConfig small_config(void)
{
    ModelConfig c = model_config_paper(5);
    c.input_dim = 12;
    c.d_model = 32;
    return c;
}

/* Random parameters with non-trivial LN gains/biases and biases, so every path carries gradient. */
static void randomise(Model *m, uint32_t seed)
{
    Rng r;
    rng_init(&r, seed, RNG_PURPOSE_TEST, 1);
    model_init_params(m, seed);
    int n;
    const ModelTensor *t = model_tensors(m, &n);
    float *p = model_params(m);
    for (int i = 0; i < n; i++)
        for (size_t j = 0; t[i].ndim == 1 && j < t[i].size; j++)
            p[t[i].offset + j] += 0.3f * rng_normal(&r);
    /* a label embedding as large as the exemplar embeddings */
    const ModelTensor *wy = model_tensor_find(m, "wy");
    for (size_t j = 0; j < wy->size; j++)
        p[wy->offset + j] = rng_normal(&r);
}

/* Batch of B sequences: every query label is in its context (a perfect-copy loss stays O(1)). */
static void make_batch(Ctx *c, uint32_t seed)
{
    Rng r;
    rng_init(&r, seed, RNG_PURPOSE_TEST, 2);
    for (int i = 0; i < R * c->cfg.input_dim; i++)
        c->rows[i] = rng_normal(&r);
    for (int b = 0; b < B; b++) {
        for (int j = 0; j < 3; j++)
            c->example_row[b * 3 + j] = (int)rng_below(&r, R);
        c->labels[b * 2] = (int)rng_below(&r, 5);
        c->labels[b * 2 + 1] = (int)rng_below(&r, 5);
        c->targets[b] = c->labels[b * 2 + (int)rng_below(&r, 2)];
    }
    c->batch = (ModelBatch){B, R, c->rows, c->example_row, c->labels, c->targets};
}

static int ctx_open(Ctx *c, const char *clamps_json)
{
    int rc = 0;
    ClampConfig cc;
    memset(c, 0, sizeof *c);
    c->cfg = small_config();
    IH_TRY(model_create(&c->cfg, &c->m));
    randomise(c->m, 11);
    IH_TRY(model_create(&c->cfg, &c->frozen));
    randomise(c->frozen, 23);
    make_batch(c, 5);
    IH_TRY(clamp_config_parse(clamps_json, "test", &cc));
    IH_TRY(clamp_plan_create_frozen(&cc, &c->cfg, MAX_B, R, c->frozen, &c->plan));
cleanup:
    return rc;
}

static void ctx_close(Ctx *c)
{
    clamp_plan_destroy(&c->plan);
    model_destroy(&c->m);
    model_destroy(&c->frozen);
}

/* Analytic gradient of the clamped loss into model_grads. */
static float clamped_grad(Ctx *c)
{
    model_zero_grad(c->m);
    float loss = clamp_forward(c->plan, c->m, &c->batch);
    clamp_backward(c->plan, c->m, &c->batch);
    return loss;
}

/* ---- no clamps: the plan is the plain model ---- */
static void test_no_clamps(void)
{
    Ctx c;
    ModelActs *acts = NULL, *dacts = NULL;
    float *g_plain = NULL;
    CHECK_OK(ctx_open(&c, "[]"));
    CHECK_OK(model_acts_create(&c.cfg, MAX_B, R, &acts));
    CHECK_OK(model_acts_create(&c.cfg, MAX_B, R, &dacts));
    size_t np = c.m ? model_param_count(c.m) : 0;
    g_plain = calloc(np ? np : 1, sizeof(float));
    if (!c.plan || !acts || !dacts || !g_plain)
        goto done;
    CHECK_INT_EQ(clamp_plan_passes(c.plan), 1);
    model_zero_grad(c.m);
    model_acts_zero(dacts);
    float l_plain = model_forward(c.m, &c.batch, acts, NULL);
    model_backward(c.m, &c.batch, acts, dacts, 1.0f, NULL);
    memcpy(g_plain, model_grads(c.m), np * sizeof(float));
    float l_clamp = clamped_grad(&c);
    CHECK(memcmp(&l_plain, &l_clamp, sizeof(float)) == 0);
    ModelActs *out = clamp_output_acts(c.plan);
    for (int s = 0; s < MODEL_SITE_COUNT; s++) {
        for (int l = 0; l < c.cfg.depth; l++) {
            int dims[4], nd = model_site_shape(&c.cfg, (ModelSite)s, B, dims);
            size_t n = 1;
            for (int i = 0; i < nd; i++)
                n *= (size_t)dims[i];
            int same = memcmp(model_acts_site(acts, (ModelSite)s, l),
                              model_acts_site(out, (ModelSite)s, l), n * sizeof(float)) == 0;
            if (!same)
                fprintf(stderr, "no clamps: site %d layer %d differs from model_forward\n", s, l);
            CHECK(same);
        }
    }
    CHECK(memcmp(model_acts_query_logits(acts), model_acts_query_logits(out),
                 (size_t)B * c.cfg.n_labels * sizeof(float)) == 0);
    CHECK(memcmp(g_plain, model_grads(c.m), np * sizeof(float)) == 0);
done:
    free(g_plain);
    model_acts_destroy(&acts);
    model_acts_destroy(&dacts);
    ctx_close(&c);
}

/* ---- central differences ---- */

/* The quantity differentiated: the clamped loss, or (copy_probe >= 0) the query logit
 * copy_probe of sequence 0. */
static double probe(Ctx *c, int copy_probe)
{
    float loss = clamp_forward(c->plan, c->m, &c->batch);
    if (copy_probe < 0)
        return loss;
    return model_acts_query_logits(clamp_output_acts(c->plan))[copy_probe];
}

static void check_tensors(Ctx *c, const char *name, int copy_probe, double scale_factor)
{
    int n_tensors;
    const ModelTensor *ts = model_tensors(c->m, &n_tensors);
    float *params = model_params(c->m);
    const float *grads = model_grads(c->m);
    for (int i = 0; i < n_tensors; i++) {
        if (ts[i].size == 0)
            continue;
        size_t stride = ts[i].size > 40 ? ts[i].size / 40 : 1;
        float analytic[41];
        int n = 0;
        for (size_t j = 0; j < ts[i].size && n < 41; j += stride, n++)
            analytic[n] = (float)(grads[ts[i].offset + j] * scale_factor);
        double scale = 0, worst = 0, worst_a = 0, worst_n = 0;
        for (int k = 0; k < n; k++)
            scale = fmax(scale, fabs(analytic[k]));
        int k = 0;
        for (size_t j = 0; j < ts[i].size && k < n; j += stride, k++) {
            float *x = params + ts[i].offset + j, saved = *x, h = 1e-3f;
            *x = saved + h;
            double lp = probe(c, copy_probe);
            *x = saved - h;
            double lm = probe(c, copy_probe);
            *x = saved;
            double num = (lp - lm) / (2.0 * h);
            double err = fabs(num - analytic[k]) / fmax(scale, 1e-4);
            if (err > worst) {
                worst = err;
                worst_a = analytic[k];
                worst_n = num;
            }
        }
        if (worst > 2e-2)
            fprintf(stderr,
                    "%s: %s: worst relative error %.3g (analytic %.6g numeric %.6g, "
                    "scale %.3g)\n",
                    name, ts[i].name, worst, worst_a, worst_n, scale);
        CHECK(worst <= 2e-2);
    }
}

static void grad_check(const char *name, const char *json, int expect_passes)
{
    Ctx c;
    CHECK_OK(ctx_open(&c, json));
    if (c.plan) {
        CHECK_INT_EQ(clamp_plan_passes(c.plan), expect_passes);
        clamped_grad(&c);
        check_tensors(&c, name, -1, 1.0);
    }
    ctx_close(&c);
}

/* Perfect copy, sequence 0 with context labels [2, 2] and target 0 (not in context): the logit of
 * label 2 is the later position's score, and the loss gradient (dL/dlogit[2] = p = 1, B = 1) is
 * exactly the gradient of that logit: the earlier position's score gets none. */
static void test_copy_repeated_label(const char *name, const char *json)
{
    Ctx c;
    CHECK_OK(ctx_open(&c, json));
    if (c.plan) {
        c.batch.B = 1;
        c.labels[0] = c.labels[1] = 2;
        c.targets[0] = 0;
        c.example_row[0] = 1;
        c.example_row[1] = 4;
        c.example_row[2] = 1;
        clamped_grad(&c);
        const float *ql = model_acts_query_logits(clamp_output_acts(c.plan));
        CHECK(ql[0] == -1e9f && ql[1] == -1e9f && ql[3] == -1e9f && ql[2] > -1e8f);
        check_tensors(&c, name, 2, 1.0);
    }
    ctx_close(&c);
}

/* ---- zero-gradient table (design 3.4) ---- */

/* max |grad| over rows [r0, r1) and columns [c0, c1) of tensor name (vectors: rows only). */
static double grad_block(Model *m, const char *name, int r0, int r1, int c0, int c1)
{
    const ModelTensor *t = model_tensor_find(m, name);
    const float *g = model_grads(m) + t->offset;
    int cols = t->ndim == 2 ? t->shape[1] : 1;
    if (t->ndim == 1) {
        c0 = 0;
        c1 = 1;
    }
    double mx = 0;
    for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++)
            mx = fmax(mx, fabs(g[(size_t)r * cols + c]));
    return mx;
}

static double grad_all(Model *m, const char *name)
{
    const ModelTensor *t = model_tensor_find(m, name);
    return grad_block(m, name, 0, t->shape[0], 0, t->ndim == 2 ? t->shape[1] : 1);
}

typedef enum { PART_Q = 0, PART_K = 1, PART_V = 2, PART_O = 3 } Part;

/* max |grad| of one head's Q, K or V rows (wqkv and bqkv) or O columns (wo) in layer l. */
static double grad_head(Model *m, int l, int h, Part part)
{
    const ModelConfig *c = model_config(m);
    const int C = c->d_model, HD = C / c->n_heads;
    char w[32], b[32];
    if (part == PART_O) {
        snprintf(w, sizeof w, "l%d.wo", l);
        return grad_block(m, w, 0, C, h * HD, (h + 1) * HD);
    }
    snprintf(w, sizeof w, "l%d.wqkv", l);
    snprintf(b, sizeof b, "l%d.bqkv", l);
    int r0 = part * C + h * HD;
    return fmax(grad_block(m, w, r0, r0 + HD, 0, C), grad_block(m, b, r0, r0 + HD, 0, 1));
}

static double grad_layer(Model *m, int l)
{
    static const char *const names[] = {"ln1_g", "ln1_b", "wqkv", "bqkv", "wo", "bo"};
    double mx = 0;
    char n[32];
    for (int i = 0; i < 6; i++) {
        snprintf(n, sizeof n, "l%d.%s", l, names[i]);
        mx = fmax(mx, grad_all(m, n));
    }
    return mx;
}

#define EXPECT_ZERO(what, x)                                                                       \
    do {                                                                                           \
        double v_ = (x);                                                                           \
        if (v_ != 0.0)                                                                             \
            fprintf(stderr, "%s: %s: expected exactly zero gradient, max |g| = %.3g\n", label,     \
                    what, v_);                                                                     \
        CHECK(v_ == 0.0);                                                                          \
    } while (0)
#define EXPECT_LEARNS(what, x)                                                                     \
    do {                                                                                           \
        double v_ = (x);                                                                           \
        if (!(v_ > 1e-7))                                                                          \
            fprintf(stderr, "%s: %s: expected a gradient, max |g| = %.3g\n", label, what, v_);     \
        CHECK(v_ > 1e-7);                                                                          \
    } while (0)

static void zero_table_case(const char *label, const char *json, int expect_passes,
                            void (*check)(const char *label, Model *m))
{
    Ctx c;
    CHECK_OK(ctx_open(&c, json));
    if (c.plan) {
        CHECK_INT_EQ(clamp_plan_passes(c.plan), expect_passes);
        clamped_grad(&c);
        check(label, c.m);
    }
    ctx_close(&c);
}

/* ablated heads: Q/K/V rows and O columns exactly zero; the other heads learn */
static void z_ablate(const char *label, Model *m)
{
    for (int h = 0; h < 8; h++)
        for (int part = 0; part < 4; part++) {
            char what[48];
            snprintf(what, sizeof what, "1:%d part %d", h, part);
            if (h == 0 || h == 1)
                EXPECT_ZERO(what, grad_head(m, 1, h, (Part)part));
            else
                EXPECT_LEARNS(what, grad_head(m, 1, h, (Part)part));
        }
    EXPECT_LEARNS("layer 0", grad_layer(m, 0));
}

static void expect_rest_frozen(const char *label, Model *m)
{
    for (int h = 0; h < 8; h++)
        for (int part = 0; h != 3 && part < 4; part++) {
            char what[48];
            snprintf(what, sizeof what, "ablated 1:%d part %d", h, part);
            EXPECT_ZERO(what, grad_head(m, 1, h, (Part)part));
        }
}

/* PT pattern on 0:2 + ablate rest: 0:2's W_q, W_k zero, its V/O learn */
static void z_pt(const char *label, Model *m)
{
    EXPECT_ZERO("0:2 Q", grad_head(m, 0, 2, PART_Q));
    EXPECT_ZERO("0:2 K", grad_head(m, 0, 2, PART_K));
    EXPECT_LEARNS("0:2 V", grad_head(m, 0, 2, PART_V));
    EXPECT_LEARNS("0:2 O", grad_head(m, 0, 2, PART_O));
    EXPECT_LEARNS("0:1 Q", grad_head(m, 0, 1, PART_Q));
    for (int part = 0; part < 4; part++)
        EXPECT_LEARNS("1:3", grad_head(m, 1, 3, (Part)part));
    expect_rest_frozen(label, m);
}

/* IH pattern on 1:3 + ablate rest: 1:3's W_q, W_k zero; its OV, W_u and layer 0 learn */
static void z_ih(const char *label, Model *m)
{
    EXPECT_ZERO("1:3 Q", grad_head(m, 1, 3, PART_Q));
    EXPECT_ZERO("1:3 K", grad_head(m, 1, 3, PART_K));
    EXPECT_LEARNS("1:3 V", grad_head(m, 1, 3, PART_V));
    EXPECT_LEARNS("1:3 O", grad_head(m, 1, 3, PART_O));
    EXPECT_LEARNS("wu", grad_all(m, "wu"));
    EXPECT_LEARNS("layer 0", grad_layer(m, 0));
    expect_rest_frozen(label, m);
}

/* perfect copy 1:3: W_u, b_u, final LN, all layer-1 values and O, other layer-1 heads' Q/K zero;
 * 1:3's Q/K, layer 0 and the embeddings learn */
static void z_copy(const char *label, Model *m)
{
    static const char *const zero[] = {"wu", "bu", "lnf_g", "lnf_b", "l1.wo", "l1.bo"};
    for (int i = 0; i < 6; i++)
        EXPECT_ZERO(zero[i], grad_all(m, zero[i]));
    for (int h = 0; h < 8; h++) {
        EXPECT_ZERO("layer-1 V", grad_head(m, 1, h, PART_V));
        if (h != 3) {
            EXPECT_ZERO("other layer-1 Q", grad_head(m, 1, h, PART_Q));
            EXPECT_ZERO("other layer-1 K", grad_head(m, 1, h, PART_K));
        }
    }
    EXPECT_LEARNS("1:3 Q", grad_head(m, 1, 3, PART_Q));
    EXPECT_LEARNS("1:3 K", grad_head(m, 1, 3, PART_K));
    EXPECT_LEARNS("l1.ln1_g", grad_all(m, "l1.ln1_g"));
    EXPECT_LEARNS("layer 0", grad_layer(m, 0));
    EXPECT_LEARNS("wx", grad_all(m, "wx"));
    EXPECT_LEARNS("wy", grad_all(m, "wy"));
}

/* perfect_prev_token_input + ablate rest: all of layer 0 zero; layer 1 (head 3) and the
 * embeddings learn */
static void z_ppti(const char *label, Model *m)
{
    EXPECT_ZERO("layer 0", grad_layer(m, 0));
    for (int part = 0; part < 4; part++)
        EXPECT_LEARNS("1:3", grad_head(m, 1, 3, (Part)part));
    EXPECT_LEARNS("wx", grad_all(m, "wx"));
    EXPECT_LEARNS("wy", grad_all(m, "wy"));
    EXPECT_LEARNS("wu", grad_all(m, "wu"));
    expect_rest_frozen(label, m);
}

/* perfect_prev_token_input + perfect copy 1:3: only 1:3's Q/K, layer 1's LN and the exemplar
 * embedding learn. The label embedding gets nothing: the copied scores read the query row (E_q)
 * against keys at the label positions, which hold exemplar embeddings in the pattern pass, and the
 * final pass's output is replaced. */
static void z_ppti_copy(const char *label, Model *m)
{
    static const char *const zero[] = {"wu", "bu", "lnf_g", "lnf_b", "l1.wo", "l1.bo"};
    EXPECT_ZERO("layer 0", grad_layer(m, 0));
    for (int i = 0; i < 6; i++)
        EXPECT_ZERO(zero[i], grad_all(m, zero[i]));
    for (int h = 0; h < 8; h++) {
        EXPECT_ZERO("layer-1 V", grad_head(m, 1, h, PART_V));
        if (h != 3) {
            EXPECT_ZERO("other layer-1 Q", grad_head(m, 1, h, PART_Q));
            EXPECT_ZERO("other layer-1 K", grad_head(m, 1, h, PART_K));
        }
    }
    EXPECT_LEARNS("1:3 Q", grad_head(m, 1, 3, PART_Q));
    EXPECT_LEARNS("1:3 K", grad_head(m, 1, 3, PART_K));
    EXPECT_LEARNS("l1.ln1_g", grad_all(m, "l1.ln1_g"));
    EXPECT_LEARNS("wx", grad_all(m, "wx"));
    EXPECT_ZERO("wy", grad_all(m, "wy"));
}

/* graft-in through layer 0: the embeddings and layer 0 get nothing; layer 1 learns */
static void z_graft_in(const char *label, Model *m)
{
    EXPECT_ZERO("layer 0", grad_layer(m, 0));
    EXPECT_ZERO("wx", grad_all(m, "wx"));
    EXPECT_ZERO("bx", grad_all(m, "bx"));
    EXPECT_ZERO("wy", grad_all(m, "wy"));
    EXPECT_LEARNS("layer 1", grad_layer(m, 1));
    EXPECT_LEARNS("wu", grad_all(m, "wu"));
}

/* graft-out from layer 0: the trained model's layer 1 and head get nothing; layer 0 and the
 * embeddings learn through the frozen layers */
static void z_graft_out(const char *label, Model *m)
{
    EXPECT_ZERO("layer 1", grad_layer(m, 1));
    EXPECT_ZERO("wu", grad_all(m, "wu"));
    EXPECT_ZERO("lnf_g", grad_all(m, "lnf_g"));
    EXPECT_LEARNS("layer 0", grad_layer(m, 0));
    EXPECT_LEARNS("wx", grad_all(m, "wx"));
}

static void test_zero_table(void)
{
    char j[512];
    zero_table_case("ablate 1:0 1:1", "[{\"type\":\"ablate_heads\",\"heads\":[\"1:0\",\"1:1\"]}]",
                    1, z_ablate);
    snprintf(j, sizeof j,
             "[{\"type\":\"prev_token_pattern\",\"heads\":[\"0:2\"]},"
             "{\"type\":\"ablate_heads\",\"heads\":[%s]}]",
             REST);
    zero_table_case("PT 0:2 + ablate rest", j, 1, z_pt);
    snprintf(j, sizeof j,
             "[{\"type\":\"induction_pattern\",\"heads\":[\"1:3\"]},"
             "{\"type\":\"ablate_heads\",\"heads\":[%s]}]",
             REST);
    zero_table_case("IH 1:3 + ablate rest", j, 1, z_ih);
    zero_table_case("perfect copy 1:3", "[{\"type\":\"perfect_copy\",\"head\":\"1:3\"}]", 2,
                    z_copy);
    snprintf(j, sizeof j,
             "[{\"type\":\"perfect_prev_token_input\"},"
             "{\"type\":\"ablate_heads\",\"heads\":[%s]}]",
             REST);
    zero_table_case("perfect_prev_token_input + ablate rest", j, 2, z_ppti);
    zero_table_case("perfect_prev_token_input + perfect copy 1:3",
                    "[{\"type\":\"perfect_prev_token_input\"},"
                    "{\"type\":\"perfect_copy\",\"head\":\"1:3\"}]",
                    2, z_ppti_copy);
    zero_table_case("graft_in till 0",
                    "[{\"type\":\"graft_in\",\"checkpoint\":\"x\",\"till_layer\":0}]", 2,
                    z_graft_in);
    zero_table_case("graft_out from 0",
                    "[{\"type\":\"graft_out\",\"checkpoint\":\"x\",\"from_layer\":0}]", 2,
                    z_graft_out);
}

/* ---- graft through a checkpoint file equals the in-memory frozen model ---- */
static void test_graft_checkpoint(void)
{
    const char *path = "clamp_graft_tmp.ckpt";
    const char *json =
        "[{\"type\":\"graft_out\",\"checkpoint\":\"clamp_graft_tmp.ckpt\",\"from_layer\":0}]";
    Ctx c;
    ClampPlan *from_file = NULL;
    ClampConfig cc;
    CHECK_OK(ctx_open(&c, json));
    if (!c.plan)
        goto done;
    CHECK_OK(checkpoint_write(path, c.frozen, 0, NULL, 0));
    CHECK_OK(clamp_config_parse(json, "test", &cc));
    CHECK_OK(clamp_plan_create(&cc, &c.cfg, MAX_B, R, &from_file));
    if (!from_file)
        goto done;
    float a = clamp_forward(c.plan, c.m, &c.batch);
    float b = clamp_forward(from_file, c.m, &c.batch);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    remove(path);
    ClampPlan *missing = NULL;
    CHECK_ERR(clamp_plan_create(&cc, &c.cfg, MAX_B, R, &missing), IH_ENOENT);
    CHECK(missing == NULL);
    /* a graft clamp without a frozen model, and a frozen model of another shape */
    CHECK_ERR(clamp_plan_create_frozen(&cc, &c.cfg, MAX_B, R, NULL, &missing), IH_ECONFIG);
    ModelConfig other = c.cfg;
    other.d_model = 16;
    Model *wrong = NULL;
    CHECK_OK(model_create(&other, &wrong));
    CHECK_ERR(clamp_plan_create_frozen(&cc, &c.cfg, MAX_B, R, wrong, &missing), IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "shape") != NULL);
    model_destroy(&wrong);
done:
    clamp_plan_destroy(&from_file);
    clamp_plan_destroy(&from_file); /* NULL-safe */
    ctx_close(&c);
}

static void test_describe(void)
{
    Ctx c;
    char buf[256];
    CHECK_OK(ctx_open(&c, "[{\"type\":\"perfect_copy\",\"head\":\"1:3\"}]"));
    if (c.plan)
        CHECK_STR_EQ(clamp_plan_describe(c.plan, buf, sizeof buf), "reference -> final*");
    ctx_close(&c);
    CHECK_OK(ctx_open(&c, "[{\"type\":\"graft_out\",\"checkpoint\":\"x\",\"from_layer\":0}]"));
    if (c.plan)
        CHECK_STR_EQ(clamp_plan_describe(c.plan, buf, sizeof buf), "final -> graft-out[frozen]*");
    ctx_close(&c);
}

int main(void)
{
    char j[512];
    test_no_clamps();
    grad_check("perfect_copy", "[{\"type\":\"perfect_copy\",\"head\":\"1:3\"}]", 2);
    grad_check("perfect_copy 0:5", "[{\"type\":\"perfect_copy\",\"head\":\"0:5\"}]", 2);
    grad_check("preserve patterns+values",
               "[{\"type\":\"preserve\",\"what\":[\"patterns\",\"values\"]}]", 2);
    grad_check("preserve all + ablate + IH",
               "[{\"type\":\"preserve\",\"what\":[\"patterns\",\"values\",\"queries\",\"keys\"]},"
               "{\"type\":\"ablate_heads\",\"heads\":[\"0:1\",\"1:2\"]},"
               "{\"type\":\"induction_pattern\",\"heads\":[\"1:3\"],\"strength\":0.8}]",
               2);
    grad_check("preserve queries+keys", "[{\"type\":\"preserve\",\"what\":[\"queries\",\"keys\"]}]",
               2);
    grad_check("head_temperature",
               "[{\"type\":\"head_temperature\",\"heads\":[\"1:3\",\"1:6\"],\"temperature\":2.5}]",
               2);
    grad_check("perfect_prev_token_input", "[{\"type\":\"perfect_prev_token_input\"}]", 2);
    grad_check(
        "perfect_prev_token_input + perfect_copy",
        "[{\"type\":\"perfect_prev_token_input\"},{\"type\":\"perfect_copy\",\"head\":\"1:3\"}]",
        2);
    snprintf(j, sizeof j,
             "[{\"type\":\"perfect_prev_token_input\"},{\"type\":\"ablate_heads\",\"heads\":[%s]}]",
             REST);
    grad_check("perfect_prev_token_input + ablate rest", j, 2);
    grad_check("graft_out from 0",
               "[{\"type\":\"graft_out\",\"checkpoint\":\"x\",\"from_layer\":0}]", 2);
    grad_check("graft_out from 1 + preserve values",
               "[{\"type\":\"graft_out\",\"checkpoint\":\"x\",\"from_layer\":1},"
               "{\"type\":\"preserve\",\"what\":[\"values\"]}]",
               3);
    grad_check("graft_in till 0 + PT 1:2",
               "[{\"type\":\"graft_in\",\"checkpoint\":\"x\",\"till_layer\":0},"
               "{\"type\":\"prev_token_pattern\",\"heads\":[\"1:2\"],\"strength\":0.7}]",
               2);
    grad_check("PT only_label + disallow + silence",
               "[{\"type\":\"prev_token_pattern\",\"heads\":[\"0:2\",\"0:4\"],\"only_label\":true},"
               "{\"type\":\"disallow_prev_token\",\"heads\":[\"0:1\",\"1:5\"]},"
               "{\"type\":\"silence_non_label\",\"heads\":[\"1:3\"]}]",
               1);
    grad_check("match_heads soft + hard",
               "[{\"type\":\"match_heads\",\"heads\":[\"1:3\"],\"temperature\":0.3},"
               "{\"type\":\"match_heads\",\"heads\":[\"1:4\"],\"temperature\":0}]",
               1);
    grad_check("ablate_embedding", "[{\"type\":\"ablate_embedding\"}]", 1);
    test_copy_repeated_label("perfect_copy, repeated label",
                             "[{\"type\":\"perfect_copy\",\"head\":\"1:3\"}]");
    test_copy_repeated_label("perfect_prev_token_input + perfect_copy, repeated label",
                             "[{\"type\":\"perfect_prev_token_input\"},"
                             "{\"type\":\"perfect_copy\",\"head\":\"1:3\"}]");
    test_zero_table();
    test_graft_checkpoint();
    test_describe();
    TEST_MAIN_END("test_clamp_grad");
}
