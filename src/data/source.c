/* Exemplar sources behind one interface: a [C, E, D] float32 array. This file generates the
 * synthetic (post-ReLU-like), low-rank synthetic and Gaussian-cluster (Reddy 2023 style) sources,
 * hands file sources
 * to the caller's DataFileReader (io/'s exemplar_file_read), and computes geometry statistics.
 *
 * Each class c is generated from its own stream (source seed, RNG_PURPOSE_SYNTH_SOURCE, c), so a
 * class's vectors do not depend on how many classes or exemplars exist after it; the synthetic
 * and low-rank sources' shared mean comes from index 2^32, the low-rank map from index 2^32 + 1.
 */
#include "internal.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float nonneg(DataNonneg mode, float v)
{
    switch (mode) {
    case DATA_NONNEG_RELU:
        return v > 0.0f ? v : 0.0f;
    case DATA_NONNEG_ABS:
        return fabsf(v);
    default:
        return v;
    }
}

/* Synthetic (map == NULL) and low-rank (map = W [D, rank], row-major) sources: class c's
 * pre-activation is mean + class_scale * z_c (z_c ~ N(0, I_D)) or mean + class_scale * W h_c
 * (h_c ~ N(0, I_rank)), both from class c's stream, then exemplar noise and nonneg. */
static int generate_shared_mean(const DataSourceConfig *cfg, const float *map, DataSource *s)
{
    int rc = 0;
    int D = s->dim, R = cfg->rank;
    float *mean = NULL, *z = NULL, *h = NULL;
    IH_ALLOC(mean, D);
    IH_ALLOC(z, D);
    if (map)
        IH_ALLOC(h, R);
    Rng r;
    rng_init(&r, cfg->seed, RNG_PURPOSE_SYNTH_SOURCE, (uint64_t)1 << 32);
    data__add_noise(&r, mean, (size_t)D, 1.0f);
    for (int d = 0; d < D; d++)
        mean[d] = cfg->mean_scale * fabsf(mean[d]);
    for (int c = 0; c < s->n_classes; c++) {
        if (s->class_row && s->class_row[c] < 0)
            continue;
        rng_init(&r, cfg->seed, RNG_PURPOSE_SYNTH_SOURCE, (uint64_t)c);
        memcpy(z, mean, (size_t)D * sizeof *z);
        if (map) {
            memset(h, 0, (size_t)R * sizeof *h);
            data__add_noise(&r, h, (size_t)R, cfg->class_scale);
            for (int d = 0; d < D; d++) {
                const float *w = map + (size_t)d * R;
                float acc = 0.0f;
                for (int k = 0; k < R; k++)
                    acc += w[k] * h[k];
                z[d] += acc;
            }
        } else {
            data__add_noise(&r, z, (size_t)D, cfg->class_scale);
        }
        for (int e = 0; e < s->n_exemplars; e++) {
            float *x = (float *)data_source_vector(s, c, e);
            memcpy(x, z, (size_t)D * sizeof *x);
            if (cfg->exemplar_noise > 0.0f)
                data__add_noise(&r, x, (size_t)D, cfg->exemplar_noise);
            for (int d = 0; d < D; d++)
                x[d] = nonneg(cfg->nonneg, x[d]);
        }
    }
cleanup:
    free(mean);
    free(z);
    free(h);
    return rc;
}

static int generate_lowrank(const DataSourceConfig *cfg, DataSource *s)
{
    int rc = 0;
    float *map = NULL;
    const size_t n = (size_t)s->dim * (size_t)cfg->rank;
    IH_ALLOC(map, n);
    Rng r;
    rng_init(&r, cfg->seed, RNG_PURPOSE_SYNTH_SOURCE, ((uint64_t)1 << 32) + 1);
    data__add_noise(&r, map, n, 1.0f / sqrtf((float)cfg->rank));
    IH_TRY(generate_shared_mean(cfg, map, s));
cleanup:
    free(map);
    return rc;
}

static int generate_gaussian(const DataSourceConfig *cfg, DataSource *s)
{
    int rc = 0;
    int D = s->dim;
    float *mu = NULL;
    IH_ALLOC(mu, D);
    float inv_sqrt_d = 1.0f / sqrtf((float)D);
    float eps = cfg->within_class_noise;
    float norm = 1.0f / sqrtf(1.0f + eps * eps);
    Rng r;
    for (int c = 0; c < s->n_classes; c++) {
        if (s->class_row && s->class_row[c] < 0)
            continue;
        rng_init(&r, cfg->seed, RNG_PURPOSE_SYNTH_SOURCE, (uint64_t)c);
        memset(mu, 0, (size_t)D * sizeof *mu);
        data__add_noise(&r, mu, (size_t)D, inv_sqrt_d);
        for (int e = 0; e < s->n_exemplars; e++) {
            float *x = (float *)data_source_vector(s, c, e);
            memcpy(x, mu, (size_t)D * sizeof *x);
            if (eps > 0.0f)
                data__add_noise(&r, x, (size_t)D, eps * inv_sqrt_d);
            for (int d = 0; d < D; d++)
                x[d] *= norm;
        }
    }
cleanup:
    free(mu);
    return rc;
}

const float *data_source_vector(const DataSource *s, int class_id, int exemplar_id)
{
    size_t row = (size_t)(s->class_row ? s->class_row[class_id] : class_id);
    return s->x + (row * (size_t)s->n_exemplars + (size_t)exemplar_id) * (size_t)s->dim;
}

int data_source_select(DataSource *s, const unsigned char *needed)
{
    int rc = 0;
    s->n_loaded = s->n_classes;
    if (!needed)
        return 0;
    IH_ALLOC(s->class_row, s->n_classes);
    s->n_loaded = 0;
    for (int c = 0; c < s->n_classes; c++)
        s->class_row[c] = needed[c] ? s->n_loaded++ : -1;
cleanup:
    return rc;
}

int data_source_load(const DataSourceConfig *cfg, int n_classes, int n_exemplars,
                     DataFileReader reader, const char *path, DataSource **out)
{
    return data_source_load_classes(cfg, n_classes, n_exemplars, NULL, reader, path, out);
}

int data_source_load_classes(const DataSourceConfig *cfg, int n_classes, int n_exemplars,
                             const unsigned char *needed, DataFileReader reader, const char *path,
                             DataSource **out)
{
    int rc = 0;
    DataSource *s = NULL;
    *out = NULL;
    IH_ALLOC(s, 1);
    if (cfg->type == DATA_SOURCE_HDF5) {
        if (!reader)
            IH_FAIL(IH_ECONFIG,
                    "%s.type: a file source needs a file reader, which this program "
                    "does not provide",
                    path);
        IH_TRY(reader(cfg, n_classes, n_exemplars, needed, path, s));
    } else {
        if (n_classes < 1 || n_exemplars < 1 || cfg->dim < 1)
            IH_FAIL(IH_ECONFIG,
                    "%s: a generated source needs classes, exemplars and dim >= 1 "
                    "(got %d, %d, %d)",
                    path, n_classes, n_exemplars, cfg->dim);
        s->n_classes = n_classes;
        s->n_exemplars = n_exemplars;
        s->dim = cfg->dim;
        IH_TRY(data_source_select(s, needed));
        IH_ALLOC(s->x, (size_t)s->n_loaded * n_exemplars * cfg->dim);
        if (cfg->type == DATA_SOURCE_SYNTHETIC)
            IH_TRY(generate_shared_mean(cfg, NULL, s));
        else if (cfg->type == DATA_SOURCE_LOWRANK)
            IH_TRY(generate_lowrank(cfg, s));
        else
            IH_TRY(generate_gaussian(cfg, s));
    }
    *out = s;
    s = NULL;
cleanup:
    data_source_destroy(&s);
    return rc;
}

void data_source_destroy(DataSource **s)
{
    if (!s || !*s)
        return;
    free((*s)->x);
    free((*s)->class_row);
    free(*s);
    *s = NULL;
}

static double dot(const float *a, const float *b, int n)
{
    double acc = 0.0;
    for (int i = 0; i < n; i++)
        acc += (double)a[i] * b[i];
    return acc;
}

void data_source_stats(const DataSource *s, int n_classes, DataSourceStats *out)
{
    int C = n_classes > 0 && n_classes < s->n_classes ? n_classes : s->n_classes;
    int E = s->n_exemplars, D = s->dim;
    double norm_sum = 0, zeros = 0, coord = 0, within = 0;
    long n_within = 0;
    double *unit_sum = calloc((size_t)D, sizeof *unit_sum);
    int n_unit = 0;
    for (int c = 0; c < C; c++) {
        if (s->class_row && s->class_row[c] < 0)
            continue;
        const float *x0 = data_source_vector(s, c, 0);
        double n0 = sqrt(dot(x0, x0, D));
        norm_sum += n0;
        if (n0 > 0 && unit_sum) {
            for (int d = 0; d < D; d++)
                unit_sum[d] += x0[d] / n0;
            n_unit++;
        }
        for (int e = 0; e < E; e++) {
            const float *x = x0 + (size_t)e * D;
            for (int d = 0; d < D; d++) {
                zeros += x[d] == 0.0f;
                coord += x[d];
            }
            if (e > 0) {
                double ne = sqrt(dot(x, x, D));
                if (n0 > 0 && ne > 0) {
                    within += dot(x0, x, D) / (n0 * ne);
                    n_within++;
                }
            }
        }
    }
    /* Mean cosine over distinct pairs: (|sum of unit vectors|^2 - n) / (n (n - 1)). */
    double between = NAN;
    if (unit_sum && n_unit > 1) {
        double sq = 0;
        for (int d = 0; d < D; d++)
            sq += unit_sum[d] * unit_sum[d];
        between = (sq - n_unit) / ((double)n_unit * (n_unit - 1));
    }
    free(unit_sum);
    double total = (double)C * E * D;
    out->mean_norm = C ? norm_sum / C : NAN;
    out->cos_between = between;
    out->cos_within = n_within ? within / n_within : NAN;
    out->frac_zero = total > 0 ? zeros / total : NAN;
    out->mean_coordinate = total > 0 ? coord / total : NAN;
}
