/* JSON -> DataConfig: the "data" object of a run config or of a standalone data file (the one that
 * `ihsweep sample` reads). Schema (every field optional; defaults are the paper's, data.h; the
 * default source is lowrank, rank 16):
 *   source: {type: "synthetic", dim, seed, mean_scale, class_scale, exemplar_noise,
 *                 nonneg: "relu"|"abs"|"none"}
 *         | {type: "lowrank", dim, seed, rank, mean_scale, class_scale, exemplar_noise, nonneg}
 *         | {type: "gaussian", dim, seed, within_class_noise}
 *         | {type: "hdf5", path, dataset}
 *   n_classes_total, n_exemplars, class_split: [a,b,c], exemplar_split: [a,b,c],
 *   n_labels, relabel_split: [tr,va,te], relabel: "train"|"val"|"test"|"all"|"none"|"01"|"flip",
 *   context_pairs, burstiness, distractor, no_support, unique_rest,
 *   mixing: [{weight, burstiness, distractor, no_support, unique_rest}, ...]
 *           (entries default to the top-level sampler fields),
 *   zipf_alpha, noise_scale, match_query_and_distractors, assign_query_label_random,
 *   eval_size, evaluators: [{name, classes, exemplars, relabel, burstiness, distractor,
 *           no_support, unique_rest, assign_query_label_random, noise_scale, size}, ...]
 *           (fields default to the top-level ones; classes/exemplars to "train"),
 *   dense_subset, n_probe.
 * Validation beyond types and ranges is data_config_validate's. "mixing": [] means no mixing (the
 * canonical writer, config__data_to_json, writes it so). The tables below give the canonical key
 * order; a source writes only its type's keys.
 */
#include "config/fields.h"
#include "config/json.h"
#include "config/sections.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"

#include <stdio.h>
#include <string.h>

#define SYN (1u << DATA_SOURCE_SYNTHETIC)
#define LOW (1u << DATA_SOURCE_LOWRANK)
#define GAU (1u << DATA_SOURCE_GAUSSIAN)
#define H5 (1u << DATA_SOURCE_HDF5)
#define S(key, kind, member, lo, hi, only)                                                         \
    {                                                                                              \
        key, kind, offsetof(DataSourceConfig, member), 0, lo, hi, NULL, only, NULL, NULL           \
    }
static const ConfigField source_fields[] = {
    {"type", CONFIG_ENUM, offsetof(DataSourceConfig, type), 0, 0, 0, data_source_type_names, 0,
     NULL, NULL},
    {"path", CONFIG_STRING, offsetof(DataSourceConfig, path), DATA_PATH_MAX, 0, 0, NULL, H5, NULL,
     NULL},
    {"dataset", CONFIG_STRING, offsetof(DataSourceConfig, dataset),
     sizeof(((DataSourceConfig *)0)->dataset), 0, 0, NULL, H5, NULL, NULL},
    S("dim", CONFIG_INT, dim, 1, 65536, SYN | LOW | GAU),
    S("seed", CONFIG_U32, seed, 0, 4294967295.0, SYN | LOW | GAU),
    S("rank", CONFIG_INT, rank, 1, 65536, LOW),
    S("mean_scale", CONFIG_FLOAT, mean_scale, 0.0, 1e6, SYN | LOW),
    S("class_scale", CONFIG_FLOAT, class_scale, 0.0, 1e6, SYN | LOW),
    S("exemplar_noise", CONFIG_FLOAT, exemplar_noise, 0.0, 1e6, SYN | LOW),
    S("within_class_noise", CONFIG_FLOAT, within_class_noise, 0.0, 1e6, GAU),
    {"nonneg", CONFIG_ENUM, offsetof(DataSourceConfig, nonneg), 0, 0, 0, data_nonneg_names,
     SYN | LOW, NULL, NULL},
};
#undef S

/* A mixed sampler (its fields default to the top-level sampler's, weight to 1). */
#define W(key, kind, member, lo, hi)                                                               \
    {                                                                                              \
        key, kind, offsetof(DataSamplerConfig, member), 0, lo, hi, NULL, 0, NULL, NULL             \
    }
static const ConfigField sampler_fields[] = {
    W("weight", CONFIG_DOUBLE, weight, 0.0, 1e12),
    W("burstiness", CONFIG_INT, burstiness, 0, DATA_MAX_PAIRS),
    W("distractor", CONFIG_BOOL, distractor, 0, 1),
    W("no_support", CONFIG_BOOL, no_support, 0, 1),
    W("unique_rest", CONFIG_BOOL, unique_rest, 0, 1),
};
#undef W

#define E(key, kind, member, lo, hi)                                                               \
    {                                                                                              \
        key, kind, offsetof(DataEvaluatorConfig, member), 0, lo, hi, NULL, 0, NULL, NULL           \
    }
#define EE(key, member, names)                                                                     \
    {                                                                                              \
        key, CONFIG_ENUM, offsetof(DataEvaluatorConfig, member), 0, 0, 0, names, 0, NULL, NULL     \
    }
static const ConfigField evaluator_fields[] = {
    {"name", CONFIG_STRING, offsetof(DataEvaluatorConfig, name), DATA_NAME_MAX, 0, 0, NULL, 0, NULL,
     NULL},
    EE("classes", classes, data_set_names),
    EE("exemplars", exemplars, data_set_names),
    EE("relabel", relabel, data_relabel_names),
    E("burstiness", CONFIG_INT, burstiness, 0, DATA_MAX_PAIRS),
    E("distractor", CONFIG_BOOL, distractor, 0, 1),
    E("no_support", CONFIG_BOOL, no_support, 0, 1),
    E("unique_rest", CONFIG_BOOL, unique_rest, 0, 1),
    E("assign_query_label_random", CONFIG_BOOL, assign_query_label_random, 0, 1),
    E("noise_scale", CONFIG_FLOAT, noise_scale, 0.0, 1e6),
    E("size", CONFIG_INT, size, 1, 10000000),
};
#undef E
#undef EE

static int parse_source(const cJSON *src, const char *p, void *base)
{
    int rc = 0;
    DataSourceConfig *s = &((DataConfig *)base)->source;
    if (!src)
        return 0;
    if (!cJSON_IsObject(src))
        IH_FAIL(IH_ECONFIG, "%s: expected an object", p);
    if (!cJSON_GetObjectItemCaseSensitive(src, "type"))
        IH_FAIL(IH_ECONFIG,
                "%s.type: required (\"synthetic\", \"lowrank\", \"gaussian\" or \"hdf5\")", p);
    int type = 0;
    IH_TRY(json_get_enum(src, p, "type", data_source_type_names(), &type));
    s->type = (DataSourceType)type;
    if (s->type == DATA_SOURCE_HDF5)
        s->path[0] = '\0';
    IH_TRY(
        config__fields_parse(source_fields, CONFIG_NFIELDS(source_fields), 1u << type, src, p, s));
cleanup:
    return rc;
}

static int parse_mixing(const cJSON *arr, const char *p, void *base)
{
    int rc = 0;
    char ip[540];
    DataConfig *cfg = base;
    if (!arr)
        return 0;
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || n > DATA_MAX_MIXING)
        IH_FAIL(IH_ECONFIG, "%s: expected an array of 0 to %d sampler objects", p, DATA_MAX_MIXING);
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        snprintf(ip, sizeof ip, "%s[%d]", p, i);
        DataSamplerConfig *s = &cfg->mixing[i];
        *s = cfg->sampler;
        s->weight = 1.0;
        IH_TRY(config__fields_parse(sampler_fields, CONFIG_NFIELDS(sampler_fields), 0, c, ip, s));
    }
    cfg->n_mixing = n;
cleanup:
    return rc;
}

static int parse_evaluator(const cJSON *c, const char *ip, const DataConfig *cfg,
                           DataEvaluatorConfig *e)
{
    int rc = 0;
    memset(e, 0, sizeof *e);
    e->classes = DATA_SET_TRAIN;
    e->exemplars = DATA_SET_TRAIN;
    e->relabel = cfg->relabel;
    e->burstiness = cfg->sampler.burstiness;
    e->distractor = cfg->sampler.distractor;
    e->no_support = cfg->sampler.no_support;
    e->unique_rest = cfg->sampler.unique_rest;
    e->noise_scale = cfg->noise_scale;
    e->size = cfg->eval_size;
    if (cJSON_IsObject(c) && !cJSON_GetObjectItemCaseSensitive(c, "name"))
        IH_FAIL(IH_ECONFIG, "%s.name: required", ip);
    IH_TRY(config__fields_parse(evaluator_fields, CONFIG_NFIELDS(evaluator_fields), 0, c, ip, e));
cleanup:
    return rc;
}

static int parse_evaluators(const cJSON *arr, const char *p, void *base)
{
    int rc = 0;
    char ip[540];
    DataConfig *cfg = base;
    if (!arr) {
        data_config_paper_evaluators(cfg);
        return 0;
    }
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || n < 1 || n > DATA_MAX_EVALUATORS)
        IH_FAIL(IH_ECONFIG,
                "%s: expected an array of 1 to %d evaluator objects (a run needs at least one "
                "evaluator; leave the field out for the paper's four)",
                p, DATA_MAX_EVALUATORS);
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        snprintf(ip, sizeof ip, "%s[%d]", p, i);
        IH_TRY(parse_evaluator(c, ip, cfg, &cfg->evaluators[i]));
    }
    cfg->n_evaluators = n;
cleanup:
    return rc;
}

/* An owned JSON array of n objects, item i written from table at base + i * stride. */
static int write_array(const ConfigField *table, int n_fields, const void *base, size_t stride,
                       int n, cJSON **out)
{
    int rc = 0;
    cJSON *arr = cJSON_CreateArray(), *obj = NULL;
    if (!arr)
        IH_FAIL(IH_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        if (!(obj = cJSON_CreateObject()))
            IH_FAIL(IH_ENOMEM, "out of memory");
        IH_TRY(
            config__fields_write(table, n_fields, 0, (const char *)base + (size_t)i * stride, obj));
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

static int write_source(const void *base, cJSON **out)
{
    int rc = 0;
    const DataSourceConfig *s = &((const DataConfig *)base)->source;
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        IH_FAIL(IH_ENOMEM, "out of memory");
    IH_TRY(
        config__fields_write(source_fields, CONFIG_NFIELDS(source_fields), 1u << s->type, s, obj));
    *out = obj;
    obj = NULL;
cleanup:
    cJSON_Delete(obj);
    return rc;
}

static int write_mixing(const void *base, cJSON **out)
{
    const DataConfig *cfg = base;
    return write_array(sampler_fields, CONFIG_NFIELDS(sampler_fields), cfg->mixing,
                       sizeof cfg->mixing[0], cfg->n_mixing, out);
}

static int write_evaluators(const void *base, cJSON **out)
{
    const DataConfig *cfg = base;
    return write_array(evaluator_fields, CONFIG_NFIELDS(evaluator_fields), cfg->evaluators,
                       sizeof cfg->evaluators[0], cfg->n_evaluators, out);
}

#define D(key, kind, member, lo, hi)                                                               \
    {                                                                                              \
        key, kind, offsetof(DataConfig, member), 0, lo, hi, NULL, 0, NULL, NULL                    \
    }
static const ConfigField data_fields[] = {
    {"source", CONFIG_NESTED, 0, 0, 0, 0, NULL, 0, parse_source, write_source},
    D("n_classes_total", CONFIG_INT, n_classes_total, 2, 10000000),
    D("n_exemplars", CONFIG_INT, n_exemplars, 1, 100000),
    D("class_split", CONFIG_INT3, class_split, 0, 0),
    D("exemplar_split", CONFIG_INT3, exemplar_split, 0, 0),
    D("n_labels", CONFIG_INT, n_labels, 2, 2048),
    D("relabel_split", CONFIG_DOUBLE3, relabel_split, 0, 0),
    {"relabel", CONFIG_ENUM, offsetof(DataConfig, relabel), 0, 0, 0, data_relabel_names, 0, NULL,
     NULL},
    D("context_pairs", CONFIG_INT, context_pairs, 1, DATA_MAX_PAIRS),
    D("burstiness", CONFIG_INT, sampler.burstiness, 0, DATA_MAX_PAIRS),
    D("distractor", CONFIG_BOOL, sampler.distractor, 0, 1),
    D("no_support", CONFIG_BOOL, sampler.no_support, 0, 1),
    D("unique_rest", CONFIG_BOOL, sampler.unique_rest, 0, 1),
    {"mixing", CONFIG_NESTED, 0, 0, 0, 0, NULL, 0, parse_mixing, write_mixing},
    D("zipf_alpha", CONFIG_DOUBLE, zipf_alpha, 0.0, 100.0),
    D("noise_scale", CONFIG_FLOAT, noise_scale, 0.0, 1e6),
    D("match_query_and_distractors", CONFIG_BOOL, match_query_and_distractors, 0, 1),
    D("assign_query_label_random", CONFIG_BOOL, assign_query_label_random, 0, 1),
    D("eval_size", CONFIG_INT, eval_size, 1, 10000000),
    {"evaluators", CONFIG_NESTED, 0, 0, 0, 0, NULL, 0, parse_evaluators, write_evaluators},
    D("dense_subset", CONFIG_LONG, dense_subset, 0, 4e18),
    D("n_probe", CONFIG_INT, n_probe, 0, 1000000),
};
#undef D

int config__data_from_json(const cJSON *obj, const char *path, DataConfig *out)
{
    int rc = 0;
    data_config_default(out);
    IH_TRY(config__fields_parse(data_fields, CONFIG_NFIELDS(data_fields), 0, obj, path, out));
    IH_TRY(data_config_validate(out, path));
cleanup:
    return rc;
}

int config__data_to_json(const DataConfig *cfg, cJSON **out)
{
    int rc = 0;
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        IH_FAIL(IH_ENOMEM, "out of memory");
    IH_TRY(config__fields_write(data_fields, CONFIG_NFIELDS(data_fields), 0, cfg, obj));
    *out = obj;
    obj = NULL;
cleanup:
    cJSON_Delete(obj);
    return rc;
}

int data_config_parse(const char *json_text, const char *source_name, DataConfig *out)
{
    static const char *const keys[] = {"data", NULL};
    int rc = 0;
    cJSON *root = NULL;
    IH_TRY(json_parse(json_text, source_name, &root));
    IH_TRY(json_check_keys(root, "", keys));
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!obj)
        IH_FAIL(IH_ECONFIG, "%s: expected a top-level object {\"data\": {...}}", source_name);
    IH_TRY(config__data_from_json(obj, "data", out));
cleanup:
    cJSON_Delete(root);
    return rc;
}
