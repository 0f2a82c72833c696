/* Composition scores between first-layer output maps and second-layer Q/K/V input maps (design 4.5),
 * from raw weight arrays. Ignores RoPE, LayerNorm and biases, as the paper's reference does (design 4.5). */
#include "ihsweep/metrics.h"

#include <math.h>
#include <stddef.h>

/* One score for stream s (0 q, 1 k, 2 v), layer-0 head j, layer-1 head i. With HD = C/H:
 *   O_j[d][c]   = w_o0[c][j*HD + d]                  (HD x C)
 *   W_si[c][e]  = w_qkv1[s*C + i*HD + e][c]          (C x HD)
 *   M[d][e]     = sum_c O_j[d][c] W_si[c][e]         (HD x HD) */
static double score_one(const float *w_o0, const float *w_qkv1, int C, int HD, int s, int j, int i)
{
    double m2 = 0.0, o2 = 0.0, w2 = 0.0;
    for (int d = 0; d < HD; d++)
        for (int c = 0; c < C; c++) {
            double o = (double)w_o0[(size_t)c * (size_t)C + (size_t)(j * HD + d)];
            o2 += o * o;
        }
    for (int e = 0; e < HD; e++)
        for (int c = 0; c < C; c++) {
            double w = (double)w_qkv1[(size_t)(s * C + i * HD + e) * (size_t)C + (size_t)c];
            w2 += w * w;
        }
    for (int d = 0; d < HD; d++)
        for (int e = 0; e < HD; e++) {
            const float *wrow = w_qkv1 + (size_t)(s * C + i * HD + e) * (size_t)C;
            double acc = 0.0;
            for (int c = 0; c < C; c++)
                acc += (double)w_o0[(size_t)c * (size_t)C + (size_t)(j * HD + d)] * (double)wrow[c];
            m2 += acc * acc;
        }
    return sqrt(m2) / (sqrt(o2) * sqrt(w2));
}

void metrics_composition_scores(const float *w_o0, const float *w_qkv1, int C, int H,
                                double *scores)
{
    int HD = C / H;
    for (int s = 0; s < 3; s++)
        for (int j = 0; j < H; j++)
            for (int i = 0; i < H; i++)
                scores[((size_t)s * (size_t)H + (size_t)j) * (size_t)H + (size_t)i] =
                    score_one(w_o0, w_qkv1, C, HD, s, j, i);
}
