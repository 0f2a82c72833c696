/* Checkpoint files (see checkpoint.h): a little serialiser over atomic_file. The payload is
 * "IHCKPT01", the model configuration field by field, the config hash, the parameter count, Adam's
 * step, parameters, first and second moments, and the caller's state block. MPI-free. */
#include "ihsweep/checkpoint.h"

#include "ihsweep/atomic_file.h"
#include "ihsweep/error.h"

#include <stdlib.h>
#include <string.h>

#define CHECKPOINT_MAGIC "IHCKPT01"

typedef struct {
    unsigned char *buf;
    size_t size, pos;
} Cursor;

static void put(Cursor *c, const void *data, size_t n)
{
    if (c->buf)
        memcpy(c->buf + c->pos, data, n);
    c->pos += n;
}

static int take(Cursor *c, void *data, size_t n)
{
    int rc = 0;
    if (c->pos + n > c->size)
        IH_FAIL(IH_EDATA, "checkpoint is truncated (need %zu bytes at offset %zu of %zu)", n,
                c->pos, c->size);
    memcpy(data, c->buf + c->pos, n);
    c->pos += n;
cleanup:
    return rc;
}

/* The configuration fields, in file order. */
#define CHECKPOINT_CONFIG_INTS(X)                                                                  \
    X(input_dim) X(d_model) X(n_heads) X(depth) X(n_labels) X(context_pairs) X(max_positions)      \
        X(layer_norm) X(qkv_bias) X(proj_bias) X(mlp_ratio)

static void checkpoint_serialise(Cursor *c, const Model *m, uint64_t config_hash,
                                 const void *state, size_t state_size)
{
    const ModelConfig *cfg = model_config(m);
    put(c, CHECKPOINT_MAGIC, 8);
#define PUT_INT(field)                                                                             \
    {                                                                                              \
        int32_t v = cfg->field;                                                                    \
        put(c, &v, sizeof v);                                                                      \
    }
    CHECKPOINT_CONFIG_INTS(PUT_INT)
#undef PUT_INT
    int32_t pos = (int32_t)cfg->pos;
    put(c, &pos, sizeof pos);
    put(c, &cfg->pos_base, sizeof cfg->pos_base);
    put(c, &cfg->init_rescale, sizeof cfg->init_rescale);
    put(c, &config_hash, sizeof config_hash);
    uint64_t n = model_param_count(m);
    int64_t t = model_adam_t(m);
    put(c, &n, sizeof n);
    put(c, &t, sizeof t);
    Model *mm = (Model *)m; /* the accessors are non-const; nothing is modified */
    put(c, model_params(mm), n * sizeof(float));
    put(c, model_adam_m(mm), n * sizeof(float));
    put(c, model_adam_v(mm), n * sizeof(float));
    uint64_t s = state_size;
    put(c, &s, sizeof s);
    if (state_size)
        put(c, state, state_size);
}

int checkpoint_write(const char *path, const Model *m, uint64_t config_hash, const void *state,
                     size_t state_size)
{
    int rc = 0;
    Cursor c = {0};
    checkpoint_serialise(&c, m, config_hash, state, state_size);
    c.size = c.pos;
    c.pos = 0;
    IH_ALLOC(c.buf, c.size);
    checkpoint_serialise(&c, m, config_hash, state, state_size);
    IH_TRY(atomic_file_write(path, c.buf, c.size));
cleanup:
    free(c.buf);
    return rc;
}

int checkpoint_read(const char *path, uint64_t expect_hash, Model **model_out, void **state_out,
                    size_t *state_size)
{
    int rc = 0;
    Cursor c = {0};
    Model *m = NULL;
    unsigned char *state = NULL;
    void *payload = NULL;
    *model_out = NULL;
    if (state_out)
        *state_out = NULL;
    IH_TRY(atomic_file_read(path, &payload, &c.size));
    c.buf = payload;
    char magic[8];
    IH_TRY(take(&c, magic, 8));
    if (memcmp(magic, CHECKPOINT_MAGIC, 8) != 0)
        IH_FAIL(IH_EDATA, "%s is not an ihsweep checkpoint (version 1)", path);
    ModelConfig cfg = {0};
#define TAKE_INT(field)                                                                            \
    {                                                                                              \
        int32_t v;                                                                                 \
        IH_TRY(take(&c, &v, sizeof v));                                                            \
        cfg.field = v;                                                                             \
    }
    CHECKPOINT_CONFIG_INTS(TAKE_INT)
#undef TAKE_INT
    int32_t pos;
    IH_TRY(take(&c, &pos, sizeof pos));
    cfg.pos = (ModelPos)pos;
    IH_TRY(take(&c, &cfg.pos_base, sizeof cfg.pos_base));
    IH_TRY(take(&c, &cfg.init_rescale, sizeof cfg.init_rescale));
    uint64_t hash, n;
    int64_t t;
    IH_TRY(take(&c, &hash, sizeof hash));
    if (expect_hash != 0 && hash != expect_hash)
        IH_FAIL(IH_EDATA, "%s belongs to another run configuration (hash %016llx, expected "
                          "%016llx)",
                path, (unsigned long long)hash, (unsigned long long)expect_hash);
    IH_TRY(model_create(&cfg, &m));
    IH_TRY(take(&c, &n, sizeof n));
    if (n != model_param_count(m))
        IH_FAIL(IH_EDATA, "%s: parameter count %llu does not match its configuration (%zu)", path,
                (unsigned long long)n, model_param_count(m));
    IH_TRY(take(&c, &t, sizeof t));
    model_set_adam_t(m, (long)t);
    IH_TRY(take(&c, model_params(m), n * sizeof(float)));
    IH_TRY(take(&c, model_adam_m(m), n * sizeof(float)));
    IH_TRY(take(&c, model_adam_v(m), n * sizeof(float)));
    uint64_t s;
    IH_TRY(take(&c, &s, sizeof s));
    if (c.pos + s != c.size)
        IH_FAIL(IH_EDATA, "%s: state block of %llu bytes does not fill the file", path,
                (unsigned long long)s);
    if (state_out) {
        IH_ALLOC(state, s);
        IH_TRY(take(&c, state, s));
        *state_out = state;
        *state_size = s;
        state = NULL;
    }
    *model_out = m;
    m = NULL;
cleanup:
    free(payload);
    free(state);
    model_destroy(&m);
    return rc;
}
