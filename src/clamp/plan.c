/* Compiles a ClampConfig into a ClampPlan (design 3.1-3.3): the passes, the overrides each pass
 * applies (site, mask, source, transform) in the order of design 3.3, which passes need a backward,
 * and every buffer a step uses. Running the plan is step.c's.
 *
 * Pass structures (P0 = unclamped reference pass of the trained model):
 * - no clamps: final.
 * - standard: [reference P0 if preserve / perfect_copy / head_temperature] [graft-in: frozen model,
 *   plain, no backward] final [graft-out: frozen model whose block_out[l] is the final pass's; its
 *   output is the model output]. The final pass's overrides, in order: P0 slots (preserve,
 *   head_temperature, perfect_copy, in config order), graft-in, ablate_embedding, ablate_heads,
 *   prev_token_pattern, induction_pattern, match_heads, disallow_prev_token, silence_non_label.
 * - perfect_prev_token_input: pattern (block_out[0] = the shifted stream of its own token
 *   embeddings) and final (block_out[0] = its own token embeddings; all of layer 1's attn = the
 *   pattern pass's; ablated heads' v = 0; perfect_copy from the pattern pass's scores). The reference's
 *   E comes from a plain pass P0; the token embeddings of any pass of the trained model are the
 *   same numbers and the same function of the shared parameters (the positional term is zero:
 *   spec.c requires RoPE or none), so each pass takes E from itself and P0 is not run.
 * The graft-out pass also copies the final pass's attention patterns of layers <= from_layer
 * (constants: they cannot change its output, whose block_out[from_layer] is replaced), so that
 * the output pass's patterns are those of the network that produced the output.
 */
#include "clamp/internal.h"

#include "ihsweep/checkpoint.h"
#include "ihsweep/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int T, H, HD, C, L, P;
} Dims;

static Dims plan_dims(const ModelConfig *c)
{
    Dims d = {model_tokens(c), c->n_heads,  c->d_model / c->n_heads,
              c->d_model,      c->n_labels, c->context_pairs};
    return d;
}

static int site_numel(const ModelConfig *c, ModelSite site)
{
    int dims[4], nd = model_site_shape(c, site, 1, dims), n = 1;
    for (int i = 1; i < nd; i++)
        n *= dims[i];
    return n;
}

static int pass_add(ClampPlan *p, const char *role, int frozen, float loss_weight)
{
    ClampPass *ps = &p->passes[p->n_passes];
    ps->plan = p;
    ps->index = p->n_passes;
    ps->role = role;
    ps->frozen = frozen;
    ps->loss_weight = loss_weight;
    return p->n_passes++;
}

/* A new override at (site, layer) of pass, zeroed but for the destination. */
static ClampOverride *ov_new(ClampPlan *p, int pass, ModelSite site, int layer)
{
    ClampPass *ps = &p->passes[pass];
    ClampOverride *ov = &ps->ov[ps->n_ov++];
    memset(ov, 0, sizeof *ov);
    ov->site = site;
    ov->layer = layer;
    ov->n = site_numel(&p->cfg, site);
    return ov;
}

static void ov_free(ClampOverride *ov)
{
    free(ov->mask);
    free(ov->value);
    free(ov->div);
    free(ov->shift);
}

static void ov_from_pass(ClampOverride *ov, int src, ModelSite site, int layer, int route)
{
    ov->kind = CLAMP_SRC_PASS;
    ov->src_pass = src;
    ov->src_site = site;
    ov->src_layer = layer;
    ov->route_grad = route;
    ov->xform = CLAMP_XFORM_IDENTITY;
}

/* Heads of spec s in layer l: fills which[H] with 1/0 and returns how many. */
static int heads_in_layer(const ClampSpec *s, int l, int H, unsigned char *which)
{
    int n = 0;
    memset(which, 0, (size_t)H);
    for (int j = 0; j < s->n_heads; j++)
        if (s->heads[j].layer == l && !which[s->heads[j].head]) {
            which[s->heads[j].head] = 1;
            n++;
        }
    return n;
}

/* Constant override of the given heads of layer l at site: mask selects, per head, the elements
 * for which keep(row, col) is true ([T, inner] per head); value is fill everywhere (pattern below
 * may rewrite it). */
typedef int (*ClampKeep)(const Dims *d, int row, int col, const void *arg);

static int add_head_const(ClampPlan *p, int pass, ModelSite site, int l, const unsigned char *which,
                          int inner, ClampKeep keep, const void *arg, float fill,
                          ClampOverride **out)
{
    int rc = 0;
    Dims d = plan_dims(&p->cfg);
    ClampOverride *ov = ov_new(p, pass, site, l);
    ov->kind = CLAMP_SRC_CONST;
    IH_ALLOC(ov->mask, ov->n);
    IH_ALLOC(ov->value, ov->n);
    for (int h = 0; h < d.H; h++)
        for (int r = 0; r < d.T; r++)
            for (int c = 0; c < inner; c++) {
                size_t i = ((size_t)h * d.T + r) * inner + c;
                ov->value[i] = fill;
                ov->mask[i] = which[h] && (!keep || keep(&d, r, c, arg));
            }
    *out = ov;
cleanup:
    return rc;
}

static int keep_rows(const Dims *d, int row, int col, const void *arg)
{
    (void)col;
    int only_label = *(const int *)arg;
    return !only_label || (row % 2 == 1 && row < d->T - 1);
}

static int keep_query_row(const Dims *d, int row, int col, const void *arg)
{
    (void)col;
    (void)arg;
    return row == d->T - 1;
}

static int keep_prev_entry(const Dims *d, int row, int col, const void *arg)
{
    int only_label = *(const int *)arg;
    if (row < 1 || col != row - 1)
        return 0;
    return !only_label || (row % 2 == 1 && row < d->T - 1);
}

static int keep_query_exemplar_keys(const Dims *d, int row, int col, const void *arg)
{
    (void)arg;
    return row == d->T - 1 && col % 2 == 0;
}

/* One override per layer that spec s names heads in. */
static int add_head_clamp(ClampPlan *p, int pass, const ClampSpec *s)
{
    int rc = 0;
    Dims d = plan_dims(&p->cfg);
    unsigned char *which = NULL;
    ClampOverride *ov = NULL;
    IH_ALLOC(which, d.H);
    for (int l = 0; l < p->cfg.depth; l++) {
        if (heads_in_layer(s, l, d.H, which) == 0)
            continue;
        switch (s->type) {
        case CLAMP_ABLATE_HEADS:
            IH_TRY(add_head_const(p, pass, MODEL_SITE_V, l, which, d.HD, NULL, NULL, 0.0f, &ov));
            break;
        case CLAMP_PREV_TOKEN_PATTERN:
            IH_TRY(add_head_const(p, pass, MODEL_SITE_ATTN, l, which, d.T, keep_rows,
                                  &s->only_label, 0.0f, &ov));
            for (int h = 0; h < d.H; h++) {
                float *pat = ov->value + (size_t)h * d.T * d.T;
                pat[0] = 1.0f;
                for (int n = 1; n < d.T; n++) {
                    pat[n * d.T + n - 1] = s->strength;
                    pat[n * d.T + n] = 1.0f - s->strength;
                }
            }
            break;
        case CLAMP_INDUCTION_PATTERN:
        case CLAMP_MATCH_HEADS:
            IH_TRY(add_head_const(p, pass, MODEL_SITE_ATTN, l, which, d.T, keep_query_row, NULL,
                                  0.0f, &ov));
            free(ov->value);
            ov->value = NULL;
            ov->kind = CLAMP_SRC_ROWS;
            ov->row_type = s->type;
            ov->row_param = s->type == CLAMP_INDUCTION_PATTERN ? s->strength : s->temperature;
            IH_ALLOC(ov->value, (size_t)p->max_batch * d.T);
            break;
        case CLAMP_DISALLOW_PREV_TOKEN:
            IH_TRY(add_head_const(p, pass, MODEL_SITE_ATTN_PRE, l, which, d.T, keep_prev_entry,
                                  &s->only_label, CLAMP_NEG, &ov));
            break;
        case CLAMP_SILENCE_NON_LABEL:
            IH_TRY(add_head_const(p, pass, MODEL_SITE_ATTN_PRE, l, which, d.T,
                                  keep_query_exemplar_keys, NULL, CLAMP_NEG, &ov));
            break;
        default:
            IH_FAIL(IH_EINTERNAL, "clamp type %s is not a head clamp", clamp_type_name(s->type));
        }
    }
cleanup:
    free(which);
    return rc;
}

static int add_perfect_copy(ClampPlan *p, int pass, int src, const ClampSpec *s)
{
    int rc = 0;
    Dims d = plan_dims(&p->cfg);
    ClampOverride *ov = ov_new(p, pass, MODEL_SITE_LOGITS, 0);
    ov_from_pass(ov, src, MODEL_SITE_ATTN_PRE, s->heads[0].layer, 1);
    ov->xform = CLAMP_XFORM_COPY_LOGITS;
    ov->head = s->heads[0].head;
    IH_ALLOC(ov->mask, ov->n);
    memset(ov->mask + (size_t)(d.T - 1) * d.L, 1, (size_t)d.L);
cleanup:
    return rc;
}

static int add_p0_slots(ClampPlan *p, int pass, int p0, const ClampSpec *s)
{
    static const ModelSite preserve_sites[4] = {MODEL_SITE_ATTN, MODEL_SITE_V, MODEL_SITE_Q,
                                                MODEL_SITE_K};
    int rc = 0;
    Dims d = plan_dims(&p->cfg);
    if (s->type == CLAMP_PRESERVE) {
        for (int bit = 0; bit < 4; bit++)
            for (int l = 0; (s->preserve & (1 << bit)) && l < p->cfg.depth; l++)
                ov_from_pass(ov_new(p, pass, preserve_sites[bit], l), p0, preserve_sites[bit], l,
                             1);
    } else if (s->type == CLAMP_HEAD_TEMPERATURE) {
        int l = s->heads[0].layer;
        ClampOverride *ov = ov_new(p, pass, MODEL_SITE_ATTN_PRE, l);
        ov_from_pass(ov, p0, MODEL_SITE_ATTN_PRE, l, 1);
        ov->xform = CLAMP_XFORM_HEAD_DIV;
        IH_ALLOC(ov->div, d.H);
        for (int h = 0; h < d.H; h++)
            ov->div[h] = 1.0f;
        for (int j = 0; j < s->n_heads; j++)
            ov->div[s->heads[j].head] = s->temperature;
    } else if (s->type == CLAMP_PERFECT_COPY) {
        IH_TRY(add_perfect_copy(p, pass, p0, s));
    }
cleanup:
    return rc;
}

static int first_spec(const ClampConfig *cfg, ClampType t)
{
    for (int i = 0; i < cfg->n; i++)
        if (cfg->items[i].type == t)
            return i;
    return -1;
}

/* The standard forward of design 3.3 (steps 1-12). */
static int compile_standard(ClampPlan *p, const ClampConfig *cfg)
{
    static const ClampType head_steps[] = {CLAMP_ABLATE_HEADS,        CLAMP_PREV_TOKEN_PATTERN,
                                           CLAMP_INDUCTION_PATTERN,   CLAMP_MATCH_HEADS,
                                           CLAMP_DISALLOW_PREV_TOKEN, CLAMP_SILENCE_NON_LABEL};
    int rc = 0;
    int need_p0 = first_spec(cfg, CLAMP_PRESERVE) >= 0 ||
                  first_spec(cfg, CLAMP_PERFECT_COPY) >= 0 ||
                  first_spec(cfg, CLAMP_HEAD_TEMPERATURE) >= 0;
    int gi = first_spec(cfg, CLAMP_GRAFT_IN), go = first_spec(cfg, CLAMP_GRAFT_OUT);
    int p0 = need_p0 ? pass_add(p, "reference", 0, 0.0f) : -1;
    int gin = gi >= 0 ? pass_add(p, "graft-in", 1, 0.0f) : -1;
    int p1 = pass_add(p, "final", 0, go >= 0 ? 0.0f : 1.0f);
    p->output_pass = p1;
    for (int i = 0; i < cfg->n && need_p0; i++)
        IH_TRY(add_p0_slots(p, p1, p0, &cfg->items[i]));
    if (gi >= 0) {
        int l = cfg->items[gi].layer;
        ov_from_pass(ov_new(p, p1, MODEL_SITE_BLOCK_OUT, l), gin, MODEL_SITE_BLOCK_OUT, l, 0);
    }
    if (first_spec(cfg, CLAMP_ABLATE_EMBEDDING) >= 0) {
        ClampOverride *ov = ov_new(p, p1, MODEL_SITE_TOK_EMBEDDING, 0);
        ov->kind = CLAMP_SRC_CONST;
        IH_ALLOC(ov->value, ov->n);
    }
    for (size_t k = 0; k < sizeof head_steps / sizeof head_steps[0]; k++)
        for (int i = 0; i < cfg->n; i++)
            if (cfg->items[i].type == head_steps[k])
                IH_TRY(add_head_clamp(p, p1, &cfg->items[i]));
    if (go >= 0) {
        int l = cfg->items[go].layer;
        int gout = pass_add(p, "graft-out", 1, 1.0f);
        p->output_pass = gout;
        ov_from_pass(ov_new(p, gout, MODEL_SITE_BLOCK_OUT, l), p1, MODEL_SITE_BLOCK_OUT, l, 1);
        for (int k = 0; k <= l; k++)
            ov_from_pass(ov_new(p, gout, MODEL_SITE_ATTN, k), p1, MODEL_SITE_ATTN, k, 0);
    }
cleanup:
    return rc;
}

/* design 3.3 specific_fn perfect_prev_token_input (2 layers; validated). */
static int compile_ppti(ClampPlan *p, const ClampConfig *cfg)
{
    int rc = 0;
    Dims d = plan_dims(&p->cfg);
    int pat = pass_add(p, "pattern", 0, 0.0f);
    int p1 = pass_add(p, "final", 0, 1.0f);
    p->output_pass = p1;
    /* pattern pass: position 0 keeps E_0, positions 1..T-2 get E_{p-1}, the query keeps E_{T-1} */
    ClampOverride *ov = ov_new(p, pat, MODEL_SITE_BLOCK_OUT, 0);
    ov_from_pass(ov, pat, MODEL_SITE_TOK_EMBEDDING, 0, 1);
    ov->xform = CLAMP_XFORM_SHIFT;
    IH_ALLOC(ov->shift, d.T);
    for (int t = 0; t < d.T; t++)
        ov->shift[t] = t == 0 ? 0 : t == d.T - 1 ? t : t - 1;
    ov_from_pass(ov_new(p, p1, MODEL_SITE_BLOCK_OUT, 0), p1, MODEL_SITE_TOK_EMBEDDING, 0, 1);
    ov_from_pass(ov_new(p, p1, MODEL_SITE_ATTN, 1), pat, MODEL_SITE_ATTN, 1, 1);
    for (int i = 0; i < cfg->n; i++)
        if (cfg->items[i].type == CLAMP_ABLATE_HEADS)
            IH_TRY(add_head_clamp(p, p1, &cfg->items[i]));
    int copy = first_spec(cfg, CLAMP_PERFECT_COPY);
    if (copy >= 0)
        IH_TRY(add_perfect_copy(p, p1, pat, &cfg->items[copy]));
cleanup:
    return rc;
}

/* model.h: an ATTN override must replace whole query rows. */
static int check_rows(const ClampPlan *p)
{
    int rc = 0;
    Dims d = plan_dims(&p->cfg);
    for (int k = 0; k < p->n_passes; k++) {
        const ClampPass *ps = &p->passes[k];
        for (int i = 0; i < ps->n_ov; i++) {
            const ClampOverride *ov = &ps->ov[i];
            if (ov->site != MODEL_SITE_ATTN || !ov->mask)
                continue;
            for (int r = 0; r < d.H * d.T; r++)
                for (int c = 1; c < d.T; c++)
                    if (ov->mask[(size_t)r * d.T + c] != ov->mask[(size_t)r * d.T])
                        IH_FAIL(IH_EINTERNAL,
                                "%s pass: an attention-pattern override of layer "
                                "%d covers part of a query row (head %d, row %d)",
                                ps->role, ov->layer, r / d.T, r % d.T);
        }
    }
cleanup:
    return rc;
}

/* Which passes run a backward: those whose output is trained or that receive gradient from a
 * later pass, unless they are frozen and pass no gradient on to a trained pass. */
static void mark_backward(ClampPlan *p)
{
    int received[CLAMP_MAX_PASSES] = {0}, routes_to_trained[CLAMP_MAX_PASSES] = {0};
    for (int k = 0; k < p->n_passes; k++) {
        const ClampPass *ps = &p->passes[k];
        for (int i = 0; i < ps->n_ov; i++) {
            const ClampOverride *ov = &ps->ov[i];
            if (ov->kind != CLAMP_SRC_PASS || !ov->route_grad)
                continue;
            received[ov->src_pass] = 1;
            routes_to_trained[k] |= !p->passes[ov->src_pass].frozen;
        }
    }
    for (int k = 0; k < p->n_passes; k++) {
        ClampPass *ps = &p->passes[k];
        ps->backward =
            (k == p->output_pass || received[k]) && (!ps->frozen || routes_to_trained[k]);
    }
}

static int check_frozen_shape(const ModelConfig *a, const ModelConfig *f)
{
    int rc = 0;
    if (a->input_dim != f->input_dim || a->d_model != f->d_model || a->n_heads != f->n_heads ||
        a->depth != f->depth || a->n_labels != f->n_labels || a->context_pairs != f->context_pairs)
        IH_FAIL(IH_ECONFIG,
                "clamps: the graft model (input_dim %d, d_model %d, n_heads %d, depth "
                "%d, n_labels %d, context_pairs %d) differs in shape from the trained model (%d, "
                "%d, %d, %d, %d, %d)",
                f->input_dim, f->d_model, f->n_heads, f->depth, f->n_labels, f->context_pairs,
                a->input_dim, a->d_model, a->n_heads, a->depth, a->n_labels, a->context_pairs);
cleanup:
    return rc;
}

/* Common part of the two constructors; takes ownership of *frozen (may be NULL). */
static int plan_build(const ClampConfig *cfg, const ModelConfig *model, int max_batch, int max_rows,
                      Model **frozen, ClampPlan **out)
{
    int rc = 0;
    ClampPlan *p = NULL;
    *out = NULL;
    if (max_batch < 1 || max_rows < 1)
        IH_FAIL(IH_ECONFIG, "clamp plan needs max_batch >= 1 and max_rows >= 1 (got %d, %d)",
                max_batch, max_rows);
    int graft = first_spec(cfg, CLAMP_GRAFT_IN) >= 0 || first_spec(cfg, CLAMP_GRAFT_OUT) >= 0;
    if (graft && !*frozen)
        IH_FAIL(IH_ECONFIG, "clamps: a graft clamp needs a frozen model");
    if (graft)
        IH_TRY(check_frozen_shape(model, model_config(*frozen)));
    IH_ALLOC(p, 1);
    p->cfg = *model;
    p->max_batch = max_batch;
    p->max_rows = max_rows;
    if (graft) {
        p->frozen = *frozen;
        *frozen = NULL;
    }
    /* bound on overrides per pass: preserve (4 per layer), one per head clamp and layer, a few
     * single ones */
    int cap = (4 + CLAMP_MAX_SPECS) * model->depth + 8;
    for (int k = 0; k < CLAMP_MAX_PASSES; k++)
        IH_ALLOC(p->passes[k].ov, cap);
    if (first_spec(cfg, CLAMP_PERFECT_PREV_TOKEN_INPUT) >= 0)
        IH_TRY(compile_ppti(p, cfg));
    else
        IH_TRY(compile_standard(p, cfg));
    IH_TRY(check_rows(p));
    mark_backward(p);
    for (int k = 0; k < p->n_passes; k++) {
        ClampPass *ps = &p->passes[k];
        const ModelConfig *pc = ps->frozen ? model_config(p->frozen) : model;
        IH_TRY(model_acts_create(pc, max_batch, max_rows, &ps->acts));
        if (ps->backward)
            IH_TRY(model_acts_create(pc, max_batch, max_rows, &ps->dacts));
        ps->hooks = (ModelHooks){ps, clamp__after_forward, clamp__before_backward};
    }
    *out = p;
    p = NULL;
cleanup:
    clamp_plan_destroy(&p);
    return rc;
}

int clamp_plan_create(const ClampConfig *cfg, const ModelConfig *model, int max_batch, int max_rows,
                      ClampPlan **out)
{
    int rc = 0;
    Model *frozen = NULL;
    *out = NULL;
    for (int i = 0; i < cfg->n; i++) {
        const ClampSpec *s = &cfg->items[i];
        if (s->type == CLAMP_GRAFT_IN || s->type == CLAMP_GRAFT_OUT)
            IH_TRY(checkpoint_read(s->checkpoint, 0, &frozen, NULL, NULL));
    }
    IH_TRY(plan_build(cfg, model, max_batch, max_rows, &frozen, out));
cleanup:
    model_destroy(&frozen);
    return rc;
}

int clamp_plan_create_frozen(const ClampConfig *cfg, const ModelConfig *model, int max_batch,
                             int max_rows, const Model *frozen, ClampPlan **out)
{
    int rc = 0;
    Model *copy = NULL;
    *out = NULL;
    if (frozen) {
        IH_TRY(model_create(model_config(frozen), &copy));
        memcpy(model_params(copy), model_params_const(frozen),
               model_param_count(copy) * sizeof(float));
    }
    IH_TRY(plan_build(cfg, model, max_batch, max_rows, &copy, out));
cleanup:
    model_destroy(&copy);
    return rc;
}

void clamp_plan_destroy(ClampPlan **pp)
{
    if (!pp || !*pp)
        return;
    ClampPlan *p = *pp;
    for (int k = 0; k < CLAMP_MAX_PASSES; k++) {
        ClampPass *ps = &p->passes[k];
        for (int i = 0; ps->ov && i < ps->n_ov; i++)
            ov_free(&ps->ov[i]);
        free(ps->ov);
        model_acts_destroy(&ps->acts);
        model_acts_destroy(&ps->dacts);
    }
    model_destroy(&p->frozen);
    free(p);
    *pp = NULL;
}

int clamp_plan_passes(const ClampPlan *p)
{
    return p->n_passes;
}

const char *clamp_plan_describe(const ClampPlan *p, char *buf, int size)
{
    int off = 0;
    buf[0] = '\0';
    for (int k = 0; k < p->n_passes && off < size; k++) {
        const ClampPass *ps = &p->passes[k];
        off += snprintf(buf + off, (size_t)(size - off), "%s%s%s%s", k ? " -> " : "", ps->role,
                        ps->frozen ? "[frozen]" : "", k == p->output_pass ? "*" : "");
    }
    return buf;
}
