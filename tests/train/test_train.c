/* Training-run tests: the eval schedule of design 2.5, run-config parsing and validation,
 * checkpoint/resume bit-identity, divergence handling, and common random numbers across clamp
 * configurations. Runs use a small model and data so the whole file takes seconds. */
#include "harness.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST_COUNTS_DECLARE;

static void test_schedule(void)
{
    /* design 2.5: 1e6 sequences, eval every 5000, batch 32 -> 201 evals at 0, 5024, 10016, 15008,
     * 20000, ...; check by simulating the rule independently here. */
    CHECK_INT_EQ(train_eval_count(1000000, 5000, 32), 201);
    CHECK_INT_EQ(train_eval_count(600000, 1000, 32), 601);
    CHECK_INT_EQ(train_eval_count(300000, 1000, 32), 301);
    CHECK_INT_EQ(train_eval_count(0, 1000, 32), 1);

    RunConfig *cfg = calloc(1, sizeof *cfg);
    CHECK_OK(run_config_parse("{\"train_iters\": 20000, \"eval_every\": 5000, \"measure_every\": "
                              "0, \"data\": {\"source\": {\"type\": \"synthetic\", \"dim\": 16}, "
                              "\"eval_size\": 64, \"n_probe\": 8}, \"model\": {\"d_model\": 16, "
                              "\"n_heads\": 4}}",
                              "test", cfg));
    RunResult *r = NULL;
    CHECK_OK(train_result_create(cfg, &r));
    CHECK_OK(train_run(cfg, NULL, r));
    const long expect[] = {0, 5024, 10016, 15008, 20000};
    CHECK_INT_EQ(r->n_evals, 5);
    for (int e = 0; e < 5 && e < r->n_evals; e++)
        CHECK_INT_EQ(r->eval_seq[e], expect[e]);
    CHECK_INT_EQ(r->status, RUN_DONE);
    CHECK(isnan(r->train_loss[0]));
    CHECK(isfinite(r->train_loss[1]));
    run_result_destroy(&r);
    free(cfg);
}

static void test_config_errors(void)
{
    RunConfig *cfg = calloc(1, sizeof *cfg);
    CHECK_ERR(run_config_parse("{\"train_iterz\": 5}", "t.json", cfg), IH_ECONFIG);
    CHECK_STR_EQ(ih_error_message(), "train_iterz: unknown field; did you mean \"train_iters\"?");
    CHECK_ERR(run_config_parse("{\"model\": {\"pos\": \"alibi\"}}", "t.json", cfg), IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "model.pos") != NULL);
    CHECK_ERR(run_config_parse("{\"batch_size\": 0}", "t.json", cfg), IH_ECONFIG);
    CHECK_ERR(run_config_parse("{\"data\": {\"class_split\": [50, 50, 50]}}", "t.json", cfg),
              IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "data.class_split") != NULL);
    CHECK_ERR(run_config_parse("{\"init_seed\": 3,", "t.json", cfg), IH_EDATA);
    CHECK(strstr(ih_error_message(), "t.json:1:") != NULL);
    CHECK_OK(run_config_parse("{\"init_seed\": 0}", "t.json", cfg));
    CHECK_ERR(run_config_validate(cfg), IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "pairwise different") != NULL);
    CHECK_OK(run_config_parse("{\"model\": {\"n_labels\": 7}}", "t.json", cfg));
    CHECK_ERR(run_config_validate(cfg), IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "model.n_labels") != NULL);
    /* defaults are the paper's baseline (design 5.1) */
    CHECK_OK(run_config_parse("{}", "t.json", cfg));
    CHECK_OK(run_config_validate(cfg));
    CHECK_INT_EQ(cfg->train_iters, 1000000);
    CHECK_INT_EQ(cfg->eval_every, 5000);
    CHECK_INT_EQ(cfg->batch_size, 32);
    CHECK_INT_EQ(cfg->init_seed, 5);
    CHECK_INT_EQ(cfg->model.d_model, 64);
    CHECK_INT_EQ(cfg->model.input_dim, 512);
    CHECK_NEAR(cfg->adam.lr, 1e-5, 1e-12);
    CHECK_INT_EQ(cfg->data.class_split[0], 50);
    free(cfg);
}

static const char *small_run =
    "{\"train_iters\": %ld, \"eval_every\": 1000, \"ckpt_every\": 3000, \"data\": "
    "{\"source\": {\"type\": \"synthetic\", \"dim\": 24}, \"eval_size\": 100, \"n_probe\": 8, "
    "\"dense_subset\": 200}, \"model\": {\"d_model\": 16, \"n_heads\": 4}, "
    "\"optimizer\": {\"lr\": 0.001}%s}";

static void parse_small(RunConfig *cfg, long train_iters, const char *extra)
{
    char text[1024];
    snprintf(text, sizeof text, small_run, train_iters, extra);
    CHECK_OK(run_config_parse(text, "small", cfg));
}

typedef struct {
    volatile sig_atomic_t *stop;
    int stop_after;
} StopAfter;

static void stop_on_eval(void *ctx, const RunResult *r, int e)
{
    (void)r;
    StopAfter *s = ctx;
    if (e + 1 >= s->stop_after)
        *s->stop = 1;
}

static void test_resume_bit_identical(void)
{
    RunConfig *cfg = calloc(1, sizeof *cfg);
    parse_small(cfg, 12000, "");
    RunResult *whole = NULL, *parts = NULL;
    CHECK_OK(train_result_create(cfg, &whole));
    CHECK_OK(train_result_create(cfg, &parts));
    CHECK_OK(train_run(cfg, NULL, whole));
    CHECK_INT_EQ(whole->status, RUN_DONE);

    char path[64];
    snprintf(path, sizeof path, "resume-%d.ckpt", (int)getpid());
    remove(path);
    volatile sig_atomic_t stop = 0;
    /* stop twice (after evals 4 and 9), resuming each time */
    int stops = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        StopAfter sa = {&stop, attempt == 0 ? 4 : attempt == 1 ? 9 : 1000};
        stop = 0;
        TrainOptions opts = {
            .checkpoint_path = path, .stop = &stop, .observer = {&sa, stop_on_eval}};
        int rc = train_run(cfg, &opts, parts);
        if (rc == IH_ESTOP) {
            stops++;
            continue;
        }
        CHECK_OK(rc);
        break;
    }
    CHECK_INT_EQ(stops, 2);
    CHECK_INT_EQ(parts->status, RUN_DONE);
    CHECK_INT_EQ(parts->n_evals, whole->n_evals);
    CHECK(run_result_checksum(parts, RESULT_SCHEMA_VERSION) ==
          run_result_checksum(whole, RESULT_SCHEMA_VERSION));
    const float *a = run_result_metric_const(whole, 0, METRIC_LOSS);
    const float *b = run_result_metric_const(parts, 0, METRIC_LOSS);
    for (int e = 0; e < whole->n_evals; e++)
        if (memcmp(&a[e], &b[e], sizeof(float)) != 0) {
            CHECK_NEAR(b[e], a[e], 0.0);
            break;
        }
    /* a checkpoint of another configuration is refused, not silently used */
    RunConfig *other = calloc(1, sizeof *other);
    parse_small(other, 12000, ", \"init_seed\": 9");
    volatile sig_atomic_t stop_now = 1;
    TrainOptions opts = {.checkpoint_path = path, .stop = &stop_now};
    RunResult *tmp = NULL;
    CHECK_OK(train_result_create(other, &tmp));
    CHECK_ERR(train_run(cfg, &opts, tmp), IH_ESTOP); /* writes a checkpoint of cfg */
    run_result_destroy(&tmp);
    CHECK_OK(train_result_create(other, &tmp));
    CHECK_ERR(train_run(other, &opts, tmp), IH_EDATA);
    CHECK(strstr(ih_error_message(), "another run configuration") != NULL);
    remove(path);
    run_result_destroy(&tmp);
    run_result_destroy(&whole);
    run_result_destroy(&parts);
    free(cfg);
    free(other);
}

static void test_divergence(void)
{
    RunConfig *cfg = calloc(1, sizeof *cfg);
    parse_small(cfg, 4000, "");
    cfg->adam.lr = 1e30f;
    RunResult *r = NULL;
    CHECK_OK(train_result_create(cfg, &r));
    CHECK_OK(train_run(cfg, NULL, r));
    CHECK_INT_EQ(r->status, RUN_DIVERGED);
    CHECK(r->diverged_seq >= 0);
    CHECK(r->diverged_seq < 4000);
    run_result_destroy(&r);
    free(cfg);
}

/* final_model_path: a run that finishes saves its final model, which a graft_in clamp of another
 * run then reads; a diverged run saves nothing. */
static void test_final_model(void)
{
    RunConfig *cfg = calloc(1, sizeof *cfg), *graft = calloc(1, sizeof *graft);
    char path[64], extra[256];
    snprintf(path, sizeof path, "final-%d.ckpt", (int)getpid());
    remove(path);
    parse_small(cfg, 4000, "");
    TrainOptions opts = {.final_model_path = path};
    RunResult *r = NULL;
    CHECK_OK(train_result_create(cfg, &r));
    CHECK_OK(train_run(cfg, &opts, r));
    CHECK_INT_EQ(r->status, RUN_DONE);
    CHECK(access(path, F_OK) == 0);
    run_result_destroy(&r);
    snprintf(extra, sizeof extra,
             ", \"clamps\": [{\"type\": \"graft_in\", \"checkpoint\": \"%s\", \"till_layer\": 0}]",
             path);
    parse_small(graft, 4000, extra);
    CHECK_OK(train_result_create(graft, &r));
    CHECK_OK(train_run(graft, NULL, r));
    CHECK_INT_EQ(r->status, RUN_DONE);
    run_result_destroy(&r);
    remove(path);
    cfg->adam.lr = 1e30f;
    CHECK_OK(train_result_create(cfg, &r));
    CHECK_OK(train_run(cfg, &opts, r));
    CHECK_INT_EQ(r->status, RUN_DIVERGED);
    CHECK(access(path, F_OK) != 0);
    run_result_destroy(&r);
    free(cfg);
    free(graft);
}

static void test_common_random_numbers(void)
{
    /* Same data config and seeds, different clamps: identical eval at step 0 for the unclamped
     * parts (data and init are shared); and a clamped run differs later. */
    RunConfig *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    parse_small(a, 2000, "");
    parse_small(b, 2000,
                ", \"clamps\": [{\"type\": \"ablate_heads\", \"heads\": "
                "[\"1:0\", \"1:1\"]}]");
    RunResult *ra = NULL, *rb = NULL;
    CHECK_OK(train_result_create(a, &ra));
    CHECK_OK(train_result_create(b, &rb));
    CHECK_OK(train_run(a, NULL, ra));
    CHECK_OK(train_run(b, NULL, rb));
    /* clamped forward differs from the plain one at eval 0 (same init) */
    CHECK(run_result_metric(ra, 0, METRIC_LOSS)[0] != run_result_metric(rb, 0, METRIC_LOSS)[0]);
    /* deterministic: the same run twice gives the same bytes */
    RunResult *ra2 = NULL;
    CHECK_OK(train_result_create(a, &ra2));
    CHECK_OK(train_run(a, NULL, ra2));
    CHECK(run_result_checksum(ra, RESULT_SCHEMA_VERSION) ==
          run_result_checksum(ra2, RESULT_SCHEMA_VERSION));
    run_result_destroy(&ra);
    run_result_destroy(&ra2);
    run_result_destroy(&rb);
    free(a);
    free(b);
}

static uint64_t hash_of(const char *json)
{
    RunConfig *cfg = calloc(1, sizeof *cfg);
    CHECK_OK(run_config_parse(json, "hash", cfg));
    uint64_t h = run_config_hash(cfg);
    free(cfg);
    return h;
}

static void test_config_hash(void)
{
    /* Configurations that mean the same hash the same; different ones differ. */
    uint64_t base = hash_of("{\"name\": \"ab\"}");
    CHECK(base == hash_of("{\"name\": \"ab\", \"train_iters\": 1000000}"));
    CHECK(base == hash_of("{\"name\": \"ab\", \"optimizer\": {\"weight_decay\": -0.0}}"));
    CHECK(base != hash_of("{\"name\": \"ab\", \"init_seed\": 6}"));
    CHECK(base != hash_of("{\"name\": \"abc\"}"));
    /* symbolic heads resolved to the same literal heads hash like the literal config */
    RunConfig *sym = calloc(1, sizeof *sym), *lit = calloc(1, sizeof *lit);
    CHECK_OK(run_config_parse("{\"clamps\": [{\"type\": \"ablate_heads\", \"heads\": "
                              "[\"rest_ih\"]}]}",
                              "sym", sym));
    CHECK_OK(run_config_parse("{\"clamps\": [{\"type\": \"ablate_heads\", \"heads\": "
                              "[\"1:0\", \"1:1\", \"1:2\", \"1:4\", \"1:5\", \"1:6\", "
                              "\"1:7\"]}]}",
                              "lit", lit));
    ClampHeadBindings bind = {.strongest_ih = 3, .pt_head = 2};
    CHECK_OK(clamp_config_resolve(&sym->clamps, &bind, 8, 2));
    CHECK(run_config_hash(sym) == run_config_hash(lit));
    free(sym);
    free(lit);
}

static void test_clamp_progress(void)
{
    /* design 4.7 measures: finite at every eval with clamp_progress and known heads, two different
     * clamps giving different losses; NaN (not measured) when the heads are unknown. */
    RunConfig *cfg = calloc(1, sizeof *cfg);
    parse_small(cfg, 3000,
                ", \"clamp_progress\": true, \"progress_heads\": {\"strongest_ih\": 1, "
                "\"pt_head\": 2}");
    RunResult *r = NULL;
    CHECK_OK(train_result_create(cfg, &r));
    CHECK_OK(train_run(cfg, NULL, r));
    for (int e = 0; e < r->n_evals; e++) {
        CHECK(isfinite(r->loss_pt_attn_clamp[e]));
        CHECK(isfinite(r->loss_match_clamp[e]));
    }
    CHECK(r->loss_match_clamp[0] != r->loss_pt_attn_clamp[0]);
    run_result_destroy(&r);
    parse_small(cfg, 3000, ", \"clamp_progress\": true");
    CHECK_OK(train_result_create(cfg, &r));
    CHECK_OK(train_run(cfg, NULL, r));
    CHECK(isnan(r->loss_match_clamp[0])); /* no heads known: not measured */
    run_result_destroy(&r);
    CHECK_ERR(run_config_parse("{\"progress_heads\": {\"strongest\": 1}}", "t.json", cfg),
              IH_ECONFIG);
    CHECK_STR_EQ(ih_error_message(), "progress_heads.strongest: unknown field; did you mean \"strongest_ih\"?");
    free(cfg);
}

static void test_posthoc_wiring(void)
{
    /* Fig 11 wiring: every (j, i) accuracy measured, a probability, only with posthoc_wiring;
     * the post-hoc head measures are always there. */
    RunConfig *cfg = calloc(1, sizeof *cfg);
    parse_small(cfg, 2000, ", \"posthoc_wiring\": true");
    RunResult *r = NULL;
    CHECK_OK(train_result_create(cfg, &r));
    CHECK_OK(train_run(cfg, NULL, r));
    const int H = r->n_heads;
    int bad = 0;
    const float *w[4] = {r->wiring_remove_pp_acc, r->wiring_remove_pv_acc, r->wiring_only_pp_acc,
                         r->wiring_only_pv_acc};
    for (int k = 0; k < 4; k++)
        for (int x = 0; x < H * H; x++)
            bad += !(w[k][x] >= 0.0f && w[k][x] <= 1.0f);
    CHECK_INT_EQ(bad, 0);
    for (int h = 0; h < H; h++)
        CHECK(r->only_head_acc[h] >= 0.0f && r->only_head_acc[h] <= 1.0f);
    run_result_destroy(&r);
    parse_small(cfg, 2000, "");
    CHECK_OK(train_result_create(cfg, &r));
    CHECK_OK(train_run(cfg, NULL, r));
    CHECK(isnan(r->wiring_only_pv_acc[0]));
    CHECK(isfinite(r->only_head_acc[0]));
    run_result_destroy(&r);
    free(cfg);
}

/* Largest difference |a - b| / (1 + |a|) over n values; NaN where exactly one side is NaN. */
static double max_rel_diff(const float *a, const float *b, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(b[i])) {
            if (isnan(a[i]) != isnan(b[i]))
                return NAN;
            continue;
        }
        double d = fabs((double)a[i] - (double)b[i]) / (1.0 + fabs((double)a[i]));
        worst = d > worst ? d : worst;
    }
    return worst;
}

static void fast_eval_case(const char *model, const char *extra)
{
    /* The forward-only evaluation (blocks of 128, distinct rows projected once per block, last
     * block and logits at the query only, both layer ablations from one dense pass) against the
     * general clamped forward in batches of 32 with one plan per ablation, on the same run (evals
     * do not touch training, so both runs see the same models). Both compute every value with
     * the same kernels in the same order; only the matrix products cover other row sets, which
     * can change OpenBLAS's blocking of a dot product (at most 512 terms of O(1) values): a few
     * float32 ulps on a logit, averaged over the sets. 2e-5 relative leaves room for that and
     * fails on any real difference (a wrong row, bias or position moves these by > 1e-3). */
    char text[1024];
    snprintf(text, sizeof text,
             "{\"train_iters\": 2000, \"eval_every\": 1000, \"data\": {\"source\": "
             "{\"type\": \"synthetic\", \"dim\": 24}, \"eval_size\": 300, \"n_probe\": 40, "
             "\"dense_subset\": 300}, \"model\": {%s}, \"optimizer\": {\"lr\": 0.003}%s}",
             model, extra);
    RunConfig *cfg = calloc(1, sizeof *cfg);
    CHECK_OK(run_config_parse(text, "fast_eval", cfg));
    RunResult *fast = NULL, *ref = NULL;
    CHECK_OK(train_result_create(cfg, &fast));
    CHECK_OK(train_result_create(cfg, &ref));
    CHECK_OK(train_run(cfg, NULL, fast));
    TrainOptions opts = {.reference_eval = 1};
    CHECK_OK(train_run(cfg, &opts, ref));
    CHECK_INT_EQ(fast->n_evals, ref->n_evals);
    const size_t E = (size_t)ref->n_evals, H = (size_t)ref->n_heads;
    CHECK(memcmp(fast->train_loss, ref->train_loss, E * sizeof(float)) == 0);
    for (int i = 0; i < ref->n_evaluators; i++)
        for (int m = 0; m < METRIC_COUNT; m++)
            CHECK_NEAR(max_rel_diff(run_result_metric_const(ref, i, (Metric)m),
                                    run_result_metric_const(fast, i, (Metric)m), E),
                       0.0, 2e-5);
    CHECK_NEAR(max_rel_diff(ref->probe_logits, fast->probe_logits,
                            E * (size_t)ref->n_probe * (size_t)ref->n_labels),
               0.0, 2e-5);
    CHECK_NEAR(max_rel_diff(ref->induction_strength, fast->induction_strength, E * H), 0.0, 2e-5);
    CHECK_NEAR(max_rel_diff(ref->prev_token_score, fast->prev_token_score, E * H), 0.0, 2e-5);
    CHECK_NEAR(max_rel_diff(ref->loss_no_l0_direct, fast->loss_no_l0_direct, E), 0.0, 2e-5);
    CHECK_NEAR(max_rel_diff(ref->loss_no_last_layer, fast->loss_no_last_layer, E), 0.0, 2e-5);
    CHECK(isfinite(fast->loss_no_l0_direct[E - 1]) && isfinite(fast->loss_no_last_layer[E - 1]));
    CHECK(isfinite(fast->induction_strength[(E - 1) * H]));
    /* the measures see the model: the ablations differ from the plain loss and each other */
    CHECK(fast->loss_no_l0_direct[E - 1] != fast->loss_no_last_layer[E - 1]);
    run_result_destroy(&fast);
    run_result_destroy(&ref);
    free(cfg);
}

static void test_fast_eval_matches_reference(void)
{
    fast_eval_case("\"d_model\": 16, \"n_heads\": 4", "");
    fast_eval_case("\"d_model\": 16, \"n_heads\": 2, \"depth\": 3, \"pos\": \"ape\", "
                   "\"proj_bias\": true, \"qkv_bias\": true",
                   "");
    fast_eval_case("\"d_model\": 16, \"n_heads\": 4, \"layer_norm\": false, \"mlp_ratio\": 2",
                   "");
    /* a clamped run: sets through the clamped forward, ablations of the bare model still fast */
    fast_eval_case("\"d_model\": 16, \"n_heads\": 4",
                   ", \"clamps\": [{\"type\": \"ablate_heads\", \"heads\": [\"1:0\"]}]");
}

/* The array of r that a fixture line names, and its length; NULL if unknown. */
static const float *fixture_array(const RunResult *r, const char *name, size_t *n)
{
    static const char *const evaluators[] = {"fsl_train", "fsl_val_rl", "fsl_train_valex",
                                             "fsl_test_class"};
    const size_t E = (size_t)r->n_evals, H = (size_t)r->n_heads;
    for (int i = 0; i < 4 && i < r->n_evaluators; i++)
        for (int m = 0; m < METRIC_COUNT; m++) {
            char full[96];
            snprintf(full, sizeof full, "%s/%s", evaluators[i], metric_name((Metric)m));
            if (strcmp(full, name) == 0) {
                *n = E;
                return run_result_metric_const(r, i, (Metric)m);
            }
        }
    struct {
        const char *name;
        const float *v;
        size_t n;
    } other[] = {{"induction_strength", r->induction_strength, E * H},
                 {"prev_token_score", r->prev_token_score, E * H},
                 {"loss_no_l0_direct", r->loss_no_l0_direct, E},
                 {"loss_no_last_layer", r->loss_no_last_layer, E},
                 {"probe_logits", r->probe_logits, E * (size_t)r->n_probe * (size_t)r->n_labels}};
    for (size_t k = 0; k < sizeof other / sizeof other[0]; k++)
        if (strcmp(other[k].name, name) == 0) {
            *n = other[k].n;
            return other[k].v;
        }
    return NULL;
}

static void test_eval_matches_previous_code(void)
{
    /* The eval curves of a short paper-model run (100 Adam steps at lr 1e-3, 5 evals of every
     * evaluator, probe and progress measure) against those the code before the forward-only
     * evaluation and the query-only training step wrote (fixtures/eval_before.txt). The new code
     * sums some reductions in another order (layer-norm lanes, split products), so the models
     * differ by float32 rounding carried through 100 steps: measured 1.2e-7 on losses and 2e-6 on
     * logits of size 4. Continuous values must agree within 1e-5 (1 + |ref|); accuracies, counts
     * over 200 sequences, within one sequence whose argmax a rounding could flip (0.0075).
     * A wrong row, position, bias or ablation moves these by 1e-3 or more. */
    const char *dir = getenv("IHSWEEP_TEST_DATA");
    char path[1024], *text = NULL;
    RunConfig *cfg = calloc(1, sizeof *cfg);
    RunResult *r = NULL;
    FILE *f = NULL;
    if (!dir || !cfg) {
        CHECK(0);
        goto done;
    }
    snprintf(path, sizeof path, "%s/fixtures/eval_run.json", dir);
    f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        goto done;
    text = calloc(4096, 1);
    size_t len = text ? fread(text, 1, 4095, f) : 0;
    fclose(f);
    CHECK(len > 0);
    CHECK_OK(run_config_parse(text, path, cfg));
    CHECK_OK(train_result_create(cfg, &r));
    if (!r)
        goto done;
    CHECK_OK(train_run(cfg, NULL, r));
    snprintf(path, sizeof path, "%s/fixtures/eval_before.txt", dir);
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        goto done;
    char name[96];
    int arrays = 0, c;
    while ((c = fgetc(f)) != EOF) {
        if (c == '#') {
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        ungetc(c, f);
        if (fscanf(f, "%95s", name) != 1)
            break;
        size_t n = 0;
        const float *v = fixture_array(r, name, &n);
        CHECK(v != NULL);
        if (!v)
            break;
        int is_acc = strstr(name, "acc") != NULL, bad = 0;
        double worst = 0.0, worst_ref = 0.0, worst_c = 0.0;
        for (size_t i = 0; i < n; i++) {
            double ref;
            if (fscanf(f, "%lf", &ref) != 1) {
                bad = 1;
                break;
            }
            double tol = is_acc ? 0.0075 : 1e-5 * (1.0 + fabs(ref));
            double err = fabs((double)v[i] - ref);
            if (!(err <= tol) && !(isnan(ref) && isnan(v[i]))) {
                bad = 1;
                worst = err;
                worst_ref = ref;
                worst_c = v[i];
            }
        }
        if (bad)
            fprintf(stderr, "eval fixture: %s: C %.9g ref %.9g err %.3g\n", name, worst_c,
                    worst_ref, worst);
        CHECK(!bad);
        arrays++;
    }
    fclose(f);
    CHECK_INT_EQ(arrays, 4 * METRIC_COUNT + 5);
done:
    run_result_destroy(&r);
    free(text);
    free(cfg);
}

int main(void)
{
    test_eval_matches_previous_code();
    test_fast_eval_matches_reference();
    test_posthoc_wiring();
    test_clamp_progress();
    test_config_hash();
    test_schedule();
    test_config_errors();
    test_resume_bit_identical();
    test_divergence();
    test_final_model();
    test_common_random_numbers();
    TEST_MAIN_END("test_train");
}
