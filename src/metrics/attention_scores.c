/* Attention-pattern progress measures: induction strength (design 4.2, generalised to P pairs) and
 * the previous-token score (design 4.3). Streaming: they add into per-head sums and return the count,
 * so an eval set can be fed in batches. They do not pick the layer; callers pass the right one. */
#include "ihsweep/metrics.h"

#include <stddef.h>

/* Attention of (b, h) from query row t to key column s in a [B,H,T,T] pattern. */
static float attn_at(const float *attn, int H, int T, int b, int h, int t, int s)
{
    return attn[(((size_t)b * (size_t)H + (size_t)h) * (size_t)T + (size_t)t) * (size_t)T +
                (size_t)s];
}

int metrics_induction_strength(const float *attn, const int *match, int B, int H, int T,
                               double *sums)
{
    int P = (T - 1) / 2, q = T - 1, counted = 0;
    for (int b = 0; b < B; b++) {
        int m = match[b];
        if (m < 0 || m >= P)
            continue;
        counted++;
        for (int h = 0; h < H; h++) {
            double others = 0.0;
            for (int j = 0; j < P; j++)
                if (j != m)
                    others += (double)attn_at(attn, H, T, b, h, q, 2 * j + 1);
            if (P > 1)
                others /= (double)(P - 1);
            sums[h] += (double)attn_at(attn, H, T, b, h, q, 2 * m + 1) - others;
        }
    }
    return counted;
}

int metrics_prev_token_score(const float *attn, int B, int H, int T, int labels_only, double *sums)
{
    int step = labels_only ? 2 : 1, per_seq = 0;
    for (int t = 1; t < T; t += step)
        per_seq++;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++)
            for (int t = 1; t < T; t += step) {
                double a = (double)attn_at(attn, H, T, b, h, t, t - 1);
                sums[h] += a - (1.0 - a) / (double)t;
            }
    return B * per_seq;
}
