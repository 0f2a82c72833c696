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
    /* forward-only evaluation (evaluate.c): blocks of TRAIN_EVAL_BLOCK sequences; eval_acts is
     * NULL when every eval goes through the run's clamped forward */
    DataBatch *eval_batch;
    ModelActs *eval_acts;
    float *abl_logits; /* [2, TRAIN_EVAL_BLOCK, L] query logits of the two layer ablations */
    int fast_sets;     /* evaluators, probe, dense patterns by the forward-only pass (no clamps) */
    int fast_ablations; /* layer ablations from the same pass (mlp_ratio 0, depth >= 2) */
    int fsl_train;    /* evaluator whose loss times the phase change */
    /* progress of the loop (saved in checkpoints) */
    long step;        /* optimizer steps done */
    int next_eval;    /* index of the next scheduled eval point */
    int next_ckpt;    /* index of the next scheduled checkpoint point */
    double loss_sum;  /* train loss and gradient norm since the previous eval */
    double gnorm_sum;
    long n_since_eval;
} TrainState;

/* Sequences per forward-only evaluation block: large enough that the products are
 * compute-bound and the distinct exemplar rows are projected once per block, small enough that
 * its activations (about 37 KB a sequence for the paper model) keep a run's memory small. */
enum { TRAIN_EVAL_BLOCK = 128 };

/* Creates s->eval_batch, s->eval_acts, s->abl_logits and sets the fast_* flags (nothing when
 * reference is non-zero). Errors: IH_ENOMEM. Free with train__evaluate_destroy. */
int train__evaluate_create(TrainState *s, int reference);
void train__evaluate_destroy(TrainState *s);

/* Runs every evaluator, the probe set and (when due) the progress measures at sequences seen
 * `seq`, recording eval number result->n_evals and incrementing it. Errors: IH_ENOMEM (the
 * layer-ablation measures build their clamp plans). */
int train__evaluate(TrainState *s, long seq);

/* Dense-set loss without the first layer's direct path and without the last layer (design 4.6),
 * into eval e of the result. Errors: IH_ENOMEM. (measures.c) */
int train__measure_layer_ablations(TrainState *s, int e);

/* Clamp-based progress measures of design 4.7 (pt_attn_clamp, match_clamp) with the run's
 * progress_heads, into eval e; nothing unless clamp_progress and both heads are known.
 * Errors: IH_ENOMEM, IH_ECONFIG. */
int train__measure_clamp_progress(TrainState *s, int e);

/* Post-hoc measures of the final model (design 4.5): only-head / remove-head accuracy and loss of
 * every last-layer head on the dense set, composition scores. Errors: IH_ENOMEM. */
int train__measure_posthoc(TrainState *s);

/* Serialises the loop position and the result so far into a checkpoint state block (owned *out,
 * free()); restores them. Errors: IH_ENOMEM; restore: IH_EDATA (size mismatch). */
int train__state_save(const TrainState *s, void **out, size_t *size);
int train__state_restore(TrainState *s, const void *buf, size_t size);

#endif
