/* The clamp engine against the PyTorch twin's clamp fixtures (tests/reference/fixtures/clamp_*.bin,
 * semantics in fixtures/CLAMPS.txt): for every case, the clamped loss, the query logits of the
 * output, the attention patterns and residual streams of the trained model's final pass, and every
 * parameter gradient through all passes.
 *
 * Usage: test_clamp_reference [FIXTURE_DIR]   (default $IHSWEEP_TEST_DATA/../reference/fixtures)
 *
 * Tolerance as in tests/reference/test_model_reference.c: |c - ref| <= 1e-4 max|ref| + 1e-6 per
 * tensor (float32 against the float64 answer). The clamp constant -1e9 (perfect-copy logits of
 * labels not in context) must match exactly and is left out of max|ref|, so that it does not
 * loosen the tolerance of the real logits. The fixtures' graft clamps carry no checkpoint path (the
 * frozen parameters are in the fixture): the test adds a placeholder path and passes the frozen
 * model to clamp_plan_create_frozen.
 */
#include "harness.h"

#include "ihsweep/clamp.h"
#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/model.h"
#include "reference/fixture.h"

#include <stdlib.h>
#include <string.h>

TEST_COUNTS_DECLARE;

enum { MAX_PRINT = 5 };
static const double RTOL = 1e-4, ATOL = 1e-6;

static const char *const CASES[] = {"ablate_heads",
                                    "prev_token_pattern",
                                    "prev_token_pattern_only_label",
                                    "induction_pattern",
                                    "induction_pattern_s07",
                                    "perfect_copy",
                                    "preserve_all",
                                    "preserve_patterns",
                                    "preserve_values_ablate",
                                    "preserve_patterns_induction",
                                    "head_temperature",
                                    "disallow_prev_token",
                                    "disallow_prev_token_only_label",
                                    "silence_non_label",
                                    "match_heads",
                                    "match_heads_hard",
                                    "ablate_embedding",
                                    "graft_in",
                                    "graft_out",
                                    "perfect_prev_token_input",
                                    "run10_ablate_rest",
                                    "run11_pt_ablate_rest",
                                    "run12_l1_ablate_rest",
                                    "run13_match_ablate_rest",
                                    "run15_l1_and_copy"};

typedef struct {
    const char *name;
    Fixture *fx;
    ModelConfig cfg;
    ModelBatch batch;
    Model *m, *frozen;
    ClampConfig clamps;
    ClampPlan *plan;
} Case;

/* Elementwise comparison of c[n] with fixture entry `entry` (see the file comment). */
static void compare(const Case *k, const char *entry, const float *c, size_t n)
{
    const FixtureEntry *e = fixture_find(k->fx, entry);
    if (!e || e->dtype != FIXTURE_F32 || e->count != n) {
        test_counts.failed++;
        fprintf(stderr, "%s: %s: reference missing or has %zu elements, C has %zu\n", k->name,
                entry, e ? e->count : 0, n);
        return;
    }
    const float *ref = e->data;
    double maxref = 0, worst = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(ref[i]) < 1e8)
            maxref = fmax(maxref, fabs(ref[i]));
    double tol = RTOL * maxref + ATOL;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)c[i] - ref[i]);
        int ok = fabs(ref[i]) >= 1e8 ? c[i] == ref[i] : err <= tol;
        if (!ok) {
            if (bad < MAX_PRINT)
                fprintf(stderr, "%s: %s[%zu]: C %.9g ref %.9g err %.3g > tol %.3g\n", k->name,
                        entry, i, c[i], ref[i], err, tol);
            bad++;
        } else if (fabs(ref[i]) < 1e8) {
            worst = fmax(worst, err / tol);
        }
    }
    if (bad) {
        test_counts.failed++;
        fprintf(stderr, "%s: %s: %zu of %zu elements out of tolerance (max|ref| %.3g)\n", k->name,
                entry, bad, n, maxref);
    } else {
        test_counts.passed++;
        if (worst > 0.1)
            printf("  %s: %s within tolerance but at %.0f%% of it\n", k->name, entry, 100 * worst);
    }
}

static int read_config(Case *k)
{
    int rc = 0, pos;
    ModelConfig *c = &k->cfg;
    const Fixture *f = k->fx;
    IH_TRY(fixture_scalar_i32(f, "cfg.input_dim", &c->input_dim));
    IH_TRY(fixture_scalar_i32(f, "cfg.d_model", &c->d_model));
    IH_TRY(fixture_scalar_i32(f, "cfg.n_heads", &c->n_heads));
    IH_TRY(fixture_scalar_i32(f, "cfg.depth", &c->depth));
    IH_TRY(fixture_scalar_i32(f, "cfg.n_labels", &c->n_labels));
    IH_TRY(fixture_scalar_i32(f, "cfg.context_pairs", &c->context_pairs));
    IH_TRY(fixture_scalar_i32(f, "cfg.pos", &pos));
    c->pos = (ModelPos)pos;
    IH_TRY(fixture_scalar_f32(f, "cfg.pos_base", &c->pos_base));
    IH_TRY(fixture_scalar_i32(f, "cfg.max_positions", &c->max_positions));
    IH_TRY(fixture_scalar_i32(f, "cfg.layer_norm", &c->layer_norm));
    IH_TRY(fixture_scalar_i32(f, "cfg.qkv_bias", &c->qkv_bias));
    IH_TRY(fixture_scalar_i32(f, "cfg.proj_bias", &c->proj_bias));
    IH_TRY(fixture_scalar_i32(f, "cfg.mlp_ratio", &c->mlp_ratio));
    IH_TRY(fixture_scalar_f32(f, "cfg.init_rescale", &c->init_rescale));
cleanup:
    return rc;
}

static int read_batch(Case *k)
{
    int rc = 0;
    const FixtureEntry *rows = fixture_find(k->fx, "batch.rows");
    const FixtureEntry *ex = fixture_find(k->fx, "batch.example_row");
    if (!rows || !ex || rows->ndim != 2 || ex->ndim != 2)
        IH_FAIL(IH_EDATA, "%s: batch.rows / batch.example_row missing", k->name);
    k->batch.B = ex->dims[0];
    k->batch.R = rows->dims[0];
    IH_TRY(fixture_f32(k->fx, "batch.rows", &k->batch.exemplar_rows, NULL));
    IH_TRY(fixture_i32(k->fx, "batch.example_row", &k->batch.example_row, NULL));
    IH_TRY(fixture_i32(k->fx, "batch.labels", &k->batch.labels, NULL));
    IH_TRY(fixture_i32(k->fx, "batch.targets", &k->batch.targets, NULL));
cleanup:
    return rc;
}

/* Copies every "<prefix><name>" entry into m's tensor of that name; returns the tensors missing. */
static int load_params(const Case *k, Model *m, const char *prefix)
{
    int n_tensors, missing = 0;
    const ModelTensor *t = model_tensors(m, &n_tensors);
    char name[96];
    for (int i = 0; i < n_tensors; i++) {
        if (t[i].size == 0)
            continue;
        snprintf(name, sizeof name, "%s%s", prefix, t[i].name);
        const FixtureEntry *e = fixture_find(k->fx, name);
        if (!e || e->dtype != FIXTURE_F32 || e->count != t[i].size) {
            fprintf(stderr, "%s: %s missing or of another size\n", k->name, name);
            missing++;
            continue;
        }
        memcpy(model_params(m) + t[i].offset, e->data, t[i].size * sizeof(float));
    }
    return missing;
}

/* The fixture's clamp list, with a placeholder checkpoint path added to graft clamps. */
static int read_clamps(Case *k)
{
    int rc = 0;
    const unsigned char *text = NULL;
    size_t n = 0;
    char *json = NULL;
    IH_TRY(fixture_u8(k->fx, "clamps.json", &text, &n));
    IH_ALLOC(json, 2 * n + 256);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        json[o++] = (char)text[i];
        static const char *const grafts[] = {"\"graft_in\"", "\"graft_out\""};
        for (int g = 0; g < 2; g++) {
            size_t len = strlen(grafts[g]);
            if (o >= len && memcmp(json + o - len, grafts[g], len) == 0)
                o += (size_t)sprintf(json + o, ",\"checkpoint\":\"(fixture frozen.*)\"");
        }
    }
    json[o] = '\0';
    IH_TRY(clamp_config_parse(json, k->name, &k->clamps));
cleanup:
    free(json);
    return rc;
}

static void run_case(const char *dir, const char *name)
{
    int rc = 0, failed_before = test_counts.failed;
    char path[4096];
    Case k = {.name = name};
    snprintf(path, sizeof path, "%s/clamp_%s.bin", dir, name);
    IH_TRY(fixture_load(path, &k.fx));
    IH_TRY(read_config(&k));
    IH_TRY(read_batch(&k));
    IH_TRY(read_clamps(&k));
    IH_TRY(model_create(&k.cfg, &k.m));
    CHECK_INT_EQ(load_params(&k, k.m, "param."), 0);
    if (fixture_find(k.fx, "frozen.wx")) {
        IH_TRY(model_create(&k.cfg, &k.frozen));
        CHECK_INT_EQ(load_params(&k, k.frozen, "frozen."), 0);
    }
    IH_TRY(clamp_plan_create_frozen(&k.clamps, &k.cfg, k.batch.B, k.batch.R, k.frozen, &k.plan));

    float loss = clamp_forward(k.plan, k.m, &k.batch);
    ModelActs *out = clamp_output_acts(k.plan);
    const int B = k.batch.B, T = model_tokens(&k.cfg), C = k.cfg.d_model, H = k.cfg.n_heads;
    compare(&k, "out.loss", &loss, 1);
    compare(&k, "out.query_logits", model_acts_query_logits(out), (size_t)B * k.cfg.n_labels);
    /* the final pass's patterns and streams; with graft_out the output pass shows them up to
     * from_layer (above it, the frozen model's layers run) */
    int top = k.cfg.depth - 1;
    for (int i = 0; i < k.clamps.n; i++)
        if (k.clamps.items[i].type == CLAMP_GRAFT_OUT)
            top = k.clamps.items[i].layer;
    for (int l = 0; l <= top; l++) {
        char entry[64];
        snprintf(entry, sizeof entry, "act.l%d.attn", l);
        compare(&k, entry, model_acts_site(out, MODEL_SITE_ATTN, l), (size_t)B * H * T * T);
        snprintf(entry, sizeof entry, "act.l%d.block_out", l);
        compare(&k, entry, model_acts_site(out, MODEL_SITE_BLOCK_OUT, l), (size_t)B * T * C);
    }

    model_zero_grad(k.m);
    clamp_backward(k.plan, k.m, &k.batch);
    int n_tensors;
    const ModelTensor *t = model_tensors(k.m, &n_tensors);
    for (int i = 0; i < n_tensors; i++) {
        if (t[i].size == 0)
            continue;
        char entry[64];
        snprintf(entry, sizeof entry, "grad.%s", t[i].name);
        compare(&k, entry, model_grads(k.m) + t[i].offset, t[i].size);
    }
    printf("%-32s passes %d, loss %.6f: %s\n", name, clamp_plan_passes(k.plan), (double)loss,
           test_counts.failed == failed_before ? "ok" : "FAILED");
cleanup:
    if (rc) {
        test_counts.failed++;
        fprintf(stderr, "%s: %s\n", name, ih_error_message());
    }
    clamp_plan_destroy(&k.plan);
    model_destroy(&k.frozen);
    model_destroy(&k.m);
    fixture_destroy(&k.fx);
}

int main(int argc, char **argv)
{
    char dir[2048];
    if (argc > 1) {
        snprintf(dir, sizeof dir, "%s", argv[1]);
    } else {
        const char *data = getenv("IHSWEEP_TEST_DATA");
        if (!data) {
            fprintf(stderr, "usage: test_clamp_reference FIXTURE_DIR (or set IHSWEEP_TEST_DATA)\n");
            return 2;
        }
        snprintf(dir, sizeof dir, "%s/../reference/fixtures", data);
    }
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
        run_case(dir, CASES[i]);
    TEST_MAIN_END("test_clamp_reference");
}
