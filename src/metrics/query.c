/* Per-sequence query metrics of design 4.1 (loss, accuracy, probability, in/out-of-context variants,
 * probability mass on context labels). Float arithmetic with expf/logf only, so the bits do not
 * depend on the CPU. Does not average: callers divide the sums by the number of sequences. */
#include "ihsweep/metrics.h"

#include <math.h>
#include <stddef.h>

/* 1 if label c occurs among the P context labels of one sequence. */
static int in_context(const int *labels, int P, int c)
{
    for (int j = 0; j < P; j++)
        if (labels[j] == c)
            return 1;
    return 0;
}

/* Accuracy and probability of y under the softmax restricted to labels whose context membership
 * equals `member`. Empty set or y outside it: both 0. */
static void restricted(const float *z, const int *labels, int P, int L, int y, int member,
                       float *acc, float *prob)
{
    int best = -1;
    float mx = 0.0f;
    for (int c = 0; c < L; c++)
        if (in_context(labels, P, c) == member && (best < 0 || z[c] > mx)) {
            best = c;
            mx = z[c];
        }
    *acc = 0.0f;
    *prob = 0.0f;
    if (best < 0 || in_context(labels, P, y) != member)
        return;
    float se = 0.0f;
    for (int c = 0; c < L; c++)
        if (in_context(labels, P, c) == member)
            se += expf(z[c] - mx);
    *prob = expf(z[y] - mx - logf(se));
    *acc = (best == y) ? 1.0f : 0.0f;
}

static void query_one(const float *z, const int *labels, int P, int L, int y,
                      float out[METRIC_COUNT])
{
    int ok = (y >= 0 && y < L);
    for (int c = 0; c < L && ok; c++)
        ok = isfinite(z[c]);
    if (!ok) {
        for (int m = 0; m < METRIC_COUNT; m++)
            out[m] = NAN;
        return;
    }
    int best = 0;
    float mx = z[0];
    for (int c = 1; c < L; c++)
        if (z[c] > mx) {
            best = c;
            mx = z[c];
        }
    float se = 0.0f, se_ctx = 0.0f;
    for (int c = 0; c < L; c++) {
        float e = expf(z[c] - mx);
        se += e;
        if (in_context(labels, P, c))
            se_ctx += e;
    }
    float logp = z[y] - mx - logf(se);
    out[METRIC_LOSS] = -logp;
    out[METRIC_ACC] = (best == y) ? 1.0f : 0.0f;
    out[METRIC_PROB] = expf(logp);
    out[METRIC_USE_CONTEXT_PROB] = se_ctx / se;
    restricted(z, labels, P, L, y, 1, &out[METRIC_IN_CONTEXT_ACC], &out[METRIC_IN_CONTEXT_PROB]);
    restricted(z, labels, P, L, y, 0, &out[METRIC_OUT_CONTEXT_ACC], &out[METRIC_OUT_CONTEXT_PROB]);
}

void metrics_query(const float *logits, int logits_stride, const int *labels, const int *targets,
                   int B, int P, int L, float *per_seq, double *sums)
{
    for (int b = 0; b < B; b++) {
        float v[METRIC_COUNT];
        query_one(logits + (size_t)b * (size_t)logits_stride, labels + (size_t)b * (size_t)P, P, L,
                  targets[b], v);
        for (int m = 0; m < METRIC_COUNT; m++) {
            sums[m] += (double)v[m];
            if (per_seq)
                per_seq[(size_t)m * (size_t)B + (size_t)b] = v[m];
        }
    }
}
