/* The sequence generator of design 1.6 (the reference's get_constant_burst_seq_idxs,
 * get_exemplar_inds and the relabel step of make_data_sampler), one sequence at a time.
 *
 * Per sequence, in this order of random draws: query class q ~ p; distractor d ~ p restricted to
 * classes != q; the n - B - B[distractor] rest items (i.i.d. from p, from p without q and d with
 * no_support, or without replacement from that with unique_rest); B copies of q and B of d; a
 * uniform shuffle of the context (only when B > 0); the query q appended; exemplar ids; then
 * labels. Restricted draws use rejection from p (exact), falling back after 32 rejections to an
 * exact scan. Matching the reference's distributions is the goal, not its bits (design 2.4).
 */
#include "internal.h"

#include <string.h>

static int draw_class(const DataGen *g, Rng *r)
{
    if (!g->cdf)
        return (int)rng_below(r, (uint32_t)g->n_class);
    double u = rng_uniform(r);
    int lo = 0, hi = g->n_class - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (u < g->cdf[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int excluded(int c, const int *excl, int n_excl)
{
    for (int i = 0; i < n_excl; i++)
        if (excl[i] == c)
            return 1;
    return 0;
}

/* A draw from p restricted to classes outside excl (the caller guarantees one exists). */
static int draw_excluding(const DataGen *g, Rng *r, const int *excl, int n_excl)
{
    for (int t = 0; t < 32; t++) {
        int c = draw_class(g, r);
        if (!excluded(c, excl, n_excl))
            return c;
    }
    double total = 0.0;
    for (int c = 0; c < g->n_class; c++)
        if (!excluded(c, excl, n_excl))
            total += g->prob ? g->prob[c] : 1.0;
    double u = rng_uniform(r) * total, acc = 0.0;
    int last = 0;
    for (int c = 0; c < g->n_class; c++) {
        if (excluded(c, excl, n_excl))
            continue;
        acc += g->prob ? g->prob[c] : 1.0;
        last = c;
        if (u < acc)
            return c;
    }
    return last;
}

static int draw_exemplar(const DataGen *g, Rng *r)
{
    if (g->n_ex == 1)
        return g->ex_first;
    return g->ex_first + (int)rng_below(r, (uint32_t)g->n_ex);
}

static void sample_classes(const DataGen *g, Rng *r, DataSeq *s)
{
    int P = g->P, B = g->B, distr = B > 0 && g->distractor;
    int excl[DATA__MAX_X + 2], n_excl = 0;
    int q = draw_class(g, r);
    excl[n_excl++] = q;
    int dc = -1;
    if (distr) {
        dc = draw_excluding(g, r, excl, n_excl);
        excl[n_excl++] = dc;
    }
    int n_qd = n_excl;
    int n_rest = P - B - (distr ? B : 0);
    int k = 0;
    for (int i = 0; i < n_rest; i++, k++) {
        int c;
        if (g->unique_rest) {
            c = draw_excluding(g, r, excl, n_excl);
            excl[n_excl++] = c;
        } else if (g->no_support) {
            c = draw_excluding(g, r, excl, n_qd);
        } else {
            c = draw_class(g, r);
        }
        s->cls[k] = c;
        s->type[k] = DATA_ITEM_OTHER;
    }
    for (int i = 0; i < B; i++, k++) {
        s->cls[k] = q;
        s->type[k] = DATA_ITEM_BURSTY;
    }
    for (int i = 0; distr && i < B; i++, k++) {
        s->cls[k] = dc;
        s->type[k] = DATA_ITEM_DISTRACTOR;
    }
    if (B > 0) {
        for (int i = P - 1; i > 0; i--) {
            int j = (int)rng_below(r, (uint32_t)(i + 1));
            int tc = s->cls[i], tt = s->type[i];
            s->cls[i] = s->cls[j], s->type[i] = s->type[j];
            s->cls[j] = tc, s->type[j] = tt;
        }
    }
    s->cls[P] = q;
    s->type[P] = DATA_ITEM_QUERY;
}

static void sample_exemplars(const DataGen *g, Rng *r, DataSeq *s)
{
    int X = g->P + 1;
    if (!g->match_query_and_distractors) {
        for (int x = 0; x < X; x++)
            s->ex[x] = draw_exemplar(g, r);
        return;
    }
    int eq = draw_exemplar(g, r), ed = draw_exemplar(g, r);
    for (int x = 0; x < X; x++) {
        if (s->type[x] == DATA_ITEM_BURSTY || s->type[x] == DATA_ITEM_QUERY)
            s->ex[x] = eq;
        else if (s->type[x] == DATA_ITEM_DISTRACTOR)
            s->ex[x] = ed;
        else
            s->ex[x] = draw_exemplar(g, r);
    }
}

/* Labels from global class ids in s->cls. */
static void sample_labels(const DataGen *g, Rng *r, DataSeq *s)
{
    int P = g->P, X = P + 1;
    for (int x = 0; x < X; x++)
        s->label[x] = s->cls[x];
    if (g->relabel == DATA_RELABEL_NONE) {
        if (g->assign_query_label_random)
            s->label[rng_below(r, (uint32_t)P)] = s->label[P];
        return;
    }
    int la, lb;
    if (g->relabel == DATA_RELABEL_FLIP) {
        int dc = -1;
        for (int x = 0; x < P; x++)
            if (s->type[x] == DATA_ITEM_DISTRACTOR)
                dc = s->cls[x];
        la = dc;        /* bursty and query get the distractor's class label */
        lb = s->cls[P]; /* distractors get the query's */
    } else {
        int p = (int)rng_below(r, (uint32_t)g->n_pairs);
        int swap = (int)rng_below(r, 2u);
        la = g->pairs[2 * p + swap];
        lb = g->pairs[2 * p + 1 - swap];
    }
    for (int x = 0; x < X; x++) {
        if (s->type[x] == DATA_ITEM_BURSTY || s->type[x] == DATA_ITEM_QUERY)
            s->label[x] = la;
        else if (s->type[x] == DATA_ITEM_DISTRACTOR)
            s->label[x] = lb;
    }
}

void data__sample_sequence(const DataGen *g, Rng *r, DataSeq *s)
{
    sample_classes(g, r, s);
    for (int x = 0; x <= g->P; x++)
        s->cls[x] += g->class_first;
    sample_exemplars(g, r, s);
    sample_labels(g, r, s);
}

int data__pick_train_gen(const Data *d, Rng *r)
{
    if (d->n_train_gen == 1)
        return 0;
    double u = rng_uniform(r);
    for (int i = 0; i < d->n_train_gen - 1; i++)
        if (u < d->mix_cdf[i])
            return i;
    return d->n_train_gen - 1;
}

void data__gen_init(const Data *d, DataGen *g, DataSet classes, DataSet exemplars,
                    const DataSamplerConfig *s, DataRelabel relabel, int assign_random, float noise)
{
    memset(g, 0, sizeof *g);
    data__class_block(&d->cfg, classes, &g->class_first, &g->n_class);
    data__exemplar_block(&d->cfg, exemplars, &g->ex_first, &g->n_ex);
    g->P = d->P;
    g->B = s->burstiness;
    g->distractor = s->distractor;
    g->no_support = s->no_support;
    g->unique_rest = s->unique_rest;
    g->relabel = relabel;
    g->pairs = d->pairs[relabel];
    g->n_pairs = d->n_pairs[relabel];
    g->assign_query_label_random = assign_random;
    g->match_query_and_distractors = d->cfg.match_query_and_distractors;
    g->noise = noise;
}
