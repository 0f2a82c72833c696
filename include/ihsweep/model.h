/* The attention-only transformer of design 2.1-2.3: configuration, parameters, activations, forward,
 * backward and Adam, in the style of llm.c.
 *
 * Memory: one flat buffer each for parameters, gradients and Adam moments (owned by Model), and one
 * flat buffer of activations per forward pass (owned by ModelActs; a second ModelActs of the same
 * shape holds activation gradients). Everything is allocated at create time; forward, backward and
 * Adam never allocate and never fail. The model knows nothing of clamps: forward and backward call
 * optional hooks at every named activation site (design 3.2) so the clamp layer can override a site's
 * value and route its gradient.
 *
 * Dimension letters: B batch, T tokens (2P+1), P context pairs, X = P+1 exemplar tokens, D input dim,
 * C d_model, H heads, HD head dim (C/H), L labels, F MLP width, R distinct exemplar rows in a batch.
 * Token order is [x_1, y_1, ..., x_P, y_P, x_q]: exemplar j at position 2j, label j at 2j+1.
 * Weights are stored [out, in] (y = x W^T + b), as torch.nn.Linear.
 */
#ifndef IHSWEEP_MODEL_H
#define IHSWEEP_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum { MODEL_POS_ROPE = 0, MODEL_POS_APE, MODEL_POS_SINUSOIDAL, MODEL_POS_NONE } ModelPos;

typedef struct {
    int input_dim;     /* D (512 in the paper) */
    int d_model;       /* C (64) */
    int n_heads;       /* H (8); C % H == 0 */
    int depth;         /* layers (2) */
    int n_labels;      /* L (5) */
    int context_pairs; /* P (2): T = 2P+1 tokens */
    ModelPos pos;      /* positional scheme (RoPE) */
    float pos_base;    /* RoPE / sinusoidal base (10000) */
    int max_positions; /* rows of the learned absolute table (32); must be >= T */
    int layer_norm;    /* 1: pre-LN blocks and a final LN (paper); 0: none */
    int qkv_bias;      /* 1: Q/K/V biases (paper era, design 2.7) */
    int proj_bias;     /* 1: attention output-projection bias */
    int mlp_ratio;     /* 0: attention only (paper); else MLP width F = ratio * C, GELU(tanh) */
    float init_rescale; /* multiplies every Linear weight at init (1) */
} ModelConfig;

typedef struct {
    float lr;           /* 1e-5 */
    float beta1, beta2; /* 0.9, 0.999 */
    float eps;          /* 1e-8 */
    float weight_decay; /* 0: off. Else adds wd * sum over tensors of ||theta||_2 to the loss */
} AdamConfig;

/* Named activation sites that hooks see (design 3.2). Per-layer sites take a layer index. */
typedef enum {
    MODEL_SITE_TOK_EMBEDDING = 0, /* [B,T,C] token embeddings before positional terms */
    MODEL_SITE_Q,                 /* [B,H,T,HD] queries after RoPE (layer) */
    MODEL_SITE_K,                 /* [B,H,T,HD] keys after RoPE (layer) */
    MODEL_SITE_V,                 /* [B,H,T,HD] values (layer) */
    MODEL_SITE_ATTN_PRE,          /* [B,H,T,T] scaled scores, causal mask (-1e20) applied (layer) */
    MODEL_SITE_ATTN,              /* [B,H,T,T] attention pattern after softmax (layer) */
    MODEL_SITE_BLOCK_OUT,         /* [B,T,C] residual stream after the block (layer) */
    MODEL_SITE_LOGITS,            /* [B,T,L] logits at every position */
    MODEL_SITE_COUNT
} ModelSite;

/* One parameter tensor: name (as in fixtures and checkpoints), offset into the flat buffer,
 * element count, and shape (ndim 1 or 2, [out, in] for weights). */
typedef struct {
    char name[32];
    size_t offset;
    size_t size;
    int ndim;
    int shape[2];
} ModelTensor;

typedef struct Model Model;         /* parameters, gradients, Adam state */
typedef struct ModelActs ModelActs; /* activations (or their gradients) of one forward pass */

/* Inputs of one batch. The exemplar features are given as a table of R distinct rows and an index
 * per exemplar token, so repeated exemplars (one vector per class in training) are projected once. */
typedef struct {
    int B;
    int R;                      /* rows in exemplar_rows */
    const float *exemplar_rows; /* [R, D] */
    const int *example_row;     /* [B, X] row of exemplar_rows for each exemplar token */
    const int *labels;          /* [B, P] context labels in 0..L-1 */
    const int *targets;         /* [B] query labels in 0..L-1 (never fed to the model) */
} ModelBatch;

/* Hooks the clamp layer installs; any may be NULL. `value`/`grad` point to the site's tensor for
 * the whole batch (shapes above). after_forward runs right after the site is computed and may
 * overwrite values in place; everything downstream sees the result. before_backward runs when
 * `grad` holds the full gradient with respect to the site's (possibly overridden) value, before it
 * reaches the site's producer; it may rewrite it in place. For MODEL_SITE_ATTN an override must
 * replace whole query rows (softmax backward reads the stored pattern). */
typedef struct {
    void *ctx;
    void (*after_forward)(void *ctx, ModelSite site, int layer, float *value);
    void (*before_backward)(void *ctx, ModelSite site, int layer, float *grad);
} ModelHooks;

/* Returns the default (paper) configuration for L labels (design 2.1, 2.7). */
ModelConfig model_config_paper(int n_labels);

/* Returns the paper's Adam settings (lr 1e-5, design 2.3). */
AdamConfig model_adam_paper(void);

/* Validates cfg; on error records a message naming the field ("model.d_model ...") and returns
 * IH_ECONFIG. Local. */
int model_config_validate(const ModelConfig *cfg);

/* Number of tokens T = 2P+1. */
int model_tokens(const ModelConfig *cfg);

/* Creates a model with zeroed parameters, gradients and Adam state. Returns owned *out (destroy
 * with model_destroy). Errors: IH_ECONFIG, IH_ENOMEM. Local. */
int model_create(const ModelConfig *cfg, Model **out);

/* Frees m and sets *m = NULL. NULL-safe. */
void model_destroy(Model **m);

/* The configuration m was created with. Borrowed. */
const ModelConfig *model_config(const Model *m);

/* Parameter tensors in their fixed order (the one list the layout, checkpoints, fixtures and tests
 * use). Borrowed; *n_out receives the count. Zero-size tensors (disabled options) are included. */
const ModelTensor *model_tensors(const Model *m, int *n_out);

/* Finds a tensor by name; NULL if absent. Borrowed. */
const ModelTensor *model_tensor_find(const Model *m, const char *name);

/* Flat buffers, each model_param_count() floats. Borrowed; valid for the model's life. */
size_t model_param_count(const Model *m);
float *model_params(Model *m);
const float *model_params_const(const Model *m);
float *model_grads(Model *m);
float *model_adam_m(Model *m);
float *model_adam_v(Model *m);
/* Adam step counter t (number of updates applied); settable for checkpoint restore. */
long model_adam_t(const Model *m);
void model_set_adam_t(Model *m, long t);

/* Initialises parameters as design 2.2 from stream (init_seed, MODEL_INIT, tensor number): LeCun
 * truncated normal for Linear weights, 0.02 x truncated normal for the label embedding, zero biases,
 * unit LN gains; resets Adam state. Local; cannot fail. */
void model_init_params(Model *m, uint32_t init_seed);

/* Creates the activation buffers of one pass for up to max_batch sequences and max_rows distinct
 * exemplar rows. Owned *out. Errors: IH_ECONFIG, IH_ENOMEM. Local. */
int model_acts_create(const ModelConfig *cfg, int max_batch, int max_rows, ModelActs **out);
void model_acts_destroy(ModelActs **a);

/* on != 0: model_forward without hooks on these activations runs model_forward_query (only where
 * the loss reads; see there for which sites stay valid) and model_backward from them computes the
 * same gradients from those positions (mlp_ratio 0; with an MLP the full pass runs). For a pass
 * whose other activations nobody reads, such as a training step without clamps. The gradient
 * buffers must be zeroed before each backward (model_acts_zero). Default 0. */
void model_acts_set_query_only(ModelActs *a, int on);

/* Sets every activation (or gradient) to zero. */
void model_acts_zero(ModelActs *a);

/* Pointer to a site's tensor for the current batch (layer ignored for non-layer sites), and its
 * shape (dims[0..ndim)). Borrowed. */
float *model_acts_site(ModelActs *a, ModelSite site, int layer);
int model_site_shape(const ModelConfig *cfg, ModelSite site, int B, int dims[4]);

/* Query-position outputs of the last forward: logits [B, L] and per-sequence loss [B]
 * (cross-entropy against batch->targets). Borrowed. */
const float *model_acts_query_logits(const ModelActs *a);
const float *model_acts_query_loss(const ModelActs *a);

/* Forward pass: fills acts, returns the mean query loss. hooks may be NULL. Cannot fail (sizes were
 * validated at create time; batch->B <= max_batch, batch->R <= max_rows). */
float model_forward(const Model *m, const ModelBatch *batch, ModelActs *acts,
                    const ModelHooks *hooks);

/* Forward-only pass for evaluation, without hooks: the same query logits and loss as
 * model_forward (up to the row blocking of the matrix products), computed only where they are
 * read. Valid afterwards: model_acts_query_logits/loss; every site of the blocks before the last;
 * of the last block K and V at every position and Q, ATTN_PRE, ATTN, BLOCK_OUT at the query
 * position only. With mlp_ratio 0 and depth >= 2, also writes (where non-NULL) the query logits
 * [B, L] of two ablations of the bare model: no_l0_direct, every first-layer head's values zeroed
 * with the later layers' attention patterns and values kept from this pass; no_last, every
 * last-layer head's values zeroed. No backward may follow. Cannot fail. */
float model_forward_query(const Model *m, const ModelBatch *batch, ModelActs *acts,
                          float *no_l0_direct, float *no_last);

/* Backward pass for a forward whose activations are in acts: accumulates parameter gradients into
 * the model's gradient buffer. dacts holds activation gradients: the caller zeroes it before the
 * step; values already present (deposited there by a later pass's clamp routing) are included.
 * loss_weight scales d(mean query loss) seeded at the logits (1 for the pass whose loss is
 * trained, 0 for a pass that only feeds others). Cannot fail. */
void model_backward(Model *m, const ModelBatch *batch, const ModelActs *acts, ModelActs *dacts,
                    float loss_weight, const ModelHooks *hooks);

/* Zeroes the gradient buffer. */
void model_zero_grad(Model *m);

/* Global L2 norm of the gradient buffer. */
float model_grad_norm(const Model *m);

/* One Adam update with bias correction (design 2.3) from the gradient buffer; increments t. */
void model_adam_step(Model *m, const AdamConfig *opt);

/* 1 if every parameter is finite. */
int model_params_finite(const Model *m);

/* FLOPs of one training step (forward + backward) for B sequences with R distinct exemplar rows
 * (multiply-add = 2 FLOPs). */
double model_step_flops(const ModelConfig *cfg, int B, int R);

#endif
