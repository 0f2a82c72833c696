/* Eval metrics and progress measures of design 4.1-4.5: per-sequence query metrics, induction
 * strength, previous-token score, phase-change timing and composition scores.
 *
 * Pure functions on plain arrays: no MPI, no HDF5, no Model. The streaming ones add into
 * caller-owned sums and return how many terms they added, so callers can feed an eval set batch by
 * batch and divide once at the end. Apart from metrics_phase_timing (which allocates) nothing here
 * can fail; sizes are the caller's contract. NaN inputs propagate into the sums (a diverged model
 * gives NaN means, which is a result, not an error).
 *
 * Layouts follow model.h: token order [x_1, y_1, ..., x_P, y_P, x_q] (T = 2P+1, label j at 2j+1,
 * query at T-1), attention patterns [B,H,T,T] (query row, key column), weights [out, in].
 */
#ifndef IHSWEEP_METRICS_H
#define IHSWEEP_METRICS_H

#include "ihsweep/result.h"

#include <stdint.h>

/* Per-sequence metrics of design 4.1 for B query rows, in the order of the Metric enum.
 *   logits  [B, logits_stride]: row b's L query logits start at logits + b*logits_stride
 *           (stride L for a packed [B,L] array; T*L with logits pointing at position T-1 for the
 *           model's [B,T,L] logits)
 *   labels  [B,P] context labels in 0..L-1 (entries outside that range are ignored)
 *   targets [B]   query labels y in 0..L-1
 *   per_seq [METRIC_COUNT][B] per-sequence values, or NULL
 *   sums    [METRIC_COUNT] each sequence's values are added (+=)
 * Computed in float with a max-shifted log-softmax (expf/logf only, so bits do not depend on the
 * CPU). Definitions: argmax ties go to the lowest label index; in_context restricts the softmax to
 * labels that occur in the context, out_context to labels that do not. When y is outside the
 * restricted set, acc = prob = 0; when the restricted set is empty (every label is in the context,
 * or P = 0), acc = prob = 0 as well ("always wrong"; the reference's -1e20 masking would give a
 * uniform 1/L there). A row with a non-finite logit or a target outside 0..L-1 gets NaN for every
 * metric. Local; cannot fail. */
void metrics_query(const float *logits, int logits_stride, const int *labels, const int *targets,
                   int B, int P, int L, float *per_seq, double *sums);

/* Induction strength of design 4.2, generalised to P = (T-1)/2 context pairs, for one layer's
 * attention attn [B,H,T,T]. For sequence b with m = match[b] (the context pair whose label is the
 * query's; -1 or any value outside 0..P-1 skips the sequence) and every head h:
 *   IS = A_h(T-1 -> 2m+1) - mean over pairs j != m of A_h(T-1 -> 2j+1)
 * For P = 2 this is exactly the reference's A(4 -> 2c+1) - A(4 -> 2(1-c)+1); for P = 1 the mean is 0.
 * Adds each head's values to sums [H] and returns the number of sequences counted. Local. */
int metrics_induction_strength(const float *attn, const int *match, int B, int H, int T,
                               double *sums);

/* Previous-token score of design 4.3 for one layer's attention attn [B,H,T,T]:
 *   PT_h(t) = a[t,t-1] - (1 - a[t,t-1]) / t
 * (attention to the previous token minus the mean attention to the other t allowed keys), over the
 * query positions t = 1..T-1, or, with labels_only != 0, over the label positions t = 1, 3, ...,
 * T-2. Adds each head's values to sums [H] and returns the number of (sequence, position) terms
 * added per head. Local. */
int metrics_prev_token_score(const float *attn, int B, int H, int T, int labels_only, double *sums);

/* Phase-change timing of design 4.4 from an eval curve: eval_seq [n] (sequences seen) and loss [n]
 * (mean fsl_train loss). Evals with eval_seq < 0 (unused slots) or a non-finite loss are skipped.
 *   t_star      first eval with loss < 0.4 ln 2 (crossed = 1); NaN if never (crossed = 0): the
 *               run is right-censored at t_censor
 *   t_censor    the last usable eval (the end of observation; for a run that never crossed,
 *               t* > t_censor)
 *   t_09, t_05  first eval with loss < 0.9 ln 2 / 0.5 ln 2; NaN if never
 *   t_steepest  uses the usable evals with eval_seq x > 0 only (eval 0 has no logarithm): the loss
 *               is smoothed by a centred moving average over 5 evals (window truncated at the
 *               ends), then at each eval k with neighbours k-1 and k+1
 *                 d_k = (s_{k+1} - s_{k-1}) / (logf x_{k+1} - logf x_{k-1});
 *               t_steepest is the eval_seq of the most negative d_k (first on ties), NaN if none
 *               is negative, and NaN when t_star is (without a phase change the steepest
 *               descent is the early drop onto the plateau). A robustness check on t_star, not
 *               a replacement.
 * No usable eval: everything NaN, crossed = 0. Fills *out.
 * Errors: IH_EINTERNAL (n < 0, or NULL arrays with n > 0), IH_ENOMEM. Local. */
int metrics_phase_timing(const int64_t *eval_seq, const float *loss, int n, PhaseTiming *out);

/* Time a run was observed to: t_star when it crossed (crossed 1), otherwise the time it is
 * censored at (t_censor; a schema 1 file, without t_censor, kept that time in t_star). Local. */
double metrics_phase_observed(const PhaseTiming *t);

/* Kaplan-Meier median of right-censored times: n runs, time[i] the run's t* when event[i] = 1,
 * or its censoring time when event[i] = 0 (other events and non-finite times are left out).
 *   median  smallest event time t with S(t) <= 0.5 (NaN if S stays above 0.5: not reached)
 *   ci_lo, ci_hi  the 95% interval of Brookmeyer and Crowley with the log transform (R's survfit
 *           default): the smallest event times at which the lower / upper pointwise limit
 *           S(t) exp(-+1.96 se), se^2 = sum d / (n (n - d)) (Greenwood), is <= 0.5; NaN if none.
 *           Where every run still at risk crosses at t, S(t) = 0 and both limits are 0.
 *   t_max   the largest time (a censored median is reported as "> t_max")
 * Ties: events before censorings at the same time. Errors: IH_ENOMEM, IH_EINTERNAL (n < 0).
 * Local, pure. */
typedef struct {
    int n;        /* runs used */
    int n_events; /* runs that crossed */
    double median;
    double ci_lo;
    double ci_hi;
    double t_max;
} KmMedian;
int metrics_km_median(const double *time, const int8_t *event, int n, KmMedian *out);

/* Composition scores of design 4.5 between first-layer head j and second-layer head i:
 *   CS_X(j->i) = ||O_j W_{X,i}||_F / (||O_j||_F ||W_{X,i}||_F),  X in {q, k, v}
 * with O_j = (W_o^0)^T rows j*HD..j*HD+HD-1 ([HD,C]: head j's output map into the residual) and
 * W_{X,i} = (W_qkv^1)^T columns s*C + i*HD .. +HD-1 ([C,HD], s = 0 q, 1 k, 2 v).
 *   w_o0   [C,C]  layer-0 output projection, [out, in]
 *   w_qkv1 [3C,C] layer-1 QKV projection, [out, in], feature f = s*C + h*HD + d
 *   scores [3][H][H] out: scores[(s*H + j)*H + i]
 * Computed in double; RoPE, LayerNorm and biases are ignored. A zero block gives NaN. Local. */
void metrics_composition_scores(const float *w_o0, const float *w_qkv1, int C, int H,
                                double *scores);

#endif
