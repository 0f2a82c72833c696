/* Validation of a DataConfig: every impossible setting is an IH_ECONFIG error naming the field by
 * its JSON path. Checks that need the source's file (its shape) happen in data_source_load.
 */
#include "internal.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Block `set` of a [train, val, test] split of `total` items (design 1.2); ALL: everything. */
static void split_block(const int s[3], int total, DataSet set, int *first, int *n)
{
    switch (set) {
    case DATA_SET_TRAIN:
        *first = 0, *n = s[0];
        break;
    case DATA_SET_VAL:
        *first = s[0], *n = s[1];
        break;
    case DATA_SET_TEST:
        *first = s[0] + s[1], *n = total - s[0] - s[1];
        break;
    default:
        *first = 0, *n = total;
        break;
    }
}

void data__class_block(const DataConfig *cfg, DataSet set, int *first, int *n)
{
    split_block(cfg->class_split, cfg->n_classes_total, set, first, n);
}

void data__exemplar_block(const DataConfig *cfg, DataSet set, int *first, int *n)
{
    split_block(cfg->exemplar_split, cfg->n_exemplars, set, first, n);
}

static int relabel_has_pairs(DataRelabel r)
{
    return r != DATA_RELABEL_NONE && r != DATA_RELABEL_FLIP;
}

static int relabel_pair_count(const DataConfig *cfg, DataRelabel r)
{
    int counts[3];
    data__label_counts(cfg->n_labels, cfg->relabel_split, counts);
    switch (r) {
    case DATA_RELABEL_01:
        return 1;
    case DATA_RELABEL_TRAIN:
        return counts[0];
    case DATA_RELABEL_VAL:
        return counts[1];
    case DATA_RELABEL_TEST:
        return counts[2];
    case DATA_RELABEL_ALL:
        return cfg->n_labels * (cfg->n_labels - 1) / 2;
    default:
        return 0;
    }
}

/* Field names of one sampler: `base` prefixes burstiness/distractor/... ; the relabel, classes,
 * exemplars and assign fields are given whole (they live elsewhere for the training sampler). */
typedef struct {
    const char *base;
    const char *relabel;
    const char *classes;
    const char *exemplars;
    const char *assign;
} SamplerPaths;

static int check_sampler(const DataConfig *cfg, const char *path, const SamplerPaths *fp,
                         const DataSamplerConfig *s, DataSet classes, DataSet exemplars,
                         DataRelabel relabel, int assign)
{
    int rc = 0;
    const char *const *set_names = data_set_names();
    const char *const *relabel_names = data_relabel_names();
    int P = cfg->context_pairs, B = s->burstiness;
    int distr = B > 0 && s->distractor;
    if (B < 0 || B > DATA_MAX_PAIRS)
        IH_FAIL(IH_ECONFIG, "%s.burstiness: %d is out of range [0, %d]", fp->base, B,
                DATA_MAX_PAIRS);
    int n_rest = P - B - (distr ? B : 0);
    if (n_rest < 0)
        IH_FAIL(IH_ECONFIG,
                "%s.burstiness: B = %d%s needs %d context pairs, but %s.context_pairs is %d",
                fp->base, B, distr ? " with a distractor" : "", B + (distr ? B : 0), path, P);

    int first = 0, n = 0;
    data__class_block(cfg, classes, &first, &n);
    int need = 1 + (distr ? 1 : 0);
    if (n_rest > 0 && s->unique_rest)
        need += n_rest;
    else if (n_rest > 0 && s->no_support)
        need += 1;
    if (n < need)
        IH_FAIL(IH_ECONFIG,
                "%s: the %s class block has %d classes, but this sampler needs at least %d "
                "distinct classes per sequence",
                fp->classes, set_names[classes], n, need);
    int ex_first = 0, n_ex = 0;
    data__exemplar_block(cfg, exemplars, &ex_first, &n_ex);
    if (n_ex < 1)
        IH_FAIL(IH_ECONFIG, "%s: the %s exemplar block is empty (%s.exemplar_split)", fp->exemplars,
                set_names[exemplars], path);

    if (relabel_has_pairs(relabel) && relabel_pair_count(cfg, relabel) < 1)
        IH_FAIL(IH_ECONFIG,
                "%s: the '%s' label-pair set is empty (%s.relabel_split = [%g, %g, %g] over %d "
                "pairs of %s.n_labels = %d)",
                fp->relabel, relabel_names[relabel], path, cfg->relabel_split[0],
                cfg->relabel_split[1], cfg->relabel_split[2],
                cfg->n_labels * (cfg->n_labels - 1) / 2, path, cfg->n_labels);
    if (relabel == DATA_RELABEL_FLIP && !distr)
        IH_FAIL(IH_ECONFIG, "%s: 'flip' needs burstiness >= 1 and a distractor", fp->relabel);
    if (assign && relabel != DATA_RELABEL_NONE)
        IH_FAIL(IH_ECONFIG,
                "%s: has no effect unless the relabel scheme is 'none' (relabeling starts from "
                "the true class labels, as in the reference)",
                fp->assign);
    /* True class labels appear with NONE and FLIP, and on rest items under every scheme. */
    int max_class = first + n - 1;
    if ((relabel == DATA_RELABEL_NONE || relabel == DATA_RELABEL_FLIP) &&
        max_class >= cfg->n_labels)
        IH_FAIL(IH_ECONFIG,
                "%s: '%s' uses true class labels (class ids up to %d) but %s.n_labels is %d",
                fp->relabel, relabel_names[relabel], max_class, path, cfg->n_labels);
    if (n_rest > 0 && max_class >= cfg->n_labels)
        IH_FAIL(IH_ECONFIG,
                "%s.burstiness: the %d rest items per sequence keep their true class labels "
                "(class ids up to %d), but %s.n_labels is %d",
                fp->base, n_rest, max_class, path, cfg->n_labels);
cleanup:
    return rc;
}

static int check_source(const DataSourceConfig *s, const char *path)
{
    int rc = 0;
    if (s->type == DATA_SOURCE_HDF5) {
        if (!s->path[0])
            IH_FAIL(IH_ECONFIG, "%s.source.path: required for type \"hdf5\"", path);
        if (!s->dataset[0])
            IH_FAIL(IH_ECONFIG, "%s.source.dataset: must not be empty", path);
        return 0;
    }
    if (s->dim < 1 || s->dim > 65536)
        IH_FAIL(IH_ECONFIG, "%s.source.dim: %d is out of range [1, 65536]", path, s->dim);
    if (!(s->mean_scale >= 0) || !isfinite(s->mean_scale))
        IH_FAIL(IH_ECONFIG, "%s.source.mean_scale: must be finite and >= 0", path);
    if (!(s->class_scale >= 0) || !isfinite(s->class_scale))
        IH_FAIL(IH_ECONFIG, "%s.source.class_scale: must be finite and >= 0", path);
    if (!(s->exemplar_noise >= 0) || !isfinite(s->exemplar_noise))
        IH_FAIL(IH_ECONFIG, "%s.source.exemplar_noise: must be finite and >= 0", path);
    if (!(s->within_class_noise >= 0) || !isfinite(s->within_class_noise))
        IH_FAIL(IH_ECONFIG, "%s.source.within_class_noise: must be finite and >= 0", path);
    if (s->type == DATA_SOURCE_LOWRANK && (s->rank < 1 || s->rank > s->dim))
        IH_FAIL(IH_ECONFIG, "%s.source.rank: %d is out of range [1, dim = %d]", path, s->rank,
                s->dim);
cleanup:
    return rc;
}

static int check_split(const int *split, int total, const char *path, const char *field,
                       const char *total_field)
{
    int rc = 0;
    long sum = 0;
    for (int i = 0; i < 3; i++) {
        if (split[i] < 0)
            IH_FAIL(IH_ECONFIG, "%s.%s[%d]: %d is negative", path, field, i, split[i]);
        sum += split[i];
    }
    if (sum != total)
        IH_FAIL(IH_ECONFIG, "%s.%s: [%d, %d, %d] sums to %ld, but %s.%s is %d", path, field,
                split[0], split[1], split[2], sum, path, total_field, total);
cleanup:
    return rc;
}

static int check_name(const DataConfig *cfg, int i, const char *field)
{
    int rc = 0;
    const char *name = cfg->evaluators[i].name;
    if (!name[0])
        IH_FAIL(IH_ECONFIG, "%s: must not be empty", field);
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            IH_FAIL(IH_ECONFIG, "%s: \"%s\" may hold only letters, digits and '_'", field, name);
    for (int j = 0; j < i; j++)
        if (strcmp(cfg->evaluators[j].name, name) == 0)
            IH_FAIL(IH_ECONFIG, "%s: \"%s\" is used by evaluators[%d] too", field, name, j);
cleanup:
    return rc;
}

static int check_evaluator(const DataConfig *cfg, const char *path, int i)
{
    int rc = 0;
    const DataEvaluatorConfig *e = &cfg->evaluators[i];
    char base[128], f_name[160], f_rel[160], f_cls[160], f_ex[160], f_assign[160];
    snprintf(base, sizeof base, "%s.evaluators[%d]", path, i);
    snprintf(f_name, sizeof f_name, "%s.name", base);
    snprintf(f_rel, sizeof f_rel, "%s.relabel", base);
    snprintf(f_cls, sizeof f_cls, "%s.classes", base);
    snprintf(f_ex, sizeof f_ex, "%s.exemplars", base);
    snprintf(f_assign, sizeof f_assign, "%s.assign_query_label_random", base);
    IH_TRY(check_name(cfg, i, f_name));
    if (e->size < 1 || e->size > 10000000)
        IH_FAIL(IH_ECONFIG, "%s.size: %d is out of range [1, 10000000]", base, e->size);
    if (!(e->noise_scale >= 0) || !isfinite(e->noise_scale))
        IH_FAIL(IH_ECONFIG, "%s.noise_scale: must be finite and >= 0", base);
    DataSamplerConfig s = {1.0, e->burstiness, e->distractor, e->no_support, e->unique_rest};
    SamplerPaths fp = {base, f_rel, f_cls, f_ex, f_assign};
    IH_TRY(check_sampler(cfg, path, &fp, &s, e->classes, e->exemplars, e->relabel,
                         e->assign_query_label_random));
cleanup:
    return rc;
}

int data_config_validate(const DataConfig *cfg, const char *path)
{
    int rc = 0;
    IH_TRY(check_source(&cfg->source, path));
    if (cfg->n_classes_total < 2 || cfg->n_classes_total > 10000000)
        IH_FAIL(IH_ECONFIG, "%s.n_classes_total: %d is out of range [2, 10000000]", path,
                cfg->n_classes_total);
    if (cfg->n_exemplars < 1 || cfg->n_exemplars > 100000)
        IH_FAIL(IH_ECONFIG, "%s.n_exemplars: %d is out of range [1, 100000]", path,
                cfg->n_exemplars);
    if ((long long)cfg->n_classes_total * cfg->n_exemplars > 1000000000LL)
        IH_FAIL(IH_ECONFIG, "%s.n_exemplars: %d classes x %d exemplars is too many", path,
                cfg->n_classes_total, cfg->n_exemplars);
    IH_TRY(check_split(cfg->class_split, cfg->n_classes_total, path, "class_split",
                       "n_classes_total"));
    IH_TRY(
        check_split(cfg->exemplar_split, cfg->n_exemplars, path, "exemplar_split", "n_exemplars"));
    if (cfg->class_split[0] < 2)
        IH_FAIL(IH_ECONFIG, "%s.class_split[0]: K = %d training classes; at least 2 are needed",
                path, cfg->class_split[0]);
    if (cfg->exemplar_split[0] < 1)
        IH_FAIL(IH_ECONFIG, "%s.exemplar_split[0]: training needs at least one exemplar", path);
    if (cfg->n_labels < 2 || cfg->n_labels > 2048)
        IH_FAIL(IH_ECONFIG, "%s.n_labels: %d is out of range [2, 2048]", path, cfg->n_labels);
    double wsum = 0;
    for (int i = 0; i < 3; i++) {
        if (!(cfg->relabel_split[i] >= 0) || !isfinite(cfg->relabel_split[i]))
            IH_FAIL(IH_ECONFIG, "%s.relabel_split[%d]: must be finite and >= 0", path, i);
        wsum += cfg->relabel_split[i];
    }
    if (!(wsum > 0))
        IH_FAIL(IH_ECONFIG, "%s.relabel_split: the weights sum to 0", path);
    if (cfg->context_pairs < 1 || cfg->context_pairs > DATA_MAX_PAIRS)
        IH_FAIL(IH_ECONFIG, "%s.context_pairs: %d is out of range [1, %d]", path,
                cfg->context_pairs, DATA_MAX_PAIRS);
    if (!(cfg->zipf_alpha >= 0) || !isfinite(cfg->zipf_alpha))
        IH_FAIL(IH_ECONFIG, "%s.zipf_alpha: must be finite and >= 0", path);
    if (!(cfg->noise_scale >= 0) || !isfinite(cfg->noise_scale))
        IH_FAIL(IH_ECONFIG, "%s.noise_scale: must be finite and >= 0", path);
    if (cfg->eval_size < 1 || cfg->eval_size > 10000000)
        IH_FAIL(IH_ECONFIG, "%s.eval_size: %d is out of range [1, 10000000]", path, cfg->eval_size);
    if (cfg->dense_subset < 0)
        IH_FAIL(IH_ECONFIG, "%s.dense_subset: %ld is negative", path, cfg->dense_subset);
    if (cfg->n_probe < 0 || cfg->n_probe > 1000000)
        IH_FAIL(IH_ECONFIG, "%s.n_probe: %d is out of range [0, 1000000]", path, cfg->n_probe);

    char f_rel[160], f_cls[160], f_ex[160], f_assign[160], base[160];
    snprintf(f_rel, sizeof f_rel, "%s.relabel", path);
    snprintf(f_cls, sizeof f_cls, "%s.class_split", path);
    snprintf(f_ex, sizeof f_ex, "%s.exemplar_split", path);
    snprintf(f_assign, sizeof f_assign, "%s.assign_query_label_random", path);
    if (cfg->n_mixing < 0 || cfg->n_mixing > DATA_MAX_MIXING)
        IH_FAIL(IH_ECONFIG, "%s.mixing: expected 1 to %d samplers", path, DATA_MAX_MIXING);
    int n_samplers = cfg->n_mixing ? cfg->n_mixing : 1;
    for (int i = 0; i < n_samplers; i++) {
        const DataSamplerConfig *s = cfg->n_mixing ? &cfg->mixing[i] : &cfg->sampler;
        if (cfg->n_mixing)
            snprintf(base, sizeof base, "%s.mixing[%d]", path, i);
        else
            snprintf(base, sizeof base, "%s", path);
        if (cfg->n_mixing && (!(s->weight > 0) || !isfinite(s->weight)))
            IH_FAIL(IH_ECONFIG, "%s.weight: must be finite and > 0", base);
        SamplerPaths fp = {base, f_rel, f_cls, f_ex, f_assign};
        IH_TRY(check_sampler(cfg, path, &fp, s, DATA_SET_TRAIN, DATA_SET_TRAIN, cfg->relabel,
                             cfg->assign_query_label_random));
    }
    if (cfg->n_evaluators < 0 || cfg->n_evaluators > DATA_MAX_EVALUATORS)
        IH_FAIL(IH_ECONFIG, "%s.evaluators: at most %d evaluators", path, DATA_MAX_EVALUATORS);
    for (int i = 0; i < cfg->n_evaluators; i++)
        IH_TRY(check_evaluator(cfg, path, i));
cleanup:
    return rc;
}
