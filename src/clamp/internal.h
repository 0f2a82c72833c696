/* Internals shared by the files of src/clamp/: the compiled form of a clamp configuration.
 *
 * A ClampPlan is a short list of passes, each one model_forward/model_backward over its own
 * activation and activation-gradient buffers. A pass carries the overrides ("slots" of design 3.1)
 * applied at its sites: a = where(mask, source, value), in the order of design 3.3. An override's
 * source is a constant, a per-batch query row (induction / match patterns), or a site of a pass
 * that runs earlier in the same step (or, for the token embeddings, earlier in the same pass),
 * through a transform. Backward visits a pass's overrides of one site in reverse order: each
 * moves the masked part of the gradient to its source (deposited into the source pass's dacts,
 * through the transform's backward) or drops it (constants, frozen sources), and zeroes it.
 * plan.c compiles configurations into passes; step.c runs them; spec.c handles ClampConfig.
 */
#ifndef IHSWEEP_CLAMP_INTERNAL_H
#define IHSWEEP_CLAMP_INTERNAL_H

#include "ihsweep/clamp.h"

/* reference P0, graft-in, final, graft-out: the most passes one configuration needs */
#define CLAMP_MAX_PASSES 4

/* value the reference writes for "never attend" / "not a context label" (design 3.3) */
#define CLAMP_NEG (-1e9f)

typedef enum {
    CLAMP_SRC_CONST, /* value[i]: one array per sequence, the same for every sequence */
    CLAMP_SRC_ROWS,  /* value = rows[b*T + key]: query-row attention built per batch */
    CLAMP_SRC_PASS   /* a site of an earlier pass (or this pass's token embedding) */
} ClampSourceKind;

typedef enum {
    CLAMP_XFORM_IDENTITY,   /* same site shape, elementwise */
    CLAMP_XFORM_HEAD_DIV,   /* [H,T,T] site: value[h] = source[h] / div[h] (head temperature) */
    CLAMP_XFORM_SHIFT,      /* [T,C] site: value[t] = source[shift[t]] (shifted embedding stream) */
    CLAMP_XFORM_COPY_LOGITS /* LOGITS query row from one head's ATTN_PRE (perfect copy) */
} ClampTransform;

typedef struct {
    ModelSite site; /* destination site in this pass */
    int layer;
    int n;               /* elements per sequence of the destination site */
    unsigned char *mask; /* [n] per sequence, owned; NULL: every element */
    ClampSourceKind kind;
    float *value;       /* CONST: [n]; ROWS: [max_batch * T]; owned */
    ClampType row_type; /* ROWS: CLAMP_INDUCTION_PATTERN or CLAMP_MATCH_HEADS */
    float row_param;    /* ROWS: strength or temperature */
    int src_pass;       /* PASS: index into the plan's passes */
    ModelSite src_site;
    int src_layer;
    int route_grad; /* PASS: 1 deposits the masked gradient into the source pass */
    ClampTransform xform;
    float *div; /* HEAD_DIV: [H], owned */
    int *shift; /* SHIFT: [T], owned */
    int head;   /* COPY_LOGITS: head of the source ATTN_PRE */
} ClampOverride;

typedef struct {
    struct ClampPlan *plan;
    int index;
    const char *role;  /* "reference", "pattern", "graft-in", "final", "graft-out" */
    int frozen;        /* runs the plan's frozen model instead of the trained one */
    float loss_weight; /* 1 for the pass whose output is the model output */
    int backward;      /* 1: model_backward runs for this pass */
    ModelActs *acts;   /* owned */
    ModelActs *dacts;  /* owned; NULL when the pass has no backward */
    int n_ov;
    ClampOverride *ov; /* [n_ov], owned, in application order */
    ModelHooks hooks;
} ClampPass;

struct ClampPlan {
    ModelConfig cfg; /* trained model */
    Model *frozen;   /* owned copy of the graft model; NULL without graft clamps */
    int max_batch, max_rows;
    int n_passes;
    ClampPass passes[CLAMP_MAX_PASSES];
    int output_pass;
    const ModelBatch *batch; /* of the current forward/backward (borrowed during the call) */
};

/* Hook callbacks installed on every pass with overrides (step.c). ctx is the ClampPass. */
void clamp__after_forward(void *ctx, ModelSite site, int layer, float *value);
void clamp__before_backward(void *ctx, ModelSite site, int layer, float *grad);

#endif
