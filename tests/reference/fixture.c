/* Fixture reader (see fixture.h): reads the whole file, checks every length against the bytes
 * actually present, and copies each entry's data into its own aligned buffer. */
#include "reference/fixture.h"

#include "ihsweep/error.h"

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
