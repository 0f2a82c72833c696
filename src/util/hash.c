/* 64-bit FNV-1a (see hash.h). */
#include "ihsweep/hash.h"

uint64_t ih_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}
