/* Tests of the exemplar sources: the HDF5 loader on files this test writes (a small one, one with
 * the authors' shape [1623, 5, 512] at resnet18/224/feat, and broken ones), the synthetic source
 * (non-negativity, determinism, prefix stability, tunable separation), the low-rank synthetic
 * source (the same properties plus its shared low-dimensional structure) and the Gaussian clusters.
 */
#include "harness.h"

#include "ihsweep/data.h"
#include "ihsweep/error.h"
#include "ihsweep/exemplar_file.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST_COUNTS_DECLARE;

static float value_at(int c, int e, int d)
{
    return (float)c + 0.25f * (float)e + 0.001f * (float)d;
}

/* Writes a dataset of the given rank/dims/type at dset (intermediate groups created) into a new
 * file fname, filled with value_at for rank 3 (a constant otherwise). Returns 0 on success. */
static int write_h5(const char *fname, const char *dset, int rank, const hsize_t *dims,
                    hid_t mem_type, hid_t file_type, float poison)
{
    hid_t f = H5Fcreate(fname, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return -1;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(f, dset, file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    int rc = -1;
    if (mem_type == H5T_NATIVE_DOUBLE) {
        double *x = calloc(n, sizeof *x);
        if (x && ds >= 0)
            rc = H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0 ? -1 : 0;
        free(x);
    } else {
        float *x = calloc(n, sizeof *x);
        for (size_t i = 0; x && i < n; i++) {
            if (rank == 3) {
                int d = (int)(i % dims[2]), e = (int)(i / dims[2] % dims[1]);
                int c = (int)(i / dims[2] / dims[1]);
                x[i] = value_at(c, e, d);
            }
        }
        if (x && n > 5)
            x[n - 5] += poison;
        if (x && ds >= 0)
            rc = H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0 ? -1 : 0;
        free(x);
    }
    if (ds >= 0)
        H5Dclose(ds);
    H5Sclose(space);
    H5Pclose(lcpl);
    H5Fclose(f);
    return rc;
}

static void expect_load_error(const DataSourceConfig *s, int C, int E, int code,
                              const char *needle1, const char *needle2)
{
    DataSource *src = NULL;
    CHECK_ERR(data_source_load(s, C, E, exemplar_file_read, "data.source", &src), code);
    const char *msg = ih_error_message();
    if (!strstr(msg, needle1) || !strstr(msg, needle2)) {
        fprintf(stderr, "error \"%s\" lacks \"%s\" or \"%s\"\n", msg, needle1, needle2);
        CHECK(0);
    }
    CHECK(src == NULL);
}

static void test_hdf5_small(void)
{
    const char *fname = "test_data_source_small.h5";
    hsize_t dims[3] = {7, 3, 16};
    CHECK_INT_EQ(write_h5(fname, "grp/sub/feat", 3, dims, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 0), 0);
    DataSourceConfig s;
    memset(&s, 0, sizeof s);
    s.type = DATA_SOURCE_HDF5;
    snprintf(s.path, sizeof s.path, "%s", fname);
    snprintf(s.dataset, sizeof s.dataset, "grp/sub/feat");
    DataSource *src = NULL;
    CHECK_OK(data_source_load(&s, 7, 3, exemplar_file_read, "data.source", &src));
    if (src) {
        CHECK_INT_EQ(src->n_classes, 7);
        CHECK_INT_EQ(src->n_exemplars, 3);
        CHECK_INT_EQ(src->dim, 16);
        long bad = 0;
        for (int c = 0; c < 7; c++)
            for (int e = 0; e < 3; e++)
                for (int d = 0; d < 16; d++)
                    bad += src->x[(c * 3 + e) * 16 + d] != value_at(c, e, d);
        CHECK_INT_EQ(bad, 0);
    }
    data_source_destroy(&src);
    /* data/ reads no file itself: without the io layer's reader a file source is refused */
    CHECK_ERR(data_source_load(&s, 7, 3, NULL, "data.source", &src), IH_ECONFIG);
    CHECK(src == NULL);
    CHECK_OK(data_source_load(&s, 0, 0, exemplar_file_read, "data.source",
                              &src)); /* accept the file's shape */
    if (src)
        CHECK_INT_EQ(src->n_classes, 7);
    data_source_destroy(&src);

    /* Through data_create: a tiny split of the file; batch rows are the file's vectors. */
    DataConfig cfg;
    data_config_default(&cfg);
    cfg.source = s;
    cfg.n_classes_total = 7;
    cfg.n_exemplars = 3;
    cfg.class_split[0] = 4, cfg.class_split[1] = 1, cfg.class_split[2] = 2;
    cfg.exemplar_split[0] = 1, cfg.exemplar_split[1] = 2, cfg.exemplar_split[2] = 0;
    Data *d = NULL;
    DataBatch *b = NULL;
    CHECK_OK(data_create(&cfg, 0, 1, exemplar_file_read, &d));
    if (d && data_batch_create(d, 32, &b) == 0) {
        CHECK_INT_EQ(data_input_dim(d), 16);
        CHECK_INT_EQ(data_dense_full_size(d), 2L * 4 * 3 * 16);
        data_train_batch(d, 3, 32, b);
        long bad = 0;
        for (int t = 0; t < 96; t++) {
            const float *r = b->rows + (size_t)b->example_row[t] * 16;
            for (int k = 0; k < 16; k++)
                bad += r[k] != value_at(b->class_ids[t], b->exemplar_ids[t], k);
        }
        CHECK_INT_EQ(bad, 0);
    }
    data_batch_destroy(&b);
    data_destroy(&d);

    /* Shape that does not match the config: names the field. */
    cfg.n_classes_total = 8, cfg.class_split[2] = 3;
    CHECK_ERR(data_create(&cfg, 0, 1, exemplar_file_read, &d), IH_EDATA);
    CHECK(strstr(ih_error_message(), "n_classes_total") != NULL);
    CHECK(strstr(ih_error_message(), fname) != NULL);
    cfg.n_classes_total = 7, cfg.class_split[2] = 2;
    cfg.n_exemplars = 4, cfg.exemplar_split[2] = 1;
    CHECK_ERR(data_create(&cfg, 0, 1, exemplar_file_read, &d), IH_EDATA);
    CHECK(strstr(ih_error_message(), "n_exemplars") != NULL);
    unlink(fname);
}

static void test_hdf5_errors(void)
{
    DataSourceConfig s;
    memset(&s, 0, sizeof s);
    s.type = DATA_SOURCE_HDF5;
    snprintf(s.path, sizeof s.path, "no_such_file_ihsweep.h5");
    snprintf(s.dataset, sizeof s.dataset, "resnet18/224/feat");
    expect_load_error(&s, 0, 0, IH_ENOENT, "no_such_file_ihsweep.h5", "data.source.path");

    const char *fname = "test_data_source_bad.h5";
    hsize_t dims3[3] = {4, 2, 8}, dims2[2] = {4, 8};
    snprintf(s.path, sizeof s.path, "%s", fname);
    CHECK_INT_EQ(write_h5(fname, "a/feat", 3, dims3, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 0), 0);
    snprintf(s.dataset, sizeof s.dataset, "a/missing");
    expect_load_error(&s, 0, 0, IH_ENOENT, "a/missing", fname);
    snprintf(s.dataset, sizeof s.dataset, "nogroup/feat");
    expect_load_error(&s, 0, 0, IH_ENOENT, "nogroup/feat", "data.source.dataset");

    CHECK_INT_EQ(write_h5(fname, "feat", 2, dims2, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 0), 0);
    snprintf(s.dataset, sizeof s.dataset, "feat");
    expect_load_error(&s, 0, 0, IH_EDATA, "rank 2", fname);

    CHECK_INT_EQ(write_h5(fname, "feat", 3, dims3, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0), 0);
    expect_load_error(&s, 0, 0, IH_EDATA, "float32", "feat");

    CHECK_INT_EQ(write_h5(fname, "feat", 3, dims3, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, NAN), 0);
    expect_load_error(&s, 0, 0, IH_EDATA, "non-finite", fname);

    /* Big-endian float32 is float32: it loads (converted on read). */
    CHECK_INT_EQ(write_h5(fname, "feat", 3, dims3, H5T_NATIVE_FLOAT, H5T_IEEE_F32BE, 0), 0);
    DataSource *src = NULL;
    CHECK_OK(data_source_load(&s, 4, 2, exemplar_file_read, "data.source", &src));
    if (src)
        CHECK_NEAR(src->x[(3 * 2 + 1) * 8 + 5], value_at(3, 1, 5), 0);
    data_source_destroy(&src);

    FILE *f = fopen(fname, "w");
    if (f) {
        fputs("not an hdf5 file\n", f);
        fclose(f);
    }
    expect_load_error(&s, 0, 0, IH_EDATA, "not an HDF5 file", fname);
    unlink(fname);
}

/* The authors' layout must load unchanged with the default config plus a source path. */
static void test_hdf5_paper_shape(void)
{
    const char *fname = "test_data_source_paper.h5";
    hsize_t dims[3] = {1623, 5, 512};
    CHECK_INT_EQ(write_h5(fname, "resnet18/224/feat", 3, dims, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 0),
                 0);
    DataConfig cfg;
    data_config_default(&cfg);
    cfg.source.type = DATA_SOURCE_HDF5;
    snprintf(cfg.source.path, sizeof cfg.source.path, "%s", fname);
    Data *d = NULL;
    DataBatch *b = NULL;
    CHECK_OK(data_create(&cfg, 0, 1, exemplar_file_read, &d));
    if (d && data_batch_create(d, 1000, &b) == 0) {
        CHECK_INT_EQ(data_input_dim(d), 512);
        CHECK_INT_EQ(data_dense_full_size(d), 78400);
        data_eval_batch(d, data_eval_find(d, "fsl_test_class"), 0, 1000, b);
        long bad = 0;
        for (int t = 0; t < 3000; t++) {
            const float *r = b->rows + (size_t)b->example_row[t] * 512;
            bad += r[511] != value_at(b->class_ids[t], b->exemplar_ids[t], 511);
        }
        CHECK_INT_EQ(bad, 0);
    }
    data_batch_destroy(&b);
    data_destroy(&d);
    unlink(fname);
}

static void synthetic_cfg(DataSourceConfig *s)
{
    DataConfig cfg;
    data_config_default(&cfg);
    *s = cfg.source;
    s->type = DATA_SOURCE_SYNTHETIC; /* not the default (lowrank): this family's own properties */
    s->dim = 128;
}

static void test_synthetic(void)
{
    DataSourceConfig s;
    synthetic_cfg(&s);
    DataSource *a = NULL, *b = NULL, *c = NULL;
    CHECK_OK(data_source_load(&s, 200, 5, exemplar_file_read, "data.source", &a));
    CHECK_OK(data_source_load(&s, 50, 2, exemplar_file_read, "data.source", &b));
    if (!a || !b)
        return;
    /* Non-negative; deterministic and prefix-stable: class c's first exemplars do not depend on
     * how many classes or exemplars were generated. */
    long negative = 0, differ = 0;
    for (size_t i = 0; i < (size_t)200 * 5 * 128; i++)
        negative += a->x[i] < 0;
    for (int cl = 0; cl < 50; cl++)
        for (int e = 0; e < 2; e++)
            differ += memcmp(a->x + ((size_t)cl * 5 + e) * 128, b->x + ((size_t)cl * 2 + e) * 128,
                             128 * sizeof(float)) != 0;
    CHECK_INT_EQ(negative, 0);
    CHECK_INT_EQ(differ, 0);
    DataSourceStats st;
    data_source_stats(a, 0, &st);
    printf("synthetic defaults (D=128, 200 classes): norm %.2f, cos between %.3f, cos within "
           "%.3f, zeros %.3f, mean %.3f\n",
           st.mean_norm, st.cos_between, st.cos_within, st.frac_zero, st.mean_coordinate);
    /* A shared mean: classes are far from orthogonal (about 0.47 at the calibrated defaults, 0
     * for independent zero-mean vectors); exemplars of one class much closer still. */
    CHECK(st.cos_between > 0.3 && st.cos_between < 0.95);
    CHECK(st.cos_within > st.cos_between);
    data_source_destroy(&b);

    /* Another seed gives other vectors. */
    s.seed = 1;
    CHECK_OK(data_source_load(&s, 200, 5, exemplar_file_read, "data.source", &b));
    if (b)
        CHECK(memcmp(a->x, b->x, 128 * sizeof(float)) != 0);
    data_source_destroy(&b);

    /* class_scale tunes separation: larger -> smaller between-class cosine. */
    double prev = 2;
    const float scales[] = {0.1f, 0.5f, 2.0f};
    for (int i = 0; i < 3; i++) {
        synthetic_cfg(&s);
        s.class_scale = scales[i];
        CHECK_OK(data_source_load(&s, 200, 2, exemplar_file_read, "data.source", &c));
        if (c) {
            data_source_stats(c, 0, &st);
            CHECK(st.cos_between < prev);
            prev = st.cos_between;
        }
        data_source_destroy(&c);
    }
    /* No exemplar noise: a class's exemplars are identical. abs: non-negative; none: signed. */
    synthetic_cfg(&s);
    s.exemplar_noise = 0;
    CHECK_OK(data_source_load(&s, 10, 3, exemplar_file_read, "data.source", &c));
    if (c) {
        data_source_stats(c, 0, &st);
        CHECK_NEAR(st.cos_within, 1.0, 1e-9);
    }
    data_source_destroy(&c);
    synthetic_cfg(&s);
    s.mean_scale = 0;
    s.nonneg = DATA_NONNEG_ABS;
    CHECK_OK(data_source_load(&s, 20, 2, exemplar_file_read, "data.source", &c));
    negative = 0;
    for (size_t i = 0; c && i < (size_t)20 * 2 * 128; i++)
        negative += c->x[i] < 0;
    CHECK_INT_EQ(negative, 0);
    data_source_destroy(&c);
    s.nonneg = DATA_NONNEG_NONE;
    CHECK_OK(data_source_load(&s, 20, 2, exemplar_file_read, "data.source", &c));
    negative = 0;
    for (size_t i = 0; c && i < (size_t)20 * 2 * 128; i++)
        negative += c->x[i] < 0;
    CHECK(negative > 1000); /* about half of 5120 */
    data_source_destroy(&c);
    data_source_destroy(&a);
}

static void test_gaussian(void)
{
    DataSourceConfig s;
    synthetic_cfg(&s);
    s.type = DATA_SOURCE_GAUSSIAN;
    s.dim = 256;
    s.within_class_noise = 0.5f;
    DataSource *g = NULL;
    CHECK_OK(data_source_load(&s, 300, 4, exemplar_file_read, "data.source", &g));
    if (!g)
        return;
    DataSourceStats st;
    data_source_stats(g, 0, &st);
    printf("gaussian (D=256, eps=0.5): norm %.3f, cos between %.4f, cos within %.3f\n",
           st.mean_norm, st.cos_between, st.cos_within);
    /* E|x|^2 = 1; cosines: 0 between classes, 1/(1+eps^2) = 0.8 within (sd ~0.01 per pair). */
    CHECK_NEAR(st.mean_norm, 1.0, 0.03);
    CHECK_NEAR(st.cos_between, 0.0, 0.01);
    CHECK_NEAR(st.cos_within, 0.8, 0.02);
    CHECK_NEAR(st.mean_coordinate, 0.0, 0.01);
    data_source_destroy(&g);
    data_source_destroy(&g); /* NULL-safe */
}

/* Fraction of |x|^2 of classes [K, K + n_test) (exemplar 0) outside the span of classes [0, K),
 * averaged: 0 when held-out classes are linear combinations of the training classes. */
static double heldout_residual(const DataSource *s, int K, int n_test)
{
    const int D = s->dim;
    double *q = calloc((size_t)K * D, sizeof *q), *v = calloc((size_t)D, sizeof *v), frac = 0;
    int nq = 0;
    for (int c = 0; q && v && c < K + n_test; c++) {
        const float *x = data_source_vector(s, c, 0);
        double n0 = 0, n1 = 0;
        for (int d = 0; d < D; d++)
            v[d] = x[d], n0 += v[d] * v[d];
        for (int pass = 0; pass < 2; pass++) /* Gram-Schmidt twice for stability */
            for (int k = 0; k < nq; k++) {
                double dot = 0;
                for (int d = 0; d < D; d++)
                    dot += q[(size_t)k * D + d] * v[d];
                for (int d = 0; d < D; d++)
                    v[d] -= dot * q[(size_t)k * D + d];
            }
        for (int d = 0; d < D; d++)
            n1 += v[d] * v[d];
        if (c >= K) {
            frac += n1 / n0 / n_test;
        } else if (n1 > 1e-12 * n0) {
            for (int d = 0; d < D; d++)
                q[(size_t)nq * D + d] = v[d] / sqrt(n1);
            nq++;
        }
    }
    if (!q || !v)
        frac = NAN;
    free(q);
    free(v);
    return frac;
}

static void test_lowrank(void)
{
    DataSourceConfig s, syn;
    DataConfig dc;
    data_config_default(&dc);
    syn = s = dc.source;
    s.type = DATA_SOURCE_LOWRANK;
    syn.type = DATA_SOURCE_SYNTHETIC;
    DataSource *a = NULL, *b = NULL, *c = NULL;
    CHECK_OK(data_source_load(&s, 300, 5, exemplar_file_read, "data.source", &a));
    CHECK_OK(data_source_load(&s, 60, 2, exemplar_file_read, "data.source", &b));
    CHECK_OK(data_source_load(&syn, 300, 5, exemplar_file_read, "data.source", &c));
    if (!a || !b || !c)
        goto done;
    CHECK_INT_EQ(a->n_classes, 300);
    CHECK_INT_EQ(a->n_exemplars, 5);
    CHECK_INT_EQ(a->dim, 512);
    /* determinism and prefix stability: class c's vectors do not depend on the class count */
    int differ = 0, negative = 0;
    for (int k = 0; k < 60; k++)
        for (int e = 0; e < 2; e++)
            differ += memcmp(data_source_vector(a, k, e), data_source_vector(b, k, e),
                             512 * sizeof(float)) != 0;
    CHECK_INT_EQ(differ, 0);
    for (size_t i = 0; i < (size_t)300 * 5 * 512; i++)
        negative += a->x[i] < 0;
    CHECK_INT_EQ(negative, 0);
    /* another source seed gives other vectors */
    DataSourceConfig s2 = s;
    s2.seed = 1;
    DataSource *d = NULL;
    CHECK_OK(data_source_load(&s2, 2, 1, exemplar_file_read, "data.source", &d));
    if (d)
        CHECK(memcmp(d->x, a->x, 512 * sizeof(float)) != 0);
    data_source_destroy(&d);

    DataSourceStats st, st_syn;
    data_source_stats(a, 0, &st);
    data_source_stats(c, 0, &st_syn);
    const double res = heldout_residual(a, 50, 100), res_syn = heldout_residual(c, 50, 100);
    printf("lowrank (rank %d): norm %.2f, cos between %.3f, within %.3f, zero %.3f, held-out "
           "residual %.3f; synthetic: cos between %.3f, within %.3f, residual %.3f\n",
           s.rank, st.mean_norm, st.cos_between, st.cos_within, st.frac_zero, res,
           st_syn.cos_between, st_syn.cos_within, res_syn);
    /* Same marginal pre-activation (mean + N(0, class_scale^2) per coordinate) as the synthetic
     * source, so similar norms and between-class cosines... */
    CHECK_NEAR(st.mean_norm / st_syn.mean_norm, 1.0, 0.15);
    CHECK_NEAR(st.cos_between, st_syn.cos_between, 0.1);
    /* ...but shared structure: 50 training classes explain most of a held-out class, where for
     * the synthetic source they explain little beyond the shared mean. */
    CHECK(res < 0.5 * res_syn);

    /* without the ReLU and exemplar noise every class lies in the (rank + 1)-dim span of the mean
     * and the map: rank + 1 training classes span every other class exactly */
    data_source_destroy(&b);
    s.nonneg = DATA_NONNEG_NONE;
    s.exemplar_noise = 0.0f;
    s.rank = 8;
    CHECK_OK(data_source_load(&s, 40, 1, exemplar_file_read, "data.source", &b));
    if (b) {
        const double exact = heldout_residual(b, 9, 31), under = heldout_residual(b, 8, 32);
        printf("lowrank rank 8, no ReLU or noise: held-out residual %.2e with 9 classes, %.3f "
               "with 8\n",
               exact, under);
        CHECK(exact < 1e-6);
        CHECK(under > 1e-3);
    }
done:
    data_source_destroy(&a);
    data_source_destroy(&b);
    data_source_destroy(&c);
}

/* Loading only some classes gives the same vectors as loading all of them, for every source type;
 * the others are not held. */
static void test_class_subset(void)
{
    const char *fname = "test_data_source_subset.h5";
    hsize_t dims[3] = {9, 2, 8};
    CHECK_INT_EQ(write_h5(fname, "feat", 3, dims, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 0), 0);
    const unsigned char needed[9] = {1, 1, 0, 0, 0, 1, 0, 1, 1};
    DataSourceConfig cfgs[4];
    for (int k = 0; k < 4; k++) {
        DataConfig dc;
        data_config_default(&dc);
        cfgs[k] = dc.source;
        cfgs[k].dim = 8;
    }
    cfgs[0].type = DATA_SOURCE_SYNTHETIC;
    cfgs[1].type = DATA_SOURCE_GAUSSIAN;
    cfgs[2].type = DATA_SOURCE_HDF5;
    snprintf(cfgs[2].path, sizeof cfgs[2].path, "%s", fname);
    snprintf(cfgs[2].dataset, sizeof cfgs[2].dataset, "feat");
    cfgs[3].type = DATA_SOURCE_LOWRANK;
    cfgs[3].rank = 4;
    for (int k = 0; k < 4; k++) {
        DataSource *all = NULL, *some = NULL;
        CHECK_OK(data_source_load(&cfgs[k], 9, 2, exemplar_file_read, "data.source", &all));
        CHECK_OK(data_source_load_classes(&cfgs[k], 9, 2, needed, exemplar_file_read, "data.source",
                                          &some));
        if (!all || !some)
            continue;
        CHECK_INT_EQ(some->n_loaded, 5);
        int differ = 0;
        for (int c = 0; c < 9; c++)
            for (int e = 0; e < 2 && needed[c]; e++)
                differ += memcmp(data_source_vector(all, c, e), data_source_vector(some, c, e),
                                 8 * sizeof(float)) != 0;
        CHECK_INT_EQ(differ, 0);
        CHECK_INT_EQ(some->class_row[2], -1);
        data_source_destroy(&all);
        data_source_destroy(&some);
    }
    remove(fname);
}

int main(void)
{
    test_class_subset();
    test_hdf5_small();
    test_hdf5_errors();
    test_hdf5_paper_shape();
    test_synthetic();
    test_gaussian();
    test_lowrank();
    TEST_MAIN_END("test_data_source");
}
