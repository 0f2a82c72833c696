/* Counter-based random numbers (Random123 Philox4x32-10), keyed by seed and purpose.
 *
 * A stream is identified by (seed, purpose, index): the same triple gives the same numbers on any
 * rank, in any order, at any time. There is no hidden state beyond the Rng struct the caller owns,
 * and nothing is keyed by rank, time or address. Floating-point transforms use float libm calls only
 * (expf, logf, ...), whose bits do not depend on the CPU's FMA support (doc/design.md 14).
 */
#ifndef IHSWEEP_RNG_H
#define IHSWEEP_RNG_H

#include <stdint.h>

/* What a stream is for. Values are part of the reproducibility contract: never renumber. */
typedef enum {
    RNG_PURPOSE_MODEL_INIT = 1,   /* index: parameter tensor number */
    RNG_PURPOSE_TRAIN_BATCH = 2,  /* index: optimizer step */
    RNG_PURPOSE_EVAL_SET = 3,     /* index: evaluator number */
    RNG_PURPOSE_SYNTH_SOURCE = 4, /* index: class number */
    RNG_PURPOSE_DENSE_SUBSET = 5, /* index: 0 */
    RNG_PURPOSE_PROBE_SET = 6,    /* index: 0 */
    RNG_PURPOSE_TEST = 7,         /* unit tests and benchmarks */
    RNG_PURPOSE_TOY = 8,          /* toy model (design 4.8) */
    RNG_PURPOSE_LABEL_SPLIT = 9   /* index: L (held-out label pairs, seed 20 as the reference) */
} RngPurpose;

typedef struct {
    uint32_t key[2];
    uint64_t index;
    uint64_t block;
    uint32_t buf[4];
    int avail;
} Rng;

/* Positions r at the start of stream (seed, purpose, index). Local; cannot fail. */
void rng_init(Rng *r, uint32_t seed, uint32_t purpose, uint64_t index);

/* Next 32 random bits. */
uint32_t rng_u32(Rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(Rng *r);

/* Uniform integer in [0, n), unbiased (rejection). n must be >= 1. */
uint32_t rng_below(Rng *r, uint32_t n);

/* Standard normal (Box-Muller in float). */
float rng_normal(Rng *r);

/* Standard normal truncated to [-2, 2] (rejection), as JAX's truncated_normal(-2, 2). */
float rng_truncated_normal(Rng *r);

/* Uniform random permutation of a[0..n) (Fisher-Yates). */
void rng_shuffle_int(Rng *r, int *a, int n);

#endif
