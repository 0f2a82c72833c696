/* ClampConfig without a model run: type names, head symbols and their resolution, and the rules a
 * configuration must satisfy (model-free ones in clamp_config_check, the rest in
 * clamp_config_validate). JSON parsing is in src/config/clamp_config.c; compiling into passes in
 * plan.c.
 *
 * Combination rules (where the reference defines no behaviour, or a clamp would silently do
 * nothing, the configuration is rejected):
 * - at most one each of perfect_copy, preserve, head_temperature, ablate_embedding, graft_in,
 *   graft_out, perfect_prev_token_input (the reference has one flag for each); the head-list
 *   clamps may repeat (a later one overwrites an earlier one where both write);
 * - graft_in and graft_out together: rejected (one frozen model per run);
 * - perfect_copy with graft_out: rejected (graft_out replaces the output perfect_copy writes);
 * - perfect_prev_token_input combines only with ablate_heads (last layer) and perfect_copy
 *   (design 3.3), needs a 2-layer model and no additive positional embedding (RoPE or none: the
 *   embedding stream E is then the token embeddings);
 * - head_temperature: heads of one layer; silence_non_label: last-layer heads;
 * - strengths in [0, 1]; head_temperature > 0; match_heads temperature >= 0 (0 = hardmax);
 * - no head twice in one clamp's list.
 */
#include "clamp/internal.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const TYPE_NAMES[CLAMP_TYPE_COUNT] = {
    [CLAMP_ABLATE_HEADS] = "ablate_heads",
    [CLAMP_PREV_TOKEN_PATTERN] = "prev_token_pattern",
    [CLAMP_INDUCTION_PATTERN] = "induction_pattern",
    [CLAMP_PERFECT_COPY] = "perfect_copy",
    [CLAMP_PRESERVE] = "preserve",
    [CLAMP_HEAD_TEMPERATURE] = "head_temperature",
    [CLAMP_DISALLOW_PREV_TOKEN] = "disallow_prev_token",
    [CLAMP_SILENCE_NON_LABEL] = "silence_non_label",
    [CLAMP_MATCH_HEADS] = "match_heads",
    [CLAMP_ABLATE_EMBEDDING] = "ablate_embedding",
    [CLAMP_GRAFT_IN] = "graft_in",
    [CLAMP_GRAFT_OUT] = "graft_out",
    [CLAMP_PERFECT_PREV_TOKEN_INPUT] = "perfect_prev_token_input"};

const char *clamp_type_name(ClampType t)
{
    return t >= 0 && t < CLAMP_TYPE_COUNT ? TYPE_NAMES[t] : "unknown";
}

/* 1: a list of heads; 2: exactly one head ("head"); 0: no heads. */
static int type_heads(ClampType t)
{
    switch (t) {
    case CLAMP_ABLATE_HEADS:
    case CLAMP_PREV_TOKEN_PATTERN:
    case CLAMP_INDUCTION_PATTERN:
    case CLAMP_HEAD_TEMPERATURE:
    case CLAMP_DISALLOW_PREV_TOKEN:
    case CLAMP_SILENCE_NON_LABEL:
    case CLAMP_MATCH_HEADS:
        return 1;
    case CLAMP_PERFECT_COPY:
        return 2;
    default:
        return 0;
    }
}

static int type_singleton(ClampType t)
{
    switch (t) {
    case CLAMP_PERFECT_COPY:
    case CLAMP_PRESERVE:
    case CLAMP_HEAD_TEMPERATURE:
    case CLAMP_ABLATE_EMBEDDING:
    case CLAMP_GRAFT_IN:
    case CLAMP_GRAFT_OUT:
    case CLAMP_PERFECT_PREV_TOKEN_INPUT:
        return 1;
    default:
        return 0;
    }
}

static int first_of(const ClampConfig *cfg, ClampType t)
{
    for (int i = 0; i < cfg->n; i++)
        if (cfg->items[i].type == t)
            return i;
    return -1;
}

/* "clamps[3].heads[1]" or "clamps[3].head" for the j-th head of spec i. */
static const char *head_path(char *buf, int size, const char *path, int i, const ClampSpec *s,
                             int j)
{
    if (s->type == CLAMP_PERFECT_COPY)
        snprintf(buf, (size_t)size, "%s[%d].head", path, i);
    else
        snprintf(buf, (size_t)size, "%s[%d].heads[%d]", path, i, j);
    return buf;
}

static int same_head(const ClampHeadRef *a, const ClampHeadRef *b)
{
    if (a->symbol != b->symbol)
        return 0;
    return a->symbol != CLAMP_HEAD_LITERAL || (a->layer == b->layer && a->head == b->head);
}

static int check_spec(const ClampSpec *s, int i, const char *path)
{
    int rc = 0;
    char hp[600];
    if (s->type < 0 || s->type >= CLAMP_TYPE_COUNT)
        IH_FAIL(IH_ECONFIG, "%s[%d].type: unknown clamp type %d", path, i, (int)s->type);
    const char *name = clamp_type_name(s->type);
    int heads = type_heads(s->type);
    if (heads == 0 && s->n_heads != 0)
        IH_FAIL(IH_ECONFIG, "%s[%d]: %s takes no heads", path, i, name);
    if (heads == 1 && (s->n_heads < 1 || s->n_heads > CLAMP_MAX_HEADS))
        IH_FAIL(IH_ECONFIG, "%s[%d].heads: %s needs 1 to %d heads, got %d", path, i, name,
                CLAMP_MAX_HEADS, s->n_heads);
    if (heads == 2 && s->n_heads != 1)
        IH_FAIL(IH_ECONFIG, "%s[%d].head: %s needs exactly one head", path, i, name);
    for (int j = 0; j < s->n_heads; j++) {
        const ClampHeadRef *h = &s->heads[j];
        head_path(hp, sizeof hp, path, i, s, j);
        if (h->symbol < CLAMP_HEAD_LITERAL || h->symbol > CLAMP_HEAD_REST_IH)
            IH_FAIL(IH_ECONFIG, "%s: unknown head symbol %d", hp, (int)h->symbol);
        if (h->symbol == CLAMP_HEAD_LITERAL && (h->layer < 0 || h->head < 0))
            IH_FAIL(IH_ECONFIG, "%s: negative layer or head (%d:%d)", hp, h->layer, h->head);
        if (heads == 2 && h->symbol == CLAMP_HEAD_REST_IH)
            IH_FAIL(IH_ECONFIG, "%s: \"rest_ih\" stands for several heads; %s takes one", hp, name);
        for (int k = 0; k < j; k++)
            if (same_head(h, &s->heads[k]))
                IH_FAIL(IH_ECONFIG, "%s: repeats %s[%d].heads[%d]", hp, path, i, k);
    }
    switch (s->type) {
    case CLAMP_PREV_TOKEN_PATTERN:
    case CLAMP_INDUCTION_PATTERN:
        if (!(s->strength >= 0.0f && s->strength <= 1.0f))
            IH_FAIL(IH_ECONFIG, "%s[%d].strength: %g is out of range [0, 1]", path, i,
                    (double)s->strength);
        break;
    case CLAMP_HEAD_TEMPERATURE:
        if (!(s->temperature > 0.0f) || !isfinite(s->temperature))
            IH_FAIL(IH_ECONFIG, "%s[%d].temperature: must be a finite number > 0, got %g", path, i,
                    (double)s->temperature);
        break;
    case CLAMP_MATCH_HEADS:
        if (!(s->temperature >= 0.0f) || !isfinite(s->temperature))
            IH_FAIL(IH_ECONFIG,
                    "%s[%d].temperature: must be a finite number >= 0 (0 = hardmax), "
                    "got %g",
                    path, i, (double)s->temperature);
        break;
    case CLAMP_PRESERVE:
        if (s->preserve <= 0 || s->preserve > 15)
            IH_FAIL(IH_ECONFIG,
                    "%s[%d].what: needs at least one of patterns, values, queries, "
                    "keys",
                    path, i);
        break;
    case CLAMP_GRAFT_IN:
    case CLAMP_GRAFT_OUT:
        if (s->layer < 0)
            IH_FAIL(IH_ECONFIG, "%s[%d].%s: must be >= 0, got %d", path, i,
                    s->type == CLAMP_GRAFT_IN ? "till_layer" : "from_layer", s->layer);
        if (!memchr(s->checkpoint, '\0', sizeof s->checkpoint) || !s->checkpoint[0])
            IH_FAIL(IH_ECONFIG, "%s[%d].checkpoint: a checkpoint file is required", path, i);
        break;
    default:
        break;
    }
cleanup:
    return rc;
}

int clamp_config_check(const ClampConfig *cfg, const char *path)
{
    int rc = 0;
    if (cfg->n < 0 || cfg->n > CLAMP_MAX_SPECS)
        IH_FAIL(IH_ECONFIG, "%s: %d clamps, at most %d allowed", path, cfg->n, CLAMP_MAX_SPECS);
    for (int i = 0; i < cfg->n; i++)
        IH_TRY(check_spec(&cfg->items[i], i, path));
    for (int i = 0; i < cfg->n; i++) {
        ClampType t = cfg->items[i].type;
        int first = first_of(cfg, t);
        if (type_singleton(t) && first != i)
            IH_FAIL(IH_ECONFIG,
                    "%s[%d]: a second %s clamp (the first is %s[%d]); at most one is "
                    "allowed",
                    path, i, clamp_type_name(t), path, first);
    }
    int gin = first_of(cfg, CLAMP_GRAFT_IN), gout = first_of(cfg, CLAMP_GRAFT_OUT);
    int copy = first_of(cfg, CLAMP_PERFECT_COPY);
    int ppti = first_of(cfg, CLAMP_PERFECT_PREV_TOKEN_INPUT);
    if (gin >= 0 && gout >= 0)
        IH_FAIL(IH_ECONFIG, "%s[%d]: graft_out cannot be combined with graft_in (%s[%d])", path,
                gout, path, gin);
    if (copy >= 0 && gout >= 0)
        IH_FAIL(IH_ECONFIG,
                "%s[%d]: perfect_copy writes the output that graft_out (%s[%d]) "
                "replaces; the combination is not defined",
                path, copy, path, gout);
    if (ppti >= 0) {
        for (int i = 0; i < cfg->n; i++) {
            ClampType t = cfg->items[i].type;
            if (t != CLAMP_PERFECT_PREV_TOKEN_INPUT && t != CLAMP_ABLATE_HEADS &&
                t != CLAMP_PERFECT_COPY)
                IH_FAIL(IH_ECONFIG,
                        "%s[%d]: %s cannot be combined with perfect_prev_token_input "
                        "(%s[%d]); only ablate_heads and perfect_copy can",
                        path, i, clamp_type_name(t), path, ppti);
        }
    }
cleanup:
    return rc;
}

int clamp_config_has_symbols(const ClampConfig *cfg)
{
    for (int i = 0; i < cfg->n; i++)
        for (int j = 0; j < cfg->items[i].n_heads; j++)
            if (cfg->items[i].heads[j].symbol != CLAMP_HEAD_LITERAL)
                return 1;
    return 0;
}

int clamp_config_resolve(ClampConfig *cfg, const ClampHeadBindings *bindings, int n_heads,
                         int depth)
{
    int rc = 0;
    if (n_heads < 1 || depth < 1)
        IH_FAIL(IH_ECONFIG, "clamps: cannot resolve heads for %d heads x %d layers", n_heads,
                depth);
    for (int i = 0; i < cfg->n; i++) {
        ClampSpec *s = &cfg->items[i];
        ClampHeadRef out[CLAMP_MAX_HEADS];
        int n = 0;
        for (int j = 0; j < s->n_heads; j++) {
            ClampHeadRef h = s->heads[j];
            int count = 1;
            if (h.symbol == CLAMP_HEAD_STRONGEST_IH || h.symbol == CLAMP_HEAD_REST_IH) {
                if (bindings->strongest_ih < 0 || bindings->strongest_ih >= n_heads)
                    IH_FAIL(IH_ECONFIG,
                            "clamps[%d]: strongest_ih is bound to head %d, out of "
                            "range [0, %d)",
                            i, bindings->strongest_ih, n_heads);
                if (h.symbol == CLAMP_HEAD_REST_IH)
                    count = n_heads - 1;
            }
            if (h.symbol == CLAMP_HEAD_PT_HEAD &&
                (bindings->pt_head < 0 || bindings->pt_head >= n_heads))
                IH_FAIL(IH_ECONFIG,
                        "clamps[%d]: pt_head is bound to head %d, out of range "
                        "[0, %d)",
                        i, bindings->pt_head, n_heads);
            if (n + count > CLAMP_MAX_HEADS)
                IH_FAIL(IH_ECONFIG,
                        "clamps[%d].heads: more than %d heads after resolving "
                        "symbols",
                        i, CLAMP_MAX_HEADS);
            switch (h.symbol) {
            case CLAMP_HEAD_LITERAL:
                out[n++] = h;
                break;
            case CLAMP_HEAD_STRONGEST_IH:
                out[n++] = (ClampHeadRef){CLAMP_HEAD_LITERAL, depth - 1, bindings->strongest_ih};
                break;
            case CLAMP_HEAD_PT_HEAD:
                out[n++] = (ClampHeadRef){CLAMP_HEAD_LITERAL, 0, bindings->pt_head};
                break;
            case CLAMP_HEAD_REST_IH:
                for (int k = 0; k < n_heads; k++)
                    if (k != bindings->strongest_ih)
                        out[n++] = (ClampHeadRef){CLAMP_HEAD_LITERAL, depth - 1, k};
                break;
            }
        }
        if (s->type == CLAMP_PERFECT_COPY && n != 1)
            IH_FAIL(IH_ECONFIG, "clamps[%d].head: resolves to %d heads, perfect_copy takes one", i,
                    n);
        memset(s->heads, 0, sizeof s->heads); /* run_config_hash hashes the bytes */
        memcpy(s->heads, out, (size_t)n * sizeof out[0]);
        s->n_heads = n;
    }
cleanup:
    return rc;
}

int clamp_config_validate(const ClampConfig *cfg, const ModelConfig *model, const char *path)
{
    int rc = 0;
    char hp[600];
    IH_TRY(clamp_config_check(cfg, path));
    const int depth = model->depth, H = model->n_heads;
    for (int i = 0; i < cfg->n; i++) {
        const ClampSpec *s = &cfg->items[i];
        for (int j = 0; j < s->n_heads; j++) {
            const ClampHeadRef *h = &s->heads[j];
            head_path(hp, sizeof hp, path, i, s, j);
            if (h->symbol != CLAMP_HEAD_LITERAL)
                IH_FAIL(IH_ECONFIG, "%s: symbolic head not resolved (clamp_config_resolve)", hp);
            if (h->layer >= depth)
                IH_FAIL(IH_ECONFIG, "%s: layer %d out of range [0, %d)", hp, h->layer, depth);
            if (h->head >= H)
                IH_FAIL(IH_ECONFIG, "%s: head %d out of range [0, %d)", hp, h->head, H);
            if (s->type == CLAMP_HEAD_TEMPERATURE && h->layer != s->heads[0].layer)
                IH_FAIL(IH_ECONFIG,
                        "%s: head_temperature applies to one layer; heads[0] is in "
                        "layer %d, this one in layer %d",
                        hp, s->heads[0].layer, h->layer);
            if (s->type == CLAMP_SILENCE_NON_LABEL && h->layer != depth - 1)
                IH_FAIL(IH_ECONFIG,
                        "%s: silence_non_label applies to the last layer (%d), got "
                        "layer %d",
                        hp, depth - 1, h->layer);
        }
        if ((s->type == CLAMP_GRAFT_IN || s->type == CLAMP_GRAFT_OUT) && s->layer >= depth)
            IH_FAIL(IH_ECONFIG, "%s[%d].%s: layer %d out of range [0, %d)", path, i,
                    s->type == CLAMP_GRAFT_IN ? "till_layer" : "from_layer", s->layer, depth);
    }
    int ppti = first_of(cfg, CLAMP_PERFECT_PREV_TOKEN_INPUT);
    if (ppti >= 0) {
        if (depth != 2)
            IH_FAIL(IH_ECONFIG,
                    "%s[%d]: perfect_prev_token_input needs a 2-layer model, this one "
                    "has %d",
                    path, ppti, depth);
        if (model->pos != MODEL_POS_ROPE && model->pos != MODEL_POS_NONE)
            IH_FAIL(IH_ECONFIG,
                    "%s[%d]: perfect_prev_token_input needs a model without additive "
                    "positional embeddings (rope or none)",
                    path, ppti);
        for (int i = 0; i < cfg->n; i++) {
            const ClampSpec *s = &cfg->items[i];
            for (int j = 0; s->type == CLAMP_ABLATE_HEADS && j < s->n_heads; j++)
                if (s->heads[j].layer != depth - 1)
                    IH_FAIL(IH_ECONFIG,
                            "%s[%d].heads[%d]: with perfect_prev_token_input only "
                            "layer %d heads can be ablated, got layer %d",
                            path, i, j, depth - 1, s->heads[j].layer);
        }
    }
cleanup:
    return rc;
}
