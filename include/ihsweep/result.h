/* What one training run produces: its emergence curves, phase-change timing and status.
 *
 * A RunResult is plain data (no MPI, no HDF5): train/ fills it, io/ stores it as one row of a
 * results file, analysis/ reads it back. All arrays are owned by the RunResult and allocated by
 * run_result_create at their final size (evals beyond n_evals hold NaN / -1).
 */
#ifndef IHSWEEP_RESULT_H
#define IHSWEEP_RESULT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { RUN_PENDING = 0, RUN_DONE = 1, RUN_DIVERGED = 2, RUN_FAILED = 3 } RunStatus;

/* Per-sequence eval metrics (design 4.1), in this order everywhere (files, tables, tests). */
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

/* The axes of a stored field, after the run axis. Sizes come from the RunResult's dimensions. */
typedef enum {
    RESULT_SHAPE_RUN = 0,               /* one value per run */
    RESULT_SHAPE_EVAL,                  /* [max_evals] */
    RESULT_SHAPE_EVAL_HEAD,             /* [max_evals][n_heads] */
    RESULT_SHAPE_EVAL_PROBE_LABEL,      /* [max_evals][max(n_probe,1)][n_labels] */
    RESULT_SHAPE_HEAD,                  /* [n_heads] */
    RESULT_SHAPE_SRC_HEAD_HEAD,         /* [n_heads first layer][n_heads last layer] */
    RESULT_SHAPE_EVALUATOR_METRIC_EVAL, /* [n_evaluators][METRIC_COUNT][max_evals] */
    RESULT_N_SHAPES
} RunResultShape;

/* Element types of stored fields. RESULT_TYPE_INT is a C int in memory. */
#define RESULT_CTYPE_F32 float
#define RESULT_CTYPE_F64 double
#define RESULT_CTYPE_I64 int64_t
#define RESULT_CTYPE_INT int

/* ---- The field tables: every per-run fact is one line here. ----
 * They drive the struct members below, allocation and fill values, the row checksum, the checkpoint
 * state of a run in progress (the EVAL-shaped arrays), the padding of a row to a file's sizes, and
 * the results file's datasets (path, element type in the file, units, description).
 * Adding a per-run measure: one line in the right table plus the code that computes it.
 *
 * X(name, since, mem_type, file_type, shape, fill, group, units, description)
 *   name       struct member and dataset name (stored at <group>/<name>)
 *   since      first RESULT_SCHEMA_VERSION with the field: the checksum of a row in a file of an
 *              older schema leaves it out, so older files keep verifying (and read it as fill)
 *   mem_type   F32 / F64 / I64 / INT (see RESULT_CTYPE_*); file_type I8 / I32 / I64 / F32 / F64
 *   fill       value of unwritten entries (NaN, -1); also the value of a fresh RunResult
 * Table order is the checksum order (kept stable so rows of older files still verify). */

/* Version of the field tables and of the results file; bump it (and give new fields that `since`)
 * when adding a field or changing what a file stores. 3: /runs/config holds the canonical config
 * text and /runs/hash hashes that text (run_config_write; 2 hashed the config struct's bytes). */
enum { RESULT_SCHEMA_VERSION = 3 };

/* The eval axis' coordinate. */
#define RUN_RESULT_EVAL_AXIS(X)                                                                    \
    X(eval_seq, 1, I64, I64, RESULT_SHAPE_EVAL, -1, "curves", "sequences",                         \
      "training sequences seen at each eval")

/* Per-evaluator metric curves, stored as curves/<evaluator>/<metric> (see Metric). */
#define RUN_RESULT_METRIC_CURVES(X)                                                                \
    X(metrics, 1, F32, F32, RESULT_SHAPE_EVALUATOR_METRIC_EVAL, NAN, "curves", "",                 \
      "mean eval metric over the evaluator's eval set")

/* Other curves recorded at every eval (saved in checkpoints). */
#define RUN_RESULT_CURVES(X)                                                                       \
    X(train_loss, 1, F32, F32, RESULT_SHAPE_EVAL, NAN, "curves", "nats",                           \
      "mean training loss of the steps since the previous eval")                                   \
    X(grad_norm, 1, F32, F32, RESULT_SHAPE_EVAL, NAN, "curves", "1",                               \
      "mean global gradient norm of the steps since the previous eval")                            \
    X(induction_strength, 1, F32, F32, RESULT_SHAPE_EVAL_HEAD, NAN, "curves", "1",                 \
      "attention of each last-layer head from the query to the matching label (design 4.2)")       \
    X(prev_token_score, 1, F32, F32, RESULT_SHAPE_EVAL_HEAD, NAN, "curves", "1",                   \
      "attention of each first-layer head from labels to their exemplar (design 4.3)")             \
    X(probe_logits, 1, F32, F32, RESULT_SHAPE_EVAL_PROBE_LABEL, NAN, "curves", "nats",             \
      "query logits on the fixed probe set (essential dynamics)")                                  \
    X(loss_no_l0_direct, 1, F32, F32, RESULT_SHAPE_EVAL, NAN, "curves", "nats",                    \
      "dense-set loss without the first layer's direct path to the output (design 4.6)")           \
    X(loss_no_last_layer, 1, F32, F32, RESULT_SHAPE_EVAL, NAN, "curves", "nats",                   \
      "dense-set loss with every last-layer head ablated (design 4.6)")                            \
    X(loss_pt_attn_clamp, 1, F32, F32, RESULT_SHAPE_EVAL, NAN, "curves", "nats",                   \
      "dense-set loss with the previous-token pattern clamped on pt_head (design 4.7)")            \
    X(loss_match_clamp, 1, F32, F32, RESULT_SHAPE_EVAL, NAN, "curves", "nats",                     \
      "dense-set loss with the induction pattern clamped on strongest_ih (design 4.7)")

/* Post-hoc measures of the final model on the dense set (design 4.5). SRC_HEAD_HEAD arrays are
 * [first-layer head j][last-layer head i]. */
#define RUN_RESULT_POSTHOC(X)                                                                      \
    X(only_head_acc, 1, F32, F32, RESULT_SHAPE_HEAD, NAN, "posthoc", "1",                          \
      "dense-set accuracy with only last-layer head h active")                                     \
    X(only_head_loss, 1, F32, F32, RESULT_SHAPE_HEAD, NAN, "posthoc", "nats",                      \
      "dense-set loss with only last-layer head h active")                                         \
    X(remove_head_acc, 1, F32, F32, RESULT_SHAPE_HEAD, NAN, "posthoc", "1",                        \
      "dense-set accuracy with last-layer head h ablated")                                         \
    X(remove_head_loss, 1, F32, F32, RESULT_SHAPE_HEAD, NAN, "posthoc", "nats",                    \
      "dense-set loss with last-layer head h ablated")                                             \
    X(composition_q, 1, F32, F32, RESULT_SHAPE_SRC_HEAD_HEAD, NAN, "posthoc", "1",                 \
      "Q-composition score of first-layer head j into last-layer head i")                          \
    X(composition_k, 1, F32, F32, RESULT_SHAPE_SRC_HEAD_HEAD, NAN, "posthoc", "1",                 \
      "K-composition score of first-layer head j into last-layer head i")                          \
    X(composition_v, 1, F32, F32, RESULT_SHAPE_SRC_HEAD_HEAD, NAN, "posthoc", "1",                 \
      "V-composition score of first-layer head j into last-layer head i")                          \
    X(wiring_remove_pp_acc, 1, F32, F32, RESULT_SHAPE_SRC_HEAD_HEAD, NAN, "posthoc", "1",          \
      "accuracy, only last-layer head i, first-layer head j removed, later patterns preserved")    \
    X(wiring_remove_pv_acc, 1, F32, F32, RESULT_SHAPE_SRC_HEAD_HEAD, NAN, "posthoc", "1",          \
      "accuracy, only last-layer head i, first-layer head j removed, later values preserved")      \
    X(wiring_only_pp_acc, 1, F32, F32, RESULT_SHAPE_SRC_HEAD_HEAD, NAN, "posthoc", "1",            \
      "accuracy, only last-layer head i, only first-layer head j kept, later patterns preserved")  \
    X(wiring_only_pv_acc, 1, F32, F32, RESULT_SHAPE_SRC_HEAD_HEAD, NAN, "posthoc", "1",            \
      "accuracy, only last-layer head i, only first-layer head j kept, later values preserved")

/* Phase-change timing (design 4.4), in sequences seen; the members of PhaseTiming. */
#define RUN_RESULT_TIMING(X)                                                                       \
    X(t_star, 1, F64, F64, RESULT_SHAPE_RUN, NAN, "summary", "sequences",                          \
      "first eval with mean fsl_train loss below 0.4 ln 2; NaN if never crossed (schema 1 "        \
      "files: the last eval; tell by crossed)")                                                    \
    X(t_09, 1, F64, F64, RESULT_SHAPE_RUN, NAN, "summary", "sequences",                            \
      "first eval with mean fsl_train loss below 0.9 ln 2 (NaN if never)")                         \
    X(t_05, 1, F64, F64, RESULT_SHAPE_RUN, NAN, "summary", "sequences",                            \
      "first eval with mean fsl_train loss below 0.5 ln 2 (NaN if never)")                         \
    X(t_steepest, 1, F64, F64, RESULT_SHAPE_RUN, NAN, "summary", "sequences",                      \
      "eval of steepest descent of the smoothed loss against log sequences (NaN if not "           \
      "crossed)")                                                                                  \
    X(crossed, 1, INT, I8, RESULT_SHAPE_RUN, -1, "summary", "1",                                   \
      "1 if the 0.4 ln 2 threshold was crossed, 0 if not")                                         \
    X(t_censor, 2, F64, F64, RESULT_SHAPE_RUN, NAN, "summary", "sequences",                        \
      "last usable eval: a run with crossed 0 has t* > t_censor (right-censored)")

/* Other per-run values (after the status in checksum order). */
#define RUN_RESULT_VALUES(X)                                                                       \
    X(strongest_ih, 1, INT, I32, RESULT_SHAPE_RUN, -1, "runs", "1",                                \
      "last-layer head with the highest final induction strength")                                 \
    X(pt_head, 1, INT, I32, RESULT_SHAPE_RUN, -1, "runs", "1",                                     \
      "first-layer head with the highest final label-position previous-token score")               \
    X(diverged_seq, 1, I64, I64, RESULT_SHAPE_RUN, -1, "runs", "sequences",                        \
      "sequences seen when the run diverged (-1 if it did not)")

/* Training wall time: stored, never part of the checksum (it differs between reruns). */
#define RUN_RESULT_UNCHECKED(X)                                                                    \
    X(wall_seconds, 1, F64, F64, RESULT_SHAPE_RUN, NAN, "runs", "s", "training wall time")

/* Every array field, in checksum order. */
#define RUN_RESULT_ARRAYS(X)                                                                       \
    RUN_RESULT_EVAL_AXIS(X) RUN_RESULT_METRIC_CURVES(X) RUN_RESULT_CURVES(X) RUN_RESULT_POSTHOC(X)

#define RESULT_DECLARE_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                \
    RESULT_CTYPE_##mt *name;
#define RESULT_DECLARE_VALUE_(name, since, mt, ft, shape, fill, group, units, desc)                \
    RESULT_CTYPE_##mt name;

/* Phase-change timing of one run (members from RUN_RESULT_TIMING). NaN when undefined. */
typedef struct {
    RUN_RESULT_TIMING(RESULT_DECLARE_VALUE_)
} PhaseTiming;

typedef struct {
    int max_evals;    /* capacity of every [eval] axis */
    int n_evals;      /* evals recorded so far */
    int n_evaluators; /* evaluators, in the run config's order (fsl_train first in the paper) */
    int n_heads;      /* heads per layer (H) */
    int n_probe;      /* probe sequences whose query logits are kept (0: none) */
    int n_labels;     /* L */

    RUN_RESULT_ARRAYS(RESULT_DECLARE_ARRAY_) /* owned arrays of the tables above */
    PhaseTiming timing;
    RunStatus status;
    RUN_RESULT_VALUES(RESULT_DECLARE_VALUE_)
    RUN_RESULT_UNCHECKED(RESULT_DECLARE_VALUE_)
} RunResult;

/* Number of elements of an array of the given shape in r. Local. */
size_t run_result_shape_count(const RunResult *r, RunResultShape shape);

/* Allocates a result with every array at its final size, filled with the tables' fill values.
 * Returns owned *out. Errors: IH_ENOMEM, IH_ECONFIG (non-positive sizes). Local. */
int run_result_create(int max_evals, int n_evaluators, int n_heads, int n_probe, int n_labels,
                      RunResult **out);

/* Frees r and sets *r = NULL. NULL-safe. */
void run_result_destroy(RunResult **r);

/* Copies every field of r into p, a result with the same n_evaluators and n_heads and at least
 * r's max_evals, n_probe and n_labels (a results file row of larger sizes): entries outside r's
 * sizes keep p's fill values. Local; cannot fail. */
void run_result_copy_padded(const RunResult *r, RunResult *p);

/* Pointer to the curve of (evaluator, metric): max_evals floats. Borrowed. */
float *run_result_metric(RunResult *r, int evaluator, Metric m);
const float *run_result_metric_const(const RunResult *r, int evaluator, Metric m);

/* Bytes of r as one flat message (run_result_pack): its dimensions, status, n_evals and every
 * table field in table order. Depends only on the dimensions. Local. */
size_t run_result_pack_size(const RunResult *r);

/* Writes every field of r into buf (run_result_pack_size(r) bytes, caller-owned), driven by the
 * field tables, so that a row travels in one message. Local; cannot fail. */
void run_result_pack(const RunResult *r, void *buf);

/* Reads a buffer made by run_result_pack into r, a result created with the same dimensions.
 * Errors: IH_EDATA (size or dimensions differ; r is then unchanged). Local. */
int run_result_unpack(RunResult *r, const void *buf, size_t size);

/* 64-bit FNV-1a checksum over the dimensions and every table field of schema_version or older
 * except RUN_RESULT_UNCHECKED (the row checksum of results files). */
uint64_t run_result_checksum(const RunResult *r, int schema_version);

#endif
