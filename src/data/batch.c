/* DataBatch: fixed-capacity sequence batches and the exemplar rows the model reads, plus the
 * training stream. Rows are shared between identical (class, exemplar) tokens when there is no
 * noise (an open-addressing table that is cleared slot by slot, so filling a batch costs
 * O(B X + R D) and allocates nothing); with noise each token gets its own row.
 */
#include "internal.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int data_batch_create(const Data *d, int capacity, DataBatch **out)
{
    int rc = 0;
    DataBatch *b = NULL;
    *out = NULL;
    if (capacity < 1 || capacity > 10000000)
        IH_FAIL(IH_ECONFIG, "batch capacity %d is out of range [1, 10000000]", capacity);
    IH_ALLOC(b, 1);
    b->capacity = capacity;
    b->D = d->source->dim;
    b->P = d->P;
    b->X = d->X;
    b->max_rows = capacity * d->X;
    size_t tokens = (size_t)capacity * d->X;
    IH_ALLOC(b->class_ids, tokens);
    IH_ALLOC(b->exemplar_ids, tokens);
    IH_ALLOC(b->types, tokens);
    IH_ALLOC(b->labels, (size_t)capacity * d->P);
    IH_ALLOC(b->targets, capacity);
    IH_ALLOC(b->match, capacity);
    IH_ALLOC(b->rows, tokens * (size_t)b->D);
    IH_ALLOC(b->example_row, tokens);
    b->hash_bits = 1;
    while (((size_t)1 << b->hash_bits) < 2 * tokens)
        b->hash_bits++;
    size_t slots = (size_t)1 << b->hash_bits;
    IH_ALLOC(b->hash_key, slots);
    IH_ALLOC(b->hash_row, slots);
    IH_ALLOC(b->row_slot, tokens);
    for (size_t i = 0; i < slots; i++)
        b->hash_key[i] = -1;
    *out = b;
    b = NULL;
cleanup:
    data_batch_destroy(&b);
    return rc;
}

void data_batch_destroy(DataBatch **b)
{
    if (!b || !*b)
        return;
    DataBatch *p = *b;
    free(p->class_ids);
    free(p->exemplar_ids);
    free(p->types);
    free(p->labels);
    free(p->targets);
    free(p->match);
    free(p->rows);
    free(p->example_row);
    free(p->hash_key);
    free(p->hash_row);
    free(p->row_slot);
    free(p);
    *b = NULL;
}

void data__batch_put(DataBatch *batch, int b, const DataSeq *s)
{
    int X = batch->X, P = batch->P;
    int *cls = batch->class_ids + (size_t)b * X, *ex = batch->exemplar_ids + (size_t)b * X;
    int *type = batch->types + (size_t)b * X, *lab = batch->labels + (size_t)b * P;
    for (int x = 0; x < X; x++) {
        cls[x] = s->cls[x];
        ex[x] = s->ex[x];
        type[x] = s->type[x];
    }
    for (int j = 0; j < P; j++)
        lab[j] = s->label[j];
    batch->targets[b] = s->label[P];
    batch->match[b] = -1;
    for (int j = 0; j < P; j++) {
        if (s->cls[j] == s->cls[P]) {
            batch->match[b] = j;
            break;
        }
    }
}

void data__batch_rows(const Data *d, DataBatch *batch, int dedupe)
{
    const DataSource *src = d->source;
    int E = src->n_exemplars, D = src->dim;
    int n = batch->B * batch->X;
    size_t row_bytes = (size_t)D * sizeof(float);
    if (!dedupe) {
        for (int t = 0; t < n; t++) {
            const float *v = data_source_vector(src, batch->class_ids[t], batch->exemplar_ids[t]);
            memcpy(batch->rows + (size_t)t * D, v, row_bytes);
            batch->example_row[t] = t;
        }
        batch->R = n;
    } else {
        uint32_t mask = ((uint32_t)1 << batch->hash_bits) - 1;
        int R = 0;
        for (int t = 0; t < n; t++) {
            int key = batch->class_ids[t] * E + batch->exemplar_ids[t];
            uint32_t slot = ((uint32_t)key * 2654435761u) >> (32 - batch->hash_bits);
            while (batch->hash_key[slot] != -1 && batch->hash_key[slot] != key)
                slot = (slot + 1) & mask;
            if (batch->hash_key[slot] == -1) {
                batch->hash_key[slot] = key;
                batch->hash_row[slot] = R;
                batch->row_slot[R] = (int)slot;
                memcpy(batch->rows + (size_t)R * D,
                       data_source_vector(src, batch->class_ids[t], batch->exemplar_ids[t]),
                       row_bytes);
                R++;
            }
            batch->example_row[t] = batch->hash_row[slot];
        }
        for (int r = 0; r < R; r++)
            batch->hash_key[batch->row_slot[r]] = -1;
        batch->R = R;
    }
    batch->model.B = batch->B;
    batch->model.R = batch->R;
    batch->model.exemplar_rows = batch->rows;
    batch->model.example_row = batch->example_row;
    batch->model.labels = batch->labels;
    batch->model.targets = batch->targets;
}

void data__add_noise(Rng *r, float *x, size_t n, float scale)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        float u1 = (float)((rng_u32(r) >> 8) + 1) * (1.0f / 16777216.0f); /* (0, 1] */
        float u2 = (float)(rng_u32(r) >> 8) * (1.0f / 16777216.0f);
        float rad = sqrtf(-2.0f * logf(u1)), theta = 6.28318530717958647692f * u2;
        x[i] += scale * (rad * cosf(theta));
        x[i + 1] += scale * (rad * sinf(theta));
    }
    if (i < n)
        x[i] += scale * rng_normal(r);
}

void data_train_batch(const Data *d, long step, int B, DataBatch *out)
{
    if (B > out->capacity)
        B = out->capacity;
    if (B < 0)
        B = 0;
    Rng r;
    rng_init(&r, d->train_seed, RNG_PURPOSE_TRAIN_BATCH, (uint64_t)step);
    DataSeq s;
    for (int b = 0; b < B; b++) {
        const DataGen *g = &d->train_gen[data__pick_train_gen(d, &r)];
        data__sample_sequence(g, &r, &s);
        data__batch_put(out, b, &s);
    }
    out->B = B;
    float noise = d->cfg.noise_scale;
    data__batch_rows(d, out, noise == 0.0f);
    if (noise > 0.0f)
        data__add_noise(&r, out->rows, (size_t)out->R * out->D, noise);
}
