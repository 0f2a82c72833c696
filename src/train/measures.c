/* Progress and post-hoc measures that evaluate the model under extra clamps on the dense set
 * (design 4.5, 4.6): the loss without the first layer's direct path and without the last layer at
 * each measured eval, and only-head / remove-head accuracy and loss plus composition scores of the
 * final model. They measure the bare model: the run's own clamps are not applied (they could
 * conflict with these ablations; for the paper these measures concern unclamped runs). The extra
 * plans are built per measurement and freed after it: at eval time, never in the training step. */
#include "train/internal.h"

#include "ihsweep/error.h"
#include "ihsweep/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void clamps_ablate_layer(ClampSpec *spec, int layer, int n_heads, int except)
{
    memset(spec, 0, sizeof *spec);
    spec->type = CLAMP_ABLATE_HEADS;
    for (int h = 0; h < n_heads; h++) {
        if (h == except)
            continue;
        spec->heads[spec->n_heads].symbol = CLAMP_HEAD_LITERAL;
        spec->heads[spec->n_heads].layer = layer;
        spec->heads[spec->n_heads].head = h;
        spec->n_heads++;
    }
}

/* Mean loss and accuracy of the model under cc over the dense set. */
static int dense_loss_acc(TrainState *s, const ClampConfig *cc, float *loss, float *acc)
{
    int rc = 0;
    ClampPlan *plan = NULL;
    const ModelConfig *mc = &s->cfg->model;
    const int chunk = s->batch->capacity;
    const long n = data_dense_size(s->data);
    double sums[METRIC_COUNT] = {0};
    IH_TRY(clamp_plan_create(cc, mc, chunk, s->batch->max_rows, &plan));
    for (long first = 0; first < n; first += chunk) {
        data_dense_batch(s->data, first, chunk, s->batch);
        clamp_forward(plan, s->model, &s->batch->model);
        metrics_query(model_acts_query_logits(clamp_output_acts(plan)), mc->n_labels,
                      s->batch->labels, s->batch->targets, s->batch->B, mc->context_pairs,
                      mc->n_labels, NULL, sums);
    }
    *loss = n ? (float)(sums[METRIC_LOSS] / (double)n) : NAN;
    *acc = n ? (float)(sums[METRIC_ACC] / (double)n) : NAN;
cleanup:
    clamp_plan_destroy(&plan);
    return rc;
}

int train__measure_layer_ablations(TrainState *s, int e)
{
    int rc = 0;
    const ModelConfig *mc = &s->cfg->model;
    ClampConfig *cc = NULL;
    float acc;
    if (mc->depth < 2 || data_dense_size(s->data) == 0)
        return 0;
    IH_ALLOC(cc, 1);
    cc->n = 2;
    cc->items[0].type = CLAMP_PRESERVE;
    cc->items[0].preserve = CLAMP_PRESERVE_PATTERNS | CLAMP_PRESERVE_VALUES;
    clamps_ablate_layer(&cc->items[1], 0, mc->n_heads, -1);
    IH_TRY(dense_loss_acc(s, cc, &s->result->loss_no_l0_direct[e], &acc));
    cc->n = 1;
    clamps_ablate_layer(&cc->items[0], mc->depth - 1, mc->n_heads, -1);
    IH_TRY(dense_loss_acc(s, cc, &s->result->loss_no_last_layer[e], &acc));
cleanup:
    free(cc);
    return rc;
}

int train__measure_clamp_progress(TrainState *s, int e)
{
    int rc = 0;
    const RunConfig *cfg = s->cfg;
    const ModelConfig *mc = &cfg->model;
    const int ih = cfg->progress_heads.strongest_ih, pt = cfg->progress_heads.pt_head;
    ClampConfig *cc = NULL;
    float acc;
    if (!cfg->clamp_progress || ih < 0 || pt < 0 || mc->depth < 2 || data_dense_size(s->data) == 0)
        return 0;
    IH_ALLOC(cc, 1);
    cc->n = 2;
    clamps_ablate_layer(&cc->items[1], mc->depth - 1, mc->n_heads, ih);
    cc->items[0].type = CLAMP_PREV_TOKEN_PATTERN;
    cc->items[0].strength = 1.0f;
    cc->items[0].n_heads = 1;
    cc->items[0].heads[0] = (ClampHeadRef){CLAMP_HEAD_LITERAL, 0, pt};
    IH_TRY(dense_loss_acc(s, cc, &s->result->loss_pt_attn_clamp[e], &acc));
    memset(&cc->items[0], 0, sizeof cc->items[0]);
    cc->items[0].type = CLAMP_INDUCTION_PATTERN;
    cc->items[0].strength = 1.0f;
    cc->items[0].n_heads = 1;
    cc->items[0].heads[0] = (ClampHeadRef){CLAMP_HEAD_LITERAL, mc->depth - 1, ih};
    IH_TRY(dense_loss_acc(s, cc, &s->result->loss_match_clamp[e], &acc));
cleanup:
    free(cc);
    return rc;
}

/* Fig 11 wiring (design 4.5): for every last-layer head i (the others ablated) and first-layer head
 * j: remove j or keep only j, with the later layers' patterns (pp) or values (pv) preserved from
 * the unablated pass. Accuracy on the dense set into r->wiring_*[j * H + i]. */
static int measure_wiring(TrainState *s, ClampConfig *cc)
{
    int rc = 0;
    const ModelConfig *mc = &s->cfg->model;
    const int H = mc->n_heads, last = mc->depth - 1;
    RunResult *r = s->result;
    float *out[2][2] = {{r->wiring_remove_pp_acc, r->wiring_remove_pv_acc},
                        {r->wiring_only_pp_acc, r->wiring_only_pv_acc}};
    float loss;
    for (int i = 0; i < H; i++) {
        for (int j = 0; j < H; j++) {
            for (int only = 0; only < 2; only++) {
                for (int pv = 0; pv < 2; pv++) {
                    ClampSpec *spec = cc->items;
                    memset(spec, 0, sizeof *spec);
                    spec->type = CLAMP_PRESERVE;
                    spec->preserve = pv ? CLAMP_PRESERVE_VALUES : CLAMP_PRESERVE_PATTERNS;
                    spec++;
                    if (H > 1)
                        clamps_ablate_layer(spec++, last, H, i); /* only head i left */
                    if (only && H > 1) {
                        clamps_ablate_layer(spec++, 0, H, j); /* first layer: only j */
                    } else if (!only) {
                        memset(spec, 0, sizeof *spec); /* first layer: remove j */
                        spec->type = CLAMP_ABLATE_HEADS;
                        spec->n_heads = 1;
                        spec->heads[0] = (ClampHeadRef){CLAMP_HEAD_LITERAL, 0, j};
                        spec++;
                    }
                    cc->n = (int)(spec - cc->items);
                    IH_TRY(dense_loss_acc(s, cc, &loss, &out[only][pv][j * H + i]));
                }
            }
        }
    }
cleanup:
    return rc;
}

int train__measure_posthoc(TrainState *s)
{
    int rc = 0;
    const ModelConfig *mc = &s->cfg->model;
    const int H = mc->n_heads, last = mc->depth - 1;
    RunResult *r = s->result;
    ClampConfig *cc = NULL;
    double *scores = NULL;
    if (data_dense_size(s->data) > 0) {
        IH_ALLOC(cc, 1);
        cc->n = 1;
        for (int h = 0; h < H; h++) {
            clamps_ablate_layer(&cc->items[0], last, H, h); /* all but h */
            if (cc->items[0].n_heads > 0)
                IH_TRY(dense_loss_acc(s, cc, &r->only_head_loss[h], &r->only_head_acc[h]));
            memset(&cc->items[0], 0, sizeof cc->items[0]);
            cc->items[0].type = CLAMP_ABLATE_HEADS;
            cc->items[0].n_heads = 1;
            cc->items[0].heads[0] = (ClampHeadRef){CLAMP_HEAD_LITERAL, last, h};
            IH_TRY(dense_loss_acc(s, cc, &r->remove_head_loss[h], &r->remove_head_acc[h]));
        }
    }
    if (s->cfg->posthoc_wiring && mc->depth >= 2 && cc)
        IH_TRY(measure_wiring(s, cc));
    if (mc->depth >= 2) {
        const ModelTensor *wo = model_tensor_find(s->model, "l0.wo");
        char name[32];
        snprintf(name, sizeof name, "l%d.wqkv", last);
        const ModelTensor *wqkv = model_tensor_find(s->model, name);
        const float *p = model_params_const(s->model);
        IH_ALLOC(scores, (size_t)3 * H * H);
        metrics_composition_scores(p + wo->offset, p + wqkv->offset, mc->d_model, H, scores);
        float *dst[3] = {r->composition_q, r->composition_k, r->composition_v};
        for (int x = 0; x < 3; x++)
            for (int i = 0; i < H * H; i++)
                dst[x][i] = (float)scores[(size_t)x * H * H + i];
    }
cleanup:
    free(cc);
    free(scores);
    return rc;
}
