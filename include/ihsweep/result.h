/* What one training run produces: its emergence curves, phase-change timing and status.
 *
 * A RunResult is plain data (no MPI, no HDF5): train/ fills it, io/ stores it as one row of a
 * results file, analysis/ reads it back. All arrays are owned by the RunResult and allocated by
 * run_result_create at their final size (evals beyond n_evals hold NaN / -1).
 */
#ifndef IHSWEEP_RESULT_H
#define IHSWEEP_RESULT_H

#include <stdint.h>

typedef enum { RUN_PENDING = 0, RUN_DONE = 1, RUN_DIVERGED = 2, RUN_FAILED = 3 } RunStatus;

/* Per-sequence eval metrics of spec 4.1, in this order everywhere (files, tables, tests). */
typedef enum {
    METRIC_LOSS = 0,
    METRIC_ACC,
    METRIC_IN_CONTEXT_ACC,
    METRIC_OUT_CONTEXT_ACC,
    METRIC_PROB,
    METRIC_IN_CONTEXT_PROB,
    METRIC_OUT_CONTEXT_PROB,
    METRIC_USE_CONTEXT_PROB,
    METRIC_COUNT
} Metric;

/* Name of metric m as stored in files ("loss", "in_context_acc", ...). Static string. */
const char *metric_name(Metric m);

/* Phase-change timing (spec 4.4), in sequences seen. NaN when undefined. */
typedef struct {
    double t_star;     /* first eval with mean fsl_train loss < 0.4 ln 2; last eval if never */
    int crossed;       /* 1 if the 0.4 ln 2 threshold was crossed */
    double t_09;       /* first crossing of 0.9 ln 2 (NaN if never) */
    double t_05;       /* first crossing of 0.5 ln 2 (NaN if never) */
    double t_steepest; /* eval of steepest descent of smoothed loss vs log(sequences) */
} PhaseTiming;

typedef struct {
    int max_evals;    /* capacity of every [eval] axis */
    int n_evals;      /* evals recorded so far */
    int n_evaluators; /* evaluators, in the run config's order (fsl_train first in the paper) */
    int n_heads;      /* heads per layer (H) */
    int n_probe;      /* probe sequences whose query logits are kept (0: none) */
    int n_labels;     /* L */

    int64_t *eval_seq;        /* [max_evals] sequences seen at each eval (-1 unused) */
    float *metrics;           /* [n_evaluators][METRIC_COUNT][max_evals] means over the eval set */
    float *train_loss;        /* [max_evals] mean train loss of the steps since the previous eval */
    float *grad_norm;         /* [max_evals] mean gradient norm of those steps */
    float *induction_strength; /* [max_evals][n_heads] last layer, spec 4.2 */
    float *prev_token_score;   /* [max_evals][n_heads] first layer, label positions, spec 4.3 */
    float *probe_logits;       /* [max_evals][n_probe][n_labels] query logits on the probe set */
    float *loss_no_l0_direct;  /* [max_evals] dense-set loss without the first layer's direct path
                                  to the output (its heads ablated, patterns and values of the
                                  later layers preserved; spec 4.6) */
    float *loss_no_last_layer; /* [max_evals] dense-set loss with every last-layer head ablated */
    float *loss_pt_attn_clamp; /* [max_evals] dense-set loss with the previous-token pattern on
                                  pt_head and every last-layer head but strongest_ih ablated
                                  (spec 4.7 "pt_attn_clamp"; NaN unless clamp_progress) */
    float *loss_match_clamp;   /* [max_evals] the induction pattern on strongest_ih, the other
                                  last-layer heads ablated (spec 4.7 "match_clamp") */

    /* Post-hoc measures of the final model on the dense set (spec 4.5) */
    float *only_head_acc, *only_head_loss;     /* [n_heads] only last-layer head h active */
    float *remove_head_acc, *remove_head_loss; /* [n_heads] last-layer head h ablated */
    /* Wiring of Fig 11 (posthoc_wiring runs): accuracy with only last-layer head i active and
     * first-layer head j removed / kept alone, with the later layers' patterns (pp: V-composition
     * path cut) or values (pv: K/Q-composition path cut) preserved. [n_heads j][n_heads i] */
    float *wiring_remove_pp_acc, *wiring_remove_pv_acc, *wiring_only_pp_acc, *wiring_only_pv_acc;
    float *composition_q, *composition_k, *composition_v; /* [n_heads j][n_heads i]: first-layer
                                  head j -> last-layer head i composition scores */

    PhaseTiming timing;
    RunStatus status;
    int64_t diverged_seq; /* sequences seen when the run diverged (-1 if it did not) */
    int strongest_ih;     /* last-layer head with the highest final induction strength */
    int pt_head;          /* first-layer head with the highest final label-position PT score */
    double wall_seconds;  /* training time (not part of the checksum) */
} RunResult;

/* Allocates a result with every array at its final size, filled with NaN (-1 for eval_seq).
 * Returns owned *out. Errors: IH_ENOMEM, IH_ECONFIG (non-positive sizes). Local. */
int run_result_create(int max_evals, int n_evaluators, int n_heads, int n_probe, int n_labels,
                      RunResult **out);

/* Frees r and sets *r = NULL. NULL-safe. */
void run_result_destroy(RunResult **r);

/* Pointer to the curve of (evaluator, metric): max_evals floats. Borrowed. */
float *run_result_metric(RunResult *r, int evaluator, Metric m);
const float *run_result_metric_const(const RunResult *r, int evaluator, Metric m);

/* 64-bit FNV-1a checksum over every stored value of the result except wall_seconds (the row
 * checksum of results files). */
uint64_t run_result_checksum(const RunResult *r);

#endif
