/* Internals shared by the files of src/data/: the Data object, resolved samplers and the
 * one-sequence generator. Not a public interface.
 */
#ifndef IHSWEEP_DATA_INTERNAL_H
#define IHSWEEP_DATA_INTERNAL_H

#include "ihsweep/data.h"
#include "ihsweep/rng.h"

#include <stddef.h>
#include <stdint.h>

#define DATA__MAX_X (DATA_MAX_PAIRS + 1)

/* A sampler of design 1.6 resolved against the data: class block, class distribution, exemplar
 * block, label scheme with its pairs, noise. */
typedef struct {
    int class_first, n_class; /* class block [class_first, class_first + n_class) */
    const double *prob;       /* [n_class] normalised probabilities; NULL: uniform */
    const double *cdf;        /* [n_class] cumulative probabilities; NULL: uniform */
    int ex_first, n_ex;       /* exemplar block */
    int P, B, distractor, no_support, unique_rest;
    DataRelabel relabel;
    const int *pairs; /* [n_pairs, 2] for pair schemes */
    int n_pairs;
    int assign_query_label_random;
    int match_query_and_distractors;
    float noise;
} DataGen;

/* One sequence: X = P + 1 items, the query last. labels[P] is the query's label (the target). */
typedef struct {
    int cls[DATA__MAX_X];
    int ex[DATA__MAX_X];
    int type[DATA__MAX_X];
    int label[DATA__MAX_X];
} DataSeq;

/* A stored set of n sequences, X items each ([n, X] arrays), and where its noise comes from:
 * sequence k's noise is drawn from stream (noise_seed, noise_purpose, noise_index | (k+1) << 32).
 */
typedef struct {
    int n;
    int *cls, *ex, *type, *label;
    float noise;
    uint32_t noise_seed;
    uint32_t noise_purpose;
    uint64_t noise_index;
} DataSeqSet;

struct Data {
    DataConfig cfg;
    uint32_t train_seed, eval_seed;
    DataSource *source;
    int K, P, X, L;

    /* label pairs: block per scheme ([n, 2] each; pointers into pair_store) */
    int *pair_store;
    const int *pairs[DATA_RELABEL_ALL + 1];
    int n_pairs[DATA_RELABEL_ALL + 1];

    /* training class distribution (NULL when uniform) */
    double *train_prob, *train_cdf;
    int n_train_gen;
    DataGen train_gen[DATA_MAX_MIXING];
    double mix_cdf[DATA_MAX_MIXING];

    DataSeqSet evals[DATA_MAX_EVALUATORS];
    DataSeqSet probe;

    /* dense set */
    long dense_full;
    long dense_n;
    long *dense_subset; /* [dense_n] ascending, or NULL for the full set */
    int dense_arrangements, dense_labelings;
    uint64_t binom[DATA_MAX_PAIRS + 1][DATA_MAX_PAIRS + 1];
};

/* Draws one sequence from g into s (class and exemplar ids are source indices). */
void data__sample_sequence(const DataGen *g, Rng *r, DataSeq *s);

/* Index of a training sampler chosen from the mixing weights (0 with one sampler). */
int data__pick_train_gen(const Data *d, Rng *r);

/* Resolves sampler settings into g. */
void data__gen_init(const Data *d, DataGen *g, DataSet classes, DataSet exemplars,
                    const DataSamplerConfig *s, DataRelabel relabel, int assign_random,
                    float noise);

/* Block sizes of the label-pair split: counts[0] train, [1] val, [2] test (design 1.4 cut points). */
void data__label_counts(int L, const double split[3], int counts[3]);

/* First index and size of a class or exemplar block. */
void data__class_block(const DataConfig *cfg, DataSet set, int *first, int *n);
void data__exemplar_block(const DataConfig *cfg, DataSet set, int *first, int *n);

/* Copies sequence s into slot b of batch (ids, types, labels, targets, match). */
void data__batch_put(DataBatch *batch, int b, const DataSeq *s);

/* Builds batch->rows and example_row for batch->B sequences: shared rows for identical tokens
 * when dedupe != 0, one row per token otherwise. Then refreshes the ModelBatch view. */
void data__batch_rows(const Data *d, DataBatch *batch, int dedupe);

/* Adds scale * N(0, 1) noise to x[0..n) from r: Box-Muller using both outputs of each pair (as
 * rng_normal, float libm calls only, so bits do not depend on the CPU). */
void data__add_noise(Rng *r, float *x, size_t n, float scale);

/* Generates a stored set of n sequences from stream (seed, purpose, index) with sampler g, or with
 * the training mixture when g is NULL. */
int data__seqset_create(const Data *d, DataSeqSet *set, const DataGen *g, int n, uint32_t seed,
                        uint32_t purpose, uint64_t index);
void data__seqset_free(DataSeqSet *set);
/* Fills batch with sequences [first, first + B) of set (clipped), noise included. */
void data__seqset_batch(const Data *d, const DataSeqSet *set, long first, int B, DataBatch *batch);

/* Dense set: computes sizes and the subset at create time. */
int data__dense_init(Data *d);

#endif
