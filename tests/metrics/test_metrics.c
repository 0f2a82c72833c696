/* Tests of the metrics module: query metrics on hand-computed logits, induction strength and
 * previous-token score on hand-built attention patterns, phase-change timing on synthetic curves,
 * composition scores on small matrices with known answers and against an independent product,
 * and a RunResult's round trip through one packed buffer. */
#include "harness.h"

#include "ihsweep/error.h"
#include "ihsweep/metrics.h"
#include "ihsweep/rng.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

TEST_COUNTS_DECLARE;

#define TOL 1e-6

/* Expected metrics of one row, in Metric order. */
static void check_row(const float *per_seq, int B, int b, const double want[METRIC_COUNT],
                      const char *what)
{
    for (int m = 0; m < METRIC_COUNT; m++) {
        double got = per_seq[m * B + b];
        if (isnan(want[m])) {
            CHECK(isnan(got));
        } else if (fabs(got - want[m]) > TOL * (1.0 + fabs(want[m]))) {
            CHECK_NEAR(got, want[m], TOL * (1.0 + fabs(want[m])));
            fprintf(stderr, "  (%s, metric %s)\n", what, metric_name((Metric)m));
        } else {
            CHECK(1);
        }
    }
}

static void test_query(void)
{
    enum { B = 3, P = 2, L = 5 };
    const float logits[B * L] = {2, 1, 0, 0, -1, /* */ 0, 3, 3, 0, 0, /* */ 0, 0, 5, 0, 0};
    const int labels[B * P] = {1, 3, 2, 4, 0, 1};
    const int targets[B] = {1, 2, 2};
    float per_seq[METRIC_COUNT * B];
    double sums[METRIC_COUNT];
    for (int m = 0; m < METRIC_COUNT; m++)
        sums[m] = 1.0; /* must be added to, not overwritten */
    metrics_query(logits, L, labels, targets, B, P, L, per_seq, sums);

    double e = exp(1.0), e3 = exp(3.0), e5 = exp(5.0);
    /* Row 0: argmax 0 != y = 1; context {1,3}: y in context and its restricted argmax. */
    double S0 = e * e + e + 2.0 + 1.0 / e;
    double want0[METRIC_COUNT] = {
        [METRIC_LOSS] = log(S0) - 1.0, [METRIC_ACC] = 0,
        [METRIC_IN_CONTEXT_ACC] = 1,   [METRIC_OUT_CONTEXT_ACC] = 0,
        [METRIC_PROB] = e / S0,        [METRIC_IN_CONTEXT_PROB] = e / (e + 1.0),
        [METRIC_OUT_CONTEXT_PROB] = 0, [METRIC_USE_CONTEXT_PROB] = (e + 1.0) / S0};
    check_row(per_seq, B, 0, want0, "row 0");
    /* Row 1: the tie between labels 1 and 2 goes to 1 (acc 0); in context {2,4}, 2 wins. */
    double S1 = 2.0 * e3 + 3.0;
    double want1[METRIC_COUNT] = {
        [METRIC_LOSS] = log(S1) - 3.0, [METRIC_ACC] = 0,
        [METRIC_IN_CONTEXT_ACC] = 1,   [METRIC_OUT_CONTEXT_ACC] = 0,
        [METRIC_PROB] = e3 / S1,       [METRIC_IN_CONTEXT_PROB] = e3 / (e3 + 1.0),
        [METRIC_OUT_CONTEXT_PROB] = 0, [METRIC_USE_CONTEXT_PROB] = (e3 + 1.0) / S1};
    check_row(per_seq, B, 1, want1, "row 1");
    /* Row 2: the query label (2) is not in the context {0,1}: out-of-context metrics are live. */
    double S2 = e5 + 4.0;
    double want2[METRIC_COUNT] = {[METRIC_LOSS] = log(S2) - 5.0,
                                  [METRIC_ACC] = 1,
                                  [METRIC_IN_CONTEXT_ACC] = 0,
                                  [METRIC_OUT_CONTEXT_ACC] = 1,
                                  [METRIC_PROB] = e5 / S2,
                                  [METRIC_IN_CONTEXT_PROB] = 0,
                                  [METRIC_OUT_CONTEXT_PROB] = e5 / (e5 + 2.0),
                                  [METRIC_USE_CONTEXT_PROB] = 2.0 / S2};
    check_row(per_seq, B, 2, want2, "row 2");
    for (int m = 0; m < METRIC_COUNT; m++) {
        double want = 1.0 + want0[m] + want1[m] + want2[m];
        CHECK_NEAR(sums[m], want, 1e-5);
    }

    /* The same rows read with a stride from [B,T,L] logits (query at position T-1), no per_seq. */
    enum { T = 5 };
    float full[B * T * L];
    for (int i = 0; i < B * T * L; i++)
        full[i] = 100.0f; /* non-query positions must not be read */
    for (int b = 0; b < B; b++)
        for (int c = 0; c < L; c++)
            full[(b * T + T - 1) * L + c] = logits[b * L + c];
    double sums2[METRIC_COUNT] = {0};
    metrics_query(full + (T - 1) * L, T * L, labels, targets, B, P, L, NULL, sums2);
    for (int m = 0; m < METRIC_COUNT; m++)
        CHECK_NEAR(sums2[m], sums[m] - 1.0, 1e-5);
}

static void test_query_edges(void)
{
    /* Every label in the context: the out-of-context set is empty, so acc = prob = 0. */
    {
        const float z[2] = {1.0f, 0.0f};
        const int labels[2] = {1, 0}, y = 0;
        float per[METRIC_COUNT];
        double sums[METRIC_COUNT] = {0};
        metrics_query(z, 2, labels, &y, 1, 2, 2, per, sums);
        CHECK_NEAR(per[METRIC_OUT_CONTEXT_ACC], 0.0, 0.0);
        CHECK_NEAR(per[METRIC_OUT_CONTEXT_PROB], 0.0, 0.0);
        CHECK_NEAR(per[METRIC_USE_CONTEXT_PROB], 1.0, 1e-6);
        CHECK_NEAR(per[METRIC_IN_CONTEXT_PROB], per[METRIC_PROB], 1e-7);
        CHECK_NEAR(per[METRIC_ACC], 1.0, 0.0);
    }
    /* A tie inside the restricted set also goes to the lower label: y = 2 loses to 1. */
    {
        const float z[5] = {0.0f, 2.0f, 2.0f, 0.0f, 3.0f};
        const int labels[2] = {2, 1}, y = 2;
        float per[METRIC_COUNT];
        double sums[METRIC_COUNT] = {0};
        metrics_query(z, 5, labels, &y, 1, 2, 5, per, sums);
        CHECK_NEAR(per[METRIC_IN_CONTEXT_ACC], 0.0, 0.0);
        CHECK_NEAR(per[METRIC_IN_CONTEXT_PROB], 0.5, 1e-7);
        CHECK_NEAR(per[METRIC_ACC], 0.0, 0.0);
    }
    /* Large logits stay finite (max-shifted softmax). */
    {
        const float zz[6] = {1000.0f, 0.0f, -1000.0f, 1000.0f, 0.0f, -1000.0f};
        const int labels[2] = {0, 0}, y[2] = {0, 1};
        float per[METRIC_COUNT * 2];
        double sums[METRIC_COUNT] = {0};
        metrics_query(zz, 3, labels, y, 2, 1, 3, per, sums);
        CHECK_NEAR(per[METRIC_LOSS * 2 + 0], 0.0, 1e-6);
        CHECK_NEAR(per[METRIC_PROB * 2 + 0], 1.0, 1e-6);
        CHECK_NEAR(per[METRIC_LOSS * 2 + 1], 1000.0, 1e-3);
        CHECK_NEAR(per[METRIC_PROB * 2 + 1], 0.0, 1e-30);
        CHECK_NEAR(per[METRIC_OUT_CONTEXT_PROB * 2 + 1], 1.0, 1e-6);
        CHECK_NEAR(per[METRIC_OUT_CONTEXT_ACC * 2 + 1], 1.0, 0.0);
    }
    /* A NaN logit or an out-of-range target makes every metric of that row NaN, not others. */
    {
        float zz[6] = {NAN, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
        const int labels[2] = {0, 0}, y[2] = {0, 0};
        float per[METRIC_COUNT * 2];
        double sums[METRIC_COUNT] = {0};
        metrics_query(zz, 3, labels, y, 2, 1, 3, per, sums);
        for (int m = 0; m < METRIC_COUNT; m++) {
            CHECK(isnan(per[m * 2 + 0]));
            CHECK(!isnan(per[m * 2 + 1]));
            CHECK(isnan(sums[m]));
        }
        const int ybad[2] = {0, 3};
        float ok[6] = {0, 0, 0, 0, 0, 0};
        metrics_query(ok, 3, labels, ybad, 2, 1, 3, per, sums);
        CHECK(!isnan(per[METRIC_LOSS * 2 + 0]));
        CHECK(isnan(per[METRIC_LOSS * 2 + 1]));
        CHECK_NEAR(per[METRIC_LOSS * 2 + 0], log(3.0), 1e-6);
    }
}

/* Sets attn[b][h][t][*] to the given row (length T). */
static void set_row(float *attn, int H, int T, int b, int h, int t, const float *row)
{
    for (int s = 0; s < T; s++)
        attn[((b * H + h) * T + t) * T + s] = row[s];
}

static void test_induction_strength(void)
{
    enum { B = 3, H = 2, T = 5 };
    float attn[B * H * T * T];
    for (int i = 0; i < B * H * T * T; i++)
        attn[i] = 0.25f; /* rows other than the query's must not matter */
    const float to1[T] = {0, 1, 0, 0, 0}, to3[T] = {0, 0, 0, 1, 0};
    const float uniform[T] = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f};
    int match[B] = {0, 1, -1};
    set_row(attn, H, T, 0, 0, 4, to1);     /* perfect induction: IS 1 */
    set_row(attn, H, T, 0, 1, 4, uniform); /* uniform: IS 0 */
    set_row(attn, H, T, 1, 0, 4, to3);     /* perfect induction: IS 1 */
    set_row(attn, H, T, 1, 1, 4, to1);     /* anti-induction: IS -1 */
    set_row(attn, H, T, 2, 0, 4, to1);     /* skipped (match -1) */
    double sums[H] = {0.5, 0.5};
    int n = metrics_induction_strength(attn, match, B, H, T, sums);
    CHECK_INT_EQ(n, 2);
    CHECK_NEAR(sums[0], 0.5 + 2.0, 1e-7);
    CHECK_NEAR(sums[1], 0.5 - 1.0, 1e-7);

    /* Three pairs: correct minus the mean of the other two labels. */
    enum { T3 = 7 };
    float a3[T3 * T3] = {0};
    const float row[T3] = {0, 0.5f, 0, 0.3f, 0, 0.2f, 0};
    set_row(a3, 1, T3, 0, 0, 6, row);
    int m3 = 1;
    double s3 = 0.0;
    CHECK_INT_EQ(metrics_induction_strength(a3, &m3, 1, 1, T3, &s3), 1);
    CHECK_NEAR(s3, 0.3 - (0.5 + 0.2) / 2.0, 1e-7);
    m3 = 3; /* out of range: skipped */
    CHECK_INT_EQ(metrics_induction_strength(a3, &m3, 1, 1, T3, &s3), 0);
}

static void test_prev_token_score(void)
{
    enum { B = 2, H = 3, T = 5 };
    float attn[B * H * T * T];
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int s = 0; s < T; s++) {
                /* head 0: previous token (token 0 attends to itself); head 1: uniform causal;
                 * head 2: self only. */
                float prev = (t == 0) ? (s == 0) : (s == t - 1);
                float unif = (s <= t) ? 1.0f / (float)(t + 1) : 0.0f;
                float self = (s == t);
                attn[((b * H + 0) * T + t) * T + s] = prev;
                attn[((b * H + 1) * T + t) * T + s] = unif;
                attn[((b * H + 2) * T + t) * T + s] = self;
            }
    double all[H] = {0}, lab[H] = {0};
    int n_all = metrics_prev_token_score(attn, B, H, T, 0, all);
    int n_lab = metrics_prev_token_score(attn, B, H, T, 1, lab);
    CHECK_INT_EQ(n_all, B * 4);
    CHECK_INT_EQ(n_lab, B * 2);
    CHECK_NEAR(all[0] / n_all, 1.0, 1e-7);
    CHECK_NEAR(all[1] / n_all, 0.0, 1e-7);
    CHECK_NEAR(all[2] / n_all, -(1.0 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4) / 4.0, 1e-7);
    CHECK_NEAR(lab[0] / n_lab, 1.0, 1e-7);
    CHECK_NEAR(lab[1] / n_lab, 0.0, 1e-7);
    CHECK_NEAR(lab[2] / n_lab, -(1.0 + 1.0 / 3) / 2.0, 1e-7);
}

static void check_nan_or(double got, double want, const char *what)
{
    if (isnan(want)) {
        if (!isnan(got))
            fprintf(stderr, "  %s: expected NaN, got %.9g\n", what, got);
        CHECK(isnan(got));
    } else {
        CHECK_NEAR(got, want, 0.0);
    }
}

static void test_phase_timing(void)
{
    /* A step-like curve on a linear grid: crossings at known evals; evals 9 (0.63) and 11 (0.28)
     * sit just above 0.9 ln 2 = 0.6238 and 0.4 ln 2 = 0.2773. */
    enum { N = 24 };
    int64_t seq[N];
    float loss[N];
    for (int k = 0; k < N; k++) {
        seq[k] = 1000 * k;
        loss[k] = k == 0    ? 2.0f
                  : k < 9   ? 0.75f
                  : k == 9  ? 0.63f
                  : k == 10 ? 0.6f
                  : k == 11 ? 0.28f
                            : 0.1f;
    }
    seq[N - 2] = seq[N - 1] = -1; /* unused slots */
    loss[N - 2] = loss[N - 1] = NAN;
    PhaseTiming t;
    CHECK_OK(metrics_phase_timing(seq, loss, N, &t));
    check_nan_or(t.t_09, 10000, "t_09");
    check_nan_or(t.t_05, 11000, "t_05");
    check_nan_or(t.t_star, 12000, "t_star");
    CHECK_INT_EQ(t.crossed, 1);
    CHECK(t.t_steepest >= 9000 && t.t_steepest <= 13000);

    /* A NaN eval at the crossing is skipped: t* moves to the next eval. */
    loss[12] = NAN;
    CHECK_OK(metrics_phase_timing(seq, loss, N, &t));
    check_nan_or(t.t_star, 13000, "t_star with NaN");
    CHECK_INT_EQ(t.crossed, 1);
    check_nan_or(t.t_05, 11000, "t_05 with NaN");

    CHECK(t.t_censor == 21000);

    /* Never crossing: t* NaN (right-censored at the last usable eval t_censor), t_steepest NaN
     * even though the curve has an early drop (it would be the drop onto the plateau). */
    for (int k = 0; k < N; k++)
        loss[k] = k < 3 ? 2.0f - 0.5f * (float)k : 0.75f;
    loss[N - 2] = loss[N - 1] = NAN;
    CHECK_OK(metrics_phase_timing(seq, loss, N, &t));
    check_nan_or(t.t_star, NAN, "t_star never");
    CHECK_INT_EQ(t.crossed, 0);
    check_nan_or(t.t_censor, 21000, "t_censor never");
    check_nan_or(t.t_09, NAN, "t_09 never");
    check_nan_or(t.t_05, NAN, "t_05 never");
    check_nan_or(t.t_steepest, NAN, "t_steepest never crossed");

    /* Crossing exactly at the last usable eval (and a NaN loss after it in a used slot). */
    loss[N - 3] = 0.2f;
    loss[N - 4] = NAN;
    CHECK_OK(metrics_phase_timing(seq, loss, N, &t));
    check_nan_or(t.t_star, 21000, "t_star at the last eval");
    CHECK_INT_EQ(t.crossed, 1);
    check_nan_or(t.t_censor, 21000, "t_censor at the last eval");
    check_nan_or(t.t_09, 21000, "t_09 at the last eval");
    loss[N - 3] = NAN; /* now the last usable eval is 19000: never crossed, censored there */
    CHECK_OK(metrics_phase_timing(seq, loss, N, &t));
    check_nan_or(t.t_star, NAN, "t_star with a NaN last loss");
    CHECK_INT_EQ(t.crossed, 0);
    check_nan_or(t.t_censor, 19000, "t_censor before a NaN last loss");

    /* Crossing at the first eval (eval 0 counts: sequences seen 0). */
    for (int k = 0; k < N; k++)
        loss[k] = 0.1f;
    CHECK_OK(metrics_phase_timing(seq, loss, N, &t));
    check_nan_or(t.t_star, 0, "t_star at the first eval");
    CHECK_INT_EQ(t.crossed, 1);
    check_nan_or(t.t_05, 0, "t_05 at the first eval");
    check_nan_or(t.t_steepest, NAN, "t_steepest flat after crossing at once");

    /* All NaN and empty: everything NaN. */
    for (int k = 0; k < N; k++)
        loss[k] = NAN;
    CHECK_OK(metrics_phase_timing(seq, loss, N, &t));
    check_nan_or(t.t_star, NAN, "t_star all NaN");
    check_nan_or(t.t_censor, NAN, "t_censor all NaN");
    check_nan_or(t.t_steepest, NAN, "t_steepest all NaN");
    CHECK_INT_EQ(t.crossed, 0);
    CHECK_OK(metrics_phase_timing(NULL, NULL, 0, &t));
    check_nan_or(t.t_star, NAN, "t_star empty");
    CHECK_ERR(metrics_phase_timing(seq, loss, -1, &t), IH_EINTERNAL);

    /* A logistic in log(sequences) on a log-uniform grid, symmetric about x0 = 1000 * 2^10: the
     * steepest descent is at x0 exactly, whatever the smoothing (it keeps the symmetry). */
    enum { G = 41 };
    int64_t gs[G];
    float gl[G];
    gs[0] = 0;
    gl[0] = 2.0f;
    for (int k = 1; k < G; k++) {
        double lx = log(1000.0) + 0.5 * log(2.0) * (double)(k - 1);
        gs[k] = (int64_t)llround(exp(lx));
        double u = (lx - (log(1000.0) + 0.5 * log(2.0) * 20.0)) * 3.0;
        gl[k] = (float)(0.1 + 0.6 / (1.0 + exp(u)));
    }
    CHECK_OK(metrics_phase_timing(gs, gl, G, &t));
    check_nan_or(t.t_steepest, (double)gs[21], "t_steepest logistic");
    CHECK_INT_EQ(t.crossed, 1);

    /* Smoothing: a one-eval dip of 0.3 (noise) at eval 7 would give the steepest raw difference;
     * smoothed over 5 evals it loses to the broad descent at evals 15..20. */
    for (int k = 0; k < 30; k++) {
        gs[k] = (int64_t)llround(1000.0 * pow(2.0, 0.5 * k));
        gl[k] = k == 7 ? 0.4f : k < 15 ? 0.7f : k <= 20 ? (float)(0.7 - 0.1 * (k - 14)) : 0.1f;
    }
    CHECK_OK(metrics_phase_timing(gs, gl, 30, &t));
    if (!(t.t_steepest >= (double)gs[15] && t.t_steepest <= (double)gs[20]))
        fprintf(stderr, "  t_steepest %.9g not in [%lld, %lld]\n", t.t_steepest, (long long)gs[15],
                (long long)gs[20]);
    CHECK(t.t_steepest >= (double)gs[15] && t.t_steepest <= (double)gs[20]);
}

/* Reference composition score via explicit O_j [HD][C] and W [C][HD] blocks. */
static double cs_reference(const float *w_o0, const float *w_qkv1, int C, int H, int s, int j,
                           int i)
{
    int HD = C / H;
    double O[8][16], W[16][8], M[8][8] = {{0}};
    for (int r = 0; r < C; r++) /* (W_o^T)[r][c] = w_o0[c][r] */
        for (int c = 0; c < C; c++)
            if (r >= j * HD && r < (j + 1) * HD)
                O[r - j * HD][c] = w_o0[c * C + r];
    for (int r = 0; r < C; r++) /* (W_qkv^T)[r][f] = w_qkv1[f][r] */
        for (int f = 0; f < 3 * C; f++)
            if (f >= s * C + i * HD && f < s * C + (i + 1) * HD)
                W[r][f - s * C - i * HD] = w_qkv1[f * C + r];
    double no = 0, nw = 0, nm = 0;
    for (int d = 0; d < HD; d++)
        for (int e = 0; e < HD; e++)
            for (int c = 0; c < C; c++)
                M[d][e] += O[d][c] * W[c][e];
    for (int d = 0; d < HD; d++)
        for (int c = 0; c < C; c++) {
            no += O[d][c] * O[d][c];
            nw += W[c][d] * W[c][d];
        }
    for (int d = 0; d < HD; d++)
        for (int e = 0; e < HD; e++)
            nm += M[d][e] * M[d][e];
    return sqrt(nm) / sqrt(no * nw);
}

static void test_composition(void)
{
    enum { C = 4, H = 2, HD = 2 };
    float wo[C * C] = {0}, wqkv[3 * C * C] = {0};
    double cs[3 * H * H];
    /* Identity maps: head j writes exactly the subspace head i = j reads from, orthogonal to the
     * other head's: CS = 1/sqrt(HD) on the diagonal (orthonormal blocks), 0 off it. */
    for (int c = 0; c < C; c++) {
        wo[c * C + c] = 1.0f;
        for (int s = 0; s < 3; s++)
            wqkv[(s * C + c) * C + c] = 1.0f;
    }
    metrics_composition_scores(wo, wqkv, C, H, cs);
    for (int s = 0; s < 3; s++)
        for (int j = 0; j < H; j++)
            for (int i = 0; i < H; i++)
                CHECK_NEAR(cs[(s * H + j) * H + i], i == j ? 1.0 / sqrt((double)HD) : 0.0, 1e-12);

    /* Rank-1, aligned: CS = 1. Head 1 of layer 0 has input column 2 of W_o writing residual dim 0;
     * v of layer-1 head 0 reads residual dim 0; q of head 1 reads dim 1 (orthogonal: 0). A
     * transposed W_o would make head 1's block zero (NaN) instead. */
    float wo2[C * C] = {0}, wq2[3 * C * C] = {0};
    wo2[0 * C + 2] = 2.0f;
    wq2[(2 * C + 0 * HD + 0) * C + 0] = 3.0f;
    wq2[(0 * C + 1 * HD + 1) * C + 1] = 1.0f;
    metrics_composition_scores(wo2, wq2, C, H, cs);
    CHECK_NEAR(cs[(2 * H + 1) * H + 0], 1.0, 1e-12);
    CHECK_NEAR(cs[(0 * H + 1) * H + 1], 0.0, 1e-12);
    CHECK(isnan(cs[(2 * H + 0) * H + 0])); /* head 0 of layer 0 writes nothing */

    /* Random weights against the explicit-block reference, and scale invariance. */
    enum { C8 = 16, H8 = 4 };
    float wo8[C8 * C8], wq8[3 * C8 * C8];
    Rng rng;
    rng_init(&rng, 3, RNG_PURPOSE_TEST, 0);
    for (int k = 0; k < C8 * C8; k++)
        wo8[k] = rng_normal(&rng);
    for (int k = 0; k < 3 * C8 * C8; k++)
        wq8[k] = rng_normal(&rng);
    double cs8[3 * H8 * H8], cs8b[3 * H8 * H8];
    metrics_composition_scores(wo8, wq8, C8, H8, cs8);
    for (int s = 0; s < 3; s++)
        for (int j = 0; j < H8; j++)
            for (int i = 0; i < H8; i++) {
                double got = cs8[(s * H8 + j) * H8 + i];
                CHECK_NEAR(got, cs_reference(wo8, wq8, C8, H8, s, j, i), 1e-12);
                CHECK(got > 0.0 && got <= 1.0);
            }
    for (int k = 0; k < C8 * C8; k++)
        wo8[k] *= 4.0f; /* exact in float */
    metrics_composition_scores(wo8, wq8, C8, H8, cs8b);
    for (int k = 0; k < 3 * H8 * H8; k++)
        CHECK_NEAR(cs8b[k], cs8[k], 1e-12);
}

static void check_km(const KmMedian *k, double med, double lo, double hi, const char *what)
{
    char w[128];
    snprintf(w, sizeof w, "%s median", what);
    check_nan_or(k->median, med, w);
    snprintf(w, sizeof w, "%s ci_lo", what);
    check_nan_or(k->ci_lo, lo, w);
    snprintf(w, sizeof w, "%s ci_hi", what);
    check_nan_or(k->ci_hi, hi, w);
}

/* Kaplan-Meier median: a textbook example, hand-computed cases, and 300 random samples whose
 * answers come from an independent numpy implementation (km_reference.py -> km_reference.txt). */
static void test_km_median(void)
{
    /* Freireich et al. 6-MP arm (Gehan 1965), 21 patients, 12 censored: R's survfit gives
     * median 23, 0.95 LCL 16, UCL NA (S(22) = 0.538, S(23) = 0.448). */
    const double t6[] = {6,  6,  6,  6,  7,  9,  10, 10, 11, 13, 16,
                         17, 19, 20, 22, 23, 25, 32, 32, 34, 35};
    const int8_t e6[] = {1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0};
    KmMedian k;
    CHECK_OK(metrics_km_median(t6, e6, 21, &k));
    CHECK_INT_EQ(k.n, 21);
    CHECK_INT_EQ(k.n_events, 9);
    check_km(&k, 23, 16, NAN, "6-MP");
    CHECK(k.t_max == 35);

    /* Three seeds, all crossed at 300k, 320k, 390k: S = 2/3, 1/3, 0: median 320k. Lower limit at
     * 300k: (2/3) exp(-1.96 sqrt(1/6)) = 0.300 <= 0.5; upper: S = 0 at 390k. */
    const double t3[] = {390000, 300000, 320000};
    const int8_t all[] = {1, 1, 1}, none[] = {0, 0, 0}, one_censored[] = {1, 1, 0};
    CHECK_OK(metrics_km_median(t3, all, 3, &k));
    check_km(&k, 320000, 300000, 390000, "three crossed");
    /* No run crossed: nothing reached; t_max is the longest observation. */
    CHECK_OK(metrics_km_median(t3, none, 3, &k));
    check_km(&k, NAN, NAN, NAN, "none crossed");
    CHECK_INT_EQ(k.n_events, 0);
    CHECK(k.t_max == 390000);
    /* The 320k run censored: S(300k) = 2/3, then 390k with 1 at risk: S = 0: median 390k (the
     * naive mean of the two crossings, 345k, would be too early). */
    const double t3c[] = {390000, 300000, 320000};
    const int8_t e3c[] = {1, 1, 0};
    CHECK_OK(metrics_km_median(t3c, e3c, 3, &k));
    check_km(&k, 390000, 300000, 390000, "one censored");
    /* Two of three censored at 200k before anyone crossed at 250k: S(250k) = 0, median 250k. */
    const double t3d[] = {200000, 200000, 250000};
    CHECK_OK(metrics_km_median(t3d, one_censored + 1, 2, &k)); /* {1, 0}: 200k crossed, 200k not */
    check_km(&k, 200000, 200000, NAN, "tie event/censored");
    CHECK_OK(metrics_km_median(t3d, none, 0, &k));
    check_km(&k, NAN, NAN, NAN, "empty");
    CHECK_ERR(metrics_km_median(t3d, none, -1, &k), IH_EINTERNAL);

    /* The independent reference. */
    const char *dir = getenv("IHSWEEP_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/km_reference.txt", dir ? dir : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fprintf(stderr, "  cannot open %s\n", path);
    CHECK(f != NULL);
    if (!f)
        return;
    char line[8192];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char *p = line, *end;
        int n = (int)strtol(p, &end, 10);
        double t[64];
        int8_t e[64];
        p = end;
        for (int i = 0; i < n && i < 64; i++) {
            t[i] = strtod(p, &end);
            p = end;
            e[i] = (int8_t)strtol(p, &end, 10);
            p = end;
        }
        double want[3];
        for (int j = 0; j < 3; j++) {
            want[j] = strtod(p, &end);
            p = end;
        }
        CHECK_OK(metrics_km_median(t, e, n, &k));
        char what[32];
        snprintf(what, sizeof what, "reference case %d", cases);
        check_km(&k, want[0], want[1], want[2], what);
        cases++;
    }
    fclose(f);
    CHECK_INT_EQ(cases, 300);
}

/* Every field survives run_result_pack / run_result_unpack bit for bit (the repacked buffers are
 * equal, and the values set here read back); a result of other dims is refused. */
static void test_pack(void)
{
    RunResult *a = NULL, *b = NULL, *c = NULL;
    unsigned char *buf = NULL, *again = NULL;
    REQUIRE(run_result_create(5, 2, 3, 2, 4, &a) == 0);
    REQUIRE(run_result_create(5, 2, 3, 2, 4, &b) == 0);
    REQUIRE(run_result_create(6, 2, 3, 2, 4, &c) == 0);
    const size_t n = run_result_pack_size(a);
    buf = malloc(n);
    again = malloc(n);
    REQUIRE(buf && again);
    a->n_evals = 3;
    for (int i = 0; i < 5; i++)
        a->eval_seq[i] = i < 3 ? 1000 * (i + 1) : -1;
    for (size_t i = 0; i < run_result_shape_count(a, RESULT_SHAPE_EVALUATOR_METRIC_EVAL); i++)
        a->metrics[i] = 0.5f * (float)i;
    for (size_t i = 0; i < run_result_shape_count(a, RESULT_SHAPE_EVAL_PROBE_LABEL); i++)
        a->probe_logits[i] = -(float)i;
    for (size_t i = 0; i < run_result_shape_count(a, RESULT_SHAPE_SRC_HEAD_HEAD); i++)
        a->wiring_only_pv_acc[i] = 0.25f + (float)i;
    a->timing.t_star = 2000;
    a->timing.crossed = 1;
    a->timing.t_censor = 3000;
    a->status = RUN_DIVERGED;
    a->strongest_ih = 2;
    a->pt_head = 1;
    a->diverged_seq = 123456789012LL;
    a->wall_seconds = 1.5;
    run_result_pack(a, buf);
    CHECK_INT_EQ(run_result_unpack(b, buf, n), 0);
    run_result_pack(b, again);
    CHECK(memcmp(buf, again, n) == 0);
    CHECK_INT_EQ(b->n_evals, 3);
    CHECK_INT_EQ(b->status, RUN_DIVERGED);
    CHECK_INT_EQ(b->eval_seq[2], 3000);
    CHECK_INT_EQ(b->diverged_seq, 123456789012LL);
    CHECK_INT_EQ(b->pt_head, 1);
    CHECK_NEAR(b->timing.t_censor, 3000, 0);
    CHECK_NEAR(b->wall_seconds, 1.5, 0);
    CHECK_NEAR(b->probe_logits[7], -7, 0);
    CHECK_NEAR(b->wiring_only_pv_acc[8], 8.25, 0);
    CHECK_INT_EQ(run_result_unpack(c, buf, n), IH_EDATA);
    ih_error_clear();
    CHECK_INT_EQ(run_result_unpack(b, buf, n - 1), IH_EDATA);
    ih_error_clear();
    run_result_destroy(&a);
    run_result_destroy(&b);
    run_result_destroy(&c);
    free(buf);
    free(again);
}

int main(void)
{
    test_query();
    test_query_edges();
    test_induction_strength();
    test_prev_token_score();
    test_phase_timing();
    test_km_median();
    test_composition();
    test_pack();
    TEST_MAIN_END("test_metrics");
}
