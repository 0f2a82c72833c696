/* JSON <-> RunConfig: one training run. Schema (every field optional; defaults are the paper's
 * baseline, run_config_default), in canonical order (the tables below):
 *   name, init_seed, train_seed, eval_seed, train_iters, batch_size, eval_every, ckpt_every,
 *   measure_every, keep_probe_logits, clamp_progress, posthoc_wiring,
 *   progress_heads: {strongest_ih, pt_head}   (heads of the clamp progress measures; a sweep
 *                   binds them from the run's source run when its condition has symbolic heads)
 *   data: {...}   (src/config/data_config.c)
 *   model: {d_model, n_heads, depth, pos: "rope"|"ape"|"sinusoidal"|"none", pos_base,
 *           max_positions, layer_norm, qkv_bias, proj_bias, mlp_ratio, init_rescale,
 *           input_dim, n_labels, context_pairs}   (the last three default to the data's)
 *   optimizer: {lr, beta1, beta2, eps, weight_decay}
 *   clamps: [...] (src/config/clamp_config.c)
 * Counts of sequences (train_iters, eval_every, ckpt_every) are in sequences, not steps.
 * run_config_write prints every field of a parsed config in this order (the canonical JSON a
 * results file stores and the run hash covers).
 */
#include "config/fields.h"
#include "config/json.h"
#include "config/sections.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/hash.h"
#include "ihsweep/train.h"

#include <stdlib.h>
#include <string.h>

static const char *const *pos_names(void)
{
    static const char *const names[] = {"rope", "ape", "sinusoidal", "none", NULL};
    return names;
}

#define M(key, kind, member, lo, hi)                                                               \
    {                                                                                              \
        key, kind, offsetof(ModelConfig, member), 0, lo, hi, NULL, 0, NULL, NULL                   \
    }
static const ConfigField model_fields[] = {
    M("d_model", CONFIG_INT, d_model, 2, 4096),
    M("n_heads", CONFIG_INT, n_heads, 1, 4096),
    M("depth", CONFIG_INT, depth, 1, 64),
    {"pos", CONFIG_ENUM, offsetof(ModelConfig, pos), 0, 0, 0, pos_names, 0, NULL, NULL},
    M("pos_base", CONFIG_FLOAT, pos_base, 1.000001, 1e12),
    M("max_positions", CONFIG_INT, max_positions, 1, 100000),
    M("layer_norm", CONFIG_BOOL, layer_norm, 0, 1),
    M("qkv_bias", CONFIG_BOOL, qkv_bias, 0, 1),
    M("proj_bias", CONFIG_BOOL, proj_bias, 0, 1),
    M("mlp_ratio", CONFIG_INT, mlp_ratio, 0, 64),
    M("init_rescale", CONFIG_FLOAT, init_rescale, 1e-6, 1e6),
    M("input_dim", CONFIG_INT, input_dim, 1, 65536),
    M("n_labels", CONFIG_INT, n_labels, 2, 100000),
    M("context_pairs", CONFIG_INT, context_pairs, 1, 64),
};
#undef M

#define A(key, member, hi)                                                                         \
    {                                                                                              \
        key, CONFIG_FLOAT, offsetof(AdamConfig, member), 0, 0.0, hi, NULL, 0, NULL, NULL           \
    }
static const ConfigField optimizer_fields[] = {
    A("lr", lr, 10.0),
    A("beta1", beta1, 0.999999),
    A("beta2", beta2, 0.99999999),
    A("eps", eps, 1.0),
    A("weight_decay", weight_decay, 100.0),
};
#undef A

static const ConfigField progress_fields[] = {
    {"strongest_ih", CONFIG_INT, offsetof(ClampHeadBindings, strongest_ih), 0, -1, 4095, NULL, 0,
     NULL, NULL},
    {"pt_head", CONFIG_INT, offsetof(ClampHeadBindings, pt_head), 0, -1, 4095, NULL, 0, NULL, NULL},
};

/* Nested fields of the run object (base: RunConfig). */
static int parse_progress(const cJSON *item, const char *path, void *base)
{
    RunConfig *r = base;
    if (!item)
        return 0;
    return config__fields_parse(progress_fields, CONFIG_NFIELDS(progress_fields), 0, item, path,
                                &r->progress_heads);
}

static int parse_data(const cJSON *item, const char *path, void *base)
{
    int rc = 0;
    RunConfig *r = base;
    if (!item)
        return 0;
    IH_TRY(config__data_from_json(item, path, &r->data));
    if (!cJSON_GetObjectItemCaseSensitive(item, "dense_subset"))
        r->data.dense_subset = RUN_DENSE_SUBSET_DEFAULT;
cleanup:
    return rc;
}

/* The model; input_dim, n_labels and context_pairs default to the data's (parsed before). */
static int parse_model(const cJSON *item, const char *path, void *base)
{
    int rc = 0;
    RunConfig *r = base;
    ModelConfig *m = &r->model;
    if (item)
        IH_TRY(config__fields_parse(model_fields, CONFIG_NFIELDS(model_fields), 0, item, path, m));
    if (!item || !cJSON_GetObjectItemCaseSensitive(item, "input_dim"))
        m->input_dim = r->data.source.dim;
    if (!item || !cJSON_GetObjectItemCaseSensitive(item, "n_labels"))
        m->n_labels = r->data.n_labels;
    if (!item || !cJSON_GetObjectItemCaseSensitive(item, "context_pairs"))
        m->context_pairs = r->data.context_pairs;
cleanup:
    return rc;
}

static int parse_optimizer(const cJSON *item, const char *path, void *base)
{
    RunConfig *r = base;
    if (!item)
        return 0;
    return config__fields_parse(optimizer_fields, CONFIG_NFIELDS(optimizer_fields), 0, item, path,
                                &r->adam);
}

static int parse_clamps(const cJSON *item, const char *path, void *base)
{
    RunConfig *r = base;
    return item ? config__clamps_from_json(item, path, &r->clamps) : 0;
}

static int write_object(const ConfigField *table, int n, const void *base, cJSON **out)
{
    int rc = 0;
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        IH_FAIL(IH_ENOMEM, "out of memory");
    IH_TRY(config__fields_write(table, n, 0, base, obj));
    *out = obj;
    obj = NULL;
cleanup:
    cJSON_Delete(obj);
    return rc;
}

static int write_progress(const void *base, cJSON **out)
{
    return write_object(progress_fields, CONFIG_NFIELDS(progress_fields),
                        &((const RunConfig *)base)->progress_heads, out);
}

static int write_data(const void *base, cJSON **out)
{
    return config__data_to_json(&((const RunConfig *)base)->data, out);
}

static int write_model(const void *base, cJSON **out)
{
    return write_object(model_fields, CONFIG_NFIELDS(model_fields),
                        &((const RunConfig *)base)->model, out);
}

static int write_optimizer(const void *base, cJSON **out)
{
    return write_object(optimizer_fields, CONFIG_NFIELDS(optimizer_fields),
                        &((const RunConfig *)base)->adam, out);
}

static int write_clamps(const void *base, cJSON **out)
{
    return config__clamps_to_json(&((const RunConfig *)base)->clamps, out);
}

#define R(key, kind, member, lo, hi)                                                               \
    {                                                                                              \
        key, kind, offsetof(RunConfig, member), 0, lo, hi, NULL, 0, NULL, NULL                     \
    }
#define N(key, p, w)                                                                               \
    {                                                                                              \
        key, CONFIG_NESTED, 0, 0, 0, 0, NULL, 0, p, w                                              \
    }
static const ConfigField run_fields[] = {
    {"name", CONFIG_STRING, offsetof(RunConfig, name), sizeof(((RunConfig *)0)->name), 0, 0, NULL,
     0, NULL, NULL},
    R("init_seed", CONFIG_U32, init_seed, 0, 4294967295.0),
    R("train_seed", CONFIG_U32, train_seed, 0, 4294967295.0),
    R("eval_seed", CONFIG_U32, eval_seed, 0, 4294967295.0),
    R("train_iters", CONFIG_LONG, train_iters, 0, 1e12),
    R("batch_size", CONFIG_INT, batch_size, 1, 65536),
    R("eval_every", CONFIG_LONG, eval_every, 1, 1e12),
    R("ckpt_every", CONFIG_LONG, ckpt_every, 0, 1e12),
    R("measure_every", CONFIG_INT, measure_every, 0, 1000000),
    R("keep_probe_logits", CONFIG_BOOL, keep_probe_logits, 0, 1),
    R("clamp_progress", CONFIG_BOOL, clamp_progress, 0, 1),
    R("posthoc_wiring", CONFIG_BOOL, posthoc_wiring, 0, 1),
    N("progress_heads", parse_progress, write_progress),
    N("data", parse_data, write_data),
    N("model", parse_model, write_model),
    N("optimizer", parse_optimizer, write_optimizer),
    N("clamps", parse_clamps, write_clamps),
};
#undef R
#undef N

int config__run_from_json(const cJSON *obj, const char *path, RunConfig *out)
{
    run_config_default(out);
    return config__fields_parse(run_fields, CONFIG_NFIELDS(run_fields), 0, obj, path, out);
}

int run_config_parse(const char *json_text, const char *source, RunConfig *out)
{
    int rc = 0;
    cJSON *root = NULL;
    IH_TRY(json_parse(json_text, source, &root));
    IH_TRY(config__run_from_json(root, "", out));
cleanup:
    cJSON_Delete(root);
    return rc;
}

int run_config_write(const RunConfig *cfg, char **out)
{
    int rc = 0;
    cJSON *root = NULL;
    char *text = NULL;
    *out = NULL;
    IH_TRY(write_object(run_fields, CONFIG_NFIELDS(run_fields), cfg, &root));
    if (!(text = cJSON_PrintUnformatted(root)) || !(*out = strdup(text)))
        IH_FAIL(IH_ENOMEM, "out of memory printing a run config");
cleanup:
    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}

uint64_t run_config_text_hash(const char *text)
{
    return ih_fnv1a(IH_FNV1A_OFFSET, text, strlen(text));
}
