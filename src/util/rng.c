/* Philox-backed random streams (see rng.h). No state outside the caller's Rng. */
#include "ihsweep/rng.h"

#include <Random123/philox.h>
#include <math.h>

void rng_init(Rng *r, uint32_t seed, uint32_t purpose, uint64_t index)
{
    r->key[0] = seed;
    r->key[1] = purpose;
    r->index = index;
    r->block = 0;
    r->avail = 0;
}

static void rng_refill(Rng *r)
{
    philox4x32_ctr_t ctr = {{(uint32_t)r->index, (uint32_t)(r->index >> 32), (uint32_t)r->block,
                             (uint32_t)(r->block >> 32)}};
    philox4x32_key_t key = {{r->key[0], r->key[1]}};
    philox4x32_ctr_t out = philox4x32(ctr, key);
    for (int i = 0; i < 4; i++)
        r->buf[i] = out.v[i];
    r->block++;
    r->avail = 4;
}

uint32_t rng_u32(Rng *r)
{
    if (r->avail == 0)
        rng_refill(r);
    return r->buf[4 - r->avail--];
}

double rng_uniform(Rng *r)
{
    uint32_t a = rng_u32(r) >> 5, b = rng_u32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

uint32_t rng_below(Rng *r, uint32_t n)
{
    uint32_t limit = UINT32_MAX - UINT32_MAX % n;
    uint32_t x;
    do {
        x = rng_u32(r);
    } while (x >= limit);
    return x % n;
}

float rng_normal(Rng *r)
{
    /* u1 in (0, 1] so logf never sees 0. */
    float u1 = (float)((rng_u32(r) >> 8) + 1) * (1.0f / 16777216.0f);
    float u2 = (float)(rng_u32(r) >> 8) * (1.0f / 16777216.0f);
    return sqrtf(-2.0f * logf(u1)) * cosf(6.28318530717958647692f * u2);
}

float rng_truncated_normal(Rng *r)
{
    float x;
    do {
        x = rng_normal(r);
    } while (x < -2.0f || x > 2.0f);
    return x;
}

void rng_shuffle_int(Rng *r, int *a, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (uint32_t)(i + 1));
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
