/* The Data object: validates the config, loads the source, splits label pairs, resolves the
 * training samplers (Zipf, mixing) and generates the fixed eval sets, probe set and dense subset.
 * Batches are filled elsewhere (batch.c, sets.c, dense.c).
 */
#include "internal.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int uses_split_pairs(DataRelabel r)
{
    return r == DATA_RELABEL_TRAIN || r == DATA_RELABEL_VAL || r == DATA_RELABEL_TEST ||
           r == DATA_RELABEL_ALL;
}

/* Fills the pair blocks: the train/val/test split, all pairs (lexicographic) and (0, 1). Pairs of
 * the split are only computed when some sampler uses them (L may be large with true labels). */
static int data_init_pairs(Data *d)
{
    int rc = 0;
    const DataConfig *cfg = &d->cfg;
    int need = uses_split_pairs(cfg->relabel);
    for (int i = 0; i < cfg->n_evaluators; i++)
        need |= uses_split_pairs(cfg->evaluators[i].relabel);
    long n = need ? (long)d->L * (d->L - 1) / 2 : 0;
    IH_ALLOC(d->pair_store, 4 * n + 2);
    int *store = d->pair_store;
    store[4 * n] = 0;
    store[4 * n + 1] = 1;
    d->pairs[DATA_RELABEL_01] = store + 4 * n;
    d->n_pairs[DATA_RELABEL_01] = 1;
    if (!need)
        return 0;
    int counts[3];
    IH_TRY(data_label_split(d->L, cfg->relabel_split, store, counts));
    d->pairs[DATA_RELABEL_TRAIN] = store;
    d->n_pairs[DATA_RELABEL_TRAIN] = counts[0];
    d->pairs[DATA_RELABEL_VAL] = store + 2 * counts[0];
    d->n_pairs[DATA_RELABEL_VAL] = counts[1];
    d->pairs[DATA_RELABEL_TEST] = store + 2 * (counts[0] + counts[1]);
    d->n_pairs[DATA_RELABEL_TEST] = counts[2];
    int *all = store + 2 * n, k = 0;
    for (int a = 0; a < d->L; a++)
        for (int b = a + 1; b < d->L; b++, k++)
            all[2 * k] = a, all[2 * k + 1] = b;
    d->pairs[DATA_RELABEL_ALL] = all;
    d->n_pairs[DATA_RELABEL_ALL] = (int)n;
cleanup:
    return rc;
}

/* Training samplers: Zipf class distribution over the K training classes and mixing weights. */
static int data_init_train(Data *d)
{
    int rc = 0;
    const DataConfig *cfg = &d->cfg;
    if (cfg->zipf_alpha > 0) {
        IH_ALLOC(d->train_prob, d->K);
        IH_ALLOC(d->train_cdf, d->K);
        double total = 0;
        for (int c = 0; c < d->K; c++)
            total += d->train_prob[c] = pow((double)(c + 1), -cfg->zipf_alpha);
        double acc = 0;
        for (int c = 0; c < d->K; c++) {
            d->train_prob[c] /= total;
            acc += d->train_prob[c];
            d->train_cdf[c] = acc;
        }
        d->train_cdf[d->K - 1] = 1.0;
    }
    d->n_train_gen = cfg->n_mixing ? cfg->n_mixing : 1;
    double wsum = 0;
    for (int i = 0; i < d->n_train_gen; i++) {
        const DataSamplerConfig *s = cfg->n_mixing ? &cfg->mixing[i] : &cfg->sampler;
        DataGen *g = &d->train_gen[i];
        data__gen_init(d, g, DATA_SET_TRAIN, DATA_SET_TRAIN, s, cfg->relabel,
                       cfg->assign_query_label_random, cfg->noise_scale);
        g->prob = d->train_prob;
        g->cdf = d->train_cdf;
        wsum += cfg->n_mixing ? s->weight : 1.0;
    }
    double acc = 0;
    for (int i = 0; i < d->n_train_gen; i++) {
        acc += cfg->n_mixing ? cfg->mixing[i].weight : 1.0;
        d->mix_cdf[i] = acc / wsum;
    }
cleanup:
    return rc;
}

/* Marks the classes of block `set` (design 1.2). */
static void mark_class_block(const DataConfig *cfg, DataSet set, unsigned char *needed)
{
    int first, n;
    data__class_block(cfg, set, &first, &n);
    memset(needed + first, 1, (size_t)n);
}

/* The classes a run can draw: training's and every evaluator's class blocks. Owned *out. */
static int data_needed_classes(const DataConfig *cfg, unsigned char **out)
{
    int rc = 0;
    unsigned char *needed = NULL;
    IH_ALLOC(needed, cfg->n_classes_total);
    mark_class_block(cfg, DATA_SET_TRAIN, needed);
    for (int i = 0; i < cfg->n_evaluators; i++)
        mark_class_block(cfg, cfg->evaluators[i].classes, needed);
    *out = needed;
    needed = NULL;
cleanup:
    free(needed);
    return rc;
}

int data_create(const DataConfig *cfg, uint32_t train_seed, uint32_t eval_seed,
                DataFileReader reader, Data **out)
{
    int rc = 0;
    Data *d = NULL;
    unsigned char *needed = NULL;
    *out = NULL;
    IH_ALLOC(d, 1);
    d->cfg = *cfg;
    d->train_seed = train_seed;
    d->eval_seed = eval_seed;
    IH_TRY(data_needed_classes(cfg, &needed));
    IH_TRY(data_source_load_classes(&cfg->source, cfg->n_classes_total, cfg->n_exemplars, needed,
                                    reader, "data.source", &d->source));
    d->K = cfg->class_split[0];
    d->P = cfg->context_pairs;
    d->X = d->P + 1;
    d->L = cfg->n_labels;
    IH_TRY(data_init_pairs(d));
    IH_TRY(data_init_train(d));
    for (int i = 0; i < cfg->n_evaluators; i++) {
        const DataEvaluatorConfig *e = &cfg->evaluators[i];
        DataSamplerConfig s = {1.0, e->burstiness, e->distractor, e->no_support, e->unique_rest};
        DataGen g;
        data__gen_init(d, &g, e->classes, e->exemplars, &s, e->relabel,
                       e->assign_query_label_random, e->noise_scale);
        IH_TRY(data__seqset_create(d, &d->evals[i], &g, e->size, eval_seed, RNG_PURPOSE_EVAL_SET,
                                   (uint64_t)i));
    }
    IH_TRY(
        data__seqset_create(d, &d->probe, NULL, cfg->n_probe, eval_seed, RNG_PURPOSE_PROBE_SET, 0));
    IH_TRY(data__dense_init(d));
    *out = d;
    d = NULL;
cleanup:
    free(needed);
    data_destroy(&d);
    return rc;
}

void data_destroy(Data **d)
{
    if (!d || !*d)
        return;
    Data *p = *d;
    data_source_destroy(&p->source);
    free(p->pair_store);
    free(p->train_prob);
    free(p->train_cdf);
    for (int i = 0; i < DATA_MAX_EVALUATORS; i++)
        data__seqset_free(&p->evals[i]);
    data__seqset_free(&p->probe);
    free(p->dense_subset);
    free(p);
    *d = NULL;
}

const DataConfig *data_config(const Data *d)
{
    return &d->cfg;
}

int data_input_dim(const Data *d)
{
    return d->source->dim;
}

int data_n_labels(const Data *d)
{
    return d->L;
}

int data_context_pairs(const Data *d)
{
    return d->P;
}

int data_n_train_classes(const Data *d)
{
    return d->K;
}

const DataSource *data_source(const Data *d)
{
    return d->source;
}

const float *data_exemplar(const Data *d, int class_id, int exemplar_id)
{
    const DataSource *s = d->source;
    return data_source_vector(s, class_id, exemplar_id);
}

const int *data_label_pairs(const Data *d, DataRelabel scheme, int *n)
{
    *n = d->n_pairs[scheme];
    return *n ? d->pairs[scheme] : NULL;
}
