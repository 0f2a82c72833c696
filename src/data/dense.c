/* The dense training set D of design 4.2: every (query class, distractor class, arrangement,
 * labeling) of the training sampler when it has no rest items, enumerated in the order documented
 * in data.h, with the first training exemplar and no noise. Sequences are decoded from their index
 * on the fly; nothing but an optional fixed random subset of indices is stored.
 */
#include "internal.h"

#include "ihsweep/error.h"

#include <stdlib.h>
#include <string.h>

/* Uniform integer in [0, n) for n up to 2^63 (rejection on 64 random bits). */
static uint64_t below64(Rng *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = ((uint64_t)rng_u32(r) << 32) | rng_u32(r);
    } while (x >= limit);
    return x % n;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* n distinct indices of [0, total), ascending, uniformly random, from stream r. */
static int dense_pick_subset(Rng *r, long total, long n, long *out)
{
    if (total <= 20000000) { /* selection sampling (Knuth's Algorithm S): one pass */
        long k = 0;
        for (long i = 0; i < total && k < n; i++)
            if ((double)(total - i) * rng_uniform(r) < (double)(n - k))
                out[k++] = i;
        return 0;
    }
    long k = 0; /* draw, sort, drop repeats, top up: symmetric, so uniform over subsets */
    while (k < n) {
        for (long i = k; i < n; i++)
            out[i] = (long)below64(r, (uint64_t)total);
        qsort(out, (size_t)n, sizeof *out, cmp_long);
        k = 0;
        for (long i = 0; i < n; i++)
            if (k == 0 || out[i] != out[k - 1])
                out[k++] = out[i];
    }
    return 0;
}

int data__dense_init(Data *d)
{
    int rc = 0;
    for (int n = 0; n <= DATA_MAX_PAIRS; n++)
        for (int k = 0; k <= DATA_MAX_PAIRS; k++)
            d->binom[n][k] = k > n                ? 0
                             : (k == 0 || k == n) ? 1
                                                  : d->binom[n - 1][k - 1] + d->binom[n - 1][k];
    d->dense_full = 0;
    d->dense_n = 0;
    if (d->n_train_gen != 1)
        return 0;
    const DataGen *g = &d->train_gen[0];
    if (!(g->B >= 1 && g->distractor && d->P == 2 * g->B))
        return 0;
    d->dense_arrangements = (int)d->binom[d->P][g->B];
    d->dense_labelings = g->n_pairs > 0 ? 2 * g->n_pairs : 1;
    double total = (double)d->K * (d->K - 1) * d->dense_arrangements * d->dense_labelings;
    if (total > 4e18)
        return 0;
    d->dense_full = (long)d->K * (d->K - 1) * d->dense_arrangements * d->dense_labelings;
    d->dense_n = d->dense_full;
    long want = d->cfg.dense_subset;
    if (want > 0 && want < d->dense_full) {
        IH_ALLOC(d->dense_subset, want);
        Rng r;
        rng_init(&r, d->eval_seed, RNG_PURPOSE_DENSE_SUBSET, 0);
        IH_TRY(dense_pick_subset(&r, d->dense_full, want, d->dense_subset));
        d->dense_n = want;
    }
cleanup:
    return rc;
}

/* The colex-rank-a B-subset of {0..P-1} as a bit mask. */
static uint64_t unrank_mask(const Data *d, long a, int P, int B)
{
    uint64_t mask = 0;
    uint64_t rest = (uint64_t)a;
    int c = P - 1;
    for (int i = B; i >= 1; i--) {
        while (d->binom[c][i] > rest)
            c--;
        mask |= (uint64_t)1 << c;
        rest -= d->binom[c][i];
        c--;
    }
    return mask;
}

static void dense_decode(const Data *d, long idx, DataSeq *s)
{
    const DataGen *g = &d->train_gen[0];
    int K = d->K, P = d->P, NL = d->dense_labelings, A = d->dense_arrangements;
    long l = idx % NL;
    idx /= NL;
    long a = idx % A;
    idx /= A;
    int dd = (int)(idx % (K - 1));
    int q = (int)(idx / (K - 1));
    int dc = dd < q ? dd : dd + 1;
    uint64_t mask = unrank_mask(d, a, P, g->B);
    for (int x = 0; x < P; x++) {
        int is_q = (int)((mask >> x) & 1u);
        s->cls[x] = is_q ? q : dc;
        s->type[x] = is_q ? DATA_ITEM_BURSTY : DATA_ITEM_DISTRACTOR;
    }
    s->cls[P] = q;
    s->type[P] = DATA_ITEM_QUERY;
    for (int x = 0; x <= P; x++)
        s->ex[x] = g->ex_first;
    int la, lb;
    if (g->relabel == DATA_RELABEL_NONE) {
        la = q, lb = dc;
    } else if (g->relabel == DATA_RELABEL_FLIP) {
        la = dc, lb = q;
    } else {
        int p = (int)(l / 2), order = (int)(l % 2);
        la = g->pairs[2 * p + order];
        lb = g->pairs[2 * p + 1 - order];
    }
    for (int x = 0; x <= P; x++)
        s->label[x] = s->type[x] == DATA_ITEM_DISTRACTOR ? lb : la;
}

long data_dense_size(const Data *d)
{
    return d->dense_n;
}

long data_dense_full_size(const Data *d)
{
    return d->dense_full;
}

void data_dense_batch(const Data *d, long first, int B, DataBatch *out)
{
    if (first < 0)
        first = 0;
    long avail = first < d->dense_n ? d->dense_n - first : 0;
    if (B > avail)
        B = (int)avail;
    if (B > out->capacity)
        B = out->capacity;
    if (B < 0)
        B = 0;
    DataSeq s;
    for (int b = 0; b < B; b++) {
        long idx = d->dense_subset ? d->dense_subset[first + b] : first + b;
        dense_decode(d, idx, &s);
        data__batch_put(out, b, &s);
    }
    out->B = B;
    data__batch_rows(d, out, 1);
}

long data_dense_index(const Data *d, const DataBatch *batch, int b)
{
    if (d->dense_full == 0 || b < 0 || b >= batch->B)
        return -1;
    const DataGen *g = &d->train_gen[0];
    int K = d->K, P = d->P, X = d->X;
    const int *cls = batch->class_ids + (size_t)b * X, *ex = batch->exemplar_ids + (size_t)b * X;
    const int *lab = batch->labels + (size_t)b * P;
    int q = cls[P], dc = -1, la = batch->targets[b], lb = -1, n_q = 0;
    if (q < 0 || q >= K)
        return -1;
    for (int x = 0; x <= P; x++)
        if (ex[x] != g->ex_first)
            return -1;
    uint64_t rank = 0;
    for (int x = 0; x < P; x++) {
        if (cls[x] == q) {
            n_q++;
            rank += d->binom[x][n_q];
            if (lab[x] != la)
                return -1;
        } else {
            if (cls[x] < 0 || cls[x] >= K || (dc >= 0 && cls[x] != dc))
                return -1;
            if (lb >= 0 && lab[x] != lb)
                return -1;
            dc = cls[x];
            lb = lab[x];
        }
    }
    if (n_q != g->B || dc < 0)
        return -1;
    long l = -1;
    if (g->relabel == DATA_RELABEL_NONE) {
        l = (la == q && lb == dc) ? 0 : -1;
    } else if (g->relabel == DATA_RELABEL_FLIP) {
        l = (la == dc && lb == q) ? 0 : -1;
    } else {
        for (int p = 0; p < g->n_pairs && l < 0; p++) {
            if (g->pairs[2 * p] == la && g->pairs[2 * p + 1] == lb)
                l = 2L * p;
            else if (g->pairs[2 * p] == lb && g->pairs[2 * p + 1] == la)
                l = 2L * p + 1;
        }
    }
    if (l < 0)
        return -1;
    long dd = dc < q ? dc : dc - 1;
    return (((long)q * (K - 1) + dd) * d->dense_arrangements + (long)rank) * d->dense_labelings + l;
}
