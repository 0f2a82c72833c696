/* The toy model's curves (toy.h) in a plain, serial HDF5 file, one group per condition:
 *   /<condition>/iteration         int64 [iters+1] 0..iters, a dimension scale
 *   /<condition>/loss, one_minus_cos2_a, loss_at_true_bc   float64 [iters+1] on that scale
 *   /<condition> attributes: condition (string), n, iters (int), lr (double), seed (uint32),
 *       solved_iteration (int64, toy_solved_iteration: -1 if never)
 *   root attributes: ihsweep_version, description (strings)
 * Strings are fixed-length NUL-terminated. No MPI; runs nothing (the caller runs the model).
 * toy_file_read reads such a file back (for the figures).
 */
#ifndef IHSWEEP_TOY_FILE_H
#define IHSWEEP_TOY_FILE_H

#include "ihsweep/toy.h"

typedef struct ToyFile ToyFile;

/* Creates (or truncates) the file at path and writes the root attributes. Returns an owned *out
 * (NULL on error). Local. Errors: IH_EHDF5 naming path, IH_ENOMEM. */
int toy_file_create(const char *path, ToyFile **out);

/* Writes r as the group named after its condition (which must not be in the file yet). Borrows r.
 * Local. Errors: IH_EHDF5 naming path and object, IH_ENOMEM. */
int toy_file_write(ToyFile *f, const ToyResult *r);

/* Closes the file and frees *f, setting *f = NULL. NULL-safe. Local. Errors: IH_EHDF5 (the handle
 * is freed anyway). */
int toy_file_close(ToyFile **f);

/* Reads the file at path back: out[c] (c a ToyCondition) is an owned ToyResult with config (n, lr,
 * iters, seed, condition) and the three curves [iters+1] of the condition's group, target and
 * final NULL; NULL for a condition the file does not hold. On error every out[c] is NULL. Local.
 * Errors: IH_ENOENT (no such file), IH_EHDF5 (not an HDF5 file, unreadable), IH_EDATA (no
 * condition group: not a toy-model file; a curve's length disagrees with iters), IH_ENOMEM. */
int toy_file_read(const char *path, ToyResult *out[TOY_CONDITION_COUNT]);

#endif
