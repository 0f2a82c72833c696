/* Reader for the reference fixtures written by tests/reference/make_fixtures.py.
 *
 * Format (little-endian): magic "IHFX0001", uint32 n_entries, then per entry: uint32 name_len,
 * name bytes (no NUL), uint32 dtype (0 float32, 1 int32, 2 uint8), uint32 ndim, uint32
 * dims[ndim], raw row-major data. The whole file is read and validated at load time (sizes,
 * duplicate names, truncation); lookups afterwards cannot fail except by a missing name or a wrong
 * type, which are reported through the ihsweep error record naming the file and the entry.
 *
 * Test support only (linked into test executables, not the core library). Does not convert
 * between types.
 */
#ifndef IHSWEEP_TESTS_FIXTURE_H
#define IHSWEEP_TESTS_FIXTURE_H

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

#endif
