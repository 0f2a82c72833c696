/* JSON -> DataConfig: the "data" object of a run config or of a standalone data file (the one that
 * `ihsweep sample` reads). Schema (every field optional; defaults are the paper's, data.h):
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
 * Validation beyond types and ranges is data_config_validate's.
 */
#include "config/json.h"
#include "config/sections.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"

#include <stdio.h>
#include <string.h>

static int get_int_triple(const cJSON *obj, const char *path, const char *key, int *out)
{
    int rc = 0;
    int v[3], n = 0;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return 0;
    IH_TRY(json_get_int_array(obj, path, key, 0, 100000000, v, 3, &n));
    if (n != 3)
        IH_FAIL(IH_ECONFIG, "%s.%s: expected 3 entries [train, val, test], got %d", path, key, n);
    memcpy(out, v, sizeof v);
cleanup:
    return rc;
}

static int get_double_triple(const cJSON *obj, const char *path, const char *key, double *out)
{
    int rc = 0;
    double v[3];
    int n = 0;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return 0;
    IH_TRY(json_get_double_array(obj, path, key, 0.0, 1e12, v, 3, &n));
    if (n != 3)
        IH_FAIL(IH_ECONFIG, "%s.%s: expected 3 entries [train, val, test], got %d", path, key, n);
    memcpy(out, v, sizeof v);
cleanup:
    return rc;
}

static int parse_source(const cJSON *obj, const char *path, DataSourceConfig *s)
{
    static const char *const synthetic_keys[] = {
        "type", "dim", "seed", "mean_scale", "class_scale", "exemplar_noise", "nonneg", NULL};
    static const char *const lowrank_keys[] = {"type",           "dim",        "seed",
                                               "rank",           "mean_scale", "class_scale",
                                               "exemplar_noise", "nonneg",     NULL};
    static const char *const gaussian_keys[] = {"type", "dim", "seed", "within_class_noise", NULL};
    static const char *const hdf5_keys[] = {"type", "path", "dataset", NULL};
    int rc = 0;
    char p[512];
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(obj, "source");
    if (!src)
        return 0;
    json_path_join(p, sizeof p, path, "source");
    if (!cJSON_IsObject(src))
        IH_FAIL(IH_ECONFIG, "%s: expected an object", p);
    if (!cJSON_GetObjectItemCaseSensitive(src, "type"))
        IH_FAIL(IH_ECONFIG,
                "%s.type: required (\"synthetic\", \"lowrank\", \"gaussian\" or \"hdf5\")", p);
    int type = 0;
    IH_TRY(json_get_enum(src, p, "type", data_source_type_names(), &type));
    s->type = (DataSourceType)type;
    const char *const *keys = s->type == DATA_SOURCE_HDF5       ? hdf5_keys
                              : s->type == DATA_SOURCE_GAUSSIAN ? gaussian_keys
                              : s->type == DATA_SOURCE_LOWRANK  ? lowrank_keys
                                                                : synthetic_keys;
    IH_TRY(json_check_keys(src, p, keys));
    if (s->type == DATA_SOURCE_HDF5) {
        s->path[0] = '\0';
        IH_TRY(json_get_string(src, p, "path", s->path, (int)sizeof s->path));
        IH_TRY(json_get_string(src, p, "dataset", s->dataset, (int)sizeof s->dataset));
        goto cleanup;
    }
    long seed = s->seed;
    IH_TRY(json_get_int32(src, p, "dim", 1, 65536, &s->dim));
    IH_TRY(json_get_int(src, p, "seed", 0, 4294967295L, &seed));
    s->seed = (uint32_t)seed;
    IH_TRY(json_get_int32(src, p, "rank", 1, 65536, &s->rank));
    IH_TRY(json_get_float(src, p, "mean_scale", 0.0, 1e6, &s->mean_scale));
    IH_TRY(json_get_float(src, p, "class_scale", 0.0, 1e6, &s->class_scale));
    IH_TRY(json_get_float(src, p, "exemplar_noise", 0.0, 1e6, &s->exemplar_noise));
    IH_TRY(json_get_float(src, p, "within_class_noise", 0.0, 1e6, &s->within_class_noise));
    int nonneg = s->nonneg;
    IH_TRY(json_get_enum(src, p, "nonneg", data_nonneg_names(), &nonneg));
    s->nonneg = (DataNonneg)nonneg;
cleanup:
    return rc;
}

/* Sampler fields of obj (at path) over the defaults already in *s. */
static int parse_sampler_fields(const cJSON *obj, const char *path, DataSamplerConfig *s)
{
    int rc = 0;
    IH_TRY(json_get_int32(obj, path, "burstiness", 0, DATA_MAX_PAIRS, &s->burstiness));
    IH_TRY(json_get_bool(obj, path, "distractor", &s->distractor));
    IH_TRY(json_get_bool(obj, path, "no_support", &s->no_support));
    IH_TRY(json_get_bool(obj, path, "unique_rest", &s->unique_rest));
cleanup:
    return rc;
}

static int parse_mixing(const cJSON *obj, const char *path, DataConfig *cfg)
{
    static const char *const keys[] = {"weight",     "burstiness",  "distractor",
                                       "no_support", "unique_rest", NULL};
    int rc = 0;
    char p[512], ip[540];
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "mixing");
    if (!arr)
        return 0;
    json_path_join(p, sizeof p, path, "mixing");
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || n < 1 || n > DATA_MAX_MIXING)
        IH_FAIL(IH_ECONFIG, "%s: expected an array of 1 to %d sampler objects", p, DATA_MAX_MIXING);
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        snprintf(ip, sizeof ip, "%s[%d]", p, i);
        IH_TRY(json_check_keys(c, ip, keys));
        DataSamplerConfig *s = &cfg->mixing[i];
        *s = cfg->sampler;
        s->weight = 1.0;
        IH_TRY(json_get_double(c, ip, "weight", 0.0, 1e12, &s->weight));
        IH_TRY(parse_sampler_fields(c, ip, s));
    }
    cfg->n_mixing = n;
cleanup:
    return rc;
}

static int parse_evaluator(const cJSON *c, const char *ip, const DataConfig *cfg,
                           DataEvaluatorConfig *e)
{
    static const char *const keys[] = {"name",        "classes",     "exemplars",
                                       "relabel",     "burstiness",  "distractor",
                                       "no_support",  "unique_rest", "assign_query_label_random",
                                       "noise_scale", "size",        NULL};
    int rc = 0;
    IH_TRY(json_check_keys(c, ip, keys));
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
    if (!cJSON_GetObjectItemCaseSensitive(c, "name"))
        IH_FAIL(IH_ECONFIG, "%s.name: required", ip);
    IH_TRY(json_get_string(c, ip, "name", e->name, (int)sizeof e->name));
    int classes = e->classes, exemplars = e->exemplars, relabel = e->relabel;
    IH_TRY(json_get_enum(c, ip, "classes", data_set_names(), &classes));
    IH_TRY(json_get_enum(c, ip, "exemplars", data_set_names(), &exemplars));
    IH_TRY(json_get_enum(c, ip, "relabel", data_relabel_names(), &relabel));
    e->classes = (DataSet)classes;
    e->exemplars = (DataSet)exemplars;
    e->relabel = (DataRelabel)relabel;
    DataSamplerConfig s = {1.0, e->burstiness, e->distractor, e->no_support, e->unique_rest};
    IH_TRY(parse_sampler_fields(c, ip, &s));
    e->burstiness = s.burstiness;
    e->distractor = s.distractor;
    e->no_support = s.no_support;
    e->unique_rest = s.unique_rest;
    IH_TRY(json_get_bool(c, ip, "assign_query_label_random", &e->assign_query_label_random));
    IH_TRY(json_get_float(c, ip, "noise_scale", 0.0, 1e6, &e->noise_scale));
    IH_TRY(json_get_int32(c, ip, "size", 1, 10000000, &e->size));
cleanup:
    return rc;
}

static int parse_evaluators(const cJSON *obj, const char *path, DataConfig *cfg)
{
    int rc = 0;
    char p[512], ip[540];
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "evaluators");
    if (!arr) {
        data_config_paper_evaluators(cfg);
        return 0;
    }
    json_path_join(p, sizeof p, path, "evaluators");
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

int config__data_from_json(const cJSON *obj, const char *path, DataConfig *out)
{
    static const char *const keys[] = {"source",
                                       "n_classes_total",
                                       "n_exemplars",
                                       "class_split",
                                       "exemplar_split",
                                       "n_labels",
                                       "relabel_split",
                                       "relabel",
                                       "context_pairs",
                                       "burstiness",
                                       "distractor",
                                       "no_support",
                                       "unique_rest",
                                       "mixing",
                                       "zipf_alpha",
                                       "noise_scale",
                                       "match_query_and_distractors",
                                       "assign_query_label_random",
                                       "eval_size",
                                       "evaluators",
                                       "dense_subset",
                                       "n_probe",
                                       NULL};
    int rc = 0;
    DataConfig *cfg = out;
    data_config_default(cfg);
    IH_TRY(json_check_keys(obj, path, keys));
    IH_TRY(parse_source(obj, path, &cfg->source));
    IH_TRY(json_get_int32(obj, path, "n_classes_total", 2, 10000000, &cfg->n_classes_total));
    IH_TRY(json_get_int32(obj, path, "n_exemplars", 1, 100000, &cfg->n_exemplars));
    IH_TRY(get_int_triple(obj, path, "class_split", cfg->class_split));
    IH_TRY(get_int_triple(obj, path, "exemplar_split", cfg->exemplar_split));
    IH_TRY(json_get_int32(obj, path, "n_labels", 2, 2048, &cfg->n_labels));
    IH_TRY(get_double_triple(obj, path, "relabel_split", cfg->relabel_split));
    int relabel = cfg->relabel;
    IH_TRY(json_get_enum(obj, path, "relabel", data_relabel_names(), &relabel));
    cfg->relabel = (DataRelabel)relabel;
    IH_TRY(json_get_int32(obj, path, "context_pairs", 1, DATA_MAX_PAIRS, &cfg->context_pairs));
    IH_TRY(parse_sampler_fields(obj, path, &cfg->sampler));
    IH_TRY(json_get_double(obj, path, "zipf_alpha", 0.0, 100.0, &cfg->zipf_alpha));
    IH_TRY(json_get_float(obj, path, "noise_scale", 0.0, 1e6, &cfg->noise_scale));
    IH_TRY(
        json_get_bool(obj, path, "match_query_and_distractors", &cfg->match_query_and_distractors));
    IH_TRY(json_get_bool(obj, path, "assign_query_label_random", &cfg->assign_query_label_random));
    IH_TRY(json_get_int32(obj, path, "eval_size", 1, 10000000, &cfg->eval_size));
    IH_TRY(json_get_int(obj, path, "dense_subset", 0, 4000000000000000000L, &cfg->dense_subset));
    IH_TRY(json_get_int32(obj, path, "n_probe", 0, 1000000, &cfg->n_probe));
    IH_TRY(parse_mixing(obj, path, cfg));
    IH_TRY(parse_evaluators(obj, path, cfg));
    IH_TRY(data_config_validate(cfg, path));
cleanup:
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
