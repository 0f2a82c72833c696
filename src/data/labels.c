/* Label pairs and the held-out relabel split of design 1.4.
 *
 * The reference permutes the lexicographic pairs with JAX's threefry permutation under key 20 and
 * cuts test, val, train in that order. We cannot run JAX; for the paper's three settings we use the
 * exact pairs derived in design 1.4 (val blocks in the reference's order, train in lexicographic
 * order, which does not matter: a pair is drawn uniformly from the block). Any other (L, split)
 * uses a Fisher-Yates shuffle from stream (20, RNG_PURPOSE_LABEL_SPLIT, L) with the same cut
 * points, so block sizes always match the reference.
 */
#include "internal.h"

#include "ihsweep/error.h"

#include <stdlib.h>
#include <string.h>

/* Held-out (val) pairs of the paper's settings, design 1.4. */
static const int paper_val_5[][2] = {{1, 3}, {0, 2}};
static const int paper_train_5[][2] = {{1, 2}, {2, 3}, {0, 4}, {0, 3},
                                       {0, 1}, {2, 4}, {1, 4}, {3, 4}};
static const int paper_val_10[][2] = {{2, 6}, {1, 2}, {0, 7}, {1, 4}, {2, 8},
                                      {6, 9}, {2, 5}, {0, 9}, {2, 4}};
static const int paper_val_15[][2] = {{5, 6},   {11, 13}, {1, 4},   {10, 13}, {4, 6},  {6, 10},
                                      {3, 12},  {12, 13}, {3, 7},   {5, 7},   {3, 13}, {5, 13},
                                      {5, 8},   {3, 6},   {12, 14}, {3, 4},   {1, 7},  {0, 8},
                                      {11, 12}, {7, 8},   {3, 10}};

void data__label_counts(int L, const double split[3], int counts[3])
{
    long n = (long)L * (L - 1) / 2;
    double sum = split[0] + split[1] + split[2];
    long n_test = sum > 0 ? (long)((double)n * split[2] / sum) : 0;
    long n_val = sum > 0 ? (long)((double)n * split[1] / sum) : 0;
    counts[2] = (int)n_test;
    counts[1] = (int)n_val;
    counts[0] = (int)(n - n_test - n_val);
}

static int pair_in(const int (*list)[2], int n, int a, int b)
{
    for (int i = 0; i < n; i++)
        if (list[i][0] == a && list[i][1] == b)
            return 1;
    return 0;
}

/* Writes the exact paper split (train block, then val) and returns 1, or returns 0 when (L,
 * counts) is not one of the paper's settings. */
static int paper_split(int L, const int counts[3], int *out)
{
    const int(*val)[2] = NULL;
    int n_val = 0;
    if (L == 5) {
        val = paper_val_5, n_val = 2;
    } else if (L == 10) {
        val = paper_val_10, n_val = 9;
    } else if (L == 15) {
        val = paper_val_15, n_val = 21;
    } else {
        return 0;
    }
    int n = L * (L - 1) / 2;
    if (counts[1] != n_val || counts[2] != 0 || counts[0] != n - n_val)
        return 0;
    int k = 0;
    if (L == 5) {
        for (int i = 0; i < 8; i++, k++)
            out[2 * k] = paper_train_5[i][0], out[2 * k + 1] = paper_train_5[i][1];
    } else {
        for (int a = 0; a < L; a++)
            for (int b = a + 1; b < L; b++)
                if (!pair_in(val, n_val, a, b))
                    out[2 * k] = a, out[2 * k + 1] = b, k++;
    }
    for (int i = 0; i < n_val; i++, k++)
        out[2 * k] = val[i][0], out[2 * k + 1] = val[i][1];
    return 1;
}

int data_label_split(int L, const double split[3], int *pairs_out, int counts[3])
{
    int rc = 0;
    int *perm = NULL;
    if (L < 2 || L > 2048)
        IH_FAIL(IH_ECONFIG, "n_labels: %d is out of range [2, 2048]", L);
    double sum = 0;
    for (int i = 0; i < 3; i++) {
        if (!(split[i] >= 0))
            IH_FAIL(IH_ECONFIG, "relabel_split[%d]: must be >= 0", i);
        sum += split[i];
    }
    if (!(sum > 0))
        IH_FAIL(IH_ECONFIG, "relabel_split: the weights sum to 0");
    data__label_counts(L, split, counts);
    if (paper_split(L, counts, pairs_out))
        return 0;

    int n = L * (L - 1) / 2;
    IH_ALLOC(perm, n);
    for (int i = 0; i < n; i++)
        perm[i] = i;
    Rng r;
    rng_init(&r, 20, RNG_PURPOSE_LABEL_SPLIT, (uint64_t)L);
    rng_shuffle_int(&r, perm, n);
    /* perm[i] is the index of a lexicographic pair; decode it. Reference order: test, val, train;
     * ours: train, val, test. */
    int first_of[3] = {counts[2] + counts[1], counts[2], 0}; /* train, val, test in perm */
    int k = 0;
    for (int blk = 0; blk < 3; blk++) {
        for (int i = first_of[blk]; i < first_of[blk] + counts[blk]; i++, k++) {
            int idx = perm[i], a = 0;
            while (idx >= L - 1 - a) {
                idx -= L - 1 - a;
                a++;
            }
            pairs_out[2 * k] = a;
            pairs_out[2 * k + 1] = a + 1 + idx;
        }
    }
cleanup:
    free(perm);
    return rc;
}
