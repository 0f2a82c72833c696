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

/* |ref| at and above which a reference value is the clamp constant, compared exactly */
static const double RTOL = 1e-4, ATOL = 1e-6, SENTINEL = 1e8;

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
    const FixtureTolerance tol = {RTOL, ATOL, NULL, SENTINEL};
    fixture_compare(&test_counts, k->fx, k->name, entry, c, n, &tol);
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
    IH_TRY(fixture_model_config(k.fx, &k.cfg));
    IH_TRY(fixture_model_batch(k.fx, name, &k.cfg, &k.batch));
    IH_TRY(read_clamps(&k));
    IH_TRY(model_create(&k.cfg, &k.m));
    CHECK_INT_EQ(fixture_load_params(k.fx, name, k.m, "param."), 0);
    if (fixture_find(k.fx, "frozen.wx")) {
        IH_TRY(model_create(&k.cfg, &k.frozen));
        CHECK_INT_EQ(fixture_load_params(k.fx, name, k.frozen, "frozen."), 0);
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
    const FixtureTolerance tol = {RTOL, ATOL, NULL, SENTINEL};
    fixture_compare_tensors(&test_counts, k.fx, name, k.m, "grad.", model_grads(k.m), &tol);
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
    if (fixture_dir(argc, argv, "../reference/fixtures", dir, (int)sizeof dir) != 0) {
        fprintf(stderr, "usage: test_clamp_reference FIXTURE_DIR (or set IHSWEEP_TEST_DATA)\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
        run_case(dir, CASES[i]);
    TEST_MAIN_END("test_clamp_reference");
}
