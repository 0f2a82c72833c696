/* Evaluation at one point of the schedule: every evaluator's metrics (design 4.1), the probe set's
 * query logits, and the progress measures (induction strength 4.2, previous-token score 4.3, the
 * layer ablations 4.6) on the dense set. Clamped runs report the clamped model (design 2.5) and go
 * through the run's clamped forward in training-sized batches. Unclamped runs use the forward-only
 * pass (model_forward_query) over blocks of TRAIN_EVAL_BLOCK sequences, and one dense pass there
 * gives the patterns and both layer ablations (with mlp_ratio 0), which the clamped path takes
 * three plans and four passes for. */
#include "train/internal.h"

#include "ihsweep/error.h"
#include "ihsweep/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int train__evaluate_create(TrainState *s, int reference)
{
    int rc = 0;
    const ModelConfig *mc = &s->cfg->model;
    s->fast_sets = !reference && s->cfg->clamps.n == 0;
    s->fast_ablations = !reference && mc->mlp_ratio == 0 && mc->depth >= 2;
    if (!s->fast_sets && !s->fast_ablations)
        return 0;
    IH_TRY(data_batch_create(s->data, TRAIN_EVAL_BLOCK, &s->eval_batch));
    IH_TRY(model_acts_create(mc, TRAIN_EVAL_BLOCK, s->eval_batch->max_rows, &s->eval_acts));
    IH_ALLOC(s->abl_logits, (size_t)2 * TRAIN_EVAL_BLOCK * mc->n_labels);
cleanup:
    return rc;
}

void train__evaluate_destroy(TrainState *s)
{
    data_batch_destroy(&s->eval_batch);
    model_acts_destroy(&s->eval_acts);
    free(s->abl_logits);
    s->abl_logits = NULL;
}

/* Forward-only metrics of an evaluator set (unclamped runs). */
static void evaluate_set_fast(TrainState *s, int evaluator, int e)
{
    const int L = s->cfg->model.n_labels, P = s->cfg->model.context_pairs;
    const int n = data_eval_size(s->data, evaluator);
    DataBatch *batch = s->eval_batch;
    double sums[METRIC_COUNT] = {0};
    for (int first = 0; first < n; first += TRAIN_EVAL_BLOCK) {
        data_eval_batch(s->data, evaluator, first, TRAIN_EVAL_BLOCK, batch);
        model_forward_query(s->model, &batch->model, s->eval_acts, NULL, NULL);
        metrics_query(model_acts_query_logits(s->eval_acts), L, batch->labels, batch->targets,
                      batch->B, P, L, NULL, sums);
    }
    for (int m = 0; m < METRIC_COUNT; m++)
        run_result_metric(s->result, evaluator, (Metric)m)[e] = (float)(sums[m] / n);
}

static void evaluate_probe_fast(TrainState *s, int e)
{
    RunResult *r = s->result;
    const int L = r->n_labels, n = r->n_probe;
    DataBatch *batch = s->eval_batch;
    for (int first = 0; first < n; first += TRAIN_EVAL_BLOCK) {
        data_probe_batch(s->data, first, TRAIN_EVAL_BLOCK, batch);
        model_forward_query(s->model, &batch->model, s->eval_acts, NULL, NULL);
        float *dst = r->probe_logits + ((size_t)e * n + first) * L;
        memcpy(dst, model_acts_query_logits(s->eval_acts), (size_t)batch->B * L * sizeof(float));
    }
}

/* One forward-only pass over the dense set: induction strength and previous-token score (when
 * fast_sets) and the two layer-ablation losses (when fast_ablations). */
static void evaluate_dense_fast(TrainState *s, int e)
{
    const ModelConfig *mc = &s->cfg->model;
    const int H = mc->n_heads, T = model_tokens(mc), L = mc->n_labels, P = mc->context_pairs;
    const long n = data_dense_size(s->data);
    DataBatch *batch = s->eval_batch;
    float *no_l0 = s->fast_ablations ? s->abl_logits : NULL;
    float *no_last = s->fast_ablations ? s->abl_logits + (size_t)TRAIN_EVAL_BLOCK * L : NULL;
    double is_sums[64] = {0}, pt_sums[64] = {0}, l0_sums[METRIC_COUNT] = {0};
    double last_sums[METRIC_COUNT] = {0};
    long is_count = 0, pt_count = 0;
    for (long first = 0; first < n; first += TRAIN_EVAL_BLOCK) {
        data_dense_batch(s->data, first, TRAIN_EVAL_BLOCK, batch);
        model_forward_query(s->model, &batch->model, s->eval_acts, no_l0, no_last);
        if (s->fast_sets) {
            const float *attn_last = model_acts_site(s->eval_acts, MODEL_SITE_ATTN, mc->depth - 1);
            const float *attn_first = model_acts_site(s->eval_acts, MODEL_SITE_ATTN, 0);
            is_count +=
                metrics_induction_strength(attn_last, batch->match, batch->B, H, T, is_sums);
            pt_count += metrics_prev_token_score(attn_first, batch->B, H, T, 1, pt_sums);
        }
        if (s->fast_ablations) {
            metrics_query(no_l0, L, batch->labels, batch->targets, batch->B, P, L, NULL, l0_sums);
            metrics_query(no_last, L, batch->labels, batch->targets, batch->B, P, L, NULL,
                          last_sums);
        }
    }
    for (int h = 0; h < H && s->fast_sets; h++) {
        s->result->induction_strength[(size_t)e * H + h] =
            is_count ? (float)(is_sums[h] / (double)is_count) : NAN;
        s->result->prev_token_score[(size_t)e * H + h] =
            pt_count ? (float)(pt_sums[h] / (double)pt_count) : NAN;
    }
    if (s->fast_ablations && n > 0) {
        s->result->loss_no_l0_direct[e] = (float)(l0_sums[METRIC_LOSS] / (double)n);
        s->result->loss_no_last_layer[e] = (float)(last_sums[METRIC_LOSS] / (double)n);
    }
}

static void evaluate_set(TrainState *s, int evaluator, int e)
{
    const int L = s->cfg->model.n_labels, P = s->cfg->model.context_pairs;
    const int n = data_eval_size(s->data, evaluator), chunk = s->batch->capacity;
    double sums[METRIC_COUNT] = {0};
    for (int first = 0; first < n; first += chunk) {
        data_eval_batch(s->data, evaluator, first, chunk, s->batch);
        clamp_forward(s->plan, s->model, &s->batch->model);
        const float *logits = model_acts_query_logits(clamp_output_acts(s->plan));
        metrics_query(logits, L, s->batch->labels, s->batch->targets, s->batch->B, P, L, NULL,
                      sums);
    }
    for (int m = 0; m < METRIC_COUNT; m++)
        run_result_metric(s->result, evaluator, (Metric)m)[e] = (float)(sums[m] / n);
}

static void evaluate_probe(TrainState *s, int e)
{
    RunResult *r = s->result;
    const int L = r->n_labels, n = r->n_probe, chunk = s->batch->capacity;
    for (int first = 0; first < n; first += chunk) {
        data_probe_batch(s->data, first, chunk, s->batch);
        clamp_forward(s->plan, s->model, &s->batch->model);
        const float *logits = model_acts_query_logits(clamp_output_acts(s->plan));
        float *dst = r->probe_logits + ((size_t)e * n + first) * L;
        memcpy(dst, logits, (size_t)s->batch->B * L * sizeof(float));
    }
}

static void evaluate_measures(TrainState *s, int e)
{
    const ModelConfig *mc = &s->cfg->model;
    const int H = mc->n_heads, T = model_tokens(mc), chunk = s->batch->capacity;
    const long n = data_dense_size(s->data);
    double is_sums[64] = {0}, pt_sums[64] = {0};
    long is_count = 0, pt_count = 0;
    for (long first = 0; first < n; first += chunk) {
        data_dense_batch(s->data, first, chunk, s->batch);
        clamp_forward(s->plan, s->model, &s->batch->model);
        ModelActs *acts = clamp_output_acts(s->plan);
        const float *attn_last = model_acts_site(acts, MODEL_SITE_ATTN, mc->depth - 1);
        const float *attn_first = model_acts_site(acts, MODEL_SITE_ATTN, 0);
        is_count += metrics_induction_strength(attn_last, s->batch->match, s->batch->B, H, T,
                                               is_sums);
        pt_count += metrics_prev_token_score(attn_first, s->batch->B, H, T, 1, pt_sums);
    }
    for (int h = 0; h < H; h++) {
        s->result->induction_strength[(size_t)e * H + h] =
            is_count ? (float)(is_sums[h] / (double)is_count) : NAN;
        s->result->prev_token_score[(size_t)e * H + h] =
            pt_count ? (float)(pt_sums[h] / (double)pt_count) : NAN;
    }
}

int train__evaluate(TrainState *s, long seq)
{
    int rc = 0;
    RunResult *r = s->result;
    const int e = r->n_evals;
    r->eval_seq[e] = seq;
    for (int i = 0; i < r->n_evaluators; i++) {
        if (s->fast_sets)
            evaluate_set_fast(s, i, e);
        else
            evaluate_set(s, i, e);
    }
    if (r->n_probe > 0) {
        if (s->fast_sets)
            evaluate_probe_fast(s, e);
        else
            evaluate_probe(s, e);
    }
    const int every = s->cfg->measure_every;
    const int is_final = seq >= s->cfg->train_iters;
    if (every > 0 && (e % every == 0 || is_final) && r->n_heads <= 64) {
        if (s->fast_sets || s->fast_ablations)
            evaluate_dense_fast(s, e);
        if (!s->fast_sets)
            evaluate_measures(s, e);
        if (!s->fast_ablations)
            IH_TRY(train__measure_layer_ablations(s, e));
        IH_TRY(train__measure_clamp_progress(s, e));
    }
    r->train_loss[e] = s->n_since_eval ? (float)(s->loss_sum / (double)s->n_since_eval) : NAN;
    r->grad_norm[e] = s->n_since_eval ? (float)(s->gnorm_sum / (double)s->n_since_eval) : NAN;
    s->loss_sum = s->gnorm_sum = 0;
    s->n_since_eval = 0;
    r->n_evals = e + 1;
cleanup:
    return rc;
}
