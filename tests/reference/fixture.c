/* Fixture reader (see fixture.h): reads the whole file, checks every length against the bytes
 * actually present, and copies each entry's data into its own aligned buffer. Then the
 * comparisons and model readers the reference tests share. */
#include "reference/fixture.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Fixture {
    char *path;
    int n;
    FixtureEntry *entries;
};

static const size_t fixture_dtype_size[] = {4, 4, 1};

typedef struct {
    const unsigned char *p;
    size_t left;
} Cursor;

static int cursor_u32(Cursor *c, uint32_t *out)
{
    if (c->left < 4)
        return -1;
    *out = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 |
           (uint32_t)c->p[3] << 24;
    c->p += 4;
    c->left -= 4;
    return 0;
}

static int host_is_little_endian(void)
{
    const uint32_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static int fixture_read_file(const char *path, unsigned char **buf_out, size_t *len_out)
{
    int rc = 0;
    unsigned char *buf = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        IH_FAIL(IH_ENOENT, "fixture %s: cannot open (regenerate with `make fixtures`)", path);
    if (fseek(fp, 0, SEEK_END) != 0)
        IH_FAIL(IH_EIO, "fixture %s: seek failed", path);
    long len = ftell(fp);
    if (len < 0 || fseek(fp, 0, SEEK_SET) != 0)
        IH_FAIL(IH_EIO, "fixture %s: cannot determine size", path);
    IH_ALLOC(buf, (size_t)len);
    if (len > 0 && fread(buf, 1, (size_t)len, fp) != (size_t)len)
        IH_FAIL(IH_EIO, "fixture %s: short read", path);
    *buf_out = buf;
    *len_out = (size_t)len;
    buf = NULL;
cleanup:
    if (fp)
        fclose(fp);
    free(buf);
    return rc;
}

static int fixture_parse_entry(Fixture *f, Cursor *c, int index)
{
    int rc = 0;
    FixtureEntry *e = &f->entries[index];
    uint32_t name_len, dtype, ndim;
    if (cursor_u32(c, &name_len) || name_len == 0 || name_len > 4096 || c->left < name_len)
        IH_FAIL(IH_EDATA, "fixture %s: entry %d: bad or truncated name", f->path, index);
    IH_ALLOC(e->name, name_len + 1);
    memcpy(e->name, c->p, name_len);
    c->p += name_len;
    c->left -= name_len;
    if (cursor_u32(c, &dtype) || dtype > FIXTURE_U8)
        IH_FAIL(IH_EDATA, "fixture %s: entry '%s': bad dtype", f->path, e->name);
    if (cursor_u32(c, &ndim) || ndim > FIXTURE_MAX_DIMS)
        IH_FAIL(IH_EDATA, "fixture %s: entry '%s': bad ndim", f->path, e->name);
    e->dtype = (int)dtype;
    e->ndim = (int)ndim;
    e->count = 1;
    for (int d = 0; d < e->ndim; d++) {
        uint32_t dim;
        if (cursor_u32(c, &dim) || dim > (1u << 30))
            IH_FAIL(IH_EDATA, "fixture %s: entry '%s': bad dimension %d", f->path, e->name, d);
        e->dims[d] = (int)dim;
        e->count *= dim;
    }
    size_t bytes = e->count * fixture_dtype_size[dtype];
    if (c->left < bytes)
        IH_FAIL(IH_EDATA, "fixture %s: entry '%s': truncated data (%zu of %zu bytes)", f->path,
                e->name, c->left, bytes);
    /* float/int data: allocate as float so the buffer is suitably aligned for either */
    float *data = NULL;
    IH_ALLOC(data, (bytes + 3) / 4);
    memcpy(data, c->p, bytes);
    e->data = data;
    c->p += bytes;
    c->left -= bytes;
    for (int j = 0; j < index; j++)
        if (strcmp(f->entries[j].name, e->name) == 0)
            IH_FAIL(IH_EDATA, "fixture %s: duplicate entry '%s'", f->path, e->name);
cleanup:
    return rc;
}

int fixture_load(const char *path, Fixture **out)
{
    int rc = 0;
    unsigned char *buf = NULL;
    size_t len = 0;
    Fixture *f = NULL;
    *out = NULL;
    if (!host_is_little_endian())
        IH_FAIL(IH_EDATA, "fixture %s: fixtures are little-endian; this host is not", path);
    IH_TRY(fixture_read_file(path, &buf, &len));
    IH_ALLOC(f, 1);
    IH_ALLOC(f->path, strlen(path) + 1);
    strcpy(f->path, path);
    Cursor c = {buf, len};
    if (len < 8 || memcmp(buf, "IHFX0001", 8) != 0)
        IH_FAIL(IH_EDATA, "fixture %s: bad magic (expected IHFX0001)", path);
    c.p += 8;
    c.left -= 8;
    uint32_t n;
    if (cursor_u32(&c, &n) || n > (1u << 20))
        IH_FAIL(IH_EDATA, "fixture %s: bad entry count", path);
    IH_ALLOC(f->entries, n);
    f->n = (int)n; /* entries are zeroed, so destroy frees a partly parsed table safely */
    for (uint32_t i = 0; i < n; i++)
        IH_TRY(fixture_parse_entry(f, &c, (int)i));
    if (c.left != 0)
        IH_FAIL(IH_EDATA, "fixture %s: %zu trailing bytes after %u entries", path, c.left, n);
    *out = f;
    f = NULL;
cleanup:
    fixture_destroy(&f);
    free(buf);
    return rc;
}

void fixture_destroy(Fixture **f)
{
    if (!f || !*f)
        return;
    for (int i = 0; i < (*f)->n; i++) {
        free((*f)->entries[i].name);
        free((*f)->entries[i].data);
    }
    free((*f)->entries);
    free((*f)->path);
    free(*f);
    *f = NULL;
}

const char *fixture_path(const Fixture *f)
{
    return f->path;
}

int fixture_count(const Fixture *f)
{
    return f->n;
}

const FixtureEntry *fixture_entry(const Fixture *f, int i)
{
    return (i >= 0 && i < f->n) ? &f->entries[i] : NULL;
}

const FixtureEntry *fixture_find(const Fixture *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->entries[i].name, name) == 0)
            return &f->entries[i];
    return NULL;
}

static int fixture_typed(const Fixture *f, const char *name, int dtype, const void **out,
                         size_t *count) {
    static const char *const dtype_names[] = {"float32", "int32", "uint8"};
    int rc = 0;
    const FixtureEntry *e = fixture_find(f, name);
    if (!e)
        IH_FAIL(IH_EDATA, "fixture %s: no entry '%s'", f->path, name);
    if (e->dtype != dtype)
        IH_FAIL(IH_EDATA, "fixture %s: entry '%s' is %s, expected %s", f->path, name,
                dtype_names[e->dtype], dtype_names[dtype]);
    *out = e->data;
    if (count)
        *count = e->count;
cleanup:
    return rc;
}

int fixture_f32(const Fixture *f, const char *name, const float **out, size_t *count)
{
    const void *p = NULL;
    int rc = fixture_typed(f, name, FIXTURE_F32, &p, count);
    *out = p;
    return rc;
}

int fixture_i32(const Fixture *f, const char *name, const int **out, size_t *count)
{
    const void *p = NULL;
    int rc = fixture_typed(f, name, FIXTURE_I32, &p, count);
    *out = p;
    return rc;
}

int fixture_u8(const Fixture *f, const char *name, const unsigned char **out, size_t *count)
{
    const void *p = NULL;
    int rc = fixture_typed(f, name, FIXTURE_U8, &p, count);
    *out = p;
    return rc;
}

int fixture_scalar_f32(const Fixture *f, const char *name, float *out)
{
    int rc = 0;
    const float *p;
    size_t n;
    IH_TRY(fixture_f32(f, name, &p, &n));
    if (n != 1)
        IH_FAIL(IH_EDATA, "fixture %s: entry '%s' has %zu elements, expected a scalar", f->path,
                name, n);
    *out = p[0];
cleanup:
    return rc;
}

int fixture_scalar_i32(const Fixture *f, const char *name, int *out)
{
    int rc = 0;
    const int *p;
    size_t n;
    IH_TRY(fixture_i32(f, name, &p, &n));
    if (n != 1)
        IH_FAIL(IH_EDATA, "fixture %s: entry '%s' has %zu elements, expected a scalar", f->path,
                name, n);
    *out = p[0];
cleanup:
    return rc;
}

/* Formats the multi-index of flat element i of a tensor with the given dims. */
static void format_index(char *buf, int size, const int *dims, int ndim, size_t i)
{
    int idx[FIXTURE_MAX_DIMS];
    for (int d = ndim - 1; d >= 0; d--) {
        idx[d] = (int)(i % (size_t)dims[d]);
        i /= (size_t)dims[d];
    }
    int off = snprintf(buf, (size_t)size, "[");
    for (int d = 0; d < ndim && off < size; d++)
        off += snprintf(buf + off, (size_t)(size - off), d ? ",%d" : "%d", idx[d]);
    if (off < size)
        snprintf(buf + off, (size_t)(size - off), "]");
}

void fixture_compare(TestCounts *counts, const Fixture *f, const char *label, const char *name,
                     const float *c, size_t n, const FixtureTolerance *tol)
{
    const FixtureEntry *e = fixture_find(f, name);
    if (!e || e->dtype != FIXTURE_F32 || e->count != n) {
        counts->failed++;
        fprintf(stderr, "%s: %s: reference missing or has %zu elements, C has %zu\n", label, name,
                e ? e->count : 0, n);
        return;
    }
    const float *ref = e->data;
    double maxref = 0;
    for (size_t i = 0; i < n; i++)
        if (!(tol->exact_above > 0 && fabs(ref[i]) >= tol->exact_above))
            maxref = fmax(maxref, fabs(ref[i]));
    double base = tol->rtol * maxref + tol->atol, worst = 0;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        int exact = tol->exact_above > 0 && fabs(ref[i]) >= tol->exact_above;
        double err = fabs((double)c[i] - ref[i]);
        double allowed = base + (tol->slack ? tol->slack[i] : 0);
        int ok = exact ? c[i] == ref[i] : err <= allowed; /* a NaN is never ok */
        if (!ok) {
            if (bad < FIXTURE_MAX_PRINT) {
                char idx[96];
                format_index(idx, sizeof idx, e->dims, e->ndim, i);
                fprintf(stderr, "%s: %s%s: C %.9g ref %.9g err %.3g > tol %.3g\n", label, name, idx,
                        c[i], ref[i], err, allowed);
            }
            bad++;
        } else if (!exact) {
            worst = fmax(worst, err / allowed);
        }
    }
    if (bad) {
        counts->failed++;
        fprintf(stderr, "%s: %s: %zu of %zu elements out of tolerance (max|ref| %.3g)\n", label,
                name, bad, n, maxref);
    } else {
        counts->passed++;
        if (worst > 0.1)
            printf("  %s: %s within tolerance but at %.0f%% of it\n", label, name, 100 * worst);
    }
}

void fixture_compare_tensors(TestCounts *counts, const Fixture *f, const char *label,
                             const Model *m, const char *prefix, const float *buf,
                             const FixtureTolerance *tol)
{
    int n_tensors;
    const ModelTensor *t = model_tensors(m, &n_tensors);
    char name[96];
    for (int i = 0; i < n_tensors; i++) {
        if (t[i].size == 0)
            continue;
        FixtureTolerance at = *tol;
        at.slack = tol->slack ? tol->slack + t[i].offset : NULL;
        snprintf(name, sizeof name, "%s%s", prefix, t[i].name);
        fixture_compare(counts, f, label, name, buf + t[i].offset, t[i].size, &at);
    }
}

int fixture_model_config(const Fixture *f, ModelConfig *c)
{
    int rc = 0, pos;
    IH_TRY(fixture_scalar_i32(f, "cfg.input_dim", &c->input_dim));
    IH_TRY(fixture_scalar_i32(f, "cfg.d_model", &c->d_model));
    IH_TRY(fixture_scalar_i32(f, "cfg.n_heads", &c->n_heads));
    IH_TRY(fixture_scalar_i32(f, "cfg.depth", &c->depth));
    IH_TRY(fixture_scalar_i32(f, "cfg.n_labels", &c->n_labels));
    IH_TRY(fixture_scalar_i32(f, "cfg.context_pairs", &c->context_pairs));
    IH_TRY(fixture_scalar_i32(f, "cfg.pos", &pos));
    c->pos = (ModelPos)pos;
    IH_TRY(fixture_scalar_f32(f, "cfg.pos_base", &c->pos_base));
    IH_TRY(fixture_scalar_i32(f, "cfg.max_positions", &c->max_positions));
    IH_TRY(fixture_scalar_i32(f, "cfg.layer_norm", &c->layer_norm));
    IH_TRY(fixture_scalar_i32(f, "cfg.qkv_bias", &c->qkv_bias));
    IH_TRY(fixture_scalar_i32(f, "cfg.proj_bias", &c->proj_bias));
    IH_TRY(fixture_scalar_i32(f, "cfg.mlp_ratio", &c->mlp_ratio));
    IH_TRY(fixture_scalar_f32(f, "cfg.init_rescale", &c->init_rescale));
cleanup:
    return rc;
}

int fixture_model_batch(const Fixture *f, const char *label, const ModelConfig *cfg,
                        ModelBatch *batch)
{
    int rc = 0;
    const FixtureEntry *rows = fixture_find(f, "batch.rows");
    const FixtureEntry *ex = fixture_find(f, "batch.example_row");
    const FixtureEntry *lab = fixture_find(f, "batch.labels");
    const FixtureEntry *tgt = fixture_find(f, "batch.targets");
    if (!rows || !ex || !lab || !tgt || rows->ndim != 2 || ex->ndim != 2 || lab->ndim != 2 ||
        tgt->ndim != 1)
        IH_FAIL(IH_EDATA, "%s: batch.* entries missing or of wrong rank", label);
    int B = ex->dims[0];
    if (rows->dims[1] != cfg->input_dim || ex->dims[1] != cfg->context_pairs + 1 ||
        lab->dims[0] != B || lab->dims[1] != cfg->context_pairs || tgt->dims[0] != B)
        IH_FAIL(IH_EDATA, "%s: batch.* shapes disagree with cfg.*", label);
    batch->B = B;
    batch->R = rows->dims[0];
    IH_TRY(fixture_f32(f, "batch.rows", &batch->exemplar_rows, NULL));
    IH_TRY(fixture_i32(f, "batch.example_row", &batch->example_row, NULL));
    IH_TRY(fixture_i32(f, "batch.labels", &batch->labels, NULL));
    IH_TRY(fixture_i32(f, "batch.targets", &batch->targets, NULL));
cleanup:
    return rc;
}

int fixture_load_params(const Fixture *f, const char *label, Model *m, const char *prefix)
{
    int problems = 0, n_tensors;
    size_t plen = strlen(prefix);
    const ModelTensor *tensors = model_tensors(m, &n_tensors);
    float *params = model_params(m);
    for (int i = 0; i < fixture_count(f); i++) {
        const FixtureEntry *e = fixture_entry(f, i);
        if (strncmp(e->name, prefix, plen) != 0)
            continue;
        const ModelTensor *t = model_tensor_find(m, e->name + plen);
        int same_shape = t && t->ndim == e->ndim && t->size == e->count;
        for (int d = 0; same_shape && d < t->ndim; d++)
            same_shape = t->shape[d] == e->dims[d];
        if (!same_shape || e->dtype != FIXTURE_F32) {
            fprintf(stderr, "%s: fixture tensor %s: %s\n", label, e->name,
                    t ? "shape differs from the C model's" : "not in the C model");
            problems++;
            continue;
        }
        memcpy(params + t->offset, e->data, t->size * sizeof(float));
    }
    for (int i = 0; i < n_tensors; i++) {
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, tensors[i].name);
        if (tensors[i].size > 0 && !fixture_find(f, name)) {
            fprintf(stderr, "%s: C tensor %s (%zu elements) is not in the fixture\n", label,
                    tensors[i].name, tensors[i].size);
            problems++;
        }
    }
    return problems;
}

int fixture_dir(int argc, char **argv, const char *relative, char *dir, int size)
{
    const char *data = getenv("IHSWEEP_TEST_DATA");
    if (argc > 1)
        snprintf(dir, (size_t)size, "%s", argv[1]);
    else if (data)
        snprintf(dir, (size_t)size, "%s/%s", data, relative);
    else
        return -1;
    return 0;
}
