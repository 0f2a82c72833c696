/* Reader for the reference fixtures written by tests/reference/make_fixtures.py.
 *
 * Format (little-endian): magic "IHFX0001", uint32 n_entries, then per entry: uint32 name_len,
 * name bytes (no NUL), uint32 dtype (0 float32, 1 int32, 2 uint8), uint32 ndim, uint32
 * dims[ndim], raw row-major data. The whole file is read and validated at load time (sizes,
 * duplicate names, truncation); lookups afterwards cannot fail except by a missing name or a wrong
 * type, which are reported through the ihsweep error record naming the file and the entry.
 *
 * Also the comparisons the reference tests share (tests/reference, tests/clamp): a C tensor
 * against a fixture entry with a stated tolerance, every tensor of a model's list against
 * "<prefix><name>" entries, and the model config, batch and parameters a fixture holds.
 *
 * Test support only (linked into test executables, not the core library). Does not convert
 * between types.
 */
#ifndef IHSWEEP_TESTS_FIXTURE_H
#define IHSWEEP_TESTS_FIXTURE_H

#include "harness.h"
#include "ihsweep/model.h"

#include <stddef.h>

enum { FIXTURE_F32 = 0, FIXTURE_I32 = 1, FIXTURE_U8 = 2, FIXTURE_MAX_DIMS = 8 };

typedef struct {
    char *name; /* NUL-terminated copy */
    int dtype;  /* FIXTURE_F32, FIXTURE_I32, FIXTURE_U8 */
    int ndim;   /* 0..FIXTURE_MAX_DIMS */
    int dims[FIXTURE_MAX_DIMS];
    size_t count; /* product of dims (1 for ndim 0) */
    void *data;   /* count elements of dtype, aligned for float/int */
} FixtureEntry;

typedef struct Fixture Fixture;

/* Loads and validates the file at path. Returns owned *out (free with fixture_destroy).
 * Errors: IH_ENOENT (cannot open), IH_EIO (read error), IH_EDATA (bad magic, truncated, bad dtype
 * or ndim, duplicate name, big-endian host), IH_ENOMEM. Local. */
int fixture_load(const char *path, Fixture **out);

/* Frees f and sets *f = NULL. NULL-safe. */
void fixture_destroy(Fixture **f);

/* The path the fixture was loaded from. Borrowed. */
const char *fixture_path(const Fixture *f);

/* Number of entries and the i-th entry in file order. Borrowed. */
int fixture_count(const Fixture *f);
const FixtureEntry *fixture_entry(const Fixture *f, int i);

/* Entry by exact name, NULL if absent. Borrowed. */
const FixtureEntry *fixture_find(const Fixture *f, const char *name);

/* Typed access: the entry must exist and have the given dtype, else IH_EDATA naming file and
 * entry. *out borrows the entry's data; *count receives its element count (count may be NULL). */
int fixture_f32(const Fixture *f, const char *name, const float **out, size_t *count);
int fixture_i32(const Fixture *f, const char *name, const int **out, size_t *count);
int fixture_u8(const Fixture *f, const char *name, const unsigned char **out, size_t *count);

/* Scalar access: the entry must hold exactly one element of the given type. IH_EDATA otherwise. */
int fixture_scalar_f32(const Fixture *f, const char *name, float *out);
int fixture_scalar_i32(const Fixture *f, const char *name, int *out);

/* ---- Comparisons for the reference tests ---- */

enum { FIXTURE_MAX_PRINT = 5 }; /* mismatching elements printed per tensor */

/* Element i of a comparison passes when |c[i] - ref[i]| <= rtol * max|ref| + atol + slack[i]
 * (NaN never passes). With exact_above > 0, reference values with |ref| >= exact_above (sentinels
 * such as the clamp constant -1e9) must match exactly and are left out of max|ref|. */
typedef struct {
    double rtol;
    double atol;
    const double *slack; /* extra tolerance per element, or NULL */
    double exact_above;  /* 0: no sentinels */
} FixtureTolerance;

/* Compares c[n] with the float32 entry `name` of f elementwise; counts one check in *counts.
 * A failure (missing entry, other size, an element out of tolerance) prints to stderr, each line
 * starting with label: the first FIXTURE_MAX_PRINT bad elements (multi-index, both values, error,
 * tolerance) and a summary. A pass that used more than 10% of some element's tolerance prints one
 * line "within tolerance but at N% of it" to stdout. */
void fixture_compare(TestCounts *counts, const Fixture *f, const char *label, const char *name,
                     const float *c, size_t n, const FixtureTolerance *tol);

/* fixture_compare for every non-empty tensor t of m's list: buf + t.offset (buf is a flat
 * parameter-sized buffer such as model_grads) against entry "<prefix><t.name>". tol->slack, when
 * given, is indexed like buf. */
void fixture_compare_tensors(TestCounts *counts, const Fixture *f, const char *label,
                             const Model *m, const char *prefix, const float *buf,
                             const FixtureTolerance *tol);

/* Reads the model config from the scalar entries cfg.input_dim ... cfg.init_rescale into *cfg
 * (other fields untouched). Errors: IH_EDATA naming the entry. */
int fixture_model_config(const Fixture *f, ModelConfig *cfg);

/* Points *batch at the entries batch.rows [R, input_dim], batch.example_row [B, context_pairs+1],
 * batch.labels [B, context_pairs] and batch.targets [B] (borrowed from f), checking their ranks and
 * shapes against cfg. Errors: IH_EDATA naming label. */
int fixture_model_batch(const Fixture *f, const char *label, const ModelConfig *cfg,
                        ModelBatch *batch);

/* Copies every "<prefix><name>" entry into m's parameter tensor of that name. Every such entry
 * must be a float32 tensor of m with m's shape, and every non-empty tensor of m must have one.
 * Returns the number of problems found, each printed to stderr after label. */
int fixture_load_params(const Fixture *f, const char *label, Model *m, const char *prefix);

/* The fixture directory of a reference test: argv[1] if given, else
 * $IHSWEEP_TEST_DATA/<relative>, into dir (size bytes). Returns 0, or -1 when neither is set. */
int fixture_dir(int argc, char **argv, const char *relative, char *dir, int size);

#endif
