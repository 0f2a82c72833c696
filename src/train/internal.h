/* Internals of src/train/: the state of a run in progress (what a checkpoint holds besides the
 * model) and the evaluation helpers. */
#ifndef IHSWEEP_TRAIN_INTERNAL_H
#define IHSWEEP_TRAIN_INTERNAL_H

#include "ihsweep/train.h"

#include <stddef.h>

/* Everything a run needs between steps. */
typedef struct {
    const RunConfig *cfg;
    Data *data;
    Model *model;
    ClampPlan *plan;
    DataBatch *batch; /* training and evaluation batches (capacity batch_size) */
    RunResult *result;
    int fsl_train;    /* evaluator whose loss times the phase change */
    /* progress of the loop (saved in checkpoints) */
    long step;        /* optimizer steps done */
    int next_eval;    /* index of the next scheduled eval point */
    int next_ckpt;    /* index of the next scheduled checkpoint point */
    double loss_sum;  /* train loss and gradient norm since the previous eval */
    double gnorm_sum;
    long n_since_eval;
} TrainState;

/* Runs every evaluator, the probe set and (when due) the progress measures at sequences seen
 * `seq`, recording eval number result->n_evals and incrementing it. Errors: IH_ENOMEM (the
 * layer-ablation measures build their clamp plans). */
int train__evaluate(TrainState *s, long seq);

/* Dense-set loss without the first layer's direct path and without the last layer (spec 4.6),
 * into eval e of the result. Errors: IH_ENOMEM. (measures.c) */
int train__measure_layer_ablations(TrainState *s, int e);

/* Clamp-based progress measures of spec 4.7 (pt_attn_clamp, match_clamp) with the run's
 * progress_heads, into eval e; nothing unless clamp_progress and both heads are known.
 * Errors: IH_ENOMEM, IH_ECONFIG. */
int train__measure_clamp_progress(TrainState *s, int e);

/* Post-hoc measures of the final model (spec 4.5): only-head / remove-head accuracy and loss of
 * every last-layer head on the dense set, composition scores. Errors: IH_ENOMEM. */
int train__measure_posthoc(TrainState *s);

/* Serialises the loop position and the result so far into a checkpoint state block (owned *out,
 * free()); restores them. Errors: IH_ENOMEM; restore: IH_EDATA (size mismatch). */
int train__state_save(const TrainState *s, void **out, size_t *size);
int train__state_restore(TrainState *s, const void *buf, size_t size);

#endif
