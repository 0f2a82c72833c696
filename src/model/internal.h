/* Internals shared by the files of src/model/: the parameter and activation lists (each written
 * once, as X-macros, driving struct layout, sizes and names), and the kernel prototypes. */
#ifndef IHSWEEP_MODEL_INTERNAL_H
#define IHSWEEP_MODEL_INTERNAL_H

#include "ihsweep/model.h"

/* Parameter tensors: X(name, rows, cols, enabled, init). cols 0 = vector. The expressions use the
 * locals C, D, L, F, TP (max positions) and flags LN, APE, MLP, QKVB, PROJB that
 * model__tensor_list defines. Order is the checkpoint/fixture order. */
#define MODEL_TENSORS_PRE(X)                                                                       \
    X(wx, C, D, 1, MODEL_INIT_LECUN)                                                               \
    X(bx, C, 0, 1, MODEL_INIT_ZERO)                                                                \
    X(wy, C, L, 1, MODEL_INIT_SMALL)                                                               \
    X(wpe, TP, C, APE, MODEL_INIT_SMALL)
#define MODEL_TENSORS_LAYER(X)                                                                     \
    X(ln1_g, C, 0, LN, MODEL_INIT_ONE)                                                             \
    X(ln1_b, C, 0, LN, MODEL_INIT_ZERO)                                                            \
    X(wqkv, 3 * C, C, 1, MODEL_INIT_LECUN)                                                         \
    X(bqkv, 3 * C, 0, QKVB, MODEL_INIT_ZERO)                                                       \
    X(wo, C, C, 1, MODEL_INIT_LECUN)                                                               \
    X(bo, C, 0, PROJB, MODEL_INIT_ZERO)                                                            \
    X(ln2_g, C, 0, MLP &&LN, MODEL_INIT_ONE)                                                       \
    X(ln2_b, C, 0, MLP &&LN, MODEL_INIT_ZERO)                                                      \
    X(wfc, F, C, MLP, MODEL_INIT_LECUN)                                                            \
    X(bfc, F, 0, MLP, MODEL_INIT_ZERO)                                                             \
    X(wproj, C, F, MLP, MODEL_INIT_LECUN)                                                          \
    X(bproj, C, 0, MLP, MODEL_INIT_ZERO)
#define MODEL_TENSORS_POST(X)                                                                      \
    X(lnf_g, C, 0, LN, MODEL_INIT_ONE)                                                             \
    X(lnf_b, C, 0, LN, MODEL_INIT_ZERO)                                                            \
    X(wu, L, C, 1, MODEL_INIT_LECUN)                                                               \
    X(bu, L, 0, 1, MODEL_INIT_ZERO)

typedef enum {
    MODEL_INIT_ZERO,
    MODEL_INIT_ONE,
    MODEL_INIT_LECUN, /* truncated normal [-2,2] scaled to std 1/sqrt(fan_in) */
    MODEL_INIT_SMALL  /* 0.02 x truncated normal [-2,2], not rescaled */
} ModelInit;

#define MODEL_DECLARE_FIELD(name, rows, cols, enabled, init) float *name;
typedef struct {
    MODEL_TENSORS_LAYER(MODEL_DECLARE_FIELD)
} ModelLayerView;
typedef struct {
    MODEL_TENSORS_PRE(MODEL_DECLARE_FIELD)
    ModelLayerView *layers; /* [depth] */
    MODEL_TENSORS_POST(MODEL_DECLARE_FIELD)
} ModelView;

/* Activations of one pass: X(name, size expression). Locals: B, R, T, C, H, HD, F, L. */
#define MODEL_ACTS_PRE(X)                                                                          \
    X(rows_emb, R *C)                                                                              \
    X(tok, B *T *C)                                                                                \
    X(emb, B *T *C)
#define MODEL_ACTS_LAYER(X)                                                                        \
    X(ln1, B *T *C)                                                                                \
    X(ln1_mean, B *T)                                                                              \
    X(ln1_rstd, B *T)                                                                              \
    X(qkv, B *T * 3 * C)                                                                           \
    X(q, B *H *T *HD)                                                                              \
    X(k, B *H *T *HD)                                                                              \
    X(v, B *H *T *HD)                                                                              \
    X(pre, B *H *T *T)                                                                             \
    X(att, B *H *T *T)                                                                             \
    X(z, B *T *C)                                                                                  \
    X(attn_out, B *T *C)                                                                           \
    X(resid_mid, B *T *C)                                                                          \
    X(ln2, B *T *C)                                                                                \
    X(ln2_mean, B *T)                                                                              \
    X(ln2_rstd, B *T)                                                                              \
    X(fc, B *T *F)                                                                                 \
    X(gelu, B *T *F)                                                                               \
    X(mlp_out, B *T *C)                                                                            \
    X(out, B *T *C)
#define MODEL_ACTS_POST(X)                                                                         \
    X(lnf, B *T *C)                                                                                \
    X(lnf_mean, B *T)                                                                              \
    X(lnf_rstd, B *T)                                                                              \
    X(logits, B *T *L)                                                                             \
    X(qlogits, B *L)                                                                               \
    X(qprobs, B *L)                                                                                \
    X(qloss, B)

#define MODEL_DECLARE_ACT(name, size) float *name;
typedef struct {
    MODEL_ACTS_LAYER(MODEL_DECLARE_ACT)
} ModelLayerActs;

struct ModelActs {
    int max_batch, max_rows;
    int query_only; /* model_acts_set_query_only */
    int B; /* batch of the last forward */
    ModelConfig cfg;
    size_t n_floats;
    float *buffer; /* the one flat buffer */
    MODEL_ACTS_PRE(MODEL_DECLARE_ACT)
    ModelLayerActs *layers; /* [depth] */
    MODEL_ACTS_POST(MODEL_DECLARE_ACT)
    float *rope_cos, *rope_sin; /* [T, HD/2] (RoPE tables, not part of the activation buffer) */
    float *pos_table;           /* [T, C] sinusoidal terms */
};

struct Model {
    ModelConfig cfg;
    int n_tensors;
    ModelTensor *tensors;
    size_t n_params;
    float *params, *grads, *adam_m, *adam_v;
    long adam_t;
    ModelView p; /* views into params */
    ModelView g; /* views into grads */
};

/* ---- the steps of one forward pass (model_pass.c), shared with the query-only pass ---- */

/* rows_emb, tok (hook TOK_EMBEDDING) and emb = tok + positional terms for in->B sequences. */
void model__embed_forward(const Model *m, const ModelBatch *in, ModelActs *a,
                          const ModelHooks *hooks);
/* Block l over B sequences from its input stream x[B,T,C] into a->layers[l], with its hooks. */
void model__block_forward(const Model *m, int l, const float *x, ModelActs *a, int B,
                          const ModelHooks *hooks);
/* The query-only last block and head (model_query.c): the last block from its input x[B,T,C]
 * (k, v at every row; everything else at the query rows), final layer norm and logits at the query
 * rows; their backward (mlp_ratio 0) from d logits at the query rows into dx (the last block
 * input's gradient) and the parameter gradients. */
void model__last_block_query_forward(const Model *m, const float *x, ModelActs *a, int B);
void model__head_query_forward(const Model *m, ModelActs *a, int B);
void model__head_query_backward(Model *m, const ModelActs *a, ModelActs *d, int B);
void model__last_block_query_backward(Model *m, const ModelActs *a, ModelActs *d, const float *x,
                                      float *dx, int B);
/* qlogits, qprobs, qloss from the logits at each sequence's query position. */
void model__query_outputs(ModelActs *a, const ModelBatch *in, int T, int L);

/* ---- kernels (model_kernels.c). Forward/backward pairs; backward functions accumulate (+=)
 * into every gradient they write. Shapes in comments. ---- */

/* out[N,OC] = inp[N,IC] w[OC,IC]^T + b[OC] (b may be NULL) */
void model__linear_forward(float *out, const float *inp, const float *w, const float *b, int N,
                           int IC, int OC);
/* As model__linear_forward for N rows that lie ldi (inp) and ldo (out) floats apart, so that one
 * product covers every T-th row of a [B,T,*] tensor (ldi = T*IC) or a column block of a wider one. */
void model__linear_forward_rows(float *out, int ldo, const float *inp, int ldi, const float *w,
                                const float *b, int N, int IC, int OC);
/* dinp[N,IC] += dout w (skipped if dinp NULL); dw[OC,IC] += dout^T inp; db[OC] += sum dout */
void model__linear_backward(float *dinp, float *dw, float *db, const float *dout,
                            const float *inp, const float *w, int N, int IC, int OC);
/* As model__linear_backward over rows ldd (dinp), ldo (dout), ldi (inp) floats apart. */
void model__linear_backward_rows(float *dinp, int ldd, float *dw, float *db, const float *dout,
                                 int ldo, const float *inp, int ldi, const float *w, int N, int IC,
                                 int OC);

/* out[N,C] = (x - mean) * rstd * g + b; mean/rstd[N] saved. g == NULL: identity copy. */
void model__layernorm_forward(float *out, float *mean, float *rstd, const float *x,
                              const float *g, const float *b, int N, int C);
void model__layernorm_backward(float *dx, float *dg, float *db, const float *dout, const float *x,
                               const float *mean, const float *rstd, const float *g, int N, int C);

/* Splits qkv[B,T,3C] into q,k,v[B,H,T,HD] and rotates q,k (cos/sin [T,HD/2]; NULL = no RoPE). */
void model__qkv_split_forward(float *q, float *k, float *v, const float *qkv, const float *cosv,
                              const float *sinv, int B, int T, int H, int HD);
/* dqkv[B,T,3C] += inverse rotation of dq, dk, and dv. */
void model__qkv_split_backward(float *dqkv, const float *dq, const float *dk, const float *dv,
                               const float *cosv, const float *sinv, int B, int T, int H, int HD);

/* pre[B,H,T,T] = q k^T / sqrt(HD) with the causal mask (-1e20 above the diagonal) */
void model__scores_forward(float *pre, const float *q, const float *k, int B, int H, int T,
                           int HD);
void model__scores_backward(float *dq, float *dk, const float *dpre, const float *q,
                            const float *k, int B, int H, int T, int HD);

/* att = row softmax of pre, both [B*H*T, T] */
void model__softmax_forward(float *att, const float *pre, int rows, int T);
void model__softmax_backward(float *dpre, const float *datt, const float *att, int rows, int T);

/* z[B,T,C] (heads concatenated) = att[B,H,T,T] v[B,H,T,HD] */
void model__attn_values_forward(float *z, const float *att, const float *v, int B, int H, int T,
                                int HD);
void model__attn_values_backward(float *datt, float *dv, const float *dz, const float *att,
                                 const float *v, int B, int H, int T, int HD);

/* The three attention kernels above fused per (b, h) for passes without hooks, over query rows
 * [n_first, T) (0: all; T-1: the query position only, as the query-only last block): the same
 * values (pre, att, z; in backward datt, dpre, dq, dk, dv accumulated) bit for bit. */
void model__attention_forward(float *pre, float *att, float *z, const float *q, const float *k,
                              const float *v, int B, int H, int T, int HD, int n_first);
void model__attention_backward(float *dq, float *dk, float *dv, float *datt, float *dpre,
                               const float *dz, const float *att, const float *q, const float *k,
                               const float *v, int B, int H, int T, int HD, int n_first);

/* The split for the query-only last block: k and v at every position, q only at T-1. */
void model__qkv_split_last(float *q, float *k, float *v, const float *qkv, const float *cosv,
                           const float *sinv, int B, int T, int H, int HD);

/* out[n] = gelu_tanh(x[n]) */
void model__gelu_forward(float *out, const float *x, int n);
void model__gelu_backward(float *dx, const float *dout, const float *x, int n);

#endif
