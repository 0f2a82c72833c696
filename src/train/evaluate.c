/* Evaluation at one point of the schedule: every evaluator's metrics (spec 4.1), the probe set's
 * query logits, and the progress measures (induction strength 4.2, previous-token score 4.3) on
 * the dense set. Everything goes through the run's clamped forward, as in the reference (spec 2.5:
 * clamped runs report the clamped model). */
#include "train/internal.h"

#include "ihsweep/error.h"
#include "ihsweep/metrics.h"

#include <math.h>
#include <string.h>

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
    for (int i = 0; i < r->n_evaluators; i++)
        evaluate_set(s, i, e);
    if (r->n_probe > 0)
        evaluate_probe(s, e);
    const int every = s->cfg->measure_every;
    const int is_final = seq >= s->cfg->train_iters;
    if (every > 0 && (e % every == 0 || is_final) && r->n_heads <= 64) {
        evaluate_measures(s, e);
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
