/* RunResult allocation, metric names and the row checksum (see result.h). */
#include "ihsweep/result.h"

#include "ihsweep/error.h"
#include "ihsweep/hash.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const metric_names[METRIC_COUNT] = {
    "loss", "acc", "in_context_acc", "out_context_acc",
    "prob", "in_context_prob", "out_context_prob", "use_context_prob"};

const char *metric_name(Metric m)
{
    return (m >= 0 && m < METRIC_COUNT) ? metric_names[m] : "?";
}

static void fill_nan(float *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = NAN;
}

int run_result_create(int max_evals, int n_evaluators, int n_heads, int n_probe, int n_labels,
                      RunResult **out)
{
    int rc = 0;
    RunResult *r = NULL;
    *out = NULL;
    if (max_evals < 1 || n_evaluators < 1 || n_heads < 1 || n_probe < 0 || n_labels < 1)
        IH_FAIL(IH_ECONFIG, "run result sizes must be positive (evals %d, evaluators %d, heads "
                            "%d, probe %d, labels %d)",
                max_evals, n_evaluators, n_heads, n_probe, n_labels);
    IH_ALLOC(r, 1);
    r->max_evals = max_evals;
    r->n_evaluators = n_evaluators;
    r->n_heads = n_heads;
    r->n_probe = n_probe;
    r->n_labels = n_labels;
    size_t E = (size_t)max_evals;
    IH_ALLOC(r->eval_seq, E);
    IH_ALLOC(r->metrics, (size_t)n_evaluators * METRIC_COUNT * E);
    IH_ALLOC(r->train_loss, E);
    IH_ALLOC(r->grad_norm, E);
    IH_ALLOC(r->induction_strength, E * (size_t)n_heads);
    IH_ALLOC(r->prev_token_score, E * (size_t)n_heads);
    IH_ALLOC(r->probe_logits, E * (size_t)(n_probe ? n_probe : 1) * (size_t)n_labels);
    IH_ALLOC(r->loss_no_l0_direct, E);
    IH_ALLOC(r->loss_no_last_layer, E);
    IH_ALLOC(r->loss_pt_attn_clamp, E);
    IH_ALLOC(r->loss_match_clamp, E);
    const size_t H = (size_t)n_heads;
    IH_ALLOC(r->only_head_acc, H);
    IH_ALLOC(r->only_head_loss, H);
    IH_ALLOC(r->remove_head_acc, H);
    IH_ALLOC(r->remove_head_loss, H);
    IH_ALLOC(r->composition_q, H * H);
    IH_ALLOC(r->composition_k, H * H);
    IH_ALLOC(r->composition_v, H * H);
    IH_ALLOC(r->wiring_remove_pp_acc, H * H);
    IH_ALLOC(r->wiring_remove_pv_acc, H * H);
    IH_ALLOC(r->wiring_only_pp_acc, H * H);
    IH_ALLOC(r->wiring_only_pv_acc, H * H);
    fill_nan(r->loss_no_l0_direct, E);
    fill_nan(r->loss_no_last_layer, E);
    fill_nan(r->loss_pt_attn_clamp, E);
    fill_nan(r->loss_match_clamp, E);
    float *per_head[] = {r->only_head_acc, r->only_head_loss, r->remove_head_acc,
                         r->remove_head_loss};
    for (int i = 0; i < 4; i++)
        fill_nan(per_head[i], H);
    fill_nan(r->composition_q, H * H);
    fill_nan(r->composition_k, H * H);
    fill_nan(r->composition_v, H * H);
    fill_nan(r->wiring_remove_pp_acc, H * H);
    fill_nan(r->wiring_remove_pv_acc, H * H);
    fill_nan(r->wiring_only_pp_acc, H * H);
    fill_nan(r->wiring_only_pv_acc, H * H);
    for (size_t i = 0; i < E; i++)
        r->eval_seq[i] = -1;
    fill_nan(r->metrics, (size_t)n_evaluators * METRIC_COUNT * E);
    fill_nan(r->train_loss, E);
    fill_nan(r->grad_norm, E);
    fill_nan(r->induction_strength, E * (size_t)n_heads);
    fill_nan(r->prev_token_score, E * (size_t)n_heads);
    fill_nan(r->probe_logits, E * (size_t)(n_probe ? n_probe : 1) * (size_t)n_labels);
    r->timing.t_star = r->timing.t_09 = r->timing.t_05 = r->timing.t_steepest = NAN;
    r->status = RUN_PENDING;
    r->diverged_seq = -1;
    r->strongest_ih = -1;
    r->pt_head = -1;
    *out = r;
    r = NULL;
cleanup:
    run_result_destroy(&r);
    return rc;
}

void run_result_destroy(RunResult **r)
{
    if (!r || !*r)
        return;
    RunResult *x = *r;
    free(x->eval_seq);
    free(x->metrics);
    free(x->train_loss);
    free(x->grad_norm);
    free(x->induction_strength);
    free(x->prev_token_score);
    free(x->probe_logits);
    free(x->loss_no_l0_direct);
    free(x->loss_no_last_layer);
    free(x->loss_pt_attn_clamp);
    free(x->loss_match_clamp);
    free(x->only_head_acc);
    free(x->only_head_loss);
    free(x->remove_head_acc);
    free(x->remove_head_loss);
    free(x->composition_q);
    free(x->composition_k);
    free(x->composition_v);
    free(x->wiring_remove_pp_acc);
    free(x->wiring_remove_pv_acc);
    free(x->wiring_only_pp_acc);
    free(x->wiring_only_pv_acc);
    free(x);
    *r = NULL;
}

float *run_result_metric(RunResult *r, int evaluator, Metric m)
{
    return r->metrics + ((size_t)evaluator * METRIC_COUNT + (size_t)m) * (size_t)r->max_evals;
}

const float *run_result_metric_const(const RunResult *r, int evaluator, Metric m)
{
    return r->metrics + ((size_t)evaluator * METRIC_COUNT + (size_t)m) * (size_t)r->max_evals;
}

uint64_t run_result_checksum(const RunResult *r)
{
    uint64_t h = IH_FNV1A_OFFSET;
    size_t E = (size_t)r->max_evals, H = (size_t)r->n_heads;
    int32_t dims[6] = {r->max_evals, r->n_evals, r->n_evaluators, r->n_heads, r->n_probe,
                       r->n_labels};
    h = ih_fnv1a(h, dims, sizeof dims);
    h = ih_fnv1a(h, r->eval_seq, E * sizeof *r->eval_seq);
    h = ih_fnv1a(h, r->metrics, (size_t)r->n_evaluators * METRIC_COUNT * E * sizeof(float));
    h = ih_fnv1a(h, r->train_loss, E * sizeof(float));
    h = ih_fnv1a(h, r->grad_norm, E * sizeof(float));
    h = ih_fnv1a(h, r->induction_strength, E * H * sizeof(float));
    h = ih_fnv1a(h, r->prev_token_score, E * H * sizeof(float));
    h = ih_fnv1a(h, r->probe_logits,
              E * (size_t)(r->n_probe ? r->n_probe : 1) * (size_t)r->n_labels * sizeof(float));
    h = ih_fnv1a(h, r->loss_no_l0_direct, E * sizeof(float));
    h = ih_fnv1a(h, r->loss_no_last_layer, E * sizeof(float));
    h = ih_fnv1a(h, r->loss_pt_attn_clamp, E * sizeof(float));
    h = ih_fnv1a(h, r->loss_match_clamp, E * sizeof(float));
    const float *per_head[] = {r->only_head_acc, r->only_head_loss, r->remove_head_acc,
                               r->remove_head_loss};
    for (int i = 0; i < 4; i++)
        h = ih_fnv1a(h, per_head[i], H * sizeof(float));
    h = ih_fnv1a(h, r->composition_q, H * H * sizeof(float));
    h = ih_fnv1a(h, r->composition_k, H * H * sizeof(float));
    h = ih_fnv1a(h, r->composition_v, H * H * sizeof(float));
    h = ih_fnv1a(h, r->wiring_remove_pp_acc, H * H * sizeof(float));
    h = ih_fnv1a(h, r->wiring_remove_pv_acc, H * H * sizeof(float));
    h = ih_fnv1a(h, r->wiring_only_pp_acc, H * H * sizeof(float));
    h = ih_fnv1a(h, r->wiring_only_pv_acc, H * H * sizeof(float));
    double t[4] = {r->timing.t_star, r->timing.t_09, r->timing.t_05, r->timing.t_steepest};
    h = ih_fnv1a(h, t, sizeof t);
    int32_t s[4] = {r->timing.crossed, (int32_t)r->status, r->strongest_ih, r->pt_head};
    h = ih_fnv1a(h, s, sizeof s);
    h = ih_fnv1a(h, &r->diverged_seq, sizeof r->diverged_seq);
    return h;
}
