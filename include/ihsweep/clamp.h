/* Artificial optogenetics (design 3): clamp configurations and the multi-pass clamped training step.
 *
 * A ClampConfig (a list of ClampSpec, parsed from JSON by config/) is compiled once per run into a
 * ClampPlan: which passes run (reference pass P0, pattern pass, final pass, frozen graft passes),
 * which sites each pass overrides, from where, with which masks. The plan owns every pass's
 * activation and activation-gradient buffers, so a step allocates nothing. Forward runs the passes
 * in order through the model's site hooks (model.h); backward walks them in reverse and routes each
 * overridden site's gradient by its mask (design 3.1): the unmasked part to the computed value, the
 * masked part to the clamp's source (another pass of the same model: gradients reach the shared
 * parameters; constants: dropped; frozen grafted models: their parameters are never updated).
 * With an empty ClampConfig the plan is one plain pass. Local (no MPI).
 */
#ifndef IHSWEEP_CLAMP_H
#define IHSWEEP_CLAMP_H

#include "ihsweep/model.h"

#define CLAMP_MAX_SPECS 16
#define CLAMP_MAX_HEADS 64
#define CLAMP_PATH_MAX 1024

typedef enum {
    CLAMP_ABLATE_HEADS = 0,       /* v of the heads = 0 */
    CLAMP_PREV_TOKEN_PATTERN,     /* attn of the heads = previous-token pattern (strength, only_label) */
    CLAMP_INDUCTION_PATTERN,      /* query row of attn = ideal induction pattern (strength) */
    CLAMP_PERFECT_COPY,           /* query logits from P0's pre-softmax scores of one head */
    CLAMP_PRESERVE,               /* patterns / values / queries / keys of all layers = P0's */
    CLAMP_HEAD_TEMPERATURE,       /* attn_pre of one layer = P0's, / temperature for the heads */
    CLAMP_DISALLOW_PREV_TOKEN,    /* attn_pre[n, n-1] = -1e9 (only_label: label rows only) */
    CLAMP_SILENCE_NON_LABEL,      /* last layer, query row, exemplar keys: attn_pre = -1e9 */
    CLAMP_MATCH_HEADS,            /* query row = softmax(cos(x_j, x_q) / temperature) */
    CLAMP_ABLATE_EMBEDDING,       /* token embeddings = 0 */
    CLAMP_GRAFT_IN,               /* block_out[layer] = a frozen checkpoint's */
    CLAMP_GRAFT_OUT,              /* frozen checkpoint's layers > layer run on block_out[layer] */
    CLAMP_PERFECT_PREV_TOKEN_INPUT, /* the Layer-1 clamp (design 3.3 specific_fn) */
    CLAMP_TYPE_COUNT
} ClampType;

/* A head reference: literal "layer:head" or a symbol resolved per seed by the sweep engine. */
typedef enum {
    CLAMP_HEAD_LITERAL = 0,
    CLAMP_HEAD_STRONGEST_IH, /* "strongest_ih": last-layer head with the highest final IS */
    CLAMP_HEAD_PT_HEAD,      /* "pt_head": first-layer head with the highest final PT score */
    CLAMP_HEAD_REST_IH       /* "rest_ih": every last-layer head except strongest_ih */
} ClampHeadSymbol;

typedef struct {
    ClampHeadSymbol symbol;
    int layer; /* literal only */
    int head;  /* literal only */
} ClampHeadRef;

enum { CLAMP_PRESERVE_PATTERNS = 1, CLAMP_PRESERVE_VALUES = 2, CLAMP_PRESERVE_QUERIES = 4,
       CLAMP_PRESERVE_KEYS = 8 };

typedef struct {
    ClampType type;
    int n_heads;
    ClampHeadRef heads[CLAMP_MAX_HEADS];
    float strength;    /* prev_token_pattern, induction_pattern (default 1) */
    float temperature; /* head_temperature, match_heads (0 = hardmax) */
    int only_label;    /* prev_token_pattern, disallow_prev_token */
    int preserve;      /* CLAMP_PRESERVE_* bits */
    int layer;         /* graft_in: till_layer; graft_out: from_layer */
    char checkpoint[CLAMP_PATH_MAX]; /* graft_in / graft_out: checkpoint file of the frozen model */
} ClampSpec;

typedef struct ClampConfig {
    int n;
    ClampSpec items[CLAMP_MAX_SPECS];
} ClampConfig;

/* Heads the symbols stand for in one seed's baseline run. */
typedef struct {
    int strongest_ih; /* last-layer head */
    int pt_head;      /* first-layer head */
} ClampHeadBindings;

typedef struct ClampPlan ClampPlan;

/* JSON name of a clamp type ("ablate_heads", ...). Static. */
const char *clamp_type_name(ClampType t);

/* 1 if any head reference in cfg is symbolic (needs clamp_config_resolve before a plan is built). */
int clamp_config_has_symbols(const ClampConfig *cfg);

/* Replaces symbolic heads with literal ones from bindings (rest_ih expands to H-1 heads).
 * Errors: IH_ECONFIG (a binding out of range, too many heads). Local. */
int clamp_config_resolve(ClampConfig *cfg, const ClampHeadBindings *bindings, int n_heads,
                         int depth);

/* The model-free rules of clamp_config_validate (value ranges, head counts, repeated heads, the
 * combination rules of src/clamp/spec.c); symbolic heads are allowed. The config parser runs it.
 * path prefixes field names ("clamps"). Errors: IH_ECONFIG. Local. */
int clamp_config_check(const ClampConfig *cfg, const char *path);

/* Checks cfg against a model configuration: heads in range, per-type rules (single layer for
 * head_temperature, last layer for silence_non_label, 2-layer model for perfect_prev_token_input,
 * combinations the reference does not define). path prefixes field names ("clamps"). No symbols
 * may remain. Errors: IH_ECONFIG. Local. */
int clamp_config_validate(const ClampConfig *cfg, const ModelConfig *model, const char *path);

/* Compiles cfg for model into a plan with buffers for max_batch sequences and max_rows exemplar
 * rows; loads graft checkpoints. cfg and model are trusted: validated once at the edge
 * (clamp_config_validate, which run_config_validate calls) and resolved. Returns owned *out.
 * Errors: IH_ECONFIG (sizes, frozen model shape), IH_ENOMEM, IH_ENOENT, IH_EDATA (bad
 * checkpoint). Local. */
int clamp_plan_create(const ClampConfig *cfg, const ModelConfig *model, int max_batch,
                      int max_rows, ClampPlan **out);

/* As clamp_plan_create, but the graft clamp's frozen model is a copy of frozen's configuration and
 * parameters (borrowed during the call) instead of the reference's checkpoint file, which is not read.
 * frozen may be NULL when cfg has no graft clamp. Errors: IH_ECONFIG (frozen missing, or of
 * another shape: input_dim, d_model, n_heads, depth, n_labels and context_pairs must match),
 * IH_ENOMEM. Local. */
int clamp_plan_create_frozen(const ClampConfig *cfg, const ModelConfig *model, int max_batch,
                             int max_rows, const Model *frozen, ClampPlan **out);

/* Frees p and sets *p = NULL. NULL-safe. */
void clamp_plan_destroy(ClampPlan **p);

/* Writes a one-line description of the passes into buf (truncated to size), e.g.
 * "reference -> final*" (* marks the pass whose output is the model output, [frozen] the graft
 * model's passes). Returns buf. */
const char *clamp_plan_describe(const ClampPlan *p, char *buf, int size);

/* Number of model passes one clamped forward runs (1 without clamps). */
int clamp_plan_passes(const ClampPlan *p);

/* Runs every pass for batch and returns the mean query loss of the final output. Cannot fail. */
float clamp_forward(ClampPlan *p, const Model *m, const ModelBatch *batch);

/* Backward through every pass of the last clamp_forward; accumulates into m's gradient buffer
 * (caller zeroes it). Cannot fail. */
void clamp_backward(ClampPlan *p, Model *m, const ModelBatch *batch);

/* Activations of the pass whose output is the model's output (query logits/probs/loss, and the
 * attention patterns metrics read). Borrowed; valid until the next clamp_forward. */
ModelActs *clamp_output_acts(ClampPlan *p);

#endif
