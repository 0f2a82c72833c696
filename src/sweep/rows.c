/* A run's RunResult in the results file's dims: runs of one sweep may differ in their number of
 * evals, labels and probe sequences, while the file has one size per axis; the row is the run's
 * values padded with the fill values run_result_create leaves (NaN, -1). Also the row of a run
 * that could not start, and of a simulated run. Plain copies; no MPI, no HDF5.
 */
#include "sweep/internal.h"

#include <math.h>
#include <string.h>

void sweep__result_pad(const RunResult *r, RunResult *p)
{
    const int E = r->max_evals, H = r->n_heads;
    p->n_evals = r->n_evals;
    memcpy(p->eval_seq, r->eval_seq, (size_t)E * sizeof *p->eval_seq);
    for (int e = 0; e < r->n_evaluators; e++)
        for (int m = 0; m < METRIC_COUNT; m++)
            memcpy(run_result_metric(p, e, (Metric)m), run_result_metric_const(r, e, (Metric)m),
                   (size_t)E * sizeof(float));
    memcpy(p->train_loss, r->train_loss, (size_t)E * sizeof(float));
    memcpy(p->grad_norm, r->grad_norm, (size_t)E * sizeof(float));
    memcpy(p->induction_strength, r->induction_strength, (size_t)E * H * sizeof(float));
    memcpy(p->prev_token_score, r->prev_token_score, (size_t)E * H * sizeof(float));
    memcpy(p->loss_no_l0_direct, r->loss_no_l0_direct, (size_t)E * sizeof(float));
    memcpy(p->loss_no_last_layer, r->loss_no_last_layer, (size_t)E * sizeof(float));
    memcpy(p->loss_pt_attn_clamp, r->loss_pt_attn_clamp, (size_t)E * sizeof(float));
    memcpy(p->loss_match_clamp, r->loss_match_clamp, (size_t)E * sizeof(float));
    memcpy(p->only_head_acc, r->only_head_acc, (size_t)H * sizeof(float));
    memcpy(p->only_head_loss, r->only_head_loss, (size_t)H * sizeof(float));
    memcpy(p->remove_head_acc, r->remove_head_acc, (size_t)H * sizeof(float));
    memcpy(p->remove_head_loss, r->remove_head_loss, (size_t)H * sizeof(float));
    memcpy(p->composition_q, r->composition_q, (size_t)H * H * sizeof(float));
    memcpy(p->composition_k, r->composition_k, (size_t)H * H * sizeof(float));
    memcpy(p->composition_v, r->composition_v, (size_t)H * H * sizeof(float));
    memcpy(p->wiring_remove_pp_acc, r->wiring_remove_pp_acc, (size_t)H * H * sizeof(float));
    memcpy(p->wiring_remove_pv_acc, r->wiring_remove_pv_acc, (size_t)H * H * sizeof(float));
    memcpy(p->wiring_only_pp_acc, r->wiring_only_pp_acc, (size_t)H * H * sizeof(float));
    memcpy(p->wiring_only_pv_acc, r->wiring_only_pv_acc, (size_t)H * H * sizeof(float));
    if (r->n_probe > 0 && p->n_probe > 0)
        for (int e = 0; e < E; e++)
            for (int k = 0; k < r->n_probe; k++)
                memcpy(p->probe_logits + ((size_t)e * p->n_probe + k) * p->n_labels,
                       r->probe_logits + ((size_t)e * r->n_probe + k) * r->n_labels,
                       (size_t)r->n_labels * sizeof(float));
    p->timing = r->timing;
    p->status = r->status;
    p->diverged_seq = r->diverged_seq;
    p->strongest_ih = r->strongest_ih;
    p->pt_head = r->pt_head;
    p->wall_seconds = r->wall_seconds;
}

void sweep__result_failed(RunResult *p)
{
    p->status = RUN_FAILED;
    p->n_evals = 0;
    p->wall_seconds = 0;
}

void sweep__result_simulated(const SweepRun *run, int n_heads, double seconds, RunResult *p)
{
    p->status = RUN_DONE;
    p->n_evals = 0;
    p->timing.t_star = NAN;
    p->timing.crossed = 0;
    p->strongest_ih = (int)(run->hash % (uint64_t)n_heads);
    p->pt_head = (int)((run->hash >> 32) % (uint64_t)n_heads);
    p->wall_seconds = seconds;
}
