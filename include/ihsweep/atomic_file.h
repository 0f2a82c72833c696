/* Whole-file writes that a crash cannot tear, for checkpoints.
 *
 * atomic_file_write puts a 32-byte header in front of the payload and replaces the target in one
 * step: temp file in the same directory, fwrite, fflush, fsync, rename over the target, fsync of
 * the directory. A reader sees either the old file or the new one, and atomic_file_read rejects
 * anything else (wrong magic, version, length, or checksum). Local (no MPI); no format of its
 * own beyond the header: callers serialise their payload.
 *
 * Header (little-endian): magic "IHSWATOM" (8 bytes), version uint32 (1), reserved uint32 (0),
 * payload length uint64, checksum uint64 = 64-bit FNV-1a over the first 24 header bytes and then
 * the payload.
 */
#ifndef IHSWEEP_ATOMIC_FILE_H
#define IHSWEEP_ATOMIC_FILE_H

#include <stddef.h>

enum { ATOMIC_FILE_VERSION = 1, ATOMIC_FILE_HEADER_BYTES = 32 };

/* Atomically replaces (or creates) path with the header and size bytes of data (borrowed).
 * The temporary file "<path>.tmp-<pid>-<n>" is removed on failure. Local.
 * Errors: IH_EIO (naming the failed step and errno text). */
int atomic_file_write(const char *path, const void *data, size_t size);

/* Reads a file written by atomic_file_write. Returns an owned payload *data (malloc'ed; free()
 * it; never NULL on success, even for size 0) and its length *size. Local.
 * Errors: IH_ENOENT (no such file), IH_EDATA (not such a file, other version, truncated, or
 * checksum mismatch), IH_EIO, IH_ENOMEM. */
int atomic_file_read(const char *path, void **data, size_t *size);

#endif
