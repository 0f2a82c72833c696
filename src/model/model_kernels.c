/* Forward/backward kernel pairs of the transformer, side by side. Linear layers use single-threaded
 * OpenBLAS sgemm; the attention kernels are tiny (T = 5) and hand-written. No allocation, no
 * failure, no knowledge of clamps. Backward kernels accumulate into their gradient outputs. */
#include "model/internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void model__linear_forward(float *out, const float *inp, const float *w, const float *b, int N,
                           int IC, int OC)
{
    model__linear_forward_rows(out, OC, inp, IC, w, b, N, IC, OC);
}

void model__linear_forward_rows(float *out, int ldo, const float *inp, int ldi, const float *w,
                                const float *b, int N, int IC, int OC)
{
    if (b) {
        for (int n = 0; n < N; n++)
            memcpy(out + (size_t)n * ldo, b, (size_t)OC * sizeof(float));
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, IC, 1.0f, inp, ldi, w, IC,
                b ? 1.0f : 0.0f, out, ldo);
}

void model__linear_backward(float *dinp, float *dw, float *db, const float *dout,
                            const float *inp, const float *w, int N, int IC, int OC)
{
    model__linear_backward_rows(dinp, IC, dw, db, dout, OC, inp, IC, w, N, IC, OC);
}

void model__linear_backward_rows(float *dinp, int ldd, float *dw, float *db, const float *dout,
                                 int ldo, const float *inp, int ldi, const float *w, int N, int IC,
                                 int OC)
{
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, IC, OC, 1.0f, dout, ldo, w, IC,
                    1.0f, dinp, ldd);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, IC, N, 1.0f, dout, ldo, inp, ldi,
                1.0f, dw, IC);
    if (db) {
        for (int n = 0; n < N; n++) {
            const float *d = dout + (size_t)n * ldo;
            for (int o = 0; o < OC; o++)
                db[o] += d[o];
        }
    }
}

/* Reductions over a row of C values use LN_LANES partial sums (element c into sum c % LN_LANES)
 * added in a fixed tree: deterministic, independent of batch position, and free of the serial
 * chain of adds that strict float semantics would otherwise impose on every row. */
enum { LN_LANES = 8 };

static float lanes_total(const float acc[LN_LANES])
{
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* sum over c of x[c] */
static float row_sum(const float *restrict x, int C)
{
    float acc[LN_LANES] = {0};
    const int body = C - C % LN_LANES;
    for (int c = 0; c < body; c += LN_LANES)
        for (int j = 0; j < LN_LANES; j++)
            acc[j] += x[c + j];
    for (int c = body; c < C; c++)
        acc[c - body] += x[c];
    return lanes_total(acc);
}

/* sum over c of (x[c] - m)^2 */
static float row_sq_dev(const float *restrict x, float m, int C)
{
    float acc[LN_LANES] = {0};
    const int body = C - C % LN_LANES;
    for (int c = 0; c < body; c += LN_LANES)
        for (int j = 0; j < LN_LANES; j++) {
            float d = x[c + j] - m;
            acc[j] += d * d;
        }
    for (int c = body; c < C; c++) {
        float d = x[c] - m;
        acc[c - body] += d * d;
    }
    return lanes_total(acc);
}

void model__layernorm_forward(float *restrict out, float *restrict mean, float *restrict rstd,
                              const float *restrict x, const float *restrict g,
                              const float *restrict b, int N, int C)
{
    if (!g) {
        memcpy(out, x, (size_t)N * C * sizeof(float));
        return;
    }
    for (int n = 0; n < N; n++) {
        const float *xn = x + (size_t)n * C;
        float m = row_sum(xn, C) / (float)C;
        float var = row_sq_dev(xn, m, C) / (float)C;
        float s = 1.0f / sqrtf(var + 1e-5f);
        float *on = out + (size_t)n * C;
        for (int c = 0; c < C; c++)
            on[c] = (xn[c] - m) * s * g[c] + b[c];
        mean[n] = m;
        rstd[n] = s;
    }
}

void model__layernorm_backward(float *restrict dx, float *restrict dg, float *restrict db,
                               const float *restrict dout, const float *restrict x,
                               const float *restrict mean, const float *restrict rstd,
                               const float *restrict g, int N, int C)
{
    if (!g) {
        for (size_t i = 0; i < (size_t)N * C; i++)
            dx[i] += dout[i];
        return;
    }
    const int body = C - C % LN_LANES;
    for (int n = 0; n < N; n++) {
        const float *xn = x + (size_t)n * C, *dn = dout + (size_t)n * C;
        float m = mean[n], s = rstd[n];
        float acc_d[LN_LANES] = {0}, acc_dn[LN_LANES] = {0};
        for (int c = 0; c < body; c += LN_LANES)
            for (int j = 0; j < LN_LANES; j++) {
                float norm = (xn[c + j] - m) * s;
                float dnorm = g[c + j] * dn[c + j];
                acc_d[j] += dnorm;
                acc_dn[j] += dnorm * norm;
            }
        for (int c = body; c < C; c++) {
            float norm = (xn[c] - m) * s;
            float dnorm = g[c] * dn[c];
            acc_d[c - body] += dnorm;
            acc_dn[c - body] += dnorm * norm;
        }
        float dnorm_mean = lanes_total(acc_d) / (float)C;
        float dnorm_norm_mean = lanes_total(acc_dn) / (float)C;
        float *dxn = dx + (size_t)n * C;
        for (int c = 0; c < C; c++) {
            float norm = (xn[c] - m) * s;
            float dnorm = g[c] * dn[c];
            db[c] += dn[c];
            dg[c] += norm * dn[c];
            dxn[c] += (dnorm - dnorm_mean - norm * dnorm_norm_mean) * s;
        }
    }
}

void model__qkv_split_forward(float *restrict q, float *restrict k, float *restrict v, const float *restrict qkv, const float *restrict cosv,
                              const float *restrict sinv, int B, int T, int H, int HD)
{
    int C = H * HD, half = HD / 2;
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
            const float *row = qkv + ((size_t)b * T + t) * 3 * C;
            for (int h = 0; h < H; h++) {
                size_t o = (((size_t)b * H + h) * T + t) * HD;
                const float *qs = row + h * HD, *ks = row + C + h * HD, *vs = row + 2 * C + h * HD;
                memcpy(v + o, vs, (size_t)HD * sizeof(float));
                if (!cosv) {
                    memcpy(q + o, qs, (size_t)HD * sizeof(float));
                    memcpy(k + o, ks, (size_t)HD * sizeof(float));
                    continue;
                }
                for (int i = 0; i < half; i++) {
                    float c = cosv[t * half + i], s = sinv[t * half + i];
                    q[o + 2 * i] = qs[2 * i] * c - qs[2 * i + 1] * s;
                    q[o + 2 * i + 1] = qs[2 * i + 1] * c + qs[2 * i] * s;
                    k[o + 2 * i] = ks[2 * i] * c - ks[2 * i + 1] * s;
                    k[o + 2 * i + 1] = ks[2 * i + 1] * c + ks[2 * i] * s;
                }
            }
        }
    }
}

void model__qkv_split_backward(float *restrict dqkv, const float *restrict dq, const float *restrict dk, const float *restrict dv,
                               const float *restrict cosv, const float *restrict sinv, int B, int T, int H, int HD)
{
    int C = H * HD, half = HD / 2;
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
            float *row = dqkv + ((size_t)b * T + t) * 3 * C;
            for (int h = 0; h < H; h++) {
                size_t o = (((size_t)b * H + h) * T + t) * HD;
                float *dqs = row + h * HD, *dks = row + C + h * HD, *dvs = row + 2 * C + h * HD;
                for (int d = 0; d < HD; d++)
                    dvs[d] += dv[o + d];
                if (!cosv) {
                    for (int d = 0; d < HD; d++) {
                        dqs[d] += dq[o + d];
                        dks[d] += dk[o + d];
                    }
                    continue;
                }
                for (int i = 0; i < half; i++) {
                    float c = cosv[t * half + i], s = sinv[t * half + i];
                    dqs[2 * i] += dq[o + 2 * i] * c + dq[o + 2 * i + 1] * s;
                    dqs[2 * i + 1] += -dq[o + 2 * i] * s + dq[o + 2 * i + 1] * c;
                    dks[2 * i] += dk[o + 2 * i] * c + dk[o + 2 * i + 1] * s;
                    dks[2 * i + 1] += -dk[o + 2 * i] * s + dk[o + 2 * i + 1] * c;
                }
            }
        }
    }
}

void model__scores_forward(float *restrict pre, const float *restrict q, const float *restrict k, int B, int H, int T,
                           int HD)
{
    float scale = 1.0f / sqrtf((float)HD);
    for (int bh = 0; bh < B * H; bh++) {
        const float *qb = q + (size_t)bh * T * HD, *kb = k + (size_t)bh * T * HD;
        float *p = pre + (size_t)bh * T * T;
        for (int n = 0; n < T; n++) {
            for (int m = 0; m < T; m++) {
                if (m > n) {
                    p[n * T + m] = -1e20f;
                    continue;
                }
                float s = 0.0f;
                for (int d = 0; d < HD; d++)
                    s += qb[n * HD + d] * kb[m * HD + d];
                p[n * T + m] = s * scale;
            }
        }
    }
}

void model__scores_backward(float *restrict dq, float *restrict dk, const float *restrict dpre, const float *restrict q,
                            const float *restrict k, int B, int H, int T, int HD)
{
    float scale = 1.0f / sqrtf((float)HD);
    for (int bh = 0; bh < B * H; bh++) {
        const float *qb = q + (size_t)bh * T * HD, *kb = k + (size_t)bh * T * HD;
        float *dqb = dq + (size_t)bh * T * HD, *dkb = dk + (size_t)bh * T * HD;
        const float *dp = dpre + (size_t)bh * T * T;
        for (int n = 0; n < T; n++) {
            for (int m = 0; m <= n; m++) {
                float g = dp[n * T + m] * scale;
                if (g == 0.0f)
                    continue;
                for (int d = 0; d < HD; d++) {
                    dqb[n * HD + d] += g * kb[m * HD + d];
                    dkb[m * HD + d] += g * qb[n * HD + d];
                }
            }
        }
    }
}

/* exp(x) for x <= 0 (softmax arguments after the row maximum is subtracted), in float arithmetic
 * only, so that a loop of it vectorises: x = n ln 2 + r with n = x / ln 2 rounded to nearest and
 * |r| <= ln 2 / 2 (ln 2 in two parts),
 * exp(r) by the degree-7 polynomial of Cephes' expf (within 1-2 ulp of the correctly rounded
 * value), times 2^n built in the exponent bits. Below -87.3 the result would be subnormal: 0 (as
 * the masked entries, -1e20 or a clamp's -1e9, need). NaN stays NaN; x > 0 is not an argument
 * softmax makes. Deterministic: the same
 * operations in the same order on every machine (no FMA contraction, no libm). */
static inline float softmax_exp(float x)
{
    const float lo = -87.3f;
    /* xc in [lo, 0] always (NaN too), so the conversion to int below is defined */
    float xc = x >= lo && x <= 0.0f ? x : (x > 0.0f ? 0.0f : lo);
    const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding and subtracting it rounds */
    float n = (xc * 1.44269504088896341f + round_magic) - round_magic;
    float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * (r * r) + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float e = y * scale;
    return x >= lo ? e : (x < lo ? 0.0f : x); /* NaN stays NaN */
}

void model__softmax_forward(float *restrict att, const float *restrict pre, int rows, int T)
{
    /* three sweeps so that the exponentials run as one vectorised loop over rows * T values */
    for (int r = 0; r < rows; r++) {
        const float *p = pre + (size_t)r * T;
        float *a = att + (size_t)r * T;
        float mx = p[0];
        for (int m = 1; m < T; m++)
            mx = p[m] > mx ? p[m] : mx;
        for (int m = 0; m < T; m++)
            a[m] = p[m] - mx;
    }
    const size_t n = (size_t)rows * T;
    for (size_t i = 0; i < n; i++)
        att[i] = softmax_exp(att[i]);
    for (int r = 0; r < rows; r++) {
        float *a = att + (size_t)r * T;
        float sum = 0.0f;
        for (int m = 0; m < T; m++)
            sum += a[m];
        float inv = 1.0f / sum;
        for (int m = 0; m < T; m++)
            a[m] *= inv;
    }
}

void model__softmax_backward(float *restrict dpre, const float *restrict datt, const float *restrict att, int rows, int T)
{
    for (int r = 0; r < rows; r++) {
        const float *a = att + (size_t)r * T, *da = datt + (size_t)r * T;
        float dot = 0.0f;
        for (int m = 0; m < T; m++)
            dot += a[m] * da[m];
        float *dp = dpre + (size_t)r * T;
        for (int m = 0; m < T; m++)
            dp[m] += a[m] * (da[m] - dot);
    }
}

void model__attn_values_forward(float *restrict z, const float *restrict att, const float *restrict v, int B, int H, int T,
                                int HD)
{
    int C = H * HD;
    for (int b = 0; b < B; b++) {
        for (int h = 0; h < H; h++) {
            const float *a = att + ((size_t)b * H + h) * T * T;
            const float *vb = v + ((size_t)b * H + h) * T * HD;
            for (int n = 0; n < T; n++) {
                float *zn = z + ((size_t)b * T + n) * C + h * HD;
                for (int d = 0; d < HD; d++)
                    zn[d] = 0.0f;
                for (int m = 0; m < T; m++) {
                    float w = a[n * T + m];
                    for (int d = 0; d < HD; d++)
                        zn[d] += w * vb[m * HD + d];
                }
            }
        }
    }
}

void model__attn_values_backward(float *restrict datt, float *restrict dv, const float *restrict dz, const float *restrict att,
                                 const float *restrict v, int B, int H, int T, int HD)
{
    int C = H * HD;
    for (int b = 0; b < B; b++) {
        for (int h = 0; h < H; h++) {
            const float *a = att + ((size_t)b * H + h) * T * T;
            const float *vb = v + ((size_t)b * H + h) * T * HD;
            float *da = datt + ((size_t)b * H + h) * T * T;
            float *dvb = dv + ((size_t)b * H + h) * T * HD;
            for (int n = 0; n < T; n++) {
                const float *dzn = dz + ((size_t)b * T + n) * C + h * HD;
                for (int m = 0; m < T; m++) {
                    float s = 0.0f, w = a[n * T + m];
                    for (int d = 0; d < HD; d++) {
                        s += dzn[d] * vb[m * HD + d];
                        dvb[m * HD + d] += w * dzn[d];
                    }
                    da[n * T + m] += s;
                }
            }
        }
    }
}

#define GELU_SCALE 0.7978845608028654f /* sqrt(2/pi) */

void model__gelu_forward(float *restrict out, const float *restrict x, int n)
{
    for (int i = 0; i < n; i++) {
        float xi = x[i];
        out[i] = 0.5f * xi * (1.0f + tanhf(GELU_SCALE * (xi + 0.044715f * xi * xi * xi)));
    }
}

void model__gelu_backward(float *restrict dx, const float *restrict dout, const float *restrict x, int n)
{
    for (int i = 0; i < n; i++) {
        float xi = x[i];
        float u = GELU_SCALE * (xi + 0.044715f * xi * xi * xi);
        float th = tanhf(u);
        float sech2 = 1.0f - th * th;
        float du = GELU_SCALE * (1.0f + 3.0f * 0.044715f * xi * xi);
        dx[i] += dout[i] * (0.5f * (1.0f + th) + 0.5f * xi * sech2 * du);
    }
}

void model__qkv_split_last(float *restrict q, float *restrict k, float *restrict v,
                           const float *restrict qkv, const float *restrict cosv,
                           const float *restrict sinv, int B, int T, int H, int HD)
{
    int C = H * HD, half = HD / 2;
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
            const float *row = qkv + ((size_t)b * T + t) * 3 * C;
            for (int h = 0; h < H; h++) {
                size_t o = (((size_t)b * H + h) * T + t) * HD;
                const float *qs = row + h * HD, *ks = row + C + h * HD, *vs = row + 2 * C + h * HD;
                int with_q = t == T - 1;
                memcpy(v + o, vs, (size_t)HD * sizeof(float));
                if (!cosv) {
                    if (with_q)
                        memcpy(q + o, qs, (size_t)HD * sizeof(float));
                    memcpy(k + o, ks, (size_t)HD * sizeof(float));
                    continue;
                }
                for (int i = 0; i < half; i++) {
                    float c = cosv[t * half + i], s = sinv[t * half + i];
                    k[o + 2 * i] = ks[2 * i] * c - ks[2 * i + 1] * s;
                    k[o + 2 * i + 1] = ks[2 * i + 1] * c + ks[2 * i] * s;
                }
                if (!with_q)
                    continue;
                for (int i = 0; i < half; i++) {
                    float c = cosv[t * half + i], s = sinv[t * half + i];
                    q[o + 2 * i] = qs[2 * i] * c - qs[2 * i + 1] * s;
                    q[o + 2 * i + 1] = qs[2 * i + 1] * c + qs[2 * i] * s;
                }
            }
        }
    }
}

/* ---- fused attention (a pass without hooks): scores, softmax and values of one (b, h) at a
 * time, with every element computed by the same operations in the same order as the separate
 * kernels above, so both paths give the same bits. ---- */

/* z row n of one head: z[d] = sum over m of a[m] v[m, d], m ascending, accumulators in
 * registers for blocks of 8 dimensions. */
static void attn_row_values(float *restrict zn, const float *restrict a, const float *restrict vb,
                            int T, int HD)
{
    int d0 = 0;
    for (; d0 + 8 <= HD; d0 += 8) {
        float acc[8] = {0};
        for (int m = 0; m < T; m++) {
            float w = a[m];
            for (int j = 0; j < 8; j++)
                acc[j] += w * vb[m * HD + d0 + j];
        }
        for (int j = 0; j < 8; j++)
            zn[d0 + j] = acc[j];
    }
    for (int d = d0; d < HD; d++) {
        float acc = 0.0f;
        for (int m = 0; m < T; m++)
            acc += a[m] * vb[m * HD + d];
        zn[d] = acc;
    }
}

void model__attention_forward(float *restrict pre, float *restrict att, float *restrict z,
                              const float *restrict q, const float *restrict k,
                              const float *restrict v, int B, int H, int T, int HD, int n_first)
{
    const int C = H * HD;
    const float scale = 1.0f / sqrtf((float)HD);
    for (int b = 0; b < B; b++) {
        for (int h = 0; h < H; h++) {
            size_t bh = (size_t)b * H + h;
            const float *qb = q + bh * T * HD, *kb = k + bh * T * HD, *vb = v + bh * T * HD;
            for (int n = n_first; n < T; n++) {
                float *p = pre + (bh * T + n) * T;
                for (int m = 0; m < T; m++) {
                    if (m > n) {
                        p[m] = -1e20f;
                        continue;
                    }
                    float s = 0.0f;
                    for (int d = 0; d < HD; d++)
                        s += qb[n * HD + d] * kb[m * HD + d];
                    p[m] = s * scale;
                }
            }
            model__softmax_forward(att + (bh * T + n_first) * T, pre + (bh * T + n_first) * T,
                                   T - n_first, T);
            for (int n = n_first; n < T; n++)
                attn_row_values(z + ((size_t)b * T + n) * C + h * HD, att + (bh * T + n) * T, vb,
                                T, HD);
        }
    }
}

void model__attention_backward(float *restrict dq, float *restrict dk, float *restrict dv,
                               float *restrict datt, float *restrict dpre,
                               const float *restrict dz, const float *restrict att,
                               const float *restrict q, const float *restrict k,
                               const float *restrict v, int B, int H, int T, int HD,
                               int n_first)
{
    const int C = H * HD;
    const float scale = 1.0f / sqrtf((float)HD);
    for (int b = 0; b < B; b++) {
        for (int h = 0; h < H; h++) {
            size_t bh = (size_t)b * H + h;
            const float *qb = q + bh * T * HD, *kb = k + bh * T * HD, *vb = v + bh * T * HD;
            float *dqb = dq + bh * T * HD, *dkb = dk + bh * T * HD, *dvb = dv + bh * T * HD;
            for (int n = n_first; n < T; n++) {
                const float *dzn = dz + ((size_t)b * T + n) * C + h * HD;
                const float *a = att + (bh * T + n) * T;
                float *da = datt + (bh * T + n) * T, *dp = dpre + (bh * T + n) * T;
                /* values: d att and d v (model__attn_values_backward) */
                for (int m = 0; m < T; m++) {
                    float s = 0.0f, w = a[m];
                    for (int d = 0; d < HD; d++) {
                        s += dzn[d] * vb[m * HD + d];
                        dvb[m * HD + d] += w * dzn[d];
                    }
                    da[m] += s;
                }
                /* softmax (model__softmax_backward) */
                float dot = 0.0f;
                for (int m = 0; m < T; m++)
                    dot += a[m] * da[m];
                for (int m = 0; m < T; m++)
                    dp[m] += a[m] * (da[m] - dot);
                /* scores (model__scores_backward) */
                for (int m = 0; m <= n; m++) {
                    float g = dp[m] * scale;
                    if (g == 0.0f)
                        continue;
                    for (int d = 0; d < HD; d++) {
                        dqb[n * HD + d] += g * kb[m * HD + d];
                        dkb[m * HD + d] += g * qb[n * HD + d];
                    }
                }
            }
        }
    }
}
