/* Fixed sequence sets drawn once per run from the eval seed: the evaluators of design 1.5 and the
 * probe set. Sequences are stored as ids; rows are built per batch, and noise (when the set has
 * any) comes from a per-sequence stream, so a sequence looks the same in any batch it falls into.
 */
#include "internal.h"

#include "ihsweep/error.h"

#include <stdlib.h>
#include <string.h>

int data__seqset_create(const Data *d, DataSeqSet *set, const DataGen *g, int n, uint32_t seed,
                        uint32_t purpose, uint64_t index)
{
    int rc = 0;
    int X = d->X;
    memset(set, 0, sizeof *set);
    set->n = n;
    set->noise = g ? g->noise : d->cfg.noise_scale;
    set->noise_seed = seed;
    set->noise_purpose = purpose;
    set->noise_index = index;
    size_t tokens = (size_t)(n > 0 ? n : 1) * X;
    IH_ALLOC(set->cls, tokens);
    IH_ALLOC(set->ex, tokens);
    IH_ALLOC(set->type, tokens);
    IH_ALLOC(set->label, tokens);
    Rng r;
    rng_init(&r, seed, purpose, index);
    DataSeq s;
    for (int k = 0; k < n; k++) {
        const DataGen *gk = g ? g : &d->train_gen[data__pick_train_gen(d, &r)];
        data__sample_sequence(gk, &r, &s);
        size_t o = (size_t)k * X;
        memcpy(set->cls + o, s.cls, (size_t)X * sizeof(int));
        memcpy(set->ex + o, s.ex, (size_t)X * sizeof(int));
        memcpy(set->type + o, s.type, (size_t)X * sizeof(int));
        memcpy(set->label + o, s.label, (size_t)X * sizeof(int));
    }
cleanup:
    return rc;
}

void data__seqset_free(DataSeqSet *set)
{
    free(set->cls);
    free(set->ex);
    free(set->type);
    free(set->label);
    memset(set, 0, sizeof *set);
}

void data__seqset_batch(const Data *d, const DataSeqSet *set, long first, int B, DataBatch *batch)
{
    int X = d->X;
    if (first < 0)
        first = 0;
    long avail = first < set->n ? set->n - first : 0;
    if (B > avail)
        B = (int)avail;
    if (B > batch->capacity)
        B = batch->capacity;
    if (B < 0)
        B = 0;
    DataSeq s;
    for (int b = 0; b < B; b++) {
        size_t o = (size_t)(first + b) * X;
        memcpy(s.cls, set->cls + o, (size_t)X * sizeof(int));
        memcpy(s.ex, set->ex + o, (size_t)X * sizeof(int));
        memcpy(s.type, set->type + o, (size_t)X * sizeof(int));
        memcpy(s.label, set->label + o, (size_t)X * sizeof(int));
        data__batch_put(batch, b, &s);
    }
    batch->B = B;
    data__batch_rows(d, batch, set->noise == 0.0f);
    if (set->noise > 0.0f) {
        int D = batch->D;
        for (int b = 0; b < B; b++) {
            Rng r;
            rng_init(&r, set->noise_seed, set->noise_purpose,
                     set->noise_index | ((uint64_t)(first + b + 1) << 32));
            data__add_noise(&r, batch->rows + (size_t)b * X * D, (size_t)X * D, set->noise);
        }
    }
}

int data_eval_count(const Data *d)
{
    return d->cfg.n_evaluators;
}

const char *data_eval_name(const Data *d, int evaluator)
{
    return d->cfg.evaluators[evaluator].name;
}

const DataEvaluatorConfig *data_eval_config(const Data *d, int evaluator)
{
    return &d->cfg.evaluators[evaluator];
}

int data_eval_size(const Data *d, int evaluator)
{
    return d->evals[evaluator].n;
}

int data_eval_find(const Data *d, const char *name)
{
    for (int i = 0; i < d->cfg.n_evaluators; i++)
        if (strcmp(d->cfg.evaluators[i].name, name) == 0)
            return i;
    return -1;
}

void data_eval_batch(const Data *d, int evaluator, int first, int B, DataBatch *out)
{
    data__seqset_batch(d, &d->evals[evaluator], first, B, out);
}

int data_probe_size(const Data *d)
{
    return d->probe.n;
}

void data_probe_batch(const Data *d, int first, int B, DataBatch *out)
{
    data__seqset_batch(d, &d->probe, first, B, out);
}
