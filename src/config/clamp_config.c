/* JSON -> ClampConfig: a JSON array of clamp objects (design 3.3; layers and heads 0-indexed; a head
 * is "layer:head" or one of the symbols "strongest_ih", "pt_head", "rest_ih" that the sweep engine
 * resolves per seed with clamp_config_resolve):
 *   {"type": "ablate_heads", "heads": [...]}
 *   {"type": "prev_token_pattern", "heads": [...], "strength": 1.0, "only_label": false}
 *   {"type": "induction_pattern", "heads": [...], "strength": 1.0}
 *   {"type": "perfect_copy", "head": "1:3"}
 *   {"type": "preserve", "what": ["patterns", "values", "queries", "keys"]}   (any non-empty
 * subset)
 *   {"type": "head_temperature", "heads": [...], "temperature": 2.0}          (temperature
 * required)
 *   {"type": "disallow_prev_token", "heads": [...], "only_label": false}
 *   {"type": "silence_non_label", "heads": [...]}
 *   {"type": "match_heads", "heads": [...], "temperature": 0.5}               (required; 0 =
 * hardmax)
 *   {"type": "ablate_embedding"}
 *   {"type": "graft_in", "checkpoint": "path", "till_layer": 0}
 *   {"type": "graft_out", "checkpoint": "path", "from_layer": 0}
 *   {"type": "perfect_prev_token_input"}
 * strength defaults to 1 and only_label to false. Unknown types and fields are errors. The
 * model-free rules of clamp_config_check (ranges, combinations) run here too; head ranges need the
 * model and are clamp_config_validate's.
 */
#include "config/fields.h"
#include "config/json.h"
#include "config/sections.h"

#include "ihsweep/clamp.h"
#include "ihsweep/config.h"
#include "ihsweep/error.h"

#include <stdio.h>
#include <string.h>

/* The keys of each clamp type in canonical order (the writer prints them in this order). */
static const char *const k_heads[] = {"type", "heads", NULL};
static const char *const k_pt[] = {"type", "heads", "strength", "only_label", NULL};
static const char *const k_ih[] = {"type", "heads", "strength", NULL};
static const char *const k_copy[] = {"type", "head", NULL};
static const char *const k_preserve[] = {"type", "what", NULL};
static const char *const k_temp[] = {"type", "heads", "temperature", NULL};
static const char *const k_disallow[] = {"type", "heads", "only_label", NULL};
static const char *const k_none[] = {"type", NULL};
static const char *const k_gin[] = {"type", "checkpoint", "till_layer", NULL};
static const char *const k_gout[] = {"type", "checkpoint", "from_layer", NULL};
static const char *const *const type_keys[CLAMP_TYPE_COUNT] = {
    [CLAMP_ABLATE_HEADS] = k_heads,
    [CLAMP_PREV_TOKEN_PATTERN] = k_pt,
    [CLAMP_INDUCTION_PATTERN] = k_ih,
    [CLAMP_PERFECT_COPY] = k_copy,
    [CLAMP_PRESERVE] = k_preserve,
    [CLAMP_HEAD_TEMPERATURE] = k_temp,
    [CLAMP_DISALLOW_PREV_TOKEN] = k_disallow,
    [CLAMP_SILENCE_NON_LABEL] = k_heads,
    [CLAMP_MATCH_HEADS] = k_temp,
    [CLAMP_ABLATE_EMBEDDING] = k_none,
    [CLAMP_GRAFT_IN] = k_gin,
    [CLAMP_GRAFT_OUT] = k_gout,
    [CLAMP_PERFECT_PREV_TOKEN_INPUT] = k_none};

static const char *const preserve_names[] = {"patterns", "values", "queries", "keys"};
static const char *const head_symbols[] = {"strongest_ih", "pt_head", "rest_ih"};
static const ClampHeadSymbol head_codes[] = {CLAMP_HEAD_STRONGEST_IH, CLAMP_HEAD_PT_HEAD,
                                             CLAMP_HEAD_REST_IH};

/* Parses "L:H" (decimal, at most 4 digits each) or a symbol into *out. */
static int parse_head(const cJSON *item, const char *path, ClampHeadRef *out)
{
    int rc = 0;
    if (!cJSON_IsString(item))
        IH_FAIL(IH_ECONFIG, "%s: expected a head \"layer:head\" (a string)", path);
    const char *s = item->valuestring;
    for (int i = 0; i < 3; i++)
        if (strcmp(s, head_symbols[i]) == 0) {
            *out = (ClampHeadRef){head_codes[i], 0, 0};
            return 0;
        }
    int v[2] = {0, 0}, part = 0, digits = 0;
    for (const char *c = s; *c; c++) {
        if (*c == ':' && part == 0 && digits > 0) {
            part = 1;
            digits = 0;
        } else if (*c >= '0' && *c <= '9' && digits < 4) {
            v[part] = v[part] * 10 + (*c - '0');
            digits++;
        } else {
            digits = -1;
            break;
        }
    }
    if (part != 1 || digits <= 0)
        IH_FAIL(IH_ECONFIG,
                "%s: \"%s\" is not a head (expected \"layer:head\" with 0-indexed "
                "numbers, or strongest_ih, pt_head, rest_ih)",
                path, s);
    *out = (ClampHeadRef){CLAMP_HEAD_LITERAL, v[0], v[1]};
cleanup:
    return rc;
}

static int parse_heads(const cJSON *obj, const char *path, ClampSpec *s)
{
    int rc = 0;
    char p[600], ip[640];
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "heads");
    json_path_join(p, sizeof p, path, "heads");
    if (!arr)
        IH_FAIL(IH_ECONFIG, "%s: required (a list of \"layer:head\")", p);
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || n < 1 || n > CLAMP_MAX_HEADS)
        IH_FAIL(IH_ECONFIG, "%s: expected an array of 1 to %d heads", p, CLAMP_MAX_HEADS);
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        snprintf(ip, sizeof ip, "%s[%d]", p, i);
        IH_TRY(parse_head(c, ip, &s->heads[i]));
    }
    s->n_heads = n;
cleanup:
    return rc;
}

static int parse_preserve(const cJSON *obj, const char *path, ClampSpec *s)
{
    const char *const *names = preserve_names;
    int rc = 0;
    char p[600], ip[640];
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "what");
    json_path_join(p, sizeof p, path, "what");
    if (!arr)
        IH_FAIL(IH_ECONFIG, "%s: required (a list of patterns, values, queries, keys)", p);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1)
        IH_FAIL(IH_ECONFIG, "%s: expected a non-empty array of patterns, values, queries, keys", p);
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        snprintf(ip, sizeof ip, "%s[%d]", p, i);
        int bit = -1;
        for (int k = 0; k < 4 && cJSON_IsString(c); k++)
            if (strcmp(c->valuestring, names[k]) == 0)
                bit = k;
        if (bit < 0)
            IH_FAIL(IH_ECONFIG, "%s: expected one of patterns, values, queries, keys", ip);
        if (s->preserve & (1 << bit))
            IH_FAIL(IH_ECONFIG, "%s: \"%s\" listed twice", ip, names[bit]);
        s->preserve |= 1 << bit;
    }
cleanup:
    return rc;
}

static int require(const cJSON *obj, const char *path, const char *key, const char *what)
{
    int rc = 0;
    char p[600];
    if (!cJSON_GetObjectItemCaseSensitive(obj, key))
        IH_FAIL(IH_ECONFIG, "%s: required (%s)", json_path_join(p, sizeof p, path, key), what);
cleanup:
    return rc;
}

static int parse_spec(const cJSON *obj, const char *path, ClampSpec *s)
{
    const char *names[CLAMP_TYPE_COUNT + 1];
    int rc = 0;
    char p[600];
    if (!cJSON_IsObject(obj))
        IH_FAIL(IH_ECONFIG, "%s: expected a clamp object {\"type\": ...}", path);
    IH_TRY(require(obj, path, "type", "the clamp type"));
    for (int t = 0; t < CLAMP_TYPE_COUNT; t++)
        names[t] = clamp_type_name((ClampType)t);
    names[CLAMP_TYPE_COUNT] = NULL;
    int type = 0;
    IH_TRY(json_get_enum(obj, path, "type", names, &type));
    memset(s, 0, sizeof *s);
    s->type = (ClampType)type;
    s->strength = 1.0f;
    IH_TRY(json_check_keys(obj, path, type_keys[type]));
    switch (s->type) {
    case CLAMP_PERFECT_COPY: {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(obj, "head");
        IH_TRY(require(obj, path, "head", "one head \"layer:head\""));
        IH_TRY(parse_head(h, json_path_join(p, sizeof p, path, "head"), &s->heads[0]));
        s->n_heads = 1;
        break;
    }
    case CLAMP_PRESERVE:
        IH_TRY(parse_preserve(obj, path, s));
        break;
    case CLAMP_ABLATE_EMBEDDING:
    case CLAMP_PERFECT_PREV_TOKEN_INPUT:
        break;
    case CLAMP_GRAFT_IN:
    case CLAMP_GRAFT_OUT: {
        const char *lk = s->type == CLAMP_GRAFT_IN ? "till_layer" : "from_layer";
        IH_TRY(require(obj, path, "checkpoint", "the frozen model's checkpoint file"));
        IH_TRY(require(obj, path, lk, "a 0-indexed layer"));
        IH_TRY(json_get_string(obj, path, "checkpoint", s->checkpoint, CLAMP_PATH_MAX));
        IH_TRY(json_get_int32(obj, path, lk, 0, 4096, &s->layer));
        break;
    }
    default:
        IH_TRY(parse_heads(obj, path, s));
        if (s->type == CLAMP_HEAD_TEMPERATURE || s->type == CLAMP_MATCH_HEADS)
            IH_TRY(require(obj, path, "temperature",
                           s->type == CLAMP_MATCH_HEADS ? "a number >= 0; 0 = hardmax"
                                                        : "a number > 0"));
        IH_TRY(json_get_float(obj, path, "temperature", 0.0, 1e30, &s->temperature));
        IH_TRY(json_get_float(obj, path, "strength", 0.0, 1.0, &s->strength));
        IH_TRY(json_get_bool(obj, path, "only_label", &s->only_label));
        break;
    }
cleanup:
    return rc;
}

int config__clamps_from_json(const cJSON *arr, const char *path, ClampConfig *out)
{
    int rc = 0;
    char ip[600];
    memset(out, 0, sizeof *out);
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr))
        IH_FAIL(IH_ECONFIG, "%s: expected an array of clamp objects", path);
    if (n > CLAMP_MAX_SPECS)
        IH_FAIL(IH_ECONFIG, "%s: %d clamps, at most %d allowed", path, n, CLAMP_MAX_SPECS);
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        snprintf(ip, sizeof ip, "%s[%d]", path, i);
        IH_TRY(parse_spec(c, ip, &out->items[i]));
    }
    out->n = n;
    IH_TRY(clamp_config_check(out, path));
cleanup:
    return rc;
}

/* An owned JSON string of head h ("layer:head" or its symbol). NULL when out of memory. */
static cJSON *head_item(const ClampHeadRef *h)
{
    char text[32];
    for (int i = 0; i < 3; i++)
        if (h->symbol == head_codes[i])
            return cJSON_CreateString(head_symbols[i]);
    snprintf(text, sizeof text, "%d:%d", h->layer, h->head);
    return cJSON_CreateString(text);
}

/* The value of key in clamp s, as the parser reads it back. NULL when out of memory. */
static cJSON *spec_item(const ClampSpec *s, const char *key)
{
    cJSON *arr = NULL;
    if (strcmp(key, "type") == 0)
        return cJSON_CreateString(clamp_type_name(s->type));
    if (strcmp(key, "head") == 0)
        return head_item(&s->heads[0]);
    if (strcmp(key, "strength") == 0)
        return config__number_float(s->strength);
    if (strcmp(key, "temperature") == 0)
        return config__number_float(s->temperature);
    if (strcmp(key, "only_label") == 0)
        return cJSON_CreateBool(s->only_label != 0);
    if (strcmp(key, "checkpoint") == 0)
        return cJSON_CreateString(s->checkpoint);
    if (strcmp(key, "till_layer") == 0 || strcmp(key, "from_layer") == 0)
        return config__number_long(s->layer);
    if (!(arr = cJSON_CreateArray()))
        return NULL;
    int is_heads = strcmp(key, "heads") == 0, n = is_heads ? s->n_heads : 4;
    for (int i = 0; i < n; i++) {
        cJSON *x = NULL;
        if (is_heads)
            x = head_item(&s->heads[i]);
        else if (s->preserve & (1 << i))
            x = cJSON_CreateString(preserve_names[i]);
        else
            continue;
        if (!cJSON_AddItemToArray(arr, x)) {
            cJSON_Delete(x);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

int config__clamps_to_json(const ClampConfig *cfg, cJSON **out)
{
    int rc = 0;
    cJSON *arr = cJSON_CreateArray(), *obj = NULL;
    if (!arr)
        IH_FAIL(IH_ENOMEM, "out of memory");
    for (int i = 0; i < cfg->n; i++) {
        const ClampSpec *s = &cfg->items[i];
        if (!(obj = cJSON_CreateObject()))
            IH_FAIL(IH_ENOMEM, "out of memory");
        for (const char *const *k = type_keys[s->type]; *k; k++) {
            cJSON *x = spec_item(s, *k);
            if (!cJSON_AddItemToObject(obj, *k, x)) {
                cJSON_Delete(x);
                IH_FAIL(IH_ENOMEM, "out of memory writing clamps[%d].%s", i, *k);
            }
        }
        if (!cJSON_AddItemToArray(arr, obj))
            IH_FAIL(IH_ENOMEM, "out of memory");
        obj = NULL;
    }
    *out = arr;
    arr = NULL;
cleanup:
    cJSON_Delete(obj);
    cJSON_Delete(arr);
    return rc;
}

int clamp_config_parse(const char *json_text, const char *source, ClampConfig *out)
{
    int rc = 0;
    cJSON *root = NULL;
    IH_TRY(json_parse(json_text, source, &root));
    IH_TRY(config__clamps_from_json(root, "clamps", out));
cleanup:
    cJSON_Delete(root);
    return rc;
}
