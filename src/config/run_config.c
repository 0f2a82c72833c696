/* JSON -> RunConfig: one training run. Schema (every field optional; defaults are the paper's
 * baseline, run_config_default):
 *   name, init_seed, train_seed, eval_seed, train_iters, batch_size, eval_every, ckpt_every,
 *   measure_every, keep_probe_logits, clamp_progress, posthoc_wiring,
 *   progress_heads: {strongest_ih, pt_head}   (heads of the clamp progress measures; a sweep
 *                   binds them from the run's source run when its condition has symbolic heads)
 *   model: {d_model, n_heads, depth, pos: "rope"|"ape"|"sinusoidal"|"none", pos_base,
 *           max_positions, layer_norm, qkv_bias, proj_bias, mlp_ratio, init_rescale,
 *           input_dim, n_labels, context_pairs}   (the last three default to the data's)
 *   optimizer: {lr, beta1, beta2, eps, weight_decay}
 *   data: {...}   (src/config/data_config.c)
 *   clamps: [...] (src/config/clamp_config.c)
 * Counts of sequences (train_iters, eval_every, ckpt_every) are in sequences, not steps.
 */
#include "config/json.h"
#include "config/sections.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/train.h"

#include <stdlib.h>
#include <string.h>

static const char *const pos_names[] = {"rope", "ape", "sinusoidal", "none", NULL};

static int parse_model(const cJSON *obj, const char *path, ModelConfig *m, int *dims_given)
{
    static const char *const keys[] = {"d_model",   "n_heads",      "depth",     "pos",
                                       "pos_base",  "max_positions", "layer_norm", "qkv_bias",
                                       "proj_bias", "mlp_ratio",    "init_rescale", "input_dim",
                                       "n_labels",  "context_pairs", NULL};
    int rc = 0;
    IH_TRY(json_check_keys(obj, path, keys));
    IH_TRY(json_get_int32(obj, path, "d_model", 2, 4096, &m->d_model));
    IH_TRY(json_get_int32(obj, path, "n_heads", 1, 4096, &m->n_heads));
    IH_TRY(json_get_int32(obj, path, "depth", 1, 64, &m->depth));
    int pos = (int)m->pos;
    IH_TRY(json_get_enum(obj, path, "pos", pos_names, &pos));
    m->pos = (ModelPos)pos;
    IH_TRY(json_get_float(obj, path, "pos_base", 1.000001, 1e12, &m->pos_base));
    IH_TRY(json_get_int32(obj, path, "max_positions", 1, 100000, &m->max_positions));
    IH_TRY(json_get_bool(obj, path, "layer_norm", &m->layer_norm));
    IH_TRY(json_get_bool(obj, path, "qkv_bias", &m->qkv_bias));
    IH_TRY(json_get_bool(obj, path, "proj_bias", &m->proj_bias));
    IH_TRY(json_get_int32(obj, path, "mlp_ratio", 0, 64, &m->mlp_ratio));
    IH_TRY(json_get_float(obj, path, "init_rescale", 1e-6, 1e6, &m->init_rescale));
    dims_given[0] = cJSON_GetObjectItemCaseSensitive(obj, "input_dim") != NULL;
    dims_given[1] = cJSON_GetObjectItemCaseSensitive(obj, "n_labels") != NULL;
    dims_given[2] = cJSON_GetObjectItemCaseSensitive(obj, "context_pairs") != NULL;
    IH_TRY(json_get_int32(obj, path, "input_dim", 1, 65536, &m->input_dim));
    IH_TRY(json_get_int32(obj, path, "n_labels", 2, 100000, &m->n_labels));
    IH_TRY(json_get_int32(obj, path, "context_pairs", 1, 64, &m->context_pairs));
cleanup:
    return rc;
}

static int parse_optimizer(const cJSON *obj, const char *path, AdamConfig *a)
{
    static const char *const keys[] = {"lr", "beta1", "beta2", "eps", "weight_decay", NULL};
    int rc = 0;
    IH_TRY(json_check_keys(obj, path, keys));
    IH_TRY(json_get_float(obj, path, "lr", 0.0, 10.0, &a->lr));
    IH_TRY(json_get_float(obj, path, "beta1", 0.0, 0.999999, &a->beta1));
    IH_TRY(json_get_float(obj, path, "beta2", 0.0, 0.99999999, &a->beta2));
    IH_TRY(json_get_float(obj, path, "eps", 0.0, 1.0, &a->eps));
    IH_TRY(json_get_float(obj, path, "weight_decay", 0.0, 100.0, &a->weight_decay));
cleanup:
    return rc;
}

static int get_seed(const cJSON *obj, const char *path, const char *key, uint32_t *out)
{
    int rc = 0;
    long v = (long)*out;
    IH_TRY(json_get_int(obj, path, key, 0, 4294967295L, &v));
    *out = (uint32_t)v;
cleanup:
    return rc;
}

int config__run_from_json(const cJSON *obj, const char *path, RunConfig *out)
{
    static const char *const keys[] = {
        "name",       "init_seed",     "train_seed",      "eval_seed", "train_iters",
        "batch_size", "eval_every",    "ckpt_every",      "measure_every", "keep_probe_logits",
        "model",      "optimizer",     "data",            "clamps",    "clamp_progress", "posthoc_wiring",
        "progress_heads", NULL};
    int rc = 0;
    char p[512];
    run_config_default(out);
    IH_TRY(json_check_keys(obj, path, keys));
    IH_TRY(json_get_string(obj, path, "name", out->name, (int)sizeof out->name));
    IH_TRY(get_seed(obj, path, "init_seed", &out->init_seed));
    IH_TRY(get_seed(obj, path, "train_seed", &out->train_seed));
    IH_TRY(get_seed(obj, path, "eval_seed", &out->eval_seed));
    IH_TRY(json_get_int(obj, path, "train_iters", 0, 1000000000000L, &out->train_iters));
    IH_TRY(json_get_int32(obj, path, "batch_size", 1, 65536, &out->batch_size));
    IH_TRY(json_get_int(obj, path, "eval_every", 1, 1000000000000L, &out->eval_every));
    IH_TRY(json_get_int(obj, path, "ckpt_every", 0, 1000000000000L, &out->ckpt_every));
    IH_TRY(json_get_int32(obj, path, "measure_every", 0, 1000000, &out->measure_every));
    IH_TRY(json_get_bool(obj, path, "keep_probe_logits", &out->keep_probe_logits));
    IH_TRY(json_get_bool(obj, path, "clamp_progress", &out->clamp_progress));
    IH_TRY(json_get_bool(obj, path, "posthoc_wiring", &out->posthoc_wiring));
    const cJSON *heads = cJSON_GetObjectItemCaseSensitive(obj, "progress_heads");
    if (heads) {
        static const char *const head_keys[] = {"strongest_ih", "pt_head", NULL};
        json_path_join(p, sizeof p, path, "progress_heads");
        IH_TRY(json_check_keys(heads, p, head_keys));
        IH_TRY(json_get_int32(heads, p, "strongest_ih", -1, 4095, &out->progress_heads.strongest_ih));
        IH_TRY(json_get_int32(heads, p, "pt_head", -1, 4095, &out->progress_heads.pt_head));
    }

    const cJSON *data = cJSON_GetObjectItemCaseSensitive(obj, "data");
    if (data) {
        IH_TRY(config__data_from_json(data, json_path_join(p, sizeof p, path, "data"), &out->data));
        if (!cJSON_GetObjectItemCaseSensitive(data, "dense_subset"))
            out->data.dense_subset = RUN_DENSE_SUBSET_DEFAULT;
    }
    int dims_given[3] = {0, 0, 0};
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(obj, "model");
    if (model)
        IH_TRY(parse_model(model, json_path_join(p, sizeof p, path, "model"), &out->model,
                           dims_given));
    if (!dims_given[0])
        out->model.input_dim = out->data.source.dim;
    if (!dims_given[1])
        out->model.n_labels = out->data.n_labels;
    if (!dims_given[2])
        out->model.context_pairs = out->data.context_pairs;
    const cJSON *opt = cJSON_GetObjectItemCaseSensitive(obj, "optimizer");
    if (opt)
        IH_TRY(parse_optimizer(opt, json_path_join(p, sizeof p, path, "optimizer"), &out->adam));
    const cJSON *clamps = cJSON_GetObjectItemCaseSensitive(obj, "clamps");
    if (clamps)
        IH_TRY(config__clamps_from_json(clamps, json_path_join(p, sizeof p, path, "clamps"),
                                        &out->clamps));
cleanup:
    return rc;
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
