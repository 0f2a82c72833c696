/* Tests of the data module's samplers, label pairs, evaluators, dense set, determinism and config
 * errors (issue 4). Statistical checks use fixed seeds, so each is deterministic; thresholds are
 * the chi-square critical values at p = 0.001 (stated at each use), so a correct sampler passes
 * with a margin and a wrong distribution fails by orders of magnitude (negative controls included).
 * Exemplar-source tests (HDF5, synthetic, Gaussian) are in test_data_source.c.
 */
#include "harness.h"

#include "ihsweep/config.h"
#include "ihsweep/data.h"
#include "ihsweep/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST_COUNTS_DECLARE;

/* The paper config with a small D (nothing here depends on D) so each Data is cheap. */
static void paper_small(DataConfig *cfg)
{
    data_config_default(cfg);
    cfg->source.dim = 16;
}

static Data *make_data(const DataConfig *cfg, uint32_t train_seed, uint32_t eval_seed)
{
    Data *d = NULL;
    int rc = data_create(cfg, train_seed, eval_seed, NULL, &d);
    if (rc != 0)
        fprintf(stderr, "data_create failed: %s\n", ih_error_message());
    CHECK_INT_EQ(rc, 0);
    return d;
}

static int contains_pair(const int *pairs, int n, int a, int b)
{
    for (int i = 0; i < n; i++)
        if ((pairs[2 * i] == a && pairs[2 * i + 1] == b) ||
            (pairs[2 * i] == b && pairs[2 * i + 1] == a))
            return 1;
    return 0;
}

/* Chi-square statistic of counts against probabilities p (n draws). */
static double chi_square(const long *counts, const double *p, int k, long n)
{
    double chi = 0;
    for (int i = 0; i < k; i++) {
        double e = p[i] * (double)n;
        chi += (counts[i] - e) * (counts[i] - e) / e;
    }
    return chi;
}

/* ---- defaults and the example config ---- */

static void test_defaults(void)
{
    DataConfig cfg, parsed;
    data_config_default(&cfg);
    CHECK_OK(data_config_validate(&cfg, "data"));
    CHECK_INT_EQ(cfg.class_split[0], 50);
    CHECK_INT_EQ(cfg.class_split[1] + cfg.class_split[2], 1573);
    CHECK_INT_EQ(cfg.n_labels, 5);
    CHECK_INT_EQ(cfg.n_evaluators, 4);
    CHECK_STR_EQ(cfg.evaluators[3].name, "fsl_test_class");

    /* sweeps/examples/data_paper.json spells out the defaults: parsing it must give them. */
    const char *src = getenv("IHSWEEP_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/sweeps/examples/data_paper.json", src ? src : "../..");
    FILE *f = fopen(path, "rb");
    REQUIRE(f != NULL);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    CHECK_OK(data_config_parse(text, path, &parsed));
    CHECK_INT_EQ(parsed.source.type, cfg.source.type);
    CHECK_INT_EQ(parsed.source.dim, cfg.source.dim);
    CHECK_NEAR(parsed.source.class_scale, cfg.source.class_scale, 0);
    CHECK_NEAR(parsed.source.mean_scale, cfg.source.mean_scale, 0);
    CHECK_NEAR(parsed.source.exemplar_noise, cfg.source.exemplar_noise, 0);
    CHECK_INT_EQ(parsed.n_evaluators, cfg.n_evaluators);
    for (int i = 0; i < cfg.n_evaluators; i++) {
        CHECK_STR_EQ(parsed.evaluators[i].name, cfg.evaluators[i].name);
        CHECK_INT_EQ(parsed.evaluators[i].classes, cfg.evaluators[i].classes);
        CHECK_INT_EQ(parsed.evaluators[i].exemplars, cfg.evaluators[i].exemplars);
        CHECK_INT_EQ(parsed.evaluators[i].relabel, cfg.evaluators[i].relabel);
        CHECK_INT_EQ(parsed.evaluators[i].size, cfg.evaluators[i].size);
    }
    CHECK_INT_EQ(memcmp(&parsed, &cfg, sizeof cfg), 0);

    /* A minimal document gives the same config. */
    CHECK_OK(data_config_parse("{\"data\": {}}", "minimal", &parsed));
    CHECK_INT_EQ(memcmp(&parsed, &cfg, sizeof cfg), 0);
}

/* ---- label pairs (design 1.4) ---- */

static void test_label_pairs(void)
{
    static int pairs[2 * 780];
    int counts[3];
    const double paper[3] = {8, 2, 0};

    CHECK_OK(data_label_split(5, paper, pairs, counts));
    CHECK_INT_EQ(counts[0], 8);
    CHECK_INT_EQ(counts[1], 2);
    CHECK_INT_EQ(counts[2], 0);
    const int *val = pairs + 2 * counts[0];
    CHECK(contains_pair(val, 2, 1, 3));
    CHECK(contains_pair(val, 2, 0, 2));
    static const int train5[8][2] = {{1, 2}, {2, 3}, {0, 4}, {0, 3},
                                     {0, 1}, {2, 4}, {1, 4}, {3, 4}};
    for (int i = 0; i < 8; i++)
        CHECK(contains_pair(pairs, 8, train5[i][0], train5[i][1]));

    const double paper10[3] = {36, 9, 0}, frac10[3] = {0.8, 0.2, 0};
    static const int val10[9][2] = {{2, 6}, {1, 2}, {0, 7}, {1, 4}, {2, 8},
                                    {6, 9}, {2, 5}, {0, 9}, {2, 4}};
    for (int v = 0; v < 2; v++) {
        CHECK_OK(data_label_split(10, v ? frac10 : paper10, pairs, counts));
        CHECK_INT_EQ(counts[0], 36);
        CHECK_INT_EQ(counts[1], 9);
        for (int i = 0; i < 9; i++) {
            CHECK(contains_pair(pairs + 2 * 36, 9, val10[i][0], val10[i][1]));
            CHECK(!contains_pair(pairs, 36, val10[i][0], val10[i][1]));
        }
    }
    const double paper15[3] = {84, 21, 0};
    CHECK_OK(data_label_split(15, paper15, pairs, counts));
    CHECK_INT_EQ(counts[0], 84);
    CHECK_INT_EQ(counts[1], 21);
    CHECK(contains_pair(pairs + 2 * 84, 21, 11, 13));
    CHECK(contains_pair(pairs + 2 * 84, 21, 3, 10));
    CHECK(!contains_pair(pairs, 84, 0, 8));

    /* Other settings: documented permutation, reference cut points, a partition of all pairs. */
    struct {
        int L;
        double split[3];
        int want[3];
    } cases[] = {{6, {8, 2, 0}, {12, 3, 0}},       /* N = 15: val floor(15 * 0.2) = 3 */
                 {5, {6, 2, 2}, {6, 2, 2}},        /* not the paper's sizes: permuted */
                 {40, {7, 2, 1}, {546, 156, 78}}}; /* N = 780 */
    for (int c = 0; c < 3; c++) {
        int L = cases[c].L, N = L * (L - 1) / 2;
        CHECK_OK(data_label_split(L, cases[c].split, pairs, counts));
        for (int b = 0; b < 3; b++)
            CHECK_INT_EQ(counts[b], cases[c].want[b]);
        int *seen = calloc((size_t)L * L, sizeof *seen);
        int ok = 1;
        for (int i = 0; i < N; i++) {
            int a = pairs[2 * i], b = pairs[2 * i + 1];
            ok &= a >= 0 && a < b && b < L;
            if (a >= 0 && a < b && b < L)
                seen[a * L + b]++;
        }
        for (int a = 0; a < L; a++)
            for (int b = a + 1; b < L; b++)
                ok &= seen[a * L + b] == 1;
        CHECK(ok);
        free(seen);
        int again[2 * 780], counts2[3];
        CHECK_OK(data_label_split(L, cases[c].split, again, counts2));
        CHECK_INT_EQ(memcmp(again, pairs, sizeof(int) * 2 * (size_t)N), 0);
    }
    const double zero[3] = {0, 0, 0};
    CHECK_ERR(data_label_split(1, paper, pairs, counts), IH_ECONFIG);
    CHECK_ERR(data_label_split(5, zero, pairs, counts), IH_ECONFIG);
}

/* ---- dense set (design 4.2) ---- */

static void test_dense_paper(void)
{
    DataConfig cfg;
    paper_small(&cfg);
    Data *d = make_data(&cfg, 0, 1);
    REQUIRE(d);
    CHECK_INT_EQ(data_dense_full_size(d), 78400);
    CHECK_INT_EQ(data_dense_size(d), 78400);
    DataBatch *b = NULL;
    CHECK_OK(data_batch_create(d, 1000, &b));
    int n_train = 0, n_val = 0;
    const int *train = data_label_pairs(d, DATA_RELABEL_TRAIN, &n_train);
    const int *valp = data_label_pairs(d, DATA_RELABEL_VAL, &n_val);
    CHECK_INT_EQ(n_train, 8);
    CHECK_INT_EQ(n_val, 2);
    long bad = 0, roundtrip_bad = 0, match0 = 0;
    long pair_count[8] = {0};
    for (long first = 0; first < 78400; first += 1000) {
        data_dense_batch(d, first, 1000, b);
        CHECK_INT_EQ(b->B, first + 1000 <= 78400 ? 1000 : 78400 - first);
        for (int k = 0; k < b->B; k++) {
            const int *c = b->class_ids + k * 3, *e = b->exemplar_ids + k * 3;
            const int *l = b->labels + k * 2;
            int m = b->match[k];
            int ok = c[0] != c[1] && c[0] >= 0 && c[0] < 50 && c[1] >= 0 && c[1] < 50 &&
                     (m == 0 || m == 1) && c[m] == c[2] && e[0] == 0 && e[1] == 0 && e[2] == 0 &&
                     l[m] == b->targets[k] && l[0] != l[1] &&
                     contains_pair(train, n_train, l[0], l[1]) &&
                     !contains_pair(valp, n_val, l[0], l[1]);
            bad += !ok;
            match0 += m == 0;
            for (int p = 0; p < 8; p++)
                pair_count[p] += contains_pair(train + 2 * p, 1, l[0], l[1]);
            roundtrip_bad += data_dense_index(d, b, k) != first + k;
        }
    }
    CHECK_INT_EQ(bad, 0);
    CHECK_INT_EQ(roundtrip_bad, 0); /* index -> sequence -> index: a bijection, so no repeats */
    CHECK_INT_EQ(match0, 39200);
    for (int p = 0; p < 8; p++)
        CHECK_INT_EQ(pair_count[p], 9800);

    /* Every training sequence is in D, at an index whose dense sequence is identical. 2000 steps
     * x 32 = 64,000 uniform draws from 78,400 cover 78400 (1 - e^{-64000/78400}) = 43,737 distinct
     * sequences in expectation (sd ~ 90); accept +-1%. */
    DataBatch *t = NULL, *one = NULL;
    CHECK_OK(data_batch_create(d, 32, &t));
    CHECK_OK(data_batch_create(d, 1, &one));
    unsigned char *hit = calloc(78400, 1);
    long not_member = 0, mismatch = 0, distinct = 0;
    for (long step = 0; step < 2000; step++) {
        data_train_batch(d, step, 32, t);
        for (int k = 0; k < t->B; k++) {
            long idx = data_dense_index(d, t, k);
            if (idx < 0) {
                not_member++;
                continue;
            }
            distinct += !hit[idx];
            hit[idx] = 1;
            data_dense_batch(d, idx, 1, one);
            mismatch += memcmp(one->class_ids, t->class_ids + k * 3, 3 * sizeof(int)) != 0 ||
                        memcmp(one->labels, t->labels + k * 2, 2 * sizeof(int)) != 0 ||
                        one->targets[0] != t->targets[k] || one->match[0] != t->match[k];
        }
    }
    CHECK_INT_EQ(not_member, 0);
    CHECK_INT_EQ(mismatch, 0);
    CHECK(distinct > 43300 && distinct < 44170);
    if (!(distinct > 43300 && distinct < 44170))
        fprintf(stderr, "dense coverage %ld outside [43300, 44170]\n", distinct);
    free(hit);
    data_batch_destroy(&t);
    data_batch_destroy(&one);
    data_batch_destroy(&b);
    data_destroy(&d);
}

static void test_dense_variants(void)
{
    DataConfig cfg;
    paper_small(&cfg);
    struct {
        int K, L;
        double split[3];
        long want;
    } sizes[] = {{100, 5, {8, 2, 0}, 2L * 100 * 99 * 16},
                 {50, 10, {36, 9, 0}, 2L * 50 * 49 * 72},
                 {50, 15, {84, 21, 0}, 2L * 50 * 49 * 168},
                 {200, 5, {8, 2, 0}, 2L * 200 * 199 * 16}};
    for (int i = 0; i < 4; i++) {
        paper_small(&cfg);
        cfg.class_split[0] = sizes[i].K;
        cfg.class_split[1] = 1623 - 100 - sizes[i].K;
        cfg.n_labels = sizes[i].L;
        memcpy(cfg.relabel_split, sizes[i].split, sizeof cfg.relabel_split);
        Data *d = make_data(&cfg, 0, 1);
        if (d)
            CHECK_INT_EQ(data_dense_full_size(d), sizes[i].want);
        data_destroy(&d);
    }

    /* B = 2, P = 4: 6 arrangements; check the index round trip on a stride through D. */
    paper_small(&cfg);
    cfg.context_pairs = 4;
    cfg.sampler.burstiness = 2;
    data_config_paper_evaluators(&cfg);
    Data *d = make_data(&cfg, 0, 1);
    DataBatch *b = NULL;
    if (d && data_batch_create(d, 1, &b) == 0) {
        long full = data_dense_full_size(d);
        CHECK_INT_EQ(full, 50L * 49 * 6 * 16);
        long bad = 0;
        for (long i = 0; i < full; i += 37) {
            data_dense_batch(d, i, 1, b);
            int nq = 0;
            for (int x = 0; x < 4; x++)
                nq += b->class_ids[x] == b->class_ids[4];
            bad += nq != 2 || data_dense_index(d, b, 0) != i;
        }
        CHECK_INT_EQ(bad, 0);
    }
    data_batch_destroy(&b);
    data_destroy(&d);

    /* Rest items (P = 4, B = 1): no dense set. */
    paper_small(&cfg);
    cfg.context_pairs = 4;
    cfg.n_labels = 1623;
    cfg.relabel = DATA_RELABEL_NONE;
    cfg.n_evaluators = 0;
    d = make_data(&cfg, 0, 1);
    if (d)
        CHECK_INT_EQ(data_dense_size(d), 0);
    data_destroy(&d);

    /* Subset: fixed by the eval seed, ascending, distinct, independent of the train seed. */
    paper_small(&cfg);
    cfg.dense_subset = 1000;
    Data *a = make_data(&cfg, 0, 1), *a2 = make_data(&cfg, 9, 1), *c = make_data(&cfg, 0, 2);
    DataBatch *ba = NULL, *bb = NULL;
    if (a && a2 && c && data_batch_create(a, 1000, &ba) == 0 &&
        data_batch_create(a, 1000, &bb) == 0) {
        CHECK_INT_EQ(data_dense_size(a), 1000);
        CHECK_INT_EQ(data_dense_full_size(a), 78400);
        data_dense_batch(a, 0, 1000, ba);
        long prev = -1, ascending = 1;
        for (int k = 0; k < ba->B; k++) {
            long idx = data_dense_index(a, ba, k);
            ascending &= idx > prev;
            prev = idx;
        }
        CHECK(ascending);
        data_dense_batch(a2, 0, 1000, bb);
        CHECK_INT_EQ(memcmp(ba->class_ids, bb->class_ids, 3000 * sizeof(int)), 0);
        CHECK_INT_EQ(memcmp(ba->labels, bb->labels, 2000 * sizeof(int)), 0);
        data_dense_batch(c, 0, 1000, bb);
        CHECK(memcmp(ba->class_ids, bb->class_ids, 3000 * sizeof(int)) != 0);
    }
    data_batch_destroy(&ba);
    data_batch_destroy(&bb);
    data_destroy(&a);
    data_destroy(&a2);
    data_destroy(&c);
}

/* ---- class frequencies: uniform and Zipf ---- */

static void count_train(Data *d, int K, long steps, long *q_counts, long *d_counts, long *same)
{
    DataBatch *b = NULL;
    REQUIRE(data_batch_create(d, 32, &b) == 0);
    for (long s = 0; s < steps; s++) {
        data_train_batch(d, s, 32, b);
        for (int k = 0; k < b->B; k++) {
            int q = b->class_ids[k * 3 + 2], o = b->class_ids[k * 3 + (1 - b->match[k])];
            if (q >= 0 && q < K)
                q_counts[q]++;
            if (o >= 0 && o < K)
                d_counts[o]++;
            *same += q == o;
        }
    }
    data_batch_destroy(&b);
}

static void test_class_frequencies(void)
{
    DataConfig cfg;
    paper_small(&cfg);
    long q[50] = {0}, dd[50] = {0}, same = 0;
    double p[50];
    Data *d = make_data(&cfg, 0, 1);
    REQUIRE(d);
    count_train(d, 50, 3125, q, dd, &same); /* 100,000 sequences */
    data_destroy(&d);
    for (int c = 0; c < 50; c++)
        p[c] = 1.0 / 50;
    double chi_q = chi_square(q, p, 50, 100000), chi_d = chi_square(dd, p, 50, 100000);
    printf("uniform K=50: chi2 query %.1f, distractor %.1f (df 49, critical 85.35)\n", chi_q,
           chi_d);
    CHECK(chi_q < 85.35); /* chi-square, df 49, p = 0.001 */
    CHECK(chi_d < 85.35);
    CHECK_INT_EQ(same, 0);

    /* Zipf alpha = 1 over K = 20: query ~ p, distractor ~ sum_i p_i p_j / (1 - p_i). */
    paper_small(&cfg);
    cfg.class_split[0] = 20;
    cfg.class_split[1] = 1623 - 100 - 20;
    cfg.zipf_alpha = 1.0;
    long zq[20] = {0}, zd[20] = {0};
    d = make_data(&cfg, 0, 1);
    REQUIRE(d);
    count_train(d, 20, 3125, zq, zd, &same);
    data_destroy(&d);
    double zp[20], pd[20], tot = 0, uni[20];
    for (int c = 0; c < 20; c++)
        tot += zp[c] = 1.0 / (c + 1);
    for (int c = 0; c < 20; c++)
        zp[c] /= tot, uni[c] = 1.0 / 20;
    for (int j = 0; j < 20; j++) {
        pd[j] = 0;
        for (int i = 0; i < 20; i++)
            if (i != j)
                pd[j] += zp[i] * zp[j] / (1 - zp[i]);
    }
    double chi_zq = chi_square(zq, zp, 20, 100000), chi_zd = chi_square(zd, pd, 20, 100000);
    double chi_wrong = chi_square(zq, uni, 20, 100000);
    printf("zipf K=20: chi2 query %.1f, distractor %.1f (df 19, critical 43.82); vs uniform %.0f\n",
           chi_zq, chi_zd, chi_wrong);
    CHECK(chi_zq < 43.82); /* chi-square, df 19, p = 0.001 */
    CHECK(chi_zd < 43.82);
    CHECK(chi_wrong > 1000); /* negative control: the test can tell Zipf from uniform */
    CHECK_INT_EQ(same, 0);

    /* Eval sets draw uniformly from their class block: fsl_test_class over the 100 test classes
     * (1000 queries, df 99, critical 148.2 at p = 0.001). */
    paper_small(&cfg);
    d = make_data(&cfg, 0, 1);
    DataBatch *b = NULL;
    if (d && data_batch_create(d, 1000, &b) == 0) {
        long tc[100] = {0}, outside = 0;
        double tp[100];
        data_eval_batch(d, 3, 0, 1000, b);
        for (int k = 0; k < b->B; k++) {
            for (int x = 0; x < 3; x++)
                outside += b->class_ids[k * 3 + x] < 1523;
            int c = b->class_ids[k * 3 + 2] - 1523;
            if (c >= 0 && c < 100)
                tc[c]++;
        }
        for (int c = 0; c < 100; c++)
            tp[c] = 0.01;
        CHECK_INT_EQ(outside, 0);
        CHECK(chi_square(tc, tp, 100, 1000) < 148.2);
    }
    data_batch_destroy(&b);
    data_destroy(&d);
}

/* ---- burstiness, distractors, rest items, mixing ---- */

/* A config with true labels (L >= classes) so rest items are allowed. */
static void bursty_cfg(DataConfig *cfg, int P, int B, int distractor)
{
    data_config_default(cfg);
    cfg->source.dim = 8;
    cfg->source.rank = 8; /* the default lowrank source needs rank <= D */
    cfg->n_classes_total = 30;
    cfg->class_split[0] = 20;
    cfg->class_split[1] = 0;
    cfg->class_split[2] = 10;
    cfg->n_exemplars = 5;
    cfg->exemplar_split[0] = 3;
    cfg->exemplar_split[1] = 2;
    cfg->exemplar_split[2] = 0;
    cfg->n_labels = 30;
    cfg->relabel = DATA_RELABEL_NONE;
    cfg->context_pairs = P;
    cfg->sampler.burstiness = B;
    cfg->sampler.distractor = distractor;
    cfg->n_evaluators = 0;
}

static void test_burstiness(void)
{
    DataConfig cfg;
    bursty_cfg(&cfg, 8, 3, 1);
    Data *d = make_data(&cfg, 0, 1);
    DataBatch *b = NULL;
    REQUIRE(d && data_batch_create(d, 100, &b) == 0);
    long bad = 0, pos_bursty[8] = {0}, rest_q = 0, rest_n = 0, n = 0;
    for (long s = 0; s < 200; s++) {
        data_train_batch(d, s, 100, b);
        for (int k = 0; k < b->B; k++, n++) {
            const int *c = b->class_ids + k * 9, *t = b->types + k * 9, *l = b->labels + k * 8;
            int nb = 0, nd = 0, no = 0, dcls = -1;
            for (int x = 0; x < 8; x++) {
                nb += t[x] == DATA_ITEM_BURSTY;
                no += t[x] == DATA_ITEM_OTHER;
                if (t[x] == DATA_ITEM_BURSTY) {
                    bad += c[x] != c[8];
                    pos_bursty[x]++;
                }
                if (t[x] == DATA_ITEM_DISTRACTOR) {
                    nd++;
                    bad += (dcls >= 0 && c[x] != dcls) || c[x] == c[8];
                    dcls = c[x];
                }
                if (t[x] == DATA_ITEM_OTHER) {
                    rest_q += c[x] == c[8];
                    rest_n++;
                }
                bad += l[x] != c[x]; /* relabel none: true class labels */
            }
            bad += nb != 3 || nd != 3 || no != 2 || t[8] != DATA_ITEM_QUERY;
            bad += b->targets[k] != c[8];
        }
    }
    CHECK_INT_EQ(bad, 0);
    /* Shuffle: each position holds a bursty item with probability 3/8 (sd 0.0034 at n = 20000). */
    for (int x = 0; x < 8; x++)
        CHECK_NEAR((double)pos_bursty[x] / n, 3.0 / 8, 0.02);
    /* Rest items are i.i.d. from p, so they hit the query class with probability 1/20. */
    CHECK_NEAR((double)rest_q / rest_n, 1.0 / 20, 0.01);
    data_batch_destroy(&b);
    data_destroy(&d);

    /* no_support and unique_rest: rest items avoid q and d; unique ones are distinct. */
    for (int mode = 0; mode < 2; mode++) {
        bursty_cfg(&cfg, 8, 2, 1);
        cfg.sampler.no_support = mode == 0;
        cfg.sampler.unique_rest = mode == 1;
        d = make_data(&cfg, 0, 1);
        REQUIRE(d && data_batch_create(d, 100, &b) == 0);
        bad = 0;
        for (long s = 0; s < 50; s++) {
            data_train_batch(d, s, 100, b);
            for (int k = 0; k < b->B; k++) {
                const int *c = b->class_ids + k * 9, *t = b->types + k * 9;
                int dcls = -1, rest[8], nr = 0;
                for (int x = 0; x < 8; x++)
                    if (t[x] == DATA_ITEM_DISTRACTOR)
                        dcls = c[x];
                for (int x = 0; x < 8; x++)
                    if (t[x] == DATA_ITEM_OTHER)
                        rest[nr++] = c[x];
                bad += nr != 4;
                for (int i = 0; i < nr; i++) {
                    bad += rest[i] == c[8] || rest[i] == dcls;
                    for (int j = 0; mode == 1 && j < i; j++)
                        bad += rest[i] == rest[j];
                }
            }
        }
        CHECK_INT_EQ(bad, 0);
        data_batch_destroy(&b);
        data_destroy(&d);
    }

    /* Mixing: B = 4 (no rest) with weight 1, B = 0 with weight 3: 25% bursty sequences
     * (sd 0.003 at n = 20000). B = 0 ignores the distractor flag. */
    bursty_cfg(&cfg, 8, 0, 1);
    cfg.n_mixing = 2;
    cfg.mixing[0] = (DataSamplerConfig){1.0, 4, 1, 0, 0};
    cfg.mixing[1] = (DataSamplerConfig){3.0, 0, 1, 0, 0};
    d = make_data(&cfg, 0, 1);
    REQUIRE(d && data_batch_create(d, 100, &b) == 0);
    long bursty_seqs = 0;
    bad = 0;
    for (long s = 0; s < 200; s++) {
        data_train_batch(d, s, 100, b);
        for (int k = 0; k < b->B; k++) {
            int nb = 0, nd = 0, no = 0;
            for (int x = 0; x < 8; x++) {
                nb += b->types[k * 9 + x] == DATA_ITEM_BURSTY;
                nd += b->types[k * 9 + x] == DATA_ITEM_DISTRACTOR;
                no += b->types[k * 9 + x] == DATA_ITEM_OTHER;
            }
            bursty_seqs += nb > 0;
            bad += !((nb == 4 && nd == 4) || (nb == 0 && nd == 0 && no == 8));
        }
    }
    CHECK_INT_EQ(bad, 0);
    CHECK_NEAR(bursty_seqs / 20000.0, 0.25, 0.015);
    data_batch_destroy(&b);
    data_destroy(&d);
}

static void test_label_schemes(void)
{
    DataConfig cfg;
    DataBatch *b = NULL;
    Data *d = NULL;

    /* match_query_and_distractors: bursty + query share an exemplar, distractors share one. */
    bursty_cfg(&cfg, 8, 3, 1);
    cfg.match_query_and_distractors = 1;
    d = make_data(&cfg, 0, 1);
    REQUIRE(d && data_batch_create(d, 100, &b) == 0);
    long bad = 0, differ = 0;
    for (long s = 0; s < 20; s++) {
        data_train_batch(d, s, 100, b);
        for (int k = 0; k < b->B; k++) {
            const int *e = b->exemplar_ids + k * 9, *t = b->types + k * 9;
            int ed = -1;
            for (int x = 0; x < 8; x++) {
                if (t[x] == DATA_ITEM_BURSTY)
                    bad += e[x] != e[8];
                if (t[x] == DATA_ITEM_DISTRACTOR) {
                    bad += ed >= 0 && e[x] != ed;
                    ed = e[x];
                }
                bad += e[x] < 0 || e[x] >= 3;
            }
        }
    }
    CHECK_INT_EQ(bad, 0);
    data_batch_destroy(&b);
    data_destroy(&d);
    /* Without it, a bursty exemplar usually differs from the query's (3 train exemplars). */
    bursty_cfg(&cfg, 8, 3, 1);
    d = make_data(&cfg, 0, 1);
    REQUIRE(d && data_batch_create(d, 100, &b) == 0);
    data_train_batch(d, 0, 100, b);
    for (int k = 0; k < b->B; k++)
        for (int x = 0; x < 8; x++)
            differ += b->types[k * 9 + x] == DATA_ITEM_BURSTY &&
                      b->exemplar_ids[k * 9 + x] != b->exemplar_ids[k * 9 + 8];
    CHECK(differ > 100); /* expected 300 * 2/3 = 200 */
    data_batch_destroy(&b);
    data_destroy(&d);

    /* assign_query_label_random (relabel none, B = 0, no_support): the query's label sits on
     * exactly one context item, at a uniform position (chi-square df 7, critical 24.32). */
    bursty_cfg(&cfg, 8, 0, 0);
    cfg.sampler.no_support = 1;
    cfg.assign_query_label_random = 1;
    d = make_data(&cfg, 0, 1);
    REQUIRE(d && data_batch_create(d, 100, &b) == 0);
    long pos[8] = {0};
    bad = 0;
    for (long s = 0; s < 100; s++) {
        data_train_batch(d, s, 100, b);
        for (int k = 0; k < b->B; k++) {
            int hits = 0, at = -1;
            for (int x = 0; x < 8; x++)
                if (b->labels[k * 8 + x] == b->targets[k])
                    hits++, at = x;
            bad += hits != 1 || b->targets[k] != b->class_ids[k * 9 + 8];
            if (at >= 0)
                pos[at]++;
        }
    }
    double p8[8];
    for (int x = 0; x < 8; x++)
        p8[x] = 1.0 / 8;
    CHECK_INT_EQ(bad, 0);
    CHECK(chi_square(pos, p8, 8, 10000) < 24.32);
    data_batch_destroy(&b);
    data_destroy(&d);

    /* flip: bursty items get the distractor's class label, distractors the query's, and the
     * query the distractor's. '01': labels {0, 1}, the query's on its match. */
    for (int scheme = 0; scheme < 2; scheme++) {
        bursty_cfg(&cfg, 2, 1, 1);
        cfg.relabel = scheme == 0 ? DATA_RELABEL_FLIP : DATA_RELABEL_01;
        d = make_data(&cfg, 0, 1);
        REQUIRE(d && data_batch_create(d, 100, &b) == 0);
        long n01[2] = {0};
        bad = 0;
        for (long s = 0; s < 10; s++) {
            data_train_batch(d, s, 100, b);
            for (int k = 0; k < b->B; k++) {
                const int *c = b->class_ids + k * 3, *l = b->labels + k * 2;
                int m = b->match[k], o = 1 - m;
                if (scheme == 0) {
                    bad += l[m] != c[o] || l[o] != c[2] || b->targets[k] != c[o];
                } else {
                    bad += !((l[0] == 0 && l[1] == 1) || (l[0] == 1 && l[1] == 0));
                    bad += b->targets[k] != l[m];
                    n01[b->targets[k] & 1]++;
                }
            }
        }
        CHECK_INT_EQ(bad, 0);
        if (scheme == 1)
            CHECK(n01[0] > 400 && n01[1] > 400); /* 1000 draws, p = 1/2 */
        data_batch_destroy(&b);
        data_destroy(&d);
    }
}

/* ---- held-out label pairs never in training ---- */

static void test_held_out_pairs(void)
{
    DataConfig cfg;
    paper_small(&cfg);
    Data *d = make_data(&cfg, 0, 1);
    DataBatch *b = NULL;
    REQUIRE(d && data_batch_create(d, 1000, &b) == 0);
    int n_train = 0, n_val = 0;
    const int *train = data_label_pairs(d, DATA_RELABEL_TRAIN, &n_train);
    const int *val = data_label_pairs(d, DATA_RELABEL_VAL, &n_val);
    long held_out = 0, not_train = 0, seen[5][5] = {{0}};
    for (long s = 0; s < 3000; s++) {
        data_train_batch(d, s, 32, b);
        for (int k = 0; k < b->B; k++) {
            int m = b->match[k], a = b->labels[k * 2 + m], o = b->labels[k * 2 + 1 - m];
            held_out += contains_pair(val, n_val, a, o);
            not_train += !contains_pair(train, n_train, a, o);
            if (a >= 0 && a < 5 && o >= 0 && o < 5)
                seen[a][o]++;
        }
    }
    CHECK_INT_EQ(held_out, 0);
    CHECK_INT_EQ(not_train, 0);
    for (int p = 0; p < n_train; p++) { /* both orders of every train pair occur */
        CHECK(seen[train[2 * p]][train[2 * p + 1]] > 1000);
        CHECK(seen[train[2 * p + 1]][train[2 * p]] > 1000);
    }

    /* The evaluators: fsl_val_rl only val pairs; fsl_train_valex only val exemplars; fsl_test_class
     * only test classes with exemplar 0. */
    int ev = data_eval_find(d, "fsl_val_rl");
    CHECK_INT_EQ(ev, 1);
    data_eval_batch(d, ev, 0, 1000, b);
    long bad = 0, v0 = 0;
    for (int k = 0; k < b->B; k++) {
        int l0 = b->labels[k * 2], l1 = b->labels[k * 2 + 1];
        bad += !contains_pair(val, n_val, l0, l1);
        v0 += contains_pair(val, 1, l0, l1);
    }
    CHECK_INT_EQ(bad, 0);
    CHECK(v0 > 400 && v0 < 600);
    data_eval_batch(d, data_eval_find(d, "fsl_train_valex"), 0, 1000, b);
    bad = 0;
    for (int t = 0; t < 3000; t++)
        bad += b->exemplar_ids[t] < 1 || b->exemplar_ids[t] > 4 || b->class_ids[t] >= 50;
    CHECK_INT_EQ(bad, 0);
    data_eval_batch(d, data_eval_find(d, "fsl_test_class"), 0, 1000, b);
    bad = 0;
    for (int t = 0; t < 3000; t++)
        bad += b->exemplar_ids[t] != 0 || b->class_ids[t] < 1523 || b->class_ids[t] >= 1623;
    CHECK_INT_EQ(bad, 0);
    data_batch_destroy(&b);
    data_destroy(&d);
}

/* ---- common random numbers: same data config + train seed = same batches ---- */

static int batches_equal(const DataBatch *a, const DataBatch *b)
{
    if (a->B != b->B || a->R != b->R)
        return 0;
    size_t tok = (size_t)a->B * a->X;
    return memcmp(a->class_ids, b->class_ids, tok * sizeof(int)) == 0 &&
           memcmp(a->exemplar_ids, b->exemplar_ids, tok * sizeof(int)) == 0 &&
           memcmp(a->labels, b->labels, (size_t)a->B * a->P * sizeof(int)) == 0 &&
           memcmp(a->targets, b->targets, (size_t)a->B * sizeof(int)) == 0 &&
           memcmp(a->example_row, b->example_row, tok * sizeof(int)) == 0 &&
           memcmp(a->rows, b->rows, (size_t)a->R * a->D * sizeof(float)) == 0;
}

static void test_common_random_numbers(void)
{
    /* Clamps, the model and the init seed are not inputs of the data module at all; what could
     * still leak in is the eval seed, the batch object, call order and other Data objects. */
    for (int noisy = 0; noisy < 2; noisy++) {
        DataConfig cfg;
        paper_small(&cfg);
        cfg.noise_scale = noisy ? 0.3f : 0.0f;
        Data *a = make_data(&cfg, 0, 1), *b = make_data(&cfg, 0, 7), *c = make_data(&cfg, 4, 1);
        DataBatch *ba = NULL, *bb = NULL, *bc = NULL;
        REQUIRE(a && b && c && data_batch_create(a, 32, &ba) == 0 &&
                data_batch_create(b, 64, &bb) == 0 && data_batch_create(c, 32, &bc) == 0);
        const long steps[] = {0, 5, 1000000, 3, 31249};
        int same = 1, differs = 1;
        for (int i = 0; i < 5; i++) {
            data_train_batch(a, steps[i], 32, ba);
            data_train_batch(b, steps[4 - i], 32, bb); /* other order first */
            data_train_batch(b, steps[i], 32, bb);
            data_train_batch(c, steps[i], 32, bc);
            same &= batches_equal(ba, bb);
            differs &= !batches_equal(ba, bc);
        }
        CHECK(same);
        CHECK(differs);
        data_batch_destroy(&ba);
        data_batch_destroy(&bb);
        data_batch_destroy(&bc);
        data_destroy(&a);
        data_destroy(&b);
        data_destroy(&c);
    }
}

/* ---- evaluators are fixed ---- */

static void test_evaluators_fixed(void)
{
    DataConfig cfg;
    paper_small(&cfg);
    cfg.evaluators[2].noise_scale = 0.2f; /* a noisy evaluator must be fixed too */
    Data *a = make_data(&cfg, 0, 1), *b = make_data(&cfg, 5, 1), *c = make_data(&cfg, 0, 2);
    DataBatch *whole = NULL, *part = NULL, *other = NULL;
    REQUIRE(a && b && c && data_batch_create(a, 1000, &whole) == 0 &&
            data_batch_create(a, 7, &part) == 0 && data_batch_create(b, 1000, &other) == 0);
    CHECK_INT_EQ(data_eval_count(a), 4);
    for (int e = 0; e < data_eval_count(a); e++) {
        CHECK_INT_EQ(data_eval_size(a, e), 1000);
        data_eval_batch(a, e, 0, 1000, whole);
        CHECK_INT_EQ(whole->B, 1000);
        /* In chunks of 7 (the last one clipped): identical sequences and rows. */
        long bad = 0;
        for (int first = 0; first < 1000; first += 7) {
            data_eval_batch(a, e, first, 7, part);
            CHECK(part->B == (first + 7 <= 1000 ? 7 : 1000 - first));
            for (int k = 0; k < part->B; k++) {
                int w = first + k;
                bad +=
                    memcmp(part->class_ids + k * 3, whole->class_ids + w * 3, 3 * sizeof(int)) != 0;
                bad += memcmp(part->labels + k * 2, whole->labels + w * 2, 2 * sizeof(int)) != 0;
                for (int x = 0; x < 3; x++)
                    bad += memcmp(part->rows + (size_t)part->example_row[k * 3 + x] * 16,
                                  whole->rows + (size_t)whole->example_row[w * 3 + x] * 16,
                                  16 * sizeof(float)) != 0;
            }
        }
        CHECK_INT_EQ(bad, 0);
        /* Again, after training batches were drawn: the same. Another train seed: the same. */
        data_train_batch(a, 17, 7, part);
        data_eval_batch(b, e, 0, 1000, other);
        CHECK(batches_equal(whole, other));
        data_eval_batch(a, e, 0, 1000, other);
        CHECK(batches_equal(whole, other));
        data_eval_batch(c, e, 0, 1000, other);
        CHECK(!batches_equal(whole, other));
    }
    /* The noisy evaluator's rows are the exemplar plus fixed noise of sd 0.2. */
    data_eval_batch(a, 2, 0, 1000, whole);
    CHECK_INT_EQ(whole->R, 3000);
    double s1 = 0, s2 = 0;
    for (int t = 0; t < 3000; t++) {
        const float *x = data_exemplar(a, whole->class_ids[t], whole->exemplar_ids[t]);
        const float *r = whole->rows + (size_t)whole->example_row[t] * 16;
        for (int i = 0; i < 16; i++)
            s1 += r[i] - x[i], s2 += (r[i] - x[i]) * (r[i] - x[i]);
    }
    CHECK_NEAR(s1 / 48000, 0.0, 0.005);
    CHECK_NEAR(sqrt(s2 / 48000), 0.2, 0.005);

    /* Probe set: fixed, from the training distribution. */
    CHECK_INT_EQ(data_probe_size(a), 64);
    data_probe_batch(a, 0, 64, whole);
    data_probe_batch(b, 0, 64, other);
    CHECK(batches_equal(whole, other));
    long outside = 0;
    for (int t = 0; t < 64 * 3; t++)
        outside += whole->class_ids[t] >= 50 || whole->exemplar_ids[t] != 0;
    CHECK_INT_EQ(outside, 0);
    data_batch_destroy(&whole);
    data_batch_destroy(&part);
    data_batch_destroy(&other);
    data_destroy(&a);
    data_destroy(&b);
    data_destroy(&c);
}

/* ---- rows: deduplication and the ModelBatch view ---- */

static void test_rows(void)
{
    DataConfig cfg;
    paper_small(&cfg);
    Data *d = make_data(&cfg, 0, 1);
    DataBatch *b = NULL;
    REQUIRE(d && data_batch_create(d, 32, &b) == 0);
    long bad = 0, r_sum = 0;
    for (long s = 0; s < 100; s++) {
        data_train_batch(d, s, 32, b);
        int distinct = 0;
        for (int t = 0; t < 96; t++) {
            int first = 1;
            for (int u = 0; u < t && first; u++)
                first = !(b->class_ids[u] == b->class_ids[t] &&
                          b->exemplar_ids[u] == b->exemplar_ids[t]);
            distinct += first;
            const float *x = data_exemplar(d, b->class_ids[t], b->exemplar_ids[t]);
            int row = b->example_row[t];
            bad += row < 0 || row >= b->R || memcmp(b->rows + (size_t)row * 16, x, 16 * 4) != 0;
        }
        bad += b->R != distinct;
        r_sum += b->R;
        bad += b->model.B != 32 || b->model.R != b->R || b->model.exemplar_rows != b->rows ||
               b->model.example_row != b->example_row || b->model.labels != b->labels ||
               b->model.targets != b->targets;
    }
    CHECK_INT_EQ(bad, 0);
    /* Each sequence holds 2 distinct classes of 50, so a class is absent from a batch of 32 with
     * probability 0.96^32: 50 (1 - 0.96^32) = 36.46 rows expected (sd of the mean ~0.25). */
    printf("mean distinct rows per paper batch: %.1f of 96 tokens\n", r_sum / 100.0);
    CHECK_NEAR(r_sum / 100.0, 36.46, 1.0);
    CHECK_INT_EQ(data_input_dim(d), 16);
    CHECK_INT_EQ(data_n_labels(d), 5);
    CHECK_INT_EQ(data_context_pairs(d), 2);
    CHECK_INT_EQ(b->max_rows, 96);
    /* B is clamped to the capacity; B = 0 gives an empty batch. */
    data_train_batch(d, 0, 100, b);
    CHECK_INT_EQ(b->B, 32);
    data_train_batch(d, 0, 0, b);
    CHECK_INT_EQ(b->B, 0);
    CHECK_INT_EQ(b->R, 0);
    DataBatch *none = NULL;
    CHECK_ERR(data_batch_create(d, 0, &none), IH_ECONFIG);
    data_batch_destroy(&b);
    data_destroy(&d);
    data_destroy(&d); /* NULL-safe */
    data_batch_destroy(&b);
}

/* ---- impossible settings name their field ---- */

static void expect_invalid(const DataConfig *cfg, const char *field)
{
    int rc = data_config_validate(cfg, "data");
    CHECK_INT_EQ(rc, IH_ECONFIG);
    const char *msg = ih_error_message();
    if (!strstr(msg, field)) {
        fprintf(stderr, "error \"%s\" does not name %s\n", msg, field);
        CHECK(0);
    }
}

static void expect_parse_error(const char *json, int code, const char *field)
{
    DataConfig cfg;
    int rc = data_config_parse(json, "test", &cfg);
    CHECK_INT_EQ(rc, code);
    const char *msg = ih_error_message();
    if (!strstr(msg, field)) {
        fprintf(stderr, "error \"%s\" does not name %s\n", msg, field);
        CHECK(0);
    }
}

static void test_config_errors(void)
{
    DataConfig cfg;
    paper_small(&cfg);
    cfg.sampler.burstiness = 2; /* 2 + 2 distractors > P = 2 */
    expect_invalid(&cfg, "data.burstiness");
    paper_small(&cfg);
    cfg.class_split[0] = 1, cfg.class_split[1] = 1522;
    expect_invalid(&cfg, "data.class_split[0]");
    paper_small(&cfg);
    cfg.class_split[2] = 99;
    expect_invalid(&cfg, "data.class_split");
    paper_small(&cfg);
    cfg.exemplar_split[1] = 3;
    expect_invalid(&cfg, "data.exemplar_split");
    paper_small(&cfg);
    cfg.relabel_split[0] = 0, cfg.relabel_split[1] = 1; /* every pair held out */
    expect_invalid(&cfg, "data.relabel");
    paper_small(&cfg);
    cfg.relabel_split[1] = 0; /* no val pairs for fsl_val_rl */
    expect_invalid(&cfg, "data.evaluators[1].relabel");
    paper_small(&cfg);
    cfg.evaluators[3].burstiness = 2;
    expect_invalid(&cfg, "data.evaluators[3].burstiness");
    paper_small(&cfg);
    cfg.relabel = DATA_RELABEL_NONE; /* true labels 0..49 but L = 5 */
    expect_invalid(&cfg, "data.relabel");
    paper_small(&cfg);
    cfg.context_pairs = 4; /* two rest items keep true labels 0..49 */
    expect_invalid(&cfg, "data.burstiness");
    paper_small(&cfg);
    cfg.assign_query_label_random = 1;
    expect_invalid(&cfg, "data.assign_query_label_random");
    paper_small(&cfg);
    snprintf(cfg.evaluators[2].name, sizeof cfg.evaluators[2].name, "fsl_train");
    expect_invalid(&cfg, "data.evaluators[2].name");
    paper_small(&cfg);
    cfg.class_split[2] = 1, cfg.class_split[1] = 1572;
    expect_invalid(&cfg, "data.evaluators[3].classes"); /* 1 test class, distractor needs 2 */
    bursty_cfg(&cfg, 8, 1, 1);
    cfg.class_split[0] = 6, cfg.class_split[1] = 14;
    cfg.sampler.unique_rest = 1; /* needs q + d + 6 distinct classes */
    expect_invalid(&cfg, "data.class_split");
    paper_small(&cfg);
    cfg.n_mixing = 1;
    cfg.mixing[0] = (DataSamplerConfig){0.0, 1, 1, 0, 0};
    expect_invalid(&cfg, "data.mixing[0].weight");
    paper_small(&cfg);
    cfg.source.type = DATA_SOURCE_HDF5;
    expect_invalid(&cfg, "data.source.path");
    paper_small(&cfg);
    cfg.source.type = DATA_SOURCE_LOWRANK;
    cfg.source.rank = cfg.source.dim + 1;
    expect_invalid(&cfg, "data.source.rank");
    cfg.source.rank = 0;
    expect_invalid(&cfg, "data.source.rank");

    expect_parse_error("{\"data\": {\"foo\": 1}}", IH_ECONFIG, "data.foo");
    expect_parse_error("{\"data\": {\"n_labels\": \"5\"}}", IH_ECONFIG, "data.n_labels");
    expect_parse_error("{\"data\": {\"class_split\": [50, 1573]}}", IH_ECONFIG, "data.class_split");
    expect_parse_error("{\"data\": {\"class_split\": [50, 1473, 99]}}", IH_ECONFIG,
                       "data.class_split");
    expect_parse_error("{\"data\": {\"burstiness\": 2}}", IH_ECONFIG, "data.burstiness");
    expect_parse_error("{\"data\": {\"source\": {\"dim\": 8}}}", IH_ECONFIG, "data.source.type");
    expect_parse_error("{\"data\": {\"source\": {\"type\": \"hdf5\", \"path\": \"x.h5\", "
                       "\"dim\": 8}}}",
                       IH_ECONFIG, "data.source.dim");
    expect_parse_error("{\"data\": {\"source\": {\"type\": \"lowrank\", \"rank\": 0}}}", IH_ECONFIG,
                       "data.source.rank");
    expect_parse_error("{\"data\": {\"source\": {\"type\": \"lowrank\", \"rank\": 2.5}}}",
                       IH_ECONFIG, "data.source.rank");
    expect_parse_error("{\"data\": {\"source\": {\"type\": \"lowrank\", "
                       "\"within_class_noise\": 1}}}",
                       IH_ECONFIG, "data.source.within_class_noise");
    expect_parse_error("{\"data\": {\"source\": {\"type\": \"synthetic\", \"rank\": 4}}}",
                       IH_ECONFIG, "data.source.rank");
    expect_parse_error("{\"data\": {\"relabel\": \"sideways\"}}", IH_ECONFIG, "data.relabel");
    expect_parse_error("{\"data\": {\"evaluators\": [{\"classes\": \"test\"}]}}", IH_ECONFIG,
                       "data.evaluators[0].name");
    expect_parse_error("{\"data\": {\"evaluators\": [{\"name\": \"a\", \"bogus\": 1}]}}",
                       IH_ECONFIG, "data.evaluators[0].bogus");
    expect_parse_error("{\"data\": {\"mixing\": [{\"weight\": -1}]}}", IH_ECONFIG,
                       "data.mixing[0].weight");
    expect_parse_error("{\"data\": {\"zipf_alpha\": 1e999}}", IH_ECONFIG, "data.zipf_alpha");
    expect_parse_error("{\"data\": {}, \"model\": {}}", IH_ECONFIG, "model");
    expect_parse_error("{\"data\": {\"n_labels\": 5,}}", IH_EDATA, "test:1");

    /* Parsed settings land in the right fields; evaluators inherit top-level fields. */
    DataConfig p;
    CHECK_OK(data_config_parse(
        "{\"data\": {\"n_labels\": 10, \"relabel_split\": [36, 9, 0], \"context_pairs\": 4, "
        "\"burstiness\": 2, \"zipf_alpha\": 1.5, \"dense_subset\": 500, \"eval_size\": 200, "
        "\"evaluators\": [{\"name\": \"a\"}, {\"name\": \"b\", \"classes\": \"test\", "
        "\"relabel\": \"val\", \"size\": 7}]}}",
        "test", &p));
    CHECK_INT_EQ(p.n_labels, 10);
    CHECK_INT_EQ(p.sampler.burstiness, 2);
    CHECK_NEAR(p.zipf_alpha, 1.5, 0);
    CHECK_INT_EQ(p.dense_subset, 500);
    CHECK_INT_EQ(p.n_evaluators, 2);
    CHECK_INT_EQ(p.evaluators[0].burstiness, 2);
    CHECK_INT_EQ(p.evaluators[0].size, 200);
    CHECK_INT_EQ(p.evaluators[0].relabel, DATA_RELABEL_TRAIN);
    CHECK_INT_EQ(p.evaluators[1].classes, DATA_SET_TEST);
    CHECK_INT_EQ(p.evaluators[1].relabel, DATA_RELABEL_VAL);
    CHECK_INT_EQ(p.evaluators[1].size, 7);
}

int main(void)
{
    test_defaults();
    test_label_pairs();
    test_dense_paper();
    test_dense_variants();
    test_class_frequencies();
    test_burstiness();
    test_label_schemes();
    test_held_out_pairs();
    test_common_random_numbers();
    test_evaluators_fixed();
    test_rows();
    test_config_errors();
    TEST_MAIN_END("test_data");
}
