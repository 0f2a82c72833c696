/* RunResult allocation, metric names, padding, packing into one flat buffer and the row checksum,
 * all driven by the field tables of result.h (see there). */
#include "ihsweep/result.h"

#include "ihsweep/error.h"
#include "ihsweep/hash.h"

#include <stdlib.h>
#include <string.h>

static const char *const metric_names[METRIC_COUNT] = {"loss",
                                                       "acc",
                                                       "in_context_acc",
                                                       "out_context_acc",
                                                       "prob",
                                                       "in_context_prob",
                                                       "out_context_prob",
                                                       "use_context_prob"};

const char *metric_name(Metric m)
{
    return (m >= 0 && m < METRIC_COUNT) ? metric_names[m] : "?";
}

/* The axes of a shape in r: up to 3 extents, outermost first; returns how many. */
static int shape_extents(const RunResult *r, RunResultShape shape, size_t ext[3])
{
    const size_t E = (size_t)r->max_evals, H = (size_t)r->n_heads;
    switch (shape) {
    case RESULT_SHAPE_RUN:
        ext[0] = 1;
        return 1;
    case RESULT_SHAPE_EVAL:
        ext[0] = E;
        return 1;
    case RESULT_SHAPE_EVAL_HEAD:
        ext[0] = E, ext[1] = H;
        return 2;
    case RESULT_SHAPE_EVAL_PROBE_LABEL:
        ext[0] = E, ext[1] = (size_t)(r->n_probe ? r->n_probe : 1), ext[2] = (size_t)r->n_labels;
        return 3;
    case RESULT_SHAPE_HEAD:
        ext[0] = H;
        return 1;
    case RESULT_SHAPE_SRC_HEAD_HEAD:
        ext[0] = H, ext[1] = H;
        return 2;
    case RESULT_SHAPE_EVALUATOR_METRIC_EVAL:
        ext[0] = (size_t)r->n_evaluators * METRIC_COUNT, ext[1] = E;
        return 2;
    case RESULT_N_SHAPES:
        break;
    }
    ext[0] = 0;
    return 1;
}

size_t run_result_shape_count(const RunResult *r, RunResultShape shape)
{
    size_t ext[3];
    int n = shape_extents(r, shape, ext);
    size_t count = 1;
    for (int i = 0; i < n; i++)
        count *= ext[i];
    return count;
}

#define FILL_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                          \
    for (size_t i = 0, n = run_result_shape_count(r, shape); i < n; i++)                           \
        r->name[i] = (RESULT_CTYPE_##mt)(fill);
#define ALLOC_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                         \
    IH_ALLOC(r->name, run_result_shape_count(r, shape));                                           \
    FILL_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)
#define SET_TIMING_(name, since, mt, ft, shape, fill, group, units, desc) r->timing.name = (fill);
#define SET_VALUE_(name, since, mt, ft, shape, fill, group, units, desc) r->name = (fill);

int run_result_create(int max_evals, int n_evaluators, int n_heads, int n_probe, int n_labels,
                      RunResult **out)
{
    int rc = 0;
    RunResult *r = NULL;
    *out = NULL;
    if (max_evals < 1 || n_evaluators < 1 || n_heads < 1 || n_probe < 0 || n_labels < 1)
        IH_FAIL(IH_ECONFIG,
                "run result sizes must be positive (evals %d, evaluators %d, heads "
                "%d, probe %d, labels %d)",
                max_evals, n_evaluators, n_heads, n_probe, n_labels);
    IH_ALLOC(r, 1);
    r->max_evals = max_evals;
    r->n_evaluators = n_evaluators;
    r->n_heads = n_heads;
    r->n_probe = n_probe;
    r->n_labels = n_labels;
    RUN_RESULT_ARRAYS(ALLOC_ARRAY_)
    RUN_RESULT_TIMING(SET_TIMING_)
    r->status = RUN_PENDING;
    RUN_RESULT_VALUES(SET_VALUE_)
    RUN_RESULT_UNCHECKED(SET_VALUE_)
    *out = r;
    r = NULL;
cleanup:
    run_result_destroy(&r);
    return rc;
}

#define FREE_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc) free(x->name);

void run_result_destroy(RunResult **r)
{
    if (!r || !*r)
        return;
    RunResult *x = *r;
    RUN_RESULT_ARRAYS(FREE_ARRAY_)
    free(x);
    *r = NULL;
}

float *run_result_metric(RunResult *r, int evaluator, Metric m)
{
    return r->metrics + ((size_t)evaluator * METRIC_COUNT + (size_t)m) * (size_t)r->max_evals;
}

const float *run_result_metric_const(const RunResult *r, int evaluator, Metric m)
{
    return r->metrics + ((size_t)evaluator * METRIC_COUNT + (size_t)m) * (size_t)r->max_evals;
}

/* Copies the n-axis array src (extents se) into dst (extents de, each >= se). */
static void copy_strided(char *dst, const size_t *de, const char *src, const size_t *se, int n,
                         size_t elem)
{
    if (n == 1) {
        memcpy(dst, src, se[0] * elem);
        return;
    }
    size_t dst_inner = elem, src_inner = elem;
    for (int i = 1; i < n; i++)
        dst_inner *= de[i], src_inner *= se[i];
    for (size_t i = 0; i < se[0]; i++)
        copy_strided(dst + i * dst_inner, de + 1, src + i * src_inner, se + 1, n - 1, elem);
}

#define PAD_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                           \
    {                                                                                              \
        size_t se[3], de[3];                                                                       \
        int n = shape_extents(r, shape, se);                                                       \
        shape_extents(p, shape, de);                                                               \
        copy_strided((char *)p->name, de, (const char *)r->name, se, n, sizeof *r->name);          \
    }
#define COPY_VALUE_(name, since, mt, ft, shape, fill, group, units, desc) p->name = r->name;

void run_result_copy_padded(const RunResult *r, RunResult *p)
{
    p->n_evals = r->n_evals;
    RUN_RESULT_ARRAYS(PAD_ARRAY_)
    p->timing = r->timing;
    p->status = r->status;
    RUN_RESULT_VALUES(COPY_VALUE_)
    RUN_RESULT_UNCHECKED(COPY_VALUE_)
}

/* Integers are hashed as 32-bit (int) or 64-bit values, floats by their bytes. */
#define HASH_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                          \
    if ((since) <= schema_version)                                                                 \
        h = ih_fnv1a(h, r->name, run_result_shape_count(r, shape) * sizeof *r->name);
#define HASH_VALUE_(name, since, mt, ft, shape, fill, group, units, desc)                          \
    if ((since) <= schema_version) {                                                               \
        RESULT_CTYPE_##mt v_ = STRUCT_.name;                                                       \
        h = ih_fnv1a(h, &v_, sizeof v_);                                                           \
    }

_Static_assert(sizeof(int) == 4, "the checksum hashes C ints as 32-bit values");

uint64_t run_result_checksum(const RunResult *r, int schema_version)
{
    uint64_t h = IH_FNV1A_OFFSET;
    int32_t dims[6] = {r->max_evals, r->n_evals, r->n_evaluators,
                       r->n_heads,   r->n_probe, r->n_labels};
    h = ih_fnv1a(h, dims, sizeof dims);
    RUN_RESULT_ARRAYS(HASH_ARRAY_)
#define STRUCT_ r->timing
    RUN_RESULT_TIMING(HASH_VALUE_)
#undef STRUCT_
    int32_t status = (int32_t)r->status;
    h = ih_fnv1a(h, &status, sizeof status);
#define STRUCT_ (*r)
    RUN_RESULT_VALUES(HASH_VALUE_)
#undef STRUCT_
    return h;
}

/* ---- one flat buffer per row (a row sent to the writer rank as one message) ---- */

enum {
    PACK_HEADER = 7
}; /* int32: max_evals, n_evals, n_evaluators, n_heads, n_probe,
      n_labels, status */

#define SIZE_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                          \
    n += run_result_shape_count(r, shape) * sizeof *r->name;
#define SIZE_VALUE_(name, since, mt, ft, shape, fill, group, units, desc)                          \
    n += sizeof(RESULT_CTYPE_##mt);

size_t run_result_pack_size(const RunResult *r)
{
    size_t n = PACK_HEADER * sizeof(int32_t);
    RUN_RESULT_ARRAYS(SIZE_ARRAY_)
    RUN_RESULT_TIMING(SIZE_VALUE_)
    RUN_RESULT_VALUES(SIZE_VALUE_)
    RUN_RESULT_UNCHECKED(SIZE_VALUE_)
    return n;
}

/* Each field in table order: copied and the cursor p advanced past it. */
#define PACK_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                          \
    {                                                                                              \
        const size_t b_ = run_result_shape_count(r, shape) * sizeof *r->name;                      \
        memcpy(p, r->name, b_);                                                                    \
        p += b_;                                                                                   \
    }
#define PACK_VALUE_(name, since, mt, ft, shape, fill, group, units, desc)                          \
    memcpy(p, &STRUCT_.name, sizeof(RESULT_CTYPE_##mt));                                           \
    p += sizeof(RESULT_CTYPE_##mt);

void run_result_pack(const RunResult *r, void *buf)
{
    unsigned char *p = buf;
    const int32_t head[PACK_HEADER] = {r->max_evals, r->n_evals,  r->n_evaluators,   r->n_heads,
                                       r->n_probe,   r->n_labels, (int32_t)r->status};
    memcpy(p, head, sizeof head);
    p += sizeof head;
    RUN_RESULT_ARRAYS(PACK_ARRAY_)
#define STRUCT_ r->timing
    RUN_RESULT_TIMING(PACK_VALUE_)
#undef STRUCT_
#define STRUCT_ (*r)
    RUN_RESULT_VALUES(PACK_VALUE_)
    RUN_RESULT_UNCHECKED(PACK_VALUE_)
#undef STRUCT_
}

#define UNPACK_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                        \
    {                                                                                              \
        const size_t b_ = run_result_shape_count(r, shape) * sizeof *r->name;                      \
        memcpy(r->name, p, b_);                                                                    \
        p += b_;                                                                                   \
    }
#define UNPACK_VALUE_(name, since, mt, ft, shape, fill, group, units, desc)                        \
    memcpy(&STRUCT_.name, p, sizeof(RESULT_CTYPE_##mt));                                           \
    p += sizeof(RESULT_CTYPE_##mt);

int run_result_unpack(RunResult *r, const void *buf, size_t size)
{
    int rc = 0;
    const unsigned char *p = buf;
    int32_t head[PACK_HEADER];
    if (size < sizeof head)
        IH_FAIL(IH_EDATA, "packed run result: %zu bytes, less than its header", size);
    memcpy(head, p, sizeof head);
    if (head[0] != r->max_evals || head[2] != r->n_evaluators || head[3] != r->n_heads ||
        head[4] != r->n_probe || head[5] != r->n_labels || size != run_result_pack_size(r) ||
        head[1] < 0 || head[1] > r->max_evals)
        IH_FAIL(IH_EDATA,
                "packed run result: dims (evals %d of %d, evaluators %d, heads %d, probe %d, "
                "labels %d; %zu bytes) do not match the receiving result's",
                (int)head[1], (int)head[0], (int)head[2], (int)head[3], (int)head[4], (int)head[5],
                size);
    p += sizeof head;
    r->n_evals = head[1];
    r->status = (RunStatus)head[6];
    RUN_RESULT_ARRAYS(UNPACK_ARRAY_)
#define STRUCT_ r->timing
    RUN_RESULT_TIMING(UNPACK_VALUE_)
#undef STRUCT_
#define STRUCT_ (*r)
    RUN_RESULT_VALUES(UNPACK_VALUE_)
    RUN_RESULT_UNCHECKED(UNPACK_VALUE_)
#undef STRUCT_
cleanup:
    return rc;
}
