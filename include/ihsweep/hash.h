/* 64-bit FNV-1a, the one checksum of ihsweep (results rows, checkpoint files, config hashes).
 * Not cryptographic: it detects torn or corrupted data and tells configurations apart. */
#ifndef IHSWEEP_HASH_H
#define IHSWEEP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define IH_FNV1A_OFFSET 14695981039346656037ULL

/* Continues the FNV-1a hash h (start with IH_FNV1A_OFFSET) over n bytes of data. Local. */
uint64_t ih_fnv1a(uint64_t h, const void *data, size_t n);

#endif
